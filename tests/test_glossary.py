"""The glossary: one line per term, a link that lands on the section teaching it, an anchor of its
own, and the same line as a tooltip on the term's first use on every other page, reached by the
keyboard and read by a screen reader (sitebuild/glossary.py turns the entries into the `abbr`
extension's glossary)."""

import html
import re
from html.parser import HTMLParser
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
    # issue 17: every word a chapter's "Words this page introduced" names
    "Velocity",
    "Rank",
    "World size",
    "Width",
    "Depth",
    "Regularisation",
    "Class",
    "Confidence",
]
WORDS_INTRODUCED = re.compile(
    r"^## Words this page introduced\n(.*?)(?=^## )", re.M | re.S
)


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


@pytest.mark.parametrize("page", [f"{url.strip('/')}.md" for url in CHAPTERS])
def test_every_word_a_chapter_says_it_introduced_is_in_the_glossary(page):
    section = WORDS_INTRODUCED.search((ROOT / "docs" / page).read_text())
    assert section, f"docs/{page} has no section 'Words this page introduced'"
    words = re.findall(r"\*\*([^*\n]+)\*\*", section[1])
    assert words, "the section names no word in bold"
    forms = glossary.abbreviations(ENTRIES)
    assert [w for w in words if w not in forms] == [], "not in docs/glossary.md"


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


def marked(source, found):
    """The HTML Python-Markdown makes of `source` with the glossary's terms from `found`, as
    the build's hooks.py sets it up."""
    import markdown

    forms = glossary.abbreviations(found)
    return markdown.markdown(
        source, extensions=glossary.with_terms(["abbr", "def_list"], forms)
    )


TERMS = [
    ("Stochastic gradient descent", "sgd.", "", ""),
    ("Gradient descent", "gd.", "", ""),
    ("Gradient", "g.", "", ""),
    ("Power iteration", "pi.", "", ""),
    ("Iteration", "it.", "", ""),
]


def test_a_term_broken_across_lines_is_the_whole_term_and_the_longest_wins():
    # Python-Markdown's abbr alone matches "gradient" here: the source line breaks after it
    source = (
        "every model trained with stochastic gradient\ndescent, and\n\n"
        "- a list item on power\n  iteration, indented\n\n"
        "then gradient descent and a gradient, and one iteration."
    )
    html_text = marked(source, TERMS)
    titles = re.findall(r'<abbr title="([^"]*)">(.*?)</abbr>', html_text, re.S)
    assert titles == [
        ("sgd.", "stochastic gradient\ndescent"),
        ("pi.", "power\n  iteration"),
        ("gd.", "gradient descent"),
        ("g.", "gradient"),
        ("it.", "iteration"),
    ]


def test_without_the_glossarys_matcher_abbr_splits_the_broken_term():
    # the case the matcher fixes: abbr itself finds only the word after the break
    import markdown

    forms = glossary.abbreviations(TERMS)
    html_text = markdown.markdown(
        "stochastic gradient\ndescent",
        extensions=["abbr"],
        extension_configs={"abbr": {"glossary": forms}},
    )
    assert re.findall(r'<abbr title="([^"]*)">', html_text) == ["g."]


def test_with_terms_replaces_abbr_and_leaves_the_other_extensions():
    extensions = glossary.with_terms(["admonition", "abbr", "toc"], {"SGD": "s."})
    assert extensions[0] == "admonition" and extensions[2] == "toc"
    assert isinstance(extensions[1], glossary.Extension)


def test_weight_decay_is_l2_regularisation_for_sgd_and_not_for_adam():
    import torch

    (meaning,) = [m for t, m, _, _ in ENTRIES if t == "Weight decay"]
    assert "SGD" in meaning and "Adam" in meaning and "AdamW" in meaning
    # f(w) = 1/2 (w - c)^T diag(h) (w - c); decay 0.1, rate 0.05, three steps from w0
    h = torch.tensor([1.0, 10.0], dtype=torch.float64)
    c = torch.tensor([1.0, -1.0], dtype=torch.float64)
    decay, lr = 0.1, 0.05

    def steps(make, penalty):
        w = torch.tensor([2.0, 3.0], dtype=torch.float64, requires_grad=True)
        opt = make([w])
        for _ in range(3):
            loss = 0.5 * (h * (w - c) ** 2).sum() + penalty * 0.5 * decay * (w**2).sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
        return w.detach()

    # SGD: shrinking the weights (decoupled, as AdamW's rule, by hand) is the L2 penalty
    w = torch.tensor([2.0, 3.0], dtype=torch.float64)
    for _ in range(3):
        w = w * (1 - lr * decay) - lr * h * (w - c)
    sgd_l2 = steps(lambda ps: torch.optim.SGD(ps, lr=lr), penalty=1)
    assert torch.allclose(sgd_l2, w, rtol=0, atol=1e-12)
    # Adam: shrinking (AdamW) and the penalty (Adam on the loss plus L2) part ways
    adamw = steps(
        lambda ps: torch.optim.AdamW(ps, lr=lr, weight_decay=decay), penalty=0
    )
    adam_l2 = steps(lambda ps: torch.optim.Adam(ps, lr=lr), penalty=1)
    assert (adamw - adam_l2).abs().max() > 1e-3


def kept(title, text, number):
    """A term's first use as the build writes it: focusable, described by its hidden meaning."""
    return (
        f'<abbr title="{title}"><span class="sgd-term" tabindex="0" '
        f'aria-describedby="__glossary_{number}">{text}</span></abbr>'
        f'<span id="__glossary_{number}" hidden data-search-exclude>{title}</span>'
    )


def test_only_the_first_use_on_a_page_keeps_its_tooltip_and_headings_keep_none():
    page = (
        '<h2 id="x"><abbr title="l.">Loss</abbr></h2><p><abbr title="l.">loss</abbr> and '
        '<abbr title="l.">losses</abbr>, <abbr title="g.">gradient</abbr></p>'
    )
    assert glossary.first_use_only(page) == (
        f'<h2 id="x">Loss</h2><p>{kept("l.", "loss", 1)} and losses, '
        f"{kept('g.', 'gradient', 2)}</p>"
    )


def test_a_term_inside_a_link_or_a_summary_is_plain_text_and_its_next_use_keeps_the_tooltip():
    # a focusable term inside a link would be a control inside a control (axe: nested-interactive)
    page = (
        '<p><a href="loss/"><abbr title="l.">Loss</abbr></a> <abbr title="l.">loss</abbr></p>'
        '<details><summary><abbr title="g.">Gradient</abbr></summary>'
        '<p><abbr title="g.">gradient</abbr></p></details>'
    )
    assert glossary.first_use_only(page) == (
        f'<p><a href="loss/">Loss</a> {kept("l.", "loss", 1)}</p>'
        f"<details><summary>Gradient</summary><p>{kept('g.', 'gradient', 2)}</p></details>"
    )


def test_each_glossary_term_gets_its_slug_as_id_and_a_permalink():
    page = '<h1 id="glossary">Glossary</h1><dl><dt><strong>Learning rate</strong></dt><dd>x</dd>'
    index = (
        '<nav class="sgd-glossary-index" aria-label="Terms by letter">'
        '<p><a href="#learning-rate">L</a></p></nav>'
    )
    assert glossary.anchored(page) == (
        f'<h1 id="glossary">Glossary</h1>{index}<dl><dt id="learning-rate"><strong>Learning rate</strong>'
        '<a class="headerlink" href="#learning-rate" aria-label="Permanent link">¶</a></dt><dd>x</dd>'
    )
    assert glossary.anchor_ids(glossary.anchored(page)) == {"learning-rate"}
    with pytest.raises(glossary.GlossaryError, match="'glossary'"):
        glossary.anchored(page + "<dl><dt><strong>Glossary</strong></dt></dl>")


def test_the_glossary_has_an_a_to_z_index_linking_each_letters_first_term():
    page = (
        "<h1>Glossary</h1><dl>"
        + "".join(
            f"<dt><strong>{t}</strong></dt><dd>x</dd>"
            for t in ("Accuracy", "Activation function", "Batch size", "ReLU", "Rank")
        )
        + "</dl>"
    )
    index = re.search(
        r'<nav class="sgd-glossary-index".*?</nav>', glossary.anchored(page)
    )[0]
    assert re.findall(r'<a href="#([^"]+)">(.)</a>', index) == [
        ("accuracy", "A"),
        ("batch-size", "B"),
        ("relu", "R"),
    ]


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


def test_every_glossary_entry_has_a_unique_id_the_slug_of_its_term_with_a_permalink(
    site,
):
    text = (site / "glossary" / "index.html").read_text()
    terms = re.findall(
        r'<dt id="([^"]+)"><strong>([^<]+)</strong>'
        r'<a class="headerlink" href="#([^"]+)" aria-label="Permanent link">¶</a></dt>',
        text,
    )
    assert [term for _, term, _ in terms] == [term for term, _, _, _ in ENTRIES]
    for ident, term, href in terms:
        assert ident == href == glossary.anchor(term), term
    ids = re.findall(r'\bid="([^"]+)"', text)
    assert len(ids) == len(set(ids)), "two elements share an id"
    assert {"momentum", "learning-rate", "world-size"} <= set(ids)


class Terms(HTMLParser):
    """The glossary terms of a page as a browser reads them: for each <abbr>, its title and the
    attributes of the element inside it; and every element's attributes and text, by id."""

    def __init__(self, text):
        super().__init__()
        self.terms, self.by_id, self.open, self.links = [], {}, [], 0
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a":
            self.links += 1
        if self.open and self.open[-1][0] == "abbr":
            self.terms[-1][2] = attrs  # the first element inside the abbr
        if tag == "abbr":
            self.terms.append([attrs.get("title"), self.links, None])
        if "id" in attrs:
            self.by_id[attrs["id"]] = [attrs, ""]
        self.open.append((tag, attrs.get("id")))

    def handle_endtag(self, tag):
        if tag == "a":
            self.links -= 1
        while self.open and self.open.pop()[0] != tag:
            pass

    def handle_data(self, data):
        for _, ident in self.open:
            if ident in self.by_id:
                self.by_id[ident][1] += data


@pytest.mark.parametrize("url", CHAPTERS)
def test_a_terms_first_use_takes_the_focus_and_is_described_by_its_meaning(site, url):
    page = Terms((site / url / "index.html").read_text())
    assert page.terms, "no glossary term on the page has a tooltip"
    for title, links, inner in page.terms:
        assert links == 0, (
            f"{title}: a focusable term inside a link (nested-interactive)"
        )
        assert inner and inner.get("tabindex") == "0", f"{title}: cannot be focused"
        attrs, text = page.by_id[inner["aria-describedby"]]
        assert text == title and title in MEANINGS, "described by its glossary meaning"
        assert "hidden" in attrs and "data-search-exclude" in attrs, (
            "the meaning is shown once, in the tooltip, and not indexed for search"
        )
