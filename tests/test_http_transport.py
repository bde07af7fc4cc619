"""HttpTransport (retries, timeouts, bounds, logging) and WsgiApp (MDES-shaped refusals).

Every server here is a real one on 127.0.0.1 (the ``serve`` fixture of conftest.py);
only the mapping of requests' exceptions is tested with a stub session.
"""

from __future__ import annotations

import gzip
import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment
from wsgiref.util import setup_testing_defaults

import pytest
import requests
from lxml import etree
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

import mdesrules
import mdesrules.transports
from mdesrules._xml import DATACONTRACT_NS
from mdesrules.client import Client
from mdesrules.codecs import xml as xml_codec
from mdesrules.exceptions import ConnectError, DecodeError, MdesError, Timeout, TransportError
from mdesrules.models.responses import Error, SimpleToken, SimpleTokenResponse
from mdesrules.models.responses import SearchResponse as SearchAnswer
from mdesrules.transport import Request, Response
from mdesrules.transports import PRODUCTION_URL, SANDBOX_URL, HttpTransport, WsgiApp
from mdesrules.transports.http import MAX_RESPONSE_BYTES

Serve = Callable[[WSGIApplication], str]  # the ``serve`` fixture of conftest.py

TUR = "DWSPMC000000000132d72d4fcb2f4136a0532d3093ff1a45"
PAN = "5412345678901232"
AUDIT = {"UserId": "A1435477", "UserName": "John Smith", "Organization": "Any Bank"}
BASE = "/mdes/csapi/v2"
SEARCH = mdesrules.parse("search", {"SearchRequest": {"AccountPan": PAN, "AuditInfo": AUDIT}})
SUSPEND = mdesrules.parse(
    "token_suspend",
    {
        "TokenSuspendRequest": {
            "TokenUniqueReference": TUR,
            "ReasonCode": "L",
            "CommentText": "SECRET-COMMENT-MARKER",
            "AuditInfo": AUDIT,
        }
    },
)
LEGACY = mdesrules.parse(
    "legacy_update",
    {
        "tokenUniqueReference": TUR,
        "newAccountPan": PAN,
        "expirationDate": "0130",
        "auditInfo": {"userId": "A1435477", "userName": "John Smith", "organization": "Bank"},
    },
)
LEGACY_XML = xml_codec.encode_request(Request("legacy_update", LEGACY))
NS = f'xmlns:i="http://www.w3.org/2001/XMLSchema-instance" xmlns="{DATACONTRACT_NS}"'


def ok(request: Request) -> Response:
    """A fake MDES that accepts everything with a minimal answer."""
    if request.operation == "search":
        return Response("search", 200, SearchAnswer())
    if request.operation == "legacy_update":
        return Response("legacy_update", 200, mdesrules.models.legacy.LegacyTokenResponse())
    return Response(
        request.operation, 200, SimpleTokenResponse(token=SimpleToken(token_unique_reference=TUR))
    )


def refusal(operation: str, status: int, recoverable: str) -> Response:
    entry = Error(
        source="SYSTEM",
        reason_code="SERVICE_UNAVAILABLE",
        description="try again later",
        recoverable=recoverable,
    )
    return Response(operation, status, None, (entry,))


class Flaky:
    """Refuses the first *failures* calls, then answers as :func:`ok` does."""

    def __init__(self, failures: int, status: int = 400, recoverable: str = "true") -> None:
        self.failures = failures
        self.status = status
        self.recoverable = recoverable
        self.calls = 0

    def __call__(self, request: Request) -> Response:
        self.calls += 1
        if self.calls <= self.failures:
            return refusal(request.operation, self.status, self.recoverable)
        return ok(request)


def transport(url: str, **options: Any) -> HttpTransport:
    options.setdefault("timeout", (2.0, 5.0))
    options.setdefault("backoff", 0.0)
    return HttpTransport(url + BASE, **options)


# --- retries ---------------------------------------------------------------------------


@pytest.mark.parametrize("status", [400, 500, 503])
def test_recoverable_errors_are_retried_for_reads(serve: Serve, status: int) -> None:
    flaky = Flaky(2, status)
    with transport(serve(WsgiApp(flaky)), retries=2) as http:
        response = http.send(Request("search", SEARCH))
    assert response.ok
    assert flaky.calls == 3


@pytest.mark.parametrize("status", [400, 503])
def test_recoverable_errors_are_not_retried_for_writes(serve: Serve, status: int) -> None:
    flaky = Flaky(2, status)
    with transport(serve(WsgiApp(flaky)), retries=2) as http, pytest.raises(MdesError) as refused:
        Client(http).token_suspend(SUSPEND)
    assert refused.value.recoverable
    assert refused.value.status == status
    assert flaky.calls == 1


def test_retries_stop_at_the_limit(serve: Serve) -> None:
    flaky = Flaky(10)
    with transport(serve(WsgiApp(flaky)), retries=2) as http, pytest.raises(MdesError) as refused:
        Client(http).search(SEARCH)
    assert refused.value.recoverable
    assert flaky.calls == 3


def test_unrecoverable_errors_are_not_retried(serve: Serve) -> None:
    flaky = Flaky(1, 400, recoverable="false")
    with transport(serve(WsgiApp(flaky)), retries=2) as http, pytest.raises(MdesError):
        Client(http).search(SEARCH)
    assert flaky.calls == 1


def test_gateway_statuses_are_retried_for_reads_whatever_the_body(serve: Serve) -> None:
    calls: list[str] = []

    def gateway(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        calls.append(str(environ["PATH_INFO"]))
        if len(calls) < 3:
            start_response("502 Bad Gateway", [("Content-Type", "text/html")])
            return [b"<html><body>Bad gateway</body></html>"]
        return WsgiApp(ok)(environ, start_response)

    url = serve(gateway)
    with transport(url, retries=2) as http:
        assert http.send(Request("search", SEARCH)).ok
    assert len(calls) == 3
    calls.clear()
    with transport(url, retries=2) as http, pytest.raises(DecodeError) as error:
        http.send(Request("token_suspend", SUSPEND))
    assert len(calls) == 1
    assert "502" in str(error.value)
    assert "html" not in str(error.value).lower()


def test_backoff_doubles(serve: Serve, monkeypatch: pytest.MonkeyPatch) -> None:
    pauses: list[float] = []
    monkeypatch.setattr(mdesrules.transports.http.time, "sleep", pauses.append)
    with transport(serve(WsgiApp(Flaky(3))), retries=3, backoff=0.25) as http:
        assert http.send(Request("search", SEARCH)).ok
    assert pauses == [0.25, 0.5, 1.0]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


class CountingSession(requests.Session):
    """A real session that records what the transport asks of it."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[dict[str, Any]] = []
        self.closes = 0

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        self.calls.append({"method": method, "url": url, **kwargs})
        return super().request(method, url, *args, **kwargs)

    def close(self) -> None:
        self.closes += 1
        super().close()


@pytest.mark.parametrize("operation", ["search", "token_suspend"])
def test_refused_connection_is_retried_then_connect_error(operation: str) -> None:
    session = CountingSession()
    body = SEARCH if operation == "search" else SUSPEND
    url = f"http://127.0.0.1:{closed_port()}"
    with (
        session,
        transport(url, session=session, retries=2) as http,
        pytest.raises(ConnectError) as error,
    ):
        http.send(Request(operation, body))
    assert len(session.calls) == 3
    assert "127.0.0.1" in str(error.value)


class Slow:
    """Answers only when released (or after 5 s), to make the client's read time out."""

    def __init__(self) -> None:
        self.calls = 0
        self.release = threading.Event()

    def __call__(self, request: Request) -> Response:
        self.calls += 1
        self.release.wait(5)
        return ok(request)


@pytest.fixture
def slow() -> Iterator[Slow]:
    handler = Slow()
    yield handler
    handler.release.set()  # before the server is shut down, so its threads end at once


def test_read_timeout_of_a_write_is_not_retried(serve: Serve, slow: Slow) -> None:
    url = serve(WsgiApp(slow))
    with transport(url, timeout=(2.0, 0.3), retries=2) as http:
        started = time.monotonic()
        with pytest.raises(Timeout) as error:
            http.send(Request("token_suspend", SUSPEND))
    assert time.monotonic() - started < 2.0
    assert slow.calls == 1
    assert "may have been applied" in str(error.value)


def test_read_timeout_of_a_read_is_retried(serve: Serve, slow: Slow) -> None:
    url = serve(WsgiApp(slow))
    with transport(url, timeout=(2.0, 0.2), retries=1) as http, pytest.raises(Timeout):
        http.send(Request("search", SEARCH))
    assert slow.calls == 2


# --- exceptions of requests, mapped ----------------------------------------------------


class RaisingSession(requests.Session):
    def __init__(self, error: Exception) -> None:
        super().__init__()
        self.error = error
        self.calls = 0

    def request(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        raise self.error


def refused() -> Exception:
    reason = NewConnectionError(None, f"refused {PAN}")  # type: ignore[arg-type]
    return requests.ConnectionError(MaxRetryError(None, "/", reason))  # type: ignore[arg-type]


MAPPINGS: list[tuple[Callable[[], Exception], type[Exception], int, int]] = [
    # (raised by requests, raised by the transport, calls for a write, calls for a read)
    (lambda: requests.ConnectTimeout(f"connect {PAN}"), ConnectError, 3, 3),
    (refused, ConnectError, 3, 3),
    (lambda: requests.ReadTimeout(f"read {PAN}"), Timeout, 1, 3),
    (
        lambda: requests.ConnectionError(
            ProtocolError("Connection aborted.", ConnectionResetError(PAN))
        ),
        TransportError,
        1,
        3,
    ),
    (lambda: requests.exceptions.SSLError(f"bad certificate {PAN}"), ConnectError, 1, 1),
    (lambda: requests.exceptions.ProxyError(f"proxy {PAN}"), ConnectError, 1, 1),
    (lambda: requests.exceptions.InvalidHeader(f"header {PAN}"), TransportError, 1, 1),
]


@pytest.mark.parametrize(("raised", "mapped", "write_calls", "read_calls"), MAPPINGS)
def test_requests_exceptions_are_mapped(
    raised: Callable[[], Exception], mapped: type[Exception], write_calls: int, read_calls: int
) -> None:
    for request, calls in (
        (Request("token_suspend", SUSPEND), write_calls),
        (Request("search", SEARCH), read_calls),
    ):
        session = RaisingSession(raised())
        with (
            session,
            transport("https://mdes.test", session=session, retries=2) as http,
            pytest.raises(TransportError) as error,
        ):
            http.send(request)
        assert type(error.value) is mapped
        assert session.calls == calls, request.operation
        assert PAN not in str(error.value)
        assert error.value.__cause__ is None
        assert error.value.__suppress_context__


# --- session, timeouts, options ------------------------------------------------------------


def test_a_session_passed_in_is_used_and_not_closed(serve: Serve) -> None:
    session = CountingSession()
    url = serve(WsgiApp(ok))
    with session:
        with transport(url, session=session, timeout=(1.5, 4.0)) as http:
            assert http.session is session
            http.send(Request("search", SEARCH))
            http.send(Request("token_suspend", SUSPEND))
        assert session.closes == 0
        assert [c["timeout"] for c in session.calls] == [(1.5, 4.0), (1.5, 4.0)]
        assert all(c["allow_redirects"] is False for c in session.calls)
        assert [c["url"] for c in session.calls] == [
            f"{url}{BASE}/search",
            f"{url}{BASE}/token/suspend",
        ]
        assert session.get(url + "/").status_code == 404  # still usable


def test_its_own_session_is_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    http = HttpTransport("https://mdes.test")
    closes: list[bool] = []
    original = http.session.close
    monkeypatch.setattr(http.session, "close", lambda: closes.append(True) or original())
    with http:
        pass
    assert closes == [True]
    with pytest.raises(RuntimeError):
        http.send(Request("search", SEARCH))


def test_default_timeouts_are_set(serve: Serve) -> None:
    session = CountingSession()
    with session, HttpTransport(serve(WsgiApp(ok)) + BASE, session=session) as http:
        http.send(Request("search", SEARCH))
    assert session.calls[0]["timeout"] == (3.05, 30.0)


@pytest.mark.parametrize(
    "timeout",
    [
        None,
        (None, 5.0),
        (5.0, None),
        (0, 5.0),
        (5.0, -1.0),
        (float("inf"), 5.0),
        5.0,
        (1.0, 2.0, 3.0),
        (True, 5.0),
        ("1", "2"),
    ],
)
def test_waiting_forever_is_refused(timeout: Any) -> None:
    with pytest.raises(ValueError, match="timeout"):
        HttpTransport("https://mdes.test", timeout=timeout)


@pytest.mark.parametrize(
    "options",
    [
        {"base_url": "ftp://mdes.test"},
        {"base_url": "mdes.test/path"},
        {"base_url": "https://mdes.test/v2?x=1"},
        {"form": "yaml"},
        {"retries": -1},
        {"retries": 1.5},
        {"backoff": -0.1},
        {"backoff": float("nan")},
    ],
)
def test_bad_options_are_refused(options: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=r"base_url|form|retries|backoff"):
        HttpTransport(**{"base_url": "https://mdes.test", **options})


def test_there_is_no_default_url_and_the_error_names_both() -> None:
    # A harness that forgets the URL must not send its test traffic to production.
    with pytest.raises(TypeError) as raised:
        HttpTransport()
    message = str(raised.value)
    assert "SANDBOX_URL" in message
    assert SANDBOX_URL in message
    assert "PRODUCTION_URL" in message
    assert PRODUCTION_URL in message
    with pytest.raises(TypeError, match="needs base_url"):
        HttpTransport(None, retries=0)


def test_xml_form_is_only_for_operations_that_have_one() -> None:
    session = CountingSession()
    with (
        session,
        HttpTransport("https://mdes.test", form="xml", session=session) as http,
        pytest.raises(ValueError, match="no XML form"),
    ):
        http.send(Request("search", SEARCH))
    assert session.calls == []


def test_content_type_and_accept_follow_the_form(serve: Serve) -> None:
    seen: list[tuple[str, str]] = []
    app = WsgiApp(ok)

    def recording(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        seen.append((str(environ.get("CONTENT_TYPE")), str(environ.get("HTTP_ACCEPT"))))
        return app(environ, start_response)

    url = serve(recording)
    for form in ("json", "xml"):
        with transport(url, form=form) as http:
            assert http.send(Request("legacy_update", LEGACY)).ok
    assert seen == [
        ("application/json", "application/json"),
        ("application/xml", "application/xml"),
    ]


def test_auth_signs_each_attempt(serve: Serve) -> None:
    seen: list[str] = []
    app = WsgiApp(Flaky(1))

    def recording(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        seen.append(str(environ.get("HTTP_AUTHORIZATION")))
        return app(environ, start_response)

    def auth(r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers["Authorization"] = f"Test {len(seen)}"
        return r

    with transport(serve(recording), auth=auth, retries=1) as http:
        assert http.send(Request("search", SEARCH)).ok
    assert seen == ["Test 0", "Test 1"]


def test_end_to_end_413_from_a_small_server(serve: Serve) -> None:
    with transport(serve(WsgiApp(ok, max_body=100))) as http, pytest.raises(MdesError) as refused:
        Client(http).legacy_update(LEGACY)
    assert refused.value.status == 413
    assert [e.reason_code for e in refused.value.errors] == ["REQUEST_TOO_LARGE"]


# --- logging -----------------------------------------------------------------------------


def test_logs_never_hold_a_pan_a_body_or_a_header_value(
    serve: Serve, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)

    def echo(request: Request) -> Response:
        if request.operation == "token_suspend":
            entry = Error(
                source="INPUT", reason_code="X", description=f"bad {PAN}", recoverable="true"
            )
            return Response(request.operation, 400, None, (entry,))
        return ok(request)

    def auth(r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers["Authorization"] = "Bearer SECRET-TOKEN-VALUE"
        return r

    url = serve(WsgiApp(echo))
    with transport(url, auth=auth, retries=1) as http:
        client = Client(http)
        client.search(SEARCH)
        client.legacy_update(LEGACY)
        with pytest.raises(MdesError):
            client.token_suspend(SUSPEND)
    with (
        transport(f"http://127.0.0.1:{closed_port()}", retries=1) as http,
        pytest.raises(ConnectError),
    ):
        http.send(Request("search", SEARCH))
    text = "\n".join(record.getMessage() for record in caplog.records)
    ours = [rec.getMessage() for rec in caplog.records if rec.name == "mdesrules.transports.http"]
    assert any("search: HTTP 200" in m and "attempt 1 of 2" in m for m in ours)
    assert any("legacy_update: HTTP 200" in m for m in ours)
    assert any("token_suspend: HTTP 400" in m for m in ours)
    assert any("ConnectError" in m and "retrying" in m for m in ours)
    for secret in (PAN, "SECRET-COMMENT-MARKER", "SECRET-TOKEN-VALUE", '{"', "<UpdateRequest", TUR):
        assert secret not in text
    for record in caplog.records:
        assert record.exc_info is None or record.name != "mdesrules.transports.http"


# --- answers that are not MDES answers ----------------------------------------------------


def raw(
    status: str, body: bytes | Iterable[bytes], headers: list[tuple[str, str]]
) -> WSGIApplication:
    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        start_response(status, headers)
        return [body] if isinstance(body, bytes) else body

    return app


SECRET = "FILE-CONTENT-MUST-NOT-LEAK"


def attacks(secret_file: str) -> dict[str, bytes]:
    laughs = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    return {
        "xxe": (
            f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret_file}">]>'
            f"<TokenResponse {NS}><token><TokenUniqueReference>&x;</TokenUniqueReference>"
            "</token></TokenResponse>"
        ).encode(),
        "billion_laughs": (
            f'<!DOCTYPE r [<!ENTITY l0 "lol">{laughs}]>'
            f"<TokenResponse {NS}><token><TokenSuffix>&l9;</TokenSuffix></token></TokenResponse>"
        ).encode(),
        "external_dtd": (
            f'<!DOCTYPE TokenResponse SYSTEM "http://127.0.0.1:{closed_port()}/evil.dtd">'
            f"<TokenResponse {NS}/>"
        ).encode(),
        "undeclared_entity": (
            f"<TokenResponse {NS}><token><WalletId>&x;</WalletId></token></TokenResponse>"
        ).encode(),
        "utf16_dtd": f'<!DOCTYPE r [<!ENTITY x "y">]><TokenResponse {NS}/>'.encode("utf-16"),
    }


@pytest.fixture
def secret_file(tmp_path: Any) -> str:
    path = tmp_path / "secret.txt"
    path.write_text(SECRET)
    return str(path)


@pytest.mark.parametrize(
    "attack", ["xxe", "billion_laughs", "external_dtd", "undeclared_entity", "utf16_dtd"]
)
def test_a_malicious_xml_answer_is_a_decode_error(
    serve: Serve, secret_file: str, attack: str
) -> None:
    body = attacks(secret_file)[attack]
    url = serve(raw("200 OK", body, [("Content-Type", "application/xml")]))
    with transport(url, form="xml") as http:
        started = time.monotonic()
        with pytest.raises(DecodeError) as error:
            http.send(Request("legacy_update", LEGACY))
    assert time.monotonic() - started < 2.0
    assert SECRET not in str(error.value)


def test_an_answer_that_is_not_json_is_a_decode_error(serve: Serve) -> None:
    page = f"<html><body>Welcome {PAN}</body></html>".encode()
    url = serve(raw("200 OK", page, [("Content-Type", "text/html")]))
    with transport(url) as http, pytest.raises(DecodeError) as error:
        http.send(Request("search", SEARCH))
    assert "not JSON" in str(error.value)
    assert PAN not in str(error.value)
    assert "Welcome" not in str(error.value)


def test_an_oversized_answer_is_refused_by_its_length(serve: Serve) -> None:
    big = b'{"SearchResponse":{"x":"' + b"a" * MAX_RESPONSE_BYTES + b'"}}'
    url = serve(raw("200 OK", big, [("Content-Type", "application/json")]))
    with transport(url) as http, pytest.raises(DecodeError, match="larger than"):
        http.send(Request("search", SEARCH))


def test_an_endless_answer_is_read_no_further_than_the_bound(serve: Serve) -> None:
    produced: list[int] = []

    def endless() -> Iterator[bytes]:
        yield b'{"SearchResponse":{"x":"'
        for _ in range(4096):  # up to 256 MiB if the client read it all
            produced.append(1)
            yield b"a" * 65536

    url = serve(raw("200 OK", endless(), [("Content-Type", "application/json")]))
    with transport(url) as http, pytest.raises(DecodeError, match="larger than"):
        http.send(Request("search", SEARCH))
    assert len(produced) < 4096


def test_a_compressed_bomb_is_read_no_further_than_the_bound(serve: Serve) -> None:
    bomb = gzip.compress(b'{"SearchResponse":{"x":"' + b"0" * (64 * MAX_RESPONSE_BYTES) + b'"}}')
    headers = [("Content-Type", "application/json"), ("Content-Encoding", "gzip")]
    url = serve(raw("200 OK", bomb, headers))
    with transport(url) as http, pytest.raises(DecodeError, match="larger than"):
        http.send(Request("search", SEARCH))


# --- WsgiApp: every refusal in MDES's shape ---------------------------------------------------


def mdes_errors(answer: requests.Response) -> list[dict[str, str]]:
    """The entries of a JSON MDES error answer (asserting its shape)."""
    assert answer.headers["Content-Type"].startswith("application/json")
    assert b"Traceback" not in answer.content
    assert b"<html" not in answer.content.lower()
    document = answer.json()
    assert list(document) == ["Errors"]
    assert list(document["Errors"]) == ["Error"]
    entries: list[dict[str, str]] = document["Errors"]["Error"]
    assert entries
    for entry in entries:
        assert set(entry) <= {"Source", "ReasonCode", "ErrorCode", "Description", "Recoverable"}
        assert entry["Recoverable"] == "false"
    return entries


def xml_errors(answer: requests.Response) -> tuple[Error, ...]:
    """The entries of an XML MDES error answer (asserting its shape)."""
    assert answer.headers["Content-Type"].startswith("application/xml")
    root = etree.fromstring(answer.content)
    assert root.tag == f"{{{DATACONTRACT_NS}}}Errors"
    decoded = xml_codec.decode_response("legacy_update", answer.status_code, answer.content)
    assert decoded.errors
    assert decoded.warnings == ()
    return decoded.errors


@pytest.fixture
def mdes(serve: Serve) -> tuple[str, list[Request]]:
    calls: list[Request] = []

    def handler(request: Request) -> Response:
        calls.append(request)
        return ok(request)

    return serve(WsgiApp(handler)) + BASE, calls


JSON = {"Content-Type": "application/json"}
XML = {"Content-Type": "application/xml"}


def post(url: str, data: bytes, headers: dict[str, str], method: str = "POST") -> requests.Response:
    return requests.request(method, url, data=data, headers=headers, timeout=(2, 10))


def test_wsgi_serves_every_operation(mdes: tuple[str, list[Request]]) -> None:
    url, calls = mdes
    answer = post(url + "/search", json.dumps(mdesrules.to_wire(SEARCH)).encode(), JSON)
    assert answer.status_code == 200
    assert answer.json() == {"SearchResponse": {}}
    answer = post(url + "/api/Update", LEGACY_XML, {"Content-Type": "text/xml; charset=utf-8"})
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("application/xml")
    assert etree.fromstring(answer.content).tag == f"{{{DATACONTRACT_NS}}}TokenResponse"
    assert [c.operation for c in calls] == ["search", "legacy_update"]
    assert calls[1].body == LEGACY


def test_wsgi_unknown_path_is_404(mdes: tuple[str, list[Request]]) -> None:
    url, calls = mdes
    answer = post(url + "/token/explode", b"{}", JSON)
    assert answer.status_code == 404
    assert [e["ReasonCode"] for e in mdes_errors(answer)] == ["NOT_FOUND"]
    answer = post(url.replace("/v2", "/v1") + "/search", b"{}", JSON)
    assert answer.status_code == 404
    answer = post(url + "/api/Nope", LEGACY_XML, XML)
    assert answer.status_code == 404
    assert [e.reason_code for e in xml_errors(answer)] == ["NOT_FOUND"]
    assert calls == []


def test_wsgi_wrong_method_is_405(mdes: tuple[str, list[Request]]) -> None:
    url, calls = mdes
    for method in ("GET", "PUT", "DELETE"):
        answer = post(url + "/search", b"", JSON, method)
        assert answer.status_code == 405
        assert answer.headers["Allow"] == "POST"
        assert [e["ReasonCode"] for e in mdes_errors(answer)] == ["METHOD_NOT_ALLOWED"]
    assert calls == []


def test_wsgi_unsupported_content_type_is_415(mdes: tuple[str, list[Request]]) -> None:
    url, calls = mdes
    body = json.dumps(mdesrules.to_wire(SEARCH)).encode()
    for headers in (
        {"Content-Type": "text/plain"},
        {"Content-Type": "application/x-www-form-urlencoded"},
        {},
    ):
        answer = requests.post(url + "/search", data=body, headers=headers, timeout=(2, 10))
        assert answer.status_code == 415
        assert [e["ReasonCode"] for e in mdes_errors(answer)] == ["UNSUPPORTED_MEDIA_TYPE"]
    answer = post(url + "/search", b"<SearchRequest/>", XML)  # no XML form: refused in XML
    assert answer.status_code == 415
    assert [e.reason_code for e in xml_errors(answer)] == ["UNSUPPORTED_MEDIA_TYPE"]
    assert calls == []


def test_wsgi_too_large_is_413(mdes: tuple[str, list[Request]]) -> None:
    url, calls = mdes
    body = b'{"SearchRequest":{"CommentId":"' + b"1" * (2 * 1_048_576) + b'"}}'
    answer = post(url + "/search", body, JSON)
    assert answer.status_code == 413
    entries = mdes_errors(answer)
    assert [e["ReasonCode"] for e in entries] == ["REQUEST_TOO_LARGE"]
    assert "1111111111" not in answer.text
    xml_body = LEGACY_XML.replace(
        b"</UpdateRequest>", b"<!--" + b"x" * 1_048_576 + b"--></UpdateRequest>"
    )
    answer = post(url + "/api/Update", xml_body, XML)
    assert answer.status_code == 413
    assert [e.reason_code for e in xml_errors(answer)] == ["REQUEST_TOO_LARGE"]
    assert calls == []


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"{",
        b"[]",
        b"null",
        b'{"SearchRequest": NaN}',
        b"\xff\xfe{}",
        b'"' + PAN.encode() + b'"',
    ],
)
def test_wsgi_malformed_json_is_400(mdes: tuple[str, list[Request]], body: bytes) -> None:
    url, calls = mdes
    answer = post(url + "/search", body, JSON)
    assert answer.status_code == 400
    entries = mdes_errors(answer)
    assert entries[0]["ReasonCode"] in {"MALFORMED_DOCUMENT", "WRONG_TYPE", "MISSING_FIELD"}
    assert PAN not in answer.text
    assert calls == []


def test_wsgi_invalid_request_lists_every_violation(mdes: tuple[str, list[Request]]) -> None:
    url, calls = mdes
    document = {
        "SearchRequest": {
            "AccountPan": "5412345678901234",  # fails Luhn
            "TokenUniqueReference": TUR,  # and a second identifier
            "AuditInfo": {"UserId": "", "UserName": "x", "Organization": "y"},
        }
    }
    answer = post(url + "/search", json.dumps(document).encode(), JSON)
    assert answer.status_code == 400
    entries = mdes_errors(answer)
    report = mdesrules.check("search", document)
    assert [(e["Source"], e["ReasonCode"], e["Description"]) for e in entries] == [
        (v.path or "INPUT", v.code.upper(), v.message) for v in report.errors
    ]
    assert len(entries) >= 3
    assert "5412345678901234" not in answer.text
    assert calls == []


def test_wsgi_invalid_xml_request_answers_xml(mdes: tuple[str, list[Request]]) -> None:
    url, calls = mdes
    body = f"<UpdateRequest {NS}><ExpirationDate>1399</ExpirationDate></UpdateRequest>".encode()
    answer = post(url + "/api/Update", body, XML)
    assert answer.status_code == 400
    errors = xml_errors(answer)
    assert {e.reason_code for e in errors} >= {"MISSING_REQUIRED", "BAD_FORMAT"}
    assert all(e.recoverable == "false" for e in errors)
    assert calls == []


@pytest.mark.parametrize(
    "attack", ["xxe", "billion_laughs", "external_dtd", "undeclared_entity", "utf16_dtd"]
)
def test_wsgi_refuses_xml_attacks(
    mdes: tuple[str, list[Request]], secret_file: str, attack: str
) -> None:
    url, calls = mdes
    body = attacks(secret_file)[attack].replace(b"TokenResponse", b"UpdateRequest")
    if attack == "utf16_dtd":
        body = (
            attacks(secret_file)[attack]
            .decode("utf-16")
            .replace("TokenResponse", "UpdateRequest")
            .encode("utf-16")
        )
    started = time.monotonic()
    answer = post(url + "/api/Update", body, XML)
    assert time.monotonic() - started < 2.0
    assert answer.status_code == 400
    assert [e.reason_code for e in xml_errors(answer)] == ["MALFORMED_DOCUMENT"]
    assert SECRET not in answer.text
    assert calls == []


def test_wsgi_handler_failure_is_a_generic_500(
    serve: Serve, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(request: Request) -> Response:
        raise RuntimeError(f"database said no for {PAN}")

    url = serve(WsgiApp(broken)) + BASE
    answer = post(url + "/search", json.dumps(mdesrules.to_wire(SEARCH)).encode(), JSON)
    assert answer.status_code == 500
    (entry,) = mdes_errors(answer)
    assert entry["ReasonCode"] == "INTERNAL_ERROR"
    assert PAN not in answer.text
    assert "database" not in answer.text
    assert "RuntimeError" not in answer.text
    messages = [r.getMessage() for r in caplog.records if r.name == "mdesrules.serving.wsgi"]
    assert messages == ["search: the handler failed (RuntimeError)"]
    assert all(r.exc_info is None for r in caplog.records if r.name == "mdesrules.serving.wsgi")


@pytest.mark.parametrize(
    "answer",
    [
        lambda: None,
        lambda: Response("token_suspend", 200, SimpleTokenResponse()),  # another operation
        lambda: Response("search", 200, "not a model"),
        lambda: Response("search", 99, SearchAnswer()),
        lambda: Response("search", 200),  # neither a body nor errors
    ],
)
def test_wsgi_handler_nonsense_is_a_generic_500(answer: Callable[[], object]) -> None:
    app = WsgiApp(lambda request: answer())  # type: ignore[arg-type, return-value]
    status, _, body = call(app, "/search", json.dumps(mdesrules.to_wire(SEARCH)).encode())
    assert status.startswith("500 ")
    assert json.loads(body)["Errors"]["Error"][0]["ReasonCode"] == "INTERNAL_ERROR"


def call(
    app: WsgiApp,
    path: str,
    body: bytes,
    content_type: str = "application/json",
    length: str | None = None,
    **environ: Any,
) -> tuple[str, dict[str, str], bytes]:
    """Call *app* directly, without a server."""
    import io

    env: dict[str, Any] = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": BASE + path,
        "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": str(len(body)) if length is None else length,
        "wsgi.input": io.BytesIO(body),
        **environ,
    }
    setup_testing_defaults(env)
    seen: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        seen["status"], seen["headers"] = status, dict(headers)

    out = b"".join(app(env, start_response))
    assert seen["headers"]["Content-Length"] == str(len(out))
    return seen["status"], seen["headers"], out


def test_wsgi_reads_no_more_than_content_length() -> None:
    app = WsgiApp(ok)
    body = json.dumps(mdesrules.to_wire(SEARCH)).encode()
    status, _, _ = call(app, "/search", body + b"trailing garbage", length=str(len(body)))
    assert status.startswith("200 ")
    status, _, _ = call(app, "/search", body, length="")
    assert status.startswith("400 ")  # no length, no terminated input: an empty body
    status, _, _ = call(app, "/search", body, length="12x")
    assert status.startswith("400 ")
    status, _, _ = call(app, "/search", body, length="-5")
    assert status.startswith("400 ")
    status, _, _ = call(app, "/search", body, length="", **{"wsgi.input_terminated": True})
    assert status.startswith("200 ")
    small = WsgiApp(ok, max_body=10)
    status, _, _ = call(small, "/search", body, length="", **{"wsgi.input_terminated": True})
    assert status.startswith("413 ")


def test_wsgi_mounted_under_a_prefix() -> None:
    app = WsgiApp(ok)
    body = json.dumps(mdesrules.to_wire(SEARCH)).encode()
    status, _, _ = call(app, "", body, SCRIPT_NAME="/mdes/csapi/v2", PATH_INFO="/search")
    assert status.startswith("200 ")
    other = WsgiApp(ok, base_path="/sim/")
    status, _, _ = call(other, "", body, PATH_INFO="/sim/search")
    assert status.startswith("200 ")
