"""The chapters' notebooks: in step with the code the pages show, run top to bottom, published and offered.

Each notebook is written by notebooks.py from a chapter's whole program, which the chapter's own
test file runs as a fresh file. The build runs every notebook (sitebuild) and fails on a cell that
raises (tests/test_build.py); these tests check that the notebooks are what notebooks.py writes
now, that the build's runner gives what Jupyter gives, and that the site offers each notebook.
"""

import json
import re
from pathlib import Path

import pytest

import notebooks
from conftest import ROOT, chapters, code_block
from sitebuild import chapter, runner

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


@pytest.mark.parametrize("page,title", CHAPTERS)
def test_each_notebook_is_the_chapters_whole_program_cut_into_cells(page, title):
    nb = json.loads(notebooks.notebook_path(page).read_text())
    cells = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    program = code_block(
        page,
        re.search(
            r'## The whole program.*?```python title="([^"]+)"',
            (ROOT / "docs" / page).read_text(),
            re.S,
        )[1],
    )
    squeeze = lambda text: re.sub(r"\n\s*\n+", "\n", text).strip()  # noqa: E731 (blank lines apart)
    assert squeeze("\n".join(cells)) == squeeze(program)
    headings = [c["source"][0] for c in nb["cells"] if c["cell_type"] == "markdown"][1:]
    assert all(h.startswith("## ") for h in headings) and len(headings) >= 3
    assert len(set(headings)) == len(headings), (
        "two sections share a heading, and so an anchor"
    )


def test_the_builds_runner_prints_what_a_jupyter_kernel_prints(tmp_path):
    """nbclient runs the notebook in a real Jupyter kernel; the build's runner must agree cell by cell."""
    import nbclient
    import nbformat

    path = notebooks.notebook_path("fit-a-line.md")
    ours = json.loads(runner.run_notebook(path.read_text(), path.name, tmp_path))
    theirs = nbclient.NotebookClient(
        nbformat.read(path, as_version=4),
        timeout=120,
        kernel_name="python3",
        allow_errors=False,
        resources={"metadata": {"path": str(tmp_path)}},
    ).execute()
    for mine, jupyter in zip(ours["cells"], theirs.cells, strict=True):
        if mine["cell_type"] == "code":
            printed = "".join(
                o["text"] for o in jupyter.outputs if o.get("name") == "stdout"
            )
            assert (
                "".join(o["text"] for o in mine["outputs"] if o["name"] == "stdout")
                == printed
            )
    assert (
        printed.count("\n") >= 5
    )  # the last cell trains and prints the loss as it falls


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
    assert code[-1]["outputs"] and code[-1]["outputs"][0]["name"] == "stdout"
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
    assert "<style" not in html_text, (
        "the notebook's CSS belongs in the shared stylesheet"
    )
    css = re.search(
        r'<link rel="stylesheet" href="([^"]*notebook-[0-9a-f]{8}\.css)">', html_text
    )[1]
    assert (
        site / "notebooks" / Path(page).stem / css
    ).resolve().stat().st_size > 100_000
