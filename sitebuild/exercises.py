"""The exercises' files that are made from our solutions, never written by hand.

- `exercises/<name>.py`, the file a reader fills in, is `exercises/solutions/<name>.py` with every
  region between `# --8<-- [start:solution]` and `# --8<-- [end:solution]` replaced by a
  `raise NotImplementedError`. So its signatures and docstrings cannot drift from our answer's.
- The wrong answers that prove a check can fail are small patches of our solution, in
  `tests/exercise_mistakes/<name>/<mistake>.diff` (a line of description, then a unified diff);
  `apply_patch` applies one, and fails loudly if it no longer fits the solution.

Write the unsolved files again after changing a solution:  .venv/bin/python -m sitebuild.exercises
(tests/test_exercises.py fails while one is out of step).
"""

import re
import subprocess
import sys
from pathlib import Path

from sitebuild.sources import ROOT

EXERCISES = ROOT / "exercises"
SOLUTION = re.compile(
    r"^(?P<indent>[ \t]*)# --8<-- \[start:solution\]\n.*?^[ \t]*# --8<-- \[end:solution\]\n",
    re.MULTILINE | re.DOTALL,
)
IMPORT = re.compile(r"^((?:import|from) [^\n]+?)$", re.MULTILINE)
HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


def unsolved(solution, name):
    """The text of the file a reader fills in, made from our solution's text."""
    function = re.search(r"^def (\w+)", solution, re.MULTILINE)[1]

    def blank(match):
        return f'{match["indent"]}raise NotImplementedError("write {function} in exercises/{name}.py")\n'

    text = SOLUTION.sub(blank, solution)
    # the imports are for the reader's answer, which is not written yet
    text = IMPORT.sub(r"\1  # noqa: F401  (your answer will need it)", text)
    formatted = subprocess.run(  # as the rest of the project: ruff format's
        [
            Path(sys.executable).parent / "ruff",
            "format",
            "--stdin-filename",
            f"{name}.py",
            "-",
        ],
        input=text,
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return formatted.stdout


def apply_patch(text, diff):
    """`text` with the unified diff `diff` applied; ValueError if a hunk does not fit exactly."""
    lines = text.splitlines(keepends=True)
    out, at = [], 0
    patch = diff.splitlines(keepends=True)
    i = next(n for n, line in enumerate(patch) if line.startswith("@@"))
    while i < len(patch):
        header = HUNK.match(patch[i])
        if header is None:
            raise ValueError(f"not a hunk header: {patch[i]!r}")
        start = int(header[1]) - 1 if header[2] != "0" else int(header[1])
        out.extend(lines[at:start])
        at = start
        i += 1
        while i < len(patch) and not patch[i].startswith("@@"):
            kind, line = patch[i][0], patch[i][1:]
            if kind in " -":
                if at >= len(lines) or lines[at] != line:
                    raise ValueError(
                        f"the patch does not fit line {at + 1}: expected {line!r}"
                    )
                at += 1
            if kind in " +":
                out.append(line)
            i += 1
    return "".join(out + lines[at:])


def main():
    changed = 0
    for solution in sorted((EXERCISES / "solutions").glob("*.py")):
        target = EXERCISES / solution.name
        text = unsolved(solution.read_text(), solution.stem)
        if not target.exists() or target.read_text() != text:
            target.write_text(text)
            print(f"wrote {target.relative_to(ROOT)}")
            changed += 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
