"""Models of the legacy MDES customer service ``POST api/Update`` (ASP.NET form).

The same request travels as camelCase JSON without a wrapper, or as DataContract XML whose
root element is ``UpdateRequest`` and whose member elements are PascalCase. Besides the TUR
and the current account PAN it accepts ``CardholderId`` as a third way to name the target.
"""

from __future__ import annotations

from attrs import field, frozen

from ..schema import wire
from ._base import MaskedRepr
from ._rules import choice, expiry, ident, pan_field, psn, text
from .common import AuditInfo

__all__ = ["LegacyDevice", "LegacySuspender", "LegacyToken", "LegacyTokenResponse", "UpdateRequest"]


@frozen(kw_only=True, repr=False)
class UpdateRequest(MaskedRepr):
    """The legacy update request (seed 004). The TUR is exactly 48 characters there."""

    token_unique_reference: str | None = field(default=None, metadata=wire(*ident(48, 48)))
    current_account_pan: str | None = pan_field()
    cardholder_id: str | None = field(default=None, metadata=wire(*ident(1, None)))
    new_account_pan: str | None = pan_field()
    expiration_date: str | None = field(default=None, metadata=wire(*expiry()))
    account_pan_sequence_number: str | None = field(default=None, metadata=wire(*psn(3)))
    issuer_product_configuration_id: str | None = field(default=None, metadata=wire(*ident(1, 10)))
    update_wallet_provider_indicator: str = field(default="1", metadata=wire(*choice("0", "1")))
    comment_text: str | None = field(default=None, metadata=wire(*text(1, 500)))
    audit_info: AuditInfo


@frozen(kw_only=True, repr=False)
class LegacySuspender(MaskedRepr):
    """One suspender of a token: ``I``, ``W``, ``C``, ``P`` or ``M``."""

    suspended_by: str


@frozen(kw_only=True, repr=False)
class LegacyDevice(MaskedRepr):
    """A device a token lives on."""

    device_id: str | None = None
    device_name: str | None = None
    device_type: str | None = None
    secure_element_id: str | None = None


@frozen(kw_only=True, repr=False)
class LegacyToken(MaskedRepr):
    """The token as the legacy API returns it after an update."""

    token_unique_reference: str | None = None
    primary_account_number_unique_reference: str | None = None
    token_suffix: str | None = None
    expiration_date: str | None = None
    account_pan_sequence_number: str | None = None
    activation_code_expiration_date_time: str | None = None
    correlation_id: str | None = None
    current_status_code: str | None = None
    current_status_description: str | None = None
    current_status_date_time: str | None = None
    digitization_request_date_time: str | None = None
    final_tokenization_decision: str | None = None
    last_comment_id: str | None = None
    payment_app_instance_id: str | None = None
    provisioning_status_code: str | None = None
    provisioning_status_description: str | None = None
    storage_technology: str | None = None
    suspender: tuple[LegacySuspender, ...] | None = field(
        default=None, metadata=wire(item="Suspender")
    )
    token_activated_date_time: str | None = None
    token_assurance_level: str | None = None
    token_requestor_id: str | None = None
    token_requestor_name: str | None = None
    token_type: str | None = None
    wallet_id: str | None = None
    devices: tuple[LegacyDevice, ...] | None = field(default=None, metadata=wire(item="Device"))
    token_deleted_from_consumer_app: str | None = None
    token_requestor_consumer_facing_entity_name: str | None = None


@frozen(kw_only=True, repr=False)
class LegacyTokenResponse(MaskedRepr):
    """``TokenResponse``: the updated token (member ``token`` in JSON and XML alike)."""

    token: LegacyToken | None = field(default=None, metadata=wire(name="token"))
