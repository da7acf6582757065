"""What a build shows while it runs: a live display on a terminal, one plain line per step otherwise (CI)."""
from __future__ import annotations

import sys
import time


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
    """A spinner per output while it is being made, on a terminal (rich)."""

    def __init__(self):
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self.progress = Progress(SpinnerColumn(finished_text="[green]done"), TextColumn("{task.description}"),
                                 TimeElapsedColumn(), transient=False)
        self.tasks: dict[str, int] = {}

    def __call__(self, event: str, name: str) -> None:
        if event == "start":
            self.tasks[name] = self.progress.add_task(name, total=1)
        elif event == "done" and name in self.tasks:
            self.progress.update(self.tasks[name], completed=1)
        elif event == "skip":
            self.progress.add_task(f"{name}: up to date", total=1, completed=1)

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
