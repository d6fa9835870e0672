"""The claims of docs/scale-and-initialisation.md, checked against independent computations (the
Hessian from torch.autograd.functional.hessian and its eigenvalues from torch.linalg, scikit-learn's
StandardScaler, torch.nn.init's Xavier and Kaiming draws, a direct numerical integral, a forward
pass written out by hand, torch.func.functional_call), every argument's checks, and the page's
drawings smoke-tested."""

import itertools
import math
import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from matplotlib.figure import Figure
from sklearn.preprocessing import StandardScaler
from torch import nn

from conftest import BAD, Call, run_program, table_of_bad_inputs
from snippets import fit_line, learning_rate, nonlinearity
from snippets import scale_and_initialisation as si
from snippets.drawing import render
from snippets.drawing import scale_and_initialisation as draw

F64 = torch.float64


def hessian_eigenvalues(x, y):
    """The eigenvalues of the line MSE's Hessian, from autograd on the loss itself."""
    x, y = x.double(), y.double()

    def loss(a):
        return ((x @ a - y) ** 2).mean()

    H = torch.autograd.functional.hessian(loss, torch.zeros(x.shape[1], dtype=F64))
    return torch.linalg.eigvalsh(H)


def stretched(factor):
    x, y = fit_line.make_data()
    return x * torch.tensor([factor, 1.0]), y


# -- inputs on different scales ------------------------------------------------------------------


def test_standardise_matches_scikit_learns_standard_scaler_and_keeps_the_ones():
    g = torch.Generator().manual_seed(0)
    x = (
        torch.randn(50, 3, generator=g, dtype=F64) * torch.tensor([0.01, 7.0, 300.0])
        + 5
    )
    x = torch.cat([x, torch.ones(50, 1, dtype=F64)], dim=1)
    ours = si.standardise(x)
    theirs = StandardScaler().fit_transform(x[:, :3].numpy())
    np.testing.assert_allclose(ours[:, :3].numpy(), theirs, rtol=1e-10, atol=1e-12)
    assert torch.equal(ours[:, 3], x[:, 3])


@pytest.mark.parametrize("factor", [1.0, 10.0])
def test_kappa_and_the_cliff_are_those_of_the_hessian_from_autograd(factor):
    x, y = stretched(factor)
    for inputs in (x, si.standardise(x)):
        values = hessian_eigenvalues(inputs, y)
        kappa = (values[-1] / values[0]).item()
        assert learning_rate.condition_number(inputs) == pytest.approx(kappa, rel=1e-6)
        assert learning_rate.cliff(inputs) == pytest.approx(
            2 / values[-1].item(), rel=1e-6
        )


@pytest.mark.parametrize("factor", [0.01, 0.1, 1.0, 10.0, 100.0, 1000.0])
def test_standardising_makes_the_bowl_round_kappa_one_and_the_cliff_one(factor):
    x, y = stretched(factor)
    values = hessian_eigenvalues(si.standardise(x.double()), y)
    assert values[-1] / values[0] == pytest.approx(1.0, abs=1e-9)
    assert 2 / values[-1] == pytest.approx(1.0, abs=1e-9)


def test_stretching_the_input_raises_kappa_and_lowers_the_cliff():
    kappas, cliffs = [], []
    for factor in (1.0, 3.0, 10.0, 30.0):
        x, _ = stretched(factor)
        kappas.append(learning_rate.condition_number(x))
        cliffs.append(learning_rate.cliff(x))
    assert kappas == sorted(kappas) and cliffs == sorted(cliffs, reverse=True)
    # the curvature along the slope grows with the square of the stretch
    assert cliffs[0] / cliffs[-1] > 0.5 * 30**2 / 10


def test_the_animations_runs_crawl_when_stretched_and_arrive_when_standardised():
    _, runs = draw.scale_runs()
    (xs, lr_s, best_s, run_s), (_xt, _lr_t, best_t, run_t) = (
        runs["stretched"],
        runs["standardised"],
    )
    assert lr_s == pytest.approx(draw.CLIFF_FRACTION * learning_rate.cliff(xs))
    assert draw.distance_left(run_s, best_s) > 0.1
    assert draw.distance_left(run_t, best_t) < 1e-2
    # the start is the same offset from each minimum
    for run, best in ((run_s, best_s), (run_t, best_t)):
        assert torch.allclose(run.path[0] - best, torch.tensor(draw.OFFSET, dtype=F64))


# -- the range test -------------------------------------------------------------------------------


def test_the_range_tests_rate_grows_geometrically_and_its_losses_are_those_of_its_steps():
    x, y = stretched(10.0)
    lrs, losses = si.lr_range_test(x, y, lr_min=1e-3, lr_max=10.0, steps=100)
    ratios = lrs[1:] / lrs[:-1]
    assert lrs[0] == pytest.approx(1e-3)
    assert torch.allclose(ratios, torch.full_like(ratios, 1e4 ** (1 / 99)), rtol=1e-12)
    a, xd, yd = torch.tensor([-1.0, 1.0], dtype=F64), x.double(), y.double()
    for lr, loss in zip(lrs, losses):  # the same loop, written again
        assert ((xd @ a - yd) ** 2).mean().item() == pytest.approx(
            loss.item(), rel=1e-9
        )
        a = a - lr * 2 / len(yd) * xd.T @ (xd @ a - yd)


def test_without_a_blow_up_the_range_test_reaches_lr_max():
    x, y = stretched(1.0)
    lrs, _ = si.lr_range_test(x, y, lr_min=1e-4, lr_max=1e-2, steps=30)
    assert len(lrs) == 30 and lrs[-1] == pytest.approx(1e-2)


@pytest.mark.parametrize("factor", [1.0, 3.0, 10.0, 30.0, "standardised"])
def test_below_the_cliff_the_loss_never_rises_and_a_tenth_of_the_lowest_is_safe(factor):
    x, y = stretched(10.0) if factor == "standardised" else stretched(factor)
    if factor == "standardised":
        x = si.standardise(x)
    edge = learning_rate.cliff(x)
    lrs, losses = si.lr_range_test(x, y)
    for t in range(len(lrs) - 1):
        if lrs[t] < edge:
            assert losses[t + 1] <= losses[t] * (1 + 1e-12), (
                f"step {t}, lr {lrs[t]:.4g}"
            )
    assert lrs[-1] > edge, "the test stopped before the cliff"
    _, tenth = si.suggest_lr(lrs, losses)
    assert tenth < edge
    assert learning_rate.converges(x, y, tenth)


def test_on_the_stretched_problem_the_steepest_fall_is_the_first_rate_of_the_range():
    x, y = stretched(10.0)
    lrs, losses = si.lr_range_test(x, y)
    assert si.suggest_lr(lrs, losses)[0] == lrs[0].item()


def test_suggest_lr_reads_the_steepest_fall_and_a_tenth_of_the_lowest():
    lrs = torch.logspace(-3, 0, 7, dtype=F64)
    losses = torch.tensor([5.0, 4.9, 3.0, 1.0, 0.5, 0.4, 2.0], dtype=F64)
    steepest, tenth = si.suggest_lr(lrs, losses)
    # falls per factor of lr: the largest fall, 3.0 -> 1.0, starts at the third rate
    assert steepest == pytest.approx(lrs[2].item())
    assert tenth == pytest.approx(lrs[5].item() / 10)


# -- constant weights -----------------------------------------------------------------------------


def test_constant_weights_keep_every_hidden_unit_identical_at_every_step():
    x, y = nonlinearity.make_sine()
    model = si.set_constant(nonlinearity.make_network([1, 8, 1], nn.Tanh), 0.3)
    seen = []

    def watch(step, model):
        first, last = model[0], model[2]
        for values in (first.weight[:, 0], first.bias, last.weight[0]):
            assert torch.equal(values, values[:1].expand_as(values)), f"step {step}"
        seen.append(step)

    losses = nonlinearity.train(model, x, y, steps=300, watch=watch)
    watch(300, model)
    assert seen == list(range(301))
    assert losses[-1] < losses[0]  # it did train: as one unit
    w, b, losses = draw.constant_run(draw.CONSTANT["value"])
    assert (w.max() - w.min()).item() == 0 and (b.max() - b.min()).item() == 0


def test_a_random_start_breaks_the_symmetry():
    w, _, losses = draw.constant_run(None)
    assert len(set(w[:, 0].tolist())) == w.shape[0]
    assert losses[-1] < draw.constant_run(draw.CONSTANT["value"])[2][-1]


# -- initialisation -------------------------------------------------------------------------------


@pytest.mark.parametrize("fan_in,fan_out", [(256, 256), (64, 32), (32, 10)])
def test_xavier_and_kaiming_draw_the_variance_of_torch_nn_init(fan_in, fan_out):
    model = nn.Sequential(nn.Linear(fan_in, fan_out))
    for scheme, reference in [
        ("Xavier", nn.init.xavier_normal_),
        ("Kaiming", lambda w: nn.init.kaiming_normal_(w, nonlinearity="relu")),
    ]:
        theirs = reference(torch.empty(fan_out, fan_in))
        si.initialise(model, scheme)
        ours = model[0].weight.detach()
        expected = theirs.std().item()
        assert si.init_std(scheme, fan_in, fan_out) == pytest.approx(
            {
                "Xavier": math.sqrt(2 / (fan_in + fan_out)),
                "Kaiming": math.sqrt(2 / fan_in),
            }[scheme]
        )
        # sample standard deviations agree to within 5 standard errors of each other
        tolerance = 5 * expected / math.sqrt(2 * ours.numel())
        assert abs(ours.std().item() - expected) < 2 * tolerance
        assert torch.equal(model[0].bias, torch.zeros(fan_out))


def test_initialise_draws_each_layers_variance_and_the_seed_decides_it():
    model = si.deep_network(3, 300, nn.ReLU, "Kaiming", seed=5)
    for layer in model[::2]:
        assert layer.weight.var().item() == pytest.approx(2 / 300, rel=0.02)
    again = si.deep_network(3, 300, nn.ReLU, "Kaiming", seed=5)
    other = si.deep_network(3, 300, nn.ReLU, "Kaiming", seed=6)
    assert torch.equal(model[0].weight, again[0].weight)
    assert not torch.equal(model[0].weight, other[0].weight)


def test_layer_variances_are_those_of_a_forward_pass_written_out():
    model = si.deep_network(4, 32, nn.Tanh, "Xavier")
    x = torch.randn(64, 32, generator=torch.Generator().manual_seed(3))
    forward, backward = si.layer_variances(model, x, seed=2)
    weights = [m.weight.detach().requires_grad_(False) for m in model[::2]]
    zs, h = [], x
    for k, w in enumerate(weights):
        z = h @ w.T
        z.requires_grad_(True)
        zs.append(z)
        h = torch.tanh(z) if k < len(weights) - 1 else z
    g = torch.randn(h.shape, generator=torch.Generator().manual_seed(2))
    grads = [g]
    for k in range(
        len(weights) - 1, 0, -1
    ):  # dL/dz_(k-1) = f'(z_(k-1)) * (dL/dz_k W_k)
        grads.insert(0, (grads[0] @ weights[k]) * (1 - torch.tanh(zs[k - 1]) ** 2))
    assert torch.allclose(
        forward, torch.stack([z.double().var() for z in zs]), rtol=1e-5
    )
    assert torch.allclose(
        backward, torch.stack([q.double().var() for q in grads]), rtol=1e-5
    )


def test_the_theorys_tanh_average_is_a_numerical_integral():
    # E[tanh(z)^2] for z ~ N(0, q), by the trapezoid rule on a fine grid
    for q in (1e-4, 0.3, 1.0, 7.0):
        z = np.linspace(-12, 12, 200_001) * math.sqrt(q)
        density = np.exp(-(z**2) / (2 * q)) / math.sqrt(2 * math.pi * q)
        expected = np.trapezoid(np.tanh(z) ** 2 * density, z)
        # with Kaiming's gain of 2: layer 1 has variance 2 q0, so q0 = q / 2 puts q before layer 2
        got = si.predicted_variances(nn.Tanh, "Kaiming", 2, 8, q0=q / 2)[1].item()
        assert got == pytest.approx(2 * expected, rel=1e-5)


def test_for_relu_the_theory_is_a_power_of_the_depth():
    for scheme in si.SCHEMES:
        gain = 256 * si.init_std(scheme, 256, 256) ** 2
        found = si.predicted_variances(nn.ReLU, scheme, 20, 256)
        closed = torch.tensor([gain * (gain / 2) ** k for k in range(20)], dtype=F64)
        assert torch.allclose(found, closed, rtol=1e-12)


@pytest.fixture(scope="module")
def variance_runs():
    return draw.variance_runs()


def test_measured_variances_follow_the_theory_layer_by_layer(variance_runs):
    for (name, scheme), (forward, _, predicted) in variance_runs.items():
        assert draw.per_layer_factor(forward) == pytest.approx(
            draw.per_layer_factor(predicted), rel=0.10
        ), (name, scheme)
        if name == "tanh":
            ratio = forward / predicted
            assert ((ratio > 1 / 1.2) & (ratio < 1.2)).all(), (scheme, ratio)


def test_kaiming_keeps_relus_variance_and_the_other_scales_explode_or_vanish(
    variance_runs,
):
    forward, backward, _ = variance_runs["ReLU", "Kaiming"]
    assert 0.25 < forward[-1] / forward[0] < 4 and 0.25 < backward[0] / backward[-1] < 4
    for scheme, direction in [("too small", -1), ("Xavier", -1), ("too large", 1)]:
        forward, backward, _ = variance_runs["ReLU", scheme]
        gain = draw.WIDTH * si.init_std(scheme, draw.WIDTH, draw.WIDTH) ** 2 / 2
        # forward and backward: the same factor per layer, to within 10%
        assert draw.per_layer_factor(backward.flip(0)) == pytest.approx(gain, rel=0.10)
        assert math.copysign(1, math.log(forward[-1] / forward[0])) == direction
        assert abs(math.log10(backward[0] / backward[-1])) > 5  # vanished or exploded


def test_tanh_saturates_with_large_weights_and_xavier_shrinks_slowly(variance_runs):
    model = si.deep_network(draw.DEPTH, draw.WIDTH, nn.Tanh, "too large")
    with torch.no_grad():
        h = model[:-1](draw.batch())
    assert (h.abs() > 0.9).double().mean() > 0.5  # most units pushed out towards +-1
    kaiming = si.deep_network(draw.DEPTH, draw.WIDTH, nn.Tanh, "Kaiming")
    with torch.no_grad():
        g = kaiming[:-1](draw.batch())
    assert (1 - h**2).mean() < (1 - g**2).mean() / 2  # where tanh is flat
    forward, _, _predicted = variance_runs["tanh", "Xavier"]
    assert (forward.diff() < 0).all() and forward[-1] < forward[0] / 10


# -- the digits network's landscape ---------------------------------------------------------------


@pytest.fixture(scope="module")
def digits():
    x, labels = si.load_digit_data()
    model = nonlinearity.make_network(
        draw.DIGITS["widths"], nn.ReLU, draw.DIGITS["seed"]
    )
    start = si.get_weights(model)
    history = si.train_digits(model, x, labels)
    return x, labels, model, start, history


def functional_loss(model, weights, x, labels):
    """The loss at `weights`, by torch.func.functional_call: the model itself is not touched."""
    params, at = {}, 0
    for name, p in model.named_parameters():
        params[name] = weights[at : at + p.numel()].view_as(p)
        at += p.numel()
    with torch.no_grad():
        return F.cross_entropy(
            torch.func.functional_call(model, params, (x,)), labels
        ).item()


def test_the_digits_data_is_scikit_learns_and_training_lowers_the_loss(digits):
    x, labels, _, _, history = digits
    assert x.shape == (1797, 64) and x.min() >= 0 and x.max() == 1
    assert labels.unique().tolist() == list(range(10))
    assert history[0] == pytest.approx(math.log(10), rel=0.05)
    assert history[-1] < 0.05


def test_loss_at_is_functional_call_and_leaves_the_model_as_it_was(digits):
    x, labels, model, start, _ = digits
    trained = si.get_weights(model)
    for weights in (start, trained, 0.5 * (start + trained)):
        assert si.loss_at(model, weights, x, labels) == pytest.approx(
            functional_loss(model, weights, x, labels), rel=1e-6
        )
    assert torch.equal(si.get_weights(model), trained)


def test_the_line_ends_at_the_start_and_at_the_trained_loss_and_falls_between(digits):
    x, labels, model, start, history = digits
    alphas = torch.linspace(-0.25, 1.25, draw.DIGITS["line_points"])
    line = si.loss_along_line(model, start, si.get_weights(model), x, labels, alphas)
    ends = si.loss_along_line(
        model, start, si.get_weights(model), x, labels, torch.tensor([0.0, 1.0])
    )
    assert ends.tolist() == pytest.approx(
        [history[0].item(), history[-1].item()], rel=1e-5
    )
    inside = line[(alphas >= 0) & (alphas <= 1)]
    assert (inside.diff() < 0).all()
    assert line[-1] < history[-1].item()  # past the trained weights it keeps falling
    # behind the start it stays near the start's loss
    assert line[alphas < 0].max() < 1.05 * history[0].item()


def test_filter_normalised_rows_have_the_length_of_the_weights_rows_and_biases_stay(
    digits,
):
    _, _, model, _, _ = digits
    d, at = si.filter_normalised_direction(model, seed=0), 0
    for p in model.parameters():
        part = d[at : at + p.numel()].view_as(p)
        at += p.numel()
        if p.ndim == 1:
            assert torch.equal(part, torch.zeros_like(part))
        else:
            assert torch.allclose(
                torch.linalg.vector_norm(part, dim=1),
                torch.linalg.vector_norm(p.detach(), dim=1),
                rtol=1e-5,
            )
    assert not torch.equal(d, si.filter_normalised_direction(model, seed=1))


def test_the_slice_is_centred_on_the_trained_weights_which_are_its_lowest_point(digits):
    x, labels, model, _, history = digits
    d1, d2 = (si.filter_normalised_direction(model, s) for s in (0, 1))
    steps, grid = si.loss_slice(model, x, labels, d1, d2, span=1.0, n=5)
    assert grid[2, 2].item() == pytest.approx(history[-1].item(), rel=1e-5)
    assert grid.argmin().item() == 12
    centre = si.get_weights(model)
    corner = functional_loss(model, centre + steps[4] * d1 + steps[0] * d2, x, labels)
    assert grid[0, 4].item() == pytest.approx(corner, rel=1e-6)  # [b, a]


def test_the_pages_landscape_sentence_holds():
    found = draw.landscape()
    n = draw.DIGITS["n"]
    assert found["grid"].argmin().item() == (n // 2) * n + n // 2
    assert "falls at every one" in draw.landscape_sentence(found)


# -- the checks -----------------------------------------------------------------------------------

x10, y10 = fit_line.make_data(n=10)
PROBLEM = {
    "x": BAD["tensor"] + [torch.zeros(10, 3)],
    "y": BAD["tensor"] + [torch.zeros(9)],
    "a0": [None, "ab", (1.0,), ("3", 2.0)],
}
SCHEME = [None, "He", "xavier", 1]
xd, labels = torch.rand(6, 4), torch.tensor([0, 1, 2, 0, 1, 2])
BAD_LABELS = [None, torch.zeros(0), labels.float(), labels[:-1]]


def small_net():
    return nonlinearity.make_network([4, 3, 3])


NET_COUNT = sum(p.numel() for p in small_net().parameters())
BAD_MODEL = [None, "net", nn.ReLU()]
BAD_WEIGHTS = [None, torch.zeros(3), torch.zeros(NET_COUNT, 1)]

CALLS = [
    Call(si.check_scheme, {"scheme": SCHEME}, scheme="Xavier"),
    Call(si.check_model, {"model": BAD_MODEL}, model=small_net),
    Call(
        si.check_digits,
        {"model": BAD_MODEL, "x": BAD["tensor"], "labels": BAD_LABELS},
        model=small_net,
        x=xd,
        labels=labels,
    ),
    Call(
        si.check_weights,
        {"weights": BAD_WEIGHTS},
        name="weights",
        weights=torch.zeros(NET_COUNT),
        model=small_net,
    ),
    Call(si.standardise, {"x": BAD["tensor"] + [torch.zeros(4)]}, x=x10),
    Call(
        si.lr_range_test,
        {
            **PROBLEM,
            "lr_min": BAD["positive"] + [20.0],
            "lr_max": BAD["positive"] + [1e-4],
            "steps": [1, 0, -1, 2.5, None],
        },
        x=x10,
        y=y10,
        steps=10,
    ),
    Call(
        si.suggest_lr,
        {
            "lrs": BAD["tensor"] + [torch.ones(2)],
            "losses": BAD["tensor"] + [torch.ones(2)],
        },
        lrs=lambda: torch.logspace(-3, 0, 4),
        losses=lambda: torch.tensor([3.0, 2.0, 1.0, 4.0]),
    ),
    Call(si.set_constant, {"model": BAD_MODEL}, model=small_net, value=0.3),
    Call(
        si.init_std,
        {"scheme": SCHEME, "fan_in": "count1", "fan_out": "count1"},
        scheme="Kaiming",
        fan_in=4,
        fan_out=3,
    ),
    Call(
        si.initialise,
        {"model": BAD_MODEL, "scheme": SCHEME, "seed": "seed"},
        model=small_net,
        scheme="Xavier",
    ),
    Call(
        si.deep_network,
        {
            "depth": "count1",
            "width": "count1",
            "activation": [torch.relu, "ReLU"],
            "scheme": SCHEME,
            "seed": "seed",
        },
        depth=2,
        width=4,
        activation=nn.ReLU,
        scheme="Kaiming",
    ),
    Call(
        si.layer_variances,
        {"model": BAD_MODEL, "x": BAD["tensor"] + [torch.zeros(4)], "seed": "seed"},
        model=lambda: si.deep_network(2, 4, nn.ReLU, "Kaiming"),
        x=lambda: torch.randn(5, 4),
    ),
    Call(
        si.predicted_variances,
        {
            "activation": [nn.Sigmoid, torch.tanh, None],
            "scheme": SCHEME,
            "depth": "count1",
            "width": "count1",
            "q0": "positive",
        },
        activation=nn.Tanh,
        scheme="Xavier",
        depth=3,
        width=8,
    ),
    Call(si.load_digit_data, {"dtype": [None, torch.int64, "float32"]}),
    Call(
        si.train_digits,
        {
            "model": BAD_MODEL,
            "x": BAD["tensor"],
            "labels": BAD_LABELS,
            "lr": "positive",
            "steps": "count1",
        },
        model=small_net,
        x=xd,
        labels=labels,
        steps=2,
    ),
    Call(si.get_weights, {"model": BAD_MODEL}, model=small_net),
    Call(
        si.loss_at,
        {
            "model": BAD_MODEL,
            "weights": BAD_WEIGHTS,
            "x": BAD["tensor"],
            "labels": BAD_LABELS,
        },
        model=small_net,
        weights=torch.zeros(NET_COUNT),
        x=xd,
        labels=labels,
    ),
    Call(
        si.loss_along_line,
        {
            "start": BAD_WEIGHTS,
            "end": BAD_WEIGHTS,
            "alphas": BAD["tensor"] + [torch.zeros(2, 2)],
        },
        model=small_net,
        start=torch.zeros(NET_COUNT),
        end=torch.ones(NET_COUNT),
        x=xd,
        labels=labels,
        alphas=lambda: torch.linspace(0, 1, 3),
    ),
    Call(
        si.filter_normalised_direction,
        {"model": BAD_MODEL, "seed": "seed"},
        model=small_net,
    ),
    Call(
        si.loss_slice,
        {
            "d1": BAD_WEIGHTS,
            "d2": BAD_WEIGHTS,
            "span": "positive",
            "n": [1, 0, 2.5, None],
        },
        model=small_net,
        x=xd,
        labels=labels,
        d1=torch.zeros(NET_COUNT),
        d2=torch.ones(NET_COUNT),
        n=3,
    ),
]

(
    test_every_public_lesson_function_is_in_the_table_of_bad_inputs,
    test_each_call_of_the_table_is_valid,
    test_a_bad_argument_is_refused_with_a_message_that_names_it,
) = table_of_bad_inputs(si, CALLS)


def test_the_error_table_shows_refusals_that_name_an_argument_of_their_call():
    rows = draw.error_table(si).splitlines()[2:]
    assert len(rows) >= 8
    for row in rows:
        call, said = (cell.strip() for cell in row.strip("|").split("|"))
        kind, message = said.split(": ", 1)
        assert kind in ("ValueError", "TypeError")
        assert re.match(r"\w+", message)[0] in call, row


# -- the page's drawing ---------------------------------------------------------------------------


def test_the_animation_has_one_frame_per_step_in_both_themes_and_a_small_gif():
    for theme in render.THEMES:
        frames = draw.animate_scale(theme=theme)
        assert len(frames) == draw.CONTOUR_STEPS + 1 <= 60
        assert frames[0].shape[1] <= render.MAX_GIF_SIZE[0]
        assert not np.array_equal(frames[0], frames[-1])
        assert len(render.gif_bytes(frames)) < 300_000


def test_the_figures_draw_in_both_themes(variance_runs):
    tests, found = draw.range_tests(), draw.landscape()
    for theme in render.THEMES:
        for fig in (
            draw.plot_range_test(tests, theme=theme),
            draw.plot_variances(variance_runs, theme=theme),
            draw.plot_landscape(found, theme=theme),
        ):
            assert isinstance(fig, Figure)
            assert fig.get_facecolor()[:3] == pytest.approx(
                tuple(
                    int(render.PALETTES[theme]["bg"][i : i + 2], 16) / 255
                    for i in (1, 3, 5)
                )
            )
    assert len(draw.plot_variances(variance_runs).axes) == 4
    assert str(draw.DEPTH) in draw.variances_alt(variance_runs)


# -- the whole program ----------------------------------------------------------------------------


def test_the_whole_program_runs_in_a_fresh_file_and_prints_the_pages_results(tmp_path):
    lines = run_program(
        "scale-and-initialisation.md", "scale_and_initialisation.py", tmp_path
    )
    x, y = stretched(10.0)
    assert lines[0].split() == [
        "stretched",
        "kappa",
        f"{learning_rate.condition_number(x):.2f}",
        "cliff",
        f"{learning_rate.cliff(x):.4f}",
    ]
    assert lines[1].split()[2] == "1.00" and lines[1].split()[4] == "1.0000"
    steepest, tenth = si.suggest_lr(*si.lr_range_test(x, y))
    assert (
        lines[2]
        == f"range test: steepest {steepest:.4f}, a tenth of the lowest {tenth:.4f}"
    )
    runs = draw.variance_runs()  # the page's table: the same network, batch and seeds
    for line, scheme in zip(lines[3:7], si.SCHEMES):
        forward, backward, _ = runs["ReLU", scheme]
        assert line == (
            f"ReLU, {scheme:9}  Var(z) at layer 20 {forward[-1]:9.3g}  "
            f"Var(dL/dz) at layer 1 {backward[0]:9.3g}"
        )
    assert lines[7].startswith("loss along the line from the start to the end:")
    values = [float(v) for v in re.findall(r"[\d.]+", lines[7].split(":")[1])]
    assert len(values) == 5 and all(a > b for a, b in itertools.pairwise(values))
