"""Loss: the number that training drives down, and how its choice shapes what is learned.

Shown in docs/loss.md; claims tested in tests/test_loss_functions.py.
"""

# --8<-- [start:imports]
import math

import torch
import torch.nn.functional as F

# --8<-- [end:imports]
from snippets.checks import (
    check_count,
    check_examples,
    check_function,
    check_in_range,
    check_number,
    check_positive,
    check_same_shape,
    check_tensor,
)
from snippets.fit_line import check_line_problem, make_data


# --8<-- [start:mae]
def mae(y_hat, y):
    """Mean absolute error: the average of the absolute differences."""
    check_tensor("y_hat", y_hat)
    check_tensor("y", y)
    check_same_shape("y_hat", y_hat, "y", y)
    return (y_hat - y).abs().mean()
    # --8<-- [end:mae]


# --8<-- [start:huber]
def huber(y_hat, y, delta=1.0):
    """Huber loss: squared for misses smaller than delta, linear beyond."""
    check_tensor("y_hat", y_hat)
    check_tensor("y", y)
    check_same_shape("y_hat", y_hat, "y", y)
    check_positive("delta", delta)
    r = (y_hat - y).abs()
    return torch.where(r < delta, r**2 / 2, delta * (r - delta / 2)).mean()
    # --8<-- [end:huber]


# --8<-- [start:outlier]
def make_outlier_data(n=20, shift=-10.0, seed=0):
    """Return Fit a line's data, its rightmost y moved, and that index."""
    check_count("n", n, low=3)
    if not math.isfinite(check_number("shift", shift)):
        raise ValueError(f"shift must be a finite number, got {shift!r}")
    x, y = make_data(n=n, seed=seed)
    i = x[:, 0].argmax().item()
    y[i] += shift
    return x, y, i
    # --8<-- [end:outlier]


# --8<-- [start:fit_loss]
def fit_loss(loss_fn, x, y, a0=(-1.0, 1.0), lr=0.2, steps=300):
    """Gradient descent on loss_fn(x @ a, y), with a shrinking step."""
    check_function("loss_fn", loss_fn)
    check_line_problem(x, y, a0, "a0")
    check_positive("lr", lr)
    check_count("steps", steps)
    a = torch.tensor(a0, dtype=x.dtype, requires_grad=True)
    path = [a.detach().clone()]
    for t in range(steps):
        loss_fn(x @ a, y).backward()  # the only line that knows which loss
        with torch.no_grad():
            a -= lr * (1 - t / steps) * a.grad  # shrinks linearly to 0
            a.grad.zero_()
        path.append(a.detach().clone())
    return torch.stack(path)
    # --8<-- [end:fit_loss]


# --8<-- [start:pulls]
def point_pulls(loss_fn, y_hat, y):
    """How hard each point pulls on the line: d loss / d its prediction."""
    check_function("loss_fn", loss_fn)
    check_tensor("y_hat", y_hat)
    check_tensor("y", y)
    check_same_shape("y_hat", y_hat, "y", y)
    y_hat = y_hat.detach().clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(loss_fn(y_hat, y), y_hat)
    return grad
    # --8<-- [end:pulls]


# --8<-- [start:surface]
def loss_surface(x, y, a1, a2):
    """Return the MSE of the line y = a1 x + a2 at each point of a grid."""
    check_line_problem(x, y, (a1, a2), "(a1, a2)")
    check_tensor("a1", a1, ndim=1)
    check_tensor("a2", a2, ndim=1)
    A1, A2 = torch.meshgrid(a1, a2, indexing="xy")  # rows: a2, columns: a1
    y_hat = A1[..., None] * x[:, 0] + A2[..., None] * x[:, 1]
    return ((y_hat - y) ** 2).mean(dim=-1)
    # --8<-- [end:surface]


# --8<-- [start:curvature]
def curvature(x):
    """The line's MSE's second derivatives, constant: 2/n X^T X."""
    check_tensor("x", x, ndim=2)
    return 2 / len(x) * x.T @ x
    # --8<-- [end:curvature]


# --8<-- [start:digits]
def load_threes_and_sevens(train_fraction=0.8, seed=0, dtype=torch.float32):
    """Return (x, y) to train on and (x, y) held out; y is 1 for a 7."""
    check_in_range("train_fraction", train_fraction, 0, 1)
    check_count("seed", seed)
    if not (isinstance(dtype, torch.dtype) and dtype.is_floating_point):
        raise TypeError(f"dtype must be floating-point, got {dtype!r}")
    # imported here, not at the top: scikit-learn takes seconds to import
    from sklearn.datasets import load_digits

    digits = load_digits()  # 1797 scans, inside scikit-learn: no download
    keep = (digits.target == 3) | (digits.target == 7)
    x = torch.tensor(digits.data[keep], dtype=dtype) / 16  # 0..16 to 0..1
    y = torch.tensor(digits.target[keep] == 7, dtype=dtype)
    n_train = round(train_fraction * len(y))
    if not 0 < n_train < len(y):
        raise ValueError(
            f"train_fraction must leave images to train on and hold out: "
            f"got {train_fraction!r}: {n_train} of the {len(y)} to train on"
        )
    g = torch.Generator().manual_seed(seed)
    order = torch.randperm(len(y), generator=g)
    train, held_out = order[:n_train], order[n_train:]
    return (x[train], y[train]), (x[held_out], y[held_out])
    # --8<-- [end:digits]


# --8<-- [start:model]
def logits(x, w, b):
    """One score per image: each pixel times its weight, summed, plus b."""
    check_tensor("x", x)
    check_tensor("w", w, ndim=1)
    check_number("b", b)
    if x.shape[-1] != w.shape[-1]:
        raise ValueError(
            f"x has {x.shape[-1]} pixels an image, w {w.shape[-1]} weights"
        )
    return (x * w).sum(dim=-1) + b


def sigmoid(z):
    """Squash a score into a probability between 0 and 1."""
    check_tensor("z", z)
    return 1 / (1 + torch.exp(-z))
    # --8<-- [end:model]


# --8<-- [start:bce]
def bce(p, y):
    """Binary cross-entropy: the mean of -log(probability of the label)."""
    check_tensor("p", p)
    check_binary_labels("y", y)
    check_same_shape("p", p, "y", y)
    if (p < 0).any() or (p > 1).any():
        raise ValueError(
            f"p must hold probabilities in [0, 1], got values from "
            f"{p.min().item():g} to {p.max().item():g}"
        )
    return -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()
    # --8<-- [end:bce]


# --8<-- [start:train]
def train(x, y, lr=0.5, steps=300):
    """Gradient descent on the BCE; return w, b and each step's loss."""
    check_labelled_images(x, y)
    check_positive("lr", lr)
    check_count("steps", steps)
    w = torch.zeros(x.shape[1], dtype=x.dtype, requires_grad=True)
    b = torch.zeros((), dtype=x.dtype, requires_grad=True)
    history = []
    for _ in range(steps):
        loss = F.binary_cross_entropy_with_logits(logits(x, w, b), y)
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
            w.grad.zero_()
            b.grad.zero_()
        history.append(loss.item())
    return w.detach(), b.detach(), torch.tensor(history)
    # --8<-- [end:train]


# --8<-- [start:accuracy]
def accuracy(x, y, w, b):
    """The fraction labelled right: a 7 when the logit is above 0."""
    check_labelled_images(x, y)
    return ((logits(x, w, b) > 0).to(y.dtype) == y).to(y.dtype).mean()
    # --8<-- [end:accuracy]


# --8<-- [start:slopes]
def slopes_at(x, y, w, b):
    """Autograd's slopes of accuracy and loss with respect to b, at b."""
    check_labelled_images(x, y)
    b = torch.tensor(check_number("b", b), dtype=x.dtype).requires_grad_()
    z = logits(x, w, b)
    step = (torch.sign(z) + 1) / 2  # `z > 0` as 1 or 0, for autograd
    acc = (y * step + (1 - y) * (1 - step)).mean()
    loss = F.binary_cross_entropy_with_logits(z, y)
    (acc_slope,) = torch.autograd.grad(acc, b, retain_graph=True)
    (loss_slope,) = torch.autograd.grad(loss, b)
    return acc_slope.item(), loss_slope.item()
    # --8<-- [end:slopes]


# --8<-- [start:label_checks]
def check_binary_labels(name, y):
    """Labels of the two classes, as floats: 0.0 for a 3, 1.0 for a 7."""
    check_tensor(name, y)
    wrong = y[(y != 0) & (y != 1)]
    if wrong.numel():
        raise ValueError(
            f"{name} must hold labels 0.0 and 1.0, got {wrong[0].item()!r}"
        )
    return y


def check_labelled_images(x, y):
    """Images x, a row of pixels each, and their labels y, one per image."""
    check_tensor("x", x, ndim=2)
    check_tensor("y", y, ndim=1)
    check_examples(x, y)
    check_binary_labels("y", y)
    # --8<-- [end:label_checks]


# --8<-- [start:run]
if __name__ == "__main__":
    (x, y), (x_held_out, y_held_out) = load_threes_and_sevens()
    w, b, history = train(x, y)
    for step in range(0, len(history), 50):
        print(f"step {step:3d}  loss {history[step]:.4f}")
    print(
        f"held-out accuracy {accuracy(x_held_out, y_held_out, w, b):.1%} "
        f"on {len(y_held_out)} images it never trained on"
    )
# --8<-- [end:run]
