"""Exercise for docs/nonlinearity.md, section A sum of bent lines: a ReLU network set by hand."""

import torch
from torch import nn


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
    # --8<-- [start:solution]
    x = torch.as_tensor(knots, dtype=torch.float64)
    y = torch.as_tensor(values, dtype=torch.float64)
    if x.ndim != 1 or len(x) < 2:
        raise ValueError(f"need at least two knots in a 1-d list, got {knots!r}")
    if y.shape != x.shape:
        raise ValueError(
            f"need one value per knot, got {len(x)} knots and {y.numel()} values"
        )
    if not (x.isfinite().all() and y.isfinite().all()):
        raise ValueError(
            f"knots and values must be finite numbers, got {x.tolist()} and {y.tolist()}"
        )
    if not (x.diff() > 0).all():
        raise ValueError(f"knots must be strictly increasing, got {x.tolist()}")
    n = len(x)
    slopes = y.diff() / x.diff()  # one per piece
    # the slope added at each knot but the last
    turns = torch.cat([slopes[:1], slopes.diff()])
    net = nn.Sequential(nn.Linear(1, n), nn.ReLU(), nn.Linear(n, 1)).double()
    with torch.no_grad():
        # unit 0: relu(x_0 - x), on to the left of the first knot, carries the first slope there
        net[0].weight[0, 0], net[0].bias[0], net[2].weight[0, 0] = (
            -1.0,
            x[0],
            -slopes[0],
        )
        # unit i + 1: relu(x - x_i), on to the right of knot i, adds the turn of the slope there
        net[0].weight[1:, 0], net[0].bias[1:], net[2].weight[0, 1:] = (
            1.0,
            -x[:-1],
            turns,
        )
        net[2].bias[0] = y[0]  # every unit is zero at x_0
    return net
    # --8<-- [end:solution]
