"""The check for exercises/gradient_by_hand.py: run `python -m pytest exercises/test_gradient_by_hand.py`."""

import pytest
import torch

EXERCISE = "gradient_by_hand"


def make_data(n=100, columns=2, seed=0):
    """Float64 points along y = 3u + 2 plus noise; x has the columns u, (u², if 3 columns) and 1."""
    g = torch.Generator().manual_seed(seed)
    u = torch.rand(n, generator=g, dtype=torch.float64) * 2 - 1
    features = [*[u, u**2][: columns - 1], torch.ones(n, dtype=torch.float64)]
    y = 3 * u + 2 + torch.rand(n, generator=g, dtype=torch.float64)
    return torch.stack(features, dim=1), y


def autograd_step(x, y, a, lr):
    """One step of the page's loop, with the gradient from loss.backward()."""
    a = a.clone().requires_grad_(True)
    ((x @ a - y) ** 2).mean().backward()
    return (a - lr * a.grad).detach()


def test_it_runs_with_autograd_switched_off(answer):
    x, y = make_data()
    try:
        with torch.no_grad():
            path = answer.fit_by_hand(x, y, (-1.0, 1.0), lr=0.1, steps=5)
    except RuntimeError as error:
        pytest.fail(
            f"fit_by_hand failed inside torch.no_grad() ({error}). Compute the gradient from "
            f"its formula, 2/n Xᵀ(X a - y), instead of calling loss.backward()."
        )
    assert torch.is_tensor(path) and path.shape == (6, 2), (
        f"fit_by_hand(x, y, a0, lr, steps=5) should return a tensor of shape (6, 2): a0 and a after "
        f"each of the 5 steps; got {type(path).__name__} {tuple(getattr(path, 'shape', ()))}"
    )


def test_the_path_starts_at_a0_and_has_one_row_per_step(answer):
    x, y = make_data()
    path = answer.fit_by_hand(x, y, (-1.0, 1.0), lr=0.1, steps=10)
    assert path.shape == (11, 2), (
        f"10 steps should give 11 rows (a0 and 10 more), got {tuple(path.shape)}"
    )
    assert path.dtype == x.dtype, (
        f"the path should be in x's dtype, {x.dtype}, got {path.dtype}"
    )
    assert torch.equal(path[0], torch.tensor([-1.0, 1.0], dtype=x.dtype)), (
        f"the first row of the path should be a0 = (-1, 1), got {path[0].tolist()}"
    )
    assert answer.fit_by_hand(x, y, (-1.0, 1.0), lr=0.1, steps=0).shape == (1, 2), (
        "with steps=0 the path is a0 alone, shape (1, 2)"
    )


@pytest.mark.parametrize("columns,lr", [(2, 0.1), (2, 0.7), (3, 0.3)])
def test_every_step_equals_a_step_with_the_autograd_gradient(answer, columns, lr):
    x, y = make_data(columns=columns, seed=columns)
    a0 = torch.linspace(-1.0, 1.0, columns, dtype=torch.float64)
    path = answer.fit_by_hand(x, y, a0, lr=lr, steps=20)
    assert path.shape == (21, columns), (
        f"expected a path of shape (21, {columns}), got {tuple(path.shape)}"
    )
    for t in range(20):
        expected = autograd_step(x, y, path[t], lr)
        assert torch.allclose(path[t + 1], expected, rtol=1e-10, atol=1e-12), (
            f"step {t + 1} (lr={lr}, {columns} columns) went from {path[t].tolist()} to "
            f"{path[t + 1].tolist()}, but a - lr * (autograd's gradient) is {expected.tolist()}. "
            f"Check the gradient: 2/n Xᵀ(X a - y), with the factor 2, divided by n, and a minus sign "
            f"in the step."
        )


def test_it_reaches_the_least_squares_loss(answer):
    x, y = make_data()
    best = torch.linalg.lstsq(x, y.unsqueeze(1), driver="gelsd").solution.squeeze(1)
    floor = ((x @ best - y) ** 2).mean()
    a = answer.fit_by_hand(x, y, (-1.0, 1.0), lr=0.1, steps=500)[-1]
    loss = ((x @ a - y) ** 2).mean()
    assert torch.isclose(loss, floor, rtol=1e-9, atol=0), (
        f"after 500 steps with lr=0.1 the loss should be the least-squares minimum {floor.item():.10f}, "
        f"got {loss.item():.10f} at a = {a.tolist()}"
    )


def test_it_does_not_change_its_inputs(answer):
    x, y = make_data()
    a0 = torch.tensor([-1.0, 1.0], dtype=torch.float64)
    x_before, y_before, a0_before = x.clone(), y.clone(), a0.clone()
    path = answer.fit_by_hand(x, y, a0, lr=0.1, steps=10)
    assert torch.equal(x, x_before) and torch.equal(y, y_before), (
        "fit_by_hand changed x or y"
    )
    assert torch.equal(a0, a0_before), (
        f"fit_by_hand changed the tensor a0 passed in, from {a0_before.tolist()} to {a0.tolist()}: "
        f"update a copy of it (a = a - lr * g makes a new tensor; a -= lr * g changes the old one)"
    )
    assert torch.equal(path[0], a0_before), (
        "the path's first row should be the a0 passed in"
    )


@pytest.mark.parametrize("lr", [0.0, -0.1])
def test_a_learning_rate_that_is_not_positive_is_a_value_error(answer, lr):
    x, y = make_data()
    with pytest.raises(ValueError):  # noqa: PT011  any message: the wording is the answer's own
        answer.fit_by_hand(x, y, (-1.0, 1.0), lr=lr, steps=10)
