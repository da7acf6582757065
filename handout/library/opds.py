"""The library's OPDS 1.2 catalog (`dist/opds/`), for e-reader apps that subscribe to catalogs (Thorium,
KOReader, Aldiko): a navigation feed by language (`index.xml`), and per language an acquisition feed
(`<tag>.xml`) with an entry per handout and clinic: its EPUB and PDF editions as acquisition links, its web copy
as the alternate, `dc:language`, `updated` (the last review), the summary, the clinic as author, the topic as
category and the cover (taken from the EPUB) as image and thumbnail. Every link is relative, so the folder
can be put anywhere; the feeds are valid against the OPDS 1.2 RELAX NG schema (tests/fixtures/opds/).
"""
from __future__ import annotations

import datetime as dt
import posixpath
import uuid
import zipfile

from lxml import etree

from handout.targets.epub.images import COVER_FILE
from handout.config.languages import own_name
from handout.targets import EPUB
from handout.library.published import WEB, Published

ATOM = "http://www.w3.org/2005/Atom"
DC = "http://purl.org/dc/terms/"
OPDS = "http://opds-spec.org/2010/catalog"
NAVIGATION = "application/atom+xml;profile=opds-catalog;kind=navigation"
ACQUISITION = "application/atom+xml;profile=opds-catalog;kind=acquisition"
FOLDER = "opds"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _time(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def _element(parent, name: str, text: str | None = None, namespace: str = ATOM, **attributes) -> etree._Element:
    element = etree.SubElement(parent, f"{{{namespace}}}{name}", {k: v for k, v in attributes.items() if v})
    if text is not None:
        element.text = text
    return element


def _feed(identifier: str, title: str, updated: str, self_href: str, kind: str, author: str) -> etree._Element:
    feed = etree.Element(f"{{{ATOM}}}feed", nsmap={None: ATOM, "dc": DC, "opds": OPDS})
    _element(feed, "id", identifier)
    _element(feed, "title", title)
    _element(feed, "updated", updated)
    _element(_element(feed, "author"), "name", author)
    _element(feed, "link", rel="self", href=self_href, type=kind)
    _element(feed, "link", rel="start", href="index.xml", type=NAVIGATION)
    return feed


def library_id(title: str, online_url: str) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, online_url or f"handout-library:{title}")


def write_feeds(dist, title: str, online_url: str, handouts: list[Published], tags: list[str]) -> list[str]:
    """Write the feeds (and the covers they show) under dist/opds/; returns what was written, relative to dist/."""
    base = library_id(title, online_url)
    folder = dist / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    days = [h.config.review.last_reviewed for h in handouts] or [dt.date(2000, 1, 1)]
    updated = _time(max(days))
    navigation = _feed(f"urn:uuid:{uuid.uuid5(base, 'opds')}", title, updated, "index.xml", NAVIGATION, title)
    for tag in tags:
        listed = [h for h in handouts if tag in h.editions]
        entry = _element(navigation, "entry")
        _element(entry, "title", own_name(tag, full=True))
        _element(entry, "id", f"urn:uuid:{uuid.uuid5(base, 'opds:' + tag)}")
        _element(entry, "updated", _time(max(h.config.review.last_reviewed for h in listed)) if listed else updated)
        _element(entry, "content", f"{len(listed)} handouts", type="text")
        _element(entry, "link", rel="subsection", href=f"{tag}.xml", type=ACQUISITION)
        feed = _feed(f"urn:uuid:{uuid.uuid5(base, 'opds:' + tag)}", f"{title} ({own_name(tag)})", updated,
                     f"{tag}.xml", ACQUISITION, title)
        for handout in listed:
            written += _entries(feed, dist, handout, tag)
        _write(folder / f"{tag}.xml", feed)
        written.append(f"{FOLDER}/{tag}.xml")
    _write(folder / "index.xml", navigation)
    written.append(f"{FOLDER}/index.xml")
    return written


def _entries(feed, dist, handout: Published, tag: str) -> list[str]:
    edition = handout.editions[tag]
    config = edition.config
    covers = []
    for copy in edition.copies:
        if not copy.files:
            continue
        several = len(edition.copies) > 1
        entry = _element(feed, "entry")
        _element(entry, "title", f"{config.title} ({copy.clinic.name})" if several else config.title)
        _element(entry, "id", config.identifier + (f":{copy.clinic.id}" if several else ""))
        _element(entry, "updated", _time(handout.config.review.last_reviewed))
        _element(_element(entry, "author"), "name", copy.clinic.name)
        _element(entry, "language", tag, namespace=DC)
        _element(entry, "issued", handout.config.review.last_reviewed.isoformat(), namespace=DC)
        topic, written = handout.topic(tag)
        if topic:
            category = _element(entry, "category", term=topic, label=topic)
            if written != tag:
                category.set(XML_LANG, written)
        if config.description:
            _element(entry, "summary", config.description, type="text")

        def href(file) -> str:
            return posixpath.relpath(file.href, FOLDER)

        for file in copy.files:
            if file.kind == WEB:
                _element(entry, "link", rel="alternate", href=href(file), type="text/html", hreflang=tag)
            else:
                _element(entry, "link", rel="http://opds-spec.org/acquisition/open-access", href=href(file),
                         type=file.media_type, title=file.edition or None, length=str(file.size()))
        epubs = copy.of(EPUB.name)
        if epubs:
            name = f"covers/{handout.name}-{tag}{'-' + copy.clinic.id if several else ''}.png"
            with zipfile.ZipFile(epubs[0].path) as book:
                cover = next((n for n in book.namelist() if n.endswith(COVER_FILE)), None)
                if cover is not None:
                    path = dist / FOLDER / name
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(book.read(cover))
                    covers.append(f"{FOLDER}/{name}")
                    _element(entry, "link", rel="http://opds-spec.org/image", href=name, type="image/png")
                    _element(entry, "link", rel="http://opds-spec.org/image/thumbnail", href=name, type="image/png")
    return covers


def _write(path, feed) -> None:
    path.write_bytes(etree.tostring(feed, xml_declaration=True, encoding="utf-8", pretty_print=True))
