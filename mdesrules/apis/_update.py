"""What the Customer Service API's token update and the legacy update share: the payload an
update must carry and the rules on it, written once for both surfaces."""

from __future__ import annotations

from ..combinators import at_least_one_of, forbids
from ..state_rules import SameAccountRange, TargetToken

__all__ = ["UPDATE_PAYLOAD", "UPDATE_RULES", "UPDATE_STATE"]

#: What a token update can change: at least one must be sent.
UPDATE_PAYLOAD = (
    "NewAccountPan",
    "ExpirationDate",
    "AccountPanSequenceNumber",
    "IssuerProductConfigurationId",
)

#: A product configuration change goes alone; anything else needs something to change.
UPDATE_RULES = (
    forbids(
        "IssuerProductConfigurationId",
        "NewAccountPan",
        "ExpirationDate",
        "AccountPanSequenceNumber",
    ),
    at_least_one_of(
        *UPDATE_PAYLOAD,
        code="nothing_to_update",
        message="the update changes nothing: send NewAccountPan, ExpirationDate, "
        "AccountPanSequenceNumber or IssuerProductConfigurationId",
    ),
)

#: An update targets an ACTIVE or SUSPENDED token and keeps the PAN in its account range.
UPDATE_STATE = (
    TargetToken("update", pan="CurrentAccountPan"),
    SameAccountRange(),
)
