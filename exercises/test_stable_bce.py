"""The check for exercises/stable_bce.py: run `python -m pytest exercises/test_stable_bce.py`."""

import pytest
import torch
import torch.nn.functional as F

EXERCISE = "stable_bce"

# (logit, label) pairs far out on both sides, confidently right and confidently wrong
LARGE = [
    (100.0, 1.0),
    (100.0, 0.0),
    (-100.0, 0.0),
    (-100.0, 1.0),
    (1000.0, 1.0),
    (1000.0, 0.0),
    (-1000.0, 0.0),
    (-1000.0, 1.0),
]


def make_batch(shape, seed=0, scale=4.0):
    """Float64 logits of moderate size and labels 0.0 or 1.0."""
    g = torch.Generator().manual_seed(seed)
    z = torch.randn(shape, generator=g, dtype=torch.float64) * scale
    y = torch.randint(0, 2, shape, generator=g).to(torch.float64)
    return z, y


def gradient(answer, z, y):
    """Autograd's gradient of the answer's loss with respect to the logits."""
    z = z.clone().requires_grad_(True)
    answer.bce_with_logits(z, y).backward()
    assert z.grad is not None, (
        "bce_with_logits must be built from torch operations on z, so autograd can follow it"
    )
    return z.grad


@pytest.mark.parametrize("shape", [(50,), (3, 4)])
def test_it_agrees_with_pytorch_on_moderate_logits(answer, shape):
    z, y = make_batch(shape)
    loss = answer.bce_with_logits(z, y)
    expected = F.binary_cross_entropy_with_logits(z, y)
    assert torch.is_tensor(loss) and loss.shape == (), (
        f"bce_with_logits should return one number (a tensor of shape ()), got "
        f"{type(loss).__name__} {tuple(getattr(loss, 'shape', ()))}"
    )
    assert torch.isclose(loss, expected, rtol=1e-12, atol=1e-12), (
        f"for logits of shape {shape} the loss should be {expected.item():.10f}, as "
        f"F.binary_cross_entropy_with_logits gives, got {loss.item():.10f}"
    )


def test_it_is_the_mean_not_the_sum(answer):
    z, y = make_batch((20,), seed=1)
    once = answer.bce_with_logits(z, y)
    twice = answer.bce_with_logits(torch.cat([z, z]), torch.cat([y, y]))
    assert torch.isclose(once, twice, rtol=1e-12), (
        f"the same examples twice over should give the same loss, as an average does; got "
        f"{once.item():.6f} for the examples and {twice.item():.6f} for them twice: use the mean, "
        f"not the sum"
    )


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_large_logits_give_finite_correct_losses(answer, dtype):
    for z, y in LARGE:
        expected = F.binary_cross_entropy_with_logits(
            torch.tensor([z], dtype=torch.float64),
            torch.tensor([y], dtype=torch.float64),
        )
        loss = answer.bce_with_logits(
            torch.tensor([z], dtype=dtype), torch.tensor([y], dtype=dtype)
        )
        assert torch.isfinite(loss), (
            f"for logit {z:g} and label {y:g} in {dtype} the loss is {loss.item()}, it should be "
            f"{expected.item():g}: somewhere e^z overflows or log gets 0. Compute log(1 + e^z) "
            f"without ever taking e to a large positive power."
        )
        assert torch.isclose(loss.double(), expected, rtol=1e-6, atol=1e-6), (
            f"for logit {z:g} and label {y:g} in {dtype} the loss should be {expected.item():g}, "
            f"got {loss.item():g}"
        )


def test_its_gradient_is_sigmoid_minus_y_over_n(answer):
    z, y = make_batch((40,), seed=2)
    expected = (torch.sigmoid(z) - y) / len(y)
    got = gradient(answer, z, y)
    assert torch.allclose(got, expected, rtol=1e-10, atol=1e-14), (
        f"the gradient with respect to the logits should be (σ(z) - y) / n; the largest "
        f"difference is {(got - expected).abs().max().item():.3g}"
    )


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_its_gradient_stays_finite_and_right_at_large_logits(answer, dtype):
    z = torch.tensor([zi for zi, _ in LARGE], dtype=dtype)
    y = torch.tensor([yi for _, yi in LARGE], dtype=dtype)
    expected = (torch.sigmoid(z.double()) - y.double()) / len(y)
    got = gradient(answer, z, y)
    for zi, yi, g, e in zip(z.tolist(), y.tolist(), got.tolist(), expected.tolist()):
        assert abs(g - e) <= 1e-6, (
            f"for logit {zi:g} and label {yi:g} in {dtype} the gradient should be {e:g}, got {g}. "
            f"A nan means an operation on the way overflowed: autograd differentiates every one, "
            f"even a branch of torch.where whose value is thrown away."
        )


def test_its_gradient_at_zero_is_one_half_minus_y(answer):
    # every logit is exactly 0 at the first step when training starts from zero weights
    z = torch.zeros(4, dtype=torch.float64)
    y = torch.tensor([0.0, 1.0, 0.0, 1.0], dtype=torch.float64)
    got = gradient(answer, z, y)
    expected = (0.5 - y) / len(y)
    assert torch.allclose(got, expected, atol=1e-14), (
        f"at z = 0 the gradient should be (σ(0) - y) / n = {expected.tolist()}, got {got.tolist()}. "
        f"max(z, 0) and |z| have a corner at 0, where autograd takes the slope of one side: "
        f"combine them so their slopes at 0 add up to the true slope 1/2."
    )


@pytest.mark.parametrize("z_shape,y_shape", [((5,), (5, 1)), ((3,), (4,))])
def test_shapes_that_differ_are_a_value_error(answer, z_shape, y_shape):
    with pytest.raises(ValueError):  # noqa: PT011  any message: the wording is the answer's own
        answer.bce_with_logits(torch.zeros(z_shape), torch.zeros(y_shape))
