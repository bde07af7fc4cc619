"""Response models of the MDES Customer Service API 2.1.7, each member with its field rules.

The classes and attribute names are those of :mod:`mdesrules.models.responses` (2.0.7), so
code that builds a 2.0.7 answer builds a 2.1.7 one by the same names (or converts one with
:func:`mdesrules.converters.convert`); what 2.1.7 adds is optional: ``Account``'s financial
account members (``FinancialAccountSuffix``, ``CountryCode``,
``InterbankCardAssociationId``, ``InstitutionName``) and ``Token``'s ``Source``,
``TransactionCredentialGenerationStatus``, ``Auxiliary`` and ``VirtualCardNumber*``.

The field rules are the specification's: a length on every member, date-times of exactly 24
characters (``2015-01-21T00:04:35.000Z``), and the value sets its descriptions list. They are
a description of what MDES sends, not a gate: :func:`mdesrules.codec.decode_response` keeps
a value that breaks them and reports a warning, as it does for a member it does not know,
since MDES asks its clients to tolerate what it adds. Every member is optional unless the
2.0.7 model already required it (a simple token's ``TokenUniqueReference``, the members of
``AuditInfo``), for the same reason.

Where the specification contradicts itself, the models read it as MDES sends it:
``InterbankCardAssociationId`` is typed ``number`` with string lengths (a string of 3 to 11
digits, as every request sends it), ``ResendIndicator`` is described as ``TRUE``/``FALSE``
and exemplified as ``false`` (either case), ``Suspender`` items are single letters although
the example shows ``"W, I"``. The status history's ``ReasonCode`` adds ``D`` to the listed
``A``, ``C``, ``F``, ``L``, ``S``, ``T``, ``Z``: 2.1.7 lets an issuer delete with reason
``D`` (issuer consumer deleted), and the history records the reason of each change.
``DeviceType`` is any two digits: ``00`` to ``33`` are defined, and ``34`` to ``99``
"may occur ... without prior notice".

.. versionadded:: unreleased
"""

from __future__ import annotations

from attrs import field, frozen

from ..fields import digits, length, matches
from ..schema import wire
from ._base import MaskedRepr
from ._rules import choice, date_time, expiry, ident, optional, text
from .v2_1_7 import (
    _ALPHA3,
    _FLAG,
    AuditInfo,
    DisabledPaymentChannels,
    DisablePaymentChannelsResponse,
    TokenRequestorSearchResponse,
)

__all__ = [
    "Account",
    "Accounts",
    "ActivationMethod",
    "ActivationMethods",
    "AuditInfo",
    "Comment",
    "Comments",
    "Device",
    "DisablePaymentChannelsResponse",
    "DisabledPaymentChannels",
    "ResendToken",
    "SearchResponse",
    "SimpleToken",
    "SimpleTokenResponse",
    "Status",
    "Statuses",
    "Suspenders",
    "Token",
    "TokenActivationMethodsResponse",
    "TokenCommentsResponse",
    "TokenRequestorSearchResponse",
    "TokenResendActivationCodeResponse",
    "TokenStatusHistoryResponse",
    "TokenUpdateResponse",
    "Tokens",
    "Transaction",
    "Transactions",
    "TransactionsResponse",
    "UpdatedTokens",
]

#: A date-time as 2.1.7 sends it: exactly 24 characters, ``2015-01-21T00:04:35.000Z``.
DATE_TIME = date_time(24, 24)

#: ``CurrentStatusCode`` / ``StatusCode``: ``U`` unmapped (tokenization in progress),
#: ``A`` active, ``S`` suspended, ``D`` deleted (still linked to the PAN for
#: post-authorization processing).
STATUS_CODES = ("U", "A", "S", "D")

#: ``TokenType``: ``S`` embedded secure element, ``C`` Mastercard Cloud-Based Payments,
#: ``F`` card on file (in 2.0.7: a static token, deprecated).
TOKEN_TYPES = ("S", "C", "F")

#: ``ProvisioningStatusCode``: ``T`` awaiting acceptance of the terms and conditions, ``P``
#: being prepared, ``D`` being delivered to the wallet or device, ``A`` awaiting activation,
#: ``S`` successful, ``F`` failed (the order is not the order of transitions).
PROVISIONING_STATUS_CODES = ("T", "P", "D", "A", "S", "F")

#: ``StorageTechnology``: ``D`` device memory, ``P`` device memory protected by a TPM,
#: ``H`` server, ``E`` trusted execution environment, ``S`` secure element, ``V`` virtual
#: execution environment.
STORAGE_TECHNOLOGIES = ("D", "P", "H", "E", "S", "V")

#: ``Source`` of the account: on file, entered by the cardholder, added by another
#: application (the issuer's app), or an existing token credential. The specification
#: writes the second ``ACCOUNT _ADDED_MANUALLY``, a stray space.
SOURCES = (
    "ACCOUNT_ON_FILE",
    "ACCOUNT_ADDED_MANUALLY",
    "ACCOUNT_ADDED_VIA_APPLICATION",
    "EXISTING_TOKEN_CREDENTIAL",
)

#: ``TransactionCredentialGenerationStatus`` of some cloud tokens: ``NEW`` (no cryptogram
#: yet), ``AUTHENTICATED`` (cryptograms can be generated), ``BLOCKED`` (not until the
#: cardholder is authenticated).
CREDENTIAL_STATUSES = ("NEW", "AUTHENTICATED", "BLOCKED")

#: ``FinalTokenizationDecision``: ``A`` approved, ``D`` declined, ``R`` approved with
#: authentication required before activation.
DECISIONS = ("A", "D", "R")

#: Who suspended or changed a token: ``I`` issuer, ``W`` token requestor (wallet), ``C``
#: cardholder, ``P`` Mobile PIN validation, ``M`` Mobile PIN change validation.
PARTIES = ("I", "W", "C", "P", "M")

#: ``ReasonCode`` of a status change (see the module doc for ``D``).
STATUS_REASON_CODES = ("A", "C", "D", "F", "L", "S", "T", "Z")

#: ``ActivationMethodType``: code by SMS, by email, call the automated or the human call
#: centre, website, mobile app, or spoken in an outbound call.
ACTIVATION_METHOD_TYPES = ("SMS", "EMA", "ACC", "CLC", "WEB", "BAP", "OBC")

#: ``TransactionTypeCode``: purchase, purchase with cashback, refund, pre-authorization
#: AFD, clearing refund, pre-authorization non-AFD.
TRANSACTION_TYPES = ("PURCH", "PURCB", "REFND", "AFD", "CLRRF", "NAFD")

#: ``TransactionStatusCode``: authorized, completed, declined, pre-authorized,
#: pre-authorization completed, pre-authorization declined, refunded.
TRANSACTION_STATUSES = ("AUTH", "COMP", "DCLN", "PAUTH", "PAUTC", "PAUTD", "REFND")

#: ``POSEntryMode``: contactless M/Chip, DSRP with EMV data, DSRP with UCAF data or card on
#: file, card on file by server, dynamic magnetic stripe data, contactless magnetic stripe.
POS_ENTRY_MODES = ("07", "09", "81", "82", "90", "91")

_DIGITS4 = (length(4, 4), digits())
_CURRENCY = (length(3, 3), matches("[A-Z]{3}", "three upper-case letters (ISO 4217)"))
_AMOUNT = (
    length(1, 10),
    matches("-?[0-9]+([.][0-9]+)?", "a decimal amount such as 123.45 or -16.30"),
)


@frozen(kw_only=True, repr=False)
class SimpleToken(MaskedRepr):
    """A token reference (48 characters in 2.1.7), with the id of the comment recorded when
    comment text was sent."""

    token_unique_reference: str = field(metadata=wire(*ident(48, 48)))
    comment_id: str | None = optional(*ident(4, 256))


@frozen(kw_only=True, repr=False)
class SimpleTokenResponse(MaskedRepr):
    """Answer of activate, suspend, unsuspend, delete, reset mobile PIN and assurance update."""

    token: SimpleToken | None = None


@frozen(kw_only=True, repr=False)
class UpdatedTokens(MaskedRepr):
    """``Tokens`` of an update: one entry per token changed (a PAN-wide update has many)."""

    token: tuple[SimpleToken, ...] = ()


@frozen(kw_only=True, repr=False)
class TokenUpdateResponse(MaskedRepr):
    """Answer of ``/token/update``."""

    tokens: UpdatedTokens | None = None


@frozen(kw_only=True, repr=False)
class ResendToken(MaskedRepr):
    """The token whose activation code was sent again: its reference only (48..64)."""

    token_unique_reference: str = field(metadata=wire(*ident(48, 64)))


@frozen(kw_only=True, repr=False)
class TokenResendActivationCodeResponse(MaskedRepr):
    """Answer of ``/token/resendactivationcode``."""

    token: ResendToken | None = None


@frozen(kw_only=True, repr=False)
class Device(MaskedRepr):
    """The device a token is provisioned to (none for card-on-file tokens).

    ``DeviceId`` may be masked by the wallet (``xxxxY1431xxxxxxx``). ``DeviceType`` is two
    digits: ``00``-``19`` form factor and technology, ``20``-``33`` form factor only,
    ``34``-``99`` reserved and may occur without notice.
    """

    device_id: str | None = optional(*text(5, 64))
    device_name: str | None = optional(*text(5, 64))
    device_type: str | None = optional(length(2, 2), digits())
    secure_element_id: str | None = optional(*ident(48, 48))


@frozen(kw_only=True, repr=False)
class Suspenders(MaskedRepr):
    """Who suspended the token (only while it is suspended): ``I`` issuer, ``W`` token
    requestor, ``C`` cardholder, ``P`` Mobile PIN validation (too many wrong PINs in a
    payment), ``M`` Mobile PIN change validation."""

    suspender: tuple[str, ...] = field(default=(), metadata=wire(*choice(*PARTIES)))


@frozen(kw_only=True, repr=False)
class Token(MaskedRepr):
    """A token as search returns it.

    ``CurrentStatusCode`` is one of :data:`STATUS_CODES`, ``TokenType`` of
    :data:`TOKEN_TYPES` (``F``: card on file), ``ProvisioningStatusCode`` of
    :data:`PROVISIONING_STATUS_CODES`, ``StorageTechnology`` of :data:`STORAGE_TECHNOLOGIES`,
    ``Source`` of :data:`SOURCES`, ``TransactionCredentialGenerationStatus`` of
    :data:`CREDENTIAL_STATUSES`. ``Auxiliary`` is ``"true"`` for an auxiliary token;
    ``TokenDeletedFromConsumerApp`` ``"true"`` when the token requestor removed it from the
    consumer's app only. The ``VirtualCardNumber*`` members answer a search by virtual card
    number. Card-on-file tokens have no device, provisioning or digitization members.
    """

    token_unique_reference: str | None = optional(*ident(48, 64))
    primary_account_number_unique_reference: str | None = optional(*ident(48, 64))
    token_suffix: str | None = optional(*_DIGITS4)
    expiration_date: str | None = optional(*expiry())
    account_pan_sequence_number: str | None = optional(length(2, 3), digits())
    digitization_request_date_time: str | None = optional(*DATE_TIME)
    token_activated_date_time: str | None = optional(*DATE_TIME)
    activation_code_expiration_date_time: str | None = optional(*DATE_TIME)
    final_tokenization_decision: str | None = optional(*choice(*DECISIONS))
    correlation_id: str | None = optional(*ident(14, 14))
    current_status_code: str | None = optional(*choice(*STATUS_CODES))
    current_status_description: str | None = optional(*text(1, 100))
    current_status_date_time: str | None = optional(*DATE_TIME)
    provisioning_status_code: str | None = optional(*choice(*PROVISIONING_STATUS_CODES))
    provisioning_status_description: str | None = optional(*text(1, 256))
    suspenders: Suspenders | None = None
    token_requestor_id: str | None = optional(*ident(6, 11))
    token_requestor_name: str | None = optional(*text(1, 100))
    token_requestor_consumer_facing_entity_name: str | None = optional(*text(1, 100))
    wallet_id: str | None = optional(*ident(3, 3))
    payment_app_instance_id: str | None = optional(*ident(48, 64))
    token_type: str | None = optional(*choice(*TOKEN_TYPES))
    storage_technology: str | None = optional(*choice(*STORAGE_TECHNOLOGIES))
    token_assurance_level: str | None = optional(length(1, 3), digits())
    last_comment_id: str | None = optional(*ident(1, 256))
    device: Device | None = None
    token_deleted_from_consumer_app: str | None = optional(*_FLAG)
    source: str | None = optional(*choice(*SOURCES))
    transaction_credential_generation_status: str | None = optional(*choice(*CREDENTIAL_STATUSES))
    auxiliary: str | None = optional(*_FLAG)
    virtual_card_number_pan_suffix: str | None = optional(*_DIGITS4)
    virtual_card_number_expiration_date: str | None = optional(*expiry())
    virtual_card_number_identifier: str | None = optional(*ident(64, 64))


@frozen(kw_only=True, repr=False)
class Tokens(MaskedRepr):
    """The tokens of one account."""

    token: tuple[Token, ...] = ()


@frozen(kw_only=True, repr=False)
class Account(MaskedRepr):
    """Tokens that share one account PAN (or financial account) and expiry.

    ``FinancialAccountSuffix``, ``CountryCode`` (ISO 3166-1 alpha-3),
    ``InterbankCardAssociationId`` and ``InstitutionName`` are present when the tokens are
    mapped to a financial account. ``AlternateAccountIdentifierSuffix``: up to 8 characters.
    """

    account_pan_suffix: str | None = optional(*_DIGITS4)
    financial_account_suffix: str | None = optional(*_DIGITS4)
    country_code: str | None = optional(length(3, 3), _ALPHA3)
    interbank_card_association_id: str | None = optional(length(3, 11), digits())
    institution_name: str | None = optional(*text(5, 64))
    expiration_date: str | None = optional(*expiry())
    alternate_account_identifier_suffix: str | None = optional(*ident(4, 8))
    tokens: Tokens | None = None


@frozen(kw_only=True, repr=False)
class Accounts(MaskedRepr):
    """The accounts found by a search."""

    account: tuple[Account, ...] = ()


@frozen(kw_only=True, repr=False)
class SearchResponse(MaskedRepr):
    """Answer of ``/search``."""

    accounts: Accounts | None = None


@frozen(kw_only=True, repr=False)
class Status(MaskedRepr):
    """One entry of a token's status history (newest first). ``Initiator`` is one of
    :data:`PARTIES`, ``ReasonCode`` of :data:`STATUS_REASON_CODES`; an entry the cardholder
    made has no ``AuditInfo``."""

    status_code: str | None = optional(*choice(*STATUS_CODES))
    status_description: str | None = optional(*text(4, 256))
    status_date_time: str | None = optional(*DATE_TIME)
    initiator: str | None = optional(*choice(*PARTIES))
    comment_id: str | None = optional(*ident(4, 256))
    reason_code: str | None = optional(*choice(*STATUS_REASON_CODES))
    audit_info: AuditInfo | None = None


@frozen(kw_only=True, repr=False)
class Statuses(MaskedRepr):
    """The status history entries."""

    status: tuple[Status, ...] = ()


@frozen(kw_only=True, repr=False)
class TokenStatusHistoryResponse(MaskedRepr):
    """Answer of ``/token/statushistory``."""

    statuses: Statuses | None = None


@frozen(kw_only=True, repr=False)
class Comment(MaskedRepr):
    """One comment on a token (the specification lists all four members as required)."""

    comment_id: str | None = optional(*ident(4, 256))
    comment_text: str | None = optional(*text(1, 500))
    comment_date_time: str | None = optional(*DATE_TIME)
    audit_info: AuditInfo | None = None


@frozen(kw_only=True, repr=False)
class Comments(MaskedRepr):
    """The comments on a token."""

    comment: tuple[Comment, ...] = ()


@frozen(kw_only=True, repr=False)
class TokenCommentsResponse(MaskedRepr):
    """Answer of ``/token/comments``."""

    comments: Comments | None = None


@frozen(kw_only=True, repr=False)
class Transaction(MaskedRepr):
    """One transaction of the last 30 days (none for card-on-file tokens).

    ``TransactionAmount`` is a decimal string, negative for a refund; ``CurrencyCode`` ISO
    4217; ``TransactionTypeCode`` one of :data:`TRANSACTION_TYPES`,
    ``TransactionStatusCode`` of :data:`TRANSACTION_STATUSES`, ``POSEntryMode`` of
    :data:`POS_ENTRY_MODES`. The merchant's name, category code and entry mode are sent
    when MDES has them.
    """

    transaction_date_time: str | None = optional(*DATE_TIME)
    currency_code: str | None = optional(*_CURRENCY)
    transaction_amount: str | None = optional(*_AMOUNT)
    transaction_type_code: str | None = optional(*choice(*TRANSACTION_TYPES))
    transaction_type_description: str | None = optional(*text(3, 32))
    transaction_status_code: str | None = optional(*choice(*TRANSACTION_STATUSES))
    merchant_name: str | None = optional(*text(2, 256))
    merchant_category_code: str | None = optional(length(3, 5), digits())
    merchant_category_description: str | None = optional(*text(1, 256))
    pos_entry_mode: str | None = field(
        default=None, metadata=wire(*choice(*POS_ENTRY_MODES), name="POSEntryMode")
    )


@frozen(kw_only=True, repr=False)
class Transactions(MaskedRepr):
    """The transactions of a token."""

    transaction: tuple[Transaction, ...] = ()


@frozen(kw_only=True, repr=False)
class TransactionsResponse(MaskedRepr):
    """Answer of ``/transactions``."""

    transactions: Transactions | None = None


@frozen(kw_only=True, repr=False)
class ActivationMethod(MaskedRepr):
    """A way to deliver an activation code, one of :data:`ACTIVATION_METHOD_TYPES`, with a
    masked value (``555-123-4567``); ``ResendIndicator`` says whether a code can be sent
    again through it (``TRUE``/``FALSE``, either case)."""

    activation_method_id: str | None = optional(*ident(4, 64))
    activation_method_type: str | None = optional(*choice(*ACTIVATION_METHOD_TYPES))
    activation_method_value: str | None = optional(*text(4, 64))
    resend_indicator: str | None = optional(*choice("true", "false", "TRUE", "FALSE"))


@frozen(kw_only=True, repr=False)
class ActivationMethods(MaskedRepr):
    """The activation methods of a token."""

    activation_method: tuple[ActivationMethod, ...] = ()


@frozen(kw_only=True, repr=False)
class TokenActivationMethodsResponse(MaskedRepr):
    """Answer of ``/token/activationmethods``."""

    activation_methods: ActivationMethods | None = None
