"""The MDES token lifecycle: each transition, each refusal, and random walks against a model."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from mdesrules.lifecycle import (
    SUSPENDER_NAMES,
    SUSPENDERS,
    Event,
    LifecycleError,
    Status,
    TokenState,
    activate,
    apply,
    delete,
    require_not_deleted,
    require_updatable,
    suspend,
    unsuspend,
)

T = TypeVar("T")

ACTIVE = TokenState(Status.ACTIVE)
IN_PROGRESS = TokenState(Status.IN_PROGRESS)
DELETED = TokenState(Status.DELETED)


def suspended(*parties: str) -> TokenState:
    return TokenState(Status.SUSPENDED, frozenset(parties))


def refusal(code: str, call: object, *args: object) -> LifecycleError:
    """Call and expect a LifecycleError with *code*; return it for checks on the message."""
    assert callable(call)
    with pytest.raises(LifecycleError) as info:
        call(*args)
    error = info.value
    assert error.code == code
    assert str(error) == error.message
    return error


# --- Status.parse -----------------------------------------------------------------------------

WORDS = {
    Status.ACTIVE: ["A", "ACTIVE"],
    Status.SUSPENDED: ["S", "SUSPENDED"],
    Status.IN_PROGRESS: ["U", "INACTIVE", "IN_PROGRESS", "IN PROGRESS"],
    Status.DELETED: ["D", "DELETED", "DEACTIVATED"],
}


@pytest.mark.parametrize(("word", "status"), [(w, s) for s, words in WORDS.items() for w in words])
def test_status_parse_accepts_codes_and_words_in_any_case(word: str, status: Status) -> None:
    assert Status.parse(word) is status
    assert Status.parse(word.lower()) is status
    assert Status.parse(word.title()) is status


def test_status_values_are_the_mdes_codes() -> None:
    assert {s.value for s in Status} == {"A", "S", "U", "D"}


def fullwidth(text: str) -> str:
    """*text* in full-width forms, which ``str.upper`` and ``str.isdigit`` also accept."""
    return "".join(chr(ord(c) + 0xFEE0) for c in text)


@pytest.mark.parametrize(
    "value", ["", "X", "ACTIV", " A", "PENDING", "act\u0131ve", fullwidth("ACTIVE")]
)
def test_status_parse_refuses_other_text_and_lists_what_is_accepted(value: str) -> None:
    with pytest.raises(ValueError, match="IN_PROGRESS") as info:
        Status.parse(value)
    assert "DEACTIVATED" in str(info.value)


@pytest.mark.parametrize("value", [None, 1, 1.5, ["A"], {"A": 1}, b"A", Status.ACTIVE])
def test_status_parse_refuses_non_strings(value: object) -> None:
    with pytest.raises(ValueError, match="use one of"):
        Status.parse(value)


@given(st.text(min_size=21))
def test_status_parse_echoes_at_most_20_characters_of_the_bad_value(value: str) -> None:
    with pytest.raises(ValueError, match="unknown token status") as info:
        Status.parse(value)
    assert value[:21] not in str(info.value)


@given(st.text("0123456789", min_size=9, max_size=19))
def test_status_parse_never_echoes_a_pan(pan: str) -> None:
    with pytest.raises(ValueError, match="unknown token status") as info:
        Status.parse(pan)
    assert pan not in str(info.value)


# --- TokenState invariant -----------------------------------------------------------------------


def test_suspender_codes() -> None:
    assert frozenset({"I", "W", "C", "P", "M"}) == SUSPENDERS
    assert set(SUSPENDER_NAMES) == SUSPENDERS


@pytest.mark.parametrize(
    ("status", "suspenders"),
    [
        (Status.SUSPENDED, frozenset()),
        (Status.ACTIVE, frozenset({"I"})),
        (Status.IN_PROGRESS, frozenset({"W"})),
        (Status.DELETED, frozenset({"C"})),
        (Status.SUSPENDED, frozenset({"X"})),
    ],
)
def test_token_state_refuses_suspenders_that_do_not_match_the_status(
    status: Status, suspenders: frozenset[str]
) -> None:
    with pytest.raises(ValueError, match="suspender"):
        TokenState(status, suspenders)


def test_token_state_holds_a_frozenset_of_suspenders() -> None:
    with pytest.raises(TypeError):
        TokenState(Status.SUSPENDED, {"I"})  # type: ignore[arg-type]


# --- activate -----------------------------------------------------------------------------------


def test_activate_turns_a_token_in_progress_active() -> None:
    assert activate(IN_PROGRESS) == ACTIVE


@pytest.mark.parametrize("state", [ACTIVE, suspended("I")])
def test_activate_refuses_a_token_past_activation(state: TokenState) -> None:
    error = refusal("token_state", activate, state)
    assert state.status.name in error.message
    assert "IN_PROGRESS" in error.message


def test_activate_refuses_a_deleted_token_as_terminal() -> None:
    assert "terminal" in refusal("token_state", activate, DELETED).message


# --- suspend ------------------------------------------------------------------------------------


@pytest.mark.parametrize("party", sorted(SUSPENDERS))
def test_suspend_turns_an_active_token_suspended_by_the_party(party: str) -> None:
    assert suspend(ACTIVE, party) == suspended(party)


def test_suspend_adds_a_second_suspender() -> None:
    assert suspend(suspended("C"), "I") == suspended("C", "I")


def test_suspend_refuses_a_party_that_already_suspended() -> None:
    error = refusal("suspender", suspend, suspended("C", "I"), "I")
    assert "already suspended by the issuer (I)" in error.message


def test_suspend_refuses_a_token_in_progress() -> None:
    error = refusal("token_state", suspend, IN_PROGRESS, "I")
    assert "IN_PROGRESS" in error.message
    assert "activate it first" in error.message


def test_suspend_refuses_a_deleted_token() -> None:
    error = refusal("token_state", suspend, DELETED, "I")
    assert error.message == (
        "token is DELETED; DELETED is terminal, a deleted token cannot be suspended"
    )


def test_suspend_by_an_unknown_party_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown party"):
        suspend(ACTIVE, "X")


# --- unsuspend ----------------------------------------------------------------------------------


def test_unsuspend_by_the_last_suspender_makes_the_token_active() -> None:
    assert unsuspend(suspended("W"), "W") == ACTIVE


def test_unsuspend_keeps_the_token_suspended_while_others_remain() -> None:
    assert unsuspend(suspended("C", "I"), "I") == suspended("C")


def test_a_party_lifts_only_its_own_suspension() -> None:
    error = refusal("suspender", unsuspend, suspended("C", "W"), "I")
    for named in ("the cardholder (C)", "the token requestor (wallet) (W)", "the issuer (I)"):
        assert named in error.message
    assert "only its own" in error.message


@pytest.mark.parametrize("state", [ACTIVE, IN_PROGRESS])
def test_unsuspend_refuses_a_token_that_is_not_suspended(state: TokenState) -> None:
    error = refusal("token_state", unsuspend, state, "I")
    assert state.status.name in error.message
    assert "not SUSPENDED" in error.message


def test_unsuspend_refuses_a_deleted_token() -> None:
    assert "terminal" in refusal("token_state", unsuspend, DELETED, "I").message


def test_unsuspend_by_an_unknown_party_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown party"):
        unsuspend(suspended("I"), "i")


# --- delete and update --------------------------------------------------------------------------


@pytest.mark.parametrize("state", [ACTIVE, IN_PROGRESS, suspended("I", "C")])
def test_delete_makes_any_live_token_deleted_without_suspenders(state: TokenState) -> None:
    assert delete(state) == DELETED


def test_deleted_is_terminal_for_delete() -> None:
    assert "terminal" in refusal("token_state", delete, DELETED).message


@pytest.mark.parametrize("state", [ACTIVE, suspended("W")])
def test_require_updatable_allows_active_and_suspended_tokens(state: TokenState) -> None:
    require_updatable(state)


@pytest.mark.parametrize("state", [IN_PROGRESS, DELETED])
def test_require_updatable_refuses_tokens_in_progress_or_deleted(state: TokenState) -> None:
    error = refusal("token_state", require_updatable, state)
    assert state.status.name in error.message
    assert "ACTIVE or SUSPENDED" in error.message


@pytest.mark.parametrize("state", [ACTIVE, IN_PROGRESS, suspended("I", "C")])
def test_a_message_goes_to_any_token_still_in_the_wallet(state: TokenState) -> None:
    require_not_deleted(state, "sent a message for the cardholder")


def test_a_deleted_token_takes_no_message() -> None:
    error = refusal("token_state", require_not_deleted, DELETED, "sent a message")
    assert error.message == (
        "token is DELETED; DELETED is terminal, a deleted token cannot be sent a message"
    )


# --- apply --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("event", "state", "party", "expected"),
    [
        (Event.ACTIVATE, IN_PROGRESS, "I", ACTIVE),
        (Event.SUSPEND, ACTIVE, "W", suspended("W")),
        (Event.UNSUSPEND, suspended("W", "I"), "W", suspended("I")),
        (Event.DELETE, suspended("I"), "I", DELETED),
    ],
)
def test_apply_dispatches_to_the_transition(
    event: Event, state: TokenState, party: str, expected: TokenState
) -> None:
    assert apply(state, event, party) == expected


def test_apply_defaults_to_the_issuer() -> None:
    assert apply(ACTIVE, Event.SUSPEND) == suspended("I")


# --- random walks against a simple model --------------------------------------------------------


def model_step(
    status: str, suspenders: set[str], event: str, party: str
) -> tuple[str, set[str]] | str:
    """The lifecycle as a plain table: the new (status letter, suspenders), or a refusal code."""
    if status == "D":
        return "token_state"
    if event == "activate":
        return ("A", set()) if status == "U" else "token_state"
    if event == "delete":
        return ("D", set())
    if event == "suspend":
        if status == "U":
            return "token_state"
        if party in suspenders:
            return "suspender"
        return ("S", suspenders | {party})
    assert event == "unsuspend"
    if status != "S":
        return "token_state"
    if party not in suspenders:
        return "suspender"
    rest = suspenders - {party}
    return ("S" if rest else "A", rest)


def outcome(call: Callable[[], T]) -> T | str:
    """What *call* returns, or the code of the LifecycleError it raises."""
    try:
        return call()
    except LifecycleError as e:
        return e.code if e.message else "refusal without a message"


parties = st.sampled_from(sorted(SUSPENDERS))


@st.composite
def any_state(draw: st.DrawFn) -> tuple[str, set[str]]:
    status = draw(st.sampled_from("ASUD"))
    if status != "S":
        return status, set()
    return status, draw(st.sets(parties, min_size=1))


class LifecycleMachine(RuleBasedStateMachine):
    """Drives one token through random operations; the module and the model must agree."""

    def __init__(self) -> None:
        super().__init__()
        self.status = "U"
        self.suspenders: set[str] = set()
        self.state = TokenState(Status.IN_PROGRESS)
        self.deleted = False

    @initialize(start=any_state())
    def start(self, start: tuple[str, set[str]]) -> None:
        self.status, self.suspenders = start
        self.state = TokenState(Status(self.status), frozenset(self.suspenders))
        self.deleted = self.status == "D"

    def step(self, event: str, party: str) -> None:
        expected = model_step(self.status, self.suspenders, event, party)
        new = outcome(lambda: apply(self.state, Event(event), party))
        if isinstance(new, str):
            assert new == expected, f"{event} by {party}: module refused ({new}), model {expected}"
            return
        assert isinstance(expected, tuple), f"{event} by {party}: model refused with {expected}"
        assert (new.status.value, set(new.suspenders)) == expected
        self.state = new
        self.status, self.suspenders = expected
        self.deleted = self.deleted or self.status == "D"

    @rule()
    def activate(self) -> None:
        self.step("activate", "I")

    @rule(party=parties)
    def suspend(self, party: str) -> None:
        self.step("suspend", party)

    @rule(party=parties)
    def unsuspend(self, party: str) -> None:
        self.step("unsuspend", party)

    @rule()
    def delete(self) -> None:
        self.step("delete", "I")

    @invariant()
    def suspended_exactly_when_someone_suspended_it(self) -> None:
        assert (self.state.status is Status.SUSPENDED) == bool(self.state.suspenders)

    @invariant()
    def deleted_is_absorbing(self) -> None:
        if self.deleted:
            assert self.state == TokenState(Status.DELETED)

    @invariant()
    def only_active_or_suspended_tokens_are_updatable(self) -> None:
        refused = outcome(lambda: require_updatable(self.state))
        assert refused == ("token_state" if self.status in ("U", "D") else None)


LifecycleMachine.TestCase.settings = settings(
    max_examples=100, stateful_step_count=30, deadline=None
)
TestLifecycle = LifecycleMachine.TestCase
