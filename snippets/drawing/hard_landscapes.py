"""The drawing of the Hard landscapes page: the gradient-check and stationary-point tables, the race
animation and its loss curves, the saddle's escape, Himmelblau's basins, their alt texts, captions
and sentences, the settings the page runs with, and what the checks say about a few wrong calls.

Tested in tests/test_hard_landscapes.py (with the lesson it draws).
"""

import html
import math

import numpy as np
import torch
from matplotlib.artist import Artist
from matplotlib.lines import Line2D

from snippets import hard_landscapes as hl
from snippets.drawing import render
from snippets.drawing.numbers import fixed, minus, sci
from snippets.drawing.tables import refusals

F64 = torch.float64

# The settings of the page's figures, in one place: the page prints them from here.
POINTS_SEED, POINTS_COUNT = 0, 200  # the seeded points where each gradient is checked
NEWTON_STARTS = [(x, y) for x in range(-4, 5, 2) for y in range(-4, 5, 2)]  # 25 starts
ESCAPE_LR, ESCAPE_DISTANCE = 0.1, 1.0
ESCAPE_OFFSETS = (1e-2, 1e-5, 1e-10)  # the starts (2, offset) of the escape figure
ESCAPE_NOISE, ESCAPE_SEEDS = 0.1, 200  # SGD with noise from (2, 0), on the stable line
BASIN_LR, BASIN_STEPS, BASIN_N = (
    0.005,
    300,
    101,
)  # gradient descent from a 101 x 101 grid
BASIN_LIM = 5.0
FRAMES = 50
FLOOR = 1e-12  # the loss curves draw a smaller f at this height

# what each optimiser's path is on every figure (render.ROLES)
ROLE = {"GD": "path", "momentum": "second", "Adam": "third", "SGD with noise": "data"}
# "path" and "third" are both blues: Adam's line is dashed as well, so the two never blur
DASH = {"GD": "-", "momentum": "-", "Adam": "--", "SGD with noise": "-"}
# the window each panel of the race shows
WINDOW = {
    "saddle": ((-2.5, 2.5), (-2.5, 2.5)),
    "plateau": ((-2.0, 3.5), (-1.5, 2.5)),
    "Rosenbrock": ((-1.6, 1.6), (-0.6, 1.6)),
    "Himmelblau": ((-5.0, 5.0), (-5.0, 5.0)),
}
SURFACES = {  # the page's names, the lesson's functions
    "saddle": (hl.saddle, hl.saddle_gradient),
    "plateau": (hl.plateau, hl.plateau_gradient),
    "Rosenbrock": (hl.rosenbrock, hl.rosenbrock_gradient),
    "Himmelblau": (hl.himmelblau, hl.himmelblau_gradient),
}


def check_points(seed=POINTS_SEED, count=POINTS_COUNT, lim=4.0):
    """Seeded points of the square [-lim, lim]², as a (2, count) tensor."""
    g = torch.Generator().manual_seed(seed)
    return (torch.rand(2, count, generator=g, dtype=F64) * 2 - 1) * lim


def gradient_table():
    """The largest relative gap of each closed-form gradient from autograd and from differences."""
    points = check_points()
    rows = [
        "| surface | gap from autograd | gap from central differences |",
        "|---|---|---|",
    ]
    for name, (f, grad) in SURFACES.items():
        auto, diff = hl.gradient_errors(f, grad, points)
        rows.append(f"| {name} | {gap(auto)} | {gap(diff)} |")
    return "\n".join(rows)


def gap(value):
    """A relative gap as the tables print it: 0 when there is none."""
    return "0" if value == 0 else sci(value)


# ---------------------------------------------------------------------------------------------
# Stationary points


def himmelblau_points():
    """Himmelblau's stationary points from Newton's method, minima first, then saddles, maximum."""
    found = hl.stationary_points(hl.himmelblau, hl.himmelblau_gradient, NEWTON_STARTS)
    order = {"minimum": 0, "saddle": 1, "maximum": 2, "flat": 3}
    return sorted(
        found, key=lambda pk: (order[pk[1]], -pk[0][0].item(), -pk[0][1].item())
    )


def point_text(p, digits=4):
    return minus(f"({p[0].item():.{digits}f}, {p[1].item():.{digits}f})")


def stationary_table(points):
    """One row per stationary point: where, f, the Hessian's eigenvalues, the kind."""
    rows = [
        "| point | f | eigenvalues of the Hessian | kind |",
        "|---|---|---|---|",
    ]
    for p, what in points:
        values = torch.linalg.eigvalsh(hl.hessian(hl.himmelblau, p))
        eig = ", ".join(fixed(v, 2) for v in values)
        rows.append(
            f"| {point_text(p, 3)} | {fixed(hl.himmelblau(p), 3)} | {eig} | {what} |"
        )
    return "\n".join(rows)


def rosenbrock_minimum():
    """The Rosenbrock minimum (1, 1): its Hessian's eigenvalues and condition number."""
    p = torch.tensor([1.0, 1.0], dtype=F64)
    low, high = torch.linalg.eigvalsh(hl.hessian(hl.rosenbrock, p)).tolist()
    return low, high, high / low


# ---------------------------------------------------------------------------------------------
# The saddle's escape


def escape_runs():
    """Gradient descent from (2, offset) for each offset; the step each reaches ESCAPE_DISTANCE."""
    steps = max(
        hl.predicted_escape(o, ESCAPE_DISTANCE, ESCAPE_LR, -1.0) for o in ESCAPE_OFFSETS
    )
    runs = {}
    for offset in ESCAPE_OFFSETS:
        path = hl.descend(hl.saddle_gradient, (2.0, offset), "GD", ESCAPE_LR, steps + 5)
        runs[offset] = (path, hl.escape_step(path, ESCAPE_DISTANCE))
    return runs


def effective_offset(lr=ESCAPE_LR, noise=ESCAPE_NOISE):
    """The offset that noise of size `noise` amounts to: the typical size of y after many steps,
    over (1 + lr)^t. y_t = -lr noise sum (1 + lr)^(t-1-k) z_k has variance
    lr² noise² ((1 + lr)^(2t) - 1) / ((1 + lr)² - 1)."""
    return lr * noise / math.sqrt((1 + lr) ** 2 - 1)


def noisy_escapes(seeds=ESCAPE_SEEDS, steps=100):
    """The escape step of SGD with noise from (2, 0), for each seed, at once (a loop over steps)."""
    g = torch.Generator().manual_seed(0)
    y = torch.zeros(seeds, dtype=F64)
    first = torch.full((seeds,), -1)
    for t in range(1, steps + 1):
        y = y - ESCAPE_LR * (
            -y + ESCAPE_NOISE * torch.randn(seeds, generator=g, dtype=F64)
        )
        first[(first < 0) & (y.abs() >= ESCAPE_DISTANCE)] = t
    return first


def escape_sentence():
    """The escape steps, measured against log(d / eps) / log(1 + lr)."""
    runs = escape_runs()
    parts = [
        f"from an offset of {sci(o, 0)}, {step} steps (the formula says "
        f"{hl.predicted_escape(o, ESCAPE_DISTANCE, ESCAPE_LR, -1.0)})"
        for o, (_, step) in runs.items()
    ]
    stuck = hl.descend(hl.saddle_gradient, (2.0, 0.0), "GD", ESCAPE_LR, 200)
    return (
        f"With lr = {ESCAPE_LR}, every step multiplies the offset by 1 + lr = {1 + ESCAPE_LR:g}. "
        f"Gradient descent gets {ESCAPE_DISTANCE:g} away from the line y = 0 "
        + "; ".join(parts)
        + ". Each factor of ten less in the offset costs the same "
        f"{math.log(10) / math.log(1 + ESCAPE_LR):.1f} more steps, log 10 / log {1 + ESCAPE_LR:g}. "
        f"From an offset of exactly 0, after {len(stuck) - 1} steps y is still {stuck[-1, 1].item():g} "
        f"and x is {sci(stuck[-1, 0].item())}: the run has converged, to the saddle."
    )


def noise_sentence():
    firsts = noisy_escapes()
    escaped = firsts[firsts > 0].double()
    eps = effective_offset()
    predicted = hl.predicted_escape(0.6745 * eps, ESCAPE_DISTANCE, ESCAPE_LR, -1.0)
    return (
        f"Over {ESCAPE_SEEDS} seeds of noise of size {ESCAPE_NOISE:g}, all from (2, 0) exactly, "
        f"{len(escaped)} runs escape within 100 steps, after {int(escaped.min())} to "
        f"{int(escaped.max())} steps, {escaped.median().item():.0f} in the middle. Noise of size σ "
        f"amounts to an offset of about lr σ / √((1 + lr)² − 1) = {eps:.4f}, and the half-way "
        f"run, whose offset is 0.67 times that (the median size of a normal number), should "
        f"escape after {predicted} steps."
    )


def escape_caption():
    return (
        f"Gradient descent on the saddle from (2, offset), with lr = {ESCAPE_LR:g}: the distance "
        f"from the stable line, on a log scale, grows along a straight line, times 1 + lr = "
        f"{1 + ESCAPE_LR:g} per step. A dot marks the step it passes {ESCAPE_DISTANCE:g}."
    )


def plot_escape(runs, theme="light"):
    """Return a Figure: |y| against step, on a log scale, for each offset, with (1 + lr)^t."""
    with render.themed(theme) as p:
        fig = render.new_figure(6.4, 4.0)
        ax = fig.add_subplot()
        colors = [p["role"][r] for r in ("path", "second", "data")]
        for (offset, (path, step)), color in zip(runs.items(), colors):
            t = np.arange(len(path))
            ax.plot(
                t,
                path[:, 1].abs().numpy(),
                color=color,
                label=f"offset {sci(offset, 0)}",
            )
            ax.plot(t, offset * (1 + ESCAPE_LR) ** t, ":", color=p["fg"], lw=1.2)
            ax.plot([step], [path[step, 1].abs().item()], "o", color=color, ms=7)
        ax.plot(
            [], [], ":", color=p["fg"], lw=1.2, label=f"offset × {1 + ESCAPE_LR:g}ᵗ"
        )
        ax.axhline(ESCAPE_DISTANCE, color=p["muted"], lw=1)
        # between the lines, where none passes: below the first two, above the third
        ax.text(135, ESCAPE_DISTANCE * 0.05, f"escaped above |y| = {ESCAPE_DISTANCE:g}",
                color=p["fg"])  # fmt: skip
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(_powers)
        ax.set_xlabel("step")
        ax.set_ylabel("distance from the line y = 0, |y|")
        ax.legend(loc="lower right", fontsize=10)
    return render.settle_layout(fig)


def _powers(value, _=None):
    exponent = round(math.log10(value)) if value > 0 else 0
    return "1" if exponent == 0 else minus("10" + str(exponent).translate(_SUP))


_SUP = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def escape_alt(runs):
    return (
        "Distance from the saddle's stable line against step, log scale, for gradient descent "
        "from three offsets: "
        + ", ".join(
            f"{sci(o, 0)} escapes after {s} steps" for o, (_, s) in runs.items()
        )
        + f"; each follows the straight line offset × {1 + ESCAPE_LR:g} to the power t."
    )


# ---------------------------------------------------------------------------------------------
# The race


def contour_grid(name, n=121):
    """The window of a panel and the surface on it."""
    (x0, x1), (y0, y1) = WINDOW[name]
    xs = torch.linspace(x0, x1, n, dtype=F64)
    ys = torch.linspace(y0, y1, n, dtype=F64)
    grid = torch.stack(torch.meshgrid(xs, ys, indexing="xy"))
    return xs.numpy(), ys.numpy(), SURFACES[name][0](grid).numpy()


def _contours(ax, name, p):
    xs, ys, z = contour_grid(name)
    if name in ("Rosenbrock", "Himmelblau"):
        z, levels = np.log10(z + 1e-3), np.linspace(-1, math.log10(z.max()), 14)
    else:
        levels = np.linspace(z.min(), z.max(), 14)
    ax.contour(xs, ys, z, levels=levels, colors=p["muted"], linewidths=0.7, alpha=0.6,
               negative_linestyles="solid")  # fmt: skip
    ax.set_xlim(*WINDOW[name][0])
    ax.set_ylim(*WINDOW[name][1])
    ax.grid(False)
    ax.tick_params(labelsize=9)


def races(seed=0):
    """Every landscape's race: {landscape: {optimiser: path}}."""
    return {name: hl.race(land, seed=seed) for name, land in hl.LANDSCAPES.items()}


def star_points(name, points):
    """Where a panel's stars go: the minima (on the saddle, the saddle point)."""
    if name == "Himmelblau":
        return [p for p, what in points if what == "minimum"]
    return [torch.tensor({"saddle": (0.0, 0.0), "plateau": (0.0, 0.0),
                          "Rosenbrock": (1.0, 1.0)}[name], dtype=F64)]  # fmt: skip


def frame_steps(name, frames=FRAMES):
    """The step of landscape `name` each frame shows: evenly spread over its race."""
    steps = hl.LANDSCAPES[name].steps
    return [round(i * steps / (frames - 1)) for i in range(frames)]


def animate_race(paths, points, frames=FRAMES, theme="light"):
    """Return frames of the four races at once, one panel per landscape, two by two; `points` are
    Himmelblau's stationary points."""
    stars = {name: star_points(name, points) for name in paths}
    with render.themed(theme) as p:
        fig = render.new_figure(
            render.MAX_GIF_SIZE[0] / 100, render.MAX_GIF_SIZE[1] / 100
        )
        axes = fig.subplots(2, 2).flat
        moving = []
        for ax, (name, race) in zip(axes, paths.items()):
            _contours(ax, name, p)
            for s in stars[name]:
                ax.plot([s[0]], [s[1]], "*", color=p["fg"], ms=11, zorder=5)
            start = hl.LANDSCAPES[name].start
            ax.plot([start[0]], [start[1]], "s", color=p["fg"], ms=5, zorder=5)
            for opt, path in race.items():
                color = p["role"][ROLE[opt]]
                (trail,) = ax.plot(
                    [], [], DASH[opt], color=color, lw=1.6, zorder=3, label=opt
                )
                (dot,) = ax.plot([], [], "o", color=color, ms=6, zorder=4,
                                 markeredgecolor=p["fg"])  # fmt: skip
                moving.append((name, trail, dot, path.numpy()))
            ax.set_title(f"{name}, {hl.LANDSCAPES[name].steps} steps", fontsize=10)
        handles = [line for _, line, _, _ in moving[:4]]
        fig.legend(handles=handles, loc="outside lower center", ncols=4, fontsize=10)
        steps = {name: frame_steps(name, frames) for name in paths}

        def update(i):
            for name, trail, dot, path in moving:
                t = steps[name][i]
                trail.set_data(path[: t + 1, 0], path[: t + 1, 1])
                dot.set_data(path[t : t + 1, 0], path[t : t + 1, 1])

        artists = [a for _, trail, dot, _ in moving for a in (trail, dot)]
        return render.blit_frames(fig, artists, update, range(frames))


def race_labels(frames=FRAMES):
    """The player's label of each frame: the step each panel shows."""
    return [
        ", ".join(f"{name} {frame_steps(name, frames)[i]}" for name in hl.LANDSCAPES)
        for i in range(frames)
    ]


def ends(paths):
    """Where each optimiser ends on each landscape, and f there."""
    return {
        name: {
            opt: (path[-1], hl.LANDSCAPES[name].f(path[-1]).item())
            for opt, path in race.items()
        }
        for name, race in paths.items()
    }


def race_alt(paths):
    e = ends(paths)
    parts = []
    for name, race in e.items():
        where = "; ".join(
            f"{opt} ends at {point_text(q, 2)}" for opt, (q, _) in race.items()
        )
        parts.append(f"{name}: {where}")
    return (
        "Four panels of contours, each with the paths of GD, momentum, Adam and SGD with noise "
        "from one start. " + ". ".join(parts) + "."
    )


def race_caption():
    return (
        "The race, on four landscapes: gradient descent (GD), momentum 0.9 and Adam from "
        "torch.optim, and SGD with Gaussian noise added to the gradient. The square marks the "
        "start, the stars the minima (on the saddle, the saddle point)."
    )


def plot_race_values(paths, theme="light"):
    """Return a Figure: f along each path against step, one panel per landscape."""
    with render.themed(theme) as p:
        fig = render.new_figure(7.2, 5.2)
        axes = fig.subplots(2, 2).flat
        for ax, (name, race) in zip(axes, paths.items()):
            f = hl.LANDSCAPES[name].f
            for opt, path in race.items():
                values = f(path.T).numpy()
                if name in ("Rosenbrock", "Himmelblau"):
                    values = np.maximum(values, FLOOR)
                ax.plot(
                    values, DASH[opt], color=p["role"][ROLE[opt]], lw=1.6, label=opt
                )
            if name in ("Rosenbrock", "Himmelblau"):
                ax.set_yscale("log")
                ax.yaxis.set_major_formatter(_powers)
            ax.set_title(name, fontsize=10)
            ax.tick_params(labelsize=9)
        for ax in axes.base[-1]:
            ax.set_xlabel("step")
        for ax in axes.base[:, 0]:
            ax.set_ylabel("f")
        handles, labels = axes.base[0, 0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncols=4, fontsize=10)
    return render.settle_layout(fig)


def values_alt(paths):
    e = ends(paths)
    return (
        "f against step for each optimiser on each landscape. "
        + ". ".join(
            f"{name}: "
            + ", ".join(
                f"{opt} ends at f = {sci(v) if abs(v) < 1e-3 and v else fixed(v, 3)}"
                for opt, (_, v) in race.items()
            )
            for name, race in e.items()
        )
        + "."
    )


def race_sentences(paths, points):
    """What the race did, landscape by landscape, from its run."""
    e = ends(paths)
    s, pl, r, h = (e[k] for k in hl.LANDSCAPES)
    mins = [(p, what) for p, what in points if what == "minimum"]
    nearest = {opt: _nearest(q, mins) for opt, (q, _) in h.items()}
    return {
        "saddle": (
            f"On the saddle, from {start_text('saddle')}, on its stable line: GD, momentum "
            f"and Adam end at y = {s['GD'][0][1].item():g}, {s['momentum'][0][1].item():g} and "
            f"{s['Adam'][0][1].item():g} exactly, on the saddle point's doorstep, with f = "
            f"{sci(s['GD'][1])}, {sci(s['momentum'][1])} and {sci(s['Adam'][1])}. SGD with noise "
            f"ends at y = {fixed(s['SGD with noise'][0][1], 2)}, with f = "
            f"{fixed(s['SGD with noise'][1], 2)}, and still falling."
        ),
        "plateau": (
            f"On the plateau, from {start_text('plateau')}, after "
            f"{hl.LANDSCAPES['plateau'].steps} steps GD is at {point_text(pl['GD'][0], 3)}, with "
            f"f = {fixed(pl['GD'][1], 5)}: it has hardly moved. SGD with noise is at "
            f"{point_text(pl['SGD with noise'][0], 3)}. Momentum has found the well and overshot "
            f"it, to {point_text(pl['momentum'][0], 3)}, and Adam sits in it, at "
            f"{point_text(pl['Adam'][0], 3)} with f = {sci(pl['Adam'][1])}."
        ),
        "Rosenbrock": (
            f"In Rosenbrock's valley, from {start_text('Rosenbrock')}, after "
            f"{hl.LANDSCAPES['Rosenbrock'].steps} steps f is {fixed(r['GD'][1], 3)} for GD, "
            f"{fixed(r['SGD with noise'][1], 3)} for SGD with noise, {fixed(r['momentum'][1], 3)} "
            f"for momentum and {fixed(r['Adam'][1], 3)} for Adam: none has reached (1, 1) yet."
        ),
        "Himmelblau": (
            f"On Himmelblau's surface, from {start_text('Himmelblau')}, next to the "
            f"maximum, GD ends in the minimum at {point_text(mins[nearest['GD']][0], 2)}, momentum "
            f"at {point_text(mins[nearest['momentum']][0], 2)}, Adam at "
            f"{point_text(mins[nearest['Adam']][0], 2)} and SGD with noise at "
            f"{point_text(mins[nearest['SGD with noise']][0], 2)}."
        ),
    }


def start_text(name):
    """A landscape's start as the sentences write it, with true minus signs."""
    return minus(str(hl.LANDSCAPES[name].start))


def _nearest(q, mins):
    return min(range(len(mins)), key=lambda k: (mins[k][0] - q).norm().item())


def plateau_sentence(paths):
    """The plateau's gradient at the start, and how far gradient descent got."""
    land = hl.LANDSCAPES["plateau"]
    start = torch.tensor(land.start, dtype=F64)
    size = land.gradient(start).norm().item()
    path = paths["plateau"]["GD"]
    moved = (path[-1] - path[0]).norm().item()
    return (
        f"On the plateau the gradient at the start, {point_text(start, 1)}, is {sci(size)} long. "
        f"Gradient descent multiplies it by lr = {land.lrs['GD']:g} and moves {sci(land.lrs['GD'] * size)} "
        f"in its first step; after {land.steps} steps it has moved {moved:.3f} in all, while the "
        f"well is {start.norm().item():.2f} away."
    )


def valley_sentence():
    """The curvatures where Rosenbrock's race starts, and the learning rates they allow."""
    land = hl.LANDSCAPES["Rosenbrock"]
    start = torch.tensor(land.start, dtype=F64)
    low, high = torch.linalg.eigvalsh(hl.hessian(hl.rosenbrock, start)).tolist()
    floor_low, floor_high, _ = rosenbrock_minimum()
    return (
        f"At the start, {point_text(start, 1)}, the Hessian's eigenvalues are {fixed(low, 2)} and "
        f"{high:.1f}, so by the rule of Learning rate gradient descent is stable there only below "
        f"2 / {high:.1f} = {2 / high:.5f}. The race gives it lr = {land.lrs['GD']:g}, a little more: "
        "its first steps zigzag across the valley until they reach a part of it whose walls curve "
        "less, and there they settle on the floor. At the "
        f"minimum the floor curves by {floor_low:.4f} and the walls by {floor_high:.1f}: at that "
        f"learning rate each step along the floor keeps {1 - land.lrs['GD'] * floor_low:.5f} of the "
        f"distance, so shrinking it a thousandfold would take "
        f"{math.ceil(math.log(1e-3) / math.log(1 - land.lrs['GD'] * floor_low)):,} steps."
    )


# ---------------------------------------------------------------------------------------------
# Basins


def basin_map(points):
    """The grid of starts, the four minima, and which one gradient descent reaches from each."""
    minima = torch.stack([p for p, what in points if what == "minimum"])
    xs = torch.linspace(-BASIN_LIM, BASIN_LIM, BASIN_N, dtype=F64)
    index, distance = hl.basins(
        hl.himmelblau_gradient, minima, xs, xs, BASIN_LR, BASIN_STEPS
    )
    return xs, minima, index, distance


def not_nearest(xs, minima, index):
    """The fraction of starts whose minimum is not the one nearest to them."""
    grid = torch.stack(torch.meshgrid(xs, xs, indexing="xy"))
    nearest = (grid[None] - minima[:, :, None, None]).norm(dim=1).argmin(dim=0)
    return (nearest != index).double().mean().item()


def plot_basins(xs, index, points, theme="light"):
    """Return a Figure: each start coloured by the minimum GD reaches from it; every stationary
    point marked by its kind."""
    from matplotlib.colors import ListedColormap

    with render.themed(theme) as p:
        fig = render.new_figure(5.6, 5.0)
        ax = fig.add_subplot()
        colors = [p["role"][r] for r in ("path", "second", "third", "data")]
        lim = (xs[0].item(), xs[-1].item())
        ax.imshow(index.numpy(), origin="lower", extent=(*lim, *lim), cmap=ListedColormap(colors),
                  alpha=0.45, interpolation="nearest", vmin=0, vmax=3)  # fmt: skip
        _contours_on(ax, xs, p)
        marks = {"minimum": ("*", 14), "saddle": ("X", 9), "maximum": ("^", 10)}
        for what, (marker, size) in marks.items():
            pts = [q for q, k in points if k == what]
            ax.plot([q[0] for q in pts], [q[1] for q in pts], marker, color=p["fg"], ms=size,
                    ls="none", label=what)  # fmt: skip
        ax.set_aspect("equal")
        ax.set_xlabel("x")
        ax.set_ylabel("y")
        fig.legend(loc="outside lower center", ncols=3, fontsize=10)
    return render.settle_layout(fig)


def _contours_on(ax, xs, p):
    grid = torch.stack(torch.meshgrid(xs, xs, indexing="xy"))
    z = np.log10(hl.himmelblau(grid).numpy() + 1e-3)
    ax.contour(xs.numpy(), xs.numpy(), z, levels=np.linspace(-1, z.max(), 12),
               colors=p["fg"], linewidths=0.5, alpha=0.6)  # fmt: skip
    ax.grid(False)


def basin_shares(index):
    return [(index == k).double().mean().item() for k in range(4)]


def basins_alt(xs, minima, index):
    shares = basin_shares(index)
    return (
        f"Himmelblau's surface over a {len(xs)} by {len(xs)} grid of starts, each coloured by the "
        "minimum gradient descent reaches from it: "
        + ", ".join(
            f"{point_text(m, 2)} from {s:.0%} of the starts"
            for m, s in zip(minima, shares)
        )
        + ". The basins meet along curves through the four saddles and the maximum."
    )


def basins_sentence(xs, minima, index, distance):
    shares = basin_shares(index)
    return (
        f"From each of the {len(xs) ** 2:,} starts, {BASIN_STEPS} steps of gradient descent with "
        f"lr = {BASIN_LR} end within {sci(distance.max().item())} of a minimum. The minima share "
        "the starts "
        + ", ".join(f"{s:.1%} for {point_text(m, 2)}" for m, s in zip(minima, shares))
        + f". For {not_nearest(xs, minima, index):.1%} of the starts, the minimum reached is not "
        "the one nearest to the start."
    )


# ---------------------------------------------------------------------------------------------
# Explore: an optimiser from a start of the reader's choice

EXPLORE_SURFACES = ("saddle", "Rosenbrock", "Himmelblau")
EXPLORE_OPTIMISERS = ("GD", "momentum", "Adam")
# each surface's window, all squares, so that one grid of starts lies at the same place on each
EXPLORE_WINDOW = {
    "saddle": ((-2.5, 2.5), (-2.5, 2.5)),
    "Rosenbrock": ((-2.0, 2.0), (-1.0, 3.0)),
    "Himmelblau": ((-5.0, 5.0), (-5.0, 5.0)),
}
EXPLORE_ACROSS = (
    0.1,
    0.5,
    0.9,
)  # where the starts lie across each window: a 3 x 3 grid
EXPLORE_PLACES = (
    "top left", "top", "top right",
    "left", "middle", "right",
    "bottom left", "bottom", "bottom right",
)  # fmt: skip
EXPLORE_NEAR = 0.05  # a run that ends this close to a stationary point has reached it
EXPLORE_DPI = 100
SURFACE_NAMES = {
    "saddle": "the saddle (x² − y²) / 2",
    "Rosenbrock": "Rosenbrock's function",
    "Himmelblau": "Himmelblau's function",
}
SURFACE_TITLES = {
    "saddle": "The saddle",
    "Rosenbrock": "Rosenbrock's valley",
    "Himmelblau": "Himmelblau's four minima",
}


def explore_starts(surface):
    """The nine starts on `surface`: the grid EXPLORE_ACROSS of its window, row by row from the top."""
    (x0, x1), (y0, y1) = EXPLORE_WINDOW[surface]
    return [
        (round(x0 + u * (x1 - x0), 6), round(y0 + v * (y1 - y0), 6))
        for v in reversed(EXPLORE_ACROSS)
        for u in EXPLORE_ACROSS
    ]


def explore_points(surface):
    """The stationary points of `surface` that Newton's method finds from the page's starts."""
    if surface == "Himmelblau":
        return himmelblau_points()
    f, gradient = SURFACES[surface]
    return hl.stationary_points(f, gradient, NEWTON_STARTS)


def explore_runs():
    """Every run of the explorable, with the race's settings: {(surface, optimiser, start): path}."""
    runs = {}
    for surface in EXPLORE_SURFACES:
        land = hl.LANDSCAPES[surface]
        for opt in EXPLORE_OPTIMISERS:
            for i, start in enumerate(explore_starts(surface)):
                path = hl.descend(land.gradient, start, opt, land.lrs[opt], land.steps)
                runs[surface, opt, i] = path
    return runs


def explore_end(surface, path, points):
    """Where a run ends, in words: the stationary point it reached, or where it got to."""
    end = path[-1]
    f = hl.LANDSCAPES[surface].f(end).item()
    if not torch.isfinite(end).all():
        return "diverges: its path grows to inf"
    q, what = min(points, key=lambda pk: (pk[0] - end).norm().item())
    distance = (q - end).norm().item()
    if (path - q).norm(dim=1).max() == 0:
        return f"stays at the {POINT_NAMES[what]}: the gradient is zero there"
    if distance < EXPLORE_NEAR:
        return f"ends at the {POINT_NAMES[what]} {point_text(q, 2)}, f = {_value(f)}"
    (x0, x1), (y0, y1) = EXPLORE_WINDOW[surface]
    if not (x0 <= end[0] <= x1 and y0 <= end[1] <= y1):
        return f"leaves the window and ends at {_far(end)}, f = {_value(f)}"
    return (
        f"ends at {point_text(end, 2)}, f = {_value(f)}, {distance:.2f} from the "
        f"{POINT_NAMES[what]}"
    )


POINT_NAMES = {"minimum": "minimum", "saddle": "saddle point", "maximum": "maximum"}


def _value(v):
    """f as the status line writes it: 3 digits, or powers of ten when very small or large."""
    return sci(v) if (v and abs(v) < 1e-3) or abs(v) >= 1e4 else minus(f"{v:.3g}")


def _far(p):
    return minus(
        "("
        + ", ".join(f"{t:.3g}" if abs(t) < 1e3 else sci(t) for t in p.tolist())
        + ")"
    )


def explore_status(state, runs, points):
    """The two lines above the figure: the run chosen, and where it ends."""
    surface, opt, i = state["surface"], state["optimiser"], state["start"]
    land = hl.LANDSCAPES[surface]
    start = minus("({:g}, {:g})".format(*explore_starts(surface)[i]))
    return (
        f"{opt}, lr = {land.lrs[opt]:g}, {land.steps} steps from {start}:\n"
        + explore_end(surface, runs[surface, opt, i], points[surface])
    )


def explore_alt(runs, points):
    """The alt text of each state, from its run."""

    def alt(state):
        surface = state["surface"]
        kinds = [what for _, what in points[surface]]
        marked = [
            f"{kinds.count(k)} {POINT_NAMES[k] if kinds.count(k) == 1 else plural}"
            for k, plural in (
                ("minimum", "minima"),
                ("saddle", "saddle points"),
                ("maximum", "maxima"),
            )
            if k in kinds
        ]
        marked = ", ".join(marked[:-1]) + " and " * (len(marked) > 1) + marked[-1]
        return (
            f"Contours of {SURFACE_NAMES[surface]}, with its {marked} marked and nine starts to "
            "choose from. "
            + explore_status(state, runs, points).replace("\n", " ")
            + "."
        )

    return alt


def explore_caption():
    lrs = "; ".join(
        f"{name}: "
        + ", ".join(
            f"{opt} {hl.LANDSCAPES[name].lrs[opt]:g}" for opt in EXPLORE_OPTIMISERS
        )
        for name in EXPLORE_SURFACES
    )
    return (
        "Choose a surface, an optimiser and a start (a button, or a click on one of the circles): "
        "the path runs from the square to the dot, with the race's learning rates and steps "
        f"({lrs}; momentum 0.9). Stars mark the minima, crosses the saddle points and the "
        "triangle the maximum, as Newton's method and the Hessian's eigenvalues found them."
    )


def explore_minimum(path, points):
    """The index of the minimum a run ends at (within EXPLORE_NEAR), or None."""
    mins = [q for q, what in points if what == "minimum"]
    gaps = [(q - path[-1]).norm().item() for q in mins]
    k = min(range(len(mins)), key=gaps.__getitem__)
    return k if gaps[k] < EXPLORE_NEAR else None


def explore_sentences(runs, points):
    """What the explorable shows, surface by surface, from its runs."""
    n = len(EXPLORE_PLACES)
    ends = {
        opt: [
            explore_minimum(runs["Himmelblau", opt, i], points["Himmelblau"])
            for i in range(n)
        ]
        for opt in EXPLORE_OPTIMISERS
    }
    reached = sum(k is not None for e in ends.values() for k in e)
    same = [i for i in range(n) if ends["Adam"][i] == ends["GD"][i]]
    moved = [i for i in range(n) if ends["momentum"][i] != ends["GD"][i]]
    himmelblau = (
        f"On Himmelblau's function, {_of(reached, len(runs) // 3)} runs end at a minimum. Adam "
        f"ends in the same one as GD from {_of(len(same), n)} starts; momentum, which keeps its "
        f"speed and overshoots, ends in another from {len(moved)}: the "
        + _and([EXPLORE_PLACES[i] for i in moved])
        + "."
    )
    line = [i for i, (_, y) in enumerate(explore_starts("saddle")) if y == 0]
    off = [i for i in range(n) if i not in line]
    on_line = [runs["saddle", opt, i] for opt in EXPLORE_OPTIMISERS for i in line]
    stay = all((path[:, 1] == 0).all() for path in on_line)
    home = all(path[-1].norm() < EXPLORE_NEAR for path in on_line)
    lim = EXPLORE_WINDOW["saddle"][1][1]
    escape = min(
        runs["saddle", opt, i][-1, 1].abs().item()
        for opt in EXPLORE_OPTIMISERS
        for i in off
    )
    saddle = (
        f"On the saddle, the {len(line)} starts of the middle row lie on its stable line: from "
        f"them {'no optimiser ever leaves it' if stay else 'an optimiser leaves it'}, and "
        f"{'every' if home else 'not every'} run ends at the saddle point. From the other "
        f"{len(off)}, every run ends at |y| = {escape:.3g} or more, out of the window, which "
        f"stops at {lim:g}."
    )
    minimum = torch.tensor([1.0, 1.0], dtype=F64)
    gaps = {
        key: (path[-1] - minimum).norm().item()
        for key, path in runs.items()
        if key[0] == "Rosenbrock"
    }
    best = min(gaps, key=gaps.get)
    near = sum(g < EXPLORE_NEAR for g in gaps.values())
    rosenbrock = (
        f"In Rosenbrock's valley, {'none' if near == 0 else near} of the {len(gaps)} runs "
        f"{'ends' if near < 2 else 'end'} within {EXPLORE_NEAR:g} of the minimum (1, 1) in "
        f"{hl.LANDSCAPES['Rosenbrock'].steps} steps; the closest, {best[1]} from the "
        f"{EXPLORE_PLACES[best[2]]}, ends {gaps[best]:.2f} from it."
    )
    return {"saddle": saddle, "Rosenbrock": rosenbrock, "Himmelblau": himmelblau}


def explore_list(sentences):
    """The sentences as an HTML list (the block that prints them prints the figure's HTML too)."""
    items = "".join(f"<li>{html.escape(line)}</li>" for line in sentences.values())
    return f"<ul>{items}</ul>"


def _of(k, n):
    return f"all {n}" if k == n else f"{k} of the {n}"


def _and(words):
    return ", ".join(words[:-1]) + " and " * (len(words) > 1) + words[-1]


def explore_knobs():
    """The explorable's three knobs; a click on the figure picks the nearest start."""
    return [
        render.Knob("surface", "Surface", EXPLORE_SURFACES, kind="buttons", start=2,
                    labels=tuple(SURFACE_TITLES[s] for s in EXPLORE_SURFACES)),
        render.Knob("optimiser", "Optimiser", EXPLORE_OPTIMISERS, kind="buttons"),
        render.Knob("start", "Start", tuple(range(len(EXPLORE_PLACES))), kind="buttons",
                    labels=EXPLORE_PLACES, start=3, points=explore_starts(EXPLORE_SURFACES[0])),
    ]  # fmt: skip


def explore_scene(runs, points, theme="light"):
    """The explorable's figure: each surface's contours and marks drawn once into a picture, the
    chosen run's path, start, end and status drawn over it (render.explorable's scene)."""
    marks = {"minimum": ("*", 15), "saddle": ("X", 10), "maximum": ("^", 10)}
    with render.themed(theme) as p:
        fig = render.new_figure(6.0, 6.8)
        fig.set_dpi(EXPLORE_DPI)
        status = fig.suptitle(" \n ", ha="left", x=0.02, fontsize=11, linespacing=1.4)
        drawn = {}
        for surface in EXPLORE_SURFACES:
            ax = fig.add_subplot(
                1, 1, 1
            )  # every surface's axes in one place: one grid of starts
            _explore_contours(ax, surface, p)
            for what, (marker, size) in marks.items():
                pts = [q.tolist() for q, k in points[surface] if k == what]
                if pts:
                    ax.plot(
                        *zip(*pts), marker, color=p["fg"], ms=size, ls="none", zorder=5
                    )
            ax.plot(*zip(*explore_starts(surface)), "o", mfc="none", mec=p["fg"], ms=9,
                    ls="none", zorder=4)  # fmt: skip
            ax.set_title(SURFACE_TITLES[surface], fontsize=11, loc="left")
            lines = {}
            for opt in EXPLORE_OPTIMISERS:
                color = p["role"][ROLE[opt]]
                (path,) = ax.plot([], [], DASH[opt], color=color, lw=2, zorder=3)
                (end,) = ax.plot([], [], "o", color=color, mec=p["fg"], ms=9, zorder=6)
                lines[opt] = (path, end)
            (start,) = ax.plot([], [], "s", color=p["fg"], ms=8, zorder=6)
            drawn[surface] = (ax, lines, start)
        handles = [
            matplotlib_line(p["fg"], "s", "start"),
            matplotlib_line(p["fg"], "o", "other starts", hollow=True),
            matplotlib_line(p["fg"], "*", "minimum"),
            matplotlib_line(p["fg"], "X", "saddle"),
            matplotlib_line(p["fg"], "^", "maximum"),
        ]
        fig.legend(handles=handles, loc="outside lower center", ncols=5, fontsize=11,
                   handletextpad=0.2, columnspacing=0.9)  # fmt: skip
        render.settle_layout(fig)
        # each surface drawn once, alone, as a picture of the whole figure; the frames show one
        pictures = {}
        for surface, (ax, _, _) in drawn.items():
            for other, _, _ in drawn.values():
                other.set_visible(other is ax)
            status.set_visible(False)
            fig.canvas.draw()
            pictures[surface] = np.asarray(fig.canvas.buffer_rgba()).copy()
        for ax, _, _ in drawn.values():
            ax.set_visible(False)
        status.set_visible(True)
        picture = Picture(pictures[EXPLORE_SURFACES[0]])
        fig.add_artist(picture)
        moving = [picture, status]
        for _, lines, start in drawn.values():
            moving += [start] + [
                a for pair in lines.values() for a in pair
            ]  # ends over the start

        def update(state):
            surface, opt, i = state["surface"], state["optimiser"], state["start"]
            picture.pixels = pictures[surface]
            for name, (_, lines, start) in drawn.items():
                for key, (path, end) in lines.items():
                    shown = name == surface and key == opt
                    path.set_visible(shown)
                    end.set_visible(shown)
                start.set_visible(name == surface)
            run = runs[surface, opt, i].numpy()
            path, end = drawn[surface][1][opt]
            path.set_data(run[:, 0], run[:, 1])
            end.set_data(run[-1:, 0], run[-1:, 1])
            drawn[surface][2].set_data(run[:1, 0], run[:1, 1])
            status.set_text(explore_status(state, runs, points))

        return fig, moving, update


class Picture(Artist):
    """Pixels of the figure's own size, drawn as they are (no resampling, unlike figimage)."""

    def __init__(self, pixels):
        super().__init__()
        self.pixels = pixels

    def draw(self, renderer):
        gc = renderer.new_gc()
        renderer.draw_image(gc, 0, 0, self.pixels[::-1])  # rows from the bottom up
        gc.restore()


def matplotlib_line(color, marker, label, hollow=False):
    """A legend entry: a marker alone."""
    face = "none" if hollow else color
    return Line2D(
        [], [], color=color, marker=marker, mfc=face, ls="none", ms=9, label=label
    )


def _explore_contours(ax, surface, p, n=121):
    (x0, x1), (y0, y1) = EXPLORE_WINDOW[surface]
    xs = torch.linspace(x0, x1, n, dtype=F64)
    ys = torch.linspace(y0, y1, n, dtype=F64)
    z = SURFACES[surface][0](torch.stack(torch.meshgrid(xs, ys, indexing="xy"))).numpy()
    if surface == "saddle":
        levels = np.linspace(z.min(), z.max(), 15)
    else:
        z, levels = np.log10(z + 1e-3), np.linspace(-1, math.log10(z.max()), 14)
    ax.contour(xs.numpy(), ys.numpy(), z, levels=levels, colors=p["muted"], linewidths=0.7,
               alpha=0.7, negative_linestyles="solid")  # fmt: skip
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.grid(False)
    ax.set_xlabel("x")
    ax.set_ylabel("y")


# ---------------------------------------------------------------------------------------------
# Wrong calls


def error_table(lesson):
    """What the checks say about a few wrong calls of the lesson's functions."""
    g = lesson.saddle_gradient
    return refusals(
        [
            ("saddle_gradient(torch.zeros(3))", lambda: g(torch.zeros(3))),
            ("saddle_gradient([1.0, 2.0])", lambda: g([1.0, 2.0])),
            ("descend(g, (1.0, 0.0), 'GD', lr=0, steps=10)",
             lambda: lesson.descend(g, (1.0, 0.0), "GD", lr=0, steps=10)),
            ("descend(g, (1.0, 0.0), 'adam', lr=0.1, steps=10)",
             lambda: lesson.descend(g, (1.0, 0.0), "adam", lr=0.1, steps=10)),
            ("descend(g, (1.0, math.nan), 'GD', lr=0.1, steps=10)",
             lambda: lesson.descend(g, (1.0, math.nan), "GD", lr=0.1, steps=10)),
            ("descend(g, (1.0, 0.0), 'GD', lr=0.1, steps=10, noise=-1)",
             lambda: lesson.descend(g, (1.0, 0.0), "GD", lr=0.1, steps=10, noise=-1)),
            ("newton(saddle, g, 1.0)", lambda: lesson.newton(lesson.saddle, g, 1.0)),
            ("predicted_escape(1e-3, 1.0, lr=0.1, h=1.0)",
             lambda: lesson.predicted_escape(1e-3, 1.0, lr=0.1, h=1.0)),
        ]
    )  # fmt: skip
