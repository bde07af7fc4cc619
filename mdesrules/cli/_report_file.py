"""A report file written whole or not at all: ``mdesrules check --html FILE``.

The file is made as a temporary file beside *FILE* when the run starts (so a directory
that does not exist or cannot be written to is a usage error before the first record,
not after an hour of checking), and renamed over *FILE* only once the report is complete.
A reader of *FILE* sees the previous file or the new one, never a part of one; a run that
ends without a report (a usage or I/O problem, exit status 2) leaves *FILE* as it was.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile

from ._errors import UsageError

__all__ = ["ReportFile"]


class ReportFile:
    """A temporary file beside *path*, that :meth:`commit` renames to *path*.

    Raises:
        UsageError: *path* is a directory, or no file can be made in its directory.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        try:
            if stat.S_ISDIR(os.stat(path).st_mode):
                raise UsageError(f"cannot write {path}: Is a directory")
        except FileNotFoundError:
            pass
        except OSError as error:
            raise UsageError(f"cannot write {path}: {_reason(error)}") from None
        directory, name = os.path.split(path)
        try:
            fd, self._temporary = tempfile.mkstemp(
                prefix=f".{name}.", suffix=".tmp", dir=directory or "."
            )
        except OSError as error:
            raise UsageError(f"cannot write {path}: {_reason(error)}") from None
        os.close(fd)
        self._placed = False

    def commit(self, text: str) -> None:
        """Write *text* (UTF-8) and put it in place of *path*, with the permissions a new
        file gets (mode 0666 less the umask).

        Raises:
            UsageError: the file cannot be written (the disk is full, ...); *path* is left
                as it was.
        """
        try:
            with open(self._temporary, "w", encoding="utf-8", newline="") as stream:
                stream.write(text)
                stream.flush()
                os.fsync(stream.fileno())
            os.chmod(self._temporary, 0o666 & ~_umask())
            os.replace(self._temporary, self.path)
            self._placed = True
        except OSError as error:
            self.discard()
            raise UsageError(f"cannot write {self.path}: {_reason(error)}") from None

    def discard(self) -> None:
        """Remove the temporary file, unless :meth:`commit` put it in place; *path* stays
        as it was."""
        if self._placed:
            return
        with contextlib.suppress(OSError):
            os.unlink(self._temporary)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _reason(error: OSError) -> str:
    return error.strerror or type(error).__name__
