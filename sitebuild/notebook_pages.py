"""Each chapter's notebook as a page: mkdocs-jupyter renders the run copy (sitebuild.run ran it),
and this makes that page load like the others."""

import hashlib
import re

from mkdocs.structure.files import File
from mkdocs.utils import get_relative_url

STYLE = re.compile(r"<style[^>]*>(.*?)</style>", re.DOTALL)
SCRIPT = re.compile(r"<script\b[^>]*>(.*?)</script>", re.DOTALL)


def page_html(html_text, page, config, files):
    """A notebook page as mkdocs-jupyter renders it, made to load like the others.

    Its 600 KB of inline CSS, the same on every notebook, becomes one file the browser caches; the
    scripts that would load MathJax and Mermaid from a CDN (the notebooks have no math or diagrams)
    go; and its code cells can be scrolled from the keyboard. Search leaves it out (its code is its
    chapter's), and it has no "edit this page": notebooks.py writes it.
    """
    page.meta["search"] = {
        "exclude": True
    }  # read by Material's search in on_page_context, later
    page.edit_url = None
    css = "\n".join(m[1].strip() for m in STYLE.finditer(html_text))
    uri = f"assets/notebook-{hashlib.sha256(css.encode()).hexdigest()[:8]}.css"
    if files.get_file_from_path(uri) is None:
        files.append(File.generated(config, uri, content=css))
    link = f'<link rel="stylesheet" href="{get_relative_url(uri, page.url)}">'
    html_text = STYLE.sub("", html_text)
    html_text = SCRIPT.sub(
        lambda m: "" if "://" in m[0] or 'src=""' in m[0] else m[0], html_text
    )
    # a code cell wider than the column scrolls sideways: let the keyboard reach it (as Material
    # does for its own code blocks), or a reader without a mouse cannot scroll it
    html_text = html_text.replace(
        '<div class="highlight-ipynb', '<div tabindex="0" class="highlight-ipynb'
    )
    return link + html_text
