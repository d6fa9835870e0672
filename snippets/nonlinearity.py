"""Nonlinearity: why stacked linear layers are still a line, and how an activation function bends it.

Shown in docs/nonlinearity.md; claims tested in tests/test_nonlinearity.py. The page's figures,
tables and settings are in snippets/drawing/nonlinearity.py.
"""

# --8<-- [start:imports]
import itertools
import math

import torch
from torch import nn

# --8<-- [end:imports]
from snippets.checks import (
    check_count,
    check_examples,
    check_in_range,
    check_positive,
    check_tensor,
)
from snippets.fit_line import mse


# --8<-- [start:data]
def make_sine(n=100, noise=0.05, seed=0, dtype=torch.float32):
    """Return x, a column of n inputs in [-3, 3], and y = sin(x) plus Gaussian noise of std `noise`."""
    check_count("n", n, low=2)
    check_in_range("noise", noise, 0, math.inf)
    check_count("seed", seed)
    check_dtype(dtype)
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n, 1, generator=g, dtype=dtype) * 6 - 3
    y = torch.sin(x) + noise * torch.randn(n, 1, generator=g, dtype=dtype)
    return x, y
    # --8<-- [end:data]


# --8<-- [start:checks]
def check_dtype(dtype):
    """A floating-point dtype, such as torch.float32 or torch.float64."""
    if not (isinstance(dtype, torch.dtype) and dtype.is_floating_point):
        raise TypeError(f"dtype must be a floating-point torch dtype, got {dtype!r}")


def check_network(widths, activation, seed, dtype):
    """Say what is wrong with make_network's arguments (a TypeError for a wrong type)."""
    if not isinstance(widths, (list, tuple)):
        raise TypeError(f"widths must be a list of layer widths, got {widths!r}")
    if len(widths) < 2 or not all(
        isinstance(w, int) and not isinstance(w, bool) and w >= 1 for w in widths
    ):
        raise ValueError(
            f"widths must list two or more integers >= 1, the input width first and "
            f"the output width last, got {list(widths)}"
        )
    is_layer = isinstance(activation, type) and issubclass(activation, nn.Module)
    if activation is not None and not is_layer:
        raise TypeError(
            "activation must be a layer class, such as nn.ReLU, or None, got "
            f"{type(activation).__name__} {getattr(activation, '__name__', activation)!r}"
        )
    check_count("seed", seed)
    check_dtype(dtype)


def check_training(model, x, y, lr, steps, momentum, watch=None):
    """Say what is wrong with train's arguments (a TypeError for a wrong type)."""
    if not isinstance(model, nn.Module) or not list(model.parameters()):
        raise TypeError(
            f"model must be an nn.Module with parameters, got {type(model).__name__}"
        )
    check_tensor("x", x, ndim=2)
    check_tensor("y", y, ndim=2)
    check_examples(x, y)
    linear = [m for m in model.modules() if isinstance(m, nn.Linear)]
    sizes = (linear[0].in_features, linear[-1].out_features) if linear else None
    if sizes and sizes != (x.shape[1], y.shape[1]):
        raise ValueError(
            f"model maps {sizes[0]} input columns to {sizes[1]} output columns, "
            f"but x has {x.shape[1]} and y has {y.shape[1]}"
        )
    dtype = next(model.parameters()).dtype
    if any(p.dtype != x.dtype for p in model.parameters()):
        raise TypeError(f"model and x must hold one dtype, got {dtype} and {x.dtype}")
    check_positive("lr", lr)
    check_count("steps", steps, low=1)
    check_in_range("momentum", momentum, 0, 1)
    if watch is not None and not callable(watch):
        raise TypeError(
            f"watch must be a function of (step, model) or None, got {watch!r}"
        )
    # --8<-- [end:checks]


# --8<-- [start:network]
def make_network(widths, activation=nn.ReLU, seed=0, dtype=torch.float32):
    """Linear layers of the given widths, with `activation` between them."""
    check_network(widths, activation, seed, dtype)
    g = torch.Generator().manual_seed(seed)
    layers = []
    for fan_in, fan_out in itertools.pairwise(widths):
        if layers and activation is not None:
            layers.append(activation())  # between layers, not after last
        layer = nn.utils.skip_init(nn.Linear, fan_in, fan_out, dtype=dtype)
        bound = 1 / math.sqrt(fan_in)  # PyTorch's default range, drawn
        with torch.no_grad():  # from our own seeded generator
            layer.weight.uniform_(-bound, bound, generator=g)
            layer.bias.uniform_(-bound, bound, generator=g)
        layers.append(layer)
    return nn.Sequential(*layers)
    # --8<-- [end:network]


# --8<-- [start:sequential]
def sine_network():
    """make_network([1, 16, 1]) as it is usually written, in one line."""
    return nn.Sequential(nn.Linear(1, 16), nn.ReLU(), nn.Linear(16, 1))
    # --8<-- [end:sequential]


# --8<-- [start:train]
def train(model, x, y, lr=0.05, steps=300, momentum=0.9, watch=None):
    """Full-batch gradient descent with momentum; the loss at each step and the end."""
    check_training(model, x, y, lr, steps, momentum, watch)
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    losses = []
    for step in range(steps):
        if watch is not None:
            watch(step, model)  # a look, for the animation
        loss = mse(model(x), y)
        opt.zero_grad()  # clear the gradients of the last step
        loss.backward()  # fill .grad of every parameter
        opt.step()  # move every parameter
        losses.append(loss.item())
    with torch.no_grad():
        losses.append(mse(model(x), y).item())
    return torch.tensor(losses, dtype=torch.float64)
    # --8<-- [end:train]


# --8<-- [start:merge]
def merge(first, second):
    """One nn.Linear computing second(first(x)): W2 W1 x + W2 b1 + b2."""
    check_mergeable(first, second)
    merged = nn.utils.skip_init(
        nn.Linear, first.in_features, second.out_features, dtype=first.weight.dtype
    )
    with torch.no_grad():
        merged.weight.copy_(second.weight @ first.weight)
        merged.bias.copy_(second.weight @ first.bias + second.bias)
    return merged
    # --8<-- [end:merge]


# --8<-- [start:collapse]
def collapse(model):
    """Merge a stack of linear layers, first to last, into one nn.Linear."""
    if not isinstance(model, nn.Sequential):
        raise TypeError(f"model must be an nn.Sequential, got {type(model).__name__}")
    kinds = [type(m).__name__ for m in model]
    if set(kinds) != {"Linear"}:  # and not empty
        raise ValueError(
            f"only a stack of nn.Linear layers collapses; model holds {kinds}"
        )
    merged = model[0]
    for layer in model[1:]:
        merged = merge(merged, layer)
    return merged
    # --8<-- [end:collapse]


# --8<-- [start:activations]
ACTIVATIONS = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "ReLU": torch.relu}


def derivative(f, z):
    """f′ at every point of z, by autograd (f acts on each number alone)."""
    if not callable(f):
        raise TypeError(f"f must be a function, such as torch.tanh, got {f!r}")
    check_tensor("z", z)
    z = z.detach().clone().requires_grad_()
    f(z).sum().backward()  # d(sum)/dz_i = f′(z_i): other terms are flat
    return z.grad
    # --8<-- [end:activations]


# --8<-- [start:pieces]
def hidden_pieces(model, x):
    """Each hidden unit's share of the output, v_j relu(w_j x + b_j)."""
    check_one_hidden_layer(model, x)
    first, activation, last = model
    with torch.no_grad():  # one column per unit, (n, H)
        return activation(first(x)) * last.weight[0]
    # --8<-- [end:pieces]


# --8<-- [start:layer_checks]
def check_mergeable(first, second):
    """Raise unless first and second are nn.Linear layers with biases that can run in a row."""
    for name, layer in [("first", first), ("second", second)]:
        if not isinstance(layer, nn.Linear) or layer.bias is None:
            raise TypeError(f"{name} must be an nn.Linear with a bias, got {layer!r}")
    if first.out_features != second.in_features:
        raise ValueError(
            f"first gives {first.out_features} outputs but "
            f"second takes {second.in_features} inputs"
        )
    if first.weight.dtype != second.weight.dtype:
        raise TypeError(
            f"first and second must hold one dtype, got "
            f"{first.weight.dtype} and {second.weight.dtype}"
        )


def check_one_hidden_layer(model, x):
    """Raise unless model is Linear(1, H), an activation, Linear(H, 1), and x a column it takes."""
    layers = list(model) if isinstance(model, nn.Sequential) else []
    if not (
        len(layers) == 3
        and isinstance(layers[0], nn.Linear)
        and isinstance(layers[2], nn.Linear)
        and layers[0].in_features == layers[2].out_features == 1
        and layers[0].out_features == layers[2].in_features
    ):
        raise ValueError(
            "model must have one hidden layer: Linear(1, H), an activation, Linear(H, 1); "
            f"got {[type(m).__name__ for m in layers] or type(model).__name__}"
        )
    check_tensor("x", x, ndim=2)
    dtype = layers[0].weight.dtype
    if x.shape[1] != 1 or x.dtype != dtype:
        raise ValueError(
            f"x must be a column of {dtype} inputs, got shape {tuple(x.shape)} of {x.dtype}"
        )
    # --8<-- [end:layer_checks]


# --8<-- [start:tent]
def tent_block():
    """Linear(1, 2), ReLU, Linear(2, 1): 2 relu(x) - 4 relu(x - 1/2)."""
    up, down = nn.Linear(1, 2), nn.Linear(2, 1)
    with torch.no_grad():
        up.weight.copy_(torch.tensor([[1.0], [1.0]]))
        up.bias.copy_(torch.tensor([0.0, -0.5]))
        down.weight.copy_(torch.tensor([[2.0, -4.0]]))
        down.bias.zero_()
    return [up, nn.ReLU(), down]


def sawtooth_network(blocks):
    """`blocks` tent blocks in a row: 2**blocks straight pieces on [0, 1]."""
    check_count("blocks", blocks, low=1)
    return nn.Sequential(*[m for _ in range(blocks) for m in tent_block()])
    # --8<-- [end:tent]


# --8<-- [start:run]
if __name__ == "__main__":
    x, y = make_sine()
    line = make_network([1, 1])  # one nn.Linear: a straight line
    net = make_network([1, 16, 1])  # Linear -> ReLU -> Linear
    line_loss = train(line, x, y)
    net_loss = train(net, x, y)
    for step in range(0, 301, 50):
        print(
            f"step {step:3d}  line {line_loss[step]:.4f}  network {net_loss[step]:.4f}"
        )
    ratio = line_loss[-1] / net_loss[-1]
    print(f"the network's loss is {ratio:.0f} times lower")
# --8<-- [end:run]
