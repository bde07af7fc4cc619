"""A client for the two CyberSource TMS token operations.

:class:`TmsClient` checks each request with :func:`mdesrules.check` (operations
``tms_card_art`` and ``tms_payment_credentials``), quotes the path segments, hands it to a
:class:`~mdesrules.wire.Carrier` and decodes the answer:

- card art: :class:`~mdesrules.tms.assets.CardArtAsset` (every image checked);
- payment credentials: the decrypted JWE content, a ``dict``;
- an error status: :class:`~mdesrules.tms.assets.TmsApiError` with every entry.

Over the network the carrier is the shared
:class:`~mdesrules.transports.http.HttpCarrier`, with its timeouts, bounded reads, error
mapping and safe retries: the card-art GET is repeatable, the payment-credentials POST is
not (a second POST would issue a second cryptogram). In process it is any function from
:class:`WireRequest` to :class:`WireResponse` (a :data:`Sender`, such as
:meth:`mdesrules.fakes.tms.SimulatedTms.handle`), wrapped in a
:class:`~mdesrules.transports.mock.MockCarrier`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from mdesrules import check
from mdesrules.exceptions import DecodeError, InvalidRequest
from mdesrules.transport import Closing
from mdesrules.wire import Carrier, WireRequest, WireResponse

from ..transports.http import HttpCarrier
from ..transports.mock import MockCarrier
from .assets import MAX_IMAGE_BYTES, CardArtAsset, decode_card_art, decode_errors
from .jwe import CredentialDecryptionError, decrypt_credentials

__all__ = ["MAX_ANSWER_BYTES", "Sender", "TmsClient", "WireRequest", "WireResponse"]

Sender = Callable[[WireRequest], WireResponse]
"""Delivers a :class:`WireRequest` in process and returns the answer."""

#: The largest answer read over HTTP: a card-art answer may carry a few images of up to
#: :data:`~mdesrules.tms.assets.MAX_IMAGE_BYTES` each, in base64.
MAX_ANSWER_BYTES = 6 * MAX_IMAGE_BYTES


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


class TmsClient(Closing):
    """Retrieve Card Art and Generate Payment Credentials against CyberSource TMS.

    Give ``base_url`` (e.g. ``https://apitest.cybersource.com``) to send over HTTP, with
    ``auth`` (e.g. :class:`~mdesrules.tms.auth.CyberSourceSignature`); or give ``sender``
    to deliver in process (see :meth:`in_memory`); or give any ``carrier``.
    ``private_key`` decrypts the payment credentials.

    Args:
        base_url: the CyberSource host; requests go to ``base_url + /tms/v2/...`` through
            an :class:`~mdesrules.transports.http.HttpCarrier` the client makes.
        private_key: the RSA key the payment credentials are encrypted to.
        session: a :class:`requests.Session` for that carrier (not closed by the client).
        auth: signs each HTTP request.
        timeout: seconds to wait for the connection and then for the answer, as
            ``(connect, read)``; a single number is both, as :mod:`requests` reads it.
        sender: a function answering each request in process, instead of HTTP.
        carrier: any carrier, instead of HTTP or ``sender``.

    :meth:`close` (or ``with``) closes the carrier.
    """

    def __init__(
        self,
        base_url: str = "",
        *,
        private_key: rsa.RSAPrivateKey,
        session: requests.Session | None = None,
        auth: requests.auth.AuthBase | None = None,
        timeout: float | tuple[float, float] = (3.05, 30.0),
        sender: Sender | None = None,
        carrier: Carrier | None = None,
    ) -> None:
        if sender is not None and carrier is not None:
            raise ValueError("give TmsClient a sender or a carrier, not both")
        if not base_url and sender is None and carrier is None:
            raise ValueError("TmsClient needs a base_url or a sender")
        self.base_url = base_url.rstrip("/")
        self.private_key = private_key
        self.session = session
        self.auth = auth
        self.timeout = timeout if isinstance(timeout, tuple) else (timeout, timeout)
        if carrier is None:
            carrier = (
                MockCarrier(sender)
                if sender is not None
                else HttpCarrier(
                    self.base_url,
                    session=session,
                    auth=auth,
                    timeout=self.timeout,
                    max_response_bytes=MAX_ANSWER_BYTES,
                )
            )
        self.carrier = carrier

    @classmethod
    def in_memory(cls, sender: Sender, *, private_key: rsa.RSAPrivateKey) -> TmsClient:
        """A client that hands every request to ``sender`` (no network)."""
        return cls(private_key=private_key, sender=sender)

    # -- operations -------------------------------------------------------------------

    def card_art(
        self, instrument_identifier_id: str, token_provider: str, asset_type: str
    ) -> CardArtAsset:
        """GET the card-art asset; raises ``InvalidRequest``, ``TmsApiError`` or
        ``AssetRejected``."""
        document = {
            "instrumentIdentifierId": instrument_identifier_id,
            "tokenProvider": token_provider,
            "assetType": asset_type,
        }
        report = check("tms_card_art", document)
        if not report.ok:
            raise InvalidRequest(report)
        path = "/tms/v2/tokens/{}/{}/assets/{}".format(
            *(quote(s, safe="") for s in (instrument_identifier_id, token_provider, asset_type))
        )
        request = WireRequest(
            "GET",
            path,
            {"Accept": "application/json;charset=utf-8"},
            repeatable=True,
            label="tms_card_art",
        )
        response = self.carrier.handle(request)
        if response.status != 200:
            raise decode_errors(response.status, response.body)
        if _media_type(response.content_type) != "application/json":
            raise DecodeError(f"card art answered with {response.content_type!r}, not JSON")
        return decode_card_art(response.body)

    def payment_credentials(
        self, token_id: str, body: Mapping[str, Any], *, profile_id: str | None = None
    ) -> dict[str, Any]:
        """POST for payment credentials and return the decrypted credential object.

        Raises ``InvalidRequest``, ``TmsApiError`` or ``CredentialDecryptionError``.
        """
        for key in ("tokenId", "profileId"):
            if key in body:
                raise ValueError(f"{key!r} is an argument, not a body field")
        document: dict[str, Any] = {**body, "tokenId": token_id}
        if profile_id is not None:
            document["profileId"] = profile_id
        report = check("tms_payment_credentials", document)
        if not report.ok:
            raise InvalidRequest(report)
        headers = {
            "Content-Type": "application/json;charset=utf-8",
            "Accept": "application/jose;charset=utf-8",
        }
        if profile_id is not None:
            headers["profile-id"] = profile_id
        payload = json.dumps(dict(body), separators=(",", ":")).encode("utf-8")
        path = f"/tms/v2/tokens/{quote(token_id, safe='')}/payment-credentials"
        request = WireRequest("POST", path, headers, payload, label="tms_payment_credentials")
        response = self.carrier.handle(request)
        if not 200 <= response.status < 300:
            raise decode_errors(response.status, response.body)
        if response.status != 201 or _media_type(response.content_type) != "application/jose":
            raise CredentialDecryptionError(
                f"expected 201 application/jose, got {response.status} "
                f"{response.content_type or 'no content type'}"
            )
        return decrypt_credentials(response.body, self.private_key)

    def close(self) -> None:
        """Close the carrier (and the session it made, if any)."""
        self.carrier.close()

    def __repr__(self) -> str:
        return f"TmsClient({self.carrier!r})"
