"""Exercise for docs/loss.md, section Compute it from the logit: BCE without overflow."""

import torch  # noqa: F401  (your answer will need it)


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
    raise NotImplementedError("write bce_with_logits in exercises/stable_bce.py")
