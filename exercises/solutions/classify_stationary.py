"""Exercise for docs/hard-landscapes.md, section Where the gradient vanishes: classify by hand."""

import torch


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

    # --8<-- [start:solution]
    def gradient(p):
        x, y = p
        return torch.stack([3 * x**2 - 3, 2 * y])

    def hessian(p):
        x, _ = p
        return torch.stack(
            [torch.stack([6 * x, torch.zeros_like(x)]), torch.tensor([0.0, 2.0]).to(p)]
        )

    # 3x² - 3 = 0 at x = ±1, and 2y = 0 at y = 0; H = diag(6x, 2)
    points = [((1.0, 0.0), "minimum"), ((-1.0, 0.0), "saddle")]
    return gradient, hessian, points
    # --8<-- [end:solution]
