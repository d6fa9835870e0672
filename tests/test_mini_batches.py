"""The claims of docs/mini-batches.md, checked with the functions the page runs."""

import io
import itertools
import math
import queue

import numpy as np
import pytest
import torch
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from PIL import Image

from conftest import assert_close, run_program
from snippets import fit_line, render
from snippets import mini_batches as mb

F64 = torch.float64
START = torch.tensor([-1.0, 1.0], dtype=F64)
RACE = (1, 16, 256)  # the batch sizes of the page's first figure
SIZES = [2**k for k in range(8)]  # the batch sizes of the variance figure


@pytest.fixture(scope="module")
def data():
    return mb.make_data()


@pytest.fixture(scope="module")
def data64():
    x, y = mb.make_data()
    return x.double(), y.double()


@pytest.fixture(scope="module")
def race(data):
    """The page's first figure: the loss on all the data for B = 1, 16, 256, five epochs at lr 0.1."""
    x, y = data
    return {b: fit_line.losses(x, y, mb.train(x, y, b, lr=0.1, epochs=5)) for b in RACE}


@pytest.fixture(scope="module")
def floor(data):
    return fit_line.least_squares(*data)[1]


@pytest.fixture(scope="module")
def variances(data64):
    x, y = data64
    return mb.variances(x, y, START, SIZES, samples=4000)


@pytest.fixture(scope="module")
def bowl_paths():
    return mb.bowl_paths(p0=(-10.0, 1.0), lr=0.019, mu=0.9, steps=60)


@pytest.fixture(scope="module")
def data_parallel(data):
    """The page's run: two processes, batches of 32, lr 0.1, five epochs; and one process alone."""
    x, y = data
    ranks = mb.launch(x, y, batch_size=32, lr=0.1, epochs=5, seed=0, world_size=2)
    alone = mb.train(x, y, batch_size=32, lr=0.1, epochs=5, seed=0)[-1]
    return ranks, alone


# ---------------------------------------------------------------------------------------------
# Epochs, iterations, batch sizes


def test_the_data_is_the_line_of_fit_a_line_with_256_points():
    x, y = mb.make_data()
    x100, y100 = fit_line.make_data(n=256)
    assert len(y) == 256 and torch.equal(x, x100) and torch.equal(y, y100)
    assert all(
        256 % b == 0 for b in [*SIZES, 256]
    )  # every batch size cuts it into equal batches


@pytest.mark.parametrize("batch_size", [1, 16, 256])
def test_an_epoch_is_n_over_b_updates(data, batch_size):
    x, y = data
    path = mb.train(x, y, batch_size, lr=0.1, epochs=2)
    assert mb.updates_per_epoch(256, batch_size) == 256 // batch_size
    assert len(path) == 2 * 256 // batch_size + 1


@pytest.mark.parametrize("batch_size", [1, 3, 4, 8])
def test_every_epoch_uses_every_example_exactly_once_by_hand_and_with_the_loader(
    batch_size,
):
    index = torch.arange(8)
    g = torch.Generator().manual_seed(0)
    loader = mb.make_loader(index, index, batch_size, seed=0)
    for _ in range(3):
        for epoch in (mb.batches(8, batch_size, g), [b for b, _ in loader]):
            assert sorted(torch.cat(list(epoch)).tolist()) == list(range(8))
            assert [len(b) for b in epoch][:-1] == [batch_size] * (
                len(epoch) - 1
            )  # last may be smaller


def test_the_loader_stacks_examples_into_batches(data):
    x, y = data
    xb, yb = next(iter(mb.make_loader(x, y, 16)))
    assert xb.shape == (16, 2) and yb.shape == (16,)


def test_each_epoch_is_a_new_order():
    g = torch.Generator().manual_seed(0)
    index = torch.arange(8)
    loader = mb.make_loader(index, index, 4, seed=0)
    assert (
        torch.cat(mb.batches(8, 4, g)).tolist()
        != torch.cat(mb.batches(8, 4, g)).tolist()
    )
    assert (
        torch.cat([b for b, _ in loader]).tolist()
        != torch.cat([b for b, _ in loader]).tolist()
    )


def test_the_same_seed_gives_the_same_run_and_another_seed_does_not(data):
    assert mb.epoch_table(seed=0) == mb.epoch_table(seed=0)
    assert mb.epoch_table(seed=0) != mb.epoch_table(seed=1)
    x, y = data
    assert torch.equal(
        mb.train(x, y, 16, epochs=1, seed=3), mb.train(x, y, 16, epochs=1, seed=3)
    )
    assert torch.equal(
        mb.train_with_loader(x, y, 16, epochs=1, seed=3),
        mb.train_with_loader(x, y, 16, epochs=1, seed=3),
    )
    assert not torch.equal(
        mb.train(x, y, 16, epochs=1, seed=3), mb.train(x, y, 16, epochs=1, seed=4)
    )


def loader_orders(n, seed, epochs):
    """The DataLoader's order each epoch, rebuilt by hand from the same generator."""
    g = torch.Generator().manual_seed(seed)
    orders = []
    for _ in range(epochs):
        torch.empty((), dtype=torch.int64).random_(
            generator=g
        )  # a seed for its worker processes
        orders.append(torch.randperm(n, generator=g))  # the epoch's order
        torch.randperm(
            n, generator=g
        )  # RandomSampler's leftover draw, of which it keeps 0 items
    return orders


def test_the_loader_takes_a_number_from_the_generator_then_permutes_so_its_order_differs():
    index = torch.arange(8)
    loader = mb.make_loader(index, index, 4, seed=0)
    by_loader = [torch.cat([b for b, _ in loader]) for _ in range(2)]
    assert all(torch.equal(a, b) for a, b in zip(by_loader, loader_orders(8, 0, 2)))
    g = torch.Generator().manual_seed(0)
    assert not torch.equal(by_loader[0], torch.cat(mb.batches(8, 4, g)))


def test_train_with_loader_makes_the_by_hand_update_on_the_loaders_batches(data64):
    # the two tabs are the same algorithm: fed the DataLoader's batches, the hand loop takes the same steps
    x, y = data64
    by_loader = mb.train_with_loader(x, y, 16, lr=0.1, epochs=2, seed=5)
    a = START.clone()
    path = [a]
    for order in loader_orders(256, 5, 2):
        for idx in order.split(16):
            a = a - 0.1 * fit_line.gradient(x[idx], y[idx], a)
            path.append(a)
    assert_close(by_loader, torch.stack(path), atol=1e-12)


def test_one_batch_of_all_the_data_is_the_gradient_descent_of_fit_a_line(data64):
    x, y = data64
    fit = fit_line.fit(x, y, lr=0.1, steps=5)
    assert_close(mb.train(x, y, 256, lr=0.1, epochs=5), fit, atol=1e-12)
    assert_close(mb.train_with_loader(x, y, 256, lr=0.1, epochs=5), fit, atol=1e-12)


# ---------------------------------------------------------------------------------------------
# The race of the first figure


def test_after_one_epoch_the_smaller_batch_is_further_down(race):
    after_one_epoch = [race[b][256 // b].item() for b in RACE]
    assert after_one_epoch == sorted(after_one_epoch)


def test_sgd_is_within_10_percent_of_the_minimum_when_batch_descent_takes_its_first_step(
    race, floor
):
    assert race[1][256] < 1.1 * floor
    assert race[256][1] > 10 * floor


def test_over_the_first_five_updates_the_three_runs_stay_within_a_factor_of_two(race):
    for t in range(1, 6):
        losses = [race[b][t].item() for b in RACE]
        assert max(losses) / min(losses) < 2, (t, losses)


def test_b1_keeps_jumping_up_from_the_minimum_while_b16_stays_close(race, floor):
    last_b1, last_b16 = race[1][-256:], race[16][-16:]
    assert last_b1.max() > 1.5 * floor and last_b1.min() < 1.01 * floor
    assert last_b16.max() < 1.05 * floor
    assert race[16][16] > 5 * race[1][256]  # B = 16 gets there later


def test_race_table_holds_the_runs_numbers(data, race):
    x, y = data
    paths = {b: mb.train(x, y, b, lr=0.1, epochs=5) for b in (16, 256)}
    rows = mb.race_table(x, y, paths).splitlines()[2:]
    assert (
        rows[0].startswith("| 16 (mini-batch) | 16 | ")
        and f"| {race[16][-1]:.4f} |" in rows[0]
    )
    assert rows[1].startswith("| 256 (batch) | 1 | ") and "one update only" in rows[1]


# ---------------------------------------------------------------------------------------------
# Right on average, noisy by 1 / B


def test_per_example_gradients_are_what_autograd_gives_for_each_examples_squared_error(
    data64,
):
    x, y = data64
    rows = mb.example_gradients(x, y, START)
    for i in (0, 17, 255):
        a = START.clone().requires_grad_(True)
        ((x[i] @ a - y[i]) ** 2).backward()
        assert_close(rows[i], a.grad, atol=1e-12)
    assert_close(rows.mean(dim=0), fit_line.gradient(x, y, START), atol=1e-12)


@pytest.mark.parametrize("batch_size", [1, 4, 16, 64, 256])
def test_the_batch_gradients_of_an_epoch_average_to_the_full_gradient(
    data64, batch_size
):
    x, y = data64
    for a in (START, fit_line.least_squares(x, y)[0]):
        g = mb.batch_gradients(x, y, a, batch_size)
        assert len(g) == 256 // batch_size
        assert_close(g.mean(dim=0), fit_line.gradient(x, y, a), atol=1e-12)
        if (
            batch_size < 256
        ):  # each batch's gradient is off; only their average is right
            assert torch.all(g.amax(dim=0) - g.amin(dim=0) > 1e-3)


@pytest.mark.parametrize("batch_size", [1, 16])
def test_a_random_batch_gradient_is_an_unbiased_estimate(data64, batch_size):
    x, y = data64
    (g,) = mb.random_batch_gradients(x, y, START, [batch_size], samples=4000, seed=1)
    standard_error = g.std(dim=0) / math.sqrt(len(g))
    gap = (g.mean(dim=0) - fit_line.gradient(x, y, START)).abs()
    assert torch.all(gap < 4 * standard_error), (gap, standard_error)


def test_variance_falls_as_one_over_b_slope_minus_one_within_0_1(data64, variances):
    x, y = data64
    assert abs(mb.variance_slope(SIZES, variances, fit_below=32) + 1) < 0.1
    at_minimum = mb.variances(
        x, y, fit_line.least_squares(x, y)[0], SIZES[:6], samples=4000
    )
    assert abs(mb.variance_slope(SIZES[:6], at_minimum) + 1) < 0.1


def test_measured_variance_is_within_10_percent_of_the_formula_without_replacement(
    data64, variances
):
    x, y = data64
    for b, measured in zip(SIZES, variances):
        assert abs(measured / mb.variance_formula(x, y, START, b) - 1) < 0.1, b
    # and the finite-population factor is what bends the largest batches below sigma^2 / B
    assert variances[-1] < 0.6 * mb.example_variance(x, y, START) / SIZES[-1]


def test_with_replacement_the_variance_is_sigma_squared_over_b(data64):
    x, y = data64
    per_example, full = (
        mb.example_gradients(x, y, START),
        fit_line.gradient(x, y, START),
    )
    sigma2 = mb.example_variance(x, y, START)
    g = torch.Generator().manual_seed(2)
    for b in (4, 128):
        idx = torch.randint(256, (4000, b), generator=g)
        measured = ((per_example[idx].mean(dim=1) - full) ** 2).sum(dim=1).mean().item()
        assert abs(measured / (sigma2 / b) - 1) < 0.1, b


def test_the_batch_of_all_the_data_has_no_noise(data64):
    x, y = data64
    assert mb.variance_formula(x, y, START, 256) == 0
    (g,) = mb.random_batch_gradients(x, y, START, [256], samples=10)
    assert_close(g, fit_line.gradient(x, y, START).expand(10, 2), atol=1e-12)


def test_smaller_batches_give_noisier_steps_at_least_three_times_per_factor_of_four(
    data,
):
    x, y = data
    spreads = [mb.step_spread(x, y, b, lr=0.1, updates=64) for b in (1, 4, 16, 64, 256)]
    assert all(big > 3 * small for big, small in itertools.pairwise(spreads)), spreads
    assert (
        spreads[-1] < 1e-9
    )  # the full gradient is zero at the minimum: batch descent stays put
    rows = mb.spread_table(x, y, [1, 256]).splitlines()[2:]
    assert rows == [f"| 1 | {mb.gradients.sci(spreads[0], 2)} |", "| 256 | 0 |"]


def test_a_smaller_learning_rate_also_calms_the_steps(data):
    x, y = data
    assert mb.step_spread(x, y, 1, lr=0.01) < mb.step_spread(x, y, 1, lr=0.1) / 10


# ---------------------------------------------------------------------------------------------
# Momentum


def parabola(p):
    return p**2 / 2


@pytest.mark.parametrize("f, p0", [(parabola, 1.0), (mb.bowl, (-10.0, 1.0))])
def test_momentum_by_hand_takes_the_steps_of_torch_optim_sgd_in_float64(f, p0):
    by_hand = mb.momentum_descent(f, p0, lr=0.019, mu=0.9, steps=60)
    by_optim = mb.momentum_with_optim(f, p0, lr=0.019, mu=0.9, steps=60)
    assert by_hand.dtype == F64 and len(by_hand) == 61
    assert_close(by_hand, by_optim, atol=1e-12)


def test_the_last_bit_differs_because_torch_optim_rounds_once_where_the_hand_code_rounds_twice():
    # the page: by hand p -= lr * v rounds lr * v, then the difference; torch.optim's
    # p.add_(v, alpha=-lr) is one fused multiply-add. Written that way, the hand code matches bit for bit.
    p = torch.tensor([-10.0, 1.0], dtype=F64, requires_grad=True)
    v, path = torch.zeros_like(p), [p.detach().clone()]
    for _ in range(60):
        mb.bowl(p).backward()
        with torch.no_grad():
            v = 0.9 * v + p.grad
            p.add_(v, alpha=-0.019)
        p.grad = None
        path.append(p.detach().clone())
    by_optim = mb.momentum_with_optim(mb.bowl, (-10.0, 1.0), lr=0.019, mu=0.9, steps=60)
    assert torch.equal(torch.stack(path), by_optim)
    gap = (
        (
            mb.momentum_descent(mb.bowl, (-10.0, 1.0), lr=0.019, mu=0.9, steps=60)
            - by_optim
        )
        .abs()
        .max()
    )
    assert 0 < gap < 1e-14


def test_from_p_1_with_lr_0_1_and_momentum_0_9_the_first_steps_move_p_by_0_1_then_0_18():
    for descend in (mb.momentum_descent, mb.momentum_with_optim):
        p = descend(parabola, 1.0, lr=0.1, mu=0.9, steps=2)
        assert (p[0] - p[1]).item() == pytest.approx(0.1, abs=1e-12)
        assert (p[1] - p[2]).item() == pytest.approx(0.18, abs=1e-12)
    rows = mb.momentum_table(parabola, 1.0, lr=0.1, mu=0.9, steps=4).splitlines()[2:]
    assert (
        rows[0] == "| 1 | 0.9000 | 0.9000 | 0.1000 |"
        and rows[1] == "| 2 | 0.7200 | 0.7200 | 0.1800 |"
    )


def test_torch_optim_starts_the_velocity_at_the_first_gradient():
    p = torch.tensor(1.0, dtype=F64, requires_grad=True)
    opt = torch.optim.SGD([p], lr=0.1, momentum=0.9)
    parabola(p).backward()
    opt.step()
    assert opt.state[p]["momentum_buffer"].item() == 1.0  # mu * 0 + g, with g = p = 1


def velocities(gradients, mu=0.9):
    """The momentum buffer of torch.optim.SGD after each step, fed the given gradients."""
    p = torch.zeros((), dtype=F64, requires_grad=True)
    opt = torch.optim.SGD([p], lr=0.1, momentum=mu)
    out = []
    for g in gradients:
        p.grad = torch.tensor(g, dtype=F64)
        opt.step()
        out.append(opt.state[p]["momentum_buffer"].item())
    return out


def test_gradients_that_agree_pile_up_in_the_velocity_and_gradients_that_alternate_cancel():
    assert velocities([1.0] * 100)[-1] == pytest.approx(10.0, rel=1e-4)  # 1 / (1 - 0.9)
    alternating = velocities([(-1.0) ** t for t in range(100)])
    assert (
        max(abs(v) for v in alternating) <= 1.0 and abs(alternating[-1]) < 0.6
    )  # 1 / (1 + 0.9)


def test_a_steady_gradient_grows_the_velocity_to_ten_times_for_mu_0_9():
    p = mb.momentum_descent(
        lambda p: p, 0.0, lr=0.1, mu=0.9, steps=200
    )  # gradient 1 everywhere
    steps = (p[:-1] - p[1:]) / 0.1  # the velocity at each step
    assert steps[0].item() == pytest.approx(1.0) and steps[-1].item() == pytest.approx(
        10.0, rel=1e-6
    )


def test_momentum_zero_is_plain_gradient_descent(bowl_paths):
    gd, _ = bowl_paths
    p = torch.tensor([-10.0, 1.0], dtype=F64)
    for t in range(60):
        p = p - 0.019 * p * torch.tensor([1.0, 100.0], dtype=F64)  # the bowl's gradient
        assert_close(gd[t + 1], p, atol=1e-12)


def test_gradient_descent_on_the_bowl_is_stable_only_below_2_over_100():
    below = mb.momentum_descent(mb.bowl, (-10.0, 1.0), lr=0.019, mu=0.0, steps=200)
    above = mb.momentum_descent(mb.bowl, (-10.0, 1.0), lr=0.021, mu=0.0, steps=200)
    assert abs(below[-1, 1]) < 1e-6 and abs(above[-1, 1]) > 1e3


def test_plain_descent_crosses_the_valley_floor_at_every_step_and_crawls(bowl_paths):
    gd, _ = bowl_paths
    assert mb.zigzag_steps(gd) == 60
    assert (
        torch.all(gd[1:, 0] > gd[:-1, 0]) and gd[-1, 0] < -3
    )  # forward every step, slowly


def test_momentum_reaches_the_minimum_overshoots_and_ends_ten_times_lower(bowl_paths):
    gd, mom = bowl_paths
    reached = int((mom[:, 0] >= 0).int().argmax())
    assert 0 < reached < 30 and mom[:, 0].max() > 1  # past the minimum, then back
    assert mb.bowl(mom[-1]) < mb.bowl(gd[-1]) / 10
    assert mb.zigzag_steps(mom) < 60


def test_momentum_keeps_swinging_across_the_valley_further_than_plain_descent(
    bowl_paths,
):
    gd, mom = bowl_paths
    late_gd, late_mom = gd[-20:, 1], mom[-20:, 1]
    assert late_mom.abs().max() > late_gd.abs().max()
    assert (late_mom.sign().diff() != 0).any()  # still swinging from side to side


def test_accumulating_the_gradient_in_parts_trains_exactly_like_the_whole_batch(data64):
    x, y = data64
    whole = mb.train(x, y, 64, lr=0.1, epochs=2, seed=7)
    for micro in (
        16,
        24,
        64,
    ):  # 24 does not divide 64: the last part is smaller, weighted less
        assert_close(
            mb.train_accumulated(x, y, 64, micro, lr=0.1, epochs=2, seed=7),
            whole,
            atol=1e-12,
        )


# ---------------------------------------------------------------------------------------------
# Data parallelism


def test_the_mean_of_two_equal_halves_gradients_is_the_batch_gradient(data64):
    x, y = data64
    idx = torch.arange(32)
    halves = [fit_line.gradient(x[h], y[h], START) for h in idx.chunk(2)]
    assert_close(
        (halves[0] + halves[1]) / 2,
        fit_line.gradient(x[idx], y[idx], START),
        atol=1e-12,
    )


def test_two_processes_end_with_equal_weights_equal_to_one_process_on_full_batches(
    data_parallel,
):
    (rank0, rank1), alone = data_parallel
    assert torch.equal(
        rank0, rank1
    )  # the same averaged gradient on both, so the same bits
    assert (rank0 - alone).abs().max() < 1e-6
    assert (alone - torch.tensor([-1.0, 1.0])).abs().max() > 1  # it did train
    rows = mb.data_parallel_table([rank0, rank1], alone, 32).splitlines()[2:]
    assert rows[0].startswith("| process 0 of 2 | 16 |") and rows[2].startswith(
        "| one process alone | 32 |"
    )


@pytest.fixture
def own_environment(monkeypatch):
    """train_rank sets MASTER_ADDR and MASTER_PORT: put them back afterwards."""
    monkeypatch.setenv("MASTER_ADDR", "")
    monkeypatch.setenv("MASTER_PORT", "")


def test_one_rank_alone_in_its_group_trains_like_one_process(data, own_environment):
    # the rank code in this process, with a group of one: the all-reduce sums one gradient
    x, y = data
    a = mb.train_rank(0, 1, mb.free_port(), x, y, 32, 0.1, 2, 0)
    assert torch.equal(a, mb.train(x, y, 32, lr=0.1, epochs=2)[-1])


def test_a_failing_rank_sends_its_error_back_before_raising(data, own_environment):
    x, y = data
    results = queue.Queue()
    args = (x.int(), y, 32, 0.1, 1, 0)  # integer weights cannot require gradients
    with pytest.raises(RuntimeError, match="floating point"):
        mb._rank_main(0, 1, mb.free_port(), args, results)
    rank, weights, error = results.get_nowait()
    assert rank == 0 and weights is None and error.startswith("RuntimeError: ")


def test_launch_needs_a_world_size_that_divides_the_batch(data):
    x, y = data
    with pytest.raises(
        ValueError,
        match=r"world_size must be a positive integer that divides batch_size \(32\)",
    ):
        mb.launch(x, y, batch_size=32, world_size=3)
    with pytest.raises(
        ValueError, match="batch_size must divide the number of examples"
    ):
        mb.launch(x, y, batch_size=24)


def test_a_free_port_can_be_bound():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", mb.free_port()))


# ---------------------------------------------------------------------------------------------
# Bad input


@pytest.mark.parametrize(
    "call, message",
    [
        (
            lambda x, y: mb.train(x, y, batch_size=0),
            r"batch_size must be an integer from 1 to the number of examples \(8\), got 0",
        ),
        (
            lambda x, y: mb.train(x, y, batch_size=9),
            r"batch_size must be an integer from 1 .* got 9",
        ),
        (lambda x, y: mb.train(x, y, batch_size=2.5), "batch_size must be an integer"),
        (
            lambda x, y: mb.train(x, y[:-1], batch_size=4),
            "x and y must hold the same number of examples, got 8 and 7",
        ),
        (
            lambda x, y: mb.train_with_loader(x[:-1], y, batch_size=4),
            "same number of examples, got 7 and 8",
        ),
        (
            lambda x, y: mb.train_with_loader(x, y, batch_size=0),
            "batch_size must be an integer",
        ),
        (
            lambda x, y: mb.make_loader(x, y, batch_size=9),
            "batch_size must be an integer",
        ),
        (
            lambda x, y: mb.batch_gradients(x, y[:-1], START.float(), 4),
            "same number of examples",
        ),
        (
            lambda x, y: mb.train(x, y, batch_size=4, lr=-0.1),
            "lr must be positive, got -0.1",
        ),
        (
            lambda x, y: mb.train(x, y, batch_size=4, lr=float("nan")),
            "lr must be positive, got nan",
        ),
        (
            lambda x, y: mb.train(x, y, batch_size=4, epochs=-1),
            "epochs must be an integer >= 0",
        ),
        (
            lambda x, y: mb.train_accumulated(x, y, 4, 2, epochs=1.5),
            "epochs must be an integer >= 0",
        ),
        (
            lambda x, y: mb.train_accumulated(x, y, 4, 0),
            "micro must be a positive integer, got 0",
        ),
        (
            lambda x, y: mb.momentum_descent(parabola, 1.0, mu=1.0),
            r"momentum mu must be in \[0, 1\), got 1.0",
        ),
        (
            lambda x, y: mb.momentum_with_optim(parabola, 1.0, mu=-0.1),
            r"momentum mu must be in \[0, 1\)",
        ),
        (
            lambda x, y: mb.momentum_descent(parabola, 1.0, lr=0),
            "lr must be positive, got 0",
        ),
        (
            lambda x, y: mb.momentum_descent(parabola, 1.0, steps=-2),
            "steps must be an integer >= 0",
        ),
        (
            lambda x, y: mb.variance_slope([64, 128], [1.0, 0.5], fit_below=32),
            "need at least 2 batch sizes",
        ),
    ],
)
def test_bad_arguments_raise_a_clear_value_error(call, message):
    x, y = mb.make_data(n=8)
    with pytest.raises(ValueError, match=message):
        call(x, y)


def test_without_the_checks_bad_batch_sizes_and_labels_would_pass_silently(data):
    # the page: a batch size larger than the data makes one batch of everything, extra labels go unused
    assert [len(b) for b in mb.batches(8, 20, torch.Generator().manual_seed(0))] == [8]
    with pytest.raises(RuntimeError, match="split"):
        torch.randperm(8).split(0)
    x, y = data
    idx = torch.arange(8)
    assert fit_line.mse(
        x[idx] @ START.float(), torch.cat([y, y])[idx]
    ).isfinite()  # no error


def test_divergence_is_a_result_not_a_crash(data):
    x, y = data
    loss = fit_line.losses(x, y, mb.train(x, y, 16, lr=5.0, epochs=3))
    assert not torch.isfinite(loss[-1]) or loss[-1] > 1e10
    p = mb.momentum_descent(mb.bowl, (-10.0, 1.0), lr=0.05, mu=0.9, steps=200)
    assert not torch.isfinite(p[-1]).all() or p[-1].abs().max() > 1e10


# ---------------------------------------------------------------------------------------------
# Figures and the whole program


def colours(fig):
    """The colours of every line in the figure, as hex strings."""
    return {to_hex(line.get_color()) for ax in fig.axes for line in ax.get_lines()}


def test_the_race_figure_draws_three_runs_and_the_minimum_in_both_themes(data):
    x, y = data
    paths = {b: mb.train(x, y, b, lr=0.1, epochs=1) for b in RACE}
    for theme, palette in render.PALETTES.items():
        fig = mb.plot_race(x, y, paths, theme=theme)
        assert isinstance(fig, Figure)
        assert [len(ax.get_lines()) for ax in fig.axes] == [
            4,
            4,
        ]  # three runs and the floor, twice
        assert len(fig.legends[0].get_texts()) == 4
        # the theme's own colours, given as values: "C0" would be resolved after the theme ends
        assert colours(fig) == {*palette["cycle"][:3], palette["fg"]}
        assert to_hex(fig.get_facecolor()) == palette["bg"]


def test_the_variance_figure_draws_the_points_and_both_lines_in_both_themes(
    data64, variances
):
    x, y = data64
    for theme, palette in render.PALETTES.items():
        fig = mb.plot_variance(x, y, START, SIZES, variances, theme=theme)
        lines = fig.axes[0].get_lines()
        assert len(lines) == 3 and len(lines[2].get_xdata()) == len(SIZES)
        assert fig.axes[0].get_xscale() == "log" and fig.axes[0].get_yscale() == "log"
        assert colours(fig) == {
            palette["muted"],
            palette["cycle"][0],
            palette["cycle"][1],
        }


def test_the_momentum_gif_has_a_frame_per_step_and_a_dark_variant():
    gd, mom = mb.bowl_paths(steps=6)  # a short run: cheaper to draw, same drawing code
    frames = {
        theme: mb.animate_bowl(gd, mom, theme=theme) for theme in ("light", "dark")
    }
    for f in frames.values():
        assert len(f) == 7 and all(
            fr.shape == f[0].shape and fr.dtype == np.uint8 for fr in f
        )
        assert (
            f[0].shape[1] <= render.MAX_GIF_SIZE[0]
            and f[0].shape[0] <= render.MAX_GIF_SIZE[1]
        )
        gif = Image.open(io.BytesIO(render.gif_bytes(f)))
        assert gif.n_frames == 7
    assert not np.array_equal(frames["light"][0], frames["light"][-1])  # the balls move
    assert frames["light"][0].mean() > frames["dark"][0].mean()
    assert (
        len(mb.bowl_paths()[0]) <= 61
    )  # the page's GIF: at most 60 steps and the start


def test_the_whole_program_on_the_page_runs_when_pasted_into_a_fresh_file(
    tmp_path, data
):
    out = run_program("mini-batches.md", "mini_batches.py", tmp_path)
    assert [line.split()[1] for line in out] == [str(e) for e in range(6)]
    x, y = data
    path = mb.train_with_loader(x, y, batch_size=16, lr=0.05, epochs=5, momentum=0.9)
    assert out[-1].endswith(f"loss {fit_line.mse(x @ path[-1], y):.4f}")
