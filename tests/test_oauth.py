"""MastercardOAuth1: what reaches the server is signed, and the signature verifies.

The verification is written here from the specifications, not with the signing package:
Mastercard's "Using OAuth 1.0a to Access Mastercard APIs" (RFC 5849 one-legged, RSA-SHA256,
with the oauth_body_hash extension). The base string is::

    METHOD & enc(scheme://host[:port]/path) & enc(sorted "name=value" joined by "&")

where the parameters are the query parameters (decoded, then each name and value
percent-encoded per RFC 3986) and the ``oauth_*`` parameters of the header but the
signature. One deviation from RFC 5849 3.4.1.3.2, followed by every Mastercard signer and
so by its gateway: the ``oauth_*`` values enter the parameter string as sent, not encoded a
second time (the base64 body hash keeps its ``+``, ``/`` and ``=`` there).
"""

from __future__ import annotations

import base64
import hashlib
import importlib
import re
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, unquote
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

import oauth1  # noqa: F401  (installed by the test extra: fail, do not skip, when missing)
import pytest
import requests
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12

import mdesrules
from mdesrules import transports
from mdesrules.client import Client
from mdesrules.models.responses import Error, SearchResponse
from mdesrules.transport import Request, Response
from mdesrules.transports import HttpTransport, WsgiApp
from mdesrules.transports.oauth import MastercardOAuth1

Serve = Callable[[WSGIApplication], str]  # the ``serve`` fixture of conftest.py

# The form of a Mastercard consumer key (a "!" between two parts), not a real one.
CONSUMER_KEY = "L5BsiPgaF-O3qA36znUATgQXwJB6MRoMSdhjd7wt50c97279!50596e52466e396654"
BASE = "/mdes/csapi/v2"
LEGACY = mdesrules.parse(
    "legacy_update",
    {
        "tokenUniqueReference": "DWSPMC000000000132d72d4fcb2f4136a0532d3093ff1a45",
        "expirationDate": "0130",
        "commentText": "Carte renouvelée — 新しいカード",
        "auditInfo": {"userId": "A1435477", "userName": "Zoë", "organization": "Any Bank"},
    },
)
SEARCH = mdesrules.parse(
    "search",
    {
        "SearchRequest": {
            "TokenUniqueReference": "DWSPMC000000000132d72d4fcb2f4136a0532d3093ff1a45",
            "AuditInfo": {"UserId": "A1", "UserName": "B", "Organization": "C"},
        }
    },
)


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class Capture:
    """A server side that records each request exactly as it arrived."""

    def __init__(self, answer: Callable[[Request], Response]) -> None:
        self.seen: list[dict[str, Any]] = []
        self.app = WsgiApp(answer)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length)
        self.seen.append(
            {
                "method": environ["REQUEST_METHOD"],
                "host": environ["HTTP_HOST"],
                "path": environ.get("SCRIPT_NAME", "") + environ["PATH_INFO"],
                "query": environ.get("QUERY_STRING", ""),
                "authorization": environ.get("HTTP_AUTHORIZATION", ""),
                "body": body,
            }
        )
        environ["wsgi.input"] = _Replay(body)
        return self.app(environ, start_response)


class _Replay:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def read(self, size: int = -1) -> bytes:
        out = self.data if size < 0 else self.data[:size]
        self.data = self.data[len(out) :]
        return out


def answer(request: Request) -> Response:
    if request.operation == "search":
        return Response("search", 200, SearchResponse())
    return Response(request.operation, 200, mdesrules.models.legacy.LegacyTokenResponse())


def enc(text: str) -> str:
    """Percent-encoding of RFC 3986 section 2.1 as RFC 5849 3.6 wants it."""
    return quote(text.encode("utf-8"), safe="~")


def header_params(authorization: str) -> dict[str, str]:
    assert authorization.startswith("OAuth ")
    pairs = re.findall(r'([a-z_]+)="([^"]*)"', authorization[len("OAuth ") :])
    params = {name: unquote(value) for name, value in pairs}
    assert len(params) == len(pairs)
    return params


def base_string(seen: dict[str, Any], params: dict[str, str]) -> str:
    uri = f"http://{seen['host'].lower()}{seen['path']}"
    pairs = [(enc(n), enc(v)) for n, v in parse_qsl(seen["query"], keep_blank_values=True)]
    pairs += [(n, v) for n, v in params.items() if n != "oauth_signature"]
    normalized = "&".join(f"{n}={v}" for n, v in sorted(pairs))
    return "&".join((seen["method"].upper(), enc(uri), enc(normalized)))


def verify(seen: dict[str, Any], public: rsa.RSAPublicKey) -> dict[str, str]:
    """Check one captured request as the gateway would; returns its OAuth parameters."""
    params = header_params(seen["authorization"])
    assert set(params) == {
        "oauth_consumer_key",
        "oauth_nonce",
        "oauth_timestamp",
        "oauth_signature_method",
        "oauth_version",
        "oauth_body_hash",
        "oauth_signature",
    }
    assert params["oauth_consumer_key"] == CONSUMER_KEY
    assert params["oauth_signature_method"] == "RSA-SHA256"
    assert params["oauth_version"] == "1.0"
    assert abs(int(params["oauth_timestamp"]) - time.time()) < 300
    assert re.fullmatch(r"[0-9A-Za-z]{16}", params["oauth_nonce"])
    digest = base64.b64encode(hashlib.sha256(seen["body"]).digest()).decode()
    assert params["oauth_body_hash"] == digest
    signature = base64.b64decode(params["oauth_signature"], validate=True)
    message = base_string(seen, params).encode()
    public.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
    return params


@pytest.fixture
def capture(serve: Serve) -> tuple[str, Capture]:
    captured = Capture(answer)
    return serve(captured), captured


def test_http_transport_requests_are_signed_over_the_exact_bytes(
    key: rsa.RSAPrivateKey, capture: tuple[str, Capture]
) -> None:
    url, captured = capture
    auth = MastercardOAuth1(CONSUMER_KEY, key)
    for form in ("json", "xml"):
        with HttpTransport(url + BASE, form=form, auth=auth, timeout=(2, 5)) as http:
            Client(http).legacy_update(LEGACY)
    assert len(captured.seen) == 2
    for seen in captured.seen:
        assert seen["path"] == BASE + "/api/Update"
        assert "renouvelée — 新しいカード".encode() in seen["body"]
        verify(seen, key.public_key())


def test_the_signature_binds_body_url_and_method(
    key: rsa.RSAPrivateKey, capture: tuple[str, Capture]
) -> None:
    url, captured = capture
    with HttpTransport(url + BASE, auth=MastercardOAuth1(CONSUMER_KEY, key)) as http:
        http.send(Request("legacy_update", LEGACY))
    (seen,) = captured.seen
    params = verify(seen, key.public_key())
    signature = base64.b64decode(params["oauth_signature"])
    tampered = [
        {**seen, "body": seen["body"].replace(b"0130", b"0131")},
        {**seen, "path": BASE + "/token/delete"},
        {**seen, "method": "PUT"},
        {**seen, "query": "extra=1"},
    ]
    for other in tampered:
        other_params = dict(params)
        digest = hashlib.sha256(other["body"]).digest()
        other_params["oauth_body_hash"] = base64.b64encode(digest).decode()
        with pytest.raises(InvalidSignature):
            key.public_key().verify(
                signature,
                base_string(other, other_params).encode(),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )


def test_query_parameters_are_signed(key: rsa.RSAPrivateKey, capture: tuple[str, Capture]) -> None:
    url, captured = capture
    auth = MastercardOAuth1(CONSUMER_KEY, key)
    body = b'{"SearchRequest":{"TokenUniqueReference":"DWSPMC0000000001"}}'
    query = "Format=JSON&q=a%20b%2Fc%3D&empty=&z=%E2%82%AC"
    answer = requests.post(
        f"{url}{BASE}/search?{query}",
        data=body,
        headers={"Content-Type": "application/json"},
        auth=auth,
        timeout=(2, 5),
    )
    assert answer.status_code == 400  # AuditInfo is missing; the signature is what counts
    (seen,) = captured.seen
    assert seen["query"] == query
    assert seen["body"] == body
    verify(seen, key.public_key())


def test_each_attempt_is_signed_afresh(key: rsa.RSAPrivateKey, serve: Serve) -> None:
    failures = [1]

    def flaky(request: Request) -> Response:
        if failures:
            failures.pop()
            entry = Error(source="SYSTEM", reason_code="BUSY", description="x", recoverable="true")
            return Response(request.operation, 503, None, (entry,))
        return answer(request)

    captured = Capture(flaky)
    url = serve(captured)
    auth = MastercardOAuth1(CONSUMER_KEY, key)
    with HttpTransport(url + BASE, auth=auth, backoff=0.0, timeout=(2, 5)) as http:
        assert http.send(Request("search", SEARCH)).ok
    assert len(captured.seen) == 2
    nonces = {verify(seen, key.public_key())["oauth_nonce"] for seen in captured.seen}
    assert len(nonces) == 2


def test_a_str_body_is_signed_as_the_bytes_sent(
    key: rsa.RSAPrivateKey, capture: tuple[str, Capture]
) -> None:
    url, captured = capture
    requests.post(
        f"{url}{BASE}/search",
        data='{"SearchRequest": "€ not Latin-1"}',
        headers={"Content-Type": "application/json"},
        auth=MastercardOAuth1(CONSUMER_KEY, key),
        timeout=(2, 5),
    )
    (seen,) = captured.seen
    assert seen["body"] == '{"SearchRequest": "€ not Latin-1"}'.encode()
    verify(seen, key.public_key())


def test_an_empty_body_is_signed(key: rsa.RSAPrivateKey, capture: tuple[str, Capture]) -> None:
    url, captured = capture
    requests.get(
        f"{url}{BASE}/search?a=1", auth=MastercardOAuth1(CONSUMER_KEY, key), timeout=(2, 5)
    )
    (seen,) = captured.seen
    assert seen["body"] == b""
    verify(seen, key.public_key())


def test_a_streamed_body_cannot_be_signed(key: rsa.RSAPrivateKey) -> None:
    request = requests.Request("POST", "https://mdes.test/x", data=iter([b"a", b"b"]))
    with pytest.raises(TypeError, match="stream"):
        request.prepare().prepare_auth(MastercardOAuth1(CONSUMER_KEY, key))


# --- keys --------------------------------------------------------------------------------------


def test_pem_keys_are_accepted(key: rsa.RSAPrivateKey, capture: tuple[str, Capture]) -> None:
    url, captured = capture
    pems = [
        (
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
            None,
        ),
        (
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.TraditionalOpenSSL,
                serialization.NoEncryption(),
            ),
            None,
        ),
        (
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.BestAvailableEncryption(b"keystorepassword"),
            ),
            b"keystorepassword",
        ),
    ]
    for pem, password in pems:
        auth = MastercardOAuth1(CONSUMER_KEY, pem, password=password)
        with HttpTransport(url + BASE, auth=auth, timeout=(2, 5)) as http:
            http.send(Request("search", SEARCH))
    assert len(captured.seen) == 3
    for seen in captured.seen:
        verify(seen, key.public_key())


def test_the_pkcs12_keystore_is_accepted(
    key: rsa.RSAPrivateKey, capture: tuple[str, Capture], tmp_path: Path
) -> None:
    url, captured = capture
    p12 = pkcs12.serialize_key_and_certificates(
        b"keyalias", key, None, None, serialization.BestAvailableEncryption(b"keystorepassword")
    )
    path = tmp_path / "key.p12"
    path.write_bytes(p12)
    auth = MastercardOAuth1.from_pkcs12(CONSUMER_KEY, path, "keystorepassword")
    with HttpTransport(url + BASE, auth=auth, timeout=(2, 5)) as http:
        http.send(Request("search", SEARCH))
    verify(captured.seen[0], key.public_key())


@pytest.mark.parametrize(
    ("consumer_key", "signing_key", "error"),
    [
        ("", None, ValueError),
        (
            CONSUMER_KEY,
            b"-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n",
            ValueError,
        ),
        (CONSUMER_KEY, "a PEM as str", TypeError),
        (CONSUMER_KEY, ec.generate_private_key(ec.SECP256R1()), TypeError),
    ],
)
def test_bad_keys_are_refused(
    consumer_key: str, signing_key: Any, error: type[Exception], key: rsa.RSAPrivateKey
) -> None:
    with pytest.raises(error):
        MastercardOAuth1(consumer_key, signing_key if signing_key is not None else key)


def test_the_repr_shows_no_key(key: rsa.RSAPrivateKey) -> None:
    shown = repr(MastercardOAuth1(CONSUMER_KEY, key))
    assert CONSUMER_KEY not in shown
    assert "PRIVATE" not in shown


# --- the optional dependency -------------------------------------------------------------------


def test_the_package_exports_it_lazily() -> None:
    assert transports.MastercardOAuth1 is MastercardOAuth1
    assert "MastercardOAuth1" in transports.__all__
    with pytest.raises(AttributeError):
        transports.NoSuchThing  # noqa: B018


def test_without_the_signer_the_import_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "oauth1", None)
    monkeypatch.setitem(sys.modules, "oauth1.oauth", None)
    monkeypatch.delitem(sys.modules, "mdesrules.transports.oauth")
    with pytest.raises(ImportError) as raised:
        importlib.import_module("mdesrules.transports.oauth")
    message = str(raised.value)
    # The hint is a command that works from a checkout (mdesrules is on no package index),
    # and it says what Python 3.13 gets.
    assert "mastercard-oauth1-signer" in message
    assert "pip install -e '.[oauth]'" in message
    assert "whl[oauth]" in message
    assert "3.13" in message
    with pytest.raises(ImportError, match=re.escape("pip install -e '.[oauth]'")):
        transports.__getattr__("MastercardOAuth1")
