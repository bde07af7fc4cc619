"""Every official request example (``x-samples``) of the MDES CS API 2.0.7 specification.

The examples are copied into ``tests/fixtures/x_samples_2_0_7.json``. Most are valid; some are
not, and the reason is recorded here, so that a change in a rule that flips one of these
outcomes is seen and explained.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import mdesrules

SAMPLES: list[dict[str, Any]] = json.loads(
    (Path(__file__).parent / "fixtures" / "x_samples_2_0_7.json").read_text()
)["samples"]

# name -> the violations (code, path) the example must produce, and why.
INVALID: dict[str, tuple[set[tuple[str, str]], str]] = {
    "example_mdes_search_account_pan": (
        {("bad_check_digit", "/SearchRequest/AccountPan")},
        "the example PAN 5412345678901234 fails the Luhn check (its check digit would be 2)",
    ),
    "example_mdes_search_token": (
        {("bad_check_digit", "/SearchRequest/Token")},
        "the example token 5598765432109876 fails the Luhn check",
    ),
    "example_mdes_token_activate_pan_payment_app": (
        {("bad_check_digit", "/TokenActivateRequest/AccountPan")},
        "the example PAN 5412345678901234 fails the Luhn check",
    ),
    "example_mdes_token_update_pan_exp_token_unique_ref": (
        {("bad_check_digit", "/TokenUpdateRequest/NewAccountPan")},
        "the example new PAN 5412345678908888 fails the Luhn check",
    ),
    "example_mdes_token_update_pan_exp_current_pan": (
        {
            ("bad_check_digit", "/TokenUpdateRequest/CurrentAccountPan"),
            ("bad_check_digit", "/TokenUpdateRequest/NewAccountPan"),
        },
        "both example PANs (…1234 and …8888) fail the Luhn check",
    ),
    "example_mdes_token_update_issuer_prod_config_token_by_pan": (
        {("bad_check_digit", "/TokenUpdateRequest/CurrentAccountPan")},
        "the example PAN 5412345678901234 fails the Luhn check",
    ),
}

# Examples of operations outside the library's scope, or without a request body.
OUT_OF_SCOPE = {
    "account_holder_messaging": "accountholdermessaging is 2.0.7-only (Apple Pay) and not in scope",
    "example_mdes_system_status": "GET /systemstatus has no request body",
}

CHECKED = [s for s in SAMPLES if s["name"] not in OUT_OF_SCOPE]


def test_every_sample_is_accounted_for() -> None:
    names = {s["name"] for s in SAMPLES}
    assert set(INVALID) <= names
    assert set(OUT_OF_SCOPE) <= names
    assert len(CHECKED) == 21


@pytest.mark.parametrize("sample", CHECKED, ids=[s["name"] for s in CHECKED])
def test_official_example(sample: dict[str, Any]) -> None:
    op = mdesrules.REGISTRY.detect(sample["request"])
    assert op is not None, "the wrapper key names the operation"
    report = mdesrules.check(op.name, sample["request"])
    found = {(v.code, v.path) for v in report.violations}
    if sample["name"] in INVALID:
        expected, _why = INVALID[sample["name"]]
        assert found == expected
        assert not report.ok
    else:
        assert found == set()
        assert report.ok


def test_out_of_scope_samples_are_not_detected() -> None:
    for sample in SAMPLES:
        if sample["name"] in OUT_OF_SCOPE and sample["request"]:
            assert mdesrules.REGISTRY.detect(sample["request"]) is None


def test_invalid_example_reports_never_show_the_full_pan() -> None:
    for sample in CHECKED:
        op = mdesrules.REGISTRY.detect(sample["request"])
        assert op is not None
        text = json.dumps(mdesrules.check(op.name, sample["request"]).to_dict())
        assert "5412345678901234" not in text
        assert "5598765432109876" not in text
