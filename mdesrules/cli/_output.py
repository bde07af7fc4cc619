"""The per-record report formats of ``mdesrules check``: JSON Lines for pipelines, text for
people; and the place of the HTML page among them.

Both write each record's result as soon as it is known and hold nothing back, so output
streams with the input. The JSON Lines format is the public contract of DESIGN.md
section 5; the text format keeps the words `` ok`` and ``FAIL`` that CI scripts grep for.
``--format html`` writes nothing per record: its page (:mod:`mdesrules.cli._html`) is
written once the run ends, from the tally.

Text format::

    requests.jsonl:1  token_update  ok
    requests.jsonl:3  token_update  FAIL (2 errors)
      error  mutually_exclusive  /TokenUpdateRequest/TokenUniqueReference  ...
      error  unknown_field  /TokenUpdateRequest/AuditInfo/Organisation  ...

    3 records checked: 1 passed, 2 failed
      2  mutually_exclusive
      1  unknown_field
    fields most often in violation:
      2  /TokenUpdateRequest/TokenUniqueReference
      1  /TokenUpdateRequest/AuditInfo/Organisation

The summary counts violations by code (all of them) and by field (the ten most frequent,
array indexes as ``*``). ``--failures-only`` leaves out the records that pass.
"""

from __future__ import annotations

import codecs
import io
import json
import os
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import NamedTuple, Protocol, TextIO, cast

from ..violations import Violation
from ._outcome import Outcome
from ._tally import Tally

__all__ = [
    "FORMATS",
    "JsonLinesWriter",
    "PageWriter",
    "Pieces",
    "TextWriter",
    "WholeWrites",
    "Writer",
    "report_lines",
    "whole_writes",
    "write_report",
    "writer_class",
    "writer_for",
]


class Writer(Protocol):
    """Writes one record's outcome at a time, then the end of the report.

    ``format``, ``passing`` and ``after_line`` give the text without writing it, for
    reports put together in worker processes (:mod:`mdesrules.cli._blocks`). ``records``
    is False for a format that writes nothing per record.
    """

    records: bool

    def record(self, outcome: Outcome) -> None:
        """Write *outcome*."""

    def finish(self, tally: Tally) -> None:
        """Write what comes after the last record."""

    @staticmethod
    def format(outcome: Outcome) -> str:
        """The text that :meth:`record` writes for *outcome*."""

    @staticmethod
    def lead(source: str) -> str:
        """The text before :meth:`after_line` of a record from *source*:
        ``lead(o.source) + after_line(o.operation, o.violations)`` is ``format(o)``."""

    @staticmethod
    def passing(name: str, operation: str) -> tuple[str, str]:
        """The text around the line number of a record with no violation at all.

        ``prefix + str(line) + suffix`` is ``format(Outcome(f"{name}:{line}", operation,
        ()))``; a batch of passing records costs a concatenation each.
        """

    @staticmethod
    def after_line(operation: str | None, violations: tuple[Violation, ...]) -> str:
        """The text after the line number of a record of a JSON Lines file.

        ``passing(name, operation)[0] + str(line) + after_line(operation, violations)`` is
        ``format(Outcome(f"{name}:{line}", operation, violations))``: a batch that breaks
        the same rules again and again writes this once per distinct outcome.
        """


class JsonLinesWriter:
    """One JSON object per record, keys in the contract's order; no summary line."""

    records = True

    def __init__(self, out: TextIO) -> None:
        self._out = out

    def record(self, outcome: Outcome) -> None:
        self._out.write(self.format(outcome))

    @classmethod
    def format(cls, outcome: Outcome) -> str:
        # What json.dumps writes for {"source": ..., "operation": ..., "ok": ...,
        # "violations": [v.to_dict(), ...]}, without building the dicts (a batch has
        # millions); tests/test_cli_jobs.py holds the two to the same bytes. The source's
        # closing quote is the first character of after_line().
        return cls.lead(outcome.source) + cls.after_line(outcome.operation, outcome.violations)

    @staticmethod
    def lead(source: str) -> str:
        return '{"source": ' + _string(source)[:-1]

    @classmethod
    def passing(cls, name: str, operation: str) -> tuple[str, str]:
        # json.dumps escapes character by character, and neither ":" nor digits need it.
        return '{"source": ' + _string(name)[:-1] + ":", cls.after_line(operation, ())

    @staticmethod
    def after_line(operation: str | None, violations: tuple[Violation, ...]) -> str:
        shown = "null" if operation is None else _string(operation)
        ok = not any(v.severity == "error" for v in violations)
        return (
            f'", "operation": {shown}, "ok": {"true" if ok else "false"}, '
            f'"violations": [{", ".join(map(_violation_json, violations))}]}}\n'
        )

    def finish(self, tally: Tally) -> None:
        """Nothing: a summary object would break "one object per input record"."""


_string: Callable[[str], str] = json.encoder.encode_basestring_ascii  # as json.dumps does


@lru_cache(maxsize=4096)
def _violation_json(v: Violation) -> str:
    """``json.dumps(v.to_dict())``; a batch repeats its violations, so each distinct one
    (masked already: a PAN is never a key here) is written once."""
    fields = ", ".join(map(_string, v.fields))
    return (
        f'{{"code": {_string(v.code)}, "path": {_string(v.path)}, "fields": [{fields}], '
        f'"message": {_string(v.message)}, "severity": {_string(v.severity)}}}'
    )


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _one_line(text: str) -> str:
    return " ".join(text.splitlines())


class TextWriter:
    """A line per record, a line per violation beneath it, and a summary at the end."""

    records = True

    def __init__(self, out: TextIO) -> None:
        self._out = out

    def record(self, outcome: Outcome) -> None:
        self._out.write(self.format(outcome))

    @classmethod
    def format(cls, outcome: Outcome) -> str:
        return outcome.source + cls.after_line(outcome.operation, outcome.violations)

    @staticmethod
    def lead(source: str) -> str:
        return source

    @classmethod
    def passing(cls, name: str, operation: str) -> tuple[str, str]:
        return f"{name}:", cls.after_line(operation, ())

    @classmethod
    def after_line(cls, operation: str | None, violations: tuple[Violation, ...]) -> str:
        errors = sum(v.severity == "error" for v in violations)
        verdict = f"FAIL ({_plural(errors, 'error')})" if errors else "ok"
        lines = [f"  {operation or '-'}  {verdict}"]
        lines.extend(cls._violation(v) for v in violations)
        return "\n".join(lines) + "\n"

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
        fields = tally.fields_by_count(TOP_FIELDS)
        if fields:
            lines.append("fields most often in violation:")
            width = len(str(fields[0][1]))
            lines.extend(f"  {count:>{width}}  {field}" for field, count in fields)
        self._out.write("\n".join(lines) + "\n")


TOP_FIELDS = 10
"""How many fields the text report's summary lists, the most violated first."""


class WholeWrites(io.TextIOBase):
    """Report output written straight to the file descriptor, each write whole.

    CPython's buffered writer can drop the rest of a write that a signal handler
    interrupts after part of it has gone out (a pipe whose reader is slow, Ctrl-C): the
    report would end mid-record, and the records said to be done would be missing. Here
    each piece goes out with :func:`os.write` until every byte is written, so a run that
    Ctrl-C or SIGTERM stops (:class:`~mdesrules.cli._pool.Interrupts` holds them back during
    a write) leaves a report of whole records.
    """

    def __init__(self, stream: TextIO, fd: int) -> None:
        super().__init__()
        self._stream = stream
        self._fd = fd
        self._encoding = getattr(stream, "encoding", None) or "utf-8"
        self._errors = getattr(stream, "errors", None) or "strict"

    @property
    def codec(self) -> tuple[str, str]:
        """The encoding and error handler that text written here is encoded with."""
        return self._encoding, self._errors

    def write(self, text: str) -> int:
        self.write_encoded(text.encode(self._encoding, self._errors))
        return len(text)

    def write_encoded(self, data: bytes) -> None:
        """Write text already encoded with :attr:`codec` (by a worker process)."""
        view = memoryview(data)
        while view:
            view = view[os.write(self._fd, view) :]

    def flush(self) -> None:
        """Nothing is held here."""

    def isatty(self) -> bool:
        return self._stream.isatty()

    def fileno(self) -> int:
        return self._fd


class Pieces(NamedTuple):
    """The report of a block of JSON Lines records as its pieces: for each record written,
    its line number and which text comes after it, each distinct text once.

    What a worker process sends for its block: a failing record's report is some 1,200
    bytes, most of them the same as the record's before, and passing a block's whole text
    between processes costs more than putting it together again.

    Attributes:
        prefix: what comes before every line number (the file's name; see
            :meth:`Writer.passing`).
        lines: the line number of each record written, in order.
        kinds: for each, the index of its text in *afters*.
        afters: the distinct texts after a line number (:meth:`Writer.after_line`).
    """

    prefix: str
    lines: list[int]
    kinds: list[int]
    afters: list[str]

    def text(self) -> str:
        """The report text."""
        return report_lines(self.prefix, self.lines, map(self.afters.__getitem__, self.kinds))

    def encoded(self, codec: tuple[str, str]) -> bytes | None:
        """:meth:`text` encoded with *codec*, put together from the pieces encoded once
        each (no pass over the whole text); None unless every piece is ASCII and *codec*
        writes ASCII as it is (UTF-8 and the like), where that is the same bytes."""
        afters = self.afters
        if codecs.lookup(codec[0]).name not in _ASCII_AS_IS or not (
            self.prefix.isascii() and all(after.isascii() for after in afters)
        ):
            return None
        encoded = [after.encode("ascii") for after in afters]
        prefix = self.prefix.encode("ascii")
        if len(encoded) == 1 and len(prefix) + len(encoded[0]) <= _SHORT:
            # One short text after every line number (passing records, most often): one
            # template repeated, every line number put in by one formatting. (Formatting
            # reads each byte of the template: past a few hundred, joining is faster.)
            template = prefix.replace(b"%", b"%%") + b"%d" + encoded[0].replace(b"%", b"%%")
            return (template * len(self.lines)) % tuple(self.lines)
        parts = [prefix] * (3 * len(self.lines))
        parts[1::3] = map(b"%d".__mod__, self.lines)
        parts[2::3] = map(encoded.__getitem__, self.kinds)
        return b"".join(parts)


_SHORT = 160  # bytes of a line's text (but its number) that Pieces.encoded formats

#: Codecs (by :func:`codecs.lookup` name) whose bytes for ASCII text are that text's.
_ASCII_AS_IS = frozenset({"utf-8", "ascii", "iso8859-1", "cp1252"})


def report_lines(prefix: str, lines: list[int], afters: Iterable[str]) -> str:
    """``prefix + str(line) + after`` for each line number of *lines* and text of
    *afters* (as many), joined: the report of a block."""
    parts = [prefix] * (3 * len(lines))
    parts[1::3] = map(str, lines)
    parts[2::3] = afters
    return "".join(parts)


def write_report(out: TextIO, text: str | bytes | Pieces) -> None:
    """Write a piece of the report: *text*, its :class:`Pieces`, or text that a block
    checker encoded with the :attr:`WholeWrites.codec` of *out* (it is given one only when
    *out* is that)."""
    if isinstance(text, Pieces):
        if isinstance(out, WholeWrites):
            data = text.encoded(out.codec)
            if data is not None:
                out.write_encoded(data)
                return
        out.write(text.text())
    elif isinstance(text, bytes):
        cast(WholeWrites, out).write_encoded(text)
    else:
        out.write(text)


def whole_writes(stream: TextIO) -> TextIO:
    """*stream*, or for a stream on a file descriptor :class:`WholeWrites` onto it (after
    writing out what *stream* holds)."""
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is both
        return stream
    stream.flush()
    return WholeWrites(stream, fd)  # type: ignore[return-value]


class PageWriter:
    """``--format html``: nothing per record and nothing at the end here; the command
    writes the page (:func:`mdesrules.cli._html.render`) once every record is counted."""

    records = False

    def __init__(self, out: TextIO) -> None:
        self._out = out

    def record(self, outcome: Outcome) -> None:
        """Nothing: the page shows failing records from the tally."""

    @staticmethod
    def format(outcome: Outcome) -> str:
        return ""

    @staticmethod
    def lead(source: str) -> str:
        return ""

    @staticmethod
    def passing(name: str, operation: str) -> tuple[str, str]:
        return "", ""

    @staticmethod
    def after_line(operation: str | None, violations: tuple[Violation, ...]) -> str:
        return ""

    def finish(self, tally: Tally) -> None:
        """Nothing: the command renders the page, which needs more than the tally."""


FORMATS = ("text", "json", "html")


def writer_class(name: str) -> type[JsonLinesWriter] | type[TextWriter] | type[PageWriter]:
    """The writer class of format *name* (one of :data:`FORMATS`)."""
    if name == "html":
        return PageWriter
    return JsonLinesWriter if name == "json" else TextWriter


def writer_for(name: str, out: TextIO) -> Writer:
    """The writer of format *name* (one of :data:`FORMATS`) onto *out*."""
    return writer_class(name)(out)
