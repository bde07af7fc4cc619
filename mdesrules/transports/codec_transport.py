"""A transport made of a codec and a carrier: MDES models in, bytes across, models out.

:class:`CodecTransport` encodes each :class:`~mdesrules.transport.Request` with the JSON or
DataContract XML codec (:mod:`mdesrules.codecs`), hands the bytes to any
:class:`~mdesrules.wire.Carrier` and decodes the answer. It is the one place the codec
meets the wire: :class:`~mdesrules.transports.http.HttpTransport` is this over HTTP, and
:class:`~mdesrules.transports.memory.InMemoryTransport` with a ``wire`` is this over the
WSGI application of an in-process MDES::

    transport = CodecTransport(WsgiCarrier(WsgiApp(handler), base_url=base), form="json")

It is also where ``EncryptedAccountInformation`` is encrypted (CS API 2.1.7 and 2.2.2), with
:class:`~mdesrules.account_encryption.AccountEncryption` settings given to it or carried by
the request (:attr:`~mdesrules.transport.Request.encryption`, which the client sets). Here,
and not in the client, because this is the one place that holds the request's wire document
on its way to bytes: the model becomes a document, the document's ``EncryptedData`` object
is encrypted, the result is serialised, in one pass. Encrypting in the client would need a
document the transport then sends instead of the model (the encrypted form is no model: its
``EncryptedData`` is hex), or a decode of the bytes the codec made.

Responses: neither the 2.1.7 nor the 2.2.2 specification returns
``EncryptedAccountInformation`` (or any encrypted member) in a response; they return PAN
suffixes only, so answers are decoded as they come. Should a version return one, its
decryption belongs in :meth:`CodecTransport._decode`, where the answer's document is at hand,
with decryption keys added to the settings.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import attrs

from mdesrules._json import MalformedJson
from mdesrules.account_encryption import AccountEncryption, PublicKeyOrCertificate
from mdesrules.codec import encode_request
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
    relative to the carrier's base URL; a ``GET`` (``/systemstatus``) without a body. A
    read-only operation's request is marked repeatable, and a carrier that retries may
    repeat it when every MDES error of the answer is ``Recoverable``.

    Args:
        carrier: delivers the bytes; closed with the transport.
        form: ``"json"`` (every operation) or ``"xml"`` (DataContract XML, only for the
            operations that have an XML form: the legacy update).
        encryption: Mastercard's encryption certificate or public key, or
            :class:`~mdesrules.account_encryption.AccountEncryption` settings: the
            ``EncryptedAccountInformation`` of each request that carries one is encrypted as
            it is serialised (see the module doc). A request's own
            :attr:`~mdesrules.transport.Request.encryption` takes precedence. JSON only: no
            operation with the envelope has an XML form.

    Raises:
        ValueError: an unknown form, or encryption with ``form="xml"``.
        TypeError: *encryption* is not a certificate, an RSA public key or settings.
    """

    def __init__(
        self,
        carrier: Carrier,
        *,
        form: Form = "json",
        encryption: AccountEncryption | PublicKeyOrCertificate | None = None,
    ) -> None:
        if form not in ("json", "xml"):
            raise ValueError(f"form must be 'json' or 'xml', not {form!r}")
        self.encryption = AccountEncryption.of(encryption)
        if self.encryption is not None and form != "json":
            raise ValueError(
                "encryption needs form='json': the operations that carry "
                "EncryptedAccountInformation have no XML form"
            )
        self.carrier = carrier
        self.form: Form = form
        self.closed = False

    @property
    def can_encrypt(self) -> bool:
        """True: requests are serialised here, so their account information can be
        encrypted (in the JSON form)."""
        return self.form == "json"

    def send(self, request: Request) -> Response:
        """Deliver *request* and return MDES's answer.

        A ``GET`` (2.0.7's ``/systemstatus``) is sent without a body or ``Content-Type``.

        Raises:
            ValueError: ``form="xml"`` for an operation without an XML form; encryption
                settings that cannot serve the operation's version (GCM for 2.1.7); a
                ``GET`` whose request has members (this transport sends no path
                parameters). Nothing was sent.
            DecodeError: the answer is not a response of the operation or an MDES error;
                :class:`~mdesrules._json.MalformedJson` (``code`` ``malformed_document``)
                when it is not JSON that the library reads.
            TransportError: the carrier could not deliver it (see the carrier).
        """
        if self.closed:
            raise RuntimeError("the transport is closed")
        if request.encryption is None and self.encryption is not None:
            request = attrs.evolve(request, encryption=self.encryption)
        op = request.op
        if self.form == "xml" and op.xml_root is None:
            raise ValueError(f"operation {op.name!r} has no XML form; use form='json'")
        content_type = xml_codec.CONTENT_TYPE if self.form == "xml" else json_codec.CONTENT_TYPE
        if op.method == "GET":
            _require_no_members(request)
            headers, body = {"Accept": content_type}, b""
        else:
            headers = {"Content-Type": content_type, "Accept": content_type}
            body = self._encode(request)
        repeatable = request.repeatable
        wire = WireRequest(
            op.method,
            op.path,
            headers,
            body,
            repeatable=repeatable,
            label=op.name,
            retry_answer=self._recoverable(op.name, request.registry) if repeatable else None,
        )
        answer = self.carrier.handle(wire)
        try:
            return self._decode(op.name, answer, request.registry)
        except MalformedJson as error:  # keeps its class: code malformed_document
            raise MalformedJson(f"MDES answered HTTP {answer.status}: {error}") from None
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
        shown = "" if self.encryption is None else f", encryption={self.encryption!r}"
        return f"CodecTransport({self.carrier!r}, form={self.form!r}{shown})"


def _require_no_members(request: Request) -> None:
    """Refuse a ``GET`` whose request would have a body: nothing of it may be dropped.

    Raises:
        ValueError: the request model holds members (a GET of CyberSource TMS carries its
            path parameters there, which this transport does not send).
    """
    envelope, document = encode_request(request, "json")
    if envelope is not None or document:
        raise ValueError(
            f"{request.op.endpoint} is sent without a body, but its request has members "
            f"({', '.join(map(str, document)) or envelope}): this transport cannot send them"
        )
