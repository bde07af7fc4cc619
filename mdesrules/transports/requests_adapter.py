"""A :mod:`requests` adapter that sends to a WSGI application in process: no socket.

An issuer's own code that talks to MDES through a :class:`requests.Session` runs against
the simulated MDES unchanged: mount the adapter on the session for MDES's base URL, and
every request to that URL is answered by the application in the same process::

    session = requests.Session()
    session.mount("https://api.mastercard.com/", SimulatorAdapter(simulator_app(mdes)))
    issuer_system = IssuerSystem(session=session)  # the code under test

The application is any WSGI application (:func:`mdesrules.fakes.mdes.simulator_app` serves
the simulator with its admin API), or a handler that checks requests itself (the simulator:
it is then served by :class:`~mdesrules.serving.WsgiApp` for its own registry). Each
request is the WSGI call a server would make (the URL's path and query, the headers, the
body); the answer is a :class:`requests.Response` with the application's status, headers
and body. A connection the application drops
(:class:`~mdesrules.serving.drop.DropConnection`, the simulator's ``drop`` fault) raises
the :class:`requests.ConnectionError` requests raises when a server closes the connection
without answering, so the code under test, and
:class:`~mdesrules.transports.http.HttpCarrier` with its retries, see what they would see.

Timeouts, certificates and proxies are accepted and ignored: nothing travels.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from http import HTTPStatus
from http.client import RemoteDisconnected
from typing import Any
from urllib.parse import urlsplit
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers
from urllib3.exceptions import ProtocolError

from mdesrules.exceptions import TransportError
from mdesrules.wire import WireRequest

from ..serving.drop import DropConnection
from ..serving.wsgi import CheckingHandler, WsgiApp
from .wsgi import MAX_RESPONSE_BYTES, WsgiCarrier

__all__ = ["SimulatorAdapter"]


class _Dropped(Exception):
    """The application dropped the connection (carried past the WSGI carrier)."""


class SimulatorAdapter(BaseAdapter):
    """A :mod:`requests` transport adapter that answers from a WSGI application in process.

    Args:
        app: a WSGI application, or a handler that checks requests itself (the simulated
            MDES), served by :class:`~mdesrules.serving.WsgiApp` for its ``registry``.
        max_response_bytes: the largest answer collected.
    """

    def __init__(
        self,
        app: WSGIApplication | CheckingHandler,
        *,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
    ) -> None:
        super().__init__()
        if isinstance(app, CheckingHandler):
            app = WsgiApp(app, registry=getattr(app, "registry", None))
        self.app: WSGIApplication = app
        self.max_response_bytes = max_response_bytes

    def __repr__(self) -> str:
        return f"SimulatorAdapter({self.app!r})"

    def _dropping(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        try:
            result = self.app(environ, start_response)
            # Drain now: a drop raised while the answer is iterated must not become an answer.
            return list(result)
        except DropConnection:
            raise _Dropped from None

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float, float] | tuple[float, None] | None = None,
        verify: bool | str = True,
        cert: bytes | str | tuple[bytes | str, bytes | str] | None = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        """Answer *request* from the application (see the module doc).

        Raises:
            requests.ConnectionError: the application dropped the connection.
            requests.RequestException: the application broke the WSGI protocol, or its
                answer is larger than ``max_response_bytes``.
        """
        url = request.url or ""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise requests.exceptions.InvalidURL(f"not an http(s) URL: {parts.scheme}://...")
        base = f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        carrier = WsgiCarrier(
            self._dropping, base_url=base, max_response_bytes=self.max_response_bytes
        )
        wire = WireRequest(
            (request.method or "GET").upper(),
            path,
            dict(request.headers),
            _body_bytes(request.body),
        )
        try:
            answer = carrier.handle(wire)
        except _Dropped:
            raise requests.ConnectionError(
                ProtocolError(
                    "Connection aborted.",
                    RemoteDisconnected("Remote end closed connection without response"),
                ),
                request=request,
            ) from None
        except TransportError as error:
            raise requests.RequestException(str(error), request=request) from None
        response = requests.Response()
        response.status_code = answer.status
        response.headers = CaseInsensitiveDict(answer.headers)
        response.encoding = get_encoding_from_headers(response.headers)
        response.raw = io.BytesIO(answer.body)
        try:
            response.reason = HTTPStatus(answer.status).phrase
        except ValueError:
            response.reason = ""
        response.url = url
        response.request = request
        return response

    def close(self) -> None:
        """Nothing to release: no connection is ever opened."""


def _body_bytes(body: Any) -> bytes:
    """A prepared request's body as bytes (bytes, text, a file or an iterable of chunks)."""
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    read = getattr(body, "read", None)
    if read is not None:
        data = read()
        return data.encode("utf-8") if isinstance(data, str) else bytes(data)
    return b"".join(c.encode("utf-8") if isinstance(c, str) else bytes(c) for c in body)
