"""Token-state rules: what a request may do given the tokens it targets.

These rules need a :class:`~mdesrules.context.Context` (the issuer's token inventory and
account ranges, or the simulator's store) and run only when one is given. They read the same
lifecycle module as the simulated MDES, so the pre-flight check and the simulator cannot
disagree. They skip values that already failed their field rules.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Literal, Protocol

from attrs import evolve, frozen

from . import lifecycle
from .context import Context, TokenRecord
from .masking import mask_pan, scrub
from .violations import Severity, Violation, pointer

__all__ = ["SameAccountRange", "StateRule", "TargetToken"]

Naming = Callable[[str], str]
Obj = Mapping[str, object]
Action = Literal["update", "assurance", "activate", "suspend", "unsuspend", "delete", "read"]

_VERBS: dict[str, str] = {
    "update": "updated",
    "assurance": "given a new assurance level",
    "activate": "activated",
    "suspend": "suspended",
    "unsuspend": "unsuspended",
    "delete": "deleted",
    "read": "read",
}


class StateRule(Protocol):
    """A rule over one request object and the token context."""

    def check(
        self, obj: Obj, base: str, context: Context, bad: set[str], out: list[Violation]
    ) -> None:
        """Append to *out* the violations of *obj* (at *base*) given *context*."""

    def renamed(self, naming: Naming) -> StateRule:
        """The same rule with every field name passed through *naming*."""


def _shown(value: str) -> str:
    """A TUR for a message: masked if it looks like a PAN, cut when absurdly long."""
    text = scrub(value)
    return text if len(text) <= 64 else text[:64] + "..."


def _bound(prefix: str) -> str:
    """An account range bound for a message: long bounds show only their first six digits."""
    if len(prefix) <= 8:
        return prefix
    return prefix[:6] + "*" * (len(prefix) - 6) if len(prefix) <= 10 else mask_pan(prefix)


def _valid(obj: Obj, name: str | None, bad: set[str]) -> str | None:
    if name is None or name in bad:
        return None
    value = obj.get(name)
    return value if isinstance(value, str) else None


@frozen(repr=False)
class TargetToken:
    """The targeted token exists in the inventory and its state allows ``action``.

    The target is named by ``tur`` or, for PAN-wide updates, by ``pan`` (every token of that
    account PAN; an update by PAN touches the ACTIVE and SUSPENDED ones and leaves the rest).
    """

    action: Action
    tur: str = "TokenUniqueReference"
    pan: str | None = None
    unknown_severity: Severity = "error"

    def check(
        self, obj: Obj, base: str, context: Context, bad: set[str], out: list[Violation]
    ) -> None:
        inventory = context.inventory
        if inventory is None:
            return
        tur = _valid(obj, self.tur, bad)
        if tur is not None:
            path = base + pointer(self.tur)
            record = inventory.by_tur(tur)
            if record is None:
                out.append(
                    Violation(
                        "unknown_token",
                        path,
                        (path,),
                        f"token {_shown(tur)!r} is not in the token inventory",
                        self.unknown_severity,
                    )
                )
            else:
                self._check_record(record, path, context, out)
        pan = _valid(obj, self.pan, bad)
        if pan is not None and self.pan is not None:
            path = base + pointer(self.pan)
            records = inventory.by_pan(pan)
            if not records:
                out.append(
                    Violation(
                        "unknown_token",
                        path,
                        (path,),
                        f"no token of account PAN {mask_pan(pan)} is in the token inventory",
                        self.unknown_severity,
                    )
                )
            elif self.action == "update" and not any(
                r.status in (lifecycle.Status.ACTIVE, lifecycle.Status.SUSPENDED) for r in records
            ):
                states = ", ".join(sorted({r.status.name for r in records}))
                out.append(
                    Violation(
                        "token_state",
                        path,
                        (path,),
                        f"none of the {len(records)} tokens of account PAN {mask_pan(pan)} is "
                        f"ACTIVE or SUSPENDED ({states}); only those can be updated",
                    )
                )

    def _check_record(
        self, record: TokenRecord, path: str, context: Context, out: list[Violation]
    ) -> None:
        state = record.state
        try:
            if self.action == "update":
                lifecycle.require_updatable(state)
            elif self.action == "assurance":
                if record.token_assurance_level is None:
                    out.append(
                        Violation(
                            "no_assurance_level",
                            path,
                            (path,),
                            "the token has no Token Assurance Level, so MDES cannot update it",
                        )
                    )
                lifecycle.require_updatable(state)
            elif self.action == "activate":
                lifecycle.activate(state)
            elif self.action == "suspend":
                lifecycle.suspend(state, context.party)
            elif self.action == "unsuspend":
                lifecycle.unsuspend(state, context.party)
            elif self.action == "delete":
                lifecycle.delete(state)
        except lifecycle.LifecycleError as e:
            out.append(Violation(e.code, path, (path,), e.message))

    def renamed(self, naming: Naming) -> TargetToken:
        return evolve(
            self, tur=naming(self.tur), pan=naming(self.pan) if self.pan is not None else None
        )

    def __repr__(self) -> str:
        target = self.tur if self.pan is None else f"{self.tur} or {self.pan}"
        if self.action == "read":
            return f"the token named by {target} is in the inventory"
        return f"the token named by {target} is in the inventory and can be {_VERBS[self.action]}"


@frozen(repr=False)
class SameAccountRange:
    """``new`` lies in the same account range as the current PAN (``account_range``).

    The current PAN is ``current`` when sent, else the account PAN of the token named by
    ``tur`` in the inventory. Account ranges are the issuer's configuration, never guessed.
    """

    new: str = "NewAccountPan"
    current: str = "CurrentAccountPan"
    tur: str = "TokenUniqueReference"

    def check(
        self, obj: Obj, base: str, context: Context, bad: set[str], out: list[Violation]
    ) -> None:
        ranges = context.account_ranges
        new = _valid(obj, self.new, bad)
        if ranges is None or new is None:
            return
        current = _valid(obj, self.current, bad)
        if current is None and context.inventory is not None:
            tur = _valid(obj, self.tur, bad)
            record = context.inventory.by_tur(tur) if tur is not None else None
            current = record.account_pan if record is not None else None
        if current is None or ranges.same_range(current, new):
            return
        path = base + pointer(self.new)
        home = ranges.find(current)
        where = (
            f"the account range {_bound(home.low)}-{_bound(home.high)} of the current PAN "
            f"{mask_pan(current)}"
            if home is not None
            else f"any configured account range with the current PAN {mask_pan(current)}"
        )
        fields = (path, base + pointer(self.current)) if self.current in obj else (path,)
        out.append(
            Violation(
                "account_range",
                path,
                fields,
                f"{self.new} {mask_pan(new)} is not in {where}",
            )
        )

    def renamed(self, naming: Naming) -> SameAccountRange:
        return SameAccountRange(naming(self.new), naming(self.current), naming(self.tur))

    def __repr__(self) -> str:
        return f"{self.new} is in the same account range as the current PAN"
