"""One HTTP carrier, one contract: MDES, TMS and notification delivery fail alike.

The MDES transport, the CyberSource TMS client and the notification delivery of the
simulated MDES all send through :class:`~mdesrules.transports.http.HttpCarrier`. Each case
here runs against the three, through their own public API, on real sockets on 127.0.0.1:
a refused connection, a read timeout, a 503 asking to wait, an oversize answer, a TLS
failure, a connection that breaks mid-call, and what messages and logs may say. A *read*
(MDES search, TMS card art) may be repeated after a failure in flight; a *write* (an MDES
update, TMS payment credentials, a notification) never is.

Pauses between attempts are recorded by replacing the carrier's sleep, never waited for.
"""

from __future__ import annotations

import email.utils
import json
import logging
import socket
import socketserver
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Literal
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

import attrs
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

import mdesrules
from mdesrules.exceptions import ConnectError, DecodeError, MdesRulesError, Timeout, TransportError
from mdesrules.fakes.notifications import http_deliver
from mdesrules.tms import TmsClient
from mdesrules.tms.client import MAX_ANSWER_BYTES
from mdesrules.transport import Request
from mdesrules.transports import HttpTransport
from mdesrules.transports.http import MAX_BACKOFF, MAX_RESPONSE_BYTES

Serve = Callable[[WSGIApplication], str]  # the ``serve`` fixture of conftest.py
Kind = Literal["read", "write"]

PAN = "5412345678901232"
TUR = "DWSPMC000000000132d72d4fcb2f4136a0532d3093ff1a45"
AUDIT = {"UserId": "A1435477", "UserName": "John Smith", "Organization": "Any Bank"}
SEARCH = mdesrules.parse("search", {"SearchRequest": {"AccountPan": PAN, "AuditInfo": AUDIT}})
SUSPEND = mdesrules.parse(
    "token_suspend",
    {"TokenSuspendRequest": {"TokenUniqueReference": TUR, "ReasonCode": "L", "AuditInfo": AUDIT}},
)
IID = "7010000000016241111"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
NOTIFICATION = json.dumps({"encryptedPayload": {"encryptedData": PAN}}).encode()
SECRET = "SECRET-TOKEN-VALUE"
TIMEOUT = (2.0, 5.0)


# --- the three users of the carrier ------------------------------------------------------


@attrs.frozen
class Target:
    """One user of the carrier: how it sends a read and a write, and what it reads at most."""

    name: str
    send: Callable[[Kind, str, requests.Session | None, tuple[float, float]], object]
    bound: int
    reads: bool = True
    read_answer: bytes = b""  # a successful answer to its read

    def __str__(self) -> str:
        return self.name


def _mdes(kind: Kind, url: str, session: requests.Session | None, timeout: Any) -> object:
    with HttpTransport(url + "/mdes/csapi/v2", session=session, timeout=timeout) as http:
        if kind == "read":
            return http.send(Request("search", SEARCH))
        return http.send(Request("token_suspend", SUSPEND))


def _tms(kind: Kind, url: str, session: requests.Session | None, timeout: Any) -> object:
    with TmsClient(url, private_key=KEY, session=session, timeout=timeout) as client:
        if kind == "read":
            return client.card_art(IID, "vts", "card-art-combined")
        return client.payment_credentials(IID, {"paymentCredentialType": "CRYPTOGRAM"})


def _notify(kind: Kind, url: str, session: requests.Session | None, timeout: Any) -> object:
    assert kind == "write"
    return http_deliver(url + "/notify", session, timeout=timeout)(NOTIFICATION)


PNG = b"\x89PNG\r\n\x1a\n" + bytes(8)
CARD_ART = {"id": "1", "content": [{"type": "image/png", "data": "iVBORw0KGgoAAAAAAAAAAA=="}]}

MDES = Target("mdes", _mdes, MAX_RESPONSE_BYTES, read_answer=b'{"SearchResponse":{}}')
TMS = Target("tms", _tms, MAX_ANSWER_BYTES, read_answer=json.dumps(CARD_ART).encode())
NOTIFY = Target("notifications", _notify, MAX_RESPONSE_BYTES, reads=False)
TARGETS = [MDES, TMS, NOTIFY]
CASES = [(t, k) for t in TARGETS for k in ("read", "write") if k == "write" or t.reads]
READS = [t for t in TARGETS if t.reads]


def ids(value: object) -> str:
    return str(value)


@pytest.fixture
def pauses(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Every pause the carrier takes between attempts, recorded instead of slept."""
    recorded: list[float] = []
    monkeypatch.setattr("mdesrules.transports.http.time.sleep", recorded.append)
    return recorded


class CountingSession(requests.Session):
    """A real session that counts the requests it is asked to send."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def request(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return super().request(*args, **kwargs)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def answering(
    answers: list[tuple[str, list[tuple[str, str]], Iterable[bytes]]], calls: list[str]
) -> WSGIApplication:
    """A server that gives *answers* in turn (the last one again once they run out)."""

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        status, headers, body = answers[min(len(calls), len(answers) - 1)]
        calls.append(str(environ["PATH_INFO"]))
        start_response(status, headers)
        return body

    return app


def expected_calls(kind: Kind) -> int:
    """Attempts a failure in flight gets with the default two retries."""
    return 3 if kind == "read" else 1


# --- the contract --------------------------------------------------------------------------


@pytest.mark.parametrize(("target", "kind"), CASES, ids=ids)
def test_a_refused_connection_is_retried_then_a_connect_error(
    target: Target, kind: Kind, pauses: list[float]
) -> None:
    session = CountingSession()
    with session, pytest.raises(ConnectError) as error:
        target.send(kind, f"http://127.0.0.1:{closed_port()}", session, TIMEOUT)
    assert session.calls == 3  # nothing was sent: safe to repeat, even a write
    assert pauses == [0.2, 0.4]
    assert error.value.__cause__ is None


class Slow:
    """Answers only when released (or after 5 s), so that the client's read times out."""

    def __init__(self) -> None:
        self.calls = 0
        self.release = threading.Event()

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        self.calls += 1
        self.release.wait(5)
        start_response("500 Internal Server Error", [("Content-Type", "text/plain")])
        return [b"too late"]


@pytest.fixture
def slow() -> Iterator[Slow]:
    app = Slow()
    yield app
    app.release.set()  # before the server is shut down, so that its threads end at once


@pytest.mark.parametrize(("target", "kind"), CASES, ids=ids)
def test_a_read_timeout_is_a_timeout_repeated_only_for_a_read(
    target: Target, kind: Kind, serve: Serve, slow: Slow, pauses: list[float]
) -> None:
    with pytest.raises(Timeout):
        target.send(kind, serve(slow), None, (2.0, 0.3))
    assert slow.calls == expected_calls(kind)


@pytest.mark.parametrize("target", READS, ids=ids)
def test_retry_after_is_honoured_for_a_read(
    target: Target, serve: Serve, pauses: list[float]
) -> None:
    later = email.utils.formatdate(4_102_444_800, usegmt=True)  # 2100: longer than the cap
    calls: list[str] = []
    app = answering(
        [
            ("503 Service Unavailable", [("Retry-After", "7")], [b"<html>busy</html>"]),
            ("429 Too Many Requests", [("Retry-After", later)], [b""]),
            ("200 OK", [("Content-Type", "application/json")], [target.read_answer]),
        ],
        calls,
    )
    target.send("read", serve(app), None, TIMEOUT)
    assert len(calls) == 3
    assert pauses == [7.0, MAX_BACKOFF]


@pytest.mark.parametrize("target", TARGETS, ids=ids)
def test_a_503_of_a_write_is_not_repeated(
    target: Target, serve: Serve, pauses: list[float]
) -> None:
    calls: list[str] = []
    busy = ("503 Service Unavailable", [("Retry-After", "7")], [f"<html>{PAN}</html>".encode()])
    with pytest.raises(MdesRulesError) as error:
        target.send("write", serve(answering([busy], calls)), None, TIMEOUT)
    assert len(calls) == 1
    assert pauses == []
    assert PAN not in str(error.value)


@pytest.mark.parametrize("declared", [True, False], ids=["declared", "streamed"])
@pytest.mark.parametrize(("target", "kind"), CASES, ids=ids)
def test_an_oversize_answer_is_a_decode_error_without_reading_it_all(
    target: Target, kind: Kind, declared: bool, serve: Serve
) -> None:
    chunk = b"a" * 65_536
    # Four times the bound and 64 MiB more, far beyond what socket buffers take in.
    total = target.bound // len(chunk) * 4 + 1024
    produced: list[int] = []

    def endless() -> Iterator[bytes]:
        yield b'{"x":"'
        for _ in range(total):
            produced.append(1)
            yield chunk

    headers = [("Content-Type", "application/json")]
    if declared:
        headers.append(("Content-Length", str(total * len(chunk) + 6)))
    app = answering([("200 OK", headers, endless())], [])
    with pytest.raises(DecodeError, match="larger than"):
        target.send(kind, serve(app), None, TIMEOUT)
    assert len(produced) < total


@pytest.mark.parametrize(("target", "kind"), CASES, ids=ids)
def test_a_tls_failure_is_a_connect_error_not_repeated(
    target: Target, kind: Kind, serve: Serve, pauses: list[float]
) -> None:
    calls: list[str] = []
    url = serve(answering([("200 OK", [], [b"plain HTTP"])], calls))
    session = CountingSession()
    with session, pytest.raises(ConnectError) as error:
        target.send(kind, url.replace("http://", "https://"), session, TIMEOUT)
    assert session.calls == 1
    assert calls == []
    assert error.value.__cause__ is None


class Breaking(socketserver.ThreadingTCPServer):
    """A server that reads each request, then hangs up: before answering, or mid-answer."""

    daemon_threads = True
    block_on_close = True
    allow_reuse_address = True

    def __init__(self, when: str) -> None:
        super().__init__(("127.0.0.1", 0), _BreakingHandler)
        self.when = when
        self.connections = 0

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


class _BreakingHandler(socketserver.StreamRequestHandler):
    server: Breaking

    def handle(self) -> None:
        self.server.connections += 1
        length = 0
        while (line := self.rfile.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        self.rfile.read(length)
        if self.server.when == "mid-answer":
            self.wfile.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                b'Content-Length: 1000\r\n\r\n{"Search'
            )
            self.wfile.flush()


@pytest.fixture(params=["before-answer", "mid-answer"])
def breaking(request: pytest.FixtureRequest) -> Iterator[Breaking]:
    server = Breaking(request.param)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02})
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


@pytest.mark.parametrize(("target", "kind"), CASES, ids=ids)
def test_a_connection_broken_mid_call_is_a_transport_error(
    target: Target, kind: Kind, breaking: Breaking, pauses: list[float]
) -> None:
    url = f"http://127.0.0.1:{breaking.server_address[1]}"
    with pytest.raises(TransportError) as error:
        target.send(kind, url, None, TIMEOUT)
    assert type(error.value) is TransportError
    assert breaking.connections == expected_calls(kind)
    assert len(pauses) == expected_calls(kind) - 1
    assert "Search" not in str(error.value)


@pytest.mark.parametrize("target", TARGETS, ids=ids)
def test_no_message_or_log_record_holds_a_body_a_header_value_or_a_pan(
    target: Target, serve: Serve, caplog: pytest.LogCaptureFixture, pauses: list[float]
) -> None:
    caplog.set_level(logging.DEBUG)
    leaky = [("Content-Type", "application/json"), ("X-Echo", PAN)]
    page = json.dumps({"echo": PAN, "secret": SECRET}).encode()
    failures = [
        answering([("503 Service Unavailable", leaky, [page])], []),
        answering([("500 Internal Server Error", leaky, [page])], []),
        answering([("200 OK", leaky, [page * (target.bound // len(page) + 1)])], []),
    ]
    messages: list[str] = []
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {SECRET}"
    urls = [serve(app) for app in failures] + [f"http://127.0.0.1:{closed_port()}"]
    with session:
        for url in urls:
            for kind in ("read", "write") if target.reads else ("write",):
                try:
                    target.send(kind, url, session, TIMEOUT)
                except MdesRulesError as error:
                    if not (target is TMS and type(error).__name__ == "TmsApiError"):
                        messages.append(str(error))  # TmsApiError lists CyberSource's entries
    ours = [r for r in caplog.records if r.name == "mdesrules.transports.http"]
    assert ours
    assert len(messages) >= 3
    text = "\n".join([*messages, *(r.getMessage() for r in ours)])
    for secret in (PAN, SECRET, '{"', "echo"):
        assert secret not in text
    assert all(r.exc_info is None for r in ours)
