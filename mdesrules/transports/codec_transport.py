"""A transport made of a codec and a carrier: MDES models in, bytes across, models out.

:class:`CodecTransport` encodes each :class:`~mdesrules.transport.Request` with the JSON or
DataContract XML codec (:mod:`mdesrules.codecs`), hands the bytes to any
:class:`~mdesrules.wire.Carrier` and decodes the answer. It is the one place the codec
meets the wire: :class:`~mdesrules.transports.http.HttpTransport` is this over HTTP, and
:class:`~mdesrules.transports.memory.InMemoryTransport` with a ``wire`` is this over the
WSGI application of an in-process MDES::

    transport = CodecTransport(WsgiCarrier(WsgiApp(handler), base_url=base), form="json")
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from mdesrules.exceptions import DecodeError
from mdesrules.registry import Registry
from mdesrules.transport import Closing, Request, Response
from mdesrules.wire import Carrier, WireRequest, WireResponse

from ..codecs import json as json_codec
from ..codecs import xml as xml_codec

__all__ = ["CodecTransport", "Form"]

Form = Literal["json", "xml"]


class CodecTransport(Closing):
    """Sends MDES requests as JSON or XML bodies through *carrier*.

    Each operation is sent with its own method to its own path (``POST /token/update``),
    relative to the carrier's base URL. A read-only operation's request is marked
    repeatable, and a carrier that retries may repeat it when every MDES error of the
    answer is ``Recoverable``.

    Args:
        carrier: delivers the bytes; closed with the transport.
        form: ``"json"`` (every operation) or ``"xml"`` (DataContract XML, only for the
            operations that have an XML form: the legacy update).
    """

    def __init__(self, carrier: Carrier, *, form: Form = "json") -> None:
        if form not in ("json", "xml"):
            raise ValueError(f"form must be 'json' or 'xml', not {form!r}")
        self.carrier = carrier
        self.form: Form = form
        self.closed = False

    def send(self, request: Request) -> Response:
        """Deliver *request* and return MDES's answer.

        Raises:
            ValueError: ``form="xml"`` for an operation without an XML form.
            DecodeError: the answer is not a response of the operation or an MDES error.
            TransportError: the carrier could not deliver it (see the carrier).
        """
        if self.closed:
            raise RuntimeError("the transport is closed")
        op = request.op
        if self.form == "xml" and op.xml_root is None:
            raise ValueError(f"operation {op.name!r} has no XML form; use form='json'")
        content_type = xml_codec.CONTENT_TYPE if self.form == "xml" else json_codec.CONTENT_TYPE
        repeatable = request.repeatable
        wire = WireRequest(
            op.method,
            op.path,
            {"Content-Type": content_type, "Accept": content_type},
            self._encode(request),
            repeatable=repeatable,
            label=op.name,
            retry_answer=self._recoverable(op.name, request.registry) if repeatable else None,
        )
        answer = self.carrier.handle(wire)
        try:
            return self._decode(op.name, answer, request.registry)
        except DecodeError as error:
            raise DecodeError(f"MDES answered HTTP {answer.status}: {error}") from None

    def _encode(self, request: Request) -> bytes:
        if self.form == "xml":
            return xml_codec.encode_request(request)
        return json_codec.encode_request(request)

    def _decode(self, operation: str, answer: WireResponse, registry: Registry) -> Response:
        if self.form == "xml":
            return xml_codec.decode_response(
                operation, answer.status, answer.body, registry=registry
            )
        return json_codec.decode_response(operation, answer.status, answer.body, registry=registry)

    def _recoverable(self, operation: str, registry: Registry) -> Callable[[WireResponse], bool]:
        """Whether an answer holds MDES errors only, each marked ``Recoverable``."""

        def recoverable(answer: WireResponse) -> bool:
            try:
                response = self._decode(operation, answer, registry)
            except DecodeError:
                return False
            return bool(response.errors) and all(
                (e.recoverable or "").lower() == "true" for e in response.errors
            )

        return recoverable

    def close(self) -> None:
        """Close the carrier; later sends raise ``RuntimeError``."""
        if not self.closed:
            self.carrier.close()
        self.closed = True

    def __repr__(self) -> str:
        return f"CodecTransport({self.carrier!r}, form={self.form!r})"
