"""Models of the token requestor's ``notifyTokenUpdated`` (MDES -> token requestor).

MDES Digital Enablement API 1.3.0 (``specs/MDES_Digital_Enablement.yaml``):
``POST /digitization/static/1/0/notifyTokenUpdated``, hosted by the token requestor. The
request is an envelope (:class:`NotifyTokenUpdatedRequest`) whose
``encryptedPayload.encryptedData`` is the hex AES ciphertext of the JSON text of
:class:`NotifyTokenUpdatedPayload`, ``{"tokens": [...]}``. Wire names are camelCase; the
operations register with ``naming=camel``, so rules name fields in PascalCase.

The spec gives ``token_for_NTU`` no required list and writes most lengths into descriptions;
those lengths are used here. ``productConfig`` and ``tokenInfo`` are sent when they changed
and then "always contain a minimum set of data", the members the spec lists as required: a
missing one is a ``missing_required`` error. The sandbox is known to omit three of them
(``issuerLogoAssetId``, ``isCoBranded``, ``iconAssetId``), so those are only *warnings*
(:func:`~mdesrules.combinators.expects`).
"""

from __future__ import annotations

from typing import ClassVar

from attrs import field, frozen

from ..combinators import Rule, equals, exactly_one_of, expects, only_when, when
from ..fields import digits, hex_digits, iso_timestamp, length, one_of
from ..schema import wire
from ._base import MaskedRepr
from ._rules import choice, expiry, ident, text

__all__ = [
    "EVENT_REASON_CODES",
    "NTU_STATUSES",
    "NTU_SUSPENDERS",
    "EncryptedPayload",
    "IssuerMobileApp",
    "NotifiedToken",
    "NotifyTokenUpdatedPayload",
    "NotifyTokenUpdatedRequest",
    "NotifyTokenUpdatedResponse",
    "ProductConfig",
    "TokenInfo",
]

#: ``status`` of a token in a notification. There is no ``DELETED``: it is ``DEACTIVATED``.
NTU_STATUSES = ("INACTIVE", "ACTIVE", "SUSPENDED", "DEACTIVATED")
#: ``suspendedBy`` values (one or more, only with status ``SUSPENDED``).
NTU_SUSPENDERS = ("ISSUER", "TOKEN_REQUESTOR", "MOBILE_PIN_LOCKED", "CARDHOLDER")
#: ``eventReasonCode`` values known in 1.3.0; MDES may add more without notice, so any other
#: value is a ``not_allowed_value`` warning.
EVENT_REASON_CODES = (
    "DEVICE_LOST",
    "DEVICE_STOLEN",
    "SUSPECTED_FRAUD",
    "ACCOUNT_CLOSED",
    "NOT_FRAUD",
    "DEVICE_FOUND",
    "REDIGITIZATION_COMPLETE",
    "OTHER",
)


@frozen(kw_only=True, repr=False)
class IssuerMobileApp(MaskedRepr):
    """Deep-link details of the issuer's mobile app. Its members are not specified in 1.3.0,
    so every member is an ``unknown_field`` warning."""


@frozen(kw_only=True, repr=False)
class ProductConfig(MaskedRepr):
    """The product configuration (card art, issuer and product texts), sent when it changed.

    Minimum fields (the spec's ``required``; errors when absent): brand logo, foreground
    colour, issuer name, short description. The issuer logo, ``isCoBranded`` and the icon are
    required too, but the sandbox omits them, so their absence is a warning. Exactly one of
    the two card background asset ids; ``coBrandName`` only when ``isCoBranded`` is ``true``
    and then required ("Conditionally required if isCoBranded = true").
    """

    __wire_rules__: ClassVar[tuple[Rule, ...]] = (
        expects(
            "BrandLogoAssetId",
            "ForegroundColor",
            "IssuerName",
            "ShortDescription",
            severity="error",
        ),
        expects("IssuerLogoAssetId", "IsCoBranded", "IconAssetId"),
        exactly_one_of("CardBackgroundCombinedAssetId", "CardBackgroundAssetId"),
        only_when("CoBrandName", "IsCoBranded", True, False),
        when(equals("IsCoBranded", True), expects("CoBrandName", severity="error")),
    )

    brand_logo_asset_id: str | None = field(default=None, metadata=wire(*ident(1, 64)))
    issuer_logo_asset_id: str | None = field(default=None, metadata=wire(*ident(1, 64)))
    is_co_branded: bool | None = None
    co_brand_name: str | None = field(default=None, metadata=wire(*text(1, 128)))
    co_brand_logo_asset_id: str | None = field(default=None, metadata=wire(*ident(1, 64)))
    card_background_combined_asset_id: str | None = field(
        default=None, metadata=wire(*ident(1, 64))
    )
    card_background_asset_id: str | None = field(default=None, metadata=wire(*ident(1, 64)))
    icon_asset_id: str | None = field(default=None, metadata=wire(*ident(1, 64)))
    foreground_color: str | None = field(default=None, metadata=wire(length(6, 6), hex_digits()))
    issuer_name: str | None = field(default=None, metadata=wire(*text(1, 64)))
    short_description: str | None = field(default=None, metadata=wire(*text(1, 128)))
    long_description: str | None = field(default=None, metadata=wire(*text(1, 256)))
    customer_service_url: str | None = field(default=None, metadata=wire(*text(1, 128)))
    customer_service_email: str | None = field(default=None, metadata=wire(*text(1, 64)))
    customer_service_phone_number: str | None = field(default=None, metadata=wire(*text(1, 64)))
    issuer_mobile_app: IssuerMobileApp | None = None
    online_banking_login_url: str | None = field(default=None, metadata=wire(*text(1, 128)))
    terms_and_conditions_url: str | None = field(default=None, metadata=wire(*text(1, 128)))
    privacy_policy_url: str | None = field(default=None, metadata=wire(*text(1, 128)))
    issuer_product_config_code: str | None = field(default=None, metadata=wire(*text(1, 128)))


@frozen(kw_only=True, repr=False)
class TokenInfo(MaskedRepr):
    """Token and account PAN details (``tokenInfo_for_NTU_and_getToken``), sent when changed.

    Minimum fields (the spec's ``required``; errors when absent): token PAN suffix, account
    PAN prefix and suffix, token expiry, ``dsrpCapable``. The prefix has no length in the
    spec; it is bounded here by the longest PAN (19 digits).
    """

    __wire_rules__: ClassVar[tuple[Rule, ...]] = (
        expects(
            "TokenPanSuffix",
            "AccountPanPrefix",
            "AccountPanSuffix",
            "TokenExpiry",
            "DsrpCapable",
            severity="error",
        ),
    )

    token_pan_suffix: str | None = field(default=None, metadata=wire(length(1, 8), digits()))
    account_pan_prefix: str | None = field(default=None, metadata=wire(length(1, 19), digits()))
    account_pan_suffix: str | None = field(default=None, metadata=wire(length(1, 8), digits()))
    token_expiry: str | None = field(default=None, metadata=wire(*expiry()))
    account_pan_expiry: str | None = field(default=None, metadata=wire(*expiry()))
    dsrp_capable: str | None = field(default=None, metadata=wire(*choice("true", "false")))
    token_assurance_level: int | None = None
    product_category: str | None = field(
        default=None, metadata=wire(*choice("CREDIT", "DEBIT", "PREPAID", "UNKNOWN"))
    )


@frozen(kw_only=True, repr=False)
class NotifiedToken(MaskedRepr):
    """One token of a notification (``token_for_NTU``).

    The spec has no required list, but says the TUR is "always present even if an error
    occurs": it is required. ``status`` is expected (a warning when absent). ``suspendedBy``
    only with status ``SUSPENDED``.
    """

    __wire_rules__: ClassVar[tuple[Rule, ...]] = (
        expects("Status"),
        only_when("SuspendedBy", "Status", "SUSPENDED", "INACTIVE", "ACTIVE", "DEACTIVATED"),
    )

    token_unique_reference: str = field(metadata=wire(*ident(1, 64)))
    token_requestor_id: str | None = field(default=None, metadata=wire(length(11, 11), digits()))
    status: str | None = field(default=None, metadata=wire(*choice(*NTU_STATUSES)))
    event_reason_code: str | None = field(
        default=None,
        metadata=wire(length(1, 32), one_of(EVENT_REASON_CODES, unknown_is_warning=True)),
    )
    suspended_by: tuple[str, ...] | None = field(
        default=None, metadata=wire(*choice(*NTU_SUSPENDERS))
    )
    status_timestamp: str | None = field(
        default=None, metadata=wire(length(1, 29), iso_timestamp())
    )
    product_config: ProductConfig | None = None
    token_info: TokenInfo | None = None


@frozen(kw_only=True, repr=False)
class NotifyTokenUpdatedPayload(MaskedRepr):
    """The decrypted ``encryptedPayload.encryptedData``: ``{"tokens": [...]}``."""

    tokens: tuple[NotifiedToken, ...]


@frozen(kw_only=True, repr=False)
class EncryptedPayload(MaskedRepr):
    """The encrypted payload as on the wire: every value hex, ``encryptedData`` included.

    ``iv`` is 16 bytes (32 hex digits; absent: a zero IV); ``oaepHashingAlgorithm`` ``SHA256``
    or ``SHA512`` (absent: PKCS#1 v1.5 key wrapping); the fingerprint is at most 64 hex digits
    (SHA-1 or SHA-256 sized).
    """

    encrypted_data: str = field(metadata=wire(length(1, None), hex_digits()))
    encrypted_key: str = field(metadata=wire(length(1, 512), hex_digits()))
    iv: str | None = field(default=None, metadata=wire(length(32, 32), hex_digits()))
    oaep_hashing_algorithm: str | None = field(
        default=None, metadata=wire(*choice("SHA256", "SHA512"))
    )
    public_key_fingerprint: str = field(metadata=wire(length(1, 64), hex_digits()))


@frozen(kw_only=True, repr=False)
class NotifyTokenUpdatedRequest(MaskedRepr):
    """The notification envelope (``NotifyTokenUpdatedRequestSchema``), still encrypted.

    The spec bounds neither ``responseHost`` nor ``requestId``; they are bounded here by the
    longest DNS name (253) and by 255 characters, against absurd values.
    """

    response_host: str = field(metadata=wire(*ident(1, 253)))
    request_id: str = field(metadata=wire(*ident(1, 255)))
    encrypted_payload: EncryptedPayload


@frozen(kw_only=True, repr=False)
class NotifyTokenUpdatedResponse(MaskedRepr):
    """The token requestor's answer (``NotifyTokenUpdatedResponseSchema``), not encrypted."""

    response_host: str | None = None
    response_id: str | None = None
