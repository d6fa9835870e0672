"""The claims of docs/validation-set.md, checked with the functions the page runs."""

import inspect
import io
import itertools
import math

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure
from PIL import Image

from conftest import assert_close, run_program
from snippets import render
from snippets import validation_set as vs
from snippets.fit_line import mse

F64 = torch.float64
DEGREES = list(range(15))  # the page's sweep: 0 to 14 for 15 training points


@pytest.fixture(scope="module")
def data():
    """The page's 15 training and 100 validation points (seeds 4 and 5)."""
    return vs.page_data()


@pytest.fixture(scope="module")
def sweep(data):
    (x, y), (x_val, y_val) = data
    return vs.degree_sweep(x, y, x_val, y_val, DEGREES)


@pytest.fixture(scope="module")
def run():
    """The page's training: seed 4, SGD lr 0.03, momentum 0.9, 300 epochs, the animation's curves."""
    return vs.overfit_run(frames=vs.DRIFT_FRAMES)


@pytest.fixture(scope="module")
def decayed():
    """The same training with weight decay 0.01."""
    return vs.overfit_run(weight_decay=0.01)


@pytest.fixture(scope="module")
def other_seed():
    """Another draw where the network overfits within 300 epochs: without and with weight decay."""
    return 5, vs.overfit_run(seed=5), vs.overfit_run(seed=5, weight_decay=0.01)


@pytest.fixture(scope="module")
def demo():
    return vs.group_demo()


# ---------------------------------------------------------------------------------------------
# The data and the polynomials


def test_the_settings_are_the_ones_the_page_describes():
    # the prose: noise 0.4; 64 tanh units twice; SGD lr 0.03, momentum 0.9, 300 epochs; 20 sources
    # of 5 examples with a fifth held out, so four sources; the new sources 500; the GIF 21 frames
    assert inspect.signature(vs.make_data).parameters["noise"].default == 0.4
    assert (vs.LR, vs.MOMENTUM, vs.EPOCHS, vs.WIDTH) == (0.03, 0.9, 300, 64)
    defaults = {
        k: v.default for k, v in inspect.signature(vs.group_demo).parameters.items()
    }
    assert defaults == {
        "sources": 20,
        "per_source": 5,
        "val_fraction": 0.2,
        "seed": 0,
        "new_sources": 500,
    }
    assert len(vs.DRIFT_FRAMES) + 1 == 21 and vs.DRIFT_FRAMES[-1] == vs.EPOCHS


def test_the_page_trains_on_15_points_and_validates_on_100_others_drawn_with_seeds_4_and_5(
    data,
):
    (x, y), (x_val, y_val) = data
    assert vs.SEED == 4 and (vs.N_TRAIN, vs.N_VAL) == (15, 100)
    assert x.shape == y.shape == (15, 1) and x_val.shape == y_val.shape == (100, 1)
    assert torch.equal(x, vs.make_data(15, seed=4)[0]) and torch.equal(
        x_val, vs.make_data(100, seed=5)[0]
    )
    assert x.min() >= -1 and x.max() <= 1
    assert not set(x.flatten().tolist()) & set(x_val.flatten().tolist())


def test_the_data_is_a_sine_plus_gaussian_noise_of_standard_deviation_0_4():
    x, y = vs.make_data(20_000, seed=0, dtype=F64)
    noise = y - torch.sin(math.pi * x)
    assert abs(noise.mean()) < 0.01 and abs(noise.std() - 0.4) < 0.01
    x0, y0 = vs.make_data(50, noise=0.0, seed=3, dtype=F64)
    assert_close(y0, torch.sin(math.pi * x0), 1e-15)


def test_the_same_seed_gives_the_same_points_and_another_seed_does_not():
    assert all(
        torch.equal(a, b) for a, b in zip(vs.make_data(seed=7), vs.make_data(seed=7))
    )
    assert not torch.equal(vs.make_data(seed=7)[0], vs.make_data(seed=8)[0])


def test_chebyshev_features_match_numpys_chebvander_and_cos_k_theta():
    x = torch.linspace(-1, 1, 41, dtype=F64)
    assert_close(
        vs.features(x, 14),
        torch.from_numpy(np.polynomial.chebyshev.chebvander(x.numpy(), 14)),
        1e-12,
    )
    theta = torch.linspace(0, math.pi, 41, dtype=F64)
    assert_close(
        vs.features(torch.cos(theta), 6),
        torch.cos(torch.arange(7) * theta[:, None]),
        1e-12,
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
    assert_close(vs.predict(coef, grid).flatten(), by_powers, 1e-9)


def test_powers_are_far_worse_conditioned_than_chebyshev_polynomials(data):
    (x, _), _ = data
    x = x.double()
    powers = torch.linalg.cond(x ** torch.arange(15)).item()
    chebyshev = torch.linalg.cond(vs.features(x, 14)).item()
    assert powers > 1000 * chebyshev
    u = torch.linspace(-1, 1, 2001, dtype=F64)
    assert (u**12 - u**14).abs().max() < 0.06  # x^12 and x^14: almost the same curve


def test_the_fit_is_the_same_to_the_last_bit_every_time(data):
    (x, y), _ = data
    assert torch.equal(vs.fit_polynomial(x, y, 14), vs.fit_polynomial(x, y, 14))


def test_the_fit_is_the_least_squares_solution_of_the_normal_equations(data):
    (x, y), _ = data
    f = vs.features(x, 5)
    assert_close(
        vs.fit_polynomial(x, y, 5), torch.linalg.solve(f.T @ f, f.T @ y.double()), 1e-10
    )


def test_degree_1_underfits_degree_3_fits_and_degree_10_overfits(sweep):
    train, val = sweep
    assert (
        abs(val[1] - train[1]) < 0.1 * train[1]
    )  # misses training and validation points alike
    assert (
        train[10] < train[3] < train[1]
    )  # judged by training loss, 10 is best of the three
    assert val[10] > val[1] > val[3]  # judged by validation loss, 10 is the worst
    assert val[10] > 4 * val[3]


def test_a_model_that_predicts_the_sine_exactly_scores_the_noise_0_16_and_degree_3_comes_close(
    sweep,
):
    x, y = vs.make_data(20_000, seed=11, dtype=F64)
    assert abs(mse(torch.sin(math.pi * x), y).item() - 0.16) < 0.005
    assert 0.16 < sweep[1][3] < 1.25 * 0.16


@pytest.mark.parametrize("seed", [4, 0, 1, 2, 3])
def test_training_loss_never_rises_with_degree_and_validation_is_lowest_at_a_moderate_degree(
    seed,
):
    (x, y), (x_val, y_val) = vs.page_data(seed)
    train, val = vs.degree_sweep(x, y, x_val, y_val, DEGREES)
    assert all(b <= a + 1e-12 for a, b in itertools.pairwise(train))
    assert (
        2 <= vs.best_degree(DEGREES, val) <= 6
    )  # strictly inside the sweep, far from both ends
    assert val[-1] > 100 * min(val)


def test_the_page_picks_degree_3(sweep):
    assert vs.best_degree(DEGREES, sweep[1]) == 3


def test_at_degree_14_the_polynomial_passes_through_all_15_points(data, sweep):
    (x, y), _ = data
    coef = vs.fit_polynomial(x, y, 14)
    assert_close(vs.predict(coef, x), y.double(), 1e-9)
    assert sweep[0][14] < 1e-20 and sweep[1][14] > 1e6


def test_underfitting_losses_are_high_and_close_and_overfitting_opens_a_gap(sweep):
    train, val = sweep
    for d in (0, 1, 2):
        assert train[d] > 0.4 and val[d] - train[d] < 0.15
    gap = [v - t for t, v in zip(train, val)]
    assert min(gap[10:]) > max(gap[:7])


# ---------------------------------------------------------------------------------------------
# The network, early stopping and patience


def test_the_network_is_1_64_64_1_with_tanh_and_4353_parameters():
    model = vs.make_model(64)
    kinds = [type(m).__name__ for m in model]
    assert kinds == ["Linear", "Tanh", "Linear", "Tanh", "Linear"]
    assert (
        sum(p.numel() for p in model.parameters())
        == 4353
        == 1 * 64 + 64 + 64 * 64 + 64 + 64 + 1
    )


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


def test_history_has_epoch_0_and_one_entry_per_epoch_and_the_best_is_the_lowest(run):
    history, best = run["history"], run["best_epoch"]
    assert len(history["train"]) == len(history["val"]) == vs.EPOCHS + 1
    assert best == min(range(len(history["val"])), key=history["val"].__getitem__)


def test_the_model_ends_with_the_weights_of_the_best_epoch(run):
    history, best, model = run["history"], run["best_epoch"], run["model"]
    assert vs.evaluate(model, *run["val"]) == history["val"][best]
    assert vs.evaluate(model, *run["train"]) == history["train"][best]


def test_the_validation_set_never_changes_the_training():
    """Train twice, with two different validation sets: the training losses are identical."""
    train, val = vs.page_data()
    noise = (
        val[0],
        torch.randn(val[1].shape, generator=torch.Generator().manual_seed(9)),
    )
    histories = []
    for v in (val, noise):
        model = vs.make_model(seed=0)
        opt = torch.optim.SGD(model.parameters(), lr=vs.LR, momentum=vs.MOMENTUM)
        histories.append(
            vs.train_with_early_stopping(model, opt, train, v, epochs=30)[0]
        )
    assert histories[0]["train"] == histories[1]["train"]
    assert histories[0]["val"] != histories[1]["val"]


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
    assert 0 < best < vs.EPOCHS
    assert val[best] < val[0] and train[best] < train[0]  # both fall together at first
    assert val[-1] > 2 * val[best]  # ... then validation climbs
    assert all(
        b <= a for a, b in itertools.pairwise(train[best:])
    )  # training falls at every epoch
    assert (best, round(val[best], 3), round(val[-1], 3)) == (
        89,
        0.170,
        0.448,
    )  # the page's numbers


def test_other_draws_overfit_too_and_weight_decay_lowers_their_final_validation_loss(
    other_seed,
):
    _, plain, decayed = other_seed
    best, best_val, last, last_val = vs.best_and_last(plain)
    assert best < last and best_val < last_val
    assert plain["history"]["train"][-1] < plain["history"]["train"][best]
    assert decayed["history"]["val"][-1] < last_val


def test_in_some_draws_the_network_has_not_started_to_overfit_by_epoch_300():
    run = vs.overfit_run(seed=2)
    assert (
        run["best_epoch"] == vs.EPOCHS
    )  # early stopping keeps the last epoch: it costs nothing


def test_by_the_end_the_network_fits_the_training_points_better_than_the_sine(run):
    (x, y), _ = run["train"], run["val"]
    sine = mse(torch.sin(math.pi * x), y).item()
    assert (
        run["history"]["train"][-1] < sine < run["history"]["train"][run["best_epoch"]]
    )


def test_the_curve_starts_flat_follows_the_sine_at_the_best_epoch_and_strays_in_the_widest_gap(
    run,
):
    grid = vs.curve_grid()[:, 0].float()
    sine = torch.sin(math.pi * grid)
    first, best, last = run["curves"][0], run["best_curve"], run["curves"][vs.EPOCHS]
    assert first.max() - first.min() < 0.5
    assert (best - sine).abs().max() < 0.5 and (last - sine).abs().max() > 1.0
    left, right = vs.widest_gap(run["train"][0])
    peak_x, peak_best, peak_last = vs.peaks(run)
    assert left < grid[(last - sine).abs().argmax()] < right and left < peak_x < right
    assert peak_best < 1 and peak_last > 2


def test_patience_50_stops_50_epochs_after_the_best_with_the_same_weights(run):
    early = vs.overfit_run(patience=50)
    best, _, stop, _ = vs.best_and_last(early)
    assert best == run["best_epoch"] and stop == best + 50
    assert all(
        torch.equal(p, q)
        for p, q in zip(early["model"].parameters(), run["model"].parameters())
    )


def test_patience_5_stops_at_a_bump_of_the_early_epochs_with_a_worse_network(run):
    early = vs.overfit_run(patience=5)
    best, best_val, stop, _ = vs.best_and_last(early)
    assert stop == best + 5 < run["best_epoch"]
    assert best_val > 2 * run["history"]["val"][run["best_epoch"]]
    val = run["history"]["val"]
    assert any(
        b > a for a, b in itertools.pairwise(val[:21])
    )  # the early epochs bounce


def test_divergence_is_a_result_and_early_stopping_returns_the_weights_from_before():
    train, val = vs.page_data()
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
    train, _ = vs.page_data(dtype=F64)
    model = vs.make_model(seed=0).double()
    opt = make_opt(model.parameters())
    path = []
    for _ in range(steps):
        loss = mse(model(train[0]), train[1]) + vs.l2_penalty(
            model, weight_decay_in_loss
        )
        opt.zero_grad()
        loss.backward()
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
    assert_close(in_opt, in_loss, 1e-12)


def test_adam_weight_decay_is_the_penalty_too_but_adamw_decays_differently():
    in_loss = train_steps(lambda p: torch.optim.Adam(p, lr=0.01), 0.01, steps=10)
    assert_close(
        train_steps(
            lambda p: torch.optim.Adam(p, lr=0.01, weight_decay=0.01), 0.0, steps=10
        ),
        in_loss,
        1e-10,
    )
    decoupled = train_steps(
        lambda p: torch.optim.AdamW(p, lr=0.01, weight_decay=0.01), 0.0, steps=10
    )
    assert (decoupled - in_loss).abs().max() > 1e-6


def test_adamw_shrinks_the_weights_by_1_minus_lr_lambda_outside_adams_rescaling():
    train, _ = vs.page_data(dtype=F64)
    steps = {}
    for name, make in [
        ("adam", lambda p: torch.optim.Adam(p, lr=0.01)),
        ("adamw", lambda p: torch.optim.AdamW(p, lr=0.01, weight_decay=0.5)),
    ]:
        model = vs.make_model(seed=0).double()
        mse(model(train[0]), train[1]).backward()
        make(model.parameters()).step()
        steps[name] = [p.detach() for p in model.parameters()]
    for w, adam, adamw in zip(
        vs.make_model(seed=0).double().parameters(), steps["adam"], steps["adamw"]
    ):
        assert_close(adamw, (1 - 0.01 * 0.5) * w.detach() + (adam - w.detach()), 1e-15)


def test_a_step_with_weight_decay_shrinks_every_weight_by_1_minus_lr_lambda_first():
    train, _ = vs.page_data(dtype=F64)
    model = vs.make_model(seed=0).double()
    before = [p.detach().clone() for p in model.parameters()]
    mse(model(train[0]), train[1]).backward()
    grads = [p.grad.clone() for p in model.parameters()]
    torch.optim.SGD(model.parameters(), lr=0.03, weight_decay=0.01).step()
    for p, w, g in zip(model.parameters(), before, grads):  # biases included
        assert_close(p.detach(), (1 - 0.03 * 0.01) * w - 0.03 * g, 1e-15)


def test_l2_penalty_is_half_lambda_times_the_squares_of_every_parameter_biases_included():
    model = vs.make_model(seed=0).double()
    by_hand = sum((p.detach() ** 2).sum().item() for _, p in model.named_parameters())
    assert vs.l2_penalty(model, 0.2).item() == pytest.approx(0.1 * by_hand, rel=1e-12)


def test_weight_decay_lowers_the_final_validation_loss_and_keeps_the_weights_small(
    run, decayed
):
    assert decayed["history"]["val"][-1] < run["history"]["val"][-1]
    assert decayed["history"]["val"][-1] < run["history"]["val"][run["best_epoch"]]
    assert decayed["best_epoch"] == vs.EPOCHS  # no longer overfits within 300 epochs

    def size(state):
        return sum((t**2).sum().item() for t in state.values())

    assert (
        size(decayed["last_state"]) < size(run["last_state"]) / 2
    )  # large weights paid for
    peak_plain, peak_decayed = (
        run["curves"][vs.EPOCHS].max(),
        decayed["curves"][vs.EPOCHS].max(),
    )
    assert peak_decayed < 1.5 < peak_plain


def test_too_much_weight_decay_underfits(run, decayed):
    heavy = vs.overfit_run(weight_decay=0.1)
    assert heavy["history"]["train"][-1] > max(
        run["history"]["train"][-1], decayed["history"]["train"][-1]
    )
    assert heavy["history"]["train"][-1] > 0.3
    assert heavy["history"]["val"][-1] > decayed["history"]["val"][-1]


def test_the_weight_decay_table_has_a_row_per_strength_with_the_runs_numbers(
    run, decayed
):
    rows = vs.weight_decay_table({0: run, 0.01: decayed}).splitlines()[2:]
    assert [r.split("|")[1].strip() for r in rows] == ["0", "0.01"]
    assert rows[0].split("|")[3].strip() == f"{run['history']['val'][-1]:.3f}"
    assert rows[0].split("|")[4].strip() == f"{run['history']['val'][89]:.3f} (89)"


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
    assert vs.split_indices(10, 0.2, seed=0)[1].tolist() == [4, 1]  # the page's example


def test_a_group_split_never_puts_one_group_on_both_sides(demo):
    groups = demo["groups"]
    train, val = vs.split_by_group(groups, 0.2, seed=0)
    assert sorted(train.tolist() + val.tolist()) == list(range(len(groups)))
    assert not set(groups[train].tolist()) & set(groups[val].tolist())
    assert len(set(groups[val].tolist())) == round(0.2 * 20)


def test_a_random_split_puts_siblings_on_both_sides_and_the_nearest_neighbour_finds_them(
    demo,
):
    x, groups = demo["x"], demo["groups"]
    train, val = demo["splits"]["random"]
    by_hand = sum(
        groups[train[((x[train] - x[i]) ** 2).sum(dim=1).argmin()]] == groups[i]
        for i in val
    )
    assert vs.sibling_share(demo, "random") == by_hand.item() / len(val) >= 0.8
    assert vs.sibling_share(demo, "group") == 0


def test_the_random_split_flatters_the_memoriser_and_the_group_split_does_not(demo):
    loss = demo["losses"]
    assert loss["random"] < loss["new"] / 10
    assert 0.5 < loss["group"] / loss["new"] < 2


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_on_other_draws_the_random_split_is_optimistic_too(seed):
    loss = vs.group_demo(seed=seed, new_sources=200)["losses"]
    assert loss["random"] < loss["new"] / 2 < loss["group"]


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
    assert_close(vs.nearest_neighbour(x_train, y_train, x), torch.stack(expected), 0)
    assert_close(
        vs.nearest_neighbour(x_train, y_train, x_train), y_train, 0
    )  # it memorises


def test_split_at_validates_on_the_last_examples_only():
    train, val = vs.split_at(10, 0.3)
    assert train.tolist() == list(range(7)) and val.tolist() == [7, 8, 9]


def test_for_a_time_series_a_random_split_is_optimistic_and_a_split_in_time_is_not():
    g = torch.Generator().manual_seed(0)
    t = torch.arange(250, dtype=F64)[:, None]
    y = torch.sin(t / 10) + t / 50 + 0.1 * torch.randn(250, 1, generator=g, dtype=F64)
    past, future = slice(0, 200), slice(200, 250)
    x, yy = t[past], y[past]
    on_future = mse(vs.nearest_neighbour(x, yy, t[future]), y[future]).item()
    at_random = vs.nearest_neighbour_loss(x, yy, *vs.split_indices(200, 0.2, seed=0))
    in_time = vs.nearest_neighbour_loss(x, yy, *vs.split_at(200, 0.2))
    assert at_random < on_future / 10 and in_time > on_future / 10


def test_the_best_of_many_choices_looks_better_on_validation_than_it_is():
    """Why a test set: pick the best of 50 guesses by validation loss; fresh data disagrees."""
    g = torch.Generator().manual_seed(0)
    y_val, y_test = (
        torch.randn(20, generator=g, dtype=F64),
        torch.randn(100_000, generator=g, dtype=F64),
    )
    guesses = torch.randn(
        50, generator=g, dtype=F64
    )  # 50 models, each predicting a constant
    val = ((guesses[:, None] - y_val) ** 2).mean(dim=1)
    best = guesses[val.argmin()]
    assert (
        val.min() < 1.0 < ((best - y_test) ** 2).mean()
    )  # no constant beats 1 on new data


def test_k_fold_splits_partition_the_data_and_cross_validation_picks_degree_3(data):
    folds = vs.kfold_indices(15, k=5, seed=0)
    assert len(folds) == 5
    assert sorted(torch.cat([v for _, v in folds]).tolist()) == list(range(15))
    for train, val in folds:
        assert (
            sorted(train.tolist() + val.tolist()) == list(range(15)) and len(val) == 3
        )
    (x, y), _ = data
    cv = {d: vs.cross_validation_loss(x, y, d, k=5) for d in range(9)}
    assert min(cv, key=cv.get) == 3


# ---------------------------------------------------------------------------------------------
# Bad input


@pytest.mark.parametrize(
    "call, message",
    [
        (
            lambda: vs.split_indices(10, val_fraction=0),
            r"val_fraction must be between 0 and 1 \(exclusive\), got 0",
        ),
        (
            lambda: vs.split_indices(10, val_fraction=1),
            r"between 0 and 1 \(exclusive\), got 1",
        ),
        (lambda: vs.split_indices(10, val_fraction=-0.2), r"got -0.2"),
        (lambda: vs.split_indices(10, val_fraction=float("nan")), r"got nan"),
        (
            lambda: vs.split_indices(10, val_fraction=0.01),
            "leaves 0 for validation and 10 for training",
        ),
        (
            lambda: vs.split_indices(10, val_fraction=0.99),
            "leaves 10 for validation and 0 for training",
        ),
        (lambda: vs.split_indices(1), "n must be an integer of at least 2, got 1"),
        (
            lambda: vs.split_indices(10.0),
            "n must be an integer of at least 2, got 10.0",
        ),
        (lambda: vs.split_at(10, 0.01), "of 10 examples leaves 0 for validation"),
        (lambda: vs.split_at(10, 1.5), r"between 0 and 1 \(exclusive\), got 1.5"),
        (
            lambda: vs.split_by_group(torch.tensor([0, 0, 1, 1]), 0.2),
            "of 2 groups leaves 0 for validation",
        ),
        (lambda: vs.split_by_group(torch.tensor([3, 3, 3]), 0.5), "of 1 groups leaves"),
        (
            lambda: vs.kfold_indices(10, k=1),
            r"k must be an integer from 2 to n \(10\), got 1",
        ),
        (lambda: vs.kfold_indices(10, k=11), "got 11"),
        (lambda: vs.make_data(n=0), "n must be a positive integer, got 0"),
        (lambda: vs.make_data(noise=-1.0), "noise must be >= 0, got -1.0"),
        (
            lambda: vs.features(torch.zeros(3), -1),
            "degree must be an integer >= 0, got -1",
        ),
        (lambda: vs.make_model(width=0), "width must be a positive integer, got 0"),
        (
            lambda: vs.make_grouped_data(sources=0),
            "sources must be a positive integer, got 0",
        ),
    ],
)
def test_bad_arguments_raise_a_clear_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize(
    "train, val, epochs, patience, message",
    [
        (
            (torch.zeros(5, 1), torch.zeros(4, 1)),
            None,
            10,
            None,
            r"train must be \(x, y\) .* got \(5, 1\) and \(4, 1\)",
        ),
        (
            (torch.zeros(5), torch.zeros(5)),
            None,
            10,
            None,
            r"train must be \(x, y\) with x and y of shape",
        ),
        (
            None,
            (torch.zeros(0, 1), torch.zeros(0, 1)),
            10,
            None,
            r"val must be \(x, y\)",
        ),
        (None, None, 0, None, "epochs must be a positive integer, got 0"),
        (None, None, 2.5, None, "epochs must be a positive integer, got 2.5"),
        (None, None, 10, 0, "patience must be None or a positive integer, got 0"),
        (None, None, 10, 1.5, "patience must be None or a positive integer, got 1.5"),
    ],
)
def test_bad_training_arguments_raise_a_clear_value_error(
    train, val, epochs, patience, message
):
    good = (torch.zeros(5, 1), torch.zeros(5, 1))
    model = vs.make_model(4)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match=message):
        vs.train_with_early_stopping(
            model, opt, train or good, val or good, epochs, patience
        )


# ---------------------------------------------------------------------------------------------
# Figures


def test_the_figures_draw_their_lines_in_both_themes(data, sweep, run, demo):
    train, val = data
    for theme in render.THEMES:
        polys = vs.plot_polynomials(train, val, [1, 3, 10], theme=theme)
        assert len(polys.axes) == 3 and all(
            len(ax.get_lines()) == 2 for ax in polys.axes
        )
        degrees = vs.plot_degree_sweep(DEGREES, *sweep, theme=theme)
        assert (
            len(degrees.axes[0].get_lines()) == 4
        )  # training, validation, off the chart, best
        history = vs.plot_history(run["history"], run["best_epoch"], theme=theme)
        assert (
            len(history.axes[0].get_lines()) == 4
        )  # training, validation, best epoch line and dot
        groups = vs.plot_group_splits(demo, theme=theme)
        assert [len(ax.collections) for ax in groups.axes] == [2, 2]
        assert all(isinstance(f, Figure) for f in (polys, degrees, history, groups))


@pytest.mark.parametrize("theme", render.THEMES)
def test_saved_figures_use_their_themes_colours(run, theme):
    palette = render.PALETTES[theme]
    svg = render.figure_bytes(
        vs.plot_history(run["history"], run["best_epoch"], theme=theme)
    ).decode()
    assert (
        palette["cycle"][0] in svg
        and palette["cycle"][1] in svg
        and palette["bg"] in svg
    )
    assert "#1f77b4" not in svg and "#ff7f0e" not in svg  # matplotlib's defaults


def test_the_animation_has_a_frame_per_kept_epoch_within_the_gif_budgets_and_a_dark_variant(
    run,
):
    assert sorted(run["curves"]) == [
        0,
        *vs.DRIFT_FRAMES,
    ]  # a frame for each, and the last epoch
    few = {
        **run,
        "curves": {e: run["curves"][e] for e in (0, 30, 90, 150, 300)},
    }  # cheaper to draw
    frames = vs.animate_drift(few, theme="light")
    assert len(frames) == 5
    height, width = frames[0].shape[:2]
    assert width <= render.MAX_GIF_SIZE[0] and height <= render.MAX_GIF_SIZE[1]
    data = render.gif_bytes(frames, fps=4, hold=3)
    assert len(data) < 300_000 * len(frames) / len(
        run["curves"]
    )  # the whole GIF: under 300 KB
    gif = Image.open(io.BytesIO(data))
    first = np.asarray(gif.convert("RGB"))
    gif.seek(gif.n_frames - 1)
    assert not np.array_equal(first, np.asarray(gif.convert("RGB")))
    short = {
        **run,
        "curves": {e: run["curves"][e] for e in (0, vs.EPOCHS)},
    }  # two frames suffice
    assert frames[0].mean() > vs.animate_drift(short, theme="dark")[0].mean() + 100


def test_alt_texts_state_the_runs_numbers(data, sweep, run, demo):
    assert "degree 3" in vs.degrees_alt(DEGREES, *sweep) and "0.186" in vs.degrees_alt(
        DEGREES, *sweep
    )
    assert "epoch 89" in vs.history_alt(run) and "0.448" in vs.history_alt(run)
    assert f"{len(run['curves'])} frames" in vs.drift_alt(run)
    assert "0.051" in vs.groups_alt(demo) and "4 whole clusters" in vs.groups_alt(demo)
    assert "0.822" in vs.polynomials_alt(*data, [1, 3, 10])


# ---------------------------------------------------------------------------------------------
# The whole program


def test_the_whole_program_on_the_page_runs_when_pasted_into_a_fresh_file(tmp_path):
    out = run_program("validation-set.md", "validation_set.py", tmp_path)
    words = out[-1].replace(";", "").replace(",", "").split()
    stop, best, kept = int(words[3]), int(words[6]), float(words[-1])
    assert (
        stop == best + 50 < 300
    )  # patience 50: it stopped early, fifty epochs after its best
    assert [int(line.split()[1]) for line in out[:-1]] == list(range(0, stop + 1, 25))
    assert all(
        float(line.split()[-1]) >= kept for line in out[:-1]
    )  # no printed epoch beats the kept one
