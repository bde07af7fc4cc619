"""Field rule bundles shared by the models (one name per kind of MDES value)."""

from __future__ import annotations

from typing import Any

from attrs import field

from ..fields import (
    FieldRule,
    digits,
    iso_timestamp,
    length,
    luhn,
    mmyy,
    no_control,
    one_of,
    printable,
)
from ..schema import wire


def pan() -> tuple[FieldRule, ...]:
    """An account PAN or token number: 9 to 19 digits with a valid Luhn check digit."""
    return (length(9, 19), digits(), luhn())


def ident(min_len: int, max_len: int | None) -> tuple[FieldRule, ...]:
    """An identifier (TUR, PaymentAppInstanceId, ids): printable ASCII, no spaces."""
    return (length(min_len, max_len), printable())


def text(min_len: int, max_len: int | None) -> tuple[FieldRule, ...]:
    """Free text without control characters."""
    return (length(min_len, max_len), no_control())


def expiry() -> tuple[FieldRule, ...]:
    """An expiry date, MMYY."""
    return (length(4, 4), mmyy())


def date_time(min_len: int, max_len: int) -> tuple[FieldRule, ...]:
    """A date and time, ISO 8601 ``YYYY-MM-DDThh:mm:ss[.sss]`` with ``Z`` or ``±hh:mm``, of
    *min_len* to *max_len* characters (2.1.7 sends exactly 24, ``2015-01-21T00:04:35.000Z``)."""
    return (length(min_len, max_len), iso_timestamp())


def choice(*values: str, deprecated: tuple[str, ...] = ()) -> tuple[FieldRule, ...]:
    """One value of an enumeration (MDES sends every scalar as a string)."""
    return (one_of(values, deprecated),)


def psn(max_len: int) -> tuple[FieldRule, ...]:
    """A PAN sequence number: 1 to *max_len* digits."""
    return (length(1, max_len), digits())


def optional(*rules: FieldRule) -> Any:
    """An optional member (``None`` when absent) with field *rules*."""
    return field(default=None, metadata=wire(*rules))


def pan_field() -> Any:
    """An optional PAN member (9 to 19 digits, Luhn)."""
    return field(default=None, metadata=wire(*pan()))
