"""The parse-only floor of ``mdesrules check`` on a JSON Lines file: ``orjson.loads`` of
each line, nothing else, framed as the command frames a batch on every core.

One process per usable core (this one and forked ones) reads its share of the file's
bytes, from the first line that starts in it to the end of the line that crosses its end,
in blocks of about 1 MiB, splits each block into lines and parses each non-blank line.
Nothing is written. ``cli_batch.run_floor`` times it as it times the command: from the
start of a fresh interpreter to its exit, so both pay for starting Python.

Usage: ``python benchmarks/parse_floor.py FILE [JOBS]`` (default: every usable core).
"""

from __future__ import annotations

import os
import sys

import orjson

BLOCK = 1 << 20


def count_share(path: str, part: int, parts: int) -> int:
    """Parse the lines of share *part* (of *parts*) of *path*; how many there were."""
    size = os.path.getsize(path)
    start, end = size * part // parts, size * (part + 1) // parts
    loads = orjson.loads
    count = 0
    with open(path, "rb") as f:
        if start:
            f.seek(start - 1)
            f.readline()  # the line under way at the start is the share before's
        pos = f.tell()
        carry = b""
        while pos < end:
            chunk = f.read(min(BLOCK, end - pos))
            if not chunk:
                break
            pos += len(chunk)
            lines = (carry + chunk).split(b"\n")
            if pos >= end:
                lines[-1] += f.readline().rstrip(b"\n")  # finish the line crossing the end
                carry = b""
            else:
                carry = lines.pop()
            for line in lines:
                if line:
                    loads(line)
                    count += 1
    return count


def main(path: str, jobs: int) -> None:
    children = []
    for part in range(1, jobs):
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            count_share(path, part, jobs)
            os._exit(0)
        children.append(pid)
    count_share(path, 0, jobs)
    for pid in children:
        os.waitpid(pid, 0)


if __name__ == "__main__":
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else usable or 1)
