"""Every rule of every operation, as properties of ``mdesrules.check``.

Valid documents (from :mod:`mdesrules.testing`) always pass without a single violation. Each
rule is then broken on its own by the smallest change that breaks it, and the report must
hold exactly that rule's violation: its code, at the JSON pointer of the field at fault, and
nothing else. Several changes at once give all their violations. No input, however
malformed, makes ``check`` raise.
"""

from __future__ import annotations

import calendar
import copy
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, NamedTuple

import pytest
from attrs import evolve
from hypothesis import HealthCheck, Phase, find, given, reject, settings
from hypothesis import strategies as st
from slow_params import slow_except

import mdesrules
from mdesrules import REGISTRY, Report, check
from mdesrules._choices import choices_of, names_of
from mdesrules.apis import MDES_CS_API_2_1_7, MDES_CS_API_2_2_2
from mdesrules.combinators import (
    AtLeastOneOf,
    AtMostOneOf,
    ExactlyOneOf,
    Forbids,
    Reaching,
    Requires,
)
from mdesrules.fields import (
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
from mdesrules.pan_text import pan_found
from mdesrules.registry import FormName, Registry
from mdesrules.schema import FieldSpec, ObjectSpec
from mdesrules.testing import string_values, valid_documents, valid_models
from mdesrules.violations import pointer

OPERATIONS = REGISTRY.names()
FORMS: list[tuple[str, FormName]] = [(name, "json") for name in OPERATIONS] + [
    (op.name, "xml") for op in REGISTRY if op.xml_root is not None
]
FORM_IDS = [f"{name}-{form}" for name, form in FORMS]

# Modest example counts: the suite runs hundreds of parametrized properties.
FEW = settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SOME = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# For find(): only generation, no shrinking; the first example found is enough.
FIRST = settings(max_examples=500, database=None, derandomize=True, phases=[Phase.generate])

REMOVE = object()  # the value that stands for "take the field out"
TRIES = 5  # documents drawn to find one whose change breaks no other rule


# --- documents, fields and pointers --------------------------------------------------------------


def envelope_of(operation: str, form: FormName, registry: Registry = REGISTRY) -> str | None:
    return registry.get(operation).form(form).envelope


def spec_of(operation: str, form: FormName, registry: Registry = REGISTRY) -> ObjectSpec:
    return registry.get(operation).form(form).spec


def base_of(operation: str, form: FormName, registry: Registry = REGISTRY) -> str:
    envelope = envelope_of(operation, form, registry)
    return pointer(envelope) if envelope is not None else ""


def path_of(operation: str, form: FormName, field: str) -> str:
    """The JSON pointer of *field* (``"AuditInfo/UserId"``) in a document of the form."""
    return base_of(operation, form) + pointer(*field.split("/"))


def request_of(
    document: dict[str, Any], operation: str, form: FormName, registry: Registry = REGISTRY
) -> dict[str, Any]:
    envelope = envelope_of(operation, form, registry)
    inner = document[envelope] if envelope is not None else document
    assert isinstance(inner, dict)
    return inner


def field_specs(spec: ObjectSpec, prefix: str = "") -> Iterator[tuple[str, FieldSpec]]:
    """Every field, nested ones too, as ``("AuditInfo/UserId", spec)``."""
    for f in spec.fields:
        yield prefix + f.name, f
        if f.kind == "object" and f.child is not None:
            yield from field_specs(f.child, prefix + f.name + "/")


def field_spec(
    operation: str, form: FormName, field: str, registry: Registry = REGISTRY
) -> FieldSpec:
    return dict(field_specs(spec_of(operation, form, registry)))[field]


def get(
    document: dict[str, Any],
    operation: str,
    form: FormName,
    field: str,
    registry: Registry = REGISTRY,
) -> Any:
    node: Any = request_of(document, operation, form, registry)
    for part in field.split("/"):
        node = node[part]
    return node


def has(document: dict[str, Any], operation: str, form: FormName, field: str) -> bool:
    node: Any = request_of(document, operation, form)
    for part in field.split("/"):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def changed(
    document: dict[str, Any],
    operation: str,
    form: FormName,
    changes: dict[str, Any],
    registry: Registry = REGISTRY,
) -> dict[str, Any]:
    """A deep copy of *document* with each field set to a value, or taken out (REMOVE). A
    nested field is set inside the objects that hold it, added when they are not sent;
    taking one out from under an object that is not sent changes nothing."""
    result = copy.deepcopy(document)
    for field, value in changes.items():
        *parents, name = field.split("/")
        node = request_of(result, operation, form, registry)
        for part in parents:
            if part not in node and value is REMOVE:
                break
            node = node.setdefault(part, {})
        else:
            if value is REMOVE:
                node.pop(name, None)
            else:
                node[name] = value
    return result


def found(report: Report) -> list[tuple[str, str, tuple[str, ...], str]]:
    return [(v.code, v.path, v.fields, v.severity) for v in report.violations]


def assert_no_violations(report: Report, document: object) -> None:
    assert report.ok
    assert report.violations == (), f"{document!r} gave {found(report)}"


# --- the minimal mutations of one field's own rules ----------------------------------------------


class Mutation(NamedTuple):
    why: str
    value: object  # the new value, or REMOVE
    code: str
    severity: str = "error"


NOT_STRINGS: list[object] = [0, 42, -1.5, None, True, False, [], ["0"], {}, {"a": "b"}]
NOT_OBJECTS: list[object] = ["", "x", 0, 1.5, None, True, [], [{}]]
# Characters each form refuses: letters, full-width 5, Arabic-Indic 3, spaces, signs, line
# breaks and NUL for digits; spaces, non-ASCII and controls for identifiers; controls for text.
BAD_CHARACTERS: dict[matches | iso_timestamp, list[str]] = {
    digits(): ["a", "\uff15", "\u0663", " ", "-", "+", "\n", "\x00"],
    printable(): [" ", "\u00e9", "\u00a0", "\t", "\n", "\x00", "\u20ac"],
    no_control(): ["\x00", "\x07", "\x0b", "\x0c", "\x1b", "\x7f"],
    hex_digits(): ["g", "G", " ", "\uff15", "\u0663", "-", "\n", "\x00"],
    iso_timestamp(): ["a", " ", "/", "\uff15", "\u0663", "\n", "\x00"],
    # CyberSource TMS: path segments, and the forms of mdesrules.models.tms
    path_segment(): ["/", ".", "%", "?", "#", " ", "\u00e9", "\u0663", "\n", "\x00"],
    matches("[0-9]+(\\.[0-9]+)?", "a decimal amount"): ["a", " ", ",", "\u0663", "\n"],
    matches("[0-9A-Fa-f.:]+", "an IPv4 or IPv6 address"): ["g", " ", "/", "%", "\n"],
    matches("-?[0-9]+", "minutes, digits with an optional -"): ["a", " ", "+", "\u0663"],
    matches("[A-Za-z0-9-]+", "ASCII letters, digits and -"): ["_", " ", ".", "\u00e9", "\n"],
    # CS API 2.0.7 MessageLanguageCode
    matches("[a-z]+", "lower-case ASCII letters (ISO 639-1, such as en)"): [
        "A",
        "1",
        " ",
        "-",
        "\u00e9",
        "\n",
        "\x00",
    ],
}


def impossible_dates(value: str) -> list[Mutation]:
    """The timestamp *value* on a day its month does not have, or in year 0000: the same
    length and form, only the date changed."""
    year = int(value[:4])
    # The year after a leap year is a common one.
    common = f"{year + 1:04d}" if calendar.isleap(year) else value[:4]
    return [
        Mutation("February 30", value[:5] + "02-30" + value[10:], "bad_format"),
        Mutation("April 31", value[:5] + "04-31" + value[10:], "bad_format"),
        Mutation(f"February 29 of {common}", common + "-02-29" + value[10:], "bad_format"),
        Mutation("year 0000", "0000" + value[4:], "bad_format"),
    ]


def bad_formats(rule: matches | iso_timestamp, value: str, data: st.DataObject) -> list[Mutation]:
    """Values of the same length as *value* that break *rule*."""
    if rule == mmyy():
        month = data.draw(st.integers(13, 99), label="bad month")
        return [
            *(
                Mutation(f"month {m:02d}", f"{m:02d}{value[2:]}", "bad_format")
                for m in (0, 13, month)
            ),
            Mutation("full-width digits", "\uff10\uff11\uff12\uff15", "bad_format"),
            Mutation("letter in MMYY", value[:3] + "x", "bad_format"),
            Mutation("trailing newline", value[:3] + "\n", "bad_format"),
        ]
    if rule not in BAD_CHARACTERS:
        pytest.fail(f"no bad value known for the form {rule!r}: add its bad characters")
    if not value:
        return []
    at = data.draw(st.integers(0, len(value) - 1), label="position")
    mutations = []
    for bad in BAD_CHARACTERS[rule]:
        mutations.append(
            Mutation(f"{bad!r} at {at}", value[:at] + bad + value[at + 1 :], "bad_format")
        )
        mutations.append(Mutation(f"{bad!r} at the end", value[:-1] + bad, "bad_format"))
    return mutations


def field_mutations(f: FieldSpec, value: Any, data: st.DataObject) -> list[Mutation]:
    """The smallest changes of one field that each break exactly one of its own rules."""
    mutations = []
    if f.required:
        mutations.append(Mutation("taken out", REMOVE, "missing_required"))
    if f.kind == "object":
        return mutations + [Mutation(f"{v!r} for an object", v, "wrong_type") for v in NOT_OBJECTS]
    if f.kind == "array":
        not_arrays: list[object] = ["", "x", 0, None, True, {}]
        return mutations + [Mutation(f"{v!r} for an array", v, "wrong_type") for v in not_arrays]
    if f.kind == "bool":
        not_booleans: list[object] = ["true", "", 0, 1, None, [], {}]
        return mutations + [Mutation(f"{v!r} for a boolean", v, "wrong_type") for v in not_booleans]
    assert f.kind == "str", f"no mutations for {f.kind} fields yet"
    assert isinstance(value, str)
    mutations += [Mutation(f"{v!r} for a string", v, "wrong_type") for v in NOT_STRINGS]
    for rule in f.rules:
        if isinstance(rule, length):
            if rule.min > 0:
                short = value[: rule.min - 1]
                mutations.append(Mutation(f"{len(short)} characters", short, "too_short"))
            if rule.max is not None:
                long = value + value[-1:] * (rule.max + 1 - len(value))
                mutations.append(Mutation(f"{len(long)} characters", long, "too_long"))
        elif isinstance(rule, matches):
            mutations += bad_formats(rule, value, data)
        elif isinstance(rule, iso_timestamp):
            mutations += bad_formats(rule, value, data) + impossible_dates(value)
        elif isinstance(rule, luhn):
            at = data.draw(st.integers(0, len(value) - 1), label="digit changed")
            shift = data.draw(st.integers(1, 9), label="by")
            wrong = value[:at] + str((int(value[at]) + shift) % 10) + value[at + 1 :]
            mutations.append(Mutation(f"digit {at} + {shift}", wrong, "bad_check_digit"))
        elif isinstance(rule, one_of):
            known = {*rule.values, *rule.deprecated}
            outside = ("", " ", value.lower(), value + " ", value * 2, "?", value + "\n")
            mutations += [
                Mutation(f"{v!r} outside the set", v, "not_allowed_value")
                for v in outside
                if v not in known
            ]
            mutations += [
                Mutation(f"deprecated {d!r}", d, "deprecated_value", "warning")
                for d in rule.deprecated
            ]
        else:
            pytest.fail(f"no mutation known for the field rule {rule!r}")
    if f.scan is not None:
        # A change that leaves a card number in a scanned field (a bad character before a
        # Luhn-valid run of 13 digits, say) breaks pan_in_text too: not one rule alone.
        mutations = [m for m in mutations if not (isinstance(m.value, str) and pan_found(m.value))]
    return mutations


FIELD_CASES = [
    pytest.param(name, form, field, id=f"{name}-{form}-{field}")
    for name, form in FORMS
    for field, _ in field_specs(spec_of(name, form))
]


# --- valid documents -----------------------------------------------------------------------------


@pytest.mark.parametrize("operation", slow_except(OPERATIONS))
def test_every_operation_has_a_strategy(operation: str) -> None:
    valid_documents(operation)


def object_specs(spec: ObjectSpec) -> Iterator[ObjectSpec]:
    """*spec* and every object spec nested in it, in arrays too."""
    yield spec
    for f in spec.fields:
        if f.child is not None:
            yield from object_specs(f.child)


@pytest.mark.parametrize(("operation", "form"), slow_except(FORMS), ids=FORM_IDS)
def test_the_strategy_structure_covers_every_rule_across_fields(
    operation: str, form: FormName
) -> None:
    """The choices the strategy draws from, derived from each rule across fields (the
    operation's and its models'), name exactly the fields the rule reads."""
    wire_form = REGISTRY.get(operation).form(form)
    rules = [*wire_form.rules, *(r for spec in object_specs(wire_form.spec) for r in spec.rules)]
    for rule in rules:
        named = {name for choice in choices_of(rule) for name in names_of(choice)}
        assert named == set(rule.fields()), rule


@pytest.mark.parametrize(("operation", "form"), slow_except(FORMS), ids=FORM_IDS)
@SOME
@given(data=st.data())
def test_valid_documents_pass_without_any_violation(
    operation: str, form: FormName, data: st.DataObject
) -> None:
    document = data.draw(valid_documents(operation, form=form))
    assert_no_violations(check(operation, document, form=form), document)


@pytest.mark.parametrize("operation", slow_except(OPERATIONS))
@FEW
@given(data=st.data())
def test_valid_models_pass_too(operation: str, data: st.DataObject) -> None:
    model = data.draw(valid_models(operation))
    assert type(model) is REGISTRY.get(operation).request
    assert_no_violations(check(operation, model), model)


@pytest.mark.parametrize(("operation", "form"), slow_except(FORMS), ids=FORM_IDS)
def test_every_optional_field_and_every_alternative_appears(operation: str, form: FormName) -> None:
    """The strategy is not confined to one corner: each optional field and each alternative
    of each exactly-one-of is found among its examples."""
    strategy = valid_documents(operation, form=form)
    for field, f in field_specs(spec_of(operation, form)):
        if not f.required:

            def sends_it(document: dict[str, Any], field: str = field) -> bool:
                return has(document, operation, form, field)

            find(strategy, sends_it, settings=FIRST)
    for rule in REGISTRY.get(operation).form(form).rules:
        if isinstance(rule, ExactlyOneOf):
            for alt in rule.alternatives:

                def takes_it(
                    document: dict[str, Any], alt: tuple[str, ...] = alt, rule: ExactlyOneOf = rule
                ) -> bool:
                    sent = set(rule.fields()) & request_of(document, operation, form).keys()
                    return sent == set(alt)

                find(strategy, takes_it, settings=FIRST)


# --- each field rule alone -----------------------------------------------------------------------


@pytest.mark.parametrize(("operation", "form", "field"), slow_except(FIELD_CASES))
@FEW
@given(data=st.data())
def test_each_field_rule_broken_alone_gives_exactly_its_violation(
    operation: str, form: FormName, field: str, data: st.DataObject
) -> None:
    """Missing, wrong type, too short, too long, bad form, bad check digit, value outside its
    set: one violation with the rule's code at the field's pointer, and nothing else."""
    document = data.draw(valid_documents(operation, form=form, sending=[field]), label="valid")
    path = path_of(operation, form, field)
    f = field_spec(operation, form, field)
    for mutation in field_mutations(f, get(document, operation, form, field), data):
        mutated = changed(document, operation, form, {field: mutation.value})
        report = check(operation, mutated, form=form)
        assert found(report) == [(mutation.code, path, (path,), mutation.severity)], mutation.why
        assert report.ok is (mutation.severity == "warning")


def misspellings(name: str) -> list[str]:
    return [
        name[:1].swapcase() + name[1:],
        name[:-1],
        name + "s",
        name[:2] + name[3:],
        " " + name,
        name.replace("Organization", "Organisation").replace("organization", "organisation"),
    ]


@pytest.mark.parametrize(("operation", "form"), slow_except(FORMS), ids=FORM_IDS)
@SOME
@given(data=st.data())
def test_unknown_fields_are_errors_in_requests(
    operation: str, form: FormName, data: st.DataObject
) -> None:
    """A misspelt key, in the request or in a nested object, is ``unknown_field`` (MDES would
    drop it silently), even when it carries a valid value; a warning in notifications."""
    objects = [""] + [
        field + "/"
        for field, f in field_specs(spec_of(operation, form))
        if f.child and f.kind == "object"
    ]
    where = data.draw(st.sampled_from(objects), label="in")
    document = data.draw(
        valid_documents(operation, form=form, sending=[where[:-1]] if where else [])
    )
    here = spec_of(operation, form) if not where else field_spec(operation, form, where[:-1]).child
    assert here is not None
    candidates = ["Bogus", "a/b~c"]
    if here.fields:  # a misspelling of a field, with a value valid for that field
        name = data.draw(st.sampled_from([f.name for f in here.fields]), label="misspelt field")
        f = here.by_name[name]
        candidates = [n for n in misspellings(name) if n not in here.by_name] + candidates
        values = string_values(f.rules) if f.kind == "str" else st.just({})
    else:  # a request without members (GET /systemstatus): any key is unknown
        values = st.text()
    key = data.draw(st.sampled_from(candidates), label="key")
    value = data.draw(values, label="value")
    mutated = copy.deepcopy(document)
    inner = request_of(mutated, operation, form)
    for part in where.split("/")[:-1]:  # nested objects, nested ones too
        inner = inner[part]
    inner[key] = value
    report = check(operation, mutated, form=form)
    path = base_of(operation, form) + pointer(*where.split("/")[:-1], key)
    severity = REGISTRY.get(operation).unknown_severity
    assert found(report) == [("unknown_field", path, (path,), severity)]


AUDITED = [
    pytest.param(name, form, id=f"{name}-{form}")
    for name, form in FORMS
    if any(field.lower() == "auditinfo" for field, _ in field_specs(spec_of(name, form)))
]


@pytest.mark.parametrize(("operation", "form"), slow_except(AUDITED))
@FEW
@given(data=st.data())
def test_organisation_in_audit_info_is_an_unknown_field(
    operation: str, form: FormName, data: st.DataObject
) -> None:
    """The British spelling is the misspelling MDES would drop silently. Sent beside
    Organization it is ``unknown_field``; sent instead of it, Organization is missing too,
    and the message suggests the right name."""
    fields = [field for field, _ in field_specs(spec_of(operation, form))]
    audit = next(field for field in fields if field.lower() == "auditinfo")
    organization = next(field for field in fields if field.lower() == "auditinfo/organization")
    organisation = organization[: -len("ization")] + "isation"
    document = data.draw(valid_documents(operation, form=form, sending=[audit]))
    value = get(document, operation, form, organization)
    unknown = ("unknown_field", path_of(operation, form, organisation))

    beside = changed(document, operation, form, {organisation: value})
    assert [(v.code, v.path) for v in check(operation, beside, form=form).violations] == [unknown]

    instead = changed(document, operation, form, {organization: REMOVE, organisation: value})
    report = check(operation, instead, form=form)
    assert sorted((v.code, v.path) for v in report.violations) == [
        ("missing_required", path_of(operation, form, organization)),
        unknown,
    ]
    (hint,) = (v.message for v in report.violations if v.code == "unknown_field")
    assert f"did you mean {organization.split('/')[-1]!r}" in hint


# --- each rule across fields alone ---------------------------------------------------------------


def valid_value(f: FieldSpec, data: st.DataObject) -> str:
    assert f.kind == "str", "rules across fields name string fields"
    return data.draw(string_values(f.rules), label=f"valid {f.name}")


class Broken(NamedTuple):
    """A rule across fields broken by a minimal change of a valid document."""

    why: str
    document: dict[str, Any]  # the valid document
    changes: dict[str, Any]  # fields added (with valid values) or taken out (REMOVE)
    code: str  # the one violation expected
    fields: set[str]  # its pointers
    paths: set[str]  # where it may point


def cross_field_mutations(
    rule: object,
    operation: str,
    form: FormName,
    data: st.DataObject,
    registry: Registry = REGISTRY,
    clean: Callable[[dict[str, Any]], bool] | None = None,
) -> Iterator[Broken]:
    """The minimal ways to break one rule across fields. The changes only add valid values or
    take fields out, so every field's own rules still pass.

    A rule that reaches into nested objects is broken as its inner rule, at the paths it
    names (``"EncryptedAccountInformation/EncryptedData/CurrentAccount/AccountPan"``). With
    *clean*, each document is one whose changed form *clean* accepts (one that breaks no
    other rule of the operation)."""
    if isinstance(rule, Reaching):
        rule = rule.rule
    spec = spec_of(operation, form, registry)
    base = base_of(operation, form, registry)

    def at(names: Iterable[str]) -> set[str]:
        return {base + pointer(*n.split("/")) for n in names}

    def values(name: str) -> st.SearchStrategy[Any]:
        """Valid values of the field *name*: an object is one a valid document sends."""
        f = dict(field_specs(spec))[name]
        if f.kind == "str":
            return string_values(f.rules)
        documents = valid_documents(operation, form=form, sending=[name], registry=registry)
        return documents.map(lambda d: get(d, operation, form, name, registry))

    def added(names: Iterable[str]) -> st.SearchStrategy[dict[str, Any]]:
        return st.fixed_dictionaries({n: values(n) for n in names})

    def removed(names: Iterable[str]) -> st.SearchStrategy[dict[str, Any]]:
        return st.just(dict.fromkeys(names, REMOVE))

    def document(
        changes: st.SearchStrategy[dict[str, Any]], *sending: str
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """A valid document that sends *sending*, and the changes to make to it."""
        documents = valid_documents(operation, form=form, sending=sending, registry=registry)
        for _ in range(TRIES):
            valid = data.draw(documents, label="valid")
            changes_made = data.draw(changes, label="changes")
            if clean is None or clean(changed(valid, operation, form, changes_made, registry)):
                return valid, changes_made
        reject()

    def some(names: Sequence[str], most: int, label: str) -> list[str]:
        return data.draw(
            st.lists(st.sampled_from(names), min_size=1, max_size=most, unique=True), label=label
        )

    if isinstance(rule, ExactlyOneOf):
        alts = rule.alternatives
        every = rule.fields()
        yield Broken("none sent", *document(removed(every)), rule.code_missing, at(every), {base})
        if len(alts) > 1:
            first, second = data.draw(st.permutations(alts), label="two alternatives")[:2]
            both = at((*first, *second))
            yield Broken(
                f"{first} with {second}",
                *document(added(second), *first),
                "mutually_exclusive",
                both,
                both,
            )
        for alt in alts:
            if len(alt) > 1:
                left = some(alt, len(alt) - 1, "part of the group left out")
                sent = [n for n in alt if n not in left]
                why = f"{sent} without {left}"
                yield Broken(why, *document(removed(left), *alt), "requires", at(alt), at(sent))
    elif isinstance(rule, Forbids):
        others = some(rule.others, len(rule.others), "forbidden")
        yield Broken(
            f"{rule.name} with {others}",
            *document(added(others), rule.name),
            "mutually_exclusive",
            at((rule.name, *others)),
            at(others),
        )
    elif isinstance(rule, AtLeastOneOf):
        names = rule.names
        yield Broken("none sent", *document(removed(names)), rule.code, at(names), {base})
    elif isinstance(rule, AtMostOneOf):
        two = data.draw(st.permutations(rule.names), label="two")[:2]
        yield Broken(f"{two}", *document(added(two)), "mutually_exclusive", at(two), at(two))
    elif isinstance(rule, Requires):
        yield Broken(
            f"{rule.name} without {rule.others}",
            *document(removed(rule.others), rule.name, *rule.others),
            "requires",
            at((rule.name, *rule.others)),
            at([rule.name]),
        )
    else:
        pytest.fail(f"no minimal mutation known for the rule {rule!r}: teach this test")


CROSS_CASES = [
    pytest.param(name, form, i, id=f"{name}-{form}-{rule!r}")
    for name, form in FORMS
    for i, rule in enumerate(REGISTRY.get(name).form(form).rules)
]


@pytest.mark.parametrize(("operation", "form", "index"), slow_except(CROSS_CASES))
@SOME
@given(data=st.data())
def test_each_rule_across_fields_broken_alone_gives_exactly_its_violation(
    operation: str, form: FormName, index: int, data: st.DataObject
) -> None:
    rule = REGISTRY.get(operation).form(form).rules[index]
    for broken in cross_field_mutations(rule, operation, form, data):
        mutated = changed(broken.document, operation, form, broken.changes)
        report = check(operation, mutated, form=form)
        assert len(report.violations) == 1, (broken.why, found(report))
        (v,) = report.violations
        assert (v.code, v.severity) == (broken.code, "error"), broken.why
        assert sorted(v.fields) == sorted(broken.fields), broken.why
        assert v.path in broken.paths, broken.why


#: The later versions of the CS API, whose rules reach into EncryptedAccountInformation.
LATER = {"2.1.7": MDES_CS_API_2_1_7, "2.2.2": MDES_CS_API_2_2_2}
#: Those in the fast loop: 2.1.7's update (2.2.2's has the very same rules) and 2.2.2's
#: search (the rules new in 2.2.2).
FAST_LATER = {("token_update", "2.1.7"), ("search", "2.2.2")}
LATER_CROSS_CASES = [
    pytest.param(
        name,
        version,
        i,
        id=f"{name}-{version}-{rule!r}",
        marks=() if (name, version) in FAST_LATER else pytest.mark.slow,
    )
    for version, registry in LATER.items()
    for name in registry.names()
    for i, rule in enumerate(registry.get(name).form("json").rules)
]


def without_rule(registry: Registry, operation: str, index: int) -> Registry:
    """A registry of the one operation, without its rule *index*."""
    op = registry.get(operation)
    others = Registry()
    others.register(evolve(op, rules=op.rules[:index] + op.rules[index + 1 :]))
    return others


@pytest.mark.parametrize(("operation", "version", "index"), LATER_CROSS_CASES)
@SOME
@given(data=st.data())
def test_each_rule_of_the_later_versions_broken_alone_gives_exactly_its_violation(
    operation: str, version: str, index: int, data: st.DataObject
) -> None:
    """The rules of 2.1.7 and 2.2.2, those that reach into ``EncryptedData`` too, broken by
    a minimal change of a valid document. Their rules are tied more tightly than 2.0.7's
    (a financial account asks for a new one and forbids a new expiry), so a change may break
    a second rule for some documents: the documents are those whose change breaks no other
    rule of the operation, and the report must hold exactly the one violation."""
    registry = LATER[version]
    rule = registry.get(operation).form("json").rules[index]
    others = without_rule(registry, operation, index)

    def clean(document: dict[str, Any]) -> bool:
        return mdesrules.check(operation, document, registry=others).violations == ()

    for broken in cross_field_mutations(rule, operation, "json", data, registry, clean):
        mutated = changed(broken.document, operation, "json", broken.changes, registry)
        assert mdesrules.check(operation, broken.document, registry=registry).violations == ()
        report = mdesrules.check(operation, mutated, registry=registry)
        assert len(report.violations) == 1, (broken.why, found(report))
        (v,) = report.violations
        assert (v.code, v.severity) == (broken.code, "error"), broken.why
        assert sorted(v.fields) == sorted(broken.fields), broken.why
        assert v.path in broken.paths, broken.why


# The rule catalogue's own examples, spelled out.

TU = "/TokenUpdateRequest"


def token_update(data: st.DataObject, *sending: str) -> dict[str, Any]:
    document = data.draw(valid_documents("token_update", sending=sending))
    inner: dict[str, Any] = document["TokenUpdateRequest"]
    return inner


def violations(operation: str, document: object, form: FormName = "json") -> list[Any]:
    return list(check(operation, document, form=form).violations)


@SOME
@given(data=st.data(), pan=st.sampled_from(["5204740009900014", "4111111111111111"]))
def test_token_update_with_both_tur_and_current_pan_is_one_mutually_exclusive(
    data: st.DataObject, pan: str
) -> None:
    request = token_update(data, "TokenUniqueReference")
    request["CurrentAccountPan"] = pan
    (v,) = violations("token_update", {"TokenUpdateRequest": request})
    assert v.code == "mutually_exclusive"
    assert set(v.fields) == {f"{TU}/TokenUniqueReference", f"{TU}/CurrentAccountPan"}
    assert pan not in v.message


@SOME
@given(data=st.data())
def test_token_update_without_a_target_is_missing_one_of(data: st.DataObject) -> None:
    request = token_update(data)
    request.pop("TokenUniqueReference", None)
    request.pop("CurrentAccountPan", None)
    (v,) = violations("token_update", {"TokenUpdateRequest": request})
    assert (v.code, v.path) == ("missing_one_of", TU)
    assert set(v.fields) == {f"{TU}/TokenUniqueReference", f"{TU}/CurrentAccountPan"}


@SOME
@given(
    data=st.data(),
    other=st.sampled_from(["NewAccountPan", "ExpirationDate", "AccountPanSequenceNumber"]),
)
def test_product_configuration_with_a_pan_expiry_or_psn_change_is_mutually_exclusive(
    data: st.DataObject, other: str
) -> None:
    request = token_update(data, "IssuerProductConfigurationId")
    request[other] = {"NewAccountPan": "5204740009900014", "ExpirationDate": "1230"}.get(other, "1")
    (v,) = violations("token_update", {"TokenUpdateRequest": request})
    assert (v.code, v.path) == ("mutually_exclusive", f"{TU}/{other}")
    assert set(v.fields) == {f"{TU}/IssuerProductConfigurationId", f"{TU}/{other}"}


@SOME
@given(data=st.data())
def test_token_update_that_changes_nothing_is_nothing_to_update(data: st.DataObject) -> None:
    request = token_update(data)
    for name in mdesrules.operations.UPDATE_PAYLOAD:
        request.pop(name, None)
    assert [v.code for v in violations("token_update", {"TokenUpdateRequest": request})] == [
        "nothing_to_update"
    ]


SEARCH_IDS = [
    "AccountPan",
    "AlternateAccountIdentifier",
    "TokenUniqueReference",
    "Token",
    "PaymentAppInstanceId",
    "CommentId",
]


@SOME
@given(
    data=st.data(), two=st.lists(st.sampled_from(SEARCH_IDS), min_size=2, max_size=2, unique=True)
)
def test_search_by_two_identifiers_is_mutually_exclusive(
    data: st.DataObject, two: list[str]
) -> None:
    first, second = two
    document = data.draw(valid_documents("search", sending=[first]))
    request = document["SearchRequest"]
    spec = spec_of("search", "json")
    request[second] = valid_value(spec.by_name[second], data)
    (v,) = violations("search", document)
    assert v.code == "mutually_exclusive"
    assert set(v.fields) == {f"/SearchRequest/{first}", f"/SearchRequest/{second}"}


@SOME
@given(data=st.data())
def test_search_by_no_identifier_is_missing_one_of(data: st.DataObject) -> None:
    document = data.draw(valid_documents("search"))
    for name in SEARCH_IDS:
        document["SearchRequest"].pop(name, None)
    (v,) = violations("search", document)
    assert (v.code, v.path) == ("missing_one_of", "/SearchRequest")
    assert len(v.fields) == len(SEARCH_IDS)


@SOME
@given(data=st.data())
def test_activate_by_tur_and_by_pan_with_instance_is_mutually_exclusive(
    data: st.DataObject,
) -> None:
    document = data.draw(valid_documents("token_activate", sending=["AccountPan"]))
    request = document["TokenActivateRequest"]
    request["TokenUniqueReference"] = "DWSPMC000000000132d72d4fcb2f4136a0532d3093ff1a45"
    (v,) = violations("token_activate", document)
    assert v.code == "mutually_exclusive"
    assert set(v.fields) == {
        "/TokenActivateRequest/TokenUniqueReference",
        "/TokenActivateRequest/AccountPan",
        "/TokenActivateRequest/PaymentAppInstanceId",
    }


@SOME
@given(data=st.data())
def test_activate_by_pan_without_payment_app_instance_requires_it(data: st.DataObject) -> None:
    document = data.draw(valid_documents("token_activate", sending=["AccountPan"]))
    del document["TokenActivateRequest"]["PaymentAppInstanceId"]
    (v,) = violations("token_activate", document)
    assert (v.code, v.path) == ("requires", "/TokenActivateRequest/AccountPan")
    assert "/TokenActivateRequest/PaymentAppInstanceId" in v.fields


@SOME
@given(data=st.data(), other=st.sampled_from(["tokenUniqueReference", "currentAccountPan"]))
def test_legacy_update_by_cardholder_id_and_another_target_is_mutually_exclusive(
    data: st.DataObject, other: str
) -> None:
    document = data.draw(valid_documents("legacy_update", sending=["cardholderId"]))
    document[other] = {"currentAccountPan": "5204740009900014"}.get(other, "D" * 48)
    (v,) = violations("legacy_update", document)
    assert v.code == "mutually_exclusive"
    assert set(v.fields) == {"/cardholderId", f"/{other}"}


@pytest.mark.parametrize(
    ("bad", "own"), [(None, "wrong_type"), ("", "too_short"), (0, "wrong_type")]
)
@SOME
@given(data=st.data())
def test_a_present_field_conflicts_whatever_its_value(
    bad: object, own: str, data: st.DataObject
) -> None:
    """Presence is what counts across fields: a null TUR still conflicts with the PAN, and
    the TUR gets its own violation besides."""
    request = token_update(data, "CurrentAccountPan")
    request["TokenUniqueReference"] = bad
    got = violations("token_update", {"TokenUpdateRequest": request})
    assert sorted(v.code for v in got) == sorted([own, "mutually_exclusive"])


# --- several rules broken at once ----------------------------------------------------------------


@pytest.mark.parametrize(("operation", "form"), slow_except(FORMS), ids=FORM_IDS)
@SOME
@given(data=st.data())
def test_several_independent_mutations_give_all_their_violations(
    operation: str, form: FormName, data: st.DataObject
) -> None:
    """Every violation is reported, never only the first: a rule across fields broken, some
    fields broken each by one of their rules, and an unknown field, all at once."""
    base = base_of(operation, form)
    rules = REGISTRY.get(operation).form(form).rules
    expected: Counter[tuple[str, str]] = Counter()
    broken: Broken | None = None
    if rules:
        rule = data.draw(st.sampled_from(rules), label="rule across fields")
        broken = data.draw(
            st.sampled_from(list(cross_field_mutations(rule, operation, form, data))),
            label="cross-field mutation",
        )
        document = changed(broken.document, operation, form, broken.changes)
    else:
        document = data.draw(valid_documents(operation, form=form))
    touched = set(broken.changes) if broken else set()
    present = [
        field
        for field, f in field_specs(spec_of(operation, form))
        if f.kind == "str" and field not in touched and has(document, operation, form, field)
    ]
    chosen = (
        data.draw(st.lists(st.sampled_from(present), min_size=1, max_size=4, unique=True))
        if present
        else []
    )
    all_changes: dict[str, Any] = {"Unexpected": "x"}
    expected[("unknown_field", base + "/Unexpected")] += 1
    for field in chosen:
        mutation = data.draw(
            st.sampled_from(
                field_mutations(
                    field_spec(operation, form, field), get(document, operation, form, field), data
                )
            ),
            label=f"mutation of {field}",
        )
        all_changes[field] = mutation.value
        expected[(mutation.code, path_of(operation, form, field))] += 1
    report = check(operation, changed(document, operation, form, all_changes), form=form)
    got = Counter((v.code, v.path) for v in report.violations)
    if broken is not None:
        (cross,) = (v for v in report.violations if v.code == broken.code)
        assert cross.path in broken.paths, broken.why
        got[(cross.code, cross.path)] -= 1
    assert +got == expected


# --- the wrapper ---------------------------------------------------------------------------------

WRAPPED = [name for name in OPERATIONS if REGISTRY.get(name).wrapper is not None]


@pytest.mark.parametrize("operation", slow_except(WRAPPED))
@FEW
@given(data=st.data())
def test_a_request_without_its_wrapper_is_missing_the_wrapper(
    operation: str, data: st.DataObject
) -> None:
    wrapper = REGISTRY.get(operation).wrapper
    assert wrapper is not None
    document = data.draw(valid_documents(operation))
    unwrapped: dict[str, Any]
    for unwrapped in (document[wrapper], {}):
        assert found(check(operation, unwrapped)) == [
            ("missing_required", f"/{wrapper}", (f"/{wrapper}",), "error")
        ]


@pytest.mark.parametrize("operation", slow_except(WRAPPED))
@FEW
@given(data=st.data(), key=st.sampled_from(["Extra", "AuditInfo", "tokenUpdateRequest", "~/"]))
def test_a_key_beside_the_wrapper_is_unknown(operation: str, data: st.DataObject, key: str) -> None:
    document = data.draw(valid_documents(operation))
    document[key] = data.draw(st.sampled_from(["x", {}, None]))
    assert found(check(operation, document)) == [
        ("unknown_field", pointer(key), (pointer(key),), "error")
    ]


@pytest.mark.parametrize("operation", slow_except(OPERATIONS))
@pytest.mark.parametrize("payload", [[], [{}], "TokenUpdateRequest", "", None, 0, 7.5, True])
def test_a_document_that_is_not_an_object_is_wrong_type(operation: str, payload: object) -> None:
    assert found(check(operation, payload)) == [("wrong_type", "", ("",), "error")]


@pytest.mark.parametrize("operation", slow_except(WRAPPED))
@pytest.mark.parametrize("inner", [[], "x", None, 1, ["AuditInfo"]])
def test_a_wrapper_that_holds_no_object_is_wrong_type(operation: str, inner: object) -> None:
    wrapper = REGISTRY.get(operation).wrapper
    assert found(check(operation, {wrapper: inner})) == [
        ("wrong_type", f"/{wrapper}", (f"/{wrapper}",), "error")
    ]


# --- the legacy update in its XML form -----------------------------------------------------------


def pascal_keys(value: Any) -> Any:
    """A camelCase legacy JSON document as the dict of its DataContract XML (PascalCase)."""
    if isinstance(value, dict):
        return {
            k[:1].upper() + k[1:] if isinstance(k, str) else k: pascal_keys(v)
            for k, v in value.items()
        }
    return value


def xml_pointer(json_pointer: str) -> str:
    parts = [p[:1].upper() + p[1:] for p in json_pointer.split("/")[1:]]
    return pointer("UpdateRequest", *parts)


@SOME
@given(document=valid_documents("legacy_update"))
def test_legacy_update_in_xml_passes_for_valid_documents(document: dict[str, Any]) -> None:
    xml = {"UpdateRequest": pascal_keys(document)}
    assert_no_violations(check("legacy_update", xml, form="xml"), xml)


@SOME
@given(data=st.data())
def test_legacy_update_in_xml_fails_the_same_way_as_in_json(data: st.DataObject) -> None:
    document = data.draw(valid_documents("legacy_update"))
    rules = REGISTRY.get("legacy_update").form("json").rules
    if data.draw(st.booleans(), label="across fields"):
        rule = data.draw(st.sampled_from(rules))
        broken = data.draw(
            st.sampled_from(list(cross_field_mutations(rule, "legacy_update", "json", data)))
        )
        document, changes = broken.document, broken.changes
    else:
        present = [
            field
            for field, f in field_specs(spec_of("legacy_update", "json"))
            if has(document, "legacy_update", "json", field)
        ]
        field = data.draw(st.sampled_from(present))
        f = field_spec("legacy_update", "json", field)
        value = get(document, "legacy_update", "json", field)
        mutation = data.draw(st.sampled_from(field_mutations(f, value, data)))
        changes = {field: mutation.value}
    mutated = changed(document, "legacy_update", "json", changes)
    in_json = check("legacy_update", mutated)
    in_xml = check("legacy_update", {"UpdateRequest": pascal_keys(mutated)}, form="xml")
    assert in_json.violations
    assert [
        (v.code, xml_pointer(v.path), tuple(map(xml_pointer, v.fields)), v.severity)
        for v in in_json.violations
    ] == found(in_xml)


# --- robustness ----------------------------------------------------------------------------------

JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text()
    | st.sampled_from(["", "1", "5204740009900014", "\uff15" * 16, "\x00", "A" * 49])
)
# Keys: every field and wrapper name the library knows, so that known fields get wild values.
ALL_NAMES = sorted(
    {f.name for name, form in FORMS for _, f in field_specs(spec_of(name, form))}
    | set(REGISTRY.wrappers())
)
KEYS = st.sampled_from(ALL_NAMES) | st.text(max_size=20)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=6),
    max_leaves=30,
)


DIGIT_RUN = re.compile(r"\d{9,}")  # what could be a PAN: the library masks every such run


def assert_a_report(report: object, operation: str) -> None:
    assert isinstance(report, Report)
    assert report.operation == operation
    for v in report.violations:
        assert v.code in mdesrules.CODES
        assert v.path == "" or v.path.startswith("/")
        assert v.severity in ("error", "warning")
        for text in (v.message, v.path, *v.fields):
            assert DIGIT_RUN.search(text) is None, text


@pytest.mark.parametrize("operation", slow_except(OPERATIONS))
@SOME
@given(data=st.data())
def test_check_never_raises_on_any_json_value(operation: str, data: st.DataObject) -> None:
    wrapper = REGISTRY.get(operation).wrapper
    shapes: list[Callable[[Any], Any]] = [
        lambda v: v,
        lambda v: {wrapper: v} if wrapper else v,
    ]
    value = data.draw(JSON_VALUES, label="value")
    for shape in shapes:
        assert_a_report(check(operation, shape(value)), operation)
    xml_root = REGISTRY.get(operation).xml_root
    if xml_root:
        assert_a_report(check(operation, {xml_root: value}, form="xml"), operation)
    document = data.draw(valid_documents(operation), label="valid")
    fields = [f.name for f in spec_of(operation, "json").fields]
    if fields:  # a request without members (GET /systemstatus) has none to change
        field = data.draw(st.sampled_from(fields))
        assert_a_report(
            check(operation, changed(document, operation, "json", {field: value})), operation
        )


def nested(depth: int, leaf: object) -> object:
    value = leaf
    for i in range(depth):
        value = [value] if i % 2 else {"AuditInfo": value}
    return value


EXTREMES = [
    pytest.param("9" * 1_000_000, id="huge-digits"),
    pytest.param("\u00e9\U0001f600" * 300_000, id="huge-non-ascii"),
    pytest.param(nested(200, "x"), id="nested-200"),
    pytest.param(nested(20_000, None), id="nested-20000"),
    pytest.param(
        {"\u0130\u0131" * 5: "\u0663" * 16, "Token\u200bUniqueReference": "x"}, id="non-ascii-keys"
    ),
    pytest.param({"5204740009900014": "5204740009900014"}, id="pan-as-key"),
    pytest.param({"k" * 200_000: "v", "A" * 100: None}, id="huge-keys"),
]


@pytest.mark.parametrize("operation", slow_except(OPERATIONS))
@pytest.mark.parametrize("extreme", EXTREMES)
def test_check_never_raises_on_extreme_values(operation: str, extreme: object) -> None:
    op = REGISTRY.get(operation)
    document = find(valid_documents(operation), lambda _: True, settings=FIRST)
    assert_a_report(check(operation, extreme), operation)
    if op.wrapper:
        assert_a_report(check(operation, {op.wrapper: extreme}), operation)
        assert_a_report(check(operation, {op.wrapper: {}, "Extra": extreme}), operation)
    for f in spec_of(operation, "json").fields:
        report = check(operation, changed(document, operation, "json", {f.name: extreme}))
        assert_a_report(report, operation)
        assert not report.ok
    if op.xml_root:
        assert_a_report(check(operation, {op.xml_root: extreme}, form="xml"), operation)
