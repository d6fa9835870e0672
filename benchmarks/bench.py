"""Measure the build and the tests; print a Markdown table (and, with --readme, put it in README.md).

Run by hand, never by the tests:  .venv/bin/python benchmarks/bench.py [--readme]

It copies the files git tracks into a temporary folder and works there, so the prose and snippet
edits it times never touch your working tree, and its cold build starts from an empty cache.
"""

import argparse
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
TARGETS = {"cold build": 60, "rebuild, nothing changed": 5, "test suite": 90}
README_START, README_END = "<!-- benchmark:start -->", "<!-- benchmark:end -->"


def copy_tracked(dest):
    files = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split("\0")
    for name in filter(None, files):
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, dest / name)


def timed(cmd, cwd):
    # NO_MKDOCS_2_WARNING: Material's end-of-life notice, printed by every build (CONTRIBUTING.md,
    # "The platform's future"), kept out of the logs this script reads
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    env.pop("SGD_CACHE_DIR", None)
    start = time.perf_counter()
    result = subprocess.run(
        cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(
            f"{' '.join(cmd)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    return seconds, result.stdout + result.stderr


def build(cwd):
    seconds, log = timed([sys.executable, "-m", "mkdocs", "build", "--strict"], cwd)
    m = re.search(
        r"code blocks: (\d+) run, (\d+) from cache \((\d+) of those.*notebooks run: (\d+)",
        log,
    )
    ran = int(m[1]) + int(m[3])
    return seconds, f"{ran} of {int(m[1]) + int(m[2])} blocks run, {m[4]} notebooks run"


def append(path, text):
    path.write_text(path.read_text() + text)


def measure(work):
    rows = []

    def add(row):  # and show it at once: the whole run takes a quarter of an hour
        rows.append(row)
        print(*row, sep=" | ", file=sys.stderr, flush=True)

    chapter = next(
        p for p in sorted((work / "docs").glob("*.md")) if 'exec="on"' in p.read_text()
    )
    module = work / "snippets" / "fit_line.py"
    add(("cold build", *build(work)))
    add(("rebuild, nothing changed", *build(work)))
    append(chapter, "\nOne more sentence of prose.\n")
    add((f"rebuild after a prose edit ({chapter.name})", *build(work)))
    append(module, "\n# an edit\n")
    add((f"rebuild after a snippet edit ({module.name})", *build(work)))
    pytest = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    seconds, log = timed(pytest, work)  # the block cache warm, as after `mkdocs serve`
    add(("test suite", seconds, re.findall(r"(\d+ passed[^\n=]*)", log)[-1].strip()))
    shutil.rmtree(work / ".cache")
    seconds, log = timed(pytest, work)  # a fresh clone, as in CI: two cold builds
    add(
        (
            "test suite, empty cache (as CI)",
            seconds,
            re.findall(r"(\d+ passed[^\n=]*)", log)[-1].strip(),
        )
    )
    return rows


NOTEBOOK_RUNS = """
import json, sys, time
from pathlib import Path
sys.path.insert(0, ".")
from sitebuild import runner  # what the build's workers run a notebook with
import nbclient, nbformat
import torch, torch._dynamo  # the build's workers have these loaded before a notebook starts
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
    import json

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


def table(rows, site, notebooks):
    versions = ", ".join(
        f"{p} {metadata.version(p)}" for p in ("torch", "mkdocs", "matplotlib")
    )
    lines = [
        (
            f"Measured {date.today()} by `benchmarks/bench.py` on {os.cpu_count()} cores, "
            f"Python {platform.python_version()}, {versions}."
        ),
        "",
        "| what | seconds | target | notes |",
        "|---|---:|---:|---|",
    ]
    for what, seconds, note in rows:
        target = TARGETS.get(what)
        lines.append(
            f"| {what} | {seconds:.1f} | {f'≤ {target}' if target else ''} | {note} |"
        )
    return "\n".join([*lines, "", *notebooks, "", *image_sizes(site)])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--readme", action="store_true", help="write the table into README.md"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        copy_tracked(work)
        rows = measure(work)
        text = table(rows, work / "site", notebook_times(work))
    print(text)
    if args.readme:
        readme = ROOT / "README.md"
        before, rest = readme.read_text().split(README_START)
        _, after = rest.split(README_END)
        text = f"{before}{README_START}\n{text}\n{README_END}{after}"
        # the figures the README's first paragraph quotes
        seconds = {what: s for what, s, _ in rows}
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
