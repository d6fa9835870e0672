"""Hard landscapes: a saddle, a plateau, a narrow curved valley and several minima, and how
gradient descent, momentum, Adam and noisy SGD fare on each.

Shown in docs/hard-landscapes.md; claims tested in tests/test_hard_landscapes.py.
"""

# --8<-- [start:imports]
import math
from typing import NamedTuple

import torch

# --8<-- [end:imports]
from snippets.checks import (
    check_count,
    check_function,
    check_number,
    check_positive,
    check_tensor,
)


# --8<-- [start:checks]
def check_point(name, p):
    """A point of the plane: a tensor of two floating-point numbers (or a (2, ...) grid of them)."""
    check_tensor(name, p)
    if p.shape[0] != 2:
        raise ValueError(f"{name} must hold an x and a y, got shape {tuple(p.shape)}")
    return p


def check_start(name, start):
    """A start: a tuple of two finite numbers."""
    if not isinstance(start, (tuple, list)) or len(start) != 2:
        raise TypeError(f"{name} must be a tuple (x, y), got {start!r}")
    if not all(math.isfinite(check_number(name, v)) for v in start):
        raise ValueError(f"{name} must hold two finite numbers, got {start!r}")
    return start
    # --8<-- [end:checks]


# --8<-- [start:saddle]
def saddle(p):
    """f = (x² - y²) / 2: a minimum along x, a maximum along y."""
    x, y = check_point("p", p)
    return (x**2 - y**2) / 2


def saddle_gradient(p):
    """(x, -y)."""
    x, y = check_point("p", p)
    return torch.stack([x, -y])
    # --8<-- [end:saddle]


# --8<-- [start:plateau]
def plateau(p):
    """f = 1 - exp(-(x²/2 + y²)): a well in a plain that is almost flat."""
    x, y = check_point("p", p)
    return 1 - torch.exp(-(x**2 / 2 + y**2))


def plateau_gradient(p):
    """exp(-(x²/2 + y²)) (x, 2y)."""
    x, y = check_point("p", p)
    e = torch.exp(-(x**2 / 2 + y**2))
    return torch.stack([e * x, 2 * e * y])
    # --8<-- [end:plateau]


# --8<-- [start:rosenbrock]
def rosenbrock(p):
    """f = (1 - x)² + 100 (y - x²)²: a narrow, curved valley."""
    x, y = check_point("p", p)
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def rosenbrock_gradient(p):
    """(-2 (1 - x) - 400 x (y - x²), 200 (y - x²))."""
    x, y = check_point("p", p)
    return torch.stack([-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)])
    # --8<-- [end:rosenbrock]


# --8<-- [start:himmelblau]
def himmelblau(p):
    """f = (x² + y - 11)² + (x + y² - 7)²: four minima."""
    x, y = check_point("p", p)
    return (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2


def himmelblau_gradient(p):
    """(4x (x² + y - 11) + 2 (x + y² - 7), 2 (x² + y - 11) + 4y (x + y² - 7))."""
    x, y = check_point("p", p)
    a, b = x**2 + y - 11, x + y**2 - 7
    return torch.stack([4 * x * a + 2 * b, 2 * a + 4 * y * b])
    # --8<-- [end:himmelblau]


# --8<-- [start:gradient_check]
def gradient_errors(f, gradient, points, delta=1e-6):
    """The largest gap between the closed-form gradient and autograd's, and between it and
    central differences, over points (2, n), each relative to the largest gradient there."""
    check_function("f", f)
    check_function("gradient", gradient)
    check_point("points", points)
    check_positive("delta", delta)
    p = points.detach().double().requires_grad_()
    # each value depends on its own point alone: the sum's gradient holds every point's
    (by_autograd,) = torch.autograd.grad(f(p).sum(), p)
    p = p.detach()
    e = torch.tensor([[delta], [0.0]], dtype=torch.float64)  # along x, at every point
    by_differences = torch.stack(
        [(f(p + d) - f(p - d)) / (2 * delta) for d in (e, e.flip(0))]
    )
    mine, scale = gradient(p), by_autograd.abs().max()
    gap_autograd = (mine - by_autograd).abs().max() / scale
    gap_differences = (mine - by_differences).abs().max() / scale
    return gap_autograd.item(), gap_differences.item()
    # --8<-- [end:gradient_check]


# --8<-- [start:hessian]
def hessian(f, p):
    """The matrix of second derivatives of f at p, by autograd."""
    check_function("f", f)
    check_point("p", p)
    return torch.autograd.functional.hessian(f, p.double())


def kind(f, p, tol=1e-9):
    """Minimum, maximum or saddle, from the signs of the Hessian's eigenvalues."""
    check_positive("tol", tol)
    values = torch.linalg.eigvalsh(hessian(f, p))  # in increasing order
    if values[0] > tol:
        return "minimum"
    if values[-1] < -tol:
        return "maximum"
    if values[0] < -tol and values[-1] > tol:
        return "saddle"
    return "flat"  # an eigenvalue near 0: the second derivatives cannot tell
    # --8<-- [end:hessian]


# --8<-- [start:newton]
def newton(f, gradient, start, steps=30):
    """Newton's method for a point where the gradient is zero: p <- p - H⁻¹ ∇f."""
    check_function("gradient", gradient)
    check_start("start", start)
    check_count("steps", steps)
    p = torch.tensor(start, dtype=torch.float64)
    for _ in range(steps):
        g = gradient(p)
        if g.norm() < 1e-13:  # zero, to rounding: a further step changes nothing
            break
        p = p - torch.linalg.solve(hessian(f, p), g)
    return p


def stationary_points(f, gradient, starts, tol=1e-9):
    """The distinct points where Newton's method ends with a zero gradient, and their kinds."""
    if not isinstance(starts, (tuple, list)):
        raise TypeError(f"starts must be a list of (x, y), got {type(starts).__name__}")
    check_positive("tol", tol)
    found = []
    for start in starts:
        check_start("starts", start)
        p = newton(f, gradient, start)
        zero = gradient(p).norm() < tol  # False for nan: Newton went astray
        if zero and all((p - q).norm() > 1e-6 for q, _ in found):
            found.append((p, kind(f, p)))
    return found
    # --8<-- [end:newton]


# --8<-- [start:descend]
def make_optimiser(name, params, lr):
    """One of the optimisers of the race, from torch.optim."""
    check_positive("lr", lr)
    if name == "GD":
        return torch.optim.SGD(params, lr=lr)
    if name == "momentum":
        return torch.optim.SGD(params, lr=lr, momentum=0.9)
    if name == "Adam":
        return torch.optim.Adam(params, lr=lr)
    raise ValueError(f"name must be 'GD', 'momentum' or 'Adam', got {name!r}")


def descend(gradient, start, name, lr, steps, noise=0.0, seed=0):
    """The path of an optimiser fed the gradient, plus Gaussian noise of size `noise`."""
    check_function("gradient", gradient)
    check_start("start", start)
    check_count("steps", steps)
    if not (check_number("noise", noise) >= 0 and math.isfinite(noise)):
        raise ValueError(f"noise must be a finite number >= 0, got {noise!r}")
    check_count("seed", seed)
    p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    opt = make_optimiser(name, [p], lr)
    g = torch.Generator().manual_seed(seed)
    path = [p.detach().clone()]
    for _ in range(steps):
        kick = noise * torch.randn(2, generator=g, dtype=torch.float64)
        p.grad = gradient(p.detach()) + kick  # what backward() would leave, plus noise
        opt.step()  # inf or nan is not an error: the path shows it
        path.append(p.detach().clone())
    return torch.stack(path)
    # --8<-- [end:descend]


# --8<-- [start:landscapes]
class Landscape(NamedTuple):
    """A surface, its gradient, and the race the page runs on it."""

    f: object
    gradient: object
    start: tuple  # where every optimiser starts
    steps: int
    lrs: dict  # the learning rate of GD, momentum, Adam and SGD with noise
    noise: float  # the size of SGD's noise


LANDSCAPES = {
    "saddle": Landscape(
        saddle, saddle_gradient, (2.0, 0.0), 80,
        {"GD": 0.1, "momentum": 0.05, "Adam": 0.1, "SGD with noise": 0.1}, 0.1,
    ),
    "plateau": Landscape(
        plateau, plateau_gradient, (3.0, 2.0), 80,
        {"GD": 0.5, "momentum": 0.5, "Adam": 0.1, "SGD with noise": 0.5}, 0.02,
    ),
    "Rosenbrock": Landscape(
        rosenbrock, rosenbrock_gradient, (-1.2, 1.0), 200,
        {"GD": 0.0015, "momentum": 0.0004, "Adam": 0.2, "SGD with noise": 0.0015}, 5.0,
    ),
    "Himmelblau": Landscape(
        himmelblau, himmelblau_gradient, (-0.3, -0.9), 120,
        {"GD": 0.01, "momentum": 0.002, "Adam": 0.1, "SGD with noise": 0.01}, 5.0,
    ),
}  # fmt: skip


def race(landscape, seed=0):
    """The path of each optimiser from the landscape's start."""
    if not isinstance(landscape, Landscape):
        raise TypeError(
            f"landscape must be a Landscape, got {type(landscape).__name__}"
        )
    paths = {}
    for name, lr in landscape.lrs.items():
        noisy = name == "SGD with noise"  # gradient descent, fed a noisy gradient
        optimiser, noise = ("GD", landscape.noise) if noisy else (name, 0.0)
        run = (landscape.gradient, landscape.start, optimiser, lr, landscape.steps)
        paths[name] = descend(*run, noise, seed)
    return paths
    # --8<-- [end:landscapes]


# --8<-- [start:escape]
def escape_step(path, distance):
    """The first step at which the path is `distance` or more from the line y = 0, or None."""
    check_tensor("path", path, ndim=2)
    check_positive("distance", distance)
    far = (path[:, 1].abs() >= distance).nonzero()
    return int(far[0]) if len(far) else None


def predicted_escape(offset, distance, lr, h):
    """Steps until an offset grows to `distance` along a curvature h < 0: each step times 1 - lr h."""
    check_positive("offset", offset)
    check_positive("distance", distance)
    check_positive("lr", lr)
    if not check_number("h", h) < 0:
        raise ValueError(f"h must be a negative curvature, got {h!r}")
    return math.ceil(math.log(distance / offset) / math.log(1 - lr * h))
    # --8<-- [end:escape]


# --8<-- [start:basins]
def basins(gradient, minima, xs, ys, lr, steps):
    """Gradient descent from every point of the grid xs by ys at once: for each start, the index of
    the minimum it ends nearest to, and its distance from it."""
    check_function("gradient", gradient)
    check_tensor("minima", minima, ndim=2)
    check_tensor("xs", xs, ndim=1)
    check_tensor("ys", ys, ndim=1)
    check_positive("lr", lr)
    check_count("steps", steps)
    p = torch.stack(
        torch.meshgrid(xs, ys, indexing="xy")
    ).double()  # (2, len(ys), len(xs))
    for _ in range(steps):
        p = p - lr * gradient(p)
    gaps = (p[None] - minima.double()[:, :, None, None]).norm(dim=1)  # one per minimum
    distance, index = gaps.min(dim=0)
    return index, distance
    # --8<-- [end:basins]


# --8<-- [start:run]
if __name__ == "__main__":
    for title, landscape in LANDSCAPES.items():
        print(f"{title}, from {landscape.start}, {landscape.steps} steps:")
        for name, path in race(landscape).items():
            x, y = path[-1].tolist()
            value = landscape.f(path[-1]).item()
            print(f"  {name:<15} ends at ({x:.4f}, {y:.4f}), f = {value:.4g}")
    starts = [(x, y) for x in range(-4, 5, 2) for y in range(-4, 5, 2)]
    for p, what in stationary_points(himmelblau, himmelblau_gradient, starts):
        print(f"Himmelblau: a {what} at ({p[0]:.6f}, {p[1]:.6f})")
# --8<-- [end:run]
