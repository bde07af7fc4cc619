"""Card numbers where they do not belong: the ``pan_in_text`` scan of every string.

MDES keeps ``CommentText`` with the token's history and shows ``AuditInfo`` to its staff; a
token reference or a comment id is logged by every system it passes through. A full card
number in any of them puts cardholder data where PCI DSS forbids it, and no field rule
looks for one: a comment may hold digits, a TUR is any printable ASCII. So every string of
every request that is not a PAN field, and the name of every unknown member, is scanned for
a *PAN-shaped* number, whatever the operation, and a hit is the violation ``pan_in_text``,
naming the field, never the number.

PAN-shaped: 13 to 19 ASCII digits with a valid Luhn check digit, the first 1 to 9 (a PAN
starts with its major industry identifier, ISO/IEC 7812, so a zero-padded id is not one),
written in one run or in groups joined by single spaces or dashes (``5123 4567 8901
2346``), and standing as a word: not touching a letter or digit (the digit runs inside
a token reference such as ``DWSPMC`` followed by hex digits are not PANs), not the
integer part, decimals or thousands of an amount (digits before a decimal point), not after
a ``+`` (an international phone number). A run of groups is one number: a run of 20
digits is not a PAN, nor is any part of it.

Each string field gets one of four treatments, decided once per field when its model's
:class:`~mdesrules.schema.ObjectSpec` is built, by :data:`PAN_POLICY`, a list of field names
(the canonical PascalCase wire names, so that the camelCase surfaces share it):

- a **PAN field** is not scanned: a field that carries the Luhn rule, one the policy names
  (``AlternateAccountIdentifier``, ``FinancialAccountId``, ...), and everything inside
  ``EncryptedData``, which is encrypted before it travels;
- **free text that MDES keeps** (``CommentText``, every member of ``AuditInfo``) is scanned
  for a PAN-shaped number anywhere in it, and a hit is an *error*;
- an **identifier** (``TokenUniqueReference``, ``CommentId``, ``PaymentAppInstanceId``,
  ...) is reported only when its *whole* value is PAN-shaped, a *warning*;
- any other string (names, descriptions, URLs, value-set fields) is scanned anywhere, a
  *warning*. So is the name of a member the object does not define (as free text inside
  ``AuditInfo``); its value is not: the member is an ``unknown_field`` already.

The severities are the defaults; ``Context(pan_in_text=...)`` (and ``mdesrules check
--pan-in-text``) makes every hit an error, every hit a warning, or turns the scan off.

The scan runs on every string of every request, so it is made cheap. No PAN-shaped number
fits in fewer than 13 characters, nor a whole one in more than 37, and most values stop at
that length test in a compiled check. An identifier then costs one anchored match, which
fails at its first character unless it is a digit; other text, a quick search for 13
digits, spaces or dashes in a row (on the bytes, in C, for a long string), and only a
string that has them the full search for a run of digits. The Luhn test runs only on a
candidate run.
"""

from __future__ import annotations

import re
from typing import Literal, Protocol, get_args

from attrs import frozen

from .fields import FieldRule, iso_timestamp, luhn, luhn_digits_ok, matches, one_of
from .violations import Violation

__all__ = [
    "FREE_TEXT",
    "IDENTIFIER",
    "PAN_MODES",
    "PAN_POLICY",
    "TEXT",
    "PanMode",
    "PanPolicy",
    "PanScan",
    "PanSeverities",
    "pan_found",
    "pan_severities",
    "pan_violation",
    "passing_excludes_pan",
    "whole_pan",
]

#: How ``pan_in_text`` is reported: ``"default"`` (an error in free text MDES keeps, a
#: warning elsewhere), ``"error"`` (every hit an error), ``"warning"`` (every hit a
#: warning), ``"off"`` (no scan).
PanMode = Literal["default", "error", "warning", "off"]
PAN_MODES: tuple[PanMode, ...] = get_args(PanMode)

#: Whether a hit is an error, indexed by whether the field is free text MDES keeps:
#: ``(other text, free text)``; ``None`` when the scan is off.
PanSeverities = tuple[bool, bool]

#: The severities of each mode.
SEVERITIES: dict[str, PanSeverities | None] = {
    "default": (False, True),
    "error": (True, True),
    "warning": (False, False),
    "off": None,
}
DEFAULT_SEVERITIES: PanSeverities = (False, True)


class _Configured(Protocol):
    """What the scan reads of a :class:`~mdesrules.context.Context` (which imports this)."""

    @property
    def pan_in_text(self) -> PanMode: ...


def pan_severities(context: _Configured | None) -> PanSeverities | None:
    """The severities a check with *context* gives ``pan_in_text``; ``None``: no scan."""
    if context is None:
        return DEFAULT_SEVERITIES
    return SEVERITIES[context.pan_in_text]


# A run of digits, in groups joined by single spaces or dashes, not after a letter or digit.
# The pattern starts with the digit class, so that the search skips to a digit in C; the
# look-behind then tests what comes before that first digit. The run is taken whole
# (possessively, each group by a one-character repeat, which the regex engine runs in a
# tight loop), and its length and what follows it are tested in Python, never by a
# look-ahead that could fail: so no part of a run is ever a candidate of its own, and the
# search stays linear however long the run.
_RUN = re.compile(r"[0-9](?<![^\W_][0-9])[0-9]*+(?:[ -][0-9]++)*+")
_ALNUM = re.compile(r"[^\W_]").match
_FIND_RUN = _RUN.search
#: The first step of :func:`whole_pan`, a match or ``None``: a digit 1 to 9, then digits in
#: groups joined by single spaces or dashes, and nothing else. Compiled checks call it
#: inline (it fails at the first character of most values), :func:`whole_pan` only on a
#: match; the number of digits is counted after it.
match_whole = re.compile(r"[1-9][0-9]*+(?:[ -][0-9]++)*+").fullmatch
#: A digit and 12 more digits, spaces or dashes: how every PAN-shaped number starts, found
#: faster than by the full search. The first test of :func:`pan_found` on a string of at
#: most :data:`LONG` characters; compiled checks call it inline.
near_run = re.compile(r"[0-9][0-9 -]{12}").search
#: A longer string is first told on its bytes (13 digits, spaces or dashes in a row, each
#: mapped to "1"), which C does several times faster than a regex scans prose.
LONG = 64
_RUN_BYTES = bytes(0x31 if b in b"0123456789 -" else 0x30 for b in range(256))
_THIRTEEN = b"1" * 13
_ASCII_DIGITS = frozenset("0123456789")


def _is_pan(run: str) -> bool:
    """Whether the digits of *run* (a run of ASCII digits, maybe in groups joined by single
    spaces or dashes) are 13 to 19 with a valid Luhn, the first 1 to 9: a PAN starts with
    its major industry identifier (ISO/IEC 7812), so a zero-padded id is not one."""
    if 13 <= len(run) <= 19 and run.isdigit():  # one run, the usual candidate
        digits = run
    else:
        digits = run.replace(" ", "").replace("-", "")
    return 13 <= len(digits) <= 19 and digits[0] != "0" and luhn_digits_ok(digits)


def _stands_alone(text: str, start: int, end: int) -> bool:
    """Whether the run ``text[start:end]`` is not an international phone number (after a
    ``+``), not part of an amount (after ``1.`` or ``1,``, before ``.5`` or ``,5``) and
    touches no letter or digit after it."""
    before = text[start - 1 : start]
    if before == "+":
        return False
    if before in (".", ",") and text[start - 2 : start - 1] in _ASCII_DIGITS:
        return False
    after = text[end : end + 1]
    if after in (".", ","):
        return text[end + 1 : end + 2] not in _ASCII_DIGITS
    return not after or _ALNUM(after) is None


def _run_bytes(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass").translate(_RUN_BYTES)


def pan_found(text: str) -> bool:
    """Whether a PAN-shaped number stands somewhere in *text* (see the module doc)."""
    if len(text) > LONG and _THIRTEEN not in _run_bytes(text):
        return False
    near = near_run(text)
    if near is None:  # most strings: no 13 digits, spaces and dashes in a row
        return False
    match = _FIND_RUN(text, near.start())  # no run starts before it
    while match is not None:
        start, end = match.span()
        if _is_pan(match.group()) and _stands_alone(text, start, end):
            return True
        match = _FIND_RUN(text, end)
    return False


def passing_excludes_pan(rules: tuple[FieldRule, ...]) -> bool:
    """Whether a value that passes every one of *rules* cannot hold a PAN-shaped number: one
    of them is a value set none of whose values holds one, a pattern marked ``pan_free``, or
    a timestamp (:class:`~mdesrules.fields.iso_timestamp`).
    A compiled check then scans such a field only when its rules reported something."""
    for rule in rules:
        if type(rule) is one_of:
            # Any other value is reported (as an error, or a warning when deprecated or
            # when the set may grow), so only these pass silently.
            if not any(pan_found(v) for v in rule.values):
                return True
        elif (type(rule) is matches and rule.pan_free) or type(rule) is iso_timestamp:
            return True
    return False


def whole_pan(value: str) -> bool:
    """Whether the whole of *value* is a PAN-shaped number."""
    return match_whole(value) is not None and _is_pan(value)


@frozen(repr=False)
class PanScan:
    """How one string field is scanned for a card number.

    Attributes:
        whole: only the whole value counts (identifiers); otherwise a number anywhere.
        free_text: the field is free text that MDES keeps, where a hit is an error by
            default (a warning elsewhere).
    """

    whole: bool = False
    free_text: bool = False

    def found(self, value: str) -> bool:
        """Whether *value* holds a PAN-shaped number where this scan looks."""
        return whole_pan(value) if self.whole else pan_found(value)

    def __repr__(self) -> str:
        severity = "error" if self.free_text else "warning"
        if self.whole:
            return f"not PAN-shaped as a whole ({severity})"
        return f"no PAN-shaped number ({severity})"


#: Any string that is neither a PAN field, free text MDES keeps nor an identifier.
TEXT = PanScan()
#: Free text that MDES keeps (``CommentText``, ``AuditInfo``).
FREE_TEXT = PanScan(free_text=True)
#: An identifier: reported only when the whole value is PAN-shaped.
IDENTIFIER = PanScan(whole=True)


def pan_violation(path: str, name: str, is_error: bool, whole: bool = False) -> Violation:
    """The ``pan_in_text`` violation of the string at *path* (named *name*).

    The message names the field, never the number, so it is safe to show as it is.
    """
    if whole:
        said = f"{name} is shaped like a card number (13 to 19 digits with a valid Luhn check"
        said += " digit): a PAN must never be sent as an identifier"
    else:
        said = f"{name} holds a number shaped like a card number (13 to 19 digits with a valid"
        said += " Luhn check digit): a PAN must never travel here; remove the number"
    return Violation("pan_in_text", path, (path,), said, "error" if is_error else "warning")


@frozen
class PanPolicy:
    """Which string fields are scanned for card numbers, and how (see the module doc).

    Fields are named by their canonical (PascalCase) wire name. A name given for an object
    field applies to every string inside it, at any depth.

    Attributes:
        pans: fields that hold account numbers (besides those with the Luhn rule): not
            scanned, nor is anything inside them.
        free_text: free text that MDES keeps: a hit is an error by default.
        identifiers: identifiers: reported only when the whole value is PAN-shaped.
    """

    pans: frozenset[str]
    free_text: frozenset[str]
    identifiers: frozenset[str]

    def scan(
        self, name: str, rules: tuple[FieldRule, ...], within: PanScan | None
    ) -> PanScan | None:
        """The scan of the string field *name* with *rules*, in an object scanned as
        *within* (``None``: inside a PAN field); ``None`` when it is not scanned."""
        if within is None or name in self.pans or any(type(r) is luhn for r in rules):
            return None
        if within.free_text or name in self.free_text:
            return FREE_TEXT
        if name in self.identifiers:
            return IDENTIFIER
        return TEXT

    def inside(self, name: str, within: PanScan | None) -> PanScan | None:
        """How the strings inside the object field *name* are scanned, in an object
        scanned as *within*: ``None`` inside a PAN field, :data:`FREE_TEXT` inside free
        text, :data:`TEXT` otherwise (also for its unknown members)."""
        if within is None or name in self.pans:
            return None
        if within.free_text or name in self.free_text:
            return FREE_TEXT
        return TEXT


#: The policy of every API surface. MDES names a field alike in every version (and the
#: camelCase surfaces are renamed from the same PascalCase names), so one list serves all.
PAN_POLICY = PanPolicy(
    pans=frozenset(
        {
            # PAN-type account identifiers (those with the Luhn rule need no listing).
            "AccountPan",
            "CurrentAccountPan",
            "NewAccountPan",
            "Token",
            "VirtualCardNumber",
            "AlternateAccountIdentifier",
            "FinancialAccountId",
            "NewFinancialAccountId",
            # Parts of a PAN, which the specs send on purpose (a notification's prefix).
            "AccountPanPrefix",
            "AccountPanSuffix",
            "TokenPanSuffix",
            # Encrypted before it travels: the 2.1.7+ account data, a notification's payload.
            "EncryptedData",
            # CyberSource TMS token ids, which TMS may issue as format-preserving numbers
            # that pass the Luhn check (19 digits starting with 7, or 16): its card numbers.
            "InstrumentIdentifierId",
            "TokenId",
        }
    ),
    free_text=frozenset({"CommentText", "AuditInfo"}),
    identifiers=frozenset(
        {
            # MDES Customer Service API and the legacy update.
            "TokenUniqueReference",
            "CommentId",
            "PaymentAppInstanceId",
            "CardholderId",
            "ActivationMethodId",
            "IssuerProductConfigurationId",
            "TokenRequestorId",
            "InterbankCardAssociationId",
            "AuthRequestCorrelationId",
            # The hex of an encryption envelope.
            "PublicKeyFingerprint",
            "EncryptedKey",
            "Iv",
            "Tag",
            "Aad",
            # Notifications.
            "RequestId",
            "ResponseHost",
            "BrandLogoAssetId",
            "IssuerLogoAssetId",
            "CoBrandLogoAssetId",
            "CardBackgroundCombinedAssetId",
            "CardBackgroundAssetId",
            "IconAssetId",
            # CyberSource TMS.
            "ProfileId",
            "ClientCorrelationId",
            "Id",
            "Data",
            "RelyingPartyId",
        }
    ),
)
