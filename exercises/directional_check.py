"""Exercise for docs/gradients.md, section Steepest descent."""

import torch  # noqa: F401  (your answer will need it)


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
    raise NotImplementedError(
        "write directional_check in exercises/directional_check.py"
    )
