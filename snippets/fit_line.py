"""Fit a line: the whole gradient-descent loop on 100 noisy points.

Shown in docs/fit-a-line.md; claims tested in tests/test_fit_line.py.
"""

# --8<-- [start:imports]
import torch

# --8<-- [end:imports]
from snippets.checks import (
    check_count,
    check_examples,
    check_number,
    check_positive,
    check_same_shape,
    check_tensor,
)


# --8<-- [start:data]
def make_data(n=100, a=(3.0, 2.0), seed=0, dtype=torch.float32):
    """Return x, a row [input, 1] per point, and y = x @ a + noise."""
    check_count("n", n, low=2)
    if not isinstance(a, (list, tuple)) or len(a) != 2:
        raise ValueError(f"a must be a slope and an intercept, got {a!r}")
    for value in a:
        check_number("a", value)
    check_count("seed", seed)
    g = torch.Generator().manual_seed(seed)
    x = torch.ones(n, 2, dtype=dtype)
    x[:, 0] = torch.rand(n, generator=g, dtype=dtype) * 2 - 1
    noise = torch.rand(n, generator=g, dtype=dtype)  # uniform in [0, 1)
    y = x @ torch.tensor(a, dtype=dtype) + noise
    return x, y
    # --8<-- [end:data]


# --8<-- [start:loss]
def mse(y_hat, y):
    """Mean squared error: the average of the squared differences."""
    check_tensor("y_hat", y_hat)
    check_tensor("y", y)
    check_same_shape("y_hat", y_hat, "y", y)
    return ((y_hat - y) ** 2).mean()
    # --8<-- [end:loss]


# --8<-- [start:checks]
def check_line_problem(x, y, a, name="a"):
    """Raise a ValueError that says what is wrong with the line problem's
    x, y and parameters a (called `name` in the caller)."""
    check_tensor("x", x, ndim=2)
    check_tensor("y", y, ndim=1)
    check_examples(x, y)
    if isinstance(a, torch.Tensor) and a.ndim == 1:
        values = a.tolist()
    elif isinstance(a, (list, tuple)):
        values = list(a)
    else:
        raise TypeError(
            f"{name} must be a list, tuple or 1-D tensor of numbers, "
            f"one for each column of x, got {a!r}"
        )
    if len(values) != x.shape[1]:
        raise ValueError(
            f"{name} needs a value for each column of x ({x.shape[1]}), "
            f"but it has {len(values)} values"
        )
    for value in values:  # numbers, or tensors of them (a grid of lines)
        if isinstance(value, torch.Tensor):
            check_tensor(name, value)
        else:
            check_number(name, value)
    # --8<-- [end:checks]


# --8<-- [start:fit_checks]
def check_fit_args(x, y, a0, lr, steps):
    """The checks of fit and fit_with_optim: the problem, rate and steps."""
    check_line_problem(x, y, a0, "a0")
    check_positive("lr", lr)
    check_count("steps", steps)
    # --8<-- [end:fit_checks]


# --8<-- [start:fit]
def fit(x, y, a0=(-1.0, 1.0), lr=0.1, steps=100):
    """Gradient descent for y ≈ x @ a; return a0 and a after each step."""
    check_fit_args(x, y, a0, lr, steps)  # see "When the input is wrong"
    a = torch.tensor(a0, dtype=x.dtype, requires_grad=True)  # 1. initialise
    path = [a.detach().clone()]
    for _ in range(steps):  # 2. repeat
        y_hat = x @ a  # 3. predict
        loss = mse(y_hat, y)  # 4. loss
        loss.backward()  # 5. gradient
        with torch.no_grad():  # 6. step
            a -= lr * a.grad
            a.grad.zero_()
        path.append(a.detach().clone())
    return torch.stack(path)  # 7. stop
    # --8<-- [end:fit]


# --8<-- [start:optim]
def fit_with_optim(x, y, a0=(-1.0, 1.0), lr=0.1, steps=100):
    """The same loop, with torch.optim.SGD doing the step and zeroing."""
    check_fit_args(x, y, a0, lr, steps)
    a = torch.tensor(a0, dtype=x.dtype, requires_grad=True)
    opt = torch.optim.SGD([a], lr=lr)
    path = [a.detach().clone()]
    for _ in range(steps):
        loss = mse(x @ a, y)
        loss.backward()
        opt.step()
        opt.zero_grad()
        path.append(a.detach().clone())
    return torch.stack(path)
    # --8<-- [end:optim]


# --8<-- [start:gradient]
def gradient(x, y, a):
    """The gradient of the MSE from its formula, 2/n X^T (X a - y)."""
    check_line_problem(x, y, a)
    return 2 / len(y) * x.T @ (x @ a - y)
    # --8<-- [end:gradient]


# --8<-- [start:run]
if __name__ == "__main__":
    x, y = make_data()
    path = fit(x, y)
    for t in range(0, len(path), 10):
        a, loss = path[t], mse(x @ path[t], y)
        print(f"step {t:3d}  a = ({a[0]:.3f}, {a[1]:.3f})  loss {loss:.4f}")
# --8<-- [end:run]
