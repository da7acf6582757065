"""What the toolchain knows about a language, in one record: its script, its direction, the font families that
draw it, its quotation marks, the punctuation that ends its sentences, whether it hyphenates, how it counts
the length of a sentence, its reading-level formula (or none) and whether its words may be drawn as an SVG's
text (not where WeasyPrint would draw them unjoined or in the wrong order).

Layouts, stylesheets, checks and writers read `record(tag)` and never ask which language a tag names. A
language the table does not know is written in the Latin alphabet, left to right, measured by sentence length
only. Directions come from Babel's locale data (`Locale.character_order`), hyphenation from pyphen's
dictionaries.

This module imports only handout/core/text.py (and handout/core/script_fonts.py to choose a Latin family).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from handout.core.script_fonts import covers
from handout.core.text import FULL_WIDTH_ENDS, LATIN_ENDS  # what ends a sentence with a space after it, and without

# The Latin families, in order of preference: the first that has every letter of a language is its font.
LATIN_FAMILIES = ("Atkinson Hyperlegible", "Noto Sans")
# Not Noto Sans Arabic: it draws letters as a dotless skeleton shared by several letters plus separate dots, and
# WeasyPrint 70 maps each glyph to one text, so the PDF's text came out with the wrong letters.
ARABIC_FAMILY = "IBM Plex Sans Arabic"
CJK_SC_FAMILY = "Noto Sans CJK SC"



@dataclass(frozen=True)
class Script:
    code: str              # ISO 15924
    ends: str              # sentence-ending punctuation
    counts: str            # "words", or "characters" where words are not separated by spaces
    italic: bool           # whether emphasis may be set in italic
    letters: str = ""      # letters a font must have to draw the language (beyond basic Latin)
    # Whether WeasyPrint 70 draws the script right as an SVG's text: it sets SVG text glyph by glyph, left to
    # right, without shaping, so a script whose letters join or that runs right to left (Arabic) comes out as
    # unjoined letters in the wrong order. Where it does not, a figure's words are text of the page instead.
    svg_text: bool = True


SCRIPTS = {
    "Latn": Script("Latn", LATIN_ENDS, "words", True),
    "Arab": Script("Arab", LATIN_ENDS + "؟", "words", False, svg_text=False),
    "Hans": Script("Hans", FULL_WIDTH_ENDS + LATIN_ENDS, "characters", False),
}

# Per primary language: its script, its quotation marks, the letters beyond basic Latin a font must draw.
LANGUAGES = {
    "en": ("Latn", "“”", ""),
    "es": ("Latn", "«»", "áéíóúüñÁÉÍÓÚÜÑ¿¡"),
    "vi": ("Latn", "“”", "ăâđêôơưĂÂĐÊÔƠƯạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ"),
    "ar": ("Arab", "«»", ""),
    "zh": ("Hans", "“”", ""),
}

# The languages with a reading-level formula validated for them (handout/readability.py measures them).
FORMULAS = {"en": "Flesch-Kincaid", "es": "Szigriszt-Pazos (INFLESZ)"}


@dataclass(frozen=True)
class Language:
    tag: str                 # as publish.toml gives it: "es-US", "zh-Hans"
    primary: str             # "es"
    script: str              # "Latn", "Arab", "Hans"
    direction: str           # "ltr" or "rtl"
    fonts: tuple[str, ...]   # the families that draw it, the first for its own letters
    quotes: str              # opening and closing quotation marks
    sentence_ends: str       # punctuation that ends a sentence
    counts: str              # "words" or "characters": how a sentence's length is measured
    italic: bool             # whether emphasis may be italic (not in Arabic or Chinese)
    hyphenation: bool        # whether a hyphenation dictionary exists (pyphen)
    formula: str | None      # its reading-level formula, None when none is validated for it
    svg_text: bool = True    # whether its words may be an SVG's text (Script.svg_text): not in Arabic

    @property
    def rtl(self) -> bool:
        return self.direction == "rtl"

    @property
    def figure_fonts(self) -> str:
        """The font-family an SVG's text names (a figure's labels, the EPUB's cover): its families, then any
        sans-serif (which the font-coverage check makes sure is never reached)."""
        return ", ".join((*self.fonts, "sans-serif"))


def primary_language(tag: str) -> str:
    """The primary subtag of a BCP 47 tag, in lower case: "es" for "es-US"."""
    return tag.split("-", 1)[0].strip().lower()


def _direction(tag: str) -> str:
    try:
        from babel import Locale

        order = Locale.parse(tag.replace("-", "_")).character_order
    except Exception:  # a tag Babel does not know: written left to right
        return "ltr"
    return "rtl" if order == "right-to-left" else "ltr"


def _hyphenation(tag: str, script: str) -> bool:
    if script == "Hans":
        return False
    import pyphen

    return pyphen.language_fallback(tag.replace("-", "_")) is not None


@lru_cache(maxsize=None)
def record(tag: str) -> Language:
    """The record of a language tag."""
    primary = primary_language(tag)
    script_code, quotes, letters = LANGUAGES.get(primary, ("Latn", "“”", ""))
    script = SCRIPTS[script_code]
    latin = latin_family(letters)
    fonts = {"Latn": (latin,), "Arab": (ARABIC_FAMILY, latin), "Hans": (CJK_SC_FAMILY,)}[script_code]
    return Language(tag, primary, script_code, _direction(tag), fonts, quotes, script.ends, script.counts,
                    script.italic, _hyphenation(tag, script_code), FORMULAS.get(primary), script.svg_text)


def latin_family(letters: str) -> str:
    """The first Latin family that has every one of `letters` (Atkinson Hyperlegible has no Vietnamese)."""
    if not letters:
        return LATIN_FAMILIES[0]
    return next((family for family in LATIN_FAMILIES if covers(family, letters)), LATIN_FAMILIES[-1])
