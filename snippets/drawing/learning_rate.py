"""The drawing of the Learning rate page: the one-step and 2/h tables, the parabola animation, the
sweep of learning rates, the slider's frames, the schedules' figures, their alt texts and captions,
the settings the page runs with, and what the checks say about a few wrong calls.

Tested in tests/test_learning_rate.py (with the lesson it draws).
"""

import inspect
import itertools
import math

import torch
from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

from snippets import loss_functions
from snippets.drawing import numbers, render
from snippets.drawing.line_problem import least_squares, losses
from snippets.drawing.numbers import minus
from snippets.drawing.tables import refusals
from snippets.fit_line import make_data
from snippets.learning_rate import (
    cliff,
    constant,
    cosine,
    descend,
    gradient_descent,
    sgd,
    step_decay,
)

# the window of (slope, intercept) the slider's frames show, as on Loss
A1_LIM = (-2.0, 5.0)
A2_LIM = (-0.5, 4.5)

# The settings of the page's figures, in one place: the page prints them from here.
# On h/2 x^2 with h = 1: crawls, lands in one step (1/h), bounces but converges, diverges.
QUADRATIC_LRS = (0.1, 1.0, 1.8, 2.2)
# The lowest lr, the highest, and how many learning rates per factor of 10.
SWEEP_GRID = (10**-2.5, 10**0.5, 7)
# The rates the page's text walks through: crawls, ..., zigzags, past the cliff.
SLIDER_LRS = (0.01, 0.03, 0.1, 0.3, 0.6, 0.9, 1.1)
# The explorable's knobs: 24 learning rates evenly spaced on a log scale from 0.01 to 1.2 (the
# cliff, 0.9992, falls between two of them), and six starts around the minimum, (−1, 1) first.
EXPLORE_LRS = tuple(
    float(f"{10 ** (-2 + k * math.log10(120) / 23):.3g}") for k in range(24)
)
EXPLORE_STARTS = (
    (-1.0, 1.0),
    (-1.5, 4.0),
    (1.0, 4.2),
    (4.5, 4.0),
    (4.5, -0.2),
    (1.0, -0.2),
)
EXPLORE_LR_START = 13  # lr = 0.145: converges in the hundred steps, with a visible bend


# ---------------------------------------------------------------------------------------------
# Names for what a run did, tables, sweeps


def parabola_gradient(curvature):
    """The gradient h x of f(x) = h/2 x^2, as a function of x."""
    return lambda x: curvature * x


def log_grid(low, high, per_decade):
    """Learning rates from low to high, evenly spaced on a log scale, per_decade in each factor of 10."""
    if not 0 < low < high:
        raise ValueError(f"need 0 < low < high, got low={low}, high={high}")
    if not isinstance(per_decade, int) or per_decade < 1:
        raise ValueError(f"per_decade must be an integer >= 1, got {per_decade!r}")
    count = round(math.log10(high / low) * per_decade) + 1
    return [low * 10 ** (k / per_decade) for k in range(count)]


def regime(run, floor, tol=0.01):
    """Name what a run did: 'diverges', 'converges' (within tol of floor), or 'crawls'."""
    if run.diverged_at is not None:
        return "diverges"
    return "converges" if run.losses[-1] <= floor * (1 + tol) else "crawls"


def sweet_spot(x, y, lrs, runs):
    """Return the smallest and the largest lr of a sweep whose run ended within 1% of the minimum."""
    floor = least_squares(x, y)[1]
    good = [lr for lr, run in zip(lrs, runs) if regime(run, floor) == "converges"]
    return min(good, default=None), max(good, default=None)


def sweep(x, y, lrs, steps=100):
    """Return one Run of `steps` steps per learning rate."""
    return [descend(x, y, lr=lr, steps=steps) for lr in lrs]


def step_table(curvatures, lr, x0=1.0):
    """Return a Markdown table of one step of lr from x0 on h/2 x^2, for each curvature h."""
    rows = [
        (
            "| curvature $h$ | gradient $h x_0$ | step $-\\eta h x_0$ | lands at $x_1$ | "
            "distance to the minimum |"
        ),
        "|---:|---:|---:|---:|---|",
    ]
    for h in curvatures:
        x1 = gradient_descent(parabola_gradient(h), x0, lr, steps=1)[-1].item()
        how = (
            "stops short"
            if 0 < x1 < x0
            else "lands on it"
            if x1 == 0
            else "overshoots, lands closer"
            if -x0 < x1 < 0
            else "overshoots, no closer"
            if x1 == -x0
            else "overshoots, lands further away"
        )
        rows.append(
            minus(f"| {h:g} | {h * x0:g} | {x1 - x0:g} | {x1:g} | {abs(x1):g}: {how} |")
        )
    return "\n".join(rows)


def rule_table(curvatures, steps=100, margin=0.01, x0=1.0):
    """Return a Markdown table: |x| after `steps` steps on h/2 x^2 just below and just above lr = 2/h."""
    rows = [
        (
            f"| $h$ | $2/h$ | $\\lvert x_{{{steps}}} \\rvert$ at $\\eta = {1 - margin:g} \\cdot 2/h$ | "
            f"$\\lvert x_{{{steps}}} \\rvert$ at $\\eta = 2/h$ | "
            f"$\\lvert x_{{{steps}}} \\rvert$ at $\\eta = {1 + margin:g} \\cdot 2/h$ |"
        ),
        "|---:|---:|---:|---:|---:|",
    ]
    for h in curvatures:
        ends = [
            gradient_descent(parabola_gradient(h), x0, f * 2 / h, steps)[-1]
            .abs()
            .item()
            for f in (1 - margin, 1, 1 + margin)
        ]
        rows.append(
            f"| {h:g} | {2 / h:g} | " + " | ".join(f"{e:.3g}" for e in ends) + " |"
        )
    return "\n".join(rows)


def spread(history, last=0.2):
    """The standard deviation of the loss over the last fraction `last` of the steps."""
    tail = history[-max(2, round(last * len(history))) :]
    return tail.std().item()


def schedule_runs(
    x, y, lr=0.5, steps=200, batch_size=10, seed=0, step_size=50, gamma=0.1
):
    """Return {name: (schedule, path)} for a constant lr, step decay and cosine, on the same batches."""
    schedules = {
        "constant": lambda t: constant(lr, t),
        "step decay": lambda t: step_decay(lr, t, step_size, gamma),
        "cosine": lambda t: cosine(lr, t, steps),
    }
    return {
        name: (s, sgd(x, y, s, steps, batch_size, seed))
        for name, s in schedules.items()
    }


def measured_cliff(lrs, runs):
    """Return the largest lr of a sweep that did not diverge and the smallest that did."""
    stable = [lr for lr, run in zip(lrs, runs) if run.diverged_at is None]
    blown = [lr for lr, run in zip(lrs, runs) if run.diverged_at is not None]
    return max(stable, default=None), min(blown, default=None)


def eigen_errors(x, y, path):
    """Return the distance to the minimum along the flattest and the steepest direction, per step."""
    # the columns of vectors are the directions, the flattest first
    _, vectors = torch.linalg.eigh(loss_functions.curvature(x.double()))
    best = least_squares(x, y)[0].double()
    return (path.double() - best) @ vectors


def quadratic_alt(lrs, curvature=1.0, x0=1.5, steps=24):
    """Alt text for the four-panel animation, with where each run ends."""
    ends = [
        gradient_descent(parabola_gradient(curvature), x0, lr, steps)[-1].item()
        for lr in lrs
    ]
    titles = QUAD_TITLES if len(lrs) == len(QUAD_TITLES) else [""] * len(lrs)
    runs = "; ".join(
        f"{title + ', ' if title else ''}lr {lr:g}, factor {factor_text(1 - lr * curvature)}: "
        f"ends at x = {end:.3g}"
        for lr, end, title in zip(lrs, ends, titles)
    )
    return minus(
        f"Animation of {steps} steps of gradient descent from x = {x0:g} on the parabola "
        f"f(x) = {curvature:g}/2 x squared, in {len(lrs)} panels: {runs}."
    )


def sweep_alt(x, y, lrs, runs):
    """Alt text for the sweep figure, with the regimes and the cliff from the run."""
    floor, edge = least_squares(x, y)[1], cliff(x)
    stable, blown = measured_cliff(lrs, runs)
    steps = len(runs[0].losses) - 1
    return (
        f"Log-log plot of the loss after {steps} steps against {len(lrs)} learning rates from "
        f"{lrs[0]:.2g} to {lrs[-1]:.3g}. The loss falls from {runs[0].losses[-1]:.2f} at the "
        f"smallest rate to the minimum {floor:.4f}, stays there up to {stable:.3g}, and from "
        f"{blown:.3g} on every run diverges; the cliff the rule predicts, 2 over the largest "
        f"curvature, {edge:.4f}, lies between."
    )


def explore_alt(x, y, runs, state):
    """Alt text for one frame of the explorable: where the run from its start went."""
    run = runs[state["lr"], state["start"]]
    steps = len(run.losses) - 1
    name = regime(run, least_squares(x, y)[1])
    end = (
        f"diverges, and is stopped at step {run.diverged_at} with loss {run.losses[-1]:.3g}"
        if run.diverged_at is not None
        else f"{name}: after {steps} steps it is at ({run.path[-1, 0]:.2f}, {run.path[-1, 1]:.2f}) "
        f"with loss {run.losses[-1]:.4f}"
    )
    return minus(
        f"Path of gradient descent with learning rate {state['lr']:g} on the contours of the "
        f"line's loss, from {_point(state['start'])}: it {end}."
    )


def signs(values, digits=2):
    """A few numbers as text, 1.32, −1.06, 0.85, with true minus signs."""
    return ", ".join(minus(f"{float(v):.{digits}f}") for v in values)


def tail_stats(x, y, runs, last=0.2):
    """Return {name: (mean loss above the minimum, largest distance from it)} over the last steps."""
    best, floor = least_squares(x, y)
    out = {}
    for name, (_, path) in runs.items():
        tail = path[-max(2, round(last * (len(path) - 1))) :]
        excess = losses(x, y, tail) - floor
        out[name] = (excess.mean().item(), (tail - best).norm(dim=1).max().item())
    return out


def schedules_alt(runs):
    """Alt text for the schedules figure, with the learning rates of the run."""
    steps = len(next(iter(runs.values()))[1]) - 1
    parts = []
    for name, (schedule, _) in runs.items():
        values = sorted({schedule(t) for t in range(steps)}, reverse=True)
        parts.append(
            f"{name} from {values[0]:g} at step 0 to {schedule(steps - 1):.2g} at step "
            f"{steps - 1}"
            + (f" in {len(values)} flat stretches" if 1 < len(values) < 10 else "")
        )
    return (
        f"Line chart of the learning rate at each of {steps} steps for three schedules: "
        + "; ".join(parts)
        + "."
    )


def schedule_runs_alt(x, y, runs, last=0.2):
    """Alt text for the figure of the three schedules' runs."""
    stats = tail_stats(x, y, runs, last)
    steps = len(next(iter(runs.values()))[1]) - 1
    parts = "; ".join(
        f"{name} {excess:.1e} above the minimum, within {far:.3f} of it"
        for name, (excess, far) in stats.items()
    )
    return (
        f"Left: the loss above the least-squares minimum at each of {steps} steps of mini-batch SGD "
        f"on a log scale; the constant rate's stays noisy while both decays fall further. Right: the "
        f"parameters of the last {round(last * 100)}% of the steps around the minimum. On average over "
        f"those steps: {parts}."
    )


def lr_label(lr):
    """A learning rate as the slider and the figures write it: lr = 0.05."""
    return f"lr = {lr:.3g}"


def slider_label(lr, x):
    """The knob's text for one learning rate: its lr_label, and whether it is past the cliff."""
    return lr_label(lr) + (", past the cliff" if lr > cliff(x) else "")


def cliff_position(lrs, edge):
    """Where `edge` falls on a slider over the increasing `lrs`, evenly spaced on a log scale:
    a fractional index, for render.Knob's marks."""
    logs = [math.log(lr) for lr in lrs]
    k = max(i for i, v in enumerate(logs) if v <= math.log(edge))
    return k + (math.log(edge) - logs[k]) / (logs[k + 1] - logs[k])


def explore_knobs(x, lrs=EXPLORE_LRS, starts=EXPLORE_STARTS):
    """The explorable's two knobs: the learning rate, with the cliff 2/hₘₐₓ marked, and the start,
    which a click on the contours also chooses."""
    edge = cliff(x)
    return [
        render.Knob(
            "lr",
            "Learning rate",
            lrs,
            labels=[slider_label(lr, x) for lr in lrs],
            start=EXPLORE_LR_START,
            marks={cliff_position(lrs, edge): f"cliff {edge:.4f}"},
        ),
        render.Knob(
            "start",
            "Start",
            starts,
            labels=[_point(a0) for a0 in starts],
            kind="buttons",
            points=starts,
        ),
    ]


# ---------------------------------------------------------------------------------------------
# Figures


# What each panel of the parabola animation shows, for QUADRATIC_LRS on h = 1 (tested against
# the closed form (1 - lr h)^t), and the role of its colour: the regimes of the sweep and slider.
QUAD_TITLES = (
    "too small: crawls",
    "lr = 1/h: lands in one step",
    "too large: bounces, converges",
    "far too large: diverges",
)
QUAD_ROLES = ("path", "answer", "answer", "wrong")


def factor_text(value):
    """The factor 1 - lr h as a title writes it: +0.9, 0, −0.8."""
    return "0" if value == 0 else minus(f"{value:+.1f}")


def animate_quadratic(lrs, curvature=1.0, x0=1.5, steps=24, theme="light"):
    """Return frames of gradient descent on h/2 x^2, one panel per learning rate, two by two."""
    if not curvature > 0:
        raise ValueError(f"curvature must be positive, got {curvature}")
    paths = [
        gradient_descent(parabola_gradient(curvature), x0, lr, steps).numpy()
        for lr in lrs
    ]

    def f(x):
        return curvature / 2 * x**2

    lim = 2.2 * abs(x0)
    u = torch.linspace(-lim, lim, 121).numpy()
    titles = QUAD_TITLES if len(lrs) == len(QUAD_TITLES) else [""] * len(lrs)
    with render.themed(theme) as p:
        # as large as the GIF budget allows, so the titles stay legible when shown smaller
        fig = render.new_figure(
            render.MAX_GIF_SIZE[0] / 100, render.MAX_GIF_SIZE[1] / 100
        )
        rows = 2 if len(lrs) > 2 else 1
        cols = math.ceil(len(lrs) / rows)
        axes = fig.subplots(rows, cols, sharex=True, sharey=True, squeeze=False).flat
        moving = []
        for k, (ax, lr, xs, title) in enumerate(zip(axes, lrs, paths, titles)):
            color = p["role"][QUAD_ROLES[k % len(QUAD_ROLES)]]
            ax.plot(u, f(u), color=p["muted"], lw=1.5)
            ax.plot([0], [0], "*", color=p["fg"], ms=10, zorder=2)
            ax.set_xlim(-lim, lim)
            ax.set_ylim(-0.08 * f(lim), 1.12 * f(lim))
            ax.set_title(
                f"{title}\n{lr_label(lr)},  1 − lr·h = {factor_text(1 - lr * curvature)}",
                fontsize=12,
                linespacing=1.25,
            )
            ax.set_xticks([-2, 0, 2] if lim > 2 else [-1, 0, 1])
            ax.tick_params(labelsize=11)
            (trail,) = ax.plot(
                [], [], "-o", color=color, lw=1.4, ms=4, alpha=0.85, zorder=3
            )
            (dot,) = ax.plot(
                [], [], "o", color=color, ms=8, zorder=4, markeredgecolor=p["fg"]
            )
            moving.append((trail, dot, xs))
        for ax in axes.base[-1] if rows > 1 else axes:
            ax.set_xlabel("x", fontsize=12)
        fig.supylabel(f"f(x) = {curvature:g}/2 · x²", fontsize=12)
        step = fig.suptitle(" ", fontsize=12, fontfamily="monospace")

        def update(t):
            step.set_text(f"step {t:2d} of {steps}")
            for trail, dot, xs in moving:
                shown = xs[: t + 1]
                trail.set_data(shown, f(shown))
                dot.set_data(xs[t : t + 1], f(xs[t : t + 1]))

        artists = [step] + [a for trail, dot, _ in moving for a in (trail, dot)]
        frames = render.blit_frames(fig, artists, update, range(steps + 1))
    return frames


def plot_sweep(x, y, lrs, runs, theme="light"):
    """Return a Figure: the loss after the last step against lr, on log axes, with the cliff 2/h_max."""
    floor, edge = least_squares(x, y)[1], cliff(x)
    names = [regime(run, floor) for run in runs]
    done = [
        (lr, run.losses[-1].item())
        for lr, run in zip(lrs, runs)
        if run.diverged_at is None
    ]
    blown = [
        (lr, run.diverged_at)
        for lr, run in zip(lrs, runs)
        if run.diverged_at is not None
    ]
    steps = max(len(run.losses) for run in runs) - 1
    start = runs[0].losses[0].item()
    bounds = (
        [lrs[0] / 1.3]
        + [math.sqrt(a * b) for a, b in itertools.pairwise(lrs)]
        + [lrs[-1] * 1.3]
    )
    with render.themed(theme) as p:
        fig = render.new_figure(6.4, 4.2)
        ax = fig.add_subplot()
        k = 0
        # one shaded band for each stretch of runs that did the same
        while k < len(names):
            j = k
            while j + 1 < len(names) and names[j + 1] == names[k]:
                j += 1
            ax.axvspan(
                bounds[k],
                bounds[j + 1],
                color=REGIME_COLOR[names[k]](p),
                alpha=0.15,
                lw=0,
                zorder=0,
            )
            ax.text(
                math.sqrt(bounds[k] * bounds[j + 1]),
                0.98,
                names[k],
                ha="center",
                va="top",
                color=p["fg"],
                fontsize=10,
                fontweight="bold",
                transform=ax.get_xaxis_transform(),
            )
            k = j + 1
        ax.axhline(floor, ls=":", color=p["muted"], lw=1.5)
        ax.text(
            lrs[0],
            floor * 0.85,
            f"least-squares minimum {floor:.4f}",
            color=p["fg"],
            fontsize=9,
            va="top",
        )
        ax.axhline(start, ls="--", color=p["muted"], lw=1)
        ax.text(
            lrs[0],
            start * 1.12,
            f"loss at the start {start:.2f}",
            color=p["fg"],
            fontsize=9,
            va="bottom",
        )
        ax.plot(*zip(*done), "o-", color=p["role"]["path"], ms=5, lw=1.8, zorder=3)
        if blown:
            # a diverged run has no loss to plot: its cross sits in a row above the loss axis
            row = ax.get_xaxis_transform()  # x in data, y in fractions of the axes
            ax.plot(
                [lr for lr, _ in blown],
                [1.07] * len(blown),
                "x",
                color=p["role"]["wrong"],
                ms=9,
                mew=2.2,
                zorder=3,
                transform=row,
                clip_on=False,
            )
            for lr, t in blown:
                ax.text(
                    lr,
                    1.12,
                    f"{t}",
                    ha="center",
                    va="bottom",
                    color=p["fg"],
                    fontsize=9,
                    transform=row,
                )
            ax.text(
                blown[0][0] / 1.4,
                1.07,
                "diverged, stopped at step",
                ha="right",
                va="center",
                color=p["fg"],
                fontsize=9,
                transform=row,
            )
        ax.axvline(edge, color=p["fg"], lw=1.2, ls="-.", zorder=2)
        ax.text(
            edge * 1.06,
            floor * 1.4,
            f"2/hₘₐₓ = {edge:.4f}",
            ha="left",
            va="bottom",
            color=p["fg"],
            fontsize=9,
            rotation=90,
        )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlim(bounds[0], bounds[-1])
        ax.set_ylim(floor * 0.45, start * 4)
        ax.yaxis.set_major_locator(LogLocator(base=10, numticks=8))
        ax.yaxis.set_minor_locator(NullLocator())
        ax.xaxis.set_minor_locator(NullLocator())
        for axis in (ax.xaxis, ax.yaxis):
            axis.set_major_formatter(FuncFormatter(numbers.power_of_ten))
        ax.set_xlabel("learning rate (log scale)")
        ax.set_ylabel(f"loss after {steps} steps")
    return render.settle_layout(fig)


def contour_grid(x, y, n=81):
    """Return the slope and intercept grids of the slider's window and the loss on them (float64)."""
    a1 = torch.linspace(*A1_LIM, n, dtype=torch.float64)
    a2 = torch.linspace(*A2_LIM, n, dtype=torch.float64)
    return a1, a2, loss_functions.loss_surface(x.double(), y.double(), a1, a2)


def explore_runs(x, y, lrs=EXPLORE_LRS, starts=EXPLORE_STARTS, steps=100):
    """The explorable's runs, by (lr, start): the lesson's descend from each start at each rate."""
    return {
        (lr, a0): descend(x, y, a0=a0, lr=lr, steps=steps)
        for lr in lrs
        for a0 in starts
    }


def explore_scene(x, y, grid, runs, theme="light"):
    """The explorable's scene (render.explorable): the loss contours and the minimum drawn once,
    and the path, its start and the title that say what one (lr, start) did."""
    best, floor = least_squares(x, y)
    a1, a2, surface = grid
    steps = len(next(iter(runs.values())).losses) - 1
    with render.themed(theme) as p:
        fig = render.new_figure(5.6, 4.7)
        ax = fig.add_subplot()
        lo, hi = surface.min().log10().item(), surface.max().log10().item()
        ax.contour(
            a1,
            a2,
            surface.log10(),
            levels=torch.linspace(lo, hi, 10).tolist(),
            colors=p["muted"],
            linewidths=0.8,
            negative_linestyles="solid",
        )
        ax.plot([best[0]], [best[1]], "*", color=p["fg"], ms=12, zorder=5)
        starts = sorted({a0 for _, a0 in runs})
        ax.plot(*zip(*starts), "o", mfc="none", color=p["muted"], ms=8, zorder=3)
        (path,) = ax.plot([], [], "-o", ms=2.5, lw=1.4, zorder=4)
        (first,) = ax.plot([], [], "s", ms=8, zorder=5)
        title = ax.set_title(" ", fontsize=11, pad=10)
        ax.set_xlim(*A1_LIM)
        ax.set_ylim(*A2_LIM)
        ax.set_aspect("equal")
        ax.grid(False)
        ax.set_xlabel("slope a₁")
        ax.set_ylabel("intercept a₂")
        colors = {name: REGIME_COLOR[name](p) for name in REGIME_COLOR}

    def update(state):
        run = runs[state["lr"], state["start"]]
        name = regime(run, floor)
        points = run.path.numpy()
        path.set_data(points[:, 0], points[:, 1])
        first.set_data(points[:1, 0], points[:1, 1])
        path.set_color(colors[name])
        first.set_color(colors[name])
        end = (
            f"stopped at step {run.diverged_at}"
            if run.diverged_at is not None
            else f"loss after {steps} steps {run.losses[-1]:.4f}"
        )
        title.set_text(
            minus(
                f"{lr_label(state['lr'])} from {_point(state['start'])}: {name}, {end}"
            )
        )

    return fig, [path, first, title], update


# the roles (render.ROLES) of what a run did, and of the schedules a figure compares
REGIME_COLOR = {
    "crawls": lambda p: p["role"]["path"],
    "converges": lambda p: p["role"]["answer"],
    "diverges": lambda p: p["role"]["wrong"],
}


SCHEDULE_COLOR = {
    "constant": "wrong",  # what goes wrong here: it never settles
    "step decay": "path",
    "cosine": "second",
}


def plot_schedules(runs, theme="light"):
    """Return a Figure: the learning rate at every step, for each schedule of `runs`."""
    steps = len(next(iter(runs.values()))[1]) - 1
    with render.themed(theme) as p:
        fig = render.new_figure(6.4, 2.6)
        ax = fig.add_subplot()
        for name, (schedule, _) in runs.items():
            ax.plot(
                range(steps),
                [schedule(t) for t in range(steps)],
                drawstyle="steps-post",
                color=p["role"][SCHEDULE_COLOR[name]],
                label=name,
            )
        ax.set_xlabel("step t")
        ax.set_ylabel("learning rate")
        ax.legend(loc="center right", fontsize=9)
    return render.settle_layout(fig)


def plot_schedule_runs(x, y, runs, last=0.2, theme="light"):
    """Return a Figure: the loss above the minimum at each step (left), the last steps' parameters (right)."""
    best, floor = least_squares(x, y)
    with render.themed(theme) as p:
        fig = render.new_figure(7.6, 3.4)
        ax, ax_zoom = fig.subplots(1, 2, width_ratios=[1.35, 1])
        steps = len(next(iter(runs.values()))[1]) - 1
        first = steps - round(last * steps)  # the first step of the last `last` of them
        ax.axvspan(first, steps, color=p["grid"], alpha=0.6, lw=0, zorder=0)
        # the minimum as two thin lines that cross, so no marker hides the runs settled on it
        for line in (ax_zoom.axvline, ax_zoom.axhline):
            line(
                best[0 if line == ax_zoom.axvline else 1],
                color=p["fg"],
                lw=0.8,
                ls="--",
            )
        for name, (_, path) in runs.items():
            color = p["role"][SCHEDULE_COLOR[name]]
            excess = (losses(x, y, path) - floor).numpy()
            ax.plot(range(len(excess)), excess, color=color, lw=1.3, label=name)
            tail = path[first:].numpy()
            # the constant rate's wide cloud, drawn light so the settled runs show on top
            if name == "constant":
                ax_zoom.plot(
                    tail[:, 0],
                    tail[:, 1],
                    "-o",
                    color=color,
                    ms=3,
                    lw=0.6,
                    alpha=0.6,
                    zorder=2,
                    label=name,
                )
            else:
                ax_zoom.plot(
                    tail[:, 0],
                    tail[:, 1],
                    "o",
                    color=color,
                    ms=5 if name == "step decay" else 4,
                    zorder=4 if name == "step decay" else 3,
                    markeredgecolor=p["fg"],
                    markeredgewidth=0.6,
                    label=name,
                )
        ax.set_yscale("log")
        ax.yaxis.set_major_locator(LogLocator(base=10, numticks=8))
        ax.yaxis.set_minor_locator(NullLocator())
        ax.yaxis.set_major_formatter(FuncFormatter(numbers.power_of_ten))
        ax.set_xlabel("step")
        ax.set_ylabel("loss − least-squares minimum")
        ax.legend(loc="upper right", fontsize=9)
        ax_zoom.set_aspect("equal", adjustable="datalim")
        ax_zoom.set_xlabel("slope a₁")
        ax_zoom.set_ylabel("intercept a₂")
        ax_zoom.set_title(f"steps {first} to {steps}", fontsize=10)
        ax_zoom.legend(
            loc="upper center",
            bbox_to_anchor=(0.5, -0.2),
            ncols=3,
            fontsize=9,
            handlelength=1.0,
            columnspacing=1.0,
            handletextpad=0.4,
        )
    return render.settle_layout(fig)


# ---------------------------------------------------------------------------------------------
# Captions and sentences: the settings the page runs with, printed from the code that runs


def _defaults(fn):
    """The default value of each of `fn`'s parameters, by name."""
    return {k: v.default for k, v in inspect.signature(fn).parameters.items()}


def _point(a):
    """A point (slope, intercept) as text, (−1, 1), with true minus signs."""
    return minus(f"({float(a[0]):g}, {float(a[1]):g})")


def quadratic_caption(lrs):
    """The caption of the parabola animation, from animate_quadratic's own defaults."""
    settings = _defaults(animate_quadratic)
    h, x0 = settings["curvature"], settings["x0"]
    bowl = "x²/2" if h == 1 else f"{h:g}x²/2"
    return (
        f"Gradient descent on f(x) = {bowl} (h = {h:g}, so the rule is 0 < lr < {2 / h:g}) from "
        f"x = {x0:g}, with {len(lrs)} learning rates. The star is the minimum and each dot one "
        "step; in the last panel the iterates soon leave the picture."
    )


def sweep_caption(runs):
    """The caption of the sweep figure, with the steps and the start of the runs it shows."""
    steps = max(len(run.losses) for run in runs) - 1
    return (
        f"The loss after {steps} steps from a = {_point(runs[0].path[0])}, for each learning rate. "
        "Crosses, above the loss axis: runs that diverged, with the step where descend stopped "
        "them. Dash-dotted: the cliff 2/hₘₐₓ."
    )


def explore_caption(x, y, lrs=EXPLORE_LRS, starts=EXPLORE_STARTS):
    """The explorable's caption: its steps, its knobs' ranges, and where the cliff falls."""
    edge = cliff(x)
    below = max(lr for lr in lrs if lr < edge)
    above = min(lr for lr in lrs if lr > edge)
    return (
        f"Up to 100 steps of gradient descent on the line problem, on the contours of the loss; "
        f"the star is the minimum, the square the start, each dot one step. {len(lrs)} learning "
        f"rates from {lrs[0]:g} to {lrs[-1]:g} on a log scale, and {len(starts)} starts (the "
        f"circles: click one, or choose it below). The cliff, 2/hₘₐₓ = {edge:.4f}, lies between "
        f"{below:g} and {above:g}."
    )


def schedules_caption():
    """The caption of the schedules figure, from schedule_runs' own defaults."""
    s = _defaults(schedule_runs)
    return (
        f"Three schedules over {s['steps']} steps: a constant {s['lr']:g}, step decay "
        f"(× {s['gamma']:g} every {s['step_size']} steps) and cosine annealing from {s['lr']:g} "
        f"to {_defaults(cosine)['lr_min']:g}."
    )


def schedule_runs_caption():
    """The caption of the figure of the three runs, from the defaults of the code that draws it."""
    s, last = _defaults(schedule_runs), _defaults(plot_schedule_runs)["last"]
    return (
        f"Left: how far the loss is above the least-squares minimum at every step, on a log "
        f"scale; the shaded stretch is the last {last:.0%} of the steps. Right: the parameters "
        f"during those steps, around the minimum (where the dashed lines cross). Every run takes batches of "
        f"{s['batch_size']} points, drawn with seed {s['seed']}."
    )


def error_table(lesson):
    """What the checks say about a few wrong calls of the lesson's functions."""
    x, y = make_data(n=10)
    return refusals(
        [
            ("descend(x, y, lr=0)", lambda: lesson.descend(x, y, lr=0)),
            (
                "descend(x, y, lr=float('nan'))",
                lambda: lesson.descend(x, y, lr=float("nan")),
            ),
            ("descend(x, y, lr='0.1')", lambda: lesson.descend(x, y, lr="0.1")),
            ("descend(x, y, steps=2.5)", lambda: lesson.descend(x, y, steps=2.5)),
            ("descend(x, y, a0=(1.0,))", lambda: lesson.descend(x, y, a0=(1.0,))),
            (
                "gradient_descent(abs, 1.0, lr=0.1, steps=-1)",
                lambda: lesson.gradient_descent(abs, 1.0, lr=0.1, steps=-1),
            ),
            (
                "sgd(x, y, schedule=lambda t: 0.1, steps=10, batch_size=20)",
                lambda: lesson.sgd(
                    x, y, schedule=lambda t: 0.1, steps=10, batch_size=20
                ),
            ),
            (
                "sgd(x, y, schedule=lambda t: 0.5 - 0.1 * t, steps=10)",
                lambda: lesson.sgd(x, y, schedule=lambda t: 0.5 - 0.1 * t, steps=10),
            ),
            (
                "sgd_with_scheduler(x, y, lr=0.5, make_scheduler=None, steps=10)",
                lambda: lesson.sgd_with_scheduler(
                    x, y, lr=0.5, make_scheduler=None, steps=10
                ),
            ),
            (
                "cosine(0.5, t=300, steps=200)",
                lambda: lesson.cosine(0.5, t=300, steps=200),
            ),
            (
                "largest_stable_lr(x, y, low=0.5, high=1.5, tol=0)",
                lambda: lesson.largest_stable_lr(x, y, low=0.5, high=1.5, tol=0),
            ),
            (
                "largest_stable_lr(x, y, low=1.5, high=3.0)",
                lambda: lesson.largest_stable_lr(x, y, low=1.5, high=3.0),
            ),
        ]
    )
