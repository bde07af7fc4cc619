"""Decoding JSON for ``mdesrules check``: the strict standard-library decoder, and a fast one.

The strict decoder accepts the JSON of RFC 8259 only, and refuses some valid JSON that
MDES could read two ways: a repeated key, ``NaN`` and ``Infinity``, a number too large for
a 64-bit float, an integer of more digits than Python converts. Its error messages are
the canonical ones of the report.

When orjson is installed (``pip install mdesrules[fast]``), JSON Lines lines are decoded
with it first; ``MDESRULES_JSON=stdlib`` in the environment turns that off. The report
must not depend on which decoder ran, so orjson's result is taken only when it is
provably the strict decoder's result (see :func:`_fast_document`), and every other line,
including every line orjson refuses, goes through the strict decoder, which gives the
canonical verdict and message.
"""

from __future__ import annotations

import json
import math
import os
import sys
from collections.abc import Callable

try:
    import orjson
except ImportError:  # pragma: no cover - the test extra installs it
    orjson = None  # type: ignore[assignment]

__all__ = [
    "Decoded",
    "LineDecoder",
    "fast_available",
    "line_decoder",
    "reason",
    "refusal",
    "skimming_decoder",
    "strict_decoder",
]

Decoded = tuple[object, "str | None"]
"""A line's document and ``None``, or ``None`` and why the line is malformed."""

LineDecoder = Callable[[bytes], Decoded]


class _Refused(ValueError):
    """Valid JSON syntax that this reader still refuses; the message says why."""


def _refuse_constant(name: str) -> object:
    raise _Refused("NaN and Infinity are not valid JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise _Refused("a number is too large for a 64-bit float")
    return value


def _unique_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    # MDES would keep one of two values under the same key; which one is unknowable,
    # so a document with a repeated key is refused rather than half-read.
    document = dict(pairs)
    if len(document) != len(pairs):
        raise _Refused("a JSON object has the same key twice")
    return document


def strict_decoder() -> json.JSONDecoder:
    """A decoder for the JSON of RFC 8259 only, made per reader (scanners keep state)."""
    return json.JSONDecoder(
        parse_constant=_refuse_constant,
        parse_float=_finite_float,
        object_pairs_hook=_unique_keys,
    )


def skimming_decoder() -> json.JSONDecoder:
    """A decoder that only finds where a value ends, accepting what the strict one refuses."""
    return json.JSONDecoder(
        parse_constant=lambda _: None,
        parse_float=lambda _: None,
        parse_int=lambda _: None,
        object_pairs_hook=lambda _: None,
    )


def refusal(error: ValueError | RecursionError) -> str:
    """Say why a syntactically complete value was refused (not a JSONDecodeError)."""
    if isinstance(error, _Refused):
        return str(error)
    if isinstance(error, RecursionError):
        return "JSON nesting is too deep"
    # The only other ValueError json raises is int()'s digit limit.
    return f"an integer has more than {sys.get_int_max_str_digits()} digits"


def reason(error: json.JSONDecodeError) -> str:
    """The decoder's message, lowercased to follow a colon."""
    return error.msg[:1].lower() + error.msg[1:]


def fast_available() -> bool:
    """Whether JSON Lines lines are decoded with orjson (installed, and not turned off)."""
    return orjson is not None and os.environ.get("MDESRULES_JSON", "").lower() != "stdlib"


def line_decoder() -> LineDecoder:
    """A function from one JSON Lines line (bytes, line end removed) to :data:`Decoded`.

    It uses orjson when :func:`fast_available`, the strict decoder otherwise; the two give
    the same result for every line. Make one per block or reader: it holds a scanner.
    """
    strict = strict_decoder()

    def decode_strict(line: bytes) -> Decoded:
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as error:
            return None, f"not valid UTF-8 (at byte {error.start + 1} of the line)"
        try:
            return strict.decode(text), None
        except json.JSONDecodeError as error:
            return None, f"invalid JSON at column {error.colno}: {reason(error)}"
        except (ValueError, RecursionError) as error:
            return None, refusal(error)

    if not fast_available():
        return decode_strict

    def decode(line: bytes) -> Decoded:
        document = _fast_document(line)
        if document is _UNSURE:
            return decode_strict(line)
        return document, None

    return decode


_UNSURE = object()
_MAX_BRACKETS = 256  # far below where the strict decoder's recursion limit could bite
_BACKSLASH = ord("\\")


def _fast_document(line: bytes) -> object:
    """orjson's document for *line* when it is provably the strict decoder's, else _UNSURE.

    The argument. Let D be ``orjson.dumps(orjson.loads(line))``: the document orjson read,
    written back with no whitespace outside strings and numbers in their shortest
    round-trip form. The result is taken only when *line* holds no backslash, holds at
    most 256 brackets when long enough to hold more, and D equals *line* once every
    space byte is deleted from both. Then the strict decoder gives the same document:

    - Without a backslash a string holds no escape, so every ``"`` is a string delimiter,
      and orjson (which validates UTF-8) decodes each string to exactly its bytes. D
      writes each string back byte for byte: with no escape in the input, a string holds
      no ``"``, backslash or control character that D would escape.
    - Deleting spaces changes nothing outside strings but insignificant whitespace, and
      inside strings it deletes the same bytes from both sides, since the strings are the
      same. So *line* and D have the same tokens outside strings, in the same order.
      Other whitespace (tab, CR) outside strings, or anything orjson might tolerate that
      RFC 8259 does not, would survive the deletion in *line* and not appear in D.
    - orjson keeps the last of two equal keys silently. A dropped pair would take at
      least its key's two quotes out of D, and the quotes would no longer match: so no
      pair was dropped, and the strict decoder sees no repeated key either.
    - Each number's literal is the same in *line* and D, and D's literal is orjson's
      value written in round-trip form: so ``int`` or ``float`` of the literal (what the
      strict decoder computes) is orjson's value, and it is finite. An integer too large
      for 64 bits, which orjson reads as a float, comes back as a float literal and fails
      the comparison; so does ``-0``, harmlessly. ``NaN``, ``Infinity`` and ``1e400`` are
      refused by orjson and go to the strict decoder.
    - Nesting: orjson allows 1024 levels, the strict decoder only what the recursion limit
      leaves. At most 256 brackets means at most 256 levels, which both read.
      A line shorter than ``2 * _MAX_BRACKETS`` bytes cannot nest deeper, so it is not
      counted.

    Any line orjson refuses is _UNSURE: the strict decoder then gives the canonical
    verdict and message. tests/test_cli_jobs.py checks the equivalence on random lines.
    """
    if _BACKSLASH in line:
        return _UNSURE
    if len(line) > 2 * _MAX_BRACKETS and line.count(b"[") + line.count(b"{") > _MAX_BRACKETS:
        return _UNSURE
    try:
        document = orjson.loads(line)
        again = orjson.dumps(document)
    except (orjson.JSONDecodeError, orjson.JSONEncodeError):
        return _UNSURE
    if again.replace(b" ", b"") != line.replace(b" ", b""):
        return _UNSURE
    return document
