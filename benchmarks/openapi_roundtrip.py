"""A client generated from the exported spec accepts every answer of ``mdesrules serve``.

Issue 12: openapi-generator's Python client (pydantic) of the published MDES CS API 2.0.7
specification refuses answers that carry a ``CommentId``, ``LastCommentId`` or an error's
``ReasonCode``, because 2.0.7 declares ``maxLength: 0`` on them. This script generates the
same kind of client from ``mdesrules rules --format openapi``, starts ``mdesrules serve``
seeded with ``examples/inventory.jsonl`` on loopback, sends valid requests of every
operation through the generated client (documents from ``mdesrules.testing``, most aimed at
the seeded tokens) and counts what the client made of each answer: a 200 read into its
response model, an MDES error read into ``ErrorsResponse``, or a failure to read.

Needs the ``bench`` extra (``openapi-generator-cli``, ``pydantic``) and Java::

    python benchmarks/openapi_roundtrip.py [--per-operation 25]

Exit status 0 when every answer was read, 1 otherwise, 2 when it cannot run here.
"""

from __future__ import annotations

import argparse
import collections
import importlib
import json
import os
import random
import re
import selectors
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
INVENTORY = ROOT / "examples" / "inventory.jsonl"
STARTUP = re.compile(r"mdesrules: serving the simulated MDES on (http://127\.0\.0\.1:\d+)/")
PACKAGE = "mdes_export_client"


def generator() -> str | None:
    """The openapi-generator-cli command, or None when it (or Java) is missing."""
    found = shutil.which("openapi-generator-cli") or str(
        Path(sys.executable).with_name("openapi-generator-cli")
    )
    if not os.path.exists(found) or shutil.which("java") is None:
        return None
    return found


def generate(spec: Path, out: Path, package: str = PACKAGE) -> None:
    """Generate openapi-generator's Python client of *spec* into *out* as *package*."""
    command = generator()
    assert command is not None
    arguments = ["generate", "-i", str(spec), "-g", "python", "-o", str(out)]
    subprocess.run(
        [command, *arguments, "--package-name", package],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def start_server(*options: str) -> tuple[subprocess.Popen[bytes], str]:
    """Start ``mdesrules serve --port 0 OPTIONS``; return the process and the URL of the
    host (``http://127.0.0.1:PORT``) once it says where it listens."""
    process = subprocess.Popen(
        [sys.executable, "-m", "mdesrules", "serve", "--port", "0", *options],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"},
    )
    assert process.stderr is not None
    deadline = time.monotonic() + 30
    data = b""
    with selectors.DefaultSelector() as selector:
        selector.register(process.stderr, selectors.EVENT_READ)
        while b"\n" not in data:
            left = deadline - time.monotonic()
            if left <= 0 or not selector.select(left):
                break
            chunk = os.read(process.stderr.fileno(), 4096)
            if not chunk:
                break
            data += chunk
    match = STARTUP.match(data.decode("utf-8", "replace"))
    if match is None:
        process.kill()
        raise SystemExit(f"mdesrules serve did not start: {data!r}")
    return process, match[1]


def _pascal(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def _seeded(document: dict[str, Any], rng: random.Random, records: list[dict[str, str]]) -> None:
    inner = next(iter(document.values())) if len(document) == 1 else document
    record = rng.choice(records)
    for key in list(inner):
        if key.lower() == "tokenuniquereference" and rng.random() < 0.9:
            inner[key] = record["tokenUniqueReference"]
        elif key.lower() in ("accountpan", "currentaccountpan") and rng.random() < 0.9:
            inner[key] = record["accountPan"]


def _comment_ids(value: Any) -> int:
    if isinstance(value, dict):
        return sum(
            (k in ("CommentId", "LastCommentId", "lastCommentId") and bool(v)) + _comment_ids(v)
            for k, v in value.items()
        )
    if isinstance(value, list):
        return sum(_comment_ids(v) for v in value)
    return 0


def run(per_operation: int, seed: int) -> int:
    import mdesrules
    from mdesrules.openapi import openapi
    from mdesrules.testing import valid_documents

    spec = openapi(mdesrules.REGISTRY)
    records = [json.loads(line) for line in INVENTORY.read_text().splitlines() if line.strip()]
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as work:
        spec_path = Path(work) / "spec.json"
        spec_path.write_text(json.dumps(spec), encoding="utf-8")
        generate(spec_path, Path(work) / "client")
        sys.path.insert(0, str(Path(work) / "client"))
        client = importlib.import_module(PACKAGE)
        models = importlib.import_module(f"{PACKAGE}.models")
        process, url = start_server("--tokens", str(INVENTORY))
        tally: collections.Counter[str] = collections.Counter()
        comment_ids = 0
        failures: list[str] = []
        try:
            api = client.DefaultApi(client.ApiClient(client.Configuration(host=url)))
            for path in spec["paths"].values():
                for op in path.values():
                    name = op["operationId"]
                    # None for a GET (2.0.7's /systemstatus): no body to send.
                    body_model = getattr(models, _pascal(name) + "RequestBody", None)
                    strategy = valid_documents(name)
                    for _ in range(per_operation):
                        with warnings.catch_warnings():
                            warnings.simplefilter("ignore")
                            document = strategy.example()
                        _seeded(document, rng, records)
                        call = getattr(api, f"{name}_with_http_info")
                        try:
                            answer = call(body_model.from_dict(document)) if body_model else call()
                            tally[f"{name} 200"] += 1
                            comment_ids += _comment_ids(answer.data.to_dict())
                        except client.ApiException as error:
                            try:
                                read = models.ErrorsResponse.from_json(error.body)
                                if read.errors is None or not read.errors.error:
                                    raise ValueError("an MDES error document with no Error")
                                tally[f"{name} {error.status}"] += 1
                            except Exception as unread:
                                failures.append(f"{name} {error.status}: {unread}")
                        except Exception as unread:
                            failures.append(f"{name}: {type(unread).__name__}: {unread}")
        finally:
            process.terminate()
            process.communicate(timeout=20)
    total = sum(tally.values()) + len(failures)
    print(f"{total} answers; read by the generated client: {sum(tally.values())}; ")
    print(f"comment ids in 200 answers: {comment_ids}")
    for key, count in sorted(tally.items()):
        print(f"  {key}: {count}")
    for failure in failures[:20]:
        print(f"  NOT READ {failure}")
    return 1 if failures else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-operation", type=int, default=25)
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args()
    if generator() is None:
        print("openapi-generator-cli or Java is missing (pip install -e '.[bench]')")
        return 2
    return run(args.per_operation, args.seed)


if __name__ == "__main__":
    sys.exit(main())
