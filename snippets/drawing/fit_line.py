"""The drawing of the Fit a line page: the table of the seven steps read from `fit`, the loss table,
the fitted line, the loss curve and the animation of the line turning into place.

Tested in tests/test_fit_line.py (with the lesson it draws).
"""

import inspect
import re
import textwrap

import torch
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from snippets import fit_line
from snippets.drawing import render
from snippets.drawing.line_problem import least_squares, line_label, losses
from snippets.drawing.numbers import fixed
from snippets.drawing.tables import refusals


def loop_steps():
    """Return (number, name, code) for each `# N. name` marker in fit(), in step order.

    The code is the marked line; a marked `with` block brings its body, indented, on lines of its
    own (the step is three lines: the update and the zeroing, under `torch.no_grad()`).
    """
    lines = inspect.getsource(fit_line.fit).splitlines()
    found = []
    for i, line in enumerate(lines):
        m = re.search(r"#\s*(\d)\.\s*(\w+)\s*$", line)
        if not m:
            continue
        code = [line[: m.start()].rstrip()]
        indent = len(line) - len(line.lstrip())
        if code[0].lstrip().startswith("with "):
            for body in lines[i + 1 :]:
                if len(body) - len(body.lstrip()) <= indent:
                    break
                code.append(body.rstrip())
        found.append((int(m[1]), m[2], textwrap.dedent("\n".join(code))))
    return sorted(found)


def code_cell(code):
    """Code of one or more lines for a Markdown table's cell: a code span a line."""
    return "<br>".join(
        f"`{line.strip()}`" if line == line.lstrip() else f"&emsp;`{line.strip()}`"
        for line in code.splitlines()
    )


def loss_table(x, y, path, every=10):
    """Return a Markdown table of the parameters and the loss every `every` steps."""
    if every < 1:
        raise ValueError(f"every must be at least 1, got {every}")
    loss = losses(x, y, path)
    rows = ["| step | slope $a_1$ | intercept $a_2$ | loss |", "|---:|---:|---:|---:|"]
    for t in range(0, len(path), every):
        a1, a2 = (fixed(v, 3) for v in path[t])
        rows.append(f"| {t} | {a1} | {a2} | {loss[t]:.4f} |")
    return "\n".join(rows)


def _ends(x):
    """The left and right ends of the data's x range, for drawing lines across it."""
    return torch.tensor([x[:, 0].min().item(), x[:, 0].max().item()])


def log_loss_axis(ax):
    """A log-scaled loss axis labelled at 1, 2 and 5 of every decade, as plain numbers (0.2, 5)."""
    ax.set_yscale("log")
    ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_minor_formatter(NullFormatter())


def plot_fit(x, y, path, theme="light"):
    """Return a Figure: the data, the initial guess (dashed) and the fitted line."""
    ends = _ends(x)
    with render.themed(theme) as p:
        fig = render.new_figure(6.4, 4.0)
        ax = fig.add_subplot()
        ax.scatter(
            x[:, 0], y, s=16, color=p["muted"], alpha=0.8, label="data", zorder=2
        )
        for a, style, color, label in [
            (path[0], "--", p["role"]["wrong"], "initial guess"),
            (path[-1], "-", p["role"]["path"], "after fitting"),
        ]:
            ax.plot(
                ends,
                ends * a[0] + a[1],
                style,
                color=color,
                zorder=3,
                label=f"{label}: {line_label(a)}",
            )
        ax.set_xlabel("x")
        ax.set_ylabel("y")
        ax.legend(loc="upper left")
    return fig


def plot_loss(x, y, path, theme="light"):
    """Return a Figure: the loss at every step, on a log scale, above the least-squares floor."""
    loss = losses(x, y, path)
    floor = least_squares(x, y)[1]
    with render.themed(theme) as p:
        fig = render.new_figure(6.4, 3.2)
        ax = fig.add_subplot()
        ax.axhline(
            floor,
            ls=":",
            color=p["role"]["answer"],
            lw=1.8,
            label=f"least-squares minimum {floor:.4f}",
        )
        ax.plot(
            range(len(loss)),
            loss,
            color=p["role"]["path"],
            label=f"loss of gradient descent, from {loss[0]:.2f}",
        )
        ax.legend(loc="upper right")
        log_loss_axis(ax)
        ax.set_xlabel("step")
        ax.set_ylabel("loss (mean squared error)")
    return fig


def animate_fit(x, y, path, theme="light", every=1):
    """Return frames of the line moving into place (left) as the loss falls (right)."""
    ends, loss, path = _ends(x).numpy(), losses(x, y, path).numpy(), path.numpy()
    steps = render.frame_steps(len(path), every)
    with render.themed(theme) as p:
        fig = render.new_figure(7.2, 3.0)
        ax_fit, ax_loss = fig.subplots(1, 2, width_ratios=[1.2, 1])
        ax_fit.scatter(x[:, 0], y, s=10, color=p["muted"], alpha=0.8, zorder=2)
        ax_fit.plot(
            ends,
            ends * path[0, 0] + path[0, 1],
            "--",
            color=p["role"]["wrong"],
            lw=1.5,
            zorder=3,
            label="initial guess",
        )
        (line,) = ax_fit.plot(
            [], [], color=p["role"]["path"], zorder=4, label="current line"
        )
        ax_fit.set_xlabel("x")
        ax_fit.set_ylabel("y")
        lines = (
            ends[None, :] * path[:, :1] + path[:, 1:]
        )  # both ends of every line drawn
        ax_fit.set_ylim(
            min(y.min(), lines.min()).item() - 0.5,
            max(y.max(), lines.max()).item() + 0.5,
        )
        ax_fit.legend(loc="upper left", fontsize=9)  # the corner no line ever crosses
        # no ghost of the whole curve: the axes are set to fit it, and it is drawn as it happens
        (trace,) = ax_loss.plot([], [], color=p["role"]["path"])
        (dot,) = ax_loss.plot([], [], "o", color=p["role"]["path"], ms=6)
        ax_loss.set_xlim(-0.03 * (len(loss) - 1), 1.03 * (len(loss) - 1))
        ax_loss.set_ylim(loss.min() / 1.25, loss.max() * 1.25)
        log_loss_axis(ax_loss)
        ax_loss.set_xlabel("step")
        ax_loss.set_ylabel("loss")
        title = fig.suptitle(" ", fontfamily="monospace")

        def update(t):
            a = path[t]
            line.set_data(ends, ends * a[0] + a[1])
            trace.set_data(range(t + 1), loss[: t + 1])
            dot.set_data([t], [loss[t]])
            title.set_text(f"step {t:3d}   loss {loss[t]:.3f}")

        frames = render.blit_frames(fig, [line, trace, dot, title], update, steps)
    return frames


def animation_alt(x, y, path):
    """Alt text of the animation of the fit, with the run's numbers."""
    loss = losses(x, y, path)
    return (
        f"Animation of {len(path) - 1} steps of gradient descent: the line turns from "
        f"{line_label(path[0])} to {line_label(path[-1])} through the points, while the loss falls "
        f"from {loss[0]:.2f} to {loss[-1]:.3f}."
    )


def animation_labels(path):
    """The player's label of each frame of the animation of the fit."""
    return [f"step {t} of {len(path) - 1}" for t in range(len(path))]


def data_sentence(make_data):
    """What the data is, from make_data's own defaults."""
    defaults = {
        k: v.default for k, v in inspect.signature(make_data).parameters.items()
    }
    slope, intercept = defaults["a"]
    return (
        f"The data are {defaults['n']} points. Each has an input $x$ between $-1$ and $1$ and an "
        f"output $y = {slope:g}x + {intercept:g}$, plus noise drawn uniformly from $[0, 1)$."
    )


def settings_sentence(fit):
    """How the page's run starts, from fit's own defaults."""
    defaults = {k: v.default for k, v in inspect.signature(fit).parameters.items()}
    return (
        f"Starting from the guess `a0={defaults['a0']}` with learning rate `lr={defaults['lr']}`, "
        f"here are the parameters and the loss every ten steps of the {defaults['steps']}:"
    )


def error_table(lesson):
    """What the checks say about a few wrong calls of the lesson's functions."""
    x, y = lesson.make_data(n=10)
    return refusals(
        [
            ("fit(x, y, lr=0)", lambda: lesson.fit(x, y, lr=0)),
            ("fit(x, y, lr=float('nan'))", lambda: lesson.fit(x, y, lr=float("nan"))),
            ("fit(x, y, lr='0.1')", lambda: lesson.fit(x, y, lr="0.1")),
            ("fit(x, y, steps=2.5)", lambda: lesson.fit(x, y, steps=2.5)),
            ("fit(x, y[:-1])", lambda: lesson.fit(x, y[:-1])),
            ("fit(x, y, a0=(1.0,))", lambda: lesson.fit(x, y, a0=(1.0,))),
            ("make_data(n=1)", lambda: lesson.make_data(n=1)),
            ("mse(y, y[:-1])", lambda: lesson.mse(y, y[:-1])),
        ]
    )
