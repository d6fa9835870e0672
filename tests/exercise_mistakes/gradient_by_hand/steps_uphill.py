"""A wrong answer to exercises/gradient_by_hand.py: the step adds the gradient, so it climbs the
loss.
"""

import torch


def fit_by_hand(x, y, a0=(-1.0, 1.0), lr=0.1, steps=100):
    """Gradient descent for y ≈ x @ a, with the gradient of the MSE from its formula."""
    if not lr > 0:
        raise ValueError(f"lr must be positive, got {lr}")
    a = torch.as_tensor(a0, dtype=x.dtype)
    path = [a]
    for _ in range(steps):
        gradient = 2 / len(y) * x.T @ (x @ a - y)
        a = a + lr * gradient
        path.append(a)
    return torch.stack(path)
