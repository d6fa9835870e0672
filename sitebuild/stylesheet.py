"""A stylesheet cut down to the rules a page can use.

mkdocs-jupyter styles a notebook page with JupyterLab's whole stylesheet, 600 KB (90 KB
compressed), for the widgets, menus and dialogs of a running JupyterLab; a notebook page uses a
few dozen of its rules. On a phone the browser waits for all of it before the first paint
(Lighthouse counted a second). `used` keeps every rule whose selector matches an element of the
page, and any rule it cannot rule out: a selector that only matches while the reader hovers,
focuses or checks something, or under an attribute a script sets (the palette's
data-md-color-scheme), is tested without that part, so it is kept whenever the element exists.
At-rules other than @media and @supports (fonts, keyframes) are kept whole.
"""

import functools
import re

import tinycss2
from selectolax.lexbor import LexborHTMLParser

# the parts of a selector a static page cannot decide: states the reader or a script changes,
# and pseudo-elements (they match when their element does)
DYNAMIC = re.compile(
    r"::[a-zA-Z-]+(?:\([^()]*\))?"
    r"|:(?:hover|focus|focus-visible|focus-within|active|visited|link|checked|disabled|enabled"
    r"|indeterminate|placeholder-shown|invalid|valid|target|before|after|first-line"
    r"|first-letter|selection|-(?:webkit|moz|ms)-[a-zA-Z-]+)(?:\([^()]*\))?"
)
ATTRIBUTE = re.compile(r"\[[^\]]*\]")
# where a notebook's HTML sits on the page: its selectors may name these ancestors
PAGE = (
    '<body data-md-color-scheme="default"><div class="md-container"><main class="md-main">'
    '<div class="md-content"><article class="md-content__inner md-typeset">{}</article>'
    "</div></main></div></body>"
)


def _selectors(prelude):
    """The selectors of a rule's prelude, split at its top-level commas."""
    parts, depth, current = [], 0, ""
    for ch in tinycss2.serialize(prelude):
        depth += (ch in "([") - (ch in ")]")
        if ch == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += ch
    parts.append(current.strip())
    return [p for p in parts if p]


@functools.lru_cache(maxsize=4)
def _rules(css):
    return tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)


def used(css, html_fragment):
    """`css` without the rules that match no element of `html_fragment` (a page's content)."""
    tree = LexborHTMLParser(PAGE.format(html_fragment))
    seen = {}

    def matches(selector):
        static = ATTRIBUTE.sub("", DYNAMIC.sub("", selector)).strip()
        static = re.sub(r"\s*[>+~]\s*$", "", static)
        if not re.search(r"[.#a-zA-Z]", static):  # `*`, or nothing left to test
            return True
        if static not in seen:
            try:
                seen[static] = tree.css_first(static) is not None
            except Exception:  # a selector lexbor does not know: keep its rule
                seen[static] = True
        return seen[static]

    def cut(rules):
        out = []
        for rule in rules:
            if rule.type == "qualified-rule":
                keep = [s for s in _selectors(rule.prelude) if matches(s)]
                if keep:
                    out.append(
                        f"{','.join(keep)}{{{tinycss2.serialize(rule.content).strip()}}}"
                    )
            elif rule.type == "at-rule":
                if (
                    rule.lower_at_keyword in ("media", "supports")
                    and rule.content is not None
                ):
                    inner = cut(
                        tinycss2.parse_rule_list(
                            rule.content, skip_comments=True, skip_whitespace=True
                        )
                    )
                    if inner:
                        prelude = tinycss2.serialize(rule.prelude)
                        out.append(f"@{rule.at_keyword}{prelude}{{{''.join(inner)}}}")
                else:
                    out.append(tinycss2.serialize([rule]))
        return out

    return "\n".join(cut(_rules(css)))
