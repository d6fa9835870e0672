"""Each chapter's notebook as a page: mkdocs-jupyter renders the run copy (sitebuild.run ran it),
and this makes that page load like the others and lead back to its chapter. Before the run, the
notebook's first cell gets a link to its chapter on the published site, when the build knows the
site's address."""

import base64
import hashlib
import html
import json
import re
import struct
from pathlib import Path

from mkdocs.structure.files import File
from mkdocs.utils import get_relative_url

from sitebuild import mathml, stylesheet

STYLE = re.compile(r"<style[^>]*>(.*?)</style>", re.DOTALL)
SCRIPT = re.compile(r"<script\b[^>]*>(.*?)</script>", re.DOTALL)
# the bar of a cell's tags, which nbconvert shows above its code (ours are for the tests)
TAGS = re.compile(
    r'<div class="celltoolbar">\s*<div class="button_container tags_button_container">\s*'
    r'<span class="tag-container">.*?</span>\s*</span>\s*</div>\s*</div>',
    re.DOTALL,
)
MARKDOWN_CELL = re.compile(
    r'(<div class="jp-RenderedHTMLCommon jp-RenderedMarkdown[^>]*>)(.*?)(</div>)',
    re.DOTALL,
)
DISPLAY_MATH = re.compile(r"(?:<p>)?\$\$(.+?)\$\$(?:</p>)?", re.DOTALL)
INLINE_MATH = re.compile(r"(?<![\\$])\$([^$<]+?)\$")
CODE = re.compile(r"(<code>.*?</code>)", re.DOTALL)
PNG = re.compile(r"data:image/png;base64,([A-Za-z0-9+/=\s]+)")
IMG = re.compile(r'<img (alt="[^"]*") class="" src="([^"]+\.png)"\s*/?>')
NO_ALT = 'alt="No description has been provided for this image"'  # nbconvert's


def with_chapter_link(text, site_url):
    """A chapter's notebook (notebooks.py names its chapter in metadata.sgd) with the chapter's
    name in its first cell linked to the chapter at `site_url`: the link works in Colab or a
    download, where a relative one would not. Any other notebook, or no site_url, as it is."""
    nb = json.loads(text)
    chapter = nb.get("metadata", {}).get("sgd")
    if not site_url or not chapter:
        return text
    url = f"{site_url.rstrip('/')}/{Path(chapter['chapter']).stem}/"
    named = f"*{chapter['title']}*"
    for cell in nb["cells"]:
        if "sgd-intro" in cell.get("metadata", {}).get("tags", []):
            source = "".join(cell["source"]).replace(named, f"[{named}]({url})", 1)
            cell["source"] = source.splitlines(keepends=True)
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


def back_link(page, files):
    """The line at the top of a notebook page that leads back to its chapter ("" if none)."""
    chapter = files.get_file_from_path(f"{Path(page.file.src_uri).stem}.md")
    if chapter is None:
        return ""
    title = (chapter.page.title if chapter.page else None) or Path(chapter.src_uri).stem
    href = get_relative_url(chapter.url, page.url)
    return (
        f'<p class="sgd-notebook-back"><a href="{href}">← Back to the chapter '
        f"<em>{html.escape(title)}</em></a></p>\n"
    )


def figure_alts(notebook_file):
    """What each image of a run notebook shows, in order: the descriptions notebooks.py put in the
    metadata of the cell that draws it."""
    nb = json.loads(Path(notebook_file).read_text())
    alts = []
    for cell in nb["cells"]:
        images = [
            o for o in cell.get("outputs", []) if "image/png" in o.get("data", {})
        ]
        described = cell.get("metadata", {}).get("sgd", {}).get("alt", [])
        alts += [*described, *[None] * len(images)][: len(images)]
    return alts


def described(html_text, alts):
    """The page's images, in order, with their descriptions in place of nbconvert's placeholder."""
    parts = html_text.split(NO_ALT)
    out = [parts[0]]
    for alt, part in zip([*alts, *[None] * len(parts)], parts[1:]):
        out += [f'alt="{html.escape(alt)}"' if alt else NO_ALT, part]
    return "".join(out)


def with_mathml(html_text):
    """The page with the math of its Markdown cells (Jupyter's $...$ and $$...$$, left as they are
    by nbconvert for MathJax) as MathML, made here as on the chapters (sitebuild.mathml)."""

    def cell(match):
        parts = CODE.split(match[2])  # never inside code
        for i in range(0, len(parts), 2):
            text = DISPLAY_MATH.sub(r'<div class="arithmatex">\\[\1\\]</div>', parts[i])
            parts[i] = INLINE_MATH.sub(
                r'<span class="arithmatex">\\(\1\\)</span>', text
            )
        return match[1] + "".join(parts) + match[3]

    return mathml.render(MARKDOWN_CELL.sub(cell, html_text))


def published_images(html_text, page, config, files):
    """The page with its figures, which nbconvert inlines as base64, as PNG files of the site
    beside it (named by their content), each <img> with its size, as the chapters' figures are."""
    sizes = {}

    def publish(match):
        png = base64.b64decode(match[1])
        folder = Path(page.file.src_uri).with_suffix("").as_posix()
        uri = f"{folder}/figure-{hashlib.sha256(png).hexdigest()[:12]}.png"
        if files.get_file_from_path(uri) is None:
            files.append(File.generated(config, uri, content=png))
        src = get_relative_url(uri, page.url)
        sizes[src] = struct.unpack(">II", png[16:24])  # the PNG's IHDR: width, height
        return src

    html_text = PNG.sub(publish, html_text)
    return IMG.sub(
        lambda m: (
            f'<img {m[1]} src="{m[2]}" width="{sizes[m[2]][0]}" '
            f'height="{sizes[m[2]][1]}" loading="lazy">'
            if m[2] in sizes
            else m[0]
        ),
        html_text,
    )


def page_html(html_text, page, config, files):
    """A notebook page as mkdocs-jupyter renders it, made to load like the others.

    Its 600 KB of inline CSS becomes a file of the rules the page can use, a tenth of it, shared
    by the notebooks that use the same rules (the browser caches it); the scripts that would load
    MathJax and Mermaid from a CDN go (the notebooks have no diagrams, and their math becomes
    MathML here); its code cells can be scrolled from the keyboard; its cells'
    tags are not shown; its figures are described and published as files; and a line at its top
    leads back to its chapter. Search leaves it out (its code is its chapter's), and it has no
    "edit this page": notebooks.py writes it.
    """
    page.meta["search"] = {
        "exclude": True
    }  # read by Material's search in on_page_context, later
    page.edit_url = None
    # JupyterLab's whole stylesheet, cut to the rules this page can use (sitebuild/stylesheet.py)
    css = stylesheet.used(
        "\n".join(m[1].strip() for m in STYLE.finditer(html_text)),
        STYLE.sub("", html_text),
    )
    uri = f"assets/notebook-{hashlib.sha256(css.encode()).hexdigest()[:8]}.css"
    if files.get_file_from_path(uri) is None:
        files.append(File.generated(config, uri, content=css))
    link = f'<link rel="stylesheet" href="{get_relative_url(uri, page.url)}">'
    html_text = STYLE.sub("", html_text)
    html_text = with_mathml(TAGS.sub("", html_text))
    html_text = described(html_text, figure_alts(page.file.abs_src_path))
    html_text = published_images(html_text, page, config, files)
    html_text = SCRIPT.sub(
        lambda m: "" if "://" in m[0] or 'src=""' in m[0] else m[0], html_text
    )
    # a code cell wider than the column scrolls sideways: let the keyboard reach it (as Material
    # does for its own code blocks), or a reader without a mouse cannot scroll it
    html_text = html_text.replace(
        '<div class="highlight-ipynb', '<div tabindex="0" class="highlight-ipynb'
    )
    return link + back_link(page, files) + html_text
