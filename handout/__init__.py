"""handout: Markdown chapters -> a print-ready PDF and an EPUB 3 patient handout."""

__version__ = "0.1.0"
