"""The claims of docs/loss.md, checked with the functions the page runs."""

import io
import itertools
import math
import re
import socket

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from PIL import Image

from conftest import assert_close, defaults, run_program
from snippets import fit_line, loss, render


@pytest.fixture(scope="module")
def outlier():
    """The page's outlier data, the same points before the move, and the fits of both losses."""
    x, y, i = loss.make_outlier_data()
    _, clean = fit_line.make_data(n=len(y))
    fits = {
        f"{fn.__name__}{suffix}": loss.fit_loss(fn, x, data)[-1]
        for fn in (fit_line.mse, loss.mae)
        for suffix, data in (("", y), ("_clean", clean))
    }
    return {"x": x, "y": y, "i": i, "clean": clean, **fits}


@pytest.fixture(scope="module")
def line():
    x, y = fit_line.make_data()
    return x, y, fit_line.fit(x, y)


@pytest.fixture(scope="module")
def digits():
    return loss.load_threes_and_sevens()


@pytest.fixture(scope="module")
def trained(digits):
    (x, y), _ = digits
    return loss.train(x, y)


def test_defaults_are_the_settings_the_page_describes():
    # the prose says: twenty points, the rightmost moved ten down; 300 steps from (-1, 1); the
    # digits trained 300 steps at lr 0.5 on a seeded 80/20 split; a GIF frame every second step
    assert defaults(loss.make_outlier_data) == {"n": 20, "shift": -10.0, "seed": 0}
    assert defaults(loss.fit_loss) == {"a0": (-1.0, 1.0), "lr": 0.2, "steps": 300}
    assert defaults(loss.train) == {"lr": 0.5, "steps": 300}
    assert defaults(loss.load_threes_and_sevens)["train_fraction"] == 0.8
    assert defaults(loss.animate_descent)["every"] == 2
    assert defaults(fit_line.fit) == {"a0": (-1.0, 1.0), "lr": 0.1, "steps": 100}


# ---------------------------------------------------------------------------------------------
# Two ways to measure a miss


def test_mae_is_the_mean_absolute_difference_and_squares_weigh_big_misses_more():
    y_hat, y = (
        torch.randn(30, dtype=torch.float64),
        torch.randn(30, dtype=torch.float64),
    )
    assert loss.mae(y_hat, y).item() == pytest.approx(
        F.l1_loss(y_hat, y).item(), abs=1e-12
    )
    ten, one = torch.tensor([10.0]), torch.tensor([1.0])
    zero = torch.zeros(1)
    assert fit_line.mse(ten, zero) / fit_line.mse(one, zero) == 100  # a hundred times
    assert loss.mae(ten, zero) / loss.mae(one, zero) == 10  # ten times


def test_the_outlier_is_the_rightmost_point_moved_down_by_10(outlier):
    x, y, i, clean = outlier["x"], outlier["y"], outlier["i"], outlier["clean"]
    assert i == x[:, 0].argmax().item()
    moved = y - clean
    assert moved[i].item() == pytest.approx(-10.0, abs=1e-5)
    assert torch.all(moved[torch.arange(len(y)) != i] == 0)


def test_mse_fit_moves_further_towards_the_outlier_than_the_mae_fit(outlier):
    x, y, i, clean = outlier["x"], outlier["y"], outlier["i"], outlier["clean"]
    mse_moved = loss.outlier_pull(fit_line.mse, x, y, clean, i)
    mae_moved = loss.outlier_pull(loss.mae, x, y, clean, i)
    # towards the outlier (down), by more than a fifth of its move, while MAE "did not notice"
    assert mse_moved < -0.2 * 10
    assert abs(mae_moved) < 5e-4  # the page prints it as 0.000
    # and measured independently, against the least-squares line of the points before the move
    before = x[i] @ fit_line.least_squares(x, clean)[0]
    assert x[i] @ outlier["mse"] < before - 2.0
    assert abs(x[i] @ outlier["mae"] - before) < 0.1


def test_fit_loss_with_mse_lands_on_least_squares(outlier):
    x, y = outlier["x"], outlier["y"]
    best = torch.linalg.lstsq(
        x.double(), y.double().unsqueeze(1), driver="gelsd"
    ).solution.squeeze(1)
    assert_close(outlier["mse"].double(), best, atol=1e-3)


def test_fit_loss_with_mae_lands_on_the_exact_least_absolute_line(outlier):
    # a best least-absolute-deviations line passes through two of the points: try every pair
    x, y = outlier["x"].double(), outlier["y"].double()
    best = min(
        (loss.mae(x @ torch.linalg.solve(x[[j, k]], y[[j, k]]), y).item(), j, k)
        for j, k in itertools.combinations(range(len(y)), 2)
        if x[j, 0] != x[k, 0]
    )
    a = outlier["mae"].double()
    assert loss.mae(x @ a, y).item() - best[0] < 1e-3
    assert_close(a, torch.linalg.solve(x[list(best[1:])], y[list(best[1:])]), atol=0.02)


def test_each_point_pulls_in_proportion_to_its_miss_under_mse_and_equally_under_mae(
    outlier,
):
    x, y, i = outlier["x"], outlier["y"], outlier["i"]
    y_hat = x @ outlier["mae"]
    n, miss = len(y), y_hat - y
    mse_pull = loss.point_pulls(fit_line.mse, y_hat, y)
    mae_pull = loss.point_pulls(loss.mae, y_hat, y)
    assert_close(mse_pull, 2 / n * miss, atol=1e-7)  # the formulas on the page
    assert_close(mae_pull, torch.sign(miss) / n, atol=1e-9)
    others = torch.arange(n) != i
    assert mse_pull[i].abs() > 10 * mse_pull[others].abs().median()
    assert mae_pull[i].abs() == mae_pull[others].abs().median() == pytest.approx(1 / n)


def test_autograd_takes_zero_as_the_slope_of_abs_at_its_kink():
    r = torch.zeros(1, requires_grad=True)
    r.abs().sum().backward()
    assert r.grad.item() == 0.0


def descend_with_a_fixed_step(loss_fn, x, y, lr=0.2, steps=300):
    a = torch.tensor([-1.0, 1.0], requires_grad=True)
    path = [a.detach().clone()]
    for _ in range(steps):
        loss_fn(x @ a, y).backward()
        with torch.no_grad():
            a -= lr * a.grad
            a.grad.zero_()
        path.append(a.detach().clone())
    return torch.stack(path)


def last_moves(path, k=10):
    return (path[1:] - path[:-1]).norm(dim=1)[-k:]


def test_a_fixed_step_keeps_mae_jumping_while_mse_settles_and_a_shrinking_step_settles_mae(
    outlier,
):
    x, y = outlier["x"], outlier["y"]
    assert last_moves(descend_with_a_fixed_step(loss.mae, x, y)).max() > 1e-3
    assert last_moves(descend_with_a_fixed_step(fit_line.mse, x, y)).max() < 1e-5
    assert last_moves(loss.fit_loss(loss.mae, x, y)).max() < 1e-3


def test_a_heavier_outlier_moves_the_mse_line_in_proportion_and_the_mae_line_not_at_all(
    outlier,
):
    # exercise 2
    x, i = outlier["x"], outlier["i"]
    _, y40, _ = loss.make_outlier_data(shift=-40.0)
    for name, fn, factor in (("mse", fit_line.mse, 4), ("mae", loss.mae, 0)):
        moved10 = x[i] @ (outlier[name] - outlier[f"{name}_clean"])
        moved40 = x[i] @ (loss.fit_loss(fn, x, y40)[-1] - outlier[f"{name}_clean"])
        assert moved40.item() == pytest.approx(factor * moved10.item(), abs=1e-3)


def test_huber_equals_torch_and_its_line_lands_between_mse_and_mae(outlier):
    # exercise 1's solution
    r = torch.linspace(-4, 4, 81, dtype=torch.float64)
    for delta in (0.5, 1.0, 2.0):
        expected = F.huber_loss(r, torch.zeros_like(r), delta=delta)
        assert loss.huber(r, torch.zeros_like(r), delta).item() == pytest.approx(
            expected.item(), abs=1e-12
        )
    x, y, i, clean = outlier["x"], outlier["y"], outlier["i"], outlier["clean"]
    miss = (x @ outlier["mae"] - y).double()
    pull = loss.point_pulls(loss.huber, miss, torch.zeros_like(miss))  # delta = 1
    small = miss.abs() < 1
    assert_close(
        pull[small], miss[small] / len(y), atol=1e-12
    )  # like MSE (halved) for small misses
    assert abs(pull[i].item()) == pytest.approx(
        1 / len(y)
    )  # the outlier's pull capped at delta / n
    moved = {
        name: abs(x[i] @ (outlier[name] - outlier[f"{name}_clean"]))
        for name in ("mse", "mae")
    }
    huber = abs(loss.outlier_pull(loss.huber, x, y, clean, i))
    assert moved["mae"] < huber < moved["mse"] / 5


# ---------------------------------------------------------------------------------------------
# The loss surface


def test_loss_surface_is_the_quadratic_form_in_the_parameters(line):
    x, y, _ = (t.double() for t in line)
    a1, a2 = (
        torch.linspace(-2, 5, 7, dtype=torch.float64),
        torch.linspace(-0.5, 4.5, 5, dtype=torch.float64),
    )
    grid = loss.loss_surface(x, y, a1, a2)
    for r, c in itertools.product(range(len(a2)), range(len(a1))):
        a = torch.stack([a1[c], a2[r]])
        quadratic = (
            a @ (x.T @ x) @ a / len(y) - 2 * a @ x.T @ y / len(y) + y @ y / len(y)
        )
        assert grid[r, c].item() == pytest.approx(quadratic.item(), rel=1e-10)


def test_loss_along_the_descent_path_never_rises(line):
    x, y, path = line
    assert (fit_line.losses(x, y, path).diff() > 0).sum() == 0


def test_the_path_ends_near_the_grid_minimum_and_the_least_squares_solution(line):
    x, y, path = line
    end = path[-1].double()
    best = torch.linalg.solve(x.double().T @ x.double(), x.double().T @ y.double())
    assert (end - best).norm() < 0.01
    for n in (61, 121):
        grid_min, spacing = loss.surface_minimum(x, y, n)
        assert (
            grid_min - best
        ).norm() <= spacing.norm() / 2 + 1e-12  # the grid point nearest it
        assert (end - grid_min).norm() <= spacing.norm() / 2 + (end - best).norm()


def test_curvature_is_the_hessian_of_the_loss_and_the_valley_runs_along_the_slope(line):
    x, y, _ = (t.double() for t in line)
    hessian = torch.autograd.functional.hessian(
        lambda a: fit_line.mse(x @ a, y), torch.tensor([0.5, -0.3], dtype=torch.float64)
    )
    h = loss.curvature(x)
    assert_close(h, hessian, atol=1e-12)
    values, vectors = torch.linalg.eigh(h)
    assert values.min() > 0  # a bowl with one lowest point
    assert (
        h[1, 1] > 2.5 * h[0, 0]
    )  # curves about three times as sharply across the intercept
    flattest = vectors[:, 0]
    assert abs(flattest[0]) > math.cos(
        math.radians(5)
    )  # the valley: within 5 degrees of the slope axis


def test_descent_covers_the_intercept_before_the_slope(line):
    _, _, path = line
    done = (path[10] - path[0]) / (path[-1] - path[0])
    assert done[1] > 0.8 and done[0] < 0.6


# ---------------------------------------------------------------------------------------------
# Digits


def test_digits_ship_inside_scikit_learn_and_load_without_the_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("no network in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    from sklearn.datasets import load_digits

    digits = load_digits()
    assert digits.images.shape == (1797, 8, 8)  # "1797 scans" in the code's comment


def test_the_split_is_seeded_and_shares_out_every_3_and_7_once(digits):
    from sklearn.datasets import load_digits

    (x, y), (xh, yh) = digits
    assert len(y) == round(0.8 * (len(y) + len(yh)))
    assert x.min() >= 0 and x.max() <= 1 and x.shape[1] == 64
    raw = load_digits()
    for label, digit in ((0.0, 3), (1.0, 7)):
        split = sorted(
            map(
                tuple,
                torch.cat([x[y == label], xh[yh == label]]).mul(16).round().tolist(),
            )
        )
        assert split == sorted(map(tuple, raw.data[raw.target == digit].tolist()))
    (x2, _), _ = loss.load_threes_and_sevens(seed=0)
    (x3, _), _ = loss.load_threes_and_sevens(seed=1)
    assert torch.equal(x, x2) and not torch.equal(x, x3)


def test_logits_work_for_one_image_and_a_stack_and_sigmoid_is_torchs(digits):
    (x, _), _ = digits
    w, b = torch.linspace(-1, 1, 64), torch.tensor(0.3)
    z = loss.logits(x, w, b)
    assert z.shape == (len(x),)
    assert loss.logits(x[5], w, b).item() == pytest.approx(z[5].item(), abs=1e-5)
    assert loss.logits(x[5], w, b).item() == pytest.approx(
        (x[5] @ w + b).item(), abs=1e-5
    )
    s = torch.linspace(-30, 30, 121, dtype=torch.float64)
    assert_close(loss.sigmoid(s), torch.sigmoid(s), atol=1e-15)
    assert torch.equal(loss.sigmoid(s) > 0.5, s > 0)  # p > 0.5 is the same as z > 0


def test_bce_matches_torch_and_the_logits_identity():
    z = torch.linspace(-8, 8, 33, dtype=torch.float64)
    for label in (0.0, 1.0):
        y = torch.full_like(z, label)
        ours = loss.bce(torch.sigmoid(z), y)
        assert ours.item() == pytest.approx(
            F.binary_cross_entropy(torch.sigmoid(z), y).item(), abs=1e-12
        )
        assert ours.item() == pytest.approx(
            F.binary_cross_entropy_with_logits(z, y).item(), abs=1e-12
        )
        identity = (torch.log1p(torch.exp(z)) - y * z).mean()  # log(1 + e^z) - y z
        assert ours.item() == pytest.approx(identity.item(), abs=1e-12)


def test_confident_wrong_predictions_cost_the_most():
    p = torch.linspace(0.001, 0.999, 199, dtype=torch.float64)
    for label, wrong in ((1.0, 0.01), (0.0, 0.99)):
        cost = torch.stack(
            [loss.bce(pi[None], torch.tensor([label], dtype=torch.float64)) for pi in p]
        )
        assert torch.all(cost.diff() < 0) if label else torch.all(cost.diff() > 0)
        worst = loss.bce(torch.tensor([wrong]), torch.tensor([label])).item()
        assert worst == pytest.approx(-math.log(0.01), rel=1e-5)  # 4.61
        assert worst > 6 * math.log(2)  # over 6 times a shrug, p = 0.5
    assert (
        loss.bce(
            torch.tensor([1e-12], dtype=torch.float64),
            torch.tensor([1.0], dtype=torch.float64),
        )
        > 27
    )


def test_bce_gradient_with_respect_to_the_logit_is_p_minus_y():
    z = torch.tensor(
        [-3.0, -0.5, 0.0, 1.0, 4.6], dtype=torch.float64, requires_grad=True
    )
    y = torch.tensor([0.0, 1.0, 0.0, 1.0, 0.0], dtype=torch.float64)
    F.binary_cross_entropy_with_logits(z, y, reduction="sum").backward()
    assert_close(z.grad, torch.sigmoid(z.detach()) - y, atol=1e-12)


def test_probabilities_first_give_inf_and_nan_where_logits_stay_finite():
    assert torch.sigmoid(torch.tensor(20.0)).item() == 1.0  # exactly 1 in float32
    t = torch.tensor
    assert loss.bce(loss.sigmoid(t([20.0])), t([0.0])).item() == math.inf
    assert math.isnan(loss.bce(loss.sigmoid(t([20.0])), t([1.0])).item())
    assert loss.bce(loss.sigmoid(t([-120.0])), t([1.0])).item() == math.inf
    assert F.binary_cross_entropy_with_logits(t(20.0), t(0.0)).item() == pytest.approx(
        20.0
    )
    assert F.binary_cross_entropy_with_logits(t(20.0), t(1.0)).item() == pytest.approx(
        2.061e-9, rel=1e-3
    )
    assert F.binary_cross_entropy_with_logits(
        t(-120.0), t(1.0)
    ).item() == pytest.approx(120.0)
    assert F.binary_cross_entropy_with_logits(
        t(1000.0), t(0.0)
    ).item() == pytest.approx(1000.0)
    z = t([20.0], requires_grad=True)  # and the nan spreads to the gradient
    loss.bce(loss.sigmoid(z), t([1.0])).backward()
    assert math.isnan(z.grad.item())
    rows = loss.bce_table(
        t([2.0, 20.0, 20.0, -120.0]), t([1.0, 1.0, 0.0, 1.0])
    ).splitlines()[2:]
    assert [r.split("|")[4].strip() for r in rows] == ["0.1269", "nan", "inf", "inf"]
    assert [r.split("|")[5].strip() for r in rows] == [
        "0.1269",
        "2.061e-09",
        "20",
        "120",
    ]


def test_with_pixels_times_100_probabilities_first_break_and_logits_train_on(digits):
    # exercise 4: the same loop, the loss computed two ways, on pixels 100 times larger
    (x, y), _ = digits
    x = 100 * x
    for from_logits in (True, False):
        w, b = torch.zeros(64, requires_grad=True), torch.zeros((), requires_grad=True)
        for _ in range(5):
            z = loss.logits(x, w, b)
            cost = (
                F.binary_cross_entropy_with_logits(z, y)
                if from_logits
                else loss.bce(loss.sigmoid(z), y)
            )
            cost.backward()
            with torch.no_grad():
                for param in (w, b):
                    param.sub_(0.5 * param.grad)
                    param.grad.zero_()
        assert torch.isfinite(w).all() == from_logits


def test_training_loss_starts_at_log_2_and_falls_at_every_step(trained):
    _, _, history = trained
    assert history[0].item() == pytest.approx(
        math.log(2), abs=1e-6
    )  # every p is 0.5 at first
    assert torch.all(history.diff() < 0)


def test_training_reaches_at_least_95_percent_on_the_held_out_digits(digits, trained):
    (x, y), (xh, yh) = digits
    w, b, _ = trained
    assert loss.accuracy(xh, yh, w, b) >= 0.95
    assert loss.accuracy(x, y, w, b) >= 0.95


def test_one_training_step_follows_the_closed_form_gradient(digits):
    (x, y), _ = digits
    x, y = x.double(), y.double()
    w, b, _ = loss.train(
        x, y, lr=0.5, steps=2
    )  # two steps: the second starts from the first
    w1 = (
        -0.5 * x.T @ (0.5 - y) / len(y)
    )  # from w = 0, b = 0 every p is 0.5: gradient X^T (p - y) / n
    b1 = -0.5 * (0.5 - y).mean()
    p1 = torch.sigmoid(x @ w1 + b1)
    assert_close(w, w1 - 0.5 * x.T @ (p1 - y) / len(y), atol=1e-12)
    assert_close(b, b1 - 0.5 * (p1 - y).mean(), atol=1e-12)


def test_the_weights_look_like_the_average_7_minus_the_average_3(digits, trained):
    (x, y), _ = digits
    w, _, _ = trained
    difference = x[y == 1].mean(dim=0) - x[y == 0].mean(dim=0)
    assert torch.corrcoef(torch.stack([w, difference]))[0, 1] > 0.85
    inked = x.sum(dim=0) > 0
    assert (
        torch.sign(w[inked]) == torch.sign(difference[inked])
    ).float().mean() > 0.8  # "mostly"


def test_pixels_blank_in_every_image_sit_at_the_edges_and_keep_weight_zero(
    digits, trained
):
    (x, _), _ = digits
    w, _, _ = trained
    blank = (x.sum(dim=0) == 0).reshape(8, 8)
    assert blank.sum() > 0
    rows, cols = torch.nonzero(blank, as_tuple=True)
    assert all(r in (0, 7) or c in (0, 7) for r, c in zip(rows.tolist(), cols.tolist()))
    assert torch.all(w.reshape(8, 8)[blank] == 0)


# ---------------------------------------------------------------------------------------------
# Why accuracy cannot be the loss


def test_accuracy_has_no_gradient_and_the_loss_has_one_at_the_same_point(
    digits, trained
):
    (x, y), _ = digits
    w, _, _ = trained
    b = torch.tensor(-3.0, requires_grad=True)
    assert not loss.accuracy(x, y, w, b).requires_grad  # `z > 0` cuts the graph
    acc_slope, loss_slope = loss.slopes_at(x, y, w, -3.0)
    assert acc_slope == 0.0
    assert loss_slope < -0.01
    h = 1e-3  # finite differences agree: accuracy is flat here, the loss is not
    acc = [loss.accuracy(x, y, w, torch.tensor(-3.0 + d)).item() for d in (-h, h)]
    assert acc[0] == acc[1]
    xd, yd, wd = x.double(), y.double(), w.double()
    bces = [
        F.binary_cross_entropy_with_logits(loss.logits(xd, wd, -3.0 + d), yd).item()
        for d in (-h, h)
    ]
    assert loss_slope == pytest.approx((bces[1] - bces[0]) / (2 * h), rel=1e-3)


def test_accuracy_is_a_staircase_and_the_loss_is_smooth(digits, trained):
    (x, y), _ = digits
    w, b, _ = trained
    bs = torch.linspace(-4, -2, 801, dtype=torch.float64)
    acc, bce = loss.sweep_bias(x.double(), y.double(), w.double(), bs)
    steps = acc.diff() != 0
    assert steps.float().mean() < 0.15  # flat between most neighbouring values of b
    assert torch.all(
        bce.diff() < 0
    )  # the loss changes at every one, here always downwards
    # and the trained bias does better than b = -3, so raising b is the right way
    assert loss.accuracy(x, y, w, b) > loss.accuracy(x, y, w, torch.tensor(-3.0))


def test_bce_rewards_a_more_confident_correct_7_which_accuracy_ignores():
    one = torch.tensor([1.0])
    assert loss.bce(torch.tensor([0.9]), one) < loss.bce(torch.tensor([0.6]), one)
    assert (torch.tensor([0.9]) > 0.5) == (
        torch.tensor([0.6]) > 0.5
    )  # the same label either way


# ---------------------------------------------------------------------------------------------
# Bad arguments, and the figures


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: loss.mae(torch.zeros(3), torch.zeros(2)), "same shape"),
        (
            lambda: loss.huber(torch.zeros(3), torch.zeros(3), delta=0),
            "delta must be positive, got 0",
        ),
        (lambda: loss.huber(torch.zeros(3), torch.zeros(2)), "same shape"),
        (lambda: loss.make_outlier_data(n=2), "n must be an integer of at least 3"),
        (
            lambda: loss.make_outlier_data(shift=float("inf")),
            "shift must be a finite number",
        ),
        (
            lambda: loss.make_outlier_data(shift=float("nan")),
            "shift must be a finite number",
        ),
        (
            lambda: loss.fit_loss(loss.mae, *fit_line.make_data(n=5), lr=-1.0),
            "lr must be positive",
        ),
        (
            lambda: loss.fit_loss(loss.mae, *fit_line.make_data(n=5), steps=2.5),
            "steps must be an integer",
        ),
        (
            lambda: loss.loss_surface(
                torch.zeros(3, 2), torch.zeros(3), torch.zeros(2, 2), torch.zeros(2)
            ),
            "a1 and a2 must be 1-D grids",
        ),
        (
            lambda: loss.load_threes_and_sevens(train_fraction=1.0),
            "train_fraction must be between 0 and 1",
        ),
        (
            lambda: loss.logits(torch.zeros(4, 64), torch.zeros(63), 0.0),
            "64 pixels per image but w has 63",
        ),
        (
            lambda: loss.bce(torch.full((3,), 0.5), torch.zeros(2)),
            "p and y must have the same shape",
        ),
        (
            lambda: loss.train(torch.zeros(4, 64), torch.zeros(4), lr=0),
            "lr must be positive, got 0",
        ),
        (
            lambda: loss.train(torch.zeros(4, 64), torch.zeros(4), steps=0),
            "steps must be an integer >= 1",
        ),
        (
            lambda: loss.sweep_bias(
                torch.zeros(4, 64), torch.zeros(4), torch.zeros(64), torch.zeros(2, 2)
            ),
            "b_values must be a 1-D tensor",
        ),
        (
            lambda: loss.plot_digits(
                torch.zeros(4, 64), torch.tensor([0.0, 0, 1, 1]), per_row=3
            ),
            "needs at least 3 images of each digit",
        ),
        (
            lambda: loss.plot_digits(torch.zeros(4, 64), torch.zeros(4), per_row=0),
            "per_row must be",
        ),
        (
            lambda: loss.animate_descent(
                *fit_line.make_data(n=5), torch.zeros(3, 2), every=0
            ),
            "every must be at least 1",
        ),
    ],
)
def test_bad_arguments_raise_a_clear_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_divergence_is_a_result_not_a_crash(digits):
    (x, y), _ = digits
    _, _, history = loss.train(x * 1e6, y, lr=1e6, steps=5)  # absurd scale and step
    assert history.shape == (5,)
    assert not torch.isfinite(history).all() or history[-1] > 10
    xl, yl = fit_line.make_data(n=10)
    path = loss.fit_loss(
        fit_line.mse, xl, yl, lr=50.0, steps=200
    )  # a step far too large
    assert len(path) == 201 and (
        not torch.isfinite(path[-1]).all() or path[-1].abs().max() > 1e10
    )


def concrete_colours(fig):
    """Every line's colour is a concrete colour, never a "CN" name resolved after the theme ends."""
    return all(
        not re.fullmatch(r"C\d", str(line.get_color())) for line in fig.findobj(Line2D)
    )


@pytest.fixture(scope="module")
def figures(line, outlier, digits, trained):
    x, y, path = line
    (xd, yd), _ = digits
    w, _, _ = trained
    o = outlier
    return {
        "outlier": (
            lambda t: loss.plot_outlier(
                o["x"], o["y"], o["clean"], o["i"], o["mse"], o["mae"], theme=t
            ),
            2,
        ),
        "contour": (lambda t: loss.plot_contour(x, y, path, theme=t), 3),
        "surface": (lambda t: loss.plot_surface(x, y, path, theme=t), 2),
        "digits": (lambda t: loss.plot_digits(xd, yd, theme=t), 0),
        "bce": (lambda t: loss.plot_bce(theme=t), 4),
        "weights": (lambda t: loss.plot_weights(xd, yd, w, theme=t), 0),
        "staircase": (lambda t: loss.plot_staircase(xd, yd, w, -3.0, theme=t), 8),
    }


@pytest.mark.parametrize(
    "name", ["outlier", "contour", "surface", "digits", "bce", "weights", "staircase"]
)
def test_every_figure_draws_in_both_themes_with_concrete_colours(figures, name):
    plot, lines = figures[name]
    drawn = {theme: plot(theme) for theme in render.THEMES}
    for fig in drawn.values():
        assert isinstance(fig, Figure)
        assert concrete_colours(fig)
        assert sum(len(ax.get_lines()) for ax in fig.axes) >= lines
    assert drawn["light"].get_facecolor() != drawn["dark"].get_facecolor()


def test_digit_grid_shows_eight_3s_over_eight_7s_in_ink_of_the_theme(figures, digits):
    (x, y), _ = digits
    fig = figures["digits"][0]("dark")
    (image,) = fig.axes[0].get_images()
    mosaic = torch.as_tensor(image.get_array().filled(np.nan))
    assert mosaic.shape == (8 + 2 + 8, 8 * 8 + 7 * 2)
    for c in range(
        8
    ):  # the first eight 3s above the first eight 7s, two blank pixels apart
        assert torch.equal(
            mosaic[:8, 10 * c : 10 * c + 8].float(), x[y == 0][c].reshape(8, 8)
        )
        assert torch.equal(
            mosaic[10:, 10 * c : 10 * c + 8].float(), x[y == 1][c].reshape(8, 8)
        )
    assert torch.isnan(mosaic[8:10]).all()
    bg = tuple(
        int(render.PALETTES["dark"]["bg"][k : k + 2], 16) / 255 for k in (1, 3, 5)
    )
    cmap = image.get_cmap()
    assert cmap(0.0)[:3] == pytest.approx(bg) and cmap.get_bad()[:3] == pytest.approx(
        bg
    )  # blank is page


def test_weight_image_is_centred_on_zero(figures, trained):
    w, _, _ = trained
    for theme in render.THEMES:
        shown = figures["weights"][0](theme).axes[2].get_images()[0]
        low, high = shown.get_clim()
        assert low == -high == pytest.approx(-w.abs().max().item())
        red, _, blue, _ = shown.get_cmap()(1.0)  # positive weights (for a 7) are red
        assert red > blue
        red, _, blue, _ = shown.get_cmap()(0.0)  # negative weights (for a 3) are blue
        assert blue > red


def test_saved_figures_use_their_themes_colours():
    for theme, palette in render.PALETTES.items():
        svg = render.figure_bytes(loss.plot_bce(theme=theme)).decode()
        assert palette["cycle"][0] in svg and palette["bg"] in svg, (
            f"{theme} colours missing"
        )
        assert "#1f77b4" not in svg


def test_the_gif_walks_the_ball_down_in_both_themes(line):
    x, y, path = line
    light = loss.animate_descent(
        x, y, path, theme="light", every=50
    )  # steps 0, 50 and 100
    assert len(light) == 3 and all(
        f.shape == light[0].shape and f.dtype == np.uint8 for f in light
    )
    assert (
        light[0].shape[0] <= render.MAX_GIF_SIZE[1]
        and light[0].shape[1] <= render.MAX_GIF_SIZE[0]
    )
    gif = Image.open(io.BytesIO(render.gif_bytes(light)))
    assert gif.n_frames == 3
    first = np.asarray(gif.convert("RGB"))
    gif.seek(gif.n_frames - 1)
    assert not np.array_equal(first, np.asarray(gif.convert("RGB")))
    dark = loss.animate_descent(x, y, path, theme="dark", every=100)
    assert len(dark) == 2 and light[0].mean() > dark[0].mean()
    # the page's GIF: every second step of 100, within the frame budget
    assert (
        len(range(0, len(path), defaults(loss.animate_descent)["every"]))
        == 51
        <= render.MAX_GIF_FRAMES
    )


def test_the_whole_program_on_the_page_runs_when_pasted_into_a_fresh_file(
    tmp_path, digits, trained
):
    lines = run_program(
        "loss.md", "digits.py", tmp_path
    )  # PyTorch and scikit-learn only
    assert lines[0].startswith("step   0  loss 0.6931") and len(lines) == 7
    (_, _), (xh, yh) = digits
    w, b, _ = trained
    assert lines[-1] == (
        f"held-out accuracy {loss.accuracy(xh, yh, w, b):.1%} "
        f"on {len(yh)} images it never trained on"
    )
