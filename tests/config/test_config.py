"""publish.toml is validated on load: wrong types and missing keys name the key; unknown keys warn. The settings
classes are built from SCHEMA, one declaration per option."""
from __future__ import annotations

import dataclasses
import datetime as dt
import pickle
import re
from pathlib import Path

import pytest

from handout.config import settings as config_module
from handout.config.settings import SCHEMA, Locator, config_line, load_config
from handout.config.schema import Option, Table
from handout.core.errors import InputError
from conftest import REPO, make_project


@pytest.fixture
def project(tmp_path):
    return make_project(tmp_path / "p")


def edit(project, old, new):
    path = project / "publish.toml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_the_shipped_configuration_loads_without_warnings(project):
    config = load_config(project)
    assert config.title and config.identifier.startswith("urn:uuid:")
    assert config.warnings == ()


def test_unknown_key_is_a_warning_naming_key_and_line(project):
    edit(project, 'version = "1.0"', 'version = "1.0"\ncolour = "blue"')
    config = load_config(project)
    assert config.warnings == ("publish.toml:12: unknown key 'colour' (ignored)",)


def test_unknown_key_in_a_table_names_the_dotted_key(project):
    edit(project, 'phone = "(555) 010-0100"', 'phone = "(555) 010-0100"\nfax = "1"')
    assert any("'clinic.fax'" in w for w in load_config(project).warnings)


@pytest.mark.parametrize("old,new,message", [
    ('language = "en-US"', 'language = "English (US)"', "'language': 'English (US)' is not a BCP 47"),
    ('identifier = "urn:uuid:', 'identifier = "isbn:', "is not a urn:uuid: identifier"),
    ('output_name = "ketamine-handout"', 'output_name = "../escape"', "'output_name': '../escape' must be a plain file name"),
    ('authors = ["Handout editorial team"]', 'authors = "Someone"', "'authors' must be a list"),
    ('authors = ["Handout editorial team"]', 'authors = [1, 2]', "'authors' must be a list of strings"),
    ("next_review_due = 2027-11-01", "next_review_due = 2025-01-01", "before 'review.last_reviewed'"),
    ('name = "Sample Community Clinic"', 'name = ""', "'clinic.name' must not be empty"),
    ('logo = ""', 'logo = "assets/images/none.png"', "'clinic.logo' file not found"),
    ('logo = ""', 'logo = "../../etc/hostname"', "'clinic.logo' points outside the project"),
    ('version = "1.0"', "version = true", "'version' must be a string, not bool"),
    ("toc_min_chapters = 4", "toc_min_chapters = true", "'print.toc_min_chapters' must be a whole number, not bool"),
    ("last_reviewed = 2026-11-01", "last_reviewed = 2026-11-01T10:00:00",
     "'review.last_reviewed' must be a date (YYYY-MM-DD), not datetime"),
    ('editions = ["letter", "a4", "large-print", "booklet", "sheet", "large-print-sheet"]', 'editions = ["letter", "letter"]',
     "'print.editions': lists an edition twice"),
    ('editions = ["letter", "a4", "large-print", "booklet", "sheet", "large-print-sheet"]', 'editions = ["tabloid"]',
     "'print.editions': has unknown editions ['tabloid']"),
    ('editions = ["letter", "a4", "large-print", "booklet", "sheet", "large-print-sheet"]', "editions = []",
     "'print.editions' must list at least one edition"),
    ('paper = "letter"', 'paper = "legal"', "'print.paper' must be one of letter, a4"),
    ('online_url = "https://www.example.org/handouts/ketamine-esketamine"', 'online_url = "www.example.org"',
     "'online_url': 'www.example.org' is not a web address (https://...)"),
    ('subtitle = "How they compare for depression"', 'subtitle = "How\\u0007"',
     "'subtitle' holds an invisible control character (U+0007): delete it"),
    ('keywords = ["depression"', 'keywords = ["dep\\u0001ression"', "'keywords' holds an invisible control character"),
    ("[review]", "review = 1\n[former_review]", "'review' must be a table ([review])"),
])
def test_bad_values_name_the_key(project, old, new, message):
    edit(project, old, new)
    with pytest.raises(InputError) as caught:
        load_config(project)
    assert message in str(caught.value)
    assert str(caught.value).startswith(str(project / "publish.toml"))
    assert caught.value.line is not None


def test_missing_table_key_names_the_table_line(project):
    edit(project, 'reviewed_by = "Clinical review panel (sample)"\n', "")
    with pytest.raises(InputError) as caught:
        load_config(project)
    lines = (project / "publish.toml").read_text().splitlines()
    assert caught.value.line == lines.index("[review]") + 1
    assert "missing required key 'review.reviewed_by'" in caught.value.message


def test_a_table_given_as_a_value_names_the_table(project):
    edit(project, "[clinic]\n", "[former_clinic]\n")
    edit(project, 'title = "', 'clinic = 3\ntitle = "')
    with pytest.raises(InputError) as caught:
        load_config(project)
    assert "'clinic' must be a table" in caught.value.message
    assert caught.value.line == 3


# ---- each setting declared once: the settings classes are built from SCHEMA ---------------------------------

def _options(table: Table, prefix: str = ""):
    for key, option in table.items():
        if isinstance(option, Table):
            yield from _options(option, f"{prefix}{key}.")
        else:
            yield prefix + key, option


def test_every_table_is_a_settings_class_with_one_field_per_option():
    def check(table: Table, cls: type):
        # Beside the options: the file, its warnings, and what a translation's Config says of its language.
        beside = ("path", "warnings", "chapters_dir", "source_language", "translation")
        names = [f.name for f in dataclasses.fields(cls) if f.name not in beside]
        assert names == [option.attribute or key if isinstance(option, Table) else key
                         for key, option in table.items()]
        for key, option in table.items():
            if isinstance(option, Table):
                check(option, getattr(config_module, option.name))
    check(SCHEMA, config_module.Config)
    assert config_module.Limits is config_module.SETTINGS_CLASSES["Limits"]
    assert config_module.Clinic.__module__ == "handout.config.settings"


def test_every_option_has_help_and_a_default_of_its_own_type():
    for dotted, option in _options(SCHEMA):
        assert option.help, dotted
        if not option.required:
            kinds = option.kind if isinstance(option.kind, tuple) else (option.kind,)
            assert isinstance(option.default, kinds), dotted


def test_the_readme_documents_every_option_and_no_other():
    """Each option has a row of the README's table; a free-form table ([check.rules]) has its own section."""
    readme = (REPO / "README.md").read_text()
    table = readme.split("### Configuration: publish.toml", 1)[1].split("\n\n", 2)[1]
    documented = re.findall(r"^\| `([a-z_.]+)` \|", table, re.M)
    options = dict(_options(SCHEMA))
    tables = [dotted for dotted, option in options.items() if option.kind is dict]
    assert sorted(documented) == sorted(set(options) - set(tables))
    assert all(f"[{dotted}]" in readme for dotted in tables)


def test_defaults_fill_the_settings_and_lists_become_tuples(project):
    edit(project, "[crisis]\n", "[former_crisis]\n")
    edit(project, 'certified_by = "Handout editorial team"', 'certified_by = ""')
    config = load_config(project)
    assert config.crisis.lines == tuple(SCHEMA["crisis"]["lines"].default)
    assert config.crisis.heading == SCHEMA["crisis"]["heading"].default
    assert config.accessibility.certified_by == config.publisher  # its fallback
    assert isinstance(config.authors, tuple) and isinstance(config.print.editions, tuple)
    assert config.limits.image_bytes == config.limits.image_mb * 1_000_000
    assert config.limits.image_pixels == config.limits.image_megapixels * 1_000_000
    assert config.root == project and config.clinic is config.clinics[0]


def test_settings_are_frozen_replaceable_and_cross_processes(project):
    config = load_config(project)
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.title = "x"
    changed = dataclasses.replace(config, print=dataclasses.replace(config.print, paper="a4"))
    assert changed.print.paper == "a4" and config.print.paper == "letter"
    assert pickle.loads(pickle.dumps(config)) == config


def two_clinics(project, first: str, second: str) -> None:
    """The [clinic] table as two [[clinic]] tables (the second named 'East ...'), each followed by its text."""
    text = (project / "publish.toml").read_text()
    start = text.index("[clinic]")
    end = text.index("\n\n", start)
    clinic = text[start:end].replace("[clinic]", "[[clinic]]")
    (project / "publish.toml").write_text(text[:start] + clinic + first + "\n\n"
                                          + clinic.replace('name = "', 'name = "East ') + second + text[end:])


def test_several_clinics_each_become_settings(project):
    two_clinics(project, '\nid = "north"', '\nid = "east"')
    config = load_config(project)
    assert [c.id for c in config.clinics] == ["north", "east"]
    assert config.clinics[1].name.startswith("East ")


def test_an_empty_array_of_clinics_is_refused(project):
    edit(project, "[clinic]\n", "[former_clinic]\n")
    edit(project, 'title = "', 'clinic = []\ntitle = "')
    with pytest.raises(InputError, match=re.escape("'clinic' must be a table or an array of tables ([[clinic]])")):
        load_config(project)


def test_limits_must_be_positive(project):
    edit(project, "[crisis]", "[limits]\nimage_mb = 0\n\n[crisis]")
    with pytest.raises(InputError, match="'limits.image_mb' must be more than 0") as caught:
        load_config(project)
    assert caught.value.line == (project / "publish.toml").read_text().splitlines().index("image_mb = 0") + 1


def test_invalid_toml_names_its_line(project):
    edit(project, 'version = "1.0"', 'version = "1.0')
    with pytest.raises(InputError, match="invalid TOML") as caught:
        load_config(project)
    assert caught.value.line == 11


def test_nesting_deeper_than_any_setting_is_refused(project):
    edit(project, 'version = "1.0"', 'version = "1.0"\ndeep = ' + "[" * 12 + "]" * 12)
    with pytest.raises(InputError, match="nested 13 levels deep"):
        load_config(project)


def test_a_missing_or_oversized_config_is_refused(tmp_path):
    with pytest.raises(InputError, match="no publish.toml found"):
        load_config(tmp_path)
    (tmp_path / "publish.toml").write_bytes(b"# " + b"x" * config_module.CONFIG_BYTES)
    with pytest.raises(InputError, match="over the limit of 1 MB"):
        load_config(tmp_path)
    (tmp_path / "publish.toml").write_bytes(b"title = \"\xff\"\n")
    with pytest.raises(InputError, match="not UTF-8") as caught:
        load_config(tmp_path)
    assert caught.value.line == 1


def test_two_clinics_need_distinct_ids(project):
    two_clinics(project, "", "")
    with pytest.raises(InputError, match="needs an 'id'"):
        load_config(project)


def test_the_line_lookup_is_public():
    text = 'title = "x"\n\n[review]\nlast_reviewed = 2026-01-01\n\n[[clinic]]\nname = "a"\n'
    where = Locator(text)
    assert where.line("title") == 1
    assert where.line("review") == 3
    assert where.line("review.last_reviewed") == 4
    assert where.line("clinic.name") == 7
    assert where.line("review.reviewed_by") is None


def test_config_line_finds_a_key_of_a_loaded_project(project):
    config = load_config(project)
    lines = (project / "publish.toml").read_text().splitlines()
    assert config_line(config, "review.next_review_due") == lines.index("next_review_due = 2027-11-01") + 1
    (project / "publish.toml").unlink()
    assert config_line(config, "review.next_review_due") is None


def test_an_option_checks_its_value_alone():
    option = Option(int, 3, "a number", check=lambda v: "must be odd" if v % 2 == 0 else None)
    assert option.validate(5, "n", Path("publish.toml"), 2) == 5
    with pytest.raises(InputError, match="'n' must be odd"):
        option.validate(4, "n", Path("publish.toml"), 2)
    assert Option(list, []).validate(["a"], "l", None, None) == ("a",)
    assert Option(dt.date).required and not option.required
