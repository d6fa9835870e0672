"""Pictures and numbers of the line problem (Fit a line's 100 points) that several chapters' drawings
share: the loss along a path, the least-squares answer that is its floor, and the loss surface
drawn as contour lines."""

import torch

from snippets.fit_line import mse
from snippets.loss_functions import loss_surface


def losses(x, y, path):
    """Return the loss at every row of `path` (the loss before each step, and after the last)."""
    with torch.no_grad():
        return ((path @ x.T - y) ** 2).mean(dim=1)


def least_squares(x, y):
    """Return the best possible a and its loss, solved directly (no descent) by torch.linalg.lstsq.

    Solved in float64 with the SVD driver "gelsd": in float32, or with the default driver, the
    solver's last bits vary from one process to the next, and a page printing them would too.
    """
    x64, y64 = x.double(), y.double()
    a = torch.linalg.lstsq(x64, y64.unsqueeze(1), driver="gelsd").solution.squeeze(1)
    return a.to(x.dtype), mse(x64 @ a, y64).item()


def draw_contours(ax, x, y, a1_lim, a2_lim, p, n=121, levels=14):
    """Draw the loss of the line problem as contour lines on `ax`, in palette `p`; return the grid.

    Levels are spaced evenly on a log scale, so the valley floor gets as many lines as the walls.
    Returns (a1, a2, loss) for callers that need the numbers behind the picture.
    """
    a1 = torch.linspace(*a1_lim, n, dtype=torch.float64)
    a2 = torch.linspace(*a2_lim, n, dtype=torch.float64)
    loss = loss_surface(x.double(), y.double(), a1, a2)
    lo, hi = loss.min().log10().item(), loss.max().log10().item()
    # the filled bands and the lines share their levels, so every band ends on a line
    edges = torch.linspace(lo, hi, levels).tolist()
    ax.contourf(a1, a2, loss.log10(), levels=edges, cmap="viridis", alpha=0.35)
    ax.contour(
        a1,
        a2,
        loss.log10(),
        levels=edges,
        colors=p["muted"],
        linewidths=0.7,
        negative_linestyles="solid",
    )
    ax.grid(False)
    ax.set_xlabel("slope $a_1$")
    ax.set_ylabel("intercept $a_2$")
    ax.set_aspect("equal")
    return a1, a2, loss


def line_label(a):
    """The line y = a1 x + a2 as text, with true minus signs."""
    return f"y = {a[0]:.2f}x {'+' if a[1] >= 0 else '-'} {abs(a[1]):.2f}".replace(
        "-", "−"
    )
