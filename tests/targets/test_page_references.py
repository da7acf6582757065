"""The pages' references that WeasyPrint's tag tree reads once per structure element: kept while no page is
added (handout/targets/pdf/tags.py, `_remember_page_references`), always what pydyf itself would give."""
from __future__ import annotations

import pydyf

from handout.targets.pdf.tags import tag_languages


def made_again(pdf) -> tuple:
    """pydyf's own reading: one reference per page, in order."""
    return tuple(f"{number} 0 R".encode("ascii") for number in pdf.pages["Kids"][::3])


def test_page_references_are_kept_until_a_page_is_added():
    tag_languages()
    tag_languages()  # installed once, however often a PDF is written
    pdf = pydyf.PDF()
    assert pdf.page_references == made_again(pdf) == ()
    seen = []
    for _ in range(4):
        pdf.add_page(pydyf.Dictionary({"Type": "/Page"}))
        references = pdf.page_references
        assert references == made_again(pdf)
        assert pdf.page_references is references  # read again: the same tuple, not a new one
        seen.append(references)
    assert [len(references) for references in seen] == [1, 2, 3, 4]


def test_each_pdf_keeps_its_own_references():
    tag_languages()
    first, second = pydyf.PDF(), pydyf.PDF()
    first.add_page(pydyf.Dictionary({"Type": "/Page"}))
    for _ in range(3):
        second.add_page(pydyf.Dictionary({"Type": "/Page"}))
    assert len(first.page_references) == 1 and len(second.page_references) == 3
    assert first.page_references == made_again(first) and second.page_references == made_again(second)
