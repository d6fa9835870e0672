"""The drawing of the Loss page: the outlier and its two lines, the loss surface as contours, as a
bowl and as an animation, the digits, the BCE curves and table, the learned weights, the staircase
of accuracy, the sentences that quote the page's settings, and what the checks say about wrong
calls.

Tested in tests/test_loss_functions.py (with the lesson it draws).
"""

import inspect
import itertools

import numpy as np
import torch
import torch.nn.functional as F
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.patches import Rectangle

from snippets.drawing import render
from snippets.drawing.line_problem import (
    draw_contours,
    least_squares,
    line_label,
    losses,
)
from snippets.drawing.numbers import minus_numbers, sci, vec
from snippets.drawing.tables import refusals
from snippets.loss_functions import bce, fit_loss, loss_surface, sigmoid, slopes_at

# The window of (slope, intercept) that the loss-surface figures show: the whole descent from
# Fit a line's starting guess (-1, 1) to its minimum near (3.1, 2.5).
A1_LIM = (-2.0, 5.0)
A2_LIM = (-0.5, 4.5)
GRID_N = (
    61  # grid points per side behind the contour maps: smooth enough, and a small SVG
)


def defaults(fn):
    """The default value of each of `fn`'s parameters that has one, by name."""
    return {
        k: v.default
        for k, v in inspect.signature(fn).parameters.items()
        if v.default is not inspect.Parameter.empty
    }


def outlier_pull(loss_fn, x, y, clean, i):
    """How far the line fitted with loss_fn moves at point i's x when y[i] replaces clean[i]."""
    with_outlier, without = fit_loss(loss_fn, x, y)[-1], fit_loss(loss_fn, x, clean)[-1]
    return (x[i] @ (with_outlier - without)).item()


def plot_outlier(x, y, clean, i, a_mse, a_mae, theme="light"):
    """Return a Figure: the data, the outlier and where it came from, and the MSE and MAE lines."""
    shift = (y[i] - clean[i]).item()
    # matplotlib takes NumPy
    x, y, a_mse, a_mae = (t.numpy() for t in (x, y, a_mse, a_mae))
    ends = np.array([x[:, 0].min(), x[:, 0].max()])
    with render.themed(theme) as p:
        fig = render.new_figure(6.4, 4.0)
        ax = fig.add_subplot()
        rest = np.arange(len(y)) != i
        ax.scatter(x[rest, 0], y[rest], s=22, color=p["muted"], zorder=3, label="data")
        u, moved = x[i, 0].item(), y[i].item()
        ax.scatter(
            [u],
            [moved - shift],
            s=40,
            facecolors="none",
            edgecolors=p["muted"],
            zorder=3,
            label="where the outlier was",
        )
        ax.annotate(
            "",
            xy=(u, moved + 0.35),
            xytext=(u, moved - shift - 0.35),
            zorder=2,
            arrowprops={
                "arrowstyle": "->",
                "color": p["muted"],
                "lw": 1.2,
                "shrinkA": 0,
                "shrinkB": 0,
            },
        )
        ax.scatter(
            [u],
            [moved],
            s=60,
            marker="D",
            color=p["role"]["data"],
            zorder=4,
            label=f"outlier, moved {shift:+.0f}".replace("-", "−"),
        )
        for a, color, label in [
            (a_mse, p["role"]["wrong"], "MSE fit"),  # pulled away by the outlier
            (a_mae, p["role"]["path"], "MAE fit"),
        ]:
            ax.plot(
                ends,
                ends * a[0] + a[1],
                color=color,
                zorder=5,
                label=f"{label}: {line_label(a)}",
            )
        ax.set_xlabel("x")
        ax.set_ylabel("y")
        ax.legend(loc="lower left")  # the corner the data leave empty
    return fig


def surface_minimum(x, y, n=121):
    """Return the lowest grid point of the loss on n x n points over the maps, and the spacing."""
    a1 = torch.linspace(*A1_LIM, n, dtype=torch.float64)
    a2 = torch.linspace(*A2_LIM, n, dtype=torch.float64)
    loss = loss_surface(x.double(), y.double(), a1, a2)
    row, col = divmod(loss.argmin().item(), n)
    return torch.stack([a1[col], a2[row]]), torch.stack([a1[1] - a1[0], a2[1] - a2[0]])


def _draw_path(ax, path, loss, p, z=None):
    """Draw the descent path and its start on a 2-D axes, or on a 3-D one at height `z`."""
    path = path.numpy()
    lift = [] if z is None else [z.numpy()]
    ax.plot(
        path[:, 0],
        path[:, 1],
        *lift,
        "-o",
        color=p["role"]["path"],
        ms=2.5,
        lw=1.5,
        zorder=4,
        label=f"gradient descent, {len(path) - 1} steps: loss {loss[0]:.2f} to {loss[-1]:.3f}",
    )
    ax.plot(
        path[:1, 0],
        path[:1, 1],
        *[h[:1] for h in lift],
        "s",
        color=p["role"]["path"],
        ms=7,
        zorder=5,
        label=f"start a = ({path[0, 0]:.0f}, {path[0, 1]:.0f})".replace("-", "−"),
    )


def plot_contour(x, y, path, theme="light"):
    """Return a Figure: contour lines of the loss over (slope, intercept), with the descent path."""
    loss = losses(x, y, path)
    best, floor = least_squares(x, y)
    with render.themed(theme) as p:
        fig = render.new_figure(6.4, 4.8)
        ax = fig.add_subplot()
        draw_contours(ax, x, y, A1_LIM, A2_LIM, p, n=GRID_N)
        _draw_path(ax, path, loss, p)
        ax.plot(
            [best[0].item()],
            [best[1].item()],
            "*",
            color=p["role"]["answer"],
            ms=15,
            zorder=6,
            label=f"least-squares minimum, loss {floor:.3f}",
        )
        fig.legend(loc="outside lower center", ncols=2, fontsize=9)
    return fig


def _relief(p):
    """A colormap for the height of the bowl in greys of the page, the bottom darkest, so the
    descent's colour stands out on it in both themes (no hue of its own to clash with the roles)."""
    ends = (
        [p["muted"], p["grid"]]
        if p is render.PALETTES["light"]
        else [p["grid"], p["muted"]]
    )
    return LinearSegmentedColormap.from_list("relief", ends)


def _draw_surface(ax, x, y, wire=None, n=40, p=None):
    """Draw the loss over the figures' window as a 3-D surface on `ax`, seen from the minimum's side.

    With `wire` (a colour) it is drawn as a wireframe: a GIF's 64 colours cannot shade a surface.
    """
    a1 = torch.linspace(*A1_LIM, n, dtype=torch.float64)
    a2 = torch.linspace(*A2_LIM, n, dtype=torch.float64)
    A1, A2 = torch.meshgrid(a1, a2, indexing="xy")
    loss = loss_surface(x.double(), y.double(), a1, a2)
    if wire:
        ax.plot_wireframe(
            A1.numpy(),
            A2.numpy(),
            loss.numpy(),
            color=wire,
            lw=0.5,
            zorder=1,
            rstride=3,
            cstride=3,
        )
    else:
        ax.plot_surface(
            A1.numpy(),
            A2.numpy(),
            loss.numpy(),
            cmap=_relief(p),
            zorder=1,
            rstride=1,
            cstride=1,
            linewidth=0,
            antialiased=False,
        )
    ax.set_xlabel("slope $a_1$")
    ax.set_ylabel("intercept $a_2$")
    ax.set_zlabel("loss", labelpad=8)
    ax.set_zticks(range(0, int(loss.max()) + 1, 5))
    # every other whole number: at this angle neighbouring labels of the slope axis collide
    ax.set_xticks(range(int(A1_LIM[0]), int(A1_LIM[1]) + 1, 2))
    ax.set_yticks(range(0, int(A2_LIM[1]) + 1, 2))
    for axis in (ax.xaxis, ax.yaxis, ax.zaxis):
        axis.set_pane_color((0, 0, 0, 0))
    # Looking from large slope and intercept, towards the wall the descent starts on.
    ax.view_init(elev=32, azim=50)


def plot_surface(x, y, path, theme="light"):
    """Return a Figure: the loss as a 3-D surface over (slope, intercept), with the descent path."""
    loss = losses(x, y, path)
    with render.themed(theme) as p:
        fig = render.new_figure(5.6, 4.4)
        # computed_zorder=False: the path is drawn after the surface, so it always shows on top
        ax = fig.add_subplot(projection="3d", computed_zorder=False)
        _draw_surface(ax, x, y, p=p)
        _draw_path(ax, path, loss, p, z=loss)
        fig.legend(loc="outside lower center", fontsize=9)
    return fig


def animate_descent(x, y, path, theme="light", every=2):
    """Return frames of the descent stepping down the loss surface (left) and across its contours
    (right), one step at a time: a walk, not a rolling ball (gradient descent has no momentum)."""
    loss = losses(x, y, path).numpy()
    path = path.numpy()
    steps = render.frame_steps(len(path), every)
    with render.themed(theme) as p:
        fig = render.new_figure(7.8, 3.6)
        ax3 = fig.add_subplot(1, 2, 1, projection="3d", computed_zorder=False)
        ax2 = fig.add_subplot(1, 2, 2)
        _draw_surface(ax3, x, y, wire=p["muted"])
        # the loss axis named above its ticks: beside them, in so small a panel, it is cut off
        ax3.set_zlabel("")
        ax3.text2D(0.05, 0.82, "loss", transform=ax3.transAxes, ha="left")
        draw_contours(ax2, x, y, A1_LIM, A2_LIM, p, n=GRID_N)
        (trail3,) = ax3.plot([], [], [], color=p["role"]["path"], lw=1.8, zorder=4)
        (dot3,) = ax3.plot(
            [],
            [],
            [],
            "o",
            color=p["role"]["path"],
            ms=8,
            zorder=5,
            markeredgecolor=p["fg"],
        )
        (trail2,) = ax2.plot([], [], color=p["role"]["path"], lw=1.8, zorder=4)
        (dot2,) = ax2.plot(
            [],
            [],
            "o",
            color=p["role"]["path"],
            ms=8,
            zorder=5,
            markeredgecolor=p["fg"],
        )
        title = fig.suptitle(" ", fontfamily="monospace")

        def update(t):
            trail3.set_data_3d(path[: t + 1, 0], path[: t + 1, 1], loss[: t + 1])
            dot3.set_data_3d(path[t : t + 1, 0], path[t : t + 1, 1], loss[t : t + 1])
            trail2.set_data(path[: t + 1, 0], path[: t + 1, 1])
            dot2.set_data(path[t : t + 1, 0], path[t : t + 1, 1])
            title.set_text(f"step {t:3d}   loss {loss[t]:.3f}")

        frames = render.blit_frames(
            fig, [trail3, dot3, trail2, dot2, title], update, steps
        )
    return frames


def probability(p):
    """A probability for the BCE table: 4 significant digits, but 0 and 1 only when exactly so."""
    text = f"{p:.4g}"
    if text in ("0", "1") and p not in (0, 1):
        text = f"{p:.10g}"  # rounds to 0 or 1 without being it: show the digits that differ
    return minus_numbers(text)


def loss_cell(value):
    """A loss for the BCE table: 4 significant digits, a tiny one as 2.061 × 10⁻⁹."""
    return sci(value, 3) if 0 < abs(value) < 1e-3 else f"{value:.4g}"


def bce_table(z, y):
    """A Markdown table of p = sigmoid(z), the loss computed from p (`bce(sigmoid(z), y)`), and
    the loss computed from z (`F.binary_cross_entropy_with_logits(z, y)`)."""
    header = (
        "| logit $z$ | label $y$ | $p = \\sigma(z)$ | loss from $p$ | loss from $z$ |"
    )
    rows = [header, "|---:|---:|---:|---:|---:|"]
    for zi, yi in zip(z, y):
        p = sigmoid(zi)
        naive = bce(p[None], yi[None]).item()
        safe = F.binary_cross_entropy_with_logits(zi, yi).item()
        cells = [
            f"{zi:g}",
            f"{yi:g}",
            probability(p.item()),
            loss_cell(naive),
            loss_cell(safe),
        ]
        rows.append("| " + " | ".join(minus_numbers(c) for c in cells) + " |")
    return "\n".join(rows)


def sweep_bias(x, y, w, b_values):
    """Accuracy and binary cross-entropy of the model (w, b) for every b in `b_values`."""
    if b_values.ndim != 1:
        raise ValueError(
            f"b_values must be a 1-D tensor, got shape {tuple(b_values.shape)}"
        )
    z = (x * w).sum(dim=-1)[None, :] + b_values[:, None]
    acc = ((z > 0).to(y.dtype) == y).to(y.dtype).mean(dim=1)
    loss = F.binary_cross_entropy_with_logits(z, y.expand_as(z), reduction="none").mean(
        dim=1
    )
    return acc, loss


def _frame(ax, p):
    """Hide ticks and grid and outline the axes, so an image reads as a tile."""
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    for side in ax.spines.values():
        side.set_visible(True)
        side.set_color(p["muted"])
        side.set_linewidth(0.8)


def plot_digits(x, y, per_row=8, theme="light"):
    """Return a Figure: the first `per_row` 3s (top row) and 7s (bottom row) of x, as 8x8 images."""
    if not isinstance(per_row, int) or per_row < 1:
        raise ValueError(f"per_row must be an integer of at least 1, got {per_row!r}")
    rows = [x[y == 0][:per_row], x[y == 1][:per_row]]
    if min(len(r) for r in rows) < per_row:
        raise ValueError(f"x needs at least {per_row} images of each digit")
    # one image for all of them: far cheaper to draw than 16 axes
    mosaic = render.digit_mosaic(rows)
    with render.themed(theme) as p:
        fig = render.new_figure(0.75 * per_row + 0.9, 1.9)
        ax = fig.add_subplot()
        ax.imshow(
            mosaic,
            cmap=render.ink(p).with_extremes(bad=p["bg"]),
            vmin=0,
            vmax=1,
            interpolation="nearest",
        )
        for r, c in itertools.product(range(2), range(per_row)):
            ax.add_patch(
                Rectangle(
                    (c * 10 - 0.5, r * 10 - 0.5),
                    8,
                    8,
                    fill=False,
                    edgecolor=p["muted"],
                    lw=0.8,
                )
            )
        ax.set_xticks([])
        ax.set_yticks([3.5, 13.5], labels=["3s, y = 0", "7s, y = 1"])
        ax.tick_params(axis="y", length=0)
        ax.grid(False)
        for side in ax.spines.values():
            side.set_visible(False)
    return fig


def plot_bce(theme="light"):
    """Return a Figure: the binary cross-entropy against the predicted probability, for each label."""
    prob = torch.linspace(0.005, 0.995, 199, dtype=torch.float64)
    with render.themed(theme) as p:
        fig = render.new_figure(6.4, 3.6)
        ax = fig.add_subplot()
        for label, color, cost in [
            (1, p["role"]["path"], -torch.log(prob)),
            (0, p["role"]["second"], -torch.log(1 - prob)),
        ]:
            name = "7" if label else "3"
            formula = "−log p" if label else "−log(1 − p)"
            ax.plot(
                prob.numpy(),
                cost.numpy(),
                color=color,
                label=f"true label {label} (a {name}): loss = {formula}",
            )
            wrong = 0.01 if label else 0.99
            at_wrong = bce(torch.tensor([wrong]), torch.tensor([float(label)])).item()
            ax.plot([wrong], [at_wrong], "o", color=color, ms=7)
            ax.annotate(
                f"a {name} given p = {wrong}: loss {at_wrong:.2f}",
                (wrong, at_wrong),
                xytext=(10 if label else -10, 0),
                textcoords="offset points",
                ha="left" if label else "right",
                va="center",
                color=p[
                    "fg"
                ],  # the text in the page's colour: yellow text is hard to read
                fontsize=9,
            )
        ax.set_xlabel("predicted probability of a 7, p")
        ax.set_ylabel("loss")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 5.5)
        ax.legend(loc="center")
    return fig


def plot_weights(x, y, w, theme="light"):
    """Return a Figure: the average 3, the average 7, and the learned weights as an 8x8 image."""
    means = [x[y == 0].mean(dim=0), x[y == 1].mean(dim=0)]
    limit = w.abs().max().item()
    with render.themed(theme) as p:
        fig = render.new_figure(6.4, 2.5)
        axes = fig.subplots(1, 3)
        for ax, image, title in zip(axes[:2], means, ["average 3", "average 7"]):
            ax.imshow(image.reshape(8, 8).numpy(), cmap=render.ink(p), vmin=0, vmax=1)
            ax.set_title(title)
            _frame(ax, p)
        # A diverging map centred on 0; in the dark theme one whose middle is dark, like the page.
        cmap = "RdBu_r" if theme == "light" else "berlin"
        shown = axes[2].imshow(
            w.reshape(8, 8).numpy(), cmap=cmap, vmin=-limit, vmax=limit
        )
        axes[2].set_title("learned weights w")
        _frame(axes[2], p)
        bar = fig.colorbar(shown, ax=axes[2], shrink=0.9)
        bar.set_label("weight: − for a 3, + for a 7", fontsize=9)
        bar.outline.set_edgecolor(p["muted"])
    return fig


def plot_staircase(x, y, w, b0, wide=(-8.0, 8.0), zoom=(-4.0, -2.0), theme="light"):
    """Return a Figure: accuracy (top) and the loss (bottom) against the bias b, whole and zoomed in."""
    acc_slope, loss_slope = slopes_at(x, y, w, b0)
    windows = [
        torch.linspace(*wide, 801, dtype=x.dtype),
        torch.linspace(*zoom, 801, dtype=x.dtype),
    ]
    with render.themed(theme) as p:
        fig = render.new_figure(7.2, 4.8)
        axes = fig.subplots(2, 2, sharex="col", width_ratios=[1, 1.3])
        for col, window in enumerate(windows):
            acc, loss = (t.numpy() for t in sweep_bias(x, y, w, window))
            b_values = window.numpy()
            top, bottom = axes[0, col], axes[1, col]
            # accuracy is what fails as a loss; the loss is the curve training follows
            top.plot(
                b_values,
                100 * acc,
                color=p["role"]["wrong"],
                lw=1.6,
                drawstyle="steps-mid",
            )
            bottom.plot(b_values, loss, color=p["role"]["path"], lw=1.8)
            bottom.set_xlabel("bias b")
            top.set_title(
                "zoomed in on the shaded window" if col else "the whole range",
                fontsize=10,
            )
            if col == 0:
                top.set_ylabel("accuracy (%)")
                bottom.set_ylabel("loss (BCE)")
                for ax in (top, bottom):
                    ax.axvspan(*zoom, color=p["grid"], zorder=0)
                continue
            half = 0.12 * (zoom[1] - zoom[0])  # half-width of the drawn tangents
            tangent = np.array([b0 - half, b0 + half])
            i = int(np.abs(b_values - b0).argmin())
            for ax, curve, slope in [
                (top, 100 * acc, 100 * acc_slope),
                (bottom, loss, loss_slope),
            ]:
                ax.axvline(b0, color=p["muted"], ls=":", lw=1.2)
                y0 = curve[i].item()
                ax.plot(
                    tangent,
                    y0 + slope * (tangent - b0),
                    color=p["fg"],
                    lw=1.4,
                    ls="--",
                    label=f"slope at b = {b0:.1f}: {slope if ax is bottom else acc_slope:.3f}".replace(
                        "-", "−"
                    ),
                )
                ax.plot([b0], [y0], "o", color=p["fg"], ms=6)
                ax.legend(loc="lower right" if ax is top else "upper right", fontsize=9)
    return fig


# ---------------------------------------------------------------------------------------------
# The page's settings, in its sentences, read from the lesson's own defaults


def outlier_sentence(make_outlier_data):
    """How the outlier is made, from make_outlier_data's own defaults."""
    d = defaults(make_outlier_data)
    direction = "down" if d["shift"] < 0 else "up"
    return (
        f'To see what that does, take {d["n"]} points made the way "Fit a line" makes them and '
        f"move one of them, the one furthest right, {abs(d['shift']):g} units {direction}."
    )


def fit_loss_sentence(fit_loss):
    """How both lines are fitted, from fit_loss's own defaults."""
    d = defaults(fit_loss)
    return (
        f"The step shrinks from `lr={d['lr']}` to zero over the run for the sake of MAE, as the "
        f"note below explains. Both lines start from the same guess, `a0={d['a0']}`, and take the "
        f"same {d['steps']} steps; only the loss differs."
    )


def path_sentence(fit):
    """What the path on the map is, from Fit a line's fit and its defaults."""
    d = defaults(fit)
    return (
        f'The blue path is `fit_line.fit(x, y)` from "Fit a line", '
        f"{d['steps']} steps with learning rate {d['lr']}; each dot is one step."
    )


def contour_alt(x, y, path):
    """Alt text of the contour map: the least-squares minimum, where the path starts and ends."""
    best, _ = least_squares(x, y)
    return (
        f"Contour map of the loss over slope and intercept: ellipses around the least-squares "
        f"minimum at {vec(best, 2)}. The descent path starts at {vec(path[0], 0)}, curves up in "
        f"intercept first, then runs along the valley and ends at {vec(path[-1], 2)}, beside the "
        f"minimum."
    )


def no_memory_sentence(x, y, fit, k):
    """`fit` restarted from step k of its own path, with nothing else: does it take the same steps?"""
    path = fit(x, y)
    rest = fit(x, y, a0=tuple(path[k].tolist()), steps=len(path) - 1 - k)
    gap = (rest - path[k:]).abs().max().item()
    same = "exactly the steps" if gap == 0 else f"to within {sci(gap)} the steps"
    return (
        f"Restarted at step {k} with `a0` the point it had reached there, {vec(path[k], 3)}, and "
        f"nothing else, `fit` takes {same} of the first run: {len(rest) - 1} steps, ending at "
        f"{vec(rest[-1], 3)}."
    )


def descent_sentence(animate):
    """How often the animation draws a frame, from its own default."""
    every = defaults(animate)["every"]
    nth = {1: "", 2: "second ", 3: "third ", 4: "fourth "}.get(every, f"{every}th ")
    return (
        f"And here is the walk itself, one frame for every {nth}step, on the surface and on "
        f"the map:"
    )


def error_table(lesson):
    """What the checks say about a few wrong calls of the lesson's functions."""
    x, y, _ = lesson.make_outlier_data()
    images, labels = torch.zeros(4, 64), torch.tensor([0.0, 1.0, 0.0, 1.0])
    return refusals(
        [
            ("fit_loss('mae', x, y)", lambda: lesson.fit_loss("mae", x, y)),
            (
                "fit_loss(mae, x, y, lr=float('inf'))",
                lambda: lesson.fit_loss(lesson.mae, x, y, lr=float("inf")),
            ),
            (
                "make_outlier_data(shift=float('nan'))",
                lambda: lesson.make_outlier_data(shift=float("nan")),
            ),
            (
                "load_threes_and_sevens(train_fraction=1.0)",
                lambda: lesson.load_threes_and_sevens(train_fraction=1.0),
            ),
            (
                "load_threes_and_sevens(dtype=torch.int64)",
                lambda: lesson.load_threes_and_sevens(dtype=torch.int64),
            ),
            (
                "logits(x, torch.zeros(63), 0.0)",
                lambda: lesson.logits(images, torch.zeros(63), 0.0),
            ),
            (
                "bce(torch.tensor([1.5]), torch.tensor([1.0]))",
                lambda: lesson.bce(torch.tensor([1.5]), torch.tensor([1.0])),
            ),
            (
                "bce(torch.tensor([0.9]), torch.tensor([7.0]))",
                lambda: lesson.bce(torch.tensor([0.9]), torch.tensor([7.0])),
            ),
            ("train(x, y[:-1])", lambda: lesson.train(images, labels[:-1])),
            ("train(x, y, steps=2.5)", lambda: lesson.train(images, labels, steps=2.5)),
        ]
    )
