"""The client encrypts ``EncryptedAccountInformation`` after checking (CS API 2.1.7 and
2.2.2): what leaves on the wire holds no PAN, opens with our decryption and with
Mastercard's ``mastercard-client-encryption``, and a body Mastercard's library encrypted is
decrypted and checked on our side."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies_pan import luhn_complete, luhn_pans, non_luhn_pans
from test_account_encryption import _mastercard_config
from test_notify_crypto import make_certificate, make_key

from mdesrules import (
    AccountEncryption,
    Client,
    Context,
    InvalidRequest,
    MdesError,
    Registry,
    WireRequest,
    WireResponse,
    account_encryption,
    check,
    parse,
)
from mdesrules.account_encryption import decrypt_account_information
from mdesrules.apis import MDES_CS_API_2_1_7, MDES_CS_API_2_2_2
from mdesrules.checking import structure_checked
from mdesrules.codecs import json as json_codec
from mdesrules.encryption import fingerprint, key_ring
from mdesrules.registry import Operation
from mdesrules.transport import Request, Response
from mdesrules.transports import (
    CodecTransport,
    HttpTransport,
    InMemoryTransport,
    MockCarrier,
    WsgiApp,
    WsgiCarrier,
)

PAN = luhn_complete("541234567890123")
NEW_PAN = luhn_complete("541234567890888")
PAID = "645b532a245e4723d7a9c4f62b24f24a24ba98e27d43e34e"
TUR = "DWSPMC00000000010906a349d9ca4eb1a4d53e3c90a11d9c"
AUDIT = {"UserId": "A1435477", "UserName": "John Smith", "Organization": "Any Bank"}
EAI = "EncryptedAccountInformation"

_KEY = make_key()
_CERT = make_certificate(_KEY)
_RING = key_ring((_KEY, _CERT))

VERSIONS: dict[str, Registry] = {"2.1.7": MDES_CS_API_2_1_7, "2.2.2": MDES_CS_API_2_2_2}
ENCRYPTED_OPERATIONS = ("search", "token_activate", "token_update")
WRAPPERS = {
    "search": "SearchRequest",
    "token_activate": "TokenActivateRequest",
    "token_update": "TokenUpdateRequest",
}


def plaintext(operation: str, pan: str = PAN, new_pan: str = NEW_PAN) -> dict[str, Any]:
    """A valid plaintext request of *operation* by account PAN."""
    account = {"CurrentAccount": {"AccountPan": pan}}
    members: dict[str, Any] = {"AuditInfo": AUDIT}
    if operation == "token_activate":
        members.update(PaymentAppInstanceId=PAID, ReasonCode="A")
    if operation == "token_update":
        account["NewAccount"] = {"AccountPan": new_pan, "ExpirationDate": "1230"}
    return {WRAPPERS[operation]: {EAI: {"EncryptedData": account}, **members}}


def model(operation: str, registry: Registry, **pans: str) -> Any:
    """The request model of :func:`plaintext`, checked."""
    return parse(operation, plaintext(operation, **pans), registry=registry)


def unchecked_model(operation: str, registry: Registry, **pans: str) -> Any:
    """The request model of :func:`plaintext`, made without checking (for invalid PANs)."""
    return structure_checked(registry.get(operation), plaintext(operation, **pans))


def plain_bytes(operation: str, body: object, registry: Registry) -> bytes:
    """The body the JSON codec writes for *body* without encryption."""
    return json_codec.encode_request(Request(operation, body, registry))


def answer(op: Operation) -> WireResponse:
    """An empty success answer of *op* (a wrapped operation), as MDES sends it."""
    body = json.dumps({op.response_wrapper: {}}).encode()
    return WireResponse(200, {"Content-Type": "application/json"}, body)


class Recorder:
    """A MockCarrier function that records each wire request and answers success."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.sent: list[WireRequest] = []

    def __call__(self, request: WireRequest) -> WireResponse:
        self.sent.append(request)
        op = next(op for op in self.registry if op.path == request.path)
        return answer(op)

    @property
    def body(self) -> bytes:
        (request,) = self.sent
        return request.body


def recording_client(
    registry: Registry, encryption: Any = None, **transport: Any
) -> tuple[Client, Recorder]:
    """A client over a codec transport whose carrier records what is sent."""
    recorder = Recorder(registry)
    codec = CodecTransport(MockCarrier(recorder), **transport)
    return Client(codec, registry=registry, encryption=encryption), recorder


settings_of = st.builds(
    AccountEncryption,
    st.sampled_from([_CERT, _KEY.public_key()]),
    oaep_hash=st.sampled_from(["SHA256", "SHA512", None]),
    mode=st.sampled_from(["CBC", "GCM"]),
)


# -- what goes on the wire ------------------------------------------------------------------


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(
    operation=st.sampled_from(ENCRYPTED_OPERATIONS),
    version=st.sampled_from(sorted(VERSIONS)),
    pan=luhn_pans,
    new_pan=luhn_pans,
    encryption=settings_of,
)
def test_the_bytes_sent_hold_no_pan_and_decrypt_to_the_plaintext_request(
    operation: str, version: str, pan: str, new_pan: str, encryption: AccountEncryption
) -> None:
    if version == "2.1.7" and encryption.mode == "GCM":
        encryption = AccountEncryption(encryption.public_key_or_certificate, encryption.oaep_hash)
    registry = VERSIONS[version]
    body = model(operation, registry, pan=pan, new_pan=new_pan)
    client, recorder = recording_client(registry, encryption)
    client.call(operation, body)

    sent = recorder.body
    assert pan.encode() not in sent
    assert new_pan.encode() not in sent
    document = json.loads(sent)
    envelope = document[WRAPPERS[operation]][EAI]
    assert isinstance(envelope["EncryptedData"], str)
    assert envelope["PublicKeyFingerprint"] == fingerprint(encryption.public_key_or_certificate)
    assert envelope.get("OaepHashingAlgorithm") == encryption.oaep_hash
    assert envelope.get("algorithmCipherMode") == (encryption.mode if version == "2.2.2" else None)
    expected = json.loads(plain_bytes(operation, body, registry))
    assert decrypt_account_information(document, _RING, version=version) == expected
    # what was sent passes our own check, without the key (envelope) and with it (inside)
    without_key = check(operation, document, registry=registry)
    pkcs1 = ["missing_required"] if encryption.oaep_hash is None else []  # a warning
    assert [v.code for v in without_key.violations] == [*pkcs1, "not_decrypted"]
    assert without_key.ok
    assert check(operation, document, Context(decryption_keys=_RING), registry=registry).ok


@pytest.mark.parametrize("version", sorted(VERSIONS))
def test_operations_without_the_envelope_are_sent_unchanged(version: str) -> None:
    registry = VERSIONS[version]
    body = parse(
        "token_suspend",
        {
            "TokenSuspendRequest": {
                "TokenUniqueReference": TUR,
                "ReasonCode": "T",
                "AuditInfo": AUDIT,
            }
        },
        registry=registry,
    )
    client, recorder = recording_client(registry, _CERT)
    client.call("token_suspend", body)
    assert recorder.body == plain_bytes("token_suspend", body, registry)


def test_without_account_information_the_request_is_sent_unchanged() -> None:
    body = parse(
        "search", {"SearchRequest": {"TokenUniqueReference": TUR, "AuditInfo": AUDIT}},
        registry=MDES_CS_API_2_2_2,
    )  # fmt: skip
    client, recorder = recording_client(MDES_CS_API_2_2_2, _CERT)
    client.call("search", body)
    assert recorder.body == plain_bytes("search", body, MDES_CS_API_2_2_2)


def test_each_request_is_encrypted_afresh() -> None:
    client, recorder = recording_client(MDES_CS_API_2_2_2, _CERT)
    body = model("token_update", MDES_CS_API_2_2_2)
    client.call("token_update", body)
    client.call("token_update", body)
    first, second = (json.loads(r.body)["TokenUpdateRequest"][EAI] for r in recorder.sent)
    assert first["EncryptedKey"] != second["EncryptedKey"]
    assert first["Iv"] != second["Iv"]
    assert first["EncryptedData"] != second["EncryptedData"]


def test_the_model_stays_in_plaintext_form() -> None:
    body = model("token_update", MDES_CS_API_2_2_2)
    before = copy.deepcopy(body)
    client, _ = recording_client(MDES_CS_API_2_2_2, _CERT)
    client.call("token_update", body)
    assert body == before
    assert body.encrypted_account_information.encrypted_data.current_account.account_pan == PAN


# -- checked first ----------------------------------------------------------------------------


@settings(max_examples=25, suppress_health_check=[HealthCheck.too_slow])
@given(operation=st.sampled_from(ENCRYPTED_OPERATIONS), bad=non_luhn_pans)
def test_an_invalid_plaintext_request_is_refused_before_anything_is_encrypted(
    operation: str, bad: str
) -> None:
    encrypted: list[object] = []
    original = account_encryption.encrypt_account_information

    def spy(document: Any, **kwargs: Any) -> dict[str, Any]:
        encrypted.append(document)
        return original(document, **kwargs)

    registry = MDES_CS_API_2_2_2
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(account_encryption, "encrypt_account_information", spy)
        client, recorder = recording_client(registry, _CERT)
        with pytest.raises(InvalidRequest) as refused:
            client.call(operation, unchecked_model(operation, registry, pan=bad))
        assert encrypted == []
        assert recorder.sent == []
        assert "bad_check_digit" in [v.code for v in refused.value.report.violations]
        assert bad not in str(refused.value)
        # the same client encrypts and sends a valid request: the spy does see encryption
        client.call(operation, model(operation, registry))
        assert len(encrypted) == 1
        assert len(recorder.sent) == 1


# -- Mastercard's library ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def keys_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("keys")


@pytest.mark.parametrize("operation", ENCRYPTED_OPERATIONS)
@pytest.mark.parametrize("version", sorted(VERSIONS))
@pytest.mark.parametrize("oaep", ["SHA256", "SHA512"])
@pytest.mark.parametrize("key", ["certificate", "public key"])
def test_mastercard_library_decrypts_what_the_client_sent(
    keys_dir: Path, operation: str, version: str, oaep: Any, key: str
) -> None:
    from client_encryption.field_level_encryption import decrypt_payload  # type: ignore[import-untyped]

    # The library knows CBC only; GCM is cross-checked with our decryption above.
    registry = VERSIONS[version]
    public = _CERT if key == "certificate" else _KEY.public_key()
    client, recorder = recording_client(
        registry, AccountEncryption(public, oaep_hash=oaep, mode="CBC")
    )
    body = model(operation, registry)
    client.call(operation, body)
    assert PAN.encode() not in recorder.body
    path = f"{WRAPPERS[operation]}.{EAI}"
    config = _mastercard_config(keys_dir, _KEY, _CERT, "SHA-256", path=path)
    decrypted = decrypt_payload(json.loads(recorder.body), config)
    data = decrypted[WRAPPERS[operation]][EAI]["EncryptedData"]
    data = json.loads(data) if isinstance(data, str) else data
    expected = json.loads(plain_bytes(operation, body, registry))
    assert data == expected[WRAPPERS[operation]][EAI]["EncryptedData"]
    # the library removes the members it knows; 2.2.2's algorithmCipherMode it does not
    left = decrypted[WRAPPERS[operation]][EAI]
    assert left.pop("algorithmCipherMode", None) == ("CBC" if version == "2.2.2" else None)
    assert left == {"EncryptedData": data}


class DecryptingMdes:
    """An MDES that checks each request itself with the decryption keys
    (:class:`~mdesrules.serving.wsgi.CheckingHandler`) and keeps what it read."""

    def __init__(self, registry: Registry, keys: Any) -> None:
        self.registry = registry
        self.context = Context(decryption_keys=keys)
        self.read: list[object] = []

    def __call__(self, request: Request) -> Response:
        raise AssertionError("a checking handler is given documents")

    def answer_document(self, op: Operation, document: object, form: Any) -> Response:
        report = check(op.name, document, self.context, registry=self.registry)
        if not report.ok:
            from mdesrules.models.responses import Error

            errors = tuple(
                Error(source=v.path, reason_code=v.code.upper(), description=v.message)
                for v in report.errors
            )
            return Response(op.name, 400, None, errors)
        self.read.append(account_encryption.decrypt_account_information(
            document, self.context.decryption_keys, version=op.account_encryption or "2.2.2"
        ))  # fmt: skip
        return Response(op.name, 200, op.response())


def post(app: WsgiApp, path: str, body: bytes) -> WireResponse:
    carrier = WsgiCarrier(app, base_url="http://mdes.test/mdes/csapi/v2")
    return carrier.handle(WireRequest("POST", path, {"Content-Type": "application/json"}, body))


def mastercard_encrypted(
    keys_dir: Path, operation: str, digest: str, fingerprint_of: str, **pans: str
) -> bytes:
    from client_encryption.field_level_encryption import encrypt_payload

    path = f"{WRAPPERS[operation]}.{EAI}"
    config = _mastercard_config(
        keys_dir, _KEY, _CERT, digest, path=path, fingerprint_of=fingerprint_of
    )
    body = json.dumps(encrypt_payload(plaintext(operation, **pans), config)).encode()
    # the library leaves a path it does not find in clear: look at the bytes
    for pan in (pans.get("pan", PAN), pans.get("new_pan", NEW_PAN)):
        assert pan.encode() not in body
    return body


@pytest.mark.parametrize("operation", ENCRYPTED_OPERATIONS)
@pytest.mark.parametrize("version", sorted(VERSIONS))
@pytest.mark.parametrize("digest", ["SHA-256", "SHA-512"])
@pytest.mark.parametrize("fingerprint_of", ["certificate", "key"])
def test_a_body_mastercard_library_encrypted_is_decrypted_and_checked_by_ours(
    keys_dir: Path, operation: str, version: str, digest: str, fingerprint_of: str
) -> None:
    registry = VERSIONS[version]
    op = registry.get(operation)
    body = mastercard_encrypted(keys_dir, operation, digest, fingerprint_of)
    document = json.loads(body)
    envelope = document[WRAPPERS[operation]][EAI]
    assert envelope["PublicKeyFingerprint"] == fingerprint(
        _CERT if fingerprint_of == "certificate" else _KEY
    )
    # check() with the key decrypts and checks the inside
    assert check(operation, document, Context(decryption_keys=_RING), registry=registry).ok
    # a bare private key finds the key's fingerprint only
    by_bare_key = check(operation, document, Context(decryption_keys=_KEY), registry=registry)
    assert by_bare_key.ok == (fingerprint_of == "key")
    # the same bytes to a WsgiApp: with a plain handler and the keys, it gets the model
    handled: list[Request] = []

    def handler(request: Request) -> Response:
        handled.append(request)
        return Response(request.operation, 200, op.response())

    app = WsgiApp(handler, registry=registry, decryption_keys=_RING)
    assert post(app, op.path, body).status == 200
    (request,) = handled
    assert request.body == model(operation, registry)
    # to a handler that checks requests itself with the keys in its context
    mdes = DecryptingMdes(registry, _RING)
    assert post(WsgiApp(mdes, registry=registry), op.path, body).status == 200
    assert mdes.read == [plaintext(operation)]


@pytest.mark.parametrize("version", sorted(VERSIONS))
def test_a_broken_rule_inside_mastercard_encryption_is_found_with_the_key(
    keys_dir: Path, version: str
) -> None:
    registry = VERSIONS[version]
    bad = PAN[:-1] + str((int(PAN[-1]) + 1) % 10)
    body = mastercard_encrypted(keys_dir, "token_update", "SHA-256", "certificate", pan=bad)
    document = json.loads(body)
    # without the key, only the envelope can be checked
    assert check("token_update", document, registry=registry).ok
    report = check("token_update", document, Context(decryption_keys=_RING), registry=registry)
    at = f"/TokenUpdateRequest/{EAI}/EncryptedData/CurrentAccount/AccountPan"
    assert [(v.code, v.path) for v in report.errors] == [("bad_check_digit", at)]
    # a WsgiApp with the keys answers MDES's 400, never the PAN
    app = WsgiApp(lambda r: Response(r.operation, 200), registry=registry, decryption_keys=_RING)
    refused = post(app, "/token/update", body)
    assert refused.status == 400
    assert [e["ReasonCode"] for e in json.loads(refused.body)["Errors"]["Error"]] == [
        "BAD_CHECK_DIGIT"
    ]
    assert bad.encode() not in refused.body


@pytest.mark.parametrize(
    ("keys", "reason"),
    [(None, "NOT_DECRYPTED"), (make_key(), "UNKNOWN_KEY")],
    ids=["no key", "another key"],
)
def test_a_wsgi_app_that_cannot_decrypt_refuses_the_request(
    keys_dir: Path, keys: Any, reason: str
) -> None:
    body = mastercard_encrypted(keys_dir, "token_update", "SHA-256", "certificate")
    handled: list[Request] = []

    def handler(request: Request) -> Response:
        handled.append(request)
        return Response(request.operation, 200)

    app = WsgiApp(handler, registry=MDES_CS_API_2_2_2, decryption_keys=keys)
    refused = post(app, "/token/update", body)
    assert refused.status == 400
    assert [e["ReasonCode"] for e in json.loads(refused.body)["Errors"]["Error"]] == [reason]
    assert handled == []


# -- the client against an MDES that decrypts ---------------------------------------------------


def fake_mdes(registry: Registry, seen: list[Request]) -> Callable[[Request], Response]:
    def handler(request: Request) -> Response:
        seen.append(request)
        return Response(request.operation, 200, registry.get(request.operation).response())

    return handler


@pytest.mark.parametrize("mode", ["CBC", "GCM"])
def test_the_client_through_an_in_memory_mdes_with_the_private_key(mode: Any) -> None:
    seen: list[Request] = []
    transport = InMemoryTransport(
        fake_mdes(MDES_CS_API_2_2_2, seen),
        wire="json",
        registry=MDES_CS_API_2_2_2,
        decryption_keys=_RING,
    )
    body = model("token_update", MDES_CS_API_2_2_2)
    with Client(
        transport, registry=MDES_CS_API_2_2_2, encryption=AccountEncryption(_CERT, mode=mode)
    ) as client:
        client.call("token_update", body)
    assert [r.body for r in seen] == [body]


def test_the_client_over_http_to_an_mdes_that_decrypts(serve: Callable[[Any], str]) -> None:
    mdes = DecryptingMdes(MDES_CS_API_2_2_2, _RING)
    base = serve(WsgiApp(mdes, registry=MDES_CS_API_2_2_2)) + "/mdes/csapi/v2"
    transport = HttpTransport(base, retries=0, encryption=AccountEncryption(_CERT, mode="GCM"))
    body = model("search", MDES_CS_API_2_2_2)
    with Client(transport, registry=MDES_CS_API_2_2_2) as client:
        client.call("search", body)
    assert mdes.read == [json.loads(plain_bytes("search", body, MDES_CS_API_2_2_2))]


def test_an_mdes_without_the_key_refuses_and_the_client_says_so() -> None:
    seen: list[Request] = []
    transport = InMemoryTransport(
        fake_mdes(MDES_CS_API_2_2_2, seen), wire="json", registry=MDES_CS_API_2_2_2
    )
    client = Client(transport, registry=MDES_CS_API_2_2_2, encryption=_CERT)
    with pytest.raises(MdesError) as refused:
        client.call("token_update", model("token_update", MDES_CS_API_2_2_2))
    assert [e.reason_code for e in refused.value.errors] == ["NOT_DECRYPTED"]
    assert seen == []


# -- where the settings go ----------------------------------------------------------------------


def test_the_transport_may_hold_the_settings() -> None:
    body = model("token_update", MDES_CS_API_2_2_2)
    recorder = Recorder(MDES_CS_API_2_2_2)
    transport = CodecTransport(MockCarrier(recorder), encryption=_CERT)
    Client(transport, registry=MDES_CS_API_2_2_2).call("token_update", body)
    assert PAN.encode() not in recorder.body
    assert decrypt_account_information(json.loads(recorder.body), _RING) == json.loads(
        plain_bytes("token_update", body, MDES_CS_API_2_2_2)
    )
    # equal settings on both are no conflict
    client = Client(transport, encryption=AccountEncryption(_CERT))
    assert client.encryption == transport.encryption


def test_gcm_is_refused_for_2_1_7() -> None:
    gcm = AccountEncryption(_CERT, mode="GCM")
    with pytest.raises(ValueError, match="GCM"):
        Client(
            CodecTransport(MockCarrier(Recorder(MDES_CS_API_2_1_7))),
            registry=MDES_CS_API_2_1_7,
            encryption=gcm,
        )
    with pytest.raises(ValueError, match="GCM"):
        InMemoryTransport(
            fake_mdes(MDES_CS_API_2_1_7, []),
            wire="json",
            registry=MDES_CS_API_2_1_7,
            encryption=gcm,
        )
    recorder = Recorder(MDES_CS_API_2_1_7)
    holding_gcm = CodecTransport(MockCarrier(recorder), encryption=gcm)
    with pytest.raises(ValueError, match="GCM"):
        Client(holding_gcm, registry=MDES_CS_API_2_1_7)
    # sent without a client, a 2.1.7 request is refused before anything is sent
    request = Request("token_update", model("token_update", MDES_CS_API_2_1_7), MDES_CS_API_2_1_7)
    with pytest.raises(ValueError, match="GCM"):
        holding_gcm.send(request)
    assert recorder.sent == []
    # GCM with 2.2.2 is what it is for
    client, recorder = recording_client(MDES_CS_API_2_2_2, gcm)
    client.call("token_update", model("token_update", MDES_CS_API_2_2_2))
    sent = json.loads(recorder.body)["TokenUpdateRequest"][EAI]
    assert (sent["algorithmCipherMode"], len(sent["Iv"])) == ("GCM", 24)


def test_settings_that_cannot_be_used_are_refused() -> None:
    with pytest.raises(ValueError, match="wire='json'"):
        Client(InMemoryTransport(fake_mdes(MDES_CS_API_2_2_2, [])), encryption=_CERT)
    with pytest.raises(ValueError, match="wire='json'"):
        InMemoryTransport(fake_mdes(MDES_CS_API_2_2_2, []), encryption=_CERT)
    with pytest.raises(ValueError, match="wire='json'"):
        InMemoryTransport(fake_mdes(MDES_CS_API_2_2_2, []), wire="xml", encryption=_CERT)
    with pytest.raises(ValueError, match="form='json'"):
        CodecTransport(MockCarrier(Recorder(MDES_CS_API_2_2_2)), form="xml", encryption=_CERT)
    with pytest.raises(ValueError, match="form='json'"):
        HttpTransport("https://mdes.test", form="xml", encryption=_CERT)

    with pytest.raises(ValueError, match="needs a wire"):
        InMemoryTransport(fake_mdes(MDES_CS_API_2_2_2, []), decryption_keys=_RING)
    with pytest.raises(ValueError, match="its own context"):
        WsgiApp(DecryptingMdes(MDES_CS_API_2_2_2, _RING), decryption_keys=_RING)

    class Custom:
        def send(self, request: Request) -> Response:
            raise AssertionError

        def close(self) -> None:
            pass

    with pytest.raises(ValueError, match="cannot encrypt"):
        Client(Custom(), encryption=_CERT)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not both"):
        Client(
            CodecTransport(MockCarrier(Recorder(MDES_CS_API_2_2_2)), encryption=_CERT),
            encryption=AccountEncryption(_CERT, mode="GCM"),
        )


def test_without_a_wire_a_request_to_encrypt_is_not_handed_over() -> None:
    seen: list[Request] = []
    transport = InMemoryTransport(fake_mdes(MDES_CS_API_2_2_2, seen))
    request = Request(
        "token_update",
        model("token_update", MDES_CS_API_2_2_2),
        MDES_CS_API_2_2_2,
        encryption=AccountEncryption(_CERT),
    )
    with pytest.raises(ValueError, match="wire='json'"):
        transport.send(request)
    assert seen == []


def test_settings_refuse_what_is_not_a_public_key() -> None:
    with pytest.raises(TypeError, match="not a private key"):
        AccountEncryption(_KEY)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="not a str"):
        Client(CodecTransport(MockCarrier(Recorder(MDES_CS_API_2_2_2))), encryption="cert.pem")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="oaep_hash"):
        AccountEncryption(_CERT, oaep_hash="SHA1")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="mode"):
        AccountEncryption(_CERT, mode="ECB")  # type: ignore[arg-type]
    assert AccountEncryption.of(_CERT) == AccountEncryption(_CERT, "SHA256", "CBC")
    assert AccountEncryption.of(None) is None


# -- nothing secret shown ---------------------------------------------------------------------


def _secrets() -> Iterator[str]:
    public = _KEY.public_key()
    yield format(public.public_numbers().n, "x")[:32]
    yield str(public.public_numbers().n)[:32]
    for pem in (
        _CERT.public_bytes(serialization.Encoding.PEM),
        public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        _KEY.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    ):
        yield pem.decode().splitlines()[1][:32]
    yield _CERT.public_bytes(serialization.Encoding.DER).hex()[:32]


@pytest.mark.parametrize("public", [_CERT, _KEY.public_key()], ids=["certificate", "key"])
def test_reprs_and_errors_show_no_key_material(public: Any) -> None:
    settings_ = AccountEncryption(public, mode="GCM")
    recorder = Recorder(MDES_CS_API_2_1_7)
    shown = [
        repr(settings_),
        repr(Client(CodecTransport(MockCarrier(recorder)), encryption=settings_)),
        repr(CodecTransport(MockCarrier(recorder), encryption=settings_)),
        repr(HttpTransport("https://mdes.test", encryption=settings_)),
    ]
    assert fingerprint(public)[:16] in shown[0]
    for refused in (
        lambda: Client(
            CodecTransport(MockCarrier(recorder)), registry=MDES_CS_API_2_1_7, encryption=settings_
        ),
        lambda: AccountEncryption(_KEY),  # type: ignore[arg-type]
        lambda: Client(
            CodecTransport(MockCarrier(recorder), encryption=_CERT), encryption=settings_
        ),
    ):
        with pytest.raises((TypeError, ValueError)) as error:
            refused()
        shown.append(str(error.value))
    for text in shown:
        for secret in _secrets():
            assert secret.lower() not in text.lower(), text


class _NoNetwork(requests.Session):
    """A session that fails the test if anything is sent."""

    def request(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        raise AssertionError("a request was sent")


@pytest.mark.parametrize("registry", [MDES_CS_API_2_1_7, MDES_CS_API_2_2_2], ids=str)
def test_http_never_sends_account_information_in_clear_unless_told(registry: Registry) -> None:
    transport = HttpTransport("https://mdes.test", session=_NoNetwork(), retries=0)
    with (
        Client(transport, registry=registry) as client,
        pytest.raises(ValueError, match="would be sent in clear") as refused,
    ):
        client.call("token_update", model("token_update", registry))
    assert "encryption=" in str(refused.value)
    assert PAN not in str(refused.value)


def test_http_sends_the_plaintext_form_when_told(serve: Callable[[Any], str]) -> None:
    mdes = DecryptingMdes(MDES_CS_API_2_2_2, _RING)
    base = serve(WsgiApp(mdes, registry=MDES_CS_API_2_2_2)) + "/mdes/csapi/v2"
    transport = HttpTransport(base, retries=0, allow_plaintext=True)
    body = model("search", MDES_CS_API_2_2_2)
    with Client(transport, registry=MDES_CS_API_2_2_2) as client:
        client.call("search", body)
    assert mdes.read == [json.loads(plain_bytes("search", body, MDES_CS_API_2_2_2))]
