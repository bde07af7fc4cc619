"""Griffe extension: read the docstrings the Sphinx way, for the API reference.

The package documents itself for ``help()`` and Sphinx, and the reference reads it as it is:

- A constant documented by ``#:`` comment lines just above its assignment gets them as its
  docstring (griffe reads only a string literal below it).
- A role (``:class:`Client```, ``:func:`~mdesrules.checking.check```) becomes a code span
  that links to the object's entry when the reference has one; an optional autorefs
  reference, so an object the reference does not show stays plain text, with no warning.
  A name without dots is looked up as Python would from where the docstring stands.
- A paragraph that ends with ``::`` (a reST literal block follows) ends with ``:``.
- A simple table (columns under ``====`` rules) becomes a Markdown table, or a list when it
  has no header row; ``.. versionadded::`` and ``.. versionchanged::`` become a sentence.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:class|func|meth|mod|data|attr|exc|obj):`(~?)([\w.]+)(?:\(\))?`")
_LITERAL = re.compile(r"(\S)::$", re.MULTILINE)
_COMMENT = re.compile(r"^\s*#:(?: (.*)|$)")
_RULE = re.compile(r"^(\s*)=+(?:\s+=+)+\s*$")
_VERSION = re.compile(r"^(\s*)\.\. (versionadded|versionchanged|deprecated)::\s*(.*)$")
_VERSION_WORD = {"versionadded": "Added", "versionchanged": "Changed", "deprecated": "Deprecated"}


def _target(obj: griffe.Object, name: str) -> str:
    """The full path *name* means in *obj*'s docstring (itself when it cannot tell)."""
    if name.startswith("mdesrules"):
        return name
    head, _, rest = name.partition(".")
    try:
        found = obj.resolve(head)
    except (griffe.NameResolutionError, KeyError):
        return name
    return f"{found}.{rest}" if rest else found


def _link(obj: griffe.Object, match: re.Match[str]) -> str:
    short, name = match.group(1), match.group(2)
    shown = name.rsplit(".", 1)[-1] if short else name
    return f'<autoref identifier="{_target(obj, name)}" optional>`{shown}`</autoref>'


def _cells(line: str, starts: list[int]) -> list[str]:
    ends = [*starts[1:], len(line)]
    return [line[a:b].strip().replace("|", "\\|") for a, b in zip(starts, ends, strict=True)]


def _table(lines: list[str], indent: str) -> list[str]:
    """A reST simple table (its lines, rules included) in Markdown."""
    starts = [m.start() for m in re.finditer(r"=+", lines[0])]
    rules = [n for n, line in enumerate(lines) if _RULE.match(line)]
    header = _cells(lines[1], starts) if len(rules) == 3 else None
    rows: list[list[str]] = []
    for line in lines[rules[-2] + 1 : rules[-1]]:
        cells = _cells(line, starts)
        if rows and not cells[0]:
            rows[-1] = [f"{a} {b}".strip() for a, b in zip(rows[-1], cells, strict=True)]
        elif any(cells):
            rows.append(cells)
    if header is None:
        return [f"{indent}- {row[0]}: {'; '.join(c for c in row[1:] if c)}" for row in rows]
    out = [f"{indent}| {' | '.join(header)} |", f"{indent}|{'---|' * len(header)}"]
    return out + [f"{indent}| {' | '.join(row)} |" for row in rows]


def _markdown(text: str) -> str:
    """*text* with its reST simple tables and version directives in Markdown."""
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        rule, version = _RULE.match(lines[i]), _VERSION.match(lines[i])
        if rule:
            indent = rule.group(1)
            j, seen = i + 1, 1
            while j < len(lines) and seen < 3:
                if _RULE.match(lines[j]):
                    seen += 1
                    if seen == 2 and (j + 1 >= len(lines) or not lines[j + 1].strip()):
                        break  # no header row: two rules only
                j += 1
            block = [line[len(indent) :] for line in lines[i : j + 1]]
            out.extend(["", *_table(block, indent), ""])
            i = j + 1
        elif version:
            indent, word, number = version.groups()
            words, i = [], i + 1
            while i < len(lines) and len(lines[i]) - len(lines[i].lstrip()) > len(indent):
                words.append(lines[i].strip())
                i += 1
            out.append(f"{indent}*{_VERSION_WORD[word]} in {number}:* {' '.join(words)}")
        else:
            out.append(lines[i])
            i += 1
    return "\n".join(out)


def _comment_docstring(attr: griffe.Object) -> griffe.Docstring | None:
    """The ``#:`` lines right above *attr*'s assignment, as a docstring."""
    if attr.lineno is None or attr.filepath is None or isinstance(attr.filepath, list):
        return None
    if attr.filepath not in attr.lines_collection:
        return None
    lines = attr.lines_collection[attr.filepath]
    found: list[str] = []
    number = attr.lineno - 1  # the line above, counting from 1
    while number >= 1 and (comment := _COMMENT.match(lines[number - 1])):
        found.insert(0, comment.group(1) or "")
        number -= 1
    if not found:
        return None
    return griffe.Docstring("\n".join(found), lineno=number + 1, parent=attr)


class SphinxDocstrings(griffe.Extension):
    """Rewrite the docstrings of a package once it is loaded."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        self._rewrite(pkg, set())

    def _rewrite(self, obj: griffe.Object, seen: set[str]) -> None:
        if obj.path in seen:
            return
        seen.add(obj.path)
        if obj.docstring is None and obj.is_attribute:
            obj.docstring = _comment_docstring(obj)
        if obj.docstring is not None:
            text = _LITERAL.sub(r"\1:", _markdown(obj.docstring.value))
            obj.docstring.value = _ROLE.sub(lambda m: _link(obj, m), text)
        for member in obj.members.values():
            if not member.is_alias:
                self._rewrite(member, seen)  # type: ignore[arg-type]
