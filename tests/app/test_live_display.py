"""The build's live display and its timing table with several clinics: each line names its clinic, in a
column of its own, and the table stays aligned however long a clinic's id is."""
from __future__ import annotations

import io
import re

from rich.console import Console

from handout.app.progress import LiveProgress, PlainProgress, split_clinic


def _screen(run) -> list[str]:
    out = io.StringIO()
    with LiveProgress(Console(file=out, force_terminal=True, width=100, color_system=None)) as progress:
        run(progress)
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", out.getvalue())
    return [line.rstrip() for line in text.split("\r")[-1].splitlines() if line.strip()]


def test_split_clinic():
    assert split_clinic("PDF letter [north]") == ("PDF letter", "north")
    assert split_clinic("PDF letter") == ("PDF letter", "")


def test_each_line_of_the_live_display_names_its_clinic_in_a_column():
    def run(progress):
        progress("skip", "PDF a4 [north]")
        for name in ("PDF letter [north]", "EPUB [south-side-clinic]"):
            progress("start", name)
        for name in ("PDF letter [north]", "EPUB [south-side-clinic]"):
            progress("done", name)

    lines = _screen(run)
    assert len(lines) == 3 and all(line.startswith("done ") for line in lines), lines
    assert [line.split()[-2] for line in lines] == ["north", "north", "south-side-clinic"]
    columns = {line.index(clinic) for line, clinic in zip(lines, ("north", "north", "south-side-clinic"))}
    assert len(columns) == 1, lines  # the clinics stand in one column


def test_one_clinic_has_no_clinic_column():
    lines = _screen(lambda progress: (progress("start", "PDF letter"), progress("done", "PDF letter")))
    assert re.fullmatch(r"done PDF letter\s+0:00:0\d", lines[0]), lines


def test_plain_lines_name_the_clinic_as_the_build_labels_it():
    out = io.StringIO()
    progress = PlainProgress(out)
    progress("start", "PDF letter [north]")
    progress("done", "PDF letter [north]")
    assert out.getvalue().splitlines()[0] == "  building PDF letter [north] ..."
