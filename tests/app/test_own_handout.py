"""A clinic's own handout, as a new user makes it: `publish.py new` in a folder outside the repository, built
from there with the built-in theme (no layouts/ or assets/), marked as a sample on every page until its
placeholders are replaced; then clean and unmarked; a placeholder left in a project that is no sample is
refused, naming it. The crisis box can be left out, and the sample mark is in the EPUB's title page."""
from __future__ import annotations

import pytest

import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

from pypdf import PdfReader

from conftest import REPO, TEST_EPOCH, epubcheck, pdf_text

MARK = "SAMPLE \u2013 replace the clinic details before giving this to patients"


def publish(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """The command line as a user runs it, from the project's own folder (no --project)."""
    environment = {**os.environ, "SOURCE_DATE_EPOCH": TEST_EPOCH}
    return subprocess.run([sys.executable, str(REPO / "publish.py"), *args], cwd=cwd, capture_output=True,
                          text=True, env=environment, timeout=600)


def replace_placeholders(project: Path) -> None:
    """What a clinic does: its own details instead of the stand-ins, its own source, and no `sample = true`."""
    config = project / "publish.toml"
    text = config.read_text()
    for old, new in (('publisher = "Sample Clinic"', 'publisher = "Riverside Health Centre"'),
                     ('name = "Sample Clinic"', 'name = "Riverside Health Centre"'),
                     ("Your Town, ST 00000", "Springfield, IL 62704"),
                     ('phone = "(555) 010-0100"', 'phone = "(217) 524-3100"'),
                     ('website = "www.example.org"', 'website = "www.riverside-health.test"'),
                     ('reviewed_by = "Name of the clinician who reviewed it (sample)"', 'reviewed_by = "Dr A. Rivera"')):
        assert old in text, old
        text = text.replace(old, new)
    text, removed = re.subn(r"^sample = true\n", "", text, flags=re.M)
    assert removed == 1
    config.write_text(text)
    references = project / "chapters" / "references.yaml"
    references.write_text(references.read_text().replace("https://www.example.org/your-source",
                                                         "https://www.nhs.uk/conditions/insomnia/"))


@pytest.mark.slow
def test_a_new_project_outside_the_repository_is_a_sample_until_its_placeholders_are_replaced(tmp_path):
    assert not tmp_path.resolve().is_relative_to(REPO)
    made = publish(tmp_path, "new", "sleep", "--title", "Sleep after surgery")
    assert made.returncode == 0, made.stderr
    project = tmp_path / "sleep"
    assert "sample = true" in (project / "publish.toml").read_text()

    # A sample builds from its own folder with the built-in theme, and says so on every page.
    built = publish(project, "build")
    assert built.returncode == 0, built.stderr
    assert not (project / "layouts").exists() and not (project / "assets").exists()
    pdf, epub = project / "dist" / "sleep-after-surgery.pdf", project / "dist" / "sleep-after-surgery.epub"
    for name in ("sleep-after-surgery.pdf", "sleep-after-surgery-large-print.pdf"):
        pages = PdfReader(project / "dist" / name).pages
        assert len(pages) > 1
        for number, page in enumerate(pages, 1):
            assert MARK in " ".join((page.extract_text() or "").split()), (name, number)
    with zipfile.ZipFile(epub) as archive:
        title = archive.read("EPUB/title.xhtml").decode()
    # In its text, for screen readers (the page list's marker of printed page 1 may stand before the words).
    assert re.search(rf'<p class="sample-mark"><strong>(<span epub:type="pagebreak"[^>]*/>)?{MARK}</strong></p>',
                     title), title
    assert epubcheck(epub) == []
    # `check` lists each placeholder, at info level in a sample, so --strict passes.
    checked = publish(project, "check", "--strict")
    assert checked.returncode == 0, checked.stdout
    assert re.search(r"publish.toml:\d+: info: \[placeholders\] 'clinic.phone' holds a placeholder", checked.stdout)

    # Replaced, and no longer a sample: a clean build, with no mark.
    replace_placeholders(project)
    checked = publish(project, "check", "--strict")
    assert checked.returncode == 0, checked.stdout
    assert "[placeholders]" not in checked.stdout
    built = publish(project, "build")
    assert built.returncode == 0, built.stderr
    assert "warning" not in built.stderr
    assert "SAMPLE" not in pdf_text(pdf)
    with zipfile.ZipFile(epub) as archive:
        assert not any(b"sample-mark" in archive.read(n) for n in archive.namelist() if n.endswith(".xhtml"))
    assert epubcheck(epub) == []

    # One placeholder left, in a project that is no sample: refused, naming the key and its line.
    config = project / "publish.toml"
    config.write_text(config.read_text().replace('phone = "(217) 524-3100"', 'phone = "(555) 010-0100"'))
    line = next(n for n, text in enumerate(config.read_text().splitlines(), 1) if text.startswith("phone ="))
    before = pdf.read_bytes()
    refused = publish(project, "build")
    assert refused.returncode == 2, refused.stderr
    assert f"publish.toml:{line}: [placeholders] 'clinic.phone' holds a placeholder, a 555 phone number" \
        in refused.stderr
    assert "Traceback" not in refused.stderr
    assert pdf.read_bytes() == before  # nothing was printed


@pytest.mark.slow
def test_the_crisis_box_can_be_left_out_of_every_output(tmp_path):
    assert publish(tmp_path, "new", "plain").returncode == 0
    project = tmp_path / "plain"
    for setting in ("show = false", "lines = []"):
        (project / "publish.toml").write_text(re.sub(r"\n\[crisis\]\n.*", "", (project / "publish.toml").read_text(),
                                                     flags=re.S) + f"\n[crisis]\n{setting}\n")
        built = publish(project, "build")
        assert built.returncode == 0, built.stderr
        text = pdf_text(project / "dist" / "your-handout-title.pdf")
        assert "in crisis" not in text and "988" not in text and "Get help now" not in text
        with zipfile.ZipFile(project / "dist" / "your-handout-title.epub") as archive:
            for name in archive.namelist():
                if name.endswith(".xhtml"):
                    document = archive.read(name).decode()
                    assert "crisis" not in document and "988" not in document, (setting, name)


@pytest.mark.slow
def test_large_print_keeps_the_crisis_box_on_the_title_page_with_a_logo_and_a_full_address(tmp_path):
    from PIL import Image

    assert publish(tmp_path, "new", "clinic", "--title", "Ketamine, Esketamine and Antidepressants").returncode == 0
    project = tmp_path / "clinic"
    (project / "assets" / "images").mkdir(parents=True)
    Image.new("RGB", (600, 240), "#1f4e79").save(project / "assets" / "images" / "logo.png")
    config = project / "publish.toml"
    config.write_text(config.read_text()
                      .replace('subtitle = ""', 'subtitle = "How they compare for depression"')
                      .replace('address = """1 Main Street\nYour Town, ST 00000"""',
                               'address = """Riverside Health Centre, Building B\n1200 North Main Street, Suite 400\n'
                               'Springfield Heights\nSpringfield, IL 62704"""')
                      .replace('website = "www.example.org"', 'website = "www.example.org"\nlogo = "assets/images/logo.png"'))
    built = publish(project, "build", "--edition", "large-print", "--no-epub", "--no-web")
    assert built.returncode == 0, built.stderr
    first = PdfReader(project / "dist" / "ketamine-esketamine-and-antidepressants-large-print.pdf").pages[0].extract_text()
    first = " ".join(first.split())
    for words in ("Springfield, IL 62704", "Next review due", "If you are in crisis, get help now",
                  "Call 911 or go to the nearest emergency department if you are in immediate danger."):
        assert words in first, words


@pytest.mark.slow
def test_with_several_clinics_the_timings_stay_aligned_and_the_warnings_come_last(tmp_path):
    assert publish(tmp_path, "new", "two").returncode == 0
    project = tmp_path / "two"
    config = project / "publish.toml"
    text = config.read_text()
    start, end = text.index("[clinic]"), text.index("[print]")
    clinic = text[start:end]
    text = (text[:start] + clinic.replace("[clinic]", '[[clinic]]\nid = "north"')
            + clinic.replace("[clinic]", '[[clinic]]\nid = "south-side-community-clinic"') + text[end:])
    config.write_text(text.replace("editions = ", "edition = "))  # a misspelt key: a warning
    environment = {**os.environ, "SOURCE_DATE_EPOCH": TEST_EPOCH}
    built = subprocess.run([sys.executable, str(REPO / "publish.py"), "build", "--no-pdf", "--no-web"], cwd=project,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=environment, timeout=600)
    assert built.returncode == 0, built.stdout
    lines = built.stdout.splitlines()
    assert "building EPUB [south-side-community-clinic] ..." in " ".join(lines)
    timings = lines[lines.index("timings:") + 1:]
    table = [line for line in timings if line.endswith(" s")]
    assert any("[south-side-community-clinic]" in line for line in table)
    assert len({len(line) for line in table}) == 1, table  # one column of seconds
    # After the table: the warning, and what the unknown key means.
    after = timings[len(table):]
    assert after[0].startswith("warning: publish.toml:") and "did you mean 'print.editions'?" in after[0]
    assert after[-1].startswith("1 unknown key in publish.toml was ignored: check the spelling")
