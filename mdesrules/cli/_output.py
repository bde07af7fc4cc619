"""The two report formats of ``mdesrules check``: JSON Lines for pipelines, text for people.

Both write each record's result as soon as it is known and hold nothing back, so output
streams with the input. The JSON Lines format is the public contract of DESIGN.md
section 5; the text format keeps the words `` ok`` and ``FAIL`` that CI scripts grep for.

Text format::

    requests.jsonl:1  token_update  ok
    requests.jsonl:3  token_update  FAIL (2 errors)
      error  mutually_exclusive  /TokenUpdateRequest/TokenUniqueReference  ...
      error  unknown_field  /TokenUpdateRequest/AuditInfo/Organisation  ...

    3 records checked: 1 passed, 2 failed
      2  mutually_exclusive
      1  unknown_field
"""

from __future__ import annotations

import json
from typing import Protocol, TextIO

from ..violations import Violation
from ._outcome import Outcome
from ._tally import Tally

__all__ = ["FORMATS", "JsonLinesWriter", "TextWriter", "Writer", "writer_for"]


class Writer(Protocol):
    """Writes one record's outcome at a time, then the end of the report."""

    def record(self, outcome: Outcome) -> None:
        """Write *outcome*."""

    def finish(self, tally: Tally) -> None:
        """Write what comes after the last record."""


class JsonLinesWriter:
    """One JSON object per record, keys in the contract's order; no summary line."""

    def __init__(self, out: TextIO) -> None:
        self._out = out

    def record(self, outcome: Outcome) -> None:
        line = json.dumps(
            {
                "source": outcome.source,
                "operation": outcome.operation,
                "ok": outcome.ok,
                "violations": [v.to_dict() for v in outcome.violations],
            }
        )
        self._out.write(line + "\n")

    def finish(self, tally: Tally) -> None:
        """Nothing: a summary object would break "one object per input record"."""


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _one_line(text: str) -> str:
    return " ".join(text.splitlines())


class TextWriter:
    """A line per record, a line per violation beneath it, and a summary at the end."""

    def __init__(self, out: TextIO) -> None:
        self._out = out

    def record(self, outcome: Outcome) -> None:
        operation = outcome.operation or "-"
        errors = sum(v.severity == "error" for v in outcome.violations)
        verdict = f"FAIL ({_plural(errors, 'error')})" if errors else "ok"
        lines = [f"{outcome.source}  {operation}  {verdict}"]
        lines.extend(self._violation(v) for v in outcome.violations)
        self._out.write("\n".join(lines) + "\n")

    @staticmethod
    def _violation(v: Violation) -> str:
        return f"  {v.severity}  {v.code}  {v.path or '/'}  {_one_line(v.message)}"

    def finish(self, tally: Tally) -> None:
        lines = [
            "",
            f"{_plural(tally.records, 'record')} checked: "
            f"{tally.passed} passed, {tally.failed} failed",
        ]
        counts = tally.by_count()
        if counts:
            width = len(str(counts[0][1]))
            lines.extend(f"  {count:>{width}}  {code}" for code, count in counts)
        self._out.write("\n".join(lines) + "\n")


FORMATS = ("text", "json")


def writer_for(name: str, out: TextIO) -> Writer:
    """The writer of format *name* (one of :data:`FORMATS`) onto *out*."""
    return JsonLinesWriter(out) if name == "json" else TextWriter(out)
