"""Code blocks with fewer elements, drawn the same.

Pygments wraps every token of a code block in a span of its own, the names (class "n") and the
runs of spaces ("w") too, which Material and mkdocs-jupyter colour as plain code: on a chapter,
a quarter of the page's elements, and on a phone every element costs the browser at each of the
style recalculations Material's script forces as it starts (Lighthouse's main cost here). This
takes those spans out and keeps their text: what a block shows, and what its copy button copies,
stays the same to the character.
"""

import re

# Pygments' short classes; no other markup of the site has a class of just "n" or "w"
PLAIN = re.compile(r'<span class="(?:n|w)">([^<]*)</span>')


def lighter(html_text):
    """`html_text` with the plain-text token spans of its code blocks unwrapped."""
    return PLAIN.sub(r"\1", html_text)
