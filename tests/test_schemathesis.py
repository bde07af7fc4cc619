"""schemathesis against ``mdesrules serve``, driven by the exported OpenAPI document.

The server runs as a process on loopback, seeded with a token inventory. schemathesis draws
requests from ``mdesrules rules --format openapi`` (positive cases: documents the spec calls
valid); each request's token reference and account PAN are swapped, most of the time, for
ones of the inventory so that positive cases reach real tokens. Every answer must:

- not be a server error (5xx), and conform to the spec: its status code, its content type
  and its body's schema (schemathesis' own checks);
- be a 200, or a 400/404 MDES error document whose every ``ReasonCode`` belongs to a rule the
  spec leaves to its descriptions: the Luhn check digit, the token-state rules and the
  30-day expiry window of an account holder message (2.0.7). Any
  other refusal of a request the spec calls valid is a disagreement between the export and
  the check.

The run is bounded in examples (``EXAMPLES`` per operation, about a minute in all) and in
time (no hypothesis deadline, a timeout per request); the figures are printed.
"""

from __future__ import annotations

import collections
import json
import os
import re
import selectors
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import mdesrules
from mdesrules.openapi import openapi
from mdesrules.testing import luhn_check_digit

schemathesis = pytest.importorskip("schemathesis")
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals"),
]

ROOT = Path(mdesrules.__file__).resolve().parent.parent
STARTUP = re.compile(r"mdesrules: serving the simulated MDES on (http://127\.0\.0\.1:\d+)/")
STARTUP_SECONDS = 30.0
TIMEOUT = (5.0, 20.0)
EXAMPLES = 100  # per operation: 16 operations, 1600 requests, about a minute

#: The rules the exported spec states only in words: a request the spec calls valid may be
#: refused for these, and for nothing else.
UNSTATED = frozenset(
    {
        "BAD_CHECK_DIGIT",
        "TOKEN_STATE",
        "UNKNOWN_TOKEN",
        "NO_ASSURANCE_LEVEL",
        "ACCOUNT_RANGE",
        "SUSPENDER",
        "MESSAGE_EXPIRATION",  # see EXPIRY
    }
)
#: The spec states in words only that an account holder message expires at most 30 days
#: ahead (the simulator judges it by its clock); a day the month does not have it states by
#: ``format: date-time`` only, which a generator may leave out: these refusals of
#: ``MessageExpiration`` are unstated too.
EXPIRY = "/AccountHolderMessagingRequest/MessageExpiration"
UNSTATED_EXPIRY = frozenset({"NOT_ALLOWED_VALUE", "BAD_FORMAT"})
TUR_KEYS = frozenset({"TokenUniqueReference", "tokenUniqueReference"})
PAN_KEYS = frozenset(
    {"AccountPan", "CurrentAccountPan", "NewAccountPan", "currentAccountPan", "newAccountPan"}
)


def _pan(n: int) -> str:
    payload = f"541234{n:09d}"
    return payload + luhn_check_digit(payload)


def _inventory() -> list[dict[str, Any]]:
    """60 tokens: mostly ACTIVE (suspend, update, delete), some awaiting activation, some
    suspended by the issuer, each with an assurance level, spread over 20 PANs."""
    statuses = ["A", "A", "A", "U", "S"]
    records = []
    for n in range(60):
        record: dict[str, Any] = {
            "tokenUniqueReference": f"DWSPMC{n:010d}" + "0906a349d9ca4eb1a4d53e3c90a1",
            "accountPan": _pan(n % 20),
            "status": statuses[n % len(statuses)],
            "tokenAssuranceLevel": "1",
        }
        if record["status"] == "S":
            record["suspenders"] = ["I"]
        records.append(record)
    return records


INVENTORY = _inventory()
TURS = [r["tokenUniqueReference"] for r in INVENTORY]
PANS = sorted({r["accountPan"] for r in INVENTORY})


def _read_line(process: subprocess.Popen[bytes], seconds: float) -> str:
    """The first line of the process's stderr, waiting at most *seconds*."""
    assert process.stderr is not None
    deadline = time.monotonic() + seconds
    data = b""
    with selectors.DefaultSelector() as selector:
        selector.register(process.stderr, selectors.EVENT_READ)
        while b"\n" not in data:
            left = deadline - time.monotonic()
            if left <= 0 or not selector.select(left):
                break
            chunk = os.read(process.stderr.fileno(), 4096)
            if not chunk:
                break
            data += chunk
    return data.decode("utf-8", "replace")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``mdesrules serve --port 0 --tokens <INVENTORY>``; yields its root URL."""
    tokens = tmp_path_factory.mktemp("seed") / "tokens.jsonl"
    tokens.write_text("".join(json.dumps(r) + "\n" for r in INVENTORY), encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "mdesrules", "serve", "--port", "0", "--tokens", str(tokens)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"},
    )
    try:
        line = _read_line(process, STARTUP_SECONDS)
        match = STARTUP.match(line)
        assert match is not None, f"unexpected startup line: {line!r}"
        yield match[1]
    finally:
        process.terminate()
        try:
            process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


SCHEMA = schemathesis.openapi.from_dict(openapi(mdesrules.REGISTRY))
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]
TALLY: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
REFUSALS: collections.Counter[str] = collections.Counter()  # ReasonCodes of the 400s and 404s


def _seeded(body: Any, data: st.DataObject) -> Any:
    """*body* with, most of the time, its TUR and PANs taken from the inventory."""
    if not isinstance(body, dict):
        return body
    inner = next(iter(body.values())) if len(body) == 1 else body
    if not isinstance(inner, dict):
        return body
    for key in sorted(inner):
        if key in TUR_KEYS and data.draw(st.integers(0, 9), label="seed TUR") > 0:
            inner[key] = data.draw(st.sampled_from(TURS), label=key)
        elif key in PAN_KEYS and data.draw(st.integers(0, 9), label="seed PAN") > 0:
            inner[key] = data.draw(st.sampled_from(PANS), label=key)
        elif key == "MessageExpiration" and data.draw(st.integers(0, 9), label="seed") > 0:
            ahead = data.draw(st.integers(3600, 29 * 86400), label="seconds ahead")
            moment = datetime.now(UTC) + timedelta(seconds=ahead)
            inner[key] = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return body


def _refusal_codes(response: requests.Response) -> list[str]:
    """The ReasonCodes of an MDES error answer; a refusal of an account holder message's
    expiry the spec states in words only counts as ``MESSAGE_EXPIRATION``."""
    document = response.json()
    errors = document["Errors"]["Error"]
    assert errors, "an MDES error document with no Error"
    return [
        "MESSAGE_EXPIRATION"
        if e.get("Source") == EXPIRY and e.get("ReasonCode") in UNSTATED_EXPIRY
        else e.get("ReasonCode", "")
        for e in errors
    ]


@pytest.mark.parametrize("operation", OPERATIONS, ids=[op.label for op in OPERATIONS])
def test_the_served_simulator_conforms_to_the_exported_spec(operation: Any, server: str) -> None:
    session = requests.Session()
    tally = TALLY[operation.label]

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(), data=st.data())
    def run(case: Any, data: st.DataObject) -> None:
        case.body = _seeded(case.body, data)
        response = case.call(base_url=server, session=session, timeout=TIMEOUT)
        tally[str(response.status_code)] += 1
        case.validate_response(
            response,
            checks=[
                not_a_server_error,
                status_code_conformance,
                content_type_conformance,
                response_schema_conformance,
            ],
        )
        if response.status_code != 200:
            assert response.status_code in (400, 404), response.text[:500]
            codes = _refusal_codes(response)
            REFUSALS.update(set(codes))
            assert set(codes) <= UNSTATED, f"valid by the spec, refused: {response.text[:500]}"

    try:
        run()
    finally:
        total = sum(tally.values())
        print(f"\n{operation.label}: {total} requests, {dict(sorted(tally.items()))}")
    assert total > 0


def test_zz_totals() -> None:
    """The figures of the whole run (it runs last in this module)."""
    if not TALLY:
        pytest.skip("the schemathesis run did not take place in this process")
    statuses: collections.Counter[str] = collections.Counter()
    for tally in TALLY.values():
        statuses.update(tally)
    total = sum(statuses.values())
    print(
        f"\nschemathesis: {total} requests over {len(TALLY)} operations; "
        f"{statuses['200']} answered 200; by status {dict(sorted(statuses.items()))}; "
        f"refused for {dict(REFUSALS.most_common())}"
    )
    assert not [s for s in statuses if s.startswith("5")]
    assert statuses["200"] > 0
