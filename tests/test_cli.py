"""The ``mdesrules`` command line: the contract of DESIGN.md section 5, by example.

Output format, exit statuses, one output record per input record in input order, context
files that change verdicts, usage errors without tracebacks, no full PAN in any output,
flat memory on large inputs, and a real process for pipes and signals.
"""

from __future__ import annotations

import io
import json
import os
import random
import re
import signal
import subprocess
import sys
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mdesrules
from mdesrules.cli import main
from mdesrules.cli._outcome import Outcome, judge
from mdesrules.cli._output import TextWriter
from mdesrules.cli._progress import Progress
from mdesrules.cli._readers import Record
from mdesrules.cli._tally import Tally
from mdesrules.combinators import ExactlyOneOf

TUR = "DWSPMC00000000010906a349d9ca4eb1a4d53e3c90a11d9c"
TUR_DELETED = "DWSPMC00000000020906a349d9ca4eb1a4d53e3c90a11d9d"
PAN = "5412345678901232"
AUDIT = {"UserId": "A1435477", "UserName": "John Smith", "Organization": "Any Bank"}
VALID = {
    "TokenUpdateRequest": {
        "TokenUniqueReference": TUR,
        "NewAccountPan": PAN,
        "ExpirationDate": "0128",
        "AuditInfo": AUDIT,
    }
}
# Fails one rule: TokenUniqueReference and CurrentAccountPan are mutually exclusive.
FAILING = {
    "TokenUpdateRequest": {
        "TokenUniqueReference": TUR,
        "CurrentAccountPan": PAN,
        "ExpirationDate": "0128",
        "AuditInfo": AUDIT,
    }
}
INVENTORY = [
    {"tokenUniqueReference": TUR, "accountPan": PAN, "status": "A", "tokenAssuranceLevel": "1"},
    {"tokenUniqueReference": TUR_DELETED, "accountPan": "5412345678904566", "status": "DELETED"},
]
RANGES = "low,high\n5412340000,5412349999\n"
LEGACY_XML = """\
<UpdateRequest xmlns:i="http://www.w3.org/2001/XMLSchema-instance" \
xmlns="http://schemas.datacontract.org/2004/07/MDES.CustomerService.Models">
  <AccountPanSequenceNumber>002</AccountPanSequenceNumber>
  <AuditInfo>
    <Organization>Any Bank</Organization>
    <Phone>5555551234</Phone>
    <UserId>A1435477</UserId>
    <UserName>John Smith</UserName>
  </AuditInfo>
  <CurrentAccountPan>{current}</CurrentAccountPan>
  <ExpirationDate>0129</ExpirationDate>
  <NewAccountPan>{new}</NewAccountPan>
</UpdateRequest>
"""
CONTRACT_KEYS = ["source", "operation", "ok", "violations"]
VIOLATION_KEYS = ["code", "path", "fields", "message", "severity"]
ROOT = Path(mdesrules.__file__).resolve().parent.parent


# helpers ------------------------------------------------------------------------------


def jsonl(*documents: object) -> str:
    return "".join(json.dumps(d) + "\n" for d in documents)


def write(directory: Path, name: str, text: str) -> str:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def records(out: str) -> list[dict[str, Any]]:
    """Parse JSON Lines output, checking the contract's key order on the way."""
    parsed = []
    for line in out.splitlines():
        record = json.loads(line)
        assert list(record) == CONTRACT_KEYS
        for violation in record["violations"]:
            assert list(violation) == VIOLATION_KEYS
        parsed.append(record)
    return parsed


def codes(record: dict[str, Any]) -> list[str]:
    return [v["code"] for v in record["violations"]]


def assert_usage_error(status: int, out: str, err: str, *expected: str) -> None:
    """Exit 2, nothing on stdout, one line on stderr naming what is wrong, no traceback."""
    assert status == 2
    assert out == ""
    assert err.startswith("mdesrules: ")
    assert err.count("\n") == 1
    assert err.endswith("\n")
    assert "Traceback" not in err
    for text in expected:
        assert text in err


def luhn_pan(rng: random.Random, length: int) -> str:
    body = "5" + "".join(rng.choice("0123456789") for _ in range(length - 2))
    total = 0
    for i, char in enumerate(reversed(body)):
        digit = int(char) * (2 if i % 2 == 0 else 1)
        total += digit - 9 if digit > 9 else digit
    return body + str(-total % 10)


class Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


class Sink(io.TextIOBase):
    """A text stream that counts what is written and keeps none of it."""

    def __init__(self) -> None:
        self.written = 0

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.written += len(text)
        return len(text)


@contextmanager
def standard_streams(stdin: bytes = b"") -> Iterator[tuple[io.StringIO, io.StringIO]]:
    """Replace stdin, stdout and stderr (for tests where capsys cannot be used)."""
    out, err = io.StringIO(), io.StringIO()
    stdin_stream = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    with (
        mock.patch.object(sys, "stdin", stdin_stream),
        mock.patch.object(sys, "stdout", out),
        mock.patch.object(sys, "stderr", err),
    ):
        yield out, err


def test_luhn_helper_makes_the_known_valid_pan() -> None:
    assert luhn_pan(random.Random(0), 16)[-1].isdigit()
    assert mdesrules.check("token_update", VALID).ok  # PAN is Luhn-valid, per the library


# JSON Lines output ---------------------------------------------------------------------


def test_a_passing_record_is_one_exact_json_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write(tmp_path, "requests.jsonl", jsonl(VALID))
    status, out, err = run(capsys, "check", "--format", "json", path)
    assert status == 0
    assert out == (
        f'{{"source": "{path}:1", "operation": "token_update", "ok": true, "violations": []}}\n'
    )
    assert err == ""


def test_a_failing_record_lists_its_violations_in_contract_form(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write(tmp_path, "requests.jsonl", jsonl(FAILING))
    status, out, _ = run(capsys, "check", "--format", "json", path)
    assert status == 1
    (record,) = records(out)
    assert record["ok"] is False
    assert record["operation"] == "token_update"
    assert record["violations"] == [
        v.to_dict() for v in mdesrules.check("token_update", FAILING).violations
    ]
    (violation,) = record["violations"]
    assert violation["code"] == "mutually_exclusive"
    assert violation["fields"] == [
        "/TokenUpdateRequest/TokenUniqueReference",
        "/TokenUpdateRequest/CurrentAccountPan",
    ]
    assert violation["severity"] == "error"


def test_a_malformed_line_is_reported_in_place_and_the_run_goes_on(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    text = jsonl(VALID) + '{"TokenUpdateRequest": \n' + jsonl(FAILING) + "[1, 2\n"
    path = write(tmp_path, "requests.jsonl", text)
    status, out, _ = run(capsys, "check", "--format", "json", path)
    assert status == 1
    got = records(out)
    assert [r["source"] for r in got] == [f"{path}:{n}" for n in (1, 2, 3, 4)]
    assert [r["ok"] for r in got] == [True, False, False, False]
    for malformed in (got[1], got[3]):
        assert malformed["operation"] is None
        (violation,) = malformed["violations"]
        assert violation["code"] == "malformed_document"
        assert violation["path"] == ""
        assert violation["message"].startswith("invalid JSON at column")
    assert codes(got[2]) == ["mutually_exclusive"]


def test_an_undetectable_record_says_which_wrappers_are_known(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write(tmp_path, "requests.jsonl", jsonl({"TokenUpdate": {}}, [], "text", VALID))
    status, out, _ = run(capsys, "check", "--format", "json", path)
    assert status == 1
    got = records(out)
    assert len(got) == 4
    found = []
    for record in got[:3]:
        assert record["operation"] is None
        assert record["ok"] is False
        (violation,) = record["violations"]
        assert violation["code"] == "unknown_operation"
        assert violation["path"] == ""
        assert "--operation" in violation["message"]
        assert len(violation["message"]) < 300  # says what it found, not every wrapper
        found.append(violation["message"].split("; a request is")[0])
    # Each says what it found instead.
    assert found == [
        "cannot tell the operation: found an object whose only key 'TokenUpdate' is not a "
        "wrapper key (did you mean TokenUpdateRequest?)",
        "cannot tell the operation: found a JSON array of 0 elements (a JSON Lines line holds "
        "one request: put an array in a .json file, or one object per line)",
        "cannot tell the operation: found a JSON string",
    ]
    assert got[3]["ok"] is True


def test_operation_forces_every_record(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bare = VALID["TokenUpdateRequest"]
    text = jsonl(VALID, {"TokenUpdate": bare}) + "not json\n"
    path = write(tmp_path, "requests.jsonl", text)
    status, out, _ = run(capsys, "check", "--format", "json", "--operation", "token_update", path)
    assert status == 1
    got = records(out)
    assert [r["operation"] for r in got] == ["token_update"] * 3
    assert got[0]["ok"] is True
    assert "missing_required" in codes(got[1])  # checked as token_update: wrapper missing
    assert codes(got[2]) == ["malformed_document"]


def test_operation_names_another_rule_set_than_the_wrapper(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write(tmp_path, "requests.jsonl", jsonl(VALID))
    status, out, _ = run(capsys, "check", "--format", "json", "--operation", "token_delete", path)
    assert status == 1
    (record,) = records(out)
    assert record["operation"] == "token_delete"
    assert record["violations"][0]["path"] == "/TokenDeleteRequest"


def test_json_array_elements_have_the_line_where_they_start(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    spread = json.dumps(FAILING, indent=2)
    text = "[\n" + json.dumps(VALID) + ",\n" + spread + ",\n42\n]\n"
    path = write(tmp_path, "batch.json", text)
    status, out, _ = run(capsys, "check", "--format", "json", path)
    assert status == 1
    got = records(out)
    last = 3 + spread.count("\n") + 1
    # FILE:LINE[INDEX]: the line where the element starts, its index in the array.
    assert [r["source"] for r in got] == [f"{path}:2[0]", f"{path}:3[1]", f"{path}:{last}[2]"]
    assert [r["ok"] for r in got] == [True, False, False]
    assert codes(got[2]) == ["unknown_operation"]


def test_a_single_json_document_is_one_record(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write(tmp_path, "one.json", json.dumps(VALID, indent=2))
    status, out, _ = run(capsys, "check", "--format", "json", path)
    assert status == 0
    assert [r["source"] for r in records(out)] == [f"{path}:1"]


def test_xml_is_detected_from_its_root(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    good = write(tmp_path, "good.xml", LEGACY_XML.format(current=PAN, new="5412345678908880"))
    bad = write(tmp_path, "bad.xml", LEGACY_XML.format(current=PAN, new="5412345678908881"))
    status, out, _ = run(capsys, "check", "--format", "json", good, bad)
    assert status == 1
    first, second = records(out)
    assert first == {
        "source": f"{good}:1",
        "operation": "legacy_update",
        "ok": True,
        "violations": [],
    }
    assert second["source"] == f"{bad}:1"
    assert codes(second) == ["bad_check_digit"]
    assert second["violations"][0]["path"] == "/UpdateRequest/NewAccountPan"


def test_xml_of_unknown_root_or_malformed_is_reported(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ns = "http://schemas.datacontract.org/2004/07/MDES.CustomerService.Models"
    unknown = write(
        tmp_path, "unknown.xml", f'<TokenResponse xmlns="{ns}"><A>1</A></TokenResponse>'
    )
    broken = write(tmp_path, "broken.xml", f'<UpdateRequest xmlns="{ns}"><A>')
    status, out, _ = run(capsys, "check", "--format", "json", unknown, broken)
    assert status == 1
    first, second = records(out)
    assert first["operation"] is None
    assert codes(first) == ["unknown_operation"]
    assert "'TokenResponse'" in first["violations"][0]["message"]
    assert "UpdateRequest" in first["violations"][0]["message"]
    assert codes(second) == ["malformed_document"]


def test_xml_forced_to_an_operation_without_xml_form(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write(tmp_path, "legacy.xml", LEGACY_XML.format(current=PAN, new="5412345678908880"))
    status, out, _ = run(capsys, "check", "--format", "json", "--operation", "token_update", path)
    assert status == 1
    (record,) = records(out)
    assert record["operation"] == "token_update"
    assert codes(record) == ["unknown_operation"]
    assert "legacy_update" in record["violations"][0]["message"]


def test_files_are_reported_in_the_order_given(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    a = write(tmp_path, "a.jsonl", jsonl(FAILING, VALID))
    b = write(tmp_path, "b.ndjson", jsonl(VALID))
    status, out, _ = run(capsys, "check", "--format", "json", b, a)
    assert status == 1
    assert [r["source"] for r in records(out)] == [f"{b}:1", f"{a}:1", f"{a}:2"]


def test_standard_input(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = jsonl(VALID, FAILING).encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))
    status, out, _ = run(capsys, "check", "--format", "json", "-")
    assert status == 1
    assert [(r["source"], r["ok"]) for r in records(out)] == [
        ("<stdin>:1", True),
        ("<stdin>:2", False),
    ]


def test_an_empty_document_file_is_a_malformed_record(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write(tmp_path, "empty.json", "")
    status, out, _ = run(capsys, "check", "--format", "json", path)
    assert status == 1
    (record,) = records(out)
    assert codes(record) == ["malformed_document"]


@pytest.mark.parametrize(
    ("name", "text"),
    [("empty.jsonl", ""), ("blank.jsonl", "\n \n"), ("empty.json", ""), ("empty.xml", "")],
)
def test_an_empty_file_fails_the_same_in_every_format(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str, text: str
) -> None:
    # A run that checked nothing must not pass: one malformed record, exit status 1.
    path = write(tmp_path, name, text)
    status, out, _ = run(capsys, "check", path)
    assert status == 1
    assert out == (
        f"{path}:1  -  FAIL (1 error)\n  error  malformed_document  /  empty file\n\n"
        "1 record checked: 0 passed, 1 failed\n  1  malformed_document\n"
        "fields most often in violation:\n  1  /\n"
    )


# context files --------------------------------------------------------------------------


def test_tokens_turn_on_the_token_state_rules(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    update_deleted = {
        "TokenUpdateRequest": {**VALID["TokenUpdateRequest"], "TokenUniqueReference": TUR_DELETED}
    }
    requests = write(tmp_path, "requests.jsonl", jsonl(update_deleted, VALID))
    tokens = write(tmp_path, "inventory.jsonl", jsonl(*INVENTORY))

    status, out, _ = run(capsys, "check", "--format", "json", requests)
    assert status == 0
    assert [r["ok"] for r in records(out)] == [True, True]

    status, out, _ = run(capsys, "check", "--format", "json", "--tokens", tokens, requests)
    assert status == 1
    deleted, active = records(out)
    assert codes(deleted) == ["token_state"]
    assert deleted["violations"][0]["path"] == "/TokenUpdateRequest/TokenUniqueReference"
    assert active["ok"] is True


def test_tokens_as_a_json_array(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    requests = write(tmp_path, "requests.jsonl", jsonl(VALID))
    tokens = write(tmp_path, "inventory.json", json.dumps(INVENTORY[1:], indent=1))
    status, out, _ = run(capsys, "check", "--format", "json", "--tokens", tokens, requests)
    assert status == 1
    assert codes(records(out)[0]) == ["unknown_token"]


def test_account_ranges_turn_on_the_account_range_rule(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    outside = {
        "TokenUpdateRequest": {**VALID["TokenUpdateRequest"], "NewAccountPan": "5420000000009994"}
    }
    requests = write(tmp_path, "requests.jsonl", jsonl(outside, VALID))
    tokens = write(tmp_path, "inventory.jsonl", jsonl(*INVENTORY))
    ranges = write(tmp_path, "ranges.csv", RANGES)

    status, out, _ = run(capsys, "check", "--format", "json", "--tokens", tokens, requests)
    assert status == 0

    argv = ["check", "--format", "json", "--tokens", tokens, "--account-ranges", ranges, requests]
    status, out, _ = run(capsys, *argv)
    assert status == 1
    moved, kept = records(out)
    assert codes(moved) == ["account_range"]
    assert moved["violations"][0]["path"] == "/TokenUpdateRequest/NewAccountPan"
    assert kept["ok"] is True


def test_account_ranges_alone_check_a_pan_wide_update(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    xml = write(tmp_path, "legacy.xml", LEGACY_XML.format(current=PAN, new="5420000000009994"))
    ranges = write(tmp_path, "ranges.csv", RANGES)
    status, out, _ = run(capsys, "check", "--format", "json", "--account-ranges", ranges, xml)
    assert status == 1
    assert codes(records(out)[0]) == ["account_range"]


@pytest.mark.parametrize(
    ("name", "text", "where", "what"),
    [
        (
            "inventory.jsonl",
            jsonl(*INVENTORY)
            + '{"tokenUniqueReference": "T3", "accountPan": "5412345678901232", "status": "X"}\n',
            ":3: ",
            "unknown token status 'X'",
        ),
        ("inventory.jsonl", '{"tokenUniqueReference": "T1"', ":1: ", "invalid JSON"),
        ("inventory.jsonl", jsonl(["not", "an", "object"]), ":1: ", "must be an object"),
        ("inventory.json", json.dumps(INVENTORY + INVENTORY[:1]), ":1[2]: ", "already in"),
        ("inventory.jsonl", jsonl({**INVENTORY[0], "Status": "A"}), ":1: ", "unknown key"),
        ("inventory.xml", LEGACY_XML.format(current=PAN, new=PAN), ":1: ", "not XML"),
        ("inventory.json", "", ":1: ", "empty file"),
    ],
    ids=["bad-status", "bad-json", "not-object", "duplicate", "unknown-key", "xml", "empty"],
)
def test_a_bad_inventory_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    name: str,
    text: str,
    where: str,
    what: str,
) -> None:
    requests = write(tmp_path, "requests.jsonl", jsonl(VALID))
    tokens = write(tmp_path, name, text)
    status, out, err = run(capsys, "check", "--tokens", tokens, requests)
    assert_usage_error(status, out, err, f"mdesrules: {tokens}{where}", what)


@pytest.mark.parametrize(
    ("text", "where", "what"),
    [
        ("low,high\n541234,541299\n5412,54129\n", ":3: ", "same number of digits"),
        ("from,to\n541234,541299\n", ":1: ", "header 'low,high'"),
        ("low,high\n541299,541234\n", ":2: ", "swap them"),
        ("low,high\n541234\n", ":2: ", "expected 2 cells"),
        ("", ":1: ", "missing the header"),
    ],
    ids=["lengths", "header", "reversed", "cells", "empty"],
)
def test_bad_account_ranges_are_a_usage_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str, where: str, what: str
) -> None:
    requests = write(tmp_path, "requests.jsonl", jsonl(VALID))
    ranges = write(tmp_path, "ranges.csv", text)
    status, out, err = run(capsys, "check", "--account-ranges", ranges, requests)
    assert_usage_error(status, out, err, f"mdesrules: {ranges}{where}", what)


def test_account_ranges_that_are_not_utf8(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    requests = write(tmp_path, "requests.jsonl", jsonl(VALID))
    ranges = tmp_path / "ranges.csv"
    ranges.write_bytes(b"low,high\n\xff\xfe,1\n")
    status, out, err = run(capsys, "check", "--account-ranges", str(ranges), requests)
    assert_usage_error(status, out, err, str(ranges), "not UTF-8")


@pytest.mark.parametrize("option", ["--tokens", "--account-ranges", None])
def test_a_missing_file_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, option: str | None
) -> None:
    requests = write(tmp_path, "requests.jsonl", jsonl(VALID))
    missing = str(tmp_path / "missing.jsonl")
    argv = ["check", option, missing, requests] if option else ["check", requests, missing]
    status, out, err = run(capsys, *argv)
    # An input file missing after a good one still stops the run before any output.
    assert_usage_error(status, out, err, f"cannot open {missing}", "No such file")


def test_a_directory_is_a_usage_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status, out, err = run(capsys, "check", str(tmp_path))
    assert_usage_error(status, out, err, str(tmp_path), "directory")


def test_standard_input_can_be_named_only_once(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    status, out, err = run(capsys, "check", "--tokens", "-", "-")
    assert_usage_error(status, out, err, "standard input")


# arguments --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["check"],
        ["check", "--operation", "no_such_operation", "x.jsonl"],
        ["check", "--format", "xml", "x.jsonl"],
        ["frobnicate"],
    ],
)
def test_argument_errors_exit_2_with_usage_and_one_message_line(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    status, out, err = run(capsys, *argv)
    assert status == 2
    assert out == ""
    assert err.startswith("usage: mdesrules")
    (message,) = [line for line in err.splitlines() if "error:" in line]
    assert message == err.splitlines()[-1]
    assert "Traceback" not in err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "--version")
    assert status == 0
    assert out == f"mdesrules {mdesrules.__version__}\n"


def test_help_lists_the_options(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "check", "--help")
    assert status == 0
    for option in ("--operation", "--tokens", "--account-ranges", "--format", "--no-progress"):
        assert option in out


# text format ------------------------------------------------------------------------------


def test_text_report_lines_and_summary(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    two_errors = {"TokenUpdateRequest": {**FAILING["TokenUpdateRequest"], "ExpirationDate": "1327"}}
    text = jsonl(VALID, FAILING, two_errors) + "{oops\n" + jsonl(VALID)
    path = write(tmp_path, "requests.jsonl", text)
    status, out, err = run(capsys, "check", path)
    assert status == 1
    assert err == ""
    lines = out.splitlines()
    assert lines[0] == f"{path}:1  token_update  ok"
    assert lines[1] == f"{path}:2  token_update  FAIL (1 error)"
    assert re.fullmatch(
        r"  error  mutually_exclusive  /TokenUpdateRequest/CurrentAccountPan  \S.*", lines[2]
    )
    assert lines[3] == f"{path}:3  token_update  FAIL (2 errors)"
    assert lines[4].startswith("  error  bad_format  /TokenUpdateRequest/ExpirationDate  ")
    assert lines[5].startswith("  error  mutually_exclusive  ")
    assert lines[6] == f"{path}:4  -  FAIL (1 error)"
    assert lines[7].startswith("  error  malformed_document  /  invalid JSON")
    assert lines[8] == f"{path}:5  token_update  ok"
    assert lines[9:] == [
        "",
        "5 records checked: 2 passed, 3 failed",
        "  2  mutually_exclusive",
        "  1  bad_format",
        "  1  malformed_document",
        "fields most often in violation:",
        "  2  /TokenUpdateRequest/CurrentAccountPan",
        "  1  /",
        "  1  /TokenUpdateRequest/ExpirationDate",
    ]


def test_text_report_of_all_passing(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = write(tmp_path, "requests.jsonl", jsonl(VALID))
    status, out, _ = run(capsys, "check", "--format", "text", path)
    assert status == 0
    assert out == f"{path}:1  token_update  ok\n\n1 record checked: 1 passed, 0 failed\n"


def test_text_report_lists_warnings_beneath_ok(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    search = {"SearchRequest": {"AccountPan": "5412345678908880", "AuditInfo": AUDIT}}
    requests = write(tmp_path, "requests.jsonl", jsonl(search))
    tokens = write(tmp_path, "inventory.jsonl", jsonl(*INVENTORY))
    status, out, _ = run(capsys, "check", "--tokens", tokens, requests)
    assert status == 0
    lines = out.splitlines()
    assert lines[0] == f"{requests}:1  search  ok"
    assert lines[1].startswith("  warning  unknown_token  /SearchRequest/AccountPan  ")
    assert "1 record checked: 1 passed, 0 failed" in lines
    assert "  1  unknown_token" in lines


def test_text_writer_keeps_each_violation_on_one_line() -> None:
    out = io.StringIO()
    violation = mdesrules.Violation("bad_format", "/A", ("/A",), "first\nsecond", "error")
    TextWriter(out).record(Outcome("f.jsonl:7", "search", (violation,)))
    assert (
        out.getvalue()
        == "f.jsonl:7  search  FAIL (1 error)\n  error  bad_format  /A  first second\n"
    )


def test_tally_sorts_codes_by_count_then_name() -> None:
    tally = Tally()
    v = {c: mdesrules.Violation(c, "", ("",), "m") for c in ("b", "a", "c")}
    for outcome in (
        Outcome("x:1", None, (v["c"], v["b"])),
        Outcome("x:2", None, (v["b"], v["a"])),
        Outcome("x:3", None, ()),
    ):
        tally.add(outcome)
    assert (tally.records, tally.passed, tally.failed, tally.exit_status) == (3, 1, 2, 1)
    assert tally.by_count() == [("b", 2), ("a", 1), ("c", 1)]


# robustness -------------------------------------------------------------------------------


def test_an_exception_in_a_check_becomes_that_records_internal_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_rule(*args: Any) -> None:  # FAILING breaks exactly_one_of; VALID none
        raise RuntimeError(f"boom on {PAN}")

    monkeypatch.setattr(ExactlyOneOf, "check", broken_rule)
    path = write(tmp_path, "requests.jsonl", jsonl(VALID, FAILING, VALID))
    status, out, err = run(capsys, "check", "--format", "json", path)
    assert status == 1
    first, broken, last = records(out)
    assert first["ok"] is True
    assert last["ok"] is True
    assert broken["operation"] == "token_update"
    (violation,) = broken["violations"]
    assert violation["code"] == "internal_error"
    assert "RuntimeError" in violation["message"]
    assert PAN not in out + err


def test_an_exception_before_the_check_becomes_that_records_internal_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The operation is told from a record's keys alone, so the command asks once per
    # wrapper key; an exception there is asked again, and reported, for each such record.
    detect = mdesrules.REGISTRY.detect
    other = {"SearchRequest": {"AccountPan": PAN}}

    def broken_detect(document: object) -> mdesrules.Operation | None:
        if isinstance(document, dict) and "SearchRequest" in document:
            raise RuntimeError(f"boom on {PAN}")
        return detect(document)

    monkeypatch.setattr(mdesrules.REGISTRY, "detect", broken_detect)
    path = write(tmp_path, "requests.jsonl", jsonl(VALID, other, VALID, other))
    status, out, err = run(capsys, "check", "--format", "json", path)
    assert status == 1
    first, broken, third, again = records(out)
    assert (first["ok"], third["ok"]) == (True, True)
    for record in (broken, again):
        assert record["operation"] is None
        assert [v["code"] for v in record["violations"]] == ["internal_error"]
    assert PAN not in out + err


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=30), children, max_size=4)
    ),
    max_leaves=20,
)
field_names = st.sampled_from(
    ["TokenUniqueReference", "CurrentAccountPan", "NewAccountPan", "AccountPan", "ExpirationDate",
     "AuditInfo", "ReasonCode", "AccountPanSequenceNumber", "IssuerProductConfigurationId",
     "tokenUniqueReference", "auditInfo", "Token", "CommentText"]
)  # fmt: skip
requests_like = st.dictionaries(
    field_names, json_values | st.sampled_from([PAN, TUR, TUR_DELETED, "0128", AUDIT]), max_size=6
)
documents = st.one_of(
    json_values,
    st.dictionaries(st.sampled_from(mdesrules.REGISTRY.wrappers()), requests_like, max_size=2),
    requests_like,
)  # fmt: skip
CONTEXT = mdesrules.Context(
    mdesrules.Inventory.from_records(INVENTORY), mdesrules.AccountRanges.from_csv(RANGES)
)


@settings(max_examples=400, deadline=None)
@given(
    document=documents,
    forced=st.none() | st.sampled_from(mdesrules.REGISTRY.names()),
    form=st.sampled_from(["json", "xml"]),
    with_context=st.booleans(),
)
def test_no_document_causes_an_internal_error(
    document: object, forced: str | None, form: str, with_context: bool
) -> None:
    op = mdesrules.REGISTRY.get(forced) if forced is not None else None
    if form == "xml":
        root = next(iter(document)) if isinstance(document, dict) and document else "UpdateRequest"
        record = Record("x.xml:1", document, form="xml", root=root)
    else:
        record = Record("x.jsonl:1", document)
    outcome = judge(record, op, CONTEXT if with_context else None)
    assert "internal_error" not in [v.code for v in outcome.violations]


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_any_bytes_on_stdin_give_a_report_not_a_crash(data: bytes) -> None:
    with standard_streams(data) as (out, err):
        status = main(["check", "--format", "json", "-"])
    assert status in (0, 1), err.getvalue()
    assert err.getvalue() == ""
    got = records(out.getvalue())
    assert got, "every input gives at least one record (an empty one is malformed)"
    assert all("internal_error" not in codes(r) for r in got)


def test_no_full_pan_in_any_output(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rng = random.Random(20240613)
    pans = [luhn_pan(rng, rng.randint(12, 19)) for _ in range(60)]
    lines: list[str] = []
    inventory = []
    for i, pan in enumerate(pans):
        other = pans[i - 1]
        tur = f"DWSPMC{i:042d}"
        inventory.append({"tokenUniqueReference": tur, "accountPan": pan, "status": "AD"[i % 2]})
        update = {"AuditInfo": AUDIT}
        documents = [
            {"TokenUpdateRequest": {**update, "TokenUniqueReference": tur, "NewAccountPan": other}},
            {
                "TokenUpdateRequest": {
                    **update,
                    "CurrentAccountPan": pan,
                    "NewAccountPan": pan + "7",
                }
            },
            {"TokenUpdateRequest": {**update, "CurrentAccountPan": other, "ExpirationDate": pan}},
            {"TokenUpdateRequest": {pan: other, "AuditInfo": {**AUDIT, "UserId": pan}}},
            {"SearchRequest": {**update, "AccountPan": pan, "Token": other}},
            {"TokenDeleteRequest": {**update, "TokenUniqueReference": pan, "ReasonCode": other}},
            {pan: {"x": other}},
            {"accountPan": pan},
        ]
        lines += [json.dumps(d) for d in documents]
        lines += [
            f'{{"TokenUpdateRequest": {{"NewAccountPan": "{pan}", {other}',
            f"[{pan}, {other}",
        ]
    requests = write(tmp_path, "requests.jsonl", "\n".join(lines) + "\n")
    xml = write(tmp_path, "legacy.xml", LEGACY_XML.format(current=pans[0], new=pans[1] + "0"))
    tokens = write(tmp_path, "inventory.jsonl", jsonl(*inventory))
    ranges = write(tmp_path, "ranges.csv", "low,high\n5000000000,5499999999\n")
    context = ["--tokens", tokens, "--account-ranges", ranges]
    outputs = []
    for fmt in ("text", "json"):
        status, out, err = run(capsys, "check", "--format", fmt, *context, requests, xml)
        assert status == 1
        outputs.append(out + err)
    bad_inventory = write(tmp_path, "bad.jsonl", jsonl({**inventory[0], "status": pans[2]}))
    status, out, err = run(capsys, "check", "--tokens", bad_inventory, requests)
    assert status == 2
    outputs.append(out + err)
    for pan in pans:
        for output in outputs:
            assert pan not in output


# streaming and memory ---------------------------------------------------------------------


def _batch(n: int) -> str:
    cycle = [json.dumps(VALID), json.dumps(FAILING), "{broken", json.dumps({"Nope": 1})]
    return "\n".join(cycle[i % 4] for i in range(n)) + "\n"


def _peak_bytes(path: str, fmt: str) -> int:
    sink = Sink()
    tracemalloc.start()
    try:
        with mock.patch.object(sys, "stdout", sink):
            status = main(["check", "--format", fmt, "--no-progress", "--jobs", "1", path])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert status == 1
    assert sink.written > 0
    return peak


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["json", "text"])
def test_memory_does_not_grow_with_the_input(
    tmp_path: Path, fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # JSON Lines are read in blocks: make them small, so that both files span many.
    # (Several processes: tests/test_cli_jobs.py measures those from outside.)
    monkeypatch.setenv("_MDESRULES_BLOCK_BYTES", str(32 * 1024))
    small = write(tmp_path, "small.jsonl", _batch(2_000))
    large = write(tmp_path, "large.jsonl", _batch(20_000))
    _peak_bytes(small, fmt)  # warm caches (compiled forms, imports) outside the measure
    small_peak = _peak_bytes(small, fmt)
    large_peak = _peak_bytes(large, fmt)
    # Ten times the records must not cost ten times the memory; a leak of even a few
    # dozen bytes per record (20,000 records) would break this bound.
    assert large_peak < small_peak * 1.5 + 256 * 1024, (small_peak, large_peak)


def test_each_result_is_written_before_the_next_record_is_read(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The records of a JSON array or XML file; JSON Lines go block by block, and
    # tests/test_cli_jobs.py shows that a block's results are written before the
    # blocks far behind it are read.
    written: list[str] = []

    def records_seen() -> Iterator[Record]:
        for n in range(1, 4):
            assert len(written) == n - 1  # the previous record's result is already out
            yield Record(f"gen:{n}", VALID)

    class Recorder(io.StringIO):
        def write(self, text: str) -> int:
            written.append(text)
            return len(text)

    monkeypatch.setattr(
        "mdesrules.cli._check.read_input", lambda path, stdin, block_bytes: records_seen()
    )
    monkeypatch.setattr("mdesrules.cli._check._preflight", lambda paths: None)
    monkeypatch.setattr(sys, "stdout", Recorder())
    assert main(["check", "--format", "json", "anything"]) == 0
    assert len(written) == 3


# progress ---------------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_progress_redraws_at_most_every_interval_and_clears_at_the_end() -> None:
    stream, output, clock = Terminal(), io.StringIO(), Clock()
    progress = Progress(stream, output, enabled=True, interval=1.0, clock=clock)
    for n in range(1, 11):
        clock.now += 0.25  # four ticks per interval
        progress.tick(f"f.jsonl:{n}")
    drawn = stream.getvalue()
    assert drawn.count("\r\x1b[K") == 2
    assert "mdesrules: 4 records, 4/s, at f.jsonl:4" in drawn
    assert "mdesrules: 8 records, 4/s, at f.jsonl:8" in drawn
    assert "\n" not in drawn
    progress.close()
    assert stream.getvalue().endswith("\r\x1b[K")
    progress.tick("f.jsonl:11")
    clock.now += 1
    progress.tick("f.jsonl:12")
    assert stream.getvalue().count("mdesrules:") == 2  # nothing after close


def test_progress_hides_before_output_and_flushes_output_before_drawing() -> None:
    events: list[str] = []

    class Output(io.StringIO):
        def flush(self) -> None:
            events.append("flush output")

    class Stream(Terminal):
        def write(self, text: str) -> int:
            events.append("draw" if "records" in text else "clear")
            return len(text)

    clock = Clock()
    progress = Progress(Stream(), Output(), enabled=True, interval=0.2, clock=clock)
    progress.hide()
    clock.now += 1
    progress.tick("f:1")
    progress.hide()
    progress.hide()
    assert events == ["flush output", "draw", "clear"]


def test_progress_only_on_a_terminal_stderr_with_stdout_elsewhere() -> None:
    assert Progress.for_terminal(Terminal(), io.StringIO(), wanted=True)._enabled
    assert not Progress.for_terminal(Terminal(), io.StringIO(), wanted=False)._enabled
    assert not Progress.for_terminal(io.StringIO(), io.StringIO(), wanted=True)._enabled
    assert not Progress.for_terminal(Terminal(), Terminal(), wanted=True)._enabled


@pytest.mark.parametrize("flag", [[], ["--no-progress"]])
def test_progress_never_disturbs_the_report(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, flag: list[str]
) -> None:
    path = write(tmp_path, "requests.jsonl", _batch(3_000))
    err, out = Terminal(), io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    monkeypatch.setattr(sys, "stdout", out)
    assert main(["check", "--format", "json", *flag, path]) == 1
    assert len(out.getvalue().splitlines()) == 3_000
    if flag:
        assert err.getvalue() == ""
    else:
        assert "\n" not in err.getvalue()
        assert err.getvalue() == "" or err.getvalue().endswith("\r\x1b[K")  # drawn, cleared


# a real process ---------------------------------------------------------------------------


def _command(*argv: str) -> list[str]:
    return [sys.executable, "-m", "mdesrules", *argv]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


@pytest.mark.slow
def test_the_command_runs_as_a_process(tmp_path: Path) -> None:
    path = write(tmp_path, "requests.jsonl", jsonl(VALID, FAILING))
    done = subprocess.run(
        _command("check", "--format", "json", path),
        capture_output=True,
        text=True,
        env=_env(),
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr == ""
    assert [r["ok"] for r in records(done.stdout)] == [True, False]

    done = subprocess.run(
        _command("check", str(tmp_path / "missing.jsonl")),
        capture_output=True,
        text=True,
        env=_env(),
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert "Traceback" not in done.stderr


@pytest.mark.slow
def test_a_closed_pipe_ends_the_run_quietly(tmp_path: Path) -> None:
    path = write(tmp_path, "large.jsonl", _batch(20_000))
    with subprocess.Popen(
        _command("check", "--format", "json", path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(),
    ) as process:
        assert process.stdout is not None
        assert process.stderr is not None
        assert json.loads(process.stdout.readline())["source"] == f"{path}:1"
        process.stdout.close()  # as `| head -1` does
        err = process.stderr.read()
        status = process.wait(timeout=60)
    assert err == b""
    assert status == 141


@pytest.mark.slow
@pytest.mark.parametrize(
    ("stop", "expected", "said"),
    [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated (SIGTERM)")],
)
def test_an_interrupt_says_where_the_run_stopped(
    tmp_path: Path, stop: signal.Signals, expected: int, said: str
) -> None:
    path = write(tmp_path, "large.jsonl", _batch(20_000))
    with subprocess.Popen(
        _command("check", "--format", "json", path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(),
    ) as process:
        assert process.stdout is not None
        assert process.stderr is not None
        process.stdout.readline()  # the run is under way; the full pipe now holds it
        process.send_signal(stop)
        out = process.stdout.read().decode()
        err = process.stderr.read().decode()
        status = process.wait(timeout=60)
    assert status == expected
    # One line, no traceback, naming the last record completed: the one the report ends with.
    assert err.count("\n") == 1
    match = re.fullmatch(
        rf"mdesrules: {re.escape(said)} after ([0-9,]+) records?; the last one completed is "
        rf"{re.escape(path)}:([0-9]+); the records after it were not checked and the report "
        r"is incomplete\n",
        err,
    )
    assert match is not None, err
    assert out.endswith("\n")  # no partial record line
    reported = len(out.splitlines()) + 1  # + the line read above
    assert int(match.group(1).replace(",", "")) == reported
    assert int(match.group(2)) == reported
