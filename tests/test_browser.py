"""Every page of the built site, as a reader's browser shows it (Playwright driving Debian's Chromium).

The tests walk the nav, so a new chapter is covered without editing them. Light and dark
screenshots of each page are saved to test-output/screenshots/. Without Chromium (Debian's
`chromium` package) these tests are skipped; `.ci/run` installs it, so CI always runs them.
"""

import json
import os
import re
import shutil
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from conftest import ROOT, nav_pages

CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
if not Path(CHROMIUM).is_file():
    pytest.skip(
        "Chromium is not installed (apt-get install chromium): browser tests skipped",
        allow_module_level=True,
    )

from axe_playwright_python.sync_playwright import Axe  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

SCREENSHOTS = ROOT / "test-output" / "screenshots"
PAGES = nav_pages()
# Notebook pages are rendered by mkdocs-jupyter, with its own markup and colours: the first
# chapter's stands for all eight (they differ only in their cells).
VISITED = [
    *PAGES,
    ("Fit a line: the notebook", "notebooks/fit-a-line/"),
    ("Licence", "licence/"),
]

# axe-core rules that fail only because of markup Material for MkDocs itself produces, not ours.
# Each is checked to still be needed: a rule listed here that no page breaks fails the test run.
# (Material's unnamed search dialog, aria-dialog-name, was one: sitebuild/theme.py names it.)
THEME_OWNED = {}


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                # as the machine's own probe starts it: no sandbox as root, no background traffic
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


class Visit:
    """One page open in a fresh browser context, with every console error and off-site request kept."""

    def __init__(
        self, browser, site_url, url, width=1280, scheme="light", motion="no-preference"
    ):
        self.context = browser.new_context(
            color_scheme=scheme,
            viewport={"width": width, "height": 900 if width > 800 else 844},
            reduced_motion=motion,
        )
        self.errors, self.offsite = [], []
        host = urlsplit(site_url).netloc

        def route(r):
            if urlsplit(r.request.url).netloc == host or r.request.url.startswith(
                ("data:", "blob:")
            ):
                r.continue_()
            else:
                self.offsite.append(r.request.url)
                r.abort()

        self.context.route("**/*", route)
        self.page = self.context.new_page()
        self.page.on(
            "console", lambda m: m.type == "error" and self.errors.append(m.text)
        )
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(site_url + url, wait_until="networkidle")

    def scheme(self):
        return self.page.evaluate("document.body.getAttribute('data-md-color-scheme')")

    def schemes(self):
        """Both palettes, the one showing first, so a test switches at most once."""
        return sorted(("default", "slate"), key=lambda scheme: scheme != self.scheme())

    def switch_to(self, scheme):
        """Click the header's palette toggle, as a reader would, until `scheme` is on."""
        for _ in range(3):
            if self.scheme() == scheme:
                return
            self.page.locator(
                "form[data-md-component=palette] label:not([hidden])"
            ).first.click()
            self.page.wait_for_timeout(100)
        assert self.scheme() == scheme, f"the palette toggle never reached {scheme}"
        self.settle()

    def settle(self):
        """Wait for the colours' transitions to end (Material eases them on a palette switch; a
        block that was skipped below the screen starts its own when it is styled)."""
        self.page.evaluate(
            "Promise.all(document.getAnimations()"
            ".filter(a => a instanceof CSSTransition).map(a => a.finished))"
        )

    def images(self):
        """Load every image the current palette shows; return [src, naturalWidth, displayed]."""
        return self.page.evaluate("""async () => {
            const other = document.body.dataset.mdColorScheme === 'slate' ? '#only-light' : '#only-dark';
            // the other palette's figures are hidden
            const imgs = [...document.images]
                .filter(i => !i.getAttribute('src').endsWith(other) && !i.hidden);
            for (const img of imgs) {
                img.loading = 'eager';
                try { await img.decode(); } catch (e) {}
            }
            return imgs.map(i => [i.getAttribute('src'), i.naturalWidth,
                                  getComputedStyle(i).display !== 'none']);
        }""")

    def close(self):
        self.context.close()


@pytest.fixture(
    scope="module", params=VISITED, ids=[url or "home" for _, url in VISITED]
)
def visit(request, browser, site_url):
    """Each page is opened once and shared by the tests below, which pytest runs page by page."""
    title, url = request.param
    v = Visit(browser, site_url, url)
    v.title, v.url = title, url
    yield v
    v.close()


def slug(url):
    return url.strip("/").replace("/", "-") or "home"


def test_every_image_loads_and_every_figure_swaps_with_the_palette(visit):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for scheme in visit.schemes():
        shown, hidden = ("#only-light", "#only-dark")[
            :: 1 if scheme == "default" else -1
        ]
        visit.switch_to(scheme)
        for src, width, displayed in visit.images():
            assert width > 0, f"{src} did not load in the {scheme} palette"
            assert displayed or not src.endswith(shown), (
                f"{src} is hidden in the {scheme} palette"
            )
        hidden_shown = visit.page.evaluate(
            f"[...document.images].filter(i => i.getAttribute('src').endsWith('{hidden}')"
            " && getComputedStyle(i).display !== 'none').length"
        )
        assert hidden_shown == 0, f"{scheme} palette still shows {hidden} figures"
        name = f"{slug(visit.url)}-{'light' if scheme == 'default' else 'dark'}.jpg"
        visit.page.screenshot(
            path=SCREENSHOTS / name, full_page=True, type="jpeg", quality=85
        )
    assert visit.errors == []


def test_every_gif_has_more_than_one_frame(visit):
    # the animations' GIFs, which the players fetch (the page shows their stills), and any other
    gifs = visit.page.evaluate(
        "[...new Set([...document.images].map(i => i.src.split('#')[0])"
        ".concat([...document.querySelectorAll('img[data-gif]')].map(i => i.dataset.gif))"
        ".map(s => new URL(s, location.href).href).filter(s => s.endsWith('.gif')))]"
    )
    if visit.page.locator("figure.sgd-animation").count():
        assert gifs, "the page's animations name no GIF"
    for src in gifs:
        frames = visit.page.evaluate(
            """async (src) => {
            const decoder = new ImageDecoder({data: (await fetch(src)).body, type: 'image/gif'});
            await decoder.completed;
            return decoder.tracks.selectedTrack.frameCount;
        }""",
            src,
        )
        assert frames > 1, f"{src} has {frames} frame"


def test_math_renders_as_laid_out_mathml(visit):
    sizes = visit.page.evaluate(
        "[...document.querySelectorAll('.md-typeset math')]"
        ".map(m => { const r = m.getBoundingClientRect(); return [r.width, r.height]; })"
    )
    assert all(w > 0 and h > 0 for w, h in sizes), (
        "a formula takes no space on the page"
    )
    text = visit.page.inner_text(".md-content")
    assert not re.search(r"\\\(|\\\[|\$\$|\\frac", text), "raw TeX is showing"


def test_every_code_block_has_a_copy_button(visit):
    missing = visit.page.evaluate(
        "[...document.querySelectorAll('.md-typeset pre > code')]"
        ".filter(c => !c.parentElement.querySelector('button[data-md-type=copy]')).length"
    )
    assert missing == 0


@pytest.fixture(scope="module")
def home(browser, site_url):
    """The home page, open once for the search tests."""
    v = Visit(browser, site_url, "")
    yield v
    v.close()


@pytest.mark.parametrize(
    "title, url", [p for p in PAGES if p[1]], ids=[u for _, u in PAGES if u]
)
def test_search_finds_each_chapter_by_a_word_from_its_title(home, title, url):
    word = max(re.findall(r"[A-Za-z]+", title), key=len)
    field = home.page.locator(".md-search__input")
    field.click()
    field.fill("")
    home.page.keyboard.type(
        word, delay=20
    )  # key by key, as Material listens for keystrokes
    # result links are the page's address with the search word added: .../fit-a-line/?h=line
    home.page.wait_for_selector(
        f".md-search-result__item a[href*='/{url}?h=']", timeout=10_000
    )
    home.page.keyboard.press("Escape")


def show_every_block(page):
    """Every block laid out and styled as a reader sees it once scrolled to it; returns the style
    to remove after. A block below the screen is skipped (content-visibility: auto), and what a
    script reads of a skipped block's styles can be the other palette's after a palette switch."""
    return page.add_style_tag(
        content=".md-content__inner * { content-visibility: visible !important; }"
    )


axe_violations = {}


def test_no_serious_or_critical_accessibility_violation(visit):
    found = set()
    # Every rule in the light palette; in the dark one only contrast, the one rule colours change.
    # Contrast is checked outside code blocks here: their thousands of tokens made axe slow, and
    # they are checked one colour per token kind by the test below.
    contrast_only = {"runOnly": ["color-contrast"]}
    runs = [
        ("default", None, {"rules": {"color-contrast": {"enabled": False}}}),
        ("default", {"exclude": [["pre"]]}, contrast_only),
        ("slate", {"exclude": [["pre"]]}, contrast_only),
    ]
    shown = show_every_block(visit.page)
    for scheme, context, rules in sorted(
        runs, key=lambda run: run[0] != visit.scheme()
    ):
        visit.switch_to(scheme)
        results = Axe().run(
            visit.page,
            context=context,
            options={"resultTypes": ["violations"], **rules},
        )
        serious = [
            v
            for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        found |= {v["id"] for v in serious}
        ours = [
            (
                v["id"],
                v["help"],
                [n["target"] for n in v["nodes"]][:3],
                v["nodes"][0].get("any", [{}])[0].get("message")
                if v["nodes"][0].get("any")
                else "",
            )
            for v in serious
            if v["id"] not in THEME_OWNED
        ]
        assert ours == [], f"in the {scheme} palette"
    shown.evaluate("s => s.remove()")
    axe_violations[visit.url] = found


CODE_CONTRAST = """() => {
    // WCAG contrast of the first token of each kind in the code blocks against the block's background
    const rgba = c => c.match(/[\\d.]+/g).map(Number).concat([1]).slice(0, 4);
    const lum = ([r, g, b]) => [r, g, b].map(v => v / 255)
        .map(v => v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)
        .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
    document.querySelectorAll('details').forEach(d => { d.open = true; });  // solutions too
    const seen = new Map();
    // the blocks themselves too: their text outside any token's span (names, punctuation,
    // operators: sitebuild/highlight.py unwraps those) has the block's own colour
    const tokens = '.md-typeset pre > code, .jupyter-wrapper pre, '
        + '.md-typeset pre code span[class], .jupyter-wrapper pre span[class]';
    for (const token of document.querySelectorAll(tokens)) {
        const kind = token.matches('pre, pre > code') ? 'plain text' : token.className;
        if (!token.textContent.trim() || seen.has(kind) || !token.offsetParent) continue;
        let box = token.closest('code') || token.closest('pre');  // the first box with a colour behind it
        while (box.parentElement && rgba(getComputedStyle(box).backgroundColor)[3] === 0)
            box = box.parentElement;
        const bg = rgba(getComputedStyle(box).backgroundColor);
        const fg = rgba(getComputedStyle(token).color);
        const shown = fg.slice(0, 3).map((v, i) => v * fg[3] + bg[i] * (1 - fg[3]));  // alpha over bg
        const [hi, lo] = [lum(shown), lum(bg)].sort((a, b) => b - a);
        seen.set(kind, Math.round((hi + 0.05) / (lo + 0.05) * 100) / 100);
    }
    return Object.fromEntries(seen);
}"""


def test_every_kind_of_code_token_has_enough_contrast_in_both_palettes(visit):
    shown = show_every_block(visit.page)
    for scheme in visit.schemes():
        visit.switch_to(scheme)
        visit.settle()  # the blocks just shown restyle on the way
        ratios = visit.page.evaluate(CODE_CONTRAST)
        if visit.page.locator(
            ".md-typeset pre code, .jupyter-wrapper pre span"
        ).count():
            assert ratios, "no code token was measured"
        low = {kind: ratio for kind, ratio in ratios.items() if ratio < 4.5}
        assert low == {}, f"code colours below 4.5:1 in the {scheme} palette"
    shown.evaluate("s => s.remove()")


def test_every_theme_owned_exception_is_still_needed(site_url):
    # site_url keeps this test among the site's tests, after the accessibility test on every page
    if len(axe_violations) < len(VISITED):
        pytest.skip("the accessibility test did not run on every page")
    seen = set().union(*axe_violations.values())
    assert set(THEME_OWNED) <= seen, f"no longer needed: {set(THEME_OWNED) - seen}"


def test_hovering_a_glossary_term_shows_its_meaning(visit):
    term = visit.page.locator("article abbr").first
    if not visit.url or visit.url == "glossary/" or visit.url.startswith("notebooks/"):
        return  # the home page, the glossary itself and the notebooks have no tooltips
    meaning = term.get_attribute("title")
    term.scroll_into_view_if_needed()
    term.hover()
    tooltip = visit.page.locator(".md-tooltip2--active")
    tooltip.wait_for(state="visible", timeout=5_000)
    assert meaning and tooltip.inner_text().strip() == meaning, (
        meaning,
        tooltip.inner_text(),
    )
    visit.page.mouse.move(0, 0)


FOCUSED_TERM = """() => {
    // the glossary term the keyboard is on: its meaning (the element describing it) and its ring
    const term = document.activeElement;
    if (!term || !term.matches('article abbr > .sgd-term')) return null;
    const style = getComputedStyle(term);
    return {
        meaning: document.getElementById(term.getAttribute('aria-describedby')).textContent,
        outline: [style.outlineStyle, parseFloat(style.outlineWidth)],
        shadow: style.boxShadow,
    };
}"""


def test_tab_reaches_a_glossary_term_shows_its_meaning_and_where_the_focus_is(visit):
    from playwright.sync_api import expect

    if not visit.url or visit.url == "glossary/" or visit.url.startswith("notebooks/"):
        return  # the home page, the glossary itself and the notebooks have no tooltips
    page = visit.page
    for scheme in visit.schemes():
        visit.switch_to(scheme)
        # Tab from the page's title, as a reader who skipped to the content does
        page.locator("article h1").first.click()
        for _ in range(200):
            page.keyboard.press("Tab")
            term = page.evaluate(FOCUSED_TERM)
            if term:
                break
        assert term, f"Tab never reached a glossary term in the {scheme} palette"
        # (an earlier test's Tab walk may leave a permalink's tooltip fading out: find this one)
        tooltip = page.locator(".md-tooltip2--active").filter(has_text=term["meaning"])
        tooltip.wait_for(state="visible", timeout=5_000)
        assert tooltip.inner_text().strip() == term["meaning"], "the tooltip on focus"
        expect(page.locator(":focus")).to_have_accessible_description(term["meaning"])
        style, width = term["outline"]
        assert (style != "none" and width > 0) or term["shadow"] != "none", (
            f"no focus ring in the {scheme} palette: {term}"
        )
        page.evaluate("document.activeElement.blur()")


PHONES = [390, 360]  # an iPhone 12 to 15's width, and a small Android phone's

# Every element wider than the screen must sit inside a box that scrolls sideways and itself fits
OVERFLOW = """() => {
    const width = document.documentElement.clientWidth;
    const scrolls = (e) => ['auto', 'scroll'].includes(getComputedStyle(e).overflowX);
    const out = [];
    for (const e of document.querySelectorAll('body *')) {
        const r = e.getBoundingClientRect();
        if (r.width === 0 || r.right <= width + 1 || r.left < -1 && r.right < 0) continue;
        if (getComputedStyle(e).position === 'fixed') continue;
        if (e.closest('[hidden], .md-sidebar, .md-search')) continue;
        let box = e.parentElement;  // the nearest box that scrolls sideways and fits the screen
        while (box && !(scrolls(box) && box.getBoundingClientRect().right <= width + 1))
            box = box.parentElement;
        if (!box || box.getBoundingClientRect().right > width + 1)
            out.push(`${e.tagName.toLowerCase()}.${e.className} ends at ${Math.round(r.right)} px`);
    }
    return {width, page: document.documentElement.scrollWidth, out: out.slice(0, 5)};
}"""

FORMULAS = """() => [...document.querySelectorAll('.md-typeset math[display=block]')].map(m => {
    const box = m.closest('.sgd-math');
    if (!box) return 'a display formula outside its scroll box';
    const wide = box.scrollWidth > box.clientWidth + 1;
    if (!wide) return null;
    if (getComputedStyle(box).overflowX !== 'auto') return 'a wide formula that does not scroll';
    if (box.getAttribute('tabindex') !== '0') return 'a wide formula the keyboard cannot scroll';
    return null;
}).filter(Boolean)"""


CHAPTERS = [p for p in PAGES if p[1]]


@pytest.fixture(
    scope="module", params=VISITED, ids=[url or "home" for _, url in VISITED]
)
def phone(request, browser, site_url):
    """Each page once more, open at a phone's width, shared by the phone tests below."""
    title, url = request.param
    v = Visit(browser, site_url, url, width=PHONES[0])
    v.title, v.url = title, url
    yield v
    v.close()


def test_no_page_is_wider_than_a_phone_and_every_formula_fits_or_scrolls(phone):
    v = phone
    for width in PHONES:
        v.page.set_viewport_size({"width": width, "height": 844})
        for scheme in v.schemes():
            v.switch_to(scheme)
            v.page.evaluate("document.fonts.ready")
            v.page.wait_for_timeout(100)  # the formulas' focus stops follow a resize
            found = v.page.evaluate(OVERFLOW)
            assert found["page"] <= found["width"] and found["out"] == [], (
                width,
                scheme,
                found,
            )
            assert v.page.evaluate(FORMULAS) == [], (width, scheme)
    v.page.set_viewport_size({"width": PHONES[0], "height": 844})
    if v.page.locator(".md-typeset math").count():
        # the math font is the site's own, loaded from this host, and every formula uses it; the
        # subset holds every character the page's formulas use, so the whole font is not fetched
        fonts = v.page.evaluate(
            "[...document.fonts].filter(f => f.family.includes('SGD STIX Two Math'))"
            ".map(f => [f.unicodeRange === 'U+0-10FFFF' ? 'whole' : 'subset', f.status])"
        )
        assert sorted(fonts) == [["subset", "loaded"], ["whole", "unloaded"]], fonts
        loaded = v.page.evaluate(
            "performance.getEntriesByType('resource').map(e => e.name)"
            ".filter(n => n.endsWith('.woff2'))"
        )
        assert [n.rsplit("/", 1)[1] for n in loaded] == ["STIXTwoMath-Core.woff2"]
        assert all(urlsplit(n).netloc == urlsplit(v.page.url).netloc for n in loaded)
        families = v.page.evaluate(
            "[...new Set([...document.querySelectorAll('.md-typeset math')]"
            ".map(m => getComputedStyle(m).fontFamily))]"
        )
        assert families == ['"SGD STIX Two Math", math'], families
    assert v.errors == [] and v.offsite == []


# Where every element of the article is (top, left, width, height), as laid out now; not the
# body of a collapsed note, which has no place (Chromium gives it a box in one call, none in another)
PLACES = """() => [...document.querySelectorAll('.md-content__inner *')]
    .filter(e => e.getClientRects().length)
    .filter(e => !e.closest('details:not([open])') || e.closest('summary'))
    .map(e => { const r = e.getBoundingClientRect();
        return [e.tagName, ...[r.top + scrollY, r.left, r.width, r.height].map(Math.round)]; })"""


def test_a_block_skipped_below_the_screen_is_laid_out_as_without_it_once_shown(phone):
    # The blocks the stylesheet lets the browser skip (content-visibility: auto) are contained
    # once shown: layout, style and paint. Containment must move nothing: laid out with every such
    # block contained and with none, every element of the page is in the same place.
    v = phone
    skipped = v.page.evaluate(
        """() => { const s = [...document.querySelectorAll('.md-content__inner *')]
            .filter(e => getComputedStyle(e).contentVisibility === 'auto');
            s.forEach(e => e.setAttribute('data-skipped', '')); return s.length; }"""
    )
    if v.page.locator(".md-content__inner > p").count() > 3:
        assert skipped > 3  # the long pages do skip their blocks
    style = v.page.add_style_tag(content="/* the containment under test */")
    places = []
    for contain in ("none", "layout style paint"):
        style.evaluate(
            "(s, c) => { s.textContent = `[data-skipped] { content-visibility: visible"
            " !important; contain: ${c} !important; }`; }",
            contain,
        )
        places.append(v.page.evaluate(PLACES))
    style.evaluate("s => s.remove()")
    moved = [(a, b) for a, b in zip(*places) if a != b]
    assert len(places[0]) == len(places[1]) and moved == [], moved[:3]


def test_a_wide_formula_scrolls_sideways_in_its_box_by_keyboard(browser, site_url):
    v = Visit(browser, site_url, "nonlinearity/", width=390)
    try:
        box = v.page.locator(".sgd-math[tabindex='0']").first
        box.focus()
        v.page.keyboard.press("ArrowRight")
        v.page.keyboard.press("ArrowRight")
        v.page.wait_for_timeout(300)
        assert box.evaluate("b => b.scrollLeft") > 0
        assert box.evaluate("b => getComputedStyle(b).outlineStyle") != "none"
    finally:
        v.close()


# The frame the player draws, and the GIF's own frame as Pillow decodes it (an independent decoder)
CANVAS = "(figure) => figure.querySelector('canvas').toDataURL('image/png')"


def gif_frame(page_url, src, index):
    import io
    from urllib.request import urlopen

    import numpy as np
    from PIL import Image

    with Image.open(io.BytesIO(urlopen(urljoin(page_url, src)).read())) as gif:
        gif.seek(index)
        return np.asarray(gif.convert("RGB"))


def canvas_frame(figure):
    import base64
    import io

    import numpy as np
    from PIL import Image

    png = base64.b64decode(figure.evaluate(CANVAS).split(",", 1)[1])
    with Image.open(io.BytesIO(png)) as image:
        return np.asarray(image.convert("RGB"))


SHOWN_GIF = """f => [...f.querySelectorAll('picture img')]
    .find(i => getComputedStyle(i).display !== 'none').dataset.gif"""


@pytest.mark.parametrize("title, url", CHAPTERS, ids=[u for _, u in CHAPTERS])
def test_every_animation_is_still_under_reduced_motion_and_steps_and_scrubs_by_keyboard(
    browser, site_url, title, url
):
    v = Visit(browser, site_url, url, width=PHONES[0], motion="reduce")
    try:
        figures = v.page.locator("figure.sgd-animation").all()
        for figure in figures:
            figure.scroll_into_view_if_needed()
            v.page.wait_for_timeout(200)
            # nothing moves, and no GIF is fetched, until the reader asks: the still is shown
            shown = figure.evaluate(
                "f => [...f.querySelectorAll('picture img')]"
                ".filter(i => getComputedStyle(i).display !== 'none').map(i => i.currentSrc)"
            )
            assert len(shown) == 1 and shown[0].split("#")[0].endswith("-still.png"), (
                shown
            )
            gifs = v.page.evaluate(
                "performance.getEntriesByType('resource').map(e => e.name)"
                ".filter(n => n.endsWith('.gif'))"
            )
            assert gifs == [], f"{gifs} were loaded before anyone asked"
            assert figure.locator(".sgd-player").is_visible()
            labels = json.loads(figure.get_attribute("data-labels"))
            label = figure.locator(".sgd-player__label")
            assert label.inner_text() == labels[-1]
            # one frame back, by keyboard: Tab from the play button to "one frame back", Enter
            figure.locator(".sgd-player__play").focus()
            v.page.keyboard.press("Tab")
            assert "sgd-player__back" in v.page.evaluate(
                "document.activeElement.className"
            )
            v.page.keyboard.press("Enter")
            v.page.wait_for_function(
                "f => f.classList.contains('sgd-animation--drawn')",
                arg=figure.element_handle(),
            )
            assert label.inner_text() == labels[-2]
            # scrub to a third of the way, by arrow keys on the scrubber, in each palette: the
            # frame drawn is the GIF's own (Pillow decodes it here) and it stays put
            target = len(labels) // 3
            for scheme in v.schemes():
                v.switch_to(scheme)
                figure.locator(".sgd-player__scrub").focus()
                v.page.keyboard.press("Home")
                for _ in range(target):
                    v.page.keyboard.press("ArrowRight")
                v.page.wait_for_timeout(200)
                assert label.inner_text() == labels[target]
                src = figure.evaluate(SHOWN_GIF)
                assert (scheme == "slate") == src.endswith("-dark.gif")
                before = canvas_frame(figure)
                assert (before == gif_frame(v.page.url, src, target)).all(), (
                    f"the player's frame {target} of {src} is not the GIF's"
                )
                v.page.wait_for_timeout(400)
                assert (canvas_frame(figure) == before).all(), (
                    "a paused animation moved"
                )
            # play, then pause with the keyboard: it stops where it is
            figure.locator(".sgd-player__play").focus()
            v.page.keyboard.press("Enter")
            v.page.wait_for_timeout(700)
            v.page.keyboard.press("Enter")
            stopped = label.inner_text()
            assert stopped != labels[target], "play did not move the animation"
            v.page.wait_for_timeout(400)
            assert label.inner_text() == stopped, "pause did not stop it"
            # full size: the frame at its own width (its text as drawn), in a box that scrolls
            figure.locator(".sgd-player__full").click()
            drawn = figure.evaluate(
                "f => { const c = f.querySelector('canvas'); "
                "return [c.getBoundingClientRect().width, c.width]; }"
            )
            assert abs(drawn[0] - drawn[1]) < 1, drawn
            assert v.page.evaluate(OVERFLOW)["out"] == []
        assert v.errors == [] and v.offsite == []
    finally:
        v.close()


def test_every_animation_plays_on_screen_and_pauses(phone):
    for figure in phone.page.locator("figure.sgd-animation").all():
        figure.scroll_into_view_if_needed()
        phone.page.wait_for_function(
            "f => f.classList.contains('sgd-animation--drawn')",
            arg=figure.element_handle(),
            timeout=10_000,
        )
        play = figure.locator(".sgd-player__play")
        assert play.get_attribute("aria-label") == "Pause"
        play.click()
        assert play.get_attribute("aria-label") == "Play"
        stopped = figure.locator(".sgd-player__label").inner_text()
        phone.page.wait_for_timeout(400)
        assert figure.locator(".sgd-player__label").inner_text() == stopped
    assert phone.errors == []


LOOSE_IMAGES = """() => [...document.querySelectorAll('.md-content img')]
    .filter(i => getComputedStyle(i).display !== 'none' && !i.hidden)
    .filter(i => !i.closest('picture, .sgd-explorable'))
    .filter(i => { const a = i.closest('a.glightbox');
                   return !a || a.href.split('#')[0] !== i.src.split('#')[0]; })
    .map(i => i.getAttribute('src'))"""


def test_every_figure_opens_full_size_with_a_tap_on_a_phone(phone):
    # every image a reader sees, other than an animation's or an explorable's (their controls
    # have "Full size"), is a link to itself that GLightbox opens
    for scheme in phone.schemes():
        phone.switch_to(scheme)
        assert phone.page.evaluate(LOOSE_IMAGES) == [], scheme
        links = phone.page.locator("a.glightbox:visible")
        if links.count():
            first = links.first
            first.scroll_into_view_if_needed()
            first.click()
            slide = phone.page.locator(".glightbox-container .gslide.current img")
            slide.wait_for(state="visible", timeout=5_000)
            assert (
                slide.evaluate("i => i.src").split("#")[0]
                == first.evaluate("a => a.href").split("#")[0]
            )
            phone.page.keyboard.press("Escape")
            phone.page.locator(".glightbox-container").wait_for(
                state="detached", timeout=5_000
            )
    assert phone.errors == [] and phone.offsite == []


# Keyboard focus must show: an outline or a box shadow on what Tab reached, or for the hidden radio
# of a tabbed block, on its label
FOCUS = """() => {
    const e = document.activeElement;
    if (!e || e === document.body) return null;
    const s = getComputedStyle(e);
    let shown = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none';
    if (!shown && e.type === 'radio') {
        // a tab of a tabbed block (its label[for]) or an explorable's button (the label around it)
        const label = getComputedStyle(e.closest('label') || document.querySelector(`label[for="${e.id}"]`));
        shown = label.outlineStyle !== 'none' && parseFloat(label.outlineWidth) > 0;
    }
    return [e.outerHTML.slice(0, 120), !!e.closest('.md-content'), shown];
}"""


def test_focus_is_visible_on_every_control_the_keyboard_reaches(visit):
    for scheme in visit.schemes():
        visit.switch_to(scheme)
        visit.page.locator("body").focus()
        visit.page.evaluate("document.activeElement.blur()")
        hidden, seen = [], []
        for _ in range(800):
            visit.page.keyboard.press("Tab")
            found = visit.page.evaluate(FOCUS)
            if found is None:
                continue
            if seen and found[0] == seen[0]:
                break  # round the page, back where it began
            seen.append(found[0])
            if found[1] and not found[2]:
                hidden.append(found[0])
        assert hidden == [], f"no visible focus in the {scheme} palette on {hidden[:5]}"
        assert len(seen) > 5
        # Tab went through the search field too, which opens Material's search overlay: close it
        visit.page.keyboard.press("Escape")
        visit.page.evaluate(
            """() => { document.activeElement.blur();
                const search = document.querySelector('#__search');
                if (search && search.checked) {
                    search.checked = false;
                    search.dispatchEvent(new Event('change'));
                } }"""
        )


def test_page_gave_no_console_error_and_asked_no_other_host(visit):
    # last for each page, so that it covers everything the tests above did on it
    visit.page.wait_for_timeout(300)
    assert visit.errors == []
    assert visit.offsite == [], "the page asked another host for something"


def test_without_javascript_an_animation_shows_its_gif_and_an_explorable_its_start_frame(
    browser, site_url
):
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 390, "height": 844}
    )
    try:
        page = context.new_page()
        page.goto(site_url + "fit-a-line/", wait_until="networkidle")
        shown = page.evaluate(
            "[...document.querySelectorAll('figure.sgd-animation img')]"
            ".filter(i => i.checkVisibility() && i.naturalWidth > 0)"
            ".map(i => i.getAttribute('src'))"
        )
        assert shown and all(".gif#only-" in src for src in shown), shown
        # an explorable shows its start frame, and no controls that could not work
        page.goto(site_url + "learning-rate/", wait_until="networkidle")
        figure = page.locator("figure.sgd-explorable").first
        shown = figure.evaluate(
            "f => [...f.querySelectorAll('img')].filter(i => i.checkVisibility() && i.naturalWidth > 0)"
            ".map(i => i.getAttribute('src'))"
        )
        start = figure.locator("input[type=range]").first.get_attribute("value")
        assert len(shown) == 1 and f"lr-explore-{start}-0-light.png" in shown[0], shown
        assert not figure.locator(".sgd-explorable__controls").is_visible()
    finally:
        context.close()


# -- explorables (render.explorable) --------------------------------------------------------------

EXPLORABLE_SHOWN = """f => {
    const theme = document.body.dataset.mdColorScheme === 'slate' ? 'dark' : 'light';
    const img = [...f.querySelectorAll('.sgd-explorable__frame img')]
        .find(i => getComputedStyle(i).display !== 'none');
    return {theme, src: img.getAttribute('src'), alt: img.alt, complete: img.complete && img.naturalWidth > 0,
            wanted: img.getAttribute('src').endsWith('#only-' + theme)};
}"""


def manifest_of(page, figure):
    from urllib.request import urlopen

    with urlopen(urljoin(page.url, figure.get_attribute("data-manifest"))) as response:
        return json.loads(response.read())


def flat(state, shape):
    at = 0
    for value, n in zip(state, shape):
        at = at * n + value
    return at


class Explorable:
    """One explorable on an open page, and the checks of what it shows."""

    def __init__(self, page, figure):
        self.page, self.figure = page, figure
        self.manifest = manifest_of(page, figure)
        self.shape, self.name = self.manifest["shape"], figure.get_attribute("id")
        self.knobs = figure.locator(".sgd-knob").all()

    def state(self):
        return [int(v) for v in self.figure.get_attribute("data-state").split("-")]

    def expect(self, state, how):
        """The figure shows `state`'s frame in the palette showing, with its alt text, and the
        address holds it."""
        self.page.wait_for_function(
            "([f, s]) => f.dataset.state === s",
            arg=[self.figure.element_handle(), "-".join(map(str, state))],
            timeout=5000,
        )
        at = flat(state, self.shape)
        self.page.wait_for_function(
            "f => { const i = [...f.querySelectorAll('.sgd-explorable__frame img')]"
            ".find(i => getComputedStyle(i).display !== 'none'); return i.complete && i.naturalWidth > 0; }",
            arg=self.figure.element_handle(),
            timeout=5000,
        )
        shown = self.figure.evaluate(EXPLORABLE_SHOWN)
        assert shown["wanted"] and shown["complete"], (self.name, how, shown)
        frame = self.manifest["files"][shown["theme"]][at]
        assert shown["src"].split("#")[0].endswith("/" + frame), (
            self.name,
            how,
            shown,
            frame,
        )
        assert shown["alt"] == self.manifest["alt"][at], (self.name, how)
        query = self.page.evaluate(
            f"new URLSearchParams(location.search).get({self.name!r})"
        )
        assert query == "-".join(map(str, state)), (self.name, how, query)


def test_every_explorable_moves_by_mouse_and_keyboard_in_both_palettes_and_its_link_shows_the_same(
    browser, site_url
):
    pages = [url for _, url in CHAPTERS]
    seen = 0
    for url in pages:
        v = Visit(browser, site_url, url, width=PHONES[0])
        try:
            for figure in v.page.locator("figure.sgd-explorable").all():
                seen += 1
                e = Explorable(v.page, figure)
                figure.scroll_into_view_if_needed()
                assert figure.locator(".sgd-explorable__controls").is_visible()
                history = v.page.evaluate("history.length")
                assert (
                    len(e.manifest["alt"])
                    == len(e.manifest["files"]["light"])
                    == math_prod(e.shape)
                )
                for scheme in v.schemes():
                    v.switch_to(scheme)
                    for i, knob in enumerate(e.knobs):
                        kind = knob.get_attribute("class")
                        state = e.state()
                        n = e.shape[i]
                        if "sgd-knob--buttons" in kind:
                            # mouse: click another value's button; keyboard: arrows move the choice
                            target = (state[i] + 1) % n
                            knob.locator("label").nth(target).click()
                            state[i] = target
                            e.expect(state, f"click on value {target} of knob {i}")
                            knob.locator("input:checked").focus()
                            v.page.keyboard.press("ArrowLeft")
                            state[i] = (target - 1) % n
                            e.expect(state, f"ArrowLeft on knob {i}")
                            assert_focus_ring(
                                v.page, knob.locator("label").nth(state[i])
                            )
                        else:
                            slider = knob.locator("input[type=range]")
                            slider.focus()
                            v.page.keyboard.press("Home")
                            state[i] = 0
                            e.expect(state, f"Home on knob {i}")
                            assert_focus_ring(v.page, slider)
                            v.page.keyboard.press("ArrowRight")
                            state[i] = 1
                            e.expect(state, f"ArrowRight on knob {i}")
                            assert (
                                slider.get_attribute("aria-valuetext")
                                == json.loads(slider.get_attribute("data-labels"))[1]
                            )
                            # mouse: a click at the track's far right end is its last value
                            box = slider.bounding_box()
                            v.page.mouse.click(
                                box["x"] + box["width"] - 2,
                                box["y"] + box["height"] / 2,
                            )
                            state[i] = n - 1
                            e.expect(state, f"click at the end of knob {i}")
                            if "sgd-knob--steps" in kind:
                                steps = json.loads(knob.get_attribute("data-steps"))
                                knob.locator("button[data-by='0']").click()
                                state[i] = 0
                                e.expect(state, "back to the first step")
                                for by in (1, 10, 100):
                                    knob.locator(f"button[data-by='{by}']").click()
                                    at = steps[state[i]] + by
                                    state[i] = next(
                                        (k for k, s in enumerate(steps) if s >= at),
                                        n - 1,
                                    )
                                    e.expect(state, f"+{by} steps")
                # a click on the figure chooses the nearest of a knob's points
                points = json.loads(figure.get_attribute("data-points"))
                for key, spots in points.items():
                    i = [k.get_attribute("data-key") for k in e.knobs].index(key)
                    img = figure.locator(".sgd-explorable__frame img:visible")
                    box = img.bounding_box()
                    for target in (len(spots) - 1, 0):
                        fx, fy = spots[target]
                        # the point in the middle of the screen, clear of the sticky header
                        v.page.evaluate(
                            "y => window.scrollBy(0, y - innerHeight / 2)",
                            box["y"] + fy * box["height"],
                        )
                        box = img.bounding_box()
                        v.page.mouse.click(
                            box["x"] + fx * box["width"], box["y"] + fy * box["height"]
                        )
                        state = e.state()
                        assert state[i] == target, (e.name, key, target, state)
                        e.expect(state, f"click on point {target} of {key}")
                # moving the knobs rewrote the address rather than adding to the history: the
                # back button leaves the page, as a reader expects, instead of undoing each move
                assert v.page.evaluate("history.length") == history
                # full size: the frame at its own width, in a box that scrolls sideways
                full = figure.locator(".sgd-explorable__full")
                full.click()
                assert full.get_attribute("aria-pressed") == "true"
                width = figure.evaluate(
                    "f => { const i = [...f.querySelectorAll('.sgd-explorable__frame img')]"
                    ".find(i => getComputedStyle(i).display !== 'none');"
                    " return [i.getBoundingClientRect().width, Number(i.getAttribute('width'))]; }"
                )
                assert abs(width[0] - width[1]) < 1, width
                assert v.page.evaluate(OVERFLOW)["out"] == []
                full.click()
                # the address reproduces the state: open it afresh, in the other palette too
                link = v.page.url
                state = e.state()
                for scheme in ("light", "dark"):
                    other = Visit(
                        browser,
                        site_url,
                        link[len(site_url) :],
                        width=1280,
                        scheme=scheme,
                    )
                    try:
                        f = other.page.locator(f"figure#{e.name}")
                        f.scroll_into_view_if_needed()
                        Explorable(other.page, f).expect(
                            state, f"the link {link}, {scheme}"
                        )
                        assert other.errors == [] and other.offsite == []
                    finally:
                        other.close()
            assert v.errors == [] and v.offsite == []
        finally:
            v.close()
    assert seen >= 1


def math_prod(values):
    import math

    return math.prod(values)


def assert_focus_ring(page, element):
    """The element the keyboard is on shows a ring: an outline of at least 2 CSS px."""
    style = element.evaluate(
        "e => { const s = getComputedStyle(e); return [s.outlineStyle, parseFloat(s.outlineWidth)]; }"
    )
    assert style[0] != "none" and style[1] >= 2, style
