"""Request models of the MDES Customer Service API v2 (2.0.7 wire form).

Each class is the object inside the request's one-key wrapper, e.g. the value of
``{"TokenUpdateRequest": {...}}``. Lengths and value sets follow the 2.0.7 specification;
where it leaves a length unspecified (its ``maxLength: 0``), the 2.1.7 bound is used.
Rules across fields live with the operation (:mod:`mdesrules.operations`).
"""

from __future__ import annotations

from attrs import field, frozen

from ..fields import length, matches
from ..schema import wire
from ._base import MaskedRepr
from ._rules import choice, date_time, expiry, ident, pan_field, psn, text
from .common import AuditInfo

__all__ = [
    "AccountHolderMessagingRequest",
    "SearchRequest",
    "SystemStatusRequest",
    "TokenActivateRequest",
    "TokenActivationMethodsRequest",
    "TokenCommentsRequest",
    "TokenDeleteRequest",
    "TokenResendActivationCodeRequest",
    "TokenResetMobilePinRequest",
    "TokenStatusHistoryRequest",
    "TokenSuspendRequest",
    "TokenUnsuspendRequest",
    "TokenUpdateRequest",
    "TransactionsRequest",
    "UpdateTokenAssuranceRequest",
]


@frozen(kw_only=True, repr=False)
class SearchRequest(MaskedRepr):
    """Find tokens by exactly one identifier (``POST /search``)."""

    account_pan: str | None = pan_field()
    alternate_account_identifier: str | None = field(default=None, metadata=wire(*ident(9, 64)))
    token_unique_reference: str | None = field(default=None, metadata=wire(*ident(1, 48)))
    token: str | None = pan_field()
    payment_app_instance_id: str | None = field(default=None, metadata=wire(*ident(1, 48)))
    comment_id: str | None = field(default=None, metadata=wire(*ident(1, 48)))
    exclude_deleted_indicator: str | None = field(
        default=None, metadata=wire(*choice("true", "false"))
    )
    audit_info: AuditInfo


@frozen(kw_only=True, repr=False)
class TokenActivateRequest(MaskedRepr):
    """Activate a token awaiting activation, by TUR or by AccountPan with PaymentAppInstanceId.

    ReasonCode ``A``: authenticated through an activation method; ``C``: by a customer-service
    agent.
    """

    token_unique_reference: str | None = field(default=None, metadata=wire(*ident(9, 48)))
    account_pan: str | None = pan_field()
    payment_app_instance_id: str | None = field(default=None, metadata=wire(*ident(1, 48)))
    comment_text: str | None = field(default=None, metadata=wire(*text(1, 500)))
    reason_code: str = field(metadata=wire(*choice("A", "C")))
    audit_info: AuditInfo


@frozen(kw_only=True, repr=False)
class TokenUpdateRequest(MaskedRepr):
    """Remap a token's account PAN, expiry and PSN, or change its product configuration.

    One token by TUR, or every ACTIVE/SUSPENDED token of ``CurrentAccountPan``.
    ``UpdateWalletProviderIndicator`` ``"0"`` passes the update to the wallet provider, ``"1"``
    (the MDES default, and ours) does not.
    """

    token_unique_reference: str | None = field(default=None, metadata=wire(*ident(1, 48)))
    current_account_pan: str | None = pan_field()
    new_account_pan: str | None = pan_field()
    expiration_date: str | None = field(default=None, metadata=wire(*expiry()))
    account_pan_sequence_number: str | None = field(default=None, metadata=wire(*psn(2)))
    issuer_product_configuration_id: str | None = field(default=None, metadata=wire(*ident(1, 10)))
    update_wallet_provider_indicator: str = field(default="1", metadata=wire(*choice("0", "1")))
    comment_text: str | None = field(default=None, metadata=wire(*text(1, 500)))
    audit_info: AuditInfo


@frozen(kw_only=True, repr=False)
class TokenSuspendRequest(MaskedRepr):
    """Add the issuer as a suspender of a token.

    ReasonCode ``L`` device lost, ``S`` device stolen, ``T`` fraudulent transactions reported,
    ``Z`` other.
    """

    token_unique_reference: str = field(metadata=wire(*ident(9, 48)))
    comment_text: str | None = field(default=None, metadata=wire(*text(1, 500)))
    reason_code: str = field(metadata=wire(*choice("L", "S", "T", "Z")))
    audit_info: AuditInfo


@frozen(kw_only=True, repr=False)
class TokenUnsuspendRequest(MaskedRepr):
    """Lift the issuer's own suspension of a token.

    ReasonCode ``F`` device found, ``T`` no fraudulent transactions confirmed, ``Z`` other.
    """

    token_unique_reference: str = field(metadata=wire(*ident(1, 48)))
    comment_text: str | None = field(default=None, metadata=wire(*text(1, 500)))
    reason_code: str = field(metadata=wire(*choice("F", "T", "Z")))
    audit_info: AuditInfo


@frozen(kw_only=True, repr=False)
class TokenDeleteRequest(MaskedRepr):
    """Delete a token for good (DELETED is terminal).

    ReasonCode ``L`` lost, ``S`` stolen, ``T`` fraudulent transactions confirmed, ``C`` account
    closed, ``Z`` other; ``F`` (fraudulent transactions) is deprecated.
    """

    token_unique_reference: str = field(metadata=wire(*ident(1, 48)))
    comment_text: str | None = field(default=None, metadata=wire(*text(1, 500)))
    reason_code: str = field(metadata=wire(*choice("L", "S", "T", "C", "Z", deprecated=("F",))))
    audit_info: AuditInfo


@frozen(kw_only=True, repr=False)
class TokenStatusHistoryRequest(MaskedRepr):
    """Past statuses of a token (AuditInfo optional in the specification)."""

    token_unique_reference: str = field(metadata=wire(*ident(1, 48)))
    audit_info: AuditInfo | None = None


@frozen(kw_only=True, repr=False)
class TokenCommentsRequest(MaskedRepr):
    """All comments on a token (AuditInfo optional in the specification)."""

    token_unique_reference: str = field(metadata=wire(*ident(1, 48)))
    audit_info: AuditInfo | None = None


@frozen(kw_only=True, repr=False)
class TransactionsRequest(MaskedRepr):
    """A token's transactions of the last 30 days."""

    token_unique_reference: str = field(metadata=wire(*ident(1, 48)))
    audit_info: AuditInfo


@frozen(kw_only=True, repr=False)
class TokenActivationMethodsRequest(MaskedRepr):
    """Activation methods available for a token awaiting activation."""

    token_unique_reference: str = field(metadata=wire(*ident(1, 48)))
    audit_info: AuditInfo | None = None


@frozen(kw_only=True, repr=False)
class TokenResendActivationCodeRequest(MaskedRepr):
    """Send a new activation code through one of the token's activation methods."""

    token_unique_reference: str = field(metadata=wire(*ident(1, 48)))
    activation_method_id: str = field(metadata=wire(*ident(4, 64)))
    audit_info: AuditInfo


@frozen(kw_only=True, repr=False)
class TokenResetMobilePinRequest(MaskedRepr):
    """Reset the Mobile PIN of a cloud token.

    ReasonCode ``N`` cardholder asked for a new PIN, ``R`` PIN try counter exceeded.
    """

    token_unique_reference: str = field(metadata=wire(*ident(1, 48)))
    comment_text: str | None = field(default=None, metadata=wire(*text(1, 500)))
    reason_code: str = field(metadata=wire(*choice("N", "R")))
    audit_info: AuditInfo


@frozen(kw_only=True, repr=False)
class UpdateTokenAssuranceRequest(MaskedRepr):
    """Raise a token's assurance level after extra cardholder authentication (no value sent)."""

    token_unique_reference: str = field(metadata=wire(*ident(1, 48)))
    comment_text: str | None = field(default=None, metadata=wire(*text(1, 500)))
    audit_info: AuditInfo


@frozen(kw_only=True, repr=False)
class AccountHolderMessagingRequest(MaskedRepr):
    """Show the issuer's message for one token in Apple Pay, below the card's image.

    ``IssuerApplicationMessageDisplay`` ``TRUE`` says the message can also be viewed in the
    issuer's app (by ``MessageIdentifier``), ``FALSE`` that it cannot. The spec gives
    ``MessageExpiration`` no length: its form ``YYYY-MM-DDThh:mm:ssTZD`` takes 20 (``Z``) to
    25 characters, and up to 29 with milliseconds, the bounds of 2.2.2's date-times. It
    must be at most 30 days ahead; the check has no clock, so the simulated MDES judges
    that. ``MessageLanguageCode`` is ISO 639-1 (``en``) in at most the spec's 3 characters.
    """

    token_unique_reference: str = field(metadata=wire(*ident(1, 48)))
    message_identifier: str = field(metadata=wire(*ident(1, 64)))
    issuer_application_message_display: str = field(metadata=wire(*choice("TRUE", "FALSE")))
    message_text: str = field(metadata=wire(*text(1, 128)))
    message_expiration: str = field(metadata=wire(*date_time(20, 29)))
    message_language_code: str = field(
        metadata=wire(
            length(2, 3), matches("[a-z]+", "lower-case ASCII letters (ISO 639-1, such as en)")
        )
    )
    audit_info: AuditInfo


@frozen(kw_only=True, repr=False)
class SystemStatusRequest(MaskedRepr):
    """The request of ``GET /systemstatus``: nothing. A GET has no body, so its document is
    the empty object ``{}`` (the spec's example shows that), and a member in it is an
    ``unknown_field`` error."""
