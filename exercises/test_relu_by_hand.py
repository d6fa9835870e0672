"""The check for exercises/relu_by_hand.py: run `python -m pytest exercises/test_relu_by_hand.py`."""

import pytest
import torch
from torch import nn

EXERCISE = "relu_by_hand"


def points(seed, n):
    """n seeded knots, strictly increasing in [-3, 3], and n values."""
    g = torch.Generator().manual_seed(seed)
    knots = torch.linspace(-3, 3, n, dtype=torch.float64) + 0.2 * torch.rand(
        n, generator=g, dtype=torch.float64
    )
    return knots, torch.randn(n, generator=g, dtype=torch.float64)


def interpolate(knots, values, x):
    """The piecewise-linear curve through the points, continued with the end slopes, computed directly."""
    i = (torch.searchsorted(knots, x) - 1).clamp(
        0, len(knots) - 2
    )  # the piece each x falls on
    slope = (values[i + 1] - values[i]) / (knots[i + 1] - knots[i])
    return values[i] + slope * (x - knots[i])


def run(net, x):
    with torch.no_grad():
        return net(x[:, None])[:, 0]


@pytest.mark.parametrize("n", [2, 3, 7])
def test_the_architecture_is_linear_relu_linear_in_float64(answer, n):
    knots, values = points(0, n)
    net = answer.piecewise_linear_network(knots, values)
    assert isinstance(net, nn.Sequential) and [type(m) for m in net] == [
        nn.Linear,
        nn.ReLU,
        nn.Linear,
    ], f"expected nn.Sequential(Linear, ReLU, Linear), got {net}"
    sizes = [
        (net[0].in_features, net[0].out_features),
        (net[2].in_features, net[2].out_features),
    ]
    assert sizes == [(1, n), (n, 1)], (
        f"for {n} knots the layers should be Linear(1, {n}) and Linear({n}, 1), got {net}"
    )
    for name, p in net.named_parameters():
        assert p.dtype == torch.float64, (
            f"{name} is {p.dtype}; build the network in float64 (.double())"
        )


@pytest.mark.parametrize("seed,n", [(1, 2), (2, 5), (3, 12)])
def test_it_passes_through_every_point(answer, seed, n):
    knots, values = points(seed, n)
    out = run(answer.piecewise_linear_network(knots, values), knots)
    gap = (out - values).abs().max().item()
    assert gap < 1e-9, (
        f"at the knots {knots.tolist()} the network gives {out.tolist()}, not the values {values.tolist()} "
        f"(off by up to {gap:.2g}): check the output bias and the weight each unit's bend gets"
    )


@pytest.mark.parametrize("seed,n", [(4, 3), (5, 8)])
def test_it_is_straight_between_the_knots(answer, seed, n):
    knots, values = points(seed, n)
    x = torch.linspace(knots[0].item(), knots[-1].item(), 2001, dtype=torch.float64)
    gap = (
        (
            run(answer.piecewise_linear_network(knots, values), x)
            - interpolate(knots, values, x)
        )
        .abs()
        .max()
        .item()
    )
    assert gap < 1e-9, (
        f"between the first and the last knot the network is off the straight pieces by up to {gap:.2g}: "
        "each unit's output weight must be the change in slope at its knot, not the slope itself"
    )


@pytest.mark.parametrize("seed,n", [(6, 2), (7, 6)])
def test_it_continues_the_end_slopes_far_away(answer, seed, n):
    knots, values = points(seed, n)
    net, far = (
        answer.piecewise_linear_network(knots, values),
        torch.tensor([0.5, 10.0, 1e3], dtype=torch.float64),
    )
    for side, x in [
        ("left of the first", knots[0] - far),
        ("right of the last", knots[-1] + far),
    ]:
        out, expected = run(net, x), interpolate(knots, values, x)
        gap = ((out - expected).abs() / (1 + expected.abs())).max().item()
        assert gap < 1e-9, (
            f"{side} knot, at x = {x.tolist()}, the network gives {out.tolist()} but the end piece, "
            f"continued, gives {expected.tolist()}. A ReLU switched on to the right of the first "
            "knot is zero to its left: the left side needs a unit of its own, switched on to the left "
            "(negative weight in)"
        )


def test_it_draws_the_absolute_value_exactly(answer):
    net = answer.piecewise_linear_network([-1.0, 0.0, 1.0], [1.0, 0.0, 1.0])
    x = torch.cat(
        [
            torch.linspace(-100, 100, 4001, dtype=torch.float64),
            torch.tensor([-1e6, 1e6], dtype=torch.float64),
        ]
    )
    out = run(net, x)
    worst = (out - x.abs()).abs().argmax()
    assert (out - x.abs()).abs().max() < 1e-6, (
        "through (-1, 1), (0, 0), (1, 1) the network should be |x| everywhere, but at x = "
        f"{x[worst].item():g} it gives {out[worst].item():g}"
    )


def test_the_parameters_can_still_be_trained(answer):
    net = answer.piecewise_linear_network([0.0, 1.0, 3.0], [0.0, 2.0, 1.0])
    params = list(net.parameters())
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in params), (
        "every weight and bias should still be a parameter that requires grad: set the values inside "
        "torch.no_grad() instead of switching requires_grad off"
    )
    net(torch.tensor([[0.5], [2.0], [4.0]], dtype=torch.float64)).sum().backward()
    assert all(p.grad is not None for p in params), (
        "backward() did not reach every parameter"
    )


@pytest.mark.parametrize(
    "knots,values",
    [
        ([1.0], [1.0]),
        ([], []),
        ([0.0, 1.0], [1.0, 2.0, 3.0]),
        ([0.0, 1.0, 1.0], [0.0, 1.0, 2.0]),
        ([2.0, 1.0], [0.0, 1.0]),
        ([0.0, float("inf")], [0.0, 1.0]),
        ([0.0, 1.0], [0.0, float("nan")]),
    ],
)
def test_bad_knots_raise_value_error(answer, knots, values):
    try:
        answer.piecewise_linear_network(knots, values)
    except ValueError:
        return
    pytest.fail(
        f"piecewise_linear_network({knots}, {values}) should raise a ValueError: it needs at least two "
        "knots, strictly increasing, one value per knot, and finite numbers only"
    )
