"""The public contract of ``mdesrules.check`` (DESIGN.md section 5), by example."""

from __future__ import annotations

import copy
from typing import Any

import pytest

import mdesrules
from mdesrules.models import AuditInfo, TokenUpdateRequest

TUR = "DWSPMC00000000010906a349d9ca4eb1a4d53e3c90a11d9c"
PAN = "5412345678901232"
NEW_PAN = "5412345678908880"
AUDIT = {"UserId": "A1435477", "UserName": "John Smith", "Organization": "Any Bank"}


def update(**fields: Any) -> dict[str, Any]:
    return {"TokenUpdateRequest": {**fields, "AuditInfo": dict(AUDIT)}}


def found(report: mdesrules.Report) -> list[tuple[str, str]]:
    return [(v.code, v.path) for v in report.violations]


def test_a_valid_update_passes() -> None:
    report = mdesrules.check(
        "token_update", update(TokenUniqueReference=TUR, NewAccountPan=NEW_PAN)
    )
    assert report.ok
    assert report.violations == ()
    assert report.operation == "token_update"


def test_conflicting_targets_name_both_fields() -> None:
    report = mdesrules.check(
        "token_update",
        update(TokenUniqueReference=TUR, CurrentAccountPan=PAN, ExpirationDate="0128"),
    )
    (v,) = report.violations
    assert v.code == "mutually_exclusive"
    assert v.path == "/TokenUpdateRequest/CurrentAccountPan"
    assert v.fields == (
        "/TokenUpdateRequest/TokenUniqueReference",
        "/TokenUpdateRequest/CurrentAccountPan",
    )
    assert v.severity == "error"
    assert not report.ok


def test_every_violation_is_reported_not_only_the_first() -> None:
    report = mdesrules.check(
        "token_update",
        {
            "TokenUpdateRequest": {
                "TokenUniqueReference": TUR,
                "CurrentAccountPan": "54123456",
                "IssuerProductConfigurationId": "ANYGOLD101",
                "ExpirationDate": "1327",
                "UpdateWalletProviderIndicator": 1,
                "AuditInfo": {"UserId": "A1", "UserName": "J", "Organisation": "Any Bank"},
            }
        },
    )
    assert found(report) == [
        ("too_short", "/TokenUpdateRequest/CurrentAccountPan"),
        ("bad_format", "/TokenUpdateRequest/ExpirationDate"),
        ("wrong_type", "/TokenUpdateRequest/UpdateWalletProviderIndicator"),
        ("missing_required", "/TokenUpdateRequest/AuditInfo/Organization"),
        ("unknown_field", "/TokenUpdateRequest/AuditInfo/Organisation"),
        ("mutually_exclusive", "/TokenUpdateRequest/CurrentAccountPan"),
        ("mutually_exclusive", "/TokenUpdateRequest/ExpirationDate"),
    ]


def test_a_field_gets_only_its_first_failing_field_rule() -> None:
    short = mdesrules.check(
        "token_update", update(CurrentAccountPan="54123456", ExpirationDate="0128")
    )
    assert found(short) == [("too_short", "/TokenUpdateRequest/CurrentAccountPan")]
    number = mdesrules.check(
        "token_update", update(CurrentAccountPan=5412345678901232, ExpirationDate="0128")
    )
    assert found(number) == [("wrong_type", "/TokenUpdateRequest/CurrentAccountPan")]


def test_a_misspelt_key_is_an_error_with_a_suggestion() -> None:
    doc = update(TokenUniqueReference=TUR, ExpirationDate="0128")
    doc["TokenUpdateRequest"]["AuditInfo"]["Phonenumber"] = "5555551234"
    (v,) = mdesrules.check("token_update", doc).violations
    assert v.code == "unknown_field"
    assert "did you mean 'Phone'" in v.message


def test_fields_outside_the_wrapper_are_pointed_back_inside() -> None:
    doc = update(TokenUniqueReference=TUR, ExpirationDate="0128")
    doc["CommentText"] = "outside"
    (v,) = mdesrules.check("token_update", doc).violations
    assert (v.code, v.path) == ("unknown_field", "/CommentText")
    assert "inside TokenUpdateRequest" in v.message


def test_an_unwrapped_request_is_told_to_wrap() -> None:
    doc = update(TokenUniqueReference=TUR, ExpirationDate="0128")["TokenUpdateRequest"]
    (v,) = mdesrules.check("token_update", doc).violations
    assert (v.code, v.path) == ("missing_required", "/TokenUpdateRequest")
    assert "wrapped" in v.message


@pytest.mark.parametrize("payload", [None, [], "x", 5, True, 1.5])
def test_a_payload_that_is_not_an_object_gets_a_report(payload: object) -> None:
    report = mdesrules.check("token_update", payload)
    assert [v.code for v in report.violations] == ["wrong_type"]


def test_unknown_operation_is_a_documented_exception() -> None:
    with pytest.raises(mdesrules.UnknownOperation, match=r"known operations: .*token_update"):
        mdesrules.check("token_updates", {})
    assert issubclass(mdesrules.UnknownOperation, ValueError)


def test_wallet_provider_indicator_defaults_to_one() -> None:
    model = mdesrules.parse("token_update", update(TokenUniqueReference=TUR, ExpirationDate="0128"))
    assert model.update_wallet_provider_indicator == "1"
    bad = mdesrules.check(
        "token_update",
        update(TokenUniqueReference=TUR, ExpirationDate="0128", UpdateWalletProviderIndicator="2"),
    )
    assert found(bad) == [
        ("not_allowed_value", "/TokenUpdateRequest/UpdateWalletProviderIndicator")
    ]


def test_models_and_wire_documents_convert_both_ways() -> None:
    doc = update(TokenUniqueReference=TUR, NewAccountPan=NEW_PAN, UpdateWalletProviderIndicator="0")
    model = mdesrules.parse("token_update", doc)
    assert isinstance(model, TokenUpdateRequest)
    assert model.audit_info == AuditInfo(
        user_id="A1435477", user_name="John Smith", organization="Any Bank"
    )
    assert mdesrules.to_wire(model) == doc
    assert mdesrules.check("token_update", model).ok


def test_parse_refuses_an_invalid_document_with_its_report() -> None:
    with pytest.raises(mdesrules.InvalidRequest) as info:
        mdesrules.parse("token_update", update(CurrentAccountPan=PAN))
    assert info.value.report.codes == ("nothing_to_update",)
    assert PAN not in str(info.value)


def test_legacy_update_json_is_camel_case_and_unwrapped() -> None:
    doc = {
        "cardholderId": "20000587525",
        "tokenUniqueReference": TUR,
        "expirationDate": "0128",
        "auditInfo": {"userId": "A1435477", "userName": "John Smith", "organization": "Any Bank"},
    }
    (v,) = mdesrules.check("legacy_update", doc).violations
    assert v.code == "mutually_exclusive"
    assert v.fields == ("/tokenUniqueReference", "/cardholderId")
    del doc["tokenUniqueReference"]
    assert mdesrules.check("legacy_update", doc).ok
    assert mdesrules.REGISTRY.detect(doc) is mdesrules.REGISTRY.get("legacy_update")


def test_legacy_update_xml_form_uses_the_datacontract_names() -> None:
    doc = {
        "UpdateRequest": {
            "CurrentAccountPan": PAN,
            "ExpirationDate": "0128",
            "AuditInfo": {"Organization": "Any Bank", "UserId": "A1435477", "UserName": "J S"},
        }
    }
    assert mdesrules.check("legacy_update", doc, form="xml").ok
    broken = copy.deepcopy(doc)
    broken["UpdateRequest"]["IssuerProductConfigurationId"] = "ANYGOLD101"
    report = mdesrules.check("legacy_update", broken, form="xml")
    assert found(report) == [("mutually_exclusive", "/UpdateRequest/ExpirationDate")]


def test_every_code_produced_is_a_documented_code() -> None:
    documented = {
        "missing_required", "unknown_field", "wrong_type", "too_short", "too_long",
        "bad_format", "bad_check_digit", "not_allowed_value", "mutually_exclusive",
        "missing_one_of", "requires", "nothing_to_update", "token_state",
        "no_assurance_level", "account_range", "unknown_token", "suspender",
        "malformed_document",
    }  # fmt: skip
    assert documented <= set(mdesrules.CODES)


def test_violations_serialise_to_the_report_format() -> None:
    report = mdesrules.check("token_update", update(TokenUniqueReference=TUR))
    assert report.to_dict() == {
        "operation": "token_update",
        "ok": False,
        "violations": [
            {
                "code": "nothing_to_update",
                "path": "/TokenUpdateRequest",
                "fields": [
                    "/TokenUpdateRequest/NewAccountPan",
                    "/TokenUpdateRequest/ExpirationDate",
                    "/TokenUpdateRequest/AccountPanSequenceNumber",
                    "/TokenUpdateRequest/IssuerProductConfigurationId",
                ],
                "message": "the update changes nothing: send NewAccountPan, ExpirationDate, "
                "AccountPanSequenceNumber or IssuerProductConfigurationId",
                "severity": "error",
            }
        ],
    }


def test_every_operation_is_registered() -> None:
    assert set(mdesrules.REGISTRY.names()) == {
        "search", "token_activate", "token_update", "token_suspend", "token_unsuspend",
        "token_delete", "token_status_history", "token_comments", "transactions",
        "token_activation_methods", "token_resend_activation_code", "token_reset_mobile_pin",
        "update_token_assurance", "account_holder_messaging", "system_status",
        "legacy_update", "notify_token_updated",
        "notify_token_updated_envelope", "tms_card_art", "tms_payment_credentials",
    }  # fmt: skip
