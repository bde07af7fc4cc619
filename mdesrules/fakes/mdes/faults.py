"""Faults on purpose: make the simulated MDES slow, failing or silent, to test a client.

An issuer's retry and timeout logic can only be tested against an MDES that misbehaves.
A :class:`Fault` says what goes wrong and for which requests:

- ``latency``: wait *seconds* before answering (through the simulator's ``sleep``: no real
  wait in process unless asked, a real one under ``mdesrules serve``);
- ``error``: answer an MDES error of the caller's choice (``Source``, ``ReasonCode``,
  ``Description``, ``Recoverable``) with a 4xx or 5xx status;
- ``gateway``: answer 502, 503 or 504 as Mastercard's gateway does (``Source`` ``Gateway``,
  ``Recoverable`` ``true``), with a ``Retry-After`` header when given;
- ``drop``: close the connection without an answer (in process, the carrier raises what
  its HTTP counterpart raises for a connection that broke).

It applies to the requests of one operation (or all), that name one token (or any), and
to a share of them, drawn from a seeded random generator so that a run can be repeated;
``times`` limits how often it applies (a 503 once, then the real answer), after which it
is removed.

A fault applies **before** the request's effect by default: nothing is checked, applied or
stored, and the journal records the fault's answer. With ``after=True`` the request is
handled as usual (checked, applied, committed, notified) and then the fault's answer
replaces the simulator's: the change is made and the client does not learn it, as when a
gateway times out after MDES applied a request. That is how to test that a client
repeats a write safely (idempotency); a ``latency`` fault with ``after=True`` waits after
the effect (a read timeout on an applied write).

    >>> from mdesrules.fakes.mdes import faults
    >>> faults.gateway(503, retry_after=1, operation="search", times=1)
    Fault(kind='gateway', operation='search', times=1, status=503, retry_after=1)

:class:`FaultSet` holds the faults of one simulator (``SimulatedMdes.faults``): add,
remove, list, clear; the admin API (``/__admin/faults``) uses the same JSON as
:meth:`Fault.to_json` and :meth:`Fault.from_json`.
"""

from __future__ import annotations

import math
import random
import threading
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Literal, get_args

import attrs
from attrs import frozen

from mdesrules.exceptions import MdesRulesError
from mdesrules.masking import scrub
from mdesrules.models.responses import Error
from mdesrules.transport import Response

__all__ = [
    "GATEWAY_REASON_CODES",
    "Fault",
    "FaultError",
    "FaultSet",
    "Kind",
    "Selection",
    "drop",
    "gateway",
    "latency",
    "mdes_error",
]

Kind = Literal["latency", "error", "gateway", "drop"]
KINDS: tuple[str, ...] = get_args(Kind)

#: The ``ReasonCode`` of a gateway fault's answer, by status.
GATEWAY_REASON_CODES = {502: "BAD_GATEWAY", 503: "SERVICE_UNAVAILABLE", 504: "GATEWAY_TIMEOUT"}

#: The longest latency a fault may add, in seconds (an hour: longer is a mistake).
MAX_LATENCY = 3600.0


class FaultError(MdesRulesError, ValueError):
    """A fault that cannot be used, or an id no fault has; the message says what to fix."""


@frozen
class Fault:
    """What goes wrong, and for which requests (see the module doc).

    Attributes:
        kind: ``latency``, ``error``, ``gateway`` or ``drop``.
        operation: the operation it applies to (``token_suspend``); ``None``: every one.
        token: the Token Unique Reference a request must name; ``None``: any request.
        share: the share of matching requests it applies to, from 0 to 1.
        times: how many times it applies before it is removed; ``None``: until removed.
        after: apply after the request's effect (see the module doc).
        seconds: the latency added (``latency``).
        status: the HTTP status answered: 502, 503 or 504 (``gateway``), 400 to 599
            (``error``).
        retry_after: the ``Retry-After`` header, in seconds (``gateway`` and ``error``).
        source, reason_code, description, recoverable: the MDES ``Error`` answered
            (``error``).
        id: set when added to a :class:`FaultSet` (``f1``, ``f2``...).

    Raises:
        FaultError: settings that do not fit the kind (a latency without seconds, a
            gateway status other than 502, 503 or 504, a share outside 0..1, ...).
    """

    kind: Kind
    operation: str | None = None
    token: str | None = None
    share: float = 1.0
    times: int | None = None
    after: bool = False
    seconds: float = 0.0
    status: int | None = None
    retry_after: int | None = None
    source: str | None = None
    reason_code: str | None = None
    description: str | None = None
    recoverable: bool = False
    id: str | None = None

    def __attrs_post_init__(self) -> None:
        _validate(self)

    def __repr__(self) -> str:
        shown = [f"kind={self.kind!r}"]
        for a in attrs.fields(Fault):
            if a.name == "kind":
                continue
            value = getattr(self, a.name)
            if value == a.default:
                continue
            if a.name == "token" and isinstance(value, str):
                value = scrub(value)
            shown.append(f"{a.name}={value!r}")
        return f"Fault({', '.join(shown)})"

    def matches(self, operation: str, token: str | None) -> bool:
        """Whether the fault is for requests of *operation* naming *token* (share aside)."""
        return (self.operation is None or self.operation == operation) and (
            self.token is None or self.token == token
        )

    @property
    def summary(self) -> str:
        """What the fault does, for a person (``503 Retry-After 1``, ``2.0s``)."""
        if self.kind == "latency":
            return f"{self.seconds:g}s"
        if self.kind == "drop":
            return "drop"
        retry = f" Retry-After {self.retry_after}" if self.retry_after is not None else ""
        if self.kind == "gateway":
            return f"{self.status}{retry}"
        return f"{self.status} {self.reason_code}{retry}"

    def answer(self, operation: str) -> Response:
        """The answer of an ``error`` or ``gateway`` fault to a request of *operation*."""
        if self.kind == "gateway":
            assert self.status is not None
            error = Error(
                source="Gateway",
                reason_code=GATEWAY_REASON_CODES[self.status],
                description=f"the gateway answered {self.status} (a fault of the simulator)",
                recoverable="true",
            )
        elif self.kind == "error":
            error = Error(
                source=self.source or "SYSTEM",
                reason_code=self.reason_code,
                description=scrub(self.description or "a fault of the simulator"),
                recoverable="true" if self.recoverable else "false",
            )
        else:
            raise TypeError(f"a {self.kind} fault has no answer")
        assert self.status is not None
        headers = {} if self.retry_after is None else {"Retry-After": str(self.retry_after)}
        return Response(operation, self.status, None, (error,), headers=headers)

    def to_json(self) -> dict[str, Any]:
        """The fault as the admin API answers it (camelCase; the members of its kind; the
        token with any run of nine or more digits masked)."""
        out: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind,
            "operation": self.operation,
            "token": None if self.token is None else scrub(self.token),
            "share": self.share,
            "times": self.times,
            "after": self.after,
        }
        if self.kind == "latency":
            out["seconds"] = self.seconds
        if self.kind in ("gateway", "error"):
            out["status"] = self.status
            out["retryAfter"] = self.retry_after
        if self.kind == "error":
            out["source"] = self.source
            out["reasonCode"] = self.reason_code
            out["description"] = self.description
            out["recoverable"] = self.recoverable
        return out

    @classmethod
    def from_json(cls, document: object) -> Fault:
        """A fault from its JSON (as :meth:`to_json` writes it; ``id`` is ignored, and
        members left out take their defaults).

        Raises:
            FaultError: not an object, an unknown member, a member of the wrong type, or
                settings that do not fit the kind.
        """
        if not isinstance(document, Mapping):
            raise FaultError("a fault must be a JSON object with at least a kind")
        unknown = sorted(str(k) for k in document if k not in _JSON_MEMBERS)
        if unknown:
            raise FaultError(
                f"unknown member {', '.join(repr(scrub(u)) for u in unknown)}; a fault has "
                f"{', '.join(_JSON_MEMBERS)}"
            )
        if "kind" not in document:
            raise FaultError(f"a fault needs a kind: one of {', '.join(KINDS)}")
        values: dict[str, Any] = {}
        for name, (attribute, types) in _JSON_MEMBERS.items():
            if name == "id" or name not in document:
                continue
            value = document[name]
            if value is None and attribute not in _REQUIRED_NOT_NULL:
                values[attribute] = None
                continue
            if isinstance(value, bool) and bool not in types:
                value = object()  # a bool is not a number here
            if not isinstance(value, types):
                raise FaultError(f"{name} must be {_type_names(types)}")
            values[attribute] = value
        if "share" in values:
            values["share"] = float(values["share"])
        if "seconds" in values:
            values["seconds"] = float(values["seconds"])
        return cls(**values)


#: JSON member -> (attribute, accepted types).
_JSON_MEMBERS: dict[str, tuple[str, tuple[type, ...]]] = {
    "id": ("id", (str,)),
    "kind": ("kind", (str,)),
    "operation": ("operation", (str,)),
    "token": ("token", (str,)),
    "share": ("share", (int, float)),
    "times": ("times", (int,)),
    "after": ("after", (bool,)),
    "seconds": ("seconds", (int, float)),
    "status": ("status", (int,)),
    "retryAfter": ("retry_after", (int,)),
    "source": ("source", (str,)),
    "reasonCode": ("reason_code", (str,)),
    "description": ("description", (str,)),
    "recoverable": ("recoverable", (bool,)),
}
_REQUIRED_NOT_NULL = frozenset({"kind", "share", "after", "seconds", "recoverable"})


def _type_names(types: tuple[type, ...]) -> str:
    names = {str: "a string", int: "an integer", float: "a number", bool: "true or false"}
    if types == (int, float):
        return "a number"
    return " or ".join(names[t] for t in types)


def _validate(fault: Fault) -> None:
    kind = fault.kind
    if kind not in KINDS:
        raise FaultError(f"kind must be one of {', '.join(KINDS)}, got {scrub(str(kind))!r}")
    if isinstance(fault.share, bool) or not isinstance(fault.share, (int, float)):
        raise FaultError("share must be a number from 0 to 1")
    if not (math.isfinite(fault.share) and 0.0 <= fault.share <= 1.0):
        raise FaultError("share must be a number from 0 to 1")
    if fault.times is not None and (
        isinstance(fault.times, bool) or not isinstance(fault.times, int) or fault.times < 1
    ):
        raise FaultError("times must be an integer >= 1, or null for no limit")
    if fault.token is not None and not (isinstance(fault.token, str) and fault.token):
        raise FaultError("token must be a Token Unique Reference, or null for any")
    if fault.operation is not None and not (isinstance(fault.operation, str) and fault.operation):
        raise FaultError("operation must be an operation's name, or null for every one")
    seconds = fault.seconds
    if kind == "latency":
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
            raise FaultError("a latency fault needs seconds, a number")
        if not (math.isfinite(seconds) and 0 < seconds <= MAX_LATENCY):
            raise FaultError(f"seconds must be above 0 and at most {MAX_LATENCY:g}")
    elif seconds:
        raise FaultError(f"seconds belongs to a latency fault, not a {kind} fault")
    if kind == "gateway" and fault.status not in GATEWAY_REASON_CODES:
        raise FaultError("a gateway fault's status must be 502, 503 or 504")
    if kind == "error" and not (
        isinstance(fault.status, int)
        and not isinstance(fault.status, bool)
        and 400 <= fault.status <= 599
    ):
        raise FaultError("an error fault's status must be from 400 to 599")
    if kind in ("latency", "drop") and fault.status is not None:
        raise FaultError(f"a {kind} fault answers no status")
    if fault.retry_after is not None:
        if kind not in ("gateway", "error"):
            raise FaultError("retry_after belongs to a gateway or error fault")
        if isinstance(fault.retry_after, bool) or fault.retry_after < 0:
            raise FaultError("retry_after must be an integer number of seconds >= 0")
    error_members = (fault.source, fault.reason_code, fault.description)
    if kind != "error" and (any(m is not None for m in error_members) or fault.recoverable):
        raise FaultError(
            "source, reason_code, description and recoverable belong to an error fault"
        )
    if kind == "error":
        if not (isinstance(fault.reason_code, str) and fault.reason_code):
            raise FaultError("an error fault needs a reason_code (the ReasonCode answered)")
        for name, value in (("source", fault.source), ("description", fault.description)):
            if value is not None and not isinstance(value, str):
                raise FaultError(f"{name} must be a string")


def latency(
    seconds: float,
    *,
    operation: str | None = None,
    token: str | None = None,
    share: float = 1.0,
    times: int | None = None,
    after: bool = False,
) -> Fault:
    """A fault that waits *seconds* before the answer (after the effect with ``after``)."""
    return Fault(
        "latency",
        operation,
        token,
        share,
        times,
        after,
        seconds=float(seconds) if not isinstance(seconds, bool) else seconds,
    )


def mdes_error(
    reason_code: str,
    *,
    status: int = 500,
    source: str = "SYSTEM",
    description: str | None = None,
    recoverable: bool = True,
    retry_after: int | None = None,
    operation: str | None = None,
    token: str | None = None,
    share: float = 1.0,
    times: int | None = None,
    after: bool = False,
) -> Fault:
    """A fault that answers one MDES ``Error`` of the caller's choice (by default a
    recoverable 500 from ``SYSTEM``, MDES's own failure)."""
    return Fault(
        "error",
        operation,
        token,
        share,
        times,
        after,
        status=status,
        retry_after=retry_after,
        source=source,
        reason_code=reason_code,
        description=description,
        recoverable=recoverable,
    )


def gateway(
    status: int = 503,
    *,
    retry_after: int | None = None,
    operation: str | None = None,
    token: str | None = None,
    share: float = 1.0,
    times: int | None = None,
    after: bool = False,
) -> Fault:
    """A fault that answers 502, 503 or 504 as Mastercard's gateway does, with a
    ``Retry-After`` header when *retry_after* is given."""
    return Fault(
        "gateway", operation, token, share, times, after, status=status, retry_after=retry_after
    )


def drop(
    *,
    operation: str | None = None,
    token: str | None = None,
    share: float = 1.0,
    times: int | None = None,
    after: bool = False,
) -> Fault:
    """A fault that closes the connection without an answer."""
    return Fault("drop", operation, token, share, times, after)


@frozen
class Selection:
    """The faults that apply to one request.

    Attributes:
        before: the seconds to wait before the request is handled.
        after: the seconds to wait after its effect.
        answer: the fault that answers instead of the simulator (error, gateway, drop),
            or ``None``.
        applied: every fault that applied, latency ones included, in the order added.
    """

    before: float = 0.0
    after: float = 0.0
    answer: Fault | None = None
    applied: tuple[Fault, ...] = ()


_NOTHING = Selection()


class FaultSet:
    """The faults of one simulator: added, removed, listed, and drawn for each request.

    Args:
        seed: seeds the random generator that decides which requests a fault with a
            ``share`` below 1 applies to; the same requests in the same order then get the
            same faults.
        operations: the operation names faults may name; a fault for another is refused
            (``None`` accepts any name).

    Thread-safe: requests draw from it while a test adds or removes faults.
    """

    def __init__(self, *, seed: int | None = 0, operations: Iterable[str] | None = None) -> None:
        self._lock = threading.Lock()
        self._faults: dict[str, Fault] = {}
        self._left: dict[str, int | None] = {}
        self._applied: dict[str, int] = {}
        self._next = 1
        self._random = random.Random(seed)
        self.operations = None if operations is None else frozenset(operations)

    def add(self, fault: Fault) -> Fault:
        """Add *fault*; return it with its new ``id``. Faults are considered in the order
        added: every latency that applies adds up, and the first answering fault wins.

        Raises:
            FaultError: it names an operation the simulator does not serve.
        """
        known = self.operations
        if known is not None and fault.operation is not None and fault.operation not in known:
            raise FaultError(
                f"the simulator serves no operation {scrub(fault.operation)!r}; it serves "
                f"{', '.join(sorted(known))}"
            )
        with self._lock:
            fault = attrs.evolve(fault, id=f"f{self._next}")
            self._next += 1
            assert fault.id is not None
            self._faults[fault.id] = fault
            self._left[fault.id] = fault.times
            self._applied[fault.id] = 0
        return fault

    def remove(self, fault_id: str) -> Fault:
        """Remove the fault with this id and return it.

        Raises:
            FaultError: no fault has this id (it was removed, or used up its ``times``).
        """
        with self._lock:
            fault = self._faults.pop(fault_id, None)
            self._left.pop(fault_id, None)
        if fault is None:
            raise FaultError(f"no fault has the id {scrub(str(fault_id))!r}")
        return fault

    def clear(self) -> None:
        """Remove every fault."""
        with self._lock:
            self._faults.clear()
            self._left.clear()

    def seed(self, seed: int | None) -> None:
        """Restart the random generator from *seed*."""
        with self._lock:
            self._random.seed(seed)

    def applied(self, fault_id: str) -> int:
        """How many requests the fault with this id applied to (``0`` for an unknown id)."""
        with self._lock:
            return self._applied.get(fault_id, 0)

    def faults(self) -> tuple[Fault, ...]:
        """The faults in force, in the order added."""
        with self._lock:
            return tuple(self._faults.values())

    def __iter__(self) -> Iterator[Fault]:
        return iter(self.faults())

    def __len__(self) -> int:
        with self._lock:
            return len(self._faults)

    def __bool__(self) -> bool:
        return len(self) > 0

    def __repr__(self) -> str:
        n = len(self)
        return f"<FaultSet {n} fault{'' if n == 1 else 's'}>"

    def select(self, operation: str, token: str | None) -> Selection:
        """Decide which faults apply to a request of *operation* naming *token*; count
        them as applied (and remove those that used up their ``times``)."""
        with self._lock:
            if not self._faults:
                return _NOTHING
            before = after = 0.0
            answer: Fault | None = None
            applied: list[Fault] = []
            for fault in list(self._faults.values()):
                if not fault.matches(operation, token):
                    continue
                if fault.kind != "latency" and answer is not None:
                    continue
                if fault.share < 1.0 and not self._random.random() < fault.share:
                    continue
                if fault.kind == "latency":
                    if fault.after:
                        after += fault.seconds
                    else:
                        before += fault.seconds
                else:
                    answer = fault
                applied.append(fault)
                self._use(fault)
            return Selection(before, after, answer, tuple(applied))

    def _use(self, fault: Fault) -> None:
        assert fault.id is not None
        self._applied[fault.id] = self._applied.get(fault.id, 0) + 1
        left = self._left.get(fault.id)
        if left is None:
            return
        if left <= 1:
            self._faults.pop(fault.id, None)
            self._left.pop(fault.id, None)
        else:
            self._left[fault.id] = left - 1
