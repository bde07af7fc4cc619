"""The answers of the MDES Customer Service API 2.1.7 and 2.2.2, as a client reads them.

Every response example of both specifications is a test: the whole answers and the example
of each response schema (``tests/fixtures/x_samples_2_1_7.json`` and ``..._2_2_2.json``, key
``responses``), and the example of each member of a response schema (key
``response_members``). Each example that breaks its own specification is listed with the
reason. The JSON Schema export agrees with the reader on every example. Property tests: an
answer whose every member keeps its rules reads back without a warning, and one member
breaking a rule gives exactly that warning, never a failure. The versioned models keep the
members of 2.0.7, so an answer built with the 2.0.7 classes converts to either version.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from attrs import evolve
from cs_api_cases import mutations
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from slow_params import slow_except
from test_codec_roundtrip import JSON_TEXT, models

from mdesrules import REGISTRY, Response
from mdesrules.apis import MDES_CS_API_2_1_7, MDES_CS_API_2_2_2
from mdesrules.codec import decode_response
from mdesrules.converters import convert, structure, unstructure
from mdesrules.models import responses as r207
from mdesrules.models import responses_2_1_7 as r217
from mdesrules.models import responses_2_2_2 as r222
from mdesrules.openapi import json_schema
from mdesrules.registry import Operation, Registry
from mdesrules.schema import FieldSpec, ObjectSpec, object_spec
from mdesrules.testing import string_values
from mdesrules.violations import Violation

ROOT = Path(__file__).resolve().parent
VERSIONS: dict[str, Registry] = {"2.1.7": MDES_CS_API_2_1_7, "2.2.2": MDES_CS_API_2_2_2}
FIXTURES = {
    version: json.loads(
        (ROOT / "fixtures" / f"x_samples_{version.replace('.', '_')}.json").read_text("utf-8")
    )
    for version in VERSIONS
}
SOME = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- the specification's answers -----------------------------------------------------------

_A = "/SearchResponse/Accounts/Account/*"
_T = f"{_A}/Tokens/Token/*"
_SUSPENDER = ("not_allowed_value", f"{_T}/Suspenders/Suspender/*")
_VCN = ("too_short", f"{_T}/VirtualCardNumberIdentifier")
_IICA = ("wrong_type", f"{_A}/InterbankCardAssociationId")
_DEVICE_NAME = ("too_short", f"{_T}/Device/DeviceName")
_LAST_COMMENT = ("unknown_field", f"{_T}/LastComment")
_WHY_SUSPENDER = "each Suspender item is 'W, I', two suspenders in one string, not one letter"
_WHY_VCN = (
    "VirtualCardNumberIdentifier is a 36-character UUID; the spec asks for exactly 64 characters"
)
_WHY_IICA = (
    "InterbankCardAssociationId is the number 12345678901 (the spec types it number with "
    "string lengths 3..11): read as the text '12345678901'"
)
_WHY_STANDARD = (
    "DeviceName 'ACM' has 3 characters (5..64), and LastComment is no member of Token "
    "(LastCommentId is)"
)
_SCHEMA_SEARCH = (
    {_SUSPENDER, _VCN, _IICA},
    f"{_WHY_SUSPENDER}; {_WHY_VCN}; {_WHY_IICA}",
)
_SCHEMA_TOKENS = ({_SUSPENDER, _VCN}, f"{_WHY_SUSPENDER}; {_WHY_VCN}")

#: (version, name) -> the warnings (code, path with list indices as *) of the example, and
#: why. Every other example reads without a warning.
INVALID: dict[tuple[str, str], tuple[set[tuple[str, str]], str]] = {
    **{
        ("2.1.7", name): (
            {
                ("too_long", f"{_T}/{member}")
                for member in (
                    "DigitizationRequestDateTime",
                    "TokenActivatedDateTime",
                    "CurrentStatusDateTime",
                )
            }
            | {_DEVICE_NAME, _LAST_COMMENT},
            "the search answer of 2.2.2's examples: its date-times carry an offset "
            "(2023-08-03T05:10:45-05:00, 25 characters) where 2.1.7 asks for exactly 24; "
            + _WHY_STANDARD,
        )
        for name in ("paths /search 200: example", "SearchResponse: example")
    },
    ("2.1.7", "schema SearchResults: example"): _SCHEMA_SEARCH,
    ("2.1.7", "schema SearchResultsData: example"): _SCHEMA_SEARCH,
    ("2.1.7", "schema Accounts: example"): _SCHEMA_SEARCH,
    ("2.1.7", "schema Account: example"): _SCHEMA_SEARCH,
    ("2.1.7", "schema Tokens: example"): _SCHEMA_TOKENS,
    ("2.1.7", "schema Token: example"): _SCHEMA_TOKENS,
    ("2.1.7", "schema Suspenders: example"): ({_SUSPENDER}, _WHY_SUSPENDER),
    ("2.2.2", "SearchResponse: Standard Response"): (
        {_DEVICE_NAME, _LAST_COMMENT},
        _WHY_STANDARD,
    ),
    ("2.2.2", "SearchResponse: Compact Response"): (
        {("too_long", f"{_T}/TokenRequestorId")},
        "TokenRequestorId 'wueyywq-qwiuw' has 13 characters (6..11)",
    ),
}

#: (version, schema, member) -> what the member's example breaks, and why.
INVALID_MEMBERS: dict[tuple[str, str, str], tuple[str, str]] = {
    ("2.1.7", "Account", "InterbankCardAssociationId"): ("wrong_type", _WHY_IICA),
    ("2.1.7", "Suspenders", "Suspender"): ("not_allowed_value", _WHY_SUSPENDER),
    ("2.1.7", "Token", "VirtualCardNumberIdentifier"): ("too_short", _WHY_VCN),
}

EXAMPLES = [(v, doc["name"]) for v in VERSIONS for doc in FIXTURES[v]["responses"]]
MEMBERS = [
    (v, m["schema"], m["member"])
    for v in VERSIONS
    for m in FIXTURES[v]["response_members"]
    if m["operation"] is not None
]


def _example(version: str, name: str) -> tuple[Operation, dict[str, Any]]:
    """The operation and the whole answer of the example *name* (nested in its wrap)."""
    (doc,) = [d for d in FIXTURES[version]["responses"] if d["name"] == name]
    answer = doc["response"]
    for key in reversed(doc["wrap"]):
        answer = {key[:-2]: [answer]} if key.endswith("[]") else {key: answer}
    return VERSIONS[version].get(doc["operation"]), answer


def _found(warnings: tuple[Violation, ...]) -> set[tuple[str, str]]:
    return {(v.code, re.sub("/[0-9]+(?=/|$)", "/*", v.path)) for v in warnings}


def test_every_example_is_accounted_for() -> None:
    names = set(EXAMPLES)
    assert set(INVALID) <= names
    # 2.1.7: two whole search answers and the example of each of 44 response schemas;
    # 2.2.2: its two search answers (it gives no other response example).
    assert [sum(v == version for v, _ in EXAMPLES) for version in VERSIONS] == [46, 2]
    for version, registry in VERSIONS.items():
        answered = {doc["operation"] for doc in FIXTURES[version]["responses"]}
        if version == "2.1.7":  # a whole answer of every operation
            assert answered == {op.name for op in registry}
    assert {(v, s, m) for v, s, m in INVALID_MEMBERS} <= set(MEMBERS)


@pytest.mark.parametrize(("version", "name"), EXAMPLES)
def test_official_response_example(version: str, name: str) -> None:
    op, answer = _example(version, name)
    response = decode_response(op.name, 200, answer, registry=VERSIONS[version])
    assert response.ok
    assert op.response is not None
    assert isinstance(response.body, op.response)
    expected, _why = INVALID.get((version, name), (set(), ""))
    assert _found(response.warnings) == expected
    assert all(w.severity == "warning" for w in response.warnings)


def _response_validator(registry: Registry, op: Operation) -> jsonschema.Validator:
    name = "".join(p.capitalize() for p in op.name.split("_")) + "ResponseBody"
    return jsonschema.Draft202012Validator({**_SCHEMAS[registry.key], "$ref": f"#/$defs/{name}"})


_SCHEMAS = {r.key: json_schema(r) for r in VERSIONS.values()}


@pytest.mark.parametrize(("version", "name"), EXAMPLES)
def test_the_export_agrees_with_the_reader_on_each_example(version: str, name: str) -> None:
    # The JSON Schema of the answer states the members' lengths, forms and value sets, and
    # leaves answers open: an example validates exactly when the reader's only warnings are
    # members it does not know.
    op, answer = _example(version, name)
    warnings = decode_response(op.name, 200, answer, registry=VERSIONS[version]).warnings
    valid = _response_validator(VERSIONS[version], op).is_valid(answer)
    assert valid is all(w.code == "unknown_field" for w in warnings)


def _member_spec(op: Operation, path: list[str]) -> FieldSpec:
    assert op.response is not None
    here: ObjectSpec | None = object_spec(op.response, op.naming)
    f: FieldSpec | None = None
    for part in path[1:] if op.wrapper else path:
        assert here is not None
        f = here.by_name[part.removesuffix("[]")]
        here = f.child
    assert f is not None
    return f


@pytest.mark.parametrize(("version", "schema", "member"), MEMBERS)
def test_official_member_example(version: str, schema: str, member: str) -> None:
    (m,) = [
        m
        for m in FIXTURES[version]["response_members"]
        if (m["schema"], m["member"]) == (schema, member)
    ]
    f = _member_spec(VERSIONS[version].get(m["operation"]), m["path"])
    example = m["example"]
    if not isinstance(example, str):
        broken: str | None = "wrong_type"
    else:
        failures = [failure for failure in (rule(example) for rule in f.rules) if failure]
        broken = failures[0][0] if failures else None
    expected = INVALID_MEMBERS.get((version, schema, member))
    assert broken == (expected[0] if expected else None)


@pytest.mark.parametrize("version", VERSIONS)
def test_the_error_members_make_an_mdes_error(version: str) -> None:
    members = [m for m in FIXTURES[version]["response_members"] if m["operation"] is None]
    entry = {m["member"]: m["example"] for m in members}
    response = decode_response(
        "token_suspend", 400, {"Errors": {"Error": [entry]}}, registry=VERSIONS[version]
    )
    assert not response.ok
    (error,) = response.errors
    assert (error.reason_code, error.error_code, error.recoverable) == (
        "MISSING_CONDITIONAL_FIELD",
        "E0010039",
        "false",
    )
    # 2.2.2's example sends Recoverable as the YAML boolean false: read as text, with a
    # warning, as live gateway errors send it.
    expected = {("wrong_type", "/Errors/Error/*/Recoverable")} if version == "2.2.2" else set()
    assert _found(response.warnings) == expected


# --- each version's shapes -----------------------------------------------------------------

_OFFSET = "2023-08-03T05:10:45-05:00"
_MILLIS = "2015-01-21T00:04:35.000Z"


@pytest.mark.parametrize(
    ("version", "moment", "expected"),
    [
        ("2.1.7", _MILLIS, set()),
        ("2.1.7", _OFFSET, {"too_long"}),
        ("2.1.7", "2015-01-21T00:04:35Z", {"too_short"}),
        ("2.2.2", _MILLIS, set()),
        ("2.2.2", _OFFSET, set()),
        ("2.2.2", "2015-01-21T00:04:35Z", set()),
        ("2.2.2", "2015-01-21 00:04:35.000Z", {"bad_format"}),
        ("2.2.2", "2015-02-29T00:04:35.000Z", {"bad_format"}),
        ("2.1.7", "2015-04-31T00:04:35.000Z", {"bad_format"}),
        ("2.2.2", "2015-01-21T00:04:35.000+01:00:00", {"too_long"}),
    ],
)
def test_date_times_have_each_versions_length(
    version: str, moment: str, expected: set[str]
) -> None:
    history = {"TokenStatusHistoryResponse": {"Statuses": {"Status": [{"StatusDateTime": moment}]}}}
    response = decode_response("token_status_history", 200, history, registry=VERSIONS[version])
    assert {w.code for w in response.warnings} == expected
    assert isinstance(response.body, r217.TokenStatusHistoryResponse)
    assert response.body.statuses is not None
    assert response.body.statuses.status[0].status_date_time == moment  # kept as sent


def test_2_2_2_adds_values_and_paging() -> None:
    token = {"Source": "ACCOUNT_ADDED_VIA_BROWSER", "TokenType": "F"}
    search = {
        "SearchResponse": {
            "Accounts": {"Account": [{"Tokens": {"Token": [token]}}]},
            "PageInfo": {"Offset": "0", "Limit": "20", "Total": "1", "Count": "1"},
        }
    }
    new = decode_response("search", 200, search, registry=MDES_CS_API_2_2_2)
    assert new.warnings == ()
    assert isinstance(new.body, r222.SearchResponse)
    assert new.body.page_info == r222.PageInfoResults(offset="0", limit="20", total="1", count="1")
    old = decode_response("search", 200, search, registry=MDES_CS_API_2_1_7)
    assert _found(old.warnings) == {
        ("not_allowed_value", f"{_T}/Source"),
        ("unknown_field", "/SearchResponse/PageInfo"),
    }
    methods = {"ActivationMethods": {"ActivationMethod": [{"ActivationMethodType": "EMV_3DS"}]}}
    answer = {"TokenActivationMethodsResponse": methods}
    for registry, codes in ((MDES_CS_API_2_2_2, set()), (MDES_CS_API_2_1_7, {"not_allowed_value"})):
        read = decode_response("token_activation_methods", 200, answer, registry=registry)
        assert {w.code for w in read.warnings} == codes


def test_a_value_outside_its_rules_never_fails_the_reader_nor_shows_a_pan() -> None:
    pan = "5412345678901232"
    token = {"TokenSuffix": pan, "CurrentStatusCode": pan, "TokenType": 7}
    search = {"SearchResponse": {"Accounts": {"Account": [{"Tokens": {"Token": [token]}}]}}}
    for registry in VERSIONS.values():
        response = decode_response("search", 200, search, registry=registry)
        body: Any = response.body
        read = body.accounts.account[0].tokens.token[0]
        assert (read.token_suffix, read.current_status_code, read.token_type) == (pan, pan, "7")
        assert {(w.code, w.path.rsplit("/", 1)[1]) for w in response.warnings} == {
            ("too_long", "TokenSuffix"),
            ("not_allowed_value", "CurrentStatusCode"),
            ("wrong_type", "TokenType"),
            ("not_allowed_value", "TokenType"),
        }
        assert pan not in repr(response)
        assert pan not in json.dumps([w.to_dict() for w in response.warnings])


def test_every_answer_is_the_versions_own_model() -> None:
    for registry, module in ((MDES_CS_API_2_1_7, r217), (MDES_CS_API_2_2_2, r222)):
        for op in registry:
            assert op.response is not None
            assert getattr(module, op.response.__name__) is op.response, (registry, op.name)
            assert op.response.__module__ != r207.__name__


def test_2_2_2_keeps_the_operations_of_2_1_7_whose_answer_did_not_change() -> None:
    for op in MDES_CS_API_2_1_7:
        new = MDES_CS_API_2_2_2.get(op.name)
        if new.request is not op.request:
            continue
        # The same request, rules and effect; the very same object only if the answer is.
        assert (new.rules, new.state_rules, new.effect) == (op.rules, op.state_rules, op.effect)
        assert (new is op) is (new.response is op.response), op.name
    assert {op.name for op in MDES_CS_API_2_1_7 if MDES_CS_API_2_2_2.get(op.name) is op} == {
        "token_resend_activation_code",
        "token_requestor_search",
    }


# --- the members of 2.0.7 ------------------------------------------------------------------


def _pairs(old: type, new: type) -> Iterator[tuple[FieldSpec | None, FieldSpec]]:
    """The members of *new* with those of *old* of the same wire name, nested objects too."""
    before = object_spec(old).by_name
    for f in object_spec(new).fields:
        o = before.get(f.name)
        yield o, f
        if o is not None and o.child is not None and f.child is not None:
            yield from _pairs(o.child.model, f.child.model)


VERSIONED = [
    (op.name, version)
    for version, registry in VERSIONS.items()
    for op in registry
    if op.name in REGISTRY.names()
]


@pytest.mark.parametrize(("operation", "version"), VERSIONED)
def test_the_members_of_2_0_7_keep_their_names(operation: str, version: str) -> None:
    # One exception: the 2.0.7 model answers a resent activation code with a SimpleToken,
    # whose CommentId no version sends there (the request has no comment text); 2.1.7's
    # schema of that token has its reference only.
    old = REGISTRY.get(operation).response
    new = VERSIONS[version].get(operation).response
    assert old is not None
    assert new is not None
    pairs = list(_pairs(old, new))
    kept = [(o, f) for o, f in pairs if o is not None]
    # Every member of 2.0.7 is there under the same attribute name; what is new is optional.
    dropped = 1 if operation == "token_resend_activation_code" else 0
    assert len(kept) + dropped == sum(len(object_spec(m).fields) for m in _models(old))
    assert all(o.attribute == f.attribute for o, f in kept)
    assert all(not f.required for o, f in pairs if o is None)


def _models(model: type) -> Iterator[type]:
    yield model
    for f in object_spec(model).fields:
        if f.child is not None:
            yield from _models(f.child.model)


@pytest.mark.parametrize(("operation", "version"), slow_except(VERSIONED, keep={"search"}))
@SOME
@given(data=st.data())
def test_an_answer_built_with_the_2_0_7_classes_converts(
    operation: str, version: str, data: st.DataObject
) -> None:
    old = REGISTRY.get(operation).response
    new = VERSIONS[version].get(operation).response
    assert old is not None
    assert new is not None
    answer = data.draw(models(old, JSON_TEXT), label="answer")
    if isinstance(answer, r207.TokenResendActivationCodeResponse) and answer.token is not None:
        answer = evolve(answer, token=evolve(answer.token, comment_id=None))  # see above
    converted: object = convert(answer, new)
    assert type(converted) is new
    assert unstructure(converted) == unstructure(answer)


def test_convert_refuses_a_member_the_target_lacks_without_showing_it() -> None:
    page = r222.SearchResponse(page_info=r222.PageInfoResults(offset="5412345678901232"))
    with pytest.raises(ValueError, match=r"responses_2_2_2\.SearchResponse") as raised:
        convert(page, r217.SearchResponse)
    assert "5412345678901232" not in str(raised.value)


# --- properties ----------------------------------------------------------------------------


def _documents(spec: ObjectSpec) -> st.SearchStrategy[dict[str, Any]]:
    """Answers (without their wrapper) whose every member keeps its field rules."""
    required = {f.name: _member(f) for f in spec.fields if f.required}
    optional = {f.name: _member(f) for f in spec.fields if not f.required}
    return st.fixed_dictionaries(required, optional=optional)


def _member(f: FieldSpec) -> st.SearchStrategy[Any]:
    if f.kind == "object":
        assert f.child is not None
        child = f.child
        return st.deferred(lambda: _documents(child))
    if f.kind == "array":
        items = _documents(f.child) if f.child is not None else _text(f)
        return st.lists(items, max_size=2)
    return _text(f)


def _text(f: FieldSpec) -> st.SearchStrategy[str]:
    return string_values(f.rules) if f.rules else JSON_TEXT


def _leaves(value: Any, spec: ObjectSpec, path: tuple[str | int, ...] = ()) -> Iterator[Any]:
    """``(path, field, value)`` of every string member with field rules, list items too."""
    for name, inner in value.items():
        f = spec.by_name[name]
        if f.child is not None:
            items = inner if f.kind == "array" else [inner]
            for i, item in enumerate(items):
                where = (*path, name, i) if f.kind == "array" else (*path, name)
                yield from _leaves(item, f.child, where)
        elif f.rules:
            items = enumerate(inner) if f.kind == "array" else [(None, inner)]
            for i, item in items:
                yield ((*path, name) if i is None else (*path, name, i)), f, item


def _wrapped(op: Operation, body: dict[str, Any]) -> dict[str, Any]:
    return body if op.response_wrapper is None else {op.response_wrapper: body}


ANSWERS = [(op.name, v) for v, registry in VERSIONS.items() for op in registry]


@pytest.mark.parametrize(("operation", "version"), slow_except(ANSWERS, keep={"search"}))
@SOME
@given(data=st.data())
def test_answers_within_the_rules_read_without_a_warning(
    operation: str, version: str, data: st.DataObject
) -> None:
    registry = VERSIONS[version]
    op = registry.get(operation)
    assert op.response is not None
    body = data.draw(_documents(object_spec(op.response, op.naming)), label="body")
    response = decode_response(operation, 200, _wrapped(op, body), registry=registry)
    assert response.warnings == ()
    assert response.body == structure(body, op.response, op.naming)


@pytest.mark.parametrize(("operation", "version"), slow_except(ANSWERS, keep={"search"}))
@SOME
@given(data=st.data())
def test_one_member_outside_its_rules_gives_exactly_its_warning(
    operation: str, version: str, data: st.DataObject
) -> None:
    registry = VERSIONS[version]
    op = registry.get(operation)
    assert op.response is not None
    spec = object_spec(op.response, op.naming)
    body = data.draw(_documents(spec), label="body")
    leaves = list(_leaves(body, spec))
    assume(leaves)
    path, f, value = data.draw(st.sampled_from(leaves), label="member")
    broken, code = data.draw(
        st.sampled_from([m for m in mutations(f, value) if m[1] != "wrong_type"]),
        label="mutation",
    )
    here: Any = body
    for part in path[:-1]:
        here = here[part]
    here[path[-1]] = broken
    response = decode_response(operation, 200, _wrapped(op, body), registry=registry)
    base = "" if op.response_wrapper is None else f"/{op.response_wrapper}"
    where = base + "".join(f"/{part}" for part in path)
    assert [(w.code, w.path, w.severity) for w in response.warnings] == [(code, where, "warning")]
    assert isinstance(response.body, op.response)
    assert Response(operation, 200, response.body).ok
