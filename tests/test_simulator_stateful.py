"""Random sequences of requests against the simulated MDES and against a model written here.

The model is deliberately naive: status letters, sets of suspenders and the lifecycle rules as
the MDES Customer Service API states them, written out again here rather than imported from
:mod:`mdesrules.lifecycle`, so that the two can disagree. After every step the simulator (seen
through :class:`mdesrules.Client`, as an issuer sees MDES) and the model agree on success or
refusal and on every token's status and suspenders, and the invariants hold.
"""

from __future__ import annotations

from typing import Any, ClassVar

import hypothesis.strategies as st
from hypothesis import HealthCheck, settings
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from mdesrules import AccountRange, AccountRanges, Client, Inventory, MdesError
from mdesrules.fakes.mdes import MemoryStore, SimulatedMdes, SqliteStore, TokenStore
from mdesrules.models import requests
from mdesrules.models.common import AuditInfo
from mdesrules.transports.memory import InMemoryTransport

AUDIT = AuditInfo(user_id="u1", user_name="Agent", organization="Bank")
TURS = [f"DWSPMC{n:042d}" for n in range(1, 6)]
UNKNOWN = f"DWSPMC{99:042d}"
# Two PANs in one account range, one in another.
PANS = ["5412345678901232", "5412990000000011", "5512345678901231"]
RANGES = AccountRanges([AccountRange("541234", "541299"), AccountRange("551234", "551234")])
CAP = 3  # the assurance level the simulator stops at (documented in the engine)

tokens = st.sampled_from([*TURS, UNKNOWN])
comments = st.none() | st.just("a comment")


def same_range(a: str, b: str) -> bool:
    """The two ranges of RANGES: the PANs of one start alike (54..., 55...)."""
    return a[:2] == b[:2]


class Model:
    """One token as the model sees it."""

    def __init__(self, status: str, suspenders: set[str], pan: str, level: str | None) -> None:
        self.status = status
        self.suspenders = suspenders
        self.pan = pan
        self.level = level
        self.changes = 0


class SimulatorMachine(RuleBasedStateMachine):
    store_kind: ClassVar[str] = "memory"

    def __init__(self) -> None:
        super().__init__()
        self.model: dict[str, Model] = {}
        self.history_seen: dict[str, int] = {}
        self.deleted: set[str] = set()
        self.store: TokenStore = MemoryStore()
        self.client = Client(InMemoryTransport(SimulatedMdes(self.store)))

    @initialize(
        states=st.lists(
            st.tuples(
                st.sampled_from(["A", "S", "U", "D"]),
                st.frozensets(st.sampled_from(["I", "W", "C"]), min_size=1),
                st.sampled_from(PANS),
                st.none() | st.sampled_from(["0", "1", "2", "3", "A"]),
            ),
            min_size=len(TURS),
            max_size=len(TURS),
        )
    )
    def seed(self, states: list[tuple[str, frozenset[str], str, str | None]]) -> None:
        records: list[dict[str, object]] = []
        for tur, (status, suspended_by, pan, level) in zip(TURS, states, strict=True):
            suspenders = set(suspended_by) if status == "S" else set()
            self.model[tur] = Model(status, suspenders, pan, level)
            record: dict[str, object] = {
                "tokenUniqueReference": tur,
                "accountPan": pan,
                "status": status,
                "suspenders": sorted(suspenders),
                "tokenAssuranceLevel": level,
            }
            records.append(record)
        self.store.close()
        inventory = Inventory.from_records(records)
        if self.store_kind == "memory":
            self.store = MemoryStore.from_inventory(inventory)
        else:
            self.store = SqliteStore.from_inventory(":memory:", inventory)
        engine = SimulatedMdes(self.store, account_ranges=RANGES)
        self.client = Client(InMemoryTransport(engine))
        self.history_seen = dict.fromkeys(TURS, 0)
        self.deleted = {tur for tur in TURS if self.model[tur].status == "D"}

    def teardown(self) -> None:
        self.store.close()

    # -- sending -------------------------------------------------------------------------------

    def send(self, operation: str, request: Any, expected: bool, comment: str | None) -> Any:
        refused: str | None = None
        try:
            answer = self.client.send(operation, request).body
        except MdesError as e:
            refused = str(e)
        if refused is not None:
            assert not expected, f"{operation} refused, the model accepts it: {refused}"
            return None
        assert expected, f"{operation} accepted, the model refuses it"
        token = getattr(answer, "token", None)
        if token is not None and hasattr(token, "comment_id"):
            assert (token.comment_id is not None) == (comment is not None)
        return answer

    # -- rules ---------------------------------------------------------------------------------

    @rule(tur=tokens, comment=comments)
    def activate(self, tur: str, comment: str | None) -> None:
        m = self.model.get(tur)
        ok = m is not None and m.status == "U"
        request = requests.TokenActivateRequest(
            token_unique_reference=tur, reason_code="A", comment_text=comment, audit_info=AUDIT
        )
        if self.send("token_activate", request, ok, comment) is not None:
            assert m is not None
            m.status = "A"
            m.changes += 1

    @rule(tur=tokens, comment=comments)
    def suspend(self, tur: str, comment: str | None) -> None:
        m = self.model.get(tur)
        ok = m is not None and m.status in ("A", "S") and "I" not in m.suspenders
        request = requests.TokenSuspendRequest(
            token_unique_reference=tur, reason_code="S", comment_text=comment, audit_info=AUDIT
        )
        if self.send("token_suspend", request, ok, comment) is not None:
            assert m is not None
            m.status = "S"
            m.suspenders.add("I")
            m.changes += 1

    @rule(tur=tokens, comment=comments)
    def unsuspend(self, tur: str, comment: str | None) -> None:
        m = self.model.get(tur)
        ok = m is not None and m.status == "S" and "I" in m.suspenders
        request = requests.TokenUnsuspendRequest(
            token_unique_reference=tur, reason_code="F", comment_text=comment, audit_info=AUDIT
        )
        if self.send("token_unsuspend", request, ok, comment) is not None:
            assert m is not None
            m.suspenders.discard("I")
            m.status = "S" if m.suspenders else "A"
            m.changes += 1

    @rule(tur=tokens, comment=comments)
    def delete(self, tur: str, comment: str | None) -> None:
        m = self.model.get(tur)
        ok = m is not None and m.status != "D"
        request = requests.TokenDeleteRequest(
            token_unique_reference=tur, reason_code="Z", comment_text=comment, audit_info=AUDIT
        )
        if self.send("token_delete", request, ok, comment) is not None:
            assert m is not None
            m.status = "D"
            m.suspenders = set()
            m.changes += 1

    @rule(tur=tokens, new_pan=st.none() | st.sampled_from(PANS), comment=comments)
    def update_by_tur(self, tur: str, new_pan: str | None, comment: str | None) -> None:
        m = self.model.get(tur)
        ok = (
            m is not None
            and m.status in ("A", "S")
            and (new_pan is None or same_range(m.pan, new_pan))
        )
        request = requests.TokenUpdateRequest(
            token_unique_reference=tur,
            new_account_pan=new_pan,
            expiration_date="0130",
            comment_text=comment,
            audit_info=AUDIT,
        )
        answer = self.send("token_update", request, ok, comment)
        if answer is not None:
            assert m is not None
            [entry] = answer.tokens.token
            assert (entry.comment_id is not None) == (comment is not None)
            m.pan = new_pan or m.pan
            m.changes += 1

    @rule(pan=st.sampled_from(PANS), new_pan=st.none() | st.sampled_from(PANS), comment=comments)
    def update_by_pan(self, pan: str, new_pan: str | None, comment: str | None) -> None:
        mine = [tur for tur in TURS if self.model[tur].pan == pan]
        targets = [tur for tur in mine if self.model[tur].status in ("A", "S")]
        ok = bool(targets) and (new_pan is None or same_range(pan, new_pan))
        request = requests.TokenUpdateRequest(
            current_account_pan=pan,
            new_account_pan=new_pan,
            account_pan_sequence_number="01",
            comment_text=comment,
            audit_info=AUDIT,
        )
        answer = self.send("token_update", request, ok, comment)
        if answer is not None:
            assert [t.token_unique_reference for t in answer.tokens.token] == targets
            for t in answer.tokens.token:
                assert (t.comment_id is not None) == (comment is not None)
            for tur in targets:
                self.model[tur].pan = new_pan or pan
                self.model[tur].changes += 1

    @rule(tur=tokens, comment=comments)
    def raise_assurance(self, tur: str, comment: str | None) -> None:
        m = self.model.get(tur)
        ok = m is not None and m.level is not None and m.status in ("A", "S")
        request = requests.UpdateTokenAssuranceRequest(
            token_unique_reference=tur, comment_text=comment, audit_info=AUDIT
        )
        if self.send("update_token_assurance", request, ok, comment) is not None:
            assert m is not None
            assert m.level is not None
            if m.level.isdigit() and int(m.level) < CAP:
                m.level = str(int(m.level) + 1)
            m.changes += 1

    @rule(pan=st.sampled_from(PANS), exclude=st.booleans())
    def search_by_pan(self, pan: str, exclude: bool) -> None:
        request = requests.SearchRequest(
            account_pan=pan,
            exclude_deleted_indicator="true" if exclude else None,
            audit_info=AUDIT,
        )
        answer = self.client.search(request)
        assert answer.accounts is not None
        found = {
            t.token_unique_reference: t.current_status_code
            for a in answer.accounts.account
            for t in (a.tokens.token if a.tokens else ())
        }
        expected = {
            tur: self.model[tur].status
            for tur in TURS
            if self.model[tur].pan == pan and not (exclude and self.model[tur].status == "D")
        }
        assert found == expected

    @rule(tur=tokens)
    def search_by_tur(self, tur: str) -> None:
        answer = self.client.search(
            requests.SearchRequest(token_unique_reference=tur, audit_info=AUDIT)
        )
        assert answer.accounts is not None
        found = [t for a in answer.accounts.account for t in (a.tokens.token if a.tokens else ())]
        m = self.model.get(tur)
        if m is None:
            assert found == []
            return
        [token] = found
        assert token.current_status_code == m.status
        shown = set(token.suspenders.suspender) if token.suspenders else set()
        assert shown == m.suspenders
        assert token.token_assurance_level == m.level
        assert answer.accounts.account[0].account_pan_suffix == m.pan[-4:]

    # -- invariants ----------------------------------------------------------------------------

    @invariant()
    def agrees_with_the_model(self) -> None:
        for tur, m in self.model.items():
            token = self.store.get(tur)
            assert token is not None
            assert token.status.value == m.status
            assert token.suspenders == m.suspenders
            assert token.account_pan == m.pan
            assert token.token_assurance_level == m.level
            assert len(token.history) == m.changes

    @invariant()
    def history_only_grows_and_deleted_is_absorbing(self) -> None:
        for tur in self.model:
            token = self.store.get(tur)
            assert token is not None
            assert len(token.history) >= self.history_seen.get(tur, 0)
            self.history_seen[tur] = len(token.history)
            if tur in self.deleted:
                assert token.status.value == "D"
            if token.status.value == "D":
                self.deleted.add(tur)
            assert (token.status.value == "S") == bool(token.suspenders)
            for entry in token.history:
                assert entry.status.value in "ASUD"
            if token.history:
                assert token.history[-1].status is token.status


_SETTINGS = settings(
    max_examples=150,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


class SqliteSimulatorMachine(SimulatorMachine):
    store_kind = "sqlite"


TestSimulatorMemory = SimulatorMachine.TestCase
TestSimulatorMemory.settings = _SETTINGS
TestSimulatorSqlite = SqliteSimulatorMachine.TestCase
TestSimulatorSqlite.settings = settings(_SETTINGS, max_examples=40)
