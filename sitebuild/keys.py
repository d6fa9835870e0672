"""What a block's or a notebook's output depends on, as one hash: its cache key.

A block's key covers its code, the source of every snippet module it imports (and the ones those
import, and so on), the cache's format, Python's version and the versions of the libraries that
compute and draw. So editing prose runs nothing, and editing a snippet module runs again exactly
the blocks that import it, directly or through another module.
"""

import ast
import functools
import hashlib
import sys
import textwrap
from importlib import metadata

from sitebuild.sources import SNIPPETS

FORMAT = "2"  # bump to invalidate every cached entry
LIBRARIES = (
    "torch",
    "matplotlib",
    "numpy",
    "pillow",
    "markdown-exec",
    "scikit-learn",
    "nbformat",
)


@functools.cache  # forgotten when a build starts (run.Build): an upgrade counts from the next build
def version(package):
    """The installed version of `package`, or "absent"."""
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "absent"


@functools.lru_cache(
    maxsize=512
)  # keyed by the source text itself, so an edit is a new entry
def imported_names(source):
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


def snippet_dependencies(code, snippets=SNIPPETS):
    """The snippet modules `code` depends on: those it imports, those they import, and so on."""
    todo, seen = list(imported_names(code)), set()
    while todo:
        name = todo.pop()
        if name not in seen and (snippets / f"{name}.py").is_file():
            seen.add(name)
            todo.extend(imported_names((snippets / f"{name}.py").read_text()))
    return sorted(seen)


def _hasher(kind):
    h = hashlib.sha256(f"{FORMAT}\n{kind}\n{sys.version}\n".encode())
    for package in LIBRARIES:
        h.update(f"{package}=={version(package)}\n".encode())
    return h


def block_key(code, snippets=SNIPPETS):
    """The cache key of a block: everything its printed output can depend on."""
    code = textwrap.dedent(code).strip()
    h = _hasher("block")
    h.update(code.encode())
    try:
        modules = ["__init__", *snippet_dependencies(code, snippets)]
    except SyntaxError:
        modules = []  # the block will fail when it runs, and the build with it
    for name in modules:
        h.update(f"\n--- snippets/{name}.py\n".encode())
        h.update((snippets / f"{name}.py").read_bytes())
    return h.hexdigest()


def notebook_key(text):
    """The cache key of a notebook's run: its cells hold all its code."""
    h = _hasher("notebook")
    h.update(text.encode())
    return h.hexdigest()
