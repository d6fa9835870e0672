"""Worker processes that run blocks and notebooks in parallel, one per core.

Each task runs in a worker under a time limit (`SGD_BLOCK_TIMEOUT` seconds, 300 by default). The
pool always knows which task each worker holds, so whatever goes wrong is reported by the task's
label, never as a pool's traceback: an error the block raised; a worker that died (killed, out of
memory, `os._exit`), which is replaced; a task past its time limit, whose worker is killed and
replaced. Every task gets exactly one result.

Workers are forked from a forkserver process that has imported torch and matplotlib once (Python
keeps one per MkDocs process, across the builds of `mkdocs serve`), never from the build's own
process, which may have run torch. A worker ends as soon as the build's process ends, however it
ends (SIGINT, SIGTERM or SIGKILL): a thread in the worker watches a pipe that only the build's
process holds open. The forkserver then ends by itself, with its last worker.
"""

import atexit
import multiprocessing
import os
import signal
import threading
import time
import weakref
from dataclasses import dataclass
from multiprocessing.connection import wait

# what every worker needs, loaded once, in the forkserver: the runner, and the project's warm-up
# (sitebuild/warmup.py: torch, torch.optim's first step, matplotlib's first figure, scikit-learn)
PRELOAD = ("sitebuild.runner", "sitebuild.warmup")
DEFAULT_TIMEOUT = 300.0


def timeout_from_environment():
    value = os.environ.get("SGD_BLOCK_TIMEOUT", "")
    try:
        seconds = float(value) if value else DEFAULT_TIMEOUT
    except ValueError:
        raise ValueError(
            f"SGD_BLOCK_TIMEOUT must be a number of seconds, got {value!r}"
        ) from None
    if not seconds > 0:
        raise ValueError(f"SGD_BLOCK_TIMEOUT must be positive, got {value!r}")
    return seconds


@dataclass
class Task:
    """One block (`kind` "block", `payload` its code) or notebook ("notebook", its text)."""

    key: str
    kind: str
    payload: str
    label: str  # how an error names it: "docs/loss.md, block 'loss-surface'"
    name: str = ""  # the block's id or the notebook's file name


@dataclass
class Result:
    task: Task
    ok: bool
    value: str  # the output, or why it failed
    seconds: float


def _orphan_guard(lifeline):
    """End this worker as soon as the build's process is gone, however it ended.

    `lifeline` is the read end of a pipe whose only write end the build's process holds and never
    writes to: when that process ends, the pipe reads as closed. (The worker's parent, the
    forkserver, is no sign: it stays as long as any worker does.)
    """

    def watch():
        lifeline.poll(None)  # returns when the pipe closes
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def _work(conn, lifeline, docs):
    """A worker's life: take a task, run it, send back (ok, value, seconds), until told to stop."""
    _orphan_guard(lifeline)
    from sitebuild import runner

    runner.guard()
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        start = time.perf_counter()
        try:
            if task.kind == "block":
                value, ok = runner.run_block(task.payload, task.name, docs), True
            else:
                value, ok = runner.run_notebook(task.payload, task.name, docs), True
        except runner.BlockFailed as failed:
            value, ok = str(failed), False
        conn.send((ok, value, time.perf_counter() - start))


def _context():
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(PRELOAD))  # no effect once the forkserver runs
    return context


def start_forkserver():
    """Start the forkserver now (it imports torch, which takes seconds), while the build does
    other things; the first worker waits for it."""
    _context()
    from multiprocessing import forkserver

    forkserver.ensure_running()


class _Worker:
    def __init__(self, context, docs):
        self.conn, child = context.Pipe()
        lifeline, self.lifeline = context.Pipe(duplex=False)
        # not a daemon: a block may start processes of its own (the data-parallel chapter does)
        self.process = context.Process(
            target=_work, args=(child, lifeline, str(docs)), daemon=False
        )
        self.process.start()
        child.close()
        lifeline.close()
        self.task, self.started = None, 0.0

    def give(self, task):
        self.task, self.started = task, time.perf_counter()
        self.conn.send(task)

    def stop(self, kill=False):
        if self.process.is_alive():
            if kill:
                self.process.kill()
            else:
                try:
                    self.conn.send(None)
                except OSError:
                    self.process.kill()
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()
        self.lifeline.close()


def _death(exitcode):
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = str(-exitcode)
        why = f"was killed by {name}" + (
            " (out of memory?)" if name == "SIGKILL" else ""
        )
    else:
        why = f"exited with status {exitcode}, as os._exit() would"
    return f"the worker running it died: it {why}"


_pools = weakref.WeakSet()  # the pools of this process that may have workers


@atexit.register  # before multiprocessing's own exit handler, which would wait for the workers
def _end_all():
    for pool in list(_pools):
        for worker in [*pool.busy, *pool.workers]:
            worker.process.kill()


class Pool:
    """Up to `size` workers; `run(tasks)` yields a Result for every task as each one finishes."""

    def __init__(self, size, docs, timeout=None):
        self.size, self.docs = max(1, size), docs
        self.timeout = timeout_from_environment() if timeout is None else timeout
        self.context, self.workers, self.busy = _context(), [], []
        _pools.add(self)
        self.stopping = (
            False  # set from another thread to stop run() within a quarter second
        )

    def run(self, tasks):
        todo = list(reversed(tasks))  # popped from the end: the first task first
        busy = self.busy
        try:
            while todo or busy:
                while todo and len(busy) < self.size:
                    worker = (
                        self.workers.pop()
                        if self.workers
                        else _Worker(self.context, self.docs)
                    )
                    worker.give(todo.pop())
                    busy.append(worker)
                now = time.perf_counter()
                if self.stopping:
                    return
                deadline = min(now + 0.25, *(w.started + self.timeout for w in busy))
                ready = wait(
                    [w.conn for w in busy] + [w.process.sentinel for w in busy],
                    max(0.0, deadline - now),
                )
                for worker in list(busy):
                    result = self._collect(worker, ready)
                    if result is not None:
                        busy.remove(worker)
                        yield result
        finally:
            for worker in busy:  # the build stopped while they ran: nothing to wait for
                worker.stop(kill=True)
            busy.clear()

    def _collect(self, worker, ready):
        """The worker's result if it has one, or its failure; None while it is still working."""
        task, seconds = worker.task, time.perf_counter() - worker.started
        if worker.conn in ready:
            try:
                ok, value, seconds = worker.conn.recv()
            except (EOFError, OSError):
                pass  # it died as it answered: reported below
            else:
                self.workers.append(worker)
                return Result(task, ok, value, seconds)
        if worker.process.sentinel in ready or not worker.process.is_alive():
            worker.process.join(timeout=1)
            worker.stop(kill=True)
            return Result(task, False, _death(worker.process.exitcode), seconds)
        if seconds >= self.timeout:
            worker.stop(kill=True)
            return Result(
                task,
                False,
                f"it ran for more than {self.timeout:g} s, the time limit "
                "(SGD_BLOCK_TIMEOUT seconds), and was stopped",
                seconds,
            )
        return None

    def close(self):
        for worker in self.workers:
            worker.stop()
        self.workers = []
