"""What a build shows while it runs: a live display on a terminal, one plain line per step otherwise (CI)."""
from __future__ import annotations

import re
import sys
import time

# A step's label names its clinic when the project has several: "PDF letter [north]" (build._label).
_CLINIC = re.compile(r"^(.*?) \[([^\]]+)\]$")


def split_clinic(name: str) -> tuple[str, str]:
    """("PDF letter", "north") from "PDF letter [north]"; ("PDF letter", "") when no clinic is named."""
    match = _CLINIC.match(name)
    return (match.group(1), match.group(2)) if match else (name, "")


class PlainProgress:
    """One line per event, for logs."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stdout  # looked up now: sys.stdout may have been replaced since import
        self.started: dict[str, float] = {}

    def __call__(self, event: str, name: str) -> None:
        if event == "start":
            self.started[name] = time.perf_counter()
            print(f"  building {name} ...", file=self.stream, flush=True)
        elif event == "done":
            seconds = time.perf_counter() - self.started.pop(name, time.perf_counter())
            print(f"  built {name} in {seconds:.2f} s", file=self.stream, flush=True)
        elif event == "skip":
            print(f"  {name}: up to date", file=self.stream, flush=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class LiveProgress:
    """A spinner per output while it is being made, on a terminal (rich); with several clinics, each line names
    its clinic in a column of its own."""

    def __init__(self, console=None):
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self.progress = Progress(SpinnerColumn(finished_text="[green]done"), TextColumn("{task.description}"),
                                 TextColumn("{task.fields[clinic]}", markup=False), TimeElapsedColumn(),
                                 transient=False, console=console)
        self.tasks: dict[str, int] = {}

    def __call__(self, event: str, name: str) -> None:
        step, clinic = split_clinic(name)
        if event == "start":
            self.tasks[name] = self.progress.add_task(step, total=1, clinic=clinic)
        elif event == "done" and name in self.tasks:
            self.progress.update(self.tasks[name], completed=1)
        elif event == "skip":
            task = self.progress.add_task(f"{step}: up to date", total=1, clinic=clinic)
            self.progress.update(task, completed=1)  # finished, so it says "done" like the others

    def __enter__(self):
        self.progress.start()
        return self

    def __exit__(self, *exc):
        self.progress.stop()
        return False


def progress_for(stream=None):
    """A live display when `stream` (default: sys.stdout as it is now) is a terminal, plain lines otherwise."""
    stream = stream or sys.stdout
    return LiveProgress() if stream.isatty() else PlainProgress(stream)
