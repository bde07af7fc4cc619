"""Request models of the MDES Customer Service API 2.1.7, in their plaintext form.

From 2.1.7 on, every PAN-type identifier (``AccountPan``, ``Token``,
``AlternateAccountIdentifier``, ``FinancialAccountId``, ``VirtualCardNumber``, the new
account of an update) travels inside ``EncryptedAccountInformation``. These models hold the
document *before* encryption (or after decryption), where ``EncryptedData`` is the JSON object
``{"CurrentAccount": {...}, "NewAccount": {...}}`` that Mastercard's field-level encryption
turns into hex ciphertext. The envelope members (``EncryptedKey``, ``Iv``,
``OaepHashingAlgorithm``, ``PublicKeyFingerprint``) are added by encryption, so in this form
they are optional; when sent, their lengths and value sets are checked.

Lengths follow the 2.1.7 specification, which states them on every field. The one
exception: a PAN-type member (``AccountPan`` and ``Token``, whose minimum the specification
leaves at 0) gets the PAN rules of 2.0.7, 9 to 19 digits with a valid check digit.
The responses are in :mod:`mdesrules.models.responses_2_1_7`, but for those of the two
operations new in 2.1.7, which are here beside their requests.

.. versionadded:: 0.5
"""

from __future__ import annotations

from typing import Any, ClassVar

from attrs import field, frozen

from ..combinators import Rule, at_least_one_of, exactly_one_of
from ..fields import digits, hex_digits, length, matches
from ..schema import wire
from ._base import MaskedRepr
from ._rules import choice, expiry, ident, optional, pan, pan_field, text

__all__ = [
    "AccountData",
    "ActivateAccountData",
    "ActivateCurrentAccount",
    "ActivateEncryptedAccountInformation",
    "AuditInfo",
    "CurrentAccount",
    "CurrentFinancialAccountInformation",
    "DisablePaymentChannelsRequest",
    "DisablePaymentChannelsResponse",
    "DisabledPaymentChannels",
    "EncryptedAccountInformation",
    "NewAccount",
    "SearchRequest",
    "TokenActivateRequest",
    "TokenActivationMethodsRequest",
    "TokenCommentsRequest",
    "TokenDeleteRequest",
    "TokenRequestorSearchRequest",
    "TokenRequestorSearchResponse",
    "TokenResendActivationCodeRequest",
    "TokenResetMobilePinRequest",
    "TokenStatusHistoryRequest",
    "TokenSuspendRequest",
    "TokenUnsuspendRequest",
    "TokenUpdateRequest",
    "TransactionsRequest",
    "UpdateAccountData",
    "UpdateCurrentAccount",
    "UpdateEncryptedAccountInformation",
    "UpdateTokenAssuranceRequest",
]

#: ``"true"`` or ``"false"``, as the 2.1.7 flags are sent (length 4..5).
_FLAG = choice("true", "false")


_ALPHA3 = matches("[A-Z]{3}", "three upper-case letters (ISO 3166-1 alpha-3)")


def _tur(min_len: int = 48, max_len: int = 64) -> Any:
    return field(metadata=wire(*ident(min_len, max_len)))


@frozen(kw_only=True, repr=False)
class AuditInfo(MaskedRepr):
    """Who made the request: 2.1.7 asks for at least 4 characters in each member."""

    user_id: str = field(metadata=wire(*text(4, 50)))
    user_name: str = field(metadata=wire(*text(4, 200)))
    organization: str = field(metadata=wire(*text(4, 200)))
    phone: str | None = field(default=None, metadata=wire(*text(4, 20)))


# --- EncryptedAccountInformation, plaintext form -------------------------------------------


@frozen(kw_only=True, repr=False)
class CurrentAccount(MaskedRepr):
    """``EncryptedData.CurrentAccount`` of a search: the one account identifier searched by."""

    __wire_rules__: ClassVar[tuple[Rule, ...]] = (
        exactly_one_of(
            "VirtualCardNumber",
            "AccountPan",
            "Token",
            "AlternateAccountIdentifier",
            "FinancialAccountId",
        ),
    )

    virtual_card_number: str | None = pan_field()
    account_pan: str | None = pan_field()
    token: str | None = pan_field()
    alternate_account_identifier: str | None = field(default=None, metadata=wire(*ident(9, 64)))
    financial_account_id: str | None = field(default=None, metadata=wire(*ident(9, 64)))


@frozen(kw_only=True, repr=False)
class AccountData(MaskedRepr):
    """``EncryptedData`` of a search, before encryption.

    ``CurrentAccount`` is required here although the specification's schema does not list
    it: the envelope is to be sent "only when account data is sent", and a search by
    ``EncryptedAccountInformation`` without an account names nothing to find.
    """

    current_account: CurrentAccount


@frozen(kw_only=True, repr=False)
class EncryptedAccountInformation(MaskedRepr):
    """The account of a search, in plaintext form (``EncryptedData`` a JSON object).

    ``PublicKeyFingerprint`` (32..64 hex), ``EncryptedKey`` (32..512 hex),
    ``OaepHashingAlgorithm`` (``SHA256`` or ``SHA512``) and ``Iv`` (16 bytes, 32 hex) are
    added by encryption and optional in this form.
    """

    encrypted_data: AccountData
    public_key_fingerprint: str | None = field(
        default=None, metadata=wire(length(32, 64), hex_digits())
    )
    encrypted_key: str | None = field(default=None, metadata=wire(length(32, 512), hex_digits()))
    oaep_hashing_algorithm: str | None = field(
        default=None, metadata=wire(*choice("SHA256", "SHA512"))
    )
    iv: str | None = field(default=None, metadata=wire(length(32, 32), hex_digits()))


@frozen(kw_only=True, repr=False)
class ActivateCurrentAccount(MaskedRepr):
    """``EncryptedData.CurrentAccount`` of an activation: the account PAN, which the
    description of ``PaymentAppInstanceId`` names (``EncryptedData.AccountPan``); the other
    identifiers of the shared schema select no token to activate, so they are refused."""

    account_pan: str = field(metadata=wire(*pan()))


@frozen(kw_only=True, repr=False)
class ActivateAccountData(MaskedRepr):
    """``EncryptedData`` of an activation, before encryption."""

    current_account: ActivateCurrentAccount


@frozen(kw_only=True, repr=False)
class ActivateEncryptedAccountInformation(MaskedRepr):
    """The account of an activation by PAN, in plaintext form (see
    :class:`EncryptedAccountInformation` for the envelope members)."""

    encrypted_data: ActivateAccountData
    public_key_fingerprint: str | None = field(
        default=None, metadata=wire(length(32, 64), hex_digits())
    )
    encrypted_key: str | None = field(default=None, metadata=wire(length(32, 512), hex_digits()))
    oaep_hashing_algorithm: str | None = field(
        default=None, metadata=wire(*choice("SHA256", "SHA512"))
    )
    iv: str | None = field(default=None, metadata=wire(length(32, 32), hex_digits()))


@frozen(kw_only=True, repr=False)
class UpdateCurrentAccount(MaskedRepr):
    """``EncryptedData.CurrentAccount`` of an update: which tokens to update, by account PAN
    or by financial account (the rules that say so reach here from the request, since they
    tie these members to ``TokenUniqueReference``)."""

    virtual_card_number: str | None = pan_field()
    account_pan: str | None = pan_field()
    token: str | None = pan_field()
    alternate_account_identifier: str | None = field(default=None, metadata=wire(*ident(9, 64)))
    financial_account_id: str | None = field(default=None, metadata=wire(*ident(9, 64)))


@frozen(kw_only=True, repr=False)
class NewAccount(MaskedRepr):
    """``EncryptedData.NewAccount`` of an update: what the tokens are remapped to.

    ``AccountPanSequenceNumber`` is 2 or 3 digits in 2.1.7 ("000 to 099").
    """

    account_pan: str | None = pan_field()
    new_financial_account_id: str | None = field(default=None, metadata=wire(*ident(9, 64)))
    expiration_date: str | None = field(default=None, metadata=wire(*expiry()))
    account_pan_sequence_number: str | None = field(
        default=None, metadata=wire(length(2, 3), digits())
    )


@frozen(kw_only=True, repr=False)
class UpdateAccountData(MaskedRepr):
    """``EncryptedData`` of an update, before encryption: the current account, the new one,
    or both (an envelope that carries neither is refused)."""

    __wire_rules__: ClassVar[tuple[Rule, ...]] = (at_least_one_of("CurrentAccount", "NewAccount"),)

    current_account: UpdateCurrentAccount | None = None
    new_account: NewAccount | None = None


@frozen(kw_only=True, repr=False)
class UpdateEncryptedAccountInformation(MaskedRepr):
    """The accounts of an update (``UpdateEncryptedAccountInformation``), plaintext form."""

    encrypted_data: UpdateAccountData
    public_key_fingerprint: str | None = field(
        default=None, metadata=wire(length(32, 64), hex_digits())
    )
    encrypted_key: str | None = field(default=None, metadata=wire(length(32, 512), hex_digits()))
    oaep_hashing_algorithm: str | None = field(
        default=None, metadata=wire(*choice("SHA256", "SHA512"))
    )
    iv: str | None = field(default=None, metadata=wire(length(32, 32), hex_digits()))


@frozen(kw_only=True, repr=False)
class CurrentFinancialAccountInformation(MaskedRepr):
    """The financial account whose tokens an update touches (instead of a PAN).

    Both members are required: the specification makes each "present when
    ``FinancialAccountId`` is present", which is the only time this object is sent.
    ``CountryCode`` is ISO 3166-1 alpha-3.
    """

    interbank_card_association_id: str = field(metadata=wire(*ident(3, 11)))
    country_code: str = field(metadata=wire(length(3, 3), _ALPHA3))


# --- requests ------------------------------------------------------------------------------


@frozen(kw_only=True, repr=False)
class SearchRequest(MaskedRepr):
    """Find tokens by exactly one identifier (``POST /search``); the account identifiers
    are inside ``EncryptedAccountInformation``."""

    encrypted_account_information: EncryptedAccountInformation | None = None
    token_unique_reference: str | None = field(default=None, metadata=wire(*ident(48, 48)))
    payment_app_instance_id: str | None = field(default=None, metadata=wire(*ident(48, 64)))
    comment_id: str | None = field(default=None, metadata=wire(*ident(1, 48)))
    exclude_deleted_indicator: str | None = field(default=None, metadata=wire(*_FLAG))
    include_device_tokens_only: str | None = field(default=None, metadata=wire(*_FLAG))
    exclude_tokens_deleted_from_consumer_app: str | None = field(
        default=None, metadata=wire(*_FLAG)
    )
    audit_info: AuditInfo


@frozen(kw_only=True, repr=False)
class TokenActivateRequest(MaskedRepr):
    """Activate a token by TUR, or by account PAN (encrypted) with PaymentAppInstanceId.

    ReasonCode ``A``: authenticated through an activation method; ``C``: by a
    customer-service agent.
    """

    encrypted_account_information: ActivateEncryptedAccountInformation | None = None
    token_unique_reference: str | None = field(default=None, metadata=wire(*ident(48, 64)))
    payment_app_instance_id: str | None = field(default=None, metadata=wire(*ident(48, 64)))
    comment_text: str | None = field(default=None, metadata=wire(*text(1, 500)))
    reason_code: str = field(metadata=wire(*choice("A", "C")))
    audit_info: AuditInfo


@frozen(kw_only=True, repr=False)
class TokenUpdateRequest(MaskedRepr):
    """Remap tokens to a new account, expiry and PSN, or change their product configuration.

    The tokens: one by ``TokenUniqueReference``, every ACTIVE/SUSPENDED token of
    ``CurrentAccount.AccountPan``, or of ``CurrentAccount.FinancialAccountId`` with
    ``CurrentFinancialAccountInformation``. ``UpdateWalletProviderIndicator`` ``"0"`` passes
    the update to the wallet provider, ``"1"`` (the default) does not.
    """

    encrypted_account_information: UpdateEncryptedAccountInformation | None = None
    token_unique_reference: str | None = field(default=None, metadata=wire(*ident(48, 64)))
    issuer_product_configuration_id: str | None = field(default=None, metadata=wire(*ident(1, 10)))
    remove_alternate_account_identifier_suffix: str | None = field(
        default=None, metadata=wire(*_FLAG)
    )
    update_wallet_provider_indicator: str = field(default="1", metadata=wire(*choice("0", "1")))
    comment_text: str | None = field(default=None, metadata=wire(*text(1, 500)))
    current_financial_account_information: CurrentFinancialAccountInformation | None = None
    audit_info: AuditInfo


@frozen(kw_only=True, repr=False)
class TokenSuspendRequest(MaskedRepr):
    """Add the issuer as a suspender: ReasonCode ``L`` lost, ``S`` stolen, ``T`` fraudulent
    transactions reported, ``Z`` other."""

    token_unique_reference: str = _tur()
    comment_text: str | None = field(default=None, metadata=wire(*text(1, 500)))
    reason_code: str = field(metadata=wire(*choice("L", "S", "T", "Z")))
    audit_info: AuditInfo


@frozen(kw_only=True, repr=False)
class TokenUnsuspendRequest(MaskedRepr):
    """Lift the issuer's suspension: ReasonCode ``F`` found, ``T`` no fraud, ``Z`` other."""

    token_unique_reference: str = _tur()
    comment_text: str | None = field(default=None, metadata=wire(*text(1, 500)))
    reason_code: str = field(metadata=wire(*choice("F", "T", "Z")))
    audit_info: AuditInfo


@frozen(kw_only=True, repr=False)
class TokenDeleteRequest(MaskedRepr):
    """Delete a token.

    ReasonCode ``L`` lost, ``S`` stolen, ``T`` fraudulent transactions confirmed, ``C``
    account closed, ``D`` issuer consumer deleted, ``Z`` other; ``F`` is deprecated.
    ``DeleteFromConsumerApp`` ``"true"`` removes the token from the device and token
    requestor only (it stays active in MDES for past payments such as subscriptions);
    ``"false"`` deletes it everywhere.
    """

    token_unique_reference: str = _tur()
    comment_text: str | None = field(default=None, metadata=wire(*text(1, 500)))
    reason_code: str = field(
        metadata=wire(*choice("L", "S", "T", "C", "D", "Z", deprecated=("F",)))
    )
    delete_from_consumer_app: str | None = field(default=None, metadata=wire(*_FLAG))
    audit_info: AuditInfo


@frozen(kw_only=True, repr=False)
class TokenStatusHistoryRequest(MaskedRepr):
    """Past statuses of a token (AuditInfo optional)."""

    token_unique_reference: str = _tur()
    audit_info: AuditInfo | None = None


@frozen(kw_only=True, repr=False)
class TokenCommentsRequest(MaskedRepr):
    """All comments on a token (AuditInfo optional)."""

    token_unique_reference: str = _tur()
    audit_info: AuditInfo | None = None


@frozen(kw_only=True, repr=False)
class TransactionsRequest(MaskedRepr):
    """A token's transactions of the last 30 days."""

    token_unique_reference: str = _tur()
    audit_info: AuditInfo


@frozen(kw_only=True, repr=False)
class TokenActivationMethodsRequest(MaskedRepr):
    """Activation methods of a token awaiting activation (AuditInfo optional)."""

    token_unique_reference: str = _tur()
    audit_info: AuditInfo | None = None


@frozen(kw_only=True, repr=False)
class TokenResendActivationCodeRequest(MaskedRepr):
    """Send a new activation code through one of the token's activation methods."""

    token_unique_reference: str = _tur()
    activation_method_id: str = field(metadata=wire(*ident(4, 64)))
    audit_info: AuditInfo


@frozen(kw_only=True, repr=False)
class TokenResetMobilePinRequest(MaskedRepr):
    """Reset the Mobile PIN of a cloud token: ReasonCode ``N`` new PIN asked for, ``R`` PIN
    try counter exceeded."""

    token_unique_reference: str = _tur()
    comment_text: str | None = field(default=None, metadata=wire(*text(1, 500)))
    reason_code: str = field(metadata=wire(*choice("N", "R")))
    audit_info: AuditInfo


@frozen(kw_only=True, repr=False)
class UpdateTokenAssuranceRequest(MaskedRepr):
    """Raise a token's assurance level after extra cardholder authentication."""

    token_unique_reference: str = _tur()
    comment_text: str | None = field(default=None, metadata=wire(*text(1, 500)))
    audit_info: AuditInfo


@frozen(kw_only=True, repr=False)
class DisabledPaymentChannels(MaskedRepr):
    """The one payment channel to disable: ``CONTACTLESS``, ``MP_QR_CODE`` (merchant
    presented QR), ``CP_QR_CODE`` (consumer presented QR), ``ECOMMERCE`` (DSRP, in-app),
    ``P2P``, ``POS_SWIPE`` (MST, DMSD)."""

    disabled_channel: str | None = field(
        default=None,
        metadata=wire(
            *choice("CONTACTLESS", "MP_QR_CODE", "CP_QR_CODE", "ECOMMERCE", "P2P", "POS_SWIPE")
        ),
    )


@frozen(kw_only=True, repr=False)
class DisablePaymentChannelsRequest(MaskedRepr):
    """Disable a payment channel of a token, or enable them all again.

    ``EnableAllPaymentChannels`` is taken as false when absent; the specification's example
    sends ``"FALSE"``, so either case is accepted.
    """

    token_unique_reference: str = _tur(48, 48)
    disabled_payment_channels: DisabledPaymentChannels | None = None
    enable_all_payment_channels: str | None = field(
        default=None, metadata=wire(*choice("true", "false", "TRUE", "FALSE"))
    )
    audit_info: AuditInfo


@frozen(kw_only=True, repr=False)
class TokenRequestorSearchRequest(MaskedRepr):
    """Look up a token requestor by its id (6 to 11 characters, e.g. ``00212345678``)."""

    token_requestor_id: str = field(metadata=wire(*ident(6, 11)))
    audit_info: AuditInfo


# --- responses new in 2.1.7 ----------------------------------------------------------------


@frozen(kw_only=True, repr=False)
class DisablePaymentChannelsResponse(MaskedRepr):
    """Answer of ``/token/disablepaymentchannels``: the channels now disabled."""

    disabled_payment_channels: DisabledPaymentChannels | None = None


@frozen(kw_only=True, repr=False)
class TokenRequestorSearchResponse(MaskedRepr):
    """Answer of ``/tokenrequestorsearch``: the token requestor's legal name and, when it
    has one, the name shown to consumers (UTF-8)."""

    token_requestor_id: str | None = optional(*ident(6, 11))
    token_requestor_name: str | None = optional(*text(1, 100))
    token_requestor_consumer_facing_entity_name: str | None = optional(*text(1, 100))
