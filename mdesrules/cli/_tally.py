"""Counters over a run of ``mdesrules check``: all it keeps, so memory stays flat."""

from __future__ import annotations

from collections import Counter

from ._outcome import Outcome

__all__ = ["Tally"]


class Tally:
    """How many records were checked, passed and failed, and how often each code came up.

    The per-code counter is bounded by the number of violation codes, not by the input.
    """

    def __init__(self) -> None:
        self.records = 0
        self.passed = 0
        self.codes: Counter[str] = Counter()

    @property
    def failed(self) -> int:
        """Records with at least one error."""
        return self.records - self.passed

    def add(self, outcome: Outcome) -> None:
        """Count one record's outcome."""
        self.records += 1
        error = False
        codes = self.codes
        for v in outcome.violations:
            codes[v.code] += 1
            error = error or v.severity == "error"
        self.passed += not error  # outcome.ok, without going through the list twice

    def merge(self, other: Tally) -> None:
        """Add the counts of *other* (a part of the same run) to these."""
        self.records += other.records
        self.passed += other.passed
        self.codes.update(other.codes)

    def by_count(self) -> list[tuple[str, int]]:
        """Each code with its count, the most frequent first, ties by code."""
        return sorted(self.codes.items(), key=lambda item: (-item[1], item[0]))

    @property
    def exit_status(self) -> int:
        """0 when no record has an error, 1 when some record has one (DESIGN.md section 5)."""
        return 1 if self.failed else 0
