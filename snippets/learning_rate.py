"""Learning rate: how the step size decides between crawling, converging and diverging.

Shown in docs/learning-rate.md; claims tested in tests/test_learning_rate.py.
"""

# --8<-- [start:imports]
import math
from typing import NamedTuple

import torch

# --8<-- [end:imports]
from snippets.checks import (
    check_count,
    check_function,
    check_in_range,
    check_number,
    check_positive,
    check_tensor,
)
from snippets.fit_line import check_line_problem, gradient, make_data, mse
from snippets.loss_functions import curvature


# --8<-- [start:checks]
def check_start(x, y, a0):
    """The line problem of Fit a line, and a start a0: one number per column of x."""
    if not isinstance(a0, (tuple, list)):
        raise TypeError(
            f"a0 must be a tuple of numbers, got {type(a0).__name__} {a0!r}"
        )
    check_line_problem(x, y, a0, "a0")
    for value in a0:
        check_number("a0", value)
    # --8<-- [end:checks]


# --8<-- [start:gd]
def gradient_descent(grad, x0, lr, steps):
    """Return x0, x1, ..., x_steps of gradient descent with a constant lr."""
    check_function("grad", grad)
    if not isinstance(x0, torch.Tensor):
        check_number("x0", x0)
    check_positive("lr", lr)
    check_count("steps", steps)
    xs = [torch.as_tensor(x0, dtype=torch.float64)]
    for _ in range(steps):
        xs.append(xs[-1] - lr * grad(xs[-1]))
    return torch.stack(xs)
    # --8<-- [end:gd]


# --8<-- [start:descend]
class Run(NamedTuple):
    """What descend returns."""

    path: torch.Tensor  # parameters before each step, and at the end
    losses: torch.Tensor  # the loss at each row of path, in float64
    diverged_at: int | None  # the step where the loss blew up, or None


def descend(x, y, a0=(-1.0, 1.0), lr=0.1, steps=100, limit=1e6):
    """Gradient descent on the line's MSE; stop if the loss blows up."""
    check_start(x, y, a0)
    check_positive("lr", lr)
    check_count("steps", steps)
    if not check_number("limit", limit) > 0:  # math.inf: never stop
        raise ValueError(f"limit must be a positive number or math.inf, got {limit!r}")
    a = torch.tensor(a0, dtype=x.dtype)
    path, history = [], []
    for t in range(steps + 1):
        path.append(a)
        history.append(mse(x @ a, y).item())
        # inf or NaN, or so far above the start that it only keeps growing
        blew_up = not math.isfinite(history[-1]) or history[-1] > limit * history[0]
        if blew_up or t == steps:
            break
        a = a - lr * gradient(x, y, a)  # 2/n X^T (X a - y), from Fit a line
    losses = torch.tensor(history, dtype=torch.float64)
    return Run(torch.stack(path), losses, t if blew_up else None)
    # --8<-- [end:descend]


# --8<-- [start:cliff]
def curvatures(x):
    """The smallest and the largest curvature of the line's MSE."""
    check_tensor("x", x, ndim=2)
    values = torch.linalg.eigvalsh(curvature(x.double()))  # in increasing order
    return values[0].item(), values[-1].item()


def cliff(x):
    """The lr above which descent on the line diverges: 2 / h_max."""
    return 2 / curvatures(x)[1]
    # --8<-- [end:cliff]


# --8<-- [start:condition]
def condition_number(x):
    """kappa = h_max / h_min: how much more the bowl curves one way."""
    h_min, h_max = curvatures(x)
    return h_max / h_min


def best_constant_lr(x):
    """The lr whose slower factor |1 - lr h| is smallest, and that factor."""
    h_min, h_max = curvatures(x)
    kappa = h_max / h_min
    return 2 / (h_min + h_max), (kappa - 1) / (kappa + 1)
    # --8<-- [end:condition]


# --8<-- [start:schedules]
def constant(lr, t):
    """The same learning rate at every step."""
    check_positive("lr", lr)
    check_count("t", t)
    return lr


def step_decay(lr, t, step_size, gamma=0.1):
    """lr, multiplied by gamma once every step_size steps."""
    check_positive("lr", lr)
    check_count("t", t)
    check_count("step_size", step_size, low=1)
    check_positive("gamma", gamma)
    return lr * gamma ** (t // step_size)


def cosine(lr, t, steps, lr_min=0.0):
    """From lr at t = 0 down to lr_min at t = steps, along half a cosine."""
    check_positive("lr", lr)
    check_count("steps", steps, low=1)
    check_count("t", t, high=steps)
    check_in_range("lr_min", lr_min, 0, lr, high_included=True)
    return lr_min + (lr - lr_min) * (1 + math.cos(math.pi * t / steps)) / 2
    # --8<-- [end:schedules]


# --8<-- [start:sgd]
def sgd(x, y, schedule, steps, batch_size=10, seed=0, a0=(-1.0, 1.0)):
    """SGD on the line: step t uses a random batch and lr = schedule(t)."""
    check_start(x, y, a0)
    check_function("schedule", schedule)
    check_count("steps", steps)
    check_count("batch_size", batch_size, low=1, high=len(y))
    check_count("seed", seed)
    g = torch.Generator().manual_seed(seed)  # the same seed, the same batches
    a = torch.tensor(a0, dtype=x.dtype)
    path = [a]
    for t in range(steps):
        lr = check_positive(f"schedule({t})", schedule(t))  # at every step
        batch = torch.randperm(len(y), generator=g)[:batch_size]
        a = a - lr * gradient(x[batch], y[batch], a)
        path.append(a)
    return torch.stack(path)
    # --8<-- [end:sgd]


# --8<-- [start:torch_schedulers]
def sgd_with_scheduler(
    x, y, lr, make_scheduler, steps, batch_size=10, seed=0, a0=(-1.0, 1.0)
):
    """The same loop with torch.optim.SGD and a scheduler that sets lr."""
    check_start(x, y, a0)
    check_positive("lr", lr)
    check_function("make_scheduler", make_scheduler)
    check_count("steps", steps)
    check_count("batch_size", batch_size, low=1, high=len(y))
    check_count("seed", seed)
    g = torch.Generator().manual_seed(seed)
    a = torch.tensor(a0, dtype=x.dtype, requires_grad=True)
    opt = torch.optim.SGD([a], lr=lr)
    scheduler = make_scheduler(opt)
    if not isinstance(scheduler, torch.optim.lr_scheduler.LRScheduler):
        raise TypeError(f"make_scheduler must return a scheduler, got {scheduler!r}")
    path = [a.detach().clone()]
    for t in range(steps):
        check_positive(f"make_scheduler's lr at step {t}", opt.param_groups[0]["lr"])
        batch = torch.randperm(len(y), generator=g)[:batch_size]
        mse(x[batch] @ a, y[batch]).backward()
        opt.step()
        opt.zero_grad()
        scheduler.step()  # after opt.step(): sets the lr of the next step
        path.append(a.detach().clone())
    return torch.stack(path)
    # --8<-- [end:torch_schedulers]


# --8<-- [start:bisect]
def converges(x, y, lr, steps=500, a0=(-1.0, 1.0)):
    """Whether descent with lr goes to the minimum: once the steepest direction is all
    that is left of the gradient, each step multiplies it by the same factor, so it must
    be no longer at the end of the steps than halfway through."""
    check_start(x, y, a0)
    check_count("steps", steps, low=2)
    x, y = x.double(), y.double()  # rounding blurs only the last digits
    run = descend(x, y, a0, lr, steps, limit=1.0)  # stops once above the start
    if run.diverged_at is not None:
        return False
    halfway, end = (gradient(x, y, run.path[t]).norm() for t in (steps // 2, steps))
    start = gradient(x, y, run.path[0]).norm()
    return bool(end <= halfway or end <= 1e-9 * start)  # or zero, but for rounding


def largest_stable_lr(x, y, low, high, steps=500, tol=1e-3, a0=(-1.0, 1.0)):
    """Bisect between an lr that converges and one that does not, to within tol."""
    check_positive("low", low)
    check_positive("high", high)
    if not low < high:
        raise ValueError(f"low must be below high, got low={low!r} and high={high!r}")
    check_positive("tol", tol)
    if not converges(x, y, low, steps, a0):
        raise ValueError(f"low must be a learning rate that converges, got {low!r}")
    if converges(x, y, high, steps, a0):
        raise ValueError(
            f"high must be a learning rate that does not converge, got {high!r}"
        )
    while high - low > tol:
        mid = (low + high) / 2
        if not low < mid < high:  # no float between them: as close as it gets
            break
        low, high = (mid, high) if converges(x, y, mid, steps, a0) else (low, mid)
    return low
    # --8<-- [end:bisect]


# --8<-- [start:run]
if __name__ == "__main__":
    x, y = make_data()
    hessian = 2 / len(y) * x.T @ x  # the loss's curvature, the same anywhere
    h_max = torch.linalg.eigvalsh(hessian.double())[-1].item()
    print(f"largest curvature {h_max:.4f}: the cliff is at {2 / h_max:.4f}")
    for lr in [0.01, 0.1, 0.5, 0.9, 1.1, 2.0]:
        run = descend(x, y, lr=lr, steps=100)
        if run.diverged_at is None:
            print(f"lr {lr:<4}  loss after 100 steps {run.losses[-1]:.4f}")
        else:
            print(f"lr {lr:<4}  diverged at step {run.diverged_at}")
# --8<-- [end:run]
