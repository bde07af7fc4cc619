"""The operations, each declared once: request model, rules across fields, token-state rules.

Sources: MDES Customer Service API 2.0.7 (``specs/mdes-customer-service-v2.0.7``), the
legacy ``POST api/Update`` help page (seed 004) and, for the notifications MDES sends to a
token requestor, the MDES Digital Enablement API 1.3.0 (``specs/MDES_Digital_Enablement.yaml``).
Rules name fields in PascalCase; the camelCase operations' JSON forms rename them.
"""

from __future__ import annotations

from .combinators import at_least_one_of, exactly_one_of, forbids
from .models import legacy, notify, requests, responses, tms
from .registry import REGISTRY, Operation
from .schema import camel
from .state_rules import SameAccountRange, TargetToken

__all__ = ["UPDATE_PAYLOAD"]

#: What a token update can change: at least one must be sent.
UPDATE_PAYLOAD = (
    "NewAccountPan",
    "ExpirationDate",
    "AccountPanSequenceNumber",
    "IssuerProductConfigurationId",
)

_UPDATE_RULES = (
    forbids(
        "IssuerProductConfigurationId",
        "NewAccountPan",
        "ExpirationDate",
        "AccountPanSequenceNumber",
    ),
    at_least_one_of(
        *UPDATE_PAYLOAD,
        code="nothing_to_update",
        message="the update changes nothing: send NewAccountPan, ExpirationDate, "
        "AccountPanSequenceNumber or IssuerProductConfigurationId",
    ),
)

_UPDATE_STATE = (
    TargetToken("update", pan="CurrentAccountPan"),
    SameAccountRange(),
)

_SIMPLE = responses.SimpleTokenResponse


def _register(*ops: Operation) -> None:
    for op in ops:
        REGISTRY.register(op)


_register(
    Operation(
        name="search",
        endpoint="POST /search",
        summary="Find tokens by exactly one identifier.",
        request=requests.SearchRequest,
        wrapper="SearchRequest",
        rules=(
            exactly_one_of(
                "AccountPan",
                "AlternateAccountIdentifier",
                "TokenUniqueReference",
                "Token",
                "PaymentAppInstanceId",
                "CommentId",
            ),
        ),
        state_rules=(TargetToken("read", pan="AccountPan", unknown_severity="warning"),),
        response=responses.SearchResponse,
        response_wrapper="SearchResponse",
    ),
    Operation(
        name="token_activate",
        endpoint="POST /token/activate",
        summary="Activate a token that awaits cardholder authentication.",
        request=requests.TokenActivateRequest,
        wrapper="TokenActivateRequest",
        rules=(exactly_one_of("TokenUniqueReference", ("AccountPan", "PaymentAppInstanceId")),),
        state_rules=(TargetToken("activate"),),
        response=_SIMPLE,
        response_wrapper="TokenActivateResponse",
    ),
    Operation(
        name="token_update",
        endpoint="POST /token/update",
        summary="Remap a token's account PAN, expiry and PSN, or change its product "
        "configuration, for one token or every token of a PAN.",
        request=requests.TokenUpdateRequest,
        wrapper="TokenUpdateRequest",
        rules=(exactly_one_of("TokenUniqueReference", "CurrentAccountPan"), *_UPDATE_RULES),
        state_rules=_UPDATE_STATE,
        response=responses.TokenUpdateResponse,
        response_wrapper="TokenUpdateResponse",
    ),
    Operation(
        name="token_suspend",
        endpoint="POST /token/suspend",
        summary="Add the issuer as a suspender of a token.",
        request=requests.TokenSuspendRequest,
        wrapper="TokenSuspendRequest",
        state_rules=(TargetToken("suspend"),),
        response=_SIMPLE,
        response_wrapper="TokenSuspendResponse",
    ),
    Operation(
        name="token_unsuspend",
        endpoint="POST /token/unsuspend",
        summary="Lift the issuer's own suspension of a token.",
        request=requests.TokenUnsuspendRequest,
        wrapper="TokenUnsuspendRequest",
        state_rules=(TargetToken("unsuspend"),),
        response=_SIMPLE,
        response_wrapper="TokenUnsuspendResponse",
    ),
    Operation(
        name="token_delete",
        endpoint="POST /token/delete",
        summary="Delete a token for good.",
        request=requests.TokenDeleteRequest,
        wrapper="TokenDeleteRequest",
        state_rules=(TargetToken("delete"),),
        response=_SIMPLE,
        response_wrapper="TokenDeleteResponse",
    ),
    Operation(
        name="token_status_history",
        endpoint="POST /token/statushistory",
        summary="Read a token's past statuses.",
        request=requests.TokenStatusHistoryRequest,
        wrapper="TokenStatusHistoryRequest",
        state_rules=(TargetToken("read"),),
        response=responses.TokenStatusHistoryResponse,
        response_wrapper="TokenStatusHistoryResponse",
    ),
    Operation(
        name="token_comments",
        endpoint="POST /token/comments",
        summary="Read the comments on a token.",
        request=requests.TokenCommentsRequest,
        wrapper="TokenCommentsRequest",
        state_rules=(TargetToken("read"),),
        response=responses.TokenCommentsResponse,
        response_wrapper="TokenCommentsResponse",
    ),
    Operation(
        name="transactions",
        endpoint="POST /transactions",
        summary="Read a token's transactions of the last 30 days.",
        request=requests.TransactionsRequest,
        wrapper="TransactionsRequest",
        state_rules=(TargetToken("read"),),
        response=responses.TransactionsResponse,
        response_wrapper="TransactionsResponse",
    ),
    Operation(
        name="token_activation_methods",
        endpoint="POST /token/activationmethods",
        summary="List the activation methods of a token awaiting activation.",
        request=requests.TokenActivationMethodsRequest,
        wrapper="TokenActivationMethodsRequest",
        state_rules=(TargetToken("read"),),
        response=responses.TokenActivationMethodsResponse,
        response_wrapper="TokenActivationMethodsResponse",
    ),
    Operation(
        name="token_resend_activation_code",
        endpoint="POST /token/resendactivationcode",
        summary="Send a new activation code through one of the token's activation methods.",
        request=requests.TokenResendActivationCodeRequest,
        wrapper="TokenResendActivationCodeRequest",
        state_rules=(TargetToken("read"),),
        response=responses.TokenResendActivationCodeResponse,
        response_wrapper="TokenResendActivationCodeResponse",
    ),
    Operation(
        name="token_reset_mobile_pin",
        endpoint="POST /token/resetmobilepin",
        summary="Reset the Mobile PIN of a cloud token.",
        request=requests.TokenResetMobilePinRequest,
        wrapper="TokenResetMobilePinRequest",
        state_rules=(TargetToken("read"),),
        response=_SIMPLE,
        response_wrapper="TokenResetMobilePinResponse",
    ),
    Operation(
        name="update_token_assurance",
        endpoint="POST /updatetokenassurance",
        summary="Raise a token's assurance level after extra cardholder authentication; "
        "only tokens with a Token Assurance Level, ACTIVE or SUSPENDED.",
        request=requests.UpdateTokenAssuranceRequest,
        wrapper="UpdateTokenAssuranceRequest",
        state_rules=(TargetToken("assurance"),),
        response=_SIMPLE,
        response_wrapper="UpdateTokenAssuranceResponse",
    ),
    Operation(
        name="legacy_update",
        endpoint="POST /api/Update",
        summary="The legacy update: camelCase JSON without a wrapper, or DataContract XML; "
        "CardholderId is a third way to name the target.",
        request=legacy.UpdateRequest,
        wrapper=None,
        rules=(
            exactly_one_of("TokenUniqueReference", "CurrentAccountPan", "CardholderId"),
            *_UPDATE_RULES,
        ),
        state_rules=_UPDATE_STATE,
        response=legacy.LegacyTokenResponse,
        response_wrapper="TokenResponse",
        naming=camel,
        xml_root="UpdateRequest",
    ),
    Operation(
        name="notify_token_updated",
        endpoint="POST /digitization/static/1/0/notifyTokenUpdated",
        summary="A token notification from MDES, decrypted: the JSON of its "
        'encryptedPayload.encryptedData, {"tokens": [...]}; unknown fields are warnings.',
        request=notify.NotifyTokenUpdatedPayload,
        wrapper=None,
        response=notify.NotifyTokenUpdatedResponse,
        naming=camel,
        unknown_severity="warning",
    ),
    Operation(
        name="notify_token_updated_envelope",
        endpoint="POST /digitization/static/1/0/notifyTokenUpdated",
        summary="A token notification from MDES as received: responseHost, requestId and "
        "the hex-encoded encryptedPayload; unknown fields are warnings.",
        request=notify.NotifyTokenUpdatedRequest,
        wrapper=None,
        response=notify.NotifyTokenUpdatedResponse,
        naming=camel,
        unknown_severity="warning",
    ),
    Operation(
        name="tms_card_art",
        endpoint="GET /tms/v2/tokens/{instrumentIdentifierId}/{tokenProvider}/assets/{assetType}",
        summary="CyberSource TMS Retrieve Card Art: the three path parameters as a camelCase "
        "document; each must stay within its path segment.",
        request=tms.CardArtRequest,
        wrapper=None,
        # tms.CardArtResponse is not registered as the response: the codec reads no integer
        # members yet (content[].width/height).
        naming=camel,
    ),
    Operation(
        name="tms_payment_credentials",
        endpoint="POST /tms/v2/tokens/{tokenId}/payment-credentials",
        summary="CyberSource TMS Generate Payment Credentials: the body with the tokenId path "
        "parameter and the profile-id header (profileId) as fields; AFT only with CRYPTOGRAM.",
        request=tms.PaymentCredentialsRequest,
        wrapper=None,
        naming=camel,
    ),
)
