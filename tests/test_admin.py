"""The admin API under /__admin/: journal, tokens, seeding, reset and faults over HTTP, in
JSON, with MDES-shaped refusals and no full PAN."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from hypothesis import given
from strategies_pan import assert_no_exposure, luhn_pans

from mdesrules import Client, Context, Inventory
from mdesrules.fakes.mdes import AdminApp, MemoryStore, SimulatedMdes, simulator_app
from mdesrules.models import AuditInfo, TokenSuspendRequest
from mdesrules.pytest_plugin import LiveServer
from mdesrules.transports import HttpTransport, InMemoryTransport, SimulatorAdapter

TUR = "DWSPMC00000000010906a349d9ca4eb1a4d53e3c90a11d9c"
NEW = "DWSPMCNEWTOKENABCDEFGHIJKLMNOPQRSTUVWXYZ"
PAN = "5412345678901232"
AUDIT = AuditInfo(user_id="A1435477", user_name="John Smith", organization="Any Bank")
ADMIN = "http://mdes.test/__admin"
API = "http://mdes.test/mdes/csapi/v2"

pytestmark = pytest.mark.mdes_tokens(
    {"tokenUniqueReference": TUR, "accountPan": PAN, "status": "A"}
)


@pytest.fixture
def admin(mdes: SimulatedMdes) -> requests.Session:
    """A session that reaches the simulator and its admin API in process."""
    session = requests.Session()
    session.mount("http://mdes.test/", SimulatorAdapter(simulator_app(mdes)))
    return session


def suspend(session: requests.Session, tur: str = TUR) -> requests.Response:
    return session.post(
        API + "/token/suspend",
        json={
            "TokenSuspendRequest": {
                "TokenUniqueReference": tur,
                "ReasonCode": "L",
                "AuditInfo": {"UserId": "A1", "UserName": "J", "Organization": "B"},
            }
        },
    )


def refusal(answer: requests.Response) -> tuple[int, str, str]:
    (error,) = answer.json()["Errors"]["Error"]
    return answer.status_code, error["ReasonCode"], error["Description"]


def test_the_index_names_the_api_and_the_endpoints(admin: requests.Session) -> None:
    for path in ("", "/"):
        index = admin.get(ADMIN + path)
        assert index.status_code == 200
        assert index.headers["Cache-Control"] == "no-store"
        assert index.json()["api"] == "mdes-cs-api-2.0.7"
        assert index.json()["endpoints"]["requests"] == "/__admin/requests"


def test_the_journal_is_listed_polled_and_cleared(admin: requests.Session) -> None:
    assert suspend(admin).status_code == 200
    assert suspend(admin).status_code == 400
    listed = admin.get(ADMIN + "/requests").json()
    assert [(r["seq"], r["operation"], r["status"]) for r in listed["requests"]] == [
        (1, "token_suspend", 200),
        (2, "token_suspend", 400),
    ]
    assert (listed["count"], listed["total"], listed["last"]) == (2, 2, 2)
    assert listed["requests"][0]["changes"] == [
        {
            "token": TUR,
            "event": "suspend",
            "statusBefore": "A",
            "statusAfter": "S",
            "suspenders": ["I"],
        }
    ]
    assert listed["requests"][1]["errors"][0]["reasonCode"] == "SUSPENDER"
    polled = admin.get(ADMIN + "/requests", params={"since": 2}).json()
    assert (polled["requests"], polled["last"]) == ([], 2)
    assert [r["seq"] for r in admin.get(ADMIN + "/requests?limit=1").json()["requests"]] == [2]
    assert admin.get(ADMIN + "/requests?code=suspender").json()["count"] == 1
    assert admin.get(ADMIN + "/requests?status=200&operation=token_suspend").json()["count"] == 1
    assert admin.get(ADMIN + f"/requests?token={TUR}").json()["count"] == 2
    assert admin.delete(ADMIN + "/requests").json() == {"cleared": 2}
    assert admin.get(ADMIN + "/requests").json()["count"] == 0


def test_a_token_is_read_with_its_history(admin: requests.Session) -> None:
    suspend(admin)
    token = admin.get(ADMIN + f"/tokens/{TUR}").json()["token"]
    assert (token["accountPan"], token["status"], token["suspenders"]) == (
        "541234******1232",
        "S",
        ["I"],
    )
    assert [(h["event"], h["status"], h["reasonCode"]) for h in token["history"]] == [
        ("suspend", "S", "L")
    ]
    listed = admin.get(ADMIN + "/tokens").json()
    assert listed["count"] == 1
    assert listed["tokens"][0]["lastChange"] == token["history"][0]["dateTime"]
    assert refusal(admin.get(ADMIN + "/tokens/DWSPMCUNKNOWN")) == (
        404,
        "UNKNOWN_TOKEN",
        "the simulator holds no token with this TokenUniqueReference",
    )


def test_seeding_adds_and_replaces_tokens(admin: requests.Session, mdes: SimulatedMdes) -> None:
    suspend(admin)
    records = [
        {"tokenUniqueReference": TUR, "accountPan": PAN, "status": "A"},
        {"tokenUniqueReference": NEW, "accountPan": PAN, "status": "S", "suspenders": ["C"]},
    ]
    assert admin.post(ADMIN + "/tokens", json=records).json() == {"seeded": 2}
    replaced = mdes.store.get(TUR)
    assert replaced is not None
    assert (replaced.status.value, replaced.history) == ("A", ())
    assert admin.post(ADMIN + "/tokens", json={"tokens": records[1:]}).json() == {"seeded": 1}
    assert len(mdes.store.tokens()) == 2


def test_a_bad_seed_is_refused_with_what_to_fix(
    admin: requests.Session, mdes: SimulatedMdes
) -> None:
    bad = [{"tokenUniqueReference": NEW, "accountPan": "5412345678901232", "status": "Z"}]
    status, code, description = refusal(admin.post(ADMIN + "/tokens", json=bad))
    assert (status, code) == (400, "INVALID_VALUE")
    assert description.startswith("record 1: status:")
    assert refusal(admin.post(ADMIN + "/tokens", json={"TokenUniqueReference": NEW}))[:2] == (
        400,
        "INVALID_VALUE",
    )
    assert refusal(admin.post(ADMIN + "/tokens", data=b"[{"))[:2] == (400, "MALFORMED_DOCUMENT")
    assert mdes.store.get(NEW) is None


def test_reset_puts_the_seed_back_and_forgets_journal_and_faults(
    admin: requests.Session, mdes: SimulatedMdes
) -> None:
    suspend(admin)
    admin.post(
        ADMIN + "/tokens", json=[{"tokenUniqueReference": NEW, "accountPan": PAN, "status": "A"}]
    )
    admin.post(ADMIN + "/faults", json={"kind": "latency", "seconds": 1})
    assert admin.post(ADMIN + "/reset", json={"faults": False}).json() == {
        "reset": ["store", "journal"]
    }
    assert len(mdes.faults) == 1
    assert [t.token_unique_reference for t in mdes.store.tokens()] == [TUR]
    token = mdes.store.get(TUR)
    assert token is not None
    assert (token.status.value, token.history) == ("A", ())
    assert len(mdes.journal) == 0
    assert admin.post(ADMIN + "/reset").json() == {"reset": ["store", "journal", "faults"]}
    assert len(mdes.faults) == 0
    assert refusal(admin.post(ADMIN + "/reset", json={"store": "yes"}))[:2] == (
        400,
        "INVALID_VALUE",
    )


def test_faults_are_added_listed_and_removed(admin: requests.Session) -> None:
    added = admin.post(
        ADMIN + "/faults",
        json={"kind": "gateway", "status": 503, "retryAfter": 3, "operation": "token_suspend"},
    )
    assert added.status_code == 201
    fault = added.json()["fault"]
    assert (fault["kind"], fault["status"], fault["retryAfter"], fault["applied"]) == (
        "gateway",
        503,
        3,
        0,
    )
    outage = suspend(admin)
    assert (outage.status_code, outage.headers["Retry-After"]) == (503, "3")
    assert admin.get(ADMIN + f"/faults/{fault['id']}").json()["fault"]["applied"] == 1
    assert [f["id"] for f in admin.get(ADMIN + "/faults").json()["faults"]] == [fault["id"]]
    journaled = admin.get(ADMIN + "/requests").json()["requests"][-1]
    assert journaled["faults"] == [
        {"id": fault["id"], "kind": "gateway", "after": False, "summary": "503 Retry-After 3"}
    ]
    assert admin.delete(ADMIN + f"/faults/{fault['id']}").json()["removed"]["id"] == fault["id"]
    assert refusal(admin.delete(ADMIN + f"/faults/{fault['id']}"))[:2] == (404, "NOT_FOUND")
    assert suspend(admin).status_code == 200
    admin.post(ADMIN + "/faults", json={"kind": "drop"})
    assert admin.delete(ADMIN + "/faults").json() == {"removed": 1}


def test_a_bad_fault_is_refused_with_what_to_fix(admin: requests.Session) -> None:
    assert refusal(admin.post(ADMIN + "/faults", json={"kind": "latency", "seconds": -1})) == (
        400,
        "INVALID_VALUE",
        "seconds must be above 0 and at most 3600",
    )
    assert refusal(admin.post(ADMIN + "/faults", json={"kind": "drop", "operation": "nope"}))[
        :2
    ] == (400, "INVALID_VALUE")


def test_wrong_methods_paths_and_queries_are_refused(admin: requests.Session) -> None:
    wrong = admin.put(ADMIN + "/faults")
    assert refusal(wrong)[:2] == (405, "METHOD_NOT_ALLOWED")
    assert wrong.headers["Allow"] == "DELETE, GET, POST"
    assert refusal(admin.get(ADMIN + "/nothing"))[:2] == (404, "NOT_FOUND")
    assert refusal(admin.get(ADMIN + "/requests?since=-1"))[:2] == (400, "INVALID_VALUE")
    assert refusal(admin.get(ADMIN + "/tokens?x=1"))[:2] == (400, "INVALID_VALUE")


def test_other_paths_go_to_the_simulator_or_nowhere(mdes: SimulatedMdes) -> None:
    session = requests.Session()
    session.mount("http://mdes.test/", SimulatorAdapter(AdminApp(mdes)))
    assert refusal(session.get("http://mdes.test/mdes/csapi/v2/search"))[:2] == (404, "NOT_FOUND")
    without = requests.Session()
    without.mount("http://mdes.test/", SimulatorAdapter(simulator_app(mdes, admin=False)))
    assert refusal(without.get(ADMIN + "/requests"))[:2] == (404, "NOT_FOUND")


# Comment ids are 8 digits ("00000001"): a PAN holding seven of those digits would look shown.
@given(luhn_pans.filter(lambda pan: "0000000" not in pan and "0000001" not in pan))
def test_no_admin_answer_holds_a_full_pan(pan: str) -> None:
    tur = "DWSPMCTOKENREFERENCEABCDEFGHIJ"
    # A simulator (and client) that let a card number in a comment through as a warning,
    # so that one is stored, and the admin answers must mask it.
    mdes = SimulatedMdes(
        MemoryStore.from_inventory(
            Inventory.from_records(
                [{"tokenUniqueReference": tur, "accountPan": pan, "status": "A"}]
            )
        ),
        pan_in_text="warning",
    )
    session = requests.Session()
    session.mount("http://mdes.test/", SimulatorAdapter(simulator_app(mdes)))
    Client(InMemoryTransport(mdes), Context(pan_in_text="warning")).token_suspend(
        TokenSuspendRequest(
            token_unique_reference=tur,
            reason_code="L",
            comment_text=f"card {pan} lost",
            audit_info=AuditInfo(user_id="UserA", user_name="Jane Roe", organization="Any Bank"),
        )
    )
    session.post(ADMIN + "/faults", json={"kind": "drop", "token": pan})
    answers = [
        session.get(ADMIN + path).text
        for path in ("/tokens", f"/tokens/{tur}", "/requests", "/faults", f"/tokens/{pan}")
    ]
    answers.append(session.post(ADMIN + "/tokens", json=[{"accountPan": pan}]).text)
    assert_no_exposure("\n".join(answers), pan, "the admin API")


def test_the_live_server_serves_the_admin_api(mdes_server: LiveServer, mdes: SimulatedMdes) -> None:
    seeded = requests.post(
        mdes_server.admin + "/tokens",
        json=[{"tokenUniqueReference": NEW, "accountPan": PAN, "status": "A"}],
        timeout=10,
    )
    assert seeded.json() == {"seeded": 1}
    with Client(HttpTransport(mdes_server.url)) as client:
        client.token_suspend(
            TokenSuspendRequest(token_unique_reference=NEW, reason_code="L", audit_info=AUDIT)
        )
    token = requests.get(mdes_server.admin + f"/tokens/{NEW}", timeout=10).json()["token"]
    assert token["status"] == "S"
    assert mdes.journal.count("token_suspend", token=NEW) == 1


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_reset_restores_the_seed_of_either_store(kind: str, tmp_path: Any) -> None:
    from mdesrules.fakes.mdes import SqliteStore

    inventory = Inventory.from_records(
        [{"tokenUniqueReference": TUR, "accountPan": PAN, "status": "A"}]
    )
    store = (
        MemoryStore.from_inventory(inventory)
        if kind == "memory"
        else SqliteStore.from_inventory(tmp_path / "mdes.sqlite", inventory)
    )
    mdes = SimulatedMdes(store)
    client = Client(InMemoryTransport(mdes))
    request = TokenSuspendRequest(
        token_unique_reference=TUR, reason_code="L", comment_text="lost", audit_info=AUDIT
    )
    first = client.token_suspend(request).token.comment_id
    mdes.seed_tokens([{"tokenUniqueReference": NEW, "accountPan": PAN, "status": "A"}])
    mdes.reset()
    assert [(t.token_unique_reference, t.status.value, t.comments) for t in store.tokens()] == [
        (TUR, "A", ())
    ]
    assert client.token_suspend(request).token.comment_id == first  # ids start again
    store.close()


def test_a_store_without_reset_cannot_be_reset(
    mdes: SimulatedMdes, admin: requests.Session
) -> None:
    class Plain:
        def __getattr__(self, name: str) -> Any:
            if name == "reset":
                raise AttributeError(name)
            return getattr(store, name)

    store = mdes.store
    mdes.store = Plain()  # type: ignore[assignment]
    with pytest.raises(TypeError, match="has no reset"):
        mdes.reset()
    assert refusal(admin.post(ADMIN + "/reset"))[:2] == (400, "INVALID_VALUE")
