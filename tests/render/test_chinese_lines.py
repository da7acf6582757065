"""Chinese lines break between any two characters: a citation's number stays on the line of the character it
follows (handout/render/script_style.py `keep_citations`), so no line starts with "³。"."""
from __future__ import annotations

import io

import pytest

CITED = '但一剂的效果常在几天到一周内消退<sup class="cite"><a href="#s3">3</a></sup>。在一项研究中'
BEFORE = "对一些人来说，静脉注射氯胺酮在几小时内就有帮助，艾司氯胺酮大约在第一剂后一天起作用。"


def test_a_citation_is_held_with_the_character_before_it():
    from handout.render.script_style import keep_citations

    held = keep_citations(f"<p>{CITED}</p>" + '<p class="source-line">资料来源： <sup class="cite">1</sup></p>')
    assert '消<span class="cite-hold">退<sup class="cite"><a href="#s3">3</a></sup></span>。' in held
    assert '资料来源： <sup class="cite">1</sup>' in held  # after a space: nothing to hold
    assert keep_citations('<p>x &amp;<sup class="cite">1</sup></p>') == '<p>x &amp;<sup class="cite">1</sup></p>'


def test_the_chinese_rules_keep_a_held_citation_from_breaking():
    from handout.core.language_record import record
    from handout.render.script_style import language_rules

    assert ".cite-hold { white-space: nowrap; }" in language_rules(record("zh-Hans"), paged=True)
    assert ".cite-hold" not in language_rules(record("vi"), paged=True)


@pytest.mark.slow
def test_no_chinese_line_starts_with_a_citation_wherever_the_paragraph_breaks():
    """Laid out with WeasyPrint at every offset of the line: the citation's number and the full stop after it
    are on the line of the character before them (without the hold, offsets 7 and 8 put them on the next)."""
    import pdfplumber
    import weasyprint

    from handout.core.language_record import record
    from handout.core.script_fonts import faces, font_face_css
    from handout.render.script_style import keep_citations, language_rules

    chinese = record("zh-Hans")
    style = (font_face_css(faces(chinese.fonts, "字3" + BEFORE + CITED), lambda path: path.as_uri())
             + language_rules(chinese, paged=True)
             + "@page { size: 300pt 400pt; margin: 10pt } html { font-size: 12pt } "
               "sup.cite { font-size: 0.7em; vertical-align: super; white-space: nowrap; }")
    for offset in range(24):
        body = keep_citations(f"<p>{'字' * offset}{BEFORE}{CITED}</p>")
        html = f"<html lang='zh-Hans'><style>{style}</style><body>{body}</body></html>"
        with pdfplumber.open(io.BytesIO(weasyprint.HTML(string=html).write_pdf())) as pdf:
            chars = pdf.pages[0].chars
        before = next(c for c in chars if c["text"] == "退")
        number = next(c for c in chars if c["text"] == "3")
        stop = next(c for c in chars[chars.index(before):] if c["text"] == "。")
        assert number["x0"] > before["x0"] and abs(stop["top"] - before["top"]) < 3, offset
