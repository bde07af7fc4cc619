"""Adding an operation is one declaration: its model and its ``Operation``, nothing else.

A made-up operation, ``token_notes``, is declared here the way an API surface module of
:mod:`mdesrules.apis` declares its operations, in a throwaway registry. Everything a real
operation has then follows from that one declaration: the check, the client's generic
``call``, WSGI routing in the simulated MDES, a catalogue entry and a strategy of valid
documents. No table elsewhere is keyed by operation name.
"""

from __future__ import annotations

import io
import json
from typing import Any, Literal

import pytest
from attrs import field, frozen
from hypothesis import given

from mdesrules import Client, Inventory, Operation, Registry, UnknownOperation, check
from mdesrules.catalogue import render
from mdesrules.fakes.mdes import MemoryStore, SimulatedMdes
from mdesrules.models import AuditInfo, responses
from mdesrules.models._base import MaskedRepr
from mdesrules.models._rules import choice, ident
from mdesrules.schema import wire
from mdesrules.serving import WsgiApp
from mdesrules.state_rules import TargetToken
from mdesrules.testing import valid_documents
from mdesrules.transport import Request
from mdesrules.transports import InMemoryTransport

TUR = "DWSPMC000000000132d72d4fcb2f4136a0532d3093ff1a45"
AUDIT = {"UserId": "A1435477", "UserName": "John Smith", "Organization": "Any Bank"}


@frozen(kw_only=True, repr=False)
class TokenNotesRequest(MaskedRepr):
    """Read the notes on a token (a made-up operation)."""

    token_unique_reference: str = field(metadata=wire(*ident(1, 48)))
    note_kind: str | None = field(default=None, metadata=wire(*choice("AGENT", "SYSTEM")))
    audit_info: AuditInfo


TOKEN_NOTES = Operation(
    name="token_notes",
    endpoint="POST /token/notes",
    summary="Read the notes on a token.",
    request=TokenNotesRequest,
    wrapper="TokenNotesRequest",
    state_rules=(TargetToken("read"),),
    response=responses.TokenCommentsResponse,
    response_wrapper="TokenNotesResponse",
    read_only=True,
    effect="comments",
)


#: The throwaway registry: an API surface of one operation.
MADE_UP = Registry("made-up-api", "0.1", title="A made-up API")
MADE_UP.register(TOKEN_NOTES)


@pytest.fixture
def registry() -> Registry:
    return MADE_UP


@pytest.fixture
def simulator(registry: Registry) -> SimulatedMdes:
    inventory = Inventory.from_records(
        [{"tokenUniqueReference": TUR, "accountPan": "5412345678901232", "status": "A"}]
    )
    return SimulatedMdes(MemoryStore.from_inventory(inventory), registry=registry)


def document(**members: object) -> dict[str, Any]:
    return {"TokenNotesRequest": {"TokenUniqueReference": TUR, "AuditInfo": AUDIT, **members}}


def test_the_check_applies_the_declared_rules(registry: Registry) -> None:
    assert check("token_notes", document(), registry=registry).ok
    report = check("token_notes", document(NoteKind="OTHER"), registry=registry)
    assert [(v.code, v.path) for v in report.violations] == [
        ("not_allowed_value", "/TokenNotesRequest/NoteKind")
    ]


def test_the_operation_belongs_to_its_registry_only(registry: Registry) -> None:
    assert registry.detect(document()) is TOKEN_NOTES
    with pytest.raises(UnknownOperation):
        check("token_notes", document())


def test_read_only_makes_the_request_repeatable(registry: Registry) -> None:
    request = Request("token_notes", None, registry)
    assert request.op is TOKEN_NOTES
    assert request.repeatable


@pytest.mark.parametrize("wire", [None, "json"])
def test_the_client_calls_it_through_the_simulator(
    registry: Registry, simulator: SimulatedMdes, wire: Literal["json"] | None
) -> None:
    with Client(InMemoryTransport(simulator, wire=wire), registry=registry) as client:
        answer = client.call(
            "token_notes",
            TokenNotesRequest(
                token_unique_reference=TUR,
                audit_info=AuditInfo(
                    user_id="A1435477", user_name="John Smith", organization="Any Bank"
                ),
            ),
        )
    assert answer == responses.TokenCommentsResponse(comments=responses.Comments())


def test_the_wsgi_app_routes_it(registry: Registry, simulator: SimulatedMdes) -> None:
    app = WsgiApp(simulator, registry=registry)
    status, body = post(app, "/mdes/csapi/v2/token/notes", document())
    assert status.startswith("200")
    assert set(json.loads(body)) == {"TokenNotesResponse"}
    # The state rule runs against the simulator's store: an unknown token is a 404.
    status, body = post(app, "/mdes/csapi/v2/token/notes", document(TokenUniqueReference="X1"))
    assert status.startswith("404")
    assert json.loads(body)["Errors"]["Error"][0]["ReasonCode"] == "UNKNOWN_TOKEN"
    # The default registry's operations are not served by this app.
    status, _ = post(app, "/mdes/csapi/v2/token/suspend", document())
    assert status.startswith("404")


def test_the_catalogue_lists_it(registry: Registry) -> None:
    text = render("markdown", registry)
    assert "token_notes" in text
    assert "POST /token/notes" in text
    assert "NoteKind" in text


@given(valid_documents("token_notes", registry=MADE_UP))
def test_valid_documents_come_from_the_declaration(doc: dict[str, Any]) -> None:
    assert check("token_notes", doc, registry=MADE_UP).ok


def test_a_second_operation_with_the_same_wrapper_is_refused(registry: Registry) -> None:
    clash = Operation(
        name="token_notes_again",
        endpoint="POST /token/notes2",
        summary="Clashes.",
        request=TokenNotesRequest,
        wrapper="TokenNotesRequest",
    )
    with pytest.raises(ValueError, match="'token_notes_again' wraps its request in"):
        registry.register(clash)
    assert "token_notes_again" not in registry


def post(app: WsgiApp, path: str, doc: object) -> tuple[str, bytes]:
    body = json.dumps(doc).encode()
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }
    seen: list[str] = []
    chunks = app(environ, lambda status, headers, exc_info=None: seen.append(status))
    return seen[0], b"".join(chunks)


def test_an_operation_may_name_its_models_and_they_load_on_first_use() -> None:
    # The registries of the library declare their models by name, so that a program loads
    # only those of the operations it checks; an operation of your own may too.
    named = Operation(
        name="named_search",
        endpoint="POST /named",
        summary="Search, with its models named.",
        request="mdesrules.models.requests.SearchRequest",
        wrapper="NamedSearchRequest",
        response="mdesrules.models.responses.SearchResponse",
    )
    from mdesrules.models.requests import SearchRequest

    assert named.request is SearchRequest
    assert named.response is responses.SearchResponse
    assert "request='mdesrules.models.requests.SearchRequest'" in repr(named)
    assert "_request" not in repr(named)
    registry = Registry()
    registry.register(named)
    inner = {
        "TokenUniqueReference": "DWSPMC000000000132d72d4fcb2f4136a0532d3093ff1a45",
        "AuditInfo": {"UserId": "A1", "UserName": "J", "Organization": "B"},
    }
    assert check("named_search", {"NamedSearchRequest": inner}, registry=registry).ok
    inner["Unknown"] = "x"
    assert not check("named_search", {"NamedSearchRequest": inner}, registry=registry).ok
