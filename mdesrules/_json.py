"""The one JSON reading of mdesrules: every entry point that parses JSON parses it here.

``mdesrules check``, the server (:class:`~mdesrules.serving.wsgi.WsgiApp`), the client's
response decoding (:mod:`mdesrules.codecs.json`), ``InMemoryTransport(wire="json")``,
the notification receiver and the fakes (the simulated TMS, the notification emitter
reading its receiver's answer) read JSON with :func:`loads_strict` (the CLI with the same
decoder, :func:`strict_decoder`, over its streams), so that a document one of them accepts
is accepted by all, with the same content, and a document one refuses is refused by all
with the same violation code, ``malformed_document``. Two parsers that disagree on one
document are how a request passes one check and does something else downstream.

The JSON read is RFC 8259's, narrowed as I-JSON (RFC 7493) narrows it to what every
reader reads one way. Refused:

- bytes that are not UTF-8 (a byte order mark included: the document starts with it);
- a syntax error;
- an object with the same key twice (a reader keeps the first or the last: unknowable);
- ``NaN``, ``Infinity`` and numbers too large for a 64-bit float (``1e400``);
- an integer of more digits than Python converts (:func:`sys.get_int_max_str_digits`);
- a string with an unpaired surrogate escape (``"\\ud800"``): it is no Unicode text;
- nesting deeper than :data:`MAX_DEPTH` levels.

When orjson is installed (the ``fast`` extra) a document is read with it first, and its
reading is taken only when it is provably the strict decoder's (:func:`_fast_document`);
every other document, and every refused one, goes through the strict decoder, which gives
the verdict and the message. ``MDESRULES_JSON=stdlib`` in the environment turns that off.
"""

from __future__ import annotations

import json
import math
import os
import re
import sys
from collections.abc import Container
from typing import Final

from .exceptions import DecodeError
from .masking import scrub

try:
    import orjson
except ImportError:  # pragma: no cover - the test extra installs it
    orjson = None  # type: ignore[assignment]

__all__ = [
    "MALFORMED",
    "MAX_DEPTH",
    "MalformedJson",
    "StrictDecoder",
    "fast_available",
    "loads_strict",
    "reason",
    "refusal",
    "strict_decoder",
]

#: The violation code of a document that is not acceptable JSON, at every entry point.
MALFORMED: Final = "malformed_document"
#: The deepest nesting read; MDES documents nest a handful of levels. Data shorter than
#: twice this cannot nest deeper, so most documents are never counted.
MAX_DEPTH: Final = 256


class MalformedJson(DecodeError):
    """The bytes are not a JSON document that mdesrules reads (see the module doc).

    The message says what is wrong and where (line and column, or byte), never quoting
    the document beyond a repeated key's name (masked, shortened). ``code`` is
    ``malformed_document``, the violation every entry point reports for it.
    """

    code: Final = MALFORMED

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Refused(ValueError):
    """Valid JSON syntax that the strict reader still refuses; the message says why."""


def _refuse_constant(name: str) -> object:
    raise Refused("NaN and Infinity are not valid JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise Refused("a number is too large for a 64-bit float")
    return value


def _unique_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    document = dict(pairs)
    if len(document) != len(pairs):
        seen: set[str] = set()
        twice = ""
        for key, _ in pairs:
            if key in seen:
                twice = key
                break
            seen.add(key)
        shown = scrub(twice)[:40].encode("ascii", "backslashreplace").decode("ascii")
        raise Refused(f'a JSON object has the same key twice: "{shown}"; send each key once')
    return document


_TOO_DEEP = f"JSON nesting is too deep (more than {MAX_DEPTH} levels)"
_LONE_SURROGATE = "a JSON string holds an unpaired surrogate escape (\\ud800 to \\udfff)"
# A \u escape of a surrogate; pairs decode to one character, so only a lone one survives.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abcdefABCDEF]")
_STRING_OR_BRACKET = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.S)
_SURROGATE = re.compile("[\ud800-\udfff]")


class StrictDecoder(json.JSONDecoder):
    """The strict reader as a :class:`json.JSONDecoder`, for readers that walk a stream.

    ``decode`` and ``raw_decode`` raise :class:`json.JSONDecodeError` for a syntax error and
    :class:`Refused` (a ``ValueError``) or ``RecursionError`` for a value refused; see
    :func:`refusal` for its message. Make one per reader or thread.
    """

    def __init__(self) -> None:
        super().__init__(
            parse_constant=_refuse_constant,
            parse_float=_finite_float,
            object_pairs_hook=_unique_keys,
        )

    def raw_decode(self, s: str, idx: int = 0) -> tuple[object, int]:
        # json.JSONDecoder.raw_decode, inlined: this runs once per record of a batch.
        try:
            value, end = self.scan_once(s, idx)  # type: ignore[attr-defined]
        except StopIteration as err:
            raise json.JSONDecodeError("Expecting value", s, err.value) from None
        if end - idx > 2 * MAX_DEPTH and _deeper_than(s, idx, end, MAX_DEPTH):
            raise Refused(_TOO_DEEP)
        if _SURROGATE_ESCAPE.search(s, idx, end) is not None and _has_lone_surrogate(value):
            raise Refused(_LONE_SURROGATE)
        return value, end


def strict_decoder() -> StrictDecoder:
    """A new strict decoder (see :class:`StrictDecoder`)."""
    return StrictDecoder()


def _deeper_than(text: str, start: int, end: int, limit: int) -> bool:
    """Whether brackets outside strings nest deeper than *limit* in ``text[start:end]``."""
    if text.count("[", start, end) + text.count("{", start, end) <= limit:
        return False
    depth = 0
    for match in _STRING_OR_BRACKET.finditer(text, start, end):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > limit:
                return True
        elif token in "]}":
            depth -= 1
    return False


def _has_lone_surrogate(value: object) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item)  # the keys
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def refusal(error: ValueError | RecursionError) -> str:
    """Say why a syntactically complete value was refused (not a JSONDecodeError)."""
    if isinstance(error, Refused):
        return str(error)
    if isinstance(error, RecursionError):
        return _TOO_DEEP
    # The only other ValueError json raises is int()'s digit limit.
    return f"an integer has more than {sys.get_int_max_str_digits()} digits"


def reason(error: json.JSONDecodeError) -> str:
    """The decoder's message, lowercased to follow a colon."""
    return error.msg[:1].lower() + error.msg[1:]


def fast_available() -> bool:
    """Whether orjson reads first (installed, and ``MDESRULES_JSON`` is not ``stdlib``)."""
    return orjson is not None and _setting().lower() != "stdlib"


_SETTING = "MDESRULES_JSON"
# os.environ's own dict, which its setters keep current: os.environ.get("UNSET") raises
# and catches a KeyError, most of a microsecond on every document read.
_ENVIRON_DATA: Container[object] = getattr(os.environ, "_data", (_SETTING,))
_SETTING_KEY: object = os.environ.encodekey(_SETTING) if hasattr(os.environ, "_data") else _SETTING


def _setting() -> str:
    """``MDESRULES_JSON`` as the environment holds it now, ``""`` when it is not set."""
    if _SETTING_KEY not in _ENVIRON_DATA:
        return ""
    return os.environ.get(_SETTING, "")


_DECODER = StrictDecoder()
_UTF8_BOM = b"\xef\xbb\xbf"


def loads_strict(data: bytes | str) -> object:
    """The document in *data* (UTF-8 bytes, or text), read strictly (see the module doc).

    Raises:
        MalformedJson: *data* is not such a document; the message says what to fix.
    """
    if isinstance(data, str):
        text = data
    else:
        if orjson is not None and (_SETTING_KEY not in _ENVIRON_DATA or fast_available()):
            document = _fast_document(data)
            if document is not UNSURE:
                return document
        if data.startswith(_UTF8_BOM):
            raise MalformedJson("the JSON starts with a byte order mark: remove it")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise MalformedJson(
                f"the JSON is not valid UTF-8 (at byte {error.start + 1})"
            ) from None
    try:
        return _DECODER.decode(text)
    except json.JSONDecodeError as error:
        raise MalformedJson(
            f"not JSON: {reason(error)} at line {error.lineno}, column {error.colno}"
        ) from None
    except (ValueError, RecursionError) as error:
        raise MalformedJson(refusal(error)) from None


#: What :func:`_fast_document` answers when orjson's reading cannot be taken.
UNSURE: Final = object()
_BACKSLASH = ord("\\")
_COUNTED = 2 * MAX_DEPTH  # shorter data cannot nest deeper than MAX_DEPTH
if orjson is not None:
    _orjson_loads, _orjson_dumps = orjson.loads, orjson.dumps


def _fast_document(data: bytes) -> object:
    """orjson's document for *data* when it is provably the strict decoder's, else UNSURE.

    The argument. Let D be ``orjson.dumps(orjson.loads(data))``: the document orjson read,
    written back with no whitespace outside strings and numbers in their shortest
    round-trip form. The result is taken only when *data* holds no backslash, holds at
    most :data:`MAX_DEPTH` brackets when long enough to hold more, and D equals *data* once
    every space byte is deleted from both. Then the strict decoder gives the same document:

    - Without a backslash a string holds no escape (so no surrogate escape either), so
      every ``"`` is a string delimiter, and orjson (which validates UTF-8) decodes each
      string to exactly its bytes. D writes each string back byte for byte: with no escape
      in the input, a string holds no ``"``, backslash or control character that D would
      escape.
    - Deleting spaces changes nothing outside strings but insignificant whitespace, and
      inside strings it deletes the same bytes from both sides, since the strings are the
      same. So *data* and D have the same tokens outside strings, in the same order.
      Other whitespace (tab, CR, LF) outside strings, a byte order mark, or anything
      orjson might tolerate that RFC 8259 does not, would survive the deletion in *data*
      and not appear in D.
    - orjson keeps the last of two equal keys silently. A dropped pair would take at
      least its key's two quotes out of D, and the quotes would no longer match: so no
      pair was dropped, and the strict decoder sees no repeated key either.
    - Each number's literal is the same in *data* and D, and D's literal is orjson's
      value written in round-trip form: so ``int`` or ``float`` of the literal (what the
      strict decoder computes) is orjson's value, and it is finite. An integer too large
      for 64 bits, which orjson reads as a float, comes back as a float literal and fails
      the comparison; so does ``-0``, harmlessly. ``NaN``, ``Infinity`` and ``1e400`` are
      refused by orjson and go to the strict decoder.
    - Nesting: at most MAX_DEPTH brackets means at most MAX_DEPTH levels, which the strict
      decoder reads too. Data shorter than ``2 * MAX_DEPTH`` bytes cannot nest deeper, so
      it is not counted.

    Anything orjson refuses is UNSURE: the strict decoder then gives the canonical
    verdict and message. tests/test_cli_jobs.py and tests/test_json_entry_points.py check
    the equivalence on random bytes.
    """
    if _BACKSLASH in data:
        return UNSURE
    if len(data) > _COUNTED and data.count(b"[") + data.count(b"{") > MAX_DEPTH:
        return UNSURE
    try:
        document = _orjson_loads(data)
        again = _orjson_dumps(document)
    except (orjson.JSONDecodeError, orjson.JSONEncodeError):
        return UNSURE
    if again != data and again.replace(b" ", b"") != data.replace(b" ", b""):
        return UNSURE
    return document
