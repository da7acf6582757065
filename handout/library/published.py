"""What a library's handouts published: each handout's languages and, per language and clinic, its files under
dist/ (from the build's own plan, so the catalog, the feeds and the bundle list exactly what the build makes)."""
from __future__ import annotations

import hashlib
import base64
from dataclasses import dataclass, field
from pathlib import Path

from handout.build.run import clinic_online_url, plan_outputs
from handout.config.settings import Clinic, Config, load_config
from handout.config.languages import language_config, languages
from handout.targets import EPUB, PRINT, TARGETS

WEB = "web"


@dataclass(frozen=True)
class File:
    path: Path          # under the library's dist/
    href: str           # relative to dist/, with '/'
    kind: str           # the target: pdf, epub, web
    edition: str        # the PDF edition ("" for the others)

    @property
    def media_type(self) -> str:
        return {".pdf": "application/pdf", ".epub": "application/epub+zip", ".html": "text/html"}[self.path.suffix]

    def size(self) -> int:
        return self.path.stat().st_size

    def sha1_base64(self) -> str:
        """The file's SHA-1 in base64, as FHIR's Attachment.hash wants it."""
        return base64.b64encode(hashlib.sha1(self.path.read_bytes()).digest()).decode("ascii")


@dataclass(frozen=True)
class Copy:
    """One language of a handout for one clinic: its files and its online address."""
    clinic: Clinic
    online_url: str
    files: tuple[File, ...]

    def of(self, kind: str) -> tuple[File, ...]:
        return tuple(f for f in self.files if f.kind == kind)


@dataclass(frozen=True)
class Edition:
    """One language of a handout: its words (a language's Config) and one Copy per clinic."""
    language: str
    config: Config
    copies: tuple[Copy, ...]


@dataclass(frozen=True)
class Published:
    name: str
    config: Config      # the source language's
    editions: dict[str, Edition] = field(default_factory=dict)

    def topic(self, tag: str) -> tuple[str, str]:
        """The handout's topic on language `tag`'s catalog and feed, and the language it is written in: the
        translation's own (`[languages.<tag>] topic`, the handout's or its library's), else the source's
        `topic`, marked as in the source language so that it is read out in that language; ("", "") when
        neither is set."""
        own = self.editions[tag].config.topic if tag in self.editions else ""
        if own:
            return own, tag
        return (self.config.topic, self.config.language) if self.config.topic else ("", "")


def published(name: str, root: Path, dist: Path, draft: bool = False) -> Published:
    """The files the build makes for handout `name` (folder `root`) in `dist`/<name>/, those that exist."""
    config = load_config(root)
    plan = plan_outputs(config, dist / name, (), config.print.editions, draft)
    editions = {}
    for tag in languages(config):
        own = language_config(config, tag)
        copies = []
        for clinic in own.clinics:
            files = tuple(File(item.final, item.final.relative_to(dist).as_posix(), item.kind,
                               item.edition if TARGETS[item.kind].per_edition else "")
                          for item in plan if item.language == tag and item.clinic.id == clinic.id
                          and item.final.is_file())
            files = tuple(sorted(files, key=lambda f: ({PRINT.name: 0, EPUB.name: 1}.get(f.kind, 2),
                                                        own.print.editions.index(f.edition) if f.edition else 0)))
            url = clinic_online_url(own, clinic)
            copies.append(Copy(clinic, url, files))
        editions[tag] = Edition(tag, own, tuple(copies))
    return Published(name, config, editions)
