"""The figures into the site, and the link preview of each page.

`snippets.render` writes images into the figures folder of the cache and refers to them as
`figures/<file>`, from the site's root. Each page's references are rewritten relative to the page,
and the files are added to the build, so MkDocs copies them into the site (and `mkdocs serve`
serves them). Only plain file names of that folder are published (sitebuild.checks).
"""

import html
import json
import re

from mkdocs.structure.files import File
from mkdocs.utils import get_relative_url

from sitebuild.checks import NAME
from snippets.drawing import FIGURES_DIR, FIGURES_URL

SOURCE = re.compile(
    rf'(?P<attr>\s(?:src|data-src|data-gif|data-manifest|srcset|href)=")(?:{FIGURES_URL})(?P<name>[^"#]+)'
)
FIRST_PARAGRAPH = re.compile(
    r"<p>(.*?)</p>", re.DOTALL
)  # a plain one: not the notebook line
PREVIEW = re.compile(
    r'<figure\b[^>]*\bdata-preview="(?P<src>[^"]+)"[^>]*>.*?<img\b[^>]*\balt="(?P<alt>[^"]*)"',
    re.DOTALL,
)


class FigureError(Exception):
    pass


def publish(name, page, config, files):
    """Add figures/`name` to the build (MkDocs copies it into the site); return its site path."""
    if not NAME.fullmatch(name) or ".." in name:
        raise FigureError(f"{FIGURES_URL}{name} is not a file of the figures folder")
    source = FIGURES_DIR / name
    if not source.is_file():
        raise FigureError(f"figure {name!r} was not drawn")
    uri = FIGURES_URL + name
    if files.get_file_from_path(uri) is None:
        files.append(File.generated(config, uri, abs_src_path=str(source)))
        if name.endswith(".json"):  # an explorable's manifest: its frames go with it
            manifest = json.loads(source.read_text())
            for theme_files in manifest["files"].values():
                for frame in theme_files:
                    publish(frame, page, config, files)
    return uri


def published(html_text, page, config, files):
    """The page's HTML with every figure it shows published and referred to relative to the page."""

    def relative(match):
        return match["attr"] + get_relative_url(
            publish(match["name"], page, config, files), page.url
        )

    return SOURCE.sub(relative, html_text)


def describe(html_text, page, config, files):
    """What a link preview shows: the page's first paragraph, and the figure marked as its preview.

    Material writes page.meta.description into <meta name="description">; overrides/main.html
    writes both into the Open Graph tags. The image's address is absolute when the site's is known.
    """
    first = FIRST_PARAGRAPH.search(html_text)
    if first and not page.meta.get("description"):
        text = " ".join(html.unescape(re.sub(r"<[^>]+>", "", first[1])).split())
        if len(text) > 200:
            text = text[:200].rsplit(" ", 1)[0] + " …"
        page.meta["description"] = text
    preview = PREVIEW.search(html_text)
    if preview and preview["src"].startswith(FIGURES_URL):
        uri = publish(preview["src"][len(FIGURES_URL) :], page, config, files)
        site_url = config.get("site_url")
        page.meta["image"] = (
            site_url + uri if site_url else get_relative_url(uri, page.url)
        )
        page.meta["image_alt"] = html.unescape(preview["alt"])


LIGHTBOX_SCRIPT = re.compile(
    r'<script (?:defer )?src="(?P<src>[^"]*assets/javascripts/glightbox\.min\.js)"></script>'
)
LIGHTBOX_STYLE = re.compile(
    r'<link href="(?P<href>[^"]*assets/stylesheets/glightbox\.min\.css)" rel="stylesheet">'
)
LIGHTBOX_INIT = re.compile(
    r'<script id="init-glightbox">(?P<code>.*?)</script>', re.DOTALL
)
LIGHTBOX_ON_FIRST_USE = """<script id="init-glightbox">
// GLightbox (mkdocs-glightbox) is loaded when a reader first opens a figure, not with the page
document.addEventListener("click", function first(event) {
  const link = event.target.closest("a.glightbox");
  if (!link) return;
  event.preventDefault();
  document.removeEventListener("click", first, true);
  const style = Object.assign(document.createElement("link"), {rel: "stylesheet", href: %s});
  const script = Object.assign(document.createElement("script"), {src: %s});
  script.onload = () => { %s; link.click(); };
  document.head.append(style, script);
}, true);
</script>"""


def lightbox_on_first_use(output):
    """The page with mkdocs-glightbox's script and stylesheet loaded when a reader first opens a
    figure, rather than with the page.

    The plugin puts GLightbox's 56 KB script and its stylesheet in the <head>, where they hold up
    the first paint, and starts it on every page load, which on a phone is a task of half a second
    (Lighthouse measured both). Here a click on a figure's link loads them, starts GLightbox with
    the plugin's own settings and opens that figure. A page without the plugin's script is
    returned as it is.
    """
    script, style = LIGHTBOX_SCRIPT.search(output), LIGHTBOX_STYLE.search(output)
    init = LIGHTBOX_INIT.search(output)
    if not (script and style and init):
        return output
    output = LIGHTBOX_STYLE.sub("", LIGHTBOX_SCRIPT.sub("", output))
    code = init["code"].strip().replace("const lightbox = ", "window.sgdLightbox = ")
    code = code.replace("lightbox.reload()", "window.sgdLightbox.reload()")
    return LIGHTBOX_INIT.sub(
        lambda m: (
            LIGHTBOX_ON_FIRST_USE
            % (json.dumps(style["href"]), json.dumps(script["src"]), code)
        ),
        output,
    )
