"""CyberSource Token Management Service (TMS) v2: Retrieve Card Art and Generate Payment
Credentials, their path parameters and header checked as camelCase documents.
"""

from __future__ import annotations

from ..registry import Operation, Registry
from ..schema import camel

__all__ = ["CYBERSOURCE_TMS"]

#: The models, by name: imported when a document of the surface is first checked.
MODELS = "mdesrules.models.tms."

#: CyberSource TMS v2 (key ``cybersource-tms-2``): card art and payment credentials.
CYBERSOURCE_TMS = Registry("cybersource-tms", "2", title="CyberSource Token Management Service")

for _operation in (
    Operation(
        name="tms_card_art",
        endpoint="GET /tms/v2/tokens/{instrumentIdentifierId}/{tokenProvider}/assets/{assetType}",
        summary="CyberSource TMS Retrieve Card Art: the three path parameters as a camelCase "
        "document; each must stay within its path segment.",
        request=MODELS + "CardArtRequest",
        wrapper=None,
        # tms.CardArtResponse is not registered as the response: the codec reads no integer
        # members yet (content[].width/height).
        naming=camel,
        read_only=True,
    ),
    Operation(
        name="tms_payment_credentials",
        endpoint="POST /tms/v2/tokens/{tokenId}/payment-credentials",
        summary="CyberSource TMS Generate Payment Credentials: the body with the tokenId path "
        "parameter and the profile-id header (profileId) as fields; AFT only with CRYPTOGRAM.",
        request=MODELS + "PaymentCredentialsRequest",
        wrapper=None,
        naming=camel,
    ),
):
    CYBERSOURCE_TMS.register(_operation)
