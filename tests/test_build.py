"""The build on a tiny site of its own: the cache runs a block again only when something it depends
on changed, a damaged cache is recovered from, and every way a page's code can go wrong fails the
build with an exit status other than 0, naming the page and the block (or the notebook and cell).

The tiny site (two pages, four snippet modules, a copy of hooks.py and sitebuild/) lives in a
temporary folder, so the tests can edit prose and snippets freely and break things on purpose.
Each build takes a few seconds; faults that are independent share one build.
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from conftest import ROOT, mkdocs_build, mkdocs_command

pytestmark = pytest.mark.site

PAGES = {
    "one.md": """
        # One

        Prose about a figure.

        ```python exec="on" html="on" id="one-figure"
        from snippets import a
        from snippets.drawing import render

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
        from snippets.drawing import render

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
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip())


def make_project(folder, pages=PAGES, nav=None):
    """A tiny site in `folder`: `pages` ({file: Markdown}) and the snippet modules above."""
    (folder / "docs").mkdir(parents=True)
    shutil.copy(ROOT / "hooks.py", folder)
    shutil.copytree(
        ROOT / "sitebuild",
        folder / "sitebuild",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    # the tiny site's blocks draw with matplotlib and need no torch: its workers start in a moment
    (folder / "sitebuild" / "warmup.py").write_text(
        '"""What the tiny site\'s blocks need."""\n\nimport matplotlib.figure  # noqa: F401\n'
        "import numpy  # noqa: F401\nimport PIL.Image  # noqa: F401\n"
    )
    (folder / "snippets" / "drawing").mkdir(parents=True)
    for name in ("__init__.py", "drawing/__init__.py", "drawing/render.py"):
        shutil.copy(ROOT / "snippets" / name, folder / "snippets" / name)
    for name, text in MODULES.items():
        write(folder / "snippets" / name, text)
    for name, text in pages.items():
        write(folder / "docs" / name, text)
    nav = nav or [name for name in pages if name.endswith(".md")]
    write(
        folder / "mkdocs.yml",
        f"""
        INHERIT: {ROOT / "mkdocs.yml"}
        docs_dir: docs
        theme:
          custom_dir: {ROOT / "overrides"}
        extra_css: []
        hooks: [hooks.py]
        watch: []
        nav: {json.dumps(nav)}
        """,
    )
    return folder


@pytest.fixture
def project(tmp_path):
    return make_project(tmp_path)


COUNTS = re.compile(
    r"code blocks: (\d+) executed, (\d+) from cache; notebooks: (\d+) executed, (\d+) from cache"
)


def build(project, **env):
    """Build `project` (strict); return (blocks executed, the site), asserting it succeeded."""
    result = mkdocs_build(
        project / "mkdocs.yml", project / "site", project / ".cache", env
    )
    assert result.returncode == 0, result.stderr
    executed = int(COUNTS.search(result.stderr)[1])
    return executed, project / "site"


def test_the_cache_runs_each_block_once_and_again_only_when_its_inputs_change(project):
    executed, site = build(project)
    assert executed == 2
    first_image = (site / "figures" / "one-figure-light.svg").read_bytes()

    assert build(project)[0] == 0, "a rebuild with nothing changed ran a block"

    # prose edited on page one, and c edited (imported by b, which only page two uses):
    # exactly one block runs, page two's, with the new code; page one shows the new prose
    page = project / "docs" / "one.md"
    page.write_text(page.read_text().replace("Prose about a figure.", "Edited prose."))
    write(project / "snippets" / "c.py", "def base():\n    return 99\n")
    executed, site = build(project)
    assert executed == 1
    assert "Edited prose." in (site / "one" / "index.html").read_text()
    assert "The answer is 100." in (site / "two" / "index.html").read_text()

    # a figure file changed behind the cache's back (here: deleted) is drawn again
    (project / ".cache" / "figures" / "one-figure-light.svg").unlink()
    assert build(project)[0] == 1

    # the cache is safe to delete: everything runs again and gives the same images
    shutil.rmtree(project / ".cache")
    executed, site = build(project)
    assert executed == 2
    assert (site / "figures" / "one-figure-light.svg").read_bytes() == first_image


def test_the_closing_line_counts_blocks_and_notebooks_executed_and_cached(project):
    write(
        project / "docs" / "notebooks" / "tiny.ipynb",
        json.dumps(notebook(["print(6 * 7)"])),
    )
    result = mkdocs_build(project / "mkdocs.yml", project / "site", project / ".cache")
    assert (
        "code blocks: 2 executed, 0 from cache; notebooks: 1 executed, 0 from cache"
        in result.stderr
    )
    result = mkdocs_build(project / "mkdocs.yml", project / "site", project / ".cache")
    assert (
        "code blocks: 0 executed, 2 from cache; notebooks: 0 executed, 1 from cache"
        in result.stderr
    )
    run = json.loads(
        (project / "site" / "notebooks" / "tiny" / "tiny.ipynb").read_text()
    )
    assert run["cells"][0]["outputs"][0]["text"] == "42\n"


DAMAGES = [
    "truncated",
    "empty",
    "valid JSON, changed",
    "valid JSON, checksum changed too",
    "unreadable",
]
NUMBERS_PAGE = "# Numbers\n\n" + "\n".join(
    f'```python exec="on" id="number-{k}"\nprint("The number is {k}.")\n```\n'
    for k in range(len(DAMAGES))
)


def damage(entry, how):
    good = entry.read_text()
    if how == "truncated":
        entry.write_text(good[: len(good) // 2])
    elif how == "empty":
        entry.write_text("")
    elif how.startswith("valid JSON"):
        stored = json.loads(good)
        stored["content"]["output"] = (
            "The number is 666.\n"  # published as it is, before
        )
        if how.endswith("too"):
            stored["sha256"] = "0" * 64
        entry.write_text(json.dumps(stored))
    else:
        entry.unlink()
        entry.mkdir()  # reading it fails with an OSError


def test_a_damaged_cache_entry_is_run_again_with_one_warning_naming_it(tmp_path):
    # five blocks, their five entries damaged five ways, one build to recover from all of them
    project = make_project(tmp_path, {**PAGES, "numbers.md": NUMBERS_PAGE})
    build(project)
    entries = {}
    for entry in (project / ".cache" / "blocks").glob("*.json"):
        for k, how in enumerate(DAMAGES):
            if f"The number is {k}." in entry.read_text():
                entries[how] = entry
    assert sorted(entries) == sorted(DAMAGES)
    for how, entry in entries.items():
        damage(entry, how)
    result = mkdocs_build(project / "mkdocs.yml", project / "site", project / ".cache")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    warnings = [
        line
        for line in result.stderr.splitlines()
        if line.startswith("WARNING -  cache entry")
    ]
    assert len(warnings) == len(DAMAGES), warnings
    for how, entry in entries.items():
        [warning] = [w for w in warnings if str(entry) in w]
        assert "deleting .cache/ is always safe" in warning, how
    # a folder in the way cannot be replaced either, and says so
    assert f"cannot write the cache entry {entries['unreadable']}" in result.stderr
    assert "code blocks: 5 executed, 2 from cache" in result.stderr
    page = (project / "site" / "numbers" / "index.html").read_text()
    assert (
        all(f"The number is {k}." in page for k in range(len(DAMAGES)))
        and "The number is 666" not in page  # (the lightbox's inline CSS has a #666)
    )
    entries["unreadable"].rmdir()
    result = mkdocs_build(project / "mkdocs.yml", project / "site", project / ".cache")
    assert "WARNING" not in result.stderr, "the next build is quiet again"


def test_a_truncated_entry_of_mkdocs_jupyters_cache_is_made_again(project):
    write(
        project / "docs" / "notebooks" / "tiny.ipynb",
        json.dumps(notebook(["print(6 * 7)"])),
    )
    build(project)
    pages = sorted((project / ".cache" / "notebook-pages").glob("*.json"))
    assert pages and all((p.parent / (p.name + ".sha256")).is_file() for p in pages)
    pages[0].write_text(pages[0].read_text()[:100])  # as a full disk left it
    result = mkdocs_build(project / "mkdocs.yml", project / "site", project / ".cache")
    assert result.returncode == 0, result.stderr
    assert f"cache entry {pages[0]}" in result.stderr
    assert "42" in (project / "site" / "notebooks" / "tiny" / "index.html").read_text()


def notebook(cells):
    return {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": None,
                "id": str(i),
                "metadata": {},
                "outputs": [],
                "source": s,
            }
            for i, s in enumerate(cells)
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


def test_a_notebook_cell_that_raises_fails_the_build_naming_the_notebook_and_cell(
    project,
):
    cells = [
        "total = 41",
        "print(total + 1)",
        "raise ValueError(f'lr must be positive, got {-total}')",
    ]
    write(project / "docs" / "notebooks" / "broken.ipynb", json.dumps(notebook(cells)))
    result = mkdocs_build(project / "mkdocs.yml", project / "site", project / ".cache")
    assert result.returncode != 0
    assert "broken.ipynb: code cell 3 raised ValueError" in result.stderr
    assert "ValueError: lr must be positive, got -41" in result.stderr


# -- faults: every way a page's code can go wrong fails the build, naming the page and block ------

FAULTS = {
    "raises": ("raise ValueError('lr must be positive, got -41')", "raised ValueError"),
    "keyboard-interrupt": ("raise KeyboardInterrupt", "raised KeyboardInterrupt"),
    "exits": (
        "import sys\nsys.exit(0)",
        "called sys.exit(0): a block must not end the build",
    ),
    "underscore-exits": ("import os\nos._exit(3)", "died: it exited with status 3"),
    "kills-itself": (
        "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)",
        "was killed by SIGKILL",
    ),
    "loops-forever": (
        "while True:\n    pass",
        "ran for more than 4 s, the time limit (SGD_BLOCK_TIMEOUT",
    ),
    "changes-directory": (
        "import os\nos.chdir('/tmp')",
        "changed the working directory",
    ),
    "catches-its-chdir": (
        "import os\ntry:\n    os.chdir('/tmp')\nexcept PermissionError:\n    pass\nprint('fine')",
        "changed the working directory",
    ),
    "writes-into-docs": (
        "open('docs/one.md', 'a').write('more')",
        "may not write into docs/",
    ),
    "removes-from-docs": (
        "import os\nos.remove('docs/one.md')",
        "may not change docs/",
    ),
    "unbalanced-html": (
        "print('<strong>bold, and never closed')",
        "HTML is unbalanced: <strong>",
    ),
    "climbs-out": (
        'print(\'<img src="figures/../../../etc/passwd" alt="x">\')',
        "is not a file of the figures folder",
    ),
    "elsewhere": (
        'print(\'<img src="/etc/hosts" alt="x">\')',
        "is not a file of the figures folder",
    ),
    "figure-not-drawn": (
        'print(\'<img src="figures/missing.svg" alt="x">\')',
        "which it did not draw",
    ),
}


def faulty_page():
    # draws one-figure, which page one's block draws
    figure = (
        "from snippets import a\nfrom snippets.drawing import render\n"
        'print(render.figure(a.plot, name="one-figure", alt="The same figure, drawn again."))\n'
    )
    extra = [
        f'```python exec="on" html="on" id="draws-a-taken-figure"\n{figure}```\n',
        '```python exec="on" id="uses-a-session" session="s"\nprint(1)\n```\n',
    ]
    blocks = [
        f'```python exec="on" html="on" id="{name}"\n{code}\n```\n'
        for name, (code, _) in FAULTS.items()
    ]
    return "# Faults\n\n" + "\n".join(blocks + extra)


@pytest.fixture(scope="module")
def faulty_build(tmp_path_factory):
    """One build of a site whose page has every fault above, each in a block of its own."""
    folder = make_project(
        tmp_path_factory.mktemp("faults"), {**PAGES, "faults.md": faulty_page()}
    )
    docs_before = {
        p: p.read_bytes() for p in (folder / "docs").rglob("*") if p.is_file()
    }
    result = mkdocs_build(
        folder / "mkdocs.yml",
        folder / "site",
        folder / ".cache",
        {"SGD_BLOCK_TIMEOUT": "4"},
    )
    return folder, result, docs_before


def test_a_faulty_page_fails_the_build_with_a_nonzero_status(faulty_build):
    _, result, _ = faulty_build
    assert result.returncode != 0
    assert "Aborted with" in result.stdout and "strict mode" in result.stdout


@pytest.mark.parametrize("name", sorted(FAULTS))
def test_each_fault_is_reported_with_its_page_block_and_reason(faulty_build, name):
    _, result, _ = faulty_build
    reports = [
        r
        for r in result.stderr.split("WARNING -  ")
        if f"docs/faults.md, block '{name}'" in r
    ]
    assert len(reports) == 1, f"{name}: {len(reports)} reports"
    assert FAULTS[name][1] in reports[0], reports[0][-1500:]
    assert (
        "BrokenProcessPool" not in reports[0]
        and "sitebuild/" not in reports[0].split("Output is:")[1]
    )


def test_the_other_pages_build_and_nothing_in_docs_changes(faulty_build):
    folder, _, docs_before = faulty_build
    assert "The answer is 42." in (folder / "site" / "two" / "index.html").read_text()
    assert {
        p: p.read_bytes() for p in (folder / "docs").rglob("*") if p.is_file()
    } == docs_before
    assert not list(folder.parent.rglob("etc/passwd")), (
        "a file was copied from outside the project"
    )


@pytest.mark.parametrize(
    "pages,message",
    [
        (
            {"one.md": '# One\n\n```python exec="on"\nprint(1)\n```\n'},
            "docs/one.md, line 3: an executed block needs an id",
        ),
        (
            {
                "one.md": PAGES["one.md"],
                "two.md": PAGES["one.md"].replace("# One", "# Two"),
            },
            (
                "docs/two.md, block 'one-figure': the id 'one-figure' is taken by "
                "docs/one.md, block 'one-figure'"
            ),
        ),
    ],
    ids=["no id", "an id twice"],
)
def test_every_block_needs_an_id_unique_in_the_site(tmp_path, pages, message):
    folder = make_project(tmp_path, pages)
    result = mkdocs_build(folder / "mkdocs.yml", folder / "site", folder / ".cache")
    assert result.returncode != 0 and message in result.stderr


def test_two_blocks_drawing_one_figure_fail_naming_both(faulty_build):
    _, result, _ = faulty_build
    first, second = (
        "docs/faults.md, block 'draws-a-taken-figure'",
        "docs/one.md, block 'one-figure'",
    )
    report = next(
        r
        for r in result.stderr.split("WARNING -  ")
        if "which another" in r or "draws too" in r
    )
    assert "figures/one-figure-" in report and first in report and second in report, (
        report
    )


def test_a_block_may_not_use_a_session(faulty_build):
    _, result, _ = faulty_build
    assert (
        "block 'uses-a-session' uses session='s': each block must stand alone"
        in result.stderr
    )


# -- stopping the build leaves nothing of it running ----------------------------------------------


def processes_of(pid):
    """The pids of `pid`'s descendants, from /proc (Linux)."""
    children = {}
    for stat in (p for p in os.listdir("/proc") if p.isdigit()):
        try:
            fields = Path(f"/proc/{stat}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def alive(pid):
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGKILL)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_stopping_the_build_leaves_no_process_of_it_alive(tmp_path):
    # three builds at once, each stopped by one signal while its workers run a long block
    page = '# Slow\n\n```python exec="on" id="slow"\nimport time\ntime.sleep(60)\n```\n'
    builds = {}
    for how in SIGNALS:
        folder = make_project(tmp_path / how.name, {"slow.md": page, **PAGES})
        cmd, env = mkdocs_command(
            folder / "mkdocs.yml", folder / "site", folder / ".cache"
        )
        builds[how] = subprocess.Popen(
            cmd,
            cwd=folder,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    try:
        families = {}
        for how, main in builds.items():
            deadline = time.monotonic() + 60
            while (
                len(processes_of(main.pid)) < 3 and time.monotonic() < deadline
            ):  # forkserver, workers
                time.sleep(0.2)
            families[how] = processes_of(main.pid)
            assert len(families[how]) >= 3, "the build never started its workers"
        time.sleep(1)  # the workers are running the blocks
        for how, main in builds.items():
            main.send_signal(how)
        for main in builds.values():
            main.wait(timeout=30)
        deadline = time.monotonic() + 5
        everyone = [p for family in families.values() for p in family]
        while any(alive(p) for p in everyone) and time.monotonic() < deadline:
            time.sleep(0.1)
        for how, family in families.items():
            assert not [p for p in family if alive(p)], (
                f"still alive 5 s after {how.name}"
            )
    finally:
        for main in builds.values():
            for p in processes_of(main.pid):
                os.kill(p, signal.SIGKILL)
            main.kill()


def test_mkdocs_serve_does_not_loop_on_a_block_that_writes_into_docs(tmp_path):
    page = '# Writes\n\n```python exec="on" id="writes"\nopen("docs/two.md", "a").write("x")\n```\n'
    folder = make_project(tmp_path, {"writes.md": page, **PAGES})
    cmd, env = mkdocs_command(folder / "mkdocs.yml", folder / "site", folder / ".cache")
    with socket.socket() as probe:  # a free port
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    serve = [
        *cmd[: cmd.index("build")],
        "serve",
        "-f",
        str(folder / "mkdocs.yml"),
        "-a",
        f"127.0.0.1:{port}",
    ]
    log = tmp_path / "serve.log"
    with open(log, "w") as out:
        process = subprocess.Popen(
            serve, cwd=folder, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 60
        while "Serving on" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.3)
        time.sleep(4)  # long enough for a rebuild to start, if the docs changed
        text = log.read_text()
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    assert "Serving on" in text, text[-3000:]
    assert text.count("Building documentation") == 1, text[-3000:]
    assert "may not write into docs/" in text
    assert (folder / "docs" / "two.md").read_text() == textwrap.dedent(
        PAGES["two.md"]
    ).lstrip()
