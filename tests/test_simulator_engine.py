"""The simulated MDES engine: every operation's answer and refusals, in MDES's shape."""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from mdesrules import (
    AccountRange,
    AccountRanges,
    Client,
    Inventory,
    MdesError,
    Request,
    Status,
)
from mdesrules.fakes.mdes import MemoryStore, SimulatedMdes, SqliteStore, TokenStore
from mdesrules.models import legacy, requests, responses
from mdesrules.models.common import AuditInfo
from mdesrules.serving.wsgi import DEFAULT_BASE_PATH
from mdesrules.transports import HttpTransport, WsgiApp
from mdesrules.transports.memory import InMemoryTransport

PAN = "5412345678901232"
PAN_SAME_RANGE = "5412990000000011"
PAN_OTHER_RANGE = "5512345678901231"
AUDIT = AuditInfo(user_id="agent7", user_name="Agent Seven", organization="Issuer Bank")


def tur(n: int) -> str:
    """A 48-character Token Unique Reference (the legacy update wants exactly 48)."""
    return f"DWSPMC{n:042d}"


ACTIVE, SUSPENDED_BY_W, IN_PROGRESS, DELETED, SUSPENDED_BY_I = (tur(i) for i in range(1, 6))
LONE = tur(9)  # the only token of its PAN, ACTIVE, with an assurance level

RECORDS: list[dict[str, object]] = [
    {"tokenUniqueReference": ACTIVE, "accountPan": PAN, "status": "A", "tokenAssuranceLevel": "1"},
    {"tokenUniqueReference": SUSPENDED_BY_W, "accountPan": PAN, "status": "S", "suspenders": ["W"]},
    {"tokenUniqueReference": IN_PROGRESS, "accountPan": PAN, "status": "U"},
    {"tokenUniqueReference": DELETED, "accountPan": PAN, "status": "D"},
    {
        "tokenUniqueReference": SUSPENDED_BY_I,
        "accountPan": PAN,
        "status": "S",
        "suspenders": ["I", "C"],
        "tokenAssuranceLevel": "3",
    },
    {
        "tokenUniqueReference": LONE,
        "accountPan": PAN_OTHER_RANGE,
        "status": "A",
        "tokenAssuranceLevel": "2",
    },
]

RANGES = AccountRanges([AccountRange("541234", "541299"), AccountRange("551234", "551234")])


class Clock:
    """A clock that ticks one second per reading, from 2024-01-31 12:00:00 UTC."""

    def __init__(self) -> None:
        self.now = datetime(2024, 1, 31, 12, 0, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore.from_inventory(Inventory.from_records(RECORDS))


@pytest.fixture
def engine(store: MemoryStore) -> SimulatedMdes:
    return SimulatedMdes(store, account_ranges=RANGES, clock=Clock())


@pytest.fixture(params=[None, "json"])
def client(request: pytest.FixtureRequest, engine: SimulatedMdes) -> Iterator[Client]:
    with Client(InMemoryTransport(engine, wire=request.param)) as c:
        yield c


def status_of(store: TokenStore, token: str) -> tuple[Status, frozenset[str]]:
    stored = store.get(token)
    assert stored is not None
    return stored.status, stored.suspenders


def suspend(token: str, text: str | None = None) -> requests.TokenSuspendRequest:
    return requests.TokenSuspendRequest(
        token_unique_reference=token, reason_code="L", comment_text=text, audit_info=AUDIT
    )


def unsuspend(token: str, text: str | None = None) -> requests.TokenUnsuspendRequest:
    return requests.TokenUnsuspendRequest(
        token_unique_reference=token, reason_code="F", comment_text=text, audit_info=AUDIT
    )


def refusal(excinfo: pytest.ExceptionInfo[MdesError]) -> tuple[int, list[tuple[Any, ...]]]:
    error = excinfo.value
    return error.status, [
        (e.source, e.reason_code, e.recoverable, bool(e.description)) for e in error.errors
    ]


# -- lifecycle -----------------------------------------------------------------------------------


def test_activate_a_token_in_progress(client: Client, store: MemoryStore) -> None:
    answer = client.token_activate(
        requests.TokenActivateRequest(
            token_unique_reference=IN_PROGRESS, reason_code="C", audit_info=AUDIT
        )
    )
    assert answer.token == responses.SimpleToken(token_unique_reference=IN_PROGRESS)
    assert status_of(store, IN_PROGRESS) == (Status.ACTIVE, frozenset())


def test_activating_an_active_token_is_refused_in_the_mdes_shape(
    client: Client, store: MemoryStore
) -> None:
    with pytest.raises(MdesError) as excinfo:
        client.token_activate(
            requests.TokenActivateRequest(
                token_unique_reference=ACTIVE, reason_code="A", audit_info=AUDIT
            )
        )
    assert refusal(excinfo) == (
        400,
        [("/TokenActivateRequest/TokenUniqueReference", "TOKEN_STATE", "false", True)],
    )
    assert "IN_PROGRESS" in (excinfo.value.errors[0].description or "")
    assert status_of(store, ACTIVE) == (Status.ACTIVE, frozenset())


def test_activate_by_pan_and_app_instance_finds_nothing(client: Client) -> None:
    with pytest.raises(MdesError) as excinfo:
        client.token_activate(
            requests.TokenActivateRequest(
                account_pan=PAN, payment_app_instance_id="APP1", reason_code="A", audit_info=AUDIT
            )
        )
    assert refusal(excinfo) == (
        404,
        [("/TokenActivateRequest/PaymentAppInstanceId", "UNKNOWN_TOKEN", "false", True)],
    )


def test_activate_by_pan_and_app_instance_activates_the_token_on_that_instance() -> None:
    """With the Payment App instance in the store, activation by AccountPan +
    PaymentAppInstanceId finds the token; a token on it that is past activation is refused
    as by TUR."""
    waiting, done = tur(21), tur(22)
    inventory = Inventory.from_records(
        [
            {
                "tokenUniqueReference": waiting,
                "accountPan": PAN,
                "status": "U",
                "paymentAppInstanceId": "APP1",
            },
            {
                "tokenUniqueReference": done,
                "accountPan": PAN,
                "status": "A",
                "paymentAppInstanceId": "APP2",
            },
        ]
    )
    store = MemoryStore.from_inventory(inventory)
    with Client(InMemoryTransport(SimulatedMdes(store, clock=Clock()), wire="json")) as client:
        answer = client.token_activate(
            requests.TokenActivateRequest(
                account_pan=PAN, payment_app_instance_id="APP1", reason_code="A", audit_info=AUDIT
            )
        )
        assert answer.token is not None
        assert answer.token.token_unique_reference == waiting
        assert status_of(store, waiting) == (Status.ACTIVE, frozenset())
        with pytest.raises(MdesError) as excinfo:
            client.token_activate(
                requests.TokenActivateRequest(
                    account_pan=PAN,
                    payment_app_instance_id="APP2",
                    reason_code="A",
                    audit_info=AUDIT,
                )
            )
    assert refusal(excinfo) == (
        400,
        [("/TokenActivateRequest/AccountPan", "TOKEN_STATE", "false", True)],
    )
    assert status_of(store, done) == (Status.ACTIVE, frozenset())


def test_resend_activation_code_for_an_active_token_is_token_state(engine: SimulatedMdes) -> None:
    """A new activation code is only for a token awaiting activation: MDES's 400 with one
    TOKEN_STATE error at the TUR, through the JSON wire."""
    with (
        Client(InMemoryTransport(engine, wire="json")) as client,
        pytest.raises(MdesError) as excinfo,
    ):
        client.token_resend_activation_code(
            requests.TokenResendActivationCodeRequest(
                token_unique_reference=ACTIVE,
                activation_method_id="SMS-0001",
                audit_info=AUDIT,
            )
        )
    assert refusal(excinfo) == (
        400,
        [("/TokenResendActivationCodeRequest/TokenUniqueReference", "TOKEN_STATE", "false", True)],
    )
    assert excinfo.value.errors[0].description == (
        "token is ACTIVE; only a token IN_PROGRESS (U, awaiting activation) can be sent a new "
        "activation code"
    )


def test_reset_mobile_pin_of_a_secure_element_token_is_token_state() -> None:
    inventory = Inventory.from_records(
        [{"tokenUniqueReference": ACTIVE, "accountPan": PAN, "status": "A", "tokenType": "S"}]
    )
    engine = SimulatedMdes(MemoryStore.from_inventory(inventory), clock=Clock())
    with (
        Client(InMemoryTransport(engine, wire="json")) as client,
        pytest.raises(MdesError) as excinfo,
    ):
        client.token_reset_mobile_pin(
            requests.TokenResetMobilePinRequest(
                token_unique_reference=ACTIVE, reason_code="N", audit_info=AUDIT
            )
        )
    assert refusal(excinfo) == (
        400,
        [("/TokenResetMobilePinRequest/TokenUniqueReference", "TOKEN_STATE", "false", True)],
    )


def test_suspend_then_unsuspend(client: Client, store: MemoryStore) -> None:
    client.token_suspend(suspend(ACTIVE))
    assert status_of(store, ACTIVE) == (Status.SUSPENDED, frozenset("I"))
    with pytest.raises(MdesError) as excinfo:
        client.token_suspend(suspend(ACTIVE))
    assert refusal(excinfo)[1][0][1] == "SUSPENDER"
    client.token_unsuspend(unsuspend(ACTIVE))
    assert status_of(store, ACTIVE) == (Status.ACTIVE, frozenset())


def test_several_suspenders_and_only_the_own_suspension_lifted(
    client: Client, store: MemoryStore
) -> None:
    client.token_suspend(suspend(SUSPENDED_BY_W))
    assert status_of(store, SUSPENDED_BY_W) == (Status.SUSPENDED, frozenset("IW"))
    client.token_unsuspend(unsuspend(SUSPENDED_BY_W))
    assert status_of(store, SUSPENDED_BY_W) == (Status.SUSPENDED, frozenset("W"))
    with pytest.raises(MdesError) as excinfo:
        client.token_unsuspend(unsuspend(SUSPENDED_BY_W))
    assert refusal(excinfo) == (
        400,
        [("/TokenUnsuspendRequest/TokenUniqueReference", "SUSPENDER", "false", True)],
    )
    with pytest.raises(MdesError) as excinfo:
        client.token_unsuspend(unsuspend(ACTIVE))
    assert refusal(excinfo)[1][0][1] == "TOKEN_STATE"


def test_delete_is_terminal(client: Client, store: MemoryStore) -> None:
    client.token_delete(
        requests.TokenDeleteRequest(
            token_unique_reference=SUSPENDED_BY_I, reason_code="C", audit_info=AUDIT
        )
    )
    assert status_of(store, SUSPENDED_BY_I) == (Status.DELETED, frozenset())
    for request in (
        suspend(SUSPENDED_BY_I),
        unsuspend(SUSPENDED_BY_I),
        requests.TokenDeleteRequest(
            token_unique_reference=SUSPENDED_BY_I, reason_code="C", audit_info=AUDIT
        ),
        requests.TokenUpdateRequest(
            token_unique_reference=SUSPENDED_BY_I, expiration_date="0130", audit_info=AUDIT
        ),
    ):
        with pytest.raises(MdesError) as excinfo:
            client.send(
                {
                    requests.TokenSuspendRequest: "token_suspend",
                    requests.TokenUnsuspendRequest: "token_unsuspend",
                    requests.TokenDeleteRequest: "token_delete",
                    requests.TokenUpdateRequest: "token_update",
                }[type(request)],
                request,
            )
        assert refusal(excinfo)[1][0][1] == "TOKEN_STATE"
    assert status_of(store, SUSPENDED_BY_I) == (Status.DELETED, frozenset())


def test_an_unknown_token_is_a_404(client: Client) -> None:
    with pytest.raises(MdesError) as excinfo:
        client.token_suspend(suspend(tur(77)))
    assert refusal(excinfo) == (
        404,
        [("/TokenSuspendRequest/TokenUniqueReference", "UNKNOWN_TOKEN", "false", True)],
    )


def test_errors_never_show_a_full_pan(engine: SimulatedMdes) -> None:
    request = requests.TokenUpdateRequest(
        current_account_pan=PAN, new_account_pan=PAN_OTHER_RANGE, audit_info=AUDIT
    )
    answer = engine(Request("token_update", request))
    assert answer.status == 400
    assert [e.reason_code for e in answer.errors] == ["ACCOUNT_RANGE"]
    assert all(PAN not in repr(e) and PAN_OTHER_RANGE not in repr(e) for e in answer.errors)


# -- comments ------------------------------------------------------------------------------------


def test_a_comment_id_exactly_when_comment_text_was_sent(
    client: Client, store: MemoryStore
) -> None:
    first = client.token_suspend(suspend(ACTIVE, "lost phone"))
    assert first.token is not None
    assert first.token.comment_id is not None
    second = client.token_unsuspend(unsuspend(ACTIVE))
    assert second.token == responses.SimpleToken(token_unique_reference=ACTIVE)
    comments = client.token_comments(
        requests.TokenCommentsRequest(token_unique_reference=ACTIVE, audit_info=AUDIT)
    )
    assert comments.comments is not None
    [comment] = comments.comments.comment
    assert comment.comment_id == first.token.comment_id
    assert comment.comment_text == "lost phone"
    assert comment.audit_info == AUDIT
    assert comment.comment_date_time == "2024-01-31T12:00:01.000Z"


def test_status_history_newest_first(client: Client) -> None:
    client.token_activate(
        requests.TokenActivateRequest(
            token_unique_reference=IN_PROGRESS, reason_code="A", audit_info=AUDIT
        )
    )
    done = client.token_suspend(suspend(IN_PROGRESS, "stolen?"))
    client.token_delete(
        requests.TokenDeleteRequest(
            token_unique_reference=IN_PROGRESS, reason_code="S", audit_info=AUDIT
        )
    )
    history = client.token_status_history(
        requests.TokenStatusHistoryRequest(token_unique_reference=IN_PROGRESS)
    )
    assert history.statuses is not None
    got = [
        (s.status_code, s.status_description, s.reason_code, s.initiator, s.comment_id)
        for s in history.statuses.status
    ]
    assert done.token is not None
    assert got == [
        ("D", "Deleted", "S", "I", None),
        ("S", "Suspended", "L", "I", done.token.comment_id),
        ("A", "Active", "A", "I", None),
    ]
    assert all(s.audit_info == AUDIT for s in history.statuses.status)
    times = [s.status_date_time or "" for s in history.statuses.status]
    assert times == sorted(times, reverse=True)


# -- updates -------------------------------------------------------------------------------------


def test_update_one_token_by_tur(client: Client, store: MemoryStore) -> None:
    answer = client.token_update(
        requests.TokenUpdateRequest(
            token_unique_reference=ACTIVE,
            new_account_pan=PAN_SAME_RANGE,
            expiration_date="0128",
            account_pan_sequence_number="01",
            comment_text="reissued",
            audit_info=AUDIT,
        )
    )
    assert answer.tokens is not None
    [entry] = answer.tokens.token
    assert entry.token_unique_reference == ACTIVE
    assert entry.comment_id is not None
    token = store.get(ACTIVE)
    assert token is not None
    assert (token.account_pan, token.account_pan_expiry, token.psn) == (
        PAN_SAME_RANGE,
        "0128",
        "01",
    )
    assert token.status is Status.ACTIVE
    assert [h.event for h in token.history] == ["update"]
    assert [t.token_unique_reference for t in store.tokens_of_pan(PAN_SAME_RANGE)] == [ACTIVE]


def test_update_by_pan_touches_only_active_and_suspended_tokens(
    client: Client, store: MemoryStore
) -> None:
    answer = client.token_update(
        requests.TokenUpdateRequest(
            current_account_pan=PAN,
            issuer_product_configuration_id="ANYGOLD101",
            comment_text="new card art",
            audit_info=AUDIT,
        )
    )
    assert answer.tokens is not None
    updated = [t.token_unique_reference for t in answer.tokens.token]
    assert updated == [ACTIVE, SUSPENDED_BY_W, SUSPENDED_BY_I]
    ids = [t.comment_id for t in answer.tokens.token]
    assert None not in ids
    assert len(set(ids)) == 3
    for token in store.tokens_of_pan(PAN):
        changed = token.token_unique_reference in updated
        assert (token.product_configuration_id == "ANYGOLD101") is changed
        assert len(token.history) == int(changed)


def test_update_by_pan_out_of_range_changes_nothing(client: Client, store: MemoryStore) -> None:
    before = store.tokens()
    with pytest.raises(MdesError) as excinfo:
        client.token_update(
            requests.TokenUpdateRequest(
                current_account_pan=PAN,
                new_account_pan=PAN_OTHER_RANGE,
                comment_text="move",
                audit_info=AUDIT,
            )
        )
    assert refusal(excinfo) == (
        400,
        [("/TokenUpdateRequest/NewAccountPan", "ACCOUNT_RANGE", "false", True)],
    )
    assert store.tokens() == before


def test_update_by_pan_with_no_updatable_token_is_refused(
    client: Client, store: MemoryStore
) -> None:
    client.token_delete(
        requests.TokenDeleteRequest(token_unique_reference=LONE, reason_code="C", audit_info=AUDIT)
    )
    with pytest.raises(MdesError) as excinfo:
        client.token_update(
            requests.TokenUpdateRequest(
                current_account_pan=PAN_OTHER_RANGE, expiration_date="0130", audit_info=AUDIT
            )
        )
    assert refusal(excinfo) == (
        400,
        [("/TokenUpdateRequest/CurrentAccountPan", "TOKEN_STATE", "false", True)],
    )


def test_update_of_a_token_in_progress_is_refused(client: Client) -> None:
    with pytest.raises(MdesError) as excinfo:
        client.token_update(
            requests.TokenUpdateRequest(
                token_unique_reference=IN_PROGRESS, expiration_date="0130", audit_info=AUDIT
            )
        )
    assert refusal(excinfo)[1][0][1] == "TOKEN_STATE"


@pytest.mark.mdes_tokens(*RECORDS)
def test_without_account_ranges_any_new_pan_is_accepted(
    mdes: SimulatedMdes, mdes_client: Client
) -> None:
    # The pytest plugin's simulator has no account ranges.
    mdes_client.token_update(
        requests.TokenUpdateRequest(
            token_unique_reference=ACTIVE, new_account_pan=PAN_OTHER_RANGE, audit_info=AUDIT
        )
    )
    assert len(mdes.store.tokens_of_pan(PAN_OTHER_RANGE)) == 2


def test_legacy_update(client: Client, store: MemoryStore) -> None:
    answer = client.legacy_update(
        legacy.UpdateRequest(
            current_account_pan=PAN,
            expiration_date="0729",
            comment_text="renewed",
            audit_info=AUDIT,
        )
    )
    assert answer.token is not None
    assert answer.token.token_unique_reference == ACTIVE
    assert answer.token.current_status_code == "A"
    assert answer.token.last_comment_id is not None
    assert {t.account_pan_expiry for t in store.tokens_of_pan(PAN) if t.history} == {"0729"}


def test_legacy_update_in_xml(engine: SimulatedMdes, store: MemoryStore) -> None:
    client = Client(InMemoryTransport(engine, wire="xml"))
    answer = client.legacy_update(
        legacy.UpdateRequest(
            token_unique_reference=LONE, account_pan_sequence_number="02", audit_info=AUDIT
        )
    )
    assert answer.token is not None
    assert answer.token.token_unique_reference == LONE
    assert answer.token.account_pan_sequence_number == "02"
    with pytest.raises(MdesError) as excinfo:
        client.legacy_update(
            legacy.UpdateRequest(
                token_unique_reference=DELETED, expiration_date="0130", audit_info=AUDIT
            )
        )
    # The source points into the XML document as sent.
    assert refusal(excinfo) == (
        400,
        [("/UpdateRequest/TokenUniqueReference", "TOKEN_STATE", "false", True)],
    )


def test_legacy_update_by_cardholder_id_finds_nothing(client: Client) -> None:
    with pytest.raises(MdesError) as excinfo:
        client.legacy_update(
            legacy.UpdateRequest(cardholder_id="CH1", expiration_date="0729", audit_info=AUDIT)
        )
    assert refusal(excinfo) == (
        404,
        [("/cardholderId", "UNKNOWN_TOKEN", "false", True)],
    )


def test_assurance_is_raised_and_capped(client: Client, store: MemoryStore) -> None:
    def raise_level(token: str, text: str | None = None) -> responses.SimpleTokenResponse:
        return client.update_token_assurance(
            requests.UpdateTokenAssuranceRequest(
                token_unique_reference=token, comment_text=text, audit_info=AUDIT
            )
        )

    answer = raise_level(ACTIVE, "extra ID&V")
    assert answer.token is not None
    assert answer.token.comment_id is not None
    levels = []
    for _ in range(3):
        stored = store.get(ACTIVE)
        assert stored is not None
        levels.append(stored.token_assurance_level)
        raise_level(ACTIVE)
    assert levels == ["2", "3", "3"]
    with pytest.raises(MdesError) as excinfo:
        raise_level(SUSPENDED_BY_W)
    assert refusal(excinfo)[1][0][1] == "NO_ASSURANCE_LEVEL"


# -- reads ---------------------------------------------------------------------------------------


def search(client: Client, **by: str) -> list[tuple[str | None, str | None, list[Any]]]:
    answer = client.search(requests.SearchRequest(audit_info=AUDIT, **by))
    assert answer.accounts is not None
    return [
        (
            a.account_pan_suffix,
            a.expiration_date,
            [
                (
                    t.token_unique_reference,
                    t.current_status_code,
                    t.suspenders.suspender if t.suspenders else None,
                )
                for t in (a.tokens.token if a.tokens else ())
            ],
        )
        for a in answer.accounts.account
    ]


def test_search_groups_tokens_by_pan_and_expiry(client: Client) -> None:
    client.token_update(
        requests.TokenUpdateRequest(
            token_unique_reference=ACTIVE, expiration_date="0128", audit_info=AUDIT
        )
    )
    assert search(client, account_pan=PAN) == [
        ("1232", "0128", [(ACTIVE, "A", None)]),
        (
            "1232",
            None,
            [
                (SUSPENDED_BY_W, "S", ("W",)),
                (IN_PROGRESS, "U", None),
                (DELETED, "D", None),
                (SUSPENDED_BY_I, "S", ("C", "I")),
            ],
        ),
    ]
    found = search(client, account_pan=PAN, exclude_deleted_indicator="true")
    assert DELETED not in [t[0] for _, _, tokens in found for t in tokens]


def test_search_by_tur_comment_id_and_what_is_not_stored(client: Client) -> None:
    answer = client.token_suspend(suspend(ACTIVE, "note"))
    assert answer.token is not None
    assert answer.token.comment_id is not None
    assert search(client, token_unique_reference=LONE) == [("1231", None, [(LONE, "A", None)])]
    assert search(client, comment_id=answer.token.comment_id) == [
        ("1232", None, [(ACTIVE, "S", ("I",))])
    ]
    assert search(client, token_unique_reference=tur(99)) == []
    assert search(client, token="5412345678908880") == []
    assert search(client, payment_app_instance_id="APP1") == []
    assert search(client, comment_id="99999999") == []
    assert search(client, token_unique_reference=DELETED, exclude_deleted_indicator="true") == []


def test_search_response_fields(client: Client) -> None:
    client.token_suspend(suspend(ACTIVE, "x"))
    answer = client.search(requests.SearchRequest(token_unique_reference=ACTIVE, audit_info=AUDIT))
    assert answer.accounts is not None
    token = answer.accounts.account[0].tokens.token[0]  # type: ignore[union-attr]
    assert token.current_status_description == "Suspended"
    assert token.current_status_date_time == "2024-01-31T12:00:01.000Z"
    assert token.token_assurance_level == "1"
    assert token.last_comment_id is not None


def test_other_reads(client: Client) -> None:
    history = client.token_status_history(
        requests.TokenStatusHistoryRequest(token_unique_reference=LONE)
    )
    assert history.statuses == responses.Statuses()
    assert client.transactions(
        requests.TransactionsRequest(token_unique_reference=LONE, audit_info=AUDIT)
    ) == responses.TransactionsResponse(transactions=responses.Transactions())
    methods = client.token_activation_methods(
        requests.TokenActivationMethodsRequest(token_unique_reference=IN_PROGRESS)
    )
    assert methods.activation_methods is not None
    ids = [m.activation_method_id for m in methods.activation_methods.activation_method]
    assert ids
    none = client.token_activation_methods(
        requests.TokenActivationMethodsRequest(token_unique_reference=ACTIVE)
    )
    assert none.activation_methods == responses.ActivationMethods()
    resent = client.token_resend_activation_code(
        requests.TokenResendActivationCodeRequest(
            token_unique_reference=IN_PROGRESS, activation_method_id=str(ids[0]), audit_info=AUDIT
        )
    )
    assert resent.token == responses.SimpleToken(token_unique_reference=IN_PROGRESS)
    reset = client.token_reset_mobile_pin(
        requests.TokenResetMobilePinRequest(
            token_unique_reference=ACTIVE, reason_code="N", comment_text="pin", audit_info=AUDIT
        )
    )
    assert reset.token is not None
    assert reset.token.token_unique_reference == ACTIVE
    assert reset.token.comment_id is not None


def test_reads_of_an_unknown_token_are_404(client: Client) -> None:
    with pytest.raises(MdesError) as excinfo:
        client.token_comments(requests.TokenCommentsRequest(token_unique_reference=tur(55)))
    assert refusal(excinfo)[0] == 404


# -- the engine as a handler ----------------------------------------------------------------------


def test_a_wire_document_body_is_accepted(engine: SimulatedMdes, store: MemoryStore) -> None:
    document = {
        "TokenSuspendRequest": {
            "TokenUniqueReference": ACTIVE,
            "ReasonCode": "T",
            "AuditInfo": {"UserId": "u", "UserName": "n", "Organization": "o"},
        }
    }
    answer = engine(Request("token_suspend", document))
    assert answer.status == 200
    assert status_of(store, ACTIVE) == (Status.SUSPENDED, frozenset("I"))
    bad = engine(Request("token_suspend", {"TokenSuspendRequest": {}}))
    assert bad.status == 400
    assert {e.reason_code for e in bad.errors} == {"MISSING_REQUIRED"}


def test_an_unknown_operation_is_a_404(engine: SimulatedMdes) -> None:
    answer = engine(Request("no_such_operation", {}))
    assert answer.status == 404
    assert answer.errors[0].reason_code == "NOT_FOUND"


def test_a_failing_store_leaves_nothing_half_applied(store: MemoryStore) -> None:
    class Failing(MemoryStore):
        armed = False

        def put_many(self, tokens: Any) -> None:
            batch = list(tokens)
            super().put_many(batch[:1])
            if self.armed:
                raise OSError("disk full")

    failing = Failing()
    failing.seed(Inventory.from_records(RECORDS))
    failing.armed = True
    before = failing.tokens()
    engine = SimulatedMdes(failing)
    request = requests.TokenUpdateRequest(
        current_account_pan=PAN, expiration_date="0130", comment_text="x", audit_info=AUDIT
    )
    answer = engine(Request("token_update", request))
    assert answer.status == 500
    assert [(e.source, e.reason_code, e.recoverable) for e in answer.errors] == [
        ("SYSTEM", "INTERNAL_ERROR", "true")
    ]
    assert failing.tokens() == before
    assert failing.next_comment_id() == "00000001"


def test_served_over_http(serve: Any, store: MemoryStore) -> None:
    url = serve(WsgiApp(SimulatedMdes(store, account_ranges=RANGES)))
    with Client(HttpTransport(url + DEFAULT_BASE_PATH, retries=0)) as client:
        answer = client.token_suspend(suspend(ACTIVE, "by phone"))
        assert answer.token is not None
        assert answer.token.comment_id is not None
        with pytest.raises(MdesError) as excinfo:
            client.token_suspend(suspend(ACTIVE))
        assert refusal(excinfo) == (
            400,
            [("/TokenSuspendRequest/TokenUniqueReference", "SUSPENDER", "false", True)],
        )
    assert status_of(store, ACTIVE) == (Status.SUSPENDED, frozenset("I"))


# -- concurrency ---------------------------------------------------------------------------------

THREADS = 8
OPS = 200


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_concurrent_requests_lose_no_update(kind: str, tmp_path: Path) -> None:
    inventory = Inventory.from_records(
        [{"tokenUniqueReference": tur(100 + i), "accountPan": PAN, "status": "A"} for i in range(4)]
    )
    store: TokenStore
    if kind == "memory":
        store = MemoryStore.from_inventory(inventory)
    else:
        store = SqliteStore.from_inventory(tmp_path / "c.db", inventory)
    engine = SimulatedMdes(store, account_ranges=RANGES)
    client = Client(InMemoryTransport(engine))
    turs = [tur(100 + i) for i in range(4)]
    done: Counter[tuple[str, str]] = Counter()
    failures: list[BaseException] = []
    lock = threading.Lock()

    def work(seed: int) -> None:
        rng = random.Random(seed)
        try:
            for n in range(OPS):
                token = rng.choice(turs)
                op = rng.choice(["suspend", "unsuspend", "update"])
                text = f"t{seed}-{n}"
                try:
                    if op == "suspend":
                        client.token_suspend(suspend(token, text))
                    elif op == "unsuspend":
                        client.token_unsuspend(unsuspend(token, text))
                    else:
                        client.token_update(
                            requests.TokenUpdateRequest(
                                token_unique_reference=token,
                                expiration_date=f"{1 + n % 12:02d}30",
                                comment_text=text,
                                audit_info=AUDIT,
                            )
                        )
                except MdesError:
                    continue
                with lock:
                    done[token, op] += 1
        except BaseException as e:  # pragma: no cover - reported below
            failures.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    comment_ids: list[str] = []
    for token_id in turs:
        token = store.get(token_id)
        assert token is not None
        events = Counter(h.event for h in token.history)
        assert events["update"] == done[token_id, "update"]
        assert events["suspend"] == done[token_id, "suspend"]
        assert events["unsuspend"] == done[token_id, "unsuspend"]
        assert len(token.comments) == len(token.history)
        comment_ids += [c.comment_id for c in token.comments]
        # replaying the history reaches the final state: suspend and unsuspend alternate
        suspended = False
        for entry in token.history:
            if entry.event == "suspend":
                assert not suspended
                suspended = True
            elif entry.event == "unsuspend":
                assert suspended
                suspended = False
            assert (entry.status is Status.SUSPENDED) == suspended
        assert token.status is (Status.SUSPENDED if suspended else Status.ACTIVE)
    assert len(set(comment_ids)) == len(comment_ids) == sum(done.values())
    store.close()
