"""The MkDocs events of SGD by Example, in the order a build calls them. The work is done by the
package `sitebuild` (its docstring describes the pipeline); this file only connects it to MkDocs.

- on_config: the project on sys.path, our runner for markdown-exec's Python blocks, the repository
  links, the glossary's abbreviations.
- on_pre_build: a new `sitebuild.run.Build`, the one piece of state, which lives until the build
  ends.
- on_files: every uncached block and notebook runs ahead, in parallel; mkdocs-jupyter renders
  each notebook's run copy.
- on_pre_page: the page's rendering is timed (with SGD_TIMINGS set, the build writes the times).
- on_page_markdown: the notebook line under a chapter's title and the provenance line at its end.
- (markdown-exec asks `Build.format_python` for each block's output while the page converts.)
- on_page_content: code blocks with fewer elements, math to MathML, the glossary's tooltips and
  anchors, the figures and the link preview.
- on_post_page: GLightbox loaded when a reader first opens a figure; Material's search dialog
  named.
- on_post_build, on_build_error: the build ends; the closing line counts what ran.
"""

import os
import sys
from pathlib import Path

# The build's output must not depend on the machine. Intel MKL (PyTorch's BLAS and LAPACK here)
# may return results that differ in the last bit from run to run, with memory alignment and thread
# count; conditional bitwise reproducibility and one thread per process remove both. Set before
# anything imports torch; the worker processes inherit it.
os.environ["MKL_CBWR"] = "COMPATIBLE"
os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = "1"

ROOT = Path(__file__).resolve().parent
# MkDocs loads this file by path: the packages beside it need this
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import markdown_exec  # noqa: E402  (after sys.path, as every import below)
from mkdocs.exceptions import PluginError  # noqa: E402
from mkdocs.plugins import event_priority  # noqa: E402
from mkdocs.structure.files import Files  # noqa: E402

from sitebuild import (  # noqa: E402
    chapter,
    figures,
    glossary,
    highlight,
    mathml,
    notebook_pages,
    pool,
    run,
    theme,
)

# the build in progress, from on_pre_build to on_post_build or on_build_error
build = None


def _format_python(**options):
    """markdown-exec's formatter for Python: the build in progress gives each block's output."""
    return build.format_python(**options)


def on_config(config):
    # MkDocs puts this file's folder on sys.path only while it loads the hook, then takes it off
    # again; the pages' blocks import `snippets` from here, so it goes back on for the build.
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    markdown_exec.formatters["python"] = _format_python
    if run.looks_cold():
        # every block will run: the forkserver imports torch for the workers while MkDocs starts
        pool.start_forkserver()
    repository, branch = chapter.github(config)
    if repository:
        # "edit this page" opens the page's source on the branch the site is built from, and the
        # header names the repository (MkDocs would say "GitHub")
        config["edit_uri"] = f"edit/{branch}/{Path(config['docs_dir']).name}/"
        config["repo_name"] = repository
    terms = Path(config["docs_dir"]) / glossary.PAGE
    if terms.is_file():
        abbreviations = glossary.abbreviations(glossary.entries(terms.read_text()))
        # abbr, finding a term broken across lines of a page's source (sitebuild/glossary.py)
        config["markdown_extensions"] = glossary.with_terms(
            config["markdown_extensions"], abbreviations
        )
    return config


def on_pre_build(config):
    global build  # noqa: PLW0603  (the one piece of state, made anew for every build)
    if build is not None:
        build.close()
    jupyter = config["plugins"].get("mkdocs-jupyter")
    build = run.Build(
        config["docs_dir"],
        foreign_caches=[jupyter.config["cache_dir"]] if jupyter else [],
    )


def on_files(files, config):
    pages = {
        f.src_uri: f.content_string
        for f in files.documentation_pages()
        if f.src_uri.endswith(".md")
    }
    notebooks = {
        f.src_uri: f.abs_src_path
        for f in files.documentation_pages()
        if f.src_uri.endswith(".ipynb")
    }
    try:
        build.run_ahead(pages, notebooks)
    except run.BuildError as error:
        raise PluginError(str(error)) from None
    for f in files.documentation_pages():
        if f.src_uri.endswith(".ipynb"):
            # mkdocs-jupyter renders the run copy, with every cell's output, and publishes it
            # beside the page for download (it may still be running: see on_pre_page)
            f.abs_src_path = str(build.notebook_path(f.src_uri))
    # MkDocs renders the pages in this order, the order the blocks run in (run.render_order)
    return Files(sorted(files, key=lambda f: run.render_order(f.src_uri)))


@event_priority(100)  # before mkdocs-jupyter's, which reads the notebook
def on_pre_page(page, config, files):
    build.page_started(page)
    if page.file.src_uri.endswith(".ipynb"):
        try:
            build.notebook_ready(page.file.src_uri)
        except run.BuildError as error:
            raise PluginError(str(error)) from None


def on_page_markdown(markdown, page, config, files):
    build.page = page
    if page.file.src_uri.endswith(".ipynb"):
        return markdown
    return chapter.with_chapter_lines(markdown, page, config, files)


def on_page_content(html_text, page, config, files):
    build.page_rendered(page)
    html_text = highlight.lighter(html_text)
    if page.file.src_uri.endswith(".ipynb"):
        return notebook_pages.page_html(html_text, page, config, files)
    try:
        html_text = mathml.render(html_text)
        if page.file.src_uri == glossary.PAGE:
            html_text = glossary.anchored(glossary.without_tooltips(html_text))
            # MkDocs took the page's ids before this event: add the terms', so that a link to
            # glossary.md#momentum passes the strict build's check
            page.present_anchor_ids |= glossary.anchor_ids(html_text)
        else:
            html_text = glossary.first_use_only(html_text)
        figures.describe(html_text, page, config, files)
        return figures.published(html_text, page, config, files)
    except (mathml.MathError, figures.FigureError, glossary.GlossaryError) as error:
        raise PluginError(f"docs/{page.file.src_uri}: {error}") from None


def on_post_page(output, page, config):
    try:
        return theme.named_search_dialog(figures.lightbox_on_first_use(output))
    except theme.ThemeError as error:
        raise PluginError(f"docs/{page.file.src_uri}: {error}") from None


def on_post_build(config):
    try:
        line = build.finish()
    except run.BuildError as error:
        raise PluginError(str(error)) from None
    run.log.info(line)


def on_build_error(error):
    if build is not None:
        build.close()
