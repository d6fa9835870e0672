"""Scale and initialisation: how the size of the inputs and of the first weights decides whether
gradient descent can train at all.

Shown in docs/scale-and-initialisation.md; claims tested in tests/test_scale_and_initialisation.py.
The page's figures, tables and sentences are in snippets/drawing/scale_and_initialisation.py.
"""

# --8<-- [start:imports]
import math

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits
from torch import nn

# --8<-- [end:imports]
from snippets.checks import check_count, check_positive, check_tensor
from snippets.fit_line import gradient, make_data, mse
from snippets.learning_rate import check_start, cliff, condition_number
from snippets.nonlinearity import check_dtype, make_network


# --8<-- [start:checks]
def check_scheme(scheme):
    """One of the four initialisations the page compares, by name."""
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {SCHEMES}, got {scheme!r}")


def check_model(model):
    """A network of nn.Linear layers, such as make_network builds."""
    if not isinstance(model, nn.Module) or not any(
        isinstance(m, nn.Linear) for m in model.modules()
    ):
        raise TypeError(
            f"model must be an nn.Module with nn.Linear layers, got {type(model).__name__}"
        )


def check_digits(model, x, labels):
    """A model that maps each row of x to one score per class, and a label per row."""
    check_model(model)
    check_tensor("x", x, ndim=2)
    check_tensor("labels", labels, ndim=1, floating=False)
    if labels.is_floating_point() or len(labels) != len(x):
        raise ValueError(
            f"labels must hold one integer class per row of x, got {labels.dtype} "
            f"of shape {tuple(labels.shape)} for x of shape {tuple(x.shape)}"
        )


def check_weights(name, weights, model):
    """A flat vector with one number per parameter of model."""
    check_tensor(name, weights, ndim=1)
    count = sum(p.numel() for p in model.parameters())
    if len(weights) != count:
        raise ValueError(f"{name} must hold {count} numbers, got {len(weights)}")
    # --8<-- [end:checks]


# --8<-- [start:standardise]
def standardise(x):
    """Each input column moved to mean 0 and scaled to standard deviation 1;
    a constant column (the ones that carry the intercept) is kept as it is."""
    check_tensor("x", x, ndim=2)
    mean, std = x.mean(0), x.std(0, correction=0)
    constant = std == 0  # nothing to scale: keep it
    mean = torch.where(constant, torch.zeros_like(mean), mean)
    std = torch.where(constant, torch.ones_like(std), std)
    return (x - mean) / std
    # --8<-- [end:standardise]


# --8<-- [start:range_test]
def lr_range_test(x, y, lr_min=1e-3, lr_max=10.0, steps=100, a0=(-1.0, 1.0)):
    """One run whose lr grows by the same factor every step (fastai's lr_find):
    the lr and the loss at each step, until the loss is 4 times its lowest."""
    check_start(x, y, a0)
    check_positive("lr_min", lr_min)
    check_positive("lr_max", lr_max)
    if not lr_min < lr_max:
        raise ValueError(f"lr_min must be below lr_max, got {lr_min!r} and {lr_max!r}")
    check_count("steps", steps, low=2)
    growth = (lr_max / lr_min) ** (1 / (steps - 1))
    a = torch.tensor(a0, dtype=torch.float64)
    x, y = x.double(), y.double()
    lrs, losses = [], []
    for t in range(steps):
        lr = lr_min * growth**t
        lrs.append(lr)
        losses.append(mse(x @ a, y).item())
        if not math.isfinite(losses[-1]) or losses[-1] > 4 * min(losses):
            break  # blown up: the rest of the range says nothing
        a = a - lr * gradient(x, y, a)
    return torch.tensor(lrs, dtype=torch.float64), torch.tensor(
        losses, dtype=torch.float64
    )


def suggest_lr(lrs, losses):
    """fastai's two readings: where the loss falls fastest per factor of lr,
    and a tenth of the lr where it is lowest."""
    check_tensor("lrs", lrs, ndim=1)
    check_tensor("losses", losses, ndim=1)
    if len(lrs) != len(losses) or len(lrs) < 2:
        raise ValueError(
            f"lrs and losses must be two or more, as many of each, got {len(lrs)} and {len(losses)}"
        )
    if not ((lrs > 0).all() and (lrs.diff() > 0).all()):
        raise ValueError(
            "lrs must be positive and increasing, as the range test makes them"
        )
    slope = losses.diff() / lrs.log().diff()  # d loss / d log(lr)
    steepest = lrs[slope.nan_to_num(nan=math.inf).argmin()].item()
    lowest = lrs[losses.nan_to_num(nan=math.inf).argmin()].item()
    return steepest, lowest / 10
    # --8<-- [end:range_test]


# --8<-- [start:constant]
def set_constant(model, value):
    """Every weight and bias of model set to the same number."""
    check_model(model)
    with torch.no_grad():
        for p in model.parameters():
            p.fill_(value)
    return model
    # --8<-- [end:constant]


# --8<-- [start:init]
SCHEMES = ("too small", "too large", "Xavier", "Kaiming")


def init_std(scheme, fan_in, fan_out):
    """The standard deviation of a layer's weights under each scheme."""
    check_scheme(scheme)
    check_count("fan_in", fan_in, low=1)
    check_count("fan_out", fan_out, low=1)
    if scheme == "Xavier":  # Glorot and Bengio, 2010
        return math.sqrt(2 / (fan_in + fan_out))
    if scheme == "Kaiming":  # He et al., 2015: ReLU zeroes half
        return math.sqrt(2 / fan_in)
    return {"too small": 0.01, "too large": 0.2}[scheme]  # the same for any width


def initialise(model, scheme, seed=0):
    """Draw every nn.Linear's weights from N(0, init_std^2), seeded; biases 0."""
    check_model(model)
    check_scheme(scheme)
    check_count("seed", seed)
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for layer in model.modules():
            if isinstance(layer, nn.Linear):
                fan_out, fan_in = layer.weight.shape
                std = init_std(scheme, fan_in, fan_out)
                layer.weight.normal_(0, std, generator=g)
                layer.bias.zero_()
    return model
    # --8<-- [end:init]


# --8<-- [start:deep]
def deep_network(depth, width, activation, scheme, seed=0):
    """depth layers width wide, with activation between them, initialised by scheme."""
    check_count("depth", depth, low=1)
    check_count("width", width, low=1)
    model = make_network([width] * (depth + 1), activation, seed)
    return initialise(model, scheme, seed)


def layer_variances(model, x, seed=0):
    """Forward x and send back a gradient of variance 1 from the output: the
    variance of each layer's output z, and of the gradient of the loss by z."""
    if not isinstance(model, nn.Sequential):
        raise TypeError(f"model must be an nn.Sequential, got {type(model).__name__}")
    check_tensor("x", x, ndim=2)
    check_count("seed", seed)
    outputs, h = [], x
    for module in model:
        h = module(h)
        if isinstance(module, nn.Linear):
            h.retain_grad()  # keep dL/dz, which backward would free
            outputs.append(h)
    g = torch.Generator().manual_seed(seed)
    h.backward(torch.randn(h.shape, generator=g, dtype=h.dtype))
    forward = torch.stack([z.detach().double().var() for z in outputs])
    backward = torch.stack([z.grad.double().var() for z in outputs])
    return forward, backward
    # --8<-- [end:deep]


# --8<-- [start:theory]
def predicted_variances(activation, scheme, depth, width, q0=1.0):
    """The variance of each layer's z that the theory predicts for wide layers:
    Var(z_l) = width * std^2 * E[f(z)^2] with z ~ N(0, Var(z_(l-1)))."""
    check_scheme(scheme)
    check_count("depth", depth, low=1)
    check_count("width", width, low=1)
    check_positive("q0", q0)
    if activation not in (nn.ReLU, nn.Tanh):
        raise ValueError(f"activation must be nn.ReLU or nn.Tanh, got {activation!r}")
    gain = width * init_std(scheme, width, width) ** 2
    nodes, weights = np.polynomial.hermite_e.hermegauss(201)  # E over N(0, 1)
    weights = weights / weights.sum()
    q, found = q0, []
    for layer in range(depth):
        if layer == 0:
            mean_square = q  # the input itself, no activation before layer 1
        elif activation is nn.ReLU:
            mean_square = q / 2  # relu keeps the positive half
        else:  # tanh: the average over z ~ N(0, q), by Gauss-Hermite quadrature
            mean_square = float(weights @ np.tanh(math.sqrt(q) * nodes) ** 2)
        q = gain * mean_square
        found.append(q)
    return torch.tensor(found, dtype=torch.float64)
    # --8<-- [end:theory]


# --8<-- [start:digits]
def load_digit_data(dtype=torch.float32):
    """scikit-learn's 1797 handwritten digits: 64 pixels in [0, 1] per row, a label."""
    check_dtype(dtype)
    digits = load_digits()
    x = torch.tensor(digits.data, dtype=dtype) / 16
    return x, torch.tensor(digits.target)


def train_digits(model, x, labels, lr=0.01, steps=200):
    """Full-batch Adam on the cross-entropy; the loss before each step and at the end."""
    check_digits(model, x, labels)
    check_positive("lr", lr)
    check_count("steps", steps, low=1)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        loss = F.cross_entropy(model(x), labels)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    with torch.no_grad():
        losses.append(F.cross_entropy(model(x), labels).item())
    return torch.tensor(losses, dtype=torch.float64)
    # --8<-- [end:digits]


# --8<-- [start:landscape]
def get_weights(model):
    """All of model's parameters, as one flat vector (a copy)."""
    check_model(model)
    return nn.utils.parameters_to_vector(model.parameters()).detach().clone()


def loss_at(model, weights, x, labels):
    """The cross-entropy of model with its parameters set to weights; model is left as it was."""
    check_digits(model, x, labels)
    check_weights("weights", weights, model)
    kept = get_weights(model)
    with torch.no_grad():
        nn.utils.vector_to_parameters(weights.to(kept.dtype), model.parameters())
        loss = F.cross_entropy(model(x), labels).item()
        nn.utils.vector_to_parameters(kept, model.parameters())
    return loss


def loss_along_line(model, start, end, x, labels, alphas):
    """The loss at (1 - alpha) start + alpha end, for each alpha."""
    check_weights("start", start, model)
    check_weights("end", end, model)
    check_tensor("alphas", alphas, ndim=1)
    losses = [loss_at(model, start + a * (end - start), x, labels) for a in alphas]
    return torch.tensor(losses, dtype=torch.float64)


def filter_normalised_direction(model, seed=0):
    """A random direction in weight space, each row of each weight matrix (one
    unit's filter) scaled to the length of that row of the model's weights,
    and 0 for the biases (Li et al., 2018)."""
    check_model(model)
    check_count("seed", seed)
    g = torch.Generator().manual_seed(seed)
    parts = []
    for p in model.parameters():
        d = torch.randn(p.shape, generator=g, dtype=p.dtype)
        if p.ndim == 1:
            d.zero_()  # a bias: left where it is
        else:
            d *= p.detach().norm(dim=1, keepdim=True) / d.norm(dim=1, keepdim=True)
        parts.append(d.flatten())
    return torch.cat(parts)


def loss_slice(model, x, labels, d1, d2, span=1.0, n=21):
    """The loss on an n x n grid around model's weights w: at w + a d1 + b d2,
    for a and b from -span to span."""
    check_weights("d1", d1, model)
    check_weights("d2", d2, model)
    check_positive("span", span)
    check_count("n", n, low=2)
    centre, steps = get_weights(model), torch.linspace(-span, span, n)
    losses = torch.tensor(
        [
            [loss_at(model, centre + a * d1 + b * d2, x, labels) for a in steps]
            for b in steps
        ],
        dtype=torch.float64,
    )
    return steps, losses  # losses[j, i]: b = steps[j], a = steps[i]
    # --8<-- [end:landscape]


# --8<-- [start:run]
if __name__ == "__main__":
    x, y = make_data()
    stretched = x * torch.tensor([10.0, 1.0])
    for name, inputs in [
        ("stretched", stretched),
        ("standardised", standardise(stretched)),
    ]:
        print(
            f"{name:12}  kappa {condition_number(inputs):8.2f}  cliff {cliff(inputs):.4f}"
        )
    lrs, losses = lr_range_test(stretched, y)
    steepest, tenth = suggest_lr(lrs, losses)
    print(f"range test: steepest {steepest:.4f}, a tenth of the lowest {tenth:.4f}")
    # seed 1: with the weights' seed 0, x and the first W would hold the same numbers
    batch = torch.randn(128, 256, generator=torch.Generator().manual_seed(1))
    for scheme in SCHEMES:
        model = deep_network(20, 256, nn.ReLU, scheme)
        forward, backward = layer_variances(model, batch)
        print(
            f"ReLU, {scheme:9}  Var(z) at layer 20 {forward[-1]:9.3g}  "
            f"Var(dL/dz) at layer 1 {backward[0]:9.3g}"
        )
    x, labels = load_digit_data()
    model = make_network([64, 32, 10], nn.ReLU)
    start = get_weights(model)
    history = train_digits(model, x, labels)
    line = loss_along_line(
        model, start, get_weights(model), x, labels, torch.linspace(0, 1, 5)
    )
    print(
        "loss along the line from the start to the end:",
        [round(v, 3) for v in line.tolist()],
    )
# --8<-- [end:run]
