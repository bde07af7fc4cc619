"""Time ``mdesrules check`` end to end on a generated batch of token update requests.

Writes N JSON Lines token updates (nine in ten valid, one in ten with two violations) to a
temporary file, runs the installed command on it in a subprocess with ``--format json``, and
prints the wall time per record and the subprocess's peak resident memory.

Usage: ``python benchmarks/cli_batch.py [N]`` (default 100000).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time

AUDIT = {"UserId": "A1435477", "UserName": "John Smith", "Organization": "Any Bank"}


def luhn_complete(prefix: str) -> str:
    """*prefix* followed by its Luhn check digit."""
    total = 0
    for i, ch in enumerate(reversed(prefix)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return prefix + str((10 - total % 10) % 10)


def record(i: int) -> dict[str, object]:
    """The *i*-th request of the batch."""
    inner: dict[str, object] = {
        "TokenUniqueReference": f"DWSPMC{i:042x}",
        "NewAccountPan": luhn_complete(f"541234{i:09d}"),
        "ExpirationDate": "0128",
        "AuditInfo": AUDIT,
    }
    if i % 10 == 9:
        inner["IssuerProductConfigurationId"] = "ANYGOLD101"
        inner["ExpirationDate"] = "1328"
    return {"TokenUpdateRequest": inner}


def main(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "updates.jsonl")
        with open(path, "w", encoding="utf-8") as f:
            for i in range(n):
                f.write(json.dumps(record(i)) + "\n")
        size = os.path.getsize(path)
        command = [sys.executable, "-m", "mdesrules", "check", "--format", "json", path]
        start = time.perf_counter()
        done = subprocess.run(command, stdout=subprocess.DEVNULL, check=False)
        elapsed = time.perf_counter() - start
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(f"records:         {n:,} ({size / 1e6:.1f} MB of JSON Lines)")
    print(f"exit status:     {done.returncode} (1 expected: one record in ten fails)")
    print(f"wall time:       {elapsed:.2f} s")
    print(f"per record:      {elapsed / n * 1e6:.1f} us ({n / elapsed:,.0f} records/s)")
    print(f"peak memory:     {peak_kib / 1024:.1f} MB resident")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
