"""The tag tree of every tagged PDF edition, checked as a screen reader meets it (Matterhorn 01-005, 18-001,
28-012, 15-003), and the sizes of what large print prints outside its body text.

Built from the repository's own handout (its two tables, its links and its footers): Letter, A4, large print
and press (the booklet is untagged: it is for printing only).
"""
from __future__ import annotations

import re
from collections import defaultdict

import pdfplumber
import pikepdf
import pytest

from conftest import make_project, run_publish

TAGGED = ["", "-a4", "-large-print", "-press"]


@pytest.fixture(scope="module")
def editions(tmp_path_factory):
    project = make_project(tmp_path_factory.mktemp("tagged"), fixture=None)
    result = run_publish(project, "--edition", "letter", "--edition", "a4", "--edition", "large-print",
                         "--edition", "press", "--no-epub")
    assert result.returncode == 0, result.stderr
    return {suffix: project / "dist" / f"ketamine-handout{suffix}.pdf" for suffix in TAGGED}


def kids(element) -> list:
    k = element.get("/K")
    return list(k) if isinstance(k, pikepdf.Array) else [] if k is None else [k]


def walk_tree(pdf):
    """(reachable structure elements by objgen, {page objgen: MCIDs the tree reaches}) from the StructTreeRoot."""
    reached, mcids = {}, defaultdict(set)
    stack = [(kid, None) for kid in kids(pdf.Root.StructTreeRoot)]
    while stack:
        element, page = stack.pop()
        if isinstance(element, int):
            mcids[page].add(int(element))
            continue
        if not isinstance(element, pikepdf.Dictionary):
            continue
        if element.get("/Type") == "/MCR":
            mcids[element.get("/Pg", page).objgen].add(int(element.MCID))
            continue
        if element.get("/Type") == "/OBJR" or element.objgen in reached:
            continue
        reached[element.objgen] = element
        page = element["/Pg"].objgen if "/Pg" in element else page
        stack += [(kid, page) for kid in kids(element)]
    return reached, mcids


def marked_content(page):
    """[(tag, properties)] of every marked-content sequence on a page, in order."""
    found = []
    for operands, operator in pikepdf.parse_content_stream(page):
        if str(operator) == "BDC":
            properties = operands[1]
            if isinstance(properties, pikepdf.Name):
                properties = page.Resources.Properties[properties]
            found.append((str(operands[0]), properties))
        elif str(operator) == "BMC":
            found.append((str(operands[0]), None))
    return found


def content_mcids(page) -> set[int]:
    """The MCIDs of a page's marked content."""
    return {int(props.MCID) for _, props in marked_content(page)
            if isinstance(props, pikepdf.Dictionary) and "/MCID" in props}


@pytest.mark.slow
@pytest.mark.parametrize("suffix", TAGGED)
def test_no_marked_content_outside_the_tree_and_no_unreachable_elements(editions, suffix):
    with pikepdf.open(editions[suffix]) as pdf:
        reached, mcids = walk_tree(pdf)
        for page in pdf.pages:
            in_content = content_mcids(page)
            assert in_content and in_content == mcids[page.objgen], in_content ^ mcids[page.objgen]
        elements = [obj for obj in pdf.objects
                    if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/StructElem"]
        assert len(elements) > 100 and {e.objgen for e in elements} <= set(reached)


@pytest.mark.slow
@pytest.mark.parametrize("suffix", TAGGED)
def test_every_running_footer_and_header_is_a_pagination_artifact(editions, suffix):
    with pdfplumber.open(editions[suffix]) as pdf:
        total = len(pdf.pages)
        for number, page in enumerate(pdf.pages, start=1):
            words = page.extract_words(extra_attrs=["top"])
            texts = [w["text"] for w in words]
            found = [i for i in range(len(words) - 3)
                     if texts[i:i + 4] == ["Page", str(number), "of", str(total)]]
            if number == 1:
                assert not found
                continue
            assert found, f"page {number}: no running footer"
            line = words[found[-1]]["top"]
            footer = [c for c in page.chars if abs(c["top"] - line) < 3 and c["text"].strip()]
            assert len(footer) > len("Page 2 of 20")  # the footer's short title is on that line too
            assert all(c.get("mcid") is None and c.get("tag") == "Artifact" for c in footer), number
    with pikepdf.open(editions[suffix]) as pdf:
        pagination = [props for page in pdf.pages[1:] for tag, props in marked_content(page)
                      if tag == "/Artifact" and isinstance(props, pikepdf.Dictionary)
                      and props.get("/Type") == "/Pagination"]
        assert len(pagination) >= 2 * (len(pdf.pages) - 1)
        # The default handout is a sample (sample = true): its mark at the top of every page is a header.
        assert {str(props.get("/Subtype")) for props in pagination} == {"/Footer", "/Header"}


ANCHOR_ID = re.compile(r"^[a-z0-9]+([-_.][a-z0-9]+)*$")


@pytest.mark.slow
@pytest.mark.parametrize("suffix", TAGGED)
def test_every_link_describes_its_target(editions, suffix):
    with pikepdf.open(editions[suffix]) as pdf:
        links = [annotation for page in pdf.pages for annotation in page.get("/Annots", [])
                 if annotation.get("/Subtype") == "/Link"]
        assert len(links) > 50
        for link in links:
            contents = str(link.get("/Contents", "")).strip()
            dest = str(link.get("/Dest", ""))
            uri = str(link.A.URI) if "/A" in link else ""
            assert contents and not ANCHOR_ID.match(contents), contents
            assert contents not in (dest, uri, uri.removeprefix("tel:")), contents
            if dest.startswith("ref-"):  # a note number: the source it leads to, by number and title
                assert re.match(r"Source \d+: \S", contents), contents


@pytest.mark.slow
@pytest.mark.parametrize("suffix", TAGGED)
def test_tables_have_a_summary_and_row_headers(editions, suffix):
    with pikepdf.open(editions[suffix]) as pdf:
        reached, _ = walk_tree(pdf)
        tables = [e for e in reached.values() if e.get("/S") == "/Table"]
        assert len(tables) >= 2
        for table in tables:
            captions = [k for k in kids(table) if isinstance(k, pikepdf.Dictionary) and k.get("/S") == "/Caption"]
            attributes = table.get("/A", {})
            assert captions or len(str(attributes.get("/Summary", ""))) > 20, attributes
            sections = {str(k.S): k for k in kids(table) if isinstance(k, pikepdf.Dictionary) and "/S" in k}
            rows = [row for row in kids(sections["/TBody"]) if isinstance(row, pikepdf.Dictionary)]
            assert rows
            for row in rows:
                cells = [cell for cell in kids(row) if isinstance(cell, pikepdf.Dictionary)]
                first = cells[0]
                assert first.S == "/TH" and first.A.Scope == "/Row"
                key = first.ID
                for cell in cells[1:]:
                    assert cell.S == "/TD" and key in list(cell.A.Headers)


@pytest.mark.slow
def test_large_print_footers_and_note_numbers_are_18pt(editions):
    with pdfplumber.open(editions["-large-print"]) as pdf:
        footer_sizes, note_sizes = [], []
        for page in pdf.pages[1:]:
            footer = page.crop((0, page.height - 0.75 * 72, page.width, page.height))
            footer_sizes += [c["size"] for c in footer.chars if c["text"].strip()]
            for annotation in page.annots:
                if not str(annotation.get("data", {}).get("Dest", b"")).startswith("b'ref-"):
                    continue
                note_sizes += [c["size"] for c in page.chars if c["text"].isdigit()
                               and annotation["x0"] <= (c["x0"] + c["x1"]) / 2 <= annotation["x1"]
                               and annotation["top"] <= (c["top"] + c["bottom"]) / 2 <= annotation["bottom"]]
    assert len(footer_sizes) >= 10 * (len(pdf.pages) - 1)
    assert len(note_sizes) > 20
    assert round(min(footer_sizes), 2) >= 18 and round(min(note_sizes), 2) >= 18, (min(footer_sizes), min(note_sizes))


@pytest.mark.slow
def test_draft_mark_at_the_top_is_a_header_artifact(tmp_path):
    """A draft's "DRAFT – not for patients" in every page's top margin: a Pagination artifact of subtype Header."""
    project = make_project(tmp_path / "draft")
    result = run_publish(project, "--draft", "--edition", "letter", "--no-epub")
    assert result.returncode == 0, result.stderr
    path = project / "dist" / "ketamine-handout-draft.pdf"
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            top = [c for c in page.crop((0, 0, page.width, 0.85 * 72)).chars if c["text"].strip()]
            assert "DRAFT" in "".join(c["text"] for c in top)
            assert all(c.get("mcid") is None and c.get("tag") == "Artifact" for c in top)
    with pikepdf.open(path) as pdf:
        headers = [props for page in pdf.pages for tag, props in marked_content(page) if tag == "/Artifact"
                   and isinstance(props, pikepdf.Dictionary) and props.get("/Subtype") == "/Header"]
        assert len(headers) >= len(pdf.pages)
        reached, mcids = walk_tree(pdf)
        assert all(content_mcids(page) == mcids[page.objgen] for page in pdf.pages)
