"""The validation set: data the model never trains on, to see whether it learned or memorised.

Shown in docs/validation-set.md; claims tested in tests/test_validation_set.py.
"""

# --8<-- [start:imports]
import math

import torch
from torch import nn

# --8<-- [end:imports]
from snippets.checks import (
    check_count,
    check_in_range,
    check_number,
    check_same_shape,
    check_tensor,
)
from snippets.fit_line import mse


# --8<-- [start:split]
def validation_count(n, val_fraction, unit="examples"):
    """How many of n go to validation; a ValueError if a side is empty."""
    check_count("n", n)
    fraction = check_number("val_fraction", val_fraction)
    if not 0 < fraction < 1:
        raise ValueError(
            f"val_fraction must be between 0 and 1 (exclusive), got {val_fraction!r}"
        )
    if not isinstance(unit, str):
        raise TypeError(f"unit must be a word, got {type(unit).__name__} {unit!r}")
    n_val = round(fraction * n)
    if not 0 < n_val < n:
        raise ValueError(
            f"val_fraction={val_fraction} of {n} {unit} leaves "
            f"{n_val} for validation and {n - n_val} for "
            f"training; both must be at least 1"
        )
    return n_val


def split_indices(n, val_fraction=0.2, seed=0):
    """Shuffle 0..n-1 with a seeded generator; return (train, val) indices."""
    check_count("n", n, low=2)
    check_count("seed", seed)
    n_val = validation_count(n, val_fraction)
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    return order[n_val:], order[:n_val]
    # --8<-- [end:split]


# --8<-- [start:data]
def make_data(n=15, noise=0.4, seed=0, dtype=torch.float32):
    """n points (x, y): x uniform in [-1, 1], y = sin(pi x) + noise."""
    check_count("n", n, low=1)
    check_in_range("noise", noise, 0, math.inf)
    check_count("seed", seed)
    if not (isinstance(dtype, torch.dtype) and dtype.is_floating_point):
        raise TypeError(f"dtype must be a floating-point torch dtype, got {dtype!r}")
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n, 1, generator=g, dtype=dtype) * 2 - 1
    eps = noise * torch.randn(n, 1, generator=g, dtype=dtype)
    y = torch.sin(math.pi * x) + eps
    return x, y
    # --8<-- [end:data]


# --8<-- [start:polynomial]
def features(x, degree):
    """Chebyshev polynomials T_0(x), ..., T_degree(x), one column each."""
    check_column("x", x)
    check_count("degree", degree)
    x = x.reshape(-1).double()
    columns = [torch.ones_like(x), x]  # T_0 = 1, T_1 = x
    while len(columns) <= degree:  # T_k+1 = 2x T_k - T_k-1
        columns.append(2 * x * columns[-1] - columns[-2])
    return torch.stack(columns[: degree + 1], dim=1)


def fit_polynomial(x, y, degree):
    """The coefficients of the least-squares polynomial through (x, y)."""
    check_points(x, y)
    f = features(x, degree)
    # gelsd (by SVD) gives the same last bits every run; the default does not
    return torch.linalg.lstsq(f, y.double(), driver="gelsd").solution


def predict(coef, x):
    """The polynomial with these coefficients, evaluated at x."""
    check_column("coef", coef)
    return features(x, len(coef) - 1) @ coef.double()
    # --8<-- [end:polynomial]


# --8<-- [start:model]
def make_model(width=64, seed=0):
    """1 input -> width tanh units -> width tanh units -> 1 output."""
    check_count("width", width, low=1)
    check_count("seed", seed)
    model = nn.Sequential(
        nn.Linear(1, width),
        nn.Tanh(),
        nn.Linear(width, width),
        nn.Tanh(),
        nn.Linear(width, 1),
    )
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():  # PyTorch's default range, from our generator
        for layer in (model[0], model[2], model[4]):
            bound = layer.in_features**-0.5
            layer.weight.uniform_(-bound, bound, generator=g)
            layer.bias.uniform_(-bound, bound, generator=g)
    return model
    # --8<-- [end:model]


# --8<-- [start:checks]
def check_column(name, value):
    """A tensor of numbers, one per example: of shape (n,) or (n, 1)."""
    check_tensor(name, value)
    if value.ndim not in (1, 2) or value.numel() != len(value):
        raise ValueError(
            f"{name} must hold one number per example, of shape (n,) or (n, 1), "
            f"got shape {tuple(value.shape)}"
        )


def check_points(x, y):
    """The points of a polynomial fit: one input and one target per example."""
    check_column("x", x)
    check_column("y", y)
    check_same_shape("x", x, "y", y)


def check_xy(x_name, x, y_name, y):
    """A network's inputs and targets: one row of each per example."""
    check_tensor(x_name, x, ndim=2)
    check_tensor(y_name, y, ndim=2)
    if len(x) != len(y):
        raise ValueError(
            f"{x_name} and {y_name} must hold the same number of examples, "
            f"got shapes {tuple(x.shape)} and {tuple(y.shape)}"
        )


def check_training(model, opt, train, val, epochs, patience, callback):
    """Raise an error that says which argument of the training is wrong, and how."""
    check_model(model)
    if not isinstance(opt, torch.optim.Optimizer):
        raise TypeError(
            f"opt must be a torch.optim optimiser, got {type(opt).__name__}"
        )
    for name, part in (("train", train), ("val", val)):
        if not isinstance(part, (tuple, list)) or len(part) != 2:
            raise TypeError(f"{name} must be a pair (x, y), got {type(part).__name__}")
        check_xy(f"{name} x", part[0], f"{name} y", part[1])
    (x, y), (x_val, y_val) = train, val
    if x_val.shape[1] != x.shape[1] or y_val.shape[1] != y.shape[1]:
        raise ValueError(
            f"val must have the columns of train, got shapes {tuple(x_val.shape)} "
            f"and {tuple(y_val.shape)} against {tuple(x.shape)} and {tuple(y.shape)}"
        )
    check_count("epochs", epochs, low=1)
    if patience is not None:
        check_count("patience", patience, low=1)
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be a function, got {type(callback).__name__}")
    # --8<-- [end:checks]


# --8<-- [start:snapshot]
def check_model(model):
    """A network: a torch.nn.Module."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")


def snapshot(model):
    """A copy of the weights (state_dict() alone shares the live tensors)."""
    check_model(model)
    return {name: t.clone() for name, t in model.state_dict().items()}
    # --8<-- [end:snapshot]


# --8<-- [start:early_stopping]
def evaluate(model, x, y):
    """The model's loss on (x, y), without tracking gradients."""
    check_model(model)
    check_xy("x", x, "y", y)
    with torch.no_grad():
        return mse(model(x), y).item()


def train_with_early_stopping(
    model, opt, train, val, epochs, patience=None, callback=None
):
    """Full-batch training; the model keeps the best validation epoch."""
    check_training(model, opt, train, val, epochs, patience, callback)
    (x, y), (x_val, y_val) = train, val
    history = {
        "train": [evaluate(model, x, y)],  # epoch 0: untrained
        "val": [evaluate(model, x_val, y_val)],
    }
    best_epoch, best_state = 0, snapshot(model)
    for epoch in range(1, epochs + 1):
        loss = mse(model(x), y)  # training set only
        opt.zero_grad()
        loss.backward()
        opt.step()
        history["train"].append(evaluate(model, x, y))
        history["val"].append(evaluate(model, x_val, y_val))  # only look
        if callback is not None:
            callback(epoch, model)
        if history["val"][epoch] < history["val"][best_epoch]:
            best_epoch, best_state = epoch, snapshot(model)  # a new best
        elif patience is not None and epoch - best_epoch >= patience:
            break  # no better for long
    model.load_state_dict(best_state)  # restore the best
    return history, best_epoch
    # --8<-- [end:early_stopping]


# --8<-- [start:l2]
def l2_penalty(model, weight_decay):
    """weight_decay / 2 times the sum of the squares of all parameters."""
    check_model(model)
    check_in_range("weight_decay", weight_decay, 0, math.inf)
    return weight_decay / 2 * sum((p**2).sum() for p in model.parameters())
    # --8<-- [end:l2]


# --8<-- [start:split_at]
def split_at(n, val_fraction=0.2):
    """In time order: train on the first examples, validate on the last."""
    check_count("n", n, low=2)
    n_val = validation_count(n, val_fraction)
    return torch.arange(n - n_val), torch.arange(n - n_val, n)
    # --8<-- [end:split_at]


# --8<-- [start:groups]
def split_by_group(groups, val_fraction=0.2, seed=0):
    """Split whole groups: every example of a group lands on the same side."""
    check_tensor("groups", groups, ndim=1, floating=False)
    check_count("seed", seed)
    names = torch.unique(groups)  # each group once
    n_val = validation_count(len(names), val_fraction, unit="groups")
    g = torch.Generator().manual_seed(seed)
    order = torch.randperm(len(names), generator=g)
    in_val = torch.isin(groups, names[order[:n_val]])  # in a val group?
    return torch.nonzero(~in_val).flatten(), torch.nonzero(in_val).flatten()
    # --8<-- [end:groups]


# --8<-- [start:nearest]
def nearest_neighbour(x_train, y_train, x):
    """Predict each x with the y of the closest training x: pure memory."""
    check_xy("x_train", x_train, "y_train", y_train)
    check_tensor("x", x, ndim=2)
    if x.shape[1] != x_train.shape[1]:
        raise ValueError(
            f"x must have the {x_train.shape[1]} columns of x_train, "
            f"got shape {tuple(x.shape)}"
        )
    return y_train[torch.cdist(x.to(x_train.dtype), x_train).argmin(dim=1)]
    # --8<-- [end:nearest]


# --8<-- [start:kfold]
def kfold_indices(n, k=5, seed=0):
    """k (train, val) splits; each example is in exactly one val fold."""
    check_count("n", n, low=2)
    check_count("k", k, low=2, high=n)
    check_count("seed", seed)
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    folds = order.tensor_split(k)
    return [(torch.cat(folds[:i] + folds[i + 1 :]), folds[i]) for i in range(k)]


def cross_validation_loss(x, y, degree, k=5, seed=0):
    """The validation loss of the polynomial, averaged over the k folds."""
    check_points(x, y)
    losses = []
    for train, val in kfold_indices(len(y), k, seed):
        coef = fit_polynomial(x[train], y[train], degree)
        losses.append(mse(predict(coef, x[val]), y[val].double()).item())
    return sum(losses) / k
    # --8<-- [end:kfold]


# --8<-- [start:run]
if __name__ == "__main__":
    x, y = make_data(n=40, seed=0)  # one data set, split once
    train_idx, val_idx = split_indices(len(y), val_fraction=0.25, seed=0)
    train, val = (x[train_idx], y[train_idx]), (x[val_idx], y[val_idx])
    model = make_model(width=64, seed=0)
    opt = torch.optim.SGD(model.parameters(), lr=0.03, momentum=0.9)
    history, best = train_with_early_stopping(
        model, opt, train, val, epochs=300, patience=50
    )
    for epoch in range(0, len(history["val"]), 25):
        print(
            f"epoch {epoch:3d}  training loss {history['train'][epoch]:.3f}"
            f"  validation loss {history['val'][epoch]:.3f}"
        )
    print(
        f"stopped after epoch {len(history['val']) - 1}; kept epoch "
        f"{best}, validation loss {history['val'][best]:.3f}"
    )
# --8<-- [end:run]
