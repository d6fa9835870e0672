"""Exercise for docs/gradients.md, section Steepest descent."""

import torch


def directional_check(f, g, a, delta=1e-5, directions=5, seed=0):
    """Check a claimed gradient g of scalar f at a; return the largest error.

    a and g are float64 tensors of the same shape, any shape. Draw
    `directions` random directions d of a's shape and length 1: normal
    entries from torch.Generator().manual_seed(seed), divided by their norm.
    Along each, compare the central difference
    (f(a + delta d) - f(a - delta d)) / (2 delta) with the slope that g predicts, the sum
    of d * g. Return the largest absolute difference, as a float; NaN if
    any difference is NaN, for a check must never pass a NaN.
    Call f at most 2 * directions times (once more, at a, is allowed), and
    do not change a. Raise ValueError if delta is not a positive, finite number,
    if directions < 1, or if g's shape is not a's.
    """
    # --8<-- [start:solution]
    if not 0 < delta < float("inf"):
        raise ValueError(f"delta must be a positive, finite number, got {delta!r}")
    if directions < 1:
        raise ValueError(f"directions must be at least 1, got {directions!r}")
    if g.shape != a.shape:
        raise ValueError(
            f"g must have a's shape {tuple(a.shape)}, got {tuple(g.shape)}"
        )
    gen = torch.Generator().manual_seed(seed)
    errors = []
    for _ in range(directions):
        d = torch.randn(a.shape, generator=gen, dtype=a.dtype)
        d = d / d.norm()
        measured = (f(a + delta * d) - f(a - delta * d)) / (2 * delta)  # new tensors
        predicted = (d * g).sum()  # d·∇f, for a tensor of any shape
        errors.append(abs(measured - predicted))
    return torch.stack(errors).max().item()  # max(0.0, nan) would be 0.0
    # --8<-- [end:solution]
