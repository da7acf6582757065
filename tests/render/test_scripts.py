"""Every script a clinic's patients read: the language record (handout/language_record.py), sentences in
Chinese and Arabic, fonts that cover each script (handout/script_fonts.py), right to left (handout/script_style.py,
the theme's logical properties), checked on the fixture's Arabic, Chinese and Vietnamese chapters
(tests/fixtures/scripts: not yet reviewed by a qualified medical translator)."""
from __future__ import annotations

import re
import shutil
import tomllib
import zipfile
from pathlib import Path

import pytest

from conftest import FIXTURES, REPO, epubcheck, make_project, run_publish

I18N = REPO / "layouts" / "i18n"
LANGUAGES = ("ar", "zh-Hans", "vi")


# ---- in process ---------------------------------------------------------------------------------------------

def test_chinese_and_arabic_sentences_end_at_their_own_punctuation():
    from handout.core.language_record import record
    from handout.core.text import split_sentences

    assert split_sentences("他很好。你呢？", record("zh-Hans").sentence_ends) == ["他很好。", "你呢？"]
    arabic = "هذا الدواء يساعد بعض الناس. هل تشعر بالدوار؟ اتصل بالعيادة اليوم."
    assert split_sentences(arabic, record("ar").sentence_ends) == [
        "هذا الدواء يساعد بعض الناس.", "هل تشعر بالدوار؟", "اتصل بالعيادة اليوم."]
    # English keeps its rules: a lower-case word after a full stop, an abbreviation, a decimal end nothing.
    assert split_sentences("Take 0.5 mg. Then rest, e.g. lie down. then wait.") == [
        "Take 0.5 mg.", "Then rest, e.g. lie down. then wait."]


def test_the_record_says_direction_fonts_hyphenation_and_formula():
    from handout.core.language_record import record

    arabic, chinese, vietnamese, english = (record(tag) for tag in ("ar", "zh-Hans", "vi", "en-US"))
    assert arabic.rtl and arabic.script == "Arab" and arabic.fonts[0] == "IBM Plex Sans Arabic"
    assert not chinese.rtl and chinese.fonts == ("Noto Sans CJK SC",) and not chinese.hyphenation
    assert chinese.counts == "characters" and not chinese.italic
    assert vietnamese.fonts == ("Noto Sans",)  # Atkinson Hyperlegible has no letters with stacked tone marks
    assert english.fonts == ("Atkinson Hyperlegible",) and english.formula == "Flesch-Kincaid"
    assert record("es-US").formula.startswith("Szigriszt") and arabic.formula is None
    # WeasyPrint sets an SVG's text letter by letter, left to right: Arabic's words are text of the page instead.
    assert not arabic.svg_text and all(record(tag).svg_text for tag in ("en-US", "es-US", "zh-Hans", "vi"))


def test_sentence_lengths_of_chinese_count_characters():
    from handout.check.readability import sentence_lengths

    lengths = sentence_lengths("他很好。你呢？", "。！？", "characters")
    assert (lengths.words, lengths.sentences) == (5, 2)


def test_a_character_no_font_draws_is_found():
    from handout.core.script_fonts import uncovered

    assert uncovered(("Noto Sans CJK SC",), "他很好\U00013000。") == ["\U00013000"]
    assert uncovered(("IBM Plex Sans Arabic", "Atkinson Hyperlegible"), "اتصل (555) 010-0100 «»") == []
    assert uncovered(("Atkinson Hyperlegible",), "Người bệnh") != []


def test_left_to_right_runs_are_isolated_outside_tags_and_entities():
    from handout.render.script_style import isolate_ltr_runs

    page = ('<html><head><title>A 1</title></head><body><p class="x">اتصل على (555) 010-0100 قبل 7 ديسمبر 2026 '
            'أو <a href="https://x.org">www.example.org</a> &amp; &#160;</p><svg><text>AB 12</text></svg></body></html>')
    out = isolate_ltr_runs(page)
    assert '<bdi dir="ltr">(555) 010-0100</bdi>' in out and '<bdi dir="ltr">2026</bdi>' in out
    assert '<a href="https://x.org"><bdi dir="ltr">www.example.org</bdi></a>' in out
    assert "&amp; &#160;" in out and "<text>AB 12</text>" in out and "<title>A 1</title>" in out


# A logical property, its physical equal on a left-to-right page and on a right-to-left one (values in order).
PHYSICAL = {
    "padding-inline-start": (("padding-left",), ("padding-right",)),
    "margin-inline-start": (("margin-left",), ("margin-right",)),
    "margin-inline": (("margin-left", "margin-right"), ("margin-right", "margin-left")),
    "border-inline-start-width": (("border-left-width",), ("border-right-width",)),
    "border-inline-end-style": (("border-right-style",), ("border-left-style",)),
}
SIDES = ("top", "right", "bottom", "left")


def _declarations(rule) -> list[tuple[str, str]]:
    """A rule's declarations in order, `margin` written out as its four sides."""
    import tinycss2

    found = []
    for declaration in tinycss2.parse_blocks_contents(rule.content, skip_comments=True, skip_whitespace=True):
        if declaration.type != "declaration":
            continue
        value = tinycss2.serialize(declaration.value).strip()
        if declaration.lower_name == "margin":
            parts = value.split()
            four = (parts * 4)[:4] if len(parts) < 3 else (parts + parts[1:2])[:4]
            found += [(f"margin-{side}", part) for side, part in zip(SIDES, four)]
        found.append((declaration.lower_name, value))
    return found


@pytest.mark.parametrize("stylesheet", ["base.css", "epub.css", "icon-array-text.css"])
def test_every_logical_property_has_physical_fallbacks_for_both_directions(stylesheet):
    """Kindle and Adobe Digital Editions know no logical properties: each one in the EPUB's stylesheets comes
    after its physical equal for a left-to-right page, and a [dir="rtl"] rule gives the same selector the
    mirrored physical value, so list indents, box bars and alignment survive in both directions."""
    import tinycss2

    rules = [rule for rule in tinycss2.parse_stylesheet((REPO / "assets" / "css" / stylesheet).read_text(),
                                                        skip_comments=True, skip_whitespace=True)
             if rule.type == "qualified-rule"]
    by_selector: dict[str, list[tuple[str, str]]] = {}
    for rule in rules:
        for selector in tinycss2.serialize(rule.prelude).split(","):
            by_selector.setdefault(" ".join(selector.split()), []).extend(_declarations(rule))
    checked = 0
    for rule in rules:
        selectors = [" ".join(s.split()) for s in tinycss2.serialize(rule.prelude).split(",")]
        if any(s.startswith('[dir="rtl"]') for s in selectors):
            continue
        declarations = _declarations(rule)
        for index, (name, value) in enumerate(declarations):
            if name == "text-align" and value in ("start", "end"):
                ltr = {"start": "left", "end": "right"}[value]
                wanted = [(("text-align",), (ltr,)), (("text-align",), ({"left": "right", "right": "left"}[ltr],))]
            elif name in PHYSICAL:
                values = tuple(value.split()) if name == "margin-inline" else (value,)
                wanted = [(PHYSICAL[name][0], values), (PHYSICAL[name][1], values)]
            else:
                continue
            checked += 1
            before = declarations[:index]
            assert all(pair in before for pair in zip(*wanted[0])), (selectors, name, "no fallback before it")
            for selector in selectors:
                mirrored = by_selector.get(f'[dir="rtl"] {selector}', [])
                assert all(pair in mirrored for pair in zip(*wanted[1])), (selector, name, "no rtl rule")
    assert checked >= (8 if stylesheet == "base.css" else 2)


@pytest.mark.parametrize("language", ["ar", "zh-Hans", "vi"])
def test_the_theme_ships_every_key_in_arabic_chinese_and_vietnamese(language):
    def keys(path: Path) -> set[str]:
        def flat(table, prefix=""):
            for key, value in table.items():
                yield from flat(value, f"{prefix}{key}.") if isinstance(value, dict) else [f"{prefix}{key}"]
        return set(flat(tomllib.loads(path.read_text(encoding="utf-8"))))

    assert keys(I18N / f"{language}.toml") == keys(I18N / "en.toml")
    assert "{phone}" in tomllib.loads((I18N / f"{language}.toml").read_text())["language_assistance"]["tagline"]


# ---- built ---------------------------------------------------------------------------------------------------

def scripts_project(destination: Path) -> Path:
    """The mini fixture with its chapters in Arabic, Simplified Chinese and Vietnamese as translations."""
    project = make_project(destination)
    shutil.copytree(FIXTURES / "scripts" / "translations", project / "translations", dirs_exist_ok=True)
    config = project / "publish.toml"
    text, extra = config.read_text(), (FIXTURES / "scripts" / "languages.toml").read_text()
    for tag in LANGUAGES:  # the fixture's words replace the default handout's own for the same language
        text = re.sub(rf"(?m)^\[languages\.{re.escape(tag)}\]\n(?:(?!\[).*\n?)*", "", text)
    listed, tables = extra.split("\n[", 1)
    first = text.index("\n[")
    config.write_text(text[:first] + "\n" + listed + text[first:] + "\n[" + tables)
    return project


@pytest.fixture(scope="module")
def scripts_build(tmp_path_factory) -> Path:
    project = scripts_project(tmp_path_factory.mktemp("scripts"))
    result = run_publish(project, "build", *(arg for tag in LANGUAGES for arg in ("--language", tag)),
                         "--edition", "letter", "--edition", "sheet", "--edition", "booklet")
    assert result.returncode == 0, result.stderr
    return project / "dist"


@pytest.fixture(params=["scripts", "default"])
def arabic(request) -> Path:
    """The Arabic outputs (dist/ar/) of the fixture and of the default handout (translations/ar)."""
    if request.param == "scripts":
        return request.getfixturevalue("scripts_build") / "ar"
    return request.getfixturevalue("default_build") / "dist" / "ar"


def _words_by_line(page, tolerance: float = 5):
    """The page's words in lines, top to bottom, each line's words left to right. A vowel mark or tanwin that
    pdfplumber reads as a word of its own a little above its line (ً in غالبًا) joins that line."""
    lines: list[list] = []
    for word in sorted(page.extract_words(), key=lambda w: w["bottom"]):
        if lines and word["bottom"] - lines[-1][-1]["bottom"] <= tolerance:
            lines[-1].append(word)
        else:
            lines.append([word])
    return [sorted(words, key=lambda w: w["x0"]) for words in lines]


def _assert_right_to_left(path: Path, anchor: str, lines_in_paragraph: int):
    """/Lang ar; the paragraph holding the word `anchor` (its first `lines_in_paragraph` lines) flush right
    with ragged left ends; every list bullet of the document right of its item's text. Returns the pages."""
    import pdfplumber
    import pikepdf

    assert str(pikepdf.open(path).Root.Lang) == "ar"
    pdf = pdfplumber.open(path)
    page = next(p for p in pdf.pages if any(w["text"] == anchor for w in p.extract_words()))
    right_margin = page.width - 1.375 * 72
    lines = _words_by_line(page)
    first = next(i for i, line in enumerate(lines) if any(w["text"] == anchor for w in line))
    while first and min(w["top"] for w in lines[first]) - max(w["bottom"] for w in lines[first - 1]) < 8:
        # back to the paragraph's first line
        first -= 1
    paragraph = lines[first:first + lines_in_paragraph]
    ends = [max(w["x1"] for w in line) for line in paragraph]
    starts = [min(w["x0"] for w in line) for line in paragraph]
    assert all(abs(end - right_margin) <= 2 for end in ends), (ends, right_margin)  # the last line too
    assert max(starts) - min(starts) > 2, starts  # and the left ends are ragged
    bullets = [(p, c) for p in pdf.pages for c in p.chars if c["text"] == "•"]
    assert bullets
    for bullet_page, bullet in bullets:
        same_line = [c for c in bullet_page.chars if abs(c["top"] - bullet["top"]) < 3 and c["text"].strip()
                     and c is not bullet]
        assert same_line and bullet["x0"] > max(c["x1"] for c in same_line)
    return pdf.pages


@pytest.mark.slow
def test_the_arabic_letter_pdf_is_laid_out_right_to_left(scripts_build):
    pages = _assert_right_to_left(scripts_build / "ar" / "ketamine-handout.pdf", "Spravato", 3)
    # The phone number keeps its order, and comes before the date in reading order (right of it).
    page = next(p for p in pages if "Spravato" in (p.extract_text() or ""))
    line = next(line for line in _words_by_line(page) if any("555" in w["text"] for w in line))
    assert "(555) 010-0100" in " ".join(w["text"] for w in line)
    phone = next(w for w in line if "555" in w["text"])
    year = next(w for w in line if w["text"] == "2026")
    assert phone["x0"] > year["x1"]


@pytest.mark.slow
def test_the_default_handouts_arabic_letter_pdf_is_laid_out_right_to_left(default_build):
    """The default handout in Arabic: the first paragraph of "The treatments" (it names SSRI) is flush right;
    on the title page the clinic's phone number comes out whole after its label, and the review date reads
    day, month, year from the right."""
    pages = _assert_right_to_left(default_build / "dist" / "ar" / "ketamine-handout.pdf", "SSRI", 4)
    lines = _words_by_line(pages[0])
    phone_line = next(line for line in lines if any("555" in w["text"] for w in line))
    assert "(555) 010-0100" in " ".join(w["text"] for w in phone_line)
    label = phone_line[-1]  # the rightmost word: "الهاتف:", read first
    assert "555" not in label["text"] and max(w["x1"] for w in phone_line if w is not label) < label["x0"]
    date_line = next(line for line in lines if any(w["text"] == "2026" for w in line))
    year, month, day = date_line[:3]  # left to right: 2026, نوفمبر, 1, then the label
    assert (year["text"], day["text"]) == ("2026", "1") and not month["text"].isdigit()


@pytest.mark.slow
def test_the_arabic_epub_is_right_to_left_and_valid(arabic):
    path = arabic / "ketamine-handout.epub"
    with zipfile.ZipFile(path) as book:
        documents = [name for name in book.namelist() if name.endswith(".xhtml")]
        assert documents
        for name in documents:
            assert re.search(r'<html[^>]*\bdir="rtl"', book.read(name).decode()), name
        package = book.read(next(n for n in book.namelist() if n.endswith(".opf"))).decode()
        assert 'page-progression-direction="rtl"' in package
    assert epubcheck(path) == []
    assert path.stat().st_size < 2_000_000


@pytest.mark.slow
def test_the_arabic_epub_cover_is_anchored_right(arabic):
    """The cover (drawn inline on the cover page, and as the PNG cover-image) starts each line at the right:
    the bar on the right, the title's lines ending at the same x near the right edge, in the PNG too."""
    import io

    from PIL import Image

    with zipfile.ZipFile(arabic / "ketamine-handout.epub") as book:
        cover = book.read(next(n for n in book.namelist() if n.endswith("cover.xhtml"))).decode()
        png = Image.open(io.BytesIO(book.read(next(n for n in book.namelist() if n.endswith("cover.png")))))
    texts = re.findall(r'<text x="([\d.]+)"([^>]*)>', cover)
    assert texts and all('direction="rtl"' in attributes for _, attributes in texts)
    assert all(float(x) > 1000 for x, attributes in texts if "middle" not in attributes)
    # In the PNG, the bar and the title's ink (both dark blue, #12324a): the bar at 1108 to 1120 px of 1200, the
    # title's lines ending at the right, at 1070 px.
    pixels, blue = png.convert("RGB").load(), (0x12, 0x32, 0x4a)
    assert pixels[1114, 300] == blue and pixels[86, 300] != blue
    title = [x for y in range(300, 700, 4) for x in range(1100) if pixels[x, y] == blue]
    assert title and 1050 < max(title) <= 1072 and min(title) > 150, (min(title), max(title))


@pytest.mark.slow
def test_the_arabic_epub_passes_daisy_ace(arabic, tmp_path):
    import ace

    if ace.ace_command() is None:
        pytest.skip("DAISY Ace is not installed")
    report = ace.run_ace(arabic / "ketamine-handout.epub", tmp_path / "ace", lang="ar")
    assert ace.violations(report) == []


@pytest.mark.slow
def test_the_arabic_web_page_is_right_to_left_and_accessible(arabic):
    import webtools

    page = arabic / "index.html"
    assert re.search(r'<html[^>]*\bdir="rtl"', page.read_text())
    webtools.require()
    report = webtools.webcheck(page, widths=(320, 1280), schemes=("light",))
    assert [run["violations"] for run in report["runs"]] == [[], []]


def _embedded_fonts(path: Path):
    """(base font name, fontTools font) of each font a PDF embeds."""
    import io

    import pikepdf
    from fontTools.ttLib import TTFont

    found = []
    with pikepdf.open(path) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/FontDescriptor":
                stream = obj.get("/FontFile2") or obj.get("/FontFile3")
                assert stream is not None, f"{obj.get('/FontName')} is not embedded"
                found.append((str(obj.FontName), TTFont(io.BytesIO(stream.read_bytes()))))
    return found


def assert_declared_fonts_cover_the_text(path: Path, language: str) -> None:
    """Only the language's families, every one embedded; each character of the text drawn by a font whose
    character map (the family's, read with fontTools: the embedded subset keeps only the glyphs drawn, such as
    an Arabic letter's joined forms) has it."""
    import pdfplumber

    from handout.core.language_record import record
    from handout.core.script_fonts import cmap

    families = {family.replace(" ", "-"): family for family in record(language).fonts}

    def family_of(font_name: str) -> str:
        name = font_name.split("+", 1)[-1]
        found = next((families[d] for d in sorted(families, key=len, reverse=True)
                      if name == d or name.startswith(d + "-")), None)
        assert found, f"{font_name} is no family of {language}"
        return found

    fonts = _embedded_fonts(path)
    assert fonts
    for base, _ in fonts:
        family_of(base)  # names a family the language does not declare
    with pdfplumber.open(path) as pdf:
        chars = [c for page in pdf.pages for c in page.chars if c["text"].strip()]
    missing = {f"U+{ord(ch):04X}" for c in chars for ch in c["text"] if ord(ch) not in cmap(family_of(c["fontname"]))}
    assert chars and not missing, (path.name, missing)


@pytest.mark.slow
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_fonts_are_the_declared_families_embedded_and_cover_the_text(scripts_build, language):
    for name in ("ketamine-handout.pdf", "ketamine-handout-sheet.pdf"):
        assert_declared_fonts_cover_the_text(scripts_build / language / name, language)
    assert (scripts_build / language / "ketamine-handout.epub").stat().st_size < 2_000_000


@pytest.mark.slow
def test_a_character_no_font_covers_stops_the_build_naming_it(tmp_path):
    project = scripts_project(tmp_path / "p")
    chapter = project / "translations" / "zh-Hans" / "chapters" / "02-steps.md"
    lines = chapter.read_text(encoding="utf-8").splitlines()
    lines[8] += " \U00013000"
    chapter.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_publish(project, "build", "--language", "zh-Hans", "--no-epub", "--no-web", "--edition", "letter")
    assert result.returncode == 2, result.stderr
    assert "U+13000" in result.stderr and "\U00013000" in result.stderr and "zh-Hans" in result.stderr
    assert re.search(r"02-steps\.md:9\b", result.stderr), result.stderr
    assert "Traceback" not in result.stderr


# ---- the default handout's translations ----------------------------------------------------------------------
# The repository's own handout in the languages of this module that publish.toml lists (not yet reviewed by a
# qualified medical translator; translations/<tag>/README.md), checked on default_build's outputs.

DEFAULT_SCRIPTS = tuple(tag for tag in tomllib.loads((REPO / "publish.toml").read_text(encoding="utf-8"))
                        ["translations"] if tag in LANGUAGES)
DEFAULT_PDFS = ("ketamine-handout.pdf", "ketamine-handout-sheet.pdf", "ketamine-handout-large-print-sheet.pdf")


def _pdffonts(path: Path) -> list[tuple[str, bool]]:
    """(name, embedded) of each font `pdffonts` lists (its columns from the right: emb sub uni object ID)."""
    import subprocess

    listing = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    return [(row.split()[0], row.split()[-5] == "yes") for row in listing.splitlines()[2:] if row.strip()]


def _family(font_name: str) -> str:
    """'HUHQIP+Noto-Sans-Bold' -> 'Noto Sans': the family of an embedded font, without its subset tag and style."""
    name = font_name.split("+", 1)[-1]
    return re.sub(r"-(Regular|Bold|Italic|BoldItalic|Medium)$", "", name).replace("-", " ")


def test_family_of_an_embedded_font_drops_the_subset_tag_and_the_style():
    assert _family("HUHQIP+Noto-Sans-Bold") == "Noto Sans"
    assert _family("ABCDEF+Atkinson-Hyperlegible-BoldItalic") == "Atkinson Hyperlegible"
    assert _family("XKQQSR+DejaVu-Sans") == "DejaVu Sans"


@pytest.mark.slow
@pytest.mark.parametrize("language", DEFAULT_SCRIPTS)
def test_the_default_handout_translations_embed_only_their_declared_families(default_build, language):
    """`pdffonts` on the Letter PDF and both desk sheets: every font embedded, and of a declared family."""
    from handout.core.language_record import record

    for name in DEFAULT_PDFS:
        fonts = _pdffonts(default_build / "dist" / language / name)
        assert fonts and all(embedded for _, embedded in fonts), (name, fonts)
        assert {_family(font) for font, _ in fonts} <= set(record(language).fonts), (name, fonts)


@pytest.mark.slow
@pytest.mark.parametrize("language", DEFAULT_SCRIPTS)
def test_the_default_handout_translations_draw_each_letter_and_word_from_one_font(default_build, language):
    """Every character of the extracted text is in the character map of the embedded font that drew it (or of
    its family's, as above), and no word takes letters from two families: a letter with stacked tone marks
    drawn by a fallback font inside a word set in the book's font fails. The EPUB stays under 2 MB."""
    import pdfplumber

    from handout.core.script_fonts import cmap

    def family_cmap(family: str) -> frozenset[int]:
        try:
            return cmap(family)
        except Exception:  # a family the toolchain does not know (a fallback): only its embedded map counts
            return frozenset()

    for name in DEFAULT_PDFS:
        path = default_build / "dist" / language / name
        embedded = {base.lstrip("/"): font.getBestCmap() or {} for base, font in _embedded_fonts(path)}
        with pdfplumber.open(path) as pdf:
            words = [word for page in pdf.pages for word in page.extract_words(return_chars=True)]
        chars = [c for word in words for c in word["chars"] if c["text"].strip()]
        missing = {f"U+{ord(ch):04X} {c['fontname']}" for c in chars for ch in c["text"]
                   if ord(ch) not in embedded[c["fontname"]] and ord(ch) not in family_cmap(_family(c["fontname"]))}
        assert chars and not missing, (name, missing)
        mixed = {word["text"] for word in words if len({_family(c["fontname"]) for c in word["chars"]}) > 1}
        assert not mixed, (name, mixed)
    assert (default_build / "dist" / language / "ketamine-handout.epub").stat().st_size < 2_000_000


def _icon_array_words(project: Path, language: str) -> tuple[str, list[str]]:
    """The outcome and the group labels of the icon array in a translation's "How well" chapter, as written."""
    from handout.load.iconarray import parse

    text = (project / "translations" / language / "chapters" / "03-how-well.md").read_text(encoding="utf-8")
    box = re.search(r'(?ms)^::: icon-array "([^"]*)"[^\n]*\n(.*?)^:::', text)
    outcome, groups = parse(box.group(2), box.group(1))
    return outcome, [group.plain for group in groups]


def _lines_read_from_the_right(page) -> list[tuple[str, list[dict]]]:
    """Each line of a page as read right to left (its characters from the right, a space where the gap between
    two is wider than a fifth of the type size), with its characters."""
    lines: dict[int, list[dict]] = {}
    for char in page.chars:
        if char["text"].strip():
            lines.setdefault(round(char["bottom"]), []).append(char)
    read = []
    for _, chars in sorted(lines.items()):
        text, previous = "", None
        for char in sorted(chars, key=lambda c: -c["x1"]):
            if previous is not None and previous["x0"] - char["x1"] > char["size"] * 0.2:
                text += " "
            text, previous = text + char["text"], char
        read.append((text, chars))
    return read


@pytest.mark.slow
def test_the_default_handouts_arabic_icon_array_is_joined_text_right_to_left(default_build):
    """In the Arabic Letter PDF and both desk sheets, the icon array's words are text of the page: the group
    labels' line, read from the right, is the first group's label then the second's, as written (so the first
    group is at the right, and each label's letters are in their logical order); its letters are joined (drawn
    in their joined forms, narrower or wider than a letter alone, as WeasyPrint's SVG text never draws them);
    the key reads its outcome first (at the right), then its others."""
    import pdfplumber
    from fontTools.ttLib import TTFont

    from handout.config.strings import load
    from handout.core.language_record import record
    from handout.core.script_fonts import sources

    outcome, labels = _icon_array_words(default_build, "ar")
    others = load(default_build, "ar")["icon_array.others"]
    bold = next(s for s in sources(record("ar").fonts[0]) if s.weight == 700)
    font = TTFont(str(bold.path))
    letters, advances, em = font.getBestCmap(), font["hmtx"], font["head"].unitsPerEm
    for name in DEFAULT_PDFS:
        with pdfplumber.open(default_build / "dist" / "ar" / name) as pdf:
            read = [line for page in pdf.pages for line in _lines_read_from_the_right(page)]
        text, chars = next((t, c) for t, c in read if " ".join(labels) in t)
        alone = [(c["width"], advances[letters[ord(c["text"])]][0] * c["size"] / em) for c in chars
                 if "Bold" in c["fontname"] and len(c["text"]) == 1 and "\u0621" <= c["text"] <= "\u064a"]
        joined = [width for width, isolated in alone if abs(width - isolated) > 0.3]
        assert len(alone) >= 10 and len(joined) >= len(alone) / 3, (name, alone)
        def bare(words: str) -> str:  # a vowel mark (the shadda of تحسّنوا) may be read on a line of its own
            return re.sub(r"[\s\u064b-\u0652]", "", words)

        assert any(bare(outcome + others) in bare(t) for t, _ in read), (name, outcome, others)


@pytest.mark.slow
def test_the_default_handouts_arabic_icon_array_fits_its_figure_on_screens(default_build, tmp_path):
    """The Arabic web page and EPUB chapter in Chromium, light and dark, at 320 and 1280 px: every label, count,
    key word and person of the icon array inside the figure's box (and the figure inside the page), the first
    group right of the second, the key's shaded person at the right, where its words start. Screenshots of the
    figure alone at each width and scheme."""
    import webtools

    webtools.require()
    dist = default_build / "dist" / "ar"
    with zipfile.ZipFile(dist / "ketamine-handout.epub") as book:
        book.extractall(tmp_path / "epub")
    chapter = next(p for p in sorted((tmp_path / "epub").rglob("*.xhtml")) if 'class="icon-array' in p.read_text())
    parts = ("figure.icon-array, figure.icon-array .icon-array-group, figure.icon-array p, "
             "figure.icon-array .icon-array-person, figure.icon-array svg")
    for page in (dist / "index.html", chapter):
        shots = [(width, scheme, tmp_path / f"{page.stem}-{width}-{scheme}.png", "figure.icon-array")
                 for width in (320, 1280) for scheme in ("light", "dark")]
        report = webtools.webcheck(page, widths=(320, 1280), schemes=("light", "dark"), screenshots=shots,
                                   boxes=parts)
        assert all(path.stat().st_size > 2000 for *_, path, _ in shots)
        assert len(report["runs"]) == 4
        for run in report["runs"]:
            where = (page.name, run["width"], run["scheme"])
            assert run["scrollWidth"] <= run["clientWidth"], where
            figure, *inside = run["boxes"]
            assert "icon-array-text-labels" in figure["classes"], where
            assert 0 <= figure["box"]["left"] and figure["box"]["right"] <= run["width"], where
            left, right = figure["box"]["left"] - 0.5, figure["box"]["right"] + 0.5
            for part in inside:
                for box in (part["box"], part["textBox"]):
                    if box["right"] > box["left"]:  # a person's text box is empty
                        assert left <= box["left"] <= box["right"] <= right, (where, part)
            first, second = (p["box"] for p in inside if p["classes"] == "icon-array-group")
            assert first["left"] >= second["right"], where
            key = next(p["textBox"] for p in inside if p["classes"] == "icon-array-key")
            shaded, other = (p["box"] for p in inside if "icon-array-person" in p["classes"])
            assert abs(shaded["right"] - key["right"]) <= 1 and other["right"] < shaded["left"], where


@pytest.mark.parametrize("folder", sorted(p for p in (REPO / "translations").iterdir() if p.is_dir()),
                         ids=lambda p: p.name)
def test_translated_texts_are_in_composed_unicode(folder):
    """NFC: a Vietnamese letter such as 'ế' is one character, never 'e' followed by two combining marks, which a
    font without the combination would draw as a stack of separate pieces (and search would not find)."""
    import unicodedata

    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix in {".md", ".txt", ".svg"}:
            text = path.read_text(encoding="utf-8")
            assert unicodedata.normalize("NFC", text) == text, path


@pytest.mark.slow
def test_the_default_handouts_english_sources_read_left_to_right_in_arabic(default_build):
    """An English source in the Arabic handout is set left to right, number included: its full stops and year
    stay in their places (isolated word by word they moved to the ends of the lines: ". 2020", "...clinic'only")."""
    import pdfplumber

    folder = default_build / "dist" / "ar"
    page = (folder / "index.html").read_text(encoding="utf-8")
    notes = re.findall(r'<p class="note" id="ref-[^"]+"([^>]*)>', page)
    assert notes and all(attributes == ' dir="ltr"' for attributes in notes), notes
    with pdfplumber.open(folder / "ketamine-handout.pdf") as pdf:  # the sources' pages, a column at a time
        text = " ".join(" ".join((half.extract_text() or "").split()) for p in pdf.pages[-3:]
                        for half in (p.crop((p.width / 2, 0, p.width, p.height)), p.crop((0, 0, p.width / 2, p.height))))
    assert "Murrough JW, Perez AM, Pillemer S, et al. Rapid and longer-term antidepressant effects" in text
    assert "Biological Psychiatry. 2013;74(4): 250-256. doi: 10.1016/j.biopsych." in text  # a line ends after ":"
