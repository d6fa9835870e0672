"""Checks exercises/directional_check.py: run `python -m pytest exercises/test_directional_check.py`."""

import pytest
import torch

EXERCISE = "directional_check"


def point(shape, seed):
    """A seeded float64 tensor of the given shape, entries of size about 1."""
    return torch.randn(
        shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64
    )


def fit_loss(seed=3):
    """The MSE of a linear model with two outputs, y ≈ x @ w, as a function of the (3, 2) matrix w."""
    x, y = point((20, 3), seed), point((20, 2), seed + 1)
    return lambda w: ((x @ w - y) ** 2).mean()


# name: (f, a) for smooth scalar functions of a vector, a matrix and a 3-D tensor
FUNCTIONS = {
    "sum of a² sin a, a vector of 7": (lambda a: (a**2 * a.sin()).sum(), point(7, 0)),
    "MSE of x @ w, w a 3 × 2 matrix": (fit_loss(), point((3, 2), 1)),
    "logsumexp of a 2 × 3 × 2 tensor": (
        lambda a: torch.logsumexp(a.flatten(), 0),
        point((2, 3, 2), 2),
    ),
}


def autograd(f, a):
    """The true gradient of f at a, from autograd."""
    a = a.clone().requires_grad_()
    f(a).backward()
    return a.grad


def one_entry_off(g):
    wrong = g.clone()
    wrong.view(-1)[0] += 0.5
    return wrong


# name: how a learner's gradient might be wrong
WRONG = {
    "twice the gradient": lambda g: 2 * g,
    "the gradient with its sign flipped": lambda g: -g,
    "the gradient with one entry off by 0.5": one_entry_off,
    "the gradient's entries in the wrong order": lambda g: (
        g.flatten().flip(0).reshape(g.shape)
    ),
}


@pytest.mark.parametrize("name", FUNCTIONS)
def test_a_correct_gradient_passes(answer, name):
    f, a = FUNCTIONS[name]
    error = float(answer.directional_check(f, autograd(f, a), a))
    assert error < 1e-7, (
        f"for the {name}, autograd's (correct) gradient gave an error of {error:.2e}; with delta = 1e-5 in "
        f"float64 a central difference along a direction of length 1 agrees with the sum of d * g to "
        f"about 1e-10. Check the central difference, the predicted slope (d * g).sum(), and that it works "
        f"for tensors of any shape."
    )


@pytest.mark.parametrize("wrong", WRONG)
@pytest.mark.parametrize("name", FUNCTIONS)
def test_a_wrong_gradient_fails(answer, name, wrong):
    f, a = FUNCTIONS[name]
    error = float(answer.directional_check(f, WRONG[wrong](autograd(f, a)), a))
    assert error > 1e-3, (
        f"for the {name}, {wrong} gave an error of only {error:.2e}: the check did not notice. Compare "
        f"the central difference along d with (d * g).sum(), the slope the claimed gradient predicts."
    )


def test_it_uses_a_central_difference(answer):
    # on sum(exp(a)) with delta = 1e-3 a central difference is off by at most delta²/6 * e ≈ 5e-7, while a
    # one-sided difference is off by about delta/2 * dᵀ(Hessian)d, at least 5e-4 / e ≈ 2e-4
    f, a = (lambda a: a.exp().sum()), torch.linspace(-1, 1, 6, dtype=torch.float64)
    error = float(answer.directional_check(f, a.exp(), a, delta=1e-3))
    assert error < 1e-5, (
        f"with the exact gradient of sum(exp(a)) and delta = 1e-3 the error is {error:.2e}, about the size "
        f"of delta: that is a one-sided difference, (f(a + delta d) - f(a)) / delta. Step both ways: "
        f"(f(a + delta d) - f(a - delta d)) / (2 delta), whose error shrinks like delta²."
    )


def test_it_measures_along_directions_of_length_one(answer):
    # f is linear, so every difference is exact: the error is |d · e| for the error e of the claimed
    # gradient, at most |e| = 1 if d has length 1
    c = torch.linspace(-1, 1, 100, dtype=torch.float64)
    e = point(100, 4)
    e = e / e.norm()
    error = float(
        answer.directional_check(
            lambda a: (c * a).sum(), c + e, torch.zeros(100, dtype=torch.float64)
        )
    )
    assert 0 < error <= 1 + 1e-6, (
        f"the claimed gradient is off by a vector e of length 1, so along a direction d of length 1 the "
        f"error |d · e| is at most 1, but the check returned {error:.4g}. Divide each random direction by "
        f"its norm, d = d / d.norm()."
    )


def test_it_costs_two_evaluations_per_direction(answer):
    calls = []

    def f(a):
        calls.append(1)
        return (a**2).sum() / 2

    a = point(100, 5)
    answer.directional_check(f, a.clone(), a, directions=3)
    assert len(calls) <= 7, (
        f"checking a gradient of 100 entries along 3 directions called f {len(calls)} times; it needs "
        f"only 2 per direction, f(a + delta d) and f(a - delta d), however many entries a has. "
        f"That is the point of checking along directions: a difference for every entry costs 2 calls "
        f"per entry."
    )


def test_a_gradient_with_a_nan_does_not_pass(answer):
    f, a = FUNCTIONS["sum of a² sin a, a vector of 7"]
    g = autograd(f, a)
    g[3] = float("nan")
    error = float(answer.directional_check(f, g, a))
    assert not error <= 1e-3, (
        f"a claimed gradient with a NaN in it gave an error of {error:.2e}: the check passed it. Every "
        f"difference is NaN, and max(0.0, nan) is 0.0 (a NaN compares false with everything); keep the "
        f"differences in a tensor and take torch.max, which returns NaN if any is."
    )


def test_it_does_not_change_a(answer):
    f, a = FUNCTIONS["MSE of x @ w, w a 3 × 2 matrix"]
    g, before = autograd(f, a), a.clone()
    answer.directional_check(f, g, a)
    assert torch.equal(a, before), (
        "directional_check changed the tensor a it was given. Evaluate f at new tensors, a + delta * d and "
        "a - delta * d, instead of moving a in place (a += delta * d) and forgetting to move it back."
    )


@pytest.mark.parametrize(
    "kwargs",
    [{"delta": 0.0}, {"delta": -1e-5}, {"delta": float("inf")}, {"directions": 0}],
    ids=["delta=0", "delta<0", "delta=inf", "directions=0"],
)
def test_bad_arguments_are_a_value_error(answer, kwargs):
    f, a = FUNCTIONS["sum of a² sin a, a vector of 7"]
    with pytest.raises(ValueError):  # noqa: PT011  any message: the wording is the answer's own
        answer.directional_check(f, autograd(f, a), a, **kwargs)


def test_a_gradient_of_the_wrong_shape_is_a_value_error(answer):
    f, a = FUNCTIONS["MSE of x @ w, w a 3 × 2 matrix"]
    with pytest.raises(ValueError):  # noqa: PT011  any message: the wording is the answer's own
        answer.directional_check(f, autograd(f, a).T, a)
