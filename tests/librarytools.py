"""A test library: a library.toml with two clinics, one shared references.yaml, and short handouts made from the
mini fixture's chapters, each in English and Spanish (the translation a copy of the chapters, marked as
translating them as they are, so the checks of an English text apply)."""
from __future__ import annotations

import shutil
import uuid
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures"

LIBRARY_TOML = '''# The settings every handout of this library shares; a handout's own publish.toml wins.
online_url = "https://www.example.org/handouts"
sample = true
language = "en-US"
authors = ["Handout editorial team"]
publisher = "Sample Health Network"
translations = ["es-US"]

[library]
title = "Sample Health Network handouts"
description = "Plain-language handouts of the network's clinics."

[print]
editions = ["letter"]

[languages.es-US]
crisis_heading = "Si está en crisis, busque ayuda ahora"
crisis_lines = ["Llame o envíe un mensaje de texto al 988.", "Llame al 911 si está en peligro inmediato."]

[[clinic]]
id = "portland"
name = "Portland Sample Clinic"
phone = "(555) 010-0101"

[[clinic]]
id = "salem"
name = "Salem Sample Clinic"
phone = "(555) 010-0102"
'''

HANDOUTS = {
    "treatment-day": ("Your treatment day", "Tu día de tratamiento", "treatment"),
    "first-weeks": ("Starting a tablet: the first weeks", "Empezar una tableta: las primeras semanas", "medicines"),
    "get-help": ("When to get help right away", "Cuándo pedir ayuda de inmediato", "safety"),
}

# The topics' Spanish words: "medicines" has none, so its Spanish catalog shows the English topic, marked as such.
SPANISH_TOPICS = {"treatment": "Tratamiento", "safety": "Seguridad"}


def handout_toml(name: str, title: str, spanish: str, topic: str, due: str = "2027-11-01") -> str:
    return f'''title = "{title}"
identifier = "urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'test-library:' + name)}"
output_name = "{name}"
description = "A short test handout: {title.lower()}."
keywords = ["{topic}"]
topic = "{topic.capitalize()}"

[review]
last_reviewed = 2026-11-01
next_review_due = {due}
reviewed_by = "Clinical review panel (sample)"

[languages.es-US]
title = "{spanish}"
description = "Un folleto corto de prueba."
translated_by = "Equipo editorial"
''' + (f'topic = "{SPANISH_TOPICS[topic]}"\n' if topic in SPANISH_TOPICS else "")


def make_handout(library: Path, name: str, title: str, spanish: str, topic: str, **extra) -> Path:
    from handout.load.translations import mark

    root = library / name
    (root / "chapters").mkdir(parents=True)
    for chapter in (FIXTURES / "mini" / "chapters").glob("*.md"):
        shutil.copy2(chapter, root / "chapters" / chapter.name)
    shutil.copytree(FIXTURES / "mini" / "assets", root / "assets")
    translated = root / "translations" / "es-US"
    shutil.copytree(root / "chapters", translated / "chapters")
    shutil.copytree(root / "assets", translated / "assets")
    (root / "publish.toml").write_text(handout_toml(name, title, spanish, topic, **extra))
    for chapter in sorted((root / "chapters").glob("*.md")):
        mark(root, "es-US", chapter.name)
    return root


def make_library(folder: Path, handouts: dict | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "library.toml").write_text(LIBRARY_TOML)
    shutil.copy2(FIXTURES / "mini" / "chapters" / "references.yaml", folder / "references.yaml")
    for name, (title, spanish, topic) in (handouts or HANDOUTS).items():
        make_handout(folder, name, title, spanish, topic)
    return folder


_BUILT: dict[str, Path] = {}


def library_sources(library: Path, folder: Path) -> Path:
    """A copy of the library's sources (no dist/, no build state) in `folder`."""
    shutil.copytree(library, folder, ignore=shutil.ignore_patterns("dist", ".cache"))
    return folder


def built_library(tmp_path_factory) -> Path:
    """The test library built once by a local `handout build` at its root (shared by the tests that compare a
    queue's, shards' or a later build's outputs with it): the library folder, its outputs in dist/."""
    if "local" not in _BUILT:
        from conftest import run_publish

        folder = make_library(tmp_path_factory.mktemp("library-local") / "library")
        result = run_publish(folder, "build")
        assert result.returncode == 0, result.stderr
        _BUILT["local"] = folder
    return _BUILT["local"]


def output_files(folder: Path) -> dict[str, bytes]:
    """Every output under `folder` with its bytes (not the build's own dot files: its lists of outputs)."""
    return {path.relative_to(folder).as_posix(): path.read_bytes()
            for path in sorted(folder.rglob("*")) if path.is_file() and not path.name.startswith(".")}
