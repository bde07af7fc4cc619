"""Typed attrs models of every MDES request and response the library knows.

The answers of CS API 2.0.7 (:mod:`mdesrules.models.responses`) are imported on first use:
a program that only checks requests never pays for their classes.
"""

from typing import TYPE_CHECKING

from .common import AuditInfo
from .legacy import LegacyDevice, LegacySuspender, LegacyToken, LegacyTokenResponse, UpdateRequest
from .notify import (
    EncryptedPayload,
    IssuerMobileApp,
    NotifiedToken,
    NotifyTokenUpdatedPayload,
    NotifyTokenUpdatedRequest,
    NotifyTokenUpdatedResponse,
    ProductConfig,
    TokenInfo,
)
from .requests import (
    AccountHolderMessagingRequest,
    SearchRequest,
    SystemStatusRequest,
    TokenActivateRequest,
    TokenActivationMethodsRequest,
    TokenCommentsRequest,
    TokenDeleteRequest,
    TokenResendActivationCodeRequest,
    TokenResetMobilePinRequest,
    TokenStatusHistoryRequest,
    TokenSuspendRequest,
    TokenUnsuspendRequest,
    TokenUpdateRequest,
    TransactionsRequest,
    UpdateTokenAssuranceRequest,
)
from .tms import (
    AmountDetails,
    AuthenticatedIdentity,
    BillTo,
    CardArtContent,
    CardArtRequest,
    CardArtResponse,
    DeviceInformation,
    MerchantDescriptor,
    MerchantInformation,
    OrderInformation,
    PaymentCredentialsRequest,
)

if TYPE_CHECKING:
    from .responses import (
        Account,
        AccountHolderMessagingResponse,
        Accounts,
        ActivationMethod,
        ActivationMethods,
        Comment,
        Comments,
        Device,
        Error,
        Errors,
        ErrorsResponse,
        SearchResponse,
        SimpleToken,
        SimpleTokenResponse,
        Status,
        Statuses,
        Suspenders,
        SystemStatusResponse,
        Token,
        TokenActivationMethodsResponse,
        TokenCommentsResponse,
        TokenReference,
        TokenResendActivationCodeResponse,
        Tokens,
        TokenStatusHistoryResponse,
        TokenUpdateResponse,
        Transaction,
        Transactions,
        TransactionsResponse,
        UpdatedTokens,
    )

#: Names of :mod:`mdesrules.models.responses`, imported on first use.
_RESPONSES = frozenset(
    {
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
        "Tokens",
        "TokenStatusHistoryResponse",
        "TokenUpdateResponse",
        "Transaction",
        "Transactions",
        "TransactionsResponse",
        "UpdatedTokens",
    }
)


def __getattr__(name: str) -> object:
    if name in _RESPONSES:
        from . import responses

        value = getattr(responses, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


__all__ = [
    "Account",
    "AccountHolderMessagingRequest",
    "AccountHolderMessagingResponse",
    "Accounts",
    "ActivationMethod",
    "ActivationMethods",
    "AmountDetails",
    "AuditInfo",
    "AuthenticatedIdentity",
    "BillTo",
    "CardArtContent",
    "CardArtRequest",
    "CardArtResponse",
    "Comment",
    "Comments",
    "Device",
    "DeviceInformation",
    "EncryptedPayload",
    "Error",
    "Errors",
    "ErrorsResponse",
    "IssuerMobileApp",
    "LegacyDevice",
    "LegacySuspender",
    "LegacyToken",
    "LegacyTokenResponse",
    "MerchantDescriptor",
    "MerchantInformation",
    "NotifiedToken",
    "NotifyTokenUpdatedPayload",
    "NotifyTokenUpdatedRequest",
    "NotifyTokenUpdatedResponse",
    "OrderInformation",
    "PaymentCredentialsRequest",
    "ProductConfig",
    "SearchRequest",
    "SearchResponse",
    "SimpleToken",
    "SimpleTokenResponse",
    "Status",
    "Statuses",
    "Suspenders",
    "SystemStatusRequest",
    "SystemStatusResponse",
    "Token",
    "TokenActivateRequest",
    "TokenActivationMethodsRequest",
    "TokenActivationMethodsResponse",
    "TokenCommentsRequest",
    "TokenCommentsResponse",
    "TokenDeleteRequest",
    "TokenInfo",
    "TokenReference",
    "TokenResendActivationCodeRequest",
    "TokenResendActivationCodeResponse",
    "TokenResetMobilePinRequest",
    "TokenStatusHistoryRequest",
    "TokenStatusHistoryResponse",
    "TokenSuspendRequest",
    "TokenUnsuspendRequest",
    "TokenUpdateRequest",
    "TokenUpdateResponse",
    "Tokens",
    "Transaction",
    "Transactions",
    "TransactionsRequest",
    "TransactionsResponse",
    "UpdateRequest",
    "UpdateTokenAssuranceRequest",
    "UpdatedTokens",
]
