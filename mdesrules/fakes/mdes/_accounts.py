"""The account identifiers of a request, in whichever shape its API version sends them.

CS API 2.0.7 names the accounts at the top of the request (``AccountPan`` of a search or
an activation, ``CurrentAccountPan``, ``NewAccountPan``, ``ExpirationDate`` and
``AccountPanSequenceNumber`` of an update); from 2.1.7 on they are inside
``EncryptedAccountInformation.EncryptedData`` (``CurrentAccount``, ``NewAccount``), which the
simulator has decrypted before it structures the request. :func:`accounts_of` reads either
shape, so one behaviour of the simulator serves every version of an operation.
"""

from __future__ import annotations

from attrs import field, frozen

from mdesrules.masking import mask_pan

__all__ = ["Accounts", "accounts_of"]


def _masked(value: str | None) -> str:
    return repr(mask_pan(value) if value is not None else None)


@frozen
class Accounts:
    """What a request says about accounts; ``None`` where it says nothing.

    Attributes:
        current_pan: the account PAN whose tokens the request targets.
        financial_account_id: the financial account whose tokens it targets (2.1.7+).
        new_pan: the account PAN an update remaps the tokens to.
        new_expiry: the new expiry (MMYY) of the account.
        new_psn: the new PAN sequence number.
    """

    current_pan: str | None = field(default=None, repr=_masked)
    financial_account_id: str | None = field(default=None, repr=False)
    new_pan: str | None = field(default=None, repr=_masked)
    new_expiry: str | None = None
    new_psn: str | None = None


def accounts_of(request: object) -> Accounts:
    """The accounts of a request model of any CS API version (or of the legacy update)."""
    info = getattr(request, "encrypted_account_information", None)
    if info is not None:
        data = info.encrypted_data
        current = getattr(data, "current_account", None)
        new = getattr(data, "new_account", None)
        return Accounts(
            current_pan=getattr(current, "account_pan", None),
            financial_account_id=getattr(current, "financial_account_id", None),
            new_pan=getattr(new, "account_pan", None),
            new_expiry=getattr(new, "expiration_date", None),
            new_psn=getattr(new, "account_pan_sequence_number", None),
        )
    current_pan = getattr(request, "current_account_pan", None)
    return Accounts(
        current_pan=current_pan
        if current_pan is not None
        else getattr(request, "account_pan", None),
        new_pan=getattr(request, "new_account_pan", None),
        new_expiry=getattr(request, "expiration_date", None),
        new_psn=getattr(request, "account_pan_sequence_number", None),
    )
