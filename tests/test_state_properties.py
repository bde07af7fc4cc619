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


def record(
    tur: str,
    pan: str,
    state: TokenState,
    level: str | None = "1",
    *,
    token_type: str | None = "C",
    app: str | None = None,
) -> dict[str, object]:
    """One inventory record, as the inventory file holds it (a cloud token unless told)."""
    result: dict[str, object] = {
        "tokenUniqueReference": tur,
        "accountPan": pan,
        "status": state.status.name,
        "suspenders": sorted(state.suspenders),
        "tokenAssuranceLevel": level,
        "tokenType": token_type,
        "paymentAppInstanceId": app,
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
    "token_resend_activation_code": lambda state, party: lifecycle.require_awaiting_activation(
        state, "sent a new activation code"
    ),
    "token_activation_methods": lambda state, party: lifecycle.require_awaiting_activation(
        state, "asked for its activation methods"
    ),
    "account_holder_messaging": lambda state, party: lifecycle.require_not_deleted(
        state, "sent a message for the cardholder"
    ),
}
# A refusal of these is a warning: looking up activation methods is a read.
WARNS = {"token_activation_methods"}
READS = [
    "token_status_history",
    "token_comments",
    "transactions",
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


def severity(operation: str) -> str:
    return "warning" if operation in WARNS else "error"


def type_answer(operation: str, token_type: object) -> str | None:
    """The severity of the token-type rule for this operation and tokenType, or None."""
    if operation != "token_reset_mobile_pin" or token_type == "C":
        return None
    return "warning" if token_type is None else "error"


def test_every_operation_is_classified_here() -> None:
    notifications = {"notify_token_updated", "notify_token_updated_envelope"}  # no token state
    tms = {"tms_card_art", "tms_payment_credentials"}  # CyberSource TMS: no MDES token state
    no_token = {"system_status"}  # GET /systemstatus names no token
    assert set(REGISTRY.names()) == {
        *ACTIONS, *READS, "search", *notifications, *tms, *no_token
    }  # fmt: skip


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
    path = path_in(operation, "TokenUniqueReference")
    expected = [] if code is None else [(code, path, severity(operation))]
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
        expected.append((code, tur_path, severity(operation)))
    kind = type_answer(operation, chosen.get("tokenType"))
    if kind is not None:
        expected.append(("token_state", tur_path, kind))
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


# --- awaiting activation: resend the activation code, list the activation methods ----------------

AWAITING = [
    # operation, state, severity of the refusal (None: allowed)
    ("token_resend_activation_code", IN_PROGRESS, None),
    ("token_resend_activation_code", ACTIVE, "error"),
    ("token_resend_activation_code", suspended("I"), "error"),
    ("token_resend_activation_code", suspended("W", "C"), "error"),
    ("token_resend_activation_code", DELETED, "error"),
    ("token_activation_methods", IN_PROGRESS, None),
    ("token_activation_methods", ACTIVE, "warning"),
    ("token_activation_methods", suspended("W"), "warning"),
    ("token_activation_methods", DELETED, "warning"),
]


@pytest.mark.parametrize(("operation", "state", "refused"), AWAITING, ids=show)
@SOME
@given(data=st.data())
def test_activation_codes_and_methods_are_for_a_token_awaiting_activation(
    operation: str, state: TokenState, refused: str | None, data: st.DataObject
) -> None:
    """CS API 2.0.7: a new activation code starts a new expiry period and the activation
    methods are those "for a token that is awaiting activation": any other state is
    ``token_state``, an error for the resend, a warning for the lookup (a read)."""
    document, tur = by_tur(data, operation)
    report = check(operation, document, context(record(tur, A_PAN, state)))
    path = path_in(operation, "TokenUniqueReference")
    assert found(report) == ([] if refused is None else [("token_state", path, refused)])
    assert report.ok is (refused != "error")
    if refused is not None:
        assert state.status.name in report.violations[0].message


# --- reset mobile PIN: Mastercard Cloud-Based Payments tokens only -------------------------------


@pytest.mark.parametrize(
    ("token_type", "refused"), [("C", None), ("S", "error"), ("F", "error"), (None, "warning")]
)
@SOME
@given(data=st.data(), state=token_states())
def test_reset_mobile_pin_is_for_a_cloud_token(
    token_type: str | None, refused: str | None, data: st.DataObject, state: TokenState
) -> None:
    """ "Requests the reset of the PIN associated with a Mastercard Cloud-Based Payment
    token": a token of another tokenType is ``token_state``; a record without tokenType
    gets a ``token_state`` warning that the inventory cannot tell."""
    document, tur = by_tur(data, "token_reset_mobile_pin")
    report = check(
        "token_reset_mobile_pin",
        document,
        context(record(tur, A_PAN, state, token_type=token_type)),
    )
    path = "/TokenResetMobilePinRequest/TokenUniqueReference"
    assert found(report) == ([] if refused is None else [("token_state", path, refused)])
    if refused == "warning":
        assert "cannot tell" in report.violations[0].message


# --- activation by AccountPan + PaymentAppInstanceId ---------------------------------------------

ACTIVATE = "token_activate"
APP_PATH = "/TokenActivateRequest/PaymentAppInstanceId"
PAN_PATH = "/TokenActivateRequest/AccountPan"


def by_app(data: st.DataObject) -> tuple[dict[str, Any], str, str]:
    """A valid activation by AccountPan + PaymentAppInstanceId, its PAN and its app."""
    document = data.draw(valid_documents(ACTIVATE, sending=["AccountPan"]), label="request")
    inner = request(document, ACTIVATE)
    return document, inner["AccountPan"], inner["PaymentAppInstanceId"]


def another(app: str) -> str:
    """A Payment App instance id other than *app*."""
    return "OTHER-APP" if app != "OTHER-APP" else "OTHER-APP-2"


def activation_by_app(
    states_and_apps: list[tuple[TokenState, str | None]], app: str
) -> tuple[str, str] | None:
    """The rule, written plainly: (code, severity) of the refusal, or None."""
    known = [s for s, a in states_and_apps if a == app]
    unknown = [s for s, a in states_and_apps if a is None]
    if not known and not unknown:
        return ("unknown_token", "error")
    if any(s.status is Status.IN_PROGRESS for s in known):
        return None
    if any(s.status is Status.IN_PROGRESS for s in unknown):
        return ("token_state", "warning")
    return ("token_state", "error")


@SOME
@given(data=st.data(), state=token_states())
def test_activation_by_app_of_a_token_awaiting_activation_on_that_app_passes(
    data: st.DataObject, state: TokenState
) -> None:
    """The valid case: the PAN has a token IN_PROGRESS on that Payment App instance (and
    maybe others, in any state, on any instance)."""
    document, pan, app = by_app(data)
    records = [
        record("TUR000001", pan, IN_PROGRESS, app=app),
        record("TUR000002", pan, state, app=data.draw(st.sampled_from([app, None, "OTHER"]))),
    ]
    assert found(check(ACTIVATE, document, context(*records))) == []


@pytest.mark.parametrize(
    ("mutation", "expected"),
    [
        ("status", ("token_state", "error")),
        ("app", ("unknown_token", "error")),
        ("app unknown", ("token_state", "warning")),
    ],
)
@SOME
@given(data=st.data(), state=st.sampled_from([ACTIVE, suspended("I"), DELETED]))
def test_activation_by_app_minimal_mutations(
    mutation: str, expected: tuple[str, str], data: st.DataObject, state: TokenState
) -> None:
    """From a passing inventory (one token of the PAN, IN_PROGRESS on the app), one change:
    the token is past activation (``token_state``), it is on another Payment App instance
    (``unknown_token``), or the inventory does not know its instance (a warning)."""
    document, pan, app = by_app(data)
    token = record("TUR000001", pan, IN_PROGRESS, app=app)
    assert found(check(ACTIVATE, document, context(token))) == []
    if mutation == "status":
        token = record("TUR000001", pan, state, app=app)
    elif mutation == "app":
        token = record("TUR000001", pan, IN_PROGRESS, app=another(app))
    else:
        token = record("TUR000001", pan, IN_PROGRESS, app=None)
    report = check(ACTIVATE, document, context(token))
    code, level = expected
    assert found(report) == [(code, PAN_PATH, level)]
    (v,) = report.violations
    assert set(v.fields) == {PAN_PATH, APP_PATH}
    assert pan not in v.message


@SOME
@given(
    data=st.data(),
    tokens=st.lists(
        st.tuples(token_states(), st.sampled_from(["SAME", "OTHER", None])), min_size=1, max_size=5
    ),
)
def test_activation_by_app_is_judged_by_the_tokens_of_that_pan_on_that_app(
    data: st.DataObject, tokens: list[tuple[TokenState, str | None]]
) -> None:
    """Among the PAN's tokens, those on another instance do not count; those whose instance
    the inventory does not know may be the one, so they give at most a warning."""
    document, pan, app = by_app(data)
    states_and_apps = [
        (state, app if which == "SAME" else (None if which is None else another(app)))
        for state, which in tokens
    ]
    records = [record(f"TUR{i:06d}", pan, s, app=a) for i, (s, a) in enumerate(states_and_apps)]
    records.append(
        record(
            "TUR-OF-ANOTHER-PAN",
            A_PAN if pan != A_PAN else "4111111111111111",
            IN_PROGRESS,
            app=app,
        )
    )
    answer = activation_by_app(states_and_apps, app)
    expected = [] if answer is None else [(answer[0], PAN_PATH, answer[1])]
    assert found(check(ACTIVATE, document, context(*records))) == expected


@SOME
@given(data=st.data())
def test_activation_by_a_pan_without_tokens_is_unknown_token(data: st.DataObject) -> None:
    document, pan, app = by_app(data)
    other = A_PAN if pan != A_PAN else "4111111111111111"
    report = check(ACTIVATE, document, context(record("TUR000001", other, IN_PROGRESS, app=app)))
    assert found(report) == [("unknown_token", PAN_PATH, "error")]
