"""Lighthouse performance and accessibility scores for every page of the site (mobile settings).

benchmarks/bench.py runs it on the site its cold build made and puts the table in the README; by
hand, never by the tests:  .venv/bin/python benchmarks/lighthouse.py

Needs Node.js with npm and Debian's Chromium (apt-get install chromium). Lighthouse is installed
from npm into .cache/lighthouse (git-ignored) on first use; Chromium is never downloaded. The site
is built into a temporary folder and served on localhost; the scores are printed as a Markdown
table. Aim: performance at least 95 and accessibility 100 on every page.
"""

import functools
import gzip
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]  # conftest imports sitebuild
from conftest import nav_pages  # noqa: E402

LIGHTHOUSE_VERSION = "13.5.0"
PREFIX = ROOT / ".cache" / "lighthouse"
CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-quic --no-first-run "
    "--disable-background-networking --disable-component-update --disable-sync"
)


def lighthouse():
    binary = PREFIX / "node_modules" / ".bin" / "lighthouse"
    if not binary.exists():
        subprocess.run(
            [
                "npm",
                "install",
                "--prefix",
                str(PREFIX),
                "--no-audit",
                "--no-fund",
                f"lighthouse@{LIGHTHOUSE_VERSION}",
            ],
            check=True,
        )
    return binary


class GzipHandler(SimpleHTTPRequestHandler):
    """Serves the site as GitHub Pages does: text files gzip-compressed when the browser accepts it."""

    TEXT = (".html", ".css", ".js", ".json", ".svg", ".xml", ".txt")

    def send_head(self):
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if (
            path.suffix not in self.TEXT
            or not path.is_file()
            or "gzip" not in self.headers.get("Accept-Encoding", "")
        ):
            return super().send_head()
        body = gzip.compress(path.read_bytes())
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)

    def log_message(self, *args):
        pass


def pages(site):
    """Every page of the built site: the nav's, each chapter's notebook, and the licence."""
    notebooks = sorted(p.parent.name for p in (site / "notebooks").glob("*/index.html"))
    return [
        *nav_pages(),
        *((f"{name}: the notebook", f"notebooks/{name}/") for name in notebooks),
        ("Licence", "licence/"),
    ]


def audit(binary, base, url, report):
    subprocess.run(
        [
            str(binary),
            base + url,
            "--quiet",
            "--output=json",
            f"--output-path={report}",
            "--only-categories=performance,accessibility",
            f"--chrome-flags={CHROME_FLAGS}",
        ],
        env={**os.environ, "CHROME_PATH": CHROMIUM},
        check=True,
    )
    result = json.loads(report.read_text())
    scores = {k: round(100 * v["score"]) for k, v in result["categories"].items()}
    failed = [
        a["id"]
        for a in result["audits"].values()
        if a.get("score") is not None
        and a["score"] < 0.9
        and a.get("scoreDisplayMode") in ("binary", "numeric")
    ]
    metrics = " / ".join(
        result["audits"][m]["displayValue"].replace("\xa0", " ")
        for m in (
            "first-contentful-paint",
            "largest-contentful-paint",
            "total-blocking-time",
        )
    )
    return scores["performance"], scores["accessibility"], metrics, failed


def table(site):
    """Lighthouse on every page of the built `site`, as Markdown lines (bench.py puts them in the README)."""
    binary = lighthouse()
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(GzipHandler, directory=str(site))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    lines = [
        (
            f"Lighthouse {LIGHTHOUSE_VERSION} on every page, default (mobile, throttled) settings, "
            "Debian Chromium, the site served gzip-compressed on localhost as GitHub Pages serves "
            "it. Aim: performance at least 95 and accessibility 100 on each."
        ),
        "",
        "| page | performance | accessibility | FCP / LCP / TBT | audits below 0.9 |",
        "|---|---:|---:|---|---|",
    ]
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for title, url in pages(site):
                perf, a11y, metrics, failed = audit(
                    binary, base, url, Path(tmp) / "report.json"
                )
                lines.append(
                    f"| {title} (`{url or '/'}`) | {perf} | {a11y} | {metrics} | "
                    f"{', '.join(failed) or 'none'} |"
                )
    finally:
        server.shutdown()
    return lines


def main():
    if not Path(CHROMIUM).is_file():
        sys.exit("Chromium is not installed: apt-get install chromium")
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        env = {
            **os.environ,
            "NO_MKDOCS_2_WARNING": "1",
        }  # Material's notice (CONTRIBUTING.md)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "mkdocs",
                "build",
                "--strict",
                "-q",
                "-d",
                str(site),
            ],
            cwd=ROOT,
            env=env,
            check=True,
        )
        print("\n".join(table(site)))


if __name__ == "__main__":
    main()
