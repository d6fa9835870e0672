"""A wrong answer to exercises/gradient_by_hand.py: the page's autograd loop, which cannot run with
autograd switched off.
"""

import torch


def fit_by_hand(x, y, a0=(-1.0, 1.0), lr=0.1, steps=100):
    """Gradient descent for y ≈ x @ a, with the gradient of the MSE from its formula."""
    if not lr > 0:
        raise ValueError(f"lr must be positive, got {lr}")
    a = torch.tensor(a0, dtype=x.dtype, requires_grad=True)
    path = [a.detach().clone()]
    for _ in range(steps):
        loss = ((x @ a - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            a -= lr * a.grad
            a.grad.zero_()
        path.append(a.detach().clone())
    return torch.stack(path)
