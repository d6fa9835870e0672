"""The rendering module: files for both themes, honest HTML, GIFs that decode to what was drawn."""

import html
import io
import json
import re

import numpy as np
import pytest
from PIL import Image

from snippets.drawing import render


def tiny_plot(theme):
    with render.themed(theme):
        fig = render.new_figure(3, 2)
        fig.add_subplot().plot([0, 1, 2], [1, 0, 2])
    return fig


def moving_dot(n=6, size=(40, 60)):
    """Frames of a white square moving across a black image: easy to check after encoding."""
    frames = []
    for i in range(n):
        f = np.zeros((*size, 3), dtype=np.uint8)
        f[10:20, 5 + 8 * i : 15 + 8 * i] = (255, 255, 255)
        frames.append(f)
    return frames


@pytest.fixture
def figures_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(render, "FIGURES_DIR", tmp_path)
    return tmp_path


def test_figure_writes_a_file_per_theme_and_returns_img_tags_for_both(figures_dir):
    out = render.figure(tiny_plot, name="tiny", alt="A line that dips and rises.")
    assert sorted(p.name for p in figures_dir.iterdir()) == [
        "tiny-dark.svg",
        "tiny-light.svg",
    ]
    imgs = re.findall(r"<img [^>]*>", out)
    assert [re.search(r'src="([^"]+)"', i)[1] for i in imgs] == [
        "figures/tiny-light.svg#only-light",
        "figures/tiny-dark.svg#only-dark",
    ]
    for img in imgs:
        assert 'alt="A line that dips and rises."' in img
        assert (
            'width="300"' in img and 'height="200"' in img and 'loading="lazy"' in img
        )
    assert "base64" not in out and "data:" not in out


def test_light_and_dark_files_differ(figures_dir):
    render.figure(tiny_plot, name="tiny", alt="x", fmt="png")
    assert (figures_dir / "tiny-light.png").read_bytes() != (
        figures_dir / "tiny-dark.png"
    ).read_bytes()


@pytest.mark.parametrize("fmt", ["svg", "png"])
def test_same_figure_gives_the_same_bytes(fmt):
    assert render.figure_bytes(tiny_plot("light"), fmt) == render.figure_bytes(
        tiny_plot("light"), fmt
    )


def test_gif_decodes_to_the_frames_that_were_drawn():
    frames = moving_dot()
    gif = Image.open(io.BytesIO(render.gif_bytes(frames, fps=10)))
    assert gif.n_frames == len(frames)
    for i, frame in enumerate(frames):
        gif.seek(i)
        decoded = np.asarray(gif.convert("RGB"))
        assert np.abs(decoded.astype(int) - frame).max() <= 8, (
            f"frame {i} decodes wrongly"
        )
    assert gif.info["loop"] == 0


def test_gif_is_reproducible_and_unchanged_pixels_cost_little():
    # a noisy background that never changes, so that a full frame is expensive to store
    rng = np.random.default_rng(0)
    background = (
        (rng.integers(0, 8, size=(200, 300, 1)) * 32).repeat(3, axis=2).astype(np.uint8)
    )
    frames = [
        np.where(dot > 0, dot, background) for dot in moving_dot(n=30, size=(200, 300))
    ]
    gif = render.gif_bytes(frames)
    assert gif == render.gif_bytes(frames)
    one_frame = len(render.gif_bytes([frames[0], frames[0]]))
    assert len(gif) < 2 * one_frame  # thirty frames cost less than two full ones


def test_animation_writes_gifs_and_stills_for_both_themes_and_a_player(figures_dir):
    out = render.animation(
        lambda theme: moving_dot(),
        name="dot",
        alt="A square moves right.",
        labels=[f"step {t}" for t in range(6)],
    )
    assert sorted(p.name for p in figures_dir.iterdir()) == [
        "dot-dark-still.png",
        "dot-dark.gif",
        "dot-light-still.png",
        "dot-light.gif",
    ]
    assert 'width="60" height="40"' in out
    # the still is the last frame: the page shows it, and the player fetches the GIF to play;
    # without JavaScript the GIF shows
    with Image.open(figures_dir / "dot-light-still.png") as still:
        assert (np.asarray(still.convert("RGB")) == moving_dot()[-1]).all()
    for theme in ("light", "dark"):
        assert (
            f'<picture><img src="figures/dot-{theme}-still.png#only-{theme}" '
            f'data-gif="figures/dot-{theme}.gif"'
        ) in out
        assert f'<noscript><img src="figures/dot-{theme}.gif#only-{theme}"' in out
        assert f'href="figures/dot-{theme}.gif" download' in out  # the GIF, to save
    labels = json.loads(html.unescape(re.search(r'data-labels="([^"]*)"', out)[1]))
    assert labels == [f"step {t}" for t in range(6)]
    assert (
        'max="5"' in out and 'value="5"' in out
    )  # the scrubber starts on the last frame
    assert '<output class="sgd-player__label">step 5</output>' in out
    for control in ("play", "back", "forward", "scrub", "full"):
        assert f"sgd-player__{control}" in out


def test_an_animation_needs_one_label_per_frame(figures_dir):
    with pytest.raises(ValueError, match="6 frames, got 5 labels"):
        render.animation(
            lambda theme: moving_dot(), name="dot", alt="A dot.", labels=["a"] * 5
        )


def test_frame_steps_takes_every_nth_state_and_always_the_last():
    assert render.frame_steps(5) == [0, 1, 2, 3, 4]
    assert render.frame_steps(6, every=2) == [0, 2, 4, 5]
    assert render.frame_steps(5, every=2) == [0, 2, 4]
    with pytest.raises(ValueError, match="every"):
        render.frame_steps(5, every=0)


def dot_scene(theme):
    """A tiny explorable scene: a dot at (x, y), which update moves."""
    with render.themed(theme) as p:
        fig = render.new_figure(2, 1.5)
        ax = fig.add_subplot()
        ax.set_xlim(0, 3)
        ax.set_ylim(0, 3)
        (dot,) = ax.plot([], [], "o", color=p["cycle"][0])

    def update(state):
        dot.set_data([state["x"]], [state["y"]])

    return fig, [dot], update


def dot_knobs():
    return [
        render.Knob("x", "Across", (0, 1, 2), marks={1.6: "edge"}),
        render.Knob(
            "y", "Up", (1, 2), kind="buttons", start=1, points=((1, 1), (2, 2))
        ),
    ]


def test_explorable_draws_every_state_in_both_themes_and_the_page_shows_the_start(
    figures_dir,
):
    out = render.explorable(
        dot_scene,
        dot_knobs(),
        name="dots",
        alt=lambda s: f"A dot at {s['x']}, {s['y']}.",
        caption="A dot.",
    )
    names = sorted(p.name for p in figures_dir.iterdir())
    frames = [
        f"dots-{i}-{j}-{t}.png"
        for i in range(3)
        for j in range(2)
        for t in ("dark", "light")
    ]
    assert names == sorted(["dots.json", *frames])
    manifest = json.loads((figures_dir / "dots.json").read_text())
    assert manifest["shape"] == [3, 2] and manifest["keys"] == ["x", "y"]
    assert manifest["alt"][1] == "A dot at 0, 2." and len(manifest["alt"]) == 6
    assert manifest["files"]["dark"][5] == "dots-2-1-dark.png"
    # the states differ as drawn: the dot moves
    first = np.asarray(Image.open(figures_dir / "dots-0-0-light.png").convert("RGB"))
    last = np.asarray(Image.open(figures_dir / "dots-2-1-light.png").convert("RGB"))
    assert first.shape == (225, 300, 3) and (first != last).any()  # drawn at 150 dpi
    # the page holds the start frame only (x = 0, y = its start 2), at the figure's CSS size
    imgs = re.findall(r"<img [^>]*>", out)
    assert [re.search(r'src="([^"]+)"', i)[1] for i in imgs] == [
        "figures/dots-0-1-light.png#only-light",
        "figures/dots-0-1-dark.png#only-dark",
    ]
    assert all(
        'alt="A dot at 0, 2."' in i and 'width="200" height="150"' in i for i in imgs
    )
    assert 'data-manifest="figures/dots.json"' in out
    # a slider with its mark at 4/5 of the track (its text ends there), and a radio group for the buttons knob
    assert 'type="range" min="0" max="2" step="1" value="0"' in out
    assert 'class="sgd-knob__mark--end" style="left: 80.00%">edge</span>' in out
    assert '<input type="radio" name="dots-y" value="1" checked> 2</label>' in out
    # the points knob's points as fractions of the image from its top left
    points = json.loads(html.unescape(re.search(r'data-points="([^"]*)"', out)[1]))["y"]
    assert points[0][0] < points[1][0] and points[0][1] > points[1][1]


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: render.Knob("a b", "x", (1, 2)), "key must be"),
        (lambda: render.Knob("a", " ", (1, 2)), "needs a label"),
        (lambda: render.Knob("a", "x", (1,)), "at least 2 values"),
        (lambda: render.Knob("a", "x", (1, 2), labels=("1",)), "one label per value"),
        (lambda: render.Knob("a", "x", (1, 2), kind="dial"), "kind must be one of"),
        (lambda: render.Knob("a", "x", (1, 2), start=2), "start of knob"),
        (lambda: render.Knob("a", "x", (2, 1), kind="steps"), "must increase"),
        (
            lambda: render.Knob("a", "x", (1, 2), marks={1.5: "no"}),
            "outside its values",
        ),
        (
            lambda: render.Knob("a", "x", (1, 2), points=((0, 0),)),
            "one point per value",
        ),
        (
            lambda: render.explorable(dot_scene, dot_knobs(), name="d", alt="text"),
            "alt must be a function",
        ),
        (
            lambda: render.explorable(dot_scene, [], name="d", alt=str),
            "knobs must be a non-empty list",
        ),
        (
            lambda: render.explorable(
                dot_scene, dot_knobs()[:1] * 2, name="d", alt=str
            ),
            "two knobs",
        ),
        (
            lambda: render.explorable(
                dot_scene, dot_knobs(), name="d", alt=lambda s: " "
            ),
            "needs alt",
        ),
        (lambda: render.gif_bytes(moving_dot(n=1)), "at least 2 frames"),
        (lambda: render.gif_bytes([np.zeros((4, 4, 3)), np.zeros((5, 4, 3))]), "same"),
        (lambda: render.gif_bytes(moving_dot(), fps=0), "fps must be positive"),
        (
            lambda: render.gif_bytes(moving_dot(n=render.MAX_GIF_FRAMES + 1)),
            "at most 150 frames",
        ),
        (
            lambda: render.gif_bytes(moving_dot(size=(460, 60))),
            "at most 800x450 pixels, got 60x460",
        ),
        (lambda: render.gif_bytes(moving_dot(), colors=300), "colors must be between"),
        (lambda: render.style("sepia"), "theme must be one of"),
        (lambda: render.figure_bytes(tiny_plot("light"), "jpg"), "fmt must be"),
        (lambda: render.figure(tiny_plot, name="has space", alt="x"), "name must be"),
        (lambda: render.figure(tiny_plot, name="ok", alt="  "), "needs alt text"),
    ],
)
def test_bad_arguments_raise_a_clear_value_error(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()
