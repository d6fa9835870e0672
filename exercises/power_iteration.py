"""Exercise for docs/learning-rate.md, section The cliff on the line problem."""

import torch  # noqa: F401  (your answer will need it)


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
    raise NotImplementedError("write estimate_cliff in exercises/power_iteration.py")
