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


# A display formula sits in a box of its own, which scrolls sideways when the formula is wider
# than the column (a phone): focusable, so a keyboard can scroll it too (docs/javascripts/figures.js
# takes the focus stop away from a formula that fits).
BLOCK = '<div class="sgd-math" tabindex="0" role="group" aria-label="Formula">{}</div>'


def _mathml(match):
    tex = html.unescape(match["tex"]).strip()
    block = match["open"] == "["
    try:
        mathml = convert(tex, display="block" if block else "inline")
    except Exception as error:  # latex2mathml raises several types; all mean "bad TeX"
        raise MathError(f"cannot render math {tex!r}: {error}") from error
    return BLOCK.format(mathml) if block else mathml


def render(html_text):
    """The page's HTML with every arithmatex formula as MathML."""
    return MATH.sub(_mathml, html_text)
