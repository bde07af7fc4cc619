"""Make docs/images/batch-report.png: the HTML report of ``mdesrules check`` on a batch of
50,000 requests with the mistakes a back office makes, as headless Chromium (Debian's
``chromium`` package) renders it.

    .venv/bin/python docs/images/batch_report_screenshot.py [chromium]
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

TUR = "DWSPMC00000000010906a349d9ca4eb1a4d53e3c90a11d9c"
GONE = "DWSPMC000000000132d72d4fcb2f4136a0532d3093ff1a45"
AUDIT = {"UserId": "A1435477", "UserName": "John Smith", "Organization": "Any Bank"}


def _luhn(body: str) -> str:
    def ok(number: str) -> bool:
        total = 0
        for i, ch in enumerate(reversed(number)):
            d = int(ch) * (2 if i % 2 else 1)
            total += d - 9 if d > 9 else d
        return total % 10 == 0

    return next(body + d for d in "0123456789" if ok(body + d))


def _record(rng: random.Random) -> str:
    pan = _luhn(f"541234{rng.randrange(10**9):09d}")
    update = {"TokenUniqueReference": TUR, "NewAccountPan": pan, "ExpirationDate": "0129"}
    roll = rng.random()
    if roll < 0.06:
        update["ExpirationDate"] = "1329"
    elif roll < 0.09:
        update["AuditInfo"] = {
            "UserId": "A1435477",
            "UserName": "John Smith",
            "Organisation": "Any Bank",
        }
        return json.dumps({"TokenUpdateRequest": update})
    elif roll < 0.11:
        update["CurrentAccountPan"] = pan
    elif roll < 0.125:
        update["TokenUniqueReference"] = GONE
    elif roll < 0.135:
        suspend = {"TokenUniqueReference": TUR, "ReasonCode": "L", "AuditInfo": AUDIT,
                   "CommentText": f"customer called, card {pan}"}  # fmt: skip
        return json.dumps({"TokenSuspendRequest": suspend})
    elif roll < 0.14:
        return json.dumps({"TokenUpdateRequest": update})[:70]  # cut short
    elif roll < 0.145:
        return json.dumps({"TokenUpdate": update})
    elif roll < 0.35:
        return json.dumps(
            {
                "TokenSuspendRequest": {
                    "TokenUniqueReference": TUR,
                    "ReasonCode": "L",
                    "AuditInfo": AUDIT,
                }
            }
        )
    elif roll < 0.45:
        return json.dumps({"SearchRequest": {"AccountPan": pan, "AuditInfo": AUDIT}})
    update["AuditInfo"] = AUDIT
    return json.dumps({"TokenUpdateRequest": update})


def main() -> None:
    out = Path(__file__).with_name("batch-report.png").resolve()
    chromium = sys.argv[1] if len(sys.argv) > 1 else "chromium"
    rng = random.Random(2026)
    with tempfile.TemporaryDirectory() as work:
        directory = Path(work)
        with open(directory / "requests.jsonl", "w", encoding="utf-8") as batch:
            batch.writelines(_record(rng) + "\n" for _ in range(50_000))
        inventory = [
            {"tokenUniqueReference": TUR, "accountPan": _luhn("541234000000123"), "status": "A"},
            {"tokenUniqueReference": GONE, "accountPan": _luhn("541234000000456"), "status": "D"},
        ]
        (directory / "inventory.jsonl").write_text(
            "".join(json.dumps(t) + "\n" for t in inventory), encoding="utf-8"
        )
        command = [sys.executable, "-m", "mdesrules", "check", "--no-progress", "--format", "html",
                   "--tokens", "inventory.jsonl", "requests.jsonl"]  # fmt: skip
        root = str(Path(__file__).resolve().parents[2])
        env = {**os.environ, "PYTHONPATH": root}
        with open(directory / "report.html", "wb") as page:
            subprocess.run(command, cwd=directory, stdout=page, env=env, check=False)
        sandbox = ["--no-sandbox"] if os.geteuid() == 0 else []
        subprocess.run(
            [
                chromium,
                "--headless",
                "--disable-gpu",
                "--hide-scrollbars",
                f"--user-data-dir={directory / 'profile'}",
                *sandbox,
                "--window-size=1200,2000",
                f"--screenshot={out}",
                (directory / "report.html").as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
    print(out)


if __name__ == "__main__":
    main()
