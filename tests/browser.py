"""Headless Chromium for the tests of pages people open in a browser (the inspector, the
HTML batch report): the system's own browser, or a skip, or a failure where it is required."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest


def chromium() -> str:
    """The system Chromium (Debian's ``chromium`` package), or skip: or fail when
    ``MDESRULES_REQUIRE_BROWSER=1`` (CI), so that a missing browser is never a silent pass."""
    for name in (os.environ.get("MDESRULES_CHROMIUM", ""), "chromium", "chromium-browser"):
        found = shutil.which(name) if name else None
        if found:
            return found
    reason = "no chromium installed (apt-get install chromium); the browser test"
    if os.environ.get("MDESRULES_REQUIRE_BROWSER") == "1":
        pytest.fail(reason + " is required here (MDESRULES_REQUIRE_BROWSER=1)")
    pytest.skip(reason + " is skipped")


def chromium_command(chromium: str, profile: Path, *args: str) -> list[str]:
    """Headless Chromium with a profile of its own; as root (CI containers) without the
    sandbox, which Chromium refuses to start as root."""
    sandbox = ["--no-sandbox"] if os.geteuid() == 0 else []
    return [
        chromium,
        "--headless",
        "--disable-gpu",
        "--no-first-run",
        "--disable-extensions",
        f"--user-data-dir={profile}",
        *sandbox,
        *args,
    ]
