"""The small shared policies, one module each: source lines (handout/core/sourcelines.py), web addresses
(handout/core/weburl.py) and control characters (errors.refuse_control_characters)."""
from __future__ import annotations

import pytest

from handout.core.errors import InputError, decode_utf8, refuse_control_characters
from handout.core.sourcelines import TomlLocator, key_lines, line_at, line_of, line_of_any, line_of_folded
from handout.core.weburl import is_web_address, raw_link_allowed, split, url_problem


def test_lines_count_from_the_first_line_given():
    text = "a\nbb\nccc"
    assert line_at(text, 0) == 1 and line_at(text, 3) == 2 and line_at(text, 5, first_line=10) == 12
    assert line_at(b"a\nb", 2) == 2
    assert line_of(text, "ccc") == 3 and line_of(text, "cc", 4) == 6 and line_of(text, "zz") is None
    assert line_of_any(text, ("", "zz", "bb", "a")) == 2 and line_of_any(text, ("zz",)) is None
    assert line_of_folded("x\n<IMG src>", "<img") == 2


def test_yaml_and_toml_keys_have_their_lines():
    assert key_lines("smith2020:\n  title: x\n'lee':\n  url: y\n") == {"smith2020": 1, "lee": 3}
    where = TomlLocator('a = 1\n[t]\nb = 2\n[[c]]\nd = 3\n')
    assert (where.line("a"), where.line("t"), where.line("t.b"), where.line("c.d"), where.line("t.z")) == \
        (1, 2, 3, 5, None)


def test_a_file_that_is_not_utf8_names_the_line_of_the_bad_byte():
    with pytest.raises(InputError, match="not UTF-8") as caught:
        decode_utf8(b"ok\nok\n\xff", "x.md")
    assert caught.value.line == 3


@pytest.mark.parametrize("value", ["https://example.org", "http://a.b/c?d=e"])
def test_web_addresses(value):
    assert is_web_address(value)


@pytest.mark.parametrize("value", ["www.example.org", "https://localhost", "ftp://a.b", "https://a .b", ""])
def test_not_web_addresses(value):
    assert not is_web_address(value)


def test_an_address_that_cannot_be_split():
    assert split("https://example.org[") is None and split("https://a.b/c").netloc == "a.b"
    assert not raw_link_allowed("https://example.org[")


@pytest.mark.parametrize("url,problem", [
    ("https://www.example.org/a?b=c#d", None), ("mailto:help@example.org", None), ("tel:+1(555)010-0100", None),
    ("http://localhost:8000/x", None), ("https://192.168.0.1/", None),
    ("https://exa mple.org", "has a space in it"), ("https:///path", "has no site name after //"),
    ("https://example/x", "has a site name 'example' that is not a web address (like example.org)"),
    ("https://example.org:0/", "has port 0"), ("https://example.org/a{b}", "has characters that are not allowed"),
    ("https://example.org:99999/", "cannot be read"), ("mailto:nobody", "is not an email address"),
    ("tel:12", "is not a phone number"), ("ftp://example.org", None),
])
def test_url_problems(url, problem):
    found = url_problem(url)
    assert found == problem if problem is None else found.startswith(problem)


def test_one_control_character_policy_for_values_and_files():
    with pytest.raises(InputError) as caught:
        refuse_control_characters("a\x1bb", "'title'", "publish.toml", 3)
    assert caught.value.format() == ("publish.toml:3: 'title' holds an invisible control character (U+001B): delete "
                                     "it (it often comes from pasted text)")
    with pytest.raises(InputError) as caught:
        refuse_control_characters("one\ntwo\nthr\x7fee", "the file", "a.md", whole_file=True)
    assert caught.value.format() == ("a.md:3: the file holds an invisible control character (U+007F): delete it "
                                     "(it often comes from pasted text)")
    refuse_control_characters("tab\tand\nnew line", "'x'", None, None)
