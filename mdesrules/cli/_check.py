"""``mdesrules check``: stream every record of the input files through the rules.

Each input record gives exactly one output record, in input order, whatever ``--jobs``.
JSON Lines are read in blocks of lines, checked on every core (:mod:`._pool`) and written
block by block in order; the records of other files (JSON documents and arrays, XML) are
read, judged and written one at a time in this process. Only counters and a bounded
window of blocks are kept, so a file of millions of requests runs in flat memory.

The HTML page (:mod:`._html`) and the key file (:mod:`._keys`, which needs the
``cryptography`` package) are imported only by a run that asks for them: a plain run
starts sooner.
"""

from __future__ import annotations

import argparse
import os
import stat
from collections.abc import Iterable
from typing import BinaryIO, TextIO

from attrs import evolve

from .. import __version__
from ..apis import surface
from ..context import Context
from ..exceptions import UnknownOperation
from ..registry import Operation, Registry
from ._blocks import BlockChecker, Checked
from ._context import load_context
from ._errors import Terminated, UsageError
from ._outcome import judge
from ._output import WholeWrites, whole_writes, write_report, writer_for
from ._pool import Blocks, Interrupts, default_jobs
from ._progress import Progress
from ._readers import BLOCK_BYTES, Lines, Record, read_input
from ._report_file import ReportFile
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


def _input_size(paths: Iterable[str]) -> int | None:
    """The bytes of all input files, when each is a regular file (for the progress line's
    percentage); None when one is standard input, a pipe or a device."""
    total = 0
    for path in paths:
        if path == "-":
            return None
        try:
            status = os.stat(path)
        except OSError:
            return None
        if not stat.S_ISREG(status.st_mode) or _gzipped(path):
            return None  # gzip: the bytes read are not the bytes of the file
        total += status.st_size
    return total


def _gzipped(path: str) -> bool:
    try:
        with open(path, "rb") as stream:
            return stream.read(2) == b"\x1f\x8b"
    except OSError:
        return False


def _stopped(records: int, last: str, terminated: bool) -> str:
    """The sentence that says where a run stopped by Ctrl-C or SIGTERM stopped."""
    why = "terminated (SIGTERM)" if terminated else "interrupted"
    if not last:
        return f"{why} before the first record was reported; the report is incomplete"
    count = f"{records:,} record" + ("" if records == 1 else "s")
    return (
        f"{why} after {count}; the last one completed is {last}; "
        "the records after it were not checked and the report is incomplete"
    )


def _input_name(path: str) -> str:
    """The name sources give the input *path*."""
    return "<stdin>" if path == "-" else path


def run_check(args: argparse.Namespace, stdin: BinaryIO, stdout: TextIO, stderr: TextIO) -> int:
    """Run ``mdesrules check`` with parsed *args*; return the exit status (0 or 1).

    The HTML page (``--format html`` on *stdout*, ``--html FILE``) is written when the run
    ends, from the tally; a run stopped by Ctrl-C or SIGTERM writes it too, with the
    sentence that says where the run stopped. A run that ends with a usage or I/O problem
    writes no page (``--html FILE`` is left as it was).

    Raises:
        UsageError, InputError: a usage or I/O problem (exit status 2).
        KeyboardInterrupt: Ctrl-C (:class:`Terminated` for SIGTERM), after a line on
            *stderr* that says which record was the last one completed.
    """
    _refuse_stdin_twice(args)
    html_path: str | None = getattr(args, "html", None)
    if html_path == "-":
        raise UsageError("--html writes a file; --format html writes the page to standard output")
    _preflight(args.files)
    registry = surface(args.api)
    if args.encryption_key is not None:
        from ._keys import refuse_key_without_encryption

        refuse_key_without_encryption(registry)
    context = load_context(args.tokens, args.account_ranges, stdin, args.encryption_key)
    if args.pan_in_text != "default":
        context = evolve(context or Context(), pan_in_text=args.pan_in_text)
    try:
        forced = registry.get(args.operation) if args.operation is not None else None
    except UnknownOperation:
        raise UsageError(f"--api {args.api} has no operation {args.operation}") from None
    keep = 0
    if args.format == "html" or html_path is not None:
        from ._html import FAILING_SHOWN

        keep = FAILING_SHOWN
    report_file = ReportFile(html_path) if html_path is not None else None
    try:
        return _run(args, registry, forced, context, keep, report_file, stdout, stderr, stdin)
    finally:
        if report_file is not None:
            report_file.discard()  # nothing once the page is in place


def _run(
    args: argparse.Namespace,
    registry: Registry,
    forced: Operation | None,
    context: Context | None,
    keep: int,
    report_file: ReportFile | None,
    stdout: TextIO,
    stderr: TextIO,
    stdin: BinaryIO,
) -> int:
    """:func:`run_check` once its arguments are read: check every record, write the
    reports."""
    stdout = whole_writes(stdout)
    writer = writer_for(args.format, stdout)
    failures_only = bool(getattr(args, "failures_only", False))
    tally = Tally(keep)
    progress = Progress.for_terminal(
        stderr, stdout, wanted=args.progress, total_bytes=_input_size(args.files)
    )
    jobs = args.jobs if args.jobs is not None else default_jobs()
    block_bytes = _block_bytes()
    last = ""  # the source of the last record completed (written, or left out as passing)

    # Ctrl-C and SIGTERM wait while a piece of the report is written and counted, so that
    # a stopped report ends with a whole record, the last one completed.
    interrupts = Interrupts(sigterm=True)

    def emit(checked: Checked) -> None:
        nonlocal last
        progress.hide()
        with interrupts.held():
            write_report(stdout, checked.text)
            tally.merge(checked.tally)
            if checked.last:  # not a block of blank lines only
                last = checked.last
        if checked.last:
            progress.advance(checked.tally.records, checked.last, checked.size)

    codec = stdout.codec if isinstance(stdout, WholeWrites) else None
    checker = BlockChecker(forced, context, args.format, registry, failures_only, keep, codec)

    def record(item: Record) -> None:
        """Judge, write and count one record read whole (not in a block of lines). A
        JSON record is found as a block's line is, in the checker's cache of outcomes, so
        a JSON array that repeats its mistakes is worded once per distinct one too."""
        nonlocal last
        kind = None
        if item.error is None and item.form != "xml":
            kind = checker.kind_of_document(item.document)
        if kind is None:
            outcome = judge(item, forced, context, registry)
        progress.hide()
        with interrupts.held():
            if kind is None:
                if not (failures_only and outcome.ok):
                    writer.record(outcome)
                tally.add(outcome)
            else:
                if writer.records and not (failures_only and kind.ok):
                    stdout.write(writer.lead(item.source) + kind.after)
                tally.count(kind.counted)
                failure = kind.counted.failure
                if failure is not None and len(tally.failures) < tally.keep:
                    tally.failures.append(failure.at(item.source))
            tally.count_input(item.source.rpartition(":")[0])
            last = item.source
        progress.tick(item.source)

    def write_page(stopped: str | None) -> None:
        if not keep:
            return
        from ._html import Page, render

        page = render(
            tally, Page(__version__, registry.key, tuple(map(_input_name, args.files)), stopped)
        )
        if args.format == "html":
            stdout.write(page)
        if report_file is not None:
            report_file.commit(page)

    interrupts.install()
    try:
        try:
            with Blocks(checker, jobs, emit, interrupts) as blocks:
                for path in args.files:
                    in_blocks = False
                    for item in read_input(path, stdin, block_bytes):
                        if isinstance(item, Lines):
                            in_blocks = True
                            blocks.submit(item)
                            continue
                        blocks.drain()  # everything before this record is written first
                        record(item)
                    if not in_blocks:  # a JSON document or array, or XML: done as a whole
                        progress.file_done(path)
                blocks.drain()
            writer.finish(tally)
            write_page(None)
            stdout.flush()
        except KeyboardInterrupt:
            progress.close()
            stopped = _stopped(tally.records, last, interrupts.terminated)
            stderr.write(f"mdesrules: {stopped}\n")
            stderr.flush()
            try:
                with interrupts.held():  # a second Ctrl-C waits for the page to be written
                    write_page(stopped[0].upper() + stopped[1:] + ".")
            except KeyboardInterrupt:
                pass
            if interrupts.terminated:
                raise Terminated from None
            raise
        finally:
            progress.close()
    finally:
        interrupts.restore()
    return tally.exit_status
