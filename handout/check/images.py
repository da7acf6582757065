"""images: figures have a caption and alt text that describes them. (Missing files and missing alt text stop
the book from loading; the loader reports each one: `images.missing`, `images.no-alt`.)"""
from __future__ import annotations

import re

from handout.check.findings import Finding
from handout.check.registry import rule
from handout.check.source import chapter_path, source_line

_FILE_NAME_ALT = re.compile(r"^[\w .-]+\.(?:png|jpe?g|gif|svg|webp|tiff?)$|^(?:image|picture|figure|photo|"
                            r"graphic|img)\s*\d*$", re.I)


@rule("images", levels=("warning", "error"), doc="""a figure without a caption, alt text that is a file name or
      just "image" (warning); each image that does not exist or has no alt text (error; the build stops at
      it)""")
def check_images(book, today) -> list[Finding]:
    found = []
    for chapter in book.chapters:
        path = chapter_path(chapter, book)
        for image in chapter.images:
            line = source_line(chapter, image.src.rsplit("/", 1)[-1]) if not image.src.startswith("data:") \
                else source_line(chapter, "](data:")
            if not image.caption:
                found.append(Finding("images", "warning", path, line, f"image '{_short(image.src)}' has no caption",
                                     'add one as the image title: ![alt text](path "What the picture shows.")',
                                     code="images.no-caption"))
            if _FILE_NAME_ALT.match(image.alt.strip()):
                found.append(Finding("images", "warning", path, line,
                                     f"image '{_short(image.src)}' has alt text '{image.alt}' that does not say "
                                     "what it shows", "describe the picture for someone who cannot see it",
                                     code="images.file-name-alt"))
    return found


def _short(src: str) -> str:
    return src if len(src) <= 60 else src[:57] + "..."
