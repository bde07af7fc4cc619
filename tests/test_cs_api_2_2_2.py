"""MDES Customer Service API 2.2.2 in plaintext form (``mdesrules.apis.MDES_CS_API_2_2_2``).

Every request example of the 2.2.2 specification (copied into
``tests/fixtures/x_samples_2_2_2.json``), with the reason each invalid one breaks its own
specification; valid documents pass; each field rule and each rule across fields, nested
ones included, broken alone gives exactly its violation; the catalogue is docs/rules-2.2.2.md.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cs_api_cases import (
    AUDIT,
    CROSS,
    PAN,
    Change,
    leaves,
    mutations,
    set_at,
    shared_bases,
    spec_at,
    value_at,
)
from cs_api_cases import CA as _CA
from cs_api_cases import EAI as _EAI
from cs_api_cases import data as _data
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mdesrules
from mdesrules import REGISTRY, Report
from mdesrules.apis import MDES_CS_API_2_1_7, MDES_CS_API_2_2_2, SURFACES
from mdesrules.catalogue import render
from mdesrules.testing import valid_documents

R = MDES_CS_API_2_2_2
ROOT = Path(__file__).resolve().parent
SAMPLES: list[dict[str, Any]] = json.loads(
    (ROOT / "fixtures" / "x_samples_2_2_2.json").read_text(encoding="utf-8")
)["samples"]
RULES_MD = ROOT.parent / "docs" / "rules-2.2.2.md"
SOME = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check(operation: str, document: object) -> Report:
    return mdesrules.check(operation, document, registry=R)


def found(report: Report) -> set[tuple[str, str]]:
    return {(v.code, v.path) for v in report.violations}


# --- the surface ---------------------------------------------------------------------------


def test_the_surface_is_listed_but_not_in_the_default_registry() -> None:
    assert SURFACES["mdes-cs-api-2.2.2"] is R
    assert len(R) == 16
    assert set(R.names()) == {*MDES_CS_API_2_1_7.names(), "notify_authentication_decision"}
    assert "notify_authentication_decision" not in REGISTRY.names()


def test_every_operation_keeps_the_effect_and_read_only_of_2_1_7() -> None:
    for op in MDES_CS_API_2_1_7:
        new = R.get(op.name)
        assert (new.effect, new.read_only) == (op.effect, op.read_only), op.name
        assert (new.endpoint, new.wrapper, new.response_wrapper) == (
            op.endpoint,
            op.wrapper,
            op.response_wrapper,
        )
    notify = R.get("notify_authentication_decision")
    assert (notify.effect, notify.read_only, notify.wrapper) == (
        "authentication_decision",
        False,
        None,
    )


def test_unchanged_requests_are_those_of_2_1_7_not_copies() -> None:
    changed = {"search", "token_activate", "token_update", "token_disable_payment_channels"}
    for op in MDES_CS_API_2_1_7:
        same = R.get(op.name).request is op.request
        assert same is (op.name not in changed), op.name


NOTIFY = {
    "tokenUniqueReference": "DWSPMC00000000010906a349d9ca4eb1a4d53e3c90a11d9c",
    "authRequestCorrelationId": "550e8400-e29b-41d4-a716-446655440000",
    "authenticationMethod": "Issuer Application",
    "decision": "SUCCESS",
    "commentText": "Cardholder authentication performed post tokenization",
    "auditInfo": {"userId": "A1435477", "userName": "John Smith", "organization": "Any Bank"},
}


def test_notify_authentication_decision_is_camel_case_and_unwrapped() -> None:
    assert R.detect(NOTIFY) is R.get("notify_authentication_decision")
    assert check("notify_authentication_decision", NOTIFY).violations == ()
    # A wrapped document of another operation is never taken for the bare one, and a bare
    # document in PascalCase is not a notification.
    assert R.detect({"TokenSuspendRequest": {}}) is R.get("token_suspend")
    assert R.detect({"TokenUniqueReference": "x", "Decision": "SUCCESS"}) is None
    pascal = {k[:1].upper() + k[1:]: v for k, v in NOTIFY.items()}
    report = check("notify_authentication_decision", pascal)
    assert "unknown_field" in {v.code for v in report.violations}


def test_notify_authentication_decision_values() -> None:
    for member, bad in (("decision", "success"), ("authenticationMethod", "SMS")):
        document = {**NOTIFY, member: bad}
        assert found(check("notify_authentication_decision", document)) == {
            ("not_allowed_value", f"/{member}")
        }


# --- the specification's examples ----------------------------------------------------------

_PAN = "1111111111111111 fails the Luhn check"
_KEY = "EncryptedKey A1B2C3D4E5F6112233445566 has 24 characters; the spec asks for 32..512"
_INSIDE = "the envelope members are put inside EncryptedData"
_S = "/SearchRequest"
_SEAI = f"{_S}/EncryptedAccountInformation/EncryptedData"
_ENVELOPE = (
    "PublicKeyFingerprint",
    "EncryptedKey",
    "OaepHashingAlgorithm",
    "Iv",
    "algorithmCipherMode",
    "tag",
    "aad",
)
_U = "/TokenUpdateRequest"
_UEAI = f"{_U}/EncryptedAccountInformation"
_OUTSIDE = {
    ("unknown_field", f"/{k}")
    for k in (
        "CommentText",
        "RemoveAlternateAccountIdentifierSuffix",
        "UpdateWalletProviderIndicator",
        "AuditInfo",
    )
} | {("missing_required", f"{_U}/AuditInfo")}

#: name -> the violations (code, path) the example must produce, and why.
INVALID: dict[str, tuple[set[tuple[str, str]], str]] = {
    "SearchRequest: Search by TUR": (
        {("too_short", f"{_S}/TokenUniqueReference")},
        "its TUR DAPL0000…c7a has 46 characters; the spec asks for 48..64",
    ),
    "SearchRequest: Search by Account Number": (
        {
            ("bad_check_digit", f"{_SEAI}/CurrentAccount/AccountPan"),
            *(("unknown_field", f"{_SEAI}/{k}") for k in _ENVELOPE),
        },
        f"the PAN {_PAN}; {_INSIDE}",
    ),
    "SearchRequest: Search by Account Number (or other identifiers) for Compact Response": (
        {
            ("bad_check_digit", f"{_SEAI}/CurrentAccount/AccountPan"),
            *(("unknown_field", f"{_SEAI}/{k}") for k in _ENVELOPE),
            ("wrong_type", f"{_S}/TokenStatusCodes"),
            ("wrong_type", f"{_S}/TokenTypes"),
        },
        f"the PAN {_PAN}; {_INSIDE}; TokenStatusCodes and TokenTypes are sent as strings, "
        "the schema makes them arrays",
    ),
    "SearchRequest: Search by FAID": (
        {*(("unknown_field", f"{_SEAI}/{k}") for k in _ENVELOPE)},
        _INSIDE,
    ),
    "SearchRequest: Search by AAID": (
        {
            *(("unknown_field", f"{_SEAI}/{k}") for k in _ENVELOPE),
            ("missing_required", f"{_S}/AuditInfo/UserId"),
            ("unknown_field", f'{_S}/AuditInfo/UserId"'),
            ("missing_required", f"{_S}/PageInfo/Offset"),
            ("unknown_field", f'{_S}/PageInfo/Offset"'),
        },
        f'{_INSIDE}; the keys UserId and Offset end in a stray quote (UserId", Offset")',
    ),
    "TokenActivateRequest: Activation by TUR": (
        {
            ("missing_required", "/TokenActivateRequest/AuditInfo/Organization"),
            ("unknown_field", "/TokenActivateRequest/AuditInfo/Organisation"),
        },
        "AuditInfo spells Organization as Organisation",
    ),
    "TokenActivateRequest: Activation by AccountPAN": (
        {
            (
                "bad_check_digit",
                "/TokenActivateRequest/EncryptedAccountInformation"
                "/EncryptedData/CurrentAccount/AccountPan",
            ),
            ("too_short", "/TokenActivateRequest/EncryptedAccountInformation/EncryptedKey"),
            ("missing_required", "/TokenActivateRequest/AuditInfo/UserId"),
            ("unknown_field", "/TokenActivateRequest/AuditInfo/UserId\u201d"),
        },
        f"the PAN {_PAN}; {_KEY}; the key UserId ends in a typographic quote",
    ),
    "TokenUpdateRequest: Update AccountPAN": (
        {
            *_OUTSIDE,
            ("bad_check_digit", f"{_UEAI}/EncryptedData/CurrentAccount/AccountPan"),
            ("bad_check_digit", f"{_UEAI}/EncryptedData/NewAccount/AccountPan"),
            ("too_short", f"{_UEAI}/EncryptedKey"),
            ("unknown_field", f"{_UEAI}/EncryptedData/AccountPanSequenceNumber"),
        },
        f"the wrapper closes after EncryptedAccountInformation; the PANs {_PAN}; {_KEY}; "
        "AccountPanSequenceNumber is put beside NewAccount, not inside it",
    ),
    "TokenUpdateRequest: Update FinancialAccountID": (
        {
            *_OUTSIDE,
            ("unknown_field", "/CurrentFinancialAccountInformation"),
            ("unknown_field", f"{_UEAI}/EncryptedData/NewAccount/FinancialAccountId"),
            ("requires", f"{_UEAI}/EncryptedData/CurrentAccount/FinancialAccountId"),
            ("nothing_to_update", _U),
            ("too_short", f"{_UEAI}/EncryptedKey"),
        },
        "the wrapper closes after EncryptedAccountInformation (so the financial account "
        "information is outside it); NewAccount names FinancialAccountId, not "
        f"NewFinancialAccountId, so nothing is updated; {_KEY}",
    ),
    "TokenUpdateRequest: Update ProductConfigurationID": (
        {
            ("bad_check_digit", f"{_UEAI}/EncryptedData/CurrentAccount/AccountPan"),
            ("too_short", f"{_UEAI}/EncryptedKey"),
        },
        f"the PAN {_PAN}; {_KEY}",
    ),
    "TokenUpdateRequest: Remove Alternate Account ID Suffix": (
        {("bad_check_digit", f"{_UEAI}/EncryptedData/CurrentAccount/AccountPan")},
        f"the PAN {_PAN}",
    ),
}


def test_every_sample_is_accounted_for() -> None:
    names = [s["name"] for s in SAMPLES]
    assert len(names) == len(set(names)) == 14
    assert set(INVALID) <= set(names)


@pytest.mark.parametrize("sample", SAMPLES, ids=[s["name"] for s in SAMPLES])
def test_official_example(sample: dict[str, Any]) -> None:
    op = R.detect(sample["request"])
    assert op is not None, "the wrapper key names the operation"
    report = check(op.name, sample["request"])
    if sample["name"] in INVALID:
        expected, _why = INVALID[sample["name"]]
        assert found(report) == expected
        assert not report.ok
    else:
        assert found(report) == set()
        assert report.ok


def test_example_reports_never_show_a_full_pan() -> None:
    for sample in SAMPLES:
        op = R.detect(sample["request"])
        assert op is not None
        text = json.dumps(check(op.name, sample["request"]).to_dict())
        for pan in ("1111111111111111", "1111000011110000"):
            assert pan not in text


# --- valid documents -----------------------------------------------------------------------


@pytest.mark.parametrize("operation", R.names())
@SOME
@given(data=st.data())
def test_valid_documents_pass(operation: str, data: st.DataObject) -> None:
    document = data.draw(valid_documents(operation, registry=R))
    report = check(operation, document)
    assert report.violations == (), document


ENVELOPE = {
    "PublicKeyFingerprint": "4c4ead5927f0df8117f178eea9308daa58e27c2b",
    "EncryptedKey": "a1b2c3d4" * 8,
    "OaepHashingAlgorithm": "SHA512",
    "Iv": "1b9396c98ab2bfd195de661d",
    "algorithmCipherMode": "GCM",
    "tag": "a1b2c3d4e5f60718293a4b5c6d7e8f90",
    "aad": "4a6f686e446f65",
}


def _eai(**data: Any) -> dict[str, Any]:
    return {"EncryptedData": data, **ENVELOPE}


#: Valid documents of every shape, spelled out (the strategies draw them too, but these are
#: the examples each rule is broken from below), by name: (operation, document).
BASES: dict[str, tuple[str, dict[str, Any]]] = {
    **shared_bases(_eai),
    "search_filtered_and_paged": (
        "search",
        {
            "SearchRequest": {
                "EncryptedAccountInformation": _eai(
                    CurrentAccount={"FinancialAccountId": "NL91ABNA0417164300"}
                ),
                "InterbankCardAssociationId": "12345678901",
                "CountryCode": "GBR",
                "TokenStatusCodes": ["A", "S"],
                "TokenTypes": ["C"],
                "TokenRequestorId": "00212345678",
                "CompactResponse": "true",
                "PageInfo": {"Offset": "20", "Limit": "10"},
                "AuditInfo": AUDIT,
            }
        },
    ),
    "notify": ("notify_authentication_decision", NOTIFY),
}


@pytest.mark.parametrize("name", BASES)
def test_hand_made_documents_of_every_shape_pass(name: str) -> None:
    operation, document = BASES[name]
    assert check(operation, document).violations == ()


def test_delete_reason_f_is_deprecated_and_d_is_new() -> None:
    _, document = BASES["delete_from_consumer_app"]
    deprecated = copy.deepcopy(document)
    deprecated["TokenDeleteRequest"]["ReasonCode"] = "F"
    report = check("token_delete", deprecated)
    assert report.ok
    assert [(v.code, v.severity) for v in report.violations] == [("deprecated_value", "warning")]
    assert not mdesrules.check("token_delete", document).ok  # 2.0.7 knows neither


# --- each field rule broken alone ----------------------------------------------------------


def field_cases() -> Iterator[tuple[str, tuple[str, ...]]]:
    for name, (_operation, document) in BASES.items():
        for path in leaves(document):
            yield name, path


@pytest.mark.parametrize(("name", "path"), list(field_cases()))
def test_each_field_rule_broken_alone_gives_exactly_its_violation(
    name: str, path: tuple[str, ...]
) -> None:
    operation, document = BASES[name]
    inner = path if R.get(operation).wrapper is None else path[1:]
    f = spec_at(R.get(operation).form("json").spec, inner)
    for value, code in mutations(f, value_at(document, path)):
        report = check(operation, set_at(document, path, value))
        assert found(report) == {(code, "/" + "/".join(path))}, value


@pytest.mark.parametrize(
    ("base", "what", "change", "expected"), CROSS, ids=[f"{c[0]}: {c[1]}" for c in CROSS]
)
def test_each_rule_across_fields_broken_alone_gives_exactly_its_violation(
    base: str, what: str, change: Change, expected: set[tuple[str, str]]
) -> None:
    operation, document = BASES[base]
    document = copy.deepcopy(document)
    (wrapper,) = document
    change(document[wrapper])
    assert found(check(operation, document)) == {(c, f"/{wrapper}{p}") for c, p in expected}


_FA = "search_filtered_and_paged"


def _by_alternate_account_without_ica(r: dict[str, Any]) -> None:
    _data(r).update(CurrentAccount={"AlternateAccountIdentifier": "NL91ABNA0417164300"})
    r.pop("InterbankCardAssociationId")
    r.pop("CountryCode")


_GCM = f"/{_EAI}"

#: The rules new in 2.2.2, each broken alone.
CROSS_2_2_2: list[tuple[str, str, Change, set[tuple[str, str]]]] = [
    (
        _FA,
        "a financial account without ICA",
        lambda r: r.pop("InterbankCardAssociationId"),
        {("requires", f"{_CA}/FinancialAccountId")},
    ),
    (
        _FA,
        "a financial account without CountryCode",
        lambda r: r.pop("CountryCode"),
        {("requires", f"{_CA}/FinancialAccountId")},
    ),
    (
        _FA,
        "an alternate account identifier without ICA and CountryCode",
        lambda r: _by_alternate_account_without_ica(r),
        {("requires", f"{_CA}/AlternateAccountIdentifier")},
    ),
    (
        "search_by_AccountPan",
        "GCM without tag",
        lambda r: r[_EAI].pop("tag"),
        {("requires", f"{_GCM}/algorithmCipherMode")},
    ),
    (
        "search_by_AccountPan",
        "GCM without aad",
        lambda r: r[_EAI].pop("aad"),
        {("requires", f"{_GCM}/algorithmCipherMode")},
    ),
    (
        "search_by_AccountPan",
        "tag and aad with CBC",
        lambda r: r[_EAI].update(algorithmCipherMode="CBC"),
        {("mutually_exclusive", f"{_GCM}/tag"), ("mutually_exclusive", f"{_GCM}/aad")},
    ),
    (
        "search_by_AccountPan",
        "tag and aad without a cipher mode (CBC)",
        lambda r: r[_EAI].pop("algorithmCipherMode"),
        {("requires", f"{_GCM}/tag"), ("requires", f"{_GCM}/aad")},
    ),
    (
        _FA,
        "a limit above 20",
        lambda r: r["PageInfo"].update(Limit="21"),
        {("bad_format", "/PageInfo/Limit")},
    ),
    (
        _FA,
        "a page without its offset",
        lambda r: r["PageInfo"].pop("Offset"),
        {("missing_required", "/PageInfo/Offset")},
    ),
    (
        _FA,
        "a status filter of another value",
        lambda r: r.update(TokenStatusCodes=["A", "X"]),
        {("not_allowed_value", "/TokenStatusCodes/1")},
    ),
]


@pytest.mark.parametrize(
    ("base", "what", "change", "expected"),
    CROSS_2_2_2,
    ids=[f"{c[0]}: {c[1]}" for c in CROSS_2_2_2],
)
def test_each_rule_new_in_2_2_2_broken_alone_gives_exactly_its_violation(
    base: str, what: str, change: Change, expected: set[tuple[str, str]]
) -> None:
    operation, document = BASES[base]
    document = copy.deepcopy(document)
    (wrapper,) = document
    change(document[wrapper])
    assert found(check(operation, document)) == {(c, f"/{wrapper}{p}") for c, p in expected}


def test_cbc_without_tag_and_aad_passes() -> None:
    _, document = BASES["search_by_AccountPan"]
    document = copy.deepcopy(document)
    envelope = document["SearchRequest"][_EAI]
    for member in ("tag", "aad"):
        envelope.pop(member)
    envelope.update(algorithmCipherMode="CBC", Iv="1b9396c98ab2bfd195de661d70905a45")
    assert check("search", document).violations == ()


def test_a_nested_conflict_names_both_fields_and_masks_the_pan() -> None:
    _, document = BASES["update_by_tur"]
    document = copy.deepcopy(document)
    _data(document["TokenUpdateRequest"])["CurrentAccount"] = {"AccountPan": PAN}
    (violation,) = check("token_update", document).violations
    assert violation.fields == (
        "/TokenUpdateRequest/TokenUniqueReference",
        f"/TokenUpdateRequest{_CA}/AccountPan",
    )
    assert "EncryptedAccountInformation.EncryptedData.CurrentAccount.AccountPan" in (
        violation.message
    )
    assert PAN not in json.dumps(violation.to_dict())


# --- the catalogue -------------------------------------------------------------------------


def test_docs_rules_2_2_2_md_is_the_rendered_catalogue() -> None:
    # Regenerate with: mdesrules rules --api mdes-cs-api-2.2.2 --format markdown
    #   > docs/rules-2.2.2.md
    assert RULES_MD.read_text(encoding="utf-8") == render("markdown", R)
