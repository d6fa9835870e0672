"""A wrong answer to exercises/stable_bce.py: max(z, 0) as z.clamp(min=0), whose slope at 0 is 1
while that of -|z| is 0, so the gradient at z = 0 is 1 - y, not 1/2 - y.
"""

import torch


def bce_with_logits(z, y):
    """Binary cross-entropy from logits, the mean over all entries."""
    if z.shape != y.shape:
        raise ValueError(f"z and y differ in shape: {tuple(z.shape)}, {tuple(y.shape)}")
    softplus = z.clamp(min=0) + torch.log1p(torch.exp(-z.abs()))
    return (softplus - y * z).mean()
