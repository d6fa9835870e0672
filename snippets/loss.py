"""Loss: the number that training drives down, and how its choice shapes what is learned.

Shown in docs/loss.md; claims tested in tests/test_loss.py.
"""

import torch

from snippets import render


# --8<-- [start:surface]
def loss_surface(x, y, a1, a2):
    """Return the MSE of the line y = a1 u + a2 at every grid point, shape (len(a2), len(a1))."""
    if a1.ndim != 1 or a2.ndim != 1:
        raise ValueError(f"a1 and a2 must be 1-D grids, got shapes {tuple(a1.shape)} and {tuple(a2.shape)}")
    A1, A2 = torch.meshgrid(a1, a2, indexing="xy")  # rows follow a2, columns follow a1
    y_hat = A1[..., None] * x[:, 0] + A2[..., None] * x[:, 1]
    return ((y_hat - y) ** 2).mean(dim=-1)
# --8<-- [end:surface]


def draw_contours(ax, x, y, a1_lim, a2_lim, p, n=121, levels=14):
    """Draw the loss of the line problem as contour lines on `ax`, in palette `p`; return the grid.

    Levels are spaced evenly on a log scale, so the valley floor gets as many lines as the walls.
    Returns (a1, a2, loss) for callers that need the numbers behind the picture.
    """
    a1 = torch.linspace(*a1_lim, n, dtype=torch.float64)
    a2 = torch.linspace(*a2_lim, n, dtype=torch.float64)
    loss = loss_surface(x.double(), y.double(), a1, a2)
    lo, hi = loss.min().log10().item(), loss.max().log10().item()
    ax.contourf(a1, a2, loss.log10(), levels=levels, cmap="viridis", alpha=0.35)
    ax.contour(a1, a2, loss.log10(), levels=torch.linspace(lo, hi, levels).tolist(),
               colors=p["muted"], linewidths=0.7, negative_linestyles="solid")
    ax.grid(False)
    ax.set_xlabel("slope $a_1$")
    ax.set_ylabel("intercept $a_2$")
    ax.set_aspect("equal")
    return a1, a2, loss
