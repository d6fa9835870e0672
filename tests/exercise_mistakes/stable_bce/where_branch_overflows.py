"""A wrong answer to exercises/stable_bce.py: picks a safe formula with torch.where, but the branch
it throws away still overflows, and its nan reaches the gradient.
"""

import torch


def bce_with_logits(z, y):
    """Binary cross-entropy from logits, the mean over all entries."""
    if z.shape != y.shape:
        raise ValueError(f"z and y differ in shape: {tuple(z.shape)}, {tuple(y.shape)}")
    softplus = torch.where(z > 0, z + torch.log1p(torch.exp(-z)), torch.log1p(torch.exp(z)))
    return (softplus - y * z).mean()
