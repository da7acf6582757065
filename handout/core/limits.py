"""Limits on work: a stage that runs too long (a hostile or runaway document) is stopped with a message naming
the publish.toml setting that raises its limit. Used by loading (Markdown conversion), the layouts and the writers."""
from __future__ import annotations

import signal
import threading
from contextlib import contextmanager

from handout.core.errors import InputError


class _Expired(BaseException):
    """The time limit passed: a BaseException, so no `except Exception` in a library can swallow it. It
    carries the frame the alarm interrupted, so a caller can say where the work was."""

    def __init__(self, frame=None, where=None):
        super().__init__()
        self.frame = frame
        self.where = where  # what the caller's `locate` made of the frame, when the alarm interrupted it


@contextmanager
def time_limit(seconds: float, what: str, setting: str = "limits.render_seconds", locate=None):
    """Stop a stage that runs too long (a hostile or runaway document); only in the main thread. The error
    names the publish.toml `setting` that raises the limit. `locate(frame)`, when given, is called on the
    frame the first alarm interrupted, while that frame's state is intact; what it returns rides on the
    error as `where`. The alarm repeats (should one be lost), and a repeat may land while the first is
    still unwinding, in a frame that says nothing of where the work was: every repeat carries the first's."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    first: list = []

    def expired(signum, frame):
        if not first:
            try:
                where = locate(frame) if locate is not None else None
            except Exception:  # naming the place is a courtesy: the limit still stops the work
                where = None
            first.append((frame, where))
        raise _Expired(*first[0])

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds, 0.5)  # and again every half second, should one be lost
    try:
        yield
    except _Expired:
        raise InputError(f"{what} took longer than {seconds:g} s ({setting} in publish.toml): "
                         "shorten the handout or raise the limit") from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
