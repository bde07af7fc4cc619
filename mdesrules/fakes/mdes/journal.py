"""The request journal of the simulated MDES: what it received, and what it answered.

Every request the simulator receives is recorded as one :class:`JournalEntry`: its
operation, the tokens it named, the answer's status, the errors it was refused with
(violation codes and paths), the changes it applied to tokens (event, status before and
after), the faults that applied to it, and when (read from the simulator's clock). A test
asks what its system sent, and what MDES answered, without capturing anything itself::

    >>> from mdesrules.fakes.mdes.journal import Journal
    >>> journal = Journal(maxlen=100)
    >>> journal.count()
    0

and :meth:`Journal.assert_received` verifies, with a failure message that lists what was
received instead.

The journal holds no full PAN. It keeps no raw request: the document as received is kept
with every run of nine or more digits masked (first six, last four; keys too, and numbers),
errors and paths are masked the same way, and a Token Unique Reference the store does not
know is kept masked (a PAN sent where a TUR belongs stays a masked PAN). Tokens the store
knows are kept as they are, since the store holds them in clear and the answers name them.

It is bounded: at most ``maxlen`` entries (the oldest go first), and thread-safe: the
threaded server records from many threads at once.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

from attrs import field, frozen

from mdesrules.masking import scrub
from mdesrules.models.responses import Error

__all__ = [
    "DEFAULT_MAXLEN",
    "AppliedFault",
    "Change",
    "Journal",
    "JournalEntry",
    "VerificationError",
    "masked",
]

#: How many entries a journal keeps by default.
DEFAULT_MAXLEN = 1000

#: How many of the latest entries a failed verification lists.
_SHOWN = 20


def _masked_text(text: str) -> str:
    # Most keys and many values hold no digit at all (any Unicode digit is not alpha).
    if len(text) < 9 or text.isalpha():
        return text
    return scrub(text)


def masked(value: object) -> Any:
    """*value* (a parsed document) with every run of nine or more digits masked, in
    strings, keys and numbers alike; other values as they are."""
    if isinstance(value, str):
        return _masked_text(value)
    if isinstance(value, dict):
        return {_masked_text(str(k)): masked(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [masked(v) for v in value]
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        try:
            text = repr(value)
        except ValueError:  # an int too long to print: certainly not shown
            return "<number>"
        shown = scrub(text)
        return value if shown == text else shown
    return scrub(type(value).__name__)


@frozen
class Change:
    """One change a request applied to a token, as recorded in its status history.

    Attributes:
        token: the token's Token Unique Reference.
        event: what happened (``suspend``, ``update``, ...; the history's event).
        status_before: the token's status before (``A``, ``S``, ``U``, ``D``).
        status_after: its status after.
        suspenders: who holds it suspended after the change, sorted.
    """

    token: str
    event: str
    status_before: str
    status_after: str
    suspenders: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The change as the admin API answers it."""
        return {
            "token": self.token,
            "event": self.event,
            "statusBefore": self.status_before,
            "statusAfter": self.status_after,
            "suspenders": list(self.suspenders),
        }


@frozen
class AppliedFault:
    """A fault that applied to a request (see :mod:`mdesrules.fakes.mdes.faults`).

    Attributes:
        id: the fault's id.
        kind: ``latency``, ``error``, ``gateway`` or ``drop``.
        after: whether it applied after the request's effect.
        summary: what it did, for a person (``503 Retry-After 1``, ``2.0s``).
    """

    id: str
    kind: str
    after: bool
    summary: str

    def to_json(self) -> dict[str, Any]:
        """The applied fault as the admin API answers it."""
        return {"id": self.id, "kind": self.kind, "after": self.after, "summary": self.summary}


def _error_json(error: Error) -> dict[str, Any]:
    return {
        "source": error.source,
        "reasonCode": error.reason_code,
        "description": error.description,
        "recoverable": error.recoverable,
    }


@frozen
class JournalEntry:
    """One request the simulator received, and what it answered.

    Attributes:
        seq: its number, from 1, in the order received (never reused, even after a clear).
        at: when, from the simulator's clock (ISO 8601 UTC, MDES's 24-character form).
        operation: the operation's name, or ``None`` when no operation is served at the path.
        status: the HTTP status answered (``0`` when the connection was dropped unanswered).
        tokens: the Token Unique References the request named or changed (one the store
            does not know is masked).
        errors: the ``Error`` entries answered (masked), in order.
        warnings: the warnings of the check of a request that was applied (masked, in the
            ``Error`` shape: ``Source`` the path, ``ReasonCode`` the code), such as
            ``PAN_IN_TEXT`` in a field where a card number is only a warning.
        changes: what the request changed (empty when it was refused or read only).
        faults: the faults that applied to it.
        latency: the seconds of latency faults added to it.
        outcome: the status the simulator itself answered when a fault then replaced it
            (``after=True`` faults); ``None`` otherwise.
        path: the HTTP path, for a request refused before it reached the simulator (not
            routed, not JSON, too large); ``None`` otherwise.
        request: the document as received, masked (see :func:`masked`); ``None`` when the
            body could not be read.
    """

    seq: int
    at: str
    operation: str | None
    status: int
    tokens: tuple[str, ...] = ()
    errors: tuple[Error, ...] = ()
    warnings: tuple[Error, ...] = ()
    changes: tuple[Change, ...] = ()
    faults: tuple[AppliedFault, ...] = ()
    latency: float = 0.0
    outcome: int | None = None
    path: str | None = None
    request: Any = field(default=None, repr=False)

    @property
    def codes(self) -> tuple[str, ...]:
        """The ``ReasonCode`` of each error answered (``SUSPENDER``, ``UNKNOWN_TOKEN``...)."""
        return tuple(e.reason_code or "" for e in self.errors)

    @property
    def dropped(self) -> bool:
        """True when the connection was closed without an answer (a ``drop`` fault)."""
        return self.status == 0

    def names(self, token: str) -> bool:
        """Whether the request named or changed *token* (a TUR; matched masked too)."""
        return token in self.tokens or scrub(token) in self.tokens

    def describe(self) -> str:
        """One line for a person: number, operation, status, codes, tokens and faults."""
        what = self.operation or f"(no operation at {self.path})"
        status = "dropped" if self.dropped else str(self.status)
        parts = [f"#{self.seq} {what} -> {status}"]
        if self.errors:
            parts.append(
                ", ".join(
                    f"{e.reason_code}" + (f" at {e.source}" if e.source else "")
                    for e in self.errors[:3]
                )
                + (" ..." if len(self.errors) > 3 else "")
            )
        if self.tokens:
            parts.append("token " + ", ".join(self.tokens[:3]))
        if self.changes:
            parts.append(
                ", ".join(
                    f"{c.event} {c.status_before}->{c.status_after}" for c in self.changes[:3]
                )
            )
        if self.faults:
            parts.append("faults " + ", ".join(f"{f.id} {f.summary}" for f in self.faults))
        return "; ".join(parts)

    def to_json(self) -> dict[str, Any]:
        """The entry as the admin API answers it (camelCase, masked)."""
        return {
            "seq": self.seq,
            "at": self.at,
            "operation": self.operation,
            "status": self.status,
            "tokens": list(self.tokens),
            "errors": [_error_json(e) for e in self.errors],
            "warnings": [_error_json(e) for e in self.warnings],
            "changes": [c.to_json() for c in self.changes],
            "faults": [f.to_json() for f in self.faults],
            "latency": self.latency,
            "outcome": self.outcome,
            "path": self.path,
            "request": self.request,
        }


def _masked_error(e: Error) -> Error:
    return Error(
        source=None if e.source is None else scrub(e.source),
        reason_code=e.reason_code,
        error_code=e.error_code,
        description=None if e.description is None else scrub(e.description),
        recoverable=e.recoverable,
    )


class VerificationError(AssertionError):
    """A verification found other requests than expected; the message lists them (masked)."""


Where = Callable[[JournalEntry], bool]


class Journal:
    """The bounded, thread-safe record of the requests a simulator received.

    Args:
        maxlen: the most entries kept; the oldest are forgotten first. ``0`` keeps none
            (the journal is off).

    Raises:
        ValueError: a negative ``maxlen``.
    """

    def __init__(self, maxlen: int = DEFAULT_MAXLEN) -> None:
        if isinstance(maxlen, bool) or not isinstance(maxlen, int) or maxlen < 0:
            raise ValueError("maxlen must be an int >= 0")
        self.maxlen = maxlen
        self._lock = threading.Lock()
        self._entries: deque[JournalEntry] = deque(maxlen=maxlen)
        self._seq = 0

    def record(
        self,
        *,
        at: str,
        operation: str | None,
        status: int,
        tokens: tuple[str, ...] = (),
        errors: tuple[Error, ...] = (),
        warnings: tuple[Error, ...] = (),
        changes: tuple[Change, ...] = (),
        faults: tuple[AppliedFault, ...] = (),
        latency: float = 0.0,
        outcome: int | None = None,
        path: str | None = None,
        request: object = None,
    ) -> JournalEntry | None:
        """Record one request (masking what it holds); return its entry, or ``None`` when the
        journal keeps nothing. The simulator calls this; a test reads."""
        if self.maxlen == 0:
            return None
        errors = tuple(map(_masked_error, errors))
        warnings = tuple(map(_masked_error, warnings))
        with self._lock:
            self._seq += 1
            entry = JournalEntry(
                seq=self._seq,
                at=at,
                operation=operation,
                status=status,
                tokens=tokens,
                errors=errors,
                warnings=warnings,
                changes=changes,
                faults=faults,
                latency=latency,
                outcome=outcome,
                path=None if path is None else scrub(path),
                request=masked(request),
            )
            self._entries.append(entry)
        return entry

    # -- queries ------------------------------------------------------------------------------

    def entries(
        self,
        operation: str | None = None,
        *,
        token: str | None = None,
        status: int | None = None,
        code: str | None = None,
        faulted: bool | None = None,
        since: int = 0,
        where: Where | None = None,
    ) -> tuple[JournalEntry, ...]:
        """The entries kept, oldest first, that match every filter given.

        Args:
            operation: the operation's name (``token_suspend``).
            token: a Token Unique Reference the request named or changed.
            status: the HTTP status answered (``0`` for a dropped connection).
            code: a ``ReasonCode`` answered, in any case (``suspender`` or ``SUSPENDER``).
            faulted: whether a fault applied (``True``) or none did (``False``).
            since: only entries numbered above this (``seq``), for polling.
            where: any other test of an entry.
        """
        with self._lock:
            kept = tuple(self._entries)
        wanted = None if code is None else code.upper()
        return tuple(
            e
            for e in kept
            if e.seq > since
            and (operation is None or e.operation == operation)
            and (token is None or e.names(token))
            and (status is None or e.status == status)
            and (wanted is None or wanted in e.codes)
            and (faulted is None or bool(e.faults) == faulted)
            and (where is None or where(e))
        )

    def by_operation(self, operation: str) -> tuple[JournalEntry, ...]:
        """The entries of *operation*, oldest first."""
        return self.entries(operation)

    def by_token(self, token: str) -> tuple[JournalEntry, ...]:
        """The entries of requests that named or changed *token*, oldest first."""
        return self.entries(token=token)

    def count(self, operation: str | None = None, **filters: Any) -> int:
        """How many entries kept match (the filters of :meth:`entries`)."""
        return len(self.entries(operation, **filters))

    def last(self, operation: str | None = None, **filters: Any) -> JournalEntry | None:
        """The latest entry that matches (the filters of :meth:`entries`), or ``None``."""
        found = self.entries(operation, **filters)
        return found[-1] if found else None

    def clear(self) -> None:
        """Forget every entry (numbering goes on)."""
        with self._lock:
            self._entries.clear()

    @property
    def total(self) -> int:
        """How many requests were ever recorded (kept or forgotten)."""
        with self._lock:
            return self._seq

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def __iter__(self) -> Iterator[JournalEntry]:
        with self._lock:
            return iter(tuple(self._entries))

    def __repr__(self) -> str:
        return f"<Journal {len(self)} of at most {self.maxlen} entries>"

    # -- verification -------------------------------------------------------------------------

    def assert_received(
        self,
        operation: str | None = None,
        *,
        times: int | None = None,
        **filters: Any,
    ) -> tuple[JournalEntry, ...]:
        """Verify that requests matching the filters (those of :meth:`entries`) were
        received: at least once, or exactly *times* times. Returns the matching entries.

        Raises:
            VerificationError: they were not; the message says what was expected and lists
                the requests received instead (masked).
        """
        found = self.entries(operation, **filters)
        if (times is None and found) or (times is not None and len(found) == times):
            return found
        expected = "at least one" if times is None else f"exactly {times}"
        raise VerificationError(
            f"expected {expected} {_wanted(operation, filters)}, found {len(found)}; "
            + self._received()
        )

    verify = assert_received

    def assert_not_received(self, operation: str | None = None, **filters: Any) -> None:
        """Verify that no request matching the filters was received.

        Raises:
            VerificationError: some were; the message lists them (masked).
        """
        found = self.entries(operation, **filters)
        if found:
            listed = "\n".join("  " + e.describe() for e in found[-_SHOWN:])
            raise VerificationError(
                f"expected no {_wanted(operation, filters)}, found {len(found)}:\n{listed}"
            )

    def _received(self) -> str:
        with self._lock:
            kept = tuple(self._entries)
        if not kept:
            return "the simulator received no request" + (
                "" if self._seq == 0 else f" since the journal was cleared ({self._seq} before)"
            )
        shown = kept[-_SHOWN:]
        head = (
            f"received {len(kept)} request(s)"
            if len(shown) == len(kept)
            else f"received {len(kept)} request(s), the last {len(shown)}"
        )
        return head + ":\n" + "\n".join("  " + e.describe() for e in shown)


def _wanted(operation: str | None, filters: dict[str, Any]) -> str:
    what = f"{operation} request" if operation is not None else "request"
    shown = [
        f"{name}={scrub(str(value))!r}" if isinstance(value, str) else f"{name}={value!r}"
        for name, value in filters.items()
        if name != "where" and value is not None
    ]
    if filters.get("where") is not None:
        shown.append("where=<a test>")
    return what + (f" with {', '.join(shown)}" if shown else "")
