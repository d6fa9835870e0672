"""The one place that reads the project's sources: the code blocks a page executes, the snippet
sections it includes, the sections of a snippet module, and the chapter module a page teaches."""

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
SNIPPETS = ROOT / "snippets"
WHOLE_PROGRAM = "The whole program"

# a fenced block of Python (``` or ~~~, indented as in a tab or an admonition), with its options
FENCE = re.compile(
    r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*python\b(?P<options>[^\n]*)\n"
    r"(?P<code>.*?)\n(?P=indent)(?P=fence)[ \t]*$",
    re.MULTILINE | re.DOTALL,
)
OPTION = re.compile(r'(?P<name>[\w-]+)="(?P<value>[^"]*)"')
ON = {"on", "1", "true", "yes"}  # what markdown-exec reads as exec="on"
# a snippet include, as pymdownx.snippets reads it: --8<-- "file" or --8<-- "file:section"
INCLUDE = re.compile(
    r'^(?P<indent>\s*)--8<-- "(?P<file>[^":]+)(?::(?P<section>[\w-]+))?"\s*$'
)
SNIPPET_INCLUDE = re.compile(r'^\s*--8<-- "snippets/(?P<module>\w+)\.py:', re.MULTILINE)
HEADING = re.compile(r"^(#{1,3}) (.+?)\s*$")


@dataclass(frozen=True)
class Block:
    """A code block a page executes: its id (None if it has none), its code, and where it starts."""

    id: str | None
    code: str
    line: int


def executed_blocks(markdown):
    """Every Python block of a page's Markdown that markdown-exec executes, in order."""
    blocks = []
    for match in FENCE.finditer(markdown):
        options = {m["name"]: m["value"] for m in OPTION.finditer(match["options"])}
        if options.get("exec", "").lower() in ON:
            indent = len(match["indent"])
            code = "\n".join(line[indent:] for line in match["code"].split("\n"))
            line = markdown.count("\n", 0, match.start()) + 1
            blocks.append(Block(options.get("id"), code, line))
    return blocks


def section_source(file, name, root=ROOT):
    """The lines of `file` between `# --8<-- [start:name]` and `[end:name]`, as a page shows them.

    pymdownx.snippets finds a marker anywhere on its line, so an end marker may be indented into
    the function it closes.
    """
    lines = (root / file).read_text().splitlines()
    markers = [line.strip() for line in lines]
    start, end = (
        markers.index(f"# --8<-- [start:{name}]"),
        markers.index(f"# --8<-- [end:{name}]"),
    )
    return "\n".join(lines[start + 1 : end])


def includes_by_heading(page, docs=DOCS):
    """[(heading, file, section)] for every snippet include on `page`, in order, outside its
    whole program."""
    found, heading, in_whole_program = [], None, False
    for line in (docs / page).read_text().splitlines():
        if (match := HEADING.match(line)) and len(match[1]) == 2:
            heading, in_whole_program = match[2], match[2] == WHOLE_PROGRAM
        elif (
            heading
            and (match := INCLUDE.match(line))
            and match["section"]
            and not in_whole_program
        ):
            found.append((heading, match["file"], match["section"]))
    return found


def whole_program(page, docs=DOCS):
    """[(file, section)] of the includes of `page`'s whole program, in order."""
    text = (docs / page).read_text().split(f"## {WHOLE_PROGRAM}", 1)[1]
    return [
        (m["file"], m["section"])
        for line in text.splitlines()
        if (m := INCLUDE.match(line)) and m["section"]
    ]


def chapter_module(markdown):
    """The snippet module a chapter teaches: the one its code blocks show most (the first, on a
    tie); None for a page that shows none."""
    shown = [m["module"] for m in SNIPPET_INCLUDE.finditer(markdown)]
    return max(dict.fromkeys(shown), key=shown.count) if shown else None
