"""Objects shared by many MDES requests and responses."""

from __future__ import annotations

from attrs import field, frozen

from ..schema import wire
from ._base import MaskedRepr
from ._rules import text

__all__ = ["AuditInfo"]


@frozen(kw_only=True, repr=False)
class AuditInfo(MaskedRepr):
    """Who made the request, for MDES's audit trail; required in almost every request.

    Lengths per MDES CS API 2.0.7 (UserId up to 50, UserName and Organization up to 200, Phone
    up to 20). The three required members must not be empty.
    """

    user_id: str = field(metadata=wire(*text(1, 50)))
    user_name: str = field(metadata=wire(*text(1, 200)))
    organization: str = field(metadata=wire(*text(1, 200)))
    phone: str | None = field(default=None, metadata=wire(*text(1, 20)))
