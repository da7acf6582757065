"""The registries of outputs and editions: each target and each print edition is one entry in one place, and
planning, file names, dependencies, flags and labels follow from the entries."""
from __future__ import annotations

import re

import pytest

from conftest import make_project
from handout.config import editions
from handout import targets
from handout.build.run import build, plan_outputs
from handout.app.cli import parser
from handout.config.settings import load_config
from handout.config.editions import Edition


def _editions(project, listed: str) -> None:
    config = project / "publish.toml"
    text = re.sub(r"(?m)^editions = .*$", f"editions = {listed}", config.read_text())
    config.write_text(text)


@pytest.mark.slow
def test_a_css_only_edition_is_one_entry_and_a_stylesheet(tmp_path, monkeypatch):
    """A throwaway edition: an entry in the registry and a stylesheet in the project; nothing else is told."""
    project = make_project(tmp_path / "project")
    (project / "assets" / "css" / "editions" / "tabloid.css").write_text(
        "@page { size: 11in 17in; }\nbody { font-size: 15pt; }\n")
    _editions(project, '["letter", "tabloid"]')
    monkeypatch.setitem(editions.EDITIONS, "tabloid", Edition("tabloid", label="tabloid"))

    report = build(project, jobs=1, skip={"epub", "web"})

    made = {output.path.name: output for output in report.outputs}
    assert set(made) == {"ketamine-handout.pdf", "ketamine-handout-tabloid.pdf"}
    from pypdf import PdfReader

    box = PdfReader(project / "dist" / "ketamine-handout-tabloid.pdf").pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (11 * 72, 17 * 72)
    letter = PdfReader(project / "dist" / "ketamine-handout.pdf").pages[0].mediabox
    assert (round(float(letter.width)), round(float(letter.height))) == (612, 792)
    # The new edition is a choice of --edition and is labelled like the others.
    assert "tabloid" in parser().format_help() or "tabloid" in _build_help()
    assert targets.label("pdf", "tabloid") == "PDF tabloid"
    # It depends on its stylesheet only: the tabloid sheet does not touch the Letter PDF's inputs.
    assert targets.depends("assets/css/editions/tabloid.css", "pdf", "tabloid", "letter")
    assert not targets.depends("assets/css/editions/tabloid.css", "pdf", "letter", "letter")


def _build_help() -> str:
    build_parser = parser()._subparsers._group_actions[0].choices["build"]
    return build_parser.format_help()


def test_an_unregistered_edition_is_refused_naming_the_choices(tmp_path):
    project = make_project(tmp_path / "project")
    _editions(project, '["letter", "tabloid"]')
    from handout.core.errors import InputError

    with pytest.raises(InputError) as caught:
        load_config(project)
    assert "unknown editions ['tabloid']" in caught.value.message
    assert ", ".join(editions.EDITIONS) in caught.value.message


def test_editions_without_a_page_size_of_their_own_use_the_papers_stylesheet():
    assert editions.stylesheets("letter", "a4") == ("assets/css/editions/letter.css",)
    assert editions.stylesheets("large-print", "a4") == ("assets/css/editions/a4.css",
                                                         "assets/css/editions/large-print.css")
    assert editions.stylesheets("press", "letter") == ("assets/css/editions/letter.css",
                                                       "assets/css/editions/press.css")
    # The booklet is imposed from the paper edition's PDF: it is laid out as that edition is.
    assert editions.stylesheets("booklet", "a4") == ("assets/css/editions/a4.css",)
    assert editions.pages_of("booklet", "a4") == "a4"
    assert editions.pages_of("large-print", "a4") == "large-print"
    assert editions.page_label("press", "a4") == "A4"


def test_every_target_has_a_flag_and_the_plan_follows_the_registry(tmp_path):
    project = make_project(tmp_path / "project")
    help_text = _build_help()
    for name, target in targets.TARGETS.items():
        assert f"--no-{name}" in help_text
        assert target.job is not None and target.stylesheets
    config = load_config(project)
    plan = plan_outputs(config, project / "dist")
    assert [(item.kind, item.final.name) for item in plan] == [
        *(("pdf", targets.output_file("pdf", config.output_name, edition, config.print.editions))
          for edition in config.print.editions),
        ("epub", "ketamine-handout.epub"), ("web", "index.html")]
    assert [item.kind for item in plan_outputs(config, project / "dist", skip={"pdf"})] == ["epub", "web"]
    # Each output's key names its clinic, language, target and edition: the scheduler's graph is keyed so.
    assert {item.key.target for item in plan} == set(targets.TARGETS)
    assert all(item.key.language == config.language for item in plan)


def test_registering_an_edition_twice_is_refused():
    with pytest.raises(ValueError):
        editions.register(Edition("letter"))


def test_layouts_ask_for_capabilities_not_target_names():
    from conftest import REPO

    for path in (REPO / "layouts").rglob("*"):
        if path.is_file():
            text = path.read_text()
            assert not re.search(r"target\s*[!=]=", text), f"{path} branches on the target's name"


def test_the_readme_table_of_outputs_is_the_registries():
    from conftest import REPO

    readme = (REPO / "README.md").read_text()
    found = re.search(r"<!-- outputs table:[^\n]*-->\n(.*?)\n<!-- end of outputs table -->", readme, re.S)
    assert found, "README.md has no generated table of outputs"
    assert found.group(1) == targets.outputs_table(), "regenerate it with handout.targets.base.outputs_table()"
