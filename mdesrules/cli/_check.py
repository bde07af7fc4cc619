"""``mdesrules check``: stream every record of the input files through the rules.

Each input record gives exactly one output record, in input order, whatever ``--jobs``.
JSON Lines are read in blocks of lines, checked on every core (:mod:`._pool`) and written
block by block in order; the records of other files (JSON documents and arrays, XML) are
read, judged and written one at a time in this process. Only counters and a bounded
window of blocks are kept, so a file of millions of requests runs in flat memory.
"""

from __future__ import annotations

import argparse
import os
import stat
from collections.abc import Iterable
from typing import BinaryIO, TextIO

from attrs import evolve

from ..apis import surface
from ..context import Context
from ..exceptions import UnknownOperation
from ._blocks import BlockChecker, Checked
from ._context import load_context
from ._errors import UsageError
from ._keys import refuse_key_without_encryption
from ._outcome import judge
from ._output import writer_for
from ._pool import Blocks, default_jobs
from ._progress import Progress
from ._readers import BLOCK_BYTES, Lines, read_input
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


def _block_bytes() -> int:
    """The block size: :data:`BLOCK_BYTES`, or ``_MDESRULES_BLOCK_BYTES`` (for tests)."""
    try:
        return max(1, int(os.environ["_MDESRULES_BLOCK_BYTES"]))
    except (KeyError, ValueError):
        return BLOCK_BYTES


def run_check(args: argparse.Namespace, stdin: BinaryIO, stdout: TextIO, stderr: TextIO) -> int:
    """Run ``mdesrules check`` with parsed *args*; return the exit status (0 or 1).

    Raises:
        UsageError, InputError: a usage or I/O problem (exit status 2).
    """
    _refuse_stdin_twice(args)
    _preflight(args.files)
    registry = surface(args.api)
    if args.encryption_key is not None:
        refuse_key_without_encryption(registry)
    context = load_context(args.tokens, args.account_ranges, stdin, args.encryption_key)
    if args.pan_in_text != "default":
        context = evolve(context or Context(), pan_in_text=args.pan_in_text)
    try:
        forced = registry.get(args.operation) if args.operation is not None else None
    except UnknownOperation:
        raise UsageError(f"--api {args.api} has no operation {args.operation}") from None
    writer = writer_for(args.format, stdout)
    tally = Tally()
    progress = Progress.for_terminal(stderr, stdout, wanted=args.progress)
    jobs = args.jobs if args.jobs is not None else default_jobs()
    block_bytes = _block_bytes()

    def emit(checked: Checked) -> None:
        progress.hide()
        stdout.write(checked.text)
        tally.merge(checked.tally)
        if checked.last:  # not a block of blank lines only
            progress.advance(checked.tally.records, checked.last)

    try:
        with Blocks(BlockChecker(forced, context, args.format, registry), jobs, emit) as blocks:
            for path in args.files:
                for item in read_input(path, stdin, block_bytes):
                    if isinstance(item, Lines):
                        blocks.submit(item)
                        continue
                    blocks.drain()  # everything before this record is written first
                    outcome = judge(item, forced, context, registry)
                    progress.hide()
                    writer.record(outcome)
                    tally.add(outcome)
                    progress.tick(outcome.source)
            blocks.drain()
        writer.finish(tally)
        stdout.flush()
    finally:
        progress.close()
    return tally.exit_status
