"""The check for exercises/nesterov.py: run `python -m pytest exercises/test_nesterov.py`."""

import pytest
import torch

EXERCISE = "nesterov"


def least_squares(seed=0, n=32):
    """A seeded least-squares problem in float64: inputs, targets and the loss of (w, b)."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 3, generator=g, dtype=torch.float64)
    y = (
        x @ torch.tensor([1.5, -2.0, 0.5], dtype=torch.float64)
        + 0.3
        + 0.1 * torch.randn(n, generator=g, dtype=torch.float64)
    )
    return lambda w, b: ((x @ w + b - y) ** 2).mean()


def start(seed=1):
    g = torch.Generator().manual_seed(seed)
    w = torch.randn(3, generator=g, dtype=torch.float64).requires_grad_()
    b = torch.randn((), generator=g, dtype=torch.float64).requires_grad_()
    return w, b


def with_gradients(*values):
    """Leaf tensors in float64 that require grad, with a fixed gradient in .grad."""
    params = []
    for value, grad in values:
        p = torch.tensor(value, dtype=torch.float64, requires_grad=True)
        p.grad = torch.tensor(grad, dtype=torch.float64)
        params.append(p)
    return params


@pytest.mark.parametrize("mu", [0.5, 0.9, 0.99])
def test_fifty_steps_match_torch_optim_sgd_with_nesterov(answer, mu):
    loss, lr = least_squares(), 0.05
    mine, theirs = start(), start()
    velocities = [torch.zeros_like(p) for p in mine]
    opt = torch.optim.SGD(theirs, lr=lr, momentum=mu, nesterov=True)
    for step in range(1, 51):
        for p in mine:
            p.grad = None
        loss(*mine).backward()
        answer.nesterov_step(list(mine), velocities, lr, mu)
        opt.zero_grad()
        loss(*theirs).backward()
        opt.step()
        for name, p, q in zip(("w", "b"), mine, theirs):
            assert torch.allclose(p.detach(), q.detach(), rtol=1e-10, atol=1e-12), (
                f"with mu = {mu}, after step {step} your {name} is {p.tolist()} but "
                f"torch.optim.SGD(momentum={mu}, nesterov=True) gives {q.tolist()}"
            )


def test_the_first_step_from_rest_looks_ahead(answer):
    # from v = 0 the velocity becomes g, and the step is lr * (g + mu * g) = lr * (1 + mu) * g
    (p,) = with_gradients(([1.0, -2.0], [0.5, 0.25]))
    before, g = p.detach().clone(), p.grad.clone()
    answer.nesterov_step([p], [torch.zeros_like(p)], lr=0.1, mu=0.9)
    moved = before - p.detach()
    assert torch.allclose(moved, 0.1 * 1.9 * g, rtol=1e-12), (
        f"from rest, with lr = 0.1 and mu = 0.9, the first step should move p by lr * (1 + mu) * g = "
        f"{(0.19 * g).tolist()}, but it moved by {moved.tolist()}. Moving by lr * g = {(0.1 * g).tolist()} "
        f"means the step used v alone (plain momentum) or the velocity from before this step's update"
    )


def test_with_mu_zero_it_is_a_plain_gradient_step(answer):
    params = with_gradients(([1.0, 2.0, 3.0], [0.3, -0.6, 0.9]), (0.5, -1.0))
    before = [p.detach().clone() for p in params]
    velocities = [
        torch.full_like(p, 7.0) for p in params
    ]  # mu = 0 forgets any old velocity
    answer.nesterov_step(params, velocities, lr=0.2, mu=0.0)
    for p, old in zip(params, before):
        expected = old - 0.2 * p.grad
        assert torch.allclose(p.detach(), expected, rtol=1e-12), (
            f"with mu = 0 a step must be p - lr * g = {expected.tolist()}, got {p.tolist()}"
        )


def test_parameters_and_velocities_are_updated_in_place(answer):
    params = with_gradients(([1.0, -1.0], [0.5, 0.5]), ([[2.0]], [[-1.0]]))
    velocities = [torch.zeros_like(p) for p in params]
    mine, buffers = list(params), list(velocities)
    before = [p.detach().clone() for p in params]
    answer.nesterov_step(mine, buffers, lr=0.1, mu=0.9)
    for k, (p, v, old) in enumerate(zip(params, velocities, before)):
        assert mine[k] is p and buffers[k] is v, (
            "the lists must still hold the same tensors: update them in place (p.sub_, v.mul_(mu).add_), "
            "do not put new tensors in their place"
        )
        assert not torch.equal(p.detach(), old), (
            f"parameter {k} did not change: `p = p - ...` makes a new tensor and leaves the caller's p "
            "as it was; update it in place, inside torch.no_grad()"
        )
        assert v.abs().sum() > 0, (
            f"velocity {k} is still zero after a step with a nonzero gradient: `v = mu * v + g` makes a "
            "new tensor, so the next step starts from rest again; update the caller's buffer in place"
        )
        assert p.is_leaf and p.requires_grad, (
            f"parameter {k} must stay a leaf that requires grad, so the next backward() fills its .grad: "
            "make the update inside torch.no_grad()"
        )


def test_the_gradients_are_left_as_they_are(answer):
    params = with_gradients(([1.0, 2.0], [0.25, -0.5]))
    grads = [p.grad.clone() for p in params]
    answer.nesterov_step(params, [torch.zeros_like(p) for p in params], lr=0.1, mu=0.9)
    for p, g in zip(params, grads):
        assert p.grad is not None and torch.equal(p.grad, g), (
            f"the step changed .grad from {g.tolist()} to {p.grad}: the optimizer reads the gradient, "
            "zeroing it is the training loop's job"
        )


@pytest.mark.parametrize(
    "lr,mu", [(0.0, 0.9), (-0.1, 0.9), (0.1, -0.1), (0.1, 1.0), (0.1, 1.5)]
)
def test_bad_lr_or_mu_raises_value_error(answer, lr, mu):
    params = with_gradients(([1.0], [1.0]))
    try:
        answer.nesterov_step(params, [torch.zeros_like(params[0])], lr=lr, mu=mu)
    except ValueError:
        return
    pytest.fail(
        f"nesterov_step(lr={lr}, mu={mu}) should raise a ValueError: lr must be positive "
        "and mu in [0, 1)"
    )
