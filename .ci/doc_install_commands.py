#!/usr/bin/env python3
"""Print every install command the guides in docs/ give, one per line, as written.

An install command is a line of a fenced code block in docs/*.md (the API reference pages
are generated, not guides; README.md's commands have steps of their own in ``.ci/run``)
that runs ``pip install`` or ``pip wheel``; a line ending in a backslash continues on the
next. ``.ci/run`` runs each in a fresh copy of the checkout, so a guide cannot tell a
newcomer a command that does not work.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

FENCE = re.compile(r"^```[a-z]*\n(.*?)^```", re.S | re.M)
INSTALL = re.compile(r"\bpip (install|wheel)\b")


def commands(root: Path) -> list[str]:
    found: list[str] = []
    for page in sorted((root / "docs").glob("*.md")):
        for block in FENCE.findall(page.read_text(encoding="utf-8")):
            for line in block.replace("\\\n", " ").splitlines():
                line = line.strip()
                wanted = INSTALL.search(line) and not line.startswith((">>>", "#"))
                if wanted and line not in found:
                    found.append(line)
    return found


if __name__ == "__main__":
    print("\n".join(commands(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("."))))
