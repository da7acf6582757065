"""What a check found (`Finding`: a Diagnostic of a rule, with its file relative to the project), and what the
build and the report do with findings: the gate, --strict, the counts, the order and the exit status."""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from handout.check.registry import REGISTRY
from handout.config.settings import CONFIG_NAME
from handout.core.errors import LEVELS, Diagnostic, InputError, shown_path


@dataclass(frozen=True)
class Finding:
    """One thing a check found: `rule` is a rule of the registry, `code` says exactly what (`citations.unknown-
    key`); `path` is relative to the project; `line` is 1-based (0: the whole file)."""
    rule: str
    level: str
    path: str
    line: int
    message: str
    hint: str = ""
    code: str = ""

    def __post_init__(self):
        if not self.code:
            object.__setattr__(self, "code", self.rule)

    @classmethod
    def of(cls, diagnostic: Diagnostic, root: Path, level: str | None = None) -> "Finding":
        """A Diagnostic of the loader, the sandbox or the configuration as a finding: its rule is its code's
        first part when that is a rule, else `input`."""

        rule = diagnostic.code.split(".", 1)[0]
        path = relative(diagnostic.path, root) if diagnostic.path is not None else "."
        return cls(rule if rule in REGISTRY else "input", level or diagnostic.level, path,
                   (diagnostic.line or 0) if diagnostic.path is not None else 0, diagnostic.message,
                   diagnostic.hint, diagnostic.code)

    def where(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path

    def format(self) -> str:
        """`file:line: level: [rule] message`, the line of the text report."""
        return f"{self.where()}: {self.level}: [{self.rule}] {self.message}"

    def as_dict(self) -> dict:
        return {"rule": self.rule, "code": self.code, "level": self.level, "path": self.path, "line": self.line,
                "message": self.message, "hint": self.hint}


def relative(path: Path, root: Path) -> str:
    """A finding's file, relative to the project as the user wrote it (see errors.shown_path)."""
    return shown_path(path, root)


class ChecksFailed(InputError):
    """The build refuses a handout with error-level findings: exit status 2, the input is what is wrong."""

    def __init__(self, errors: list[Finding]):
        lines = "\n".join(f"  {f.where()}: [{f.rule}] {f.message}" for f in errors)
        count = f"{len(errors)} check{'s' * (len(errors) != 1)}"
        super().__init__(f"the handout fails {count} at error level, so it is not printed (fix them, or build "
                         f"a draft with --draft):\n{lines}", code="checks.failed")
        self.findings = errors


def gate(findings: list[Finding], draft: bool = False) -> tuple[str, ...]:
    """What the build does with findings: error-level ones raise ChecksFailed, unless `draft`, when they
    come back as warning lines and the build goes on (marking every page as a draft)."""
    errors = [f for f in findings if f.level == "error"]
    if errors and not draft:
        raise ChecksFailed(errors)
    return tuple(f"draft: {f.where()}: [{f.rule}] {f.message}" for f in errors)


def strict(findings: list[Finding]) -> list[Finding]:
    """`--strict`: warnings count as errors."""
    return [replace(f, level="error") if f.level == "warning" else f for f in findings]


def counts(findings: list[Finding]) -> dict[str, int]:
    return {level: sum(1 for f in findings if f.level == level) for level in LEVELS}


def sort_findings(findings: list[Finding], book=None) -> list[Finding]:
    """Grouped by file (publish.toml, the chapters in book order, then the rest), then by line and level."""
    order = {CONFIG_NAME: 0}
    if book is not None:
        for index, chapter in enumerate(book.chapters, 1):
            order[relative(chapter.path, book.root)] = index
    last = len(order) + 1
    return sorted(findings, key=lambda f: (order.get(f.path, last), f.path if f.path not in order else "",
                                           f.line, LEVELS.index(f.level), f.rule))


def exit_status(findings: list[Finding], bad_input: bool) -> int:
    """0 no errors, 1 errors, 2 bad input."""
    if bad_input:
        return 2
    return 1 if any(f.level == "error" for f in findings) else 0
