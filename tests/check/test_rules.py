"""The checks' registry and diagnostics as data: the README's table of rules and the JSON report's list of rules
are the registry's; `[check.rules]` in publish.toml switches a rule off or changes its level; the loader,
collecting, reports every problem of a chapter with its code and line (in process, and once by the command
line)."""
from __future__ import annotations

import pytest

import datetime as dt
import json

from conftest import REPO, make_project, run_publish
from handout import check as checks
from handout.load.book import BookProblems, load_book
from handout.check import check_project
from handout.config.settings import load_config

TODAY = dt.date(2027, 1, 1)


def replace_in(project, name, old, new):
    path = project / name
    text = path.read_text()
    assert old in text, (name, old)
    path.write_text(text.replace(old, new, 1))


def test_the_readme_table_of_rules_is_the_registry():
    readme = (REPO / "README.md").read_text()
    table = checks.rule_table()
    assert table in readme
    rows = [line for line in readme.splitlines() if line.startswith("| `")]
    assert [row.split("`")[1] for row in rows if row.split("`")[1] in checks.REGISTRY] == list(checks.RULES)


def test_the_json_list_of_rules_is_the_registry():
    from test_checks import readme_json_shape

    item = readme_json_shape()["properties"]["findings"]["items"]
    assert item["properties"]["rule"]["enum"] == list(checks.RULES) == list(checks.REGISTRY)
    assert "code" in item["required"]


def test_every_rule_declares_its_levels_settings_and_doc_once():
    for name, entry in checks.REGISTRY.items():
        assert entry.name == name and entry.levels and entry.doc and callable(entry.function)
        assert entry.level in checks.LEVELS


def test_a_rule_switched_off_in_publish_toml_reports_nothing(tmp_path):
    project = make_project(tmp_path / "p")
    (project / "chapters" / "05-numbers.md").write_text("---\ntitle: Numbers\n---\n\nAbout 25% feel sick.\n")
    assert [f for f in check_project(project, TODAY).findings if f.rule == "numbers"]
    replace_in(project, "publish.toml", "[crisis]", "[check.rules]\nnumbers = false\nreview = false\n\n[crisis]")
    run = check_project(project, TODAY)
    assert not [f for f in run.findings if f.rule in {"numbers", "review"}]
    assert run.status == 0


def test_a_rule_at_another_level_is_reported_at_it(tmp_path):
    project = make_project(tmp_path / "p")
    (project / "chapters" / "05-numbers.md").write_text("---\ntitle: Numbers\n---\n\nAbout 25% feel sick.\n")
    replace_in(project, "publish.toml", "[crisis]", "[check.rules]\nnumbers = \"warning\"\n\n[crisis]")
    run = check_project(project, TODAY)
    found = [(f.level, f.code) for f in run.findings if f.rule == "numbers"]
    assert ("warning", "numbers.unsourced") in found and ("info", "numbers.percentage") in found
    assert not [f for f in run.findings if f.level == "error"] and run.status == 0


def test_an_unknown_rule_name_is_a_warning_at_its_line_and_a_bad_setting_is_bad_input(tmp_path):
    project = make_project(tmp_path / "p")
    replace_in(project, "publish.toml", "[crisis]", "[check.rules]\nnumbrs = false\n\n[crisis]")
    line = (project / "publish.toml").read_text().splitlines().index("numbrs = false") + 1
    [finding] = [f for f in check_project(project, TODAY).findings if f.code == "config.unknown-rule"]
    assert (finding.path, finding.line, finding.level, finding.rule) == ("publish.toml", line, "warning", "input")
    assert "unknown rule 'numbrs'" in finding.message
    replace_in(project, "publish.toml", "numbrs = false", "numbers = \"loud\"")
    run = check_project(project, TODAY)
    assert run.bad_input and "'check.rules': 'numbers' must be true, false or a level" in run.findings[0].message


THREE = ("---\ntitle: Three\n---\n"
         "\n"
         "Most people feel better [@nobody].\n"                      # 5: unknown citation key
         "\n"
         "![](../assets/figures/steps.svg \"The three steps.\")\n"   # 7: no alt text
         "\n"
         "See [the rest](02-steps.md#nowhere).\n")                   # 9: no such anchor


def test_the_loader_collects_every_problem_with_its_code_and_line(tmp_path):
    project = make_project(tmp_path / "p")
    chapter = project / "chapters" / "05-three.md"
    chapter.write_text(THREE)
    config = load_config(project)
    try:
        load_book(config, use_cache=False, collect=True)
    except BookProblems as problems:
        found = [(d.code, d.path, d.line) for d in problems.diagnostics]
    else:
        raise AssertionError("the book loaded")
    assert sorted(found, key=lambda f: f[2]) == [("citations.unknown-key", chapter, 5),
                                                 ("images.no-alt", chapter, 7),
                                                 ("links.unknown-target", chapter, 9)]
    run = check_project(project, TODAY)
    assert [(f.path, f.line, f.code) for f in run.findings if f.level == "error"] == [
        ("chapters/05-three.md", 5, "citations.unknown-key"), ("chapters/05-three.md", 7, "images.no-alt"),
        ("chapters/05-three.md", 9, "links.unknown-target")]
    assert run.status == 1


def test_without_collect_the_loader_stops_at_the_first_problem(tmp_path):
    project = make_project(tmp_path / "p")
    (project / "chapters" / "05-three.md").write_text(THREE)
    try:
        load_book(load_config(project), use_cache=False)
    except BookProblems:
        raise AssertionError("collected without collect=True")
    except Exception as error:  # the InputError of the first problem met (the image, inside the chapter)
        assert getattr(error, "code", "") == "images.no-alt" and error.line == 7


@pytest.mark.slow
def test_check_on_the_command_line_reports_all_three_with_codes(tmp_path):
    project = make_project(tmp_path / "p")
    (project / "chapters" / "05-three.md").write_text(THREE)
    result = run_publish(project, "check", "--format", "json", env={"SOURCE_DATE_EPOCH": "1798761600"})
    assert result.returncode == 1, result.stdout + result.stderr
    errors = [(f["path"], f["line"], f["rule"], f["code"]) for f in json.loads(result.stdout)["findings"]
              if f["level"] == "error"]
    assert errors == [("chapters/05-three.md", 5, "citations", "citations.unknown-key"),
                      ("chapters/05-three.md", 7, "images", "images.no-alt"),
                      ("chapters/05-three.md", 9, "links", "links.unknown-target")]


def test_the_checks_open_no_file():
    source = "\n".join(path.read_text() for path in (REPO / "handout" / "checks").glob("*.py"))
    for opening in ("open(", "read_text(", "read_bytes(", "Sandbox(", "read_config_text", "load_yaml"):
        assert opening not in source, opening
