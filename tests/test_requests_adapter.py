"""SimulatorAdapter: an issuer's own requests code runs against the simulator in process."""

from __future__ import annotations

import json

import pytest
import requests

from mdesrules.fakes.mdes import SimulatedMdes, faults, simulator_app
from mdesrules.transports import SimulatorAdapter

TUR = "DWSPMC00000000010906a349d9ca4eb1a4d53e3c90a11d9c"
PAN = "5412345678901232"
MASTERCARD = "https://api.mastercard.com/mdes/csapi/v2"
AUDIT = {"UserId": "A1435477", "UserName": "John Smith", "Organization": "Any Bank"}
SUSPEND = {
    "TokenSuspendRequest": {"TokenUniqueReference": TUR, "ReasonCode": "L", "AuditInfo": AUDIT}
}

pytestmark = pytest.mark.mdes_tokens(
    {"tokenUniqueReference": TUR, "accountPan": PAN, "status": "A"}
)


class IssuerSystem:
    """Code under test that talks to MDES with its own requests session."""

    def __init__(self, session: requests.Session) -> None:
        self.session = session

    def suspend(self, tur: str) -> requests.Response:
        body = {
            "TokenSuspendRequest": {
                "TokenUniqueReference": tur,
                "ReasonCode": "L",
                "AuditInfo": AUDIT,
            }
        }
        return self.session.post(MASTERCARD + "/token/suspend", json=body, timeout=(3, 10))


@pytest.fixture
def session(mdes: SimulatedMdes) -> requests.Session:
    session = requests.Session()
    session.mount("https://api.mastercard.com/", SimulatorAdapter(simulator_app(mdes)))
    return session


def test_the_issuers_code_runs_unchanged_against_the_simulator(
    session: requests.Session, mdes: SimulatedMdes
) -> None:
    answer = IssuerSystem(session).suspend(TUR)
    assert answer.status_code == 200
    assert answer.reason == "OK"
    assert answer.headers["content-type"] == "application/json; charset=utf-8"
    assert answer.json() == {"TokenSuspendResponse": {"Token": {"TokenUniqueReference": TUR}}}
    assert answer.url == MASTERCARD + "/token/suspend"
    mdes.journal.assert_received("token_suspend", token=TUR, status=200)
    refused = IssuerSystem(session).suspend(TUR)
    assert (refused.status_code, refused.json()["Errors"]["Error"][0]["ReasonCode"]) == (
        400,
        "SUSPENDER",
    )


def test_the_simulator_itself_can_be_mounted(mdes: SimulatedMdes) -> None:
    session = requests.Session()
    session.mount("https://api.mastercard.com/", SimulatorAdapter(mdes))
    assert IssuerSystem(session).suspend(TUR).status_code == 200
    assert session.get("https://api.mastercard.com/__admin/requests").status_code == 404  # no admin


def test_a_streamed_body_and_a_query_reach_the_application(session: requests.Session) -> None:
    chunks = iter([json.dumps(SUSPEND).encode()[:10], json.dumps(SUSPEND).encode()[10:]])
    answer = session.post(
        MASTERCARD + "/token/suspend", data=chunks, headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 200
    polled = session.get("https://api.mastercard.com/__admin/requests", params={"limit": "1"})
    assert [r["operation"] for r in polled.json()["requests"]] == ["token_suspend"]


def test_streaming_reads_the_same_body(session: requests.Session) -> None:
    with session.post(MASTERCARD + "/token/suspend", json=SUSPEND, stream=True) as answer:
        assert (
            b"".join(answer.iter_content(7))
            == b'{"TokenSuspendResponse":{"Token":{"TokenUniqueReference":"'
            + TUR.encode()
            + b'"}}}'
        )


def test_a_drop_is_the_connection_error_of_a_hang_up(
    session: requests.Session, mdes: SimulatedMdes
) -> None:
    mdes.faults.add(faults.drop())
    with pytest.raises(
        requests.ConnectionError, match="Remote end closed connection without response"
    ):
        IssuerSystem(session).suspend(TUR)


def test_a_broken_application_is_a_request_exception(session: requests.Session) -> None:
    def silent(environ: object, start_response: object) -> list[bytes]:
        return [b"no status"]

    broken = requests.Session()
    broken.mount("http://x.test/", SimulatorAdapter(silent))
    with pytest.raises(requests.RequestException, match="without a status"):
        broken.get("http://x.test/")


def test_a_gateway_fault_carries_retry_after(
    session: requests.Session, mdes: SimulatedMdes
) -> None:
    mdes.faults.add(faults.gateway(503, retry_after=4))
    answer = IssuerSystem(session).suspend(TUR)
    assert (answer.status_code, answer.headers["Retry-After"]) == (503, "4")
