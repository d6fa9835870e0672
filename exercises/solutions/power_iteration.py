"""Exercise for docs/learning-rate.md, section The cliff on the line problem."""

import torch


def estimate_cliff(grad, a, iters=100, seed=0):
    """Estimate the cliff 2 / h_max of a quadratic loss from its gradient.

    grad(a) returns the gradient of the loss at a, a float64 tensor of
    shape (d,). The loss is quadratic with Hessian H, so
    grad(a + v) - grad(a) = H v for every v: use that, and never form H.
    Find h_max, the largest eigenvalue of H, by power iteration: start from
    a random v of length 1 (normal entries from
    torch.Generator().manual_seed(seed), divided by their norm), and `iters`
    times replace v by H v divided by its length. Then h_max is the length
    of H v. Return 2 / h_max, the largest stable learning rate of gradient
    descent, as a float. Do not change a. Raise ValueError if iters < 1.
    """
    # --8<-- [start:solution]
    if iters < 1:
        raise ValueError(f"iters must be at least 1, got {iters!r}")
    gen = torch.Generator().manual_seed(seed)
    v = torch.randn(a.shape, generator=gen, dtype=a.dtype)
    v = v / v.norm()
    g0 = grad(a)
    for _ in range(iters):
        hv = grad(a + v) - g0  # H v, from two gradients
        v = hv / hv.norm()  # keep the direction, or v overflows
    h_max = (grad(a + v) - g0).norm()
    return 2 / h_max.item()
    # --8<-- [end:solution]
