"""One JSON reading: every entry point accepts the same documents and refuses the same ones.

Two parsers that disagree on one document are how a request passes one check and does
something else downstream. For any bytes, these agree on whether they are a JSON document,
and refuse the ones that are not with the same violation code, ``malformed_document``:

- ``mdesrules check`` on a JSON Lines file, with orjson's fast path and without;
- the server: :class:`~mdesrules.serving.wsgi.WsgiApp` before the simulated MDES (which
  checks the parsed document itself) and before a plain handler (the codec checks first);
- the client reading an answer: :class:`~mdesrules.transports.CodecTransport`, which
  ``HttpTransport`` and ``InMemoryTransport(wire="json")`` use;
- the notification receiver;
- the simulators' own readings: the simulated TMS reading a payment-credentials body, and
  the notification emitter reading its receiver's answer (each refuses with its usual
  answer for a body that is not JSON);
- and :func:`mdesrules._json.loads_strict` itself, whose reading they all share: what it
  accepts, the CLI reads as the same document.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import example, given, settings
from hypothesis import strategies as st

from mdesrules import _json
from mdesrules._json import MalformedJson, loads_strict
from mdesrules.cli._check import run_check
from mdesrules.cli._parser import build_parser
from mdesrules.codecs import json as json_codec
from mdesrules.encryption import NotificationRejected, key_ring
from mdesrules.exceptions import DecodeError, InvalidRequest, TransportError
from mdesrules.fakes.mdes import SimulatedMdes
from mdesrules.fakes.notifications import http_deliver
from mdesrules.fakes.tms import SimulatedTms
from mdesrules.models import AuditInfo
from mdesrules.models.requests import TokenSuspendRequest
from mdesrules.notifications import NotificationReceiver
from mdesrules.serving.wsgi import WsgiApp
from mdesrules.transport import Request, Response
from mdesrules.transports import CodecTransport, WsgiCarrier
from mdesrules.wire import WireRequest

PAN = "5412345678901232"
BOM = b"\xef\xbb\xbf"

# -- the bytes: JSON, nearly JSON, and not JSON ---------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=8,
)
pieces = st.sampled_from(
    [b"{", b"}", b"[", b"]", b",", b":", b" ", b"\t", b'"a"', b'"a":1', b"1", b"-0", b"1e400",
     b"NaN", b"Infinity", b"true", b"nul", b'"\\ud800"', b'"\\udc00\\ud800"',
     b'"\\ud83d\\ude00"', b'"\\u00e9"', b'"\xc3\xa9"', b"\xff", b"\xed\xa0\x80", BOM,
     b'{"a":1,"a":2}', b'{"a":1,"A":2}', b"9" * 4400, PAN.encode()]
)  # fmt: skip


@st.composite
def documents(draw: st.DrawFn) -> bytes:
    """A JSON value as some writer would send it, perhaps bent out of shape."""
    value = draw(json_values)
    text = json.dumps(value, ensure_ascii=draw(st.booleans()), separators=(",", ":"))
    data = text.encode("utf-8", "surrogatepass")
    how = draw(st.sampled_from(["as is", "nested", "duplicate", "spliced"]))
    if how == "nested":
        depth = draw(st.integers(250, 260))
        data = b"[" * depth + data + b"]" * depth
    elif how == "duplicate" and data.startswith(b"{") and data != b"{}":
        data = b'{"k":1,"k":2,' + data[1:]
    elif how == "spliced":
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(pieces) + data[at:]
    return data


any_bytes = documents() | st.lists(pieces, max_size=6).map(b"".join) | st.binary(max_size=40)


# -- the entry points, each saying whether it found the bytes malformed ----------------------


@pytest.fixture(scope="module")
def receiver() -> NotificationReceiver:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return NotificationReceiver(key_ring(key))


AUDIT = AuditInfo(user_id="A1435477", user_name="John Smith", organization="Any Bank")
SUSPEND = Request(
    "token_suspend",
    TokenSuspendRequest(
        token_unique_reference="DWSPMC00000000010906a349d9ca4eb1a4d53e3c90a11d9c",
        reason_code="T",
        audit_info=AUDIT,
    ),
)


def _server(app: WsgiApp, data: bytes) -> bool:
    answer: list[str] = []
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/mdes/csapi/v2/token/suspend",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(data)),
        "wsgi.input": io.BytesIO(data),
    }
    body = b"".join(app(environ, lambda status, headers, exc_info=None: answer.append(status)))
    if not answer[0].startswith("400"):
        return False
    codes = [e["ReasonCode"] for e in json.loads(body)["Errors"]["Error"]]
    return "MALFORMED_DOCUMENT" in codes


def _plain_handler(request: Request) -> Response:
    raise AssertionError("never reached: the test only looks at how the body is read")


def _client(data: bytes) -> bool:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "application/json")])
        return [data]

    transport = CodecTransport(WsgiCarrier(app, base_url="http://mdes.test/mdes/csapi/v2"))
    try:
        transport.send(SUSPEND)
    except MalformedJson as error:
        return error.code == "malformed_document"
    except DecodeError:  # JSON, but not an answer of the operation
        return False
    return False


def _receiver(receiver: NotificationReceiver, data: bytes) -> bool:
    try:
        receiver.open(data)
    except NotificationRejected as rejected:
        return rejected.code == "malformed_document"
    raise AssertionError("an unencrypted body was accepted")


def _cli(data: bytes, fast: bool) -> bool:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "requests.jsonl"
        path.write_bytes(data)
        args = build_parser("test").parse_args(["check", "--format", "json", str(path)])
        out = io.StringIO()
        env = {"MDESRULES_JSON": "" if fast else "stdlib"}
        with mock.patch.dict(os.environ, env):
            run_check(args, io.BytesIO(), out, io.StringIO())
    return '"malformed_document"' in out.getvalue()


def _strict(data: bytes, fast: bool) -> tuple[bool, str]:
    with mock.patch.dict(os.environ, {"MDESRULES_JSON": "" if fast else "stdlib"}):
        try:
            return False, repr(loads_strict(data))
        except MalformedJson:
            return True, ""


@pytest.fixture(scope="module")
def apps() -> tuple[WsgiApp, WsgiApp]:
    return WsgiApp(SimulatedMdes()), WsgiApp(_plain_handler)


def _one_line(data: bytes) -> bool:
    """Whether ``check`` reads *data* as one JSON Lines record, as the others read it."""
    return (
        b"\n" not in data
        and b"\r" not in data
        and not data.startswith(BOM)
        and bool(data.strip(b" \t"))
    )


@settings(max_examples=300)
@example(b'{"a": 1, "a": 2}')
@example(b'{"TokenSuspendRequest": {"ReasonCode": "T", "ReasonCode": "T"}}')
@example(b"[NaN]")
@example(b"[1e400]")
@example(b'"\\ud800"')
@example(b'"\\ud83d\\ude00"')
@example(b"[" * 256 + b"]" * 256)
@example(b"[" * 257 + b"]" * 257)
@example(b'{"a":' * 257 + b"1" + b"}" * 257)
@example(b"9" * 5000)
@example(BOM + b"{}")
@example(b"\xed\xa0\x80")
@example(b"{}")
@given(any_bytes)
def test_every_entry_point_reads_the_same_bytes_the_same_way(
    apps: tuple[WsgiApp, WsgiApp], receiver: NotificationReceiver, data: bytes
) -> None:
    malformed, document = _strict(data, fast=False)
    assert _strict(data, fast=True) == (malformed, document)
    verdicts = {
        "server (simulated MDES)": _server(apps[0], data),
        "server (codec first)": _server(apps[1], data),
        "client": _client(data),
        "notification receiver": _receiver(receiver, data),
    }
    if _one_line(data):
        verdicts["check"] = _cli(data, fast=False)
        verdicts["check (orjson)"] = _cli(data, fast=True)
    assert verdicts == dict.fromkeys(verdicts, malformed)


def test_a_refusal_says_what_to_fix_and_never_quotes_a_pan() -> None:
    cases = {
        b'{"' + PAN.encode() + b'": 1, "' + PAN.encode() + b'": 2}': "same key twice",
        b'{"TokenUniqueReference": "x", "TokenUniqueReference": "y"}': '"TokenUniqueReference"',
        b'{"a": NaN}': "NaN and Infinity",
        b'{"a": "' + PAN.encode() + b'"': "line 1, column",
        b'"' + PAN.encode() + b'\\ud800"': "unpaired surrogate",
        b"[" * 257 + b"]" * 257: "more than 256 levels",
        BOM + b"{}": "byte order mark",
        b'{"a": "\xff' + PAN.encode() + b'"}': "not valid UTF-8",
    }
    for data, says in cases.items():
        with pytest.raises(MalformedJson) as refused:
            loads_strict(data)
        message = str(refused.value)
        assert says in message
        assert PAN not in message
        assert refused.value.code == "malformed_document"


def test_the_fast_path_takes_ordinary_documents(monkeypatch: pytest.MonkeyPatch) -> None:
    document = {"TokenSuspendRequest": {"ReasonCode": "T", "Ids": [1, 2.5, True, None]}}
    data = json.dumps(document).encode()
    assert _json._fast_document(data) == document
    monkeypatch.setenv("MDESRULES_JSON", "stdlib")
    with mock.patch.object(_json, "_fast_document", side_effect=AssertionError):
        assert loads_strict(data) == document


def test_the_server_refuses_a_repeated_key_it_used_to_read_last_one_wins() -> None:
    engine = SimulatedMdes()
    data = (
        b'{"TokenSuspendRequest": {"TokenUniqueReference": "a", "ReasonCode": "T",'
        b' "ReasonCode": "Z"}}'
    )
    assert _server(WsgiApp(engine), data)
    with pytest.raises(MalformedJson):
        json_codec.decode_request("token_suspend", data)
    assert not issubclass(MalformedJson, InvalidRequest)  # a decode error, not a rule


# -- the simulators' own readings: the simulated TMS and the notification emitter ------------


def test_the_simulated_tms_refuses_a_repeated_key_and_nan_as_an_invalid_body() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    tms = SimulatedTms({"7010000000016241111": []}, key.public_key())
    path = "/tms/v2/tokens/7010000000016241111/payment-credentials"

    def answer(body: bytes) -> tuple[int, object]:
        r = tms.handle(WireRequest("POST", path, {}, body))
        return r.status, json.loads(r.body)["errors"][0] if r.status >= 400 else None

    assert answer(b'{"paymentCredentialType": "SECURITY_CODE"}') == (201, None)
    invalid_body = {"type": "invalidRequest", "message": "Invalid HTTP Body"}
    for body in (
        b'{"paymentCredentialType": "CRYPTOGRAM", "paymentCredentialType": "SECURITY_CODE"}',
        b'{"paymentCredentialType": NaN}',
        b"\xef\xbb\xbf{}",
    ):
        status, error = answer(body)
        assert status == 400
        assert isinstance(error, dict)
        assert {k: error[k] for k in invalid_body} == invalid_body, body


def test_the_notification_emitter_refuses_a_receiver_answer_with_a_repeated_key(
    serve: Callable[[Any], str],
) -> None:
    answers: list[bytes] = []

    def receiver_app(environ: dict[str, Any], start_response: Callable[..., object]) -> list[bytes]:
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        body = answers.pop(0)
        start_response("200 OK", [("Content-Type", "application/json")])
        return [body]

    deliver = http_deliver(serve(receiver_app) + "/notify")
    answers.append(b'{"responseHost": "tr.example", "responseId": "1"}')
    assert deliver(b"{}") == {"responseHost": "tr.example", "responseId": "1"}
    for body in (b'{"responseId": "1", "responseId": "2"}', b'{"responseId": Infinity}'):
        answers.append(body)
        with pytest.raises(TransportError, match="the receiver's answer is not a JSON object"):
            deliver(b"{}")
