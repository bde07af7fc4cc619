"""``mdesrules serve``: the simulated MDES as a process, the way another system tests with it.

Each test starts the command on 127.0.0.1 port 0 (the startup line says which port was
taken), talks to it over HTTP and stops it with SIGTERM or SIGINT. Whatever is sent, the
answer is MDES's error shape, never a 500, an HTML page or a traceback on the console.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import selectors
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import pytest
import requests
from lxml import etree

import mdesrules
from mdesrules._xml import DATACONTRACT_NS
from mdesrules.cli import main
from mdesrules.codecs import json as json_codec
from mdesrules.codecs import xml as xml_codec
from mdesrules.exceptions import InvalidRequest, MdesError
from mdesrules.models import AuditInfo, legacy
from mdesrules.models.requests import (
    SearchRequest,
    TokenStatusHistoryRequest,
    TokenSuspendRequest,
    TokenUnsuspendRequest,
    TokenUpdateRequest,
)
from mdesrules.transport import Request
from mdesrules.transports import HttpTransport

ROOT = Path(mdesrules.__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

ACTIVE = "DWSPMC00000000010906a349d9ca4eb1a4d53e3c90a11d9c"
OTHER = "DWSPMC00000000020906a349d9ca4eb1a4d53e3c90a11d9d"
PAN = "5412345678901232"
OTHER_PAN = "5412345678904566"
INVENTORY = [
    {"tokenUniqueReference": ACTIVE, "accountPan": PAN, "status": "A", "tokenAssuranceLevel": "1"},
    {"tokenUniqueReference": OTHER, "accountPan": OTHER_PAN, "status": "ACTIVE"},
]
AUDIT = AuditInfo(user_id="A1435477", user_name="John Smith", organization="Any Bank")
AUDIT_JSON = {"UserId": "A1435477", "UserName": "John Smith", "Organization": "Any Bank"}
BASE_PATH = "/mdes/csapi/v2"
STARTUP = re.compile(
    r"mdesrules: serving the simulated MDES on (http://127\.0\.0\.1:(\d+))/mdes/csapi/v2"
    r"( \(legacy: /api/Update\))?(; admin API: http://127\.0\.0\.1:\d+/__admin/)?\n"
)
STARTUP_SECONDS = 30.0
TIMEOUT = (5.0, 20.0)
Form = Literal["json", "xml"]


def _command(*argv: str) -> list[str]:
    return [sys.executable, "-m", "mdesrules", *argv]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}


class Served:
    """A running ``mdesrules serve`` process."""

    def __init__(self, *argv: str) -> None:
        self.process = subprocess.Popen(
            _command("serve", "--port", "0", *argv),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=_env(),
        )
        self.startup = _read_line(self.process, STARTUP_SECONDS)
        match = STARTUP.fullmatch(self.startup)
        if match is None:
            self.stop()
            raise AssertionError(f"unexpected startup line: {self.startup!r}")
        self.root = match[1]
        self.port = int(match[2])
        self.base = self.root + BASE_PATH

    def stop(self, how: signal.Signals = signal.SIGTERM) -> tuple[int, str]:
        """Signal the process, wait for it and return its status and the rest of stderr."""
        if self.process.poll() is None:
            self.process.send_signal(how)
        try:
            out, err = self.process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            out, err = self.process.communicate()
            raise AssertionError("the server did not stop within 20 s") from None
        assert out == b""
        return self.process.returncode, err.decode("utf-8", "replace")

    def client(self, form: Form = "json", *, root: bool = False) -> mdesrules.Client:
        url = self.root if root else self.base
        return mdesrules.Client(HttpTransport(url, form=form, timeout=TIMEOUT, retries=0))


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


def _write_inventory(path: Path, records: list[dict[str, str]] = INVENTORY) -> str:
    """A ``.json`` array or a ``.jsonl`` file of *records*, as ``check --tokens`` reads."""
    if path.suffix == ".json":
        path.write_text(json.dumps(records, indent=1), encoding="utf-8")
    else:
        path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return str(path)


def _status(client: mdesrules.Client, tur: str) -> str | None:
    answer = client.search(SearchRequest(token_unique_reference=tur, audit_info=AUDIT))
    assert answer.accounts is not None
    tokens = [
        t
        for a in answer.accounts.account
        if a.tokens is not None
        for t in a.tokens.token
        if t.token_unique_reference == tur
    ]
    assert len(tokens) == 1
    return tokens[0].current_status_code


# starting, stopping, persisting ------------------------------------------------------------


@pytest.mark.slow
def test_state_survives_a_restart_on_the_same_db(tmp_path: Path) -> None:
    tokens = _write_inventory(tmp_path / "tokens.jsonl")
    db = str(tmp_path / "mdes.sqlite")
    served = Served("--tokens", tokens, "--db", db)
    try:
        with served.client() as client:
            assert _status(client, ACTIVE) == "A"
            client.token_suspend(
                TokenSuspendRequest(
                    token_unique_reference=ACTIVE,
                    reason_code="L",
                    comment_text="Phone lost",
                    audit_info=AUDIT,
                )
            )
            assert _status(client, ACTIVE) == "S"
    finally:
        status, rest = served.stop()
    assert (status, rest) == (0, "")

    again = Served("--db", db)  # no --tokens: the file alone holds the tokens
    try:
        with again.client() as client:
            assert _status(client, ACTIVE) == "S"
            assert _status(client, OTHER) == "A"
            history = client.token_status_history(
                TokenStatusHistoryRequest(token_unique_reference=ACTIVE)
            )
            assert history.statuses is not None
            assert "S" in [s.status_code for s in history.statuses.status]
            client.token_unsuspend(
                TokenUnsuspendRequest(
                    token_unique_reference=ACTIVE, reason_code="F", audit_info=AUDIT
                )
            )
            assert _status(client, ACTIVE) == "A"
    finally:
        status, rest = again.stop()
    assert (status, rest) == (0, "")

    # Seeding the same file again keeps what the simulator changed.
    third = Served("--tokens", tokens, "--db", db)
    try:
        with third.client() as client:
            client.token_suspend(
                TokenSuspendRequest(token_unique_reference=OTHER, reason_code="T", audit_info=AUDIT)
            )
    finally:
        assert third.stop() == (0, "")
    fourth = Served("--tokens", tokens, "--db", db)
    try:
        with fourth.client() as client:
            assert _status(client, OTHER) == "S"
    finally:
        assert fourth.stop() == (0, "")


@pytest.mark.slow
def test_without_db_the_tokens_live_in_memory(tmp_path: Path) -> None:
    served = Served("--tokens", _write_inventory(tmp_path / "tokens.json"))
    try:
        with served.client() as client:
            assert _status(client, OTHER) == "A"
    finally:
        assert served.stop(signal.SIGINT) == (0, "")  # Ctrl-C stops it cleanly too


@pytest.mark.slow
def test_without_tokens_every_token_is_unknown() -> None:
    served = Served()
    try:
        with served.client() as client, pytest.raises(MdesError) as refused:
            client.token_suspend(
                TokenSuspendRequest(
                    token_unique_reference=ACTIVE, reason_code="T", audit_info=AUDIT
                )
            )
        assert refused.value.status in (400, 404)
    finally:
        assert served.stop() == (0, "")


# one server for the refusals -------------------------------------------------------------


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("serve")
    server = Served("--tokens", _write_inventory(folder / "tokens.jsonl"))
    try:
        yield server
    finally:
        status, rest = server.stop()
        assert status == 0
        assert rest == ""  # nothing on the console: no traceback, no request log


def _post(
    url: str, data: bytes, content_type: str | None, method: str = "POST"
) -> requests.Response:
    headers = {} if content_type is None else {"Content-Type": content_type}
    return requests.request(method, url, data=data, headers=headers, timeout=TIMEOUT)


def _json_codes(answer: requests.Response) -> list[str]:
    assert answer.headers["Content-Type"].startswith("application/json")
    assert b"Traceback" not in answer.content
    document = answer.json()
    assert list(document) == ["Errors"]
    entries = document["Errors"]["Error"]
    for entry in entries:
        assert set(entry) >= {"Source", "ReasonCode", "Description", "Recoverable"}
    return [e["ReasonCode"] for e in entries]


def _xml_codes(answer: requests.Response) -> list[str]:
    assert answer.headers["Content-Type"].startswith("application/xml")
    assert etree.fromstring(answer.content).tag == f"{{{DATACONTRACT_NS}}}Errors"
    decoded = xml_codec.decode_response("legacy_update", answer.status_code, answer.content)
    return [e.reason_code or "" for e in decoded.errors]


SUSPEND = json.dumps(
    {
        "TokenSuspendRequest": {
            "TokenUniqueReference": OTHER,
            "ReasonCode": "T",
            "AuditInfo": AUDIT_JSON,
        }
    }
).encode()
XXE = (
    b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    b'<UpdateRequest xmlns="' + DATACONTRACT_NS.encode() + b'"><CommentText>&x;</CommentText>'
    b"</UpdateRequest>"
)
BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
    b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
    b'<UpdateRequest xmlns="' + DATACONTRACT_NS.encode() + b'"><CommentText>&c;</CommentText>'
    b"</UpdateRequest>"
)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("path", "body", "content_type", "method", "status", "code"),
    [
        (
            "/token/suspend",
            b'{"TokenSuspendRequest": {',
            "application/json",
            "POST",
            400,
            "MALFORMED_DOCUMENT",
        ),
        (
            "/token/suspend",
            b"\xff\xfe not utf-8",
            "application/json",
            "POST",
            400,
            "MALFORMED_DOCUMENT",
        ),
        ("/token/suspend", b"[1, 2]", "application/json", "POST", 400, None),
        ("/token/suspend", b"", "application/json", "POST", 400, None),
        ("/token/suspend", SUSPEND, "text/plain", "POST", 415, "UNSUPPORTED_MEDIA_TYPE"),
        ("/token/suspend", SUSPEND, None, "POST", 415, "UNSUPPORTED_MEDIA_TYPE"),
        ("/token/suspend", SUSPEND, "application/json", "GET", 405, "METHOD_NOT_ALLOWED"),
        ("/token/suspend", SUSPEND, "application/json", "PUT", 405, "METHOD_NOT_ALLOWED"),
        ("/token/explode", SUSPEND, "application/json", "POST", 404, "NOT_FOUND"),
        ("/../../etc/passwd", b"", "application/json", "GET", 404, "NOT_FOUND"),
        (
            "/token/suspend",
            b'{"TokenSuspendRequest": {"CommentText": "' + b"x" * 2_000_000 + b'"}}',
            "application/json",
            "POST",
            413,
            "REQUEST_TOO_LARGE",
        ),
    ],
)
def test_bad_json_requests_get_mdes_errors(
    served: Served,
    path: str,
    body: bytes,
    content_type: str | None,
    method: str,
    status: int,
    code: str | None,
) -> None:
    answer = _post(served.base + path, body, content_type, method)
    assert answer.status_code == status
    codes = _json_codes(answer)
    assert codes
    if code is not None:
        assert codes == [code]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"<UpdateRequest", 400, "MALFORMED_DOCUMENT"),
        (XXE, 400, "MALFORMED_DOCUMENT"),
        (BILLION_LAUGHS, 400, "MALFORMED_DOCUMENT"),
        (b"<Nope/>", 400, None),
        (b"<x>" + b"y" * 2_000_000 + b"</x>", 413, "REQUEST_TOO_LARGE"),
    ],
)
@pytest.mark.parametrize("path", ["/api/Update", BASE_PATH + "/api/Update"])
def test_bad_xml_requests_get_xml_mdes_errors(
    served: Served, path: str, body: bytes, status: int, code: str | None
) -> None:
    answer = _post(served.root + path, body, "application/xml")
    assert answer.status_code == status
    assert b"passwd" not in answer.content
    assert b"root:" not in answer.content
    codes = _xml_codes(answer)
    assert codes
    if code is not None:
        assert codes == [code]


@pytest.mark.slow
def test_the_status_is_read_with_a_get_and_nothing_else(served: Served) -> None:
    with served.client() as client:
        status = client.system_status()
    assert status.comment_text == "Mastercard Digital Enablement Service is fully operational"
    answer = requests.get(served.base + "/systemstatus", timeout=TIMEOUT)  # no Content-Type
    assert answer.status_code == 200
    assert list(answer.json()) == ["SystemStatusResponse"]
    answer = _post(served.base + "/systemstatus", b"{}", "application/json")
    assert answer.status_code == 405
    assert answer.headers["Allow"] == "GET"
    assert _json_codes(answer) == ["METHOD_NOT_ALLOWED"]
    answer = _post(served.base + "/systemstatus", b"{}", "application/json", "GET")
    assert answer.status_code == 400
    assert _json_codes(answer) == ["MALFORMED_DOCUMENT"]


@pytest.mark.slow
def test_xml_where_there_is_no_xml_form_is_415_in_xml(served: Served) -> None:
    answer = _post(served.base + "/token/suspend", b"<TokenSuspendRequest/>", "application/xml")
    assert answer.status_code == 415
    assert _xml_codes(answer) == ["UNSUPPORTED_MEDIA_TYPE"]


@pytest.mark.slow
def test_a_request_that_breaks_rules_lists_every_violation(served: Served) -> None:
    body = json.dumps(
        {
            "TokenUpdateRequest": {
                "TokenUniqueReference": OTHER,
                "CurrentAccountPan": OTHER_PAN,
                "ExpirationDate": "1399",
                "AuditInfo": AUDIT_JSON,
            }
        }
    ).encode()
    answer = _post(served.base + "/token/update", body, "application/json")
    assert answer.status_code == 400
    codes = _json_codes(answer)
    assert "MUTUALLY_EXCLUSIVE" in codes
    assert "BAD_FORMAT" in codes or "NOT_ALLOWED_VALUE" in codes
    assert OTHER_PAN.encode() not in answer.content  # a PAN is never echoed in full


@pytest.mark.slow
def test_http_that_is_not_http_gets_an_mdes_error_not_html(served: Served) -> None:
    for raw in (b"NONSENSE\r\n\r\n", b"GET /" + b"a" * 70_000 + b" HTTP/1.0\r\n\r\n"):
        with socket.create_connection(("127.0.0.1", served.port), timeout=10) as conn:
            conn.sendall(raw)
            conn.shutdown(socket.SHUT_WR)
            answer = b""
            while chunk := conn.recv(65_536):
                answer += chunk
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.")
        assert int(head.split()[1]) in (400, 414, 431)
        assert b"<html" not in body.lower()
        assert json.loads(body)["Errors"]["Error"][0]["ReasonCode"] == "MALFORMED_REQUEST"


@pytest.mark.slow
def test_a_silent_or_cut_connection_does_not_disturb_the_server(served: Served) -> None:
    with socket.create_connection(("127.0.0.1", served.port), timeout=10) as conn:
        conn.sendall(b"POST /mdes/csapi/v2/token/suspend HTTP/1.1\r\nContent-Length: 100\r\n")
    with served.client() as client:  # still answering
        assert _status(client, OTHER) in ("A", "S")


@pytest.mark.slow
def test_the_client_refuses_before_sending_and_the_server_agrees(served: Served) -> None:
    conflicting = TokenUpdateRequest(
        token_unique_reference=OTHER,
        current_account_pan=OTHER_PAN,
        expiration_date="0130",
        audit_info=AUDIT,
    )
    with served.client() as client, pytest.raises(InvalidRequest) as refused:
        client.token_update(conflicting)
    assert "mutually_exclusive" in [v.code for v in refused.value.report.errors]


# HTTP/1.1: keep-alive, chunked bodies, a deadline, many idle connections -----------------


def _suspend_body(tur: str, reason: str) -> bytes:
    root = "TokenSuspendRequest" if reason == "T" else "TokenUnsuspendRequest"
    document = {root: {"TokenUniqueReference": tur, "ReasonCode": reason, "AuditInfo": AUDIT_JSON}}
    return json.dumps(document).encode()


@pytest.mark.slow
def test_http_1_1_keep_alive_and_chunked_bodies_beside_300_idle_connections(
    tmp_path: Path,
) -> None:
    served = Served("--tokens", _write_inventory(tmp_path / "tokens.jsonl"), "--threads", "2")
    idle: list[socket.socket] = []
    try:
        for _ in range(300):
            idle.append(socket.create_connection(("127.0.0.1", served.port), timeout=10))
        conn = http.client.HTTPConnection("127.0.0.1", served.port, timeout=10)
        try:
            headers = {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}
            suspend = _suspend_body(ACTIVE, "T")
            conn.request(
                "POST",
                BASE_PATH + "/token/suspend",
                body=iter([suspend[:20], suspend[20:]]),
                headers=headers,
                encode_chunked=True,
            )
            first = conn.getresponse()
            assert (first.status, first.version) == (200, 11)
            first.read()
            sock = conn.sock
            assert sock is not None  # kept alive
            unsuspend = _suspend_body(ACTIVE, "F")
            conn.request(
                "POST",
                BASE_PATH + "/token/unsuspend",
                body=iter([unsuspend]),
                headers=headers,
                encode_chunked=True,
            )
            second = conn.getresponse()
            assert second.status == 200
            second.read()
            assert conn.sock is sock  # on the same connection
        finally:
            conn.close()
    finally:
        for each in idle:
            each.close()
        assert served.stop() == (0, "")


@pytest.mark.slow
def test_request_timeout_cuts_off_a_client_that_trickles(tmp_path: Path) -> None:
    served = Served("--request-timeout", "1")
    try:
        with socket.create_connection(("127.0.0.1", served.port), timeout=10) as slow:
            slow.sendall(
                f"POST {BASE_PATH}/token/suspend HTTP/1.1\r\nHost: x\r\n"
                "Content-Type: application/json\r\nContent-Length: 500\r\n\r\n".encode()
            )
            slow.settimeout(0.2)  # a byte, then at most 0.2 s waiting for the answer
            answer = b""
            for _ in range(100):
                try:
                    slow.sendall(b" ")
                    answer = slow.recv(65_536)
                except TimeoutError:
                    continue
                break
            slow.settimeout(10)
            while chunk := slow.recv(65_536):
                answer += chunk
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 408 ")
        assert json.loads(body)["Errors"]["Error"][0]["ReasonCode"] == "REQUEST_TIMEOUT"
    finally:
        assert served.stop() == (0, "")


# the legacy update at the root -------------------------------------------------------------


def _legacy(tur: str, comment: str) -> legacy.UpdateRequest:
    return legacy.UpdateRequest(
        token_unique_reference=tur, expiration_date="0130", comment_text=comment, audit_info=AUDIT
    )


@pytest.mark.slow
@pytest.mark.parametrize("form", ["json", "xml"])
def test_legacy_update_at_the_root_path(served: Served, form: Form) -> None:
    assert " (legacy: /api/Update)" in served.startup
    with served.client(form, root=True) as client:
        answer = client.legacy_update(_legacy(OTHER, f"reissued ({form})"))
    assert answer.token is not None
    assert answer.token.token_unique_reference == OTHER


@pytest.mark.slow
def test_legacy_update_raw_json_and_xml_at_the_root(served: Served) -> None:
    request = Request("legacy_update", _legacy(OTHER, "raw"))
    answer = _post(
        served.root + "/api/Update", json_codec.encode_request(request), "application/json"
    )
    assert answer.status_code == 200
    assert answer.json()["token"]["tokenUniqueReference"] == OTHER

    answer = _post(served.root + "/api/Update", xml_codec.encode_request(request), "text/xml")
    assert answer.status_code == 200
    decoded = xml_codec.decode_response("legacy_update", 200, answer.content)
    assert decoded.ok
    assert isinstance(decoded.body, legacy.LegacyTokenResponse)

    broken = {"tokenUniqueReference": OTHER, "cardholderId": "20000587525", "auditInfo": {}}
    answer = _post(served.root + "/api/Update", json.dumps(broken).encode(), "application/json")
    assert answer.status_code == 400
    assert "MUTUALLY_EXCLUSIVE" in _json_codes(answer)


# files and addresses that are wrong --------------------------------------------------------


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        _command("serve", "--port", "0", *argv),
        capture_output=True,
        text=True,
        env=_env(),
        timeout=60,
        check=False,
    )


def _one_line_usage_error(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith("mdesrules: ")
    assert done.stderr.count("\n") == 1
    assert "Traceback" not in done.stderr
    return done.stderr


@pytest.mark.slow
@pytest.mark.parametrize(
    ("content", "says"),
    [
        ('{"tokenUniqueReference": "x"\n', "tokens.jsonl:1"),
        (
            json.dumps({"tokenUniqueReference": ACTIVE, "accountPan": PAN, "status": "Q"}) + "\n",
            "tokens.jsonl:1",
        ),
        ("<tokens/>\n", "tokens.jsonl"),
    ],
)
def test_a_bad_tokens_file_is_exit_2_in_one_line(tmp_path: Path, content: str, says: str) -> None:
    path = tmp_path / "tokens.jsonl"
    path.write_text(content, encoding="utf-8")
    message = _one_line_usage_error(_run("--tokens", str(path)))
    assert says in message
    assert PAN not in message


@pytest.mark.slow
def test_a_missing_file_is_exit_2_in_one_line(tmp_path: Path) -> None:
    _one_line_usage_error(_run("--tokens", str(tmp_path / "missing.jsonl")))
    _one_line_usage_error(_run("--account-ranges", str(tmp_path / "missing.csv")))


@pytest.mark.slow
def test_a_bad_account_ranges_file_is_exit_2_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "ranges.csv"
    path.write_text("low,high\n5412,54\n", encoding="utf-8")
    assert "ranges.csv:2" in _one_line_usage_error(_run("--account-ranges", str(path)))


@pytest.mark.slow
def test_a_db_that_is_not_sqlite_is_exit_2_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "not.sqlite"
    path.write_bytes(b"this is not a database, " * 100)
    assert "not.sqlite" in _one_line_usage_error(_run("--db", str(path)))
    _one_line_usage_error(_run("--db", str(tmp_path)))  # a directory


@pytest.mark.slow
def test_a_port_in_use_is_exit_2_in_one_line() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            _command("serve", "--port", str(port)),
            capture_output=True,
            text=True,
            env=_env(),
            timeout=60,
            check=False,
        )
    message = _one_line_usage_error(done)
    assert f"127.0.0.1:{port}" in message


@pytest.mark.slow
def test_a_bad_port_or_host_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--port", "70000"]) == 2
    assert main(["serve", "--port", "http"]) == 2
    assert main(["serve", "--threads", "0"]) == 2
    assert main(["serve", "--request-timeout", "nan"]) == 2
    assert main(["serve", "--request-timeout", "0"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    done = subprocess.run(
        _command("serve", "--host", "no-such-host.invalid", "--port", "0"),
        capture_output=True,
        text=True,
        env=_env(),
        timeout=60,
        check=False,
    )
    _one_line_usage_error(done)


def test_help_lists_the_options(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--help"]) == 0
    out = capsys.readouterr().out
    for option in (
        "--host",
        "--port",
        "--tokens",
        "--db",
        "--account-ranges",
        "--threads",
        "--request-timeout",
    ):
        assert option in out
    assert "127.0.0.1" in out


@pytest.mark.slow
def test_the_admin_api_is_served_and_can_be_left_out(served: Served) -> None:
    assert served.startup.endswith(f"; admin API: {served.root}/__admin/\n")
    index = requests.get(served.root + "/__admin/", timeout=TIMEOUT)
    assert (index.status_code, index.json()["endpoints"]["faults"]) == (200, "/__admin/faults")
    bare = Served("--no-admin")
    try:
        assert "admin API" not in bare.startup
        answer = requests.get(bare.root + "/__admin/", timeout=TIMEOUT)
        assert answer.status_code == 404
        assert answer.json()["Errors"]["Error"][0]["ReasonCode"] == "NOT_FOUND"
    finally:
        assert bare.stop() == (0, "")
