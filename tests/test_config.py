"""publish.toml is validated on load: wrong types and missing keys name the key; unknown keys warn."""
from __future__ import annotations

import pytest

from handout.config import load_config
from handout.errors import InputError
from conftest import make_project


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
])
def test_bad_values_name_the_key(project, old, new, message):
    edit(project, old, new)
    with pytest.raises(InputError) as caught:
        load_config(project)
    assert message in str(caught.value)
    assert str(caught.value).startswith(str(project / "publish.toml"))


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
