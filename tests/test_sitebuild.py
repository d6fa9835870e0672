"""The build's pieces, one by one, without building anything: cache keys, cache entries, the checks
on a block's output, the guard around a block, and the worker pool's reports of what went wrong.
(tests/test_build.py builds tiny sites with all of them together.)"""

import json
import os
import shutil

import pytest

from sitebuild import cache, checks, keys, runner, sources
from sitebuild.pool import Pool, Task


def test_block_key_follows_code_snippet_sources_and_library_versions(
    tmp_path, monkeypatch
):
    code = "from snippets import fit_line\nprint(fit_line.make_data()[0].shape)\n"
    key = keys.block_key(code)
    assert (
        keys.block_key("\n" + code + "\n\n") == key
    )  # blank lines around a block do not count
    assert keys.block_key(code.replace("[0]", "[1]")) != key

    copy = tmp_path / "snippets"
    shutil.copytree(
        sources.SNIPPETS, copy, ignore=shutil.ignore_patterns("__pycache__")
    )
    assert keys.block_key(code, copy) == key
    for module in [
        "fit_line.py",
        *[f"{m}.py" for m in keys.snippet_dependencies(code) if m != "fit_line"],
    ]:
        source = (copy / module).read_text()
        (copy / module).write_text(source + "\n# edited\n")
        assert keys.block_key(code, copy) != key, (
            f"editing {module} left the key unchanged"
        )
        (copy / module).write_text(source)

    monkeypatch.setattr(
        keys, "version", lambda package: "0.0.0" if package == "torch" else "x"
    )
    assert keys.block_key(code) != key


def test_dependencies_are_followed_through_imports_between_snippets(tmp_path):
    (tmp_path / "a.py").write_text("from snippets import b\n")
    (tmp_path / "b.py").write_text("import snippets.c as c\n")
    (tmp_path / "c.py").write_text("import torch\n")
    assert keys.snippet_dependencies("from snippets import a", tmp_path) == [
        "a",
        "b",
        "c",
    ]
    assert keys.snippet_dependencies("import snippets.c", tmp_path) == ["c"]
    assert keys.snippet_dependencies("from snippets import missing", tmp_path) == []
    assert keys.snippet_dependencies("import torch\nprint(1)", tmp_path) == []


def test_executed_blocks_are_found_with_their_ids_and_lines_in_tabs_too():
    markdown = (
        '# P\n\n```python exec="on" id="a"\nprint(1)\n```\n\n'
        '=== "Tab"\n\n    ```python exec="1" html="on" id="b"\n    print(2)\n    ```\n\n'
        '```python\nprint("shown, not run")\n```\n\n```python exec="on"\nprint(3)\n```\n'
    )
    found = sources.executed_blocks(markdown)
    assert [(b.id, b.code, b.line) for b in found] == [
        ("a", "print(1)", 3),
        ("b", "print(2)", 9),
        (None, "print(3)", 17),
    ]


def test_a_cache_entry_is_read_back_only_whole_and_unchanged(tmp_path, capsys):
    store = cache.Cache(tmp_path / "cache", tmp_path / "figures")
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "f.svg").write_text("<svg/>")
    store.put_block("k", '<img src="figures/f.svg">', {"f.svg"})
    assert store.block("k") == '<img src="figures/f.svg">'
    entry = tmp_path / "cache" / "blocks" / "k.json"
    stored = json.loads(entry.read_text())
    stored["content"]["output"] = "something else"
    entry.write_text(json.dumps(stored))
    assert store.block("k") is None and not entry.exists()
    assert "cache entry" in capsys.readouterr().err
    store.put_block("k", '<img src="figures/f.svg">', {"f.svg"})
    (tmp_path / "figures" / "f.svg").write_text("<svg>changed</svg>")
    assert store.block("k") is None, (
        "a figure changed on disk: the block draws it again"
    )
    assert capsys.readouterr().err == "", "a redrawn figure is no damage"


def test_a_foreign_cache_entry_without_a_matching_seal_is_deleted(tmp_path):
    (tmp_path / "good.json").write_text('{"content": "x"}')
    (tmp_path / "cut.json").write_text('{"content": "x')
    cache.seal_foreign(tmp_path)
    assert not (tmp_path / "cut.json").exists(), "written cut short: gone at once"
    assert (tmp_path / "good.json.sha256").is_file()
    (tmp_path / "good.json").write_text(
        '{"content": "y"}'
    )  # changed since it was sealed
    (tmp_path / "new.json").write_text(
        '{"content": "z"}'
    )  # never sealed: a build died first
    cache.check_foreign(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "html_text,problem",
    [
        ("<figure><img src='x'><figcaption>c</figcaption></figure>", None),
        ("<p>x < y and y > z</p>", None),  # "<" in prose opens no tag
        ("<strong>bold", "<strong> on line 1 is never closed"),
        ("<div><span></div>", "<span> on line 1 is not closed before </div>"),
        ("text</em>", "</em> on line 1 closes nothing"),
    ],
)
def test_unbalanced_html_is_found(html_text, problem):
    assert checks.unbalanced(html_text) == ([problem] if problem else [])


def test_only_plain_files_of_the_figures_folder_are_figures():
    output = (
        '<img src="figures/a-light.svg#only-light"><img src="figures/../x.svg"><img src="/etc/hosts">'
        '<source srcset="figures/b.png 1x, figures/c.png 2x"><figure data-preview="figures/.hidden">'
    )
    names, bad = checks.figure_names(output, "figures/")
    assert names == {"a-light.svg", "b.png", "c.png"}
    assert bad == ["figures/../x.svg", "/etc/hosts", "figures/.hidden"]


def test_the_guard_refuses_a_change_of_directory_and_writes_into_docs(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "page.md").write_text("# Page\n")
    assert runner.run_block("print(6 * 7)", "fine", docs) == "42\n"
    attempts = {
        "chdir": "import os\nos.chdir('/')",
        "write": f"open({str(docs / 'page.md')!r}, 'w').write('')",
        "create": f"open({str(docs / 'new.md')!r}, 'x')",
        "rename": f"import os\nos.rename({str(docs / 'page.md')!r}, {str(tmp_path / 'moved.md')!r})",
        "caught": f"try:\n    open({str(docs / 'page.md')!r}, 'a')\nexcept PermissionError:\n    print('ok')",
    }
    cwd = os.getcwd()
    for name, code in attempts.items():
        with pytest.raises(runner.BlockFailed, match=r"working directory|docs/"):
            runner.run_block(code, name, docs)
        assert os.getcwd() == cwd
    assert (docs / "page.md").read_text() == "# Page\n" and not (
        docs / "new.md"
    ).exists()
    assert (
        runner.run_block(
            f"print(open({str(docs / 'page.md')!r}).read())", "reads", docs
        )
        == "# Page\n\n"
    )


@pytest.mark.parametrize(
    "code,message",
    [
        ("raise ValueError('bad lr')", "raised ValueError.*ValueError: bad lr"),
        ("import sys\nsys.exit(0)", r"called sys.exit\(0\)"),
        ("raise KeyboardInterrupt", "raised KeyboardInterrupt"),
        ("raise SystemExit('stop')", r"called sys.exit\('stop'\)"),
    ],
)
def test_a_block_that_raises_anything_fails_with_its_own_traceback(
    code, message, tmp_path
):
    with pytest.raises(runner.BlockFailed, match=f"(?s){message}") as failure:
        runner.run_block(code, "the-id", tmp_path)
    assert 'File "<code block the-id>", line' in str(failure.value)
    assert "sitebuild" not in str(failure.value)


@pytest.mark.site  # starts worker processes, which import torch: seconds
def test_the_pool_reports_each_task_by_its_label_and_survives_dead_and_stuck_workers(
    tmp_path,
):
    tasks = [
        Task("1", "block", "print('one')", "page, block 'one'", "one"),
        Task("2", "block", "import os\nos._exit(7)", "page, block 'exits'", "exits"),
        Task("3", "block", "while True:\n    pass", "page, block 'loops'", "loops"),
        Task("4", "block", "raise ValueError('no')", "page, block 'raises'", "raises"),
        Task("5", "block", "print('five')", "page, block 'five'", "five"),
    ]
    pool = Pool(2, tmp_path, timeout=3)
    try:
        results = {r.task.name: r for r in pool.run(tasks)}
    finally:
        pool.close()
    assert results["one"].ok and results["one"].value == "one\n"
    assert results["five"].ok and results["five"].value == "five\n"
    assert not results["exits"].ok and "exited with status 7" in results["exits"].value
    assert not results["loops"].ok and "ran for more than 3 s" in results["loops"].value
    assert not results["raises"].ok and "ValueError: no" in results["raises"].value


def test_the_time_limit_comes_from_the_environment(monkeypatch):
    from sitebuild.pool import timeout_from_environment

    monkeypatch.setenv("SGD_BLOCK_TIMEOUT", "12.5")
    assert timeout_from_environment() == 12.5
    monkeypatch.delenv("SGD_BLOCK_TIMEOUT")
    assert timeout_from_environment() == 300
    for bad in ("soon", "0", "-3"):
        monkeypatch.setenv("SGD_BLOCK_TIMEOUT", bad)
        with pytest.raises(ValueError, match="SGD_BLOCK_TIMEOUT"):
            timeout_from_environment()


def test_the_lightbox_is_loaded_only_when_a_reader_first_opens_a_figure():
    from sitebuild import figures

    page = (
        '<head><link href="../assets/stylesheets/glightbox.min.css" rel="stylesheet">'
        '<script src="../assets/javascripts/glightbox.min.js"></script></head><body>'
        '<script id="init-glightbox">const lightbox = GLightbox({"loop": false});\n'
        "document$.subscribe(()=>{ lightbox.reload(); });\n</script></body>"
    )
    out = figures.lightbox_on_first_use(page)
    head = out[: out.index("</head>")]
    assert "glightbox" not in head, "nothing of GLightbox loads with the page"
    init = out[out.index('<script id="init-glightbox">') :]
    assert 'href: "../assets/stylesheets/glightbox.min.css"' in init
    assert 'src: "../assets/javascripts/glightbox.min.js"' in init
    assert (
        'window.sgdLightbox = GLightbox({"loop": false})' in init
    )  # the plugin's settings
    assert "window.sgdLightbox.reload()" in init and "link.click()" in init
    assert figures.lightbox_on_first_use("<p>no lightbox</p>") == "<p>no lightbox</p>"


def test_a_display_formula_sits_in_a_focusable_box_and_an_inline_one_does_not():
    from sitebuild import mathml

    out = mathml.render(
        '<p><span class="arithmatex">\\(x\\)</span></p>'
        '<div class="arithmatex">\\[y = 2\\]</div>'
    )
    assert out.count("<math") == 2
    block = out[out.index("<div") :]
    assert (
        block.startswith(
            '<div class="sgd-math" tabindex="0" role="group" aria-label="Formula"><math'
        )
        and 'display="block"' in block
    )
    assert '<p><math display="inline"' in out or "<p><math" in out


def test_code_blocks_lose_their_plain_spans_but_not_a_character_nor_a_keyword_string_or_number_colour():
    import html as html_module
    import re

    import markdown

    from sitebuild import highlight

    source = (
        "for step in range(steps):\n"
        '    loss = ((x @ a - y) ** 2).mean()  # the "loss"\n'
        '    print(f"{step} {loss}")\n'
    )
    rendered = markdown.markdown(
        f"```python\n{source}```",
        extensions=["pymdownx.highlight", "pymdownx.superfences"],
    )
    lighter = highlight.lighter(rendered)

    def text(page):
        return html_module.unescape(re.sub(r"<[^>]+>", "", page))

    def classes(page):
        return re.findall(r'<span class="([a-z0-9]+)">', page)

    assert text(lighter) == text(rendered)
    assert {"n", "p", "o"} <= set(classes(rendered))
    # every other token keeps its span, in order: keywords, numbers, strings, comments
    assert classes(lighter) == [
        c for c in classes(rendered) if c not in ("n", "w", "p", "o")
    ]
    assert {"k", "mi", "s2", "c1"} <= set(classes(lighter))


def test_materials_search_dialog_gets_a_name_or_the_build_says_it_cannot():
    from sitebuild import theme

    page = '<header><div class="md-search" data-md-component="search" role="dialog"><input>'
    named = theme.named_search_dialog(page)
    assert 'role="dialog" aria-label="Search">' in named
    changed = page.replace('role="dialog"', 'role="dialog" data-new="1"')
    with pytest.raises(theme.ThemeError, match="no longer drawn"):
        theme.named_search_dialog(changed)
    assert theme.named_search_dialog("<p>no search here</p>") == "<p>no search here</p>"


def test_a_stylesheet_keeps_the_rules_its_page_can_use_and_loses_the_rest():
    from sitebuild import stylesheet

    css = (
        "@charset 'utf-8';\n"
        ".cell{color:red}\n"
        ".menu{color:blue}\n"  # nothing on the page is a menu
        ".cell:hover,.menu:hover{color:green}\n"  # kept for the cell only
        "[data-md-color-scheme=slate] .cell{color:white}\n"  # the palette is set by a script
        ".md-typeset .cell > .prompt::before{content:'>'}\n"  # the page's own ancestors count
        ".wrapper :root{--icon:url(x.svg)}\n"  # can never match
        ".cell:not(.menu):first-child{margin:0}\n"
        "@media (max-width:40em){.cell{padding:0}.menu{padding:0}}\n"
        "@media print{.menu{display:none}}\n"
        "@keyframes spin{to{transform:rotate(1turn)}}\n"
    )
    page = '<div class="wrapper"><div class="cell"><span class="prompt">In</span></div></div>'
    kept = stylesheet.used(css, page)

    assert kept.startswith("@charset")
    assert ".cell{color:red}" in kept
    assert ".menu{" not in kept and ",.menu" not in kept and "@media print" not in kept
    assert ".cell:hover{color:green}" in kept
    assert "[data-md-color-scheme=slate] .cell{color:white}" in kept
    assert ".md-typeset .cell > .prompt::before" in kept
    assert ":root" not in kept
    assert ".cell:not(.menu):first-child{margin:0}" in kept
    assert "@media (max-width:40em){.cell{padding:0}}" in kept
    assert "@keyframes spin" in kept


def test_an_explorables_frames_count_as_figures_its_block_shows(tmp_path):
    # so that the cache notices a deleted or edited frame, and the build one it did not draw
    (tmp_path / "e.json").write_text(
        json.dumps(
            {"files": {"light": ["e-0-light.png"], "dark": ["e-0-dark.png", "../x"]}}
        )
    )
    output = '<figure data-manifest="figures/e.json"><img src="figures/e-0-light.png"></figure>'
    names, bad = checks.figure_names(output, "figures/")
    assert bad == [] and names == {"e.json", "e-0-light.png"}
    assert checks.with_frames(names, tmp_path) == {
        "e.json",
        "e-0-light.png",
        "e-0-dark.png",
    }
