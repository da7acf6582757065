"""Words and sentences of prose, in any language written in an alphabet: one policy for the checks and the
readability scores.

A word is letters (of any alphabet, accents included, precomposed or combining: "sueño", "Acuéstese") or
digits, possibly joined by an apostrophe, a hyphen, a slash or an inner full stop, so "0.5", "mg/kg", "U.S",
"week-long", "cognitivo-conductual" and "don't" each count as one word, as a reader sees them.

A sentence ends at ".", "!", "?" or "…" (with closing quotes, brackets or Markdown emphasis marks after it)
followed by white space and a capital letter or a digit (after opening quotes, brackets, marks, or Spanish
"¿" and "¡"). Full stops in abbreviations ("e.g.", "Dr.", "U.S.", "Sra.", "EE. UU."), initials ("J. Smith")
and decimals ("0.5") end no sentence.

Other scripts: a language's record (handout/language_record.py) gives the punctuation that ends its
sentences (`ends`): Arabic's question mark "؟" beside ".", "!" and "?"; a letter of a script without capitals
(Arabic, Chinese) may start a sentence; Chinese full-width "。", "！" and "？" end one with no space after them.

This module imports nothing from the rest of the ``handout`` package.
"""
from __future__ import annotations

import re

__all__ = ["ABBREVIATIONS", "WORD", "is_abbreviation", "sentence_spans", "split_sentences", "words"]

# A letter or a digit of any script (not "_"), or a combining accent (a decomposed "é" is "e" and U+0301).
_ALNUM = r"(?:[^\W_]|[\u0300-\u036f])"
WORD = re.compile(rf"{_ALNUM}+(?:['’./\-]{_ALNUM}+)*")

# Abbreviations whose full stop does not end a sentence. Compared in lower case, without the final full stop.
ABBREVIATIONS = frozenset(
    """
    e.g i.e a.m p.m u.s u.k al dr mr mrs ms prof st vs approx fig no vol
    ca cf inc ltd jr sr dept est
    sra srta dra ud uds ee uu núm pág
    """.split()
)

# The punctuation that ends a sentence in the Latin alphabet; full-width punctuation that ends one without a
# space after it.
LATIN_ENDS = ".!?…"
FULL_WIDTH_ENDS = "。！？"
# A candidate sentence end: terminal punctuation, optional closing quotes, brackets or emphasis marks, then
# white space. Decimals ("0.5") and "mg/kg" have no white space after their full stop, so they never match.
_SENTENCE_END = re.compile(r"([.!?…]+)([\"'”’»)\]*_]*)(\s+)")
# What may start a new sentence: a capital (of any alphabet) or a digit, after opening punctuation or marks.
_SENTENCE_START = re.compile(r"[\"'“‘«(\[*_¿¡「『（]*(\w)")


def _end_pattern(ends: str) -> re.Pattern:
    if ends == LATIN_ENDS:
        return _SENTENCE_END
    return _end_patterns(ends)


def _end_patterns(ends: str, _cache: dict = {}) -> re.Pattern:
    if ends not in _cache:
        _cache[ends] = re.compile(rf"([{re.escape(ends)}]+)([\"'”’»)\]*_」』）]*)(\s*)")
    return _cache[ends]


def _starts_sentence(rest: str) -> bool:
    """Whether text starts as a sentence does: a capital letter or a digit, after opening punctuation; or a
    letter of a script that has no capitals (Arabic, Chinese)."""
    match = _SENTENCE_START.match(rest)
    if not match:
        return False
    first = match.group(1)
    return first.isupper() or first in "0123456789" or (first.isalpha() and first.lower() == first.upper()
                                                         and not first.isascii())


def words(text: str) -> list[str]:
    """The words of ``text``, stripped of surrounding punctuation."""
    return WORD.findall(text)


def is_abbreviation(before: str) -> bool:
    """Whether the text before a full stop ends in an abbreviation or an initial."""
    token = re.search(r"(\S+)$", before)
    if not token:
        return False
    word = token.group(1).lstrip("\"'“‘([*_").lower()
    if word in ABBREVIATIONS:
        return True
    # Single initials ("J. Smith") and dotted letter runs ("U.S", "e.g").
    return bool(re.fullmatch(r"(?:[a-z]\.)*[a-z]", word)) and len(word.replace(".", "")) <= 3 and (
        len(word) == 1 or "." in word
    )


def sentence_spans(text: str, ends: str = LATIN_ENDS) -> list[tuple[int, int]]:
    """(start, end) of each sentence of one paragraph of ``text``: from its first character to just after its
    closing punctuation (the white space between sentences belongs to none). A citation or other text that
    does not start with a capital or a digit stays with the sentence before it. `ends`: the punctuation that
    ends a sentence in the text's language."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _end_pattern(ends).finditer(text):
        rest = text[match.end():]
        if not match.group(3) and (not rest or not any(c in FULL_WIDTH_ENDS for c in match.group(1))):
            continue  # no space after it: only full-width punctuation ends a sentence there
        if rest and not _starts_sentence(rest):
            continue
        if match.group(1) == "." and is_abbreviation(text[start:match.start(1)]):
            continue
        spans.append((start, match.end(2)))
        start = match.end()
    spans.append((start, len(text)))
    return spans


def split_sentences(text: str, ends: str = LATIN_ENDS) -> list[str]:
    """The sentences of ``text``, white space inside each collapsed; a blank line also ends a sentence
    (headings, list items written as fragments). Empty pieces are dropped. `ends`: as for sentence_spans."""
    sentences = []
    for paragraph in re.split(r"\n\s*\n", text):
        sentences.extend(paragraph[start:end] for start, end in sentence_spans(paragraph, ends))
    return [s for s in (" ".join(s.split()) for s in sentences) if s]
