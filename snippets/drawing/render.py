"""Turn figures and animation frames into image files for the site, and the HTML that shows them.

Every chapter draws through this module, so it is the one place that writes files. It draws each
figure twice, for Material's light and dark palettes, and returns an HTML `<figure>` holding two
`<img>` tags marked `#only-light` and `#only-dark`. Image sources are relative to the site root and
start with `figures/`; the MkDocs hook (hooks.py) copies the files into the built site and rewrites
the sources relative to each page. Files go to a git-ignored folder outside `docs/`, so a build never
writes into the sources (the live server would rebuild forever).

Tested in tests/test_render.py.
"""

import html
import io
import itertools
import json
import os
from contextlib import contextmanager
from dataclasses import dataclass, field

import matplotlib
import matplotlib.layout_engine
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure
from PIL import Image

from snippets.drawing import FIGURES_DIR, FIGURES_URL

THEMES = ("light", "dark")

# Budgets for animations, so that pages stay light: a GIF is at most this many frames and pixels.
# tests/test_site.py also holds every built GIF to 300 KB and every page to 1.5 MB of images.
MAX_GIF_FRAMES = 150
MAX_GIF_SIZE = (800, 450)  # width, height

# Page backgrounds of Material's `default` and `slate` schemes, so figures sit flush on the page.
# The accent colours are the Okabe-Ito palette (safe for colour-blind readers), lightened for dark.
PALETTES = {
    "light": {
        "bg": "#ffffff",
        "fg": "#1f2328",
        "muted": "#6b7280",
        "grid": "#e5e7eb",
        "cycle": ["#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9"],
    },
    "dark": {
        "bg": "#1e2029",
        "fg": "#e3e5eb",
        "muted": "#9ca3af",
        "grid": "#363a47",
        "cycle": ["#56b4e9", "#ff9e5e", "#3fd4a8", "#e49ccb", "#f0c050", "#9ecbf0"],
    },
}
# One colour, one meaning, on every figure of the book (take them as `p["role"]["wrong"]`):
# "path" the run the figure is about (gradient descent's path, the fitted model, the loss curve);
# "wrong" what goes wrong or away (uphill, divergence, an error, a loss that rises);
# "answer" where it should end (the minimum, least squares, the truth, downhill, a run that works);
# "data" the data points and what stands out among them (an outlier, a misread digit);
# "second" and "third" the methods a figure compares with the first (momentum, another batch size).
ROLES = ("path", "wrong", "answer", "data", "second", "third")
for _palette in PALETTES.values():
    _palette["role"] = dict(zip(ROLES, _palette["cycle"], strict=True))

_FIXED = {
    "font.size": 11,
    "axes.titlesize": 11,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.linewidth": 0.8,
    "legend.frameon": False,
    "lines.linewidth": 2.2,
}
# Read when a figure is saved, not when it is drawn, so figure_bytes sets them itself.
_SAVE = {
    "svg.hashsalt": "sgd-by-example",  # stable ids inside SVG files: reproducible output
    "svg.fonttype": "path",  # text as outlines: the page needs no font
}


def style(theme):
    """Return the matplotlib rcParams for `theme` ("light" or "dark")."""
    if theme not in PALETTES:
        raise ValueError(f"theme must be one of {THEMES}, got {theme!r}")
    p = PALETTES[theme]
    return {
        **_FIXED,
        "figure.facecolor": p["bg"],
        "axes.facecolor": p["bg"],
        "savefig.facecolor": p["bg"],
        "text.color": p["fg"],
        "axes.labelcolor": p["fg"],
        "axes.titlecolor": p["fg"],
        "axes.edgecolor": p["muted"],
        "xtick.color": p["muted"],
        "ytick.color": p["muted"],
        "xtick.labelcolor": p["fg"],
        "ytick.labelcolor": p["fg"],
        "grid.color": p["grid"],
        "legend.labelcolor": p["fg"],
        "axes.prop_cycle": matplotlib.cycler(color=p["cycle"]),
    }


@contextmanager
def themed(theme):
    """Within this block, new figures, axes, lines and legends take `theme`'s colours.

    It yields the palette. Give artists its colours (`p["cycle"][0]`), not "C0": matplotlib looks
    "CN" up when the figure is drawn or saved, which is after this block has ended.
    """
    with matplotlib.rc_context(style(theme)):
        yield PALETTES[theme]


def new_figure(width=6.4, height=4.0):
    """Return a Figure of `width` x `height` inches with an Agg canvas attached (no pyplot state)."""
    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def blit_frames(fig, artists, update, states):
    """Return one RGB frame per state: `update(state)` changes `artists`, and only they are redrawn.

    The rest of the figure (axes, ticks, data) is drawn once and reused as the background of every
    frame, which is what makes an animation of a hundred frames cheap.
    """
    for artist in artists:
        artist.set_animated(True)
    fig.canvas.draw()
    fig.set_layout_engine("none")  # freeze the layout found by that first draw
    background = fig.canvas.copy_from_bbox(fig.bbox)
    frames = []
    for state in states:
        update(state)
        fig.canvas.restore_region(background)
        for artist in artists:
            fig.draw_artist(artist)
        frames.append(np.asarray(fig.canvas.buffer_rgba())[..., :3].copy())
    return frames


def settle_layout(fig):
    """Lay `fig` out now, round each axes' position to 1e-6 of the figure, and freeze the layout.

    Constrained layout measures text, and the last bits of those measurements depend on what the
    process drew before; an SVG names its clip paths after the unrounded axes box, so without the
    rounding the same figure could be saved with different ids from one build to the next.
    """
    engine = fig.get_layout_engine()
    if engine is not None and not isinstance(
        engine, matplotlib.layout_engine.PlaceHolderLayoutEngine
    ):
        engine.execute(fig)
        for ax in fig.axes:
            box = [round(v, 6) for v in ax.get_position(original=True).bounds]
            ax.set_position(box, which="both")
        fig.set_layout_engine("none")
    return fig


def figure_bytes(fig, fmt="svg"):
    """Return `fig` encoded as SVG or PNG, with no timestamps so equal figures give equal bytes."""
    if fmt not in ("svg", "png"):
        raise ValueError(f"fmt must be 'svg' or 'png', got {fmt!r}")
    settle_layout(fig)
    buf = io.BytesIO()
    meta = {"Date": None} if fmt == "svg" else {"Software": None}
    # PNGs are drawn at twice the page's pixel size so they stay sharp on high-density screens.
    with matplotlib.rc_context(_SAVE):
        fig.savefig(buf, format=fmt, dpi=200 if fmt == "png" else 100, metadata=meta)
    return buf.getvalue()


def gif_bytes(frames, fps=12, hold=1.5, colors=64):
    """Return `frames` (RGB arrays of one shape) as a looping GIF.

    All frames share one palette and none is dithered, so a pixel that did not change keeps its
    palette index; those pixels are stored as transparent (showing the frame below), which the
    GIF's compression shrinks to almost nothing. The last frame is held `hold` seconds.
    """
    frames = [np.asarray(f, dtype=np.uint8) for f in frames]
    if len(frames) < 2:
        raise ValueError(f"an animation needs at least 2 frames, got {len(frames)}")
    if any(
        f.ndim != 3 or f.shape != frames[0].shape or f.shape[2] != 3 for f in frames
    ):
        raise ValueError(
            "frames must all be RGB arrays of the same (height, width, 3) shape"
        )
    if len(frames) > MAX_GIF_FRAMES:
        raise ValueError(
            f"an animation may have at most {MAX_GIF_FRAMES} frames, got {len(frames)}"
        )
    height, width = frames[0].shape[:2]
    if width > MAX_GIF_SIZE[0] or height > MAX_GIF_SIZE[1]:
        raise ValueError(
            f"an animation may be at most {MAX_GIF_SIZE[0]}x{MAX_GIF_SIZE[1]} pixels, "
            f"got {width}x{height}"
        )
    if fps <= 0:
        raise ValueError(f"fps must be positive, got {fps}")
    if not 2 <= colors <= 255:
        raise ValueError(f"colors must be between 2 and 255, got {colors}")
    # The palette comes from the first, middle and last frames stacked: they hold every colour.
    # One index is kept free to mean "transparent".
    sample = np.concatenate([frames[0], frames[len(frames) // 2], frames[-1]], axis=0)
    palette = Image.fromarray(sample).quantize(
        colors=colors, method=Image.Quantize.MAXCOVERAGE, dither=Image.Dither.NONE
    )
    indices = [
        np.asarray(
            Image.fromarray(f).quantize(palette=palette, dither=Image.Dither.NONE)
        )
        for f in frames
    ]
    clear = colors
    images = []
    for i, index in enumerate(indices):
        out = index.copy()
        if i > 0:
            out[index == indices[i - 1]] = clear
        image = Image.fromarray(out, mode="P")
        image.putpalette([*palette.getpalette()[: 3 * colors], 0, 0, 0])
        images.append(image)
    step_ms = round(1000 / fps)
    durations = [step_ms] * (len(images) - 1) + [round(1000 * hold)]
    buf = io.BytesIO()
    images[0].save(
        buf,
        format="GIF",
        save_all=True,
        append_images=images[1:],
        duration=durations,
        loop=0,
        optimize=False,
        transparency=clear,
        disposal=1,
    )
    return buf.getvalue()


def _write(data, filename):
    """Write `data` to FIGURES_DIR/filename (only if it changed) and return its site path."""
    FIGURES_DIR.mkdir(parents=True, exist_ok=True)
    path = FIGURES_DIR / filename
    if not path.exists() or path.read_bytes() != data:
        partial = path.with_name(
            f".{filename}.{os.getpid()}"
        )  # whole file or none: builds may share
        partial.write_bytes(data)
        partial.replace(path)
    return FIGURES_URL + filename


def _size(data, fig=None):
    """Return the (width, height) in CSS pixels at which an image is shown."""
    if fig is not None:
        w, h = fig.get_size_inches() * 100
        return round(w), round(h)
    with Image.open(io.BytesIO(data)) as im:
        return im.size


def _html(sources, alt, caption, size, preview=None):
    """Return a <figure> with one <img> per theme and an optional caption.

    `preview` is the site path of an image a link preview may show for the page (a PNG or GIF:
    previews do not show SVG); the build reads it from the figure's data-preview attribute.
    """
    w, h = size
    alt = html.escape(alt, quote=True)
    imgs = "\n".join(
        f'<img src="{src}#only-{theme}" alt="{alt}" width="{w}" height="{h}" loading="lazy">'
        for theme, src in sources.items()
    )
    cap = f"\n<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
    marked = f' data-preview="{preview}"' if preview else ""
    return f'<figure class="sgd-figure"{marked}>\n{imgs}{cap}\n</figure>\n'


def _check_name(name, alt):
    if not name or not all(c.isalnum() or c in "-_" for c in name):
        raise ValueError(f"name must be letters, digits, '-' or '_', got {name!r}")
    if not alt or not alt.strip():
        raise ValueError(f"figure {name!r} needs alt text that says what it shows")


def figure(plot, *args, name, alt, caption=None, fmt="svg", preview=False, **kwargs):
    """Draw `plot(*args, theme=..., **kwargs)` in both themes; save; return the HTML that shows it.

    `plot` returns a matplotlib Figure. Files are saved as figures/<name>-<theme>.<fmt>. With
    `preview`, the light figure is also saved as figures/<name>-preview.png, the image of the
    page's link preview.
    """
    _check_name(name, alt)
    sources, size, shown = {}, None, None
    for theme in THEMES:
        fig = plot(*args, theme=theme, **kwargs)
        data = figure_bytes(fig, fmt)
        size = _size(data, fig)
        sources[theme] = _write(data, f"{name}-{theme}.{fmt}")
        if preview and theme == "light":
            shown = (
                sources[theme]
                if fmt == "png"
                else _write(figure_bytes(fig, "png"), f"{name}-preview.png")
            )
    return _html(sources, alt, caption, size, preview=shown)


def frame_steps(count, every=1):
    """The steps 0, every, 2 every, ... of a run of `count` states that an animation shows, always
    ending on the last one."""
    if every < 1:
        raise ValueError(f"every must be at least 1, got {every}")
    steps = list(range(0, count, every))
    if steps[-1] != count - 1:
        steps.append(count - 1)
    return steps


def animation(
    animate,
    *args,
    name,
    alt,
    caption=None,
    fps=12,
    hold=1.5,
    preview=False,
    labels=None,
    **kwargs,
):
    """Draw `animate(*args, theme=..., **kwargs)` frames in both themes; save GIFs; return the HTML.

    Each theme gets figures/<name>-<theme>.gif, the animation a reader can save, and
    figures/<name>-<theme>-still.png, its last frame: what the page shows until the animation
    plays (for a reader who asks for reduced motion, until they press play). The figure carries a
    player (docs/javascripts/figures.js: play and pause, a frame back or forward, a scrubber) that
    shows `labels[i]` for frame i (by default "frame i of n"). With `preview`, the light GIF is
    the image of the page's link preview.
    """
    _check_name(name, alt)
    sources, stills, size, count = {}, {}, None, None
    for theme in THEMES:
        frames = list(animate(*args, theme=theme, **kwargs))
        data = gif_bytes(frames, fps=fps, hold=hold)
        size, count = _size(data), len(frames)
        sources[theme] = _write(data, f"{name}-{theme}.gif")
        still = io.BytesIO()
        Image.fromarray(np.asarray(frames[-1], dtype=np.uint8)).quantize(
            colors=64, method=Image.Quantize.MAXCOVERAGE, dither=Image.Dither.NONE
        ).save(still, format="PNG", optimize=True)
        stills[theme] = _write(still.getvalue(), f"{name}-{theme}-still.png")
    if labels is None:
        labels = [f"frame {i + 1} of {count}" for i in range(count)]
    labels = list(labels)
    if len(labels) != count:
        raise ValueError(
            f"need one label per frame: animation {name!r} has {count} frames, got {len(labels)} labels"
        )
    w, h = size
    text = html.escape(alt, quote=True)
    # The page shows each palette's still, 10 KB where the GIF is 100 KB or more, so an animation
    # never holds up a page's first paint; the player fetches the GIF (data-gif) when it plays.
    # Without JavaScript the GIF itself shows (<noscript>; overrides/main.html hides the stills).
    pictures = "\n".join(
        f'<picture><img src="{stills[theme]}#only-{theme}" data-gif="{src}" alt="{text}" '
        f'width="{w}" height="{h}" loading="lazy" class="sgd-still"></picture>'
        f'<noscript><img src="{src}#only-{theme}" alt="{text}" width="{w}" height="{h}" '
        f'class="sgd-still"></noscript>'
        for theme, src in sources.items()
    )
    saves = "".join(
        f'<a class="sgd-player__save sgd-only-{theme}" href="{src}" download>GIF</a>'
        for theme, src in sources.items()
    )
    player = (
        f'<div class="sgd-player" role="group" aria-label="Animation controls" hidden>'
        f'<button type="button" class="sgd-player__play" aria-label="Play">'
        f'<span aria-hidden="true"></span></button>'
        f'<button type="button" class="sgd-player__back" aria-label="One frame back">'
        f'<span aria-hidden="true">&#10073;&#9664;&#xFE0E;</span></button>'
        f'<button type="button" class="sgd-player__forward" aria-label="One frame forward">'
        f'<span aria-hidden="true">&#9654;&#xFE0E;&#10073;</span></button>'
        f'<input type="range" class="sgd-player__scrub" min="0" max="{count - 1}" step="1" '
        f'value="{count - 1}" aria-label="Frame" aria-valuetext="{html.escape(labels[-1])}">'
        f'<output class="sgd-player__label">{html.escape(labels[-1])}</output>'
        f'<button type="button" class="sgd-player__full" aria-pressed="false">Full size</button>'
        f"{saves}</div>"
    )
    cap = f"\n<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
    marked = f' data-preview="{sources["light"]}"' if preview else ""
    data = html.escape(json.dumps(labels), quote=True)
    return (
        f'<figure class="sgd-figure sgd-animation" id="{name}" data-labels="{data}"{marked}>\n'
        f'<div class="sgd-animation__frame">{pictures}</div>\n{player}{cap}\n</figure>\n'
    )


# Budgets for explorables: frames per palette, and bytes of frames on disk for one explorable.
# (tests/test_site.py holds each page's images loaded up front to PAGE_IMAGES_BUDGET as well.)
MAX_EXPLORABLE_FRAMES = 800
EXPLORABLE_BYTES_BUDGET = 6_000_000
KNOB_KINDS = ("range", "buttons", "steps")


@dataclass(frozen=True)
class Knob:
    """One control of an explorable: which value of `values` the figure shows for `key`.

    `kind` is "range" (a slider), "buttons" (one button per value, a radio group) or "steps" (a
    scrubber over a precomputed path, with buttons that go 1, 10 and 100 steps on; `values` are
    the step numbers, increasing). `labels` are the texts shown and spoken for each value (by
    default the value itself); `start` the value shown first (and without JavaScript).
    `marks` maps a position on a slider (an index into `values`, fractional between two values)
    to a short text written under it, for a special value such as a cliff. `points`, one (x, y)
    per value in the data coordinates of `fig.axes[axes]`, lets the reader choose the value by
    clicking the figure: the nearest point wins.
    """

    key: str
    label: str
    values: tuple
    labels: tuple = None
    kind: str = "range"
    start: int = 0
    marks: dict = field(default_factory=dict)
    points: tuple = None
    axes: int = 0

    def __post_init__(self):
        if not self.key or not all(c.isalnum() for c in self.key):
            raise ValueError(f"key must be letters and digits, got {self.key!r}")
        if not self.label or not self.label.strip():
            raise ValueError(
                f"knob {self.key!r} needs a label that says what it changes"
            )
        values = tuple(self.values)
        object.__setattr__(self, "values", values)
        if len(values) < 2:
            raise ValueError(
                f"knob {self.key!r} needs at least 2 values, got {len(values)}"
            )
        labels = (
            tuple(f"{v:g}" if isinstance(v, (int, float)) else str(v) for v in values)
            if self.labels is None
            else tuple(self.labels)
        )
        object.__setattr__(self, "labels", labels)
        if len(labels) != len(values) or not all(t and str(t).strip() for t in labels):
            raise ValueError(f"knob {self.key!r} needs one label per value, none empty")
        if self.kind not in KNOB_KINDS:
            raise ValueError(f"kind must be one of {KNOB_KINDS}, got {self.kind!r}")
        if not 0 <= self.start < len(values):
            raise ValueError(
                f"start of knob {self.key!r} must index its values, got {self.start}"
            )
        if self.kind == "steps" and list(values) != sorted(set(values)):
            raise ValueError(f"the steps of knob {self.key!r} must increase")
        for at in self.marks:
            if not 0 <= at <= len(values) - 1:
                raise ValueError(
                    f"mark {at} of knob {self.key!r} lies outside its values"
                )
        if self.points is not None:
            points = tuple((float(x), float(y)) for x, y in self.points)
            if len(points) != len(values):
                raise ValueError(f"knob {self.key!r} needs one point per value")
            object.__setattr__(self, "points", points)


END_MARK = ' class="sgd-knob__mark--end"'  # a mark near a slider's right end: its text ends there


def _knob_html(name, knob, index):
    """The control of one knob: a slider, a radio group, or a step scrubber with its buttons."""
    key, label = html.escape(knob.key), html.escape(knob.label)
    texts = html.escape(json.dumps(list(knob.labels)), quote=True)
    shown = html.escape(knob.labels[knob.start])
    last = len(knob.values) - 1
    data = f'data-key="{key}" data-index="{index}"'
    if knob.kind == "buttons":
        options = "".join(
            f'<label><input type="radio" name="{name}-{key}" value="{i}"'
            f"{' checked' if i == knob.start else ''}> {html.escape(t)}</label>"
            for i, t in enumerate(knob.labels)
        )
        return (
            f'<fieldset class="sgd-knob sgd-knob--buttons" {data}>'
            f"<legend>{label}</legend>{options}</fieldset>"
        )
    slider = (
        f'<input type="range" min="0" max="{last}" step="1" value="{knob.start}" '
        f'aria-label="{label}" aria-valuetext="{shown}" data-labels="{texts}">'
    )
    marks = "".join(
        f"<span{END_MARK if at / last > 0.75 else ''} "
        f'style="left: {100 * at / last:.2f}%">{html.escape(text)}</span>'
        for at, text in sorted(knob.marks.items())
    )
    marks = (
        f'<div class="sgd-knob__marks" aria-hidden="true">{marks}</div>'
        if marks
        else ""
    )
    if knob.kind == "range":
        return (
            f'<div class="sgd-knob sgd-knob--range" {data}><span class="sgd-knob__name" '
            f'aria-hidden="true">{label}</span><div class="sgd-knob__track">{slider}{marks}</div>'
            f"<output>{shown}</output></div>"
        )
    steps = html.escape(json.dumps(list(knob.values)), quote=True)
    # each name holds its button's visible text: a speech-input user says what they see
    buttons = "".join(
        f'<button type="button" data-by="{by}" aria-label="{text}">{face}</button>'
        for by, face, text in (
            (0, "&#8634;&#xFE0E;", f"Back to {knob.labels[0]}"),
            (1, "+1", "+1 step"),
            (10, "+10", "+10 steps"),
            (100, "+100", "+100 steps"),
        )
    )
    return (
        f'<div class="sgd-knob sgd-knob--steps" {data} data-steps="{steps}">'
        f'<span class="sgd-knob__name" aria-hidden="true">{label}</span>{buttons}'
        f'<div class="sgd-knob__track">{slider}{marks}</div><output>{shown}</output></div>'
    )


def _blitter(fig, artists, update):
    """A function from a state to its frame as a PIL RGB image, drawn as blit_frames draws: the
    figure once, then only `artists`, set by `update(state)`, over a copy of the rest."""
    for artist in artists:
        artist.set_animated(True)
    fig.canvas.draw()
    fig.set_layout_engine("none")
    background = fig.canvas.copy_from_bbox(fig.bbox)
    size = fig.canvas.get_width_height()

    def draw(state):
        update(state)
        fig.canvas.restore_region(background)
        for artist in artists:
            fig.draw_artist(artist)
        rgba = Image.frombuffer(
            "RGBA", size, fig.canvas.buffer_rgba(), "raw", "RGBA", 0, 1
        )
        return rgba.convert("RGB")

    return draw


def explorable(scene, knobs, *args, name, alt, caption=None, dpi=150, **kwargs):
    """Draw every combination of the knobs' values in both themes; return a figure the reader drives.

    `scene(*args, theme=..., **kwargs)` returns `(fig, artists, update)`: a Figure drawn once,
    the artists that change, and `update(state)`, which sets them for `state`, a dict from each
    knob's key to one of its values. Only the artists are redrawn for each state (render.
    blit_frames), which keeps hundreds of frames cheap. `alt(state)` is each frame's alt text.

    Each frame is saved as figures/<name>-<i>-<j>-...-<theme>.png (the knobs' value indices), and
    figures/<name>.json lists them with their alt texts. The page holds only the `start` frame;
    docs/javascripts/figures.js fetches the others when the reader moves a knob (and their
    neighbours), keeps the state in the address (?<name>=i-j-...) so a link shows the same view,
    and lets a click on the figure choose the nearest of a knob's `points`.
    """
    knobs = list(knobs)
    _check_name(name, "alt texts are checked below")
    if not knobs or not all(isinstance(k, Knob) for k in knobs):
        raise TypeError("knobs must be a non-empty list of render.Knob")
    if len({k.key for k in knobs}) != len(knobs):
        raise ValueError(f"explorable {name!r} has two knobs with one key")
    if not callable(alt):
        raise TypeError("alt must be a function from a state to its alt text")
    shape = [len(k.values) for k in knobs]
    combos = list(itertools.product(*(range(n) for n in shape)))
    if len(combos) > MAX_EXPLORABLE_FRAMES:
        raise ValueError(
            f"explorable {name!r} has {len(combos)} frames; at most {MAX_EXPLORABLE_FRAMES}"
        )
    states = [{k.key: k.values[i] for k, i in zip(knobs, c)} for c in combos]
    alts = [alt(state) for state in states]
    if not all(a and a.strip() for a in alts):
        raise ValueError(f"every frame of explorable {name!r} needs alt text")
    files, size, points, total = {}, None, {}, 0
    for theme in THEMES:
        fig, artists, update = scene(*args, theme=theme, **kwargs)
        size = _size(None, fig)
        fig.set_dpi(dpi)
        settle_layout(fig)
        draw = _blitter(fig, artists, update)
        # one palette for all frames, from the first, middle and last stacked, and no dithering:
        # a pixel keeps its colour from frame to frame; 128 colours keep grid lines grey
        sample = [draw(states[j]) for j in (0, len(states) // 2, len(states) - 1)]
        stack = Image.new("RGB", (sample[0].width, 3 * sample[0].height))
        for k, image in enumerate(sample):
            stack.paste(image, (0, k * image.height))
        palette = stack.quantize(
            colors=128, method=Image.Quantize.MAXCOVERAGE, dither=Image.Dither.NONE
        )
        files[theme] = []
        for combo, state in zip(combos, states):
            buf = io.BytesIO()
            draw(state).quantize(palette=palette, dither=Image.Dither.NONE).save(
                buf, format="PNG", compress_level=6
            )
            total += len(buf.getvalue())
            filename = f"{name}-{'-'.join(map(str, combo))}-{theme}.png"
            files[theme].append(_write(buf.getvalue(), filename)[len(FIGURES_URL) :])
        # where each knob's points lie in the image, from its top left
        if theme == "light":
            for k in knobs:
                if k.points is not None:
                    to_pixels = fig.axes[k.axes].transData.transform(np.array(k.points))
                    w, h = fig.bbox.width, fig.bbox.height
                    points[k.key] = [
                        [round(x / w, 4), round(1 - y / h, 4)] for x, y in to_pixels
                    ]
    if total > 2 * EXPLORABLE_BYTES_BUDGET:
        raise ValueError(
            f"explorable {name!r} has {total} bytes of frames; at most {EXPLORABLE_BYTES_BUDGET} a palette"
        )
    manifest = json.dumps(
        {"shape": shape, "keys": [k.key for k in knobs], "alt": alts, "files": files},
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()
    source = _write(manifest, f"{name}.json")
    start = combos.index(tuple(k.start for k in knobs))
    w, h = size
    text = html.escape(alts[start], quote=True)
    imgs = "\n".join(
        f'<img src="{FIGURES_URL}{files[theme][start]}#only-{theme}" alt="{text}" width="{w}" '
        f'height="{h}" loading="lazy" class="sgd-frame">'
        for theme in THEMES
    )
    controls = "".join(_knob_html(name, k, i) for i, k in enumerate(knobs))
    picks = html.escape(json.dumps(points), quote=True)
    cap = f"\n<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
    return (
        f'<figure class="sgd-figure sgd-explorable" id="{name}" data-manifest="{source}" '
        f'data-points="{picks}">\n<div class="sgd-explorable__frame">{imgs}</div>\n'
        f'<div class="sgd-explorable__controls" role="group" aria-label="Figure controls" hidden>'
        f'{controls}<button type="button" class="sgd-explorable__full" aria-pressed="false">'
        f"Full size</button></div>{cap}\n</figure>\n"
    )


def ink(p):
    """A colormap from the page's background to its text colour: digits drawn like ink on the page."""
    return LinearSegmentedColormap.from_list("ink", [p["bg"], p["fg"]])


def digit_mosaic(rows, gap=2):
    """Tile rows of 64-pixel images into one array, 8x8 each, with `gap` NaN pixels between."""
    n = max(len(r) for r in rows)
    step = 8 + gap
    mosaic = np.full((len(rows) * step - gap, n * step - gap), np.nan)
    for r, images in enumerate(rows):
        for c, image in enumerate(images):
            mosaic[r * step : r * step + 8, c * step : c * step + 8] = image.reshape(
                8, 8
            ).numpy()
    return mosaic
