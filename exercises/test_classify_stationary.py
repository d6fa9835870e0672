"""The check for exercises/classify_stationary.py:
run `python -m pytest exercises/test_classify_stationary.py`."""

import pytest
import torch

EXERCISE = "classify_stationary"
F64 = torch.float64


def f(p):
    x, y = p
    return x**3 - 3 * x + y**2


def seeded_points(count=40, seed=0):
    g = torch.Generator().manual_seed(seed)
    return (torch.rand(count, 2, generator=g, dtype=F64) * 2 - 1) * 3


def autograd_gradient(p):
    p = p.detach().clone().requires_grad_()
    (g,) = torch.autograd.grad(f(p), p)
    return g


def autograd_hessian(p):
    return torch.autograd.functional.hessian(f, p.detach().clone())


@pytest.fixture(scope="module")
def answer_parts(answer):
    gradient, hessian, points = answer.classify_stationary()
    return gradient, hessian, points


def test_the_gradient_agrees_with_autograd(answer_parts):
    gradient = answer_parts[0]
    for p in seeded_points():
        mine, theirs = torch.as_tensor(gradient(p), dtype=F64), autograd_gradient(p)
        assert mine.shape == (2,), (
            f"the gradient must be two numbers, got shape {tuple(mine.shape)}"
        )
        assert torch.allclose(mine, theirs, rtol=1e-12, atol=1e-12), (
            f"at p = {p.tolist()} your gradient is {mine.tolist()} but autograd's is {theirs.tolist()}"
        )


def test_the_hessian_agrees_with_autograd(answer_parts):
    hessian = answer_parts[1]
    for p in seeded_points():
        mine, theirs = torch.as_tensor(hessian(p), dtype=F64), autograd_hessian(p)
        assert mine.shape == (2, 2), (
            f"the Hessian must be 2 x 2, got shape {tuple(mine.shape)}"
        )
        assert torch.allclose(mine, theirs, rtol=1e-12, atol=1e-12), (
            f"at p = {p.tolist()} your Hessian is {mine.tolist()} but autograd's is {theirs.tolist()}"
        )


def test_the_gradient_is_zero_at_every_point_named(answer_parts):
    points = answer_parts[2]
    assert points, "name the stationary points: the list is empty"
    for (x, y), _ in points:
        g = autograd_gradient(torch.tensor([x, y], dtype=F64))
        assert g.norm() < 1e-9, f"the gradient at ({x}, {y}) is {g.tolist()}, not zero"


def test_no_stationary_point_is_missing(answer_parts):
    # Newton's method, with autograd's derivatives, from a grid of starts: every point it finds
    # must be on the list, and the list must name no point twice
    points = answer_parts[2]
    named = torch.tensor([xy for xy, _ in points], dtype=F64)
    assert len({(round(x, 6), round(y, 6)) for (x, y), _ in points}) == len(points), (
        "a point is named twice"
    )
    for sx in torch.linspace(-3, 3, 7, dtype=F64):
        for sy in (-2.0, 0.5, 2.0):
            p = torch.stack([sx + 0.1, torch.tensor(sy, dtype=F64)])
            for _ in range(60):
                p = p - torch.linalg.solve(autograd_hessian(p), autograd_gradient(p))
            if autograd_gradient(p).norm() < 1e-9:
                gaps = (named - p).norm(dim=1)
                assert gaps.min() < 1e-6, (
                    f"the gradient is zero at {p.tolist()}, which is not on the list"
                )


def test_each_kind_agrees_with_the_eigenvalues_of_the_hessian(answer_parts):
    for (x, y), kind in answer_parts[2]:
        values = torch.linalg.eigvalsh(
            autograd_hessian(torch.tensor([x, y], dtype=F64))
        )
        expected = (
            "minimum" if values[0] > 0 else "maximum" if values[-1] < 0 else "saddle"
        )
        assert kind == expected, (
            f"at ({x}, {y}) the Hessian's eigenvalues are {values.tolist()}: a {expected}, not a {kind}"
        )
