"""Streaming readers that turn the input files of ``mdesrules check`` into records.

Batch files hold millions of requests, so every reader streams: memory stays bounded by
the largest single record (:data:`MAX_RECORD_BYTES`, or :data:`MAX_XML_BYTES` for XML)
however large the file is.

Every piece of input yields a :class:`Record`, and a piece that cannot be read yields a
record whose ``error`` says why, so that the report accounts for each record and drops
none. Error texts give positions and reasons only, never the input itself, which may
hold a PAN. File names are the operator's own arguments and are shown as given.

Where a JSON file has a syntax error that the reader cannot step over (inside an array
there is no way to know where the broken element ends), the reader yields one record
saying that the rest of the file was not read, and stops.
"""

from __future__ import annotations

import codecs
import gzip
import io
import json
import os
import re
import stat
import zlib
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, BinaryIO, NamedTuple, cast

import attrs

from ..exceptions import MdesRulesError
from ._decoding import line_decoder, reason, refusal, skimming_decoder, strict_decoder

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

__all__ = [
    "BLOCK_BYTES",
    "MAX_RECORD_BYTES",
    "InputError",
    "Lines",
    "Origin",
    "Record",
    "Stored",
    "block_lines",
    "block_records",
    "frame_lines",
    "line_too_long",
    "read_input",
    "read_json",
    "read_jsonl",
    "read_path",
    "read_xml",
    "record_line",
    "reread",
    "split_block",
]

MAX_RECORD_BYTES = 1_048_576
"""Largest JSON record accepted: a JSON Lines line (without its line end), one element
of a JSON array, or a whole single-document JSON file, in UTF-8 bytes."""

BLOCK_BYTES = 524_288
"""About how many bytes of JSON Lines go in one block (see :func:`frame_lines`): one to
two thousand records. The report of a block of failing records is several times its input
(a record with five violations takes some 1,200 bytes to report), and a few blocks' reports
are in flight per worker; smaller blocks cost more in handing them over (half this size
took 5% longer on a batch of valid records, where a block is checked in some 3 ms)."""

_CHUNK = 65_536
_BOM = codecs.BOM_UTF8
_JSON_SPACE = b" \t\r\n"
_SKIP_SPACE = re.compile(r"[ \t\r\n]*")
# What may follow a number at the end of the window when the number is not complete yet.
_NUMBER_GOES_ON = re.compile(r"(?:\.|[eE][-+]?)?")
_NUMBER_START = frozenset("-0123456789")

_EMPTY_ARRAY = "the JSON array holds no document to check"
_TRUNCATED_ARRAY = "the file ends before the JSON array is closed"
_NOT_READ = "the rest of the file was not read"


class InputError(MdesRulesError):
    """An input file cannot be opened or read; the one-line message names the file.

    The command line turns it into exit status 2.
    """


@attrs.frozen
class Record:
    """One input record, or the reason one could not be read.

    Attributes:
        source: ``FILE:LINE``, the line where the record starts (1-based); for an element
            of a JSON array ``FILE:LINE[INDEX]``, its index in the array from 0.
        document: the parsed document: any JSON value, or for XML the dict of
            :func:`mdesrules._xml.read_document`. None when ``error`` is set.
        error: why the record is malformed, or None. Never quotes the input.
        form: ``"json"`` or ``"xml"``.
        root: the local name of the XML root element, when it is in the DataContract
            namespace; None for JSON.
    """

    source: str
    document: object = None
    error: str | None = None
    form: str = "json"
    root: str | None = None


# JSON Lines ---------------------------------------------------------------------------
#
# Reading is split in two, so that blocks of lines can be parsed in other processes:
# framing (frame_lines) cuts the stream into blocks of whole lines in the reading process,
# and block_lines then goes through one block's lines. The serial reader is the same two
# steps one after the other, so a block parsed anywhere gives the same records.


class Origin(NamedTuple):
    """Where a block's bytes lie in a regular file, so that another process can read them
    again rather than be sent them: the file's device and inode, and the byte offset."""

    device: int
    inode: int
    offset: int


class Lines(NamedTuple):
    """A block of whole JSON Lines lines, or one line too long to hold.

    Attributes:
        name: the file's name as shown in sources (for a file, its path as given).
        first: the line number of the block's first line (1-based).
        data: the lines, each ended by ``\\n`` except the last line of the input; or
            ``None`` for one line longer than :data:`MAX_RECORD_BYTES`, never read whole.
        origin: where *data* lies in the file *name*, when it is a regular file read from
            its start; None otherwise.
    """

    name: str
    first: int
    data: bytes | None
    origin: Origin | None = None


class Stored(NamedTuple):
    """A block of :class:`Lines` named by where it lies in its file, not by its bytes.

    :func:`reread` gives the block back; *size* and *crc* (its CRC-32) let it make sure
    that the file still holds the same bytes there.
    """

    name: str
    first: int
    origin: Origin
    size: int
    crc: int

    @classmethod
    def of(cls, lines: Lines) -> Stored | None:
        """*lines* as a stored block, or None when it has no origin or no data."""
        if lines.origin is None or lines.data is None:
            return None
        data = lines.data
        return cls(lines.name, lines.first, lines.origin, len(data), zlib.crc32(data))


def reread(block: Stored) -> Lines:
    """The :class:`Lines` of *block*, read again from its file (opened for this block only).

    Raises:
        InputError: the file cannot be read, or no longer holds the same lines there
            (another file in its place, or changed while it was being checked).
    """
    try:
        with open(block.name, "rb") as stream:
            status = os.fstat(stream.fileno())
            same = (status.st_dev, status.st_ino) == block.origin[:2]
            stream.seek(block.origin.offset)
            data = stream.read(block.size) if same else b""
    except OSError as error:
        raise InputError(f"cannot read {_shown(block.name)}: {_os_reason(error)}") from None
    if len(data) != block.size or zlib.crc32(data) != block.crc:
        raise InputError(f"{_shown(block.name)} changed while it was being checked")
    return Lines(block.name, block.first, data, block.origin)


def frame_lines(
    stream: BinaryIO,
    name: str,
    first_line: int = 1,
    block_bytes: int = BLOCK_BYTES,
    *,
    origins: bool = False,
) -> Iterator[Lines]:
    """Cut a JSON Lines *stream* into blocks of whole lines, about *block_bytes* each.

    A UTF-8 BOM at the start of the stream is dropped. A line that grows past
    :data:`MAX_RECORD_BYTES` (plus room for a ``\\r``) is not kept: the rest of it is
    skipped in chunks, and it becomes a ``Lines(name, line, None)``, unless all of it was
    whitespace. Memory stays below two blocks plus the record limit. With *origins*
    (*stream* being the regular file *name*, read from its start), each block says where
    it lies in the file.
    """
    file = os.fstat(stream.fileno()) if origins else None
    lineno = first_line
    limit = MAX_RECORD_BYTES + 1  # an unfinished line longer than this cannot fit
    carry: list[bytes] = []  # the start of a line whose end has not been read yet
    carried = 0  # its length
    pending: bytes | None = _read_start(stream, block_bytes)
    while True:
        chunk = pending if pending is not None else stream.read(block_bytes)
        pending = None
        if not chunk:
            break
        cut = chunk.rfind(b"\n") + 1
        if not cut:
            carry.append(chunk)
            carried += len(chunk)
        else:
            whole = chunk if cut == len(chunk) else chunk[:cut]
            data = b"".join((*carry, whole)) if carry else whole
            origin = None
            if file is not None:  # the chunk is always the tail of what was read last
                start = stream.tell() - len(chunk) - carried
                origin = Origin(file.st_dev, file.st_ino, start)
            yield Lines(name, lineno, data, origin)
            lineno += data.count(b"\n")
            carry = [chunk[cut:]] if cut < len(chunk) else []
            carried = len(chunk) - cut
        if carried > limit:
            blank = not any(part.strip(_JSON_SPACE) for part in carry)
            blank, pending = _skip_line(stream, block_bytes, blank)
            carry, carried = [], 0
            if not blank:
                yield Lines(name, lineno, None)
            lineno += 1
    if carry:
        yield Lines(name, lineno, b"".join(carry))


def _read_start(stream: BinaryIO, size: int) -> bytes | None:
    """The first bytes of *stream* without a UTF-8 BOM (read on while the BOM may be cut)."""
    head = stream.read(size)
    while head and len(head) < len(_BOM) and _BOM.startswith(head):
        more = stream.read(size)
        if not more:
            break
        head += more
    return head.removeprefix(_BOM) or None


def _skip_line(stream: BinaryIO, size: int, blank: bool) -> tuple[bool, bytes | None]:
    """Read to the end of the current line in chunks.

    Returns whether all of the line was blank (given whether its start was), and what
    was read after its end (``None`` when nothing was).
    """
    while chunk := stream.read(size):
        end = chunk.find(b"\n")
        if end < 0:
            blank = blank and not chunk.strip(_JSON_SPACE)
            continue
        blank = blank and not chunk[:end].strip(_JSON_SPACE)
        return blank, chunk[end + 1 :] or None
    return blank, None


def block_lines(first: int, data: bytes | None) -> Iterator[tuple[int, bytes | None]]:
    """Each non-blank line of a block as ``(line number, line)``, in order.

    The line is without its ``\\n`` or ``\\r\\n``; it is ``None`` when longer than
    :data:`MAX_RECORD_BYTES`.
    """
    for lineno, raw in enumerate(split_block(data), first):
        line = record_line(raw)
        if line != b"":
            yield lineno, line


def split_block(data: bytes | None) -> list[bytes | None]:
    """The raw lines of a block, one per line number from its first (``[None]`` for the
    marker block of one overlong line): give each to :func:`record_line`."""
    if data is None:
        return [None]
    lines: list[bytes | None] = data.split(b"\n")  # type: ignore[assignment]
    if not lines[-1]:
        lines.pop()  # the block ends with a line end, not with an unfinished line
    return lines


def record_line(raw: bytes | None) -> bytes | None:
    """The record a raw line of a block holds: the line without its ``\\r``; ``b""`` when
    it is blank (no record); ``None`` when it is longer than :data:`MAX_RECORD_BYTES`."""
    if raw is None:
        return None
    line = raw[:-1] if raw[-1:] == b"\r" else raw
    # Most lines start with "{": look for blankness only when the first byte is space.
    if not line or (line[0] in _JSON_SPACE and not line.strip(_JSON_SPACE)):
        return b""
    return line if len(line) <= MAX_RECORD_BYTES else None


def line_too_long() -> str:
    """The error of a line longer than :data:`MAX_RECORD_BYTES`."""
    return f"line is longer than the limit of {MAX_RECORD_BYTES} bytes"


def block_records(lines: Lines) -> Iterator[Record]:
    """The records of one block, as the serial reader yields them."""
    decode = line_decoder()
    name = lines.name
    for lineno, line in block_lines(lines.first, lines.data):
        source = f"{name}:{lineno}"
        if line is None:
            yield Record(source, error=line_too_long())
            continue
        document, error = decode(line)
        yield Record(source, document, error)


def read_jsonl(stream: BinaryIO, name: str) -> Iterator[Record]:
    """Yield one record per non-blank line of a JSON Lines *stream*, in order.

    Lines end with ``\\n`` or ``\\r\\n``; a UTF-8 BOM at the start is ignored. A line
    longer than :data:`MAX_RECORD_BYTES` is never held whole: it is skipped in chunks
    and yields one malformed record.
    """
    for lines in frame_lines(stream, name):
        yield from block_records(lines)


# JSON documents and arrays ------------------------------------------------------------


class _Stop(Exception):
    """The JSON reader cannot go on; ``line`` is where the problem is."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


class _JsonText:
    """A window of decoded text over a byte stream, with a cursor and line counting.

    Text before the cursor is dropped whenever more is read, so the window holds at
    most one value plus one chunk. Positions are asked for in increasing order only,
    which lets line counting run once over the text.
    """

    def __init__(self, stream: BinaryIO, first_line: int) -> None:
        self.text = ""
        self.pos = 0
        self.eof = False
        self._stream = stream
        self._decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self._base = 0  # offset in the whole text of self.text[0]
        self._counted = 0  # offset up to which newlines have been counted
        self._line = first_line
        self._line_start = 0  # offset where the line at self._counted starts
        self._bad_utf8_line: int | None = None  # set once the bytes stop being UTF-8

    def where(self, pos: int | None = None) -> tuple[int, int]:
        """Line and column (1-based) of *pos*, by default the cursor."""
        pos = self.pos if pos is None else pos
        counted = self._counted - self._base
        if pos > counted:
            newlines = self.text.count("\n", counted, pos)
            if newlines:
                self._line += newlines
                self._line_start = self._base + self.text.rindex("\n", counted, pos) + 1
            self._counted = self._base + pos
        return self._line, self._base + pos - self._line_start + 1

    def read_more(self, size: int = _CHUNK) -> None:
        """Drop the text before the cursor and append up to *size* more bytes' worth.

        Raises:
            _Stop: the text before the cursor ends where the bytes stop being UTF-8.
        """
        if self._bad_utf8_line is not None:
            raise _Stop(f"the file is not valid UTF-8; {_NOT_READ}", self._bad_utf8_line)
        line = self.where()[0]
        self.text = self.text[self.pos :]
        self._base += self.pos
        self.pos = 0
        at_start = self._base == 0 and not self.text
        pending = self._decoder.getstate()[0]
        data = self._stream.read(size)
        try:
            self.text += self._decoder.decode(data, final=not data)
        except UnicodeDecodeError as error:
            # Keep the valid text before the bad byte, so the values in it are still read.
            valid = (pending + data)[: error.start]
            self.text += codecs.decode(valid, "utf-8-sig" if at_start else "utf-8")
            self._bad_utf8_line = line + self.text.count("\n")
            return
        self.eof = not data

    def skip_space(self) -> bool:
        """Move the cursor past JSON whitespace; return False when the text has ended."""
        while True:
            match = _SKIP_SPACE.match(self.text, self.pos)
            self.pos = match.end() if match else self.pos
            if self.pos < len(self.text):
                return True
            if self.eof:
                return False
            self.read_more()

    def peek(self) -> str:
        return self.text[self.pos]

    def value(self, decoder: json.JSONDecoder, in_array: bool) -> object:
        """Decode the value at the cursor, reading more text until it is complete.

        Raises:
            _Stop: a syntax error, a value over the size limit, or the end of the file.
            ValueError, RecursionError: a complete value the decoder refuses; the cursor
                stays at its start.
        """
        start = self.pos
        while True:
            try:
                value, end = decoder.raw_decode(self.text, start)
            except json.JSONDecodeError as error:
                if self.eof or not _maybe_truncated(error, len(self.text)):
                    raise self._syntax_stop(error, in_array) from None
            else:
                if self.eof or not self._number_may_go_on(start, end):
                    if _utf8_longer_than(self.text, start, end, MAX_RECORD_BYTES):
                        raise self._too_large(in_array)
                    self.pos = end
                    return value
            if _utf8_longer_than(self.text, start, len(self.text), MAX_RECORD_BYTES):
                raise self._too_large(in_array)
            # Growing geometrically keeps re-decoding a large value linear overall.
            self.read_more(max(_CHUNK, len(self.text) - start))
            start = self.pos

    def _number_may_go_on(self, start: int, end: int) -> bool:
        """Whether the value at *start* is a number that more text could lengthen."""
        return (
            self.text[start] in _NUMBER_START
            and _NUMBER_GOES_ON.fullmatch(self.text, end) is not None
        )

    def _syntax_stop(self, error: json.JSONDecodeError, in_array: bool) -> _Stop:
        line, column = self.where(error.pos)
        if self.eof and in_array and _is_truncation(error, len(self.text)):
            return _Stop(_TRUNCATED_ARRAY, line)
        message = f"invalid JSON at line {line}, column {column}: {reason(error)}"
        return _Stop(f"{message}; {_NOT_READ}" if in_array else message, line)

    def _too_large(self, in_array: bool) -> _Stop:
        what = "JSON array element" if in_array else "JSON document"
        message = f"{what} is larger than the limit of {MAX_RECORD_BYTES} bytes"
        return _Stop(f"{message}; {_NOT_READ}" if in_array else message, self.where()[0])


def _maybe_truncated(error: json.JSONDecodeError, length: int) -> bool:
    """Whether more text could still make the value valid.

    A prefix of valid JSON fails only where the text runs out, or at the start of the
    token that runs out: a string (any length), a literal such as ``tru``, or a number's
    fraction or exponent. Those tokens are short, except strings, hence the margin.
    """
    return error.msg.startswith("Unterminated string") or error.pos >= length - 16


def _is_truncation(error: json.JSONDecodeError, length: int) -> bool:
    """Whether a value at the end of the file failed only because the file ended there."""
    return error.msg.startswith("Unterminated string") or error.pos >= length


def _utf8_longer_than(text: str, start: int, end: int, limit: int) -> bool:
    chars = end - start
    if chars > limit:
        return True
    if chars * 4 <= limit:  # no character takes more than four bytes
        return False
    return len(text[start:end].encode("utf-8")) > limit


def read_json(stream: BinaryIO, name: str) -> Iterator[Record]:
    """Yield the records of a ``.json`` *stream*: one document, or an array of them.

    An array is read one element at a time; each record's source is
    ``FILE:LINE[INDEX]``, the line where its element starts and the element's index in
    the array (from 0, as in a JSON pointer). An empty array yields one malformed record.
    An element with valid syntax that is refused (``NaN``, a repeated key, an overlong
    integer) yields a malformed record and reading goes on. Content after the top-level
    value yields one malformed record. A UTF-8 BOM at the start is ignored.
    """
    yield from _read_json(stream, name, 1)


def _read_json(stream: BinaryIO, name: str, first_line: int) -> Iterator[Record]:
    text = _JsonText(stream, first_line)
    strict = strict_decoder()
    try:
        if not text.skip_space():
            yield Record(f"{name}:{first_line}", error="empty file")
            return
        if text.peek() == "[":
            yield from _array_records(text, strict, name)
            what = "array"
        else:
            yield _value_record(text, strict, name, in_array=False)
            what = "document"
        if text.skip_space():
            line, column = text.where()
            message = f"unexpected content after the JSON {what} at line {line}, column {column}"
            yield Record(f"{name}:{line}", error=f"{message}; {_NOT_READ}")
    except _Stop as stop:
        yield Record(f"{name}:{stop.line}", error=stop.message)


def _array_records(text: _JsonText, strict: json.JSONDecoder, name: str) -> Iterator[Record]:
    opened = text.where()[0]
    text.pos += 1
    if not text.skip_space():
        raise _Stop(_TRUNCATED_ARRAY, text.where()[0])
    if text.peek() == "]":
        # An empty batch is reported, as an empty file is: a run that checked nothing must
        # not pass silently.
        text.pos += 1
        yield Record(f"{name}:{opened}", error=_EMPTY_ARRAY)
        return
    index = 0
    while True:
        yield _value_record(text, strict, name, in_array=True, index=index)
        index += 1
        if not text.skip_space():
            raise _Stop(_TRUNCATED_ARRAY, text.where()[0])
        separator = text.peek()
        if separator == "]":
            text.pos += 1
            return
        if separator != ",":
            line, column = text.where()
            raise _Stop(
                f"invalid JSON at line {line}, column {column}: expecting ',' or ']' after "
                f"an array element; {_NOT_READ}",
                line,
            )
        text.pos += 1
        if not text.skip_space():
            raise _Stop(_TRUNCATED_ARRAY, text.where()[0])


def _value_record(
    text: _JsonText, strict: json.JSONDecoder, name: str, *, in_array: bool, index: int = 0
) -> Record:
    line = text.where()[0]
    # An element of an array is FILE:LINE[INDEX] (INDEX from 0, as in a JSON pointer), so
    # that the elements of a one-line array are told apart.
    source = f"{name}:{line}[{index}]" if in_array else f"{name}:{line}"
    try:
        return Record(source, text.value(strict, in_array))
    except RecursionError as error:
        # Too deep for the skimming decoder as well: where the value ends is unknown.
        why = refusal(error)
        raise _Stop(f"{why}; {_NOT_READ}" if in_array else why, line) from None
    except ValueError as error:
        why = refusal(error)
    text.value(skimming_decoder(), in_array)  # step over the refused value
    return Record(source, error=why)


# XML ----------------------------------------------------------------------------------


def read_xml(stream: BinaryIO, name: str) -> Iterator[Record]:
    """Yield one record for a DataContract XML *stream*, reading at most
    ``MAX_XML_BYTES + 1`` bytes of it.

    The record has ``form="xml"`` and ``root`` set to the root element's local name
    (also on a malformed record, when the root is in the DataContract namespace).
    """
    from .._xml import MAX_XML_BYTES, XmlRejected, read_document  # lxml: only for XML

    source = f"{name}:1"
    data = _read_at_most(stream, MAX_XML_BYTES + 1)
    try:
        root_name, document = read_document(data)  # what the XML codec reads a body with
    except XmlRejected as error:
        yield Record(source, error=str(error), form="xml", root=error.root)
        return
    yield Record(source, document, form="xml", root=root_name)


def _read_at_most(stream: BinaryIO, size: int) -> bytes:
    parts: list[bytes] = []
    while size > 0 and (part := stream.read(min(size, _CHUNK))):
        parts.append(part)
        size -= len(part)
    return b"".join(parts)


# Choosing a reader --------------------------------------------------------------------

Item = Lines | Record
"""What :func:`read_input` yields: blocks of JSON Lines, or records of any other reader."""

_Reader = Callable[[BinaryIO, str, int], Iterator[Item]]


def _jsonl_reader(stream: BinaryIO, name: str, block_bytes: int) -> Iterator[Item]:
    head = _peek(stream)
    hint = wrong_encoding(head)
    if hint is not None:
        yield Record(f"{name}:1", error=hint)
        return
    if _starts_pretty_json(head):
        # A first line of "{" or "[" alone is no JSON Lines record: the file is one JSON
        # document or array, pretty-printed. Read it as such, rather than give a
        # malformed record for each of its lines.
        yield from _read_json(stream, name, 1)
        return
    try:
        regular = stat.S_ISREG(os.fstat(stream.fileno()).st_mode) and stream.tell() == 0
    except (OSError, ValueError):  # not a file of the system: no origins
        regular = False
    blank = True
    for lines in frame_lines(stream, name, 1, block_bytes, origins=regular):
        blank = blank and lines.data is not None and not lines.data.strip(_JSON_SPACE)
        yield lines
    if blank:
        # As for an empty .json or .xml file: a run that checked nothing must say so.
        yield Record(f"{name}:1", error=_EMPTY_FILE)


_EMPTY_FILE = "empty file"

_GZIP_MAGIC = b"\x1f\x8b"


def wrong_encoding(head: bytes) -> str | None:
    """The one-line reason a file that starts with *head* cannot be read as UTF-8 text:
    gzip-compressed, or UTF-16 (a byte order mark, or NUL bytes between the characters);
    None otherwise. One record says it, instead of a malformed record per line."""
    if head.startswith(_GZIP_MAGIC):
        return (
            "the file is gzip-compressed (it starts with the bytes 1f 8b); decompress it "
            "first, e.g. zcat FILE | mdesrules check -"
        )
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in head[:64]:
        return (
            "the file is not UTF-8: it looks like UTF-16 (a UTF-16 byte order mark or NUL "
            "bytes); convert it first, e.g. iconv -f UTF-16 -t UTF-8 FILE"
        )
    return None


def _peek(stream: BinaryIO, size: int = 64) -> bytes:
    """Up to *size* bytes from the start of *stream*, left to be read again."""
    peek = getattr(stream, "peek", None)
    if peek is None:
        return b""
    head: bytes = peek(size)
    return head[:size]


def _starts_pretty_json(head: bytes) -> bool:
    """Whether the first non-blank line in *head* is ``{`` or ``[`` alone."""
    body = head.removeprefix(_BOM).lstrip(_JSON_SPACE)
    return body[:1] in (b"{", b"[") and body[1:].lstrip(b" \t\r")[:1] == b"\n"


def _json_reader(stream: BinaryIO, name: str, block_bytes: int) -> Iterator[Item]:
    hint = wrong_encoding(_peek(stream))
    if hint is not None:
        return iter([Record(f"{name}:1", error=hint)])
    return read_json(stream, name)


def _xml_reader(stream: BinaryIO, name: str, block_bytes: int) -> Iterator[Item]:
    head = _peek(stream)
    if head.startswith(_GZIP_MAGIC):
        return iter([Record(f"{name}:1", error=wrong_encoding(head), form="xml")])
    if not head:
        return iter([Record(f"{name}:1", error=_EMPTY_FILE, form="xml")])
    return read_xml(stream, name)


_BY_EXTENSION: dict[str, _Reader] = {
    ".json": _json_reader,
    ".jsonl": _jsonl_reader,
    ".ndjson": _jsonl_reader,
    ".xml": _xml_reader,
}


def read_input(path: str, stdin: BinaryIO, block_bytes: int = BLOCK_BYTES) -> Iterator[Item]:
    """Open *path* and return an iterator over its content, in order.

    JSON Lines come as :class:`Lines` blocks of about *block_bytes* (parse them with
    :func:`block_records`, or in another process); every other reader's records come as
    :class:`Record`. The reader follows the extension (``.json``; ``.jsonl`` or
    ``.ndjson``; ``.xml``). ``-`` reads *stdin*, named ``<stdin>``. Stdin and other
    extensions are sniffed from the first non-whitespace byte: ``<`` is XML, ``[`` a JSON
    array, ``{`` JSON Lines when the first line alone is valid JSON and one JSON document
    otherwise; anything else is read as JSON Lines, so that each line gets its own record.

    The file is opened here, before the first item is asked for.

    Raises:
        InputError: the file cannot be opened (here), or a read fails (while iterating).
    """
    if path == "-":
        return _guarded(_sniff(stdin, "<stdin>", block_bytes), "<stdin>")
    try:
        stream = open(path, "rb")  # noqa: SIM115  (closed by _reading)
    except OSError as error:
        raise InputError(f"cannot open {_shown(path)}: {_os_reason(error)}") from None
    root, extension = os.path.splitext(path)
    if extension.lower() == ".gz" or _peek(stream, 2) == _GZIP_MAGIC:
        # gzip, by its name or its first bytes: read through, as the file inside would be
        # read (by its name without .gz, or sniffed).
        inner = os.path.splitext(root)[1] if extension.lower() == ".gz" else extension
        reader = _BY_EXTENSION.get(inner.lower(), _sniff)
        return _guarded(_reading_gzip(stream, reader, path, block_bytes), _shown(path))
    reader = _BY_EXTENSION.get(extension.lower(), _sniff)
    return _guarded(_reading(stream, reader, path, block_bytes), _shown(path))


def _gunzipped(stream: BinaryIO) -> BinaryIO:
    """The decompressed content of gzip *stream*, as a stream with no file descriptor, so
    that no block of it is taken for bytes of the file (:class:`Origin`)."""
    return _replay(b"", cast(BinaryIO, gzip.GzipFile(fileobj=stream, mode="rb")))


def read_path(path: str, stdin: BinaryIO) -> Iterator[Record]:
    """Open *path* and return an iterator over its records (see :func:`read_input`).

    Raises:
        InputError: the file cannot be opened (here), or a read fails (while iterating).
    """
    return _records(read_input(path, stdin))


def _records(items: Iterator[Item]) -> Iterator[Record]:
    for item in items:
        if isinstance(item, Lines):
            yield from block_records(item)
        else:
            yield item


def _reading(stream: BinaryIO, reader: _Reader, name: str, block_bytes: int) -> Iterator[Item]:
    with stream:
        yield from reader(stream, name, block_bytes)


def _reading_gzip(stream: BinaryIO, reader: _Reader, name: str, block_bytes: int) -> Iterator[Item]:
    with stream:
        yield from _gzip_errors(reader(_gunzipped(stream), name, block_bytes), name)


_BAD_GZIP = "the input is not valid gzip data; the rest of it is not read"
_CUT_GZIP = "the gzip data is cut short or corrupt here; the rest of the input is not read"


def _gzip_errors(items: Iterator[Item], name: str) -> Iterator[Item]:
    """*items*, then, when the gzip data under them turns out broken, one malformed record
    that says so, at the line reading stopped: input under check gets a report, as any
    other malformed input does."""
    line = 1
    try:
        for item in items:
            if isinstance(item, Lines):
                line = item.first + (item.data.count(b"\n") if item.data is not None else 1)
            else:
                line = int(item.source.rpartition(":")[2].partition("[")[0])
            yield item
    except gzip.BadGzipFile:
        yield Record(f"{name}:{line}", error=_BAD_GZIP)
    except (EOFError, zlib.error):
        yield Record(f"{name}:{line}", error=_CUT_GZIP)


def _guarded(items: Iterator[Item], name: str) -> Iterator[Item]:
    try:
        yield from items
    except gzip.BadGzipFile:
        raise InputError(f"cannot read {name}: it is not valid gzip data") from None
    except (EOFError, zlib.error):
        raise InputError(f"cannot read {name}: its gzip data is cut short or corrupt") from None
    except OSError as error:
        raise InputError(f"cannot read {name}: {_os_reason(error)}") from None


def _shown(path: str) -> str:
    """*path* as given, or quoted when it holds characters that would break the line."""
    return path if path.isprintable() else repr(path)


def _os_reason(error: OSError) -> str:
    return error.strerror or type(error).__name__


def _sniff(stream: BinaryIO, name: str, block_bytes: int) -> Iterator[Item]:
    """Pick the reader for *stream* from its first non-whitespace byte, then run it.

    Leading whitespace is kept and given back to the reader (so line numbers hold),
    except that beyond :data:`MAX_RECORD_BYTES` of it whole lines are dropped and
    counted instead, to keep memory bounded.
    """
    head = b""
    dropped = False
    first_line = 1
    while True:
        chunk = stream.read(_CHUNK)
        head += chunk
        body = head.removeprefix(_BOM).lstrip(_JSON_SPACE)
        if body or not chunk:
            break
        if len(head) > MAX_RECORD_BYTES:
            cut = head.rfind(b"\n") + 1 or len(head)
            first_line += head.count(b"\n", 0, cut)
            head = head[cut:]
            dropped = True
    if not body:
        yield Record(f"{name}:1", error="empty file")
        return
    if head.startswith(_GZIP_MAGIC):  # gzip on standard input: read through
        yield from _gzip_errors(_sniff(_gunzipped(_replay(head, stream)), name, block_bytes), name)
        return
    hint = wrong_encoding(head)
    if hint is not None:
        yield Record(f"{name}:1", error=hint)
        return
    if body.startswith(b"<"):
        if dropped:
            from .._xml import MAX_XML_BYTES

            message = f"XML document is larger than the limit of {MAX_XML_BYTES} bytes"
            yield Record(f"{name}:1", error=message, form="xml")
            return
        yield from read_xml(_replay(head, stream), name)
        return
    if body.startswith(b"{"):
        head, one_line = _first_line_is_json(head, stream)
        if not one_line:
            yield from _read_json(_replay(head, stream), name, first_line)
            return
    elif body.startswith(b"["):
        yield from _read_json(_replay(head, stream), name, first_line)
        return
    yield from frame_lines(_replay(head, stream), name, first_line, block_bytes)


def _first_line_is_json(head: bytes, stream: BinaryIO) -> tuple[bytes, bool]:
    """Read on until *head* holds its first non-blank line; say whether it parses alone.

    Returns the (possibly longer) head, to be replayed to the chosen reader.
    """
    start = len(head) - len(head.removeprefix(_BOM).lstrip(_JSON_SPACE))
    while b"\n" not in head[start:] and len(head) - start <= MAX_RECORD_BYTES:
        chunk = stream.read(_CHUNK)
        if not chunk:
            break
        head += chunk
    end = head.find(b"\n", start)
    line = head[start:] if end < 0 else head[start:end]
    try:
        strict_decoder().decode(line.decode("utf-8"))
    except (ValueError, RecursionError):
        return head, False
    return head, True


class _Replay(io.RawIOBase):
    """A raw stream that gives back *head* first, then the rest of *stream*."""

    def __init__(self, head: bytes, stream: BinaryIO) -> None:
        self._head = memoryview(head)
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer, /) -> int:
        view = memoryview(buffer).cast("B")
        if self._head:
            n = min(len(view), len(self._head))
            view[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._stream.read(len(view))
        view[: len(data)] = data
        return len(data)


def _replay(head: bytes, stream: BinaryIO) -> BinaryIO:
    return io.BufferedReader(_Replay(head, stream), buffer_size=_CHUNK)
