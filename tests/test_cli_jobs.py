"""``mdesrules check --jobs``: the same report on every core, in input order, in flat memory.

Runs that start worker processes run as real processes (``python -m mdesrules``), so that
nothing forks the test process itself. In-process tests stand a thread pool in for the
process pool, finishing blocks out of order, to pin the ordering logic down.

Also here: JSON Lines framing into blocks against a reference model, the fast (orjson)
decoder against the strict one, and the report writers' fast paths against the plain
``json.dumps`` form.
"""

from __future__ import annotations

import codecs
import io
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any
from unittest import mock

import orjson  # the test extra installs it: the fast decoder is tested, never skipped
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import mdesrules
from mdesrules import _json
from mdesrules.cli import _decoding, _pool, _readers, main
from mdesrules.cli._decoding import line_decoder
from mdesrules.cli._outcome import Outcome
from mdesrules.cli._output import JsonLinesWriter, Pieces, TextWriter
from mdesrules.cli._readers import Lines, Record, Stored, block_records, frame_lines, reread

ROOT = Path(mdesrules.__file__).resolve().parent.parent
TUR = "DWSPMC00000000010906a349d9ca4eb1a4d53e3c90a11d9c"
AUDIT = {"UserId": "A1435477", "UserName": "John Smith", "Organization": "Any Bank"}
VALID = {
    "TokenUpdateRequest": {
        "TokenUniqueReference": TUR,
        "NewAccountPan": "5412345678901232",
        "ExpirationDate": "0128",
        "AuditInfo": AUDIT,
    }
}
FAILING = {"TokenUpdateRequest": {**VALID["TokenUpdateRequest"], "ExpirationDate": "1328"}}
SEARCH = {"SearchRequest": {"AccountPan": "5412345678908880", "AuditInfo": AUDIT}}
LEGACY_XML = (
    '<UpdateRequest xmlns="http://schemas.datacontract.org/2004/07/MDES.CustomerService.Models">'
    "<AuditInfo><Organization>Any Bank</Organization><UserId>A1435477</UserId>"
    "<UserName>John Smith</UserName></AuditInfo>"
    "<CurrentAccountPan>5412345678901232</CurrentAccountPan>"
    "<ExpirationDate>0129</ExpirationDate><NewAccountPan>5412345678908880</NewAccountPan>"
    "</UpdateRequest>"
)
INVENTORY = [
    {"tokenUniqueReference": TUR, "accountPan": "5412345678901232", "status": "A"},
]
BOM = codecs.BOM_UTF8


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "MDESRULES_JSON"}
    return {**env, "PYTHONPATH": str(ROOT), **extra}


def _command(*argv: str) -> list[str]:
    return [sys.executable, "-m", "mdesrules", *argv]


def _run(*argv: str, **env: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        _command(*argv), capture_output=True, env=_env(**env), timeout=120, check=False
    )


def _line(document: object) -> bytes:
    return json.dumps(document).encode()


# Identical reports whatever --jobs --------------------------------------------------------


@pytest.fixture(scope="module")
def tricky(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """Input files with every kind of line, plus an inventory, as command-line arguments."""
    directory = tmp_path_factory.mktemp("tricky")
    rng = random.Random(7)
    pool = [
        _line(VALID),
        _line(FAILING),
        _line(SEARCH),  # a warning with --tokens: "ok" with a violation beneath
        _line({"TokenUpdate": {}}),  # unknown operation
        b'{"TokenUpdateRequest": ',  # cut off
        b'{"a": 1, "a": 2}',  # repeated key
        b'{"x": "\xff"}',  # not UTF-8
        b'{"TokenUpdateRequest": {"ExpirationDate": "\\u0030128"}}',  # an escape
        b"[1e400]",
        b"12345678901234567890123",
        b"",
        b"   \t",
        b"\r",
        _line(VALID) + b"\r",  # CRLF
        json.dumps(VALID, ensure_ascii=False).replace("John", "J\u00f6hn").encode(),
    ]
    lines = [rng.choice(pool) for _ in range(3_000)]
    big = BOM + b"\n".join(lines)  # a BOM first; no line end at the end
    overlong = b'{"x": "' + b"9" * (_readers.MAX_RECORD_BYTES + 10) + b'"}'
    paths = {
        "big.jsonl": big,
        "crlf.ndjson": b"\r\n".join(lines[:500]) + b"\r\n",
        "overlong.jsonl": b"\n".join([*lines[:20], overlong, *lines[20:40], b" " * 2_000_000]),
        "sniffed.txt": b"\n\n" + b"\n".join(lines[:300]),
        "array.json": json.dumps([VALID, FAILING, {"Nope": 1}] * 50, indent=1).encode(),
        "legacy.xml": LEGACY_XML.encode(),
        "empty.jsonl": b"",
        "one.jsonl": _line(FAILING) + b"\n",
    }
    names = []
    for name, data in paths.items():
        (directory / name).write_bytes(data)
        names.append(str(directory / name))
    inventory = directory / "inventory.jsonl"
    inventory.write_text("".join(json.dumps(t) + "\n" for t in INVENTORY))
    order = [0, 4, 1, 5, 2, 6, 3, 7, 0]  # JSON Lines around serial files, one file twice
    return ["--tokens", str(inventory), *[names[i] for i in order]]


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["json", "text"])
@pytest.mark.parametrize("block_bytes", ["7", "300", "4096", "1048576"])
def test_every_jobs_count_gives_the_same_report(
    tricky: list[str], fmt: str, block_bytes: str
) -> None:
    runs = {
        jobs: _run("check", "--format", fmt, "--jobs", jobs, *tricky, **{
            "_MDESRULES_BLOCK_BYTES": block_bytes
        })
        for jobs in ("1", "2", "3")
    }  # fmt: skip
    serial = runs["1"]
    assert serial.returncode == 1
    assert serial.stderr == b""
    assert serial.stdout.count(b"\n") > 5_000
    for jobs, done in runs.items():
        assert done.stderr == b"", jobs
        assert done.returncode == serial.returncode, jobs
        assert done.stdout == serial.stdout, jobs


@pytest.mark.slow
def test_spawned_workers_give_the_same_report(tricky: list[str]) -> None:
    # Where fork is not available, workers are spawned and get the inventory pickled.
    serial = _run("check", "--format", "json", "--jobs", "1", *tricky)
    spawned = _run(
        "check",
        "--format",
        "json",
        "--jobs",
        "2",
        *tricky,
        _MDESRULES_START_METHOD="spawn",
        _MDESRULES_BLOCK_BYTES="4096",
    )
    assert spawned.stderr == b""
    assert spawned.returncode == serial.returncode == 1
    assert spawned.stdout == serial.stdout


@pytest.mark.slow
def test_the_report_does_not_depend_on_the_decoder(tricky: list[str]) -> None:
    fast = _run("check", "--format", "json", "--jobs", "2", *tricky)
    strict = _run("check", "--format", "json", "--jobs", "2", *tricky, MDESRULES_JSON="stdlib")
    assert fast.stderr == strict.stderr == b""
    assert fast.returncode == strict.returncode == 1
    assert fast.stdout == strict.stdout


@pytest.mark.slow
def test_records_come_in_input_order_with_their_line_numbers(tricky: list[str]) -> None:
    done = _run("check", "--format", "json", "--jobs", "3", *tricky, _MDESRULES_BLOCK_BYTES="64")
    sources = [json.loads(line)["source"] for line in done.stdout.splitlines()]
    by_file: dict[str, list[tuple[int, int]]] = {}
    previous = None
    for source in sources:
        name, _, where = source.rpartition(":")
        line, _, index = where.rstrip("]").partition("[")  # LINE, or LINE[INDEX] in an array
        if name != previous:  # a new file (or the same file again) starts at its top
            by_file.setdefault(name, []).append((-1, -1))
            previous = name
        at = (int(line), int(index or 0))
        assert at > by_file[name][-1], source
        by_file[name][-1] = at
    big = next(name for name in by_file if name.endswith("big.jsonl"))
    assert len(by_file[big]) == 2  # named twice, reported twice
    shown = [name.rsplit("/", 1)[-1] for name in dict.fromkeys(by_file)]
    files = (
        "big.jsonl array.json crlf.ndjson legacy.xml overlong.jsonl empty.jsonl sniffed.txt "
        "one.jsonl"
    )
    assert shown == files.split()  # empty.jsonl: one record, "empty file"


# The pool in-process, with threads finishing blocks out of order -------------------------


class ShuffledPool:
    """Stands in for ProcessPoolExecutor: runs blocks on threads, finishing out of order."""

    started = 0

    def __init__(self, jobs: int, *, mp_context: object, initializer: Any, initargs: Any) -> None:
        type(self).started += 1
        with mock.patch("signal.signal"):  # the initializer ignores SIGINT: not in tests
            initializer(*initargs)
        self._threads = ThreadPoolExecutor(jobs)
        self._rng = random.Random(jobs)

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        delay = self._rng.random() / 500

        def late() -> Any:
            time.sleep(delay)
            return fn(*args)

        return self._threads.submit(late)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._threads.shutdown(wait=wait, cancel_futures=cancel_futures)


def _main(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with mock.patch.object(sys, "stdout", out), mock.patch.object(sys, "stderr", err):
        status = main(argv)
    return status, out.getvalue(), err.getvalue()


@pytest.fixture
def shuffled(monkeypatch: pytest.MonkeyPatch) -> type[ShuffledPool]:
    monkeypatch.setattr(_pool, "ProcessPoolExecutor", ShuffledPool)
    monkeypatch.setattr(_pool.gc, "freeze", lambda: None)
    ShuffledPool.started = 0
    return ShuffledPool


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_blocks_finishing_out_of_order_are_written_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shuffled: type[ShuffledPool], fmt: str
) -> None:
    rng = random.Random(3)
    documents = [rng.choice([VALID, FAILING, SEARCH, {"x": 1}]) for _ in range(400)]
    a = tmp_path / "a.jsonl"
    a.write_bytes(b"\n".join(map(_line, documents)) + b"\n")
    b = tmp_path / "b.xml"
    b.write_text(LEGACY_XML)
    argv = ["check", "--format", fmt, str(a), str(b), str(a)]
    monkeypatch.setenv("_MDESRULES_BLOCK_BYTES", "500")
    serial = _main([*argv, "--jobs", "1"])
    assert shuffled.started == 0
    for jobs in ("2", "5"):
        assert _main([*argv, "--jobs", jobs]) == serial
    assert shuffled.started == 2
    assert serial[0] == 1
    assert serial[1].count(f"{a}:400") == 2


def test_a_small_input_starts_no_pool(
    tmp_path: Path, shuffled: type[ShuffledPool], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "a.jsonl"
    path.write_bytes(_line(VALID) + b"\n" + _line(FAILING) + b"\n")
    status, out, _ = _main(["check", "--format", "json", "--jobs", "4", str(path)])
    assert status == 1
    assert out.count("\n") == 2
    assert shuffled.started == 0
    monkeypatch.setenv("_MDESRULES_BLOCK_BYTES", "10")  # now two blocks: a pool
    assert _main(["check", "--format", "json", "--jobs", "4", str(path)])[1] == out
    assert shuffled.started == 1


def test_a_broken_pool_is_one_line_and_status_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class BrokenPool(ShuffledPool):
        def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
            future: Future[Any] = Future()
            future.set_exception(BrokenProcessPool("a process died"))
            return future

    monkeypatch.setattr(_pool, "ProcessPoolExecutor", BrokenPool)
    monkeypatch.setattr(_pool.gc, "freeze", lambda: None)
    monkeypatch.setenv("_MDESRULES_BLOCK_BYTES", "10")
    path = tmp_path / "a.jsonl"
    path.write_bytes((_line(VALID) + b"\n") * 20)
    status, _, err = _main(["check", "--jobs", "2", str(path)])
    assert status == 2
    assert err == (
        "mdesrules: a worker process ended unexpectedly (killed, or out of memory?); "
        "the report is incomplete\n"
    )


# Real processes: a killed worker, interrupts, closed pipes, memory ------------------------


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            kids = [int(k) for k in f.read().split()]
    except OSError:
        return []
    return kids + [grandchild for kid in kids for grandchild in _children(kid)]


def _rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


linux_only = pytest.mark.skipif(
    not os.path.exists("/proc/self/task"), reason="reads the process tree from /proc"
)


def _checking_on_two_jobs(path: str, env: dict[str, str], **popen: Any) -> subprocess.Popen[bytes]:
    """``mdesrules check --format json --jobs 2 PATH`` started, its stdout and stderr piped."""
    command = _command("check", "--format", "json", "--jobs", "2", path)
    return subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, **popen
    )


def _batch(path: Path, n: int) -> str:
    cycle = [_line(VALID), _line(FAILING), b"{broken", _line({"Nope": 1})]
    with open(path, "wb") as f:
        for i in range(0, n, 1000):
            f.write(b"".join(cycle[j % 4] + b"\n" for j in range(i, min(n, i + 1000))))
    return str(path)


@pytest.mark.slow
@linux_only
def test_a_killed_worker_ends_the_run_with_status_2(tmp_path: Path) -> None:
    path = _batch(tmp_path / "large.jsonl", 40_000)
    env = _env(_MDESRULES_BLOCK_BYTES="4096")
    with _checking_on_two_jobs(path, env) as process:
        assert process.stdout is not None
        assert process.stderr is not None
        process.stdout.readline()  # under way; the full pipe holds it there
        workers = _children(process.pid)
        assert len(workers) >= 2
        os.kill(workers[0], signal.SIGKILL)
        process.stdout.read()
        err = process.stderr.read().decode()
        status = process.wait(timeout=60)
    assert status == 2
    assert err == (
        "mdesrules: a worker process ended unexpectedly (killed, or out of memory?); "
        "the report is incomplete\n"
    )


@pytest.mark.slow
@linux_only
def test_an_interrupt_with_workers_exits_130_saying_where_it_stopped(tmp_path: Path) -> None:
    path = _batch(tmp_path / "large.jsonl", 40_000)
    small_blocks = _env(_MDESRULES_BLOCK_BYTES="4096")
    # A process group of its own, as a shell's job is.
    with _checking_on_two_jobs(path, small_blocks, start_new_session=True) as process:
        assert process.stdout is not None
        assert process.stderr is not None
        process.stdout.readline()
        assert len(_children(process.pid)) >= 2
        os.killpg(process.pid, signal.SIGINT)  # Ctrl-C: the whole group gets it
        out = process.stdout.read().decode()
        err = process.stderr.read().decode()
        status = process.wait(timeout=60)
    assert status == 130
    assert out == "" or out.endswith("\n")  # whole records only
    reported = len(out.splitlines()) + 1
    assert err == (
        f"mdesrules: interrupted after {reported:,} records; the last one completed is "
        f"{path}:{reported}; the records after it were not checked and the report is "
        "incomplete\n"
    )


@pytest.mark.slow
def test_a_closed_pipe_with_workers_ends_quietly(tmp_path: Path) -> None:
    path = _batch(tmp_path / "large.jsonl", 40_000)
    with _checking_on_two_jobs(path, _env(_MDESRULES_BLOCK_BYTES="4096")) as process:
        assert process.stdout is not None
        assert process.stderr is not None
        assert json.loads(process.stdout.readline())["source"] == f"{path}:1"
        process.stdout.close()  # as `| head -1` does
        err = process.stderr.read()
        status = process.wait(timeout=60)
    assert err == b""
    assert status == 141


def _peak_tree_rss_kib(argv: list[str]) -> int:
    """The peak of the summed resident memory of the command and its children."""
    with subprocess.Popen(
        _command(*argv), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=_env()
    ) as process:
        peak = 0
        while process.poll() is None:
            pids = [process.pid, *_children(process.pid)]
            peak = max(peak, sum(map(_rss_kib, pids)))
            time.sleep(0.01)
        assert process.stderr is not None
        assert process.stderr.read() == b""
    assert process.returncode == 1
    return peak


@pytest.mark.slow
@linux_only
def test_memory_stays_flat_with_workers(tmp_path: Path) -> None:
    small = _batch(tmp_path / "small.jsonl", 20_000)
    large = _batch(tmp_path / "large.jsonl", 200_000)
    argv = ["check", "--format", "json", "--jobs", "2"]
    small_peak = _peak_tree_rss_kib([*argv, small])
    large_peak = _peak_tree_rss_kib([*argv, large])
    # Ten times the records (40 MB against 4 MB of input) within a few blocks' worth.
    assert large_peak < small_peak * 1.25 + 16 * 1024, (small_peak, large_peak)


# Arguments --------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["0", "-1", "abc", "1.5", ""])
def test_jobs_must_be_a_positive_number(value: str, tmp_path: Path) -> None:
    status, out, err = _main(["check", "--jobs", value, str(tmp_path / "x.jsonl")])
    assert status == 2
    assert out == ""
    assert err.startswith("usage: mdesrules check")
    assert err.splitlines()[-1].startswith("mdesrules check: error: argument --jobs: ")
    assert "Traceback" not in err


def test_default_jobs_is_the_cpus_this_process_may_use() -> None:
    jobs = _pool.default_jobs()
    assert jobs >= 1
    if hasattr(os, "sched_getaffinity"):
        assert jobs == len(os.sched_getaffinity(0))


# Framing into blocks ----------------------------------------------------------------------

line_pieces = st.sampled_from(
    [b"", b" ", b"\t", b"\r", b"\r\r", b"{}", b"[1]", b'"x"', b"1", b'{"a": 1, "a": 2}',
     b"\xff", b"\xef\xbb\xbf", b"nul", b'{"k": "\\u00e9"}', b"x" * 30, b" " * 30]
)  # fmt: skip
line_lists = st.lists(st.lists(line_pieces, max_size=4).map(b"".join), max_size=30)


def _reference(data: bytes, limit: int) -> list[tuple[str, object, str | None]]:
    """JSON Lines as the reader documents them, line by line with the strict decoder."""
    data = data.removeprefix(BOM)
    lines = data.split(b"\n")
    if data.endswith(b"\n") or not data:
        lines.pop()
    decode = _strict_line_decoder()
    rows: list[tuple[str, object, str | None]] = []
    for number, raw in enumerate(lines, 1):
        line = raw.removesuffix(b"\r")
        if not line.strip(b" \t\r\n"):
            continue
        if len(line) > limit:
            rows.append((f"f:{number}", None, f"line is longer than the limit of {limit} bytes"))
            continue
        document, error = decode(line)
        rows.append((f"f:{number}", document, error))
    return rows


def _strict_line_decoder() -> _decoding.LineDecoder:
    with mock.patch.dict(os.environ, {"MDESRULES_JSON": "stdlib"}):
        return line_decoder()


def _fast_line_decoder() -> _decoding.LineDecoder:
    with mock.patch.dict(os.environ, {"MDESRULES_JSON": ""}):
        assert _decoding.fast_available()
        return line_decoder()


class SizedReads(io.BytesIO):
    """Gives at most *step* bytes per read, and remembers the largest size asked for."""

    def __init__(self, data: bytes, step: int) -> None:
        super().__init__(data)
        self.step = step
        self.largest = 0

    def read(self, size: int | None = -1, /) -> bytes:
        assert size is not None, "never read everything"
        assert size > 0
        self.largest = max(self.largest, size)
        return super().read(min(size, self.step))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lines=line_lists,
    bom=st.booleans(),
    end=st.sampled_from([b"", b"\n", b"\r\n"]),
    block_bytes=st.integers(1, 80),
    step=st.integers(1, 100),
    limit=st.integers(1, 40),
)
@example(lines=[b"x" * 30], bom=True, end=b"\n", block_bytes=3, step=1, limit=29)
@example(lines=[b" " * 30, b"1"], bom=False, end=b"", block_bytes=2, step=100, limit=3)
def test_framing_in_blocks_is_the_line_by_line_reading(
    lines: list[bytes], bom: bool, end: bytes, block_bytes: int, step: int, limit: int
) -> None:
    data = (BOM if bom else b"") + b"\n".join(lines) + end
    with mock.patch.object(_readers, "MAX_RECORD_BYTES", limit):
        stream = SizedReads(data, step)
        blocks = list(frame_lines(stream, "f", 1, block_bytes))
        records = [(r.source, r.document, r.error) for b in blocks for r in block_records(b)]
        expected = _reference(data, limit)
    assert [(s, repr(d), e) for s, d, e in records] == [(s, repr(d), e) for s, d, e in expected]
    assert stream.largest <= block_bytes
    for block in blocks:  # never more than a block and a line's worth held
        assert block.data is None or len(block.data) <= block_bytes + limit + 1
    numbers = [b.first for b in blocks]
    assert numbers == sorted(numbers)


def test_an_overlong_line_becomes_one_marker_block() -> None:
    data = b"1\n" + b"x" * 50 + b"\n2\n" + b"y" * 50
    with mock.patch.object(_readers, "MAX_RECORD_BYTES", 10):
        blocks = list(frame_lines(io.BytesIO(data), "f", 1, 4))
        assert Lines("f", 2, None) in blocks
        assert Lines("f", 4, None) in blocks
        assert [r.source for b in blocks for r in block_records(b)] == ["f:1", "f:2", "f:3", "f:4"]


# Blocks read again by the workers, from where they lie in the file -----------------------


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lines=line_lists,
    bom=st.booleans(),
    end=st.sampled_from([b"", b"\n", b"\r\n"]),
    block_bytes=st.integers(1, 80),
    limit=st.integers(1, 40),
)
def test_a_block_read_again_from_its_file_is_the_block(
    lines: list[bytes], bom: bool, end: bytes, block_bytes: int, limit: int
) -> None:
    data = (BOM if bom else b"") + b"\n".join(lines) + end
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "f.jsonl")
        with open(path, "wb") as f:
            f.write(data)
        with mock.patch.object(_readers, "MAX_RECORD_BYTES", limit):
            blocks = list(_readers.read_input(path, io.BytesIO(), block_bytes))
        for block in blocks:
            if isinstance(block, Record):  # an empty file, or one pretty-printed document
                assert block.error == "empty file" or data.lstrip(BOM + b" \t\r\n")[:1] in b"{["
                continue
            assert isinstance(block, Lines)
            stored = Stored.of(block)
            if stored is None:  # an overlong line's marker, or the last line without an end
                assert block.data is None or not block.data.endswith(b"\n")
            else:
                assert reread(stored) == block


def test_a_block_of_a_changed_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "f.jsonl"
    path.write_bytes(b'{"a": 1}\n{"b": 2}\n')
    (block,) = _readers.read_input(str(path), io.BytesIO())
    assert isinstance(block, Lines)
    stored = Stored.of(block)
    assert stored is not None
    path.write_bytes(b'{"a": 1, "b": 2}\n\n')  # the same size, another line in it
    with pytest.raises(_readers.InputError, match="changed while it was being checked"):
        reread(stored)
    replaced = tmp_path / "g.jsonl"
    replaced.write_bytes(block.data or b"")
    os.replace(replaced, path)  # the same bytes, but another file
    with pytest.raises(_readers.InputError, match="changed while it was being checked"):
        reread(stored)
    path.unlink()
    with pytest.raises(_readers.InputError, match="cannot read"):
        reread(stored)


def test_only_blocks_of_regular_files_say_where_they_lie(tmp_path: Path) -> None:
    path = tmp_path / "f.jsonl"
    path.write_bytes(b'{"a": 1}\n' * 3)
    (from_file,) = _readers.read_input(str(path), io.BytesIO())
    (from_stdin,) = _readers.read_input("-", io.BytesIO(path.read_bytes()))
    assert isinstance(from_file, Lines)
    assert isinstance(from_stdin, Lines)
    assert from_file.origin is not None
    assert from_file.origin.offset == 0
    assert from_stdin.origin is None
    assert from_file.data == from_stdin.data


# The fast decoder gives what the strict one gives ----------------------------------------

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(-(10**30), 10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
    | st.sampled_from(["\ud800", "\udfff", "\U0001f600", "\x00", "\u2028", ":", '"', "\\"])
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.text(max_size=4) | st.sampled_from(["a", ":", "a b"]), inner, max_size=3
        )
    ),
    max_leaves=12,
)
number_tokens = st.sampled_from(
    ["1e400", "-1e400", "1e-400", "-0", "-0.0", "0.1", "1E5", "1.5e+3", "18446744073709551616",
     "-9223372036854775809", "9223372036854775807", "1" * 30, "1" * 5000, "NaN", "Infinity",
     "-Infinity", "01", "1.", ".5", "+1", "2.2250738585072011e-308", "4.9e-324"]
)  # fmt: skip


def _dumped(value: object, rng: random.Random) -> str:
    """*value* as JSON text in random forms: spacing, escapes, repeated keys."""
    space = rng.choice(["", " ", "  ", "\t", "\r", " \r\t"])
    ascii_only = rng.random() < 0.5
    if isinstance(value, dict):
        items = [
            f"{json.dumps(k, ensure_ascii=ascii_only)}{space}:{space}{_dumped(v, rng)}"
            for k, v in value.items()
        ]
        if items and rng.random() < 0.2:
            items.append(rng.choice(items))  # a repeated key
        return "{" + space + f",{space}".join(items) + space + "}"
    if isinstance(value, list):
        return "[" + f",{space}".join(_dumped(v, rng) for v in value) + "]"
    return json.dumps(value, ensure_ascii=ascii_only)


@st.composite
def json_lines(draw: st.DrawFn) -> bytes:
    rng = random.Random(draw(st.integers(0, 2**32)))
    text = _dumped(draw(json_values), rng)
    if draw(st.booleans()):  # swap in an odd number somewhere a number was
        digits = [i for i, c in enumerate(text) if c in "0123456789"]
        if digits:
            i = rng.choice(digits)
            text = text[:i] + draw(number_tokens) + text[i + 1 :]
    if draw(st.integers(0, 9)) == 0:
        depth = draw(st.integers(90, 1100))
        text = "[" * depth + text + "]" * depth
    data = text.encode("utf-8", "surrogatepass")  # lone surrogates: not valid UTF-8
    mutation = draw(st.integers(0, 7))
    if mutation == 0 and data:  # a random byte somewhere
        i = draw(st.integers(0, len(data) - 1))
        data = data[:i] + bytes([draw(st.integers(0, 255))]) + data[i + 1 :]
    elif mutation == 1:
        data = BOM + data
    elif mutation == 2:
        data = data + draw(st.sampled_from([b" ", b"\r", b"\x0c", b"\x00", b" 1", b",", b"\xa0"]))
    return data


@settings(max_examples=1500, deadline=None)
@given(json_lines())
@example(b'{"a": 1, "a": 2}')
@example(b'{"a": "\\u003a", "a": 1}')
@example(b'{"a":1,"a":1}')
@example(b"123456789012345678901234567890")
@example(b"[1e400]")
@example(b"-0")
@example(b"[" * 1000 + b"]" * 1000)
@example(b'"\xed\xa0\x80"')
@example(b'"\\ud800"')
@example(b'"a\tb"')
@example(BOM + b"{}")
def test_the_fast_decoder_gives_what_the_strict_one_gives(line: bytes) -> None:
    fast, strict = _FAST(line), _STRICT(line)
    assert (repr(fast[0]), fast[1]) == (repr(strict[0]), strict[1])


_FAST = _fast_line_decoder()
_STRICT = _strict_line_decoder()


@pytest.mark.parametrize(
    "document", [VALID, FAILING, SEARCH, {"a": [1, -2, 0.5, True, None, "x y: z"]}, []]
)
def test_the_fast_decoder_takes_ordinary_lines_without_falling_back(document: object) -> None:
    for line in (json.dumps(document).encode(), orjson.dumps(document)):
        assert _json._fast_document(line) == document


def test_mdesrules_json_stdlib_turns_the_fast_decoder_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MDESRULES_JSON", "stdlib")
    assert not _decoding.fast_available()
    with mock.patch.object(_json, "_fast_document", side_effect=AssertionError):
        assert line_decoder()(b'{"a": 1}') == ({"a": 1}, None)
    monkeypatch.delenv("MDESRULES_JSON")
    assert _decoding.fast_available()


# The writers' fast paths ------------------------------------------------------------------

texts = st.text(max_size=12) | st.sampled_from(["", '"', "\\", "\n", "\u00e9", "\U0001f600"])
violations = st.builds(
    mdesrules.Violation,
    texts,
    texts,
    st.lists(texts, max_size=3).map(tuple),
    texts,
    st.sampled_from(["error", "warning"]),
)


@given(texts, st.none() | texts, st.lists(violations, max_size=3))
def test_json_lines_are_what_json_dumps_writes(
    source: str, operation: str | None, found: list[mdesrules.Violation]
) -> None:
    outcome = Outcome(source, operation, tuple(found))
    expected = json.dumps(
        {
            "source": source,
            "operation": operation,
            "ok": outcome.ok,
            "violations": [v.to_dict() for v in found],
        }
    )
    assert JsonLinesWriter.format(outcome) == expected + "\n"


@given(texts, texts.filter(bool), st.integers(1, 10**7))  # operation names are not empty
def test_a_passing_line_is_its_prefix_line_number_and_suffix(
    name: str, operation: str, line: int
) -> None:
    for writer in (JsonLinesWriter, TextWriter):
        prefix, suffix = writer.passing(name, operation)
        assert prefix + str(line) + suffix == writer.format(
            Outcome(f"{name}:{line}", operation, ())
        )


@given(
    texts, st.none() | texts.filter(bool), st.lists(violations, max_size=3), st.integers(1, 10**7)
)
def test_a_line_is_its_prefix_line_number_and_the_text_after(
    name: str, operation: str | None, found: list[mdesrules.Violation], line: int
) -> None:
    for writer in (JsonLinesWriter, TextWriter):
        prefix = writer.passing(name, "-")[0]
        after = writer.after_line(operation, tuple(found))
        assert prefix + str(line) + after == writer.format(
            Outcome(f"{name}:{line}", operation, tuple(found))
        )


# Failing records rendered once per distinct outcome --------------------------------------

#: Values a field of a token update may take: right, wrong in form, of another JSON type
#: (``1``, ``True`` and ``1.0`` are equal in Python, not in a message), PAN-shaped.
_VALUES = st.sampled_from(
    ["0", "1", "2", "", "5412345678901232", "5412345678901233", 1, True, 1.0, 0, False, None,
     -0.0, 0.0, [], ["1"], {}, {"1": 1}, "\u0661", "x" * 60]
)  # fmt: skip
_FIELDS = st.sampled_from(
    ["UpdateWalletProviderIndicator", "NewAccountPan", "ExpirationDate", "CommentText",
     "Organisation", "TokenUniqueReference", "CurrentAccountPan", "541234567890123"]
)  # fmt: skip


@st.composite
def _token_updates(draw: st.DrawFn) -> dict[str, Any]:
    start = FAILING if draw(st.booleans()) else VALID
    inner: dict[str, Any] = dict(start["TokenUpdateRequest"])
    for field, value in draw(st.dictionaries(_FIELDS, _VALUES, max_size=3)).items():
        if field == "Organisation":
            inner["AuditInfo"] = {**AUDIT, field: value}
        else:
            inner[field] = value
    return {"TokenUpdateRequest": inner}


_DOCUMENTS = st.one_of(
    _token_updates(),
    st.sampled_from([VALID, FAILING, SEARCH, {"TokenUpdate": {}}, {"TokenUpdateRequest": 1}]),
)


def _indicator(value: object) -> dict[str, Any]:
    """FAILING with UpdateWalletProviderIndicator *value*."""
    inner = {**FAILING["TokenUpdateRequest"], "UpdateWalletProviderIndicator": value}
    return {"TokenUpdateRequest": inner}


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@example(
    [_indicator(v) for v in (1, True, 1.0, 0, False, None, "1", "2")], "json", False, 4096, 200
)
@example(
    [_indicator(f"W{i}") for i in range(9)] + [_indicator(1), _indicator(True)], "text", False, 2, 3
)
@given(
    st.lists(_DOCUMENTS, min_size=1, max_size=40),
    st.sampled_from(["json", "text", "html"]),
    st.booleans(),
    st.sampled_from([2, 4096]),
    st.sampled_from([0, 3, 200]),
)
def test_a_block_reports_what_each_record_checked_alone_reports(
    documents: list[dict[str, Any]], fmt: str, failures_only: bool, cache_size: int, keep: int
) -> None:
    # The block checker renders a failing record once per distinct outcome (a bounded
    # cache, here also one that starts again every two outcomes, and then stops keying
    # after two records keyed in vain, with a tally that keeps only three fields); the
    # report and the counts must be those of each record judged and written on its own,
    # and so must what the HTML page shows: errors, warnings, operations, inputs and the
    # first *keep* failing records, each with its own source (a record whose report text
    # was reused is kept like any other).
    from mdesrules.cli import _blocks, _tally
    from mdesrules.cli._outcome import judge
    from mdesrules.cli._output import writer_class

    data = b"".join(_line(d) + b"\n" for d in documents) * 2  # every outcome twice
    lines = Lines("batch.jsonl", 1, data)
    small = cache_size == 2
    with (
        mock.patch.object(_blocks, "CACHE_SIZE", cache_size),
        mock.patch.object(_blocks, "KEYED_IN_VAIN", 2 if small else _blocks.KEYED_IN_VAIN),
        mock.patch.object(_tally, "MAX_PATHS", 3 if small else _tally.MAX_PATHS),
    ):
        checker = _blocks.BlockChecker(None, None, fmt, failures_only=failures_only, keep=keep)
        checked = [checker(lines), checker(lines)]  # the second block: a warm cache
        # As a worker gives it: in pieces, put together (and encoded) by the main process.
        worker = _blocks.BlockChecker(
            None, None, fmt, failures_only=failures_only, keep=keep, pieces=True
        )
        pieces = [worker(lines), worker(lines)]
        writer = writer_class(fmt)
        expected, tally = [], _tally.Tally(keep)
        for record in block_records(lines):
            outcome = judge(record, None, None)
            if not (failures_only and outcome.ok):
                expected.append(writer.format(outcome))
            tally.add(outcome)
            tally.count_input("batch.jsonl")
    for block in pieces:
        assert isinstance(block.text, Pieces)
        assert block.text.text() == "".join(expected)
        encoded = block.text.encoded(("utf-8", "strict"))
        assert encoded is None or encoded == "".join(expected).encode()
    for block in checked:
        assert block.text == "".join(expected)
        assert block.last == f"batch.jsonl:{2 * len(documents)}"
    for block in [*checked, *pieces]:
        assert _counts(block.tally) == _counts(tally)
        assert block.tally.failures == tally.failures


#: Any small JSON value, for the records of an array that are not requests at all.
_ANY_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@example([_indicator(v) for v in (1, True, 1.0, 0, False, None, "1", "2")] * 2, "json", False)
@given(
    st.lists(_DOCUMENTS | _ANY_JSON, min_size=1, max_size=30),
    st.sampled_from(["json", "text", "html"]),
    st.booleans(),
)
def test_a_json_array_reports_what_each_element_checked_alone_reports(
    documents: list[Any], fmt: str, failures_only: bool
) -> None:
    # Elements of a JSON array (and a JSON document) are read whole, not in blocks of
    # lines, and found in the same cache of outcomes as a block's lines: the report and
    # the HTML page must be those of each element judged and written on its own.
    from mdesrules.cli._outcome import judge
    from mdesrules.cli._output import writer_class

    with tempfile.TemporaryDirectory() as directory:
        array = Path(directory, "batch.json")
        array.write_text(json.dumps(documents * 2, indent=1))  # every outcome twice
        single = Path(directory, "one.json")
        single.write_text(json.dumps(documents[0]))
        records = [
            *_readers.read_path(str(array), io.BytesIO()),
            *_readers.read_path(str(single), io.BytesIO()),
        ]
        writer = writer_class(fmt)
        expected = [
            writer.format(outcome)
            for outcome in (judge(r, None, None) for r in records)
            if not (failures_only and outcome.ok)
        ]
        argv = ["check", "--format", fmt, str(array), str(single)]
        status, out, _ = _main([*argv, "--failures-only"] if failures_only else argv)
        html = Path(directory, "page.html")
        _main(["check", "--html", str(html), str(array), str(single)])
        alone = Path(directory, "alone.html")
        with mock.patch("mdesrules.cli._blocks.BlockChecker.kind_of_document", return_value=None):
            _main(["check", "--html", str(alone), str(array), str(single)])
        assert html.read_text() == alone.read_text()
    if fmt == "json":
        assert out == "".join(expected)
    elif fmt == "text":  # and the summary after them
        assert out.startswith("".join(expected))
    assert status == (1 if any(not judge(r, None, None).ok for r in records) else 0)


def _counts(tally: Any) -> tuple[object, ...]:
    """Everything a tally counts, as plain values (a counter's key with no count shows)."""
    counters = (
        tally.codes,
        tally.warned_codes,
        tally.operations,
        tally.failed_operations,
        tally.inputs,
    )
    plain = tuple(sorted(dict(c).items()) for c in counters)
    numbers = (tally.records, tally.passed, tally.errors, tally.warnings)
    return (*numbers, *plain, list(tally.fields.items()))


_PIECE_TEXT = st.text(st.sampled_from('ab%d "\n:'), max_size=6)


@settings(max_examples=200)
@given(
    _PIECE_TEXT,
    st.lists(st.integers(1, 10**7), min_size=0, max_size=12),
    st.lists(_PIECE_TEXT, min_size=1, max_size=3),
    st.data(),
)
def test_pieces_are_encoded_as_their_text_is(
    prefix: str, lines: list[int], afters: list[str], data: st.DataObject
) -> None:
    # A file name or a report text may hold "%": the main process's one-template
    # formatting (one text after every line) must give the text's bytes all the same.
    kinds = [data.draw(st.integers(0, len(afters) - 1)) for _ in lines]
    pieces = Pieces(prefix, lines, kinds, afters)
    assert pieces.encoded(("utf-8", "strict")) == pieces.text().encode()
    assert Pieces(prefix + "é", lines, kinds, afters).encoded(("utf-8", "strict")) is None


@pytest.mark.parametrize("ends", [b"", b"\n", b"\n\n  \n\r\n", b"\n \t"])
def test_a_block_ends_at_its_last_record_whatever_blank_lines_follow(ends: bytes) -> None:
    from mdesrules.cli._blocks import BlockChecker

    record = json.dumps(VALID).encode()
    data = b"\n".join([record, b"", record, record]) + ends
    checked = BlockChecker(None, None, "json")(Lines("batch.jsonl", 7, data))
    assert checked.tally.records == 3
    assert checked.last == "batch.jsonl:10"  # lines 7, 9 and 10
