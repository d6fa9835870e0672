"""A wrong answer to exercises/stable_bce.py: sigmoid first, then the logs, so a large logit gives
log(0).
"""

import torch


def bce_with_logits(z, y):
    """Binary cross-entropy from logits, the mean over all entries."""
    if z.shape != y.shape:
        raise ValueError(f"z and y differ in shape: {tuple(z.shape)}, {tuple(y.shape)}")
    p = 1 / (1 + torch.exp(-z))
    return -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()
