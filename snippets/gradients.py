"""Gradients: which way is down, how autograd finds it, and how to check what it finds.

Shown in docs/gradients.md; claims tested in tests/test_gradients.py.
"""

# --8<-- [start:imports]
import math

import torch

# --8<-- [end:imports]
from snippets.checks import (
    check_count,
    check_function,
    check_number,
    check_positive,
    check_tensor,
)
from snippets.fit_line import check_line_problem, gradient, make_data, mse


# --8<-- [start:checks]
def check_scalar(name, value, *, traced=False):
    """What the function `name` returned: one number; with `traced`, a tensor that autograd can
    trace back to the function's argument."""
    if isinstance(value, torch.Tensor):
        if value.ndim != 0:
            raise ValueError(
                f"{name} must return one number, got shape {tuple(value.shape)}"
            )
    elif isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must return one number, got {type(value).__name__}")
    if traced and not (isinstance(value, torch.Tensor) and value.requires_grad):
        raise ValueError(
            f"{name} must compute its result from its argument with torch "
            "operations, or autograd cannot trace it back"
        )
    return value


def check_finite(name, value):
    """A finite number: a starting point."""
    number = check_number(name, value)
    if not math.isfinite(number):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return number
    # --8<-- [end:checks]


# --8<-- [start:parabola]
def parabola(x):
    """The bowl of the first figure: lowest at x = 1."""
    check_tensor("x", x)
    return (x - 1) ** 2
    # --8<-- [end:parabola]


# --8<-- [start:autograd]
def autograd_gradient(f, a):
    """Return the gradient of the scalar function f at a, by autograd."""
    check_function("f", f)
    check_tensor("a", a)
    a = a.detach().clone().requires_grad_()  # a leaf: autograd tracks it
    loss = f(a)  # forward pass: records how loss is made
    check_scalar("f", loss, traced=True)
    loss.backward()  # backward pass: d loss / d a into a.grad
    return a.grad
    # --8<-- [end:autograd]


# --8<-- [start:descend]
def descend(f, x0, lr, steps):
    """Gradient descent on f from x0; return x before each step and after."""
    check_function("f", f)
    x0 = check_finite("x0", x0)
    check_positive("lr", lr)
    check_count("steps", steps)
    x = torch.tensor(x0, dtype=torch.float64).requires_grad_()
    xs = [x.item()]
    for _ in range(steps):
        loss = check_scalar("f", f(x), traced=True)
        loss.backward()  # x.grad now holds f'(x)
        with torch.no_grad():  # the step is not part of f: do not record it
            x -= lr * x.grad
        x.grad = None  # backward adds to .grad: clear it each time
        xs.append(x.item())
    return xs
    # --8<-- [end:descend]


# --8<-- [start:accumulate]
def backward_twice(f1, f2, a, zero_grad):
    """Call backward on f1(a), then on f2(a); return a.grad after each."""
    check_function("f1", f1)
    check_function("f2", f2)
    check_tensor("a", a)
    if not isinstance(zero_grad, bool):
        raise TypeError(f"zero_grad must be True or False, got {zero_grad!r}")
    a = a.detach().clone().requires_grad_()
    check_scalar("f1", f1(a), traced=True).backward()
    first = a.grad.clone()
    if zero_grad:
        a.grad.zero_()  # the fix: forget what the first call left behind
    check_scalar("f2", f2(a), traced=True).backward()  # adds to what a.grad holds
    return first, a.grad.clone()
    # --8<-- [end:accumulate]


# --8<-- [start:finite_difference]
def finite_difference(f, a, delta):
    """Central-difference estimate of the gradient of scalar f at a."""
    check_function("f", f)
    check_tensor("a", a)
    check_positive("delta", delta)
    a = a.detach()  # a check, not part of any graph
    check_scalar("f", f(a))
    g = torch.zeros_like(a)
    for i in range(a.numel()):
        e = torch.zeros_like(a)
        e.view(-1)[i] = delta  # delta along axis i
        g.view(-1)[i] = (f(a + e) - f(a - e)) / (2 * delta)  # slope of the chord
    return g
    # --8<-- [end:finite_difference]


# --8<-- [start:directions]
def directional_slopes(f, a, angles, delta=1e-4):
    """Slope of f at the 2-D point a along the unit vector at each angle."""
    check_function("f", f)
    check_tensor("a", a, ndim=1)
    if len(a) != 2:
        raise ValueError(f"a must be a point of the plane, 2 numbers, got {len(a)}")
    check_tensor("angles", angles, ndim=1)
    if not angles.isfinite().all():
        raise ValueError(
            f"angles must be finite, got {angles[~angles.isfinite()].tolist()}"
        )
    check_positive("delta", delta)
    check_scalar("f", f(a))
    slopes = []
    for theta in angles.to(a.dtype):
        d = torch.stack([theta.cos(), theta.sin()])  # length 1
        slopes.append(float((f(a + delta * d) - f(a - delta * d)) / (2 * delta)))
    return slopes
    # --8<-- [end:directions]


# --8<-- [start:mae]
def mae_gradient(x, y, a):
    """The gradient of the mean absolute error, 1/n X^T sign(X a - y)."""
    check_tensor("a", a, ndim=1)
    check_line_problem(x, y, a)
    return x.T @ torch.sign(x @ a - y) / len(y)
    # --8<-- [end:mae]


# --8<-- [start:run]
if __name__ == "__main__":
    x, y = make_data()
    x, y = x.double(), y.double()  # checks belong in float64
    a = torch.tensor([-1.0, 1.0], dtype=torch.float64)

    def loss(a):
        return mse(x @ a, y)

    by_autograd = autograd_gradient(loss, a)
    by_formula = gradient(x, y, a)
    by_differences = finite_difference(loss, a, delta=1e-5)
    print(f"gradient of the MSE at a = {a.tolist()}, in float64")
    for name, g in [
        ("autograd", by_autograd),
        ("formula", by_formula),
        ("finite difference", by_differences),
    ]:
        gap = (g - by_autograd).abs().max()
        print(
            f"  {name:17s} ({g[0]:+.6f}, {g[1]:+.6f})  "
            f"{'' if g is by_autograd else f'differs by {gap:.1e}'}"
        )
# --8<-- [end:run]
