"""The build's cache in `.cache/` (or `SGD_CACHE_DIR`): what each block printed and each notebook's
run, under their keys, and which figure files a block's output shows.

Every entry is written whole (to a temporary file, then renamed: builds may share a cache) and
carries the SHA-256 of its content. An entry that is missing is a miss; one that is truncated,
unreadable or does not match its checksum is a miss too, with one warning naming the file, and it
is deleted, so the block runs again. Nothing read from here reaches a page unchecked.

mkdocs-jupyter keeps its rendered notebook pages in a cache folder of its own and writes them in
place, so a full disk or a kill can leave one truncated, which it would then fail to read on every
later build. `check_foreign` and `seal_foreign` give its entries the same guarantee from outside:
after a build, each readable entry gets a checksum file beside it; before the next, an entry
without a matching one is deleted (mkdocs-jupyter renders it again).
"""

import hashlib
import json
import logging
import os
import sys
from pathlib import Path

from snippets.drawing import CACHE_DIR, FIGURES_DIR

FIX = "deleting .cache/ is always safe: everything in it is made again"


def _warner():
    # Its own logger, not under "mkdocs": a damaged entry is recovered from, so it must not fail a
    # strict build the way MkDocs' warnings do, and it must still be seen.
    logger = logging.getLogger("sitebuild")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("WARNING -  %(message)s"))
        logger.addHandler(handler)
        logger.propagate = False
    return logger


def warn_damaged(path, reason):
    _warner().warning(
        "cache entry %s is %s: it is a miss and will be made again (%s)",
        path,
        reason,
        FIX,
    )


def warn_unwritable(path, error):
    _warner().warning(
        "cannot write the cache entry %s (%s): this build goes on without it",
        path,
        error,
    )


def digest(data):
    return hashlib.sha256(data).hexdigest()


def write_whole(path, data):
    """Write bytes to `path` whole: a temporary file beside it, then a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    partial.write_bytes(data)
    partial.replace(path)


def read_entry(path):
    """The content of the entry at `path`, or None if it is missing or damaged (then deleted)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as error:
        warn_damaged(path, f"unreadable ({error.strerror})")
        return None
    try:
        entry = json.loads(raw)
        content = entry["content"]
        if entry["sha256"] != digest(json.dumps(content, sort_keys=True).encode()):
            raise ValueError
    except (ValueError, KeyError, TypeError):
        reason = (
            "empty" if not raw else "truncated or changed (its checksum does not match)"
        )
        warn_damaged(path, reason)
        path.unlink(missing_ok=True)
        return None
    return content


def write_entry(path, content):
    """Write an entry whole, with its checksum; if the cache cannot take it (a full disk, a folder
    in the way), say so and go on: the build has the content in memory."""
    body = json.dumps(content, sort_keys=True)
    entry = json.dumps(
        {"sha256": digest(body.encode()), "content": content}, sort_keys=True
    )
    try:
        write_whole(path, entry.encode())
    except OSError as error:
        warn_unwritable(path, error.strerror)


class Cache:
    """The entries of one cache folder."""

    def __init__(self, root=CACHE_DIR, figures=FIGURES_DIR):
        self.root, self.figures = Path(root), Path(figures)

    def _block(self, key):
        return self.root / "blocks" / f"{key}.json"

    def block(self, key):
        """What the block with `key` printed, or None: a miss, or a figure it shows changed on disk."""
        content = read_entry(self._block(key))
        if content is None:
            return None
        for name, expected in content["figures"].items():
            path = self.figures / name
            if not path.is_file() or digest(path.read_bytes()) != expected:
                return None  # drawn again by the block, which a deleted or edited figure needs
        return content["output"]

    def put_block(self, key, output, figures):
        """Keep what a block printed, with the digests of the figure files (names) it shows."""
        digests = {
            name: digest((self.figures / name).read_bytes()) for name in sorted(figures)
        }
        write_entry(self._block(key), {"output": output, "figures": digests})

    def notebook_file(self, key, name):
        """Where the run notebook `name` with `key` is kept as a file, for mkdocs-jupyter to read."""
        return self.root / "notebooks" / key / name

    def notebook(self, key, name):
        """The path of the run notebook `name` with `key`, or None. The .ipynb file mkdocs-jupyter
        reads is made from the checked entry whenever it is missing or differs from it."""
        content = read_entry(self.root / "notebooks" / f"{key}.json")
        if content is None:
            return None
        path = self.notebook_file(key, name)
        data = content["notebook"].encode()
        if not path.is_file() or path.read_bytes() != data:
            write_whole(path, data)
        return path

    def put_notebook(self, key, name, text):
        write_entry(self.root / "notebooks" / f"{key}.json", {"notebook": text})
        return self.notebook(key, name)


def check_foreign(folder):
    """Before a build: delete each entry of another tool's cache `folder` that has no checksum file
    beside it, or whose checksum does not match, so that the tool makes it again."""
    folder = Path(folder).resolve()
    if not folder.is_dir():
        return
    for path in sorted(folder.glob("*.json")):
        seal = path.with_name(path.name + ".sha256")
        try:
            ok = seal.read_text() == digest(path.read_bytes())
        except OSError:
            ok = False
        if not ok:
            warn_damaged(path, "unsealed or changed since it was written")
            path.unlink(missing_ok=True)
            seal.unlink(missing_ok=True)


def seal_foreign(folder):
    """After a build: give each readable entry of `folder` a checksum file; forget the rest."""
    folder = Path(folder).resolve()
    if not folder.is_dir():
        return
    for path in sorted(folder.glob("*.json")):
        seal = path.with_name(path.name + ".sha256")
        data = path.read_bytes()
        try:
            json.loads(data)
        except ValueError:
            path.unlink(
                missing_ok=True
            )  # written this build and cut short: made again next time
            seal.unlink(missing_ok=True)
            continue
        if not seal.is_file() or seal.read_text() != digest(data):
            write_whole(seal, digest(data).encode())
    for seal in folder.glob("*.json.sha256"):
        if not seal.with_suffix("").is_file():
            seal.unlink(missing_ok=True)
