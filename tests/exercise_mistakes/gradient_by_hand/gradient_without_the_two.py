"""A wrong answer to exercises/gradient_by_hand.py: the gradient lacks the factor 2 (so it steps
half as far, and still converges).
"""

import torch


def fit_by_hand(x, y, a0=(-1.0, 1.0), lr=0.1, steps=100):
    """Gradient descent for y ≈ x @ a, with the gradient of the MSE from its formula."""
    if not lr > 0:
        raise ValueError(f"lr must be positive, got {lr}")
    a = torch.as_tensor(a0, dtype=x.dtype)
    path = [a]
    for _ in range(steps):
        gradient = x.T @ (x @ a - y) / len(y)
        a = a - lr * gradient
        path.append(a)
    return torch.stack(path)
