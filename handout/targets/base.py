"""The output formats: one Target each in TARGETS. Planning, the cache's digests, the command line's
`--no-<name>` flags, progress labels and the README's table of outputs all come from here.

A target owns its top templates and stylesheets, the capabilities its layouts may ask about (a layout asks
`{% if paged %}`, never which target it is), the inputs only it reads, the file it writes and the job that
writes it. A target is made once per print edition (`per_edition`, the PDF) or once per clinic (the EPUB).

To add a target: a package beside pdf/, epub/ and web/ that owns its renderer, job and writer and registers its
entry (`register(Target(...))` in its __init__.py), its import in handout/targets/__init__.py, and its layouts under
layouts/. This module is the registry alone: it imports no target.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Callable

from handout.config import editions


@dataclass(frozen=True)
class Target:
    name: str                     # "pdf": its flag is --no-pdf
    label: str                    # in progress lines and timings: "PDF letter", "EPUB"
    layouts: str                  # the layouts' name for it (templates see it as `target`)
    templates: tuple[str, ...]    # its top templates, under layouts/
    stylesheets: tuple[str, ...]  # what its documents link to, in order (editions add theirs to the PDF's)
    extension: str
    per_edition: bool             # one file per print edition, else one per clinic
    own_inputs: tuple[str, ...]   # inputs only this target reads: paths, or folders ending in "/"
    capabilities: dict = field(default_factory=dict)  # what its layouts may ask about
    page_list: bool = False       # maps the printed pages (the EPUB's page list): it needs their first words
    unit: str = "pages"           # what the build's summary counts
    help: str = ""                # the --no-<name> flag's help
    summary: str = ""             # one line for the README's table of outputs
    # "module:function", imported when a build runs it (the registry stays light: a build with nothing to do
    # imports no renderer): (book, clinic, edition, file, page starts) -> (count, page starts, seconds[, warnings])
    job: str = ""
    stem: str = ""                # its file's name before the extension ("": publish.toml's output_name)
    enabled: Callable | None = None  # (config) -> whether publish.toml asks for it ("None": always)

    def job_function(self) -> Callable:
        """The job, imported."""
        module, _, name = self.job.partition(":")
        return getattr(importlib.import_module(module), name)

    def reads(self, path: str) -> bool:
        return any(path == own or (own.endswith("/") and path.startswith(own)) for own in self.own_inputs)


# The registry: each target's package (handout/targets/pdf/, epub/, web/) registers its entry when imported;
# handout/targets/__init__.py imports them in this order, which is the order of the outputs everywhere.
TARGETS: dict[str, Target] = {}


def register(entry: Target) -> Target:
    """Add a target (a package's __init__ does, once); its name must be new."""
    if entry.name in TARGETS:
        raise ValueError(f"a target named {entry.name!r} is registered already")
    TARGETS[entry.name] = entry
    return entry


def target(name: str) -> Target:
    return TARGETS[name]


def depends(path: str, target_name: str, edition: str, paper: str) -> bool:
    """Whether the input file `path` can change the output of `target_name` (for a PDF: of `edition`)."""
    if path.startswith("assets/css/editions/"):
        return TARGETS[target_name].per_edition and path in editions.stylesheets(edition, paper)
    owners = [t.name for t in TARGETS.values() if t.reads(path)]
    return not owners or target_name in owners


def output_file(target_name: str, output_name: str, edition: str, listed: tuple[str, ...], suffix: str = "") -> str:
    """The output's file name: the first edition publish.toml lists is `<name>.pdf`, any other
    `<name>-<edition>.pdf`; a target made once per clinic is `<name>.<extension>`. `suffix` (`-draft`) goes
    before the extension."""
    entry = TARGETS[target_name]
    stem = entry.stem or output_name
    stem = stem if not entry.per_edition or edition == listed[0] else f"{stem}-{edition}"
    return f"{stem}{suffix}{entry.extension}"


def label(target_name: str, edition: str) -> str:
    entry = TARGETS[target_name]
    return f"{entry.label} {edition}" if entry.per_edition else entry.label


def outputs_table(output_name: str = "<output_name>") -> str:
    """The README's table of outputs, from the registries (a test keeps the README equal to it)."""
    rows = ["| Output | File in dist/ | What it is |", "| --- | --- | --- |"]
    for entry in TARGETS.values():
        if not entry.per_edition:
            rows.append(f"| {entry.label[0].upper()}{entry.label[1:]} | `{output_file(entry.name, output_name, '', ('',))}` "
                        f"| {entry.summary} |")
            continue
        for name, edition in editions.EDITIONS.items():
            rows.append(f"| {entry.label} `{name}` | `{output_file(entry.name, output_name, name, ('',))}` "
                        f"| {edition.summary} |")
    return "\n".join(rows)


def unit(target_name: str, edition: str) -> str:
    """What an output's count counts: pages, sheet sides (a booklet), documents (the EPUB)."""
    entry = TARGETS[target_name]
    return editions.edition(edition).unit if entry.per_edition else entry.unit
