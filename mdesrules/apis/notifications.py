"""The notifications MDES sends to a token requestor: ``notifyTokenUpdated``.

Source: MDES Digital Enablement API 1.3.0 (``specs/MDES_Digital_Enablement.yaml``). Two forms:
the envelope as received and its decrypted payload. Unknown fields are warnings: receivers
must tolerate fields MDES adds later.
"""

from __future__ import annotations

from ..registry import Operation, Registry
from ..schema import camel

__all__ = ["NOTIFICATIONS"]

#: The models, by name: imported when a document of the surface is first checked.
MODELS = "mdesrules.models.notify."

#: ``notifyTokenUpdated`` of the MDES Digital Enablement API 1.3.0 (key
#: ``mdes-notifications-1.3.0``): the envelope as received and its decrypted payload.
NOTIFICATIONS = Registry(
    "mdes-notifications", "1.3.0", title="MDES Digital Enablement API notifications"
)

for _operation in (
    Operation(
        name="notify_token_updated",
        endpoint="POST /digitization/static/1/0/notifyTokenUpdated",
        summary="A token notification from MDES, decrypted: the JSON of its "
        'encryptedPayload.encryptedData, {"tokens": [...]}; unknown fields are warnings.',
        request=MODELS + "NotifyTokenUpdatedPayload",
        wrapper=None,
        response=MODELS + "NotifyTokenUpdatedResponse",
        naming=camel,
        unknown_severity="warning",
    ),
    Operation(
        name="notify_token_updated_envelope",
        endpoint="POST /digitization/static/1/0/notifyTokenUpdated",
        summary="A token notification from MDES as received: responseHost, requestId and "
        "the hex-encoded encryptedPayload; unknown fields are warnings.",
        request=MODELS + "NotifyTokenUpdatedRequest",
        wrapper=None,
        response=MODELS + "NotifyTokenUpdatedResponse",
        naming=camel,
        unknown_severity="warning",
    ),
):
    NOTIFICATIONS.register(_operation)
