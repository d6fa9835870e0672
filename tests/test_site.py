"""The built site: every page in the nav is there, every image is a file with alt text, nothing is
fetched from another host, images stay within budget, a cold build gives the same images as a cached one,
and each chapter ends with a line that says what produced it and which test file checks it."""

import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from importlib import metadata
from urllib.parse import unquote, urljoin, urlsplit

import pytest

from conftest import ROOT, chapters, nav_pages


class Tags(HTMLParser):
    """Collects (tag, attributes, page) for every tag of interest on a page."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        if tag in (
            "img",
            "script",
            "link",
            "iframe",
            "source",
            "video",
            "audio",
            "figure",
        ):
            self.found.append((tag, dict(attrs)))


def pages(site_dir):
    for page in sorted(site_dir.rglob("*.html")):
        parser = Tags()
        parser.feed(page.read_text())
        yield page, parser.found


def test_every_page_in_the_nav_is_built(site):
    urls = [url for _, url in nav_pages()]
    assert urls[:2] == ["", "fit-a-line/"]
    for url in urls:
        assert (site / url / "index.html").is_file(), (
            f"{url} is in the nav but was not built"
        )


def test_every_image_is_a_file_in_the_site_with_alt_text_and_a_size(site):
    images = 0
    for page, tags in pages(site):
        page_url = "/" + page.relative_to(site).as_posix()
        for tag, attrs in tags:
            if tag != "img":
                continue
            images += 1
            src = attrs.get("src", "")
            assert not src.startswith("data:"), (
                f"{page_url}: an image is inlined as base64"
            )
            target = urlsplit(urljoin(page_url, src)).path
            assert (site / target.lstrip("/")).is_file(), (
                f"{page_url}: {src} does not exist"
            )
            assert attrs.get("alt", "").strip(), f"{page_url}: {src} has no alt text"
            assert attrs.get("width") and attrs.get("height"), (
                f"{page_url}: {src} has no size"
            )
    assert images >= 6  # the chapter's three figures, each in two themes


def test_every_figure_has_a_light_and_a_dark_variant(site):
    for page, tags in pages(site):
        srcs = [
            attrs["src"]
            for tag, attrs in tags
            if tag == "img" and "figures/" in attrs["src"]
        ]
        light = sorted(
            s.replace("-light-still.", "-?-still.")
            .replace("-light.", "-?.")
            .removesuffix("#only-light")
            for s in srcs
            if s.endswith("#only-light")
        )
        dark = sorted(
            s.replace("-dark-still.", "-?-still.")
            .replace("-dark.", "-?.")
            .removesuffix("#only-dark")
            for s in srcs
            if s.endswith("#only-dark")
        )
        assert light == dark and len(light) * 2 == len(srcs), (
            f"{page}: unpaired figure variants"
        )


def test_nothing_is_requested_from_another_host(site):
    for page, tags in pages(site):
        for tag, attrs in tags:
            for attr in ("src", "href", "srcset"):
                url = attrs.get(attr, "")
                assert not urlsplit(url).netloc and not url.startswith("//"), (
                    f"{page.relative_to(site)}: <{tag} {attr}={url!r}> points at another host"
                )


GIF_BUDGET = 300_000
PAGE_IMAGES_BUDGET = 1_500_000


def test_images_stay_within_their_budgets(site):
    for page, tags in pages(site):
        page_url = "/" + page.relative_to(site).as_posix()
        files = {
            site / urlsplit(urljoin(page_url, attrs["src"])).path.lstrip("/")
            for tag, attrs in tags
            if tag == "img"
        }
        for f in files:
            if f.suffix == ".gif":
                assert f.stat().st_size <= GIF_BUDGET, (
                    f"{f.name} is {f.stat().st_size} bytes"
                )
        total = sum(f.stat().st_size for f in files)
        assert total <= PAGE_IMAGES_BUDGET, f"{page_url} loads {total} bytes of images"


# An explorable's frames are fetched as the reader moves, not with the page; all of a page's
# explorables together stay within this many bytes on disk (each palette's frames are half).
PAGE_FRAMES_BUDGET = 16_000_000


def test_every_explorable_has_every_frame_in_both_palettes_with_its_own_alt_text(site):
    import math

    seen = 0
    for page, tags in pages(site):
        page_url = "/" + page.relative_to(site).as_posix()
        on_disk = 0
        for tag, attrs in tags:
            if tag != "figure" or "sgd-explorable" not in attrs.get("class", ""):
                continue
            seen += 1
            manifest_path = site / urlsplit(
                urljoin(page_url, attrs["data-manifest"])
            ).path.lstrip("/")
            manifest = json.loads(manifest_path.read_text())
            count = math.prod(manifest["shape"])
            assert len(manifest["alt"]) == count and all(
                a.strip() for a in manifest["alt"]
            )
            # distinct states say distinct things (an alt text copied across frames would not)
            assert len(set(manifest["alt"])) > count // 2, (
                f"{attrs['id']}: alt texts repeat"
            )
            for theme in ("light", "dark"):
                files = manifest["files"][theme]
                assert len(files) == len(set(files)) == count
                for name in files:
                    f = manifest_path.parent / name
                    assert f.is_file(), f"{attrs['id']}: {name} is not in the site"
                    assert name.endswith(f"-{theme}.png")
                    on_disk += f.stat().st_size
            # the page itself shows the start frame of each palette, with that frame's alt text
            shown = [
                a
                for t, a in tags
                if t == "img"
                and a.get("class") == "sgd-frame"
                and attrs["id"] in a.get("src", "")
            ]
            assert len(shown) == 2, attrs["id"]
            for img in shown:
                theme = img["src"].rsplit("#only-", 1)[1]
                at = manifest["files"][theme].index(
                    img["src"].split("/")[-1].split("#")[0]
                )
                assert img["alt"] == manifest["alt"][at]
        assert on_disk <= PAGE_FRAMES_BUDGET, (
            f"{page_url}: {on_disk} bytes of explorable frames"
        )
    assert seen >= 1


# Files a build may write differently each time, by design, with the reason. Only these files: the
# page that shows a figure keeps to words and numbers that do not depend on the measurement (its
# alt text and prose say what the figure shows with the batch sizes, not the times), so its HTML
# is still compared byte for byte.
NOT_REPRODUCIBLE = {
    f"figures/mini-batches-cost-{theme}.svg": "Mini-batches: wall-clock times the build measured"
    for theme in ("light", "dark")
}


def test_a_cold_build_gives_a_byte_identical_site(site, site_again):
    # site_again ran every block and notebook afresh in other processes; site is what the
    # project's cache gives (or a first cold build, on a fresh clone): with SOURCE_DATE_EPOCH set
    # (conftest), no file of the site may depend on when or where a block ran, HTML included
    files = sorted(str(p.relative_to(site)) for p in site.rglob("*") if p.is_file())
    assert files == sorted(
        str(p.relative_to(site_again)) for p in site_again.rglob("*") if p.is_file()
    )
    differ = [
        f
        for f in files
        if f not in NOT_REPRODUCIBLE
        and (site / f).read_bytes() != (site_again / f).read_bytes()
    ]
    assert not differ, f"{len(differ)} files differ between two builds: {differ[:10]}"


def test_math_is_rendered_to_mathml_at_build_time(site):
    html = (site / "fit-a-line" / "index.html").read_text()
    assert html.count("<math") >= 5
    assert 'class="arithmatex"' not in html and "\\(" not in html


def test_every_figures_alt_text_states_what_it_shows_with_numbers_from_the_run(site):
    figures = 0
    for page, tags in pages(site):
        for tag, attrs in tags:
            if tag == "img" and "figures/" in attrs.get("src", ""):
                figures += 1
                alt = attrs["alt"]
                assert len(alt.split()) >= 12, (
                    f"{page.name}: alt text too short to describe: {alt!r}"
                )
                assert any(c.isdigit() for c in alt), (
                    f"{page.name}: alt text has no numbers: {alt!r}"
                )
    assert figures


def test_no_broken_internal_link(site_url, tmp_path):
    # LinkChecker crawls every page from the home page, generated output included, and fails on
    # any link to a page or file that is not there (a warning or an error makes it exit non-zero).
    config = tmp_path / "linkcheckerrc"
    config.write_text(
        "[checking]\nmaxrequestspersecond=1000\n\n[filtering]\ncheckextern=0\n\n"
        "[output]\nstatus=0\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "linkcheck", "--config", str(config), site_url],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
    checked = re.search(r"(\d+) links? in (\d+) URLs? checked", result.stdout)
    assert checked and int(checked[2]) > 20, result.stdout[-2000:]


class Anchors(HTMLParser):
    """Collects the ids a page defines and the links it makes."""

    def __init__(self):
        super().__init__()
        self.ids, self.links = set(), []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])


def broken_anchors(site_dir):
    """Return (page, link) for every link to a #fragment that its target page does not define.

    LinkChecker's AnchorCheck downloads and parses a page again for every anchor that points into
    it, which took 30 s for three chapters; here each page is parsed once.
    """
    parsed = {}
    for page in site_dir.rglob("*.html"):
        parsed[page] = Anchors()
        parsed[page].feed(page.read_text())
    checked, broken = 0, []
    for page, found in parsed.items():
        here = "/" + page.relative_to(site_dir).as_posix()
        for href in found.links:
            url = urlsplit(urljoin(here, href))
            if url.scheme or url.netloc or not url.fragment:
                continue  # another host (none is linked), or no anchor to check
            target = site_dir / url.path.lstrip("/")
            if url.path.endswith("/"):
                target = target / "index.html"
            if target.suffix != ".html":
                continue  # an image's #only-light marks its palette; it is not an anchor
            checked += 1
            if target not in parsed or unquote(url.fragment) not in parsed[target].ids:
                broken.append((str(page.relative_to(site_dir)), href))
    return checked, broken


def test_every_link_to_an_anchor_finds_it(site):
    checked, broken = broken_anchors(site)
    assert checked > 50
    assert not broken, broken


CHAPTERS = chapters()


@pytest.mark.parametrize("title,url", CHAPTERS)
def test_each_chapter_ends_with_what_produced_it_and_the_test_file_that_checks_it(
    site, title, url
):
    from sitebuild import chapter, sources

    article = (
        (site / url / "index.html")
        .read_text()
        .split("<article", 1)[1]
        .split("</article>", 1)[0]
    )
    last = re.findall(r"<p\b[^>]*>.*?</p>", article, re.S)[-1]
    assert 'class="sgd-provenance"' in last, (
        f"{url}: the last paragraph is not the provenance line"
    )
    assert (
        f"Python {sys.version.split()[0]}" in last
        and f"torch {metadata.version('torch')}" in last
    )
    assert re.search(r"build of (\d{4}-\d\d-\d\d)", last)[1] in {
        chapter.build_date(),
        *_yesterday(),
    }
    module = sources.chapter_module(
        (ROOT / "docs" / (url.strip("/") + ".md")).read_text()
    )
    test_file = f"tests/test_{module}.py"
    assert (
        f'href="https://github.com/example-owner/sgd-by-example/blob/main/{test_file}"'
        in last
    )
    assert re.search(
        rf"^from snippets import .*\b{module}\b|^import snippets\.{module}\b",
        (ROOT / test_file).read_text(),
        re.M,
    ), f"{test_file} does not test snippets/{module}.py"


def _yesterday():
    """The day before today: a build started before midnight may be looked at after it."""
    import datetime

    return {
        (
            datetime.datetime.now(datetime.UTC).date() - datetime.timedelta(days=1)
        ).isoformat()
    }


def test_the_header_links_the_repository_without_asking_githubs_api(site):
    for page in [site / "index.html", site / "fit-a-line" / "index.html"]:
        text = page.read_text()
        link = re.search(
            r'<a href="([^"]+)" title="[^"]*" class="md-source"[^>]*>', text
        )
        assert link and link[1] == "https://github.com/example-owner/sgd-by-example", (
            page
        )
        assert (
            'data-md-component="source"' not in text
        )  # Material's script would fetch the stars


@pytest.mark.parametrize("title,url", CHAPTERS)
def test_each_chapter_can_be_edited_and_previewed_as_a_link(site, title, url):
    text = (site / url / "index.html").read_text()
    page = url.strip("/")
    edit = f"https://github.com/example-owner/sgd-by-example/edit/main/docs/{page}.md"
    assert f'href="{edit}"' in text, f"{url}: no edit link"
    description = re.search(r'<meta property="og:description" content="([^"]+)"', text)[
        1
    ]
    assert (
        description == re.search(r'<meta name="description" content="([^"]+)"', text)[1]
    )
    assert len(description.split()) >= 8 and "notebook" not in description, description
    image = re.search(r'<meta property="og:image" content="([^"]+)"', text)[1]
    assert (site / url / image).resolve().is_file(), (
        f"{url}: the preview image {image} is missing"
    )
    assert image.endswith((".png", ".gif")), "link previews do not show SVG"
    alt = re.search(r'<meta property="og:image:alt" content="([^"]+)"', text)[1]
    assert alt in text.replace(f'content="{alt}"', ""), (
        "the preview's alt text is its figure's"
    )


def test_notebook_pages_offer_no_edit_link_because_notebooks_are_generated(site):
    text = (site / "notebooks" / "fit-a-line" / "index.html").read_text()
    assert "/edit/main/" not in text


def test_every_page_says_the_licences_in_its_footer(site):
    licence = (site / "licence" / "index.html").read_text()
    for anchor in ("the-code-mit-no-attribution", "the-prose-and-the-figures-cc-by-40"):
        assert f'id="{anchor}"' in licence
    assert "MIT No Attribution" in licence and "Permission is hereby granted" in licence
    for page in site.rglob("index.html"):
        footer = (
            page.read_text()
            .split('<div class="md-copyright">', 1)[1]
            .split("</div>\n</div>", 1)[0]
        )
        assert "MIT-0" in footer and "CC BY 4.0" in footer, page
        href = re.search(r'<a href="([^"]+)#the-code-mit-no-attribution">', footer)[1]
        assert (page.parent / href / "index.html").resolve() == (
            site / "licence" / "index.html"
        ), page


def test_every_table_header_cell_names_its_column(site):
    """A screen reader reads a cell with its column's header: an empty one leaves the cells of
    its column unnamed (axe's td-has-header, which Lighthouse reports but does not score)."""
    empty = {
        str(page.relative_to(site)): len(re.findall(r"<th(?: [^>]*)?>\s*</th>", text))
        for page in site.rglob("*.html")
        if re.search(r"<th(?: [^>]*)?>\s*</th>", text := page.read_text())
    }
    assert empty == {}


class Buttons(HTMLParser):
    """(aria-label, visible text) of every button on a page."""

    def __init__(self):
        super().__init__()
        self.found, self.open = [], None

    def handle_starttag(self, tag, attrs):
        if tag == "button":
            self.open = [dict(attrs).get("aria-label"), ""]

    def handle_data(self, data):
        if self.open is not None:
            self.open[1] += data

    def handle_endtag(self, tag):
        if tag == "button" and self.open is not None:
            self.found.append(tuple(self.open))
            self.open = None


def test_every_named_buttons_name_contains_its_visible_text(site):
    """A speech-input user says what they see ("click plus ten"): a button's accessible name has
    to contain its visible words and numbers (WCAG 2.5.3, axe's label-content-name-mismatch)."""
    checked, wrong = 0, []
    for page in sorted(site.rglob("*.html")):
        parser = Buttons()
        parser.feed(page.read_text())
        for label, raw in parser.found:
            text = " ".join(raw.split())
            if label is None or not re.search(r"\w", text):
                continue  # named by its text, or by a symbol a voice cannot say
            checked += 1
            if text.lower() not in label.lower():
                wrong.append((str(page.relative_to(site)), text, label))
    assert (
        checked >= 6
    )  # the steps knobs' +1, +10, +100 on Fit a line and Adaptive step sizes
    assert wrong == []
