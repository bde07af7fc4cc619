"""CyberSource HTTP Signature against a worked example computed here independently."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
import requests

from mdesrules.exceptions import MdesRulesError
from mdesrules.tms.auth import CyberSourceSignature

SECRET_B64 = base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()
DATE = "Mon, 23 Nov 2026 13:00:00 GMT"


def _expected(text: str) -> str:
    mac = hmac.new(b"0123456789abcdef0123456789abcdef", text.encode(), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


def _sign(method: str, url: str, data: bytes | None = None) -> requests.PreparedRequest:
    auth = CyberSourceSignature("merch1", "key-1", SECRET_B64, now=lambda: DATE)
    req = requests.Request(method, url, data=data, auth=auth)
    return req.prepare()


def test_post_worked_example() -> None:
    body = b'{"paymentCredentialType":"CRYPTOGRAM"}'
    p = _sign("POST", "https://apitest.cybersource.com/tms/v2/tokens/ABC/payment-credentials", body)
    digest = "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()
    text = (
        "host: apitest.cybersource.com\n"
        f"date: {DATE}\n"
        "request-target: post /tms/v2/tokens/ABC/payment-credentials\n"
        f"digest: {digest}\n"
        "v-c-merchant-id: merch1"
    )
    assert p.headers["digest"] == digest
    assert p.headers["v-c-merchant-id"] == "merch1"
    assert p.headers["date"] == DATE
    assert p.headers["host"] == "apitest.cybersource.com"
    assert p.headers["signature"] == (
        'keyid="key-1", algorithm="HmacSHA256", '
        'headers="host date request-target digest v-c-merchant-id", '
        f'signature="{_expected(text)}"'
    )


def test_get_omits_digest_and_signs_query() -> None:
    p = _sign("GET", "https://apitest.cybersource.com/tms/v2/tokens/x/vts/assets/brand-logo?a=1")
    assert "digest" not in p.headers
    text = (
        "host: apitest.cybersource.com\n"
        f"date: {DATE}\n"
        "request-target: get /tms/v2/tokens/x/vts/assets/brand-logo?a=1\n"
        "v-c-merchant-id: merch1"
    )
    assert p.headers["signature"].endswith(f'signature="{_expected(text)}"')
    assert 'headers="host date request-target v-c-merchant-id"' in p.headers["signature"]


def test_post_without_body_digests_empty_bytes() -> None:
    p = _sign("POST", "https://h.example/p")
    assert p.headers["digest"] == "SHA-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="


def test_default_date_is_rfc7231() -> None:
    auth = CyberSourceSignature("m", "k", SECRET_B64)
    p = requests.Request("GET", "https://h.example/", auth=auth).prepare()
    assert p.headers["date"].endswith(" GMT")


@pytest.mark.parametrize("secret", ["not base64!", ""])
def test_bad_secret(secret: str) -> None:
    with pytest.raises(MdesRulesError, match="shared secret"):
        CyberSourceSignature("m", "k", secret)
