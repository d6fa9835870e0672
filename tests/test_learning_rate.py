"""The claims of docs/learning-rate.md, checked against independent computations (closed forms on
the parabola, the Hessian's eigenvalues from torch.linalg, least squares from the normal equations,
torch.optim and its schedulers), every argument's checks, and the page's drawings smoke-tested."""

import io
import itertools
import math
import re
import warnings

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.lines import Line2D
from PIL import Image

from conftest import (
    BAD,
    Call,
    assert_close,
    defaults,
    run_program,
    table_of_bad_inputs,
    time_limit,
)
from snippets import fit_line, loss_functions
from snippets import learning_rate as lr_mod
from snippets.drawing import learning_rate as draw
from snippets.drawing import line_problem, render

F64 = torch.float64


@pytest.fixture(scope="module")
def data():
    """The points of "Fit a line", in float32 as the page uses them."""
    return fit_line.make_data()


@pytest.fixture(scope="module")
def data64(data):
    x, y = data
    return x.double(), y.double()


def hessian_of(x):
    """The curvature matrix 2/n X^T X of the line's MSE, its eigenvalues and eigenvectors
    (flattest first), computed here, without the lesson."""
    x = x.double()
    H = 2 / len(x) * x.T @ x
    values, vectors = torch.linalg.eigh(H)
    return H, values, vectors


def cliff_of(x):
    """2 / h_max, with h_max the largest eigenvalue of the Hessian, from torch.linalg.eigvalsh."""
    x = x.double()
    return 2 / torch.linalg.eigvalsh(2 / len(x) * x.T @ x)[-1].item()


@pytest.fixture(scope="module")
def hessian(data):
    return hessian_of(data[0])


def least_squares(x, y):
    """The best line and its loss, from the normal equations, in float64."""
    x, y = x.double(), y.double()
    best = torch.linalg.solve(x.T @ x, x.T @ y)
    return best, ((x @ best - y) ** 2).mean().item()


@pytest.fixture(scope="module")
def swept(data):
    """The page's sweep: 100 steps for every learning rate of its grid."""
    x, y = data
    lrs = draw.log_grid(*draw.SWEEP_GRID)
    return lrs, draw.sweep(x, y, lrs, steps=100)


@pytest.fixture(scope="module")
def scheduled(data):
    """The page's three schedule runs."""
    return draw.schedule_runs(*data)


def on_parabola(h, lr, steps, x0=1.0):
    """Gradient descent on the parabola h/2 x^2, whose gradient is h x."""
    return lr_mod.gradient_descent(lambda x: h * x, x0, lr, steps)


# -- a direction, not a distance --------------------------------------------------------------


def test_one_step_lands_at_1_minus_lr_h_so_one_lr_stops_short_lands_or_overshoots():
    table = draw.step_table([0.5, 1, 2, 3, 5], lr=0.5, x0=1.0)
    rows = [
        [c.strip() for c in r.strip("|").split("|")] for r in table.splitlines()[2:]
    ]
    for (h, grad, step, x1, _what), expected_h in zip(rows, [0.5, 1, 2, 3, 5]):
        assert float(h) == expected_h and float(grad) == expected_h  # h x0, x0 = 1
        assert float(x1.replace("−", "-")) == 1 - 0.5 * expected_h  # the closed form
        assert float(step.replace("−", "-")) == -0.5 * expected_h
    verdicts = [r[4].split(": ")[1] for r in rows]
    assert verdicts == [
        "stops short",
        "stops short",
        "lands on it",
        "overshoots, lands closer",
        "overshoots, lands further away",
    ]


@pytest.mark.parametrize("h", [0.5, 2.0, 3.0, 10.0])
def test_a_step_of_1_over_h_lands_on_the_minimum(h):
    assert abs(on_parabola(h, 1 / h, steps=1, x0=1.7)[-1].item()) < 1e-15


# -- the 2/h rule -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "h, lr", [(1.0, 0.1), (1.0, 1.8), (4.0, 0.3), (10.0, 0.21), (0.5, 3.9)]
)
def test_iterates_on_the_parabola_are_1_minus_lr_h_to_the_t_times_x0(h, lr):
    xs = on_parabola(h, lr, steps=40, x0=1.5)
    closed = 1.5 * (1 - lr * h) ** torch.arange(41, dtype=F64)
    assert_close(xs, closed, rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize("h", [0.5, 1.0, 4.0, 10.0])
def test_descent_converges_just_below_2_over_h_and_diverges_just_above(h):
    below = on_parabola(h, 0.99 * 2 / h, steps=500)
    above = on_parabola(h, 1.01 * 2 / h, steps=500)
    assert below[-1].abs() < 1e-4 and torch.all(below[1:].abs() < below[:-1].abs())
    assert above[-1].abs() > 1e4 and torch.all(above[1:].abs() > above[:-1].abs())


@pytest.mark.parametrize("h", [0.5, 1.0, 4.0, 10.0])
def test_at_exactly_2_over_h_the_iterates_bounce_with_constant_amplitude(h):
    xs = on_parabola(h, 2 / h, steps=100)
    assert_close(xs.abs(), torch.ones(101, dtype=F64), atol=1e-12)
    assert torch.all(xs[1:] * xs[:-1] < 0)  # every step lands on the other side


def test_below_1_over_h_the_iterates_keep_their_sign_and_above_it_they_alternate():
    for lr in (0.1, 0.5, 0.99):  # h = 1
        assert torch.all(on_parabola(1.0, lr, steps=30) > 0)
    for lr in (1.01, 1.5, 1.99):
        xs = on_parabola(1.0, lr, steps=30)
        assert torch.all(xs[1:] * xs[:-1] < 0) and xs[-1].abs() < xs[0].abs()


def test_the_rule_tables_rows_are_identical_for_every_h_and_match_the_closed_form():
    table = draw.rule_table([0.5, 1, 4, 10], steps=100, margin=0.01, x0=1.0)
    rows = [r.split("|")[3:6] for r in table.splitlines()[2:]]
    assert len(rows) == 4 and all(r == rows[0] for r in rows)  # only lr * h matters
    below, at, above = (float(c) for c in rows[0])
    assert_close(below, abs(1 - 0.99 * 2) ** 100, rtol=5e-3)  # printed to 3 digits
    assert at == 1.0
    assert_close(above, abs(1 - 1.01 * 2) ** 100, rtol=5e-3)


def test_each_panel_of_the_animation_does_what_its_title_says_by_the_closed_form():
    # on h/2 x^2 the iterates are (1 - lr h)^t x0; each title is a claim about that factor
    settings = defaults(draw.animate_quadratic)
    h, x0, steps = settings["curvature"], settings["x0"], settings["steps"]
    assert h == 1.0 and len(draw.QUAD_TITLES) == len(draw.QUADRATIC_LRS)
    t = torch.arange(steps + 1, dtype=F64)
    alt = draw.quadratic_alt(draw.QUADRATIC_LRS)
    for title, lr in zip(draw.QUAD_TITLES, draw.QUADRATIC_LRS):
        factor = 1 - lr * h
        closed = x0 * factor**t
        assert_close(on_parabola(h, lr, steps, x0), closed, rtol=1e-12, atol=1e-15)
        assert f"{title}, lr {lr:g}, factor {draw.factor_text(factor)}" in alt
        if title == "too small: crawls":  # never past the bottom, still far at the end
            assert 0.5 < factor < 1 and closed[-1] > 0.05 * x0
        elif title == "lr = 1/h: lands in one step":
            assert lr == 1 / h and factor == 0 and closed[1] == 0
        elif (
            title == "too large: bounces, converges"
        ):  # past the bottom every step, closer
            assert -1 < factor < 0 and torch.all(closed[1:] * closed[:-1] < 0)
            assert closed[-1].abs() < 0.01 * x0
        elif title == "far too large: diverges":  # and leaves the picture (the caption)
            assert factor < -1 and closed[-1].abs() > 50
        else:
            raise AssertionError(f"no check for the title {title!r}")


def test_the_old_just_right_rate_was_not_the_rate_that_lands_in_one_step():
    # the animation once called 0.7 "just right": on h = 1, 1/h = 1 lands, 0.7 does not
    assert abs(on_parabola(1.0, 0.7, steps=1, x0=1.5)[-1].item()) > 0.4
    assert on_parabola(1.0, 1.0, steps=1, x0=1.5)[-1].item() == 0


# -- the cliff on the line problem --------------------------------------------------------------


def test_the_gradient_of_the_line_is_H_times_the_distance_to_the_minimum(
    data64, hessian
):
    x, y = data64
    H, _, _ = hessian
    best = torch.linalg.lstsq(x, y.unsqueeze(1), driver="gelsd").solution.squeeze(1)
    for point in ([-1.0, 1.0], [4.0, 0.0], [0.5, 3.0]):
        a = torch.tensor(point, dtype=F64)
        assert_close(fit_line.gradient(x, y, a), H @ (a - best), atol=1e-12)


def test_each_step_multiplies_the_distance_to_the_minimum_by_I_minus_lr_H(
    data64, hessian
):
    x, y = data64
    H, _, _ = hessian
    best, _ = least_squares(x, y)
    path = lr_mod.descend(x, y, lr=0.7, steps=20).path
    step = torch.eye(2, dtype=F64) - 0.7 * H
    assert_close(path[1:] - best, (path[:-1] - best) @ step.T, atol=1e-12)


def test_curvatures_are_the_eigenvalues_of_H_and_the_cliff_is_2_over_the_largest(
    data, hessian
):
    x, _ = data
    H, _, _ = hessian
    # the eigenvalues of a symmetric 2 x 2 matrix, in closed form
    a, b, c = H[0, 0].item(), H[0, 1].item(), H[1, 1].item()
    root = math.sqrt(((a - c) / 2) ** 2 + b**2)
    low, high = lr_mod.curvatures(x)
    assert_close(low, (a + c) / 2 - root, atol=1e-12)
    assert_close(high, (a + c) / 2 + root, atol=1e-12)
    assert_close(lr_mod.cliff(x), 2 / high, atol=1e-12)
    assert_close(loss_functions.curvature(x.double()), H, atol=1e-12)  # Loss's matrix


def test_the_condition_number_is_the_ratio_of_the_hessians_eigenvalues(data, hessian):
    x, _ = data
    _, values, _ = hessian  # torch.linalg.eigh, in the test
    kappa = lr_mod.condition_number(x)
    assert_close(kappa, (values[1] / values[0]).item(), rtol=1e-12)
    assert 2 < kappa < 4  # the page: 2.9, neither round nor narrow


def test_the_best_constant_rate_is_2_over_h_min_plus_h_max_with_factor_kappa_minus_1_over_plus_1(
    data,
    hessian,
):
    x, _ = data
    _, values, _ = hessian
    low, high = values.tolist()
    kappa = high / low
    best, rate = lr_mod.best_constant_lr(x)
    assert_close(best, 2 / (low + high), rtol=1e-12)
    assert_close(rate, (kappa - 1) / (kappa + 1), rtol=1e-12)
    # at best both factors are that large, one each side of zero
    assert_close([1 - best * low, 1 - best * high], [rate, -rate], rtol=1e-12)
    assert 1 / high < best < 2 / high  # between 1/h_max and the cliff, as the page says
    # and every other rate makes the slower factor larger: a fine grid, by brute force
    lrs = torch.linspace(0.01, 2 / high, 20001, dtype=F64)
    slower = torch.maximum((1 - lrs * low).abs(), (1 - lrs * high).abs())
    assert torch.all(slower >= rate - 1e-12)
    assert_close(lrs[slower.argmin()].item(), best, atol=1e-4)


def test_at_the_best_rate_descent_shrinks_both_directions_by_that_factor_every_step(
    data64,
):
    x, y = data64
    best, rate = lr_mod.best_constant_lr(x)
    errors = draw.eigen_errors(x, y, lr_mod.descend(x, y, lr=best, steps=30).path)
    t = torch.arange(31, dtype=F64).unsqueeze(1)
    factors = torch.tensor([rate, -rate], dtype=F64)  # the closed form (1 - best h)^t
    assert_close(errors, errors[0] * factors**t, atol=1e-12)
    # so after t steps the distance is rate^t of the start, the page's thousandfold count
    steps = math.ceil(math.log(1e-3) / math.log(rate))
    dist = errors.norm(dim=1)
    assert dist[steps] <= 1e-3 * dist[0] < dist[steps - 1]
    # at 1/h_max the flattest direction keeps 1 - 1/kappa per step, and needs more steps
    slow = 1 - 1 / lr_mod.condition_number(x)
    assert slow > rate and math.ceil(math.log(1e-3) / math.log(slow)) > steps


def test_a_round_bowl_has_kappa_1_and_the_best_rate_lands_in_one_step():
    x = torch.tensor([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]], dtype=F64)
    y = torch.tensor([1.0, 2.0, 0.5, -1.0], dtype=F64)
    assert_close(lr_mod.condition_number(x), 1.0, rtol=1e-12)
    best, rate = lr_mod.best_constant_lr(x)
    assert rate == 0.0
    run = lr_mod.descend(x, y, a0=(3.0, -2.0), lr=best, steps=1)
    assert_close(run.path[1], least_squares(x, y)[0], atol=1e-12)


def test_the_flattest_direction_is_mostly_the_slope_and_the_steepest_mostly_the_intercept(
    hessian,
):
    _, _, vectors = hessian
    assert abs(vectors[0, 0]) > 0.99 and abs(vectors[1, 1]) > 0.99


def test_descent_on_the_line_converges_just_below_the_cliff_and_diverges_just_above(
    data64,
):
    x, y = data64
    edge = cliff_of(x)
    below = lr_mod.descend(x, y, lr=0.99 * edge, steps=1000)
    above = lr_mod.descend(x, y, lr=1.01 * edge, steps=1000)
    assert below.diverged_at is None
    assert below.losses[-1] - least_squares(x, y)[1] < 1e-9
    assert above.diverged_at is not None


def test_descend_takes_the_same_steps_as_fit_with_autograd(data64):
    x, y = data64
    for lr in (0.01, 0.3, 0.9):
        run = lr_mod.descend(x, y, lr=lr, steps=60)
        assert run.diverged_at is None
        assert_close(run.path, fit_line.fit(x, y, lr=lr, steps=60), atol=1e-12)
        misses = run.path @ x.T - y
        assert_close(run.losses, (misses**2).mean(dim=1), atol=1e-12)


def test_below_the_cliff_the_loss_never_rises(data64):
    # exercise 1's solution relies on it: limit=1.0 never stops a run below the cliff
    x, y = data64
    for lr in (0.05, 0.5, 0.9, 0.99):
        loss = lr_mod.descend(x, y, lr=lr, steps=300).losses
        assert torch.all(loss[1:] <= loss[:-1] * (1 + 1e-12))


# -- divergence is a result ---------------------------------------------------------------------


def test_divergence_is_a_result_that_reports_the_step_where_the_loss_passed_the_limit(
    data,
):
    x, y = data
    for lr in (1.18, 3.16):
        run = lr_mod.descend(x, y, lr=lr, steps=100)  # no exception
        k = run.diverged_at
        assert isinstance(k, int) and 0 < k < 100
        assert len(run.path) == len(run.losses) == k + 1
        assert run.losses[-1] > 1e6 * run.losses[0]
        assert torch.all(run.losses[:-1] <= 1e6 * run.losses[0])
        assert torch.isfinite(run.path).all()


def test_past_the_limit_the_loss_only_keeps_growing(data64):
    x, y = data64
    run = lr_mod.descend(x, y, lr=1.18, steps=100)
    path = fit_line.fit(x, y, lr=1.18, steps=300)
    longer = ((path @ x.T - y) ** 2).mean(dim=1)
    assert torch.all(longer[run.diverged_at + 1 :] > longer[run.diverged_at : -1])


def test_without_a_limit_the_loss_overflows_to_inf_while_the_parameters_are_finite(
    data,
):
    x, y = data
    run = lr_mod.descend(x, y, lr=3.16, steps=100, limit=math.inf)
    assert run.losses[-1] == math.inf and torch.isfinite(run.losses[:-1]).all()
    assert torch.isfinite(run.path).all()
    misses = x.double() @ run.path[-1].double() - y.double()
    squares = (misses**2).sum().item()
    assert squares > torch.finfo(torch.float32).max  # the sum of the squares overflows
    # left alone, the parameters overflow later, and then turn to nan
    path = fit_line.fit(x, y, lr=3.16, steps=100)
    finite = torch.isfinite(path).all(dim=1)
    first_inf = int((~finite).nonzero()[0])
    assert first_inf > run.diverged_at and torch.isnan(path[-1]).all()


def test_a_nan_loss_is_caught_at_the_step_it_appears(data):
    x, y = data
    run = lr_mod.descend(x, y, a0=(math.inf, -math.inf), lr=0.1, steps=10)
    assert run.diverged_at == 0 and math.isnan(run.losses[0])


# -- sweeping the learning rate -----------------------------------------------------------------


def test_the_sweep_crawls_then_converges_then_falls_off_the_cliff_where_the_rule_says(
    data, swept
):
    x, y = data
    lrs, runs = swept
    floor, edge = least_squares(x, y)[1], cliff_of(x)
    names = [draw.regime(run, floor) for run in runs]
    first = names.index("converges")
    last = len(names) - 1 - names[::-1].index("converges")
    assert set(names[:first]) == {"crawls"}
    assert set(names[first : last + 1]) == {"converges"}
    assert set(names[last + 1 :]) == {"diverges"}
    crawling = [run.losses[-1].item() for run in runs[:first]]
    assert crawling == sorted(crawling, reverse=True)  # longer steps, lower loss
    stable, blown = draw.measured_cliff(lrs, runs)
    assert stable < edge < blown and (stable, blown) == (lrs[last], lrs[last + 1])
    assert all(
        (run.diverged_at is not None) == (lr > edge) for lr, run in zip(lrs, runs)
    )
    assert draw.sweet_spot(x, y, lrs, runs) == (lrs[first], lrs[last])
    assert lrs[last] / lrs[first] > 9.99  # the useful rates span a factor of ten


def test_the_sweep_grid_is_evenly_spaced_on_a_log_scale():
    low, high, per_decade = draw.SWEEP_GRID
    lrs = draw.log_grid(low, high, per_decade)
    ratios = [b / a for a, b in itertools.pairwise(lrs)]
    assert_close(ratios, [10 ** (1 / per_decade)] * len(ratios), rtol=1e-12)
    assert_close([lrs[0], lrs[-1]], [low, high], rtol=1e-12)


# -- the slider ---------------------------------------------------------------------------------


def test_the_sliders_learning_rates_crawl_converge_and_diverge_in_that_order(data):
    x, y = data
    floor = least_squares(x, y)[1]
    steps = 100  # as the page's text and the explorable run them
    names = [
        draw.regime(lr_mod.descend(x, y, lr=lr, steps=steps), floor)
        for lr in draw.SLIDER_LRS
    ]
    assert set(names) == {"crawls", "converges", "diverges"}
    assert list(draw.SLIDER_LRS) == sorted(draw.SLIDER_LRS)
    assert names == sorted(names, key=["crawls", "converges", "diverges"].index)


def test_each_step_keeps_1_minus_lr_h_of_the_distance_along_each_direction(
    data64, hessian
):
    x, y = data64
    _, values, _ = hessian
    for lr in (0.01, 0.9):
        errors = draw.eigen_errors(x, y, lr_mod.descend(x, y, lr=lr, steps=30).path)
        assert_close(errors[1:], errors[:-1] * (1 - lr * values), atol=1e-12)
    slow = draw.eigen_errors(x, y, lr_mod.descend(x, y, lr=0.01, steps=100).path)
    assert_close(slow[-1] / slow[0], (1 - 0.01 * values) ** 100, rtol=1e-9)


def test_at_0_9_the_path_zigzags_across_the_valley_and_not_along_it(data):
    x, y = data
    errors = draw.eigen_errors(x, y, lr_mod.descend(x, y, lr=0.9, steps=20).path)
    flat, steep = errors[:, 0], errors[:, 1]
    assert torch.all(steep[1:] * steep[:-1] < 0)  # the steepest changes sign every step
    assert torch.all(flat[1:] * flat[:-1] > 0)


def test_past_the_cliff_each_zigzag_is_wider_than_the_last(data):
    x, y = data
    run = lr_mod.descend(x, y, lr=1.1, steps=100)
    steep = draw.eigen_errors(x, y, run.path)[:, 1]
    assert torch.all(steep[2:].abs() > steep[1:-1].abs())
    assert torch.all(steep[1:] * steep[:-1] < 0)
    assert run.path[:, 1].max() > draw.A2_LIM[1]  # until the path leaves the picture


# -- schedules ----------------------------------------------------------------------------------


def test_mini_batch_gradients_are_right_on_average(data64):
    x, y = data64
    a = torch.tensor([-1.0, 1.0], dtype=F64)
    g = torch.Generator().manual_seed(0)
    batches = torch.randperm(len(y), generator=g).reshape(10, 10)
    average = torch.stack([fit_line.gradient(x[b], y[b], a) for b in batches]).mean(0)
    assert_close(average, fit_line.gradient(x, y, a), atol=1e-12)


def test_each_kick_is_proportional_to_the_learning_rate(data64):
    x, y = data64
    best = tuple(least_squares(x, y)[0].tolist())  # where the true gradient is 0
    kicks = [
        lr_mod.sgd(x, y, lambda t, lr=lr: lr, steps=1, a0=best)[1]
        - torch.tensor(best, dtype=F64)
        for lr in (0.1, 0.2)
    ]
    assert kicks[0].norm() > 1e-3
    assert_close(kicks[1], 2 * kicks[0], atol=1e-14)


@pytest.mark.parametrize("step_size, gamma", [(50, 0.1), (7, 0.5)])
def test_step_decay_matches_torchs_step_lr(step_size, gamma):
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.5)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=step_size, gamma=gamma)
    ours, theirs = [], []
    for t in range(200):
        ours.append(lr_mod.step_decay(0.5, t, step_size, gamma))
        theirs.append(sched.get_last_lr()[0])
        opt.step()
        sched.step()
    assert_close(ours, theirs, rtol=1e-12)


@pytest.mark.parametrize("lr_min", [0.0, 0.01])
def test_cosine_matches_torchs_cosine_annealing_lr(lr_min):
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.5)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=200, eta_min=lr_min)
    ours, theirs = [], []
    for t in range(201):
        ours.append(lr_mod.cosine(0.5, t, 200, lr_min))
        theirs.append(sched.get_last_lr()[0])
        opt.step()
        sched.step()
    assert_close(ours, theirs, atol=1e-12)
    assert ours[0] == 0.5 and ours[200] == lr_min
    assert_close(ours[100], (0.5 + lr_min) / 2, atol=1e-15)


def test_sgd_by_hand_takes_the_same_steps_as_torch_optim_with_its_schedulers(data64):
    x, y = data64
    pairs = [
        (
            lambda t: lr_mod.step_decay(0.5, t, 50, 0.1),
            lambda opt: torch.optim.lr_scheduler.StepLR(opt, step_size=50, gamma=0.1),
        ),
        (
            lambda t: lr_mod.cosine(0.5, t, 200),
            lambda opt: torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=200),
        ),
    ]
    for schedule, make_scheduler in pairs:
        by_hand = lr_mod.sgd(x, y, schedule, steps=200, batch_size=10, seed=3)
        by_torch = lr_mod.sgd_with_scheduler(
            x, y, 0.5, make_scheduler, steps=200, batch_size=10, seed=3
        )
        assert_close(by_hand, by_torch, atol=1e-10)


def test_the_same_seed_draws_the_same_batches_so_only_the_schedule_differs(
    data, scheduled
):
    paths = {name: path for name, (_, path) in scheduled.items()}
    step_size = defaults(draw.schedule_runs)["step_size"]
    # all three start at the same lr; until step decay's first drop it takes the constant's steps
    assert torch.equal(
        paths["constant"][: step_size + 1], paths["step decay"][: step_size + 1]
    )
    assert not torch.equal(
        paths["constant"][: step_size + 2], paths["step decay"][: step_size + 2]
    )
    settings = defaults(draw.schedule_runs)
    again = lr_mod.sgd(
        *data,
        lambda t: settings["lr"],
        steps=settings["steps"],
        batch_size=settings["batch_size"],
        seed=settings["seed"],
    )
    assert torch.equal(again, paths["constant"])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_decay_settles_while_a_constant_rate_keeps_bouncing(data, seed):
    x, y = data
    runs = draw.schedule_runs(x, y, seed=seed)
    spread = {
        name: draw.spread(line_problem.losses(x, y, path))
        for name, (_, path) in runs.items()
    }
    assert spread["step decay"] < spread["constant"] / 10
    assert spread["cosine"] < spread["constant"] / 10


def test_with_the_full_data_in_every_batch_a_constant_rate_settles_too(data):
    # the noise is what keeps the constant rate bouncing
    x, y = data
    path = lr_mod.sgd(x, y, lambda t: 0.5, steps=200, batch_size=len(y))
    assert draw.spread(line_problem.losses(x, y, path)) < 1e-6


def test_the_decayed_runs_stay_closer_but_not_exactly_on_the_minimum(data, scheduled):
    x, y = data
    best, _ = least_squares(x, y)
    stats = draw.tail_stats(x, y, scheduled)
    assert stats["step decay"][1] < stats["constant"][1] / 5
    assert stats["cosine"][1] < stats["constant"][1] / 5
    for name in ("step decay", "cosine"):
        path = scheduled[name][1]
        assert stats[name][0] > 0 and (path[-1].double() - best).norm() > 1e-3
        assert (path[-5:] - path[-1]).norm(dim=1).max() < 1e-3  # and all but stopped
    steps = len(scheduled["constant"][1]) - 1
    (step, _), (cos, _) = scheduled["step decay"], scheduled["cosine"]
    # cosine's steps are larger from step decay's first drop until the last few steps
    first_drop = min(t for t in range(steps) if step(t) < step(0))
    last = max(t for t in range(steps) if cos(t) > step(t))
    assert all(cos(t) > step(t) for t in range(first_drop, last + 1))
    assert steps - 10 < last < steps - 1
    assert all(cos(t) <= step(t) for t in range(last + 1, steps))


def test_the_spread_is_the_standard_deviation_over_the_last_fifth():
    loss = torch.cat([torch.full((80,), 5.0), torch.tensor([1.0, 3.0] * 10)])
    assert_close(draw.spread(loss), torch.tensor([1.0, 3.0] * 10).std(), atol=1e-12)


# -- what PyTorch does, which the page relies on -------------------------------------------------


def test_pytorch_warns_when_the_scheduler_steps_before_the_optimizer():
    # the page: scheduler.step() goes after opt.step()
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.5)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1)
    with pytest.warns(UserWarning, match="before `optimizer.step"):
        sched.step()
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.5)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt.step()
        sched.step()


# -- exercise 1: the cliff by bisection -----------------------------------------------------------


def two_column_problem(ratio, seed=0):
    """A line problem whose curvatures are about 3 and ratio * 3: the closer ratio is to 1, the
    slower the flat direction fades, and the longer divergence just past the cliff hides."""
    x, y = fit_line.make_data(seed=seed, dtype=F64)
    x = x * torch.tensor([math.sqrt(4.5 * ratio), math.sqrt(1.5)], dtype=F64)
    return x, y


def random_problem(seed):
    """Two random columns of different scales, and noisy targets."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(30, 2, generator=g, dtype=F64) * torch.tensor([0.7, 1.6], dtype=F64)
    y = x @ torch.randn(2, generator=g, dtype=F64) + 0.1 * torch.randn(
        30, generator=g, dtype=F64
    )
    return x, y


PROBLEMS = {
    "the page's points": fit_line.make_data,
    "curvatures 3 and 0.15": lambda: two_column_problem(0.05),
    "curvatures 3 and 2.97": lambda: two_column_problem(0.99),
    "random, seed 1": lambda: random_problem(1),
}


@pytest.mark.parametrize("problem", PROBLEMS)
def test_bisection_finds_2_over_h_max_from_the_hessians_eigenvalues(problem):
    x, y = PROBLEMS[problem]()
    edge, tol = cliff_of(x), 1e-3
    found = lr_mod.largest_stable_lr(x, y, low=0.5 * edge, high=1.5 * edge, tol=tol)
    assert edge - tol <= found <= edge * (1 + 1e-12), (
        f"found {found}, the cliff is {edge}"
    )


def test_just_past_the_cliff_the_loss_falls_for_the_whole_window_yet_descent_diverges():
    # why converges looks at the gradient: the old test, the loss above its start, missed it
    x, y = two_column_problem(0.99)
    lr = 1.003 * cliff_of(x)
    window = lr_mod.descend(x, y, lr=lr, steps=500, limit=1.0)
    assert window.diverged_at is None and window.losses[-1] < window.losses[0]
    assert not lr_mod.converges(x, y, lr, steps=500)
    longer = lr_mod.descend(x, y, lr=lr, steps=3000, limit=1.0)
    assert longer.diverged_at is not None  # the loss passes its start, after the window
    assert lr_mod.converges(x, y, 0.997 * cliff_of(x), steps=500)


def test_the_bisection_ends_even_with_the_smallest_positive_tol(data):
    x, y = fit_line.make_data(n=10)
    with time_limit(10):
        found = lr_mod.largest_stable_lr(x, y, low=0.5, high=1.5, steps=60, tol=5e-324)
    assert_close(found, cliff_of(x), rtol=1e-9)


# -- when the input is wrong ----------------------------------------------------------------------


def data10():
    return fit_line.make_data(n=10)


def x10():
    return data10()[0]


def y10():
    return data10()[1]


PROBLEM = {  # the bad values of a line problem started from a0
    "x": BAD["tensor"] + [torch.zeros(10, 3)],
    "y": BAD["tensor"] + [torch.zeros(9)],
    "a0": [None, "ab", (1.0,), ("3", 2.0), (1.0, None)],
}
BAD_SCHEDULES = [  # not a schedule, or one that gives a learning rate that cannot be one
    None,
    0.1,
    lambda t: 0.0,
    lambda t: -0.1,
    lambda t: float("nan"),
    lambda t: "0.1",
    lambda t: 0.1 if t < 2 else 0.0,
]


def step_lr(opt):
    return torch.optim.lr_scheduler.StepLR(opt, step_size=2)


CALLS = [
    Call(lr_mod.check_start, PROBLEM, x=x10, y=y10, a0=(0.0, 0.0)),
    Call(
        lr_mod.gradient_descent,
        {
            "grad": [None, "abs", 1.0],
            "x0": ["1.0", None, [1.0]],
            "lr": "positive",
            "steps": "count",
        },
        grad=lambda: abs,
        x0=1.0,
        lr=0.1,
        steps=3,
    ),
    # a result, not a computation: it has no argument to refuse
    Call(
        lr_mod.Run,
        {},
        path=lambda: torch.zeros(1, 2),
        losses=lambda: torch.zeros(1),
        diverged_at=None,
    ),
    Call(
        lr_mod.descend,
        {
            **PROBLEM,
            "lr": "positive",
            "steps": "count",
            "limit": [0, -1.0, float("nan"), "1e6", None],
        },
        x=x10,
        y=y10,
        steps=3,
    ),
    *[
        Call(fn, {"x": BAD["tensor"] + [torch.zeros(10)]}, x=x10)
        for fn in (
            lr_mod.curvatures,
            lr_mod.cliff,
            lr_mod.condition_number,
            lr_mod.best_constant_lr,
        )
    ],
    Call(lr_mod.constant, {"lr": "positive", "t": "count"}, lr=0.1, t=3),
    Call(
        lr_mod.step_decay,
        {"lr": "positive", "t": "count", "step_size": "count1", "gamma": "positive"},
        lr=0.5,
        t=3,
        step_size=2,
    ),
    Call(
        lr_mod.cosine,
        {
            "lr": "positive",
            "t": BAD["count"] + [201],
            "steps": "count1",
            "lr_min": [-0.1, 0.6, float("nan"), "0", None],
        },
        lr=0.5,
        t=3,
        steps=200,
    ),
    Call(
        lr_mod.sgd,
        {
            **PROBLEM,
            "schedule": BAD_SCHEDULES,
            "steps": "count",
            "batch_size": BAD["count1"] + [11],
            "seed": "seed",
        },
        x=x10,
        y=y10,
        schedule=lambda: lambda t: 0.1,
        steps=3,
    ),
    Call(
        lr_mod.sgd_with_scheduler,
        {
            **PROBLEM,
            "lr": "positive",
            "make_scheduler": [
                None,
                "StepLR",
                lambda opt: None,
                lambda opt: torch.optim.lr_scheduler.LambdaLR(opt, lambda t: -1.0),
            ],
            "steps": "count",
            "batch_size": BAD["count1"] + [11],
            "seed": "seed",
        },
        x=x10,
        y=y10,
        lr=0.1,
        make_scheduler=lambda: step_lr,
        steps=3,
    ),
    Call(
        lr_mod.converges,
        {**PROBLEM, "lr": "positive", "steps": [1, 0, -1, 2.5, "3", None]},
        x=x10,
        y=y10,
        lr=0.5,
        steps=20,
    ),
    Call(
        lr_mod.largest_stable_lr,
        {
            **PROBLEM,
            "low": BAD["positive"] + [2.0, 1.2],  # above high; a rate that diverges
            "high": BAD["positive"] + [0.4, 0.6],  # below low; a rate that converges
            "steps": [1, -1, 2.5, None],
            "tol": "positive",
        },
        x=x10,
        y=y10,
        low=0.5,
        high=1.5,
        steps=40,
        tol=0.1,
    ),
]


(
    test_every_public_lesson_function_is_in_the_table_of_bad_inputs,
    test_each_call_of_the_table_is_valid,
    test_a_bad_argument_is_refused_with_a_message_that_names_it,
) = table_of_bad_inputs(lr_mod, CALLS)


def test_the_error_table_shows_refusals_that_name_an_argument_of_their_call():
    rows = draw.error_table(lr_mod).splitlines()[2:]
    assert len(rows) >= 10
    for row in rows:
        call, said = (cell.strip() for cell in row.strip("|").split("|"))
        kind, message = said.split(": ", 1)
        assert kind in ("ValueError", "TypeError")
        assert re.match(r"\w+", message)[0] in call, row


# -- the whole program ----------------------------------------------------------------------------


def test_the_whole_program_runs_in_a_fresh_file_and_prints_the_cliff_and_the_runs(
    tmp_path, data
):
    x, y = data
    lines = run_program("learning-rate.md", "learning_rate.py", tmp_path)
    _, values, _ = hessian_of(x)
    assert lines[0] == (
        f"largest curvature {values[-1]:.4f}: the cliff is at {2 / values[-1]:.4f}"
    )
    assert len(lines) == 7
    for line in lines[1:]:
        lr = float(line.split()[1])
        run = lr_mod.descend(x, y, lr=lr, steps=100)
        expected = (
            f"loss after 100 steps {run.losses[-1]:.4f}"
            if run.diverged_at is None
            else f"diverged at step {run.diverged_at}"
        )
        assert line.endswith(expected)
    assert "diverged" in lines[-1] and "diverged" not in lines[1]


# -- the drawing ----------------------------------------------------------------------------------


def concrete_colours(fig):
    """Every line's colour is a concrete colour, never a "CN" name resolved after the theme ends."""
    return all(
        not re.fullmatch(r"C\d", str(line.get_color())) for line in fig.findobj(Line2D)
    )


def test_the_animation_has_a_frame_per_step_within_budget_in_both_themes():
    light = draw.animate_quadratic(draw.QUADRATIC_LRS, theme="light", steps=2)
    assert len(light) == 3
    assert all(f.shape == light[0].shape and f.dtype == np.uint8 for f in light)
    height, width = light[0].shape[:2]
    assert width <= render.MAX_GIF_SIZE[0] and height <= render.MAX_GIF_SIZE[1]
    assert defaults(draw.animate_quadratic)["steps"] + 1 <= 60  # the page's GIF
    gif = Image.open(io.BytesIO(render.gif_bytes(light, fps=4)))
    first = np.asarray(gif.convert("RGB"))
    gif.seek(gif.n_frames - 1)
    assert gif.n_frames == 3
    assert not np.array_equal(first, np.asarray(gif.convert("RGB")))
    dark = draw.animate_quadratic(draw.QUADRATIC_LRS[:1], theme="dark", steps=1)
    assert light[0].mean() > dark[0].mean()


def test_the_sweep_figure_marks_every_diverged_run_with_its_step(data, swept):
    x, y = data
    lrs, runs = swept
    fig = draw.plot_sweep(x, y, lrs, runs, theme="light")
    texts = [t.get_text() for t in fig.axes[0].texts]
    blown = [run.diverged_at for run in runs if run.diverged_at is not None]
    assert [int(t) for t in texts if t.isdigit()] == blown
    crosses = [line for line in fig.axes[0].get_lines() if line.get_marker() == "x"]
    assert len(crosses) == 1 and len(crosses[0].get_xdata()) == len(blown)
    # a diverged run has no loss: its cross sits above the loss axis, not at a loss value
    assert crosses[0].get_transform() == fig.axes[0].get_xaxis_transform()
    assert all(v > 1 for v in crosses[0].get_ydata()) and not crosses[0].get_clip_on()
    assert any(f"{cliff_of(x):.4f}" in t for t in texts)


@pytest.fixture(scope="module")
def explored(data):
    """The explorable's runs, as the page makes them."""
    x, y = data
    return draw.explore_runs(x, y)


@pytest.mark.parametrize("lr", [0.01, 1.2])
def test_explorable_frames_draw_the_run_of_their_state_in_both_themes(
    data, explored, lr
):
    x, y = data
    grid = draw.contour_grid(x, y, n=11)
    state = {"lr": lr, "start": draw.EXPLORE_STARTS[3]}
    run = lr_mod.descend(x, y, a0=state["start"], lr=lr, steps=100)
    backgrounds = []
    for theme in render.THEMES:
        fig, artists, update = draw.explore_scene(x, y, grid, explored, theme=theme)
        update(state)
        path, first, title = artists
        assert np.allclose(path.get_xydata(), run.path.numpy())
        assert tuple(first.get_xydata()[0]) == state["start"]
        assert title.get_text().startswith(draw.lr_label(lr) + " from (4.5, 4)")
        assert ("stopped at step" in title.get_text()) == (run.diverged_at is not None)
        assert concrete_colours(fig)
        backgrounds.append(fig.get_facecolor())
    assert backgrounds[0] != backgrounds[1]


@pytest.mark.parametrize("plot", ["schedules", "runs"])
def test_schedule_figures_draw_a_line_per_schedule_in_both_themes(
    data, scheduled, plot
):
    x, y = data
    for theme in render.THEMES:
        fig = (
            draw.plot_schedules(scheduled, theme=theme)
            if plot == "schedules"
            else draw.plot_schedule_runs(x, y, scheduled, theme=theme)
        )
        assert isinstance(fig, Figure) and concrete_colours(fig)
        labels = fig.axes[0].get_legend_handles_labels()[1]
        assert labels == ["constant", "step decay", "cosine"]
        if plot == "runs":
            # the right panel names its runs too, and no marker sits on the minimum, where
            # step decay's points settle (a star there once hid them)
            zoom = fig.axes[1]
            assert zoom.get_legend() is not None
            assert [t.get_text() for t in zoom.get_legend().get_texts()] == labels
            assert not any(line.get_marker() == "*" for line in zoom.get_lines())


def test_every_alt_text_and_caption_has_at_least_12_words_and_numbers_from_the_run(
    data, swept, scheduled
):
    x, y = data
    lrs, runs = swept
    texts = [
        draw.quadratic_alt(draw.QUADRATIC_LRS),
        draw.sweep_alt(x, y, lrs, runs),
        draw.schedules_alt(scheduled),
        draw.schedule_runs_alt(x, y, scheduled),
        draw.quadratic_caption(draw.QUADRATIC_LRS),
        draw.sweep_caption(runs),
        draw.explore_caption(x, y),
        draw.schedules_caption(),
        draw.schedule_runs_caption(),
    ]
    for text in texts:
        assert len(text.split()) >= 12 and re.search(r"\d", text)
    stable, blown = draw.measured_cliff(lrs, runs)
    assert f"{stable:.3g}" in texts[1] and f"{blown:.3g}" in texts[1]
    assert f"{cliff_of(x):.4f}" in texts[1]
    settings = defaults(draw.animate_quadratic)
    end = on_parabola(1.0, draw.QUADRATIC_LRS[-1], settings["steps"], settings["x0"])
    assert f"ends at x = {end[-1].item():.3g}" in texts[0]
    assert "from a = (−1, 1)" in texts[5]
    assert f"{len(draw.EXPLORE_LRS)} learning rates from 0.01 to 1.2" in texts[6]


def test_every_explorable_frames_alt_text_says_what_its_run_did_with_numbers(
    data, explored
):
    x, y = data
    for (lr, a0), run in list(explored.items())[::7]:
        alt = draw.explore_alt(x, y, explored, {"lr": lr, "start": a0})
        assert len(alt.split()) >= 12 and f"learning rate {lr:g}" in alt
        assert f"from ({a0[0]:g}, {a0[1]:g})".replace("-", "−") in alt
        stopped = f"stopped at step {run.diverged_at}" in alt
        assert stopped == (run.diverged_at is not None)
        if not stopped:
            end = f"({run.path[-1, 0]:.2f}, {run.path[-1, 1]:.2f})".replace("-", "−")
            assert end in alt and f"{run.losses[-1]:.4f}" in alt


def test_the_explorables_learning_rates_are_log_spaced_and_the_cliff_is_marked_between_two(
    data,
):
    x, y = data
    lrs = draw.EXPLORE_LRS
    assert len(lrs) >= 20 and list(lrs) == sorted(set(lrs))
    ratios = np.diff(np.log10(lrs))
    assert np.allclose(
        ratios, ratios.mean(), atol=0.005
    )  # even on a log scale, to 3 digits
    edge = cliff_of(x)  # from torch.linalg.eigvalsh, not the lesson
    lr_knob, start_knob = draw.explore_knobs(x)
    ((at, text),) = lr_knob.marks.items()
    k = int(at)
    assert lrs[k] < edge < lrs[k + 1] and text == f"cliff {edge:.4f}"
    # the mark sits where the cliff is on the log-scaled track
    assert math.isclose(
        at - k,
        (math.log(edge) - math.log(lrs[k])) / (math.log(lrs[k + 1]) - math.log(lrs[k])),
    )
    assert [label.endswith("past the cliff") for label in lr_knob.labels] == [
        lr > edge for lr in lrs
    ]
    assert start_knob.points == draw.EXPLORE_STARTS and start_knob.kind == "buttons"
    caption = draw.explore_caption(x, y)
    assert f"2/hₘₐₓ = {edge:.4f}, lies between {lrs[k]:g} and {lrs[k + 1]:g}" in caption
    assert f"{len(lrs)} learning rates" in caption
    assert f"{len(draw.EXPLORE_STARTS)} starts" in caption


def test_the_cliff_does_not_depend_on_the_start_every_start_diverges_above_it_and_only_there(
    data, explored, hessian
):
    # the page's claim, checked against the closed form: the error along the steepest direction
    # is multiplied by 1 − lr hₘₐₓ at each step, so it grows exactly when lr > 2/hₘₐₓ
    x, y = data
    _, values, vectors = hessian
    best = least_squares(x, y)[0]
    edge = 2 / values[-1].item()
    for (lr, a0), run in explored.items():
        offset = (torch.tensor(a0, dtype=F64) - best) @ vectors[:, -1]
        assert abs(offset) > 0.1  # each start has an error along the steepest direction
        grows = abs(1 - lr * values[-1].item()) > 1
        assert grows == (lr > edge)
        assert (run.diverged_at is not None) == grows, (lr, a0)


def test_figures_are_laid_out_with_rounded_positions_so_every_build_saves_the_same_bytes(
    data, swept, scheduled
):
    # the SVG's clip-path ids hash the axes box; unrounded, its last bits depend on what the
    # process drew before, and a cold build would differ from a cached one
    x, y = data
    lrs, runs = swept
    figs = [
        draw.plot_sweep(x, y, lrs, runs),
        draw.plot_schedules(scheduled),
        draw.plot_schedule_runs(x, y, scheduled),
    ]
    for fig in figs:
        assert not isinstance(fig.get_layout_engine(), ConstrainedLayoutEngine)
        for ax in fig.axes:
            bounds = ax.get_position(original=True).bounds
            assert all(abs(v - round(v, 6)) < 1e-12 for v in bounds)
    again = draw.plot_sweep(x, y, lrs, runs)
    assert render.figure_bytes(figs[0]) == render.figure_bytes(again)
