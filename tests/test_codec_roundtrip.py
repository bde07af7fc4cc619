"""Round trips through the byte codecs: what is encoded decodes to itself.

Requests: every valid request of every operation in JSON, of the default registry and of
the CS API 2.1.7 and 2.2.2, and of the legacy update in DataContract XML
(:func:`mdesrules.testing.valid_documents`). Responses: response models of the same
registries built field by field from their attrs declarations, with any text (read back as
they were, with warnings only where a member breaks its rules) and with values within their
rules (read back without a warning). And the XML written follows the seed 004 samples of
the legacy service: element order and namespaces.
"""

from __future__ import annotations

import json
import types
from pathlib import Path
from typing import Any, Union, get_args, get_origin, get_type_hints

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from slow_params import slow_except

import mdesrules
from mdesrules._xml import DATACONTRACT_NS, XSI_NS, parse_xml, to_document
from mdesrules.apis import SURFACES
from mdesrules.codecs import json as json_codec
from mdesrules.codecs import xml as xml_codec
from mdesrules.converters import structure
from mdesrules.exceptions import DecodeError, InvalidRequest
from mdesrules.fields import FieldRule
from mdesrules.models import legacy
from mdesrules.models import responses as r
from mdesrules.schema import object_spec
from mdesrules.testing import string_values, valid_documents
from mdesrules.transport import Request, Response

FIXTURES = Path(__file__).parent / "fixtures"
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- requests ------------------------------------------------------------------------------


#: The registries whose requests and answers round trip: the default one (CS API 2.0.7, the
#: legacy update, the notifications, TMS) and the CS API 2.1.7 and 2.2.2 (plaintext form).
REGISTRIES = {key: SURFACES[key] for key in ("default", "mdes-cs-api-2.1.7", "mdes-cs-api-2.2.2")}
REQUESTS = [(op.name, key) for key, registry in REGISTRIES.items() for op in registry]


@pytest.mark.parametrize(("operation", "key"), slow_except(REQUESTS))
@SETTINGS
@given(data=st.data())
def test_every_valid_request_round_trips_in_json(
    operation: str, key: str, data: st.DataObject
) -> None:
    registry = REGISTRIES[key]
    document = data.draw(valid_documents(operation, registry=registry), label="document")
    model = mdesrules.parse(operation, document, registry=registry)
    request = Request(operation, model, registry)
    wire = json_codec.encode_request(request)
    assert json.loads(wire) == mdesrules.to_wire(model, registry=registry)
    assert json_codec.decode_request(operation, wire, registry=registry) == request


@SETTINGS
@given(document=valid_documents("legacy_update", form="xml"))
def test_every_valid_legacy_request_round_trips_in_xml(document: dict[str, Any]) -> None:
    model = mdesrules.parse("legacy_update", document, form="xml")
    request = Request("legacy_update", model)
    wire = xml_codec.encode_request(request)
    assert xml_codec.decode_request("legacy_update", wire) == request
    assert_datacontract_order(wire)
    # The same model travels in either form.
    assert json_codec.decode_request("legacy_update", json_codec.encode_request(request)) == request


# --- responses -------------------------------------------------------------------------------

#: Any text JSON carries (hypothesis leaves out lone surrogates, which UTF-8 cannot hold).
JSON_TEXT = st.text(max_size=12)
#: Any text XML 1.0 carries: no control characters but tab and line breaks, no surrogates,
#: no U+FFFE or U+FFFF.
XML_TEXT = st.text(
    st.characters(
        codec="utf-8",
        exclude_categories=("Cs", "Cc"),
        include_characters="\t\n\r",
        exclude_characters="\ufffe\uffff",
    ),
    max_size=12,
)


def models(
    cls: type, text: st.SearchStrategy[str], *, some: bool = False, valid: bool = False
) -> st.SearchStrategy[Any]:
    """Instances of the attrs class *cls*, every field drawn from its declared type.

    ``st.builds`` alone fills only the required fields; this draws the optional ones too.
    With *some*, every object has at least one field that is not ``None``. With *valid*, a
    text member with field rules is drawn from its rules, the others from *text*.
    """
    hints = get_type_hints(cls)
    fields = attrs.fields(cls)
    rules = {s.attribute: s.rules for s in object_spec(cls).fields}
    built = st.builds(
        cls,
        **{
            f.name: _values(hints[f.name], text, some, rules[f.name] if valid else None)
            for f in fields
        },
    )
    if some:
        return built.filter(lambda o: any(getattr(o, f.name) is not None for f in fields))
    return built


def _values(
    hint: Any, text: st.SearchStrategy[str], some: bool, rules: tuple[FieldRule, ...] | None
) -> st.SearchStrategy[Any]:
    """Values of *hint*; *rules*: those of a text member, or None for any text."""
    origin, args = get_origin(hint), get_args(hint)
    if hint is str:
        return string_values(rules) if rules else text
    if origin in (Union, types.UnionType):
        (inner,) = [a for a in args if a is not type(None)]
        return st.none() | _values(inner, text, some, rules)
    if origin is tuple:
        return st.lists(_values(args[0], text, some, rules), max_size=2).map(tuple)
    if attrs.has(hint):
        valid = rules is not None
        return st.deferred(lambda: models(hint, text, some=some, valid=valid))
    raise TypeError(f"no strategy for {hint!r}")


RESPONSES = [
    (op.name, key, op.response)
    for key, registry in REGISTRIES.items()
    for op in registry
    if op.response is not None
]
#: What reading an answer may say of a member it keeps: it breaks the member's field rules.
RULE_CODES = {"too_short", "too_long", "bad_format", "not_allowed_value", "deprecated_value"}


@pytest.mark.parametrize(("operation", "key", "model"), slow_except(RESPONSES))
@SETTINGS
@given(data=st.data())
def test_every_response_round_trips_in_json(
    operation: str, key: str, model: type, data: st.DataObject
) -> None:
    # Any text: the answer reads back as it was, whatever its members' rules say of it
    # (MDES is not refused for an odd value; the reader warns).
    registry = REGISTRIES[key]
    body = data.draw(models(model, JSON_TEXT), label="body")
    wire = json_codec.encode_response(Response(operation, 200, body), registry=registry)
    decoded = json_codec.decode_response(operation, 200, wire, registry=registry)
    assert (decoded.status, decoded.body, decoded.errors) == (200, body, ())
    assert {(w.code, w.severity) for w in decoded.warnings} <= {
        (code, "warning") for code in RULE_CODES
    }


@pytest.mark.parametrize(("operation", "key", "model"), slow_except(RESPONSES))
@SETTINGS
@given(data=st.data())
def test_every_response_within_its_rules_round_trips_without_a_warning(
    operation: str, key: str, model: type, data: st.DataObject
) -> None:
    registry = REGISTRIES[key]
    body = data.draw(models(model, JSON_TEXT, valid=True), label="body")
    wire = json_codec.encode_response(Response(operation, 200, body), registry=registry)
    assert json_codec.decode_response(operation, 200, wire, registry=registry) == Response(
        operation, 200, body
    )


@SETTINGS
@given(body=models(legacy.LegacyTokenResponse, XML_TEXT, some=True))
def test_the_legacy_response_round_trips_in_xml(body: legacy.LegacyTokenResponse) -> None:
    wire = xml_codec.encode_response(Response("legacy_update", 200, body))
    assert_datacontract_order(wire)
    assert xml_codec.decode_response("legacy_update", 200, wire) == Response(
        "legacy_update", 200, body
    )


ERRORS = st.lists(models(r.Error, JSON_TEXT), min_size=1, max_size=3).map(tuple)
XML_ERRORS = st.lists(models(r.Error, XML_TEXT, some=True), min_size=1, max_size=3).map(tuple)


@SETTINGS
@given(errors=ERRORS, status=st.integers(400, 599))
def test_mdes_errors_round_trip_in_json(errors: tuple[r.Error, ...], status: int) -> None:
    wire = json_codec.encode_response(Response("token_update", status, None, errors))
    assert json_codec.decode_response("token_update", status, wire) == Response(
        "token_update", status, None, errors
    )


@SETTINGS
@given(errors=XML_ERRORS, status=st.integers(400, 599))
def test_mdes_errors_round_trip_in_xml(errors: tuple[r.Error, ...], status: int) -> None:
    wire = xml_codec.encode_response(Response("legacy_update", status, None, errors))
    assert etree.fromstring(wire).tag == f"{{{DATACONTRACT_NS}}}Errors"
    assert xml_codec.decode_response("legacy_update", status, wire) == Response(
        "legacy_update", status, None, errors
    )


# --- the seed 004 samples ------------------------------------------------------------------


def assert_datacontract_order(wire: bytes) -> None:
    """Members in ordinal order at every level, items of a list kept together."""
    for element in etree.fromstring(wire).iter():
        names = [etree.QName(child).localname for child in element]
        assert names == sorted(names)


def outline(data: bytes) -> list[tuple[str, str]]:
    """Every element in document order with its text (layout whitespace dropped)."""
    root = etree.fromstring(data)
    return [(el.tag, (el.text or "").strip() if len(el) else el.text or "") for el in root.iter()]


def start_tag(data: bytes) -> bytes:
    return data.strip().split(b">", 1)[0]


def test_the_legacy_response_sample_decodes_and_encodes_back_unchanged() -> None:
    sample = (FIXTURES / "legacy_token_response.xml").read_bytes()
    decoded = xml_codec.decode_response("legacy_update", 200, sample)
    assert decoded.ok
    assert decoded.warnings == ()
    token = decoded.body.token  # type: ignore[attr-defined]
    assert token.token_unique_reference == "sample string 1"
    assert len(token.devices) == 2
    assert token.suspender == (legacy.LegacySuspender(suspended_by="sample string 1"),) * 2
    again = xml_codec.encode_response(decoded)
    assert outline(again) == outline(sample)
    assert start_tag(again) == start_tag(sample)
    assert start_tag(again) == (
        f'<TokenResponse xmlns:i="{XSI_NS}" xmlns="{DATACONTRACT_NS}"'.encode()
    )


def test_the_legacy_request_sample_keeps_its_order_and_namespaces() -> None:
    sample = (FIXTURES / "legacy_update_request.xml").read_bytes()
    # The sample's values ("sample string 2" as a PAN) break rules: build the model
    # without checking, to compare the shape only.
    root, members = to_document(parse_xml(sample))
    assert root == "UpdateRequest"
    model = structure(members, legacy.UpdateRequest)
    again = xml_codec.encode_request(Request("legacy_update", model))
    assert outline(again) == outline(sample)
    assert start_tag(again) == start_tag(sample)


def test_the_legacy_json_form_is_camel_case_and_bare() -> None:
    sample = (FIXTURES / "legacy_token_response.xml").read_bytes()
    decoded = xml_codec.decode_response("legacy_update", 200, sample)
    document = json.loads(json_codec.encode_response(decoded))
    assert list(document) == ["token"]
    assert document["token"]["tokenUniqueReference"] == "sample string 1"
    assert document["token"]["suspender"] == [{"suspendedBy": "sample string 1"}] * 2
    assert (
        json_codec.decode_response("legacy_update", 200, json.dumps(document).encode()) == decoded
    )


# --- edge cases once broken -----------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        legacy.LegacyTokenResponse(token=legacy.LegacyToken()),
        legacy.LegacyTokenResponse(token=legacy.LegacyToken(devices=(legacy.LegacyDevice(),))),
    ],
)
def test_empty_objects_round_trip_in_xml(body: legacy.LegacyTokenResponse) -> None:
    wire = xml_codec.encode_response(Response("legacy_update", 200, body))
    assert xml_codec.decode_response("legacy_update", 200, wire).body == body


def test_an_empty_error_entry_round_trips_in_xml() -> None:
    errors = (r.Error(),)
    wire = xml_codec.encode_response(Response("legacy_update", 400, None, errors))
    assert xml_codec.decode_response("legacy_update", 400, wire).errors == errors


LONE_SURROGATE_REQUEST = (
    b'{"TokenSuspendRequest":{"TokenUniqueReference":"DWSPMC0000000001","ReasonCode":"L",'
    b'"CommentText":"lost \\ud800","AuditInfo":{"UserId":"a","UserName":"b","Organization":"c"}}}'
)


def test_a_lone_surrogate_is_refused_or_can_be_sent_on() -> None:
    try:
        request = json_codec.decode_request("token_suspend", LONE_SURROGATE_REQUEST)
    except (InvalidRequest, DecodeError):
        return
    json_codec.encode_request(request)


def test_a_lone_surrogate_in_an_answer_is_repaired_or_refused() -> None:
    answer = b'{"SearchResponse":{"Accounts":{"Account":[{"AccountPanSuffix":"\\udc00"}]}}}'
    try:
        response = json_codec.decode_response("search", 200, answer)
    except DecodeError:
        return
    json_codec.encode_response(response)
