"""How a source's entry is punctuated: one full stop after each part (authors, title, publisher, year), none
added after a part that ends in its own ("et al.", a title asking "?"), in every output; and no link back to
the text on paper, where it means nothing."""
from __future__ import annotations

import re

import pytest

from conftest import make_project, outputs, pdf_text, run_publish
from handout.render.layouts import stop


@pytest.mark.parametrize("text, added", [
    ("Centers for Disease Control and Prevention", "."), ("Murrough JW, Perez AM, et al.", ""),
    ("How should I care for my wound after surgery?", ""), ("Stop now!", ""), ('He said "why?"', ""),
    ("A guide (2nd ed.)", "."), ("Journal of Examples", "."), (2024, "."), ("", ""), ("Wait…", ""),
])
def test_a_part_of_an_entry_gets_a_full_stop_only_when_it_has_none(text, added):
    assert stop(text) == added


@pytest.mark.slow
def test_an_agency_author_and_a_question_print_with_one_stop_each(tmp_path):
    project = make_project(tmp_path / "agency")
    references = project / "chapters" / "references.yaml"
    text = references.read_text()
    text = text.replace('authors: "Health Agency"\n  title: "A guide to medicines"\n  publisher: "Health Agency"',
                        'authors: "Centers for Disease Control and Prevention"\n'
                        '  title: "How should I care for my wound after surgery?"\n  publisher: "CDC"')
    assert "Centers for Disease" in text
    references.write_text(text)
    result = run_publish(project, "--no-web", "--edition", "letter")
    assert result.returncode == 0, result.stderr
    printed = " ".join(pdf_text(outputs(project, "handout")[0] if (project / "dist" / "handout.pdf").exists()
                                else next((project / "dist").glob("*.pdf"))).split())
    assert ("Centers for Disease Control and Prevention. How should I care for my wound after surgery? CDC. 2024."
            in printed), re.findall(r"Centers for Disease.{0,120}", printed)
    assert "Back to text" not in printed
    # The EPUB's entry reads the same.
    import zipfile
    with zipfile.ZipFile(next((project / "dist").glob("*.epub"))) as archive:
        words = " ".join(re.sub(r"<[^>]+>", "", archive.read(name).decode()) for name in archive.namelist()
                         if name.endswith(".xhtml"))
    assert "Centers for Disease Control and Prevention. How should I care for my wound after surgery? CDC. 2024." \
        in " ".join(words.split())
