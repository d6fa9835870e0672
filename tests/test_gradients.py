"""The claims of docs/gradients.md, checked with the functions the page runs."""

import inspect
import io
import math
import re

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure
from PIL import Image

from conftest import ROOT, assert_close, defaults, run_program
from snippets import fit_line, render
from snippets import gradients as G

F64 = torch.float64
START = (-1.0, 1.0)  # the starting guess of "Fit a line", used all over the page
XS = [-1.0, 0.0, 1.0, 2.0, 3.0]  # the points of the tangent figure


@pytest.fixture(scope="module")
def data64():
    """The points of "Fit a line" (made in float32, as there), in float64 for the checks."""
    x, y = fit_line.make_data()
    return x.double(), y.double()


@pytest.fixture(scope="module")
def loss64(data64):
    x, y = data64
    return lambda a: fit_line.mse(x @ a, y)


@pytest.fixture(scope="module")
def start():
    return torch.tensor(START, dtype=F64)


@pytest.fixture(scope="module")
def errors():
    """The error of exp's central difference at x = 1 for every step of the figure, in both precisions."""
    hs, e64 = G.step_errors(torch.float64)
    _, e32 = G.step_errors(torch.float32)
    return hs, e64, e32


def error_at(hs, errs, h):
    return errs[min(range(len(hs)), key=lambda k: abs(math.log10(hs[k] / h)))]


def table_rows(markdown):
    return [
        [cell.strip() for cell in row.strip("|").split("|")]
        for row in markdown.splitlines()[2:]
    ]


def parse_vec(text):
    return torch.tensor(
        [float(t) for t in text.replace("−", "-").strip("()").split(",")], dtype=F64
    )


# ---------------------------------------------------------------------------------------------
# Which way is down


def test_autograd_slopes_of_the_parabola_are_2_times_x_minus_1():
    for x in XS:
        assert G.autograd_gradient(
            G.parabola, torch.tensor(x, dtype=F64)
        ).item() == 2 * (x - 1)


def test_downhill_is_against_the_slope_on_either_side_of_the_bottom():
    # the page: negative slope -> down is to the right; positive -> to the left; zero -> the bottom
    for x in XS:
        slope = G.autograd_gradient(G.parabola, torch.tensor(x, dtype=F64)).item()
        if slope == 0:
            assert x == 1 and all(
                G.parabola(x + d) > G.parabola(x) for d in (-1e-3, 1e-3)
            )
            continue
        step = 1e-3 * slope
        assert G.parabola(x - step) < G.parabola(x) < G.parabola(x + step)
        assert (x - step > x) == (slope < 0)  # against a negative slope is to the right


def test_slope_table_says_right_where_the_slope_is_negative_and_left_where_positive():
    rows = table_rows(G.slope_table(G.parabola, XS))
    assert [float(r[0].replace("−", "-")) for r in rows] == XS
    for _, _fx, shown, way in rows:
        slope = float(shown.replace("−", "-"))
        assert way == (
            "to the right"
            if slope < 0
            else "to the left"
            if slope > 0
            else "nowhere: the bottom"
        )
    assert [float(r[1]) for r in rows] == [(x - 1) ** 2 for x in XS]


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_tangent_figure_draws_a_tangent_per_point_in_its_themes_colours(theme):
    fig = G.plot_tangents(G.parabola, XS, theme=theme)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    tangents = [line for line in ax.get_lines() if line.get_gid() == "tangent"]
    assert len(tangents) == len(XS)
    for line, x in zip(tangents, XS):  # each segment has the slope of f at its point
        (x0, x1), (y0, y1) = line.get_xdata(), line.get_ydata()
        assert (y1 - y0) / (x1 - x0) == pytest.approx(2 * (x - 1))
    arrows = [t for t in ax.texts if getattr(t, "arrow_patch", None) is not None]
    assert len(arrows) == sum(x != 1 for x in XS)  # no arrow at the bottom
    svg = render.figure_bytes(fig).decode()
    assert render.PALETTES[theme]["cycle"][0] in svg and "#1f77b4" not in svg


# ---------------------------------------------------------------------------------------------
# Autograd


def test_autograd_of_x_squared_at_3_is_6():
    g = G.autograd_gradient(lambda x: x**2, torch.tensor(3.0))
    assert g.item() == 6.0 and g.shape == ()


def test_autograd_gradient_leaves_the_callers_tensor_alone():
    a = torch.tensor([1.0, 2.0], dtype=F64)
    G.autograd_gradient(lambda a: (a**2).sum(), a)
    assert a.grad is None and not a.requires_grad


def test_autograd_matches_the_rule_and_finite_differences_on_a_curved_function():
    # exercise 1's function, f(a) = sum a^2 sin a, whose gradient is 2 a sin a + a^2 cos a
    a = torch.tensor([0.5, -1.0, 2.0], dtype=F64)

    def f(a):
        return (a**2 * torch.sin(a)).sum()

    by_rule = 2 * a * torch.sin(a) + a**2 * torch.cos(a)
    assert_close(G.autograd_gradient(f, a), by_rule, rtol=0, atol=1e-14)
    assert_close(G.finite_difference(f, a, 1e-5), by_rule, rtol=0, atol=1e-9)


def test_each_step_of_descend_halves_the_distance_to_the_bottom_with_lr_0_25():
    xs = G.descend(G.parabola, x0=3.0, lr=0.25, steps=6)
    assert xs == pytest.approx([1 + 2 * 0.5**t for t in range(7)], abs=1e-15)


def test_without_clearing_the_gradient_descend_would_take_other_steps():
    # backward adds to .grad: the second step would use f'(x0) + f'(x1), not f'(x1)
    x = torch.tensor(3.0, dtype=F64, requires_grad=True)
    for _ in range(2):
        G.parabola(x).backward()
        with torch.no_grad():
            x -= 0.25 * x.grad
    assert x.item() != pytest.approx(G.descend(G.parabola, 3.0, 0.25, 2)[-1])
    assert x.item() == pytest.approx(3.0 - 0.25 * 4 - 0.25 * (4 + 2))


def test_a_step_on_a_leaf_tensor_outside_no_grad_raises():
    assert "leaf Variable that requires grad" in G.in_place_error()
    x = torch.tensor(3.0, requires_grad=True)
    (x**2).backward()
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x -= 0.1 * x.grad
    with torch.no_grad():  # and the page's way does not
        x -= 0.1 * x.grad
    assert x.item() == pytest.approx(2.4)


# ---------------------------------------------------------------------------------------------
# Gradients accumulate


def test_accumulated_gradient_is_the_sum_of_the_separate_ones(data64, start):
    x, y = data64
    first_half, second_half = G.halves(x, y)
    first, second = G.backward_twice(first_half, second_half, start, zero_grad=False)
    g1, g2 = (
        fit_line.gradient(x[:50], y[:50], start),
        fit_line.gradient(x[50:], y[50:], start),
    )
    assert_close(first, g1, rtol=0, atol=1e-14)
    assert_close(second, g1 + g2, rtol=0, atol=1e-14)


def test_the_same_backward_twice_doubles_the_gradient(loss64, start):
    first, second = G.backward_twice(loss64, loss64, start, zero_grad=False)
    assert_close(second, 2 * first, rtol=0, atol=1e-14)


def test_zeroing_in_between_leaves_only_the_second_gradient(data64, start):
    x, y = data64
    first_half, second_half = G.halves(x, y)
    _, second = G.backward_twice(first_half, second_half, start, zero_grad=True)
    assert_close(second, fit_line.gradient(x[50:], y[50:], start), rtol=0, atol=1e-14)


def test_half_the_sum_of_the_halves_gradients_is_the_full_gradient(data64, start):
    x, y = data64
    assert len(y) % 2 == 0  # the page: the halves are the same size
    _, summed = G.backward_twice(*G.halves(x, y), start, zero_grad=False)
    assert_close(summed / 2, fit_line.gradient(x, y, start), rtol=0, atol=1e-14)


def test_four_quarter_weighted_batches_accumulate_to_the_full_gradient(data64, start):
    # exercise 5
    x, y = data64
    a = start.clone().requires_grad_()
    for batch in torch.arange(len(y)).chunk(4):
        (fit_line.mse(x[batch] @ a, y[batch]) / 4).backward()
    assert_close(a.grad, fit_line.gradient(x, y, start), rtol=0, atol=1e-14)


def test_the_three_ways_to_clear_a_gradient(loss64, start):
    a = start.clone().requires_grad_()
    loss64(a).backward()
    a.grad.zero_()
    assert torch.equal(a.grad, torch.zeros(2, dtype=F64))
    a.grad = None
    loss64(a).backward()  # a fresh gradient, not a sum
    assert_close(a.grad, G.autograd_gradient(loss64, start), rtol=0, atol=0)
    # opt.zero_grad() sets the gradients to None: its default (checked without building an optimizer,
    # whose first construction costs seconds of imports)
    assert (
        inspect.signature(torch.optim.Optimizer.zero_grad)
        .parameters["set_to_none"]
        .default
        is True
    )


def test_accumulation_table_shows_the_sum_without_zeroing_and_the_second_half_with_it(
    data64, start
):
    x, y = data64
    (name1, first1, second1), (name2, first2, second2) = table_rows(
        G.accumulation_table(x, y, start)
    )
    assert name1 == "without zeroing" and "zero_()" in name2 and first1 == first2
    g1, g2 = (
        fit_line.gradient(x[:50], y[:50], start),
        fit_line.gradient(x[50:], y[50:], start),
    )
    assert_close(parse_vec(second1), g1 + g2, rtol=0, atol=1e-4)
    assert_close(parse_vec(second2), g2, rtol=0, atol=1e-4)


# ---------------------------------------------------------------------------------------------
# The formula


def test_formula_equals_autograd_to_the_last_bits_in_float64(data64, loss64, start):
    x, y = data64
    points = [
        start,
        fit_line.least_squares(x, y)[0],
        *torch.randn(5, 2, dtype=F64, generator=torch.Generator().manual_seed(0)),
    ]
    for a in points:
        by_autograd = G.autograd_gradient(loss64, a)
        by_formula = fit_line.gradient(x, y, a)
        assert (by_autograd - by_formula).abs().max() <= 8 * torch.finfo(F64).eps * max(
            1.0, by_formula.abs().max()
        )


def test_gradient_is_zero_at_the_least_squares_solution(data64, loss64):
    x, y = data64
    best = fit_line.least_squares(x, y)[0]
    assert G.autograd_gradient(loss64, best).abs().max() < 1e-14
    assert fit_line.gradient(x, y, best).abs().max() < 1e-14


def test_gradient_table_has_a_row_per_point_with_matching_columns(data64, start):
    x, y = data64
    rows = table_rows(G.gradient_table(x, y, [start, fit_line.least_squares(x, y)[0]]))
    assert len(rows) == 2
    for _, by_autograd, by_formula, _ in rows:
        assert by_autograd == by_formula
    assert_close(
        parse_vec(rows[0][1]), fit_line.gradient(x, y, start), rtol=0, atol=1e-6
    )
    assert "−0.000000" not in rows[1][1]  # no negative zero at the minimum


# ---------------------------------------------------------------------------------------------
# Finite differences


def test_finite_difference_equals_autograd_at_h_1e_5_in_float64(loss64, start):
    assert_close(
        G.finite_difference(loss64, start, 1e-5),
        G.autograd_gradient(loss64, start),
        rtol=0,
        atol=1e-9,
    )
    exp_at_1 = G.finite_difference(torch.exp, torch.tensor(1.0, dtype=F64), 1e-5)
    assert abs(exp_at_1.item() - math.e) < 1e-9


def test_finite_difference_returns_a_tensor_like_a():
    for a in (
        torch.tensor(1.0, dtype=F64),
        torch.ones(3, dtype=torch.float32),
        torch.ones(2, 3, dtype=F64),
    ):
        g = G.finite_difference(lambda a: (a**3).sum(), a, 1e-3)
        assert g.shape == a.shape and g.dtype == a.dtype
        assert_close(g, 3 * a**2, rtol=1e-3, atol=1e-3)


def test_the_quadratic_loss_has_no_truncation_error_so_the_large_step_wins(
    loss64, start
):
    exact = G.autograd_gradient(loss64, start)
    gap = {
        h: (G.finite_difference(loss64, start, h) - exact).abs().max().item()
        for h in (1e-1, 1e-5)
    }
    assert gap[1e-1] < 1e-13 and gap[1e-1] < gap[1e-5]


def test_the_error_at_a_middle_step_is_smaller_than_at_both_ends(errors):
    hs, e64, _ = errors
    middle = error_at(hs, e64, 1e-5)
    assert hs[0] == pytest.approx(1e-1) and hs[-1] == pytest.approx(1e-14)
    assert middle < 1e-9
    assert middle < e64[0] / 1e5 and middle < e64[-1] / 1e5


def test_truncation_error_falls_as_h_squared_on_the_right(errors):
    hs, e64, _ = errors
    right, _ = G.regime_slopes(hs, e64, right=1e-3, left=1e-8)
    assert right == pytest.approx(2.0, abs=0.02)
    for h, err in zip(hs, e64):
        if h >= 1e-3:  # and its size is h^2 f'''/6, the dashed line
            assert err == pytest.approx(G.truncation_guide(h), rel=1e-2)


def test_round_off_error_grows_as_one_over_h_on_the_left_below_the_dotted_line(errors):
    hs, e64, _ = errors
    _, left = G.regime_slopes(hs, e64, right=1e-3, left=1e-8)
    assert -1.3 < left < -0.7
    best_h = G.best_step(hs, e64)[0]
    for h, err in zip(hs, e64):
        if h <= best_h:
            assert err < G.roundoff_guide(h)


def test_float32_draws_the_v_higher_and_further_right(errors):
    hs, e64, e32 = errors
    (h64, best64), (h32, best32) = G.best_step(hs, e64), G.best_step(hs, e32)
    assert h32 > 100 * h64
    assert best32 > 1e4 * best64


def test_in_float32_the_estimate_is_zero_once_the_two_values_round_to_the_same_number(
    errors,
):
    hs, _, e32 = errors
    eps32 = torch.finfo(torch.float32).eps
    zero = max(h for h, err in zip(hs, e32) if err == math.e)
    assert eps32 / 4 <= zero <= eps32
    x = torch.tensor(1.0)
    for h in hs:  # from there down the two values of exp are equal, and the error is the whole derivative
        same = torch.exp(x + h) == torch.exp(x - h)
        assert same == (h <= zero)
        assert same == (G.finite_difference(torch.exp, x, h).item() == 0)
    assert (
        x + eps32 / 4 == x and x - eps32 / 4 == x
    )  # far enough down, x +- h is x itself


def test_the_best_step_is_within_a_factor_of_3_of_the_cube_root_of_3_eps(errors):
    # exercise 3: h* = (3 eps)^(1/3), and the measured bottom is a little lower
    hs, e64, e32 = errors
    for dtype, errs in ((torch.float64, e64), (torch.float32, e32)):
        theory = (3 * torch.finfo(dtype).eps) ** (1 / 3)
        best = G.best_step(hs, errs)[0]
        assert theory / 3 < best <= theory


def test_the_forward_difference_has_truncation_h_over_2_and_a_best_step_near_sqrt_eps(
    errors,
):
    # exercise 4, computed here independently of the module
    hs = errors[0]
    x = torch.tensor(1.0, dtype=F64)
    forward = [abs(((torch.exp(x + h) - torch.exp(x)) / h).item() - math.e) for h in hs]
    for h, err in zip(hs, forward):
        if h <= 1e-3 and h >= 1e-5:
            assert err == pytest.approx(h / 2 * math.e, rel=2e-3)
    best = G.best_step(hs, forward)[0]
    assert (
        math.sqrt(torch.finfo(F64).eps) / 3 < best < 3 * math.sqrt(torch.finfo(F64).eps)
    )


def test_check_table_rows_are_the_runs_numbers(loss64, start):
    rows = table_rows(G.check_table(loss64, start, [1e-5, 1e-1]))
    assert [r[0] for r in rows] == ["10⁻⁵", "10⁻¹"]
    assert_close(
        parse_vec(rows[0][1]), G.autograd_gradient(loss64, start), rtol=0, atol=1e-8
    )


# ---------------------------------------------------------------------------------------------
# The gradient points uphill


@pytest.fixture(scope="module")
def grid():
    a1 = torch.linspace(0, 6, 7, dtype=F64)
    a2 = torch.linspace(-0.5, 5.5, 7, dtype=F64)
    return torch.cartesian_prod(a1, a2)


def test_a_small_step_against_the_gradient_lowers_the_loss_and_along_it_raises_it(
    data64, loss64, grid, start
):
    x, y = data64
    for a in [start, *grid]:
        g = fit_line.gradient(x, y, a)
        assert loss64(a - 0.01 * g) < loss64(a) < loss64(a + 0.01 * g)


def test_the_gradient_is_at_right_angles_to_the_contour(data64, loss64, grid):
    # along the contour (perpendicular to g) the loss changes only to second order in the step t
    x, y = data64
    t = 1e-3
    for a in grid:
        g = fit_line.gradient(x, y, a)
        along = torch.stack([-g[1], g[0]]) / g.norm()
        assert abs(loss64(a + t * along) - loss64(a)) < 2 * t**2
        assert abs(loss64(a - t * g / g.norm()) - loss64(a)) > 0.5 * t * g.norm()


def test_arrows_grow_with_the_distance_from_the_minimum_along_each_line_through_it(
    data64,
):
    x, y = data64
    best = fit_line.least_squares(x, y)[0]

    def length(a1, a2):
        return fit_line.gradient(x, y, torch.tensor([a1, a2], dtype=F64)).norm()

    for k in range(16):  # rays from the minimum in 16 directions
        d = torch.tensor(
            [math.cos(k * math.pi / 8), math.sin(k * math.pi / 8)], dtype=F64
        )
        along = [length(*(best + r * d)) for r in (0.5, 1.5, 2.5, 3.5)]
        assert along == sorted(along)
    assert length(*best) < 1e-14  # and vanish at the bottom


def test_the_bowl_curves_less_along_the_slope_axis(loss64, start):
    hessian = torch.autograd.functional.hessian(loss64, start)
    assert hessian[0, 0] < hessian[1, 1] / 2  # so the contours are wider along a1


def test_the_downhill_arrow_at_the_start_does_not_point_at_the_minimum(data64, start):
    x, y = data64
    g, best = fit_line.gradient(x, y, start), fit_line.least_squares(x, y)[0]
    angle = G.angle_between(-g, best - start)
    to_min = math.atan2(best[1] - start[1], best[0] - start[0])
    down = math.atan2(-g[1], -g[0])
    assert angle == pytest.approx(math.degrees(abs(down - to_min)), abs=1e-9)
    assert angle > 10


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_field_figure_draws_an_arrow_per_grid_point_in_both_themes(data64, theme):
    x, y = fit_line.make_data()
    a1 = torch.linspace(0, 6, 7, dtype=F64)
    a2 = torch.linspace(-0.5, 5.5, 7, dtype=F64)
    fig = G.plot_gradient_field(
        x, y, a1, a2, torch.tensor(START, dtype=F64), theme=theme, lr=0.15
    )
    ax = fig.axes[0]
    quivers = [c for c in ax.collections if c.__class__.__name__ == "Quiver"]
    assert [q.N for q in quivers] == [49, 1, 1]
    g = G.gradient_field(x.double(), y.double(), a1, a2)
    np.testing.assert_allclose(
        quivers[0].U, (-0.15 * g[..., 0]).flatten().numpy()
    )  # arrows are -lr * grad
    assert (
        fig.legends
        and render.PALETTES[theme]["bg"] in render.figure_bytes(fig).decode()
    )


# ---------------------------------------------------------------------------------------------
# Steepest descent


def test_directional_slopes_equal_d_dot_gradient(data64, loss64, start):
    x, y = data64
    g = fit_line.gradient(x, y, start)
    angles = [2 * math.pi * k / 24 for k in range(24)]
    expected = [math.cos(t) * g[0].item() + math.sin(t) * g[1].item() for t in angles]
    assert G.directional_slopes(loss64, start, angles) == pytest.approx(
        expected, abs=1e-9
    )


def test_no_direction_is_steeper_than_minus_the_gradient(data64, loss64, start):
    x, y = data64
    g = fit_line.gradient(x, y, start)
    angles = [math.radians(k / 4) for k in range(4 * 360)]
    slopes = G.directional_slopes(loss64, start, angles)
    assert min(slopes) >= -g.norm().item() - 1e-9
    down = math.degrees(math.atan2(-g[1], -g[0])) % 360
    assert math.degrees(angles[slopes.index(min(slopes))]) == pytest.approx(
        down, abs=0.125
    )
    along = G.directional_slopes(loss64, start, [math.radians(down)])[0]
    assert along == pytest.approx(-g.norm().item(), abs=1e-9)
    assert max(slopes) == pytest.approx(
        g.norm().item(), rel=1e-5
    )  # along +g the loss rises fastest


def test_at_right_angles_to_the_gradient_the_slope_is_zero(data64, loss64, start):
    x, y = data64
    g = fit_line.gradient(x, y, start)
    across = math.atan2(g[1], g[0]) + math.pi / 2
    for theta in (across, across + math.pi):
        assert abs(G.directional_slopes(loss64, start, [theta])[0]) < 1e-9


def test_the_animation_turns_the_arrow_and_traces_the_slope():
    x, y = fit_line.make_data()
    assert defaults(G.animate_directions)["frames"] == 60  # the page's 6-degree steps
    frames = G.animate_directions(
        x, y, torch.tensor(START, dtype=F64), theme="light", frames=4
    )
    assert len(frames) == 5 and all(
        f.shape == frames[0].shape and f.dtype == np.uint8 for f in frames
    )
    assert (
        frames[0].shape[1] <= render.MAX_GIF_SIZE[0]
        and frames[0].shape[0] <= render.MAX_GIF_SIZE[1]
    )
    left, right = (
        slice(0, frames[0].shape[1] // 2),
        slice(frames[0].shape[1] // 2, None),
    )
    assert not np.array_equal(frames[0][:, left], frames[1][:, left])  # the arrow turns
    assert not np.array_equal(
        frames[0][:, right], frames[1][:, right]
    )  # the trace grows
    assert np.array_equal(
        frames[0][:, left], frames[4][:, left]
    )  # and after a full turn is back
    gif = Image.open(io.BytesIO(render.gif_bytes(frames)))
    assert gif.n_frames == len(frames)


def test_the_animation_has_a_dark_variant():
    x, y = fit_line.make_data()
    light, dark = (
        G.animate_directions(x, y, torch.tensor(START, dtype=F64), theme=t, frames=1)
        for t in ("light", "dark")
    )
    assert len(dark) == 2 and light[0].mean() > 1.5 * dark[0].mean()


# ---------------------------------------------------------------------------------------------
# Bad input, divergence


@pytest.mark.parametrize(
    "call, message",
    [
        (
            lambda: G.finite_difference(torch.exp, 1.0, h=0.0),
            r"h must be a positive, finite step, got 0\.0",
        ),
        (
            lambda: G.finite_difference(torch.exp, 1.0, h=-1e-5),
            "h must be a positive, finite step, got -1e-05",
        ),
        (
            lambda: G.finite_difference(torch.exp, 1.0, h=float("nan")),
            "h must be a positive, finite step, got nan",
        ),
        (
            lambda: G.finite_difference(torch.exp, 1.0, h=float("inf")),
            "h must be a positive, finite step, got inf",
        ),
        (
            lambda: G.finite_difference(torch.exp, 1.0, h="0.1"),
            "h must be a positive, finite step, got '0.1'",
        ),
        (
            lambda: G.finite_difference(torch.exp, torch.zeros(3), h=1e-5),
            r"f must return a scalar, got shape \(3,\)",
        ),
        (
            lambda: G.finite_difference(lambda a: [1.0], torch.zeros(3), h=1e-5),
            "f must return a scalar, got list",
        ),
        (
            lambda: G.finite_difference(torch.sum, torch.tensor([1, 2, 3]), h=1e-5),
            "a must hold floating-point numbers, got torch.int64",
        ),
        (
            lambda: G.finite_difference(torch.sum, "abc", h=1e-5),
            "a must be a tensor of numbers, got str",
        ),
        (
            lambda: G.autograd_gradient(torch.exp, torch.zeros(3)),
            r"f must return a scalar, got shape \(3,\)",
        ),
        (
            lambda: G.autograd_gradient(lambda a: a.sum().item(), torch.zeros(3)),
            "f must compute its result from a with torch operations",
        ),
        (
            lambda: G.autograd_gradient(torch.sum, [1, 2, 3]),
            "a must hold floating-point numbers",
        ),
        (lambda: G.steps_h(first=-5, last=-1), "first must be greater than last"),
        (
            lambda: G.descend(G.parabola, 3.0, lr=0.0, steps=5),
            r"need lr > 0 and an integer steps >= 0, got lr=0\.0",
        ),
        (
            lambda: G.descend(G.parabola, 3.0, lr=0.1, steps=2.5),
            "got lr=0.1, steps=2.5",
        ),
        (
            lambda: G.directional_slopes(torch.sum, torch.zeros(3), [0.0]),
            r"need a 2-D point and h > 0, got shape \(3,\)",
        ),
        (lambda: G.directional_slopes(torch.sum, torch.zeros(2), [0.0], h=0), "h=0"),
        (
            lambda: G.animate_directions(
                *fit_line.make_data(n=10), torch.zeros(2), frames=0
            ),
            "frames must be an integer of at least 1, got 0",
        ),
    ],
)
def test_bad_arguments_raise_a_clear_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_every_call_in_the_pages_error_list_raises_a_value_error():
    page = (ROOT / "docs" / "gradients.md").read_text()
    block = re.search(r'id="grad-errors"\n(.*?)\n```', page, re.DOTALL)[1]
    calls = re.findall(r'"((?:finite_difference|autograd_gradient)\(.*?\))"', block)
    assert len(calls) >= 5
    # each message names the argument at fault: "h must be ...", "f must ..."
    for call in calls:
        with pytest.raises(ValueError, match=r"^\w+ must "):
            eval(
                call,
                {
                    "torch": torch,
                    "finite_difference": G.finite_difference,
                    "autograd_gradient": G.autograd_gradient,
                },
            )


def test_divergence_is_a_result_not_a_crash():
    a = torch.tensor([1000.0, 1.0], dtype=torch.float32)

    def f(a):
        return torch.exp(a).sum()  # exp(1000) overflows float32

    assert not torch.isfinite(G.finite_difference(f, a, 1e-3)).all()
    assert not torch.isfinite(G.autograd_gradient(f, a)).all()


# ---------------------------------------------------------------------------------------------
# Exercise 2: the gradient of the mean absolute error


def test_mae_gradient_equals_autograd(data64, start):
    x, y = data64
    for a in (start, torch.tensor([2.0, 3.0], dtype=F64)):
        by_autograd = G.autograd_gradient(lambda a: (x @ a - y).abs().mean(), a)
        assert_close(G.mae_gradient(x, y, a), by_autograd, rtol=0, atol=1e-14)


def test_autograd_takes_the_slope_of_abs_at_0_to_be_0():
    assert torch.equal(
        G.autograd_gradient(lambda a: a.abs().sum(), torch.zeros(3)), torch.zeros(3)
    )


def test_moving_a_point_further_away_changes_the_mse_gradient_but_not_the_mae_gradient(
    data64, start
):
    x, y = data64
    i = int((x @ start - y).argmax())  # a point below the line: residual > 0
    y_far = y.clone()
    y_far[i] -= 10.0  # same side, further away
    assert_close(
        G.mae_gradient(x, y_far, start), G.mae_gradient(x, y, start), rtol=0, atol=0
    )
    assert (
        fit_line.gradient(x, y_far, start) - fit_line.gradient(x, y, start)
    ).abs().max() > 0.1


# ---------------------------------------------------------------------------------------------
# Helpers the page prints with, and the whole program


def test_numbers_are_printed_with_true_minus_signs_and_no_negative_zero():
    assert G.vec(torch.tensor([-2.73762, 1e-17, -1e-17])) == "(−2.7376, 0.0000, 0.0000)"
    assert (
        G.sci(1e-5, 0) == "10⁻⁵"
        and G.sci(3.3e-11) == "3.3 × 10⁻¹¹"
        and G.sci(0.1, 0) == "10⁻¹"
    )
    assert G.minus("-1.04") == "−1.04"


def test_the_page_uses_the_settings_its_prose_describes():
    assert G.parabola(torch.tensor(1.0)) == 0  # the bowl's bottom is at x = 1
    hs = G.steps_h()
    assert len(hs) == 53 and hs[1] / hs[0] == pytest.approx(
        10**-0.25
    )  # four steps per decade


def test_the_whole_program_on_the_page_runs_when_pasted_into_a_fresh_file(
    tmp_path, data64, loss64, start
):
    out = run_program("gradients.md", "gradient_check.py", tmp_path)
    assert len(out) == 4 and out[0].startswith("gradient of the MSE at a = [-1.0, 1.0]")
    g = G.autograd_gradient(loss64, start)
    assert all(f"({g[0]:+.6f}, {g[1]:+.6f})" in line for line in out[1:])
    gaps = [float(line.rsplit("differs by ", 1)[1]) for line in out[2:]]
    assert gaps[0] < 1e-14 and gaps[1] < 1e-9
