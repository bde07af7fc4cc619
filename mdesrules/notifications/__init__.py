"""The token requestor's side of ``notifyTokenUpdated``: receive, decrypt, check, mirror.

- :class:`NotificationReceiver`: bytes in, a checked notification and the response document
  out; :class:`TokenMirror` keeps each token's status; :class:`NotificationApp` serves the
  receiver as WSGI.
- Mastercard's payload encryption is core code, :mod:`mdesrules.encryption`; its names are
  re-exported here (:func:`encrypt_payload`, :func:`decrypt_payload`, :func:`key_ring`, ...).

The sending side, which the simulated MDES uses, is a test double:
:class:`mdesrules.fakes.notifications.NotificationEmitter`.
"""

from __future__ import annotations

from ..encryption import (
    KeyRing,
    NotificationRejected,
    decrypt_document,
    decrypt_payload,
    encrypt_payload,
    fingerprint,
    key_ring,
)
from .receiver import (
    NOTIFY_PATH,
    MirroredToken,
    Notification,
    NotificationApp,
    NotificationReceiver,
    TokenMirror,
    TokenUpdate,
)

__all__ = [
    "NOTIFY_PATH",
    "KeyRing",
    "MirroredToken",
    "Notification",
    "NotificationApp",
    "NotificationReceiver",
    "NotificationRejected",
    "TokenMirror",
    "TokenUpdate",
    "decrypt_document",
    "decrypt_payload",
    "encrypt_payload",
    "fingerprint",
    "key_ring",
]
