"""``mdesrules check``: stream every record of the input files through the rules.

Records are read, judged and written one at a time; only counters are kept, so a file of
millions of requests runs in the memory of one. Each input record gives exactly one
output record, in input order.
"""

from __future__ import annotations

import argparse
import os
import stat
from collections.abc import Iterable
from typing import BinaryIO, TextIO

from ..registry import REGISTRY
from ._context import load_context
from ._errors import UsageError
from ._outcome import judge
from ._output import writer_for
from ._progress import Progress
from ._readers import read_path
from ._tally import Tally

__all__ = ["run_check"]


def _refuse_stdin_twice(args: argparse.Namespace) -> None:
    named = [*args.files, args.tokens, args.account_ranges]
    if named.count("-") > 1:
        raise UsageError("standard input ('-') can be read only once; name it once")


def _preflight(paths: Iterable[str]) -> None:
    """Fail before the first record when an input file is missing, not an hour later.

    Only ``stat``: opening here would consume a FIFO or process substitution.
    """
    for path in paths:
        if path == "-":
            continue
        try:
            mode = os.stat(path).st_mode
        except OSError as error:
            reason = error.strerror or type(error).__name__
            raise UsageError(f"cannot open {path}: {reason}") from None
        if stat.S_ISDIR(mode):
            raise UsageError(f"cannot open {path}: Is a directory")


def run_check(args: argparse.Namespace, stdin: BinaryIO, stdout: TextIO, stderr: TextIO) -> int:
    """Run ``mdesrules check`` with parsed *args*; return the exit status (0 or 1).

    Raises:
        UsageError, InputError: a usage or I/O problem (exit status 2).
    """
    _refuse_stdin_twice(args)
    _preflight(args.files)
    context = load_context(args.tokens, args.account_ranges, stdin)
    forced = REGISTRY.get(args.operation) if args.operation is not None else None
    writer = writer_for(args.format, stdout)
    tally = Tally()
    progress = Progress.for_terminal(stderr, stdout, wanted=args.progress)
    try:
        for path in args.files:
            for record in read_path(path, stdin):
                outcome = judge(record, forced, context)
                progress.hide()
                writer.record(outcome)
                tally.add(outcome)
                progress.tick(outcome.source)
        writer.finish(tally)
        stdout.flush()
    finally:
        progress.close()
    return tally.exit_status
