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
import json
import os
from contextlib import contextmanager

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
    figures/<name>-<theme>-still.png, its last frame: what the page shows until the animation plays
    (at once for a reader who asks for reduced motion, until they press play). The figure carries a player (docs/javascripts/figures.js: play and
    pause, a frame back or forward, a scrubber) that shows `labels[i]` for frame i (by default
    "frame i of n"). With `preview`, the light GIF is the image of the page's link preview.
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


def slider(
    plot,
    values,
    *args,
    name,
    alt,
    label,
    labels=None,
    caption=None,
    fmt="svg",
    start=0,
    **kwargs,
):
    """Draw `plot(value, *args, theme=..., **kwargs)` for every value; return a figure with a slider.

    Every frame is drawn in both themes ahead of time and saved as
    figures/<name>-<i>-<theme>.<fmt>; the page carries them all as <img> tags, and the slider (a
    plain range input, run by docs/javascripts/figures.js) shows one at a time. Without JavaScript
    the page shows frame `start`. `alt` holds one alt text per value; `labels` the text shown
    beside the slider for each value (by default the value itself).
    """
    values, alt = list(values), list(alt)
    _check_name(name, "alt texts are checked below")
    labels = [f"{v:g}" for v in values] if labels is None else list(labels)
    if len(values) < 2:
        raise ValueError(f"a slider needs at least 2 values, got {len(values)}")
    if len(alt) != len(values) or len(labels) != len(values):
        raise ValueError(
            f"need one alt text and one label per value: {len(values)} values, "
            f"{len(alt)} alt texts, {len(labels)} labels"
        )
    if not all(a and a.strip() for a in alt):
        raise ValueError(
            f"every frame of slider {name!r} needs alt text that says what it shows"
        )
    if not 0 <= start < len(values):
        raise ValueError(
            f"start must index one of the {len(values)} values, got {start}"
        )
    if not label or not label.strip():
        raise ValueError(f"slider {name!r} needs a label that says what it changes")
    imgs, size = [], None
    for i, value in enumerate(values):
        for theme in THEMES:
            fig = plot(value, *args, theme=theme, **kwargs)
            data = figure_bytes(fig, fmt)
            size = _size(data, fig)
            src = _write(data, f"{name}-{i}-{theme}.{fmt}")
            hidden = "" if i == start else " hidden"
            imgs.append(
                f'<img src="{src}#only-{theme}" alt="{html.escape(alt[i], quote=True)}" '
                f'width="{size[0]}" height="{size[1]}" loading="lazy" data-frame="{i}"'
                f"{hidden}>"
            )
    options = "".join(
        f'<option value="{i}" label="{html.escape(t, quote=True)}"></option>'
        for i, t in enumerate(labels)
    )
    texts = html.escape(json.dumps(labels), quote=True)
    cap = f"\n<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
    return (
        f'<figure class="sgd-figure sgd-slider" id="{name}">\n' + "\n".join(imgs) + "\n"
        f'<label class="sgd-slider__control"><span>{html.escape(label)}</span> '
        f'<input type="range" min="0" max="{len(values) - 1}" step="1" value="{start}" '
        f'list="{name}-marks" data-labels="{texts}" aria-valuetext="{html.escape(labels[start])}"> '
        f"<output>{html.escape(labels[start])}</output></label>"
        f'<datalist id="{name}-marks">{options}</datalist>{cap}\n</figure>\n'
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
