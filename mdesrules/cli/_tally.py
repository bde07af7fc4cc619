"""Counters over a run of ``mdesrules check``: all it keeps, so memory stays flat."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

from ..violations import Violation
from ._outcome import Outcome

__all__ = ["Tally", "counted", "field_of"]


MAX_PATHS = 1000
"""The most distinct paths a tally counts; a violation at a path past them is not counted
by path (it still is by code), so that a hostile input cannot grow the counter."""


@lru_cache(maxsize=4096)
def field_of(path: str) -> str:
    """*path* with each array index as ``*``: ``/Tokens/3/Status`` -> ``/Tokens/*/Status``,
    so that a field failing in many elements is counted as one field."""
    return _INDEX.sub("/*", path) or "/"


_INDEX = re.compile(r"/[0-9]+(?=/|$)")


def counted(violations: Iterable[Violation]) -> tuple[tuple[str, str], ...]:
    """What a :class:`Tally` counts of a record's *violations*: ``(code, field)`` each."""
    return tuple((v.code, field_of(v.path)) for v in violations)


class Tally:
    """How many records were checked, passed and failed, and how often each code and each
    field (a violation's path, array indexes as ``*``) came up.

    The per-code counter is bounded by the number of violation codes, the per-field one by
    :data:`MAX_PATHS`, not by the input.
    """

    def __init__(self) -> None:
        self.records = 0
        self.passed = 0
        self.codes: Counter[str] = Counter()
        self.fields: Counter[str] = Counter()

    @property
    def failed(self) -> int:
        """Records with at least one error."""
        return self.records - self.passed

    def add(self, outcome: Outcome) -> None:
        """Count one record's outcome."""
        self.count(counted(outcome.violations), outcome.ok)

    def count(self, pairs: Iterable[tuple[str, str]], ok: bool, records: int = 1) -> None:
        """Count *records* records alike: each with violations of these ``(code, field)``
        *pairs* (see :func:`counted`), passing when *ok*.

        Counting the records of a block alike at once, each kind in the order of its first
        record, counts what counting them one by one would: a field is counted when it is
        among the first :data:`MAX_PATHS` fields seen, and those come in the same order.
        """
        self.records += records
        if ok:
            self.passed += records
        codes, fields = self.codes, self.fields
        for code, field in pairs:
            codes[code] += records
            if field in fields or len(fields) < MAX_PATHS:
                fields[field] += records

    def merge(self, other: Tally) -> None:
        """Add the counts of *other* (a part of the same run) to these."""
        self.records += other.records
        self.passed += other.passed
        self.codes.update(other.codes)
        fields = self.fields
        for field, count in other.fields.items():
            if field in fields or len(fields) < MAX_PATHS:
                fields[field] += count

    def by_count(self) -> list[tuple[str, int]]:
        """Each code with its count, the most frequent first, ties by code."""
        return sorted(self.codes.items(), key=lambda item: (-item[1], item[0]))

    def fields_by_count(self, top: int) -> list[tuple[str, int]]:
        """The *top* fields with the most violations, the most first, ties by path."""
        return sorted(self.fields.items(), key=lambda item: (-item[1], item[0]))[:top]

    @property
    def exit_status(self) -> int:
        """0 when no record has an error, 1 when some record has one (DESIGN.md section 5)."""
        return 1 if self.failed else 0
