"""The wire types, and the carriers that need no network: WSGI in process, and a function.

The HTTP carrier's contract is in ``test_http_carrier_contract.py``; the MDES transports
built on these carriers are held to one contract in ``test_transports_contract.py``.
"""

from __future__ import annotations

import email.utils
import json
import sys
from collections.abc import Iterable, Iterator
from typing import Any
from wsgiref.types import StartResponse, WSGIEnvironment

import pytest

from mdesrules import Carrier, WireRequest, WireResponse
from mdesrules.exceptions import DecodeError, TransportError
from mdesrules.fakes.notifications import http_deliver
from mdesrules.tms import TmsClient
from mdesrules.transports import CodecTransport, HttpCarrier, MockCarrier, WsgiCarrier
from mdesrules.transports.http import _retry_after

# --- the wire types ---------------------------------------------------------------------------


def test_a_response_finds_its_headers_in_any_case() -> None:
    answer = WireResponse(200, {"content-type": "application/json", "X-A": "1"}, b"{}")
    assert answer.content_type == "application/json"
    assert answer.header("x-a") == answer.header("X-A") == "1"
    assert answer.header("Retry-After") is None
    assert WireResponse(204).content_type == ""


def test_reprs_never_show_a_body() -> None:
    secret = b"5412345678901232"
    assert "5412" not in repr(WireRequest("POST", "/x", {}, secret))
    assert "5412" not in repr(WireResponse(200, {}, secret))
    assert "16 bytes" in repr(WireResponse(200, {}, secret))


def test_the_retry_hook_is_not_part_of_a_requests_equality() -> None:
    plain = WireRequest("GET", "/a", repeatable=True, label="read")
    hooked = WireRequest("GET", "/a", repeatable=True, label="read", retry_answer=lambda a: True)
    assert plain == hooked


def test_every_carrier_is_a_carrier() -> None:
    for carrier in (
        HttpCarrier("https://mdes.test"),
        WsgiCarrier(echo),
        MockCarrier(lambda request: WireResponse(204)),
    ):
        with carrier:
            assert isinstance(carrier, Carrier)


@pytest.mark.parametrize(
    ("value", "pause"),
    [
        ("7", 7.0),
        (" 0 ", 0.0),
        (email.utils.formatdate(0, usegmt=True), 0.0),  # a date in the past: no pause
        ("soon", None),
        ("-3", None),
        ("", None),
        ("٣", None),  # a digit, but not an ASCII one
    ],
)
def test_retry_after_in_seconds_or_as_a_date(value: str, pause: float | None) -> None:
    assert _retry_after(WireResponse(503, {"Retry-After": value})) == pause


def test_retry_after_as_a_future_date_is_the_time_left() -> None:
    later = email.utils.formatdate(4_102_444_800, usegmt=True)  # the year 2100
    left = _retry_after(WireResponse(429, {"retry-after": later}))
    assert left is not None
    assert left > 365 * 24 * 3600


# --- WsgiCarrier ------------------------------------------------------------------------------


def echo(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    """Answers with what it was given: the environ's CGI keys, and the body."""
    seen = {k: v for k, v in environ.items() if isinstance(v, str)}
    body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    start_response("201 Created", [("Content-Type", "text/plain"), ("X-Seen", json.dumps(seen))])
    return [b"got:", body]


def seen(answer: WireResponse) -> dict[str, str]:
    value: dict[str, str] = json.loads(answer.header("X-Seen") or "{}")
    return value


def test_the_wsgi_environ_is_a_correct_one() -> None:
    carrier = WsgiCarrier(echo, base_url="https://mdes.test:8443/mdes/csapi/v2")
    answer = carrier.handle(
        WireRequest(
            "post",
            "/tokens/a%2Fb%20c?x=1",
            {"Content-Type": "application/json", "Accept": "*/*", "X-Request-Id": "r-1"},
            b'{"a":1}',
        )
    )
    assert (answer.status, answer.content_type, answer.body) == (
        201,
        "text/plain",
        b'got:{"a":1}',
    )
    environ = seen(answer)
    assert environ["REQUEST_METHOD"] == "POST"
    assert environ["SCRIPT_NAME"] == ""
    assert environ["PATH_INFO"] == "/mdes/csapi/v2/tokens/a/b c"
    assert environ["QUERY_STRING"] == "x=1"
    assert environ["CONTENT_TYPE"] == "application/json"
    assert environ["CONTENT_LENGTH"] == "7"
    assert environ["HTTP_ACCEPT"] == "*/*"
    assert environ["HTTP_X_REQUEST_ID"] == "r-1"
    assert environ["HTTP_HOST"] == "mdes.test:8443"
    assert (environ["SERVER_NAME"], environ["SERVER_PORT"]) == ("mdes.test", "8443")
    assert environ["wsgi.url_scheme"] == "https"
    assert "HTTP_CONTENT_TYPE" not in environ


def test_the_path_carries_non_ascii_bytes_as_pep_3333_asks() -> None:
    answer = WsgiCarrier(echo).handle(WireRequest("GET", "/caf%C3%A9"))
    assert seen(answer)["PATH_INFO"] == "/café".encode().decode("latin-1")
    assert seen(answer)["SERVER_PORT"] == "80"


class Closable:
    """A WSGI answer that records whether the carrier closed it."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self.chunks = chunks
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.chunks)

    def close(self) -> None:
        self.closed = True


def test_the_answer_is_closed_and_bounded() -> None:
    produced: list[int] = []

    def endless() -> Iterator[bytes]:
        while True:
            produced.append(1)
            yield b"x" * 1000

    answers: list[Closable] = []

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        start_response("200 OK", [])
        answers.append(Closable(endless()))
        return answers[-1]

    with pytest.raises(DecodeError, match="larger than 10000 bytes"):
        WsgiCarrier(app, max_response_bytes=10_000).handle(WireRequest("GET", "/"))
    assert answers[0].closed
    assert len(produced) == 11


def test_an_error_page_may_replace_the_status() -> None:
    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        try:
            raise RuntimeError("failed after starting")
        except RuntimeError:
            start_response(
                "500 Internal Server Error", [("Content-Type", "text/x")], sys.exc_info()
            )
        return [b"sorry"]

    answer = WsgiCarrier(app).handle(WireRequest("GET", "/"))
    assert (answer.status, answer.content_type, answer.body) == (500, "text/x", b"sorry")


def test_write_callable_and_repeated_headers_are_collected() -> None:
    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        write = start_response("200 OK", [("Vary", "Accept"), ("Vary", "Origin")])
        write(b"written ")
        return [b"returned"]

    answer = WsgiCarrier(app).handle(WireRequest("GET", "/"))
    assert answer.body == b"written returned"
    assert answer.header("vary") == "Accept, Origin"


@pytest.mark.parametrize("status", [None, "OK", "2000 Big", "abc Nope"])
def test_a_broken_wsgi_answer_is_a_transport_error(status: str | None) -> None:
    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if status is not None:
            start_response(status, [])
        return []

    with pytest.raises(TransportError, match="WSGI application"):
        WsgiCarrier(app).handle(WireRequest("GET", "/"))


def test_an_application_error_reaches_the_caller() -> None:
    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        raise KeyError("boom")

    with pytest.raises(KeyError):
        WsgiCarrier(app).handle(WireRequest("GET", "/"))


@pytest.mark.parametrize("base_url", ["ftp://x", "localhost", "http://x/?q=1", "http://x/#f"])
def test_a_wsgi_carrier_needs_an_http_base_url(base_url: str) -> None:
    with pytest.raises(ValueError, match="base_url"):
        WsgiCarrier(echo, base_url=base_url)


# --- MockCarrier, and closing -------------------------------------------------------------


def test_a_mock_carrier_hands_over_the_request_as_built() -> None:
    received: list[WireRequest] = []

    def answer(request: WireRequest) -> WireResponse:
        received.append(request)
        return WireResponse(200, {"Content-Type": "text/plain"}, b"ok")

    request = WireRequest("PUT", "/a", {"X": "1"}, b"body", repeatable=True, label="put")
    assert MockCarrier(answer).handle(request).body == b"ok"
    assert received == [request]
    assert received[0] is request


@pytest.mark.parametrize(
    "carrier",
    [
        lambda: HttpCarrier("https://mdes.test"),
        lambda: WsgiCarrier(echo),
        lambda: MockCarrier(lambda request: WireResponse(204)),
    ],
)
def test_a_closed_carrier_refuses_requests(carrier: Any) -> None:
    made = carrier()
    made.close()
    with pytest.raises(RuntimeError, match="closed"):
        made.handle(WireRequest("GET", "/"))


def test_clients_close_their_carrier() -> None:
    mock = MockCarrier(lambda request: WireResponse(204))
    with CodecTransport(mock):
        pass
    assert mock.closed
    tms_carrier = MockCarrier(lambda request: WireResponse(204))
    with TmsClient(private_key=None, carrier=tms_carrier):  # type: ignore[arg-type]
        pass
    assert tms_carrier.closed


def test_tms_client_takes_a_sender_or_a_carrier_not_both() -> None:
    def sender(request: WireRequest) -> WireResponse:
        return WireResponse(204)

    with pytest.raises(ValueError, match="not both"):
        TmsClient(private_key=None, sender=sender, carrier=MockCarrier(sender))  # type: ignore[arg-type]


def test_a_single_timeout_is_both_the_connect_and_the_read_timeout() -> None:
    client = TmsClient("https://apitest.cybersource.test", private_key=None, timeout=5)  # type: ignore[arg-type]
    assert client.timeout == (5, 5)
    assert isinstance(client.carrier, HttpCarrier)
    assert client.carrier.timeout == (5.0, 5.0)
    with pytest.raises(ValueError, match="timeout"):
        http_deliver("http://receiver.test/notify", timeout=0)
