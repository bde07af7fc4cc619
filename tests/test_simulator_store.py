"""The token stores of the simulated MDES: MemoryStore and SqliteStore pass the same tests."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from attrs import evolve

from mdesrules import Inventory, Status, TokenRecord
from mdesrules.fakes.mdes import (
    Comment,
    HistoryEntry,
    MemoryStore,
    SqliteStore,
    StoredToken,
    TokenStore,
)
from mdesrules.models.common import AuditInfo

PAN_A = "5412345678901232"
PAN_B = "5512345678901231"
AUDIT = AuditInfo(user_id="u1", user_name="Agent", organization="Bank", phone="123")

RECORDS: list[dict[str, object]] = [
    {"tokenUniqueReference": "TUR-A1-00001", "accountPan": PAN_A, "status": "A"},
    {
        "tokenUniqueReference": "TUR-A2-00002",
        "accountPan": PAN_A,
        "status": "S",
        "suspenders": ["I", "W"],
        "tokenAssuranceLevel": "1",
    },
    {"tokenUniqueReference": "TUR-B1-00003", "accountPan": PAN_B, "status": "U"},
]

MakeStore = Callable[[], TokenStore]


@pytest.fixture(params=["memory", "sqlite"])
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MakeStore]:
    opened: list[TokenStore] = []

    def make() -> TokenStore:
        store: TokenStore
        if request.param == "memory":
            store = MemoryStore()
        else:
            store = SqliteStore(tmp_path / f"tokens{len(opened)}.db")
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


def seeded(make: MakeStore) -> TokenStore:
    store = make()
    if isinstance(store, (MemoryStore, SqliteStore)):
        store.seed(Inventory.from_records(RECORDS))
    return store


def test_seeded_from_an_inventory(make_store: MakeStore) -> None:
    store = seeded(make_store)
    record = store.by_tur("TUR-A2-00002")
    assert record == TokenRecord("TUR-A2-00002", PAN_A, Status.SUSPENDED, "1", frozenset("IW"))
    assert [r.token_unique_reference for r in store.by_pan(PAN_A)] == [
        "TUR-A1-00001",
        "TUR-A2-00002",
    ]
    assert store.by_pan("5412345678908880") == ()
    assert store.by_tur("nope") is None
    token = store.get("TUR-B1-00003")
    assert token is not None
    assert token.status is Status.IN_PROGRESS
    assert token.history == ()
    assert token.comments == ()
    assert len(store.tokens()) == 3


def test_seed_keeps_tokens_already_stored(make_store: MakeStore) -> None:
    store = seeded(make_store)
    token = store.get("TUR-A1-00001")
    assert token is not None
    store.put(evolve(token, status=Status.DELETED))
    assert isinstance(store, (MemoryStore, SqliteStore))
    assert store.seed(Inventory.from_records(RECORDS)) == 0
    assert store.by_tur("TUR-A1-00001") == evolve(token.record, status=Status.DELETED)


def test_memory_store_from_inventory() -> None:
    store = MemoryStore.from_inventory(Inventory.from_records(RECORDS))
    assert len(store) == 3
    assert "541234******1232" in repr(store.get("TUR-A1-00001"))
    assert PAN_A not in repr(store.get("TUR-A1-00001"))


def test_put_get_and_moving_a_token_to_another_pan(make_store: MakeStore) -> None:
    store = seeded(make_store)
    token = store.get("TUR-A1-00001")
    assert token is not None
    comment = Comment("00000007", "hello", "2024-01-01T00:00:00.000Z", AUDIT)
    entry = HistoryEntry(
        Status.SUSPENDED, "2024-01-01T00:00:00.000Z", "suspend", "I", "L", "00000007", AUDIT
    )
    changed = evolve(
        token,
        account_pan=PAN_B,
        account_pan_expiry="0128",
        psn="01",
        product_configuration_id="GOLD1",
        token_assurance_level="2",
        status=Status.SUSPENDED,
        suspenders=frozenset("I"),
        comments=(comment,),
        history=(entry,),
    )
    store.put(changed)
    assert store.get("TUR-A1-00001") == changed
    assert [t.token_unique_reference for t in store.tokens_of_pan(PAN_A)] == ["TUR-A2-00002"]
    assert {t.token_unique_reference for t in store.tokens_of_pan(PAN_B)} == {
        "TUR-A1-00001",
        "TUR-B1-00003",
    }
    assert store.by_comment_id("00000007") == changed
    assert store.by_comment_id("00000008") is None


def test_put_refuses_what_is_not_a_stored_token(make_store: MakeStore) -> None:
    store = make_store()
    with pytest.raises(TypeError):
        store.put(TokenRecord("T", PAN_A, Status.ACTIVE))  # type: ignore[arg-type]


def test_a_stored_token_keeps_the_lifecycle_invariant() -> None:
    with pytest.raises(ValueError, match="SUSPENDED"):
        StoredToken("T", PAN_A, Status.ACTIVE, frozenset("I"))


def test_put_many_is_all_or_nothing(make_store: MakeStore) -> None:
    store = seeded(make_store)
    a = store.get("TUR-A1-00001")
    assert a is not None
    with pytest.raises(TypeError):
        store.put_many([evolve(a, status=Status.DELETED), "not a token"])  # type: ignore[list-item]
    assert store.get("TUR-A1-00001") == a


def test_a_failed_transaction_leaves_nothing(make_store: MakeStore) -> None:
    store = seeded(make_store)
    before = store.tokens()
    first = store.next_comment_id()

    def fail() -> None:
        with store.transaction():
            a = store.get("TUR-A1-00001")
            assert a is not None
            store.next_comment_id()
            store.put(evolve(a, account_pan=PAN_B, status=Status.DELETED))
            store.put(StoredToken("NEW-TOKEN-1", PAN_B, Status.ACTIVE))
            assert store.get("NEW-TOKEN-1") is not None  # seen inside the transaction
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        fail()
    assert store.tokens() == before
    assert store.get("NEW-TOKEN-1") is None
    assert [t.token_unique_reference for t in store.tokens_of_pan(PAN_B)] == ["TUR-B1-00003"]
    assert int(store.next_comment_id()) == int(first) + 1


def test_a_committed_transaction_keeps_everything(make_store: MakeStore) -> None:
    store = seeded(make_store)
    with store.transaction():
        with store.transaction():  # nested: joins the outer one
            store.put(StoredToken("NEW-TOKEN-1", PAN_B, Status.ACTIVE))
        store.put(StoredToken("NEW-TOKEN-2", PAN_B, Status.ACTIVE))
    assert store.get("NEW-TOKEN-1") is not None
    assert store.get("NEW-TOKEN-2") is not None


def test_comment_ids_are_unique_and_increasing(make_store: MakeStore) -> None:
    store = make_store()
    ids = [store.next_comment_id() for _ in range(50)]
    assert len(set(ids)) == 50
    assert ids == sorted(ids)
    assert [int(i) for i in ids] == sorted(int(i) for i in ids)
    assert all(len(i) >= 4 for i in ids)


def test_concurrent_writers_lose_nothing(make_store: MakeStore) -> None:
    store = make_store()
    store.put(StoredToken("COUNTER-001", PAN_A, Status.ACTIVE))
    ids: list[str] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(50):
                with store.transaction():
                    token = store.get("COUNTER-001")
                    assert token is not None
                    cid = store.next_comment_id()
                    comment = Comment(cid, "c", "2024-01-01T00:00:00.000Z", None)
                    store.put(evolve(token, comments=(*token.comments, comment)))
                ids.append(cid)
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    token = store.get("COUNTER-001")
    assert token is not None
    assert len(token.comments) == 400
    assert len(set(ids)) == 400
    assert sorted(c.comment_id for c in token.comments) == sorted(ids)


def test_sqlite_store_survives_close_and_reopen(tmp_path: Path) -> None:
    path = tmp_path / "mdes.db"
    store = SqliteStore.from_inventory(path, Inventory.from_records(RECORDS))
    token = store.get("TUR-A1-00001")
    assert token is not None
    cid = store.next_comment_id()
    comment = Comment(cid, "kept", "2024-01-01T00:00:00.000Z", AUDIT)
    entry = HistoryEntry(Status.DELETED, "2024-01-01T00:00:00.000Z", "delete", "I", "C", cid, AUDIT)
    changed = evolve(token, status=Status.DELETED, comments=(comment,), history=(entry,))
    store.put(changed)
    store.close()

    with SqliteStore(path) as reopened:
        assert reopened.seed(Inventory.from_records(RECORDS)) == 0
        assert reopened.get("TUR-A1-00001") == changed
        assert reopened.get("TUR-A2-00002") is not None
        assert reopened.by_comment_id(cid) == changed
        assert len(reopened) == 3
        assert int(reopened.next_comment_id()) > int(cid)


def test_two_sqlite_stores_on_one_file_share_the_counter(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    with SqliteStore(path) as one, SqliteStore(path) as two:
        ids = [one.next_comment_id(), two.next_comment_id(), one.next_comment_id()]
        assert len(set(ids)) == 3


def test_the_payment_app_instance_and_token_type_are_stored(make_store: MakeStore) -> None:
    """The token-state rules of activation by PaymentAppInstanceId and of reset mobile PIN
    read these from the store, as from an inventory; unknown stays unknown (None)."""
    store = make_store()
    assert isinstance(store, (MemoryStore, SqliteStore))
    inventory = Inventory.from_records(
        [
            {
                "tokenUniqueReference": "TUR-C1-00001",
                "accountPan": PAN_A,
                "status": "U",
                "paymentAppInstanceId": "APP-1",
                "tokenType": "C",
            },
            {"tokenUniqueReference": "TUR-X1-00002", "accountPan": PAN_A, "status": "A"},
        ]
    )
    store.seed(inventory)
    assert store.by_tur("TUR-C1-00001") == inventory.by_tur("TUR-C1-00001")
    assert store.by_pan(PAN_A) == inventory.by_pan(PAN_A)
    token = store.get("TUR-C1-00001")
    assert token is not None
    assert (token.payment_app_instance_id, token.token_type) == ("APP-1", "C")
    store.put(evolve(token, status=Status.ACTIVE))
    assert store.get("TUR-C1-00001") == evolve(token, status=Status.ACTIVE)
    other = store.get("TUR-X1-00002")
    assert other is not None
    assert (other.payment_app_instance_id, other.token_type) == (None, None)


def test_what_the_later_api_versions_keep_on_a_token_is_stored(make_store: MakeStore) -> None:
    """The token requestor (from the inventory), the deletion from the consumer app and the
    disabled payment channels survive the store, in the order the channels were disabled."""
    store = make_store()
    assert isinstance(store, (MemoryStore, SqliteStore))
    inventory = Inventory.from_records(
        [
            {
                "tokenUniqueReference": "TUR-R1-00001",
                "accountPan": PAN_A,
                "status": "A",
                "tokenRequestorId": "00212345678",
            }
        ]
    )
    store.seed(inventory)
    assert store.by_tur("TUR-R1-00001") == inventory.by_tur("TUR-R1-00001")
    token = store.get("TUR-R1-00001")
    assert token is not None
    assert (token.token_requestor_id, token.deleted_from_consumer_app, token.disabled_channels) == (
        "00212345678",
        False,
        (),
    )
    changed = evolve(token, deleted_from_consumer_app=True, disabled_channels=("P2P", "ECOMMERCE"))
    store.put(changed)
    assert store.get("TUR-R1-00001") == changed


# The tokens table as the first release created it, before paymentAppInstanceId and tokenType.
_OLD_SCHEMA = """
CREATE TABLE tokens (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    tur TEXT NOT NULL UNIQUE,
    account_pan TEXT NOT NULL,
    account_pan_expiry TEXT,
    psn TEXT,
    product_configuration_id TEXT,
    token_assurance_level TEXT,
    status TEXT NOT NULL,
    suspenders TEXT NOT NULL,
    comments TEXT NOT NULL,
    history TEXT NOT NULL
);
INSERT INTO tokens (tur, account_pan, status, suspenders, comments, history)
VALUES ('TUR-OLD-0001', '5412345678901232', 'U', '[]', '[]', '[]');
"""


def test_a_sqlite_file_of_an_older_version_gains_the_new_columns(tmp_path: Path) -> None:
    """A file written before paymentAppInstanceId and tokenType keeps its tokens, which read
    as not knowing them, and takes new tokens that do."""
    import sqlite3

    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        conn.executescript(_OLD_SCHEMA)
    conn.close()
    with SqliteStore(path) as store:
        old = store.by_tur("TUR-OLD-0001")
        assert old == TokenRecord("TUR-OLD-0001", PAN_A, Status.IN_PROGRESS)
        assert store.get("TUR-OLD-0001") == StoredToken("TUR-OLD-0001", PAN_A, Status.IN_PROGRESS)
        store.seed(
            Inventory.from_records(
                [
                    {
                        "tokenUniqueReference": "TUR-NEW-0002",
                        "accountPan": PAN_A,
                        "status": "U",
                        "paymentAppInstanceId": "APP-9",
                        "tokenType": "S",
                    }
                ]
            )
        )
    with SqliteStore(path) as reopened:  # opening a migrated file again changes nothing
        new = reopened.by_tur("TUR-NEW-0002")
        assert new is not None
        assert (new.payment_app_instance_id, new.token_type) == ("APP-9", "S")
        assert len(reopened) == 2
