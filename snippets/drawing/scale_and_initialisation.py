"""The drawing of the Scale and initialisation page: the settings of its runs, the animation of
gradient descent on stretched and standardised contours, the range test's figure, the variance per
layer figure and table, the digits network's landscape, their alt texts and captions, the sentences
the page prints, and what the checks say about a few wrong calls.

Tested in tests/test_scale_and_initialisation.py (with the lesson it draws).
"""

import torch
from torch import nn

from snippets import learning_rate, loss_functions
from snippets import scale_and_initialisation as si
from snippets.drawing import render
from snippets.drawing.numbers import fixed, minus, sci
from snippets.drawing.tables import refusals
from snippets.fit_line import make_data
from snippets.nonlinearity import make_network, make_sine, train

# The settings of the page's runs, in one place: the page prints them from here.
STRETCH = 10.0  # the input column of the line problem, in units ten times smaller
CLIFF_FRACTION = (
    0.9  # the animation runs each problem at this fraction of its own cliff
)
CONTOUR_STEPS = 30
OFFSET = (-1.5, -2.0)  # where the animation starts, from each problem's minimum
DEPTH, WIDTH, BATCH = 20, 256, 128
BATCH_SEED = 1  # not the weights' seed 0: the same numbers would make x and W alike
ACTIVATIONS = {"tanh": nn.Tanh, "ReLU": nn.ReLU}
SCHEME_ROLE = {
    "too small": "second",
    "too large": "wrong",
    "Xavier": "third",
    "Kaiming": "answer",
}
CONSTANT = {"widths": [1, 8, 1], "value": 0.3, "steps": 300}
DIGITS = {"widths": [64, 32, 10], "seed": 0, "span": 1.0, "n": 21, "line_points": 31}


def problems():
    """The line problem with its input stretched, and the same problem standardised."""
    x, y = make_data()
    stretched = x * torch.tensor([STRETCH, 1.0])
    return y, {"stretched": stretched, "standardised": si.standardise(stretched)}


def minimum(x, y):
    """The least-squares parameters of the line problem with inputs x."""
    x, y = x.double(), y.double()
    return torch.linalg.lstsq(x, y[:, None]).solution[:, 0]


def scale_runs():
    """For each problem: its inputs, lr (a fraction of its cliff), start, and descend's run."""
    y, inputs = problems()
    runs = {}
    for name, x in inputs.items():
        lr = CLIFF_FRACTION * learning_rate.cliff(x)
        best = minimum(x, y)
        start = tuple((best + torch.tensor(OFFSET, dtype=torch.float64)).tolist())
        run = learning_rate.descend(
            x.double(), y.double(), a0=start, lr=lr, steps=CONTOUR_STEPS
        )
        runs[name] = (x, lr, best, run)
    return y, runs


def distance_left(run, best):
    """The distance to the minimum at the end of a run, as a fraction of the distance at its start."""
    return ((run.path[-1] - best).norm() / (run.path[0] - best).norm()).item()


def scale_sentence():
    """kappa, the cliff and the lr of the animation, for both problems, from the run."""
    _y, runs = scale_runs()
    (xs, _lr_s, best_s, run_s), (xt, _lr_t, best_t, run_t) = (
        runs["stretched"],
        runs["standardised"],
    )
    return (
        f"With the input column multiplied by {STRETCH:g}, the curvatures are "
        f"$h_{{\\min}}$ = {learning_rate.curvatures(xs)[0]:.4f} and $h_{{\\max}}$ = "
        f"{learning_rate.curvatures(xs)[1]:.2f}: $\\kappa$ = "
        f"**{learning_rate.condition_number(xs):.2f}** and "
        f"the cliff $2 / h_{{\\max}}$ = **{learning_rate.cliff(xs):.4f}**. Standardised, both curvatures are "
        f"{learning_rate.curvatures(xt)[1]:.4f}: $\\kappa$ = "
        f"**{learning_rate.condition_number(xt):.4f}** and the "
        f"cliff is **{learning_rate.cliff(xt):.4f}**, "
        f"{learning_rate.cliff(xt) / learning_rate.cliff(xs):.1f} times "
        f"further out. At {CLIFF_FRACTION:.0%} of each cliff, {CONTOUR_STEPS} steps leave "
        f"{distance_left(run_s, best_s):.1%} of the distance to the minimum on the stretched problem and "
        f"{sci(distance_left(run_t, best_t))} on the standardised one."
    )


def _window(best, half=2.6):
    return [(b - half, b + half) for b in best.tolist()]


def animate_scale(theme="light"):
    """Frames of descend on the stretched and on the standardised contours, side by side."""
    y, runs = scale_runs()
    with render.themed(theme) as p:
        fig = render.new_figure(8.0, 4.2)
        axes = fig.subplots(1, 2)
        moving = []
        for ax, (name, (x, lr, best, run)) in zip(axes, runs.items()):
            (l1, h1), (l2, h2) = _window(best)
            a1 = torch.linspace(l1, h1, 81, dtype=torch.float64)
            a2 = torch.linspace(l2, h2, 81, dtype=torch.float64)
            surface = loss_functions.loss_surface(x.double(), y.double(), a1, a2)
            levels = torch.linspace(
                surface.min().log10().item(), surface.max().log10().item(), 12
            )
            ax.contour(
                a1,
                a2,
                surface.log10(),
                levels=levels.tolist(),
                colors=p["muted"],
                linewidths=0.8,
                negative_linestyles="solid",
            )
            ax.plot([best[0]], [best[1]], "*", color=p["fg"], ms=12, zorder=5)
            ax.set(
                xlim=(l1, h1),
                ylim=(l2, h2),
                aspect="equal",
                xlabel="a₁ (weight of the input)",
                ylabel="a₂ (intercept)",
            )
            ax.grid(False)
            kappa = learning_rate.condition_number(x)
            ax.set_title(f"{name}: κ = {kappa:.1f}, lr = {lr:.3g}", fontsize=11)
            color = p["role"]["path" if name == "stretched" else "answer"]
            (trail,) = ax.plot([], [], "-o", color=color, ms=3, lw=1.4, zorder=4)
            moving.append((trail, run.path.numpy()))
        step = fig.suptitle(" ", fontsize=11, fontfamily="monospace")

        def update(t):
            step.set_text(f"step {t:2d} of {CONTOUR_STEPS}")
            for trail, path in moving:
                shown = path[: min(t, len(path) - 1) + 1]
                trail.set_data(shown[:, 0], shown[:, 1])

        artists = [step] + [trail for trail, _ in moving]
        return render.blit_frames(fig, artists, update, range(CONTOUR_STEPS + 1))


def scale_alt():
    _y, runs = scale_runs()
    (xs, lr_s, best_s, run_s), (xt, lr_t, _best_t, _run_t) = (
        runs["stretched"],
        runs["standardised"],
    )
    return (
        f"Two contour plots of the line problem's loss, each with {CONTOUR_STEPS} steps of gradient descent "
        f"at {CLIFF_FRACTION:.0%} of its cliff. Left, the stretched input: thin ellipses, condition number "
        f"{learning_rate.condition_number(xs):.1f}, learning rate {lr_s:.3g}; the path drops to "
        "the valley floor "
        f"and crawls along it, {distance_left(run_s, best_s):.0%} of the way still left at the end. Right, "
        f"standardised: round contours, condition number {learning_rate.condition_number(xt):.1f}, "
        "learning rate "
        f"{lr_t:.3g}; the path bounces across the minimum along one straight line, closer at every step."
    )


def scale_caption():
    return (
        f"Gradient descent on the line problem with its input multiplied by {STRETCH:g} (left) and the same "
        f"problem standardised (right), each at {CLIFF_FRACTION:.0%} of its own cliff 2/hₘₐₓ, from "
        f"{minus(OFFSET)} away from its minimum (the star). Both windows are the same size, so the "
        "shapes compare."
    )


# -- the range test --------------------------------------------------------------------------------


def range_tests():
    """The range test on both problems: {name: (lrs, losses, cliff, suggestions)}."""
    y, inputs = problems()
    found = {}
    for name, x in inputs.items():
        lrs, losses = si.lr_range_test(x, y)
        found[name] = (lrs, losses, learning_rate.cliff(x), si.suggest_lr(lrs, losses))
    return found


def plot_range_test(tests, theme="light"):
    """The loss against the lr of each range test, with each problem's cliff and readings."""
    with render.themed(theme) as p:
        fig = render.new_figure(6.4, 4.0)
        ax = fig.add_subplot()
        for name, (lrs, losses, edge, (_steepest, tenth)) in tests.items():
            color = p["role"]["path" if name == "stretched" else "answer"]
            ax.plot(lrs, losses, color=color, label=f"{name}")
            ax.axvline(edge, color=color, ls="-.", lw=1.2)
            at = losses[(lrs - tenth).abs().argmin()]
            ax.plot([tenth], [at], "o", color=color, ms=7, markeredgecolor=p["fg"])
        ax.set(
            xscale="log",
            yscale="log",
            xlabel="learning rate at that step",
            ylabel="loss (MSE)",
        )
        ax.legend(loc="lower left")
    return fig


def range_alt(tests):
    parts = []
    for name, (lrs, losses, edge, (_steepest, tenth)) in tests.items():
        low = lrs[losses.argmin()].item()
        parts.append(
            f"{name}: the loss falls from {losses[0]:.3g} to its lowest, {losses.min():.3g}, at "
            "learning rate "
            f"{low:.3g}, past the cliff at {edge:.3g}, then climbs; a tenth of that rate is {tenth:.3g}"
        )
    return (
        "Log-log plot of the loss at each step of the range test against that step's learning rate. "
        + ("; ".join(parts) + ".")
    )


def range_caption():
    d = si.lr_range_test.__defaults__
    return (
        f"The range test: {d[2]} steps of gradient descent with the learning rate growing from {d[0]:g} to "
        f"{d[1]:g} by the same factor each step, stopped once the loss is four times its lowest. "
        "Dash-dotted: each "
        "problem's cliff 2/hₘₐₓ. Dots: a tenth of the rate at the lowest loss."
    )


def range_sentence(tests):
    rows = []
    for name, (lrs, losses, edge, (steepest, tenth)) in tests.items():
        low = lrs[losses.argmin()].item()
        rows.append(
            f"On the {name} problem the loss is lowest at {low:.3g}, {low / edge:.2f} times the cliff "
            f"({edge:.4f}); a tenth of it, **{tenth:.3g}**, is {tenth / edge:.2f} times the cliff; the "
            f"steepest fall is at {steepest:.3g}, and the test stops at {lrs[-1]:.3g}, "
            f"{lrs[-1] / edge:.1f} times the cliff."
        )
    return " ".join(rows)


# -- constant weights ------------------------------------------------------------------------------


def constant_run(value=None):
    """Train make_network(widths, nn.Tanh) on the sine from constant weights (or seeded ones if
    value is None); return the first layer's weights and biases, and the losses."""
    x, y = make_sine()
    model = make_network(CONSTANT["widths"], nn.Tanh)
    if value is not None:
        si.set_constant(model, value)
    losses = train(model, x, y, steps=CONSTANT["steps"])
    first = model[0]
    return first.weight.detach().clone(), first.bias.detach().clone(), losses


def constant_sentence():
    w, b, losses = constant_run(CONSTANT["value"])
    w0, _b0, losses0 = constant_run(None)
    spread = (w.max() - w.min()).item(), (b.max() - b.min()).item()
    return (
        f"After {CONSTANT['steps']} steps of `train` from every weight and bias at {CONSTANT['value']}, the "
        f"{CONSTANT['widths'][1]} hidden units all have the weight {fixed(w[0, 0], 4)} and the bias "
        f"{fixed(b[0], 4)}: the largest difference between two of them is {spread[0]:g} for the weights and "
        f"{spread[1]:g} for the biases. The {CONSTANT['widths'][1]} units are one unit, and the loss ends at "
        f"{losses[-1]:.4f}. From `make_network`'s random start the weights end spread from "
        f"{fixed(w0.min(), 2)} "
        f"to {fixed(w0.max(), 2)} and the loss at {losses0[-1]:.4f}."
    )


# -- variance per layer ----------------------------------------------------------------------------


def batch():
    return torch.randn(
        BATCH, WIDTH, generator=torch.Generator().manual_seed(BATCH_SEED)
    )


def variance_runs():
    """{(activation name, scheme): (Var(z) per layer, Var(dL/dz) per layer, predicted Var(z))}."""
    x, found = batch(), {}
    for name, activation in ACTIVATIONS.items():
        for scheme in si.SCHEMES:
            model = si.deep_network(DEPTH, WIDTH, activation, scheme)
            forward, backward = si.layer_variances(model, x)
            found[name, scheme] = (
                forward,
                backward,
                si.predicted_variances(activation, scheme, DEPTH, WIDTH),
            )
    return found


def per_layer_factor(values):
    """The geometric mean of the ratio from one layer to the next."""
    return (values[-1] / values[0]).item() ** (1 / (len(values) - 1))


def plot_variances(runs, theme="light"):
    """Var(z) (top) and Var(dL/dz) (bottom) per layer, tanh left and ReLU right, theory dashed."""
    layers = torch.arange(1, DEPTH + 1)
    with render.themed(theme) as p:
        fig = render.new_figure(6.4, 6.0)
        axes = fig.subplots(2, 2, sharex=True)
        for col, name in enumerate(ACTIVATIONS):
            for scheme in si.SCHEMES:
                forward, backward, predicted = runs[name, scheme]
                color = p["role"][SCHEME_ROLE[scheme]]
                axes[0, col].plot(
                    layers, forward, "-o", color=color, ms=3, label=scheme
                )
                axes[0, col].plot(layers, predicted, "--", color=p["fg"], lw=1)
                axes[1, col].plot(layers, backward, "-o", color=color, ms=3)
            axes[0, col].set_title(name)
            axes[1, col].set_xlabel("layer")
            for ax in axes[:, col]:
                ax.set_yscale("log")
        axes[0, 0].set_ylabel("Var(z), forward")
        axes[1, 0].set_ylabel("Var(dL/dz), backward")
        handles, labels = axes[0, 1].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncols=4)
    return fig


def variances_alt(runs):
    parts = [
        f"{name} with {scheme}: Var(z) at layer {DEPTH} {sci(f[-1])} (theory {sci(t[-1])}), "
        "gradient variance at "
        f"layer 1 {sci(b[0])}"
        for (name, scheme), (f, b, t) in runs.items()
    ]
    return (
        f"Four log-scale panels of variance against layer, for a network of {DEPTH} layers {WIDTH} wide. "
        + "; ".join(parts)
        + "."
    )


def variances_caption():
    return (
        f"One forward and one backward pass through {DEPTH} layers of width {WIDTH}, on a batch of {BATCH} "
        "inputs of variance 1, with a gradient of variance 1 sent back from the output. Top: the "
        "variance of each "
        "layer's output z; dashed, the theory's prediction. Bottom: the variance of the gradient "
        "of the loss by z."
    )


def variance_table(runs):
    """The measured and the predicted factor per layer of each network, and where it ends."""
    rows = [
        (
            f"| activation, scheme | Var(z) at layer {DEPTH} | per layer, measured | "
            f"per layer, theory | Var(dL/dz) at layer 1 |"
        ),
        "|---|---:|---:|---:|---:|",
    ]
    for (name, scheme), (f, b, t) in runs.items():
        rows.append(
            f"| {name}, {scheme} | {sci(f[-1])} | {per_layer_factor(f):.3f} | "
            f"{per_layer_factor(t):.3f} | {sci(b[0])} |"
        )
    return "\n".join(rows)


# -- the digits network's landscape ----------------------------------------------------------------


def landscape():
    """Train the digits network; the loss along the line start -> end and on a 2-D slice."""
    x, labels = si.load_digit_data()
    model = make_network(DIGITS["widths"], nn.ReLU, DIGITS["seed"])
    start = si.get_weights(model)
    history = si.train_digits(model, x, labels)
    end = si.get_weights(model)
    alphas = torch.linspace(-0.25, 1.25, DIGITS["line_points"])
    line = si.loss_along_line(model, start, end, x, labels, alphas)
    d1, d2 = (
        si.filter_normalised_direction(model, 0),
        si.filter_normalised_direction(model, 1),
    )
    steps, grid = si.loss_slice(model, x, labels, d1, d2, DIGITS["span"], DIGITS["n"])
    return {
        "examples": len(x),
        "history": history,
        "alphas": alphas,
        "line": line,
        "steps": steps,
        "grid": grid,
    }


def plot_landscape(found, theme="light"):
    with render.themed(theme) as p:
        fig = render.new_figure(7.6, 3.6)
        left, right = fig.subplots(1, 2)
        left.plot(found["alphas"], found["line"], color=p["role"]["path"])
        left.plot(
            [0, 1],
            [found["line"][found["alphas"].abs().argmin()], found["history"][-1]],
            "o",
            color=p["role"]["answer"],
            ms=6,
        )
        left.set(
            xlabel="α: 0 start, 1 trained",
            ylabel="loss (cross-entropy)",
            yscale="log",
            title="along the straight line",
        )
        grid = found["grid"].log10()
        right.contourf(found["steps"], found["steps"], grid, levels=14, cmap="viridis")
        right.contour(
            found["steps"],
            found["steps"],
            grid,
            levels=14,
            colors=p["bg"],
            linewidths=0.4,
        )
        right.plot([0], [0], "*", color=p["fg"], ms=12)
        right.set(
            aspect="equal",
            xlabel="direction 1",
            ylabel="direction 2",
            title="a 2-D slice (log loss)",
        )
        right.grid(False)
    return fig


def landscape_alt(found):
    line, grid = found["line"], found["grid"]
    return (
        f"Left: the loss along the straight line from the initial to the trained weights: {line[0]:.3g} at "
        f"alpha −0.25, {line[found['alphas'].abs().argmin()]:.3g} at the start, at most {line.max():.3g}, "
        f"{found['history'][-1]:.3g} at the trained weights and {line[-1]:.3g} at alpha 1.25. "
        "Right: contours of "
        f"the loss on a {DIGITS['n']} by {DIGITS['n']} slice around the trained weights, from "
        f"{grid.min():.3g} at "
        f"the centre to {grid.max():.3g} at the edge."
    )


def landscape_caption(found):
    w = DIGITS["widths"]
    return (
        f"The digits network {'-'.join(map(str, w))}, trained by train_digits on all "
        f"{found['examples']} digits. "
        "Left: the loss "
        f"at (1 − α) start + α end. Right: the loss at the trained weights plus a·d₁ + b·d₂ for a, b from "
        f"−{DIGITS['span']:g} to {DIGITS['span']:g}, with d₁ and d₂ filter-normalised random "
        "directions; the star "
        "is the trained network."
    )


def landscape_sentence(found):
    line, alphas, grid, history = (
        found["line"],
        found["alphas"],
        found["grid"],
        found["history"],
    )
    before = line[alphas < 0]
    centre = grid[DIGITS["n"] // 2, DIGITS["n"] // 2].item()
    return (
        f"Training takes the loss from {history[0]:.4f} to {history[-1]:.4f} in {len(history) - 1} "
        "steps. On the "
        f"straight line from the start to the trained weights the loss falls at every one of the "
        f"{int(((alphas >= 0) & (alphas <= 1)).sum())} points, with no hill to cross; behind the start it is "
        f"flat, at most {before.max():.4f}, and past the trained weights it keeps falling, to "
        f"{line[-1]:.4f} at "
        f"α = {alphas[-1]:g}: the weights could go further the same way. On the slice the trained "
        "weights, at "
        f"{centre:.4f}, are the lowest of the {grid.numel()} points, and a full step of either direction's "
        f"length costs up to {grid.max():.2f}."
    )


def error_table(lesson):
    """What the checks say about a few wrong calls of the lesson's functions."""
    x, y = make_data(n=10)
    net = make_network([4, 3, 2])
    xd, labels = torch.rand(5, 4), torch.tensor([0, 1, 0, 1, 1])
    return refusals(
        [
            ("standardise(x[:, 0])", lambda: lesson.standardise(x[:, 0])),
            (
                "lr_range_test(x, y, lr_min=1.0, lr_max=0.1)",
                lambda: lesson.lr_range_test(x, y, lr_min=1.0, lr_max=0.1),
            ),
            (
                "lr_range_test(x, y, steps=1)",
                lambda: lesson.lr_range_test(x, y, steps=1),
            ),
            (
                "init_std(scheme='He', fan_in=256, fan_out=256)",
                lambda: lesson.init_std("He", 256, 256),
            ),
            (
                "initialise(net, 'Kaiming', seed=-1)",
                lambda: lesson.initialise(net, "Kaiming", seed=-1),
            ),
            (
                "deep_network(depth=0, width=256, activation=nn.ReLU, scheme='Kaiming')",
                lambda: lesson.deep_network(0, 256, nn.ReLU, "Kaiming"),
            ),
            (
                "predicted_variances(activation=nn.Sigmoid, scheme='Xavier', depth=20, width=256)",
                lambda: lesson.predicted_variances(nn.Sigmoid, "Xavier", 20, 256),
            ),
            (
                "train_digits(net, xd, labels.float())",
                lambda: lesson.train_digits(net, xd, labels.float()),
            ),
            (
                "loss_at(net, weights=torch.zeros(3), x=xd, labels=labels)",
                lambda: lesson.loss_at(net, torch.zeros(3), xd, labels),
            ),
            (
                "loss_slice(net, xd, labels, d, d, span=0)",
                lambda: lesson.loss_slice(
                    net,
                    xd,
                    labels,
                    lesson.get_weights(net),
                    lesson.get_weights(net),
                    span=0,
                ),
            ),
        ]
    )
