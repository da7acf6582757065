"""The EPUB target: one EPUB 3 per clinic, with a page list mapping the first edition's printed pages.

render.py (Book -> XHTML pages), images.py (the cover, the QR code, inline figures), writer.py (ebooklib, the
accessibility metadata, byte-identical packing) and its job."""
from handout.targets.base import Target, register

EPUB = register(Target(
    "epub", "EPUB", "epub", ("epub/cover.svg", "epub/cover.xhtml", "epub/title.xhtml", "epub/nav.xhtml",
                             "epub/chapter.xhtml", "epub/back.xhtml"),
    ("assets/css/fonts.css", "assets/css/base.css", "assets/css/epub.css"), ".epub",
    per_edition=False, own_inputs=("assets/css/epub.css", "layouts/epub/"), capabilities={"paged": False},
    page_list=True, unit="documents", help="skip the EPUB", job="handout.targets.epub.writer:epub_job",
    summary="EPUB 3, with a page list mapping the first edition's printed pages"))
