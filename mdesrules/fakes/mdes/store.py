"""Token stores of the simulated MDES: where its tokens, comments and status history live.

A store answers the two questions of :class:`~mdesrules.context.TokenSource` (``by_tur``,
``by_pan``), so the token-state rules of :func:`mdesrules.check` read it directly, and holds
everything else MDES keeps about a token (:class:`StoredToken`). Two implementations:

- :class:`MemoryStore`: dictionaries behind a re-entrant lock; the embedded default.
- :class:`SqliteStore`: one SQLite file (stdlib :mod:`sqlite3`); the tokens survive a restart.

Every read-check-apply of the engine runs inside :meth:`TokenStore.transaction`: it holds the
store's lock, so concurrent requests are serialised, and it is all or nothing: when the block
raises, every write made in it is undone (an undo log in memory, ``ROLLBACK`` in SQLite).
Both stores are seeded from the :class:`~mdesrules.context.Inventory` that
``mdesrules check --tokens`` reads.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from os import PathLike
from typing import Any, Protocol

from attrs import field, frozen

from mdesrules.context import Inventory, TokenRecord
from mdesrules.lifecycle import Status, TokenState
from mdesrules.masking import mask_pan, scrub
from mdesrules.models.common import AuditInfo

__all__ = [
    "Comment",
    "HistoryEntry",
    "MemoryStore",
    "SqliteStore",
    "StoredToken",
    "TokenStore",
]

#: The first comment id a new store hands out; ids are 8-digit strings, so they sort both
#: as text and as numbers, and meet the 2.1.7 minimum length of 4.
_FIRST_COMMENT_ID = 1


def _format_comment_id(n: int) -> str:
    return f"{n:08d}"


def _next_comment_after(tokens: Iterable[StoredToken]) -> int:
    """The first comment number above every numeric comment id the *tokens* hold."""
    ids = [int(c.comment_id) for t in tokens for c in t.comments if c.comment_id.isdigit()]
    return max(ids, default=_FIRST_COMMENT_ID - 1) + 1


@frozen
class Comment:
    """One comment on a token: recorded exactly when a request carried ``CommentText``."""

    comment_id: str
    text: str = field(repr=lambda text: repr(scrub(text)))
    date_time: str
    audit_info: AuditInfo | None = None


@frozen
class HistoryEntry:
    """One change of a token, as its status history reports it (oldest first in the store).

    Attributes:
        status: the token's status after the change.
        date_time: when, ISO 8601 UTC (``2024-01-31T12:00:00.000Z``).
        event: what happened: ``activate``, ``suspend``, ``unsuspend``, ``delete``,
            ``update`` (account PAN, expiry, PSN or product configuration) or ``assurance``.
        initiator: the party that asked (``I`` for the issuer, every CS API caller).
        reason_code: the request's ``ReasonCode``, when it has one.
        comment_id: the id of the comment recorded with the change, when text was sent.
        audit_info: the request's ``AuditInfo``.
    """

    status: Status
    date_time: str
    event: str
    initiator: str | None = None
    reason_code: str | None = None
    comment_id: str | None = None
    audit_info: AuditInfo | None = None


@frozen
class StoredToken:
    """Everything the simulated MDES keeps about one token.

    Constructing a token whose status and suspenders disagree raises ``ValueError`` (the
    invariant of :class:`~mdesrules.lifecycle.TokenState`). The repr masks the account PAN.
    """

    token_unique_reference: str = field(repr=lambda tur: repr(scrub(tur)))
    account_pan: str = field(repr=lambda pan: repr(mask_pan(pan)))
    status: Status
    suspenders: frozenset[str] = frozenset()
    account_pan_expiry: str | None = None
    psn: str | None = None
    product_configuration_id: str | None = None
    token_assurance_level: str | None = None
    comments: tuple[Comment, ...] = ()
    history: tuple[HistoryEntry, ...] = ()
    payment_app_instance_id: str | None = field(
        default=None, repr=lambda app: repr(scrub(app) if app is not None else None)
    )
    token_type: str | None = None
    token_requestor_id: str | None = None
    #: Removed from the device and token requestor by a delete with
    #: ``DeleteFromConsumerApp`` ``"true"`` (CS API 2.1.7+), while it stays in MDES.
    deleted_from_consumer_app: bool = False
    #: The payment channels disabled by ``/token/disablepaymentchannels``, in the order
    #: they were disabled, each once.
    disabled_channels: tuple[str, ...] = ()

    def __attrs_post_init__(self) -> None:
        self.state  # noqa: B018 - building the state checks the lifecycle invariant

    @property
    def state(self) -> TokenState:
        """The token's lifecycle state, for :mod:`mdesrules.lifecycle`."""
        return TokenState(self.status, self.suspenders)

    @property
    def record(self) -> TokenRecord:
        """The token as the token-state rules read it."""
        return TokenRecord(
            self.token_unique_reference,
            self.account_pan,
            self.status,
            self.token_assurance_level,
            self.suspenders,
            self.payment_app_instance_id,
            self.token_type,
            self.token_requestor_id,
        )

    @classmethod
    def from_record(cls, record: TokenRecord) -> StoredToken:
        """A new stored token from an inventory record (no comments, no history yet)."""
        return cls(
            record.token_unique_reference,
            record.account_pan,
            record.status,
            record.suspenders,
            token_assurance_level=record.token_assurance_level,
            payment_app_instance_id=record.payment_app_instance_id,
            token_type=record.token_type,
            token_requestor_id=record.token_requestor_id,
        )


class TokenStore(Protocol):
    """What the engine needs of a store; a store is also a ``TokenSource`` for ``Context``."""

    def by_tur(self, tur: str) -> TokenRecord | None:
        """The token with this Token Unique Reference as a rule reads it, or ``None``."""

    def by_pan(self, pan: str) -> tuple[TokenRecord, ...]:
        """Every token of this account PAN as a rule reads it, in the order stored."""

    def get(self, tur: str) -> StoredToken | None:
        """The stored token with this Token Unique Reference, or ``None``."""

    def tokens_of_pan(self, pan: str) -> tuple[StoredToken, ...]:
        """Every stored token of this account PAN, in the order stored."""

    def by_comment_id(self, comment_id: str) -> StoredToken | None:
        """The token a comment belongs to, or ``None``."""

    def tokens(self) -> tuple[StoredToken, ...]:
        """Every stored token, in the order stored."""

    def put(self, token: StoredToken) -> None:
        """Add *token* or replace the token with its Token Unique Reference."""

    def put_many(self, tokens: Iterable[StoredToken]) -> None:
        """Put every token, all or nothing."""

    def transaction(self) -> AbstractContextManager[None]:
        """Hold the store for one read-check-apply; undo its writes if the block raises.

        Transactions nest (an inner one joins the outer one).
        """

    def next_comment_id(self) -> str:
        """A new comment id, greater than every id stored (a rolled-back id may come again)."""

    def close(self) -> None:
        """Release the store's resources."""

    # Optional: reset(tokens), which the simulator's reset (and /__admin/reset) needs.


class _Writes:
    """``put`` and ``put_many`` for a store that writes one token at a time in a transaction."""

    __slots__ = ()

    def transaction(self) -> AbstractContextManager[None]:
        raise NotImplementedError

    def _write(self, token: StoredToken) -> None:
        raise NotImplementedError

    def put(self, token: StoredToken) -> None:
        """Store *token*, replacing the one with its TUR."""
        self.put_many((token,))

    def put_many(self, tokens: Iterable[StoredToken]) -> None:
        """Store every token, all or none."""
        batch = list(tokens)
        for token in batch:
            if not isinstance(token, StoredToken):
                raise TypeError(f"a store holds StoredToken, got {type(token).__name__}")
        with self.transaction():
            for token in batch:
                self._write(token)


class MemoryStore(_Writes):
    """Tokens in dictionaries, behind a re-entrant lock (see the module doc)."""

    def __init__(self, tokens: Iterable[StoredToken] = ()) -> None:
        self.lock = threading.RLock()
        self._by_tur: dict[str, StoredToken] = {}
        self._by_pan: dict[str, dict[str, None]] = {}
        self._seq: dict[str, int] = {}  # insertion order, for tokens_of_pan
        self._counter = 0
        self._comments: dict[str, str] = {}
        self._next_comment = _FIRST_COMMENT_ID
        self._depth = 0
        self._undo: dict[str, StoredToken | None] = {}
        self._undo_comment = _FIRST_COMMENT_ID
        self.put_many(tokens)

    @classmethod
    def from_inventory(cls, inventory: Inventory) -> MemoryStore:
        """A store holding every token of *inventory*."""
        store = cls()
        store.seed(inventory)
        return store

    def seed(self, inventory: Inventory) -> int:
        """Add the tokens of *inventory* not yet stored; return how many were added."""
        with self.transaction():
            new = [
                StoredToken.from_record(r)
                for r in inventory
                if r.token_unique_reference not in self._by_tur
            ]
            self.put_many(new)
            return len(new)

    def by_tur(self, tur: str) -> TokenRecord | None:
        token = self.get(tur)
        return token.record if token is not None else None

    def by_pan(self, pan: str) -> tuple[TokenRecord, ...]:
        return tuple(t.record for t in self.tokens_of_pan(pan))

    def get(self, tur: str) -> StoredToken | None:
        with self.lock:
            return self._by_tur.get(tur)

    def tokens_of_pan(self, pan: str) -> tuple[StoredToken, ...]:
        with self.lock:
            turs = sorted(self._by_pan.get(pan, ()), key=self._seq.__getitem__)
            return tuple(self._by_tur[tur] for tur in turs)

    def by_comment_id(self, comment_id: str) -> StoredToken | None:
        with self.lock:
            tur = self._comments.get(comment_id)
            return self._by_tur.get(tur) if tur is not None else None

    def tokens(self) -> tuple[StoredToken, ...]:
        with self.lock:
            return tuple(self._by_tur.values())

    def _write(self, token: StoredToken) -> None:
        tur = token.token_unique_reference
        old = self._by_tur.get(tur)
        if tur not in self._undo:
            self._undo[tur] = old
        self._replace(tur, old, token)

    def _replace(self, tur: str, old: StoredToken | None, new: StoredToken | None) -> None:
        """Swap *old* for *new* under *tur*, keeping the token's place in every order."""
        if old is not None:
            pans = self._by_pan[old.account_pan]
            del pans[tur]
            if not pans:
                del self._by_pan[old.account_pan]
            for comment in old.comments:
                self._comments.pop(comment.comment_id, None)
        if new is None:
            self._by_tur.pop(tur, None)
            self._seq.pop(tur, None)
            return
        self._by_tur[tur] = new  # an existing key keeps its place
        if tur not in self._seq:
            self._seq[tur] = self._counter
            self._counter += 1
        self._by_pan.setdefault(new.account_pan, {})[tur] = None
        for comment in new.comments:
            self._comments[comment.comment_id] = tur

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self.lock:
            outer = self._depth == 0
            if outer:
                self._undo = {}
                self._undo_comment = self._next_comment
            self._depth += 1
            try:
                yield
            except BaseException:
                if outer:
                    self._rollback()
                raise
            finally:
                self._depth -= 1
                if outer:
                    self._undo = {}

    def _rollback(self) -> None:
        for tur, old in self._undo.items():
            self._replace(tur, self._by_tur.get(tur), old)
        self._next_comment = self._undo_comment

    def next_comment_id(self) -> str:
        with self.lock:
            n = self._next_comment
            self._next_comment += 1
            return _format_comment_id(n)

    def reset(self, tokens: Iterable[StoredToken] = ()) -> None:
        """Forget every token and hold *tokens* instead; comment ids go on above the
        highest the tokens hold (from the first when they hold none).

        Raises:
            RuntimeError: called inside a transaction (a reset cannot be undone).
        """
        batch = list(tokens)
        with self.lock:
            if self._depth:
                raise RuntimeError("a store cannot be reset inside a transaction")
            self._by_tur.clear()
            self._by_pan.clear()
            self._seq.clear()
            self._counter = 0
            self._comments.clear()
            self.put_many(batch)
            self._next_comment = _next_comment_after(batch)

    def close(self) -> None:
        """Nothing to release; kept for the :class:`TokenStore` interface."""

    def __len__(self) -> int:
        return len(self._by_tur)

    def __repr__(self) -> str:
        n = len(self)
        return f"<MemoryStore {n} token{'' if n == 1 else 's'}>"


_SCHEMA = """
CREATE TABLE IF NOT EXISTS tokens (
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
    history TEXT NOT NULL,
    payment_app_instance_id TEXT,
    token_type TEXT,
    token_requestor_id TEXT,
    deleted_from_consumer_app INTEGER,
    disabled_channels TEXT
);
CREATE INDEX IF NOT EXISTS tokens_account_pan ON tokens (account_pan);
CREATE TABLE IF NOT EXISTS comment_ids (
    comment_id TEXT PRIMARY KEY,
    tur TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS counters (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
"""

#: Columns added after the first release, each nullable: a file made by an older version
#: gains them when opened (``ALTER TABLE ... ADD COLUMN``), its tokens with NULL there,
#: which reads as the default (not known, not deleted from the consumer app, no channel
#: disabled).
_ADDED_COLUMNS = (
    ("payment_app_instance_id", "TEXT"),
    ("token_type", "TEXT"),
    ("token_requestor_id", "TEXT"),
    ("deleted_from_consumer_app", "INTEGER"),
    ("disabled_channels", "TEXT"),
)

_COLUMNS = (
    "tur, account_pan, account_pan_expiry, psn, product_configuration_id, "
    "token_assurance_level, status, suspenders, comments, history, "
    "payment_app_instance_id, token_type, token_requestor_id, deleted_from_consumer_app, "
    "disabled_channels"
)
_PLACEHOLDERS = ", ".join(["?"] * len(_COLUMNS.split(",")))
_RECORD_COLUMNS = (
    "tur, account_pan, status, token_assurance_level, suspenders, "
    "payment_app_instance_id, token_type, token_requestor_id"
)


def _audit_to_json(audit: AuditInfo | None) -> dict[str, str | None] | None:
    if audit is None:
        return None
    return {
        "UserId": audit.user_id,
        "UserName": audit.user_name,
        "Organization": audit.organization,
        "Phone": audit.phone,
    }


def _audit_from_json(data: Any) -> AuditInfo | None:
    if data is None:
        return None
    return AuditInfo(
        user_id=data["UserId"],
        user_name=data["UserName"],
        organization=data["Organization"],
        phone=data.get("Phone"),
    )


def _comments_to_json(comments: tuple[Comment, ...]) -> str:
    return json.dumps(
        [
            {
                "id": c.comment_id,
                "text": c.text,
                "at": c.date_time,
                "audit": _audit_to_json(c.audit_info),
            }
            for c in comments
        ]
    )


def _comments_from_json(text: str) -> tuple[Comment, ...]:
    return tuple(
        Comment(c["id"], c["text"], c["at"], _audit_from_json(c["audit"])) for c in json.loads(text)
    )


def _history_to_json(history: tuple[HistoryEntry, ...]) -> str:
    return json.dumps(
        [
            {
                "status": h.status.value,
                "at": h.date_time,
                "event": h.event,
                "initiator": h.initiator,
                "reason": h.reason_code,
                "comment": h.comment_id,
                "audit": _audit_to_json(h.audit_info),
            }
            for h in history
        ]
    )


def _history_from_json(text: str) -> tuple[HistoryEntry, ...]:
    return tuple(
        HistoryEntry(
            Status(h["status"]),
            h["at"],
            h["event"],
            h["initiator"],
            h["reason"],
            h["comment"],
            _audit_from_json(h["audit"]),
        )
        for h in json.loads(text)
    )


class SqliteStore(_Writes):
    """Tokens in one SQLite file, kept across restarts (see the module doc).

    One connection shared by the threads of a process (``check_same_thread=False``), every
    use of it under the store's lock; a transaction is ``BEGIN IMMEDIATE`` .. ``COMMIT``, so
    another process writing the same file waits (up to *timeout* seconds) instead of
    interleaving.

    Args:
        path: the database file (created when missing), or ``":memory:"``.
        timeout: how long to wait for another process's lock, in seconds.
    """

    def __init__(self, path: str | PathLike[str], *, timeout: float = 30.0) -> None:
        self.lock = threading.RLock()
        self._depth = 0
        self._conn = sqlite3.connect(
            path, timeout=timeout, isolation_level=None, check_same_thread=False
        )
        with self.lock:
            if str(path) != ":memory:":
                self._conn.execute("PRAGMA journal_mode = WAL")
            self._conn.execute("PRAGMA synchronous = NORMAL")
            self._conn.executescript(_SCHEMA)
            self._migrate()
            self._conn.execute(
                "INSERT OR IGNORE INTO counters (name, value) VALUES ('comment_id', ?)",
                (_FIRST_COMMENT_ID,),
            )

    def _migrate(self) -> None:
        """Add the columns a file made by an older version lacks (all nullable)."""
        have = {row[1] for row in self._conn.execute("PRAGMA table_info(tokens)")}
        for name, kind in _ADDED_COLUMNS:
            if name not in have:
                self._conn.execute(f"ALTER TABLE tokens ADD COLUMN {name} {kind}")

    @classmethod
    def from_inventory(cls, path: str | PathLike[str], inventory: Inventory) -> SqliteStore:
        """A store at *path* seeded with *inventory* (see :meth:`seed`)."""
        store = cls(path)
        store.seed(inventory)
        return store

    def seed(self, inventory: Inventory) -> int:
        """Add the tokens of *inventory* not yet stored; return how many were added.

        Tokens already in the file keep their stored state (a restart does not undo the
        changes made through the simulator).
        """
        with self.transaction():
            stored = {row[0] for row in self._conn.execute("SELECT tur FROM tokens")}
            new = [
                StoredToken.from_record(r)
                for r in inventory
                if r.token_unique_reference not in stored
            ]
            self.put_many(new)
            return len(new)

    def by_tur(self, tur: str) -> TokenRecord | None:
        with self.lock:
            row = self._conn.execute(
                f"SELECT {_RECORD_COLUMNS} FROM tokens WHERE tur = ?",
                (tur,),
            ).fetchone()
        return _record(row) if row is not None else None

    def by_pan(self, pan: str) -> tuple[TokenRecord, ...]:
        with self.lock:
            rows = self._conn.execute(
                f"SELECT {_RECORD_COLUMNS} FROM tokens WHERE account_pan = ? ORDER BY seq",
                (pan,),
            ).fetchall()
        return tuple(_record(row) for row in rows)

    def get(self, tur: str) -> StoredToken | None:
        with self.lock:
            row = self._conn.execute(
                f"SELECT {_COLUMNS} FROM tokens WHERE tur = ?", (tur,)
            ).fetchone()
        return _token(row) if row is not None else None

    def tokens_of_pan(self, pan: str) -> tuple[StoredToken, ...]:
        with self.lock:
            rows = self._conn.execute(
                f"SELECT {_COLUMNS} FROM tokens WHERE account_pan = ? ORDER BY seq", (pan,)
            ).fetchall()
        return tuple(_token(row) for row in rows)

    def by_comment_id(self, comment_id: str) -> StoredToken | None:
        with self.lock:
            row = self._conn.execute(
                "SELECT tur FROM comment_ids WHERE comment_id = ?", (comment_id,)
            ).fetchone()
            return self.get(row[0]) if row is not None else None

    def tokens(self) -> tuple[StoredToken, ...]:
        with self.lock:
            rows = self._conn.execute(f"SELECT {_COLUMNS} FROM tokens ORDER BY seq").fetchall()
        return tuple(_token(row) for row in rows)

    def _write(self, t: StoredToken) -> None:
        self._conn.execute(
            f"INSERT INTO tokens ({_COLUMNS}) VALUES ({_PLACEHOLDERS}) "
            "ON CONFLICT (tur) DO UPDATE SET account_pan = excluded.account_pan, "
            "account_pan_expiry = excluded.account_pan_expiry, psn = excluded.psn, "
            "product_configuration_id = excluded.product_configuration_id, "
            "token_assurance_level = excluded.token_assurance_level, "
            "status = excluded.status, suspenders = excluded.suspenders, "
            "comments = excluded.comments, history = excluded.history, "
            "payment_app_instance_id = excluded.payment_app_instance_id, "
            "token_type = excluded.token_type, "
            "token_requestor_id = excluded.token_requestor_id, "
            "deleted_from_consumer_app = excluded.deleted_from_consumer_app, "
            "disabled_channels = excluded.disabled_channels",
            (
                t.token_unique_reference,
                t.account_pan,
                t.account_pan_expiry,
                t.psn,
                t.product_configuration_id,
                t.token_assurance_level,
                t.status.value,
                json.dumps(sorted(t.suspenders)),
                _comments_to_json(t.comments),
                _history_to_json(t.history),
                t.payment_app_instance_id,
                t.token_type,
                t.token_requestor_id,
                int(t.deleted_from_consumer_app),
                json.dumps(list(t.disabled_channels)),
            ),
        )
        self._conn.execute("DELETE FROM comment_ids WHERE tur = ?", (t.token_unique_reference,))
        self._conn.executemany(
            "INSERT OR REPLACE INTO comment_ids (comment_id, tur) VALUES (?, ?)",
            [(c.comment_id, t.token_unique_reference) for c in t.comments],
        )

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self.lock:
            outer = self._depth == 0
            if outer:
                self._conn.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                if outer:
                    self._conn.execute("ROLLBACK")
                raise
            self._depth -= 1
            if outer:
                try:
                    self._conn.execute("COMMIT")
                except BaseException:
                    if self._conn.in_transaction:
                        self._conn.execute("ROLLBACK")
                    raise

    def next_comment_id(self) -> str:
        with self.transaction():
            row = self._conn.execute(
                "UPDATE counters SET value = value + 1 WHERE name = 'comment_id' "
                "RETURNING value - 1"
            ).fetchone()
        return _format_comment_id(int(row[0]))

    def reset(self, tokens: Iterable[StoredToken] = ()) -> None:
        """Delete every token and hold *tokens* instead, in one transaction; comment ids go
        on above the highest the tokens hold (from the first when they hold none).

        Raises:
            RuntimeError: called inside a transaction of this store.
        """
        batch = list(tokens)
        with self.lock:
            if self._depth:
                raise RuntimeError("a store cannot be reset inside a transaction")
            with self.transaction():
                self._conn.execute("DELETE FROM tokens")
                self._conn.execute("DELETE FROM comment_ids")
                self._conn.execute(
                    "UPDATE counters SET value = ? WHERE name = 'comment_id'",
                    (_next_comment_after(batch),),
                )
                for token in batch:
                    self._write(token)

    def close(self) -> None:
        """Close the database; the store cannot be used afterwards."""
        with self.lock:
            self._conn.close()

    def __enter__(self) -> SqliteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __len__(self) -> int:
        with self.lock:
            row = self._conn.execute("SELECT COUNT(*) FROM tokens").fetchone()
        return int(row[0])

    def __repr__(self) -> str:
        return "<SqliteStore>"


def _record(row: tuple[Any, ...]) -> TokenRecord:
    tur, pan, status, level, suspenders, app, token_type, requestor = row
    return TokenRecord(
        tur,
        pan,
        Status(status),
        level,
        frozenset(json.loads(suspenders)),
        app,
        token_type,
        requestor,
    )


def _token(row: tuple[Any, ...]) -> StoredToken:
    (
        tur,
        pan,
        expiry,
        psn,
        config,
        level,
        status,
        suspenders,
        comments,
        history,
        app,
        kind,
        requestor,
        from_app,
        channels,
    ) = row
    return StoredToken(
        tur,
        pan,
        Status(status),
        frozenset(json.loads(suspenders)),
        account_pan_expiry=expiry,
        psn=psn,
        product_configuration_id=config,
        token_assurance_level=level,
        comments=_comments_from_json(comments),
        history=_history_from_json(history),
        payment_app_instance_id=app,
        token_type=kind,
        token_requestor_id=requestor,
        deleted_from_consumer_app=bool(from_app),
        disabled_channels=tuple(json.loads(channels)) if channels is not None else (),
    )
