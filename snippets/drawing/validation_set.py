"""The drawing of the Validation set page: the page's settings and the runs it shows, the polynomial
sweep, the grouped data, the figures and the animation, their alt texts, the table of weight decays,
the sentences that print the settings, and the table of refused calls.

Tested in tests/test_validation_set.py (with the lesson it draws).
"""

import inspect
import math

import torch

from snippets import validation_set as vs
from snippets.checks import check_count
from snippets.drawing import render
from snippets.drawing.numbers import sci
from snippets.drawing.tables import refusals
from snippets.fit_line import mse

# The page's settings. SEED is the draw of data the page shows, and of the network's first weights;
# with other draws the network overfits more or less within EPOCHS (the page says so in a note, and
# the tests check that with seed 2 it has not started to by the last epoch).
SEED = 4
N_TRAIN, N_VAL = 15, 100
LR, MOMENTUM, EPOCHS, WIDTH = 0.03, 0.9, 300, 64
# The epochs the animation shows: close together while the curve changes fast, then further apart.
DRIFT_FRAMES = (3, 6, 10, 15, 20, *range(30, 91, 10), 105, 120, *range(150, 301, 30))


def curve_grid():
    """201 points from -1 to 1, as a column: where the curves are drawn."""
    return torch.linspace(-1, 1, 201, dtype=torch.float64)[:, None]


def page_data(seed=SEED, dtype=torch.float32):
    """The page's data: N_TRAIN points to train on and N_VAL more, drawn apart, to validate on."""
    return vs.make_data(N_TRAIN, seed=seed, dtype=dtype), vs.make_data(
        N_VAL, seed=seed + 1, dtype=dtype
    )


def degree_sweep(x, y, x_val, y_val, degrees):
    """The training and validation loss of the least-squares polynomial of every degree."""
    train, val = [], []
    for degree in degrees:
        coef = vs.fit_polynomial(x, y, degree)
        train.append(mse(vs.predict(coef, x), y.double()).item())
        val.append(mse(vs.predict(coef, x_val), y_val.double()).item())
    return train, val


def best_degree(degrees, val):
    """The degree with the lowest validation loss."""
    return degrees[min(range(len(val)), key=val.__getitem__)]


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
    model = vs.make_model(width, seed).to(dtype)
    opt = torch.optim.SGD(
        model.parameters(), lr=lr, momentum=momentum, weight_decay=weight_decay
    )
    grid = curve_grid().to(dtype)
    keep = set(frames) | {epochs}
    curves, last = {0: evaluate_curve(model, grid)}, {}

    def keep_curve(epoch, model):
        if epoch in keep:
            curves[epoch] = evaluate_curve(model, grid)
        # the model itself ends with the best epoch's weights: keep the last ones apart
        last.update(vs.snapshot(model))

    history, best_epoch = vs.train_with_early_stopping(
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


def sine_losses(run):
    """The noiseless sine's loss on the run's training points and on its validation points."""
    return tuple(
        mse(torch.sin(math.pi * x.double()), y.double()).item()
        for x, y in (run["train"], run["val"])
    )


def below_sentence(run):
    """Why the validation loss starts below the training loss: the noise of the draw, measured."""
    train, val = run["history"]["train"], run["history"]["val"]
    below = [epoch for epoch, (t, v) in enumerate(zip(train, val)) if v < t]
    best, on_train, on_val = run["best_epoch"], *sine_losses(run)
    return (
        f"One thing in the figure looks backwards. At {len(below)} of the {len(train) - 1} epochs, all "
        f"between epoch {below[0]} and epoch {below[-1]}, the best one included ({val[best]:.3f} "
        f"against {train[best]:.3f}), the network does better on the validation points, which it "
        f"never trains on, than on its training points. The cause is the draw, not the network. The "
        f"noiseless sine itself scores {on_train:.3f} on these {len(run['train'][1])} training points "
        f"and {on_val:.3f} on the {len(run['val'][1])} validation points, where it scores "
        f"${noise():g}^2 = {noise() ** 2:.4g}$ on average: {len(run['train'][1])} points are few, and "
        f"these happen to carry more noise than usual. Measured from the sine's score on each set, the "
        f"network of the best epoch is about as far above it on both: {train[best] - on_train:.3f} on "
        f"the training points, {val[best] - on_val:.3f} on the validation points."
    )


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


def make_grouped_data(
    sources=20, per_source=5, offset=0.5, spread=0.05, noise=0.05, seed=0
):
    """Examples of several sources: x near the source's point, y shifted by an offset x hides."""
    check_count("sources", sources, low=1)
    check_count("per_source", per_source, low=1)
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


def nearest_neighbour_loss(x, y, train_idx, val_idx):
    """The validation loss of the nearest-neighbour rule, trained on train_idx."""
    return mse(
        vs.nearest_neighbour(x[train_idx], y[train_idx], x[val_idx]), y[val_idx]
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
        "random": vs.split_indices(len(y), val_fraction, seed),
        "group": vs.split_by_group(groups, val_fraction, seed),
    }
    losses = {
        name: nearest_neighbour_loss(x, y, *split) for name, split in splits.items()
    }
    x_new, y_new, _ = make_grouped_data(new_sources, per_source, seed=seed + 1)
    losses["new"] = mse(
        vs.nearest_neighbour(x, y, x_new), y_new
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
# Figures

Y_LIM = (
    -2.3,
    2.3,
)  # every panel of the fits: a wild polynomial leaves it, and the eye sees why


def _draw_points(ax, train, val, p, size=22):
    """The training points, filled, and the validation points, hollow and faint, under the sine."""
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
        color=p["role"]["data"],
        label="training points",
        zorder=6,
    )


def _draw_truth(ax, p):
    """The noiseless sine, dotted in the colour of the truth, above the validation points."""
    grid = curve_grid()[:, 0]
    ax.plot(
        grid,
        torch.sin(math.pi * grid),
        ":",
        color=p["role"]["answer"],
        lw=1.8,
        label="sin(πx), without noise",
        zorder=3,
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
            coef = vs.fit_polynomial(*train, degree)
            _draw_truth(ax, p)
            _draw_points(ax, train, val, p, size=16)
            ax.plot(
                grid[:, 0],
                vs.predict(coef, grid),
                color=p["role"]["path"],
                lw=1.8,
                label="least-squares polynomial",
                zorder=4,
            )
            fit_loss = mse(vs.predict(coef, train[0]), train[1].double()).item()
            val_loss = mse(vs.predict(coef, val[0]), val[1].double()).item()
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
            color=p["role"]["path"],
            ms=4.5,
            label="training loss",
        )
        ax.plot(
            degrees,
            shown,
            "s-",
            color=p["role"]["wrong"],
            ms=4.5,
            label="validation loss",
            clip_on=False,
        )
        if over:
            ax.plot(
                [d for d, _ in over],
                [top] * len(over),
                "^",
                color=p["role"]["wrong"],
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
        ax.plot(epochs, train, color=p["role"]["path"], lw=1.8, label="training loss")
        ax.plot(epochs, val, color=p["role"]["wrong"], lw=1.8, label="validation loss")
        ax.axvline(best_epoch, ls="--", color=p["muted"], lw=1.2)
        ax.plot(
            [best_epoch],
            [val[best_epoch]],
            "o",
            color=p["role"]["second"],
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
            color=p["role"]["second"],
            lw=1.6,
            zorder=4,
            label=f"best epoch ({best})",
        )
        (line,) = ax_fit.plot(
            [], [], color=p["role"]["path"], lw=2, zorder=5, label="the network now"
        )
        ax_fit.set_ylim(*Y_LIM)
        ax_fit.set_xlabel("x")
        ax_fit.set_ylabel("y")
        handles, labels = ax_fit.get_legend_handles_labels()
        legend = fig.legend(
            handles,
            labels,
            loc="lower center",
            ncols=5,
            fontsize=8.5,
            handlelength=1.6,
            columnspacing=1.2,
            bbox_to_anchor=(0.5, 0.0),
        )
        # the best epoch's entry in the legend shows from the frame where the curve does
        best_entry = [
            artist
            for handle, text in zip(legend.legend_handles, legend.get_texts())
            if text.get_text() == f"best epoch ({best})"
            for artist in (handle, text)
        ]
        every = range(len(train_loss))
        # what is to come, faint and solid (dotted is the sine's style), in the grid's colour
        for future in (train_loss, val_loss):
            ax_loss.plot(every, future, color=p["grid"], lw=1.0)
        (trace_train,) = ax_loss.plot(
            [], [], color=p["role"]["path"], lw=1.8, label="training"
        )
        (trace_val,) = ax_loss.plot(
            [], [], color=p["role"]["wrong"], lw=1.8, label="validation"
        )
        (mark,) = ax_loss.plot([], [], "o", color=p["role"]["second"], ms=7, zorder=4)
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
            for artist in best_entry:
                artist.set_visible(passed)
            trace_train.set_data(range(epoch + 1), train_loss[: epoch + 1])
            trace_val.set_data(range(epoch + 1), val_loss[: epoch + 1])
            title.set_text(f"epoch {epoch:3d}")

        frames = render.blit_frames(
            fig,
            [line, ghost, mark, trace_train, trace_val, title, legend],
            update,
            epochs,
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
                color=p["role"]["data"],
                label="training",
                zorder=2,
            )
            ax.scatter(
                x[val_idx, 0],
                x[val_idx, 1],
                s=46,
                facecolors="none",
                edgecolors=p["muted"],
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


def held_out_sources(demo):
    """How many sources the split by source holds out for validation."""
    return len(torch.unique(demo["groups"][demo["splits"]["group"][1]]))


def groups_alt(demo):
    """Alt text of the figure of the two splits of grouped data."""
    sources = len(torch.unique(demo["groups"]))
    held = held_out_sources(demo)
    return (
        f"Two scatter plots of {len(demo['y'])} examples in {sources} tight clusters, one per source. "
        f"Left, split at random: hollow validation points sit inside clusters beside training points, "
        f"and the nearest-neighbour validation loss is {demo['losses']['random']:.3f}. Right, split by "
        f"source: {held} whole clusters are hollow, and the validation loss is "
        f"{demo['losses']['group']:.3f}."
    )


# ---------------------------------------------------------------------------------------------
# Sentences that print the page's settings, and the refused calls


def noise():
    """The standard deviation of the noise in the page's data: make_data's default."""
    return inspect.signature(vs.make_data).parameters["noise"].default


def noise_sentence():
    """What the noise is, from make_data's own default."""
    return (
        f"The noise $\\varepsilon$ is Gaussian with standard deviation {noise():g}, drawn "
        f"afresh for every point. The sine is the pattern; the noise is what no model can "
        f"predict."
    )


def sets_sentence():
    """How many points the page trains and validates on, and the seeds of their draws."""
    return (
        f"We train on {N_TRAIN} such points, the **training set**, drawn with seed {SEED}. "
        f"Then we draw {N_VAL} more from the same curve with seed {SEED + 1}: that is the "
        f"**validation set**."
    )


def floor_sentence():
    """The loss of the noiseless sine on new points: the variance of the noise."""
    return (
        f"A model that predicted the sine exactly would still be off by the noise, and "
        f"would score ${noise():g}^2 = {noise() ** 2:.4g}$ on average on new points."
    )


def training_sentence():
    """The settings of the page's training of the network."""
    return (
        f"The page's run trains `make_model(width={WIDTH}, seed={SEED})` with "
        f"`torch.optim.SGD(model.parameters(), lr={LR}, momentum={MOMENTUM})` for "
        f"{EPOCHS} epochs."
    )


def error_table(lesson):
    """What the checks say about a few wrong calls of the lesson's functions."""
    x, y = lesson.make_data(n=10)
    model = lesson.make_model(width=4)
    opt = torch.optim.SGD(model.parameters(), lr=0.03)

    def train(**changed):
        kwargs = {"train": (x, y), "val": (x, y), "epochs": 10, **changed}
        return lambda: lesson.train_with_early_stopping(model, opt, **kwargs)

    return refusals(
        [
            (
                "split_indices(10, val_fraction=0)",
                lambda: lesson.split_indices(10, val_fraction=0),
            ),
            (
                "split_indices(10, val_fraction=0.01)",
                lambda: lesson.split_indices(10, val_fraction=0.01),
            ),
            ("split_indices(10.0)", lambda: lesson.split_indices(10.0)),
            (
                "split_by_group(torch.tensor([0, 0, 1, 1]), val_fraction=0.2)",
                lambda: lesson.split_by_group(
                    torch.tensor([0, 0, 1, 1]), val_fraction=0.2
                ),
            ),
            ("make_data(n=10, noise=-1.0)", lambda: lesson.make_data(n=10, noise=-1.0)),
            (
                "fit_polynomial(x, y[:-1], 3)",
                lambda: lesson.fit_polynomial(x, y[:-1], 3),
            ),
            (
                "train_with_early_stopping(model, opt, (x, y[:-1]), (x, y), epochs=10)",
                train(train=(x, y[:-1])),
            ),
            (
                "train_with_early_stopping(model, opt, (x, y), (x, y), epochs=2.5)",
                train(epochs=2.5),
            ),
            (
                "train_with_early_stopping(model, opt, (x, y), (x, y), epochs=10, patience=0)",
                train(patience=0),
            ),
            (
                "l2_penalty(model, weight_decay=-0.01)",
                lambda: lesson.l2_penalty(model, weight_decay=-0.01),
            ),
        ]
    )
