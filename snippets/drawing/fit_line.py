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
from snippets.drawing.line_problem import (
    draw_contours,
    least_squares,
    line_label,
    losses,
)
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


# ---------------------------------------------------------------------------------------------
# Explore: set the line by hand, then step

START_SLOPES = (-2.0, -1.0, 0.0, 1.0, 2.0, 3.0, 4.0)  # the slope a1 to start from
START_INTERCEPTS = (-1.0, 0.0, 1.0, 2.0, 3.0)  # the intercept a2 to start from
EXPLORE_STEPS = (0, 1, 3, 10, 30, 100)  # the steps the reader can see
TOLERANCE = 0.01  # every start ends this close to least squares, in each parameter


def explore_runs(x, y):
    """For every start (a1, a2) of the explorable, the path of `fit` from it, with fit's defaults:
    a dict from the start to its path."""
    steps = EXPLORE_STEPS[-1]
    return {
        (a1, a2): fit_line.fit(x, y, a0=(a1, a2), steps=steps)
        for a1 in START_SLOPES
        for a2 in START_INTERCEPTS
    }


def explore_knobs():
    """The explorable's knobs: the start's slope and intercept, and the step."""
    start = inspect.signature(fit_line.fit).parameters["a0"].default
    return [
        render.Knob(
            "w",
            "Start slope a₁",
            START_SLOPES,
            labels=[fixed(v, 0) for v in START_SLOPES],
            start=START_SLOPES.index(start[0]),
        ),
        render.Knob(
            "b",
            "Start intercept a₂",
            START_INTERCEPTS,
            labels=[fixed(v, 0) for v in START_INTERCEPTS],
            start=START_INTERCEPTS.index(start[1]),
        ),
        render.Knob(
            "step",
            "Step",
            EXPLORE_STEPS,
            labels=[f"step {t}" for t in EXPLORE_STEPS],
            kind="steps",
        ),
    ]


def explore_scene(x, y, runs, theme="light"):
    """The explorable's figure: the data with the line of the state (left), and the loss as
    contour lines with the path to the state (right)."""
    ends = _ends(x).numpy()
    best, floor = least_squares(x, y)
    loss = {start: losses(x, y, path).numpy() for start, path in runs.items()}
    paths = {start: path.numpy() for start, path in runs.items()}
    with render.themed(theme) as p:
        fig = render.new_figure(7.0, 3.2)
        ax_fit, ax_loss = fig.subplots(1, 2, width_ratios=[1, 1.05])
        ax_fit.plot(x[:, 0], y, ".", ms=5, color=p["muted"], zorder=2)
        ax_fit.plot(
            ends,
            ends * best[0].item() + best[1].item(),
            ":",
            color=p["role"]["answer"],
            lw=2.2,
            zorder=3,
            label=f"least squares: loss {floor:.3f}",
        )
        (start_line,) = ax_fit.plot(
            [], [], "--", color=p["role"]["wrong"], lw=1.4, zorder=3, label="start"
        )
        (line,) = ax_fit.plot([], [], color=p["role"]["path"], zorder=4, label="now")
        ax_fit.set_xlim(-1.05, 1.05)
        ax_fit.set_ylim(-5.5, 7.5)
        ax_fit.set_xlabel("x")
        ax_fit.set_ylabel("y")
        ax_fit.legend(loc="upper left", handlelength=1.6)
        a1_lim = (START_SLOPES[0] - 0.6, START_SLOPES[-1] + 0.6)
        a2_lim = (START_INTERCEPTS[0] - 0.6, START_INTERCEPTS[-1] + 0.6)
        draw_contours(ax_loss, x, y, a1_lim, a2_lim, p, n=81, levels=12)
        starts = torch.tensor(list(runs))
        ax_loss.plot(starts[:, 0], starts[:, 1], ".", color=p["muted"], ms=3, zorder=3)
        ax_loss.plot(
            *best.tolist(), "*", color=p["role"]["answer"], ms=12, mec=p["fg"], zorder=5
        )
        (mark,) = ax_loss.plot([], [], "s", color=p["role"]["wrong"], ms=6, zorder=4)
        (trail,) = ax_loss.plot([], [], color=p["role"]["path"], lw=1.6, zorder=4)
        (ball,) = ax_loss.plot(
            [], [], "o", color=p["role"]["path"], ms=7, mec=p["fg"], zorder=6
        )
        title = fig.suptitle(" ")

        def update(state):
            start, t = (state["w"], state["b"]), state["step"]
            path = paths[start]
            a = path[t]
            start_line.set_data(ends, ends * path[0, 0] + path[0, 1])
            line.set_data(ends, ends * a[0] + a[1])
            mark.set_data(path[:1, 0], path[:1, 1])
            trail.set_data(path[: t + 1, 0], path[: t + 1, 1])
            ball.set_data([a[0]], [a[1]])
            title.set_text(f"step {t}: loss {loss[start][t]:.3f}")

    return fig, [start_line, line, mark, trail, ball, title], update


def explore_alt(x, y, runs):
    """The alt text of each state of the explorable, from its run."""
    _, floor = least_squares(x, y)
    best = least_squares(x, y)[0]
    loss = {start: losses(x, y, path) for start, path in runs.items()}

    def alt(state):
        start, t = (state["w"], state["b"]), state["step"]
        path = runs[start]
        return (
            f"Left: the {len(y)} points, the least-squares line {line_label(best)} dotted, the "
            f"start {line_label(path[0])} dashed, and after {t} steps of gradient descent the "
            f"line {line_label(path[t])}. Right: the loss as contour lines over slope and "
            f"intercept, with the path from the start to step {t}: the loss is "
            f"{loss[start][t]:.3f} there, against {floor:.3f} for least squares."
        )

    return alt


def explore_gaps(x, y, runs, t):
    """The largest distance, over all starts, of the slope and of the intercept from least
    squares after t steps."""
    best = least_squares(x, y)[0]
    gaps = torch.stack([(path[t] - best).abs() for path in runs.values()])
    return gaps.max(dim=0).values.tolist()


def explore_caption(x, y, runs):
    """The explorable's caption, with its settings from fit's defaults."""
    lr = inspect.signature(fit_line.fit).parameters["lr"].default
    return (
        f"Choose a start, then step: gradient descent with learning rate {lr:g}, as fit runs it, "
        f"from each of the {len(runs)} starts (the grey dots, right). Left: the data, the least-"
        f"squares line (dotted), the start (dashed) and the line now. Right: the loss as contour "
        f"lines over slope and intercept, the path so far and the least-squares minimum (star)."
    )


def explore_sentence(x, y, runs, settled=30):
    """What the explorable shows, in numbers from its runs."""
    last = EXPLORE_STEPS[-1]
    slope, intercept = explore_gaps(x, y, runs, settled)
    end = max(explore_gaps(x, y, runs, last))
    return (
        f"From every one of the {len(runs)} starts the loss falls at every step, and after "
        f"{last} steps every run is within {end:.4f} of the least-squares line in both slope and "
        f"intercept (the tests hold it to {TOLERANCE:g}). The paths bend on the way: they fall "
        f"first along the intercept, then creep along the slope. By step {settled} every "
        f"intercept is within {intercept:.3f} of least squares, while a slope can still be "
        f"{slope:.2f} away."
    )
