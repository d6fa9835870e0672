"""The drawing of the Adaptive step sizes page: its settings, the runs behind its figures (the race
on the badly scaled line, Adam's state, the digits network), the race animation, the state and
digits figures, and the tables and sentences the page prints.

Tested in tests/test_adaptive_step_sizes.py (with the lesson it draws).
"""

import math

import torch

from snippets import adaptive_step_sizes as ad
from snippets import learning_rate as lr_mod
from snippets.drawing import numbers, render
from snippets.drawing.line_problem import draw_contours, least_squares
from snippets.drawing.tables import refusals

SCALE = 10.0  # the slope's input is multiplied by this
A0 = (-1.0, 1.0)  # the start of Learning rate
MU = 0.9  # momentum's
# the race: each optimizer at the best learning rate of GRID after STEPS steps (the tests run
# the grid and check that each of these is its best)
STEPS = 40
GRID = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0)
OPTIMIZERS = {  # name: (class, fixed settings, learning rate)
    "SGD": (torch.optim.SGD, {}, 0.02),
    "momentum": (torch.optim.SGD, {"momentum": MU}, 0.002),
    "AdaGrad": (ad.AdaGrad, {}, 1.0),
    "RMSprop": (ad.RMSprop, {}, 0.1),
    "Adam": (ad.Adam, {}, 0.1),
}
# the torch.optim comparison: every optimizer, several settings, EQUAL_STEPS steps
EQUAL_STEPS = 200
EQUAL = {
    "AdaGrad": (
        ad.AdaGrad,
        torch.optim.Adagrad,
        [{"lr": 0.1}, {"lr": 0.5, "eps": 1e-6}, {"lr": 0.1, "weight_decay": 0.1}],
    ),
    "RMSprop": (
        ad.RMSprop,
        torch.optim.RMSprop,
        [
            {"lr": 0.003},
            {"lr": 0.001, "alpha": 0.9},
            {"lr": 0.003, "weight_decay": 0.1},
        ],
    ),
    "Adam": (
        ad.Adam,
        torch.optim.Adam,
        [
            {"lr": 0.05},
            {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-6},
            {"lr": 0.05, "weight_decay": 0.1},
        ],
    ),
    "AdamW": (
        ad.AdamW,
        torch.optim.AdamW,
        [
            {"lr": 0.05},
            {"lr": 0.05, "weight_decay": 0.1},
            {"lr": 0.01, "weight_decay": 1.0},
        ],
    ),
}
BOUND = {"scales": (1e-6, 1e-3, 1.0, 1e3, 1e6), "steps": 200, "lr": 0.01, "seed": 0}
DECAY = {
    "lr": 0.01,
    "steps": 100,
    "decays": (0.01, 0.1, 1.0),
    "noise": 100.0,
    "seed": 0,
}
DIGITS = {
    "epochs": 10,
    "held_out": 360,
    "runs": (
        ("momentum", 0.01),
        ("momentum", 0.1),
        ("Adam", 0.001),
        ("Adam", 0.01),
    ),
}


def problem():
    """The page's badly scaled line: x, y, its loss f, and the best a and its loss."""
    x, y = ad.scaled_line(SCALE)
    best, floor = least_squares(x, y)
    return x, y, ad.line_loss(x, y), best, floor


def final_loss(f, path):
    """The loss at the end of a path; inf where the run blew up."""
    value = f(path[-1]).item()
    return value if math.isfinite(value) else math.inf


def race_run(name, lr=None, steps=STEPS):
    """The path of optimizer `name` of the race, at learning rate lr (by default, the race's)."""
    optimizer, fixed, chosen = OPTIMIZERS[name]
    f = problem()[2]
    return ad.optimize(
        f, A0, optimizer, steps, lr=chosen if lr is None else lr, **fixed
    )


def race_runs():
    """For each optimizer, (its learning rate, its path): the race of the animation."""
    return {name: (OPTIMIZERS[name][2], race_run(name)) for name in OPTIMIZERS}


def race_table(runs):
    """A Markdown table of each optimizer's learning rate and its loss above the minimum."""
    _, _, f, _, floor = problem()
    rows = [
        f"| optimizer | best learning rate of the grid | loss above the minimum after {STEPS} steps |",
        "|---|---:|---:|",
    ]
    for name, (lr, path) in runs.items():
        rows.append(f"| {name} | {lr:g} | {numbers.sci(final_loss(f, path) - floor)} |")
    return "\n".join(rows)


def scale_sentence():
    """The curvatures of the scaled line, its condition number and SGD's cliff, against the plain one."""
    x, *_ = problem()
    x1, _ = ad.scaled_line(1.0)
    (h_min, h_max), (h1_min, h1_max) = lr_mod.curvatures(x), lr_mod.curvatures(x1)
    return (
        f"Multiplying the input by {SCALE:g} multiplies the slope's gradient by {SCALE:g} and its "
        f"curvature by {SCALE**2:g}: the curvatures of the loss go from {h1_min:.2f} and "
        f"{h1_max:.2f} to {h_min:.2f} and {h_max:.1f}, the condition number from "
        f"{lr_mod.condition_number(x1):.1f} to {lr_mod.condition_number(x):.1f}, and the cliff "
        f"$2 / h_{{\\max}}$ from {lr_mod.cliff(x1):.2f} to {lr_mod.cliff(x):.4f}. Every learning "
        f"rate above that cliff diverges, so the direction of the smallest curvature, which "
        f"would allow a step {h_max / h_min:.0f} times larger, has to crawl too."
    )


def race_alt(runs):
    """The animation's alt text, from its runs."""
    *_, f, best, floor = problem()
    parts = [
        f"{name} at learning rate {lr:g} ends {numbers.sci(final_loss(f, path) - floor)} above it"
        for name, (lr, path) in runs.items()
    ]
    return (
        f"Two contour plots of the loss of the line with its input scaled by {SCALE:g}, over "
        f"{STEPS} steps from a = {numbers.vec(A0, 1)}: on the left plain SGD and momentum, on the "
        f"right AdaGrad, RMSprop and Adam, each drawing its path towards the minimum at "
        f"{numbers.vec(best, 2)}. " + "; ".join(parts) + "."
    )


RACE_STYLE = {  # (panel, role, line style)
    "SGD": (0, "third", "-"),
    "momentum": (0, "second", "-"),
    "AdaGrad": (1, "third", "--"),
    "RMSprop": (1, "second", "-"),
    "Adam": (1, "path", "-"),
}


def animate_race(runs, theme="light"):
    """Return frames of the race: one learning rate (left) and one per parameter (right)."""
    x, y, _, best, _ = problem()
    # drawn in this order, each over the ones before: AdaGrad's dashes over the paths it shares
    order = ("SGD", "momentum", "Adam", "RMSprop", "AdaGrad")
    paths = {name: runs[name][1].numpy() for name in order}
    with render.themed(theme) as p:
        fig = render.new_figure(7.6, 3.9)
        axes = fig.subplots(1, 2, sharey=True)
        trails, balls = [], []
        for k, ax in enumerate(axes):
            draw_contours(ax, x, y, (-1.3, 1.3), (0.6, 3.2), p)
            ax.plot(
                *best.tolist(),
                "*",
                color=p["role"]["answer"],
                ms=12,
                mec=p["fg"],
                zorder=5,
            )
            ax.plot(*A0, "s", color=p["fg"], ms=6, zorder=5)
            ax.set_title(("one learning rate", "a step size per parameter")[k])
        axes[1].set_ylabel("")
        for name in paths:
            panel, role, ls = RACE_STYLE[name]
            color = p["role"][role]
            label = f"{name}, η = {runs[name][0]:g}"
            trails += axes[panel].plot(
                [],
                [],
                ls,
                color=color,
                lw=2.4 if ls == "--" else 1.6,
                zorder=3.5
                if ls == "--"
                else 3,  # dashed on top: it shares its first step
                label=label,
            )
            balls += axes[panel].plot(
                [], [], "o", color=color, ms=6, mec=p["fg"], zorder=4
            )
        for ax in axes:
            ax.legend(loc="upper left", fontsize=8.5)
        title = fig.suptitle(" ", fontfamily="monospace", fontsize=10)
        names = list(paths)

        def update(t):
            for trail, ball, name in zip(trails, balls, names):
                path = paths[name]
                trail.set_data(path[: t + 1, 0], path[: t + 1, 1])
                ball.set_data(path[t : t + 1, 0], path[t : t + 1, 1])
            title.set_text(f"step {t:2d} of {STEPS}")

        frames = render.blit_frames(
            fig, [*trails, *balls, title], update, range(STEPS + 1)
        )
    return frames


# ---------------------------------------------------------------------------------------------
# torch.optim, side by side


def equality_run(seed=0, n=32):
    """A seeded least-squares problem with two parameter tensors, for the torch.optim comparison:
    its loss, and a function that makes a fresh copy of the start (w, b)."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 3, generator=g, dtype=torch.float64) * torch.tensor(
        [1.0, 10.0, 0.1], dtype=torch.float64
    )  # three scales of input
    y = torch.randn(n, generator=g, dtype=torch.float64)
    w0 = torch.randn(3, generator=g, dtype=torch.float64)

    def loss(w, b):
        return ((x @ w + b - y) ** 2).mean()

    def start():
        return [
            w0.clone().requires_grad_(),
            torch.zeros((), dtype=torch.float64, requires_grad=True),
        ]

    return loss, start


def side_by_side(ours, theirs, settings, steps=EQUAL_STEPS, seed=0):
    """Run our optimizer and torch.optim's on the same problem; return the largest relative gap
    between their parameters over all the steps."""
    loss, start = equality_run(seed)
    mine, reference = start(), start()
    opt_a, opt_b = ours(mine, **settings), theirs(reference, **settings)
    gap = 0.0
    for _ in range(steps):
        for opt, params in ((opt_a, mine), (opt_b, reference)):
            opt.zero_grad()
            loss(*params).backward()
            opt.step()
        for a, b in zip(mine, reference):
            # relative to the parameter's size (an entry crossing zero has no relative error)
            rel = ((a - b).abs().max() / b.abs().max()).item()
            gap = max(gap, rel)
    return gap


def equality_table():
    """A Markdown table: each optimizer and setting, and its largest relative gap to torch.optim."""
    rows = [
        f"| ours | torch.optim | settings | largest relative difference over {EQUAL_STEPS} steps |",
        "|---|---|---|---:|",
    ]
    for name, (ours, theirs, settings) in EQUAL.items():
        for s in settings:
            shown = ", ".join(f"{k}={v}" for k, v in s.items())
            gap = side_by_side(ours, theirs, s)
            rows.append(
                f"| `{name}` | `{theirs.__name__}` | `{shown}` | {numbers.sci(gap) if gap else '0'} |"
            )
    return "\n".join(rows)


# ---------------------------------------------------------------------------------------------
# Adam's state


def state_run(lr=None, steps=STEPS, betas=(0.9, 0.999)):
    """Adam on the scaled line: per step, m, v, their corrected values and the step sizes, as
    tensors of shape (steps, 2). lr defaults to the race's."""
    f = problem()[2]
    lr = lr if lr is not None else OPTIMIZERS["Adam"][2]
    a = torch.tensor(A0, dtype=torch.float64, requires_grad=True)
    opt = ad.Adam([a], lr=lr, betas=betas)
    rows = {k: [] for k in ("m", "v", "m_hat", "v_hat", "size")}
    for _ in range(steps):
        opt.zero_grad()
        f(a).backward()
        opt.step()
        t, (m,), (v,) = opt.t, opt.m, opt.v
        rows["m"].append(m.clone())
        rows["v"].append(v.clone())
        rows["m_hat"].append(m / (1 - betas[0] ** t))
        rows["v_hat"].append(v / (1 - betas[1] ** t))
        rows["size"].append(lr / (rows["v_hat"][-1].sqrt() + opt.eps))
    return lr, {k: torch.stack(v) for k, v in rows.items()}


def plot_state(lr, state, theme="light"):
    """Return a Figure: Adam's m, sqrt(v) (raw and bias-corrected) and step size per parameter."""
    steps = range(1, len(state["m"]) + 1)
    names = ("slope a₁", "intercept a₂")
    with render.themed(theme) as p:
        fig = render.new_figure(6.4, 7.4)
        ax_m, ax_v, ax_s = fig.subplots(3, 1, sharex=True)
        for k, (name, role) in enumerate(zip(names, ("path", "second"))):
            color = p["role"][role]
            ax_m.plot(
                steps,
                state["m_hat"][:, k],
                "-",
                color=color,
                label=f"{name}, corrected",
            )
            ax_m.plot(
                steps, state["m"][:, k], ":", color=color, lw=1.6, label=f"{name}, raw"
            )
            ax_v.plot(steps, state["v_hat"][:, k].sqrt(), "-", color=color)
            ax_v.plot(steps, state["v"][:, k].sqrt(), ":", color=color, lw=1.6)
            ax_s.plot(steps, state["size"][:, k], "-", color=color)
        ax_s.axhline(lr, color=p["muted"], ls="--", lw=1.2)
        ax_s.annotate(
            f"η = {lr:g}",
            (1, lr),
            xytext=(4, -13),
            textcoords="offset points",
            ha="left",
            color=p["fg"],
            fontsize=9,
        )
        low = state["size"].min().item()
        ax_s.set_ylim(
            10 ** math.floor(math.log10(low)), None
        )  # a labelled power of ten below
        ax_m.axhline(0, color=p["muted"], lw=0.8)
        ax_m.set_ylabel("m: average of g")
        ax_v.set_ylabel("√v: root average of g²")
        ax_s.set_ylabel("η / (√v̂ + ε)")
        for ax in (ax_v, ax_s):
            ax.set_yscale("log")
        ax_s.set_xlabel("step t")
        ax_s.set_xlim(1, len(steps))
        fig.legend(
            *ax_m.get_legend_handles_labels(),
            loc="outside lower center",
            ncols=2,
            fontsize=9,
        )
    return fig


def state_alt(lr, state):
    """The state figure's alt text, with its numbers."""
    size, m, m_hat = state["size"], state["m"], state["m_hat"]
    return (
        f"Three plots against the step, for Adam with learning rate {lr:g} on the scaled line. Top: "
        f"after the first step the raw average m of the slope's gradient is "
        f"{numbers.minus(f'{m[0, 0]:.2f}')}, a tenth of the corrected "
        f"{numbers.minus(f'{m_hat[0, 0]:.1f}')}. Middle: the raw root of v starts far below the "
        f"corrected one. Bottom: the slope's step size starts at {size[0, 0]:.2g} and the "
        f"intercept's at {size[0, 1]:.2g}; by step {len(size)} they are {size[-1, 0]:.2g} and "
        f"{size[-1, 1]:.2g}."
    )


def state_sentence(lr, state, betas=(0.9, 0.999), within=0.05):
    """How far the raw averages are from the corrected ones: m at the first step and when it
    comes within `within`, v at the last step."""
    ratio_m = (state["m"][:, 0] / state["m_hat"][:, 0]).tolist()
    caught = next(t for t, r in enumerate(ratio_m, 1) if r > 1 - within)
    ratio_v = (state["v"][-1, 0] / state["v_hat"][-1, 0]).item()
    return (
        f"Without the correction, $m$ starts at {ratio_m[0]:.2f} of its corrected value, "
        f"$1 - \\beta_1$, and is within {within:.0%} of it from step {caught} on: with "
        f"$\\beta_1 = {betas[0]}$ it forgets its start at zero fast. $v$ does not: after "
        f"{len(ratio_m)} steps it is still {ratio_v:.3f} of its corrected value, "
        f"$1 - \\beta_2^{{{len(ratio_m)}}}$, because with $\\beta_2 = {betas[1]}$ it remembers "
        f"about {1 / (1 - betas[1]):.0f} steps, and its start among them."
    )


def bias_factor(t, betas=(0.9, 0.999)):
    """(1 - beta1^t) / sqrt(1 - beta2^t): an uncorrected step over a corrected one, for a steady g."""
    beta1, beta2 = betas
    return (1 - beta1**t) / math.sqrt(1 - beta2**t)


def measured_bias_factor(t, betas=(0.9, 0.999), lr=0.01, g=1.0):
    """On f(p) = g p (a steady gradient g), the t-th step of Adam without bias correction over
    the t-th step with it, measured on two runs."""
    f = lambda p: g * p  # noqa: E731
    moves = []
    for corrected in (False, True):
        path = ad.optimize(
            f, 0.0, ad.Adam, t, lr=lr, betas=betas, bias_correction=corrected
        )
        moves.append((path[-2] - path[-1]).abs().item())
    return moves[0] / moves[1]


def bias_table(ts=(1, 2, 5, 10, 30, 100, 1000), betas=(0.9, 0.999)):
    """A Markdown table of the factor: formula, and measured on runs."""
    rows = [
        "| step t | $(1 - \\beta_1^t) / \\sqrt{1 - \\beta_2^t}$ | measured: step without / with correction |",
        "|---:|---:|---:|",
    ]
    for t in ts:
        rows.append(
            f"| {t} | {bias_factor(t, betas):.3f} | {measured_bias_factor(t, betas):.3f} |"
        )
    return "\n".join(rows)


def bias_sentence(betas=(0.9, 0.999)):
    """Where the factor peaks and when it comes within 10% of 1, from the formula."""
    factors = [bias_factor(t, betas) for t in range(1, 5001)]
    peak = max(range(len(factors)), key=factors.__getitem__)
    near = next(t for t in range(1, 5001) if bias_factor(t, betas) < 1.1)
    small = (0.9, 0.9)
    return (
        f"With the default betas {betas}, the factor is {factors[0]:.2f} at the first step: "
        f"without correction the first steps are too *large*, not too small, because $v$ starts "
        f"further from its target (it keeps {betas[1]} of its past) than $m$ does. It peaks at "
        f"{factors[peak]:.2f} at step {peak + 1} and comes within 10% of 1 only at step {near}. "
        f"With betas {small}, it is {bias_factor(1, small):.2f} at the first step: then the "
        f"uncorrected steps are the smaller ones."
    )


# ---------------------------------------------------------------------------------------------
# The step is bounded by about lr


def noisy_gradients(scale, steps, seed=0, size=50):
    """A seeded sequence of gradients of one size: scale * (1 + noise), `size` numbers each."""
    g = torch.Generator().manual_seed(seed)
    return scale * (1 + torch.randn(steps, size, generator=g, dtype=torch.float64))


def largest_steps(scale, steps=BOUND["steps"], lr=BOUND["lr"], seed=BOUND["seed"]):
    """Feed the same gradients, times `scale`, to Adam and to SGD; return the largest step of
    each over all the steps and numbers, divided by lr."""
    grads = noisy_gradients(scale, steps, seed)
    out = []
    for optimizer in (ad.Adam, torch.optim.SGD):
        p = torch.zeros(grads.shape[1], dtype=torch.float64, requires_grad=True)
        opt = optimizer([p], lr=lr)
        largest = 0.0
        for g in grads:
            before = p.detach().clone()
            p.grad = g.clone()
            opt.step()
            largest = max(largest, (p.detach() - before).abs().max().item())
        out.append(largest / lr)
    return out


def worst_case(betas=(0.9, 0.999), t=1000):
    """Adam's step after t - 1 steps of zero gradient and then one of g, over lr: measured on a
    run, and the formula (1 - beta1) / sqrt(1 - beta2) * sqrt(1 - beta2^t) / (1 - beta1^t)."""
    beta1, beta2 = betas
    p = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = ad.Adam([p], lr=BOUND["lr"], betas=betas)
    for k in range(t):
        p.grad = torch.full((1,), 1.0 if k == t - 1 else 0.0, dtype=torch.float64)
        before = p.detach().clone()
        opt.step()
    measured = (p.detach() - before).abs().item() / BOUND["lr"]
    formula = (
        (1 - beta1) / math.sqrt(1 - beta2) * math.sqrt(1 - beta2**t) / (1 - beta1**t)
    )
    return measured, formula, (1 - beta1) / math.sqrt(1 - beta2)


def bound_sentence():
    """What the bound table shows, and the worst case, in numbers from the runs."""
    rows = [largest_steps(scale) for scale in BOUND["scales"]]
    adam = [r[0] for r in rows]
    measured, formula, limit = worst_case()
    low, high = BOUND["scales"][0], BOUND["scales"][-1]
    return (
        f"SGD's largest step grows with the scale, by a factor of "
        f"{numbers.sci(rows[-1][1] / rows[0][1], 0)} from {numbers.sci(low, 0)} to "
        f"{numbers.sci(high, 0)}. Adam's stays between {min(adam):.4f} η and {max(adam):.4f} η. "
        f"A gradient of 1 after 999 steps of zero gradient gives a step of {measured:.3f} η "
        f"(the formula says {formula:.3f}), and the limit for a longer calm is "
        f"$(1 - \\beta_1) / \\sqrt{{1 - \\beta_2}} = {limit:.3f}$ η."
    )


def bound_table():
    """A Markdown table: gradient scale, Adam's largest step and SGD's, in units of lr."""
    rows = [
        "| gradient scale | Adam's largest step ÷ η | SGD's largest step ÷ η |",
        "|---:|---:|---:|",
    ]
    for scale in BOUND["scales"]:
        adam, sgd = largest_steps(scale)
        rows.append(f"| {numbers.sci(scale, 0)} | {adam:.4f} | {numbers.sci(sgd)} |")
    return "\n".join(rows)


# ---------------------------------------------------------------------------------------------
# AdamW against L2 inside Adam


def decay_runs(
    decay, noise=0.0, lr=DECAY["lr"], steps=DECAY["steps"], seed=DECAY["seed"]
):
    """A weight w = 1 whose loss gradient is `noise` * a seeded random sign (0: no gradient),
    decayed by Adam with L2 and by AdamW; return w after `steps` steps for each."""
    g = torch.Generator().manual_seed(seed)
    grads = noise * torch.randn(steps, generator=g, dtype=torch.float64)
    out = []
    for optimizer in (ad.Adam, ad.AdamW):
        w = torch.ones((), dtype=torch.float64, requires_grad=True)
        opt = optimizer([w], lr=lr, weight_decay=decay)
        for grad in grads:
            w.grad = grad.clone()
            opt.step()
        out.append(w.item())
    return out


def decay_table():
    """A Markdown table of the weight with no loss gradient after DECAY's steps, both ways."""
    lr, steps = DECAY["lr"], DECAY["steps"]
    rows = [
        f"| weight_decay | L2 inside `Adam` | `AdamW` | $(1 - \\eta \\lambda)^{{{steps}}}$ |",
        "|---:|---:|---:|---:|",
    ]
    for decay in DECAY["decays"]:
        l2, w = decay_runs(decay)
        rows.append(
            f"| {decay:g} | {numbers.minus(f'{l2:.4f}')} | {w:.4f} | {(1 - lr * decay) ** steps:.4f} |"
        )
    return "\n".join(rows)


def noisy_decay_sentence():
    """How much each decay moves a weight whose gradient is large noise, against no decay."""
    decay, noise = DECAY["decays"][-1], DECAY["noise"]
    (free_l2, free_w), (l2, w) = decay_runs(0.0, noise), decay_runs(decay, noise)
    return (
        f"Give the weight a loss gradient of noise of size {noise:g} instead, and weight decay "
        f"{decay:g}. Against the same run without decay, after {DECAY['steps']} steps AdamW has "
        f"moved the weight by {abs(w - free_w):.3f} towards zero, close to the "
        f"{1 - (1 - DECAY['lr'] * decay) ** DECAY['steps']:.3f} of its decay alone, and L2 inside "
        f"Adam by {numbers.sci(abs(l2 - free_l2))}: a gradient of {decay:g} × w next to one of "
        f"size {noise:g} is lost when Adam divides by the root of their squares."
    )


# ---------------------------------------------------------------------------------------------
# The digits network


def digits_data():
    """scikit-learn's 8x8 digits, pixels scaled to 0..1, split by a seeded shuffle: train, held out."""
    from sklearn.datasets import load_digits  # imported here: it takes half a second

    digits = load_digits()
    x = torch.tensor(digits.data, dtype=torch.float32) / 16
    y = torch.tensor(digits.target, dtype=torch.long)
    order = torch.randperm(len(y), generator=torch.Generator().manual_seed(0))
    train, held = order[DIGITS["held_out"] :], order[: DIGITS["held_out"]]
    return x[train], y[train], x[held], y[held]


DIGIT_OPTIMIZERS = {
    "momentum": (torch.optim.SGD, {"momentum": MU}),
    "Adam": (ad.Adam, {}),
}


def digits_runs():
    """Each of DIGITS' runs: its losses per epoch, and its accuracy on the held-out digits."""
    x, y, x_held, y_held = digits_data()
    runs = {}
    for name, lr in DIGITS["runs"]:
        optimizer, fixed = DIGIT_OPTIMIZERS[name]
        net, losses = ad.train_digits(
            x, y, optimizer, epochs=DIGITS["epochs"], lr=lr, **fixed
        )
        with torch.no_grad():
            accuracy = (net(x_held).argmax(dim=1) == y_held).double().mean().item()
        runs[name, lr] = (losses, accuracy)
    return runs


def digits_label(name, lr):
    return (
        f"SGD, momentum {MU}, η = {lr:g}" if name == "momentum" else f"Adam, η = {lr:g}"
    )


def plot_digits(runs, theme="light"):
    """Return a Figure: the training loss per epoch of each digits run, log scale."""
    styles = {
        ("momentum", 0.01): ("second", ":"),
        ("momentum", 0.1): ("second", "-"),
        ("Adam", 0.001): ("path", ":"),
        ("Adam", 0.01): ("path", "-"),
    }
    with render.themed(theme) as p:
        fig = render.new_figure(6.4, 4.2)
        ax = fig.add_subplot()
        for key, (losses, accuracy) in runs.items():
            role, ls = styles[key]
            ax.plot(
                range(1, len(losses) + 1),
                losses,
                ls,
                marker="o",
                ms=4,
                color=p["role"][role],
                label=f"{digits_label(*key)}: {accuracy:.1%} held out",
            )
        ax.set_yscale("log")
        ax.set_xlabel("epoch")
        ax.set_ylabel("training loss (cross-entropy)")
        ax.set_xlim(1, DIGITS["epochs"])
        fig.legend(loc="outside lower center", ncols=1, fontsize=9)
    return fig


def digits_alt(runs):
    parts = [
        f"{digits_label(*key)} ends at loss {losses[-1]:.3f} and {accuracy:.1%} of the held-out digits right"
        for key, (losses, accuracy) in runs.items()
    ]
    return (
        f"Log-scale plot of the training loss over {DIGITS['epochs']} epochs for four runs: "
        + "; ".join(parts)
        + "."
    )


def digits_sentence(runs):
    """The digits runs compared: the small learning rates crawl, the larger ones train well."""
    (m_slow, m_fast, a_slow, a_fast) = DIGITS["runs"]
    (s1, s2, a1, a2) = (runs[key] for key in DIGITS["runs"])
    return (
        f"At their small learning rates both crawl: after {DIGITS['epochs']} epochs momentum at "
        f"{m_slow[1]:g} is at loss {s1[0][-1]:.3f} and Adam at its default {a_slow[1]:g} at "
        f"{a1[0][-1]:.3f}. At {m_fast[1]:g} and {a_fast[1]:g}, both train well: momentum "
        f"reaches {s2[0][-1]:.3f} and {s2[1]:.1%} of the {DIGITS['held_out']} held-out digits, "
        f"Adam {a2[0][-1]:.3f} and {a2[1]:.1%}. On this network, whose pixels are already scaled "
        f"to 0..1, Adam is not a large win over tuned momentum; what it buys is a learning rate "
        f"that means a step size, whatever the gradients' scale."
    )


# ---------------------------------------------------------------------------------------------
# When the input is wrong


def settings_sentence(part):
    """The settings of one of the page's runs, from this module's own constants."""
    grid = ", ".join(f"{lr:g}" for lr in GRID[:4]) + f", …, {GRID[-1]:g}"
    sentences = {
        "equal": (
            f"Each of our optimizers against its `torch.optim` twin, {EQUAL_STEPS} steps in "
            f"float64 on a small seeded least-squares problem with two parameter tensors and "
            f"inputs on three scales, with several settings each, weight decay among them:"
        ),
        "bound": (
            f"Here the same seeded gradients, of mean 1 and spread 1, "
            f"{noisy_gradients(1.0, 1).shape[1]} numbers of them for {BOUND['steps']} steps, "
            f"are fed to Adam and to plain SGD at the same learning rate, "
            f"$\\eta = {BOUND['lr']:g}$, multiplied by scales from "
            f"{numbers.sci(BOUND['scales'][0], 0)} to {numbers.sci(BOUND['scales'][-1], 0)}:"
        ),
        "race": (
            f"Now the five ways on the scaled line, {STEPS} steps each from the start of "
            f"Learning rate, $a = ({A0[0]:g}, {A0[1]:g})$. Each runs at the learning rate of the "
            f"grid {grid} that gives it the lowest loss after {STEPS} steps (the tests run the "
            f"grid), and momentum with $\\mu = {MU}$."
        ),
        "decay": (
            f"A weight $w = 1$ with no loss gradient at all, $\\eta = {DECAY['lr']:g}$, "
            f"{DECAY['steps']} steps, {len(DECAY['decays'])} weight decays:"
        ),
        "digits": (
            f"We hold {DIGITS['held_out']} digits back, chosen by a seeded shuffle, to see how "
            f"many the trained network gets right, and train for {DIGITS['epochs']} epochs."
        ),
    }
    return sentences[part]


def error_table():
    """What the checks say about a few wrong calls, run by the build."""
    a = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    return refusals(
        [
            ("Adam([a], lr=0)", lambda: ad.Adam([a], lr=0)),
            ("Adam([a], betas=(0.9, 1.0))", lambda: ad.Adam([a], betas=(0.9, 1.0))),
            ("Adam([a], eps=-1e-8)", lambda: ad.Adam([a], eps=-1e-8)),
            ("AdamW(a, lr=0.01)", lambda: ad.AdamW(a, lr=0.01)),
            ("RMSprop([a.detach()])", lambda: ad.RMSprop([a.detach()])),
            (
                "AdaGrad([a], weight_decay=-0.1)",
                lambda: ad.AdaGrad([a], weight_decay=-0.1),
            ),
            (
                "optimize(f, (0.0, 1.0), Adam, steps=2.5)",
                lambda: ad.optimize(lambda p: p.sum(), (0.0, 1.0), ad.Adam, 2.5),
            ),
        ]
    )


def whole_program_sentence():
    """What the whole program prints, and the floor its losses are compared with."""
    *_, floor = problem()
    return (
        f"It prints, for each of the four optimizers written here, where it ends after "
        f"{EQUAL_STEPS} steps on the line with its input scaled by {SCALE:g}, its loss (the "
        f"least-squares minimum is {floor:.6f}), and its largest difference from torch.optim, "
        f"relative to the parameters' size."
    )


# ---------------------------------------------------------------------------------------------
# Explore: one update, stepped through

EXPLORE = (
    "SGD",
    "momentum",
    "RMSprop",
    "Adam",
)  # the race's, at the race's learning rates
EXPLORE_STEPS = 30
EXPLORE_ROWS = ("g", "m", "v", "step")


def _state(opt, a, name):
    """What optimizer `opt` keeps for the parameter `a` after a step: (m, v), None where it keeps
    nothing. m is momentum's velocity (torch.optim.SGD's momentum_buffer) or Adam's m."""
    if name == "momentum":
        return opt.state[a]["momentum_buffer"].clone(), None
    if name == "RMSprop":
        return None, opt.v[0].clone()
    if name == "Adam":
        return opt.m[0].clone(), opt.v[0].clone()
    return None, None


def update_run(name, steps=EXPLORE_STEPS):
    """Optimizer `name` of the race on the scaled line, update by update: for each step t = 1,
    2, ..., a dict of the parameters before it ("a"), the gradient there ("g"), the state kept
    after it ("m", "v"; None where the optimizer keeps none) and the change of the parameters
    ("step")."""
    optimizer, fixed, lr = OPTIMIZERS[name]
    f = problem()[2]
    a = torch.tensor(A0, dtype=torch.float64, requires_grad=True)
    opt = optimizer([a], lr=lr, **fixed)
    updates = []
    for _ in range(steps):
        opt.zero_grad()
        f(a).backward()
        before, g = a.detach().clone(), a.grad.clone()
        opt.step()
        m, v = _state(opt, a, name)
        updates.append(
            {"a": before, "g": g, "m": m, "v": v, "step": a.detach() - before}
        )
    return updates


def update_runs():
    """update_run of every optimizer of the explorable."""
    return {name: update_run(name) for name in EXPLORE}


def update_knobs():
    """The explorable's knobs: the optimizer, and the update shown."""
    return [
        render.Knob("opt", "Optimizer", EXPLORE, kind="buttons"),
        render.Knob(
            "step",
            "Update",
            tuple(range(1, EXPLORE_STEPS + 1)),
            labels=[
                f"update {t} of {EXPLORE_STEPS}" for t in range(1, EXPLORE_STEPS + 1)
            ],
            kind="steps",
        ),
    ]


ROW_NAMES = {
    "g": "gradient g",
    "m": "m, velocity",
    "v": "√v, rms of g",
    "step": "step Δa",
}


def _number(value):
    """A number for the bars: three digits, or two and a power of ten where it is tiny."""
    return numbers.minus(
        f"{value:.3g}" if abs(value) >= 1e-3 or value == 0 else f"{value:.2g}"
    )


def _shown(update, row):
    """The two numbers drawn in `row` for one update (√v for v), or None."""
    value = update[row]
    if value is None:
        return None
    return value.sqrt() if row == "v" else value


def update_scene(runs, theme="light"):
    """The explorable's figure: the path on the loss's contour lines with the update's step and the
    gradient's direction (left), and the update's numbers as bars, a pair per row (right)."""
    x, y, _, best, _ = problem()
    names = ("slope a₁", "intercept a₂")
    with render.themed(theme) as p:
        fig = render.new_figure(7.0, 3.8)
        ax_path, ax_bars = fig.subplots(1, 2, width_ratios=[1, 1.1])
        draw_contours(ax_path, x, y, (-1.3, 1.3), (0.6, 3.2), p, n=81, levels=12)
        ax_path.plot(
            *best.tolist(), "*", color=p["role"]["answer"], ms=12, mec=p["fg"], zorder=5
        )
        ax_path.plot(*A0, "s", color=p["fg"], ms=6, zorder=5)
        (trail,) = ax_path.plot([], [], ".-", color=p["role"]["path"], lw=1.4, ms=4)
        (ball,) = ax_path.plot(
            [], [], "o", color=p["role"]["path"], ms=7, mec=p["fg"], zorder=6
        )
        arrows = [  # the direction of -g, wide, and over it the step, narrow
            ax_path.quiver(
                *A0,
                0,
                0,
                color=color,
                angles="xy",
                scale_units="xy",
                scale=1,
                width=width,
                zorder=7,
            )
            for color, width in ((p["role"]["answer"], 0.016), (p["fg"], 0.007))
        ]
        ax_path.set_xlabel("slope $a_1$")
        ax_path.set_ylabel("intercept $a_2$")
        ax_path.plot([], [], color=p["role"]["answer"], lw=3, label="−g, its direction")
        ax_path.plot([], [], color=p["fg"], lw=3, label="the step")
        ax_path.legend(loc="upper left", handlelength=1.2)

        rows = len(EXPLORE_ROWS)
        colors = (p["role"]["path"], p["role"]["second"])
        bars, values, absent = [], [], []
        for r in range(len(EXPLORE_ROWS)):
            y0 = rows - 1 - r
            for k in range(2):
                yk = y0 + (0.17 if k == 0 else -0.17)
                (bar,) = ax_bars.barh(yk, 0, height=0.3, color=colors[k])
                bars.append(bar)
                values.append(ax_bars.text(1.08, yk, "", va="center", ha="left"))
            absent.append(
                ax_bars.text(0.08, y0, "", va="center", ha="left", color=p["muted"])
            )
        ax_bars.axvline(0, color=p["muted"], lw=0.8)
        ax_bars.set_xlim(-1, 2.3)  # the numbers, right of the bars
        ax_bars.set_ylim(-0.6, rows - 0.4)
        ax_bars.set_yticks(
            range(rows), [ROW_NAMES[row] for row in reversed(EXPLORE_ROWS)]
        )
        ax_bars.set_xticks([])
        ax_bars.grid(False)
        ax_bars.spines[["left", "bottom"]].set_visible(False)
        ax_bars.tick_params(axis="y", length=0)
        ax_bars.set_xlabel("each row drawn to its larger number", loc="left")
        for k in range(2):
            ax_bars.plot([], [], "s", color=colors[k], ms=8, label=names[k])
        ax_bars.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=2)
        title = fig.suptitle(" ")

        def update(state):
            name, t = state["opt"], state["step"]
            run = runs[name]
            now = run[t - 1]
            path = torch.stack([u["a"] for u in run[:t]]).numpy()
            trail.set_data(path[:, 0], path[:, 1])
            ball.set_data(path[-1:, 0], path[-1:, 1])
            g, step = now["g"], now["step"]
            # the direction only: -g to scale would leave the axes (no arrow at round-off)
            direction = -0.35 * g / g.norm() if g.norm() > 1e-10 else 0 * g
            for arrow, (u, v) in zip(arrows, (direction.tolist(), step.tolist())):
                arrow.set_offsets([path[-1]])
                arrow.set_UVC(u, v)
            for r, row in enumerate(EXPLORE_ROWS):
                shown = _shown(now, row)
                absent[r].set_text("" if shown is not None else "none")
                top = 0 if shown is None else shown.abs().max().item()
                for k in range(2):
                    bar, text = bars[2 * r + k], values[2 * r + k]
                    if shown is None:
                        bar.set_width(0)
                        text.set_text("")
                        continue
                    bar.set_width(shown[k].item() / top if top > 0 else 0)
                    text.set_text(_number(shown[k].item()))
            lr = OPTIMIZERS[name][2]
            title.set_text(f"{name}, η = {lr:g}: update {t} of {EXPLORE_STEPS}")

        artists = [trail, ball, *arrows, *bars, *values, *absent, title]
    return fig, artists, update


def update_caption():
    """The explorable's caption, from this module's settings."""
    return (
        f"The race's first {EXPLORE_STEPS} updates on the line with its input scaled by "
        f"{SCALE:g}, at the race's learning rates. Left: the path so far on the loss's contour "
        f"lines, the update's step (the narrow arrow) over the direction of −g (the wide green "
        f"one). Right: the update's gradient, what the optimizer keeps after it (momentum's "
        f"velocity or Adam's m, and the root of v) and the step, for each parameter; each row "
        f"is drawn to its larger number, so the bars compare the slope with the intercept."
    )


def update_alt(runs):
    """The alt text of each state of the explorable, with the update's numbers."""

    def pair(v):
        return f"({_number(v[0].item())}, {_number(v[1].item())})"

    def alt(state):
        name, t = state["opt"], state["step"]
        now = runs[name][t - 1]
        kept = [
            f"{('m' if row == 'm' else '√v')} = {pair(_shown(now, row))}"
            for row in ("m", "v")
            if now[row] is not None
        ]
        kept = "; ".join(kept) if kept else f"{name} keeps no state"
        return (
            f"{name} on the line with its input scaled by {SCALE:g}, update {t} of "
            f"{EXPLORE_STEPS}, from a = {pair(now['a'])}: the gradient there is "
            f"{pair(now['g'])}; {kept}; the step is {pair(now['step'])}. Left, the path so far "
            f"on the loss's contour lines, with the step and the direction of −g as arrows; "
            f"right, the same numbers as bars, slope and intercept in each row."
        )

    return alt


def angle(u, v):
    """The angle between two vectors, in degrees."""
    cos = (u @ v / (u.norm() * v.norm())).clamp(-1, 1)
    return math.degrees(math.acos(cos.item()))


def update_sentence(runs, turned=10):
    """What to look for in the explorable, in numbers from its runs."""
    sgd, rms, adam = runs["SGD"][0], runs["RMSprop"][0], runs["Adam"][0]
    ratio = (sgd["g"][0] / sgd["g"][1]).abs().item()
    late = runs["momentum"][turned - 1]

    def steps(update):
        a1, a2 = update["step"].abs().tolist()
        return f"{a1:.3f} and {a2:.3f}"

    return (
        f"Step through SGD first: its step is −η g, along −g, and at update 1 the slope's is "
        f"{(sgd['step'][0] / sgd['step'][1]).abs().item():.0f} times the intercept's, as their "
        f"gradients are. Momentum steps by −η m, along its velocity, the sum of the gradients "
        f"so far, each weighted by μ for every step since: by update {turned} its step points "
        f"{angle(late['step'], -late['g']):.0f}° away from −g. RMSprop and Adam divide each "
        f"parameter's step by its own √v: at update 1, with the two gradients {ratio:.0f} times "
        f"apart, RMSprop steps {steps(rms)} and Adam {steps(adam)}, the same in both parameters."
    )
