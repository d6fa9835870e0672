"""What a worker process does with one code block or one notebook: run it, and say what it printed
or why it failed, guarded against a block that would damage the build.

A block runs in fresh globals with `print` writing into its output (markdown-exec's contract). A
notebook runs top to bottom in one namespace with `__name__ == "__main__"`, as its kernel would,
keeping each cell's stdout and stderr.

The guard (an audit hook, installed once per worker) refuses, while a block or notebook runs, to
change the working directory or to open for writing, remove, rename or create anything inside
docs/: a block that did either would make later pages fail for the wrong reason, edit the tracked
sources, or send `mkdocs serve` round a loop of rebuilds. The refusal is an error in the block, and
it is reported even if the block catches it.
"""

import base64
import contextlib
import functools
import io
import json
import linecache
import os
import re
import sys
import traceback
from pathlib import Path
from types import ModuleType


class BlockFailed(Exception):
    """A block or notebook failed: the message says where and why (a traceback of its own code)."""


class _Guard:
    WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
    EVENTS = frozenset(
        {
            "os.remove",
            "os.rename",
            "os.rmdir",
            "os.mkdir",
            "os.truncate",
            "os.symlink",
            "os.link",
            "os.utime",
            "shutil.rmtree",
            "shutil.copyfile",
            "shutil.move",
        }
    )

    def __init__(self):
        self.docs, self.active, self.broken = None, False, []
        sys.addaudithook(self.hook)

    def inside_docs(self, path):
        try:
            resolved = Path(os.fsdecode(path)).resolve()
        except (TypeError, ValueError, OSError):
            return False
        return resolved == self.docs or self.docs in resolved.parents

    def hook(self, event, args):
        if not self.active:
            return
        if event == "os.chdir":
            self.refuse(
                "changed the working directory (os.chdir): a block must leave it alone"
            )
        elif event == "open" and args[0] is not None and not isinstance(args[0], int):
            mode, flags = args[1], args[2]
            writes = (
                any(c in mode for c in "wax+")
                if isinstance(mode, str)
                else bool(flags & self.WRITE_FLAGS)
            )
            if writes and self.inside_docs(args[0]):
                self.refuse(
                    f"opened {os.fsdecode(args[0])} for writing: a block may not write into docs/"
                )
        elif event in self.EVENTS:
            paths = [a for a in args if isinstance(a, (str, bytes, os.PathLike))]
            for path in paths[1:] if event == "shutil.copyfile" else paths:
                if self.inside_docs(path):
                    self.refuse(
                        f"{event} on {os.fsdecode(path)}: a block may not change docs/"
                    )

    def refuse(self, what):
        self.broken.append(what)
        self.active = False  # the error raised below must be able to format itself
        try:
            raise PermissionError(what)
        finally:
            self.active = True

    @contextlib.contextmanager
    def watching(self, docs):
        self.docs, self.broken = Path(docs).resolve(), []
        cwd = os.getcwd()
        self.active = True
        try:
            yield
        finally:
            self.active = False
            if (
                os.getcwd() != cwd
            ):  # a change the hook did not see (a C library's chdir)
                self.broken.append(f"left the working directory at {os.getcwd()}")
                os.chdir(cwd)


@functools.cache  # one per worker process: an audit hook cannot be removed once added
def guard():
    return _Guard()


def _traceback(error, filename):
    """The traceback of an error in a block or cell, with only the frames of its own code and of
    what it called (none of this module's)."""
    frames = [
        f for f in traceback.extract_tb(error.__traceback__) if f.filename != __file__
    ]
    return (
        "Traceback (most recent call last):\n"
        + "".join(traceback.format_list(frames))
        + "".join(traceback.format_exception_only(error))
    )


def _compile(code, filename):
    linecache.cache[filename] = (
        len(code),
        None,
        code.splitlines(True),
        filename,
    )  # for tracebacks
    return compile(code, filename, "exec")


def _failed(what, error, filename, broken):
    if broken:
        return BlockFailed(f"{what} " + "; it ".join(broken))
    if isinstance(error, SystemExit):
        return BlockFailed(
            f"{what} called sys.exit({error.code!r}): a block must not end the build\n"
            + _traceback(error, filename)
        )
    return BlockFailed(
        f"{what} raised {type(error).__name__}\n" + _traceback(error, filename)
    )


def run_block(code, block_id, docs):
    """Run a block's code in fresh globals; return what it printed. Raise BlockFailed if it raised
    anything (SystemExit and KeyboardInterrupt included) or broke the guard's rules."""
    filename = f"<code block {block_id}>"
    module_name = "block_" + re.sub(r"\W+", "_", block_id)
    sys.modules[module_name] = ModuleType(
        module_name
    )  # classes defined in a block get a module
    out = io.StringIO()

    def printed(*values, sep=" ", end="\n", **_):
        out.write(sep.join(str(v) for v in values) + end)

    watch = guard()
    error = None
    with watch.watching(docs):
        try:
            exec(_compile(code, filename), {"__name__": module_name, "print": printed})
        except BaseException as raised:  # every way a block can fail fails the build
            error = raised
    if error is not None or watch.broken:
        raise _failed("the block", error, filename, watch.broken)
    return out.getvalue()


def run_notebook(text, name, docs):
    """Run a notebook's code cells top to bottom in one namespace; return it, as text, with each
    cell's output and execution count. Raise BlockFailed naming the cell that failed.

    A cell's figures become its images, as Jupyter's inline backend makes them: every pyplot
    figure open when the cell calls plt.show() or ends is shown as a PNG and closed. The cells run
    with matplotlib's defaults, whatever a page's block set before in this worker."""
    import matplotlib

    matplotlib.use("agg")
    import matplotlib.pyplot as plt

    nb = json.loads(text)
    namespace, count = {"__name__": "__main__"}, 0
    watch = guard()
    with matplotlib.rc_context(), _pyplot_show(plt) as shown:
        matplotlib.rcdefaults()
        for cell in nb["cells"]:
            if cell["cell_type"] != "code":
                continue
            count += 1
            filename = f"<{name}, code cell {count}>"
            streams = {"stdout": io.StringIO(), "stderr": io.StringIO()}
            shown.clear()
            error = None
            with watch.watching(docs):
                try:
                    with (
                        contextlib.redirect_stdout(streams["stdout"]),
                        contextlib.redirect_stderr(streams["stderr"]),
                    ):
                        exec(_compile("".join(cell["source"]), filename), namespace)
                except BaseException as raised:
                    error = raised
            images = shown + _figure_outputs(
                plt
            )  # those the cell left open show at its end
            if error is not None or watch.broken:
                raise _failed(
                    f"{name}: code cell {count}", error, filename, watch.broken
                )
            cell["execution_count"] = count
            cell["outputs"] = [
                {"output_type": "stream", "name": stream, "text": out.getvalue()}
                for stream, out in streams.items()
                if out.getvalue()
            ] + images
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


FIGURE_DPI = 100  # fixed, so two builds write the same bytes


def _figure_outputs(plt):
    """Every open pyplot figure as a display_data output with its PNG, closed; deterministic
    bytes (no Software or date in the PNG)."""
    outputs = []
    for number in plt.get_fignums():
        figure = plt.figure(number)
        png = io.BytesIO()
        figure.savefig(
            png,
            format="png",
            dpi=FIGURE_DPI,
            bbox_inches="tight",
            facecolor="white",
            metadata={"Software": None},
        )
        plt.close(figure)
        outputs.append(
            {
                "output_type": "display_data",
                "data": {
                    "image/png": base64.b64encode(png.getvalue()).decode(),
                    "text/plain": f"<Figure size {figure.get_figwidth() * FIGURE_DPI:.0f}x"
                    f"{figure.get_figheight() * FIGURE_DPI:.0f} with {len(figure.axes)} Axes>",
                },
                "metadata": {},
            }
        )
    return outputs


@contextlib.contextmanager
def _pyplot_show(plt):
    """plt.show() collects the open figures as images (the list this yields) while a notebook runs."""
    shown, show = [], plt.show
    plt.show = lambda *args, **kwargs: shown.extend(_figure_outputs(plt))
    try:
        yield shown
    finally:
        plt.show = show
        plt.close("all")
