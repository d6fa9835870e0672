"""The glossary: its tooltips, and an anchor for every entry.

Each entry of `docs/glossary.md` (a bold term, then `:   meaning [Chapter](link)`) becomes an
abbreviation for Python-Markdown's `abbr` extension, so a term's first use on every other page
shows its meaning (Material's tooltips). The glossary page is the one place the meanings are
written.

A term's first use can be reached with the keyboard, and its meaning is read out by a screen
reader: inside the `<abbr>` sits a focusable `<span>` described by a hidden copy of the meaning.
The span, not the `<abbr>`, takes the focus and the description, because Material's tooltip
removes the `aria-describedby` of the element that carries the `title`; it still shows the
tooltip when the focus is inside that element. On the glossary page each term gets an id, the
slug of the term (`glossary/#learning-rate`), and a permalink beside it, as a heading has, and
the page gets an A to Z index of links to the first term of each letter.

The terms are found by `Extension`, Python-Markdown's `abbr` with one change: the words of a term
may be apart by any white space, so a term broken across two lines of a page's source ("stochastic
gradient" at the end of one, "descent" at the start of the next, indented in a list) is still the
whole term, and the longest term that starts at a place wins over the shorter ones inside it.
"""

import html
import re

from markdown.extensions.abbr import AbbrExtension, AbbrTreeprocessor
from markdown.extensions.toc import slugify

PAGE = "glossary.md"  # in docs_dir; a site without one has no tooltips
ENTRY = re.compile(
    r"^\*\*(?P<term>[^*\n]+)\*\*\n:[ ]+(?P<meaning>[^\n]+?)[ ]+"
    r"\[(?P<chapter>[^\]\n]+)\]\((?P<link>[^)\n]+)\)[ ]*$",
    re.MULTILINE,
)
ABBR = re.compile(r'<abbr title="(?P<title>[^"]*)">(?P<text>.*?)</abbr>', re.DOTALL)
HEADING = re.compile(r"<h([1-6])\b.*?</h\1>", re.DOTALL)
# an abbreviation inside a link, a button or a summary cannot take the focus itself (axe:
# nested-interactive): there it is plain text, and the term's next use keeps the tooltip
INTERACTIVE = r"<(?P<close>/?)(?:a|button|label|summary)\b[^>]*>"
TOKEN = re.compile(f"{ABBR.pattern}|{INTERACTIVE}", re.DOTALL)
TERM = re.compile(r"<dt>(?P<term>.*?)</dt>", re.DOTALL)
ID = re.compile(r'\bid="([^"]*)"')
TERM_ID = re.compile(r'<dt id="([^"]*)"')
TERM_ENTRY = re.compile(r'<dt id="([^"]*)">(.*?)<a class="headerlink"', re.DOTALL)
# the hidden meanings' ids: Material's own start with "__", and a heading's never does
MEANING_ID = "__glossary_{}"


class GlossaryError(Exception):
    """The glossary page would give two elements the same id."""


def entries(markdown):
    """(term, meaning, chapter, link) for every entry of the glossary page's Markdown."""
    return [
        (m["term"], m["meaning"], m["chapter"], m["link"])
        for m in ENTRY.finditer(markdown)
    ]


def _plural(word):
    if word.endswith(("s", "x", "ch", "sh")):
        return word + "es"
    return (
        word[:-1] + "ies"
        if word.endswith("y") and word[-2:-1] not in "aeiou"
        else word + "s"
    )


def abbreviations(found):
    """The text forms of each term a page may use (as written, capitalised, lower case, plural),
    mapped to its meaning. Acronyms (MSE, ReLU) keep their capitals."""
    forms = {}
    for term, meaning, _, _ in found:
        acronym = sum(c.isupper() for c in term) > 1
        spellings = (
            {term}
            if acronym
            else {term, term[0].upper() + term[1:], term[0].lower() + term[1:]}
        )
        for spelling in spellings:
            forms[spelling] = forms[_plural(spelling)] = meaning
    return forms


def _spaced(text):
    """A term as the glossary writes it: one space between its words."""
    return " ".join(text.split())


class _Terms(dict):
    """The abbreviations, looked up by a term as a page writes it, line breaks and all."""

    def __getitem__(self, text):
        return super().__getitem__(_spaced(text))


class _Matcher(AbbrTreeprocessor):
    """abbr's matcher, with any white space between a term's words."""

    def run(self, root):
        if not self.abbrs:
            return
        terms = sorted(self.abbrs, key=len, reverse=True)  # the longest first
        words = (r"\s+".join(map(re.escape, term.split(" "))) for term in terms)
        self.RE = re.compile(rf"\b(?:{'|'.join(words)})\b")
        self.iter_element(root)


class Extension(AbbrExtension):
    """The `abbr` extension, finding terms across line breaks; `with_terms` puts it in the place
    of mkdocs.yml's `abbr`."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.abbrs = _Terms()

    def extendMarkdown(self, md):
        super().extendMarkdown(md)
        md.treeprocessors.register(_Matcher(md, self.abbrs), "abbr", 7)


def with_terms(extensions, forms):
    """The list of Markdown extensions with `abbr` replaced by `Extension`, given `forms` (from
    `abbreviations`) as its glossary."""
    return [Extension(glossary=forms) if e == "abbr" else e for e in extensions]


def anchor(term):
    """The id of a glossary entry: the slug of its term, as a heading's would be."""
    return slugify(html.unescape(re.sub(r"<[^>]+>", "", term)), "-")


def focusable(title, text, number):
    """A term's first use: the tooltip's `<abbr>`, a focusable span inside it described by the
    meaning, and the meaning itself, hidden (and kept out of the search index)."""
    meaning = MEANING_ID.format(number)
    return (
        f'<abbr title="{title}"><span class="sgd-term" tabindex="0" '
        f'aria-describedby="{meaning}">{text}</span></abbr>'
        f'<span id="{meaning}" hidden data-search-exclude>{title}</span>'
    )


def first_use_only(html_text):
    """Keep the tooltip on a term's first use in the page's text, focusable; later uses,
    headings, and uses inside a link or a button are plain text again."""
    html_text = HEADING.sub(
        lambda heading: ABBR.sub(r"\g<text>", heading[0]), html_text
    )
    seen = set()
    inside = 0  # how many links, buttons or summaries the text is in

    def keep_first(match):
        nonlocal inside
        if match["title"] is None:  # a link's, button's or summary's tag
            inside += -1 if match["close"] else 1
            return match[0]
        if inside > 0 or match["title"] in seen:
            return match["text"]
        seen.add(match["title"])
        return focusable(match["title"], match["text"], len(seen))

    return TOKEN.sub(keep_first, html_text)


def without_tooltips(html_text):
    """The glossary page itself: it defines the terms, so it needs no tooltips."""
    return ABBR.sub(r"\g<text>", html_text)


def anchored(html_text):
    """The glossary page with an id on every term (its slug) and a permalink after it. Raises
    GlossaryError if a term's id is already taken on the page."""
    taken = set(ID.findall(html_text))

    def with_anchor(match):
        ident = anchor(match["term"])
        if ident in taken:
            raise GlossaryError(f"the glossary has two elements with the id {ident!r}")
        taken.add(ident)
        return (
            f'<dt id="{ident}">{match["term"]}<a class="headerlink" href="#{ident}" '
            f'aria-label="Permanent link">¶</a></dt>'
        )  # named by aria-label, not title: Material would make each of 90 titles a tooltip,
        # a quarter of a second of script on a phone (Lighthouse)

    return _with_index(TERM.sub(with_anchor, html_text))


def _with_index(html_text):
    """The page with a line of letters before its first list of terms, each letter a link to
    the first term that starts with it: an A to Z index."""
    first = {}
    for ident, term in TERM_ENTRY.findall(html_text):
        letter = re.sub(r"<[^>]+>", "", term).strip()[:1].upper()
        first.setdefault(letter, ident)
    if not first:
        return html_text
    links = " ".join(
        f'<a href="#{ident}">{letter}</a>' for letter, ident in first.items()
    )
    index = f'<nav class="sgd-glossary-index" aria-label="Terms by letter"><p>{links}</p></nav>'
    at = html_text.index("<dl")
    return html_text[:at] + index + html_text[at:]


def anchor_ids(html_text):
    """The ids the glossary's terms have on the page, for MkDocs' check of links to them."""
    return set(TERM_ID.findall(html_text))
