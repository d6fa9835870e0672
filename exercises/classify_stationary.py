"""Exercise for docs/hard-landscapes.md, section Where the gradient vanishes: classify by hand."""

import torch  # noqa: F401  (your answer will need it)


def classify_stationary():
    """The derivatives and stationary points of f(x, y) = x³ - 3x + y², by hand.

    Return three things:

    - `gradient`, a function of a point p (a float64 tensor of two numbers,
      x and y) that returns the gradient of f there, a tensor of two numbers;
    - `hessian`, a function of p that returns the 2 x 2 matrix of second
      derivatives of f there;
    - `points`, a list with one entry ((x, y), kind) for EVERY point where
      the gradient is zero, kind being "minimum", "maximum" or "saddle".

    Work the derivatives out with pencil and paper: the check compares them
    with torch.autograd's.
    """

    raise NotImplementedError(
        "write classify_stationary in exercises/classify_stationary.py"
    )
