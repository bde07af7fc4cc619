"""The rules of ``notifyTokenUpdated`` (MDES -> token requestor), as properties of ``check``.

The generic suites (``test_rules_properties.py``) cover both notify operations at the top
level; here every field of a notified token, nested objects included, is broken alone by its
minimal mutation, and each rule of the nested models gives exactly its violation with its
severity. Unknown fields, unknown event reason codes and the minimum fields the sandbox omits
are warnings; the other minimum fields of productConfig and tokenInfo are errors.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_rules_properties import REMOVE, field_mutations

import mdesrules
from mdesrules import REGISTRY, check
from mdesrules.models import NotifyTokenUpdatedPayload
from mdesrules.models.notify import EVENT_REASON_CODES
from mdesrules.schema import FieldSpec, ObjectSpec
from mdesrules.testing import valid_documents
from mdesrules.violations import Report, pointer

OP = "notify_token_updated"
SOME = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FEW = settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])

TOKEN_SPEC = REGISTRY.get(OP).form("json").spec.by_name["tokens"].child
assert TOKEN_SPEC is not None
PC = "/tokens/0/productConfig"


def token_fields(spec: ObjectSpec, prefix: str = "") -> Iterator[tuple[str, FieldSpec]]:
    for f in spec.fields:
        yield prefix + f.name, f
        if f.kind == "object" and f.child is not None:
            yield from token_fields(f.child, prefix + f.name + "/")


def one_token(data: st.DataObject, *sending: str) -> dict[str, Any]:
    """A valid decrypted notification with exactly one token sending *sending*."""
    wanted = ["tokens/" + name for name in sending]
    document = data.draw(valid_documents(OP, sending=wanted), label="valid")
    document["tokens"] = document["tokens"][:1]
    return document


def token_of(document: dict[str, Any]) -> dict[str, Any]:
    token: dict[str, Any] = document["tokens"][0]
    return token


def get(document: dict[str, Any], field: str) -> Any:
    node: Any = token_of(document)
    for part in field.split("/"):
        node = node[part]
    return node


def changed(document: dict[str, Any], field: str, value: object) -> dict[str, Any]:
    result = copy.deepcopy(document)
    *parents, name = field.split("/")
    node = token_of(result)
    for part in parents:
        node = node[part]
    if value is REMOVE:
        node.pop(name, None)
    else:
        node[name] = value
    return result


def found(report: Report) -> list[tuple[str, str, str]]:
    return [(v.code, v.path, v.severity) for v in report.violations]


def path(field: str) -> str:
    return "/tokens/0" + pointer(*field.split("/"))


# --- valid documents -----------------------------------------------------------------------


@SOME
@given(data=st.data(), extra=st.sampled_from(["productConfig", "tokenInfo", "suspendedBy", ""]))
def test_valid_notifications_pass_without_any_violation(data: st.DataObject, extra: str) -> None:
    document = data.draw(valid_documents(OP, sending=[f"tokens/{extra}"] if extra else []))
    report = check(OP, document)
    assert report.violations == (), found(report)
    assert REGISTRY.detect(document) is REGISTRY.get(OP)
    assert isinstance(mdesrules.parse(OP, document), NotifyTokenUpdatedPayload)


@SOME
@given(document=valid_documents("notify_token_updated_envelope"))
def test_valid_envelopes_pass_and_are_detected(document: dict[str, Any]) -> None:
    assert check("notify_token_updated_envelope", document).violations == ()
    assert REGISTRY.detect(document) is REGISTRY.get("notify_token_updated_envelope")


def test_legacy_update_is_still_detected_as_legacy_update() -> None:
    legacy = {"tokenUniqueReference": "D" * 48, "expirationDate": "0128"}
    assert REGISTRY.detect(legacy) is REGISTRY.get("legacy_update")


# --- every field of a token, broken alone ----------------------------------------------------

FIELDS = [
    pytest.param(field, id=field)
    for field, f in token_fields(TOKEN_SPEC)
    if field != "eventReasonCode" and f.kind in ("str", "object", "array")
]


@pytest.mark.parametrize("field", FIELDS)
@FEW
@given(data=st.data())
def test_each_token_field_rule_broken_alone_gives_exactly_its_violation(
    field: str, data: st.DataObject
) -> None:
    document = one_token(data, field)
    f = dict(token_fields(TOKEN_SPEC))[field]
    for mutation in field_mutations(f, get(document, field), data):
        report = check(OP, changed(document, field, mutation.value))
        assert found(report) == [(mutation.code, path(field), mutation.severity)], mutation.why


@pytest.mark.parametrize(
    "field", ["productConfig/isCoBranded", "tokenInfo/tokenAssuranceLevel"], ids=str
)
@pytest.mark.parametrize("value", ["true", "1", 1.5, None, [], {}])
@FEW
@given(data=st.data())
def test_a_boolean_or_integer_of_the_wrong_type_is_wrong_type(
    field: str, value: object, data: st.DataObject
) -> None:
    document = one_token(data, field)
    report = check(OP, changed(document, field, value))
    assert found(report) == [("wrong_type", path(field), "error")]


# --- warnings: the receiver tolerates ----------------------------------------------------------


@SOME
@given(
    data=st.data(),
    where=st.sampled_from(["", "tokens/0/", "tokens/0/productConfig/", "tokens/0/tokenInfo/"]),
    value=st.sampled_from(["x", 1, None, {"a": []}]),
)
def test_an_unknown_field_is_a_warning_only(data: st.DataObject, where: str, value: object) -> None:
    document = one_token(data, "productConfig", "tokenInfo")
    node: Any = document
    for part in where.split("/")[:-1]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    node["newFieldFromMdes"] = value
    report = check(OP, document)
    where_path = pointer(*where.split("/")[:-1], "newFieldFromMdes")
    assert found(report) == [("unknown_field", where_path, "warning")]
    assert report.ok
    assert isinstance(mdesrules.parse(OP, document), NotifyTokenUpdatedPayload)


@SOME
@given(data=st.data(), code=st.sampled_from(["TOKEN_EXPIRED", "NEW_REASON", "other"]))
def test_an_unknown_event_reason_code_is_a_warning(data: st.DataObject, code: str) -> None:
    document = one_token(data, "eventReasonCode")
    report = check(OP, changed(document, "eventReasonCode", code))
    assert found(report) == [("not_allowed_value", path("eventReasonCode"), "warning")]
    assert report.ok


@SOME
@given(data=st.data(), code=st.sampled_from(EVENT_REASON_CODES))
def test_every_known_event_reason_code_passes(data: st.DataObject, code: str) -> None:
    document = one_token(data, "eventReasonCode")
    assert check(OP, changed(document, "eventReasonCode", code)).violations == ()


@pytest.mark.parametrize("value", ["", "X" * 33, 7])
@FEW
@given(data=st.data())
def test_an_event_reason_code_of_the_wrong_form_is_still_an_error(
    value: object, data: st.DataObject
) -> None:
    document = one_token(data, "eventReasonCode")
    report = check(OP, changed(document, "eventReasonCode", value))
    assert [(v.path, v.severity) for v in report.violations] == [(path("eventReasonCode"), "error")]


# The members the spec lists as ``required`` of productConfig and tokenInfo ("the optional
# objects will always contain a minimum set of data"): errors when absent, except the three
# the sandbox is known to omit (notes 2.4), and the token's status, which stay warnings.
REQUIRED = [
    *(
        f"productConfig/{n}"
        for n in ("brandLogoAssetId", "foregroundColor", "issuerName", "shortDescription")
    ),
    *(
        f"tokenInfo/{n}"
        for n in (
            "tokenPanSuffix",
            "accountPanPrefix",
            "accountPanSuffix",
            "tokenExpiry",
            "dsrpCapable",
        )
    ),
]
EXPECTED = [
    *(f"productConfig/{n}" for n in ("issuerLogoAssetId", "isCoBranded", "iconAssetId")),
    "status",
]


def without(data: st.DataObject, field: str) -> dict[str, Any]:
    """A valid one-token notification with *field* removed, and nothing else broken."""
    document = one_token(data, field)
    if field == "productConfig/isCoBranded":  # coBrandName is judged only with isCoBranded
        document = changed(document, "productConfig/coBrandName", REMOVE)
    if field == "status":
        document = changed(document, "suspendedBy", REMOVE)
    return changed(document, field, REMOVE)


@pytest.mark.parametrize("field", REQUIRED)
@FEW
@given(data=st.data())
def test_a_missing_minimum_field_is_a_missing_required_error(
    field: str, data: st.DataObject
) -> None:
    report = check(OP, without(data, field))
    assert found(report) == [("missing_required", path(field), "error")]
    assert not report.ok


@pytest.mark.parametrize("field", EXPECTED)
@FEW
@given(data=st.data())
def test_a_minimum_field_the_sandbox_omits_is_a_missing_required_warning(
    field: str, data: st.DataObject
) -> None:
    report = check(OP, without(data, field))
    assert found(report) == [("missing_required", path(field), "warning")]
    assert report.ok


@FEW
@given(data=st.data())
def test_a_token_without_its_tur_is_an_error(data: st.DataObject) -> None:
    document = one_token(data, "tokenUniqueReference")
    report = check(OP, changed(document, "tokenUniqueReference", REMOVE))
    assert found(report) == [("missing_required", path("tokenUniqueReference"), "error")]


# --- rules across the fields of a token ------------------------------------------------------


@SOME
@given(data=st.data(), status=st.sampled_from(["INACTIVE", "ACTIVE", "DEACTIVATED"]))
def test_suspended_by_with_another_status_is_an_error(data: st.DataObject, status: str) -> None:
    document = one_token(data, "suspendedBy")
    assert get(document, "status") == "SUSPENDED"
    report = check(OP, changed(document, "status", status))
    assert found(report) == [("mutually_exclusive", path("suspendedBy"), "error")]
    (v,) = report.violations
    assert set(v.fields) == {path("status"), path("suspendedBy")}


@SOME
@given(data=st.data())
def test_suspended_without_suspended_by_passes(data: st.DataObject) -> None:
    document = changed(one_token(data, "suspendedBy"), "suspendedBy", REMOVE)
    assert check(OP, document).violations == ()


@SOME
@given(
    data=st.data(),
    which=st.sampled_from(["cardBackgroundAssetId", "cardBackgroundCombinedAssetId"]),
)
def test_both_card_background_asset_ids_are_mutually_exclusive(
    data: st.DataObject, which: str
) -> None:
    other = {
        "cardBackgroundAssetId": "cardBackgroundCombinedAssetId",
        "cardBackgroundCombinedAssetId": "cardBackgroundAssetId",
    }[which]
    document = one_token(data, f"productConfig/{which}")
    report = check(OP, changed(document, f"productConfig/{other}", "739d27e5-629d-11e3"))
    (v,) = report.violations
    assert (v.code, v.severity) == ("mutually_exclusive", "error")
    assert set(v.fields) == {f"{PC}/{which}", f"{PC}/{other}"}


@SOME
@given(data=st.data())
def test_neither_card_background_asset_id_is_missing_one_of(data: st.DataObject) -> None:
    document = one_token(data, "productConfig")
    for name in ("cardBackgroundAssetId", "cardBackgroundCombinedAssetId"):
        document = changed(document, f"productConfig/{name}", REMOVE)
    assert found(check(OP, document)) == [("missing_one_of", PC, "error")]


@SOME
@given(data=st.data())
def test_co_brand_name_without_co_branding_is_an_error(data: st.DataObject) -> None:
    document = one_token(data, "productConfig/coBrandName")
    assert get(document, "productConfig/isCoBranded") is True
    report = check(OP, changed(document, "productConfig/isCoBranded", False))
    assert found(report) == [("mutually_exclusive", f"{PC}/coBrandName", "error")]


@SOME
@given(data=st.data())
def test_co_branded_without_co_brand_name_is_an_error(data: st.DataObject) -> None:
    """coBrandName is "Conditionally required if isCoBranded = true"."""
    document = one_token(data, "productConfig/coBrandName")
    assert get(document, "productConfig/isCoBranded") is True
    report = check(OP, changed(document, "productConfig/coBrandName", REMOVE))
    assert found(report) == [("missing_required", f"{PC}/coBrandName", "error")]
    assert not report.ok


# --- the forms of single values --------------------------------------------------------------


@pytest.mark.parametrize("color", ["12345G", "12345", "1234567", "#12345", "12 345", "٣٣٣٣٣٣"])
@FEW
@given(data=st.data())
def test_a_foreground_color_that_is_not_six_hex_digits_is_an_error(
    color: str, data: st.DataObject
) -> None:
    document = one_token(data, "productConfig")
    report = check(OP, changed(document, "productConfig/foregroundColor", color))
    assert [(v.path, v.severity) for v in report.violations] == [(f"{PC}/foregroundColor", "error")]


@pytest.mark.parametrize("color", ["000000", "ffFFff", "A1b2C3"])
def test_six_hex_digits_of_either_case_are_a_foreground_color(color: str) -> None:
    rules = dict(token_fields(TOKEN_SPEC))["productConfig/foregroundColor"].rules
    assert all(rule(color) is None for rule in rules)


@pytest.mark.parametrize(
    "timestamp",
    [
        "2024-13-01T10:00:00Z",
        "2024-00-01T10:00:00Z",
        "2024-01-32T10:00:00Z",
        "2024-02-30T10:00:00Z",
        "2023-02-29T10:00:00Z",
        "2024-06-31T10:00:00Z",
        "0000-01-01T10:00:00Z",
        "2024-01-01T24:00:00Z",
        "2024-01-01T10:60:00Z",
        "2024-01-01T10:00:00Z\n",
        "2024-01-01T10:00:00",
        "2024-01-01 10:00:00Z",
        "2024-01-01T10:00:00.1234Z",
        "2024-01-01T10:00:00+0100",
        "2024-01-01T10:00:00+01:00:00",
        "٢٠٢٤-01-01T10:00:00Z",
    ],
)
@FEW
@given(data=st.data())
def test_a_status_timestamp_not_in_iso_8601_is_an_error(
    timestamp: str, data: st.DataObject
) -> None:
    document = one_token(data, "statusTimestamp")
    report = check(OP, changed(document, "statusTimestamp", timestamp))
    assert [(v.path, v.severity) for v in report.violations] == [(path("statusTimestamp"), "error")]


@pytest.mark.parametrize(
    "timestamp",
    [
        "2024-01-01T10:00:00Z",
        "2024-01-01T10:00:00.1Z",
        "2024-01-01T10:00:00.123Z",
        "2024-12-31T23:59:59.999+05:30",
        "2024-02-29T00:00:00-11:00",
        "2000-02-29T00:00:00Z",
        "2024-04-30T00:00:00Z",
    ],
)
def test_iso_8601_status_timestamps_pass(timestamp: str) -> None:
    rules = TOKEN_SPEC.by_name["statusTimestamp"].rules
    assert all(rule(timestamp) is None for rule in rules)


# --- the command line ---------------------------------------------------------------------


def test_mdesrules_check_with_the_operation_checks_a_decrypted_document(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from mdesrules.cli import main

    token = {
        "tokenUniqueReference": "DWSPMC000000000132d72d4fcb2f4136a0532d3093ff1a45",
        "status": "ACTIVE",
        "suspendedBy": ["ISSUER"],
        "eventReasonCode": "SOMETHING_NEW",
    }
    source = tmp_path / "ntu.json"
    source.write_text(json.dumps({"tokens": [token]}))
    code = main(["check", "--operation", OP, "--format", "json", str(source)])
    out = capsys.readouterr().out
    assert code != 0
    assert "mutually_exclusive" in out
    assert "not_allowed_value" in out
