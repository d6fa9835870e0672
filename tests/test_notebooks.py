"""The chapters' notebooks: in step with the chapters, run top to bottom, published and offered.

Each notebook is written by notebooks.py from a chapter: its headings and the first lines of its
prose, its whole program (which the chapter's own test file runs as a fresh file) and the cells of
snippets/drawing/notebook_figures.py that draw its figures. The build runs every notebook
(sitebuild) and fails on a cell that raises (tests/test_build.py); these tests check that the
notebooks are what notebooks.py writes now, that they follow their chapters, that each runs in a
real Jupyter kernel with nothing of this repository and draws its figures, that the build's runner
gives what Jupyter gives, and that the site offers each notebook and shows it with its figures.
"""

import base64
import collections
import html
import json
import os
import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import notebooks
from conftest import ROOT, chapters, code_block, section
from sitebuild import chapter, notebook_pages, runner
from sitebuild.sources import whole_program

CHAPTERS = notebooks.chapters()


def test_every_chapter_has_a_whole_program_and_a_notebook_and_no_notebook_is_left_over():
    assert [title for _, title in CHAPTERS] == [title for title, _ in chapters()]
    expected = {notebooks.notebook_path(page).name for page, _ in CHAPTERS}
    assert {p.name for p in notebooks.NOTEBOOKS.glob("*.ipynb")} == expected, (
        "run `python notebooks.py`"
    )


@pytest.mark.parametrize("page,title", CHAPTERS)
def test_each_notebook_is_what_notebooks_py_writes_from_the_code_now(page, title):
    written = notebooks.notebook_path(page).read_text()
    assert written == notebooks.serialise(notebooks.notebook(page, title, CHAPTERS)), (
        f"{notebooks.notebook_path(page).name} is out of step with its chapter: run `python notebooks.py`"
    )


def cells_tagged(nb, tag):
    return [
        "".join(c["source"])
        for c in nb["cells"]
        if tag in c.get("metadata", {}).get("tags", [])
    ]


@pytest.mark.parametrize("page,title", CHAPTERS)
def test_each_notebooks_program_cells_are_the_chapters_whole_program_each_part_once(
    page, title
):
    nb = json.loads(notebooks.notebook_path(page).read_text())
    cells = cells_tagged(nb, "sgd-program")
    parts = [section(f, s).strip("\n") for f, s in whole_program(page)]
    assert collections.Counter(cells) == collections.Counter(parts)
    # and those parts are the program the page shows, in the page's order
    program = code_block(
        page,
        re.search(
            r'## The whole program.*?```python title="([^"]+)"',
            (ROOT / "docs" / page).read_text(),
            re.S,
        )[1],
    )
    squeeze = lambda text: re.sub(r"\n\s*\n+", "\n", text).strip()  # noqa: E731 (blank lines apart)
    assert squeeze("\n".join(parts)) == squeeze(program)
    # every other code cell draws: a section of the figures module, then its calls
    figures = (ROOT / notebooks.FIGURES).read_text()
    for c in nb["cells"]:
        if c["cell_type"] == "code" and "sgd-program" not in c["metadata"]["tags"]:
            assert c["metadata"]["tags"] == ["sgd-figure"]
            drawn = "".join(c["source"]).split("\n\n\n")[0]
            assert drawn in figures


def page_headings(page):
    """The page's `## ` headings outside its code blocks, but its whole program, read afresh."""
    text = re.sub(
        r"^(\s*)(`{3,}).*?^\1\2\s*$",
        "",
        (ROOT / "docs" / page).read_text(),
        flags=re.S | re.M,
    )
    return [
        h for h in re.findall(r"^## (.+?)\s*$", text, re.M) if h != "The whole program"
    ]


@pytest.mark.parametrize("page,title", CHAPTERS)
def test_each_notebook_has_the_chapters_headings_in_its_order_each_with_its_prose(
    page, title
):
    nb = json.loads(notebooks.notebook_path(page).read_text())
    markdown = [
        "".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown"
    ]
    headings = [m.splitlines()[0][3:] for m in markdown[1:]]
    assert all(m.startswith("## ") for m in markdown[1:])
    assert headings == [notebooks.SETUP, *page_headings(page)]
    text = (ROOT / "docs" / page).read_text()
    page_text = re.sub(
        r"\s+", " ", re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)
    )  # links as text
    for cell in markdown[2:]:
        prose = cell.split("\n", 2)[2] if cell.count("\n") >= 2 else ""
        assert prose, f"{cell.splitlines()[0]} has no prose"
        first = re.sub(r"\s+", " ", prose).split(" ")[:6]
        assert " ".join(first) in page_text, f"{first}: not the chapter's words"
        for leftover in ("--8<--", "```", "!!!", "???", ".md)", "exec="):
            assert leftover not in prose, (
                f"{cell.splitlines()[0]}: {leftover!r} left in"
            )


@pytest.mark.parametrize("page,title", CHAPTERS)
def test_each_notebook_names_its_chapter_and_warns_of_last_digits(page, title):
    nb = json.loads(notebooks.notebook_path(page).read_text())
    intro = "".join(nb["cells"][0]["source"])
    assert nb["cells"][0]["metadata"]["tags"] == ["sgd-intro"]
    assert f"the chapter *{title}*" in intro and "last digits" in intro
    linked = json.loads(
        notebook_pages.with_chapter_link(
            notebooks.notebook_path(page).read_text(), "https://example.org/sgd/"
        )
    )
    url = f"https://example.org/sgd/{Path(page).stem}/"
    assert f"the chapter [*{title}*]({url})" in "".join(linked["cells"][0]["source"])
    assert linked["cells"][1:] == nb["cells"][1:]
    text = notebooks.notebook_path(page).read_text()
    assert notebook_pages.with_chapter_link(text, None) == text


def images(cell):
    return [o for o in cell.get("outputs", []) if "image/png" in o.get("data", {})]


def figures_expected(nb):
    """How many images each figure cell must show: one per function it defines and calls."""
    return [
        len(c["metadata"].get("sgd", {}).get("alt", []))
        for c in nb["cells"]
        if c["cell_type"] == "code"
    ]


@pytest.fixture(scope="module")
def run_in_jupyter(tmp_path_factory):
    """Every notebook run in a real Jupyter kernel (nbclient), two at a time, from a folder
    outside the repository and with nothing of it importable: as in Colab. {page: (notebook,
    seconds)}."""
    import nbclient
    import nbformat

    folder = tmp_path_factory.mktemp("colab")
    assert ROOT not in folder.parents
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    probe = nbformat.v4.new_code_cell(  # the kernel sees neither the project nor its folder
        "import importlib.util, os, sys\n"
        "assert importlib.util.find_spec('snippets') is None, 'snippets is importable'\n"
        f"assert not os.getcwd().startswith({str(ROOT)!r})\n"
        f"assert {str(ROOT)!r} not in [os.path.realpath(p or '.') for p in sys.path]\n"
    )

    def run(page):
        nb = nbformat.read(notebooks.notebook_path(page), as_version=4)
        nb.cells.insert(0, probe)
        start = time.perf_counter()
        client = nbclient.NotebookClient(
            nb,
            timeout=300,
            kernel_name="python3",
            allow_errors=False,
            resources={"metadata": {"path": str(folder)}},
        )
        client.execute(env=env)
        nb.cells.pop(0)
        return nb, time.perf_counter() - start

    with ThreadPoolExecutor(2) as pool:
        return dict(
            zip([p for p, _ in CHAPTERS], pool.map(run, [p for p, _ in CHAPTERS]))
        )


@pytest.mark.site  # eight Jupyter kernels, one training a network: a minute
@pytest.mark.parametrize("page,title", CHAPTERS)
def test_each_notebook_runs_in_jupyter_outside_the_repository_and_draws_its_figures(
    run_in_jupyter, page, title
):
    nb, seconds = run_in_jupyter[page]
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert not [o for c in code for o in c.outputs if o.output_type == "error"]
    shown = [len(images(c)) for c in code]
    assert shown == figures_expected(
        json.loads(notebooks.notebook_path(page).read_text())
    )
    assert sum(shown) >= 1
    for c in code:
        for o in images(c):
            assert base64.b64decode(o["data"]["image/png"])[:8] == b"\x89PNG\r\n\x1a\n"
    print(f"{page}: {seconds:.1f} s in Jupyter")


@pytest.mark.site  # eight Jupyter kernels, one training a network: a minute
def test_the_builds_runner_prints_and_draws_what_a_jupyter_kernel_does(
    run_in_jupyter, tmp_path
):
    """nbclient ran the notebook in a real Jupyter kernel; the build's runner must agree cell by
    cell: what it printed, and how many figures it showed."""
    path = notebooks.notebook_path("fit-a-line.md")
    ours = json.loads(runner.run_notebook(path.read_text(), path.name, tmp_path))
    theirs, _ = run_in_jupyter["fit-a-line.md"]
    for mine, jupyter in zip(ours["cells"], theirs.cells, strict=True):
        if mine["cell_type"] == "code":
            printed = "".join(
                o["text"] for o in jupyter.outputs if o.get("name") == "stdout"
            )
            assert (
                "".join(o["text"] for o in mine["outputs"] if o.get("name") == "stdout")
                == printed
            )
            assert len(images(mine)) == len(images(jupyter))
    assert sum(len(images(c)) for c in ours["cells"]) >= 2
    assert "step 100" in json.dumps(ours)  # the run prints the loss as it falls


def test_the_runners_figures_are_the_same_bytes_every_time(tmp_path):
    path = notebooks.notebook_path("fit-a-line.md")
    runs = [
        [
            o["data"]["image/png"]
            for c in json.loads(
                runner.run_notebook(path.read_text(), path.name, tmp_path)
            )["cells"]
            for o in images(c)
        ]
        for _ in range(2)
    ]
    assert runs[0] == runs[1] and len(runs[0]) == 2
    assert b"Software" not in base64.b64decode(
        runs[0][0]
    )  # no matplotlib version in the file


def test_the_runner_stops_at_a_cell_that_raises_and_names_it():
    nb = {
        "cells": [
            {"cell_type": "code", "source": ["x = 1"]},
            {"cell_type": "markdown", "source": ["# A"]},
            {"cell_type": "code", "source": ["print(x)\n", "x / 0"]},
        ]
    }
    with pytest.raises(
        runner.BlockFailed,
        match=r"demo.ipynb: code cell 2 raised ZeroDivisionError[\s\S]*ZeroDivisionError",
    ):
        runner.run_notebook(json.dumps(nb), "demo.ipynb", ROOT / "docs")


def test_mkdocs_jupyter_turns_only_notebooks_into_pages():
    from mkdocs.config import load_config
    from mkdocs.structure.files import File

    config = load_config(str(ROOT / "mkdocs.yml"))
    plugin = config.plugins["mkdocs-jupyter"]
    assert plugin.config["include"] == ["*.ipynb"] and plugin.config["include_source"]
    for name, included in [
        ("notebooks/loss.ipynb", True),
        ("snippets.py", False),
        ("loss.md", False),
    ]:
        file = File(name, str(ROOT / "docs"), str(ROOT / "site"), True)
        assert plugin.should_include(file) is included, name


def notebook_line(html_text):
    match = re.search(r'<p class="sgd-notebook">(.*?)</p>', html_text, re.S)
    return (
        {
            text: href
            for href, text in re.findall(
                r'<a href="([^"]+)"[^>]*>([^<]+)</a>', match[1]
            )
        }
        if match
        else {}
    )


@pytest.mark.parametrize("page,title", CHAPTERS)
def test_each_chapter_offers_its_notebook_to_read_download_and_open_in_colab(
    site, page, title
):
    stem = Path(page).stem
    chapter = site / stem / "index.html"
    links = notebook_line(chapter.read_text())
    assert set(links) == {"read it here", "download it", "open it in Colab"}
    assert (chapter.parent / links["read it here"] / "index.html").is_file()
    downloaded = json.loads((chapter.parent / links["download it"]).read_text())
    code = [c for c in downloaded["cells"] if c["cell_type"] == "code"]
    assert [c["execution_count"] for c in code] == list(range(1, len(code) + 1)), (
        "the download is run"
    )
    assert any(o.get("name") == "stdout" for c in code for o in c["outputs"])
    assert any(images(c) for c in code)
    repository = (
        "example-owner/sgd-by-example"  # what the test builds are given (conftest)
    )
    assert links["open it in Colab"] == (
        f"https://colab.research.google.com/github/{repository}/blob/main/docs/notebooks/{stem}.ipynb"
    )
    assert (ROOT / "docs" / "notebooks" / f"{stem}.ipynb").is_file()


def test_without_a_repository_there_is_no_colab_link():
    page = type(
        "Page", (), {"file": type("F", (), {"src_uri": "loss.md"}), "url": "loss/"}
    )
    nb_file = type("F", (), {"url": "notebooks/loss/"})
    files = type("Files", (), {"get_file_from_path": lambda self, uri: nb_file})()
    line = chapter.notebook_links(
        page, {"extra": {}, "docs_dir": str(ROOT / "docs")}, files
    )
    assert "download it" in line and "Colab" not in line


@pytest.mark.parametrize("page,title", CHAPTERS)
def test_each_notebook_page_shows_every_cells_output_and_loads_nothing_from_elsewhere(
    site, page, title
):
    html_text = (site / "notebooks" / Path(page).stem / "index.html").read_text()
    assert f"{title}: the notebook" in html_text
    nb = json.loads(notebooks.notebook_path(page).read_text())
    assert html_text.count('class="jp-InputArea') >= sum(
        c["cell_type"] == "code" for c in nb["cells"]
    )
    assert "jp-OutputArea-output" in html_text
    for script in re.findall(r"<script\b[^>]*>(.*?)</script>", html_text, re.S):
        assert "://" not in script, "an inline script fetches from another host"
    # (the lightbox's few lines of style, and the one rule for readers without JavaScript, are on
    # every page of the site)
    assert not re.search(
        r'<style(?! id="(?:glightbox-style|sgd-noscript)")', html_text
    ), "the notebook's CSS belongs in the shared stylesheet"
    css = re.search(
        r'<link rel="stylesheet" href="([^"]*notebook-[0-9a-f]{8}\.css)">', html_text
    )[1]
    # JupyterLab's stylesheet cut to this page's rules (sitebuild/stylesheet.py): the cells' own
    # and the dark palette's are there, the 600 KB of the rest is not
    rules = (site / "notebooks" / Path(page).stem / css).resolve().read_text()
    assert 10_000 < len(rules) < 100_000
    for selector in (
        ".jupyter-wrapper .jp-InputArea",
        ".jupyter-wrapper .jp-OutputArea-output",
    ):
        assert re.search(re.escape(selector) + r"[{,\s]", rules), selector
    assert "[data-md-color-scheme=slate] .jupyter-wrapper{" in rules
    assert ".jp-Dialog" not in rules and ".bp3-menu" not in rules


@pytest.mark.parametrize("page,title", CHAPTERS)
def test_each_notebook_page_shows_its_figures_and_leads_back_to_its_chapter(
    site, page, title
):
    stem = Path(page).stem
    folder = site / "notebooks" / stem
    html_text = (folder / "index.html").read_text()
    run = json.loads(
        (folder / f"{stem}.ipynb").read_text()
    )  # the copy the page renders
    pngs = [
        base64.b64decode(o["data"]["image/png"])
        for c in run["cells"]
        for o in images(c)
    ]
    assert pngs and len(pngs) == sum(figures_expected(run))
    shown = re.findall(
        r'<img alt="([^"]+)" src="([^"]+)" width="\d+" height="\d+"', html_text
    )
    assert [(folder / src).read_bytes() for _, src in shown] == pngs
    alts = [
        a for c in run["cells"] for a in c["metadata"].get("sgd", {}).get("alt", [])
    ]
    assert [html.unescape(alt) for alt, _ in shown] == alts
    back = re.search(
        r'<p class="sgd-notebook-back"><a href="([^"]+)">← Back to the chapter <em>([^<]+)</em>',
        html_text,
    )
    assert back and html.unescape(back[2]) == title
    assert (folder / back[1] / "index.html").resolve() == (site / stem / "index.html")
    assert html_text.index("sgd-notebook-back") < html_text.index("<h1")  # at the top
    headings = re.findall(r'<h2 id="[^"]*">(.+?)<a class="anchor-link"', html_text)
    assert [html.unescape(h) for h in headings] == [
        notebooks.SETUP,
        *page_headings(page),
    ]
    markdown_cells = re.findall(
        r"jp-RenderedMarkdown[^>]*>(.*?)</div>", html_text, re.S
    )
    assert not [
        m
        for m in markdown_cells
        if "$" in re.sub(r"<code>.*?</code>", "", m, flags=re.S)
    ]
