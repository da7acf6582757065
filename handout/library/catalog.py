"""The catalog web pages of a library: one per language (`dist/index.html` for the library's first language,
`dist/<tag>/index.html` for each other), listing every handout in that language with its summary, topic,
languages (each in its own name), the links to each clinic's editions, EPUB and web copy, and its review dates.

A page is self-contained (its style inline, no script, no request outside dist/) and uses the labels of the
theme's layout strings (layouts/i18n/) where they exist, so a clinic's words for "EPUB" or "Large print" are
the same on the catalog as on the handout's own web page.
"""
from __future__ import annotations

import posixpath
from html import escape

from handout.config.editions import page_words
from handout.config.languages import own_name, own_names
from handout.config.strings import load
from handout.targets import EPUB
from handout.library.published import WEB, Published

# The catalog's own words, by language (the first subtag); English for any other language.
WORDS = {
    "en": {"handouts": "Handouts", "topic": "Topic", "languages": "Languages", "reviewed": "Last reviewed",
           "due": "Next review due", "web": "Read online", "other": "This catalog in other languages",
           "count": "{n} handouts", "files": "Files for {clinic}", "sample": "Sample: not for patients yet"},
    "es": {"handouts": "Folletos", "topic": "Tema", "languages": "Idiomas", "reviewed": "Última revisión",
           "due": "Próxima revisión", "web": "Leer en línea", "other": "Este catálogo en otros idiomas",
           "count": "{n} folletos", "files": "Archivos para {clinic}", "sample": "Muestra: aún no es para pacientes"},
}

STYLE = """
:root { color-scheme: light; }
body { font-family: "Atkinson Hyperlegible", Verdana, Arial, sans-serif; font-size: 1.125rem; line-height: 1.5;
  color: #1a1a1a; background: #ffffff; margin: 0 auto; max-width: 46rem; padding: 1rem; overflow-wrap: anywhere; }
h1 { font-size: 1.75rem; margin: 0.5rem 0; }
h2 { font-size: 1.4rem; margin: 0 0 0.25rem; }
h3 { font-size: 1.1rem; margin: 1rem 0 0.25rem; }
a { color: #0b4f9c; text-decoration: underline; }
a:focus { outline: 3px solid #b35c00; outline-offset: 2px; }
article { border-top: 2px solid #4a4a4a; padding: 1rem 0; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.25rem 1rem; margin: 0.5rem 0; }
dt { font-weight: bold; }
dd { margin: 0; }
ul { padding-left: 1.25rem; margin: 0.25rem 0; }
li { margin: 0.25rem 0; }
.mark { font-weight: bold; color: #8a1c00; }
@media (max-width: 30rem) { dl { grid-template-columns: 1fr; } dd { margin-bottom: 0.5rem; } }
"""


def words_for(tag: str) -> dict[str, str]:
    return WORDS.get(tag.split("-")[0].lower(), WORDS["en"])


def page_path(tag: str, first: str) -> str:
    """The catalog page of language `tag`, relative to dist/."""
    return "index.html" if tag == first else f"{tag}/index.html"


def catalog_languages(handouts: list[Published]) -> list[str]:
    """Every language of the library, the most common source language first, then in order of appearance."""
    seen: dict[str, int] = {}
    for handout in handouts:
        for tag in handout.editions:
            seen.setdefault(tag, 0)
        seen[handout.config.language] = seen.get(handout.config.language, 0) + 1
    order = list(seen)
    first = max(order, key=lambda tag: (seen[tag], -order.index(tag))) if order else "en-US"
    return [first, *(tag for tag in order if tag != first)]


def render_catalog(title: str, description: str, handouts: list[Published], tag: str, tags: list[str]) -> str:
    """The catalog page of language `tag` (its links relative to where it lies)."""
    here = posixpath.dirname(page_path(tag, tags[0]))
    words = words_for(tag)
    names = own_names(tags)

    def link(href: str) -> str:
        return escape(posixpath.relpath(href, here or "."))

    out = ["<!DOCTYPE html>", f'<html lang="{escape(tag)}">', "<head>", '<meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{escape(title)} – {escape(words['handouts'])}</title>", f"<style>{STYLE}</style>", "</head>",
           "<body>", "<header>", f"<h1>{escape(title)}</h1>"]
    if description:
        out.append(f"<p>{escape(description)}</p>")
    others = [other for other in tags if other != tag]
    if others:
        out.append(f'<nav aria-label="{escape(words["other"])}"><ul>')
        out += [f'<li><a href="{link(page_path(other, tags[0]))}" hreflang="{escape(other)}" lang="{escape(other)}">'
                f"{escape(names[other])}</a></li>" for other in others]
        out.append("</ul></nav>")
    listed = [handout for handout in handouts if tag in handout.editions]
    out += ["</header>", "<main>", f"<h2>{escape(words['handouts'])}</h2>",
            f"<p>{escape(words['count'].format(n=len(listed)))}</p>"]
    labels = load(listed[0].config.root, tag) if listed else None
    for handout in listed:
        edition = handout.editions[tag]
        config = edition.config
        heading = f"h-{handout.name}"
        out += [f'<article aria-labelledby="{heading}">', f'<h2 id="{heading}">{escape(config.title)}</h2>']
        if config.sample:
            out.append(f'<p class="mark">{escape(words["sample"])}</p>')
        if config.description:
            out.append(f"<p>{escape(config.description)}</p>")
        out.append("<dl>")
        topic, written = handout.topic(tag)
        if topic:
            marked = f' lang="{escape(written)}"' if written != tag else ""
            out.append(f"<dt>{escape(words['topic'])}</dt><dd{marked}>{escape(topic)}</dd>")
        languages = ", ".join(
            (f'<a href="{link(page_path(other, tags[0]))}#{heading}" hreflang="{escape(other)}" lang="{escape(other)}">'
             f"{escape(own_name(other))}</a>" if other != tag else f'<span lang="{escape(other)}">'
             f"{escape(own_name(other))}</span>") for other in handout.editions)
        review = handout.config.review
        out += [f"<dt>{escape(words['languages'])}</dt><dd>{languages}</dd>",
                f"<dt>{escape(words['reviewed'])}</dt><dd><time datetime=\"{review.last_reviewed.isoformat()}\">"
                f"{review.last_reviewed.isoformat()}</time></dd>",
                f"<dt>{escape(words['due'])}</dt><dd><time datetime=\"{review.next_review_due.isoformat()}\">"
                f"{review.next_review_due.isoformat()}</time></dd>", "</dl>"]
        for copy in edition.copies:
            if not copy.files:
                continue
            if len(edition.copies) > 1:
                out.append(f"<h3>{escape(words['files'].format(clinic=copy.clinic.name))}</h3>")
            out.append("<ul>")
            for file in copy.files:
                out.append(f'<li><a href="{link(file.href)}">{escape(_label(file, config, labels, words))}</a></li>')
            out.append("</ul>")
        out.append("</article>")
    out += ["</main>", "</body>", "</html>", ""]
    return "\n".join(out)


def _label(file, config, labels, words) -> str:
    if file.kind == WEB:
        return words["web"]
    if file.kind == EPUB.name:
        return labels["download.epub"] if labels else "EPUB"
    paper = page_words(file.edition, config.print.paper, labels) if labels else file.edition
    return (labels.table.get(f"download.{file.edition}") or labels.get("download.pdf", paper=paper)) if labels \
        else f"PDF ({paper})"

