"""MDES Customer Service API 2.1.7 in plaintext form (``mdesrules.apis.MDES_CS_API_2_1_7``).

Every request example of the 2.1.7 specification (copied into
``tests/fixtures/x_samples_2_1_7.json``), with the reason each invalid one breaks its own
specification; valid documents pass; each field rule and each rule across fields, nested
ones included, broken alone gives exactly its violation; the catalogue is docs/rules-2.1.7.md.
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
    TUR,
    Change,
    leaves,
    mutations,
    set_at,
    shared_bases,
    spec_at,
    value_at,
)
from cs_api_cases import CA as _CA
from cs_api_cases import data as _data
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mdesrules
from mdesrules import REGISTRY, Inventory, Report
from mdesrules.apis import MDES_CS_API_2_1_7, SURFACES
from mdesrules.catalogue import render
from mdesrules.fakes.mdes import MemoryStore, SimulatedMdes
from mdesrules.testing import valid_documents

R = MDES_CS_API_2_1_7
ROOT = Path(__file__).resolve().parent
SAMPLES: list[dict[str, Any]] = json.loads(
    (ROOT / "fixtures" / "x_samples_2_1_7.json").read_text(encoding="utf-8")
)["samples"]
RULES_MD = ROOT.parent / "docs" / "rules-2.1.7.md"
SOME = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check(operation: str, document: object) -> Report:
    return mdesrules.check(operation, document, registry=R)


def found(report: Report) -> set[tuple[str, str]]:
    return {(v.code, v.path) for v in report.violations}


# --- the surface ---------------------------------------------------------------------------


def test_the_surface_is_listed_but_not_in_the_default_registry() -> None:
    assert SURFACES["mdes-cs-api-2.1.7"] is R
    assert len(R) == 15
    assert R.get("token_update").request is not REGISTRY.get("token_update").request
    assert "token_disable_payment_channels" not in REGISTRY.names()


def test_operations_keep_the_effects_of_2_0_7_and_the_new_ones_have_their_own() -> None:
    for op in R:
        if op.name in REGISTRY.names():
            assert op.effect == REGISTRY.get(op.name).effect, op.name
    # The simulator reads the PANs inside EncryptedAccountInformation with the same
    # behaviours; the new operations have behaviours of their own.
    assert R.get("token_disable_payment_channels").effect == "disable_payment_channels"
    assert R.get("token_requestor_search").effect == "token_requestor_search"
    assert all(op.effect is not None for op in R)


# --- the specification's examples ----------------------------------------------------------

_PAN = "5412345678901234 fails the Luhn check (its check digit would be 2)"
_KEY = "EncryptedKey A1B2C3D4E5F6112233445566 has 24 characters; the spec asks for 32..512"

#: name -> the violations (code, path) the example must produce, and why.
INVALID: dict[str, tuple[set[tuple[str, str]], str]] = {
    "SearchRequest: Search by TUR": (
        {("too_short", "/SearchRequest/TokenUniqueReference")},
        "its TUR DAPL0000…c7a has 46 characters; search asks for exactly 48",
    ),
    "SearchRequest: Search by Account Number": (
        {
            (
                "bad_check_digit",
                "/SearchRequest/EncryptedAccountInformation/EncryptedData"
                "/CurrentAccount/AccountPan",
            ),
            *(
                ("unknown_field", f"/SearchRequest/EncryptedAccountInformation/EncryptedData/{k}")
                for k in ("PublicKeyFingerprint", "EncryptedKey", "OaepHashingAlgorithm", "Iv")
            ),
        },
        f"the PAN {_PAN}; the envelope members are put inside EncryptedData",
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
            *(
                ("unknown_field", f"/{k}")
                for k in (
                    "CommentText",
                    "RemoveAlternateAccountIdentifierSuffix",
                    "UpdateWalletProviderIndicator",
                    "AuditInfo",
                )
            ),
            ("missing_required", "/TokenUpdateRequest/AuditInfo"),
            (
                "bad_check_digit",
                "/TokenUpdateRequest/EncryptedAccountInformation"
                "/EncryptedData/CurrentAccount/AccountPan",
            ),
            (
                "bad_check_digit",
                "/TokenUpdateRequest/EncryptedAccountInformation"
                "/EncryptedData/NewAccount/AccountPan",
            ),
            (
                "unknown_field",
                "/TokenUpdateRequest/EncryptedAccountInformation"
                "/EncryptedData/AccountPanSequenceNumber",
            ),
            ("too_short", "/TokenUpdateRequest/EncryptedAccountInformation/EncryptedKey"),
        },
        "the wrapper closes after EncryptedAccountInformation, leaving the other members "
        "outside it; AccountPanSequenceNumber sits beside NewAccount instead of in it; both "
        f"PANs (…1234, …1235) fail the Luhn check; {_KEY}",
    ),
    "TokenUpdateRequest: Update FinancialAccountID": (
        {
            *(
                ("unknown_field", f"/{k}")
                for k in (
                    "CommentText",
                    "CurrentFinancialAccountInformation",
                    "RemoveAlternateAccountIdentifierSuffix",
                    "UpdateWalletProviderIndicator",
                    "AuditInfo",
                )
            ),
            ("missing_required", "/TokenUpdateRequest/AuditInfo"),
            (
                "unknown_field",
                "/TokenUpdateRequest/EncryptedAccountInformation"
                "/EncryptedData/NewAccount/FinancialAccountId",
            ),
            ("too_short", "/TokenUpdateRequest/EncryptedAccountInformation/EncryptedKey"),
            (
                "requires",
                "/TokenUpdateRequest/EncryptedAccountInformation"
                "/EncryptedData/CurrentAccount/FinancialAccountId",
            ),
            ("nothing_to_update", "/TokenUpdateRequest"),
        },
        "the wrapper closes early (CurrentFinancialAccountInformation and the rest fall "
        "outside it, so FinancialAccountId lacks it); NewAccount names FinancialAccountId, "
        f"not NewFinancialAccountId, so nothing is updated; {_KEY}",
    ),
    "TokenUpdateRequest: Update ProductConfigurationID": (
        {
            (
                "bad_check_digit",
                "/TokenUpdateRequest/EncryptedAccountInformation"
                "/EncryptedData/CurrentAccount/AccountPan",
            ),
            ("too_short", "/TokenUpdateRequest/EncryptedAccountInformation/EncryptedKey"),
        },
        f"the PAN {_PAN}; {_KEY}",
    ),
    "schema Search: example": (
        {
            *(
                (
                    "bad_check_digit",
                    f"/SearchRequest/EncryptedAccountInformation/EncryptedData/CurrentAccount/{k}",
                )
                for k in ("VirtualCardNumber", "AccountPan", "Token")
            ),
            (
                "mutually_exclusive",
                "/SearchRequest/EncryptedAccountInformation/EncryptedData"
                "/CurrentAccount/AccountPan",
            ),
            ("mutually_exclusive", "/SearchRequest/TokenUniqueReference"),
        },
        "the schema example fills every member: five account identifiers and four search "
        "identifiers at once (exactly one is allowed), with non-Luhn PANs",
    ),
    "schema TokenActivate: example": (
        {
            (
                "bad_check_digit",
                "/TokenActivateRequest/EncryptedAccountInformation"
                "/EncryptedData/CurrentAccount/AccountPan",
            ),
            *(
                (
                    "unknown_field",
                    "/TokenActivateRequest/EncryptedAccountInformation"
                    f"/EncryptedData/CurrentAccount/{k}",
                )
                for k in (
                    "Token",
                    "VirtualCardNumber",
                    "FinancialAccountId",
                    "AlternateAccountIdentifier",
                )
            ),
            ("mutually_exclusive", "/TokenActivateRequest/EncryptedAccountInformation"),
        },
        "the schema example fills every member: TUR with AccountPan and "
        "PaymentAppInstanceId, and identifiers activation does not take",
    ),
    "schema TokenUpdate: example": (
        {
            *(
                (
                    "bad_check_digit",
                    "/TokenUpdateRequest/EncryptedAccountInformation"
                    f"/EncryptedData/CurrentAccount/{k}",
                )
                for k in ("VirtualCardNumber", "AccountPan", "Token")
            ),
            (
                "bad_check_digit",
                "/TokenUpdateRequest/EncryptedAccountInformation"
                "/EncryptedData/NewAccount/AccountPan",
            ),
            (
                "mutually_exclusive",
                "/TokenUpdateRequest/EncryptedAccountInformation"
                "/EncryptedData/CurrentAccount/AccountPan",
            ),
            (
                "mutually_exclusive",
                "/TokenUpdateRequest/EncryptedAccountInformation"
                "/EncryptedData/NewAccount/AccountPan",
            ),
            (
                "mutually_exclusive",
                "/TokenUpdateRequest/EncryptedAccountInformation"
                "/EncryptedData/NewAccount/ExpirationDate",
            ),
        },
        "the schema example fills every member: three targets at once, a product "
        "configuration with a new account, a financial account with a new expiry",
    ),
}


def test_every_sample_is_accounted_for() -> None:
    names = [s["name"] for s in SAMPLES]
    assert len(names) == len(set(names)) == 24
    assert set(INVALID) <= set(names)
    operations = {R.detect(s["request"]).name for s in SAMPLES}  # type: ignore[union-attr]
    assert operations == set(R.names())


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
        for pan in ("5412345678901234", "5598765432109876", "5412345678908888"):
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
    "Iv": "1b9396c98ab2bfd195de661d70905a45",
}


def _eai(**data: Any) -> dict[str, Any]:
    return {"EncryptedData": data, **ENVELOPE}


IBAN = "NL91ABNA0417164300"

#: Valid documents of every shape, spelled out (the strategies draw them too, but these are
#: the examples each rule is broken from below), by name: (operation, document).
BASES: dict[str, tuple[str, dict[str, Any]]] = {
    **shared_bases(_eai),
    **{
        f"search_by_{key}": (
            "search",
            {
                "SearchRequest": {
                    "EncryptedAccountInformation": _eai(CurrentAccount={key: IBAN}),
                    "ExcludeDeletedIndicator": "true",
                    "AuditInfo": AUDIT,
                }
            },
        )
        for key in ("AlternateAccountIdentifier", "FinancialAccountId")
    },
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


def test_docs_rules_2_1_7_md_is_the_rendered_catalogue() -> None:
    # Regenerate with: mdesrules rules --api mdes-cs-api-2.1.7 --format markdown
    #   > docs/rules-2.1.7.md
    assert RULES_MD.read_text(encoding="utf-8") == render("markdown", R)


# --- the simulator -------------------------------------------------------------------------


def test_the_simulator_serves_the_operations_that_act_by_tur() -> None:
    store = MemoryStore.from_inventory(
        Inventory.from_records([{"tokenUniqueReference": TUR, "accountPan": PAN, "status": "A"}])
    )
    engine = SimulatedMdes(store, registry=R)
    suspend = {
        "TokenSuspendRequest": {"TokenUniqueReference": TUR, "ReasonCode": "L", "AuditInfo": AUDIT}
    }
    answer = engine.answer_document(R.get("token_suspend"), suspend, "json")
    assert answer.status == 200, answer.errors
    history = {"TokenStatusHistoryRequest": {"TokenUniqueReference": TUR}}
    answer = engine.answer_document(R.get("token_status_history"), history, "json")
    assert answer.status == 200, answer.errors
    # A 2.1.7 document is checked by the 2.1.7 rules: a 9-character TUR is too short.
    short = {
        "TokenSuspendRequest": {
            "TokenUniqueReference": "DWSPMC001",
            "ReasonCode": "L",
            "AuditInfo": AUDIT,
        }
    }
    assert engine.answer_document(R.get("token_suspend"), short, "json").status == 400
    # Search by TUR answers in the 2.1.7 shape: every token says whether it was deleted
    # from the consumer app.
    _, search = BASES["search_by_tur"]
    answer = engine.answer_document(R.get("search"), search, "json")
    assert answer.status == 200, answer.errors
    (account,) = answer.body.accounts.account
    assert [t.token_deleted_from_consumer_app for t in account.tokens.token] == ["false"]
