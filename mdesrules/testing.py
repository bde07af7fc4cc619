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
``test`` extra from a checkout (``pip install -e '.[test]'``), or hypothesis alone, before
importing it; without it the import fails with a :class:`ModuleNotFoundError` that says
so. Nothing else in the package imports this module.

Documents are derived from the operation's own rule objects, so an operation, a field or a
rule added to a declaration (in any :class:`~mdesrules.Registry`) is generated without a
change here. Field values come from the field rules of the request models: each kind of
field rule says, in :data:`FIELD_VALUES`, what it allows (sizes, a set of values, a form to
draw from). Which fields a document sends comes from the rules across fields, of the
operation and of its nested models: each kind of rule says, in :data:`RULE_CHOICES`, which
alternatives of fields (and values) meet it (see :class:`Pin`); a rule that reaches into
nested objects pins the fields inside them (``Pin.inside``), and the object drawn for a
field meets those pins besides its own rules. Every kind of
:mod:`mdesrules.fields` and :mod:`mdesrules.combinators` comes registered; a rule of a kind
of your own needs its hook, or asking for a strategy raises :class:`LookupError`::

    @RULE_CHOICES.register(BothOrNeither)
    def _both_or_neither(rule):
        return (({rule.a: SENT, rule.b: SENT}, {rule.a: ABSENT, rule.b: ABSENT}),)

The token-state rules need a token context, not a document: see :func:`inventories`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from functools import cache
from typing import Any

from attrs import evolve, field, frozen

try:
    from hypothesis import strategies as st
except ModuleNotFoundError as error:  # pragma: no cover - depends on the environment
    raise ModuleNotFoundError(
        "mdesrules.testing needs the hypothesis package, which mdesrules does not install: "
        "pip install hypothesis (or, from a checkout of mdesrules, pip install -e '.[test]')",
        name=error.name,
    ) from error

from . import operations as _operations  # noqa: F401 - fills the registry
from ._choices import (
    ABSENT,
    CONDITION_CHOICES,
    RULE_CHOICES,
    SENT,
    Alternative,
    Choice,
    Inside,
    Pin,
    choices_of,
    equal_to,
    groups,
    names_of,
    nested,
    other_than,
)
from ._kinds import ByKind
from .combinators import Rule
from .context import TOKEN_TYPES, Inventory
from .converters import structure
from .fields import (
    FieldRule,
    digits,
    hex_digits,
    iso_timestamp,
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
from .pan_text import whole_pan
from .registry import REGISTRY, FormName, Registry
from .schema import FieldSpec, ObjectSpec

__all__ = [
    "ABSENT",
    "CONDITION_CHOICES",
    "FIELD_VALUES",
    "RULE_CHOICES",
    "SENT",
    "Alternative",
    "Choice",
    "Pin",
    "Strings",
    "equal_to",
    "inventories",
    "inventory_records",
    "luhn_check_digit",
    "luhn_pans",
    "other_than",
    "string_values",
    "token_states",
    "valid_documents",
    "valid_models",
]

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

    # The digits drawn between the prefix and the check digit.
    body = _sized_text(_DIGITS, min_size - 1 - len(prefix), max_size - 1 - len(prefix))
    return body.map(lambda digits: prefix + digits).map(
        lambda payload: payload + luhn_check_digit(payload)
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


@cache
def _sized_text(alphabet: str | st.SearchStrategy[str], lo: int, hi: int) -> st.SearchStrategy[str]:
    """Text of *lo* to *hi* characters, with both bounds drawn often.

    Built once per (alphabet, sizes): a strategy made per draw (``flatmap``) is validated
    again at every draw, which cost most of the time of drawing documents.
    """
    hi = min(hi, max(lo, _MAX_DRAWN))
    return st.one_of(
        *(st.text(alphabet, min_size=n, max_size=n) for n in sorted({lo, hi})),
        st.text(alphabet, min_size=lo, max_size=hi),
    )


def _expiry_dates() -> st.SearchStrategy[str]:
    return st.builds("{:02d}{:02d}".format, st.integers(1, 12), st.integers(0, 99))


@cache
def _timestamps(lo: int, hi: int) -> st.SearchStrategy[str]:
    """ISO 8601 timestamps (:class:`~mdesrules.fields.iso_timestamp`) of *lo* to *hi*
    characters: 19 for the date and time, 0 or 2 to 4 for the fraction, 1 (``Z``) or 6
    (``+hh:mm``) for the zone, chosen so that the length fits."""
    shapes = [
        (fraction, zone)
        for fraction in (0, 2, 3, 4)
        for zone in (1, 6)
        if lo <= 19 + fraction + zone <= hi
    ]
    if not shapes:  # no timestamp fits: the length rule filters out what is drawn
        shapes = [(3, 1)]
    moments = st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2099, 12, 31))
    zones = st.builds(
        "{}{:02d}:{:02d}".format, st.sampled_from("+-"), st.integers(0, 23), st.integers(0, 59)
    )

    def shaped(shape: tuple[int, int]) -> st.SearchStrategy[str]:
        fraction, zone = shape
        digits_ = st.text("0123456789", min_size=fraction - 1, max_size=fraction - 1)
        return st.builds(
            lambda moment, frac, tz: (
                moment.strftime("%Y-%m-%dT%H:%M:%S") + (f".{frac}" if fraction else "") + tz
            ),
            moments,
            digits_ if fraction else st.just(""),
            st.just("Z") if zone == 1 else zones,
        )

    return st.one_of(*map(shaped, shapes))


@frozen
class Strings:
    """What the field rules of one field say of its values, as far as drawing them goes.

    Each hook of :data:`FIELD_VALUES` gets what the rules before its rule said and returns
    it with its own rule's part: sizes (``length``), the set of values (``one_of``), or how
    to draw strings of its form (``luhn``, ``matches``). A drawn value is kept only when it
    passes every rule of the field, so a hook need not be exact, only likely to pass.

    Attributes:
        min: the fewest characters.
        max: the most characters, or None when unbounded.
        values: every value the rules allow, when they list them; None otherwise.
        draw: ``draw(min, max)``, strings of about those sizes in the rules' form; None
            for free text.
    """

    min: int = 0
    max: int | None = None
    values: tuple[str, ...] | None = None
    draw: Callable[[int, int], st.SearchStrategy[str]] | None = None


#: How testing draws values that pass a field rule, by rule class: ``(rule, strings) ->
#: strings``, the :class:`Strings` of the rules before with this rule's part added.
FIELD_VALUES: ByKind[Callable[[Any, Strings], Strings]] = ByKind("value strategies")


def string_values(rules: Iterable[FieldRule]) -> st.SearchStrategy[str]:
    """Strings that pass every one of the field *rules* (those of one model field).

    Raises:
        LookupError: a rule is of a kind with no hook in :data:`FIELD_VALUES`.
        ValueError: the rules list their values and none passes them all.
    """
    return _strings(tuple(rules))[0]


def _strings(rules: tuple[FieldRule, ...]) -> tuple[st.SearchStrategy[str], tuple[str, ...] | None]:
    """The strings that pass *rules*, and every one of them when the rules list them.

    Made once per set of rules (building a filtered strategy costs more than drawing from
    it), unless a rule of the caller's own cannot be hashed.
    """
    try:
        hash(rules)
    except TypeError:
        return _build_strings(rules)
    return _cached_strings(rules)


def _build_strings(
    rules: tuple[FieldRule, ...],
) -> tuple[st.SearchStrategy[str], tuple[str, ...] | None]:
    strings = Strings()
    for rule in rules:
        hook = FIELD_VALUES.get(rule)
        if hook is None:
            raise LookupError(
                f"mdesrules.testing cannot draw values for the field rule {rule!r} of kind "
                f"{type(rule).__qualname__}: register a hook with "
                "@mdesrules.testing.FIELD_VALUES.register(kind)"
            )
        strings = hook(rule, strings)

    def passes(value: str) -> bool:
        return all(rule(value) is None for rule in rules)

    if strings.values is not None:
        values = [v for v in strings.values if passes(v)]
        if not values:
            raise ValueError(f"no value passes the field rules {', '.join(map(repr, rules))}")
        return st.sampled_from(values), tuple(values)
    top = strings.max if strings.max is not None else strings.min + _UNBOUNDED_EXTRA
    draw = strings.draw or (lambda lo, hi: _sized_text(_TEXT, lo, hi))
    return draw(strings.min, top).filter(passes), None


_cached_strings = cache(_build_strings)


@FIELD_VALUES.register(length)
def _length(rule: length, strings: Strings) -> Strings:
    return evolve(strings, min=rule.min, max=rule.max)


@FIELD_VALUES.register(one_of)
def _one_of(rule: one_of, strings: Strings) -> Strings:
    listed = strings.values
    values = rule.values if listed is None else tuple(v for v in listed if v in rule.values)
    return evolve(strings, values=values)


@FIELD_VALUES.register(luhn)
def _luhn(rule: luhn, strings: Strings) -> Strings:
    return evolve(strings, draw=lambda lo, hi: luhn_pans(max(lo, 1), hi))


#: The alphabets of the patterns of mdesrules.fields; other patterns are drawn from the regex.
_ALPHABETS: dict[str, str | st.SearchStrategy[str]] = {
    digits().pattern: _DIGITS,
    hex_digits().pattern: _HEX,
    printable().pattern: _PRINTABLE,
    path_segment().pattern: _SEGMENT,
    no_control().pattern: _TEXT,
}


@FIELD_VALUES.register(iso_timestamp)
def _iso_timestamp(rule: iso_timestamp, strings: Strings) -> Strings:
    if strings.draw is not None:
        return strings
    return evolve(strings, draw=_timestamps)


@FIELD_VALUES.register(matches)
def _matches(rule: matches, strings: Strings) -> Strings:
    if strings.draw is not None:  # the form of an earlier rule is drawn; this one filters
        return strings
    pattern = rule.pattern
    draw: Callable[[int, int], st.SearchStrategy[str]]
    if pattern == mmyy().pattern:
        draw = lambda lo, hi: _expiry_dates()  # noqa: E731
    elif pattern in _ALPHABETS:
        alphabet = _ALPHABETS[pattern]
        draw = lambda lo, hi: _sized_text(alphabet, lo, hi)  # noqa: E731
    else:  # a form this module does not know: from the regex, kept when it passes
        draw = lambda lo, hi: st.from_regex(pattern, fullmatch=True)  # noqa: E731
    return evolve(strings, draw=draw)


# --- objects from the choices of their rules across fields ---------------------------------


@frozen
class _Field:
    """How one field's values are drawn: all of them, and every one when they are few.

    A field that holds an object also draws objects that meet pins on its nested fields
    (:attr:`Pin.inside`), each set of them built once.
    """

    spec: FieldSpec
    values: st.SearchStrategy[Any]
    few: tuple[object, ...] | None = None
    #: The nested names its object sends (:func:`_sending_tree`), for an object field.
    sending: Mapping[str, Any] = field(factory=dict)
    _inner: dict[tuple[Inside, bool], st.SearchStrategy[Any] | None] = field(
        factory=dict, eq=False, repr=False
    )

    def allows(self, pin: Pin) -> bool:
        """Whether some value of the field meets *pin*."""
        if not pin.sent:
            return True
        if pin.inside and not self._holds(pin.inside, sending=False):
            return False
        if pin.equals:
            return self._valid(pin.equals[0])
        return self.few is None or any(pin.admits(v) for v in self.few)

    def sends(self, pin: Pin) -> bool:
        """Whether some value of the field meets *pin* and sends its nested names."""
        return not pin.sent or not pin.inside or self._holds(pin.inside, sending=True)

    def _valid(self, value: object) -> bool:
        kind = self.spec.kind
        if kind == "str":
            return isinstance(value, str) and all(r(value) is None for r in self.spec.rules)
        if kind == "bool":
            return type(value) is bool
        return kind == "int" and type(value) is int

    def _holds(self, inside: Inside, *, sending: bool) -> bool:
        """Whether some value meets the pins *inside*: an object of the field's model that
        meets them, or, for a field that holds no object, none of them sent (nothing is
        found inside a string or an array)."""
        if self.spec.kind != "object":
            return not any(pin.sent for _, pin in inside)
        return self._within(inside, sending=sending) is not None

    def _within(self, inside: Inside, *, sending: bool = True) -> st.SearchStrategy[Any] | None:
        """The objects that meet the pins *inside* (and send the field's nested names, if
        *sending*), or None when there are none."""
        key = (inside, sending and bool(self.sending))
        if key not in self._inner:
            assert self.spec.child is not None
            try:
                self._inner[key] = _objects(
                    self.spec.child, self.sending if key[1] else {}, inside=inside
                )
            except ValueError:
                self._inner[key] = None
        return self._inner[key]

    def meeting(self, pin: Pin) -> st.SearchStrategy[Any] | None:
        """The values that meet *pin*, or None when the field is not sent."""
        if not pin.sent:
            return None
        if pin.equals:
            return st.just(pin.equals[0])
        values = self.values
        if pin.inside and self.spec.kind == "object":
            within = self._within(pin.inside)
            assert within is not None, "only pins that allows() and sends() take are met"
            values = within
        if not pin.excludes:
            return values
        if self.few is not None:
            return st.sampled_from([v for v in self.few if pin.admits(v)])
        return values.filter(pin.admits)


def _field(f: FieldSpec, sending: Mapping[str, Any] | None) -> _Field:
    """How to draw the values of *f*; *sending* (nested names, or None) makes an array of
    objects non-empty and sends those names in each item."""
    if f.kind == "str":
        strings, few = _strings(f.rules)
        return _Field(f, _without_pans(strings, f), few)
    if f.kind == "bool":
        return _Field(f, st.booleans(), (False, True))
    if f.kind == "int":
        return _Field(f, st.integers(0, 99))
    if f.kind == "object":
        assert f.child is not None
        return _Field(f, _objects(f.child, sending or {}), sending=sending or {})
    item: st.SearchStrategy[Any]
    if f.item_kind == "object":
        assert f.child is not None
        item = _objects(f.child, sending or {})
    else:
        item = _without_pans(string_values(f.rules), f)
    return _Field(f, st.lists(item, min_size=1 if sending is not None else 0, max_size=3))


def _without_pans(strings: st.SearchStrategy[str], f: FieldSpec) -> st.SearchStrategy[str]:
    """*strings* without the values in which *f*'s card-number scan finds a number: a
    valid document has no ``pan_in_text`` (:mod:`mdesrules.pan_text`)."""
    scan = f.scan
    if scan is None:
        return strings
    return strings.filter(lambda value: not scan.found(value))


def _objects(
    spec: ObjectSpec,
    sending: Mapping[str, Any],
    rules: tuple[Rule, ...] = (),
    inside: Inside = (),
) -> st.SearchStrategy[dict[str, Any]]:
    """Valid objects of *spec*, also meeting *rules* (an operation's, besides the model's)
    and the pins *inside* (those on the fields of an object, from the rules of the objects
    that hold it: see :func:`~mdesrules._choices.nested`).

    The choices of the rules, and the pins inside as one more, are merged into independent
    groups (:func:`groups`), each narrowed to the alternatives whose pins the fields can
    meet, the required fields sent, and the fields in *sending* (nested names under their
    object) sent. A drawn object takes one alternative of each group; the fields no
    alternative names are sent when required or in *sending*, else at random.

    Raises:
        LookupError: a rule, or a field rule, is of a kind without a hook.
        ValueError: the rules allow no object, or none that sends *sending*.
    """
    fields = {f.name: _field(f, sending.get(f.name)) for f in spec.fields}
    choices = [choice for rule in (*rules, *spec.rules) for choice in choices_of(rule)]
    if inside:
        choices.append(nested(dict(inside)))
    named = frozenset().union(*map(names_of, choices))
    required = [({n: SENT},) for n in sorted(named) if n in fields and fields[n].spec.required]
    try:
        merged = groups([*choices, *required])
    except ValueError as error:
        raise ValueError(f"{spec.model.__name__}: {error}") from None
    plan = []
    for group in merged:
        possible = [alt for alt in group if all(_allows(fields, n, p) for n, p in alt.items())]
        if not possible:
            shown = ", ".join(sorted(names_of(group)))
            raise ValueError(
                f"{spec.model.__name__}: the rules across the fields {shown} allow no values "
                "that their field rules allow"
            )
        wanted = names_of(group) & sending.keys()
        kept = [
            alt
            for alt in possible
            if all(alt[n].sent for n in wanted if n in alt)
            and all(fields[n].sends(p) for n, p in alt.items() if n in wanted)
        ]
        if not kept:
            shown = ", ".join(sorted(_paths({n: sending[n] for n in wanted})))
            raise ValueError(f"no valid document sends {shown} together")
        plan.append(st.sampled_from([_values_of(fields, alt) for alt in kept]))
    always = frozenset(f.name for f in spec.fields if f.required or f.name in sending)
    return _drawn(fields, tuple(plan), always)


def _paths(tree: Mapping[str, Any], prefix: str = "") -> Iterator[str]:
    """The names a sending tree sends, nested ones by their path (``"AuditInfo/Phone"``)."""
    for name, below in tree.items():
        if below:
            yield from _paths(below, f"{prefix}{name}/")
        else:
            yield prefix + name


@st.composite
def _drawn(
    draw: st.DrawFn,
    fields: Mapping[str, _Field],
    plan: tuple[st.SearchStrategy[dict[str, st.SearchStrategy[Any] | None]], ...],
    always: frozenset[str],
) -> dict[str, Any]:
    """An object: one alternative of each group of *plan*, then the fields' values."""
    chosen: dict[str, st.SearchStrategy[Any] | None] = {}
    for alternatives in plan:
        chosen.update(draw(alternatives))
    document: dict[str, Any] = {}
    for name, each in fields.items():
        values: st.SearchStrategy[Any] | None
        if name in chosen:
            values = chosen[name]
        elif name in always or draw(st.booleans()):
            values = each.values
        else:
            continue
        if values is not None:
            document[name] = draw(values)
    return document


def _allows(fields: Mapping[str, _Field], name: str, pin: Pin) -> bool:
    """Whether *pin* can be met: a field not in the model can only be absent."""
    field = fields.get(name)
    return field.allows(pin) if field is not None else not pin.sent


def _values_of(
    fields: Mapping[str, _Field], alternative: Alternative
) -> dict[str, st.SearchStrategy[Any] | None]:
    """The values of each field an alternative names that meet its pin (None: not sent)."""
    return {n: fields[n].meeting(pin) for n, pin in alternative.items() if n in fields}


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
    operation: str,
    *,
    form: FormName = "json",
    sending: Iterable[str] = (),
    registry: Registry = REGISTRY,
) -> st.SearchStrategy[dict[str, Any]]:
    """Valid request documents of *operation*, exactly as on the wire.

    Wrapped as the operation's JSON form wants (``{"TokenUpdateRequest": {...}}``; the
    legacy update is bare camelCase JSON), or with ``form="xml"`` as the dict of its
    DataContract XML document (``{"UpdateRequest": {...}}``, PascalCase). Every optional
    field and every alternative of the operation's rules across fields appears in some
    examples; every value respects its length, form and value set, and no string outside a
    PAN field holds a card number (``pan_in_text``, :mod:`mdesrules.pan_text`).

    Args:
        operation: an operation name (see ``mdesrules.REGISTRY.names()``).
        form: ``"json"`` or ``"xml"``.
        sending: fields every document must send, by wire name in that form; a nested field
            as ``"AuditInfo/Phone"``. Alternatives that exclude them are not drawn.
        registry: the registry that holds the operation (by default the library's).

    Raises:
        UnknownOperation: no operation has that name, or it has no such form.
        LookupError: a rule of the operation is of a kind that no hook here knows (see
            :data:`RULE_CHOICES` and :data:`FIELD_VALUES`).
        ValueError: *sending* names an unknown field, or fields no valid document holds
            together; or the operation's rules allow no document at all.
    """
    wire_form = registry.get(operation).form(form)
    tree = _sending_tree(wire_form.spec, sending)
    inner = _objects(wire_form.spec, tree, wire_form.rules)
    envelope = wire_form.envelope
    if envelope is None:
        return inner
    return inner.map(lambda document: {envelope: document})


def valid_models(operation: str, *, registry: Registry = REGISTRY) -> st.SearchStrategy[Any]:
    """Valid request models of *operation* (e.g. ``TokenUpdateRequest`` instances).

    Args:
        operation: an operation name.
        registry: the registry that holds the operation (by default the library's).
    """
    op = registry.get(operation)
    envelope = op.form("json").envelope

    def model(document: dict[str, Any]) -> Any:
        inner = document[envelope] if envelope is not None else document
        return structure(inner, op.request, op.naming)

    return valid_documents(operation, registry=registry).map(model)


# --- token context -------------------------------------------------------------------------


def token_states() -> st.SearchStrategy[TokenState]:
    """Every lifecycle state: ACTIVE, IN_PROGRESS, DELETED, SUSPENDED by any parties."""
    suspended = st.frozensets(st.sampled_from(sorted(SUSPENDERS)), min_size=1).map(
        lambda parties: TokenState(Status.SUSPENDED, parties)
    )
    plain = st.sampled_from([Status.ACTIVE, Status.IN_PROGRESS, Status.DELETED]).map(TokenState)
    return st.one_of(plain, suspended)


def _record(
    tur: str,
    pan: str,
    state: TokenState,
    level: str | None,
    app: str | None = None,
    token_type: str | None = None,
) -> dict[str, object]:
    record: dict[str, object] = {
        "tokenUniqueReference": tur,
        "accountPan": pan,
        "status": state.status.value,
    }
    if state.suspenders:
        record["suspenders"] = sorted(state.suspenders)
    if level is not None:
        record["tokenAssuranceLevel"] = level
    if app is not None:
        record["paymentAppInstanceId"] = app
    if token_type is not None:
        record["tokenType"] = token_type
    return record


@st.composite
def inventory_records(
    draw: st.DrawFn, *, min_size: int = 0, max_size: int = 8, pans: int = 3
) -> list[dict[str, object]]:
    """Records of a token inventory as its JSON file holds them (see DESIGN.md section 5).

    Token unique references are unique; account PANs come from a pool of *pans* Luhn-valid
    PANs, so that several tokens share a PAN, as an update by PAN expects. The optional
    ``paymentAppInstanceId`` (from a small pool, so that tokens share one) and ``tokenType``
    are sometimes absent, as in inventories that do not know them.

    .. versionchanged:: Unreleased
       Records may carry ``paymentAppInstanceId`` and ``tokenType``.
    """
    pool = draw(st.lists(luhn_pans(), min_size=1, max_size=max(pans, 1), unique=True))
    # Identifiers are never PAN-shaped (that is pan_in_text in a request that names them).
    identifiers = _sized_text(_PRINTABLE, 9, 48).filter(lambda value: not whole_pan(value))
    turs = draw(st.lists(identifiers, min_size=min_size, max_size=max_size, unique=True))
    levels = st.none() | _sized_text(_DIGITS, 1, 3)
    apps = st.none() | st.sampled_from(
        draw(
            st.lists(
                _sized_text(_PRINTABLE, 1, 48).filter(lambda value: not whole_pan(value)),
                min_size=1,
                max_size=2,
            )
        )
    )
    types = st.none() | st.sampled_from(sorted(TOKEN_TYPES))
    return [
        _record(
            tur,
            draw(st.sampled_from(pool)),
            draw(token_states()),
            draw(levels),
            draw(apps),
            draw(types),
        )
        for tur in turs
    ]


def inventories(
    *, min_size: int = 0, max_size: int = 8, pans: int = 3
) -> st.SearchStrategy[Inventory]:
    """Token inventories built from :func:`inventory_records`."""
    return inventory_records(min_size=min_size, max_size=max_size, pans=pans).map(
        Inventory.from_records
    )
