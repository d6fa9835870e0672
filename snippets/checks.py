"""The checks every lesson runs on its arguments, written once.

Each raises a ValueError that names the argument and says what it got (a TypeError for a value of
the wrong type), so a mistake is caught where it is made and not three calls later, and nothing
bad is accepted silently. A lesson calls them on its first lines; each page shows the ones it uses,
under "When the input is wrong". Tested in tests/test_checks.py.
"""

# --8<-- [start:numbers]
import math

import torch


def check_number(name, value):
    """A real number (not a bool, not text); return it as a float."""
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(
            f"{name} must be a number, got {type(value).__name__} {value!r}"
        )
    return float(value)


def check_positive(name, value):
    """A finite number greater than 0: a learning rate, a step size, a scale."""
    number = check_number(name, value)
    if not (math.isfinite(number) and number > 0):
        raise ValueError(f"{name} must be a positive, finite number, got {value!r}")
    return number


def check_in_range(name, value, low, high, *, high_included=False):
    """A finite number with low <= value < high (or <= high): a momentum, a fraction."""
    number = check_number(name, value)
    below = number <= high if high_included else number < high
    if not (math.isfinite(number) and low <= number and below):
        bracket = "]" if high_included else ")"
        raise ValueError(f"{name} must be in [{low}, {high}{bracket}, got {value!r}")
    return number


def check_count(name, value, low=0, high=None):
    """A whole number, low <= value (<= high): a number of steps, epochs, a batch size."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(
            f"{name} must be an integer, got {type(value).__name__} {value!r}"
        )
    if value < low or (high is not None and value > high):
        limits = f"from {low} to {high}" if high is not None else f">= {low}"
        raise ValueError(f"{name} must be an integer {limits}, got {value!r}")
    return value
    # --8<-- [end:numbers]


# --8<-- [start:tensors]
def check_tensor(name, value, ndim=None, *, floating=True):
    """A tensor that holds something: of `ndim` dimensions if given, of floats unless told."""
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{name} must be a tensor, got {type(value).__name__}")
    if ndim is not None and value.ndim != ndim:
        raise ValueError(
            f"{name} must have {ndim} dimensions, got shape {tuple(value.shape)}"
        )
    if value.numel() == 0:
        raise ValueError(f"{name} must not be empty, got shape {tuple(value.shape)}")
    if floating and not value.is_floating_point():
        raise TypeError(f"{name} must hold floating-point numbers, got {value.dtype}")
    return value


def check_examples(x, y):
    """Inputs x, one row per example, and targets y, one per example: as many of each."""
    check_tensor("x", x)
    check_tensor("y", y, floating=False)
    if x.ndim < 1 or y.ndim < 1 or x.shape[0] != y.shape[0]:
        raise ValueError(
            f"x and y must hold the same number of examples, got shapes "
            f"{tuple(x.shape)} and {tuple(y.shape)}"
        )
    return len(y)


def check_same_shape(name_a, a, name_b, b):
    """Two tensors of one shape: predictions and targets, two weight vectors."""
    if a.shape != b.shape:
        raise ValueError(
            f"{name_a} and {name_b} must have the same shape, got {tuple(a.shape)} and {tuple(b.shape)}"
        )


def check_labels(name, labels, classes):
    """Class labels: whole numbers from 0 to classes - 1."""
    check_tensor(name, labels, floating=False)
    if labels.is_floating_point() or labels.dtype == torch.bool:
        raise TypeError(f"{name} must hold integer class labels, got {labels.dtype}")
    low, high = labels.min().item(), labels.max().item()
    if low < 0 or high >= classes:
        raise ValueError(
            f"{name} must be class labels from 0 to {classes - 1}, got values from {low} to {high}"
        )
    return labels
    # --8<-- [end:tensors]


# --8<-- [start:functions]
def check_function(name, value):
    """Something to call: a loss to differentiate, a schedule, a gradient."""
    if not callable(value):
        raise TypeError(
            f"{name} must be a function, got {type(value).__name__} {value!r}"
        )
    return value
    # --8<-- [end:functions]
