"""The batch report at scale: failures only, array element sources, the summary by code and
field, and the progress line's percentage and time left."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import pytest

from mdesrules.cli import main
from mdesrules.cli._outcome import Outcome
from mdesrules.cli._output import TextWriter
from mdesrules.cli._progress import Progress
from mdesrules.cli._tally import MAX_PATHS, Tally
from mdesrules.violations import Violation

TUR = "DWSPMC00000000010906a349d9ca4eb1a4d53e3c90a11d9c"
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
# Fails one rule: a month 13.
FAILING = {"TokenUpdateRequest": {**VALID["TokenUpdateRequest"], "ExpirationDate": "1328"}}


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def _jsonl(tmp_path: Path, *documents: object) -> str:
    path = tmp_path / "requests.jsonl"
    path.write_text("".join(json.dumps(d) + "\n" for d in documents), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("flag", ["--failures-only", "--quiet", "-q"])
def test_failures_only_leaves_out_passing_records_and_keeps_the_summary(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    flag: str,
    jobs: str,
) -> None:
    monkeypatch.setenv("_MDESRULES_BLOCK_BYTES", "64")  # many blocks: the pool is used
    path = _jsonl(tmp_path, VALID, FAILING, VALID, VALID, FAILING)
    status, out, _ = _run(capsys, "check", "--jobs", jobs, flag, "--no-progress", path)
    assert status == 1
    assert " ok" not in out
    record_lines = [line for line in out.splitlines() if line.startswith(path)]
    assert record_lines == [
        f"{path}:2  token_update  FAIL (1 error)",
        f"{path}:5  token_update  FAIL (1 error)",
    ]
    assert "5 records checked: 3 passed, 2 failed" in out


def test_failures_only_in_json_lines_and_for_an_array(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    array = tmp_path / "batch.json"
    array.write_text(json.dumps([VALID, FAILING, VALID]), encoding="utf-8")
    status, out, _ = _run(capsys, "check", "--format", "json", "--failures-only", str(array))
    assert status == 1
    assert [json.loads(line)["source"] for line in out.splitlines()] == [f"{array}:1[1]"]


def test_failures_only_of_a_passing_batch_is_the_summary_alone(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = _jsonl(tmp_path, VALID, VALID)
    status, out, _ = _run(capsys, "check", "-q", path)
    assert status == 0
    assert out == "\n2 records checked: 2 passed, 0 failed\n"


def test_each_element_of_a_one_line_array_has_its_own_source(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    array = tmp_path / "batch.json"
    array.write_text(json.dumps([VALID, FAILING, 42]), encoding="utf-8")
    _, out, _ = _run(capsys, "check", "--format", "json", str(array))
    assert [json.loads(line)["source"] for line in out.splitlines()] == [
        f"{array}:1[0]",
        f"{array}:1[1]",
        f"{array}:1[2]",
    ]


def test_the_text_summary_lists_the_fields_that_fail_most(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    no_audit = {
        "TokenUpdateRequest": {
            k: v for k, v in FAILING["TokenUpdateRequest"].items() if k != "AuditInfo"
        }
    }
    path = _jsonl(tmp_path, FAILING, FAILING, no_audit, VALID)
    _, out, _ = _run(capsys, "check", "-q", path)
    summary = out[out.index("fields most often in violation:") :].splitlines()
    assert summary == [
        "fields most often in violation:",
        "  3  /TokenUpdateRequest/ExpirationDate",
        "  1  /TokenUpdateRequest/AuditInfo",
    ]


def _violation(path: str) -> Violation:
    return Violation(code="required", path=path, fields=(path,), message="m", severity="error")


def test_fields_are_counted_with_array_indexes_folded_and_bounded() -> None:
    tally = Tally()
    tally.add(
        Outcome("f:1", "op", (_violation("/A/0/B"), _violation("/A/12/B"), _violation("/A/3")))
    )
    assert tally.fields_by_count(10) == [("/A/*/B", 2), ("/A/*", 1)]
    many = Tally()
    for n in range(MAX_PATHS + 50):
        many.add(Outcome(f"f:{n}", "op", (_violation(f"/F{n}"),)))
    assert len(many.fields) == MAX_PATHS
    assert many.codes["required"] == MAX_PATHS + 50  # every violation still counted by code
    merged = Tally()
    merged.merge(many)
    merged.merge(tally)
    assert len(merged.fields) == MAX_PATHS


def test_the_summary_shows_ten_fields_at_most() -> None:
    tally = Tally()
    for n in range(15):
        tally.add(Outcome(f"f:{n}", "op", tuple(_violation(f"/F{n:02d}") for _ in range(n + 1))))
    out = io.StringIO()
    TextWriter(out).finish(tally)
    lines = out.getvalue().split("fields most often in violation:\n")[1].splitlines()
    assert len(lines) == 10
    assert lines[0] == "  15  /F14"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_progress_shows_the_share_done_and_the_time_left_when_the_size_is_known() -> None:
    stream, clock = _Terminal(), _Clock()
    progress = Progress(
        stream, io.StringIO(), enabled=True, interval=1.0, clock=clock, total_bytes=4000
    )
    clock.now = 10.0
    progress.advance(500, "f.jsonl:500", 1000)  # a quarter in 10 s: 30 s left
    assert "mdesrules: 500 records, 50/s, 25%, 30s left, at f.jsonl:500" in stream.getvalue()
    clock.now = 200.0
    progress.advance(100, "f.jsonl:600", 1000)  # half in 200 s: 200 s left
    assert "50%, 3m20s left" in stream.getvalue()


def test_progress_without_a_known_size_shows_no_percentage() -> None:
    stream, clock = _Terminal(), _Clock()
    progress = Progress(stream, io.StringIO(), enabled=True, interval=1.0, clock=clock)
    clock.now = 2.0
    progress.advance(10, "<stdin>:10", 100)
    assert stream.getvalue().endswith("mdesrules: 10 records, 5/s, at <stdin>:10")


def test_progress_counts_a_whole_file_when_it_is_done(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_bytes(b"[1, 2]" + b" " * 94)  # 100 bytes
    stream, clock = _Terminal(), _Clock()
    progress = Progress(
        stream, io.StringIO(), enabled=True, interval=1.0, clock=clock, total_bytes=400
    )
    progress.file_done(str(path))
    clock.now = 5.0
    progress.tick("b.json:1[0]")
    assert "25%, 15s left" in stream.getvalue()


# Common mistakes: one clear record instead of a flood --------------------------------------


def _check_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str, data: bytes
) -> tuple[int, list[dict[str, object]]]:
    path = tmp_path / name
    path.write_bytes(data)
    status, out, _ = _run(capsys, "check", "--format", "json", str(path))
    return status, [json.loads(line) for line in out.splitlines()]


def _messages(got: list[dict[str, object]]) -> list[str]:
    return [v["message"] for r in got for v in r["violations"]]  # type: ignore[attr-defined]


LINES = b"".join(json.dumps(d).encode() + b"\n" for d in [VALID, FAILING] * 20)


@pytest.mark.parametrize(
    "name", ["requests.jsonl.gz", "requests.jsonl", "requests.gz", "requests.txt"]
)
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_gzip_input_is_read_through(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    jobs: str,
) -> None:
    # By its name (.gz) or by its first bytes (1f 8b); with workers too, which must not
    # take the compressed file's bytes for lines.
    monkeypatch.setenv("_MDESRULES_BLOCK_BYTES", "256")
    path = tmp_path / name
    path.write_bytes(gzip.compress(LINES))
    status, out, _ = _run(capsys, "check", "--format", "json", "--jobs", jobs, str(path))
    assert status == 1
    got = [json.loads(line) for line in out.splitlines()]
    assert [r["ok"] for r in got] == [True, False] * 20
    assert [r["source"] for r in got] == [f"{path}:{n}" for n in range(1, 41)]


def test_a_gzip_array_is_read_as_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "batch.json.gz"
    path.write_bytes(gzip.compress(json.dumps([VALID, FAILING]).encode()))
    status, out, _ = _run(capsys, "check", "--format", "json", str(path))
    assert status == 1
    assert [json.loads(line)["source"] for line in out.splitlines()] == [
        f"{path}:1[0]",
        f"{path}:1[1]",
    ]


def test_gzip_on_standard_input_is_told_by_its_magic_bytes(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    stdin = io.TextIOWrapper(io.BytesIO(gzip.compress(LINES)))
    monkeypatch.setattr("sys.stdin", stdin)
    status, out, _ = _run(capsys, "check", "--format", "json", "-")
    assert status == 1
    assert len(out.splitlines()) == 40


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (
            gzip.compress(LINES)[:-10],
            "the gzip data is cut short or corrupt here; the rest of the input is not read",
        ),
        (b"not gzip at all", "the input is not valid gzip data; the rest of it is not read"),
    ],
)
def test_broken_gzip_ends_with_one_malformed_record(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, data: bytes, why: str
) -> None:
    path = tmp_path / "requests.jsonl.gz"
    path.write_bytes(data)
    status, out, err = _run(capsys, "check", "--format", "json", "--jobs", "1", str(path))
    assert status == 1
    assert err == ""
    got = [json.loads(line) for line in out.splitlines()]
    # The records read before the break, then one saying where reading stopped.
    assert got[-1]["violations"][0]["message"] == why
    assert got[-1]["source"] == f"{path}:{len(got)}"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_a_utf16_file_is_one_record_that_says_so(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, encoding: str
) -> None:
    data = LINES.decode().encode(encoding)
    status, got = _check_file(capsys, tmp_path, "requests.jsonl", data)
    assert status == 1
    assert len(got) == 1
    assert "UTF-16" in _messages(got)[0]


def test_pretty_printed_json_in_a_jsonl_file_is_read_as_json(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data = json.dumps([VALID, FAILING], indent=2).encode()
    status, got = _check_file(capsys, tmp_path, "requests.jsonl", data)
    assert status == 1
    # Its two elements, checked, rather than a malformed record for each of its lines.
    assert [(r["operation"], r["ok"]) for r in got] == [
        ("token_update", True),
        ("token_update", False),
    ]
    one = json.dumps(VALID, indent=2).encode()
    status, got = _check_file(capsys, tmp_path, "one.jsonl", one)
    assert status == 0
    assert [r["source"] for r in got] == [f"{tmp_path / 'one.jsonl'}:1"]


def test_a_one_line_array_in_a_jsonl_file_says_what_it_is(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data = json.dumps([VALID, FAILING, VALID]).encode() + b"\n"
    status, got = _check_file(capsys, tmp_path, "requests.jsonl", data)
    assert status == 1
    (message,) = _messages(got)
    assert "found a JSON array of 3 elements" in message
    assert "put an array in a .json file, or one object per line" in message


@pytest.mark.parametrize(
    ("document", "found"),
    [
        ({"TokenUpdateRequest": {}, "TokenDeleteRequest": {}}, "found 2 wrapper keys"),
        ({"a": 1, "b": 2}, "found an object of 2 keys, none of them a wrapper key"),
        (42, "found a JSON number"),
        (None, "found JSON null"),
        ({}, "found an empty JSON object"),
        ({"5412345678901232": {}}, "found an object whose only key '541234******1232'"),
    ],
)
def test_unknown_operation_says_what_it_found(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, document: object, found: str
) -> None:
    data = json.dumps(document).encode() + b"\n"
    _, got = _check_file(capsys, tmp_path, "requests.jsonl", data)
    (message,) = _messages(got)
    assert found in message
    assert "5412345678901232" not in message
    assert len(message) < 300
