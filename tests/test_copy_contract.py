"""The copy contract: the code a page shows, pasted in the page's order into one fresh file, runs.

For every page, the sections it includes (from snippets/ and exercises/solutions/), outside its
whole program, in order, make one file. It must name nothing it does not define or import (ruff's
undefined-name check, which also reports a syntax error), and it must run in a fresh interpreter,
isolated (`python -I`), in an empty folder: only the pinned libraries, no file of this project on
the path. The whole programs are run on their own by each chapter's test.
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from sitebuild.sources import INCLUDE, WHOLE_PROGRAM, section_source

PAGES = sorted(
    p.name
    for p in (ROOT / "docs").glob("*.md")
    if re.search(r'^\s*--8<-- "snippets/', p.read_text(), re.M)
)


def pasted(page):
    """The code page `page` shows, in its order, outside its whole program, as one file."""
    text = (ROOT / "docs" / page).read_text().split(f"## {WHOLE_PROGRAM}", 1)[0]
    parts = []
    for line in text.splitlines():
        match = INCLUDE.match(line)
        if match and match["file"].endswith(".py"):
            code = (
                section_source(match["file"], match["section"])
                if match["section"]
                else (ROOT / match["file"]).read_text()
            )
            parts.append(code.strip("\n"))
    return "\n\n\n".join(parts) + "\n"


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Every page's file, run at once, each in a fresh interpreter in an empty folder of its own."""
    started = {}
    for page in PAGES:
        folder = tmp_path_factory.mktemp(Path(page).stem)
        script = folder / f"{Path(page).stem.replace('-', '_')}_pasted.py"
        script.write_text(pasted(page))
        started[page] = (
            script,
            subprocess.Popen(
                [sys.executable, "-I", script.name],
                cwd=folder,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            ),
        )
    done = {}
    for page, (script, process) in started.items():
        out, err = process.communicate(timeout=300)
        done[page] = (script, process.returncode, out, err)
    return done


@pytest.mark.parametrize("page", PAGES)
def test_a_pages_code_names_only_what_it_shows(page, tmp_path):
    script = tmp_path / "pasted.py"
    script.write_text(pasted(page))
    result = subprocess.run(
        [
            Path(sys.executable).parent / "ruff",
            "check",
            "--isolated",
            "--select",
            "F821",
            str(script),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, (
        f"docs/{page}: pasted, its code uses names it never shows\n{result.stdout}"
    )


@pytest.mark.parametrize("page", PAGES)
def test_a_pages_code_runs_pasted_into_a_fresh_file(runs, page):
    script, returncode, _, err = runs[page]
    assert returncode == 0, f"docs/{page}, pasted into {script}:\n{err[-3000:]}"
