"""Lighthouse performance and accessibility scores for the home page and the first two chapters.

Run by hand, never by the tests:  .venv/bin/python benchmarks/lighthouse.py

Needs Node.js with npm and Debian's Chromium (apt-get install chromium). Lighthouse is installed
from npm into .cache/lighthouse (git-ignored) on first use; Chromium is never downloaded. The site
is built into a temporary folder and served on localhost; the scores are printed as a Markdown
table. Aim: at least 95 for both.
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
sys.path.insert(0, str(ROOT / "tests"))
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


def main():
    if not Path(CHROMIUM).is_file():
        sys.exit("Chromium is not installed: apt-get install chromium")
    binary = lighthouse()
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
        server = ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(GzipHandler, directory=str(site))
        )
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_address[1]}/"
        rows = []
        for title, url in nav_pages()[:3]:
            report = Path(tmp) / "report.json"
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
            scores = {
                k: round(100 * v["score"]) for k, v in result["categories"].items()
            }
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
            rows.append(
                (
                    title,
                    url or "/",
                    scores["performance"],
                    scores["accessibility"],
                    metrics,
                    failed,
                )
            )
        server.shutdown()
    print(
        f"Lighthouse {LIGHTHOUSE_VERSION}, default (mobile, throttled) settings, Debian Chromium, "
        "site served gzip-compressed on localhost as GitHub Pages serves it.\n"
    )
    print("| page | performance | accessibility | FCP / LCP / TBT | audits below 0.9 |")
    print("|---|---:|---:|---|---|")
    for title, url, perf, a11y, metrics, failed in rows:
        print(
            f"| {title} (`{url}`) | {perf} | {a11y} | {metrics} | {', '.join(failed) or 'none'} |"
        )


if __name__ == "__main__":
    main()
