"""Math as MathML, made at build time: `$...$` and `$$...$$` (pymdownx.arithmatex, generic mode)
become <math> elements that browsers render natively, with no script and no request to a CDN."""

import html
import re

from latex2mathml.converter import convert

MATH = re.compile(
    r'<(?P<tag>span|div) class="arithmatex">\s*\\(?P<open>[\(\[])(?P<tex>.*?)\\[\)\]]\s*</(?P=tag)>',
    re.DOTALL,
)


class MathError(Exception):
    pass


def _mathml(match):
    tex = html.unescape(match["tex"]).strip()
    try:
        return convert(tex, display="block" if match["open"] == "[" else "inline")
    except Exception as error:  # latex2mathml raises several types; all mean "bad TeX"
        raise MathError(f"cannot render math {tex!r}: {error}") from error


def render(html_text):
    """The page's HTML with every arithmatex formula as MathML."""
    return MATH.sub(_mathml, html_text)
