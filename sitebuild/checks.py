"""What a block's output must be before a page shows it.

- Its HTML is balanced: every element it opens it closes, in order. An unclosed <strong> would turn
  the rest of the page bold, and nothing else would say why.
- Every image it shows is a file of the figures folder, named plainly (`figures/<name>`): the
  build publishes those and only those, so a reference that climbs out of the folder, or points
  anywhere else, is an error rather than a file copied from outside the project.
"""

import re
from html.parser import HTMLParser

# a figure's file name: no folder, no "..", not hidden
NAME = re.compile(r"[\w][\w.-]*")
# the attributes by which HTML loads an image: the figures a page must publish
SOURCE = re.compile(
    r'\s(?P<attr>src|srcset|data-src|data-preview|data-gif|data-manifest)="(?P<src>[^"]*)"',
    re.IGNORECASE,
)
# the elements a block's HTML may use that must be closed; others (unknown words between < and >,
# as in "a <b" in prose, or void elements such as <img>) are not counted
ELEMENTS = """a abbr b blockquote button code datalist dd details div dl dt em figcaption figure
    form g h1 h2 h3 h4 h5 h6 i label li mark math mi mn mo mrow ol option output p pre section select
    small span strong sub summary sup svg table tbody td tfoot th thead tr ul"""
CLOSED = frozenset(ELEMENTS.split())


class _Balance(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.open, self.problems = [], []

    def handle_starttag(self, tag, attrs):
        if tag in CLOSED:
            self.open.append((tag, self.getpos()[0]))

    def handle_startendtag(self, tag, attrs):
        pass  # <g/>: opened and closed at once

    def handle_endtag(self, tag):
        if tag not in CLOSED:
            return
        if self.open and self.open[-1][0] == tag:
            self.open.pop()
        elif any(t == tag for t, _ in self.open):
            while self.open[-1][0] != tag:
                opened, line = self.open.pop()
                self.problems.append(
                    f"<{opened}> on line {line} is not closed before </{tag}>"
                )
            self.open.pop()
        else:
            self.problems.append(f"</{tag}> on line {self.getpos()[0]} closes nothing")


def unbalanced(html_text):
    """What is wrong with the nesting of `html_text`'s elements; [] if nothing."""
    parser = _Balance()
    parser.feed(html_text)
    parser.close()
    return parser.problems + [
        f"<{tag}> on line {line} is never closed" for tag, line in parser.open
    ]


def figure_names(output, figures_url):
    """The figures an output shows, by file name, and every image reference that is not a figure.

    Returns (names, bad): names of files in the figures folder; bad references, as written."""
    names, bad = set(), []
    for match in SOURCE.finditer(output):
        written = match["src"]
        urls = (
            [c.split()[0] for c in written.split(",") if c.strip()]
            if match["attr"] == "srcset"
            else [written]
        )
        for url in urls:
            src = url.split("#", 1)[0]
            name = src[len(figures_url) :] if src.startswith(figures_url) else None
            if name is not None and NAME.fullmatch(name) and ".." not in name:
                names.add(name)
            else:
                bad.append(written)
    return names, bad


def with_frames(names, figures_dir):
    """`names`, and the frames every explorable's manifest among them lists (render.explorable):
    the page shows one frame of each, and the reader's browser fetches the others."""
    import json

    frames = set(names)
    for name in names:
        path = figures_dir / name
        if name.endswith(".json") and path.is_file():
            for files in json.loads(path.read_text())["files"].values():
                frames.update(f for f in files if NAME.fullmatch(f) and ".." not in f)
    return frames
