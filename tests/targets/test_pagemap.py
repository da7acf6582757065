"""The EPUB's page markers (handout/targets/pdf/pagemap.py) around figures: a printed page that opens with a
figure's picture is marked before the figure, whether the picture is an image or a drawing inline (an icon
array, whose words are the drawing's text and then its caption's)."""
from __future__ import annotations

import re

import pytest

from handout.targets.pdf.pagemap import FIGURE_FIRST, mark_pages

PICTURES = {
    "image": '<img src="a.png" alt="Three boxes"/>',
    "drawing": '<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 10 10" aria-labelledby="t">'
               '<title id="t">59 of 100 people got better</title><text x="0" y="5">With esketamine</text></svg>',
}


@pytest.mark.parametrize("picture", sorted(PICTURES))
def test_a_page_that_opens_with_a_figure_is_marked_before_the_figure(picture):
    page = ('<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops"><head><title>t'
            '</title></head><body><p>Uno dos tres cuatro.</p>'
            f'<figure>{PICTURES[picture]}<figcaption>How many people got better</figcaption></figure>'
            '<p>Cinco seis.</p></body></html>').encode()
    # Printed: page 2 opens with the picture; its first words of text are the caption's.
    contents, holders = mark_pages([page], [["Uno", "dos"], [FIGURE_FIRST, "How", "many", "people"]])
    marked = re.sub(r'<span[^>]*id="page-(\d+)"[^>]*/>', r"|\1|", contents[0].decode())
    assert "</p>|2|<figure>" in marked, marked
    assert "<figcaption>How many" in marked and holders == [0, 0]
