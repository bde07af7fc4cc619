"""Models of two CyberSource TMS v2 token operations (Retrieve Card Art, Payment Credentials).

Source: the merged CyberSource REST OpenAPI spec, subset in
``shared/specs/cybersource-tms-token-subset.json`` (notes: ``shared/notes/cybersource-tms.md``).
Wire names are camelCase; the operations register with ``naming=camel``, so rules name fields
in PascalCase. The path parameters (and the ``profile-id`` header, as ``profileId``) are
fields of the checked request document.

Path parameters are path segments: besides their spec lengths and value sets they must be
:func:`~mdesrules.fields.path_segment`, so nothing can escape the segment. The spec's
patterns on the device information are unanchored and contradicted by its own examples
(``httpAcceptContent`` is a user agent with spaces, ``httpBrowserTimeDifference`` is
``-480``): those fields are checked for their lengths and as text without control characters.
"""

from __future__ import annotations

from typing import ClassVar

from attrs import field, frozen

from ..combinators import Rule, equals, only_when, requires, when
from ..fields import digits, length, matches, path_segment
from ..schema import wire
from ._base import MaskedRepr
from ._rules import choice, ident, text

__all__ = [
    "ASSET_TYPES",
    "AUTHENTICATION_METHODS",
    "IDENTITY_PROVIDERS",
    "PAYMENT_CREDENTIAL_TYPES",
    "PLATFORM_TYPES",
    "TOKEN_PROVIDERS",
    "TRANSACTION_TYPES",
    "AmountDetails",
    "AuthenticatedIdentity",
    "BillTo",
    "CardArtContent",
    "CardArtRequest",
    "CardArtResponse",
    "DeviceInformation",
    "MerchantDescriptor",
    "MerchantInformation",
    "OrderInformation",
    "PaymentCredentialsRequest",
]

#: ``tokenProvider`` path values (spec enum).
TOKEN_PROVIDERS = ("vts", "mdes", "amex", "mscof")
#: ``assetType`` path values (spec enum).
ASSET_TYPES = ("card-art-combined", "brand-logo", "issuer-logo", "icon-logo")
#: ``paymentCredentialType`` values (listed in the spec's description).
PAYMENT_CREDENTIAL_TYPES = ("NETWORK_TOKEN", "SECURITY_CODE", "CRYPTOGRAM")
#: ``transactionType`` values; ``ECOM`` is the default, ``AFT`` only with ``CRYPTOGRAM``.
TRANSACTION_TYPES = ("ECOM", "AFT")
#: ``deviceInformation.platformType`` values.
PLATFORM_TYPES = ("iOS", "ANDROID", "WINDOWS", "WEB")
#: ``authenticatedIdentities[].provider`` values.
IDENTITY_PROVIDERS = ("VISA_PAYMENT_PASSKEY", "CLIENT_DEVICE_CERT_JWS")
#: ``authenticatedIdentities[].userAuthenticationMethod`` values.
AUTHENTICATION_METHODS = (
    "USERNAME_PASSWORD",
    "PASSCODE_PASSWORD",
    "PASSCODE",
    "PASSWORD",
    "PATTERN",
    "BIOMETRIC_FINGERPRINT",
    "BIOMETRIC_FACIAL",
    "BIOMETRIC_IRIS",
    "BIOMETRIC_VOICE",
    "BIOMETRIC_BEHAVIORAL",
    "DEVICE_UNLOCKED_METHOD_UNKNOWN",
    "OTP_SMS",
    "OTP_EMAIL",
    "OTP_SMS_KNOWLEDGE",
    "KNOWLEDGE_BASED_AUTHENTICATION",
    "USER_UNVERIFIED",
    "BIOMETRIC",
)


# --- Retrieve Card Art: GET /tms/v2/tokens/{instrumentIdentifierId}/{tokenProvider}/assets/...


@frozen(kw_only=True, repr=False)
class CardArtRequest(MaskedRepr):
    """The path parameters of Retrieve Card Art (no header, query or body)."""

    instrument_identifier_id: str = field(metadata=wire(length(12, 32), path_segment()))
    token_provider: str = field(metadata=wire(*choice(*TOKEN_PROVIDERS)))
    asset_type: str = field(metadata=wire(*choice(*ASSET_TYPES)))


@frozen(kw_only=True, repr=False)
class CardArtContent(MaskedRepr):
    """One image of the asset: ``type`` is its MIME type, ``data`` the base64 bytes."""

    type: str | None = None
    data: str | None = None
    width: int | None = None
    height: int | None = None


@frozen(kw_only=True, repr=False)
class CardArtResponse(MaskedRepr):
    """The card-art asset (200). The spec marks no field required."""

    id: str | None = None
    type: str | None = None
    provider: str | None = None
    content: tuple[CardArtContent, ...] | None = None


# --- Generate Payment Credentials: POST /tms/v2/tokens/{tokenId}/payment-credentials ---------


@frozen(kw_only=True, repr=False)
class AmountDetails(MaskedRepr):
    """The amount; ``currency`` is the ISO 4217 numeric code (e.g. ``978``)."""

    total_amount: str | None = field(
        default=None,
        metadata=wire(length(1, 19), matches("[0-9]+(\\.[0-9]+)?", "a decimal amount")),
    )
    currency: str | None = field(default=None, metadata=wire(length(3, 3), digits()))


@frozen(kw_only=True, repr=False)
class BillTo(MaskedRepr):
    """The billing address, with the spec's maximum lengths."""

    first_name: str | None = field(default=None, metadata=wire(*text(1, 60)))
    last_name: str | None = field(default=None, metadata=wire(*text(1, 60)))
    address1: str | None = field(default=None, metadata=wire(*text(1, 60)))
    locality: str | None = field(default=None, metadata=wire(*text(1, 50)))
    administrative_area: str | None = field(default=None, metadata=wire(*text(1, 20)))
    postal_code: str | None = field(default=None, metadata=wire(*text(1, 10)))
    country: str | None = field(default=None, metadata=wire(*text(1, 2)))
    email: str | None = field(default=None, metadata=wire(*text(1, 255)))


@frozen(kw_only=True, repr=False)
class OrderInformation(MaskedRepr):
    """The order: amount and billing address."""

    amount_details: AmountDetails | None = None
    bill_to: BillTo | None = None


@frozen(kw_only=True, repr=False)
class MerchantDescriptor(MaskedRepr):
    """The merchant's name and URL (base64 in the spec's examples; no lengths)."""

    name: str | None = field(default=None, metadata=wire(*text(1, None)))
    url: str | None = field(default=None, metadata=wire(*text(1, None)))


@frozen(kw_only=True, repr=False)
class MerchantInformation(MaskedRepr):
    """``tmsMerchantInformation``."""

    merchant_descriptor: MerchantDescriptor | None = None


@frozen(kw_only=True, repr=False)
class DeviceInformation(MaskedRepr):
    """The consumer's device and browser, with the spec's maximum lengths."""

    platform_type: str | None = field(default=None, metadata=wire(*choice(*PLATFORM_TYPES)))
    ip_address: str | None = field(
        default=None,
        metadata=wire(length(1, 45), matches("[0-9A-Fa-f.:]+", "an IPv4 or IPv6 address")),
    )
    http_accept_content: str | None = field(default=None, metadata=wire(*text(1, 2048)))
    http_browser_language: str | None = field(default=None, metadata=wire(*ident(1, 8)))
    http_browser_java_enabled: bool | None = None
    http_browser_java_script_enabled: bool | None = None
    http_browser_color_depth: str | None = field(
        default=None, metadata=wire(length(1, 2), digits())
    )
    http_browser_screen_height: str | None = field(
        default=None, metadata=wire(length(1, 6), digits())
    )
    http_browser_screen_width: str | None = field(
        default=None, metadata=wire(length(1, 6), digits())
    )
    http_browser_time_difference: str | None = field(
        default=None,
        metadata=wire(length(1, 5), matches("-?[0-9]+", "minutes, digits with an optional -")),
    )
    user_agent_browser_value: str | None = field(default=None, metadata=wire(*text(1, 2048)))


@frozen(kw_only=True, repr=False)
class AuthenticatedIdentity(MaskedRepr):
    """Passkey or device-authentication evidence (base64url values)."""

    id: str | None = field(default=None, metadata=wire(*ident(1, 50)))
    provider: str | None = field(default=None, metadata=wire(*choice(*IDENTITY_PROVIDERS)))
    data: str | None = field(default=None, metadata=wire(*ident(1, 17000)))
    relying_party_id: str | None = field(default=None, metadata=wire(*ident(1, 2000)))
    user_authentication_method: str | None = field(
        default=None, metadata=wire(*choice(*AUTHENTICATION_METHODS))
    )


@frozen(kw_only=True, repr=False)
class PaymentCredentialsRequest(MaskedRepr):
    """The ``tokenId`` path parameter, the optional ``profile-id`` header (``profileId``)
    and the body, every member of which is optional (``{}`` is a valid body).

    ``transactionType`` ``AFT`` only with ``paymentCredentialType`` ``CRYPTOGRAM``: AFT
    without a credential type ``requires`` it, AFT with another type is
    ``mutually_exclusive`` with it.
    """

    __wire_rules__: ClassVar[tuple[Rule, ...]] = (
        when(
            equals("TransactionType", "AFT"),
            requires("TransactionType", "PaymentCredentialType"),
            only_when(
                "TransactionType",
                "PaymentCredentialType",
                "CRYPTOGRAM",
                "NETWORK_TOKEN",
                "SECURITY_CODE",
            ),
        ),
    )

    token_id: str = field(metadata=wire(length(1, 32), path_segment()))
    profile_id: str | None = field(default=None, metadata=wire(*ident(36, 36)))
    payment_credential_type: str | None = field(
        default=None, metadata=wire(*choice(*PAYMENT_CREDENTIAL_TYPES))
    )
    transaction_type: str | None = field(default=None, metadata=wire(*choice(*TRANSACTION_TYPES)))
    client_correlation_id: str | None = field(
        default=None,
        metadata=wire(length(1, 36), matches("[A-Za-z0-9-]+", "ASCII letters, digits and -")),
    )
    order_information: OrderInformation | None = None
    merchant_information: MerchantInformation | None = None
    device_information: DeviceInformation | None = None
    authenticated_identities: tuple[AuthenticatedIdentity, ...] | None = None
