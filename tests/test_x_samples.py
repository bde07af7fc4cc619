"""Every official example (``x-samples``) of the MDES CS API 2.0.7 specification: each
request is checked, and each answer the spec gives is read as a client reads it.

The examples are copied into ``tests/fixtures/x_samples_2_0_7.json``, the 2.0.7-only
``/accountholdermessaging`` and ``GET /systemstatus`` included. Most are valid; some are
not, and the reason is recorded here, so that a change in a rule that flips one of these
outcomes is seen and explained.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import mdesrules
from mdesrules import Response
from mdesrules.apis import MDES_CS_API_2_0_7
from mdesrules.codec import decode_response, encode_response
from mdesrules.models.responses import (
    AccountHolderMessagingResponse,
    SystemStatusResponse,
    TokenReference,
)
from mdesrules.registry import Operation

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

#: name -> the warnings (code, path) that reading the example's answer gives, and why.
#: Every other answer reads without a warning.
ANSWER_WARNINGS: dict[str, tuple[set[tuple[str, str]], str]] = {
    "example_mdes_search_token_unique_ref": (
        {
            (
                "wrong_type",
                "/SearchResponse/Accounts/Account/0/Tokens/Token/0/TokenDeletedFromConsumerApp",
            )
        },
        "TokenDeletedFromConsumerApp is the JSON boolean false where MDES documents a string "
        "(the spec's own x-sample lists it in ignoreAsserts)",
    ),
}


def _operation(sample: dict[str, Any]) -> Operation:
    """The operation of a sample, by its method and path (a GET has no wrapper to tell)."""
    (op,) = [
        o for o in MDES_CS_API_2_0_7 if (o.method, o.path) == (sample["method"], sample["path"])
    ]
    return op


def test_every_sample_is_accounted_for() -> None:
    names = {s["name"] for s in SAMPLES}
    assert set(INVALID) <= names
    assert set(ANSWER_WARNINGS) <= names
    assert len(SAMPLES) == 23
    # Every operation of 2.0.7, the 2.0.7-only two included, has an example.
    assert {_operation(s).name for s in SAMPLES} == set(MDES_CS_API_2_0_7.names())


@pytest.mark.parametrize("sample", SAMPLES, ids=[s["name"] for s in SAMPLES])
def test_official_example(sample: dict[str, Any]) -> None:
    op = _operation(sample)
    if op.method == "POST":
        assert mdesrules.REGISTRY.detect(sample["request"]) is op, "the wrapper names it"
    else:  # GET /systemstatus: no body; the example's request is the empty document
        assert sample["request"] == {}
    report = mdesrules.check(op.name, sample["request"])
    found = {(v.code, v.path) for v in report.violations}
    if sample["name"] in INVALID:
        expected, _why = INVALID[sample["name"]]
        assert found == expected
        assert not report.ok
    else:
        assert found == set()
        assert report.ok


ANSWERED = [s for s in SAMPLES if s["response"] is not None]


@pytest.mark.parametrize("sample", ANSWERED, ids=[s["name"] for s in ANSWERED])
def test_official_answer(sample: dict[str, Any]) -> None:
    op = _operation(sample)
    response = decode_response(op.name, 200, sample["response"])
    assert response.ok
    assert op.response is not None
    assert isinstance(response.body, op.response)
    found = {(v.code, v.path) for v in response.warnings}
    assert found == ANSWER_WARNINGS.get(sample["name"], (set(), ""))[0]
    if not found:  # read exactly as sent
        encoded = encode_response(Response(op.name, 200, response.body))
        assert encoded == (None, sample["response"])


def test_the_2_0_7_only_answers_read_as_the_spec_shows_them() -> None:
    (messaging,) = [s for s in SAMPLES if s["name"] == "account_holder_messaging"]
    (status,) = [s for s in SAMPLES if s["name"] == "example_mdes_system_status"]
    answer = decode_response("account_holder_messaging", 200, messaging["response"]).body
    assert answer == AccountHolderMessagingResponse(
        token=TokenReference(
            token_unique_reference="DWSPMC00000000010906a349d9ca4eb1a4d53e3c90a11d9c"
        )
    )
    answer = decode_response("system_status", 200, status["response"]).body
    assert isinstance(answer, SystemStatusResponse)
    assert answer.comment_text is not None
    assert answer.comment_text.startswith("<p><b>The MDES")
    assert answer.last_status_date_time is None


def test_invalid_example_reports_never_show_the_full_pan() -> None:
    for sample in SAMPLES:
        op = _operation(sample)
        text = json.dumps(mdesrules.check(op.name, sample["request"]).to_dict())
        assert "5412345678901234" not in text
        assert "5598765432109876" not in text
