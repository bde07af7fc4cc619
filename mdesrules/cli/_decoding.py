"""Decoding JSON for ``mdesrules check``: the core's strict reader, line by line.

The reading itself is :mod:`mdesrules._json`, the one every entry point of the library
uses (the server, the client, the receiver), so that ``check`` refuses exactly the
documents they refuse, as ``malformed_document``: a repeated key, ``NaN`` and
``Infinity``, a number too large for a 64-bit float, an integer of more digits than Python
converts, an unpaired surrogate escape, nesting deeper than 256 levels. This module frames
its messages for a line of a file (column, byte of the line) and adds the skimming decoder
that steps over a refused value of a JSON array.

When orjson is installed (the ``fast`` extra: ``pip install -e '.[fast]'`` from a
checkout), JSON Lines lines are decoded with it first; ``MDESRULES_JSON=stdlib`` in the
environment turns that off. orjson's result is taken only when it is provably the strict
decoder's result (see :func:`mdesrules._json._fast_document`); every other line goes
through the strict decoder, which gives the canonical verdict and message.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from .. import _json
from .._json import fast_available, reason, refusal, strict_decoder

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


def skimming_decoder() -> json.JSONDecoder:
    """A decoder that only finds where a value ends, accepting what the strict one refuses."""
    return json.JSONDecoder(
        parse_constant=lambda _: None,
        parse_float=lambda _: None,
        parse_int=lambda _: None,
        object_pairs_hook=lambda _: None,
    )


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

    fast = _json._fast_document
    unsure = _json.UNSURE

    def decode(line: bytes) -> Decoded:
        document = fast(line)
        if document is unsure:
            return decode_strict(line)
        return document, None

    return decode
