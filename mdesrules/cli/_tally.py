"""Counters over a run of ``mdesrules check``: all it keeps, so memory stays flat."""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from ._outcome import Outcome

__all__ = ["Tally"]


MAX_PATHS = 1000
"""The most distinct paths a tally counts; a violation at a path past them is not counted
by path (it still is by code), so that a hostile input cannot grow the counter."""


@lru_cache(maxsize=4096)
def field_of(path: str) -> str:
    """*path* with each array index as ``*``: ``/Tokens/3/Status`` -> ``/Tokens/*/Status``,
    so that a field failing in many elements is counted as one field."""
    return _INDEX.sub("/*", path) or "/"


_INDEX = re.compile(r"/[0-9]+(?=/|$)")


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
        self.records += 1
        error = False
        codes, fields = self.codes, self.fields
        for v in outcome.violations:
            codes[v.code] += 1
            field = field_of(v.path)
            if field in fields or len(fields) < MAX_PATHS:
                fields[field] += 1
            error = error or v.severity == "error"
        self.passed += not error  # outcome.ok, without going through the list twice

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
