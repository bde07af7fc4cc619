"""A bounded load test of the simulated MDES served over HTTP by the threaded server.

Several client threads, each with its own :class:`HttpTransport`, run a bounded number of
lifecycle operations (suspend, unsuspend, update, search) on a shared set of tokens. The
simulator serialises each read-check-apply in a store transaction, so afterwards:

- there were no transport errors and no answers other than success or the lifecycle's own
  refusals (``TOKEN_STATE``, ``SUSPENDER``);
- every success left exactly one history entry and one comment, and every refusal none:
  no update is lost and none is applied twice;
- each token's state is the one its status history leads to, replayed with
  :mod:`mdesrules.lifecycle` from the inventory's state.

The requests per second held and the error count are printed (``pytest -s``) and recorded
as properties of the test (``--junitxml``).
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from mdesrules import Client, Inventory, MdesError, TransportError, lifecycle
from mdesrules.fakes.mdes import MemoryStore, SimulatedMdes, SqliteStore, TokenStore
from mdesrules.lifecycle import Status, TokenState
from mdesrules.models import AuditInfo
from mdesrules.models import requests as rq
from mdesrules.serving.server import make_server
from mdesrules.transports import HttpTransport, WsgiApp

pytestmark = pytest.mark.slow  # a load test: thousands of requests over HTTP

THREADS = 8
OPERATIONS = 150  # per thread
TOKENS = 12
#: A generous bound: on 2 cores the run takes a few seconds.
TIME_LIMIT = 60.0
PAN = "5412345678901232"
AUDIT = AuditInfo(user_id="L0AD", user_name="Load Test", organization="Any Bank")
EXPECTED_REFUSALS = frozenset({"TOKEN_STATE", "SUSPENDER"})
WRITES = ("suspend", "unsuspend", "update")


def _tur(n: int) -> str:
    return f"DWSPMC{n:010d}0906a349d9ca4eb1a4d53e3c90a11d9c"


TURS = tuple(_tur(n) for n in range(1, TOKENS + 1))


def _inventory() -> Inventory:
    # Half the tokens start suspended by the issuer, so unsuspend succeeds from the start.
    return Inventory.from_records(
        {
            "tokenUniqueReference": tur,
            "accountPan": PAN,
            "status": "S" if n % 2 else "A",
            **({"suspenders": ["I"]} if n % 2 else {}),
        }
        for n, tur in enumerate(TURS)
    )


class Tally:
    """What the clients saw, under a lock."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.successes: Counter[tuple[str, str]] = Counter()  # (tur, operation)
        self.texts: dict[str, set[str]] = {tur: set() for tur in TURS}  # applied comments
        self.refusals: Counter[str] = Counter()
        self.unexpected: list[str] = []
        self.transport_errors = 0
        self.requests = 0


def _client_run(url: str, seed: int, tally: Tally) -> None:
    rng = random.Random(seed)
    with Client(HttpTransport(url, timeout=(5.0, 30.0), retries=0)) as client:
        for n in range(OPERATIONS):
            tur = rng.choice(TURS)
            operation = rng.choice(("suspend", "unsuspend", "update", "update", "search"))
            text = f"t{seed}-{n}"
            try:
                _send(client, operation, tur, text, rng)
            except MdesError as refused:
                codes = {e.reason_code or "" for e in refused.errors}
                with tally.lock:
                    tally.requests += 1
                    if refused.status == 400 and codes <= EXPECTED_REFUSALS:
                        tally.refusals.update(codes)
                    else:
                        tally.unexpected.append(f"{operation}: {refused.status} {sorted(codes)}")
                continue
            except TransportError as error:
                with tally.lock:
                    tally.requests += 1
                    tally.transport_errors += 1
                    tally.unexpected.append(f"{operation}: {type(error).__name__}")
                continue
            with tally.lock:
                tally.requests += 1
                if operation in WRITES:
                    tally.successes[tur, operation] += 1
                    tally.texts[tur].add(text)


def _send(client: Client, operation: str, tur: str, text: str, rng: random.Random) -> None:
    if operation == "suspend":
        client.token_suspend(
            rq.TokenSuspendRequest(
                token_unique_reference=tur, reason_code="T", comment_text=text, audit_info=AUDIT
            )
        )
    elif operation == "unsuspend":
        client.token_unsuspend(
            rq.TokenUnsuspendRequest(
                token_unique_reference=tur, reason_code="F", comment_text=text, audit_info=AUDIT
            )
        )
    elif operation == "update":
        client.token_update(
            rq.TokenUpdateRequest(
                token_unique_reference=tur,
                expiration_date=f"{rng.randint(1, 12):02d}{rng.randint(30, 39)}",
                comment_text=text,
                audit_info=AUDIT,
            )
        )
    else:
        answer = client.search(rq.SearchRequest(token_unique_reference=tur, audit_info=AUDIT))
        assert answer.accounts is not None
        assert len(answer.accounts.account) == 1


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TokenStore]:
    if request.param == "memory":
        made: TokenStore = MemoryStore.from_inventory(_inventory())
    else:
        sqlite = SqliteStore(tmp_path / "load.sqlite")
        sqlite.seed(_inventory())
        made = sqlite
    try:
        yield made
    finally:
        made.close()


def _replay(initial: TokenState, events: list[tuple[str, Status]]) -> TokenState:
    """The state *events* lead to from *initial*, each checked against the recorded status."""
    state = initial
    for event, recorded in events:
        if event == "suspend":
            state = lifecycle.suspend(state, "I")
        elif event == "unsuspend":
            state = lifecycle.unsuspend(state, "I")
        else:
            assert event == "update"
            lifecycle.require_updatable(state)
        assert state.status is recorded
    return state


def test_concurrent_lifecycle_over_http_loses_nothing(
    store: TokenStore, record_property: Callable[[str, object], None]
) -> None:
    engine = SimulatedMdes(store)
    server = make_server(WsgiApp(engine), "127.0.0.1", 0)
    serving = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    serving.start()
    url = f"http://127.0.0.1:{server.server_port}/mdes/csapi/v2"
    tally = Tally()
    try:
        workers = [
            threading.Thread(target=_client_run, args=(url, seed, tally), daemon=True)
            for seed in range(THREADS)
        ]
        started = time.perf_counter()
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=TIME_LIMIT)
        elapsed = time.perf_counter() - started
        assert not any(w.is_alive() for w in workers), "the load test ran out of time"
    finally:
        server.shutdown()
        server.server_close()
        serving.join(timeout=10)

    rate = tally.requests / elapsed
    errors = tally.transport_errors + len(tally.unexpected)
    print(
        f"\nsimulator load ({type(store).__name__}): {tally.requests} requests from "
        f"{THREADS} threads in {elapsed:.2f}s = {rate:.0f} requests/s; "
        f"{errors} errors; refusals {dict(tally.refusals)}"
    )
    record_property("requests", tally.requests)
    record_property("requests_per_second", round(rate, 1))
    record_property("errors", errors)

    assert tally.requests == THREADS * OPERATIONS
    assert tally.unexpected == []
    assert tally.transport_errors == 0
    assert sum(tally.successes.values()) > 0
    assert tally.refusals  # the mix does run into the lifecycle's refusals

    initial = {r.token_unique_reference: r.state for r in _inventory()}
    comment_ids: list[str] = []
    for tur in TURS:
        token = store.get(tur)
        assert token is not None
        events = Counter(h.event for h in token.history)
        for operation in WRITES:
            assert events[operation] == tally.successes[tur, operation], (tur, operation)
        assert {c.text for c in token.comments} == tally.texts[tur]  # no update lost
        assert len(token.comments) == sum(tally.successes[tur, op] for op in WRITES)
        assert [h.comment_id for h in token.history] == [c.comment_id for c in token.comments]
        final = _replay(initial[tur], [(h.event, h.status) for h in token.history])
        assert final == token.state
        comment_ids.extend(c.comment_id for c in token.comments)
    assert len(set(comment_ids)) == len(comment_ids)
