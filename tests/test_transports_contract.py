"""One contract every transport passes: same request in, same outcome out.

The transports: the in-memory one (models handed over, or through the JSON or XML codec),
and HTTP (JSON or XML) over a real socket to :class:`~mdesrules.serving.wsgi.WsgiApp` serving the
same fake MDES. Whatever carries the request, a client sees equal response models, the
same MDES errors, the same refusal of an invalid request before anything leaves, and
the members it does not know as warnings.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

import attrs
import pytest
from lxml import etree

import mdesrules
import mdesrules.transports
from mdesrules._xml import DATACONTRACT_NS
from mdesrules.client import Client
from mdesrules.exceptions import InvalidRequest, MdesError
from mdesrules.models import legacy
from mdesrules.models import responses as r
from mdesrules.registry import REGISTRY
from mdesrules.transport import Request, Response, Transport
from mdesrules.transports import HttpTransport, InMemoryTransport, WsgiApp

Serve = Callable[[WSGIApplication], str]  # the ``serve`` fixture of conftest.py

ACTIVE = "DWSPMC000000000132d72d4fcb2f4136a0532d3093ff1a45"
SUSPENDED = "DWSPMC000000000232d72d4fcb2f4136a0532d3093ff1a46"
UNKNOWN = "DWSPMC00000000000000000000000000000000000000dead"
AUDIT = {"UserId": "A1435477", "UserName": "John Smith", "Organization": "Any Bank"}
LEGACY_AUDIT = {"userId": "A1435477", "userName": "John Smith", "organization": "Any Bank"}

#: One valid request document per operation (the TUR is replaced to test refusals).
DOCUMENTS: dict[str, dict[str, Any]] = {
    "search": {"SearchRequest": {"TokenUniqueReference": ACTIVE, "AuditInfo": AUDIT}},
    "token_activate": {
        "TokenActivateRequest": {
            "TokenUniqueReference": ACTIVE,
            "ReasonCode": "C",
            "AuditInfo": AUDIT,
        }
    },
    "token_update": {
        "TokenUpdateRequest": {
            "TokenUniqueReference": ACTIVE,
            "ExpirationDate": "0130",
            "CommentText": "Card reissued — nouvelle carte",
            "AuditInfo": AUDIT,
        }
    },
    "token_suspend": {
        "TokenSuspendRequest": {
            "TokenUniqueReference": ACTIVE,
            "ReasonCode": "L",
            "CommentText": "Phone lost",
            "AuditInfo": AUDIT,
        }
    },
    "token_unsuspend": {
        "TokenUnsuspendRequest": {
            "TokenUniqueReference": SUSPENDED,
            "ReasonCode": "F",
            "AuditInfo": AUDIT,
        }
    },
    "token_delete": {
        "TokenDeleteRequest": {
            "TokenUniqueReference": ACTIVE,
            "ReasonCode": "C",
            "AuditInfo": AUDIT,
        }
    },
    "token_status_history": {"TokenStatusHistoryRequest": {"TokenUniqueReference": ACTIVE}},
    "token_comments": {"TokenCommentsRequest": {"TokenUniqueReference": ACTIVE}},
    "transactions": {"TransactionsRequest": {"TokenUniqueReference": ACTIVE, "AuditInfo": AUDIT}},
    "token_activation_methods": {"TokenActivationMethodsRequest": {"TokenUniqueReference": ACTIVE}},
    "token_resend_activation_code": {
        "TokenResendActivationCodeRequest": {
            "TokenUniqueReference": ACTIVE,
            "ActivationMethodId": "1234",
            "AuditInfo": AUDIT,
        }
    },
    "token_reset_mobile_pin": {
        "TokenResetMobilePinRequest": {
            "TokenUniqueReference": ACTIVE,
            "ReasonCode": "N",
            "AuditInfo": AUDIT,
        }
    },
    "update_token_assurance": {
        "UpdateTokenAssuranceRequest": {"TokenUniqueReference": ACTIVE, "AuditInfo": AUDIT}
    },
    "account_holder_messaging": {
        "AccountHolderMessagingRequest": {
            "TokenUniqueReference": ACTIVE,
            "MessageIdentifier": "MSG-0001",
            "IssuerApplicationMessageDisplay": "TRUE",
            "MessageText": "Votre crédit est arrivé <&>",
            "MessageExpiration": "2024-02-15T00:00:00Z",
            "MessageLanguageCode": "fr",
            "AuditInfo": AUDIT,
        }
    },
    "system_status": {},  # GET: no body, no token
    "legacy_update": {
        "tokenUniqueReference": ACTIVE,
        "newAccountPan": "5412345678901232",
        "expirationDate": "0130",
        "auditInfo": LEGACY_AUDIT,
    },
}


def test_every_operation_has_a_document() -> None:
    inbound = {"notify_token_updated", "notify_token_updated_envelope"}  # MDES sends these
    tms = {"tms_card_art", "tms_payment_credentials"}  # CyberSource: not the MDES simulator's
    assert set(DOCUMENTS) == set(REGISTRY.names()) - inbound - tms


def model(operation: str, tur: str | None = None) -> Any:
    """The request model of *operation*, for token *tur* if given."""
    document = json.loads(json.dumps(DOCUMENTS[operation]))
    inner = next(iter(document.values())) if REGISTRY.get(operation).wrapper else document
    key = "tokenUniqueReference" if operation == "legacy_update" else "TokenUniqueReference"
    if tur is not None:
        inner[key] = tur
    return mdesrules.parse(operation, document)


# --- a fake MDES -----------------------------------------------------------------------


def not_found(operation: str) -> Response:
    entry = r.Error(
        source="INPUT",
        reason_code="INVALID_TOKEN",
        error_code="E0010042",
        description="No token matches the TokenUniqueReference",
        recoverable="false",
    )
    return Response(operation, 400, None, (entry,))


@attrs.define
class Token:
    status: str
    suspenders: set[str] = attrs.field(factory=set)


class FakeMdes:
    """Just enough MDES: two tokens, and an answer of the right model for each operation."""

    def __init__(self) -> None:
        self.calls: list[Request] = []
        self.tokens = {ACTIVE: Token("A"), SUSPENDED: Token("S", {"I"})}

    def __call__(self, request: Request) -> Response:
        self.calls.append(request)
        if request.operation == "system_status":
            status = r.SystemStatusResponse(comment_text="Fully operational — opérationnel")
            return Response(request.operation, 200, status)
        tur = request.body.token_unique_reference  # type: ignore[attr-defined]
        token = self.tokens.get(tur)
        if token is None:
            return not_found(request.operation)
        answer: Callable[[Any, str, Token], object] = getattr(self, request.operation)
        return Response(request.operation, 200, answer(request.body, tur, token))

    def search(self, body: Any, tur: str, token: Token) -> r.SearchResponse:
        found = r.Token(
            token_unique_reference=tur,
            token_suffix="0010",
            current_status_code=token.status,
            suspenders=r.Suspenders(suspender=tuple(sorted(token.suspenders))),
            device=r.Device(device_name="Pixel 9", device_type="PHONE"),
        )
        account = r.Account(account_pan_suffix="1232", tokens=r.Tokens(token=(found,)))
        return r.SearchResponse(accounts=r.Accounts(account=(account,)))

    def _simple(self, tur: str, body: Any) -> r.SimpleTokenResponse:
        comment = "c-1" if getattr(body, "comment_text", None) else None
        return r.SimpleTokenResponse(
            token=r.SimpleToken(token_unique_reference=tur, comment_id=comment)
        )

    def token_activate(self, body: Any, tur: str, token: Token) -> r.SimpleTokenResponse:
        token.status = "A"
        return self._simple(tur, body)

    def token_update(self, body: Any, tur: str, token: Token) -> r.TokenUpdateResponse:
        updated = r.SimpleToken(token_unique_reference=tur, comment_id="c-2")
        return r.TokenUpdateResponse(tokens=r.UpdatedTokens(token=(updated,)))

    def token_suspend(self, body: Any, tur: str, token: Token) -> r.SimpleTokenResponse:
        token.status = "S"
        token.suspenders.add("I")
        return self._simple(tur, body)

    def token_unsuspend(self, body: Any, tur: str, token: Token) -> r.SimpleTokenResponse:
        token.suspenders.discard("I")
        token.status = "S" if token.suspenders else "A"
        return self._simple(tur, body)

    def token_delete(self, body: Any, tur: str, token: Token) -> r.SimpleTokenResponse:
        token.status = "D"
        return self._simple(tur, body)

    def token_status_history(
        self, body: Any, tur: str, token: Token
    ) -> r.TokenStatusHistoryResponse:
        statuses = (
            r.Status(status_code="A", status_date_time="2024-01-02T03:04:05.000Z", initiator="W"),
            r.Status(status_code="U", status_date_time="2024-01-01T03:04:05.000Z"),
        )
        return r.TokenStatusHistoryResponse(statuses=r.Statuses(status=statuses))

    def token_comments(self, body: Any, tur: str, token: Token) -> r.TokenCommentsResponse:
        comment = r.Comment(
            comment_id="c-1",
            comment_text="Appel du porteur: téléphone perdu <&>",
            audit_info=mdesrules.parse("search", DOCUMENTS["search"]).audit_info,
        )
        return r.TokenCommentsResponse(comments=r.Comments(comment=(comment,)))

    def transactions(self, body: Any, tur: str, token: Token) -> r.TransactionsResponse:
        sale = r.Transaction(
            transaction_amount="12.34",
            currency_code="840",
            merchant_name="Café",
            pos_entry_mode="07",
        )
        return r.TransactionsResponse(transactions=r.Transactions(transaction=(sale,)))

    def token_activation_methods(
        self, body: Any, tur: str, token: Token
    ) -> r.TokenActivationMethodsResponse:
        method = r.ActivationMethod(
            activation_method_id="1234",
            activation_method_type="1",
            activation_method_value="***-1234",
        )
        return r.TokenActivationMethodsResponse(
            activation_methods=r.ActivationMethods(activation_method=(method,))
        )

    def token_resend_activation_code(
        self, body: Any, tur: str, token: Token
    ) -> r.TokenResendActivationCodeResponse:
        return r.TokenResendActivationCodeResponse(token=r.SimpleToken(token_unique_reference=tur))

    def token_reset_mobile_pin(self, body: Any, tur: str, token: Token) -> r.SimpleTokenResponse:
        return self._simple(tur, body)

    def update_token_assurance(self, body: Any, tur: str, token: Token) -> r.SimpleTokenResponse:
        return self._simple(tur, body)

    def account_holder_messaging(
        self, body: Any, tur: str, token: Token
    ) -> r.AccountHolderMessagingResponse:
        return r.AccountHolderMessagingResponse(token=r.TokenReference(token_unique_reference=tur))

    def legacy_update(self, body: Any, tur: str, token: Token) -> legacy.LegacyTokenResponse:
        updated = legacy.LegacyToken(
            token_unique_reference=tur,
            expiration_date=body.expiration_date,
            current_status_code=token.status,
            suspender=tuple(
                legacy.LegacySuspender(suspended_by=s) for s in sorted(token.suspenders)
            ),
            devices=(
                legacy.LegacyDevice(device_id="d-1"),
                legacy.LegacyDevice(device_name="Watch"),
            ),
        )
        return legacy.LegacyTokenResponse(token=updated)


def expected(operation: str, tur: str | None = None) -> Response:
    """What the fake answers, handed over directly: the outcome every transport must give."""
    return FakeMdes()(Request(operation, model(operation, tur)))


# --- the transports ------------------------------------------------------------------------


@attrs.define
class Harness:
    transport: Transport
    fake: FakeMdes
    deliveries: Callable[[], int]  # requests that reached the MDES side (HTTP hits or calls)
    wire: bool


def counting(app: WSGIApplication, hits: list[str]) -> WSGIApplication:
    def counted(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        hits.append(str(environ.get("PATH_INFO")))
        return app(environ, start_response)

    return counted


def make_harness(kind: str, serve: Serve) -> Harness:
    fake = FakeMdes()
    if kind.startswith("memory"):
        wire = kind.partition("-")[2] or None
        memory = InMemoryTransport(fake, wire=wire)  # type: ignore[arg-type]
        return Harness(memory, fake, lambda: len(fake.calls), wire is not None)
    hits: list[str] = []
    url = serve(counting(WsgiApp(fake), hits)) + "/mdes/csapi/v2"
    form = kind.partition("-")[2]
    http = HttpTransport(url, form=form, timeout=(2.0, 5.0), backoff=0.0)  # type: ignore[arg-type]
    return Harness(http, fake, lambda: len(hits), True)


KINDS = ("memory", "memory-json", "http-json")
XML_KINDS = ("memory-xml", "http-xml")
CASES = [(kind, op) for kind in KINDS for op in DOCUMENTS] + [
    (kind, "legacy_update") for kind in XML_KINDS
]


@pytest.fixture
def harness(request: pytest.FixtureRequest, serve: Serve) -> Iterator[Harness]:
    made = make_harness(request.param, serve)
    with made.transport:
        yield made


def test_every_transport_is_a_transport(serve: Serve) -> None:
    for kind in KINDS + XML_KINDS:
        made = make_harness(kind, serve)
        with made.transport as transport:
            assert isinstance(transport, Transport)


@pytest.mark.parametrize(("harness", "operation"), CASES, indirect=["harness"])
def test_success_gives_equal_models(harness: Harness, operation: str) -> None:
    client = Client(harness.transport)
    answer = getattr(client, operation)(model(operation))
    want = expected(operation)
    assert answer == want.body
    response = client.send(operation, model(operation))
    assert response.ok
    assert response.status == 200
    assert response.warnings == ()
    assert harness.deliveries() == 2


# Every operation that names a token, refused for an unknown one.
NAMING_A_TOKEN = [(kind, op) for kind, op in CASES if op != "system_status"]


@pytest.mark.parametrize(("harness", "operation"), NAMING_A_TOKEN, indirect=["harness"])
def test_mdes_errors_raise_with_every_entry(harness: Harness, operation: str) -> None:
    client = Client(harness.transport)
    with pytest.raises(MdesError) as refused:
        getattr(client, operation)(model(operation, UNKNOWN))
    want = expected(operation, UNKNOWN)
    assert refused.value.errors == want.errors
    assert refused.value.status == want.status == 400
    assert refused.value.operation == operation
    assert not refused.value.recoverable
    assert harness.deliveries() == 1


INVALID: dict[str, Callable[[], object]] = {
    "token_suspend": lambda: attrs.evolve(model("token_suspend"), reason_code="X"),
    "search": lambda: attrs.evolve(model("search"), account_pan="5412345678901234"),
    "legacy_update": lambda: attrs.evolve(model("legacy_update"), cardholder_id="20000587525"),
}


@pytest.mark.parametrize(
    ("harness", "operation"),
    [(k, op) for k in KINDS for op in INVALID] + [(k, "legacy_update") for k in XML_KINDS],
    indirect=["harness"],
)
def test_invalid_requests_are_never_sent(harness: Harness, operation: str) -> None:
    client = Client(harness.transport)
    with pytest.raises(InvalidRequest) as invalid:
        getattr(client, operation)(INVALID[operation]())
    assert invalid.value.report.errors
    assert harness.deliveries() == 0
    assert harness.fake.calls == []


def test_wrong_model_type_is_never_sent(serve: Serve) -> None:
    for kind in KINDS:
        made = make_harness(kind, serve)
        with made.transport:
            with pytest.raises(TypeError):
                Client(made.transport).send("token_suspend", model("search"))
            assert made.deliveries() == 0


Encoder = Callable[..., bytes]


def _with_unknown_json(original: Encoder) -> Encoder:
    def encode(response: Response, **options: Any) -> bytes:
        document = json.loads(original(response, **options))
        wrapper = REGISTRY.get(response.operation).json_response_wrapper
        inner = document if wrapper is None else document[wrapper]
        inner["FutureMember"] = "added by a newer MDES"
        return json.dumps(document).encode()

    return encode


def _with_unknown_xml(original: Encoder) -> Encoder:
    def encode(response: Response, **options: Any) -> bytes:
        root = etree.fromstring(original(response, **options))
        member = etree.SubElement(root[0], f"{{{DATACONTRACT_NS}}}FutureMember")
        member.text = "added by a newer MDES"
        return etree.tostring(root)

    return encode


# Models handed over in memory carry no member the library does not know: only transports
# with a wire can meet one.
WIRE_CASES = [(kind, op) for kind, op in CASES if kind != "memory"]


@pytest.mark.parametrize(("harness", "operation"), WIRE_CASES, indirect=["harness"])
def test_unknown_members_come_back_as_warnings(
    harness: Harness, operation: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert harness.wire
    # The MDES side encodes with the codec modules (in memory, or in WsgiApp on the server
    # thread): make it a newer MDES that adds a member.
    monkeypatch.setattr(
        mdesrules.codecs.json,
        "encode_response",
        _with_unknown_json(mdesrules.codecs.json.encode_response),
    )
    monkeypatch.setattr(
        mdesrules.codecs.xml,
        "encode_response",
        _with_unknown_xml(mdesrules.codecs.xml.encode_response),
    )
    response = Client(harness.transport).send(operation, model(operation))
    assert response.ok
    assert response.body == expected(operation).body
    assert [w.code for w in response.warnings] == ["unknown_field"]
    assert response.warnings[0].path.endswith("/FutureMember")
    assert response.warnings[0].severity == "warning"


@pytest.mark.parametrize("harness", KINDS, indirect=True)
def test_state_carries_across_requests(harness: Harness) -> None:
    client = Client(harness.transport)
    client.token_suspend(model("token_suspend"))
    found = client.search(model("search"))
    assert found.accounts is not None
    tokens = found.accounts.account[0].tokens
    assert tokens is not None
    (token,) = tokens.token
    assert token.current_status_code == "S"
    assert token.suspenders == r.Suspenders(suspender=("I",))


@pytest.mark.parametrize("harness", KINDS + XML_KINDS, indirect=True)
def test_closed_transport_refuses_to_send(harness: Harness) -> None:
    harness.transport.close()
    operation = "legacy_update"
    with pytest.raises(RuntimeError):
        harness.transport.send(Request(operation, model(operation)))
    assert harness.deliveries() == 0


# Over a wire, the MDES side is the same WsgiApp in process and over HTTP, so whatever it
# refuses it refuses alike: in MDES's error shape, never as an exception of the other side.
WIRE_KINDS = tuple(kind for kind in KINDS + XML_KINDS if kind != "memory")


@pytest.mark.parametrize("harness", WIRE_KINDS, indirect=True)
def test_a_request_sent_past_the_check_is_refused_in_mdes_shape(harness: Harness) -> None:
    invalid = INVALID["legacy_update"]()
    response = harness.transport.send(Request("legacy_update", invalid))
    assert response.status == 400
    assert [e.reason_code for e in response.errors] == ["MUTUALLY_EXCLUSIVE"]
    assert harness.fake.calls == []


@pytest.mark.parametrize("harness", WIRE_KINDS, indirect=True)
def test_a_failing_mdes_is_a_500_over_every_wire(harness: Harness) -> None:
    def fail(request: Request) -> Response:
        raise RuntimeError("the database is down")

    harness.fake.legacy_update = fail  # type: ignore[method-assign, assignment]
    with pytest.raises(MdesError) as refused:
        Client(harness.transport).send("legacy_update", model("legacy_update"))
    assert refused.value.status == 500
    assert [e.reason_code for e in refused.value.errors] == ["INTERNAL_ERROR"]
