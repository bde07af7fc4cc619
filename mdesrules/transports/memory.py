"""A transport that hands requests to an MDES running in the same process.

Swap it for :class:`~mdesrules.transports.http.HttpTransport` in a test harness: the client
code stays the same, the network goes away. The handler is any callable from request to
response: the simulated MDES, or a function the test writes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from mdesrules.registry import Registry
from mdesrules.transport import Closing, Request, Response

from ..serving.wsgi import DEFAULT_BASE_PATH, WsgiApp
from .codec_transport import CodecTransport
from .wsgi import WsgiCarrier

__all__ = ["Handler", "InMemoryTransport"]

Handler = Callable[[Request], Response]

#: Where the in-process MDES is served when the requests go through a wire form.
_BASE_URL = "http://mdes.invalid" + DEFAULT_BASE_PATH


class InMemoryTransport(Closing):
    """Delivers each request to *handler* in process.

    Args:
        handler: the in-process MDES.
        wire: ``None`` (default) hands the models over as they are. ``"json"`` or ``"xml"``
            serves the handler with :class:`~mdesrules.serving.wsgi.WsgiApp` and sends every
            request through it as bytes in that form (a
            :class:`~mdesrules.transports.codec_transport.CodecTransport` over a
            :class:`~mdesrules.transports.wsgi.WsgiCarrier`), so a harness also exercises
            serialisation, and the answer is exactly what the same MDES would give over
            HTTP: a failing handler, for instance, is a 500 ``INTERNAL_ERROR``.
        registry: the operations the WSGI app serves, with a ``wire``: by default the
            handler's own ``registry`` when it has one (the simulated MDES does), else
            :data:`~mdesrules.registry.REGISTRY`.
    """

    def __init__(
        self,
        handler: Handler,
        *,
        wire: Literal["json", "xml"] | None = None,
        registry: Registry | None = None,
    ) -> None:
        self.handler = handler
        self.wire = wire
        if registry is None:
            own = getattr(handler, "registry", None)
            registry = own if isinstance(own, Registry) else None
        self._coded = (
            None
            if wire is None
            else CodecTransport(
                WsgiCarrier(WsgiApp(handler, registry=registry), base_url=_BASE_URL), form=wire
            )
        )
        self.closed = False

    def send(self, request: Request) -> Response:
        """Hand *request* to the handler and return its answer."""
        if self.closed:
            raise RuntimeError("the transport is closed")
        if self._coded is None:
            return self.handler(request)
        return self._coded.send(request)

    def close(self) -> None:
        """Mark the transport closed; later sends raise ``RuntimeError``."""
        if self._coded is not None:
            self._coded.close()
        self.closed = True
