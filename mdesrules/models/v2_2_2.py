"""Request models of the MDES Customer Service API 2.2.2, in their plaintext form.

2.2.2 keeps the shapes and rules of 2.1.7 (:mod:`mdesrules.models.v2_1_7`) except where
listed here; every class that does not change is that of 2.1.7, imported, not copied:

- ``EncryptedAccountInformation`` gains ``algorithmCipherMode`` (``CBC`` or ``GCM``), ``tag``
  and ``aad`` (GCM only), and its ``Iv`` is 24..32 hex (12 bytes for GCM, 16 for CBC). The
  envelope's lengths and values are :mod:`mdesrules.account_encryption`'s, which encrypts and
  decrypts it; as in 2.1.7, the envelope members are optional in this form and checked when
  sent.
- Search takes filters (``TokenStatusCodes``, ``TokenTypes``, ``TokenRequestorId``,
  ``CompactResponse``), ``InterbankCardAssociationId`` and ``CountryCode`` (required with a
  ``FinancialAccountId`` or ``AlternateAccountIdentifier``) and paging (``PageInfo``); its
  ``TokenUniqueReference`` is 48..64, as is that of ``DisablePaymentChannels``.
- ``NotifyAuthenticationDecision`` is new: camelCase and unwrapped.

The responses are in :mod:`mdesrules.models.responses_2_2_2`; the search's and the
authentication decision's are named here too.

Where the specification types a member ``number`` or ``boolean`` yet gives it string lengths
(``PageInfo.Offset`` 1..5, ``PageInfo.Limit`` 1..2, ``InterbankCardAssociationId`` 3..11,
``CompactResponse`` 4..5), and every example sends a string, the member is a string: digits
for the numbers, ``"true"``/``"false"`` for the flag, as every other MDES scalar.

.. versionadded:: unreleased
"""

from __future__ import annotations

from typing import ClassVar

from attrs import field, frozen

from ..account_encryption import CIPHER_MODES, ENVELOPE_LENGTHS
from ..combinators import Rule, equals, only_when, requires, when
from ..encryption import OAEP_HASHES
from ..fields import digits, hex_digits, length, matches
from ..schema import wire
from ._base import MaskedRepr
from ._rules import choice, ident, text
from .responses_2_2_2 import (
    NotifyAuthenticationDecisionResponse,
    PageInfoResults,
    SearchResponse,
)
from .v2_1_7 import (
    _ALPHA3,
    _FLAG,
    AccountData,
    ActivateAccountData,
    AuditInfo,
    CurrentFinancialAccountInformation,
    DisabledPaymentChannels,
    UpdateAccountData,
)

__all__ = [
    "ActivateEncryptedAccountInformation",
    "DisablePaymentChannelsRequest",
    "EncryptedAccountInformation",
    "Envelope",
    "NotifyAuthenticationDecisionRequest",
    "NotifyAuthenticationDecisionResponse",
    "PageInfo",
    "PageInfoResults",
    "SearchRequest",
    "SearchResponse",
    "TokenActivateRequest",
    "TokenUpdateRequest",
    "UpdateEncryptedAccountInformation",
]

_LENGTHS = ENVELOPE_LENGTHS["2.2.2"]
_MODE = "algorithmCipherMode"

#: ``Offset``: 1 to 5 digits; ``Limit``: 1 to 20 ("accepted maximum value of 20").
_OFFSET = (length(1, 5), digits())
_LIMIT = (length(1, 2), matches("[1-9]|1[0-9]|20", "a number from 1 to 20"))


# --- EncryptedAccountInformation, plaintext form -------------------------------------------


@frozen(kw_only=True, repr=False)
class Envelope(MaskedRepr):
    """The members that encryption adds to ``EncryptedAccountInformation`` in 2.2.2.

    Optional in the plaintext form, checked when sent: ``PublicKeyFingerprint`` 32..64,
    ``EncryptedKey`` 32..512 hex, ``OaepHashingAlgorithm`` ``SHA256``/``SHA512``, ``Iv``
    24..32 hex, ``algorithmCipherMode`` ``CBC``/``GCM``, and ``tag`` and ``aad`` (1..36 hex)
    "required when algorithmCipherMode used is GCM, not present otherwise" (so a ``tag``
    without ``algorithmCipherMode``, CBC by default, is refused too). The IV's size for the
    mode (12 bytes GCM, 16 CBC) is checked on the encrypted form only.
    """

    __wire_rules__: ClassVar[tuple[Rule, ...]] = (
        when(equals(_MODE, "GCM"), requires(_MODE, "tag", "aad")),
        only_when("tag", _MODE, "GCM", "CBC"),
        only_when("aad", _MODE, "GCM", "CBC"),
        requires("tag", _MODE),
        requires("aad", _MODE),
    )

    public_key_fingerprint: str | None = field(
        default=None, metadata=wire(length(*_LENGTHS["PublicKeyFingerprint"]), hex_digits())
    )
    encrypted_key: str | None = field(
        default=None, metadata=wire(length(*_LENGTHS["EncryptedKey"]), hex_digits())
    )
    oaep_hashing_algorithm: str | None = field(default=None, metadata=wire(*choice(*OAEP_HASHES)))
    iv: str | None = field(default=None, metadata=wire(length(*_LENGTHS["Iv"]), hex_digits()))
    algorithm_cipher_mode: str | None = field(
        default=None, metadata=wire(*choice(*CIPHER_MODES), name=_MODE)
    )
    tag: str | None = field(
        default=None, metadata=wire(length(*_LENGTHS["tag"]), hex_digits(), name="tag")
    )
    aad: str | None = field(
        default=None, metadata=wire(length(*_LENGTHS["aad"]), hex_digits(), name="aad")
    )


@frozen(kw_only=True, repr=False)
class EncryptedAccountInformation(Envelope):
    """The account of a search, in plaintext form (``EncryptedData`` a JSON object)."""

    encrypted_data: AccountData


@frozen(kw_only=True, repr=False)
class ActivateEncryptedAccountInformation(Envelope):
    """The account of an activation by PAN, in plaintext form."""

    encrypted_data: ActivateAccountData


@frozen(kw_only=True, repr=False)
class UpdateEncryptedAccountInformation(Envelope):
    """The accounts of an update (``UpdateEncryptedAccountInformation``), plaintext form."""

    encrypted_data: UpdateAccountData


# --- requests ------------------------------------------------------------------------------


@frozen(kw_only=True, repr=False)
class PageInfo(MaskedRepr):
    """The page of a search: ``Offset`` (the first token, a multiple of ``Limit``) and
    ``Limit`` (tokens per page, at most 20)."""

    offset: str = field(metadata=wire(*_OFFSET))
    limit: str = field(metadata=wire(*_LIMIT))


@frozen(kw_only=True, repr=False)
class SearchRequest(MaskedRepr):
    """Find tokens by exactly one identifier (``POST /search``), with 2.2.2's filters and
    paging; the account identifiers are inside ``EncryptedAccountInformation``.

    ``TokenStatusCodes``: ``U`` unmapped, ``A`` active, ``S`` suspended, ``D`` deleted.
    ``TokenTypes``: ``S`` embedded secure element, ``C`` Mastercard Cloud-Based Payments,
    ``F`` card on file. ``CompactResponse`` ``"true"`` returns only a few members per token.
    """

    encrypted_account_information: EncryptedAccountInformation | None = None
    token_unique_reference: str | None = field(default=None, metadata=wire(*ident(48, 64)))
    payment_app_instance_id: str | None = field(default=None, metadata=wire(*ident(48, 64)))
    comment_id: str | None = field(default=None, metadata=wire(*ident(1, 48)))
    exclude_deleted_indicator: str | None = field(default=None, metadata=wire(*_FLAG))
    include_device_tokens_only: str | None = field(default=None, metadata=wire(*_FLAG))
    exclude_tokens_deleted_from_consumer_app: str | None = field(
        default=None, metadata=wire(*_FLAG)
    )
    token_status_codes: tuple[str, ...] | None = field(
        default=None, metadata=wire(*choice("U", "A", "S", "D"))
    )
    token_types: tuple[str, ...] | None = field(default=None, metadata=wire(*choice("S", "C", "F")))
    token_requestor_id: str | None = field(default=None, metadata=wire(*ident(11, 11)))
    compact_response: str | None = field(default=None, metadata=wire(*_FLAG))
    interbank_card_association_id: str | None = field(
        default=None, metadata=wire(length(3, 11), digits())
    )
    country_code: str | None = field(default=None, metadata=wire(length(3, 3), _ALPHA3))
    page_info: PageInfo | None = None
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
    """Remap tokens to a new account, expiry and PSN, or change their product configuration
    (the fields of 2.1.7, with 2.2.2's envelope)."""

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
class DisablePaymentChannelsRequest(MaskedRepr):
    """Disable a payment channel of a token, or enable them all again (TUR 48..64 in 2.2.2).

    ``EnableAllPaymentChannels`` is taken as false when absent; either case is accepted.
    """

    token_unique_reference: str = field(metadata=wire(*ident(48, 64)))
    disabled_payment_channels: DisabledPaymentChannels | None = None
    enable_all_payment_channels: str | None = field(
        default=None, metadata=wire(*choice("true", "false", "TRUE", "FALSE"))
    )
    audit_info: AuditInfo


@frozen(kw_only=True, repr=False)
class NotifyAuthenticationDecisionRequest(MaskedRepr):
    """The issuer's decision after post-tokenization cardholder authentication.

    Sent camelCase and unwrapped (``{"tokenUniqueReference": ..., "auditInfo": {...}}``);
    ``auditInfo`` has the members and lengths of ``AuditInfo``. ``authenticationMethod``:
    ``Issuer Application`` or ``Web Portal``; ``decision``: ``SUCCESS`` or ``FAILED``.
    """

    token_unique_reference: str = field(metadata=wire(*ident(1, 64)))
    auth_request_correlation_id: str = field(metadata=wire(*ident(1, 64)))
    authentication_method: str = field(metadata=wire(*choice("Issuer Application", "Web Portal")))
    decision: str = field(metadata=wire(*choice("SUCCESS", "FAILED")))
    comment_text: str | None = field(default=None, metadata=wire(*text(1, 500)))
    audit_info: AuditInfo
