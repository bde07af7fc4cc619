"""Field rules: small checks on one string value.

Each rule is a tiny callable object with a readable ``repr`` (it is also the rule catalogue's
text). Called with a value already known to be a ``str``, it returns ``None`` when the value
passes, or ``(code, message)``. A field's rules run in order and stop at the first error, so
a field gets at most one error from its own rules (type, then length, then format, then
check digit): an 8-digit PAN is ``too_short``, not also ``bad_check_digit``. A failure whose
code is in the rule's ``warning_codes`` (see :func:`severity_of`) is a warning: it is reported
and the chain goes on, so a warning never hides an error of a later rule.

All patterns match the whole value and use ``[0-9]``, never ``\\d`` (which accepts non-ASCII
digits).
"""

from __future__ import annotations

import re
from typing import ClassVar, Protocol

from attrs import field, frozen

from .masking import scrub
from .violations import Severity

__all__ = [
    "FieldRule",
    "digits",
    "hex_digits",
    "iso_timestamp",
    "length",
    "luhn",
    "matches",
    "mmyy",
    "no_control",
    "one_of",
    "path_segment",
    "printable",
    "severity_of",
]

Failure = tuple[str, str]


class FieldRule(Protocol):
    """A check of one string value: ``None`` when it passes, else ``(code, message)``."""

    def __call__(self, value: str) -> Failure | None: ...


@frozen(repr=False)
class length:  # noqa: N801 - named like the other rule constructors
    """The value has between ``min`` and ``max`` characters (``max=None``: no upper bound)."""

    min: int = 0
    max: int | None = None

    def __call__(self, value: str) -> Failure | None:
        n = len(value)
        if n < self.min:
            return "too_short", f"must be at least {self.min} characters long, got {n}"
        if self.max is not None and n > self.max:
            return "too_long", f"must be at most {self.max} characters long, got {n}"
        return None

    def __repr__(self) -> str:
        if self.max is None:
            return f"length >= {self.min}"
        if self.min == self.max:
            return f"length {self.min}"
        return f"length {self.min}..{self.max}"


@frozen(repr=False)
class matches:  # noqa: N801
    """The whole value matches ``pattern``; ``description`` says the form in words.

    ``portable`` is the same form as an ECMA 262 regular expression (the dialect of JSON
    Schema, :mod:`mdesrules.openapi`) when ``pattern`` is not one, or states less than it can
    there: a range of lone surrogates is Python only. ``None``: ``pattern`` is portable.

    ``pan_free`` says that no value the pattern admits holds a PAN-shaped number (a
    date's digit groups are too short): the ``pan_in_text`` scan of a value that passed
    can be left out (:mod:`mdesrules.pan_text`). A property test holds each such pattern to it.
    """

    pattern: str
    description: str
    portable: str | None = field(default=None, kw_only=True)
    pan_free: bool = field(default=False, kw_only=True)
    _regex: re.Pattern[str] = field(init=False, eq=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_regex", re.compile(self.pattern))

    def __call__(self, value: str) -> Failure | None:
        if self._regex.fullmatch(value) is None:
            return "bad_format", f"must be {self.description}"
        return None

    def __repr__(self) -> str:
        return self.description


def digits() -> matches:
    """Only the ASCII digits 0-9."""
    return matches("[0-9]+", "only the digits 0-9")


def printable() -> matches:
    """Printable ASCII without spaces: the form of MDES identifiers."""
    return matches("[!-~]+", "printable ASCII without spaces")


def path_segment() -> matches:
    """A value sent as one URL path segment: ASCII letters, digits, ``-`` and ``_`` only, so
    nothing (``/``, ``?``, ``#``, ``%``, ``..``, spaces, non-ASCII) can leave the segment."""
    return matches("[A-Za-z0-9_-]+", "a URL path segment of ASCII letters, digits, - and _")


def no_control() -> matches:
    """Free text without control characters (tab and line breaks allowed)."""
    return matches(
        "[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f\\ud800-\\udfff]*",
        "text without control characters or unpaired surrogates",
        # JSON Schema engines with Unicode regexes refuse a class of lone surrogates.
        portable="[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]*",
    )


def hex_digits() -> matches:
    """Hexadecimal digits, either case (``0-9``, ``a-f``, ``A-F``)."""
    return matches("[0-9A-Fa-f]+", "hexadecimal digits 0-9, a-f")


#: ISO 8601 extended date and time as MDES sends it: ``YYYY-MM-DDThh:mm:ss[.s{1,3}]`` then
#: ``Z`` or an offset ``+hh:mm`` / ``-hh:mm``. It admits day 31 of any month and year 0000:
#: :class:`iso_timestamp` refuses the dates that do not exist.
_ISO_TIMESTAMP = (
    "[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    "T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,3})?"
    "(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])"
)

#: The months' names in messages, in English whatever the locale (``calendar.month_name``
#: follows ``LC_TIME``).
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


@frozen(repr=False)
class iso_timestamp:  # noqa: N801
    """An ISO 8601 extended timestamp of a date that exists: ``YYYY-MM-DDThh:mm:ss[.sss]``
    with ``Z`` or ``±hh:mm``.

    The form is :attr:`pattern` (a regular expression, exported as such to JSON Schema with
    ``format: date-time``); then the date must be on the calendar, leap years included: no
    ``2023-02-29``, ``2024-02-30``, ``2024-04-31`` or year ``0000``, which name no moment
    and :meth:`datetime.datetime.fromisoformat` cannot read. A value passes exactly when it has
    the form and ``fromisoformat`` reads it. Both failures are ``bad_format``. No value that
    passes holds a PAN-shaped number (``pan_free``: its digit groups are too short).
    """

    pattern: ClassVar[str] = _ISO_TIMESTAMP
    description: ClassVar[str] = (
        "an ISO 8601 timestamp YYYY-MM-DDThh:mm:ss[.sss] with Z or +hh:mm, of a date that exists"
    )
    pan_free: ClassVar[bool] = True

    def __call__(self, value: str) -> Failure | None:
        if _TIMESTAMP_MATCH(value) is None:
            return "bad_format", f"must be {self.description}"
        return _date_fault(value)

    def __repr__(self) -> str:
        return self.description


_TIMESTAMP_MATCH = re.compile(_ISO_TIMESTAMP).fullmatch


def _date_fault(value: str) -> Failure | None:
    """The ``bad_format`` failure of a *value* of :class:`iso_timestamp`'s form whose date
    does not exist (day 29 to 31 of a month without it, year 0000), else ``None``.

    Reads the fixed places of the form: year ``value[0:4]``, month ``[5:7]``, day ``[8:10]``.
    Days 01 to 28 of years 0001 on always exist, and most values end there.
    """
    year, day = value[:4], value[8:10]
    if day <= "28" and year != "0000":
        return None
    if year == "0000":
        return "bad_format", "must be a date that exists: there is no year 0000, 0001 is the first"
    y, month = int(year), int(value[5:7])
    days = _days_in(y, month)
    if int(day) <= days:
        return None
    name = _MONTHS[month - 1]
    return "bad_format", f"must be a date that exists: {name} {year} has {days} days, not {day}"


def _days_in(year: int, month: int) -> int:
    """The days of *month* (1 to 12) of *year* in the Gregorian calendar, as
    ``calendar.monthrange`` gives them (without importing it and its locale machinery)."""
    if month == 2:
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        return 29 if leap else 28
    return 30 if month in (4, 6, 9, 11) else 31


def mmyy() -> matches:
    """An expiry date as MMYY with month 01-12."""
    return matches("(0[1-9]|1[0-2])[0-9]{2}", "a date as MMYY with month 01-12", pan_free=True)


@frozen(repr=False)
class luhn:  # noqa: N801
    """The last digit is the Luhn (mod 10) check digit of the others. Expects ASCII digits."""

    def __call__(self, value: str) -> Failure | None:
        if value.isascii() and value.isdigit():
            wrong = not luhn_digits_ok(value)
        else:  # not digits: the rule before it in the chain (digits) reports that
            wrong = sum(_doubled(ord(ch) - 48, i) for i, ch in enumerate(reversed(value))) % 10 != 0
        if wrong:
            return "bad_check_digit", "has a wrong Luhn check digit"
        return None

    def __repr__(self) -> str:
        return "valid Luhn check digit"


@frozen(repr=False)
class one_of:  # noqa: N801
    """The value is one of ``values``; values in ``deprecated`` pass with a warning.

    With ``unknown_is_warning`` a value outside the set is a ``not_allowed_value`` warning,
    not an error: for value sets that MDES may extend without notice (``eventReasonCode``).
    """

    values: tuple[str, ...]
    deprecated: tuple[str, ...] = ()
    unknown_is_warning: bool = False
    _allowed: str = field(init=False, eq=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_allowed", ", ".join(repr(v) for v in self.values))

    @property
    def warning_codes(self) -> tuple[str, ...]:
        """The codes this rule reports as warnings."""
        if self.unknown_is_warning:
            return ("deprecated_value", "not_allowed_value")
        return ("deprecated_value",)

    def __call__(self, value: str) -> Failure | None:
        if value in self.values:
            return None
        if value in self.deprecated:
            return "deprecated_value", f"{value!r} is deprecated by MDES"
        shown = scrub(value)
        if len(shown) > 12:
            shown = shown[:12] + "..."
        return "not_allowed_value", f"must be one of {self._allowed}, got {scrub(repr(shown))}"

    def __repr__(self) -> str:
        text = "one of " + ", ".join(repr(v) for v in self.values)
        if self.deprecated:
            text += " (deprecated: " + ", ".join(repr(v) for v in self.deprecated) + ")"
        if self.unknown_is_warning:
            text += " (other values: warning)"
        return text


def luhn_digits_ok(value: str) -> bool:
    """Whether the ASCII digits *value* end with the Luhn check digit of the others.

    The digits in odd places from the right count as they are, the others doubled with the
    digits of the product summed; by byte sums, since a PAN is checked for every request.
    The compiled checks write the same expression inline (``compiler._luhn``).
    """
    data = value.encode()
    return (sum(data[-1::-2] + data[-2::-2].translate(_DOUBLED)) - 48 * len(data)) % 10 == 0


_DOUBLED = bytes.maketrans(b"0123456789", b"0246813579")  # 2d, or 2d - 9 when over 9


def _doubled(d: int, place: int) -> int:
    if place % 2:
        d *= 2
        if d > 9:
            d -= 9
    return d


def severity_of(rule: FieldRule, code: str) -> Severity:
    """The severity of a failure *code* of *rule*: a warning when the rule lists the code in
    its ``warning_codes`` (``deprecated_value`` by default), else an error."""
    warnings: tuple[str, ...] = getattr(rule, "warning_codes", ("deprecated_value",))
    return "warning" if code in warnings else "error"
