"""Token-state rules: what a valid request may do to the tokens of the issuer's inventory.

With a :class:`~mdesrules.Context` (the inventory and the account ranges), ``check`` adds the
rules MDES applies by token state: only ACTIVE or SUSPENDED tokens are updated, a party lifts
only its own suspension, DELETED is terminal, a new PAN stays in the current PAN's account
range. Each refusal is exactly one violation at the pointer of the field naming the token.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mdesrules import REGISTRY, AccountRanges, Context, Inventory, Report, check, lifecycle
from mdesrules.lifecycle import SUSPENDERS, LifecycleError, Status, TokenState
from mdesrules.testing import inventory_records, luhn_pans, token_states, valid_documents
from mdesrules.violations import pointer

SOME = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])

ACTIVE = TokenState(Status.ACTIVE)
IN_PROGRESS = TokenState(Status.IN_PROGRESS)
DELETED = TokenState(Status.DELETED)


def suspended(*parties: str) -> TokenState:
    return TokenState(Status.SUSPENDED, frozenset(parties))


def show(value: object) -> str:
    """Test ids: ``ACTIVE``, ``SUSPENDED by I+W``, ``allowed`` for no violation."""
    if value is None:
        return "allowed"
    if isinstance(value, TokenState):
        by = "+".join(sorted(value.suspenders))
        return value.status.name + (f" by {by}" if by else "")
    return str(value)


def record(tur: str, pan: str, state: TokenState, level: str | None = "1") -> dict[str, object]:
    """One inventory record, as the inventory file holds it."""
    result: dict[str, object] = {
        "tokenUniqueReference": tur,
        "accountPan": pan,
        "status": state.status.name,
        "suspenders": sorted(state.suspenders),
        "tokenAssuranceLevel": level,
    }
    return result


def context(*records: dict[str, object], ranges: str | None = None, party: str = "I") -> Context:
    return Context(
        Inventory.from_records(records) if records else None,
        AccountRanges.from_csv(ranges) if ranges is not None else None,
        party,
    )


def name_in(operation: str, canonical: str) -> str:
    """The wire name of a field in the operation's JSON form (camelCase for the legacy API)."""
    return REGISTRY.get(operation).naming(canonical)


def request(document: dict[str, Any], operation: str) -> dict[str, Any]:
    wrapper = REGISTRY.get(operation).wrapper
    inner = document[wrapper] if wrapper is not None else document
    assert isinstance(inner, dict)
    return inner


def path_in(operation: str, canonical: str) -> str:
    wrapper = REGISTRY.get(operation).wrapper
    return pointer(*([wrapper] if wrapper else []), name_in(operation, canonical))


def by_tur(data: st.DataObject, operation: str) -> tuple[dict[str, Any], str]:
    """A valid request of *operation* naming its token by TUR, and that TUR."""
    tur = name_in(operation, "TokenUniqueReference")
    document = data.draw(valid_documents(operation, sending=[tur]), label="request")
    return document, request(document, operation)[tur]


def by_pan(data: st.DataObject, operation: str) -> tuple[dict[str, Any], str]:
    """A valid update naming its tokens by CurrentAccountPan, and that PAN."""
    name = name_in(operation, "CurrentAccountPan")
    document = data.draw(valid_documents(operation, sending=[name]), label="request")
    return document, request(document, operation)[name]


def found(report: Report) -> list[tuple[str, str, str]]:
    return [(v.code, v.path, v.severity) for v in report.violations]


A_PAN = "5204740009900014"
UPDATES = ["token_update", "legacy_update"]

# What each operation does to the token it names, in the lifecycle module's own terms.
ACTIONS: dict[str, Callable[[TokenState, str], object]] = {
    "token_activate": lambda state, party: lifecycle.activate(state),
    "token_update": lambda state, party: lifecycle.require_updatable(state),
    "legacy_update": lambda state, party: lifecycle.require_updatable(state),
    "update_token_assurance": lambda state, party: lifecycle.require_updatable(state),
    "token_suspend": lifecycle.suspend,
    "token_unsuspend": lifecycle.unsuspend,
    "token_delete": lambda state, party: lifecycle.delete(state),
}
READS = [
    "token_status_history",
    "token_comments",
    "transactions",
    "token_activation_methods",
    "token_resend_activation_code",
    "token_reset_mobile_pin",
]


def lifecycle_answer(operation: str, state: TokenState, party: str) -> str | None:
    """The code the lifecycle module gives for this operation on this state, or None."""
    if operation not in ACTIONS:
        return None
    try:
        ACTIONS[operation](state, party)
    except LifecycleError as e:
        return e.code
    return None


def test_every_operation_is_classified_here() -> None:
    notifications = {"notify_token_updated", "notify_token_updated_envelope"}  # no token state
    tms = {"tms_card_art", "tms_payment_credentials"}  # CyberSource TMS: no MDES token state
    assert set(REGISTRY.names()) == {*ACTIONS, *READS, "search", *notifications, *tms}


# --- the lifecycle, as properties ----------------------------------------------------------------


@pytest.mark.parametrize("operation", [*ACTIONS, *READS])
@SOME
@given(data=st.data(), state=token_states(), party=st.sampled_from(sorted(SUSPENDERS)))
def test_the_check_agrees_with_the_lifecycle_module(
    operation: str, data: st.DataObject, state: TokenState, party: str
) -> None:
    """Whatever the token's status and suspenders, and whoever the caller, the pre-flight
    check refuses exactly what the lifecycle refuses, with the same code, at the TUR."""
    document, tur = by_tur(data, operation)
    report = check(operation, document, context(record(tur, A_PAN, state), party=party))
    code = lifecycle_answer(operation, state, party)
    expected = [] if code is None else [(code, path_in(operation, "TokenUniqueReference"), "error")]
    assert found(report) == expected


@pytest.mark.parametrize("operation", [op for op in [*ACTIONS, *READS] if op != "legacy_update"])
@SOME
@given(data=st.data(), records=inventory_records(min_size=1))
def test_any_token_of_a_random_inventory_is_judged_by_its_own_state(
    operation: str, data: st.DataObject, records: list[dict[str, Any]]
) -> None:
    """Among many tokens, the check reads the one the request names, and only that one."""
    chosen = data.draw(st.sampled_from(records), label="token")
    document, _ = by_tur(data, operation)
    request(document, operation)["TokenUniqueReference"] = chosen["tokenUniqueReference"]
    state = TokenState(Status(chosen["status"]), frozenset(chosen.get("suspenders", ())))
    report = check(operation, document, context(*records))
    tur_path = path_in(operation, "TokenUniqueReference")
    expected = []
    if operation == "update_token_assurance" and chosen.get("tokenAssuranceLevel") is None:
        expected.append(("no_assurance_level", tur_path, "error"))
    code = lifecycle_answer(operation, state, "I")
    if code is not None:
        expected.append((code, tur_path, "error"))
    assert found(report) == expected


@pytest.mark.parametrize("operation", [*ACTIONS, *READS])
@SOME
@given(data=st.data(), state=token_states())
def test_a_tur_not_in_the_inventory_is_unknown_token(
    operation: str, data: st.DataObject, state: TokenState
) -> None:
    document, tur = by_tur(data, operation)
    other = "X" * 48 if tur != "X" * 48 else "Y" * 48
    report = check(operation, document, context(record(other, A_PAN, state)))
    assert found(report) == [("unknown_token", path_in(operation, "TokenUniqueReference"), "error")]


@SOME
@given(data=st.data(), state=token_states())
def test_search_for_an_unknown_token_is_only_a_warning(
    data: st.DataObject, state: TokenState
) -> None:
    document = data.draw(valid_documents("search", sending=["TokenUniqueReference"]))
    report = check("search", document, context(record("\x00not-sent\x00", A_PAN, state)))
    assert found(report) == [("unknown_token", "/SearchRequest/TokenUniqueReference", "warning")]
    assert report.ok


# --- updates -------------------------------------------------------------------------------------


@pytest.mark.parametrize("operation", UPDATES)
@pytest.mark.parametrize("state", [ACTIVE, suspended("I"), suspended("W", "C")], ids=show)
@SOME
@given(data=st.data())
def test_an_active_or_suspended_token_is_updated(
    operation: str, state: TokenState, data: st.DataObject
) -> None:
    document, tur = by_tur(data, operation)
    assert found(check(operation, document, context(record(tur, A_PAN, state)))) == []


@pytest.mark.parametrize("operation", UPDATES)
@pytest.mark.parametrize("state", [IN_PROGRESS, DELETED], ids=show)
@SOME
@given(data=st.data())
def test_a_token_in_progress_or_deleted_is_not_updated(
    operation: str, state: TokenState, data: st.DataObject
) -> None:
    document, tur = by_tur(data, operation)
    report = check(operation, document, context(record(tur, A_PAN, state)))
    assert found(report) == [("token_state", path_in(operation, "TokenUniqueReference"), "error")]


@pytest.mark.parametrize("operation", UPDATES)
@SOME
@given(data=st.data(), states=st.lists(token_states(), min_size=1, max_size=5))
def test_an_update_by_pan_needs_one_active_or_suspended_token_of_that_pan(
    operation: str, data: st.DataObject, states: list[TokenState]
) -> None:
    """An update by PAN touches the ACTIVE and SUSPENDED tokens of the PAN and leaves the
    others; when it has none to touch, it is ``token_state``."""
    document, pan = by_pan(data, operation)
    records = [record(f"TUR{i:06d}", pan, s) for i, s in enumerate(states)]
    records.append(
        record("TUR-OF-ANOTHER-PAN", A_PAN if pan != A_PAN else "4111111111111111", ACTIVE)
    )
    report = check(operation, document, context(*records))
    updatable = any(s.status in (Status.ACTIVE, Status.SUSPENDED) for s in states)
    path = path_in(operation, "CurrentAccountPan")
    assert found(report) == ([] if updatable else [("token_state", path, "error")])


@pytest.mark.parametrize("operation", UPDATES)
@SOME
@given(data=st.data())
def test_an_update_by_pan_whose_tokens_are_all_deleted_is_token_state(
    operation: str, data: st.DataObject
) -> None:
    document, pan = by_pan(data, operation)
    records = [record("TUR000001", pan, DELETED), record("TUR000002", pan, DELETED)]
    report = check(operation, document, context(*records))
    assert found(report) == [("token_state", path_in(operation, "CurrentAccountPan"), "error")]
    assert pan not in report.violations[0].message


@pytest.mark.parametrize("operation", UPDATES)
@SOME
@given(data=st.data())
def test_an_update_by_a_pan_without_tokens_is_unknown_token(
    operation: str, data: st.DataObject
) -> None:
    document, pan = by_pan(data, operation)
    other = A_PAN if pan != A_PAN else "4111111111111111"
    report = check(operation, document, context(record("TUR000001", other, ACTIVE)))
    assert found(report) == [("unknown_token", path_in(operation, "CurrentAccountPan"), "error")]


# --- account ranges ------------------------------------------------------------------------------

PREFIX = st.text("0123456789", min_size=6, max_size=6)


@st.composite
def ranges_and_pans(draw: st.DrawFn) -> tuple[list[tuple[str, str]], str, str]:
    """One to three account ranges of 6-digit prefixes, a current PAN in the first, and a
    new PAN anywhere (often in the first range, often not)."""
    ranges = []
    for _ in range(draw(st.integers(1, 3))):
        low, high = sorted(draw(st.lists(PREFIX, min_size=2, max_size=2)))
        ranges.append((low, high))
    low, high = ranges[0]
    inside = st.integers(int(low), int(high)).map("{:06d}".format)
    current = draw(inside.flatmap(lambda p: luhn_pans(12, 19, prefix=p)))
    new = draw(st.one_of(inside, PREFIX).flatmap(lambda p: luhn_pans(12, 19, prefix=p)))
    return ranges, current, new


def in_one_range(ranges: list[tuple[str, str]], a: str, b: str) -> bool:
    """The rule, written plainly: one range holds the first six digits of both PANs."""
    return any(low <= a[:6] <= high and low <= b[:6] <= high for low, high in ranges)


def csv(ranges: list[tuple[str, str]]) -> str:
    return "low,high\n" + "".join(f"{low},{high}\n" for low, high in ranges)


def with_new_pan(data: st.DataObject, operation: str, target: str) -> dict[str, Any]:
    names = [name_in(operation, target), name_in(operation, "NewAccountPan")]
    return data.draw(valid_documents(operation, sending=names), label="request")


@pytest.mark.parametrize("operation", UPDATES)
@SOME
@given(data=st.data(), case=ranges_and_pans())
def test_a_new_pan_stays_in_the_account_range_of_the_current_pan(
    operation: str, data: st.DataObject, case: tuple[list[tuple[str, str]], str, str]
) -> None:
    ranges, current, new = case
    document = with_new_pan(data, operation, "CurrentAccountPan")
    request(document, operation)[name_in(operation, "CurrentAccountPan")] = current
    request(document, operation)[name_in(operation, "NewAccountPan")] = new
    report = check(operation, document, context(ranges=csv(ranges)))
    new_path = path_in(operation, "NewAccountPan")
    if in_one_range(ranges, current, new):
        assert found(report) == []
    else:
        assert found(report) == [("account_range", new_path, "error")]
        (v,) = report.violations
        assert set(v.fields) == {new_path, path_in(operation, "CurrentAccountPan")}
        assert new not in v.message
        assert current not in v.message


@pytest.mark.parametrize("operation", UPDATES)
@SOME
@given(data=st.data(), case=ranges_and_pans(), state=st.sampled_from([ACTIVE, suspended("W")]))
def test_the_current_pan_of_an_update_by_tur_comes_from_the_inventory(
    operation: str,
    data: st.DataObject,
    case: tuple[list[tuple[str, str]], str, str],
    state: TokenState,
) -> None:
    ranges, current, new = case
    document = with_new_pan(data, operation, "TokenUniqueReference")
    tur = request(document, operation)[name_in(operation, "TokenUniqueReference")]
    request(document, operation)[name_in(operation, "NewAccountPan")] = new
    report = check(operation, document, context(record(tur, current, state), ranges=csv(ranges)))
    new_path = path_in(operation, "NewAccountPan")
    expected = [] if in_one_range(ranges, current, new) else [("account_range", new_path, "error")]
    assert found(report) == expected


@pytest.mark.parametrize("operation", UPDATES)
@SOME
@given(data=st.data())
def test_a_current_pan_in_no_configured_range_leaves_no_range_for_the_new_pan(
    operation: str, data: st.DataObject
) -> None:
    document = with_new_pan(data, operation, "CurrentAccountPan")
    request(document, operation)[name_in(operation, "CurrentAccountPan")] = "4111111111111111"
    request(document, operation)[name_in(operation, "NewAccountPan")] = A_PAN
    report = check(operation, document, context(ranges=csv([("520000", "529999")])))
    assert found(report) == [("account_range", path_in(operation, "NewAccountPan"), "error")]


# --- assurance level -----------------------------------------------------------------------------


@SOME
@given(data=st.data(), state=st.sampled_from([ACTIVE, suspended("I")]))
def test_update_token_assurance_needs_a_token_assurance_level(
    data: st.DataObject, state: TokenState
) -> None:
    document, tur = by_tur(data, "update_token_assurance")
    path = "/UpdateTokenAssuranceRequest/TokenUniqueReference"
    with_level = context(record(tur, A_PAN, state, level="2"))
    without = context(record(tur, A_PAN, state, level=None))
    assert found(check("update_token_assurance", document, with_level)) == []
    assert found(check("update_token_assurance", document, without)) == [
        ("no_assurance_level", path, "error")
    ]


@SOME
@given(data=st.data(), state=st.sampled_from([DELETED, IN_PROGRESS]))
def test_update_token_assurance_of_a_deleted_token_is_token_state_and_both_are_reported(
    data: st.DataObject, state: TokenState
) -> None:
    document, tur = by_tur(data, "update_token_assurance")
    path = "/UpdateTokenAssuranceRequest/TokenUniqueReference"
    report = check("update_token_assurance", document, context(record(tur, A_PAN, state)))
    assert found(report) == [("token_state", path, "error")]
    report = check("update_token_assurance", document, context(record(tur, A_PAN, state, None)))
    assert sorted(found(report)) == [
        ("no_assurance_level", path, "error"),
        ("token_state", path, "error"),
    ]


# --- suspend, unsuspend, delete, activate --------------------------------------------------------

CASES = [
    # operation, state, code (None: allowed)
    ("token_suspend", ACTIVE, None),
    ("token_suspend", suspended("W"), None),
    ("token_suspend", suspended("I"), "suspender"),
    ("token_suspend", suspended("I", "W"), "suspender"),
    ("token_suspend", DELETED, "token_state"),
    ("token_suspend", IN_PROGRESS, "token_state"),
    ("token_unsuspend", suspended("I"), None),
    ("token_unsuspend", suspended("I", "W"), None),
    ("token_unsuspend", suspended("W"), "suspender"),
    ("token_unsuspend", ACTIVE, "token_state"),
    ("token_unsuspend", DELETED, "token_state"),
    ("token_delete", ACTIVE, None),
    ("token_delete", suspended("C"), None),
    ("token_delete", IN_PROGRESS, None),
    ("token_delete", DELETED, "token_state"),
    ("token_activate", IN_PROGRESS, None),
    ("token_activate", ACTIVE, "token_state"),
    ("token_activate", suspended("I"), "token_state"),
    ("token_activate", DELETED, "token_state"),
]


@pytest.mark.parametrize(
    ("operation", "state", "code"),
    CASES,
    ids=show,
)
@SOME
@given(data=st.data())
def test_lifecycle_operations_by_the_issuer(
    operation: str, state: TokenState, code: str | None, data: st.DataObject
) -> None:
    """The issuer suspends an active token, or one suspended only by the wallet, but not one
    it suspended already; it lifts only its own suspension; DELETED is terminal."""
    document, tur = by_tur(data, operation)
    report = check(operation, document, context(record(tur, A_PAN, state)))
    path = path_in(operation, "TokenUniqueReference")
    assert found(report) == ([] if code is None else [(code, path, "error")])


# --- state rules skip what their fields' own rules refused ---------------------------------------


@SOME
@given(data=st.data(), state=token_states())
def test_a_tur_that_breaks_its_own_rules_is_not_also_looked_up(
    data: st.DataObject, state: TokenState
) -> None:
    """A legacy TUR must have 48 characters: a shorter one is ``too_short`` and nothing else,
    not also ``unknown_token`` or a state refusal."""
    document, tur = by_tur(data, "legacy_update")
    document["tokenUniqueReference"] = tur[:20]
    report = check("legacy_update", document, context(record(tur[:20], A_PAN, state)))
    assert found(report) == [("too_short", "/tokenUniqueReference", "error")]


def test_without_a_context_no_state_rule_runs() -> None:
    document = {
        "TokenDeleteRequest": {
            "TokenUniqueReference": "DWSPMC000000000132d72d4fcb2f4136a0532d3093ff1a45",
            "ReasonCode": "L",
            "AuditInfo": {"UserId": "u", "UserName": "n", "Organization": "o"},
        }
    }
    assert found(check("token_delete", document)) == []
    assert found(check("token_delete", document, Context())) == []
    assert [
        v.code
        for v in check("token_delete", document, context(record("x", A_PAN, ACTIVE))).violations
    ] == ["unknown_token"]
