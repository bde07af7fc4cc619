"""TmsClient in memory and over HTTP on loopback: the same results, the same errors."""

from __future__ import annotations

import base64
import json
import socket
from collections.abc import Callable, Iterable
from typing import Any
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from mdesrules.exceptions import ConnectError, DecodeError, InvalidRequest
from mdesrules.fakes.tms import Artwork, SimulatedTms, wsgi_app
from mdesrules.tms.assets import AssetRejected, TmsApiError
from mdesrules.tms.auth import CyberSourceSignature
from mdesrules.tms.client import TmsClient, WireRequest, WireResponse
from mdesrules.tms.jwe import CredentialDecryptionError, encrypt_credentials

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(32))
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>'
IID = "7010000000016241111"
PROFILE = "93B32398-AD51-4CC2-A682-EA3E93614EB1"
SECRET = base64.b64encode(b"s" * 32).decode()

SIM = SimulatedTms(
    {
        IID: [
            Artwork("card-art-combined", "image/png", PNG, 1536, 969),
            Artwork("card-art-combined", "image/svg+xml", SVG),
            Artwork("brand-logo", "image/jpeg", PNG),  # a media type that lies
        ]
    },
    KEY.public_key(),
    kid="mle-1",
)

Make = Callable[..., TmsClient]
Serve = Callable[[WSGIApplication], str]  # the ``serve`` fixture of conftest.py


@pytest.fixture(params=["memory", "http"])
def make(request: pytest.FixtureRequest, serve: Serve) -> Make:
    """Builds a client for a simulator or a WSGI app, in memory or over loopback."""

    def build(target: Any, key: rsa.RSAPrivateKey = KEY) -> TmsClient:
        if request.param == "memory":
            sender = target.handle if isinstance(target, SimulatedTms) else target
            return TmsClient.in_memory(sender, private_key=key)
        app = wsgi_app(target) if isinstance(target, SimulatedTms) else _wsgi_of(target)
        auth = CyberSourceSignature("merch1", "key-1", SECRET)
        return TmsClient(serve(app), private_key=key, auth=auth, timeout=5)

    return build


def _wsgi_of(sender: Callable[[WireRequest], WireResponse]) -> WSGIApplication:
    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        r = sender(WireRequest(environ["REQUEST_METHOD"], environ["PATH_INFO"]))
        start_response(f"{r.status} X", [("Content-Type", r.content_type)])
        return [r.body]

    return app


def _fixed(status: int, content_type: str, body: bytes) -> Callable[[WireRequest], WireResponse]:
    return lambda _request: WireResponse(status, {"Content-Type": content_type}, body)


def test_card_art(make: Make) -> None:
    asset = make(SIM).card_art(IID, "vts", "card-art-combined")
    assert asset.type == "cardArtCombined"
    assert asset.provider == "vts"
    assert [(c.media_type, c.data, c.width) for c in asset.content] == [
        ("image/png", PNG, 1536),
        ("image/svg+xml", SVG, None),
    ]


def test_identical_results_both_ways(serve: Serve) -> None:
    memory = TmsClient.in_memory(SIM.handle, private_key=KEY)
    http = TmsClient(serve(wsgi_app(SIM)), private_key=KEY)
    assert memory.card_art(IID, "mdes", "card-art-combined") == http.card_art(
        IID, "mdes", "card-art-combined"
    )
    body = {"paymentCredentialType": "CRYPTOGRAM", "transactionType": "ECOM"}
    assert memory.payment_credentials(IID, body) == http.payment_credentials(IID, body)
    errors = []
    for client in (memory, http):
        with pytest.raises(TmsApiError) as info:
            client.card_art("701000000009999", "vts", "brand-logo")
        errors.append((info.value.status, info.value.errors))
    assert errors[0] == errors[1]


def test_payment_credentials(make: Make) -> None:
    cred = make(SIM).payment_credentials(
        IID, {"paymentCredentialType": "CRYPTOGRAM"}, profile_id=PROFILE
    )
    assert cred["tokenizedCard"]["number"].startswith("489537")
    assert "cryptogram" in cred["tokenizedCard"]
    assert cred["_links"]["self"]["href"] == f"/tms/v2/tokens/{IID}/payment-credentials"
    cvv = make(SIM).payment_credentials(IID, {"paymentCredentialType": "SECURITY_CODE"})
    assert len(cvv["tokenizedCard"]["securityCode"]) == 3
    assert make(SIM).payment_credentials(IID, {})["tokenizedCard"]["eci"] == "07"


def test_media_type_that_lies(make: Make) -> None:
    with pytest.raises(AssetRejected, match="declared image/jpeg but the bytes are image/png"):
        make(SIM).card_art(IID, "vts", "brand-logo")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((IID, "vts", "icon-logo"), "Card art not found"),
        (("701000000001234", "vts", "brand-logo"), "Instrument identifier not found"),
    ],
)
def test_card_art_not_found(make: Make, args: tuple[str, str, str], message: str) -> None:
    with pytest.raises(TmsApiError, match=message) as info:
        make(SIM).card_art(*args)
    assert info.value.status == 404
    assert info.value.errors[0].type == "notFound"


def test_unknown_token(make: Make) -> None:
    with pytest.raises(TmsApiError, match="Token not found"):
        make(SIM).payment_credentials("unknown", {})


def _refuse(_request: WireRequest) -> WireResponse:
    raise AssertionError("an invalid request must not be sent")


@pytest.mark.parametrize(
    "args",
    [
        ("../../../etc/passwd", "vts", "brand-logo"),
        (IID, "visa", "brand-logo"),
        (IID, "vts", "brandLogo"),
        ("short", "vts", "brand-logo"),
    ],
)
def test_invalid_card_art_request_not_sent(args: tuple[str, str, str]) -> None:
    with pytest.raises(InvalidRequest):
        TmsClient.in_memory(_refuse, private_key=KEY).card_art(*args)


@pytest.mark.parametrize(
    ("token", "body", "profile"),
    [
        ("a/b", {}, None),
        ("x" * 33, {}, None),
        ("tok", {"paymentCredentialType": "PAN"}, None),
        ("tok", {}, "too-short"),
        ("tok", {"tokenId": "other"}, None),
    ],
)
def test_invalid_credentials_request_not_sent(
    token: str, body: dict[str, Any], profile: str | None
) -> None:
    with pytest.raises((InvalidRequest, ValueError)):
        TmsClient.in_memory(_refuse, private_key=KEY).payment_credentials(
            token, body, profile_id=profile
        )


def test_simulator_refuses_bad_requests_itself() -> None:
    r = SIM.handle(WireRequest("GET", f"/tms/v2/tokens/{IID}/visa/assets/brand-logo"))
    assert r.status == 400
    assert json.loads(r.body)["errors"][0]["details"] == [
        {"name": "tokenProvider", "location": "path"}
    ]
    r = SIM.handle(WireRequest("POST", f"/tms/v2/tokens/{IID}/payment-credentials", {}, b"[]"))
    assert (r.status, json.loads(r.body)["errors"][0]["type"]) == (400, "invalidRequest")
    r = SIM.handle(
        WireRequest("POST", f"/tms/v2/tokens/{IID}/payment-credentials", {"profile-id": "x"}, b"{}")
    )
    assert json.loads(r.body)["errors"][0]["details"][0]["location"] == "header"
    assert SIM.handle(WireRequest("GET", "/elsewhere")).status == 404
    assert SIM.handle(WireRequest("POST", f"/tms/v2/tokens/{IID}/vts/assets/x")).status == 405


def _card_art_doc(data: str, media: str = "image/png") -> bytes:
    return json.dumps({"id": "1", "content": [{"type": media, "data": data}]}).encode()


@pytest.mark.parametrize(
    ("response", "error"),
    [
        ((200, "application/json", _card_art_doc("!!not base64!!")), AssetRejected),
        ((200, "application/json", b"{not json"), AssetRejected),
        ((200, "text/html", b"<html></html>"), DecodeError),
        ((500, "text/html", b"<html>oops</html>"), TmsApiError),
    ],
)
def test_bad_card_art_answers(
    make: Make, response: tuple[int, str, bytes], error: type[Exception]
) -> None:
    with pytest.raises(error):
        make(_fixed(*response)).card_art(IID, "vts", "brand-logo")


def _tampered() -> bytes:
    parts = encrypt_credentials({"a": 1}, KEY.public_key()).split(".")
    parts[3] = ("A" if parts[3][0] != "A" else "B") + parts[3][1:]
    return ".".join(parts).encode()


@pytest.mark.parametrize(
    "response",
    [
        (201, "application/jose;charset=utf-8", _tampered()),
        (201, "application/jose", b"not-a-jwe"),
        (201, "application/json", b'{"tokenizedCard": {}}'),
        (200, "application/jose", encrypt_credentials({"a": 1}, KEY.public_key()).encode()),
    ],
)
def test_bad_credential_answers(make: Make, response: tuple[int, str, bytes]) -> None:
    with pytest.raises(CredentialDecryptionError):
        make(_fixed(*response)).payment_credentials(IID, {})


def test_wrong_private_key(make: Make) -> None:
    client = make(SIM)
    client.private_key = OTHER
    with pytest.raises(CredentialDecryptionError, match="could not be decrypted"):
        client.payment_credentials(IID, {})


def test_error_envelope_every_entry(make: Make) -> None:
    body = json.dumps(
        {
            "errors": [
                {"type": "forbidden", "message": "Request not permitted"},
                {"type": "declined", "message": "No"},
            ]
        }
    ).encode()
    with pytest.raises(TmsApiError) as info:
        make(_fixed(403, "application/json", body)).payment_credentials(IID, {})
    assert [e.type for e in info.value.errors] == ["forbidden", "declined"]


def test_http_request_is_signed(serve: Serve) -> None:
    seen: dict[str, str] = {}
    inner = wsgi_app(SIM)

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        seen.update({k: str(v) for k, v in environ.items() if k.startswith("HTTP_")})
        return inner(environ, start_response)

    auth = CyberSourceSignature("merch1", "key-1", SECRET)
    TmsClient(serve(app), private_key=KEY, auth=auth).payment_credentials(IID, {})
    assert seen["HTTP_V_C_MERCHANT_ID"] == "merch1"
    assert seen["HTTP_DIGEST"].startswith("SHA-256=")
    assert 'algorithm="HmacSHA256"' in seen["HTTP_SIGNATURE"]


def test_connect_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(ConnectError):
        TmsClient(f"http://127.0.0.1:{port}", private_key=KEY, timeout=2).card_art(
            IID, "vts", "brand-logo"
        )


def test_client_needs_a_target() -> None:
    with pytest.raises(ValueError, match="base_url or a sender"):
        TmsClient(private_key=KEY)
