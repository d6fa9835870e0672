"""Run one page's code blocks, as the build would, without building the site: a quick check while
you write a chapter.

    .venv/bin/python -m sitebuild.page docs/learning-rate.md [block-id ...]

Each executed block runs in this process, in the page's order (or only the blocks named), and is
checked as the build checks it (an id, balanced HTML, figures from the figures folder). It prints
each block's id, its seconds and the start of its output, and exits 1 if any block failed. The
figures it draws land in the cache's figures folder, where the build would put them; nothing else
is cached, so the next build still runs every block in its workers.
"""

import sys
import time
from pathlib import Path

from sitebuild import checks, runner, sources


def main(argv):
    if not argv:
        print(__doc__)
        return 2
    page, only = Path(argv[0]), set(argv[1:])
    from snippets.drawing import FIGURES_DIR, FIGURES_URL

    failed = 0
    for block in sources.executed_blocks(page.read_text()):
        if only and block.id not in only:
            continue
        start = time.perf_counter()
        try:
            if not block.id:
                raise runner.BlockFailed(
                    f"line {block.line}: an executed block needs an id"
                )
            output = runner.run_block(block.code, block.id, sources.DOCS)
        except runner.BlockFailed as error:
            failed += 1
            print(f"FAILED {block.id or '(no id)'}: {error}")
            continue
        figures, bad = checks.figure_names(output, FIGURES_URL)
        figures = checks.with_frames(figures, FIGURES_DIR)
        problems = checks.unbalanced(output) + [f"shows {src!r}" for src in bad]
        problems += [
            f"shows {name}, not drawn"
            for name in figures
            if not (FIGURES_DIR / name).is_file()
        ]
        seconds = time.perf_counter() - start
        if problems:
            failed += 1
            print(f"FAILED {block.id}: {'; '.join(problems)}")
        else:
            first = (
                output.strip().splitlines()[0][:80] if output.strip() else "(no output)"
            )
            print(f"ok {block.id} {seconds:.2f} s  {first}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
