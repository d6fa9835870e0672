"""The home page: the seven steps drawn from fit_line.fit, the chapters in order, the README's commands."""

import ast
import html
import inspect
import re
import textwrap

import pytest
import torch

from conftest import ROOT, assert_close, chapters
from snippets import fit_line
from snippets.drawing import fit_line as draw_fit_line
from snippets.drawing import overview


def test_the_seven_steps_are_read_from_fit_numbered_one_to_seven():
    steps = overview.seven_steps()
    assert [n for n, _, _ in steps] == list(range(1, 8))
    source = inspect.getsource(fit_line.fit)
    for _, name, code in steps:
        first = code.splitlines()[0]
        assert re.search(
            rf"{re.escape(first)}\s+#\s*\d\.\s*{name}\s*$", source, re.M
        ), name
    assert (
        [name for _, name, _ in steps]
        == [
            "initialise",
            "repeat",
            "predict",
            "loss",
            "gradient",
            "step",
            "stop",
        ]
    )  # numbered in the order the code reads: "repeat" is the `for` line, above the body


def test_the_figures_boxes_pasted_in_order_are_a_loop_that_takes_fits_steps():
    # the figure's code, copied as drawn, must train: the step's box holds torch.no_grad() and
    # the zeroing (without them the update raises, and the gradients would pile up)
    code = {name: c for _, name, c in overview.seven_steps()}
    body = "\n".join(code[name] for name in overview.LOOP)
    program = "\n".join(
        [
            code["initialise"],
            code["repeat"],
            textwrap.indent(body, "    "),
        ]
    )
    x, y = fit_line.make_data(dtype=torch.float64)
    scope = {"torch": torch, "mse": fit_line.mse, "x": x, "y": y}
    scope |= {"a0": (-1.0, 1.0), "lr": 0.1, "steps": 100}
    exec(program, scope)
    assert "a.grad.zero_()" in code["step"] and "torch.no_grad()" in code["step"]
    assert_close(scope["a"].detach(), fit_line.fit(x, y)[-1], atol=1e-12)


def test_the_steps_the_figure_loops_over_are_the_body_of_fits_loop_and_no_others():
    fit = ast.parse(inspect.getsource(fit_line.fit)).body[0]
    loop = next(node for node in ast.walk(fit) if isinstance(node, ast.For))
    inside = {
        node.lineno
        for stmt in loop.body
        for node in ast.walk(stmt)
        if hasattr(node, "lineno")
    }
    lines = inspect.getsource(fit_line.fit).splitlines()
    numbered = {
        name: i + 1
        for i, line in enumerate(lines)
        for _, name, _ in overview.seven_steps()
        if re.search(rf"#\s*\d\.\s*{name}\s*$", line)
    }
    assert {name for name, line in numbered.items() if line in inside} == set(
        overview.LOOP
    )
    assert numbered["repeat"] == loop.lineno
    numbers = {name: n for n, name, _ in overview.seven_steps()}
    assert [numbers[name] for name in overview.LOOP] == list(
        range(numbers[overview.LOOP[0]], numbers[overview.LOOP[-1]] + 1)
    )


def test_a_loop_without_seven_numbered_steps_is_a_value_error(monkeypatch):
    monkeypatch.setattr(
        draw_fit_line,
        "loop_steps",
        lambda: [(1, "initialise", "a = 0"), (3, "loss", "l = 0")],
    )
    with pytest.raises(ValueError, match=r"steps 1 to 7 once each, found \[1, 3\]"):
        overview.seven_steps()


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_figure_has_a_box_per_step_an_arrow_between_them_and_one_loop(theme):
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    steps = overview.seven_steps()
    ax = overview.plot_seven_steps(steps, theme=theme).axes[0]
    boxes = [p for p in ax.patches if isinstance(p, FancyBboxPatch)]
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    assert len(boxes) == 6 and len(arrows) == 6  # "repeat" is the arrow back, not a box
    texts = {t.get_text() for t in ax.texts}
    for n, name, code in steps:
        assert f"{n}  {name}" in texts and code.removesuffix(":") in texts


def test_the_alt_text_and_caption_name_every_step_with_its_number():
    steps = overview.seven_steps()
    alt, caption = overview.alt_text(steps), overview.caption(steps)
    for n, name, code in steps:
        assert f"{n} {name}" in alt
        assert all(line.strip() in alt for line in code.splitlines())
    numbers = {name: n for n, name, _ in steps}
    assert f"Steps {numbers['predict']} to {numbers['step']} run again" in caption


def home(site):
    return (site / "index.html").read_text()


def test_the_home_page_shows_the_seven_steps_figure(site):
    html_text = home(site)
    assert 'src="figures/home-seven-steps-light.svg#only-light"' in html_text
    assert 'src="figures/home-seven-steps-dark.svg#only-dark"' in html_text


def test_the_home_page_lists_every_chapter_in_the_navs_reading_order(site):
    # a numbered list, not a table: a table's "#" column took a fifth of a phone's width
    listing = re.search(
        r"<h2 id=\"chapters-in-reading-order\">.*?<ol>(.*?)</ol>",
        home(site),
        re.S,
    )[1]
    listed = re.findall(r'<li><strong><a href="([^"]+)/">', listing)
    urls = [url.strip("/") for _, url in chapters()]
    assert listed == urls
    assert (
        "<table>"
        not in home(site).split('id="chapters-in-reading-order"')[1].split("<h2")[0]
    )


def test_chapters_1_to_5_work_on_the_line_and_chapter_2_also_trains_a_classifier():
    # the home page: "Chapters 1 to 5 take the loop apart ..., mostly on the line of chapter 1
    # (chapter 2 also trains a first classifier, of handwritten 3s and 7s ...)"
    from snippets import gradients, learning_rate, loss_functions, mini_batches

    for lesson in (loss_functions, gradients, learning_rate, mini_batches):
        assert lesson.make_data is fit_line.make_data, lesson.__name__
    (x, y), _ = loss_functions.load_threes_and_sevens()
    _, _, history = loss_functions.train(x, y, steps=3)
    assert set(y.tolist()) == {0.0, 1.0} and history[-1] < history[0]


def test_the_home_page_shows_the_fit_animation_of_the_first_chapter(site):
    html_text = home(site)
    assert 'data-gif="figures/home-fit-light.gif"' in html_text
    x, y = fit_line.make_data()
    alt = draw_fit_line.animation_alt(x, y, fit_line.fit(x, y))
    assert html.escape(alt, quote=True) in html_text


def test_the_home_page_gives_the_readmes_two_commands_as_written(site):
    readme = (ROOT / "README.md").read_text()
    setup = readme.split("## Set up", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```bash\n(.*?)\n```", setup, re.S)
    assert len(commands) == 2, "the README holds exactly two set-up commands"
    page = re.sub(r"<[^>]+>", "", home(site)).replace("&amp;", "&").replace("&gt;", ">")
    for command in commands:
        assert command in page, command
