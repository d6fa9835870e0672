"""The drawing of the Nonlinearity page: the settings of its runs, the figures, the animation, the
tables, the sentences it prints and the alt texts; and what the page runs without showing, such
as counting a network's straight pieces and training the depth race's networks side by side.

Tested in tests/test_nonlinearity.py (with the lesson it draws).
"""

import inspect
import math

import torch
from torch import nn

from snippets import nonlinearity as nl
from snippets.drawing import numbers, render
from snippets.drawing.line_problem import least_squares
from snippets.drawing.tables import refusals
from snippets.fit_line import mse

# The settings of the page's runs, in one place. The network that bends trains with train's own
# defaults (the page says "trained with train as it stands"), so they are read from train.
TRAIN = {
    k: v.default
    for k, v in inspect.signature(nl.train).parameters.items()
    if k in ("lr", "steps", "momentum")
}
FIT = {"widths": (1, 16, 1), "seed": 0, **TRAIN}
TEETH_DEPTH = 3  # the sawtooth of "Why deep": 3 tent blocks, 2**3 = 8 pieces, 4 teeth
WIDE, DEEP = (1, 32, 1), (1, 8, 8, 1)  # 97 parameters each
DEPTH_RUN = {"lr": 0.02, "steps": 800, "momentum": 0.9, "seeds": (0, 1, 2, 3, 4)}


def data_sentence():
    """What the data is, from make_sine's own defaults."""
    d = {k: v.default for k, v in inspect.signature(nl.make_sine).parameters.items()}
    return (
        f"The data is {d['n']} points on a sine wave: inputs $x$ drawn uniformly from $[-3, 3]$, "
        f"and outputs $y = \\sin x$ plus Gaussian noise with standard deviation {d['noise']}."
    )


def fit_settings_sentence():
    """How the page's network is made and trained, from FIT."""
    return (
        f"This is `make_network({list(FIT['widths'])})`, trained with `train` as it stands, from "
        f"seed {FIT['seed']}: learning rate {FIT['lr']}, momentum {FIT['momentum']}, "
        f"{FIT['steps']} steps."
    )


def error_table(lesson):
    """What the checks say about a few wrong calls of the lesson's functions."""
    x, y = lesson.make_sine(n=10)
    net = lesson.make_network([1, 4, 1])
    return refusals(
        [
            ("make_sine(n=1)", lambda: lesson.make_sine(n=1)),
            ("make_network([1, 0, 1])", lambda: lesson.make_network([1, 0, 1])),
            (
                "make_network([1, 4, 1], activation=torch.relu)",
                lambda: lesson.make_network([1, 4, 1], activation=torch.relu),
            ),
            ("train(net, x, y[:-1])", lambda: lesson.train(net, x, y[:-1])),
            ("train(net, x, y[:, 0])", lambda: lesson.train(net, x, y[:, 0])),
            ("train(net, x.double(), y)", lambda: lesson.train(net, x.double(), y)),
            ("train(net, x, y, lr=0)", lambda: lesson.train(net, x, y, lr=0)),
            ("train(net, x, y, steps=0)", lambda: lesson.train(net, x, y, steps=0)),
            (
                "train(net, x, y, momentum=1.0)",
                lambda: lesson.train(net, x, y, momentum=1.0),
            ),
            (
                "merge(nn.Linear(1, 2), nn.Linear(3, 1))",
                lambda: lesson.merge(nn.Linear(1, 2), nn.Linear(3, 1)),
            ),
            ("collapse(net)", lambda: lesson.collapse(net)),
            (
                "hidden_pieces(make_network([1, 4, 4, 1]), x)",
                lambda: lesson.hidden_pieces(lesson.make_network([1, 4, 4, 1]), x),
            ),
        ]
    )


# ---------------------------------------------------------------------------------------------
# Layers in PyTorch, and stacking linear layers


def parameter_table(model):
    """Return a Markdown table of the model's parameters: name, shape and how many numbers each holds."""
    rows = ["| parameter | shape | numbers |", "|---|---|---:|"]
    total = 0
    for name, p in model.named_parameters():
        rows.append(f"| `{name}` | {' × '.join(map(str, p.shape))} | {p.numel()} |")
        total += p.numel()
    rows.append(f"| **total** | | **{total}** |")
    return "\n".join(rows)


def count_parameters(model):
    """How many numbers training adjusts."""
    return sum(p.numel() for p in model.parameters())


def least_squares_line(x, y):
    """The best line through (x, y), solved directly: (slope, intercept) and its loss."""
    columns = torch.cat([x, torch.ones_like(x)], dim=1)
    a, loss = least_squares(columns, y[:, 0])
    return a, loss


def merge_gap(seed=0, sizes=(3, 5, 2), n=1000):
    """Largest difference between two float64 layers in a row and their merged layer, on n random inputs."""
    first, second = (
        nl.make_network(pair, seed=seed + i, dtype=torch.float64)[0]
        for i, pair in enumerate([sizes[:2], sizes[1:]])
    )
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, sizes[0], generator=g, dtype=torch.float64)
    with torch.no_grad():
        return (second(first(x)) - nl.merge(first, second)(x)).abs().max().item()


# ---------------------------------------------------------------------------------------------
# Activation functions


FORMULAS = {
    "sigmoid": ("σ(z) = 1 / (1 + e⁻ᶻ)", "σ′(z) = σ(z) (1 − σ(z))"),
    "tanh": ("tanh(z)", "tanh′(z) = 1 − tanh²(z)"),
    "ReLU": ("ReLU(z) = max(0, z)", "ReLU′(z) = 1 if z > 0, else 0"),
}


def saturation_table(zs):
    """Return a Markdown table of each activation's slope (by autograd) at each input z."""
    z = torch.tensor(zs, dtype=torch.float64)
    slopes = {name: nl.derivative(f, z) for name, f in nl.ACTIVATIONS.items()}
    rows = [
        "| input $z$ | " + " | ".join(f"{name}′(z)" for name in nl.ACTIVATIONS) + " |",
        "|---:|" + "---:|" * len(nl.ACTIVATIONS),
    ]
    for i, value in enumerate(zs):
        cells = [slope_text(slopes[name][i].item()) for name in nl.ACTIVATIONS]
        rows.append(f"| {numbers.minus(f'{value:g}')} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def slope_text(value):
    """A slope as text, one format for all: exactly 0, 0.25 or 1 as such, any other as 6.65 × 10⁻³."""
    if float(f"{value:.3g}") == value:  # exact in three digits: 0, 0.25, 1
        return f"{value:g}"
    return numbers.sci(value, digits=2)


def chained_sigmoid_slope(layers, z=0.0):
    """The slope of sigmoid applied `layers` times in a row, at z, by autograd."""

    def chain(t):
        for _ in range(layers):
            t = torch.sigmoid(t)
        return t

    return nl.derivative(chain, torch.tensor([z], dtype=torch.float64)).item()


# How the starting weights' scale decides whether the gradient vanishes or explodes on its way back:
# a stack of ReLU layers with PyTorch's default range, uniform within ±1/sqrt(fan_in), and with that
# range stretched to Kaiming's, ±sqrt(6 / fan_in), and to twice Kaiming's.
FAN_IN = {"depth": 10, "width": 64, "seed": 0}
SCALES = {"default": 1.0, "Kaiming": math.sqrt(6), "twice Kaiming": 2 * math.sqrt(6)}


def backward_sizes(
    stretch, depth=FAN_IN["depth"], width=FAN_IN["width"], seed=FAN_IN["seed"]
):
    """The size of the loss's gradient at each hidden layer of a deep ReLU stack, first layer first.

    The stack is make_network([1, width, ..., width, 1]) in float64, every weight multiplied by
    `stretch`; the gradient is the MSE's on the page's sine with respect to each hidden linear
    layer's output, the signal that backpropagation carries from one layer to the one before.
    """
    x, y = nl.make_sine(dtype=torch.float64)
    net = nl.make_network([1] + [width] * depth + [1], seed=seed, dtype=torch.float64)
    with torch.no_grad():
        for layer in net[::2]:
            layer.weight.mul_(stretch)
    outputs, h = [], x
    for layer in net:
        h = layer(h)
        if isinstance(layer, nn.Linear):
            h.retain_grad()
            outputs.append(h)
    mse(h, y).backward()
    return [z.grad.norm().item() for z in outputs[:-1]]


def fan_in_sentence():
    """The fan-in demo's sentence: the gradient at the first hidden layer against the last."""
    sizes = {name: backward_sizes(stretch) for name, stretch in SCALES.items()}
    ratio = {name: g[0] / g[-1] for name, g in sizes.items()}
    d, w = FAN_IN["depth"], FAN_IN["width"]

    def times(r):
        return f"{1 / r:,.0f} times smaller" if r < 1 else f"{r:,.0f} times larger"

    return (
        f"A stack of {d} ReLU layers of {w} units, whose slopes are only ever 0 or 1, shows the "
        f"weights doing both. With PyTorch's default starting weights, uniform within "
        f"$\\pm 1 / \\sqrt{{n}}$ for a layer of $n$ inputs, the gradient of the loss on the sine "
        f"reaching the first hidden layer is {times(ratio['default'])} than at the last. Drawn within "
        f"Kaiming's $\\pm \\sqrt{{6 / n}}$, it is {ratio['Kaiming']:.2f} times its size at the last, "
        f"about the same; within twice that range, {times(ratio['twice Kaiming'])}."
    )


def sequential_gap(seed=0):
    """Largest difference between make_network([1, 16, 1]) and sine_network() holding its weights."""
    x, _ = nl.make_sine()
    ours, usual = nl.make_network([1, 16, 1], seed=seed), nl.sine_network()
    usual.load_state_dict(ours.state_dict())
    with torch.no_grad():
        return (ours(x) - usual(x)).abs().max().item(), len(x)


# ---------------------------------------------------------------------------------------------
# The network that bends, and its hidden units


def fit_sine(data_seed=0, **settings):
    """Train the page's network (FIT, updated by `settings`) on the sine: data, model, losses."""
    s = {**FIT, **settings}
    x, y = nl.make_sine(seed=data_seed)
    model = nl.make_network(s["widths"], seed=s["seed"])
    losses = nl.train(model, x, y, lr=s["lr"], steps=s["steps"], momentum=s["momentum"])
    return x, y, model, losses


def frame_steps(steps, frames=20):
    """The steps the animation shows, closer together early on, where the curve moves fastest."""
    return sorted({round(steps * (i / frames) ** 2) for i in range(frames + 1)})


def fit_history(x, y, grid=None, **settings):
    """Train as fit_sine does; return the steps looked at, the grid, the curve on it at each, the losses."""
    grid = torch.linspace(-3, 3, 121)[:, None] if grid is None else grid
    s = {**FIT, **settings}
    model = nl.make_network(s["widths"], seed=s["seed"])
    wanted, steps, curves = set(frame_steps(s["steps"])), [], []

    def watch(step, model):
        if step in wanted:
            with torch.no_grad():
                curves.append(model(grid)[:, 0].clone())
            steps.append(step)

    losses = nl.train(
        model, x, y, lr=s["lr"], steps=s["steps"], momentum=s["momentum"], watch=watch
    )
    watch(s["steps"], model)
    return steps, grid, torch.stack(curves), losses


def kinks(model):
    """Where each hidden unit of a one-hidden-layer ReLU network bends: x = -b_j / w_j."""
    first = model[0]
    return (-first.bias / first.weight[:, 0]).detach()


def unit_census(model, lo=-3.0, hi=3.0):
    """Count the hidden units that bend inside [lo, hi], and those that are zero all across it."""
    first, last = model[0], model[2]
    w, b = first.weight[:, 0].detach(), first.bias.detach()
    at = kinks(model)
    inside = (at > lo) & (at < hi) & (last.weight[0].detach() != 0)
    ends = torch.stack([w * lo + b, w * hi + b])
    dead = (ends <= 0).all(
        dim=0
    )  # w x + b is linear: off at both ends means off in between
    return {
        "units": len(w),
        "bend inside": int(inside.sum()),
        "zero throughout": int(dead.sum()),
        "straight throughout": int((~inside & ~dead).sum()),
    }


# ---------------------------------------------------------------------------------------------
# Why deep: depth multiplies kinks


def count_pieces(f, lo=0.0, hi=1.0, points=2**12 + 1):
    """How many straight pieces f has on [lo, hi], from the slope changes on a fine float64 grid.

    Exact when every kink falls on the grid, as for the sawtooth networks (kinks at multiples of
    1 / 2**blocks); a kink between two grid points would count twice.
    """
    x = torch.linspace(lo, hi, points, dtype=torch.float64)[:, None]
    with torch.no_grad():
        y = f(x)[:, 0]
    slopes = y.diff() / x[:, 0].diff()
    changes = (slopes.diff().abs() > 1e-6 * slopes.abs().max()).sum().item()
    return changes + 1


def depth_table(depths):
    """Return a Markdown table: pieces and parameters of the sawtooth networks; the fewest one layer needs."""
    header = (
        "| tent blocks | straight pieces | parameters, deep | one hidden layer: units, at least | "
        "parameters, at least |"
    )
    rows = [header, "|---:|---:|---:|---:|---:|"]
    for k in depths:
        net = nl.sawtooth_network(k).double()
        pieces = count_pieces(net)
        units = pieces - 1  # one kink per unit, and the sawtooth bends pieces - 1 times
        rows.append(
            f"| {k} | {pieces:,} | {count_parameters(net):,} | {units:,} | "
            f"{3 * units + 1:,} |"
        )
    return "\n".join(rows)


def make_sawtooth(n=200, blocks=TEETH_DEPTH, dtype=torch.float32):
    """The sawtooth of `blocks` tent blocks, stretched over x in [-3, 3] and scaled to [-1, 1]."""
    if not isinstance(n, int) or n < 2:
        raise ValueError(f"n must be an integer of at least 2, got {n!r}")
    x = torch.linspace(-3, 3, n, dtype=torch.float64)[:, None]
    with torch.no_grad():
        y = 2 * nl.sawtooth_network(blocks).double()((x + 3) / 6) - 1
    return x.to(dtype), y.to(dtype)


def exact_sawtooth_network(shape, dtype=torch.float64):
    """A (1, H, 1) or (1, H1, H2, 1) network set by hand to draw the sawtooth target exactly."""
    # 8 ReLU units do it: one for the first slope, one for each of the 7 kinks
    nl.check_network(shape, nn.ReLU, 0, dtype)
    if (
        len(shape) not in (3, 4)
        or shape[0] != 1
        or shape[-1] != 1
        or shape[1] < 2**TEETH_DEPTH
    ):
        raise ValueError(
            f"need (1, H, 1) or (1, H1, H2, 1) with H, H1 >= {2**TEETH_DEPTH}, got {shape}"
        )
    pieces = 2**TEETH_DEPTH
    at = torch.linspace(-3, 3, pieces + 1, dtype=dtype)[:-1]  # where each piece starts
    slopes = (
        torch.tensor([(-1.0) ** i for i in range(pieces)], dtype=dtype)
        * 2
        / (6 / pieces)
    )
    turns = torch.cat([slopes[:1], slopes.diff()])  # slope added at each start
    net = nl.make_network(shape, dtype=dtype)
    with torch.no_grad():
        for p in net.parameters():
            p.zero_()
        net[0].weight[:pieces, 0] = 1.0
        net[0].bias[:pieces] = -at  # unit i: relu(x - at_i)
        if len(shape) == 3:
            net[2].weight[0, :pieces] = turns
            net[2].bias[0] = -1.0
        else:  # the second layer passes the
            net[2].weight[0, :pieces] = turns  # sum on, shifted to stay > 0
            net[2].bias[0] = 1.0
            net[4].weight[0, 0] = 1.0
            net[4].bias[0] = -2.0
    return net


# ---------------------------------------------------------------------------------------------
# Why deep: what training finds. Ten trainings of a thousand steps, one by one, would be the slowest
# thing on the page; train_many runs the networks of one architecture side by side instead, as one
# batch of matrix products. The tests check that it gives what train gives, one network at a time.


def _stacked(models):
    """The weights of same-shaped networks, stacked: for each Linear, W (S, in, out) and b (S, 1, out)."""
    shapes = {
        tuple(
            (type(m).__name__, getattr(m, "weight", torch.empty(0)).shape)
            for m in model
        )
        for model in models
    }
    if len(shapes) != 1:
        raise ValueError("train_many needs networks of one architecture")
    params = []
    for k, layer in enumerate(models[0]):
        if isinstance(layer, nn.Linear):
            params.append(
                torch.stack([m[k].weight.detach().T for m in models]).requires_grad_()
            )
            params.append(
                torch.stack([m[k].bias.detach()[None] for m in models]).requires_grad_()
            )
    return params


def _forward_many(template, params, x):
    """Every network's output at once, shape (S, n, out)."""
    h, i = x.expand(len(params[0]), *x.shape), 0
    for layer in template:
        if isinstance(layer, nn.Linear):
            h = torch.baddbmm(params[i + 1], h, params[i])
            i += 2
        else:
            h = layer(h)  # the activation acts on each number alone, whatever the shape
    return h


def train_many(models, x, y, lr, steps, momentum=0.9):
    """Train same-shaped networks side by side, as train() would one at a time; losses, one row each."""
    models = list(models)
    nl.check_training(models[0], x, y, lr, steps, momentum)
    params = _stacked(models)
    opt = torch.optim.SGD(params, lr=lr, momentum=momentum)
    history = []
    for _ in range(steps):
        # the sum of the losses: each network's parameters get the gradient of its own loss only
        loss = ((_forward_many(models[0], params, x) - y) ** 2).mean(dim=(1, 2))
        opt.zero_grad()
        loss.sum().backward()
        opt.step()
        history.append(loss.detach())
    with torch.no_grad():
        history.append(
            ((_forward_many(models[0], params, x) - y) ** 2).mean(dim=(1, 2))
        )
        linears = [
            k for k, layer in enumerate(models[0]) if isinstance(layer, nn.Linear)
        ]
        for j, model in enumerate(models):
            for n, k in enumerate(linears):
                model[k].weight.copy_(params[2 * n][j].T)
                model[k].bias.copy_(params[2 * n + 1][j, 0])
    return torch.stack(history, dim=1).double()


def depth_run(
    shapes=(WIDE, DEEP),
    lr=DEPTH_RUN["lr"],
    steps=DEPTH_RUN["steps"],
    momentum=DEPTH_RUN["momentum"],
    seeds=DEPTH_RUN["seeds"],
):
    """Train each architecture from each seed on the sawtooth: {shape: (models, losses (seeds, steps+1))}."""
    x, y = make_sawtooth()
    out = {}
    for shape in shapes:
        models = [nl.make_network(shape, seed=s) for s in seeds]
        out[shape] = (
            models,
            train_many(models, x, y, lr=lr, steps=steps, momentum=momentum),
        )
    return out


def shape_name(shape):
    """1 → 8 → 8 → 1, for a tuple of widths."""
    return " → ".join(map(str, shape))


def depth_verdict(run, seeds=DEPTH_RUN["seeds"]):
    """Per seed, the final loss of each architecture; and how many seeds each one won."""
    (_, (_, lw)), (_, (_, ld)) = run.items()
    final_w, final_d = lw[:, -1], ld[:, -1]
    return {
        "wide": final_w,
        "deep": final_d,
        "wide wins": int((final_w < final_d).sum()),
        "deep wins": int((final_d < final_w).sum()),
        "seeds": list(seeds),
    }


def depth_results_table(run, seeds=DEPTH_RUN["seeds"]):
    """Return a Markdown table of the final loss of every run, one row per seed."""
    (wide, (mw, _)), (deep, (md, _)) = run.items()
    v = depth_verdict(run, seeds)
    header = (
        f"| seed | wide, {shape_name(wide)} ({count_parameters(mw[0])} parameters) | "
        f"deep, {shape_name(deep)} ({count_parameters(md[0])} parameters) | lower |"
    )
    rows = [header, "|---:|---:|---:|---|"]
    for i, seed in enumerate(seeds):
        w, d = v["wide"][i].item(), v["deep"][i].item()
        rows.append(
            f"| {seed} | {w:.4f} | {d:.4f} | {'wide' if w < d else 'deep' if d < w else 'tie'} |"
        )
    rows.append(f"| median | {v['wide'].median():.4f} | {v['deep'].median():.4f} | |")
    return "\n".join(rows)


# ---------------------------------------------------------------------------------------------
# Figures


def plot_activations(theme="light", lim=6.0):
    """Return a Figure: sigmoid, tanh and ReLU (solid) and their derivatives by autograd (dashed).

    ReLU's derivative jumps at 0, so it is drawn in two pieces, with a filled dot for the value
    PyTorch takes there, 0, and a hollow one where the piece for z > 0 ends.
    """
    z = torch.linspace(-lim, lim, 241, dtype=torch.float64)
    with render.themed(theme) as p:
        fig = render.new_figure(7.6, 2.9)
        axes = fig.subplots(1, 3, sharey=True)
        for ax, (name, f) in zip(axes, nl.ACTIVATIONS.items()):
            ax.axhline(0, color=p["muted"], lw=0.8)
            ax.axvline(0, color=p["muted"], lw=0.8)
            ax.plot(z, f(z), color=p["role"]["path"], label="the function")
            slope = nl.derivative(f, z)
            dashed = {"ls": "--", "color": p["role"]["second"]}
            if name != "ReLU":
                ax.plot(z, slope, **dashed, label="its derivative")
            else:  # two pieces, and a dot for each end at the jump
                for side in (z < 0, z > 0):
                    ax.plot(z[side], slope[side], **dashed)
                at0 = nl.derivative(f, torch.zeros(1, dtype=torch.float64)).item()
                dot = {"color": p["role"]["second"], "ms": 6, "mew": 1.6, "zorder": 4}
                ax.plot([0], [at0], "o", mfc=p["role"]["second"], **dot)
                ax.plot([0], [1 - at0], "o", mfc=p["bg"], **dot)
            ax.set_title(FORMULAS[name][0], fontsize=10)
            ax.set_xlabel("z")
            ax.set_xlim(-lim, lim)
        axes[0].set_ylim(-1.15, 1.6)
        axes[0].set_yticks([-1, 0, 1])
        fig.legend(
            *axes[0].get_legend_handles_labels(), loc="outside lower center", ncols=2
        )
    return fig


def animate_fit(x, y, grid, steps, curves, losses, line, theme="light"):
    """Return frames of the network's curve bending into the sine (left) as the loss falls (right)."""
    (slope, intercept), line_loss = line
    g = grid[:, 0].numpy()
    curves, losses = curves.numpy(), losses.numpy()
    with render.themed(theme) as p:
        fig = render.new_figure(7.6, 3.2)
        ax_fit, ax_loss = fig.subplots(1, 2, width_ratios=[1.25, 1])
        ax_fit.scatter(
            x[:, 0], y[:, 0], s=9, color=p["role"]["data"], alpha=0.8, zorder=2
        )
        ax_fit.plot(
            g,
            slope.item() * g + intercept.item(),
            "--",
            color=p["role"]["second"],
            lw=1.5,
            label="best straight line",
            zorder=3,
        )
        (curve,) = ax_fit.plot(
            [], [], color=p["role"]["path"], zorder=4, label="the network"
        )
        ax_fit.set_xlabel("x")
        ax_fit.set_ylabel("y")
        ax_fit.set_ylim(-1.75, 1.75)
        ax_fit.legend(loc="upper left", fontsize=9)
        # log10 of the loss on a plain axis, labelled 10⁻²: a log-scale axis is slow to lay out
        logs, line_log = torch.as_tensor(losses).log10().numpy(), math.log10(line_loss)
        ax_loss.axhline(line_log, ls="--", color=p["role"]["second"], lw=1.5)
        ax_loss.text(
            len(losses) - 1,
            line_log + 0.08,
            "best straight line",
            ha="right",
            va="bottom",
            fontsize=9,
            color=p["fg"],
        )
        ax_loss.plot(range(len(losses)), logs, color=p["grid"], lw=1.5)
        (trace,) = ax_loss.plot([], [], color=p["role"]["path"])
        (dot,) = ax_loss.plot([], [], "o", color=p["role"]["path"], ms=6)
        decades = range(
            math.floor(logs.min()), math.ceil(max(logs.max(), line_log)) + 1
        )
        ax_loss.set_yticks(
            list(decades), [numbers.power_of_ten(10.0**d) for d in decades]
        )
        ax_loss.set_ylim(decades[0], decades[-1])
        ax_loss.set_xlabel("step")
        ax_loss.set_ylabel("loss (log scale)")
        title = fig.suptitle(" ", fontfamily="monospace", fontsize=10)

        def update(i):
            t = steps[i]
            curve.set_data(g, curves[i])
            trace.set_data(range(t + 1), logs[: t + 1])
            dot.set_data([t], [logs[t]])
            title.set_text(f"step {t:3d}   loss {losses[t]:.4f}")

        frames = render.blit_frames(
            fig, [curve, trace, dot, title], update, range(len(steps))
        )
    return frames


def plot_pieces(model, x, y, theme="light", lo=-3.0, hi=3.0):
    """Return a Figure: each hidden unit's bent line (top) and their sum, the network's output (bottom)."""
    grid = torch.linspace(lo, hi, 601)[:, None]
    pieces = nl.hidden_pieces(model, grid).numpy()
    bias = model[2].bias.item()
    g = grid[:, 0].numpy()
    w = model[0].weight[:, 0].detach()
    at = kinks(model).tolist()
    inside = sorted(k for k in at if lo < k < hi)
    with torch.no_grad():
        bends = model(torch.tensor(inside)[:, None])[:, 0].numpy()
    with render.themed(theme) as p:
        fig = render.new_figure(7.2, 5.4)
        ax_units, ax_sum = fig.subplots(2, 1, sharex=True)
        for ax in (ax_units, ax_sum):
            for k in inside:
                ax.axvline(k, color=p["grid"], lw=1.0, zorder=0)
        colors = {True: p["role"]["second"], False: p["role"]["third"]}
        for j in range(pieces.shape[1]):
            right = bool(w[j] > 0)
            ax_units.plot(
                g,
                pieces[:, j],
                color=colors[right],
                lw=1.3,
                zorder=2,
                label="on to the right of its bend"
                if right
                else "on to the left of its bend",
            )
            if lo < at[j] < hi:
                ax_units.plot([at[j]], [0], "o", color=colors[right], ms=5, zorder=3)
        handles, labels = ax_units.get_legend_handles_labels()
        unique = dict(zip(labels, handles))
        fig.legend(
            unique.values(),
            unique.keys(),
            loc="outside upper center",
            ncols=2,
            fontsize=9,
        )
        ax_units.set_ylabel("each unit's share")
        ax_units.axhline(0, color=p["muted"], lw=0.8, zorder=1)
        ax_sum.scatter(
            x[:, 0],
            y[:, 0],
            s=9,
            color=p["role"]["data"],
            alpha=0.7,
            zorder=2,
            label="data",
        )
        ax_sum.plot(
            g,
            pieces.sum(axis=1) + bias,
            color=p["role"]["path"],
            zorder=3,
            label=f"sum of the {pieces.shape[1]} shares + bias: the network",
        )
        ax_sum.plot(inside, bends, "o", color=p["fg"], ms=4, zorder=4, label="a bend")
        ax_sum.set_ylim(-1.6, 1.6)
        ax_sum.set_xlabel("x")
        ax_sum.set_ylabel("y")
        ax_sum.set_xlim(lo, hi)
        ax_sum.legend(loc="upper left", fontsize=9)
    return fig


def plot_folds(depths=(1, 2, 3, 4), theme="light", gap=1.4):
    """Return a Figure: the output of 1, 2, 3, 4 tent blocks in a row on [0, 1], one above the other."""
    x = torch.linspace(0, 1, 2**8 + 1, dtype=torch.float64)[:, None]
    with render.themed(theme) as p:
        fig = render.new_figure(7.0, 3.6)
        ax = fig.add_subplot()
        for row, k in enumerate(depths):
            net = nl.sawtooth_network(k).double()
            base = (len(depths) - 1 - row) * gap
            with torch.no_grad():
                ax.plot(x[:, 0], net(x)[:, 0] + base, color=p["role"]["path"], lw=1.6)
            ax.text(
                1.03,
                base + 0.5,
                f"{k} block{'s' if k > 1 else ''}: {count_pieces(net)} pieces",
                va="center",
                fontsize=10,
            )
        ax.set_yticks([])
        ax.set_xticks([0, 0.5, 1], ["0", "½", "1"])
        ax.set_xlim(0, 1)
        ax.set_xlabel("x")
        ax.spines["left"].set_visible(False)
        ax.grid(False)
    return fig


def plot_depth_run(run, theme="light"):
    """Return a Figure: each run's fit of the sawtooth at the end, wide (left) and deep (right).

    The seeds' networks are one colour: on the wide side they overlap almost everywhere, and the
    point is how they spread, not which is which (the table under the figure names them).
    """
    x, y = make_sawtooth()
    with render.themed(theme) as p:
        fig = render.new_figure(7.6, 3.5)
        axes = fig.subplots(1, 2, sharey=True)
        for ax, (shape, (models, _losses)) in zip(axes, run.items()):
            ax.plot(
                x[:, 0],
                y[:, 0],
                color=p["role"]["answer"],
                lw=4.0,
                alpha=0.45,
                label="target",
            )
            for j, model in enumerate(models):
                with torch.no_grad():
                    ax.plot(
                        x[:, 0],
                        model(x)[:, 0],
                        color=p["role"]["path"],
                        lw=1.2,
                        alpha=0.8,
                        label=f"a trained network, one per seed ({len(models)})"
                        if j == 0
                        else None,
                    )
            kind = "wide" if len(shape) == 3 else "deep"
            ax.set_title(f"{kind}, {shape_name(shape)}", fontsize=10)
            ax.set_xlabel("x")
        axes[0].set_ylabel("y")
        axes[0].set_ylim(-1.35, 1.35)
        fig.legend(
            *axes[0].get_legend_handles_labels(),
            loc="outside lower center",
            ncols=2,
            fontsize=9,
        )
    return fig


# ---------------------------------------------------------------------------------------------
# Sentences and alt texts


def depth_summary(run, steps=DEPTH_RUN["steps"]):
    """Return the sentences that say who won the depth run, with its numbers, and what that means."""
    v = depth_verdict(run)
    n, w, d = len(v["seeds"]), v["wide wins"], v["deep wins"]
    mw, md = v["wide"].median().item(), v["deep"].median().item()
    text = (
        f"After {steps:,} steps the wide network's loss was the lower one on {w} of the {n} seeds, and "
        f"the deep network's on {d}. The median final loss was {mw:.3f} for the wide network and "
        f"{md:.3f} for the deep one; the wide network's losses ran from {v['wide'].min():.3f} to "
        f"{v['wide'].max():.3f}, the deep network's from {v['deep'].min():.3f} to {v['deep'].max():.3f}."
    )
    if w == n:
        return text + (
            " On this race, depth's advantage on paper did not become an advantage in "
            "training: with the same parameters, steps and seeds, gradient descent did better with width."
        )
    if d == n:
        return text + " On this race, the deep network came out ahead on every seed."
    return text + " On this race, neither architecture came out ahead on every seed."


def race_setup(
    shapes=(WIDE, DEEP),
    n=200,
    lr=DEPTH_RUN["lr"],
    steps=DEPTH_RUN["steps"],
    momentum=DEPTH_RUN["momentum"],
    seeds=DEPTH_RUN["seeds"],
):
    """Return the paragraph that sets out the depth race, with its settings and parameter counts."""
    x, y = make_sawtooth(n, dtype=torch.float64)
    (wide, deep), pieces = shapes, 2**TEETH_DEPTH
    counts = [count_parameters(nl.make_network(shape)) for shape in shapes]
    both = (
        f"exactly {counts[0]}"
        if counts[0] == counts[1]
        else f"{counts[0]} and {counts[1]}"
    )
    with torch.no_grad():
        exact = max(
            (exact_sawtooth_network(shape)(x) - y).abs().max().item()
            for shape in shapes
        )
    return (
        f"The target is the sawtooth of {TEETH_DEPTH} tent blocks, stretched over the $x$ of the sine, "
        f"$[-3, 3]$, and scaled to run from $-1$ to $1$: {pieces // 2} teeth, {pieces} pieces, sampled at "
        f"{len(x)} points. One network is wide, {shape_name(wide)}; the other is deep, {shape_name(deep)}. "
        f"Both have {both} parameters, and both can draw the target exactly: {pieces} ReLU units suffice, "
        f"one for the first slope and one per bend, and each network has at least {pieces} in its first "
        f"hidden layer (set by hand that way, both match the target to within {numbers.sci(exact)}). "
        f"Each trains from the same {len(seeds)} seeds, seeds {seeds[0]} to {seeds[-1]}, on the same points, "
        f"with the same settings: learning rate {lr}, momentum {momentum}, {steps:,} steps."
    )


def activations_alt():
    """Alt text for the activations figure, with slopes computed by autograd."""
    at = {
        name: nl.derivative(f, torch.tensor([0.0, 6.0], dtype=torch.float64)).tolist()
        for name, f in nl.ACTIVATIONS.items()
    }
    return (
        f"Three panels for z from −6 to 6. Sigmoid rises from 0 to 1; its derivative peaks at "
        f"{at['sigmoid'][0]:.2f} at z = 0 and is {at['sigmoid'][1]:.4f} at z = 6. Tanh rises from −1 to 1; "
        f"its derivative peaks at {at['tanh'][0]:.0f} and is {at['tanh'][1]:.5f} at z = 6. ReLU is 0 for "
        f"negative z and z itself for positive z; its derivative is two flat pieces, 0 for negative z and "
        f"{at['ReLU'][1]:.0f} for positive z, with a filled dot at (0, {at['ReLU'][0]:.0f}), the value "
        f"PyTorch takes at z = 0, and a hollow one at (0, 1)."
    )


def fit_alt(steps, losses, line_loss):
    """Alt text for the animation of the network's fit."""
    return (
        f"Animation of {len(steps)} frames over {steps[-1]} steps: the network's curve starts as a "
        f"gently bent line with loss {losses[0]:.3f}, bends towards the trough and the crest of the sine, "
        f"and ends on the points with loss {losses[-1]:.4f}, while the best straight line stays at "
        f"{line_loss:.3f}."
    )


def fit_report(x, y, losses):
    """The sentences after the animation: the network's loss against the line's and the noise's."""
    line = least_squares_line(x, y)[1]
    noise = mse(torch.sin(x), y).item()
    return (
        f"After {len(losses) - 1} steps the network's loss is {losses[-1]:.4f}, {line / losses[-1]:.0f} "
        f"times lower than the best straight line's {line:.4f}. How low could it go? The sine itself, "
        f"with no error at all, scores {noise:.4f} on these points, because that is the noise; the "
        f"network is within {losses[-1] / noise - 1:.0%} of it."
    )


def stack_report(stack, x, y, losses):
    """The sentences after training a stack of linear layers: its loss and its line against least squares."""
    (slope, intercept), best = least_squares_line(x, y)
    one, loss = nl.collapse(stack), losses[-1].item()
    return (
        f"After {len(losses) - 1} steps its loss is {loss:.5f}; the least-squares line's is {best:.5f}, "
        f"a difference of {numbers.sci(abs(loss - best))}. Merged into one layer with `collapse` "
        "(which merges first to last; exercise 1 writes it), the stack is the line $y = "
        f"{one.weight.item():.3f} x + {one.bias.item():.3f}$, and the least-squares line is $y = "
        f"{slope:.3f} x + {intercept:.3f}$: {count_parameters(stack)} parameters, and still one "
        "straight line."
    )


def pieces_report(model, x):
    """The sentences after the figure of bent lines: the sum checked, and the units counted."""
    c = unit_census(model)
    with torch.no_grad():
        gap = (
            (nl.hidden_pieces(model, x).sum(dim=1) + model[2].bias - model(x)[:, 0])
            .abs()
            .max()
            .item()
        )
    return (
        f"The {c['units']} pieces plus the bias add up to the network's output to within "
        f"{numbers.sci(gap)}, float32's rounding. Of the {c['units']} units, {c['bend inside']} bend "
        f"inside $[-3, 3]$, where the data is. {c['straight throughout']} "
        f"bend{'s' if c['straight throughout'] == 1 else ''} outside it and "
        f"{'is' if c['straight throughout'] == 1 else 'are'} straight across all the data, and "
        f"{c['zero throughout']} {'is' if c['zero throughout'] == 1 else 'are'} zero for every input in "
        "$[-3, 3]$: switched off everywhere, "
        f"{'it passes' if c['zero throughout'] == 1 else 'they pass'} back no gradient and "
        f"take{'s' if c['zero throughout'] == 1 else ''} no part."
    )


def pieces_alt(census):
    """Alt text for the figure of the hidden units' bent lines."""
    return (
        f"Top: the {census['units']} hidden units of the trained network, each a straight line that is "
        f"flat zero on one side of its bend; {census['bend inside']} of them bend inside the data's range. "
        f"Bottom: their sum plus the bias, a curve of straight pieces through the sine's points, bending "
        f"at the same {census['bend inside']} places."
    )


def depth_alt(run):
    """Alt text for the depth figure, with the run's numbers."""
    v = depth_verdict(run)
    (wide, _), (deep, _) = run.items()
    return (
        f"Two panels with the four-tooth sawtooth target and the fits of {len(v['seeds'])} seeds. "
        f"Left, the wide {shape_name(wide)} network: final losses {v['wide'].min():.3f} to "
        f"{v['wide'].max():.3f}. Right, the deep {shape_name(deep)} network: final losses "
        f"{v['deep'].min():.3f} to {v['deep'].max():.3f}."
    )
