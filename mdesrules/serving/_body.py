"""Reading a request body in a WSGI application, bounded in size.

Shared by every WSGI application of this package, so that each refuses an oversize or
unreadable body the same way.
"""

from __future__ import annotations

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
