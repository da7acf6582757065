"""The languages of a project: the source language (publish.toml's `language`) and its translations
(`translations = ["es-US"]`), each built as a handout of its own.

A translation lives beside the source: `translations/<tag>/chapters/NN-slug.md`, the same file names, its own
front matter and its own `jargon.txt`; `chapters/references.yaml` is shared. Its words in publish.toml are in
`[languages.<tag>]` (title, subtitle, description, rights, topic, crisis_heading, crisis_lines, clinic_address), with
its online address and its review record (translated_by, reviewed_by, reviewed_on).

The rules, in one place:
- outputs: the source language's keep their names and places (`dist/<name>.pdf`); a translation's go in
  `dist/<tag>/` with the same names (with several clinics `dist/<tag>/<clinic id>/`);
- identifier: a translation's is a UUID 5 of the source identifier and the tag, so it is stable and different;
- online address: `[languages.<tag>] online_url`, else the source's address plus `<tag>/` (the folder the
  translation's web edition is in, when dist/ is copied to the source's address);
- a translation's Config is the source's with these words in place (`language_config`): the rest of the
  toolchain reads `config.language` and never asks which language is the source.
"""
from __future__ import annotations

import uuid
from dataclasses import replace
from pathlib import Path

from handout.config.settings import Config, config_line
from handout.core.errors import InputError

TRANSLATIONS_DIR = "translations"
# The settings that a translation must say in its own words when the source has them.
REQUIRED_WORDS = ("title",)
OPTIONAL_WORDS = ("subtitle", "description", "rights", "topic")


def languages(config: Config) -> tuple[str, ...]:
    """Every language the project is built in, the source language first (the same for a translation's
    Config as for the source's)."""
    return (config.source_language or config.language, *config.translations)


def chapters_dir(tag: str) -> str:
    return f"{TRANSLATIONS_DIR}/{tag}/chapters"


def output_subfolder(config: Config, tag: str) -> Path:
    """Where a language's outputs go inside the output folder: nowhere else for the source language."""
    return Path("") if tag == (config.source_language or config.language) else Path(tag)


def translation_identifier(identifier: str, tag: str) -> str:
    return f"urn:uuid:{uuid.uuid5(uuid.UUID(identifier.removeprefix('urn:uuid:')), tag)}"


def online_url(config: Config, tag: str) -> str:
    own = dict(config.languages).get(tag, {}).get("online_url", "")
    if own or not config.online_url or tag == config.language:
        return own or config.online_url
    return config.online_url.rstrip("/") + f"/{tag}/"


def _line(config: Config, key: str) -> int | None:

    return config_line(config, key) or config_line(config, "languages") or None


def language_config(config: Config, tag: str, problems: list | None = None) -> Config:
    """The Config of one language: the source's own, or a translation's, with its words in place. With a list
    `problems`, a translation without its crisis lines goes on to be checked (no lines) and the refusal goes in
    the list, so that `check` reports it with the translation's other gaps."""
    if tag == config.language:
        return config
    if config.source_language:
        raise ValueError("language_config takes the source language's Config")
    if tag not in config.translations:
        raise InputError(f"'{tag}' is not a language of this handout (publish.toml lists "
                         f"{', '.join(languages(config))}): add it to translations", config.path,
                         _line(config, "translations"), code="config.unknown-language")
    words = dict(dict(config.languages).get(tag, {}))
    for key in REQUIRED_WORDS:
        if not words.get(key):
            raise InputError(f"the {tag} translation needs its own {key}: add `{key} = \"...\"` to "
                             f"[languages.{tag}] in publish.toml", config.path, _line(config, f"languages.{tag}"),
                             code="config.translation-words")
    crisis = config.crisis
    if config.crisis.shown:
        if not words.get("crisis_lines"):
            missing = InputError(f"the {tag} translation needs its own crisis lines (the crisis box is printed): "
                                 f"add crisis_heading and crisis_lines to [languages.{tag}] in publish.toml",
                                 config.path, _line(config, f"languages.{tag}"), code="config.translation-words")
            if problems is None:
                raise missing
            problems.append(missing)
        crisis = replace(crisis, heading=words.get("crisis_heading", ""), lines=tuple(words.get("crisis_lines", ())))
    address = words.get("clinic_address")
    clinics = tuple(replace(clinic, address=(address if isinstance(address, str) else
                                             dict(address).get(clinic.id, clinic.address)))
                    if address is not None else clinic for clinic in config.clinics)
    check = config.check
    source_jargon = config.check.jargon_file
    if source_jargon.startswith("chapters/"):  # the translation's own list, at the same place in its folder
        check = replace(check, jargon_file=f"{chapters_dir(tag)}/{source_jargon.removeprefix('chapters/')}")
    record = tuple((key, words[key]) for key in ("translated_by", "reviewed_by", "reviewed_on") if key in words)
    return replace(
        config, language=tag, title=words["title"],
        **{key: words.get(key, "") for key in OPTIONAL_WORDS},
        identifier=translation_identifier(config.identifier, tag), online_url=online_url(config, tag),
        crisis=crisis, clinics=clinics, check=check, languages=(),
        chapters_dir=chapters_dir(tag), source_language=config.language, translation=record)


def review_problem(config: Config) -> InputError | None:
    """A final build of a translation needs its reviewer (a qualified translator or medical interpreter)."""
    if not config.source_language or dict(config.translation).get("reviewed_by") or config.sample:
        return None
    return InputError(f"the {config.language} translation has no reviewer: a qualified medical translator or "
                      f"interpreter must review it before patients get it (reviewed_by and reviewed_on in "
                      f"[languages.{config.language}] of publish.toml), or build it as a draft with --draft",
                      config.path, _line(config, f"languages.{config.language}"), code="review.translation")


def own_name(tag: str, full: bool = False) -> str:
    """The language's name in the language itself ("Español"), for a language switcher; with `full`, with
    its region too ("English (United Kingdom)")."""
    try:
        from babel import Locale

        locale = Locale.parse(tag.replace("-", "_"))
        name = (locale.get_display_name(locale) if full else locale.get_language_name(locale)) or tag
        return name[:1].upper() + name[1:]
    except Exception:  # Babel not installed, or a tag it does not know: the tag itself
        return tag


def own_names(tags) -> dict[str, str]:
    """Each language's own name; with its region where two of `tags` share a language (en-US, en-GB)."""
    short = {tag: own_name(tag) for tag in tags}
    return {tag: own_name(tag, full=list(short.values()).count(name) > 1) for tag, name in short.items()}
