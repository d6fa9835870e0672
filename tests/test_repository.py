"""The repository as a maintainer inherits it: the lock, the lint, the workflows and the licences.

None of these builds the site. The lint runs here so that CI (which runs the README's test command)
fails on a finding.
"""

import re
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
import yaml

from conftest import ROOT

BIN = Path(sys.executable).parent  # the environment's own ruff and zizmor


def canonical(name):
    """A distribution's name as PEP 503 compares them: case, '_' and '.' do not count."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(path):
    """{name: version} of every `name==version` line of a requirements file, following `-r`."""
    found = {}
    for text in path.read_text().splitlines():
        line = text.split("#", 1)[0].strip()
        if line.startswith("-r "):
            found.update(pins(path.parent / line[3:].strip()))
        elif "==" in line:
            name, version = line.split("==", 1)
            found[canonical(name.strip())] = version.strip()
    return found


LOCK = pins(ROOT / "requirements.txt")
BUILD_LOCK = pins(ROOT / "requirements-build.txt")


def test_the_installed_environment_is_exactly_the_lock():
    # what `pip freeze` lists: every distribution but the installer's own
    installed = {
        canonical(d.metadata["Name"]): d.version
        for d in metadata.distributions()
        if canonical(d.metadata["Name"]) not in {"pip", "setuptools", "wheel"}
    }
    missing = {n: v for n, v in LOCK.items() if installed.get(n) != v}
    extra = {n: v for n, v in installed.items() if n not in LOCK}
    assert not missing, (
        f"installed differently from requirements.txt (./install.sh): {missing}"
    )
    assert not extra, f"installed but not in requirements.txt: {extra}"


def test_every_direct_pin_is_in_its_lock_at_the_same_version():
    for direct, lock in (
        ("requirements.in", LOCK),
        ("requirements-build.in", BUILD_LOCK),
    ):
        for name, version in pins(ROOT / direct).items():
            # the lock may add a local label the direct pin leaves out: torch 2.13.0 -> 2.13.0+cpu
            assert lock.get(name, "").split("+")[0] == version, (
                f"{direct}: {name}=={version}"
            )


def test_the_builds_lock_is_the_full_locks_versions_and_leaves_the_tests_out():
    assert {n: LOCK.get(n) for n in BUILD_LOCK} == BUILD_LOCK
    for tool in ("pytest", "playwright", "ruff", "zizmor", "linkchecker"):
        assert tool in LOCK and tool not in BUILD_LOCK, tool


def test_torch_is_locked_to_its_cpu_build():
    assert LOCK["torch"].endswith("+cpu")
    assert not [n for n in LOCK if n.startswith("nvidia-")], (
        "the lock pulls CUDA packages"
    )


def tool(*args):
    """Run one of the environment's tools from the repository's root; assert it found nothing."""
    result = subprocess.run(
        [BIN / args[0], *args[1:]],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]


def test_ruff_finds_nothing():
    tool("ruff", "check", "--no-cache", ".")


def test_the_code_is_formatted():
    tool("ruff", "format", "--check", "--no-cache", ".")


def test_zizmor_finds_nothing_at_medium_severity_or_above():
    tool("zizmor", "--offline", "--min-severity", "medium", ".github/")


def test_pyproject_configures_the_tools_and_installs_nothing():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "build-system" not in config, "the project is not a package"
    assert config["project"]["requires-python"] == "==3.11.*"
    assert sys.version_info[:2] == (3, 11)
    assert config["tool"]["pytest"]["strict"] is True
    assert not (ROOT / "pytest.ini").exists(), "pytest reads pyproject.toml"


WORKFLOWS = {
    p.name: yaml.safe_load(p.read_text())
    for p in (ROOT / ".github" / "workflows").glob("*.yml")
}


def steps(workflow):
    for name, job in workflow["jobs"].items():
        for step in job.get("steps", []):
            yield name, step


@pytest.mark.parametrize("name", sorted(WORKFLOWS))
def test_every_job_has_a_time_limit_and_only_the_permissions_it_needs(name):
    workflow = WORKFLOWS[name]
    assert workflow["permissions"] == {}, (
        f"{name}: the workflow grants nothing by default"
    )
    for job_name, job in workflow["jobs"].items():
        assert "permissions" in job, (
            f"{name}: {job_name} says which permissions it needs"
        )
        if (
            "uses" not in job
        ):  # a job that calls a workflow takes the called jobs' limits
            assert job.get("timeout-minutes", 999) <= 60, (
                f"{name}: {job_name} has no time limit"
            )
        writes = {k for k, v in job["permissions"].items() if v == "write"}
        assert writes <= ({"pages", "id-token"} if job_name == "deploy" else set()), (
            f"{name}: {job_name} may write {writes}"
        )


@pytest.mark.parametrize("name", sorted(WORKFLOWS))
def test_checkouts_keep_no_credentials_and_runs_are_superseded(name):
    for job_name, step in steps(WORKFLOWS[name]):
        if step.get("uses", "").startswith("actions/checkout@"):
            assert step["with"]["persist-credentials"] is False, f"{name}: {job_name}"
    workflow = WORKFLOWS[name]
    groups = [workflow.get("concurrency")] + [
        j.get("concurrency") for j in workflow["jobs"].values()
    ]
    assert any(groups), f"{name}: no concurrency group"


def test_tests_run_once_per_change_and_the_site_is_published_only_after_they_pass():
    tests, deploy = WORKFLOWS["tests.yml"], WORKFLOWS["deploy.yml"]
    triggers = tests[True]  # YAML reads the key `on` as True
    assert (
        "pull_request" in triggers
        and "push" not in triggers
        and "workflow_call" in triggers
    )
    assert deploy[True]["push"]["branches"] == ["main"]
    jobs = deploy["jobs"]
    assert jobs["tests"]["uses"] == "./.github/workflows/tests.yml"
    assert jobs["build"]["needs"] == "tests" and jobs["deploy"]["needs"] == "build"


def test_one_install_recipe_everywhere():
    readme = (ROOT / "README.md").read_text()
    serve = readme.split("[start:serve]", 1)[1].split("[end:serve]", 1)[0]
    assert "./install.sh" in serve
    assert re.search(r"^\./install\.sh\b", (ROOT / ".ci" / "run").read_text(), re.M)
    installs = [
        step["run"]
        for _, step in steps(WORKFLOWS["tests.yml"])
        if "install" in step.get("run", "")
    ]
    installs += [
        step["run"]
        for _, step in steps(WORKFLOWS["deploy.yml"])
        if "install" in step.get("run", "")
    ]
    assert installs == ["./install.sh", "./install.sh build"]
    for text in [(ROOT / ".ci" / "run").read_text(), *installs]:
        assert "pip install" not in text, "install through install.sh"


def test_the_block_cache_is_restored_everywhere_and_saved_only_from_main():
    restores, saves = [], []
    for name, workflow in WORKFLOWS.items():
        for job, step in steps(workflow):
            uses = step.get("uses", "")
            if uses.startswith("actions/cache/restore@"):
                restores.append((name, job, step["with"]["path"]))
            if uses.startswith("actions/cache/save@"):
                saves.append((name, job, step.get("if")))
            assert not uses.startswith("actions/cache@"), (
                "restore and save apart, to save from main only"
            )
    assert sorted(restores) == [
        ("deploy.yml", "build", ".cache"),
        ("tests.yml", "test", ".cache"),
    ]
    assert saves == [("tests.yml", "test", "github.ref == 'refs/heads/main'")]


def test_dependabot_updates_the_actions_and_the_lock():
    config = yaml.safe_load((ROOT / ".github" / "dependabot.yml").read_text())
    assert {u["package-ecosystem"] for u in config["updates"]} == {
        "github-actions",
        "pip",
    }


def test_the_code_and_the_prose_have_licences():
    code = (ROOT / "LICENSE").read_text()
    assert code.startswith("MIT No Attribution\n")
    assert "without restriction" in code and "<YEAR>" not in code
    prose = (ROOT / "LICENSE-CONTENT").read_text()
    assert "Creative Commons Attribution 4.0 International Public License" in prose
    readme = (ROOT / "README.md").read_text()
    assert (
        "## Licence" in readme
        and "(LICENSE)" in readme
        and "(LICENSE-CONTENT)" in readme
    )


def test_every_file_the_instructions_name_exists():
    named = set()
    for doc in (
        "README.md",
        "CONTRIBUTING.md",
        "exercises/README.md",
        *[str(p.relative_to(ROOT)) for p in (ROOT / "docs").glob("*.md")],
    ):
        text = (ROOT / doc).read_text()
        named |= set(
            re.findall(
                r"\b((?:exercises|tests|snippets|benchmarks)/[\w/]+\.py)\b", text
            )
        )
        named |= {
            m
            for m in re.findall(r"\]\(([\w./-]+)\)", text)
            if doc.count("/") == 0 and "." in m and "://" not in m
        }
    missing = sorted(
        n for n in named if not (ROOT / n).exists() and not (ROOT / "docs" / n).exists()
    )
    assert not missing, missing
    assert (
        "../shared"
        not in (ROOT / "README.md").read_text() + (ROOT / "CONTRIBUTING.md").read_text()
    )
