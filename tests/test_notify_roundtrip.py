"""Round trip: the simulated MDES changes a token, the notification travels encrypted over
HTTP on loopback to the token requestor's receiver, and the receiver's mirror follows."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from mdesrules import Client, Inventory, MdesError, Status
from mdesrules.fakes.mdes import MemoryStore, SimulatedMdes
from mdesrules.fakes.notifications import NotificationEmitter, http_deliver
from mdesrules.models import requests
from mdesrules.models.common import AuditInfo
from mdesrules.notifications import (
    NOTIFY_PATH,
    NotificationApp,
    NotificationReceiver,
    TokenMirror,
    TokenUpdate,
    decrypt_document,
    key_ring,
)
from mdesrules.transports.memory import InMemoryTransport

PAN = "5412345678901232"
PAN_SAME_RANGE = "5412990000000011"
AUDIT = AuditInfo(user_id="agent7", user_name="Agent Seven", organization="Issuer Bank")
TRID = "98765432101"


def tur(n: int) -> str:
    return f"DWSPMC{n:042d}"


ACTIVE, SUSPENDED_BY_W, IN_PROGRESS, SUSPENDED_BY_I = (tur(i) for i in range(1, 5))
RECORDS: list[dict[str, object]] = [
    {"tokenUniqueReference": ACTIVE, "accountPan": PAN, "status": "A"},
    {"tokenUniqueReference": SUSPENDED_BY_W, "accountPan": PAN, "status": "S", "suspenders": ["W"]},
    {"tokenUniqueReference": IN_PROGRESS, "accountPan": PAN, "status": "U"},
    {"tokenUniqueReference": SUSPENDED_BY_I, "accountPan": PAN, "status": "S", "suspenders": ["I"]},
]


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2024, 1, 31, 12, 0, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class Harness:
    def __init__(self, key: rsa.RSAPrivateKey, serve: Callable[[Any], str], oaep: Any) -> None:
        self.store = MemoryStore.from_inventory(Inventory.from_records(RECORDS))
        self.mirror = TokenMirror()
        self.updates: list[TokenUpdate] = []
        self.answers: list[object] = []
        receiver = NotificationReceiver(
            key_ring(key),
            mirror=self.mirror,
            on_token=self.updates.append,
            response_host="tr.example",
        )
        self.url = serve(NotificationApp(receiver)) + NOTIFY_PATH
        deliver = http_deliver(self.url)

        def record(body: bytes) -> object:
            answer = deliver(body)
            self.answers.append(answer)
            return answer

        self.emitter = NotificationEmitter(
            key.public_key(), record, token_requestor_id=TRID, oaep=oaep
        )
        self.mdes = SimulatedMdes(self.store, clock=Clock(), notifier=self.emitter)
        self.client = Client(InMemoryTransport(self.mdes))


@pytest.fixture(params=["SHA512", "SHA256", None], ids=["oaep-sha512", "oaep-sha256", "pkcs1v15"])
def harness(
    request: pytest.FixtureRequest, key: rsa.RSAPrivateKey, serve: Callable[[Any], str]
) -> Iterator[Harness]:
    h = Harness(key, serve, request.param)
    yield h
    h.client.close()


def test_suspend(harness: Harness) -> None:
    harness.client.token_suspend(
        requests.TokenSuspendRequest(
            token_unique_reference=ACTIVE, reason_code="T", audit_info=AUDIT
        )
    )
    assert harness.mirror.status(ACTIVE) is Status.SUSPENDED
    assert harness.mirror.suspended_by(ACTIVE) == {"ISSUER"}
    mirrored = harness.mirror.get(ACTIVE)
    assert mirrored is not None
    assert mirrored.event_reason_code == "SUSPECTED_FRAUD"
    assert mirrored.token_requestor_id == TRID
    assert mirrored.status_timestamp == "2024-01-31T12:00:01.000Z"
    assert len(harness.answers) == 1
    answer = harness.answers[0]
    assert isinstance(answer, dict)
    assert answer["responseHost"] == "tr.example"
    assert answer["responseId"]


def test_suspend_on_top_of_another_suspender(harness: Harness) -> None:
    harness.client.token_suspend(
        requests.TokenSuspendRequest(
            token_unique_reference=SUSPENDED_BY_W, reason_code="L", audit_info=AUDIT
        )
    )
    assert harness.mirror.suspended_by(SUSPENDED_BY_W) == {"ISSUER", "TOKEN_REQUESTOR"}
    mirrored = harness.mirror.get(SUSPENDED_BY_W)
    assert mirrored is not None
    assert mirrored.event_reason_code == "DEVICE_LOST"


def test_activate(harness: Harness) -> None:
    harness.client.token_activate(
        requests.TokenActivateRequest(
            token_unique_reference=IN_PROGRESS, reason_code="A", audit_info=AUDIT
        )
    )
    assert harness.mirror.status(IN_PROGRESS) is Status.ACTIVE
    mirrored = harness.mirror.get(IN_PROGRESS)
    assert mirrored is not None
    assert mirrored.event_reason_code is None


def test_unsuspend(harness: Harness) -> None:
    harness.client.token_unsuspend(
        requests.TokenUnsuspendRequest(
            token_unique_reference=SUSPENDED_BY_I, reason_code="F", audit_info=AUDIT
        )
    )
    assert harness.mirror.status(SUSPENDED_BY_I) is Status.ACTIVE
    assert harness.mirror.suspended_by(SUSPENDED_BY_I) == frozenset()
    mirrored = harness.mirror.get(SUSPENDED_BY_I)
    assert mirrored is not None
    assert mirrored.event_reason_code == "DEVICE_FOUND"


def test_delete(harness: Harness) -> None:
    harness.client.token_delete(
        requests.TokenDeleteRequest(
            token_unique_reference=SUSPENDED_BY_I, reason_code="C", audit_info=AUDIT
        )
    )
    assert harness.mirror.status(SUSPENDED_BY_I) is Status.DELETED
    assert harness.mirror.suspended_by(SUSPENDED_BY_I) == frozenset()
    mirrored = harness.mirror.get(SUSPENDED_BY_I)
    assert mirrored is not None
    assert mirrored.event_reason_code == "ACCOUNT_CLOSED"


def test_a_whole_lifecycle_in_order(harness: Harness) -> None:
    c = harness.client
    c.token_activate(
        requests.TokenActivateRequest(
            token_unique_reference=IN_PROGRESS, reason_code="C", audit_info=AUDIT
        )
    )
    c.token_suspend(
        requests.TokenSuspendRequest(
            token_unique_reference=IN_PROGRESS, reason_code="S", audit_info=AUDIT
        )
    )
    assert harness.mirror.status(IN_PROGRESS) is Status.SUSPENDED
    c.token_unsuspend(
        requests.TokenUnsuspendRequest(
            token_unique_reference=IN_PROGRESS, reason_code="T", audit_info=AUDIT
        )
    )
    assert harness.mirror.status(IN_PROGRESS) is Status.ACTIVE
    c.token_delete(
        requests.TokenDeleteRequest(
            token_unique_reference=IN_PROGRESS, reason_code="Z", audit_info=AUDIT
        )
    )
    assert harness.mirror.status(IN_PROGRESS) is Status.DELETED
    assert [(u.status, u.event_reason_code) for u in harness.updates] == [
        (Status.ACTIVE, None),
        (Status.SUSPENDED, "DEVICE_STOLEN"),
        (Status.ACTIVE, "NOT_FRAUD"),
        (Status.DELETED, "OTHER"),
    ]


def test_product_configuration_change(harness: Harness) -> None:
    harness.client.token_update(
        requests.TokenUpdateRequest(
            current_account_pan=PAN,
            issuer_product_configuration_id="ANYGOLD101",
            audit_info=AUDIT,
        )
    )
    # A PAN-wide update touches the active and suspended tokens, one notification each.
    assert [u.token_unique_reference for u in harness.updates] == [
        ACTIVE,
        SUSPENDED_BY_W,
        SUSPENDED_BY_I,
    ]
    for update in harness.updates:
        assert update.product_config is not None
        assert update.product_config["issuerProductConfigCode"] == "ANYGOLD101"
    mirrored = harness.mirror.get(SUSPENDED_BY_W)
    assert mirrored is not None
    assert mirrored.status is Status.SUSPENDED
    assert mirrored.suspended_by == {"TOKEN_REQUESTOR"}
    assert mirrored.product_config is not None
    assert mirrored.product_config["issuerProductConfigCode"] == "ANYGOLD101"
    assert IN_PROGRESS not in harness.mirror


def test_account_pan_change_sends_token_info_without_the_pan(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        harness.client.token_update(
            requests.TokenUpdateRequest(
                token_unique_reference=ACTIVE,
                new_account_pan=PAN_SAME_RANGE,
                expiration_date="0128",
                audit_info=AUDIT,
            )
        )
    (update,) = harness.updates
    assert update.token_info is not None
    assert update.token_info["accountPanPrefix"] == "541299"
    assert update.token_info["accountPanSuffix"] == "0011"
    assert update.token_info["accountPanExpiry"] == "0128"
    assert PAN_SAME_RANGE not in json.dumps(dict(update.raw))
    assert PAN_SAME_RANGE not in caplog.text
    assert PAN not in caplog.text


def test_nothing_is_sent_for_a_refused_request(harness: Harness) -> None:
    with pytest.raises(MdesError):
        harness.client.token_unsuspend(
            requests.TokenUnsuspendRequest(
                token_unique_reference=ACTIVE, reason_code="F", audit_info=AUDIT
            )
        )
    assert harness.answers == []
    assert len(harness.mirror) == 0


def test_nothing_is_sent_for_an_assurance_or_psn_change(harness: Harness) -> None:
    harness.client.token_update(
        requests.TokenUpdateRequest(
            token_unique_reference=ACTIVE, account_pan_sequence_number="02", audit_info=AUDIT
        )
    )
    assert harness.answers == []


# -- in-memory capture, and a receiver that is down -----------------------------------------


def test_capture_in_memory(key: rsa.RSAPrivateKey) -> None:
    sent: list[bytes] = []
    store = MemoryStore.from_inventory(Inventory.from_records(RECORDS))
    mdes = SimulatedMdes(
        store,
        clock=Clock(),
        notifier=NotificationEmitter(
            key.public_key(), sent.append, response_host="mdes.test", request_ids=lambda: "r-1"
        ),
    )
    with Client(InMemoryTransport(mdes, wire="json")) as client:
        client.token_suspend(
            requests.TokenSuspendRequest(
                token_unique_reference=ACTIVE, reason_code="Z", audit_info=AUDIT
            )
        )
    (body,) = sent
    envelope = json.loads(body)
    assert envelope["responseHost"] == "mdes.test"
    assert envelope["requestId"] == "r-1"
    assert envelope["encryptedPayload"]["oaepHashingAlgorithm"] == "SHA512"
    assert decrypt_document(envelope["encryptedPayload"], key_ring(key)) == {
        "tokens": [
            {
                "tokenUniqueReference": ACTIVE,
                "status": "SUSPENDED",
                "suspendedBy": ["ISSUER"],
                "eventReasonCode": "OTHER",
                "statusTimestamp": "2024-01-31T12:00:01.000Z",
            }
        ]
    }


def test_a_receiver_that_is_down_does_not_fail_the_change(
    key: rsa.RSAPrivateKey, caplog: pytest.LogCaptureFixture
) -> None:
    store = MemoryStore.from_inventory(Inventory.from_records(RECORDS))
    emitter = NotificationEmitter(key.public_key(), http_deliver("http://127.0.0.1:9/nowhere"))
    mdes = SimulatedMdes(store, clock=Clock(), notifier=emitter)
    with (
        caplog.at_level(logging.ERROR, logger="mdesrules.fakes.mdes"),
        Client(InMemoryTransport(mdes)) as client,
    ):
        client.token_suspend(
            requests.TokenSuspendRequest(
                token_unique_reference=ACTIVE, reason_code="Z", audit_info=AUDIT
            )
        )
    token = store.get(ACTIVE)
    assert token is not None
    assert token.status is Status.SUSPENDED
    assert "the notifier failed (ConnectError)" in caplog.text


def test_a_receiver_that_refuses_is_a_transport_error(
    key: rsa.RSAPrivateKey, serve: Callable[[Any], str]
) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    url = serve(NotificationApp(NotificationReceiver(key_ring(other)))) + NOTIFY_PATH
    emitter = NotificationEmitter(key.public_key(), http_deliver(url))
    from mdesrules import TransportError

    with pytest.raises(TransportError, match="HTTP 400"):
        emitter.deliver(emitter.request_body({"tokens": []}))
