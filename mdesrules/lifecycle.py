"""The MDES token lifecycle as one pure state machine.

MDES CS API v2 knows four token states (``CurrentStatusCode``): ``U`` unmapped, tokenization
in progress; ``A`` active; ``S`` suspended by one or more parties; ``D`` deleted. Which
operation applies to which state is fixed by the CS API (its "token states" table):

- activate: a token in progress (``U``) becomes active.
- suspend: an active token becomes suspended; a suspended one gains another suspender.
- unsuspend: a party lifts only its own suspension; the token is active again only when the
  last suspender is gone.
- delete: any token that is not deleted becomes deleted; MDES says a deleted token "may not
  be returned to an active state", so ``D`` is terminal.
- update: only active or suspended tokens are updated, and the update leaves the state alone.
- activation methods and a resent activation code: only a token awaiting activation (``U``);
  neither changes the state.
- a message for the cardholder (2.0.7 ``/accountholdermessaging``): any token but a deleted
  one; it does not change the state.

The pre-flight check and the simulated MDES both use these functions, so the two cannot
disagree about a transition. Nothing here does I/O. Transitions return a new
:class:`TokenState` or raise :class:`LifecycleError` with a stable violation code.

Not modelled: wallet-specific overrides (an issuer lifting a cardholder's Apple Pay
suspension) and the card-on-file limit to suspenders ``I`` and ``W``.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType

from attrs import frozen

from .exceptions import MdesRulesError
from .masking import scrub

__all__ = [
    "SUSPENDERS",
    "SUSPENDER_NAMES",
    "Event",
    "LifecycleError",
    "Status",
    "TokenState",
    "activate",
    "apply",
    "delete",
    "require_awaiting_activation",
    "require_not_deleted",
    "require_updatable",
    "suspend",
    "unsuspend",
]


class Status(enum.Enum):
    """A token's lifecycle state, valued by its MDES one-letter status code."""

    ACTIVE = "A"
    SUSPENDED = "S"
    #: MDES "unmapped": not yet linked to the PAN, tokenization "in progress".
    IN_PROGRESS = "U"
    #: Logically deleted; terminal.
    DELETED = "D"

    @classmethod
    def parse(cls, value: object) -> Status:
        """Return the status named by *value*: a one-letter code or a word, any case.

        Inventories exported by issuer systems use the codes (``A``, ``S``, ``U``, ``D``) or
        words; INACTIVE, IN_PROGRESS and "IN PROGRESS" all mean ``U``, DEACTIVATED means
        ``D``.

        Raises:
            ValueError: *value* is not one of those (the message lists what is accepted).
        """
        if isinstance(value, str) and value.isascii():
            status = _STATUS_NAMES.get(value.upper())
            if status is not None:
                return status
            masked = scrub(value)
            shown = repr(masked[:20]) + ("..." if len(masked) > 20 else "")
        else:
            shown = (
                "in non-ASCII text" if isinstance(value, str) else f"of type {type(value).__name__}"
            )
        raise ValueError(scrub(f"unknown token status {shown}; use one of {_ACCEPTED}"))


_STATUS_NAMES: Mapping[str, Status] = MappingProxyType(
    {
        "A": Status.ACTIVE,
        "ACTIVE": Status.ACTIVE,
        "S": Status.SUSPENDED,
        "SUSPENDED": Status.SUSPENDED,
        "U": Status.IN_PROGRESS,
        "INACTIVE": Status.IN_PROGRESS,
        "IN_PROGRESS": Status.IN_PROGRESS,
        "IN PROGRESS": Status.IN_PROGRESS,
        "D": Status.DELETED,
        "DELETED": Status.DELETED,
        "DEACTIVATED": Status.DELETED,
    }
)
_ACCEPTED = ", ".join(repr(name) for name in _STATUS_NAMES) + " (any case)"

#: What each suspender code stands for, for messages.
SUSPENDER_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "I": "the issuer",
        "W": "the token requestor (wallet)",
        "C": "the cardholder",
        "P": "the Mobile PIN validation service",
        "M": "the Mobile PIN change validation service",
    }
)

#: The parties that can suspend a token, by their MDES ``Suspenders`` code.
SUSPENDERS: frozenset[str] = frozenset(SUSPENDER_NAMES)


def _describe(party: str) -> str:
    return f"{SUSPENDER_NAMES[party]} ({party})"


def _describe_all(parties: frozenset[str]) -> str:
    names = [_describe(p) for p in sorted(parties)]
    return " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)


@frozen
class TokenState:
    """A token's status and, when suspended, who suspended it.

    Invariant: the status is SUSPENDED exactly when ``suspenders`` is non-empty, and every
    suspender is one of :data:`SUSPENDERS`. A constructor call that breaks it raises
    ``ValueError``, so no transition can produce an impossible state.
    """

    status: Status
    suspenders: frozenset[str] = frozenset()

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.suspenders, frozenset):
            raise TypeError(f"suspenders must be a frozenset, got {type(self.suspenders).__name__}")
        unknown = self.suspenders - SUSPENDERS
        if unknown:
            raise ValueError(
                f"unknown suspender {sorted(map(repr, unknown))}; use one of {sorted(SUSPENDERS)}"
            )
        if (self.status is Status.SUSPENDED) != bool(self.suspenders):
            raise ValueError(
                "a token has suspenders exactly when it is SUSPENDED; "
                f"got status {self.status.name} with suspenders {sorted(self.suspenders)}"
            )


class LifecycleError(MdesRulesError):
    """A transition the MDES lifecycle forbids.

    Attributes:
        code: the stable violation code: ``"token_state"`` when the token's state does not
            allow the operation, ``"suspender"`` when the suspension rules forbid it.
        message: what is wrong and what would fix it (also ``str(error)``).
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _terminal(action: str) -> LifecycleError:
    return LifecycleError(
        "token_state", f"token is DELETED; DELETED is terminal, a deleted token cannot be {action}"
    )


def _check_party(party: str) -> None:
    if party not in SUSPENDERS:
        raise ValueError(f"unknown party {party!r}; use one of {sorted(SUSPENDERS)}")


def activate(state: TokenState) -> TokenState:
    """Activate a token whose tokenization is in progress (``U`` -> ``A``).

    MDES activates a token that is approved and provisioned but awaiting activation; an
    active, suspended or deleted token is past that point.
    """
    if state.status is Status.IN_PROGRESS:
        return TokenState(Status.ACTIVE)
    if state.status is Status.DELETED:
        raise _terminal("activated")
    raise LifecycleError(
        "token_state",
        f"token is {state.status.name}; only a token IN_PROGRESS (U, awaiting activation) "
        "can be activated",
    )


def suspend(state: TokenState, party: str) -> TokenState:
    """Suspend a token on behalf of *party*, one of :data:`SUSPENDERS`.

    MDES allows several concurrent suspenders: the first turns ``A`` into ``S``, each later
    one is added. A party cannot suspend twice, and a token in progress or deleted cannot be
    suspended.

    Raises:
        LifecycleError: ``token_state`` or ``suspender``, as above.
        ValueError: *party* is not a suspender code (a programming error).
    """
    _check_party(party)
    if state.status is Status.DELETED:
        raise _terminal("suspended")
    if state.status is Status.IN_PROGRESS:
        raise LifecycleError(
            "token_state",
            "token is IN_PROGRESS; only an ACTIVE or SUSPENDED token can be suspended, "
            "activate it first",
        )
    if party in state.suspenders:
        raise LifecycleError(
            "suspender",
            f"token is already suspended by {_describe(party)}; "
            "a party cannot suspend a token twice",
        )
    return TokenState(Status.SUSPENDED, state.suspenders | {party})


def unsuspend(state: TokenState, party: str) -> TokenState:
    """Lift *party*'s own suspension of a token.

    MDES lets a party lift only its own suspension; the token is ACTIVE again only when its
    last suspender is gone, and stays SUSPENDED while others remain.

    Raises:
        LifecycleError: ``token_state`` when the token is not SUSPENDED, ``suspender`` when
            *party* is not among its suspenders.
        ValueError: *party* is not a suspender code (a programming error).
    """
    _check_party(party)
    if state.status is Status.DELETED:
        raise _terminal("unsuspended")
    if state.status is not Status.SUSPENDED:
        raise LifecycleError(
            "token_state",
            f"token is {state.status.name}, not SUSPENDED; there is no suspension to lift",
        )
    if party not in state.suspenders:
        raise LifecycleError(
            "suspender",
            f"token is suspended by {_describe_all(state.suspenders)}, not by "
            f"{_describe(party)}; a party lifts only its own suspension",
        )
    remaining = state.suspenders - {party}
    return TokenState(Status.SUSPENDED if remaining else Status.ACTIVE, remaining)


def delete(state: TokenState) -> TokenState:
    """Delete a token: any state but DELETED becomes DELETED, with no suspenders left."""
    if state.status is Status.DELETED:
        raise LifecycleError(
            "token_state", "token is already DELETED; DELETED is terminal, it cannot be deleted"
        )
    return TokenState(Status.DELETED)


def require_updatable(state: TokenState) -> None:
    """Refuse an update of a token that is not ACTIVE or SUSPENDED.

    MDES updates (new PAN, expiry, product configuration, assurance level) apply only to
    ACTIVE or SUSPENDED tokens and leave tokens in progress or deleted untouched. An update
    does not change the state, so this returns nothing.
    """
    if state.status in (Status.ACTIVE, Status.SUSPENDED):
        return
    raise LifecycleError(
        "token_state",
        f"token is {state.status.name}; MDES updates only ACTIVE or SUSPENDED tokens",
    )


def require_awaiting_activation(state: TokenState, doing: str) -> None:
    """Refuse what applies only to a token awaiting activation (``U``, IN_PROGRESS).

    MDES lists the activation methods of "a token that is awaiting activation" and resends
    an activation code, which starts a new expiry period, only for such a token. Neither
    changes the state, so this returns nothing.

    Args:
        state: the token's state.
        doing: what is asked, for the message (``"sent a new activation code"``).
    """
    if state.status is Status.IN_PROGRESS:
        return
    if state.status is Status.DELETED:
        raise _terminal(doing)
    raise LifecycleError(
        "token_state",
        f"token is {state.status.name}; only a token IN_PROGRESS (U, awaiting activation) "
        f"can be {doing}",
    )


def require_not_deleted(state: TokenState, doing: str) -> None:
    """Refuse what makes sense only for a token that is not DELETED.

    An account holder message is shown in the wallet below the card's image (CS API 2.0.7
    ``/accountholdermessaging``); a deleted token has left the wallet, while one awaiting
    activation, active or suspended is still shown there. Nothing changes the state.

    Args:
        state: the token's state.
        doing: what is asked, for the message (``"sent a message"``).
    """
    if state.status is Status.DELETED:
        raise _terminal(doing)


class Event(enum.Enum):
    """A lifecycle operation, for callers that dispatch on data (the simulator, tests)."""

    ACTIVATE = "activate"
    SUSPEND = "suspend"
    UNSUSPEND = "unsuspend"
    DELETE = "delete"


def apply(state: TokenState, event: Event, party: str = "I") -> TokenState:
    """Apply *event* to *state*; *party* is the caller, used by suspend and unsuspend.

    The default party is the issuer, since CS API callers are issuers.
    """
    if event is Event.ACTIVATE:
        return activate(state)
    if event is Event.SUSPEND:
        return suspend(state, party)
    if event is Event.UNSUSPEND:
        return unsuspend(state, party)
    if event is Event.DELETE:
        return delete(state)
    raise ValueError(f"unknown event {event!r}")
