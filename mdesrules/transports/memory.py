"""A transport that hands requests to an MDES running in the same process.

Swap it for :class:`~mdesrules.transports.http.HttpTransport` in a test harness: the client
code stays the same, the network goes away. The handler is any callable from request to
response: the simulated MDES, or a function the test writes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from mdesrules.account_encryption import AccountEncryption, Keys, PublicKeyOrCertificate
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
        encryption: with ``wire="json"``, Mastercard's encryption certificate or public key,
            or :class:`~mdesrules.account_encryption.AccountEncryption` settings: requests'
            ``EncryptedAccountInformation`` is encrypted on its way to the handler's WSGI
            app, which then needs the matching private key to read it: *decryption_keys*,
            or the handler's own (the simulated MDES with its encryption key). May be given
            to the client instead.
        decryption_keys: with a ``wire``, the private keys the handler's WSGI app decrypts
            requests with before it hands a plain handler the plaintext model (see
            :class:`~mdesrules.serving.wsgi.WsgiApp`).

    Raises:
        ValueError: *encryption* without ``wire="json"`` (without a wire the handler is
            given the model itself, which is never encrypted), *decryption_keys* without a
            wire or with a handler that checks requests itself, or GCM settings for a
            registry with 2.1.7 operations.
    """

    def __init__(
        self,
        handler: Handler,
        *,
        wire: Literal["json", "xml"] | None = None,
        registry: Registry | None = None,
        encryption: AccountEncryption | PublicKeyOrCertificate | None = None,
        decryption_keys: Keys | None = None,
    ) -> None:
        settings = AccountEncryption.of(encryption)
        if decryption_keys is not None and wire is None:
            raise ValueError("decryption_keys needs a wire: without one nothing is encrypted")
        if settings is not None and wire != "json":
            raise ValueError(
                "encryption needs wire='json': without a wire the handler is given the "
                "request model itself, and no operation with EncryptedAccountInformation "
                "has an XML form"
            )
        self.handler = handler
        self.wire = wire
        if registry is None:
            own = getattr(handler, "registry", None)
            registry = own if isinstance(own, Registry) else None
        if settings is not None and registry is not None:
            settings.check_versions(op.account_encryption for op in registry)
        self._coded = (
            None
            if wire is None
            else CodecTransport(
                WsgiCarrier(
                    WsgiApp(handler, registry=registry, decryption_keys=decryption_keys),
                    base_url=_BASE_URL,
                ),
                form=wire,
                encryption=settings,
            )
        )
        self.closed = False

    @property
    def encryption(self) -> AccountEncryption | None:
        """The transport's own encryption settings, if any."""
        return None if self._coded is None else self._coded.encryption

    @property
    def can_encrypt(self) -> bool:
        """True with ``wire="json"``: only then is a request serialised, and encrypted."""
        return self.wire == "json"

    def send(self, request: Request) -> Response:
        """Hand *request* to the handler and return its answer.

        Raises:
            ValueError: a request to encrypt without a wire (nothing was handed over).
        """
        if self.closed:
            raise RuntimeError("the transport is closed")
        if self._coded is None:
            if request.encryption is not None and request.op.account_encryption is not None:
                raise ValueError(
                    "InMemoryTransport without a wire hands the model over and cannot "
                    "encrypt it: use wire='json'"
                )
            return self.handler(request)
        return self._coded.send(request)

    def close(self) -> None:
        """Mark the transport closed; later sends raise ``RuntimeError``."""
        if self._coded is not None:
            self._coded.close()
        self.closed = True
