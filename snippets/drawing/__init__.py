"""The drawing of the book: for each chapter, its figures, animations, alt texts, tables and the
sentences its page prints (`drawing.<chapter>`); shared by all, the number formatting (`numbers`),
the line problem's common pictures (`line_problem`), and `render`, the one module that writes
image files.

Generated files go under CACHE_DIR (git-ignored; the SGD_CACHE_DIR environment variable moves
it): figures in FIGURES_DIR, which pages refer to as FIGURES_URL + file name, from the site root.
"""

import os
from pathlib import Path

CACHE_DIR = Path(
    os.environ.get("SGD_CACHE_DIR", Path(__file__).resolve().parents[2] / ".cache")
)
FIGURES_DIR = CACHE_DIR / "figures"
FIGURES_URL = "figures/"
