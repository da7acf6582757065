"""Booklet imposition with pypdf: pages two-up on landscape sheets in saddle-stitch order."""
from __future__ import annotations

import re
from pathlib import Path
from handout.core.language_record import record


def booklet_sequence(page_count: int) -> list[int]:
    """The booklet's pages in folded reading order (1-based, 0 = blank), padded to a multiple of 4.

    The blanks go before the last page, so the last page (the handout's "About this handout" back page, with
    the crisis lines and where to get the handout) is the outside back cover, not a page inside a booklet
    whose back cover is blank. A one-page handout is just its front cover.
    """
    padded = -(-page_count // 4) * 4
    if page_count < 2:
        return [*range(1, page_count + 1), *[0] * (padded - page_count)]
    return [*range(1, page_count), *[0] * (padded - page_count), page_count]


def saddle_stitch_order(page_count: int) -> list[tuple[int, int]]:
    """(left, right) page numbers (1-based, 0 = blank) for each sheet side, front then back.

    Positions in the folded booklet run from 1 to M (the page count padded to a multiple of 4, blanks before
    the last page: `booklet_sequence`). Sheet 1's front holds positions M and 1 (back and front cover), its
    back 2 and M-1; printed double-sided and folded, the pages read in order.
    """
    sequence = booklet_sequence(page_count)
    padded = len(sequence)
    sides = []
    for sheet in range(padded // 4):
        front = (padded - 2 * sheet, 1 + 2 * sheet)
        back = (2 + 2 * sheet, padded - 1 - 2 * sheet)
        sides += [front, back]
    return [tuple(sequence[position - 1] for position in side) for side in sides]


def _page_as_form(page, writer):
    """The page as a Form XObject in `writer`: its content stream and resources as they are.

    Drawing a page as a form needs no parsing of its content stream (pypdf's merge_transformed_page parses
    and rewrites every operator, which costs about a second per booklet), and the resources it refers to
    (fonts, images) are cloned once and shared by every sheet.
    """
    from pypdf.generic import ArrayObject, DecodedStreamObject, FloatObject, NameObject

    contents = page.get("/Contents")
    parts = contents if isinstance(contents, list) else [contents] if contents is not None else []
    form = DecodedStreamObject()
    form.set_data(b"\n".join(part.get_object().get_data() for part in parts))
    box = page.mediabox
    form.update({
        NameObject("/Type"): NameObject("/XObject"),
        NameObject("/Subtype"): NameObject("/Form"),
        NameObject("/BBox"): ArrayObject(FloatObject(v) for v in (box.left, box.bottom, box.right, box.top)),
    })
    for key in ("/Resources", "/Group"):
        if key in page:
            form[NameObject(key)] = page.raw_get(key).clone(writer)
    return writer._add_object(form.flate_encode())


def impose_booklet(source: Path, target: Path) -> int:
    """Write `source`'s pages two-up onto sheets twice the page width; returns the number of sheet sides."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import BooleanObject, DecodedStreamObject, DictionaryObject, NameObject

    reader = PdfReader(source)
    box = reader.pages[0].mediabox
    width, height = float(box.width), float(box.height)
    writer = PdfWriter()
    forms = {}
    # A right-to-left handout (its /Lang) is bound on the right: each side's two pages change places, so the
    # front cover is on the left of the first side and the pages turn to the left.
    language = str(reader.trailer["/Root"].get("/Lang", ""))
    right_bound = bool(language) and record(language).rtl
    for left, right in saddle_stitch_order(len(reader.pages)):
        if right_bound:
            left, right = right, left
        sheet = writer.add_blank_page(width=2 * width, height=height)
        drawn, names = [], DictionaryObject()
        for number, offset in ((left, 0.0), (right, width)):
            if not number:
                continue
            if number not in forms:
                forms[number] = _page_as_form(reader.pages[number - 1], writer)
            name = f"/Page{number}"
            names[NameObject(name)] = forms[number]
            page_box = reader.pages[number - 1].mediabox
            drawn.append(f"q 1 0 0 1 {offset - float(page_box.left):g} {-float(page_box.bottom):g} cm "
                         f"{name} Do Q")
        content = DecodedStreamObject()
        content.set_data("\n".join(drawn).encode())
        sheet[NameObject("/Resources")] = DictionaryObject({NameObject("/XObject"): names})
        sheet[NameObject("/Contents")] = writer._add_object(content.flate_encode())
    writer.add_metadata({key: value for key, value in (reader.metadata or {}).items()})
    if "/Lang" in reader.trailer["/Root"]:
        writer._root_object[NameObject("/Lang")] = reader.trailer["/Root"]["/Lang"]
    metadata = reader.trailer["/Root"].get("/Metadata")
    if metadata is not None:  # the XMP metadata (title, author, dates) the other editions carry, less the claim
        xmp = DecodedStreamObject()  # of PDF/UA: the imposed sheets have no tags
        xmp.set_data(re.sub(rb'<rdf:Description rdf:about="" pdfuaid:part="\d+" */>', b"",
                            metadata.get_object().get_data()))
        xmp[NameObject("/Type")] = NameObject("/Metadata")
        xmp[NameObject("/Subtype")] = NameObject("/XML")
        writer._root_object[NameObject("/Metadata")] = writer._add_object(xmp)
    # A viewer's window shows the handout's title, as for the other editions.
    writer._root_object[NameObject("/ViewerPreferences")] = DictionaryObject(
        {NameObject("/DisplayDocTitle"): BooleanObject(True)})
    with open(target, "wb") as handle:
        writer.write(handle)
    return len(writer.pages)
