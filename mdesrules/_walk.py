"""The interpreter of rule sets: walks a document and collects every violation.

This is the readable form of a check, rule object by rule object. :mod:`mdesrules.compiler`
turns each operation's rule set into one fast function that finds the same violations, in
the same order; the check runs that, and falls back to :func:`check_form` here for
documents of an unusual shape.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Protocol

from .fields import FieldRule, severity_of
from .masking import safe_str, scrub
from .pan_text import DEFAULT_SEVERITIES, PanScan, PanSeverities, pan_severities, pan_violation
from .schema import FieldSpec, ObjectSpec
from .violations import Severity, Violation, pointer

if TYPE_CHECKING:
    from .combinators import Rule
    from .context import Context
    from .state_rules import StateRule


class FormSpec(Protocol):
    """What a check reads of one wire form of an operation.

    :class:`mdesrules.registry.Form` is the one implementation; the interpreter and the
    compiler name this protocol instead, so that they need not import the registry, which
    imports them.
    """

    @property
    def operation(self) -> str: ...

    @property
    def envelope(self) -> str | None: ...

    @property
    def spec(self) -> ObjectSpec: ...

    @property
    def rules(self) -> tuple[Rule, ...]: ...

    @property
    def state_rules(self) -> tuple[StateRule, ...]: ...

    @property
    def unknown(self) -> Severity: ...


def json_type(value: object) -> str:
    """The JSON name of a Python value's type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, (list, tuple)):
        return "array"
    return type(value).__name__


def wrong_type(path: str, name: str, expected: str, value: object) -> Violation:
    """A value of the wrong JSON type: *name* must be *expected*."""
    return Violation(
        "wrong_type", path, (path,), f"{name} must be {expected}, got {json_type(value)}"
    )


def shown_key(key: object) -> str:
    """A key as it may appear in a path or message: masked, and cut when absurdly long."""
    text = scrub(safe_str(key))
    return text if len(text) <= 64 else text[:64] + "..."


def unknown_field(
    key: object, base: str, spec: ObjectSpec, severity: Severity, hint: str = ""
) -> Violation:
    """The violation for a key the object does not define, with a spelling suggestion."""
    remembered = None
    if type(key) is str:
        remembered = (key, base, id(spec), severity, hint)
        known = _UNKNOWN.get(remembered)
        if known is not None and known[0] is spec:
            return known[1]
    shown = shown_key(key)
    path = base + pointer(shown)
    # The repr of a key may spell a character as digits (``\\U00107370``): scrub it again.
    message = f"unknown field {scrub(repr(shown))}"
    close = _closest(safe_str(key), spec)
    if hint:
        message += f"; {hint}"
    elif close:
        message += f"; did you mean {close!r}?"
    violation = Violation("unknown_field", path, (path,), message, severity)
    # Kept only for a key shown as it is (nothing masked, not cut), up to a bound.
    if remembered is not None and shown == key and len(_UNKNOWN) < _REMEMBERED:
        _UNKNOWN[remembered] = (spec, violation)
    return violation


#: How many distinct violations of each kind are remembered (then made each time).
_REMEMBERED = 8192
# A batch repeats its misspellings: (key, base, spec, severity, hint) -> (spec, violation).
# The spec is kept alive with its id, so that the id names it.
_UNKNOWN: dict[tuple[str, str, int, str, str], tuple[ObjectSpec, Violation]] = {}


def _closest(key: str, spec: ObjectSpec) -> str | None:
    """The declared field a misspelt *key* most likely meant, ignoring case."""
    return _closest_name(key.lower(), tuple(spec.by_name))


@lru_cache(maxsize=4096)
def _closest_name(key: str, names: tuple[str, ...]) -> str | None:
    # A batch repeats its misspellings: each (key, object) pair is matched once (difflib
    # is most of the cost of a record with an unknown member). Bounded, since keys are
    # the input's.
    lowered = {name.lower(): name for name in names}
    import difflib  # for a misspelt member only

    close = difflib.get_close_matches(key, list(lowered), n=1, cutoff=0.6)
    return lowered[close[0]] if close else None


def check_object(
    spec: ObjectSpec,
    obj: object,
    base: str,
    name: str,
    out: list[Violation],
    unknown: Severity,
    bad: set[str] | None = None,
    pan: PanSeverities | None = DEFAULT_SEVERITIES,
) -> bool:
    """Check one JSON object against *spec*; False when *obj* is not an object at all.

    The fields' own rules run first, then unknown keys are reported with severity *unknown*,
    then the rules across the object's fields that its model declares (``spec.rules``).
    Names of fields with a violation are added to *bad*, so that token-state rules can skip
    values that are already known to be wrong. *pan* says how a card number in a string is
    reported (:func:`~mdesrules.pan_text.pan_severities`; ``None``: not looked for).
    """
    if not isinstance(obj, dict):
        out.append(wrong_type(base, name, "a JSON object", obj))
        return False
    for f in spec.fields:
        if f.name in obj:
            before = len(out)
            check_value(f, obj[f.name], base + "/" + f.name, out, unknown, pan)
            if bad is not None and len(out) > before:
                bad.add(f.name)
        elif f.required:
            path = base + "/" + f.name
            out.append(Violation("missing_required", path, (path,), f"{f.name} is required"))
    by_name = spec.by_name
    for key in obj:
        if key not in by_name:
            out.append(unknown_field(key, base, spec, unknown))
            _key_pan(key, base, spec.unknown_scan, pan, out)
    for rule in spec.rules:
        rule.check(obj, base, out)
    return True


def check_value(
    f: FieldSpec,
    value: object,
    path: str,
    out: list[Violation],
    unknown: Severity,
    pan: PanSeverities | None = DEFAULT_SEVERITIES,
) -> None:
    """Check one field's value: its type, then its field rules up to the first failure,
    then (a string) its card-number scan."""
    if f.kind == "str":
        _check_str(f, value, path, f.name, out, pan)
    elif f.kind == "bool":
        if not isinstance(value, bool):
            out.append(wrong_type(path, f.name, "a JSON boolean", value))
    elif f.kind == "int":
        if not isinstance(value, int) or isinstance(value, bool):
            out.append(wrong_type(path, f.name, "a JSON integer", value))
    elif f.kind == "object":
        assert f.child is not None
        check_object(f.child, value, path, f.name, out, unknown, None, pan)
    elif not isinstance(value, list):
        out.append(wrong_type(path, f.name, "a JSON array", value))
    else:
        for i, item in enumerate(value):
            item_path = f"{path}/{i}"
            if f.item_kind == "object":
                assert f.child is not None
                check_object(f.child, item, item_path, f.name, out, unknown, None, pan)
            else:
                _check_str(f, item, item_path, f.name, out, pan)


def _check_str(
    f: FieldSpec,
    value: object,
    path: str,
    name: str,
    out: list[Violation],
    pan: PanSeverities | None,
) -> None:
    if not isinstance(value, str):
        out.append(wrong_type(path, name, "a string", value))
        return
    for rule in f.rules:
        failure = rule(value)
        if failure is not None:
            violation = _failed(rule, failure, path, name)
            out.append(violation)
            if violation.severity == "error":
                break
    # Whatever the field rules found: a card number in a bad value is still sent, or logged.
    scan = f.scan
    if scan is not None and pan is not None and scan.found(value):
        out.append(pan_violation(path, name, pan[scan.free_text], scan.whole))


def key_pan_violation(key: str, base: str, is_error: bool) -> Violation:
    """The ``pan_in_text`` violation of an unknown member of the object at *base* whose
    name *key* holds a card number (its path masked, as :func:`unknown_field`'s)."""
    return pan_violation(base + pointer(shown_key(key)), "this member's name", is_error)


def field_violation(rule: FieldRule, value: str, path: str, name: str) -> Violation:
    """The violation of field *rule* by *value*, worded by the rule itself."""
    # A value of fewer than nine characters holds nothing a message would mask: the
    # violation of such a value at a place is remembered (a batch repeats its mistakes).
    remembered = None
    if len(value) < 9:
        remembered = (id(rule), value, path, name)
        known = _SHORT_VALUES.get(remembered)
        if known is not None and known[0] is rule:
            return known[1]
    failure = rule(value)
    if failure is None:
        raise AssertionError(f"{rule!r} passes the value it was said to fail")
    violation = _failed(rule, failure, path, name)
    if remembered is not None and len(_SHORT_VALUES) < _REMEMBERED:
        _SHORT_VALUES[remembered] = (rule, violation)
    return violation


# (rule id, value, path, name) -> (rule, violation); the rule is kept alive with its id.
_SHORT_VALUES: dict[tuple[int, str, str, str], tuple[FieldRule, Violation]] = {}


def forget_walked_violations() -> None:
    """Empty the stores of violations made once and reused here."""
    _SHORT_VALUES.clear()
    _UNKNOWN.clear()
    _field_failure.cache_clear()


def _failed(rule: FieldRule, failure: tuple[str, str], path: str, name: str) -> Violation:
    code, message = failure
    return _field_failure(code, path, name, message, severity_of(rule, code))


@lru_cache(maxsize=8192)
def _field_failure(code: str, path: str, name: str, message: str, severity: Severity) -> Violation:
    # Made once per place and message (messages show no more of a value than masked):
    # a batch breaks the same rules at the same places again and again.
    return Violation(code, path, (path,), f"{name} {message}", severity)


def _key_pan(
    key: object,
    base: str,
    scan: PanScan | None,
    pan: PanSeverities | None,
    out: list[Violation],
) -> None:
    """Scan the name of an unknown member (as the text of its object: *scan*)."""
    if scan is not None and pan is not None and isinstance(key, str) and scan.found(key):
        out.append(key_pan_violation(key, base, pan[scan.free_text]))


def check_form(form: FormSpec, payload: object, context: Context | None) -> list[Violation]:
    """The violations of *payload* in one wire *form* of an operation, in report order."""
    out: list[Violation] = []
    unknown = form.unknown
    spec = form.spec
    pan = pan_severities(context)
    envelope = form.envelope
    if envelope is None:
        inner, base = payload, ""
    elif not isinstance(payload, dict):
        out.append(
            Violation(
                "wrong_type",
                "",
                ("",),
                f"the document must be a JSON object {{{envelope!r}: {{...}}}}, "
                f"got {type(payload).__name__ if payload is not None else 'null'}",
            )
        )
        return out
    else:
        base = pointer(envelope)
        if envelope in payload:
            inner = payload[envelope]
            for key in payload:
                if key != envelope:
                    hint = f"it belongs inside {envelope}" if key in spec.by_name else ""
                    out.append(unknown_field(key, "", spec, unknown, hint))
                    _key_pan(key, "", spec.unknown_scan, pan, out)
        else:
            stray = [k for k in payload if k in spec.by_name]
            out.append(
                Violation(
                    "missing_required",
                    base,
                    (base,),
                    f"the request must be wrapped as {{{envelope!r}: {{...}}}}"
                    + ("; its fields were found at the top level" if stray else ""),
                )
            )
            for key in payload:
                if key not in spec.by_name:
                    out.append(unknown_field(key, "", spec, unknown))
                    _key_pan(key, "", spec.unknown_scan, pan, out)
            return out
    bad: set[str] = set()
    if not check_object(spec, inner, base, envelope or form.operation, out, unknown, bad, pan):
        return out
    assert isinstance(inner, dict)
    for rule in form.rules:
        rule.check(inner, base, out)
    if context is not None:
        for state_rule in form.state_rules:
            state_rule.check(inner, base, context, bad, out)
    return out
