"""Reading a request body in a WSGI application, bounded in size.

Shared by every WSGI application of this package, so that each refuses an oversize or
unreadable body the same way. A body sent with ``Transfer-Encoding: chunked`` is read
whichever way the WSGI server hands it over: already decoded, with a ``Content-Length``
(waitress) or with ``wsgi.input_terminated`` (gunicorn, uWSGI), or still in its chunk
framing, with neither (:mod:`wsgiref`), which is then decoded here.
"""

from __future__ import annotations

from typing import Any
from wsgiref.types import WSGIEnvironment

__all__ = ["BodyRefused", "read_body"]

_CHUNK = 65_536
# A client that sends a body too large is still read (and the bytes dropped) up to this
# many times the limit, so that it sees the 413 rather than a connection reset.
_DRAIN_FACTOR = 8


class BodyRefused(Exception):
    """The body cannot be read: ``status`` is 413 (too large) or 400 (unreadable)."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def read_body(environ: WSGIEnvironment, max_body: int) -> bytes:
    """The request body, at most *max_body* bytes.

    Raises:
        BodyRefused: 413 when the body is larger, 400 when Content-Length is not a number
            or the stream fails.
    """
    stream = environ["wsgi.input"]
    declared = str(environ.get("CONTENT_LENGTH", "") or "").strip()
    if declared:
        if not declared.isdigit():
            raise BodyRefused(400, "the Content-Length is not a number")
        length = int(declared)
    elif environ.get("wsgi.input_terminated"):
        length = -1
    elif "chunked" in str(environ.get("HTTP_TRANSFER_ENCODING", "")).lower():
        return _read_chunked(stream, max_body)
    else:
        length = 0
    too_large = f"the body is larger than {max_body} bytes"
    if length > max_body:
        if length <= max_body * _DRAIN_FACTOR:
            _drain(stream, length)
        raise BodyRefused(413, too_large)
    limit = max_body + 1 if length < 0 else length
    chunks: list[bytes] = []
    size = 0
    try:
        while size < limit:
            chunk = stream.read(min(_CHUNK, limit - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError:
        raise BodyRefused(400, "the body could not be read") from None
    if size > max_body:
        raise BodyRefused(413, too_large)
    return b"".join(chunks)


def _drain(stream: object, length: int) -> None:
    read = getattr(stream, "read", None)
    if read is None:
        return
    left = length
    try:
        while left > 0:
            chunk = read(min(_CHUNK, left))
            if not chunk:
                return
            left -= len(chunk)
    except OSError:
        return


_SIZE_LINE = 1_024  # a chunk-size line: hex digits, perhaps extensions (RFC 9112 7.1)
_MAX_TRAILERS = 64
_HEX = frozenset(b"0123456789abcdefABCDEF")


def _read_chunked(stream: object, max_body: int) -> bytes:
    """The body of a chunk-framed stream, at most *max_body* bytes (RFC 9112 section 7.1)."""
    readline = getattr(stream, "readline", None)
    read = getattr(stream, "read", None)
    if readline is None or read is None:
        raise BodyRefused(400, "the chunked body could not be read")
    chunks: list[bytes] = []
    size = 0
    try:
        while True:
            line = readline(_SIZE_LINE)
            if not line.endswith(b"\n"):
                raise BodyRefused(400, "the chunked body ends early or a chunk size is too long")
            digits = line.split(b";", 1)[0].strip()
            if not digits or len(digits) > 16 or not set(digits) <= _HEX:
                raise BodyRefused(400, "a chunk size of the chunked body is not hexadecimal")
            length = int(digits, 16)
            if length == 0:
                break
            if size + length > max_body:
                raise BodyRefused(413, f"the body is larger than {max_body} bytes")
            data = _read_exactly(read, length)
            if len(data) < length or read(2) != b"\r\n":
                raise BodyRefused(400, "a chunk of the chunked body is shorter than its size")
            chunks.append(data)
            size += length
        for _ in range(_MAX_TRAILERS):  # trailer fields, then an empty line
            line = readline(_SIZE_LINE)
            if line in (b"\r\n", b"\n"):
                return b"".join(chunks)
            if not line.endswith(b"\n"):
                break
    except OSError:
        raise BodyRefused(400, "the body could not be read") from None
    raise BodyRefused(400, "the chunked body does not end with an empty line")


def _read_exactly(read: Any, length: int) -> bytes:
    parts: list[bytes] = []
    left = length
    while left > 0:
        part = read(min(_CHUNK, left))
        if not part:
            break
        parts.append(part)
        left -= len(part)
    return b"".join(parts)
