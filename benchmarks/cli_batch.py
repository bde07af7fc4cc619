"""Time ``mdesrules check`` end to end on a generated batch of token update requests.

Writes N JSON Lines token updates (nine in ten valid, one in ten with two violations) to a
temporary file, runs the installed command on it in a subprocess with its report going to a
file, and measures the wall time, the report's size and SHA-256 (hashed after the clock
stops, then deleted), and the peak memory of the whole process tree: the sum of VmRSS over
the command and every process under it, sampled every 20 ms from ``/proc``
(``RUSAGE_CHILDREN`` only gives the largest single process, which undercounts once the
command starts workers).

The batches of the dirty-batch rows (:data:`BATCHES`) are written by the same function:
every record valid; every record with four violations; four plus a misspelt member name;
half the records failing as the last. :func:`run_floor` times the parse-only floor on a
batch: ``parse_floor.py``, ``orjson.loads`` of each line, one process per core.

Usage: ``python benchmarks/cli_batch.py [N]`` (default 100000), one run with
``--format json``; ``benchmarks/run.py`` uses :func:`write_records`, :func:`run_check` and
:func:`run_floor` for its CLI sections.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "BATCHES",
    "CliRun",
    "dirty_record",
    "luhn_complete",
    "record",
    "run_check",
    "run_floor",
    "supports_jobs",
    "write_records",
]

AUDIT = {"UserId": "A1435477", "UserName": "John Smith", "Organization": "Any Bank"}
COMMAND = (sys.executable, "-m", "mdesrules", "check")
FLOOR = (sys.executable, str(Path(__file__).resolve().parent / "parse_floor.py"))

_BYTECODE = tempfile.TemporaryDirectory(prefix="mdesrules-bench-pyc-")
#: The environment of every timed command: Python's bytecode cached, as an installed package
#: has it (pip compiles it at install; a checkout writes it on first import). A machine may
#: set ``PYTHONDONTWRITEBYTECODE`` (CI images often do), and each run would then compile the
#: library and the standard library from source, some 0.05 s that no user pays: the commands
#: run with that variable removed and their bytecode written to a temporary directory of
#: this run (``PYTHONPYCACHEPREFIX``), never into the checkout, after one untimed warm-up
#: run of each command (:func:`_warm`).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
ENV["PYTHONPYCACHEPREFIX"] = _BYTECODE.name
_warmed: set[tuple[str, ...]] = set()


def luhn_complete(prefix: str) -> str:
    """*prefix* followed by its Luhn check digit."""
    total = 0
    for i, ch in enumerate(reversed(prefix)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return prefix + str((10 - total % 10) % 10)


def record(i: int) -> dict[str, object]:
    """The *i*-th request of the mixed batch: valid, or every tenth one with two
    violations (a product configuration beside an expiry date, month 13)."""
    inner = _valid(i)["TokenUpdateRequest"]
    if i % 10 == 9:
        inner["IssuerProductConfigurationId"] = "ANYGOLD101"
        inner["ExpirationDate"] = "1328"
    return {"TokenUpdateRequest": inner}


def dirty_record(i: int, *, misspelt: bool) -> dict[str, object]:
    """The *i*-th record of a failing batch: a token update with four violations, each
    record's own PAN (bad_check_digit, its last digit off by one), month 13
    (bad_format), UpdateWalletProviderIndicator ``"2"`` (not_allowed_value) and no
    AuditInfo.Organization (missing_required); with *misspelt*, the organization is sent
    as ``Organisation``, a fifth violation (unknown_field, with a did-you-mean)."""
    pan = luhn_complete(f"541234{i:09d}")
    audit = {k: v for k, v in AUDIT.items() if k != "Organization"}
    if misspelt:
        audit["Organisation"] = AUDIT["Organization"]
    inner: dict[str, object] = {
        "TokenUniqueReference": f"DWSPMC{i:042x}",
        "NewAccountPan": pan[:-1] + str((int(pan[-1]) + 1) % 10),
        "ExpirationDate": "1328",
        "UpdateWalletProviderIndicator": "2",
        "AuditInfo": audit,
    }
    return {"TokenUpdateRequest": inner}


def _valid(i: int) -> dict[str, dict[str, object]]:
    inner: dict[str, object] = {
        "TokenUniqueReference": f"DWSPMC{i:042x}",
        "NewAccountPan": luhn_complete(f"541234{i:09d}"),
        "ExpirationDate": "0128",
        "AuditInfo": AUDIT,
    }
    return {"TokenUpdateRequest": inner}


#: The batches of the dirty-batch rows: name -> the *i*-th record.
BATCHES: dict[str, Callable[[int], dict[str, object]]] = {
    "mixed": record,
    "valid": _valid,
    "four": lambda i: dirty_record(i, misspelt=False),
    "misspelt": lambda i: dirty_record(i, misspelt=True),
    "half": lambda i: dirty_record(i, misspelt=True) if i % 2 else _valid(i),
}


def write_records(path: Path, n: int, batch: str = "mixed") -> int:
    """Write the first *n* records of *batch* (a key of :data:`BATCHES`; by default nine
    in ten valid, one in ten with two violations) to *path* as JSON Lines; its size in
    bytes."""
    dumps = json.JSONEncoder(separators=(", ", ": ")).encode
    make = BATCHES[batch]
    with open(path, "w", encoding="utf-8") as f:
        chunk: list[str] = []
        for i in range(n):
            chunk.append(dumps(make(i)))
            if len(chunk) == 10_000:
                f.write("\n".join(chunk) + "\n")
                chunk.clear()
        if chunk:
            f.write("\n".join(chunk) + "\n")
    return path.stat().st_size


def supports_jobs() -> bool:
    """Whether the installed ``mdesrules check`` accepts ``--jobs``."""
    done = subprocess.run(
        [*COMMAND, "--help"], capture_output=True, text=True, check=False, timeout=60
    )
    return "--jobs" in done.stdout


def _rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return 0  # gone, or a zombie (no VmRSS line)


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except (FileNotFoundError, ProcessLookupError):
        return found
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/children", encoding="ascii") as f:
                found += [int(c) for c in f.read().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return found


class TreeSampler(threading.Thread):
    """Samples the resident memory of a process and all its descendants until stopped.

    ``peak_kib`` is the largest sum seen, ``largest_kib`` the largest single process (what
    ``RUSAGE_CHILDREN`` would say), ``most_processes`` the most processes seen at once.
    """

    def __init__(self, pid: int, interval: float = 0.02) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.peak_kib = 0
        self.largest_kib = 0
        self.most_processes = 0
        self._stop_event = threading.Event()

    def sample(self) -> None:
        """Take one sample now."""
        pending, total, count = [self.pid], 0, 0
        while pending:
            pid = pending.pop()
            rss = _rss_kib(pid)
            total += rss
            count += 1
            self.largest_kib = max(self.largest_kib, rss)
            pending += _children(pid)
        self.peak_kib = max(self.peak_kib, total)
        self.most_processes = max(self.most_processes, count)

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.sample()
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        """Stop sampling and wait for the thread."""
        self._stop_event.set()
        self.join()


@dataclass(frozen=True)
class CliRun:
    """One run of the command on the batch."""

    args: tuple[str, ...]
    exit_status: int
    wall_s: float
    out_bytes: int
    sha256: str
    peak_tree_kib: int
    largest_process_kib: int
    most_processes: int


def run_check(path: Path, extra_args: tuple[str, ...] = (), *, pure: bool = False) -> CliRun:
    """Run ``mdesrules check --no-progress *extra_args* path`` with its output going to a
    file beside *path* (as ``> report.jsonl`` would), sampling the process tree's memory;
    the report is hashed after the clock stops, then deleted. With *pure*, the command
    runs with ``MDESRULES_JSON=stdlib``: the pure path, as without the ``fast`` extra (no
    orjson, no fast pass)."""
    args = (*extra_args, "--no-progress")
    env = {**ENV, "MDESRULES_JSON": "stdlib"} if pure else ENV
    return _run([*COMMAND, *args, str(path)], args, path, env)


def run_floor(path: Path) -> CliRun:
    """Run the parse-only floor (``parse_floor.py``: ``orjson.loads`` of each line of
    *path*, one process per core, each reading its share) as :func:`run_check` runs the
    command: a fresh interpreter, timed from start to exit."""
    return _run([*FLOOR, str(path)], ("parse floor",), path)


def _warm(argv: Sequence[str], path: Path, env: dict[str, str]) -> None:
    """Run *argv* once, untimed, on the first line of *path*: it writes the bytecode that
    every timed run then reads (see :data:`ENV`)."""
    if tuple(argv) in _warmed:
        return
    sample = path.with_name(path.name + ".warm" + path.suffix)
    with open(path, "rb") as f:
        sample.write_bytes(f.readline())
    subprocess.run([*argv, str(sample)], env=env, stdout=subprocess.DEVNULL, check=False)
    sample.unlink()
    _warmed.add(tuple(argv))


def _run(
    argv: Sequence[str], args: tuple[str, ...], path: Path, env: dict[str, str] = ENV
) -> CliRun:
    _warm(argv[:-1], path, env)
    report = path.with_name(path.name + ".report")
    os.sync()  # the input just written, or an earlier report, is not flushed on our clock
    start = time.perf_counter()
    with (
        open(report, "wb") as out,
        subprocess.Popen(argv, stdout=out, env=env) as proc,
    ):
        sampler = TreeSampler(proc.pid)
        sampler.start()
        status = proc.wait()
    wall = time.perf_counter() - start
    sampler.stop()
    digest = hashlib.sha256()
    with open(report, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    size = report.stat().st_size
    report.unlink()
    return CliRun(
        args,
        status,
        wall,
        size,
        digest.hexdigest(),
        sampler.peak_kib,
        sampler.largest_kib,
        sampler.most_processes,
    )


def main(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "updates.jsonl"
        size = write_records(path, n)
        done = run_check(path, ("--format", "json"))
    print(f"records:         {n:,} ({size / 1e6:.1f} MB of JSON Lines)")
    print(f"exit status:     {done.exit_status} (1 expected: one record in ten fails)")
    print(f"wall time:       {done.wall_s:.2f} s")
    print(f"per record:      {done.wall_s / n * 1e6:.1f} us ({n / done.wall_s:,.0f} records/s)")
    print(
        f"peak memory:     {done.peak_tree_kib / 1024:.1f} MB resident, whole process tree "
        f"({done.most_processes} process(es) at most; largest one "
        f"{done.largest_process_kib / 1024:.1f} MB)"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
