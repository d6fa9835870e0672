"""Helpers shared by the tests: where the project is, and how a page's code blocks read."""

import os
import re
from pathlib import Path

# The same numerics as the build (hooks.py): one thread, so tests compute the bits the pages show
# and are not slowed by threads fighting over two cores.
os.environ["MKL_CBWR"] = "COMPATIBLE"
os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = "1"

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


# ---------------------------------------------------------------------------------------------
# The built site, shared by every test that looks at it: one cold build per test session.

import functools  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer  # noqa: E402

import pytest  # noqa: E402


def _mkdocs_command(config_file, site_dir, cache_dir):
    env = {**os.environ, "SGD_CACHE_DIR": str(cache_dir), "NO_MKDOCS_2_WARNING": "1"}
    env.pop("SITE_URL", None)
    cmd = [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config_file), "-d", str(site_dir)]
    return cmd, env


def mkdocs_build(config_file, site_dir, cache_dir):
    """Run `mkdocs build --strict` in a fresh process, from the config's folder, with its own cache."""
    cmd, env = _mkdocs_command(config_file, site_dir, cache_dir)
    return subprocess.run(cmd, cwd=config_file.parent, env=env, capture_output=True, text=True, timeout=600)


def _tree(folder):
    return {p.relative_to(folder): p.stat().st_mtime_ns for p in folder.rglob("*")}


@pytest.fixture(scope="session")
def _cold_builds(request, tmp_path_factory):
    """Start every cold build this session needs at once, so that they share the cores.

    "site" is the site the tests look at; "site_again" is a second cold build of the same commit,
    started only if a collected test compares against it.
    """
    wanted = ["site"]
    if any("site_again" in item.fixturenames for item in request.session.items):
        wanted.append("site_again")
    docs_before = _tree(ROOT / "docs")
    started = {}
    for name in wanted:
        site_dir = tmp_path_factory.mktemp(name)
        cmd, env = _mkdocs_command(ROOT / "mkdocs.yml", site_dir, tmp_path_factory.mktemp("cache"))
        started[name] = (site_dir, subprocess.Popen(cmd, cwd=ROOT, env=env, text=True,
                                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE))
    yield started, docs_before
    for _, process in started.values():
        process.kill() if process.poll() is None else None


def _finished(builds, name):
    (started, docs_before) = builds
    site_dir, process = started[name]
    _, stderr = process.communicate(timeout=600)
    assert process.returncode == 0, stderr
    assert _tree(ROOT / "docs") == docs_before, "the build wrote into docs/"
    return site_dir


@pytest.fixture(scope="session")
def site(_cold_builds):
    """The site, built cold from the working tree into a temporary folder."""
    return _finished(_cold_builds, "site")


@pytest.fixture(scope="session")
def site_again(_cold_builds):
    """A second cold build of the same working tree, with a cache of its own."""
    return _finished(_cold_builds, "site_again")


class _QuietHandler(SimpleHTTPRequestHandler):
    def end_headers(self):
        self.send_header("LinkChecker", "allowed")  # lets LinkChecker go faster than 10 requests/s
        super().end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def site_url(site):
    """The built site served on localhost, as a reader's browser would fetch it."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


def nav_pages():
    """(title, URL path) of every page in the nav, in order: tests walk it, so new chapters are covered."""
    from mkdocs.config import load_config
    from mkdocs.structure.files import get_files
    from mkdocs.structure.nav import get_navigation

    config = load_config(str(ROOT / "mkdocs.yml"))
    nav = get_navigation(get_files(config), config)
    return [(page.title, page.url) for page in nav.pages]
