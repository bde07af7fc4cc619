"""What MdesError shows for the errors a user meets: MDES's own, and the Mastercard API
gateway's, returned before MDES sees the request (OAuth failures, a project not provisioned
for the API), in the gateway's shape (``Source`` ``Gateway``, a boolean ``Recoverable``, a
``Details`` member), or with an empty ``Description``."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

import pytest

from mdesrules.client import Client
from mdesrules.codec import decode_response
from mdesrules.exceptions import MdesError
from mdesrules.models import AuditInfo, TokenSuspendRequest
from mdesrules.models.responses import Error
from mdesrules.transports import HttpTransport

Serve = Callable[[WSGIApplication], str]

TUR = "DWSPMC00000000010906a349d9ca4eb1a4d53e3c90a11d9c"
AUDIT = AuditInfo(user_id="A1435477", user_name="John Smith", organization="Any Bank")
SUSPEND = TokenSuspendRequest(token_unique_reference=TUR, reason_code="T", audit_info=AUDIT)

GATEWAY = {
    "Errors": {
        "Error": [
            {
                "Source": "Gateway",
                "ReasonCode": "AUTHENTICATION_FAILED",
                "Description": "OAuth signature invalid",
                "Recoverable": False,
                "Details": None,
            }
        ]
    }
}


def _answering(status: str, body: object) -> WSGIApplication:
    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        data = json.dumps(body).encode()
        start_response(status, [("Content-Type", "application/json")])
        return [data]

    return app


def test_a_gateway_error_shows_its_source_and_reason_code(serve: Serve) -> None:
    url = serve(_answering("401 Unauthorized", GATEWAY))
    with Client(HttpTransport(url, retries=0)) as client, pytest.raises(MdesError) as raised:
        client.token_suspend(SUSPEND)
    assert str(raised.value) == (
        "MDES refused token_suspend (HTTP 401): Source Gateway, ReasonCode "
        "AUTHENTICATION_FAILED: OAuth signature invalid"
    )
    assert raised.value.recoverable is False


def test_an_empty_description_says_so() -> None:
    body = {
        "Errors": {
            "Error": [{"Source": "System", "ReasonCode": "SERVICE_ERROR", "Description": ""}]
        }
    }
    response = decode_response("token_suspend", 500, body)
    assert str(MdesError("token_suspend", response.status, response.errors)) == (
        "MDES refused token_suspend (HTTP 500): Source System, ReasonCode SERVICE_ERROR: "
        "no description"
    )


def test_every_member_is_shown_masked_and_at_most_five() -> None:
    errors = tuple(
        Error(
            source="INPUT",
            reason_code="INVALID_FIELD_VALUE",
            error_code=f"E00{n}",
            description="AccountPan 5412345678901232 is not valid",
            recoverable="false",
        )
        for n in range(7)
    )
    text = str(MdesError("token_update", 400, errors))
    assert text.startswith(
        "MDES refused token_update (HTTP 400): Source INPUT, ReasonCode INVALID_FIELD_VALUE, "
        "ErrorCode E000: AccountPan 541234******1232 is not valid; "
    )
    assert text.count("Source INPUT") == 5
    assert text.endswith("; and 2 more")
    assert "5412345678901232" not in text


def test_no_error_entry_at_all() -> None:
    assert str(MdesError("search", 200, ())) == "MDES refused search (HTTP 200): no Error entry"
