"""MDES Customer Service API 2.2.2, plaintext form: sixteen operations.

Source: ``specs/mdes-customer-service-v2.2.2`` (Mastercard's own file). The fifteen
operations of 2.1.7 (:mod:`mdesrules.apis.mdes_cs_api_2_1_7`), with the same rules, effects
and wire form, plus ``notify_authentication_decision``, the one operation sent camelCase and
without a wrapper. What changes is in :mod:`mdesrules.models.v2_2_2`: the envelope of
``EncryptedAccountInformation`` (``algorithmCipherMode``, ``tag``, ``aad``), the search's
filters and paging, and some lengths; the requests that do not change are those of 2.1.7.
The answers are in 2.2.2's shapes (:mod:`mdesrules.models.responses_2_2_2`: longer TURs and
date-times, ``PageInfo``, more value sets), so an operation of 2.1.7 is taken as the same
object only when its answer did not change either.

Like 2.1.7, this registry is not part of the default one: pick it with
``registry=MDES_CS_API_2_2_2`` or ``--api mdes-cs-api-2.2.2``.

Not yet here: ``PageInfo.Offset`` "must be a multiple of the limit" is no rule (no rule
compares two numbers yet); the simulated MDES refuses such a page. Every operation has its
effect, ``notify_authentication_decision`` included, so the simulator serves the whole
surface, applying the search filters and paging (see :mod:`mdesrules.fakes.mdes.engine`).

.. versionadded:: unreleased
"""

from __future__ import annotations

from attrs import evolve

from ..combinators import exactly_one_of, reaching, requires
from ..models import responses_2_2_2 as r
from ..models import v2_2_2 as m
from ..registry import Operation, Registry
from ..schema import camel
from ..state_rules import TargetToken
from .mdes_cs_api_2_1_7 import (
    ACTIVATE_STATE,
    MDES_CS_API_2_1_7,
    SEARCH_STATE,
    UPDATE_RULES_2_1_7,
    UPDATE_STATE_2_1_7,
)

__all__ = ["MDES_CS_API_2_2_2"]

_CURRENT = "EncryptedAccountInformation/EncryptedData/CurrentAccount/"

#: "InterbankCardAssociationId [and CountryCode] must be present when FinancialAccountId or
#: AlternateAccountIdentifier is present."
SEARCH_ACCOUNT_RULES = tuple(
    reaching(requires(_CURRENT + name, "InterbankCardAssociationId", "CountryCode"))
    for name in ("FinancialAccountId", "AlternateAccountIdentifier")
)

#: The operations whose request, rules and effect 2.2.2 takes from 2.1.7, in registration
#: order.
KEPT_SINCE_2_1_7 = (
    "token_suspend",
    "token_unsuspend",
    "token_delete",
    "token_status_history",
    "token_comments",
    "transactions",
    "token_activation_methods",
    "token_resend_activation_code",
    "token_reset_mobile_pin",
    "update_token_assurance",
    "token_requestor_search",
)

#: Those of them that answer in 2.2.2's shapes (TURs of 48..64, date-times of 20..29, more
#: value sets): 2.1.7's operation with the response replaced. The others are the very same
#: objects as in 2.1.7.
ANSWER_CHANGED_SINCE_2_1_7 = {
    "token_suspend": r.SimpleTokenResponse,
    "token_unsuspend": r.SimpleTokenResponse,
    "token_delete": r.SimpleTokenResponse,
    "token_status_history": r.TokenStatusHistoryResponse,
    "token_comments": r.TokenCommentsResponse,
    "transactions": r.TransactionsResponse,
    "token_activation_methods": r.TokenActivationMethodsResponse,
    "token_reset_mobile_pin": r.SimpleTokenResponse,
    "update_token_assurance": r.SimpleTokenResponse,
}


def _since_2_1_7(name: str) -> Operation:
    """2.1.7's operation *name*, the same object or with 2.2.2's response model."""
    op = MDES_CS_API_2_1_7.get(name)
    response = ANSWER_CHANGED_SINCE_2_1_7.get(name)
    return op if response is None else evolve(op, response=response)


#: MDES Customer Service API 2.2.2, plaintext form (key ``mdes-cs-api-2.2.2``).
MDES_CS_API_2_2_2 = Registry("mdes-cs-api", "2.2.2", title="MDES Customer Service API")

for _operation in (
    Operation(
        name="search",
        endpoint="POST /search",
        summary="Find tokens by exactly one identifier, with filters and paging; account "
        "identifiers are encrypted.",
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
            *SEARCH_ACCOUNT_RULES,
        ),
        state_rules=SEARCH_STATE,
        response=r.SearchResponse,
        response_wrapper="SearchResponse",
        read_only=True,
        account_encryption="2.2.2",
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
        response=r.SimpleTokenResponse,
        response_wrapper="TokenActivateResponse",
        account_encryption="2.2.2",
        effect="activate",
    ),
    Operation(
        name="token_update",
        endpoint="POST /token/update",
        summary="Remap tokens to a new account, expiry and PSN, or change their product "
        "configuration, for one token, every token of a PAN or of a financial account.",
        request=m.TokenUpdateRequest,
        wrapper="TokenUpdateRequest",
        rules=UPDATE_RULES_2_1_7,  # the same rules: the fields did not change
        state_rules=UPDATE_STATE_2_1_7,
        response=r.TokenUpdateResponse,
        response_wrapper="TokenUpdateResponse",
        account_encryption="2.2.2",
        effect="update",
    ),
    # Since 2.1.7, in 2.1.7's order: the same requests, rules and effects.
    *map(_since_2_1_7, KEPT_SINCE_2_1_7[:-1]),
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
    _since_2_1_7(KEPT_SINCE_2_1_7[-1]),
    Operation(
        name="notify_authentication_decision",
        endpoint="POST /token/notifyauthenticationdecision",
        summary="Tell MDES the issuer's decision after post-tokenization cardholder "
        "authentication: camelCase JSON without a wrapper.",
        request=m.NotifyAuthenticationDecisionRequest,
        wrapper=None,
        state_rules=(TargetToken("read"),),
        response=r.NotifyAuthenticationDecisionResponse,
        response_wrapper=None,
        naming=camel,
        effect="authentication_decision",
    ),
):
    MDES_CS_API_2_2_2.register(_operation)
