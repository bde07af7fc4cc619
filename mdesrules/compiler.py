"""Compiled rule sets: each operation's rules turned into one fast Python function.

The rule objects (field rules, :mod:`~mdesrules.combinators`, model schemas) stay the source
of truth and the readable form; :mod:`mdesrules._walk` interprets them. This module writes,
once per operation and wire form, the source of a function that does what the interpreter
does for that one rule set, with every decision the rules allow taken at compile time:
field names become constants, each field's rule chain becomes a few inline tests, the
known-keys test becomes one set comparison. Like cattrs' generated structure functions, the
source is built as text and run with :func:`exec`; :func:`compiled_source` shows it. As
cattrs does, each function gets a file name of its own and its source goes into
:mod:`linecache`, so a traceback through a compiled check shows the line that ran and
:func:`inspect.getsource` reads it.

What the function finds it does not render. It appends *findings* to a list:
``(is_error, build, args)``, where ``build(*args)`` makes the :class:`Violation` with its
message. The builders are the rule objects' own code (a field rule is called again on the
value it failed, a rule across fields checks again a snapshot of the fields it reads), so
a message is written in one place only, and costs nothing unless someone reads it. A
:class:`~mdesrules.violations.Report` holds the findings and renders them on first read.

Findings are exactly the interpreter's violations, in the same order; the test suite
holds the two to that on generated documents of every operation.

Each kind of rule brings its own compiled test: a *writer*, registered for its class in
:data:`FIELD_RULE_WRITERS`, :data:`RULE_WRITERS` or :data:`CONDITION_WRITERS`, writes the
test of one rule of that kind where the compiler asks for it (a :class:`FieldCheck` or a
:class:`RuleCheck`). The kinds of :mod:`mdesrules.fields` and :mod:`mdesrules.combinators`
register theirs below. A rule of a kind without a writer (a rule of your own) still works:
the compiled function calls it as the interpreter would. To give it a fast path, register
a writer for its class before the forms that use it are first checked::

    @RULE_WRITERS.register(BothOrNeither)
    def _both_or_neither(rule: BothOrNeither, at: RuleCheck) -> None:
        at.fails_when(f"{sent(rule.a)} != {sent(rule.b)}")
"""

from __future__ import annotations

import itertools
import linecache
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from . import fields as _fields
from ._kinds import ByKind
from ._walk import (
    FormSpec,
    check_form,
    field_violation,
    forget_walked_violations,
    key_pan_violation,
    unknown_field,
    wrong_type,
)
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
    Reaching,
    Requires,
    Rule,
    When,
)
from .fields import Failure, FieldRule, luhn_digits_ok, severity_of
from .pan_text import (
    DEFAULT_SEVERITIES,
    LONG,
    SEVERITIES,
    PanScan,
    match_whole,
    near_run,
    pan_found,
    pan_violation,
    passing_excludes_pan,
    whole_pan,
)
from .schema import FieldSpec, ObjectSpec
from .violations import Finding, Severity, Violation, pointer

if TYPE_CHECKING:
    from .context import Context

__all__ = [
    "CONDITION_WRITERS",
    "FIELD_RULE_WRITERS",
    "RULE_WRITERS",
    "CompiledCheck",
    "FieldCheck",
    "RuleCheck",
    "Source",
    "all_sent",
    "any_sent",
    "compile_form",
    "compiled_source",
    "sent",
]

#: A compiled check: ``(payload, context) -> findings``.
CompiledCheck = Callable[[object, "Context | None"], list[Finding]]


# Builders: how a finding becomes a Violation, when it is read ---------------------------


def rule_violation(rule: Rule, snapshot: dict[str, object], base: str) -> Violation:
    """The one violation *rule* finds in *snapshot* (the fields it reads, as they were)."""
    if type(rule) not in _KEYS_ONLY:
        return _found_one(rule, snapshot, base)
    # The rule reads only which fields are sent, never their values: its violation at a
    # place is one of a few, made once (a batch breaks the same rule the same way again
    # and again), and no value is kept to make it.
    remembered = (id(rule), base, tuple(snapshot))
    known = _SENT.get(remembered)
    if known is not None and known[0] is rule:
        return known[1]
    violation = _found_one(rule, dict.fromkeys(snapshot), base)
    if len(_SENT) < 8192:
        _SENT[remembered] = (rule, violation)
    return violation


def _found_one(rule: Rule, snapshot: dict[str, object], base: str) -> Violation:
    found: list[Violation] = []
    rule.check(snapshot, base, found)
    if len(found) != 1:
        raise AssertionError(f"{rule!r} finds {len(found)} violations where one was found")
    return found[0]


def forget_violations() -> None:
    """Empty every store of violations made once and reused (for tests that count them)."""
    fixed_violation.cache_clear()
    missing.cache_clear()
    _SENT.clear()
    forget_walked_violations()


#: The kinds of rule whose check reads only which fields are sent (``in``), never a value.
_KEYS_ONLY = frozenset({ExactlyOneOf, AtMostOneOf, AtLeastOneOf, Forbids, Requires, Expects})
# (rule id, base, the fields sent) -> (rule, violation); the rule is kept alive with its id.
_SENT: dict[tuple[int, str, tuple[str, ...]], tuple[Rule, Violation]] = {}


@lru_cache(maxsize=8192)
def fixed_violation(failure: tuple[str, str, Severity], path: str, name: str) -> Violation:
    """The violation of a field rule whose failure is the same whatever the value (a
    pattern's ``bad_format``, a ``bad_check_digit``): made once per place, since a batch
    breaks the same rules at the same places again and again. Violations are immutable."""
    code, message, severity = failure
    return Violation(code, path, (path,), f"{name} {message}", severity)


@lru_cache(maxsize=8192)
def missing(path: str, name: str) -> Violation:
    """A required field that is absent."""
    return Violation("missing_required", path, (path,), f"{name} is required")


def given(violation: Violation) -> Violation:
    """A violation already built (by a rule checked eagerly)."""
    return violation


def _snapshot(obj: dict[str, object], names: tuple[str, ...]) -> dict[str, object]:
    """The fields *names* of *obj*: what a rule across fields reads, kept for later."""
    return {n: obj[n] for n in names if n in obj}


def _luhn_fails(value: str) -> bool:
    """Whether *value* fails the Luhn rule (its shortcut for ASCII digits, else the rule)."""
    if value.isascii() and value.isdigit():
        return not luhn_digits_ok(value)
    return _LUHN(value) is not None


_LUHN = _fields.luhn()
_LUHN_FAILURE = ("bad_check_digit", "has a wrong Luhn check digit")
_DIGITS = _fields.digits().pattern

#: Patterns whose whole-value match an expression of str methods decides faster than the
#: regex (``{v}`` is the value, ``{n}`` its length); each is held equal to its regex by the
#: test suite. A pattern not listed runs its regex.
PREDICATES: dict[str, str] = {
    _DIGITS: "({v}.isascii() and {v}.isdigit())",
    # Printable ASCII is 0x20-0x7e; without the space it is [!-~].
    _fields.printable().pattern: "({v} != '' and {v}.isascii() and {v}.isprintable() "
    "and ' ' not in {v})",
    # MMYY: two ASCII digits of a month 01-12, then two: as strings, '01' <= MM <= '12'.
    _fields.mmyy().pattern: "({n} == 4 and {v}.isascii() and {v}.isdigit() "
    "and '01' <= {v}[:2] <= '12')",
}
#: Patterns that every printable string matches: ``str.isprintable`` answers most values,
#: and the regex the others (a tab or line break in free text).
_PRINTABLE_PASSES = frozenset({_fields.no_control().pattern})


# Code generation ------------------------------------------------------------------------


class Source:
    """Lines of Python source, and the constants they name: what writers write to."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.names: dict[str, object] = {
            "field_violation": field_violation,
            "fixed_violation": fixed_violation,
            "rule_violation": rule_violation,
            "missing": missing,
            "given": given,
            "wrong_type": wrong_type,
            "unknown_field": unknown_field,
            "snapshot": _snapshot,
            "severity_of": severity_of,
            "luhn_fails": _luhn_fails,
            "luhn_digits_ok": luhn_digits_ok,
            "reach_view": _reach_view,
            "PAN_DEFAULT": DEFAULT_SEVERITIES,
            "PAN_SEVERITIES": SEVERITIES,
            "PAN_NEVER": sys.maxsize,
            "pan_violation": pan_violation,
            "key_pan_violation": key_pan_violation,
            "pan_found": pan_found,
            "pan_whole": match_whole,
            "pan_near": near_run,
            "PAN_LONG": LONG,
            "whole_pan": whole_pan,
        }
        self._ids: dict[int, str] = {}
        self._depth = 0
        self._counter = 0

    def line(self, text: str) -> None:
        """Add a line at the current indentation."""
        self.lines.append("    " * self._depth + text)

    def const(self, value: object, hint: str = "K") -> str:
        """A name in the generated module bound to *value* (one per distinct object)."""
        key = id(value)
        name = self._ids.get(key)
        if name is None:
            name = f"{hint}{len(self._ids)}"
            self._ids[key] = name
            self.names[name] = value
        return name

    def local(self, hint: str) -> str:
        """A new variable name, unique in the generated module."""
        self._counter += 1
        return f"{hint}{self._counter}"

    def indent(self) -> _Indent:
        """A context manager: the lines added in its block are indented one level more."""
        return _Indent(self)

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


class _Indent:
    def __init__(self, source: Source) -> None:
        self._source = source

    def __enter__(self) -> None:
        self._source._depth += 1

    def __exit__(self, *exc: object) -> None:
        self._source._depth -= 1


class _Compiler:
    """Writes the check of one wire form: the request object, its nested objects, its rules."""

    def __init__(self, unknown: Severity) -> None:
        self.src = Source()
        self.unknown = unknown
        self._objects: dict[int, str] = {}
        self._pending: list[ObjectSpec] = []
        self._inlined = 0  # depth of nested objects checked in place
        self.lengths: dict[str, str] = {}  # value variable -> the local holding its length
        #: The local a field's rules set to True when they report (see :meth:`pan_scan`).
        self.reported: str | None = None
        self.reaching = False  # inside a Reaching rule: findings are of Reaching(rule)

    # Objects ----------------------------------------------------------------------------

    def object_function(self, spec: ObjectSpec) -> str:
        """The name of the function checking an object of *spec* (written once, later)."""
        name = self._objects.get(id(spec))
        if name is None:
            name = f"check_{spec.model.__name__}_{len(self._objects)}"
            self._objects[id(spec)] = name
            self._pending.append(spec)
        return name

    def write_objects(self) -> None:
        while self._pending:
            spec = self._pending.pop()
            self.src.line("")
            self.src.line(
                f"def {self._objects[id(spec)]}(obj, base, name, out, pan, pan_shortest):"
            )
            with self.src.indent():
                self.object_body(spec, name="name", bad=None)
                self.src.line("return True")

    def object_body(self, spec: ObjectSpec, *, name: str, bad: str | None) -> None:
        """Check ``obj`` at ``base``; the non-object case appends and returns False.

        With *bad* (a set's variable), the names of fields with a violation go into it.
        """
        src = self.src
        src.line("if not isinstance(obj, dict):")
        with src.indent():
            src.line(f"out.append((True, wrong_type, (base, {name}, 'a JSON object', obj)))")
            src.line("return False")
        self.members(spec, bad)

    def inline_object(self, spec: ObjectSpec, value: str, path: str, key: str) -> None:
        """Check the nested object *value* in place: ``obj`` and ``base`` are bound to it
        for the length of its checks, then given back (cheaper than a call)."""
        src = self.src
        src.line(f"if not isinstance({value}, dict):")
        with src.indent():
            src.line(f"out.append((True, wrong_type, ({path}, {key}, 'a JSON object', {value})))")
        src.line("else:")
        with src.indent():
            outer_obj, outer_base = src.local("outer_obj"), src.local("outer_base")
            src.line(f"{outer_obj}, {outer_base} = obj, base")
            src.line(f"obj, base = {value}, {path}")
            self._inlined += 1
            self.members(spec, None)
            self._inlined -= 1
            src.line(f"obj, base = {outer_obj}, {outer_base}")

    def members(self, spec: ObjectSpec, bad: str | None) -> None:
        """The checks of the members of ``obj`` (an object), then of its rules."""
        src = self.src
        for f in spec.fields:
            self.field(f, bad)
        known = src.const(frozenset(spec.by_name), "KNOWN")
        is_error = self.unknown == "error"
        src.line(f"if not {known}.issuperset(obj):")
        with src.indent():
            src.line("for key in obj:")
            with src.indent():
                src.line(f"if key not in {known}:")
                with src.indent():
                    args = f"(key, base, {src.const(spec, 'SPEC')}, {self.unknown!r})"
                    src.line(f"out.append(({is_error}, unknown_field, {args}))")
                    if spec.unknown_scan is not None:
                        self.key_pan(spec.unknown_scan)
        for rule in spec.rules:
            self.rule(rule)

    def field(self, f: FieldSpec, bad: str | None) -> None:
        src = self.src
        value = src.local("v")
        key = repr(f.name)
        path = f"base + {'/' + f.name!r}"
        if f.required:
            src.line(f"if {key} not in obj:")
            with src.indent():
                src.line(f"out.append((True, missing, ({path}, {key})))")
            src.line("else:")
        else:
            src.line(f"if {key} in obj:")
        with src.indent():
            src.line(f"{value} = obj[{key}]")
            mark = f"{bad}.add({key})" if bad is not None else None
            if f.kind == "str":
                self.string(f, value, path, key, mark)
            elif f.kind == "bool":
                test = f"isinstance({value}, bool)"
                self.wrong_unless(test, value, path, key, "a JSON boolean", mark)
            elif f.kind == "int":
                test = f"isinstance({value}, int) and not isinstance({value}, bool)"
                self.wrong_unless(test, value, path, key, "a JSON integer", mark)
            elif f.kind == "object":
                assert f.child is not None
                self.nested(f.child, value, path, key, bad)
            else:
                self.array(f, value, path, key, bad)

    def wrong_unless(
        self, test: str, value: str, path: str, key: str, expected: str, mark: str | None
    ) -> None:
        src = self.src
        src.line(f"if not ({test}):")
        with src.indent():
            src.line(f"out.append((True, wrong_type, ({path}, {key}, {expected!r}, {value})))")
            if mark:
                src.line(mark)

    def nested(self, spec: ObjectSpec, value: str, path: str, key: str, bad: str | None) -> None:
        """Check a nested object; with *bad*, mark the field if anything was found in it."""
        with self.marking(bad, key):
            if self._inlined < _INLINE_DEPTH:
                self.inline_object(spec, value, path, key)
            else:
                self.src.line(
                    f"{self.object_function(spec)}({value}, {path}, {key}, out, pan, pan_shortest)"
                )

    @contextmanager
    def marking(self, bad: str | None, key: str) -> Iterator[None]:
        """With *bad*, the field *key* goes into it when the checks written inside the
        ``with`` found anything."""
        if bad is None:
            yield
            return
        before = self.src.local("n")
        self.src.line(f"{before} = len(out)")
        yield
        self.src.line(f"if len(out) > {before}:")
        with self.src.indent():
            self.src.line(f"{bad}.add({key})")

    def array(self, f: FieldSpec, value: str, path: str, key: str, bad: str | None) -> None:
        src = self.src
        src.line(f"if not isinstance({value}, list):")
        with src.indent():
            src.line(f"out.append((True, wrong_type, ({path}, {key}, 'a JSON array', {value})))")
            if bad is not None:
                src.line(f"{bad}.add({key})")
        src.line("else:")
        with src.indent():
            base = src.local("p")
            index, item = src.local("i"), src.local("item")
            src.line(f"{base} = {path}")
            with self.marking(bad, key):
                src.line(f"for {index}, {item} in enumerate({value}):")
                with src.indent():
                    item_path = f"f'{{{base}}}/{{{index}}}'"
                    if f.item_kind == "object":
                        assert f.child is not None
                        fn = self.object_function(f.child)
                        src.line(f"{fn}({item}, {item_path}, {key}, out, pan, pan_shortest)")
                    else:
                        self.string(f, item, item_path, key, None)

    # Strings and their field rules ------------------------------------------------------

    def string(self, f: FieldSpec, value: str, path: str, key: str, mark: str | None) -> None:
        """The type test, then the field rules in order up to the first error, then the
        card-number scan (whatever the rules found)."""
        src = self.src
        self.wrong_unless(f"isinstance({value}, str)", value, path, key, "a string", mark)
        if f.rules or f.scan is not None:
            src.line("else:")
            with src.indent():
                if f.scan is not None or any(type(r) is _fields.length for r in f.rules):
                    # The length rule and the scan both read the length: taken once.
                    size = src.local("n")
                    src.line(f"{size} = len({value})")
                    self.lengths[value] = size
                # A value that passed rules which exclude a card number is not scanned: the
                # scan runs when the rules reported something (as they do for a PAN).
                reported = None
                if f.scan is not None and passing_excludes_pan(f.rules):
                    reported = src.local("reported")
                    src.line(f"{reported} = False")
                if f.rules:
                    self.reported = reported
                    self.chain(list(f.rules), value, path, key, mark)
                    self.reported = None
                if f.scan is not None:
                    self.pan_scan(f.scan, value, path, key, mark, reported)
                self.lengths.pop(value, None)

    def pan_scan(
        self,
        scan: PanScan,
        value: str,
        path: str,
        key: str,
        mark: str | None,
        reported: str | None = None,
    ) -> None:
        """The ``pan_in_text`` test of a string: a length test first, which most values
        fail; then an identifier's anchored match inline, or the text scan. *reported*
        names a local that the field's rules set to ``True`` when they report, when a value
        that passes them cannot hold a card number: then only a value they reported on is
        scanned."""
        src = self.src
        # No PAN-shaped number fits in fewer than 13 characters, nor a whole one in more
        # than 37 (19 digits, 18 separators): most values stop at the length.
        # ``pan_shortest`` is 12, or more than any string when the scan is off.
        size = self.lengths.get(value, f"len({value})")
        if scan.whole:
            test = f"pan_shortest < {size} < 38 and pan_whole({value}) is not None"
            test += f" and whole_pan({value})"
        else:  # a short string's first test inline (pan_found tells a long one on its bytes)
            test = f"{size} > pan_shortest and ({size} > PAN_LONG or pan_near({value}) is not None)"
            test += f" and pan_found({value})"
        if reported is not None:
            test = f"{reported} and {test}"
        severity = f"pan[{int(scan.free_text)}]"
        src.line(f"if {test}:")
        with src.indent():
            args = f"({path}, {key}, {severity}, {scan.whole})"
            src.line(f"out.append(({severity}, pan_violation, {args}))")
            if mark:
                src.line(mark)

    def key_pan(self, scan: PanScan) -> None:
        """The ``pan_in_text`` test of the name ``key`` of an unknown member of ``obj``."""
        severity = f"pan[{int(scan.free_text)}]"
        test = "isinstance(key, str) and len(key) > pan_shortest and pan_found(key)"
        self.src.line(f"if {test}:")
        with self.src.indent():
            args = f"(key, base, {severity})"
            self.src.line(f"out.append(({severity}, key_pan_violation, {args}))")

    def chain(
        self,
        rules: list[FieldRule],
        value: str,
        path: str,
        key: str,
        mark: str | None,
        digits: bool = False,
    ) -> None:
        """The rules in order; each runs only when those before passed or only warned.

        *digits* says that an earlier rule has shown the value to be ASCII digits. Each
        rule's test is written by the writer registered for its kind in
        :data:`FIELD_RULE_WRITERS`; a rule of another kind is called.
        """
        if not rules:
            self.src.line("pass")
            return
        at = FieldCheck(self, rules, value, path, key, mark, digits)
        writer = FIELD_RULE_WRITERS.get(rules[0]) or _call_field_rule
        writer(rules[0], at)

    # Rules across fields ----------------------------------------------------------------

    def rule(self, rule: Rule) -> None:
        """Append a finding when *rule* would report one: with the writer registered for
        its kind in :data:`RULE_WRITERS`; a rule of another kind is run as it is."""
        writer = RULE_WRITERS.get(rule) or _run_rule
        writer(rule, RuleCheck(self, rule))

    def condition(self, condition: Condition) -> str:
        """An expression true when *condition* holds for ``obj``: with the writer registered
        for its kind in :data:`CONDITION_WRITERS`; a condition of another kind is called."""
        writer = CONDITION_WRITERS.get(condition)
        if writer is None:
            return f"{self.src.const(condition, 'CONDITION')}(obj)"
        return writer(condition, self.src)

    def finding(self, rule: Rule, is_error: bool) -> None:
        if self.reaching:
            # ``obj`` is the view with the nested fields; the finding is read again by the
            # Reaching rule on the top-level fields, so its paths point into the nesting.
            rule = Reaching(rule)
        r = self.src.const(rule, "RULE")
        names = self.src.const(tuple(rule.fields()), "NAMES")
        self.src.line(
            f"out.append(({is_error}, rule_violation, ({r}, snapshot(obj, {names}), base)))"
        )


_INLINE_DEPTH = 3  # deeper nested objects get a function of their own


# Where a rule's test is written ---------------------------------------------------------


class FieldCheck:
    """Where the compiled test of a field rule goes: in the chain of one field's rules.

    A writer of :data:`FIELD_RULE_WRITERS` gets one, writes a test of the value with
    ``src`` and ``report``, and writes the rules after this one with ``rest`` where the
    value goes on to them: after a pass, or a failure that is only a warning.

    Attributes:
        src: the generated :class:`Source`.
        value: the name of the variable that holds the value, a ``str``.
        name: the name of the rule object in the generated code (call it to run the rule).
        digits: whether the rules before have shown the value to be ASCII digits.
    """

    def __init__(
        self,
        compiler: _Compiler,
        rules: list[FieldRule],
        value: str,
        path: str,
        key: str,
        mark: str | None,
        digits: bool,
    ) -> None:
        self.src = compiler.src
        self.value = value
        self.digits = digits
        self.name = compiler.src.const(rules[0], "R")
        self._rule = rules[0]
        self._compiler = compiler
        self._rest = rules[1:]
        self._path, self._key, self._mark = path, key, mark

    @property
    def length(self) -> str:
        """An expression for the length of the value (a local that holds it, when the
        compiler took it once for the field)."""
        return self._compiler.lengths.get(self.value, f"len({self.value})")

    @property
    def more(self) -> bool:
        """Whether other rules follow this one in the chain."""
        return bool(self._rest)

    def report(self, is_error: str, failure: Failure | None = None) -> None:
        """Append the finding of this rule on the value; *is_error* is an expression.

        *failure*, for a rule whose failure does not depend on the value (its code and
        message are always the same), lets the violation be made without running the rule
        again, once per place it is found (see :func:`fixed_violation`).
        """
        if failure is not None:
            code, message = failure
            fixed = self.src.const((code, message, severity_of(self._rule, code)), "FAILURE")
            args = f"({fixed}, {self._path}, {self._key})"
            self.src.line(f"out.append(({is_error}, fixed_violation, {args}))")
        else:
            args = f"({self.name}, {self.value}, {self._path}, {self._key})"
            self.src.line(f"out.append(({is_error}, field_violation, {args}))")
        if self._mark:
            self.src.line(self._mark)
        if self._compiler.reported is not None:
            self.src.line(f"{self._compiler.reported} = True")

    def rest(self, *, digits: bool = False) -> None:
        """The tests of the rules after this one (nothing when none follow); *digits* says
        that the value is known there to be ASCII digits."""
        if self._rest:
            self._compiler.chain(self._rest, self.value, self._path, self._key, self._mark, digits)

    def fails_when(
        self, test: str, *, shows_digits: bool = False, failure: Failure | None = None
    ) -> None:
        """The test of a rule whose every failure is an error: it reports when *test* holds,
        and the rules after it run otherwise (*shows_digits*: passing it shows the value to
        be ASCII digits; *failure*: see :meth:`report`)."""
        src = self.src
        src.line(f"if {test}:")
        with src.indent():
            self.report("True", failure)
        if self._rest:
            src.line("else:")
            with src.indent():
                self.rest(digits=self.digits or shows_digits)


class RuleCheck:
    """Where the compiled test of a rule across fields goes: in the checks of the object
    ``obj`` (a dict) found at the JSON pointer ``base``.

    A writer of :data:`RULE_WRITERS` gets one and writes, with ``src``, a test that appends
    the rule's finding when the rule would report a violation; :func:`sent`,
    :func:`any_sent` and :func:`all_sent` write the usual tests of presence.

    Attributes:
        src: the generated :class:`Source`.
    """

    def __init__(self, compiler: _Compiler, rule: Rule) -> None:
        self.src = compiler.src
        self._compiler = compiler
        self._rule = rule

    def rule(self, inner: Rule) -> None:
        """The test of another rule (one this rule holds), written with its own writer."""
        self._compiler.rule(inner)

    def condition(self, condition: Condition) -> str:
        """An expression true when *condition* holds for ``obj``."""
        return self._compiler.condition(condition)

    def finding(self, rule: Rule, is_error: bool) -> None:
        """Append the finding of *rule*, which must find exactly one violation in ``obj``
        (it is run again on a snapshot of its fields when the report is read)."""
        self._compiler.finding(rule, is_error)

    def fails_when(self, test: str) -> None:
        """The usual test: the rule reports one error exactly when *test* holds."""
        self.src.line(f"if {test}:")
        with self.src.indent():
            self._compiler.finding(self._rule, True)


FieldRuleWriter = Callable[[Any, FieldCheck], None]
RuleWriter = Callable[[Any, RuleCheck], None]
ConditionWriter = Callable[[Any, Source], str]

#: The writers of the compiled tests of field rules, by rule class.
FIELD_RULE_WRITERS: ByKind[FieldRuleWriter] = ByKind("compiled field rule tests")
#: The writers of the compiled tests of rules across fields, by rule class.
RULE_WRITERS: ByKind[RuleWriter] = ByKind("compiled rule tests")
#: The writers of the compiled tests of conditions (of :func:`~mdesrules.combinators.when`):
#: each returns an expression, true when the condition holds for ``obj``.
CONDITION_WRITERS: ByKind[ConditionWriter] = ByKind("compiled condition tests")


def sent(name: str) -> str:
    """An expression: the field *name* is in ``obj``."""
    return f"({name!r} in obj)"


def any_sent(names: tuple[str, ...]) -> str:
    """An expression: at least one of the fields *names* is in ``obj``."""
    return "(" + " or ".join(sent(n) for n in names) + ")" if len(names) > 1 else sent(names[0])


def all_sent(names: tuple[str, ...]) -> str:
    """An expression: every one of the fields *names* is in ``obj``."""
    return "(" + " and ".join(sent(n) for n in names) + ")" if len(names) > 1 else sent(names[0])


# The generic fallbacks: a rule of a kind without a writer runs as the interpreter runs it.


def _call_field_rule(rule: FieldRule, at: FieldCheck) -> None:
    src, r = at.src, at.name
    failure = src.local("failure")
    src.line(f"{failure} = {r}({at.value})")
    src.line(f"if {failure} is not None:")
    with src.indent():
        at.report(f"severity_of({r}, {failure}[0]) == 'error'")
    if at.more:
        src.line(f"if {failure} is None or severity_of({r}, {failure}[0]) != 'error':")
        with src.indent():
            at.rest()


def _run_rule(rule: Rule, at: RuleCheck) -> None:
    """Run it now and keep what it found, already built."""
    src = at.src
    found = src.local("found")
    src.line(f"{found} = []")
    src.line(f"{src.const(rule, 'RULE')}.check(obj, base, {found})")
    src.line(f"out.extend((v.severity == 'error', given, (v,)) for v in {found})")


# The field rules of mdesrules.fields -------------------------------------------------------


@FIELD_RULE_WRITERS.register(_fields.length)
def _length(rule: _fields.length, at: FieldCheck) -> None:
    n = at.length
    if rule.max is None:
        at.fails_when(f"{n} < {rule.min}" if rule.min > 0 else "False")
    elif rule.min == rule.max:
        at.fails_when(f"{n} != {rule.min}")
    else:
        at.fails_when(f"not {rule.min} <= {n} <= {rule.max}")


@FIELD_RULE_WRITERS.register(_fields.matches)
def _matches(rule: _fields.matches, at: FieldCheck) -> None:
    pattern, v = rule.pattern, at.value
    regex = at.src.const(re.compile(pattern).fullmatch, "MATCH")
    predicate = PREDICATES.get(pattern)
    if predicate is not None:
        test = "not " + predicate.format(v=v, n=at.length)
    elif pattern in _PRINTABLE_PASSES:
        test = f"not {v}.isprintable() and {regex}({v}) is None"
    else:
        test = f"{regex}({v}) is None"
    failure = ("bad_format", f"must be {rule.description}")
    at.fails_when(test, shows_digits=pattern == _DIGITS, failure=failure)


@FIELD_RULE_WRITERS.register(_fields.iso_timestamp)
def _iso_timestamp(rule: _fields.iso_timestamp, at: FieldCheck) -> None:
    """The form by its regex (a failure worded once per place), then the date's existence
    by :func:`~mdesrules.fields._date_fault`, whose message names the month."""
    src, v = at.src, at.value
    regex = src.const(_fields._TIMESTAMP_MATCH, "MATCH")
    date_fault = src.const(_fields._date_fault, "DATE_FAULT")
    src.line(f"if {regex}({v}) is None:")
    with src.indent():
        at.report("True", ("bad_format", f"must be {rule.description}"))
    src.line(f"elif {date_fault}({v}) is not None:")
    with src.indent():
        at.report("True")
    if at.more:
        src.line("else:")
        with src.indent():
            at.rest(digits=at.digits)


@FIELD_RULE_WRITERS.register(_fields.luhn)
def _luhn(rule: _fields.luhn, at: FieldCheck) -> None:
    v = at.value
    if at.digits:  # luhn_digits_ok, inline: a PAN is checked in every request
        e = at.src.local("e")
        doubled = at.src.const(_fields._DOUBLED, "DOUBLED")
        test = (
            f"(sum(({e} := {v}.encode())[-1::-2] + {e}[-2::-2].translate({doubled}))"
            f" - 48 * len({e})) % 10"
        )
    else:
        test = f"luhn_fails({v})"
    at.fails_when(test, failure=_LUHN_FAILURE)


@FIELD_RULE_WRITERS.register(_fields.one_of)
def _one_of(rule: _fields.one_of, at: FieldCheck) -> None:
    src, v = at.src, at.value
    allowed = src.const(frozenset(rule.values), "VALUES")
    if not (rule.deprecated or rule.unknown_is_warning):  # every failure is an error
        at.fails_when(f"{v} not in {allowed}")
        return
    if rule.unknown_is_warning:  # every failure is a warning: report and go on
        src.line(f"if {v} not in {allowed}:")
        with src.indent():
            at.report("False")
        at.rest()
        return
    deprecated = src.const(frozenset(rule.deprecated), "DEPRECATED")
    src.line(f"if {v} not in {allowed} and {v} not in {deprecated}:")
    with src.indent():
        at.report("True")
    src.line("else:")
    with src.indent():
        src.line(f"if {v} not in {allowed}:")
        with src.indent():
            at.report("False")
        at.rest()


# The rules across fields of mdesrules.combinators -----------------------------------------


@RULE_WRITERS.register(AllOf)
def _all_of(rule: AllOf, at: RuleCheck) -> None:
    for inner in rule.rules:
        at.rule(inner)


@RULE_WRITERS.register(When)
def _when(rule: When, at: RuleCheck) -> None:
    at.src.line(f"if {at.condition(rule.condition)}:")
    with at.src.indent():
        for inner in rule.rules:
            at.rule(inner)
        at.src.line("pass")


@RULE_WRITERS.register(Expects)
def _expects(rule: Expects, at: RuleCheck) -> None:
    for name in rule.names:  # one finding per absent field, as the rule reports them
        at.src.line(f"if {name!r} not in obj:")
        with at.src.indent():
            at.finding(Expects((name,), rule.severity), rule.severity == "error")


@RULE_WRITERS.register(ExactlyOneOf)
def _exactly_one_of(rule: ExactlyOneOf, at: RuleCheck) -> None:
    alternatives = [any_sent(alt) for alt in rule.alternatives]
    partial = [
        f"({any_sent(alt)} and not {all_sent(alt)})" for alt in rule.alternatives if len(alt) > 1
    ]
    at.fails_when(" or ".join([f"({' + '.join(alternatives)}) != 1", *partial]))


@RULE_WRITERS.register(AtMostOneOf)
def _at_most_one_of(rule: AtMostOneOf, at: RuleCheck) -> None:
    at.fails_when(f"({' + '.join(sent(n) for n in rule.names)}) > 1")


@RULE_WRITERS.register(AtLeastOneOf)
def _at_least_one_of(rule: AtLeastOneOf, at: RuleCheck) -> None:
    at.fails_when(f"not {any_sent(rule.names)}")


@RULE_WRITERS.register(Forbids)
def _forbids(rule: Forbids, at: RuleCheck) -> None:
    at.fails_when(f"{sent(rule.name)} and {any_sent(rule.others)}")


@RULE_WRITERS.register(Requires)
def _requires(rule: Requires, at: RuleCheck) -> None:
    at.fails_when(f"{sent(rule.name)} and not {all_sent(rule.others)}")


@RULE_WRITERS.register(Reaching)
def _reaching(rule: Reaching, at: RuleCheck) -> None:
    # The inner rule's own test, on a view of ``obj`` in which each nested field it names
    # appears under its path (``obj`` itself when none is sent, the usual case); a kind
    # without a writer inside it runs the whole Reaching rule as the interpreter does.
    if not _written(rule.rule) or at._compiler.reaching:
        _run_rule(rule, at)
        return
    src = at.src
    paths = tuple((n, tuple(n.split("/"))) for n in rule.rule.fields() if "/" in n)
    outer = src.local("outer")
    src.line(f"{outer} = obj")
    src.line(f"obj = reach_view(obj, {src.const(paths, 'PATHS')})")
    at._compiler.reaching = True
    try:
        at.rule(rule.rule)
    finally:
        at._compiler.reaching = False
    src.line(f"obj = {outer}")


def _written(rule: Rule) -> bool:
    """Whether *rule* and every rule it holds have a compiled writer."""
    if RULE_WRITERS.get(rule) is None:
        return False
    if isinstance(rule, AllOf):
        return all(_written(inner) for inner in rule.rules)
    if isinstance(rule, When):
        return all(_written(inner) for inner in rule.rules)
    return not isinstance(rule, Reaching)


def _reach_view(
    obj: dict[str, object], paths: tuple[tuple[str, tuple[str, ...]], ...]
) -> dict[str, object]:
    """*obj* with each nested field of *paths* that is sent added under its path name, as
    :class:`~mdesrules.combinators.Reaching` sees it; *obj* itself when none is sent."""
    view = obj
    for name, parts in paths:
        here: object = obj
        for part in parts:
            if (type(here) is not dict and not isinstance(here, Mapping)) or part not in here:
                break
            here = here[part]
        else:
            if view is obj:
                view = dict(obj)
            view[name] = here
    return view


@RULE_WRITERS.register(OnlyWhen)
def _only_when(rule: OnlyWhen, at: RuleCheck) -> None:
    got = f"obj[{rule.field!r}]"
    at.fails_when(
        f"{sent(rule.name)} and {sent(rule.field)} and {_one_of_values(got, rule.others, at.src)}"
    )


def _one_of_values(expression: str, values: tuple[object, ...], src: Source) -> str:
    """An expression: *expression* is one of *values*, of the same JSON type."""
    if all(type(v) is str for v in values):
        allowed = src.const(frozenset(values), "VALUES")
        return f"(type({expression}) is str and {expression} in {allowed})"
    same = src.const(_same_value, "same")
    return f"any({same}({expression}, v) for v in {src.const(values, 'VALUES')})"


def _same_value(value: object, expected: object) -> bool:
    return type(value) is type(expected) and value == expected


@CONDITION_WRITERS.register(Equals)
def _equals(condition: Equals, src: Source) -> str:
    got = f"obj[{condition.name!r}]"
    return f"({sent(condition.name)} and {_one_of_values(got, (condition.value,), src)})"


@CONDITION_WRITERS.register(Present)
def _present(condition: Present, src: Source) -> str:
    return sent(condition.name)


@CONDITION_WRITERS.register(Absent)
def _absent(condition: Absent, src: Source) -> str:
    return f"{condition.name!r} not in obj"


# The check of one wire form -------------------------------------------------------------


def _write(form: FormSpec) -> Source:
    compiler = _Compiler(form.unknown)
    src = compiler.src
    envelope = form.envelope
    src.names["STATE_RULES"] = form.state_rules
    src.names["FORM"] = form
    src.names["interpret"] = check_form
    # ``pan`` and ``pan_shortest`` (see _Compiler.pan_scan) are those of no context unless
    # one is given.
    src.line("def check(payload, context, pan=PAN_DEFAULT, pan_shortest=12):")
    with src.indent():
        src.line("out = []")
        src.line("if context is not None:")
        with src.indent():
            src.line("pan = PAN_SEVERITIES[context.pan_in_text]")
            src.line("pan_shortest = 12 if pan is not None else PAN_NEVER")
        if envelope is None:
            src.line("obj = payload")
            src.line("base = ''")
        else:
            # The usual document: one object under its wrapper key. Any other shape goes to
            # the interpreter, which words what is wrong with it.
            shape = f"type(payload) is dict and len(payload) == 1 and {envelope!r} in payload"
            src.line(f"if not ({shape}):")
            with src.indent():
                src.line("found = interpret(FORM, payload, context)")
                src.line("return [(v.severity == 'error', given, (v,)) for v in found]")
            src.line(f"obj = payload[{envelope!r}]")
            src.line(f"base = {pointer(envelope)!r}")
        src.line("bad = set()")
        # The request object's checks are written here, not called: a call per check
        # costs as much as a field's tests.
        src.line("if not isinstance(obj, dict):")
        with src.indent():
            name = repr(envelope or form.operation)
            src.line(f"out.append((True, wrong_type, (base, {name}, 'a JSON object', obj)))")
            src.line("return out")
        compiler.members(form.spec, "bad")
        for rule in form.rules:
            compiler.rule(rule)
        if form.state_rules:
            src.line("if context is not None:")
            with src.indent():
                src.line("found = []")
                src.line("for state_rule in STATE_RULES:")
                with src.indent():
                    src.line("state_rule.check(obj, base, context, bad, found)")
                src.line("out.extend((v.severity == 'error', given, (v,)) for v in found)")
        src.line("return out")
    compiler.write_objects()
    return src


def compile_form(form: FormSpec) -> CompiledCheck:
    """The compiled check of one wire *form* of an operation.

    The function takes the payload as given and the context (or None) and returns the
    findings, in the interpreter's order; it raises for no payload.
    """
    src = _write(form)
    text = src.text()
    filename = f"<mdesrules compiled check of {form.operation} #{next(_SERIAL)}>"
    namespace = dict(src.names)
    exec(compile(text, filename, "exec"), namespace)
    # No modification time: linecache.checkcache keeps the entry, as for cattrs' code.
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    check = namespace["check"]
    assert callable(check)
    _SOURCES[check] = text
    return check


_SOURCES: dict[CompiledCheck, str] = {}
_SERIAL = itertools.count(1)  # makes each compiled check's file name unique


def compiled_source(check: CompiledCheck) -> str:
    """The Python source of a compiled check (``REGISTRY.get(op).form().checker``)."""
    return _SOURCES[check]
