"""Emit ``notifyTokenUpdated`` from the simulated MDES, as a token requestor receives it.

:class:`NotificationEmitter` is the ``notifier`` of
:class:`~mdesrules.fakes.mdes.SimulatedMdes`: called with the token before and after each
change the simulator applied, it builds the notification MDES would send, encrypts its
payload for the token requestor's key and hands the request body to ``deliver``. Deliver
to a list to capture notifications in memory, or with :func:`http_deliver` to POST them to
a receiver::

    emitter = NotificationEmitter(requestor_certificate, http_deliver(url))
    mdes = SimulatedMdes(store, notifier=emitter)

What is sent for each change (one token per notification):

- activate, suspend, unsuspend, delete: the new ``status`` (``INACTIVE``, ``ACTIVE``,
  ``SUSPENDED``, ``DEACTIVATED``), ``suspendedBy`` when SUSPENDED, ``statusTimestamp``, and
  ``eventReasonCode`` translated from the CS API ``ReasonCode`` when the request had one;
- an update that changed the product configuration: the status and ``productConfig`` (from
  ``product_configs``, or a made-up configuration named after the id);
- an update of the account PAN or its expiry: the status and ``tokenInfo`` (the account
  PAN's first six and last four digits and expiry, never the PAN; the simulator holds no
  token PAN, so ``tokenPanSuffix`` is made up from the Token Unique Reference and
  ``tokenExpiry`` is the account's expiry);
- anything else (an update of the PSN only, an assurance level change): nothing.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

import requests
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from mdesrules._json import MalformedJson, loads_strict
from mdesrules.exceptions import DecodeError, TransportError
from mdesrules.lifecycle import Status

from ..encryption import OaepHash, encrypt_payload
from ..transports.http import HttpCarrier
from ..wire import WireRequest

if TYPE_CHECKING:
    from mdesrules.fakes.mdes.store import StoredToken

__all__ = [
    "EVENT_REASON_CODES",
    "STATUS_OF",
    "SUSPENDED_BY",
    "NotificationEmitter",
    "default_product_config",
    "http_deliver",
]

#: The Digital Enablement ``status`` word of each lifecycle state.
STATUS_OF: Final[Mapping[Status, str]] = {
    Status.IN_PROGRESS: "INACTIVE",
    Status.ACTIVE: "ACTIVE",
    Status.SUSPENDED: "SUSPENDED",
    Status.DELETED: "DEACTIVATED",
}

#: The ``suspendedBy`` value of each CS API suspender (both Mobile PIN services lock).
SUSPENDED_BY: Final[Mapping[str, str]] = {
    "I": "ISSUER",
    "W": "TOKEN_REQUESTOR",
    "C": "CARDHOLDER",
    "P": "MOBILE_PIN_LOCKED",
    "M": "MOBILE_PIN_LOCKED",
}

#: ``eventReasonCode`` by (event, CS API ``ReasonCode``); ``T`` is fraud when suspending
#: or deleting and "confirmed not fraud" when unsuspending.
EVENT_REASON_CODES: Final[Mapping[tuple[str, str], str]] = {
    ("suspend", "L"): "DEVICE_LOST",
    ("suspend", "S"): "DEVICE_STOLEN",
    ("suspend", "T"): "SUSPECTED_FRAUD",
    ("suspend", "Z"): "OTHER",
    ("unsuspend", "F"): "DEVICE_FOUND",
    ("unsuspend", "T"): "NOT_FRAUD",
    ("unsuspend", "Z"): "OTHER",
    ("delete", "L"): "DEVICE_LOST",
    ("delete", "S"): "DEVICE_STOLEN",
    ("delete", "T"): "SUSPECTED_FRAUD",
    ("delete", "C"): "ACCOUNT_CLOSED",
    ("delete", "Z"): "OTHER",
    ("delete", "F"): "OTHER",
}

_LIFECYCLE_EVENTS = frozenset({"activate", "suspend", "unsuspend", "delete"})

Deliver = Callable[[bytes], object]


def default_product_config(configuration_id: str) -> dict[str, object]:
    """A made-up ``productConfig`` with every required field, named after the id."""
    return {
        "brandLogoAssetId": f"brand-logo-{configuration_id}",
        "issuerLogoAssetId": f"issuer-logo-{configuration_id}",
        "isCoBranded": False,
        "cardBackgroundCombinedAssetId": f"card-art-{configuration_id}",
        "iconAssetId": f"icon-{configuration_id}",
        "foregroundColor": "000000",
        "issuerName": "Simulated Issuer",
        "shortDescription": f"Product configuration {configuration_id}",
        "issuerProductConfigCode": configuration_id,
    }


class NotificationEmitter:
    """Builds, encrypts and delivers the notification of each lifecycle change.

    Args:
        requestor_public_key: the token requestor's RSA public key or certificate; its
            fingerprint is sent as ``publicKeyFingerprint``.
        deliver: called with each request body (UTF-8 JSON); ``list.append`` captures them.
        response_host: sent as ``responseHost`` (the simulated MDES host).
        oaep: the OAEP hash of the key wrapping, or ``None`` for PKCS#1 v1.5.
        token_requestor_id: sent as ``tokenRequestorId`` (11 digits) when given.
        product_configs: ``productConfig`` by product configuration id; ids not in it get
            :func:`default_product_config`.
        request_ids: makes each ``requestId``; a random UUID by default.
    """

    def __init__(
        self,
        requestor_public_key: rsa.RSAPublicKey | x509.Certificate,
        deliver: Deliver,
        *,
        response_host: str = "site1.mastercard.com",
        oaep: OaepHash | None = "SHA512",
        token_requestor_id: str | None = None,
        product_configs: Mapping[str, Mapping[str, object]] | None = None,
        request_ids: Callable[[], str] | None = None,
    ) -> None:
        self.requestor_public_key = requestor_public_key
        self.deliver = deliver
        self.response_host = response_host
        self.oaep: OaepHash | None = oaep
        self.token_requestor_id = token_requestor_id
        self.product_configs = product_configs or {}
        self.request_ids = request_ids or (lambda: uuid.uuid4().hex)

    def __call__(self, previous: StoredToken, new: StoredToken, event: str) -> object:
        """Notify the change from *previous* to *new*; return what ``deliver`` returned
        (``None`` when the change is nothing a token requestor is told)."""
        token = self.token_document(previous, new, event)
        if token is None:
            return None
        return self.deliver(self.request_body({"tokens": [token]}))

    def token_document(
        self, previous: StoredToken, new: StoredToken, event: str
    ) -> dict[str, Any] | None:
        """The ``tokens[]`` entry for the change, or ``None`` when none is sent."""
        token: dict[str, Any] = {"tokenUniqueReference": new.token_unique_reference}
        if self.token_requestor_id is not None:
            token["tokenRequestorId"] = self.token_requestor_id
        token["status"] = STATUS_OF[new.status]
        if new.status is Status.SUSPENDED:
            token["suspendedBy"] = sorted({SUSPENDED_BY.get(s, s) for s in new.suspenders})
        entry = new.history[-1] if new.history else None
        if entry is not None and entry.reason_code is not None:
            reason = EVENT_REASON_CODES.get((event, entry.reason_code))
            if reason is not None:
                token["eventReasonCode"] = reason
        if entry is not None:
            token["statusTimestamp"] = entry.date_time
        told = event in _LIFECYCLE_EVENTS
        if (
            new.product_configuration_id is not None
            and new.product_configuration_id != previous.product_configuration_id
        ):
            config = self.product_configs.get(new.product_configuration_id)
            token["productConfig"] = (
                dict(config)
                if config is not None
                else default_product_config(new.product_configuration_id)
            )
            told = True
        if (new.account_pan, new.account_pan_expiry) != (
            previous.account_pan,
            previous.account_pan_expiry,
        ):
            token["tokenInfo"] = _token_info(new)
            told = True
        return token if told else None

    def request_body(self, document: Mapping[str, Any]) -> bytes:
        """The encrypted request body carrying *document* (``{"tokens": [...]}``)."""
        plaintext = json.dumps(document, separators=(",", ":")).encode("utf-8")
        payload = encrypt_payload(plaintext, self.requestor_public_key, oaep=self.oaep)
        body = {
            "responseHost": self.response_host,
            "requestId": self.request_ids(),
            "encryptedPayload": payload,
        }
        return json.dumps(body, separators=(",", ":")).encode("utf-8")


def _token_info(token: StoredToken) -> dict[str, Any]:
    """``tokenInfo`` after an account PAN change. The simulator holds no token PAN: its
    suffix is made up from the Token Unique Reference, its expiry is the account's."""
    digest = hashlib.sha256(token.token_unique_reference.encode("utf-8")).digest()
    info: dict[str, Any] = {
        "tokenPanSuffix": f"{int.from_bytes(digest[:4], 'big') % 10_000:04d}",
        "accountPanPrefix": token.account_pan[:6],
        "accountPanSuffix": token.account_pan[-4:],
        "tokenExpiry": token.account_pan_expiry or "1299",
        "dsrpCapable": "false",
    }
    if token.account_pan_expiry is not None:
        info["accountPanExpiry"] = token.account_pan_expiry
    return info


def http_deliver(
    url: str,
    session: requests.Session | None = None,
    *,
    timeout: float | tuple[float, float] = (5.0, 10.0),
    retries: int = 2,
    backoff: float = 0.2,
) -> Callable[[bytes], dict[str, Any]]:
    """A ``deliver`` that POSTs each body to *url* and returns the receiver's answer.

    It sends through one :class:`~mdesrules.transports.http.HttpCarrier` (one session for
    every notification): a connection that failed before anything was sent is tried again
    (up to *retries* times), a notification that may have arrived is never sent twice.
    *timeout* is ``(connect, read)`` seconds; a single number is both.

    Raises (from the returned function):
        TransportError: no answer, an answer other than 2xx, or one that is not a JSON
        object; the message names the failure or the status only, never a body. A
        connection that could not be made is a :class:`~mdesrules.exceptions.ConnectError`,
        no answer in time a :class:`~mdesrules.exceptions.Timeout`.
    """
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    carrier = HttpCarrier(
        f"{parts.scheme}://{parts.netloc}",
        session=session,
        timeout=timeout if isinstance(timeout, tuple) else (timeout, timeout),
        retries=retries,
        backoff=backoff,
    )
    headers = {"Content-Type": "application/json", "Accept": "application/json"}

    def deliver(body: bytes) -> dict[str, Any]:
        request = WireRequest("POST", target, headers, body, label="notify_token_updated")
        try:
            answer = carrier.handle(request)
        except DecodeError as error:  # the answer was too large: the notification arrived
            raise DecodeError(f"the receiver's answer could not be read ({error})") from None
        except TransportError as error:
            kind = type(error)
            raise kind(f"the notification could not be delivered ({kind.__name__})") from None
        if not 200 <= answer.status < 300:
            raise TransportError(f"the receiver refused the notification (HTTP {answer.status})")
        try:
            document = loads_strict(answer.body)
        except MalformedJson:
            document = None
        if not isinstance(document, dict):
            raise TransportError("the receiver's answer is not a JSON object")
        return document

    return deliver
