"""Faults on purpose: latency, MDES errors, gateway answers and drops, for chosen requests,
never touching the store before the effect, and seen by a client as their real kind."""

from __future__ import annotations

import contextlib
import json
import threading
from typing import Any

import attrs
import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st

from mdesrules import Client, Inventory, MdesError, Timeout, TransportError, scrub
from mdesrules.fakes.mdes import (
    Fault,
    FaultError,
    FaultSet,
    MemoryStore,
    SimulatedMdes,
    faults,
    simulator_app,
)
from mdesrules.models import (
    AuditInfo,
    TokenStatusHistoryRequest,
    TokenSuspendRequest,
    TokenUnsuspendRequest,
)
from mdesrules.transports import HttpTransport, InMemoryTransport, SimulatorAdapter, WsgiCarrier
from mdesrules.wire import WireRequest

TUR = "DWSPMC00000000010906a349d9ca4eb1a4d53e3c90a11d9c"
OTHER = "DWSPMC00000000020906a349d9ca4eb1a4d53e3c90a11d9d"
PAN = "5412345678901232"
AUDIT = AuditInfo(user_id="A1435477", user_name="John Smith", organization="Any Bank")
RECORDS = [
    {"tokenUniqueReference": TUR, "accountPan": PAN, "status": "A"},
    {"tokenUniqueReference": OTHER, "accountPan": PAN, "status": "A"},
]
BASE = "https://mdes.test/mdes/csapi/v2"

pytestmark = pytest.mark.mdes_tokens(*RECORDS)


def suspend(tur: str = TUR) -> TokenSuspendRequest:
    return TokenSuspendRequest(token_unique_reference=tur, reason_code="L", audit_info=AUDIT)


def unsuspend(tur: str = TUR) -> TokenUnsuspendRequest:
    return TokenUnsuspendRequest(token_unique_reference=tur, reason_code="F", audit_info=AUDIT)


def history(tur: str = TUR) -> TokenStatusHistoryRequest:
    return TokenStatusHistoryRequest(token_unique_reference=tur, audit_info=AUDIT)


def status(mdes: SimulatedMdes, tur: str = TUR) -> str:
    token = mdes.store.get(tur)
    assert token is not None
    return token.status.value


def http_client(mdes: SimulatedMdes, **options: Any) -> Client:
    """The issuer's HttpTransport, reaching *mdes* in process through the requests adapter."""
    session = requests.Session()
    session.mount("https://mdes.test/", SimulatorAdapter(simulator_app(mdes)))
    return Client(HttpTransport(BASE, session=session, **options))


# -- what each kind answers ---------------------------------------------------------------------


def test_an_error_fault_answers_the_callers_mdes_error(
    mdes: SimulatedMdes, mdes_client: Client
) -> None:
    mdes.faults.add(
        faults.mdes_error(
            "ACCOUNT_LOCKED", status=409, source="INPUT", description="locked", recoverable=False
        )
    )
    with pytest.raises(MdesError) as refused:
        mdes_client.token_suspend(suspend())
    (error,) = refused.value.errors
    assert refused.value.status == 409
    assert (error.source, error.reason_code, error.description, error.recoverable) == (
        "INPUT",
        "ACCOUNT_LOCKED",
        "locked",
        "false",
    )
    assert not refused.value.recoverable
    assert status(mdes) == "A"


@pytest.mark.parametrize(
    ("code", "reason"),
    [(502, "BAD_GATEWAY"), (503, "SERVICE_UNAVAILABLE"), (504, "GATEWAY_TIMEOUT")],
)
def test_a_gateway_fault_answers_its_status_with_retry_after(
    mdes: SimulatedMdes, code: int, reason: str
) -> None:
    mdes.faults.add(faults.gateway(code, retry_after=7))
    carrier = WsgiCarrier(simulator_app(mdes), base_url="http://mdes.test")
    body = json.dumps(
        {
            "TokenSuspendRequest": {
                "TokenUniqueReference": TUR,
                "ReasonCode": "L",
                "AuditInfo": {"UserId": "A1", "UserName": "J", "Organization": "B"},
            }
        }
    ).encode()
    answer = carrier.handle(
        WireRequest(
            "POST", "/mdes/csapi/v2/token/suspend", {"Content-Type": "application/json"}, body
        )
    )
    assert answer.status == code
    assert answer.header("Retry-After") == "7"
    assert json.loads(answer.body) == {
        "Errors": {
            "Error": [
                {
                    "Source": "Gateway",
                    "ReasonCode": reason,
                    "Description": f"the gateway answered {code} (a fault of the simulator)",
                    "Recoverable": "true",
                }
            ]
        }
    }


def test_a_drop_in_process_raises_the_broken_connection_error(
    mdes: SimulatedMdes, mdes_client: Client
) -> None:
    mdes.faults.add(faults.drop())
    with pytest.raises(
        TransportError, match=r"broke \(RemoteDisconnected\); the request may have been applied"
    ):
        mdes_client.token_suspend(suspend())
    with pytest.raises(TransportError, match="broke"):  # without a wire form too
        Client(InMemoryTransport(mdes)).token_suspend(suspend())
    assert status(mdes) == "A"
    assert [e.dropped for e in mdes.journal] == [True, True]


def test_latency_waits_through_the_simulators_sleep(
    mdes: SimulatedMdes, mdes_client: Client
) -> None:
    waited: list[float] = []
    mdes.sleep = waited.append
    mdes.faults.add(faults.latency(1.5, operation="token_suspend"))
    mdes.faults.add(faults.latency(0.25))
    mdes_client.token_suspend(suspend())
    mdes_client.token_status_history(history())
    assert waited == [1.75, 0.25]
    assert [e.latency for e in mdes.journal] == [1.75, 0.25]
    assert status(mdes) == "S"  # latency alone answers as usual


def test_latency_after_the_effect_waits_after_it(mdes: SimulatedMdes, mdes_client: Client) -> None:
    seen: list[str] = []
    mdes.sleep = lambda seconds: seen.append(status(mdes))
    mdes.faults.add(faults.latency(2, after=True))
    mdes.faults.add(faults.latency(1))
    mdes_client.token_suspend(suspend())
    assert seen == ["A", "S"]  # before the effect, then after it


# -- which requests -----------------------------------------------------------------------------


def test_a_fault_applies_to_its_operation_and_token_only(
    mdes: SimulatedMdes, mdes_client: Client
) -> None:
    mdes.faults.add(faults.gateway(503, operation="token_suspend", token=OTHER))
    mdes_client.token_suspend(suspend(TUR))
    mdes_client.token_status_history(history(OTHER))
    with pytest.raises(MdesError, match="HTTP 503"):
        mdes_client.token_suspend(suspend(OTHER))
    assert [e.status for e in mdes.journal] == [200, 200, 503]
    assert [bool(e.faults) for e in mdes.journal] == [False, False, True]


def test_times_limits_a_fault_then_removes_it(mdes: SimulatedMdes, mdes_client: Client) -> None:
    fault = mdes.faults.add(faults.gateway(502, times=2))
    for _ in range(2):
        with pytest.raises(MdesError):
            mdes_client.token_status_history(history())
    mdes_client.token_status_history(history())
    assert [e.status for e in mdes.journal] == [502, 502, 200]
    assert list(mdes.faults) == []
    assert mdes.faults.applied(fault.id or "") == 2


def test_the_first_answering_fault_wins(mdes: SimulatedMdes, mdes_client: Client) -> None:
    first = mdes.faults.add(faults.gateway(504))
    mdes.faults.add(faults.drop())
    with pytest.raises(MdesError, match="HTTP 504"):
        mdes_client.token_suspend(suspend())
    entry = mdes.journal.last()
    assert entry is not None
    assert [f.id for f in entry.faults] == [first.id]


@given(seed=st.integers(0, 2**32), share=st.floats(0, 1))
def test_a_share_is_drawn_from_the_seeded_generator(seed: int, share: float) -> None:
    def pattern() -> list[bool]:
        mdes = SimulatedMdes(
            MemoryStore.from_inventory(Inventory.from_records(RECORDS)),
            faults=FaultSet(seed=seed),
        )
        mdes.faults.add(faults.gateway(503, share=share))
        client = Client(InMemoryTransport(mdes))
        for _ in range(30):
            with contextlib.suppress(MdesError):
                client.token_status_history(history())
        return [bool(e.faults) for e in mdes.journal]

    first = pattern()
    assert pattern() == first  # the same seed, the same requests faulted
    if share == 0:
        assert not any(first)
    if share == 1:
        assert all(first)


def test_a_share_faults_about_that_share_of_requests() -> None:
    mdes = SimulatedMdes(MemoryStore.from_inventory(Inventory.from_records(RECORDS)))
    fault = mdes.faults.add(faults.gateway(503, share=0.3))
    client = Client(InMemoryTransport(mdes))
    for _ in range(1000):
        with contextlib.suppress(MdesError):
            client.token_status_history(history())
    faulted = mdes.journal.count(status=503)
    assert 250 <= faulted <= 350  # seed 0: the same count on every run
    assert mdes.faults.applied(fault.id or "") == faulted


# -- the store ----------------------------------------------------------------------------------

CALLS: dict[str, tuple[str, Any]] = {
    "suspend": ("token_suspend", suspend),
    "unsuspend": ("token_unsuspend", unsuspend),
    "history": ("token_status_history", history),
}
ANSWERING = [faults.gateway(503), faults.mdes_error("X_FAULT"), faults.drop()]


@given(
    fault=st.sampled_from(ANSWERING),
    calls=st.lists(st.sampled_from(["suspend", "unsuspend", "history"]), min_size=1, max_size=5),
    tur=st.sampled_from([TUR, OTHER]),
)
def test_a_fault_before_the_effect_never_changes_the_store(
    fault: Fault, calls: list[str], tur: str
) -> None:
    told: list[str] = []
    store = MemoryStore.from_inventory(Inventory.from_records(RECORDS))
    mdes = SimulatedMdes(store, notifier=lambda previous, new, event: told.append(event))
    mdes.faults.add(fault)
    before = store.tokens()
    client = Client(InMemoryTransport(mdes, wire="json"))
    expected = TransportError if fault.kind == "drop" else MdesError
    for call in calls:
        operation, make = CALLS[call]
        with pytest.raises(expected):
            client.call(operation, make(tur))
    assert store.tokens() == before
    assert told == []
    assert all(not e.changes for e in mdes.journal)


def test_a_fault_after_the_effect_applies_it_and_answers_the_fault(
    mdes: SimulatedMdes, mdes_client: Client, mdes_notifications: list[dict[str, Any]]
) -> None:
    mdes.faults.add(faults.gateway(504, after=True, times=1))
    with pytest.raises(MdesError, match="HTTP 504"):
        mdes_client.token_suspend(suspend())
    assert status(mdes) == "S"
    assert [n["status"] for n in mdes_notifications] == ["SUSPENDED"]
    entry = mdes.journal.last()
    assert entry is not None
    assert (entry.status, entry.outcome, [c.event for c in entry.changes]) == (
        504,
        200,
        ["suspend"],
    )
    # The client repeats the write it never heard of: MDES refuses the second suspension.
    with pytest.raises(MdesError) as again:
        mdes_client.token_suspend(suspend())
    assert [e.reason_code for e in again.value.errors] == ["SUSPENDER"]


def test_a_drop_after_the_effect_applies_it(mdes: SimulatedMdes, mdes_client: Client) -> None:
    mdes.faults.add(faults.drop(after=True))
    with pytest.raises(TransportError):
        mdes_client.token_suspend(suspend())
    assert status(mdes) == "S"
    entry = mdes.journal.last()
    assert entry is not None
    assert (entry.status, entry.outcome) == (0, 200)


# -- a client's retry policy --------------------------------------------------------------------


def test_the_http_carrier_honours_retry_after_then_succeeds(
    mdes: SimulatedMdes, monkeypatch: pytest.MonkeyPatch
) -> None:
    paused: list[float] = []
    monkeypatch.setattr("mdesrules.transports.http.time.sleep", paused.append)
    mdes.faults.add(faults.gateway(503, retry_after=2, operation="token_status_history", times=1))
    http_client(mdes, retries=2).token_status_history(history())
    assert paused == [2.0]
    assert [e.status for e in mdes.journal] == [503, 200]


def test_the_http_carrier_does_not_repeat_a_write(
    mdes: SimulatedMdes, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("mdesrules.transports.http.time.sleep", lambda s: None)
    mdes.faults.add(faults.gateway(503, retry_after=0, times=1))
    with pytest.raises(MdesError, match="HTTP 503"):
        http_client(mdes, retries=2).token_suspend(suspend())
    assert [e.status for e in mdes.journal] == [503]
    assert status(mdes) == "A"


def test_the_http_carrier_repeats_a_read_after_a_drop(
    mdes: SimulatedMdes, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("mdesrules.transports.http.time.sleep", lambda s: None)
    mdes.faults.add(faults.drop(times=1))
    http_client(mdes, retries=1).token_status_history(history())
    assert [e.status for e in mdes.journal] == [0, 200]


def test_a_drop_over_http_is_what_it_is_in_process(mdes: SimulatedMdes, mdes_url: str) -> None:
    mdes.faults.add(faults.drop())
    with (
        Client(HttpTransport(mdes_url, retries=0)) as client,
        pytest.raises(TransportError) as real,
    ):
        client.token_suspend(suspend())
    with pytest.raises(TransportError) as in_process:
        http_client(mdes, retries=0).token_suspend(suspend())
    host = mdes_url.split("/")[2]
    assert str(real.value).replace(host, "HOST") == str(in_process.value).replace(
        "mdes.test", "HOST"
    )
    with pytest.raises(
        requests.ConnectionError, match="Remote end closed connection without response"
    ):
        requests.post(mdes_url + "/token/suspend", json={}, timeout=10)


def test_latency_over_http_makes_a_client_time_out(mdes: SimulatedMdes, mdes_url: str) -> None:
    release = threading.Event()
    mdes.faults.add(faults.latency(60, operation="token_status_history"))
    mdes.sleep = lambda seconds: release.wait(seconds)  # the test releases it, not the clock
    try:
        with (
            Client(HttpTransport(mdes_url, timeout=(5.0, 0.2), retries=0)) as client,
            pytest.raises(Timeout),
        ):
            client.token_status_history(history())
    finally:
        release.set()


# -- faults as data -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        ({"kind": "slow"}, "kind must be one of latency, error, gateway, drop"),
        ({"kind": "latency"}, "seconds must be above 0"),
        ({"kind": "latency", "seconds": 0}, "seconds must be above 0"),
        ({"kind": "gateway", "status": 500}, "status must be 502, 503 or 504"),
        ({"kind": "error", "status": 200, "reasonCode": "X"}, "from 400 to 599"),
        ({"kind": "error", "status": 500}, "needs a reason_code"),
        ({"kind": "drop", "share": 1.5}, "share must be a number from 0 to 1"),
        ({"kind": "drop", "share": True}, "share must be a number"),
        ({"kind": "drop", "times": 0}, "times must be an integer >= 1"),
        ({"kind": "drop", "retryAfter": 1}, "retry_after belongs to a gateway or error fault"),
        ({"kind": "drop", "reasonCode": "X"}, "belong to an error fault"),
        ({"kind": "drop", "status": 503}, "a drop fault answers no status"),
        ({"kind": "drop", "colour": "red"}, "unknown member 'colour'"),
        ({"kind": "drop", "token": 5412345678901232}, "token must be a string"),
        ([], "a fault must be a JSON object"),
        ({}, "a fault needs a kind"),
    ],
)
def test_a_fault_that_cannot_be_used_is_refused_with_what_to_fix(
    fault: object, message: str
) -> None:
    with pytest.raises(FaultError, match=message):
        Fault.from_json(fault)


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=12)),
    lambda inner: st.lists(inner, max_size=3),
    max_leaves=4,
)
members = st.sampled_from(
    [
        "kind",
        "operation",
        "token",
        "share",
        "times",
        "after",
        "seconds",
        "status",
        "retryAfter",
        "source",
        "reasonCode",
        "description",
        "recoverable",
        "id",
        "other",
    ]
)


@given(
    st.dictionaries(
        members,
        st.one_of(
            json_values, st.sampled_from(["latency", "error", "gateway", "drop", 503, 0.5, 1])
        ),
    )
)
def test_any_json_is_a_fault_or_a_fault_error(document: dict[str, object]) -> None:
    try:
        fault = Fault.from_json(document)
    except FaultError:
        return
    written = fault.to_json()
    assert written["token"] == (None if fault.token is None else scrub(fault.token))
    assert attrs.evolve(Fault.from_json(written), token=fault.token) == fault


def test_a_fault_for_an_operation_not_served_is_refused(mdes: SimulatedMdes) -> None:
    with pytest.raises(FaultError, match="the simulator serves no operation 'token_explode'"):
        mdes.faults.add(faults.drop(operation="token_explode"))
    with pytest.raises(FaultError, match="no fault has the id 'f9'"):
        mdes.faults.remove("f9")


def test_a_fault_repr_masks_its_token() -> None:
    assert repr(faults.drop(token=PAN)) == "Fault(kind='drop', token='541234******1232')"
