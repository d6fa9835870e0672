"""The home page's picture of training: the seven steps of the loop in fit_line.fit, read from its code."""

import itertools

from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from snippets.drawing import fit_line as draw_fit_line
from snippets.drawing import render

LOOP = ("predict", "loss", "gradient", "step")  # the steps "repeat" goes round


def seven_steps():
    """(number, name, line of code) for each step of fit_line.fit, in the order the loop runs them."""
    steps = draw_fit_line.loop_steps()
    if [n for n, _, _ in steps] != list(range(1, 8)):
        raise ValueError(
            f"fit_line.fit must mark steps 1 to 7 once each, found {[n for n, _, _ in steps]}"
        )
    return steps


def in_words(code):
    """Lines of code on one line: a block's header, then its lines joined by "then"."""
    first, *rest = (line.strip() for line in code.splitlines())
    return " ".join([first, ", then ".join(rest)]) if rest else first


def alt_text(steps):
    """The figure's alt text: every box and arrow, in words, with the code the figure shows."""
    boxes = "; ".join(
        f"{n} {name}: {in_words(code)}" for n, name, code in steps if name != "repeat"
    )
    repeat = next((n, code) for n, name, code in steps if name == "repeat")
    return (
        f"The seven steps of training, as boxes from top to bottom, each with its code "
        f"from fit_line.fit: {boxes}. An arrow labelled {repeat[0]} repeat ({repeat[1]}) leads from "
        f"step back to predict, so the steps from {LOOP[0]} to {LOOP[-1]} run again and again before stop."
    )


def caption(steps):
    """The figure's caption, with the numbers of the steps the loop repeats."""
    numbers = {name: n for n, name, _ in steps}
    return (
        f"The seven steps of training, in the loop of the first chapter, Fit a line. Steps "
        f"{numbers[LOOP[0]]} to {numbers[LOOP[-1]]} run again and again; a real model changes only what "
        f"is in the boxes."
    )


def plot_seven_steps(steps, theme="light"):
    """Boxes for the steps that do something, top to bottom, and the arrow of "repeat" looping back.

    A box is as tall as its code: the step's box holds its three lines, `torch.no_grad()` and the
    zeroing of the gradient included, so the loop drawn is the loop that works.
    """
    boxes = [s for s in steps if s[1] != "repeat"]
    number, _, repeat_code = next(s for s in steps if s[1] == "repeat")
    # a code line's height, the gap between boxes, the margin
    line, gap, pad = 0.28, 0.38, 0.3
    heights = {name: 0.56 + line * len(code.splitlines()) for _, name, code in boxes}
    total = sum(heights.values()) + gap * (len(boxes) - 1) + 2 * pad
    top, bottom, y = {}, {}, total - pad
    for _, name, _ in boxes:
        top[name], bottom[name] = y, y - heights[name]
        y = bottom[name] - gap
    with render.themed(theme) as p:
        fig = render.new_figure(7.6, 5.6 * total / 7.6)
        fig.set_layout_engine("none")  # one axes filling the figure: nothing to lay out
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(0, 11.0)
        ax.set_ylim(0, total)
        ax.axis("off")
        right = 7.55  # where the boxes end and the loop starts
        loop_colour = p["role"]["path"]
        for n, name, code in boxes:
            colour = loop_colour if name in LOOP else p["muted"]
            ax.add_patch(
                FancyBboxPatch(
                    (0.3, bottom[name]),
                    right - 0.3,
                    heights[name],
                    boxstyle="round,pad=0,rounding_size=0.15",
                    facecolor=p["bg"],
                    edgecolor=colour,
                    linewidth=1.6,
                )
            )
            ax.text(
                0.6,
                top[name] - 0.26,
                f"{n}  {name}",
                va="center",
                ha="left",
                fontsize=12.5,
                fontweight="bold",
                color=colour,
            )
            ax.text(
                0.6,
                top[name] - 0.5,
                code,
                va="top",
                ha="left",
                family="monospace",
                fontsize=10,
                linespacing=1.45,
                color=p["fg"],
            )
        for (_, above, _), (_, below, _) in itertools.pairwise(boxes):
            ax.add_patch(
                FancyArrowPatch(
                    (4.0, bottom[above] - 0.01),
                    (4.0, top[below] + 0.01),
                    arrowstyle="-|>",
                    mutation_scale=12,
                    color=p["muted"],
                    linewidth=1.3,
                )
            )
        last, first = LOOP[-1], LOOP[0]
        start = (bottom[last] + top[last]) / 2
        end = (bottom[first] + top[first]) / 2
        ax.add_patch(
            FancyArrowPatch(
                (right, start),
                (right, end),
                connectionstyle="arc3,rad=0.4",
                arrowstyle="-|>",
                mutation_scale=14,
                color=loop_colour,
                linewidth=2,
            )
        )
        middle = (start + end) / 2
        ax.text(
            right + 1.0,
            middle + 0.2,
            f"{number}  repeat",
            va="center",
            ha="left",
            fontsize=12.5,
            fontweight="bold",
            color=loop_colour,
        )
        ax.text(
            right + 1.0,
            middle - 0.2,
            repeat_code.removesuffix(":"),
            va="center",
            ha="left",
            family="monospace",
            fontsize=9,
            color=p["fg"],
        )
    return fig
