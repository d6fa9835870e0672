"""MkDocs hooks: import the snippets fresh, render math to MathML, publish the figures.

- Before each build, forget any imported `snippets` modules, so that under `mkdocs serve` an edited
  snippet takes effect on the next rebuild instead of running the stale module.
- Math written as $...$ and $$...$$ (pymdownx.arithmatex, generic mode) becomes MathML at build
  time, which browsers render natively: no script and no request to a CDN.
- Figures drawn by `snippets.render` are referenced as `figures/<file>` from the site root. Each
  page's references are rewritten relative to that page, and the files are added to the build, so
  MkDocs copies them into the site (and the live server serves them).
"""

import html
import re
import sys
from pathlib import Path

from latex2mathml.converter import convert as latex_to_mathml
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File
from mkdocs.utils import get_relative_url

ROOT = Path(__file__).resolve().parent

MATH = re.compile(
    r'<(?P<tag>span|div) class="arithmatex">\s*\\(?P<open>[\(\[])(?P<tex>.*?)\\[\)\]]\s*</(?P=tag)>',
    re.DOTALL,
)
FIGURE_SRC = re.compile(r'(<img\b[^>]*?\bsrc=")figures/([^"#]+)')


def on_config(config):
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return config


def on_pre_build(config):
    for name in [m for m in sys.modules if m == "snippets" or m.startswith("snippets.")]:
        del sys.modules[name]


def _mathml(match):
    tex = html.unescape(match["tex"]).strip()
    display = "block" if match["open"] == "[" else "inline"
    try:
        return latex_to_mathml(tex, display=display)
    except Exception as error:  # latex2mathml raises several types; all mean "bad TeX"
        raise PluginError(f"cannot render math {tex!r}: {error}") from error


def on_page_content(html_text, page, config, files):
    from snippets.render import FIGURES_DIR

    html_text = MATH.sub(_mathml, html_text)

    def publish(match):
        filename = match[2]
        source = FIGURES_DIR / filename
        if not source.is_file():
            raise PluginError(f"{page.file.src_uri}: figure {filename!r} was not rendered")
        uri = f"figures/{filename}"
        known = files.get_file_from_path(uri)
        if known is None:
            files.append(File.generated(config, uri, abs_src_path=str(source)))
        return match[1] + get_relative_url(uri, page.url)

    return FIGURE_SRC.sub(publish, html_text)
