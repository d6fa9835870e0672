"""Code blocks with fewer elements.

Pygments wraps every token of a code block in a span of its own: the names (class "n"), the runs
of spaces ("w"), each bracket, comma and dot ("p") and each operator ("o") too. On a chapter those
are two thirds of the page's elements, and on a phone every element costs the browser at each of
the style recalculations Material's script forces as it starts (Lighthouse's main cost here).
This takes those spans out and keeps their text: what a block shows, and what its copy button
copies, stays the same to the character. Names and spaces look as before (Material colours them
as plain code); punctuation and operators take the code's own colour instead of Material's
lighter grey for them. Keywords, strings, numbers, comments and word operators (`in`, `not`)
keep their spans and their colours.
"""

import re

# Pygments' short classes; no other markup of the site has a class of just "n", "w", "p" or "o"
PLAIN = re.compile(r'<span class="(?:n|w|p|o)">([^<]*)</span>')


def lighter(html_text):
    """`html_text` with the plain-text, punctuation and operator spans of its code blocks unwrapped."""
    return PLAIN.sub(r"\1", html_text)
