"""The drawing of the Mini-batches page: its data and settings, the measurements behind its figures
(batch gradients, their variance, the step-to-step spread of the loss, the paths on the elongated
bowl), the race and variance figures, the momentum animation, and the tables and sentences the
page prints.

Tested in tests/test_mini_batches.py (with the lesson it draws).
"""

import inspect
import math

import torch
from matplotlib.ticker import FuncFormatter, NullFormatter

from snippets import fit_line
from snippets import mini_batches as mb
from snippets.checks import check_count
from snippets.drawing import numbers, render
from snippets.drawing.line_problem import least_squares, losses
from snippets.drawing.tables import refusals

N = 256  # examples in this page's data: every batch size 1, 2, 4, ..., 256 divides it
BOWL_K = 100  # the momentum animation's bowl is BOWL_K times steeper across than along
RACE = {"batch_sizes": (1, 16, 256), "lr": 0.1, "epochs": 5}  # the first figure's runs
VARIANCE = {"a": (-1.0, 1.0), "batch_sizes": [2**k for k in range(8)], "samples": 4000}
SPREAD = {"batch_sizes": (1, 4, 16, 64, 256), "lr": 0.1, "updates": 64}
DATA_PARALLEL = {"batch_size": 32, "lr": 0.1, "epochs": 5, "seed": 0, "world_size": 2}


def make_data(n=N, seed=0):
    """The page's data: the points of Fit a line, N of them (float32, as the whole program has them)."""
    return fit_line.make_data(n=n, seed=seed)


def make_data64(n=N, seed=0):
    """The page's data, the same float32 points, converted to float64 for the measurements."""
    x, y = make_data(n, seed)
    return x.double(), y.double()


def data_sentence():
    """What the data is, from the page's own setting N: its size, and the batch sizes that divide it."""
    sizes = [2**k for k in range(N.bit_length()) if N % 2**k == 0]
    return (
        f"The data is the line of Fit a line, with {N} points instead of 100, so that every batch "
        f"size {', '.join(map(str, sizes[:3]))}, …, {sizes[-1]} cuts it into equal batches."
    )


def race_paths(x, y):
    """The runs of the first figure: a path of mini-batch SGD for each of RACE's batch sizes."""
    return {
        b: mb.train(x, y, b, lr=RACE["lr"], epochs=RACE["epochs"])
        for b in RACE["batch_sizes"]
    }


def race_sentence():
    """How the first figure's runs start, from RACE and train's own defaults."""
    sizes = RACE["batch_sizes"]
    a0 = inspect.signature(mb.train).parameters["a0"].default
    return (
        f"Here are the three kinds of descent, $B$ = {', '.join(map(str, sizes[:-1]))} and "
        f"{sizes[-1]}, each for {RACE['epochs']} epochs with the same learning rate, "
        f"{RACE['lr']}, from the same starting guess, `a0={a0}`:"
    )


def updates_per_epoch(n, batch_size):
    """How many updates one pass over n examples makes: one per batch, the last maybe smaller."""
    check_count("batch_size", batch_size, low=1, high=n)
    return math.ceil(n / batch_size)


def epoch_table(n=8, batch_size=4, epochs=2, seed=0):
    """Return a Markdown table of the batches of indices each epoch, by hand and by a DataLoader."""
    g = torch.Generator().manual_seed(seed)
    index = torch.arange(n)
    loader = mb.make_loader(index.double(), index, batch_size, seed)
    rows = [
        "| epoch | by hand: `randperm(...).split(...)` | `DataLoader(..., shuffle=True)` |",
        "|---:|---|---|",
    ]
    for epoch in range(1, epochs + 1):
        by_hand = " ".join(str(b.tolist()) for b in mb.batches(n, batch_size, g))
        by_loader = " ".join(str(b.tolist()) for _, b in loader)
        rows.append(f"| {epoch} | {by_hand} | {by_loader} |")
    return "\n".join(rows)


# ---------------------------------------------------------------------------------------------
# The mini-batch gradient: right on average, noisy one at a time


def batch_gradients(x, y, a, batch_size, seed=0):
    """The gradient of the loss on each batch of one shuffled epoch, one row per batch."""
    per_example = mb.example_gradients(x, y, a)
    g = torch.Generator().manual_seed(seed)
    return torch.stack(
        [per_example[idx].mean(dim=0) for idx in mb.batches(len(y), batch_size, g)]
    )


def random_batch_gradients(x, y, a, batch_sizes, samples=4000, seed=0):
    """For each batch size, the gradients of `samples` random batches drawn without replacement."""
    # Each sample is a random order of all the examples, and a batch of size B is its first B:
    # a random subset of B, for every B at once, from one set of draws.
    for batch_size in batch_sizes:
        check_count("batch_size", batch_size, low=1, high=len(y))
    per_example = mb.example_gradients(x, y, a)
    g = torch.Generator().manual_seed(seed)
    orders = torch.rand(samples, len(y), generator=g, dtype=torch.float64).argsort(
        dim=1
    )
    return [per_example[orders[:, :b]].mean(dim=1) for b in batch_sizes]


def variance_run(samples=VARIANCE["samples"]):
    """The variance figure's measurement: x, y (float64), a, the batch sizes and their variances."""
    x, y = make_data64()
    a = torch.tensor(VARIANCE["a"], dtype=torch.float64)
    sizes = VARIANCE["batch_sizes"]
    return x, y, a, sizes, variances(x, y, a, sizes, samples=samples)


def variances(x, y, a, batch_sizes, samples=4000, seed=0):
    """For each batch size, the mean squared distance from a random batch's gradient to the full one."""
    full = fit_line.gradient(x, y, a)
    return [
        ((g - full) ** 2).sum(dim=1).mean().item()
        for g in random_batch_gradients(x, y, a, batch_sizes, samples, seed)
    ]


def example_variance(x, y, a):
    """sigma^2: the mean squared distance from one example's gradient to the full gradient."""
    per_example = mb.example_gradients(x, y, a)
    return ((per_example - per_example.mean(dim=0)) ** 2).sum(dim=1).mean().item()


def variance_formula(x, y, a, batch_size):
    """The variance of a batch gradient drawn without replacement: sigma^2 / B (n - B) / (n - 1)."""
    n = len(y)
    # a batch larger than the data would give a negative variance
    check_count("batch_size", batch_size, low=1, high=n)
    return example_variance(x, y, a) / batch_size * (n - batch_size) / (n - 1)


def variance_slope(batch_sizes, measured, fit_below=32):
    """The log-log slope of variance against batch size, up to fit_below: -1 means ∝ 1 / B."""
    # Batches near n are left out: there the factor (n - B) / (n - 1) of sampling without
    # replacement bends the line down.
    kept = [(b, v) for b, v in zip(batch_sizes, measured) if b <= fit_below]
    if len(kept) < 2:
        raise ValueError(
            f"need at least 2 batch sizes up to {fit_below}, got {len(kept)}"
        )
    return numbers.loglog_slope(*zip(*kept))


def step_spread(x, y, batch_size, lr=0.1, updates=64, seed=0):
    """Start at the best line; return the spread (std) of the loss's change from update to update."""
    best = least_squares(x, y)[0]
    epochs = math.ceil(updates * batch_size / len(y))
    path = mb.train(x, y, batch_size, lr=lr, epochs=epochs, a0=best.tolist(), seed=seed)
    return losses(x, y, path[: updates + 1]).diff().std().item()


# ---------------------------------------------------------------------------------------------
# Momentum


def bowl(p, k=BOWL_K):
    """An elongated bowl, (p1^2 + k p2^2) / 2: k times as steep across as along."""
    return (p[..., 0] ** 2 + k * p[..., 1] ** 2) / 2


def momentum_table(f, p0, lr, mu, steps):
    """Return a Markdown table of p and the step taken, by hand and by torch.optim, for each step."""
    by_hand = mb.momentum_descent(f, p0, lr, mu, steps)
    by_optim = mb.momentum_with_optim(f, p0, lr, mu, steps)
    rows = [
        "| step | $p$ by hand | $p$ with `torch.optim.SGD` | how far $p$ moved |",
        "|---:|---:|---:|---:|",
    ]
    for t in range(1, steps + 1):
        rows.append(
            f"| {t} | {by_hand[t].item():.4f} | {by_optim[t].item():.4f} | "
            f"{(by_hand[t - 1] - by_hand[t]).abs().item():.4f} |"
        )
    return "\n".join(rows)


def bowl_paths(p0=(-10.0, 1.0), lr=0.019, mu=0.9, steps=60, k=BOWL_K):
    """The paths of plain gradient descent and of momentum on the elongated bowl."""

    def f(p):
        return bowl(p, k)

    return mb.momentum_descent(f, p0, lr, 0.0, steps), mb.momentum_descent(
        f, p0, lr, mu, steps
    )


def zigzag_steps(path):
    """How many of the first steps in a row flip the sign of p2, crossing the valley's floor."""
    flips = (path[1:, 1].sign() * path[:-1, 1].sign()) < 0
    return len(flips) if bool(flips.all()) else int(flips.int().argmin())


# ---------------------------------------------------------------------------------------------
# Tables of numbers from the runs, for the page


def race_table(x, y, paths):
    """Return a Markdown table: for each batch size, updates per epoch and the loss as epochs pass."""
    n = len(y)
    epochs = (len(next(iter(paths.values()))) - 1) * next(iter(paths)) // n
    rows = [
        (
            f"| batch size $B$ | updates per epoch | loss after epoch 1 | after epoch {epochs} | "
            f"lowest and highest in epoch {epochs} |"
        ),
        "|---|---:|---:|---:|---:|",
    ]
    for batch_size, path in paths.items():
        loss, per_epoch = losses(x, y, path), updates_per_epoch(n, batch_size)
        last = loss[-per_epoch:]
        kind = {1: "stochastic", n: "batch"}.get(batch_size, "mini-batch")
        spread = (
            f"{last.min():.4f} to {last.max():.4f}"
            if per_epoch > 1
            else "one update only"
        )
        rows.append(
            f"| {batch_size} ({kind}) | {per_epoch} | {loss[per_epoch]:.4f} | "
            f"{loss[-1]:.4f} | {spread} |"
        )
    return "\n".join(rows)


def spread_sentence():
    """How the spread table is measured, from SPREAD."""
    return (
        f"Start every batch size at the least-squares solution, take {SPREAD['updates']} updates "
        f"with learning rate {SPREAD['lr']}, and measure how much the loss changes from one "
        f"update to the next (its standard deviation):"
    )


def spread_table(x, y, batch_sizes, lr=0.1, updates=64):
    """Return a Markdown table of the step-to-step spread of the loss, from the minimum, per batch size."""
    rows = [
        "| batch size $B$ | spread of the change in loss per update |",
        "|---:|---:|",
    ]
    for batch_size in batch_sizes:
        spread = step_spread(x, y, batch_size, lr=lr, updates=updates)
        rows.append(f"| {batch_size} | {numbers.sci(spread, 2) if spread else '0'} |")
    return "\n".join(rows)


def data_parallel_run(x, y):
    """The page's data-parallel run, DATA_PARALLEL: each rank's final weights, and one process
    alone on the same batches."""
    ranks = mb.launch(x, y, **DATA_PARALLEL)
    alone = mb.train(
        x,
        y,
        DATA_PARALLEL["batch_size"],
        lr=DATA_PARALLEL["lr"],
        epochs=DATA_PARALLEL["epochs"],
        seed=DATA_PARALLEL["seed"],
    )[-1]
    return ranks, alone


def data_parallel_sentence(n):
    """What the page's data-parallel run does, from DATA_PARALLEL."""
    run = DATA_PARALLEL
    return (
        f"The build of this page ran it: {run['world_size']} processes, {n} points, batches of "
        f"{run['batch_size']} ({run['batch_size'] // run['world_size']} for each process), "
        f"learning rate {run['lr']}, {run['epochs']} epochs. Then one process trained alone on "
        f"the same batches:"
    )


def data_parallel_table(ranks, single, batch_size):
    """Return a Markdown table of the final weights of each rank and of one process alone."""
    world_size = len(ranks)
    rows = ["| who | examples per update | final $a$ |", "|---|---:|---|"]
    for rank, a in enumerate(ranks):
        rows.append(
            f"| process {rank} of {world_size} | {batch_size // world_size} | "
            f"{numbers.vec(a, 6)} |"
        )
    rows.append(f"| one process alone | {batch_size} | {numbers.vec(single, 6)} |")
    return "\n".join(rows)


def error_table(lesson):
    """What the checks say about a few wrong calls of the lesson's functions."""
    x, y = make_data(n=8)
    return refusals(
        [
            ("train(x, y, batch_size=0)", lambda: lesson.train(x, y, batch_size=0)),
            ("train(x, y, batch_size=9)", lambda: lesson.train(x, y, batch_size=9)),
            ("train(x, y, batch_size=2.5)", lambda: lesson.train(x, y, batch_size=2.5)),
            ("train(x, y[:-1], batch_size=4)", lambda: lesson.train(x, y[:-1], 4)),
            (
                "train(x, y, batch_size=4, lr=float('nan'))",
                lambda: lesson.train(x, y, 4, lr=float("nan")),
            ),
            (
                "momentum_descent(lambda p: p ** 2, 1.0, mu=1.0)",
                lambda: lesson.momentum_descent(lambda p: p**2, 1.0, mu=1.0),
            ),
            (
                "launch(x, y, batch_size=4, lr=float('nan'))",
                lambda: lesson.launch(x, y, 4, lr=float("nan")),
            ),
            (
                "launch(x, y, batch_size=4, world_size=3)",
                lambda: lesson.launch(x, y, 4, world_size=3),
            ),
            ("launch(x, y, batch_size=6)", lambda: lesson.launch(x, y, 6)),
        ]
    )


# ---------------------------------------------------------------------------------------------
# Figures


def _plain_log_labels(axis):
    """Label a log axis 0.1, 1, 10 in plain text: matplotlib's 10⁻¹ needs mathtext, slow to start."""
    axis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    axis.set_minor_formatter(NullFormatter())


def plot_race(x, y, paths, theme="light"):
    """Return a Figure: the loss on all the data against updates (left) and epochs (right)."""
    floor = least_squares(x, y)[1]
    n = len(y)
    with render.themed(theme) as p:
        fig = render.new_figure(7.6, 3.8)
        ax_u, ax_e = fig.subplots(1, 2, sharey=True)
        colors = {1: p["cycle"][1], n: p["cycle"][2]}
        for batch_size, path in paths.items():
            loss = losses(x, y, path).numpy()
            kind = {1: "stochastic", n: "batch"}.get(batch_size, "mini-batch")
            style = {"color": colors.get(batch_size, p["cycle"][0]), "lw": 1.3}
            # on a log axis: from update 1
            ax_u.plot(range(1, len(loss)), loss[1:], **style)
            ax_e.plot(
                [t * batch_size / n for t in range(len(loss))],
                loss,
                **style,
                label=f"B = {batch_size} ({kind})",
            )
        for ax in (ax_u, ax_e):
            ax.axhline(floor, ls=":", color=p["fg"], lw=1.2)
            ax.set_yscale("log")
        ax_e.lines[-1].set_label(f"least-squares minimum, {floor:.4f}")
        ax_u.set_xscale("log")
        for axis in (ax_u.xaxis, ax_u.yaxis):
            _plain_log_labels(axis)
        ax_u.set_xlabel("updates (log scale)")
        ax_e.set_xlabel(f"epochs (examples seen ÷ {n})")
        ax_e.set_xlim(0, None)
        ax_u.set_ylabel("loss on all the data")
        fig.legend(loc="outside lower center", ncols=2, fontsize=9)
    return fig


def plot_variance(x, y, a, batch_sizes, measured, fit_below=32, theme="light"):
    """Return a Figure: the measured variance of the batch gradient against batch size, log axes."""
    n = len(y)
    b = torch.logspace(
        0, math.log10(max(batch_sizes)), 60, dtype=torch.float64
    ).tolist()
    one = example_variance(x, y, a)
    slope = variance_slope(batch_sizes, measured, fit_below)
    with render.themed(theme) as p:
        fig = render.new_figure(6.4, 4.0)
        ax = fig.add_subplot()
        ax.plot(b, [one / v for v in b], "--", color=p["muted"], lw=1.4, label="σ² / B")
        ax.plot(
            b,
            [one / v * (n - v) / (n - 1) for v in b],  # the formula, between the sizes
            color=p["cycle"][0],
            lw=1.6,
            label=f"σ² / B × (n − B) / (n − 1), with n = {n}",
        )
        ax.plot(
            batch_sizes,
            measured,
            "o",
            color=p["cycle"][1],
            ms=7,
            zorder=3,
            label=f"measured; slope {numbers.minus(f'{slope:.2f}')} for B ≤ {fit_below}",
        )
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xticks(batch_sizes, [str(v) for v in batch_sizes])
        ax.minorticks_off()
        _plain_log_labels(ax.yaxis)
        ax.set_xlabel("batch size B")
        ax.set_ylabel("variance of the batch gradient")
        ax.legend(loc="lower left")
    return fig


def _bowl_contours(ax, lim1, lim2, k, p):
    """Draw contour lines of the bowl on ax, evenly spaced on a log scale, and its minimum."""
    u = torch.linspace(*lim1, 121, dtype=torch.float64)
    w = torch.linspace(*lim2, 121, dtype=torch.float64)
    U, W = torch.meshgrid(u, w, indexing="xy")
    z = bowl(torch.stack([U, W], dim=-1), k)
    ax.contour(
        U,
        W,
        z,
        levels=torch.logspace(-2, 2, 12).tolist(),
        colors=p["muted"],
        linewidths=0.7,
    )
    ax.plot([0], [0], "*", color=p["fg"], ms=10, zorder=2)
    ax.set_xlim(*lim1)
    ax.set_ylim(*lim2)
    ax.grid(False)
    ax.set_xlabel("p₁ (along the valley)")


def animate_bowl(gd, mom, theme="light", k=BOWL_K, mu=0.9):
    """Return frames of plain gradient descent (left) and momentum (right) on the elongated bowl."""
    loss_gd, loss_mom = bowl(gd, k).numpy(), bowl(mom, k).numpy()
    gd, mom = gd.numpy(), mom.numpy()
    lim1 = (
        min(gd[:, 0].min(), mom[:, 0].min()) - 0.8,
        max(gd[:, 0].max(), mom[:, 0].max()) + 0.8,
    )
    top = max(abs(gd[:, 1]).max(), abs(mom[:, 1]).max()) * 1.15
    with render.themed(theme) as p:
        fig = render.new_figure(7.6, 3.4)
        axes = fig.subplots(1, 2, sharey=True)
        trails, balls = [], []
        for ax, path, color, title in (
            (axes[0], gd, p["cycle"][1], "plain gradient descent"),
            (axes[1], mom, p["cycle"][0], f"momentum, μ = {mu:g}"),
        ):
            _bowl_contours(ax, lim1, (-top, top), k, p)
            ax.plot(path[:1, 0], path[:1, 1], "s", color=color, ms=6, zorder=3)
            ax.set_title(title)
            trails += ax.plot([], [], "-", color=color, lw=1.3, zorder=3)
            balls += ax.plot([], [], "o", color=color, ms=7, mec=p["fg"], zorder=4)
        axes[0].set_ylabel("p₂ (across the valley)")
        # one line of text for both panels: drawing text is the slowest part of a frame
        title = fig.suptitle(" ", fontfamily="monospace", fontsize=10)

        def update(t):
            for trail, ball, path in zip(trails, balls, (gd, mom)):
                trail.set_data(path[: t + 1, 0], path[: t + 1, 1])
                ball.set_data(path[t : t + 1, 0], path[t : t + 1, 1])
            title.set_text(
                f"step {t:2d}    loss: plain {loss_gd[t]:7.3f}   momentum {loss_mom[t]:7.3f}"
            )

        frames = render.blit_frames(
            fig, [*trails, *balls, title], update, range(len(gd))
        )
    return frames
