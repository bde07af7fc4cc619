"""A one-line progress meter on stderr for long ``mdesrules check`` runs.

It shows only where a person watches: stderr must be a terminal, and stdout must not be
the same terminal (there each result line is progress enough, and the meter would be torn
by them). It redraws at most five times a second, so its cost per record is one clock
read, and it leaves the line blank when done. When the size of the input is known (regular
files only, no standard input) it shows the share of the bytes done and the time left at
the rate so far; JSON Lines advance block by block, other files when they are done.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
from typing import TextIO

__all__ = ["Progress"]

_CLEAR = "\r\x1b[K"  # carriage return, then erase to the end of the line


class Progress:
    """Records done, records per second and, with *total_bytes*, the percentage done and
    the time left, redrawn in place on *stream*.

    Args:
        stream: where to draw (stderr).
        output: the report's stream, flushed before each redraw so that report lines
            written to the same terminal (through ``tee``, say) never land mid-meter.
        enabled: when False every method does nothing.
        interval: least seconds between redraws.
        clock: seconds, monotonic; replaceable in tests.
        total_bytes: the size of the whole input, when known.
    """

    def __init__(
        self,
        stream: TextIO,
        output: TextIO,
        *,
        enabled: bool,
        interval: float = 0.2,
        clock: Callable[[], float] = time.monotonic,
        total_bytes: int | None = None,
    ) -> None:
        self._total = total_bytes if total_bytes else None
        self._bytes = 0
        self._stream = stream
        self._output = output
        self._enabled = enabled
        self._interval = interval
        self._clock = clock
        self._start = clock()
        self._next = self._start + interval
        self._done = 0
        self._shown = False

    @classmethod
    def for_terminal(
        cls, stream: TextIO, output: TextIO, *, wanted: bool, total_bytes: int | None = None
    ) -> Progress:
        """A meter that is on when *wanted*, *stream* is a TTY and *output* is not."""
        enabled = wanted and _isatty(stream) and not _isatty(output)
        return cls(stream, output, enabled=enabled, total_bytes=total_bytes)

    def tick(self, source: str) -> None:
        """Count one record, read at *source*; redraw when the interval has passed."""
        self.advance(1, source)

    def advance(self, records: int, source: str, size: int = 0) -> None:
        """Count *records* records of *size* bytes in all, the last read at *source*;
        redraw when it is time."""
        if not self._enabled:
            return
        self._done += records
        self._bytes += size
        now = self._clock()
        if now >= self._next:
            self._next = now + self._interval
            self._draw(now, source)

    def file_done(self, path: str) -> None:
        """Count the bytes of file *path*, read whole (not by blocks), as done."""
        if self._enabled and self._total is not None:
            with contextlib.suppress(OSError):
                self._bytes += os.stat(path).st_size

    def hide(self) -> None:
        """Erase the meter, if shown, before the caller writes report output."""
        if self._shown:
            self._stream.write(_CLEAR)
            self._stream.flush()
            self._shown = False

    def close(self) -> None:
        """Erase the meter for good."""
        self.hide()
        self._enabled = False

    def _draw(self, now: float, source: str) -> None:
        elapsed = max(now - self._start, 1e-9)
        text = f"mdesrules: {self._done:,} records, {self._done / elapsed:,.0f}/s"
        if self._total is not None and self._bytes:
            share = min(self._bytes / self._total, 1.0)
            left = elapsed * (1 - share) / share
            text += f", {share:.0%}, {_duration(left)} left"
        width = _columns(self._stream) - 1
        where = f", at {source}"
        # A cut-off FILE:LINE would show a wrong line number: all of it, or none.
        text = text + where if len(text) + len(where) <= width else text[:width]
        self._output.flush()
        self._stream.write(_CLEAR + text)
        self._stream.flush()
        self._shown = True


def _duration(seconds: float) -> str:
    """*seconds* as ``1h02m``, ``3m05s`` or ``12s``."""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a replaced or closed stream
        return False


def _columns(stream: TextIO) -> int:
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, OSError, ValueError):
        return 80
