"""The compiled rule sets find exactly what the interpreter of the rule objects finds.

``mdesrules.check`` runs each operation's compiled check; the rule objects, walked by
``mdesrules._walk``, are the rules' readable form. Here the two are held equal (same
violations, same messages, same order, same verdict) on valid documents, their mutations,
arbitrary JSON, with and without a token context, for every operation and wire form; and
the compiler's shortcuts (str methods for some patterns, digit sums for Luhn) are held equal
to the rules they stand for. Then the laziness: a report renders its messages when read,
and what it renders is what the document held when it was checked.
"""

from __future__ import annotations

import copy
import inspect
import json
import pickle
import re
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar, Literal

import pytest
from attrs import evolve, field, frozen
from attrs.exceptions import FrozenInstanceError
from hypothesis import example, given, settings
from hypothesis import strategies as st
from slow_params import slow_except
from strategies_documents import context_for, json_values, mutated
from strategies_pan import luhn_ok
from strategies_pan_in_text import BY_KEY as SURFACE_BY_KEY
from strategies_pan_in_text import CASES as PAN_CASES
from strategies_pan_in_text import case_id as pan_case_id
from strategies_pan_in_text import with_card_numbers

import mdesrules
from mdesrules import REGISTRY, Context, Report, Violation
from mdesrules._walk import check_form
from mdesrules.apis import MDES_CS_API_2_1_7, MDES_CS_API_2_2_2
from mdesrules.combinators import (
    Obj,
    Rule,
    absent,
    all_of,
    at_least_one_of,
    at_most_one_of,
    equals,
    exactly_one_of,
    expects,
    forbids,
    only_when,
    pointer_in,
    present,
    reaching,
    requires,
    when,
)
from mdesrules.compiler import (
    CONDITION_WRITERS,
    FIELD_RULE_WRITERS,
    PREDICATES,
    RULE_WRITERS,
    FieldCheck,
    RuleCheck,
    Source,
    _luhn_fails,
    compile_form,
    compiled_source,
    forget_violations,
    sent,
)
from mdesrules.fields import digits, iso_timestamp, length, luhn, one_of, printable
from mdesrules.pan_text import PAN_MODES
from mdesrules.registry import Form
from mdesrules.schema import object_spec, wire
from mdesrules.testing import valid_documents

FORMS = [
    (op.name, form)
    for op in REGISTRY
    for form in (("json", "xml") if op.xml_root is not None else ("json",))
]
SETTINGS = settings(max_examples=40, deadline=None)

FormName = Literal["json", "xml"]


def compiled(form: Form, payload: object, context: Context | None = None) -> Report:
    return Report.of_findings(form.operation, form.checker(payload, context))


def interpreted(form: Form, payload: object, context: Context | None = None) -> Report:
    return Report(form.operation, check_form(form, payload, context))


def assert_same(form: Form, payload: object, context: Context | None = None) -> None:
    """The compiled check of *payload* reports what the interpreter reports, verdict first
    (answered from the unrendered findings), then every violation in order."""
    fast = compiled(form, payload, context)
    slow = interpreted(form, payload, context)
    assert fast.ok == slow.ok
    assert fast.violations == slow.violations


def wire_form(operation: str, form: FormName) -> Form:
    return REGISTRY.get(operation).form(form)


@pytest.mark.parametrize(("operation", "form"), slow_except(FORMS))
@SETTINGS
@given(data=st.data())
def test_valid_documents_and_their_mutations_get_the_interpreters_report(
    operation: str, form: FormName, data: st.DataObject
) -> None:
    document = data.draw(valid_documents(operation, form=form))
    assert_same(wire_form(operation, form), document)
    context = data.draw(context_for(document))
    assert_same(wire_form(operation, form), document, context)
    document = data.draw(mutated(document))
    assert_same(wire_form(operation, form), document)
    assert_same(wire_form(operation, form), document, context)


@pytest.mark.parametrize(
    ("operation", "key", "form"),
    slow_except([pytest.param(*case, id=pan_case_id(case)) for case in PAN_CASES]),
)
@SETTINGS
@given(data=st.data())
def test_card_numbers_in_text_get_the_interpreters_report_in_every_mode(
    operation: str, key: str, form: FormName, data: st.DataObject
) -> None:
    """``pan_in_text`` in every API surface: card numbers (and numbers that only look like
    them) in strings and member names, then random edits, in every mode, with and without
    a token context."""
    registry = SURFACE_BY_KEY[key]
    checked_form = registry.get(operation).form(form)
    document = data.draw(valid_documents(operation, form=form, registry=registry))
    envelope = checked_form.envelope
    inner = document[envelope] if envelope is not None else document
    inner = data.draw(with_card_numbers(checked_form.spec, inner))
    document = {envelope: inner} if envelope is not None else inner
    if data.draw(st.booleans()):
        document = data.draw(mutated(document))
    context = data.draw(context_for(document))
    assert_same(checked_form, document)
    for mode in PAN_MODES:
        assert_same(checked_form, document, Context(pan_in_text=mode))
        assert_same(checked_form, document, evolve(context, pan_in_text=mode))


#: The later versions of the CS API, in plaintext form (JSON only).
VERSIONS = {"2.1.7": MDES_CS_API_2_1_7, "2.2.2": MDES_CS_API_2_2_2}
#: Their operations, as (operation, version).
VERSION_FORMS = [(op.name, v) for v, registry in VERSIONS.items() for op in registry]
#: Their specifications' examples: nested EncryptedData of every shape, valid or not.
VERSION_SAMPLES = [
    pytest.param(sample, version, id=f"{version}-{sample['name']}")
    for version in VERSIONS
    for sample in json.loads(
        (
            Path(__file__).parent / "fixtures" / f"x_samples_{version.replace('.', '_')}.json"
        ).read_text(encoding="utf-8")
    )["samples"]
]


@pytest.mark.parametrize(("operation", "version"), slow_except(VERSION_FORMS))
@SETTINGS
@given(data=st.data())
def test_later_versions_valid_documents_and_their_mutations_get_the_interpreters_report(
    operation: str, version: str, data: st.DataObject
) -> None:
    registry = VERSIONS[version]
    form = registry.get(operation).form("json")
    document = data.draw(valid_documents(operation, registry=registry))
    assert_same(form, document)
    context = data.draw(context_for(document))
    assert_same(form, document, context)
    document = data.draw(mutated(document))
    assert_same(form, document)
    assert_same(form, document, context)


@pytest.mark.parametrize(("sample", "version"), VERSION_SAMPLES)
@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_later_versions_examples_and_their_mutations_get_the_interpreters_report(
    sample: dict[str, Any], version: str, data: st.DataObject
) -> None:
    operation = VERSIONS[version].detect(sample["request"])
    assert operation is not None
    form = operation.form("json")
    assert_same(form, sample["request"])
    assert_same(form, data.draw(mutated(copy.deepcopy(sample["request"]))))


@pytest.mark.parametrize(("operation", "form"), slow_except(FORMS))
@SETTINGS
@given(payload=json_values)
def test_any_json_value_gets_the_interpreters_report(
    operation: str, form: FormName, payload: object
) -> None:
    envelope = wire_form(operation, form).envelope
    assert_same(wire_form(operation, form), payload)
    if envelope is not None:
        assert_same(wire_form(operation, form), {envelope: payload})


def test_every_shape_of_wrapper_gets_the_interpreters_report() -> None:
    form = wire_form("token_update", "json")
    inner = {"TokenUniqueReference": "DWSPMC0001", "ExpirationDate": "0128"}
    for payload in (
        None,
        [],
        {},
        {"TokenUpdateRequest": inner, "ExpirationDate": "0128"},
        {"ExpirationDate": "0128"},
        {"TokenUpdateRequest": None},
        {"TokenUpdateRequest": [inner]},
    ):
        assert_same(form, payload)


def _timestamp_fields() -> list[tuple[str, FormName, str]]:
    """Every timestamp field: its operation, wire form and path (``tokens/statusTimestamp``)."""

    def paths(spec: Any, prefix: str = "") -> Iterator[str]:
        for f in spec.fields:
            if any(type(r) is iso_timestamp for r in f.rules):
                yield prefix + f.name
            if f.child is not None:
                yield from paths(f.child, f"{prefix}{f.name}/")

    return [(name, form, p) for name, form in FORMS for p in paths(wire_form(name, form).spec)]


#: Timestamps on the days where the calendar decides (28 to 31 of any month of any year),
#: half of them known not to exist.
late_days = st.sampled_from(
    [
        "2024-02-30T10:00:00.5Z",
        "2023-02-29T10:00:00Z",
        "2024-04-31T10:00:00.250Z",
        "0000-01-01T10:00:00Z",
    ]
) | st.builds(
    "{:04d}-{:02d}-{:02d}T10:00:00.{}Z".format,
    st.integers(0, 9999),
    st.integers(1, 12),
    st.integers(28, 31),
    st.integers(0, 999),
)


def _with_timestamps(node: Any, value: str) -> Any:
    """*node* with every string of the timestamp's form replaced by *value*."""
    if isinstance(node, dict):
        return {k: _with_timestamps(v, value) for k, v in node.items()}
    if isinstance(node, list):
        return [_with_timestamps(v, value) for v in node]
    if isinstance(node, str) and re.fullmatch(iso_timestamp.pattern, node):
        return value
    return node


def test_the_timestamp_fields_are_found() -> None:
    assert _timestamp_fields() == [
        ("account_holder_messaging", "json", "MessageExpiration"),
        ("notify_token_updated", "json", "tokens/statusTimestamp"),
    ]


@pytest.mark.parametrize(("operation", "form", "field"), _timestamp_fields())
@settings(max_examples=20, deadline=None)
@given(data=st.data(), value=late_days)
def test_a_timestamp_whose_date_may_not_exist_gets_the_interpreters_report(
    operation: str, form: FormName, field: str, data: st.DataObject, value: str
) -> None:
    document = data.draw(valid_documents(operation, form=form, sending=[field]))
    changed = _with_timestamps(document, value)
    assert value in json.dumps(changed)
    assert_same(wire_form(operation, form), changed)


# The compiler's shortcuts --------------------------------------------------------------

any_text = st.text(st.characters(codec="utf-8"), max_size=25) | st.text("0123456789 ", max_size=25)


@given(value=any_text | st.text("0123456789\u0661", min_size=4, max_size=4))
@example("0128")
@example("1299")
@example("0028")
@example("1328")
@example("012\u0661")
def test_pattern_shortcuts_decide_as_their_regex(value: str) -> None:
    for pattern, predicate in PREDICATES.items():
        decided = eval(predicate.format(v="value", n="len(value)"), {"value": value})
        assert decided == (re.fullmatch(pattern, value) is not None)


@given(value=any_text)
def test_the_luhn_shortcut_decides_as_the_luhn_rule(value: str) -> None:
    assert _luhn_fails(value) == (luhn()(value) is not None)


@given(number=st.text("0123456789", min_size=1, max_size=25))
def test_the_luhn_rule_and_its_shortcut_agree_with_the_textbook_luhn(number: str) -> None:
    assert _luhn_fails(number) == (luhn()(number) is not None) == (not luhn_ok(number))


@given(value=any_text)
def test_free_text_decides_as_its_regex(value: str) -> None:
    form = wire_form("token_update", "json")
    document = {
        "TokenUpdateRequest": {
            "TokenUniqueReference": "DWSPMC0001",
            "ExpirationDate": "0128",
            "CommentText": value,
            "AuditInfo": {"UserId": value, "UserName": "J", "Organization": "B"},
        }
    }
    assert_same(form, document)


# Rules of kinds the compiler does not know ----------------------------------------------


@frozen(repr=False)
class _Vowels:
    """A field rule of one's own: no vowels (a warning), never 'x' (an error)."""

    warning_codes: ClassVar[tuple[str, ...]] = ("bad_format",)

    def __call__(self, value: str) -> tuple[str, str] | None:
        if "x" in value:
            return "not_allowed_value", "must not hold an x"
        if any(c in "aeiou" for c in value):
            return "bad_format", "should hold no vowels"
        return None

    def __repr__(self) -> str:
        return "no vowels"


@frozen(repr=False)
class _SameLength:
    """A rule across fields of one's own: A and B, when both sent, are equally long."""

    def check(self, obj: Obj, base: str, out: list[Violation]) -> None:
        a, b = obj.get("A"), obj.get("B")
        if isinstance(a, str) and isinstance(b, str) and len(a) != len(b):
            out.append(Violation("requires", base + "/B", (base + "/A", base + "/B"), "unequal"))

    def renamed(self, naming: Any) -> Rule:
        return self

    def fields(self) -> tuple[str, ...]:
        return ("A", "B")

    def __repr__(self) -> str:
        return "A and B are equally long"


@frozen(kw_only=True)
class _Custom:
    a: str | None = field(default=None, metadata=wire(_Vowels(), length(1, 3)))
    b: str | None = field(default=None, metadata=wire(one_of(("b", "bb"), ("bbb",)), _Vowels()))
    c: tuple[str, ...] = field(default=(), metadata=wire(digits()))
    d: str = field(metadata=wire(printable(), one_of(("d",), unknown_is_warning=True)))


CUSTOM = Form(
    "custom",
    "Custom",
    object_spec(_Custom),
    (
        _SameLength(),
        exactly_one_of("A", ("B", "C")),
        at_most_one_of("A", "B", "C"),
        at_least_one_of("A", "D"),
        forbids("A", "B", "C"),
        requires("B", "C", "D"),
        expects("A", "B", severity="error"),
        expects("C"),
        only_when("B", "D", "d", "x", "y"),
        when(absent("A"), requires("D", "B")),
        when(equals("D", "d"), forbids("C", "A")),
        all_of(at_most_one_of("B", "D")),
        when(present("C")),
    ),
    (),
    "warning",
)
custom_values = st.one_of(
    st.sampled_from(["", "a", "x", "b", "bb", "bbb", "d", "y", "zz", ["1"], "B", "BB", "XY"]),
    json_values,
)


@given(
    members=st.dictionaries(st.sampled_from(["A", "B", "C", "D", "E"]), custom_values, max_size=5)
)
def test_rules_of_ones_own_are_run_as_the_interpreter_runs_them(
    members: dict[str, object],
) -> None:
    assert_same(CUSTOM, {"Custom": members})


# Rule kinds of one's own that bring their compiled test --------------------------------


@frozen(repr=False)
class _Upper:
    """A field rule of one's own with a compiled test: upper case letters only."""

    def __call__(self, value: str) -> tuple[str, str] | None:
        return None if value.isupper() else ("bad_format", "must be upper case")

    def __repr__(self) -> str:
        return "upper case"


@FIELD_RULE_WRITERS.register(_Upper)
def _upper(rule: _Upper, at: FieldCheck) -> None:
    at.fails_when(f"not {at.value}.isupper()")


@frozen(repr=False)
class _NotB(length):
    """A subclass of a known kind that means more than its base: no writer of its own, so
    it must not get the base's compiled test (which would let "B" pass)."""

    def __call__(self, value: str) -> tuple[str, str] | None:
        return ("not_allowed_value", "must not be B") if value == "B" else super().__call__(value)


@frozen(repr=False)
class _BothOrNeither:
    """A rule across fields of one's own with a compiled test: A and B go together."""

    a: str
    b: str

    def check(self, obj: Obj, base: str, out: list[Violation]) -> None:
        if (self.a in obj) != (self.b in obj):
            path = pointer_in(base, self.a if self.a in obj else self.b)
            fields = (pointer_in(base, self.a), pointer_in(base, self.b))
            out.append(Violation("requires", path, fields, f"{self.a} and {self.b} go together"))

    def renamed(self, naming: Any) -> Rule:
        return _BothOrNeither(naming(self.a), naming(self.b))

    def fields(self) -> tuple[str, ...]:
        return (self.a, self.b)


@RULE_WRITERS.register(_BothOrNeither)
def _both_or_neither(rule: _BothOrNeither, at: RuleCheck) -> None:
    at.fails_when(f"{sent(rule.a)} != {sent(rule.b)}")


@frozen(repr=False)
class _Empty:
    """A condition of one's own with a compiled test: the field is sent empty."""

    name: str

    def __call__(self, obj: Obj) -> bool:
        return self.name in obj and obj[self.name] == ""

    def renamed(self, naming: Any) -> _Empty:
        return _Empty(naming(self.name))

    def fields(self) -> tuple[str, ...]:
        return (self.name,)


@CONDITION_WRITERS.register(_Empty)
def _empty(condition: _Empty, src: Source) -> str:
    return f"obj.get({condition.name!r}) == ''"


@frozen(kw_only=True)
class _Registered:
    a: str | None = field(default=None, metadata=wire(_NotB(1, 3), _Upper()))
    b: str | None = field(default=None, metadata=wire(_Upper(), _Vowels()))
    c: str | None = field(default=None)
    d: str | None = field(default=None, metadata=wire(length(0, 2), _Upper()))


REGISTERED = Form(
    "registered",
    "Registered",
    object_spec(_Registered),
    (_BothOrNeither("A", "B"), when(_Empty("C"), _BothOrNeither("C", "D"))),
    (),
)


def test_rule_kinds_of_ones_own_bring_their_compiled_tests() -> None:
    source = compiled_source(REGISTERED.checker)
    assert ".isupper()" in source
    assert "('A' in obj) != ('B' in obj)" in source
    assert "obj.get('C') == ''" in source
    assert "CONDITION" not in source  # no condition left to call


@given(
    members=st.dictionaries(st.sampled_from(["A", "B", "C", "D", "E"]), custom_values, max_size=5)
)
def test_rule_kinds_of_ones_own_find_what_the_interpreter_finds(
    members: dict[str, object],
) -> None:
    assert_same(REGISTERED, {"Registered": members})


# Rules reaching into nested objects ------------------------------------------------------


@frozen(kw_only=True)
class _Inner:
    p: str | None = field(default=None)
    q: str | None = field(default=None)


@frozen(kw_only=True)
class _Nesting:
    a: str | None = field(default=None)
    n: _Inner | None = field(default=None)


NESTING = Form(
    "nesting",
    "Nesting",
    object_spec(_Nesting),
    (
        reaching(exactly_one_of("A", "N/P")),
        reaching(forbids("N/Q", "A", "N/P")),
        reaching(at_least_one_of("N/P", "N/Q", "A")),
        reaching(when(present("N/Q"), requires("A", "N/P"))),
        reaching(_SameLength()),  # a kind without a writer: run as the interpreter runs it
    ),
    (),
    "warning",
)
nested_members = st.dictionaries(
    st.sampled_from(["A", "N", "B"]),
    st.one_of(
        st.dictionaries(st.sampled_from(["P", "Q", "R"]), custom_values, max_size=3),
        custom_values,
    ),
    max_size=3,
)


def test_rules_reaching_into_nested_objects_are_compiled() -> None:
    source = compiled_source(NESTING.checker)
    assert source.count("reach_view(") == 4
    assert "'N/P' in obj" in source
    update = compiled_source(MDES_CS_API_2_2_2.get("token_update").form().checker)
    assert "reach_view(" in update
    assert re.search(r"RULE\d+\.check\(obj", update) is None  # no rule run as interpreted
    assert re.search(r"RULE\d+\.check\(obj", source) is not None  # but _SameLength is


@given(members=nested_members)
def test_rules_reaching_into_nested_objects_find_what_the_interpreter_finds(
    members: dict[str, object],
) -> None:
    assert_same(NESTING, {"Nesting": members})


def test_a_subclass_of_a_known_rule_kind_is_a_kind_of_its_own() -> None:
    assert FIELD_RULE_WRITERS.get(_NotB(1, 3)) is None
    assert FIELD_RULE_WRITERS.get(length(1, 3)) is not None
    document = {"Registered": {"A": "B", "B": "B"}}
    assert_same(REGISTERED, document)
    assert compiled(REGISTERED, document).codes == ("not_allowed_value",)


def test_a_compiled_check_can_be_read_as_python() -> None:
    source = compiled_source(wire_form("token_update", "json").checker)
    compile(source, "<test>", "exec")
    assert "'TokenUniqueReference'" in source


def test_a_form_compiled_again_finds_the_same() -> None:
    form = wire_form("search", "json")
    document = {"SearchRequest": {"AccountPan": "12", "Token": "x"}}
    again = Report.of_findings("search", compile_form(form)(document, None))
    assert again.violations == compiled(form, document).violations
    assert again.codes == ("too_short", "too_short", "missing_required", "mutually_exclusive")


@frozen(repr=False)
class _Breaks:
    """A field rule of one's own with a bug: it raises."""

    def __call__(self, value: str) -> tuple[str, str] | None:
        raise ZeroDivisionError("a bug in a rule of one's own")


@frozen(kw_only=True)
class _Broken:
    a: str = field(metadata=wire(length(1, 3), _Breaks()))


def test_a_traceback_through_a_compiled_check_shows_its_source() -> None:
    form = Form("broken", "Broken", object_spec(_Broken), (), ())
    with pytest.raises(ZeroDivisionError) as raised:
        form.checker({"Broken": {"A": "abc"}}, None)
    source = compiled_source(form.checker)
    generated = {line.strip() for line in source.splitlines()}
    frames = [f for f in traceback.extract_tb(raised.tb) if f.filename.startswith("<mdesrules")]
    assert frames, "no frame of the compiled check in the traceback"
    assert {f.filename for f in frames} == {form.checker.__code__.co_filename}
    assert all(f.line and f.line in generated for f in frames)
    shown = "".join(traceback.format_exception(raised.value))
    assert f"    {frames[-1].line}\n" in shown
    assert source.startswith(inspect.getsource(form.checker))


def test_each_compiled_check_has_a_file_name_of_its_own() -> None:
    form = wire_form("search", "json")
    names = {form.checker.__code__.co_filename, compile_form(form).__code__.co_filename}
    assert len(names) == 2


# Lazy reports ---------------------------------------------------------------------------

BROKEN = {
    "TokenUpdateRequest": {
        "TokenUniqueReference": "DWSPMC00000000010906a349d9ca4eb1a4d53e3c90a11d9c",
        "CurrentAccountPan": "5412345678901232",
        "NewAccountPan": "5412345678908881",
        "ExpirationDate": "1328",
        "UpdateWalletProviderIndicator": "2",
        "AuditInfo": {"UserId": "A1435477", "UserName": "John Smith", "Organisation": "B"},
    }
}


def test_a_report_renders_what_the_document_held_when_it_was_checked() -> None:
    document = copy.deepcopy(BROKEN)
    report = mdesrules.check("token_update", document)
    inner = document["TokenUpdateRequest"]
    inner.clear()
    inner["TokenUniqueReference"] = "changed"
    assert report.violations == mdesrules.check("token_update", BROKEN).violations
    assert report.codes == (
        "bad_check_digit",
        "bad_format",
        "not_allowed_value",
        "missing_required",
        "unknown_field",
        "mutually_exclusive",
    )


def test_a_check_renders_no_message_until_one_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[str] = []
    init = Violation.__init__

    def counting(self: Violation, code: str, *args: Any, **kwargs: Any) -> None:
        made.append(code)
        init(self, code, *args, **kwargs)

    monkeypatch.setattr(Violation, "__init__", counting)
    forget_violations()
    report = mdesrules.check("token_update", BROKEN)
    assert not report.ok
    assert made == []
    assert len(report.violations) == 6
    assert made == list(report.codes)


def test_a_failure_that_does_not_depend_on_the_value_is_worded_once_per_place(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    forget_violations()
    first = mdesrules.check("token_update", BROKEN).violations
    made: list[str] = []
    init = Violation.__init__

    def counting(self: Violation, code: str, *args: Any, **kwargs: Any) -> None:
        made.append(code)
        init(self, code, *args, **kwargs)

    monkeypatch.setattr(Violation, "__init__", counting)
    again = copy.deepcopy(BROKEN)
    again["TokenUpdateRequest"]["NewAccountPan"] = "5412345678908882"  # another wrong digit
    second = mdesrules.check("token_update", again).violations
    assert second == first
    codes = [v.code for v in first]
    assert "bad_check_digit" in codes
    assert "bad_format" in codes
    assert "bad_check_digit" not in made
    assert "bad_format" not in made
    # The same short value (nothing in it to mask) breaks the same rule at the same place:
    # its message, though it quotes the value, is the one made before. So are the
    # unknown member, the missing one and the rule across fields, which read no value.
    assert made == []
    # Another value is worded anew; a long one is not kept, only the violation its
    # message makes (which here holds its length, not the value).
    again["TokenUpdateRequest"]["UpdateWalletProviderIndicator"] = "3"
    again["TokenUpdateRequest"]["TokenUniqueReference"] = "T" * 49
    third = mdesrules.check("token_update", again).violations
    fourth = mdesrules.check("token_update", again).violations
    assert third == fourth
    assert made == ["too_long", "not_allowed_value"]
    assert "'3'" in next(v.message for v in third if v.code == "not_allowed_value")


def test_a_lazy_report_equals_hashes_and_pickles_as_its_rendered_form() -> None:
    lazy = mdesrules.check("token_update", BROKEN)
    rendered = Report("token_update", mdesrules.check("token_update", BROKEN).violations)
    assert lazy == rendered
    assert hash(lazy) == hash(rendered)
    assert pickle.loads(pickle.dumps(mdesrules.check("token_update", BROKEN))) == rendered
    assert repr(lazy) == repr(rendered)
    assert lazy.to_dict() == rendered.to_dict()


def test_a_report_is_immutable() -> None:
    report = mdesrules.check("token_update", BROKEN)
    with pytest.raises(FrozenInstanceError):
        report.operation = "search"  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        del report.operation
