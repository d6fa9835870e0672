"""Helpers shared by the tests: where the project is, and how a page's code blocks read."""

import contextlib
import functools
import io
import os
import re
import runpy
import subprocess
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

# The same numerics as the build (hooks.py sets them for its workers): one thread, so tests
# compute the bits the pages show and are not slowed by threads fighting over two cores. Set
# before torch is imported: its thread pool reads them once.
os.environ["MKL_CBWR"] = "COMPATIBLE"
os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = "1"

import pytest
import torch

from sitebuild.sources import INCLUDE  # how a page includes a snippet section
from sitebuild.sources import section_source as section

ROOT = Path(__file__).resolve().parent.parent
# Builds that must not depend on the day (the provenance line's date, the sitemap): the time of the
# commit checked out, for the builds the tests start and for the tests that read their dates.
os.environ.setdefault(
    "SOURCE_DATE_EPOCH",
    subprocess.run(
        ["git", "log", "-1", "--format=%ct"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    or "1764633600",  # not a git checkout (benchmarks/bench.py works on a copy)
)


def code_block(page, title):
    """Return the code block titled `title` on docs/`page`, with its snippet includes expanded."""
    text = (ROOT / "docs" / page).read_text()
    match = re.search(
        rf'```python title="{re.escape(title)}"\n(.*?)\n```', text, re.DOTALL
    )
    assert match, f"docs/{page} has no python block titled {title!r}"
    out = []
    for line in match[1].splitlines():
        inc = INCLUDE.match(line)
        out.append(section(inc["file"], inc["section"]) if inc else line)
    return "\n".join(out) + "\n"


def defaults(fn):
    """The default value of each of `fn`'s parameters that has one, by name."""
    import inspect

    return {
        k: v.default
        for k, v in inspect.signature(fn).parameters.items()
        if v.default is not inspect.Parameter.empty
    }


def assert_close(actual, expected, atol=0.0, rtol=0.0):
    """The one way the tests compare numbers: same shape, and every element of `actual` within
    atol + rtol * |expected| of `expected`, compared in float64 (torch.testing's rule, without its
    one-second first import). Python numbers are taken as float64, never through float32."""

    def as64(value):
        if isinstance(value, torch.Tensor):
            return value.detach().double()
        return torch.as_tensor(value, dtype=torch.float64)

    actual, expected = as64(actual), as64(expected)
    assert actual.shape == expected.shape, (
        f"shapes {tuple(actual.shape)} and {tuple(expected.shape)}"
    )
    gap = (actual - expected).abs()
    assert torch.all(gap <= atol + rtol * expected.abs()), (
        f"{actual} != {expected}: largest gap {gap.max().item():.3e} > atol {atol:.0e}, rtol {rtol:.0e}"
    )


def run_program(page, title, folder):
    """Run the block titled `title` on docs/`page` as a fresh file `folder`/`title`; return its lines.

    It runs in this process, as `python <file>` would run it (as __main__, with fresh globals), so
    it costs no new interpreter importing torch. What a fresh process would add is that this
    project's modules cannot be imported, so the program may not import them.
    """
    program = code_block(page, title)
    assert not re.search(r"^\s*(from|import)\s+snippets\b", program, re.M), (
        f"{title} imports snippets"
    )
    path = folder / title
    path.write_text(program)
    out, argv, cwd = io.StringIO(), sys.argv, os.getcwd()
    try:
        sys.argv = [str(path)]
        os.chdir(folder)
        with contextlib.redirect_stdout(out):
            runpy.run_path(str(path), run_name="__main__")
    finally:
        sys.argv = argv
        os.chdir(cwd)
    return out.getvalue().splitlines()


# ---------------------------------------------------------------------------------------------
# The built site, shared by every test that looks at it: built once per test session.


def mkdocs_command(config_file, site_dir, cache_dir=None):
    """The strict build command and its environment; `cache_dir=None` uses the project's cache."""
    # NO_MKDOCS_2_WARNING: Material prints its end-of-life notice (CONTRIBUTING.md, "The
    # platform's future") on every build; here it would fill every captured build log.
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    if cache_dir is not None:
        env["SGD_CACHE_DIR"] = str(cache_dir)
    env.pop("SITE_URL", None)
    # so the header's repository link, the edit links and the Colab and test-file links are built
    env["REPO_URL"] = "https://github.com/example-owner/sgd-by-example"
    cmd = [
        sys.executable,
        "-m",
        "mkdocs",
        "build",
        "--strict",
        "-f",
        str(config_file),
        "-d",
        str(site_dir),
    ]
    return cmd, env


def mkdocs_build(config_file, site_dir, cache_dir, env=None):
    """Run `mkdocs build --strict` in a fresh process, from the config's folder, with its own cache
    (and `env` added to the environment)."""
    cmd, environment = mkdocs_command(config_file, site_dir, cache_dir)
    return subprocess.run(
        cmd,
        cwd=config_file.parent,
        env={**environment, **(env or {})},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,  # the caller reads the return code and the output
    )


def _tree(folder):
    return {p.relative_to(folder): p.stat().st_mtime_ns for p in folder.rglob("*")}


SITE_FIXTURES = {"site", "site_again", "site_url"}


def pytest_collection_modifyitems(session, config, items):
    """Mark every test that needs the built site `site`, and run those last (the sort is stable),
    so the others run while it builds; `pytest -m "not site"` runs only the claims."""
    for item in items:
        if SITE_FIXTURES & set(item.fixturenames):
            item.add_marker(pytest.mark.site)
    items.sort(key=lambda item: item.get_closest_marker("site") is not None)


@pytest.fixture(scope="session", autouse=True)
def _builds(request, tmp_path_factory):
    """Start every build this session needs, in the background, before the first test runs.

    "site" is the site the tests look at, built with the project's block cache, as `mkdocs build`
    builds it: after `mkdocs serve` that cache is warm and the build takes seconds. "site_again" is
    a cold build of the same working tree with an empty cache of its own, started only if a
    collected test compares against it; that comparison also checks that cached output equals what
    a fresh run draws. The builds share the cores with the tests that do not need them, which run
    first.
    """
    used = set().union(*(item.fixturenames for item in request.session.items))
    wanted = [
        name
        for name in ("site", "site_again")
        if name in used or (name == "site" and "site_url" in used)
    ]
    docs_before = _tree(ROOT / "docs")
    started = {}
    for name in wanted:
        site_dir = tmp_path_factory.mktemp(name)
        cache = None if name == "site" else tmp_path_factory.mktemp("cache")
        cmd, env = mkdocs_command(ROOT / "mkdocs.yml", site_dir, cache)
        log = (
            tmp_path_factory.mktemp("log") / f"{name}.log"
        )  # a file: a pipe nobody reads could fill
        with open(log, "w") as out:
            process = subprocess.Popen(
                cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
            )
        started[name] = (site_dir, process, log)
    yield started, docs_before
    for _, process, _ in started.values():
        process.kill() if process.poll() is None else None


def _finished(builds, name):
    (started, docs_before) = builds
    site_dir, process, log = started[name]
    process.wait(timeout=600)
    assert process.returncode == 0, log.read_text()[-5000:]
    assert _tree(ROOT / "docs") == docs_before, "the build wrote into docs/"
    return site_dir


@pytest.fixture(scope="session")
def site(_builds):
    """The site, built from the working tree into a temporary folder."""
    return _finished(_builds, "site")


@pytest.fixture(scope="session")
def site_again(_builds):
    """A cold build of the same working tree, with an empty cache of its own."""
    return _finished(_builds, "site_again")


class _QuietHandler(SimpleHTTPRequestHandler):
    def end_headers(self):
        self.send_header(
            "LinkChecker", "allowed"
        )  # lets LinkChecker go faster than 10 requests/s
        super().end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def site_url(site):
    """The built site served on localhost, as a reader's browser would fetch it."""
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(site))
    )
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


def chapters():
    """(title, URL path) of every chapter: the nav without the home page and the glossary."""
    return [(title, url) for title, url in nav_pages() if url not in ("", "glossary/")]


def pytest_make_parametrize_id(config, val, argname):
    """A lambda in a parametrized case is named by its line, so two cases never share an id."""
    if callable(val) and getattr(val, "__name__", "") == "<lambda>":
        return f"line {val.__code__.co_firstlineno}"
    return None


# ---------------------------------------------------------------------------------------------
# Bad input: every public lesson function refuses it, with a message that names the argument.

NAN, INF = float("nan"), float("inf")
BAD = {  # the bad values of each kind of argument
    "positive": [0, -0.1, NAN, INF, "0.1", None, True],  # a learning rate, a step size
    "count": [-1, 2.5, "3", None, True],  # steps, epochs: an integer >= 0
    "count1": [
        0,
        -1,
        2.5,
        "3",
        None,
    ],  # an integer >= 1: a batch size, a number of points
    "seed": [-1, 1.5, "0", None],
    "fraction": [-0.1, 1.0, 1.5, NAN, "0.5", None],  # in [0, 1): a momentum
    "tensor": [None, "x", [1.0, 2.0], torch.zeros(0)],
}


class Call:
    """A valid call of a lesson function, and the kind of each argument the property test breaks:
    a key of BAD, or a list of bad values of that argument alone. A keyword value that is a
    function is called for every call, so each gets fresh tensors."""

    def __init__(self, fn, kinds, **kwargs):
        self.fn, self.kinds, self.kwargs = fn, kinds, kwargs

    def arguments(self, **changed):
        made = {
            k: (v() if callable(v) and not isinstance(v, type) else v)
            for k, v in self.kwargs.items()
        }
        return {**made, **changed}

    def cases(self):
        for name, kind in self.kinds.items():
            for value in BAD[kind] if isinstance(kind, str) else kind:
                yield BadInput(self, name, value)

    def __repr__(self):
        return f"{self.fn.__module__.split('.')[-1]}.{self.fn.__name__}"


class BadInput:
    def __init__(self, call, name, value):
        self.call, self.name, self.value = call, name, value

    def __repr__(self):
        return f"{self.call!r}({self.name}={shown(self.value)})"

    def check(self):
        """The call with this one argument bad raises a ValueError or TypeError naming it, at once."""
        with time_limit(10), pytest.raises((ValueError, TypeError)) as refused:
            self.call.fn(**self.call.arguments(**{self.name: self.value}))
        # named as a word, not as a letter inside another ("a" is in "has") or an attribute
        named = rf"(?<![\w.]){re.escape(self.name)}(?!\w)"
        assert re.search(named, str(refused.value)), (
            f"the message does not name {self.name}: {refused.value}"
        )


def shown(value):
    """A short name for a bad value, unique among a table's cases, for a test's id."""
    if isinstance(
        value, torch.Tensor
    ):  # a short one by its values, a long one by its range
        dtype = str(value.dtype).removeprefix("torch.")
        if value.numel() <= 4:
            return f"tensor({value.tolist()}, {dtype})"
        if value.dtype == torch.bool or value.is_complex():
            return f"tensor{tuple(value.shape)} {dtype}"
        low, high = value.min().item(), value.max().item()
        return f"tensor{tuple(value.shape)} {dtype} {low:g}..{high:g}"
    if isinstance(value, torch.nn.Sequential):
        return f"Sequential({', '.join(map(shown, value))})"
    if isinstance(value, torch.nn.Linear):
        bias = "" if value.bias is not None else ", bias=False"
        return f"Linear({value.in_features}, {value.out_features}{bias}, {value.weight.dtype})"
    if (
        getattr(value, "__name__", "") == "<lambda>"
    ):  # by its line: two never share an id
        return f"lambda at line {value.__code__.co_firstlineno}"
    if isinstance(value, torch.nn.Module):
        return type(value).__name__
    if callable(value) and hasattr(value, "__name__"):
        return value.__name__
    return repr(value)


def bad_inputs(calls):
    return [case for call in calls for case in call.cases()]


def table_of_bad_inputs(module, calls):
    """The three tests of a lesson module's table of bad inputs: every public function of `module`
    has a row in `calls`; each row's good call runs; and each bad argument of a row is refused,
    with a message that names it. Bind them to test names in the test file:

        test_table_covers_the_module, test_table_calls_run, test_bad_arguments_are_refused = (
            table_of_bad_inputs(fit_line, CALLS)
        )
    """

    def covers():
        assert public_functions(module) == {call.fn for call in calls}

    @pytest.mark.parametrize("call", calls, ids=repr)
    def runs(call):
        call.fn(**call.arguments())

    @pytest.mark.parametrize("case", bad_inputs(calls), ids=repr)
    def refused(case):
        case.check()

    return covers, runs, refused


def public_functions(module):
    """The functions a module defines (not imports) and does not mark private."""
    import inspect

    return {
        obj
        for name, obj in vars(module).items()
        if (inspect.isfunction(obj) or inspect.isclass(obj))
        and obj.__module__ == module.__name__
        and not name.startswith("_")
    }


@contextlib.contextmanager
def time_limit(seconds):
    """Fail, instead of hanging, if the block takes longer than `seconds` (POSIX, main thread)."""
    import signal

    def expired(*_):
        raise TimeoutError(f"took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
