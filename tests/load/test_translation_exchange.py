"""Translators work in their own tools: `translations export` writes a language's text as XLIFF 1.2 or PO (a unit
per block, inline markup as placeholders, states and notes), `translations import` writes it back into the
chapters (byte for byte where nothing changed), and `check` lists every gap of a translation at once."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from lxml import etree

from conftest import FIXTURES, REPO, make_project, run_publish
from handout.core.errors import InputError
from handout.load.translate_io.exchange import export, import_file
from handout.load.translate_io.segments import segments
from handout.load.translations import UP_TO_DATE, mark, statuses

XLIFF = "{urn:oasis:names:tc:xliff:document:1.2}"


def xliff_schema() -> etree.XMLSchema:
    """The OASIS XLIFF 1.2 strict schema, with the xml.xsd it imports, both kept in the fixtures (no network)."""
    folder = FIXTURES / "xliff"

    class Local(etree.Resolver):
        def resolve(self, url, pubid, context):
            if url.endswith("/xml.xsd"):
                return self.resolve_filename(str(folder / "xml.xsd"), context)
            return None

    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(Local())
    return etree.XMLSchema(etree.parse(str(folder / "xliff-core-1.2-strict.xsd"), parser))


def _git(project: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(project), "-c", "user.email=t@example.org", "-c", "user.name=t", *args],
                          capture_output=True, text=True)


def _texts(tmp_path) -> Path:
    """The default handout's texts only (publish.toml, chapters, translations): what export and import read."""
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy2(REPO / "publish.toml", project / "publish.toml")
    for folder in ("chapters", "translations"):
        shutil.copytree(REPO / folder, project / folder)
    return project


def _default(tmp_path) -> Path:
    project = _texts(tmp_path)
    _git(project, "init", "-q")
    _git(project, "add", "-A")
    _git(project, "commit", "-qm", "start")
    return project


def _exported(tmp_path, fmt: str) -> tuple[Path, Path]:
    """The default handout (a git repository) and its es-US translation exported by the command line."""
    project = _default(tmp_path)
    out = tmp_path / f"es-US.{fmt}"
    result = run_publish(project, "translations", "export", "es-US", "--format", fmt, "-o", str(out))
    assert result.returncode == 0, result.stderr
    return project, out


def _up_to_date(project: Path) -> set[str]:
    return {s.name for s in statuses(project, "es-US") if s.status == UP_TO_DATE}


@pytest.mark.slow
def test_the_default_handout_exports_valid_xliff_with_every_translation(tmp_path):
    from translate.storage import xliff

    project, out = _exported(tmp_path, "xliff")
    document = etree.parse(str(out))
    schema = xliff_schema()
    assert schema.validate(document), schema.error_log
    store = xliff.xlifffile.parsestring(out.read_bytes())
    units = store.getunits()
    blocks = sum(1 for chapter in (project / "chapters").glob("[0-9]*.md")
                 for s in segments(chapter.read_text(encoding="utf-8")) if s.translatable)
    settings = [u for u in units if u.xmlelement.get("id").startswith("publish.toml#")]
    assert len(units) - len(settings) == blocks > 100
    assert {u.xmlelement.get("id") for u in settings} >= {"publish.toml#title", "publish.toml#crisis_lines.1"}
    current = _up_to_date(project)  # (all of them, unless the English changed since the Spanish was marked)
    mine = [u for u in units if u.xmlelement.get("id").split("#")[0] in current]
    assert mine and all(unit.target.strip() for unit in mine)
    assert {u.xmlelement.find(f"{XLIFF}target").get("state") for u in mine} == {"translated"}
    assert len({u.xmlelement.get("id") for u in units}) == len(units)
    assert document.findall(f".//{XLIFF}ph")  # the citations and emphasis are placeholders
    assert "[@" not in "".join(document.xpath("//x:source/text()", namespaces={"x": XLIFF[1:-1]}))


@pytest.mark.slow
def test_the_default_handout_exports_a_po_file_msgfmt_accepts(tmp_path):
    from translate.storage import po

    project, out = _exported(tmp_path, "po")
    checked = subprocess.run(["msgfmt", "--check", "-o", str(tmp_path / "es-US.mo"), str(out)],
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    units = [u for u in po.pofile(out.read_bytes()).units if not u.isheader()]
    current = _up_to_date(project)
    mine = [u for u in units if u.getcontext().split("#")[0] in current]
    assert len(units) > 100 and mine and all(u.target and not u.isfuzzy() for u in mine)
    assert any(re.search(r"\{\d+\}", u.source) for u in units)


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["xliff", "po"])
def test_export_then_import_unchanged_leaves_the_translations_as_they_are(tmp_path, fmt):
    project, out = _exported(tmp_path, fmt)
    result = run_publish(project, "translations", "import", "es-US", str(out))
    assert result.returncode == 0, result.stderr
    assert _git(project, "status", "--porcelain").stdout == ""
    assert _git(project, "diff", "--exit-code", "--", "translations").returncode == 0


def _change_one_sentence(project: Path) -> tuple[str, str, str]:
    """Change the last sentence of the last paragraph of the first chapter that has one: (chapter, old, new)."""
    for path in sorted((project / "chapters").glob("[0-9]*.md")):
        text = path.read_text(encoding="utf-8")
        found = [s for s in segments(text) if s.kind == "paragraph" and s.text.endswith(".") and "\n" not in s.text]
        if found:
            segment = found[-1]
            new = segment.text[:-1] + ", as the studies show."
            path.write_text(text[:segment.start] + new + text[segment.end:], encoding="utf-8")
            return path.name, segment.text, new
    raise AssertionError("no paragraph to change")


def test_a_changed_sentence_is_the_one_unit_of_export_changed_and_its_import_updates_the_chapter(tmp_path):
    project = _texts(tmp_path)
    name, old, new = _change_one_sentence(project)
    data, count = export(project, "es-US", "en-US", "Título", "xliff", changed=True)
    assert count == 1
    document = etree.fromstring(data)
    assert xliff_schema().validate(document)
    (unit,) = document.iter(f"{XLIFF}trans-unit")
    assert unit.get("id").startswith(f"{name}#")
    target = unit.find(f"{XLIFF}target")
    assert target.get("state") == "needs-review-translation"
    assert unit.find(f"{XLIFF}alt-trans/{XLIFF}source").text == old
    assert any(old in (note.text or "") for note in unit.iter(f"{XLIFF}note"))
    assert "".join(unit.find(f"{XLIFF}source").itertext()).rstrip(".").endswith("as the studies show")

    chapter = project / "translations" / "es-US" / "chapters" / name
    before = chapter.read_text(encoding="utf-8")
    last = target[-1] if len(target) else None
    if last is not None and last.tail:
        last.tail = last.tail.rstrip() + " (revisado)"
    else:
        target.text = (target.text or "").rstrip() + " (revisado)"
    target.set("state", "translated")
    translated = tmp_path / "back.xlf"
    translated.write_bytes(etree.tostring(document, xml_declaration=True, encoding="UTF-8"))
    import_file(project, "es-US", translated)

    after = chapter.read_text(encoding="utf-8")
    changed = [(a, b) for a, b in zip(before.splitlines(), after.splitlines()) if a != b]
    assert len(before.splitlines()) == len(after.splitlines())
    assert len(changed) == 2, changed  # the block's line, and the source: line of the front matter
    assert changed[0][0].startswith("source:") and changed[1][1].endswith("(revisado)")
    assert {s.name: s.status for s in statuses(project, "es-US")}[name] == UP_TO_DATE


def _one_unit_file(project: Path, tmp_path: Path, spoil) -> tuple[Path, str]:
    """The language's XLIFF file with the first unit that has a placeholder spoiled by `spoil(target)`."""
    data, _ = export(project, "es-US", "en-US", "Título", "xliff")
    document = etree.fromstring(data)
    unit = next(u for u in document.iter(f"{XLIFF}trans-unit") if u.find(f"{XLIFF}target/{XLIFF}ph") is not None)
    spoil(unit.find(f"{XLIFF}target"))
    path = tmp_path / "spoiled.xlf"
    path.write_bytes(etree.tostring(document, xml_declaration=True, encoding="UTF-8"))
    return path, unit.get("id")


def _drop(target):
    ph = target.find(f"{XLIFF}ph")
    previous = ph.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "") + (ph.tail or "")
    else:
        target.text = (target.text or "") + (ph.tail or "")
    target.remove(ph)


def _duplicate(target):
    from copy import deepcopy

    ph = target.find(f"{XLIFF}ph")
    twin = deepcopy(ph)
    twin.tail = " "
    ph.addnext(twin)


@pytest.mark.parametrize("spoil, says", [(_drop, "is missing"), (_duplicate, "2 times")])
def test_a_spoiled_placeholder_refuses_the_import_naming_the_unit_and_line(tmp_path, spoil, says):
    project = _texts(tmp_path)
    before = {p: p.read_bytes() for p in (project / "translations").rglob("*") if p.is_file()}
    path, unit_id = _one_unit_file(project, tmp_path, spoil)
    line = next(n for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if unit_id in raw)
    with pytest.raises(InputError) as refused:
        import_file(project, "es-US", path)
    assert unit_id in refused.value.message and says in refused.value.message
    assert refused.value.line == line and refused.value.path == path
    assert {p: p.read_bytes() for p in (project / "translations").rglob("*") if p.is_file()} == before


@pytest.mark.slow
def test_the_command_line_refuses_a_spoiled_file_with_status_2(tmp_path):
    project = _texts(tmp_path)
    path, unit_id = _one_unit_file(project, tmp_path, _drop)
    result = run_publish(project, "translations", "import", "es-US", str(path))
    assert result.returncode == 2 and unit_id in result.stderr and "Traceback" not in result.stderr
    assert re.search(rf"spoiled\.xlf:\d+: .*{re.escape(unit_id)}", result.stderr)


def test_a_chapter_edited_since_the_export_is_not_written_over_without_force(tmp_path):
    project = _texts(tmp_path)
    name, _, _ = _change_one_sentence(project)
    data, _ = export(project, "es-US", "en-US", "Título", "po", changed=True)
    path = tmp_path / "es-US.po"
    path.write_bytes(data.replace(b"#, fuzzy\n", b""))
    chapter = project / "translations" / "es-US" / "chapters" / name
    chapter.write_text(re.sub(r"(?m)^(title: .*)$", r"\1 (editado)", chapter.read_text(encoding="utf-8"), count=1),
                       encoding="utf-8")
    edited = chapter.read_bytes()
    with pytest.raises(InputError, match="changed since the export"):
        import_file(project, "es-US", path)
    assert chapter.read_bytes() == edited
    import_file(project, "es-US", path, force=True)
    assert {s.name: s.status for s in statuses(project, "es-US")}[name] == UP_TO_DATE


def _words(config: str, words: str) -> str:
    """publish.toml's text with an es-US translation whose words are only `words`."""
    config = re.sub(r"(?ms)^\[languages\.es-US\].*?(?=^\[|\Z)", "", config)
    if 'translations = ["es-US"]' not in config:
        config = config.replace('language = "en-US"\n', 'language = "en-US"\ntranslations = ["es-US"]\n', 1)
    return config + "\n[languages.es-US]\n" + words


def _four_chapters(tmp_path) -> tuple[Path, str]:
    """A new four-chapter handout and its Spanish translation: crisis lines missing, three chapters not
    translated, one out of date, no reviewer, a figure nowhere; a figure only in the source."""
    project = make_project(tmp_path / "project")
    assert len(list((project / "chapters").glob("[0-9]*.md"))) == 4
    config = project / "publish.toml"
    text = re.sub(r"(?m)^sample = true.*\n", "", config.read_text())
    config.write_text(_words(text, 'title = "Un folleto"\n'))
    first = sorted((project / "chapters").glob("[0-9]*.md"))[0]
    source = first.read_text(encoding="utf-8")
    assert "../assets/figures/" in source  # a figure that only the source has
    folder = project / "translations" / "es-US" / "chapters"
    folder.mkdir(parents=True)
    (folder / first.name).write_text(source + "\n![Una figura que no existe.](../assets/figures/nowhere.png "
                                     "\"Ninguna.\")\n", encoding="utf-8")
    mark(project, "es-US", first.name)
    first.write_text(source + "\nA new sentence for the reader.\n", encoding="utf-8")
    return project, first.name


def test_a_new_translation_reports_every_gap_in_one_check(tmp_path):
    from handout.check import check_project

    project, name = _four_chapters(tmp_path)
    run = check_project(project)
    codes = [f.code for f in run.findings if f.path.startswith(("translations/", "publish.toml"))]
    assert codes.count("translation.missing") == 3, run.findings
    assert "translation.out-of-date" in codes
    assert "config.translation-words" in codes  # the crisis lines
    assert "review.translation" in codes
    missing = [f for f in run.findings if f.code == "images.missing"]
    assert [f.path for f in missing] == [f"translations/es-US/chapters/{name}"], missing
    assert "nowhere.png" in missing[0].message and "translations/es-US/assets/figures/nowhere.png" in \
        missing[0].message and "then the source language's assets/figures/nowhere.png" in missing[0].message
    assert not any("steps" in f.message and f.code == "images.missing" for f in run.findings)
    assert "citations.no-sources-chapter" not in codes
    assert "links.unknown-target" not in codes  # a link into a chapter not yet translated: the missing chapter


@pytest.mark.slow
def test_the_build_refuses_a_new_translation_naming_every_gap_at_once(tmp_path):
    project, name = _four_chapters(tmp_path)
    result = run_publish(project, "--language", "es-US")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    for says in ("crisis lines", "no reviewer", "out of date", "nowhere.png"):
        assert says in result.stderr, result.stderr
    assert result.stderr.count("missing: chapters/") == 3
    assert not (project / "dist" / "es-US").exists()


def _copied(tmp_path):
    """The mini handout with an es-US translation that is a copy of its chapters without the figures: (project,
    the translation's Config)."""
    from handout.config.settings import load_config
    from handout.config.languages import language_config

    project = make_project(tmp_path / "project")
    config = project / "publish.toml"
    config.write_text(_words(config.read_text(), 'title = "Un folleto"\ncrisis_lines = ["Llame al 911."]\n'))
    shutil.copytree(project / "chapters", project / "translations" / "es-US" / "chapters")
    (project / "translations" / "es-US" / "chapters" / "references.yaml").unlink()
    return project, language_config(load_config(project), "es-US")


def test_a_translated_chapter_uses_the_source_figure_it_does_not_have(tmp_path):
    from handout.load.book import load_book

    project, own = _copied(tmp_path)
    book = load_book(own, use_cache=False)
    images = [image for chapter in book.chapters for image in chapter.images]
    assert images and all(image.path == (project / image.src).resolve() for image in images)
    assert all(not image.src.startswith("translations/") for image in images)


def test_watch_does_not_rebuild_for_the_sources_as_translated(tmp_path):
    from handout.app.watch import _ignored

    keep = _ignored(tmp_path, tmp_path / "dist")
    assert not keep(None, str(tmp_path / "translations" / "es-US" / ".sources" / "03-how-well.md"))
    assert keep(None, str(tmp_path / "translations" / "es-US" / "chapters" / "03-how-well.md"))
    assert keep(None, str(tmp_path / "chapters" / ".sources.md"[1:]))


def test_a_draft_translation_prints_a_missing_chapter_in_the_source_language_under_a_note(tmp_path):
    from handout.load.book import load_book
    from handout.config.settings import load_config
    from handout.config.languages import language_config
    from handout.targets.pdf.render import render_print

    project, name = _four_chapters(tmp_path)
    config = project / "publish.toml"
    config.write_text(config.read_text() + 'crisis_lines = ["Llame al 911."]\n')
    (project / "translations" / "es-US" / "chapters" / name).write_text(
        (project / "chapters" / name).read_text(encoding="utf-8"), encoding="utf-8")  # no figure missing
    own = language_config(load_config(project), "es-US")
    book = load_book(own, use_cache=False, untranslated=True)
    assert [c.lang for c in book.chapters] == ["", "en-US", "en-US", "en-US"]
    page = etree.fromstring(render_print(book, own.clinics[0]).encode("utf-8"), etree.HTMLParser())
    sections = page.xpath("//section[contains(@class, 'chapter')]")
    assert [s.get("lang") for s in sections] == [None, "en-US", "en-US", "en-US"]
    for section in sections[1:]:
        (note,) = section.xpath("p[@class='untranslated']")
        assert note.get("lang") == "es-US" and "no está traducida" in "".join(note.itertext())
    assert page.xpath("//html/@lang") == ["es-US"]
    assert [c.slug for c in load_book(own, use_cache=False).chapters] == [book.chapters[0].slug]  # not a draft


def test_a_chapter_that_records_no_source_is_told_how_to_record_one(tmp_path):
    from handout.load.translations import report

    project, name = _four_chapters(tmp_path)
    chapter = project / "translations" / "es-US" / "chapters" / name
    chapter.write_text(re.sub(r"(?m)^source:.*\n", "", chapter.read_text(encoding="utf-8")), encoding="utf-8")
    shown = report(project, ("es-US",))
    assert "records no source" in shown
    assert f"`publish.py translations mark es-US {name.split('-')[0]}` records that" in shown


@pytest.mark.parametrize("content, says", [
    ('<?xml version="1.0"?>\n<!DOCTYPE xliff [<!ENTITY x SYSTEM "file:///etc/hostname">]>\n<xliff/>', "DOCTYPE"),
    ("<foo/>", "no <xliff> with a <file>"),
    ("garbage<", "not an XLIFF 1.2 file"),
])
def test_an_unusable_xliff_file_is_refused_with_a_message(tmp_path, content, says):
    project = make_project(tmp_path / "project")
    path = tmp_path / "bad.xlf"
    path.write_text(content)
    with pytest.raises(InputError, match=says):
        import_file(project, "es-US", path)


def test_a_unit_twice_in_the_file_is_refused(tmp_path):
    project = _texts(tmp_path)
    data, _ = export(project, "es-US", "en-US", "Título", "xliff")
    document = etree.fromstring(data)
    unit = next(document.iter(f"{XLIFF}trans-unit"))
    from copy import deepcopy

    unit.addnext(deepcopy(unit))
    path = tmp_path / "twice.xlf"
    path.write_bytes(etree.tostring(document))
    with pytest.raises(InputError, match="in the file twice"):
        import_file(project, "es-US", path)


def test_a_figure_the_translation_gets_later_replaces_the_source_one_in_a_cached_build(tmp_path):
    from handout.load.book import load_book

    project, own = _copied(tmp_path)
    first = [i.src for c in load_book(own).chapters for i in c.images]
    assert first and not any(src.startswith("translations/") for src in first)
    for src in first:  # the translation gets its own copy of each figure
        (project / "translations" / "es-US" / src).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(project / src, project / "translations" / "es-US" / src)
    again = [i.src for c in load_book(own).chapters for i in c.images]
    assert again == [f"translations/es-US/{src}" for src in first]
    shutil.rmtree(project / "translations" / "es-US" / "assets")
    assert [i.src for c in load_book(own).chapters for i in c.images] == first


def test_the_words_of_publish_toml_are_units_and_a_new_translation_gets_them_written(tmp_path):
    import tomllib

    project, _ = _four_chapters(tmp_path)  # [languages.es-US] has only its title
    data, _ = export(project, "es-US", "en-US", "Título", "xliff")
    document = etree.fromstring(data)
    assert xliff_schema().validate(document)
    (settings,) = [f for f in document.iter(f"{XLIFF}file") if f.get("original") == "publish.toml"]
    units = {u.get("id"): u for u in settings.iter(f"{XLIFF}trans-unit")}
    assert units["publish.toml#title"].find(f"{XLIFF}target").text == "Un folleto"
    assert units["publish.toml#crisis_lines.1"].find(f"{XLIFF}target").get("state") == "new"
    for unit in units.values():
        target = unit.find(f"{XLIFF}target")
        if target.get("state") == "new":
            target.text = "ES " + "".join(unit.find(f"{XLIFF}source").itertext())
            target.set("state", "translated")
    path = tmp_path / "es-US.xlf"
    path.write_bytes(etree.tostring(document))
    before = (project / "publish.toml").read_text()
    import_file(project, "es-US", path)
    after = (project / "publish.toml").read_text()
    words = tomllib.loads(after)["languages"]["es-US"]
    source = tomllib.loads(after)["crisis"]["lines"]
    assert words["title"] == "Un folleto"
    assert words["crisis_lines"] == [f"ES {line}" for line in source]
    assert after.startswith(before.rstrip("\n"))  # the rest of the file as it was


def test_a_changed_crisis_line_changes_that_line_of_publish_toml_only(tmp_path):
    project = _texts(tmp_path)
    data, _ = export(project, "es-US", "en-US", "Título", "po")
    from translate.storage import po

    store = po.pofile(data)
    (unit,) = [u for u in store.units if u.getcontext() == "publish.toml#crisis_lines.2"]
    old = unit.target
    unit.target = "Llame al 911 si está en peligro."
    path = tmp_path / "es-US.po"
    path.write_bytes(bytes(store))
    before = (project / "publish.toml").read_text(encoding="utf-8").splitlines()
    import_file(project, "es-US", path)
    after = (project / "publish.toml").read_text(encoding="utf-8").splitlines()
    changed = [(a, b) for a, b in zip(before, after) if a != b]
    assert len(before) == len(after) and len(changed) == 1
    assert old in changed[0][0] and "Llame al 911 si está en peligro." in changed[0][1]


def test_the_builds_refusal_keeps_a_problem_the_check_does_not_look_for(tmp_path):
    import datetime as dt

    from handout.check import translation_refusal
    from handout.config.settings import load_config

    project, _ = _four_chapters(tmp_path)
    config = load_config(project)
    font = InputError("U+13000 is drawn by no font of es-US", project / "publish.toml", 1,
                      code="input.uncovered-character")
    refusal = translation_refusal(config, "es-US", dt.date(2026, 12, 1), font)
    assert "U+13000" in refusal.message and "crisis lines" in refusal.message and "no reviewer" in refusal.message


def test_inline_markup_is_placeholders_and_the_words_are_text():
    from handout.load.translate_io.segments import inline

    found = inline("Text **HOME** to [Crisis Text Line]{lang=en} or see [help](08-getting-help.md#x) [@a; @b]")
    words = "".join(p for p in found.parts if isinstance(p, str))
    assert words == "Text HOME to Crisis Text Line or see help "
    assert set(found.codes.values()) >= {"**", "[", "]{lang=en}", "](08-getting-help.md#x)", "[@a; @b]"}
    assert len(found.pairs) == 3  # the emphasis, the marked span, the link: each opened before it closes
