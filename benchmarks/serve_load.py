"""``mdesrules serve`` under load, beside an OpenAPI mock server given the same spec.

Every server gets the same request mix over HTTP/1.1 from the same client: 8 threads (by
default), each with one kept-alive connection, sending a seeded sequence of Customer
Service API 2.0.7 requests on the tokens of a seeded inventory: searches and status
histories (reads, half the mix), suspends, unsuspends and updates (writes). Each server
answers a short warm-up first, then the measured requests; the table gives requests/s over
the measured wall time, p50 and p99 latency, and the answers by status class.

The servers, each a process of its own on 127.0.0.1:

- ``mdesrules serve`` (waitress, HTTP/1.1) with the tokens in memory, and in SQLite
  (``--db``): every request checked against the rules and the token states, every write
  applied (a ``400`` is the lifecycle's own refusal: suspending a suspended token, ...);
- the same simulator under the standard library's :mod:`wsgiref` (HTTP/1.0, a connection
  per request, a thread per connection), the server ``mdesrules serve`` ran before;
- Prism (``npx @stoplight/prism-cli mock``, from the npm registry) given Mastercard's 2.0.7
  spec (``specs/mdes-customer-service-v2.0.7.yaml``): it validates each request against the
  spec's schemas and answers the spec's example, with no token state at all. Skipped, with
  a line saying why, when ``npx`` is missing or Prism does not start.

Numbers are reported, never asserted: the machine is shared, and the client shares its
cores with the server. Only paths, counts and timings are printed, never a request.

Usage: ``python benchmarks/serve_load.py [--requests N] [--threads N] [--no-prism]
[--no-wsgiref]``; ``benchmarks/run.py --serve`` runs it as a section.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from _table import table

__all__ = ["Result", "measure", "render"]

ROOT = Path(__file__).resolve().parent.parent
SPEC = Path(__file__).resolve().parent / "specs" / "mdes-customer-service-v2.0.7.yaml"
BASE_PATH = "/mdes/csapi/v2"
STARTUP = re.compile(r"serving the simulated MDES on (http://[^/\s]+)/mdes/csapi/v2")
PRISM_PACKAGE = "@stoplight/prism-cli@5"
AUDIT = {"UserId": "A1435477", "UserName": "Load Test", "Organization": "Any Bank"}
TOKENS = 200
WARM_UP = 25  # requests per thread before the clock starts
TIME_LIMIT = 120.0  # seconds for one server's measured requests, whatever happens
START_LIMIT = 120.0  # seconds for a server to start (npx may first fetch Prism)

# The old server: the standard library's wsgiref, a thread per connection, HTTP/1.0.
_WSGIREF = """
import sys
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer
from mdesrules.context import Inventory
from mdesrules.fakes.mdes import MemoryStore, SimulatedMdes
from mdesrules.serving.wsgi import WsgiApp
import json, signal, threading

class Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    request_queue_size = 128
    block_on_close = False

class Quiet(WSGIRequestHandler):
    timeout = 30
    def log_message(self, *args):
        pass

with open(sys.argv[1], encoding="utf-8") as f:
    inventory = Inventory.from_records(json.loads(line) for line in f if line.strip())
app = WsgiApp(SimulatedMdes(MemoryStore.from_inventory(inventory)))
server = Server(("127.0.0.1", 0), Quiet)
server.set_app(app)
signal.signal(signal.SIGTERM, lambda *a: threading.Thread(target=server.shutdown).start())
sys.stderr.write(
    f"mdesrules: serving the simulated MDES on http://127.0.0.1:{server.server_port}"
    "/mdes/csapi/v2\\n"
)
sys.stderr.flush()
server.serve_forever(poll_interval=0.25)
server.server_close()
"""


_TO_STDERR = "import os, sys; os.dup2(2, 1); os.execvp(sys.argv[1], sys.argv[1:])"


def _tur(n: int) -> str:
    return f"DWSPMC{n:010d}0906a349d9ca4eb1a4d53e3c90a11d9c"


def _luhn(prefix: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(prefix)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return prefix + str((10 - total % 10) % 10)


def write_inventory(path: Path) -> None:
    """TOKENS tokens, half active and half suspended by the issuer, as JSON Lines."""
    with path.open("w", encoding="utf-8") as f:
        for n in range(TOKENS):
            record = {
                "tokenUniqueReference": _tur(n),
                "accountPan": _luhn(f"541234{n:09d}"),
                "status": "S" if n % 2 else "A",
                **({"suspenders": ["I"]} if n % 2 else {}),
            }
            f.write(json.dumps(record) + "\n")


def request_mix(seed: int, count: int) -> list[tuple[str, bytes]]:
    """*count* (path, JSON body) pairs, drawn from a seeded random generator."""
    rng = random.Random(seed)
    mix: list[tuple[str, bytes]] = []
    for n in range(count):
        tur = _tur(rng.randrange(TOKENS))
        kind = rng.choices(
            ["search", "statushistory", "suspend", "unsuspend", "update"], [3, 2, 1.5, 1.5, 2]
        )[0]
        if kind == "search":
            doc: dict[str, object] = {
                "SearchRequest": {"TokenUniqueReference": tur, "AuditInfo": AUDIT}
            }
            path = "/search"
        elif kind == "statushistory":
            doc = {"TokenStatusHistoryRequest": {"TokenUniqueReference": tur}}
            path = "/token/statushistory"
        elif kind in ("suspend", "unsuspend"):
            root = "TokenSuspendRequest" if kind == "suspend" else "TokenUnsuspendRequest"
            doc = {
                root: {
                    "TokenUniqueReference": tur,
                    "ReasonCode": "T" if kind == "suspend" else "F",
                    "CommentText": f"load {seed}-{n}",
                    "AuditInfo": AUDIT,
                }
            }
            path = f"/token/{kind}"
        else:
            doc = {
                "TokenUpdateRequest": {
                    "TokenUniqueReference": tur,
                    "ExpirationDate": f"{rng.randint(1, 12):02d}{rng.randint(30, 39)}",
                    "CommentText": f"load {seed}-{n}",
                    "AuditInfo": AUDIT,
                }
            }
            path = "/token/update"
        mix.append((path, json.dumps(doc).encode()))
    return mix


@dataclass
class Result:
    """One server's run."""

    name: str
    requests: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    errors: int = 0
    skipped: str | None = None
    #: CPU seconds the server's processes used while the measured requests ran.
    server_cpu: float | None = None

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return 0.0
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


def _read_startup(process: subprocess.Popen[bytes], pattern: re.Pattern[str]) -> str | None:
    """The first match of *pattern* in the process's output, within START_LIMIT."""
    assert process.stderr is not None
    deadline = time.monotonic() + START_LIMIT
    seen = b""
    with selectors.DefaultSelector() as selector:
        selector.register(process.stderr, selectors.EVENT_READ)
        while (left := deadline - time.monotonic()) > 0 and selector.select(left):
            chunk = os.read(process.stderr.fileno(), 65_536)
            if not chunk:
                return None
            seen += chunk
            match = pattern.search(seen.decode("utf-8", "replace"))
            if match:
                return match[1]
    return None


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@contextmanager
def _process(argv: list[str], pattern: re.Pattern[str]) -> Iterator[tuple[str | None, int]]:
    """Start *argv* in a process group of its own; yield the root URL its output names and
    the group's id."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        argv,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        start_new_session=True,
    )
    try:
        root = _read_startup(process, pattern)
        # Prism logs every request: keep reading, or it blocks on a full pipe.
        threading.Thread(target=_drain, args=(process,), daemon=True).start()
        yield root, process.pid
    finally:
        _stop(process)


def _drain(process: subprocess.Popen[bytes]) -> None:
    assert process.stderr is not None
    try:
        while os.read(process.stderr.fileno(), 65_536):
            pass
    except OSError:
        pass


def group_cpu_seconds(group: int) -> float | None:
    """CPU time used so far by the live processes of a process group (Linux ``/proc``)."""
    proc = Path("/proc")
    if not proc.is_dir():
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group:  # pgrp; utime and stime follow at 11 and 12
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _load(root: str, prefix: str, threads: int, per_thread: int, name: str, group: int) -> Result:
    host, port = root.removeprefix("http://").rsplit(":", 1)
    result = Result(name)
    lock = threading.Lock()
    start = threading.Barrier(threads + 1)
    done = threading.Barrier(threads + 1)

    def client(seed: int) -> None:
        mix = request_mix(seed, WARM_UP + per_thread)
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        latencies: list[float] = []
        statuses: Counter[str] = Counter()
        errors = 0
        headers = {"Content-Type": "application/json", "Accept": "application/json"}

        def send(path: str, body: bytes) -> int:
            conn.request("POST", prefix + path, body=body, headers=headers)
            answer = conn.getresponse()
            answer.read()
            return answer.status

        try:
            for path, body in mix[:WARM_UP]:
                try:
                    send(path, body)
                except (OSError, http.client.HTTPException):
                    conn.close()
            start.wait()
            deadline = time.monotonic() + TIME_LIMIT
            for path, body in mix[WARM_UP:]:
                if time.monotonic() > deadline:
                    break
                began = time.perf_counter()
                try:
                    status = send(path, body)
                except (OSError, http.client.HTTPException):
                    conn.close()  # reconnects on the next request
                    errors += 1
                    continue
                latencies.append(time.perf_counter() - began)
                statuses[f"{status // 100}xx" if status not in (200, 400) else str(status)] += 1
        finally:
            conn.close()
            with lock:
                result.latencies.extend(latencies)
                result.statuses.update(statuses)
                result.errors += errors
            done.wait()

    workers = [
        threading.Thread(target=client, args=(seed,), daemon=True) for seed in range(threads)
    ]
    for worker in workers:
        worker.start()
    start.wait()
    began = time.perf_counter()
    cpu_before = group_cpu_seconds(group)
    done.wait()
    result.seconds = time.perf_counter() - began
    cpu_after = group_cpu_seconds(group)
    if cpu_before is not None and cpu_after is not None:
        result.server_cpu = cpu_after - cpu_before
    result.requests = len(result.latencies)
    for worker in workers:
        worker.join(timeout=5)
    return result


def _prism_prefix(root: str) -> str:
    """Where Prism serves the spec's paths: at the root, or below the spec's base path."""
    host, port = root.removeprefix("http://").rsplit(":", 1)
    for prefix in ("", BASE_PATH):
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        try:
            conn.request(
                "POST",
                prefix + "/token/statushistory",
                body=b"{}",
                headers={"Content-Type": "application/json"},
            )
            if conn.getresponse().status != 404:
                return prefix
        except (OSError, http.client.HTTPException):
            pass
        finally:
            conn.close()
    return ""


def measure(
    threads: int = 8, per_thread: int = 500, *, prism: bool = True, wsgiref: bool = True
) -> list[Result]:
    """Run the load against every server in turn; one :class:`Result` each."""
    results: list[Result] = []
    python = sys.executable
    with tempfile.TemporaryDirectory() as folder:
        tokens = Path(folder) / "tokens.jsonl"
        write_inventory(tokens)
        serve = [python, "-m", "mdesrules", "serve", "--port", "0", "--tokens", str(tokens)]
        runs: list[tuple[str, list[str]]] = [
            ("mdesrules serve, memory", serve),
            ("mdesrules serve, SQLite", [*serve, "--db", str(Path(folder) / "load.sqlite")]),
        ]
        if wsgiref:
            runs.append(("wsgiref (before), memory", [python, "-c", _WSGIREF, str(tokens)]))
        for name, argv in runs:
            with _process(argv, STARTUP) as (root, group):
                if root is None:
                    results.append(Result(name, skipped="did not start"))
                    continue
                results.append(_load(root, BASE_PATH, threads, per_thread, name, group))
        if prism:
            results.append(_prism(threads, per_thread))
    return results


def _prism(threads: int, per_thread: int) -> Result:
    name = "Prism mock, 2.0.7 spec"
    npx = shutil.which("npx")
    if npx is None:
        return Result(name, skipped="skipped: npx (Node.js) is not installed")
    port = _free_port()
    # Prism writes to stdout; the wrapper sends it to stderr, which _process reads.
    prism = [npx, "--yes", PRISM_PACKAGE, "mock", "-h", "127.0.0.1", "-p", str(port), str(SPEC)]
    argv = [sys.executable, "-c", _TO_STDERR, *prism]
    listening = re.compile(r"Prism is listening on (http://[0-9.]+:\d+)")
    with _process(argv, listening) as (root, group):
        if root is None:
            return Result(name, skipped="skipped: Prism did not start (npm registry reachable?)")
        return _load(root, _prism_prefix(root), threads, per_thread, name, group)


def render(results: list[Result], threads: int) -> str:
    """The results as a table, with the ratios the targets read."""
    rows = []
    notes = []
    for r in results:
        if r.skipped:
            notes.append(f"- {r.name}: {r.skipped}")
            continue
        answers = ", ".join(f"{k}: {v}" for k, v in sorted(r.statuses.items()))
        rows.append(
            [
                r.name,
                f"{r.requests:,}",
                f"{r.per_second:,.0f}",
                f"{r.percentile(0.5):.1f}",
                f"{r.percentile(0.99):.1f}",
                "-" if r.server_cpu is None else f"{r.server_cpu * 1000 / max(r.requests, 1):.2f}",
                answers + (f", errors: {r.errors}" if r.errors else ""),
            ]
        )
    text = table(
        ["server", "requests", "requests/s", "p50 ms", "p99 ms", "server CPU ms/req", "answers"],
        rows,
        right="12345",
    )
    by_name = {r.name: r for r in results if not r.skipped}
    memory = by_name.get("mdesrules serve, memory")
    prism = by_name.get("Prism mock, 2.0.7 spec")
    old = by_name.get("wsgiref (before), memory")
    lines = [
        f"{threads} client threads, one kept-alive connection each. 'server CPU ms/req': the "
        "CPU time of the server's processes over the measured requests, per request (less "
        "sensitive to a busy machine than requests/s).",
        "",
        text,
        *notes,
    ]
    if memory and old and old.per_second:
        lines.append(
            f"- mdesrules serve (memory) / wsgiref: {memory.per_second / old.per_second:.2f}x "
            "requests/s"
        )
    if memory and old and memory.server_cpu and old.server_cpu:
        lines.append(
            f"- server CPU per request, wsgiref / mdesrules serve (memory): "
            f"{old.server_cpu / old.requests / (memory.server_cpu / memory.requests):.2f}x"
        )
    if memory and prism and memory.server_cpu and prism.server_cpu:
        lines.append(
            f"- server CPU per request, Prism / mdesrules serve (memory): "
            f"{prism.server_cpu / prism.requests / (memory.server_cpu / memory.requests):.2f}x"
        )
    if memory and prism and prism.per_second:
        ratio = memory.per_second / prism.per_second
        verdict = "met" if ratio >= 2 else "NOT met"
        lines.append(
            f"- mdesrules serve (memory) / Prism: {ratio:.2f}x requests/s (target >= 2x: {verdict})"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--requests", type=int, default=500, help="per thread (default 500)")
    parser.add_argument("--threads", type=int, default=8, help="client threads (default 8)")
    parser.add_argument("--no-prism", action="store_true", help="leave Prism out")
    parser.add_argument("--no-wsgiref", action="store_true", help="leave the old server out")
    args = parser.parse_args(argv)
    results = measure(
        args.threads, args.requests, prism=not args.no_prism, wsgiref=not args.no_wsgiref
    )
    print(render(results, args.threads))


if __name__ == "__main__":
    main()
