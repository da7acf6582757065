"""The press edition's prepress, after the accessibility fixes (tags.py): `finish_press_pdf` does what
`finish_pdf` does, then prepares the PDF/X-4 for a print shop: crop marks in registration colour (/Separation
/All), every remaining RGB colour in CMYK (greys on the K plate only), an sRGB /DefaultRGB for any RGB image,
PDF/UA-1 declared beside PDF/X-4 in the XMP metadata, and a fixed XMP document id.
"""
from __future__ import annotations

import re
import uuid

from handout.targets.pdf.tags import _Objects, finish_pdf

_RGB = re.compile(rb"^([\d.]+) ([\d.]+) ([\d.]+) (rg|RG)$")
REGISTRATION = "Registration"


def cmyk(red: float, green: float, blue: float) -> tuple[float, float, float, float]:
    """An RGB colour as CMYK; a grey (black included) on the K plate only."""
    if max(red, green, blue) - min(red, green, blue) < 0.01:
        return 0.0, 0.0, 0.0, round(1 - (red + green + blue) / 3, 4)
    black = 1 - max(red, green, blue)
    return (*(round((1 - value - black) / (1 - black), 4) for value in (red, green, blue)), round(black, 4))


def _items(stream) -> list:
    return stream.stream if isinstance(getattr(stream, "stream", None), list) else []


def _mark_streams(document, objects: _Objects) -> set[int]:
    """The Form XObjects WeasyPrint drew each page's crop marks into (the first drawing on a page with marks)."""
    found = set()
    pages = [objects.by_number[objects.number(reference)] for reference in objects.pdf.page_references]
    for page, pdf_page in zip(document.pages, pages):
        if not page._page_box.style["marks"]:
            continue
        resources = objects.get(pdf_page.get("Resources"))
        xobjects = objects.get(resources.get("XObject")) if isinstance(resources, dict) else None
        for item in _items(objects.get(pdf_page.get("Contents"))):
            item = item.encode() if isinstance(item, str) else item
            if isinstance(item, bytes) and item.endswith(b" Do") and isinstance(xobjects, dict):
                number = objects.number(xobjects.get(item[1:-3].decode()))
                if number is not None:
                    found.add(number)
                break
            if item in (b"BDC",):
                break
    return found


def prepare_for_press(document, objects: _Objects) -> None:
    pydyf = objects.pydyf
    marks = _mark_streams(document, objects)
    # Registration colour: every plate (C, M, Y and K at 100%).
    function = pydyf.Dictionary({"FunctionType": 2, "Domain": pydyf.Array([0, 1]),
                                 "C0": pydyf.Array([0, 0, 0, 0]), "C1": pydyf.Array([1, 1, 1, 1]), "N": 1})
    objects.pdf.add_object(function)
    registration = pydyf.Array(["/Separation", "/All", "/DeviceCMYK", function.reference])
    from importlib.resources import files
    srgb = pydyf.Stream([(files("weasyprint.pdf") / "sRGB2014.icc").read_bytes()], pydyf.Dictionary({"N": 3}),
                        compress=True)
    objects.pdf.add_object(srgb)
    spaces = set()
    for obj in list(objects.by_number.values()):
        resources = objects.get(obj.get("Resources") if isinstance(obj, dict) else
                                obj.extra.get("Resources") if isinstance(obj, pydyf.Stream) else None)
        if isinstance(resources, dict):
            space = objects.get(resources.get("ColorSpace"))
            if isinstance(space, dict) and id(space) not in spaces:
                spaces.add(id(space))
                space[REGISTRATION] = registration
                space["DefaultRGB"] = pydyf.Array(["/ICCBased", srgb.reference])
    for number, obj in objects.by_number.items():
        items = _items(obj)
        for i, item in enumerate(items):
            raw = item.encode() if isinstance(item, str) else item
            if not isinstance(raw, bytes) or len(raw) > 64:
                continue
            match = _RGB.match(raw)
            if not match:
                continue
            stroke = match.group(4) == b"RG"
            if number in marks:
                items[i] = f"/{REGISTRATION} {'CS' if stroke else 'cs'} 1 {'SCN' if stroke else 'scn'}".encode()
            else:
                c, m, y, k = cmyk(*(float(match.group(n)) for n in (1, 2, 3)))
                items[i] = f"{c:g} {m:g} {y:g} {k:g} {'K' if stroke else 'k'}".encode()
    _press_metadata(objects)


def _press_metadata(objects: _Objects) -> None:
    """PDF/UA-1 beside PDF/X-4 in the XMP packet, and a document id from its content rather than uuid4."""
    metadata = objects.get(objects.pdf.catalog.get("Metadata"))
    if metadata is None or not _items(metadata):
        return
    packet = b"".join(item if isinstance(item, bytes) else str(item).encode() for item in metadata.stream)
    stable = re.sub(rb"xmp\.did:[0-9a-f-]+", b"", packet)
    packet = re.sub(rb"xmp\.did:[0-9a-f-]+",
                    f"xmp.did:{uuid.uuid5(uuid.NAMESPACE_URL, stable.decode('utf-8', 'replace'))}".encode(), packet)
    if b"pdfuaid:part" not in packet:
        packet = packet.replace(
            b"<rdf:Description", b'<rdf:Description xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/" '
                                 b'pdfuaid:part="1"', 1)
    metadata.stream[:] = [packet]


def finish_press_pdf(document, pdf, strings=None) -> None:
    """WeasyPrint finisher of the press edition: `finish_pdf`, then colours and metadata for PDF/X-4."""
    finish_pdf(document, pdf, strings)
    prepare_for_press(document, _Objects(pdf))
