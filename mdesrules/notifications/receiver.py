"""Receive ``notifyTokenUpdated`` as a token requestor: bytes in, a checked notification out.

:class:`NotificationReceiver` is framework-free: hand it the request body, get back the
decrypted, rule-checked :class:`Notification` and the response document to answer with
(``responseHost``, ``responseId``). Every refusal raises
:class:`~mdesrules.encryption.NotificationRejected`, and then nothing was applied: the
tokens of a notification reach the :class:`TokenMirror` and the ``on_token`` callback only
when the whole notification was decrypted and passed the ``notify_token_updated`` rules.
:class:`NotificationApp` is the same receiver as a WSGI application.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from http import HTTPStatus
from types import MappingProxyType
from typing import Any, Final
from wsgiref.types import StartResponse, WSGIEnvironment

from attrs import field, frozen

from mdesrules._json import MalformedJson, loads_strict
from mdesrules.checking import check
from mdesrules.lifecycle import Status
from mdesrules.masking import scrub
from mdesrules.violations import Report, Violation

from ..encryption import (
    MAX_ENCRYPTED_DATA_HEX,
    KeyRing,
    NotificationRejected,
    decrypt_document,
)
from ..serving._body import BodyRefused, read_body

__all__ = [
    "MAX_BODY_BYTES",
    "NOTIFY_PATH",
    "OPERATION",
    "STATUS_WORDS",
    "MirroredToken",
    "Notification",
    "NotificationApp",
    "NotificationReceiver",
    "TokenMirror",
    "TokenUpdate",
]

#: Where a token requestor serves ``notifyTokenUpdated``.
NOTIFY_PATH: Final = "/digitization/static/1/0/notifyTokenUpdated"
#: The rule set the decrypted document is checked with.
OPERATION: Final = "notify_token_updated"
#: The largest request body read: the largest ``encryptedData`` and room for the rest.
MAX_BODY_BYTES: Final = MAX_ENCRYPTED_DATA_HEX + 65_536

#: The Digital Enablement ``status`` words and the lifecycle state each names.
STATUS_WORDS: Final[Mapping[str, Status]] = MappingProxyType(
    {
        "INACTIVE": Status.IN_PROGRESS,
        "ACTIVE": Status.ACTIVE,
        "SUSPENDED": Status.SUSPENDED,
        "DEACTIVATED": Status.DELETED,
    }
)

log = logging.getLogger("mdesrules.notifications")


def _read_only(value: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(value))


def _frozen_mapping(value: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    return None if value is None else MappingProxyType(dict(value))


@frozen
class TokenUpdate:
    """One ``tokens[]`` entry of a notification, as read after the rules passed.

    ``status`` is ``None`` when the entry has none (e.g. a product configuration change
    only); ``suspended_by`` is empty unless ``status`` is SUSPENDED. ``raw`` is the entry.
    """

    token_unique_reference: str = field(repr=lambda tur: repr(scrub(tur)))
    status: Status | None
    suspended_by: frozenset[str] = frozenset()
    event_reason_code: str | None = None
    status_timestamp: str | None = None
    token_requestor_id: str | None = None
    product_config: Mapping[str, Any] | None = field(default=None, converter=_frozen_mapping)
    token_info: Mapping[str, Any] | None = field(
        default=None, converter=_frozen_mapping, repr=False
    )
    raw: Mapping[str, Any] = field(factory=dict, converter=_read_only, repr=False)

    @classmethod
    def from_document(cls, entry: Mapping[str, Any]) -> TokenUpdate:
        """Read one ``tokens[]`` entry.

        Raises:
            NotificationRejected: ``invalid_notification`` for what a receiver cannot
                apply (no ``tokenUniqueReference``, an unknown ``status`` word).
        """
        tur = entry.get("tokenUniqueReference")
        if not isinstance(tur, str) or not tur:
            raise NotificationRejected(
                "invalid_notification", "a token has no tokenUniqueReference"
            )
        word = entry.get("status")
        status: Status | None = None
        if word is not None:
            status = STATUS_WORDS.get(word) if isinstance(word, str) else None
            if status is None:
                raise NotificationRejected(
                    "invalid_notification",
                    "a token's status is not INACTIVE, ACTIVE, SUSPENDED or DEACTIVATED",
                )
        suspenders = entry.get("suspendedBy")
        suspended_by = (
            frozenset(s for s in suspenders if isinstance(s, str))
            if status is Status.SUSPENDED and isinstance(suspenders, list)
            else frozenset()
        )
        product_config = entry.get("productConfig")
        token_info = entry.get("tokenInfo")
        return cls(
            tur,
            status,
            suspended_by,
            _str_or_none(entry.get("eventReasonCode")),
            _str_or_none(entry.get("statusTimestamp")),
            _str_or_none(entry.get("tokenRequestorId")),
            product_config if isinstance(product_config, Mapping) else None,
            token_info if isinstance(token_info, Mapping) else None,
            entry,
        )


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


@frozen
class Notification:
    """A decrypted notification that passed the ``notify_token_updated`` rules.

    Attributes:
        request_id: the sender's ``requestId`` (a number sent as such becomes its text).
        response_host: the sender's ``responseHost``.
        public_key_fingerprint: which of the receiver's keys MDES used.
        tokens: the token updates, in the order sent.
        document: the decrypted document ``{"tokens": [...]}``.
        report: the rule report (no errors; its warnings are :attr:`warnings`).
    """

    request_id: str
    response_host: str
    public_key_fingerprint: str
    tokens: tuple[TokenUpdate, ...]
    document: Mapping[str, Any] = field(repr=False, eq=False)
    report: Report = field(repr=False, eq=False)

    @property
    def warnings(self) -> tuple[Violation, ...]:
        """The rule warnings (unknown fields and the like): kept, not refused."""
        return self.report.warnings


@frozen
class MirroredToken:
    """What a :class:`TokenMirror` knows of one token, from the notifications applied."""

    token_unique_reference: str = field(repr=lambda tur: repr(scrub(tur)))
    status: Status | None
    suspended_by: frozenset[str] = frozenset()
    event_reason_code: str | None = None
    status_timestamp: str | None = None
    token_requestor_id: str | None = None
    product_config: Mapping[str, Any] | None = field(default=None, repr=False)
    token_info: Mapping[str, Any] | None = field(default=None, repr=False)


def _moment(timestamp: str | None) -> datetime | None:
    if timestamp is None:
        return None
    try:
        moment = datetime.fromisoformat(timestamp)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


class TokenMirror:
    """A thread-safe local inventory of tokens, kept up to date by notifications.

    Each applied :class:`TokenUpdate` sets the token's status (when it has one; a
    SUSPENDED status brings its ``suspendedBy``, any other status clears them), its latest
    ``eventReasonCode`` and ``statusTimestamp``, and replaces ``productConfig`` and
    ``tokenInfo`` when sent. With ``ignore_stale`` (default), an update whose
    ``statusTimestamp`` is earlier than the one mirrored is skipped: notifications may
    arrive out of order or be delivered twice.
    """

    def __init__(self, *, ignore_stale: bool = True) -> None:
        self.ignore_stale = ignore_stale
        self._lock = threading.RLock()
        self._tokens: dict[str, MirroredToken] = {}

    def apply(self, updates: Iterable[TokenUpdate]) -> tuple[TokenUpdate, ...]:
        """Apply *updates* in order, as one step; return those applied (not stale)."""
        applied: list[TokenUpdate] = []
        with self._lock:
            for update in updates:
                merged = self._merge(self._tokens.get(update.token_unique_reference), update)
                if merged is not None:
                    self._tokens[update.token_unique_reference] = merged
                    applied.append(update)
        return tuple(applied)

    def _merge(self, old: MirroredToken | None, update: TokenUpdate) -> MirroredToken | None:
        if old is None:
            return MirroredToken(
                update.token_unique_reference,
                update.status,
                update.suspended_by,
                update.event_reason_code,
                update.status_timestamp,
                update.token_requestor_id,
                update.product_config,
                update.token_info,
            )
        if self.ignore_stale:
            new_at, old_at = _moment(update.status_timestamp), _moment(old.status_timestamp)
            if new_at is not None and old_at is not None and new_at < old_at:
                return None
        if update.status is None:
            status, suspended_by = old.status, old.suspended_by
        else:
            status, suspended_by = update.status, update.suspended_by
        return MirroredToken(
            old.token_unique_reference,
            status,
            suspended_by,
            update.event_reason_code,
            update.status_timestamp or old.status_timestamp,
            update.token_requestor_id or old.token_requestor_id,
            update.product_config if update.product_config is not None else old.product_config,
            update.token_info if update.token_info is not None else old.token_info,
        )

    def get(self, tur: str) -> MirroredToken | None:
        """The mirrored token with this Token Unique Reference, or ``None``."""
        with self._lock:
            return self._tokens.get(tur)

    def status(self, tur: str) -> Status | None:
        """The token's mirrored status, or ``None`` when unknown."""
        token = self.get(tur)
        return None if token is None else token.status

    def suspended_by(self, tur: str) -> frozenset[str]:
        """Who holds the token suspended (``ISSUER``, ``TOKEN_REQUESTOR``, ...)."""
        token = self.get(tur)
        return frozenset() if token is None else token.suspended_by

    def tokens(self) -> dict[str, MirroredToken]:
        """A snapshot of every mirrored token by Token Unique Reference."""
        with self._lock:
            return dict(self._tokens)

    def __len__(self) -> int:
        with self._lock:
            return len(self._tokens)

    def __contains__(self, tur: object) -> bool:
        with self._lock:
            return tur in self._tokens

    def __repr__(self) -> str:
        return f"TokenMirror({len(self)} tokens)"


OnToken = Callable[[TokenUpdate], object]


class NotificationReceiver:
    """Decrypts, checks and applies ``notifyTokenUpdated`` requests (see the module doc).

    Args:
        keys: the token requestor's private keys by fingerprint
            (:func:`~mdesrules.encryption.key_ring`).
        on_token: called with each :class:`TokenUpdate` of an accepted notification, after
            the mirror was updated; an exception it raises propagates (the mirror stays
            updated; MDES redelivering is harmless to it).
        mirror: a :class:`TokenMirror` to keep up to date.
        response_host: this receiver's host, answered as ``responseHost``.
        allow_pkcs1v15: accept session keys wrapped with PKCS#1 v1.5 (no
            ``oaepHashingAlgorithm``), as the spec allows.
        max_body: the largest body accepted, in bytes.
    """

    def __init__(
        self,
        keys: KeyRing,
        *,
        on_token: OnToken | None = None,
        mirror: TokenMirror | None = None,
        response_host: str = "localhost",
        allow_pkcs1v15: bool = True,
        max_body: int = MAX_BODY_BYTES,
    ) -> None:
        self.keys = keys
        self.on_token = on_token
        self.mirror = mirror
        self.response_host = response_host
        self.allow_pkcs1v15 = allow_pkcs1v15
        self.max_body = max_body

    def receive(self, body: bytes) -> tuple[Notification, dict[str, str]]:
        """Decrypt, check and apply one request body; return it and the response document.

        Raises:
            NotificationRejected: the body was refused (``code`` says why); nothing was
                applied to the mirror nor passed to ``on_token``.
        """
        notification = self.open(body)
        if self.mirror is not None:
            self.mirror.apply(notification.tokens)
        if self.on_token is not None:
            for update in notification.tokens:
                self.on_token(update)
        return notification, self.response(notification.request_id)

    def response(self, request_id: str) -> dict[str, str]:
        """The response document for the request *request_id*."""
        return {"responseHost": self.response_host, "responseId": request_id}

    def open(self, body: bytes) -> Notification:
        """Decrypt and check *body* without applying it (see :meth:`receive`)."""
        if len(body) > self.max_body:
            raise NotificationRejected(
                "too_large", f"the body is larger than {self.max_body} bytes"
            )
        try:
            envelope = loads_strict(body)
        except MalformedJson as error:
            raise NotificationRejected(error.code, f"the request body: {error.reason}") from None
        if not isinstance(envelope, dict):
            raise NotificationRejected("malformed", "the request body is not a JSON object")
        request_id = envelope.get("requestId")
        if isinstance(request_id, int) and not isinstance(request_id, bool):
            request_id = str(request_id)
        if not isinstance(request_id, str) or not request_id:
            raise NotificationRejected("malformed", "requestId is missing or not a string")
        try:
            return self._open(envelope, request_id)
        except NotificationRejected as rejected:
            rejected.request_id = request_id
            raise

    def _open(self, envelope: dict[str, Any], request_id: str) -> Notification:
        host = envelope.get("responseHost")
        if not isinstance(host, str):
            raise NotificationRejected("malformed", "responseHost is missing or not a string")
        payload = envelope.get("encryptedPayload")
        if not isinstance(payload, dict):
            raise NotificationRejected("malformed", "encryptedPayload is missing or not an object")
        document = decrypt_document(payload, self.keys, allow_pkcs1v15=self.allow_pkcs1v15)
        report = check(OPERATION, document)
        if not report.ok:
            errors = report.errors
            listed = "; ".join(f"{v.code} at {v.path or '/'}" for v in errors[:5])
            more = f" and {len(errors) - 5} more" if len(errors) > 5 else ""
            raise NotificationRejected(
                "invalid_notification",
                f"the notification breaks {len(errors)} rule(s): {listed}{more}",
                report=report,
            )
        if not isinstance(document, dict):  # the rules refuse it; never reached
            raise NotificationRejected("invalid_notification", "the payload is not an object")
        entries = document.get("tokens") or []
        if not isinstance(entries, list):  # the rules refuse it; never reached
            raise NotificationRejected("invalid_notification", "tokens is not a list")
        tokens = tuple(
            TokenUpdate.from_document(entry) for entry in entries if isinstance(entry, dict)
        )
        if len(tokens) != len(entries):  # the rules refuse it; never reached
            raise NotificationRejected("invalid_notification", "a token is not an object")
        return Notification(
            request_id,
            host,
            str(payload.get("publicKeyFingerprint", "")),
            tokens,
            document,
            report,
        )


class _Refusal(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


class NotificationApp:
    """A :class:`NotificationReceiver` as a WSGI application.

    ``POST`` at *path* with ``Content-Type: application/json``. Answers, always in JSON and
    never with a traceback:

    =======================================  ======  ============================
    what                                     status  ``reasonCode``
    =======================================  ======  ============================
    accepted                                 200     (the response document)
    refused (see ``NotificationRejected``)   400     its code, upper-cased
    no such path                             404     ``NOT_FOUND``
    a method other than POST                 405     ``METHOD_NOT_ALLOWED``
    a body larger than ``max_body``          413     ``REQUEST_TOO_LARGE``
    a body that is not JSON                  415     ``UNSUPPORTED_MEDIA_TYPE``
    ``on_token`` raised                      500     ``INTERNAL_ERROR``
    =======================================  ======  ============================

    Every decryption failure (wrong key, altered ciphertext, altered key, plaintext that is
    not JSON) answers the same ``DECRYPTION_FAILED``, so the answers are no padding oracle;
    the ``mdesrules.notifications`` logger records the precise code (never a body).
    """

    def __init__(
        self,
        receiver: NotificationReceiver,
        *,
        path: str = NOTIFY_PATH,
        max_body: int | None = None,
    ) -> None:
        self.receiver = receiver
        self.path = "/" + path.strip("/")
        self.max_body = receiver.max_body if max_body is None else max_body

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request_id: str | None = None
        try:
            self._route(environ)
            body = self._read_body(environ)
            try:
                _, document = self.receiver.receive(body)
            except NotificationRejected as rejected:
                request_id = rejected.request_id
                log.warning(
                    "notifyTokenUpdated refused: %s (requestId %s)",
                    rejected.code,
                    scrub(request_id or "-")[:64],
                )
                status = 413 if rejected.code == "too_large" else 400
                raise _Refusal(
                    status, rejected.public_code.upper(), rejected.public_message
                ) from None
        except _Refusal as refusal:
            extra = [("Allow", "POST")] if refusal.status == 405 else []
            error = _error("INPUT", refusal.code, refusal.message, recoverable=False)
            return self._answer(start_response, refusal.status, request_id, error, extra)
        except Exception as failure:
            log.error("notifyTokenUpdated: the receiver failed (%s)", type(failure).__name__)
            error = _error("SYSTEM", "INTERNAL_ERROR", "the receiver failed", recoverable=True)
            return self._answer(start_response, 500, request_id, error)
        return _respond(start_response, 200, _dumps(document))

    def _answer(
        self,
        start_response: StartResponse,
        status: int,
        request_id: str | None,
        error: dict[str, object],
        extra: list[tuple[str, str]] | None = None,
    ) -> list[bytes]:
        document: dict[str, object] = {"responseHost": self.receiver.response_host}
        if request_id is not None:
            document["responseId"] = request_id
        document["errors"] = [error]
        return _respond(start_response, status, _dumps(document), extra)

    def _route(self, environ: WSGIEnvironment) -> None:
        path = str(environ.get("SCRIPT_NAME", "")) + str(environ.get("PATH_INFO", ""))
        if path.rstrip("/") != self.path:
            raise _Refusal(404, "NOT_FOUND", "no notification is served at this path")
        if str(environ.get("REQUEST_METHOD", "")).upper() != "POST":
            raise _Refusal(405, "METHOD_NOT_ALLOWED", "notifyTokenUpdated takes POST only")
        media = str(environ.get("CONTENT_TYPE", "") or "").split(";")[0].strip().lower()
        if media not in ("application/json", "text/json"):
            raise _Refusal(415, "UNSUPPORTED_MEDIA_TYPE", "notifyTokenUpdated takes JSON")

    def _read_body(self, environ: WSGIEnvironment) -> bytes:
        try:
            return read_body(environ, self.max_body)
        except BodyRefused as e:
            code = "REQUEST_TOO_LARGE" if e.status == 413 else "MALFORMED"
            raise _Refusal(e.status, code, e.description) from None


def _error(source: str, code: str, message: str, *, recoverable: bool) -> dict[str, object]:
    return {
        "source": source,
        "reasonCode": code,
        "description": scrub(message)[:256],
        "recoverable": recoverable,
    }


def _dumps(document: object) -> bytes:
    return json.dumps(document, separators=(",", ":")).encode("utf-8")


def _respond(
    start_response: StartResponse,
    status: int,
    body: bytes,
    extra: list[tuple[str, str]] | None = None,
) -> list[bytes]:
    headers = [
        ("Content-Type", "application/json; charset=utf-8"),
        ("Content-Length", str(len(body))),
        ("X-Content-Type-Options", "nosniff"),
        *(extra or []),
    ]
    start_response(f"{status} {HTTPStatus(status).phrase}", headers)
    return [body]
