"""One build's code: what runs, where, and what each page is shown.

`Build` is made when a build starts and ended when it finishes (hooks.py). It plans every block and
notebook of the site, checking that each executed block has an `id`, unique across the site, so
that every error names a page and a block. What is not cached runs in the pool, in a thread of its
own, while MkDocs goes on rendering pages: a page that needs a block still running waits for that
block alone. Each output is checked before a page shows it, and the closing line counts what ran
and what came from the cache.
"""

import json
import logging
import os
import sys
import threading
import time
from pathlib import Path

import markdown_exec
from pymdownx.superfences import SuperFencesException

from sitebuild import checks, keys, notebook_pages, sources
from sitebuild.cache import (
    Cache,
    check_foreign,
    seal_foreign,
    write_whole,
)
from sitebuild.pool import Pool, Task

log = logging.getLogger("mkdocs.plugins.sitebuild")


class BuildError(Exception):
    """The build cannot go on: the message says which page and block, or which notebook and cell."""


def render_order(uri):
    """The order of the pages, for MkDocs to render them in and for their blocks to run in: the home
    page, then the notebooks (they run in a moment, and converting them takes the build's process
    over a second, better spent while the workers still have blocks to run), then the rest by path.
    Python's sort is stable, so files that are not pages keep their order."""
    return (
        uri != "index.md",
        not uri.endswith(".ipynb"),
        uri if uri.endswith((".md", ".ipynb")) else "",
    )


def _snapshot(folder):
    return {
        p: (p.stat().st_mtime_ns, p.stat().st_size)
        for p in Path(folder).rglob("*")
        if p.is_file()
    }


def looks_cold(cache=None):
    """Whether the block cache holds nothing yet (a fresh clone, or a deleted cache): then every
    block will run, and the workers can start before the pages are even read."""
    blocks = (cache or Cache()).root / "blocks"
    return not blocks.is_dir() or next(blocks.iterdir(), None) is None


class Build:
    """The state of one build, and nothing that outlives it."""

    def __init__(
        self,
        docs_dir,
        cache=None,
        figures_url="figures/",
        foreign_caches=(),
        site_url=None,
    ):
        self.docs = Path(docs_dir)
        # where the site is published, for the notebooks' links to their chapters: mkdocs.yml
        # takes site_url from SITE_URL (the deploy workflow sets it), and so does this by default
        self.site_url = site_url if site_url is not None else os.environ.get("SITE_URL")
        self.cache = cache or Cache()
        self.figures_url = figures_url
        self.foreign = [Path(f) for f in foreign_caches]
        self.results = {}  # key -> Result of a block or notebook run in this build
        self.cached = {}  # key -> output of a block found in the cache when planning
        self.seen = set()  # the key of every block of the site
        self.notebooks = {}  # notebook src_uri -> (key, file name)
        self.ids = {}  # block id -> label of the block that has it
        self.owners = {}  # figure file -> label of the block that draws it
        self.counts = dict.fromkeys(
            ("executed", "cached", "notebooks executed", "notebooks cached"), 0
        )
        self.page = None  # the page being rendered: set by hooks.on_page_markdown
        self.pool, self.thread, self.failure = None, None, None
        self.pending = set()  # keys running ahead, not finished yet
        self.ready = threading.Condition()
        self.timings = {"start": time.perf_counter()}
        self.docs_before = _snapshot(self.docs)
        keys.version.cache_clear()  # a library upgraded under `mkdocs serve` counts from now
        # an edited snippet module takes effect in this build: forget the ones imported before
        for name in [
            m for m in sys.modules if m == "snippets" or m.startswith("snippets.")
        ]:
            del sys.modules[name]
        for folder in self.foreign:
            check_foreign(folder)

    # -- planning ----------------------------------------------------------------------------

    def plan(self, pages, notebooks):
        """The tasks of every uncached block of `pages` ({src_uri: markdown}) and notebook of
        `notebooks` ({src_uri: path}), after checking that every block has an id, unique in the site.

        They come in the order MkDocs renders the pages (the order of src_uri, as MkDocs sorts its
        files), so that the pages can be rendered while later pages' blocks still run."""
        tasks = []
        for uri in sorted(pages.keys() | notebooks.keys(), key=render_order):
            if uri in notebooks:
                tasks += self._plan_notebook(uri, notebooks[uri])
                continue
            for block in sources.executed_blocks(pages[uri]):
                if not block.id:
                    raise BuildError(
                        f'docs/{uri}, line {block.line}: an executed block needs an id (id="..."), '
                        "so that an error can name it"
                    )
                label = f"docs/{uri}, block '{block.id}'"
                if self.ids.setdefault(block.id, label) != label:
                    raise BuildError(
                        f"{label}: the id '{block.id}' is taken by {self.ids[block.id]}; "
                        "ids are unique in the site"
                    )
                key = keys.block_key(block.code)
                if key not in self.seen:
                    output = self.cache.block(key)
                    if output is None:
                        tasks.append(Task(key, "block", block.code, label, block.id))
                    else:
                        self.cached[key] = output
                self.seen.add(key)
        return tasks

    def _plan_notebook(self, uri, path):
        name = Path(path).name
        text = notebook_pages.with_chapter_link(Path(path).read_text(), self.site_url)
        key = keys.notebook_key(text)
        self.notebooks[uri] = (key, name)
        if self.cache.notebook(key, name) is None:
            return [Task(key, "notebook", text, f"docs/{uri}", name)]
        self.counts["notebooks cached"] += 1
        return []

    # -- running -----------------------------------------------------------------------------

    def run_ahead(self, pages, notebooks):
        """Start running every uncached block and notebook, in parallel, in the background."""
        tasks = self.plan(pages, notebooks)
        self.timings["planned"] = time.perf_counter()
        if tasks:
            self.pending = {t.key for t in tasks}
            self.thread = threading.Thread(
                target=self._background, args=(tasks,), daemon=True
            )
            self.thread.start()

    def _background(self, tasks):
        try:
            self._run(tasks)
        except BaseException as error:  # the pages waiting for it must hear of it
            self.failure = error
        finally:
            with self.ready:
                self.pending.clear()
                self.ready.notify_all()
            self.timings["ran ahead"] = time.perf_counter()

    def _run(self, tasks):
        if self.pool is None:
            self.pool = Pool(min(len(tasks), os.cpu_count() or 1), self.docs)
        for result in self.pool.run(tasks):
            kind = result.task.kind
            if result.ok and kind == "block":
                problems, figures = self._problems(result.value)
                if problems:
                    result.ok, result.value = False, problems
                else:
                    self.cache.put_block(result.task.key, result.value, figures)
            elif result.ok:
                self.cache.put_notebook(result.task.key, result.task.name, result.value)
            with self.ready:
                self.results[result.task.key] = result
                self.counts[
                    "executed" if kind == "block" else "notebooks executed"
                ] += 1
                self.pending.discard(result.task.key)
                self.ready.notify_all()

    def _result(self, key):
        """The result of `key`'s run in this build, waiting for it if it is running ahead."""
        with self.ready:
            while key in self.pending:
                self.ready.wait()
        if self.failure is not None:
            raise BuildError(
                f"running the blocks ahead failed: {self.failure!r}"
            ) from self.failure
        return self.results.get(key)

    def _problems(self, output):
        """Why a block's output cannot be shown ("" if it can), and the figures it shows."""
        figures, bad = checks.figure_names(output, self.figures_url)
        figures = checks.with_frames(
            figures, self.cache.figures
        )  # an explorable's, too
        problems = [
            f"it shows {src!r}, which is not a file of the figures folder ({self.figures_url}<name>)"
            for src in bad
        ]
        problems += [f"its HTML is unbalanced: {p}" for p in checks.unbalanced(output)]
        missing = [n for n in sorted(figures) if not (self.cache.figures / n).is_file()]
        problems += [
            f"it shows {self.figures_url}{n}, which it did not draw" for n in missing
        ]
        return "; ".join(problems), figures

    # -- what the pages are shown ----------------------------------------------------------------

    def format_python(self, **options):
        """markdown-exec's formatter for an executed Python block: its output, from this build.

        pymdownx.superfences turns any exception a fence's formatter raises, but its own, into the
        fence's code shown as text, and the build would go on to exit 0: a failure of the build
        itself (a block's own failure markdown-exec reports) stops the build, naming the block.
        """
        try:
            return markdown_exec.base_format(
                language="python", run=self._markdown_exec_run, **options
            )
        except Exception as error:
            where = f"docs/{self.page.file.src_uri}" if self.page else "a page"
            raise SuperFencesException(
                f"{where}, block {options.get('id', '')!r}: the build failed while running it: {error!r}"
            ) from error

    def _markdown_exec_run(self, code, returncode=0, session=None, id="", **extra):
        if session:
            raise markdown_exec.ExecutionError(
                f"block {id!r} uses session={session!r}: each block must stand alone"
            )
        return self.block_output(code, id)

    def block_output(self, code, block_id):
        """What the block printed, for markdown-exec to put on the page; an ExecutionError, naming
        the page and the block, if it failed or its output cannot be shown."""
        uri = self.page.file.src_uri if self.page is not None else "?"
        if not block_id:
            raise markdown_exec.ExecutionError(
                f'docs/{uri}: an executed block needs an id (id="..."), so that an error can name it'
            )
        label = f"docs/{uri}, block '{block_id}'"
        key = keys.block_key(code)
        output = self.cached.get(key)
        if output is not None:
            self.counts["cached"] += 1
        else:
            result = self._result(key)
            if result is None:  # a block that planning did not find: run it now
                if self.thread is not None:
                    self.thread.join()
                self._run([Task(key, "block", code, label, block_id)])
                result = self.results[key]
            if not result.ok:
                raise markdown_exec.ExecutionError(f"{label} failed: {result.value}")
            output = result.value
        problems, figures = self._problems(output)
        if problems:
            raise markdown_exec.ExecutionError(f"{label}: {problems}")
        for name in sorted(figures):
            if self.owners.setdefault(name, label) != label:
                raise markdown_exec.ExecutionError(
                    f"{label} draws {self.figures_url}{name}, which {self.owners[name]} draws "
                    "too: give every figure its own name"
                )
        return output

    def notebook_path(self, uri):
        """Where the run copy of the notebook `uri` is (or will be), for mkdocs-jupyter to render."""
        key, name = self.notebooks[uri]
        return self.cache.notebook_file(key, name)

    def notebook_ready(self, uri):
        """Wait until the notebook `uri` has run, and make sure its run copy is on disk; a
        BuildError naming the notebook and its cell if it failed."""
        key, name = self.notebooks[uri]
        result = self._result(key)
        if result is not None and not result.ok:
            raise BuildError(f"{result.task.label}: {result.value}")
        if self.cache.notebook(key, name) is None:
            if result is None:
                raise BuildError(f"docs/{uri}: its run is not in the cache")
            write_whole(
                self.cache.notebook_file(key, name), result.value.encode()
            )  # not cached

    # -- timing, for benchmarks/bench.py -------------------------------------------------------

    def page_started(self, page):
        self._page_start = time.perf_counter()
        self.timings.setdefault("first page", self._page_start)

    def page_rendered(self, page):
        kind = "notebook pages" if page.file.src_uri.endswith(".ipynb") else "pages"
        self.timings[kind] = (
            self.timings.get(kind, 0.0) + time.perf_counter() - self._page_start
        )

    def _write_timings(self):
        """With SGD_TIMINGS=<file>, write where this build's time went, in seconds, as JSON."""
        path = os.environ.get("SGD_TIMINGS")
        if not path:
            return
        t, start = self.timings, self.timings["start"]
        report = {
            "until the blocks are planned": t["planned"] - start,
            "running ahead, in the background": t.get("ran ahead", t["planned"])
            - t["planned"],
            "block work (summed over workers)": sum(
                r.seconds for r in self.results.values() if r.task.kind == "block"
            ),
            "notebook work (summed over workers)": sum(
                r.seconds for r in self.results.values() if r.task.kind == "notebook"
            ),
            "rendering pages (waits included)": t.get("pages", 0.0),
            "rendering notebook pages": t.get("notebook pages", 0.0),
            "after the last page": t["end"] - t["finishing"],
        }
        Path(path).write_text(json.dumps(report, indent=1) + "\n")

    # -- the end -----------------------------------------------------------------------------

    def finish(self):
        """End the build: close the pool, check that docs/ is as it was, and return the closing
        log line."""
        self.timings["finishing"] = time.perf_counter()
        if self.thread is not None:
            self.thread.join()
        self.close()
        for folder in self.foreign:
            seal_foreign(folder)
        after = _snapshot(self.docs)
        changed = sorted(
            str(p)
            for p in after.keys() | self.docs_before.keys()
            if after.get(p) != self.docs_before.get(p)
        )
        if changed:
            raise BuildError(
                f"something wrote into docs/ during the build: {', '.join(changed)}"
            )
        self.timings["end"] = time.perf_counter()
        self._write_timings()
        c = self.counts
        return (
            f"code blocks: {c['executed']} executed, {c['cached']} from cache; "
            f"notebooks: {c['notebooks executed']} executed, {c['notebooks cached']} from cache"
        )

    def close(self):
        """Stop what still runs (a build that failed, or was interrupted) and end the workers."""
        if self.pool is not None:
            self.pool.stopping = True
            if (
                self.thread is not None
                and self.thread is not threading.current_thread()
            ):
                self.thread.join(timeout=10)
            self.pool.close()
            self.pool = None
