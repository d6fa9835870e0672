"""The lines the build adds to every chapter: under its title, its notebook (to read here, to
download, to open in Colab); at its end, what produced its figures and numbers, when, and which
test file checks its claims. And where the project lives on GitHub, which both link to."""

import datetime
import os
import re
import sys
from pathlib import Path

from mkdocs.utils import get_relative_url

from sitebuild import keys
from sitebuild.sources import ROOT, chapter_module

GITHUB_REPO = re.compile(
    r"^https://github\.com/(?P<repository>[\w.-]+/[\w.-]+?)(?:\.git)?/?$"
)
TITLE = re.compile(r"^# .*\n", re.MULTILINE)


def github(config):
    """(owner/name, branch) of the project on GitHub, from `repo_url`; (None, branch) if unset."""
    match = GITHUB_REPO.match(config.get("repo_url") or "")
    return (match["repository"] if match else None), config["extra"].get(
        "repository_branch", "main"
    )


def colab_url(repository, branch, path):
    """Google Colab's address for a notebook at `path` in the GitHub repository `owner/name`."""
    return f"https://colab.research.google.com/github/{repository}/blob/{branch}/{path}"


def build_date():
    """Today (UTC), or the date SOURCE_DATE_EPOCH names, for builds that must not depend on the day."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    now = (
        datetime.datetime.fromtimestamp(int(epoch), datetime.UTC)
        if epoch
        else datetime.datetime.now(datetime.UTC)
    )
    return now.date().isoformat()


def notebook_links(page, config, files):
    """The line under a chapter's title that offers its notebook: here, to download, in Colab."""
    uri = f"notebooks/{Path(page.file.src_uri).stem}.ipynb"
    notebook = files.get_file_from_path(uri)
    if notebook is None:
        return ""
    download = get_relative_url(notebook.url + Path(uri).name, page.url)
    links = [
        f"[read it here]({get_relative_url(uri, page.file.src_uri)})",
        f'<a href="{download}" download>download it</a>',
    ]
    repository, branch = github(config)
    if repository:
        path = f"{Path(config['docs_dir']).name}/{uri}"
        links.append(f"[open it in Colab]({colab_url(repository, branch, path)})")
    return f"This chapter as a notebook: {', '.join(links[:-1])} or {links[-1]}.\n{{ .sgd-notebook }}\n"


def provenance(markdown, config):
    """The line that ends a chapter: what made its figures and numbers, when, and what checks its
    claims; "" for a page that teaches no module."""
    module = chapter_module(markdown)
    if module is None or not (ROOT / "tests" / f"test_{module}.py").is_file():
        return ""
    test_file = f"tests/test_{module}.py"
    repository, branch = github(config)
    checked = (
        f"[{test_file}](https://github.com/{repository}/blob/{branch}/{test_file})"
        if repository
        else f"`{test_file}` in the repository"
    )
    return (
        f"Every figure and number on this page was produced by this site's build of {build_date()}, "
        f"with Python {sys.version.split()[0]} and torch {keys.version('torch')}. "
        f"The claims it makes are checked by {checked}.\n{{ .sgd-provenance }}\n"
    )


def with_chapter_lines(markdown, page, config, files):
    """A chapter's Markdown with its notebook line under the title and its provenance line at the
    end; any other page's as it is."""
    if chapter_module(markdown) is None:
        return markdown
    links = notebook_links(page, config, files)
    title = TITLE.search(markdown)
    if links and title:
        markdown = f"{markdown[: title.end()]}\n{links}{markdown[title.end() :]}"
    return f"{markdown.rstrip()}\n\n---\n\n{provenance(markdown, config)}"
