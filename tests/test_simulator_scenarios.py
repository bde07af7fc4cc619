"""One token's life through the simulated MDES, the same whichever way the requests travel.

The scenario runs three times against a fresh :class:`SimulatedMdes` (same inventory, same
clock): through :class:`InMemoryTransport`, as JSON over HTTP to :class:`WsgiApp`, and with
the legacy update as DataContract XML over HTTP (the CS API steps in JSON). Each step's
outcome (the response model, the MDES reason codes of a refusal, or the rule codes of a
request the client refused to send) must be identical on the three paths (DESIGN.md 6).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any
from wsgiref.types import WSGIApplication

import pytest
import requests

import mdesrules
from mdesrules import Client, InvalidRequest, Inventory, MdesError
from mdesrules.codecs import xml as xml_codec
from mdesrules.fakes.mdes import MemoryStore, SimulatedMdes
from mdesrules.models import AuditInfo, legacy
from mdesrules.models import requests as rq
from mdesrules.transport import Request, Response, Transport
from mdesrules.transports import HttpTransport, InMemoryTransport, WsgiApp

Serve = Callable[[WSGIApplication], str]  # the ``serve`` fixture of conftest.py

TUR = "DWSPMC00000000010906a349d9ca4eb1a4d53e3c90a11d9c"
OTHER = "DWSPMC00000000020906a349d9ca4eb1a4d53e3c90a11d9d"
PAN = "5412345678901232"
NEW_PAN = "5412345678904566"
AUDIT = AuditInfo(user_id="A1435477", user_name="John Smith", organization="Any Bank")
BASE_PATH = "/mdes/csapi/v2"
PATHS = ("memory", "http-json", "http-xml")

Outcome = tuple[Any, ...]


def _engine() -> tuple[SimulatedMdes, list[str]]:
    """A fresh simulator over the inventory, with a clock that ticks one second per call,
    and the list of operations that reached it."""
    inventory = Inventory.from_records(
        [
            {"tokenUniqueReference": TUR, "accountPan": PAN, "status": "A"},
            {"tokenUniqueReference": OTHER, "accountPan": PAN, "status": "A"},
        ]
    )
    start = datetime(2024, 1, 31, 12, 0, tzinfo=UTC)
    ticks = iter(range(10_000))
    engine = SimulatedMdes(
        MemoryStore.from_inventory(inventory),
        clock=lambda: start + timedelta(seconds=next(ticks)),
    )
    return engine, []


class _Counted:
    """The engine, recording each operation it is handed."""

    def __init__(self, engine: SimulatedMdes, seen: list[str]) -> None:
        self.engine = engine
        self.seen = seen

    def __call__(self, request: Request) -> Response:
        self.seen.append(request.operation)
        return self.engine(request)


class _Routed:
    """A transport that sends the legacy update one way and everything else another."""

    def __init__(self, legacy_update: Transport, others: Transport) -> None:
        self.legacy_update = legacy_update
        self.others = others

    def send(self, request: Request) -> Response:
        if request.operation == "legacy_update":
            return self.legacy_update.send(request)
        return self.others.send(request)

    def close(self) -> None:
        self.legacy_update.close()
        self.others.close()

    def __enter__(self) -> _Routed:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _transport(path: str, handler: _Counted, serve: Serve) -> tuple[Transport, str | None]:
    """The transport of *path*, and the server's root URL for the HTTP paths."""
    if path == "memory":
        return InMemoryTransport(handler), None
    root = serve(WsgiApp(handler))
    cs = HttpTransport(root + BASE_PATH, retries=0)
    if path == "http-json":
        return cs, root
    return _Routed(HttpTransport(root, form="xml", retries=0), cs), root


# the scenario ------------------------------------------------------------------------------


def _legacy_update(tur: str, comment: str, **fields: str) -> legacy.UpdateRequest:
    return legacy.UpdateRequest(
        token_unique_reference=tur, comment_text=comment, audit_info=AUDIT, **fields
    )


def _update(tur: str, comment: str, **fields: str) -> rq.TokenUpdateRequest:
    return rq.TokenUpdateRequest(
        token_unique_reference=tur, comment_text=comment, audit_info=AUDIT, **fields
    )


CONFLICTING = rq.TokenUpdateRequest(
    token_unique_reference=OTHER, current_account_pan=PAN, expiration_date="0130", audit_info=AUDIT
)
CONFLICTING_LEGACY = legacy.UpdateRequest(
    token_unique_reference=OTHER, current_account_pan=PAN, expiration_date="0130", audit_info=AUDIT
)

#: (name, operation, request) in order; each step's outcome is compared across the paths.
STEPS: tuple[tuple[str, str, object], ...] = (
    ("search", "search", rq.SearchRequest(token_unique_reference=TUR, audit_info=AUDIT)),
    (
        "suspend",
        "token_suspend",
        rq.TokenSuspendRequest(
            token_unique_reference=TUR, reason_code="L", comment_text="Phone lost", audit_info=AUDIT
        ),
    ),
    (
        "legacy update while suspended",
        "legacy_update",
        _legacy_update(TUR, "Card reissued", expiration_date="0130"),
    ),
    (
        "update while suspended",
        "token_update",
        _update(TUR, "New PSN — nouvelle carte", account_pan_sequence_number="01"),
    ),
    (
        "unsuspend",
        "token_unsuspend",
        rq.TokenUnsuspendRequest(
            token_unique_reference=TUR, reason_code="F", comment_text="Found", audit_info=AUDIT
        ),
    ),
    ("search after unsuspend", "search", rq.SearchRequest(account_pan=PAN, audit_info=AUDIT)),
    (
        "delete",
        "token_delete",
        rq.TokenDeleteRequest(token_unique_reference=TUR, reason_code="C", audit_info=AUDIT),
    ),
    (
        "legacy update of the deleted token",
        "legacy_update",
        _legacy_update(TUR, "too late", expiration_date="0231"),
    ),
    (
        "update of the deleted token",
        "token_update",
        _update(TUR, "too late", new_account_pan=NEW_PAN),
    ),
    (
        "PAN-wide update skips the deleted token",
        "token_update",
        rq.TokenUpdateRequest(
            current_account_pan=PAN, expiration_date="0332", comment_text="all", audit_info=AUDIT
        ),
    ),
    ("conflicting update", "token_update", CONFLICTING),
    ("conflicting legacy update", "legacy_update", CONFLICTING_LEGACY),
    (
        "status history",
        "token_status_history",
        rq.TokenStatusHistoryRequest(token_unique_reference=TUR),
    ),
    ("comments", "token_comments", rq.TokenCommentsRequest(token_unique_reference=TUR)),
    ("final search", "search", rq.SearchRequest(account_pan=PAN, audit_info=AUDIT)),
)


def _outcome(client: Client, operation: str, body: object) -> Outcome:
    try:
        return ("ok", client.send(operation, body).body)
    except MdesError as refused:
        return ("refused", refused.status, tuple(e.reason_code for e in refused.errors))
    except InvalidRequest as invalid:
        return ("not sent", tuple(sorted(v.code for v in invalid.report.errors)))


def _run(path: str, serve: Serve) -> tuple[list[Outcome], list[str], SimulatedMdes]:
    engine, seen = _engine()
    transport, _ = _transport(path, _Counted(engine, seen), serve)
    with Client(transport) as client:
        outcomes = [_outcome(client, op, body) for _, op, body in STEPS]
    return outcomes, seen, engine


Runs = dict[str, tuple[list[Outcome], list[str], SimulatedMdes]]


@pytest.fixture
def runs(serve: Serve) -> Runs:
    """The scenario's outcomes, the operations that reached the simulator, and the
    simulator, by path."""
    return {path: _run(path, serve) for path in PATHS}


def test_the_scenario_has_the_same_outcomes_on_every_path(
    runs: Runs,
) -> None:
    expected, _, _ = runs["memory"]
    for path in PATHS[1:]:
        outcomes, _, _ = runs[path]
        for (name, _, _), want, got in zip(STEPS, expected, outcomes, strict=True):
            assert got == want, f"{path}: {name}"


def test_the_scenario_outcomes(
    runs: Runs,
) -> None:
    outcomes, seen, engine = runs["memory"]
    by_name = {name: outcome for (name, _, _), outcome in zip(STEPS, outcomes, strict=True)}
    for name in (
        "search",
        "suspend",
        "legacy update while suspended",
        "update while suspended",
        "unsuspend",
        "delete",
        "PAN-wide update skips the deleted token",
        "status history",
        "comments",
    ):
        assert by_name[name][0] == "ok", name
    legacy_answer = by_name["legacy update while suspended"][1]
    assert isinstance(legacy_answer, legacy.LegacyTokenResponse)
    assert legacy_answer.token is not None
    assert legacy_answer.token.current_status_code == "S"  # an update leaves the state alone

    assert by_name["legacy update of the deleted token"] == ("refused", 400, ("TOKEN_STATE",))
    assert by_name["update of the deleted token"] == ("refused", 400, ("TOKEN_STATE",))
    assert by_name["conflicting update"][0] == "not sent"
    assert "mutually_exclusive" in by_name["conflicting update"][1]
    assert "mutually_exclusive" in by_name["conflicting legacy update"][1]

    pan_wide = by_name["PAN-wide update skips the deleted token"][1]
    assert [t.token_unique_reference for t in pan_wide.tokens.token] == [OTHER]

    history = by_name["status history"][1]
    assert [s.status_code for s in history.statuses.status] == ["D", "A", "S", "S", "S"]
    final = engine.store.get(TUR)
    assert final is not None
    assert final.status.value == "D"
    assert final.account_pan == PAN  # the refused update changed nothing
    assert final.account_pan_expiry == "0130"

    # The requests the client refused never reached the simulator.
    assert seen.count("token_update") == 3
    assert seen.count("legacy_update") == 2
    for path in PATHS[1:]:
        assert runs[path][1] == seen


# the conflicting update, sent anyway -------------------------------------------------------


def _raw(path: str, serve: Serve) -> list[tuple[int, tuple[str, ...]]]:
    """Send the conflicting updates past the client; return each status and reason codes."""
    engine, seen = _engine()
    transport, _ = _transport(path, _Counted(engine, seen), serve)
    with transport:
        answers = [
            transport.send(Request("token_update", CONFLICTING)),
            transport.send(Request("legacy_update", CONFLICTING_LEGACY)),
        ]
    if path != "memory":
        assert seen == []  # the server refused them before the simulator saw them
    return [(a.status, tuple(sorted(e.reason_code or "" for e in a.errors))) for a in answers]


def test_a_conflicting_update_sent_past_the_client_is_refused_alike(serve: Serve) -> None:
    results = {path: _raw(path, serve) for path in PATHS}
    assert results["memory"] == [(400, ("MUTUALLY_EXCLUSIVE",)), (400, ("MUTUALLY_EXCLUSIVE",))]
    for path in PATHS[1:]:
        assert results[path] == results["memory"], path


def test_a_conflicting_update_posted_raw_is_a_400_mdes_error(serve: Serve) -> None:
    engine, seen = _engine()
    root = serve(WsgiApp(_Counted(engine, seen)))
    document = mdesrules.to_wire(CONFLICTING)
    answer = requests.post(root + BASE_PATH + "/token/update", json=document, timeout=10)
    assert answer.status_code == 400
    entries = answer.json()["Errors"]["Error"]
    assert [e["ReasonCode"] for e in entries] == ["MUTUALLY_EXCLUSIVE"]
    assert entries[0]["Recoverable"] == "false"
    assert PAN not in answer.text

    body = xml_codec.encode_request(Request("legacy_update", CONFLICTING_LEGACY))
    answer = requests.post(
        root + "/api/Update", data=body, headers={"Content-Type": "application/xml"}, timeout=10
    )
    assert answer.status_code == 400
    refused = xml_codec.decode_response("legacy_update", 400, answer.content)
    assert [e.reason_code for e in refused.errors] == ["MUTUALLY_EXCLUSIVE"]

    answer = requests.post(
        root + "/api/Update",
        data=json.dumps({"auditInfo": {}}),
        timeout=10,
        headers={"Content-Type": "application/json"},
    )
    assert answer.status_code == 400
    assert seen == []
