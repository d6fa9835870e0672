"""Loss: the number that training drives down, and how its choice shapes what is learned.

Shown in docs/loss.md; claims tested in tests/test_loss.py.
"""

import itertools

import numpy as np

# --8<-- [start:imports]
import torch
import torch.nn.functional as F

# --8<-- [end:imports]
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.patches import Rectangle

from snippets import fit_line, render

# The window of (slope, intercept) that the loss-surface figures show: the whole descent from
# Fit a line's starting guess (-1, 1) to its minimum near (3.1, 2.5).
A1_LIM = (-2.0, 5.0)
A2_LIM = (-0.5, 4.5)
GRID_N = (
    61  # grid points per side behind the contour maps: smooth enough, and a small SVG
)


# --8<-- [start:surface]
def loss_surface(x, y, a1, a2):
    """Return the MSE of the line y = a1 u + a2 at every point of the grid."""
    if a1.ndim != 1 or a2.ndim != 1:
        raise ValueError(
            f"a1 and a2 must be 1-D grids, got shapes "
            f"{tuple(a1.shape)} and {tuple(a2.shape)}"
        )
    A1, A2 = torch.meshgrid(a1, a2, indexing="xy")  # rows follow a2, columns a1
    y_hat = A1[..., None] * x[:, 0] + A2[..., None] * x[:, 1]
    return ((y_hat - y) ** 2).mean(dim=-1)
    # --8<-- [end:surface]


def draw_contours(ax, x, y, a1_lim, a2_lim, p, n=121, levels=14):
    """Draw the loss of the line problem as contour lines on `ax`, in palette `p`; return the grid.

    Levels are spaced evenly on a log scale, so the valley floor gets as many lines as the walls.
    Returns (a1, a2, loss) for callers that need the numbers behind the picture.
    """
    a1 = torch.linspace(*a1_lim, n, dtype=torch.float64)
    a2 = torch.linspace(*a2_lim, n, dtype=torch.float64)
    loss = loss_surface(x.double(), y.double(), a1, a2)
    lo, hi = loss.min().log10().item(), loss.max().log10().item()
    ax.contourf(a1, a2, loss.log10(), levels=levels, cmap="viridis", alpha=0.35)
    ax.contour(
        a1,
        a2,
        loss.log10(),
        levels=torch.linspace(lo, hi, levels).tolist(),
        colors=p["muted"],
        linewidths=0.7,
        negative_linestyles="solid",
    )
    ax.grid(False)
    ax.set_xlabel("slope $a_1$")
    ax.set_ylabel("intercept $a_2$")
    ax.set_aspect("equal")
    return a1, a2, loss


# ---------------------------------------------------------------------------------------------
# Regression: two ways to measure a miss, and what one outlier does to each


# --8<-- [start:mae]
def mae(y_hat, y):
    """Mean absolute error: the average of the absolute differences."""
    if y_hat.shape != y.shape:
        raise ValueError(
            f"y_hat and y must have the same shape, got "
            f"{tuple(y_hat.shape)} and {tuple(y.shape)}"
        )
    return (y_hat - y).abs().mean()
    # --8<-- [end:mae]


# --8<-- [start:huber]
def huber(y_hat, y, delta=1.0):
    """Huber loss: squared for misses smaller than delta, linear beyond."""
    if not delta > 0:
        raise ValueError(f"delta must be positive, got {delta}")
    if y_hat.shape != y.shape:
        raise ValueError(
            f"y_hat and y must have the same shape, got "
            f"{tuple(y_hat.shape)} and {tuple(y.shape)}"
        )
    r = (y_hat - y).abs()
    return torch.where(r < delta, r**2 / 2, delta * (r - delta / 2)).mean()
    # --8<-- [end:huber]


# --8<-- [start:outlier]
def make_outlier_data(n=20, shift=-10.0, seed=0):
    """Return Fit a line's data with its rightmost y moved, and that index."""
    if not isinstance(n, int) or n < 3:
        raise ValueError(f"n must be an integer of at least 3, got {n!r}")
    if not abs(shift) < float("inf"):
        raise ValueError(f"shift must be a finite number, got {shift}")
    x, y = fit_line.make_data(n=n, seed=seed)
    i = x[:, 0].argmax().item()
    y[i] += shift
    return x, y, i
    # --8<-- [end:outlier]


# --8<-- [start:fit_loss]
def fit_loss(loss_fn, x, y, a0=(-1.0, 1.0), lr=0.2, steps=300):
    """Gradient descent on loss_fn(x @ a, y), with a shrinking step."""
    fit_line.check_fit_args(x, y, a0, lr, steps)
    a = torch.tensor(a0, dtype=x.dtype, requires_grad=True)
    path = [a.detach().clone()]
    for t in range(steps):
        loss_fn(x @ a, y).backward()  # the only line that knows which loss
        with torch.no_grad():
            a -= lr * (1 - t / steps) * a.grad  # the step shrinks linearly to 0
            a.grad.zero_()
        path.append(a.detach().clone())
    return torch.stack(path)
    # --8<-- [end:fit_loss]


def outlier_pull(loss_fn, x, y, clean, i):
    """How far the line fitted with loss_fn moves at point i's x when y[i] replaces clean[i]."""
    with_outlier, without = fit_loss(loss_fn, x, y)[-1], fit_loss(loss_fn, x, clean)[-1]
    return (x[i] @ (with_outlier - without)).item()


# --8<-- [start:pulls]
def point_pulls(loss_fn, y_hat, y):
    """How hard each point pulls on the line: d loss / d its prediction."""
    y_hat = y_hat.detach().clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(loss_fn(y_hat, y), y_hat)
    return grad
    # --8<-- [end:pulls]


def plot_outlier(x, y, clean, i, a_mse, a_mae, theme="light"):
    """Return a Figure: the data, the outlier and where it came from, and the MSE and MAE lines."""
    shift = (y[i] - clean[i]).item()
    x, y, a_mse, a_mae = (
        t.numpy() for t in (x, y, a_mse, a_mae)
    )  # matplotlib takes NumPy
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
            color=p["cycle"][3],
            zorder=4,
            label=f"outlier, moved {shift:+.0f}".replace("-", "−"),
        )
        for a, color, label in [
            (a_mse, p["cycle"][1], "MSE fit"),
            (a_mae, p["cycle"][0], "MAE fit"),
        ]:
            ax.plot(
                ends,
                ends * a[0] + a[1],
                color=color,
                zorder=5,
                label=f"{label}: {fit_line.line_label(a)}",
            )
        ax.set_xlabel("x")
        ax.set_ylabel("y")
        ax.legend(loc="lower left")  # the corner the data leave empty
    return fig


# ---------------------------------------------------------------------------------------------
# The loss surface of the line problem, and gradient descent walking down it


def surface_minimum(x, y, n=121):
    """Return the lowest grid point of the loss on n x n points over the maps, and the spacing."""
    a1 = torch.linspace(*A1_LIM, n, dtype=torch.float64)
    a2 = torch.linspace(*A2_LIM, n, dtype=torch.float64)
    loss = loss_surface(x.double(), y.double(), a1, a2)
    row, col = divmod(loss.argmin().item(), n)
    return torch.stack([a1[col], a2[row]]), torch.stack([a1[1] - a1[0], a2[1] - a2[0]])


def curvature(x):
    """The second derivatives of the line's MSE in (slope, intercept): 2/n X^T X, constant."""
    return 2 / len(x) * x.T @ x


def _draw_path(ax, path, loss, p, z=None):
    """Draw the descent path and its start on a 2-D axes, or on a 3-D one at height `z`."""
    path = path.numpy()
    lift = [] if z is None else [z.numpy()]
    ax.plot(
        path[:, 0],
        path[:, 1],
        *lift,
        "-o",
        color=p["cycle"][1],
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
        color=p["cycle"][1],
        ms=7,
        zorder=5,
        label=f"start a = ({path[0, 0]:.0f}, {path[0, 1]:.0f})".replace("-", "−"),
    )


def plot_contour(x, y, path, theme="light"):
    """Return a Figure: contour lines of the loss over (slope, intercept), with the descent path."""
    loss = fit_line.losses(x, y, path)
    best, floor = fit_line.least_squares(x, y)
    with render.themed(theme) as p:
        fig = render.new_figure(6.4, 4.8)
        ax = fig.add_subplot()
        draw_contours(ax, x, y, A1_LIM, A2_LIM, p, n=GRID_N)
        _draw_path(ax, path, loss, p)
        ax.plot(
            [best[0].item()],
            [best[1].item()],
            "*",
            color=p["cycle"][3],
            ms=14,
            zorder=6,
            markeredgecolor=p["bg"],
            label=f"least-squares minimum, loss {floor:.3f}",
        )
        fig.legend(loc="outside lower center", ncols=2, fontsize=9)
    return fig


def _draw_surface(ax, x, y, wire=None, n=40):
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
            cmap="viridis",
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
    for axis in (ax.xaxis, ax.yaxis, ax.zaxis):
        axis.set_pane_color((0, 0, 0, 0))
    # Looking from large slope and intercept, towards the wall the descent starts on.
    ax.view_init(elev=32, azim=50)


def plot_surface(x, y, path, theme="light"):
    """Return a Figure: the loss as a 3-D surface over (slope, intercept), with the descent path."""
    loss = fit_line.losses(x, y, path)
    with render.themed(theme) as p:
        fig = render.new_figure(5.6, 4.4)
        # computed_zorder=False: the path is drawn after the surface, so it always shows on top
        ax = fig.add_subplot(projection="3d", computed_zorder=False)
        _draw_surface(ax, x, y)
        _draw_path(ax, path, loss, p, z=loss)
        fig.legend(loc="outside lower center", fontsize=9)
    return fig


def animate_descent(x, y, path, theme="light", every=2):
    """Return frames of a ball rolling down the loss surface (left) and across its contours (right)."""
    if every < 1:
        raise ValueError(f"every must be at least 1, got {every}")
    loss = fit_line.losses(x, y, path).numpy()
    path = path.numpy()
    steps = list(range(0, len(path), every))
    if steps[-1] != len(path) - 1:
        steps.append(len(path) - 1)
    with render.themed(theme) as p:
        fig = render.new_figure(7.8, 3.6)
        ax3 = fig.add_subplot(1, 2, 1, projection="3d", computed_zorder=False)
        ax2 = fig.add_subplot(1, 2, 2)
        _draw_surface(ax3, x, y, wire=p["muted"])
        draw_contours(ax2, x, y, A1_LIM, A2_LIM, p, n=GRID_N)
        (trail3,) = ax3.plot([], [], [], color=p["cycle"][1], lw=1.8, zorder=4)
        (ball3,) = ax3.plot(
            [],
            [],
            [],
            "o",
            color=p["cycle"][1],
            ms=8,
            zorder=5,
            markeredgecolor=p["fg"],
        )
        (trail2,) = ax2.plot([], [], color=p["cycle"][1], lw=1.8, zorder=4)
        (ball2,) = ax2.plot(
            [], [], "o", color=p["cycle"][1], ms=8, zorder=5, markeredgecolor=p["fg"]
        )
        title = fig.suptitle(" ", fontfamily="monospace")

        def update(t):
            trail3.set_data_3d(path[: t + 1, 0], path[: t + 1, 1], loss[: t + 1])
            ball3.set_data_3d(path[t : t + 1, 0], path[t : t + 1, 1], loss[t : t + 1])
            trail2.set_data(path[: t + 1, 0], path[: t + 1, 1])
            ball2.set_data(path[t : t + 1, 0], path[t : t + 1, 1])
            title.set_text(f"step {t:3d}   loss {loss[t]:.3f}")

        frames = render.blit_frames(
            fig, [trail3, ball3, trail2, ball2, title], update, steps
        )
    return frames


# ---------------------------------------------------------------------------------------------
# Classification: telling handwritten 3s from 7s


# --8<-- [start:digits]
def load_threes_and_sevens(train_fraction=0.8, seed=0, dtype=torch.float32):
    """Return (x, y) to train on and (x, y) held out; y is 1 for a 7."""
    if not 0 < train_fraction < 1:
        raise ValueError(
            f"train_fraction must be between 0 and 1, got {train_fraction}"
        )
    # imported here, not at the top: scikit-learn takes seconds to import
    from sklearn.datasets import load_digits

    digits = load_digits()  # 1797 scans, inside scikit-learn: no download
    keep = (digits.target == 3) | (digits.target == 7)
    x = torch.tensor(digits.data[keep], dtype=dtype) / 16  # 0..16 becomes 0..1
    y = torch.tensor(digits.target[keep] == 7, dtype=dtype)
    g = torch.Generator().manual_seed(seed)
    order = torch.randperm(len(y), generator=g)
    n_train = round(train_fraction * len(y))
    train, held_out = order[:n_train], order[n_train:]
    return (x[train], y[train]), (x[held_out], y[held_out])
    # --8<-- [end:digits]


# --8<-- [start:model]
def logits(x, w, b):
    """One score per image: each pixel times its weight, summed, plus b."""
    if x.shape[-1] != w.shape[-1]:
        raise ValueError(
            f"x has {x.shape[-1]} pixels per image but w has {w.shape[-1]} weights"
        )
    return (x * w).sum(dim=-1) + b


def sigmoid(z):
    """Squash a score into a probability between 0 and 1."""
    return 1 / (1 + torch.exp(-z))
    # --8<-- [end:model]


# --8<-- [start:bce]
def bce(p, y):
    """Binary cross-entropy: the mean of -log(probability of the true label)."""
    if p.shape != y.shape:
        raise ValueError(
            f"p and y must have the same shape, got "
            f"{tuple(p.shape)} and {tuple(y.shape)}"
        )
    return -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()
    # --8<-- [end:bce]


# --8<-- [start:train]
def train(x, y, lr=0.5, steps=300):
    """Gradient descent on the BCE; return w, b and the loss at each step."""
    if not lr > 0:
        raise ValueError(f"lr must be positive, got {lr}")
    if not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be an integer >= 1, got {steps!r}")
    w = torch.zeros(x.shape[1], dtype=x.dtype, requires_grad=True)
    b = torch.zeros((), dtype=x.dtype, requires_grad=True)
    history = []
    for _ in range(steps):
        loss = F.binary_cross_entropy_with_logits(logits(x, w, b), y)
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
            w.grad.zero_()
            b.grad.zero_()
        history.append(loss.item())
    return w.detach(), b.detach(), torch.tensor(history)
    # --8<-- [end:train]


# --8<-- [start:accuracy]
def accuracy(x, y, w, b):
    """The fraction labelled right: a 7 when the logit is above 0."""
    return ((logits(x, w, b) > 0).to(y.dtype) == y).to(y.dtype).mean()
    # --8<-- [end:accuracy]


# --8<-- [start:slopes]
def slopes_at(x, y, w, b):
    """Autograd's slopes of accuracy and of the loss with respect to b, at b."""
    b = torch.as_tensor(b, dtype=x.dtype).clone().requires_grad_(True)
    z = logits(x, w, b)
    step = (torch.sign(z) + 1) / 2  # `z > 0` as 1 or 0, but autograd follows it
    acc = (y * step + (1 - y) * (1 - step)).mean()
    loss = F.binary_cross_entropy_with_logits(z, y)
    (acc_slope,) = torch.autograd.grad(acc, b, retain_graph=True)
    (loss_slope,) = torch.autograd.grad(loss, b)
    return acc_slope.item(), loss_slope.item()
    # --8<-- [end:slopes]


def bce_table(z, y):
    """A Markdown table of p = sigmoid(z), the loss computed from p, and the loss computed from z."""
    header = (
        "| logit $z$ | label $y$ | $p = \\sigma(z)$ | `bce(sigmoid(z), y)` | "
        "`F.binary_cross_entropy_with_logits(z, y)` |"
    )
    rows = [header, "|---:|---:|---:|---:|---:|"]
    for zi, yi in zip(z, y):
        p = sigmoid(zi)
        naive = bce(p[None], yi[None]).item()
        safe = F.binary_cross_entropy_with_logits(zi, yi).item()
        rows.append(f"| {zi:g} | {yi:g} | {p:.10g} | {naive:.4g} | {safe:.4g} |")
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


def _ink(p):
    """A colormap from the page's background to its text colour: digits drawn like ink on the page."""
    return LinearSegmentedColormap.from_list("ink", [p["bg"], p["fg"]])


def _frame(ax, p):
    """Hide ticks and grid and outline the axes, so an image reads as a tile."""
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    for side in ax.spines.values():
        side.set_visible(True)
        side.set_color(p["muted"])
        side.set_linewidth(0.8)


def digit_mosaic(rows, gap=2):
    """Tile rows of 64-pixel images into one array, 8x8 each, with `gap` NaN pixels between."""
    n = max(len(r) for r in rows)
    step = 8 + gap
    mosaic = np.full((len(rows) * step - gap, n * step - gap), np.nan)
    for r, images in enumerate(rows):
        for c, image in enumerate(images):
            mosaic[r * step : r * step + 8, c * step : c * step + 8] = image.reshape(
                8, 8
            ).numpy()
    return mosaic


def plot_digits(x, y, per_row=8, theme="light"):
    """Return a Figure: the first `per_row` 3s (top row) and 7s (bottom row) of x, as 8x8 images."""
    if not isinstance(per_row, int) or per_row < 1:
        raise ValueError(f"per_row must be an integer of at least 1, got {per_row!r}")
    rows = [x[y == 0][:per_row], x[y == 1][:per_row]]
    if min(len(r) for r in rows) < per_row:
        raise ValueError(f"x needs at least {per_row} images of each digit")
    mosaic = digit_mosaic(
        rows
    )  # one image for all of them: far cheaper to draw than 16 axes
    with render.themed(theme) as p:
        fig = render.new_figure(0.75 * per_row + 0.9, 1.9)
        ax = fig.add_subplot()
        ax.imshow(
            mosaic,
            cmap=_ink(p).with_extremes(bad=p["bg"]),
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
            (1, p["cycle"][0], -torch.log(prob)),
            (0, p["cycle"][1], -torch.log(1 - prob)),
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
                color=color,
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
            ax.imshow(image.reshape(8, 8).numpy(), cmap=_ink(p), vmin=0, vmax=1)
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
            top.plot(
                b_values, 100 * acc, color=p["cycle"][0], lw=1.6, drawstyle="steps-mid"
            )
            bottom.plot(b_values, loss, color=p["cycle"][1], lw=1.8)
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


# --8<-- [start:run]
if __name__ == "__main__":
    (x, y), (x_held_out, y_held_out) = load_threes_and_sevens()
    w, b, history = train(x, y)
    for step in range(0, len(history), 50):
        print(f"step {step:3d}  loss {history[step]:.4f}")
    print(
        f"held-out accuracy {accuracy(x_held_out, y_held_out, w, b):.1%} "
        f"on {len(y_held_out)} images it never trained on"
    )
# --8<-- [end:run]
