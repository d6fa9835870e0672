"""Every page of the built site, as a reader's browser shows it (Playwright driving Debian's Chromium).

The tests walk the nav, so a new chapter is covered without editing them. Light and dark
screenshots of each page are saved to test-output/screenshots/. Without Chromium (Debian's
`chromium` package) these tests are skipped; `.ci/run` installs it, so CI always runs them.
"""

import os
import re
import shutil
from pathlib import Path
from urllib.parse import urlsplit

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
THEME_OWNED = {
    # the search overlay is a role="dialog" <div> without an aria-label, in Material's header
    # partial; a reader reaches the search field itself, which is labelled ("Search")
    "aria-dialog-name": "Material's search dialog has no accessible name",
}


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

    def __init__(self, browser, site_url, url):
        self.context = browser.new_context(
            color_scheme="light", viewport={"width": 1280, "height": 900}
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

    def images(self):
        """Load every image the current palette shows; return [src, naturalWidth, displayed]."""
        return self.page.evaluate("""async () => {
            const other = document.body.dataset.mdColorScheme === 'slate' ? '#only-light' : '#only-dark';
            // the other palette's figures, and a slider's frames other than the one chosen, are hidden
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
    gifs = visit.page.evaluate(
        "[...new Set([...document.images].map(i => i.src.split('#')[0])"
        ".filter(s => s.endsWith('.gif')))]"
    )
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
    axe_violations[visit.url] = found


CODE_CONTRAST = """() => {
    // WCAG contrast of the first token of each kind in the code blocks against the block's background
    const rgba = c => c.match(/[\\d.]+/g).map(Number).concat([1]).slice(0, 4);
    const lum = ([r, g, b]) => [r, g, b].map(v => v / 255)
        .map(v => v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)
        .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
    document.querySelectorAll('details').forEach(d => { d.open = true; });  // solutions too
    const seen = new Map();
    const tokens = '.md-typeset pre code span[class], .jupyter-wrapper pre span[class]';
    for (const token of document.querySelectorAll(tokens)) {
        if (!token.textContent.trim() || seen.has(token.className) || !token.offsetParent) continue;
        let box = token.closest('code') || token.closest('pre');  // the first box with a colour behind it
        while (box.parentElement && rgba(getComputedStyle(box).backgroundColor)[3] === 0)
            box = box.parentElement;
        const bg = rgba(getComputedStyle(box).backgroundColor);
        const fg = rgba(getComputedStyle(token).color);
        const shown = fg.slice(0, 3).map((v, i) => v * fg[3] + bg[i] * (1 - fg[3]));  // alpha over bg
        const [hi, lo] = [lum(shown), lum(bg)].sort((a, b) => b - a);
        seen.set(token.className, Math.round((hi + 0.05) / (lo + 0.05) * 100) / 100);
    }
    return Object.fromEntries(seen);
}"""


def test_every_kind_of_code_token_has_enough_contrast_in_both_palettes(visit):
    for scheme in visit.schemes():
        visit.switch_to(scheme)
        ratios = visit.page.evaluate(CODE_CONTRAST)
        if visit.page.locator(
            ".md-typeset pre code, .jupyter-wrapper pre span"
        ).count():
            assert ratios, "no code token was measured"
        low = {kind: ratio for kind, ratio in ratios.items() if ratio < 4.5}
        assert low == {}, f"code colours below 4.5:1 in the {scheme} palette"


def test_every_theme_owned_exception_is_still_needed(site_url):
    # site_url keeps this test among the site's tests, after the accessibility test on every page
    if len(axe_violations) < len(VISITED):
        pytest.skip("the accessibility test did not run on every page")
    seen = set().union(*axe_violations.values())
    assert set(THEME_OWNED) <= seen, f"no longer needed: {set(THEME_OWNED) - seen}"


def test_moving_a_slider_changes_the_frame_shown(visit):
    shown = """(figure) => [...figure.querySelectorAll('img[data-frame]')]
        .filter(i => getComputedStyle(i).display !== 'none')
        .map(i => [i.getAttribute('src'), i.complete && i.naturalWidth])"""
    for figure in visit.page.locator("figure.sgd-slider").all():
        figure.scroll_into_view_if_needed()
        before = figure.evaluate(shown)
        slider = figure.locator("input[type=range]")
        start = int(slider.input_value())
        slider.focus()
        visit.page.keyboard.press(
            "ArrowLeft" if start == int(slider.get_attribute("max")) else "ArrowRight"
        )
        visit.page.wait_for_function(
            "(figure) => [...figure.querySelectorAll('img[data-frame]')]"
            ".every(i => getComputedStyle(i).display === 'none' || (i.complete && i.naturalWidth > 0))",
            arg=figure.element_handle(),
            timeout=5_000,
        )
        after = figure.evaluate(shown)
        assert len(after) == 1 and after[0][1] > 0, (
            f"{after}: one frame should show, loaded"
        )
        assert after[0][0] != before[0][0], "the key press did not change the frame"
        assert figure.locator("output").inner_text() != "", (
            "the slider's value is not shown"
        )


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
        tooltip = page.locator(".md-tooltip2--active")
        tooltip.wait_for(state="visible", timeout=5_000)
        assert tooltip.inner_text().strip() == term["meaning"], "the tooltip on focus"
        expect(page.locator(":focus")).to_have_accessible_description(term["meaning"])
        style, width = term["outline"]
        assert (style != "none" and width > 0) or term["shadow"] != "none", (
            f"no focus ring in the {scheme} palette: {term}"
        )
        page.evaluate("document.activeElement.blur()")


def test_page_gave_no_console_error_and_asked_no_other_host(visit):
    # last for each page, so that it covers everything the tests above did on it
    visit.page.wait_for_timeout(300)
    assert visit.errors == []
    assert visit.offsite == [], "the page asked another host for something"
