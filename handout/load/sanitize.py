"""Raw HTML in chapters: a documented safe subset passes, everything else is refused.

nh3 (the Rust `ammonia` sanitiser) is the judge: each chapter part's HTML is
cleaned with the allow-list below, and if cleaning would remove anything (a
tag, an attribute, a URL) the chapter is refused, naming what was removed.
The HTML that goes on is the Markdown converter's own XHTML, never a
cleaned-up guess of what the author meant.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

import nh3

from handout.core.weburl import raw_link_allowed

# Tags the Markdown dialect itself produces, plus the safe subset an author may type.
GENERATED_TAGS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt", "dd", "table", "thead",
                  "tbody", "tr", "th", "td", "a", "img", "figure", "figcaption", "em", "strong", "code", "pre",
                  "blockquote", "hr", "br", "sup", "span"}
RAW_SAFE_TAGS = {"abbr", "sup", "sub", "br", "span", "small", "strong", "em", "b", "i", "kbd", "mark"}
COMMON_ATTRIBUTES = {"id", "class", "title", "lang", "role", "epub:type", "aria-label", "aria-hidden"}
ATTRIBUTES = {
    "a": {"href"},
    "img": {"src", "alt"},
    "th": {"scope", "style"},
    "td": {"style"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto", "tel", "data"}
# Markdown's tables align columns with a style attribute on their cells: the only style that passes. Raw HTML
# may carry no style attribute at all (see refused_raw_html).
SAFE_STYLE = re.compile(r"^\s*(text-align\s*:\s*(left|right|center)\s*;?\s*)?$", re.I)


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "style" and not SAFE_STYLE.match(value):
        return None  # styles could load url() or hide text; only table alignment is kept
    if attribute in {"href", "src"} and value.strip().lower().startswith("data:"):
        # data: URLs only for images, and only images
        return value if tag == "img" and re.match(r"data:image/(png|jpeg|gif|svg\+xml|webp)[;,]", value, re.I) \
            else None
    return value


def _clean(html: str) -> str:
    return nh3.clean(
        html,
        tags=GENERATED_TAGS | RAW_SAFE_TAGS,
        attributes={"*": COMMON_ATTRIBUTES, **ATTRIBUTES},
        url_schemes=URL_SCHEMES,
        link_rel=None,
        strip_comments=True,
        clean_content_tags={"script", "style"},
        attribute_filter=_attribute_filter,
    )


class _Tags(HTMLParser):
    """The sequence of start tags with their attributes, and each one's text as written."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, tuple[tuple[str, str], ...]]] = []
        self.written: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, tuple(sorted((name, value or "") for name, value in attrs))))
        self.written.append(self.get_starttag_text() or f"<{tag}")


def _parsed(html: str) -> _Tags:
    parser = _Tags()
    parser.feed(html)
    parser.close()
    return parser


def _tags(html: str):
    return _parsed(html).tags


VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Balance(HTMLParser):
    """Tags opened and never closed, and end tags that close nothing, in order, each with the text beside it
    (to tell it from the same tag elsewhere in the source)."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.html = html
        self.starts = [0] + [i + 1 for i, c in enumerate(html) if c == "\n"]
        self.open: list[tuple[str, str, str]] = []  # (tag, its start tag as written, text beside it)
        self.problems: list[tuple[str, str, str, str]] = []  # ("unclosed" or "stray", tag, as written, beside)

    def _at(self) -> int:
        line, offset = self.getpos()
        return self.starts[line - 1] + offset

    def handle_starttag(self, tag, attrs):
        if tag not in VOID_TAGS:
            written = self.get_starttag_text() or f"<{tag}>"
            after = self.html[self._at() + len(written):][:30].split("<")[0]
            self.open.append((tag, written, written + after))

    def handle_endtag(self, tag):
        if tag in VOID_TAGS:
            return
        if not any(name == tag for name, _, _ in self.open):
            before = self.html[:self._at()][-30:].split(">")[-1]
            # The lines before it too: a stray </div> after nested ones is found at its own line, not the
            # first "</div>" of the block.
            context = self.html[:self._at()][-80:]
            context = context[context.find("\n") + 1:] if "\n" in context else context
            self.problems.append(("stray", tag, f"</{tag}>", (context + f"</{tag}>", before + f"</{tag}>")))
            return
        while self.open[-1][0] != tag:
            self.problems.append(("unclosed", *self.open.pop()))
        self.open.pop()


def unbalanced_tags(html: str) -> list[tuple[str, tuple[str, str], str]]:
    """Each tag of `html` opened and never closed, or closed and never opened (Markdown's own tags always
    pair, so these are typed ones): (what to tell the author, texts to find it by in the source, the best
    first, the tag as written in `html`). An HTML parser would silently rebuild the tree around them, so they
    are found before anything else is judged."""
    parser = _Balance(html)
    parser.feed(html)
    parser.close()
    found = [*parser.problems, *(("unclosed", *item) for item in reversed(parser.open))]
    said = []
    for kind, tag, written, beside in found:
        if kind == "unclosed":
            said.append((f"<{tag}> is never closed: end it with </{tag}> in the same paragraph, or remove it",
                         (beside, written), written))
        else:
            said.append((f"</{tag}> closes nothing: remove it, or open it with <{tag}> earlier in the same "
                         "paragraph", (*beside, written), written))
    return said


def all_refused_markup(html: str) -> list[tuple[str, str]]:
    """What in `html` is outside the safe subset, in order: (what was refused, text to find it by in the
    source) for each element and attribute nh3 would remove."""
    before, after = _tags(html), _tags(_clean(html))
    # nh3 removes only tags outside the allow-list, but its HTML5 parser may also rebuild the tree around
    # them (a <div> ends the paragraph it is in, so an empty <p> appears). So a tag is refused by its name;
    # each allowed tag is paired with the next tag of the same name nh3 kept, a few tags ahead at most (linear
    # time, whatever the input), and an attribute is refused when its pair lost it. A tag with no pair is
    # judged by the same rules nh3 applies.
    allowed = GENERATED_TAGS | RAW_SAFE_TAGS
    found = []
    next_kept = 0
    for tag, attrs in before:
        if tag not in allowed:
            found.append((f"<{tag}> element", f"<{tag}"))
            continue
        pair = next((k for k in range(next_kept, min(next_kept + PAIR_WINDOW, len(after))) if after[k][0] == tag),
                    None)
        kept = None
        if pair is not None:
            kept, next_kept = dict(after[pair][1]), pair + 1
        for name, value in attrs:
            if (name not in kept) if kept is not None else _attribute_refused(tag, name, value):
                shown = f'{name}="{value[:40]}"'
                found.append((f"attribute {shown} on <{tag}>", value[:30] or name))
    return found


PAIR_WINDOW = 16
_SCHEME = re.compile(r"\s*([a-zA-Z][a-zA-Z0-9+.-]*):")


def _attribute_refused(tag: str, name: str, value: str) -> bool:
    """nh3's judgement of one attribute with the allow-lists of `_clean`, for a tag it moved out of reach."""
    if name not in COMMON_ATTRIBUTES | ATTRIBUTES.get(tag, set()) or _attribute_filter(tag, name, value) is None:
        return True
    scheme = _SCHEME.match(value) if name in {"href", "src"} else None
    return scheme is not None and scheme.group(1).lower() not in URL_SCHEMES


def refused_markup(html: str) -> tuple[str, str] | None:
    """None when `html` is within the safe subset; else the first (what was refused, text to find it by in the
    source)."""
    return next(iter(all_refused_markup(html)), None)


def all_refused_raw_html(fragments: list) -> list[tuple[str, str]]:
    """What the raw HTML typed into a chapter (Markdown's stash of it) may not hold, beyond what nh3 judges,
    in order: a style attribute, or a link anywhere but the web, email, phone or an #anchor; each as (what was
    refused, text to find it by in the source)."""
    found = []
    for fragment in fragments:
        if not isinstance(fragment, str):
            continue
        parsed = _parsed(fragment)
        for (tag, attrs), written in zip(parsed.tags, parsed.written):
            values = dict(attrs)
            if "style" in values:
                found.append((f'attribute style="{values["style"][:40]}" on <{tag}>: raw HTML may not carry style '
                              "attributes (use a class the stylesheets define)", written))
            if tag == "a" and "href" in values and not raw_link_allowed(values["href"]):
                found.append((f'link href="{values["href"][:60]}" on <a>: raw HTML links may only go to https:, '
                              "http:, mailto: or tel: addresses or an #anchor; link another chapter in Markdown: "
                              "[text](02-steps.md#anchor)", written))
    return found


def refused_raw_html(fragments: list) -> tuple[str, str] | None:
    """None when the raw HTML typed into a chapter is fine; else its first refusal (`all_refused_raw_html`)."""
    return next(iter(all_refused_raw_html(fragments)), None)


def describe_allowed() -> str:
    return ", ".join(f"<{t}>" for t in sorted(RAW_SAFE_TAGS))
