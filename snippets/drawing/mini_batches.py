"""The drawing of the Mini-batches page: its data and settings, the measurements behind its figures
(batch gradients, their variance, the step-to-step spread of the loss, the paths on the elongated
bowl), the race and variance figures, the momentum animation, and the tables and sentences the
page prints.

Tested in tests/test_mini_batches.py (with the lesson it draws).
"""

import inspect
import math
from fractions import Fraction

import torch
from matplotlib.patches import Rectangle
from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter
from torch.utils._python_dispatch import TorchDispatchMode

from snippets import fit_line, learning_rate
from snippets import mini_batches as mb
from snippets.checks import check_count
from snippets.drawing import numbers, render
from snippets.drawing.line_problem import least_squares, losses
from snippets.drawing.tables import refusals

N = 256  # examples in this page's data: every batch size 1, 2, 4, ..., 256 divides it
BOWL_K = 100  # the momentum animation's bowl is BOWL_K times steeper across than along
# the first figure's runs, and the losses its axis labels
RACE = {
    "batch_sizes": (1, 16, 256),
    "lr": 0.1,
    "epochs": 5,
    "loss_ticks": (0.1, 0.2, 0.5, 1, 2, 5),
}
VARIANCE = {"a": (-1.0, 1.0), "batch_sizes": [2**k for k in range(8)], "samples": 4000}
SPREAD = {"batch_sizes": (1, 4, 16, 64, 256), "lr": 0.1, "updates": 64}
# the bowl: where the runs start, how long they run, and the common momentum 0.9 at plain descent's
# learning rate just under 2 / 100
VALLEY = {
    "p0": (-10.0, 1.0),
    "steps": 60,  # the animation's
    "loss_steps": 120,  # the loss figure's
    "lr": 0.019,
    "mu": 0.9,
    "sweep_lrs": (
        0.0005,
        0.045,
        90,
    ),  # the sweep's learning rates: first, last, how many
    "sweep_steps": 120,
    "sweep_every": 10,  # a measured run at every tenth learning rate of the sweep
}
# momentum on mini-batches: (learning rate, momentum) of each run, and the epochs over which a
# run's level above the minimum is averaged (from settled_from on)
NOISY = {
    "batch_size": 16,
    "epochs": 12,
    "settled_from": 6,
    "runs": ((0.1, 0.0), (0.1, 0.9), (0.01, 0.9)),
    "seed": 0,
    "independent_epochs": 100,
}
# the data-parallel run: batch_size is per process, so each update's batch is batch_size × world_size
DATA_PARALLEL = {"batch_size": 16, "lr": 0.1, "epochs": 5, "seed": 0, "world_size": 2}
# the timing figure: every batch size, each timed over at least `updates` updates, best of `repeats`
COST = {"batch_sizes": [2**k for k in range(9)], "updates": 64, "repeats": 5}


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


def error_slope(batch_sizes, measured, fit_below=32):
    """The log-log slope of the error's typical size, the root of the variance: -1/2 means 1 / √B."""
    roots = [math.sqrt(v) for v in measured]
    return variance_slope(batch_sizes, roots, fit_below)


def step_spread(x, y, batch_size, lr=0.1, updates=64, seed=0):
    """Start at the best line; return the spread (std) of the loss's change from update to update."""
    best = least_squares(x, y)[0]
    epochs = math.ceil(updates * batch_size / len(y))
    path = mb.train(x, y, batch_size, lr=lr, epochs=epochs, a0=best.tolist(), seed=seed)
    return losses(x, y, path[: updates + 1]).diff().std().item()


# ---------------------------------------------------------------------------------------------
# What a step costs: measured time (it differs between builds), and counted operations (it does not)


def cost_run(x, y):
    """The timing figure's measurement: for each of COST's batch sizes, the seconds per update
    (best of COST's repeats, one thread) and per epoch. Not reproducible: it is a measurement."""
    sizes = COST["batch_sizes"]
    # round after round over every size, the fastest of its rounds kept: a busy moment of the
    # machine then slows one round of every size, not all the runs of one size
    rounds = [
        [
            mb.seconds_per_update(
                x, y, b, epochs=max(1, COST["updates"] * b // len(y)), repeats=1
            )
            for b in sizes
        ]
        for _ in range(COST["repeats"])
    ]
    per_update = [min(times) for times in zip(*rounds)]
    per_epoch = [t * updates_per_epoch(len(y), b) for t, b in zip(per_update, sizes)]
    return sizes, per_update, per_epoch


class _CountOps(TorchDispatchMode):
    """Counts the operations PyTorch runs (each aten call: a matrix product, a subtraction...)."""

    def __init__(self):
        super().__init__()
        self.count = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        self.count += 1
        return func(*args, **(kwargs or {}))


def ops_per_update(batch_size, updates=16):
    """How many operations one update of train runs at this batch size: train on `updates`
    batches and on twice as many, and divide the difference by `updates`."""
    counts = []
    for k in (1, 2):
        x, y = make_data(n=k * updates * batch_size)
        with _CountOps() as counted:
            mb.train(x, y, batch_size, epochs=1)
        counts.append(counted.count)
    return (counts[1] - counts[0]) / updates


def cost_sentence():
    """How the timing figure is measured, from COST."""
    sizes = COST["batch_sizes"]
    return (
        f"The build timed `train` on this page's {N} points, for every batch size from "
        f"{sizes[0]} to {sizes[-1]}: on one thread, each batch size for at least "
        f"{COST['updates']} updates, in {COST['repeats']} rounds over all the sizes, keeping "
        f"the fastest of its {COST['repeats']} runs."
    )


def ops_sentence(sizes=(1, 16, 256)):
    """What one update runs, counted at a few batch sizes: the same operations at every size."""
    counts = {b: ops_per_update(b) for b in sizes}
    same = len(set(counts.values())) == 1
    told = ", ".join(map(str, sizes[:-1])) + f" and {sizes[-1]}"
    if not same:
        ran = ", ".join(f"{c:g}" for c in counts.values())
        return f"Counted, one update of `train` runs {ran} PyTorch operations at $B$ = {told}."
    return (
        f"Counted, one update of `train` runs {int(counts[sizes[0]])} PyTorch operations "
        f"(an indexing, a matrix-vector product, a subtraction, ...) at $B$ = {told} alike: "
        f"the same operations, on {sizes[0]} row or on {sizes[-1]}."
    )


WHOLE_PROGRAM = {
    "batch_size": 16,
    "lr": 0.05,
    "epochs": 5,
    "momentum": 0.9,
}  # as its run has them


def whole_program_sentence(x, y, larger=0.2):
    """Why the whole program's learning rate is smaller than the page's: its loss after the last
    epoch, and the highest in that epoch, at its rate and at a larger one."""
    run = WHOLE_PROGRAM
    ends = {}
    for lr in (run["lr"], larger):
        path = mb.train_with_loader(x, y, **{**run, "lr": lr})
        last = losses(x, y, path[-updates_per_epoch(len(y), run["batch_size"]) :])
        ends[lr] = (last[-1].item(), last.max().item())
    small, big = ends[run["lr"]], ends[larger]
    return (
        f"It trains with momentum {run['momentum']} and learning rate {run['lr']}, half the "
        f"{RACE['lr']} of the runs above: momentum makes a steady step up to "
        f"{1 / (1 - run['momentum']):.0f} times longer, and too long a step keeps the loss "
        f"bouncing. With learning rate {larger} instead, the loss in the fifth epoch goes as "
        f"high as {big[1]:.4f}; with {run['lr']}, it stays at or below {small[1]:.4f} and ends "
        f"at {small[0]:.4f}, close to the minimum of {least_squares(x, y)[1]:.4f}."
    )


def cost_race_sentence(x, y, paths):
    """The first figure's runs compared at equal time, that is, at equal updates: after all the
    updates of the middle batch size, its loss and that of the smallest."""
    small, middle, large = sorted(paths)
    loss = {b: losses(x, y, p) for b, p in paths.items()}
    u = len(paths[middle]) - 1
    return (
        f"In time, then, the fair race is the left panel of the first figure, not the right. "
        f"After {u} updates, the time $B$ = {middle} took for all its {RACE['epochs']} epochs, "
        f"$B$ = {middle} is at loss {loss[middle][u]:.4f}, close to the minimum of "
        f"{least_squares(x, y)[1]:.4f}, and $B$ = {small} at {loss[small][u]:.4f}, with "
        f"{len(paths[small]) - 1 - u} of its updates still to come. $B$ = {large} spent "
        f"{len(paths[large]) - 1} updates' time on its {RACE['epochs']} epochs: batch gradient "
        f"descent is slow here because it takes few steps, not because its steps are dear."
    )


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


def rounding_trials(lr=0.019, samples=400, seed=0):
    """How often each way of writing p - lr v gives the correctly rounded result, on random
    float64 p and v: torch.optim's p.add_(v, alpha=-lr), and the hand code's p -= lr * v.
    Returns (samples, torch.optim's count, the hand code's count)."""
    g = torch.Generator().manual_seed(seed)
    p, v = torch.randn(2, samples, generator=g, dtype=torch.float64)
    by_optim = p.clone().add_(v, alpha=-lr)
    by_hand = p.clone()
    by_hand -= lr * v
    # exact rational arithmetic, rounded once to the nearest float64
    exact = torch.tensor(
        [
            float(Fraction(a) - Fraction(lr) * Fraction(b))
            for a, b in zip(p.tolist(), v.tolist())
        ],
        dtype=torch.float64,
    )
    return samples, int((by_optim == exact).sum()), int((by_hand == exact).sum())


def bowl_paths(p0=(-10.0, 1.0), lr=0.019, mu=0.9, steps=60, k=BOWL_K, gd_lr=None):
    """The paths of plain gradient descent (at gd_lr, by default lr) and of momentum on the
    elongated bowl."""

    def f(p):
        return bowl(p, k)

    return mb.momentum_descent(f, p0, gd_lr or lr, 0.0, steps), mb.momentum_descent(
        f, p0, lr, mu, steps
    )


def best_gd_lr(h_min=1.0, h_max=float(BOWL_K)):
    """Plain gradient descent's best learning rate on curvatures h_min..h_max: 2 / (h_max + h_min)."""
    return 2 / (h_max + h_min)


def tuned_momentum(h_min=1.0, h_max=float(BOWL_K)):
    """The learning rate and momentum that make every direction shrink fastest (heavy ball)."""
    root = math.sqrt(h_max / h_min)
    return 4 / (math.sqrt(h_max) + math.sqrt(h_min)) ** 2, (
        (root - 1) / (root + 1)
    ) ** 2


def valley_rate(lr, mu, k=BOWL_K):
    """The bowl's factor per step: the slower of its two directions, curvature 1 and k."""
    return max(mb.momentum_rate(1.0, lr, mu), mb.momentum_rate(float(k), lr, mu))


def measured_rate(path, start, end, window=20):
    """The factor per step by which a run shrank its distance to the minimum from start to end,
    each end taken as the largest distance over `window` steps (a swinging run is sometimes near)."""
    norms = path.norm(dim=-1)
    first, last = (
        norms[start - window + 1 : start + 1],
        norms[end - window + 1 : end + 1],
    )
    return (last.max() / first.max()).item() ** (1 / (end - start))


def valley_runs(steps=VALLEY["steps"]):
    """The runs on the bowl: plain descent at its best rate, momentum 0.9 at plain descent's
    learning rate just under 2 / h_max (0.019), and momentum tuned; name: (lr, mu, path)."""
    lr_t, mu_t = tuned_momentum()
    settings = {
        "plain": (best_gd_lr(), 0.0),
        "mu09": (VALLEY["lr"], VALLEY["mu"]),
        "tuned": (lr_t, mu_t),
    }
    return {
        name: (lr, mu, mb.momentum_descent(bowl, VALLEY["p0"], lr, mu, steps))
        for name, (lr, mu) in settings.items()
    }


def sweep(lrs, mus, every=4, steps=VALLEY["sweep_steps"]):
    """For each mu: the bowl's factor per step at each learning rate, by momentum_rate, and at
    every `every`-th one the factor a run of `steps` steps shows over its second half."""
    out = {}
    for mu in mus:
        rates = [valley_rate(lr, mu) for lr in lrs]
        runs = [
            mb.momentum_descent(bowl, VALLEY["p0"], lr, mu, steps)
            for lr in lrs[::every]
        ]
        out[mu] = (rates, [measured_rate(path, steps // 2, steps) for path in runs])
    return out


def sweep_settings():
    """The sweep's learning rates, and its three values of mu: plain, 0.9 and tuned."""
    first, last, count = VALLEY["sweep_lrs"]
    lrs = torch.linspace(first, last, count, dtype=torch.float64).tolist()
    return lrs, (0.0, VALLEY["mu"], tuned_momentum()[1])


def limit(mu, h=float(BOWL_K)):
    """The largest stable learning rate of momentum mu along curvature h: 2 (1 + mu) / h."""
    return 2 * (1 + mu) / h


def sweep_alt(lrs, swept):
    """The sweep figure's alt text, from its numbers."""
    parts = []
    for mu, (rates, _) in swept.items():
        name = "plain gradient descent" if mu == 0 else f"momentum {mu:.3g}"
        best = min(rates)
        parts.append(
            f"{name} gets down to a factor of {best:.3f} and crosses 1 at {limit(mu):.4f}"
        )
    return (
        "Plot of the factor per step on the bowl against the learning rate, lines with measured "
        "dots on them: " + "; ".join(parts) + "."
    )


def stability_sentence(k=BOWL_K, steps=800, margin=0.02):
    """Runs on the bowl just under and just over each mu's limit 2 (1 + mu) / h_max."""
    parts = []
    for mu in (0.0, VALLEY["mu"]):
        edge = limit(mu, float(k))
        under, over = (
            mb.momentum_descent(bowl, VALLEY["p0"], edge * f, mu, steps)[-1]
            .norm()
            .item()
            for f in (1 - margin, 1 + margin)
        )
        name = "Plain gradient descent" if mu == 0 else f"Momentum {mu:g}"
        parts.append(
            f"{name} has its limit at {edge:.3f}: {margin:.0%} under it, {steps} steps bring "
            f"the distance to the minimum from {torch.tensor(VALLEY['p0']).norm():.1f} down to "
            f"{numbers.sci(under)}, and {margin:.0%} over it, up to {numbers.sci(over)}."
        )
    return " ".join(parts)


def steps_to_shrink(rate, factor=1e6):
    """How many steps at `rate` per step shrink a distance `factor` times."""
    return math.ceil(math.log(factor) / -math.log(rate))


def tuned_sentence(k=BOWL_K):
    """The tuned settings and the two factors per step for the bowl, and what they mean."""
    lr, mu = tuned_momentum(1.0, float(k))
    slow, fast = valley_rate(best_gd_lr(1.0, float(k)), 0.0, k), valley_rate(lr, mu, k)
    plain_steps, mom_steps = steps_to_shrink(slow), steps_to_shrink(fast)
    return (
        f"For the bowl, $\\kappa = {k}$: $\\eta = {lr:.4f}$ and $\\mu = {mu:.4f}$, and "
        f"`momentum_rate` gives a factor of {fast:.4f} per step in both directions, where plain "
        f"gradient descent at $\\eta = {best_gd_lr(1.0, float(k)):.4f}$ has {slow:.4f}. To shrink the "
        f"distance to the minimum a millionfold, plain descent needs {plain_steps} steps, tuned "
        f"momentum {mom_steps}: {plain_steps / mom_steps:.1f} times fewer, close to "
        f"$\\sqrt{{\\kappa}} = {math.sqrt(k):g}$."
    )


def valley_loss_alt(runs):
    """The loss figure's alt text, from its runs."""
    parts = []
    for name, (lr, mu, path) in runs.items():
        parts.append(
            f"{valley_label(name, lr, mu)}: loss {numbers.sci(bowl(path[-1]).item())}, "
            f"factor per step {valley_rate(lr, mu):.3f}"
        )
    return (
        f"Log-scale plot of the loss on the bowl over {len(path) - 1} steps, each run with a dashed "
        "straight guide of the closed-form slope. After the last step: "
        + "; ".join(parts)
        + "."
    )


def first_below(path, level=0.01):
    """The first step at which a run's loss on the bowl is below `level`."""
    below = bowl(path) < level
    if not bool(below.any()):
        raise ValueError(f"the run never gets below {level}")
    return int(below.int().argmax())


def bowl_sentence(runs, level=0.01):
    """What the animation shows, with numbers from the runs (plain at its best, momentum tuned,
    and momentum 0.9 at plain descent's learning rate)."""
    (lr_gd, _, gd), (lr, _, mom) = runs["plain"], runs["tuned"]
    longer = mb.momentum_descent(bowl, VALLEY["p0"], lr_gd, 0.0, 20 * len(gd))
    peak = int(bowl(mom).argmax())
    lr9, mu9, path9 = runs["mu09"]
    rates9 = mb.momentum_rate(float(BOWL_K), lr9, mu9), mb.momentum_rate(1.0, lr9, mu9)
    return (
        f"Plain gradient descent crosses the floor of the valley at each of its {zigzag_steps(gd)} "
        f"steps, and after {len(gd) - 1} of them $p_1$ has only got from −10 to "
        f"{numbers.fixed(gd[-1, 0], 2)}: the loss is {bowl(gd[-1]):.2f}. It gets below {level} "
        f"after {first_below(longer, level)} steps. Tuned momentum gets there after "
        f"{first_below(mom, level)}, and after {len(mom) - 1} steps its loss is "
        f"{numbers.sci(bowl(mom[-1]).item())}. It is not gentler at the start: "
        f"$\\eta h_{{\\max}} = {lr * BOWL_K:.2f}$ is over plain descent's limit of 2, and for its "
        f"first {peak} steps the loss rises, to {bowl(mom[peak]):.0f}, before it falls. The common "
        f"$\\mu = {mu9:g}$ with $\\eta = {lr9}$, just under plain descent's limit, has "
        f"$\\eta h_{{\\max}} = {lr9 * BOWL_K:.1f} = 1 + \\mu$: across the valley the matrix's "
        f"eigenvalues are $\\pm i \\sqrt{{\\mu}}$, a quarter turn per step (so $p_2$ takes each "
        f"value twice before it changes sign), and the factor is {rates9[0]:.3f} across the valley "
        f"and {rates9[1]:.3f} along it, both $\\sqrt{{\\mu}}$: after {len(path9) - 1} steps its "
        f"loss is {bowl(path9[-1]):.3f}."
    )


def bowl_alt(runs):
    """The animation's alt text, from its runs."""
    gd, mom = runs["plain"][2], runs["tuned"][2]
    return (
        f"Animation of {len(gd) - 1} steps on an elongated bowl from (−10, 1). Plain gradient "
        f"descent zigzags across the valley and crawls to p1 = {numbers.fixed(gd[-1, 0], 1)}, loss "
        f"{bowl(gd[-1]):.2f}. Tuned momentum swings across the valley a few times, wider at first, "
        f"and runs along it to the minimum, ending at loss {numbers.sci(bowl(mom[-1]).item())}."
    )


def zigzag_steps(path):
    """How many of the first steps in a row flip the sign of p2, crossing the valley's floor."""
    flips = (path[1:, 1].sign() * path[:-1, 1].sign()) < 0
    return len(flips) if bool(flips.all()) else int(flips.int().argmin())


# -- momentum on noisy gradients ---------------------------------------------------------------


def noisy_runs(x, y):
    """The noisy runs: mini-batch SGD with the DataLoader and torch.optim.SGD, for each of
    NOISY's (learning rate, momentum); (lr, mu): path."""
    return {
        (lr, mu): mb.train_with_loader(
            x, y, NOISY["batch_size"], lr, NOISY["epochs"], mu, seed=NOISY["seed"]
        )
        for lr, mu in NOISY["runs"]
    }


def above_minimum(x, y, path):
    """The loss on all the data above the least-squares minimum, after every update."""
    return losses(x, y, path) - least_squares(x, y)[1]


def settled(x, y, path, from_epoch=NOISY["settled_from"]):
    """How far above the minimum a run sits on average, over the updates after from_epoch."""
    per_epoch = updates_per_epoch(len(y), NOISY["batch_size"])
    return above_minimum(x, y, path)[from_epoch * per_epoch + 1 :].mean().item()


def noise_floor(h, lr, mu, sigma2):
    """The variance at which momentum settles along one curvature h, when every gradient has
    independent noise of variance sigma2 (the closed form of the page)."""
    return lr * sigma2 / h * (1 + mu) / ((1 - mu) * (2 * (1 + mu) - lr * h))


def independent_floor(x, y, lr, mu, batch_size=NOISY["batch_size"]):
    """How far above the minimum momentum settles on the line if every batch were drawn
    independently: the stationary covariance of the update, linear near the minimum, with the
    noise of a batch's gradient at the minimum (sampled without replacement inside the batch)."""
    n = len(y)
    best = least_squares(x, y)[0].to(x.dtype)
    per_example = mb.example_gradients(x, y, best)
    centred = per_example - per_example.mean(dim=0)
    noise = centred.T @ centred / n / batch_size * (n - batch_size) / (n - 1)
    h = 2 * x.T @ x / n  # the Hessian of the loss
    one = torch.eye(2, dtype=x.dtype)
    # the state (a_t - best, a_t-1 - best): one step multiplies it by `step` and adds noise
    step = torch.cat(
        [
            torch.cat([(1 + mu) * one - lr * h, -mu * one], 1),
            torch.cat([one, 0 * one], 1),
        ]
    )
    added = torch.zeros(4, 4, dtype=x.dtype)
    added[:2, :2] = lr**2 * noise
    # the covariance C that a step leaves as it is: C = step C step^T + added
    flat = torch.linalg.solve(
        torch.eye(16, dtype=x.dtype) - torch.kron(step, step), added.reshape(-1)
    )
    cov = flat.reshape(4, 4)[:2, :2]
    return (
        h * cov
    ).sum().item() / 2  # the loss above the minimum: (a - best)^T h (a - best) / 2


def train_independent(x, y, lr, mu, epochs, batch_size=NOISY["batch_size"], seed=0):
    """Momentum on batches drawn independently (with replacement), as the closed form assumes;
    the path of a after every update."""
    g = torch.Generator().manual_seed(seed)
    per_epoch = updates_per_epoch(len(y), batch_size)
    a = torch.tensor([-1.0, 1.0], dtype=x.dtype)
    v, path = torch.zeros_like(a), [a]
    for idx in torch.randint(len(y), (epochs * per_epoch, batch_size), generator=g):
        v = mu * v + 2 / batch_size * x[idx].T @ (x[idx] @ a - y[idx])
        a = a - lr * v
        path.append(a)
    return torch.stack(path)


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
    """The page's data-parallel run, DATA_PARALLEL: each rank's final weights, and those of one
    process alone, launched the same way, with the whole batch of all the ranks."""
    ranks = mb.launch(x, y, **DATA_PARALLEL)
    whole = DATA_PARALLEL["batch_size"] * DATA_PARALLEL["world_size"]
    (alone,) = mb.launch(
        x, y, **{**DATA_PARALLEL, "batch_size": whole, "world_size": 1}
    )
    return ranks, alone


def data_parallel_sentence(n):
    """What the page's data-parallel run does, from DATA_PARALLEL."""
    run = DATA_PARALLEL
    whole = run["batch_size"] * run["world_size"]
    return (
        f"The build of this page ran it with `launch`: {run['world_size']} processes, {n} "
        f"points, `batch_size={run['batch_size']}` in each process, so {whole} examples per "
        f"update, learning rate {run['lr']}, {run['epochs']} epochs. Then `launch` started one "
        f"process alone, with `batch_size={whole}`:"
    )


def data_parallel_table(ranks, single, batch_size):
    """Return a Markdown table of the final weights of each rank (batch_size examples each per
    update) and of one process alone (all the ranks' examples)."""
    world_size = len(ranks)
    rows = [
        "| who | its batch | the update's batch | final $a$ |",
        "|---|---:|---:|---|",
    ]
    for rank, a in enumerate(ranks):
        rows.append(
            f"| process {rank} of {world_size} | {batch_size} | "
            f"{batch_size * world_size} | {numbers.vec(a, 6)} |"
        )
    whole = batch_size * world_size
    rows.append(f"| one process alone | {whole} | {whole} | {numbers.vec(single, 6)} |")
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
                "launch(x, y, batch_size=2, world_size=3)",
                lambda: lesson.launch(x, y, 2, world_size=3),
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
        roles = {
            1: "second",
            n: "third",
        }  # the mini-batch, the page's subject, is the path
        for batch_size, path in paths.items():
            loss = losses(x, y, path).numpy()
            kind = {1: "stochastic", n: "batch"}.get(batch_size, "mini-batch")
            style = {"color": p["role"][roles.get(batch_size, "path")], "lw": 1.3}
            if (
                batch_size == n
            ):  # five updates: dots on top, or B = 16's line hides them
                style.update(
                    lw=1.8, ls="--", marker="o", ms=5, mec=p["fg"], mew=0.6, zorder=4
                )
            # on a log axis: from update 1
            ax_u.plot(range(1, len(loss)), loss[1:], **style)
            ax_e.plot(
                [t * batch_size / n for t in range(len(loss))],
                loss,
                **style,
                label=f"B = {batch_size} ({kind})",
            )
        for ax in (ax_u, ax_e):
            ax.axhline(floor, ls=":", color=p["role"]["answer"], lw=1.4)
            ax.set_yscale("log")
        ax_e.lines[-1].set_label(f"least-squares minimum, {floor:.4f}")
        ax_u.set_xscale("log")
        for axis in (ax_u.xaxis, ax_u.yaxis):
            _plain_log_labels(axis)
        ax_u.yaxis.set_major_locator(FixedLocator(RACE["loss_ticks"]))
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
            color=p["role"]["answer"],
            lw=1.6,
            label=f"σ² / B × (n − B) / (n − 1), with n = {n}",
        )
        ax.plot(
            batch_sizes,
            measured,
            "o",
            color=p["role"]["path"],
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


def _amount(value):
    """A measured amount with two significant digits and no exponent: 390, 9.9, 0.81."""
    return f"{value:.{max(0, 1 - math.floor(math.log10(value)))}f}"


def plot_cost(sizes, per_update, per_epoch, n, theme="light"):
    """Return a Figure: measured time per update (left) and per epoch (right) against batch
    size, log axes, beside what they would be if time were proportional to examples looked at."""
    shown = {sizes[0], 16, sizes[-1]}
    with render.themed(theme) as p:
        # one panel above the other: on a phone the figure keeps most of its size
        fig = render.new_figure(5.6, 6.6)
        ax_u, ax_e = fig.subplots(2, 1, sharex=True)
        for ax, measured, model, unit in (
            (ax_u, per_update, [per_update[0] * b for b in sizes], "µs"),
            (ax_e, per_epoch, [per_epoch[0]] * len(sizes), "ms"),
        ):
            scale = 1e6 if unit == "µs" else 1e3
            ax.plot(
                sizes,
                [t * scale for t in model],
                "--",
                color=p["muted"],
                lw=1.4,
                label="if time grew with the examples looked at",
            )
            ax.plot(
                sizes,
                [t * scale for t in measured],
                "o-",
                color=p["role"]["path"],
                lw=1.6,
                ms=6,
                zorder=3,
                label="measured: train, one thread, best of several runs",
            )
            for b, t in zip(sizes, measured):
                if b in shown:  # above a level line; below and left of a falling one
                    first, level = b == sizes[0], ax is ax_u
                    ax.annotate(
                        f"{_amount(t * scale)} {unit}",
                        (b, t * scale),
                        xytext=(0 if level else -8, 9 if level else -16)
                        if not first
                        else (2, 9),
                        textcoords="offset points",
                        ha="left" if first else "center" if level else "right",
                        fontsize=10,
                        color=p["fg"],
                    )
            ax.set_xscale("log", base=2)
            ax.set_yscale("log")
            ax.set_xticks(sizes[::2], [str(b) for b in sizes[::2]])
            ax.minorticks_off()
            _plain_log_labels(ax.yaxis)
            ax.margins(y=0.15)
        ax_e.set_xlabel("batch size B")
        ax_u.set_ylabel("µs per update")
        ax_e.set_ylabel(f"ms per epoch ({n} points)")
        ax_u.set_title("the time of one update")
        ax_e.set_title("the time of one epoch")
        handles, labels = ax_u.get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncols=1, fontsize=10)
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
    ax.plot([0], [0], "*", color=p["role"]["answer"], ms=11, mec=p["fg"], zorder=2)
    ax.set_xlim(*lim1)
    ax.set_ylim(*lim2)
    ax.grid(False)
    ax.set_xlabel("p₁ (along the valley)")


def animate_bowl(gd, mom, theme="light", k=BOWL_K, mu=0.9, lrs=None):
    """Return frames of plain gradient descent (left) and momentum (right) on the elongated bowl;
    with lrs, their two learning rates, in the panels' titles."""
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
            (
                (axes[0], gd, p["role"]["path"], "plain gradient descent"),
                (axes[1], mom, p["role"]["second"], f"momentum, μ = {mu:.3g}"),
            )
            if lrs is None
            else (
                (axes[0], gd, p["role"]["path"], f"plain, η = {lrs[0]:.3g}"),
                (
                    axes[1],
                    mom,
                    p["role"]["second"],
                    f"momentum, η = {lrs[1]:.3g}, μ = {mu:.3g}",
                ),
            )
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
                f"step {t:2d}    loss: plain {numbers.minus(f'{loss_gd[t]:8.3g}')}   "
                f"momentum {numbers.minus(f'{loss_mom[t]:8.3g}')}"
            )

        frames = render.blit_frames(
            fig, [*trails, *balls, title], update, range(len(gd))
        )
    return frames


VALLEY_STYLE = {"plain": "path", "mu09": "third", "tuned": "second"}  # each run's role


def valley_label(name, lr, mu):
    """A run's name on the figures: plain, or momentum with its learning rate and mu."""
    if name == "plain":
        return f"plain, η = 2 / (h_max + h_min) = {lr:.4f}"
    what = "momentum tuned" if name == "tuned" else "momentum"
    return f"{what}, η = {lr:.4f}, μ = {mu:.3g}"


def plot_valley_loss(runs, theme="light"):
    """Return a Figure: the loss on the bowl against steps, log scale, for each run, each with
    the closed-form factor per step as a dashed guide through its last point."""
    with render.themed(theme) as p:
        fig = render.new_figure(6.4, 4.2)
        ax = fig.add_subplot()
        for name, (lr, mu, path) in runs.items():
            color = p["role"][VALLEY_STYLE[name]]
            loss = bowl(path).numpy()
            steps = range(len(loss))
            ls = "-." if name == "mu09" else "-"
            ax.plot(
                steps, loss, ls, color=color, lw=2, label=valley_label(name, lr, mu)
            )
            rate, last = valley_rate(lr, mu), len(loss) - 1
            # the loss is a square: it shrinks by rate squared per step; drawn through the last
            # point, over the last two thirds of the run, where the slopes are to be compared
            tail = range(last // 3, last + 1)
            guide = [loss[-1] * rate ** (2 * (t - last)) for t in tail]
            ax.plot(tail, guide, "--", color=p["fg"], lw=1.0, zorder=3)
        ax.plot(
            [],
            [],
            "--",
            color=p["fg"],
            lw=1.0,
            label="closed form: factor² per step",
        )
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(FuncFormatter(numbers.power_of_ten))
        ax.set_xlabel("step")
        ax.set_ylabel("loss on the bowl (log scale)")
        ax.set_xlim(0, len(loss) - 1)
        fig.legend(loc="outside lower center", ncols=1, fontsize=9)
    return fig


def plot_sweep(lrs, swept, every=4, k=BOWL_K, theme="light"):
    """Return a Figure: the factor per step on the bowl against the learning rate, for each mu,
    from momentum_rate (lines) and measured on runs (dots); above 1, the run diverges."""
    with render.themed(theme) as p:
        fig = render.new_figure(6.4, 4.2)
        ax = fig.add_subplot()
        roles = ("path", "third", "second")
        for (mu, (rate, measured)), role in zip(swept.items(), roles):
            color = p["role"][role]
            label = "plain (μ = 0)" if mu == 0 else f"momentum, μ = {mu:.3g}"
            ls = "--" if role == "third" else "-"
            ax.plot(lrs, rate, ls, color=color, lw=2, label=label)
            ax.plot(
                lrs[::every], measured, "o", color=color, ms=5, mec=p["fg"], mew=0.6
            )
            edge = 2 * (1 + mu) / k
            ax.axvline(edge, color=color, ls=":", lw=1.2)
            ax.annotate(
                f"{edge:.3f}",
                (edge, 1.27),
                color=color,
                ha="center",
                fontsize=9,
                bbox={"fc": p["bg"], "ec": "none", "pad": 1},
            )
        ax.axhline(1.0, color=p["role"]["wrong"], lw=1.2)
        ax.text(
            0.5 * lrs[-1],
            1.015,
            "above 1: diverges",
            color=p["role"]["wrong"],
            fontsize=9,
        )
        ax.plot([], [], "o", color=p["muted"], ms=5, label="measured on a run")
        ax.set_ylim(0.75, 1.3)
        ax.set_xlim(0, lrs[-1])
        ax.set_xlabel("learning rate η  (dotted: 2(1 + μ) / h_max)")
        ax.set_ylabel("factor per step")
        fig.legend(loc="outside lower center", ncols=2, fontsize=9)
    return fig


def independent_floors():
    """For each noisy run, the closed-form level above the minimum for independent batches."""
    x, y = make_data64()
    return {(lr, mu): independent_floor(x, y, lr, mu) for lr, mu in NOISY["runs"]}


def noisy_levels(x, y, runs):
    """How far above the minimum each noisy run sits on average once it has settled."""
    return {key: settled(x, y, path) for key, path in runs.items()}


def noisy_sentence(x, y, runs, floors):
    """The noisy runs' levels above the minimum, compared with each other and the closed form."""
    (plain, same, slower) = NOISY["runs"]
    level = noisy_levels(x, y, runs)
    mu = same[1]
    return (
        f"From epoch {NOISY['settled_from'] + 1} to {NOISY['epochs']}, momentum {mu:g} at plain "
        f"SGD's $\\eta = {same[0]:g}$ sits on average {level[same] / level[plain]:.0f} times as "
        f"far above the minimum as plain SGD does. At $\\eta = {slower[0]:g}$, so that "
        f"$\\eta / (1 - \\mu) = {slower[0] / (1 - mu):.2g}$ is plain SGD's learning rate, it sits "
        f"at {level[slower] / level[plain]:.2f} times plain SGD's level. The dashed lines are the "
        f"closed form for independent batches, worked out for the line's two directions at once: "
        f"it has the two ratios at {floors[same] / floors[plain]:.1f} and "
        f"{floors[slower] / floors[plain]:.2f}. Batches drawn independently of each other, with "
        f"replacement, do settle where it says. The batches of an epoch are not independent: "
        f"they share out the data between them, and the runs above settle elsewhere."
    )


def noisy_alt(x, y, runs, floors):
    """The noisy figure's alt text, from its runs."""
    level = noisy_levels(x, y, runs)
    parts = [
        f"{noisy_label(*key)} settles on average {numbers.sci(level[key])} above it "
        f"(closed form for independent batches {numbers.sci(floors[key])})"
        for key in runs
    ]
    return (
        f"Log-scale plot of the loss above the minimum over {NOISY['epochs']} epochs: all three "
        "runs fall, then jitter; " + "; ".join(parts) + "."
    )


def noisy_label(lr, mu):
    """A noisy run's name on the figure."""
    return f"plain SGD, η = {lr:g}" if mu == 0 else f"momentum {mu:g}, η = {lr:g}"


def plot_noisy(x, y, runs, floors, theme="light"):
    """Return a Figure: the loss above the minimum against epochs, log scale, for each noisy run,
    with the closed-form level for independent batches (floors, by run) dashed."""
    n = len(y)
    with render.themed(theme) as p:
        fig = render.new_figure(6.4, 4.2)
        ax = fig.add_subplot()
        for (lr, mu), role, ls in zip(
            runs, ("path", "second", "third"), ("-", "-", "-.")
        ):
            color = p["role"][role]
            above = above_minimum(x, y, runs[lr, mu]).numpy()
            epochs = [t * NOISY["batch_size"] / n for t in range(len(above))]
            ax.plot(epochs, above, ls, color=color, lw=1.3, label=noisy_label(lr, mu))
            ax.axhline(floors[lr, mu], color=color, ls="--", lw=1.1)
        ax.plot(
            [],
            [],
            "--",
            color=p["muted"],
            lw=1.1,
            label="closed form, independent batches",
        )
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(FuncFormatter(numbers.power_of_ten))
        ax.set_xlim(0, NOISY["epochs"])
        ax.set_xlabel(f"epochs (examples seen ÷ {n})")
        ax.set_ylabel("loss above the minimum (log scale)")
        fig.legend(loc="outside lower center", ncols=2, fontsize=9)
    return fig


# ---------------------------------------------------------------------------------------------
# Explorables: figures the reader drives, every state a run of this page's lesson code

# the bowl of the first explorable, (p1^2 + k p2^2) / 2: curvatures 1 and k; its learning rates are
# the tuned one times 2^(j / per_octave) for j in lr_steps (so the tuned pair is one of the states)
BOWL_EXPLORE = {
    "k": 16,
    "p0": (-6.0, 2.0),
    "steps": 50,
    "per_octave": 5,
    "lr_steps": (-15, 5),
    "mus": (0.0, "tuned", 0.6, 0.8, 0.9),
    "start": (
        12,
        0,
    ),  # the state shown first: a learning rate under plain descent's edge, mu 0
    "window": (
        (-8.0, 8.0),
        (-3.0, 3.0),
    ),  # the contours' p1 and p2; a path is drawn until it leaves
}
# the second: mini-batch SGD on the line, the loss after every update; its learning rates are the
# line's cliff times 2^((j + 1/2) / per_octave), so the cliff falls between two of them
NOISE_EXPLORE = {
    "batch_sizes": (1, 4, 16, 64, N),
    "updates": 128,
    "window": 32,  # the last updates, over which the band and the spread are measured
    "per_octave": 5,
    "lr_steps": (-18, 2),
    "seed": 0,
    "start": (2, 10),  # B = 16, learning rate 0.21
}


def log_index(values, at):
    """Where `at` lies among log-spaced `values`, as a fractional index (a slider's mark)."""
    logs = [math.log(v) for v in values]
    i = max(k for k in range(len(values) - 1) if logs[k] <= math.log(at) or k == 0)
    return i + (math.log(at) - logs[i]) / (logs[i + 1] - logs[i])


def bowl_explore_settings(k=BOWL_EXPLORE["k"]):
    """The explorable bowl's learning rates and momenta (the tuned mu in place of "tuned")."""
    lr_t, mu_t = tuned_momentum(1.0, float(k))
    first, last = BOWL_EXPLORE["lr_steps"]
    step = BOWL_EXPLORE["per_octave"]
    lrs = tuple(lr_t * 2 ** (j / step) for j in range(first, last + 1))
    mus = tuple(mu_t if mu == "tuned" else mu for mu in BOWL_EXPLORE["mus"])
    return lrs, mus


def bowl_explore_runs(k=BOWL_EXPLORE["k"]):
    """Every state of the bowl explorable: momentum_descent's path and momentum_rate's factor for
    each (lr, mu), and the factor along a fine grid of learning rates for each mu."""
    lrs, mus = bowl_explore_settings(k)

    def f(p):
        return bowl(p, k)

    paths = {
        (lr, mu): mb.momentum_descent(
            f, BOWL_EXPLORE["p0"], lr, mu, BOWL_EXPLORE["steps"]
        )
        for lr in lrs
        for mu in mus
    }
    fine = torch.logspace(
        math.log10(lrs[0]), math.log10(lrs[-1]), 121, dtype=torch.float64
    ).tolist()
    return {
        "k": k,
        "lrs": lrs,
        "mus": mus,
        "paths": paths,
        "rates": {key: valley_rate(*key, k) for key in paths},
        "fine": fine,
        "curves": {mu: [valley_rate(lr, mu, k) for lr in fine] for mu in mus},
    }


def mu_label(mu, k=BOWL_EXPLORE["k"]):
    """A momentum button's text: plain for 0, tuned for the heavy ball's best mu."""
    if mu == 0:
        return "0 (plain)"
    if math.isclose(mu, tuned_momentum(1.0, float(k))[1]):
        return f"{mu:.2f} (tuned)"
    return f"{mu:g}"


def bowl_explore_knobs(runs):
    """The bowl explorable's knobs: a learning-rate slider, its mark at plain descent's edge, and
    a button per momentum."""
    lrs, mus, k = runs["lrs"], runs["mus"], runs["k"]
    lr_start, mu_start = BOWL_EXPLORE["start"]
    edge = limit(mus[mu_start], float(k))
    return [
        render.Knob(
            "lr",
            "Learning rate η",
            lrs,
            labels=[f"{lr:.3g}" for lr in lrs],
            start=lr_start,
            marks={log_index(lrs, edge): f"edge 2/L_max = {edge:.3g}"},
        ),
        render.Knob(
            "mu",
            "Momentum μ",
            mus,
            labels=[mu_label(mu, k) for mu in mus],
            kind="buttons",
            start=mu_start,
        ),
    ]


def fate(rate):
    """What a factor per step means for a run."""
    return "converges" if rate < 1 else "diverges"


def bowl_explore_alt(runs):
    """The bowl explorable's alt text for each state, from its run and momentum_rate."""
    k, steps = runs["k"], BOWL_EXPLORE["steps"]

    def alt(state):
        lr, mu = state["lr"], state["mu"]
        path, rate = runs["paths"][lr, mu], runs["rates"][lr, mu]
        loss = bowl(path, k)
        return numbers.minus(
            f"Momentum descent on the bowl (p1² + {k} p2²) / 2 from {BOWL_EXPLORE['p0']}, "
            f"learning rate {lr:.3g}, momentum {mu:.2f}: the factor per step is {rate:.3f}, "
            f"so the run {fate(rate)}; after {steps} steps the loss is "
            f"{numbers.sci(loss[-1].item())}, from {loss[0]:.0f} at the start. For this "
            f"momentum the edge 2(1 + μ) / {k} is at {limit(mu, float(k)):.4f}."
        )

    return alt


def shown_steps(path, window=BOWL_EXPLORE["window"]):
    """The last step of a path drawn on the contours: the first outside the window, or the end."""
    (lo1, hi1), (lo2, hi2) = window
    p1, p2 = path[:, 0], path[:, 1]
    out = ((p1 < lo1) | (p1 > hi1) | (p2 < lo2) | (p2 > hi2)).nonzero()
    return int(out[0]) if len(out) else len(path) - 1


def bowl_explore_scene(runs, theme="light"):
    """The bowl explorable: the path on the contours, the loss by step, and the factor per step
    against the learning rate, for the state's lr and mu."""
    k, steps, lrs = runs["k"], BOWL_EXPLORE["steps"], runs["lrs"]
    with render.themed(theme) as p:
        fig = render.new_figure(6.6, 5.8)
        grid = fig.add_gridspec(2, 2, height_ratios=(3, 1.7))
        ax_p, ax_l = fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1])
        ax_r = fig.add_subplot(grid[1, :])
        (lo1, hi1), (lo2, hi2) = BOWL_EXPLORE["window"]
        _bowl_contours(ax_p, (lo1, hi1), (lo2, hi2), k, p)
        ax_p.set_xlabel("p₁ (curvature 1)")
        ax_p.set_ylabel(f"p₂ (curvature {k})")
        x0, y0 = BOWL_EXPLORE["p0"]
        ax_p.plot([x0], [y0], "s", color=p["fg"], ms=6, zorder=3)
        (trail,) = ax_p.plot([], [], "-", lw=1.3, zorder=3)
        (ball,) = ax_p.plot([], [], "o", ms=7, mec=p["fg"], zorder=4)
        (loss_line,) = ax_l.plot([], [], "-", lw=1.8)
        (guide,) = ax_l.plot([], [], "--", color=p["fg"], lw=1.0)
        ax_l.set_yscale("log")
        ax_l.set_ylim(1e-10, 1e6)
        ax_l.set_xlim(0, steps)
        ax_l.yaxis.set_major_locator(FixedLocator([1e-10, 1e-6, 1e-2, 1e2, 1e6]))
        ax_l.yaxis.set_major_formatter(FuncFormatter(numbers.power_of_ten))
        ax_l.yaxis.set_minor_formatter(NullFormatter())
        ax_l.set_xlabel("step")
        ax_l.set_ylabel("loss (log scale)")
        for mu in runs[
            "mus"
        ]:  # every momentum's factor, faint; the state's own drawn over it
            ax_r.plot(runs["fine"], runs["curves"][mu], color=p["muted"], lw=0.7)
        ax_r.axhline(1.0, color=p["muted"], lw=1.0)
        (curve,) = ax_r.plot([], [], "-", color=p["fg"], lw=1.8)
        edge_line = ax_r.axvline(lrs[0], color=p["role"]["wrong"], ls=":", lw=1.6)
        edge_text = ax_r.text(
            0, 1.38, "", color=p["role"]["wrong"], ha="right", va="top", fontsize=11
        )
        (marker,) = ax_r.plot([], [], "o", ms=8, mec=p["fg"], zorder=4)
        ax_r.set_xscale("log")
        ax_r.set_xlim(lrs[0] / 1.1, lrs[-1] * 1.1)
        ax_r.set_ylim(0.3, 1.45)
        ax_r.xaxis.set_major_locator(FixedLocator([0.02, 0.05, 0.1, 0.2]))
        _plain_log_labels(ax_r.xaxis)
        ax_r.set_xlabel("learning rate η (log scale)")
        ax_r.set_ylabel("factor per step")
        title = fig.suptitle(" ", fontsize=11)

        def update(state):
            lr, mu = state["lr"], state["mu"]
            path, rate = runs["paths"][lr, mu], runs["rates"][lr, mu]
            color = p["role"]["path" if rate < 1 else "wrong"]
            shown = path[: shown_steps(path) + 1]
            trail.set_data(shown[:, 0].numpy(), shown[:, 1].numpy())
            ball.set_data(shown[-1:, 0].numpy(), shown[-1:, 1].numpy())
            loss = bowl(path, k).numpy()
            loss_line.set_data(range(len(loss)), loss)
            # the closed form: the loss, a square, shrinks (or grows) by rate squared per step
            guide.set_data([0, steps], [loss[-1] * rate ** (-2 * steps), loss[-1]])
            for artist in (trail, ball, loss_line, marker):
                artist.set_color(color)
            ball.set_markeredgecolor(p["fg"])
            marker.set_markeredgecolor(p["fg"])
            curve.set_data(runs["fine"], runs["curves"][mu])
            edge = limit(mu, float(k))
            edge_line.set_xdata([edge, edge])
            edge_text.set_position((edge / 1.03, 1.42))
            edge_text.set_text(f"edge 2(1 + μ) / {k} = {edge:.3g}")
            marker.set_data([lr], [min(rate, 1.42)])
            title.set_text(
                f"η = {lr:.3g}, μ = {mu:.2f}: factor {rate:.3f} per step, {fate(rate)}"
            )

        artists = [trail, ball, loss_line, guide, curve, edge_line, edge_text, marker]
    return fig, [*artists, title], update


def noise_explore_settings(x):
    """The noisy explorable's batch sizes and learning rates, from the line's cliff 2 / h_max."""
    c = learning_rate.cliff(x)
    first, last = NOISE_EXPLORE["lr_steps"]
    step = NOISE_EXPLORE["per_octave"]
    lrs = tuple(c * 2 ** ((j + 0.5) / step) for j in range(first, last + 1))
    return NOISE_EXPLORE["batch_sizes"], lrs


def noise_explore_runs(x, y):
    """Every state of the noisy explorable: for each (batch size, lr), the loss above the
    least-squares minimum after each of train's first updates, and its last window's statistics."""
    sizes, lrs = noise_explore_settings(x)
    updates, window = NOISE_EXPLORE["updates"], NOISE_EXPLORE["window"]
    floor = least_squares(x, y)[1]
    above, stats = {}, {}
    for b in sizes:
        epochs = math.ceil(updates * b / len(y))
        for lr in lrs:
            path = mb.train(x, y, b, lr, epochs, seed=NOISE_EXPLORE["seed"])
            loss = losses(x, y, path[: updates + 1]) - floor
            last = loss[-window:]
            finite = bool(last.isfinite().all())
            stats[b, lr] = {
                "std": last.std().item() if finite else math.inf,
                "low": last.quantile(0.1).item() if finite else math.inf,
                "high": last.quantile(0.9).item() if finite else math.inf,
                "last": loss[-1].item(),
            }
            above[b, lr] = loss
    return {
        "sizes": sizes,
        "lrs": lrs,
        "cliff": learning_rate.cliff(x),
        "n": len(y),
        "above": above,
        "stats": stats,
    }


def batch_label(b, n=N):
    """A batch-size button's text."""
    return f"{b} (full)" if b == n else str(b)


def noise_explore_knobs(runs):
    """The noisy explorable's knobs: a button per batch size, and a learning-rate slider marked
    at the line's cliff."""
    sizes, lrs = runs["sizes"], runs["lrs"]
    b_start, lr_start = NOISE_EXPLORE["start"]
    return [
        render.Knob(
            "batch",
            "Batch size B",
            sizes,
            labels=[batch_label(b, runs["n"]) for b in sizes],
            kind="buttons",
            start=b_start,
        ),
        render.Knob(
            "lr",
            "Learning rate η",
            lrs,
            labels=[f"{lr:.3g}" for lr in lrs],
            start=lr_start,
            marks={
                log_index(lrs, runs["cliff"]): f"cliff 2/h_max = {runs['cliff']:.3g}"
            },
        ),
    ]


def blew_up(stats):
    """Whether a run's loss ended far above where it started: diverged (or on its way)."""
    return not stats["high"] < NOISE_EXPLORE_TOP


NOISE_EXPLORE_TOP = (
    1e3  # the top of the loss axis: a run whose last losses pass it diverged
)


def noise_explore_alt(runs):
    """The noisy explorable's alt text for each state, from its run."""
    updates, window = NOISE_EXPLORE["updates"], NOISE_EXPLORE["window"]

    def alt(state):
        b, lr = state["batch"], state["lr"]
        s, loss = runs["stats"][b, lr], runs["above"][b, lr]
        head = (
            f"The loss on all {runs['n']} points above the least-squares minimum, log scale, "
            f"over {updates} updates of mini-batch SGD with batch size {b} and learning rate "
            f"{lr:.3g} (full-batch descent's cliff is at {runs['cliff']:.3f}): "
        )
        if blew_up(s):
            big = (loss > NOISE_EXPLORE_TOP) | ~loss.isfinite()
            return head + (
                f"the run diverges, its loss passing {NOISE_EXPLORE_TOP:g} at update "
                f"{int(big.int().argmax())}."
            )
        return head + numbers.minus(
            f"after {updates} updates it is {numbers.sci(s['last'])}; over the last {window} "
            f"it stays between {numbers.sci(s['low'])} and {numbers.sci(s['high'])}, with a "
            f"spread (standard deviation) of {numbers.sci(s['std'])}."
        )

    return alt


def noise_explore_scene(runs, theme="light"):
    """The noisy explorable: the loss above the minimum by update, the band where its last updates
    stayed, and every run's spread against the learning rate, the state's batch size drawn over."""
    updates, window = NOISE_EXPLORE["updates"], NOISE_EXPLORE["window"]
    sizes, lrs = runs["sizes"], runs["lrs"]
    bottom, top = 1e-8, NOISE_EXPLORE_TOP

    def spreads(b):
        return [min(runs["stats"][b, lr]["std"], 1e300) for lr in lrs]

    with render.themed(theme) as p:
        fig = render.new_figure(6.6, 5.8)
        ax_t, ax_s = fig.subplots(2, 1, height_ratios=(3, 2))
        (line,) = ax_t.plot([], [], "-", lw=1.3)
        band = ax_t.add_patch(
            Rectangle((updates - window, bottom), window, 1, alpha=0.3, lw=0)
        )
        (level,) = ax_t.plot([], [], "-", lw=1.0, color=p["fg"])
        ax_t.set_yscale("log")
        ax_t.set_ylim(bottom, top)
        ax_t.set_xlim(0, updates)
        ax_t.yaxis.set_major_locator(FixedLocator([1e-8, 1e-6, 1e-4, 1e-2, 1, 1e2]))
        ax_t.yaxis.set_major_formatter(FuncFormatter(numbers.power_of_ten))
        ax_t.yaxis.set_minor_formatter(NullFormatter())
        ax_t.set_xlabel("update")
        ax_t.set_ylabel("loss above the minimum")
        label = ax_t.text(
            0.98,
            0.95,
            "",
            transform=ax_t.transAxes,
            ha="right",
            va="top",
            fontsize=11,
            bbox={"fc": p["bg"], "ec": "none", "pad": 2},
        )
        for (
            b
        ) in sizes:  # every batch size's spread, faint; the state's own drawn over it
            ax_s.plot(lrs, spreads(b), color=p["muted"], lw=0.7)
        cliff = runs["cliff"]
        ax_s.axvline(cliff, color=p["role"]["wrong"], ls=":", lw=1.6)
        ax_s.text(
            cliff / 1.04,
            3e-7,
            f"cliff 2/h_max = {cliff:.3g}",
            color=p["role"]["wrong"],
            ha="right",
            va="top",
            fontsize=11,
        )
        (curve,) = ax_s.plot([], [], "-", color=p["fg"], lw=1.8)
        (marker,) = ax_s.plot([], [], "o", ms=8, mec=p["fg"], zorder=4)
        ax_s.set_xscale("log")
        ax_s.set_yscale("log")
        ax_s.set_xlim(lrs[0] / 1.1, lrs[-1] * 1.1)
        ax_s.set_ylim(1e-8, 1e2)
        ax_s.xaxis.set_major_locator(FixedLocator([0.1, 0.2, 0.5, 1]))
        _plain_log_labels(ax_s.xaxis)
        ax_s.yaxis.set_major_locator(FixedLocator([1e-8, 1e-5, 1e-2, 1e1]))
        ax_s.yaxis.set_major_formatter(FuncFormatter(numbers.power_of_ten))
        ax_s.yaxis.set_minor_formatter(NullFormatter())
        ax_s.set_xlabel("learning rate η (log scale)")
        ax_s.set_ylabel(f"spread, last {window}")

        def update(state):
            b, lr = state["batch"], state["lr"]
            s, loss = runs["stats"][b, lr], runs["above"][b, lr]
            bad = blew_up(s)
            color = p["role"]["wrong" if bad else "path"]
            shown = loss.clamp(min=bottom / 10).nan_to_num(nan=1e300, posinf=1e300)
            line.set_data(range(len(shown)), shown.numpy())
            low, high = (max(s["low"], bottom), s["high"]) if not bad else (top, top)
            band.set_y(low)
            band.set_height(high - low)
            band.set_color(color)
            mid = max(loss[-window:].mean().item(), bottom) if not bad else top * 10
            level.set_data([updates - window, updates], [mid, mid])
            for artist in (line, marker):
                artist.set_color(color)
            marker.set_markeredgecolor(p["fg"])
            curve.set_data(lrs, spreads(b))
            marker.set_data([lr], [min(s["std"], 50.0)])
            label.set_text(
                f"B = {b}, η = {lr:.3g}: "
                + ("diverges" if bad else f"spread {numbers.sci(s['std'])}")
            )

        artists = [line, band, level, label, curve, marker]
    return fig, artists, update


def either_side(lrs, edge):
    """The slider's learning rates just under and just over `edge`."""
    return max(lr for lr in lrs if lr < edge), min(lr for lr in lrs if lr > edge)


def best_state(runs):
    """The (lr, mu) of the bowl explorable whose factor per step is smallest, and that factor."""
    key = min(runs["rates"], key=runs["rates"].get)
    return key, runs["rates"][key]


def bowl_explore_sentence(runs):
    """What to try on the bowl explorable, with its numbers: each mu's edge between two of the
    slider's learning rates, and the fastest state."""
    k, lrs = runs["k"], runs["lrs"]
    parts = []
    for mu in runs["mus"]:
        edge = limit(mu, float(k))
        under, over = either_side(lrs, edge)
        parts.append(
            f"μ = {mu:.2f}, edge {edge:.4g}: {under:.3g} converges, {over:.3g} diverges"
        )
    (lr, mu), rate = best_state(runs)
    root = math.sqrt(k)
    return (
        f"<p>Start with plain descent (μ = 0) and slide the learning rate to the right: the path "
        f"zigzags more and more across the steep direction, and past the edge 2 / L_max it flies "
        f"off. Then choose a momentum. The edge moves to 2(1 + μ) / L_max, and on the slider it "
        f"falls between two learning rates for every μ: {'; '.join(parts)}. The fastest state "
        f"of all is η = {lr:.3g} with μ = {mu:.2f}, a factor of {rate:.3f} per step: the tuned "
        f"pair of the formula above, with (√κ − 1) / (√κ + 1) = {(root - 1) / (root + 1):.3f} "
        f"for κ = {k}.</p>"
    )


def noise_explore_sentence(runs):
    """What to try on the noisy explorable, with its numbers: the spread at one learning rate for
    every batch size, and where B = 1 and the full batch blow up."""
    sizes, lrs, cliff = runs["sizes"], runs["lrs"], runs["cliff"]
    lr = lrs[NOISE_EXPLORE["start"][1]]
    spread = ", ".join(
        f"{numbers.sci(runs['stats'][b, lr]['std'])} at B = {b}" for b in sizes[:-1]
    )
    full = sizes[-1]
    stable = [r for r in lrs if not blew_up(runs["stats"][full, r])]
    first_bad = min(r for r in lrs if blew_up(runs["stats"][sizes[0], r]))
    return (
        f"<p>Pick a learning rate and step through the batch sizes: the loss comes down, "
        f"then jitters in a band that narrows as B grows. At η = {lr:.3g} the spread of the "
        f"last {NOISE_EXPLORE['window']} updates is {spread}, and the full batch does not "
        f"jitter at all. Then slide the learning rate up: the full batch converges up to "
        f"η = {max(stable):.3g} and diverges from {min(r for r in lrs if r not in stable):.3g} "
        f"on, either side of the cliff 2 / h_max = {cliff:.3f} of Learning rate. Small "
        f"batches do not wait for the cliff: with B = {sizes[0]} the run already blows up at "
        f"η = {first_bad:.3g}.</p>"
    )


def bowl_explore_caption(runs):
    """The bowl explorable's caption, from its settings."""
    k, (lr_t, mu_t) = runs["k"], tuned_momentum(1.0, float(runs["k"]))
    return (
        f"Momentum descent on f(p) = (p₁² + {k} p₂²) / 2 from (−6, 2), {BOWL_EXPLORE['steps']} "
        f"steps, for {len(runs['lrs'])} learning rates (log-spaced, the tuned {lr_t:.3g} among "
        f"them) and {len(runs['mus'])} momenta (the tuned {mu_t:.2f} among them). Top: the path "
        "on the contours (red once it diverges) and the loss by step, log scale, with the "
        "closed form dashed: the loss times the factor squared per step. Bottom: the factor "
        "per step from momentum_rate against the learning rate, for this μ (thick) and the "
        "others (thin); dotted, the edge 2(1 + μ) / L_max where it crosses 1."
    )


def noise_explore_caption(runs):
    """The noisy explorable's caption, from its settings."""
    updates, window = NOISE_EXPLORE["updates"], NOISE_EXPLORE["window"]
    return (
        f"Mini-batch SGD (train, seed {NOISE_EXPLORE['seed']}) on the {runs['n']} points, "
        f"{updates} updates from a0 = (−1, 1), for {len(runs['sizes'])} batch sizes and "
        f"{len(runs['lrs'])} log-spaced learning rates. Top: the loss on all the data above "
        f"the least-squares minimum after each update, log scale; shaded, where the last "
        f"{window} updates stayed (10th to 90th percentile), and the line, their mean. Bottom: "
        f"the standard deviation of those last {window} losses against the learning rate, for "
        "this batch size (thick) and the others (thin); dotted, full-batch descent's cliff."
    )
