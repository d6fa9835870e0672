"""The exercises' checks: our answers pass them, unsolved and wrong ones fail them, every chapter has one."""

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import defaultdict

import pytest

from conftest import ROOT, chapters
from sitebuild.exercises import apply_patch, unsolved

EXERCISES = ROOT / "exercises"
NAMES = sorted(p.stem.removeprefix("test_") for p in EXERCISES.glob("test_*.py"))
PATCHES = ROOT / "tests" / "exercise_mistakes"  # <exercise>/<mistake>.diff
MISTAKES = {
    folder.name: {
        patch.stem: patch.read_text() for patch in sorted(folder.glob("*.diff"))
    }
    for folder in sorted(PATCHES.iterdir())
    if folder.is_dir()
}


def run_checks(folders, tmp):
    """Run every check once per folder of answers, in one pytest process (torch is imported once);
    return {folder name: {exercise: [passed or failed, one per test]}} and pytest's output."""
    report = tmp / "checks.xml"
    env = {**os.environ, "SGD_ANSWERS": os.pathsep.join(map(str, folders))}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "exercises",
            "-q",
            "--tb=no",
            "-p",
            "no:cacheprovider",
            f"--junitxml={report}",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,  # the wrong answers fail: the report says which
    )
    assert report.exists(), proc.stdout + proc.stderr
    names = {folder.name for folder in folders}
    found = defaultdict(lambda: defaultdict(list))
    for case in ET.parse(report).iter("testcase"):
        exercise = case.get("classname").split(".")[-1].removeprefix("test_")
        params = re.search(r"\[(.*)\]$", case.get("name"))[1].split("-")
        folder = next(p for p in params if p in names)
        failed = case.find("failure") is not None or case.find("error") is not None
        found[folder][exercise].append("failed" if failed else "passed")
    return found, proc.stdout


def wrong_answer(name, mistake):
    """Our solution to exercise `name` with the patch of `mistake` applied: a wrong answer."""
    return apply_patch(
        (EXERCISES / "solutions" / f"{name}.py").read_text(), MISTAKES[name][mistake]
    )


def mistake_rounds():
    """Round k holds every exercise's k-th wrong answer (or, if it has fewer, our answer), so one
    folder of answers per round checks one wrong answer of each exercise."""
    wrong = {name: sorted(MISTAKES.get(name, {})) for name in NAMES}
    return [
        {name: mistakes[k] for name, mistakes in wrong.items() if k < len(mistakes)}
        for k in range(max(map(len, wrong.values()), default=0))
    ]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The checks run on our answers, on the unsolved files and on each round of wrong answers."""
    tmp = tmp_path_factory.mktemp("exercise-runs")
    folders = {"solutions": EXERCISES / "solutions", "unsolved": EXERCISES}
    for k, round_ in enumerate(mistake_rounds()):
        folder = folders[f"mistakes{k}"] = tmp / f"mistakes{k}"
        folder.mkdir()
        for name in NAMES:
            text = (
                wrong_answer(name, round_[name])
                if name in round_
                else (EXERCISES / "solutions" / f"{name}.py").read_text()
            )
            (folder / f"{name}.py").write_text(text)
    found, output = run_checks(list(folders.values()), tmp)
    return {key: (found[folder.name], output) for key, folder in folders.items()}


def test_there_are_exercises_and_each_has_its_files():
    assert len(NAMES) >= 8
    for name in NAMES:
        assert (EXERCISES / f"{name}.py").exists(), (
            f"exercises/{name}.py, the file the reader fills in"
        )
        assert (EXERCISES / "solutions" / f"{name}.py").exists(), (
            f"exercises/solutions/{name}.py"
        )
        assert len(MISTAKES.get(name, {})) >= 2, (
            f"two wrong answers to {name} in tests/exercise_mistakes/{name}/"
        )
    assert set(MISTAKES) <= set(NAMES), (
        "wrong answers to an exercise that does not exist"
    )


@pytest.mark.parametrize("name", NAMES)
def test_the_file_to_fill_in_is_made_from_our_answer(name):
    """The reader's file is our answer with its solution regions taken out (python -m
    sitebuild.exercises writes it), so its signatures and docstrings are our answer's."""
    solution = (EXERCISES / "solutions" / f"{name}.py").read_text()
    assert "# --8<-- [start:solution]" in solution
    assert (EXERCISES / f"{name}.py").read_text() == unsolved(solution, name)


@pytest.mark.parametrize(
    "name,mistake", [(n, m) for n in NAMES for m in sorted(MISTAKES.get(n, {}))]
)
def test_each_wrong_answer_is_a_patch_of_our_answer_that_still_applies(name, mistake):
    description = MISTAKES[name][mistake].split("\n", 1)[0]
    assert description.startswith("A wrong answer: ") and len(description) > 30
    wrong = wrong_answer(name, mistake)
    assert wrong != (EXERCISES / "solutions" / f"{name}.py").read_text()
    compile(wrong, f"{name}: {mistake}", "exec")


def test_a_patch_that_no_longer_fits_fails_loudly():
    diff = "A wrong answer: test.\n--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n one\n-two\n+2\n"
    assert apply_patch("one\ntwo\n", diff) == "one\n2\n"
    with pytest.raises(ValueError, match="does not fit line 2"):
        apply_patch("one\nthree\n", diff)


@pytest.mark.parametrize("name", NAMES)
def test_our_answer_passes_every_check(runs, name):
    found, output = runs["solutions"]
    assert found[name] and set(found[name]) == {"passed"}, output


@pytest.mark.parametrize("name", NAMES)
def test_the_unsolved_file_fails_every_check(runs, name):
    found, output = runs["unsolved"]
    assert found[name] and set(found[name]) == {"failed"}, output
    source = (EXERCISES / f"{name}.py").read_text()
    assert "raise NotImplementedError" in source


@pytest.mark.parametrize("name", NAMES)
def test_each_wrong_answer_fails_a_check(runs, name):
    for k, round_ in enumerate(mistake_rounds()):
        found, output = runs[f"mistakes{k}"]
        if name in round_:
            assert "failed" in found[name], (
                f"{name}, {round_[name]}: passed every check:\n{output}"
            )
        else:
            assert set(found[name]) == {"passed"}, output


def exercises_section(url):
    page = "index.md" if url == "" else url.strip("/") + ".md"
    text = (ROOT / "docs" / page).read_text()
    match = re.search(r"^## Exercises\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    return page, match[1] if match else ""


@pytest.mark.parametrize("title,url", chapters())
def test_every_chapter_has_an_exercise_solved_in_code(title, url):
    page, section = exercises_section(url)
    checks = re.findall(r"python -m pytest exercises/test_(\w+)\.py", section)
    assert checks, f"{page}: no exercise with a check to run in its Exercises section"
    for name in checks:
        assert name in NAMES, (
            f"{page} runs exercises/test_{name}.py, which does not exist"
        )
        assert f'--8<-- "exercises/solutions/{name}.py"' in section, (
            f"{page}: no solution for {name}"
        )
        assert re.search(r'\?\?\? \w+ "Solution', section), (
            f"{page}: the solution is not collapsed"
        )
