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

import markdown_exec  # noqa: E402
from latex2mathml.converter import convert as latex_to_mathml  # noqa: E402
from mkdocs.exceptions import PluginError  # noqa: E402
from mkdocs.structure.files import File  # noqa: E402
from mkdocs.utils import get_relative_url  # noqa: E402

ROOT = Path(__file__).resolve().parent
SNIPPETS = ROOT / "snippets"
sys.path.insert(0, str(ROOT))  # for the import below; see on_config
from snippets import CACHE_DIR, FIGURES_DIR, FIGURES_URL  # noqa: E402  (where render writes)

BLOCKS_DIR = CACHE_DIR / "blocks"
CACHE_FORMAT = "1"  # bump to invalidate every cached block
MIN_BLOCKS_AHEAD = 4  # fewer uncached blocks than this run in the page build, one by one
PRELOAD = ("torch", "torch._dynamo", "matplotlib.figure", "matplotlib.backends.backend_agg", "PIL.Image")  # what blocks import (torch.optim imports torch._dynamo on its first step: 2 s)
DRAWING_LIBRARIES = ("torch", "matplotlib", "numpy", "pillow", "markdown-exec", "scikit-learn")

log = logging.getLogger("mkdocs.hooks.sgd")
stats = {"ran": 0, "cached": 0, "ahead": 0}  # reset before every build; reported after it
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
    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)  # for tracebacks
    module_name = re.sub(r"\W+", "_", filename).strip("_")
    sys.modules[module_name] = ModuleType(module_name)  # classes defined in a block get a module
    out = io.StringIO()

    def printed(*values, sep=" ", end="\n", **_):
        out.write(sep.join(str(v) for v in values) + end)

    exec(compile(code, filename, "exec"), {"__name__": module_name, "print": printed})
    return out.getvalue()


@functools.lru_cache(maxsize=512)  # keyed by the source text itself, so an edit is a new entry
def _imported_names(source):
    """Names imported from the `snippets` package by `source`, whether or not such a module exists."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module == "snippets":
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("snippets."):
            names.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            names.update(a.name.split(".")[1] for a in node.names if a.name.startswith("snippets."))
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


@functools.lru_cache(maxsize=None)  # forgotten before every build (on_pre_build)
def _version(package):
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "absent"


def block_key(code):
    """The cache key of a block: everything its printed output can depend on."""
    code = textwrap.dedent(code).strip()
    h = hashlib.sha256(f"{CACHE_FORMAT}\n{sys.version}\n".encode())
    for package in DRAWING_LIBRARIES:
        h.update(f"{package}=={_version(package)}\n".encode())
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
        if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            return None
    return cached["output"]


def cache_put(key, output):
    BLOCKS_DIR.mkdir(parents=True, exist_ok=True)
    figures = {name: hashlib.sha256((FIGURES_DIR / name).read_bytes()).hexdigest()
               for name in sorted({m[2] for m in FIGURE_SRC.finditer(output)})}
    entry = BLOCKS_DIR / f"{key}.json"
    partial = entry.with_suffix(f".{os.getpid()}.tmp")  # written whole, then renamed: builds may share a cache
    partial.write_text(json.dumps({"output": output, "figures": figures}, sort_keys=True))
    partial.replace(entry)


def cached_run(code, returncode=0, session=None, id="", **extra):  # noqa: A002 (markdown-exec's name)
    """markdown-exec's `run` step: the cached output, or run the block and cache what it printed."""
    if session:
        raise markdown_exec.ExecutionError(
            f"block {id!r} uses session={session!r}: each block must stand alone")
    key = block_key(code)
    output = cache_get(key)
    if output is not None:
        stats["cached"] += 1
    else:
        try:
            output = run_block(code, id)
        except Exception as error:
            raise markdown_exec.ExecutionError(markdown_exec.code_block("python", _traceback(error)))
        stats["ran"] += 1
        cache_put(key, output)
    for name in sorted({m[2] for m in FIGURE_SRC.finditer(output)}):
        if figure_owners.setdefault(name, key) != key:
            raise markdown_exec.ExecutionError(
                f"block {id!r} draws {FIGURES_URL}{name}, which another block draws too: "
                "give every figure its own name")
    return output


def _traceback(error):
    """The traceback of an error in a block, without the frames of this file."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename != __file__]
    return ("Traceback (most recent call last):\n" + "".join(traceback.format_list(frames))
            + "".join(traceback.format_exception_only(error)))


def format_python(**kwargs):
    return markdown_exec.base_format(language="python", run=cached_run, **kwargs)


def _run_ahead(code):
    """In a worker process: run one block; return its output, or None if it failed."""
    try:
        return run_block(code)
    except Exception:
        return None  # the page build runs it again, and reports the error with the block's id


def run_uncached_blocks_ahead(pages_markdown):
    """Run the blocks that are not cached yet in parallel, one process per core, and cache them."""
    todo = {}
    for markdown in pages_markdown:
        for match in EXEC_FENCE.finditer(markdown):
            code = textwrap.dedent(match["code"])
            key = block_key(code)
            if key not in todo and cache_get(key) is None:
                todo[key] = code
    workers = min(len(todo), os.cpu_count() or 1)
    if workers < 2 or len(todo) < MIN_BLOCKS_AHEAD:
        return  # starting the workers would cost more than it saves: the page build runs them
    # MkDocs loads this file as the module "hooks.py", a name no worker can import; the workers
    # are given the same functions from the same file imported under its plain name.
    import hooks as importable

    # Workers are forked from a fresh server process that has imported the heavy libraries once,
    # never from this process (which may have run torch: forking that is unsafe).
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["hooks", *PRELOAD])
    with ProcessPoolExecutor(workers, mp_context=context) as pool:  # workers inherit sys.path
        for key, output in zip(todo, pool.map(importable._run_ahead, todo.values())):
            if output is not None:
                cache_put(key, output)
                stats["ahead"] += 1


# ---------------------------------------------------------------------------------------------
# MkDocs events


GLOSSARY = "glossary.md"  # in docs_dir; a site without one has no tooltips
GLOSSARY_ENTRY = re.compile(
    r"^\*\*(?P<term>[^*\n]+)\*\*\n:[ ]+(?P<meaning>[^\n]+?)[ ]+\[(?P<chapter>[^\]\n]+)\]\((?P<link>[^)\n]+)\)[ ]*$",
    re.MULTILINE,
)
ABBR = re.compile(r'<abbr title="(?P<title>[^"]*)">(?P<text>.*?)</abbr>', re.DOTALL)
HEADING = re.compile(r"<h([1-6])\b.*?</h\1>", re.DOTALL)


def glossary_entries(markdown):
    """(term, meaning, chapter, link) for every entry of the glossary page's Markdown."""
    return [(m["term"], m["meaning"], m["chapter"], m["link"]) for m in GLOSSARY_ENTRY.finditer(markdown)]


def _plural(word):
    if word.endswith(("s", "x", "ch", "sh")):
        return word + "es"
    return word[:-1] + "ies" if word.endswith("y") and word[-2:-1] not in "aeiou" else word + "s"


def glossary_abbreviations(entries):
    """The text forms of each term a page may use (as written, capitalised, lower case, plural),
    mapped to its meaning. Acronyms (MSE, ReLU) keep their capitals."""
    forms = {}
    for term, meaning, _, _ in entries:
        acronym = sum(c.isupper() for c in term) > 1
        spellings = {term} if acronym else {term, term[0].upper() + term[1:], term[0].lower() + term[1:]}
        for spelling in spellings:
            forms[spelling] = forms[_plural(spelling)] = meaning
    return forms


def first_use_only(html_text):
    """Keep the tooltip on a term's first use in the page's text; later uses, and headings, are
    plain text again."""
    html_text = HEADING.sub(lambda heading: ABBR.sub(r"\g<text>", heading[0]), html_text)
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
    glossary = Path(config["docs_dir"]) / GLOSSARY
    if glossary.is_file():
        abbreviations = glossary_abbreviations(glossary_entries(glossary.read_text()))
        config["mdx_configs"].setdefault("abbr", {})["glossary"] = abbreviations
    return config


def on_pre_build(config):
    # An edited snippet must take effect on the next rebuild of `mkdocs serve`: forget the old one.
    for name in [m for m in sys.modules if m == "snippets" or m.startswith("snippets.")]:
        del sys.modules[name]
    _version.cache_clear()  # a library upgraded while `mkdocs serve` runs counts from the next build
    stats.update(ran=0, cached=0, ahead=0)
    figure_owners.clear()


def on_files(files, config):
    run_uncached_blocks_ahead(f.content_string for f in files.documentation_pages())
    return files


def _mathml(match):
    tex = html.unescape(match["tex"]).strip()
    display = "block" if match["open"] == "[" else "inline"
    try:
        return latex_to_mathml(tex, display=display)
    except Exception as error:  # latex2mathml raises several types; all mean "bad TeX"
        raise PluginError(f"cannot render math {tex!r}: {error}") from error


def on_page_content(html_text, page, config, files):
    html_text = MATH.sub(_mathml, html_text)
    if page.file.src_uri == GLOSSARY:
        html_text = ABBR.sub(r"\g<text>", html_text)  # the page that defines them needs no tooltips
    else:
        html_text = first_use_only(html_text)

    def publish(match):
        filename = match[2]
        source = FIGURES_DIR / filename
        if not source.is_file():
            raise PluginError(f"{page.file.src_uri}: figure {filename!r} was not rendered")
        uri = FIGURES_URL + filename
        if files.get_file_from_path(uri) is None:
            files.append(File.generated(config, uri, abs_src_path=str(source)))
        return match[1] + get_relative_url(uri, page.url)

    return FIGURE_SRC.sub(publish, html_text)


def on_post_build(config):
    log.info(
        "code blocks: %d run, %d from cache (%d of those run ahead in parallel)",
        stats["ran"], stats["cached"], stats["ahead"],
    )
