"""The glossary: one line per term, a link that lands on the section teaching it, and the same line
as a tooltip on the term's first use on every other page (sitebuild/glossary.py turns the entries
into the `abbr` extension's glossary)."""

import html
import re
from urllib.parse import urljoin, urlsplit

import pytest

from conftest import ROOT, chapters
from sitebuild import glossary

SOURCE = (ROOT / "docs" / "glossary.md").read_text()
ENTRIES = glossary.entries(SOURCE)
MEANINGS = {meaning for _, meaning, _, _ in ENTRIES}
CHAPTERS = [url for _, url in chapters()]
# the terms the issue asked for by name; the glossary may hold more, never fewer
REQUIRED = [
    "Learning rate",
    "Epoch",
    "Mini-batch",
    "Batch size",
    "SGD",
    "Momentum",
    "Model",
    "Architecture",
    "Parameters",
    "Weights",
    "Loss",
    "Metric",
    "Gradient",
    "Forward pass",
    "Backward pass",
    "Activation function",
    "ReLU",
    "Sigmoid",
    "Overfitting",
    "Underfitting",
    "Validation set",
    "Early stopping",
    "Weight decay",
]


def test_every_bold_term_on_the_page_is_an_entry_with_a_meaning_and_a_link():
    # an entry the pattern misses would silently lose its tooltip: count the page's bold terms too
    assert (
        len(ENTRIES) == len(re.findall(r"^\*\*[^*\n]+\*\*$", SOURCE, re.MULTILINE)) > 40
    )
    terms = [term for term, _, _, _ in ENTRIES]
    assert set(REQUIRED) <= set(terms), set(REQUIRED) - set(terms)
    assert terms == sorted(terms, key=str.lower), "entries are alphabetical"
    for term, meaning, _chapter, link in ENTRIES:
        assert meaning.endswith(".") and len(meaning) <= 160, (
            f"{term}: one plain line, a full sentence"
        )
        assert not re.search(r"[$`*_\[\]]", meaning), (
            f"{term}: a tooltip shows plain text only"
        )
        assert link.endswith(".md") or ".md#" in link, f"{term}: links a chapter page"


def test_each_term_is_matched_as_written_capitalised_lower_case_and_plural():
    forms = glossary.abbreviations(
        [
            ("Mini-batch", "m.", "", ""),
            ("Loss", "l.", "", ""),
            ("ReLU", "r.", "", ""),
            ("Validation set", "v.", "", ""),
        ]
    )
    assert {
        "Mini-batch",
        "mini-batch",
        "mini-batches",
        "Mini-batches",
        "loss",
        "losses",
        "ReLU",
        "ReLUs",
        "validation set",
        "Validation sets",
    } <= set(forms)
    assert "relu" not in forms, "an acronym keeps its capitals"
    assert forms["losses"] == "l."


def test_only_the_first_use_on_a_page_keeps_its_tooltip_and_headings_keep_none():
    page = (
        '<h2 id="x"><abbr title="l.">Loss</abbr></h2><p><abbr title="l.">loss</abbr> and '
        '<abbr title="l.">losses</abbr>, <abbr title="g.">gradient</abbr></p>'
    )
    assert glossary.first_use_only(page) == (
        '<h2 id="x">Loss</h2><p><abbr title="l.">loss</abbr> and losses, '
        '<abbr title="g.">gradient</abbr></p>'
    )


def target_ids(site, page_url, href):
    target = urlsplit(urljoin(page_url, href))
    file = site / target.path.lstrip("/") / "index.html"
    return file, target.fragment


def test_every_glossary_link_lands_on_the_section_that_teaches_the_term(site):
    text = (site / "glossary" / "index.html").read_text()
    links = re.findall(r'<dd>[^<]*<a href="([^"]+)">([^<]+)</a></dd>', text, re.DOTALL)
    assert len(links) == len(ENTRIES)
    for href, chapter in links:
        file, fragment = target_ids(site, "/glossary/", href)
        assert file.is_file(), f"{chapter}: {href} is not a page of the site"
        assert fragment and f'id="{fragment}"' in file.read_text(), (
            f"{chapter}: {href} has no such section"
        )


@pytest.mark.parametrize("url", CHAPTERS)
def test_a_chapter_shows_each_glossary_meaning_once_on_the_terms_first_use(site, url):
    text = (site / url / "index.html").read_text()
    titles = [html.unescape(t) for t in re.findall(r'<abbr title="([^"]*)">', text)]
    assert titles, "no glossary term on the page has a tooltip"
    assert set(titles) <= MEANINGS, "a tooltip that is not a glossary meaning"
    assert len(titles) == len(set(titles)), "a term's tooltip appears more than once"
    assert not re.search(r"<h[1-6][^>]*>(?:(?!</h[1-6]>).)*<abbr", text, re.DOTALL), (
        "a tooltip in a heading"
    )
