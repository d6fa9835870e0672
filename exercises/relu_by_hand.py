"""Exercise for docs/nonlinearity.md, section A sum of bent lines: a ReLU network set by hand."""

import torch  # noqa: F401  (your answer will need it)
from torch import nn  # noqa: F401  (your answer will need it)


def piecewise_linear_network(knots, values):
    """Return a ReLU network, weights set by hand, that draws the piecewise-linear curve through the points.

    `knots` are n >= 2 numbers x_0 < x_1 < ... < x_{n-1} and `values` the n numbers y_i (lists or
    1-d tensors). Return nn.Sequential(nn.Linear(1, n), nn.ReLU(), nn.Linear(n, 1)) in float64
    whose output, for every x, is the straight line from (x_i, y_i) to (x_{i+1}, y_{i+1}) between
    two neighbouring knots, and beyond the first and the last knot continues with the slope of the
    first and the last piece. No training: set the weights, with the parameters still trainable.

    Raise a ValueError if there are fewer than two knots, if knots and values differ in length, if
    a knot or a value is not a finite number, or if the knots are not strictly increasing.
    """
    raise NotImplementedError(
        "write piecewise_linear_network in exercises/relu_by_hand.py"
    )
