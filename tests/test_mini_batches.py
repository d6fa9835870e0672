"""The claims of docs/mini-batches.md, checked against independent computations (the gradient's
formula, autograd per example, torch.optim, sampling with replacement, one process alone), the
checks of every lesson function, the data-parallel code run as a reader runs it (from a script and
from a Jupyter kernel), and the page's drawings smoke-tested."""

import contextlib
import io
import itertools
import math
import os
import queue
import re
import socket
from unittest import mock

import numpy as np
import pytest
import torch
import torch.distributed as dist
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from PIL import Image

from conftest import (
    Call,
    assert_close,
    run_program,
    table_of_bad_inputs,
)
from sitebuild.sources import section_source
from snippets import fit_line
from snippets import mini_batches as mb
from snippets.drawing import line_problem, numbers, render
from snippets.drawing import mini_batches as draw

PAGE = "mini-batches.md"
F64 = torch.float64
START = torch.tensor([-1.0, 1.0], dtype=F64)
SIZES = draw.VARIANCE["batch_sizes"]


@pytest.fixture(scope="module")
def data():
    return draw.make_data()


@pytest.fixture(scope="module")
def data64():
    return draw.make_data64()


@pytest.fixture(scope="module")
def race(data):
    """The page's first figure: the loss on all the data for each of its batch sizes."""
    x, y = data
    return {b: line_problem.losses(x, y, p) for b, p in draw.race_paths(x, y).items()}


@pytest.fixture(scope="module")
def floor(data64):
    """The least-squares minimum, from the normal equations (not the drawing's lstsq)."""
    x, y = data64
    best = torch.linalg.solve(x.T @ x, x.T @ y)
    return ((x @ best - y) ** 2).mean().item()


@pytest.fixture(scope="module")
def variances():
    return draw.variance_run()[-1]


@pytest.fixture(scope="module")
def bowl_paths():
    return draw.bowl_paths(p0=(-10.0, 1.0), lr=0.019, mu=0.9, steps=60)


@pytest.fixture(scope="module")
def data_parallel(data):
    """The page's run: two processes over gloo, and one process alone on the same batches."""
    return draw.data_parallel_run(*data)


def by_hand_sgd(x, y, orders, batch_size, lr, a0=START):
    """Mini-batch SGD with the gradient's formula 2/B X_b^T (X_b a - y_b), on the given orders."""
    a, path = a0.clone(), [a0.clone()]
    for order in orders:
        for idx in order.split(batch_size):
            a = a - lr * 2 / len(idx) * x[idx].T @ (x[idx] @ a - y[idx])
            path.append(a)
    return torch.stack(path)


def randperm_orders(n, seed, epochs):
    g = torch.Generator().manual_seed(seed)
    return [torch.randperm(n, generator=g) for _ in range(epochs)]


def sampler_orders(n, seed, epochs):
    """DistributedSampler's orders, by its documented rule: epoch e shuffles with seed + e."""
    return [
        torch.randperm(n, generator=torch.Generator().manual_seed(seed + e))
        for e in range(epochs)
    ]


# ---------------------------------------------------------------------------------------------
# Epochs, iterations, batch sizes


def test_the_data_is_fit_a_lines_and_every_batch_size_the_page_uses_cuts_it_equally(
    data,
):
    x, y = data
    x_fit, y_fit = fit_line.make_data(n=len(y))
    assert torch.equal(x, x_fit) and torch.equal(y, y_fit)
    used = {
        *draw.RACE["batch_sizes"],
        *SIZES,
        *draw.SPREAD["batch_sizes"],
        draw.DATA_PARALLEL["batch_size"],
    }
    assert all(len(y) % b == 0 for b in used)
    named = re.search(r"batch size (.*) cuts it", draw.data_sentence())[1]
    said = [int(b) for b in re.findall(r"\d+", named)]
    assert said[-1] == len(y) and all(len(y) % b == 0 for b in said)


@pytest.mark.parametrize("batch_size", [1, 16, 256])
def test_an_epoch_is_n_over_b_updates(data, batch_size):
    x, y = data
    path = mb.train(x, y, batch_size, lr=0.1, epochs=2)
    assert len(path) == 2 * 256 // batch_size + 1
    assert draw.updates_per_epoch(256, batch_size) == 256 // batch_size
    assert draw.updates_per_epoch(10, 4) == 3  # the last batch is smaller


def test_train_is_sgd_with_the_gradients_formula_on_randperm_batches(data64):
    x, y = data64
    expected = by_hand_sgd(x, y, randperm_orders(256, 3, 2), 16, lr=0.1)
    assert_close(mb.train(x, y, 16, lr=0.1, epochs=2, seed=3), expected, atol=1e-12)


@pytest.mark.parametrize("batch_size", [1, 3, 4, 8])
def test_every_epoch_uses_every_example_exactly_once_by_hand_and_with_the_loader(
    batch_size,
):
    index = torch.arange(8)
    g = torch.Generator().manual_seed(0)
    loader = mb.make_loader(index.double(), index, batch_size, seed=0)
    for _ in range(3):
        for epoch in (mb.batches(8, batch_size, g), [b for _, b in loader]):
            assert sorted(torch.cat(list(epoch)).tolist()) == list(range(8))
            sizes = [len(b) for b in epoch]  # all full, but the last may be smaller
            assert sizes[:-1] == [batch_size] * (len(epoch) - 1)


def test_the_loader_stacks_examples_into_batches(data):
    x, y = data
    xb, yb = next(iter(mb.make_loader(x, y, 16)))
    assert xb.shape == (16, 2) and yb.shape == (16,)


def test_each_epoch_is_a_new_order_and_the_seed_decides_the_run(data):
    g = torch.Generator().manual_seed(0)
    assert (
        torch.cat(mb.batches(8, 4, g)).tolist()
        != torch.cat(mb.batches(8, 4, g)).tolist()
    )
    x, y = data
    runs = [mb.train(x, y, 64, epochs=1, seed=s) for s in (3, 3, 4)]
    assert torch.equal(runs[0], runs[1]) and not torch.equal(runs[0], runs[2])
    loader = [mb.train_with_loader(x, y, 64, epochs=1, seed=3) for _ in range(2)]
    assert torch.equal(*loader)


def test_one_batch_of_all_the_data_is_the_gradient_descent_of_fit_a_line(data64):
    x, y = data64
    fit = fit_line.fit(x, y, lr=0.1, steps=5)
    assert_close(mb.train(x, y, 256, lr=0.1, epochs=5), fit, atol=1e-12)
    assert_close(mb.train_with_loader(x, y, 256, lr=0.1, epochs=5), fit, atol=1e-12)


# -- what PyTorch does, which the page relies on -------------------------------------------------


def loader_orders(n, seed, epochs):
    """The DataLoader's order each epoch, rebuilt by hand from the same generator."""
    g = torch.Generator().manual_seed(seed)
    orders = []
    for _ in range(epochs):
        torch.empty((), dtype=torch.int64).random_(generator=g)  # its workers' seed
        orders.append(torch.randperm(n, generator=g))  # the epoch's order
        # RandomSampler's leftover draw, of which it keeps 0
        torch.randperm(n, generator=g)
    return orders


def test_pytorch_the_loader_takes_a_number_from_the_generator_then_permutes_so_its_order_differs():
    index = torch.arange(8)
    loader = mb.make_loader(index.double(), index, 4, seed=0)
    by_loader = [torch.cat([b for _, b in loader]) for _ in range(2)]
    assert all(torch.equal(a, b) for a, b in zip(by_loader, loader_orders(8, 0, 2)))
    g = torch.Generator().manual_seed(0)
    assert not torch.equal(by_loader[0], torch.cat(mb.batches(8, 4, g)))


def test_pytorch_the_loader_and_torch_optim_make_the_by_hand_update_on_the_loaders_batches(
    data64,
):
    # the two tabs are the same algorithm: fed the DataLoader's batches, the formula takes the same steps
    x, y = data64
    by_loader = mb.train_with_loader(x, y, 16, lr=0.1, epochs=2, seed=5)
    expected = by_hand_sgd(x, y, loader_orders(256, 5, 2), 16, lr=0.1)
    assert_close(by_loader, expected, atol=1e-12)


def test_pytorch_split_accepts_a_batch_larger_than_the_data_and_labels_go_unused(data):
    # the page: without the checks, a batch size larger than the data makes one batch of
    # everything, extra labels are never used, and a batch size of 0 fails inside split
    assert [len(b) for b in torch.randperm(8).split(20)] == [8]
    with pytest.raises(RuntimeError, match="split"):
        torch.randperm(8).split(0)
    x, y = data
    idx = torch.arange(8)
    assert fit_line.mse(x[idx] @ START.float(), torch.cat([y, y])[idx]).isfinite()


def test_pytorch_a_nan_learning_rate_is_accepted_and_trains_to_nan(data):
    # the page: without the checks, a learning rate that is not a number would train on NaN
    x, y = data
    a = torch.tensor([-1.0, 1.0], requires_grad=True)
    opt = torch.optim.SGD([a], lr=float("nan"))
    fit_line.mse(x @ a, y).backward()
    opt.step()
    assert torch.isnan(a).all()


# ---------------------------------------------------------------------------------------------
# The race of the first figure


def test_after_one_epoch_the_smaller_batch_is_further_down(race):
    after_one_epoch = [race[b][256 // b].item() for b in draw.RACE["batch_sizes"]]
    assert after_one_epoch == sorted(after_one_epoch)


def test_sgd_is_within_10_percent_of_the_minimum_when_batch_descent_takes_its_first_step(
    race, floor
):
    assert race[1][256] < 1.1 * floor
    assert race[256][1] > 10 * floor


def test_over_the_first_five_updates_the_three_runs_stay_within_a_factor_of_two(race):
    for t in range(1, 6):
        losses = [race[b][t].item() for b in draw.RACE["batch_sizes"]]
        assert max(losses) / min(losses) < 2, (t, losses)


def test_b1_keeps_jumping_up_from_the_minimum_while_b16_stays_close(race, floor):
    last_b1, last_b16 = race[1][-256:], race[16][-16:]
    assert last_b1.max() > 1.5 * floor and last_b1.min() < 1.01 * floor
    assert last_b16.max() < 1.05 * floor
    assert race[16][16] > 5 * race[1][256]  # B = 16 gets there later


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
    assert_close(rows.mean(dim=0), 2 / 256 * x.T @ (x @ START - y), atol=1e-12)


@pytest.mark.parametrize("batch_size", [1, 4, 16, 64, 256])
def test_the_batch_gradients_of_an_epoch_average_to_the_full_gradient(
    data64, batch_size
):
    x, y = data64
    best = torch.linalg.solve(x.T @ x, x.T @ y)
    for a in (START, best):
        g = draw.batch_gradients(x, y, a, batch_size)
        assert len(g) == 256 // batch_size
        assert_close(g.mean(dim=0), 2 / 256 * x.T @ (x @ a - y), atol=1e-12)
        # each batch's gradient is off; only their average is right
        if batch_size < 256:
            assert torch.all(g.amax(dim=0) - g.amin(dim=0) > 1e-3)


@pytest.mark.parametrize("batch_size", [1, 16])
def test_a_random_batch_gradient_is_an_unbiased_estimate(data64, batch_size):
    x, y = data64
    (g,) = draw.random_batch_gradients(x, y, START, [batch_size], samples=4000, seed=1)
    standard_error = g.std(dim=0) / math.sqrt(len(g))
    gap = (g.mean(dim=0) - 2 / 256 * x.T @ (x @ START - y)).abs()
    assert torch.all(gap < 4 * standard_error), (gap, standard_error)


def test_variance_falls_as_one_over_b_slope_minus_one_within_0_1(data64, variances):
    x, y = data64
    assert abs(draw.variance_slope(SIZES, variances, fit_below=32) + 1) < 0.1
    best = torch.linalg.solve(x.T @ x, x.T @ y)
    at_minimum = draw.variances(x, y, best, SIZES[:6], samples=4000)
    assert abs(draw.variance_slope(SIZES[:6], at_minimum) + 1) < 0.1


def test_measured_variance_is_within_10_percent_of_the_formula_without_replacement(
    data64, variances
):
    x, y = data64
    per_example = 2 * x * (x @ START - y)[:, None]  # by hand, not the lesson's
    sigma2 = ((per_example - per_example.mean(dim=0)) ** 2).sum(dim=1).mean().item()
    assert_close(draw.example_variance(x, y, START), sigma2, rtol=1e-12)
    for b, measured in zip(SIZES, variances):
        assert abs(measured / (sigma2 / b * (256 - b) / 255) - 1) < 0.1, b
        assert_close(
            draw.variance_formula(x, y, START, b),
            sigma2 / b * (256 - b) / 255,
            rtol=1e-12,
        )
    # and the finite-population factor is what bends the largest batches below sigma^2 / B
    assert variances[-1] < 0.6 * sigma2 / SIZES[-1]


def test_the_variance_formula_refuses_a_batch_of_none_or_more_than_the_data(data64):
    # it used to give a negative variance for a batch larger than the data (and divide by 0)
    x, y = data64
    for batch_size in (0, 257, 1000):
        with pytest.raises(ValueError, match=f"batch_size must be .* got {batch_size}"):
            draw.variance_formula(x, y, START, batch_size)
    # the batch of all the data: no noise
    assert draw.variance_formula(x, y, START, 256) == 0


def test_with_replacement_the_variance_is_sigma_squared_over_b(data64):
    # exercise 2: drawn with torch.randint, the points follow the dashed line sigma^2 / B
    x, y = data64
    per_example = mb.example_gradients(x, y, START)
    full = per_example.mean(dim=0)
    sigma2 = ((per_example - full) ** 2).sum(dim=1).mean().item()
    g = torch.Generator().manual_seed(2)
    for b in (4, 128):
        idx = torch.randint(256, (4000, b), generator=g)
        measured = ((per_example[idx].mean(dim=1) - full) ** 2).sum(dim=1).mean().item()
        assert abs(measured / (sigma2 / b) - 1) < 0.1, b


def test_the_batch_of_all_the_data_has_no_noise(data64):
    x, y = data64
    (g,) = draw.random_batch_gradients(x, y, START, [256], samples=10)
    assert_close(g, (2 / 256 * x.T @ (x @ START - y)).expand(10, 2), atol=1e-12)


def test_smaller_batches_give_noisier_steps_at_least_three_times_per_factor_of_four(
    data,
):
    x, y = data
    spreads = [
        draw.step_spread(x, y, b, lr=0.1, updates=64)
        for b in draw.SPREAD["batch_sizes"]
    ]
    assert all(big > 3 * small for big, small in itertools.pairwise(spreads)), spreads
    # the full gradient is zero at the minimum: batch descent stays put
    assert spreads[-1] < 1e-9


def test_a_smaller_learning_rate_also_calms_the_steps(data):
    x, y = data
    assert draw.step_spread(x, y, 1, lr=0.01) < draw.step_spread(x, y, 1, lr=0.1) / 10


# ---------------------------------------------------------------------------------------------
# Momentum


def parabola(p):
    return p**2 / 2


@pytest.mark.parametrize("f, p0", [(parabola, 1.0), (draw.bowl, (-10.0, 1.0))])
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
        draw.bowl(p).backward()
        with torch.no_grad():
            v = 0.9 * v + p.grad
            p.add_(v, alpha=-0.019)
        p.grad = None
        path.append(p.detach().clone())
    by_optim = mb.momentum_with_optim(
        draw.bowl, (-10.0, 1.0), lr=0.019, mu=0.9, steps=60
    )
    assert torch.equal(torch.stack(path), by_optim)
    by_hand = mb.momentum_descent(draw.bowl, (-10.0, 1.0), lr=0.019, mu=0.9, steps=60)
    assert 0 < (by_hand - by_optim).abs().max() < 1e-14


def test_from_p_1_with_lr_0_1_and_momentum_0_9_the_first_steps_move_p_by_0_1_then_0_18():
    for descend in (mb.momentum_descent, mb.momentum_with_optim):
        p = descend(parabola, 1.0, lr=0.1, mu=0.9, steps=2)
        # v = 1, then 0.9 * 1 + 0.9
        assert_close(p[:2] - p[1:], [0.1, 0.18], atol=1e-12)


def test_a_steady_gradient_grows_the_velocity_to_ten_times_for_mu_0_9():
    p = mb.momentum_descent(lambda p: p, 0.0, lr=0.1, mu=0.9, steps=200)  # gradient 1
    steps = (p[:-1] - p[1:]) / 0.1  # the velocity at each step
    assert_close(steps[0], 1.0, atol=1e-12)
    assert_close(steps[-1], 1 / (1 - 0.9), rtol=1e-6)


def test_momentum_zero_is_plain_gradient_descent(bowl_paths):
    gd, _ = bowl_paths
    p = torch.tensor([-10.0, 1.0], dtype=F64)
    for t in range(60):
        p = p - 0.019 * p * torch.tensor([1.0, 100.0], dtype=F64)  # the bowl's gradient
        assert_close(gd[t + 1], p, atol=1e-12)


def test_gradient_descent_on_the_bowl_is_stable_only_below_2_over_100():
    below = mb.momentum_descent(draw.bowl, (-10.0, 1.0), lr=0.019, mu=0.0, steps=200)
    above = mb.momentum_descent(draw.bowl, (-10.0, 1.0), lr=0.021, mu=0.0, steps=200)
    assert abs(below[-1, 1]) < 1e-6 and abs(above[-1, 1]) > 1e3


def test_plain_descent_crosses_the_valley_floor_at_every_step_and_crawls(bowl_paths):
    gd, _ = bowl_paths
    assert draw.zigzag_steps(gd) == 60
    # by hand: every step flips the sign of p2
    assert torch.all(gd[1:, 1] * gd[:-1, 1] < 0)
    assert torch.all(gd[1:, 0] > gd[:-1, 0]) and gd[-1, 0] < -3  # forward, slowly


def test_accumulating_the_gradient_in_parts_trains_exactly_like_the_whole_batch(data64):
    x, y = data64
    whole = by_hand_sgd(x, y, randperm_orders(256, 7, 2), 64, lr=0.1)
    # 24 does not divide 64: the last part is smaller, weighted less
    for micro in (16, 24, 64):
        accumulated = mb.train_accumulated(x, y, 64, micro, lr=0.1, epochs=2, seed=7)
        assert_close(accumulated, whole, atol=1e-12)


# -- what PyTorch does, which the page relies on -------------------------------------------------


def test_pytorch_torch_optim_starts_the_velocity_at_the_first_gradient():
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


def test_pytorch_gradients_that_agree_pile_up_in_the_velocity_and_gradients_that_alternate_cancel():
    assert_close(velocities([1.0] * 100)[-1], 1 / (1 - 0.9), rtol=1e-4)
    alternating = velocities([(-1.0) ** t for t in range(100)])
    assert max(abs(v) for v in alternating) <= 1.0
    assert abs(alternating[-1]) < 0.6  # towards 1 / (1 + 0.9)


# ---------------------------------------------------------------------------------------------
# Data parallelism


def test_the_mean_of_two_equal_halves_gradients_is_the_batch_gradient(data64):
    x, y = data64
    idx = torch.arange(32)
    halves = [fit_line.gradient(x[h], y[h], START) for h in idx.chunk(2)]
    whole = 2 / 32 * x[idx].T @ (x[idx] @ START - y[idx])
    assert_close((halves[0] + halves[1]) / 2, whole, atol=1e-12)


def test_two_processes_end_with_equal_weights_equal_to_one_process_on_full_batches(
    data, data_parallel
):
    (rank0, rank1), alone = data_parallel
    # the same averaged gradient on both, so the same bits
    assert torch.equal(rank0, rank1)
    x, y = (t.double() for t in data)
    run = draw.DATA_PARALLEL
    # each update: every rank's batch_size examples, so batch_size x world_size of the order
    orders = sampler_orders(256, run["seed"], run["epochs"])
    whole = run["batch_size"] * run["world_size"]
    expected = by_hand_sgd(x, y, orders, whole, run["lr"])[-1]
    assert_close(rank0, expected, atol=1e-5)  # float32 against float64
    assert_close(alone, expected, atol=1e-5)
    assert (rank0 - START).abs().max() > 1  # it did train


@contextlib.contextmanager
def group_of_one():
    """A process group of this process alone, for the code that all-reduces; the environment
    put back afterwards."""
    port = str(mb.free_port())
    with mock.patch.dict(os.environ, {"MASTER_ADDR": "127.0.0.1", "MASTER_PORT": port}):
        dist.init_process_group("gloo", rank=0, world_size=1)
        try:
            yield
        finally:
            dist.destroy_process_group()


def torchrun_environment(rank=0, world_size=1):
    """The variables torchrun sets for a process, here for a group on this machine."""
    return {
        "MASTER_ADDR": "127.0.0.1",
        "MASTER_PORT": str(mb.free_port()),
        "RANK": str(rank),
        "LOCAL_RANK": str(rank),
        "WORLD_SIZE": str(world_size),
    }


def test_one_rank_alone_in_its_group_trains_like_one_process(data):
    # the rank code in this process, with a group of one: the all-reduce sums one gradient
    x, y = data
    with mock.patch.dict(os.environ, torchrun_environment()):
        a = mb.train_rank(x, y, 32, lr=0.1, epochs=2)
    expected = by_hand_sgd(x.double(), y.double(), sampler_orders(256, 0, 2), 32, 0.1)
    assert_close(a, expected[-1], atol=1e-5)  # float32 against float64


def test_a_failing_rank_sends_its_error_back_before_raising(data):
    x, y = data
    results = queue.Queue()
    with pytest.raises(
        ValueError, match="lr must be a positive, finite number, got nan"
    ):
        mb.run_rank(
            results, 0, 1, mb.free_port(), x, y, 32, float("nan"), 1, (-1.0, 1.0), 0
        )
    rank, weights, error = results.get_nowait()
    assert rank == 0 and weights is None and error.startswith("ValueError: lr must be")


def test_a_free_port_can_be_bound():
    with socket.socket() as s:
        s.bind(("127.0.0.1", mb.free_port()))


# ---------------------------------------------------------------------------------------------
# When the input is wrong


def data8():
    return draw.make_data(n=8)


def x8():
    return data8()[0]


def y8():
    return data8()[1]


def a_queue():
    return queue.Queue()


NAN = float("nan")
SHAPES = {"x": [torch.zeros(8), None], "y": [torch.zeros(7), None], "a0": [(1.0,)]}
RUN = {
    **SHAPES,
    "batch_size": [0, 9, 2.5, "4", None],
    "lr": "positive",
    "epochs": "count",
    "seed": "seed",
}
START_POINTS = [(), "1", None, NAN, (1.0, float("inf")), ("1", 2.0)]
DESCENT = {
    "f": [None, 1.0, "f"],
    "p0": START_POINTS,
    "lr": "positive",
    "mu": "fraction",
    "steps": "count",
}
RANKS = {
    "rank": [-1, 1, 0.5, None],
    "world_size": [0, 3, 2.0, None],
    "port": [0, 70_000, "29500", None],
}
GRAD_A = [None, torch.zeros(2), torch.zeros(3, requires_grad=True), torch.zeros(2, 1)]
CALLS = [
    Call(
        mb.check_batches,
        {"n": "count1", "batch_size": [0, 9, 2.5, None], "generator": [None, 0, "g"]},
        n=8,
        batch_size=4,
        generator=lambda: torch.Generator().manual_seed(0),
    ),
    Call(
        mb.check_training,
        RUN,
        x=x8,
        y=y8,
        a0=(-1.0, 1.0),
        batch_size=4,
        lr=0.1,
        epochs=1,
        seed=0,
    ),
    Call(
        mb.check_descent, DESCENT, f=lambda: parabola, p0=1.0, lr=0.1, mu=0.9, steps=3
    ),
    Call(
        mb.check_data_parallel,
        {**RUN, "batch_size": [0, 9, 6], "world_size": [0, 3, 5, 2.0, None]},
        x=x8,
        y=y8,
        a0=(-1.0, 1.0),
        batch_size=4,
        lr=0.1,
        epochs=1,
        seed=0,
        world_size=2,
    ),
    Call(
        mb.check_step,
        {"a": GRAD_A, "x": [torch.zeros(8)], "y": [torch.zeros(7)], "lr": "positive"},
        a=lambda: torch.zeros(2, requires_grad=True),
        x=x8,
        y=y8,
        lr=0.1,
    ),
    Call(
        mb.batches,
        {"n": "count1", "batch_size": [0, 9, 2.5, None], "generator": [None, 0]},
        n=8,
        batch_size=4,
        generator=lambda: torch.Generator().manual_seed(0),
    ),
    Call(mb.train, RUN, x=x8, y=y8, batch_size=4, epochs=1),
    Call(
        mb.make_loader,
        {
            "x": [None, torch.zeros(7, 2), torch.zeros(8, 2, dtype=torch.int64)],
            "y": [None, torch.zeros(7)],
            "batch_size": [0, 9, 2.5, None],
            "seed": "seed",
        },
        x=x8,
        y=y8,
        batch_size=4,
    ),
    Call(
        mb.train_with_loader,
        {**RUN, "momentum": "fraction"},
        x=x8,
        y=y8,
        batch_size=4,
        epochs=1,
    ),
    Call(
        mb.train_accumulated,
        {**RUN, "micro": [0, 5, 2.5, None]},
        x=x8,
        y=y8,
        batch_size=4,
        micro=2,
        epochs=1,
    ),
    Call(
        mb.seconds_per_update,
        {
            "x": SHAPES["x"],
            "y": SHAPES["y"],
            "batch_size": RUN["batch_size"],
            "epochs": "count",
            "repeats": [0, 1.5, None],
        },
        x=x8,
        y=y8,
        batch_size=4,
        repeats=1,
    ),
    Call(
        mb.example_gradients,
        {"a": [None, (1.0, 2.0), torch.zeros(3), torch.zeros(2, 1)], **SHAPES},
        x=x8,
        y=y8,
        a=lambda: torch.zeros(2),
    ),
    *[
        Call(fn, DESCENT, f=lambda: parabola, p0=1.0, steps=3)
        for fn in (mb.momentum_descent, mb.momentum_with_optim)
    ],
    Call(
        mb.momentum_rate,
        {"h": "positive", "lr": "positive", "mu": "fraction"},
        h=100.0,
        lr=0.019,
        mu=0.9,
    ),
    Call(
        mb.data_parallel_step,
        {
            "a": GRAD_A,
            "x": [torch.zeros(8), None],
            "y": [torch.zeros(7)],
            "lr": "positive",
        },
        a=lambda: torch.zeros(2, requires_grad=True),
        x=x8,
        y=y8,
        lr=0.1,
    ),
    Call(mb.backend_and_device, {}),
    Call(
        mb.train_rank, {**RUN, "batch_size": [0, 9]}, x=x8, y=y8, batch_size=4, epochs=1
    ),
    Call(
        mb.run_rank,
        {"results": [None, [], "q"], **RUN, **RANKS},
        results=a_queue,
        rank=0,
        world_size=1,
        port=mb.free_port,
        x=x8,
        y=y8,
        batch_size=4,
        lr=0.1,
        epochs=1,
        a0=(-1.0, 1.0),
        seed=0,
    ),
    Call(mb.free_port, {}),
    Call(
        mb.launch,  # its valid call is the page's run (the data_parallel fixture): two processes
        {
            **RUN,
            "batch_size": [0, 257, 2.5, 129],  # per process: at most 256 / 2
            "world_size": [0, 3, 257, 2.0, None],
            "timeout": "positive",
        },
        x=lambda: draw.make_data()[0],
        y=lambda: draw.make_data()[1],
        **draw.DATA_PARALLEL,
    ),
]


(
    test_every_public_lesson_function_is_in_the_table_of_bad_inputs,
    _,  # the page makes launch's processes once: its own test, below
    test_a_bad_argument_is_refused_with_a_message_that_names_it,
) = table_of_bad_inputs(mb, CALLS)


@pytest.mark.parametrize("call", CALLS, ids=repr)
def test_each_call_of_the_table_is_valid(call, request):
    if call.fn is mb.launch:  # made once for the module, as the page makes it
        ranks, _ = request.getfixturevalue("data_parallel")
        assert len(ranks) == draw.DATA_PARALLEL["world_size"]
        return
    all_reduces = call.fn is mb.data_parallel_step
    # train_rank takes its group from the environment, as under torchrun
    environment = torchrun_environment() if call.fn is mb.train_rank else {}
    with (
        mock.patch.dict(os.environ, environment),
        group_of_one() if all_reduces else contextlib.nullcontext(),
    ):
        call.fn(**call.arguments())


@pytest.mark.parametrize(
    "bad",
    [{"lr": float("nan")}, {"world_size": 3}, {"batch_size": 129}, {"timeout": 0}],
)
def test_launch_refuses_a_bad_argument_before_it_starts_a_process(data, bad):
    # the page: so a wrong argument never leaves a process waiting for a partner
    refused = pytest.raises(ValueError, match=next(iter(bad)))
    with mock.patch.object(mb.mp, "get_context") as get_context, refused:
        mb.launch(*data, **{**draw.DATA_PARALLEL, **bad})
    get_context.assert_not_called()


def test_divergence_is_a_result_not_a_crash(data):
    x, y = data
    loss = line_problem.losses(x, y, mb.train(x, y, 16, lr=5.0, epochs=3))
    assert not torch.isfinite(loss[-1]) or loss[-1] > 1e10
    p = mb.momentum_descent(draw.bowl, (-10.0, 1.0), lr=0.05, mu=0.9, steps=200)
    assert not torch.isfinite(p[-1]).all() or p[-1].abs().max() > 1e10


# ---------------------------------------------------------------------------------------------
# The whole program (the data-parallel code in a notebook: tests/test_data_parallel.py)


def test_the_whole_program_runs_in_a_fresh_file_and_prints_the_loss_after_every_epoch(
    tmp_path, data, floor
):
    out = run_program(PAGE, "mini_batches.py", tmp_path)
    assert [line.split()[1] for line in out] == [str(e) for e in range(6)]
    x, y = data
    start = ((x.double() @ START - y.double()) ** 2).mean()
    assert out[0].endswith(f"loss {start:.4f}")
    # momentum 0.9 reaches the floor in 5 epochs
    assert float(out[-1].split()[-1]) < 1.05 * floor


def test_the_whole_programs_smaller_rate_keeps_the_last_epoch_lower_than_a_larger_one(
    data, floor
):
    run = draw.WHOLE_PROGRAM
    settings = ", ".join(f"{k}={v}" for k, v in run.items())
    assert f"train_with_loader(x, y, {settings})" in section_source(
        "snippets/mini_batches.py", "run"
    )
    # heavy ball by hand in float64, v = mu v + g, on the loader's orders
    x, y = (t.double() for t in data)
    highest = {}
    for lr in (run["lr"], 0.2):
        a, v, last = START.clone(), torch.zeros(2, dtype=F64), []
        for epoch, order in enumerate(loader_orders(256, 0, run["epochs"])):
            for idx in order.split(run["batch_size"]):
                v = run["momentum"] * v + 2 / len(idx) * x[idx].T @ (
                    x[idx] @ a - y[idx]
                )
                a = a - lr * v
                if epoch == run["epochs"] - 1:
                    last.append(((x @ a - y) ** 2).mean().item())
        highest[lr] = max(last)
    assert highest[0.2] > 1.5 * highest[run["lr"]] and highest[run["lr"]] < 1.1 * floor
    said = draw.whole_program_sentence(*data)
    assert f"goes as high as {highest[0.2]:.4f}" in said
    assert f"stays at or below {highest[run['lr']]:.4f}" in said


# ---------------------------------------------------------------------------------------------
# The drawing


def colours(fig):
    """The colours of every line in the figure, as hex strings."""
    return {to_hex(line.get_color()) for ax in fig.axes for line in ax.get_lines()}


def test_the_race_figure_draws_three_runs_and_the_minimum_in_both_themes(data):
    x, y = data
    paths = {b: mb.train(x, y, b, lr=0.1, epochs=1) for b in draw.RACE["batch_sizes"]}
    for theme, palette in render.PALETTES.items():
        fig = draw.plot_race(x, y, paths, theme=theme)
        assert isinstance(fig, Figure)
        assert [len(ax.get_lines()) for ax in fig.axes] == [
            4,
            4,
        ]  # three runs, the floor
        assert len(fig.legends[0].get_texts()) == 4
        # the theme's own colours, given as values: "C0" would be resolved after the theme ends;
        # one colour, one meaning: B = 16 the path, B = 1 and 256 the others, the minimum the answer
        role = palette["role"]
        assert colours(fig) == {role[r] for r in ("path", "second", "third", "answer")}
        assert to_hex(fig.get_facecolor()) == palette["bg"]


def test_the_variance_figure_draws_the_points_and_both_lines_in_both_themes(
    data64, variances
):
    x, y = data64
    for theme, palette in render.PALETTES.items():
        fig = draw.plot_variance(x, y, START, SIZES, variances, theme=theme)
        lines = fig.axes[0].get_lines()
        assert len(lines) == 3 and len(lines[2].get_xdata()) == len(SIZES)
        assert fig.axes[0].get_xscale() == "log" and fig.axes[0].get_yscale() == "log"
        assert colours(fig) == {
            palette["muted"],
            palette["role"]["answer"],  # the formula
            palette["role"]["path"],  # the measurement
        }
        # the formula's curve passes through the formula at every batch size it is drawn at
        b, v = (np.asarray(d) for d in lines[1].get_data())
        assert_close(v[0], draw.variance_formula(x, y, START, 1), rtol=1e-12)
        assert_close(b[-1], SIZES[-1], rtol=1e-12)


def test_the_momentum_gif_has_a_frame_per_step_and_a_dark_variant():
    # a short run: cheaper to draw, same drawing code
    gd, mom = draw.bowl_paths(steps=6)
    frames = {
        theme: draw.animate_bowl(gd, mom, theme=theme) for theme in ("light", "dark")
    }
    for f in frames.values():
        assert len(f) == 7 and all(
            fr.shape == f[0].shape and fr.dtype == np.uint8 for fr in f
        )
        assert f[0].shape[1] <= render.MAX_GIF_SIZE[0]
        assert f[0].shape[0] <= render.MAX_GIF_SIZE[1]
        assert Image.open(io.BytesIO(render.gif_bytes(f))).n_frames == 7
    assert not np.array_equal(frames["light"][0], frames["light"][-1])  # the balls move
    assert frames["light"][0].mean() > frames["dark"][0].mean()


def test_the_tables_hold_the_runs_numbers(data, race, data_parallel):
    x, y = data
    paths = {b: mb.train(x, y, b, lr=0.1, epochs=5) for b in (16, 256)}
    rows = draw.race_table(x, y, paths).splitlines()[2:]
    assert rows[0].startswith("| 16 (mini-batch) | 16 | ")
    assert f"| {race[16][-1]:.4f} |" in rows[0]
    assert rows[1].startswith("| 256 (batch) | 1 | ") and "one update only" in rows[1]
    spread = draw.step_spread(x, y, 1)
    assert draw.spread_table(x, y, [1, 256]).splitlines()[2:] == [
        f"| 1 | {numbers.sci(spread, 2)} |",
        "| 256 | 0 |",
    ]
    steps = draw.momentum_table(parabola, 1.0, lr=0.1, mu=0.9, steps=2).splitlines()[2:]
    assert steps == [
        "| 1 | 0.9000 | 0.9000 | 0.1000 |",
        "| 2 | 0.7200 | 0.7200 | 0.1800 |",
    ]
    ranks, alone = data_parallel
    rows = draw.data_parallel_table(ranks, alone, 16).splitlines()[2:]
    assert rows[0] == f"| process 0 of 2 | 16 | 32 | {numbers.vec(ranks[0], 6)} |"
    assert rows[2] == f"| one process alone | 32 | 32 | {numbers.vec(alone, 6)} |"


def test_the_epoch_table_shows_two_epochs_of_every_example_by_hand_and_by_the_loader():
    rows = draw.epoch_table(n=8, batch_size=4, epochs=2, seed=0).splitlines()[2:]
    assert len(rows) == 2
    for row in rows:
        for cell in row.split("|")[2:4]:
            assert sorted(int(i) for i in re.findall(r"\d+", cell)) == list(range(8))
    assert draw.epoch_table(seed=0) != draw.epoch_table(seed=1)


def test_the_sentences_say_what_the_settings_are():
    assert (
        "5 epochs" in draw.race_sentence()
        and "`a0=(-1.0, 1.0)`" in draw.race_sentence()
    )
    assert "take 64 updates with learning rate 0.1" in draw.spread_sentence()
    said = draw.data_parallel_sentence(256)
    assert "2 processes, 256 points, `batch_size=16` in each process, so 32" in said
    assert "one process alone, with `batch_size=32`" in said


def test_the_error_table_shows_a_refusal_for_every_wrong_call():
    rows = draw.error_table(mb).splitlines()[2:]
    assert len(rows) == 9 and all("Error: " in row for row in rows)
    assert any("launch" in row and "lr must be" in row for row in rows)


# ---------------------------------------------------------------------------------------------
# The explorables: every claim of their captions and prose, against torch.linalg and torch.optim


@pytest.fixture(scope="module")
def bowl_explore():
    return draw.bowl_explore_runs()


@pytest.fixture(scope="module")
def noise_explore():
    return draw.noise_explore_runs(*draw.make_data64())


def heavy_ball_radius(h, lr, mu):
    """The spread radius of one step of heavy-ball momentum along curvature h, from its 2x2
    iteration matrix on (p_t, p_t-1), by torch.linalg.eigvals (not momentum_rate)."""
    step = torch.tensor([[1 + mu - lr * h, -mu], [1.0, 0.0]], dtype=F64)
    return torch.linalg.eigvals(step).abs().max().item()


def optim_run(k, p0, lr, mu, steps):
    """Momentum on (p1^2 + k p2^2) / 2 by torch.optim.SGD: the distance to the minimum at the end."""
    p = torch.tensor(p0, dtype=F64, requires_grad=True)
    opt = torch.optim.SGD([p], lr=lr, momentum=mu)
    for _ in range(steps):
        opt.zero_grad()
        ((p[0] ** 2 + k * p[1] ** 2) / 2).backward()
        opt.step()
    return p.detach().norm().item()


def test_the_bowl_explorables_bowl_is_ill_conditioned_and_its_slider_log_spaced(
    bowl_explore,
):
    lrs, k = bowl_explore["lrs"], bowl_explore["k"]
    assert 10 <= k <= 25 and len(lrs) >= 20
    ratios = [b / a for a, b in itertools.pairwise(lrs)]
    assert max(ratios) - min(ratios) < 1e-12  # equal steps on a log scale
    hessian = torch.autograd.functional.hessian(
        lambda p: draw.bowl(p, k), torch.zeros(2, dtype=F64)
    )
    assert torch.linalg.eigvalsh(hessian).tolist() == [1.0, float(k)]


def test_each_momentum_converges_just_under_its_edge_and_diverges_just_over(
    bowl_explore,
):
    k, lrs = float(bowl_explore["k"]), bowl_explore["lrs"]
    p0 = draw.BOWL_EXPLORE["p0"]
    for mu in bowl_explore["mus"]:
        edge = 2 * (1 + mu) / k
        for lr in lrs:  # the closed form: the slower direction's spectral radius
            radius = max(heavy_ball_radius(1.0, lr, mu), heavy_ball_radius(k, lr, mu))
            assert (radius < 1) == (lr < edge), (mu, lr)
            assert bowl_explore["rates"][lr, mu] == pytest.approx(radius, abs=1e-7)
        under, over = draw.either_side(lrs, edge)
        assert under < edge < over and lrs.index(over) == lrs.index(under) + 1
        assert optim_run(k, p0, under, mu, 500) < 1e-6  # torch.optim: it converges
        assert (
            not optim_run(k, p0, over, mu, 500) < 1e6
        )  # and it diverges (inf or NaN too)
        ends = [bowl_explore["paths"][lr, mu][-1].norm().item() for lr in (under, over)]
        assert ends[0] < torch.tensor(p0).norm().item() < ends[1]  # the page's own runs


def test_the_fastest_state_is_the_closed_form_tuned_pair(bowl_explore):
    k = bowl_explore["k"]
    best_lr = 4 / (math.sqrt(k) + 1) ** 2
    best_mu = ((math.sqrt(k) - 1) / (math.sqrt(k) + 1)) ** 2
    (lr, mu), rate = draw.best_state(bowl_explore)
    assert lr == pytest.approx(best_lr, rel=1e-12) and mu == pytest.approx(
        best_mu, rel=1e-12
    )
    assert rate == pytest.approx((math.sqrt(k) - 1) / (math.sqrt(k) + 1), abs=1e-6)
    # no other pair, on a fine grid, beats it (by the eigenvalues, not momentum_rate)
    fine = [
        max(heavy_ball_radius(1.0, a, m), heavy_ball_radius(float(k), a, m))
        for a in np.geomspace(0.02, 0.3, 60)
        for m in np.linspace(0, 0.95, 40)
    ]
    assert min(fine) > rate - 1e-6


def test_the_dashed_guide_is_the_rate_the_runs_shrink_at():
    k, p0 = 16.0, draw.BOWL_EXPLORE["p0"]
    for lr, mu in ((0.1, 0.0), (0.15, 0.6), (0.2, 0.9)):
        rate = draw.valley_rate(lr, mu, 16)
        measured = (optim_run(k, p0, lr, mu, 400) / optim_run(k, p0, lr, mu, 200)) ** (
            1 / 200
        )
        assert measured == pytest.approx(rate, rel=0.02)


def test_the_bowl_explorables_alt_text_carries_each_states_numbers(bowl_explore):
    alt = draw.bowl_explore_alt(bowl_explore)
    lrs, mus = bowl_explore["lrs"], bowl_explore["mus"]
    for lr, mu in ((lrs[0], mus[0]), (lrs[15], mus[1]), (lrs[-1], mus[-1])):
        text = alt({"lr": lr, "mu": mu})
        loss = draw.bowl(bowl_explore["paths"][lr, mu][-1], 16).item()
        assert f"{lr:.3g}" in text and f"{mu:.2f}" in text
        assert (
            f"{bowl_explore['rates'][lr, mu]:.3f}" in text and numbers.sci(loss) in text
        )
        assert ("converges" in text) == (lr < 2 * (1 + mu) / 16)


def test_the_lines_cliff_is_two_over_the_hessians_largest_eigenvalue(noise_explore):
    x, y = draw.make_data64()
    hessian = torch.autograd.functional.hessian(
        lambda a: ((x @ a - y) ** 2).mean(), torch.zeros(2, dtype=F64)
    )
    cliff = 2 / torch.linalg.eigvalsh(hessian)[-1].item()
    assert noise_explore["cliff"] == pytest.approx(cliff, rel=1e-12)
    lrs = noise_explore["lrs"]
    assert len(lrs) >= 20 and lrs[0] < cliff < lrs[-1]
    knob = draw.noise_explore_knobs(noise_explore)[1]
    (mark,) = knob.marks
    under, over = draw.either_side(lrs, cliff)
    assert lrs.index(under) < mark < lrs.index(over)


def test_full_batch_converges_at_every_rate_under_the_cliff_and_diverges_over_it(
    noise_explore,
):
    x, y = draw.make_data64()
    cliff, n = noise_explore["cliff"], len(y)
    best = torch.linalg.solve(x.T @ x, x.T @ y)
    hessian = 2 / n * x.T @ x
    start = torch.tensor([-1.0, 1.0], dtype=F64)
    steps = draw.NOISE_EXPLORE["updates"]
    for lr in noise_explore["lrs"]:
        # full-batch descent in closed form: the error is multiplied by (I - lr H) every step
        error = torch.linalg.matrix_power(torch.eye(2, dtype=F64) - lr * hessian, steps)
        a = best + error @ (start - best)
        closed = ((x @ a - y) ** 2).mean() - ((x @ best - y) ** 2).mean()
        shown = noise_explore["above"][n, lr][-1]
        assert shown.item() == pytest.approx(closed.item(), rel=1e-6, abs=1e-12)
        assert draw.blew_up(noise_explore["stats"][n, lr]) == (lr > cliff)


def test_under_the_cliff_the_spread_shrinks_with_every_larger_batch(noise_explore):
    x, y = draw.make_data64()
    sizes, cliff = noise_explore["sizes"], noise_explore["cliff"]
    for seed in (1, 2):  # and not by luck: with other seeds too
        other = {**draw.NOISE_EXPLORE, "seed": seed}
        with mock.patch.dict(draw.NOISE_EXPLORE, other):
            again = draw.noise_explore_runs(x, y)
        for runs in (noise_explore, again):
            for lr in (lr for lr in runs["lrs"] if lr < cliff):
                spread = [runs["stats"][b, lr]["std"] for b in sizes]
                assert all(a > b for a, b in itertools.pairwise(spread)), (
                    seed,
                    lr,
                    spread,
                )
    lr = noise_explore["lrs"][draw.NOISE_EXPLORE["start"][1]]
    assert (
        noise_explore["stats"][sizes[-1], lr]["std"] < 1e-12
    )  # the full batch: no jitter


def test_one_example_at_a_time_blows_up_below_the_cliff(noise_explore):
    cliff, lrs = noise_explore["cliff"], noise_explore["lrs"]
    bad = min(lr for lr in lrs if draw.blew_up(noise_explore["stats"][1, lr]))
    assert bad < cliff
    x, y = draw.make_data64()
    for seed in (
        0,
        1,
        2,
    ):  # a run of train, as the lesson has it, at that rate: it diverges
        path = mb.train(x, y, 1, lr=bad, epochs=1, seed=seed)
        assert not line_problem.losses(x, y, path)[-1] < 1e3


def test_the_noisy_explorables_alt_text_carries_each_states_numbers(noise_explore):
    alt = draw.noise_explore_alt(noise_explore)
    lrs = noise_explore["lrs"]
    for b, lr in ((1, lrs[0]), (16, lrs[10]), (256, lrs[-1])):
        text = alt({"batch": b, "lr": lr})
        s = noise_explore["stats"][b, lr]
        assert f"batch size {b}" in text and f"{lr:.3g}" in text
        if draw.blew_up(s):
            assert "diverges" in text
        else:
            assert numbers.sci(s["std"]) in text and numbers.sci(s["last"]) in text


@pytest.mark.parametrize(
    "name, scene, knobs",
    [
        ("bowl_explore", draw.bowl_explore_scene, draw.bowl_explore_knobs),
        ("noise_explore", draw.noise_explore_scene, draw.noise_explore_knobs),
    ],
)
def test_the_explorables_scenes_redraw_their_artists_for_every_state_in_both_themes(
    name, scene, knobs, request
):
    runs = request.getfixturevalue(name)
    states = [
        {k.key: k.values[i] for k in knobs(runs)} for i in (0, -1)
    ]  # the first values of every knob, then the last
    for theme in render.THEMES:
        fig, artists, update = scene(runs, theme=theme)
        assert isinstance(fig, Figure) and artists
        w, h = fig.get_size_inches()
        assert w <= 7 and h <= 6.5
        frames = render.blit_frames(fig, artists, update, states)
        assert len(frames) == 2 and (frames[0] != frames[1]).any()
        assert to_hex(fig.get_facecolor()) == render.PALETTES[theme]["bg"]
