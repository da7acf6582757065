"""Booklet imposition with pypdf: pages two-up on landscape sheets in saddle-stitch order."""
from __future__ import annotations

from pathlib import Path


def saddle_stitch_order(page_count: int) -> list[tuple[int, int]]:
    """(left, right) page numbers (1-based, 0 = blank) for each sheet side, front then back.

    Pages are padded with blanks to a multiple of 4 (M). Sheet 1's front holds
    M and 1, its back 2 and M-1; printed double-sided and folded, the pages
    read in order.
    """
    padded = -(-page_count // 4) * 4
    sides = []
    for sheet in range(padded // 4):
        front = (padded - 2 * sheet, 1 + 2 * sheet)
        back = (2 + 2 * sheet, padded - 1 - 2 * sheet)
        sides += [front, back]
    return [tuple(p if p <= page_count else 0 for p in side) for side in sides]


def impose_booklet(source: Path, target: Path) -> int:
    """Write `source`'s pages two-up onto sheets twice the page width; returns the number of sheet sides."""
    from pypdf import PdfReader, PdfWriter, Transformation

    reader = PdfReader(source)
    width = float(reader.pages[0].mediabox.width)
    height = float(reader.pages[0].mediabox.height)
    writer = PdfWriter()
    for left, right in saddle_stitch_order(len(reader.pages)):
        sheet = writer.add_blank_page(width=2 * width, height=height)
        for number, offset in ((left, 0.0), (right, width)):
            if number:
                sheet.merge_transformed_page(reader.pages[number - 1], Transformation().translate(tx=offset))
    writer.add_metadata({key: value for key, value in (reader.metadata or {}).items()})
    if "/Lang" in reader.trailer["/Root"]:
        from pypdf.generic import NameObject
        writer._root_object[NameObject("/Lang")] = reader.trailer["/Root"]["/Lang"]
    with open(target, "wb") as handle:
        writer.write(handle)
    return len(writer.pages)
