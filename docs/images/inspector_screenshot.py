"""Make docs/images/inspector.png: the inspector page of a simulator that has seen a few
requests, as headless Chromium (Debian's ``chromium`` package) renders it.

    .venv/bin/python docs/images/inspector_screenshot.py [chromium]
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path


def main() -> None:
    import mdesrules
    from mdesrules.fakes.mdes import MemoryStore, SimulatedMdes, faults, simulator_app
    from mdesrules.models import (
        AuditInfo,
        SearchRequest,
        TokenStatusHistoryRequest,
        TokenSuspendRequest,
        TokenUnsuspendRequest,
    )
    from mdesrules.serving.server import make_server
    from mdesrules.transports import InMemoryTransport

    lost = "DWSPMC00000000010906a349d9ca4eb1a4d53e3c90a11d9c"
    back = "DWSPMC000000000132d72d4fcb2f4136a0532d3093ff1a45"
    quiet = "DWSPMC00000000032d72d4fcb2f4136a0532d3093ff1a45"
    inventory = mdesrules.Inventory.from_records(
        [
            {"tokenUniqueReference": lost, "accountPan": "5412345678901232", "status": "A"},
            {"tokenUniqueReference": back, "accountPan": "5412345678904566", "status": "A"},
            {"tokenUniqueReference": quiet, "accountPan": "5412345678907890", "status": "A"},
        ]
    )
    mdes = SimulatedMdes(MemoryStore.from_inventory(inventory))
    audit = AuditInfo(user_id="A1435477", user_name="John Smith", organization="Any Bank")
    client = mdesrules.Client(InMemoryTransport(mdes, wire="json"))
    client.token_suspend(
        TokenSuspendRequest(token_unique_reference=lost, reason_code="L", audit_info=audit)
    )
    client.token_suspend(
        TokenSuspendRequest(token_unique_reference=back, reason_code="T", audit_info=audit)
    )
    client.token_unsuspend(
        TokenUnsuspendRequest(token_unique_reference=back, reason_code="F", audit_info=audit)
    )
    with contextlib.suppress(mdesrules.MdesError):
        client.token_suspend(
            TokenSuspendRequest(token_unique_reference=lost, reason_code="L", audit_info=audit)
        )
    client.search(SearchRequest(account_pan="5412345678901232", audit_info=audit))
    mdes.faults.add(faults.gateway(504, operation="token_status_history", times=1))
    with contextlib.suppress(mdesrules.MdesError):
        client.token_status_history(
            TokenStatusHistoryRequest(token_unique_reference=quiet, audit_info=audit)
        )
    mdes.faults.add(faults.gateway(503, retry_after=2, operation="token_delete", times=3))
    mdes.faults.add(faults.latency(1.5, share=0.25))

    server = make_server(simulator_app(mdes), "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    out = Path(__file__).with_name("inspector.png").resolve()
    url = f"http://127.0.0.1:{server.server_port}/__admin/#token={lost}"
    chromium = sys.argv[1] if len(sys.argv) > 1 else "chromium"
    try:
        with tempfile.TemporaryDirectory() as profile:
            sandbox = ["--no-sandbox"] if os.geteuid() == 0 else []
            subprocess.run(
                [
                    chromium,
                    "--headless",
                    "--disable-gpu",
                    "--hide-scrollbars",
                    f"--user-data-dir={profile}",
                    *sandbox,
                    "--window-size=1400,820",
                    "--virtual-time-budget=3000",
                    f"--screenshot={out}",
                    url,
                ],
                check=True,
                capture_output=True,
                timeout=120,
            )
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    print(out)


if __name__ == "__main__":
    main()
