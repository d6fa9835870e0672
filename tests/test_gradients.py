"""The claims of docs/gradients.md, checked against independent computations (closed forms, the
formula 2/n X^T (X a - y) written out here, the normal equations, central differences computed by
hand, numpy's polynomial fit), and the page's drawings smoke-tested."""

import inspect
import io
import math
import re

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure
from PIL import Image

from conftest import Call, assert_close, run_program, table_of_bad_inputs
from snippets import fit_line, gradients
from snippets.drawing import gradients as draw
from snippets.drawing import line_problem, numbers, render

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
    return lambda a: ((x @ a - y) ** 2).mean()  # the MSE, written here


@pytest.fixture(scope="module")
def start():
    return torch.tensor(START, dtype=F64)


@pytest.fixture(scope="module")
def best(data64):
    """The least-squares line from the normal equations, independent of the page's lstsq."""
    x, y = data64
    return torch.linalg.solve(x.T @ x, x.T @ y)


def formula(x, y, a):
    """The MSE gradient 2/n X^T (X a - y), written here."""
    return 2 / len(y) * x.T @ (x @ a - y)


def central_errors(deltas, dtype):
    """|central difference of exp at 1 - e| for each step, computed here without the lesson."""
    x = torch.tensor(1.0, dtype=dtype)
    errs = []
    for delta in deltas:
        step = torch.tensor(delta, dtype=dtype)
        estimate = (torch.exp(x + step) - torch.exp(x - step)) / (2 * delta)
        errs.append(abs(estimate.item() - math.e))
    return errs


def fitted_slope(deltas, errs):
    """The slope of log10(error) against log10(delta), by numpy's least-squares polynomial fit."""
    return np.polyfit(np.log10(deltas), np.log10(errs), 1)[0]


@pytest.fixture(scope="module")
def errors():
    """The page's steps delta, and the error of exp's central difference at 1 in both precisions."""
    deltas, e64 = draw.step_errors(torch.float64)
    return deltas, e64, draw.step_errors(torch.float32)[1]


def error_at(deltas, errs, delta):
    return errs[
        min(range(len(deltas)), key=lambda k: abs(math.log10(deltas[k] / delta)))
    ]


def table_rows(markdown):
    return [
        [cell.strip() for cell in row.strip("|").split("|")]
        for row in markdown.splitlines()[2:]
    ]


def parse_vec(text):
    return torch.tensor(
        [float(t) for t in text.replace("−", "-").strip("()").split(",")], dtype=F64
    )


# -- which way is down ----------------------------------------------------------------------------


def test_autograd_slopes_of_the_parabola_are_2_times_x_minus_1():
    for x in XS:
        slope = gradients.autograd_gradient(
            gradients.parabola, torch.tensor(x, dtype=F64)
        )
        assert slope.item() == 2 * (x - 1)


def test_the_parabola_is_lowest_at_1():
    u = torch.linspace(-3, 5, 801, dtype=F64)
    assert_close(u[gradients.parabola(u).argmin()], 1.0, atol=1e-12)
    assert gradients.parabola(torch.tensor(1.0)) == 0


def test_downhill_is_against_the_slope_on_either_side_of_the_bottom():
    # the page: negative slope -> down is to the right; positive -> to the left; zero -> the bottom
    def f(x):
        return (x - 1) ** 2  # the bowl, written here

    for x in XS:
        slope = gradients.autograd_gradient(
            gradients.parabola, torch.tensor(x, dtype=F64)
        )
        if slope == 0:
            assert x == 1 and all(f(x + d) > f(x) for d in (-1e-3, 1e-3))
            continue
        step = 1e-3 * slope.item()
        assert f(x - step) < f(x) < f(x + step)
        assert (x - step > x) == (slope < 0)  # against a negative slope is to the right


def test_a_steeper_slope_does_not_mean_the_bottom_is_further_away():
    # the page once said "the steeper the slope, the further away the bottom is"; two bowls
    # with their bottom at 1 show otherwise: 10 (x - 1)^2 has slope 20 (x - 1), (x - 1)^2 has 2 (x - 1)
    near, far = torch.tensor(1.5, dtype=F64), torch.tensor(3.0, dtype=F64)
    steep = gradients.autograd_gradient(lambda x: 10 * gradients.parabola(x), near)
    gentle = gradients.autograd_gradient(gradients.parabola, far)
    assert_close(steep, 20 * (1.5 - 1), atol=1e-12)
    assert_close(gentle, 2 * (3.0 - 1), atol=1e-12)
    assert abs(steep) > abs(gentle) and abs(near - 1) < abs(far - 1)


# -- autograd -------------------------------------------------------------------------------------


def test_autograd_of_x_squared_at_3_is_6():
    g = gradients.autograd_gradient(lambda x: x**2, torch.tensor(3.0))
    assert g.item() == 6.0 and g.shape == ()


def test_autograd_gradient_leaves_the_callers_tensor_alone():
    a = torch.tensor([1.0, 2.0], dtype=F64)
    gradients.autograd_gradient(lambda a: (a**2).sum(), a)
    assert a.grad is None and not a.requires_grad
    b = (
        a.clone().requires_grad_()
    )  # a tensor that is itself tracked keeps no gradient either
    gradients.autograd_gradient(lambda a: (a**2).sum(), b)
    assert b.grad is None


def test_autograd_matches_the_rule_and_finite_differences_on_a_curved_function():
    # exercise 1's function, f(a) = sum a^2 sin a, whose gradient is 2 a sin a + a^2 cos a
    a = torch.tensor([0.5, -1.0, 2.0], dtype=F64)

    def f(a):
        return (a**2 * torch.sin(a)).sum()

    by_rule = 2 * a * torch.sin(a) + a**2 * torch.cos(a)
    assert_close(gradients.autograd_gradient(f, a), by_rule, atol=1e-14)
    assert_close(gradients.finite_difference(f, a, 1e-5), by_rule, atol=1e-9)


def test_each_step_of_descend_halves_the_distance_to_the_bottom_with_lr_0_25():
    xs = gradients.descend(gradients.parabola, x0=3.0, lr=0.25, steps=6)
    assert_close(xs, [1 + 2 * 0.5**t for t in range(7)], atol=1e-15)


def test_descend_takes_the_steps_of_the_rule_x_minus_lr_times_2_x_minus_1():
    xs, x = gradients.descend(gradients.parabola, x0=-2.0, lr=0.1, steps=20), -2.0
    for t in range(21):
        assert_close(xs[t], x, atol=1e-14)
        x -= 0.1 * 2 * (x - 1)


def test_without_clearing_the_gradient_descend_would_take_other_steps():
    # backward adds to .grad: the second step would use f'(x0) + f'(x1), not f'(x1)
    x = torch.tensor(3.0, dtype=F64, requires_grad=True)
    for _ in range(2):
        ((x - 1) ** 2).backward()
        with torch.no_grad():
            x -= 0.25 * x.grad
    assert_close(x, 3.0 - 0.25 * 4 - 0.25 * (4 + 2), atol=1e-15)
    assert_close(
        gradients.descend(gradients.parabola, 3.0, 0.25, 2)[-1], 1.5, atol=1e-15
    )


# -- gradients accumulate -------------------------------------------------------------------------


def test_accumulated_gradient_is_the_sum_of_the_separate_ones(data64, start):
    x, y = data64
    first_half, second_half = draw.halves(x, y)
    first, second = gradients.backward_twice(
        first_half, second_half, start, zero_grad=False
    )
    g1, g2 = formula(x[:50], y[:50], start), formula(x[50:], y[50:], start)
    assert_close(first, g1, atol=1e-14)
    assert_close(second, g1 + g2, atol=1e-14)


def test_the_same_backward_twice_doubles_the_gradient(loss64, start):
    first, second = gradients.backward_twice(loss64, loss64, start, zero_grad=False)
    assert_close(second, 2 * first, atol=1e-14)


def test_zeroing_in_between_leaves_only_the_second_gradient(data64, start):
    x, y = data64
    _, second = gradients.backward_twice(*draw.halves(x, y), start, zero_grad=True)
    assert_close(second, formula(x[50:], y[50:], start), atol=1e-14)


def test_half_the_sum_of_the_halves_gradients_is_the_full_gradient(data64, start):
    x, y = data64
    assert len(y) % 2 == 0  # the page: the halves are the same size
    _, summed = gradients.backward_twice(*draw.halves(x, y), start, zero_grad=False)
    assert_close(summed / 2, formula(x, y, start), atol=1e-14)


# -- the formula ----------------------------------------------------------------------------------


def test_formula_equals_autograd_to_the_last_bits_in_float64(
    data64, loss64, start, best
):
    x, y = data64
    seeded = torch.Generator().manual_seed(0)
    for a in [start, best, *torch.randn(5, 2, dtype=F64, generator=seeded)]:
        by_autograd = gradients.autograd_gradient(loss64, a)
        by_formula = fit_line.gradient(x, y, a)
        scale = max(1.0, by_formula.abs().max().item())
        assert_close(by_autograd, by_formula, atol=8 * torch.finfo(F64).eps * scale)


def test_gradient_is_zero_at_the_least_squares_solution(loss64, best):
    assert_close(gradients.autograd_gradient(loss64, best), torch.zeros(2), atol=1e-14)


# -- finite differences ---------------------------------------------------------------------------


def test_finite_difference_equals_autograd_at_h_1e_5_in_float64(loss64, data64, start):
    x, y = data64
    assert_close(
        gradients.finite_difference(loss64, start, 1e-5),
        formula(x, y, start),
        atol=1e-9,
    )
    exp_at_1 = gradients.finite_difference(
        torch.exp, torch.tensor(1.0, dtype=F64), 1e-5
    )
    assert_close(exp_at_1, math.e, atol=1e-9)


def test_finite_difference_returns_a_tensor_like_a():
    for a in (
        torch.tensor(1.0, dtype=F64),
        torch.ones(3, dtype=torch.float32),
        torch.ones(2, 3, dtype=F64),
    ):
        g = gradients.finite_difference(lambda a: (a**3).sum(), a, 1e-3)
        assert g.shape == a.shape and g.dtype == a.dtype
        assert_close(g, 3 * a**2, rtol=1e-3, atol=1e-3)


def test_the_quadratic_loss_has_no_truncation_error_so_the_large_step_wins(
    data64, loss64, start
):
    x, y = data64
    exact = formula(x, y, start)
    gap = {
        delta: (gradients.finite_difference(loss64, start, delta) - exact)
        .abs()
        .max()
        .item()
        for delta in (1e-1, 1e-5)
    }
    assert gap[1e-1] < 1e-13 and gap[1e-1] < gap[1e-5]


def test_the_step_errors_the_page_draws_are_the_central_differences_of_exp(errors):
    deltas, e64, e32 = errors
    assert_close(deltas[0], 1e-1, rtol=1e-12)
    assert_close(deltas[-1], 1e-14, rtol=1e-12)
    assert_close(e64, central_errors(deltas, F64), rtol=1e-9, atol=1e-17)
    assert_close(e32, central_errors(deltas, torch.float32), rtol=1e-6, atol=1e-9)


def test_the_error_at_a_middle_step_is_smaller_than_at_both_ends(errors):
    deltas, e64, _ = errors
    middle = error_at(deltas, e64, 1e-5)
    assert middle < 1e-9
    assert middle < e64[0] / 1e5 and middle < e64[-1] / 1e5


def test_truncation_error_falls_as_h_squared_on_the_right(errors):
    deltas, e64, _ = errors
    right = [(delta, err) for delta, err in zip(deltas, e64) if delta >= 1e-3]
    assert_close(fitted_slope(*zip(*right)), 2.0, atol=0.02)
    for (
        delta,
        err,
    ) in right:  # and its size is delta^2 f'''(1) / 6 = delta^2 e / 6, the dashed line
        assert_close(err, delta**2 * math.e / 6, rtol=1e-2)


def test_round_off_error_grows_as_one_over_h_on_the_left_below_eps_f_over_h(errors):
    deltas, e64, _ = errors
    left = [(delta, err) for delta, err in zip(deltas, e64) if delta <= 1e-8]
    assert -1.3 < fitted_slope(*zip(*left)) < -0.7
    best_delta = deltas[int(np.argmin(e64))]
    for delta, err in zip(deltas, e64):
        if delta <= best_delta:  # below the dotted line eps * f(1) / delta
            assert err < torch.finfo(F64).eps * math.e / delta


def test_float32_draws_the_v_higher_and_further_right(errors):
    deltas, e64, e32 = errors
    i64, i32 = int(np.argmin(e64)), int(np.argmin(e32))
    assert deltas[i32] > 100 * deltas[i64]
    assert e32[i32] > 1e4 * e64[i64]


def test_in_float32_the_estimate_is_zero_once_the_two_values_round_to_the_same_number(
    errors,
):
    deltas, _, e32 = errors
    eps32 = torch.finfo(torch.float32).eps
    zero = max(delta for delta, err in zip(deltas, e32) if err == math.e)
    assert eps32 / 4 <= zero <= eps32
    x = torch.tensor(1.0)
    for delta in (
        deltas
    ):  # from there down the two values of exp are equal, and the error is all of e
        same = torch.exp(x + delta) == torch.exp(x - delta)
        assert same == (delta <= zero)
        assert same == (gradients.finite_difference(torch.exp, x, delta).item() == 0)
    assert (
        x + eps32 / 4 == x and x - eps32 / 4 == x
    )  # far enough down, x +- delta is x itself


def test_the_best_step_is_within_a_factor_of_3_of_the_cube_root_of_3_eps(errors):
    # exercise 3: delta* = (3 eps)^(1/3), and the measured bottom is a little lower
    deltas, e64, e32 = errors
    for dtype, errs in ((F64, e64), (torch.float32, e32)):
        theory = (3 * torch.finfo(dtype).eps) ** (1 / 3)
        assert theory / 3 < deltas[int(np.argmin(errs))] <= theory


def test_the_forward_difference_has_truncation_h_over_2_and_a_best_step_near_sqrt_eps(
    errors,
):
    # exercise 4, computed here independently of the lesson
    deltas = errors[0]
    x = torch.tensor(1.0, dtype=F64)
    forward = [
        abs(((torch.exp(x + delta) - torch.exp(x)) / delta).item() - math.e)
        for delta in deltas
    ]
    for delta, err in zip(deltas, forward):
        if 1e-5 <= delta <= 1e-3:
            assert_close(err, delta / 2 * math.e, rtol=2e-3)
    root_eps = math.sqrt(torch.finfo(F64).eps)
    assert root_eps / 3 < deltas[int(np.argmin(forward))] < 3 * root_eps


# -- the gradient points uphill -------------------------------------------------------------------


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
        g = formula(x, y, a)
        assert loss64(a - 0.01 * g) < loss64(a) < loss64(a + 0.01 * g)


def test_the_gradient_is_at_right_angles_to_the_contour(data64, loss64, grid):
    # along the contour (perpendicular to g) the loss changes only to second order in the step t
    x, y = data64
    t = 1e-3
    for a in grid:
        g = formula(x, y, a)
        along = torch.stack([-g[1], g[0]]) / g.norm()
        assert abs(loss64(a + t * along) - loss64(a)) < 2 * t**2
        assert abs(loss64(a - t * g / g.norm()) - loss64(a)) > 0.5 * t * g.norm()


def test_arrows_grow_with_the_distance_from_the_minimum_along_each_line_through_it(
    data64, best
):
    x, y = data64
    for k in range(16):  # rays from the minimum in 16 directions
        d = torch.tensor(
            [math.cos(k * math.pi / 8), math.sin(k * math.pi / 8)], dtype=F64
        )
        along = [formula(x, y, best + r * d).norm() for r in (0.5, 1.5, 2.5, 3.5)]
        assert along == sorted(along)
    assert formula(x, y, best).norm() < 1e-14  # and vanish at the bottom


def test_the_bowl_curves_less_along_the_slope_axis(data64):
    x, _ = data64
    hessian = 2 / len(x) * x.T @ x  # of the MSE, in closed form
    assert hessian[0, 0] < hessian[1, 1] / 2  # so the contours are wider along a1


def test_the_downhill_arrow_at_the_start_points_25_degrees_off_the_minimum(
    data64, start, best
):
    x, y = data64
    g = formula(x, y, start)
    to_min = math.atan2(best[1] - start[1], best[0] - start[0])
    down = math.atan2(-g[1], -g[0])
    assert_close(
        draw.angle_between(-g, best - start),
        math.degrees(abs(down - to_min)),
        atol=1e-9,
    )
    assert round(math.degrees(abs(down - to_min))) == 25


# -- steepest descent -----------------------------------------------------------------------------


def radians(*degrees):
    return torch.tensor([math.radians(d) for d in degrees], dtype=F64)


def test_directional_slopes_equal_d_dot_gradient(data64, loss64, start):
    x, y = data64
    g = formula(x, y, start)
    angles = torch.arange(24, dtype=F64) * 2 * math.pi / 24
    expected = angles.cos() * g[0] + angles.sin() * g[1]
    assert_close(
        gradients.directional_slopes(loss64, start, angles), expected, atol=1e-9
    )


def test_no_direction_is_steeper_than_minus_the_gradient(data64, loss64, start):
    x, y = data64
    g = formula(x, y, start)
    angles = torch.arange(4 * 360, dtype=F64) * math.pi / (4 * 180)
    slopes = gradients.directional_slopes(loss64, start, angles)
    assert min(slopes) >= -g.norm().item() - 1e-9
    down = math.degrees(math.atan2(-g[1], -g[0])) % 360
    assert_close(math.degrees(angles[slopes.index(min(slopes))]), down, atol=0.125)
    along = gradients.directional_slopes(loss64, start, radians(down))[0]
    assert_close(along, -g.norm(), atol=1e-9)
    assert_close(max(slopes), g.norm(), rtol=1e-5)  # along +g the loss rises fastest


def test_the_45_degrees_at_the_start_is_a_coincidence_of_nearly_equal_parts(
    data64, loss64
):
    # at (-1, 1) the two parts of the gradient are within 0.2% of each other; at (5, 4) the
    # steepest of 360 directions is nowhere near 45 degrees, and is again where -g points
    x, y = data64
    g = formula(x, y, torch.tensor(START, dtype=F64))
    assert abs(g[0] - g[1]) < 2e-3 * abs(g[0])
    a = torch.tensor([5.0, 4.0], dtype=F64)
    g = formula(x, y, a)
    angles = torch.arange(360, dtype=F64) * math.pi / 180
    slopes = gradients.directional_slopes(loss64, a, angles)
    best = slopes.index(min(slopes))
    down = math.degrees(math.atan2(-g[1], -g[0])) % 360
    assert abs(best - down) <= 0.5 and abs(best - 45) > 90
    assert_close(min(slopes), -g.norm(), rtol=1e-4)


def test_at_right_angles_to_the_gradient_the_slope_is_zero(data64, loss64, start):
    x, y = data64
    g = formula(x, y, start)
    across = math.atan2(g[1], g[0]) + math.pi / 2
    angles = torch.tensor([across, across + math.pi], dtype=F64)
    assert_close(
        gradients.directional_slopes(loss64, start, angles), [0.0, 0.0], atol=1e-9
    )


# -- exercise 2: the gradient of the mean absolute error ------------------------------------------


def test_mae_gradient_equals_autograd(data64, start):
    x, y = data64
    for a in (start, torch.tensor([2.0, 3.0], dtype=F64)):
        by_autograd = gradients.autograd_gradient(lambda a: (x @ a - y).abs().mean(), a)
        assert_close(gradients.mae_gradient(x, y, a), by_autograd, atol=1e-14)


def test_moving_a_point_further_away_changes_the_mse_gradient_but_not_the_mae_gradient(
    data64, start
):
    x, y = data64
    i = int((x @ start - y).argmax())  # a point below the line: residual > 0
    y_far = y.clone()
    y_far[i] -= 10.0  # same side, further away
    assert_close(
        gradients.mae_gradient(x, y_far, start), gradients.mae_gradient(x, y, start)
    )
    assert (formula(x, y_far, start) - formula(x, y, start)).abs().max() > 0.1


# -- what PyTorch does, which the page relies on --------------------------------------------------


def test_pytorch_refuses_a_step_on_a_leaf_tensor_outside_no_grad():
    x = torch.tensor(3.0, requires_grad=True)
    (x**2).backward()
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x -= 0.1 * x.grad
    with torch.no_grad():  # and the page's way does not
        x -= 0.1 * x.grad
    assert_close(x, 2.4, atol=1e-6)


def test_pytorch_accumulates_four_quarter_weighted_batches_into_the_full_gradient(
    data64, start
):
    # exercise 5
    x, y = data64
    a = start.clone().requires_grad_()
    for batch in torch.arange(len(y)).chunk(4):
        (((x[batch] @ a - y[batch]) ** 2).mean() / 4).backward()
    assert_close(a.grad, formula(x, y, start), atol=1e-14)


def test_pytorch_clears_a_gradient_three_ways(loss64, start):
    a = start.clone().requires_grad_()
    loss64(a).backward()
    a.grad.zero_()
    assert torch.equal(a.grad, torch.zeros(2, dtype=F64))
    a.grad = None
    loss64(a).backward()  # a fresh gradient, not a sum
    assert_close(a.grad, gradients.autograd_gradient(loss64, start))
    # opt.zero_grad() sets the gradients to None: its default (read without building an optimizer,
    # whose first construction costs seconds of imports)
    zero_grad = inspect.signature(torch.optim.Optimizer.zero_grad)
    assert zero_grad.parameters["set_to_none"].default is True


def test_pytorch_max_of_a_tensor_with_a_nan_is_nan_where_pythons_max_skips_it():
    # exercise 6's solution keeps its errors in a tensor for this reason
    nan = float("nan")
    assert max(0.0, nan) == 0.0
    assert math.isnan(torch.tensor([0.0, nan, 1.0]).max().item())


def test_pytorch_takes_the_slope_of_abs_at_0_to_be_0():
    a = torch.zeros(3, requires_grad=True)
    a.abs().sum().backward()
    assert torch.equal(a.grad, torch.zeros(3))


# -- when the input is wrong ----------------------------------------------------------------------


def points10():
    x, y = fit_line.make_data(n=10)
    return x.double(), y.double()


def total(a):
    return (a**2).sum()


class Named:
    """A function to hand to the lesson, shown by what it does in the test ids."""

    def __init__(self, name, fn):
        self.name, self.fn = name, fn

    def __call__(self, a):
        return self.fn(a)

    def __repr__(self):
        return self.name


FUNCTION = [None, "f", 3.0]  # not something to call
NOT_ONE_NUMBER = [
    Named("two numbers", lambda a: torch.stack([a.sum(), a.sum()])),
    Named("a list", lambda a: [1.0]),
    Named("text", lambda a: "1"),
]
UNTRACED = [  # one number, but not one autograd can trace back to a
    Named("a float", lambda a: 1.0),
    Named("item()", lambda a: a.sum().item()),
    Named("a constant tensor", lambda a: torch.tensor(1.0)),
]
TENSOR = [None, "x", [1.0, 2.0], torch.zeros(0), torch.tensor([1, 2])]

CALLS = [
    # the checks name what they check as the caller names it: here, after the argument they check
    Call(
        gradients.check_scalar,
        {"value": [torch.zeros(2), [1.0], "1", None, True]},
        name="value",
        value=lambda: torch.tensor(1.0),
    ),
    Call(
        gradients.check_finite,
        {"value": [float("nan"), float("inf"), -float("inf"), "1", None, True]},
        name="value",
        value=1.0,
    ),
    Call(gradients.parabola, {"x": TENSOR}, x=lambda: torch.tensor(2.0)),
    Call(
        gradients.autograd_gradient,
        {"f": FUNCTION + NOT_ONE_NUMBER + UNTRACED, "a": TENSOR},
        f=lambda: total,
        a=lambda: torch.ones(3),
    ),
    Call(
        gradients.descend,
        {
            "f": FUNCTION + NOT_ONE_NUMBER + UNTRACED,
            "x0": [float("nan"), float("inf"), "3", None, True],
            "lr": "positive",
            "steps": "count",
        },
        f=lambda: gradients.parabola,
        x0=3.0,
        lr=0.25,
        steps=3,
    ),
    Call(
        gradients.backward_twice,
        {
            "f1": FUNCTION + NOT_ONE_NUMBER + UNTRACED,
            "f2": FUNCTION + NOT_ONE_NUMBER + UNTRACED,
            "a": TENSOR,
            "zero_grad": [None, "yes", 1, 0.0],
        },
        f1=lambda: total,
        f2=lambda: total,
        a=lambda: torch.ones(3),
        zero_grad=True,
    ),
    Call(
        gradients.finite_difference,
        {"f": FUNCTION + NOT_ONE_NUMBER, "a": TENSOR, "delta": "positive"},
        f=lambda: total,
        a=lambda: torch.ones(3),
        delta=1e-5,
    ),
    Call(
        gradients.directional_slopes,
        {
            "f": FUNCTION + NOT_ONE_NUMBER,
            "a": [*TENSOR, torch.zeros(3), torch.zeros(1), torch.zeros(2, 2)],
            "angles": [
                *TENSOR,
                torch.tensor(0.5),
                torch.tensor([0.0, float("nan")]),
                torch.tensor([float("inf")]),
            ],
            "delta": "positive",
        },
        f=lambda: total,
        a=lambda: torch.zeros(2),
        angles=lambda: torch.tensor([0.0, 1.0]),
    ),
    Call(
        gradients.mae_gradient,
        {
            "x": [None, torch.zeros(10), torch.zeros(0, 2)],
            "y": [None, torch.zeros(9)],
            "a": [*TENSOR, torch.zeros(3), torch.zeros(2, 1)],
        },
        x=lambda: points10()[0],
        y=lambda: points10()[1],
        a=lambda: torch.zeros(2, dtype=F64),
    ),
]


(
    test_every_public_lesson_function_is_in_the_table_of_bad_inputs,
    test_each_call_of_the_table_is_valid,
    test_a_bad_argument_is_refused_with_a_message_that_names_it,
) = table_of_bad_inputs(gradients, CALLS)


def test_divergence_is_a_result_not_a_crash():
    a = torch.tensor([1000.0, 1.0], dtype=torch.float32)

    def f(a):
        return torch.exp(a).sum()  # exp(1000) overflows float32

    assert not torch.isfinite(gradients.finite_difference(f, a, 1e-3)).all()
    assert not torch.isfinite(gradients.autograd_gradient(f, a)).all()
    xs = gradients.descend(gradients.parabola, x0=3.0, lr=10.0, steps=400)
    # each step multiplies the distance to the bottom by 1 - 2 lr = -19, until it overflows
    assert len(xs) == 401 and not math.isfinite(xs[-1])


# -- the whole program ----------------------------------------------------------------------------


def test_the_whole_program_on_the_page_runs_when_pasted_into_a_fresh_file(
    tmp_path, data64, start
):
    out = run_program("gradients.md", "gradient_check.py", tmp_path)
    assert len(out) == 4 and out[0].startswith("gradient of the MSE at a = [-1.0, 1.0]")
    g = formula(*data64, start)
    assert all(f"({g[0]:+.6f}, {g[1]:+.6f})" in line for line in out[1:])
    gaps = [float(line.rsplit("differs by ", 1)[1]) for line in out[2:]]
    assert gaps[0] < 1e-14 and gaps[1] < 1e-9


# -- the drawing ----------------------------------------------------------------------------------


def test_slope_table_says_right_where_the_slope_is_negative_and_left_where_positive():
    rows = table_rows(draw.slope_table(gradients.parabola, XS))
    assert [float(r[0].replace("−", "-")) for r in rows] == XS
    assert [float(r[1]) for r in rows] == [(x - 1) ** 2 for x in XS]
    assert [float(r[2].replace("−", "-")) for r in rows] == [2 * (x - 1) for x in XS]
    ways = {-1: "to the right", 0: "nowhere: the bottom", 1: "to the left"}
    assert [r[3] for r in rows] == [ways[(x > 1) - (x < 1)] for x in XS]


def test_descent_table_shows_the_distance_halving(data64):
    xs = gradients.descend(gradients.parabola, x0=3.0, lr=0.25, steps=6)
    rows = table_rows(draw.descent_table(xs, gradients.parabola))
    assert [int(r[0]) for r in rows] == list(range(7))
    assert_close([float(r[3]) for r in rows], [2 * 0.5**t for t in range(7)], atol=1e-4)
    assert_close(
        [float(r[2]) for r in rows], [4 * 0.25**t for t in range(7)], atol=1e-6
    )


def test_in_place_error_is_pytorchs_message_for_a_step_outside_no_grad():
    assert "leaf Variable that requires grad" in draw.in_place_error()


def test_accumulation_table_shows_the_sum_without_zeroing_and_the_second_half_with_it(
    data64, start
):
    x, y = data64
    (name1, first1, second1), (name2, first2, second2) = table_rows(
        draw.accumulation_table(x, y, start)
    )
    assert name1 == "without zeroing" and "zero_()" in name2 and first1 == first2
    g1, g2 = formula(x[:50], y[:50], start), formula(x[50:], y[50:], start)
    assert_close(parse_vec(first1), g1, atol=1e-4)
    assert_close(parse_vec(second1), g1 + g2, atol=1e-4)
    assert_close(parse_vec(second2), g2, atol=1e-4)


def test_gradient_table_has_a_row_per_point_with_matching_columns(data64, start, best):
    x, y = data64
    rows = table_rows(draw.gradient_table(x, y, [start, best]))
    assert len(rows) == 2
    for _, by_autograd, by_formula, _ in rows:
        assert by_autograd == by_formula
    assert_close(parse_vec(rows[0][1]), formula(x, y, start), atol=1e-6)
    assert "−0.000000" not in rows[1][1]  # no negative zero at the minimum
    # an exact zero difference says so, and not "0.0 × 10⁰"
    for row, a in zip(rows, (start, best)):
        by_autograd = gradients.autograd_gradient(lambda a: fit_line.mse(x @ a, y), a)
        exact = torch.equal(by_autograd, fit_line.gradient(x, y, a))
        assert (row[3] == "0: the same bits") == exact and "× 10⁰" not in row[3]


def test_gradient_table_gives_the_same_bits_wherever_its_memory_lies(data64):
    # the page prints autograd's and the formula's difference at the least-squares answer, a
    # number made of round-off: it must come from computations whose last bits do not vary
    # from one process to the next (the default lstsq driver's did)
    x, y = data64
    tables, kept = set(), []
    for i in range(200):  # the default driver gave three answers in 200
        kept.append(torch.empty(7 * i + 1, dtype=F64))  # shift what the allocator gives
        a = line_problem.least_squares(x.clone(), y.clone())[0]
        tables.add(draw.gradient_table(x.clone(), y.clone(), [a]))
    assert len(tables) == 1


def test_check_table_rows_are_the_runs_numbers(data64, loss64, start):
    x, y = data64
    rows = table_rows(draw.check_table(loss64, start, [1e-5, 1e-1]))
    assert [r[0] for r in rows] == ["10⁻⁵", "10⁻¹"]
    for row in rows:
        assert_close(parse_vec(row[1]), formula(x, y, start), atol=1e-8)
        assert_close(parse_vec(row[2]), formula(x, y, start), atol=1e-8)


def test_regime_slopes_and_best_step_are_the_fits_and_the_minimum_of_the_errors(errors):
    deltas, e64, _ = errors
    right, left = draw.regime_slopes(deltas, e64, right=1e-3, left=1e-8)
    big = [(delta, e) for delta, e in zip(deltas, e64) if delta >= 1e-3]
    small = [(delta, e) for delta, e in zip(deltas, e64) if delta <= 1e-8]
    assert_close(right, fitted_slope(*zip(*big)), atol=1e-9)
    assert_close(left, fitted_slope(*zip(*small)), atol=1e-9)
    assert draw.best_step(deltas, e64) == (deltas[int(np.argmin(e64))], min(e64))
    assert_close(draw.truncation_guide(1e-2), 1e-4 * math.e / 6, rtol=1e-12)
    assert_close(
        draw.roundoff_guide(1e-2), torch.finfo(F64).eps * math.e / 1e-2, rtol=1e-12
    )
    with pytest.raises(ValueError, match="first must be greater than last"):
        draw.step_grid(first=-5, last=-1)


def test_gradient_field_is_the_formula_at_every_grid_point(data64):
    x, y = data64
    a1, a2 = torch.linspace(0, 6, 4, dtype=F64), torch.linspace(-0.5, 5.5, 3, dtype=F64)
    field = draw.gradient_field(x, y, a1, a2)
    assert field.shape == (3, 4, 2)
    for i, v in enumerate(a2):
        for j, u in enumerate(a1):
            assert_close(field[i, j], formula(x, y, torch.stack([u, v])), atol=1e-12)


def test_the_pages_error_table_shows_a_refusal_for_every_call():
    rows = table_rows(
        draw.error_table(gradients)
    )  # refusals fails on a call that is accepted
    assert len(rows) >= 8
    for call, said in rows:
        assert re.match(r"(ValueError|TypeError): \w+ must", said), (call, said)


def test_numbers_are_printed_with_true_minus_signs_and_no_negative_zero():
    assert (
        numbers.vec(torch.tensor([-2.73762, 1e-17, -1e-17]))
        == "(−2.7376, 0.0000, 0.0000)"
    )
    assert numbers.sci(1e-5, 0) == "10⁻⁵" and numbers.sci(3.3e-11) == "3.3 × 10⁻¹¹"


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_tangent_figure_draws_a_tangent_per_point_in_its_themes_colours(theme):
    fig = draw.plot_tangents(gradients.parabola, XS, theme=theme)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    tangents = [line for line in ax.get_lines() if line.get_gid() == "tangent"]
    assert len(tangents) == len(XS)
    for line, x in zip(tangents, XS):  # each segment has the slope of f at its point
        (x0, x1), (y0, y1) = line.get_xdata(), line.get_ydata()
        assert_close((y1 - y0) / (x1 - x0), 2 * (x - 1), atol=1e-9)
    # the curve lies above the grid lines, which would otherwise cut gaps in it
    curve = max(ax.get_lines(), key=lambda line: len(line.get_xdata()))
    assert curve.get_zorder() > max(ax.xaxis.get_zorder(), ax.yaxis.get_zorder())
    arrows = [t for t in ax.texts if getattr(t, "arrow_patch", None) is not None]
    assert len(arrows) == sum(x != 1 for x in XS)  # no arrow at the bottom
    svg = render.figure_bytes(fig).decode()
    assert render.PALETTES[theme]["cycle"][0] in svg and "#1f77b4" not in svg


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_step_error_figure_draws_both_precisions_and_both_guides(errors, theme):
    deltas, e64, e32 = errors
    fig = draw.plot_step_errors(deltas, e64, e32, theme=theme)
    lines = fig.axes[0].get_lines()
    assert (
        len(lines) == 6
    )  # two guides, two precisions, two circles round the best steps
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == [
        "float64",
        "float32",
    ]
    assert render.PALETTES[theme]["bg"] in render.figure_bytes(fig).decode()
    # the guides are drawn over the data (the dashed one once hid under the float64 curve) and
    # run past the bottom of the V, where the data part from them
    guides = {line.get_gid(): line for line in lines if line.get_gid()}
    data = [line for line in lines if line.get_label() in ("float64", "float32")]
    assert set(guides) == {"truncation guide", "round-off guide"}
    best = draw.best_step(deltas, e64)[0]
    assert min(guides["truncation guide"].get_xdata()) < best / 10
    assert max(guides["round-off guide"].get_xdata()) > best * 10
    assert all(g.get_zorder() > d.get_zorder() for g in guides.values() for d in data)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_field_figure_draws_an_arrow_per_grid_point_in_both_themes(data64, theme):
    x, y = fit_line.make_data()
    a1 = torch.linspace(0, 6, 7, dtype=F64)
    a2 = torch.linspace(-0.5, 5.5, 7, dtype=F64)
    fig = draw.plot_gradient_field(
        x, y, a1, a2, torch.tensor(START, dtype=F64), theme=theme, lr=0.15
    )
    ax = fig.axes[0]
    quivers = [c for c in ax.collections if c.__class__.__name__ == "Quiver"]
    assert [q.N for q in quivers] == [49, 1, 1]
    g = draw.gradient_field(x.double(), y.double(), a1, a2)
    assert_close(
        torch.as_tensor(quivers[0].U), (-0.15 * g[..., 0]).flatten(), atol=1e-12
    )
    assert (
        fig.legends
        and render.PALETTES[theme]["bg"] in render.figure_bytes(fig).decode()
    )


def test_the_animation_turns_the_arrow_and_traces_the_slope():
    x, y = fit_line.make_data()
    frames = draw.animate_directions(x, y, torch.tensor(START, dtype=F64), frames=4)
    assert len(frames) == 5
    assert all(f.shape == frames[0].shape and f.dtype == np.uint8 for f in frames)
    assert frames[0].shape[1] <= render.MAX_GIF_SIZE[0]
    assert frames[0].shape[0] <= render.MAX_GIF_SIZE[1]
    left = slice(0, frames[0].shape[1] // 2)
    right = slice(frames[0].shape[1] // 2, None)
    assert not np.array_equal(frames[0][:, left], frames[1][:, left])  # the arrow turns
    assert not np.array_equal(
        frames[0][:, right], frames[1][:, right]
    )  # the trace grows
    assert np.array_equal(
        frames[0][:, left], frames[4][:, left]
    )  # and after a full turn is back
    gif = Image.open(io.BytesIO(render.gif_bytes(frames)))
    assert gif.n_frames == len(frames)
    dark = draw.animate_directions(
        x, y, torch.tensor(START, dtype=F64), theme="dark", frames=1
    )
    assert len(dark) == 2 and frames[0].mean() > 1.5 * dark[0].mean()
    with pytest.raises(
        ValueError, match="frames must be an integer of at least 1, got 0"
    ):
        draw.animate_directions(x, y, torch.tensor(START, dtype=F64), frames=0)
