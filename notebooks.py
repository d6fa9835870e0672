"""Write each chapter's companion notebook, docs/notebooks/<page>.ipynb, from the chapter's own code.

A chapter's notebook is its "whole program" (the block at the end of the page, which a test runs as
a fresh file) cut into cells, one per snippet section, each under the heading of the section of the
page that teaches it. The code comes from the snippet modules, as on the page, so the notebook
cannot say anything the page does not. Run `python notebooks.py` after changing a chapter's code;
`tests/test_notebooks.py` fails while any notebook differs from what this writes.
"""

import json
import sys
from pathlib import Path

from sitebuild.sources import (
    DOCS,
    ROOT,
    WHOLE_PROGRAM,
    includes_by_heading,
    section_source,
    whole_program,
)

NOTEBOOKS = DOCS / "notebooks"


def chapters():
    """(page, title) of every chapter: each page in the nav with a whole program."""
    from mkdocs.config import load_config

    nav = load_config(str(ROOT / "mkdocs.yml"))["nav"]
    pages = [(page, title) for entry in nav for title, page in entry.items()]
    return [
        (page, title)
        for page, title in pages
        if f"## {WHOLE_PROGRAM}" in (DOCS / page).read_text()
    ]


def heading_for(file, section, page, chapter_list):
    """Where the reader meets a section: its heading on this page, or on the chapter that teaches it."""
    for heading, f, s in includes_by_heading(page):
        if (f, s) == (file, section):
            return heading
    elsewhere = [
        (heading, title)
        for other, title in chapter_list
        for heading, f, s in includes_by_heading(other)
        if (f, s) == (file, section)
    ]
    taught = [
        (heading, title)
        for heading, title in elsewhere
        if heading not in ("Exercises", "Summary")
    ]
    if taught or elsewhere:
        heading, title = (taught or elsewhere)[0]
        return f"{heading} (from {title})"
    return {
        "imports": "Set up",
        "run": "Run it",
        "main": "Run it",
        "checks": "When the input is wrong",
    }.get(section, section.replace("_", " ").capitalize())


def markdown_cell(text):
    return {
        "cell_type": "markdown",
        "metadata": {},
        "source": text.splitlines(keepends=True),
    }


def code_cell(code):
    return {
        "cell_type": "code",
        "execution_count": None,
        "metadata": {},
        "outputs": [],
        "source": code.splitlines(keepends=True),
    }


def notebook(page, title, chapter_list=None):
    """The notebook of the chapter on docs/`page`, as a dict in nbformat 4."""
    chapter_list = chapter_list or chapters()
    program = whole_program(page)
    needs = (
        "PyTorch and scikit-learn"
        if any("sklearn" in section_source(*s) for s in program)
        else "PyTorch"
    )
    modules = sorted({file for file, _ in program})
    cells = [
        markdown_cell(
            f"# {title}: the notebook\n\n"
            f"The code of the chapter *{title}* of SGD by Example, cell by cell: the chapter's whole program,"
            f" each part under the heading of the section that explains it. Run the cells from the top; the"
            f" last one trains and prints what the chapter shows. It needs only {needs}.\n\n"
            f"Made by `notebooks.py` from {', '.join(f'`{m}`' for m in modules)}, the code the site runs,"
            f" so edit those rather than this notebook."
        )
    ]
    last_heading, used = None, set()
    for file, section in program:
        heading = heading_for(file, section, page, chapter_list)
        if heading != last_heading:
            last_heading = heading
            while (
                heading in used
            ):  # a section the program comes back to: one heading, one anchor
                heading += " (continued)"
            used.add(heading)
            cells.append(markdown_cell(f"## {heading}"))
        cells.append(code_cell(section_source(file, section).strip("\n")))
    for number, cell in enumerate(cells, 1):
        cell["id"] = (
            f"{Path(page).stem}-{number}"  # nbformat 4.5: stable ids, so the file is stable
        )
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": {
                "display_name": "Python 3",
                "language": "python",
                "name": "python3",
            },
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def notebook_path(page):
    return NOTEBOOKS / page.replace(".md", ".ipynb")


def serialise(nb):
    """The notebook as its file holds it: stable, so an unchanged chapter writes the same bytes."""
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


def main():
    NOTEBOOKS.mkdir(exist_ok=True)
    chapter_list = chapters()
    for page, title in chapter_list:
        path = notebook_path(page)
        text = serialise(notebook(page, title, chapter_list))
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
            print(f"wrote {path.relative_to(ROOT)}")
    for path in NOTEBOOKS.glob("*.ipynb"):
        if path.stem + ".md" not in {page for page, _ in chapter_list}:
            path.unlink()
            print(f"removed {path.relative_to(ROOT)}: no chapter of that name")


if __name__ == "__main__":
    sys.exit(main())
