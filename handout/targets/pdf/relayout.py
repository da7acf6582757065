"""Laying out again only what an edit changed, for `watch` (the process stays alive between builds).

A build lays the whole document out (writer.py). Within `kept_layouts()` (watch, around the build of the PDF an
editor looks at) the last layout of each document stays in memory: WeasyPrint's laid-out pages (before their
margin boxes) and its pagination states (`page_maker`: where each page starts in the box tree, its counters).
When the next print HTML differs from the kept one inside one chapter only (one `<section class="chapter ...">`
of print.html; everything before, after and between the other chapters the same), the pages before that
chapter are kept and WeasyPrint's own page loop starts again one page before the chapter's first page, from
that page's kept state: the box tree's positions before the chapter are the same in both documents. A kept page
that started inside the chapter or before its end is marked stale; from the first page that starts after the
chapter, as and where it started before (WeasyPrint's own test of an unchanged page, `remake_page`), the kept
pages are used again. The kept pages' anchors are given to the new document's targets with their pages; when
an anchor moved to another page, the kept pages that print an anchor's page (the contents, cross-references)
are laid out again too. What a layout does after its pages is done for every page, as a whole layout does:
running titles, bookmarks, margin boxes ("Page X of Y"). The kept pages' boxes are pointed at the new
document's elements (the tag finishing in tags.py reads them).

Any other change (a stylesheet, the title page, publish.toml, two chapters, a chapter added or removed) lays the
document out whole, as a cold build does; outside `kept_layouts()` every layout is WeasyPrint's own, unchanged.
The PDF written is byte for byte a cold build's: tests/targets/test_relayout.py compares them.

The chapters of the Letter edition run on (`.chapter + .chapter` breaks no page), so a chapter cannot be laid
out as a document of its own and its pages joined with `Document.copy` without moving every page break after
it: the layout starts again at a page boundary inside WeasyPrint instead (written for WeasyPrint 70: `_layout`
is its `layout_document` with a seeded first pass).
"""
from __future__ import annotations

import copy
import re
from contextlib import contextmanager
from dataclasses import dataclass

# The last layout of each document laid out while keeping was on, by key (see `render`).
_KEPT: dict = {}
_ON = [False]
# What the last layout did, for the tests and the benchmark: "whole", or "from page N of M (K made again)".
LAST = {"how": "whole"}

CHAPTER = re.compile(r'<section class="chapter[ "]')
SLUG = re.compile(r'\bid="([^"]*)"')


@contextmanager
def kept_layouts():
    """Within it, each document's layout is kept in this process and the next layout of the same document
    starts from it (`watch`, around the build of the PDF an editor looks at)."""
    _ON[0] = True
    try:
        yield
    finally:
        _ON[0] = False


def forget() -> None:
    _KEPT.clear()


@dataclass
class Kept:
    html: str
    pieces: tuple[str, ...]  # the HTML cut at each chapter's start
    boxes: list  # the page boxes, each with its children before the margin boxes: (page, children, root children)
    page_maker: list  # WeasyPrint's pagination states, a copy taken after the layout
    document: object  # the Document (its font configuration keeps the fonts of the kept pages loaded)
    font_config: object


def _pieces(html: str) -> tuple[str, ...]:
    starts = [match.start() for match in CHAPTER.finditer(html)]
    bounds = [0, *starts, len(html)]
    if starts:  # the last chapter ends where main does
        end = html.find("</main>", starts[-1])
        if end >= 0:
            bounds = [0, *starts, end, len(html)]
    return tuple(html[a:b] for a, b in zip(bounds, bounds[1:]))


def _changed_chapter(old: tuple[str, ...], new: tuple[str, ...]) -> int | None:
    """The index in `new` of the one chapter that differs, when everything else is the same."""
    if len(old) != len(new) or len(new) < 3:
        return None
    differ = [i for i, (a, b) in enumerate(zip(old, new)) if a != b]
    if len(differ) != 1 or differ[0] in (0, len(new) - 1) or not CHAPTER.match(new[differ[0]]):
        return None
    return differ[0]


def render(html_object, html: str, key, color_profiles, options: dict):
    """`html_object.render(...)`, laid out again only where it changed from the kept layout of `key`."""
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    if not _ON[0]:  # a build's layout: whole, as WeasyPrint makes it
        return html_object.render(color_profiles=color_profiles, **options)
    kept = _KEPT.get(key)
    pieces = _pieces(html)
    font_config = kept.font_config if kept is not None else FontConfiguration()
    start = slug = None
    if kept is not None:
        changed = _changed_chapter(kept.pieces, pieces)
        found = SLUG.search(pieces[changed]) if changed is not None else None
        if found is not None:
            slug = found.group(1)
            start = _first_page_of(kept, slug)
    merged = weasyprint.DEFAULT_OPTIONS.copy()
    merged.update(options)
    laid_out = None
    if start is not None:
        try:
            laid_out = _render(html_object, font_config, color_profiles, dict(merged), kept, start, slug)
        except Exception:  # a state WeasyPrint's page loop did not expect: laid out whole, as a cold build does
            laid_out = None
    if laid_out is None:
        laid_out = _render(html_object, font_config, color_profiles, merged, None, None, None)
    document, boxes, page_maker = laid_out
    _KEPT[key] = Kept(html, pieces, boxes, page_maker, document, font_config)
    return document


def _first_page_of(kept: Kept, name: str) -> int | None:
    """The page where the layout starts again: the one before the chapter's first page (a block of the
    chapter's start kept with what precedes it could pull a line or a heading back)."""
    for number, (page, _, _) in enumerate(kept.boxes):
        for box in page.descendants():
            element = getattr(box, "element", None)
            if element is not None and element.get("id") == name:
                return max(0, number - 1)
    return None


def _anchor_pages(pages: list) -> dict:
    """Each anchor (an id a link can point to) by the index of the page it is on."""
    return {box.style["anchor"]: number for number, page in enumerate(pages)
            for box in page.descendants(placeholders=True) if box.style["anchor"]}


def _render(html_object, font_config, color_profiles, options: dict, kept: Kept | None, start: int | None,
            slug: str | None):
    """WeasyPrint's Document._render, with its layout seeded from `kept` from page `start` (or whole)."""
    from weasyprint.css.counters import CounterStyle
    from weasyprint.document import Document, Page
    from weasyprint.formatting_structure.build import build_formatting_structure
    from weasyprint.html import get_html_metadata
    from weasyprint.pdf import VARIANTS
    from weasyprint.pdf.metadata import DocumentMetadata

    counter_style = CounterStyle()
    color_profiles = color_profiles or {}
    if variant := options["pdf_variant"]:
        _, properties = VARIANTS[variant]
        for name, value in tuple(options.items()):
            if value is None and name in properties:
                options[name] = properties[name]
    context = Document._build_layout_context(html_object, font_config, counter_style, color_profiles, options)
    root_box = build_formatting_structure(
        html_object.etree_element, context.style_for, context.get_image_from_uri, html_object.base_url,
        context.target_collector, counter_style, context.footnotes)
    boxes, page_maker, pages = _layout(html_object, root_box, context, kept, start, slug)
    document = Document([Page(page) for page in pages], DocumentMetadata(**get_html_metadata(html_object)),
                        html_object.url_fetcher, font_config, color_profiles, options["output_intent"])
    document._html = html_object
    return document, boxes, page_maker


def _chapter_path(root_box, slug: str) -> tuple[int, int, int] | None:
    """The indexes of body in the root box, main in body and the chapter in main (WeasyPrint's positions)."""
    def child(box, test):
        return next(((i, c) for i, c in enumerate(getattr(box, "children", ())) if test(c)), (None, None))

    b, body = child(root_box, lambda c: c.element_tag == "body")
    m, main = child(body, lambda c: c.element_tag == "main") if body is not None else (None, None)
    c, _ = child(main, lambda c: c.element is not None and c.element.get("id") == slug) if main is not None \
        else (None, None)
    return None if c is None else (b, m, c)


def _after(resume_at, path: tuple[int, int, int]) -> bool:
    """Whether a page starting at `resume_at` starts after the chapter at `path` (its boxes the same in both
    documents), so the kept page from there is the same page."""
    for level, index in enumerate(path):
        if not isinstance(resume_at, dict) or len(resume_at) != 1:
            return False
        (here, resume_at), = resume_at.items()
        if here != index:
            return here > index and level > 0
    return False


def _paths(root) -> dict:
    """Each element of a parsed document by its place (the child indexes from the root)."""
    found, stack = {}, [((), root)]
    while stack:
        path, element = stack.pop()
        found[path] = element
        stack.extend(((*path, i), child) for i, child in enumerate(element))
    return found


def _move_to(pages: list, kept: set[int], old_root, new_root) -> None:
    """The kept pages' boxes made to name the new document's elements (same place, same element: they lie
    outside the edited chapter), as the tag finishing (tags.py) reads the document's elements."""
    old = {id(element): path for path, element in _paths(old_root).items()}
    new = _paths(new_root)
    for page in pages:
        if id(page) not in kept:
            continue
        for box in page.descendants():
            element = getattr(box, "element", None)
            path = old.get(id(element)) if element is not None else None
            if path is not None and path in new:
                box.element = new[path]


def _layout(html, root_box, context, kept: Kept | None, start: int | None, slug: str | None = None,
            max_loops: int = 8):
    """weasyprint.layout.layout_document (WeasyPrint 70), its first pass seeded from the kept layout."""
    from weasyprint.layout import initialize_page_maker, layout_fixed_boxes
    from weasyprint.layout.background import layout_backgrounds
    from weasyprint.layout.page import make_all_pages, make_margin_boxes, set_page_type_computed_styles

    initialize_page_maker(context, root_box)
    pages = []
    kept_ids = {id(page) for page, _, _ in kept.boxes} if kept is not None else set()
    if kept is not None:
        LAST["how"] = f"from page {start + 1} of {len(kept.boxes)}"
        pages = []
        for page, children, root_children in kept.boxes:  # the kept pages, as their layout left them
            page.children = children
            children[0].children = root_children
            pages.append(page)
            set_page_type_computed_styles(page.page_type, html, context.style_for)  # their margin boxes' styles
        context.page_maker = copy.deepcopy(kept.page_maker)
        path = _chapter_path(root_box, slug)
        for number in range(start + 1, len(context.page_maker)):
            resume_at, *rest = context.page_maker[number]
            if resume_at is not None and (path is None or not _after(resume_at, path)):
                # A page that started in or before the edited chapter: its position means other boxes now.
                context.page_maker[number] = ({-1: None}, *rest)
        for number, (*_, remake_state) in enumerate(context.page_maker):
            remake_state["content_changed"] = number == start
            remake_state["pages_wanted"] = False
            remake_state["content_lookups"] = []
        for number, (*_, remake_state) in enumerate(context.page_maker[:len(pages)]):
            values = context.page_maker[number + 1][3][1]
            for anchor in remake_state["anchors"]:
                context.target_collector.cache_target_page_counters(anchor, values, number, context.page_maker)
    else:
        LAST["how"] = "whole"
    original_footnotes = []
    actual_total_pages = 0
    made, passes = 0, [None] if kept is None else [None, "numbers"]
    for step in passes:
        if step == "numbers":  # kept pages that print the page of an anchor that moved: made again too
            if _anchor_pages(pages) == _anchor_pages([page for page, _, _ in kept.boxes]):
                break
            for number, page in enumerate(pages):
                if id(page) in kept_ids and any(box.missing_link for box in page.descendants()):
                    context.page_maker[number][-1]["content_changed"] = True
        for loop in range(max_loops):
            if loop > 0:
                context.footnotes = original_footnotes.copy()
            initial_total_pages = actual_total_pages
            if loop == 0 and step is None:
                original_footnotes = context.footnotes.copy()
            before = list(pages)
            pages = list(make_all_pages(context, root_box, html, pages))
            made += sum(1 for i, page in enumerate(pages) if i >= len(before) or page is not before[i])
            actual_total_pages = len(pages)
            reloop_content = reloop_pages = False
            for _, _, _, page_state, remake_state in context.page_maker:
                page_state[1]["pages"] = [actual_total_pages]
                if remake_state["content_changed"]:
                    reloop_content = True
                if remake_state["pages_wanted"]:
                    reloop_pages = initial_total_pages != actual_total_pages
            if not reloop_content and not reloop_pages:
                break
    if kept is not None:
        LAST["how"] += f" ({made} made again)"
        _move_to(pages, kept_ids, kept.document._html.etree_element, html.etree_element)

    # What follows is layout_document's own, for every page (kept or made).
    boxes = [(page, page.children, list(page.children[0].children)) for page in pages]
    watch_elements, watch_elements_before, watch_elements_after = [], [], []
    for i, page in enumerate(pages):
        page_counter_values = context.page_maker[i + 1][3][1]
        for child in page.descendants():
            if child.bookmark_label:
                if child.element_tag.endswith("::before"):
                    checklist = watch_elements_before
                elif child.element_tag.endswith("::after"):
                    checklist = watch_elements_after
                else:
                    checklist = watch_elements
                if child.element in checklist:
                    child.bookmark_label = ""
                else:
                    checklist.append(child.element)
            if child.missing_link:
                for (box, css_token), item in context.target_collector.counter_lookup_items.items():
                    if child.missing_link == box and css_token != "content":
                        if css_token == "bookmark-label" and not child.bookmark_label:
                            continue
                        item.parse_again(page_counter_values)
                        if css_token == "bookmark-label":
                            child.bookmark_label = box.bookmark_label
            string_sets = child.string_set
            if string_sets and string_sets != "none":
                for string_name, text in string_sets:
                    context.string_set[string_name][i + 1].append(text)
    out = []
    for i, page in enumerate(pages):
        root_children = []
        root, footnote_area, note_area = page.children
        root_children.extend(layout_fixed_boxes(context, pages[:i], page))
        root_children.extend(root.children)
        root_children.extend(layout_fixed_boxes(context, pages[i + 1:], page))
        root.children = root_children
        context.current_page = i + 1
        state = context.page_maker[context.current_page][3]
        children = [root]
        if footnote_area.children:
            children.append(footnote_area)
        if note_area.children:
            children.append(note_area)
        children.extend(make_margin_boxes(context, page, state))
        page.children = tuple(children)
        layout_backgrounds(page, context.get_image_from_uri)
        out.append(page)
    return boxes, copy.deepcopy(context.page_maker), out
