"""The fast pass (``mdesrules.fast_pass``) never passes a record that the pure path reports.

The pure path (the strict JSON reading, then the compiled check) is the reference: a record
the fast pass passes must read strictly and check without a single finding. And the fast
pass must pass the ordinary valid record, or it would cost a try and save nothing. Both are
held on every operation of every API surface, on valid documents, their mutations, other
spellings of the same JSON and byte-level edits.
"""

from __future__ import annotations

import json
import os
from typing import Any
from unittest import mock

import attrs
import msgspec  # the test extra installs it: the fast pass is tested, never skipped
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from slow_params import slow_except
from strategies_documents import mutated

from mdesrules import REGISTRY, _json
from mdesrules.apis import MDES_CS_API_2_2_2, SURFACES
from mdesrules.cli._blocks import BlockChecker
from mdesrules.cli._decoding import line_decoder
from mdesrules.cli._readers import Lines
from mdesrules.codecs.json import _fast_pass as fast_pass_of_codec
from mdesrules.fast_pass import FastPass, fast_pass, fast_pass_available, fast_pass_source
from mdesrules.fields import length
from mdesrules.models import AuditInfo
from mdesrules.registry import Form, Operation
from mdesrules.schema import wire
from mdesrules.testing import valid_documents

assert msgspec.__version__

CASES = [
    pytest.param(op.name, key, id=f"{key}-{op.name}")
    for key in SURFACES
    if key != "default"
    for op in SURFACES[key]
    if fast_pass(op.form("json")) is not None
]
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def pure_passes(form: Form, data: bytes) -> bool:
    """Whether the pure path reads *data* and finds nothing in it: the reference."""
    try:
        document = _json.loads_strict(data)
    except _json.MalformedJson:
        return False
    return form.checker(document, None) == []


def the_pass(operation: str, key: str) -> tuple[Form, FastPass]:
    form = SURFACES[key].get(operation).form("json")
    made = fast_pass(form)
    assert made is not None
    return form, made


@st.composite
def spellings(draw: st.DrawFn, document: object, ensure_ascii: bool | None = None) -> bytes:
    """*document* as JSON, written one of the ways a producer may write it."""
    if ensure_ascii is None:
        ensure_ascii = draw(st.booleans())
    separators = draw(st.sampled_from([(",", ":"), (", ", ": "), (" ,", " : "), (",\t", ":\r\n")]))
    text = json.dumps(document, ensure_ascii=ensure_ascii, separators=separators)
    before, after = draw(st.sampled_from(["", " ", "\t"])), draw(st.sampled_from(["", " ", "\r"]))
    return (before + text + after).encode()


@st.composite
def edited(draw: st.DrawFn, data: bytes) -> bytes:
    """*data* after one to three byte-level edits: a slice deleted, repeated or replaced."""
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(data)))
        j = draw(st.integers(i, min(len(data), i + 30)))
        action = draw(st.sampled_from(["delete", "repeat", "replace", "insert"]))
        if action == "delete":
            data = data[:i] + data[j:]
        elif action == "repeat":  # a member written twice, a quote doubled, ...
            data = data[:j] + data[i:j] + data[j:]
        elif action == "replace":
            data = data[:i] + draw(st.binary(min_size=1, max_size=3)) + data[j:]
        else:
            snippet = st.sampled_from([b'"', b",", b":", b"\\", b"{", b"}", b"[", b"]", b"\xff"])
            data = data[:i] + draw(snippet | st.binary(max_size=4)) + data[i:]
    return data


@pytest.mark.parametrize(("operation", "key"), slow_except(CASES))
@SETTINGS
@given(data=st.data())
def test_a_record_the_fast_pass_passes_passes_the_check(
    operation: str, key: str, data: st.DataObject
) -> None:
    form, passes = the_pass(operation, key)
    document = data.draw(valid_documents(operation, registry=SURFACES[key]))
    candidates = [data.draw(spellings(document))]
    candidates.append(data.draw(spellings(data.draw(mutated(document)))))
    candidates.append(data.draw(edited(candidates[0])))
    for record in candidates:
        if passes(record):
            assert pure_passes(form, record), record


@pytest.mark.parametrize(("operation", "key"), slow_except(CASES))
@SETTINGS
@given(data=st.data())
def test_the_fast_pass_passes_every_valid_record_without_an_escape(
    operation: str, key: str, data: st.DataObject
) -> None:
    form, passes = the_pass(operation, key)
    document = data.draw(valid_documents(operation, registry=SURFACES[key]))
    record = data.draw(spellings(document, ensure_ascii=False))
    assert pure_passes(form, record)
    # A record with an escape (a quote or a control character in a string) is left to the
    # strict reading; every other valid record is passed here.
    assert passes(record) is (b"\\" not in record)


TOKEN_UPDATE = {
    "TokenUpdateRequest": {
        "TokenUniqueReference": "DWSPMC000000000000000000000000000000000000000000",
        "NewAccountPan": "5412340000000001",
        "ExpirationDate": "0128",
        "AuditInfo": {"UserId": "A1435477", "UserName": "John Smith", "Organization": "Bank"},
    }
}
RECORD = json.dumps(TOKEN_UPDATE).encode()


@example(RECORD.replace(b'"ExpirationDate"', b'"ExpirationDate": "0128", "ExpirationDate"'))
@example(RECORD.replace(b'"ExpirationDate"', b'"ExpirationDate": "1328", "ExpirationDate"'))
@example(
    RECORD.replace(
        b'"ExpirationDate": "0128"', b'"ExpirationDate": "0128" , "ExpirationDate" :"0128"'
    )
)
@example(
    RECORD.replace(b'{"TokenUpdateRequest"', b'{"TokenUpdateRequest": {}, "TokenUpdateRequest"')
)
@example(RECORD.replace(b"John", b"Jo\\u0068n"))
@example(RECORD.replace(b"John", b"Jo\xffn"))
@example(RECORD.replace(b"John", b"Jo\xc0\xafn"))  # an overlong encoding of "/"
@example(RECORD.replace(b"John", b"Jo\xed\xbf\xbfn"))  # a surrogate, encoded
@example(RECORD.replace(b"John", b"Jo\xf4\x90\x80\x80n"))  # past U+10FFFF
@example(RECORD.replace(b"John", b"Jo\xc2\x80n"))  # a C1 control character
@example(RECORD.replace(b"John", b"Jo\x7fn"))
@example(RECORD.replace(b"John", b"Jo\tn"))
@example(RECORD.replace(b"John Smith", b"5412 3400 0000 0001"))
@example(RECORD.replace(b'"0128"', b'"0128", "CommentText": "card 5412340000000001"'))
@example(RECORD + b" x")
@example(b"\xef\xbb\xbf" + RECORD)
@example(b"\x0c" + RECORD)
@example(RECORD.replace(b'"0128"', b'"0128", "AccountPanSequenceNumber": NaN'))
@example(RECORD.replace(b'"0128"', b'"0128", "UpdateWalletProviderIndicator": null'))
@example(RECORD.replace(b"TokenUniqueReference", b"CurrentAccountPan"))
@settings(max_examples=300, deadline=None)
@given(edited(RECORD))
def test_token_update_bytes_the_fast_pass_passes_pass_the_check(record: bytes) -> None:
    form, passes = the_pass("token_update", "mdes-cs-api-2.0.7")
    if passes(record):
        assert pure_passes(form, record), record


def test_a_repeated_key_is_never_passed_even_with_the_same_value() -> None:
    form, passes = the_pass("token_update", "mdes-cs-api-2.0.7")
    assert passes(RECORD)
    twice = RECORD.replace(b'"ExpirationDate"', b'"ExpirationDate": "0128", "ExpirationDate"')
    assert not pure_passes(form, twice)  # the strict reading refuses it
    assert not passes(twice)


def test_a_record_with_an_escape_is_left_to_the_pure_path() -> None:
    form, passes = the_pass("token_update", "mdes-cs-api-2.0.7")
    escaped = RECORD.replace(b"John", b"Jo\\u0068n")
    assert pure_passes(form, escaped)
    assert not passes(escaped)


def test_a_form_with_a_rule_reaching_into_nested_objects_has_no_fast_pass() -> None:
    assert fast_pass(MDES_CS_API_2_2_2.get("token_update").form("json")) is None


def test_mdesrules_json_stdlib_turns_the_fast_pass_off(monkeypatch: pytest.MonkeyPatch) -> None:
    form = REGISTRY.get("token_update").form("json")
    assert fast_pass(form) is not None
    monkeypatch.setenv("MDESRULES_JSON", "stdlib")
    assert not fast_pass_available()
    assert fast_pass(form) is None


def test_the_fast_pass_source_can_be_read() -> None:
    made = fast_pass(REGISTRY.get("token_update").form("json"))
    assert made is not None
    source = fast_pass_source(made)
    assert source.startswith("def passes(data):")
    assert "return False" in source


@pytest.fixture
def decoded(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """The lines that block checkers decode by the pure path from now on."""
    from mdesrules.cli import _blocks

    lines: list[bytes] = []
    real = line_decoder

    def counting() -> Any:
        decode = real()

        def counted(line: bytes) -> Any:
            lines.append(line)
            return decode(line)

        return counted

    monkeypatch.setattr(_blocks, "line_decoder", counting)
    return lines


BLOCK = Lines("batch.jsonl", 1, b"\n".join([RECORD] * 50) + b"\n")


def test_valid_records_after_the_first_of_a_block_are_passed_by_the_fast_pass(
    decoded: list[bytes],
) -> None:
    # The first record tells the operation, and its fast pass is tried on the next ones.
    checked = BlockChecker(None, None, "json")(BLOCK)
    assert (checked.tally.records, checked.tally.passed) == (50, 50)
    assert decoded == [RECORD]


def test_with_an_operation_given_every_valid_record_is_passed_by_the_fast_pass(
    decoded: list[bytes],
) -> None:
    checked = BlockChecker(REGISTRY.get("token_update"), None, "json")(BLOCK)
    assert (checked.tally.records, checked.tally.passed) == (50, 50)
    assert decoded == []


def test_a_block_checker_with_a_context_takes_the_pure_path(decoded: list[bytes]) -> None:
    from mdesrules import Context

    checked = BlockChecker(None, Context(), "json")(BLOCK)
    assert checked.tally.passed == 50
    assert len(decoded) == 50


def test_after_failing_records_the_fast_pass_is_not_tried_until_records_pass_again(
    decoded: list[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    from mdesrules.cli import _blocks

    failing = RECORD.replace(b'"0128"', b'"1328"')
    tried: list[bytes] = []
    checker = BlockChecker(REGISTRY.get("token_update"), None, "json")
    made = fast_pass(REGISTRY.get("token_update").form("json"))
    assert made is not None

    def counted(line: bytes) -> bool:
        tried.append(line)
        return made(line)

    monkeypatch.setattr(_blocks, "fast_pass", lambda form: counted)
    data = b"\n".join([failing] * 20 + [RECORD] * 20) + b"\n"
    checked = checker(Lines("batch.jsonl", 1, data))
    assert (checked.tally.failed, checked.tally.passed) == (20, 20)
    # Tried on the first failing records while passing ones were not outnumbered; then
    # left untried until enough records, decoded by the pure path, passed again.
    credit = _blocks.CREDIT
    assert tried.count(failing) == credit + 1
    assert decoded.count(RECORD) == credit
    assert tried.count(RECORD) == 20 - credit


def _decoded(operation: str, record: bytes, registry: Any, fast: bool) -> object:
    """What the JSON codec makes of *record*: the request's model, or the refusal."""
    from mdesrules import InvalidRequest
    from mdesrules.codecs import json as json_codec
    from mdesrules.exceptions import DecodeError

    with mock.patch.dict(os.environ, {"MDESRULES_JSON": "" if fast else "stdlib"}):
        try:
            request = json_codec.decode_request(operation, record, registry=registry)
        except InvalidRequest as refused:
            return ("invalid", refused.report.violations)
        except DecodeError as refused:
            return ("not JSON", str(refused))
    return (request.operation, request.body)


@pytest.mark.parametrize(("operation", "key"), slow_except(CASES))
@SETTINGS
@given(data=st.data())
def test_the_json_codec_decodes_with_the_fast_pass_what_it_decodes_without(
    operation: str, key: str, data: st.DataObject
) -> None:
    # codecs.json.decode_request (the server's reading of every request) makes a record
    # the fast pass passes a model without checking it again: the same model, and every
    # other record the same refusal.
    registry = SURFACES[key]
    document = data.draw(valid_documents(operation, registry=registry))
    valid = data.draw(spellings(document, ensure_ascii=False))
    records = [valid, data.draw(spellings(data.draw(mutated(document)))), data.draw(edited(valid))]
    for record in records:
        fast = _decoded(operation, record, registry, fast=True)
        assert fast == _decoded(operation, record, registry, fast=False)
    # An operation that may come encrypted is left to the strict path: it decrypts first.
    if b"\\" not in valid and registry.get(operation).account_encryption is None:
        assert fast_pass_of_codec(registry, operation) is not None
        assert fast_pass_of_codec(registry, operation)(valid)  # type: ignore[misc]


def test_the_json_codec_takes_text_too() -> None:
    from mdesrules.codecs import json as json_codec

    request = json_codec.decode_request("token_update", RECORD.decode())  # type: ignore[arg-type]
    assert request.operation == "token_update"


@attrs.frozen
class _NoSevens:
    """A field rule of one's own that raises on a value with a 7 (a bug in it)."""

    def __call__(self, value: str) -> tuple[str, str] | None:
        if "7" in value:
            raise ValueError("seven")
        return None


@attrs.frozen(kw_only=True)
class _NotesRequest:
    token_unique_reference: str = attrs.field(metadata=wire(length(1, 48), _NoSevens()))
    audit_info: AuditInfo


def test_a_rule_of_your_own_that_raises_is_a_false_not_an_exception() -> None:
    # The pure path reports the raising rule (the command as an internal error of that
    # record); the fast pass must not raise on the way there.
    notes = Operation(
        name="notes",
        endpoint="POST /notes",
        summary="Notes.",
        request=_NotesRequest,
        wrapper="NotesRequest",
    )
    passes = fast_pass(notes.form("json"))
    assert passes is not None
    audit = {"UserId": "A1", "UserName": "J", "Organization": "B"}
    for tur, passed in (("DWSPMC0001", True), ("DWSPMC0007", False)):
        record = {"NotesRequest": {"TokenUniqueReference": tur, "AuditInfo": audit}}
        assert passes(json.dumps(record).encode()) is passed
