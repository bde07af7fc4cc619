"""A transport that hands requests to an MDES running in the same process.

Swap it for :class:`~mdesrules.transports.http.HttpTransport` in a test harness: the client
code stays the same, the network goes away. The handler is any callable from request to
response: the simulated MDES, or a function the test writes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from mdesrules.transport import Closing, Request, Response

__all__ = ["Handler", "InMemoryTransport"]

Handler = Callable[[Request], Response]


class InMemoryTransport(Closing):
    """Delivers each request to *handler* in process.

    Args:
        handler: the in-process MDES.
        wire: ``"json"`` or ``"xml"`` to pass every request and response through that
            codec on the way (bytes and back), so a harness also exercises serialisation;
            ``None`` (default) hands the models over as they are.
    """

    def __init__(self, handler: Handler, *, wire: Literal["json", "xml"] | None = None) -> None:
        self.handler = handler
        self.wire = wire
        self.closed = False

    def send(self, request: Request) -> Response:
        """Hand *request* to the handler and return its answer."""
        if self.closed:
            raise RuntimeError("the transport is closed")
        if self.wire is None:
            return self.handler(request)
        from ..codecs import json as json_codec
        from ..codecs import xml as xml_codec

        if self.wire == "json":
            received = json_codec.decode_request(
                request.operation, json_codec.encode_request(request)
            )
            answer = self.handler(received)
            body = json_codec.encode_response(answer)
            return json_codec.decode_response(answer.operation, answer.status, body)
        received = xml_codec.decode_request(request.operation, xml_codec.encode_request(request))
        answer = self.handler(received)
        body = xml_codec.encode_response(answer)
        return xml_codec.decode_response(answer.operation, answer.status, body)

    def close(self) -> None:
        """Mark the transport closed; later sends raise ``RuntimeError``."""
        self.closed = True
