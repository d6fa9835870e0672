"""The glossary's tooltips.

Each entry of `docs/glossary.md` (a bold term, then `:   meaning [Chapter](link)`) becomes an
abbreviation for Python-Markdown's `abbr` extension, so a term's first use on every other page
shows its meaning (Material's tooltips). The glossary page is the one place the meanings are
written.
"""

import re

PAGE = "glossary.md"  # in docs_dir; a site without one has no tooltips
ENTRY = re.compile(
    r"^\*\*(?P<term>[^*\n]+)\*\*\n:[ ]+(?P<meaning>[^\n]+?)[ ]+"
    r"\[(?P<chapter>[^\]\n]+)\]\((?P<link>[^)\n]+)\)[ ]*$",
    re.MULTILINE,
)
ABBR = re.compile(r'<abbr title="(?P<title>[^"]*)">(?P<text>.*?)</abbr>', re.DOTALL)
HEADING = re.compile(r"<h([1-6])\b.*?</h\1>", re.DOTALL)


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


def first_use_only(html_text):
    """Keep the tooltip on a term's first use in the page's text; later uses, and headings, are
    plain text again."""
    html_text = HEADING.sub(
        lambda heading: ABBR.sub(r"\g<text>", heading[0]), html_text
    )
    seen = set()

    def keep_first(match):
        if match["title"] in seen:
            return match["text"]
        seen.add(match["title"])
        return match[0]

    return ABBR.sub(keep_first, html_text)


def without_tooltips(html_text):
    """The glossary page itself: it defines the terms, so it needs no tooltips."""
    return ABBR.sub(r"\g<text>", html_text)
