"""The claims of docs/loss.md, checked against independent computations (PyTorch's own losses, a
least-squares solve, the exact least-absolute line, autograd's Hessian, closed forms, finite
differences, scikit-learn), the checks of every lesson function, and the page's drawings
smoke-tested."""

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

from conftest import (
    BAD,
    Call,
    assert_close,
    run_program,
    table_of_bad_inputs,
)
from snippets import fit_line
from snippets import loss_functions as loss
from snippets.drawing import loss_functions as draw
from snippets.drawing import render

F64 = torch.float64


def lstsq(x, y):
    """The least-squares line, solved here in float64 without the lesson or the drawing."""
    x, y = x.double(), y.double()
    return torch.linalg.lstsq(x, y[:, None], driver="gelsd").solution[:, 0]


def least_absolute(x, y):
    """The exact least-absolute-deviations line: one through two of the points, so try every pair."""
    x, y = x.double(), y.double()
    best = min(
        ((x @ a - y).abs().mean().item(), tuple(a.tolist()))
        for j, k in itertools.combinations(range(len(y)), 2)
        if x[j, 0] != x[k, 0]
        for a in [torch.linalg.solve(x[[j, k]], y[[j, k]])]
    )
    return torch.tensor(best[1], dtype=F64)


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """One thread while this file runs, as the build computes the page (conftest sets
    OMP_NUM_THREADS after torch is imported, too late for it): on two shared cores, two threads
    make the training loops of this file many times slower, not faster."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


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
    """Fit a line's data and descent, as the page draws them (float32)."""
    x, y = fit_line.make_data()
    return x, y, fit_line.fit(x, y)


@pytest.fixture(scope="module")
def digits():
    return loss.load_threes_and_sevens()


@pytest.fixture(scope="module")
def trained(digits):
    (x, y), _ = digits
    return loss.train(x, y)


# -- two ways to measure a miss -------------------------------------------------------------------


def test_mae_is_pytorchs_l1_loss_and_squares_weigh_big_misses_more():
    g = torch.Generator().manual_seed(0)
    y_hat, y = torch.randn(2, 30, generator=g, dtype=F64)
    assert_close(loss.mae(y_hat, y), F.l1_loss(y_hat, y), atol=1e-15)
    ten, one, zero = torch.tensor([10.0]), torch.tensor([1.0]), torch.zeros(1)
    assert fit_line.mse(ten, zero) / fit_line.mse(one, zero) == 100  # a hundred times
    assert loss.mae(ten, zero) / loss.mae(one, zero) == 10  # ten times


@pytest.mark.parametrize("shift", [-10.0, 3.5])
def test_the_outlier_is_the_rightmost_point_moved_by_the_shift(shift):
    x, y, i = loss.make_outlier_data(n=20, shift=shift)
    x0, clean = fit_line.make_data(n=20)
    assert torch.equal(x, x0) and i == x[:, 0].argmax().item()
    assert_close(y[i] - clean[i], shift, atol=1e-5)
    assert torch.all((y - clean)[torch.arange(20) != i] == 0)


def test_the_mse_line_goes_with_the_outlier_and_the_mae_line_does_not_notice(outlier):
    # the page's numbers: the MSE line moves down at the point's u, the MAE line by 0.000
    x, y, i, clean = outlier["x"], outlier["y"], outlier["i"], outlier["clean"]
    mse_moved = draw.outlier_pull(fit_line.mse, x, y, clean, i)
    mae_moved = draw.outlier_pull(loss.mae, x, y, clean, i)
    assert_close(mse_moved, x[i].double() @ (lstsq(x, y) - lstsq(x, clean)), atol=2e-3)
    exact = x[i].double() @ (least_absolute(x, y) - least_absolute(x, clean))
    assert_close(exact, 0.0, atol=1e-9)  # the best MAE line does not move at all
    assert abs(mae_moved) < 5e-4  # printed as 0.000
    assert mse_moved < -0.2 * 10  # more than a fifth of the way with the outlier


def test_fit_loss_with_mse_lands_on_least_squares(outlier):
    assert_close(outlier["mse"], lstsq(outlier["x"], outlier["y"]), atol=1e-3)


def test_fit_loss_with_mae_lands_on_the_exact_least_absolute_line(outlier):
    x, y = outlier["x"].double(), outlier["y"].double()
    best = least_absolute(x, y)
    a = outlier["mae"].double()
    assert (x @ a - y).abs().mean() - (x @ best - y).abs().mean() < 1e-3
    assert_close(a, best, atol=0.02)


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
    assert_close(mae_pull[i].abs(), 1 / n, atol=1e-9)
    assert_close(mae_pull[others].abs().median(), 1 / n, atol=1e-9)


def descend_with_a_fixed_step(loss_fn, x, y, lr=0.2, steps=300):
    """Plain gradient descent, written here: the step never shrinks."""
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
        assert_close(moved40, factor * moved10, atol=1e-3)


def test_huber_equals_pytorchs_and_its_line_lands_between_mse_and_mae(outlier):
    # exercise 1's solution
    r = torch.linspace(-4, 4, 81, dtype=F64)
    for delta in (0.5, 1.0, 2.0):
        expected = F.huber_loss(r, torch.zeros_like(r), delta=delta)
        assert_close(loss.huber(r, torch.zeros_like(r), delta), expected, atol=1e-12)
    x, y, i, clean = outlier["x"], outlier["y"], outlier["i"], outlier["clean"]
    miss = (x @ outlier["mae"] - y).double()
    pull = loss.point_pulls(loss.huber, miss, torch.zeros_like(miss))  # delta = 1
    small = miss.abs() < 1
    assert_close(pull[small], miss[small] / len(y), atol=1e-12)  # MSE's, halved
    assert_close(pull[i].abs(), 1 / len(y), atol=1e-12)  # capped at delta / n
    moved = {
        name: abs(x[i] @ (outlier[name] - outlier[f"{name}_clean"]))
        for name in ("mse", "mae")
    }
    huber = abs(draw.outlier_pull(loss.huber, x, y, clean, i))
    assert moved["mae"] < huber < moved["mse"] / 5


# -- the loss surface -----------------------------------------------------------------------------


def test_loss_surface_is_the_quadratic_form_in_the_parameters(line):
    x, y = (t.double() for t in line[:2])
    a1 = torch.linspace(-2, 5, 7, dtype=F64)
    a2 = torch.linspace(-0.5, 4.5, 5, dtype=F64)
    # rows follow a2, columns a1, as on the page
    A = torch.stack(torch.meshgrid(a1, a2, indexing="xy"), dim=-1)
    n = len(y)
    quadratic = (
        torch.einsum("rci,ij,rcj->rc", A, x.T @ x, A) / n
        - 2 * A @ (x.T @ y) / n
        + y @ y / n
    )
    assert_close(loss.loss_surface(x, y, a1, a2), quadratic, rtol=1e-10)


def test_loss_along_the_descent_path_never_rises(line):
    x, y, path = line
    assert ((path @ x.T - y) ** 2).mean(dim=1).diff().max() <= 0


def test_the_path_ends_near_the_grid_minimum_and_the_least_squares_solution(line):
    x, y, path = line
    end, best = path[-1].double(), lstsq(x, y)
    assert (end - best).norm() < 0.01
    for n in (61, 121):
        grid_min, spacing = draw.surface_minimum(x, y, n)
        # the grid point nearest the least-squares solution, and the path's end beside it
        assert (grid_min - best).norm() <= spacing.norm() / 2 + 1e-12
        assert (end - grid_min).norm() <= spacing.norm() / 2 + (end - best).norm()


def test_curvature_is_the_hessian_of_the_loss_and_the_valley_runs_along_the_slope(line):
    x, y = (t.double() for t in line[:2])
    hessian = torch.autograd.functional.hessian(
        lambda a: ((x @ a - y) ** 2).mean(), torch.tensor([0.5, -0.3], dtype=F64)
    )
    h = loss.curvature(x)
    assert_close(h, hessian, atol=1e-12)
    values, vectors = torch.linalg.eigh(h)
    assert values.min() > 0  # a bowl with one lowest point
    # it curves about three times as sharply across the intercept, and the flattest
    # direction, the valley, is within 5 degrees of the slope axis
    assert h[1, 1] > 2.5 * h[0, 0]
    assert abs(vectors[0, 0]) > math.cos(math.radians(5))


def test_descent_covers_the_intercept_before_the_slope_as_the_closed_form_says(line):
    # on a quadratic, a_k - a* = (I - lr H)^k (a_0 - a*) with H the Hessian: no descent needed
    x, y, path = line
    x64, best, k = x.double(), lstsq(x, y), 10
    h = torch.autograd.functional.hessian(
        lambda a: ((x64 @ a - y.double()) ** 2).mean(), best
    )
    a0 = path[0].double()
    step = torch.eye(2, dtype=F64) - 0.1 * h  # Fit a line's learning rate
    closed = best + torch.linalg.matrix_power(step, k) @ (a0 - best)
    assert_close(path[k], closed, atol=1e-4)
    done = (closed - a0) / (best - a0)
    assert done[1] > 0.8 and done[0] < 0.6


# -- telling 3s from 7s ---------------------------------------------------------------------------


def test_the_split_is_seeded_and_shares_out_every_3_and_7_once(digits):
    from sklearn.datasets import load_digits

    (x, y), (xh, yh) = digits
    assert len(y) == round(0.8 * (len(y) + len(yh)))
    assert x.min() >= 0 and x.max() <= 1 and x.shape[1] == 64
    raw = load_digits()
    for label, digit in ((0.0, 3), (1.0, 7)):
        split = torch.cat([x[y == label], xh[yh == label]]).mul(16).round()
        assert sorted(map(tuple, split.tolist())) == sorted(
            map(tuple, raw.data[raw.target == digit].tolist())
        )
    (x2, _), _ = loss.load_threes_and_sevens(seed=0)
    (x3, _), _ = loss.load_threes_and_sevens(seed=1)
    assert torch.equal(x, x2) and not torch.equal(x, x3)


def test_logits_work_for_one_image_and_a_stack_and_sigmoid_is_pytorchs(digits):
    (x, _), _ = digits
    w, b = torch.linspace(-1, 1, 64), torch.tensor(0.3)
    z = loss.logits(x, w, b)
    assert z.shape == (len(x),)
    assert_close(loss.logits(x[5], w, b), z[5], atol=1e-5)
    assert_close(z, x @ w + b, atol=1e-5)
    s = torch.linspace(-30, 30, 121, dtype=F64)
    assert_close(loss.sigmoid(s), torch.sigmoid(s), atol=1e-15)
    assert torch.equal(loss.sigmoid(s) > 0.5, s > 0)  # p > 0.5 is the same as z > 0


def test_bce_is_pytorchs_and_the_logits_identity():
    z = torch.linspace(-8, 8, 33, dtype=F64)
    for label in (0.0, 1.0):
        y = torch.full_like(z, label)
        ours = loss.bce(torch.sigmoid(z), y)
        assert_close(ours, F.binary_cross_entropy(torch.sigmoid(z), y), atol=1e-12)
        assert_close(ours, F.binary_cross_entropy_with_logits(z, y), atol=1e-12)
        identity = (torch.log1p(torch.exp(z)) - y * z).mean()  # log(1 + e^z) - y z
        assert_close(ours, identity, atol=1e-12)


def test_confident_wrong_predictions_cost_the_most():
    p = torch.linspace(0.001, 0.999, 199, dtype=F64)
    for label, wrong in ((1.0, 0.01), (0.0, 0.99)):
        cost = torch.stack(
            [loss.bce(pi[None], torch.tensor([label], dtype=F64)) for pi in p]
        )
        assert torch.all(cost.diff() < 0) if label else torch.all(cost.diff() > 0)
        worst = loss.bce(torch.tensor([wrong]), torch.tensor([label]))
        assert_close(worst, -math.log(0.01), rtol=1e-5)  # 4.61
        assert worst > 6 * math.log(2)  # over 6 times a shrug, p = 0.5
    # and without limit as p goes to 0
    assert (
        loss.bce(torch.tensor([1e-12], dtype=F64), torch.tensor([1.0], dtype=F64)) > 27
    )


def test_the_gradient_of_bce_with_respect_to_the_logit_is_p_minus_y():
    z = torch.tensor([-3.0, -0.5, 0.0, 1.0, 4.6], dtype=F64, requires_grad=True)
    y = torch.tensor([0.0, 1.0, 0.0, 1.0, 0.0], dtype=F64)
    loss.bce(loss.sigmoid(z), y).backward()
    assert_close(z.grad, (torch.sigmoid(z.detach()) - y) / len(y), atol=1e-12)


def number(cell):
    """A number as a table prints it (−120, 2.061 × 10⁻⁹, nan), back as a float."""
    cell = cell.strip().replace("−", "-")
    if " × 10" in cell:
        mantissa, power = cell.split(" × 10")
        return float(mantissa) * 10 ** int(
            power.translate(str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789"))
        )
    return float(cell)


def test_probabilities_first_give_inf_and_nan_where_the_logits_stay_finite():
    t = torch.tensor
    assert loss.bce(loss.sigmoid(t([20.0])), t([0.0])).item() == math.inf
    assert math.isnan(loss.bce(loss.sigmoid(t([20.0])), t([1.0])).item())
    assert loss.bce(loss.sigmoid(t([-120.0])), t([1.0])).item() == math.inf
    z = t([20.0], requires_grad=True)  # and the nan spreads to the gradient
    loss.bce(loss.sigmoid(z), t([1.0])).backward()
    assert math.isnan(z.grad.item())
    z, y = t([2.0, 20.0, 20.0, -120.0]), t([1.0, 1.0, 0.0, 1.0])
    rows = draw.bce_table(z, y).splitlines()[2:]
    naive = [number(r.split("|")[4]) for r in rows]
    safe = [number(r.split("|")[5]) for r in rows]
    shown = [number(r.split("|")[3]) for r in rows]
    # p to 4 digits, and 1 or 0 only where float32's sigmoid gives exactly that
    assert (
        rows[0].split("|")[3].strip() == "0.8808" and rows[3].split("|")[1] == " −120 "
    )
    assert [
        p == float(loss.sigmoid(t([zi])).item()) for p, zi in zip(shown[1:], z[1:])
    ] == [True] * 3
    assert (
        math.isfinite(naive[0]) and math.isnan(naive[1]) and naive[2:] == [math.inf] * 2
    )
    softplus = z.double().clamp(min=0) + torch.log1p(torch.exp(-z.double().abs()))
    assert_close(torch.tensor(safe), softplus - y.double() * z.double(), rtol=1e-3)
    assert_close(naive[0], safe[0], rtol=1e-3)  # where both work, they agree


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


# -- training the classifier ----------------------------------------------------------------------


def test_training_loss_starts_at_log_2_and_falls_at_every_step(trained):
    _, _, history = trained
    assert_close(history[0], math.log(2), atol=1e-6)  # every p is 0.5 at first
    assert torch.all(history.diff() < 0)


def test_one_training_step_follows_the_closed_form_gradient(digits):
    (x, y), _ = digits
    x, y = x.double(), y.double()
    w, b, _ = loss.train(x, y, lr=0.5, steps=2)  # the second step starts from the first
    # from zeros every p is 0.5, and the gradient is X^T (p - y) / n
    w1 = -0.5 * x.T @ (0.5 - y) / len(y)
    b1 = -0.5 * (0.5 - y).mean()
    p1 = torch.sigmoid(x @ w1 + b1)
    assert_close(w, w1 - 0.5 * x.T @ (p1 - y) / len(y), atol=1e-12)
    assert_close(b, b1 - 0.5 * (p1 - y).mean(), atol=1e-12)


def test_accuracy_is_scikit_learns_and_the_model_reads_95_percent_of_the_held_out_digits(
    digits, trained
):
    from sklearn.metrics import accuracy_score

    w, b, _ = trained
    for x, y in digits:
        predicted = (x.double() @ w.double() + b.double() > 0).numpy()
        assert_close(
            loss.accuracy(x, y, w, b), accuracy_score(y.numpy(), predicted), atol=1e-6
        )
        assert loss.accuracy(x, y, w, b) >= 0.95


def test_the_weights_look_like_the_average_7_minus_the_average_3(digits, trained):
    (x, y), _ = digits
    w, _, _ = trained
    difference = (x[y == 1].mean(dim=0) - x[y == 0].mean(dim=0)).numpy()
    assert np.corrcoef(w.numpy(), difference)[0, 1] > 0.85
    inked = x.sum(dim=0).numpy() > 0
    agree = np.sign(w.numpy()[inked]) == np.sign(difference[inked])
    assert agree.mean() > 0.8  # "mostly"


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


# -- why accuracy cannot be the loss ----------------------------------------------------------


def test_accuracy_has_no_gradient_and_the_loss_has_one_at_the_same_point(
    digits, trained
):
    (x, y), _ = digits
    w, _, _ = trained
    b = torch.tensor(-3.0, requires_grad=True)
    assert not loss.accuracy(x, y, w, b).requires_grad  # `z > 0` cuts the graph
    acc_slope, loss_slope = loss.slopes_at(x, y, w, -3.0)
    assert acc_slope == 0.0 and loss_slope < -0.01
    h = 1e-3  # finite differences agree: accuracy is flat here, the loss is not
    z = x.double() @ w.double()
    acc = [((z + -3.0 + d > 0).double() == y.double()).double().mean() for d in (-h, h)]
    assert acc[0] == acc[1]
    bces = [
        (F.softplus(z - 3.0 + d) - y.double() * (z - 3.0 + d)).mean().item()
        for d in (-h, h)
    ]
    assert_close(loss_slope, (bces[1] - bces[0]) / (2 * h), rtol=1e-3)


def test_accuracy_is_a_staircase_and_the_loss_is_smooth(digits, trained):
    (x, y), _ = digits
    w, b, _ = trained
    bs = torch.linspace(-4, -2, 801, dtype=F64)
    acc, bce = draw.sweep_bias(x.double(), y.double(), w.double(), bs)
    # the same sweep, written here: one row of logits per value of b
    z = (x.double() @ w.double())[None, :] + bs[:, None]
    y64 = y.double().expand_as(z)
    assert_close(acc, ((z > 0).double() == y64).double().mean(dim=1), atol=1e-15)
    assert_close(bce, (F.softplus(z) - y64 * z).mean(dim=1), atol=1e-12)
    assert (acc.diff() != 0).double().mean() < 0.15  # flat between most neighbouring b
    assert torch.all(bce.diff() < 0)  # the loss changes at every one, here downwards
    assert loss.accuracy(x, y, w, b) > loss.accuracy(x, y, w, -3.0)  # raising b helps


def test_bce_rewards_a_more_confident_correct_7_which_accuracy_ignores():
    one = torch.tensor([1.0])
    assert loss.bce(torch.tensor([0.9]), one) < loss.bce(torch.tensor([0.6]), one)
    assert (torch.tensor([0.9]) > 0.5) == (torch.tensor([0.6]) > 0.5)  # the same label


# -- what PyTorch and scikit-learn do, which the page relies on ----------------------------------


def test_pytorch_takes_zero_as_the_slope_of_abs_at_its_kink():
    r = torch.zeros(1, requires_grad=True)
    r.abs().sum().backward()
    assert r.grad.item() == 0.0


def test_pytorch_sigmoid_of_20_is_1_in_float32_and_bce_from_logits_stays_finite():
    assert torch.sigmoid(torch.tensor(20.0)).item() == 1.0
    z = torch.tensor([-3.0, 0.0, 4.6, 20.0, -120.0], dtype=F64, requires_grad=True)
    y = torch.tensor([0.0, 0.0, 1.0, 0.0, 1.0], dtype=F64)
    F.binary_cross_entropy_with_logits(z, y, reduction="sum").backward()
    assert_close(z.grad, torch.sigmoid(z.detach()) - y, atol=1e-12)
    # confidently wrong: the loss is about |z|, finite, where log(0) would be inf
    for logit, label in ((20.0, 0.0), (-120.0, 1.0), (1000.0, 0.0)):
        value = F.binary_cross_entropy_with_logits(
            torch.tensor(logit), torch.tensor(label)
        )
        assert_close(value, abs(logit), rtol=1e-6)


def test_pytorch_refuses_probabilities_outside_0_to_1_as_bce_does():
    with pytest.raises(RuntimeError, match="between 0 and 1"):
        F.binary_cross_entropy(torch.tensor([1.5]), torch.tensor([1.0]))


def test_scikit_learn_ships_the_digits_inside_the_package_no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("no network in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    from sklearn.datasets import load_digits

    # "1797 scans" in the code's comment
    assert load_digits().images.shape == (1797, 8, 8)


# -- when the input is wrong ----------------------------------------------------------------------


def line10():
    return fit_line.make_data(n=10)


def images():
    return torch.rand(4, 64, generator=torch.Generator().manual_seed(0))


def labels():
    return torch.tensor([0.0, 1.0, 0.0, 1.0])


TENSOR = BAD["tensor"]
BAD_IMAGES = [
    *TENSOR,
    torch.zeros(4),  # one image, not a stack
    torch.zeros(3, 64),  # one short
    torch.ones(4, 64, dtype=torch.int64),
]
BAD_LABELS = [
    *TENSOR,
    torch.zeros(3),  # one short
    torch.zeros(4, 1),  # a column, not a vector
    torch.tensor([0, 1, 0, 1]),  # integers
    torch.tensor([0.0, 1.0, 0.0, 7.0]),  # the digit, not the label
    torch.tensor([0.0, 1.0, 0.0, 0.5]),
    torch.tensor([0.0, 1.0, 0.0, float("nan")]),
]
TWO_TENSORS = {"y_hat": [*TENSOR, torch.zeros(3)], "y": [*TENSOR, torch.zeros(3)]}
CLASSIFIER = {"x": BAD_IMAGES, "y": BAD_LABELS}
WEIGHTS = {
    "w": [*TENSOR, torch.zeros(63), torch.zeros(8, 8)],
    "b": [None, "0", torch.zeros(2)],
}
LOSS_FN = [None, "mae", 3]

CALLS = [
    Call(loss.mae, TWO_TENSORS, y_hat=lambda: torch.zeros(4), y=lambda: torch.ones(4)),
    Call(
        loss.huber,
        {**TWO_TENSORS, "delta": "positive"},
        y_hat=lambda: torch.zeros(4),
        y=lambda: torch.ones(4),
    ),
    Call(
        loss.make_outlier_data,
        {
            "n": [2, 0, 2.5, "20", None, True],
            "shift": [float("nan"), float("inf"), -float("inf"), "1", None],
            "seed": "seed",
        },
        n=10,
    ),
    Call(
        loss.fit_loss,
        {
            "loss_fn": LOSS_FN,
            "x": ["x", torch.zeros(10), torch.zeros(10, 3)],
            "y": [None, torch.zeros(9)],
            "a0": [(1.0,), (1.0, 2.0, 3.0)],
            "lr": "positive",
            "steps": "count",
        },
        loss_fn=lambda: loss.mae,  # a function in the table is called to make the value
        x=lambda: line10()[0],
        y=lambda: line10()[1],
        steps=3,
    ),
    Call(
        loss.point_pulls,
        {"loss_fn": LOSS_FN, **TWO_TENSORS},
        loss_fn=lambda: fit_line.mse,
        y_hat=lambda: torch.zeros(4),
        y=lambda: torch.ones(4),
    ),
    Call(
        loss.loss_surface,
        {
            "x": [None, torch.zeros(10), torch.zeros(10, 3)],
            "y": [None, torch.zeros(9)],
            "a1": [*TENSOR, torch.zeros(2, 2), torch.tensor(1.0)],
            "a2": [*TENSOR, torch.zeros(2, 2)],
        },
        x=lambda: line10()[0],
        y=lambda: line10()[1],
        a1=lambda: torch.linspace(-1, 1, 3),
        a2=lambda: torch.linspace(0, 1, 4),
    ),
    Call(
        loss.curvature,
        {"x": [*TENSOR, torch.zeros(10), torch.ones(3, 2, dtype=torch.int64)]},
        x=lambda: line10()[0],
    ),
    Call(
        loss.load_threes_and_sevens,
        {
            "train_fraction": [
                0,
                0.001,
                0.999,
                1.0,
                1.5,
                -0.1,
                float("nan"),
                "0.8",
                None,
            ],
            "seed": "seed",
            "dtype": [torch.int64, torch.bool, "float32", None],
        },
    ),
    Call(
        loss.logits,
        {
            "x": [*TENSOR, torch.zeros(4, 63), torch.ones(4, 64, dtype=torch.int64)],
            **WEIGHTS,
        },
        x=images,
        w=lambda: torch.zeros(64),
        b=0.0,
    ),
    Call(
        loss.sigmoid, {"z": [*TENSOR, torch.tensor([1, 2])]}, z=lambda: torch.zeros(3)
    ),
    Call(
        loss.bce,
        {
            "p": [
                *TENSOR,
                torch.tensor([1.5, 0.5]),
                torch.tensor([-0.1, 0.5]),
                torch.tensor([0.5]),
            ],
            "y": [
                *TENSOR,
                torch.tensor([7.0, 3.0]),
                torch.tensor([1, 0]),
                torch.tensor([1.0]),
            ],
        },
        p=lambda: torch.tensor([0.9, 0.2]),
        y=lambda: torch.tensor([1.0, 0.0]),
    ),
    Call(
        loss.train,
        {**CLASSIFIER, "lr": "positive", "steps": "count"},
        x=images,
        y=labels,
        steps=2,
    ),
    *[
        Call(
            fn,
            {**CLASSIFIER, **WEIGHTS},
            x=images,
            y=labels,
            w=lambda: torch.zeros(64),
            b=0.0,
        )
        for fn in (loss.accuracy, loss.slopes_at)
    ],
    # the checks of this page: each names the argument as its caller names it
    Call(
        loss.check_binary_labels, {"y": [*TENSOR, *BAD_LABELS[6:]]}, name="y", y=labels
    ),
    Call(loss.check_labelled_images, CLASSIFIER, x=images, y=labels),
]


(
    test_every_public_lesson_function_is_in_the_table_of_bad_inputs,
    test_each_call_of_the_table_is_valid,
    test_a_bad_argument_is_refused_with_a_message_that_names_it,
) = table_of_bad_inputs(loss, CALLS)


def test_a_diverged_models_nan_probabilities_are_a_result_not_a_wrong_argument():
    assert math.isnan(
        loss.bce(torch.tensor([float("nan")]), torch.tensor([1.0])).item()
    )


def test_divergence_is_a_result_not_a_crash(digits):
    (x, y), _ = digits
    _, _, history = loss.train(x * 1e6, y, lr=1e6, steps=5)  # absurd scale and step
    assert history.shape == (5,)
    assert not torch.isfinite(history).all() or history[-1] > 10
    xl, yl = line10()
    # a step far too large
    path = loss.fit_loss(fit_line.mse, xl, yl, lr=50.0, steps=200)
    assert len(path) == 201
    assert not torch.isfinite(path[-1]).all() or path[-1].abs().max() > 1e10


# -- the whole program ----------------------------------------------------------------------------


def test_the_whole_program_runs_in_a_fresh_file_and_prints_the_held_out_accuracy(
    tmp_path, digits, trained
):
    # it needs PyTorch and scikit-learn only
    lines = run_program("loss.md", "digits.py", tmp_path)
    assert lines[0].startswith(f"step   0  loss {math.log(2):.4f}") and len(lines) == 7
    _, (xh, yh) = digits
    w, b, _ = trained
    predicted = (xh.double() @ w.double() + b.double() > 0).double()
    held_out = (predicted == yh.double()).double().mean().item()
    assert (
        lines[-1]
        == f"held-out accuracy {held_out:.1%} on {len(yh)} images it never trained on"
    )


# -- the drawing ----------------------------------------------------------------------------------


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
    return {  # (the plot in a theme, how many lines it draws at least)
        "outlier": (
            lambda t: draw.plot_outlier(
                o["x"], o["y"], o["clean"], o["i"], o["mse"], o["mae"], theme=t
            ),
            2,
        ),
        "contour": (lambda t: draw.plot_contour(x, y, path, theme=t), 3),
        "surface": (lambda t: draw.plot_surface(x, y, path, theme=t), 2),
        "digits": (lambda t: draw.plot_digits(xd, yd, theme=t), 0),
        "bce": (lambda t: draw.plot_bce(theme=t), 4),
        "weights": (lambda t: draw.plot_weights(xd, yd, w, theme=t), 0),
        "staircase": (lambda t: draw.plot_staircase(xd, yd, w, -3.0, theme=t), 8),
    }


@pytest.mark.parametrize(
    "name", ["outlier", "contour", "surface", "digits", "bce", "weights", "staircase"]
)
def test_every_figure_draws_in_both_themes_with_concrete_colours(figures, name):
    plot, lines = figures[name]
    drawn = {theme: plot(theme) for theme in render.THEMES}
    for fig in drawn.values():
        assert isinstance(fig, Figure) and concrete_colours(fig)
        assert sum(len(ax.get_lines()) for ax in fig.axes) >= lines
    assert drawn["light"].get_facecolor() != drawn["dark"].get_facecolor()


def test_the_digit_grid_shows_eight_3s_over_eight_7s_in_ink_of_the_theme(
    figures, digits
):
    (x, y), _ = digits
    (image,) = figures["digits"][0]("dark").axes[0].get_images()
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
    bg = render.PALETTES["dark"]["bg"]
    bg = torch.tensor([int(bg[k : k + 2], 16) / 255 for k in (1, 3, 5)])
    cmap = image.get_cmap()
    assert_close(torch.tensor(cmap(0.0)[:3]), bg, atol=1e-6)  # no ink is the page
    assert_close(torch.tensor(cmap.get_bad()[:3]), bg, atol=1e-6)
    with pytest.raises(ValueError, match="per_row"):
        draw.plot_digits(x, y, per_row=0)


def test_the_weight_image_is_centred_on_zero_red_for_a_7_blue_for_a_3(figures, trained):
    w, _, _ = trained
    for theme in render.THEMES:
        shown = figures["weights"][0](theme).axes[2].get_images()[0]
        low, high = shown.get_clim()
        assert low == -high
        assert_close(high, w.abs().max(), atol=1e-6)
        red, _, blue, _ = shown.get_cmap()(1.0)  # positive weights (for a 7) are red
        assert red > blue
        red, _, blue, _ = shown.get_cmap()(0.0)  # negative weights (for a 3) are blue
        assert blue > red


def test_saved_figures_use_their_themes_colours():
    for theme, palette in render.PALETTES.items():
        svg = render.figure_bytes(draw.plot_bce(theme=theme)).decode()
        assert palette["cycle"][0] in svg and palette["bg"] in svg, (
            f"{theme} colours missing"
        )
        assert "#1f77b4" not in svg


def test_the_animation_walks_the_point_down_in_both_themes_within_the_budget(line):
    x, y, path = line
    # steps 0, 60 and the last, 100
    light = draw.animate_descent(x, y, path, theme="light", every=60)
    assert len(light) == 3 and all(f.shape == light[0].shape for f in light)
    (height, width), (most_wide, most_high) = light[0].shape[:2], render.MAX_GIF_SIZE
    assert light[0].dtype == np.uint8 and height <= most_high and width <= most_wide
    assert not np.array_equal(light[0], light[-1])  # the point has moved
    dark = draw.animate_descent(x, y, path, theme="dark", every=100)
    assert len(dark) == 2 and light[0].mean() > dark[0].mean()
    # and the page's GIF fits the budget
    every = draw.defaults(draw.animate_descent)["every"]
    assert len(range(0, len(path), every)) <= render.MAX_GIF_FRAMES
    with pytest.raises(ValueError, match="every"):
        draw.animate_descent(x, y, path, every=0)


def test_the_sentences_quote_the_settings_of_the_functions_they_are_given():
    def make(n=7, shift=3.0, seed=0): ...
    def fit(loss_fn, x, y, a0=(0.5, 0.5), lr=0.05, steps=12): ...
    def animate(x, y, path, theme="light", every=3): ...

    assert "take 7 points" in draw.outlier_sentence(make)
    assert "3 units up" in draw.outlier_sentence(make)
    said = draw.fit_loss_sentence(fit)
    assert "`lr=0.05`" in said and "`a0=(0.5, 0.5)`" in said and "same 12 steps" in said
    assert "12 steps with learning rate 0.05" in draw.path_sentence(fit)
    assert "every third step" in draw.descent_sentence(animate)


def test_the_error_table_shows_a_refusal_for_every_wrong_call():
    rows = draw.error_table(loss).splitlines()[2:]
    assert len(rows) == 10
    assert all("Error: " in row for row in rows)


def test_gradient_descent_has_no_memory_and_momentum_has():
    # the page: each step depends only on the gradient where it starts, so fit restarted from a
    # point of its path takes the same steps; a ball (momentum) would carry speed and would not
    x, y = fit_line.make_data(dtype=F64)
    path, k = fit_line.fit(x, y), 50
    rest = fit_line.fit(x, y, a0=tuple(path[k].tolist()), steps=len(path) - 1 - k)
    assert_close(rest, path[k:], atol=0)

    def heavy_ball(a0, steps):
        a = torch.tensor(a0, dtype=F64, requires_grad=True)
        opt, out = torch.optim.SGD([a], lr=0.1, momentum=0.9), [a.detach().clone()]
        for _ in range(steps):
            opt.zero_grad()
            ((x @ a - y) ** 2).mean().backward()
            opt.step()
            out.append(a.detach().clone())
        return torch.stack(out)

    ball = heavy_ball((-1.0, 1.0), 100)
    again = heavy_ball(tuple(ball[k].tolist()), 100 - k)
    assert (again - ball[k:]).abs().max() > 0.01
    said = draw.no_memory_sentence(*fit_line.make_data(), fit_line.fit, k=k)
    assert "exactly the steps of the first run: 50 steps" in said


def test_the_contour_alt_text_puts_the_minimum_at_least_squares_and_the_path_end_beside_it(
    line,
):
    x, y, path = line
    best = lstsq(x, y)
    said = draw.contour_alt(x, y, path)
    assert f"minimum at ({best[0]:.2f}, {best[1]:.2f})" in said
    assert f"ends at ({path[-1, 0]:.2f}, {path[-1, 1]:.2f})" in said
    assert "starts at (−1, 1)" in said


def test_a_walk_downhill_can_stall_on_a_saddle_point():
    # the page: network losses have "saddle points where [the slope] vanishes without a
    # minimum"; on L(u, v) = u^2 - v^2, descent from (1, 0) ends on the saddle at the origin,
    # where the gradient is zero and yet a step along v lowers the loss
    def grad(a):
        return torch.tensor([2 * a[0], -2 * a[1]], dtype=F64)

    a = torch.tensor([1.0, 0.0], dtype=F64)
    for _ in range(200):
        a = a - 0.1 * grad(a)
    assert_close(grad(a), torch.zeros(2, dtype=F64), atol=1e-12)
    loss_at = (a[0] ** 2 - a[1] ** 2).item()
    assert 0.1**2 * -1 + a[0].item() ** 2 < loss_at  # a step along v goes lower still


def test_the_next_three_chapters_use_only_the_first_half_of_the_page():
    # the page's note: Gradients, Learning rate and Mini-batches build only on the line and its
    # loss surface; the classifier (from load_threes_and_sevens on) comes back in the last chapter
    import ast
    from pathlib import Path

    from sitebuild.sources import includes_by_heading

    root = Path(__file__).resolve().parents[1]
    source = (root / "snippets" / "loss_functions.py").read_text()
    classifier = source[source.index("# --8<-- [start:digits]") :]
    second_half = set(re.findall(r"^def (\w+)", classifier, re.M))
    sections = set(re.findall(r"\[start:(\w+)\]", classifier))
    assert {"load_threes_and_sevens", "train", "bce"} <= second_half
    for name, page in [
        ("gradients", "gradients.md"),
        ("learning_rate", "learning_rate.md"),
        ("mini_batches", "mini-batches.md"),
    ]:
        tree = ast.parse((root / "snippets" / f"{name}.py").read_text())
        used = {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
            and node.module == "snippets.loss_functions"
            for alias in node.names
        }
        assert not used & second_half, name
        shown = {
            section
            for _, file, section in includes_by_heading(page.replace("_", "-"))
            if file == "snippets/loss_functions.py"
        }
        assert not shown & sections, page
    digits_page = (root / "docs" / "digits.md").read_text()
    assert "the binary cross-entropy of [Loss](loss.md)" in digits_page
