"""Exercise for docs/mini-batches.md, section Momentum: a Nesterov step."""

import torch


def nesterov_step(params, velocities, lr, mu):
    """A step of Nesterov momentum, as torch.optim.SGD(nesterov=True) takes it.

    `params` is a list of leaf tensors that require grad, each with its
    gradient g in `.grad`; `velocities` holds one tensor per parameter, of
    the same shape, zero before the first step. For each pair, update the
    velocity and then the parameter, both IN PLACE (the same tensor objects
    must hold the new values, and the parameters must stay leaves that
    require grad):

        v <- mu * v + g
        p <- p - lr * (g + mu * v)    (with the new v: the step looks ahead)

    Leave `.grad` as it is and return nothing. Raise a ValueError if
    lr <= 0 or if mu is not in [0, 1).
    """
    # --8<-- [start:solution]
    if not lr > 0:
        raise ValueError(f"lr must be positive, got {lr}")
    if not 0 <= mu < 1:
        raise ValueError(f"momentum mu must be in [0, 1), got {mu}")
    with torch.no_grad():  # an update, not part of the graph
        for p, v in zip(params, velocities):
            v.mul_(mu).add_(p.grad)  # in place: the caller's buffer keeps it
            p.sub_(lr * (p.grad + mu * v))  # the new v: look ahead
    # --8<-- [end:solution]
