"""Token-requestor notifications (``notifyTokenUpdated``): encryption, receiver, emitter.

- :mod:`mdesrules.encryption`: Mastercard's payload encryption (AES-CBC session key
  wrapped with RSA-OAEP or PKCS#1 v1.5, hex), :func:`encrypt_payload`,
  :func:`decrypt_payload`, :func:`key_ring`.
- :mod:`mdesrules.notifications.receiver`: :class:`NotificationReceiver` (bytes in, a checked
  notification and the response document out), :class:`TokenMirror` and the WSGI
  :class:`NotificationApp`.
- :mod:`mdesrules.fakes.notifications`: :class:`NotificationEmitter`, which turns each lifecycle
  change of the simulated MDES into the encrypted notification a token requestor receives.
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
