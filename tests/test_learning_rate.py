"""The claims of docs/learning-rate.md, checked with the functions the page runs."""

import io
import itertools
import math
import re

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.lines import Line2D
from PIL import Image

from conftest import ROOT, defaults, run_program
from snippets import fit_line, loss, render
from snippets import learning_rate as lr_mod

F64 = torch.float64
PAGE = (ROOT / "docs" / "learning-rate.md").read_text()


@pytest.fixture(scope="module")
def data():
    """The points of "Fit a line", in float32 as the page uses them."""
    return fit_line.make_data()


@pytest.fixture(scope="module")
def data64(data):
    x, y = data
    return x.double(), y.double()


@pytest.fixture(scope="module")
def hessian(data64):
    """The curvature matrix 2/n X^T X, its eigenvalues and eigenvectors (flattest first)."""
    x, _ = data64
    h = 2 / len(x) * x.T @ x
    values, vectors = torch.linalg.eigh(h)
    return h, values, vectors


@pytest.fixture(scope="module")
def swept(data):
    """The page's sweep: 100 steps for every learning rate of its grid."""
    x, y = data
    lrs = lr_mod.log_grid(*lr_mod.SWEEP_GRID)
    return lrs, lr_mod.sweep(x, y, lrs, steps=100)


@pytest.fixture(scope="module")
def scheduled(data):
    """The page's three schedule runs: lr 0.5, 200 steps, batches of 10, seed 0."""
    x, y = data
    return lr_mod.schedule_runs(x, y, lr=0.5, steps=200, step_size=50, gamma=0.1)


def floor_of(x, y):
    return fit_line.least_squares(x, y)[1]


def on_parabola(L, lr, steps, x0=1.0):
    return lr_mod.gradient_descent(lambda x: L * x, x0, lr, steps)


# ---------------------------------------------------------------------------------------------
# A direction, not a distance


def test_one_step_lands_at_1_minus_lr_L_so_one_lr_stops_short_lands_or_overshoots():
    rows = [
        [c.strip() for c in r.strip("|").split("|")]
        for r in lr_mod.step_table([0.5, 1, 2, 3, 5], lr=0.5).splitlines()[2:]
    ]
    for (L, grad, step, x1, _what), expected_L in zip(rows, [0.5, 1, 2, 3, 5]):
        assert (
            float(L) == expected_L and float(grad) == expected_L
        )  # the gradient at x0 = 1 is L
        assert float(x1.replace("−", "-")) == 1 - 0.5 * expected_L  # the closed form
        assert float(step.replace("−", "-")) == -0.5 * expected_L
    verdicts = [r[4].split(": ")[1] for r in rows]
    assert verdicts == [
        "stops short",
        "stops short",
        "lands on it",
        "overshoots, lands closer",
        "overshoots, lands further away",
    ]


@pytest.mark.parametrize("L", [0.5, 2.0, 3.0, 10.0])
def test_a_step_of_1_over_L_lands_on_the_minimum(L):
    assert abs(on_parabola(L, 1 / L, steps=1, x0=1.7)[-1].item()) < 1e-15


# ---------------------------------------------------------------------------------------------
# The 2/L rule


@pytest.mark.parametrize(
    "L, lr", [(1.0, 0.1), (1.0, 1.8), (4.0, 0.3), (10.0, 0.21), (0.5, 3.9)]
)
def test_iterates_on_the_parabola_are_1_minus_lr_L_to_the_t_times_x0(L, lr):
    xs = on_parabola(L, lr, steps=40, x0=1.5)
    closed = 1.5 * (1 - lr * L) ** torch.arange(41, dtype=F64)
    assert torch.allclose(xs, closed, rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize("L", [0.5, 1.0, 4.0, 10.0])
def test_descent_converges_just_below_2_over_L_and_diverges_just_above(L):
    below = on_parabola(L, 0.99 * 2 / L, steps=500)
    above = on_parabola(L, 1.01 * 2 / L, steps=500)
    assert below[-1].abs() < 1e-4 and torch.all(below[1:].abs() < below[:-1].abs())
    assert above[-1].abs() > 1e4 and torch.all(above[1:].abs() > above[:-1].abs())


@pytest.mark.parametrize("L", [0.5, 1.0, 4.0, 10.0])
def test_at_exactly_2_over_L_the_iterates_bounce_with_constant_amplitude(L):
    xs = on_parabola(L, 2 / L, steps=100)
    assert torch.allclose(xs.abs(), torch.ones(101, dtype=F64), rtol=0, atol=1e-12)
    assert torch.all(xs[1:] * xs[:-1] < 0)  # every step lands on the other side


def test_below_1_over_L_the_iterates_keep_their_sign_and_above_it_they_alternate():
    for lr in (0.1, 0.5, 0.99):  # L = 1
        assert torch.all(on_parabola(1.0, lr, steps=30) > 0)
    for lr in (1.01, 1.5, 1.99):
        xs = on_parabola(1.0, lr, steps=30)
        assert torch.all(xs[1:] * xs[:-1] < 0) and xs[-1].abs() < xs[0].abs()


def test_rule_table_rows_are_identical_for_every_L_and_match_the_closed_form():
    rows = [
        r.split("|")[3:6]
        for r in lr_mod.rule_table(
            [0.5, 1, 4, 10], steps=100, margin=0.01
        ).splitlines()[2:]
    ]
    assert len(rows) == 4 and all(r == rows[0] for r in rows)  # only lr * L matters
    below, at, above = (float(c) for c in rows[0])
    assert below == pytest.approx(0.98**100, rel=1e-2)
    assert at == 1.0
    assert above == pytest.approx(1.02**100, rel=1e-2)


def test_the_animations_learning_rates_crawl_land_bounce_and_diverge():
    crawl, right, bounce, blow = (
        lr_mod.QUADRATIC_LRS
    )  # on L = 1, so 1/L = 1 and 2/L = 2
    steps = defaults(lr_mod.animate_quadratic)["steps"]
    ends = {lr: on_parabola(1.0, lr, steps, x0=1.5) for lr in lr_mod.QUADRATIC_LRS}
    assert (
        1 - crawl >= 0.9 and ends[crawl][-1] > 0.05
    )  # still on its way after all the steps
    assert 0 < right < 1 and abs(ends[right][-1]) < 1e-10
    assert 1 < bounce < 2 and torch.all(ends[bounce][1:] * ends[bounce][:-1] < 0)
    assert abs(ends[bounce][-1]) < 0.01
    assert blow > 2 and abs(ends[blow][-1]) > 50


def test_the_animation_has_a_frame_per_step_within_budget_in_both_themes():
    light = lr_mod.animate_quadratic(lr_mod.QUADRATIC_LRS, theme="light", steps=2)
    assert len(light) == 3 and all(
        f.shape == light[0].shape and f.dtype == np.uint8 for f in light
    )
    height, width = light[0].shape[:2]
    assert width <= render.MAX_GIF_SIZE[0] and height <= render.MAX_GIF_SIZE[1]
    assert (
        defaults(lr_mod.animate_quadratic)["steps"] + 1 <= 60
    )  # the page's GIF: at most 60 frames
    gif = Image.open(io.BytesIO(render.gif_bytes(light, fps=4)))
    first = np.asarray(gif.convert("RGB"))
    gif.seek(gif.n_frames - 1)
    assert gif.n_frames == 3 and not np.array_equal(
        first, np.asarray(gif.convert("RGB"))
    )
    dark = lr_mod.animate_quadratic(
        lr_mod.QUADRATIC_LRS[:1], theme="dark", steps=1
    )  # one panel: cheaper
    assert light[0].mean() > dark[0].mean()


# ---------------------------------------------------------------------------------------------
# The cliff on the line problem


def test_the_gradient_of_the_line_is_H_times_the_distance_to_the_minimum(
    data64, hessian
):
    x, y = data64
    h, _, _ = hessian
    best = torch.linalg.lstsq(x, y.unsqueeze(1), driver="gelsd").solution.squeeze(1)
    for point in ([-1.0, 1.0], [4.0, 0.0], [0.5, 3.0]):
        a = torch.tensor(point, dtype=F64)
        assert torch.allclose(fit_line.gradient(x, y, a), h @ (a - best), atol=1e-12)


def test_each_step_multiplies_the_distance_to_the_minimum_by_I_minus_lr_H(
    data64, hessian
):
    x, y = data64
    h, _, _ = hessian
    best = fit_line.least_squares(x, y)[0]
    path = lr_mod.descend(x, y, lr=0.7, steps=20).path
    step = torch.eye(2, dtype=F64) - 0.7 * h
    assert torch.allclose(path[1:] - best, (path[:-1] - best) @ step.T, atol=1e-12)


def test_curvatures_are_the_eigenvalues_of_H_and_the_cliff_is_2_over_the_largest(
    data, hessian
):
    x, _ = data
    h, _, _ = hessian
    # the eigenvalues of a symmetric 2 x 2 matrix, in closed form
    a, b, c = h[0, 0].item(), h[0, 1].item(), h[1, 1].item()
    root = math.sqrt(((a - c) / 2) ** 2 + b**2)
    low, high = lr_mod.curvatures(x)
    assert low == pytest.approx((a + c) / 2 - root, abs=1e-12)
    assert high == pytest.approx((a + c) / 2 + root, abs=1e-12)
    assert lr_mod.cliff(x) == pytest.approx(2 / high, abs=1e-12)
    assert torch.allclose(
        h, loss.curvature(x.double())
    )  # Loss's curvature is the same matrix


def test_the_flattest_direction_is_mostly_the_slope_and_the_steepest_mostly_the_intercept(
    hessian,
):
    _, _, vectors = hessian
    assert abs(vectors[0, 0]) > 0.99 and abs(vectors[1, 1]) > 0.99


def test_descent_on_the_line_converges_just_below_the_cliff_and_diverges_just_above(
    data64,
):
    x, y = data64
    edge = lr_mod.cliff(x)
    below = lr_mod.descend(x, y, lr=0.99 * edge, steps=1000)
    above = lr_mod.descend(x, y, lr=1.01 * edge, steps=1000)
    assert below.diverged_at is None and below.losses[-1] - floor_of(x, y) < 1e-9
    assert above.diverged_at is not None


def test_descend_takes_the_same_steps_as_fit_with_autograd(data64):
    x, y = data64
    for lr in (0.01, 0.3, 0.9):
        run = lr_mod.descend(x, y, lr=lr, steps=60)
        assert run.diverged_at is None
        assert torch.allclose(
            run.path, fit_line.fit(x, y, lr=lr, steps=60), rtol=0, atol=1e-12
        )
        assert torch.allclose(
            run.losses, fit_line.losses(x, y, run.path), rtol=0, atol=1e-12
        )


def test_below_the_cliff_the_loss_never_rises(data64):
    # exercise 1's solution: bisection relies on it
    x, y = data64
    for lr in (0.05, 0.5, 0.9, 0.99):
        loss_ = lr_mod.descend(x, y, lr=lr, steps=300).losses
        assert torch.all(loss_[1:] <= loss_[:-1] * (1 + 1e-12))


# ---------------------------------------------------------------------------------------------
# Divergence is a result


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
    longer = fit_line.losses(x, y, fit_line.fit(x, y, lr=1.18, steps=300))
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


# ---------------------------------------------------------------------------------------------
# Sweeping the learning rate


def test_the_sweep_crawls_then_converges_then_falls_off_the_cliff_where_the_rule_says(
    data, swept
):
    x, y = data
    lrs, runs = swept
    floor, edge = floor_of(x, y), lr_mod.cliff(x)
    names = [lr_mod.regime(run, floor) for run in runs]
    first, last = (
        names.index("converges"),
        len(names) - 1 - names[::-1].index("converges"),
    )
    assert set(names[:first]) == {"crawls"} and set(names[first : last + 1]) == {
        "converges"
    }
    assert set(names[last + 1 :]) == {"diverges"}
    crawling = [run.losses[-1].item() for run in runs[:first]]
    assert (
        crawling == sorted(crawling, reverse=True) and crawling[0] > 4
    )  # longer steps, lower loss
    stable, blown = lr_mod.measured_cliff(lrs, runs)
    assert stable < edge < blown and (stable, blown) == (lrs[last], lrs[last + 1])
    assert all(
        (run.diverged_at is not None) == (lr > edge) for lr, run in zip(lrs, runs)
    )
    assert lr_mod.sweet_spot(x, y, lrs, runs) == (lrs[first], lrs[last])
    assert lrs[last] / lrs[first] > 9.99  # the useful rates span a factor of ten


def test_the_sweep_grid_is_evenly_spaced_on_a_log_scale():
    lrs = lr_mod.log_grid(*lr_mod.SWEEP_GRID)
    ratios = [b / a for a, b in itertools.pairwise(lrs)]
    assert ratios == pytest.approx([10 ** (1 / lr_mod.SWEEP_GRID[2])] * len(ratios))
    assert lrs[0] == pytest.approx(10**-2.5) and lrs[-1] == pytest.approx(10**0.5)


def test_the_sweep_figure_marks_every_diverged_run_with_its_step(data, swept):
    x, y = data
    lrs, runs = swept
    fig = lr_mod.plot_sweep(x, y, lrs, runs, theme="light")
    texts = [t.get_text() for t in fig.axes[0].texts]
    blown = [run.diverged_at for run in runs if run.diverged_at is not None]
    assert [int(t) for t in texts if t.isdigit()] == blown
    crosses = [line for line in fig.axes[0].get_lines() if line.get_marker() == "x"]
    assert len(crosses) == 1 and len(crosses[0].get_xdata()) == len(blown)
    assert any(f"{lr_mod.cliff(x):.4f}" in t for t in texts)


# ---------------------------------------------------------------------------------------------
# The slider


def test_the_sliders_learning_rates_crawl_converge_and_diverge(data):
    x, y = data
    floor = floor_of(x, y)
    names = [
        lr_mod.regime(lr_mod.descend(x, y, lr=lr, steps=100), floor)
        for lr in lr_mod.SLIDER_LRS
    ]
    assert set(names) == {"crawls", "converges", "diverges"}
    assert (
        list(lr_mod.SLIDER_LRS) == sorted(lr_mod.SLIDER_LRS)
        and 7 <= len(lr_mod.SLIDER_LRS) <= 9
    )
    assert names == sorted(
        names, key=["crawls", "converges", "diverges"].index
    )  # in that order


def test_each_step_keeps_1_minus_lr_L_of_the_distance_along_each_direction(
    data64, hessian
):
    x, y = data64
    _, values, _ = hessian
    for lr in (0.01, 0.9):
        errors = lr_mod.eigen_errors(x, y, lr_mod.descend(x, y, lr=lr, steps=30).path)
        assert torch.allclose(errors[1:], errors[:-1] * (1 - lr * values), atol=1e-12)
    slow = lr_mod.eigen_errors(x, y, lr_mod.descend(x, y, lr=0.01, steps=100).path)
    assert (
        round(float(slow[-1, 0] / slow[0, 0]), 2) == 0.50
    )  # the page: 50% of the way left
    assert round(float(slow[-1, 1] / slow[0, 1]), 2) == 0.13  # and 13%


def test_at_0_9_the_path_zigzags_across_the_valley_and_not_along_it(data):
    x, y = data
    errors = lr_mod.eigen_errors(x, y, lr_mod.descend(x, y, lr=0.9, steps=20).path)
    flat, steep = errors[:, 0], errors[:, 1]
    assert torch.all(
        steep[1:] * steep[:-1] < 0
    )  # the steepest direction changes sign every step
    assert torch.all(flat[1:] * flat[:-1] > 0)


def test_past_the_cliff_each_zigzag_is_wider_than_the_last(data):
    x, y = data
    run = lr_mod.descend(x, y, lr=1.1, steps=100)
    steep = lr_mod.eigen_errors(x, y, run.path)[:, 1]
    assert torch.all(steep[2:].abs() > steep[1:-1].abs()) and torch.all(
        steep[1:] * steep[:-1] < 0
    )
    assert run.path[:, 1].max() > lr_mod.A2_LIM[1]  # until the path leaves the picture


@pytest.mark.parametrize("lr", [0.01, 1.1])
def test_slider_frames_draw_the_path_in_both_themes_with_concrete_colours(data, lr):
    x, y = data
    grid = lr_mod.contour_grid(x, y, n=11)
    run = lr_mod.descend(x, y, lr=lr, steps=100)
    figs = {
        theme: lr_mod.plot_path(lr, x, y, grid, theme=theme) for theme in render.THEMES
    }
    for fig in figs.values():
        ax = fig.axes[0]
        path = [
            line for line in ax.get_lines() if len(line.get_xdata()) == len(run.path)
        ]
        assert len(path) == 1 and concrete_colours(fig)
        assert ax.get_title().startswith(lr_mod.lr_label(lr))
    assert figs["light"].get_facecolor() != figs["dark"].get_facecolor()


def test_every_figures_alt_text_has_at_least_12_words_and_numbers_from_the_run(
    data, swept, scheduled
):
    x, y = data
    lrs, runs = swept
    alts = [
        lr_mod.quadratic_alt(lr_mod.QUADRATIC_LRS),
        lr_mod.sweep_alt(x, y, lrs, runs),
        lr_mod.schedules_alt(scheduled),
        lr_mod.schedule_runs_alt(x, y, scheduled),
    ]
    for alt in alts:
        assert len(alt.split()) >= 12 and re.search(r"\d", alt)
    stable, blown = lr_mod.measured_cliff(lrs, runs)
    assert (
        f"{stable:.3g}" in alts[1]
        and f"{blown:.3g}" in alts[1]
        and f"{lr_mod.cliff(x):.4f}" in alts[1]
    )
    end = on_parabola(1.0, lr_mod.QUADRATIC_LRS[-1], 24, x0=1.5)[-1].item()
    assert f"ends at x = {end:.3g}" in alts[0]


def test_every_frames_alt_text_says_what_happened_with_numbers(data):
    x, y = data
    for lr in lr_mod.SLIDER_LRS:
        alt = lr_mod.frame_alt(lr, x, y)
        assert len(alt.split()) >= 12 and f"{lr:g}" in alt
        run = lr_mod.descend(x, y, lr=lr, steps=100)
        assert (f"stopped at step {run.diverged_at}" in alt) == (
            run.diverged_at is not None
        )


# ---------------------------------------------------------------------------------------------
# Schedules


def test_mini_batch_gradients_are_right_on_average(data64):
    x, y = data64
    a = torch.tensor([-1.0, 1.0], dtype=F64)
    batches = torch.randperm(
        len(y), generator=torch.Generator().manual_seed(0)
    ).reshape(10, 10)
    average = torch.stack([fit_line.gradient(x[b], y[b], a) for b in batches]).mean(
        dim=0
    )
    assert torch.allclose(average, fit_line.gradient(x, y, a), atol=1e-12)


def test_each_kick_is_proportional_to_the_learning_rate(data64):
    x, y = data64
    best = tuple(
        fit_line.least_squares(x, y)[0].tolist()
    )  # at the minimum the true gradient is 0
    kicks = [
        lr_mod.sgd(x, y, lambda t, lr=lr: lr, steps=1, a0=best)[1]
        - torch.tensor(best, dtype=F64)
        for lr in (0.1, 0.2)
    ]
    assert kicks[0].norm() > 1e-3 and torch.allclose(kicks[1], 2 * kicks[0], atol=1e-14)


@pytest.mark.parametrize("step_size, gamma", [(50, 0.1), (7, 0.5)])
def test_step_decay_matches_torchs_step_lr(step_size, gamma):
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.5)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=step_size, gamma=gamma)
    for t in range(200):
        assert lr_mod.step_decay(0.5, t, step_size, gamma) == pytest.approx(
            sched.get_last_lr()[0], rel=1e-12
        )
        opt.step()
        sched.step()


@pytest.mark.parametrize("lr_min", [0.0, 0.01])
def test_cosine_matches_torchs_cosine_annealing_lr(lr_min):
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.5)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=200, eta_min=lr_min)
    for t in range(201):
        assert lr_mod.cosine(0.5, t, 200, lr_min) == pytest.approx(
            sched.get_last_lr()[0], abs=1e-12
        )
        opt.step()
        sched.step()
    assert (
        lr_mod.cosine(0.5, 0, 200, lr_min) == 0.5
        and lr_mod.cosine(0.5, 200, 200, lr_min) == lr_min
    )
    assert lr_mod.cosine(0.5, 100, 200, lr_min) == pytest.approx((0.5 + lr_min) / 2)


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
        assert torch.allclose(by_hand, by_torch, rtol=0, atol=1e-10)


def test_the_same_seed_draws_the_same_batches_so_only_the_schedule_differs(scheduled):
    paths = {name: path for name, (_, path) in scheduled.items()}
    # the three schedules start at 0.5; before step decay's first drop, its steps equal the constant's
    assert torch.equal(paths["constant"][:51], paths["step decay"][:51])
    assert not torch.equal(paths["constant"][:52], paths["step decay"][:52])
    x, y = fit_line.make_data()
    again = lr_mod.sgd(x, y, lambda t: 0.5, steps=200, batch_size=10, seed=0)
    assert torch.equal(again, paths["constant"])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_decay_settles_while_a_constant_rate_keeps_bouncing(data, seed):
    x, y = data
    runs = lr_mod.schedule_runs(x, y, seed=seed)
    spread = {
        name: lr_mod.spread(fit_line.losses(x, y, path))
        for name, (_, path) in runs.items()
    }
    assert spread["step decay"] < spread["constant"] / 10
    assert spread["cosine"] < spread["constant"] / 10


def test_with_the_full_data_in_every_batch_a_constant_rate_settles_too(data):
    # the noise is what keeps the constant rate bouncing
    x, y = data
    path = lr_mod.sgd(x, y, lambda t: 0.5, steps=200, batch_size=len(y))
    assert lr_mod.spread(fit_line.losses(x, y, path)) < 1e-6


def test_the_decayed_runs_stay_closer_but_not_exactly_on_the_minimum(data, scheduled):
    x, y = data
    stats = lr_mod.tail_stats(x, y, scheduled)
    assert stats["step decay"][1] < stats["constant"][1] / 5
    assert stats["cosine"][1] < stats["constant"][1] / 5
    for name in ("step decay", "cosine"):
        path = scheduled[name][1]
        assert (
            stats[name][0] > 0
            and (path[-1] - fit_line.least_squares(x, y)[0]).norm() > 1e-3
        )
        assert (path[-5:] - path[-1]).norm(
            dim=1
        ).max() < 1e-3  # and it has all but stopped there
    steps = len(scheduled["constant"][1]) - 1
    (step, _), (cos, _) = scheduled["step decay"], scheduled["cosine"]
    # cosine's steps are larger from step decay's first drop until the last few steps
    last = max(t for t in range(steps) if cos(t) > step(t))
    assert (
        all(cos(t) > step(t) for t in range(50, last + 1))
        and steps - 10 < last < steps - 1
    )
    assert all(cos(t) <= step(t) for t in range(last + 1, steps))


def test_the_spread_is_the_standard_deviation_over_the_last_fifth():
    loss_ = torch.cat([torch.full((80,), 5.0), torch.tensor([1.0, 3.0] * 10)])
    assert lr_mod.spread(loss_) == pytest.approx(
        torch.tensor([1.0, 3.0] * 10).std().item()
    )


@pytest.mark.parametrize("plot", ["schedules", "runs"])
def test_schedule_figures_draw_a_line_per_schedule_in_both_themes(
    data, scheduled, plot
):
    x, y = data
    for theme in render.THEMES:
        fig = (
            lr_mod.plot_schedules(scheduled, theme=theme)
            if plot == "schedules"
            else lr_mod.plot_schedule_runs(x, y, scheduled, theme=theme)
        )
        assert isinstance(fig, Figure) and concrete_colours(fig)
        labels = fig.axes[0].get_legend_handles_labels()[1]
        assert labels == ["constant", "step decay", "cosine"]


# ---------------------------------------------------------------------------------------------
# Bad input, exercises, the whole program


def concrete_colours(fig):
    """Every line's colour is a concrete colour, never a "CN" name resolved after the theme ends."""
    return all(
        not re.fullmatch(r"C\d", str(line.get_color())) for line in fig.findobj(Line2D)
    )


@pytest.mark.parametrize(
    "call, message",
    [
        (
            lambda x, y: lr_mod.descend(x, y, lr=0),
            "lr must be a positive, finite number, got 0",
        ),
        (
            lambda x, y: lr_mod.descend(x, y, lr=-0.1),
            "lr must be a positive, finite number, got -0.1",
        ),
        (
            lambda x, y: lr_mod.descend(x, y, lr=math.inf),
            "lr must be a positive, finite number, got inf",
        ),
        (
            lambda x, y: lr_mod.descend(x, y, lr=math.nan),
            "lr must be a positive, finite number, got nan",
        ),
        (
            lambda x, y: lr_mod.descend(x, y, lr="0.1"),
            "lr must be a positive, finite number, got '0.1'",
        ),
        (
            lambda x, y: lr_mod.descend(x, y, steps=0),
            "steps must be an integer >= 1, got 0",
        ),
        (
            lambda x, y: lr_mod.descend(x, y, steps=10.0),
            "steps must be an integer >= 1, got 10.0",
        ),
        (
            lambda x, y: lr_mod.descend(x, y[:-1]),
            r"x must be \(n, d\) and y must be \(n,\)",
        ),
        (
            lambda x, y: lr_mod.gradient_descent(abs, 1.0, lr=-1.0, steps=5),
            "lr must be a positive",
        ),
        (
            lambda x, y: lr_mod.gradient_descent(abs, 1.0, lr=0.1, steps=0),
            "steps must be an integer >= 1",
        ),
        (
            lambda x, y: lr_mod.sgd(x, y, lambda t: 0.0, steps=5),
            "lr must be a positive",
        ),
        (
            lambda x, y: lr_mod.sgd(x, y, lambda t: 0.1, steps=5, batch_size=0),
            "batch_size must be an integer from 1 to 10",
        ),
        (
            lambda x, y: lr_mod.sgd_with_scheduler(x, y, math.inf, None, steps=5),
            "lr must be a positive",
        ),
        (
            lambda x, y: lr_mod.largest_stable_lr(x, y, low=1.0, high=0.5),
            "need 0 < low < high",
        ),
        (
            lambda x, y: lr_mod.log_grid(0.1, 1.0, 0),
            "per_decade must be an integer >= 1",
        ),
        (
            lambda x, y: lr_mod.animate_quadratic([0.1], curvature=0.0),
            "curvature must be positive",
        ),
    ],
)
def test_bad_arguments_raise_a_clear_value_error(call, message):
    x, y = fit_line.make_data(n=10)
    with pytest.raises(ValueError, match=message):
        call(x, y)


def test_every_call_in_the_pages_error_list_raises_a_value_error():
    block = re.search(r'id="lr-errors"\n(.*?)\n```', PAGE, re.DOTALL)[1]
    calls = re.findall(r'"((?:descend|gradient_descent|sgd)\(.*?\))"', block)
    x, y = fit_line.make_data(n=10)
    names = {
        "x": x,
        "y": y,
        "descend": lr_mod.descend,
        "gradient_descent": lr_mod.gradient_descent,
        "sgd": lr_mod.sgd,
    }
    assert len(calls) == 7
    # each message names the argument and its value: "lr must be ..., got 0"
    for call in calls:
        with pytest.raises(ValueError, match=r"^\w+ must be .+, got "):
            eval(call, names)


def test_bisection_finds_the_cliff_without_the_curvature(data):
    # exercise 1
    x, y = data
    found = lr_mod.largest_stable_lr(x, y, low=0.5, high=1.5)
    assert abs(found - lr_mod.cliff(x)) < 2e-3


def test_the_page_uses_the_settings_its_prose_describes():
    assert (
        "learning_rate.QUADRATIC_LRS" in PAGE
        and "SWEEP_GRID" in PAGE
        and "SLIDER_LRS" in PAGE
    )
    # the schedule blocks and captions: lr 0.5, 200 steps, x 0.1 every 50 steps, batches of 10, seed 0
    assert (
        PAGE.count("schedule_runs(x, y, lr=0.5, steps=200, step_size=50, gamma=0.1)")
        == 4
    )
    assert defaults(lr_mod.schedule_runs) == {
        "lr": 0.5,
        "steps": 200,
        "batch_size": 10,
        "seed": 0,
        "step_size": 50,
        "gamma": 0.1,
    }
    assert (
        defaults(lr_mod.sgd)["batch_size"] == 10
        and defaults(lr_mod.descend)["limit"] == 1e6
    )
    assert defaults(lr_mod.descend)["a0"] == defaults(fit_line.fit)["a0"] == (-1.0, 1.0)
    # the animation's caption: f(x) = x^2 / 2 from x = 1.5; the slider's: up to 100 steps
    assert defaults(lr_mod.animate_quadratic) == {
        "curvature": 1.0,
        "x0": 1.5,
        "steps": 24,
        "theme": "light",
    }
    assert (
        defaults(lr_mod.plot_path)["steps"] == defaults(lr_mod.descend)["steps"] == 100
    )


def test_the_whole_program_on_the_page_runs_when_pasted_into_a_fresh_file(
    tmp_path, data
):
    x, y = data
    lines = run_program("learning-rate.md", "learning_rate.py", tmp_path)
    assert lines[0] == (
        f"largest curvature {lr_mod.curvatures(x)[1]:.4f}: the cliff is at "
        f"{lr_mod.cliff(x):.4f}"
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


def test_figures_are_laid_out_with_rounded_positions_so_every_build_saves_the_same_bytes(
    data, swept, scheduled
):
    # the SVG's clip-path ids hash the axes box; unrounded, its last bits depend on what the
    # process drew before, and a cold build would differ from a cached one
    x, y = data
    lrs, runs = swept
    figs = [
        lr_mod.plot_sweep(x, y, lrs, runs),
        lr_mod.plot_path(0.3, x, y, lr_mod.contour_grid(x, y, n=11)),
        lr_mod.plot_schedules(scheduled),
        lr_mod.plot_schedule_runs(x, y, scheduled),
    ]
    for fig in figs:
        assert not isinstance(
            fig.get_layout_engine(), ConstrainedLayoutEngine
        )  # frozen
        for ax in fig.axes:
            bounds = ax.get_position(original=True).bounds
            assert all(abs(v - round(v, 6)) < 1e-12 for v in bounds)
    again = lr_mod.plot_sweep(x, y, lrs, runs)
    assert render.figure_bytes(figs[0]) == render.figure_bytes(again)
