"""The 2.1.7 surface with EncryptedAccountInformation wired in: checks on both forms,
token-state rules on nested PANs, the client that encrypts, the simulator that decrypts."""

from __future__ import annotations

import copy
from typing import Any

from cs_api_cases import AUDIT, NEW_PAN, PAN, TUR
from hypothesis import HealthCheck, given, settings
from test_notify_crypto import make_certificate, make_key

from mdesrules import AccountRanges, Context, Inventory, check, lifecycle
from mdesrules.account_encryption import encrypt_account_information
from mdesrules.apis import MDES_CS_API_2_0_7, MDES_CS_API_2_1_7
from mdesrules.encryption import key_ring
from mdesrules.lifecycle import Status, TokenState
from mdesrules.testing import luhn_pans, token_states

R = MDES_CS_API_2_1_7
EAI = "/TokenUpdateRequest/EncryptedAccountInformation"

KEY = make_key()
OTHER = make_key()
CERT = make_certificate(KEY)
KEYS = key_ring((KEY, CERT))


def plaintext_update(current: str = PAN, new: str = NEW_PAN) -> dict[str, Any]:
    return {
        "TokenUpdateRequest": {
            "EncryptedAccountInformation": {
                "EncryptedData": {
                    "CurrentAccount": {"AccountPan": current},
                    "NewAccount": {"AccountPan": new, "ExpirationDate": "1227"},
                }
            },
            "CommentText": "Cardholder has a new Account Pan",
            "AuditInfo": AUDIT,
        }
    }


def encrypt(document: dict[str, Any]) -> dict[str, Any]:
    return encrypt_account_information(document, public_key_or_certificate=CERT, version="2.1.7")


def found(report: Any) -> list[tuple[str, str, str]]:
    return [(v.code, v.path, v.severity) for v in report.violations]


# -- 1. checks on both forms ----------------------------------------------------------------


def test_only_operations_with_the_envelope_look_for_the_encrypted_form() -> None:
    flagged = {op.name for op in R if op.account_encryption is not None}
    assert flagged == {"search", "token_activate", "token_update"}
    assert all(op.account_encryption is None for op in MDES_CS_API_2_0_7)


def test_plaintext_update_passes() -> None:
    assert check("token_update", plaintext_update(), registry=R).ok


def test_encrypted_update_without_a_key_checks_the_envelope_and_warns() -> None:
    report = check("token_update", encrypt(plaintext_update()), registry=R)
    assert report.ok
    assert found(report) == [("not_decrypted", EAI, "warning")]


def test_encrypted_update_without_a_key_still_checks_the_rest() -> None:
    document = encrypt(plaintext_update())
    del document["TokenUpdateRequest"]["AuditInfo"]
    document["TokenUpdateRequest"]["EncryptedAccountInformation"]["Iv"] = "zz"
    codes = {(c, p) for c, p, _ in found(check("token_update", document, registry=R))}
    assert ("missing_required", "/TokenUpdateRequest/AuditInfo") in codes
    assert ("too_short", EAI + "/Iv") in codes


def test_encrypted_update_with_the_key_checks_the_inside() -> None:
    context = Context(decryption_keys=KEYS)
    assert found(check("token_update", encrypt(plaintext_update()), context, registry=R)) == []
    bad_pan = PAN[:-1] + str((int(PAN[-1]) + 1) % 10)  # its check digit is wrong
    bad = encrypt(plaintext_update(current=bad_pan))
    report = check("token_update", bad, context, registry=R)
    assert not report.ok
    assert [(c, p) for c, p, _ in found(report)] == [
        ("bad_check_digit", EAI + "/EncryptedData/CurrentAccount/AccountPan")
    ]
    assert PAN[:-1] not in str(report.violations)


def test_wrong_key_and_tampering_are_violations() -> None:
    document = encrypt(plaintext_update())
    wrong = check("token_update", document, Context(decryption_keys=OTHER), registry=R)
    assert [c for c, _, _ in found(wrong)] == ["unknown_key"]
    tampered = copy.deepcopy(document)
    data = tampered["TokenUpdateRequest"]["EncryptedAccountInformation"]["EncryptedData"]
    tampered["TokenUpdateRequest"]["EncryptedAccountInformation"]["EncryptedData"] = data[:-2] + (
        "00" if data[-2:] != "00" else "11"
    )
    report = check("token_update", tampered, Context(decryption_keys=KEYS), registry=R)
    assert [c for c, _, _ in found(report)] == ["decryption_failed"]
    for r in (wrong, report):
        assert PAN not in str(r.violations)


def test_context_keeps_its_constructor_and_hides_keys() -> None:
    assert Context(None, None, "I") == Context(decryption_keys=KEY)
    assert "decryption_keys" not in repr(Context(decryption_keys=KEY))
    hash(Context(decryption_keys=KEYS))


# -- 2. token-state rules reach the nested PANs ---------------------------------------------

SOME = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CURRENT = EAI + "/EncryptedData/CurrentAccount/AccountPan"
NEW = EAI + "/EncryptedData/NewAccount/AccountPan"
SEARCH_PAN = "/SearchRequest/EncryptedAccountInformation/EncryptedData/CurrentAccount/AccountPan"


def inventory(pan: str, state: TokenState, tur: str = TUR) -> Inventory:
    return Inventory.from_records(
        [
            {
                "tokenUniqueReference": tur,
                "accountPan": pan,
                "status": state.status.name,
                "suspenders": sorted(state.suspenders),
            }
        ]
    )


def search(pan: str) -> dict[str, Any]:
    data = {"CurrentAccount": {"AccountPan": pan}}
    return {
        "SearchRequest": {
            "EncryptedAccountInformation": {"EncryptedData": data},
            "AuditInfo": AUDIT,
        }
    }


def updatable(state: TokenState) -> bool:
    try:
        lifecycle.require_updatable(state)
    except lifecycle.LifecycleError:
        return False
    return True


@SOME
@given(pan=luhn_pans(16, 16, prefix="5412"), state=token_states())
def test_update_by_nested_pan_follows_the_token_state(pan: str, state: TokenState) -> None:
    document = plaintext_update(current=pan, new=NEW_PAN)
    del document["TokenUpdateRequest"]["EncryptedAccountInformation"]["EncryptedData"][
        "NewAccount"
    ]["AccountPan"]
    report = check("token_update", document, Context(inventory(pan, state)), registry=R)
    if updatable(state):
        assert found(report) == []
    else:
        assert found(report) == [("token_state", CURRENT, "error")]
        assert pan not in str(report.violations)


@SOME
@given(pan=luhn_pans(16, 16, prefix="5412"), other=luhn_pans(16, 16, prefix="5499"))
def test_update_of_an_unknown_nested_pan_is_unknown_token(pan: str, other: str) -> None:
    document = plaintext_update(current=other, new=NEW_PAN)
    context = Context(inventory(pan, TokenState(Status.ACTIVE)))
    assert found(check("token_update", document, context, registry=R)) == [
        ("unknown_token", CURRENT, "error")
    ]


@SOME
@given(pan=luhn_pans(16, 16, prefix="5412"), other=luhn_pans(16, 16, prefix="5499"))
def test_search_by_nested_pan(pan: str, other: str) -> None:
    context = Context(inventory(pan, TokenState(Status.DELETED)))
    assert found(check("search", search(pan), context, registry=R)) == []
    assert found(check("search", search(other), context, registry=R)) == [
        ("unknown_token", SEARCH_PAN, "warning")
    ]


@SOME
@given(
    pan=luhn_pans(16, 16, prefix="5412"),
    same=luhn_pans(16, 16, prefix="5412"),
    far=luhn_pans(16, 16, prefix="5499"),
)
def test_the_new_nested_pan_stays_in_the_account_range(pan: str, same: str, far: str) -> None:
    ranges = AccountRanges.from_csv(["low,high", "5412,5412", "5499,5499"])
    context = Context(inventory(pan, TokenState(Status.ACTIVE)), ranges)
    ok = check("token_update", plaintext_update(current=pan, new=same), context, registry=R)
    assert found(ok) == []
    moved = check("token_update", plaintext_update(current=pan, new=far), context, registry=R)
    assert found(moved) == [("account_range", NEW, "error")]
    assert moved.violations[0].fields == (NEW, CURRENT)
    assert far not in str(moved.violations)
    assert pan not in str(moved.violations)


def test_nested_state_rules_also_apply_after_decryption() -> None:
    ranges = AccountRanges.from_csv(["low,high", "5412,5412"])
    context = Context(inventory(PAN, TokenState(Status.DELETED)), ranges, decryption_keys=KEYS)
    report = check("token_update", encrypt(plaintext_update()), context, registry=R)
    assert [c for c, _, _ in found(report)] == ["token_state"]
