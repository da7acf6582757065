"""jargon: terms of the jargon list (which the Book carries: `Book.jargon`) must be defined where first used
or have a glossary entry; glossary entries no chapter uses."""
from __future__ import annotations

import re

from handout.check.findings import Finding
from handout.check.registry import rule
from handout.check.source import chapter_path, prose, sentences, units
from handout.config.settings import CONFIG_NAME
from handout.core.language_record import primary_language  # "es" for "es-US", as the language record says it
from handout.core.text import WORD

# The languages whose definitions the rule knows (primary subtags).
DEFINITION_LANGUAGES = ("en", "es")


def not_applied(name: str, language: str, book, what: str) -> Finding:
    """The one finding of a rule whose heuristics are not written for the book's language."""
    return Finding(name, "info", CONFIG_NAME, book.source.config_line("language") or 0,
                   f"{name} is not checked for {language}: the rule knows {what} in English and Spanish only",
                   "have a reader of the language check it", code=f"{name}.not-applied")


def term_regex(term: str) -> str:
    """A term as a whole word or phrase, plural or possessive allowed, for a pattern compiled with re.I:
    an all-capital abbreviation (NMDA, REMS) keeps its case."""
    body = r"[\s*_]+".join(re.escape(w) for w in term.split())
    if re.fullmatch(r"[A-Z0-9-]+", term) and re.search(r"[A-Z]", term):
        body = f"(?-i:{body})"
    return rf"(?<![\w-]){body}(?:e?s|['’]s)?(?![\w-])"


def term_pattern(term: str) -> re.Pattern:
    return re.compile(term_regex(term), re.I)


def glossary_names(term: str) -> list[str]:
    """The names a glossary entry covers: 'ECT (electroconvulsive therapy)' covers ECT and
    electroconvulsive therapy; 'SSRI and SNRI' (in Spanish 'ISRS e IRSN') covers SSRI and SNRI."""
    names = [term]
    outside = re.sub(r"\s*\([^)]*\)", "", term).strip()
    inside = re.findall(r"\(([^)]*)\)", term)
    for name in [outside, *inside]:
        names.append(name)
        names.extend(part.strip() for part in re.split(r"\s+(?:and|or|y|e|o|u)\s+|\s*[,/]\s*", name))
    return [n for n in dict.fromkeys(n.strip() for n in names) if n]


_MARK = r"[*_\"“”’]*"
# How a sentence defines a term X; {t} is the term. A form with a test has its text checked (see `defines`).
_DEFINING = (
    ("parenthesis", r"{t}{m}\s*\(([^()]*)\)?"),                          # X (what it is)
    ("", r"\(\s*{m}{t}{m}\s*\)"),                                        # what it is (X)
    ("is", r"{t}{m},?\s+(?:is|are|means|mean|refers to|stands for)\b(.*)"),  # X is ..., X means ...
    ("", r"\b(?:called|known as|named)\s+(?:an?\s+|the\s+)?(?:[\w-]+\s+){{0,2}}{m}{t}"),  # called (the NMDA) X
    ("", r"{t}{m}\s*[:\u2013\u2014]\s"),                                 # X: what it is
    ("", r"{t}{m},\s+(?:an?|the)\s+\w"),                                 # X, a thing that ...
)
# The same in Spanish: "X es ...", "X significa ...", "llamado X", "se llama X", "X, una ...".
_DEFINING_ES = (
    ("parenthesis", r"{t}{m}\s*\(([^()]*)\)?"),
    ("", r"\(\s*{m}{t}{m}\s*\)"),
    ("is", r"{t}{m},?\s+(?:es|son|significa|significan|quiere\s+decir|quieren\s+decir|se\s+refiere\s+a|"
           r"se\s+refieren\s+a)\b(.*)"),
    ("", r"\b(?:llamad[oa]s?|conocid[oa]s?\s+como|denominad[oa]s?|se\s+llaman?|se\s+conocen?\s+como)\s+"
         r"(?:(?:un|una|el|la|los|las)\s+)?(?:[\w-]+\s+){{0,2}}{m}{t}"),
    ("", r"{t}{m}\s*[:\u2013\u2014]\s"),
    ("", r"{t}{m},\s+(?:un|una|el|la|los|las)\s+\w"),
)
# "... a long word", "... a hard term doctors use": about the word itself, not what it means.
_ABOUT_THE_WORD = re.compile(
    r"^[\s*_\"“]*(?:(?:an?|the|just|only|one|another|very|really|quite|rather|so|too)\s+)*(?:[\w-]+\s+){0,2}?"
    r"(?:word|term|name|phrase|expression|abbreviation|acronym|label)s?\b(?!\s+(?:for|of|that\s+means|"
    r"which\s+means|meaning|describing|that\s+describes|used\s+for|to\s+describe)\b)", re.I)


_ABOUT_THE_WORD_ES = re.compile(
    r"^[\s*_\"“]*(?:(?:un|una|el|la|solo|sólo|otra|otro|muy|bastante)\s+)*(?:[\w-]+\s+){0,2}?"
    r"(?:palabra|término|nombre|frase|expresión|sigla|abreviatura|acrónimo)s?\b(?!\s+(?:para|de|que\s+significa|"
    r"que\s+quiere\s+decir|que\s+describe)\b)", re.I)


def _abbreviation(term: str) -> bool:
    return bool(re.fullmatch(r"[A-Z0-9-]+", term) and re.search(r"[A-Z]", term))


def expands(short: str, long: str) -> bool:
    """Whether `long` spells out the abbreviation `short`: its letters in order, the first one starting a
    word ("IV" in "intravenous", "NMDA" in "N-methyl-D-aspartate", "CBT" in "cognitive behavioral therapy")."""
    letters, text = [c for c in short.lower() if c.isalnum()], long.lower().strip()
    at = len(text) - 1
    for index in range(len(letters) - 1, -1, -1):
        while at >= 0 and (text[at] != letters[index] or (index == 0 and at > 0 and text[at - 1].isalnum())):
            at -= 1
        if at < 0:
            return False
        at -= 1
    return bool(letters)


def _explains(written: str, term: str) -> bool:
    """What a parenthesis or "stands for" gives is an explanation: two words or more, or the abbreviation's
    expansion."""
    words = WORD.findall(prose(written))
    return len(words) >= 2 or (len(words) == 1 and _abbreviation(term) and expands(term, words[0]))


def defines(sentence: str, term: str, language: str = "en") -> bool:
    """Whether a sentence defines a term it uses ("X is ...", "called X", "X (...)", "(X)", "X: ..."; in Spanish
    "X es ...", "llamado X", "se llama X"): "X (...)" only with an explanation in it (`_explains`), "X is ..."
    only when not about the word itself ("X is a long word", "X es una palabra difícil")."""
    t = term_regex(term)
    spanish = language == "es"
    for test, pattern in _DEFINING_ES if spanish else _DEFINING:
        for match in re.finditer(pattern.format(t=t, m=_MARK), sentence, re.I):
            if test == "parenthesis" and not _explains(match.group(1) or "", term):
                continue
            if test == "is" and (_ABOUT_THE_WORD_ES if spanish else _ABOUT_THE_WORD).match(match.group(1)):
                continue
            return True
    return False


# A sentence right after the first use that explains it: "That means ...", "This is a ...", "It stands for ...".
_FOLLOWING_DEFINITION = re.compile(r"^[*_\"“]*(?:That|This|It)\s+(?P<opener>means|is short for|stands for|is an?)"
                                   r"\b(?P<rest>.*)", re.S)


# In Spanish: "Eso quiere decir ...", "Esto significa ...", "Es un ...", "Es la sigla de ...".
_FOLLOWING_DEFINITION_ES = re.compile(
    r"^[*_\"“¿¡]*(?:(?:Eso|Esto|Es[oa]s?\s+\w+)\s+)?(?P<opener>significa|quiere\s+decir|es\s+una?|son\s+un[oa]s|"
    r"es\s+la\s+sigla\s+de|son\s+las\s+siglas\s+de|es\s+la\s+abreviatura\s+de)\b(?P<rest>.*)", re.S | re.I)
_STANDS_FOR = {"is short for", "stands for", "es la sigla de", "son las siglas de", "es la abreviatura de"}


def follows_with_definition(sentence: str, term: str, language: str = "en") -> bool:
    """Whether a sentence right after a term's first use explains it: "That means", "This is a", "It is a"
    (in Spanish "Eso quiere decir", "Esto significa", "Es un") with at least 4 words after the opener that are
    not about the word itself ("It is a long word doctors use"); "It stands for" or "It is short for" ("Es la
    sigla de") with an explanation (`_explains`)."""
    spanish = language == "es"
    match = (_FOLLOWING_DEFINITION_ES if spanish else _FOLLOWING_DEFINITION).match(sentence)
    if not match:
        return False
    if " ".join(match["opener"].lower().split()) in _STANDS_FOR:
        return _explains(match["rest"], term)
    about = _ABOUT_THE_WORD_ES if spanish else _ABOUT_THE_WORD
    return len(WORD.findall(match["rest"])) >= 4 and not about.match(match["rest"])


@rule("jargon", levels=("warning", "info"), settings=("jargon_file",), doc="""a term on the jargon list used in a
      chapter without a definition where it is first used and without a glossary entry; a glossary entry no
      chapter uses. Definitions are recognized in English and Spanish; in another language the rule says once
      that it does not apply (info)""")
def check_jargon(book, today) -> list[Finding]:
    """Each jargon term a chapter uses must be defined where it is first used in the book, or have a
    glossary entry; each glossary entry must be used by some chapter."""
    language = primary_language(book.config.language)
    if language not in DEFINITION_LANGUAGES:
        return [not_applied("jargon", language, book, "how a sentence defines a term")]
    terms, list_path = book.jargon, book.jargon_list
    found = []
    glossary = [(chapter, term) for chapter in book.chapters if chapter.role == "glossary"
                for term, _ in chapter.glossary_terms]
    covered = [name for _, term in glossary for name in glossary_names(term)]
    text_chapters = [chapter for chapter in book.chapters if chapter.role != "glossary"]
    # The chapters' sentences in reading order, with lines, once.
    reading = [(chapter, line, prose(text)) for chapter in text_chapters for unit in units(chapter)
               if unit.kind != "title" for line, text in sentences(unit)]
    if list_path is None:
        found.append(Finding("jargon", "info", CONFIG_NAME, book.source.config_line("check.jargon_file") or 0,
                             f"no jargon list at {_default_jargon_file()}: jargon is not checked",
                             "list the medical terms your handouts use there, one per line", code="jargon.no-list"))
    for term in terms:
        pattern = term_pattern(term)
        if any(pattern.search(name) for name in covered):
            continue
        for index, (chapter, line, sentence_text) in enumerate(reading):
            if not pattern.search(sentence_text):
                continue
            following = reading[index + 1][2] if index + 1 < len(reading) and reading[index + 1][0] is chapter \
                else ""
            defined = defines(sentence_text, term, language) or (bool(following) and (
                defines(following, term, language) or follows_with_definition(following, term, language)))
            if not defined:
                found.append(Finding(
                    "jargon", "warning", chapter_path(chapter, book), line,
                    f"'{term}' is a medical term (from {list_path}) used here without a definition and with no "
                    "glossary entry",
                    f"say what it means where it is first used (\u201c{term} is ...\u201d, \u201c... called "
                    f"{term}\u201d or \u201c{term} (...)\u201d), or add it to the glossary", code="jargon.undefined"))
            break
    used_text = "\n".join(prose(chapter.body) for chapter in text_chapters)
    for chapter, term in glossary:
        if not any(term_pattern(name).search(used_text) for name in glossary_names(term)):
            found.append(Finding("jargon", "warning", chapter_path(chapter, book), _glossary_line(chapter, term),
                                 f"glossary entry '{term}' is not used in any chapter",
                                 "remove the entry, or use the term where it helps the reader",
                                 code="jargon.unused-entry"))
    return found


def _glossary_line(chapter, term: str) -> int:
    for offset, raw in enumerate(chapter.body.split("\n")):
        if prose(raw).strip() == term.strip() or raw.strip().startswith(term):
            return chapter.body_line + offset
    return chapter.body_line


def _default_jargon_file() -> str:
    from handout.load.book import DEFAULT_JARGON_FILE  # not at import: a build with nothing to do never loads the book

    return DEFAULT_JARGON_FILE
