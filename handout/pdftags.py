"""Tagged-PDF fixes WeasyPrint 70 leaves out: the /Scope of table header cells.

WeasyPrint tags `<th>` as /TH with `/A << /O /Table >>` (and links data cells to their headers with /Headers),
but never writes the /Scope attribute that PDF/UA-1 (ISO 14289-1, 7.5; Matterhorn 15-003) wants on header cells
of tables whose headers are not all in the first row or column. Every /TH gets one here: /Column for a cell in
the table's /THead, /Row for a header cell in a body row (`<th scope="row">`, the only kind a body row holds).

Two ways to apply it, with the same result:

- `scope_table_headers` is a WeasyPrint finisher: `document.write_pdf(target, ..., finisher=scope_table_headers)`
  changes the structure tree before the file is written (no second pass over the file).
- `add_header_scopes(path)` rewrites a written PDF in place with pypdf, as an incremental update (WeasyPrint's
  bytes kept as they are, the changed structure elements appended).

Both give the same bytes for the same input: nothing depends on the clock, randomness or dictionary order.
"""
from __future__ import annotations

import os
from pathlib import Path

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


def add_header_scopes(path: Path) -> None:
    """Add /Scope to every /TH of the tagged PDF at `path`, in place (an incremental update; same input, same bytes).

    A PDF without a structure tree, or whose header cells all have a scope already, is left untouched.
    """
    from pypdf import PdfWriter
    from pypdf.generic import DictionaryObject, NameObject

    path = Path(path)
    writer = PdfWriter(path, incremental=True)
    tree = writer.root_object.get("/StructTreeRoot")
    if tree is None:
        return
    changed = False
    stack = [(tree.get_object(), ())]
    seen = set()
    while stack:
        node, ancestors = stack.pop()
        if not isinstance(node, DictionaryObject):
            continue
        reference = node.indirect_reference
        key = (reference.idnum, reference.generation) if reference is not None else id(node)
        if key in seen:
            continue
        seen.add(key)
        kind = str(node.get("/S", ""))
        if kind == "/TH":
            attributes = node.get("/A")
            attributes = attributes.get_object() if attributes is not None else None
            if not isinstance(attributes, DictionaryObject):
                attributes = DictionaryObject({NameObject("/O"): NameObject("/Table")})
                node[NameObject("/A")] = attributes
            scope = header_scope(list(ancestors))
            if attributes.get("/Scope") != scope:
                attributes[NameObject("/Scope")] = NameObject(scope)
                changed = True
        kids = node.get("/K")
        kids = kids.get_object() if kids is not None else None
        children = kids if isinstance(kids, list) else [kids] if kids is not None else []
        for kid in reversed(children):
            kid = kid.get_object() if hasattr(kid, "get_object") else kid
            if isinstance(kid, DictionaryObject) and "/S" in kid:
                stack.append((kid, (kind, *ancestors) if kind else ancestors))
    if not changed:
        return
    temporary = path.with_name(f".{path.name}.scopes")
    try:
        with open(temporary, "wb") as handle:
            writer.write(handle)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
