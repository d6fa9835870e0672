"""The momentum claims of docs/mini-batches.md (what momentum buys on the bowl, and what it does on
noisy mini-batch gradients), the variance section's 1 / B and 1 / √B, the race figure's axis, and
how torch.optim rounds its step: each checked against an independent computation (the roots of
the heavy ball's characteristic polynomial, runs of the lesson's code and of torch.optim, a search
over learning rates, a simulation with independent noise, exact rational arithmetic)."""

import cmath
import itertools
import math
from decimal import Decimal, localcontext

import numpy as np
import pytest
import torch
from matplotlib.colors import to_hex

from conftest import ROOT, assert_close
from snippets import mini_batches as mb
from snippets.drawing import line_problem, render
from snippets.drawing import mini_batches as draw

F64 = torch.float64
K = float(draw.BOWL_K)  # the bowl's condition number: curvatures 1 and K
P0 = draw.VALLEY["p0"]
PAGE = (ROOT / "docs" / "mini-batches.md").read_text()


def heavy_ball_roots(h, lr, mu):
    """The roots of l^2 - (1 + mu - lr h) l + mu: the two factors of p_t+1 = (1 + mu - lr h) p_t
    - mu p_t-1, by the quadratic formula (not by an eigenvalue routine)."""
    b = 1 + mu - lr * h
    disc = cmath.sqrt(b * b - 4 * mu)
    return (b + disc) / 2, (b - disc) / 2


def rate_by_roots(h, lr, mu):
    return max(abs(r) for r in heavy_ball_roots(h, lr, mu))


def run(lr, mu, steps, p0=P0):
    return mb.momentum_descent(draw.bowl, p0, lr=lr, mu=mu, steps=steps)


# ---------------------------------------------------------------------------------------------
# The factor per step: the spectral radius of the heavy ball's matrix


@pytest.mark.parametrize(
    "h, lr, mu",
    [
        (1.0, 0.019, 0.9),
        (100.0, 0.019, 0.9),
        (100.0, 0.03, 0.5),
        (2.0, 0.1, 0.0),
        (100.0, 0.05, 0.9),
        (0.5, 0.5, 0.3),
        (100.0, 0.0339, 0.7),
    ],
)
def test_momentum_rate_is_the_largest_root_of_the_heavy_balls_polynomial(h, lr, mu):
    assert_close(mb.momentum_rate(h, lr, mu), rate_by_roots(h, lr, mu), rtol=1e-12)


@pytest.mark.parametrize(
    "h, lr", [(1.0, 0.5), (100.0, 0.019), (100.0, 0.025), (3.0, 0.9)]
)
def test_with_mu_zero_the_factor_is_plain_descents_one_minus_lr_h(h, lr):
    assert_close(mb.momentum_rate(h, lr, 0.0), abs(1 - lr * h), rtol=1e-12)


def test_the_factor_per_step_is_what_a_one_dimensional_run_shrinks_by():
    # far from a double root, the distance after t steps shrinks like rate^t
    for h, lr, mu in [(100.0, 0.03, 0.5), (1.0, 0.1, 0.3), (100.0, 0.019, 0.0)]:
        path = mb.momentum_descent(lambda p, h=h: h * p**2 / 2, 1.0, lr, mu, 400)
        measured = (path[400].abs() / path[200].abs()).item() ** (1 / 200)
        assert_close(measured, mb.momentum_rate(h, lr, mu), rtol=1e-3)


@pytest.mark.parametrize("mu", [0.0, 0.5, 0.9, 0.99])
def test_momentum_is_stable_up_to_2_times_1_plus_mu_over_h_and_diverges_beyond(mu):
    edge = 2 * (1 + mu) / K
    assert_close(draw.limit(mu), edge, rtol=1e-15)
    below, above = edge * 0.98, edge * 1.02
    # the closed form's factor: under 1 just below the limit, over 1 just above it
    assert rate_by_roots(K, below, mu) < 1 < rate_by_roots(K, above, mu)
    assert mb.momentum_rate(K, below, mu) < 1 < mb.momentum_rate(K, above, mu)
    if mu > 0.95:
        return  # its runs take thousands of steps: the three others run
    # and runs of the lesson's code on the bowl converge just below and diverge just above
    assert run(below, mu, 800)[-1].norm() < 1e-5
    last = run(above, mu, 800)[-1]
    assert not torch.isfinite(last).all() or last.norm() > 1e6


def test_the_stability_sentence_holds_the_runs_numbers():
    said = draw.stability_sentence()
    assert "limit at 0.020" in said and "limit at 0.038" in said
    assert said.count("down to") == 2 and said.count("up to") == 2


def test_the_sweeps_lines_are_the_closed_form_and_its_dots_are_runs_near_them():
    lrs, mus = draw.sweep_settings()
    assert mus[:2] == (0.0, 0.9) and abs(mus[2] - draw.tuned_momentum()[1]) < 1e-15
    every = draw.VALLEY["sweep_every"]
    swept = draw.sweep(lrs, mus, every=every)
    for mu, (rates, measured) in swept.items():
        by_roots = [
            max(rate_by_roots(1.0, lr, mu), rate_by_roots(K, lr, mu)) for lr in lrs
        ]
        assert_close(rates, by_roots, rtol=1e-7)  # a double root costs half the digits
        assert len(measured) == len(lrs[::every])
        for lr, m in zip(lrs[::every], measured):
            r = max(rate_by_roots(1.0, lr, mu), rate_by_roots(K, lr, mu))
            # over 60 steps a run's factor carries a slow mode's start: within 3%
            assert abs(m / r - 1) < 0.03, (mu, lr, m, r)
            assert (m < 1) == (r < 1)


# ---------------------------------------------------------------------------------------------
# Tuned momentum against plain gradient descent at its best


def test_plain_descents_best_rate_and_factor_are_those_a_search_over_rates_finds():
    grid = torch.linspace(1e-4, 0.0199999, 20001, dtype=F64)
    worst = torch.maximum((1 - grid).abs(), (1 - grid * K).abs())
    assert_close(grid[worst.argmin()], draw.best_gd_lr(), atol=2e-6)
    assert_close(worst.min(), (K - 1) / (K + 1), atol=1e-6)
    assert_close(
        draw.valley_rate(draw.best_gd_lr(), 0.0), (K - 1) / (K + 1), rtol=1e-12
    )


def test_tuned_momentum_shrinks_both_directions_by_root_kappa_minus_1_over_root_kappa_plus_1():
    lr, mu = draw.tuned_momentum()
    root = math.sqrt(K)
    assert_close(lr, 4 / (10 + 1) ** 2, rtol=1e-15)
    assert_close(mu, ((root - 1) / (root + 1)) ** 2, rtol=1e-15)
    for h in (1.0, K):  # a double root in both directions, of size sqrt(mu)
        assert_close(rate_by_roots(h, lr, mu), (root - 1) / (root + 1), rtol=1e-7)
        assert_close(mb.momentum_rate(h, lr, mu), (root - 1) / (root + 1), rtol=1e-6)


def test_no_learning_rate_and_momentum_on_a_grid_do_better_than_the_tuned_pair():
    lr_t, mu_t = draw.tuned_momentum()
    best = min(
        max(rate_by_roots(1.0, lr, mu), rate_by_roots(K, lr, mu))
        for lr, mu in itertools.product(
            np.linspace(0.001, 0.04, 80), np.linspace(0.0, 0.95, 96)
        )
    )
    tuned = draw.valley_rate(lr_t, mu_t)
    assert (
        tuned <= best + 1e-6 and best < tuned + 0.02
    )  # the grid gets close, never below


def test_the_measured_per_step_contraction_of_runs_is_the_closed_forms():
    lr_t, mu_t = draw.tuned_momentum()
    root = math.sqrt(K)
    tuned = run(lr_t, mu_t, 1000)
    # a double root: the distance is (a + b t) rate^t, so measure far out, where t changes slowly
    assert_close(
        draw.measured_rate(tuned, 500, 1000), (root - 1) / (root + 1), rtol=2e-3
    )
    plain = run(draw.best_gd_lr(), 0.0, 1000)
    assert_close(draw.measured_rate(plain, 500, 1000), (K - 1) / (K + 1), rtol=1e-6)


def test_a_millionfold_takes_about_root_kappa_times_fewer_steps_tuned():
    lr_t, mu_t = draw.tuned_momentum()
    plain = draw.steps_to_shrink((K - 1) / (K + 1))
    tuned = draw.steps_to_shrink((math.sqrt(K) - 1) / (math.sqrt(K) + 1))
    # by the closed forms: the smallest t with rate^t <= 1e-6
    for steps, rate in ((plain, 99 / 101), (tuned, 9 / 11)):
        assert rate**steps <= 1e-6 < rate ** (steps - 1)
    assert abs(plain / tuned - math.sqrt(K)) < 0.5
    said = draw.tuned_sentence()
    assert f"needs {plain} steps, tuned momentum {tuned}:" in said
    assert f"$\\eta = {lr_t:.4f}$ and $\\mu = {mu_t:.4f}$" in said


def test_the_animations_runs_plain_at_its_best_crawls_and_tuned_momentum_gets_there_fast():
    runs = draw.valley_runs()
    lr, mu, gd = runs["plain"]
    assert lr == draw.best_gd_lr() and mu == 0.0
    assert draw.zigzag_steps(gd) == 60  # 1 - lr h_max < 0: every step crosses the floor
    assert torch.all(gd[1:, 1] * gd[:-1, 1] < 0)
    longer = run(lr, 0.0, 1200)
    tuned = runs["tuned"][2]
    assert draw.first_below(tuned) * 5 < draw.first_below(longer)
    assert draw.bowl(tuned[-1]) < 1e-4 < 1 < draw.bowl(gd[-1])
    # not gentler at the start: lr h_max is over 2, and the loss rises before it falls
    peak = int(draw.bowl(tuned).argmax())
    assert runs["tuned"][0] * K > 2 and 0 < peak < 10
    assert draw.bowl(tuned[peak]) > 5 * draw.bowl(tuned[0])
    said = draw.bowl_sentence(runs)
    assert (
        f"after {draw.first_below(longer)} steps. Tuned momentum gets there after "
        in said
    )
    assert f"{draw.first_below(tuned)}," in said


def test_momentum_09_at_lr_0019_turns_a_quarter_across_the_valley_and_shrinks_by_root_09():
    lr, mu, path = draw.valley_runs()["mu09"]
    assert_close(lr * K, 1 + mu, rtol=1e-12)
    for r in heavy_ball_roots(K, lr, mu):  # +-i sqrt(mu): a quarter turn
        assert abs(r.real) < 1e-12 and abs(abs(r.imag) - math.sqrt(mu)) < 1e-12
    assert_close(draw.valley_rate(lr, mu), math.sqrt(mu), rtol=1e-12)
    # across the valley p2 takes each value twice before it changes sign: p2 = 1, -0.9, -0.9, ...
    p2 = path[:, 1]
    assert_close(p2[1:-1:2], p2[2::2], atol=1e-12)
    assert torch.all(p2[2:-1:2] * p2[3::2] < 0)
    assert_close(p2[3::2], -mu * p2[1:-2:2], atol=1e-12)


@pytest.mark.parametrize("name", ["tuned", "mu09", "plain"])
def test_the_lessons_momentum_steps_are_torch_optim_sgds_on_the_pages_settings(name):
    lr, mu, path = draw.valley_runs()[name]
    by_optim = mb.momentum_with_optim(draw.bowl, P0, lr=lr, mu=mu, steps=len(path) - 1)
    assert_close(path, by_optim, atol=1e-12, rtol=1e-12)


def test_the_loss_figure_draws_each_run_and_its_closed_form_guide_in_both_themes():
    runs = draw.valley_runs(steps=30)
    for theme, palette in render.PALETTES.items():
        fig = draw.plot_valley_loss(runs, theme=theme)
        lines = fig.axes[0].get_lines()
        assert (
            len(lines) == 2 * len(runs) + 1
        )  # a run and its guide each, and the guide's key
        for line, (lr, mu, _) in zip(lines[1::2], runs.values()):
            t, guide = (np.asarray(d, dtype=float) for d in line.get_data())
            slope = np.diff(np.log(guide)) / np.diff(t)
            assert_close(
                slope,
                2 * math.log(draw.valley_rate(lr, mu)) * np.ones_like(slope),
                rtol=1e-9,
            )
        role = palette["role"]
        drawn = {to_hex(line.get_color()) for line in lines[0::2][:3]}
        assert drawn == {role["path"], role["second"], role["third"]}


def test_the_sweep_figure_marks_each_limit_in_both_themes():
    lrs, mus = draw.sweep_settings()
    lrs = lrs[::10]
    swept = draw.sweep(lrs, mus, every=3, steps=40)
    for theme in render.THEMES:
        fig = draw.plot_sweep(lrs, swept, every=3, theme=theme)
        ax = fig.axes[0]
        limits = sorted(
            line.get_xdata()[0]
            for line in ax.get_lines()
            if line.get_linestyle() == ":"
        )
        assert_close(limits, sorted(draw.limit(mu) for mu in mus), rtol=1e-12)


# ---------------------------------------------------------------------------------------------
# Momentum on noisy gradients


def simulated_variance(h, lr, mu, sigma2, chains=4000, steps=600, seed=0):
    """Momentum along one curvature with independent Gaussian noise on every gradient, many
    chains at once; the variance of p over the chains and the last half of the steps."""
    g = torch.Generator().manual_seed(seed)
    p = torch.zeros(chains, dtype=F64)
    v = torch.zeros(chains, dtype=F64)
    seen = []
    for t in range(steps):
        noise = math.sqrt(sigma2) * torch.randn(chains, generator=g, dtype=F64)
        v = mu * v + h * p + noise
        p = p - lr * v
        if t >= steps // 2:
            seen.append(p)
    return torch.stack(seen).pow(2).mean().item()


@pytest.mark.parametrize(
    "h, lr, mu", [(1.0, 0.1, 0.0), (1.0, 0.1, 0.9), (2.0, 0.01, 0.9), (0.65, 0.1, 0.5)]
)
def test_the_noise_floor_formula_is_what_momentum_with_independent_noise_settles_at(
    h, lr, mu
):
    formula = draw.noise_floor(h, lr, mu, sigma2=0.5)
    # 4000 chains x 300 correlated steps: a few thousand independent samples, so within 6%
    assert abs(simulated_variance(h, lr, mu, 0.5) / formula - 1) < 0.06


def test_for_small_lr_h_momentum_mu_at_lr_is_plain_sgd_at_lr_over_1_minus_mu():
    for mu in (0.5, 0.9, 0.99):
        for lr_h in (1e-3, 1e-4):
            lr = lr_h  # h = 1
            momentum = draw.noise_floor(1.0, lr, mu, 1.0)
            plain = draw.noise_floor(1.0, lr / (1 - mu), 0.0, 1.0)
            assert abs(momentum / plain - 1) < 2 * lr / (1 - mu)
    # and at the same lr, mu = 0.9 settles about 1 / (1 - mu) = 10 times as far out
    assert (
        9
        < draw.noise_floor(1.0, 0.01, 0.9, 1.0) / draw.noise_floor(1.0, 0.01, 0.0, 1.0)
        < 10
    )


def test_the_lines_closed_form_for_independent_batches_is_where_runs_with_replacement_settle():
    x, y = draw.make_data64()
    floors = draw.independent_floors()
    for key in draw.NOISY["runs"]:
        assert_close(floors[key], draw.independent_floor(x, y, *key), rtol=1e-12)
        levels = [
            line_problem.losses(
                x, y, draw.train_independent(x, y, *key, epochs=80, seed=seed)
            )[400:]
            .mean()
            .item()
            - line_problem.least_squares(x, y)[1]
            for seed in (1, 2)
        ]
        # two runs of 80 epochs: within 20% of the closed form
        assert abs(sum(levels) / 2 / floors[key] - 1) < 0.2, (key, levels, floors[key])


def test_the_closed_form_in_one_direction_is_the_lines_formula_with_one_curvature():
    # the 2-D closed form, for a line whose data has one direction only, is noise_floor's
    x = torch.zeros(64, 2, dtype=F64)
    x[:, 1] = 1.0
    x[:, 0] = 1e-9
    g = torch.Generator().manual_seed(0)
    y = torch.randn(64, generator=g, dtype=F64)
    lr, mu, b = 0.05, 0.8, 4
    h = 2.0  # the loss's curvature along the intercept: 2 mean(1^2)
    per_example = 2 * (y.mean() - y)  # each example's gradient at the minimum, along it
    sigma2 = per_example.var(unbiased=False).item() / b * (64 - b) / 63
    expected = h * draw.noise_floor(h, lr, mu, sigma2) / 2
    assert_close(
        draw.independent_floor(x, y, lr, mu, batch_size=b), expected, rtol=1e-6
    )


def test_train_independent_is_momentum_sgd_on_its_batches_as_torch_optim_takes_it():
    x, y = draw.make_data64()
    path = draw.train_independent(x, y, 0.05, 0.9, epochs=2, batch_size=16, seed=3)
    g = torch.Generator().manual_seed(3)
    a = torch.tensor([-1.0, 1.0], dtype=F64, requires_grad=True)
    opt = torch.optim.SGD([a], lr=0.05, momentum=0.9)
    expected = [a.detach().clone()]
    for idx in torch.randint(256, (32, 16), generator=g):
        ((x[idx] @ a - y[idx]) ** 2).mean().backward()
        opt.step()
        opt.zero_grad()
        expected.append(a.detach().clone())
    assert_close(path, torch.stack(expected), atol=1e-12)


@pytest.fixture(scope="module")
def noisy():
    x, y = draw.make_data()
    return x, y, draw.noisy_runs(x, y)


def test_the_noisy_runs_are_the_loader_and_torch_optim_training_of_the_page(noisy):
    x, y, runs = noisy
    b, epochs = draw.NOISY["batch_size"], draw.NOISY["epochs"]
    for (lr, mu), path in runs.items():
        assert len(path) == epochs * 256 // b + 1
        assert torch.equal(path, mb.train_with_loader(x, y, b, lr, epochs, mu, seed=0))


def test_at_the_same_lr_momentum_sits_far_higher_and_at_lr_times_1_minus_mu_no_higher(
    noisy,
):
    x, y, runs = noisy
    level = draw.noisy_levels(x, y, runs)
    plain, same, slower = draw.NOISY["runs"]
    assert slower[0] / (1 - slower[1]) == pytest.approx(plain[0])
    assert level[same] > 5 * level[plain]
    assert level[slower] < level[plain]
    floors = draw.independent_floors()
    # the closed form for independent batches: about 1 / (1 - mu) = 10, and about 1
    assert 9 < floors[same] / floors[plain] < 10.5
    assert 0.8 < floors[slower] / floors[plain] < 1.05
    # and the page's runs, on an epoch's batches, do not settle where it says
    assert all(abs(level[key] / floors[key] - 1) > 0.2 for key in (plain, slower))
    said = draw.noisy_sentence(x, y, runs, floors)
    assert f"{level[same] / level[plain]:.0f} times as far above" in said
    assert (
        f"{floors[same] / floors[plain]:.1f} and {floors[slower] / floors[plain]:.2f}"
        in said
    )


def test_the_noisy_figure_draws_three_runs_and_their_closed_form_levels_in_both_themes(
    noisy,
):
    x, y, runs = noisy
    floors = draw.independent_floors()
    for theme, palette in render.PALETTES.items():
        lines = draw.plot_noisy(x, y, runs, floors, theme=theme).axes[0].get_lines()
        assert len(lines) == 2 * len(runs) + 1
        levels = [line.get_ydata()[0] for line in lines[1:-1:2]]
        assert_close(levels, [floors[k] for k in runs], rtol=1e-12)
        role = palette["role"]
        assert {to_hex(line.get_color()) for line in lines[0:-1:2]} == {
            role["path"],
            role["second"],
            role["third"],
        }


# ---------------------------------------------------------------------------------------------
# The variance falls as 1 / B, the error as 1 / √B (MB6)


def test_the_heading_says_the_variance_falls_as_1_over_b_not_the_noise():
    assert "## The variance falls as 1 / B\n" in PAGE
    assert "Noise shrinks as 1 / B" not in PAGE


def test_the_errors_typical_size_falls_as_1_over_root_b_not_as_1_over_b():
    x, y, a, sizes, measured = draw.variance_run()
    sigma2 = draw.example_variance(x, y, a)
    # measured directly: the root-mean-square distance of random batch gradients from the full one
    rms = [math.sqrt(v) for v in measured]
    slope = draw.error_slope(sizes, measured, fit_below=32)
    assert abs(slope + 0.5) < 0.05  # 1 / B would be -1
    # against the closed form sigma / sqrt(B) sqrt((n - B) / (n - 1)), within 5%
    for b, r in zip(sizes, rms):
        assert abs(r / math.sqrt(sigma2 / b * (256 - b) / 255) - 1) < 0.05, b
    # four times the batch halves the error (for batches small next to n)
    assert abs(rms[2] / rms[0] - 0.5) < 0.05 and abs(rms[4] / rms[2] - 0.5) < 0.05


# ---------------------------------------------------------------------------------------------
# The race figure (MB8) and how torch.optim rounds (MB10)


def test_the_race_figure_labels_its_loss_axis_from_the_start_to_the_minimum():
    x, y = draw.make_data()
    paths = {b: mb.train(x, y, b, lr=0.1, epochs=1) for b in draw.RACE["batch_sizes"]}
    fig = draw.plot_race(x, y, paths)
    fig.canvas.draw()
    ax = fig.axes[0]
    low, high = ax.get_ylim()
    shown = [t for t in ax.get_yticks() if low <= t <= high]
    assert len(shown) >= 5 and min(shown) <= 0.1 and max(shown) >= 5
    # the full batch's few updates are drawn with dots, above the mini-batch's line
    batch = ax.get_lines()[2]
    assert (
        batch.get_marker() == "o"
        and batch.get_zorder() > ax.get_lines()[1].get_zorder()
    )


def test_torch_optims_add_with_alpha_rounds_once_and_the_hand_codes_step_rounds_twice():
    trials, by_optim, by_hand = draw.rounding_trials(lr=0.019, samples=500, seed=1)
    assert by_optim == trials and by_hand < trials
    # by a second exact reference, 60-digit decimals, on a few of the same pairs
    g = torch.Generator().manual_seed(1)
    p, v = torch.randn(2, 500, generator=g, dtype=F64)
    fused = p.clone().add_(v, alpha=-0.019)
    with localcontext() as ctx:
        ctx.prec = 60
        lr = Decimal(0.019)  # noqa: RUF032 (the float 0.019 exactly, as add_ gets it)
        for k in range(0, 500, 25):
            exact = Decimal(p[k].item()) - lr * Decimal(v[k].item())
            assert fused[k].item() == float(exact)
    # and torch.optim.SGD's step is that add_: the hand code written with it matches bit for bit
    lr, mu, path = draw.valley_runs()["tuned"]
    q = torch.tensor(P0, dtype=F64, requires_grad=True)
    vel, steps = torch.zeros(2, dtype=F64), [q.detach().clone()]
    for _ in range(len(path) - 1):
        draw.bowl(q).backward()
        with torch.no_grad():
            vel = mu * vel + q.grad
            q.add_(vel, alpha=-lr)
        q.grad = None
        steps.append(q.detach().clone())
    assert torch.equal(
        torch.stack(steps), mb.momentum_with_optim(draw.bowl, P0, lr, mu, len(path) - 1)
    )
