"""The token requestor's receiver: accept, refuse (all or nothing), warnings, the mirror and
the WSGI application."""

from __future__ import annotations

import io
import json
import logging
from typing import Any
from wsgiref.util import setup_testing_defaults

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from mdesrules import Status
from mdesrules.notifications import (
    NOTIFY_PATH,
    NotificationApp,
    NotificationReceiver,
    NotificationRejected,
    TokenMirror,
    TokenUpdate,
    encrypt_payload,
    key_ring,
)

TUR = "DWSPMC000000000132d72d4fcb2f4136a0532d3093ff1a45"
TUR2 = "DWSPMC000000000232d72d4fcb2f4136a0532d3093ff1a45"
PAN = "5412345678901232"


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def other_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def token(
    tur: str = TUR, status: str = "SUSPENDED", at: str = "2024-01-31T12:00:01.000Z", **extra: Any
) -> dict[str, Any]:
    entry: dict[str, Any] = {"tokenUniqueReference": tur, "status": status, "statusTimestamp": at}
    if status == "SUSPENDED":
        entry["suspendedBy"] = ["ISSUER"]
    entry.update(extra)
    return entry


def body(
    key: rsa.RSAPrivateKey,
    *tokens: dict[str, Any],
    request_id: object = "ntu-0001",
    oaep: Any = "SHA512",
) -> bytes:
    plaintext = json.dumps({"tokens": list(tokens)}).encode()
    return json.dumps(
        {
            "responseHost": "site1.mastercard.com",
            "requestId": request_id,
            "encryptedPayload": encrypt_payload(plaintext, key.public_key(), oaep=oaep),
        }
    ).encode()


class Recorder:
    def __init__(self) -> None:
        self.updates: list[TokenUpdate] = []

    def __call__(self, update: TokenUpdate) -> None:
        self.updates.append(update)


@pytest.fixture
def mirror() -> TokenMirror:
    return TokenMirror()


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def receiver(
    key: rsa.RSAPrivateKey, mirror: TokenMirror, recorder: Recorder
) -> NotificationReceiver:
    return NotificationReceiver(
        key_ring(key), mirror=mirror, on_token=recorder, response_host="tr.example"
    )


# -- accepted ---------------------------------------------------------------------------------


def test_accept_applies_and_answers(
    key: rsa.RSAPrivateKey, receiver: NotificationReceiver, mirror: TokenMirror, recorder: Recorder
) -> None:
    notification, response = receiver.receive(
        body(key, token(eventReasonCode="SUSPECTED_FRAUD"), token(TUR2, "ACTIVE"))
    )
    assert response == {"responseHost": "tr.example", "responseId": "ntu-0001"}
    assert notification.request_id == "ntu-0001"
    assert notification.response_host == "site1.mastercard.com"
    assert [t.token_unique_reference for t in notification.tokens] == [TUR, TUR2]
    assert notification.warnings == ()
    assert mirror.status(TUR) is Status.SUSPENDED
    assert mirror.suspended_by(TUR) == {"ISSUER"}
    assert mirror.status(TUR2) is Status.ACTIVE
    assert mirror.suspended_by(TUR2) == frozenset()
    mirrored = mirror.get(TUR)
    assert mirrored is not None
    assert mirrored.event_reason_code == "SUSPECTED_FRAUD"
    assert [u.token_unique_reference for u in recorder.updates] == [TUR, TUR2]
    assert recorder.updates[0].status is Status.SUSPENDED


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("INACTIVE", Status.IN_PROGRESS),
        ("ACTIVE", Status.ACTIVE),
        ("SUSPENDED", Status.SUSPENDED),
        ("DEACTIVATED", Status.DELETED),
    ],
)
def test_status_words(
    key: rsa.RSAPrivateKey,
    receiver: NotificationReceiver,
    mirror: TokenMirror,
    word: str,
    status: Status,
) -> None:
    receiver.receive(body(key, token(status=word)))
    assert mirror.status(TUR) is status


@pytest.mark.parametrize("oaep", ["SHA256", None])
def test_other_key_wrappings(
    key: rsa.RSAPrivateKey, receiver: NotificationReceiver, mirror: TokenMirror, oaep: Any
) -> None:
    receiver.receive(body(key, token(), oaep=oaep))
    assert mirror.status(TUR) is Status.SUSPENDED


def test_a_numeric_request_id(key: rsa.RSAPrivateKey, receiver: NotificationReceiver) -> None:
    _, response = receiver.receive(body(key, token(), request_id=123456))
    assert response["responseId"] == "123456"


def test_warnings_are_kept_and_the_tokens_applied(
    key: rsa.RSAPrivateKey, receiver: NotificationReceiver, mirror: TokenMirror
) -> None:
    notification, _ = receiver.receive(body(key, token(newField="x", eventReasonCode="NEW_REASON")))
    assert {v.code for v in notification.warnings} >= {"unknown_field"}
    assert notification.report.ok
    assert mirror.status(TUR) is Status.SUSPENDED


def test_product_config_reaches_the_mirror_and_keeps_the_status(
    key: rsa.RSAPrivateKey, receiver: NotificationReceiver, mirror: TokenMirror, recorder: Recorder
) -> None:
    receiver.receive(body(key, token()))
    config = {
        "brandLogoAssetId": "b",
        "issuerLogoAssetId": "i",
        "isCoBranded": False,
        "cardBackgroundCombinedAssetId": "c",
        "iconAssetId": "n",
        "foregroundColor": "FFFFFF",
        "issuerName": "Bank",
        "shortDescription": "Card",
    }
    update = {"tokenUniqueReference": TUR, "productConfig": config}
    notification, _ = receiver.receive(body(key, update))
    assert mirror.status(TUR) is Status.SUSPENDED
    assert mirror.suspended_by(TUR) == {"ISSUER"}
    mirrored = mirror.get(TUR)
    assert mirrored is not None
    assert dict(mirrored.product_config or {}) == config
    assert dict(recorder.updates[-1].product_config or {}) == config
    assert notification.tokens[0].status is None


def test_a_stale_update_is_skipped(
    key: rsa.RSAPrivateKey, receiver: NotificationReceiver, mirror: TokenMirror
) -> None:
    receiver.receive(body(key, token(status="ACTIVE", at="2024-01-31T12:00:05.000Z")))
    receiver.receive(body(key, token(at="2024-01-31T12:00:01.000+00:00")))
    assert mirror.status(TUR) is Status.ACTIVE
    receiver.receive(body(key, token(at="2024-01-31T14:00:06.000+02:00")))  # 12:00:06Z
    assert mirror.status(TUR) is Status.SUSPENDED


def test_a_mirror_that_takes_every_update() -> None:
    mirror = TokenMirror(ignore_stale=False)
    new = TokenUpdate(TUR, Status.ACTIVE, status_timestamp="2024-01-31T12:00:05Z")
    old = TokenUpdate(TUR, Status.DELETED, status_timestamp="2024-01-31T12:00:01Z")
    assert mirror.apply([new, old]) == (new, old)
    assert mirror.status(TUR) is Status.DELETED
    assert TUR in mirror
    assert len(mirror) == 1
    assert list(mirror.tokens()) == [TUR]
    assert mirror.status("unknown") is None
    assert mirror.suspended_by("unknown") == frozenset()


def test_reprs_mask_pans() -> None:
    update = TokenUpdate(PAN, Status.ACTIVE)
    mirror = TokenMirror()
    mirror.apply([update])
    assert PAN not in repr(update) + repr(mirror.get(PAN)) + repr(mirror)


# -- refused: nothing applied -----------------------------------------------------------------


def refused(receiver: NotificationReceiver, data: bytes, code: str) -> NotificationRejected:
    with pytest.raises(NotificationRejected) as excinfo:
        receiver.receive(data)
    assert excinfo.value.code == code, str(excinfo.value)
    assert receiver.mirror is not None
    assert len(receiver.mirror) == 0
    assert isinstance(receiver.on_token, Recorder)
    assert receiver.on_token.updates == []
    return excinfo.value


def test_a_rule_error_refuses_the_whole_notification(
    key: rsa.RSAPrivateKey, receiver: NotificationReceiver
) -> None:
    error = refused(
        receiver, body(key, token(), token(TUR2, status="DELETED")), "invalid_notification"
    )
    assert error.report is not None
    assert not error.report.ok
    assert error.request_id == "ntu-0001"
    assert "/tokens/1/status" in error.message


def test_suspended_by_without_suspended_is_refused(
    key: rsa.RSAPrivateKey, receiver: NotificationReceiver
) -> None:
    refused(
        receiver, body(key, token(status="ACTIVE", suspendedBy=["ISSUER"])), "invalid_notification"
    )


def test_a_token_without_a_reference_is_refused(
    key: rsa.RSAPrivateKey, receiver: NotificationReceiver
) -> None:
    refused(receiver, body(key, {"status": "ACTIVE"}), "invalid_notification")


def test_a_payload_that_is_not_the_document(
    key: rsa.RSAPrivateKey, receiver: NotificationReceiver
) -> None:
    plaintext = json.dumps(["tokens"]).encode()
    data = json.dumps(
        {
            "responseHost": "h",
            "requestId": "1",
            "encryptedPayload": encrypt_payload(plaintext, key.public_key()),
        }
    ).encode()
    refused(receiver, data, "invalid_notification")


def test_the_wrong_key(other_key: rsa.RSAPrivateKey, receiver: NotificationReceiver) -> None:
    refused(receiver, body(other_key, token()), "unknown_key")


def test_tampered_ciphertext(key: rsa.RSAPrivateKey, receiver: NotificationReceiver) -> None:
    document = json.loads(body(key, token()))
    data = bytearray.fromhex(document["encryptedPayload"]["encryptedData"])
    data[-1] ^= 0xFF
    data[-20] ^= 0xFF
    document["encryptedPayload"]["encryptedData"] = data.hex()
    with pytest.raises(NotificationRejected) as excinfo:
        receiver.receive(json.dumps(document).encode())
    assert excinfo.value.public_code == "decryption_failed"
    assert receiver.mirror is not None
    assert len(receiver.mirror) == 0


@pytest.mark.parametrize(
    "data",
    [
        b"[]",
        b'{"responseHost": "h", "encryptedPayload": {}}',
        b'{"responseHost": "h", "requestId": true, "encryptedPayload": {}}',
        b'{"requestId": "1", "encryptedPayload": {}}',
        b'{"responseHost": "h", "requestId": "1", "encryptedPayload": "00"}',
        b'{"responseHost": "h", "requestId": "1"}',
    ],
)
def test_malformed_envelopes(receiver: NotificationReceiver, data: bytes) -> None:
    refused(receiver, data, "malformed")


@pytest.mark.parametrize(
    "data",
    [
        b"not json",
        b"\xff\xfe",
        b"[" * 10_000 + b"]" * 10_000,
        b'{"requestId": "1", "requestId": "2"}',
        b'{"requestId": NaN}',
        b'{"requestId": "\\udc00"}',
    ],
)
def test_bodies_that_are_not_json_are_malformed_documents(
    receiver: NotificationReceiver, data: bytes
) -> None:
    refused(receiver, data, "malformed_document")  # the code of every JSON reader here


def test_too_large(key: rsa.RSAPrivateKey, mirror: TokenMirror) -> None:
    small = NotificationReceiver(key_ring(key), mirror=mirror, max_body=100)
    with pytest.raises(NotificationRejected) as excinfo:
        small.receive(body(key, token()))
    assert excinfo.value.code == "too_large"
    assert len(mirror) == 0


def test_a_failing_callback_propagates(key: rsa.RSAPrivateKey, mirror: TokenMirror) -> None:
    def boom(update: TokenUpdate) -> None:
        raise RuntimeError("downstream is down")

    receiver = NotificationReceiver(key_ring(key), mirror=mirror, on_token=boom)
    with pytest.raises(RuntimeError):
        receiver.receive(body(key, token()))


# -- WSGI -------------------------------------------------------------------------------------


def call(
    app: NotificationApp,
    data: bytes = b"",
    *,
    method: str = "POST",
    path: str = NOTIFY_PATH,
    content_type: str = "application/json",
    length: str | None = None,
) -> tuple[int, dict[str, str], Any]:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": str(len(data)) if length is None else length,
        "wsgi.input": io.BytesIO(data),
    }
    setup_testing_defaults(environ)
    seen: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        seen["status"] = int(status.split()[0])
        seen["headers"] = dict(headers)

    answer = b"".join(app(environ, start_response))
    assert seen["headers"]["Content-Type"].startswith("application/json")
    assert b"Traceback" not in answer
    return seen["status"], seen["headers"], json.loads(answer)


@pytest.fixture
def app(receiver: NotificationReceiver) -> NotificationApp:
    return NotificationApp(receiver)


def test_wsgi_accepts(key: rsa.RSAPrivateKey, app: NotificationApp, mirror: TokenMirror) -> None:
    status, _, document = call(app, body(key, token()))
    assert status == 200
    assert document == {"responseHost": "tr.example", "responseId": "ntu-0001"}
    assert mirror.status(TUR) is Status.SUSPENDED


def test_wsgi_refuses_rule_errors(
    key: rsa.RSAPrivateKey, app: NotificationApp, mirror: TokenMirror
) -> None:
    status, _, document = call(app, body(key, token(status="GONE")))
    assert status == 400
    assert document["responseId"] == "ntu-0001"
    assert document["responseHost"] == "tr.example"
    (error,) = document["errors"]
    assert error["reasonCode"] == "INVALID_NOTIFICATION"
    assert error["source"] == "INPUT"
    assert error["recoverable"] is False
    assert len(mirror) == 0


def test_wsgi_answers_every_decryption_failure_alike(
    key: rsa.RSAPrivateKey, other_key: rsa.RSAPrivateKey, app: NotificationApp
) -> None:
    good = json.loads(body(key, token()))
    fp = good["encryptedPayload"]["publicKeyFingerprint"]
    wrong_key_app = NotificationApp(NotificationReceiver({fp: other_key}))
    tampered = json.loads(json.dumps(good))
    data = bytearray.fromhex(tampered["encryptedPayload"]["encryptedData"])
    data[-17] ^= 0xFF
    tampered["encryptedPayload"]["encryptedData"] = data.hex()
    not_json = {
        "responseHost": "h",
        "requestId": "2",
        "encryptedPayload": encrypt_payload(b"\x00not json", key.public_key()),
    }
    answers = [
        call(wrong_key_app, json.dumps(good).encode()),
        call(app, json.dumps(tampered).encode()),
        call(app, json.dumps(not_json).encode()),
    ]
    errors = {json.dumps(answer["errors"]) for _, _, answer in answers}
    assert {status for status, _, _ in answers} == {400}
    assert len(errors) == 1
    assert json.loads(errors.pop())[0]["reasonCode"] == "DECRYPTION_FAILED"


def test_wsgi_bad_hex(key: rsa.RSAPrivateKey, app: NotificationApp) -> None:
    document = json.loads(body(key, token()))
    document["encryptedPayload"]["iv"] = "NA"
    status, _, answer = call(app, json.dumps(document).encode())
    assert status == 400
    assert answer["errors"][0]["reasonCode"] == "BAD_HEX"


def test_wsgi_routing_and_media(app: NotificationApp) -> None:
    assert call(app, b"{}", path="/elsewhere")[0] == 404
    status, headers, answer = call(app, method="GET")
    assert status == 405
    assert headers["Allow"] == "POST"
    assert answer["errors"][0]["reasonCode"] == "METHOD_NOT_ALLOWED"
    status, _, answer = call(app, b"<a/>", content_type="application/xml")
    assert status == 415
    assert answer["errors"][0]["reasonCode"] == "UNSUPPORTED_MEDIA_TYPE"
    assert call(app, b"{}", content_type="application/json; charset=utf-8")[0] == 400
    assert call(app, b"{}", length="ten")[0] == 400


def test_wsgi_too_large(key: rsa.RSAPrivateKey, receiver: NotificationReceiver) -> None:
    app = NotificationApp(receiver, max_body=64)
    status, _, answer = call(app, body(key, token()))
    assert status == 413
    assert answer["errors"][0]["reasonCode"] == "REQUEST_TOO_LARGE"
    status, _, _ = call(app, b"{}", length=str(10**9))
    assert status == 413


def test_wsgi_callback_failure_is_a_500(
    key: rsa.RSAPrivateKey, caplog: pytest.LogCaptureFixture
) -> None:
    def boom(update: TokenUpdate) -> None:
        raise RuntimeError(f"cannot store {PAN}")

    app = NotificationApp(NotificationReceiver(key_ring(key), on_token=boom))
    with caplog.at_level(logging.DEBUG, logger="mdesrules.notifications"):
        status, _, answer = call(app, body(key, token()))
    assert status == 500
    assert answer["errors"][0] == {
        "source": "SYSTEM",
        "reasonCode": "INTERNAL_ERROR",
        "description": "the receiver failed",
        "recoverable": True,
    }
    assert PAN not in caplog.text
    assert "RuntimeError" in caplog.text


def test_no_pan_in_logs_or_answers(
    key: rsa.RSAPrivateKey, app: NotificationApp, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        status, _, answer = call(app, body(key, token(tur=PAN, status="BAD"), request_id=PAN))
    assert status == 400
    assert PAN not in caplog.text
    assert PAN not in json.dumps(answer["errors"])
