"""Measure the build and the tests; print Markdown tables (and, with --readme, put them in README.md).

Run by hand, never by the tests, and only on an idle machine:
    .venv/bin/python benchmarks/bench.py [--readme] [--against REV]

With --against, the same run also makes a cold build and runs the test suite on the files of the
commit REV (say, main before new chapters were merged), and reports what the tree costs against it.

It copies the files git tracks into a temporary folder and works there, so the prose and snippet
edits it times never touch your working tree, and its cold build starts from an empty cache. Every
ratio compares two measurements of the same run.
"""

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README_START, README_END = "<!-- benchmark:start -->", "<!-- benchmark:end -->"
COUNTS = re.compile(
    r"code blocks: (\d+) executed, (\d+) from cache; notebooks: (\d+) executed, (\d+) from cache"
)


def copy_tracked(dest):
    files = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split("\0")
    for name in filter(None, files):
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, dest / name)


def copy_commit(rev, dest):
    """The files of commit `rev`, as `git archive` gives them."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", rev],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)


def timed(cmd, cwd, **env):
    # NO_MKDOCS_2_WARNING: Material's end-of-life notice, printed by every build (CONTRIBUTING.md,
    # "The platform's future"), kept out of the logs this script reads
    environment = {**os.environ, "NO_MKDOCS_2_WARNING": "1", **env}
    environment.pop("SGD_CACHE_DIR", None)
    start = time.perf_counter()
    result = subprocess.run(
        cmd, cwd=cwd, env=environment, capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(
            f"{' '.join(map(str, cmd))} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    return seconds, result.stdout + result.stderr


def build(cwd, **env):
    seconds, log = timed(
        [sys.executable, "-m", "mkdocs", "build", "--strict"], cwd, **env
    )
    executed, cached, nb_executed, nb_cached = map(int, COUNTS.search(log).groups())
    blocks = f"{executed} of {executed + cached} blocks executed"
    return seconds, f"{blocks}, {nb_executed} of {nb_executed + nb_cached} notebooks"


FLOOR = """
import json, os, sys, time
os.environ["MKL_CBWR"] = "COMPATIBLE"
os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = "1"
sys.path.insert(0, ".")
from pathlib import Path
import torch, torch._dynamo, matplotlib.figure  # warm: what a worker has loaded
from sitebuild import runner, sources

def main():
    blocks = notebooks = 0.0
    for page in sorted(Path("docs").rglob("*.md")):
        for block in sources.executed_blocks(page.read_text()):
            start = time.perf_counter()
            runner.run_block(block.code, block.id, "docs")
            blocks += time.perf_counter() - start
    for path in sorted(Path("docs/notebooks").glob("*.ipynb")):
        start = time.perf_counter()
        runner.run_notebook(path.read_text(), path.name, "docs")
        notebooks += time.perf_counter() - start
    print("floor", json.dumps([blocks, notebooks]))

if __name__ == "__main__":  # the data-parallel block starts processes that import this
    main()
"""


def block_work(work):
    """Seconds of every block, then every notebook, run back to back in one warm process."""
    _, log = timed(
        [sys.executable, "-c", FLOOR], work, SGD_CACHE_DIR=str(work / ".floor-cache")
    )
    shutil.rmtree(work / ".floor-cache", ignore_errors=True)
    return json.loads(
        next(line for line in log.splitlines() if line.startswith("floor "))[6:]
    )


def append(path, text):
    path.write_text(path.read_text() + text)


def passed(log):
    return re.findall(r"(\d+ passed[^\n=]*)", log)[-1].strip()


PYTEST = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]


def measure(work):
    """(what, seconds, ratio, target, notes) rows, and the cold build's breakdown."""
    rows, seconds = [], {}

    def add(
        what, took, note="", ratio=None, target=None
    ):  # shown at once: the run takes minutes
        seconds[what] = took
        rows.append((what, took, ratio, target, note))
        print(what, f"{took:.1f}", note, file=sys.stderr, flush=True)

    breakdown = work / "timings.json"
    add("cold build", *build(work, SGD_TIMINGS=str(breakdown)))
    cold = seconds["cold build"]
    timings = json.loads(breakdown.read_text())
    add("rebuild, nothing changed", *build(work))
    rows[-1] = (
        *rows[-1][:2],
        seconds["rebuild, nothing changed"] / cold,
        "≤ 0.15",
        rows[-1][4],
    )
    chapter = next(
        p for p in sorted((work / "docs").glob("*.md")) if 'exec="on"' in p.read_text()
    )
    append(chapter, "\nOne more sentence of prose.\n")
    took, note = build(work)
    add(f"rebuild after a prose edit ({chapter.name})", took, note, took / cold)
    # an edit of one chapter's drawing runs that page's blocks only; one of a lesson, the blocks
    # that use it (Fit a line's lesson: nearly every block of the site)
    for module in (
        "snippets/drawing/gradients.py",
        "snippets/gradients.py",
        "snippets/fit_line.py",
    ):
        original = (work / module).read_text()
        append(work / module, "\n\ndef an_edit():\n    return None\n")
        took, note = build(work)
        add(f"rebuild after an edit of {module}", took, note, took / cold)
        # the tests below run on the project as it is
        (work / module).write_text(original)
    build(work)  # and the cache again holds every block of it
    blocks, notebooks = block_work(work)
    cores = os.cpu_count() or 1
    floor = (blocks + notebooks) / cores + seconds["rebuild, nothing changed"]
    add(
        "floor of the cold build",
        floor,
        f"{blocks:.1f} s of blocks and {notebooks:.1f} s of notebooks back to back in one warm process, "
        f"over {cores} cores, plus the no-change rebuild",
    )
    rows.append(("cold build against its floor", cold, cold / floor, "≤ 1.3", ""))

    took, log = timed(
        [*PYTEST, "-m", "not site"], work
    )  # the claims, without building anything
    rows.append(
        ('tests of the claims (-m "not site")', took, took / cold, "≤ 1", passed(log))
    )
    took, log = timed(PYTEST, work)  # the block cache warm, as after `mkdocs serve`
    rows.append(("test suite", took, took / cold, "≤ 3", passed(log)))
    shutil.rmtree(work / ".cache")
    took, log = timed(PYTEST, work)  # a fresh clone, as in CI: two cold builds
    rows.append(("test suite, empty cache (as CI)", took, took / cold, "", passed(log)))
    return rows, timings


def against(rows, rev, work):
    """Rows of what the tree costs against commit `rev`: its cold build and its test suite."""
    seconds = {what: took for what, took, *_ in rows}
    name = subprocess.run(
        ["git", "rev-parse", "--short", rev],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    copy_commit(rev, work)
    took, note = build(work)
    added = [
        (f"cold build at {name}", took, None, None, note),
        (
            f"cold build against {name}'s",
            seconds["cold build"],
            seconds["cold build"] / took,
            "≤ 1.4",
            "",
        ),
    ]
    print(added[0][0], f"{took:.1f}", file=sys.stderr, flush=True)
    took, log = timed(PYTEST, work)  # its block cache warm, as the tree's suite ran
    added += [
        (f"test suite at {name}", took, None, None, passed(log)),
        (
            f"test suite against {name}'s",
            seconds["test suite"],
            seconds["test suite"] / took,
            "≤ 1.4",
            "",
        ),
    ]
    return added


NOTEBOOK_RUNS = """
import json, sys, time
from pathlib import Path
sys.path.insert(0, ".")
from sitebuild import runner  # what the build's workers run a notebook with
import nbclient, nbformat
import torch, torch._dynamo  # warm, as a worker is after its first notebook
for path in sorted(Path("docs/notebooks").glob("*.ipynb")):
    start = time.perf_counter()
    runner.run_notebook(path.read_text(), path.name, "docs")
    ours = time.perf_counter() - start
    start = time.perf_counter()
    nbclient.NotebookClient(nbformat.read(path, as_version=4), timeout=600, kernel_name="python3",
                            allow_errors=False).execute()
    print("notebook-time", json.dumps([path.name, ours, time.perf_counter() - start]))
"""


def notebook_times(work):
    """Seconds to run each notebook top to bottom: in the build's runner (torch loaded) and in a
    fresh Jupyter kernel via nbclient (which starts Python and imports torch first)."""
    _, log = timed([sys.executable, "-c", NOTEBOOK_RUNS], work)
    rows = [
        json.loads(line.split(" ", 1)[1])
        for line in log.splitlines()
        if line.startswith("notebook-time ")
    ]
    lines = [
        "| notebook | seconds, build's runner | seconds, Jupyter kernel (nbclient) |",
        "|---|---:|---:|",
    ]
    lines += [
        f"| `{name}` | {ours:.1f} | {kernel:.1f} |" for name, ours, kernel in rows
    ]
    total = [sum(r[i] for r in rows) for i in (1, 2)]
    lines.append(f"| all {len(rows)} | {total[0]:.1f} | {total[1]:.1f} |")
    return lines


def image_sizes(site):
    lines = [
        "| page | images | KB of images | largest image (KB) |",
        "|---|---:|---:|---|",
    ]
    for page in sorted(site.rglob("index.html")):
        if page.parent.parent.name == "notebooks":
            continue  # a notebook's page shows its chapter's code and printed output: no images
        srcs = set(re.findall(r'<img [^>]*src="([^"#]+)', page.read_text()))
        files = [f for f in ((page.parent / s).resolve() for s in srcs) if f.is_file()]
        total = sum(f.stat().st_size for f in files)
        name = page.parent.relative_to(site).as_posix()
        name = "(home)" if name == "." else name
        big = max(files, key=lambda f: f.stat().st_size, default=None)
        largest = f"`{big.name}` ({big.stat().st_size / 1000:.0f})" if big else ""
        lines.append(f"| {name} | {len(files)} | {total / 1000:.0f} | {largest} |")
    return lines


def breakdown_table(timings, cold):
    lines = [
        (
            f"Where the cold build's {cold:.1f} s went (the build's own clock, `SGD_TIMINGS`; the "
            "run ahead overlaps the pages, so the rows do not add up):"
        ),
        "",
        "| part | seconds |",
        "|---|---:|",
    ]
    lines += [f"| {part} | {value:.1f} |" for part, value in timings.items()]
    return lines


def table(rows, timings, site, notebooks):
    versions = ", ".join(
        f"{p} {metadata.version(p)}" for p in ("torch", "mkdocs", "matplotlib")
    )
    lines = [
        (
            f"Measured {date.today()} by `benchmarks/bench.py` on {os.cpu_count()} cores, Python "
            f"{platform.python_version()}, {versions}; ratios are to the cold build of the same run."
        ),
        "",
        "| what | seconds | ratio | target | notes |",
        "|---|---:|---:|---:|---|",
    ]
    for what, seconds, ratio, target, note in rows:
        shown = "" if ratio is None else f"{ratio:.2f}"
        lines.append(f"| {what} | {seconds:.1f} | {shown} | {target or ''} | {note} |")
    cold = rows[0][1]
    return "\n".join(
        [
            *lines,
            "",
            *breakdown_table(timings, cold),
            "",
            *notebooks,
            "",
            *image_sizes(site),
        ]
    )


def lighthouse_table(site):
    """Lighthouse on every page of the cold build's site (benchmarks/lighthouse.py), if it can run."""
    sys.path.insert(0, str(Path(__file__).parent))
    import lighthouse

    if not (shutil.which("npm") and Path(lighthouse.CHROMIUM).is_file()):
        return ["Lighthouse not run: it needs npm and Debian's Chromium."]
    return lighthouse.table(site)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--readme", action="store_true", help="write the tables into README.md"
    )
    parser.add_argument(
        "--against",
        metavar="REV",
        help="also measure the cold build and the test suite at commit REV, and compare",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        copy_tracked(work)
        rows, timings = measure(work)
        if args.against:
            with tempfile.TemporaryDirectory() as before:
                rows += against(rows, args.against, Path(before))
        text = table(rows, timings, work / "site", notebook_times(work))
        text += "\n\n" + "\n".join(lighthouse_table(work / "site"))
    print(text)
    if args.readme:
        readme = ROOT / "README.md"
        before, rest = readme.read_text().split(README_START)
        _, after = rest.split(README_END)
        text = f"{before}{README_START}\n{text}\n{README_END}{after}"
        # the figures the README's first paragraph quotes
        seconds = {what: s for what, s, *_ in rows}
        for marker, what in (
            ("cold", "cold build"),
            ("rebuild", "rebuild, nothing changed"),
        ):
            text = re.sub(
                rf"<!-- bench:{marker} -->.*?<!-- /bench -->",
                f"<!-- bench:{marker} -->{seconds[what]:.1f} s<!-- /bench -->",
                text,
            )
        readme.write_text(text)


if __name__ == "__main__":
    main()
