"""The dependency points one way: the core never imports the transports.

Only the command line (``mdesrules.cli``), which sits above the transports in the design,
may use them.
"""

from __future__ import annotations

import ast
from pathlib import Path

import mdesrules

CORE = Path(mdesrules.__file__).parent


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


def test_the_core_never_imports_the_transports() -> None:
    offenders = {
        str(path.relative_to(CORE)): sorted(
            m for m in imported_modules(path) if m.split(".")[0] == "transports"
        )
        for path in CORE.rglob("*.py")
        if "cli" not in path.relative_to(CORE).parts
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_check_finds_imports() -> None:
    here = imported_modules(Path(__file__).parent / "test_codec_roundtrip.py")
    assert any(m.split(".")[0] == "transports" for m in here)
