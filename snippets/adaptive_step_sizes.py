"""Adaptive step sizes: AdaGrad, RMSprop, Adam and AdamW, a step size for every parameter.

Shown in docs/adaptive-step-sizes.md; claims tested in tests/test_adaptive_step_sizes.py.
"""

# --8<-- [start:imports]
import math

import torch

# --8<-- [end:imports]
from snippets.checks import (
    check_count,
    check_examples,
    check_function,
    check_in_range,
    check_labels,
    check_number,
    check_positive,
    check_tensor,
)
from snippets.fit_line import make_data, mse


# --8<-- [start:checks]
def check_params(params):
    """A list of leaf tensors of floats that require grad: what an optimizer updates."""
    if isinstance(params, torch.Tensor) or not isinstance(params, (list, tuple)):
        raise TypeError(
            f"params must be a list of tensors, got {type(params).__name__}"
        )
    if not params:
        raise ValueError("params must hold at least one tensor, got an empty list")
    for p in params:
        check_tensor("params", p)
        if not (p.is_leaf and p.requires_grad):
            raise ValueError("params must be leaf tensors that require grad")
    return list(params)


def check_settings(lr, eps, weight_decay):
    """The settings every optimizer here shares: lr > 0, eps > 0, weight_decay >= 0."""
    check_positive("lr", lr)
    check_positive("eps", eps)
    check_in_range("weight_decay", weight_decay, 0, float("inf"))


def check_betas(betas):
    """Adam's (beta1, beta2): two numbers, each in [0, 1)."""
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise TypeError(f"betas must be a pair (beta1, beta2), got {betas!r}")
    check_in_range("betas", betas[0], 0, 1)
    check_in_range("betas", betas[1], 0, 1)
    # --8<-- [end:checks]


# --8<-- [start:scaled]
def scaled_line(scale=10.0, n=100, seed=0):
    """Fit a line's points in float64, with the input multiplied by `scale`."""
    check_positive("scale", scale)
    x, y = make_data(n=n, seed=seed, dtype=torch.float64)
    x[:, 0] *= scale  # the slope's column: its curvature grows by scale²
    return x, y


def line_loss(x, y):
    """The line's mean squared error as a function of the parameters a alone."""
    check_tensor("x", x, ndim=2)
    check_tensor("y", y, ndim=1)
    return lambda a: mse(x @ a, y)
    # --8<-- [end:scaled]


# --8<-- [start:optimize]
def optimize(f, p0, optimizer, steps, **settings):
    """Minimise f from p0 with `optimizer` (ours or torch.optim's); return p0 and p after each step."""
    check_function("f", f)
    check_function("optimizer", optimizer)
    check_count("steps", steps)
    values = list(p0) if isinstance(p0, (tuple, list)) else [p0]
    if not values or not all(math.isfinite(check_number("p0", v)) for v in values):
        raise ValueError(f"p0 must be a finite number or a tuple of them, got {p0!r}")
    p = torch.tensor(p0, dtype=torch.float64, requires_grad=True)
    opt = optimizer([p], **settings)
    path = [p.detach().clone()]
    for _ in range(steps):
        opt.zero_grad()
        f(p).backward()
        opt.step()
        path.append(p.detach().clone())
    return torch.stack(path)
    # --8<-- [end:optimize]


# --8<-- [start:adagrad]
class AdaGrad:
    """AdaGrad: each parameter's step divided by the root of its summed squared gradients."""

    def __init__(self, params, lr=0.01, eps=1e-10, weight_decay=0.0):
        self.params = check_params(params)
        check_settings(lr, eps, weight_decay)
        self.lr, self.eps, self.weight_decay = lr, eps, weight_decay
        self.sums = [torch.zeros_like(p) for p in self.params]  # one per number

    def step(self):
        with torch.no_grad():
            for p, s in zip(self.params, self.sums):
                g = p.grad + self.weight_decay * p
                s.add_(g * g)  # never forgets: the steps only shrink
                p.sub_(self.lr * g / (s.sqrt() + self.eps))

    def zero_grad(self):
        for p in self.params:
            p.grad = None

    # --8<-- [end:adagrad]


# --8<-- [start:rmsprop]
class RMSprop:
    """RMSprop: as AdaGrad, with a running average of g² instead of the sum."""

    def __init__(self, params, lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0.0):
        self.params = check_params(params)
        check_settings(lr, eps, weight_decay)
        check_in_range("alpha", alpha, 0, 1)
        self.lr, self.alpha, self.eps = lr, alpha, eps
        self.weight_decay = weight_decay
        self.v = [torch.zeros_like(p) for p in self.params]

    def step(self):
        with torch.no_grad():
            for p, v in zip(self.params, self.v):
                g = p.grad + self.weight_decay * p
                v.mul_(self.alpha).add_((1 - self.alpha) * g * g)  # forgets slowly
                p.sub_(self.lr * g / (v.sqrt() + self.eps))

    def zero_grad(self):
        for p in self.params:
            p.grad = None

    # --8<-- [end:rmsprop]


# --8<-- [start:adam]
class Adam:
    """Adam: RMSprop's denominator, momentum's numerator, both bias-corrected."""

    def __init__(
        self,
        params,
        lr=0.001,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=0.0,
        bias_correction=True,
    ):
        self.params = check_params(params)
        check_settings(lr, eps, weight_decay)
        check_betas(betas)
        self.lr, self.betas, self.eps = lr, betas, eps
        self.weight_decay, self.bias_correction = weight_decay, bias_correction
        self.t = 0  # steps taken
        self.m = [torch.zeros_like(p) for p in self.params]  # average of g
        self.v = [torch.zeros_like(p) for p in self.params]  # average of g²

    def direction(self, p, m, v):
        """Add this step's gradient to m and v; return the bias-corrected m / (sqrt(v) + eps)."""
        beta1, beta2 = self.betas
        g = p.grad + self.weight_decay * p  # L2: the decay joins the gradient
        m.mul_(beta1).add_((1 - beta1) * g)
        v.mul_(beta2).add_((1 - beta2) * g * g)
        if not self.bias_correction:
            return m / (v.sqrt() + self.eps)
        m_hat = m / (1 - beta1**self.t)  # both start at 0: undo their pull
        v_hat = v / (1 - beta2**self.t)
        return m_hat / (v_hat.sqrt() + self.eps)  # eps outside the root

    def step(self):
        self.t += 1
        with torch.no_grad():
            for p, m, v in zip(self.params, self.m, self.v):
                p.sub_(self.lr * self.direction(p, m, v))

    def zero_grad(self):
        for p in self.params:
            p.grad = None

    # --8<-- [end:adam]


# --8<-- [start:adamw]
class AdamW(Adam):
    """Adam with decoupled weight decay: p shrinks by lr * weight_decay * p, outside m and v."""

    def __init__(
        self, params, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01
    ):
        super().__init__(params, lr, betas, eps, weight_decay=0.0)  # no L2 term
        check_in_range("weight_decay", weight_decay, 0, float("inf"))
        self.decay = weight_decay

    def step(self):
        self.t += 1
        with torch.no_grad():
            for p, m, v in zip(self.params, self.m, self.v):
                p.mul_(1 - self.lr * self.decay)  # first the decay, on p itself
                p.sub_(self.lr * self.direction(p, m, v))

    # --8<-- [end:adamw]


# --8<-- [start:digits]
def digits_network(seed=0):
    """A small network for 8x8 digits: 64 pixels, 32 hidden units, 10 classes."""
    check_count("seed", seed)
    g = torch.Generator().manual_seed(seed)
    net = torch.nn.Sequential(
        torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Linear(32, 10)
    )
    with torch.no_grad():  # PyTorch's own initial range, from our generator
        for layer in (net[0], net[2]):
            bound = layer.in_features**-0.5
            layer.weight.uniform_(-bound, bound, generator=g)
            layer.bias.uniform_(-bound, bound, generator=g)
    return net


def train_digits(x, y, optimizer, epochs=10, batch_size=64, seed=0, **settings):
    """Train digits_network on (x, y) with `optimizer`; return it and its loss after each epoch."""
    check_tensor("x", x, ndim=2)
    check_tensor("y", y, ndim=1, floating=False)
    check_examples(x, y)
    if x.shape[1] != 64:
        raise ValueError(f"x must have 64 columns, one per pixel, got {x.shape[1]}")
    check_labels("y", y, classes=10)
    check_function("optimizer", optimizer)
    check_count("epochs", epochs, low=1)
    check_count("batch_size", batch_size, low=1, high=len(y))
    net = digits_network(seed).to(x.dtype)  # float32 or float64, as x is
    opt = optimizer(list(net.parameters()), **settings)
    g = torch.Generator().manual_seed(seed)
    losses = []
    for _ in range(epochs):
        for idx in torch.randperm(len(y), generator=g).split(batch_size):
            opt.zero_grad()
            torch.nn.functional.cross_entropy(net(x[idx]), y[idx]).backward()
            opt.step()
        with torch.no_grad():
            losses.append(torch.nn.functional.cross_entropy(net(x), y).item())
    return net, losses
    # --8<-- [end:digits]


# --8<-- [start:main]
if __name__ == "__main__":
    x, y = scaled_line(scale=10.0)
    f = line_loss(x, y)
    twins = {  # ours: (torch.optim's, a learning rate)
        AdaGrad: (torch.optim.Adagrad, 0.5),
        RMSprop: (torch.optim.RMSprop, 0.01),
        Adam: (torch.optim.Adam, 0.05),
        AdamW: (torch.optim.AdamW, 0.05),
    }
    for ours, (theirs, lr) in twins.items():
        mine = optimize(f, (-1.0, 1.0), ours, 200, lr=lr)
        reference = optimize(f, (-1.0, 1.0), theirs, 200, lr=lr)
        gap = ((mine - reference).abs().max() / reference.abs().max()).item()
        a = mine[-1].tolist()
        print(
            f"{ours.__name__:8s} lr {lr:<5g} a = ({a[0]:.4f}, {a[1]:.4f})  "
            f"loss {f(mine[-1]).item():.6f}  largest gap to torch.optim {gap:.1e}"
        )
# --8<-- [end:main]
