"""MkDocs hooks: run the pages' code once, render math to MathML, publish the figures.

Code blocks. Pages run Python blocks with markdown-exec (`exec="on"`). This file gives
markdown-exec a Python runner that caches what each block printed, keyed by the block's code, the
source of every `snippets` module it imports (and the ones those import), and the versions of
Python and the libraries that draw. A rebuild with nothing changed, or with only prose changed, runs
no block; editing a snippet module re-runs only the blocks that import it. The cache lives in
`.cache/` (git-ignored; `SGD_CACHE_DIR` moves it) and is safe to delete. Before the pages are
rendered, blocks that are not cached are run ahead on every core, so a cold build is not serial.

Math. `$...$` and `$$...$$` (pymdownx.arithmatex, generic mode) become MathML at build time, which
browsers render natively: no script and no request to a CDN.

Glossary. Each entry of `docs/glossary.md` (a bold term, then `:   meaning [Chapter](link)`)
becomes an abbreviation for the `abbr` extension, so the term's first use on every other page
shows its meaning when hovered (Material's tooltips). The glossary page is the one place the
meanings are written.

Figures. `snippets.render` writes images to `.cache/figures/` and refers to them as
`figures/<file>`. Each page's references are rewritten relative to the page, and the files are
added to the build, so MkDocs copies them into the site (and the live server serves them).
"""

import ast
import contextlib
import functools
import hashlib
import html
import io
import json
import linecache
import logging
import multiprocessing
import os
import re
import sys
import textwrap
import traceback
from concurrent.futures import ProcessPoolExecutor
from importlib import metadata
from pathlib import Path
from types import ModuleType

# The build's output must not depend on the machine. Intel MKL (PyTorch's BLAS and LAPACK here)
# may return results that differ in the last bit from run to run, with memory alignment and thread
# count; conditional bitwise reproducibility and one thread per process remove both. This is set
# before any block imports torch, and the worker processes inherit it.
os.environ["MKL_CBWR"] = "COMPATIBLE"
os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = "1"

import markdown_exec
from latex2mathml.converter import convert as latex_to_mathml
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File
from mkdocs.utils import get_relative_url

ROOT = Path(__file__).resolve().parent
SNIPPETS = ROOT / "snippets"
sys.path.insert(0, str(ROOT))  # for the import below; see on_config
from snippets import CACHE_DIR, FIGURES_DIR, FIGURES_URL  # noqa: E402  (where render writes)

BLOCKS_DIR = CACHE_DIR / "blocks"
CACHE_FORMAT = "1"  # bump to invalidate every cached block
MIN_BLOCKS_AHEAD = (
    4  # fewer uncached blocks than this run in the page build, one by one
)
PRELOAD = (
    "torch",
    "torch._dynamo",
    "matplotlib.figure",
    "matplotlib.backends.backend_agg",
    "PIL.Image",
)  # what blocks import (torch.optim imports torch._dynamo on its first step: 2 s)
DRAWING_LIBRARIES = (
    "torch",
    "matplotlib",
    "numpy",
    "pillow",
    "markdown-exec",
    "scikit-learn",
)

log = logging.getLogger("mkdocs.hooks.sgd")
stats = {
    "ran": 0,
    "cached": 0,
    "ahead": 0,
    "notebooks": 0,
}  # reset before every build; reported after it
figure_owners = {}  # figure file -> key of the block that draws it, in this build

EXEC_FENCE = re.compile(
    r'^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})python\b[^\n]*\bexec="(?:on|1|true|yes)"[^\n]*\n'
    r"(?P<code>.*?)\n(?P=indent)(?P=fence)[ \t]*$",
    re.MULTILINE | re.DOTALL,
)
MATH = re.compile(
    r'<(?P<tag>span|div) class="arithmatex">\s*\\(?P<open>[\(\[])(?P<tex>.*?)\\[\)\]]\s*</(?P=tag)>',
    re.DOTALL,
)
FIGURE_SRC = re.compile(rf'(<img\b[^>]*?\bsrc="){FIGURES_URL}([^"#]+)')


# ---------------------------------------------------------------------------------------------
# Running a block, and the cache around it


def run_block(code, block_id=""):
    """Run a block's code in fresh globals and return what it printed (markdown-exec's contract)."""
    filename = f"<code block: {block_id or 'without id'}>"
    linecache.cache[filename] = (
        len(code),
        None,
        code.splitlines(True),
        filename,
    )  # for tracebacks
    module_name = re.sub(r"\W+", "_", filename).strip("_")
    sys.modules[module_name] = ModuleType(
        module_name
    )  # classes defined in a block get a module
    out = io.StringIO()

    def printed(*values, sep=" ", end="\n", **_):
        out.write(sep.join(str(v) for v in values) + end)

    exec(compile(code, filename, "exec"), {"__name__": module_name, "print": printed})
    return out.getvalue()


@functools.lru_cache(
    maxsize=512
)  # keyed by the source text itself, so an edit is a new entry
def _imported_names(source):
    """Names imported from the `snippets` package by `source`, whether or not such a module exists."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module == "snippets":
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
            "snippets."
        ):
            names.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            names.update(
                a.name.split(".")[1]
                for a in node.names
                if a.name.startswith("snippets.")
            )
    return frozenset(names)


def _snippet_imports(source):
    """Names of the `snippets` modules that `source` imports."""
    return {n for n in _imported_names(source) if (SNIPPETS / f"{n}.py").is_file()}


def snippet_dependencies(code):
    """The snippet modules `code` depends on: those it imports, and those they import, and so on."""
    todo, seen = list(_snippet_imports(code)), set()
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(_snippet_imports((SNIPPETS / f"{name}.py").read_text()))
    return sorted(seen)


@functools.cache  # forgotten before every build (on_pre_build)
def _version(package):
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "absent"


def _key_hasher(kind):
    """A hash started with what every cached run depends on: the cache format, Python and the
    versions of the libraries that compute and draw."""
    h = hashlib.sha256(f"{CACHE_FORMAT}\n{kind}\n{sys.version}\n".encode())
    for package in DRAWING_LIBRARIES:
        h.update(f"{package}=={_version(package)}\n".encode())
    return h


def block_key(code):
    """The cache key of a block: everything its printed output can depend on."""
    code = textwrap.dedent(code).strip()
    h = _key_hasher("block")
    h.update(code.encode())
    try:
        modules = ["__init__", *snippet_dependencies(code)]
    except SyntaxError:
        modules = []  # the block will fail when it runs, and the build with it
    for name in modules:
        h.update(f"\n--- snippets/{name}.py\n".encode())
        h.update((SNIPPETS / f"{name}.py").read_bytes())
    return h.hexdigest()


def cache_get(key):
    """The cached output for `key`, or None if absent or if a figure it shows changed on disk."""
    entry = BLOCKS_DIR / f"{key}.json"
    if not entry.is_file():
        return None
    cached = json.loads(entry.read_text())
    for name, digest in cached["figures"].items():
        path = FIGURES_DIR / name
        if (
            not path.is_file()
            or hashlib.sha256(path.read_bytes()).hexdigest() != digest
        ):
            return None
    return cached["output"]


def cache_put(key, output):
    BLOCKS_DIR.mkdir(parents=True, exist_ok=True)
    figures = {
        name: hashlib.sha256((FIGURES_DIR / name).read_bytes()).hexdigest()
        for name in sorted({m[2] for m in FIGURE_SRC.finditer(output)})
    }
    write_whole(
        BLOCKS_DIR / f"{key}.json",
        json.dumps({"output": output, "figures": figures}, sort_keys=True),
    )


def write_whole(path, text):
    """Write `text` to a temporary file beside `path`, then rename it: builds may share a cache, and
    none may read a half-written entry."""
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    partial.write_text(text)
    partial.replace(path)


def cached_run(code, returncode=0, session=None, id="", **extra):
    """markdown-exec's `run` step: the cached output, or run the block and cache what it printed."""
    if session:
        raise markdown_exec.ExecutionError(
            f"block {id!r} uses session={session!r}: each block must stand alone"
        )
    key = block_key(code)
    output = cache_get(key)
    if output is not None:
        stats["cached"] += 1
    else:
        try:
            output = run_block(code, id)
        except Exception as error:
            raise markdown_exec.ExecutionError(
                markdown_exec.code_block("python", _traceback(error))
            ) from error
        stats["ran"] += 1
        cache_put(key, output)
    for name in sorted({m[2] for m in FIGURE_SRC.finditer(output)}):
        if figure_owners.setdefault(name, key) != key:
            raise markdown_exec.ExecutionError(
                f"block {id!r} draws {FIGURES_URL}{name}, which another block draws too: "
                "give every figure its own name"
            )
    return output


def _traceback(error):
    """The traceback of an error in a block, without the frames of this file."""
    frames = [
        f for f in traceback.extract_tb(error.__traceback__) if f.filename != __file__
    ]
    return (
        "Traceback (most recent call last):\n"
        + "".join(traceback.format_list(frames))
        + "".join(traceback.format_exception_only(error))
    )


# ---------------------------------------------------------------------------------------------
# Notebooks: each chapter's companion notebook is run here, cached, and handed to mkdocs-jupyter


NOTEBOOKS_DIR = CACHE_DIR / "notebooks"


class NotebookError(Exception):
    """A notebook's cell raised: the message names the notebook and the cell."""


def notebook_key(text):
    """The cache key of a notebook run: its cells (which hold all its code) and the libraries' versions."""
    h = _key_hasher("notebook")
    h.update(text.encode())
    return h.hexdigest()


def execute_notebook(text, name="notebook"):
    """Run a notebook's code cells top to bottom in one namespace, as its kernel would (`__name__` is
    "__main__"), and return it, as text, with each cell's printed output and execution count. A cell
    that raises stops the run with a NotebookError that names the notebook and the cell."""
    nb = json.loads(text)
    namespace, count = {"__name__": "__main__"}, 0
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        count += 1
        source, filename = "".join(cell["source"]), f"<{name}, code cell {count}>"
        linecache.cache[filename] = (
            len(source),
            None,
            source.splitlines(True),
            filename,
        )
        streams = {"stdout": io.StringIO(), "stderr": io.StringIO()}
        try:
            with (
                contextlib.redirect_stdout(streams["stdout"]),
                contextlib.redirect_stderr(streams["stderr"]),
            ):
                exec(compile(source, filename, "exec"), namespace)
        except Exception as error:
            raise NotebookError(
                f"{name}: code cell {count} raised\n{_traceback(error)}"
            ) from None
        cell["execution_count"] = count
        cell["outputs"] = [
            {"output_type": "stream", "name": stream, "text": out.getvalue()}
            for stream, out in streams.items()
            if out.getvalue()
        ]
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


def executed_path(path):
    """Where the run of the notebook at `path` is (or will be) cached: its own name, in a folder per key."""
    return NOTEBOOKS_DIR / notebook_key(Path(path).read_text()) / Path(path).name


def save_executed(path, executed):
    target = executed_path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    write_whole(target, executed)
    return target


def run_notebook(path):
    """The path of `path`'s notebook, run: from the cache, or run now (a failing cell fails the build)."""
    target = executed_path(path)
    if not target.is_file():
        try:
            executed = execute_notebook(Path(path).read_text(), Path(path).name)
        except NotebookError as error:
            raise PluginError(str(error)) from None
        save_executed(path, executed)
        stats["notebooks"] += 1
    return target


def format_python(**kwargs):
    return markdown_exec.base_format(language="python", run=cached_run, **kwargs)


def _run_ahead(task):
    """In a worker process: run a block (return its output) or a notebook (return it run); None on failure."""
    kind, payload, name = task
    try:
        return (
            run_block(payload) if kind == "block" else execute_notebook(payload, name)
        )
    except Exception:
        return None  # the page build runs it again, and reports the error with the block's id or cell


def run_uncached_ahead(pages_markdown, notebook_paths):
    """Run the blocks and notebooks not cached yet in parallel, one process per core, and cache them."""
    todo = {}
    for markdown in pages_markdown:
        for match in EXEC_FENCE.finditer(markdown):
            code = textwrap.dedent(match["code"])
            key = block_key(code)
            if key not in todo and cache_get(key) is None:
                todo[key] = ("block", code, "")
    for path in notebook_paths:
        if not executed_path(path).is_file():
            todo[str(path)] = ("notebook", Path(path).read_text(), Path(path).name)
    workers = min(len(todo), os.cpu_count() or 1)
    if workers < 2 or len(todo) < MIN_BLOCKS_AHEAD:
        return  # starting the workers would cost more than it saves: the page build runs them
    # MkDocs loads this file as the module "hooks.py", a name no worker can import; the workers
    # are given the same functions from the same file imported under its plain name.
    import hooks as importable

    # Workers are forked from a fresh server process that has imported the heavy libraries once,
    # never from this process (which may have run torch: forking that is unsafe). Notebooks go
    # first: each is one long task, and the short blocks fill in around them.
    tasks = sorted(todo.items(), key=lambda item: item[1][0] != "notebook")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["hooks", *PRELOAD])
    with ProcessPoolExecutor(
        workers, mp_context=context
    ) as pool:  # workers inherit sys.path
        results = pool.map(importable._run_ahead, [task for _, task in tasks])
        for (key, (kind, _, _)), output in zip(tasks, results):
            if output is None:
                continue
            if kind == "block":
                cache_put(key, output)
                stats["ahead"] += 1
            else:
                save_executed(key, output)
                stats["notebooks"] += 1


# ---------------------------------------------------------------------------------------------
# MkDocs events


GLOSSARY = "glossary.md"  # in docs_dir; a site without one has no tooltips
GLOSSARY_ENTRY = re.compile(
    r"^\*\*(?P<term>[^*\n]+)\*\*\n:[ ]+(?P<meaning>[^\n]+?)[ ]+"
    r"\[(?P<chapter>[^\]\n]+)\]\((?P<link>[^)\n]+)\)[ ]*$",
    re.MULTILINE,
)
ABBR = re.compile(r'<abbr title="(?P<title>[^"]*)">(?P<text>.*?)</abbr>', re.DOTALL)
HEADING = re.compile(r"<h([1-6])\b.*?</h\1>", re.DOTALL)


def glossary_entries(markdown):
    """(term, meaning, chapter, link) for every entry of the glossary page's Markdown."""
    return [
        (m["term"], m["meaning"], m["chapter"], m["link"])
        for m in GLOSSARY_ENTRY.finditer(markdown)
    ]


def _plural(word):
    if word.endswith(("s", "x", "ch", "sh")):
        return word + "es"
    return (
        word[:-1] + "ies"
        if word.endswith("y") and word[-2:-1] not in "aeiou"
        else word + "s"
    )


def glossary_abbreviations(entries):
    """The text forms of each term a page may use (as written, capitalised, lower case, plural),
    mapped to its meaning. Acronyms (MSE, ReLU) keep their capitals."""
    forms = {}
    for term, meaning, _, _ in entries:
        acronym = sum(c.isupper() for c in term) > 1
        spellings = (
            {term}
            if acronym
            else {term, term[0].upper() + term[1:], term[0].lower() + term[1:]}
        )
        for spelling in spellings:
            forms[spelling] = forms[_plural(spelling)] = meaning
    return forms


def first_use_only(html_text):
    """Keep the tooltip on a term's first use in the page's text; later uses, and headings, are
    plain text again."""
    html_text = HEADING.sub(
        lambda heading: ABBR.sub(r"\g<text>", heading[0]), html_text
    )
    seen = set()

    def keep_first(match):
        if match["title"] in seen:
            return match["text"]
        seen.add(match["title"])
        return match[0]

    return ABBR.sub(keep_first, html_text)


def on_config(config):
    # MkDocs puts this file's folder on sys.path only while it loads the hook, then takes it off
    # again; the pages' blocks import `snippets` from here, so it goes back on for the build.
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    markdown_exec.formatters["python"] = format_python
    repository, branch = github(config)
    if repository:
        # "edit this page" opens the page's source on the branch the site is built from, and the
        # header names the repository (MkDocs would say "GitHub")
        config["edit_uri"] = f"edit/{branch}/{Path(config['docs_dir']).name}/"
        config["repo_name"] = repository
    glossary = Path(config["docs_dir"]) / GLOSSARY
    if glossary.is_file():
        abbreviations = glossary_abbreviations(glossary_entries(glossary.read_text()))
        config["mdx_configs"].setdefault("abbr", {})["glossary"] = abbreviations
    return config


def on_pre_build(config):
    # An edited snippet must take effect on the next rebuild of `mkdocs serve`: forget the old one.
    for name in [
        m for m in sys.modules if m == "snippets" or m.startswith("snippets.")
    ]:
        del sys.modules[name]
    _version.cache_clear()  # a library upgraded while `mkdocs serve` runs counts from the next build
    stats.update(ran=0, cached=0, ahead=0, notebooks=0)
    figure_owners.clear()


def on_files(files, config):
    pages = [f for f in files.documentation_pages() if f.src_uri.endswith(".md")]
    notebooks = [f for f in files.documentation_pages() if f.src_uri.endswith(".ipynb")]
    run_uncached_ahead(
        (f.content_string for f in pages), [f.abs_src_path for f in notebooks]
    )
    for f in notebooks:
        # mkdocs-jupyter (which runs before this hook) renders the run copy, with every cell's
        # output, and publishes it beside the page for download.
        f.abs_src_path = str(run_notebook(f.abs_src_path))
    return files


def _mathml(match):
    tex = html.unescape(match["tex"]).strip()
    display = "block" if match["open"] == "[" else "inline"
    try:
        return latex_to_mathml(tex, display=display)
    except Exception as error:  # latex2mathml raises several types; all mean "bad TeX"
        raise PluginError(f"cannot render math {tex!r}: {error}") from error


NOTEBOOK_STYLE = re.compile(r"<style[^>]*>(.*?)</style>", re.DOTALL)
NOTEBOOK_SCRIPT = re.compile(r"<script\b[^>]*>(.*?)</script>", re.DOTALL)


def notebook_page(html_text, page, config, files):
    """A notebook page as mkdocs-jupyter renders it, made to load like the others: its 600 KB of
    inline CSS, the same on every notebook, becomes one file the browser caches; the scripts that
    would load MathJax and Mermaid from a CDN (the notebooks have no math or diagrams) go; and its
    code cells can be scrolled from the keyboard. Search leaves it out: its code is its chapter's."""
    page.meta["search"] = {
        "exclude": True
    }  # read by Material's search in on_page_context, later
    css = "\n".join(m[1].strip() for m in NOTEBOOK_STYLE.finditer(html_text))
    uri = f"assets/notebook-{hashlib.sha256(css.encode()).hexdigest()[:8]}.css"
    if files.get_file_from_path(uri) is None:
        files.append(File.generated(config, uri, content=css))
    link = f'<link rel="stylesheet" href="{get_relative_url(uri, page.url)}">'
    html_text = NOTEBOOK_STYLE.sub("", html_text)
    html_text = NOTEBOOK_SCRIPT.sub(
        lambda m: "" if "://" in m[0] or 'src=""' in m[0] else m[0], html_text
    )
    # a code cell wider than the column scrolls sideways: let the keyboard reach it (as Material
    # does for its own code blocks), or a reader without a mouse cannot scroll it
    html_text = html_text.replace(
        '<div class="highlight-ipynb', '<div tabindex="0" class="highlight-ipynb'
    )
    return link + html_text


SNIPPET_INCLUDE = re.compile(r'^\s*--8<-- "snippets/(?P<module>\w+)\.py:', re.MULTILINE)


def chapter_module(markdown):
    """The snippet module a chapter teaches: the one its code blocks show most (the first, on a tie)."""
    shown = [m["module"] for m in SNIPPET_INCLUDE.finditer(markdown)]
    return max(dict.fromkeys(shown), key=shown.count) if shown else None


def colab_url(repository, branch, path):
    """Google Colab's address for a notebook at `path` in the GitHub repository `owner/name`."""
    return f"https://colab.research.google.com/github/{repository}/blob/{branch}/{path}"


def build_date():
    """Today (UTC), or the date SOURCE_DATE_EPOCH names, for builds that must not depend on the day."""
    import datetime

    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    now = (
        datetime.datetime.fromtimestamp(int(epoch), datetime.UTC)
        if epoch
        else datetime.datetime.now(datetime.UTC)
    )
    return now.date().isoformat()


GITHUB_REPO = re.compile(
    r"^https://github\.com/(?P<repository>[\w.-]+/[\w.-]+?)(?:\.git)?/?$"
)


def github(config):
    """(owner/name, branch) of the project on GitHub, from `repo_url`; (None, branch) if unset."""
    match = GITHUB_REPO.match(config.get("repo_url") or "")
    return (match["repository"] if match else None), config["extra"].get(
        "repository_branch", "main"
    )


def notebook_links(page, config, files):
    """The line under a chapter's title that offers its notebook: on the site, to download, in Colab."""
    uri = f"notebooks/{Path(page.file.src_uri).stem}.ipynb"
    notebook = files.get_file_from_path(uri)
    if notebook is None:
        return ""
    download = get_relative_url(notebook.url + Path(uri).name, page.url)
    links = [
        f"[read it here]({get_relative_url(uri, page.file.src_uri)})",
        f'<a href="{download}" download>download it</a>',
    ]
    repository, branch = github(config)
    if repository:
        links.append(
            f"[open it in Colab]({colab_url(repository, branch, Path(config['docs_dir']).name + '/' + uri)})"
        )
    return f"This chapter as a notebook: {', '.join(links[:-1])} or {links[-1]}.\n{{ .sgd-notebook }}\n"


def provenance(markdown, config):
    """The line that ends a chapter: what made its figures and numbers, when, and what checks its claims."""
    module = chapter_module(markdown)
    if module is None or not (ROOT / "tests" / f"test_{module}.py").is_file():
        return ""
    test_file = f"tests/test_{module}.py"
    repository, branch = github(config)
    checked = (
        f"[{test_file}](https://github.com/{repository}/blob/{branch}/{test_file})"
        if repository
        else f"`{test_file}` in the repository"
    )
    return (
        f"Every figure and number on this page was produced by this site's build of {build_date()}, "
        f"with Python {sys.version.split()[0]} and torch {_version('torch')}. "
        f"The claims it makes are checked by {checked}.\n{{ .sgd-provenance }}\n"
    )


def on_page_markdown(markdown, page, config, files):
    if page.file.src_uri.endswith(".ipynb") or chapter_module(markdown) is None:
        return markdown
    links = notebook_links(page, config, files)
    title = re.search(r"^# .*\n", markdown, re.MULTILINE)
    if links and title:
        markdown = f"{markdown[: title.end()]}\n{links}{markdown[title.end() :]}"
    return f"{markdown.rstrip()}\n\n---\n\n{provenance(markdown, config)}"


FIRST_PARAGRAPH = re.compile(
    r"<p>(.*?)</p>", re.DOTALL
)  # a plain one: not the notebook line
PREVIEW = re.compile(
    r'<figure\b[^>]*\bdata-preview="(?P<src>[^"]+)"[^>]*>.*?<img\b[^>]*\balt="(?P<alt>[^"]*)"',
    re.DOTALL,
)


def describe(page, html_text, config, files):
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
        uri = publish_figure(preview["src"][len(FIGURES_URL) :], page, config, files)
        site_url = config.get("site_url")
        page.meta["image"] = (
            site_url + uri if site_url else get_relative_url(uri, page.url)
        )
        page.meta["image_alt"] = html.unescape(preview["alt"])


def publish_figure(filename, page, config, files):
    """Add figures/`filename` to the build (MkDocs copies it into the site); return its site path."""
    source = FIGURES_DIR / filename
    if not source.is_file():
        raise PluginError(f"{page.file.src_uri}: figure {filename!r} was not rendered")
    uri = FIGURES_URL + filename
    if files.get_file_from_path(uri) is None:
        files.append(File.generated(config, uri, abs_src_path=str(source)))
    return uri


def on_page_content(html_text, page, config, files):
    if page.file.src_uri.endswith(".ipynb"):
        page.edit_url = (
            None  # notebooks.py writes the notebook: its chapter's code is the source
        )
        return notebook_page(html_text, page, config, files)
    html_text = MATH.sub(_mathml, html_text)
    if page.file.src_uri == GLOSSARY:
        html_text = ABBR.sub(
            r"\g<text>", html_text
        )  # the page that defines them needs no tooltips
    else:
        html_text = first_use_only(html_text)

    describe(page, html_text, config, files)

    def publish(match):
        return match[1] + get_relative_url(
            publish_figure(match[2], page, config, files), page.url
        )

    return FIGURE_SRC.sub(publish, html_text)


def on_post_build(config):
    log.info(
        "code blocks: %d run, %d from cache (%d of those run ahead in parallel); notebooks run: %d",
        stats["ran"],
        stats["cached"],
        stats["ahead"],
        stats["notebooks"],
    )
