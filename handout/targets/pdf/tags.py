"""The build's finishing step: what WeasyPrint 70's tagged PDF leaves out or gets wrong, fixed before writing.

`finish_pdf` is a WeasyPrint finisher (`document.write_pdf(target, ..., finisher=finish_pdf)`): it changes the
pydyf objects of the PDF about to be written, so there is no second pass over the file, and the same input gives
the same bytes (nothing depends on the clock, randomness or dictionary order). In order:

- **Running heads and footers** (CSS page-margin boxes) are drawn by WeasyPrint as marked content with MCIDs whose
  structure elements hang from no parent (Matterhorn 01-005, 18-001). Their marked content becomes
  `/Artifact << /Type /Pagination /Subtype /Footer >>` (or `/Header` above the middle of the page), their
  ParentTree entries null, and the unreachable structure elements are emptied.
- **Link descriptions** (28-012): WeasyPrint writes the bare target (an anchor id such as `ref-spravato-pi`, or
  the URL) as each link annotation's /Contents. It becomes a description of the target: the link's own
  `aria-label`, "Source 4: <title>" for a note number, the heading of a chapter or section, "Source 4 online:
  <title>" for a source's web address, "Call <number>" for a phone link, else the sentence the link is in.
- **Tables**: a table with no `<caption>` gets a /Summary (its section heading, rows and columns); a table whose
  first column names its rows (a header row whose first cell heads the column, and distinct labels down it:
  "Treatment", "Topic", a step's number) gets those first cells as /TH with a row scope, linked from the other
  cells of their row by /Headers.
- **Header scopes** (15-003): every /TH gets /Scope: /Column in the table's /THead, /Row in a body row.
- **Languages of passages** (11-006): WeasyPrint 70 writes the document's /Lang only, so a tagline in another
  language would be read with the document's voice. `tag_languages` wraps WeasyPrint's tag-tree builder so the
  structure element of an element with a `lang` of its own (other than the document's) carries that /Lang.
  Installed with it: the pages' references kept while the tree is built, not made again for each element
  (`_remember_page_references`, the same bytes, faster on a long book).
- **Words**: the descriptions and summaries are in the document's language, from the string table's
  `[pdf_tags]` (layouts/i18n/).

The press edition's prepress (colours, marks, PDF/X metadata) is apart from this accessibility work: press.py.
"""
from __future__ import annotations

import re

from handout.config.strings import REFERENCE, load
from handout.core.theme import theme_folder

COLUMN, ROW = "/Column", "/Row"
_REFERENCE = re.compile(rb"^(\d+) 0 R$")


def header_scope(ancestors: list[str]) -> str:
    """The /Scope of a /TH cell, from the structure types of its ancestors (nearest first)."""
    for kind in ancestors:
        if kind == "/THead":
            return COLUMN
        if kind in ("/TBody", "/TFoot", "/Table"):
            return ROW
    return COLUMN


class _Objects:
    """The pydyf objects of a PDF about to be written, by number, with reference helpers."""

    def __init__(self, pdf):
        import pydyf

        self.pydyf = pydyf
        self.pdf = pdf
        self.by_number = {obj.number: obj for obj in pdf.objects
                          if isinstance(obj, (pydyf.Dictionary, pydyf.Stream))
                          and getattr(obj, "number", None) is not None}

    @staticmethod
    def number(value) -> int | None:
        if isinstance(value, str):
            value = value.encode()
        match = _REFERENCE.match(value) if isinstance(value, bytes) else None
        return int(match.group(1)) if match else None

    def get(self, value):
        """The object a reference points to (or the value itself when it is no reference)."""
        number = self.number(value)
        return self.by_number.get(number) if number is not None else value

    @staticmethod
    def kind(obj) -> str:
        value = obj.get("S")
        return value.decode() if isinstance(value, bytes) else str(value or "")

    def kids(self, obj) -> list:
        kids = obj.get("K")
        return list(kids) if isinstance(kids, list) else [] if kids is None else [kids]

    def struct_elements(self):
        return [obj for obj in self.by_number.values()
                if isinstance(obj, self.pydyf.Dictionary) and obj.get("Type") == "/StructElem"]

    def ancestors(self, obj, limit: int = 16) -> list:
        found, parent = [], self.get(obj.get("P"))
        while isinstance(parent, dict) and parent.get("Type") == "/StructElem" and len(found) < limit:
            found.append(parent)
            parent = self.get(parent.get("P"))
        return found


def scope_table_headers(document, pdf) -> None:
    """WeasyPrint finisher: add /Scope to every /TH structure element of the pydyf `pdf` about to be written."""
    objects = _Objects(pdf)
    for obj in objects.struct_elements():
        if objects.kind(obj) != "/TH":
            continue
        attributes = obj.get("A")
        if not isinstance(attributes, objects.pydyf.Dictionary):
            attributes = obj["A"] = objects.pydyf.Dictionary({"O": "/Table"})
        attributes["Scope"] = header_scope([objects.kind(parent) for parent in objects.ancestors(obj)])


# ---------------------------------------------------------------------------------------------------------------
# Running heads and footers: Pagination artifacts.

def _reachable(objects: _Objects) -> set[int]:
    root = objects.get(objects.pdf.catalog.get("StructTreeRoot"))
    seen: set[int] = set()
    stack = [kid for kid in objects.kids(root)] if isinstance(root, dict) else []
    while stack:
        number = objects.number(stack.pop())
        if number is None or number in seen:
            continue
        seen.add(number)
        obj = objects.by_number.get(number)
        if isinstance(obj, dict) and obj.get("Type") == "/StructElem":
            stack += objects.kids(obj)
    return seen


def _text_position(items: list, start: int) -> float | None:
    """The y (CSS px from the page's top) of the first text matrix in a marked-content sequence."""
    for item in items[start:start + 40]:
        item = item.encode() if isinstance(item, str) else item
        if item == b"EMC":
            return None
        if isinstance(item, bytes) and item.endswith(b" Tm"):
            return float(item.split()[5])
    return None


def mark_pagination_artifacts(document, objects: _Objects) -> int:
    """Margin-box content becomes Pagination artifacts; returns how many marked-content sequences changed."""
    pydyf = objects.pydyf
    reachable = _reachable(objects)
    pages = [objects.number(reference) for reference in objects.pdf.page_references]
    orphans: dict[int, set[int]] = {}  # page index -> MCIDs of unreachable structure elements
    unreachable = [obj for obj in objects.struct_elements() if obj.number not in reachable]
    for obj in unreachable:
        page = objects.number(obj.get("Pg"))
        for kid in objects.kids(obj):
            if isinstance(kid, int) and page in pages:
                orphans.setdefault(pages.index(page), set()).add(kid)
    changed = 0
    tree = objects.get(objects.get(objects.pdf.catalog.get("StructTreeRoot")).get("ParentTree"))
    nums = list(tree.get("Nums", [])) if isinstance(tree, dict) else []
    parents = {nums[i]: nums[i + 1] for i in range(0, len(nums) - 1, 2)}
    for index, mcids in sorted(orphans.items()):
        stream = objects.get(objects.by_number[pages[index]].get("Contents"))
        height = document.pages[index].height
        items = stream.stream
        for i, item in enumerate(items[1:-1], start=1):
            if not (isinstance(item, pydyf.Dictionary) and item.get("MCID") in mcids and items[i + 1] == b"BDC"):
                continue
            y = _text_position(items, i + 2)
            items[i - 1] = "/Artifact"
            items[i] = pydyf.Dictionary({"Type": "/Pagination",
                                         "Subtype": "/Header" if y is not None and y < height / 2 else "/Footer"})
            changed += 1
            array = parents.get(index)
            if isinstance(array, list) and item["MCID"] < len(array):
                array[item["MCID"]] = "null"
    for obj in unreachable:
        obj.clear()  # no structure element that the tree cannot reach
    return changed


# ---------------------------------------------------------------------------------------------------------------
# The document's elements, as WeasyPrint parsed them.

class _Html:
    def __init__(self, document):
        self.boxes = [box for page in document.pages for box in page._page_box.descendants()]
        html = getattr(document, "_html", None)  # WeasyPrint keeps the parsed HTML it laid out
        root = getattr(html, "etree_element", None)
        self.root = root
        self.parent = {child: parent for parent in root.iter() for child in parent} if root is not None else {}
        self.by_id = {el.get("id"): el for el in root.iter() if el.get("id")} if root is not None else {}

    def climb(self, element):
        while element is not None:
            yield element
            element = self.parent.get(element)

    def closest(self, element, tag: str | None = None, css_class: str | None = None):
        for el in self.climb(element):
            if (tag is None or el.tag == tag) and (css_class is None or css_class in (el.get("class") or "").split()):
                return el
        return None


def text_of(element) -> str:
    return " ".join("".join(element.itertext()).split()) if element is not None else ""


def _source(html: _Html, element) -> tuple[int, str] | None:
    """(number, title) of the numbered source an element is in."""
    item = html.closest(element, "li", "reference")
    if item is None:
        return None
    parent = html.parent.get(item)
    number = [child for child in parent if child.tag == "li"].index(item) + 1 if parent is not None else 0
    title = next((text_of(el) for el in item.iter() if "ref-title" in (el.get("class") or "").split()), "")
    return number, title.rstrip(".") or text_of(item)[:80]


def link_description(html: _Html, link, strings) -> str:
    """What a link leads to, in words (its annotation's /Contents), in the document's language."""
    label = " ".join((link.get("aria-label") or link.get("title") or "").split())
    if label:
        return label
    href = link.get("href") or ""
    text = text_of(link)
    if href.startswith("#"):
        target = html.by_id.get(href[1:])
        source = _source(html, target) if target is not None else None
        if source:
            return strings.get("pdf_tags.link_source", number=source[0], title=source[1])
        if target is not None and target.get("aria-labelledby"):
            target = html.by_id.get(target.get("aria-labelledby").split()[0], target)
        if target is not None and re.fullmatch(r"h[1-6]", target.tag):
            return text_of(target)
        return text_of(target)[:120] or strings.get("pdf_tags.link_place", text=text)
    source = _source(html, link)
    if source:
        return strings.get("pdf_tags.link_source_online", number=source[0], title=source[1])
    if href.startswith("tel:"):
        return strings.get("pdf_tags.link_call", number=text)
    if href.startswith("mailto:"):
        return strings.get("pdf_tags.link_email", address=href[7:])
    block = next((el for el in html.climb(link) if el.tag in {"p", "li", "dd", "td", "th", "figcaption"}), None)
    sentence = text_of(block)
    return sentence if sentence and sentence != text and len(sentence) <= 200 else \
        strings.get("pdf_tags.link_web", text=text)


def describe_links(html: _Html, objects: _Objects, strings) -> int:
    count = 0
    for box in html.boxes:
        if box.link_annotation is not None and box.element is not None:
            box.link_annotation["Contents"] = objects.pydyf.String(link_description(html, box.element, strings))
            box.link_annotation["F"] = 4  # the Print flag: printed where the page is (PDF/A and PDF/X ask it)
            count += 1
    return count


# ---------------------------------------------------------------------------------------------------------------
# Tables: a summary, and row headers.

def _heading_before(html: _Html, element) -> str:
    heading = ""
    for el in html.root.iter():
        if el is element:
            break
        if re.fullmatch(r"h[1-6]", str(el.tag)):
            heading = text_of(el)
    return heading


def label_tables(html: _Html, objects: _Objects, strings) -> int:
    """Summaries and row headers for the tables; returns the number of tables."""
    pydyf = objects.pydyf
    marks = {}
    for box in html.boxes:
        mark = getattr(box, "mark", None)
        if mark is not None and box.element is not None and box.element.tag in ("td", "th"):
            marks.setdefault(box.element, mark)
    tables = {}
    for cell in marks:
        table = html.closest(cell, "table")
        if table is not None:
            tables.setdefault(table, None)
    for table in tables:
        rows = [row for row in table.iter("tr")]
        head = [row for row in rows if html.closest(row, "thead") is not None]
        body = [row for row in rows if row not in head]
        columns = [text_of(cell) for cell in (head[0] if head else []) if cell.tag in ("th", "td")]
        firsts = [next((c for c in row if c.tag in ("td", "th")), None) for row in body]
        labels = [text_of(cell) for cell in firsts if cell is not None]
        row_headers = (len(columns) >= 2 and head and len(labels) == len(body) >= 1
                       and all(labels) and len(set(labels)) == len(labels))
        # A table split across pages is tagged as one /Table per page: each part gets the summary.
        structures = []
        for mark in (marks[c] for row in rows for c in row if c in marks):
            structure = next((p for p in objects.ancestors(mark) if objects.kind(p) == "/Table"), None)
            if structure is not None and all(structure is not known for known in structures):
                structures.append(structure)
        if not structures:
            continue
        structure = structures[0]
        if row_headers:
            for index, (row, first) in enumerate(zip(body, firsts)):
                mark = marks.get(first)
                if mark is None:
                    continue
                if first.tag == "td":
                    key = pydyf.String(f"{structure.number}-row-{index}")
                    mark["S"] = "/TH"
                    mark["ID"] = key
                    for cell in row:
                        other = marks.get(cell)
                        if cell is not first and other is not None:
                            attributes = other.setdefault("A", pydyf.Dictionary({"O": "/Table"}))
                            headers = attributes.get("Headers")
                            attributes["Headers"] = pydyf.Array([key, *(headers or [])])
        if table.find("caption") is None:
            heading = _heading_before(html, table)
            rows_text = strings.get("pdf_tags.row" if len(body) == 1 else "pdf_tags.rows", count=len(body))
            if row_headers:
                what = strings.get("pdf_tags.table_by_row", rows=rows_text, first=columns[0].lower(),
                                   columns=", ".join(columns))
            elif columns:
                what = strings.get("pdf_tags.table_columns", rows=rows_text, columns=", ".join(columns))
            else:
                what = strings.get("pdf_tags.table_plain", rows=rows_text)
            summary = f"{heading + ': ' if heading else ''}{what}."
            for part in structures:
                attributes = part.get("A")
                if not isinstance(attributes, pydyf.Dictionary):
                    attributes = part["A"] = pydyf.Dictionary({"O": "/Table"})
                attributes["Summary"] = pydyf.String(summary)
    return len(tables)


def _language_of(element) -> str:
    value = element.get("lang") if element is not None and hasattr(element, "get") else None
    return str(value or "").strip()


def tag_languages() -> None:
    """Have WeasyPrint's tag-tree builder give /Lang to each structure element of an element whose own `lang`
    differs from the document's (the catalog's /Lang, set before the tags are built). Its builder recurses
    through the module's name, so the wrapper sees every box; the boxes it passes through (the page, html,
    body) yield their children's elements and are left alone. Installed once; WeasyPrint is pinned to 70.x."""
    import pydyf
    from weasyprint.pdf import tags

    build = tags._build_box_tree
    if getattr(build, "tags_languages", False):
        return
    _remember_page_references(pydyf.PDF)

    def build_box_tree(box, parent, pdf, *args):
        for element in build(box, parent, pdf, *args):
            own = _language_of(getattr(getattr(box, "_box", box), "element", None))
            document = getattr(pdf.catalog.get("Lang"), "string", "")
            passes_through = getattr(box, "element_tag", None) in ("html", "body") or box.element is None
            if own and not passes_through and own.lower() != str(document).lower() and "Lang" not in element:
                element["Lang"] = pydyf.String(own)
            yield element

    build_box_tree.tags_languages = True
    tags._build_box_tree = build_box_tree


def _remember_page_references(pdf_class) -> None:
    """pydyf's `PDF.page_references` builds the tuple of every page's reference each time it is read, and
    WeasyPrint's tag tree reads it once per structure element and link: on a 198-page book, 18,000 tuples of
    198 references (1.0 s of writing its PDF, 0.2 s with this). The tuple is kept until a page is added (pages are
    only appended), so what is read is the same as before and the file's bytes do not change."""
    compute = pdf_class.page_references.fget

    def page_references(pdf):
        kids = pdf.pages["Kids"]
        key = (id(kids), len(kids))
        kept = pdf.__dict__.get("_handout_page_references")
        if kept is None or kept[0] != key:
            kept = pdf.__dict__["_handout_page_references"] = (key, compute(pdf))
        return kept[1]

    pdf_class.page_references = property(page_references)


def finish_pdf(document, pdf, strings=None) -> None:
    """WeasyPrint finisher of every tagged edition (see the module's docstring); `strings` is the table of the
    document's language (handout/config/strings.py; the theme's English one when not given)."""
    objects = _Objects(pdf)
    if "StructTreeRoot" not in pdf.catalog:
        return
    if strings is None:

        strings = load(theme_folder(), REFERENCE)
    html = _Html(document)
    mark_pagination_artifacts(document, objects)
    if html.root is not None:
        describe_links(html, objects, strings)
        label_tables(html, objects, strings)
    scope_table_headers(document, pdf)
