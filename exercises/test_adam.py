"""The check for exercises/adam.py: run `python -m pytest exercises/test_adam.py`."""

import math

import pytest
import torch

EXERCISE = "adam"
F64 = torch.float64


def least_squares(seed=0, n=32):
    """A seeded least-squares problem in float64, its inputs on three scales: the loss of (w, b)."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 3, generator=g, dtype=F64) * torch.tensor(
        [1.0, 10.0, 0.1], dtype=F64
    )
    y = x @ torch.tensor([1.5, -0.2, 5.0], dtype=F64) + 0.1 * torch.randn(
        n, generator=g, dtype=F64
    )
    return lambda w, b: ((x @ w + b - y) ** 2).mean()


def start(seed=1):
    g = torch.Generator().manual_seed(seed)
    w = torch.randn(3, generator=g, dtype=F64).requires_grad_()
    b = torch.randn((), generator=g, dtype=F64).requires_grad_()
    return w, b


def with_gradient(value, grad):
    p = torch.tensor(value, dtype=F64, requires_grad=True)
    p.grad = torch.tensor(grad, dtype=F64)
    return p


SETTINGS = [
    {"lr": 0.01},
    {"lr": 0.05, "betas": (0.8, 0.99)},
    {"lr": 0.001, "betas": (0.9, 0.999), "eps": 1e-6},
]


@pytest.mark.parametrize("settings", SETTINGS, ids=str)
def test_a_hundred_steps_match_torch_optim_adam(answer, settings):
    loss = least_squares()
    mine, theirs = start(), start()
    ms = [torch.zeros_like(p) for p in mine]
    vs = [torch.zeros_like(p) for p in mine]
    opt = torch.optim.Adam(theirs, **settings)
    for t in range(1, 101):
        for p in mine:
            p.grad = None
        loss(*mine).backward()
        answer.adam_step(list(mine), ms, vs, t, **settings)
        opt.zero_grad()
        loss(*theirs).backward()
        opt.step()
        for name, p, q in zip(("w", "b"), mine, theirs):
            assert torch.allclose(p.detach(), q.detach(), rtol=1e-10, atol=1e-12), (
                f"with {settings}, after step {t} your {name} is {p.tolist()} but "
                f"torch.optim.Adam gives {q.tolist()}"
            )
        for k, q in enumerate(theirs):
            state = opt.state[q]
            assert torch.allclose(ms[k], state["exp_avg"], rtol=1e-10, atol=1e-14), (
                f"after step {t} your m is {ms[k].tolist()}, torch.optim.Adam's exp_avg "
                f"{state['exp_avg'].tolist()}: m must be the average of g WITHOUT the correction"
            )
            assert torch.allclose(vs[k], state["exp_avg_sq"], rtol=1e-10, atol=1e-14), (
                f"after step {t} your v is {vs[k].tolist()}, torch.optim.Adam's exp_avg_sq "
                f"{state['exp_avg_sq'].tolist()}"
            )


@pytest.mark.parametrize("scale", [1e-7, 1e-3, 1.0, 1e4])
def test_the_first_step_is_lr_times_g_over_g_plus_eps(answer, scale):
    # at t = 1 the corrected averages are g and g², so the step is lr * g / (|g| + eps): at most lr
    p = with_gradient([1.0, -1.0], [scale, -3 * scale])
    before, g = p.detach().clone(), p.grad.clone()
    answer.adam_step(
        [p], [torch.zeros(2, dtype=F64)], [torch.zeros(2, dtype=F64)], 1, lr=0.1
    )
    moved = before - p.detach()
    expected = 0.1 * g / (g.abs() + 1e-8)
    assert torch.allclose(moved, expected, rtol=1e-12, atol=0), (
        f"with gradient {g.tolist()}, the first step should move p by lr * g / (|g| + eps) = "
        f"{expected.tolist()}, but it moved by {moved.tolist()}. Without bias correction it moves "
        f"(1 - beta1) / sqrt(1 - beta2) = {0.1 / math.sqrt(0.001):.2f} times that; with eps inside "
        f"the root, far less for a tiny g"
    )


def test_averages_and_parameters_are_updated_in_place(answer):
    p = with_gradient([1.0, 2.0], [0.5, -0.5])
    m, v = torch.zeros(2, dtype=F64), torch.zeros(2, dtype=F64)
    ms, vs = [m], [v]
    before = p.detach().clone()
    answer.adam_step([p], ms, vs, 1, lr=0.1)
    assert ms[0] is m and vs[0] is v, (
        "the lists must still hold the same tensors: update in place"
    )
    assert m.abs().sum() > 0 and v.abs().sum() > 0, (
        "m or v is still zero after a step: `m = beta1 * m + ...` makes a new tensor; update "
        "the caller's m and v in place (m.mul_(beta1).add_(...))"
    )
    assert not torch.equal(p.detach(), before), (
        "the parameter did not change: update it in place"
    )
    assert p.is_leaf and p.requires_grad, (
        "p must stay a leaf that requires grad (use torch.no_grad())"
    )


def test_the_gradient_is_left_as_it_is(answer):
    p = with_gradient([1.0, 2.0], [0.25, -0.5])
    g = p.grad.clone()
    answer.adam_step([p], [torch.zeros(2, dtype=F64)], [torch.zeros(2, dtype=F64)], 1)
    assert p.grad is not None and torch.equal(p.grad, g), (
        "the step must not change .grad"
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"lr": 0.0},
        {"lr": -0.1},
        {"eps": 0.0},
        {"t": 0},
        {"betas": (1.0, 0.999)},
        {"betas": (0.9, -0.1)},
    ],
    ids=str,
)
def test_bad_settings_raise_value_error(answer, kwargs):
    p = with_gradient([1.0], [1.0])
    call = {"t": 1, **kwargs}
    with pytest.raises(ValueError):  # noqa: PT011  (any message will do)
        answer.adam_step(
            [p], [torch.zeros(1, dtype=F64)], [torch.zeros(1, dtype=F64)], **call
        )
