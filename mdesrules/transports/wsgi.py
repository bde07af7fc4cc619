"""A carrier that calls a WSGI application in process: a server without the network.

:class:`WsgiCarrier` turns each :class:`~mdesrules.wire.WireRequest` into a WSGI environ
(PEP 3333), calls the application and collects its status, headers and body, as a WSGI
server would, only without a socket. Any WSGI application will do: the simulated MDES's
:class:`~mdesrules.serving.wsgi.WsgiApp`, the simulated TMS, the notification receiver, or
an application of your own::

    with WsgiCarrier(WsgiApp(handler), base_url="http://mdes.test/mdes/csapi/v2") as carrier:
        answer = carrier.handle(WireRequest("POST", "/search", headers, body))
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any
from urllib.parse import unquote_to_bytes, urlsplit
from wsgiref.types import WSGIApplication

from mdesrules.exceptions import DecodeError, TransportError
from mdesrules.transport import Closing
from mdesrules.wire import WireRequest, WireResponse

from ..serving.drop import DropConnection

__all__ = ["MAX_RESPONSE_BYTES", "WsgiCarrier"]

#: The largest answer collected by default, as for the HTTP carrier.
MAX_RESPONSE_BYTES = 1_048_576

_ExcInfo = tuple[type[BaseException], BaseException, TracebackType] | tuple[None, None, None]


class WsgiCarrier(Closing):
    """Delivers wire requests to a WSGI application in the same process.

    Args:
        app: the WSGI application.
        base_url: the URL the application is served at; its scheme, host and port fill the
            environ (``wsgi.url_scheme``, ``SERVER_NAME``, ``SERVER_PORT``, ``HTTP_HOST``)
            and its path prefixes every request's path.
        max_response_bytes: the largest answer body collected; a larger one raises
            :class:`~mdesrules.exceptions.DecodeError` without being read to its end.

    An exception the application raises is not caught: in process, it is the caller's to
    see; except :class:`~mdesrules.serving.drop.DropConnection`, an application's request to
    close the connection without an answer, which raises the
    :class:`~mdesrules.exceptions.TransportError` that
    :class:`~mdesrules.transports.http.HttpCarrier` raises for a connection that broke. The
    application runs in the caller's thread.
    """

    def __init__(
        self,
        app: WSGIApplication,
        *,
        base_url: str = "http://localhost",
        max_response_bytes: int = MAX_RESPONSE_BYTES,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("base_url must be an http:// or https:// URL")
        if parts.query or parts.fragment:
            raise ValueError("base_url must not have a query or a fragment")
        if max_response_bytes < 0:
            raise ValueError("max_response_bytes must be >= 0")
        self.app = app
        self.base_url = base_url.rstrip("/")
        self.max_response_bytes = max_response_bytes
        self._scheme = parts.scheme
        self._server = parts.hostname
        self._port = parts.port or (443 if parts.scheme == "https" else 80)
        self._netloc = parts.netloc.rpartition("@")[2]
        self._prefix = parts.path.rstrip("/")
        self.closed = False

    def handle(self, request: WireRequest) -> WireResponse:
        """Call the application with *request* and return its answer.

        Raises:
            DecodeError: the answer body is larger than ``max_response_bytes``.
            TransportError: the application broke the WSGI protocol (no status, or one
                that is not ``"<code> <reason>"``), or dropped the connection without an
                answer (:class:`~mdesrules.serving.drop.DropConnection`).
        """
        if self.closed:
            raise RuntimeError("the carrier is closed")
        started: list[tuple[str, list[tuple[str, str]]]] = []
        chunks: list[bytes] = []
        size = 0

        def collect(data: bytes) -> None:
            nonlocal size
            size += len(data)
            if size > self.max_response_bytes:
                raise DecodeError(f"the answer is larger than {self.max_response_bytes} bytes")
            chunks.append(data)

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: _ExcInfo | None = None, /
        ) -> Callable[[bytes], object]:
            # Nothing is sent before the application returns, so a later call (an error
            # page after a failure, with exc_info) may replace the status and headers.
            started[:] = [(status, headers)]
            return collect

        try:
            result: Iterable[bytes] = self.app(self._environ(request), start_response)
            try:
                for chunk in result:
                    collect(chunk)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
        except DropConnection:
            raise TransportError(
                f"the connection to {self._netloc} broke (RemoteDisconnected); the request "
                "may have been applied"
            ) from None
        if not started:
            raise TransportError("the WSGI application answered without a status")
        status_line, header_list = started[0]
        code = status_line.split(" ", 1)[0]
        if not (len(code) == 3 and code.isascii() and code.isdigit()):
            raise TransportError("the WSGI application answered a malformed status")
        headers: dict[str, str] = {}
        for name, value in header_list:
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        return WireResponse(int(code), headers, b"".join(chunks))

    def _environ(self, request: WireRequest) -> dict[str, Any]:
        path, _, query = (self._prefix + request.path).partition("?")
        environ: dict[str, Any] = {
            "REQUEST_METHOD": request.method.upper(),
            "SCRIPT_NAME": "",
            # PEP 3333: the decoded path, its bytes carried as latin-1 characters.
            "PATH_INFO": unquote_to_bytes(path).decode("latin-1"),
            "QUERY_STRING": query,
            "SERVER_NAME": self._server,
            "SERVER_PORT": str(self._port),
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "CONTENT_LENGTH": str(len(request.body)),
            "HTTP_HOST": self._netloc,
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": self._scheme,
            "wsgi.input": io.BytesIO(request.body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        for name, value in request.headers.items():
            key = name.upper().replace("-", "_")
            if key == "CONTENT_LENGTH":
                continue  # the body's own length is the truth
            environ[key if key == "CONTENT_TYPE" else "HTTP_" + key] = value
        return environ

    def close(self) -> None:
        """Mark the carrier closed; later requests raise ``RuntimeError``."""
        self.closed = True

    def __repr__(self) -> str:
        return f"WsgiCarrier({self.app!r}, base_url={self.base_url!r})"
