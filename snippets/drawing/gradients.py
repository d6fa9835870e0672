"""The drawing of the Gradients page: its tables (slopes, a descent, accumulated gradients, autograd
against the formula and against finite differences), the step-size study of the central
difference, the tangent figure, the gradient field, the animation of a direction turning round a
point, and what the checks say about wrong calls.

Tested in tests/test_gradients.py (with the lesson it draws).
"""

import math

import torch
from matplotlib.patches import FancyArrowPatch
from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

from snippets.drawing import render
from snippets.drawing.line_problem import draw_contours, least_squares
from snippets.drawing.numbers import loglog_slope, minus, power_of_ten, sci, vec
from snippets.drawing.tables import refusals
from snippets.fit_line import gradient, mse
from snippets.gradients import (
    autograd_gradient,
    backward_twice,
    directional_slopes,
    finite_difference,
)


def in_place_error():
    """Return the message PyTorch gives for a step on a leaf tensor outside torch.no_grad()."""
    x = torch.tensor(3.0, requires_grad=True)
    (x**2).backward()
    try:
        x -= 0.1 * x.grad
    except RuntimeError as error:
        return str(error)
    return None


def halves(x, y):
    """Return the line's MSE on the first half of the points and on the second half, as functions of a."""
    n = len(y) // 2
    return (lambda a: mse(x[:n] @ a, y[:n])), (lambda a: mse(x[n:] @ a, y[n:]))


def slope_table(f, xs):
    """Return a Markdown table of x, f(x), the slope f'(x) by autograd, and which way is down."""
    rows = ["| $x$ | $f(x)$ | slope $f′(x)$ | downhill is |", "|---:|---:|---:|---|"]
    for x in xs:
        at = torch.tensor(x, dtype=torch.float64)
        slope = autograd_gradient(f, at).item()
        way = (
            "to the right"
            if slope < 0
            else "to the left"
            if slope > 0
            else "nowhere: the bottom"
        )
        rows.append(minus(f"| {x:g} | {f(at).item():g} | {slope:g} | {way} |"))
    return "\n".join(rows)


def descent_table(xs, f):
    """Return a Markdown table of x and f(x) at every step of a descent."""
    rows = [
        "| step | $x$ | $f(x)$ | distance to the bottom, $x - 1$ |",
        "|---:|---:|---:|---:|",
    ]
    for t, x in enumerate(xs):
        fx = f(torch.tensor(x, dtype=torch.float64)).item()
        rows.append(f"| {t} | {x:.4f} | {fx:.6f} | {x - 1:.4f} |")
    return "\n".join(rows)


def accumulation_table(x, y, a):
    """Return a Markdown table of a.grad after backward on each half of the data, with and without zeroing."""
    first_half, second_half = halves(x, y)
    rows = [
        "| between the calls | `a.grad` after the first call | `a.grad` after the second call |",
        "|---|---|---|",
    ]
    for zero_grad, name in (
        (False, "without zeroing"),
        (True, "with `a.grad.zero_()` in between"),
    ):
        first, second = backward_twice(first_half, second_half, a, zero_grad=zero_grad)
        rows.append(f"| {name} | {vec(first)} | {vec(second)} |")
    return "\n".join(rows)


def gradient_table(x, y, points):
    """Return a Markdown table of the MSE gradient at each point by autograd and by the formula."""
    rows = [
        "| at $a =$ | autograd | formula | largest difference |",
        "|---|---|---|---:|",
    ]
    for a in points:
        by_autograd = autograd_gradient(lambda a: mse(x @ a, y), a)
        by_formula = gradient(x, y, a)
        gap = (by_autograd - by_formula).abs().max().item()
        same = "0: the same bits" if gap == 0 else sci(gap)
        rows.append(
            f"| {vec(a, 3)} | {vec(by_autograd, 6)} | {vec(by_formula, 6)} | {same} |"
        )
    return "\n".join(rows)


def check_table(f, a, deltas):
    """Return a Markdown table of the finite-difference gradient of f at a per step, beside autograd's."""
    by_autograd = autograd_gradient(f, a)
    rows = [
        "| step $\\delta$ | finite difference | autograd | largest difference |",
        "|---:|---|---|---:|",
    ]
    for delta in deltas:
        by_differences = finite_difference(f, a, delta)
        gap = (by_differences - by_autograd).abs().max().item()
        rows.append(
            f"| {sci(delta, 0)} | {vec(by_differences, 9)} | {vec(by_autograd, 9)} | {sci(gap)} |"
        )
    return "\n".join(rows)


def step_grid(first=-1, last=-14, per_decade=4):
    """Return the steps delta = 10^first down to 10^last, `per_decade` of them in each factor of ten."""
    if not first > last:
        raise ValueError(f"first must be greater than last, got {first} and {last}")
    count = (first - last) * per_decade + 1
    return [10 ** (first - k / per_decade) for k in range(count)]


def difference_errors(deltas, dtype=torch.float64, x0=1.0):
    """Return |finite difference - exact| for the derivative of exp at x0, for each step delta in `deltas`."""
    x = torch.tensor(x0, dtype=dtype)
    exact = math.exp(x0)  # exp is its own derivative
    return [
        abs(finite_difference(torch.exp, x, delta).item() - exact) for delta in deltas
    ]


def step_errors(dtype=torch.float64):
    """Return the steps of the figure, and the error of exp's central difference at x = 1 for each."""
    deltas = step_grid()
    return deltas, difference_errors(deltas, dtype)


def regime_slopes(deltas, errors, right=1e-3, left=1e-8):
    """Return the log-log slope of the error for steps delta >= right, and for steps delta <= left."""
    big = [(delta, e) for delta, e in zip(deltas, errors) if delta >= right]
    small = [(delta, e) for delta, e in zip(deltas, errors) if delta <= left]
    return loglog_slope(*zip(*big)), loglog_slope(*zip(*small))


def best_step(deltas, errors):
    """Return the step with the smallest error, and that error."""
    i = min(range(len(deltas)), key=lambda k: errors[k])
    return deltas[i], errors[i]


def truncation_guide(delta, x0=1.0):
    """The leading truncation error of the central difference for exp at x0: delta^2 f'''(x0) / 6."""
    return delta**2 * math.exp(x0) / 6


def roundoff_guide(delta, dtype=torch.float64, x0=1.0):
    """The size of the round-off error: machine epsilon times |f(x0)|, divided by delta."""
    return torch.finfo(dtype).eps * math.exp(x0) / delta


def plot_step_errors(deltas, errors64, errors32, theme="light"):
    """Return a Figure: the central difference's error against the step, log axes, float64 and float32."""
    best64, best32 = best_step(deltas, errors64), best_step(deltas, errors32)
    with render.themed(theme) as p:
        fig = render.new_figure(6.4, 4.2)
        ax = fig.add_subplot()
        ax.plot(
            deltas,
            errors64,
            "o-",
            color=p["role"]["path"],
            ms=3.5,
            lw=1.6,
            label="float64",
        )
        ax.plot(
            deltas,
            errors32,
            "s-",
            color=p["role"]["second"],
            ms=3.5,
            lw=1.6,
            label="float32",
        )
        # the guides are drawn over the data, and past the V, so they show where they part from it
        right = [delta for delta in deltas if delta >= 3e-8]
        ax.plot(
            right,
            [truncation_guide(delta) for delta in right],
            "--",
            color=p["fg"],
            lw=1.3,
            zorder=4,
            gid="truncation guide",
        )
        left = [delta for delta in deltas if delta <= 1e-3]
        ax.plot(
            left,
            [roundoff_guide(delta) for delta in left],
            ":",
            color=p["fg"],
            lw=1.6,
            zorder=4,
            gid="round-off guide",
        )
        for (delta, err), color, place in (
            (best64, p["role"]["path"], ((-8, -8), "right")),
            (best32, p["role"]["second"], ((10, -10), "left")),
        ):
            ax.plot([delta], [err], "o", ms=11, mfc="none", mec=color, mew=1.8)
            ax.annotate(
                f"best: δ = {sci(delta, 0)}",
                xy=(delta, err),
                xytext=place[0],
                textcoords="offset points",
                ha=place[1],
                va="top",
                color=p["fg"],
                fontsize=9,
            )
        ax.text(
            2e-6,
            1e-14,
            "truncation error ∝ δ²\n(dashed: δ²·f‴(x)/6)",
            color=p["fg"],
            fontsize=9,
            ha="left",
            va="bottom",
        )
        ax.text(
            1e-12,
            3e-2,
            "round-off error ∝ ε/δ\n(dotted: ε·f(x)/δ)",
            color=p["fg"],
            fontsize=9,
            ha="left",
            va="center",
        )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_ylim(1e-15, 30)
        ax.xaxis.set_major_locator(LogLocator(base=100))
        ax.yaxis.set_major_locator(LogLocator(base=100))
        ax.xaxis.set_minor_locator(NullLocator())
        ax.yaxis.set_minor_locator(NullLocator())
        ax.xaxis.set_major_formatter(FuncFormatter(power_of_ten))
        ax.yaxis.set_major_formatter(FuncFormatter(power_of_ten))
        ax.set_xlabel("step δ")
        ax.set_ylabel("|finite difference − exact|")
        ax.legend(loc="lower left")
    return fig


def plot_tangents(f, xs, theme="light", length=1.7, arrow_scale=0.2):
    """Return a Figure: f with its tangent line at each x in xs, and an arrow along -f'(x) below each."""
    points = [
        (
            x,
            float(f(torch.tensor(x, dtype=torch.float64))),
            autograd_gradient(f, torch.tensor(x, dtype=torch.float64)).item(),
        )
        for x in xs
    ]
    lo, hi = min(xs) - 0.7, max(xs) + 0.7
    u = torch.linspace(lo, hi, 200, dtype=torch.float64)
    top = max(fx for _, fx, _ in points)
    floor = -0.22 * top  # the strip under the curve where the downhill arrows are drawn
    with render.themed(theme) as p:
        fig = render.new_figure(6.4, 4.0)
        ax = fig.add_subplot()
        ax.set_xlim(lo, hi)
        ax.set_ylim(floor * 2.0, top * 1.25)
        # tangents of equal length on screen: shorter in x where the slope is steep
        aspect = (fig.get_figheight() / (top * 1.25 - floor * 2)) / (
            fig.get_figwidth() / (hi - lo)
        )
        # above the grid (zorder 1.5), which would otherwise cut gaps in the curve
        ax.plot(u, f(u), color=p["muted"], lw=1.5, zorder=2)
        ax.axhline(0, color=p["grid"], lw=1, zorder=0)
        for x, fx, slope in points:
            # the tangent is the slope being read; the way down and the bottom are the answer
            color, down = p["role"]["path"], p["role"]["answer"]
            dx = length / 2 / math.hypot(1, slope * aspect)
            ax.plot(
                [x - dx, x + dx],
                [fx - slope * dx, fx + slope * dx],
                color=color,
                lw=2.4,
                zorder=3,
                gid="tangent",
            )
            ax.plot([x], [fx], "o", color=down if slope == 0 else color, ms=7, zorder=4)
            side = (
                -1 if slope > 0 else 1 if slope < 0 else 0
            )  # inside the bowl, off the curve
            ax.annotate(
                f"slope {slope:g}".replace("-", "−"),
                (x, fx),
                xytext=(12 * side, 12 if side == 0 else -4),
                textcoords="offset points",
                ha={-1: "right", 0: "center", 1: "left"}[side],
                va="bottom",
                color=p["fg"],
                fontsize=9,
            )
            if slope != 0:
                ax.annotate(
                    "",
                    xy=(x - arrow_scale * slope, floor),
                    xytext=(x, floor),
                    arrowprops={
                        "arrowstyle": "-|>",
                        "color": down,
                        "lw": 2,
                        "mutation_scale": 14,
                        "shrinkA": 0,
                        "shrinkB": 0,
                    },
                )
            else:
                ax.plot([x], [floor], "o", color=down, ms=5)
            ax.plot([x, x], [floor, fx], ":", color=p["muted"], lw=0.8, zorder=0)
        ax.text(
            lo + 0.05,
            floor * 1.6,
            f"the way down: −f′(x), drawn {arrow_scale:g} times as long",
            color=p["fg"],
            fontsize=9,
            va="center",
        )
        ax.set_xlabel("x")
        ax.set_ylabel("f(x) = (x − 1)²")
    return fig


def gradient_field(x, y, a1, a2):
    """Return the MSE gradient of the line problem at every grid point, shape (len(a2), len(a1), 2)."""
    return torch.stack(
        [torch.stack([gradient(x, y, torch.stack([u, v])) for u in a1]) for v in a2]
    )


def angle_between(u, v):
    """Return the angle between vectors u and v, in degrees."""
    cos = (u @ v) / (u.norm() * v.norm())
    return math.degrees(math.acos(max(-1.0, min(1.0, cos.item()))))


def plot_gradient_field(
    x, y, a1, a2, a0, theme="light", lr=0.15, a1_lim=(-1.5, 7.5), a2_lim=(-2.0, 7.0)
):
    """Return a Figure: loss contours of the line problem, with -lr * gradient drawn from each grid point."""
    x, y = x.double(), y.double()
    g = gradient_field(x, y, a1, a2)
    A1, A2 = torch.meshgrid(a1, a2, indexing="xy")
    g0 = gradient(x, y, a0)
    best = least_squares(x, y)[0]
    at = f"at ({a0[0]:g}, {a0[1]:g})".replace("-", "−")
    with render.themed(theme) as p:
        fig = render.new_figure(6.4, 5.8)
        ax = fig.add_subplot()
        draw_contours(
            ax, x, y, a1_lim, a2_lim, p, n=161
        )  # fine enough for round ellipses
        arrow = {"angles": "xy", "scale_units": "xy", "scale": 1, "zorder": 3}
        ax.quiver(
            A1,
            A2,
            -lr * g[..., 0],
            -lr * g[..., 1],
            color=p["role"]["path"],
            width=0.005,
            label=f"downhill, −{lr:g} ∇L, from each grid point",
            **arrow,
        )
        ax.plot(
            A1.flatten(), A2.flatten(), ".", color=p["role"]["path"], ms=3, zorder=3
        )
        for sign, color, label in (
            (1, p["role"]["wrong"], f"uphill, +{lr:g} ∇L, {at}"),
            (-1, p["role"]["answer"], f"downhill, −{lr:g} ∇L, {at}"),
        ):
            ax.quiver(
                [a0[0]],
                [a0[1]],
                [sign * lr * g0[0]],
                [sign * lr * g0[1]],
                color=color,
                width=0.008,
                label=label,
                **arrow,
            )
        ax.plot([a0[0]], [a0[1]], "o", color=p["fg"], ms=5, zorder=5)
        ax.plot(
            [best[0]],
            [best[1]],
            "*",
            color=p["fg"],
            ms=13,
            zorder=5,
            ls="none",
            label=f"minimum, at ({best[0]:.2f}, {best[1]:.2f})",
        )
        ax.set_xlim(*a1_lim)
        ax.set_ylim(*a2_lim)
        fig.legend(loc="outside lower center", ncols=2, fontsize=9)
    return fig


def animate_directions(x, y, a0, theme="light", frames=60, radius=1.2):
    """Return frames of a unit direction turning around a0 (left) while its slope is traced (right)."""
    if not (isinstance(frames, int) and frames >= 1):
        raise ValueError(f"frames must be an integer of at least 1, got {frames!r}")
    x, y = x.double(), y.double()
    a0 = torch.as_tensor(a0).detach().double()
    angles = [2 * math.pi * k / frames for k in range(frames + 1)]
    fine = [2 * math.pi * k / 360 for k in range(361)]
    slopes = directional_slopes(
        lambda a: mse(x @ a, y), a0, torch.tensor(angles, dtype=torch.float64)
    )
    g = gradient(x, y, a0)
    steepest = g.norm().item()
    down = math.degrees(math.atan2(-g[1], -g[0])) % 360
    degrees = [math.degrees(t) for t in angles]
    u0, v0 = a0.tolist()
    gu, gv = (-g / g.norm()).tolist()
    with render.themed(theme) as p:
        # as large as the GIF budget allows, its text a size up, to stay legible shown smaller
        fig = render.new_figure(8.0, 4.2)
        ax, ax_s = fig.subplots(1, 2, width_ratios=[1, 1.25])
        lim = radius * 1.35
        draw_contours(
            ax, x, y, (u0 - lim, u0 + lim), (v0 - lim, v0 + lim), p, n=61, levels=9
        )
        ax.add_patch(
            FancyArrowPatch(
                (u0, v0),
                (u0 + radius * gu, v0 + radius * gv),
                arrowstyle="-|>",
                mutation_scale=14,
                color=p["role"]["answer"],
                lw=2,
                zorder=3,
            )
        )
        ring = torch.linspace(0, 2 * math.pi, 100)
        ax.plot(
            u0 + radius * ring.cos(),
            v0 + radius * ring.sin(),
            color=p["fg"],
            lw=0.8,
            alpha=0.6,
            zorder=2,
        )
        ax.plot([u0], [v0], "o", color=p["fg"], ms=5, zorder=4)
        arrow = FancyArrowPatch(
            (u0, v0),
            (u0 + radius, v0),
            arrowstyle="-|>",
            mutation_scale=14,
            color=p["role"]["path"],
            lw=2.2,
            zorder=5,
        )
        ax.add_patch(arrow)
        ax.set_xlim(u0 - lim, u0 + lim)
        ax.set_ylim(v0 - lim, v0 + lim)
        ax_s.plot(
            [math.degrees(t) for t in fine],
            directional_slopes(
                lambda a: mse(x @ a, y), a0, torch.tensor(fine, dtype=torch.float64)
            ),
            color=p["grid"],
            lw=1.5,
        )
        ax_s.axhline(0, color=p["muted"], lw=0.8)
        ax_s.axvline(down, ls="--", color=p["role"]["answer"], lw=1.4)
        ax_s.plot(
            [down], [-steepest], "o", ms=9, mfc="none", mec=p["role"]["answer"], mew=1.6
        )
        ax_s.text(
            down + 55,
            -steepest * 1.03,
            f"−∇L, at {down:.0f}°:\nslope −|∇L| = −{steepest:.2f}",
            va="bottom",
            color=p["fg"],
            fontsize=12,
        )
        (trace,) = ax_s.plot([], [], color=p["role"]["path"])
        (dot,) = ax_s.plot([], [], "o", color=p["role"]["path"], ms=6)
        ax_s.set_xlim(-6, 366)
        ax_s.set_xticks(range(0, 361, 90))
        ax_s.set_xlabel("direction (degrees from the a₁ axis)", fontsize=12)
        ax_s.set_ylabel("slope of the loss", fontsize=12)
        for axes in (ax, ax_s):
            axes.tick_params(labelsize=11)
            axes.xaxis.label.set_fontsize(12)
            axes.yaxis.label.set_fontsize(12)

        def update(k):
            arrow.set_positions(
                (u0, v0),
                (u0 + radius * math.cos(angles[k]), v0 + radius * math.sin(angles[k])),
            )
            trace.set_data(degrees[: k + 1], slopes[: k + 1])
            dot.set_data([degrees[k]], [slopes[k]])

        out = render.blit_frames(fig, [arrow, trace, dot], update, range(len(angles)))
    return out


def error_table(lesson):
    """What the checks say about a few wrong calls of the lesson's functions."""
    one, three = torch.tensor(1.0), torch.zeros(3)
    return refusals(
        [
            (
                "finite_difference(torch.exp, torch.tensor(1.0), delta=0)",
                lambda: lesson.finite_difference(torch.exp, one, delta=0),
            ),
            (
                "finite_difference(torch.exp, torch.tensor(1.0), delta=float('inf'))",
                lambda: lesson.finite_difference(torch.exp, one, delta=float("inf")),
            ),
            (
                "finite_difference(torch.exp, 1.0, delta=1e-5)",
                lambda: lesson.finite_difference(torch.exp, 1.0, delta=1e-5),
            ),
            (
                "finite_difference(torch.exp, torch.zeros(3), delta=1e-5)",
                lambda: lesson.finite_difference(torch.exp, three, delta=1e-5),
            ),
            (
                "autograd_gradient(lambda a: a.sum().item(), torch.zeros(3))",
                lambda: lesson.autograd_gradient(lambda a: a.sum().item(), three),
            ),
            (
                "autograd_gradient(torch.sum, torch.tensor([1, 2, 3]))",
                lambda: lesson.autograd_gradient(torch.sum, torch.tensor([1, 2, 3])),
            ),
            (
                "descend(parabola, x0=3.0, lr=0, steps=6)",
                lambda: lesson.descend(lesson.parabola, x0=3.0, lr=0, steps=6),
            ),
            (
                "descend(parabola, x0=3.0, lr=0.25, steps=2.5)",
                lambda: lesson.descend(lesson.parabola, x0=3.0, lr=0.25, steps=2.5),
            ),
            (
                "backward_twice(torch.sum, torch.sum, torch.zeros(3), zero_grad='yes')",
                lambda: lesson.backward_twice(
                    torch.sum, torch.sum, three, zero_grad="yes"
                ),
            ),
            (
                "directional_slopes(torch.sum, torch.zeros(3), torch.zeros(1))",
                lambda: lesson.directional_slopes(torch.sum, three, torch.zeros(1)),
            ),
            ("parabola(3.0)", lambda: lesson.parabola(3.0)),
        ]
    )
