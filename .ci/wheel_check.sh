#!/usr/bin/env bash
# The package as a user installs it: `pip install .` (not editable) into a fresh virtual
# environment, beside PyPI's unrelated `transports` 0.10.0, which installs a top-level
# `transports` package of its own. mdesrules must install no top-level package but
# `mdesrules`, and `mdesrules serve` must start, answer an MDES request and stop on SIGTERM
# with exit status 0. Needs PyPI (pip fetches `transports` and the build requirements).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Build from a copy of the working tree: a stale build/ folder in the checkout would end up
# in the wheel (setuptools reuses build/lib) and hide or fake a stray package.
mkdir "$work/src"
tar -C "$root" -cf - --exclude=./.git --exclude=./.venv --exclude=./build --exclude=./dist \
    --exclude='*.egg-info' --exclude=__pycache__ --exclude=.hypothesis --exclude=.mypy_cache \
    --exclude=.ruff_cache --exclude=.pytest_cache . | tar -C "$work/src" -xf -

python3 -m venv "$work/venv"
(cd "$work/src" && "$work/venv/bin/pip" install -q . transports==0.10.0)

# Run from the temporary folder, so that nothing is imported from the checkout.
cd "$work"
env -u PYTHONPATH "$work/venv/bin/python" - "$work/venv/bin/mdesrules" <<'PY'
import importlib.metadata as metadata
import json
import os
import re
import selectors
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

mdesrules_cli = sys.argv[1]

# 1. The installed distribution holds the package `mdesrules` and nothing else.
dist = metadata.distribution("mdesrules")
top_level = (dist.read_text("top_level.txt") or "").split()
assert top_level == ["mdesrules"], f"top_level.txt lists {top_level}"
record = [str(path) for path in dist.files or ()]
assert record, "the mdesrules distribution has no RECORD"
stray = [
    path
    for path in record
    if not path.startswith(("mdesrules/", f"mdesrules-{dist.version}.dist-info/", "../"))
]
assert not stray, f"files outside mdesrules/: {stray[:5]}"
assert not [p for p in record if p.split("/")[0] == "transports"], "a file under transports/"
other = metadata.distribution("transports")
theirs = {str(path).split("/")[0] for path in other.files or ()}
assert "transports" in theirs, f"PyPI transports {other.version} installs {sorted(theirs)}"
print(
    f"wheel: mdesrules {dist.version}: top_level.txt {top_level}, {len(record)} files, "
    f"none under transports/; beside transports {other.version} (its own transports/)"
)

# 2. `mdesrules serve` beside it: start, answer one token_suspend, stop on SIGTERM.
TUR = "DWSPMC00000000010906a349d9ca4eb1a4d53e3c90a11d9c"
with open("tokens.jsonl", "w", encoding="utf-8") as f:
    record_line = {"tokenUniqueReference": TUR, "accountPan": "5412345678901232", "status": "A"}
    f.write(json.dumps(record_line) + "\n")
server = subprocess.Popen(
    [mdesrules_cli, "serve", "--port", "0", "--tokens", "tokens.jsonl"],
    stdout=subprocess.PIPE,
    stderr=subprocess.PIPE,
)


def fail(message: str) -> None:
    if server.poll() is None:
        server.kill()
    out, err = server.communicate()
    sys.exit(f"{message}\nserver stdout: {out!r}\nserver stderr: {err!r}")


# The startup line on stderr gives the address bound (port 0: any free port).
deadline = time.monotonic() + 60
startup = b""
with selectors.DefaultSelector() as selector:
    selector.register(server.stderr, selectors.EVENT_READ)
    while b"\n" not in startup:
        left = deadline - time.monotonic()
        if left <= 0 or not selector.select(left):
            fail("no startup line within 60 s")
        chunk = os.read(server.stderr.fileno(), 4096)
        if not chunk:
            fail("the server ended before it started serving")
        startup += chunk
line = startup.decode("utf-8", "replace").splitlines()[0]
found = re.search(r"(http://\S+:\d+\S*)", line)
if found is None:
    fail(f"no address in the startup line {line!r}")
base = found[1].rstrip(".,;")
print(f"serve: {line}")

body = json.dumps(
    {
        "TokenSuspendRequest": {
            "TokenUniqueReference": TUR,
            "ReasonCode": "L",
            "CommentText": "Phone lost",
            "AuditInfo": {"UserId": "A1435477", "UserName": "John Smith", "Organization": "Any Bank"},
        }
    }
).encode()
request = urllib.request.Request(
    base + "/token/suspend", data=body, headers={"Content-Type": "application/json"}
)
deadline = time.monotonic() + 30
while True:  # until it answers, within the deadline
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            status, content_type, content = answer.status, answer.headers["Content-Type"], answer.read()
        break
    except urllib.error.HTTPError as error:  # an MDES refusal is an answer too, checked below
        status, content_type, content = error.code, error.headers["Content-Type"], error.read()
        break
    except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
        if server.poll() is not None or time.monotonic() > deadline:
            fail(f"no answer from {base}: {error}")
        time.sleep(0.2)

try:
    document = json.loads(content)
except ValueError:
    fail(f"the answer is not JSON: {status} {content_type} {content[:200]!r}")
if not (content_type or "").startswith("application/json"):
    fail(f"the answer is {content_type}, not JSON")
if status == 200:
    shaped = document.get("TokenSuspendResponse", {}).get("Token", {})
    if shaped.get("TokenUniqueReference") != TUR:
        fail(f"not a TokenSuspendResponse for the token: {document}")
else:
    errors = document.get("Errors", {}).get("Error")
    if not errors or not all("ReasonCode" in e for e in errors):
        fail(f"status {status} without MDES errors: {document}")
print(f"serve: POST {base}/token/suspend -> {status} {json.dumps(document)}")

# The inspector page is package data: a browser asking for /__admin/ gets it.
page_request = urllib.request.Request(
    base.split("/mdes/")[0] + "/__admin/", headers={"Accept": "text/html,*/*;q=0.8"}
)
with urllib.request.urlopen(page_request, timeout=10) as answer:
    page_type, page = answer.headers["Content-Type"], answer.read().decode("utf-8")
if not page_type.startswith("text/html") or "Simulated MDES inspector" not in page:
    fail(f"/__admin/ did not serve the inspector page: {page_type} {page[:200]!r}")
print(f"serve: GET /__admin/ (a browser) -> {page_type}, {len(page)} characters")

server.send_signal(signal.SIGTERM)
try:
    out, err = server.communicate(timeout=30)
except subprocess.TimeoutExpired:
    fail("the server did not stop within 30 s of SIGTERM")
if server.returncode != 0 or out or b"Traceback" in err:
    sys.exit(f"SIGTERM: exit status {server.returncode}, stdout {out!r}, stderr {err!r}")
print("serve: stopped by SIGTERM, exit status 0")
PY
