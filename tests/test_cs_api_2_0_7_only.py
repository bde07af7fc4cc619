"""The two operations only CS API 2.0.7 has: ``/accountholdermessaging`` and ``GET
/systemstatus``, checked, sent, served and simulated like every other operation.

``GET /systemstatus`` is the one MDES operation without a request body: its request is the
empty document ``{}``, the codec transport sends it without a body, ``WsgiApp`` routes it by
method and refuses a body, and its answer is wrapped (``{"SystemStatusResponse": ...}``).
The property tests of every operation (valid documents, minimal mutations, fuzzing, codec
round trips, token-state rules) pick both up from the registry; this module holds what is
particular to them.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from attrs import evolve

import mdesrules
from mdesrules import Client, Inventory, Request, Response
from mdesrules.apis import MDES_CS_API_2_0_7, MDES_CS_API_2_1_7, MDES_CS_API_2_2_2
from mdesrules.cli import main
from mdesrules.exceptions import InvalidRequest, MdesError
from mdesrules.fakes.mdes import MemoryStore, SimulatedMdes
from mdesrules.fakes.mdes.engine import MAX_MESSAGE_DAYS, SYSTEM_STATUS, _message_expiry
from mdesrules.models import AuditInfo
from mdesrules.models import requests as q
from mdesrules.models import responses as r
from mdesrules.transports import (
    CodecTransport,
    InMemoryTransport,
    MockCarrier,
    WsgiApp,
    WsgiCarrier,
)
from mdesrules.wire import WireRequest, WireResponse

FIXTURE = Path(__file__).parent / "fixtures" / "x_samples_2_0_7.json"
SAMPLES = {s["name"]: s for s in json.loads(FIXTURE.read_text("utf-8"))["samples"]}
MESSAGE = SAMPLES["account_holder_messaging"]["request"]

BASE = "http://mdes.invalid/mdes/csapi/v2"
PAN = "5412345678901232"
ACTIVE = "DWSPMC000000000132d72d4fcb2f4136a0532d3093ff1a45"
DELETED = "DWSPMC000000000232d72d4fcb2f4136a0532d3093ff1a46"
WAITING = "DWSPMC000000000332d72d4fcb2f4136a0532d3093ff1a47"
UNKNOWN = "DWSPMC00000000000000000000000000000000000000dead"
NOW = datetime(2024, 1, 31, 12, 0, 0, tzinfo=UTC)
AUDIT = AuditInfo(user_id="A1435477", user_name="John Smith", organization="Any Bank")
CLEAN = "You have earned a statement credit"  # no card number: no pan_in_text warning


def message(tur: str = ACTIVE, **changes: Any) -> q.AccountHolderMessagingRequest:
    request = q.AccountHolderMessagingRequest(
        token_unique_reference=tur,
        message_identifier="6598123486451346764616431064",
        issuer_application_message_display="FALSE",
        message_text=f"You have earned a statement credit on card {PAN}",
        message_expiration="2024-02-10T18:04:35-06:00",
        message_language_code="en",
        audit_info=AUDIT,
    )
    return evolve(request, **changes)


# --- models and rules, from the spec's examples ------------------------------------------------


def test_the_spec_example_is_the_model_it_describes() -> None:
    model = mdesrules.parse("account_holder_messaging", MESSAGE)
    assert model == q.AccountHolderMessagingRequest(
        token_unique_reference="DWSPMC00000000010906a349d9ca4eb1a4d53e3c90a11d9c",
        message_identifier="6598123486451346764616431064",
        issuer_application_message_display="FALSE",
        message_text=" You have earned a statement credit ",
        message_expiration="2020-06-18T18:04:35-06:00",
        message_language_code="en",
        audit_info=AuditInfo(
            user_id="A1435477",
            user_name="John Smith",
            organization="Any Bank",
            phone="5555551234",
        ),
    )
    assert mdesrules.to_wire(model) == MESSAGE
    assert mdesrules.REGISTRY.detect(MESSAGE) is MDES_CS_API_2_0_7.get("account_holder_messaging")


@pytest.mark.parametrize(
    ("member", "value", "code"),
    [
        ("IssuerApplicationMessageDisplay", "true", "not_allowed_value"),
        ("MessageLanguageCode", "EN", "bad_format"),
        ("MessageLanguageCode", "e", "too_short"),
        ("MessageLanguageCode", "engl", "too_long"),
        ("MessageExpiration", "2020-06-18T18:04:35", "too_short"),
        ("MessageExpiration", "2020-06-18 18:04:35-06:00", "bad_format"),
        ("MessageExpiration", "2024-02-30T12:00:00Z", "bad_format"),
        ("MessageExpiration", "2023-02-29T12:00:00Z", "bad_format"),
        ("MessageText", "x" * 129, "too_long"),
        ("MessageText", "line\x07bell", "bad_format"),
        ("MessageIdentifier", "message 1", "bad_format"),
        ("MessageIdentifier", "m" * 65, "too_long"),
        ("TokenUniqueReference", "D" * 49, "too_long"),
    ],
)
def test_each_member_keeps_its_spec_rule(member: str, value: str, code: str) -> None:
    document = json.loads(json.dumps(MESSAGE))
    document["AccountHolderMessagingRequest"][member] = value
    report = mdesrules.check("account_holder_messaging", document)
    assert [(v.code, v.path) for v in report.violations] == [
        (code, f"/AccountHolderMessagingRequest/{member}")
    ]


def test_every_member_but_the_phone_is_required() -> None:
    inner = MESSAGE["AccountHolderMessagingRequest"]
    for member in inner:
        document = {
            "AccountHolderMessagingRequest": {k: v for k, v in inner.items() if k != member}
        }
        report = mdesrules.check("account_holder_messaging", document)
        assert [v.code for v in report.violations] == ["missing_required"], member


def test_the_request_of_a_get_is_the_empty_document() -> None:
    assert mdesrules.check("system_status", {}).ok
    assert mdesrules.check("system_status", q.SystemStatusRequest()).ok
    assert mdesrules.parse("system_status", {}) == q.SystemStatusRequest()
    assert mdesrules.to_wire(q.SystemStatusRequest()) == {}
    report = mdesrules.check("system_status", {"SystemStatusRequest": {}})
    assert [(v.code, v.path) for v in report.violations] == [
        ("unknown_field", "/SystemStatusRequest")
    ]
    assert [v.code for v in mdesrules.check("system_status", [PAN]).violations] == ["wrong_type"]
    assert PAN not in json.dumps(mdesrules.check("system_status", {PAN: PAN}).to_dict())
    assert mdesrules.REGISTRY.detect({}) is None  # a GET is never told from a document


def test_only_2_0_7_has_them() -> None:
    op = MDES_CS_API_2_0_7.get("system_status")
    assert (op.method, op.path, op.read_only, op.effect) == (
        "GET",
        "/systemstatus",
        True,
        "system_status",
    )
    messaging = MDES_CS_API_2_0_7.get("account_holder_messaging")
    assert (messaging.method, messaging.read_only) == ("POST", False)
    for later in (MDES_CS_API_2_1_7, MDES_CS_API_2_2_2):
        assert "system_status" not in later
        assert "account_holder_messaging" not in later


# --- the codec transport sends a GET without a body ----------------------------------------


def test_a_get_goes_without_a_body_and_its_answer_is_decoded() -> None:
    sent: list[WireRequest] = []

    def mdes(request: WireRequest) -> WireResponse:
        sent.append(request)
        body = {"SystemStatusResponse": {"CommentText": "Up", "LastStatusDateTime": "x"}}
        return WireResponse(200, {"Content-Type": "application/json"}, json.dumps(body).encode())

    with Client(CodecTransport(MockCarrier(mdes))) as client:
        answer = client.system_status()
    assert answer == r.SystemStatusResponse(comment_text="Up", last_status_date_time="x")
    (request,) = sent
    assert (request.method, request.path, request.body) == ("GET", "/systemstatus", b"")
    assert dict(request.headers) == {"Accept": "application/json"}
    assert request.repeatable  # a read: a carrier may repeat it


def test_a_get_whose_request_has_members_is_not_sent() -> None:
    sent: list[WireRequest] = []
    art = mdesrules.parse(
        "tms_card_art",
        {
            "instrumentIdentifierId": "IIdA7020B0000C1060",
            "tokenProvider": "vts",
            "assetType": "icon-logo",
        },
    )
    transport = CodecTransport(MockCarrier(lambda w: sent.append(w) or WireResponse(200)))
    with pytest.raises(ValueError, match="without a body, but its request has members"):
        transport.send(Request("tms_card_art", art))
    assert sent == []


# --- WsgiApp routes a GET ---------------------------------------------------------------------


def _call(app: WsgiApp, method: str, path: str, body: bytes = b"", **headers: str) -> WireResponse:
    return WsgiCarrier(app, base_url=BASE).handle(WireRequest(method, path, headers, body))


def _codes(answer: WireResponse) -> list[str]:
    return [e["ReasonCode"] for e in json.loads(answer.body)["Errors"]["Error"]]


@pytest.fixture(params=["plain handler", "checking handler"])
def app(request: pytest.FixtureRequest) -> tuple[WsgiApp, list[str]]:
    """A WsgiApp over a handler that decodes nothing itself, or over the simulator (which
    checks each document itself), with the operations each one answered."""
    calls: list[str] = []
    if request.param == "plain handler":

        def handler(got: Request) -> Response:
            calls.append(got.operation)
            return Response(got.operation, 200, r.SystemStatusResponse(comment_text="Up"))

        return WsgiApp(handler), calls
    mdes = SimulatedMdes(clock=lambda: NOW)
    original = mdes.answer_document

    def answer_document(op: Any, document: object, form: Any) -> Response:
        calls.append(op.name)
        return original(op, document, form)

    mdes.answer_document = answer_document  # type: ignore[method-assign]
    return WsgiApp(mdes), calls


def test_wsgi_serves_a_get_without_body_or_content_type(app: tuple[WsgiApp, list[str]]) -> None:
    wsgi, calls = app
    answer = _call(wsgi, "GET", "/systemstatus")
    assert answer.status == 200
    assert answer.content_type.startswith("application/json")
    (wrapper,) = json.loads(answer.body)
    assert wrapper == "SystemStatusResponse"
    assert calls == ["system_status"]


def test_wsgi_refuses_a_body_on_a_get(app: tuple[WsgiApp, list[str]]) -> None:
    wsgi, calls = app
    answer = _call(wsgi, "GET", "/systemstatus", b"{}", **{"Content-Type": "application/json"})
    assert answer.status == 400
    assert _codes(answer) == ["MALFORMED_DOCUMENT"]
    assert "takes no request body" in answer.body.decode()
    assert calls == []


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("POST", "/systemstatus", "GET"),
        ("PUT", "/systemstatus", "GET"),
        ("GET", "/search", "POST"),
        ("GET", "/accountholdermessaging", "POST"),
    ],
)
def test_wsgi_answers_a_wrong_method_with_405_and_the_right_one(
    app: tuple[WsgiApp, list[str]], method: str, path: str, allow: str
) -> None:
    wsgi, calls = app
    answer = _call(wsgi, method, path, b"{}", **{"Content-Type": "application/json"})
    assert answer.status == 405
    assert answer.header("Allow") == allow
    assert _codes(answer) == ["METHOD_NOT_ALLOWED"]
    assert calls == []


# --- the simulated MDES -------------------------------------------------------------------------


def simulator(notified: list[str] | None = None) -> SimulatedMdes:
    inventory = Inventory.from_records(
        [
            {"tokenUniqueReference": ACTIVE, "accountPan": PAN, "status": "A"},
            {"tokenUniqueReference": DELETED, "accountPan": PAN, "status": "D"},
            {"tokenUniqueReference": WAITING, "accountPan": PAN, "status": "U"},
        ]
    )

    def notifier(previous: object, new: object, event: str) -> None:
        assert notified is not None
        notified.append(event)

    return SimulatedMdes(
        MemoryStore.from_inventory(inventory),
        clock=lambda: NOW,
        notifier=notifier if notified is not None else None,
    )


WIRES = ["in memory", "json", "wsgi carrier"]


def client_of(mdes: SimulatedMdes, wire: str) -> Client:
    """A client of *mdes*: the model handed over, through InMemoryTransport(wire="json"), or
    through a codec transport over a WsgiCarrier to WsgiApp (the route of HTTP, in process)."""
    if wire == "wsgi carrier":
        return Client(CodecTransport(WsgiCarrier(WsgiApp(mdes), base_url=BASE)))
    return Client(InMemoryTransport(mdes, wire=None if wire == "in memory" else "json"))


@pytest.mark.parametrize("wire", WIRES)
def test_system_status_is_the_healthy_answer(wire: str) -> None:
    with client_of(simulator(), wire) as client:
        assert client.system_status() == r.SystemStatusResponse(
            comment_text=SYSTEM_STATUS, last_status_date_time="2024-01-31T12:00:00.000Z"
        )
        assert client.system_status(q.SystemStatusRequest()).comment_text == SYSTEM_STATUS


@pytest.mark.parametrize("wire", WIRES)
def test_a_message_is_recorded_as_a_comment_without_the_pan(wire: str) -> None:
    notified: list[str] = []
    mdes = simulator(notified)
    with client_of(mdes, wire) as client:
        for tur in (ACTIVE, WAITING):  # shown in the wallet, active or awaiting activation
            answer = client.account_holder_messaging(message(tur))
            assert answer == r.AccountHolderMessagingResponse(
                token=r.TokenReference(token_unique_reference=tur)
            )
        comments = client.token_comments(q.TokenCommentsRequest(token_unique_reference=ACTIVE))
        found = client.search(q.SearchRequest(token_unique_reference=ACTIVE, audit_info=AUDIT))
    assert comments.comments is not None
    (comment,) = comments.comments.comment
    assert comment.comment_text == (
        "Account holder message 659812******************1064 (en, until "
        "2024-02-10T18:04:35-06:00, viewable in the issuer app: FALSE): You have earned a "
        "statement credit on card 541234******1232"
    )
    assert (comment.comment_date_time, comment.audit_info) == ("2024-01-31T12:00:00.000Z", AUDIT)
    assert found.accounts is not None
    assert found.accounts.account[0].tokens is not None
    (token,) = found.accounts.account[0].tokens.token
    assert token.last_comment_id == comment.comment_id
    assert token.current_status_code == "A"
    stored = mdes.store.get(ACTIVE)
    assert stored is not None
    assert stored.history == ()
    assert notified == []  # nothing a token requestor is told of
    assert PAN not in repr(mdes.store.get(ACTIVE))


@pytest.mark.parametrize("wire", WIRES)
@pytest.mark.parametrize(
    ("request_", "status", "code", "source"),
    [
        (message(DELETED), 400, "TOKEN_STATE", "TokenUniqueReference"),
        (message(UNKNOWN), 404, "UNKNOWN_TOKEN", "TokenUniqueReference"),
        (
            message(message_expiration="2024-01-31T11:59:59Z"),
            400,
            "NOT_ALLOWED_VALUE",
            "MessageExpiration",
        ),
        (
            message(message_expiration="2024-03-01T12:00:01Z"),
            400,
            "NOT_ALLOWED_VALUE",
            "MessageExpiration",
        ),
    ],
)
def test_a_message_the_simulator_refuses_changes_nothing(
    wire: str, request_: q.AccountHolderMessagingRequest, status: int, code: str, source: str
) -> None:
    mdes = simulator()
    before = {tur: mdes.store.get(tur) for tur in (ACTIVE, DELETED, WAITING)}
    with client_of(mdes, wire) as client, pytest.raises(MdesError) as refused:
        client.account_holder_messaging(request_)
    assert refused.value.status == status
    (error,) = refused.value.errors
    assert error.reason_code == code
    assert error.source == f"/AccountHolderMessagingRequest/{source}"
    assert PAN not in str(refused.value)
    assert {tur: mdes.store.get(tur) for tur in before} == before


@pytest.mark.parametrize(
    ("expiration", "month"),
    [("2024-02-30T12:00:00Z", "February 2024 has 29 days"), ("2024-04-31T12:00:00Z", "April")],
)
def test_the_served_simulator_refuses_a_day_the_month_does_not_have(
    expiration: str, month: str
) -> None:
    """Sent past the client's pre-flight check (which refuses it too), the simulator's own
    check of the rules answers 400 BAD_FORMAT, naming the month, and changes nothing."""
    mdes = simulator()
    before = {tur: mdes.store.get(tur) for tur in (ACTIVE, DELETED, WAITING)}
    body = json.dumps(mdesrules.to_wire(message(message_expiration=expiration))).encode()
    answer = _call(
        WsgiApp(mdes),
        "POST",
        "/accountholdermessaging",
        body,
        **{"Content-Type": "application/json"},
    )
    assert answer.status == 400
    (error,) = json.loads(answer.body)["Errors"]["Error"]
    assert (error["ReasonCode"], error["Source"]) == (
        "BAD_FORMAT",
        "/AccountHolderMessagingRequest/MessageExpiration",
    )
    assert month in error["Description"]
    assert {tur: mdes.store.get(tur) for tur in before} == before


def test_the_simulators_expiry_test_judges_the_date_by_the_rule() -> None:
    """Called on a value the rules did not see, the expiry test refuses an impossible date
    with the rule's own failure rather than raising."""
    assert _message_expiry("2023-02-29T12:00:00Z", NOW) == (
        "bad_format",
        "MessageExpiration must be a date that exists: February 2023 has 28 days, not 29",
    )
    assert _message_expiry("2024-02-29T12:00:00Z", NOW) is None


def test_the_expiry_window_is_the_spec_maximum() -> None:
    mdes = simulator()
    last = (NOW + timedelta(days=MAX_MESSAGE_DAYS)).strftime("%Y-%m-%dT%H:%M:%SZ")
    with client_of(mdes, "json") as client:
        client.account_holder_messaging(message(message_expiration=last))
        client.account_holder_messaging(message(message_expiration="2024-01-31T12:00:01.5Z"))


def test_the_client_refuses_before_sending_what_breaks_a_rule() -> None:
    mdes = simulator()
    with client_of(mdes, "json") as client, pytest.raises(InvalidRequest) as refused:
        client.account_holder_messaging(message(message_language_code="EN", message_text=CLEAN))
    assert [v.code for v in refused.value.report.violations] == ["bad_format"]
    assert mdes.store.get(ACTIVE) == simulator().store.get(ACTIVE)


def test_the_pre_flight_check_agrees_on_the_token_state() -> None:
    context = mdesrules.Context(inventory=simulator().store)
    codes = {
        tur: [
            v.code
            for v in mdesrules.check(
                "account_holder_messaging", message(tur, message_text=CLEAN), context
            ).violations
        ]
        for tur in (ACTIVE, WAITING, DELETED, UNKNOWN)
    }
    assert codes == {
        ACTIVE: [],
        WAITING: [],
        DELETED: ["token_state"],
        UNKNOWN: ["unknown_token"],
    }


# --- the command line's batch check -------------------------------------------------------------


def test_a_batch_record_is_never_taken_for_the_get(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "requests.jsonl"
    path.write_text("{}\n" + json.dumps(MESSAGE) + "\n", encoding="utf-8")
    status = main(["check", "--format", "json", str(path)])
    first, second = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert status == 1
    assert first["operation"] is None
    (violation,) = first["violations"]
    assert violation["code"] == "unknown_operation"
    assert "system_status" not in violation["message"]
    assert (second["operation"], second["ok"]) == ("account_holder_messaging", True)
    status = main(["check", "--format", "json", "--operation", "system_status", str(path)])
    first, second = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert (first["operation"], first["ok"]) == ("system_status", True)
    assert [v["code"] for v in second["violations"]] == ["unknown_field"]
    assert status == 1
