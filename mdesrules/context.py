"""The issuer's own knowledge a token-state check needs: its token inventory and account ranges.

MDES decides some requests by the token's state (only ACTIVE or SUSPENDED tokens are updated)
and by the issuer's account ranges (a new PAN must lie in the current PAN's range). A
pre-flight check can apply those rules only with the same knowledge, so the issuer supplies
it: an inventory of its tokens and its account-range table. Account ranges are configuration,
never guessed from a BIN.

This module is pure: it validates records and lines that the caller has already read (parsed
JSON objects, CSV lines) and never opens a file. Its error messages say what to fix and never
hold a full PAN.
"""

from __future__ import annotations

import csv
import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Protocol

from attrs import field, frozen

from .exceptions import MdesRulesError
from .lifecycle import SUSPENDERS, Status, TokenState
from .masking import mask_pan, scrub
from .pan_text import PAN_MODES, PanMode

if TYPE_CHECKING:
    from .account_encryption import Keys

__all__ = [
    "TOKEN_TYPES",
    "AccountRange",
    "AccountRangeError",
    "AccountRanges",
    "Context",
    "Inventory",
    "InventoryError",
    "TokenRecord",
    "TokenSource",
]

_MAX_TUR = 64
_MAX_PAYMENT_APP_INSTANCE_ID = 48
_TOKEN_REQUESTOR_ID_LENGTHS = (6, 11)

#: The MDES ``TokenType`` codes (CS API 2.0.7 and 2.1.7) and what each stands for.
TOKEN_TYPES: Mapping[str, str] = MappingProxyType(
    {
        "S": "an Embedded Secure Element token",
        "C": "a Mastercard Cloud-Based Payments token",
        "F": "a static or card-on-file token",
    }
)
_PAN = re.compile(r"[0-9]{9,19}")
_JSON_TYPES = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}


def _type_name(value: object) -> str:
    """The JSON name of *value*'s type, since inventories and ranges come from JSON or CSV."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return "number"
    return _JSON_TYPES.get(type(value), type(value).__name__)


def _a_type(value: object) -> str:
    """'a string', 'an array', ...: the JSON type of *value* with its article."""
    name = _type_name(value)
    return f"{'an' if name[0] in 'aeiou' else 'a'} {name}"


def _show(value: object) -> str:
    """A short rendering of a bad value for a message: at most 20 characters of it, scrubbed."""
    if not isinstance(value, str):
        return _a_type(value)
    shown = scrub(value)
    return repr(shown[:20]) + ("..." if len(shown) > 20 else "")


def _is_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _digit_prefix(pan: str) -> int:
    """How many leading characters of *pan* are the digits 0-9."""
    return len(pan) - len(pan.lstrip("0123456789"))


class InventoryError(MdesRulesError, ValueError):
    """A token inventory record that cannot be used; the message says what to fix."""


class AccountRangeError(MdesRulesError, ValueError):
    """An account range that cannot be used; the message says what to fix."""


@frozen
class TokenRecord:
    """One token of the issuer's inventory.

    Its repr masks the account PAN, so a record can be logged or shown in a test failure.
    Constructing a record whose status and suspenders disagree raises ``ValueError`` (see
    :class:`~mdesrules.lifecycle.TokenState`).
    """

    token_unique_reference: str = field(repr=lambda tur: repr(scrub(tur)))
    account_pan: str = field(repr=lambda pan: repr(mask_pan(pan)))
    status: Status
    token_assurance_level: str | None = None
    suspenders: frozenset[str] = frozenset()
    #: The Payment App instance the token is provisioned to; ``None`` when not known.
    payment_app_instance_id: str | None = field(
        default=None, repr=lambda app: repr(scrub(app) if app is not None else None)
    )
    #: The MDES ``TokenType`` (one of :data:`TOKEN_TYPES`); ``None`` when not known.
    token_type: str | None = None
    #: The token requestor the token was issued to (``TokenRequestorId``, 6 to 11
    #: characters); ``None`` when not known. No rule reads it; the simulated MDES does.
    token_requestor_id: str | None = None

    def __attrs_post_init__(self) -> None:
        self.state  # noqa: B018 - building the state checks the lifecycle invariant

    @property
    def state(self) -> TokenState:
        """The token's lifecycle state, for the functions of :mod:`mdesrules.lifecycle`."""
        return TokenState(self.status, self.suspenders)


_REQUIRED = ("tokenUniqueReference", "accountPan", "status")
_KEYS = (
    *_REQUIRED,
    "tokenAssuranceLevel",
    "suspenders",
    "paymentAppInstanceId",
    "tokenType",
    "tokenRequestorId",
)


class Inventory:
    """The issuer's tokens, looked up by token unique reference or by account PAN.

    Records are added one at a time with :meth:`add` (or all at once with
    :meth:`from_records`), each validated as the inventory format of DESIGN.md section 5 says.
    Lookups are dictionary lookups, so an inventory of millions of tokens stays fast.
    """

    __slots__ = ("_by_pan", "_by_tur")

    def __init__(self) -> None:
        self._by_tur: dict[str, TokenRecord] = {}
        self._by_pan: dict[str, list[TokenRecord]] = {}

    @classmethod
    def from_records(cls, records: Iterable[Mapping[str, object]]) -> Inventory:
        """Build an inventory from parsed records (a JSON array, or JSON Lines one by one).

        Raises:
            InventoryError: at the first bad record, its message prefixed ``record N: ``
                (counted from 1).
        """
        inventory = cls()
        for number, record in enumerate(records, 1):
            try:
                inventory.add(record)
            except InventoryError as e:
                raise InventoryError(f"record {number}: {e}") from None
        return inventory

    def add(self, record: Mapping[str, object]) -> TokenRecord:
        """Validate one inventory record, add it, and return it as a :class:`TokenRecord`.

        Keys: ``tokenUniqueReference`` (1 to 64 characters), ``accountPan`` (9 to 19 digits),
        ``status`` (see :meth:`Status.parse`), optional ``tokenAssuranceLevel`` (1 to 3
        characters, or null), optional ``suspenders`` (a list of suspender codes, or
        null), optional ``paymentAppInstanceId`` (1 to 48 characters, or null), optional
        ``tokenType`` (``S``, ``C`` or ``F``, MDES's ``TokenType``, or null) and optional
        ``tokenRequestorId`` (6 to 11 characters, or null; the simulated MDES answers and
        filters searches with it). Any other key is an error: a misspelt column must not be
        silently ignored.

        .. versionchanged:: Unreleased
           ``paymentAppInstanceId``, ``tokenType`` and ``tokenRequestorId``.

        A SUSPENDED token listed without suspenders (key absent, null or empty) is taken as
        suspended by the issuer alone (``["I"]``): issuer systems often do not export who
        suspended a token, and the issuer is the one party whose suspension its own requests
        can lift. Suspenders on a token that is not SUSPENDED are an error.

        Raises:
            InventoryError: the record is invalid, or its token is already in the inventory.
        """
        if not isinstance(record, Mapping):
            raise InventoryError(f"a token record must be an object, got {_a_type(record)}")
        unknown = [key for key in record if key not in _KEYS]
        if unknown:
            raise InventoryError(
                f"unknown key {', '.join(map(_show, unknown))}; "
                f"a token record has only the keys {', '.join(_KEYS)}"
            )
        missing = [key for key in _REQUIRED if key not in record]
        if missing:
            raise InventoryError(f"missing key {', '.join(missing)}; every record needs it")

        tur = record["tokenUniqueReference"]
        if not isinstance(tur, str) or not 1 <= len(tur) <= _MAX_TUR:
            got = f"{len(tur)} characters" if isinstance(tur, str) else _show(tur)
            raise InventoryError(
                f"tokenUniqueReference must be a string of 1 to {_MAX_TUR} characters, got {got}"
            )
        pan = _account_pan(record["accountPan"])
        try:
            status = Status.parse(record["status"])
        except ValueError as e:
            raise InventoryError(f"status: {e}") from None
        level = _assurance_level(record.get("tokenAssuranceLevel"))
        suspenders = _suspenders(record.get("suspenders"), status)
        app = _payment_app_instance_id(record.get("paymentAppInstanceId"))
        token_type = _token_type(record.get("tokenType"))
        requestor = _token_requestor_id(record.get("tokenRequestorId"))
        if tur in self._by_tur:
            raise InventoryError(
                f"tokenUniqueReference {scrub(repr(tur))} is already in the inventory; "
                "list each token once"
            )

        token = TokenRecord(tur, pan, status, level, suspenders, app, token_type, requestor)
        self._by_tur[tur] = token
        self._by_pan.setdefault(pan, []).append(token)
        return token

    def by_tur(self, tur: str) -> TokenRecord | None:
        """The token with this token unique reference, or ``None``."""
        return self._by_tur.get(tur)

    def by_pan(self, pan: str) -> tuple[TokenRecord, ...]:
        """Every token of this account PAN, in the order added (empty when there is none)."""
        return tuple(self._by_pan.get(pan, ()))

    def __len__(self) -> int:
        return len(self._by_tur)

    def __iter__(self) -> Iterator[TokenRecord]:
        return iter(self._by_tur.values())

    def __contains__(self, tur: object) -> bool:
        return tur in self._by_tur

    def __repr__(self) -> str:
        n = len(self)
        return f"<Inventory {n} token{'' if n == 1 else 's'}>"


def _account_pan(value: object) -> str:
    if not isinstance(value, str):
        hint = "; write it in quotes" if _type_name(value) == "number" else ""
        raise InventoryError(f"accountPan must be a string of digits, got {_show(value)}{hint}")
    if _PAN.fullmatch(value) is None:
        if not _is_digits(value):
            raise InventoryError("accountPan must hold only the digits 0-9")
        raise InventoryError(f"accountPan has {len(value)} digits; it must have 9 to 19")
    return value


def _assurance_level(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not 1 <= len(value) <= 3:
        got = f"{len(value)} characters" if isinstance(value, str) else _show(value)
        raise InventoryError(
            f"tokenAssuranceLevel must be a string of 1 to 3 characters or null, got {got}"
        )
    return value


def _payment_app_instance_id(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not 1 <= len(value) <= _MAX_PAYMENT_APP_INSTANCE_ID:
        got = f"{len(value)} characters" if isinstance(value, str) else _show(value)
        raise InventoryError(
            f"paymentAppInstanceId must be a string of 1 to {_MAX_PAYMENT_APP_INSTANCE_ID} "
            f"characters or null, got {got}"
        )
    return value


def _token_requestor_id(value: object) -> str | None:
    if value is None:
        return None
    low, high = _TOKEN_REQUESTOR_ID_LENGTHS
    if not isinstance(value, str) or not low <= len(value) <= high:
        got = f"{len(value)} characters" if isinstance(value, str) else _show(value)
        raise InventoryError(
            f"tokenRequestorId must be a string of {low} to {high} characters or null, got {got}"
        )
    return value


def _token_type(value: object) -> str | None:
    if value is None or (isinstance(value, str) and value in TOKEN_TYPES):
        return value
    codes = ", ".join(f"{code} ({name.split(' ', 1)[1]})" for code, name in TOKEN_TYPES.items())
    raise InventoryError(f"tokenType must be one of {codes} or null, got {_show(value)}")


def _suspenders(value: object, status: Status) -> frozenset[str]:
    if value is None:
        value = []
    if not isinstance(value, list):
        raise InventoryError(
            f'suspenders must be a list of codes such as ["I"], got {_show(value)}'
        )
    bad = [code for code in value if not isinstance(code, str) or code not in SUSPENDERS]
    if bad:
        raise InventoryError(
            f"unknown suspender {', '.join(map(_show, bad))}; use {', '.join(sorted(SUSPENDERS))}"
        )
    if status is not Status.SUSPENDED:
        if value:
            raise InventoryError(
                f"a token with status {status.name} has no suspenders; "
                "drop suspenders or make the status SUSPENDED"
            )
        return frozenset()
    return frozenset(value) if value else frozenset({"I"})


@frozen
class AccountRange:
    """An account range of the issuer: PANs whose leading digits lie between two bounds.

    ``low`` and ``high`` are digit strings of the same length (at most 19, the longest PAN).
    A PAN is in the range when its first ``len(low)`` digits lie between them, inclusive, so
    the range ``541234,541299`` holds every PAN that starts with 541234 to 541299.

    Raises:
        AccountRangeError: the bounds are not such digit strings, or ``low > high``.
    """

    low: str = field(repr=lambda bound: repr(scrub(bound)))
    high: str = field(repr=lambda bound: repr(scrub(bound)))

    def __attrs_post_init__(self) -> None:
        for name, bound in (("low", self.low), ("high", self.high)):
            if not isinstance(bound, str):
                raise AccountRangeError(f"{name} must be a string of digits, got {_show(bound)}")
            if not bound:
                raise AccountRangeError(f"{name} is empty; give the range's {name} bound")
            if not _is_digits(bound):
                raise AccountRangeError(f"{name} {_show(bound)} must hold only the digits 0-9")
            if len(bound) > 19:
                raise AccountRangeError(
                    f"{name} has {len(bound)} digits; a bound has at most 19, as a PAN does"
                )
        if len(self.low) != len(self.high):
            raise AccountRangeError(
                f"low and high must have the same number of digits, got {len(self.low)} "
                f"and {len(self.high)}"
            )
        if self.low > self.high:
            raise AccountRangeError(
                scrub(f"low {self.low} is greater than high {self.high}; swap them")
            )

    def contains(self, pan: str) -> bool:
        """True when the first ``len(low)`` characters of *pan* are digits within the range."""
        prefix = pan[: len(self.low)]
        return (
            len(prefix) == len(self.low) and _is_digits(prefix) and self.low <= prefix <= self.high
        )


@frozen
class _Table:
    """The ranges of one prefix length, sorted by ``low``, for binary search.

    ``best[i]`` is, among the first ``i + 1`` ranges, the one reaching highest (``tops[i]``
    is its ``high``). Every range up to ``i`` starts at or below ``lows[i]``, so some range
    holds the whole interval ``[a, b]`` exactly when, for ``i`` the last low at or below
    ``a``, ``tops[i] >= b``. That stays right when ranges overlap or nest.
    """

    length: int
    lows: list[str]
    tops: list[str]
    best: list[AccountRange]

    @classmethod
    def build(cls, length: int, ranges: list[AccountRange]) -> _Table:
        ranges = sorted(ranges, key=lambda r: r.low)
        lows: list[str] = []
        tops: list[str] = []
        best: list[AccountRange] = []
        for r in ranges:
            if not best or r.high > tops[-1]:
                best.append(r)
                tops.append(r.high)
            else:
                best.append(best[-1])
                tops.append(tops[-1])
            lows.append(r.low)
        return cls(length, lows, tops, best)

    def covering(self, a: str, b: str) -> AccountRange | None:
        """A range holding both prefixes ``a <= b``, or ``None``."""
        i = bisect_right(self.lows, a) - 1
        if i >= 0 and self.tops[i] >= b:
            return self.best[i]
        return None


class AccountRanges:
    """The issuer's account-range table, searched by binary search per prefix length.

    Ranges may overlap and may have different lengths. When several hold a PAN, :meth:`find`
    prefers the longest prefix (the most specific range), and among ranges of that length the
    one reaching highest.
    """

    __slots__ = ("_ranges", "_tables")

    def __init__(self, ranges: Iterable[AccountRange] = ()) -> None:
        self._ranges = tuple(ranges)
        by_length: dict[int, list[AccountRange]] = {}
        for r in self._ranges:
            by_length.setdefault(len(r.low), []).append(r)
        self._tables = tuple(_Table.build(n, by_length[n]) for n in sorted(by_length, reverse=True))

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[str, str]]) -> AccountRanges:
        """Build the table from ``(low, high)`` pairs.

        Raises:
            AccountRangeError: at the first bad pair, prefixed ``range N: `` (from 1).
        """
        ranges = []
        for number, pair in enumerate(pairs, 1):
            try:
                low, high = pair
                ranges.append(AccountRange(low, high))
            except AccountRangeError as e:
                raise AccountRangeError(f"range {number}: {e}") from None
            except (TypeError, ValueError):
                raise AccountRangeError(
                    f"range {number}: expected a (low, high) pair, got {_show(pair)}"
                ) from None
        return cls(ranges)

    @classmethod
    def from_csv(cls, lines: Iterable[str]) -> AccountRanges:
        """Build the table from the lines of a CSV file whose header is ``low,high``.

        Tolerates a UTF-8 byte order mark, spaces around cells, line ends and blank lines.
        A single string is taken as the whole text, not as an iterable of characters.

        Raises:
            AccountRangeError: a missing or wrong header, a row without exactly two cells, or
                a bad range; the message starts ``line N: ``.
        """
        if isinstance(lines, str):
            lines = lines.splitlines(keepends=True)
        reader = csv.reader(_without_bom(lines), strict=True)
        ranges: list[AccountRange] = []
        header = False
        try:
            for row in reader:
                n = reader.line_num
                cells = [cell.strip() for cell in row]
                if len(cells) <= 1 and not any(cells):
                    continue
                if not header:
                    if cells != ["low", "high"]:
                        raise AccountRangeError(
                            f"line {n}: the first line must be the header 'low,high', "
                            f"got {_show(','.join(row))}"
                        )
                    header = True
                elif len(cells) != 2:
                    raise AccountRangeError(
                        f"line {n}: expected 2 cells (low,high), got {len(cells)}"
                    )
                else:
                    try:
                        ranges.append(AccountRange(cells[0], cells[1]))
                    except AccountRangeError as e:
                        raise AccountRangeError(f"line {n}: {e}") from None
        except csv.Error as e:
            raise AccountRangeError(
                scrub(f"line {reader.line_num}: not readable as CSV ({e})")
            ) from None
        if not header:
            raise AccountRangeError("line 1: missing the header 'low,high'; the text is empty")
        return cls(ranges)

    def find(self, pan: str) -> AccountRange | None:
        """A configured range holding *pan*, the most specific first, or ``None``."""
        usable = _digit_prefix(pan)
        for table in self._tables:
            if table.length <= usable:
                prefix = pan[: table.length]
                found = table.covering(prefix, prefix)
                if found is not None:
                    return found
        return None

    def same_range(self, pan_a: str, pan_b: str) -> bool:
        """True when one configured range holds both PANs."""
        usable = min(_digit_prefix(pan_a), _digit_prefix(pan_b))
        for table in self._tables:
            if table.length <= usable:
                pa, pb = pan_a[: table.length], pan_b[: table.length]
                if table.covering(min(pa, pb), max(pa, pb)) is not None:
                    return True
        return False

    def __len__(self) -> int:
        return len(self._ranges)

    def __iter__(self) -> Iterator[AccountRange]:
        return iter(self._ranges)

    def __repr__(self) -> str:
        n = len(self)
        return f"<AccountRanges {n} range{'' if n == 1 else 's'}>"


def _without_bom(lines: Iterable[str]) -> Iterator[str]:
    for number, line in enumerate(lines, 1):
        if not isinstance(line, str):
            raise AccountRangeError(f"line {number}: expected a line of text, got {_show(line)}")
        yield line.removeprefix("\ufeff") if number == 1 else line


class TokenSource(Protocol):
    """Where token-state rules look tokens up: an :class:`Inventory`, or a live token store
    (the simulated MDES) that answers the same two questions."""

    def by_tur(self, tur: str) -> TokenRecord | None:
        """The token with this Token Unique Reference, or ``None``."""

    def by_pan(self, pan: str) -> tuple[TokenRecord, ...]:
        """Every token of this account PAN."""


@frozen
class Context:
    """What the token-state rules know beyond the request itself.

    Attributes:
        inventory: the issuer's tokens; without it, rules about token state do not run.
        account_ranges: the issuer's account ranges; without it, ``account_range`` does not run.
        party: the suspender code of the caller, for suspend and unsuspend. CS API callers
            are issuers, hence ``"I"``.
        decryption_keys: the private keys that open the encrypted
            ``EncryptedAccountInformation`` of CS API 2.1.7/2.2.2 requests: a key ring
            (:func:`mdesrules.encryption.key_ring`), a private key, or ``(private key,
            certificate)``. With them, :func:`~mdesrules.check` decrypts an encrypted
            request and checks its inside too; without them, only the envelope. Left out
            of ``repr``, equality and hashing.
        pan_in_text: how a card number in a string that is not a PAN field is reported
            (:mod:`mdesrules.pan_text`): ``"default"``, an error in free text MDES keeps
            (``CommentText``, ``AuditInfo``) and a warning elsewhere; ``"error"``, every
            one an error, for an issuer whose policy says so; ``"warning"``, every one a
            warning; ``"off"``, not looked for. Token-state rules still need an inventory:
            a context with none runs none of them.

    .. versionchanged:: Unreleased
       ``decryption_keys``, ``pan_in_text``.
    """

    inventory: TokenSource | None = None
    account_ranges: AccountRanges | None = None
    party: str = "I"
    decryption_keys: Keys | None = field(default=None, repr=False, eq=False)
    pan_in_text: PanMode = "default"

    def __attrs_post_init__(self) -> None:
        if self.party not in SUSPENDERS:
            raise ValueError(f"unknown party {self.party!r}; use one of {sorted(SUSPENDERS)}")
        if self.pan_in_text not in PAN_MODES:
            shown = scrub(repr(self.pan_in_text))[:40]
            raise ValueError(f"unknown pan_in_text {shown}; use one of {', '.join(PAN_MODES)}")
