"""The default handout's invariants, in both outputs: order, safety lines, sources, reading level, alt text."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from conftest import REPO, outputs, pdf_text
from handout.load.book import load_book
from handout.config.settings import load_config
from handout.check.readability import measure, plain_text_from_html

SEED_OVERLAP = REPO.parent / "shared" / "tools" / "seed_overlap.py"


@pytest.fixture(scope="module")
def book():
    return load_book(load_config(REPO))


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.mark.slow
def test_chapter_titles_in_order_in_both_outputs(default_build, book):
    pdf, epub = outputs(default_build)
    text = squash(pdf_text(pdf))
    body = text[text.find(book.chapters[0].title, text.find("Contents") + 200):]
    position = 0
    for chapter in book.chapters:
        position = body.find(chapter.title, position)
        assert position >= 0, chapter.title
    with zipfile.ZipFile(epub) as archive:
        spine = re.findall(r'<itemref idref="([^"]+)"', archive.read("EPUB/content.opf").decode())
        manifest = dict(re.findall(r'<item href="([^"]+)" id="([^"]+)"', archive.read("EPUB/content.opf").decode()))
        files = {v: k for k, v in manifest.items()}
        chapter_files = [files[i] for i in spine if files[i] not in {"cover.xhtml", "title.xhtml", "nav.xhtml",
                                                                       "back.xhtml"}]
        titles = ["".join(etree.fromstring(archive.read("EPUB/" + f)).find(
            ".//{http://www.w3.org/1999/xhtml}h1[@class='chapter-title']").itertext()) for f in chapter_files]
    assert titles == [c.title for c in book.chapters]


@pytest.mark.slow
def test_crisis_lines_at_start_and_end_of_both_outputs(default_build):
    pdf, epub = outputs(default_build)
    from pypdf import PdfReader
    pages = [squash(p.extract_text()) for p in PdfReader(pdf).pages]
    for page in (pages[0], pages[-1]):
        assert "Call or text 988" in page and "Call 911" in page
    with zipfile.ZipFile(epub) as archive:
        for name in ("EPUB/title.xhtml", "EPUB/back.xhtml"):
            text = archive.read(name).decode()
            assert "Call or text 988" in text and "Call 911" in text
        assert "741741" in archive.read("EPUB/getting-help.xhtml").decode()


@pytest.mark.slow
def test_disclaimer_and_provenance_are_printed(default_build):
    text = squash(pdf_text(outputs(default_build)[0]))
    assert "does not replace" in text or "not replace" in text
    assert re.search(r"(stop|change).{0,80}(prescriber|clinician)", text)
    for label in ("Last reviewed", "Next review due", "Prepared by", "Reviewed by"):
        assert label in text


def test_every_citation_resolves_and_every_source_is_cited(book):
    assert book.uncited == ()
    assert len(book.references) >= 10
    for reference in book.references:
        assert reference.authors and reference.title and reference.publisher and reference.year
        assert reference.doi or reference.url
        assert reference.cited_at


def test_every_chapter_reads_at_grade_8_or_below(book):
    for chapter in book.chapters:
        html = "".join(block.html for block in chapter.blocks)
        score = measure(plain_text_from_html(html))
        assert score.words > 10, chapter.slug
        assert score.flesch_kincaid_grade <= 8, (chapter.slug, score.flesch_kincaid_grade)


def test_every_image_has_alt_text_and_a_caption(book):
    assert book.images
    for image in book.images:
        assert len(image.alt) > 20 and image.caption


def test_wrong_claims_from_the_source_articles_are_not_repeated(book):
    text = " ".join(c.body for c in book.chapters).lower()
    sentences = re.split(r"(?<=[.!?])\s+", re.sub(r"\[@[^\]]*\]", "", text))
    for sentence in sentences:
        # "70 to 80%" effective, in any spelling
        assert not re.search(r"\b7\d\s*(?:to|-|\u2013)\s*8\d\s*(?:%|percent|out of 100)", sentence), sentence
        # SSRIs do not block the breakdown of serotonin (that is what MAOIs do)
        if re.search(r"\bssris?\b|selective serotonin", sentence):
            assert not re.search(r"break(?:s|ing)?\s*down|breakdown", sentence), sentence
        # dissociation is common, not rare
        if "dissociat" in sentence or "spaced out" in sentence:
            assert not re.search(r"\b(?:rare|rarely|uncommon)\b", sentence), sentence
        # the FDA has not approved ketamine for depression
        if re.search(r"fda[^.]*approv[^.]*\bketamine\b[^.]*depress", sentence):
            assert re.search(r"\bnot\b|n't", sentence), sentence
        if "fewer side effects" in sentence:
            assert re.search(r"\bnot\b|n't", sentence), sentence  # only ever to say they do not have fewer
    assert "off-label" in text and "spravato" in text


def test_the_claim_rules_catch_what_they_are_for():
    """The rules above, on sentences that say what the source articles got wrong."""
    from types import SimpleNamespace
    for wrong in ("Ketamine works for 70 to 80% of people.", "SSRIs block the breakdown of serotonin.",
                  "Dissociation is rare.", "The FDA approved ketamine for depression.",
                  "It has fewer side effects."):
        with pytest.raises(AssertionError):
            test_wrong_claims_from_the_source_articles_are_not_repeated(
                SimpleNamespace(chapters=[SimpleNamespace(body=wrong + " off-label spravato")]))


@pytest.mark.slow
def test_chapters_are_in_our_own_words():
    if not SEED_OVERLAP.exists():
        message = "the shared editorial tools are not beside the project (../shared/tools/seed_overlap.py)"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    result = subprocess.run([sys.executable, str(SEED_OVERLAP), str(REPO / "chapters")], capture_output=True,
                            text=True)
    assert result.stdout == ""


# ---- the second clinical review (issue 13): what a patient could be harmed by not being told ------------------

# Each harm-level topic of the review (facts.md rows 13-18), and words that must be printed for it. Matched in
# lower case, with curly quotes made straight and lines joined, in the Letter PDF's text and in the EPUB's text.
HARM_TOPICS = {
    "who should not use esketamine or ketamine": ["aneurysm", "arteriovenous malformation", "bleeding in the brain",
                                                  "allergy to esketamine or ketamine"],
    "what to tell the clinician first": ["high blood pressure", "heart disease", "stroke", "psychosis",
                                         "bipolar disorder", "alcohol or drugs", "liver disease", "pregnan",
                                         "breastfeed"],
    "tablets: bipolar screening and no MAOI": ["set off mania", "never take a tablet together with an maoi"],
    "interactions and serotonin syndrome": ["serotonin syndrome", "triptans", "tramadol", "linezolid",
                                            "st. john's wort", "fever", "muscle twitching", "fast heartbeat",
                                            "alcohol", "opioid", "slow your breathing more"],
    "slowed breathing (respiratory depression)": ["breathing", "hard to wake", "check your breathing"],
    "the boxed warning for all antidepressants": ["under 25", "suicidal thoughts and actions", "first months",
                                                  "dose change"],
    "the same urgency everywhere": ["right away", "988", "911"],
    "urgent warning signs": ["headache", "chest pain", "confusion", "trouble breathing", "signs of mania",
                             "blood in your urine"],
    "compounded ketamine for use at home": ["compounded", "use at home"],
}

SELF_HARM = re.compile(r"harm(?:ing)? (?:yourself|themselves)|self-harm|suicid|end(?:ing)? (?:your|their) life")


def normalize(text: str) -> str:
    """Lower case, straight quotes, one space, and words broken across lines with a hyphen joined again."""
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    text = text.replace("\u00ad", "")
    return squash(text).lower()


def epub_text(path: Path, names: tuple[str, ...] | None = None) -> str:
    parts = []
    with zipfile.ZipFile(path) as archive:
        for name in sorted(archive.namelist()):
            if name.endswith(".xhtml") and (names is None or Path(name).name in names):
                tree = etree.fromstring(archive.read(name))
                for note in tree.iter("{http://www.w3.org/1999/xhtml}sup"):
                    note.text, note[:] = " ", []  # note numbers are not words
                parts.append(" ".join(tree.itertext()))
    return " ".join(parts)


@pytest.fixture(scope="module")
def both_texts(default_build):
    pdf, epub = outputs(default_build)
    return {"PDF": normalize(pdf_text(pdf)), "EPUB": normalize(epub_text(epub))}


@pytest.mark.slow
@pytest.mark.parametrize("topic", list(HARM_TOPICS))
def test_each_harm_level_topic_is_in_both_outputs(both_texts, topic):
    for output, text in both_texts.items():
        missing = [words for words in HARM_TOPICS[topic] if words not in text]
        assert missing == [], (output, topic, missing)


@pytest.mark.slow
def test_the_boxed_warning_is_in_the_key_points_of_both_outputs(default_build):
    """The FDA warning for all antidepressants belongs in the key points (and where antidepressants are described)."""
    pdf, epub = outputs(default_build)
    with zipfile.ZipFile(epub) as archive:
        page = etree.fromstring(archive.read("EPUB/key-points.xhtml"))
    boxes = [" ".join(box.itertext()) for box in page.iter() if "key-points" in (box.get("class") or "").split()]
    assert boxes and any("under 25" in normalize(box) and "right away" in normalize(box) for box in boxes)
    from pypdf import PdfReader
    pages = [normalize(p.extract_text() or "") for p in PdfReader(pdf).pages]
    first = next(index for index, text in enumerate(pages) if text.startswith("key points"))
    key_points = " ".join(pages[first:first + 2])  # the box goes on over the page when it is longer
    assert "under 25" in key_points and "thoughts of harming yourself" in key_points
    treatments = epub_text(epub, ("treatments.xhtml",))
    assert "under 25" in normalize(treatments)


def sentences_of(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?:])\s+|\s+(?=\u2022|\d+\.\s)", text) if s.strip()]


def urgent_words_missing(text: str) -> list[str]:
    """Every sentence about thoughts of self-harm or suicide that tells the reader to act says how:
    never "soon" (or "in a few days", "at your next visit")."""
    wrong = []
    for sentence in sentences_of(normalize(text)):
        if SELF_HARM.search(sentence) and re.search(
                r"\bsoon\b|\bsoonest\b|in a few days|next (?:visit|appointment)|when you can", sentence):
            wrong.append(sentence)
    return wrong


@pytest.mark.slow
def test_no_sentence_tells_the_reader_to_act_soon_on_thoughts_of_self_harm(both_texts, book):
    for output, text in both_texts.items():
        assert urgent_words_missing(text) == [], output
    markdown = " ".join(re.sub(r"\[@[^\]]*\]", "", c.body) for c in book.chapters)
    assert urgent_words_missing(markdown) == []


def test_thoughts_of_self_harm_always_come_with_right_away_and_988(book):
    """Wherever a chapter tells the reader what to do about thoughts of harming themselves, "right away" is in the
    same paragraph or list item (or its list's lead-in), and so is 988 or 911 for someone who might act on them."""
    found = 0
    for chapter in book.chapters:
        blocks = re.sub(r"\[@[^\]]*\]", "", chapter.body).split("\n\n")
        for index, block in enumerate(blocks):
            lines = [line for line in block.strip().splitlines() if not line.startswith(":::")]
            is_list = all(re.match(r"\s*(?:[-*]|\d+\.)\s", line) or line.startswith("  ") for line in lines[1:])
            units = [line for line in lines if "harming yourself" in line] if is_list else (
                [block] if "harming yourself" in block else [])
            lead_in = blocks[index - 1].strip().splitlines()[-1] if index and is_list else ""
            for unit in units:
                found += 1
                assert "right away" in unit or ("right away" in lead_in and lead_in.rstrip().endswith(":")), unit
                assert re.search(r"\b(?:988|911)\b", unit), unit
    assert found >= 3


def test_the_urgency_rule_catches_what_it_is_for():
    for wrong in ("Call your clinician soon if you have thoughts of harming yourself.",
                  "If you have new thoughts of suicide, tell someone soon.",
                  "Mention any thoughts of self-harm at your next visit."):
        assert urgent_words_missing(wrong), wrong
    assert urgent_words_missing("Tell your clinician right away about thoughts of harming yourself. The side "
                                "effects ease soon.") == []


def test_differences_are_given_so_nobody_has_to_subtract(book):
    """facts.md rows 21-23: 'N more out of 100' beside each pair of trial figures; tablet and ketamine numbers are
    said not to be comparable."""
    text = normalize(" ".join(c.body for c in book.chapters))
    assert "10 to 20 more people out of 100" in text
    assert text.count("14 more out of 100") >= 2
    assert "cannot be compared directly" in text
    assert "not every trial was positive" in text
