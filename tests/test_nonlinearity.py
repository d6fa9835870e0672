"""The claims of docs/nonlinearity.md, checked against independent computations (the normal
equations, closed-form derivatives, finite differences, a momentum loop written by hand, counts on
paper), the lesson's refusals of bad input, and the page's drawings smoke-tested."""

import itertools
import math
import re
from pathlib import Path

import numpy as np
import pytest
import torch
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from torch import nn

from conftest import (
    BAD,
    INF,
    NAN,
    Call,
    assert_close,
    run_program,
    table_of_bad_inputs,
)
from snippets import fit_line
from snippets import nonlinearity as nl
from snippets.drawing import nonlinearity as draw
from snippets.drawing import render

F64 = torch.float64
CLOSED_FORMS = {  # the derivatives on paper
    "sigmoid": lambda z: torch.sigmoid(z) * (1 - torch.sigmoid(z)),
    "tanh": lambda z: 1 - torch.tanh(z) ** 2,
    "ReLU": lambda z: (z > 0).to(z.dtype),
}


def mse(y_hat, y):
    """The mean squared error, computed here without the lesson's code."""
    return ((y_hat - y) ** 2).mean()


def parameters_on_paper(widths):
    """A chain of nn.Linear layers holds fan_in * fan_out weights and fan_out biases each."""
    return sum(a * b + b for a, b in itertools.pairwise(widths))


@pytest.fixture(scope="module")
def sine():
    return nl.make_sine()


@pytest.fixture(scope="module")
def sine64():
    return nl.make_sine(dtype=F64)


@pytest.fixture(scope="module")
def line_loss(sine):
    """The least-squares line's loss on the page's data, from the normal equations."""
    x, y = (t.double() for t in sine)
    cols = torch.cat([x, torch.ones_like(x)], dim=1)
    best = torch.linalg.solve(cols.T @ cols, cols.T @ y[:, 0])
    return mse(cols @ best, y[:, 0]).item()


@pytest.fixture(scope="module")
def fits():
    """The page's network trained from seeds 0, 1 and 2 (seed 0 is the one the page shows)."""
    return {seed: draw.fit_sine(seed=seed) for seed in (0, 1, 2)}


@pytest.fixture(scope="module")
def race():
    """The depth race exactly as the page runs it."""
    return draw.depth_run()


# ---------------------------------------------------------------------------------------------
# A curve that no line fits


def test_the_sine_data_is_a_column_of_uniform_inputs_with_gaussian_noise_of_the_given_std():
    x, y = nl.make_sine(n=20_000, noise=0.05, dtype=F64)
    assert x.shape == (20_000, 1) and y.shape == (20_000, 1)
    assert x.min() >= -3 and x.max() <= 3
    assert_close(x.mean(), 0.0, atol=0.05)
    assert_close(x.var(), 36 / 12, rtol=0.03)  # uniform on [-3, 3]: variance 6² / 12
    noise = y - torch.sin(x)
    assert_close(noise.std(), 0.05, rtol=0.03)
    assert_close(noise.mean(), 0.0, atol=0.002)


def test_same_seed_gives_same_data_and_another_seed_does_not():
    a, b, c = nl.make_sine(seed=3), nl.make_sine(seed=3), nl.make_sine(seed=4)
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    assert not torch.equal(a[0], c[0])


def test_the_least_squares_line_is_the_normal_equations_answer_and_no_trained_line_beats_it(
    sine64, line_loss
):
    x, y = sine64
    (slope, intercept), loss = draw.least_squares_line(x, y)
    cols = torch.cat([x, torch.ones_like(x)], dim=1)
    normal = torch.linalg.solve(cols.T @ cols, cols.T @ y[:, 0])
    assert_close(torch.stack([slope, intercept]), normal, atol=1e-10)
    line = nl.make_network([1, 1], dtype=F64)
    trained = nl.train(line, x, y, lr=0.05, steps=300)
    assert trained.min() >= loss - 1e-12 and trained[-1] - loss < 1e-9
    # "the line catches the overall rise from left to right, and misses both bends"
    assert slope > 0
    assert 0.25 * y.var(unbiased=False) < loss < 0.5 * y.var(unbiased=False)


# ---------------------------------------------------------------------------------------------
# Layers in PyTorch


def test_make_network_puts_the_activation_between_the_linear_layers_only():
    net = nl.make_network([1, 16, 1])
    assert [type(m) for m in net] == [nn.Linear, nn.ReLU, nn.Linear]
    assert (net[0].in_features, net[0].out_features, net[2].out_features) == (1, 16, 1)
    deep = nl.make_network([1, 8, 8, 1], activation=nn.Tanh)
    assert [type(m) for m in deep] == [nn.Linear, nn.Tanh] * 2 + [nn.Linear]
    linear = nl.make_network([1, 8, 8, 1], activation=None)
    assert all(isinstance(m, nn.Linear) for m in linear) and len(linear) == 3


def test_initial_weights_come_from_pytorchs_default_range():
    # nn.Linear's default: uniform in +-1/sqrt(fan_in), for weights and biases alike
    net = nl.make_network([4, 64, 64, 1], seed=1)
    for layer in (m for m in net if isinstance(m, nn.Linear)):
        bound = 1 / math.sqrt(layer.in_features)
        for p in (layer.weight, layer.bias):
            assert p.abs().max() <= bound and p.abs().max() > 0.8 * bound


def test_same_seed_same_network_and_the_global_generator_is_untouched():
    before = torch.get_rng_state()
    a, b, c = (nl.make_network([1, 16, 1], seed=s) for s in (5, 5, 6))
    assert torch.equal(torch.get_rng_state(), before)  # skip_init: no global draw
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert not torch.equal(a[0].weight, c[0].weight)


def test_the_network_of_the_page_has_its_parameters_in_four_tensors():
    widths = draw.FIT["widths"]
    net = nl.make_network(widths)
    h = widths[1]
    assert [tuple(p.shape) for p in net.parameters()] == [(h, 1), (h,), (1, h), (1,)]
    assert draw.count_parameters(net) == parameters_on_paper(widths) == 3 * h + 1


def test_train_is_momentum_sgd_as_written_by_hand(sine64):
    # an independent loop: v <- mu v + g, p <- p - lr v (Mini-batches), gradients by autograd.grad
    x, y = sine64
    net = nl.make_network([1, 4, 1], seed=2, dtype=F64)
    params = [p.detach().clone().requires_grad_() for p in net.parameters()]
    velocity = [torch.zeros_like(p) for p in params]
    by_hand = []
    for _ in range(30):
        w1, b1, w2, b2 = params
        loss = mse(torch.relu(x @ w1.T + b1) @ w2.T + b2, y)
        by_hand.append(loss.item())
        grads = torch.autograd.grad(loss, params)
        with torch.no_grad():
            for p, v, g in zip(params, velocity, grads):
                v.mul_(0.9).add_(g)
                p.sub_(0.05 * v)
    losses = nl.train(net, x, y, lr=0.05, steps=30, momentum=0.9)
    assert_close(losses[:-1], torch.tensor(by_hand, dtype=F64), atol=1e-12)
    for p, q in zip(net.parameters(), params):
        assert_close(p.detach(), q.detach(), atol=1e-12)


def test_train_returns_the_loss_before_each_step_and_after_the_last(sine):
    x, y = sine
    net = nl.make_network([1, 4, 1], seed=3)
    with torch.no_grad():
        first = mse(net(x), y).item()
    seen = []
    losses = nl.train(net, x, y, steps=7, watch=lambda step, model: seen.append(step))
    with torch.no_grad():
        last = mse(net(x), y).item()
    assert len(losses) == 8
    assert_close(losses[0], first, rtol=1e-6)
    assert_close(losses[-1], last, rtol=1e-6)
    assert seen == list(range(7))  # watch looks before every step


def test_the_optimizer_steps_every_layer_however_many(sine):
    x, y = sine
    net = nl.make_network([1, 6, 6, 6, 1], seed=0)
    before = [p.detach().clone() for p in net.parameters()]
    nl.train(net, x, y, steps=3)
    assert all(not torch.equal(p, q) for p, q in zip(net.parameters(), before))


# ---------------------------------------------------------------------------------------------
# Stacking linear layers adds nothing


def test_two_linear_layers_in_a_row_are_one_with_w2_w1_and_w2_b1_plus_b2():
    first = nl.make_network([3, 5], seed=0, dtype=F64)[0]
    second = nl.make_network([5, 2], seed=1, dtype=F64)[0]
    merged = nl.merge(first, second)
    with torch.no_grad():
        assert_close(merged.weight, second.weight @ first.weight)
        assert_close(merged.bias, second.weight @ first.bias + second.bias)
        x = torch.randn(1000, 3, generator=torch.Generator().manual_seed(0), dtype=F64)
        assert_close(merged(x), second(first(x)), atol=1e-12)
    assert draw.merge_gap(sizes=(3, 5, 2), n=1000) < 1e-12


def test_collapse_merges_a_whole_stack_and_refuses_one_with_an_activation():
    stack = nl.make_network([2, 7, 4, 3], activation=None, seed=4, dtype=F64)
    x = torch.randn(50, 2, generator=torch.Generator().manual_seed(1), dtype=F64)
    with torch.no_grad():
        assert_close(nl.collapse(stack)(x), stack(x), atol=1e-12)
    with pytest.raises(
        ValueError, match=r"only a stack of nn\.Linear layers collapses"
    ):
        nl.collapse(nl.make_network([2, 7, 3]))


def test_a_deep_linear_stack_trains_to_the_least_squares_line(sine, line_loss):
    # the page's block: 1 -> 8 -> 8 -> 1 without activations, 300 steps
    x, y = sine
    stack = nl.make_network([1, 8, 8, 1], activation=None)
    assert draw.count_parameters(stack) == parameters_on_paper([1, 8, 8, 1]) == 97
    loss = nl.train(stack, x, y, lr=0.05, steps=300)[-1].item()
    assert loss >= line_loss - 1e-6 and loss - line_loss < 1e-6
    cols = torch.cat([x, torch.ones_like(x)], dim=1).double()
    slope, intercept = torch.linalg.solve(cols.T @ cols, cols.T @ y[:, 0].double())
    one = nl.collapse(stack)
    assert_close(one.weight[0, 0], slope, atol=1e-3)
    assert_close(one.bias[0], intercept, atol=1e-3)


# ---------------------------------------------------------------------------------------------
# Activation functions


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "ReLU"])
def test_autograd_derivatives_match_the_closed_forms(name):
    z = torch.linspace(-8, 8, 161, dtype=F64)
    z = z[z != 0]  # ReLU has no derivative at 0 (PyTorch's choice is tested below)
    assert_close(
        nl.derivative(nl.ACTIVATIONS[name], z), CLOSED_FORMS[name](z), atol=1e-12
    )


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "ReLU"])
def test_autograd_derivatives_match_finite_differences(name):
    f, h = nl.ACTIVATIONS[name], 1e-6
    z = torch.tensor([-4.3, -1.1, -0.2, 0.3, 1.7, 5.2], dtype=F64)
    assert_close(nl.derivative(f, z), (f(z + h) - f(z - h)) / (2 * h), atol=1e-8)


def test_sigmoid_and_tanh_saturate_so_their_gradient_vanishes_for_large_inputs():
    far = torch.cat([torch.linspace(-40, -10, 31), torch.linspace(10, 40, 31)]).double()
    assert nl.derivative(torch.sigmoid, far).max() < 4.6e-5
    assert nl.derivative(torch.tanh, far).max() < 1e-8
    # the gradient that reaches a unit's weight through a sigmoid at z = 10, against a ReLU's
    w = torch.tensor(10.0, dtype=F64, requires_grad=True)
    torch.sigmoid(w * 1.0).backward()
    assert w.grad < 4.6e-5
    w.grad = None
    torch.relu(w * 1.0).backward()
    assert w.grad == 1.0


def test_the_sigmoid_slope_never_exceeds_a_quarter_so_five_in_a_row_shrink_at_least_1024_times():
    z = torch.linspace(-20, 20, 4001, dtype=F64)
    assert_close(nl.derivative(torch.sigmoid, z).max(), 0.25, atol=1e-12)
    for z0 in (-3.0, 0.0, 2.0):
        # the chain rule on paper: the product of sigma' at each of the five inputs
        inputs, t = [], torch.tensor(z0, dtype=F64)
        for _ in range(5):
            inputs.append(t)
            t = torch.sigmoid(t)
        product = math.prod(CLOSED_FORMS["sigmoid"](s).item() for s in inputs)
        assert_close(draw.chained_sigmoid_slope(5, z=z0), product, rtol=1e-12)
        assert product <= 0.25**5


def by_hand_backward_sizes(stretch, depth=10, width=64, seed=0):
    """The gradient at each hidden layer's output of a ReLU stack, backpropagated by hand."""
    x, y = nl.make_sine(dtype=F64)
    net = nl.make_network([1] + [width] * depth + [1], seed=seed, dtype=F64)
    weights = [stretch * m.weight.detach() for m in net[::2]]
    biases = [m.bias.detach() for m in net[::2]]
    a, zs = x, []
    for w, b in zip(weights, biases):
        zs.append(a @ w.T + b)
        a = torch.relu(zs[-1])
    delta = 2 * (zs[-1] - y) / len(y)  # d mean((z - y)^2) / dz
    sizes = []
    for w, z in zip(reversed(weights), reversed(zs[:-1])):
        delta = (delta @ w) * (
            z > 0
        )  # back through the weights, then the slope, 0 or 1
        sizes.append(delta.norm().item())
    return sizes[::-1]


def test_the_gradients_sizes_through_a_deep_relu_stack_are_backpropagation_by_hand():
    for stretch in draw.SCALES.values():
        assert_close(
            torch.tensor(draw.backward_sizes(stretch)),
            torch.tensor(by_hand_backward_sizes(stretch)),
            rtol=1e-10,
        )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_small_starting_weights_vanish_the_gradient_kaimings_keep_it_twice_explode_it(
    seed,
):
    # the page: ReLU's slopes are 0 or 1, so the weights alone shrink or grow the gradient
    ratio = {}
    for name, stretch in draw.SCALES.items():
        sizes = draw.backward_sizes(stretch, seed=seed)
        ratio[name] = sizes[0] / sizes[-1]
    assert ratio["default"] < 1e-2  # "times smaller"
    assert 0.5 < ratio["Kaiming"] < 2  # "about the same"
    assert ratio["twice Kaiming"] > 100  # "times larger"
    sentence = draw.fan_in_sentence()
    assert "times smaller than at the last" in sentence and "about the same" in sentence
    assert sentence.endswith("times larger.")


def test_the_stretches_are_pytorchs_default_kaimings_and_twice_kaimings_ranges():
    # PyTorch's formulas (torch.nn.init): kaiming_uniform_ draws within gain * sqrt(3 / fan_in),
    # gain sqrt(2) for ReLU; nn.Linear's default within 1 / sqrt(fan_in)
    for fan_in in (1, 64):
        kaiming = nn.init.calculate_gain("relu") * math.sqrt(3 / fan_in)
        assert_close(draw.SCALES["Kaiming"] / math.sqrt(fan_in), kaiming, rtol=1e-12)
        assert_close(
            draw.SCALES["twice Kaiming"] / math.sqrt(fan_in), 2 * kaiming, rtol=1e-12
        )
    g = torch.Generator().manual_seed(0)
    drawn = nn.init.kaiming_uniform_(
        torch.empty(400, 64, dtype=F64), nonlinearity="relu", generator=g
    )
    assert math.sqrt(6 / 64) * 0.999 < drawn.abs().max() <= math.sqrt(6 / 64)


def test_xavier_scales_by_the_mean_of_fan_in_and_fan_out_and_kaiming_by_fan_in():
    # the page: Kaiming by the number of inputs, Xavier by the mean of inputs and outputs
    g = torch.Generator().manual_seed(1)
    w = torch.empty(300, 20, dtype=F64)  # 20 inputs, 300 outputs
    xavier = nn.init.xavier_uniform_(w.clone(), generator=g).abs().max()
    assert_close(xavier, math.sqrt(3 / ((20 + 300) / 2)), rtol=1e-3)
    kaiming = (
        nn.init.kaiming_uniform_(w.clone(), nonlinearity="relu", generator=g)
        .abs()
        .max()
    )
    assert_close(kaiming, math.sqrt(2) * math.sqrt(3 / 20), rtol=1e-3)


def test_a_leaky_relu_keeps_a_slope_of_001_below_zero_so_a_dead_unit_still_gets_a_gradient(
    sine,
):
    z = torch.tensor([-7.0, -0.5, 0.5, 3.0], dtype=F64)
    assert_close(
        nl.derivative(nn.LeakyReLU(), z), torch.tensor([0.01, 0.01, 1, 1], dtype=F64)
    )
    x, y = sine
    net = nl.make_network([1, 2, 1], activation=nn.LeakyReLU, seed=0)
    with torch.no_grad():
        net[0].weight[0, 0], net[0].bias[0] = (
            1.0,
            -5.0,
        )  # w x + b < 0 on [-3, 3], as below
    mse(net(x), y).backward()
    assert net[0].weight.grad[0, 0] != 0 and net[0].bias.grad[0] != 0


def test_the_one_line_network_is_make_networks_network():
    # the page's nn.Sequential(nn.Linear(1, 16), nn.ReLU(), nn.Linear(16, 1)): same layers, and with
    # the same weights the same outputs, both checked against the formula computed here
    ours, usual = nl.make_network([1, 16, 1], seed=3), nl.sine_network()
    assert (
        [type(m) for m in usual]
        == [type(m) for m in ours]
        == [nn.Linear, nn.ReLU, nn.Linear]
    )
    assert [p.shape for p in usual.parameters()] == [p.shape for p in ours.parameters()]
    usual.load_state_dict(ours.state_dict())
    x = torch.linspace(-3, 3, 301)[:, None]
    w1, b1, w2, b2 = (p.detach() for p in ours.parameters())
    with torch.no_grad():
        by_formula = torch.relu(x @ w1.T + b1) @ w2.T + b2
        assert_close(usual(x), by_formula, atol=1e-6)
        assert torch.equal(usual(x), ours(x))
    assert draw.sequential_gap() == (0.0, 100)
    # and it starts from PyTorch's default range, as make_network does (tested above)
    for layer in nl.sine_network()[::2]:
        bound = 1 / math.sqrt(layer.in_features)
        assert layer.weight.abs().max() <= bound and layer.bias.abs().max() <= bound


def test_relu_slope_is_one_for_every_positive_input_and_zero_for_every_negative_one():
    positive = torch.tensor([1e-6, 0.5, 10.0, 1e6], dtype=F64)
    assert torch.equal(nl.derivative(torch.relu, positive), torch.ones(4, dtype=F64))
    assert torch.equal(nl.derivative(torch.relu, -positive), torch.zeros(4, dtype=F64))


def test_a_relu_unit_off_for_every_example_gets_no_gradient(sine):
    x, y = sine
    net = nl.make_network([1, 2, 1], seed=0)
    with torch.no_grad():
        net[0].weight[0, 0], net[0].bias[0] = 1.0, -5.0  # w x + b < 0 on [-3, 3]
    mse(net(x), y).backward()
    assert net[0].weight.grad[0, 0] == 0 and net[0].bias.grad[0] == 0
    assert net[0].weight.grad[1, 0] != 0


# ---------------------------------------------------------------------------------------------
# A network that bends


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_relu_network_loss_is_at_least_ten_times_lower_than_the_best_line(
    fits, line_loss, seed
):
    _, _, _, losses = fits[seed]
    assert line_loss / losses[-1] >= 10


def test_the_network_follows_the_trough_and_the_crest_that_the_line_misses(fits, sine):
    _, _, model, _ = fits[0]
    (slope, intercept), _ = draw.least_squares_line(*sine)
    at = torch.tensor([[-math.pi / 2], [math.pi / 2]])
    with torch.no_grad():
        assert_close(model(at)[:, 0], torch.tensor([-1.0, 1.0]), atol=0.1)
    line = slope * at[:, 0] + intercept
    assert (line - torch.tensor([-1.0, 1.0])).abs().min() > 0.4


def test_the_network_ends_close_to_the_noise_in_the_data(fits):
    x, y, model, losses = fits[0]
    assert model[0].out_features == 16  # the page's "sixteen hidden units"
    noise = mse(torch.sin(x), y).item()  # the loss of the curve itself
    assert noise < losses[-1] < 1.5 * noise


# ---------------------------------------------------------------------------------------------
# A sum of bent lines


def test_the_hidden_units_pieces_add_up_to_the_network_output(fits):
    x, _, model, _ = fits[0]
    with torch.no_grad():
        total = nl.hidden_pieces(model, x).sum(dim=1) + model[2].bias
        assert_close(total, model(x)[:, 0], atol=1e-5)
    net64 = nl.make_network([1, 16, 1], seed=7, dtype=F64)
    x64 = x.double()
    with torch.no_grad():
        total = nl.hidden_pieces(net64, x64).sum(dim=1) + net64[2].bias
        assert_close(total, net64(x64)[:, 0], atol=1e-12)


def as_float64(model):
    copy = nl.make_network([1, model[0].out_features, 1], dtype=F64)
    copy.load_state_dict({k: v.double() for k, v in model.state_dict().items()})
    return copy


def test_each_piece_is_flat_on_one_side_of_its_kink_at_minus_b_over_w_and_of_slope_v_w_on_the_other(
    fits,
):
    model = as_float64(fits[0][2])
    w, b = model[0].weight[:, 0].detach(), model[0].bias.detach()
    v = model[2].weight[0].detach()
    for j in range(len(w)):
        at = (-b[j] / w[j]).item()  # where w_j x + b_j crosses zero
        left = torch.linspace(at - 2, at - 1e-3, 50, dtype=F64)[:, None]
        right = torch.linspace(at + 1e-3, at + 2, 50, dtype=F64)[:, None]
        pl = nl.hidden_pieces(model, left)[:, j]
        pr = nl.hidden_pieces(model, right)[:, j]
        on, off, grid = (pr, pl, right) if w[j] > 0 else (pl, pr, left)
        assert torch.all(off == 0)
        assert_close(on, v[j] * (w[j] * grid[:, 0] + b[j]), atol=1e-12)
    assert_close(draw.kinks(model), -b / w)


def test_the_network_is_straight_between_its_bends_with_at_most_one_bend_per_unit(fits):
    model = as_float64(fits[0][2])
    w, b = model[0].weight[:, 0].detach(), model[0].bias.detach()
    bends = sorted(k for k in (-b / w).tolist() if -3 < k < 3)
    assert len(bends) <= 16
    for lo, hi in itertools.pairwise([-3.0, *bends, 3.0]):
        if hi - lo < 1e-9:
            continue
        t = torch.linspace(lo, hi, 7, dtype=F64)[:, None]
        with torch.no_grad():
            y = model(t)[:, 0]
        assert_close(y, y[0] + (y[-1] - y[0]) * (t[:, 0] - lo) / (hi - lo), atol=1e-10)


def test_the_census_of_units_counts_what_a_fine_grid_sees(fits):
    x, y, model, _ = fits[0]
    grid = torch.linspace(-3, 3, 6001)[:, None]
    with torch.no_grad():
        hidden = torch.relu(model[0](grid))
    zero = (hidden == 0).all(dim=0)
    census = draw.unit_census(model)
    assert census["units"] == 16
    assert (
        census["bend inside"]
        + census["straight throughout"]
        + census["zero throughout"]
        == 16
    )
    assert int(zero.sum()) == census["zero throughout"] > 0
    changes = (hidden > 0).diff(dim=0).any(dim=0)  # switched on or off inside [-3, 3]
    assert int(changes.sum()) == census["bend inside"]
    # "they pass back no gradient": not to their weights in, nor to their weights out
    model.zero_grad()
    mse(model(x), y).backward()
    assert torch.all(model[0].weight.grad[zero] == 0)
    assert torch.all(model[0].bias.grad[zero] == 0)
    assert torch.all(model[2].weight.grad[0, zero] == 0)
    model.zero_grad(set_to_none=True)


# ---------------------------------------------------------------------------------------------
# Why deep


def test_a_tent_block_folds_the_unit_interval_in_two():
    block = nn.Sequential(*nl.tent_block()).double()
    x = torch.linspace(0, 1, 101, dtype=F64)[:, None]
    with torch.no_grad():
        assert_close(block(x)[:, 0], 1 - (2 * x[:, 0] - 1).abs(), atol=1e-12)


def sawtooth_on_paper(blocks, x):
    """The tent map applied `blocks` times, written down: T(x) = 1 - |2x - 1|."""
    for _ in range(blocks):
        x = 1 - (2 * x - 1).abs()
    return x


@pytest.mark.parametrize("blocks", [1, 2, 3, 4, 6, 8, 10])
def test_each_tent_block_doubles_the_pieces_for_seven_more_parameters(blocks):
    net = nl.sawtooth_network(blocks).double()
    x = torch.linspace(0, 1, 2**12 + 1, dtype=F64)[:, None]
    with torch.no_grad():
        assert_close(net(x)[:, 0], sawtooth_on_paper(blocks, x[:, 0]), atol=1e-9)
    assert draw.count_pieces(net) == 2**blocks  # 2**(blocks - 1) teeth, two pieces each
    assert draw.count_parameters(net) == 7 * blocks


def test_count_pieces_agrees_with_a_count_by_hand():
    assert draw.count_pieces(lambda t: t) == 1
    assert draw.count_pieces(lambda t: (t - 0.5).abs()) == 2
    assert draw.count_pieces(lambda t: torch.relu(t - 0.25) - torch.relu(t - 0.75)) == 3


@pytest.mark.parametrize("seed", range(4))
def test_one_hidden_layer_bends_at_most_once_per_unit(seed):
    # the slope, measured on a fine grid, changes only next to some unit's -b / w
    net = nl.make_network([1, 12, 1], seed=seed, dtype=F64)
    x = torch.linspace(-3, 3, 6001, dtype=F64)[:, None]
    with torch.no_grad():
        y = net(x)[:, 0]
    slopes = y.diff() / x[:, 0].diff()
    where = x[1:-1, 0][torch.nonzero(slopes.diff().abs() > 1e-9).flatten()]
    at = (-net[0].bias / net[0].weight[:, 0]).detach()
    assert all((at - p).abs().min() <= 2e-3 for p in where)
    assert len({int(torch.argmin((at - p).abs())) for p in where}) <= 12


@pytest.mark.parametrize("blocks", [3, 10])
def test_depth_table_rows_are_the_counts_on_paper(blocks):
    # pieces 2**k, parameters 7k; one hidden layer: a unit per bend, 3 parameters each, plus 1
    row = draw.depth_table([blocks]).splitlines()[2]
    units = 2**blocks - 1
    assert row == (
        f"| {blocks} | {2**blocks:,} | {7 * blocks:,} | {units:,} | "
        f"{parameters_on_paper([1, units, 1]):,} |"
    )


@pytest.mark.parametrize("shape", [draw.WIDE, draw.DEEP])
def test_both_race_networks_have_97_parameters_and_can_draw_the_sawtooth_exactly(shape):
    assert parameters_on_paper(shape) == 97
    assert draw.count_parameters(nl.make_network(shape)) == 97
    x, y = draw.make_sawtooth(dtype=F64)
    on_paper = 2 * sawtooth_on_paper(draw.TEETH_DEPTH, (x + 3) / 6) - 1
    assert_close(y, on_paper, atol=1e-12)
    with torch.no_grad():
        assert_close(draw.exact_sawtooth_network(shape)(x), on_paper, atol=1e-12)


def test_the_sawtooth_target_has_four_teeth_from_minus_one_to_one():
    x, y = draw.make_sawtooth(dtype=F64)
    assert x.shape == (200, 1) and x.min() == -3 and x.max() == 3
    assert y.min() == -1
    assert_close(y.max(), 1.0, atol=0.02)
    peaks = ((y[1:-1, 0] > y[:-2, 0]) & (y[1:-1, 0] >= y[2:, 0])).sum()
    assert peaks == 4


@pytest.mark.parametrize("shape", [draw.WIDE, draw.DEEP])
def test_training_side_by_side_gives_what_train_gives_one_network_at_a_time(shape):
    x, y = draw.make_sawtooth(n=50, dtype=F64)
    together = [nl.make_network(shape, seed=s, dtype=F64) for s in (0, 1, 2)]
    losses = draw.train_many(together, x, y, lr=0.02, steps=20, momentum=0.9)
    for seed, model in zip((0, 1, 2), together):
        alone = nl.make_network(shape, seed=seed, dtype=F64)
        expected = nl.train(alone, x, y, lr=0.02, steps=20, momentum=0.9)
        assert_close(losses[seed], expected, atol=1e-12)
        for p, q in zip(model.parameters(), alone.parameters()):
            assert_close(p.detach(), q.detach(), atol=1e-12)


def test_the_wide_network_wins_the_race_on_every_seed(race):
    # the Summary: "in this page's race at equal parameters it [SGD] did not" find depth's functions
    x, y = draw.make_sawtooth()
    final = {}
    for shape, (models, losses) in race.items():
        with torch.no_grad():
            final[shape] = torch.tensor([mse(m(x), y).item() for m in models])
        assert_close(losses[:, -1], final[shape], rtol=1e-5)
    assert len(final[draw.WIDE]) == 5
    assert torch.all(final[draw.WIDE] < final[draw.DEEP])


def test_full_batch_training_is_called_gradient_descent_not_sgd():
    # the glossary: SGD steps on random mini-batches; train and the race use every point each step
    page = (Path(__file__).parents[1] / "docs" / "nonlinearity.md").read_text()
    prose = page.replace("torch.optim.SGD", "")
    assert "SGD" not in prose and "SGD" not in nl.train.__doc__
    assert "gradient descent with momentum" in nl.train.__doc__


def test_the_race_summary_says_what_the_numbers_say():
    def fake(wide, deep):
        return {
            draw.WIDE: (None, torch.tensor(wide)[:, None]),
            draw.DEEP: (None, torch.tensor(deep)[:, None]),
        }

    wide_wins = draw.depth_summary(fake([0.1] * 5, [0.3] * 5))
    assert "lower one on 5 of the 5 seeds" in wide_wins
    assert "gradient descent did better with width" in wide_wins
    assert (
        "SGD" not in wide_wins
    )  # full-batch training is gradient descent (the glossary)
    deep_wins = draw.depth_summary(fake([0.3] * 5, [0.1] * 5))
    assert "on 0 of the 5 seeds, and the deep network's on 5" in deep_wins
    assert "deep network came out ahead" in deep_wins
    mixed = draw.depth_summary(fake([0.1, 0.3, 0.1, 0.3, 0.1], [0.2] * 5))
    assert "neither architecture came out ahead" in mixed


def test_divergence_is_a_result_not_a_crash(sine):
    # the page: the loss grows, overflows to inf and then nan, and train returns those losses
    x, y = sine
    losses = nl.train(nl.make_network([1, 16, 1]), x, y, lr=5.0, steps=60)
    assert len(losses) == 61
    first_inf = int(torch.isinf(losses).int().argmax())
    assert 0 < first_inf < 60 and losses[first_inf - 1] > losses[0]
    assert torch.isnan(losses[first_inf:]).any() and torch.isnan(losses[-1])


# ---------------------------------------------------------------------------------------------
# What PyTorch does, which the page relies on


def test_pytorch_nn_linear_1_1_is_the_line_of_fit_a_line():
    # the page: its weight is the slope a1 and its bias the intercept a2
    layer = nn.Linear(1, 1, dtype=F64)
    with torch.no_grad():
        layer.weight.fill_(3.0)
        layer.bias.fill_(2.0)
    x, _ = fit_line.make_data(dtype=F64)
    assert_close(
        layer(x[:, :1])[:, 0], x @ torch.tensor([3.0, 2.0], dtype=F64), atol=1e-12
    )


def test_pytorch_a_plain_nn_linear_draws_from_the_global_generator():
    # why make_network uses skip_init and a generator of its own
    before = torch.get_rng_state()
    nn.Linear(1, 16)
    assert not torch.equal(torch.get_rng_state(), before)


def test_pytorch_takes_the_slope_of_relu_at_0_to_be_0():
    z = torch.zeros(1, dtype=F64, requires_grad=True)
    torch.relu(z).backward()
    assert z.grad.item() == 0


def test_pytorch_sigmoid_is_the_sigmoid_of_loss_and_squashes_into_0_1_and_tanh_into_minus_1_1():
    from snippets import loss_functions

    z = torch.linspace(-30, 30, 121, dtype=F64)
    assert_close(torch.sigmoid(z), loss_functions.sigmoid(z), atol=1e-15)
    assert torch.sigmoid(z).min() >= 0 and torch.sigmoid(z).max() <= 1
    assert torch.tanh(z).min() >= -1 and torch.tanh(z).max() <= 1


# ---------------------------------------------------------------------------------------------
# When the input is wrong


def sine10():
    return nl.make_sine(n=10)


def net4():
    return nl.make_network([1, 4, 1])


DTYPES = [torch.int64, torch.bool, "float32", None, float]
WIDTHS = [None, 3, "1,4,1", [1], [], [1, 0, 1], [1, 2.5, 1], [1, True, 1], [1, -2, 1]]
ACTIVATIONS = [
    torch.relu,
    "relu",
    3,
    nn.ReLU(),
]  # a function or an instance, not a class
MODELS = [
    None,
    "net",
    nn.ReLU(),  # no parameters
    nl.make_network([2, 4, 1]),  # two inputs, x has one column
    nl.make_network([1, 4, 2]),  # two outputs, y has one column
    nl.make_network([1, 4, 1], dtype=F64),  # x is float32
]
X = [*BAD["tensor"], torch.zeros(10), torch.zeros(9, 1), torch.zeros(10, 2)]
X += [torch.zeros(7, 1, dtype=torch.int64), torch.zeros(10, 1, dtype=F64)]
Y = [*BAD["tensor"], torch.zeros(10), torch.zeros(9, 1), torch.zeros(10, 2)]
Y += [torch.zeros(10, 1, dtype=torch.int64)]
TRAINING = {
    "model": MODELS,
    "x": X,
    "y": Y,
    "lr": "positive",
    "steps": [*BAD["count"], 0],
    "momentum": "fraction",
    "watch": [3, "watch"],
}
FIRST = [None, nn.ReLU(), nn.Linear(1, 3), nn.Linear(1, 2, bias=False)]
SECOND = [None, nn.Sequential(nn.Linear(2, 1)), nn.Linear(2, 1, dtype=F64)]
ONE_HIDDEN_LAYER = {
    "model": [
        None,
        "model",
        nn.Sequential(),
        nl.make_network([1, 4, 4, 1]),
        nl.make_network([2, 4, 1]),
        nl.make_network([1, 4, 2]),
        nn.Sequential(nn.Linear(1, 4), nn.ReLU(), nn.Linear(3, 1)),
    ],
    "x": [
        *BAD["tensor"],
        torch.zeros(5),
        torch.zeros(5, 2),
        torch.zeros(5, 1, dtype=F64),  # the model is float32
        torch.zeros(6, 1, dtype=torch.int64),
    ],
}

CALLS = [
    Call(
        nl.make_sine,
        {
            "n": [1, 0, 2.5, "10", None, True],
            "noise": [-0.1, NAN, INF, "0.05", None],
            "seed": "seed",
            "dtype": DTYPES,
        },
        n=10,
    ),
    Call(nl.check_dtype, {"dtype": DTYPES}, dtype=F64),
    *[
        Call(
            fn,
            {
                "widths": WIDTHS,
                "activation": ACTIVATIONS,
                "seed": "seed",
                "dtype": DTYPES,
            },
            widths=[1, 4, 1],
            activation=nn.Tanh,
            seed=0,
            dtype=torch.float32,
        )
        for fn in (nl.make_network, nl.check_network)
    ],
    *[
        Call(
            fn,
            TRAINING,
            model=net4,
            x=lambda: sine10()[0],
            y=lambda: sine10()[1],
            lr=0.1,
            steps=3,
            momentum=0.9,
        )
        for fn in (nl.train, nl.check_training)
    ],
    *[
        Call(
            fn,
            {"first": FIRST, "second": SECOND},
            first=lambda: nn.Linear(1, 2),
            second=lambda: nn.Linear(2, 1),
        )
        for fn in (nl.merge, nl.check_mergeable)
    ],
    Call(
        nl.collapse,
        {"model": [None, "model", nn.Sequential(), nn.Linear(1, 1), net4()]},
        model=lambda: nl.make_network([1, 3, 2], activation=None),
    ),
    Call(
        nl.derivative,
        {"f": [None, "tanh", 3], "z": [*BAD["tensor"], torch.arange(3)]},
        f=lambda: torch.tanh,  # a function given here is called for a fresh value
        z=lambda: torch.linspace(-1, 1, 5),
    ),
    *[
        Call(
            fn,
            ONE_HIDDEN_LAYER,
            model=net4,
            x=lambda: torch.linspace(-1, 1, 5)[:, None],
        )
        for fn in (nl.hidden_pieces, nl.check_one_hidden_layer)
    ],
    Call(nl.tent_block, {}),
    Call(nl.sine_network, {}),
    Call(nl.sawtooth_network, {"blocks": [*BAD["count1"], True]}, blocks=2),
]


(
    test_every_public_lesson_function_is_in_the_table_of_bad_inputs,
    test_each_call_of_the_table_is_valid,
    test_a_bad_argument_is_refused_with_a_message_that_names_it,
) = table_of_bad_inputs(nl, CALLS)


def test_the_error_table_shows_a_refusal_for_every_call_it_makes():
    rows = draw.error_table(nl).splitlines()[2:]
    assert len(rows) >= 10
    assert all(
        ": " in row and ("ValueError" in row or "TypeError" in row) for row in rows
    )
    assert " at 0x" not in "\n".join(
        rows
    )  # no memory address: the page is the same every build


# ---------------------------------------------------------------------------------------------
# The whole program


def test_the_whole_program_runs_in_a_fresh_file_and_prints_both_losses_every_50_steps(
    tmp_path, fits, line_loss
):
    out = run_program("nonlinearity.md", "nonlinearity.py", tmp_path)
    assert [int(line.split()[1]) for line in out[:-1]] == list(range(0, 301, 50))
    _, _, _, losses = fits[0]  # the same network, data and settings as the program's
    assert out[6].endswith(f"network {losses[-1]:.4f}")
    line = float(out[6].split("line ")[1].split()[0])
    assert_close(line, line_loss, atol=1e-4)  # the trained line lands on least squares
    ratio = int(
        out[-1].removeprefix("the network's loss is ").removesuffix(" times lower")
    )
    assert_close(ratio, line_loss / losses[-1], atol=1)


# ---------------------------------------------------------------------------------------------
# The drawing


def test_the_sentences_and_the_parameter_table_print_the_runs_settings():
    for text in (draw.data_sentence(), draw.fit_settings_sentence()):
        assert len(text.split()) >= 12 and any(c.isdigit() for c in text)
    table = draw.parameter_table(nl.make_network([1, 16, 1]))
    assert "| `0.weight` | 16 × 1 | 16 |" in table and "**49**" in table


def test_saturation_table_writes_every_slope_in_one_format():
    # exact values as they are, every other one with three digits in scientific notation
    rows = draw.saturation_table([-10, -2, 0, 2, 5, 10]).splitlines()[2:]
    cells = [cell.strip() for row in rows for cell in row.strip("|").split("|")[1:]]
    one_format = re.compile(r"(0|0\.25|1|[1-9]\.\d\d × 10[⁻¹²³⁴⁵⁶⁷⁸⁹]+)")
    assert len(cells) == 18 and all(one_format.fullmatch(c) for c in cells), cells
    assert draw.slope_text(0.10499358540350652) == "1.05 × 10⁻¹"


def test_saturation_table_shows_the_slopes_on_paper():
    rows = draw.saturation_table([-10, 0, 10]).splitlines()
    assert rows[2].startswith("| −10 |") and rows[2].endswith("| 0 |")
    assert (
        rows[3] == "| 0 | 0.25 | 1 | 0 |"
    )  # sigma'(0) = 1/4, tanh'(0) = 1, PyTorch's ReLU'(0)
    sigmoid, tanh = (
        CLOSED_FORMS[n](torch.tensor(10.0, dtype=F64)) for n in ("sigmoid", "tanh")
    )
    assert rows[4].startswith(
        f"| 10 | {draw.slope_text(sigmoid)} | {draw.slope_text(tanh)} |"
    )
    assert rows[4].endswith("| 1 |")


def test_the_animation_follows_the_same_training_as_the_numbers(fits, sine):
    x, y = sine
    grid = torch.linspace(-3, 3, 121)[:, None]
    steps, grid_used, curves, losses = draw.fit_history(x, y)
    assert torch.equal(grid_used, grid)
    _, _, model, expected = fits[0]
    assert torch.equal(losses, expected)
    assert steps == draw.frame_steps(draw.FIT["steps"])
    with torch.no_grad():
        assert_close(curves[-1], model(grid)[:, 0])


def test_the_animation_has_at_most_60_frames_and_moves_in_both_themes(fits, sine):
    steps = draw.frame_steps(draw.FIT["steps"])
    assert 15 <= len(steps) <= 60 and steps[0] == 0 and steps[-1] == draw.FIT["steps"]
    assert all(a < b for a, b in itertools.pairwise(steps))
    x, y = sine
    grid = torch.linspace(-3, 3, 121)[:, None]
    _, _, _, losses = fits[0]
    curves = torch.stack([torch.zeros(121), torch.sin(grid[:, 0])])
    line = draw.least_squares_line(x, y)
    frames = {
        t: draw.animate_fit(x, y, grid, [0, 300], curves, losses, line, theme=t)
        for t in ("light", "dark")
    }
    for f in frames.values():
        assert len(f) == 2 and f[0].shape[1] <= 800 and f[0].shape[0] <= 450
        assert not np.array_equal(f[0], f[1])
    assert frames["light"][0].mean() > frames["dark"][0].mean()


def palette_colours(theme):
    p = render.PALETTES[theme]
    return {c.lower() for c in [*p["cycle"], p["muted"], p["fg"], p["grid"]]}


def line_colours(fig):
    return {to_hex(line.get_color()) for ax in fig.axes for line in ax.get_lines()}


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_figures_draw_their_lines_in_the_themes_colours(theme, fits, race):
    x, y, model, _ = fits[0]
    figs = {
        "activations": draw.plot_activations(theme=theme),
        "pieces": draw.plot_pieces(model, x, y, theme=theme),
        "folds": draw.plot_folds(theme=theme),
        "depth": draw.plot_depth_run(race, theme=theme),
    }
    bg = render.PALETTES[theme]["bg"]
    for name, fig in figs.items():
        assert isinstance(fig, Figure)
        assert line_colours(fig) <= palette_colours(theme), (
            f"{name}: a colour outside the {theme} palette"
        )
        assert to_hex(fig.get_facecolor()) == bg.lower()
    # 2 axis lines, f and f' in each panel; one line per unit plus the bend dots; the target and
    # five seeds in each panel
    # ... and ReLU's derivative in two pieces, with a filled dot at (0, 0) and a hollow one at (0, 1)
    assert [len(ax.get_lines()) for ax in figs["activations"].axes] == [4, 4, 7]
    relu = figs["activations"].axes[2].get_lines()
    pieces = [line for line in relu if line.get_linestyle() == "--"]
    assert len(pieces) == 2 and all(len(set(line.get_ydata())) == 1 for line in pieces)
    assert {line.get_ydata()[0] for line in pieces} == {0.0, 1.0}
    dots = [line for line in relu if line.get_marker() == "o"]
    bg = render.PALETTES[theme]["bg"].lower()
    filled = {
        line.get_ydata()[0]: to_hex(line.get_markerfacecolor()) != bg for line in dots
    }
    assert filled == {0.0: True, 1.0: False}  # PyTorch's relu'(0) = 0, tested above
    # one colour, one meaning: the seeds' networks all in the colour of "path", the target "answer"
    role = render.PALETTES[theme]["role"]
    depth_lines = figs["depth"].axes[0].get_lines()
    assert to_hex(depth_lines[0].get_color()) == role["answer"]
    assert {to_hex(line.get_color()) for line in depth_lines[1:]} == {role["path"]}
    # the target, and one entry for all the seeds
    assert len(figs["depth"].legends[0].get_texts()) == 2
    for ax in figs[
        "activations"
    ].axes:  # the function is "path", its derivative "second"
        f, *derivative = ax.get_lines()[2:]
        assert to_hex(f.get_color()) == role["path"]
        assert {to_hex(line.get_color()) for line in derivative} == {role["second"]}
    total, _bends = figs["pieces"].axes[1].get_lines()[-2:]  # after the bends' rules
    assert to_hex(total.get_color()) == role["path"]
    data = figs["pieces"].axes[1].collections[0]
    assert to_hex(data.get_facecolor()[0]) == role["data"]
    assert len(figs["pieces"].axes[0].get_lines()) >= 16
    assert len(figs["folds"].axes[0].get_lines()) == 4
    assert [len(ax.get_lines()) for ax in figs["depth"].axes] == [6, 6]


def test_alt_texts_and_reports_describe_the_figures_with_numbers(fits, race, sine):
    x, y, model, losses = fits[0]
    stack = nl.make_network([1, 8, 8, 1], activation=None)
    texts = [
        draw.activations_alt(),
        draw.fit_alt(draw.frame_steps(300), losses, 0.17),
        draw.pieces_alt(draw.unit_census(model)),
        draw.depth_alt(race),
        draw.depth_results_table(race),
        draw.race_setup(),
        draw.fit_report(x, y, losses),
        draw.pieces_report(model, x),
        draw.stack_report(stack, *sine, nl.train(stack, *sine, steps=5)),
    ]
    for alt in texts:
        assert len(alt.split()) >= 12 and any(c.isdigit() for c in alt)
    assert "peaks at 0.25 at z = 0" in texts[0]
