"""The booklet: blank pages go before the back page, so "About this handout" (the crisis lines, the review dates,
where to get the handout) is the outside back cover and never a page inside the booklet.

In the imposed PDF, sheet 1's front is the outside of the folded booklet: its left half is the back cover (the
last page in reading order), its right half the front cover.
"""
from __future__ import annotations

import math
import re

import pdfplumber
import pytest

from conftest import make_project, run_publish
from handout.targets.pdf.impose import booklet_sequence, saddle_stitch_order
from handout.model import SAMPLE_MARK


@pytest.mark.parametrize("count", range(1, 14))
def test_blanks_come_just_before_the_back_page(count):
    sequence = booklet_sequence(count)
    padded = math.ceil(count / 4) * 4
    assert len(sequence) == padded and sorted(p for p in sequence if p) == list(range(1, count + 1))
    if count >= 2:
        assert sequence[-1] == count  # the back cover
        assert sequence[:count - 1] == list(range(1, count)) and set(sequence[count - 1:-1]) <= {0}
    sides = saddle_stitch_order(count)
    assert sides[0][1] == 1 and (count < 2 or sides[0][0] == count)


def words(text):
    """A page's words, without the sample's mark at its top (the default handout is a sample)."""
    return (text or "").replace(SAMPLE_MARK, " ").replace("\u2022", " ").split()


@pytest.fixture(scope="module", params=["padded", "default"])
def booklet(request, tmp_path_factory):
    """The default handout, and the small test handout made a page or two longer, so that its page count is no
    multiple of 4 and the booklet needs blank pages."""
    project = make_project(tmp_path_factory.mktemp(f"booklet-{request.param}"),
                           fixture=None if request.param == "default" else "mini")
    if request.param == "padded":
        with (project / "chapters" / "02-steps.md").open("a") as chapter:
            chapter.write("\n## Before your visit\n\n" + "Bring this sheet to your next visit.\n\n" * 25)
    toml = project / "publish.toml"
    toml.write_text(re.sub(r"(?m)^editions = .*$", 'editions = ["letter", "booklet"]', toml.read_text()))
    result = run_publish(project, "--no-epub")
    assert result.returncode == 0, result.stderr
    return project / "dist" / "ketamine-handout.pdf", project / "dist" / "ketamine-handout-booklet.pdf"


def halves(path):
    with pdfplumber.open(path) as pdf:
        found = []
        for sheet in pdf.pages:
            width = sheet.width / 2
            found.append([words(sheet.crop((x, 0, x + width, sheet.height)).extract_text()) for x in (0, width)])
    return found


@pytest.mark.slow
def test_back_page_is_the_outside_back_cover(booklet):
    letter, imposed = booklet
    with pdfplumber.open(letter) as pdf:
        pages = [words(page.extract_text()) for page in pdf.pages]
    count = len(pages)
    if "Before your visit" in " ".join(" ".join(page) for page in pages):
        assert count % 4, "the padded handout needs blank pages to show where they go"
    sides = halves(imposed)
    assert len(sides) == math.ceil(count / 4) * 2
    back_cover, front_cover = sides[0]
    assert pages[-1][:3] == ["About", "this", "handout"]
    assert back_cover == pages[-1] and front_cover == pages[0]
    # Every page is printed once; the blank halves are the ones just before the back cover in reading order.
    by_position = {}
    for side, (left, right) in zip(saddle_stitch_order(count), sides):
        for number, text in zip(side, (left, right)):
            by_position.setdefault(number, []).append(text)
    assert all(by_position[n] == [pages[n - 1]] for n in range(1, count + 1))
    assert all(text == [] for text in by_position.get(0, []))
    assert len(by_position.get(0, [])) == math.ceil(count / 4) * 4 - count
    inside = [text for side in sides[1:] for text in side]
    assert pages[-1] not in inside
