"""The docs site shows the guides' ``>>>`` examples as code, and shows them all, unchanged.

``docsite/hooks.py`` fences the bare example lines of each page before MkDocs converts it;
pytest runs the page files as they are. A fence that cut an example's expected output short,
or left an example out, would show readers something other than what the tests run.
"""

from __future__ import annotations

import doctest
import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted((ROOT / "docs").rglob("*.md"))


def _hooks() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docsite_hooks", ROOT / "docsite" / "hooks.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _examples(text: str) -> list[tuple[str, str]]:
    parser = doctest.DocTestParser()
    return [(e.source, e.want) for e in parser.get_examples(text)]


def _split(text: str) -> tuple[list[str], list[str]]:
    """The contents of each fenced block of *text*, and its lines outside fences."""
    blocks: list[str] = []
    outside: list[str] = []
    current: list[str] | None = None
    for line in text.splitlines():
        if re.match(r"\s*(```|~~~)", line):
            if current is None:
                current = []
            else:
                blocks.append("\n".join(current) + "\n")
                current = None
        elif current is None:
            outside.append(line)
        else:
            current.append(line)
    return blocks, outside


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT / "docs")))
def test_every_example_is_fenced_and_unchanged(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    blocks, outside = _split(_hooks().fence_doctests(text))
    assert [e for block in blocks for e in _examples(block)] == _examples(text)
    assert [line for line in outside if line.lstrip().startswith(">>>")] == []


def test_a_bare_example_gets_a_fence_and_a_fenced_one_keeps_its_own() -> None:
    page = "Text.\n>>> 1 + 1\n2\n\nMore.\n\n```python\n>>> 3\n3\n\n```\n"
    assert _hooks().fence_doctests(page) == (
        "Text.\n\n```pycon\n>>> 1 + 1\n2\n```\n\nMore.\n\n```python\n>>> 3\n3\n\n```\n"
    )
