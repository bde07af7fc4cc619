"""Checking a block of JSON Lines: parse, judge and format each line, count the outcomes.

:class:`BlockChecker` turns one :class:`~mdesrules.cli._readers.Lines` block into the
report text of its records and their :class:`~mdesrules.cli._tally.Tally`. The same
checker runs in the ``mdesrules check`` process (``--jobs 1``, and small inputs) and in
each worker process, so where a block is checked cannot change a byte of the report.

This is the per-record path of a batch of millions, so it stays lean: no
:class:`~mdesrules.cli._readers.Record` or :class:`~mdesrules.cli._outcome.Outcome` is
made for a record without violations, and its report line is a precomputed prefix and
suffix around its line number.
"""

from __future__ import annotations

from typing import NamedTuple

from ..checking import encrypted_data
from ..context import Context
from ..registry import REGISTRY, Operation, Registry
from ._decoding import line_decoder
from ._outcome import Outcome, judge, verdict, violations_of
from ._output import writer_class
from ._readers import Lines, Record, block_lines, line_too_long
from ._tally import Tally

__all__ = ["BlockChecker", "Checked"]


class Checked(NamedTuple):
    """What a checked block gives back: its report text, its counts, and where it ended.

    Attributes:
        text: the report lines of every record of the block, in order.
        tally: the counts of the block's records.
        last: ``FILE:LINE`` of the block's last record, ``""`` when it has none.
        size: the bytes of input the block held (for the progress line).
    """

    text: str
    tally: Tally
    last: str
    size: int = 0


class BlockChecker:
    """Checks blocks as *forced* (or the operation told from each record), in *fmt*.

    Args:
        forced: the operation of ``--operation``, or None.
        context: the token inventory and account ranges, or None.
        fmt: the report format, one of :data:`mdesrules.cli._output.FORMATS`.
        failures_only: write only the records that fail (``--failures-only``); every
            record is counted all the same.
        keep: how many failing records each block's tally keeps for the HTML report
            (:attr:`Tally.failures <mdesrules.cli._tally.Tally.failures>`).
    """

    def __init__(
        self,
        forced: Operation | None,
        context: Context | None,
        fmt: str,
        registry: Registry = REGISTRY,
        failures_only: bool = False,
        keep: int = 0,
    ) -> None:
        self.failures_only = failures_only
        self.keep = keep
        self.forced = forced
        self.registry = registry
        self.context = context
        self.fmt = fmt
        self._writer = writer_class(fmt)
        self._name: str | None = None  # the file the passing-line prefix is made for
        self._prefix = ""
        self._suffixes: dict[str, str] = {}

    def __call__(self, lines: Lines) -> Checked:
        """Check every record of *lines*."""
        forced, context, writer = self.forced, self.context, self._writer
        failures_only = self.failures_only
        lines_out = writer.records  # False for a format that writes a page at the end only
        passing_out = lines_out and not failures_only
        if lines.name != self._name:
            self._start_file(lines.name)
        prefix, suffixes = self._prefix, self._suffixes
        decode = line_decoder()
        out: list[str] = []
        tally = Tally(self.keep)
        clean: dict[str, int] = {}  # records without any violation per operation, not in tally yet
        lineno = 0
        detect = self.registry.detect
        for lineno, line in block_lines(lines.first, lines.data):
            document, error = decode(line) if line is not None else (None, line_too_long())
            if error is None:
                # verdict() inlined for the record that passes, nine in ten in a batch.
                try:
                    op = forced or detect(document)
                    encrypted = op is not None and op.account_encryption is not None
                    if encrypted and encrypted_data(document) is not None:
                        op = None  # verdict() below decrypts it, or says it cannot
                    findings = op.form("json").checker(document, context) if op else None
                except Exception:  # verdict() below checks again and reports it
                    op = findings = None
                if op is not None and findings is not None:
                    name = op.name
                    if not findings:
                        if passing_out:
                            out.append(
                                prefix + str(lineno) + (suffixes.get(name) or self._suffix(name))
                            )
                        clean[name] = clean.get(name, 0) + 1
                        continue
                    violations = violations_of(name, findings)
                    outcome = Outcome(f"{lines.name}:{lineno}", name, violations)
                else:
                    operation, violations = verdict(document, forced, context, self.registry)
                    outcome = Outcome(f"{lines.name}:{lineno}", operation, violations)
            else:
                outcome = judge(
                    Record(f"{lines.name}:{lineno}", error=error), forced, context, self.registry
                )
            if lines_out and not (failures_only and outcome.ok):
                out.append(writer.format(outcome))
            tally.add(outcome)
        for name, count in clean.items():
            tally.add_passing(name, count)
        if tally.records:
            tally.count_input(lines.name, tally.records)
        last = f"{lines.name}:{lineno}" if tally.records else ""
        return Checked("".join(out), tally, last, len(lines.data or b""))

    def _start_file(self, name: str) -> None:
        self._name = name
        self._prefix = self._writer.passing(name, "-")[0]
        self._suffixes = {}

    def _suffix(self, operation: str) -> str:
        suffix = self._writer.passing(self._name or "", operation)[1]
        self._suffixes[operation] = suffix
        return suffix
