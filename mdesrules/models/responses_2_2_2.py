"""Response models of the MDES Customer Service API 2.2.2.

2.2.2 answers as 2.1.7 does (:mod:`mdesrules.models.responses_2_1_7`, whose classes it takes
where nothing changed: ``Device``, ``Suspenders``, ``AuditInfo``, the resent token, the
disabled payment channels, the token requestor) except for:

- date-times of 20 to 29 characters (``2023-08-03T05:10:45-05:00`` as well as
  ``2015-01-21T00:04:35.000Z``) in ``Token``, ``Status``, ``Comment`` and ``Transaction``;
- a simple token's ``TokenUniqueReference`` of 48 to 64 characters;
- ``Source`` adds ``ACCOUNT_ADDED_VIA_BROWSER`` and ``ACCOUNT_ADDED_VIA_CHIP_DATA``,
  ``ActivationMethodType`` adds ``EMV_3DS`` (Mastercard Identity Check; seven characters,
  although the member's length is stated as 3), ``TransactionTypeCode`` adds ``ATMWD``
  (ATM withdrawal), ``CASHD`` (cash disbursement), ``ATMDP`` (ATM deposit), ``ATMTR`` (ATM
  transfer) and ``PAYMT`` (payment);
- the search's ``PageInfo`` (:class:`PageInfoResults`), and the answer of the new
  ``notifyauthenticationdecision`` (camelCase, unwrapped).

A class that changes is a subclass of its 2.1.7 class that redefines only the members that
change (and the containers whose items change), so the two versions cannot drift apart
unnoticed; a redefined member comes after the others in the JSON the class writes, which
JSON readers ignore. With ``CompactResponse`` MDES leaves most members out; every member is
optional, so a compact answer reads as it is.

.. versionadded:: unreleased
"""

from __future__ import annotations

from attrs import field, frozen

from ..fields import digits, length
from ..schema import wire
from . import responses_2_1_7 as v217
from ._base import MaskedRepr
from ._rules import choice, date_time, ident, optional
from .responses_2_1_7 import (
    AuditInfo,
    Device,
    DisabledPaymentChannels,
    DisablePaymentChannelsResponse,
    ResendToken,
    Suspenders,
    TokenRequestorSearchResponse,
    TokenResendActivationCodeResponse,
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
    "NotifyAuthenticationDecisionResponse",
    "PageInfoResults",
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

#: A date-time as 2.2.2 sends it: 20 to 29 characters, ``Z`` or an offset.
DATE_TIME = date_time(20, 29)

#: ``Source``: those of 2.1.7, and an account added by a browser's form fill or captured
#: from chip data.
SOURCES = (*v217.SOURCES, "ACCOUNT_ADDED_VIA_BROWSER", "ACCOUNT_ADDED_VIA_CHIP_DATA")

#: ``ActivationMethodType``: those of 2.1.7 and ``EMV_3DS`` (Mastercard Identity Check).
ACTIVATION_METHOD_TYPES = (*v217.ACTIVATION_METHOD_TYPES, "EMV_3DS")

#: ``TransactionTypeCode``: those of 2.1.7 and ATM withdrawal, cash disbursement, ATM
#: deposit, ATM transfer, payment.
TRANSACTION_TYPES = (*v217.TRANSACTION_TYPES, "ATMWD", "CASHD", "ATMDP", "ATMTR", "PAYMT")


@frozen(kw_only=True, repr=False)
class SimpleToken(v217.SimpleToken):
    """A token reference (48 to 64 characters in 2.2.2), with the id of the comment
    recorded when comment text was sent."""

    token_unique_reference: str = field(metadata=wire(*ident(48, 64)))


@frozen(kw_only=True, repr=False)
class SimpleTokenResponse(v217.SimpleTokenResponse):
    """Answer of activate, suspend, unsuspend, delete, reset mobile PIN and assurance update."""

    token: SimpleToken | None = None


@frozen(kw_only=True, repr=False)
class UpdatedTokens(v217.UpdatedTokens):
    """``Tokens`` of an update: one entry per token changed (a PAN-wide update has many)."""

    token: tuple[SimpleToken, ...] = ()


@frozen(kw_only=True, repr=False)
class TokenUpdateResponse(v217.TokenUpdateResponse):
    """Answer of ``/token/update``."""

    tokens: UpdatedTokens | None = None


@frozen(kw_only=True, repr=False)
class Token(v217.Token):
    """A token as search returns it (see the 2.1.7 class for its members): 2.2.2's
    date-times and ``Source`` values. A compact search answer holds a few members only."""

    digitization_request_date_time: str | None = optional(*DATE_TIME)
    token_activated_date_time: str | None = optional(*DATE_TIME)
    activation_code_expiration_date_time: str | None = optional(*DATE_TIME)
    current_status_date_time: str | None = optional(*DATE_TIME)
    source: str | None = optional(*choice(*SOURCES))


@frozen(kw_only=True, repr=False)
class Tokens(v217.Tokens):
    """The tokens of one account."""

    token: tuple[Token, ...] = ()


@frozen(kw_only=True, repr=False)
class Account(v217.Account):
    """Tokens that share one account PAN (or financial account) and expiry."""

    tokens: Tokens | None = None


@frozen(kw_only=True, repr=False)
class Accounts(v217.Accounts):
    """The accounts found by a search."""

    account: tuple[Account, ...] = ()


@frozen(kw_only=True, repr=False)
class PageInfoResults(MaskedRepr):
    """The page a search answered: ``Offset`` (the first token's index), ``Limit`` (tokens
    per page, at most 20), ``Total`` (tokens found) and ``Count`` (tokens on this page).

    The specification types them ``number`` with string lengths, and its examples send
    strings of digits, as MDES sends every scalar: they are strings of digits here.
    """

    offset: str | None = optional(length(1, 5), digits())
    limit: str | None = optional(length(1, 2), digits())
    total: str | None = optional(length(1, 5), digits())
    count: str | None = optional(length(1, 2), digits())


@frozen(kw_only=True, repr=False)
class SearchResponse(v217.SearchResponse):
    """Answer of ``/search``: the accounts and their tokens, and the page."""

    accounts: Accounts | None = None
    page_info: PageInfoResults | None = None


@frozen(kw_only=True, repr=False)
class Status(v217.Status):
    """One entry of a token's status history (newest first), with 2.2.2's date-time."""

    status_date_time: str | None = optional(*DATE_TIME)


@frozen(kw_only=True, repr=False)
class Statuses(v217.Statuses):
    """The status history entries."""

    status: tuple[Status, ...] = ()


@frozen(kw_only=True, repr=False)
class TokenStatusHistoryResponse(v217.TokenStatusHistoryResponse):
    """Answer of ``/token/statushistory``."""

    statuses: Statuses | None = None


@frozen(kw_only=True, repr=False)
class Comment(v217.Comment):
    """One comment on a token, with 2.2.2's date-time."""

    comment_date_time: str | None = optional(*DATE_TIME)


@frozen(kw_only=True, repr=False)
class Comments(v217.Comments):
    """The comments on a token."""

    comment: tuple[Comment, ...] = ()


@frozen(kw_only=True, repr=False)
class TokenCommentsResponse(v217.TokenCommentsResponse):
    """Answer of ``/token/comments``."""

    comments: Comments | None = None


@frozen(kw_only=True, repr=False)
class Transaction(v217.Transaction):
    """One transaction of the last 30 days, with 2.2.2's date-time and transaction types."""

    transaction_date_time: str | None = optional(*DATE_TIME)
    transaction_type_code: str | None = optional(*choice(*TRANSACTION_TYPES))


@frozen(kw_only=True, repr=False)
class Transactions(v217.Transactions):
    """The transactions of a token."""

    transaction: tuple[Transaction, ...] = ()


@frozen(kw_only=True, repr=False)
class TransactionsResponse(v217.TransactionsResponse):
    """Answer of ``/transactions``."""

    transactions: Transactions | None = None


@frozen(kw_only=True, repr=False)
class ActivationMethod(v217.ActivationMethod):
    """A way to deliver an activation code, ``EMV_3DS`` among them in 2.2.2."""

    activation_method_type: str | None = optional(*choice(*ACTIVATION_METHOD_TYPES))


@frozen(kw_only=True, repr=False)
class ActivationMethods(v217.ActivationMethods):
    """The activation methods of a token."""

    activation_method: tuple[ActivationMethod, ...] = ()


@frozen(kw_only=True, repr=False)
class TokenActivationMethodsResponse(v217.TokenActivationMethodsResponse):
    """Answer of ``/token/activationmethods``."""

    activation_methods: ActivationMethods | None = None


@frozen(kw_only=True, repr=False)
class NotifyAuthenticationDecisionResponse(MaskedRepr):
    """Answer of ``/token/notifyauthenticationdecision`` (camelCase, unwrapped): the token
    and the id of the comment recorded when comment text was sent."""

    token_unique_reference: str | None = optional(*ident(1, 64))
    comment_id: str | None = optional(*ident(1, 256))
