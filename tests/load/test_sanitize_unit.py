"""The raw-HTML sanitizer in process: the documented safe subset passes, anything nh3 would remove is refused
naming what it was and the text to find its line by; raw HTML may carry no style and link only to the web,
email, a phone number or an #anchor."""
from __future__ import annotations

import pytest

from handout.load.sanitize import RAW_SAFE_TAGS, describe_allowed, refused_markup, refused_raw_html
from handout.core.weburl import raw_link_allowed


@pytest.mark.parametrize("html", [
    "<p>plain <strong>text</strong> and <em>more</em></p>",
    '<p><abbr title="intravenous">IV</abbr> <kbd>Ctrl</kbd> <mark>note</mark> H<sub>2</sub>O x<sup>2</sup></p>',
    '<table><thead><tr><th scope="col" style="text-align: left;">a</th></tr></thead>'
    '<tbody><tr><td style="text-align:center">b</td></tr></tbody></table>',
    '<p><a href="https://example.org/a?b=c">web</a> <a href="mailto:a@example.org">mail</a> '
    '<a href="tel:+15550100">phone</a> <a href="#ch--x">here</a></p>',
    '<p><img src="assets/a.png" alt="a figure"/> <img src="data:image/png;base64,iVBORw0KGgo=" alt="x"/></p>',
    '<p><span class="x" lang="fr" aria-hidden="true">oui</span></p>',
    '<ol start="3"><li>third</li></ol>',
])
def test_the_safe_subset_passes(html):
    assert refused_markup(html) is None


@pytest.mark.parametrize("html,what,needle", [
    ("<p><script>alert(1)</script></p>", "<script> element", "<script"),
    ("<p><iframe src='x'></iframe></p>", "<iframe> element", "<iframe"),
    ("<p><style>p{}</style></p>", "<style> element", "<style"),
    ('<p onclick="steal()">x</p>', 'attribute onclick="steal()" on <p>', "steal()"),
    ('<p><a href="javascript:alert(1)">x</a></p>', 'attribute href="javascript:alert(1)" on <a>', "javascript:alert(1)"),
    ('<table><tbody><tr><td style="background: url(x.png)">x</td></tr></tbody></table>', "attribute style=",
     "background: url(x.png)"),
    ('<p><a href="data:text/html,hi">x</a></p>', 'attribute href="data:text/html,hi" on <a>', "data:text/html,hi"),
    ('<p><img src="data:text/html;base64,PGI+" alt="x"/></p>', "attribute src=", "data:text/html;base64,PGI+"),
    ('<form action="x"><input/></form>', "<form> element", "<form"),
])
def test_anything_nh3_would_remove_is_refused_naming_it(html, what, needle):
    refused = refused_markup(html)
    assert refused is not None
    assert refused[0].startswith(what) and refused[1] == needle


def test_an_empty_attribute_is_found_by_its_name():
    assert refused_markup('<p><span onmouseover="">x</span></p>') == ('attribute onmouseover="" on <span>',
                                                                     "onmouseover")


def test_raw_html_may_carry_no_style_attribute():
    refused = refused_raw_html(['<span style="color: red">x</span>'])
    assert refused is not None
    assert refused[0].startswith('attribute style="color: red" on <span>: raw HTML may not carry style')
    assert refused[1] == '<span style="color: red">'


@pytest.mark.parametrize("href", ["02-steps.md#x", "/etc/passwd", "ftp://example.org/x", "https:nohost",
                                  "https://[bad", "file:///etc/passwd", "javascript:x()"])
def test_raw_html_links_go_only_to_the_web_mail_phone_or_an_anchor(href):
    refused = refused_raw_html(["<p>", f'<a href="{href}">x</a>'])
    assert refused is not None and refused[0].startswith(f'link href="{href}" on <a>')
    assert "link another chapter in Markdown: [text](02-steps.md#anchor)" in refused[0]
    assert not raw_link_allowed(href)


@pytest.mark.parametrize("href", ["https://example.org", "HTTP://example.org/x", "mailto:a@example.org",
                                  "tel:+1-555-0100", "#top", "  #padded  "])
def test_allowed_raw_links(href):
    assert raw_link_allowed(href)
    assert refused_raw_html([f'<a href="{href}">x</a>', None]) is None


def test_the_allowed_tags_are_described_in_order():
    assert describe_allowed() == ", ".join(f"<{tag}>" for tag in sorted(RAW_SAFE_TAGS))


def test_a_tree_rebuilt_around_a_refused_tag_neither_hides_refusals_nor_invents_them():
    """A <div> ends the paragraph it is in, so nh3's parser adds a <p>: the tags after it keep their pairs
    (nothing allowed is refused for it) and their own refused attributes are still found."""
    from handout.load.sanitize import all_refused_markup

    found = all_refused_markup('<p>a <div>b</div> <b>ok</b> <span onclick="x()">c</span> '
                               '<a href="javascript:x">d</a> <a href="https://example.org" title="t">e</a> <i>f</i></p>')
    assert [what for what, _ in found] == ['<div> element', 'attribute onclick="x()" on <span>',
                                           'attribute href="javascript:x" on <a>']
