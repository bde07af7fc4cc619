"""The HTTP/1.1 server of ``mdesrules serve`` (mdesrules.serving.server), in this process.

What an issuer's HTTP client relies on: keep-alive, chunked request bodies, a deadline for a
slow request answered in MDES's error shape, idle connections that hold up nobody, and a
stop that does not wait for idle clients. Each test starts the server on a free port in a
thread; waits are bounded by socket timeouts, never by sleeping.
"""

from __future__ import annotations

import http.client
import io
import json
import socket
import threading
from collections.abc import Iterator
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer
from wsgiref.simple_server import make_server as make_wsgiref_server

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mdesrules.context import Inventory
from mdesrules.fakes.mdes import MemoryStore, SimulatedMdes
from mdesrules.lifecycle import Status
from mdesrules.serving._body import BodyRefused, read_body
from mdesrules.serving.server import HttpServer, make_server
from mdesrules.serving.wsgi import WsgiApp

TUR = "DWSPMC00000000010906a349d9ca4eb1a4d53e3c90a11d9c"
PAN = "5412345678901232"
AUDIT = {"UserId": "A1435477", "UserName": "John Smith", "Organization": "Any Bank"}
SUSPEND = "/mdes/csapi/v2/token/suspend"
UNSUSPEND = "/mdes/csapi/v2/token/unsuspend"


def _body(kind: str) -> bytes:
    root = "TokenSuspendRequest" if kind == "suspend" else "TokenUnsuspendRequest"
    reason = "T" if kind == "suspend" else "F"
    document = {root: {"TokenUniqueReference": TUR, "ReasonCode": reason, "AuditInfo": AUDIT}}
    return json.dumps(document).encode()


def _engine() -> SimulatedMdes:
    store = MemoryStore.from_inventory(
        Inventory.from_records([{"tokenUniqueReference": TUR, "accountPan": PAN, "status": "A"}])
    )
    return SimulatedMdes(store)


class Running:
    """A server in a thread; stopped and closed by the fixture."""

    def __init__(self, server: HttpServer) -> None:
        self.server = server
        self.port = server.server_port
        self.thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
        self.thread.start()

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)
        assert not self.thread.is_alive()


@pytest.fixture
def start() -> Iterator[Any]:
    running: list[Running] = []

    def run(app: Any = None, **options: Any) -> Running:
        server = make_server(app or WsgiApp(_engine()), "127.0.0.1", 0, **options)
        running.append(Running(server))
        return running[-1]

    yield run
    for each in running:
        each.stop()


def _post(
    conn: http.client.HTTPConnection, path: str, body: Any, *, chunked: bool = False
) -> tuple[int, dict[str, Any]]:
    headers = {"Content-Type": "application/json"}
    if chunked:
        headers["Transfer-Encoding"] = "chunked"
    conn.request("POST", path, body=body, headers=headers, encode_chunked=chunked)
    answer = conn.getresponse()
    return answer.status, json.loads(answer.read())


def _codes(document: dict[str, Any]) -> list[str]:
    return [e["ReasonCode"] for e in document["Errors"]["Error"]]


def _read_until_closed(sock: socket.socket) -> bytes:
    answer = b""
    while chunk := sock.recv(65_536):
        answer += chunk
    return answer


def _closed(sock: socket.socket) -> bool:
    """Whether the server closed *sock* (an end of stream, or a reset: data was unread)."""
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True


# HTTP/1.1 ----------------------------------------------------------------------------------


def test_two_requests_travel_on_one_kept_alive_connection(start: Any) -> None:
    served = start()
    conn = served.connection()
    try:
        status, _ = _post(conn, SUSPEND, _body("suspend"))
        assert status == 200
        first = conn.sock
        assert first is not None  # not closed after the answer: kept alive
        status, _ = _post(conn, UNSUSPEND, _body("unsuspend"))
        assert status == 200
        assert conn.sock is first  # the second request reused the connection
    finally:
        conn.close()


def test_a_chunked_body_is_read_and_applied(start: Any) -> None:
    engine = _engine()
    served = start(WsgiApp(engine))
    body = _body("suspend")
    conn = served.connection()
    try:
        pieces = iter([body[:7], body[7:40], body[40:]])
        status, _ = _post(conn, SUSPEND, pieces, chunked=True)
    finally:
        conn.close()
    assert status == 200
    token = engine.store.get(TUR)
    assert token is not None
    assert token.status is Status.SUSPENDED


def test_a_body_far_over_the_limit_is_refused_before_it_is_read(start: Any) -> None:
    served = start(WsgiApp(_engine(), max_body=1_000))
    with socket.create_connection(("127.0.0.1", served.port), timeout=10) as sock:
        sock.sendall(
            f"POST {SUSPEND} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {9 * 1_000}\r\n\r\n".encode()
        )
        answer = _read_until_closed(sock)  # answered without the body being sent at all
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413 ")
    assert _codes(json.loads(body)) == ["REQUEST_TOO_LARGE"]


# deadlines and idle connections ------------------------------------------------------------


@pytest.mark.slow
def test_a_client_that_trickles_its_request_is_cut_off_at_the_deadline(start: Any) -> None:
    served = start(request_timeout=1)
    with socket.create_connection(("127.0.0.1", served.port), timeout=10) as slow:
        slow.sendall(
            f"POST {SUSPEND} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            "Content-Length: 200\r\n\r\n".encode()
        )
        # One byte at a time, each answered by waiting at most 0.2 s for the server to
        # speak: the connection is never idle for long, yet the request never completes.
        slow.settimeout(0.2)
        answer = b""
        for _ in range(100):  # 20 s at most; the deadline is 1 s (looked at every second)
            try:
                slow.sendall(b" ")
                answer = slow.recv(65_536)
            except TimeoutError:
                continue
            except ConnectionError:
                break
            break
        slow.settimeout(10)
        answer += _read_until_closed(slow)  # then the server closes the connection
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408 ")
    assert b"Connection: close" in head
    document = json.loads(body)
    assert _codes(document) == ["REQUEST_TIMEOUT"]
    assert "within 1 seconds" in document["Errors"]["Error"][0]["Description"]

    conn = served.connection()  # and everybody else is still served
    try:
        assert _post(conn, SUSPEND, _body("suspend"))[0] == 200
    finally:
        conn.close()


@pytest.mark.slow
def test_a_connection_silent_past_the_idle_timeout_is_closed(start: Any) -> None:
    served = start(idle_timeout=1)
    with socket.create_connection(("127.0.0.1", served.port), timeout=10) as idle:
        assert _closed(idle)  # by the server, within the socket's timeout


def test_300_idle_connections_do_not_stop_another_client(start: Any) -> None:
    served = start()
    idle: list[socket.socket] = []
    try:
        for n in range(300):
            sock = socket.create_connection(("127.0.0.1", served.port), timeout=10)
            idle.append(sock)
            if n % 2:  # half of them stop in the middle of a request
                sock.sendall(f"POST {SUSPEND} HTTP/1.1\r\nContent-Le".encode())
        conn = served.connection()
        try:
            assert _post(conn, SUSPEND, _body("suspend"))[0] == 200
            assert _post(conn, UNSUSPEND, _body("unsuspend"))[0] == 200
        finally:
            conn.close()
        # The idle ones are still open: none was dropped to make room.
        idle[0].sendall(f"POST {SUSPEND} HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n".encode())
        idle[0].sendall(b"Content-Type: application/json\r\n\r\n{}")
        assert idle[0].recv(12) == b"HTTP/1.1 400"
    finally:
        for sock in idle:
            sock.close()


def test_shutdown_does_not_wait_for_idle_clients(start: Any) -> None:
    served = start()
    with socket.create_connection(("127.0.0.1", served.port), timeout=10) as idle:
        idle.sendall(b"POST / HTTP/1.1\r\n")
        served.stop()  # fails the test if the loop thread does not end
        assert _closed(idle)


def test_bad_arguments_are_refused_before_binding() -> None:
    app = WsgiApp(_engine())
    for options in ({"threads": 0}, {"request_timeout": 0}, {"connection_limit": 0}):
        with pytest.raises(ValueError, match="must be"):
            make_server(app, "127.0.0.1", 0, **options)


# the body reader under any WSGI server -----------------------------------------------------


def _chunked(body: bytes, sizes: list[int]) -> bytes:
    framed = b""
    rest = body
    for size in sizes:
        piece, rest = rest[:size], rest[size:]
        if piece:
            framed += f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
    if rest:
        framed += f"{len(rest):X};ext=1\r\n".encode() + rest + b"\r\n"
    return framed + b"0\r\nX-Trailer: y\r\n\r\n"


def _environ(stream: bytes) -> dict[str, Any]:
    return {"wsgi.input": io.BytesIO(stream), "HTTP_TRANSFER_ENCODING": "chunked"}


@given(st.binary(max_size=300), st.lists(st.integers(1, 80), max_size=8))
def test_a_chunk_framed_body_reads_as_the_body_sent(body: bytes, sizes: list[int]) -> None:
    assert read_body(_environ(_chunked(body, sizes)), 300) == body


@given(st.binary(min_size=101, max_size=300), st.lists(st.integers(1, 80), max_size=8))
def test_a_chunk_framed_body_over_the_limit_is_413(body: bytes, sizes: list[int]) -> None:
    with pytest.raises(BodyRefused) as refused:
        read_body(_environ(_chunked(body, sizes)), 100)
    assert refused.value.status == 413


@pytest.mark.parametrize(
    "framed",
    [
        b"5\r\nabc",  # shorter than its size
        b"zz\r\nabc\r\n0\r\n\r\n",  # not hexadecimal
        b"3\r\nabcXY0\r\n\r\n",  # no CRLF after the data
        b"3\r\nabc\r\n",  # no last chunk
        b"3\r\nabc\r\n0\r\n",  # no empty line after the last chunk
        b"",
    ],
)
def test_broken_chunk_framing_is_400(framed: bytes) -> None:
    with pytest.raises(BodyRefused) as refused:
        read_body(_environ(framed), 1_000)
    assert refused.value.status == 400


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_wsgi_app_reads_a_chunked_body_under_wsgiref_too() -> None:
    engine = _engine()
    server: WSGIServer = make_wsgiref_server(
        "127.0.0.1", 0, WsgiApp(engine), handler_class=_QuietHandler
    )
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=10)
        body = _body("suspend")
        status, _ = _post(conn, SUSPEND, iter([body[:10], body[10:]]), chunked=True)
        conn.close()
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
    assert status == 200
    token = engine.store.get(TUR)
    assert token is not None
    assert token.status is Status.SUSPENDED
