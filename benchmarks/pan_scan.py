"""What the ``pan_in_text`` scan costs: per string, per check, per clean batch.

Every string of every request that is not a PAN field is scanned for a card number
(:mod:`mdesrules.pan_text`). A check before and after the scan existed cannot be timed in
one run, so this times the scan on and off side by side (``Context(pan_in_text="off")``
turns it off; both sides pass a context, so that nothing else differs):

1. **Per string**: the scan as a compiled check runs it (a length test; then an anchored
   match for an identifier, or a count of the digits and, with 13 or more, a regex search
   for text; the Luhn test on a candidate only) on typical values, in nanoseconds.
2. **Per check**: one clean request of each API surface, microseconds per ``check`` with
   the scan on (the default) and off, and the ratio on / off.
3. **Clean batch in process**: ``check`` over N distinct clean token updates (the records of
   :mod:`cli_batch`, every one valid), records per second on and off, and the ratio.
4. **Clean batch, CLI** (``--cli``): ``mdesrules check --jobs 1`` on the same N records as
   JSON Lines, ``--pan-in-text off`` next to the default, wall time and ratio.

The two sides are timed in turn, best of several repeats each, and the side without the
scan twice: the ratio of those two timings of the same thing (``off / off``) is the noise of
the run, the band within which ``on / off`` is "unchanged". Nothing is asserted (machines
are shared and noisy). Only labels and numbers are printed, never a value.

Usage: ``python benchmarks/pan_scan.py [--quick] [--records N] [--cli]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import timeit
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cli_batch  # type: ignore[import-not-found]
from _table import table  # type: ignore[import-not-found]

import mdesrules
from mdesrules.apis import MDES_CS_API_2_2_2
from mdesrules.pan_text import match_whole, pan_found, whole_pan

__all__ = ["main", "per_check", "per_string"]

AUDIT = {"UserId": "A1435477", "UserName": "John Smith", "Organization": "Any Bank"}
TUR = "DWSPMC00000000010906a349d9ca4eb1a4d53e3c90a11d9c"
ON = mdesrules.Context()
OFF = mdesrules.Context(pan_in_text="off")

#: (label, value, whole): typical strings, and the worst cases of the scan.
STRINGS: list[tuple[str, str, bool]] = [
    ("AuditInfo.UserId (8 chars)", "A1435477", False),
    ("AuditInfo.UserName (10 chars)", "John Smith", False),
    ("CommentText, no digits (13 chars)", "Card reissued", False),
    ("CommentText with a date (38 chars)", "Card reissued on 2024-01-15 by branch", False),
    ("TokenUniqueReference (48 chars, identifier)", TUR, True),
    ("TokenUniqueReference as text (48 chars)", TUR, False),
    ("CommentText, 500 chars of prose", ("Customer called about the card. " * 16)[:500], False),
    ("CommentText, 500 chars of digit groups", ("1234 5678 90 " * 40)[:500], False),
    ("CommentText holding a PAN (found)", "customer called about 5412 3456 7890 1232", False),
]


def _best_ns(call: Callable[[], object], number: int) -> float:
    return min(timeit.repeat(call, number=number, repeat=7)) / number * 1e9


def _in_turn(calls: tuple[Callable[[], object], ...], number: int, repeat: int = 9) -> list[float]:
    """The best time of each of *calls* in seconds per *number* calls, timed in turn (a, b,
    c, a, b, c, ...), so that a change in the machine's load hits all of them."""
    best = [float("inf")] * len(calls)
    for _ in range(repeat):
        for i, call in enumerate(calls):
            best[i] = min(best[i], timeit.timeit(call, number=number))
    return best


def _noise(first: float, second: float) -> str:
    """The ratio of two timings of the *same* thing: how far apart noise alone puts them."""
    return f"{max(first, second) / min(first, second):.3f}"


def _compiled_test(value: str, whole: bool) -> Callable[[], object]:
    """The scan as the compiled check writes it inline (``pan_shortest`` is 12)."""
    if whole:
        return lambda: 12 < len(value) < 38 and match_whole(value) is not None and whole_pan(value)
    return lambda: len(value) > 12 and pan_found(value)


def per_string(number: int) -> str:
    rows = []
    for label, value, whole in STRINGS:
        found = whole_pan(value) if whole else pan_found(value)
        ns = _best_ns(_compiled_test(value, whole), number)
        rows.append((label, f"{ns:,.0f}", "yes" if found else "no"))
    return table(("string", "ns per scan", "card number"), rows, right="1")


def _update(**members: object) -> dict[str, Any]:
    inner: dict[str, Any] = {
        "TokenUniqueReference": TUR,
        "NewAccountPan": "5412345678908880",
        "ExpirationDate": "0128",
        "AccountPanSequenceNumber": "01",
        "UpdateWalletProviderIndicator": "0",
        "CommentText": "Card reissued",
        "AuditInfo": AUDIT,
    }
    inner.update(members)
    return {"TokenUpdateRequest": inner}


#: (label, operation, document, registry): one clean request of each surface.
DOCUMENTS: list[tuple[str, str, dict[str, Any], mdesrules.Registry | None]] = [
    ("token_update 2.0.7 (run.py's document)", "token_update", _update(), None),
    (
        "token_update 2.0.7, 500-char comment",
        "token_update",
        _update(CommentText=("Customer called about the card. " * 16)[:500]),
        None,
    ),
    (
        "token_update 2.2.2, plaintext form",
        "token_update",
        {
            "TokenUpdateRequest": {
                "EncryptedAccountInformation": {
                    "EncryptedData": {
                        "CurrentAccount": {"AccountPan": "5412345678901232"},
                        "NewAccount": {"AccountPan": "5412345678908880", "ExpirationDate": "0128"},
                    }
                },
                "CommentText": "Card reissued",
                "AuditInfo": AUDIT,
            }
        },
        MDES_CS_API_2_2_2,
    ),
    (
        "legacy_update (camelCase JSON)",
        "legacy_update",
        {
            "tokenUniqueReference": TUR,
            "expirationDate": "0128",
            "commentText": "Card reissued",
            "auditInfo": {"userId": "A1435477", "userName": "John Smith", "organization": "Bank"},
        },
        None,
    ),
    (
        "tms_payment_credentials",
        "tms_payment_credentials",
        {
            "tokenId": "7010000000016241111",
            "paymentCredentialType": "CRYPTOGRAM",
            "orderInformation": {
                "amountDetails": {"totalAmount": "102.21", "currency": "978"},
                "billTo": {"firstName": "John", "lastName": "Smith", "locality": "London"},
            },
            "deviceInformation": {"userAgentBrowserValue": "Mozilla/5.0 (X11; Linux x86_64)"},
        },
        None,
    ),
    (
        "notify_token_updated (2 tokens)",
        "notify_token_updated",
        {
            "tokens": [
                {"tokenUniqueReference": TUR, "status": "ACTIVE"},
                {
                    "tokenUniqueReference": TUR[:-1] + "e",
                    "status": "SUSPENDED",
                    "suspendedBy": ["ISSUER"],
                    "eventReasonCode": "DEVICE_LOST",
                    "statusTimestamp": "2024-01-31T12:00:00Z",
                },
            ]
        },
        None,
    ),
]


def _checking(
    operation: str,
    document: dict[str, Any],
    context: mdesrules.Context,
    registry: mdesrules.Registry | None,
) -> Callable[[], object]:
    return lambda: mdesrules.check(operation, document, context, registry=registry)


def per_check(number: int) -> str:
    rows = []
    for label, operation, document, registry in DOCUMENTS:
        for context in (ON, OFF):
            report = mdesrules.check(operation, document, context, registry=registry)
            assert not report.violations, (label, report.codes)
        off = _checking(operation, document, OFF, registry)
        on, off_1, off_2 = _in_turn(
            (_checking(operation, document, ON, registry), off, off), number
        )
        off_best = min(off_1, off_2)
        on_us, off_us = on / number * 1e6, off_best / number * 1e6
        rows.append(
            (label, f"{on_us:.2f}", f"{off_us:.2f}", f"{on / off_best:.3f}", _noise(off_1, off_2))
        )
    headers = ("clean request", "us, scan on", "us, scan off", "on / off", "off / off (noise)")
    return table(headers, rows, right="1234")


def batch_in_process(records: int) -> str:
    documents = [cli_batch.record(i) for i in range(records) if i % 10 != 9]  # the valid ones

    def run(context: mdesrules.Context) -> Callable[[], object]:
        def call() -> object:
            failed = 0
            for document in documents:
                failed += not mdesrules.check("token_update", document, context).ok
            assert failed == 0
            return failed

        return call

    on, off_1, off_2 = _in_turn((run(ON), run(OFF), run(OFF)), 1, repeat=7)
    times = {"on": on, "off": min(off_1, off_2)}
    rate = {k: len(documents) / v for k, v in times.items()}
    headers = ("clean batch in process", "records", "records/s, scan on", "records/s, scan off")
    return table(
        (*headers, "on / off", "off / off (noise)"),
        [
            (
                "check() over distinct token updates",
                f"{len(documents):,}",
                f"{rate['on']:,.0f}",
                f"{rate['off']:,.0f}",
                f"{times['on'] / times['off']:.3f}",
                _noise(off_1, off_2),
            )
        ],
        right="12345",
    )


def batch_cli(records: int) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "clean.jsonl"
        with path.open("w") as f:
            for i in range(records):
                if i % 10 != 9:
                    f.write(json.dumps(cli_batch.record(i)) + "\n")
        out = Path(tmp) / "report.txt"
        walls = {"default": float("inf"), "off": float("inf"), "off again": float("inf")}
        for _ in range(4):  # in turn, so that a change in the machine's load hits all
            for mode in walls:
                command = [*cli_batch.COMMAND, "--no-progress", "--jobs", "1"]
                command += ["--pan-in-text", mode.split()[0], str(path)]
                with out.open("wb") as sink:
                    start = time.perf_counter()
                    status = subprocess.run(command, stdout=sink, check=False).returncode
                    walls[mode] = min(walls[mode], time.perf_counter() - start)
                assert status == 0, f"the clean batch failed with --pan-in-text {mode}"
    n = sum(1 for i in range(records) if i % 10 != 9)
    off = min(walls["off"], walls["off again"])
    headers = ("clean batch, CLI --jobs 1", "records", "s, scan on", "s, scan off", "on / off")
    return table(
        (*headers, "off / off (noise)"),
        [
            (
                "mdesrules check --pan-in-text default | off",
                f"{n:,}",
                f"{walls['default']:.2f}",
                f"{off:.2f}",
                f"{walls['default'] / off:.3f}",
                _noise(walls["off"], walls["off again"]),
            )
        ],
        right="12345",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer iterations")
    parser.add_argument("--records", type=int, default=50_000, help="records of the batches")
    parser.add_argument("--cli", action="store_true", help="also time the CLI on the batch")
    args = parser.parse_args()
    number = 2_000 if args.quick else 20_000
    print(f"Python {sys.version.split()[0]}, mdesrules {mdesrules.__version__}\n")
    print(per_string(number * 5), end="\n\n")
    print(per_check(number), end="\n\n")
    print(batch_in_process(args.records // (5 if args.quick else 1)), end="\n\n")
    if args.cli:
        print(batch_cli(args.records))


if __name__ == "__main__":
    main()
