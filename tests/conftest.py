"""Helpers shared by the tests: where the project is, and how a page's code blocks read."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INCLUDE = re.compile(r'^(?P<indent>\s*)--8<-- "(?P<file>[^":]+)(?::(?P<section>[\w-]+))?"\s*$')


def section(path, name):
    """Return the lines between `# --8<-- [start:name]` and `[end:name]` in `path`, as the page shows them."""
    lines = (ROOT / path).read_text().splitlines()
    start = lines.index(f"# --8<-- [start:{name}]")
    end = lines.index(f"# --8<-- [end:{name}]")
    return "\n".join(lines[start + 1 : end])


def code_block(page, title):
    """Return the code block titled `title` on docs/`page`, with its snippet includes expanded."""
    text = (ROOT / "docs" / page).read_text()
    match = re.search(rf'```python title="{re.escape(title)}"\n(.*?)\n```', text, re.DOTALL)
    assert match, f"docs/{page} has no python block titled {title!r}"
    out = []
    for line in match[1].splitlines():
        inc = INCLUDE.match(line)
        out.append(section(inc["file"], inc["section"]) if inc else line)
    return "\n".join(out) + "\n"
