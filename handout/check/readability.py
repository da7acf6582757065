"""Readability scores for handout prose, computed offline, by the formulas made for its language.

Patient handouts are held to a reading level (NIH: below US grade 8), so the
toolchain measures every English chapter with three common formulas: Flesch-Kincaid
grade, SMOG and Coleman-Liau; a Spanish chapter with Szigriszt-Pazos on the
INFLESZ scale and Fernández-Huerta (syllables from pyphen's ``es`` dictionary);
any other language by its sentence lengths only (``formula_for``). ``textstat`` is not used because it downloads
a pronunciation dictionary on first use; syllables here come from ``pyphen``
(its hyphenation dictionaries ship inside the package) checked against a
small vowel-group heuristic.

Words and sentences are those of ``handout/core/text.py`` (the checks split them
the same way). This module imports nothing else from the ``handout``
package, so it can be used and tested on its own.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser

from handout.core.language_record import FORMULAS, primary_language, record  # the languages with a validated formula
from handout.core.text import LATIN_ENDS, split_sentences
from handout.core.text import words as _words

__all__ = [
    "FORMULAS",
    "Readability",
    "SentenceLengths",
    "SpanishReadability",
    "count_syllables",
    "fernandez_huerta",
    "formula_for",
    "inflesz_band",
    "measure",
    "measure_spanish",
    "plain_text_from_html",
    "primary_language",
    "sentence_lengths",
    "spanish_syllables",
    "split_sentences",
    "szigriszt_pazos",
]


@lru_cache(maxsize=None)
def hyphenator(lang: str, left: int = 2, right: int = 2):
    """One pyphen dictionary per language for the whole process, loaded on first use (loading it parses a
    file: a build or a check in one language never loads the other's)."""
    import pyphen

    return pyphen.Pyphen(lang=lang, left=left, right=right)


# Parts of a compound word whose syllables are counted separately.
_WORD_PART = re.compile(r"[A-Za-z]+|[0-9]+")

_VOWEL_GROUP = re.compile(r"[aeiouy]+")

# Vowel pairs that are usually spoken as two syllables ("di-et", "i-de-a",
# "flu-id", "vi-a"); the vowel-group count would merge them into one.
_SPLIT_VOWELS = re.compile(
    r"(?:ia|io(?!r)|iu|eo(?!p)|ua|uo|ui|oi(?=c)|ie(?=t|n)|(?<=[aeiouy][^aeiouy])ea(?=s?$))"
)
# Endings where those pairs are one syllable after all ("na-tion",
# "spe-cial", "anx-ious", "guide", "build").
_JOINED_ENDINGS = re.compile(
    r"(?:[cstxg]i(?:on|ons|al|ally|an|ans|ous|ously|ent|ence|a)$|[gq]ui|ui(?:ld|lt|ce|se|t$))"
)
# A silent "e" before a suffix ("like-ly", "safe-ness", "life-line").
_INNER_SILENT_E = re.compile(
    r"(?<=[aeiouy][^aeiouy])e(?=(?:ly|ness|ment|ments|ful|less|line|lines)$)"
)
# First halves of compounds whose final "e" is silent ("some-one", "home-work").
_COMPOUND_HEADS = ("some", "life", "home", "side", "time", "care", "where", "there", "fire", "safe", "whole")

# Elements after which a reader pauses as at the end of a sentence.
_BLOCK_TAGS = frozenset(
    """
    address article aside blockquote br caption dd details div dl dt
    figcaption figure footer h1 h2 h3 h4 h5 h6 header hr li main nav ol p
    pre section summary table tbody td tfoot th thead tr ul
    """.split()
)
# Elements whose text is not prose for the reader (code, styling, inline
# SVG titles) and must not be measured.
_SKIPPED_TAGS = frozenset({"script", "style", "template", "noscript", "head", "svg", "math"})
# Elements with no end tag, which must not open a skipped region.
_VOID_TAGS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
)
# Class names used for note references and generated note lists.
_NOTE_CLASSES = frozenset({"noteref", "footnote-ref", "footnote-backref", "footnotes", "citation"})
_NOTE_ROLES = frozenset({"doc-noteref", "doc-endnotes", "doc-footnote", "doc-backlink"})
# What a note-reference superscript contains: numbers, commas, dashes, brackets.
_NOTE_NUMBERS = re.compile(r"^[\s\d,;–—\-\[\]()]*$")


@lru_cache(maxsize=8192)
def _heuristic_syllables(word: str) -> int:
    """Count syllables in a lower-case word of letters by English spelling rules."""
    if len(word) <= 2:
        return 1
    for head in _COMPOUND_HEADS:
        if word.startswith(head) and len(word) - len(head) >= 3:
            return 1 + _heuristic_syllables(word[len(head):])
    count = len(_VOWEL_GROUP.findall(word))
    # A final silent "e" ("make", "medicine") adds no syllable, but "-le"
    # after a consonant ("table") and "-ee"/"-ye" do.
    if word.endswith("e") and not re.search(r"(?:[^aeiouy]le|ee|ye)$", word):
        count -= 1
    # "-ed" is silent except after t or d ("helped" vs "wanted").
    elif word.endswith("ed") and not re.search(r"(?:[td]ed|[aeiouy]ed|[^aeiouy]led)$", word):
        count -= 1
    # "-es" is silent except after a hissing sound ("makes" vs "changes").
    elif word.endswith("es") and not re.search(r"(?:[sxz]es|[cs]hes|[cg]es|[aeiouy]es|[^aeiouy]les)$", word):
        count -= 1
    count -= len(_INNER_SILENT_E.findall(word))
    # Vowel pairs spoken as two syllables, unless in an ending that joins them.
    if not _JOINED_ENDINGS.search(word):
        count += len(_SPLIT_VOWELS.findall(word))
    return max(1, count)


def _part_syllables(part: str) -> int:
    """Count syllables in one run of letters or digits."""
    if part.isdigit():
        # "5" is one syllable, "20" two, "988" three ("nine-eight-eight");
        # longer numbers are capped so a year does not read as a hard word.
        return min(len(part), 3)
    letters = part.lower()
    if part.isupper() and len(part) >= 2:
        # An abbreviation spoken letter by letter ("FDA", "IV"), capped so
        # "NMDA" or "SSRIS" do not swamp a sentence.
        return min(len(part), 3)
    if not _VOWEL_GROUP.search(letters):
        # Unit symbols and other vowel-less tokens ("mg", "kg", "Dr").
        return 1
    hyphenated = len(hyphenator("en_US").positions(letters)) + 1
    # The hyphenation patterns leave out breaks near the ends of words
    # ("ke-tamine"), so they undercount; the spelling rules catch those.
    return max(hyphenated, _heuristic_syllables(letters))


def count_syllables(word: str) -> int:
    """Return the number of syllables in ``word`` (at least 1).

    Combines pyphen's en_US hyphenation points with a vowel-group count.
    Numbers and all-caps abbreviations count as 1 to 3 syllables; compound
    words ("week-long", "mg/kg") count each part. Plural or possessive
    abbreviations ("SSRIs", "FDA's") count as the abbreviation.
    """
    word = word.strip()
    if not word:
        return 0
    # Plural and possessive abbreviations read as the abbreviation itself.
    word = re.sub(r"^([A-Z]{2,})(?:['’]?s)$", r"\1", word)
    parts = _WORD_PART.findall(word)
    if not parts:
        return 1
    # "U.S." and "e.g." are read as letters, not as words.
    if all(len(p) == 1 for p in parts) and len(parts) > 1:
        return min(len(parts), 3)
    return max(1, sum(_part_syllables(p) for p in parts))


class _PlainTextParser(HTMLParser):
    """Collect the prose of an HTML fragment, one sentence per block."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self._buffer: list[str] = []
        # Depth inside an element whose content is dropped, and its tag.
        self._skip_tag: str | None = None
        self._skip_depth = 0
        # Text inside an open <sup>, kept only if it is not a note number.
        self._sup_depth = 0
        self._sup_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._skip_tag is not None:
            if tag == self._skip_tag:
                self._skip_depth += 1
            return
        attributes = dict(attrs)
        classes = set((attributes.get("class") or "").split())
        roles = set((attributes.get("role") or "").split()) | set((attributes.get("epub:type") or "").split())
        is_note = bool(classes & _NOTE_CLASSES) or bool(roles & _NOTE_ROLES) or "noteref" in roles
        if (tag in _SKIPPED_TAGS or is_note) and tag not in _VOID_TAGS:
            self._skip_tag, self._skip_depth = tag, 1
            return
        if tag == "sup":
            self._sup_depth += 1
            return
        if tag in _BLOCK_TAGS:
            self._flush()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # <br/> and other self-closed elements never open a region.
        if self._skip_tag is None and tag in _BLOCK_TAGS:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if self._skip_tag is not None:
            if tag == self._skip_tag:
                self._skip_depth -= 1
                if self._skip_depth == 0:
                    self._skip_tag = None
            return
        if tag == "sup" and self._sup_depth:
            self._sup_depth -= 1
            if self._sup_depth == 0:
                text = "".join(self._sup_text)
                self._sup_text = []
                if not _NOTE_NUMBERS.match(text):
                    self._buffer.append(text)
            return
        if tag in _BLOCK_TAGS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if self._skip_tag is not None:
            return
        if self._sup_depth:
            self._sup_text.append(data)
        else:
            self._buffer.append(data)

    def close(self) -> None:
        super().close()
        self._flush()

    def _flush(self) -> None:
        """End the current block, closing it as a sentence if it is not one."""
        text = " ".join("".join(self._buffer).split())
        self._buffer = []
        if not text:
            return
        # A block with no end punctuation (a heading, a table cell, a list
        # item fragment) is still a unit the reader takes in on its own.
        text = re.sub(r"[:;,–—\-]+$", "", text).rstrip()
        if text and not re.search(r"[.!?…][\"'”’)\]]*$", text):
            text += "."
        if text:
            self.blocks.append(text)


def plain_text_from_html(html: str) -> str:
    """Return the prose of an HTML fragment as plain text for measuring.

    Tags are dropped. Block elements (paragraphs, list items, table cells,
    definition terms and descriptions, headings, captions, divisions, line
    breaks) become sentence boundaries: a block whose text has no end
    punctuation gets a full stop. Note references (``<a class="noteref">``,
    ``role="doc-noteref"``, ``<sup>`` holding only numbers) are dropped so
    citation numbers are not counted as words; so are scripts, styles and
    inline SVG.
    """
    parser = _PlainTextParser()
    parser.feed(html)
    parser.close()
    # One block per paragraph keeps block boundaries visible to
    # split_sentences even where the punctuation is unusual.
    return "\n\n".join(parser.blocks)


@dataclass(frozen=True)
class Readability:
    """Counts and reading-level scores for a piece of prose.

    Grades are US school grades: 8.0 means a reader in 8th grade should
    follow the text. ``hardest`` holds up to five sentences (of four words or
    more, where there are any) with the highest Flesch-Kincaid grade of
    their own, hardest first, each with that grade, for an editor to fix.
    """

    words: int
    sentences: int
    syllables: int
    polysyllables: int
    letters: int
    flesch_kincaid_grade: float
    smog: float
    coleman_liau: float
    hardest: tuple[tuple[str, float], ...]


# Shortest sentence ranked among the hardest (see measure()).
_HARDEST_MIN_WORDS = 4


def _flesch_kincaid(words: int, sentences: int, syllables: int) -> float:
    """Flesch-Kincaid grade level (Kincaid et al., 1975)."""
    return 0.39 * (words / sentences) + 11.8 * (syllables / words) - 15.59


def measure(text: str) -> Readability:
    """Measure the readability of plain ``text``.

    Uses the standard formulas: Flesch-Kincaid grade
    ``0.39*(words/sentences) + 11.8*(syllables/words) - 15.59``, SMOG
    ``1.0430*sqrt(polysyllables*30/sentences) + 3.1291`` and Coleman-Liau
    ``0.0588*L - 0.296*S - 15.8`` (L letters and S sentences per 100 words).
    Sentences without words are ignored. Empty text gives all zeros.
    ``hardest`` ranks sentences of four words or more, unless there are none.
    """
    total_words = total_sentences = total_syllables = polysyllables = letters = 0
    per_sentence: list[tuple[str, float]] = []
    for sentence in split_sentences(text):
        words = _words(sentence)
        if not words:
            continue
        syllables = [count_syllables(w) for w in words]
        total_sentences += 1
        total_words += len(words)
        total_syllables += sum(syllables)
        polysyllables += sum(1 for s in syllables if s >= 3)
        letters += sum(1 for w in words for ch in w if ch.isalnum())
        per_sentence.append((sentence, _flesch_kincaid(len(words), 1, sum(syllables))))
    if total_words == 0:
        return Readability(0, 0, 0, 0, 0, 0.0, 0.0, 0.0, ())
    letters_per_100 = letters / total_words * 100
    sentences_per_100 = total_sentences / total_words * 100
    # One- to three-word fragments (table cells, list items such as
    # "Dissociation.") score high on their own but are not what an editor
    # can shorten, so they are ranked only when there is nothing longer.
    candidates = [item for item in per_sentence if len(_words(item[0])) >= _HARDEST_MIN_WORDS] or per_sentence
    # Stable sort keeps text order among equally hard sentences.
    hardest = tuple(sorted(candidates, key=lambda item: item[1], reverse=True)[:5])
    return Readability(
        words=total_words,
        sentences=total_sentences,
        syllables=total_syllables,
        polysyllables=polysyllables,
        letters=letters,
        flesch_kincaid_grade=_flesch_kincaid(total_words, total_sentences, total_syllables),
        smog=1.0430 * math.sqrt(polysyllables * 30 / total_sentences) + 3.1291,
        coleman_liau=0.0588 * letters_per_100 - 0.296 * sentences_per_100 - 15.8,
        hardest=hardest,
    )


# ---- Other languages ------------------------------------------------------------------------------------------
#
# A formula is made for one language: Flesch-Kincaid's weights come from English texts and English syllables.
# Spanish has its own (below); a language with none is measured by its sentence lengths only, never given a
# grade borrowed from another language (`formula_for`).

# Spanish syllables: pyphen's `es` hyphenation dictionary with breaks allowed next to the ends of words (the
# dictionary's defaults, 2 letters, hide "a-cués-te-se"), and the spelling rule beside it, as for English:
# hyphenation leaves hiatus unbroken ("dí-a", "le-er", "po-e-ta"), which the vowel rule counts.
_SPANISH_VOWELS = re.compile(r"[aeiouáéíóúü]+")
# Two of these next to each other are two syllables (hiatus: "rí-o", "a-é-re-o", "re-ír"); a weak vowel (i, u
# without an accent) next to any vowel makes one (diphthong: "cuan-do", "ciu-dad", "Pa-ra-guay").
_STRONG_VOWELS = frozenset("aeoáéóíú")
_SPANISH_PART = re.compile(r"[^\W\d_]+|[0-9]+")


@lru_cache(maxsize=8192)
def _spanish_rule_syllables(word: str) -> int:
    """Syllables of a lower-case Spanish word by the vowel rule: one per vowel group, one more per pair of
    strong vowels in it; the u of "que", "qui", "gue", "gui" is silent, a final y after a vowel is a vowel."""
    word = re.sub(r"(?<=[qg])u(?=[eéií])", "", word)
    word = re.sub(r"(?<=[aeiouáéíóú])y(?![aeiouáéíóú])", "i", word)
    count = 0
    for group in _SPANISH_VOWELS.findall(word):
        count += 1 + sum(1 for a, b in zip(group, group[1:]) if a in _STRONG_VOWELS and b in _STRONG_VOWELS)
    return max(1, count)


def spanish_syllables(word: str) -> int:
    """The syllables of a Spanish word (at least 1): pyphen's `es` breaks or the vowel rule, whichever finds
    more; numbers and abbreviations in capitals count 1 to 3, as in English."""
    parts = _SPANISH_PART.findall(word.strip())
    if not parts:
        return 1 if word.strip() else 0
    total = 0
    for part in parts:
        if part.isdigit() or (part.isupper() and len(part) >= 2):
            total += min(len(part), 3)
            continue
        letters = part.lower()
        total += max(len(hyphenator("es", 1, 1).positions(letters)) + 1, _spanish_rule_syllables(letters))
    return max(1, total)


def szigriszt_pazos(words: int, sentences: int, syllables: int) -> float:
    """Szigriszt-Pazos perspicuity (Szigriszt Pazos F., Sistemas predictivos de legibilidad del mensaje
    escrito: fórmula de perspicuidad, thesis, Universidad Complutense de Madrid, 1993), read on the INFLESZ
    scale (Barrio-Cantalejo I. M. et al., Validación de la Escala INFLESZ para evaluar la legibilidad de los
    textos dirigidos a pacientes, An. Sist. Sanit. Navar. 2008; 31(2): 135-152):
    206.835 - 62.3 * syllables/words - words/sentences."""
    return 206.835 - 62.3 * (syllables / words) - words / sentences


def fernandez_huerta(words: int, sentences: int, syllables: int) -> float:
    """Fernández-Huerta reading ease (Fernández Huerta J., Medidas sencillas de lecturabilidad, Consigna 1959;
    214: 29-32), Flesch's reading ease for Spanish, in its usual corrected form: 206.84 - 0.60 * P - 1.02 * F,
    P syllables per 100 words, F words per sentence."""
    return 206.84 - 0.60 * (syllables / words * 100) - 1.02 * (words / sentences)


# The INFLESZ scale (Barrio-Cantalejo et al., 2008): the lowest score of each band, and its name.
INFLESZ_BANDS = ((80.0, "very easy"), (65.0, "fairly easy"), (55.0, "normal"), (40.0, "somewhat difficult"),
                 (float("-inf"), "very difficult"))


def inflesz_band(score: float) -> str:
    """The INFLESZ band of a Szigriszt-Pazos score: above 80 very easy, 65-80 fairly easy, 55-65 normal, 40-55
    somewhat difficult, below 40 very difficult."""
    return next(name for lowest, name in INFLESZ_BANDS if score > lowest or lowest == float("-inf"))


# The formulas adapt Flesch's method, which measures samples of 100 words: a shorter text gets its scores but
# too few words for them to decide anything.
SAMPLE_WORDS = 100


@dataclass(frozen=True)
class SpanishReadability:
    """Counts and scores of Spanish prose. ``hardest`` holds up to five sentences that lower the text's
    Szigriszt-Pazos score the most, most first, each with its own score and how much the text's score rises
    without it (only sentences whose removal raises it)."""

    words: int
    sentences: int
    syllables: int
    szigriszt_pazos: float
    fernandez_huerta: float
    hardest: tuple[tuple[str, float, float], ...]

    @property
    def inflesz(self) -> str:
        return inflesz_band(self.szigriszt_pazos)

    @property
    def sample(self) -> bool:
        """Whether the text is long enough for the scores to decide (SAMPLE_WORDS)."""
        return self.words >= SAMPLE_WORDS


def measure_spanish(text: str) -> SpanishReadability:
    """Measure Spanish plain ``text``: Szigriszt-Pazos (INFLESZ) and Fernández-Huerta over the whole text, and
    the sentences that pull its Szigriszt-Pazos score down the most. A sentence's own score says little (one
    short sentence of long words, "Acuéstese solamente cuando tenga sueño.", scores 27 alone), so a sentence
    is ranked by what it does to the text: the score without it minus the score with it."""
    counted = []
    for sentence in split_sentences(text):
        words = _words(sentence)
        if words:
            counted.append((sentence, len(words), sum(spanish_syllables(w) for w in words)))
    total_words = sum(c[1] for c in counted)
    if not total_words:
        return SpanishReadability(0, 0, 0, 0.0, 0.0, ())
    total_sentences, total_syllables = len(counted), sum(c[2] for c in counted)
    whole = szigriszt_pazos(total_words, total_sentences, total_syllables)
    effects = []
    for sentence, words, syllables in counted:
        if total_sentences > 1:
            without = szigriszt_pazos(total_words - words, total_sentences - 1, total_syllables - syllables)
            if without > whole:
                effects.append((sentence, szigriszt_pazos(words, 1, syllables), without - whole))
    hardest = tuple(sorted(effects, key=lambda item: item[2], reverse=True)[:5])
    return SpanishReadability(total_words, total_sentences, total_syllables, whole,
                              fernandez_huerta(total_words, total_sentences, total_syllables), hardest)


@dataclass(frozen=True)
class SentenceLengths:
    """What can be measured in any language: words, sentences, words per sentence, the longest sentences."""

    words: int
    sentences: int
    longest: tuple[tuple[str, int], ...]

    @property
    def average(self) -> float:
        return self.words / self.sentences if self.sentences else 0.0


def sentence_lengths(text: str, ends: str = LATIN_ENDS, counts: str = "words") -> SentenceLengths:
    """The sentences' lengths, split at `ends`; in words, or in characters for a script written without spaces
    between words (Chinese: each letter or digit counts)."""
    def length(sentence: str) -> int:
        return len(_words(sentence)) if counts == "words" else sum(c.isalnum() for c in sentence)

    counted = [(s, length(s)) for s in split_sentences(text, ends)]
    counted = [c for c in counted if c[1]]
    return SentenceLengths(sum(c[1] for c in counted), len(counted),
                           tuple(sorted(counted, key=lambda item: item[1], reverse=True)[:3]))




def formula_for(tag: str) -> str | None:
    """The name of the reading-level formula for a language tag, None when there is none for it."""
    return record(tag).formula
