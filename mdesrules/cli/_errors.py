"""The one exception the command line turns into exit status 2."""

from __future__ import annotations

__all__ = ["Terminated", "UsageError"]


class UsageError(Exception):
    """A usage or I/O problem the operator must fix: a missing file, a bad inventory line.

    The message is one line that names the file (and line, when there is one) and says
    what is wrong; ``main`` prints it after ``mdesrules: `` and exits with status 2.
    """


class Terminated(KeyboardInterrupt):
    """SIGTERM stopped ``mdesrules check``: handled as Ctrl-C is, but ``main`` exits with
    status 143 (128 + SIGTERM), as a shell reports a process stopped by it."""
