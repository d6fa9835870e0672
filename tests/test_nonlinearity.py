"""The claims of docs/nonlinearity.md, checked with the functions the page runs."""

import itertools
import math

import numpy as np
import pytest
import torch
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from torch import nn

from conftest import ROOT, assert_close, defaults, run_program
from snippets import fit_line, render
from snippets import nonlinearity as nl

F64 = torch.float64


@pytest.fixture(scope="module")
def sine():
    return nl.make_sine()


@pytest.fixture(scope="module")
def sine64():
    return nl.make_sine(dtype=F64)


@pytest.fixture(scope="module")
def line_loss(sine):
    return nl.least_squares_line(*sine)[1]


@pytest.fixture(scope="module")
def fits():
    """The page's network trained from seeds 0, 1 and 2 (seed 0 is the one the page shows)."""
    return {seed: nl.fit_sine(seed=seed) for seed in (0, 1, 2)}


@pytest.fixture(scope="module")
def race():
    """The depth race exactly as the page runs it."""
    return nl.depth_run()


# ---------------------------------------------------------------------------------------------
# The settings the prose describes


def test_defaults_are_the_settings_the_page_describes():
    # the prose: 100 points, x uniform in [-3, 3], noise of standard deviation 0.05; the network
    # 1 -> 16 -> 1 from seed 0 with learning rate 0.05, momentum 0.9 and 300 steps
    assert defaults(nl.make_sine) == {
        "n": 100,
        "noise": 0.05,
        "seed": 0,
        "dtype": torch.float32,
    }
    assert nl.FIT == {"widths": (1, 16, 1), "lr": 0.05, "steps": 300, "momentum": 0.9}
    assert {k: defaults(nl.train)[k] for k in ("lr", "steps", "momentum")} == {
        k: nl.FIT[k] for k in ("lr", "steps", "momentum")
    }
    assert defaults(nl.make_network)["activation"] is nn.ReLU
    # the race: the wide 1 -> 32 -> 1 against the deep 1 -> 8 -> 8 -> 1, seeds 0 to 4
    assert (nl.WIDE, nl.DEEP) == ((1, 32, 1), (1, 8, 8, 1))
    assert nl.DEPTH_RUN["seeds"] == (0, 1, 2, 3, 4)


def test_the_sine_data_is_a_column_of_inputs_in_range_with_small_noise(sine):
    x, y = sine
    assert x.shape == (100, 1) and y.shape == (100, 1)
    assert x.min() >= -3 and x.max() <= 3
    noise = y - torch.sin(x)
    assert 0.04 < noise.std() < 0.06 and abs(noise.mean()) < 0.02


def test_same_seed_gives_same_data_and_another_seed_does_not():
    a, b, c = nl.make_sine(seed=3), nl.make_sine(seed=3), nl.make_sine(seed=4)
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    assert not torch.equal(a[0], c[0])


# ---------------------------------------------------------------------------------------------
# Layers in PyTorch


def test_nn_linear_1_1_is_the_line_of_fit_a_line():
    # the page: its weight is the slope a1 and its bias the intercept a2
    layer = nn.Linear(1, 1, dtype=F64)
    with torch.no_grad():
        layer.weight.fill_(3.0)
        layer.bias.fill_(2.0)
    x, _ = fit_line.make_data(dtype=F64)
    assert_close(layer(x[:, :1])[:, 0], x @ torch.tensor([3.0, 2.0], dtype=F64), 1e-12)


def test_make_network_puts_the_activation_between_the_linear_layers_only():
    net = nl.make_network([1, 16, 1])
    assert [type(m) for m in net] == [nn.Linear, nn.ReLU, nn.Linear]
    assert (net[0].in_features, net[0].out_features, net[2].out_features) == (1, 16, 1)
    deep = nl.make_network([1, 8, 8, 1], activation=nn.Tanh)
    assert [type(m) for m in deep] == [
        nn.Linear,
        nn.Tanh,
        nn.Linear,
        nn.Tanh,
        nn.Linear,
    ]
    assert all(
        isinstance(m, nn.Linear) for m in nl.make_network([1, 8, 8, 1], activation=None)
    )


def test_initial_weights_come_from_pytorchs_default_range():
    # nn.Linear's default: uniform in +-1/sqrt(fan_in), for weights and biases alike
    net = nl.make_network([4, 64, 64, 1], seed=1)
    for layer in (m for m in net if isinstance(m, nn.Linear)):
        bound = 1 / math.sqrt(layer.in_features)
        for p in (layer.weight, layer.bias):
            assert p.abs().max() <= bound and p.abs().max() > 0.8 * bound


def test_same_seed_same_network_and_the_global_generator_is_untouched():
    before = torch.get_rng_state()
    nn.Linear(1, 16)
    assert not torch.equal(
        torch.get_rng_state(), before
    )  # a plain nn.Linear draws from it
    before = torch.get_rng_state()
    a, b, c = (nl.make_network([1, 16, 1], seed=s) for s in (5, 5, 6))
    assert torch.equal(
        torch.get_rng_state(), before
    )  # skip_init: no draw from the global generator
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert not torch.equal(a[0].weight, c[0].weight)


def test_the_network_of_the_page_has_49_parameters_in_four_tensors():
    net = nl.make_network([1, 16, 1])
    assert [tuple(p.shape) for p in net.parameters()] == [(16, 1), (16,), (1, 16), (1,)]
    assert nl.count_parameters(net) == 49
    table = nl.parameter_table(net)
    assert "| `0.weight` | 16 × 1 | 16 |" in table and "**49**" in table


def test_train_is_momentum_sgd_as_written_by_hand(sine64):
    # an independent loop: v <- mu v + g, p <- p - lr v (Mini-batches), gradients by autograd.grad
    x, y = sine64
    net = nl.make_network([1, 4, 1], seed=2, dtype=F64)
    params = [p.detach().clone().requires_grad_() for p in net.parameters()]
    velocity = [torch.zeros_like(p) for p in params]
    by_hand = []
    for _ in range(30):
        w1, b1, w2, b2 = params
        loss = ((torch.relu(x @ w1.T + b1) @ w2.T + b2 - y) ** 2).mean()
        by_hand.append(loss.item())
        grads = torch.autograd.grad(loss, params)
        with torch.no_grad():
            for p, v, g in zip(params, velocity, grads):
                v.mul_(0.9).add_(g)
                p.sub_(0.05 * v)
    losses = nl.train(net, x, y, lr=0.05, steps=30, momentum=0.9)
    assert_close(losses[:-1], torch.tensor(by_hand, dtype=F64), 1e-12)
    for p, q in zip(net.parameters(), params):
        assert_close(p.detach(), q.detach(), 1e-12)


def test_train_returns_the_loss_before_each_step_and_after_the_last(sine):
    x, y = sine
    net = nl.make_network([1, 4, 1], seed=3)
    with torch.no_grad():
        first = fit_line.mse(net(x), y).item()
    seen = []
    losses = nl.train(net, x, y, steps=7, watch=lambda step, model: seen.append(step))
    with torch.no_grad():
        last = fit_line.mse(net(x), y).item()
    assert (
        len(losses) == 8
        and losses[0] == pytest.approx(first)
        and losses[-1] == pytest.approx(last)
    )
    assert seen == list(range(7))  # watch looks before every step


def test_the_optimizer_steps_every_layer_however_many(sine):
    x, y = sine
    net = nl.make_network([1, 6, 6, 6, 1], seed=0)
    before = [p.detach().clone() for p in net.parameters()]
    nl.train(net, x, y, steps=3)
    assert all(not torch.equal(p, q) for p, q in zip(net.parameters(), before))


# ---------------------------------------------------------------------------------------------
# A curve no line fits


def test_least_squares_line_matches_the_normal_equations_and_no_trained_line_beats_it(
    sine64, sine
):
    x, y = sine64
    (slope, intercept), loss = nl.least_squares_line(x, y)
    cols = torch.cat([x, torch.ones_like(x)], dim=1)
    normal = torch.linalg.solve(cols.T @ cols, cols.T @ y[:, 0])
    assert_close(torch.stack([slope, intercept]), normal, 1e-10)
    line = nl.make_network([1, 1], dtype=F64)
    trained = nl.train(line, x, y, lr=0.05, steps=300)
    assert trained.min() >= loss - 1e-12 and trained[-1] - loss < 1e-9
    # "the line catches the overall rise from left to right, and misses both bends"
    assert (
        slope > 0
        and loss < 0.5 * y.var(unbiased=False)
        and loss > 0.25 * y.var(unbiased=False)
    )


# ---------------------------------------------------------------------------------------------
# Stacking linear layers adds nothing


def test_two_linear_layers_in_a_row_are_one_with_w2_w1_and_w2_b1_plus_b2():
    first = nl.make_network([3, 5], seed=0, dtype=F64)[0]
    second = nl.make_network([5, 2], seed=1, dtype=F64)[0]
    merged = nl.merge(first, second)
    with torch.no_grad():
        assert_close(merged.weight, second.weight @ first.weight, 0)
        assert_close(merged.bias, second.weight @ first.bias + second.bias, 0)
        x = torch.randn(1000, 3, generator=torch.Generator().manual_seed(0), dtype=F64)
        assert_close(merged(x), second(first(x)), 1e-12)
    assert nl.merge_gap(sizes=(3, 5, 2), n=1000) < 1e-12


def test_collapse_merges_a_whole_stack_and_refuses_one_with_an_activation():
    stack = nl.make_network([2, 7, 4, 3], activation=None, seed=4, dtype=F64)
    x = torch.randn(50, 2, generator=torch.Generator().manual_seed(1), dtype=F64)
    with torch.no_grad():
        assert_close(nl.collapse(stack)(x), stack(x), 1e-12)
    with pytest.raises(
        ValueError,
        match=r"only a stack of nn\.Linear layers collapses; this one also has ReLU",
    ):
        nl.collapse(nl.make_network([2, 7, 3]))


def test_a_deep_linear_stack_trains_to_the_least_squares_line(sine):
    # the page's block: 1 -> 8 -> 8 -> 1 without activations, 300 steps with train's defaults
    x, y = sine
    stack = nl.make_network([1, 8, 8, 1], activation=None)
    assert nl.count_parameters(stack) == 97
    loss = nl.train(stack, x, y, lr=0.05, steps=300)[-1].item()
    (slope, intercept), best = nl.least_squares_line(x, y)
    assert loss >= best - 1e-6 and loss - best < 1e-6
    one = nl.collapse(stack)
    assert (
        abs(one.weight.item() - slope) < 1e-3
        and abs(one.bias.item() - intercept) < 1e-3
    )


# ---------------------------------------------------------------------------------------------
# Activation functions


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "ReLU"])
def test_autograd_derivatives_match_the_closed_forms(name):
    z = torch.linspace(-8, 8, 161, dtype=F64)
    z = z[z != 0]  # ReLU has no derivative at 0 (see the next test)
    assert_close(
        nl.derivative(nl.ACTIVATIONS[name], z), nl.CLOSED_FORMS[name](z), 1e-12
    )


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "ReLU"])
def test_autograd_derivatives_match_finite_differences(name):
    f, h = nl.ACTIVATIONS[name], 1e-6
    z = torch.tensor([-4.3, -1.1, -0.2, 0.3, 1.7, 5.2], dtype=F64)
    assert_close(nl.derivative(f, z), (f(z + h) - f(z - h)) / (2 * h), 1e-8)


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
    assert nl.derivative(torch.sigmoid, z).max() == pytest.approx(0.25, abs=1e-12)
    for z0 in (-3.0, 0.0, 2.0):
        assert nl.chained_sigmoid_slope(5, z=z0) <= 0.25**5
    assert nl.chained_sigmoid_slope(1, z=0.0) == pytest.approx(0.25)


def test_relu_slope_is_one_for_every_positive_input_and_zero_for_every_negative_one():
    positive = torch.tensor([1e-6, 0.5, 10.0, 1e6], dtype=F64)
    assert torch.equal(nl.derivative(torch.relu, positive), torch.ones(4, dtype=F64))
    assert torch.equal(nl.derivative(torch.relu, -positive), torch.zeros(4, dtype=F64))
    assert (
        nl.derivative(torch.relu, torch.zeros(1, dtype=F64)).item() == 0
    )  # PyTorch's choice at 0


def test_a_relu_unit_off_for_every_example_gets_no_gradient(sine):
    x, y = sine
    net = nl.make_network([1, 2, 1], seed=0)
    with torch.no_grad():
        net[0].weight[0, 0], net[0].bias[0] = (
            1.0,
            -5.0,
        )  # w x + b < 0 for every x in [-3, 3]
    fit_line.mse(net(x), y).backward()
    assert net[0].weight.grad[0, 0] == 0 and net[0].bias.grad[0] == 0
    assert net[0].weight.grad[1, 0] != 0


def test_saturation_table_shows_autograd_slopes():
    rows = nl.saturation_table([-10, 0, 10]).splitlines()
    assert rows[2].startswith("| −10 |") and rows[2].endswith("| 0 |")
    assert rows[3] == "| 0 | 0.25 | 1 | 0 |"
    assert rows[4].startswith("| 10 | 4.5 × 10⁻⁵ | 8.2 × 10⁻⁹ |") and rows[4].endswith(
        "| 1 |"
    )


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
    (slope, intercept), _ = nl.least_squares_line(*sine)
    at = torch.tensor([[-math.pi / 2], [math.pi / 2]])
    with torch.no_grad():
        assert_close(model(at)[:, 0], torch.tensor([-1.0, 1.0]), 0.1)
    assert (
        (slope * at[:, 0] + intercept) - torch.tensor([-1.0, 1.0])
    ).abs().min() > 0.4


def test_the_sigmoid_is_the_one_that_turned_scores_into_probabilities_in_loss():
    from snippets import loss

    z = torch.linspace(-30, 30, 121, dtype=F64)
    assert_close(torch.sigmoid(z), loss.sigmoid(z), 1e-15)
    assert torch.sigmoid(z).min() >= 0 and torch.sigmoid(z).max() <= 1
    assert torch.tanh(z).min() >= -1 and torch.tanh(z).max() <= 1


def test_the_network_ends_close_to_the_noise_in_the_data(fits):
    x, y, _, losses = fits[0]
    noise = fit_line.mse(torch.sin(x), y).item()
    assert losses[-1] < 1.5 * noise
    assert nl.fit_report(x, y, losses).endswith(
        f"within {losses[-1] / noise - 1:.0%} of it."
    )


def test_the_animation_follows_the_same_training_as_the_numbers(fits, sine):
    x, y = sine
    grid = torch.linspace(-3, 3, 121)[:, None]
    steps, grid_used, curves, losses = nl.fit_history(x, y)
    assert torch.equal(grid_used, grid)
    _, _, model, expected = fits[0]
    assert torch.equal(losses, expected)
    assert steps == nl.frame_steps(nl.FIT["steps"])
    with torch.no_grad():
        assert_close(curves[-1], model(grid)[:, 0], 0)


def test_the_animation_has_at_most_60_frames_and_moves_in_both_themes(
    fits, sine, line_loss
):
    steps = nl.frame_steps(nl.FIT["steps"])
    assert 15 <= len(steps) <= 60 and steps[0] == 0 and steps[-1] == nl.FIT["steps"]
    assert all(a < b for a, b in itertools.pairwise(steps))
    x, y = sine
    grid = torch.linspace(-3, 3, 121)[:, None]
    _, _, _, losses = fits[0]
    curves = torch.stack([torch.zeros(121), torch.sin(grid[:, 0])])
    line = nl.least_squares_line(x, y)
    frames = {
        t: nl.animate_fit(x, y, grid, [0, 300], curves, losses, line, theme=t)
        for t in ("light", "dark")
    }
    for f in frames.values():
        assert len(f) == 2 and f[0].shape[1] <= 800 and f[0].shape[0] <= 450
        assert not np.array_equal(f[0], f[1])
    assert frames["light"][0].mean() > frames["dark"][0].mean()


# ---------------------------------------------------------------------------------------------
# A sum of bent lines


def test_the_hidden_units_pieces_add_up_to_the_network_output(fits):
    x, _, model, _ = fits[0]
    with torch.no_grad():
        assert_close(
            nl.hidden_pieces(model, x).sum(dim=1) + model[2].bias, model(x)[:, 0], 1e-5
        )
    net64 = nl.make_network([1, 16, 1], seed=7, dtype=F64)
    x64 = x.double()
    with torch.no_grad():
        assert_close(
            nl.hidden_pieces(net64, x64).sum(dim=1) + net64[2].bias,
            net64(x64)[:, 0],
            1e-12,
        )


def test_each_piece_is_flat_on_one_side_of_its_one_kink_at_minus_b_over_w_and_straight_on_the_other(
    fits,
):
    model = nl.make_network([1, 16, 1]).double()
    model.load_state_dict({k: v.double() for k, v in fits[0][2].state_dict().items()})
    w, b, v = (
        model[0].weight[:, 0].detach(),
        model[0].bias.detach(),
        model[2].weight[0].detach(),
    )
    for j, at in enumerate(nl.kinks(model).tolist()):
        left = torch.linspace(at - 2, at - 1e-3, 50, dtype=F64)[:, None]
        right = torch.linspace(at + 1e-3, at + 2, 50, dtype=F64)[:, None]
        pl, pr = (
            nl.hidden_pieces(model, left)[:, j],
            nl.hidden_pieces(model, right)[:, j],
        )
        on, off = (pr, pl) if w[j] > 0 else (pl, pr)
        grid = right if w[j] > 0 else left
        assert torch.all(off == 0)
        assert_close(on, v[j] * (w[j] * grid[:, 0] + b[j]), 1e-12)  # slope v_j w_j


def test_the_network_is_straight_between_its_bends_with_at_most_one_bend_per_unit(fits):
    _, _, model, _ = fits[0]
    model64 = nl.make_network([1, 16, 1], dtype=F64)
    model64.load_state_dict({k: v.double() for k, v in model.state_dict().items()})
    bends = sorted(k for k in nl.kinks(model64).tolist() if -3 < k < 3)
    edges = [-3.0, *bends, 3.0]
    for lo, hi in itertools.pairwise(edges):
        if hi - lo < 1e-9:
            continue
        t = torch.linspace(lo, hi, 7, dtype=F64)[:, None]
        with torch.no_grad():
            y = model64(t)[:, 0]
        line = y[0] + (y[-1] - y[0]) * (t[:, 0] - lo) / (hi - lo)
        assert_close(y, line, 1e-10)
    census = nl.unit_census(model)
    assert census["bend inside"] <= census["units"] == 16
    assert (
        census["bend inside"]
        + census["straight throughout"]
        + census["zero throughout"]
        == 16
    )


def test_units_counted_as_zero_throughout_are_zero_for_every_input_in_range(fits):
    x, _, model, _ = fits[0]
    grid = torch.linspace(-3, 3, 601)[:, None]
    with torch.no_grad():
        hidden = torch.relu(model[0](grid))
    zero = (hidden == 0).all(dim=0)
    census = nl.unit_census(model)
    assert int(zero.sum()) == census["zero throughout"] > 0
    assert "zero for every input" in nl.pieces_report(model, x)
    # "they pass back no gradient": not to their weights in, nor to their weights out
    model.zero_grad()
    fit_line.mse(model(x), fits[0][1]).backward()
    assert torch.all(model[0].weight.grad[zero] == 0) and torch.all(
        model[0].bias.grad[zero] == 0
    )
    assert torch.all(model[2].weight.grad[0, zero] == 0)
    model.zero_grad(set_to_none=True)


# ---------------------------------------------------------------------------------------------
# Why deep


def test_a_tent_block_folds_the_unit_interval_in_two():
    block = nn.Sequential(*nl.tent_block()).double()
    x = torch.linspace(0, 1, 101, dtype=F64)[:, None]
    with torch.no_grad():
        assert_close(block(x)[:, 0], 1 - (2 * x[:, 0] - 1).abs(), 1e-12)


@pytest.mark.parametrize("blocks", [1, 2, 3, 4, 6, 8, 10])
def test_each_tent_block_doubles_the_pieces_for_seven_more_parameters(blocks):
    net = nl.sawtooth_network(blocks).double()
    assert nl.count_pieces(net) == 2**blocks
    assert nl.count_parameters(net) == 7 * blocks


def test_count_pieces_agrees_with_a_count_by_hand():
    assert nl.count_pieces(lambda t: t) == 1
    assert nl.count_pieces(lambda t: (t - 0.5).abs()) == 2
    assert nl.count_pieces(lambda t: torch.relu(t - 0.25) - torch.relu(t - 0.75)) == 3


@pytest.mark.parametrize("seed", range(4))
def test_one_hidden_layer_bends_at_most_once_per_unit(seed):
    # independent of hidden_pieces: the slope, measured on a fine grid, changes only next to -b/w
    net = nl.make_network([1, 12, 1], seed=seed, dtype=F64)
    x = torch.linspace(-3, 3, 6001, dtype=F64)[:, None]
    with torch.no_grad():
        y = net(x)[:, 0]
    slopes = y.diff() / x[:, 0].diff()
    changed = torch.nonzero(slopes.diff().abs() > 1e-9).flatten()
    where = x[1:-1, 0][changed]
    at = nl.kinks(net)
    assert all((at - p).abs().min() <= 2e-3 for p in where)
    bends = {int(torch.argmin((at - p).abs())) for p in where}
    assert len(bends) <= 12


def test_depth_table_rows_are_the_counts_of_the_networks():
    rows = nl.depth_table([3, 10]).splitlines()[2:]
    assert rows[0] == "| 3 | 8 | 21 | 7 | 22 |"
    assert rows[1] == "| 10 | 1,024 | 70 | 1,023 | 3,070 |"
    assert nl.count_parameters(nl.make_network([1, 1023, 1])) == 3070


@pytest.mark.parametrize("shape", [nl.WIDE, nl.DEEP])
def test_both_race_networks_have_97_parameters_and_can_draw_the_sawtooth_exactly(shape):
    assert nl.count_parameters(nl.make_network(shape)) == 97
    x, y = nl.make_sawtooth(dtype=F64)
    with torch.no_grad():
        assert_close(nl.exact_sawtooth_network(shape)(x), y, 1e-12)
    assert (
        nl.count_pieces(
            lambda t: 2 * nl.sawtooth_network(nl.TEETH_DEPTH).double()((t + 3) / 6) - 1,
            -3.0,
            3.0,
        )
        == 8
    )


def test_the_sawtooth_target_has_four_teeth_from_minus_one_to_one():
    x, y = nl.make_sawtooth(dtype=F64)
    assert x.shape == (200, 1) and x.min() == -3 and x.max() == 3
    assert y.min() == -1 and y.max() == pytest.approx(1, abs=0.02)
    peaks = ((y[1:-1, 0] > y[:-2, 0]) & (y[1:-1, 0] >= y[2:, 0])).sum()
    assert peaks == 4


@pytest.mark.parametrize("shape", [nl.WIDE, nl.DEEP])
def test_training_side_by_side_gives_what_train_gives_one_network_at_a_time(shape):
    x, y = (t.double() for t in nl.make_sawtooth())
    together = [nl.make_network(shape, seed=s, dtype=F64) for s in (0, 1, 2)]
    losses = nl.train_many(together, x, y, lr=0.02, steps=40, momentum=0.9)
    for seed, model in zip((0, 1, 2), together):
        alone = nl.make_network(shape, seed=seed, dtype=F64)
        expected = nl.train(alone, x, y, lr=0.02, steps=40, momentum=0.9)
        assert_close(losses[seed], expected, 1e-12)
        for p, q in zip(model.parameters(), alone.parameters()):
            assert_close(p.detach(), q.detach(), 1e-12)


def test_the_race_gives_the_result_the_page_states(race):
    # the page and its summary: with equal parameters, steps and seeds, the wide network ended
    # with the lower loss on every seed
    verdict = nl.depth_verdict(race)
    assert verdict["wide wins"] == 5 and verdict["deep wins"] == 0
    assert verdict["wide"].median() < verdict["deep"].median()
    assert (
        "the wide network's loss was the lower one on 5 of the 5 seeds"
        in nl.depth_summary(race)
    )
    assert "SGD did better with width" in nl.depth_summary(race)


def test_the_race_summary_says_what_the_numbers_say():
    def fake(wide, deep):
        return {
            nl.WIDE: (None, torch.tensor(wide)[:, None]),
            nl.DEEP: (None, torch.tensor(deep)[:, None]),
        }

    deep_wins = nl.depth_summary(
        fake([0.3, 0.3, 0.3, 0.3, 0.3], [0.1, 0.1, 0.1, 0.1, 0.1])
    )
    assert (
        "on 0 of the 5 seeds, and the deep network's on 5" in deep_wins
        and "deep network came out ahead" in deep_wins
    )
    mixed = nl.depth_summary(fake([0.1, 0.3, 0.1, 0.3, 0.1], [0.2, 0.2, 0.2, 0.2, 0.2]))
    assert "neither architecture came out ahead" in mixed


def test_race_setup_states_the_settings_of_the_run():
    text = nl.race_setup()
    assert "Both have exactly 97 parameters" in text
    assert (
        f"learning rate {nl.DEPTH_RUN['lr']}, momentum {nl.DEPTH_RUN['momentum']}, "
        f"{nl.DEPTH_RUN['steps']:,} steps" in text
    )
    assert "sampled at 200 points" in text and "seeds 0 to 4" in text


# ---------------------------------------------------------------------------------------------
# Inputs, divergence, figures, the whole program


@pytest.mark.parametrize(
    "call, message",
    [
        (
            lambda x, y: nl.make_network([1, 0, 1]),
            r"every width must be an integer >= 1, got \[1, 0, 1\]",
        ),
        (
            lambda x, y: nl.make_network([1, 2.5, 1]),
            "every width must be an integer >= 1",
        ),
        (
            lambda x, y: nl.make_network([1]),
            "widths must list at least the input and the output width",
        ),
        (lambda x, y: nl.make_network([]), "widths must list at least"),
        (
            lambda x, y: nl.train(nl.make_network([1, 4, 1]), x, y[:-1]),
            r"same n, got \(10, 1\) and \(9, 1\)",
        ),
        (
            lambda x, y: nl.train(nl.make_network([1, 4, 1]), x, y[:, 0]),
            r"x and y must be \(n, features\)",
        ),
        (
            lambda x, y: nl.train(nl.make_network([1, 4, 1]), x, y, lr=0),
            "lr must be positive, got 0",
        ),
        (
            lambda x, y: nl.train(nl.make_network([1, 4, 1]), x, y, lr=float("nan")),
            "lr must be positive, got nan",
        ),
        (
            lambda x, y: nl.train(nl.make_network([1, 4, 1]), x, y, steps=0),
            "steps must be an integer >= 1, got 0",
        ),
        (
            lambda x, y: nl.train(nl.make_network([1, 4, 1]), x, y, steps=2.5),
            "steps must be an integer >= 1",
        ),
        (
            lambda x, y: nl.train(nl.make_network([1, 4, 1]), x, y, momentum=1.0),
            r"momentum must be in \[0, 1\)",
        ),
        (
            lambda x, y: nl.merge(nn.Linear(1, 2), nn.Linear(3, 1)),
            "first gives 2 outputs but second takes 3 inputs",
        ),
        (
            lambda x, y: nl.hidden_pieces(nl.make_network([1, 4, 4, 1]), x),
            "needs a network of one hidden layer",
        ),
        (lambda x, y: nl.make_sine(n=1), "n must be an integer of at least 2"),
        (lambda x, y: nl.make_sawtooth(n=1), "n must be an integer of at least 2"),
        (lambda x, y: nl.exact_sawtooth_network((1, 4, 1)), "H, H1 >= 8"),
        (
            lambda x, y: nl.train_many(
                [nl.make_network([1, 4, 1]), nl.make_network([1, 5, 1])], x, y, 0.1, 1
            ),
            "train_many needs networks of one architecture",
        ),
    ],
)
def test_bad_arguments_raise_a_clear_value_error(call, message):
    x, y = nl.make_sine(n=10)
    with pytest.raises(ValueError, match=message):
        call(x, y)


def test_divergence_is_a_result_not_a_crash(sine):
    # the page: the loss grows, overflows to inf and then nan, and train returns those losses
    x, y = sine
    losses = nl.train(nl.make_network([1, 16, 1]), x, y, lr=5.0, steps=60)
    assert len(losses) == 61
    first_inf = int(torch.isinf(losses).int().argmax())
    assert 0 < first_inf < 60 and losses[first_inf - 1] > losses[0]
    assert torch.isnan(losses[first_inf:]).any() and torch.isnan(losses[-1])


def palette_colours(theme):
    p = render.PALETTES[theme]
    return {c.lower() for c in [*p["cycle"], p["muted"], p["fg"], p["grid"]]}


def line_colours(fig):
    return {to_hex(line.get_color()) for ax in fig.axes for line in ax.get_lines()}


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_figures_draw_their_lines_in_the_themes_colours(theme, fits, race):
    x, y, model, _ = fits[0]
    figs = {
        "activations": nl.plot_activations(theme=theme),
        "pieces": nl.plot_pieces(model, x, y, theme=theme),
        "folds": nl.plot_folds(theme=theme),
        "depth": nl.plot_depth_run(race, theme=theme),
    }
    for name, fig in figs.items():
        assert isinstance(fig, Figure)
        assert line_colours(fig) <= palette_colours(theme), (
            f"{name}: a colour outside the {theme} palette"
        )
        assert fig.get_facecolor()[:3] == pytest.approx(
            tuple(
                int(render.PALETTES[theme]["bg"][i : i + 2], 16) / 255
                for i in (1, 3, 5)
            )
        )
    assert [len(ax.get_lines()) for ax in figs["activations"].axes] == [
        4,
        4,
        4,
    ]  # 2 axis lines, f, f'
    assert (
        len(figs["pieces"].axes[0].get_lines()) >= 16
    )  # one per unit, plus the bend dots
    assert len(figs["folds"].axes[0].get_lines()) == 4
    assert [len(ax.get_lines()) for ax in figs["depth"].axes] == [
        6,
        6,
    ]  # the target and five seeds


def test_alt_texts_describe_the_figures_with_numbers(fits, race):
    _, _, model, losses = fits[0]
    texts = [
        nl.activations_alt(),
        nl.fit_alt(nl.frame_steps(300), losses, 0.17),
        nl.pieces_alt(nl.unit_census(model)),
        nl.depth_alt(race),
    ]
    for alt in texts:
        assert len(alt.split()) >= 12 and any(c.isdigit() for c in alt)
    assert "peaks at 0.25 at z = 0" in texts[0]


def test_the_page_shows_every_section_it_includes():
    page = (ROOT / "docs" / "nonlinearity.md").read_text()
    source = (ROOT / "snippets" / "nonlinearity.py").read_text()
    for name in (
        "imports",
        "data",
        "checks",
        "network",
        "train",
        "merge",
        "collapse",
        "activations",
        "pieces",
        "tent",
        "run",
    ):
        assert f'--8<-- "snippets/nonlinearity.py:{name}"' in page
        assert (
            f"# --8<-- [start:{name}]" in source and f"# --8<-- [end:{name}]" in source
        )


def test_the_whole_program_on_the_page_runs_when_pasted_into_a_fresh_file(
    tmp_path, fits, sine, line_loss
):
    out = run_program("nonlinearity.md", "nonlinearity.py", tmp_path)
    assert (
        len(out) == 8
        and out[0].startswith("step   0")
        and out[6].startswith("step 300")
    )
    _, _, _, losses = fits[0]
    assert out[6].endswith(f"network {losses[-1]:.4f}")
    line = float(out[6].split("line ")[1].split()[0])
    assert line == pytest.approx(
        line_loss, abs=1e-4
    )  # the trained line lands on least squares
    ratio = int(
        out[-1].removeprefix("the network's loss is ").removesuffix(" times lower")
    )
    assert ratio == pytest.approx(line_loss / losses[-1], abs=1)
