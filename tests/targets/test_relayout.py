"""`watch` lays the first edition out again only from the page before the edited chapter
(handout/targets/pdf/relayout.py): the PDF it writes is byte for byte the PDF a cold build writes."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from conftest import make_project

EDITS = {
    # A paragraph added in a chapter of the middle: the pages after it move, and with them the contents' and
    # cross-references' numbers when a chapter or a section moves to another page.
    "paragraph": ("chapters/05-side-effects.md", lambda text: text + "\nTell your care team how you feel after "
                  "each visit. They want to know. They can change the plan with you.\n"),
    # A word changed: the lines stay where they were, and so do the pages after the chapter.
    "word": ("chapters/05-side-effects.md", lambda text: text.replace(" the ", " your ", 1)),
}


def _build(project: Path, out: Path, kept: bool):
    from handout.build.run import build
    from handout.config.settings import load_config
    from handout.targets import PRINT, TARGETS
    from handout.targets.pdf.relayout import kept_layouts

    config = load_config(project)
    options = dict(editions=config.print.editions[:1], skip=set(TARGETS) - {PRINT.name}, jobs=1)
    if not kept:
        return build(project, out, force=True, **options)
    with kept_layouts():  # as `watch` builds the PDF an editor looks at
        return build(project, out, **options)


@pytest.mark.slow
@pytest.mark.parametrize("edit", [*EDITS, "title"])
def test_a_watch_edit_writes_the_cold_builds_pdf(tmp_path, edit):
    from handout.targets.pdf import relayout

    project = make_project(tmp_path / "project", fixture=None, translations=())
    relayout.forget()
    _build(project, project / "dist", kept=True)
    assert relayout.LAST["how"] == "whole"
    if edit == "title":  # outside the chapters: laid out whole
        config = project / "publish.toml"
        config.write_text(re.sub(r'(?m)^title = "', 'title = "Edited: ', config.read_text(), count=1))
    else:
        name, change = EDITS[edit]
        before = (project / name).read_text()
        (project / name).write_text(change(before))
        assert (project / name).read_text() != before
    report = _build(project, project / "dist", kept=True)
    how = relayout.LAST["how"]
    assert [output.path.suffix for output in report.outputs] == [".pdf"]
    if edit == "title":
        assert how == "whole"
    else:
        laid_out = re.fullmatch(r"from page (\d+) of (\d+) \((\d+) made again\)", how)
        assert laid_out and int(laid_out.group(1)) > 1, how
        if edit == "word":  # the pages before the chapter and after it kept
            assert int(laid_out.group(3)) < int(laid_out.group(2)) - int(laid_out.group(1)), how
    cold = tmp_path / "cold"
    _build(project, cold, kept=False)
    pdf = report.outputs[0].path
    assert pdf.read_bytes() == (cold / pdf.name).read_bytes(), how
    shutil.rmtree(cold)
