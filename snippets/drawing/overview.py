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


def alt_text(steps):
    """The figure's alt text: every box and arrow, in words, with the code the figure shows."""
    boxes = "; ".join(
        f"{n} {name}: {code}" for n, name, code in steps if name != "repeat"
    )
    repeat = next((n, code) for n, name, code in steps if name == "repeat")
    return (
        f"The seven steps of training, as boxes from top to bottom, each with its line of PyTorch "
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
    """Boxes for the steps that do something, top to bottom, and the arrow of "repeat" looping back."""
    with render.themed(theme) as p:
        fig = render.new_figure(7.6, 5.6)
        fig.set_layout_engine("none")  # one axes filling the figure: nothing to lay out
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(0, 10.8)
        ax.set_ylim(0, 7.6)
        ax.axis("off")
        boxes = [s for s in steps if s[1] != "repeat"]
        number, _, repeat_code = next(s for s in steps if s[1] == "repeat")
        row = {name: 6.95 - 1.2 * i for i, (_, name, _) in enumerate(boxes)}
        right = 7.55  # where the boxes end and the loop starts
        for n, name, code in boxes:
            y = row[name]
            colour = p["cycle"][0] if name in LOOP else p["muted"]
            ax.add_patch(
                FancyBboxPatch(
                    (0.3, y - 0.42),
                    right - 0.3,
                    0.84,
                    boxstyle="round,pad=0,rounding_size=0.15",
                    facecolor=p["bg"],
                    edgecolor=colour,
                    linewidth=1.6,
                )
            )
            ax.text(
                0.6,
                y + 0.18,
                f"{n}  {name}",
                va="center",
                ha="left",
                fontsize=12.5,
                fontweight="bold",
                color=colour,
            )
            ax.text(
                0.6,
                y - 0.2,
                code,
                va="center",
                ha="left",
                family="monospace",
                fontsize=10,
                color=p["fg"],
            )
        for (_, above, _), (_, below, _) in itertools.pairwise(boxes):
            ax.add_patch(
                FancyArrowPatch(
                    (4.0, row[above] - 0.43),
                    (4.0, row[below] + 0.43),
                    arrowstyle="-|>",
                    mutation_scale=12,
                    color=p["muted"],
                    linewidth=1.3,
                )
            )
        ax.add_patch(
            FancyArrowPatch(
                (right, row[LOOP[-1]]),
                (right, row[LOOP[0]]),
                connectionstyle="arc3,rad=0.4",
                arrowstyle="-|>",
                mutation_scale=14,
                color=p["cycle"][1],
                linewidth=2,
            )
        )
        middle = (row[LOOP[0]] + row[LOOP[-1]]) / 2
        ax.text(
            right + 0.8,
            middle + 0.2,
            f"{number}  repeat",
            va="center",
            ha="left",
            fontsize=12.5,
            fontweight="bold",
            color=p["cycle"][1],
        )
        ax.text(
            right + 0.8,
            middle - 0.2,
            repeat_code.removesuffix(":"),
            va="center",
            ha="left",
            family="monospace",
            fontsize=9,
            color=p["fg"],
        )
    return fig
