"""The fast pass: proof, in C for the most part, that a JSON record passes its check.

A batch pre-flight is mostly records that pass. For those, the pure path reads the record
(the strict JSON reading, :mod:`mdesrules._json`) and runs its compiled check
(:mod:`mdesrules.compiler`) only to find nothing. With the ``fast`` extra installed,
:func:`fast_pass` gives, for the JSON form of an operation, a function from a record's
bytes to ``True`` when the pure path would read exactly that document and its check with
no context would find nothing at all (no error, no warning); to ``False`` otherwise,
which says nothing: the caller then takes the pure path, which gives the verdict and every
message. So the pure path stays the reference, and a record it would report on is never
passed here; ``tests/test_fast_pass.py`` holds the two to that on generated documents of
every operation, their mutations and byte-level variants.

How a record is proven to pass:

- `msgspec <https://jcristharif.com/msgspec/>`_ decodes the bytes into
  :class:`msgspec.Struct` types made once from the form's
  :class:`~mdesrules.schema.ObjectSpec`: no member the form does not define
  (``forbid_unknown_fields``), every required one present, each value of its JSON type,
  and the rules msgspec states itself, each taken only when its every finding is a
  failure here: string lengths (:class:`~mdesrules.fields.length`) and value sets
  (:class:`~mdesrules.fields.one_of`, a ``Literal``). msgspec refuses what RFC 8259
  refuses (bad UTF-8, control characters in strings, a byte order mark, trailing bytes,
  ``NaN``), and an integer field takes a JSON integer only.
- What the strict reading refuses and msgspec may not is ruled out around it: a record
  with a backslash (an escape, so perhaps an unpaired surrogate) is not taken; and a
  repeated key, which msgspec reads as its last value, is ruled out by counting. With no
  backslash every ``"`` delimits a string, so the record holds twice as many quotes as
  keys and string values; the pass counts those of the document it read, and a member
  dropped for a repeated key would leave fewer.
- The rest of the field rules (patterns, Luhn, timestamps, a rule of your own), the
  card-number scan of each string, and the rules across fields are written as a Python
  function over the structs, in the manner of the compiled check, that stops at the
  first thing found. Each field rule's test is written by the compiled check's own writer
  (:data:`~mdesrules.compiler.FIELD_RULE_WRITERS`), so the two cannot word a test two ways.

Anything that raises inside the pass (a field rule of your own that raises on a value) is
a False too: the pure path then reports it as it reports any rule that raises.

A form is not given a fast pass (:func:`fast_pass` returns ``None``) when it holds what
this module does not translate: a rule across fields of a kind of your own, or one that
reaches into nested objects (:func:`~mdesrules.combinators.reaching`), or a value set that
is not of strings. The pass applies to a check without a context: the token inventory and
the ``--pan-in-text`` setting take the pure path.

``MDESRULES_JSON=stdlib`` in the environment, which turns orjson off, turns the fast pass
off too.
"""

from __future__ import annotations

import itertools
import linecache
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import _json
from . import fields as _fields
from ._walk import FormSpec
from .combinators import (
    Absent,
    AllOf,
    AtLeastOneOf,
    AtMostOneOf,
    Condition,
    Equals,
    ExactlyOneOf,
    Expects,
    Forbids,
    OnlyWhen,
    Present,
    Requires,
    Rule,
    When,
)
from .compiler import FIELD_RULE_WRITERS, FieldCheck, _call_field_rule, _Compiler
from .fields import Failure, FieldRule
from .pan_text import PanScan, passing_excludes_pan
from .schema import FieldSpec, ObjectSpec

if TYPE_CHECKING:
    from .registry import Form

__all__ = [
    "FastPass",
    "fast_pass",
    "fast_pass_available",
    "fast_pass_source",
    "fast_passes_on",
    "passed_document",
]

#: ``pass_(data)``: True when the record *data* (bytes) provably passes; False says nothing.
FastPass = Callable[[bytes], bool]


def fast_pass_available() -> bool:
    """Whether fast passes are made: msgspec is installed and ``MDESRULES_JSON`` is not
    ``stdlib``."""
    if _json._setting().lower() == "stdlib":
        return False
    try:
        import msgspec  # noqa: F401
    except ImportError:
        return False
    return True


def fast_passes_on() -> bool:
    """:func:`fast_pass_available`, answered at once in the usual case (``MDESRULES_JSON``
    not set, msgspec installed and imported): for a caller that asks on every record."""
    if _json._SETTING_KEY not in _json._ENVIRON_DATA and "msgspec" in sys.modules:
        return True
    return fast_pass_available()


def passed_document(data: bytes) -> object:
    """The document of *data*, a record that a fast pass passed: what the strict reading
    (:func:`mdesrules._json.loads_strict`) gives, read by msgspec (the pass has proven the
    two the same: no escape, no repeated key, values of the form's JSON types)."""
    global _decode_any
    if _decode_any is None:
        import msgspec

        _decode_any = msgspec.json.Decoder().decode
    return _decode_any(data)


_decode_any: Callable[[bytes], object] | None = None


_MADE: dict[int, tuple[Form, FastPass | None]] = {}


def fast_pass(form: Form) -> FastPass | None:
    """The fast pass of the JSON *form* of an operation, made once per form; None when
    fast passes are not available, or the form holds something not translated (see the
    module doc)."""
    if not fast_pass_available():
        return None
    made = _MADE.get(id(form))
    if made is not None and made[0] is form:
        return made[1]
    result = _make(form)
    _MADE[id(form)] = (form, result)
    return result


def fast_pass_source(pass_: FastPass) -> str:
    """The Python source of a fast pass."""
    return _SOURCES[pass_]


_SOURCES: dict[FastPass, str] = {}
_SERIAL = itertools.count(1)


class _Untranslated(Exception):
    """Something in the form that the fast pass does not translate."""


def _make(form: FormSpec) -> FastPass | None:
    try:
        writer = _Writer()
        text = writer.write(form)
    except _Untranslated:
        return None
    filename = f"<mdesrules fast pass of {form.operation} #{next(_SERIAL)}>"
    namespace = dict(writer.src.names)
    exec(compile(text, filename, "exec"), namespace)
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    passes: FastPass = namespace["passes"]  # type: ignore[assignment]
    _SOURCES[passes] = text
    return passes


class _VerdictCheck(FieldCheck):
    """A field rule's place in the fast pass: anything the rule would report ends it."""

    def report(self, is_error: str, failure: Failure | None = None) -> None:
        self.src.line("return False")


#: The kinds of field rule that a struct type states (:meth:`_Structs.string_type`).
_STATED = (_fields.length, _fields.one_of)


class _Structs:
    """The msgspec struct types of a form's objects: each field of its JSON type, with the
    lengths and value sets its rules state; no member of another name."""

    def __init__(self, msgspec: Any) -> None:
        self._msgspec = msgspec
        self._made = 0
        self._specs: set[int] = set()  # the objects being made: a spec holding itself

    def of(self, spec: ObjectSpec) -> Any:
        """The msgspec struct type of an object of *spec*."""
        msgspec = self._msgspec
        if id(spec) in self._specs:
            raise _Untranslated("an object that holds itself")
        if set(spec.by_name) != {f.name for f in spec.fields}:
            raise _Untranslated("fields known by other names")
        self._specs.add(id(spec))
        members: list[tuple[str, Any] | tuple[str, Any, Any]] = []
        rename: dict[str, str] = {}
        for i, f in enumerate(spec.fields):
            attribute = f"f{i}"
            rename[attribute] = f.name
            kind = self.value_type(f)
            if f.required:
                members.append((attribute, kind))
            else:
                members.append((attribute, kind | msgspec.UnsetType, msgspec.UNSET))
        self._specs.discard(id(spec))
        self._made += 1
        return msgspec.defstruct(
            f"{spec.model.__name__}_{self._made}",
            members,
            rename=rename,
            kw_only=True,
            forbid_unknown_fields=True,
            gc=False,  # no cycles: a struct is never tracked
        )

    def value_type(self, f: FieldSpec) -> Any:
        if f.kind == "bool":
            return bool
        if f.kind == "int":
            return int
        if f.kind == "object":
            assert f.child is not None
            return self.of(f.child)
        if f.kind == "array":
            if f.item_kind == "object":
                assert f.child is not None
                return list[self.of(f.child)]  # type: ignore[misc]
            return list[self.string_type(f)]  # type: ignore[misc]
        return self.string_type(f)

    def string_type(self, f: FieldSpec) -> Any:
        """``str``, with the lengths and the value set that f's rules state."""
        from typing import Annotated, Literal

        msgspec = self._msgspec
        low, high = 0, None
        values: frozenset[str] | None = None
        for rule in f.rules:
            if type(rule) is _fields.length:
                low = max(low, rule.min)
                if rule.max is not None:
                    high = rule.max if high is None else min(high, rule.max)
            elif type(rule) is _fields.one_of:
                if not all(type(v) is str for v in rule.values):
                    raise _Untranslated("a value set not of strings")
                allowed = frozenset(rule.values)
                values = allowed if values is None else values & allowed
        if values is not None:
            chosen = sorted(v for v in values if low <= len(v) and (high is None or len(v) <= high))
            if not chosen:
                raise _Untranslated("a value set that no value passes")
            return Literal[tuple(chosen)]
        if low == 0 and high is None:
            return str
        return Annotated[str, msgspec.Meta(min_length=low, max_length=high)]


class _Writer(_Compiler):
    """Writes the ``passes`` function of one form: its decoding into the structs, then the
    tests the structs do not state, in the manner of the compiled check."""

    def __init__(self) -> None:
        super().__init__("error")
        import msgspec

        self._msgspec = msgspec
        self.src.names["UNSET"] = msgspec.UNSET
        #: The fields of the struct ``o`` being checked: (index, required) by wire name.
        self._presence: dict[str, tuple[int, bool]] = {}

    def chain(
        self,
        rules: list[FieldRule],
        value: str,
        path: str,
        key: str,
        mark: str | None,
        digits: bool = False,
    ) -> None:
        if not rules:
            return
        at = _VerdictCheck(self, rules, value, path, key, mark, digits)
        writer = FIELD_RULE_WRITERS.get(rules[0]) or _call_field_rule
        writer(rules[0], at)

    # The function ------------------------------------------------------------------------

    def write(self, form: FormSpec) -> str:
        msgspec = self._msgspec
        src = self.src
        top = _Structs(msgspec).of(form.spec)
        envelope = form.envelope
        if envelope is not None:
            top = msgspec.defstruct(
                "Envelope",
                [("payload", top)],
                rename={"payload": envelope},
                forbid_unknown_fields=True,
                gc=False,
            )
        src.names["decode"] = msgspec.json.Decoder(top).decode
        src.line("def passes(data):")
        with src.indent():
            src.line("if 92 in data:  # a backslash")
            with src.indent():
                src.line("return False")
            # A record msgspec refuses, and a rule of your own that raises, are a False:
            # the pure path says what is wrong.
            src.line("try:")
            with src.indent():
                src.line("o = decode(data)")
                if envelope is not None:
                    src.line("o = o.payload")
                self.struct_members(form.spec, first=2 if envelope is not None else 0)
                for rule in form.rules:
                    self.pass_rule(rule)
            src.line("except Exception:")
            with src.indent():
                src.line("return False")
            src.line("return data.count(34) == q  # every key and string value, once")
        return src.text()

    # The checks of the structs ---------------------------------------------------------

    def struct_members(self, spec: ObjectSpec, first: int | None = None) -> None:
        """The tests of the members of the struct ``o`` (an object of *spec*), then of its
        rules. Each member adds its quotes to ``q``: those of the required ones at once
        (and with *first*, ``q`` starts here, at *first* quotes)."""
        src = self.src
        fixed = sum(_QUOTES[f.kind] for f in spec.fields if f.required)
        if first is not None:
            src.line(f"q = {first + fixed}")
        elif fixed:
            src.line(f"q += {fixed}")
        for i, f in enumerate(spec.fields):
            value = src.local("v")
            src.line(f"{value} = o.f{i}")
            if f.required:
                self.struct_member(f, value)
            else:
                src.line(f"if {value} is not UNSET:")
                with src.indent():
                    src.line(f"q += {_QUOTES[f.kind]}")
                    self.struct_member(f, value)
        self._presence = {f.name: (i, f.required) for i, f in enumerate(spec.fields)}
        for rule in spec.rules:
            self.pass_rule(rule)

    def struct_member(self, f: FieldSpec, value: str) -> None:
        """The tests of one member, sent: its quotes beyond those of :data:`_QUOTES`."""
        src = self.src
        if f.kind == "str":
            self.string_tests(f, value)
        elif f.kind == "object":
            assert f.child is not None
            self.struct_nested(f.child, value)
        elif f.kind == "array":
            item = src.local("item")
            if f.item_kind == "object":
                assert f.child is not None
                src.line(f"for {item} in {value}:")
                with src.indent():
                    self.struct_nested(f.child, item)
            else:
                src.line(f"q += 2 * len({value})")
                if self.has_string_tests(f):
                    src.line(f"for {item} in {value}:")
                    with src.indent():
                        self.string_tests(f, item)

    def struct_nested(self, spec: ObjectSpec, value: str) -> None:
        src = self.src
        outer = src.local("outer")
        presence = self._presence
        src.line(f"{outer}, o = o, {value}")
        self.struct_members(spec)
        src.line(f"o = {outer}")
        self._presence = presence

    def residual(self, f: FieldSpec) -> list[FieldRule]:
        """The rules of *f* that the struct type does not state."""
        return [r for r in f.rules if type(r) not in _STATED]

    def has_string_tests(self, f: FieldSpec) -> bool:
        return bool(self.residual(f)) or self.scanned(f) is not None

    def scanned(self, f: FieldSpec) -> PanScan | None:
        """How *f*'s values are scanned for a card number here: not at all when a value
        that passes its rules cannot hold one (the scan would find nothing)."""
        if f.scan is None or passing_excludes_pan(f.rules):
            return None
        return f.scan

    def string_tests(self, f: FieldSpec, value: str) -> None:
        src = self.src
        rules = self.residual(f)
        scan = self.scanned(f)
        if scan is not None:
            size = src.local("n")
            src.line(f"{size} = len({value})")
            self.lengths[value] = size
        self.chain(rules, value, "''", repr(f.name), None)
        if scan is not None:
            self.scan_test(scan, value)
            self.lengths.pop(value, None)

    def scan_test(self, scan: PanScan, value: str) -> None:
        # The compiled check's test, with the scan on as it is without a context.
        size = self.lengths.get(value, f"len({value})")
        if scan.whole:
            test = f"12 < {size} < 38 and pan_whole({value}) is not None and whole_pan({value})"
        else:
            test = f"{size} > 12 and ({size} > PAN_LONG or pan_near({value}) is not None)"
            test += f" and pan_found({value})"
        self.src.line(f"if {test}:")
        with self.src.indent():
            self.src.line("return False")

    # Rules across fields -----------------------------------------------------------------

    def sent(self, name: str) -> str:
        """An expression: the field *name* is in ``o``."""
        found = self._presence.get(name)
        if found is None:
            return "False"  # no member but the struct's own is read
        index, required = found
        return "True" if required else f"(o.f{index} is not UNSET)"

    def got(self, name: str) -> str:
        return f"o.f{self._presence[name][0]}"

    def any_sent(self, names: tuple[str, ...]) -> str:
        return "(" + " or ".join(self.sent(n) for n in names) + ")"

    def all_sent(self, names: tuple[str, ...]) -> str:
        return "(" + " and ".join(self.sent(n) for n in names) + ")"

    def pass_rule(self, rule: Rule) -> None:
        src = self.src
        if type(rule) not in _RULES:  # a subclass may check otherwise
            raise _Untranslated(f"a rule across fields of kind {type(rule).__name__}")
        if isinstance(rule, AllOf):
            for inner in rule.rules:
                self.pass_rule(inner)
            return
        if isinstance(rule, When):
            src.line(f"if {self.pass_condition(rule.condition)}:")
            with src.indent():
                for inner in rule.rules:
                    self.pass_rule(inner)
                src.line("pass")
            return
        src.line(f"if {self.fails(rule)}:")
        with src.indent():
            src.line("return False")

    def fails(self, rule: Rule) -> str:
        """An expression: *rule* reports something on ``o``."""
        if isinstance(rule, ExactlyOneOf):
            sums = " + ".join(self.any_sent(alt) for alt in rule.alternatives)
            partial = [
                f"({self.any_sent(alt)} and not {self.all_sent(alt)})"
                for alt in rule.alternatives
                if len(alt) > 1
            ]
            return " or ".join([f"({sums}) != 1", *partial])
        if isinstance(rule, AtMostOneOf):
            return f"({' + '.join(self.sent(n) for n in rule.names)}) > 1"
        if isinstance(rule, AtLeastOneOf):
            return f"not {self.any_sent(rule.names)}"
        if isinstance(rule, Forbids):
            return f"{self.sent(rule.name)} and {self.any_sent(rule.others)}"
        if isinstance(rule, Requires):
            return f"{self.sent(rule.name)} and not {self.all_sent(rule.others)}"
        if isinstance(rule, Expects):
            return f"not {self.all_sent(rule.names)}"
        if isinstance(rule, OnlyWhen):
            if rule.field not in self._presence:
                return "False"
            return (
                f"{self.sent(rule.name)} and {self.sent(rule.field)}"
                f" and {self.one_of_values(self.got(rule.field), rule.others)}"
            )
        raise _Untranslated(f"a rule across fields of kind {type(rule).__name__}")

    def pass_condition(self, condition: Condition) -> str:
        if type(condition) not in _CONDITIONS:
            raise _Untranslated(f"a condition of kind {type(condition).__name__}")
        if isinstance(condition, Present):
            return self.sent(condition.name)
        if isinstance(condition, Absent):
            return f"not {self.sent(condition.name)}"
        if isinstance(condition, Equals):
            if condition.name not in self._presence:
                return "False"
            value = self.one_of_values(self.got(condition.name), (condition.value,))
            return f"({self.sent(condition.name)} and {value})"
        raise _Untranslated(f"a condition of kind {type(condition).__name__}")

    def one_of_values(self, expression: str, values: tuple[object, ...]) -> str:
        """An expression: *expression* is one of *values*, of the same type."""
        same = self.src.const(_same_value, "same")
        return f"any({same}({expression}, v) for v in {self.src.const(values, 'VALUES')})"


#: The quotes of a member of each kind that do not depend on its value: its key's, and a
#: string's own.
_QUOTES = {"str": 4, "bool": 2, "int": 2, "object": 2, "array": 2}

_RULES = frozenset(
    {AllOf, When, ExactlyOneOf, AtMostOneOf, AtLeastOneOf, Forbids, Requires, Expects, OnlyWhen}
)
_CONDITIONS = frozenset({Present, Absent, Equals})


def _same_value(value: object, expected: object) -> bool:
    return type(value) is type(expected) and value == expected
