"""Exercise for docs/loss.md, section Compute it from the logit: BCE without overflow."""

import torch


def bce_with_logits(z, y):
    """Binary cross-entropy from logits, the mean over all entries; never overflows.

    z holds logits and y labels (0.0 or 1.0) of the same shape; raise ValueError
    if the shapes differ. Return the scalar mean of
    -[y log σ(z) + (1 - y) log(1 - σ(z))], what F.binary_cross_entropy_with_logits
    returns, without calling it and without computing σ(z) first. The loss and
    its autograd gradient, (σ(z) - y) / n, must be right for every logit: at
    z = 0, where training from zero weights starts, and out to ±1000, in float32
    and float64.
    """
    # --8<-- [start:solution]
    if z.shape != y.shape:
        raise ValueError(
            f"z and y must have the same shape, got "
            f"{tuple(z.shape)} and {tuple(y.shape)}"
        )
    # log(1 + e^z) = max(z, 0) + log(1 + e^-|z|), and e^-|z| is never above 1.
    # max(z, 0) is written (z + |z|) / 2 so that autograd's slope at z = 0 is 1/2.
    softplus = (z + z.abs()) / 2 + torch.log1p(torch.exp(-z.abs()))
    return (softplus - y * z).mean()
    # --8<-- [end:solution]
