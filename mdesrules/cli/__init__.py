"""Command line interface: ``mdesrules check``, ``mdesrules rules`` and ``mdesrules serve``.

:func:`main` is the console script. It never shows a traceback: a usage or I/O problem is
one line on stderr and exit status 2 (DESIGN.md section 5), an interrupt exits 130 and a
reader that went away (``| head``) ends the run quietly.
"""

from __future__ import annotations

import io
import os
import sys
from typing import BinaryIO

from .. import __version__
from ._check import run_check
from ._errors import Terminated, UsageError
from ._parser import build_parser
from ._readers import InputError
from ._rules import run_rules

__all__ = ["main"]

_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports a process killed by Ctrl-C
_TERMINATED = 143  # 128 + SIGTERM
_BROKEN_PIPE = 141  # 128 + SIGPIPE, as a shell reports `yes | head`
_USAGE = 2


def main(argv: list[str] | None = None) -> int:
    """Run the ``mdesrules`` command with *argv* (default: ``sys.argv[1:]``).

    Returns:
        The exit status: 0 all records pass, 1 some record has an error, 2 a usage or
        I/O problem, 130 interrupted, 143 terminated (SIGTERM, during ``check``), 141
        stdout closed by its reader.
    """
    try:
        args = build_parser(__version__).parse_args(argv)
    except SystemExit as stop:  # argparse has printed usage and its message, or --help
        return stop.code if isinstance(stop.code, int) else _USAGE
    try:
        if args.command == "rules":
            return run_rules(args, sys.stdout)
        if args.command == "serve":
            from ._serve import run_serve  # its server and journal: for serve only

            return run_serve(args, _stdin(), sys.stderr)
        return run_check(args, _stdin(), sys.stdout, sys.stderr)
    except (UsageError, InputError) as error:
        sys.stderr.write(f"mdesrules: {' '.join(str(error).splitlines())}\n")
        return _USAGE
    except Terminated:
        return _TERMINATED
    except KeyboardInterrupt:
        return _INTERRUPTED
    except BrokenPipeError:
        _discard_stdout()
        return _BROKEN_PIPE


def _stdin() -> BinaryIO:
    """Standard input as bytes; empty when the process has none."""
    if sys.stdin is None:  # started without one, as by pythonw or a closed descriptor
        return io.BytesIO()
    return sys.stdin.buffer


def _discard_stdout() -> None:
    """Point stdout at /dev/null, so the flush at exit does not fail on the closed pipe."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)
