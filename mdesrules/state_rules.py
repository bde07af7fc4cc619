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
from .context import TOKEN_TYPES, Context, TokenRecord
from .masking import mask_pan, scrub
from .violations import Severity, Violation, pointer

__all__ = ["OfTokenType", "SameAccountRange", "StateRule", "TargetToken"]

Naming = Callable[[str], str]
Obj = Mapping[str, object]
Action = Literal[
    "update",
    "assurance",
    "activate",
    "suspend",
    "unsuspend",
    "delete",
    "read",
    "resend_activation_code",
    "activation_methods",
    "message",
]


@frozen
class _Action:
    """What an action asks of the token's state: ``require`` raises
    :class:`~mdesrules.lifecycle.LifecycleError` when the state does not allow it (the
    lifecycle module decides), and the refusal is a violation of ``severity``. ``can`` ends
    the rule's catalogue sentence."""

    can: str
    require: Callable[[lifecycle.TokenState, str], object] | None = None
    severity: Severity = "error"


def _awaiting(doing: str) -> Callable[[lifecycle.TokenState, str], object]:
    return lambda state, party: lifecycle.require_awaiting_activation(state, doing)


#: Each action a token-state rule knows, with what it asks of the token's state.
_ACTIONS: Mapping[str, _Action] = {
    "update": _Action("can be updated", lambda s, p: lifecycle.require_updatable(s)),
    "assurance": _Action(
        "can be given a new assurance level", lambda s, p: lifecycle.require_updatable(s)
    ),
    "activate": _Action("can be activated", lambda s, p: lifecycle.activate(s)),
    "suspend": _Action("can be suspended", lifecycle.suspend),
    "unsuspend": _Action("can be unsuspended", lifecycle.unsuspend),
    "delete": _Action("can be deleted", lambda s, p: lifecycle.delete(s)),
    "read": _Action(""),
    "resend_activation_code": _Action(
        "awaits activation (IN_PROGRESS), so it can be sent a new activation code",
        _awaiting("sent a new activation code"),
    ),
    "activation_methods": _Action(
        "awaits activation (IN_PROGRESS); a warning otherwise, since this is a read",
        _awaiting("asked for its activation methods"),
        "warning",
    ),
    "message": _Action(
        "is not DELETED, so it can carry a message for the cardholder",
        lambda s, p: lifecycle.require_not_deleted(s, "sent a message for the cardholder"),
    ),
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


_BOUND_SHOWN = 12
"""The digits of an account range bound a message shows: a BIN range bound (6 to 11
digits, the usual) whole; of a bound as long as a PAN, the first 12, fewer than a PAN has."""


def _bound(prefix: str) -> str:
    """An account range bound for a message, grouped so that it reads as a range bound
    (the six-digit BIN, then fours) and so that no run of nine digits is masked on the way
    out (:func:`~mdesrules.masking.scrub`): ``5412340000`` -> ``541234 0000``.

    A bound is the issuer's configuration, not a card number: the user must see which
    configured range failed. A bound as long as a PAN shows its first 12 digits only."""
    shown = prefix[:_BOUND_SHOWN] + "*" * max(0, len(prefix) - _BOUND_SHOWN)
    return " ".join([shown[:6], *(shown[i : i + 4] for i in range(6, len(shown), 4))])


def _valid(obj: Obj, name: str | None, bad: set[str]) -> str | None:
    """The string at *name* in *obj*, or ``None`` when absent, not a string, or under a
    field that failed its field rules. *name* may be a path of member names joined by
    dots (``EncryptedAccountInformation.EncryptedData.CurrentAccount.AccountPan``), for
    the identifiers that CS API 2.1.7 nests."""
    if name is None:
        return None
    if "." not in name:
        if name in bad:
            return None
        value = obj.get(name)
        return value if isinstance(value, str) else None
    first, *rest = name.split(".")
    if first in bad:
        return None
    found: object = obj.get(first)
    for member in rest:
        if not isinstance(found, Mapping):
            return None
        found = found.get(member)
    return found if isinstance(found, str) else None


def _has(obj: Obj, name: str) -> bool:
    return _valid(obj, name, set()) is not None or name in obj


def _at(name: str) -> str:
    """The JSON pointer (below the request object) of a member name or dotted path."""
    return pointer(*name.split("."))


def _renamed(naming: Naming, name: str) -> str:
    return ".".join(naming(member) for member in name.split("."))


def _short(name: str) -> str:
    """A dotted path for a sentence: its last two members (``CurrentAccount.AccountPan``)."""
    return ".".join(name.split(".")[-2:])


@frozen(repr=False)
class TargetToken:
    """The targeted token exists in the inventory and its state allows ``action``.

    Each name is a member of the request object, or a dotted path to a nested one (2.1.7
    nests the PAN: ``EncryptedAccountInformation.EncryptedData.CurrentAccount.AccountPan``).

    The target is named by ``tur`` or, for PAN-wide requests, by ``pan``: then some token of
    that account PAN must allow the action (an update by PAN touches the ACTIVE and
    SUSPENDED ones and leaves the rest). With ``app`` too (activation by ``AccountPan`` +
    ``PaymentAppInstanceId``), only the PAN's tokens on that Payment App instance count;
    tokens whose instance the inventory does not know may be the one, so when only such a
    token allows the action, the rule says with a ``token_state`` warning that the inventory
    cannot tell.
    """

    action: Action
    tur: str = "TokenUniqueReference"
    pan: str | None = None
    unknown_severity: Severity = "error"
    app: str | None = None

    def check(
        self, obj: Obj, base: str, context: Context, bad: set[str], out: list[Violation]
    ) -> None:
        inventory = context.inventory
        if inventory is None:
            return
        tur = _valid(obj, self.tur, bad)
        if tur is not None:
            path = base + _at(self.tur)
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
            path = base + _at(self.pan)
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
            elif self.app is None:
                self._check_pan(records, pan, path, (path,), context, out)
            else:
                app = _valid(obj, self.app, bad)
                if app is not None:
                    fields = (path, base + _at(self.app))
                    self._check_app(records, pan, app, fields, context, out)

    def _allows(self, record: TokenRecord, context: Context) -> bool:
        require = _ACTIONS[self.action].require
        if require is None:
            return True
        try:
            require(record.state, context.party)
        except lifecycle.LifecycleError:
            return False
        return True

    def _check_pan(
        self,
        records: tuple[TokenRecord, ...],
        pan: str,
        path: str,
        fields: tuple[str, ...],
        context: Context,
        out: list[Violation],
        on: str = "",
    ) -> None:
        """Some token of *records* (the PAN's, on the app when *on* says so) must allow the
        action."""
        if any(self._allows(r, context) for r in records):
            return
        states = ", ".join(sorted({r.status.name for r in records}))
        if self.action == "update":
            message = (
                f"none of the {len(records)} tokens of account PAN {mask_pan(pan)}{on} is "
                f"ACTIVE or SUSPENDED ({states}); only those can be updated"
            )
        else:
            message = (
                f"none of the {len(records)} tokens of account PAN {mask_pan(pan)}{on} "
                f"{_ACTIONS[self.action].can} ({states})"
            )
        out.append(Violation("token_state", path, fields, message, _ACTIONS[self.action].severity))

    def _check_app(
        self,
        records: tuple[TokenRecord, ...],
        pan: str,
        app: str,
        fields: tuple[str, ...],
        context: Context,
        out: list[Violation],
    ) -> None:
        path = fields[0]
        on = f" on {self.app} {_shown(app)!r}"
        known = tuple(r for r in records if r.payment_app_instance_id == app)
        unknown = tuple(r for r in records if r.payment_app_instance_id is None)
        if not known and not unknown:
            out.append(
                Violation(
                    "unknown_token",
                    path,
                    fields,
                    f"no token of account PAN {mask_pan(pan)}{on} is in the token inventory "
                    f"(its {len(records)} tokens are on other Payment App instances)",
                    self.unknown_severity,
                )
            )
        elif any(self._allows(r, context) for r in known):
            return
        elif any(self._allows(r, context) for r in unknown):
            out.append(
                Violation(
                    "token_state",
                    path,
                    fields,
                    f"the token inventory cannot tell whether a token of account PAN "
                    f"{mask_pan(pan)}{on} {_ACTIONS[self.action].can}; only tokens without a "
                    "paymentAppInstanceId in the inventory qualify",
                    "warning",
                )
            )
        else:
            self._check_pan(known + unknown, pan, path, fields, context, out, on)

    def _check_record(
        self, record: TokenRecord, path: str, context: Context, out: list[Violation]
    ) -> None:
        action = _ACTIONS[self.action]
        if self.action == "assurance" and record.token_assurance_level is None:
            out.append(
                Violation(
                    "no_assurance_level",
                    path,
                    (path,),
                    "the token has no Token Assurance Level, so MDES cannot update it",
                )
            )
        if action.require is None:
            return
        try:
            action.require(record.state, context.party)
        except lifecycle.LifecycleError as e:
            out.append(Violation(e.code, path, (path,), e.message, action.severity))

    def renamed(self, naming: Naming) -> TargetToken:
        return evolve(
            self,
            tur=_renamed(naming, self.tur),
            pan=_renamed(naming, self.pan) if self.pan is not None else None,
            app=_renamed(naming, self.app) if self.app is not None else None,
        )

    def __repr__(self) -> str:
        target = self.tur if self.pan is None else f"{self.tur} or {_short(self.pan)}"
        if self.app is not None:
            target += f" with {_short(self.app)}"
        can = _ACTIONS[self.action].can
        if not can:
            return f"the token named by {target} is in the inventory"
        return f"the token named by {target} is in the inventory and {can}"


@frozen(repr=False)
class OfTokenType:
    """The token named by ``tur`` is of one of ``types`` (MDES ``TokenType``, see
    :data:`~mdesrules.context.TOKEN_TYPES`) when the inventory says which; when it does not,
    a ``token_state`` warning says the inventory cannot tell. A token not in the inventory
    is left to :class:`TargetToken`.

    Reset Mobile PIN "requests the reset of the PIN associated with a Mastercard
    Cloud-Based Payment token": ``OfTokenType(("C",), "have its Mobile PIN reset")``.
    """

    types: tuple[str, ...]
    doing: str
    tur: str = "TokenUniqueReference"

    def check(
        self, obj: Obj, base: str, context: Context, bad: set[str], out: list[Violation]
    ) -> None:
        inventory = context.inventory
        tur = _valid(obj, self.tur, bad)
        if inventory is None or tur is None:
            return
        record = inventory.by_tur(tur)
        if record is None or record.token_type in self.types:
            return
        path = base + _at(self.tur)
        if record.token_type is None:
            message = (
                f"the token inventory cannot tell whether the token is {self._kinds()} "
                f"(its record has no tokenType); only such a token can {self.doing}"
            )
            out.append(Violation("token_state", path, (path,), message, "warning"))
            return
        message = (
            f"the token is {TOKEN_TYPES[record.token_type]} (tokenType "
            f"{record.token_type}); only {self._kinds()} can {self.doing}"
        )
        out.append(Violation("token_state", path, (path,), message))

    def _kinds(self) -> str:
        return " or ".join(f"{TOKEN_TYPES[t]} ({t})" for t in self.types)

    def renamed(self, naming: Naming) -> OfTokenType:
        return evolve(self, tur=_renamed(naming, self.tur))

    def __repr__(self) -> str:
        return (
            f"the token named by {self.tur} is {self._kinds()} when the inventory says its "
            "tokenType (a warning when it does not)"
        )


@frozen(repr=False)
class SameAccountRange:
    """``new`` lies in the same account range as the current PAN (``account_range``).

    The current PAN is ``current`` when sent, else the account PAN of the token named by
    ``tur`` in the inventory. Account ranges are the issuer's configuration, never guessed.
    Each name may be a dotted path to a nested member, as in :class:`TargetToken`.
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
        path = base + _at(self.new)
        home = ranges.find(current)
        where = (
            f"the account range from {_bound(home.low)} to {_bound(home.high)} of the current PAN "
            f"{mask_pan(current)}"
            if home is not None
            else f"any configured account range with the current PAN {mask_pan(current)}"
        )
        fields = (path, base + _at(self.current)) if _has(obj, self.current) else (path,)
        out.append(
            Violation(
                "account_range",
                path,
                fields,
                f"{_short(self.new)} {mask_pan(new)} is not in {where}",
            )
        )

    def renamed(self, naming: Naming) -> SameAccountRange:
        return SameAccountRange(
            _renamed(naming, self.new), _renamed(naming, self.current), _renamed(naming, self.tur)
        )

    def __repr__(self) -> str:
        return f"{_short(self.new)} is in the same account range as the current PAN"
