"""The rules of `publish.py check`, each declared once, where it is written:

    @rule("citations", levels=("warning", "error"), doc="...", settings=())
    def check_citations(book, today) -> list[Finding]: ...

A rule's name is the first part of its findings' codes (`citations.unknown-key`), `levels` the levels it
reports at (the first: its problems'), `doc` what it checks and `settings` the `check.*` options it reads.
The README's table of rules (`rule_table`), the JSON report's list of rules (`RULES`) and `[check.rules]` in
publish.toml (a rule switched off, or its problems reported at another level: `settings_for`) all come from
here.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

from handout.config.settings import SCHEMA
from handout.core.errors import LEVELS


@dataclass(frozen=True)
class Rule:
    name: str
    levels: tuple[str, ...]
    doc: str
    settings: tuple[str, ...]
    function: Callable
    layout: bool = False   # it lays out a print edition (slow): the build's gate skips it (it lays them out itself)

    @property
    def level(self) -> str:
        """The level of the rule's problems unless publish.toml changes it."""
        return self.levels[0]

    def configure(self) -> str:
        """The README's "configure" cell: each setting with its default."""
        cells = []
        for name in self.settings:
            default = SCHEMA["check"][name].default
            cells.append(f"`check.{name}` ({default})")
        return ", ".join(cells)


REGISTRY: dict[str, Rule] = {}


def rule(name: str, *, levels: tuple[str, ...], doc: str, settings: tuple[str, ...] = (), layout: bool = False):
    """Register a rule function `(book, today) -> list[Finding]` under `name` (in report order)."""
    if name in REGISTRY:
        raise ValueError(f"rule {name!r} is registered twice")
    unknown = [level for level in levels if level not in LEVELS] + [s for s in settings if s not in SCHEMA["check"]]
    if unknown:
        raise ValueError(f"rule {name!r}: unknown levels or settings {unknown}")

    def register(function: Callable) -> Callable:
        REGISTRY[name] = Rule(name, tuple(levels), " ".join(doc.split()), tuple(settings), function, layout)
        return function

    return register


def rule_table() -> str:
    """The README's table of rules, in registry order."""
    rows = ["| rule | level | what it checks | configure |", "| --- | --- | --- | --- |"]
    for entry in REGISTRY.values():
        rows.append(f"| `{entry.name}` | {', '.join(entry.levels)} | {entry.doc} | {entry.configure()} |")
    return "\n".join(rows)


def settings_for(config) -> dict[str, bool | str]:
    """`[check.rules]` of publish.toml: rule name -> False (off), True (as declared) or a level. Names that
    are no rule are left for `unknown_rules`."""
    return dict(getattr(config.check, "rules", ()) or ())


def unknown_rules(config) -> list[str]:
    return [name for name in settings_for(config) if name not in REGISTRY]


def applied(name: str, findings: list, config) -> list:
    """A rule's findings as publish.toml wants them: none when the rule is off; with its level changed, every
    finding above info at that level (measurements stay info)."""
    setting = settings_for(config).get(name, True)
    if setting is False:
        return []
    if isinstance(setting, str):
        return [replace(f, level=setting) if f.level != "info" else f for f in findings]
    return findings
