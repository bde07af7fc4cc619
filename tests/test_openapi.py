"""The OpenAPI / JSON Schema export states the rules: the schema and the check agree.

Both directions, on what JSON Schema can state: every valid document the strategies draw
validates against the exported request schema, and the minimal mutations the schema
expresses (a value too long, a value outside its set, an unknown member, a required member
dropped, a trailing newline) fail both the schema and the check.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openapi_spec_validator import validate
from slow_params import slow_except

import mdesrules
from mdesrules import REGISTRY
from mdesrules.apis import LEGACY_UPDATE, MDES_CS_API_2_0_7, SURFACES
from mdesrules.cli import main
from mdesrules.fields import iso_timestamp, length, one_of
from mdesrules.openapi import anchored, json_schema, openapi, served
from mdesrules.registry import Operation
from mdesrules.schema import ObjectSpec
from mdesrules.testing import string_values, valid_documents

SOME = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
OPERATIONS = REGISTRY.names()
SCHEMA = json_schema(REGISTRY)
OPENAPI = openapi(REGISTRY)


def _validator(operation: str, document: dict[str, Any] = SCHEMA) -> jsonschema.Validator:
    name = "".join(p.capitalize() for p in operation.split("_")) + "RequestBody"
    schema = {**document, "$ref": f"#/$defs/{name}"}
    return jsonschema.Draft202012Validator(schema)


def _walk(value: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield key, item
            yield from _walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)


@pytest.mark.parametrize("key", [k for k in SURFACES if k not in ("mdes-notifications-1.3.0",)])
def test_openapi_document_validates(key: str) -> None:
    registry = SURFACES[key]
    if not any(True for _ in served(registry)):
        with pytest.raises(ValueError, match="no operation served over HTTP"):
            openapi(registry)
        return
    validate(openapi(registry))


def test_default_export_is_the_issuers_http_api() -> None:
    ops = [op["operationId"] for path in OPENAPI["paths"].values() for op in path.values()]
    assert ops == [*MDES_CS_API_2_0_7.names(), *LEGACY_UPDATE.names()]
    assert "/mdes/csapi/v2/token/update" in OPENAPI["paths"]
    assert "/api/Update" in OPENAPI["paths"]


@pytest.mark.parametrize("version", ["2.0.7", "2.1.7"])
def test_the_title_names_the_version_exported(version: str) -> None:
    # Versions of one API share operation names; the title follows the registry's own.
    document = openapi(SURFACES[f"mdes-cs-api-{version}"])
    assert document["info"]["title"] == f"MDES Customer Service API {version}"


def test_json_schema_is_a_valid_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert {f"{n}" for n in SCHEMA["$defs"]} >= {"ErrorsResponse", "SearchRequestBody"}


def test_no_max_length_zero_anywhere() -> None:
    """The 2.0.7 specification's maxLength: 0 (CommentId, LastCommentId, Source...) breaks
    generated clients; the export states real lengths or none."""
    for document in (OPENAPI, SCHEMA):
        assert [k for k, v in _walk(document) if k == "maxLength" and v == 0] == []
    token = OPENAPI["components"]["schemas"]["Token"]["properties"]
    assert token["LastCommentId"] == {"type": "string"}
    error = OPENAPI["components"]["schemas"]["Error"]["properties"]
    assert set(error) >= {"Source", "ReasonCode", "ErrorCode", "Description", "Recoverable"}
    assert all(s == {"type": "string"} for s in error.values())


def test_every_answer_is_200_or_an_mdes_error() -> None:
    for path in OPENAPI["paths"].values():
        for method, op in path.items():
            # A GET takes no body: no unknown token, no media type to refuse.
            errors = {"400", "413", "500"} | (set() if method == "get" else {"404", "415"})
            assert set(op["responses"]) == {"200"} | errors
            for status in errors:
                schema = op["responses"][status]["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorsResponse"}


def test_a_get_has_no_request_body_and_a_wrapped_answer() -> None:
    status = OPENAPI["paths"]["/mdes/csapi/v2/systemstatus"]
    assert list(status) == ["get"]
    assert "requestBody" not in status["get"]
    assert "SystemStatusRequestBody" not in OPENAPI["components"]["schemas"]
    ref = status["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    body = OPENAPI["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert body["required"] == ["SystemStatusResponse"]
    answer = {"SystemStatusResponse": {"CommentText": "fully operational"}}
    validator = jsonschema.Draft202012Validator({"components": OPENAPI["components"], **body})
    validator.validate(answer)
    assert not validator.is_valid({"CommentText": "fully operational"})
    # Every POST still has its body.
    posts = [op for path in OPENAPI["paths"].values() for m, op in path.items() if m == "post"]
    assert posts
    assert all(op["requestBody"]["required"] for op in posts)


def test_patterns_use_ascii_digits_and_refuse_a_trailing_newline() -> None:
    patterns = [v for k, v in _walk(SCHEMA) if k == "pattern"]
    assert patterns
    for pattern in patterns:
        assert "\\d" not in pattern
        assert pattern.startswith("^(?:")
        assert pattern.endswith(")$(?!\\n)")
    digits = jsonschema.Draft202012Validator({"pattern": anchored("[0-9]+")})
    assert digits.is_valid("0123")
    assert not digits.is_valid("0123\n")


def test_requests_closed_responses_open() -> None:
    defs = SCHEMA["$defs"]
    assert defs["TokenSuspendRequestBody"]["additionalProperties"] is False
    assert (
        defs["TokenSuspendRequestBody"]["properties"]["TokenSuspendRequest"]["additionalProperties"]
        is False
    )
    assert "additionalProperties" not in defs["SearchResponse"]
    # Notifications are inbound: their receivers tolerate new members.
    assert "additionalProperties" not in defs["NotifyTokenUpdatedRequestBody"]


def test_unstatable_rules_are_in_the_descriptions() -> None:
    body = SCHEMA["$defs"]["TokenUpdateRequestBody"]["properties"]["TokenUpdateRequest"]
    assert "valid Luhn check digit" in body["properties"]["NewAccountPan"]["description"]
    assert "Token-state rules" in body["description"]
    assert "same account range" in body["description"]


def _top(op: Operation) -> tuple[ObjectSpec, str | None]:
    form = op.form("json")
    return form.spec, form.envelope


def _inner(document: dict[str, Any], envelope: str | None) -> dict[str, Any]:
    inner: dict[str, Any] = document[envelope] if envelope is not None else document
    return inner


def _expiration_schema() -> dict[str, Any]:
    body = SCHEMA["$defs"]["AccountHolderMessagingRequestBody"]
    schema: dict[str, Any] = body["properties"]["AccountHolderMessagingRequest"]["properties"][
        "MessageExpiration"
    ]
    return schema


def test_a_timestamp_is_exported_as_its_pattern_and_a_date_time() -> None:
    schema = _expiration_schema()
    assert schema["pattern"] == anchored(iso_timestamp.pattern)
    assert schema["format"] == "date-time"


@SOME
@given(
    value=st.builds(
        "{:04d}-{:02d}-{:02d}T{}".format,
        st.integers(0, 9999),
        st.integers(1, 12),
        st.integers(28, 31),
        st.sampled_from(["10:00:00Z", "23:59:59.999+14:00", "00:00:00.5-05:00"]),
    )
)
@example("2024-02-30T10:00:00Z")
@example("2023-02-29T10:00:00Z")
@example("2024-02-29T10:00:00Z")
def test_a_format_checking_validator_refuses_the_dates_the_check_refuses(value: str) -> None:
    """With its formats checked (RFC 3339 ``date-time``), the schema of a timestamp passes
    exactly the values its rules pass, days that do not exist included."""
    validator = jsonschema.Draft202012Validator(
        _expiration_schema(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    passes = all(rule(value) is None for rule in (length(20, 29), iso_timestamp()))
    assert validator.is_valid(value) == passes


@pytest.mark.parametrize("operation", slow_except(OPERATIONS))
@SOME
@given(data=st.data())
def test_valid_documents_validate_against_the_export(operation: str, data: st.DataObject) -> None:
    document = data.draw(valid_documents(operation))
    assert mdesrules.check(operation, document).ok
    _validator(operation).validate(document)


def _mutations(op: Operation) -> list[tuple[str, str]]:
    """(field, kind) pairs of the request's top-level fields the schema constrains."""
    spec, _ = _top(op)
    found = []
    for f in spec.fields:
        if f.kind != "str":
            continue
        if any(isinstance(r, length) and r.max is not None for r in f.rules):
            found.append((f.name, "too_long"))
        if any(isinstance(r, one_of) and not r.unknown_is_warning for r in f.rules):
            found.append((f.name, "bad_value"))
    return found


@pytest.mark.parametrize("operation", slow_except(OPERATIONS))
@SOME
@given(data=st.data())
def test_mutations_fail_schema_and_check_alike(operation: str, data: st.DataObject) -> None:
    op = REGISTRY.get(operation)
    spec, envelope = _top(op)
    document = data.draw(valid_documents(operation))
    kinds = ["unknown_member", "trailing_newline"] if op.unknown_severity == "error" else []
    kinds += ["drop_required"] if any(f.required for f in spec.fields) else []
    choices = [*_mutations(op), *((None, k) for k in kinds)]
    name, kind = data.draw(st.sampled_from(choices))
    mutated = copy.deepcopy(document)
    inner = _inner(mutated, envelope)
    if kind == "unknown_member":
        inner["ZzUnknownMember"] = "1"
    elif kind == "drop_required":
        del inner[data.draw(st.sampled_from([f.name for f in spec.fields if f.required]))]
    elif kind == "trailing_newline":
        patterned = [
            k
            for k, v in inner.items()
            if isinstance(v, str) and spec.by_name[k].rules and not _allows_newline(op, k)
        ]
        if not patterned:
            return
        key = data.draw(st.sampled_from(patterned))
        inner[key] += "\n"
    else:
        assert name is not None
        f = spec.by_name[name]
        if kind == "too_long":
            top = max(r.max for r in f.rules if isinstance(r, length) and r.max is not None)
            inner[name] = data.draw(string_values(f.rules)).ljust(top + 1, "0")
        else:
            sets = [(*r.values, *r.deprecated) for r in f.rules if isinstance(r, one_of)]
            allowed = {v for values in sets for v in values}
            bad = st.text(min_size=1, max_size=3).filter(lambda v: v not in allowed)
            inner[name] = data.draw(bad)
    assert not mdesrules.check(operation, mutated).ok, (kind, name)
    assert not _validator(operation).is_valid(mutated), (kind, name)


def _allows_newline(op: Operation, name: str) -> bool:
    """Free text fields take line breaks (and so does the schema)."""
    spec, _ = _top(op)
    return any(
        re.fullmatch(getattr(r, "pattern", "^$"), "\n") is not None
        or re.fullmatch(getattr(r, "pattern", "^$"), "a\n") is not None
        for r in spec.by_name[name].rules
    )


@pytest.mark.parametrize("fmt", ["openapi", "jsonschema"])
def test_cli_writes_the_export_as_json(fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "--format", fmt]) == 0
    first = capsys.readouterr().out
    assert main(["rules", "--format", fmt]) == 0
    assert capsys.readouterr().out == first  # deterministic
    assert json.loads(first) == (OPENAPI if fmt == "openapi" else SCHEMA)


def test_cli_refuses_openapi_of_a_surface_with_no_http_operation(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["rules", "--format", "openapi", "--api", "cybersource-tms-2"]) == 2
    assert "no operation served over HTTP" in capsys.readouterr().err


def test_every_pattern_is_an_ecma_regex() -> None:
    """A Rust or JavaScript engine (jsonschema-rs, as schemathesis uses it) compiles each
    pattern: one it cannot read would be dropped, and its values would go unchecked."""
    jsonschema_rs = pytest.importorskip("jsonschema_rs")
    for pattern in {v for k, v in _walk(SCHEMA) if k == "pattern"}:
        validator = jsonschema_rs.validator_for({"type": "string", "pattern": pattern})
        assert not validator.is_valid("\x06"), pattern
