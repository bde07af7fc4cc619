"""Rules of the CyberSource TMS operations: Retrieve Card Art and Generate Payment Credentials.

Spec: ``shared/specs/cybersource-tms-token-subset.json``. The parametrized suites of
``test_rules_properties.py`` cover every field rule; these tests pin the TMS specifics: the
path segments that must not escape, the value sets, the AFT rule and the response model.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import mdesrules
from mdesrules import check
from mdesrules.models import tms
from mdesrules.schema import camel, object_spec
from mdesrules.testing import valid_documents

CARD_ART = "tms_card_art"
CREDENTIALS = "tms_payment_credentials"


def codes(operation: str, document: object) -> list[tuple[str, str]]:
    return [(v.code, v.path) for v in check(operation, document).violations]


def with_(document: dict[str, Any], **changes: object) -> dict[str, Any]:
    copied = copy.deepcopy(document)
    copied.update(changes)
    return copied


@given(document=valid_documents(CARD_ART))
def test_valid_card_art_requests_pass(document: dict[str, Any]) -> None:
    assert codes(CARD_ART, document) == []


@given(document=valid_documents(CREDENTIALS))
def test_valid_payment_credentials_requests_pass(document: dict[str, Any]) -> None:
    assert codes(CREDENTIALS, document) == []


ESCAPES = [
    "../x/../../etc",
    "a/b" + "c" * 10,
    "abc%2Fdef%2F..%2F",
    "abc def ghij kl",
    "abcdef?x=1#frag",
    "abcdefghijkl..",
    "abcdefghijklé",
    "abcdefghij\u0661\u0662",
    "abcdefghijkl\n",
    "abcdefghijkl\\",
]


@pytest.mark.parametrize("value", ESCAPES)
def test_a_path_value_that_could_escape_its_segment_is_refused(value: str) -> None:
    card_art = {"instrumentIdentifierId": value, "tokenProvider": "vts", "assetType": "icon-logo"}
    assert codes(CARD_ART, card_art) == [("bad_format", "/instrumentIdentifierId")]
    short = value[:32]
    expected = [("bad_format", "/tokenId")]
    assert codes(CREDENTIALS, {"tokenId": short}) == expected


@given(data=st.data(), value=st.sampled_from(["vtsx", "VTS", "visa", "aets", "../vts", "v s"]))
def test_a_token_provider_outside_the_spec_enum_is_refused(data: st.DataObject, value: str) -> None:
    document = with_(data.draw(valid_documents(CARD_ART)), tokenProvider=value)
    assert codes(CARD_ART, document) == [("not_allowed_value", "/tokenProvider")]


@given(
    data=st.data(),
    value=st.sampled_from(["cardArtCombined", "icon", "card-icon", "brand-logo/..", "%2e%2e"]),
)
def test_an_asset_type_outside_the_spec_enum_is_refused(data: st.DataObject, value: str) -> None:
    document = with_(data.draw(valid_documents(CARD_ART)), assetType=value)
    assert codes(CARD_ART, document) == [("not_allowed_value", "/assetType")]


@given(data=st.data(), n=st.sampled_from([0, 1, 11, 33, 64]))
def test_instrument_identifier_id_is_12_to_32_characters(data: st.DataObject, n: int) -> None:
    document = with_(data.draw(valid_documents(CARD_ART)), instrumentIdentifierId="a" * n)
    code = "too_short" if n < 12 else "too_long"
    assert codes(CARD_ART, document) == [(code, "/instrumentIdentifierId")]


@pytest.mark.parametrize(("n", "code"), [(0, "too_short"), (33, "too_long")])
def test_token_id_is_1_to_32_characters(n: int, code: str) -> None:
    assert codes(CREDENTIALS, {"tokenId": "a" * n}) == [(code, "/tokenId")]


@pytest.mark.parametrize(("n", "code"), [(35, "too_short"), (37, "too_long")])
def test_profile_id_is_exactly_36_characters(n: int, code: str) -> None:
    assert codes(CREDENTIALS, {"tokenId": "t1", "profileId": "a" * n}) == [(code, "/profileId")]


def test_an_empty_body_with_a_token_id_is_valid_and_the_token_id_is_required() -> None:
    assert codes(CREDENTIALS, {"tokenId": "t1"}) == []
    assert codes(CREDENTIALS, {}) == [("missing_required", "/tokenId")]


@given(document=valid_documents(CREDENTIALS, sending=["transactionType"]))
def test_aft_is_sent_only_with_cryptogram(document: dict[str, Any]) -> None:
    if document["transactionType"] == "AFT":
        assert document["paymentCredentialType"] == "CRYPTOGRAM"


@pytest.mark.parametrize("other", ["NETWORK_TOKEN", "SECURITY_CODE"])
def test_aft_with_another_credential_type_is_mutually_exclusive(other: str) -> None:
    document = {"tokenId": "t1", "transactionType": "AFT", "paymentCredentialType": other}
    (v,) = check(CREDENTIALS, document).violations
    assert (v.code, v.path) == ("mutually_exclusive", "/transactionType")
    assert set(v.fields) == {"/transactionType", "/paymentCredentialType"}
    assert "CRYPTOGRAM" in v.message


def test_aft_without_a_credential_type_requires_it() -> None:
    (v,) = check(CREDENTIALS, {"tokenId": "t1", "transactionType": "AFT"}).violations
    assert (v.code, v.path) == ("requires", "/transactionType")


@pytest.mark.parametrize("credential", ["NETWORK_TOKEN", "SECURITY_CODE", "CRYPTOGRAM"])
def test_ecom_goes_with_every_credential_type(credential: str) -> None:
    document = {"tokenId": "t1", "transactionType": "ECOM", "paymentCredentialType": credential}
    assert codes(CREDENTIALS, document) == []


def test_unknown_fields_are_errors() -> None:
    assert codes(CREDENTIALS, {"tokenId": "t1", "profile-id": "x"}) == [
        ("unknown_field", "/profile-id")
    ]
    assert codes(CREDENTIALS, {"tokenId": "t1", "deviceInformation": {"browser": "x"}}) == [
        ("unknown_field", "/deviceInformation/browser")
    ]


def test_the_spec_examples_pass() -> None:
    example = {
        "tokenId": "t1",
        "clientCorrelationId": "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
        "transactionType": "ECOM",
        "orderInformation": {
            "amountDetails": {"totalAmount": "1765.95", "currency": "978"},
            "billTo": {
                "firstName": "John",
                "lastName": "Doe",
                "email": "test@cybs.com",
                "address1": "1 Market St",
                "locality": "San Francisco",
                "administrativeArea": "CA",
                "postalCode": "94105",
                "country": "US",
            },
        },
        "merchantInformation": {
            "merchantDescriptor": {
                "name": "TWVyY2hhbnQgVlphRjVYQmo",
                "url": "aHR0cHM6Ly93d3cuTWVyY2hhbnQtVlphRjVYQmouY29t",
            }
        },
        "deviceInformation": {
            "platformType": "WEB",
            "ipAddress": "127.0.0.1",
            "httpAcceptContent": "Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/537.36",
            "httpBrowserLanguage": "en-US",
            "httpBrowserJavaEnabled": True,
            "httpBrowserJavaScriptEnabled": True,
            "httpBrowserColorDepth": "24",
            "httpBrowserScreenHeight": "1080",
            "httpBrowserScreenWidth": "1920",
            "httpBrowserTimeDifference": "-480",
            "userAgentBrowserValue": "Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/537.36",
        },
        "authenticatedIdentities": [
            {
                "id": "aWRlbnRpZmllcg",
                "provider": "VISA_PAYMENT_PASSKEY",
                "data": "ZmlkbyBkYXRh",
                "relyingPartyId": "dnRzLmF1dGgudmlzYS5jb20=",
            },
            {
                "provider": "CLIENT_DEVICE_CERT_JWS",
                "data": "eyJhbGciOiJFUzI1NiJ9.eyJ4IjoxfQ.c2ln",
                "userAuthenticationMethod": "BIOMETRIC_FINGERPRINT",
            },
        ],
    }
    assert codes(CREDENTIALS, example) == []


@pytest.mark.parametrize(
    ("path", "value", "code"),
    [
        (("orderInformation", "billTo", "firstName"), "x" * 61, "too_long"),
        (("orderInformation", "billTo", "locality"), "x" * 51, "too_long"),
        (("orderInformation", "billTo", "administrativeArea"), "x" * 21, "too_long"),
        (("orderInformation", "billTo", "postalCode"), "x" * 11, "too_long"),
        (("orderInformation", "billTo", "country"), "USA", "too_long"),
        (("orderInformation", "billTo", "email"), "x" * 256, "too_long"),
        (("orderInformation", "amountDetails", "currency"), "EUR", "bad_format"),
        (("deviceInformation", "ipAddress"), "1" * 46, "too_long"),
        (("deviceInformation", "httpBrowserLanguage"), "en-US-xyz", "too_long"),
        (("deviceInformation", "httpBrowserColorDepth"), "248", "too_long"),
        (("deviceInformation", "httpBrowserScreenWidth"), "1234567", "too_long"),
        (("deviceInformation", "httpBrowserTimeDifference"), "-48000", "too_long"),
        (("deviceInformation", "platformType"), "LINUX", "not_allowed_value"),
        (("clientCorrelationId",), "a" * 37, "too_long"),
    ],
)
def test_nested_lengths_and_forms_of_the_spec(path: tuple[str, ...], value: str, code: str) -> None:
    document: dict[str, Any] = {"tokenId": "t1"}
    node = document
    for name in path[:-1]:
        node = node.setdefault(name, {})
    node[path[-1]] = value
    assert codes(CREDENTIALS, document) == [(code, "/" + "/".join(path))]


def test_the_operations_are_registered_bare_and_camel_case() -> None:
    art = mdesrules.REGISTRY.get(CARD_ART)
    credentials = mdesrules.REGISTRY.get(CREDENTIALS)
    assert (art.wrapper, credentials.wrapper) == (None, None)
    assert (art.method, credentials.method) == ("GET", "POST")


def test_the_card_art_response_model_has_the_spec_fields() -> None:
    spec = object_spec(tms.CardArtResponse, camel)
    assert list(spec.by_name) == ["id", "type", "provider", "content"]
    content = spec.by_name["content"]
    assert (content.kind, content.item_kind) == ("array", "object")
    assert content.child is not None
    kinds = {f.name: (f.kind, f.required) for f in content.child.fields}
    assert kinds == {
        "type": ("str", False),
        "data": ("str", False),
        "width": ("int", False),
        "height": ("int", False),
    }
