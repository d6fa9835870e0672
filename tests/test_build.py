"""The build's cache: a block runs again only when something it depends on changed.

These tests build a small project of their own (two pages, four snippet modules) with the real
hooks.py and render module, in a temporary folder, so they can edit prose and snippets freely.
"""

import json
import re
import shutil
import sys
import textwrap

import pytest

import hooks
from conftest import ROOT, mkdocs_build

PAGES = {
    "one.md": """
        # One

        Prose about a figure.

        ```python exec="on" html="on" id="one-figure"
        from snippets import a, render

        print(render.figure(a.plot, name="one-figure", alt=f"A line through {a.POINTS} points."))
        ```
        """,
    "two.md": """
        # Two

        ```python exec="on" id="two-number"
        from snippets import b

        print(f"The answer is {b.answer()}.")
        ```
        """,
}
MODULES = {
    "a.py": """
        from snippets import render

        POINTS = 3


        def plot(theme):
            with render.themed(theme):
                fig = render.new_figure(2, 2)
                fig.add_subplot().plot(range(POINTS))
            return fig
        """,
    "b.py": """
        from snippets.c import base


        def answer():
            return base() + 1
        """,
    "c.py": """
        def base():
            return 41
        """,
}


def write(path, text):
    path.write_text(textwrap.dedent(text).lstrip())


@pytest.fixture
def project(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "snippets").mkdir()
    shutil.copy(ROOT / "hooks.py", tmp_path)
    for name in ("__init__.py", "render.py"):
        shutil.copy(ROOT / "snippets" / name, tmp_path / "snippets")
    for name, text in MODULES.items():
        write(tmp_path / "snippets" / name, text)
    for name, text in PAGES.items():
        write(tmp_path / "docs" / name, text)
    write(
        tmp_path / "mkdocs.yml",
        f"""
        INHERIT: {ROOT / "mkdocs.yml"}
        docs_dir: docs
        theme:
          custom_dir: {ROOT / "overrides"}
        extra_css: []
        hooks: [hooks.py]
        watch: []
        nav: [one.md, two.md]
        """,
    )
    return tmp_path


def build(project):
    """Build `project`; return how many blocks ran (in the page build or ahead), and the site."""
    result = mkdocs_build(project / "mkdocs.yml", project / "site", project / ".cache")
    assert result.returncode == 0, result.stderr
    ran, _cached, ahead = map(
        int,
        re.search(
            r"code blocks: (\d+) run, (\d+) from cache \((\d+) of those", result.stderr
        ).groups(),
    )
    return ran + ahead, project / "site"


def test_cache_runs_each_block_once_and_again_only_when_its_inputs_change(project):
    ran, site = build(project)
    assert ran == 2
    first_image = (site / "figures" / "one-figure-light.svg").read_bytes()

    assert build(project)[0] == 0, "a rebuild with nothing changed ran a block"

    # prose edited on page one, and c edited (imported by b, which only page two uses):
    # exactly one block runs, page two's, with the new code; page one shows the new prose
    page = project / "docs" / "one.md"
    page.write_text(page.read_text().replace("Prose about a figure.", "Edited prose."))
    write(project / "snippets" / "c.py", "def base():\n    return 99\n")
    ran, site = build(project)
    assert ran == 1
    assert "Edited prose." in (site / "one" / "index.html").read_text()
    assert "The answer is 100." in (site / "two" / "index.html").read_text()

    # a figure file changed behind the cache's back (here: deleted) is drawn again
    (project / ".cache" / "figures" / "one-figure-light.svg").unlink()
    assert build(project)[0] == 1

    # the cache is safe to delete: everything runs again and gives the same images
    shutil.rmtree(project / ".cache")
    ran, site = build(project)
    assert ran == 2
    assert (site / "figures" / "one-figure-light.svg").read_bytes() == first_image


def test_a_block_that_raises_or_redraws_a_figure_fails_the_build_naming_the_block(
    project,
):
    write(
        project / "docs" / "two.md",
        """
        # Two

        ```python exec="on" id="deliberately-broken"
        from snippets import c

        raise ValueError(f"lr must be positive, got {-c.base()}")
        ```

        ```python exec="on" html="on" id="same-name-again"
        from snippets import a, render

        print(render.figure(a.plot, name="one-figure", alt="Another figure under a used name."))
        ```
        """,
    )
    result = mkdocs_build(project / "mkdocs.yml", project / "site", project / ".cache")
    assert result.returncode != 0
    assert (
        "'deliberately-broken'" in result.stderr
        and "lr must be positive, got -41" in result.stderr
    )
    assert 'File "<code block: deliberately-broken>", line 3' in result.stderr
    assert (
        "hooks.py" not in result.stderr.split("Output is:")[1]
    )  # the traceback is the block's
    assert "figures/one-figure-dark.svg, which another block draws too" in result.stderr


def test_block_key_follows_code_snippet_sources_and_library_versions(
    tmp_path, monkeypatch
):
    code = "from snippets import fit_line\nprint(fit_line.make_data()[0].shape)\n"
    key = hooks.block_key(code)
    assert (
        hooks.block_key("\n" + code + "\n\n") == key
    )  # blank lines around a block do not count
    assert hooks.block_key(code.replace("[0]", "[1]")) != key

    copy = tmp_path / "snippets"
    shutil.copytree(hooks.SNIPPETS, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(hooks, "SNIPPETS", copy)
    assert hooks.block_key(code) == key
    for module in (
        "fit_line.py",
        "render.py",
    ):  # the module imported, and the one it imports
        source = (copy / module).read_text()
        (copy / module).write_text(source + "\n# edited\n")
        assert hooks.block_key(code) != key, f"editing {module} left the key unchanged"
        (copy / module).write_text(source)

    monkeypatch.setattr(
        hooks, "_version", lambda package: "0.0.0" if package == "torch" else "x"
    )
    assert hooks.block_key(code) != key


def test_dependencies_are_followed_through_imports_between_snippets():
    assert hooks.snippet_dependencies("from snippets import fit_line") == [
        "fit_line",
        "render",
    ]
    assert hooks.snippet_dependencies("import snippets.render as r") == ["render"]
    assert hooks.snippet_dependencies("import torch\nprint(1)") == []


def test_a_block_may_not_use_a_session():
    with pytest.raises(hooks.markdown_exec.ExecutionError, match="must stand alone"):
        hooks.cached_run("print(1)", session="shared", id="x")


def test_each_build_imports_the_snippets_afresh_so_live_reload_sees_edits():
    import snippets.fit_line  # noqa: F401  (make sure there is something to forget)

    kept = {
        name: module
        for name, module in sys.modules.items()
        if name.split(".")[0] == "snippets"
    }
    try:
        hooks.on_pre_build(config=None)
        assert not [name for name in sys.modules if name.split(".")[0] == "snippets"]
    finally:
        sys.modules.update(kept)


def test_a_notebook_cell_that_raises_fails_the_build_naming_the_notebook_and_cell(
    project,
):
    (project / "docs" / "notebooks").mkdir()
    cells = [
        "total = 41",
        "print(total + 1)",
        "raise ValueError(f'lr must be positive, got {-total}')",
    ]
    (project / "docs" / "notebooks" / "broken.ipynb").write_text(
        json.dumps(
            {
                "cells": [
                    {
                        "cell_type": "code",
                        "execution_count": None,
                        "id": str(i),
                        "metadata": {},
                        "outputs": [],
                        "source": source,
                    }
                    for i, source in enumerate(cells)
                ],
                "metadata": {
                    "kernelspec": {
                        "display_name": "Python 3",
                        "language": "python",
                        "name": "python3",
                    }
                },
                "nbformat": 4,
                "nbformat_minor": 5,
            }
        )
    )
    result = mkdocs_build(project / "mkdocs.yml", project / "site", project / ".cache")
    assert result.returncode != 0
    assert "broken.ipynb: code cell 3 raised" in result.stderr
    assert "ValueError: lr must be positive, got -41" in result.stderr
