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


# keyed by the source text itself, so an edit is a new entry
@functools.lru_cache(maxsize=512)
def imported_names(source):
    """Modules of the `snippets` package that `source` may import, dotted from inside the package
    ("fit_line", "drawing", "drawing.render"), whether or not such a module exists."""
    names = set()

    def add(dotted):  # a module, and every package it is in
        parts = dotted.split(".")
        names.update(".".join(parts[: i + 1]) for i in range(len(parts)))

    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.module.split(".")[0] == "snippets"
        ):
            inside = node.module.split(".")[1:]
            if inside:
                add(".".join(inside))
            for alias in (
                node.names
            ):  # `from snippets.drawing import render` imports a module too
                add(".".join([*inside, alias.name]))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("snippets."):
                    add(alias.name.split(".", 1)[1])
    return frozenset(names)


def module_file(name, snippets=SNIPPETS):
    """The file of the snippets module `name` ("drawing.render"), or None if there is none."""
    path = snippets.joinpath(*name.split("."))
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def snippet_dependencies(code, snippets=SNIPPETS):
    """The snippet modules `code` depends on: those it imports, those they import, and so on."""
    todo, seen = list(imported_names(code)), set()
    while todo:
        name = todo.pop()
        if name not in seen and (file := module_file(name, snippets)) is not None:
            seen.add(name)
            todo.extend(imported_names(file.read_text()))
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
        file = (
            snippets / "__init__.py"
            if name == "__init__"
            else module_file(name, snippets)
        )
        h.update(f"\n--- {file.relative_to(snippets.parent)}\n".encode())
        h.update(file.read_bytes())
    return h.hexdigest()


def notebook_key(text):
    """The cache key of a notebook's run: its cells hold all its code."""
    h = _hasher("notebook")
    h.update(text.encode())
    return h.hexdigest()
