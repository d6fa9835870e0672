"""Fit a line: the whole gradient-descent loop on 100 noisy points.

Shown in docs/fit-a-line.md; claims tested in tests/test_fit_line.py.
"""

import inspect
import re

from snippets import render

# the data section starts at its own import: sorting must not move `render` into it
# isort: split
# --8<-- [start:data]
import torch


def make_data(n=100, a=(3.0, 2.0), seed=0, dtype=torch.float32):
    """Return x, rows [u, 1] with u in [-1, 1], and y = x @ a + noise."""
    if not isinstance(n, int) or n < 2:
        raise ValueError(f"n must be an integer of at least 2, got {n!r}")
    g = torch.Generator().manual_seed(seed)
    x = torch.ones(n, 2, dtype=dtype)
    x[:, 0] = torch.rand(n, generator=g, dtype=dtype) * 2 - 1
    noise = torch.rand(n, generator=g, dtype=dtype)  # uniform in [0, 1)
    y = x @ torch.tensor(a, dtype=dtype) + noise
    return x, y
    # --8<-- [end:data]


# --8<-- [start:loss]
def mse(y_hat, y):
    """Mean squared error: the average of the squared differences."""
    if y_hat.shape != y.shape:
        raise ValueError(
            f"y_hat and y must have the same shape, got "
            f"{tuple(y_hat.shape)} and {tuple(y.shape)}"
        )
    return ((y_hat - y) ** 2).mean()
    # --8<-- [end:loss]


# --8<-- [start:checks]
def check_fit_args(x, y, a0, lr, steps):
    """Raise a ValueError that says what is wrong with fit's arguments."""
    if x.ndim != 2 or y.ndim != 1 or x.shape[0] != y.shape[0]:
        raise ValueError(
            f"x must be (n, d) and y must be (n,), got "
            f"{tuple(x.shape)} and {tuple(y.shape)}"
        )
    if len(a0) != x.shape[1]:
        raise ValueError(
            f"a0 needs one value per column of x ({x.shape[1]}), got {len(a0)}"
        )
    if not lr > 0:
        raise ValueError(f"lr must be positive, got {lr}")
    if not isinstance(steps, int) or steps < 0:
        raise ValueError(f"steps must be an integer >= 0, got {steps!r}")
    # --8<-- [end:checks]


# --8<-- [start:fit]
def fit(x, y, a0=(-1.0, 1.0), lr=0.1, steps=100):
    """Gradient descent for y ≈ x @ a; return a0 and a after every step."""
    check_fit_args(x, y, a0, lr, steps)
    a = torch.tensor(a0, dtype=x.dtype, requires_grad=True)  # 1. initialise
    path = [a.detach().clone()]
    for _ in range(steps):  # 6. repeat
        y_hat = x @ a  # 2. predict
        loss = mse(y_hat, y)  # 3. loss
        loss.backward()  # 4. gradient
        with torch.no_grad():
            a -= lr * a.grad  # 5. step
            a.grad.zero_()
        path.append(a.detach().clone())
    return torch.stack(path)  # 7. stop
    # --8<-- [end:fit]


# --8<-- [start:optim]
def fit_with_optim(x, y, a0=(-1.0, 1.0), lr=0.1, steps=100):
    """The same loop, with torch.optim.SGD doing the step and zeroing."""
    check_fit_args(x, y, a0, lr, steps)
    a = torch.tensor(a0, dtype=x.dtype, requires_grad=True)
    opt = torch.optim.SGD([a], lr=lr)
    path = [a.detach().clone()]
    for _ in range(steps):
        loss = mse(x @ a, y)
        loss.backward()
        opt.step()
        opt.zero_grad()
        path.append(a.detach().clone())
    return torch.stack(path)
    # --8<-- [end:optim]


# --8<-- [start:gradient]
def gradient(x, y, a):
    """The gradient of the MSE from its formula, 2/n X^T (X a - y)."""
    return 2 / len(y) * x.T @ (x @ a - y)
    # --8<-- [end:gradient]


def losses(x, y, path):
    """Return the loss at every row of `path` (the loss before each step, and after the last)."""
    with torch.no_grad():
        return ((path @ x.T - y) ** 2).mean(dim=1)


def loop_steps():
    """Return (number, name, code) for each `# N. name` marker in fit(), in step order."""
    lines = inspect.getsource(fit).splitlines()
    found = []
    for line in lines:
        m = re.search(r"#\s*(\d)\.\s*(\w+)\s*$", line)
        if m:
            found.append((int(m[1]), m[2], line[: m.start()].strip()))
    return sorted(found)


def loss_table(x, y, path, every=10):
    """Return a Markdown table of the parameters and the loss every `every` steps."""
    if every < 1:
        raise ValueError(f"every must be at least 1, got {every}")
    loss = losses(x, y, path)
    rows = ["| step | slope $a_1$ | intercept $a_2$ | loss |", "|---:|---:|---:|---:|"]
    for t in range(0, len(path), every):
        rows.append(f"| {t} | {path[t, 0]:.3f} | {path[t, 1]:.3f} | {loss[t]:.4f} |")
    return "\n".join(rows)


def _ends(x):
    """The left and right ends of the data's x range, for drawing lines across it."""
    return torch.tensor([x[:, 0].min().item(), x[:, 0].max().item()])


def line_label(a):
    """The line y = a1 x + a2 as text, with true minus signs."""
    return f"y = {a[0]:.2f}x {'+' if a[1] >= 0 else '-'} {abs(a[1]):.2f}".replace(
        "-", "−"
    )


def plot_fit(x, y, path, theme="light"):
    """Return a Figure: the data, the initial guess (dashed) and the fitted line."""
    ends = _ends(x)
    with render.themed(theme) as p:
        fig = render.new_figure(6.4, 4.0)
        ax = fig.add_subplot()
        ax.scatter(
            x[:, 0], y, s=16, color=p["muted"], alpha=0.8, label="data", zorder=2
        )
        for a, style, color, label in [
            (path[0], "--", p["cycle"][1], "initial guess"),
            (path[-1], "-", p["cycle"][0], "after fitting"),
        ]:
            ax.plot(
                ends,
                ends * a[0] + a[1],
                style,
                color=color,
                zorder=3,
                label=f"{label}: {line_label(a)}",
            )
        ax.set_xlabel("x")
        ax.set_ylabel("y")
        ax.legend(loc="upper left")
    return fig


def least_squares(x, y):
    """Return the best possible a and its loss, solved directly (no descent) by torch.linalg.lstsq.

    Solved in float64 with the SVD driver "gelsd": in float32, or with the default driver, the
    solver's last bits vary from one process to the next, and a page printing them would too.
    """
    x64, y64 = x.double(), y.double()
    a = torch.linalg.lstsq(x64, y64.unsqueeze(1), driver="gelsd").solution.squeeze(1)
    return a.to(x.dtype), mse(x64 @ a, y64).item()


def plot_loss(x, y, path, theme="light"):
    """Return a Figure: the loss at every step, on a log scale, above the least-squares floor."""
    loss = losses(x, y, path)
    floor = least_squares(x, y)[1]
    with render.themed(theme) as p:
        fig = render.new_figure(6.4, 3.2)
        ax = fig.add_subplot()
        ax.axhline(
            floor,
            ls=":",
            color=p["muted"],
            lw=1.5,
            label=f"least-squares minimum {floor:.4f}",
        )
        ax.plot(range(len(loss)), loss, label="loss of gradient descent")
        ax.legend(loc="upper right")
        ax.set_yscale("log")
        ax.set_xlabel("step")
        ax.set_ylabel("loss (mean squared error)")
    return fig


def animate_fit(x, y, path, theme="light", every=1):
    """Return frames of the line moving into place (left) as the loss falls (right)."""
    if every < 1:
        raise ValueError(f"every must be at least 1, got {every}")
    ends, loss, path = _ends(x).numpy(), losses(x, y, path).numpy(), path.numpy()
    steps = list(range(0, len(path), every))
    if steps[-1] != len(path) - 1:
        steps.append(len(path) - 1)
    with render.themed(theme) as p:
        fig = render.new_figure(7.2, 3.0)
        ax_fit, ax_loss = fig.subplots(1, 2, width_ratios=[1.2, 1])
        ax_fit.scatter(x[:, 0], y, s=10, color=p["muted"], alpha=0.8, zorder=2)
        ax_fit.plot(
            ends,
            ends * path[0, 0] + path[0, 1],
            "--",
            color=p["cycle"][1],
            lw=1.5,
            zorder=3,
            label="initial guess",
        )
        (line,) = ax_fit.plot(
            [], [], color=p["cycle"][0], zorder=4, label="current line"
        )
        ax_fit.set_xlabel("x")
        ax_fit.set_ylabel("y")
        lines = (
            ends[None, :] * path[:, :1] + path[:, 1:]
        )  # both ends of every line drawn
        ax_fit.set_ylim(
            min(y.min(), lines.min()).item() - 0.5,
            max(y.max(), lines.max()).item() + 0.5,
        )
        ax_fit.legend(loc="upper left", fontsize=9)  # the corner no line ever crosses
        ax_loss.plot(range(len(loss)), loss, color=p["grid"], lw=1.5)
        (trace,) = ax_loss.plot([], [], color=p["cycle"][0])
        (dot,) = ax_loss.plot([], [], "o", color=p["cycle"][0], ms=6)
        ax_loss.set_yscale("log")
        ax_loss.set_xlabel("step")
        ax_loss.set_ylabel("loss")
        title = fig.suptitle(" ", fontfamily="monospace")

        def update(t):
            a = path[t]
            line.set_data(ends, ends * a[0] + a[1])
            trace.set_data(range(t + 1), loss[: t + 1])
            dot.set_data([t], [loss[t]])
            title.set_text(f"step {t:3d}   loss {loss[t]:.3f}")

        frames = render.blit_frames(fig, [line, trace, dot, title], update, steps)
    return frames


# --8<-- [start:run]
if __name__ == "__main__":
    x, y = make_data()
    path = fit(x, y)
    for t in range(0, len(path), 10):
        a, loss = path[t], mse(x @ path[t], y)
        print(f"step {t:3d}  a = ({a[0]:.3f}, {a[1]:.3f})  loss {loss:.4f}")
# --8<-- [end:run]
