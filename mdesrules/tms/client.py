"""A client for the two CyberSource TMS token operations.

:class:`TmsClient` checks each request with :func:`mdesrules.check` (operations
``tms_card_art`` and ``tms_payment_credentials``), quotes the path segments, sends it
over :mod:`requests` (or to an in-process :data:`Sender`, such as
:meth:`mdesrules.fakes.tms.SimulatedTms.handle`) and decodes the answer:

- card art: :class:`~mdesrules.tms.assets.CardArtAsset` (every image checked);
- payment credentials: the decrypted JWE content, a ``dict``;
- an error status: :class:`~mdesrules.tms.assets.TmsApiError` with every entry.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

import attrs
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from mdesrules import check
from mdesrules.exceptions import ConnectError, DecodeError, InvalidRequest, Timeout

from .assets import CardArtAsset, decode_card_art, decode_errors
from .jwe import CredentialDecryptionError, decrypt_credentials

__all__ = ["Sender", "TmsClient", "WireRequest", "WireResponse"]


@attrs.frozen
class WireRequest:
    """One HTTP request as sent: ``path`` is percent-encoded and relative to the base URL."""

    method: str
    path: str
    headers: Mapping[str, str] = attrs.field(factory=dict)
    body: bytes = b""


@attrs.frozen
class WireResponse:
    """One HTTP answer: status, ``Content-Type`` and body bytes."""

    status: int
    content_type: str
    body: bytes


Sender = Callable[[WireRequest], WireResponse]
"""Delivers a :class:`WireRequest` in process and returns the answer."""


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


class TmsClient:
    """Retrieve Card Art and Generate Payment Credentials against CyberSource TMS.

    Give ``base_url`` (e.g. ``https://apitest.cybersource.com``) to send over HTTP, with
    ``auth`` (e.g. :class:`~mdesrules.tms.auth.CyberSourceSignature`); or give ``sender``
    to deliver in process (see :meth:`in_memory`). ``private_key`` decrypts the payment
    credentials.
    """

    def __init__(
        self,
        base_url: str = "",
        *,
        private_key: rsa.RSAPrivateKey,
        session: requests.Session | None = None,
        auth: requests.auth.AuthBase | None = None,
        timeout: float = 30.0,
        sender: Sender | None = None,
    ) -> None:
        if not base_url and sender is None:
            raise ValueError("TmsClient needs a base_url or a sender")
        self.base_url = base_url.rstrip("/")
        self.private_key = private_key
        self.session = session
        self.auth = auth
        self.timeout = timeout
        self._sender = sender

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
        response = self._send(
            WireRequest("GET", path, {"Accept": "application/json;charset=utf-8"})
        )
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
        response = self._send(WireRequest("POST", path, headers, payload))
        if not 200 <= response.status < 300:
            raise decode_errors(response.status, response.body)
        if response.status != 201 or _media_type(response.content_type) != "application/jose":
            raise CredentialDecryptionError(
                f"expected 201 application/jose, got {response.status} "
                f"{response.content_type or 'no content type'}"
            )
        return decrypt_credentials(response.body, self.private_key)

    # -- delivery ---------------------------------------------------------------------

    def _send(self, request: WireRequest) -> WireResponse:
        if self._sender is not None:
            return self._sender(request)
        session = self.session or requests.Session()
        try:
            r = session.request(
                request.method,
                self.base_url + request.path,
                headers=dict(request.headers),
                data=request.body if request.method != "GET" else None,
                auth=self.auth,
                timeout=self.timeout,
                allow_redirects=False,
            )
        except requests.ConnectTimeout as exc:
            raise ConnectError(f"could not connect to CyberSource TMS: {exc}") from exc
        except requests.Timeout as exc:
            raise Timeout(f"CyberSource TMS did not answer in {self.timeout}s") from exc
        except requests.RequestException as exc:
            raise ConnectError(f"could not reach CyberSource TMS: {exc}") from exc
        finally:
            if self.session is None:
                session.close()
        return WireResponse(r.status_code, r.headers.get("Content-Type", ""), r.content)
