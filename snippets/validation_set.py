"""The validation set: data the model never trains on, to see whether it learned or memorised.

Shown in docs/validation-set.md; claims tested in tests/test_validation_set.py.
"""

# --8<-- [start:imports]
import math

import torch
from torch import nn

# --8<-- [end:imports]
from snippets import render
from snippets.fit_line import mse
from snippets.gradients import sci

# The draw of data the page shows, and the training of "Over training time". With other draws the
# network overfits more or less within EPOCHS (the page says so; the tests check seeds 2, 4 and 5).
SEED = 4
LR, MOMENTUM, EPOCHS, WIDTH = 0.03, 0.9, 300, 64
N_TRAIN, N_VAL = 15, 100
# The epochs the animation shows: close together while the curve changes fast, then further apart.
DRIFT_FRAMES = (
    3,
    6,
    10,
    15,
    20,
    30,
    40,
    50,
    60,
    70,
    80,
    90,
    105,
    120,
    150,
    180,
    210,
    240,
    270,
    300,
)


# --8<-- [start:split]
def validation_count(n, val_fraction, unit="examples"):
    """How many of n go to validation; a ValueError if a side is empty."""
    if not 0 < val_fraction < 1:
        raise ValueError(
            f"val_fraction must be between 0 and 1 (exclusive), got {val_fraction}"
        )
    n_val = round(val_fraction * n)
    if not 0 < n_val < n:
        raise ValueError(
            f"val_fraction={val_fraction} of {n} {unit} leaves "
            f"{n_val} for validation and {n - n_val} for "
            f"training; both must be at least 1"
        )
    return n_val


def split_indices(n, val_fraction=0.2, seed=0):
    """Shuffle 0..n-1 with a seeded generator; return (train, val) indices."""
    if not isinstance(n, int) or n < 2:
        raise ValueError(f"n must be an integer of at least 2, got {n!r}")
    n_val = validation_count(n, val_fraction)
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    return order[n_val:], order[:n_val]
    # --8<-- [end:split]


# --8<-- [start:data]
def make_data(n=15, noise=0.4, seed=0, dtype=torch.float32):
    """n points (x, y): x uniform in [-1, 1], y = sin(pi x) + noise."""
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    if not noise >= 0:
        raise ValueError(f"noise must be >= 0, got {noise}")
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n, 1, generator=g, dtype=dtype) * 2 - 1
    eps = noise * torch.randn(n, 1, generator=g, dtype=dtype)
    y = torch.sin(math.pi * x) + eps
    return x, y
    # --8<-- [end:data]


# --8<-- [start:polynomial]
def features(x, degree):
    """Chebyshev polynomials T_0(x), ..., T_degree(x), one column each."""
    if not isinstance(degree, int) or degree < 0:
        raise ValueError(f"degree must be an integer >= 0, got {degree!r}")
    x = x.reshape(-1).double()
    columns = [torch.ones_like(x), x]  # T_0 = 1, T_1 = x
    while len(columns) <= degree:  # T_k+1 = 2x T_k - T_k-1
        columns.append(2 * x * columns[-1] - columns[-2])
    return torch.stack(columns[: degree + 1], dim=1)


def fit_polynomial(x, y, degree):
    """The coefficients of the least-squares polynomial through (x, y)."""
    f = features(x, degree)
    # gelsd (by SVD) gives the same last bits every run; the default does not
    return torch.linalg.lstsq(f, y.double(), driver="gelsd").solution


def predict(coef, x):
    """The polynomial with these coefficients, evaluated at x."""
    return features(x, len(coef) - 1) @ coef
    # --8<-- [end:polynomial]


def curve_grid():
    """201 points from -1 to 1, as a column: where the curves are drawn."""
    return torch.linspace(-1, 1, 201, dtype=torch.float64)[:, None]


def page_data(seed=SEED, dtype=torch.float32):
    """The page's data: N_TRAIN points to train on and N_VAL more, drawn apart, to validate on."""
    return make_data(N_TRAIN, seed=seed, dtype=dtype), make_data(
        N_VAL, seed=seed + 1, dtype=dtype
    )


def degree_sweep(x, y, x_val, y_val, degrees):
    """The training and validation loss of the least-squares polynomial of every degree."""
    train, val = [], []
    for degree in degrees:
        coef = fit_polynomial(x, y, degree)
        train.append(mse(predict(coef, x), y.double()).item())
        val.append(mse(predict(coef, x_val), y_val.double()).item())
    return train, val


def best_degree(degrees, val):
    """The degree with the lowest validation loss."""
    return degrees[min(range(len(val)), key=val.__getitem__)]


# --8<-- [start:model]
def make_model(width=64, seed=0):
    """1 input -> width tanh units -> width tanh units -> 1 output."""
    if not isinstance(width, int) or width < 1:
        raise ValueError(f"width must be a positive integer, got {width!r}")
    model = nn.Sequential(
        nn.Linear(1, width),
        nn.Tanh(),
        nn.Linear(width, width),
        nn.Tanh(),
        nn.Linear(width, 1),
    )
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():  # PyTorch's default range, from our generator
        for layer in (model[0], model[2], model[4]):
            bound = layer.in_features**-0.5
            layer.weight.uniform_(-bound, bound, generator=g)
            layer.bias.uniform_(-bound, bound, generator=g)
    return model
    # --8<-- [end:model]


# --8<-- [start:checks]
def check_training(train, val, epochs, patience):
    """Raise a ValueError that says what is wrong with the arguments."""
    for name, (x, y) in (("train", train), ("val", val)):
        if x.ndim != 2 or y.ndim != 2 or len(x) != len(y) or len(x) == 0:
            raise ValueError(
                f"{name} must be (x, y) with x and y of shape "
                f"(n, features), n >= 1; got {tuple(x.shape)} "
                f"and {tuple(y.shape)}"
            )
    if not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be a positive integer, got {epochs!r}")
    if patience is not None and (not isinstance(patience, int) or patience < 1):
        raise ValueError(
            f"patience must be None or a positive integer, got {patience!r}"
        )
    # --8<-- [end:checks]


# --8<-- [start:snapshot]
def snapshot(model):
    """A copy of the weights (state_dict() alone shares the live tensors)."""
    return {name: t.clone() for name, t in model.state_dict().items()}
    # --8<-- [end:snapshot]


# --8<-- [start:early_stopping]
def evaluate(model, x, y):
    """The model's loss on (x, y), without tracking gradients."""
    with torch.no_grad():
        return mse(model(x), y).item()


def train_with_early_stopping(
    model, opt, train, val, epochs, patience=None, callback=None
):
    """Full-batch training; the model keeps the best validation epoch."""
    check_training(train, val, epochs, patience)
    (x, y), (x_val, y_val) = train, val
    history = {
        "train": [evaluate(model, x, y)],  # epoch 0: untrained
        "val": [evaluate(model, x_val, y_val)],
    }
    best_epoch, best_state = 0, snapshot(model)
    for epoch in range(1, epochs + 1):
        loss = mse(model(x), y)  # training set only
        opt.zero_grad()
        loss.backward()
        opt.step()
        history["train"].append(evaluate(model, x, y))
        history["val"].append(evaluate(model, x_val, y_val))  # only look
        if callback is not None:
            callback(epoch, model)
        if history["val"][epoch] < history["val"][best_epoch]:
            best_epoch, best_state = epoch, snapshot(model)  # a new best
        elif patience is not None and epoch - best_epoch >= patience:
            break  # no better for long
    model.load_state_dict(best_state)  # restore the best
    return history, best_epoch
    # --8<-- [end:early_stopping]


# --8<-- [start:l2]
def l2_penalty(model, weight_decay):
    """weight_decay / 2 times the sum of the squares of all parameters."""
    return weight_decay / 2 * sum((p**2).sum() for p in model.parameters())
    # --8<-- [end:l2]


def evaluate_curve(model, grid):
    """The model's output at every point of `grid`, as a flat tensor."""
    with torch.no_grad():
        return model(grid.reshape(-1, 1)).reshape(-1).clone()


def overfit_run(
    seed=SEED,
    epochs=EPOCHS,
    lr=LR,
    momentum=MOMENTUM,
    weight_decay=0.0,
    patience=None,
    width=WIDTH,
    frames=(),
    dtype=torch.float32,
):
    """Train the page's network; keep its curve at 0, `frames` and `epochs`, and its last weights."""
    train, val = page_data(seed, dtype)
    model = make_model(width, seed).to(dtype)
    opt = torch.optim.SGD(
        model.parameters(), lr=lr, momentum=momentum, weight_decay=weight_decay
    )
    grid = curve_grid().to(dtype)
    keep = set(frames) | {epochs}
    curves, last = {0: evaluate_curve(model, grid)}, {}

    def keep_curve(epoch, model):
        if epoch in keep:
            curves[epoch] = evaluate_curve(model, grid)
        last.update(
            snapshot(model)
        )  # the model itself ends with the best epoch's weights

    history, best_epoch = train_with_early_stopping(
        model, opt, train, val, epochs, patience, keep_curve
    )
    return {
        "train": train,
        "val": val,
        "history": history,
        "best_epoch": best_epoch,
        "model": model,
        "last_state": last,
        "curves": curves,
        "best_curve": evaluate_curve(model, grid),
    }


def best_and_last(run):
    """(best epoch, its validation loss, last epoch, the last validation loss) of a run."""
    val = run["history"]["val"]
    return run["best_epoch"], val[run["best_epoch"]], len(val) - 1, val[-1]


def weight_decay_table(runs):
    """Return a Markdown table: for each weight decay's run, the losses after the last epoch and the best."""
    header = (
        "| weight decay $\\lambda$ | training loss, last epoch | validation loss, last epoch "
        "| lowest validation loss (epoch) |"
    )
    rows = [header, "|---:|---:|---:|---:|"]
    for decay, run in runs.items():
        best, best_val, _, last_val = best_and_last(run)
        rows.append(
            f"| {decay:g} | {run['history']['train'][-1]:.3f} | {last_val:.3f} | "
            f"{best_val:.3f} ({best}) |"
        )
    return "\n".join(rows)


def widest_gap(x):
    """The two neighbouring training inputs that are furthest apart."""
    xs = sorted(x.reshape(-1).tolist())
    i = max(range(len(xs) - 1), key=lambda k: xs[k + 1] - xs[k])
    return xs[i], xs[i + 1]


def peaks(run):
    """(x where the last curve peaks, the peak of the best epoch's curve, the peak of the last one)."""
    last = run["curves"][max(run["curves"])]
    i = int(last.argmax())
    return curve_grid()[i, 0].item(), run["best_curve"].max().item(), last[i].item()


# ---------------------------------------------------------------------------------------------
# Holding data back


# --8<-- [start:split_at]
def split_at(n, val_fraction=0.2):
    """In time order: train on the first examples, validate on the last."""
    n_val = validation_count(n, val_fraction)
    return torch.arange(n - n_val), torch.arange(n - n_val, n)
    # --8<-- [end:split_at]


# --8<-- [start:groups]
def split_by_group(groups, val_fraction=0.2, seed=0):
    """Split whole groups: every example of a group lands on the same side."""
    names = torch.unique(groups)  # each group once
    n_val = validation_count(len(names), val_fraction, unit="groups")
    g = torch.Generator().manual_seed(seed)
    order = torch.randperm(len(names), generator=g)
    in_val = torch.isin(groups, names[order[:n_val]])  # in a val group?
    return torch.nonzero(~in_val).flatten(), torch.nonzero(in_val).flatten()
    # --8<-- [end:groups]


def make_grouped_data(
    sources=20, per_source=5, offset=0.5, spread=0.05, noise=0.05, seed=0
):
    """Examples of several sources: x near the source's point, y shifted by an offset x hides."""
    for name, value in (("sources", sources), ("per_source", per_source)):
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    g = torch.Generator().manual_seed(seed)
    centre = torch.rand(sources, 2, generator=g, dtype=torch.float64) * 2 - 1
    shift = offset * torch.randn(sources, generator=g, dtype=torch.float64)
    groups = torch.arange(sources).repeat_interleave(per_source)
    x = centre[groups] + spread * torch.randn(
        len(groups), 2, generator=g, dtype=torch.float64
    )
    y = (
        torch.sin(math.pi * x[:, 0])
        + x[:, 1] / 2
        + shift[groups]
        + noise * torch.randn(len(groups), generator=g, dtype=torch.float64)
    )
    return x, y[:, None], groups


# --8<-- [start:nearest]
def nearest_neighbour(x_train, y_train, x):
    """Predict each x with the y of the closest training x: pure memory."""
    return y_train[torch.cdist(x, x_train).argmin(dim=1)]
    # --8<-- [end:nearest]


def nearest_neighbour_loss(x, y, train_idx, val_idx):
    """The validation loss of the nearest-neighbour rule, trained on train_idx."""
    return mse(
        nearest_neighbour(x[train_idx], y[train_idx], x[val_idx]), y[val_idx]
    ).item()


def sibling_share(demo, name):
    """The share of a split's validation examples whose nearest training example has their source."""
    x, groups = demo["x"], demo["groups"]
    train, val = demo["splits"][name]
    nearest = train[torch.cdist(x[val], x[train]).argmin(dim=1)]
    return (groups[nearest] == groups[val]).double().mean().item()


def group_demo(sources=20, per_source=5, val_fraction=0.2, seed=0, new_sources=500):
    """Split the grouped data at random and by source; compare with the loss on new sources."""
    x, y, groups = make_grouped_data(sources, per_source, seed=seed)
    splits = {
        "random": split_indices(len(y), val_fraction, seed),
        "group": split_by_group(groups, val_fraction, seed),
    }
    losses = {
        name: nearest_neighbour_loss(x, y, *split) for name, split in splits.items()
    }
    x_new, y_new, _ = make_grouped_data(new_sources, per_source, seed=seed + 1)
    losses["new"] = mse(
        nearest_neighbour(x, y, x_new), y_new
    ).item()  # trained on everything
    return {
        "x": x,
        "y": y,
        "groups": groups,
        "splits": splits,
        "losses": losses,
        "new_sources": new_sources,
    }


# ---------------------------------------------------------------------------------------------
# Exercise: k-fold cross-validation


# --8<-- [start:kfold]
def kfold_indices(n, k=5, seed=0):
    """k (train, val) splits; each example is in exactly one val fold."""
    if not isinstance(k, int) or not 2 <= k <= n:
        raise ValueError(f"k must be an integer from 2 to n ({n}), got {k!r}")
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    folds = order.tensor_split(k)
    return [(torch.cat(folds[:i] + folds[i + 1 :]), folds[i]) for i in range(k)]


def cross_validation_loss(x, y, degree, k=5, seed=0):
    """The validation loss of the polynomial, averaged over the k folds."""
    losses = []
    for train, val in kfold_indices(len(y), k, seed):
        coef = fit_polynomial(x[train], y[train], degree)
        losses.append(mse(predict(coef, x[val]), y[val].double()).item())
    return sum(losses) / k
    # --8<-- [end:kfold]


# ---------------------------------------------------------------------------------------------
# Figures

Y_LIM = (
    -2.3,
    2.3,
)  # every panel of the fits: a wild polynomial leaves it, and the eye sees why


def _draw_points(ax, train, val, p, size=22):
    """The training points, filled, and the validation points, hollow and faint."""
    ax.scatter(
        val[0][:, 0],
        val[1][:, 0],
        s=size * 0.6,
        facecolors="none",
        edgecolors=p["muted"],
        linewidths=0.9,
        label="validation points",
        zorder=2,
    )
    ax.scatter(
        train[0][:, 0],
        train[1][:, 0],
        s=size,
        color=p["cycle"][0],
        label="training points",
        zorder=4,
    )


def _draw_truth(ax, p):
    grid = curve_grid()[:, 0]
    ax.plot(
        grid,
        torch.sin(math.pi * grid),
        ":",
        color=p["muted"],
        lw=1.4,
        label="sin(πx), without noise",
        zorder=1,
    )


def loss_text(value):
    """A loss as short text: 0.367, or 3.1 × 10⁷ once it is large."""
    return f"{value:.3f}" if value < 100 else sci(value)


def plot_polynomials(train, val, degrees, theme="light"):
    """Return a Figure: one panel per degree, the least-squares polynomial through the training points."""
    grid = curve_grid()
    with render.themed(theme) as p:
        fig = render.new_figure(7.6, 3.3)
        fig.set_layout_engine(
            "none"
        )  # fixed margins: constrained layout costs a third of the time
        axes = fig.subplots(
            1,
            len(degrees),
            sharey=True,
            gridspec_kw={
                "left": 0.075,
                "right": 0.99,
                "bottom": 0.25,
                "top": 0.86,
                "wspace": 0.08,
            },
        )
        for ax, degree in zip(axes, degrees):
            coef = fit_polynomial(*train, degree)
            _draw_truth(ax, p)
            _draw_points(ax, train, val, p, size=16)
            ax.plot(
                grid[:, 0],
                predict(coef, grid),
                color=p["cycle"][3],
                lw=1.8,
                label="least-squares polynomial",
                zorder=3,
            )
            fit_loss = mse(predict(coef, train[0]), train[1].double()).item()
            val_loss = mse(predict(coef, val[0]), val[1].double()).item()
            ax.set_title(
                f"degree {degree}\ntraining {loss_text(fit_loss)} · validation "
                f"{loss_text(val_loss)}",
                fontsize=9.5,
            )
            ax.set_ylim(*Y_LIM)
            ax.set_xticks([-1, -0.5, 0, 0.5, 1], ["−1", "−0.5", "0", "0.5", "1"])
            ax.set_xlabel("x")
        axes[0].set_ylabel("y")
        fig.legend(
            *axes[0].get_legend_handles_labels(),
            loc="lower center",
            ncols=4,
            fontsize=9,
            bbox_to_anchor=(0.5, 0.0),
        )
    return fig


def plot_degree_sweep(degrees, train_loss, val_loss, theme="light", top=1.0):
    """Return a Figure: training and validation loss by degree; losses above `top` are marked on the edge."""
    best = best_degree(degrees, val_loss)
    shown = [min(v, top) for v in val_loss]
    over = [(d, v) for d, v in zip(degrees, val_loss) if v > top]
    with render.themed(theme) as p:
        fig = render.new_figure(6.4, 3.6)
        fig.set_layout_engine(
            "none"
        )  # fixed margins: constrained layout costs a third of the time
        ax = fig.add_axes((0.11, 0.15, 0.87, 0.82))
        ax.plot(
            degrees,
            train_loss,
            "o-",
            color=p["cycle"][0],
            ms=4.5,
            label="training loss",
        )
        ax.plot(
            degrees,
            shown,
            "s-",
            color=p["cycle"][1],
            ms=4.5,
            label="validation loss",
            clip_on=False,
        )
        if over:
            ax.plot(
                [d for d, _ in over],
                [top] * len(over),
                "^",
                color=p["cycle"][1],
                ms=8,
                clip_on=False,
                zorder=4,
            )
            ax.annotate(
                f"off the chart from degree {over[0][0]}:\n{loss_text(over[-1][1])} at "
                f"degree {over[-1][0]}",
                xy=(over[0][0], top),
                xytext=(-34, -8),
                textcoords="offset points",
                ha="right",
                va="top",
                fontsize=9,
                color=p["fg"],
            )
        ax.plot(
            [best],
            [val_loss[degrees.index(best)]],
            "o",
            ms=13,
            mfc="none",
            mec=p["fg"],
            mew=1.5,
            label=f"lowest validation loss: degree {best}",
        )
        ax.set_ylim(0, top)
        ax.set_xlim(degrees[0] - 0.4, degrees[-1] + 0.4)
        ax.set_xticks(degrees[:: max(1, len(degrees) // 8)])
        ax.set_xlabel("degree of the polynomial (its capacity)")
        ax.set_ylabel("mean squared error")
        ax.legend(loc="upper left")
    return fig


def plot_history(history, best_epoch, theme="light"):
    """Return a Figure: training and validation loss after every epoch, the best epoch marked."""
    train, val = history["train"], history["val"]
    epochs = range(len(train))
    with render.themed(theme) as p:
        fig = render.new_figure(6.4, 3.6)
        fig.set_layout_engine(
            "none"
        )  # fixed margins: constrained layout costs a third of the time
        ax = fig.add_axes((0.11, 0.15, 0.85, 0.82))
        ax.plot(epochs, train, color=p["cycle"][0], lw=1.8, label="training loss")
        ax.plot(epochs, val, color=p["cycle"][1], lw=1.8, label="validation loss")
        ax.axvline(best_epoch, ls="--", color=p["muted"], lw=1.2)
        ax.plot(
            [best_epoch],
            [val[best_epoch]],
            "o",
            color=p["cycle"][1],
            ms=8,
            mec=p["bg"],
            zorder=3,
            label=f"best epoch, {best_epoch}: validation loss {val[best_epoch]:.3f}",
        )
        ax.set_ylim(0, max(*train, *val) * 1.05)
        ax.set_xlim(0, len(train) - 1)
        ax.set_xlabel("epoch (one full-batch step each)")
        ax.set_ylabel("mean squared error")
        ax.legend(loc="upper right")
    return fig


def drift_frames(run):
    """The epochs the animation shows: every kept curve."""
    return sorted(run["curves"])


def animate_drift(run, theme="light"):
    """Return frames: the network's curve over the training points (left) as the losses evolve (right)."""
    history, best = run["history"], run["best_epoch"]
    train_loss, val_loss = history["train"], history["val"]
    grid = curve_grid()[:, 0].numpy()
    epochs = drift_frames(run)
    with render.themed(theme) as p:
        fig = render.new_figure(7.6, 3.5)
        # a fixed layout: constrained layout would cost more than all the frames together
        fig.set_layout_engine("none")
        ax_fit = fig.add_axes((0.08, 0.25, 0.46, 0.67))
        ax_loss = fig.add_axes((0.625, 0.25, 0.345, 0.67))
        for ax in (ax_fit, ax_loss):
            ax.grid(
                False
            )  # a GIF has 64 colours; the grid's faint grey would be one too many
        _draw_truth(ax_fit, p)
        _draw_points(ax_fit, run["train"], run["val"], p, size=18)
        (ghost,) = ax_fit.plot(
            [],
            [],
            "--",
            color=p["cycle"][2],
            lw=1.6,
            zorder=3,
            label=f"best epoch ({best})",
        )
        (line,) = ax_fit.plot(
            [], [], color=p["cycle"][3], lw=2, zorder=5, label="the network now"
        )
        ax_fit.set_ylim(*Y_LIM)
        ax_fit.set_xlabel("x")
        ax_fit.set_ylabel("y")
        handles, labels = ax_fit.get_legend_handles_labels()
        fig.legend(
            handles,
            labels,
            loc="lower center",
            ncols=5,
            fontsize=8.5,
            handlelength=1.6,
            columnspacing=1.2,
            bbox_to_anchor=(0.5, 0.0),
        )
        every = range(len(train_loss))
        ax_loss.plot(
            every, train_loss, ":", color=p["muted"], lw=1.0
        )  # what is to come, faintly
        ax_loss.plot(every, val_loss, ":", color=p["muted"], lw=1.0)
        (trace_train,) = ax_loss.plot(
            [], [], color=p["cycle"][0], lw=1.8, label="training"
        )
        (trace_val,) = ax_loss.plot(
            [], [], color=p["cycle"][1], lw=1.8, label="validation"
        )
        (mark,) = ax_loss.plot([], [], "o", color=p["cycle"][2], ms=7, zorder=4)
        ax_loss.set_ylim(0, max(*train_loss, *val_loss) * 1.05)
        ax_loss.set_xlim(0, len(train_loss) - 1)
        ax_loss.set_xlabel("epoch")
        ax_loss.set_ylabel("loss")
        ax_loss.legend(loc="upper right", fontsize=9)
        title = fig.suptitle(" ", fontfamily="monospace", fontsize=10)

        def update(epoch):
            line.set_data(grid, run["curves"][epoch].numpy())
            passed = epoch >= best
            ghost.set_data((grid, run["best_curve"].numpy()) if passed else ([], []))
            mark.set_data(([best], [val_loss[best]]) if passed else ([], []))
            trace_train.set_data(range(epoch + 1), train_loss[: epoch + 1])
            trace_val.set_data(range(epoch + 1), val_loss[: epoch + 1])
            title.set_text(f"epoch {epoch:3d}")

        frames = render.blit_frames(
            fig, [line, ghost, mark, trace_train, trace_val, title], update, epochs
        )
    return frames


def plot_group_splits(demo, theme="light"):
    """Return a Figure: the sources' examples in feature space, split at random (left), by source (right)."""
    x = demo["x"]
    titles = {"random": "split at random", "group": "split by source"}
    with render.themed(theme) as p:
        fig = render.new_figure(7.6, 3.9)
        fig.set_layout_engine(
            "none"
        )  # fixed margins: constrained layout costs a third of the time
        axes = fig.subplots(
            1,
            2,
            sharex=True,
            sharey=True,
            gridspec_kw={
                "left": 0.1,
                "right": 0.99,
                "bottom": 0.2,
                "top": 0.87,
                "wspace": 0.1,
            },
        )
        for ax, (name, (train_idx, val_idx)) in zip(axes, demo["splits"].items()):
            ax.scatter(
                x[train_idx, 0],
                x[train_idx, 1],
                s=14,
                color=p["cycle"][0],
                label="training",
                zorder=2,
            )
            ax.scatter(
                x[val_idx, 0],
                x[val_idx, 1],
                s=46,
                facecolors="none",
                edgecolors=p["cycle"][1],
                linewidths=1.6,
                label="validation",
                zorder=3,
            )
            ax.set_title(
                f"{titles[name]}\nnearest-neighbour validation loss "
                f"{demo['losses'][name]:.3f}",
                fontsize=10,
            )
            ax.set_xlabel("feature 1")
            ax.set_aspect("equal")
        axes[0].set_ylabel("feature 2")
        fig.legend(
            *axes[0].get_legend_handles_labels(),
            loc="lower center",
            ncols=2,
            fontsize=9,
            bbox_to_anchor=(0.5, 0.0),
        )
    return fig


# ---------------------------------------------------------------------------------------------
# Alt texts: what each figure shows, with the run's numbers


def polynomials_alt(train, val, degrees):
    """Alt text of the figure of polynomials of several degrees."""
    fit_loss, val_loss = degree_sweep(*train, *val, degrees)
    panels = ". ".join(
        f"Degree {d}: training loss {loss_text(t)}, validation loss {loss_text(v)}"
        for d, t, v in zip(degrees, fit_loss, val_loss)
    )
    return (
        f"{len(degrees)} panels, each with the same {len(train[1])} training points and {len(val[1])} "
        f"validation points scattered around a sine wave, and a fitted polynomial. The straight line "
        f"misses the wave, degree {degrees[1]} follows it, and degree {degrees[-1]} swings away from it "
        f"between the training points. {panels}."
    )


def degrees_alt(degrees, fit_loss, val_loss):
    """Alt text of the figure of loss against degree."""
    best = best_degree(degrees, val_loss)
    return (
        f"Line chart of the loss against the degree, {degrees[0]} to {degrees[-1]}. The training loss "
        f"falls from {fit_loss[0]:.3f} to zero at degree {degrees[-1]}. The validation loss falls to "
        f"{val_loss[degrees.index(best)]:.3f} at degree {best}, then rises, leaves the chart, and reaches "
        f"{loss_text(val_loss[-1])} at degree {degrees[-1]}."
    )


def history_alt(run):
    """Alt text of the figure of the losses over the epochs."""
    best, best_val, last, last_val = best_and_last(run)
    train = run["history"]["train"]
    return (
        f"Line chart over {last} epochs. The training loss falls from {train[0]:.3f} to {train[-1]:.3f}. "
        f"The validation loss falls with it to {best_val:.3f} at epoch {best}, marked by a dashed line, "
        f"then rises to {last_val:.3f}."
    )


def drift_alt(run):
    """Alt text of the animation of the network's curve over the epochs."""
    best, best_val, last, last_val = best_and_last(run)
    peak_x, _, peak = peaks(run)
    return (
        f"Animation of {len(run['curves'])} frames, from epoch 0 to epoch {last}. The network's curve "
        f"starts almost flat, takes the shape of the sine by the best epoch, {best} (validation loss "
        f"{best_val:.3f}), then keeps bending and overshoots to {peak:.2f} near x = {peak_x:.2f}; the "
        f"validation loss climbs to {last_val:.3f} while the training loss falls to "
        f"{run['history']['train'][-1]:.3f}."
    )


def groups_alt(demo):
    """Alt text of the figure of the two splits of grouped data."""
    sources = len(torch.unique(demo["groups"]))
    held = len(torch.unique(demo["groups"][demo["splits"]["group"][1]]))
    return (
        f"Two scatter plots of {len(demo['y'])} examples in {sources} tight clusters, one per source. "
        f"Left, split at random: hollow validation points sit inside clusters beside training points, "
        f"and the nearest-neighbour validation loss is {demo['losses']['random']:.3f}. Right, split by "
        f"source: {held} whole clusters are hollow, and the validation loss is "
        f"{demo['losses']['group']:.3f}."
    )


# --8<-- [start:run]
if __name__ == "__main__":
    x, y = make_data(n=40, seed=0)  # one data set, split once
    train_idx, val_idx = split_indices(len(y), val_fraction=0.25, seed=0)
    train, val = (x[train_idx], y[train_idx]), (x[val_idx], y[val_idx])
    model = make_model(width=64, seed=0)
    opt = torch.optim.SGD(model.parameters(), lr=0.03, momentum=0.9)
    history, best = train_with_early_stopping(
        model, opt, train, val, epochs=300, patience=50
    )
    for epoch in range(0, len(history["val"]), 25):
        print(
            f"epoch {epoch:3d}  training loss {history['train'][epoch]:.3f}"
            f"  validation loss {history['val'][epoch]:.3f}"
        )
    print(
        f"stopped after epoch {len(history['val']) - 1}; kept epoch "
        f"{best}, validation loss {history['val'][best]:.3f}"
    )
# --8<-- [end:run]
