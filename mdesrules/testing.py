"""Hypothesis strategies for your own tests of code that builds or handles MDES requests.

Like :mod:`structlog.testing`, this module is for users of the library, not for the library
itself: it gives valid wire documents and request models for every operation, Luhn-valid
PANs, and token inventories for the token-state rules::

    from hypothesis import given
    from mdesrules.testing import valid_documents

    @given(valid_documents("token_update"))
    def test_my_client_sends_what_mdes_accepts(document):
        assert my_client.send(document).ok

It imports :mod:`hypothesis`, which is not a dependency of ``mdesrules``: install the
``test`` extra (``pip install "mdesrules[test]"``) before importing it. Nothing else in the
package imports this module.

Field values are derived from the field rules of the request models (the ``length`` rule
and the kind of value: identifier, free text, enumeration, PAN, expiry date), so a field
added to a model is generated without a change here. Only the structure of each operation's
rules across fields (which alternatives exclude each other, what an update must carry) is
written out, in :data:`STRUCTURES`; the rules that nested models declare themselves
(``exactly_one_of``, ``expects``, ``only_when``, ``when(equals(...), expects(...))``) are
read from the models; an operation missing from it has no strategy, and asking
for one raises :class:`LookupError`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from itertools import combinations
from typing import Any

from hypothesis import strategies as st

from .checking import parse
from .combinators import Equals, ExactlyOneOf, Expects, OnlyWhen, When
from .context import Inventory
from .fields import (
    FieldRule,
    digits,
    hex_digits,
    length,
    luhn,
    matches,
    mmyy,
    no_control,
    one_of,
    path_segment,
    printable,
)
from .lifecycle import SUSPENDERS, Status, TokenState
from .registry import REGISTRY, FormName
from .schema import FieldSpec, ObjectSpec, identity
from .violations import Violation

__all__ = [
    "STRUCTURES",
    "inventories",
    "inventory_records",
    "luhn_check_digit",
    "luhn_pans",
    "string_values",
    "token_states",
    "valid_documents",
    "valid_models",
]

#: One way of satisfying a group of rules across fields: the fields sent (canonical names).
Alternative = frozenset[str]
#: A group of fields of which exactly one alternative is sent; the other fields stay out.
Choice = tuple[Alternative, ...]


def _exactly_one(*alternatives: str | tuple[str, ...]) -> Choice:
    return tuple(frozenset((a,) if isinstance(a, str) else a) for a in alternatives)


def _alone_or_any_of(alone: str, *others: str) -> Choice:
    """*alone* by itself, or any non-empty set of *others* (``alone`` forbids them)."""
    subsets = (frozenset(c) for n in range(1, len(others) + 1) for c in combinations(others, n))
    return (frozenset({alone}), *subsets)


# token_update / legacy_update: IssuerProductConfigurationId forbids the three others, and at
# least one of the four is sent.
_UPDATE_PAYLOAD = _alone_or_any_of(
    "IssuerProductConfigurationId", "NewAccountPan", "ExpirationDate", "AccountPanSequenceNumber"
)

#: The rules across fields of each operation, as the choices a valid document makes
#: (canonical PascalCase names). Fields named in no choice are sent freely: required ones
#: always, optional ones in some examples. Every operation of the registry must be listed.
STRUCTURES: Mapping[str, tuple[Choice, ...]] = {
    "search": (
        _exactly_one(
            "AccountPan",
            "AlternateAccountIdentifier",
            "TokenUniqueReference",
            "Token",
            "PaymentAppInstanceId",
            "CommentId",
        ),
    ),
    "token_activate": (
        _exactly_one("TokenUniqueReference", ("AccountPan", "PaymentAppInstanceId")),
    ),
    "token_update": (
        _exactly_one("TokenUniqueReference", "CurrentAccountPan"),
        _UPDATE_PAYLOAD,
    ),
    "token_suspend": (),
    "token_unsuspend": (),
    "token_delete": (),
    "token_status_history": (),
    "token_comments": (),
    "transactions": (),
    "token_activation_methods": (),
    "token_resend_activation_code": (),
    "token_reset_mobile_pin": (),
    "update_token_assurance": (),
    "legacy_update": (
        _exactly_one("TokenUniqueReference", "CurrentAccountPan", "CardholderId"),
        _UPDATE_PAYLOAD,
    ),
    "notify_token_updated": (),
    "notify_token_updated_envelope": (),
    "tms_card_art": (),
    "tms_payment_credentials": (),
}

# --- PANs ----------------------------------------------------------------------------------


def luhn_check_digit(payload: str) -> str:
    """The Luhn (mod 10) check digit to append to the ASCII digits *payload*."""
    total = 0
    for i, ch in enumerate(reversed(payload)):
        d = int(ch)
        if i % 2 == 0:  # doubled: these are the odd positions once the check digit is added
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return str(-total % 10)


def luhn_pans(min_size: int = 9, max_size: int = 19, *, prefix: str = "") -> st.SearchStrategy[str]:
    """PANs of *min_size* to *max_size* ASCII digits with a valid Luhn check digit.

    Args:
        min_size: the fewest digits (MDES accepts 9 to 19).
        max_size: the most digits.
        prefix: leading digits every PAN starts with (a BIN, an account range).

    Raises:
        ValueError: the sizes are not ``1 <= min_size <= max_size``, or *prefix* is not
            digits shorter than *min_size*.
    """
    if not 1 <= min_size <= max_size:
        raise ValueError(f"need 1 <= min_size <= max_size, got {min_size} and {max_size}")
    if prefix and not (prefix.isascii() and prefix.isdigit()):
        raise ValueError("prefix must be ASCII digits")
    if len(prefix) >= min_size:
        raise ValueError(
            f"prefix must be shorter than min_size ({min_size}) to leave a check digit"
        )

    def pans_of_size(n: int) -> st.SearchStrategy[str]:
        body = n - 1 - len(prefix)  # the digits drawn between the prefix and the check digit
        return st.text(_DIGITS, min_size=body, max_size=body).map(lambda digits: prefix + digits)

    return (
        _sizes(min_size, max_size)
        .flatmap(pans_of_size)
        .map(lambda payload: payload + luhn_check_digit(payload))
    )


# --- field values from field rules ---------------------------------------------------------

_DIGITS = "0123456789"
_HEX = "0123456789abcdefABCDEF"
_PRINTABLE = st.characters(min_codepoint=0x21, max_codepoint=0x7E)
# Free text: letters, marks, numbers, punctuation, symbols and spaces of any script, and the
# tab and line breaks that the rules allow. No surrogates, so every value encodes as UTF-8.
_TEXT = st.characters(
    codec="utf-8", categories=("L", "M", "N", "P", "S", "Zs"), include_characters="\t\n\r"
)
_UNBOUNDED_EXTRA = 40  # how far past its minimum an unbounded value goes
_MAX_DRAWN = 512  # longer values (TMS allows 17000) are not drawn: they overrun Hypothesis
_SEGMENT = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _sizes(lo: int, hi: int) -> st.SearchStrategy[int]:
    """Sizes from *lo* to *hi*, with both bounds drawn often."""
    return st.one_of(st.sampled_from(sorted({lo, hi})), st.integers(lo, hi))


def _sized_text(alphabet: str | st.SearchStrategy[str], lo: int, hi: int) -> st.SearchStrategy[str]:
    hi = min(hi, max(lo, _MAX_DRAWN))
    return _sizes(lo, hi).flatmap(lambda n: st.text(alphabet, min_size=n, max_size=n))


def _expiry_dates() -> st.SearchStrategy[str]:
    return st.builds("{:02d}{:02d}".format, st.integers(1, 12), st.integers(0, 99))


def string_values(rules: Iterable[FieldRule]) -> st.SearchStrategy[str]:
    """Strings that pass every one of the field *rules* (those of one model field)."""
    rules = tuple(rules)
    lo, hi = 0, None
    for rule in rules:
        if isinstance(rule, length):
            lo, hi = rule.min, rule.max
    top = hi if hi is not None else lo + _UNBOUNDED_EXTRA
    enums = [rule for rule in rules if isinstance(rule, one_of)]
    if enums:
        values = [v for v in enums[0].values if lo <= len(v) <= top]
        return st.sampled_from(values)
    if any(isinstance(rule, luhn) for rule in rules):
        return luhn_pans(max(lo, 1), top)
    patterns = [rule for rule in rules if isinstance(rule, matches)]
    known: dict[matches, str | st.SearchStrategy[str]] = {
        digits(): _DIGITS,
        hex_digits(): _HEX,
        printable(): _PRINTABLE,
        path_segment(): _SEGMENT,
        no_control(): _TEXT,
    }
    if not patterns:
        return _sized_text(_TEXT, lo, top)
    if patterns == [mmyy()]:
        return _expiry_dates().filter(lambda v: lo <= len(v) <= top)
    if len(patterns) == 1 and patterns[0] in known:
        return _sized_text(known[patterns[0]], lo, top)
    # A form this module does not know yet: generate from the patterns, keep what passes.
    return st.from_regex(patterns[0].pattern, fullmatch=True).filter(
        lambda v: all(rule(v) is None for rule in rules)
    )


def _values(f: FieldSpec, sending: Mapping[str, Any] | None = None) -> st.SearchStrategy[Any]:
    """Valid values of a field; *sending* (nested names) makes an array of objects non-empty
    and sends those names in each item."""
    if f.kind == "str":
        return string_values(f.rules)
    if f.kind == "bool":
        return st.booleans()
    if f.kind == "int":
        return st.integers(0, 99)
    if f.kind == "object":
        assert f.child is not None
        return _objects(f.child, (), sending or {})
    item: st.SearchStrategy[Any]
    if f.item_kind == "object":
        assert f.child is not None
        item = _objects(f.child, (), sending or {})
    else:
        item = string_values(f.rules)
    return st.lists(item, min_size=1 if sending is not None else 0, max_size=3)


def _model_choices(spec: ObjectSpec) -> tuple[Choice, ...]:
    """The choices of the ``exactly_one_of`` rules a nested model declares."""
    return tuple(
        tuple(frozenset(alt) for alt in rule.alternatives)
        for rule in spec.rules
        if isinstance(rule, ExactlyOneOf)
    )


def _expected(spec: ObjectSpec) -> frozenset[str]:
    """The fields the model's ``expects`` rules ask for: always sent."""
    return frozenset(n for rule in spec.rules if isinstance(rule, Expects) for n in rule.names)


def _repair(
    draw: st.DrawFn,
    spec: ObjectSpec,
    document: dict[str, Any],
    sending: Mapping[str, Any],
) -> None:
    """Make a drawn object meet the model's conditional rules: a field sent under a value
    that excludes it (``only_when``) is dropped, or the value is set when the field must be
    sent; the fields a value calls for (``when(equals(...), expects(...))``) are added; a
    value whose other conditions (``when(equals(...), requires(...))``) fail is dropped, or
    replaced by another value when the field must be sent."""
    for rule in spec.rules:
        if isinstance(rule, When) and isinstance(rule.condition, Equals):
            if not rule.condition(document):
                continue
            found: list[Violation] = []
            for inner in rule.rules:
                if not isinstance(inner, Expects):
                    inner.check(document, "", found)
            if not found:
                continue
            name, value = rule.condition.name, rule.condition.value
            if name in sending:
                document[name] = draw(_values(spec.by_name[name]).filter(value.__ne__))
            else:
                del document[name]
    for rule in spec.rules:
        if isinstance(rule, OnlyWhen) and rule.name in document and rule.field in document:
            value = document[rule.field]
            if type(value) is type(rule.value) and value == rule.value:
                continue
            if rule.name in sending:
                document[rule.field] = rule.value
            else:
                del document[rule.name]
    for rule in spec.rules:
        if isinstance(rule, When) and isinstance(rule.condition, Equals):
            if not rule.condition(document):
                continue
            for inner in rule.rules:
                if isinstance(inner, Expects):
                    for name in inner.names:
                        if name not in document:
                            document[name] = draw(_values(spec.by_name[name]))


@st.composite
def _objects(
    draw: st.DrawFn,
    spec: ObjectSpec,
    choices: tuple[Choice, ...],
    sending: Mapping[str, Mapping[str, Any]],
) -> dict[str, Any]:
    """A valid object of *spec*: one alternative of each choice, required fields, and the
    optional fields in *sending* (nested names under their object) or drawn at random."""
    chosen: set[str] = set()
    structured: set[str] = set()
    expected = _expected(spec)
    for choice in (*choices, *_model_choices(spec)):
        names = frozenset().union(*choice)
        structured |= names
        wanted = names & sending.keys()
        alternatives = [alt for alt in choice if wanted <= alt]
        if not alternatives:
            raise ValueError(f"no valid document sends {', '.join(sorted(wanted))} together")
        chosen |= draw(st.sampled_from(alternatives))
    document: dict[str, Any] = {}
    for f in spec.fields:
        if f.name in structured:
            send = f.name in chosen
        else:
            send = f.required or f.name in expected or f.name in sending or draw(st.booleans())
        if not send:
            continue
        if f.kind == "object" and f.child is not None:
            document[f.name] = draw(_objects(f.child, (), sending.get(f.name, {})))
        else:
            document[f.name] = draw(_values(f, sending.get(f.name)))
    _repair(draw, spec, document, sending)
    return document


def _sending_tree(spec: ObjectSpec, names: Iterable[str]) -> dict[str, Any]:
    """``["AuditInfo/Phone", "CommentText"]`` as ``{"AuditInfo": {"Phone": {}}, ...}``."""
    tree: dict[str, Any] = {}
    for name in names:
        node: dict[str, Any] = tree
        here: ObjectSpec | None = spec
        for part in name.split("/"):
            f = here.by_name.get(part) if here is not None else None
            if f is None:
                known = ", ".join(here.by_name) if here is not None else "none"
                raise ValueError(f"unknown field {name!r}; fields there: {known}")
            node = node.setdefault(part, {})
            here = f.child
    return tree


def valid_documents(
    operation: str, *, form: FormName = "json", sending: Iterable[str] = ()
) -> st.SearchStrategy[dict[str, Any]]:
    """Valid request documents of *operation*, exactly as on the wire.

    Wrapped as the operation's JSON form wants (``{"TokenUpdateRequest": {...}}``; the
    legacy update is bare camelCase JSON), or with ``form="xml"`` as the dict of its
    DataContract XML document (``{"UpdateRequest": {...}}``, PascalCase). Every optional
    field and every alternative of the operation's rules across fields appears in some
    examples; every value respects its length, form and value set.

    Args:
        operation: an operation name (see ``mdesrules.REGISTRY.names()``).
        form: ``"json"`` or ``"xml"``.
        sending: fields every document must send, by wire name in that form; a nested field
            as ``"AuditInfo/Phone"``. Alternatives that exclude them are not drawn.

    Raises:
        UnknownOperation: no operation has that name, or it has no such form.
        LookupError: the operation has no entry in :data:`STRUCTURES`.
        ValueError: *sending* names an unknown field, or fields no valid document holds
            together.
    """
    op = REGISTRY.get(operation)
    if op.name not in STRUCTURES:
        raise LookupError(
            f"mdesrules.testing has no strategy for operation {op.name!r}: "
            "add the structure of its rules across fields to STRUCTURES"
        )
    wire_form = op.form(form)
    naming = op.naming if form == "json" else identity
    choices = tuple(
        tuple(frozenset(map(naming, alt)) for alt in choice) for choice in STRUCTURES[op.name]
    )
    tree = _sending_tree(wire_form.spec, sending)
    for choice in choices:  # fail now, not at the first draw
        wanted = frozenset().union(*choice) & tree.keys()
        if not any(wanted <= alt for alt in choice):
            raise ValueError(f"no valid document sends {', '.join(sorted(wanted))} together")
    inner = _objects(wire_form.spec, choices, tree)
    envelope = wire_form.envelope
    if envelope is None:
        return inner
    return inner.map(lambda document: {envelope: document})


def valid_models(operation: str) -> st.SearchStrategy[Any]:
    """Valid request models of *operation* (e.g. ``TokenUpdateRequest`` instances)."""
    return valid_documents(operation).map(lambda document: parse(operation, document))


# --- token context -------------------------------------------------------------------------


def token_states() -> st.SearchStrategy[TokenState]:
    """Every lifecycle state: ACTIVE, IN_PROGRESS, DELETED, SUSPENDED by any parties."""
    suspended = st.frozensets(st.sampled_from(sorted(SUSPENDERS)), min_size=1).map(
        lambda parties: TokenState(Status.SUSPENDED, parties)
    )
    plain = st.sampled_from([Status.ACTIVE, Status.IN_PROGRESS, Status.DELETED]).map(TokenState)
    return st.one_of(plain, suspended)


def _record(tur: str, pan: str, state: TokenState, level: str | None) -> dict[str, object]:
    record: dict[str, object] = {
        "tokenUniqueReference": tur,
        "accountPan": pan,
        "status": state.status.value,
    }
    if state.suspenders:
        record["suspenders"] = sorted(state.suspenders)
    if level is not None:
        record["tokenAssuranceLevel"] = level
    return record


@st.composite
def inventory_records(
    draw: st.DrawFn, *, min_size: int = 0, max_size: int = 8, pans: int = 3
) -> list[dict[str, object]]:
    """Records of a token inventory as its JSON file holds them (see DESIGN.md section 5).

    Token unique references are unique; account PANs come from a pool of *pans* Luhn-valid
    PANs, so that several tokens share a PAN, as an update by PAN expects.
    """
    pool = draw(st.lists(luhn_pans(), min_size=1, max_size=max(pans, 1), unique=True))
    turs = draw(
        st.lists(_sized_text(_PRINTABLE, 9, 48), min_size=min_size, max_size=max_size, unique=True)
    )
    levels = st.none() | _sized_text(_DIGITS, 1, 3)
    return [
        _record(tur, draw(st.sampled_from(pool)), draw(token_states()), draw(levels))
        for tur in turs
    ]


def inventories(
    *, min_size: int = 0, max_size: int = 8, pans: int = 3
) -> st.SearchStrategy[Inventory]:
    """Token inventories built from :func:`inventory_records`."""
    return inventory_records(min_size=min_size, max_size=max_size, pans=pans).map(
        Inventory.from_records
    )
