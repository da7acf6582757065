"""XLIFF 1.2 and gettext PO files of a language's units, written and read with the Translate Toolkit.

XLIFF: one `<file>` per chapter (`original` its source's path, its header's note the translated chapter's digest
at the export), a `<trans-unit>` per unit with `<ph id="N">markup</ph>` for each placeholder, its target's `state`
(new, needs-review-translation, translated), the source as translated as an `<alt-trans>` and a note, and the notes
for the translator. PO: `msgctxt` the unit's id, the placeholders as numbered markers `{N}`, `#, fuzzy` with the
previous source (`#| msgid`) for a unit that needs review, the notes as `#.` comments, the source line as `#:`,
and the chapters' digests in the header's `X-Handout-Chapters`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from handout.core.errors import InputError

XLIFF_NAMESPACE = "urn:oasis:names:tc:xliff:document:1.2"
DIGEST_NOTE = "translated chapter at the export: "
CHAPTERS_HEADER = "X-Handout-Chapters"
MARKER = re.compile(r"\{(\d+)\}")
FORMATS = ("xliff", "po")
_XLIFF_STATES = {"new": "new", "needs-review": "needs-review-translation", "translated": "translated"}


@dataclass(frozen=True)
class FileUnit:
    id: str
    parts: tuple           # text (str) and placeholder numbers (int)
    translated: bool       # its state says it is translated
    empty: bool
    line: int
    problems: tuple = ()   # a placeholder the file itself spoils (a marker that is not a number...)


def _xliff_parts(units, parts) -> list:
    from translate.storage.placeables import StringElem
    from translate.storage.placeables import xliff as placeables

    return [StringElem([p if isinstance(p, str) else placeables.Ph(id=str(p), sub=[units[p]]) for p in parts])]


def write_xliff(chapters, source_language: str, tag: str, root_name: str, changed: bool) -> bytes:
    from translate.storage import xliff

    store = xliff.xlifffile.parsestring(
        f"<?xml version='1.0' encoding='UTF-8'?>\n<xliff version='1.2' xmlns='{XLIFF_NAMESPACE}'>"
        f"<file original='NoName' source-language='{source_language}' datatype='plaintext'><body/></file>"
        "</xliff>".encode())
    store.setsourcelanguage(source_language)
    store.settargetlanguage(tag)
    for chapter in chapters:
        chosen = [u for u in chapter.units if not changed or u.state != "translated"]
        if not chosen:
            continue
        original = chapter.name if chapter.name == "publish.toml" else f"chapters/{chapter.name}"
        store.switchfile(original, createifmissing=True)
        filenode = store.body.getparent()
        filenode.set("source-language", source_language)
        filenode.set("target-language", tag)
        filenode.set("datatype", "plaintext")
        header = store.getheadernode(filenode, createifmissing=True)
        filenode.remove(header)
        filenode.insert(0, header)
        note = header.makeelement(f"{{{XLIFF_NAMESPACE}}}note", {"from": "handout"})
        note.text = DIGEST_NOTE + (chapter.translation_digest or "none")
        header.append(note)
        if chapter.note:
            extra = header.makeelement(f"{{{XLIFF_NAMESPACE}}}note", {"from": "handout"})
            extra.text = chapter.note
            header.append(extra)
        for unit in chosen:
            node = store.addsourceunit("", filename=original)
            node.setid(unit.id)
            codes = {**unit.source.codes, **unit.target_codes}
            node.rich_source = _xliff_parts(unit.source.codes, unit.source.parts)
            node.rich_target = _xliff_parts(codes, unit.target.parts if unit.target else ())
            target = node.getlanguageNode(lang=None, index=1)
            target.set("state", _XLIFF_STATES[unit.state])
            if unit.state == "translated":
                node.xmlelement.set("approved", "yes")
            for text in unit.notes:
                node.addnote(text, origin="developer")
            if unit.previous:
                node.addalttrans(_raw(unit.target, codes), sourcetxt=unit.previous, origin="previous-source")
    store.removedefaultfile()
    for filenode in list(store.document.getroot()):
        if filenode.get("original") == "NoName":
            store.document.getroot().remove(filenode)
    from lxml import etree

    etree.cleanup_namespaces(store.document)
    return bytes(store)


def _raw(target, codes) -> str:
    if target is None:
        return ""
    return "".join(codes[p] if isinstance(p, int) else p for p in target.parts)


def write_po(chapters, source_language: str, tag: str, title: str, changed: bool) -> bytes:
    from translate.storage import po

    store = po.pofile()
    digests = " ".join(f"{c.name}={c.translation_digest or 'none'}" for c in chapters
                       if any(not changed or u.state != "translated" for u in c.units))
    store.updateheader(add=True, Project_Id_Version=title, POT_Creation_Date="", PO_Revision_Date="",
                       Last_Translator="", Language_Team="", Content_Type="text/plain; charset=UTF-8",
                       Content_Transfer_Encoding="8bit", Language=tag.replace("-", "_"),
                       X_Source_Language=source_language, **{CHAPTERS_HEADER.replace("-", "_"): digests})
    for chapter in chapters:
        for unit in chapter.units:
            if changed and unit.state == "translated":
                continue
            node = store.addsourceunit(_markers(unit.source.parts))
            node.setcontext(unit.id)
            if unit.target is not None:
                node.target = _markers(unit.target.parts)
            for text in unit.notes[1:]:
                node.addnote(text, origin="developer")
            node.addlocation(unit.notes[0].split(" ", 1)[0])
            if unit.state == "needs-review":
                if unit.previous:
                    node.prev_source = unit.previous
                node.markfuzzy(True)
    return bytes(store)


def _markers(parts) -> str:
    return "".join(p if isinstance(p, str) else f"{{{p}}}" for p in parts)


def _flatten(elem, out: list) -> None:
    from translate.storage.placeables import StringElem

    for sub in elem.sub:
        if isinstance(sub, str):
            out.append(sub)
        elif getattr(sub, "id", None) is not None and type(sub) is not StringElem:
            out.append(("placeholder", str(sub.id)))
        else:
            _flatten(sub, out)


def read_xliff(data: bytes, path) -> tuple[list[FileUnit], dict[str, str]]:
    from lxml import etree
    from translate.storage import xliff

    declared = re.search(rb"<!(DOCTYPE|ENTITY)", data[:4096])
    if declared:
        line = data.count(b"\n", 0, declared.start()) + 1
        raise InputError(f"an XLIFF file with a <!{declared.group(1).decode()}> is refused (XLIFF needs neither a "
                         "document type nor entities): export the file again from the translation tool",
                         path, line, code="translations.import-file")
    try:
        store = xliff.xlifffile.parsestring(data)
        if etree.QName(store.document.getroot()).localname != "xliff":
            raise ValueError("its root element is not <xliff>")
    except (etree.XMLSyntaxError, ValueError, StopIteration) as error:
        raise InputError(f"not an XLIFF 1.2 file that can be read: {str(error) or 'it holds no <xliff> with a <file>'}",
                         path, getattr(error, "lineno", None),
                         code="translations.import-file") from None
    digests = {}
    namespace = store.namespace
    for filenode in store.document.getroot().iterchildren(f"{{{namespace}}}file"):
        original = (filenode.get("original") or "").removeprefix("chapters/")
        for note in filenode.iterfind(f"{{{namespace}}}header/{{{namespace}}}note"):
            if (note.text or "").startswith(DIGEST_NOTE):
                digests[original] = note.text[len(DIGEST_NOTE):].strip()
    found = []
    for unit in store.getunits():
        element = unit.xmlelement
        target = unit.getlanguageNode(lang=None, index=1)
        state = target.get("state") if target is not None else None
        parts: list = []
        if target is not None:
            for elem in unit.rich_target:
                _flatten(elem, parts)
        problems: list = []
        joined = _placeholders(parts, problems)
        translated = state in ("translated", "signed-off", "final") or (state is None and element.get("approved")
                                                                         == "yes")
        empty = not any(isinstance(p, str) and p.strip() for p in joined) and not any(
            isinstance(p, int) for p in joined)
        if state is None and not empty and element.get("approved") is None:
            translated = True  # a tool that does not write states: a target is a translation
        found.append(FileUnit(element.get("id", ""), joined, translated, empty, element.sourceline or 0,
                              tuple(problems)))
    return found, digests


def _placeholders(parts: list, problems: list) -> tuple:
    joined: list = []
    for part in parts:
        if isinstance(part, str):
            if joined and isinstance(joined[-1], str):
                joined[-1] += part
            else:
                joined.append(part)
            continue
        text = part[1]
        if text.isdigit():
            joined.append(int(text))
        else:
            problems.append(f"placeholder id '{text}' is not one of the unit's (1, 2, ...)")
    return tuple(joined)


def read_po(data: bytes, path) -> tuple[list[FileUnit], dict[str, str]]:
    from translate.storage import po

    try:
        store = po.pofile(data)
    except Exception as error:  # the toolkit's parser raises several kinds
        raise InputError(f"not a PO file that can be read: {error}", path, code="translations.import-file") from None
    text = data.decode("utf-8", "replace")
    lines = {}
    for number, raw in enumerate(text.splitlines(), 1):
        match = re.match(r'^msgctxt\s+"(.*)"\s*$', raw)
        if match:
            lines.setdefault(match.group(1), number)
    header = store.parseheader()
    digests = dict(item.split("=", 1) for item in header.get(CHAPTERS_HEADER, "").split() if "=" in item)
    found = []
    for unit in store.units:
        if unit.isheader() or unit.isobsolete():
            continue
        context = unit.getcontext()
        target = unit.target or ""
        parts: list = []
        position = 0
        for match in MARKER.finditer(target):
            if match.start() > position:
                parts.append(target[position:match.start()])
            parts.append(int(match.group(1)))
            position = match.end()
        if position < len(target):
            parts.append(target[position:])
        found.append(FileUnit(context, tuple(parts), bool(target) and not unit.isfuzzy(), not target,
                              lines.get(context, 0)))
    return found, digests
