"""Mini-batches: a gradient from a few examples at a time, momentum, and many processes at once.

Shown in docs/mini-batches.md; claims tested in tests/test_mini_batches.py.
"""

import math
import os
import queue
import socket

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from matplotlib.ticker import FuncFormatter, NullFormatter

# --8<-- [start:imports]
from torch.utils.data import DataLoader, TensorDataset

# --8<-- [end:imports]
from snippets import fit_line, gradients, render
from snippets.fit_line import mse

N = 256  # examples in this page's data: every batch size 1, 2, 4, ..., 256 divides it
BOWL_K = (
    100  # the elongated bowl of the momentum animation is BOWL_K times steeper across
)


def make_data(n=N, seed=0, dtype=torch.float32):
    """The points of Fit a line, 256 of them unless told otherwise."""
    return fit_line.make_data(n=n, seed=seed, dtype=dtype)


# --8<-- [start:checks]
def check_batches(x, y, batch_size):
    """Raise a ValueError that says what is wrong with x, y or batch_size."""
    if len(x) != len(y):
        raise ValueError(
            f"x and y must hold the same number of examples, got {len(x)} and {len(y)}"
        )
    if not isinstance(batch_size, int) or not 1 <= batch_size <= len(y):
        raise ValueError(
            f"batch_size must be an integer from 1 to the number "
            f"of examples ({len(y)}), got {batch_size!r}"
        )


def check_training(lr, epochs):
    """Raise a ValueError that says what is wrong with lr or epochs."""
    if not lr > 0:
        raise ValueError(f"lr must be positive, got {lr}")
    if not isinstance(epochs, int) or epochs < 0:
        raise ValueError(f"epochs must be an integer >= 0, got {epochs!r}")
    # --8<-- [end:checks]


# --8<-- [start:momentum_checks]
def check_momentum_args(lr, mu, steps):
    """Raise a ValueError that says what is wrong with lr, mu or steps."""
    if not lr > 0:
        raise ValueError(f"lr must be positive, got {lr}")
    if not 0 <= mu < 1:
        raise ValueError(f"momentum mu must be in [0, 1), got {mu}")
    if not isinstance(steps, int) or steps < 0:
        raise ValueError(f"steps must be an integer >= 0, got {steps!r}")
    # --8<-- [end:momentum_checks]


# --8<-- [start:batches]
def batches(n, batch_size, generator):
    """One epoch: the indices 0..n-1 in a random order, cut into batches."""
    return torch.randperm(n, generator=generator).split(batch_size)
    # --8<-- [end:batches]


# --8<-- [start:train]
def train(x, y, batch_size, lr=0.1, epochs=5, a0=(-1.0, 1.0), seed=0):
    """Mini-batch SGD for y ≈ x @ a; return a0 and a after every update."""
    check_batches(x, y, batch_size)
    check_training(lr, epochs)
    g = torch.Generator().manual_seed(seed)
    a = torch.tensor(a0, dtype=x.dtype, requires_grad=True)
    path = [a.detach().clone()]
    for _ in range(epochs):  # every example once
        for idx in batches(len(y), batch_size, g):  # one update per batch
            loss = mse(x[idx] @ a, y[idx])  # the batch's loss only
            loss.backward()
            with torch.no_grad():
                a -= lr * a.grad
                a.grad.zero_()
            path.append(a.detach().clone())
    return torch.stack(path)
    # --8<-- [end:train]


# --8<-- [start:loader]
def make_loader(x, y, batch_size, seed=0):
    """A DataLoader that deals (x, y) out in batches, reshuffled every epoch."""
    check_batches(x, y, batch_size)
    g = torch.Generator().manual_seed(seed)
    return DataLoader(
        TensorDataset(x, y), batch_size=batch_size, shuffle=True, generator=g
    )


def train_with_loader(
    x, y, batch_size, lr=0.1, epochs=5, momentum=0.0, a0=(-1.0, 1.0), seed=0
):
    """The same training, with a DataLoader and torch.optim.SGD."""
    check_training(lr, epochs)
    loader = make_loader(x, y, batch_size, seed)
    a = torch.tensor(a0, dtype=x.dtype, requires_grad=True)
    opt = torch.optim.SGD([a], lr=lr, momentum=momentum)
    path = [a.detach().clone()]
    for _ in range(epochs):
        for xb, yb in loader:  # a fresh shuffle at every epoch
            mse(xb @ a, yb).backward()
            opt.step()
            opt.zero_grad()
            path.append(a.detach().clone())
    return torch.stack(path)
    # --8<-- [end:loader]


def epoch_table(n=8, batch_size=4, epochs=2, seed=0):
    """Return a Markdown table of the batches of indices each epoch, by hand and by a DataLoader."""
    g = torch.Generator().manual_seed(seed)
    index = torch.arange(n)
    loader = make_loader(index, index, batch_size, seed)
    rows = [
        "| epoch | by hand: `randperm(...).split(...)` | `DataLoader(..., shuffle=True)` |",
        "|---:|---|---|",
    ]
    for epoch in range(1, epochs + 1):
        by_hand = " ".join(str(b.tolist()) for b in batches(n, batch_size, g))
        by_loader = " ".join(str(b.tolist()) for b, _ in loader)
        rows.append(f"| {epoch} | {by_hand} | {by_loader} |")
    return "\n".join(rows)


def updates_per_epoch(n, batch_size):
    """How many updates one pass over n examples makes: one per batch, the last maybe smaller."""
    return math.ceil(n / batch_size)


# --8<-- [start:accumulate]
def train_accumulated(
    x, y, batch_size, micro, lr=0.1, epochs=5, a0=(-1.0, 1.0), seed=0
):
    """Mini-batch SGD, its gradients summed `micro` examples at a time."""
    check_batches(x, y, batch_size)
    check_training(lr, epochs)
    if not isinstance(micro, int) or micro < 1:
        raise ValueError(f"micro must be a positive integer, got {micro!r}")
    g = torch.Generator().manual_seed(seed)
    a = torch.tensor(a0, dtype=x.dtype, requires_grad=True)
    path = [a.detach().clone()]
    for _ in range(epochs):
        for idx in batches(len(y), batch_size, g):
            for part in idx.split(micro):  # backward() adds to a.grad
                share = len(part) / len(idx)  # this part's share of the batch
                (share * mse(x[part] @ a, y[part])).backward()
            with torch.no_grad():
                a -= lr * a.grad  # the whole batch's gradient
                a.grad.zero_()
            path.append(a.detach().clone())
    return torch.stack(path)
    # --8<-- [end:accumulate]


# ---------------------------------------------------------------------------------------------
# The mini-batch gradient: right on average, noisy one at a time


# --8<-- [start:example_gradients]
def example_gradients(x, y, a):
    """The gradient of each example's squared error, one row per example."""
    return 2 * x * (x @ a - y)[:, None]
    # --8<-- [end:example_gradients]


def batch_gradients(x, y, a, batch_size, seed=0):
    """The gradient of the loss on each batch of one shuffled epoch, one row per batch."""
    check_batches(x, y, batch_size)
    per_example = example_gradients(x, y, a)
    g = torch.Generator().manual_seed(seed)
    return torch.stack(
        [per_example[idx].mean(dim=0) for idx in batches(len(y), batch_size, g)]
    )


def random_batch_gradients(x, y, a, batch_sizes, samples=4000, seed=0):
    """For each batch size, the gradients of `samples` random batches drawn without replacement."""
    # Each sample is a random order of all the examples, and a batch of size B is its first B:
    # a random subset of B, for every B at once, from one set of draws.
    for batch_size in batch_sizes:
        check_batches(x, y, batch_size)
    per_example = example_gradients(x, y, a)
    g = torch.Generator().manual_seed(seed)
    orders = torch.rand(samples, len(y), generator=g, dtype=torch.float64).argsort(
        dim=1
    )
    return [per_example[orders[:, :b]].mean(dim=1) for b in batch_sizes]


def variances(x, y, a, batch_sizes, samples=4000, seed=0):
    """For each batch size, the mean squared distance from a random batch's gradient to the full one."""
    full = fit_line.gradient(x, y, a)
    return [
        ((g - full) ** 2).sum(dim=1).mean().item()
        for g in random_batch_gradients(x, y, a, batch_sizes, samples, seed)
    ]


def example_variance(x, y, a):
    """sigma^2: the mean squared distance from one example's gradient to the full gradient."""
    per_example = example_gradients(x, y, a)
    return ((per_example - per_example.mean(dim=0)) ** 2).sum(dim=1).mean().item()


def variance_formula(x, y, a, batch_size):
    """The variance of a batch gradient drawn without replacement: sigma^2 / B (n - B) / (n - 1)."""
    n = len(y)
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
    return gradients.loglog_slope(*zip(*kept))


def step_spread(x, y, batch_size, lr=0.1, updates=64, seed=0):
    """Start at the best line; return the spread (std) of the loss's change from update to update."""
    best = fit_line.least_squares(x, y)[0]
    epochs = math.ceil(updates * batch_size / len(y))
    path = train(x, y, batch_size, lr=lr, epochs=epochs, a0=best.tolist(), seed=seed)
    return fit_line.losses(x, y, path[: updates + 1]).diff().std().item()


# ---------------------------------------------------------------------------------------------
# Momentum


def bowl(p, k=BOWL_K):
    """An elongated bowl, (p1^2 + k p2^2) / 2: k times as steep across as along."""
    return (p[..., 0] ** 2 + k * p[..., 1] ** 2) / 2


# --8<-- [start:momentum]
def momentum_descent(f, p0, lr=0.1, mu=0.9, steps=100):
    """Gradient descent with momentum on f; return p0 and p after each step."""
    check_momentum_args(lr, mu, steps)
    p = torch.tensor(p0, dtype=torch.float64, requires_grad=True)
    v = torch.zeros_like(p)  # the velocity starts at rest
    path = [p.detach().clone()]
    for _ in range(steps):
        f(p).backward()
        with torch.no_grad():
            v = mu * v + p.grad  # keep mu of the old velocity
            p -= lr * v  # step along the velocity
        p.grad = None
        path.append(p.detach().clone())
    return torch.stack(path)
    # --8<-- [end:momentum]


# --8<-- [start:momentum_optim]
def momentum_with_optim(f, p0, lr=0.1, mu=0.9, steps=100):
    """The same descent, with torch.optim.SGD(momentum=mu) doing the update."""
    check_momentum_args(lr, mu, steps)
    p = torch.tensor(p0, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([p], lr=lr, momentum=mu)
    path = [p.detach().clone()]
    for _ in range(steps):
        f(p).backward()
        opt.step()
        opt.zero_grad()
        path.append(p.detach().clone())
    return torch.stack(path)
    # --8<-- [end:momentum_optim]


def momentum_table(f, p0, lr, mu, steps):
    """Return a Markdown table of p and the step taken, by hand and by torch.optim, for each step."""
    by_hand = momentum_descent(f, p0, lr, mu, steps)
    by_optim = momentum_with_optim(f, p0, lr, mu, steps)
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

    return momentum_descent(f, p0, lr, 0.0, steps), momentum_descent(
        f, p0, lr, mu, steps
    )


def zigzag_steps(path):
    """How many of the first steps in a row flip the sign of p2, crossing the valley's floor."""
    flips = (path[1:, 1].sign() * path[:-1, 1].sign()) < 0
    return len(flips) if bool(flips.all()) else int(flips.int().argmin())


# ---------------------------------------------------------------------------------------------
# Data parallelism: two processes, each with half of every batch


# --8<-- [start:ddp_step]
def data_parallel_step(a, x_mine, y_mine, lr):
    """One update: this rank's gradient, averaged with all the others'."""
    mse(x_mine @ a, y_mine).backward()
    dist.all_reduce(a.grad)  # now the sum of every rank's gradient
    a.grad /= dist.get_world_size()  # ... and now their average
    with torch.no_grad():
        a -= lr * a.grad
    a.grad.zero_()
    # --8<-- [end:ddp_step]


# --8<-- [start:ddp_train]
def train_rank(rank, world_size, port, x, y, batch_size, lr, epochs, seed):
    """Run in each process: train on this rank's share of every batch."""
    os.environ["MASTER_ADDR"] = "127.0.0.1"  # where rank 0 waits for the rest
    os.environ["MASTER_PORT"] = str(port)
    dist.init_process_group("gloo", rank=rank, world_size=world_size)
    try:
        g = torch.Generator().manual_seed(seed)  # one seed for all ranks:
        a = torch.tensor([-1.0, 1.0], dtype=x.dtype, requires_grad=True)
        for _ in range(epochs):
            for idx in batches(len(y), batch_size, g):  # the same batches,
                mine = idx.chunk(world_size)[rank]  # a different share
                data_parallel_step(a, x[mine], y[mine], lr)
        return a.detach()
    finally:
        dist.destroy_process_group()
    # --8<-- [end:ddp_train]


# --8<-- [start:launch]
def free_port():
    """A TCP port that nothing on this machine listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rank_main(rank, world_size, port, args, results):
    """What each new process runs: train, then send its weights back."""
    torch.set_num_threads(1)  # one thread per process: they share the cores
    try:
        a = train_rank(rank, world_size, port, *args)
        results.put((rank, a.tolist(), None))
    except BaseException as error:
        results.put((rank, None, f"{type(error).__name__}: {error}"))
        raise


def launch(x, y, batch_size, lr=0.1, epochs=5, seed=0, world_size=2, timeout=120):
    """Train with world_size processes; return each rank's final weights."""
    check_batches(x, y, batch_size)
    if not isinstance(world_size, int) or world_size < 1 or batch_size % world_size:
        raise ValueError(
            f"world_size must be a positive integer that divides "
            f"batch_size ({batch_size}), got {world_size!r}"
        )
    if len(y) % batch_size:
        raise ValueError(
            f"batch_size must divide the number of examples "
            f"({len(y)}), so that every batch can be shared "
            f"equally; got {batch_size}"
        )
    ctx = mp.get_context("spawn")  # each process a fresh Python interpreter
    results = ctx.Queue()
    args = (free_port(), (x, y, batch_size, lr, epochs, seed), results)
    procs = [
        ctx.Process(target=_rank_main, args=(rank, world_size, *args), daemon=True)
        for rank in range(world_size)
    ]
    for proc in procs:
        proc.start()
    weights, waited = {}, 0.0
    try:
        while len(weights) < world_size:
            try:
                rank, a, error = results.get(timeout=0.5)
            except queue.Empty:  # still training, or one of them died
                waited += 0.5
                died = [p.exitcode for p in procs if p.exitcode]
                if died or waited > timeout:
                    raise RuntimeError(
                        f"training failed: exit codes {died} after {waited:.0f} s"
                    ) from None
                continue
            if error is not None:
                raise RuntimeError(f"rank {rank} failed: {error}")
            weights[rank] = torch.tensor(a, dtype=x.dtype)
    finally:
        for proc in procs:
            proc.join(timeout=10)
            if proc.is_alive():
                proc.terminate()
    return [weights[rank] for rank in range(world_size)]
    # --8<-- [end:launch]


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
        loss, per_epoch = fit_line.losses(x, y, path), updates_per_epoch(n, batch_size)
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


def spread_table(x, y, batch_sizes, lr=0.1, updates=64):
    """Return a Markdown table of the step-to-step spread of the loss, from the minimum, per batch size."""
    rows = [
        "| batch size $B$ | spread of the change in loss per update |",
        "|---:|---:|",
    ]
    for batch_size in batch_sizes:
        spread = step_spread(x, y, batch_size, lr=lr, updates=updates)
        rows.append(f"| {batch_size} | {gradients.sci(spread, 2) if spread else '0'} |")
    return "\n".join(rows)


def data_parallel_table(ranks, single, batch_size):
    """Return a Markdown table of the final weights of each rank and of one process alone."""
    world_size = len(ranks)
    rows = ["| who | examples per update | final $a$ |", "|---|---:|---|"]
    for rank, a in enumerate(ranks):
        rows.append(
            f"| process {rank} of {world_size} | {batch_size // world_size} | "
            f"{gradients.vec(a, 6)} |"
        )
    rows.append(f"| one process alone | {batch_size} | {gradients.vec(single, 6)} |")
    return "\n".join(rows)


# ---------------------------------------------------------------------------------------------
# Figures


def _plain_log_labels(axis):
    """Label a log axis 0.1, 1, 10 in plain text: matplotlib's 10⁻¹ needs mathtext, slow to start."""
    axis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    axis.set_minor_formatter(NullFormatter())


def plot_race(x, y, paths, theme="light"):
    """Return a Figure: the loss on all the data against updates (left) and epochs (right)."""
    floor = fit_line.least_squares(x, y)[1]
    n = len(y)
    with render.themed(theme) as p:
        fig = render.new_figure(7.6, 3.8)
        ax_u, ax_e = fig.subplots(1, 2, sharey=True)
        colors = {1: p["cycle"][1], n: p["cycle"][2]}
        for batch_size, path in paths.items():
            loss = fit_line.losses(x, y, path).numpy()
            kind = {1: "stochastic", n: "batch"}.get(batch_size, "mini-batch")
            style = {"color": colors.get(batch_size, p["cycle"][0]), "lw": 1.3}
            ax_u.plot(
                range(1, len(loss)), loss[1:], **style
            )  # on a log axis: from update 1
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
            [variance_formula(x, y, a, v) for v in b],
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
            label=f"measured; slope {gradients.minus(f'{slope:.2f}')} for B ≤ {fit_below}",
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


# --8<-- [start:run]
if __name__ == "__main__":
    x, y = make_data(n=256)
    path = train_with_loader(x, y, batch_size=16, lr=0.05, epochs=5, momentum=0.9)
    per_epoch = len(y) // 16
    for epoch in range(6):
        a = path[epoch * per_epoch]
        print(f"epoch {epoch}  a = ({a[0]:.3f}, {a[1]:.3f})  loss {mse(x @ a, y):.4f}")
# --8<-- [end:run]
