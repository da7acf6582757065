"""Print editions, checked on the real PDFs: sizes, footers, outline, PDF/UA structure, large print, booklet."""
from __future__ import annotations

import math
import re

import pdfplumber
import pytest
from pypdf import PdfReader

from conftest import make_project, outputs, pdf_text, run_publish
from handout.targets.pdf.impose import saddle_stitch_order

EDITION_SIZES = {"": (612, 792), "-a4": (595.28, 841.89), "-large-print": (612, 792)}


def edition(project, suffix: str):
    return project / "dist" / f"ketamine-handout{suffix}.pdf"


@pytest.fixture(scope="module")
def default_print(tmp_path_factory):
    """The repository's default handout: Letter, large print and booklet (no EPUB), built once for this module.

    Some defects only show on the real handout (its figure, its 4-row table, chapters that start mid-page)."""
    project = make_project(tmp_path_factory.mktemp("default-print"), fixture=None)
    result = run_publish(project, "--edition", "letter", "--edition", "large-print", "--edition", "booklet",
                         "--no-epub")
    assert result.returncode == 0, result.stderr
    return project


def struct_elements(reader, kinds: set[str]) -> list:
    """Every structure element of a tagged PDF whose type is in `kinds`, in tree order."""
    found, stack, seen = [], [reader.trailer["/Root"]["/StructTreeRoot"]], set()
    while stack:
        node = stack.pop()
        reference = getattr(node, "idnum", None)
        node = node.get_object()
        if not isinstance(node, dict) or (reference is not None and reference in seen):
            continue
        seen.add(reference)
        if node.get("/S") in kinds:
            found.append(node)
        kids = node.get("/K")
        kids = kids.get_object() if kids is not None else None
        kids = kids if isinstance(kids, list) else [kids] if kids is not None else []
        stack += [kid for kid in reversed(kids) if hasattr(kid, "get_object") or isinstance(kid, dict)]
    return found


@pytest.mark.slow
@pytest.mark.parametrize("suffix", list(EDITION_SIZES))
def test_page_size_of_each_edition(mini_build, suffix):
    reader = PdfReader(edition(mini_build, suffix))
    width, height = EDITION_SIZES[suffix]
    for page in reader.pages:
        assert float(page.mediabox.width) == pytest.approx(width, abs=0.5)
        assert float(page.mediabox.height) == pytest.approx(height, abs=0.5)


@pytest.mark.slow
def test_booklet_sheets_are_twice_the_page_width(mini_build):
    for page in PdfReader(edition(mini_build, "-booklet")).pages:
        assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx((1224, 792))
    root = PdfReader(edition(mini_build, "-booklet")).trailer["/Root"]
    assert root["/Lang"] == "en-US" and root["/ViewerPreferences"]["/DisplayDocTitle"] == True  # noqa: E712
    assert PdfReader(edition(mini_build, "-booklet")).metadata.title


@pytest.mark.slow
def test_first_page_has_no_footer_and_second_says_page_2_of_n(mini_build):
    reader = PdfReader(edition(mini_build, ""))
    total = len(reader.pages)
    first, second = (reader.pages[i].extract_text() for i in (0, 1))
    assert "Page 1 of" not in first
    assert f"Page 2 of {total}" in second


@pytest.mark.slow
@pytest.mark.parametrize("build, suffix", [("mini_build", ""), ("mini_build", "-large-print"), ("default_print", "")])
def test_every_link_has_a_clickable_area(build, suffix, request):
    """Note numbers are links: a zero-height /Rect (sup.cite { line-height: 0 }) cannot be clicked."""
    rects = [[float(v) for v in annotation.get_object()["/Rect"]]
             for page in PdfReader(edition(request.getfixturevalue(build), suffix)).pages
             for annotation in page.get("/Annots") or []
             if annotation.get_object().get("/Subtype") == "/Link"]
    assert len(rects) >= 5
    for left, bottom, right, top in rects:
        assert abs(right - left) > 1 and abs(top - bottom) > 5, (left, bottom, right, top)


@pytest.mark.slow
def test_note_numbers_do_not_change_the_line_spacing(mini_build):
    """Baselines of the lines of one paragraph step by the same amount with or without a note number."""
    with pdfplumber.open(edition(mini_build, "")) as pdf:
        steps = set()
        for page in pdf.pages[1:]:  # the chapters' pages (the title page's sample mark is a framed label)
            baselines = sorted({round(c["bottom"], 1) for c in page.chars if abs(c["size"] - 13.5) < 0.05})
            steps |= {round(b - a, 1) for a, b in zip(baselines, baselines[1:]) if b - a < 1.6 * 13.5}
    assert steps and all(abs(step - 1.5 * 13.5) <= 0.2 for step in steps), steps


@pytest.mark.slow
def test_outline_lists_every_chapter_in_order(mini_build):
    reader = PdfReader(edition(mini_build, ""))
    top = [item["/Title"] for item in reader.outline if not isinstance(item, list)]
    chapters = ["Welcome to the test handout", "The steps to follow", "Words to know", "Sources"]
    assert [t for t in top if t in chapters] == chapters
    nested = [item for item in reader.outline if isinstance(item, list)]
    assert any(entry["/Title"] == "The steps" for group in nested for entry in group)


@pytest.mark.slow
@pytest.mark.parametrize("suffix", list(EDITION_SIZES))
def test_pdf_ua_structure_and_embedded_fonts(mini_build, suffix):
    reader = PdfReader(edition(mini_build, suffix))
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert bool(root["/MarkInfo"]["/Marked"])
    assert str(root["/Lang"]) == "en-US"
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            descriptor = (descendants[0].get_object() if descendants else font)["/FontDescriptor"]
            assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")), font["/BaseFont"]


def figure_alts(reader) -> list[str]:
    """The alt text of every Figure in a tagged PDF's structure tree."""
    return [str(node.get("/Alt", "")) for node in struct_elements(reader, {"/Figure"})]


@pytest.mark.slow
def test_images_carry_alt_text_in_the_structure_tree(mini_build):
    alts = figure_alts(PdfReader(edition(mini_build, "")))
    assert "Three boxes in a row, labelled Ask, Plan and Check." in alts
    assert all(alts), alts


@pytest.mark.slow
def test_large_print_text_is_at_least_18pt_figure_included(default_print):
    """All text in the content area of the real large-print handout, the timeline figure's labels included."""
    with pdfplumber.open(edition(default_print, "-large-print")) as pdf:
        sizes, figure_sizes = [], []
        for page in pdf.pages:
            # Body text: everything inside the page's content area (the footer sits in the bottom margin).
            body = [c for c in page.chars if c["bottom"] < page.height - 0.75 * 72 and c["text"].strip()]
            sizes += [round(c["size"], 1) for c in body]
            if "Timesincestartingtreatment" in "".join(c["text"] for c in body):  # the figure's axis title
                figure_sizes += [round(c["size"], 1) for c in body if c["size"] > 18.1 and c["size"] < 19]
    assert sizes and min(sizes) >= 18, min(sizes)
    assert len(figure_sizes) > 100, "the timeline figure's labels were not found as text"


@pytest.mark.slow
def test_letter_body_text_is_at_least_12pt(mini_build):
    with pdfplumber.open(edition(mini_build, "")) as pdf:
        # The list of sources: from the Sources chapter's title to the back page ("About this handout").
        titles = {w["text"]: (page.page_number, w["top"]) for page in pdf.pages
                  for w in page.extract_words(extra_attrs=["size"]) if w["size"] > 16}
        start, end = titles["Sources"], titles["About"]

        def in_sources(page, char) -> bool:
            return start <= (page.page_number, char["top"]) < end

        chars = [(page, c) for page in pdf.pages for c in page.chars
                 if c["bottom"] < page.height - 0.9 * 72 and c["text"].strip() and c["text"] not in "0123456789,"]
    # Note numbers (digits and commas in superscript) are the only smaller text of the chapters; the list of
    # sources is set smaller, in two columns (the clinical review's minor finding 12), and stays readable.
    assert min(c["size"] for page, c in chars if not in_sources(page, c)) >= 12
    assert min(c["size"] for page, c in chars if in_sources(page, c)) >= 9


def test_saddle_stitch_order():
    assert saddle_stitch_order(8) == [(8, 1), (2, 7), (6, 3), (4, 5)]
    # Blanks go before the last page, so the back page (crisis lines, review dates) is the outside back cover.
    assert saddle_stitch_order(5) == [(5, 1), (2, 0), (0, 3), (4, 0)]


@pytest.mark.slow
@pytest.mark.parametrize("build", ["mini_build", "default_print"])
def test_booklet_every_sheet_side_holds_its_pages_in_saddle_stitch_order(build, request):
    project = request.getfixturevalue(build)
    with pdfplumber.open(edition(project, "")) as letter:
        count = len(letter.pages)
        letter_text = [words(p.extract_text()) for p in letter.pages]
    padded = math.ceil(count / 4) * 4

    def page_text(number):
        return letter_text[number - 1] if number <= count else []

    with pdfplumber.open(edition(project, "-booklet")) as booklet:
        assert len(booklet.pages) == padded // 2
        halves = []
        for sheet in booklet.pages:
            width = sheet.width / 2
            halves.append([words(sheet.crop((x, 0, x + width, sheet.height)).extract_text()) for x in (0, width)])
    order = saddle_stitch_order(count)
    assert len(order) == len(halves) and order[0][0] == count  # the last page is the outside back cover
    for side, (left, right) in enumerate(halves):
        for got, number in zip((left, right), order[side]):
            expected = page_text(number) if number else []
            assert got[:12] == expected[:12], (side, number)
            assert len(got) == len(expected), (side, number)


def words(text: str | None) -> list[str]:
    """The words of a page, without list bullets (pdfplumber and pypdf differ there)."""
    return [w for w in (text or "").replace("\u2022", " ").split()]


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_every_text_colour_contrasts_4_5_to_1_with_every_background():
    from conftest import REPO
    css = (REPO / "assets" / "css" / "base.css").read_text() + (REPO / "assets" / "css" / "print.css").read_text()
    texts = set(re.findall(r"(?<![-\w])color:\s*(#[0-9a-fA-F]{6})", css))
    backgrounds = set(re.findall(r"background:\s*(#[0-9a-fA-F]{6})", css)) | {"#ffffff"}
    assert len(texts) >= 3 and len(backgrounds) >= 3
    for text in texts:
        for background in backgrounds:
            light, dark = sorted((_luminance(text), _luminance(background)), reverse=True)
            ratio = (light + 0.05) / (dark + 0.05)
            assert ratio >= 4.5, (text, background, round(ratio, 2))


@pytest.mark.slow
def test_press_edition_has_crop_marks_outside_the_bleed(mini_build, tmp_path):
    """MediaBox > BleedBox > TrimBox (Letter), with the crop marks drawn in the slug, outside the bleed."""
    import shutil
    project = tmp_path / "press"
    shutil.copytree(mini_build, project)
    result = run_publish(project, "--edition", "press", "--no-epub")
    assert result.returncode == 0, result.stderr
    path = project / "dist" / "ketamine-handout-press.pdf"
    page = PdfReader(path).pages[0]
    media, bleed, trim = ([float(v) for v in box] for box in (page.mediabox, page.bleedbox, page.trimbox))
    assert trim[2] - trim[0] == pytest.approx(612, abs=0.5) and trim[3] - trim[1] == pytest.approx(792, abs=0.5)
    for outer, inner in ((media, bleed), (bleed, trim)):
        assert outer[0] < inner[0] and outer[1] < inner[1] and outer[2] > inner[2] and outer[3] > inner[3]
    assert bleed[2] - trim[2] >= 9  # at least 1/8 in of bleed
    with pdfplumber.open(path) as pdf:
        first = pdf.pages[0]
        # pdfplumber measures from the MediaBox's top left corner; the bleed box in those coordinates:
        left, top = bleed[0] - media[0], media[3] - bleed[3]
        right, bottom = bleed[2] - media[0], media[3] - bleed[1]
        outside = [o for o in first.lines + first.curves
                   if o["x1"] < left or o["x0"] > right or o["bottom"] < top or o["top"] > bottom]
    assert len(outside) >= 8, "no crop marks outside the bleed"


@pytest.mark.slow
def test_qr_code_and_address_on_the_last_page(mini_build):
    with pdfplumber.open(edition(mini_build, "")) as pdf:
        last = pdf.pages[-1]
        assert "https://www.example.org/handouts/ketamine-esketamine" in last.extract_text().replace("\n", "")
        assert last.curves or last.images or last.rects
    alts = figure_alts(PdfReader(edition(mini_build, "")))
    assert "QR code that opens https://www.example.org/handouts/ketamine-esketamine" in alts


@pytest.mark.slow
def test_title_page_shows_the_clinic_logo_with_alt_text(tmp_path):
    from conftest import make_project, run_publish
    project = make_project(tmp_path / "logo")
    (project / "assets" / "images").mkdir(parents=True, exist_ok=True)
    (project / "assets" / "images" / "logo.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 60"><rect width="200" height="60" '
        'fill="#12324a"/><text x="20" y="40" fill="#fff" font-size="28">SCC</text></svg>')
    toml = project / "publish.toml"
    toml.write_text(toml.read_text().replace('logo = ""', 'logo = "assets/images/logo.svg"'))
    result = run_publish(project, "--edition", "letter")
    assert result.returncode == 0, result.stderr
    first = PdfReader(project / "dist" / "ketamine-handout.pdf").pages[0]
    assert "Sample Community Clinic" in first.extract_text()
    import zipfile
    title = zipfile.ZipFile(project / "dist" / "ketamine-handout.epub").read("EPUB/title.xhtml").decode()
    assert 'src="assets/images/logo.svg" alt="Sample Community Clinic logo"' in title


def table_counts(project) -> tuple[int, list]:
    """(tables in the chapters' Markdown, /Table structure elements of the Letter PDF)."""
    sources = "\n".join(p.read_text() for p in sorted((project / "chapters").glob("*.md")))
    return (len(re.findall(r"^\|\s*:?-{3,}", sources, flags=re.M)),
            struct_elements(PdfReader(edition(project, "")), {"/Table"}))


@pytest.mark.slow
def test_small_tables_stay_whole(default_print):
    """One /Table per table in the source: WeasyPrint tags a table split over two pages as two tables."""
    in_source, tagged = table_counts(default_print)
    assert in_source >= 2 and len(tagged) == in_source


@pytest.mark.slow
def test_tables_never_split_wherever_they_fall(tmp_path):
    """Ten 4-row tables after paragraphs of different lengths: wherever one meets the foot of a page, it moves
    whole to the next page, so each is tagged as one table."""
    project = make_project(tmp_path / "tables")
    sentence = "Write down what you want to ask before your visit. "
    blocks = []
    for index, sentences in enumerate((3, 9, 5, 12, 2, 7, 10, 4, 8, 6)):
        blocks.append(sentence * sentences)
        blocks.append("| Step | What you do |\n|---|---|\n" + "".join(
            f"| Step {index}.{row} | Ask your care team what to do next. |\n" for row in range(1, 5)))
    chapter = project / "chapters" / "02-steps.md"
    chapter.write_text(chapter.read_text() + "\n## More steps\n\n" + "\n\n".join(blocks))
    result = run_publish(project, "--edition", "letter", "--no-epub")
    assert result.returncode == 0, result.stderr
    in_source, tagged = table_counts(project)
    assert in_source == 11 and len(tagged) == in_source


@pytest.mark.slow
def test_table_header_cells_have_a_scope(default_print):
    """PDF/UA: every /TH says what it heads (WeasyPrint 70 writes no /Scope; handout.targets.pdf.tags adds it)."""
    headers = struct_elements(PdfReader(edition(default_print, "")), {"/TH"})
    assert headers
    for header in headers:
        attributes = header.get("/A")
        attributes = attributes.get_object() if attributes is not None else {}
        assert attributes.get("/Scope") in ("/Column", "/Row"), attributes


@pytest.mark.slow
def test_header_scopes_are_reproducible_and_follow_the_header_rows(mini_build, tmp_path):
    """Every /TH of a thead gets /Column, of a body row /Row; a second build gives the same bytes."""
    import shutil
    from handout.targets.pdf.tags import header_scope
    assert header_scope(["/TR", "/THead", "/Table"]) == "/Column"
    assert header_scope(["/TR", "/TBody", "/Table"]) == "/Row"
    project = tmp_path / "again"
    shutil.copytree(mini_build, project)
    assert run_publish(project, "--force", "--edition", "letter", "--no-epub").returncode == 0
    assert edition(project, "").read_bytes() == edition(mini_build, "").read_bytes()
    headers = struct_elements(PdfReader(edition(project, "")), {"/TH"})
    assert headers
    for header in headers:
        row_group = header["/P"].get_object()["/P"].get_object()["/S"]  # TH -> TR -> THead, TBody or Table
        assert header["/A"].get_object()["/Scope"] == ("/Column" if row_group == "/THead" else "/Row"), row_group


def footer_text(page) -> str:
    """The running footer's left part: text in the bottom margin, left half."""
    footer = page.crop((0, page.height - 0.9 * 72, page.width / 2, page.height))
    return " ".join((footer.extract_text() or "").split())


@pytest.mark.slow
def test_running_footer_names_the_last_chapter_started_on_or_before_the_page(default_print):
    """A page on which a chapter's title is shows that chapter's short title (not the one it continues)."""
    from handout.load.book import load_book
    from handout.config.settings import load_config
    book = load_book(load_config(default_print))
    short = {chapter.title: chapter.short_title for chapter in book.chapters}
    short.update({"Contents": "Contents", "About this handout": "About this handout"})
    reader = PdfReader(edition(default_print, ""))
    starts = sorted((reader.get_destination_page_number(item), short[item["/Title"]])
                    for item in reader.outline if not isinstance(item, list) and item["/Title"] in short)
    assert len(starts) == len(book.chapters) + 2
    with pdfplumber.open(edition(default_print, "")) as pdf:
        assert footer_text(pdf.pages[0]) == ""
        for index, page in enumerate(pdf.pages[1:], start=1):
            expected = [label for start, label in starts if start <= index][-1]
            assert footer_text(page) == expected, (index + 1, footer_text(page), expected)


def full_body_lines(path, size: float) -> list[str]:
    """The full lines of the main text: lines at body size that start at the text column's left edge (paragraphs,
    not boxes or list items, which are indented) and are not the last line of their paragraph (another line of it
    follows, one line's distance below, on the same page); note numbers included, table rows left out."""
    lines = []
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            rows: dict[float, list] = {}
            for char in page.chars:
                if abs(char["size"] - size) < 0.05:
                    rows.setdefault(round(char["bottom"], 1), []).append(char)
            if not rows:
                continue
            column_left = min(c["x0"] for row in rows.values() for c in row)
            notes = [c for c in page.chars if c["size"] < 0.8 * size]
            baselines = sorted(rows)
            for baseline, following in zip(baselines, baselines[1:]):
                if abs(following - baseline - 1.5 * size) > 0.3:
                    continue  # the last line of its paragraph
                chars = sorted(rows[baseline] + [c for c in notes if baseline - size < c["bottom"] < baseline],
                               key=lambda c: c["x0"])
                if abs(chars[0]["x0"] - column_left) > 1:
                    continue  # indented: a list item or a box
                if any(b["x0"] - a["x1"] > 0.6 * size for a, b in zip(chars, chars[1:])):
                    continue  # the cells of a table row, or a contents entry and its leader
                lines.append("".join(c["text"] for c in chars).strip())
    return lines


@pytest.mark.slow
def test_full_body_lines_are_about_60_to_70_characters(default_print):
    """plain-language.md: lines of about 60 to 70 characters. Median of the full lines of the Letter body."""
    import statistics
    lengths = [len(line) for line in full_body_lines(edition(default_print, ""), 13.5)]
    assert len(lengths) > 60  # enough full lines for a median (the second edition is 20 pages, not 25)
    assert 58 <= statistics.median(lengths) <= 70, statistics.median(lengths)


@pytest.mark.slow
def test_crisis_box_heading_reads_once_in_both_outputs(mini_build):
    import zipfile
    heading = "If you are in crisis, get help now"
    for text in (PdfReader(edition(mini_build, "")).pages[0].extract_text(),
                 zipfile.ZipFile(outputs(mini_build)[1]).read("EPUB/title.xhtml").decode()):
        text = " ".join(text.split())
        assert text.count(heading) >= 1
        assert "Get help now:" not in text and "get help now: " not in text.lower()


def page_texts(path, top: float = 0.75) -> list[str]:
    """Each page's text below its top margin (`top` inches: large print's), where a sample's mark is."""
    with pdfplumber.open(path) as pdf:
        return [" ".join((page.crop((0, top * 72, page.width, page.height)).extract_text() or "").split())
                for page in pdf.pages]


@pytest.mark.slow
def test_large_print_keeps_boxes_with_their_intros_and_the_back_page_on_one_page(default_print):
    pages = page_texts(edition(default_print, "-large-print"))
    # The key points box starts on the page of its chapter title (a box longer than the room left may continue).
    key_points = next(i for i, text in enumerate(pages) if text.startswith("Key points"))
    assert "Antidepressant tablets are often the first medicine" in pages[key_points]
    # "Questions to ask" and its one-line intro are on the page where the checklist starts.
    questions = next(i for i, text in enumerate(pages) if "Questions to ask Take this list" in text)
    assert "Checklist: Questions to ask your clinician" in pages[questions]
    # The back page holds its crisis box, the clinic block and the QR code's address, on the last page.
    last = pages[-1]
    for part in ("About this handout", "If you are in crisis", "Sample Community Clinic", "(555) 010-0100",
                 "scan the code"):
        assert part in last, part


@pytest.mark.slow
def test_contents_page_lists_chapters_with_leaders_and_their_page_numbers(default_print):
    """Shown when there are more chapters than print.toc_min_chapters (4): each entry's number is the page of
    the chapter's title, and dot leaders run to it."""
    from handout.load.book import load_book
    from handout.config.settings import load_config
    book = load_book(load_config(default_print))
    assert len(book.chapters) > book.config.print.toc_min_chapters
    with pdfplumber.open(edition(default_print, "")) as pdf:
        second = pdf.pages[1]
        # Between the top margin (a sample's mark) and the bottom one (the footer).
        contents = second.crop((0, 0.85 * 72, second.width, second.height - 0.9 * 72)).extract_text().splitlines()
        assert contents[0] == "Contents"
        titles = {}  # page number of each chapter title, from its heading-size text
        for number, page in enumerate(pdf.pages[2:], start=3):
            heading = "".join(c["text"] for c in page.chars if c["size"] > 20)
            for chapter in book.chapters:
                if chapter.title.replace(" ", "") in heading.replace(" ", ""):
                    titles.setdefault(chapter.title, number)
    entries = contents[1:]
    assert len(entries) == len(book.chapters) + 1
    # The back page (crisis lines, review dates, the clinic) is listed last, at the last page.
    about = re.fullmatch(r"(.+?)\s*(?:\. ?){4,}\s*(\d+)", entries[-1])
    assert about and about.group(1) == "About this handout" and int(about.group(2)) == len(pdf.pages)
    for chapter, entry in zip(book.chapters, entries):
        match = re.fullmatch(r"(.+?)\s*(?:\. ?){4,}\s*(\d+)", entry)
        assert match, entry
        assert match.group(1).rstrip(". ") == chapter.title.rstrip(". ")
        assert int(match.group(2)) == titles[chapter.title], chapter.title


@pytest.mark.slow
def test_no_contents_page_up_to_toc_min_chapters(mini_build):
    """The fixture has 4 chapters, as many as toc_min_chapters: no contents page, the first chapter on page 2."""
    reader = PdfReader(edition(mini_build, ""))
    assert "Contents" not in [item["/Title"] for item in reader.outline if not isinstance(item, list)]
    assert reader.pages[1].extract_text().startswith("Welcome to the test handout")


@pytest.mark.slow
def test_clinic_without_a_logo_gets_a_tidy_block(mini_build):
    """publish.toml's clinic has logo = "": no image and no empty space for one, the name and contacts present."""
    import zipfile
    with pdfplumber.open(edition(mini_build, "")) as pdf:
        first = pdf.pages[0]
        text = first.extract_text()
        assert not first.images
        words = first.extract_words(extra_attrs=["fontname"])
    for part in ("Sample Community Clinic", "100 Example Street", "Springfield, ST 00000", "Phone: (555) 010-0100",
                 "Web: www.example.org"):
        assert part in text, part
    assert not [alt for alt in figure_alts(PdfReader(edition(mini_build, ""))) if alt.endswith(" logo")]
    # The name starts at the text's left edge (under "Patient handout"), where a logo would otherwise be.
    kicker = next(w for w in words if w["text"] == "Patient")
    name = next(w for w in words if w["text"] == "Sample" and w["fontname"].endswith("Bold"))
    assert abs(name["x0"] - kicker["x0"]) < 1
    title = zipfile.ZipFile(outputs(mini_build)[1]).read("EPUB/title.xhtml").decode()
    assert "clinic-logo" not in title and "Sample Community Clinic" in title


def _sizes(project, *names):
    return {name: {(round(float(p.mediabox.width)), round(float(p.mediabox.height)))
                   for p in PdfReader(project / "dist" / name).pages} for name in names}


@pytest.mark.slow
def test_a4_by_configuration_puts_every_edition_on_a4(mini_build, tmp_path):
    import shutil
    project = tmp_path / "a4"
    shutil.copytree(mini_build, project)
    toml = project / "publish.toml"
    text = re.sub(r"(?m)^editions = .*$", 'editions = ["a4", "large-print", "booklet", "press"]', toml.read_text())
    toml.write_text(re.sub(r'(?m)^paper = "letter"$', 'paper = "a4"', text))
    result = run_publish(project, "--no-epub")
    assert result.returncode == 0, result.stderr
    sizes = _sizes(project, "ketamine-handout.pdf", "ketamine-handout-large-print.pdf",
                   "ketamine-handout-booklet.pdf")
    assert sizes == {"ketamine-handout.pdf": {(595, 842)}, "ketamine-handout-large-print.pdf": {(595, 842)},
                     "ketamine-handout-booklet.pdf": {(1191, 842)}}
    trim = PdfReader(project / "dist" / "ketamine-handout-press.pdf").pages[0].trimbox
    assert (round(float(trim.width)), round(float(trim.height))) == (595, 842)


@pytest.mark.slow
def test_a4_by_command_line_option(mini_build, tmp_path):
    import shutil
    project = tmp_path / "a4-option"
    shutil.copytree(mini_build, project)
    result = run_publish(project, "--no-epub", "--paper", "a4", "--edition", "large-print", "--edition", "a4")
    assert result.returncode == 0, result.stderr
    assert _sizes(project, "ketamine-handout-large-print.pdf", "ketamine-handout-a4.pdf") == {
        "ketamine-handout-large-print.pdf": {(595, 842)}, "ketamine-handout-a4.pdf": {(595, 842)}}
    # Without the option the same project prints large print on Letter again: the option is part of the inputs.
    assert run_publish(project, "--no-epub", "--edition", "large-print").returncode == 0
    assert _sizes(project, "ketamine-handout-large-print.pdf") == {"ketamine-handout-large-print.pdf": {(612, 792)}}
