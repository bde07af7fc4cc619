"""Counters over a run of ``mdesrules check``: all it keeps, so memory stays flat."""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from typing import NamedTuple

from attrs import evolve, frozen

from ..violations import Violation
from ._outcome import Outcome

__all__ = ["Counted", "Failure", "Tally", "counted", "field_of"]


MAX_PATHS = 1000
"""The most distinct paths a tally counts; a violation at a path past them is not counted
by path (it still is by code), so that a hostile input cannot grow the counter."""

MAX_KEPT_VIOLATIONS = 50
"""The most violations a kept failing record holds (:attr:`Failure.more` counts the rest)."""

MAX_KEPT_TEXT = 1000
"""The most characters of a kept violation's message, path or field: a path may name an
unknown key of a megabyte."""


@lru_cache(maxsize=4096)
def field_of(path: str) -> str:
    """*path* with each array index as ``*``: ``/Tokens/3/Status`` -> ``/Tokens/*/Status``,
    so that a field failing in many elements is counted as one field."""
    return _INDEX.sub("/*", path) or "/"


_INDEX = re.compile(r"/[0-9]+(?=/|$)")


@frozen
class Failure:
    """A failing record kept for the HTML report: its outcome, cut to a bounded size.

    Attributes:
        source: ``FILE:LINE`` (``FILE:LINE[INDEX]`` for an array element).
        operation: the operation it was checked as, or None.
        violations: its first :data:`MAX_KEPT_VIOLATIONS` violations (masked, as every
            outcome's are), each text cut to :data:`MAX_KEPT_TEXT` characters.
        errors: how many of all its violations are errors.
        more: how many violations were left out.
    """

    source: str
    operation: str | None
    violations: tuple[Violation, ...]
    errors: int
    more: int = 0

    @classmethod
    def of(cls, outcome: Outcome, errors: int) -> Failure:
        """*outcome*, which has *errors* errors, cut to size."""
        kept = outcome.violations[:MAX_KEPT_VIOLATIONS]
        more = len(outcome.violations) - len(kept)
        return cls(outcome.source, outcome.operation, tuple(map(_cut, kept)), errors, more)

    def at(self, source: str) -> Failure:
        """This failure, of the record at *source*."""
        return Failure(source, self.operation, self.violations, self.errors, self.more)


def _cut(v: Violation) -> Violation:
    limit = MAX_KEPT_TEXT
    if len(v.message) <= limit and len(v.path) <= limit and all(len(f) <= limit for f in v.fields):
        return v
    return evolve(
        v,
        message=_shortened(v.message),
        path=_shortened(v.path),
        fields=tuple(map(_shortened, v.fields)),
    )


def _shortened(text: str) -> str:
    return text if len(text) <= MAX_KEPT_TEXT else text[: MAX_KEPT_TEXT - 1] + "\u2026"


class Counted(NamedTuple):
    """What a :class:`Tally` counts of one record's outcome (see :func:`counted`), so that
    records alike are counted at once (:meth:`Tally.count`).

    Attributes:
        operation: the operation it was checked as, ``""`` when none was told.
        pairs: ``(code, field)`` of each of its violations.
        errors: how many of its violations are errors.
        warned: the code of each of its warnings.
        failure: the record as the HTML report keeps it, with ``""`` for its source (see
            :meth:`Failure.at`); None when it passes, or when it was not asked for.
    """

    operation: str
    pairs: tuple[tuple[str, str], ...]
    errors: int
    warned: tuple[str, ...]
    failure: Failure | None = None


def counted(
    operation: str | None, violations: tuple[Violation, ...], failure: bool = False
) -> Counted:
    """What a :class:`Tally` counts of a record of *operation* with *violations*; with
    *failure*, a failing one's :class:`Failure` too."""
    pairs = tuple((v.code, field_of(v.path)) for v in violations)
    warned = tuple(v.code for v in violations if v.severity != "error")
    errors = len(violations) - len(warned)
    kept = None
    if failure and errors:
        kept = Failure.of(Outcome("", operation, violations), errors)
    return Counted(operation or "", pairs, errors, warned, kept)


class Tally:
    """How many records were checked, passed and failed, and how often each code and each
    field (a violation's path, array indexes as ``*``) came up; errors and warnings; the
    records of each operation and each input; and the first *keep* failing records.

    The per-code counter is bounded by the number of violation codes, the per-field one by
    :data:`MAX_PATHS`, the per-operation one by the operations, the per-input one by the
    files named on the command line, and the failing records kept by *keep*: not by the
    input.
    """

    def __init__(self, keep: int = 0) -> None:
        self.records = 0
        self.passed = 0
        self.errors = 0
        self.warnings = 0
        self.codes: Counter[str] = Counter()
        #: the warnings among each code's violations
        self.warned_codes: Counter[str] = Counter()
        self.fields: Counter[str] = Counter()
        #: records per operation ("" for a record whose operation could not be told)
        self.operations: Counter[str] = Counter()
        #: failing records per operation
        self.failed_operations: Counter[str] = Counter()
        #: records per input, by its name in sources
        self.inputs: Counter[str] = Counter()
        self.keep = keep
        #: the first *keep* failing records, in input order
        self.failures: list[Failure] = []

    @property
    def failed(self) -> int:
        """Records with at least one error."""
        return self.records - self.passed

    def add(self, outcome: Outcome) -> None:
        """Count one record's outcome (its input counted by :meth:`count_input`)."""
        record = counted(outcome.operation, outcome.violations)
        self.count(record)
        if record.errors and len(self.failures) < self.keep:
            self.failures.append(Failure.of(outcome, record.errors))

    def count(self, record: Counted, records: int = 1) -> None:
        """Count *records* records alike, each as *record* (no failure is kept here: see
        :meth:`add`, :attr:`Counted.failure`).

        Counting the records of a block alike at once, a run of them at a time in input
        order, counts what counting them one by one would: a field is counted when it is
        among the first :data:`MAX_PATHS` fields seen, and those come in the same order.
        """
        if not records:
            return
        self.records += records
        codes, fields = self.codes, self.fields
        for code, field in record.pairs:
            codes[code] += records
            if field in fields or len(fields) < MAX_PATHS:
                fields[field] += records
        if record.warned:
            self.warnings += len(record.warned) * records
            for code in record.warned:
                self.warned_codes[code] += records
        self.operations[record.operation] += records
        if record.errors:
            self.errors += record.errors * records
            self.failed_operations[record.operation] += records
        else:
            self.passed += records

    def add_passing(self, operation: str, count: int) -> None:
        """Count *count* records of *operation* without any violation."""
        self.records += count
        self.passed += count
        self.operations[operation] += count

    def count_input(self, name: str, records: int = 1) -> None:
        """Count *records* records read from the input *name*."""
        self.inputs[name] += records

    def merge(self, other: Tally) -> None:
        """Add the counts of *other* (the part of the same run that follows these)."""
        self.records += other.records
        self.passed += other.passed
        self.errors += other.errors
        self.warnings += other.warnings
        self.codes.update(other.codes)
        self.warned_codes.update(other.warned_codes)
        fields = self.fields
        for field, count in other.fields.items():
            if field in fields or len(fields) < MAX_PATHS:
                fields[field] += count
        self.operations.update(other.operations)
        self.failed_operations.update(other.failed_operations)
        self.inputs.update(other.inputs)
        room = self.keep - len(self.failures)
        if room > 0:
            self.failures.extend(other.failures[:room])

    def by_count(self) -> list[tuple[str, int]]:
        """Each code with its count, the most frequent first, ties by code."""
        return sorted(self.codes.items(), key=lambda item: (-item[1], item[0]))

    def fields_by_count(self, top: int) -> list[tuple[str, int]]:
        """The *top* fields with the most violations, the most first, ties by path."""
        return sorted(self.fields.items(), key=lambda item: (-item[1], item[0]))[:top]

    def operations_by_count(self) -> list[tuple[str, int]]:
        """Each operation with its records, the most first, ties by name; records whose
        operation could not be told (``""``) last."""
        return sorted(self.operations.items(), key=lambda item: (not item[0], -item[1], item[0]))

    @property
    def exit_status(self) -> int:
        """0 when no record has an error, 1 when some record has one (DESIGN.md section 5)."""
        return 1 if self.failed else 0
