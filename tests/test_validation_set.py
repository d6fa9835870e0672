"""The claims of docs/validation-set.md, checked against independent computations (NumPy's
Chebyshev least squares, training loops and losses written here, torch.optim, sums by hand), and
the page's drawings smoke-tested."""

import io
import itertools
import math
from pathlib import Path

import numpy as np
import pytest
import torch
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from PIL import Image

from conftest import (
    INF,
    NAN,
    Call,
    assert_close,
    defaults,
    run_program,
    table_of_bad_inputs,
)
from snippets import validation_set as vs
from snippets.drawing import render
from snippets.drawing import validation_set as draw

F64 = torch.float64
DEGREES = list(range(15))  # the page's sweep: 0 to 14


def loss(y_hat, y):
    """The mean squared error, computed here without the lesson's mse."""
    return ((y_hat.double() - y.double()) ** 2).mean().item()


def chebyshev_sweep(x, y, x_val, y_val, degrees):
    """Training and validation loss of every degree's least-squares fit, by NumPy alone."""
    x, y = x.double().flatten().numpy(), y.double().flatten().numpy()
    x_val, y_val = x_val.double().flatten().numpy(), y_val.double().flatten().numpy()
    train, val = [], []
    for degree in degrees:
        coef = np.polynomial.chebyshev.chebfit(x, y, degree)
        train.append(np.mean((np.polynomial.chebyshev.chebval(x, coef) - y) ** 2))
        val.append(np.mean((np.polynomial.chebyshev.chebval(x_val, coef) - y_val) ** 2))
    return train, val


@pytest.fixture(scope="module")
def data():
    """The page's training and validation points."""
    return draw.page_data()


@pytest.fixture(scope="module")
def sweep(data):
    """The page's sweep of degrees, computed by NumPy, independently of the lesson."""
    (x, y), (x_val, y_val) = data
    return chebyshev_sweep(x, y, x_val, y_val, DEGREES)


@pytest.fixture(scope="module")
def run():
    """The page's training of the network, with the animation's curves."""
    return draw.overfit_run(frames=draw.DRIFT_FRAMES)


@pytest.fixture(scope="module")
def decayed():
    """The same training with weight decay 0.01."""
    return draw.overfit_run(weight_decay=0.01)


@pytest.fixture(scope="module")
def demo():
    return draw.group_demo()


# ---------------------------------------------------------------------------------------------
# The data and the polynomials


def test_the_data_is_a_sine_plus_gaussian_noise_of_the_standard_deviation_make_data_is_given():
    sd = defaults(vs.make_data)["noise"]
    x, y = vs.make_data(20_000, seed=0, dtype=F64)
    noise = y - torch.sin(math.pi * x)
    assert x.min() >= -1 and x.max() <= 1
    assert_close(noise.mean(), 0.0, atol=0.01)
    assert_close(noise.std(), sd, atol=0.01)
    x0, y0 = vs.make_data(50, noise=0.0, seed=3, dtype=F64)
    assert_close(y0, torch.sin(math.pi * x0), atol=1e-15)


def test_the_same_seed_gives_the_same_points_and_another_seed_does_not():
    assert all(
        torch.equal(a, b) for a, b in zip(vs.make_data(seed=7), vs.make_data(seed=7))
    )
    assert not torch.equal(vs.make_data(seed=7)[0], vs.make_data(seed=8)[0])


def test_the_validation_points_are_other_points_of_the_same_curve(data):
    (x, y), (x_val, y_val) = data
    assert x.shape == y.shape == (draw.N_TRAIN, 1)
    assert x_val.shape == y_val.shape == (draw.N_VAL, 1)
    assert not set(x.flatten().tolist()) & set(x_val.flatten().tolist())


def test_chebyshev_features_match_numpys_chebvander_and_cos_k_theta():
    x = torch.linspace(-1, 1, 41, dtype=F64)
    reference = np.polynomial.chebyshev.chebvander(x.numpy(), 14)
    assert_close(vs.features(x, 14), torch.from_numpy(reference), atol=1e-12)
    theta = torch.linspace(0, math.pi, 41, dtype=F64)
    assert_close(
        vs.features(torch.cos(theta), 6),
        torch.cos(torch.arange(7) * theta[:, None]),
        atol=1e-12,
    )
    assert vs.features(x, 0).shape == (41, 1) and vs.features(x, 1).shape == (41, 2)
    assert vs.features(x, 14).abs().max() <= 1 + 1e-12  # the T_k stay between -1 and 1


def test_chebyshev_and_powers_give_the_same_polynomial(data):
    (x, y), _ = data
    coef = vs.fit_polynomial(x, y, 6)
    powers = np.polynomial.polynomial.polyfit(
        x.double().flatten().numpy(), y.double().flatten().numpy(), 6
    )
    grid = torch.linspace(-1, 1, 101, dtype=F64)
    by_powers = torch.from_numpy(np.polynomial.polynomial.polyval(grid.numpy(), powers))
    assert_close(vs.predict(coef, grid).flatten(), by_powers, atol=1e-9)


def test_powers_are_far_worse_conditioned_than_chebyshev_polynomials(data):
    (x, _), _ = data
    u = x.double().flatten().numpy()
    powers = np.linalg.cond(np.polynomial.polynomial.polyvander(u, 14))
    chebyshev = np.linalg.cond(np.polynomial.chebyshev.chebvander(u, 14))
    assert powers > 1000 * chebyshev
    grid = torch.linspace(-1, 1, 2001, dtype=F64)
    assert (grid**12 - grid**14).abs().max() < 0.06  # x^12 and x^14: almost one curve


def test_the_fit_is_the_same_to_the_last_bit_every_time(data):
    (x, y), _ = data
    assert torch.equal(vs.fit_polynomial(x, y, 14), vs.fit_polynomial(x, y, 14))


def test_the_fit_is_the_least_squares_solution_of_the_normal_equations(data):
    (x, y), _ = data
    f = torch.from_numpy(np.polynomial.chebyshev.chebvander(x.double().flatten(), 5))
    normal = torch.linalg.solve(f.T @ f, f.T @ y.double())
    assert_close(vs.fit_polynomial(x, y, 5), normal, atol=1e-10)


def test_the_sweep_the_page_draws_is_numpys_least_squares(data, sweep):
    (x, y), (x_val, y_val) = data
    train, val = draw.degree_sweep(x, y, x_val, y_val, DEGREES)
    assert_close(train[:14], sweep[0][:14], rtol=1e-8)
    assert train[14] < 1e-20 and sweep[0][14] < 1e-20  # zero, up to rounding
    assert_close(val, sweep[1], rtol=1e-6)


def test_degree_1_underfits_degree_3_fits_and_degree_10_overfits(sweep):
    train, val = sweep
    assert abs(val[1] - train[1]) < 0.1 * train[1]  # misses both sets alike
    assert train[10] < train[3] < train[1]  # by training loss, 10 is the best of three
    assert val[10] > val[1] > val[3]  # by validation loss, 10 is the worst
    assert val[10] > 4 * val[3]


def test_a_model_that_predicts_the_sine_exactly_scores_the_noise_variance_and_degree_3_comes_close(
    sweep,
):
    sd = defaults(vs.make_data)["noise"]
    x, y = vs.make_data(20_000, seed=11, dtype=F64)
    assert_close(loss(torch.sin(math.pi * x), y), sd**2, atol=0.005)
    assert sd**2 < sweep[1][3] < 1.25 * sd**2


@pytest.mark.parametrize("seed", [draw.SEED, 0, 1, 2, 3])
def test_training_loss_never_rises_with_degree_and_validation_is_lowest_at_a_moderate_degree(
    seed,
):
    (x, y), (x_val, y_val) = draw.page_data(seed)
    train, val = chebyshev_sweep(x, y, x_val, y_val, DEGREES)
    assert all(b <= a + 1e-12 for a, b in itertools.pairwise(train))
    assert (
        2 <= int(np.argmin(val)) <= 6
    )  # strictly inside the sweep, far from both ends
    assert val[-1] > 100 * min(val)


def test_the_lowest_validation_loss_is_at_degree_3(sweep):
    # the page: degree 3 follows the curve, and the sweep's best degree is the one it draws
    assert int(np.argmin(sweep[1])) == 3
    assert draw.best_degree(DEGREES, sweep[1]) == 3


def test_at_degree_14_the_polynomial_passes_through_every_training_point(data, sweep):
    (x, y), _ = data
    coef = vs.fit_polynomial(x, y, 14)
    assert len(coef) == len(y)  # one coefficient for each training point
    assert_close(vs.predict(coef, x), y.double(), atol=1e-9)
    assert sweep[0][14] < 1e-20 and sweep[1][14] > 1e6


def test_underfitting_losses_are_high_and_close_and_overfitting_opens_a_gap(sweep):
    train, val = sweep
    for d in (0, 1, 2):
        assert train[d] > 0.4 and val[d] - train[d] < 0.15
    gap = [v - t for t, v in zip(train, val)]
    assert min(gap[10:]) > max(gap[:7])


# ---------------------------------------------------------------------------------------------
# The network, early stopping and patience


def test_the_network_is_1_width_width_1_with_tanh_and_4353_parameters_at_width_64():
    model = vs.make_model(64)
    assert [type(m).__name__ for m in model] == [
        "Linear",
        "Tanh",
        "Linear",
        "Tanh",
        "Linear",
    ]
    count = sum(p.numel() for p in model.parameters())
    assert count == 1 * 64 + 64 + 64 * 64 + 64 + 64 + 1 == 4353


def test_the_initial_weights_are_pytorchs_range_drawn_from_our_seed_whatever_the_global_generator():
    state = torch.random.get_rng_state()
    try:
        torch.manual_seed(123)
        a = vs.make_model(seed=0)
        torch.manual_seed(456)
        b, c = vs.make_model(seed=0), vs.make_model(seed=1)
    finally:
        torch.random.set_rng_state(state)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert not torch.equal(a[0].weight, c[0].weight)
    for layer in (a[0], a[2], a[4]):
        bound = layer.in_features**-0.5
        assert layer.weight.abs().max() <= bound and layer.bias.abs().max() <= bound


def test_the_training_is_a_plain_sgd_loop_and_the_validation_set_never_changes_it():
    """A loop written here, which never sees a validation set, gives the same training losses,
    bit for bit, as train_with_early_stopping given either of two validation sets."""
    train, val = draw.page_data()
    (x, y), epochs = train, 30
    model = vs.make_model(seed=0)
    opt = torch.optim.SGD(model.parameters(), lr=draw.LR, momentum=draw.MOMENTUM)
    by_hand = [loss(model(x).detach(), y)]
    for _ in range(epochs):
        opt.zero_grad()
        ((model(x) - y) ** 2).mean().backward()
        opt.step()
        by_hand.append(loss(model(x).detach(), y))
    noise = (
        val[0],
        torch.randn(val[1].shape, generator=torch.Generator().manual_seed(9)),
    )
    histories = []
    for v in (val, noise):
        model = vs.make_model(seed=0)
        opt = torch.optim.SGD(model.parameters(), lr=draw.LR, momentum=draw.MOMENTUM)
        histories.append(vs.train_with_early_stopping(model, opt, train, v, epochs)[0])
    assert_close(histories[0]["train"], by_hand, rtol=1e-6)
    assert histories[0]["train"] == histories[1]["train"]
    assert histories[0]["val"] != histories[1]["val"]


def test_history_has_epoch_0_and_one_entry_per_epoch_and_the_best_is_the_lowest(run):
    history, best = run["history"], run["best_epoch"]
    assert len(history["train"]) == len(history["val"]) == draw.EPOCHS + 1
    assert best == int(np.argmin(history["val"]))


def test_the_model_ends_with_the_weights_of_the_best_epoch(run):
    history, best, model = run["history"], run["best_epoch"], run["model"]
    (x, y), (x_val, y_val) = run["train"], run["val"]
    with torch.no_grad():
        assert_close(loss(model(x_val), y_val), history["val"][best], rtol=1e-6)
        assert_close(loss(model(x), y), history["train"][best], rtol=1e-6)


def test_a_snapshot_keeps_its_values_while_state_dict_follows_the_live_weights():
    model = vs.make_model(seed=0)
    copy, live = vs.snapshot(model), model.state_dict()
    before = model[0].weight.detach().clone()
    with torch.no_grad():
        model[0].weight.add_(1.0)
    assert torch.equal(copy["0.weight"], before)
    assert torch.equal(live["0.weight"], before + 1.0)


def test_validation_bottoms_out_then_rises_while_training_keeps_falling(run):
    train, val = run["history"]["train"], run["history"]["val"]
    best = run["best_epoch"]
    assert 0 < best < draw.EPOCHS
    assert val[best] < val[0] and train[best] < train[0]  # both fall together at first
    assert val[-1] > 2 * val[best]  # ... then validation climbs
    assert all(b <= a for a, b in itertools.pairwise(train[best:]))


def test_in_some_draws_the_network_has_not_started_to_overfit_by_the_last_epoch():
    # the note "Other draws of the training points": early stopping then keeps the last epoch
    assert draw.overfit_run(seed=2)["best_epoch"] == draw.EPOCHS


def test_the_validation_loss_starts_below_the_training_loss_because_these_training_points_are_noisier(
    run,
):
    # the page: the noiseless sine scores more than the noise variance on the 15 training points and
    # less on the 100 validation points; from those scores, the best epoch is as far off on both
    sd = defaults(vs.make_data)["noise"]
    (x, y), (x_val, y_val) = run["train"], run["val"]
    on_train, on_val = (
        loss(torch.sin(math.pi * x), y),
        loss(torch.sin(math.pi * x_val), y_val),
    )
    assert on_train > sd**2 > on_val
    assert_close(draw.sine_losses(run), (on_train, on_val), rtol=1e-6)
    train, val, best = run["history"]["train"], run["history"]["val"], run["best_epoch"]
    below = [e for e in range(len(train)) if val[e] < train[e]]
    assert val[best] < train[best] and len(below) > 50
    above_train, above_val = train[best] - on_train, val[best] - on_val
    assert (
        0 < above_val < above_train < 1.5 * above_val
    )  # "about as far above it on both"
    sentence = draw.below_sentence(run)
    assert f"At {len(below)} of the {draw.EPOCHS} epochs" in sentence
    assert f"between epoch {below[0]} and epoch {below[-1]}" in sentence
    assert f"scores {on_train:.3f} on these {draw.N_TRAIN} training points" in sentence
    assert f"{above_train:.3f} on the training points, {above_val:.3f} on" in sentence


def test_the_page_calls_full_batch_training_gradient_descent_and_its_network_what_it_is():
    # the glossary: SGD steps on random mini-batches; this page trains on every point each step
    page = (Path(__file__).parents[1] / "docs" / "validation-set.md").read_text()
    assert "SGD" not in page.replace("torch.optim.SGD", "")
    # "larger than that page's 1 → 16 → 1 with ReLU": Nonlinearity's network, as it trains it
    from snippets import nonlinearity as nl
    from snippets.drawing import nonlinearity as nl_draw

    assert tuple(nl_draw.FIT["widths"]) == (1, 16, 1)
    assert [type(m).__name__ for m in nl.make_network([1, 16, 1])] == [
        "Linear",
        "ReLU",
        "Linear",
    ]
    assert "1 → 16 → 1 with ReLU" in page
    # the Chebyshev polynomials are defined before the formula and the code that use them
    assert page.index("T_{k+1} = 2 x T_k - T_{k-1}") < page.index("c_0 T_0(x)")
    assert page.index("c_0 T_0(x)") < page.index("validation_set.py:polynomial")
    # both fences of a norm stretch alike, or neither does
    assert "\\lVert" not in page.replace("\\left\\lVert", "")


def test_by_the_end_the_network_fits_the_training_points_better_than_the_sine(run):
    x, y = run["train"]
    sine = loss(torch.sin(math.pi * x), y)
    assert (
        run["history"]["train"][-1] < sine < run["history"]["train"][run["best_epoch"]]
    )


def test_the_curve_starts_flat_follows_the_sine_at_the_best_epoch_and_strays_in_the_widest_gap(
    run,
):
    grid = torch.linspace(-1, 1, 201)
    sine = torch.sin(math.pi * grid)
    first, best, last = run["curves"][0], run["best_curve"], run["curves"][draw.EPOCHS]
    assert first.max() - first.min() < 0.5
    assert (best - sine).abs().max() < 0.5 and (last - sine).abs().max() > 1.0
    xs = run["train"][0].flatten().sort().values
    i = int((xs[1:] - xs[:-1]).argmax())
    left, right = (
        xs[i].item(),
        xs[i + 1].item(),
    )  # the widest gap between training inputs
    assert left < grid[(last - sine).abs().argmax()] < right
    assert left < grid[last.argmax()] < right and last.max() > 2 > 1 > best.max()


def test_patience_stops_patience_epochs_after_the_best_with_the_same_weights(run):
    early = draw.overfit_run(patience=50)
    best, _, stop, _ = draw.best_and_last(early)
    assert best == run["best_epoch"] and stop == best + 50
    assert all(
        torch.equal(p, q)
        for p, q in zip(early["model"].parameters(), run["model"].parameters())
    )


def test_a_short_patience_stops_at_a_bump_of_the_early_epochs_with_a_worse_network(run):
    early = draw.overfit_run(patience=5)
    best, best_val, stop, _ = draw.best_and_last(early)
    assert stop == best + 5 < run["best_epoch"]
    assert best_val > 2 * run["history"]["val"][run["best_epoch"]]
    val = run["history"]["val"]
    assert any(
        b > a for a, b in itertools.pairwise(val[:21])
    )  # the early epochs bounce


def test_divergence_is_a_result_and_early_stopping_returns_the_weights_from_before():
    train, val = draw.page_data()
    model = vs.make_model(seed=0)
    opt = torch.optim.SGD(model.parameters(), lr=50.0, momentum=0.9)
    history, best = vs.train_with_early_stopping(model, opt, train, val, epochs=30)
    assert not all(math.isfinite(v) for v in history["val"])
    assert math.isfinite(history["val"][best])
    assert all(torch.isfinite(p).all() for p in model.parameters())


# ---------------------------------------------------------------------------------------------
# Weight decay


def train_steps(make_opt, weight_decay_in_loss, steps=25):
    """A few float64 steps of the page's network; return its parameters after every step."""
    (x, y), _ = draw.page_data(dtype=F64)
    model = vs.make_model(seed=0).double()
    opt = make_opt(model.parameters())
    path = []
    for _ in range(steps):
        penalty = vs.l2_penalty(model, weight_decay_in_loss)
        opt.zero_grad()
        (((model(x) - y) ** 2).mean() + penalty).backward()
        opt.step()
        path.append(torch.cat([p.detach().flatten() for p in model.parameters()]))
    return torch.stack(path)


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_sgd_weight_decay_is_the_l2_penalty_in_the_loss_step_for_step(momentum):
    in_opt = train_steps(
        lambda p: torch.optim.SGD(p, lr=0.03, momentum=momentum, weight_decay=0.01), 0.0
    )
    in_loss = train_steps(
        lambda p: torch.optim.SGD(p, lr=0.03, momentum=momentum), 0.01
    )
    assert_close(in_opt, in_loss, atol=1e-12)


def test_adam_weight_decay_is_the_l2_penalty_in_the_loss_too():
    in_loss = train_steps(lambda p: torch.optim.Adam(p, lr=0.01), 0.01, steps=10)
    in_opt = train_steps(
        lambda p: torch.optim.Adam(p, lr=0.01, weight_decay=0.01), 0.0, steps=10
    )
    assert_close(in_opt, in_loss, atol=1e-10)
    decoupled = train_steps(
        lambda p: torch.optim.AdamW(p, lr=0.01, weight_decay=0.01), 0.0, steps=10
    )
    assert (decoupled - in_loss).abs().max() > 1e-6  # AdamW is not the penalty


def test_l2_penalty_is_half_lambda_times_the_squares_of_every_parameter_biases_included():
    model = vs.make_model(seed=0).double()
    by_hand = sum((p.detach() ** 2).sum().item() for _, p in model.named_parameters())
    assert_close(vs.l2_penalty(model, 0.2), 0.1 * by_hand, rtol=1e-12)


def test_weight_decay_lowers_the_final_validation_loss_and_keeps_the_weights_small(
    run, decayed
):
    assert decayed["history"]["val"][-1] < run["history"]["val"][-1]
    assert decayed["history"]["val"][-1] < run["history"]["val"][run["best_epoch"]]
    assert decayed["best_epoch"] == draw.EPOCHS  # no longer overfits within the epochs

    def size(state):
        return sum((t**2).sum().item() for t in state.values())

    assert size(decayed["last_state"]) < size(run["last_state"]) / 2  # weights paid for
    peak_plain = run["curves"][draw.EPOCHS].max()
    peak_decayed = decayed["curves"][draw.EPOCHS].max()
    assert peak_decayed < 1.5 < peak_plain


def test_too_much_weight_decay_underfits(run, decayed):
    heavy = draw.overfit_run(weight_decay=0.1)
    assert heavy["history"]["train"][-1] > max(
        run["history"]["train"][-1], decayed["history"]["train"][-1]
    )
    assert heavy["history"]["train"][-1] > 0.3
    assert heavy["history"]["val"][-1] > decayed["history"]["val"][-1]


# -- what PyTorch does, which the page relies on -------------------------------------------------


def test_pytorch_sgd_weight_decay_shrinks_every_weight_by_1_minus_lr_lambda_first():
    (x, y), _ = draw.page_data(dtype=F64)
    model = vs.make_model(seed=0).double()
    before = [p.detach().clone() for p in model.parameters()]
    ((model(x) - y) ** 2).mean().backward()
    grads = [p.grad.clone() for p in model.parameters()]
    torch.optim.SGD(model.parameters(), lr=0.03, weight_decay=0.01).step()
    for p, w, g in zip(model.parameters(), before, grads):  # biases included
        assert_close(p.detach(), (1 - 0.03 * 0.01) * w - 0.03 * g, atol=1e-15)


def test_pytorch_adamw_shrinks_the_weights_by_1_minus_lr_lambda_outside_adams_rescaling():
    (x, y), _ = draw.page_data(dtype=F64)
    steps = {}
    for name, make in [
        ("adam", lambda p: torch.optim.Adam(p, lr=0.01)),
        ("adamw", lambda p: torch.optim.AdamW(p, lr=0.01, weight_decay=0.5)),
    ]:
        model = vs.make_model(seed=0).double()
        ((model(x) - y) ** 2).mean().backward()
        make(model.parameters()).step()
        steps[name] = [p.detach() for p in model.parameters()]
    start = [w.detach() for w in vs.make_model(seed=0).double().parameters()]
    for w, adam, adamw in zip(start, steps["adam"], steps["adamw"]):
        assert_close(adamw, (1 - 0.01 * 0.5) * w + (adam - w), atol=1e-15)


def test_pytorch_state_dict_shares_the_live_tensors():
    # the page: `snapshot` clones, because state_dict() hands back the tensors themselves
    model = vs.make_model(seed=0)
    assert model.state_dict()["0.weight"].data_ptr() == model[0].weight.data_ptr()


# ---------------------------------------------------------------------------------------------
# Holding data back


@pytest.mark.parametrize(
    "n, fraction", [(10, 0.2), (1797, 0.2), (7, 0.5), (2, 0.5), (100, 0.01)]
)
def test_a_random_split_is_disjoint_covers_everything_and_has_the_right_size(
    n, fraction
):
    train, val = vs.split_indices(n, fraction, seed=3)
    assert train.dtype == val.dtype == torch.int64
    assert not set(train.tolist()) & set(val.tolist())
    assert sorted(train.tolist() + val.tolist()) == list(range(n))
    assert len(val) == round(fraction * n)


def test_the_same_seed_gives_the_same_split_and_another_seed_another():
    a, b, c = (
        vs.split_indices(50, seed=0),
        vs.split_indices(50, seed=0),
        vs.split_indices(50, seed=1),
    )
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    assert not torch.equal(a[1], c[1])


def test_a_group_split_never_puts_one_group_on_both_sides(demo):
    groups = demo["groups"]
    train, val = vs.split_by_group(groups, 0.2, seed=0)
    assert sorted(train.tolist() + val.tolist()) == list(range(len(groups)))
    assert not set(groups[train].tolist()) & set(groups[val].tolist())
    assert len(set(groups[val].tolist())) == round(0.2 * len(set(groups.tolist())))


def test_a_random_split_puts_siblings_on_both_sides_and_the_nearest_neighbour_finds_them(
    demo,
):
    x, groups = demo["x"], demo["groups"]
    train, val = demo["splits"]["random"]
    by_hand = sum(
        groups[train[((x[train] - x[i]) ** 2).sum(dim=1).argmin()]] == groups[i]
        for i in val
    )
    assert draw.sibling_share(demo, "random") == by_hand.item() / len(val) >= 0.8
    assert draw.sibling_share(demo, "group") == 0


def test_the_random_split_flatters_the_memoriser_and_the_group_split_does_not(demo):
    losses = demo["losses"]
    assert losses["random"] < losses["new"] / 10
    assert 0.5 < losses["group"] / losses["new"] < 2


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_on_other_draws_the_random_split_is_optimistic_too(seed):
    losses = draw.group_demo(seed=seed, new_sources=200)["losses"]
    assert losses["random"] < losses["new"] / 2 < losses["group"]


def test_nearest_neighbour_predicts_the_target_of_the_closest_training_example():
    g = torch.Generator().manual_seed(0)
    x_train, y_train, x = (
        torch.rand(30, 2, generator=g),
        torch.rand(30, 1, generator=g),
        torch.rand(9, 2, generator=g),
    )
    expected = [
        y_train[min(range(30), key=lambda j: ((x[i] - x_train[j]) ** 2).sum().item())]
        for i in range(9)
    ]
    assert_close(vs.nearest_neighbour(x_train, y_train, x), torch.stack(expected))
    assert_close(vs.nearest_neighbour(x_train, y_train, x_train), y_train)  # memory


def test_split_at_validates_on_the_last_examples_only():
    train, val = vs.split_at(10, 0.3)
    assert train.tolist() == list(range(7)) and val.tolist() == [7, 8, 9]


def test_for_a_time_series_a_random_split_is_optimistic_and_a_split_in_time_is_not():
    g = torch.Generator().manual_seed(0)
    t = torch.arange(250, dtype=F64)[:, None]
    y = torch.sin(t / 10) + t / 50 + 0.1 * torch.randn(250, 1, generator=g, dtype=F64)
    x, yy = t[:200], y[:200]
    on_future = loss(vs.nearest_neighbour(x, yy, t[200:]), y[200:])

    def validation_loss(train, val):
        return loss(vs.nearest_neighbour(x[train], yy[train], x[val]), yy[val])

    at_random = validation_loss(*vs.split_indices(200, 0.2, seed=0))
    in_time = validation_loss(*vs.split_at(200, 0.2))
    assert at_random < on_future / 10 and in_time > on_future / 10


def test_the_best_of_many_choices_looks_better_on_validation_than_it_is():
    """Why a test set: pick the best of 50 guesses by validation loss; fresh data disagrees."""
    g = torch.Generator().manual_seed(0)
    y_val = torch.randn(20, generator=g, dtype=F64)
    y_test = torch.randn(100_000, generator=g, dtype=F64)
    guesses = torch.randn(50, generator=g, dtype=F64)  # 50 models, each a constant
    val = ((guesses[:, None] - y_val) ** 2).mean(dim=1)
    best = guesses[val.argmin()]
    assert val.min() < 1.0 < ((best - y_test) ** 2).mean()  # no constant beats 1 anew


def test_k_fold_splits_partition_the_data_and_cross_validation_averages_their_fits(
    data,
):
    folds = vs.kfold_indices(15, k=5, seed=0)
    assert len(folds) == 5
    assert sorted(torch.cat([v for _, v in folds]).tolist()) == list(range(15))
    for train, val in folds:
        assert sorted(train.tolist() + val.tolist()) == list(range(15))
        assert len(val) == 3
    (x, y), _ = data
    for degree in (1, 3, 8):
        by_numpy = [
            chebyshev_sweep(x[train], y[train], x[val], y[val], [degree])[1][0]
            for train, val in folds
        ]
        got = vs.cross_validation_loss(x, y, degree, k=5, seed=0)
        assert_close(got, sum(by_numpy) / 5, rtol=1e-8)


# ---------------------------------------------------------------------------------------------
# When the input is wrong


def points(n=10):
    return vs.make_data(n=n, seed=0)


TINY = vs.make_model(width=4)  # the network of the training calls below
FRACTIONS = [
    0,
    1,
    1.5,
    -0.2,
    NAN,
    INF,
    "0.2",
    None,
    True,
    0.01,
    0.99,
]  # 0.01, 0.99 of 10
COLUMNS = [
    None,
    "x",
    [0.5, 0.1],
    torch.zeros(0),
    torch.zeros(10, 2),
    torch.zeros(10, 1, 1),
]
TENSORS2D = [None, "x", torch.zeros(6), torch.zeros(0, 1)]
PAIRS = [None, "xy", (torch.zeros(6, 1),), (torch.zeros(6, 1), torch.zeros(5, 1))]

CALLS = [
    Call(
        vs.validation_count,
        {
            "n": [-1, 2.5, "10", None, True],
            "val_fraction": FRACTIONS,
            "unit": [None, 3],
        },
        n=10,
        val_fraction=0.2,
    ),
    Call(
        vs.split_indices,
        {
            "n": [1, 0, -1, 2.5, 10.0, "10", None, True],
            "val_fraction": FRACTIONS,
            "seed": "seed",
        },
        n=10,
    ),
    Call(
        vs.make_data,
        {
            "n": "count1",
            "noise": [-1.0, NAN, INF, "0.4", None, True],
            "seed": "seed",
            "dtype": [torch.int64, torch.bool, "float32", None],
        },
        n=10,
    ),
    Call(
        vs.features,
        {"x": [*COLUMNS, torch.arange(10)], "degree": "count"},
        x=lambda: torch.linspace(-1, 1, 10),
        degree=3,
    ),
    Call(
        vs.fit_polynomial,
        {
            "x": [*COLUMNS, torch.zeros(9, 1)],
            "y": [None, torch.zeros(9, 1), torch.zeros(10)],
            "degree": "count",
        },
        x=lambda: points()[0],
        y=lambda: points()[1],
        degree=3,
    ),
    Call(
        vs.predict,
        {"coef": [None, torch.zeros(0), torch.zeros(4, 2)], "x": COLUMNS},
        coef=lambda: torch.ones(4),
        x=lambda: points()[0],
    ),
    Call(vs.make_model, {"width": "count1", "seed": "seed"}, width=4),
    Call(vs.check_column, {"value": COLUMNS}, name="value", value=lambda: points()[0]),
    Call(
        vs.check_points,
        {"x": COLUMNS, "y": [None, torch.zeros(9, 1), torch.zeros(10)]},
        x=lambda: points()[0],
        y=lambda: points()[1],
    ),
    Call(
        vs.check_xy,
        {"x": TENSORS2D, "y": [*TENSORS2D, torch.zeros(5, 1)]},
        x_name="x",
        x=lambda: points(6)[0],
        y_name="y",
        y=lambda: points(6)[1],
    ),
    Call(
        vs.check_model,
        {"model": [None, "model", torch.zeros(3), vs.make_model]},
        model=lambda: TINY,
    ),
    Call(vs.snapshot, {"model": [None, {}, "model"]}, model=lambda: TINY),
    Call(
        vs.evaluate,
        {
            "model": [None, "model"],
            "x": TENSORS2D,
            "y": [*TENSORS2D, torch.zeros(5, 1), torch.zeros(6, 2)],
        },
        model=lambda: TINY,
        x=lambda: points(6)[0],
        y=lambda: points(6)[1],
    ),
    *[
        Call(
            fn,
            {
                "model": [None, "model"],
                "opt": [None, "sgd", TINY],
                "train": PAIRS,
                "val": [*PAIRS, (torch.zeros(6, 2), torch.zeros(6, 1))],
                "epochs": "count1",
                "patience": [0, -1, 2.5, "5", True],
                "callback": ["print", 3],
            },
            model=lambda: TINY,
            opt=lambda: torch.optim.SGD(TINY.parameters(), lr=0.01),
            train=lambda: points(6),
            val=lambda: points(6),
            epochs=3,
            patience=None,
            callback=None,
        )
        for fn in (vs.check_training, vs.train_with_early_stopping)
    ],
    Call(
        vs.l2_penalty,
        {
            "model": [None, "model"],
            "weight_decay": [-0.1, NAN, INF, "0.1", None, True],
        },
        model=lambda: TINY,
        weight_decay=0.01,
    ),
    Call(
        vs.split_at,
        {"n": [1, 0, 2.5, "10", None], "val_fraction": FRACTIONS},
        n=10,
    ),
    Call(
        vs.split_by_group,
        {
            "groups": [
                None,
                [0, 0, 1, 1],
                torch.zeros(0, dtype=torch.int64),
                torch.zeros(5, 2, dtype=torch.int64),
                torch.tensor([3, 3, 3]),
            ],
            "val_fraction": FRACTIONS,
            "seed": "seed",
        },
        groups=lambda: torch.arange(10).repeat_interleave(2),  # 10 groups
    ),
    Call(
        vs.nearest_neighbour,
        {
            "x_train": [None, torch.zeros(5), torch.zeros(0, 2), torch.zeros(4, 2)],
            "y_train": [None, torch.zeros(4, 1), torch.zeros(5)],
            "x": [None, torch.zeros(3), torch.zeros(3, 3)],
        },
        x_train=lambda: torch.rand(5, 2),
        y_train=lambda: torch.rand(5, 1),
        x=lambda: torch.rand(3, 2),
    ),
    Call(
        vs.kfold_indices,
        {
            "n": [1, 0, -1, 2.5, "15", None],
            "k": [1, 0, 16, 2.5, "5", None, True],
            "seed": "seed",
        },
        n=15,
    ),
    Call(
        vs.cross_validation_loss,
        {
            "x": COLUMNS,
            "y": [None, torch.zeros(9, 1), torch.zeros(10)],
            "degree": "count",
            "k": [1, 11, 2.5, None],
            "seed": "seed",
        },
        x=lambda: points()[0],
        y=lambda: points()[1],
        degree=2,
    ),
]


(
    test_every_public_lesson_function_is_in_the_table_of_bad_inputs,
    test_each_call_of_the_table_is_valid,
    test_a_bad_argument_is_refused_with_a_message_that_names_it,
) = table_of_bad_inputs(vs, CALLS)


# The wrong calls the lesson used to accept, each fitting, splitting or training on nonsense
# without a word (they ran before the checks; each now raises, naming what is wrong)
ONCE_ACCEPTED = {
    "cross-validation with one target fewer than inputs": lambda: (
        vs.cross_validation_loss(points()[0], points()[1][:-1], 2)
    ),
    "nearest neighbour with more targets than training inputs": lambda: (
        vs.nearest_neighbour(torch.rand(4, 2), torch.rand(5, 1), torch.rand(3, 2))
    ),
    "features of two inputs per example, flattened into one": lambda: vs.features(
        torch.rand(10, 2), 3
    ),
    "a polynomial fit to inputs of shape (n, 1, 1)": lambda: vs.fit_polynomial(
        torch.rand(10, 1, 1), torch.rand(10, 1, 1), 3
    ),
    "a negative weight decay": lambda: vs.l2_penalty(TINY, -0.01),
    "a weight decay of nan": lambda: vs.l2_penalty(TINY, NAN),
    "infinite noise": lambda: vs.make_data(10, noise=INF),
    "a degree of True": lambda: vs.features(torch.rand(10), True),
    "a patience of True": lambda: vs.train_with_early_stopping(
        TINY, torch.optim.SGD(TINY.parameters(), lr=0.01), points(6), points(6), 3, True
    ),
    "a seed of -1": lambda: vs.split_indices(10, 0.2, seed=-1),
}


@pytest.mark.parametrize("call", ONCE_ACCEPTED.values(), ids=ONCE_ACCEPTED)
def test_a_wrong_call_the_lesson_once_accepted_is_refused(call):
    with pytest.raises((ValueError, TypeError)):
        call()


# ---------------------------------------------------------------------------------------------
# The whole program


def test_the_whole_program_runs_in_a_fresh_file_and_stops_patience_epochs_after_its_best(
    tmp_path,
):
    out = run_program("validation-set.md", "validation_set.py", tmp_path)
    words = out[-1].replace(";", "").replace(",", "").split()
    stop, best, kept = int(words[3]), int(words[6]), float(words[-1])
    assert (
        stop == best + 50 < 300
    )  # patience 50: it stopped early, 50 epochs after its best
    assert [int(line.split()[1]) for line in out[:-1]] == list(range(0, stop + 1, 25))
    assert all(
        float(line.split()[-1]) >= kept for line in out[:-1]
    )  # none beats the kept


# ---------------------------------------------------------------------------------------------
# The drawing


def test_the_page_data_is_drawn_with_the_seeds_the_page_prints():
    train, val = draw.page_data()
    for got, want in zip(train, vs.make_data(draw.N_TRAIN, seed=draw.SEED)):
        assert torch.equal(got, want)
    for got, want in zip(val, vs.make_data(draw.N_VAL, seed=draw.SEED + 1)):
        assert torch.equal(got, want)
    sentence = draw.sets_sentence()
    assert f"seed {draw.SEED}." in sentence and f"seed {draw.SEED + 1}:" in sentence
    assert f"deviation {defaults(vs.make_data)['noise']:g}," in draw.noise_sentence()


def test_the_runs_settings_are_the_ones_its_sentence_prints(run):
    sentence = draw.training_sentence()
    assert f"lr={draw.LR}, momentum={draw.MOMENTUM}" in sentence
    assert f"for {draw.EPOCHS} epochs" in sentence
    assert len(run["history"]["val"]) == draw.EPOCHS + 1
    assert run["model"][0].out_features == draw.WIDTH


def test_the_weight_decay_table_has_a_row_per_strength_with_the_runs_numbers(
    run, decayed
):
    rows = draw.weight_decay_table({0: run, 0.01: decayed}).splitlines()[2:]
    assert [r.split("|")[1].strip() for r in rows] == ["0", "0.01"]
    best = run["best_epoch"]
    assert rows[0].split("|")[3].strip() == f"{run['history']['val'][-1]:.3f}"
    assert (
        rows[0].split("|")[4].strip() == f"{run['history']['val'][best]:.3f} ({best})"
    )


def test_the_peaks_and_gaps_the_alt_texts_quote_are_the_runs(run):
    peak_x, peak_best, peak_last = draw.peaks(run)
    last = run["curves"][draw.EPOCHS]
    assert_close(peak_last, last.max())
    assert_close(peak_best, run["best_curve"].max())
    assert_close(peak_x, torch.linspace(-1, 1, 201)[last.argmax()], atol=1e-6)
    left, right = draw.widest_gap(run["train"][0])
    assert left < peak_x < right


def test_the_table_of_refusals_shows_each_wrong_calls_error():
    rows = draw.error_table(vs).splitlines()[2:]
    assert len(rows) == 10
    assert all("Error: " in row for row in rows)


def test_the_figures_draw_their_lines_in_both_themes(data, run, demo):
    train, val = data
    (x, y), (x_val, y_val) = data
    fit_loss, val_loss = draw.degree_sweep(x, y, x_val, y_val, DEGREES)
    for theme in render.THEMES:
        polys = draw.plot_polynomials(train, val, [1, 3, 10], theme=theme)
        assert len(polys.axes) == 3
        assert all(len(ax.get_lines()) == 2 for ax in polys.axes)
        degrees = draw.plot_degree_sweep(DEGREES, fit_loss, val_loss, theme=theme)
        # training, validation, the marks off the chart, the best degree
        assert len(degrees.axes[0].get_lines()) == 4
        history = draw.plot_history(run["history"], run["best_epoch"], theme=theme)
        # training, validation, the best epoch's line and dot
        assert len(history.axes[0].get_lines()) == 4
        groups = draw.plot_group_splits(demo, theme=theme)
        assert [len(ax.collections) for ax in groups.axes] == [2, 2]
        assert all(isinstance(f, Figure) for f in (polys, degrees, history, groups))


@pytest.mark.parametrize("theme", render.THEMES)
def test_the_figures_give_each_colour_its_books_meaning_and_the_sine_is_not_hidden(
    data, theme
):
    # render.ROLES: the fit is "path", the training points "data", the noiseless sine "answer"; the
    # sine is drawn above the hollow validation points
    role = render.PALETTES[theme]["role"]
    train, val = data
    ax = draw.plot_polynomials(train, val, [1, 3], theme=theme).axes[1]
    sine, fit = ax.get_lines()
    assert to_hex(sine.get_color()) == role["answer"] and sine.get_linestyle() == ":"
    assert to_hex(fit.get_color()) == role["path"]
    hollow, filled = ax.collections
    assert to_hex(filled.get_facecolor()[0]) == role["data"]
    assert (
        hollow.get_zorder() < sine.get_zorder() < fit.get_zorder() < filled.get_zorder()
    )


def test_the_drift_animation_lists_the_best_epoch_only_once_it_is_drawn(run):
    before, after = 60, min(e for e in draw.DRIFT_FRAMES if e >= run["best_epoch"])
    assert before < run["best_epoch"] <= after < draw.EPOCHS
    epochs = (0, before, after, draw.EPOCHS)
    few = {**run, "curves": {e: run["curves"][e] for e in epochs}}
    frames = draw.animate_drift(few, theme="light")
    strip = int(0.12 * len(frames[0]))  # the legend's strip under the panels
    legend = [f[-strip:] for f in frames]
    assert np.array_equal(legend[0], legend[1])  # no best epoch yet
    assert not np.array_equal(legend[1], legend[2])  # its entry appears with its curve
    assert np.array_equal(legend[2], legend[3])


@pytest.mark.parametrize("theme", render.THEMES)
def test_saved_figures_use_their_themes_colours(run, theme):
    palette = render.PALETTES[theme]
    fig = draw.plot_history(run["history"], run["best_epoch"], theme=theme)
    svg = render.figure_bytes(fig).decode()
    assert all(c in svg for c in (palette["bg"], *palette["cycle"][:2]))
    assert "#1f77b4" not in svg and "#ff7f0e" not in svg  # matplotlib's defaults


def test_the_animation_has_a_frame_per_kept_epoch_within_the_gif_budgets_and_a_dark_variant(
    run,
):
    assert draw.drift_frames(run) == [0, *draw.DRIFT_FRAMES]
    assert draw.DRIFT_FRAMES[-1] == draw.EPOCHS
    few = {**run, "curves": {e: run["curves"][e] for e in (0, 90, draw.EPOCHS)}}
    frames = draw.animate_drift(few, theme="light")
    assert len(frames) == 3
    height, width = frames[0].shape[:2]
    assert width <= render.MAX_GIF_SIZE[0] and height <= render.MAX_GIF_SIZE[1]
    gif = render.gif_bytes(frames, fps=4, hold=3)
    assert len(gif) < 300_000 * len(frames) / len(run["curves"])  # all: under 300 KB
    image = Image.open(io.BytesIO(gif))
    first = np.asarray(image.convert("RGB"))
    image.seek(image.n_frames - 1)
    assert not np.array_equal(first, np.asarray(image.convert("RGB")))
    short = {**run, "curves": {e: run["curves"][e] for e in (0, draw.EPOCHS)}}
    assert frames[0].mean() > draw.animate_drift(short, theme="dark")[0].mean() + 100


def test_alt_texts_state_the_runs_numbers(data, run, demo):
    (x, y), (x_val, y_val) = data
    fit_loss, val_loss = draw.degree_sweep(x, y, x_val, y_val, DEGREES)
    best = draw.best_degree(DEGREES, val_loss)
    assert f"{val_loss[best]:.3f} at degree {best}" in draw.degrees_alt(
        DEGREES, fit_loss, val_loss
    )
    best_epoch, best_val = run["best_epoch"], run["history"]["val"][run["best_epoch"]]
    assert f"{best_val:.3f} at epoch {best_epoch}" in draw.history_alt(run)
    assert f"{len(run['curves'])} frames" in draw.drift_alt(run)
    held = draw.held_out_sources(demo)
    assert f"{demo['losses']['random']:.3f}" in draw.groups_alt(demo)
    assert f"{held} whole clusters" in draw.groups_alt(demo)
    assert f"validation loss {val_loss[10]:.3f}" in draw.polynomials_alt(
        data[0], data[1], [1, 3, 10]
    )
