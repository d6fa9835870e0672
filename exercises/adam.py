"""Exercise for docs/adaptive-step-sizes.md, section Adam: a step of Adam by hand."""

import torch  # noqa: F401  (your answer will need it)


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
    raise NotImplementedError("write adam_step in exercises/adam.py")
