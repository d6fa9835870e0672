"""SGD by Example: one small module per chapter, plus `render`, which turns figures into files.

Generated files go under CACHE_DIR (git-ignored; the SGD_CACHE_DIR environment variable moves
it): figures in FIGURES_DIR, which pages refer to as FIGURES_URL + file name, from the site root.
"""

import os
from pathlib import Path

CACHE_DIR = Path(
    os.environ.get("SGD_CACHE_DIR", Path(__file__).resolve().parent.parent / ".cache")
)
FIGURES_DIR = CACHE_DIR / "figures"
FIGURES_URL = "figures/"
