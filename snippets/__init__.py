"""SGD by Example: one small module per chapter, plus `render`, which turns figures into files."""
