"""The check for exercises/power_iteration.py: run `python -m pytest exercises/test_power_iteration.py`."""

import pytest
import torch

EXERCISE = "power_iteration"

PROBLEMS = [(0, 2), (1, 3), (2, 5)]  # (seed, number of parameters d)


def line_problem(seed, d, n=40):
    """A seeded least-squares problem y ≈ x @ a in float64, columns of different scales."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, d, generator=g, dtype=torch.float64) * torch.linspace(
        0.5, 2.0, d, dtype=torch.float64
    )
    y = x @ torch.randn(d, generator=g, dtype=torch.float64) + 0.1 * torch.randn(
        n, generator=g, dtype=torch.float64
    )
    return x, y


def mse_gradient(x, y, scale=1.0):
    """The gradient of scale * MSE of x @ a, as a function of a: scale * 2/n xᵀ(x a - y)."""
    return lambda a: scale * 2 / len(y) * x.T @ (x @ a - y)


def true_cliff(x, scale=1.0):
    """2 / h_max, with h_max the largest eigenvalue of the Hessian scale * 2/n xᵀx."""
    return 2 / torch.linalg.eigvalsh(scale * 2 / len(x) * x.T @ x)[-1].item()


def start(d, seed=7):
    return torch.randn(
        d, generator=torch.Generator().manual_seed(seed), dtype=torch.float64
    )


def gradient_descent(grad, a, lr, steps):
    for _ in range(steps):
        a = a - lr * grad(a)
    return a


@pytest.mark.parametrize("seed,d", PROBLEMS)
def test_it_agrees_with_the_largest_eigenvalue(answer, seed, d):
    x, y = line_problem(seed, d)
    found, expected = (
        float(answer.estimate_cliff(mse_gradient(x, y), start(d))),
        true_cliff(x),
    )
    assert abs(found - expected) <= 1e-6 * expected, (
        f"with {d} parameters the cliff is 2 / h_max = {expected:.8f} (h_max from torch.linalg.eigvalsh of "
        f"the Hessian 2/n xᵀx), but estimate_cliff returned {found:.8f}. "
        + (
            "That is half the cliff, 1 / h_max: the rule is 2 / h_max."
            if abs(found - expected / 2) <= 1e-6 * expected
            else "Is H v computed as grad(a + v) - grad(a), the difference of two gradients, and "
            "h_max as the length of H v for v of length 1?"
        )
    )


@pytest.mark.parametrize("seed,d", PROBLEMS)
def test_gradient_descent_converges_just_below_it_and_diverges_just_above(
    answer, seed, d
):
    x, y = line_problem(seed, d)
    grad, a0 = mse_gradient(x, y), start(d)
    best = torch.linalg.lstsq(x, y.unsqueeze(1), driver="gelsd").solution.squeeze(1)
    lr = float(answer.estimate_cliff(grad, a0))
    below = (gradient_descent(grad, a0, 0.95 * lr, 500) - best).norm() / (
        a0 - best
    ).norm()
    above = (gradient_descent(grad, a0, 1.05 * lr, 300) - best).norm() / (
        a0 - best
    ).norm()
    assert below < 1e-6, (
        f"gradient descent at 0.95 times your cliff ({0.95 * lr:.4g}) should converge, but after 500 steps "
        f"it is still {below:.3g} times as far from the minimum as at the start"
    )
    assert above > 1e3, (
        f"gradient descent at 1.05 times your cliff ({1.05 * lr:.4g}) should diverge, but after 300 steps "
        f"it is only {above:.3g} times as far from the minimum as at the start: your cliff is too low"
    )


def test_it_works_at_the_minimum_where_the_gradient_is_zero(answer):
    x, _ = line_problem(1, 3)
    best = start(3)
    y = x @ best  # no noise: the loss is 0 at best, and its gradient there exactly zero
    assert not mse_gradient(x, y)(best).any()
    found, expected = (
        float(answer.estimate_cliff(mse_gradient(x, y), best)),
        true_cliff(x),
    )
    assert abs(found - expected) <= 1e-6 * expected, (
        f"at the minimum, where the gradient is zero, estimate_cliff returned {found} instead of "
        f"{expected:.8f}. The curvature is the same everywhere on a quadratic; start v from a random "
        f"vector, not from the gradient, which is zero there."
    )


@pytest.mark.parametrize("scale", [1e-3, 1e3])
def test_a_loss_scaled_by_c_has_its_cliff_divided_by_c(answer, scale):
    x, y = line_problem(2, 5)
    found = float(answer.estimate_cliff(mse_gradient(x, y, scale), start(5)))
    expected = true_cliff(x, scale)
    assert abs(found - expected) <= 1e-6 * expected, (
        f"multiplying the loss by {scale:g} multiplies every curvature by {scale:g}, so the cliff should be "
        f"{expected:.6g}, but estimate_cliff returned {found}. If that is nan or inf or 0: divide v by its "
        f"length after every product H v, or its length grows or shrinks like h_max to the power iters."
    )


def test_it_does_not_change_a(answer):
    x, y = line_problem(0, 2)
    a = start(2)
    before = a.clone()
    answer.estimate_cliff(mse_gradient(x, y), a)
    assert torch.equal(a, before), (
        "estimate_cliff changed the tensor a it was given: compute grad(a + v), a new tensor, instead of "
        "moving a in place"
    )


@pytest.mark.parametrize("iters", [0, -1])
def test_fewer_than_one_iteration_is_a_value_error(answer, iters):
    x, y = line_problem(0, 2)
    with pytest.raises(ValueError):  # noqa: PT011  any message: the wording is the answer's own
        answer.estimate_cliff(mse_gradient(x, y), start(2), iters=iters)
