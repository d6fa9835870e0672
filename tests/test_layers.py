"""The three layers stay apart: a lesson module holds only what the pages show, imports only the
checks and the lessons of earlier chapters, and never the drawing; a chapter's drawing imports
lessons and the shared drawing, not another chapter's drawing; and nothing anywhere imports a name
another module keeps private."""

import ast
import re

import pytest

from conftest import ROOT, chapters
from sitebuild import sources

SNIPPETS = ROOT / "snippets"
LESSONS = sorted(
    p.stem for p in SNIPPETS.glob("*.py") if p.stem not in ("__init__", "checks")
)
DRAWINGS = sorted(
    p.stem for p in (SNIPPETS / "drawing").glob("*.py") if p.stem != "__init__"
)
SHARED_DRAWING = {"render", "numbers", "line_problem", "tables"}
# the home page's figure reads the seven steps Fit a line's drawing reads from fit
DRAWING_MAY_IMPORT = {"overview": {"fit_line"}}


def chapter_order():
    """The lesson module each chapter teaches, in reading order."""
    order = []
    for _, url in chapters():
        module = sources.chapter_module(
            (ROOT / "docs" / f"{url.strip('/')}.md").read_text()
        )
        if module and module not in order:
            order.append(module)
    return order


def imports_of(path):
    """(module, names) for every import of a file; relative imports are not allowed."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path.name}: a relative import"
            found.append((node.module, [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            found += [(a.name, []) for a in node.names]
    return found


def snippet_modules(path):
    """The snippets modules a file imports, dotted inside the package ("fit_line", "drawing.render")."""
    modules = set()
    for module, names in imports_of(path):
        if module and module.split(".")[0] == "snippets":
            inside = module.split(".")[1:]
            if inside:
                modules.add(".".join(inside))
            modules.update(
                ".".join([*inside, n])
                for n in names
                if (SNIPPETS.joinpath(*inside, n)).with_suffix(".py").exists()
            )
    return modules


def test_every_chapter_teaches_a_lesson_module_of_its_own():
    order = chapter_order()
    assert sorted(order) == LESSONS, (
        "a lesson module no chapter teaches, or a chapter without one"
    )


@pytest.mark.parametrize("lesson", LESSONS)
def test_a_lesson_imports_only_the_checks_and_earlier_lessons_never_drawing(lesson):
    order = chapter_order()
    earlier = set(order[: order.index(lesson)])
    for module in snippet_modules(SNIPPETS / f"{lesson}.py"):
        assert not module.startswith("drawing"), (
            f"{lesson} imports the drawing ({module})"
        )
        assert module == "checks" or module in earlier, (
            f"{lesson} imports {module}, not an earlier lesson"
        )


@pytest.mark.parametrize("drawing", DRAWINGS)
def test_a_chapters_drawing_imports_lessons_and_shared_drawing_only(drawing):
    allowed = {
        f"drawing.{m}" for m in SHARED_DRAWING | DRAWING_MAY_IMPORT.get(drawing, set())
    }
    for module in snippet_modules(SNIPPETS / "drawing" / f"{drawing}.py"):
        if module.startswith("drawing"):
            assert module == "drawing" or module in allowed, (
                f"drawing/{drawing} imports {module}"
            )


def project_files():
    return [
        *SNIPPETS.rglob("*.py"),
        *(ROOT / "sitebuild").glob("*.py"),
        ROOT / "hooks.py",
        ROOT / "notebooks.py",
        *(ROOT / "tests").glob("*.py"),
    ]


@pytest.mark.parametrize(
    "path", project_files(), ids=lambda p: str(p.relative_to(ROOT))
)
def test_nothing_imports_or_reaches_for_another_modules_private_names(path):
    tree = ast.parse(path.read_text())
    ours = ("snippets", "sitebuild", "hooks", "notebooks", "conftest")
    aliases = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.ImportFrom)
            and (node.module or "").split(".")[0] in ours
        ):
            private = [a.name for a in node.names if a.name.startswith("_")]
            assert not private, f"{path.name} imports {private} from {node.module}"
            aliases.update(a.asname or a.name for a in node.names)
        elif isinstance(node, ast.Import):
            aliases.update(
                (a.asname or a.name).split(".")[0]
                for a in node.names
                if a.name.split(".")[0] in ours
            )
    for node in ast.walk(tree):
        reaches = (
            isinstance(node, ast.Attribute)
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
        )
        if reaches and isinstance(node.value, ast.Name) and node.value.id in aliases:
            raise AssertionError(f"{path.name} uses {node.value.id}.{node.attr}")


def shown_lines():
    """{lesson file: set of line numbers inside a section that some page includes}."""
    included = set()
    for page in (ROOT / "docs").glob("*.md"):
        for match in re.finditer(
            r'--8<-- "(snippets/[\w/]+\.py):([\w-]+)"', page.read_text()
        ):
            included.add(match.groups())
    shown = {}
    for file, section in included:
        lines = (ROOT / file).read_text().splitlines()
        markers = [line.strip() for line in lines]
        start, end = (
            markers.index(f"# --8<-- [start:{section}]"),
            markers.index(f"# --8<-- [end:{section}]"),
        )
        shown.setdefault(file, set()).update(
            range(start + 2, end + 1)
        )  # 1-based, between the markers
    return shown


@pytest.mark.parametrize("lesson", [*LESSONS, "checks"])
def test_a_lesson_module_holds_only_what_the_pages_show(lesson):
    path = SNIPPETS / f"{lesson}.py"
    shown = shown_lines().get(f"snippets/{lesson}.py", set())
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.Assign, ast.AnnAssign)):
            start = (
                node.decorator_list[0].lineno
                if getattr(node, "decorator_list", None)
                else node.lineno
            )
            assert set(range(start, node.end_lineno + 1)) <= shown, (
                f"snippets/{lesson}.py, line {start}: {getattr(node, 'name', 'an assignment')} is on no page"
            )


def share_of_lesson_lines_shown():
    """What share of the lesson modules' non-blank lines the pages show (the note reports it)."""
    shown, total = 0, 0
    by_file = shown_lines()
    for lesson in [*LESSONS, "checks"]:
        lines = (SNIPPETS / f"{lesson}.py").read_text().splitlines()
        numbered = [
            n
            for n, line in enumerate(lines, 1)
            if line.strip() and "--8<--" not in line
        ]
        total += len(numbered)
        shown += len(set(numbered) & by_file.get(f"snippets/{lesson}.py", set()))
    return shown / total


if __name__ == "__main__":
    print(
        f"{share_of_lesson_lines_shown():.0%} of the lesson modules' lines are on a page"
    )


@pytest.mark.parametrize("page", sorted(p.name for p in (ROOT / "docs").glob("*.md")))
def test_an_edit_of_a_chapters_drawing_runs_again_only_that_pages_blocks(page):
    # a block's cache key covers the snippet modules it imports, followed through their imports:
    # so a page's blocks may reach its own chapter's drawing and the shared drawing, no other
    from sitebuild import keys

    markdown = (ROOT / "docs" / page).read_text()
    own = sources.chapter_module(markdown) or (
        "overview" if page == "index.md" else None
    )
    allowed = {
        f"drawing.{m}"
        for m in SHARED_DRAWING | {own} | DRAWING_MAY_IMPORT.get(own, set())
    }
    for block in sources.executed_blocks(markdown):
        reached = {
            m for m in keys.snippet_dependencies(block.code) if m.startswith("drawing.")
        }
        assert reached <= allowed, (
            f"docs/{page}, block {block.id!r} reaches {sorted(reached - allowed)}"
        )
