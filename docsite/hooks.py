"""MkDocs hook: show the guides' doctest examples as code on the site.

The pages in ``docs/`` hold their ``>>>`` examples as bare lines, which pytest runs
(``--doctest-glob=*.md``) but Markdown would read as nested block quotes. Before a page is
converted, each run of example lines outside a fenced block (from a ``>>>`` line to the next
blank line) is put in a ``pycon`` fence. The page files are not changed.

On the API reference pages, every name a documented module exports (its ``__all__``) must
have an entry: a public name that mkdocstrings leaves out (no docstring, no ``#:``
comment) is a warning, which ``mkdocs build --strict`` turns into a failure.
"""

from __future__ import annotations

import ast
import importlib.util
import logging
import re
from typing import Any

_log = logging.getLogger("mkdocs.plugins.mdesrules")

_FENCE = re.compile(r"^\s*(```|~~~)")
_PROMPT = re.compile(r"^(\s*)>>>( |$)")
_IDENTIFIER = re.compile(r"^::: (mdesrules[\w.]*)\s*$", re.MULTILINE)


def fence_doctests(markdown: str) -> str:
    """*markdown* with every bare run of ``>>>`` example lines in a ``pycon`` fence."""
    out: list[str] = []
    fence: str | None = None
    lines = markdown.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        opened = _FENCE.match(line)
        if fence is not None:
            if opened and opened.group(1) == fence:
                fence = None
            out.append(line)
            i += 1
            continue
        if opened:
            fence = opened.group(1)
            out.append(line)
            i += 1
            continue
        prompt = _PROMPT.match(line)
        if prompt is None:
            out.append(line)
            i += 1
            continue
        indent = prompt.group(1)
        if out and out[-1].strip():
            out.append("")
        out.append(f"{indent}```pycon")
        while i < len(lines) and lines[i].strip():
            out.append(lines[i])
            i += 1
        out.append(f"{indent}```")
    return "\n".join(out)


def on_page_markdown(markdown: str, **kwargs: Any) -> str:
    """The MkDocs event: every page's Markdown before it is converted."""
    return fence_doctests(markdown)


def exported(module_name: str) -> list[str]:
    """The names in the ``__all__`` of *module_name*, read from its source (not imported:
    ``mdesrules.testing`` needs hypothesis, which the docs extra does not install)."""
    spec = importlib.util.find_spec(module_name)
    if spec is None or spec.origin is None:
        return []
    with open(spec.origin, encoding="utf-8") as source:
        tree = ast.parse(source.read())
    for node in tree.body:
        if (
            isinstance(node, ast.Assign | ast.AnnAssign)
            and any(isinstance(t, ast.Name) and t.id == "__all__" for t in _targets(node))
            and node.value is not None
        ):
            return list(ast.literal_eval(node.value))
    return []


def _targets(node: ast.Assign | ast.AnnAssign) -> list[ast.expr]:
    return node.targets if isinstance(node, ast.Assign) else [node.target]


def on_page_content(html: str, page: Any, **kwargs: Any) -> str:
    """The MkDocs event: warn of an exported name a reference page has no entry for."""
    for module_name in _IDENTIFIER.findall(page.markdown or ""):
        for name in exported(module_name):
            if f'id="{module_name}.{name}"' not in html:
                _log.warning(
                    "%s: %s.%s is exported but has no entry (give it a docstring or a #: comment)",
                    page.file.src_uri,
                    module_name,
                    name,
                )
    return html
