"""The HTML batch report of ``mdesrules check`` (``--format html``, ``--html FILE``): what
the page shows, that it loads nothing and escapes every text, that it holds no PAN of the
input, that it is the same whatever ``--jobs``, that ``--html FILE`` is written whole or
not at all, and that a 100,000-record batch's page renders in headless Chromium."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from browser import chromium, chromium_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies_pan import TUR as CLEAN_TUR
from strategies_pan import assert_no_exposure, luhn_ok

import mdesrules
from mdesrules._xml import DATACONTRACT_NS
from mdesrules.cli import _check, _readers, main
from mdesrules.cli._blocks import BlockChecker
from mdesrules.cli._html import FAILING_SHOWN
from mdesrules.cli._outcome import Outcome
from mdesrules.cli._readers import InputError
from mdesrules.cli._tally import MAX_KEPT_TEXT, MAX_KEPT_VIOLATIONS, Tally
from mdesrules.testing import luhn_pans
from mdesrules.violations import Violation

ROOT = Path(mdesrules.__file__).resolve().parent.parent
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
# One error each: a month 13; AuditInfo missing.
BAD_MONTH = {"TokenUpdateRequest": {**VALID["TokenUpdateRequest"], "ExpirationDate": "1328"}}
NO_AUDIT = {
    "TokenUpdateRequest": {k: v for k, v in VALID["TokenUpdateRequest"].items() if k != "AuditInfo"}
}
SUSPEND = {
    "TokenSuspendRequest": {"TokenUniqueReference": TUR, "ReasonCode": "L", "AuditInfo": AUDIT}
}


# Reading the page ------------------------------------------------------------------------


class Page(HTMLParser):
    """What a page shows, read back from its HTML: the totals, each chart's rows, the
    operations table, the failing records with their violations, the stopped line."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.totals: dict[str, int] = {}
        self.charts: dict[str, list[tuple[str, int]]] = {}
        self.warned: dict[str, int] = {}  # the warnings of each code in the chart of codes
        self.operations: list[list[str]] = []
        self.inputs: list[list[str]] = []
        self.failures: list[tuple[str, str, list[list[str]]]] = []  # source, heading, rows
        self.stopped = ""
        self.verdict = ""
        self._stack: list[tuple[str, dict[str, str | None]]] = []
        self._section = ""
        self._chart = ""
        self._count = 0
        self._warnings = 0
        self._text: list[str] | None = None
        self._row: list[str] | None = None
        self._total = ""
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "section":
            self._section = a.get("id") or ""
        elif tag == "svg":
            self._chart = (a.get("id") or "").removeprefix("chart-")
            self.charts[self._chart] = []
        elif tag == "g" and self._chart:
            self._count = int(a["data-count"] or 0)
            self._warnings = int(a["data-warnings"] or 0)
        elif tag == "text" and a.get("class") == "label":
            self._text = []
        elif tag == "div" and self._section == "totals":
            self._total = a.get("class") or ""
        elif tag == "dd":
            self._text = []
        elif tag == "article":
            self.failures.append(("", "", []))
        elif tag == "h3" and self.failures:
            self._text = []
        elif tag == "tr" and self._section in ("operations", "inputs", "failures"):
            self._row = []
        elif tag == "td" and self._row is not None:
            self._text = []
        elif tag == "p" and a.get("id") in ("stopped", "verdict"):
            self._text = []
            self._total = a["id"] or ""

    def handle_endtag(self, tag: str) -> None:
        text = "".join(self._text or [])
        if tag == "svg":
            self._chart = ""
        elif tag == "text" and self._text is not None and self._chart:
            self.charts[self._chart].append((text, self._count))
            if self._chart == "codes" and self._warnings:
                self.warned[text] = self._warnings
            self._text = None
        elif tag == "dd":
            self.totals[self._total] = int(text.replace(",", ""))
            self._text = None
        elif tag == "h3" and self._text is not None:
            source = text.split(" ", 1)[0]
            self.failures[-1] = (source, text, [])
            self._text = None
        elif tag == "td" and self._row is not None:
            self._row.append(text)
            self._text = None
        elif tag == "tr" and self._row:
            if self._section == "operations":
                self.operations.append(self._row)
            elif self._section == "inputs":
                self.inputs.append(self._row)
            else:
                self.failures[-1][2].append(self._row)
            self._row = None
        elif tag == "p" and self._text is not None and self._total in ("stopped", "verdict"):
            setattr(self, self._total, text)
            self._text = None

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)


def _main(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with mock.patch.object(sys, "stdout", out), mock.patch.object(sys, "stderr", err):
        status = main(list(argv))
    return status, out.getvalue(), err.getvalue()


def _jsonl(path: Path, *documents: object) -> str:
    path.write_text("".join(json.dumps(d) + "\n" for d in documents), encoding="utf-8")
    return str(path)


def _html(*argv: str) -> tuple[int, Page, str]:
    status, out, err = _main("check", "--format", "html", "--no-progress", *argv)
    assert err == ""
    return status, Page(out), out


# What the page shows -------------------------------------------------------------------


def test_the_page_shows_totals_charts_operations_and_the_failing_records(
    tmp_path: Path,
) -> None:
    lines = _jsonl(
        tmp_path / "requests.jsonl", VALID, BAD_MONTH, NO_AUDIT, SUSPEND, BAD_MONTH, {"Nope": 1}
    )
    array = tmp_path / "batch.json"
    array.write_text(json.dumps([VALID, BAD_MONTH]), encoding="utf-8")
    status, page, out = _html(lines, str(array))
    assert status == 1
    assert out.startswith("<!DOCTYPE html>\n")
    assert out.endswith("</html>\n")  # the page, and no line per record
    assert page.verdict == "5 of 8 records failed"
    assert page.totals == {
        "records": 8,
        "passed": 3,
        "failed": 5,
        "errors": 5,
        "warnings": 0,
        "operations": 2,
        "inputs": 2,
    }
    assert page.charts["codes"] == [
        ("bad_format", 3),
        ("missing_required", 1),
        ("unknown_operation", 1),
    ]
    assert page.charts["fields"] == [
        ("/TokenUpdateRequest/ExpirationDate", 3),
        ("/", 1),
        ("/TokenUpdateRequest/AuditInfo", 1),
    ]
    assert page.operations == [
        ["token_update", "6", "4"],
        ["token_suspend", "1", "0"],
        ["none told (malformed or unknown)", "1", "1"],
    ]
    assert page.inputs == [[lines, "6"], [str(array), "2"]]
    assert [(source, [row[:3] for row in rows]) for source, _, rows in page.failures] == [
        (f"{lines}:2", [["error", "bad_format", "/TokenUpdateRequest/ExpirationDate"]]),
        (f"{lines}:3", [["error", "missing_required", "/TokenUpdateRequest/AuditInfo"]]),
        (f"{lines}:5", [["error", "bad_format", "/TokenUpdateRequest/ExpirationDate"]]),
        (f"{lines}:6", [["error", "unknown_operation", "/"]]),
        (f"{array}:1[1]", [["error", "bad_format", "/TokenUpdateRequest/ExpirationDate"]]),
    ]
    heading = page.failures[0][1]
    assert heading == f"{lines}:2 token_update FAIL (1 error)"
    message = page.failures[0][2][0][3]
    assert message == "ExpirationDate must be a date as MMYY with month 01-12"


def test_the_charts_count_what_the_text_summary_counts(tmp_path: Path) -> None:
    documents = [BAD_MONTH, NO_AUDIT, VALID, {"TokenUpdate": {}}, BAD_MONTH, SUSPEND] * 7
    path = _jsonl(tmp_path / "requests.jsonl", *documents)
    _, text, _ = _main("check", "-q", "--no-progress", path)
    summary = text[text.index("records checked") :].splitlines()[1:]
    by_code = [line.split() for line in summary[: summary.index("fields most often in violation:")]]
    _, page, _ = _html(path)
    assert [(code, int(count)) for count, code in by_code] == page.charts["codes"]


def test_a_passing_batch_says_so(tmp_path: Path) -> None:
    status, page, out = _html(_jsonl(tmp_path / "ok.jsonl", VALID, SUSPEND))
    assert status == 0
    assert page.verdict == "all 2 records passed"
    assert page.charts == {}
    assert page.failures == []
    assert out.count("No violations.") == 2
    assert "No record failed." in out


def test_warnings_are_counted_and_shown_at_the_end_of_their_bar(tmp_path: Path) -> None:
    tokens = _jsonl(
        tmp_path / "tokens.jsonl", {"tokenUniqueReference": TUR, "accountPan": PAN, "status": "A"}
    )
    unknown = {"SearchRequest": {"AccountPan": "5412345678908880", "AuditInfo": AUDIT}}
    path = _jsonl(tmp_path / "r.jsonl", unknown, unknown, VALID)
    status, page, out = _html("--tokens", tokens, path)
    assert status == 0
    assert page.verdict == "all 3 records passed"
    assert (page.totals["errors"], page.totals["warnings"]) == (0, 2)
    assert page.charts["codes"] == [("unknown_token", 2)]
    assert page.warned == {"unknown_token": 2}
    assert out.count('<rect class="bar-warning"') == 1
    assert "2 (warnings)</text>" in out
    _, one, _ = _html(_jsonl(tmp_path / "one.jsonl", VALID))
    assert one.verdict == "the one record passed"


def test_the_html_file_is_written_beside_the_usual_report(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "requests.jsonl", VALID, BAD_MONTH, NO_AUDIT)
    target = tmp_path / "report.html"
    for fmt in ("text", "json"):
        plain = _main("check", "--format", fmt, "--no-progress", path)
        both = _main("check", "--format", fmt, "--no-progress", "--html", str(target), path)
        assert both == plain  # stdout, stderr and status as without --html
        _, page_alone, _ = _main("check", "--format", "html", "--no-progress", path)
        assert target.read_text(encoding="utf-8") == page_alone
        target.unlink()
    assert sorted(os.listdir(tmp_path)) == ["requests.jsonl"]  # no temporary file left


def test_the_page_loads_nothing_and_its_policy_allows_its_style_alone(tmp_path: Path) -> None:
    _, _, out = _html(_jsonl(tmp_path / "r.jsonl", VALID, BAD_MONTH))
    assert not re.search(r"""(src|href|action)\s*=|https?:|//|@import|url\(|<script|<link""", out)
    policy = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', out)
    assert policy is not None
    rules = dict(part.strip().split(" ", 1) for part in policy.group(1).split(";"))
    assert rules["default-src"] == "'none'"
    assert rules["script-src"] == "'none'"
    styles = re.findall(r"<style>(.*?)</style>", out, re.S)
    assert len(styles) == 1
    digest = base64.b64encode(hashlib.sha256(styles[0].encode()).digest()).decode()
    assert rules["style-src"] == f"'sha256-{digest}'"
    assert ' style="' not in out  # an inline style attribute would be refused


def test_every_text_is_escaped(tmp_path: Path) -> None:
    hostile = '<img src=x onerror="alert(1)">&amp;'
    name = tmp_path / 'a<b>&"c.jsonl'
    inner = {**VALID["TokenUpdateRequest"], hostile: "<script>alert(2)</script>"}
    path = _jsonl(name, {"TokenUpdateRequest": inner}, {f"<script>{hostile}": {}})
    status, page, out = _html(path)
    assert status == 1
    for raw in ("<img", "<script", "<b>", 'onerror="'):
        assert raw not in out
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;amp;" in out
    assert page.inputs == [[path, "2"]]  # read back unescaped: the name as given
    assert page.failures[0][0] == f"{path}:1"
    assert page.failures[0][2][0][2] == f"/TokenUpdateRequest/{hostile}"


def test_the_page_lists_the_first_failing_records_only(tmp_path: Path) -> None:
    documents = [VALID if n % 5 == 0 else BAD_MONTH for n in range(1, 301)]  # 240 failing
    status, page, out = _html(_jsonl(tmp_path / "many.jsonl", *documents))
    assert status == 1
    assert page.totals["failed"] == 240
    assert len(page.failures) == FAILING_SHOWN
    sources = [int(source.rsplit(":", 1)[1]) for source, _, _ in page.failures]
    assert sources == [n for n in range(1, 301) if n % 5][:FAILING_SHOWN]
    assert f"The first {FAILING_SHOWN} of 240 failing records, in input order." in out


def test_records_reported_alike_are_each_listed_with_their_source_and_violations(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A failing record found as the one before it, or as an earlier one, takes that one's
    # report text (mdesrules/cli/_blocks.py); on the page it is listed all the same, with
    # its own source and the violations its JSON Lines report gives, whatever --jobs.
    monkeypatch.setenv("_MDESRULES_BLOCK_BYTES", "700")  # many blocks: the pool is used
    runs = [BAD_MONTH] * 3 + [NO_AUDIT] * 2 + [BAD_MONTH, VALID, NO_AUDIT, {"x": 1}]
    path = _jsonl(tmp_path / "alike.jsonl", *(runs * 4))
    status, out, _ = _main("check", "--format", "json", "--jobs", "1", path)
    assert status == 1
    expected = [
        (
            report["source"],
            [
                [v["severity"], v["code"], v["path"] or "/", v["message"]]
                for v in report["violations"]
            ],
        )
        for report in map(json.loads, out.splitlines())
        if not report["ok"]
    ]
    assert len(expected) == 8 * 4
    for jobs in ("1", "2"):
        status, page, _ = _html("--jobs", jobs, path)
        assert status == 1
        assert [(source, rows) for source, _, rows in page.failures] == expected


def test_a_record_with_many_violations_shows_the_first_ones(tmp_path: Path) -> None:
    inner = {**VALID["TokenUpdateRequest"], **{f"Extra{n:02d}": "x" for n in range(60)}}
    _, page, out = _html(_jsonl(tmp_path / "wide.jsonl", {"TokenUpdateRequest": inner}))
    _, heading, rows = page.failures[0]
    assert heading.endswith("FAIL (60 errors)")
    assert len(rows) == MAX_KEPT_VIOLATIONS
    assert "and 10 more violations" in out


def test_a_kept_record_holds_its_texts_cut_to_size(tmp_path: Path) -> None:
    long = Violation("unknown_field", "/A/" + "K" * 5000, ("/A/" + "K" * 5000,), "m" * 5000)
    tally = Tally(keep=1)
    tally.add(Outcome("f:1", "op", (long,)))
    kept = tally.failures[0].violations[0]
    for text in (kept.message, kept.path, kept.fields[0]):
        assert len(text) == MAX_KEPT_TEXT
        assert text.endswith("\u2026")
    # A long unknown key reaches the page cut (the check itself shortens it already).
    key = "K" * 5000
    inner = {**VALID["TokenUpdateRequest"], key: "x"}
    _, page, out = _html(_jsonl(tmp_path / "long.jsonl", {"TokenUpdateRequest": inner}))
    assert page.failures[0][2][0][1] == "unknown_field"
    assert "K" * 200 not in out


# Bounded counts and the same page whatever --jobs -----------------------------------------


def _failing(source: str, *codes: str) -> Outcome:
    return Outcome(source, "op", tuple(Violation(c, "/A", ("/A",), "m") for c in codes))


def test_a_tally_keeps_the_first_failing_records_across_parts() -> None:
    first, second = Tally(keep=3), Tally(keep=3)
    first.add(_failing("f:1", "a"))
    first.add(Outcome("f:2", "op", (Violation("w", "/B", ("/B",), "m", "warning"),)))
    for n in range(3, 8):
        second.add(_failing(f"f:{n}", "b", "c"))
    assert [f.source for f in second.failures] == ["f:3", "f:4", "f:5"]
    first.merge(second)
    assert [f.source for f in first.failures] == ["f:1", "f:3", "f:4"]
    assert (first.records, first.passed, first.errors, first.warnings) == (7, 1, 11, 1)
    assert first.operations == {"op": 7}
    assert first.failed_operations == {"op": 6}
    unkept = Tally()
    unkept.add(_failing("f:1", "a"))
    assert unkept.failures == []  # the text and JSON reports keep no record


LEGACY_XML = (
    '<UpdateRequest xmlns="http://schemas.datacontract.org/2004/07/MDES.CustomerService.Models">'
    "<AuditInfo><Organization>Any Bank</Organization><UserId>A1435477</UserId>"
    "<UserName>John Smith</UserName></AuditInfo>"
    f"<CurrentAccountPan>{PAN}</CurrentAccountPan>"
    "<ExpirationDate>1329</ExpirationDate></UpdateRequest>"
)


@pytest.fixture
def mixed(tmp_path: Path) -> list[str]:
    """JSON Lines around an array and an XML file, with more failing records than the page
    lists, so that the records it shows come from many blocks."""
    cycle = [VALID, BAD_MONTH, NO_AUDIT, SUSPEND, {"x": 1}]
    a = _jsonl(tmp_path / "a.jsonl", *(cycle[n % 5] for n in range(400)))
    b = tmp_path / "b.json"
    b.write_text(json.dumps([BAD_MONTH, VALID] * 10), encoding="utf-8")
    c = tmp_path / "c.xml"
    c.write_text(LEGACY_XML, encoding="utf-8")
    return [a, str(b), str(c), a]


def test_the_page_is_the_same_whatever_jobs(
    mixed: list[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("_MDESRULES_BLOCK_BYTES", "700")  # many blocks: the pool is used
    pages = {}
    for jobs in ("1", "2", "3"):
        target = tmp_path / f"jobs{jobs}.html"
        status, out, err = _main(
            "check", "--format", "html", "--jobs", jobs, "--html", str(target), *mixed
        )
        assert (status, err) == (1, "")
        assert target.read_text(encoding="utf-8") == out
        pages[jobs] = out
    assert pages["2"] == pages["1"]
    assert pages["3"] == pages["1"]
    page = Page(pages["1"])
    assert page.totals["records"] == 400 + 20 + 1 + 400
    assert len(page.failures) == FAILING_SHOWN


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


@pytest.mark.slow
def test_the_page_is_the_same_whatever_jobs_in_worker_processes(mixed: list[str]) -> None:
    runs = {
        jobs: subprocess.run(
            [sys.executable, "-m", "mdesrules", "check", "--format", "html", "--jobs", jobs,
             *mixed],
            capture_output=True,
            env={**_env(), "_MDESRULES_BLOCK_BYTES": "300"},
            timeout=120,
            check=False,
        )
        for jobs in ("1", "2", "3")
    }  # fmt: skip
    assert runs["1"].returncode == 1
    assert runs["1"].stderr == b""
    for jobs, run in runs.items():
        assert run.stdout == runs["1"].stdout, jobs


# --html FILE: whole or not at all ----------------------------------------------------------


def _stop_at(monkeypatch: pytest.MonkeyPatch, calls: int) -> None:
    """Ctrl-C while the record after *calls* records of a JSON array is being checked."""
    kind_of_document = BlockChecker.kind_of_document
    seen = 0

    def checking(self: BlockChecker, document: object) -> object:
        nonlocal seen
        seen += 1
        if seen > calls:
            raise KeyboardInterrupt
        return kind_of_document(self, document)

    monkeypatch.setattr(BlockChecker, "kind_of_document", checking)


def test_an_interrupted_run_writes_the_page_of_what_it_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    array = tmp_path / "batch.json"
    array.write_text(json.dumps([VALID, BAD_MONTH, VALID, BAD_MONTH]), encoding="utf-8")
    target = tmp_path / "report.html"
    _stop_at(monkeypatch, 2)
    status, out, err = _main("check", "--format", "html", "--html", str(target), str(array))
    assert status == 130
    sentence = (
        f"interrupted after 2 records; the last one completed is {array}:1[1]; the records "
        "after it were not checked and the report is incomplete"
    )
    assert err == f"mdesrules: {sentence}\n"
    assert target.read_text(encoding="utf-8") == out
    page = Page(out)
    assert page.stopped == sentence[0].upper() + sentence[1:] + "."
    assert page.verdict == "1 record failed in the 2 checked"
    assert page.totals["records"] == 2
    assert [source for source, _, _ in page.failures] == [f"{array}:1[1]"]


def test_a_run_that_fails_leaves_the_file_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _jsonl(tmp_path / "requests.jsonl", VALID, BAD_MONTH)
    target = tmp_path / "report.html"
    target.write_text("the report of yesterday", encoding="utf-8")
    read_input = _readers.read_input

    def failing_read(path: str, *args: Any) -> Iterator[object]:
        yield from read_input(path, *args)
        raise InputError(f"cannot read {path}: Input/output error")

    monkeypatch.setattr(_check, "read_input", failing_read)
    status, _, err = _main("check", "--html", str(target), "--no-progress", path)
    assert status == 2
    assert err == f"mdesrules: cannot read {path}: Input/output error\n"
    assert target.read_text(encoding="utf-8") == "the report of yesterday"
    assert sorted(os.listdir(tmp_path)) == ["report.html", "requests.jsonl"]


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        (
            "missing/report.html",
            "cannot write {tmp}/missing/report.html: No such file or directory",
        ),
        (".", "cannot write {tmp}/.: Is a directory"),
        ("-", "--html writes a file; --format html writes the page to standard output"),
    ],
)
def test_a_file_that_cannot_be_written_is_refused_before_checking(
    tmp_path: Path, target: str, reason: str
) -> None:
    path = _jsonl(tmp_path / "requests.jsonl", VALID)
    where = target if target == "-" else f"{tmp_path}/{target}"
    status, out, err = _main("check", "--html", where, path)
    assert (status, out) == (2, "")
    assert err == "mdesrules: " + reason.format(tmp=tmp_path) + "\n"


def test_the_file_gets_the_permissions_of_a_new_file(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "requests.jsonl", VALID)
    target = tmp_path / "report.html"
    old = os.umask(0o027)
    try:
        assert _main("check", "-q", "--html", str(target), path)[0] == 0
    finally:
        os.umask(old)
    assert target.stat().st_mode & 0o777 == 0o640


# No PAN of the input on the page ---------------------------------------------------------


def _pan_runs(text: str, pans: set[str]) -> set[str]:
    """The Luhn-valid runs of 13 to 19 digits in *text* that are among *pans*."""
    found = set()
    for run in re.findall(r"[0-9]{13,}", text):
        for size in range(13, 20):
            for start in range(len(run) - size + 1):
                part = run[start : start + size]
                if part in pans and luhn_ok(part):
                    found.add(part)
    return found


def _grouped(pan: str) -> str:
    return " ".join(pan[i : i + 4] for i in range(0, len(pan), 4))


def _batch_with_pans(directory: Path, p: list[str]) -> list[str]:
    """Input files and context files with a PAN of *p* in every place a record can hold one."""
    inner = VALID["TokenUpdateRequest"]
    lines = [
        {"TokenUpdateRequest": {**inner, "CurrentAccountPan": p[0]}},  # with the TUR: an error
        {"TokenUpdateRequest": {**inner, "NewAccountPan": p[1], "ExpirationDate": "1399"}},
        {"TokenUpdateRequest": {**inner, "NewAccountPan": p[2][:-1] + "x"}},
        {"TokenSuspendRequest": {**SUSPEND["TokenSuspendRequest"], "CommentText": f"card {p[3]}"}},
        {"TokenUpdateRequest": {**inner, "AuditInfo": {**AUDIT, "UserName": p[4]}}},
        {"TokenUpdateRequest": {**inner, f"Field{p[5]}": p[5]}},
        {f"Request{p[6]}": {"AccountPan": p[6]}},
        {"TokenUpdateRequest": {**inner, "NewAccountPan": int("9" + p[7])}},
        {"TokenSuspendRequest": {**SUSPEND["TokenSuspendRequest"], "CommentText": _grouped(p[8])}},
        {"currentAccountPan": p[9], "newAccountPan": p[9], "auditInfo": "x"},
        {"SearchRequest": {"AccountPan": p[10], "Token": p[10], "AuditInfo": AUDIT}},
        {
            "TokenUpdateRequest": {
                **inner,
                "TokenUniqueReference": CLEAN_TUR + "Z",
                "NewAccountPan": p[16],
            }
        },
    ]
    text = "".join(json.dumps(line) + "\n" for line in lines)
    text += f'{{"TokenUpdateRequest": {{"CurrentAccountPan": "{p[11]}"\n'  # cut short
    text += f"{p[12]}\n"  # a bare number
    text += f'{{"{p[13]}": 1, "{p[13]}": 2}}\n'  # a key twice
    jsonl = directory / "requests.jsonl"
    jsonl.write_text(text, encoding="utf-8")
    array = directory / "array.json"
    array.write_text(json.dumps([lines[0], {"x": p[14]}, p[14]]), encoding="utf-8")
    xml = directory / "root.xml"
    root = f"Request{p[15]}"
    xml.write_text(f'<{root} xmlns="{DATACONTRACT_NS}">{p[15]}</{root}>', encoding="utf-8")
    tokens = directory / "tokens.jsonl"
    tokens.write_text(
        json.dumps({"tokenUniqueReference": TUR, "accountPan": p[17], "status": "D"}) + "\n",
        encoding="utf-8",
    )
    ranges = directory / "ranges.csv"
    # Account ranges are configuration: a message shows a bound's first 12 digits at most.
    ranges.write_text(f"low,high\n{p[18]},{p[18]}\n", encoding="utf-8")
    return [
        "--tokens",
        str(tokens),
        "--account-ranges",
        str(ranges),
        str(jsonl),
        str(array),
        str(xml),
    ]


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(p=st.lists(luhn_pans(13, 19), min_size=19, max_size=19, unique=True))
def test_the_page_holds_no_pan_of_the_input(p: list[str]) -> None:
    with tempfile.TemporaryDirectory() as directory:
        argv = _batch_with_pans(Path(directory), p)
        target = Path(directory) / "report.html"
        status, out, err = _main("check", "--format", "html", "--html", str(target), *argv)
        assert (status, err) == (1, "")
        assert target.read_text(encoding="utf-8") == out
    page = Page(out)
    assert page.totals["records"] == 15 + 3 + 1
    assert page.totals["failed"] == 19
    assert _pan_runs(out, set(p)) == set()
    for pan in p:
        assert pan not in out
    for pan in p[:18]:  # not the account range's bound
        assert_no_exposure(out, pan, "the HTML report")


# In a browser ------------------------------------------------------------------------------


def _dirty_batch(path: Path, records: int) -> set[str]:
    """A batch of *records* JSON Lines, one in three failing in one of several ways, each
    with a PAN of its own; returns the PANs."""
    inner = VALID["TokenUpdateRequest"]
    pans = set()
    with open(path, "w", encoding="utf-8") as out:
        for n in range(records):
            body = f"54{n:013d}"
            pan = body + next(d for d in "0123456789" if luhn_ok(body + d))
            pans.add(pan)
            kind = n % 9
            if kind == 0:
                document: object = {"TokenUpdateRequest": {**inner, "ExpirationDate": "1330"}}
            elif kind == 3:
                document = {"TokenUpdateRequest": {**inner, "CurrentAccountPan": pan}}
            elif kind == 6:
                document = {
                    "TokenSuspendRequest": {
                        **SUSPEND["TokenSuspendRequest"],
                        "CommentText": f"pan {pan}",
                    }
                }
            elif kind == 7 and n % 2:
                out.write(f'{{"TokenUpdateRequest": {{"NewAccountPan": "{pan}"\n')
                continue
            else:
                document = {"TokenUpdateRequest": {**inner, "NewAccountPan": pan}}
            out.write(json.dumps(document) + "\n")
    return pans


@pytest.mark.slow
def test_the_page_of_a_100000_record_batch_renders_in_chromium(
    tmp_path: Path, record_property: Any
) -> None:
    browser = chromium()
    batch = tmp_path / "batch.jsonl"
    pans = _dirty_batch(batch, 100_000)
    report = tmp_path / "report.html"
    done = subprocess.run(
        [sys.executable, "-m", "mdesrules", "check", "--no-progress", "--format", "json",
         "--html", str(report), str(batch)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=_env(),
        timeout=600,
        check=False,
    )  # fmt: skip
    assert (done.returncode, done.stderr) == (1, b"")
    text = report.read_text(encoding="utf-8")
    page = Page(text)
    assert page.totals["records"] == 100_000
    assert len(page.failures) == FAILING_SHOWN
    assert _pan_runs(text, pans) == set()

    profile = tmp_path / "profile"
    started = time.perf_counter()
    dom = subprocess.run(
        chromium_command(browser, profile, "--dump-dom", report.as_uri()),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    rendered = time.perf_counter() - started
    record_property("chromium_dump_dom_seconds", round(rendered, 2))
    print(f"\nheadless Chromium loaded and dumped the page in {rendered:.2f} s")
    shown = Page(dom)
    assert shown.totals == page.totals
    assert shown.charts == page.charts
    assert shown.charts["codes"][0][1] > 0
    assert dom.count('<rect class="bar"') == len(page.charts["codes"]) + len(page.charts["fields"])
    assert len(shown.failures) == FAILING_SHOWN

    screenshot = tmp_path / "report.png"
    subprocess.run(
        chromium_command(
            browser, profile, "--hide-scrollbars", "--window-size=1280,2000",
            f"--screenshot={screenshot}", report.as_uri(),
        ),
        capture_output=True,
        timeout=120,
        check=True,
    )  # fmt: skip
    png = screenshot.read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (1280, 2000)
    assert len(png) > 20_000  # a page with charts and tables, not a blank one


# Real processes: signals with worker processes, memory --------------------------------------

linux_only = pytest.mark.skipif(
    not os.path.exists("/proc/self/task"), reason="reads the process tree from /proc"
)


@pytest.mark.slow
@linux_only
@pytest.mark.parametrize(
    ("signum", "status", "why"),
    [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated (SIGTERM)")],
)
def test_a_stopped_run_with_workers_writes_the_page_of_what_it_checked(
    tmp_path: Path, signum: int, status: int, why: str
) -> None:
    batch = tmp_path / "batch.jsonl"
    _dirty_batch(batch, 60_000)
    report = tmp_path / "report.html"
    command = [sys.executable, "-m", "mdesrules", "check", "--format", "json", "--jobs", "2",
               "--html", str(report), str(batch)]  # fmt: skip
    env = {**_env(), "_MDESRULES_BLOCK_BYTES": "4096"}
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, start_new_session=True
    ) as process:
        assert process.stdout is not None
        assert process.stderr is not None
        process.stdout.readline()  # under way; the full pipe holds it there
        os.killpg(process.pid, signum)  # the whole group, as Ctrl-C at a terminal
        out = process.stdout.read().decode()
        err = process.stderr.read().decode()
        assert process.wait(timeout=60) == status
    reported = len(out.splitlines()) + 1
    sentence = err.removeprefix("mdesrules: ").rstrip("\n")
    assert sentence.startswith(f"{why} after {reported:,} records")
    page = Page(report.read_text(encoding="utf-8"))
    assert page.stopped == sentence[0].upper() + sentence[1:] + "."
    assert page.totals["records"] == reported
    assert [n for n in os.listdir(tmp_path) if n.endswith(".tmp")] == []


def _peak_rss_kib(argv: list[str]) -> int:
    """The peak resident memory of ``python -m mdesrules ARGV`` (one process: ``--jobs 1``),
    as the kernel counts it for a waited-for child of a process of its own."""
    measure = (
        "import resource, subprocess, sys; "
        "done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL); "
        "print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    done = subprocess.run(
        [sys.executable, "-c", measure, sys.executable, "-m", "mdesrules", *argv],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=600,
        check=True,
    )
    status, peak = done.stdout.split()
    assert (status, done.stderr) == ("1", "")
    return int(peak)


@pytest.mark.slow
@linux_only
def test_the_page_costs_the_same_memory_for_ten_times_the_records(tmp_path: Path) -> None:
    small, large = tmp_path / "small.jsonl", tmp_path / "large.jsonl"
    _dirty_batch(small, 20_000)
    _dirty_batch(large, 200_000)  # about 75,000 failing records
    argv = ["check", "--no-progress", "--jobs", "1", "--format", "html"]
    small_peak = _peak_rss_kib([*argv, str(small)])
    large_peak = _peak_rss_kib([*argv, str(large)])
    # Keeping every failing record would take some 75 MB more.
    print(f"\npeak RSS: {small_peak:,} KiB for 20,000 records, {large_peak:,} KiB for 200,000")
    assert large_peak < small_peak + 16 * 1024, (small_peak, large_peak)
