"""The figures of the chapters' notebooks: plain matplotlib, drawn from what each chapter's program
computed, for a reader who has nothing but the notebook (in Colab, say: no `snippets` to import).

notebooks.py copies each section below into a notebook cell, followed by one call per function in
it: a function's parameters are named after the variables of the chapter's program it draws
(`plot_line_fit(x, y, path)` draws the `x`, `y` and `path` of Fit a line's run), so the call is
the function's own signature. A section is named after the block on the chapter's page that
draws the figure it stands for, and the cell goes under that block's heading (or just after the
program's run, if the heading comes before it). The names the functions use that are not
matplotlib's are the program's own, which the notebook defines above; here they are imported from
the lessons, so that the tests can call every function.

Unlike the rest of the drawing, these use pyplot, as a notebook reader does: the figure shows at
`plt.show()`, in Jupyter, in Colab, and in the build's runner (sitebuild/runner.py), which turns it
into the cell's image.
"""

# --8<-- [start:imports]
import matplotlib.pyplot as plt

# --8<-- [end:imports]
import torch

from snippets.adaptive_step_sizes import AdaGrad, Adam, RMSprop, optimize
from snippets.digits import predict
from snippets.fit_line import gradient, mse
from snippets.gradients import finite_difference
from snippets.hard_landscapes import (
    LANDSCAPES,
    basins,
    himmelblau,
    himmelblau_gradient,
    race,
    stationary_points,
)
from snippets.learning_rate import descend
from snippets.mini_batches import train_with_loader
from snippets.scale_and_initialisation import (
    SCHEMES,
    deep_network,
    filter_normalised_direction,
    get_weights,
    layer_variances,
    loss_along_line,
    loss_slice,
    lr_range_test,
    predicted_variances,
    suggest_lr,
)


# --8<-- [start:fit-result]
def plot_line_fit(x, y, path):
    """The data, the starting guess (dashed) and the line after the last step."""
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.scatter(x[:, 0], y, s=12, color="0.5", label="data")
    ends = torch.tensor([[-1.0, 1.0], [1.0, 1.0]])  # u = -1 and u = 1
    ax.plot(ends[:, 0], ends @ path[0], "--", color="C3", label="starting guess")
    ax.plot(ends[:, 0], ends @ path[-1], color="C0", lw=2, label="after fitting")
    ax.set(xlabel="u", ylabel="y", title=f"The line after {len(path) - 1} steps")
    ax.legend()
    return fig
    # --8<-- [end:fit-result]


# --8<-- [start:fit-loss]
def plot_line_loss(x, y, path):
    """The loss at every step, on a log scale, over the least-squares floor."""
    losses = [mse(x @ a, y).item() for a in path]
    best = torch.linalg.lstsq(x, y[:, None]).solution[:, 0]
    floor = mse(x @ best, y).item()
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(losses, color="C0", label="gradient descent")
    ax.axhline(floor, ls=":", color="0.3", label="least squares")
    ax.set(xlabel="step", ylabel="loss (MSE)", yscale="log", title="The loss")
    ax.legend()
    return fig
    # --8<-- [end:fit-loss]


# --8<-- [start:loss-digits]
def plot_threes_and_sevens(x, y):
    """The first eight 3s and the first eight 7s the classifier trains on."""
    fig, axes = plt.subplots(2, 8, figsize=(8, 2.4))
    for row, label in enumerate([0.0, 1.0]):
        for ax, image in zip(axes[row], x[y == label][:8], strict=True):
            ax.imshow(image.reshape(8, 8), cmap="gray_r")
            ax.set_axis_off()
        axes[row][0].set_title(["3s (y = 0)", "7s (y = 1)"][row], loc="left")
    return fig
    # --8<-- [end:loss-digits]


# --8<-- [start:loss-weights]
def plot_classifier(w, history):
    """The loss at every step, and the 64 weights as the 8 x 8 image they multiply."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.8), layout="constrained")
    left.plot(history, color="C0")
    left.set(xlabel="step", ylabel="loss (BCE)", title="Training loss")
    top = w.abs().max().item()
    shown = right.imshow(w.reshape(8, 8), cmap="RdBu_r", vmin=-top, vmax=top)
    right.set_title("Weights (red: a 7, blue: a 3)")
    right.set_axis_off()
    fig.colorbar(shown, ax=right)
    return fig
    # --8<-- [end:loss-weights]


# --8<-- [start:grad-step-errors]
def plot_step_errors():
    """The error of the central difference of exp at x = 1 (exactly e), against the step delta,
    in float64 and in float32: the line's loss is a quadratic, with no truncation error to see."""
    deltas = torch.logspace(-12, 0, 49, dtype=torch.float64)
    e = torch.tensor(1.0, dtype=torch.float64).exp().item()
    fig, ax = plt.subplots(figsize=(6, 4))
    for dtype in (torch.float64, torch.float32):
        one = torch.tensor([1.0], dtype=dtype)
        errors = [
            abs(
                finite_difference(
                    lambda a: torch.exp(a).sum(), one, delta.item()
                ).item()
                - e
            )
            for delta in deltas
        ]
        ax.loglog(deltas, [max(e, 1e-17) for e in errors], "o-", ms=3, label=str(dtype))
    ax.set(
        xlabel="step δ", ylabel="error", title="Too small a step is as bad as too large"
    )
    ax.legend()
    return fig
    # --8<-- [end:grad-step-errors]


# --8<-- [start:grad-field]
def plot_gradient_field(x, y):
    """The loss over the plane of lines (a1, a2), and the gradient at points of a grid."""
    a1, a2 = torch.meshgrid(
        torch.linspace(-1, 7, 81, dtype=x.dtype),
        torch.linspace(-2, 6, 81, dtype=x.dtype),
        indexing="xy",
    )
    planes = torch.stack([a1.flatten(), a2.flatten()], dim=1)  # one line per row
    surface = ((x @ planes.T - y[:, None]) ** 2).mean(dim=0).reshape(a1.shape)
    fig, ax = plt.subplots(figsize=(6, 5))
    ax.contour(a1, a2, surface, levels=20, cmap="viridis")
    points = planes.reshape(81, 81, 2)[::10, ::10].reshape(-1, 2)
    arrows = torch.stack([gradient(x, y, a) for a in points])
    ax.quiver(points[:, 0], points[:, 1], arrows[:, 0], arrows[:, 1], color="C3")
    ax.set(
        xlabel="a1 (slope)",
        ylabel="a2 (intercept)",
        title="The gradient points uphill, across the contours",
    )
    ax.set_aspect("equal")
    return fig
    # --8<-- [end:grad-field]


# --8<-- [start:lr-sweep]
def plot_learning_rates(x, y, h_max):
    """Left: the loss at each step for a few learning rates. Right: the loss after 100 steps
    across a range of learning rates, with the cliff at 2 / h_max (h_max the largest curvature)."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for lr in [0.01, 0.1, 0.5, 0.9, 1.1]:
        left.plot(descend(x, y, lr=lr, steps=100).losses, label=f"lr {lr}")
    left.set(xlabel="step", ylabel="loss", yscale="log", title="Loss against step")
    left.legend()
    lrs = torch.logspace(-2, 0.3, 24).tolist()
    runs = [descend(x, y, lr=lr, steps=100) for lr in lrs]
    kept = [(lr, r.losses[-1]) for lr, r in zip(lrs, runs) if r.diverged_at is None]
    blew_up = [lr for lr, r in zip(lrs, runs) if r.diverged_at is not None]
    right.plot(*zip(*kept), "o-", ms=3, color="C0", label="after 100 steps")
    # a run that diverged has no loss to plot: mark it along the top, at a height of the axes
    along_top = right.get_xaxis_transform()
    right.plot(blew_up, [0.95] * len(blew_up), "x", color="C3", transform=along_top)
    right.plot([], [], "x", color="C3", label="diverged (no loss)")
    right.axvline(2 / h_max, ls=":", color="C3", label=f"2 / h_max = {2 / h_max:.3f}")
    right.set(xlabel="learning rate", ylabel="loss", xscale="log", yscale="log")
    right.set_title("Past the cliff the loss blows up")
    right.legend()
    return fig
    # --8<-- [end:lr-sweep]


# --8<-- [start:mb-race]
def plot_batch_race(x, y, batch_sizes=(1, 16, 256), lr=0.1, epochs=5):
    """The loss against epochs for single examples, a mini-batch and the whole batch."""
    fig, ax = plt.subplots(figsize=(6, 4))
    for batch_size in batch_sizes:
        path = train_with_loader(x, y, batch_size=batch_size, lr=lr, epochs=epochs)
        losses = ((x @ path.T - y[:, None]) ** 2).mean(
            dim=0
        )  # the MSE of every row at once
        ax.plot(
            torch.linspace(0, epochs, len(path)),
            losses,
            label=f"batch size {batch_size}",
        )
    ax.set(
        xlabel="epoch",
        ylabel="loss",
        yscale="log",
        title=f"{epochs} epochs, three ways",
    )
    ax.legend()
    return fig
    # --8<-- [end:mb-race]


# --8<-- [start:ad-state]
def plot_adam_state(f):
    """Adam on the scaled line: each parameter's step size lr / (sqrt(v_hat) + eps) per step."""
    a = torch.tensor([-1.0, 1.0], dtype=torch.float64, requires_grad=True)
    opt = Adam([a], lr=0.1)
    sizes = []
    for _ in range(40):
        opt.zero_grad()
        f(a).backward()
        opt.step()
        v_hat = opt.v[0] / (1 - opt.betas[1] ** opt.t)
        sizes.append(opt.lr / (v_hat.sqrt() + opt.eps))
    sizes = torch.stack(sizes)
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(range(1, 41), sizes[:, 0], label="slope")
    ax.plot(range(1, 41), sizes[:, 1], label="intercept")
    ax.axhline(opt.lr, ls="--", color="grey", label="lr")
    ax.set(xlabel="step", ylabel="step size per unit of m_hat", yscale="log")
    ax.set_title("A step size for every parameter")
    ax.legend()
    return fig
    # --8<-- [end:ad-state]


# --8<-- [start:ad-race]
def plot_race(x, y, f):
    """The paths of SGD, AdaGrad, RMSprop and Adam on the scaled line's loss contours."""
    a1, a2 = torch.meshgrid(
        torch.linspace(-1.3, 1.3, 101, dtype=torch.float64),
        torch.linspace(0.6, 3.2, 101, dtype=torch.float64),
        indexing="xy",
    )
    grid = torch.stack([a1, a2], dim=-1)
    loss = ((grid @ x.T - y) ** 2).mean(dim=-1)  # the MSE at every point of the grid
    fig, ax = plt.subplots(figsize=(6, 5))
    ax.contour(a1, a2, loss.log10(), levels=20, colors="grey", linewidths=0.6)
    runs = (
        ("SGD", torch.optim.SGD, 0.02),
        ("AdaGrad", AdaGrad, 1.0),
        ("RMSprop", RMSprop, 0.1),
        ("Adam", Adam, 0.1),
    )
    for name, optimizer, lr in runs:
        path = optimize(f, (-1.0, 1.0), optimizer, 40, lr=lr)
        ax.plot(path[:, 0], path[:, 1], ".-", label=f"{name}, lr = {lr:g}")
    ax.set(xlabel="slope a1", ylabel="intercept a2")
    ax.set_title("40 steps on the line with its input scaled by 10")
    ax.legend()
    return fig
    # --8<-- [end:ad-race]


# --8<-- [start:nl-fit]
def plot_sine_fit(x, y, line, net, line_loss, net_loss):
    """Left: the data, the trained line and the trained network. Right: their losses."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    grid = torch.linspace(-3, 3, 301)[:, None]
    with torch.no_grad():
        left.scatter(x[:, 0], y[:, 0], s=10, color="0.5", label="data")
        left.plot(grid, line(grid), "--", color="C3", label="line")
        left.plot(grid, net(grid), color="C0", lw=2, label="network 1 → 16 → 1")
    left.set(xlabel="x", ylabel="y", title="A curve that no line fits")
    left.legend()
    right.plot(line_loss, "--", color="C3", label="line")
    right.plot(net_loss, color="C0", label="network")
    right.set(xlabel="step", ylabel="loss (MSE)", yscale="log", title="The loss")
    right.legend()
    return fig
    # --8<-- [end:nl-fit]


# --8<-- [start:vs-training]
def plot_early_stopping(train, val, model, history, best):
    """Left: both losses at every epoch, and the epoch kept. Right: the kept model and the data."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.plot(history["train"], color="C0", label="training loss")
    left.plot(history["val"], color="C1", label="validation loss")
    left.axvline(best, ls=":", color="0.3", label=f"kept: epoch {best}")
    left.set(xlabel="epoch", ylabel="loss (MSE)", yscale="log", title="Over training")
    left.legend()
    grid = torch.linspace(-1, 1, 201)[:, None]
    with torch.no_grad():
        right.plot(grid, model(grid), color="0.2", label="the kept model")
    right.scatter(train[0][:, 0], train[1][:, 0], color="C0", label="training")
    right.scatter(
        val[0][:, 0], val[1][:, 0], color="C1", marker="s", label="validation"
    )
    right.set(xlabel="x", ylabel="y", title="The model it kept")
    right.legend()
    return fig
    # --8<-- [end:vs-training]


# --8<-- [start:digits-run]
def plot_digit_curves(result):
    """The loss and the accuracy after every epoch, training and validation; the best epoch."""
    history, best = result["history"], result["best_epoch"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.plot([h["train_loss"] for h in history], color="C0", label="training")
    left.plot([h["val_loss"] for h in history], color="C1", label="validation")
    left.set(xlabel="epoch", ylabel="cross-entropy", yscale="log", title="Loss")
    right.plot([h["val_acc"] for h in history], color="C1", label="validation")
    right.set(xlabel="epoch", ylabel="accuracy", title="Validation accuracy")
    for ax in (left, right):
        ax.axvline(best, ls=":", color="0.3", label=f"best: epoch {best}")
        ax.legend()
    return fig
    # --8<-- [end:digits-run]


# --8<-- [start:digits-mistakes]
def plot_digit_confusion(model, x_val, y_val):
    """How often each digit (row) is taken for each digit (column), on the validation images."""
    predicted = predict(model, x_val)
    counts = torch.bincount(y_val * 10 + predicted, minlength=100).reshape(10, 10)
    mistakes = counts.clone().fill_diagonal_(0)  # coloured on their own scale
    fig, ax = plt.subplots(figsize=(5.5, 5))
    ax.imshow(mistakes, cmap="Reds", vmin=0, vmax=1.5 * max(1, mistakes.max().item()))
    for true in range(10):
        for guess in range(10):
            if count := counts[true, guess].item():
                bold = "bold" if true != guess else "normal"
                ax.text(guess, true, count, ha="center", va="center", weight=bold)
    ax.set(xticks=range(10), yticks=range(10), xlabel="predicted", ylabel="true digit")
    ax.set_title("Confusion matrix (validation)")
    return fig


def plot_digit_mistakes(model, x_val, y_val):
    """The first validation images the model gets wrong: the true digit, then the guess."""
    predicted = predict(model, x_val)
    wrong = (predicted != y_val).nonzero()[:, 0][:12]
    fig, axes = plt.subplots(1, 12, figsize=(10, 1.6), squeeze=False)
    for ax, i in zip(axes[0], wrong.tolist()):
        ax.imshow(x_val[i].reshape(8, 8), cmap="gray_r")
        ax.set_title(f"{y_val[i]} → {predicted[i]}", fontsize=10)
    for ax in axes[0]:
        ax.set_axis_off()
    return fig
    # --8<-- [end:digits-mistakes]


# --8<-- [start:hl-race]
def plot_races():
    """Each landscape's contours and the path of every optimiser of its race."""
    fig, axes = plt.subplots(2, 2, figsize=(10, 8))
    for ax, (title, landscape) in zip(axes.flat, LANDSCAPES.items()):
        paths = race(landscape)
        every = torch.cat(list(paths.values()))
        every = every[torch.isfinite(every).all(dim=1)]
        low, high = every.min(dim=0).values - 0.5, every.max(dim=0).values + 0.5
        xs = torch.linspace(low[0], high[0], 100, dtype=torch.float64)
        ys = torch.linspace(low[1], high[1], 100, dtype=torch.float64)
        grid = torch.stack(torch.meshgrid(xs, ys, indexing="xy"))
        ax.contour(xs, ys, landscape.f(grid), levels=20, colors="0.7", linewidths=0.6)
        for name, path in paths.items():
            ax.plot(path[:, 0], path[:, 1], lw=1.5, label=name)
        ax.plot(*landscape.start, "ks")
        ax.set(title=f"{title}, {landscape.steps} steps", xlabel="x", ylabel="y")
    axes[0, 0].legend()
    fig.tight_layout()
    return fig
    # --8<-- [end:hl-race]


# --8<-- [start:hl-basins]
def plot_himmelblau_basins():
    """Each start of a grid coloured by the minimum gradient descent reaches from it."""
    starts = [(x, y) for x in range(-4, 5, 2) for y in range(-4, 5, 2)]
    found = stationary_points(himmelblau, himmelblau_gradient, starts)
    minima = torch.stack([p for p, what in found if what == "minimum"])
    xs = torch.linspace(-5, 5, 101, dtype=torch.float64)
    index, _ = basins(himmelblau_gradient, minima, xs, xs, lr=0.005, steps=300)
    fig, ax = plt.subplots(figsize=(6, 6))
    ax.imshow(index, origin="lower", extent=(-5, 5, -5, 5), cmap="Pastel1", vmax=8)
    for p, what in found:
        ax.plot(*p, {"minimum": "k*", "saddle": "kx", "maximum": "k^"}[what], ms=10)
    ax.set(title="Which minimum gradient descent reaches", xlabel="x", ylabel="y")
    return fig
    # --8<-- [end:hl-basins]


# --8<-- [start:si-range]
def plot_range_test(stretched, y):
    """The range test on the stretched line problem: the loss against the growing lr."""
    lrs, losses = lr_range_test(stretched, y)
    _, tenth = suggest_lr(lrs, losses)
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(lrs, losses, color="C0")
    ax.axvline(tenth, ls=":", color="C2", label=f"a tenth of the lowest, {tenth:.3g}")
    ax.set(xscale="log", yscale="log", xlabel="learning rate", ylabel="loss")
    ax.set_title("The learning-rate range test")
    ax.legend()
    return fig
    # --8<-- [end:si-range]


# --8<-- [start:si-variances]
def plot_layer_variances(batch):
    """Var(z) per layer of 20 ReLU layers for each scheme, measured (solid) and predicted."""
    fig, ax = plt.subplots(figsize=(6, 4))
    for k, scheme in enumerate(SCHEMES):
        forward, _ = layer_variances(
            deep_network(20, 256, torch.nn.ReLU, scheme), batch
        )
        ax.plot(range(1, 21), forward, "o-", ms=3, color=f"C{k}", label=scheme)
        theory = predicted_variances(torch.nn.ReLU, scheme, 20, 256)
        ax.plot(range(1, 21), theory, "--", color="0.3")
    ax.set(
        xlabel="layer",
        ylabel="Var(z)",
        yscale="log",
        title="ReLU: dashed is the theory",
    )
    ax.legend()
    return fig
    # --8<-- [end:si-variances]


# --8<-- [start:si-landscape]
def plot_landscape(model, start, x, labels):
    """The loss from the start to the trained weights, and a 2-D filter-normalised slice."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    alphas = torch.linspace(-0.25, 1.25, 31)
    line = loss_along_line(model, start, get_weights(model), x, labels, alphas)
    left.plot(alphas, line, color="C0")
    left.set(
        xlabel="alpha", ylabel="loss", yscale="log", title="Along the straight line"
    )
    d1, d2 = (
        filter_normalised_direction(model, 0),
        filter_normalised_direction(model, 1),
    )
    steps, grid = loss_slice(model, x, labels, d1, d2)
    shown = right.contourf(steps, steps, grid.log10(), levels=14)
    fig.colorbar(shown, ax=right, label="log10 loss")
    right.set(aspect="equal", title="A 2-D slice around the trained weights")
    return fig
    # --8<-- [end:si-landscape]
