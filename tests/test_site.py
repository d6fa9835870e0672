"""The built site: every page in the nav is there, every image is a file with alt text, nothing is
fetched from another host, images stay within budget, and two cold builds give the same images."""

import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from mkdocs.config import load_config
from mkdocs.structure.nav import get_navigation
from mkdocs.structure.files import get_files

from conftest import ROOT


def mkdocs_build(config_file, site_dir, cache_dir):
    env = {**os.environ, "SGD_CACHE_DIR": str(cache_dir), "NO_MKDOCS_2_WARNING": "1"}
    env.pop("SITE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config_file), "-d", str(site_dir)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )


def tree(folder):
    return {p.relative_to(folder): p.stat().st_mtime_ns for p in folder.rglob("*")}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    site_dir = tmp_path_factory.mktemp("site")
    docs_before = tree(ROOT / "docs")
    result = mkdocs_build(ROOT / "mkdocs.yml", site_dir, tmp_path_factory.mktemp("cache"))
    assert result.returncode == 0, result.stderr
    assert tree(ROOT / "docs") == docs_before, "the build wrote into docs/"
    return site_dir


class Tags(HTMLParser):
    """Collects (tag, attributes, page) for every tag of interest on a page."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        if tag in ("img", "script", "link", "iframe", "source", "video", "audio"):
            self.found.append((tag, dict(attrs)))


def pages(site_dir):
    for page in sorted(site_dir.rglob("*.html")):
        parser = Tags()
        parser.feed(page.read_text())
        yield page, parser.found


def nav_pages():
    config = load_config(str(ROOT / "mkdocs.yml"))
    nav = get_navigation(get_files(config), config)
    return [page.file.dest_uri for page in nav.pages]


def test_every_page_in_the_nav_is_built(site):
    built = nav_pages()
    assert built and "fit-a-line/index.html" in built
    for dest in built:
        assert (site / dest).is_file(), f"{dest} is in the nav but was not built"


def test_every_image_is_a_file_in_the_site_with_alt_text_and_a_size(site):
    images = 0
    for page, tags in pages(site):
        page_url = "/" + page.relative_to(site).as_posix()
        for tag, attrs in tags:
            if tag != "img":
                continue
            images += 1
            src = attrs.get("src", "")
            assert not src.startswith("data:"), f"{page_url}: an image is inlined as base64"
            target = urlsplit(urljoin(page_url, src)).path
            assert (site / target.lstrip("/")).is_file(), f"{page_url}: {src} does not exist"
            assert attrs.get("alt", "").strip(), f"{page_url}: {src} has no alt text"
            assert attrs.get("width") and attrs.get("height"), f"{page_url}: {src} has no size"
    assert images >= 6  # the chapter's three figures, each in two themes


def test_every_figure_has_a_light_and_a_dark_variant(site):
    for page, tags in pages(site):
        srcs = [attrs["src"] for tag, attrs in tags if tag == "img" and "figures/" in attrs["src"]]
        light = sorted(s.replace("-light.", "-?.").removesuffix("#only-light") for s in srcs if s.endswith("#only-light"))
        dark = sorted(s.replace("-dark.", "-?.").removesuffix("#only-dark") for s in srcs if s.endswith("#only-dark"))
        assert light == dark and len(light) * 2 == len(srcs), f"{page}: unpaired figure variants"


def test_nothing_is_requested_from_another_host(site):
    for page, tags in pages(site):
        for tag, attrs in tags:
            for attr in ("src", "href", "srcset"):
                url = attrs.get(attr, "")
                assert not urlsplit(url).netloc and not url.startswith("//"), (
                    f"{page.relative_to(site)}: <{tag} {attr}={url!r}> points at another host")


GIF_BUDGET = 300_000
PAGE_IMAGES_BUDGET = 1_500_000


def test_images_stay_within_their_budgets(site):
    for page, tags in pages(site):
        page_url = "/" + page.relative_to(site).as_posix()
        files = {site / urlsplit(urljoin(page_url, attrs["src"])).path.lstrip("/")
                 for tag, attrs in tags if tag == "img"}
        for f in files:
            if f.suffix == ".gif":
                assert f.stat().st_size <= GIF_BUDGET, f"{f.name} is {f.stat().st_size} bytes"
        total = sum(f.stat().st_size for f in files)
        assert total <= PAGE_IMAGES_BUDGET, f"{page_url} loads {total} bytes of images"


def test_two_cold_builds_give_byte_identical_images(site, tmp_path):
    again = tmp_path / "site"
    result = mkdocs_build(ROOT / "mkdocs.yml", again, tmp_path / "cache")
    assert result.returncode == 0, result.stderr
    images = sorted(p.relative_to(site) for p in (site / "figures").iterdir())
    assert images == sorted(p.relative_to(again) for p in (again / "figures").iterdir())
    for image in images:
        assert (site / image).read_bytes() == (again / image).read_bytes(), f"{image} differs"


def test_math_is_rendered_to_mathml_at_build_time(site):
    html = (site / "fit-a-line" / "index.html").read_text()
    assert html.count("<math") >= 5
    assert 'class="arithmatex"' not in html and "\\(" not in html
