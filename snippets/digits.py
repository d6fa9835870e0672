"""Putting it together: all ten handwritten digits, with every step the earlier chapters taught.

Shown in docs/digits.md; claims tested in tests/test_digits.py. The page's figures, tables and
sentences are drawn by snippets/drawing/digits.py.
"""

# --8<-- [start:imports]
import os
import tempfile
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

# --8<-- [end:imports]
from snippets.checks import (
    check_count,
    check_in_range,
    check_labels,
    check_positive,
    check_same_shape,
    check_tensor,
)
from snippets.validation_set import check_model, snapshot, split_indices


# --8<-- [start:data]
def load_all_digits(dtype=torch.float32):
    """All 1797 images as rows of 64 pixels in [0, 1], and their digits."""
    if not (isinstance(dtype, torch.dtype) and dtype.is_floating_point):
        raise TypeError(f"dtype must be a floating-point torch dtype, got {dtype!r}")
    # imported here, not at the top: scikit-learn takes seconds to import
    from sklearn.datasets import load_digits

    digits = load_digits()  # 8 x 8 scans shipped inside scikit-learn
    x = torch.tensor(digits.data, dtype=dtype) / 16  # 0..16 becomes 0..1
    y = torch.tensor(digits.target, dtype=torch.long)  # the digit, 0 to 9
    return x, y
    # --8<-- [end:data]


# --8<-- [start:model]
def make_model(hidden=64, seed=0):
    """64 pixels -> `hidden` ReLU units -> 10 logits, one per digit."""
    check_count("hidden", hidden)
    check_count("seed", seed)
    if hidden == 0:  # no hidden layer: a linear softmax classifier, a baseline
        model = nn.Sequential(nn.Linear(64, 10))
    else:
        model = nn.Sequential(nn.Linear(64, hidden), nn.ReLU(), nn.Linear(hidden, 10))
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():  # PyTorch's default range, drawn from our generator
        for layer in model[::2]:  # the linear layers
            bound = layer.in_features**-0.5
            layer.weight.uniform_(-bound, bound, generator=g)
            layer.bias.uniform_(-bound, bound, generator=g)
    return model
    # --8<-- [end:model]


# --8<-- [start:cross_entropy]
def cross_entropy(logits, y):
    """Softmax the logits, then average -log(probability of the true class)."""
    check_tensor("logits", logits, ndim=2)
    check_labels("y", y, classes=logits.shape[1])
    if y.shape != logits.shape[:1]:
        raise ValueError(
            f"y needs one label per row of logits, got shapes "
            f"{tuple(logits.shape)} and {tuple(y.shape)}"
        )
    p = logits.exp() / logits.exp().sum(dim=1, keepdim=True)  # softmax
    return -p[torch.arange(len(y)), y].log().mean()
    # --8<-- [end:cross_entropy]


# --8<-- [start:checks]
def check_images(name_x, x, name_y, y):
    """Images, one row of pixels each, and one digit, 0 to 9, per image."""
    check_tensor(name_x, x, ndim=2)
    check_labels(name_y, y, classes=10)
    if y.shape != x.shape[:1]:
        raise ValueError(
            f"{name_x} and {name_y} must hold one label per image, got shapes "
            f"{tuple(x.shape)} and {tuple(y.shape)}"
        )


def check_training(
    x_train, y_train, x_val, y_val, lr, momentum, batch_size, epochs, patience, seed
):
    """Raise a ValueError (a TypeError for a wrong type) naming train's wrong argument."""
    check_images("x_train", x_train, "y_train", y_train)
    check_images("x_val", x_val, "y_val", y_val)
    check_positive("lr", lr)
    check_in_range("momentum", momentum, 0, 1)
    check_count("batch_size", batch_size, low=1, high=len(y_train))
    check_count("epochs", epochs, low=1)
    check_count("patience", patience, low=1)
    check_count("seed", seed)


def check_path(name, path):
    """A file's name, as a string or a Path."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{name} must be a str or a Path, got {path!r}")
    # --8<-- [end:checks]


# --8<-- [start:evaluate]
def evaluate(model, x, y):
    """Loss and accuracy of the model on (x, y), without tracking gradients."""
    check_model(model)
    check_images("x", x, "y", y)
    device = next(model.parameters()).device  # where the model is
    x, y = x.to(device), y.to(device)
    model.eval()  # evaluation mode (it matters for dropout, batch norm)
    with torch.no_grad():
        logits = model(x)
    accuracy = (logits.argmax(dim=1) == y).float().mean()
    return F.cross_entropy(logits, y).item(), accuracy.item()


def predict(model, x):
    """The digit the model picks for each image: the largest logit's class."""
    check_model(model)
    check_tensor("x", x, ndim=2)
    device = next(model.parameters()).device
    model.eval()
    with torch.no_grad():
        return model(x.to(device)).argmax(dim=1).cpu()


def scores(model, x_train, y_train, x_val, y_val):
    """Loss and accuracy on the training and the validation images."""
    check_images("x_train", x_train, "y_train", y_train)
    check_images("x_val", x_val, "y_val", y_val)
    train_loss, train_acc = evaluate(model, x_train, y_train)
    val_loss, val_acc = evaluate(model, x_val, y_val)
    return {
        "train_loss": train_loss,
        "train_acc": train_acc,
        "val_loss": val_loss,
        "val_acc": val_acc,
    }
    # --8<-- [end:evaluate]


# --8<-- [start:train]
def train(
    model,
    x_train,
    y_train,
    x_val,
    y_val,
    lr=0.1,
    momentum=0.9,
    batch_size=32,
    epochs=30,
    patience=5,
    seed=0,
):
    """SGD with momentum on mini-batches, with early stopping."""
    check_model(model)
    check_training(
        x_train, y_train, x_val, y_val, lr, momentum, batch_size, epochs, patience, seed
    )
    g = torch.Generator().manual_seed(seed)
    loader = DataLoader(
        TensorDataset(x_train, y_train),
        batch_size=batch_size,
        shuffle=True,
        generator=g,
    )
    device = next(model.parameters()).device  # batches go where the model is
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    history = [scores(model, x_train, y_train, x_val, y_val)]  # epoch 0
    best_epoch, best_state = 0, snapshot(model)
    for epoch in range(1, epochs + 1):
        model.train()  # training mode
        for images, labels in loader:  # one shuffled epoch
            xb, yb = images.to(device), labels.to(device)
            loss = F.cross_entropy(model(xb), yb)  # logits in, loss out
            opt.zero_grad()
            loss.backward()
            opt.step()
        history.append(scores(model, x_train, y_train, x_val, y_val))
        if history[epoch]["val_loss"] < history[best_epoch]["val_loss"]:
            best_epoch, best_state = epoch, snapshot(model)
        elif epoch - best_epoch >= patience:  # no better for a while:
            break  # stop early
    model.load_state_dict(best_state)  # back to the best epoch
    return history, best_epoch
    # --8<-- [end:train]


# --8<-- [start:run]
def run(hidden=64, lr=0.1, momentum=0.9, batch_size=32, epochs=30, patience=5, seed=0):
    """The whole recipe: load, split, build and train the model."""
    check_count("seed", seed)  # make_model and train check the others
    x, y = load_all_digits()
    train_idx, val_idx = split_indices(len(y), val_fraction=0.2, seed=seed)
    x_train, y_train = x[train_idx], y[train_idx]
    x_val, y_val = x[val_idx], y[val_idx]
    device = "cuda" if torch.cuda.is_available() else "cpu"  # a GPU if any
    model = make_model(hidden, seed).to(device)
    history, best_epoch = train(
        model,
        x_train,
        y_train,
        x_val,
        y_val,
        lr,
        momentum,
        batch_size,
        epochs,
        patience,
        seed,
    )
    return {
        "model": model,
        "history": history,
        "best_epoch": best_epoch,
        "x_train": x_train,
        "y_train": y_train,
        "x_val": x_val,
        "y_val": y_val,
    }
    # --8<-- [end:run]


# --8<-- [start:save]
def save(model, path):
    """Write the model's weights, its state_dict, to the file `path`."""
    check_model(model)
    check_path("path", path)
    torch.save(model.state_dict(), path)


def load(path, hidden=64):
    """A new model of the same shape, with the weights saved in `path`."""
    check_path("path", path)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model = make_model(hidden).to(device)
    # tensors only, never code, onto this machine's device
    weights = torch.load(path, map_location=device, weights_only=True)
    model.load_state_dict(weights)
    return model
    # --8<-- [end:save]


# --8<-- [start:baseline]
def label_by_nearest(x_train, y_train, x):
    """Label each image as the training image nearest to it, pixel by pixel."""
    check_images("x_train", x_train, "y_train", y_train)
    check_tensor("x", x, ndim=2)
    distances = torch.cdist(x, x_train)  # image by training image
    return y_train[distances.argmin(dim=1)]
    # --8<-- [end:baseline]


# --8<-- [start:confusion]
def confusion_matrix(y, predicted, classes=10):
    """Count how often each true digit (row) was read as each digit (column)."""
    check_count("classes", classes, low=1)
    check_tensor("y", y, ndim=1, floating=False)
    check_tensor("predicted", predicted, ndim=1, floating=False)
    check_same_shape("y", y, "predicted", predicted)
    check_labels("y", y, classes)  # a label out of range would land in another cell
    check_labels("predicted", predicted, classes)
    pairs = y * classes + predicted  # one number per (true, predicted) pair
    return torch.bincount(pairs, minlength=classes**2).reshape(classes, classes)
    # --8<-- [end:confusion]


# --8<-- [start:per_class]
def per_class_accuracy(matrix):
    """For each true digit, the fraction of its images read correctly."""
    check_tensor("matrix", matrix, ndim=2, floating=False)
    if matrix.shape[0] != matrix.shape[1]:
        raise ValueError(
            f"matrix must be square, a row and a column per class, got shape "
            f"{tuple(matrix.shape)}"
        )
    return matrix.diag() / matrix.sum(dim=1)
    # --8<-- [end:per_class]


# --8<-- [start:main]
if __name__ == "__main__":
    result = run()
    for epoch, h in enumerate(result["history"]):
        print(
            f"epoch {epoch:2d}  training loss {h['train_loss']:.4f}  "
            f"validation loss {h['val_loss']:.4f}  "
            f"accuracy {h['val_acc']:.1%}"
        )
    model, x_val, y_val = result["model"], result["x_val"], result["y_val"]
    val_loss, val_acc = evaluate(model, x_val, y_val)
    print(
        f"best epoch {result['best_epoch']}: validation loss {val_loss:.4f}, "
        f"accuracy {val_acc:.1%} on {len(y_val)} images"
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "digits.pt"
        save(model, path)
        reloaded = load(path)
    same = torch.equal(predict(reloaded, x_val), predict(model, x_val))
    print(f"saved to {path.name} and reloaded: the same answers on every image: {same}")
# --8<-- [end:main]
