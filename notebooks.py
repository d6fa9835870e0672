"""Write each chapter's companion notebook, docs/notebooks/<page>.ipynb, from the chapter itself.

A chapter's notebook follows the chapter: its `## ` headings in the chapter's order, under each the
first lines of the chapter's prose there, the code the chapter teaches there, and cells that draw
the chapter's main figures from what the code computed. The code is the chapter's "whole program"
(the block at the end of the page, which a test runs as a fresh file), every section of it once,
cut into cells and put under the heading that teaches it. Three kinds of section go first, under
"Set up", because everything after calls them: the imports, the code taken from an earlier chapter
that this page does not show, and the input checks, which the chapter explains under "When the
input is wrong" but which every function runs on its first lines. The program's run (its
`if __name__ == "__main__":` part) sits under the chapter's "Run it", or after the last section it
needs.

The figure cells come from snippets/drawing/notebook_figures.py, whose docstring says how a
section there becomes a cell and where it goes. Every cell is tagged (sgd-intro, sgd-program,
sgd-figure), so the tests can tell the program from the rest.

Run `python notebooks.py` after changing a chapter or its code; `tests/test_notebooks.py` fails
while any notebook differs from what this writes.
"""

import ast
import json
import re
import sys
from pathlib import Path

from sitebuild.sources import (
    DOCS,
    HEADING,
    INCLUDE,
    ROOT,
    WHOLE_PROGRAM,
    executed_blocks,
    includes_by_heading,
    section_source,
    whole_program,
)

NOTEBOOKS = DOCS / "notebooks"
FIGURES = "snippets/drawing/notebook_figures.py"
SETUP = "Set up"
CHECKS = "When the input is wrong"  # where every chapter explains its checks
CHECKS_FILE = "snippets/checks.py"  # the shared checks every lesson function runs first
RUNS = ("run", "main")  # the sections that run the program rather than define it
MARKER = re.compile(r"^\s*# --8<-- \[start:([\w-]+)\]\s*$", re.MULTILINE)


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


# -- the chapter's prose -------------------------------------------------------------------------


def sections_of(page):
    """[(heading, markdown)] of the page's `## ` sections in order, without its whole program."""
    found = []
    for line in (DOCS / page).read_text().splitlines():
        if (match := HEADING.match(line)) and len(match[1]) == 2:
            found.append((match[2], []))
        elif found:
            found[-1][1].append(line)
    return [(h, "\n".join(lines)) for h, lines in found if h != WHOLE_PROGRAM]


def blocks(markdown):
    """The top-level blocks of a section's Markdown, as (kind, lines): "text", "list", "math", or
    something a notebook leaves out ("code", "aside", "include", "table", "heading")."""
    lines, out, i = markdown.splitlines(), [], 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if not stripped or (stripped.startswith("{") and stripped.endswith("}")):
            i += 1
            continue
        if fence := re.match(r"\s*(`{3,}|~{3,})", line):
            end = i + 1
            while end < len(lines) and not lines[end].strip().startswith(fence[1]):
                end += 1
            out.append(("code", lines[i : end + 1]))
            i = end + 1
            continue
        if stripped.startswith(("!!!", "???", "===")):  # an admonition, details or tab
            end = i + 1
            while end < len(lines) and (
                not lines[end].strip() or lines[end].startswith("    ")
            ):
                end += 1
            out.append(("aside", lines[i:end]))
            i = end
            continue
        if stripped == "$$":
            end = lines.index(line, i + 1) if line in lines[i + 1 :] else len(lines)
            out.append(("math", lines[i : end + 1]))
            i = end + 1
            continue
        end = i + 1
        while (
            end < len(lines)
            and lines[end].strip()
            and not re.match(r"\s*(`{3,}|~{3,}|\$\$\s*$)", lines[end])
        ):
            end += 1
        kind = (
            "include"
            if INCLUDE.match(line)
            else "table"
            if stripped.startswith("|")
            else "heading"
            if stripped.startswith("#")
            else "list"
            if re.match(r"(- |\d+\. )", line)
            else "text"
        )
        if (
            kind == "list"
        ):  # a list goes on past blank lines, to the end of its last item
            while end < len(lines) and (
                not lines[end].strip()
                or lines[end].startswith(" ")
                or re.match(r"(- |\d+\. )", lines[end])
            ):
                end += 1
            out.append(("list", list_items(lines[i:end])))
        else:
            out.append((kind, lines[i:end]))
        i = end
    return out


def list_items(lines):
    """A list's lines, each item cut to its first paragraph (no nested code, asides or solutions)."""
    kept, in_item = [], False
    for line in lines:
        if re.match(r"(- |\d+\. )", line):
            kept.append(line)
            in_item = True
        elif in_item and line.strip() and line.startswith(" "):
            kept.append(line)
        else:
            in_item = False
    return kept


def plain(text):
    """Markdown of the site made to read in Jupyter: links to the site's pages and anchors become
    their text (they lead nowhere from a notebook), attribute lists go."""
    text = re.sub(r"\[([^\]]+)\]\((?!https?://)[^)]*\)", r"\1", text)
    return re.sub(r"\s*\{\s*[.#:][^}]*\}", "", text)


def excerpt(markdown):
    """The first lines of a section's prose: its first paragraph or list, and, while a sentence
    goes on (the paragraph ends in a colon or mid-sentence), the math, list or text that ends it.
    A colon left introducing code the notebook leaves out becomes a full stop."""
    kept = []
    for kind, lines in blocks(markdown):
        if kind not in ("text", "list", "math"):
            if kept:
                break
            continue
        if kind == "math" and not kept:
            continue
        if kept and not goes_on(*kept[-1]):
            break
        kept.append((kind, lines))
    text = plain("\n\n".join("\n".join(lines) for _, lines in kept))
    return text[:-1] + "." if text.endswith(":") else text


def goes_on(kind, lines):
    """Whether the sentence a block ends with goes on into the next block."""
    last = lines[-1].rstrip() if kind != "math" else lines[-2].rstrip()
    return kind != "list" and not last.endswith((".", "!", "?"))


# -- the code ------------------------------------------------------------------------------------


def figure_sections(page):
    """[(section, heading)] of the notebook figures of `page`: the sections of the figures module
    named after one of the page's blocks, with the heading that block is under, in page order."""
    markdown = (DOCS / page).read_text()
    headings = {}
    heading = None
    lines = markdown.splitlines()
    starts = {block.line: block.id for block in executed_blocks(markdown)}
    for number, line in enumerate(lines, 1):
        if (match := HEADING.match(line)) and len(match[1]) == 2:
            heading = match[2]
        if number in starts:
            headings[starts[number]] = heading
    names = MARKER.findall((ROOT / FIGURES).read_text())
    return [(name, headings[name]) for name in headings if name in names]


def figure_code(section):
    """A figure cell: the section's functions, then a call of each and plt.show(). A function's
    parameters without a default are named after the program's variables it draws."""
    source = section_source(FIGURES, section).strip("\n")
    calls = []
    for node in functions(source):
        args = node.args.args
        needed = [a.arg for a in args[: len(args) - len(node.args.defaults)]]
        calls.append(f"{node.name}({', '.join(needed)})")
    return "\n".join([source, "", "", *calls, "plt.show()"])


def functions(source):
    """The functions a figure section defines, in order."""
    return [n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef)]


def layout(page):
    """[(heading, [(kind, file, section)])]: what goes under each heading of the notebook, in order,
    starting with Set up; kind is "program" or "figure"."""
    headings = [SETUP] + [h for h, _ in sections_of(page)]
    shown = {}
    for heading, file, section in includes_by_heading(page):
        shown.setdefault((file, section), heading)
    program = whole_program(page)
    runs = [(f, s) for f, s in program if s in RUNS]
    home = {}
    for file, section in program:
        heading = shown.get((file, section))
        if (file, section) in runs:
            continue
        # the checks go first wherever the page shows them (a file shown whole shows them too)
        if (
            section in ("imports", "checks")
            or file == CHECKS_FILE
            or heading in (None, CHECKS)
        ):
            heading = SETUP
        home[(file, section)] = heading
    run_heading = next(
        (shown[r] for r in runs if r in shown),
        "Run it" if "Run it" in headings else None,
    ) or max(home.values(), key=headings.index)
    for (file, section), heading in home.items():
        if headings.index(heading) > headings.index(run_heading):
            raise ValueError(
                f"docs/{page}: {file}:{section} is taught under {heading!r}, after the program "
                f"runs (under {run_heading!r}): the notebook would run it before defining it"
            )
    placed = {h: [] for h in headings}
    for file, section in program:
        heading = home.get((file, section), run_heading)
        placed[heading].append(("program", file, section))
    placed[SETUP].append(("figure", FIGURES, "imports"))
    for section, shown_under in figure_sections(page):
        # a figure the chapter shows before the run goes just after it: it draws what the run computed
        heading = max(shown_under, run_heading, key=headings.index)
        placed[heading].append(("figure", FIGURES, section))
    return list(placed.items())


# -- the notebook --------------------------------------------------------------------------------


def markdown_cell(text, tags=()):
    return {
        "cell_type": "markdown",
        "metadata": {"tags": list(tags)} if tags else {},
        "source": text.splitlines(keepends=True),
    }


def code_cell(code, tag, alt=()):
    return {
        "cell_type": "code",
        "execution_count": None,
        # alt: what each figure the cell draws shows, for the site's page (notebook_pages)
        "metadata": {"tags": [tag], **({"sgd": {"alt": list(alt)}} if alt else {})},
        "outputs": [],
        "source": code.splitlines(keepends=True),
    }


def intro(page, title, program):
    """The first cell: what the notebook is, which chapter it goes with, what it needs."""
    needs = (
        "PyTorch, matplotlib and scikit-learn"
        if any("sklearn" in section_source(*s) for s in program)
        else "PyTorch and matplotlib"
    )
    modules = sorted({file for file, _ in program} | {FIGURES})
    return (
        f"# {title}: the notebook\n\n"
        f"The companion of the chapter *{title}* of *SGD by Example*: the chapter's headings, the first"
        f" lines of its prose under each, its whole program cut into cells under the heading that"
        f" teaches each part, and cells that draw the chapter's main figures from what the program"
        f" computed. Run the cells from the top. It needs only {needs}.\n\n"
        f"The numbers and figures you get may differ in the last digits from the chapter's, on"
        f" another machine or with other versions of the libraries.\n\n"
        f"The notebook is yours to change: edit a cell, run it again and see what moves. It was"
        f" made from the same code as the chapter ({', '.join(f'`{m}`' for m in modules)}), so a"
        f" fresh download gives you the chapter's version back."
    )


SETUP_TEXT = (
    "The imports, any code this chapter takes from an earlier one, and the checks every function"
    f" runs on its first lines (the chapter explains them under *{CHECKS}*)."
)


def notebook(page, title, chapter_list=None):
    """The notebook of the chapter on docs/`page`, as a dict in nbformat 4."""
    del chapter_list  # the notebook needs only its own page (kept for the callers)
    prose = dict(sections_of(page))
    cells = [markdown_cell(intro(page, title, whole_program(page)), ["sgd-intro"])]
    for heading, parts in layout(page):
        text = SETUP_TEXT if heading == SETUP else excerpt(prose[heading])
        if heading == CHECKS:
            text += f" (The checks are defined at the top, under *{SETUP}*.)"
        cells.append(markdown_cell(f"## {heading}\n\n{text}".rstrip()))
        for kind, file, section in parts:
            if kind == "figure" and section != "imports":
                code = figure_code(section)
                alt = [ast.get_docstring(f) for f in functions(code)]
            else:
                code, alt = section_source(file, section).strip("\n"), ()
            cells.append(code_cell(code, f"sgd-{kind}", alt))
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
            "sgd": {
                "chapter": page,
                "title": title,
            },  # the build links the chapter (notebook_pages)
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
