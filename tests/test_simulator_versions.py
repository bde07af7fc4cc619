"""The simulated MDES speaking CS API 2.1.7 and 2.2.2: encrypted account information
decrypted before the check, the effects of every operation, the search filters and paging,
answers in each version's response models, and every decryption fault refused with 400 and
nothing applied.

Requests travel as bytes through ``WsgiApp`` (a ``WsgiCarrier``, as ``InMemoryTransport``
sends them), and answers are read back with the JSON codec and the operation's own response
model, as a client of that version reads them.
"""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cs_api_cases import AUDIT, NEW_PAN, PAID, PAN, TUR
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_notify_crypto import make_certificate, make_key

import mdesrules
from mdesrules import Inventory
from mdesrules.account_encryption import AccountEncryption, encrypt_account_information
from mdesrules.apis import MDES_CS_API_2_0_7, MDES_CS_API_2_1_7, MDES_CS_API_2_2_2
from mdesrules.codecs import json as json_codec
from mdesrules.encryption import MAX_ENCRYPTED_DATA_HEX, fingerprint, key_ring
from mdesrules.fakes.mdes import MemoryStore, SimulatedMdes, StoredToken, TokenRequestor
from mdesrules.lifecycle import Status
from mdesrules.registry import Registry
from mdesrules.serving.wsgi import WsgiApp
from mdesrules.testing import luhn_check_digit
from mdesrules.transports import InMemoryTransport
from mdesrules.transports.wsgi import WsgiCarrier
from mdesrules.wire import WireRequest, WireResponse

KEY = make_key()
CERT = make_certificate(KEY)
OTHER = make_key()
KEY_PEM = KEY.private_bytes(
    serialization.Encoding.PEM,
    serialization.PrivateFormat.PKCS8,
    serialization.NoEncryption(),
)
#: The private exponent as hex: no answer may hold any stretch of it.
SECRET_HEX = format(KEY.private_numbers().d, "x")

VERSIONS: dict[str, Registry] = {"2.1.7": MDES_CS_API_2_1_7, "2.2.2": MDES_CS_API_2_2_2}
#: (version, cipher mode, OAEP hash) of the encrypted lifecycles.
CIPHERS = [
    ("2.1.7", "CBC", "SHA256"),
    ("2.1.7", "CBC", "SHA512"),
    ("2.2.2", "CBC", "SHA256"),
    ("2.2.2", "CBC", "SHA512"),
    ("2.2.2", "GCM", "SHA256"),
    ("2.2.2", "GCM", "SHA512"),
]

TUR_AWAITING = "DWSPMC00000000020906a349d9ca4eb1a4d53e3c90a11d9d"
TUR_OTHER = "DWSPMC00000000030906a349d9ca4eb1a4d53e3c90a11d9e"
OTHER_PAN = "5412345678904566"
UNKNOWN_PAN = "541234567890000" + luhn_check_digit("541234567890000")
REQUESTOR = TokenRequestor("00212345678", "Token Requestor LLC", "BestPay")
INVENTORY = [
    {
        "tokenUniqueReference": TUR,
        "accountPan": PAN,
        "status": "A",
        "tokenAssuranceLevel": "1",
        "tokenType": "C",
        "tokenRequestorId": REQUESTOR.token_requestor_id,
    },
    {
        "tokenUniqueReference": TUR_AWAITING,
        "accountPan": PAN,
        "status": "U",
        "paymentAppInstanceId": PAID,
        "tokenType": "C",
    },
    {
        "tokenUniqueReference": TUR_OTHER,
        "accountPan": OTHER_PAN,
        "status": "S",
        "suspenders": ["I"],
    },
]
NOTIFY_AUDIT = {"userId": "A1435477", "userName": "John Smith", "organization": "Any Bank"}


def clock() -> datetime:
    return datetime(2025, 1, 31, 12, 0, tzinfo=UTC)


def new_store() -> MemoryStore:
    return MemoryStore.from_inventory(Inventory.from_records(INVENTORY))


def snapshot(store: MemoryStore) -> tuple[StoredToken, ...]:
    return store.tokens()


class Sim:
    """A simulated MDES of one version behind its WSGI app, and a client of bytes."""

    def __init__(
        self,
        version: str,
        *,
        keys: Any = (KEY, CERT),
        store: MemoryStore | None = None,
    ) -> None:
        self.registry = VERSIONS[version]
        self.store = store if store is not None else new_store()
        self.mdes = SimulatedMdes(
            self.store,
            registry=self.registry,
            decryption_keys=keys,
            token_requestors=[REQUESTOR],
            clock=clock,
        )
        app = WsgiApp(self.mdes, registry=self.registry)
        self.carrier = WsgiCarrier(app, base_url="http://mdes.invalid/mdes/csapi/v2")

    def post(self, operation: str, document: object) -> WireResponse:
        op = self.registry.get(operation)
        body = json.dumps(document).encode()
        return self.carrier.handle(
            WireRequest("POST", op.path, {"Content-Type": "application/json"}, body)
        )

    def ok(self, operation: str, document: object) -> Any:
        """The answer's model, after asserting it is a 200 in the operation's response
        model with no member the model does not know."""
        answer = self.post(operation, document)
        assert answer.status == 200, answer.body
        response = json_codec.decode_response(
            operation, answer.status, answer.body, registry=self.registry
        )
        assert response.warnings == (), response.warnings
        assert isinstance(response.body, self.registry.get(operation).response)
        return response.body

    def refused(self, operation: str, document: object, status: int = 400) -> list[str]:
        """The ``ReasonCode`` of each error of a refusal with *status*."""
        answer = self.post(operation, document)
        assert answer.status == status, answer.body
        assert_nothing_secret(answer.body)
        return [e["ReasonCode"] for e in json.loads(answer.body)["Errors"]["Error"]]


def assert_nothing_secret(body: bytes) -> None:
    text = body.decode()
    for pan in (PAN, NEW_PAN, OTHER_PAN):
        assert pan not in text
    assert "PRIVATE KEY" not in text
    assert SECRET_HEX[:24] not in text
    assert 'CurrentAccount":' not in text  # no decrypted JSON quoted back


def encrypt(
    document: dict[str, Any],
    version: str = "2.2.2",
    mode: str = "CBC",
    oaep: str | None = "SHA256",
    recipient: Any = CERT,
) -> dict[str, Any]:
    return encrypt_account_information(
        document,
        public_key_or_certificate=recipient,
        oaep_hash=oaep,  # type: ignore[arg-type]
        mode=mode,  # type: ignore[arg-type]
        version=version,  # type: ignore[arg-type]
    )


def eai(**data: Any) -> dict[str, Any]:
    return {"EncryptedData": data}


def search_by_pan(pan: str = PAN, **extra: Any) -> dict[str, Any]:
    return {
        "SearchRequest": {
            "EncryptedAccountInformation": eai(CurrentAccount={"AccountPan": pan}),
            "AuditInfo": AUDIT,
            **extra,
        }
    }


def activate_by_pan() -> dict[str, Any]:
    return {
        "TokenActivateRequest": {
            "EncryptedAccountInformation": eai(CurrentAccount={"AccountPan": PAN}),
            "PaymentAppInstanceId": PAID,
            "ReasonCode": "A",
            "CommentText": "Cardholder authenticated",
            "AuditInfo": AUDIT,
        }
    }


def update_by_pan(current: str = PAN, new: str = NEW_PAN) -> dict[str, Any]:
    return {
        "TokenUpdateRequest": {
            "EncryptedAccountInformation": eai(
                CurrentAccount={"AccountPan": current},
                NewAccount={"AccountPan": new, "ExpirationDate": "0130"},
            ),
            "CommentText": "Card reissued",
            "AuditInfo": AUDIT,
        }
    }


def by_tur(wrapper: str, tur: str = TUR, **members: Any) -> dict[str, Any]:
    return {wrapper: {"TokenUniqueReference": tur, **members, "AuditInfo": AUDIT}}


def found(answer: Any) -> list[str]:
    """The TURs of a search answer, in order."""
    return [t.token_unique_reference for a in answer.accounts.account for t in a.tokens.token]


# --- a lifecycle per version, every PAN encrypted ------------------------------------------


@pytest.mark.parametrize(("version", "mode", "oaep"), CIPHERS)
def test_a_token_lifecycle_with_encrypted_account_information(
    version: str, mode: str, oaep: str
) -> None:
    sim = Sim(version)

    def sealed(document: dict[str, Any]) -> dict[str, Any]:
        return encrypt(document, version, mode, oaep)

    answer = sim.ok("search", sealed(search_by_pan()))
    assert found(answer) == [TUR, TUR_AWAITING]
    assert [a.account_pan_suffix for a in answer.accounts.account] == [PAN[-4:]]

    answer = sim.ok("token_activate", sealed(activate_by_pan()))
    assert answer.token.token_unique_reference == TUR_AWAITING
    assert answer.token.comment_id is not None
    assert sim.store.get(TUR_AWAITING).status is Status.ACTIVE

    sim.ok("token_suspend", by_tur("TokenSuspendRequest", ReasonCode="L"))
    sim.ok("token_unsuspend", by_tur("TokenUnsuspendRequest", ReasonCode="F"))

    answer = sim.ok("token_update", sealed(update_by_pan()))
    assert sorted(t.token_unique_reference for t in answer.tokens.token) == sorted(
        [TUR, TUR_AWAITING]
    )
    assert {sim.store.get(t).account_pan for t in (TUR, TUR_AWAITING)} == {NEW_PAN}
    assert found(sim.ok("search", sealed(search_by_pan(PAN)))) == []
    answer = sim.ok("search", sealed(search_by_pan(NEW_PAN)))
    assert found(answer) == [TUR, TUR_AWAITING]
    assert [a.expiration_date for a in answer.accounts.account] == ["0130"]

    # DeleteFromConsumerApp: the token stays in MDES, marked.
    sim.ok(
        "token_delete", by_tur("TokenDeleteRequest", ReasonCode="D", DeleteFromConsumerApp="true")
    )
    assert sim.store.get(TUR).status is Status.ACTIVE
    answer = sim.ok("search", sealed(search_by_pan(NEW_PAN)))
    assert [t.token_deleted_from_consumer_app for t in answer.accounts.account[0].tokens.token] == [
        "true",
        "false",
    ]
    kept = sealed(search_by_pan(NEW_PAN, ExcludeTokensDeletedFromConsumerApp="true"))
    assert found(sim.ok("search", kept)) == [TUR_AWAITING]
    sim.ok("token_delete", by_tur("TokenDeleteRequest", ReasonCode="C"))
    assert sim.store.get(TUR).status is Status.DELETED

    channels = by_tur(
        "DisablePaymentChannelsRequest",
        TUR_AWAITING,
        DisabledPaymentChannels={"DisabledChannel": "CONTACTLESS"},
    )
    answer = sim.ok("token_disable_payment_channels", channels)
    assert answer.disabled_payment_channels.disabled_channel == "CONTACTLESS"
    enable = by_tur("DisablePaymentChannelsRequest", TUR_AWAITING, EnableAllPaymentChannels="TRUE")
    answer = sim.ok("token_disable_payment_channels", enable)
    assert answer.disabled_payment_channels.disabled_channel is None
    assert sim.store.get(TUR_AWAITING).disabled_channels == ()

    requestor = {
        "TokenRequestorSearchRequest": {
            "TokenRequestorId": REQUESTOR.token_requestor_id,
            "AuditInfo": AUDIT,
        }
    }
    answer = sim.ok("token_requestor_search", requestor)
    assert (answer.token_requestor_name, answer.token_requestor_consumer_facing_entity_name) == (
        REQUESTOR.name,
        REQUESTOR.consumer_facing_name,
    )

    history = sim.ok(
        "token_status_history", {"TokenStatusHistoryRequest": {"TokenUniqueReference": TUR}}
    )
    assert [s.status_code for s in history.statuses.status] == ["D", "A", "A", "A", "S"]


@pytest.mark.parametrize(("version", "mode", "oaep"), CIPHERS)
def test_the_client_encrypts_and_the_simulator_decrypts_through_in_memory_transport(
    version: str, mode: str, oaep: str
) -> None:
    """The issuer's own client, encrypting after its check, against the simulator: the
    requests travel encrypted (the simulator holds the key), the answers are models."""
    registry = VERSIONS[version]
    store = new_store()
    mdes = SimulatedMdes(store, registry=registry, decryption_keys=(KEY, CERT), clock=clock)
    settings = AccountEncryption(CERT, oaep_hash=oaep, mode=mode)  # type: ignore[arg-type]
    client = mdesrules.Client(
        InMemoryTransport(mdes, wire="json"), registry=registry, encryption=settings
    )

    def call(operation: str, document: dict[str, Any]) -> Any:
        return client.call(operation, mdesrules.parse(operation, document, registry=registry))

    assert found(call("search", search_by_pan())) == [TUR, TUR_AWAITING]
    assert call("token_activate", activate_by_pan()).token.token_unique_reference == TUR_AWAITING
    updated = call("token_update", update_by_pan())
    assert len(updated.tokens.token) == 2
    assert {store.get(t).account_pan for t in (TUR, TUR_AWAITING)} == {NEW_PAN}
    assert found(call("search", search_by_pan(NEW_PAN))) == [TUR, TUR_AWAITING]
    # A simulator without the key cannot read what the client sends.
    blind = mdesrules.Client(
        InMemoryTransport(SimulatedMdes(new_store(), registry=registry), wire="json"),
        registry=registry,
        encryption=settings,
    )
    with pytest.raises(mdesrules.MdesError) as refused:
        blind.call("search", mdesrules.parse("search", search_by_pan(), registry=registry))
    assert [e.reason_code for e in refused.value.errors] == ["NOT_DECRYPTED"]


@pytest.mark.mdes_tokens(INVENTORY)
@pytest.mark.parametrize("mdes_api", ["2.1.7", "2.2.2"], indirect=True)
def test_the_clients_named_methods_answer_in_the_versions_models(
    mdes: SimulatedMdes, mdes_client: mdesrules.Client
) -> None:
    # The pytest plugin's fixtures: a simulator of the version, and a client of it.
    registry = mdes.registry
    suspend = {
        "TokenSuspendRequest": {"TokenUniqueReference": TUR, "ReasonCode": "T", "AuditInfo": AUDIT}
    }
    answer = mdes_client.token_suspend(mdesrules.parse("token_suspend", suspend, registry=registry))
    assert isinstance(answer, registry.get("token_suspend").response)
    assert answer.token.token_unique_reference == TUR


def test_notify_authentication_decision_records_the_decision_and_the_comment() -> None:
    sim = Sim("2.2.2")
    document = {
        "tokenUniqueReference": TUR,
        "authRequestCorrelationId": "550e8400-e29b-41d4-a716-446655440000",
        "authenticationMethod": "Issuer Application",
        "decision": "SUCCESS",
        "commentText": "Cardholder authenticated after tokenization",
        "auditInfo": NOTIFY_AUDIT,
    }
    answer = sim.ok("notify_authentication_decision", document)
    assert answer.token_unique_reference == TUR
    token = sim.store.get(TUR)
    assert answer.comment_id == token.comments[-1].comment_id
    assert (token.status, token.history[-1].event) == (Status.ACTIVE, "authentication_decision")
    # camelCase on the way out too, unwrapped.
    raw = json.loads(sim.post("notify_authentication_decision", document).body)
    assert set(raw) == {"tokenUniqueReference", "commentId"}
    missing = {**document, "tokenUniqueReference": TUR_OTHER[:-1] + "0"}
    assert sim.refused("notify_authentication_decision", missing, 404) == ["UNKNOWN_TOKEN"]


# --- every operation answers in its version's shapes ---------------------------------------


def _requests(version: str) -> dict[str, object]:
    """One valid request (plaintext form) of every operation of *version*, aimed at the
    tokens of :data:`INVENTORY`."""
    requests: dict[str, object] = {
        "search": search_by_pan(),
        "token_activate": activate_by_pan(),
        "token_update": update_by_pan(),
        "token_suspend": by_tur("TokenSuspendRequest", ReasonCode="S", CommentText="Stolen"),
        "token_unsuspend": by_tur("TokenUnsuspendRequest", TUR_OTHER, ReasonCode="F"),
        "token_delete": by_tur("TokenDeleteRequest", ReasonCode="D", DeleteFromConsumerApp="false"),
        "token_status_history": {"TokenStatusHistoryRequest": {"TokenUniqueReference": TUR}},
        "token_comments": {"TokenCommentsRequest": {"TokenUniqueReference": TUR}},
        "transactions": by_tur("TransactionsRequest"),
        "token_activation_methods": {
            "TokenActivationMethodsRequest": {"TokenUniqueReference": TUR_AWAITING}
        },
        "token_resend_activation_code": by_tur(
            "TokenResendActivationCodeRequest", TUR_AWAITING, ActivationMethodId="SMS-0001"
        ),
        "token_reset_mobile_pin": by_tur("TokenResetMobilePinRequest", ReasonCode="N"),
        "update_token_assurance": by_tur("UpdateTokenAssuranceRequest", CommentText="3DS done"),
        "token_disable_payment_channels": by_tur(
            "DisablePaymentChannelsRequest", DisabledPaymentChannels={"DisabledChannel": "P2P"}
        ),
        "token_requestor_search": {
            "TokenRequestorSearchRequest": {
                "TokenRequestorId": REQUESTOR.token_requestor_id,
                "AuditInfo": AUDIT,
            }
        },
    }
    if version == "2.2.2":
        requests["notify_authentication_decision"] = {
            "tokenUniqueReference": TUR,
            "authRequestCorrelationId": "corr-1",
            "authenticationMethod": "Web Portal",
            "decision": "FAILED",
            "auditInfo": NOTIFY_AUDIT,
        }
        requests["search"] = search_by_pan(
            TokenStatusCodes=["A", "U"],
            TokenTypes=["C"],
            CompactResponse="false",
            PageInfo={"Offset": "0", "Limit": "20"},
        )
    return requests


@pytest.mark.parametrize("version", VERSIONS)
def test_every_operation_is_served_in_the_response_model_it_declares(version: str) -> None:
    registry = VERSIONS[version]
    requests = _requests(version)
    assert set(requests) == set(registry.names())  # a new operation needs a case here
    for name, document in requests.items():
        sim = Sim(version)  # a fresh store: each request meets the tokens as listed
        sim.ok(name, document)
        sim = Sim(version)
        if registry.get(name).account_encryption is not None:
            sim.ok(name, encrypt(document, version))  # type: ignore[arg-type]


def test_a_2_0_7_search_answer_is_unchanged_by_the_later_versions() -> None:
    store = new_store()
    mdes = SimulatedMdes(store, registry=MDES_CS_API_2_0_7)
    document = {"SearchRequest": {"AccountPan": PAN, "AuditInfo": AUDIT}}
    answer = mdes.answer_document(MDES_CS_API_2_0_7.get("search"), document, "json")
    tokens = answer.body.accounts.account[0].tokens.token
    assert [t.token_deleted_from_consumer_app for t in tokens] == [None, None]
    assert [t.token_type for t in tokens] == ["C", "C"]


# --- keys ----------------------------------------------------------------------------------


@pytest.mark.parametrize("recipient", [CERT, KEY.public_key()], ids=["certificate", "key"])
def test_a_key_with_its_certificate_opens_what_was_encrypted_for_either(recipient: Any) -> None:
    sim = Sim("2.2.2")
    assert found(sim.ok("search", encrypt(search_by_pan(), recipient=recipient))) == [
        TUR,
        TUR_AWAITING,
    ]


def test_a_bare_key_does_not_know_its_certificate_fingerprint() -> None:
    sim = Sim("2.2.2", keys=KEY)
    assert sim.refused("search", encrypt(search_by_pan(), recipient=CERT)) == ["UNKNOWN_KEY"]
    assert found(sim.ok("search", encrypt(search_by_pan(), recipient=KEY.public_key())))


def test_a_key_ring_is_taken_as_it_is() -> None:
    sim = Sim("2.1.7", keys=key_ring(OTHER, (KEY, CERT)))
    assert found(sim.ok("search", encrypt(search_by_pan(), "2.1.7")))


def test_without_keys_an_encrypted_request_is_refused_and_the_plaintext_form_accepted() -> None:
    sim = Sim("2.2.2", keys=None)
    before = snapshot(sim.store)
    answer = sim.post("token_update", encrypt(update_by_pan()))
    assert answer.status == 400
    (error,) = json.loads(answer.body)["Errors"]["Error"]
    assert error["ReasonCode"] == "NOT_DECRYPTED"
    assert error["Source"] == "/TokenUpdateRequest/EncryptedAccountInformation"
    assert "--encryption-key" in error["Description"]
    assert snapshot(sim.store) == before
    sim.ok("token_update", update_by_pan())
    assert sim.store.get(TUR).account_pan == NEW_PAN


def test_a_decrypted_request_meets_the_same_rules_as_a_plaintext_one() -> None:
    sim = Sim("2.2.2")
    bad_pan = PAN[:-1] + str((int(PAN[-1]) + 1) % 10)
    codes = sim.refused("token_update", encrypt(update_by_pan(new=bad_pan), mode="GCM"))
    assert codes == ["BAD_CHECK_DIGIT"]
    # The token-state rules reach the decrypted PAN: a PAN the store does not know.
    unknown = encrypt(update_by_pan(current=UNKNOWN_PAN))
    assert sim.refused("token_update", unknown, 404) == ["UNKNOWN_TOKEN"]
    assert found(sim.ok("search", encrypt(search_by_pan(UNKNOWN_PAN)))) == []


# --- faults: 400, nothing applied, nothing secret ------------------------------------------

Fault = Callable[[dict[str, Any]], None]


def _info(document: dict[str, Any]) -> dict[str, Any]:
    (body,) = document.values()
    info: dict[str, Any] = body["EncryptedAccountInformation"]
    return info


def _flip(text: str, at: int) -> str:
    digit = (int(text[at], 16) + 1) % 16
    return text[:at] + format(digit, "x") + text[at + 1 :]


def _tamper(member: str, at: int = -1) -> Fault:
    def change(document: dict[str, Any]) -> None:
        info = _info(document)
        info[member] = _flip(info[member], at % len(info[member]))

    return change


def _set(member: str, value: object) -> Fault:
    return lambda document: _info(document).__setitem__(member, value)


def _drop(member: str) -> Fault:
    return lambda document: _info(document).pop(member)


def _truncate_key(document: dict[str, Any]) -> None:
    info = _info(document)
    info["EncryptedKey"] = info["EncryptedKey"][:-64]


def _swap_oaep(document: dict[str, Any]) -> None:
    info = _info(document)
    info["OaepHashingAlgorithm"] = (
        "SHA512" if info["OaepHashingAlgorithm"] == "SHA256" else "SHA256"
    )


#: name -> (modes it applies to, the fault, the ReasonCodes expected).
FAULTS: dict[str, tuple[tuple[str, ...], Fault, list[str]]] = {
    "tampered ciphertext": (("CBC", "GCM"), _tamper("EncryptedData", 5), ["DECRYPTION_FAILED"]),
    "tampered last block": (("CBC", "GCM"), _tamper("EncryptedData", -1), ["DECRYPTION_FAILED"]),
    "tampered session key": (("CBC", "GCM"), _tamper("EncryptedKey", 40), ["DECRYPTION_FAILED"]),
    "tampered IV": (("GCM",), _tamper("Iv", 0), ["DECRYPTION_FAILED"]),
    "tampered tag": (("GCM",), _tamper("tag", 0), ["DECRYPTION_FAILED"]),
    "tampered aad": (("GCM",), _tamper("aad", 0), ["DECRYPTION_FAILED"]),
    "wrong fingerprint": (
        ("CBC", "GCM"),
        _set("PublicKeyFingerprint", fingerprint(OTHER)),
        ["UNKNOWN_KEY"],
    ),
    "truncated EncryptedKey": (("CBC", "GCM"), _truncate_key, ["DECRYPTION_FAILED"]),
    "wrong OAEP hash named": (("CBC", "GCM"), _swap_oaep, ["DECRYPTION_FAILED"]),
    "GCM without tag": (("GCM",), _drop("tag"), ["REQUIRES"]),
    "GCM without aad": (("GCM",), _drop("aad"), ["REQUIRES"]),
    "no EncryptedKey": (("CBC", "GCM"), _drop("EncryptedKey"), ["MISSING_REQUIRED"]),
    "absurd EncryptedKey": (("CBC", "GCM"), _set("EncryptedKey", "ab" * 600), ["TOO_LONG"]),
    "absurd EncryptedData": (
        ("CBC", "GCM"),
        _set("EncryptedData", "ab" * (MAX_ENCRYPTED_DATA_HEX // 2 + 1)),
        ["TOO_LONG"],
    ),
    "EncryptedData not hex": (("CBC", "GCM"), _set("EncryptedData", "zz" * 32), ["BAD_FORMAT"]),
    "EncryptedData a number": (("CBC", "GCM"), _set("EncryptedData", 1234), ["WRONG_TYPE"]),
    "an IV of the other mode": (("GCM",), _set("Iv", "00" * 16), ["BAD_FORMAT"]),
    "an unknown envelope member": (("CBC", "GCM"), _set("Salt", "00"), ["UNKNOWN_FIELD"]),
}
ENCRYPTED_REQUESTS: dict[str, Callable[[], dict[str, Any]]] = {
    "search": search_by_pan,
    "token_activate": activate_by_pan,
    "token_update": update_by_pan,
}


#: The (version, mode) each fault is tried in.
FAULT_CIPHERS = (("2.1.7", "CBC"), ("2.2.2", "CBC"), ("2.2.2", "GCM"))


def _fault_cases() -> list[tuple[str, str, str, str]]:
    cases = []
    for name, (modes, _, _) in FAULTS.items():
        for version, mode in FAULT_CIPHERS:
            if mode in modes:
                for operation in ENCRYPTED_REQUESTS:
                    cases.append((name, version, mode, operation))
    return cases


@pytest.mark.parametrize(("fault", "version", "mode", "operation"), _fault_cases())
def test_every_fault_is_a_400_that_applies_nothing_and_tells_nothing(
    fault: str, version: str, mode: str, operation: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    _, change, codes = FAULTS[fault]
    sim = Sim(version)
    document = encrypt(ENCRYPTED_REQUESTS[operation](), version, mode)
    change(document)
    before = snapshot(sim.store)
    # Answered directly too: the absurd sizes would be refused by the body limit first.
    direct = sim.mdes.answer_document(sim.registry.get(operation), document, "json")
    assert direct.status == 400
    assert [e.reason_code for e in direct.errors] == codes
    if len(json.dumps(document)) < 1_000_000:
        assert sim.refused(operation, document) == codes
    assert snapshot(sim.store) == before
    for pan in (PAN, NEW_PAN):
        assert pan not in caplog.text


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    case=st.sampled_from(CIPHERS),
    member=st.sampled_from(["EncryptedData", "EncryptedKey", "Iv", "tag", "aad"]),
    where=st.integers(min_value=0, max_value=10_000),
)
def test_any_changed_hex_digit_is_refused_with_the_store_unchanged(
    case: tuple[str, str, str], member: str, where: int
) -> None:
    version, mode, oaep = case
    sim = Sim(version)
    document = encrypt(update_by_pan(), version, mode, oaep)
    info = _info(document)
    if member not in info:  # tag and aad: GCM only
        member = "EncryptedData"
    info[member] = _flip(info[member], where % len(info[member]))
    before = snapshot(sim.store)
    answer = sim.post("token_update", document)
    assert answer.status == 400, answer.body
    assert_nothing_secret(answer.body)
    assert snapshot(sim.store) == before


def test_a_body_over_the_limit_is_refused_before_decryption() -> None:
    sim = Sim("2.2.2")
    document = encrypt(search_by_pan())
    _info(document)["EncryptedData"] = "ab" * 600_000
    assert sim.refused("search", document, 413) == ["REQUEST_TOO_LARGE"]


# --- search: filters, paging, compact answers ----------------------------------------------

STATUSES = {
    "A": (Status.ACTIVE, frozenset()),
    "S": (Status.SUSPENDED, frozenset({"I"})),
    "U": (Status.IN_PROGRESS, frozenset()),
    "D": (Status.DELETED, frozenset()),
}
TYPES = ("S", "C", "F", None)
REQUESTORS = ("00212345678", "00298765432", None)


def _many_tokens() -> list[StoredToken]:
    tokens = []
    n = 0
    for code, (status, suspenders) in STATUSES.items():
        for kind in TYPES:
            for requestor in REQUESTORS:
                for from_app in (False, True):
                    n += 1
                    tokens.append(
                        StoredToken(
                            f"DWSPMC{n:042d}",
                            PAN,
                            status,
                            suspenders,
                            token_type=kind,
                            token_requestor_id=requestor,
                            deleted_from_consumer_app=from_app,
                        )
                    )
                    assert tokens[-1].status.value == code
    return tokens


MANY = _many_tokens()
FLAG = st.sampled_from([None, "true", "false"])


def _subset(values: tuple[Any, ...]) -> st.SearchStrategy[list[Any] | None]:
    return st.none() | st.lists(st.sampled_from(values), min_size=1, max_size=4, unique=True)


@settings(max_examples=80, deadline=None)
@given(
    exclude_deleted=FLAG,
    device_only=FLAG,
    exclude_from_app=FLAG,
    statuses=_subset(tuple(STATUSES)),
    types=_subset(("S", "C", "F")),
    requestor=st.sampled_from(REQUESTORS),
)
def test_the_search_answers_exactly_the_tokens_every_filter_keeps(
    exclude_deleted: str | None,
    device_only: str | None,
    exclude_from_app: str | None,
    statuses: list[str] | None,
    types: list[str] | None,
    requestor: str | None,
) -> None:
    sim = Sim("2.2.2", store=MemoryStore(MANY))
    filters = {
        "ExcludeDeletedIndicator": exclude_deleted,
        "IncludeDeviceTokensOnly": device_only,
        "ExcludeTokensDeletedFromConsumerApp": exclude_from_app,
        "TokenStatusCodes": statuses,
        "TokenTypes": types,
        "TokenRequestorId": requestor,
    }
    request = search_by_pan(**{k: v for k, v in filters.items() if v is not None})
    expected = [
        t.token_unique_reference
        for t in MANY
        if not (exclude_deleted == "true" and t.status is Status.DELETED)
        and not (device_only == "true" and t.token_type == "F")
        and not (exclude_from_app == "true" and t.deleted_from_consumer_app)
        and (statuses is None or t.status.value in statuses)
        and (types is None or t.token_type in types)
        and (requestor is None or t.token_requestor_id == requestor)
    ]
    assert found(sim.ok("search", request)) == expected


def test_2_1_7_applies_its_two_filters() -> None:
    sim = Sim("2.1.7", store=MemoryStore(MANY))
    answer = sim.ok(
        "search",
        search_by_pan(IncludeDeviceTokensOnly="true", ExcludeTokensDeletedFromConsumerApp="true"),
    )
    expected = [
        t.token_unique_reference
        for t in MANY
        if t.token_type != "F" and not t.deleted_from_consumer_app
    ]
    assert found(answer) == expected


@settings(max_examples=40, deadline=None)
@given(limit=st.integers(min_value=1, max_value=20), statuses=_subset(tuple(STATUSES)))
def test_pages_cover_the_tokens_found_once_each_in_order(
    limit: int, statuses: list[str] | None
) -> None:
    sim = Sim("2.2.2", store=MemoryStore(MANY))
    extra: dict[str, Any] = {"TokenStatusCodes": statuses} if statuses else {}
    everything = found(sim.ok("search", search_by_pan(**extra)))
    paged: list[str] = []
    offset = 0
    while True:
        page_info = {"Offset": str(offset), "Limit": str(limit)}
        answer = sim.ok("search", search_by_pan(PageInfo=page_info, **extra))
        page = answer.page_info
        assert (page.offset, page.limit, page.total) == (
            str(offset),
            str(limit),
            str(len(everything)),
        )
        assert page.count == str(len(found(answer)))
        if page.count == "0":
            break
        paged += found(answer)
        offset += limit
    assert paged == everything
    assert offset >= len(everything)


def test_an_offset_that_is_not_a_multiple_of_the_limit_is_refused() -> None:
    sim = Sim("2.2.2")
    answer = sim.post("search", search_by_pan(PageInfo={"Offset": "3", "Limit": "2"}))
    assert answer.status == 400
    (error,) = json.loads(answer.body)["Errors"]["Error"]
    assert (error["ReasonCode"], error["Source"]) == (
        "NOT_ALLOWED_VALUE",
        "/SearchRequest/PageInfo/Offset",
    )


def test_a_search_without_page_info_answers_no_page_info() -> None:
    assert Sim("2.2.2").ok("search", search_by_pan()).page_info is None


def test_a_compact_answer_holds_only_the_members_the_spec_lists() -> None:
    sim = Sim("2.2.2")
    raw = json.loads(sim.post("search", search_by_pan(CompactResponse="true")).body)
    (account,) = raw["SearchResponse"]["Accounts"]["Account"]
    assert set(account) == {"Tokens"}
    first, second = account["Tokens"]["Token"]
    assert first == {
        "TokenUniqueReference": TUR,
        "CurrentStatusCode": "A",
        "TokenRequestorId": REQUESTOR.token_requestor_id,
        "TokenType": "C",
        "TokenDeletedFromConsumerApp": "false",
        "TokenRequestorConsumerFacingEntityName": REQUESTOR.consumer_facing_name,
    }
    assert set(second) == {
        "TokenUniqueReference",
        "CurrentStatusCode",
        "TokenType",
        "TokenDeletedFromConsumerApp",
    }


def test_a_full_answer_names_the_token_requestor_the_directory_knows() -> None:
    (token, _) = Sim("2.2.2").ok("search", search_by_pan()).accounts.account[0].tokens.token
    assert (
        token.token_requestor_id,
        token.token_requestor_name,
        token.token_requestor_consumer_facing_entity_name,
    ) == (REQUESTOR.token_requestor_id, REQUESTOR.name, REQUESTOR.consumer_facing_name)


# --- what the store does not hold ----------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
def test_an_update_by_financial_account_is_a_clear_404(version: str) -> None:
    sim = Sim(version)
    before = snapshot(sim.store)
    document = {
        "TokenUpdateRequest": {
            "EncryptedAccountInformation": eai(
                CurrentAccount={"FinancialAccountId": "NL91ABNA0417164300"},
                NewAccount={"NewFinancialAccountId": "NL91ABNA0417164301"},
            ),
            "CurrentFinancialAccountInformation": {
                "InterbankCardAssociationId": "12345678901",
                "CountryCode": "GBR",
            },
            "AuditInfo": AUDIT,
        }
    }
    answer = sim.post("token_update", encrypt(document, version))
    assert answer.status == 404
    (error,) = json.loads(answer.body)["Errors"]["Error"]
    assert error["Source"] == (
        "/TokenUpdateRequest/EncryptedAccountInformation/EncryptedData/CurrentAccount/"
        "FinancialAccountId"
    )
    assert "FinancialAccountId" in error["Description"]
    assert snapshot(sim.store) == before


def test_an_unknown_token_requestor_is_a_404() -> None:
    document = {
        "TokenRequestorSearchRequest": {"TokenRequestorId": "00299999999", "AuditInfo": AUDIT}
    }
    assert Sim("2.1.7").refused("token_requestor_search", document, 404) == [
        "UNKNOWN_TOKEN_REQUESTOR"
    ]


def test_disabled_channels_accumulate_once_each_and_the_latest_is_answered() -> None:
    sim = Sim("2.2.2")

    def disable(channel: str) -> str | None:
        document = by_tur(
            "DisablePaymentChannelsRequest", DisabledPaymentChannels={"DisabledChannel": channel}
        )
        answer = sim.ok("token_disable_payment_channels", document)
        return answer.disabled_payment_channels.disabled_channel  # type: ignore[no-any-return]

    assert disable("ECOMMERCE") == "ECOMMERCE"
    assert disable("P2P") == "P2P"
    assert disable("ECOMMERCE") == "P2P"
    assert sim.store.get(TUR).disabled_channels == ("ECOMMERCE", "P2P")
    # Enable all, then disable one: the one is all that is left.
    both = by_tur(
        "DisablePaymentChannelsRequest",
        EnableAllPaymentChannels="true",
        DisabledPaymentChannels={"DisabledChannel": "POS_SWIPE"},
    )
    sim.ok("token_disable_payment_channels", both)
    assert sim.store.get(TUR).disabled_channels == ("POS_SWIPE",)


def test_the_callers_document_stays_as_it_was_sent() -> None:
    """The simulator decrypts a copy: the caller's document stays encrypted."""
    sim = Sim("2.2.2")
    document = encrypt(update_by_pan())
    kept = copy.deepcopy(document)
    sim.mdes.answer_document(sim.registry.get("token_update"), document, "json")
    assert document == kept
