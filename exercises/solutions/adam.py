"""Exercise for docs/adaptive-step-sizes.md, section Adam: a step of Adam by hand."""

import torch


def adam_step(params, ms, vs, t, lr=0.001, betas=(0.9, 0.999), eps=1e-8):
    """Step t (1 for the first) of Adam, as torch.optim.Adam takes it.

    `params` is a list of leaf tensors that require grad, each with its
    gradient g in `.grad`; `ms` and `vs` hold one tensor per parameter, of
    the same shape, zero before the first step. For each parameter, update
    both averages and then the parameter, all IN PLACE (the same tensor
    objects must hold the new values):

        m <- beta1 * m + (1 - beta1) * g
        v <- beta2 * v + (1 - beta2) * g * g
        p <- p - lr * m_hat / (sqrt(v_hat) + eps)

    with the bias-corrected m_hat = m / (1 - beta1**t) and
    v_hat = v / (1 - beta2**t). Leave `.grad` as it is and return nothing.
    Raise a ValueError if lr <= 0, eps <= 0, t < 1, or a beta is not in [0, 1).
    """
    # --8<-- [start:solution]
    beta1, beta2 = betas
    if not (lr > 0 and eps > 0 and t >= 1):
        raise ValueError(f"need lr > 0, eps > 0 and t >= 1, got {lr}, {eps}, {t}")
    if not (0 <= beta1 < 1 and 0 <= beta2 < 1):
        raise ValueError(f"betas must be in [0, 1), got {betas}")
    with torch.no_grad():  # an update, not part of the graph
        for p, m, v in zip(params, ms, vs):
            m.mul_(beta1).add_((1 - beta1) * p.grad)  # in place: the caller's state
            v.mul_(beta2).add_((1 - beta2) * p.grad * p.grad)
            m_hat = m / (1 - beta1**t)
            v_hat = v / (1 - beta2**t)
            p.sub_(lr * m_hat / (v_hat.sqrt() + eps))  # eps outside the root
    # --8<-- [end:solution]
