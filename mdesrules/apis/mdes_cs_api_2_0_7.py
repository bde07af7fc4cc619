"""MDES Customer Service API 2.0.7: the fifteen operations of the issuer's customer service.

Source: ``specs/mdes-customer-service-v2.0.7``. Requests are PascalCase, wrapped in one
key per operation (``{"TokenUpdateRequest": {...}}``), POSTed below ``/mdes/csapi/v2``;
``GET /systemstatus`` alone sends no body (its request is the empty document ``{}``). The
last two, ``/accountholdermessaging`` and ``/systemstatus``, exist in 2.0.7 only.
"""

from __future__ import annotations

from ..combinators import exactly_one_of
from ..registry import Operation, Registry
from ..state_rules import OfTokenType, TargetToken
from ._update import UPDATE_RULES, UPDATE_STATE

#: The models, by name: imported when a request is first checked, or an answer first read
#: or written.
REQUESTS = "mdesrules.models.requests."
RESPONSES = "mdesrules.models.responses."
SIMPLE = RESPONSES + "SimpleTokenResponse"

__all__ = ["MDES_CS_API_2_0_7"]

#: MDES Customer Service API 2.0.7 (key ``mdes-cs-api-2.0.7``), in the default registry.
MDES_CS_API_2_0_7 = Registry("mdes-cs-api", "2.0.7", title="MDES Customer Service API")

for _operation in (
    Operation(
        name="search",
        endpoint="POST /search",
        summary="Find tokens by exactly one identifier.",
        request=REQUESTS + "SearchRequest",
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
        response=RESPONSES + "SearchResponse",
        response_wrapper="SearchResponse",
        read_only=True,
        effect="search",
    ),
    Operation(
        name="token_activate",
        endpoint="POST /token/activate",
        summary="Activate a token that awaits cardholder authentication.",
        request=REQUESTS + "TokenActivateRequest",
        wrapper="TokenActivateRequest",
        rules=(exactly_one_of("TokenUniqueReference", ("AccountPan", "PaymentAppInstanceId")),),
        state_rules=(TargetToken("activate", pan="AccountPan", app="PaymentAppInstanceId"),),
        response=SIMPLE,
        response_wrapper="TokenActivateResponse",
        effect="activate",
    ),
    Operation(
        name="token_update",
        endpoint="POST /token/update",
        summary="Remap a token's account PAN, expiry and PSN, or change its product "
        "configuration, for one token or every token of a PAN.",
        request=REQUESTS + "TokenUpdateRequest",
        wrapper="TokenUpdateRequest",
        rules=(exactly_one_of("TokenUniqueReference", "CurrentAccountPan"), *UPDATE_RULES),
        state_rules=UPDATE_STATE,
        response=RESPONSES + "TokenUpdateResponse",
        response_wrapper="TokenUpdateResponse",
        effect="update",
    ),
    Operation(
        name="token_suspend",
        endpoint="POST /token/suspend",
        summary="Add the issuer as a suspender of a token.",
        request=REQUESTS + "TokenSuspendRequest",
        wrapper="TokenSuspendRequest",
        state_rules=(TargetToken("suspend"),),
        response=SIMPLE,
        response_wrapper="TokenSuspendResponse",
        effect="suspend",
    ),
    Operation(
        name="token_unsuspend",
        endpoint="POST /token/unsuspend",
        summary="Lift the issuer's own suspension of a token.",
        request=REQUESTS + "TokenUnsuspendRequest",
        wrapper="TokenUnsuspendRequest",
        state_rules=(TargetToken("unsuspend"),),
        response=SIMPLE,
        response_wrapper="TokenUnsuspendResponse",
        effect="unsuspend",
    ),
    Operation(
        name="token_delete",
        endpoint="POST /token/delete",
        summary="Delete a token for good.",
        request=REQUESTS + "TokenDeleteRequest",
        wrapper="TokenDeleteRequest",
        state_rules=(TargetToken("delete"),),
        response=SIMPLE,
        response_wrapper="TokenDeleteResponse",
        effect="delete",
    ),
    Operation(
        name="token_status_history",
        endpoint="POST /token/statushistory",
        summary="Read a token's past statuses.",
        request=REQUESTS + "TokenStatusHistoryRequest",
        wrapper="TokenStatusHistoryRequest",
        state_rules=(TargetToken("read"),),
        response=RESPONSES + "TokenStatusHistoryResponse",
        response_wrapper="TokenStatusHistoryResponse",
        read_only=True,
        effect="status_history",
    ),
    Operation(
        name="token_comments",
        endpoint="POST /token/comments",
        summary="Read the comments on a token.",
        request=REQUESTS + "TokenCommentsRequest",
        wrapper="TokenCommentsRequest",
        state_rules=(TargetToken("read"),),
        response=RESPONSES + "TokenCommentsResponse",
        response_wrapper="TokenCommentsResponse",
        read_only=True,
        effect="comments",
    ),
    Operation(
        name="transactions",
        endpoint="POST /transactions",
        summary="Read a token's transactions of the last 30 days.",
        request=REQUESTS + "TransactionsRequest",
        wrapper="TransactionsRequest",
        state_rules=(TargetToken("read"),),
        response=RESPONSES + "TransactionsResponse",
        response_wrapper="TransactionsResponse",
        read_only=True,
        effect="transactions",
    ),
    Operation(
        name="token_activation_methods",
        endpoint="POST /token/activationmethods",
        summary="List the activation methods of a token awaiting activation.",
        request=REQUESTS + "TokenActivationMethodsRequest",
        wrapper="TokenActivationMethodsRequest",
        state_rules=(TargetToken("activation_methods"),),
        response=RESPONSES + "TokenActivationMethodsResponse",
        response_wrapper="TokenActivationMethodsResponse",
        read_only=True,
        effect="activation_methods",
    ),
    Operation(
        name="token_resend_activation_code",
        endpoint="POST /token/resendactivationcode",
        summary="Send a new activation code through one of the token's activation methods.",
        request=REQUESTS + "TokenResendActivationCodeRequest",
        wrapper="TokenResendActivationCodeRequest",
        state_rules=(TargetToken("resend_activation_code"),),
        response=RESPONSES + "TokenResendActivationCodeResponse",
        response_wrapper="TokenResendActivationCodeResponse",
        effect="resend_activation_code",
    ),
    Operation(
        name="token_reset_mobile_pin",
        endpoint="POST /token/resetmobilepin",
        summary="Reset the Mobile PIN of a Mastercard Cloud-Based Payments token.",
        request=REQUESTS + "TokenResetMobilePinRequest",
        wrapper="TokenResetMobilePinRequest",
        state_rules=(TargetToken("read"), OfTokenType(("C",), "have its Mobile PIN reset")),
        response=SIMPLE,
        response_wrapper="TokenResetMobilePinResponse",
        effect="reset_mobile_pin",
    ),
    Operation(
        name="update_token_assurance",
        endpoint="POST /updatetokenassurance",
        summary="Raise a token's assurance level after extra cardholder authentication; "
        "only tokens with a Token Assurance Level, ACTIVE or SUSPENDED.",
        request=REQUESTS + "UpdateTokenAssuranceRequest",
        wrapper="UpdateTokenAssuranceRequest",
        state_rules=(TargetToken("assurance"),),
        response=SIMPLE,
        response_wrapper="UpdateTokenAssuranceResponse",
        effect="assurance",
    ),
    Operation(
        name="account_holder_messaging",
        endpoint="POST /accountholdermessaging",
        summary="Show the issuer's message for a token in Apple Pay, below the card's image, "
        "until it expires (at most 30 days ahead).",
        request=REQUESTS + "AccountHolderMessagingRequest",
        wrapper="AccountHolderMessagingRequest",
        state_rules=(TargetToken("message"),),
        response=RESPONSES + "AccountHolderMessagingResponse",
        response_wrapper="AccountHolderMessagingResponse",
        effect="account_holder_message",
    ),
    Operation(
        name="system_status",
        endpoint="GET /systemstatus",
        summary="Read the overall status of MDES (no request body).",
        request=REQUESTS + "SystemStatusRequest",
        wrapper=None,
        response=RESPONSES + "SystemStatusResponse",
        response_wrapper="SystemStatusResponse",
        read_only=True,
        effect="system_status",
    ),
):
    MDES_CS_API_2_0_7.register(_operation)
