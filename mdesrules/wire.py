"""The byte-level seam: one HTTP request as bytes in, one HTTP answer as bytes out.

A :class:`Carrier` moves a :class:`WireRequest` to a server and brings back its
:class:`WireResponse`: over the network (:class:`~mdesrules.transports.http.HttpCarrier`), to a
WSGI application in process (:class:`~mdesrules.transports.wsgi.WsgiCarrier`), or to a function a
test writes (:class:`~mdesrules.transports.mock.MockCarrier`). It sees plain bytes, never a
request or response model: the codecs on either side of it (MDES JSON or XML, CyberSource TMS,
notifications) turn models into wire requests and answers back into models. That is how
httpx cuts its transports, and why every client shares one hardened HTTP carrier.

This module is pure: it defines the types only, and does no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Protocol, runtime_checkable

import attrs

__all__ = ["Carrier", "WireRequest", "WireResponse"]


@attrs.frozen
class WireResponse:
    """One HTTP answer: its status, its headers and its body bytes.

    Attributes:
        status: the HTTP status code.
        headers: the answer's headers (names in any case).
        body: the body bytes, as received (a carrier reads them up to a bound).
    """

    status: int
    headers: Mapping[str, str] = attrs.field(factory=dict)
    body: bytes = attrs.field(default=b"", repr=lambda b: f"<{len(b)} bytes>")

    def header(self, name: str) -> str | None:
        """The value of header *name* (matched in any case), or ``None`` when absent."""
        wanted = name.lower()
        for key, value in self.headers.items():
            if key.lower() == wanted:
                return value
        return None

    @property
    def content_type(self) -> str:
        """The ``Content-Type`` header, or ``""`` when the answer has none."""
        return self.header("Content-Type") or ""


@attrs.frozen
class WireRequest:
    """One HTTP request as it is sent.

    Attributes:
        method: the HTTP method (``POST``).
        path: relative to the carrier's base URL and already percent-encoded
            (``/token/update``, ``/tms/v2/tokens/7010%2F1/...``); may end with ``?query``.
        headers: the request's headers.
        body: the body bytes (``b""`` for none).
        repeatable: whether sending the request twice cannot do more harm than sending it
            once (a read). A carrier that retries repeats a request that may have reached the
            server only when this is true.
        label: a short name for logs, such as the operation (``search``); never a value
            taken from the request. The method stands in when it is ``None``.
        retry_answer: for a repeatable request, tells whether an answer asks to be tried
            again (the MDES codec's "every error is ``Recoverable``"); a carrier that retries
            calls it before giving up the answer. Not part of the request's equality.
    """

    method: str
    path: str
    headers: Mapping[str, str] = attrs.field(factory=dict)
    body: bytes = attrs.field(default=b"", repr=lambda b: f"<{len(b)} bytes>")
    repeatable: bool = False
    label: str | None = None
    retry_answer: Callable[[WireResponse], bool] | None = attrs.field(
        default=None, eq=False, repr=False
    )


@runtime_checkable
class Carrier(Protocol):
    """Delivers wire requests and returns the answers; closes what it holds.

    Implementations: :mod:`mdesrules.transports` (HTTP, WSGI in process, a function).
    """

    def handle(self, request: WireRequest) -> WireResponse:
        """Deliver *request* and return the answer, whatever its status.

        Raises:
            TransportError: the request could not be delivered or the answer not read
                (:class:`~mdesrules.exceptions.ConnectError`,
                :class:`~mdesrules.exceptions.Timeout` and
                :class:`~mdesrules.exceptions.DecodeError` say more).
        """

    def close(self) -> None:
        """Release the carrier's resources (connections); later requests are refused."""

    def __enter__(self) -> Carrier: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
