"""The check for exercises/kaiming.py: run `python -m pytest exercises/test_kaiming.py`."""

import math

import pytest
import torch

EXERCISE = "kaiming"


def draw(answer, fan_out, fan_in, seed=0):
    return answer.kaiming_normal(fan_out, fan_in, torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("fan_out,fan_in", [(3, 700), (700, 3), (64, 64)])
def test_the_shape_is_that_of_a_linear_layers_weight(answer, fan_out, fan_in):
    w = draw(answer, fan_out, fan_in)
    expected = torch.nn.Linear(fan_in, fan_out).weight.shape
    assert isinstance(w, torch.Tensor) and w.shape == expected, (
        f"nn.Linear({fan_in}, {fan_out}).weight has shape {tuple(expected)}, one row per output; "
        f"got {getattr(w, 'shape', w)}"
    )
    assert w.dtype == torch.float32, f"the weights must be float32, got {w.dtype}"


@pytest.mark.parametrize("fan_out,fan_in", [(2000, 100), (100, 2000), (500, 500)])
def test_the_variance_is_that_of_torch_nn_init_kaiming_normal(answer, fan_out, fan_in):
    # 200 000 draws: the sample variance is within 1% of the true one (3 standard errors)
    w = draw(answer, fan_out, fan_in).double()
    theirs = torch.nn.init.kaiming_normal_(
        torch.empty(fan_out, fan_in, dtype=torch.float64),
        nonlinearity="relu",
        generator=torch.Generator().manual_seed(1),
    )
    assert abs(w.mean().item()) < 5 * math.sqrt(2 / fan_in / w.numel()), (
        f"the weights must have mean 0, got {w.mean().item():.4g}"
    )
    assert w.var().item() == pytest.approx(theirs.var().item(), rel=0.02), (
        f"with fan_in = {fan_in} and fan_out = {fan_out}, torch.nn.init.kaiming_normal_ gives "
        "weights of variance "
        f"{theirs.var().item():.4g} (2 / fan_in = {2 / fan_in:.4g}); yours have {w.var().item():.4g}"
    )
    inside = (w.abs() < w.std()).double().mean().item()
    assert inside == pytest.approx(0.6827, abs=0.01), (
        f"{inside:.1%} of the weights are within one standard deviation of 0; a normal distribution "
        "has 68.3% there (is it uniform?)"
    )


def test_the_generator_decides_the_weights(answer):
    assert torch.equal(draw(answer, 8, 5, seed=3), draw(answer, 8, 5, seed=3)), (
        "two generators seeded alike must give the same weights: draw with `generator`"
    )
    assert not torch.equal(draw(answer, 8, 5, seed=3), draw(answer, 8, 5, seed=4)), (
        "generators seeded differently gave the same weights: draw with `generator`"
    )


def test_a_deep_relu_network_keeps_the_variance_of_its_signal(answer):
    # Kaiming's point: through ReLU layers, 2 / fan_in keeps the variance from layer to layer
    g = torch.Generator().manual_seed(0)
    x = torch.randn(
        256, 300, generator=torch.Generator().manual_seed(1), dtype=torch.float64
    )
    h, variances = x, []
    for _ in range(30):
        z = h @ answer.kaiming_normal(300, 300, g).double().T
        variances.append(z.var().item())
        h = torch.relu(z)
    factor = (variances[-1] / variances[0]) ** (1 / 29)
    assert 0.9 < factor < 1.1, (
        f"through 30 ReLU layers 300 wide the variance changed by a factor {factor:.3f} per layer on "
        f"average, from {variances[0]:.3g} to {variances[-1]:.3g}; Kaiming's initialisation keeps it near 1"
    )


@pytest.mark.parametrize("fan_out,fan_in", [(0, 5), (5, 0), (5, 2.5), (-1, 3)])
def test_a_width_that_is_not_a_positive_integer_is_refused(answer, fan_out, fan_in):
    # the message names the width: fan_in or fan_out
    with pytest.raises(ValueError, match="fan_"):
        draw(answer, fan_out, fan_in)
