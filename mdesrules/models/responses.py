"""Response models of the MDES Customer Service API v2 (2.0.7 wire form).

Each class is the object inside the response's one-key wrapper (``{"TokenUpdateResponse":
{...}}``); lists keep MDES's nesting (``Tokens.Token[]``, ``Suspenders.Suspender[]``).
Every member is optional: MDES omits what does not apply, and clients must tolerate that.
"""

from __future__ import annotations

from attrs import field, frozen

from ..schema import wire
from ._base import MaskedRepr
from .common import AuditInfo

__all__ = [
    "Account",
    "AccountHolderMessagingResponse",
    "Accounts",
    "ActivationMethod",
    "ActivationMethods",
    "Comment",
    "Comments",
    "Device",
    "Error",
    "Errors",
    "ErrorsResponse",
    "SearchResponse",
    "SimpleToken",
    "SimpleTokenResponse",
    "Status",
    "Statuses",
    "Suspenders",
    "SystemStatusResponse",
    "Token",
    "TokenActivationMethodsResponse",
    "TokenCommentsResponse",
    "TokenReference",
    "TokenResendActivationCodeResponse",
    "TokenStatusHistoryResponse",
    "TokenUpdateResponse",
    "Tokens",
    "Transaction",
    "Transactions",
    "TransactionsResponse",
    "UpdatedTokens",
]


@frozen(kw_only=True, repr=False)
class SimpleToken(MaskedRepr):
    """A token reference, with the id of the comment recorded when comment text was sent."""

    token_unique_reference: str
    comment_id: str | None = None


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
class Device(MaskedRepr):
    """The device a token is provisioned to."""

    device_id: str | None = None
    device_name: str | None = None
    device_type: str | None = None
    secure_element_id: str | None = None


@frozen(kw_only=True, repr=False)
class Suspenders(MaskedRepr):
    """Who suspended the token: ``I``, ``W``, ``C``, ``P``, ``M``."""

    suspender: tuple[str, ...] = ()


@frozen(kw_only=True, repr=False)
class Token(MaskedRepr):
    """A token as search returns it."""

    token_unique_reference: str | None = None
    primary_account_number_unique_reference: str | None = None
    token_suffix: str | None = None
    expiration_date: str | None = None
    account_pan_sequence_number: str | None = None
    digitization_request_date_time: str | None = None
    token_activated_date_time: str | None = None
    activation_code_expiration_date_time: str | None = None
    final_tokenization_decision: str | None = None
    correlation_id: str | None = None
    current_status_code: str | None = None
    current_status_description: str | None = None
    current_status_date_time: str | None = None
    provisioning_status_code: str | None = None
    provisioning_status_description: str | None = None
    suspenders: Suspenders | None = None
    token_requestor_id: str | None = None
    token_requestor_name: str | None = None
    token_requestor_consumer_facing_entity_name: str | None = None
    wallet_id: str | None = None
    payment_app_instance_id: str | None = None
    token_type: str | None = None
    storage_technology: str | None = None
    token_assurance_level: str | None = None
    last_comment_id: str | None = None
    device: Device | None = None
    token_deleted_from_consumer_app: str | None = None


@frozen(kw_only=True, repr=False)
class Tokens(MaskedRepr):
    """The tokens of one account."""

    token: tuple[Token, ...] = ()


@frozen(kw_only=True, repr=False)
class Account(MaskedRepr):
    """Tokens that share one account PAN and expiry."""

    account_pan_suffix: str | None = None
    expiration_date: str | None = None
    alternate_account_identifier_suffix: str | None = None
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
    """One entry of a token's status history (newest first)."""

    status_code: str | None = None
    status_description: str | None = None
    status_date_time: str | None = None
    initiator: str | None = None
    comment_id: str | None = None
    reason_code: str | None = None
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
    """One comment on a token."""

    comment_id: str | None = None
    comment_text: str | None = None
    comment_date_time: str | None = None
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
    """One transaction of the last 30 days."""

    transaction_date_time: str | None = None
    currency_code: str | None = None
    transaction_amount: str | None = None
    transaction_type_code: str | None = None
    transaction_type_description: str | None = None
    transaction_status_code: str | None = None
    merchant_name: str | None = None
    merchant_category_code: str | None = None
    merchant_category_description: str | None = None
    pos_entry_mode: str | None = field(default=None, metadata=wire(name="POSEntryMode"))


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
    """A way to deliver an activation code (SMS, email, ...), with a masked value."""

    activation_method_id: str | None = None
    activation_method_type: str | None = None
    activation_method_value: str | None = None
    resend_indicator: str | None = None


@frozen(kw_only=True, repr=False)
class ActivationMethods(MaskedRepr):
    """The activation methods of a token."""

    activation_method: tuple[ActivationMethod, ...] = ()


@frozen(kw_only=True, repr=False)
class TokenActivationMethodsResponse(MaskedRepr):
    """Answer of ``/token/activationmethods``."""

    activation_methods: ActivationMethods | None = None


@frozen(kw_only=True, repr=False)
class TokenResendActivationCodeResponse(MaskedRepr):
    """Answer of ``/token/resendactivationcode``."""

    token: SimpleToken | None = None


@frozen(kw_only=True, repr=False)
class TokenReference(MaskedRepr):
    """A token named by its reference only (the spec's ``TokenResponse``)."""

    token_unique_reference: str | None = None


@frozen(kw_only=True, repr=False)
class AccountHolderMessagingResponse(MaskedRepr):
    """Answer of ``/accountholdermessaging``: the token the message is for."""

    token: TokenReference | None = None


@frozen(kw_only=True, repr=False)
class SystemStatusResponse(MaskedRepr):
    """Answer of ``GET /systemstatus``: MDES's overall status in words, and when it last
    changed."""

    comment_text: str | None = None
    last_status_date_time: str | None = None


@frozen(kw_only=True, repr=False)
class Error(MaskedRepr):
    """One MDES error: ``Recoverable`` says whether a retry may succeed."""

    source: str | None = None
    reason_code: str | None = None
    error_code: str | None = None
    description: str | None = None
    recoverable: str | None = None


@frozen(kw_only=True, repr=False)
class Errors(MaskedRepr):
    """The errors of a refused request."""

    error: tuple[Error, ...] = ()


@frozen(kw_only=True, repr=False)
class ErrorsResponse(MaskedRepr):
    """``{"Errors": {"Error": [...]}}``: how MDES refuses a request."""

    errors: Errors | None = None
