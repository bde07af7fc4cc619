"""The request journal of the simulated MDES: every request recorded, queried, verified,
bounded, thread-safe, and never holding a full PAN."""

from __future__ import annotations

import json
import re
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from strategies_pan import (
    FIXTURE_PAN,
    VALID,
    as_numbers,
    assert_no_exposure,
    field_paths,
    pans,
    placed,
)
from strategies_pan import TUR as CLEAN_TUR

from mdesrules import Client, Inventory, MdesError, Request
from mdesrules.fakes.mdes import (
    Journal,
    MemoryStore,
    SimulatedMdes,
    VerificationError,
    simulator_app,
)
from mdesrules.fakes.mdes.journal import masked
from mdesrules.models import AuditInfo, TokenSuspendRequest, TokenUnsuspendRequest
from mdesrules.registry import REGISTRY
from mdesrules.transports import InMemoryTransport, WsgiCarrier
from mdesrules.wire import WireRequest

TUR = "DWSPMC00000000010906a349d9ca4eb1a4d53e3c90a11d9c"
OTHER = "DWSPMC00000000020906a349d9ca4eb1a4d53e3c90a11d9d"
PAN = "5412345678901232"
AUDIT = AuditInfo(user_id="A1435477", user_name="John Smith", organization="Any Bank")
RECORDS = [
    {"tokenUniqueReference": TUR, "accountPan": PAN, "status": "A"},
    {"tokenUniqueReference": OTHER, "accountPan": PAN, "status": "S", "suspenders": ["C"]},
]
JSON = {"Content-Type": "application/json"}

pytestmark = pytest.mark.mdes_tokens(*RECORDS)


def suspend(tur: str = TUR, reason: str = "L") -> TokenSuspendRequest:
    return TokenSuspendRequest(token_unique_reference=tur, reason_code=reason, audit_info=AUDIT)


def unsuspend(tur: str = TUR) -> TokenUnsuspendRequest:
    return TokenUnsuspendRequest(token_unique_reference=tur, reason_code="F", audit_info=AUDIT)


class Clock:
    """Ticks one second per reading, from 2024-01-31 12:00:00 UTC."""

    def __init__(self) -> None:
        self.now = datetime(2024, 1, 31, 12, 0, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def post(app: Any, path: str, body: bytes, headers: dict[str, str] | None = None) -> int:
    carrier = WsgiCarrier(app, base_url="http://mdes.test")
    return carrier.handle(WireRequest("POST", path, headers or JSON, body)).status


# -- what is recorded ---------------------------------------------------------------------------


def test_a_change_is_recorded_with_its_token_event_and_statuses(
    mdes_client: Client, mdes_journal: Journal
) -> None:
    mdes_client.token_suspend(suspend())
    (entry,) = mdes_journal
    assert (entry.seq, entry.operation, entry.status, entry.tokens) == (
        1,
        "token_suspend",
        200,
        (TUR,),
    )
    assert [
        (c.token, c.event, c.status_before, c.status_after, c.suspenders) for c in entry.changes
    ] == [(TUR, "suspend", "A", "S", ("I",))]
    assert (entry.errors, entry.faults, entry.latency, entry.outcome) == ((), (), 0.0, None)
    assert entry.request["TokenSuspendRequest"]["ReasonCode"] == "L"


def test_a_refusal_is_recorded_with_its_codes_and_paths(
    mdes_client: Client, mdes_journal: Journal
) -> None:
    with pytest.raises(MdesError):
        mdes_client.token_unsuspend(unsuspend(OTHER))  # suspended by the cardholder only
    entry = mdes_journal.last()
    assert entry is not None
    assert (entry.operation, entry.status, entry.changes) == ("token_unsuspend", 400, ())
    assert [(e.reason_code, e.source) for e in entry.errors] == [
        ("SUSPENDER", "/TokenUnsuspendRequest/TokenUniqueReference")
    ]
    assert entry.codes == ("SUSPENDER",)


def test_the_time_is_read_from_the_simulators_clock() -> None:
    clock = Clock()
    store = MemoryStore.from_inventory(Inventory.from_records(RECORDS))
    mdes = SimulatedMdes(store, clock=clock)
    client = Client(InMemoryTransport(mdes))
    client.token_suspend(suspend())
    with pytest.raises(MdesError):
        client.token_suspend(suspend())
    changed, refused = mdes.journal
    token = store.get(TUR)
    assert token is not None
    # A change is journaled at the time its history records; a refusal reads the clock.
    assert changed.at == token.history[-1].date_time == "2024-01-31T12:00:01.000Z"
    assert refused.at == "2024-01-31T12:00:02.000Z"


def test_requests_refused_before_the_simulator_are_recorded_with_their_path(
    mdes: SimulatedMdes,
) -> None:
    app = simulator_app(mdes)
    assert post(app, "/mdes/csapi/v2/token/suspend", b"{not json") == 400
    assert post(app, "/mdes/csapi/v2/nowhere/" + PAN, b"{}") == 404
    assert post(app, "/mdes/csapi/v2/token/suspend", b"{}", {"Content-Type": "text/plain"}) == 415
    malformed, nowhere, media = mdes.journal
    assert (malformed.operation, malformed.status, malformed.codes) == (
        "token_suspend",
        400,
        ("MALFORMED_DOCUMENT",),
    )
    assert (nowhere.operation, nowhere.status, nowhere.path) == (
        None,
        404,
        "/mdes/csapi/v2/nowhere/541234******1232",
    )
    assert media.codes == ("UNSUPPORTED_MEDIA_TYPE",)
    assert malformed.request is None
    assert "no operation at /mdes/csapi/v2/nowhere/541234******1232" in nowhere.describe()


# -- queries ------------------------------------------------------------------------------------


def test_queries_by_operation_token_status_code_and_since(
    mdes_client: Client, mdes_journal: Journal
) -> None:
    mdes_client.token_suspend(suspend())
    with pytest.raises(MdesError):
        mdes_client.token_suspend(suspend())
    mdes_client.token_unsuspend(unsuspend())
    with pytest.raises(MdesError):
        mdes_client.token_unsuspend(unsuspend(OTHER))
    assert [e.seq for e in mdes_journal.by_operation("token_suspend")] == [1, 2]
    assert [e.seq for e in mdes_journal.by_token(OTHER)] == [4]
    assert mdes_journal.count(token=TUR) == 3
    assert mdes_journal.count("token_unsuspend", status=200) == 1
    assert mdes_journal.count(code="suspender") == 2  # in any case
    assert [e.seq for e in mdes_journal.entries(since=2)] == [3, 4]
    assert [e.seq for e in mdes_journal.entries(where=lambda e: bool(e.changes))] == [1, 3]
    assert mdes_journal.count(faulted=True) == 0
    last = mdes_journal.last("token_suspend")
    assert last is not None
    assert last.seq == 2
    assert mdes_journal.last("token_delete") is None
    mdes_journal.clear()
    assert (len(mdes_journal), mdes_journal.total) == (0, 4)
    mdes_client.token_suspend(suspend())
    assert [e.seq for e in mdes_journal] == [5]  # numbering goes on after a clear


# -- verification -------------------------------------------------------------------------------


def test_assert_received_returns_the_matching_entries(
    mdes_client: Client, mdes_journal: Journal
) -> None:
    mdes_client.token_suspend(suspend())
    found = mdes_journal.assert_received("token_suspend", token=TUR, status=200)
    assert [e.seq for e in found] == [1]
    assert mdes_journal.verify("token_suspend", times=1) == found
    mdes_journal.assert_not_received("token_delete")


def test_a_failed_verification_lists_what_was_received_instead(
    mdes_client: Client, mdes_journal: Journal
) -> None:
    mdes_client.token_suspend(suspend())
    with pytest.raises(VerificationError) as failed:
        mdes_journal.assert_received("token_suspend", token=TUR, status=400)
    message = str(failed.value)
    assert message.startswith(
        "expected at least one token_suspend request with token='DWSPMC000000****0906a349d9"
        "ca4eb1a4d53e3c90a11d9c', status=400, found 0; received 1 request(s):\n"
    )
    assert f"  #1 token_suspend -> 200; token {TUR}; suspend A->S" in message
    with pytest.raises(
        VerificationError, match="expected exactly 2 token_suspend request, found 1"
    ):
        mdes_journal.assert_received("token_suspend", times=2)
    with pytest.raises(
        VerificationError, match=r"expected no token_suspend request, found 1:\n  #1"
    ):
        mdes_journal.assert_not_received("token_suspend")


def test_a_verification_of_an_empty_journal_says_so(mdes: SimulatedMdes) -> None:
    with pytest.raises(VerificationError, match=r"the simulator received no request$"):
        mdes.journal.assert_received("search")


def test_a_failed_verification_masks_a_pan_sent_as_a_token(
    mdes: SimulatedMdes, mdes_journal: Journal
) -> None:
    body = json.dumps(
        {"TokenSuspendRequest": {"TokenUniqueReference": PAN, "ReasonCode": "L"}}
    ).encode()
    post(simulator_app(mdes), "/mdes/csapi/v2/token/suspend", body)
    assert mdes_journal.count(token=PAN) == 1  # found by the PAN, kept masked
    with pytest.raises(VerificationError) as failed:
        mdes_journal.assert_received("token_suspend", token=PAN, status=200)
    assert PAN not in str(failed.value)
    assert "541234******1232" in str(failed.value)


# -- bounded, off, thread-safe ------------------------------------------------------------------


def test_the_journal_keeps_the_latest_maxlen_entries() -> None:
    store = MemoryStore.from_inventory(Inventory.from_records(RECORDS))
    mdes = SimulatedMdes(store, journal=Journal(maxlen=3))
    client = Client(InMemoryTransport(mdes))
    for _ in range(5):
        with pytest.raises(MdesError):
            client.token_unsuspend(unsuspend(OTHER))
    assert [e.seq for e in mdes.journal] == [3, 4, 5]
    assert mdes.journal.total == 5


def test_a_journal_of_maxlen_0_records_nothing() -> None:
    store = MemoryStore.from_inventory(Inventory.from_records(RECORDS))
    mdes = SimulatedMdes(store, journal=Journal(maxlen=0))
    Client(InMemoryTransport(mdes)).token_suspend(suspend())
    assert (len(mdes.journal), mdes.journal.total) == (0, 0)


@pytest.mark.parametrize("maxlen", [-1, True, 2.5])
def test_a_bad_maxlen_is_refused(maxlen: Any) -> None:
    with pytest.raises(ValueError, match="maxlen must be an int >= 0"):
        Journal(maxlen=maxlen)


def test_requests_from_many_threads_are_each_recorded_once(mdes: SimulatedMdes) -> None:
    threads, each = 8, 25
    start = threading.Barrier(threads)

    def run() -> None:
        client = Client(InMemoryTransport(mdes))
        start.wait()
        for _ in range(each):
            with pytest.raises(MdesError):
                client.token_unsuspend(unsuspend(OTHER))

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sorted(e.seq for e in mdes.journal) == list(range(1, threads * each + 1))


# -- no full PAN --------------------------------------------------------------------------------

OPERATIONS_2_0_7 = tuple(REGISTRY.names())
#: Tokens with no run of digits longer than four but the PAN's (strategies_pan's fixtures).
CLEAN_RECORDS = [{"tokenUniqueReference": CLEAN_TUR, "accountPan": FIXTURE_PAN, "status": "A"}]


def clean_simulator() -> SimulatedMdes:
    return SimulatedMdes(MemoryStore.from_inventory(Inventory.from_records(CLEAN_RECORDS)))


def _journal_outputs(mdes: SimulatedMdes, pan: str) -> str:
    entries = list(mdes.journal)
    try:
        mdes.journal.assert_received("token_delete", token=pan, status=299)
    except VerificationError as error:
        failed = str(error)
    return "\n".join(
        [
            repr(entries),
            json.dumps([e.to_json() for e in entries]),
            *(e.describe() for e in entries),
            repr([e.request for e in entries]),
            failed,
        ]
    )


@st.composite
def pan_placements(draw: st.DrawFn) -> tuple[str, str, bytes, str]:
    """An operation, a path, a JSON body with *pan* somewhere in it, and the PAN."""
    pan = draw(pans)
    # Operations with a body (a GET such as system_status has none to place a PAN in).
    with_body = [n for n in OPERATIONS_2_0_7 if n in VALID and REGISTRY.get(n).method == "POST"]
    name = draw(st.sampled_from(with_body))
    op = REGISTRY.get(name)
    document = VALID[name]
    spec = op.form("json").spec
    where = draw(st.sampled_from(["field", "unknown", "key", "number", "tur", "url"]))
    path = "/mdes/csapi/v2" + op.path
    if where == "field":
        field = draw(st.sampled_from(list(field_paths(spec))))
        document = placed(document, op.wrapper, field, pan)
    elif where == "unknown":
        document = placed(document, op.wrapper, ("Note",), f"card {pan} lost")
    elif where == "key":
        document = placed(document, op.wrapper, (pan,), "x")
    elif where == "number":
        value: object = as_numbers(pan)[0] if as_numbers(pan) else pan
        document = placed(document, op.wrapper, ("TokenUniqueReference",), value)
    elif where == "tur":
        document = placed(document, op.wrapper, ("TokenUniqueReference",), pan)
    else:
        path = f"/mdes/csapi/v2/token/{pan}"
    return name, path, json.dumps(document).encode(), pan


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(pan_placements())
def test_the_journal_never_holds_a_full_pan(case: tuple[str, str, bytes, str]) -> None:
    _, path, body, pan = case
    mdes = clean_simulator()
    post(simulator_app(mdes), path, body)
    assert len(mdes.journal) == 1
    assert_no_exposure(_journal_outputs(mdes, pan), pan, "the journal")


@given(pans)
def test_the_journal_never_holds_a_full_pan_given_in_process(pan: str) -> None:
    mdes = clean_simulator()
    request = TokenSuspendRequest(
        token_unique_reference=CLEAN_TUR,
        reason_code="L",
        comment_text=f"card {pan}",
        audit_info=AuditInfo(user_id="UserA", user_name="Jane Roe", organization="Any Bank"),
    )
    mdes(Request("token_suspend", request))
    assert mdes.journal.count("token_suspend") == 1
    assert_no_exposure(_journal_outputs(mdes, pan), pan, "the journal")


@given(
    st.recursive(
        st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text()),
        lambda inner: st.one_of(
            st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=20), inner, max_size=3)
        ),
        max_leaves=10,
    ),
    pans,
)
def test_masked_leaves_no_pan_in_any_document(document: object, pan: str) -> None:
    # The document around the PAN holds no digit run of its own that could pass for it.
    assume(re.search(r"[0-9]{7}", json.dumps(document)) is None)
    holder = {"a": document, pan: [pan, f"x{pan}y", int(pan) if pan[0] != "0" else pan]}
    assert_no_exposure(json.dumps(masked(holder)), pan, "a masked document")
