"""Token-requestor notifications (``notifyTokenUpdated``): encryption, receiver, emitter.

- :mod:`transports.notify.crypto`: Mastercard's payload encryption (AES-CBC session key
  wrapped with RSA-OAEP or PKCS#1 v1.5, hex), :func:`encrypt_payload`,
  :func:`decrypt_payload`, :func:`key_ring`.
- :mod:`transports.notify.receiver`: :class:`NotificationReceiver` (bytes in, a checked
  notification and the response document out), :class:`TokenMirror` and the WSGI
  :class:`NotificationApp`.
- :mod:`transports.notify.emitter`: :class:`NotificationEmitter`, which turns each lifecycle
  change of the simulated MDES into the encrypted notification a token requestor receives.
"""

from __future__ import annotations

from .crypto import (
    KeyRing,
    NotificationRejected,
    decrypt_document,
    decrypt_payload,
    encrypt_payload,
    fingerprint,
    key_ring,
)
from .emitter import NotificationEmitter, http_deliver
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
    "NotificationEmitter",
    "NotificationReceiver",
    "NotificationRejected",
    "TokenMirror",
    "TokenUpdate",
    "decrypt_document",
    "decrypt_payload",
    "encrypt_payload",
    "fingerprint",
    "http_deliver",
    "key_ring",
]
