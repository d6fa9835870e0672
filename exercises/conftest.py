"""Hands each check the answer it tests: your file in exercises/, or those in the folders SGD_ANSWERS names.

Run a check with `python -m pytest exercises/test_momentum.py` from the repository's root. The
project's own test suite sets SGD_ANSWERS to several folders at once (separated by the system's
path separator, ":" on Linux and macOS): exercises/solutions/, whose reference answers must pass,
and folders of deliberately wrong answers, each of which must fail, so no check passes by accident.
Every test then runs once per folder, in one process.
"""

import importlib.util
import os
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def answer_folders():
    return [
        Path(folder)
        for folder in os.environ.get("SGD_ANSWERS", str(HERE)).split(os.pathsep)
    ]


def pytest_generate_tests(metafunc):
    folders = answer_folders()
    if "answer" in metafunc.fixturenames and len(folders) > 1:
        metafunc.parametrize(
            "answer",
            folders,
            indirect=True,
            scope="module",
            ids=[folder.name for folder in folders],
        )


@pytest.fixture(scope="module")
def answer(request):
    """The module `<EXERCISE>.py` the check file names, imported from your answers' folder."""
    name = request.module.EXERCISE
    folder = getattr(request, "param", answer_folders()[0])
    path = folder / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"answer_{folder.name}_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
