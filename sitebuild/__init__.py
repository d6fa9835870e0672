"""The machinery that builds SGD by Example: what `hooks.py` calls from MkDocs' events.

The pipeline, in the order a build runs it (hooks.py reads the same way):

1. `sources`   reads the project: a page's executed code blocks and snippet includes, a snippet
               module's sections, the chapter a page teaches.
2. `keys`      says what a block's or a notebook's output depends on: its code, the snippet modules
               it imports (followed through their imports) and the libraries' versions.
3. `cache`     keeps each output under its key in `.cache/` (or `SGD_CACHE_DIR`), every entry
               written whole with a checksum beside it; a missing or damaged entry is a miss.
4. `pool`      runs what is not cached in worker processes, one per core, each under a time
               limit; a worker that dies or hangs is named by the block it was running.
5. `runner`    is what a worker does with one block or notebook, guarded: the block may not change
               the working directory or write into docs/.
6. `checks`    looks at a block's output before a page shows it: its HTML is balanced and it shows
               only figures from the figures folder, each drawn by one block.
7. `run`       ties 2 to 6 together for one build: the run ahead in parallel, the block a page asks
               for, the counts in the closing log line.
8. `highlight`, `notebooks`, `mathml`, `glossary`, `figures` and `chapter` finish each page: code
               blocks with fewer elements, the notebook pages as mkdocs-jupyter renders them, math
               as MathML, the glossary's tooltips, the figures and the link preview, and the lines
               that open and close every chapter.

State. Nothing here outlives a build except two things, on purpose: `keys.version` remembers
installed versions until the next build starts, and `pool` keeps one forkserver process per MkDocs
process (Python's own), which has imported torch and matplotlib so that workers start fast. Each
build makes its own `run.Build`, its own workers and its own counts.
"""
