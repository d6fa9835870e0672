"""Exercise for docs/fit-a-line.md, section The loop: gradient descent without autograd."""

import torch


def fit_by_hand(x, y, a0=(-1.0, 1.0), lr=0.1, steps=100):
    """Gradient descent for y ≈ x @ a, the MSE's gradient taken from its formula.

    x is (n, d), y is (n,) and a0 holds d starting values (a tuple or a tensor).
    Each step is a ← a - lr * 2/n Xᵀ(X a - y): no requires_grad, no backward(),
    so it also runs inside torch.no_grad(). Return a0 and a after every step, a
    tensor of shape (steps + 1, d) in x's dtype, like `fit`. Do not change x, y
    or a0. Raise ValueError if lr <= 0.
    """
    # --8<-- [start:solution]
    if not lr > 0:
        raise ValueError(f"lr must be positive, got {lr}")
    a = torch.as_tensor(a0, dtype=x.dtype)
    path = [a]
    for _ in range(steps):
        gradient = 2 / len(y) * x.T @ (x @ a - y)
        a = a - lr * gradient  # a new tensor: a0 and the path stay as they are
        path.append(a)
    return torch.stack(path)
    # --8<-- [end:solution]
