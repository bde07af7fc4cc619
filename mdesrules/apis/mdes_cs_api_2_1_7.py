"""MDES Customer Service API 2.1.7, plaintext form: fifteen operations.

Source: ``specs/mdes-customer-service-v2.1.7``. The wire form is that of 2.0.7 (PascalCase,
one wrapper key per operation, POSTed below ``/mdes/csapi/v2``), but every PAN-type
identifier travels in ``EncryptedAccountInformation``. This registry checks the document
*before* encryption, with ``EncryptedData`` a JSON object (:mod:`mdesrules.models.v2_1_7`),
and reads the answers in 2.1.7's shapes (:mod:`mdesrules.models.responses_2_1_7`).

The operations keep their 2.0.7 names, so this registry is not part of the default one;
pick it with ``registry=MDES_CS_API_2_1_7`` or ``--api mdes-cs-api-2.1.7``.

Every operation has its effect, so the simulated MDES serves the whole surface: search,
activation and update find tokens by the PAN inside ``EncryptedAccountInformation`` (which
the simulator decrypts first when it is encrypted), a delete with ``DeleteFromConsumerApp``
``"true"`` marks the token deleted from the consumer app only, and the new operations
disable payment channels and look up token requestors (see
:mod:`mdesrules.fakes.mdes.engine`).

.. versionadded:: 0.5
"""

from __future__ import annotations

from ..combinators import at_least_one_of, exactly_one_of, forbids, reaching, requires
from ..models import responses_2_1_7 as r
from ..models import v2_1_7 as m
from ..registry import Operation, Registry
from ..state_rules import OfTokenType, SameAccountRange, TargetToken

__all__ = ["MDES_CS_API_2_1_7"]

SIMPLE = r.SimpleTokenResponse

_CURRENT = "EncryptedAccountInformation/EncryptedData/CurrentAccount/"
_NEW = "EncryptedAccountInformation/EncryptedData/NewAccount/"

#: The update's rules, several of which reach into ``EncryptedData``.
UPDATE_RULES_2_1_7 = (
    # "Supply either the TokenUniqueReference or the CurrentAccountPan"; a financial
    # account goes with its CurrentFinancialAccountInformation.
    reaching(
        exactly_one_of(
            "TokenUniqueReference",
            _CURRENT + "AccountPan",
            (_CURRENT + "FinancialAccountId", "CurrentFinancialAccountInformation"),
        )
    ),
    reaching(
        forbids(
            "IssuerProductConfigurationId",
            _NEW + "AccountPan",
            _NEW + "ExpirationDate",
            _NEW + "AccountPanSequenceNumber",
            _NEW + "NewFinancialAccountId",
        )
    ),
    reaching(
        forbids(
            "CurrentFinancialAccountInformation",
            _NEW + "ExpirationDate",
            _NEW + "AccountPanSequenceNumber",
        )
    ),
    reaching(requires("CurrentFinancialAccountInformation", _NEW + "NewFinancialAccountId")),
    reaching(
        at_least_one_of(
            _NEW + "AccountPan",
            _NEW + "ExpirationDate",
            _NEW + "AccountPanSequenceNumber",
            _NEW + "NewFinancialAccountId",
            "IssuerProductConfigurationId",
            "RemoveAlternateAccountIdentifierSuffix",
            code="nothing_to_update",
            message="the update changes nothing: send a NewAccount member, "
            "IssuerProductConfigurationId or RemoveAlternateAccountIdentifierSuffix",
        )
    ),
)

_EAI = "EncryptedAccountInformation.EncryptedData"
#: The account PAN and the new PAN of the plaintext form, for the token-state rules.
CURRENT_PAN = f"{_EAI}.CurrentAccount.AccountPan"
NEW_PAN = f"{_EAI}.NewAccount.AccountPan"

#: MDES Customer Service API 2.1.7, plaintext form (key ``mdes-cs-api-2.1.7``).
MDES_CS_API_2_1_7 = Registry("mdes-cs-api", "2.1.7", title="MDES Customer Service API")

#: The token-state rules of search, activation and update, which reach the PANs nested in
#: EncryptedAccountInformation (2.2.2 shares them).
SEARCH_STATE = (TargetToken("read", pan=CURRENT_PAN, unknown_severity="warning"),)
ACTIVATE_STATE = (TargetToken("activate", pan=CURRENT_PAN, app="PaymentAppInstanceId"),)
UPDATE_STATE_2_1_7 = (
    TargetToken("update", pan=CURRENT_PAN),
    SameAccountRange(new=NEW_PAN, current=CURRENT_PAN),
)

for _operation in (
    Operation(
        name="search",
        endpoint="POST /search",
        summary="Find tokens by exactly one identifier; account identifiers are encrypted.",
        request=m.SearchRequest,
        wrapper="SearchRequest",
        # CommentId "cannot be used together with EncryptedAccountInformation": the
        # exactly-one-of says so, and CurrentAccount holds exactly one identifier.
        rules=(
            exactly_one_of(
                "EncryptedAccountInformation",
                "TokenUniqueReference",
                "PaymentAppInstanceId",
                "CommentId",
            ),
        ),
        state_rules=SEARCH_STATE,
        response=r.SearchResponse,
        response_wrapper="SearchResponse",
        account_encryption="2.1.7",
        read_only=True,
        effect="search",
    ),
    Operation(
        name="token_activate",
        endpoint="POST /token/activate",
        summary="Activate a token that awaits cardholder authentication.",
        request=m.TokenActivateRequest,
        wrapper="TokenActivateRequest",
        rules=(
            exactly_one_of(
                "TokenUniqueReference", ("EncryptedAccountInformation", "PaymentAppInstanceId")
            ),
        ),
        state_rules=ACTIVATE_STATE,
        response=SIMPLE,
        response_wrapper="TokenActivateResponse",
        account_encryption="2.1.7",
        effect="activate",
    ),
    Operation(
        name="token_update",
        endpoint="POST /token/update",
        summary="Remap tokens to a new account, expiry and PSN, or change their product "
        "configuration, for one token, every token of a PAN or of a financial account.",
        request=m.TokenUpdateRequest,
        wrapper="TokenUpdateRequest",
        rules=UPDATE_RULES_2_1_7,
        state_rules=UPDATE_STATE_2_1_7,
        response=r.TokenUpdateResponse,
        response_wrapper="TokenUpdateResponse",
        account_encryption="2.1.7",
        effect="update",
    ),
    Operation(
        name="token_suspend",
        endpoint="POST /token/suspend",
        summary="Add the issuer as a suspender of a token.",
        request=m.TokenSuspendRequest,
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
        request=m.TokenUnsuspendRequest,
        wrapper="TokenUnsuspendRequest",
        state_rules=(TargetToken("unsuspend"),),
        response=SIMPLE,
        response_wrapper="TokenUnsuspendResponse",
        effect="unsuspend",
    ),
    Operation(
        name="token_delete",
        endpoint="POST /token/delete",
        summary="Delete a token, or only remove it from the consumer app.",
        request=m.TokenDeleteRequest,
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
        request=m.TokenStatusHistoryRequest,
        wrapper="TokenStatusHistoryRequest",
        state_rules=(TargetToken("read"),),
        response=r.TokenStatusHistoryResponse,
        response_wrapper="TokenStatusHistoryResponse",
        read_only=True,
        effect="status_history",
    ),
    Operation(
        name="token_comments",
        endpoint="POST /token/comments",
        summary="Read the comments on a token.",
        request=m.TokenCommentsRequest,
        wrapper="TokenCommentsRequest",
        state_rules=(TargetToken("read"),),
        response=r.TokenCommentsResponse,
        response_wrapper="TokenCommentsResponse",
        read_only=True,
        effect="comments",
    ),
    Operation(
        name="transactions",
        endpoint="POST /transactions",
        summary="Read a token's transactions of the last 30 days.",
        request=m.TransactionsRequest,
        wrapper="TransactionsRequest",
        state_rules=(TargetToken("read"),),
        response=r.TransactionsResponse,
        response_wrapper="TransactionsResponse",
        read_only=True,
        effect="transactions",
    ),
    Operation(
        name="token_activation_methods",
        endpoint="POST /token/activationmethods",
        summary="List the activation methods of a token awaiting activation.",
        request=m.TokenActivationMethodsRequest,
        wrapper="TokenActivationMethodsRequest",
        state_rules=(TargetToken("activation_methods"),),
        response=r.TokenActivationMethodsResponse,
        response_wrapper="TokenActivationMethodsResponse",
        read_only=True,
        effect="activation_methods",
    ),
    Operation(
        name="token_resend_activation_code",
        endpoint="POST /token/resendactivationcode",
        summary="Send a new activation code through one of the token's activation methods.",
        request=m.TokenResendActivationCodeRequest,
        wrapper="TokenResendActivationCodeRequest",
        state_rules=(TargetToken("resend_activation_code"),),
        response=r.TokenResendActivationCodeResponse,
        response_wrapper="TokenResendActivationCodeResponse",
        effect="resend_activation_code",
    ),
    Operation(
        name="token_reset_mobile_pin",
        endpoint="POST /token/resetmobilepin",
        summary="Reset the Mobile PIN of a Mastercard Cloud-Based Payments token.",
        request=m.TokenResetMobilePinRequest,
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
        request=m.UpdateTokenAssuranceRequest,
        wrapper="UpdateTokenAssuranceRequest",
        state_rules=(TargetToken("assurance"),),
        response=SIMPLE,
        response_wrapper="UpdateTokenAssuranceResponse",
        effect="assurance",
    ),
    Operation(
        name="token_disable_payment_channels",
        endpoint="POST /token/disablepaymentchannels",
        summary="Disable one payment channel of a token, or enable them all again.",
        request=m.DisablePaymentChannelsRequest,
        wrapper="DisablePaymentChannelsRequest",
        state_rules=(TargetToken("read"),),
        response=r.DisablePaymentChannelsResponse,
        response_wrapper="DisablePaymentChannelsResponse",
        effect="disable_payment_channels",
    ),
    Operation(
        name="token_requestor_search",
        endpoint="POST /tokenrequestorsearch",
        summary="Look up a token requestor's name by its id.",
        request=m.TokenRequestorSearchRequest,
        wrapper="TokenRequestorSearchRequest",
        response=r.TokenRequestorSearchResponse,
        response_wrapper="TokenRequestorSearchResponse",
        read_only=True,
        effect="token_requestor_search",
    ),
):
    MDES_CS_API_2_1_7.register(_operation)
