"""Tagged-PDF fixes WeasyPrint 70 leaves out: the /Scope of table header cells.

WeasyPrint tags `<th>` as /TH with `/A << /O /Table >>` (and links data cells to their headers with /Headers),
but never writes the /Scope attribute that PDF/UA-1 (ISO 14289-1, 7.5; Matterhorn 15-003) wants on header cells
of tables whose headers are not all in the first row or column. Every /TH gets one here: /Column for a cell in
the table's /THead, /Row for a header cell in a body row (`<th scope="row">`, the only kind a body row holds).

`scope_table_headers` is a WeasyPrint finisher: `document.write_pdf(target, ..., finisher=scope_table_headers)`
changes the structure tree before the file is written, so there is no second pass over the file, and the same
input gives the same bytes (nothing depends on the clock, randomness or dictionary order).
"""
from __future__ import annotations

COLUMN, ROW = "/Column", "/Row"


def header_scope(ancestors: list[str]) -> str:
    """The /Scope of a /TH cell, from the structure types of its ancestors (nearest first)."""
    for kind in ancestors:
        if kind == "/THead":
            return COLUMN
        if kind in ("/TBody", "/TFoot", "/Table"):
            return ROW
    return COLUMN


def scope_table_headers(document, pdf) -> None:
    """WeasyPrint finisher: add /Scope to every /TH structure element of the pydyf `pdf` about to be written."""
    import pydyf

    by_number = {obj.number: obj for obj in pdf.objects if isinstance(obj, pydyf.Dictionary)
                 and getattr(obj, "number", None) is not None}

    def kind(obj) -> str:
        value = obj.get("S")
        return value.decode() if isinstance(value, bytes) else str(value or "")

    def parent_of(obj):
        reference = obj.get("P")
        if reference is None:
            return None
        text = reference.decode() if isinstance(reference, bytes) else str(reference)
        return by_number.get(int(text.split()[0]))

    for obj in by_number.values():
        if obj.get("Type") != "/StructElem" or kind(obj) != "/TH":
            continue
        ancestors, parent = [], parent_of(obj)
        while parent is not None and len(ancestors) < 16:
            ancestors.append(kind(parent))
            parent = parent_of(parent)
        attributes = obj.get("A")
        if not isinstance(attributes, pydyf.Dictionary):
            attributes = obj["A"] = pydyf.Dictionary({"O": "/Table"})
        attributes["Scope"] = header_scope(ancestors)
