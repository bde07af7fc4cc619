"""The rule catalogue: every operation's fields and rules, written from the registry.

Nothing here lists a rule by hand. The catalogue walks :data:`~mdesrules.registry.REGISTRY`
(or any :class:`~mdesrules.registry.Registry`) and prints what each operation declares: its
wire form, the fields of its request with their field rules, its rules across fields and its
token-state rules, each shown by its ``repr``. So the catalogue cannot drift from the rules
that the check, the simulator and the CLI apply. ``docs/rules.md`` is its Markdown output::

    mdesrules rules --format markdown > docs/rules.md

Output is deterministic: operations in registry order, fields in declaration order, codes in
the order of :data:`~mdesrules.violations.CODES`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import attrs
from attrs import frozen

from . import operations as _operations  # noqa: F401 - fills the registry
from .registry import REGISTRY, Operation, Registry
from .schema import FieldSpec, ObjectSpec
from .violations import CODES

__all__ = ["FORMATS", "overview", "render"]

#: The formats :func:`render` writes.
FORMATS = ("markdown", "text")

_REGENERATE = "mdesrules rules --format markdown > docs/rules.md"

_INTRO = (
    "Each operation lists the fields of its request with their field rules, then its rules "
    "across fields, then its token-state rules.",
    "A field's own rules stop at the first that fails (type, length, format, check digit), "
    "so a field gets at most one violation from them.",
    "Rules across fields and token-state rules all run and all report.",
    "A field that is not listed is an `unknown_field` error in requests, and a warning in "
    "inbound notifications (MDES asks receivers to tolerate new fields).",
    "A member of an object (`AuditInfo.UserId`) is required only when the object is sent.",
    "Token-state rules need a context (the token inventory, the account ranges) and run only "
    "when one is given.",
    "Every string that is not a PAN field, and the name of every unknown member, is scanned "
    "for a PAN-shaped number (13 to 19 digits, the first 1 to 9, with a valid Luhn check "
    "digit, alone or in groups joined by single spaces or dashes, not touching a letter or "
    "digit): `pan_in_text`, whatever the field's own rules found. A field's last rule says "
    'how ("not PAN-shaped as a whole": an identifier, reported only when its whole value '
    "is one); a PAN field has none. The severity shown is the default; "
    "`Context(pan_in_text=...)` or `--pan-in-text` makes every one an error or a warning, "
    "or turns the scan off.",
)


@frozen
class _Row:
    """One field of a request, as the catalogue shows it."""

    path: str
    presence: str
    type: str
    rules: str


_KIND_NAMES = {"str": "string", "bool": "boolean", "int": "integer", "object": "object"}
_KIND_PLURALS = {"str": "strings", "bool": "booleans", "int": "integers", "object": "objects"}


def _type(spec: FieldSpec) -> str:
    if spec.kind == "array":
        return f"array of {_KIND_PLURALS.get(spec.item_kind or 'object', 'objects')}"
    return _KIND_NAMES[spec.kind]


def _presence(spec: FieldSpec, model: type) -> str:
    if spec.required:
        return "required"
    default = attrs.fields_dict(model)[spec.attribute].default
    if isinstance(default, str):
        return f"optional, default {json.dumps(default)}"
    return "optional"


def _rows(spec: ObjectSpec, prefix: str = "") -> Iterator[_Row]:
    for f in spec.fields:
        path = prefix + f.name
        shown = [*f.rules, f.scan] if f.scan is not None else f.rules
        rules = "; ".join(repr(r) for r in shown) or "-"
        yield _Row(path, _presence(f, spec.model), _type(f), rules)
        if f.child is not None:
            yield from _rows(f.child, path + ("[]." if f.kind == "array" else "."))


def _nested_rules(spec: ObjectSpec, prefix: str = "") -> Iterator[tuple[str, object]]:
    """(object path, rule) for the rules of every nested object, wherever it is sent."""
    for f in spec.fields:
        if f.child is None:
            continue
        path = prefix + f.name + ("[]" if f.kind == "array" else "")
        for rule in f.child.rules:
            yield path, rule
        yield from _nested_rules(f.child, path + ".")


def _naming(naming: Callable[[str], str]) -> str:
    sample = "TokenUniqueReference"
    renamed = naming(sample)
    if renamed == sample:
        return "PascalCase"
    if renamed == sample[:1].lower() + sample[1:]:
        return "camelCase"
    return "renamed"


def _wire_form(op: Operation, code: Callable[[str], str]) -> str:
    names = _naming(op.naming)
    if op.method == "GET" and not op.form("json").spec.fields:
        answer = op.json_response_wrapper
        text = f"no request body (its document is {code('{}')})"
        if answer is not None:
            text += f"; the answer is JSON wrapped as {code('{' + json.dumps(answer) + ': {...}}')}"
        return text + "."
    if op.wrapper is not None:
        envelope = "{" + json.dumps(op.wrapper) + ": {...}}"
        text = f"JSON with {names} names, wrapped as {code(envelope)}"
    else:
        text = f"JSON with {names} names, not wrapped"
    if op.xml_root is not None:
        text += f"; or DataContract XML with root element {code(op.xml_root)} and PascalCase names"
    return text + "."


def _markdown_cell(text: str) -> str:
    return text.replace("|", "\\|")


def _md_code(text: str) -> str:
    return f"`{text}`"


def _regenerate(registry: Registry) -> str:
    if registry is REGISTRY:
        return _REGENERATE
    return f"mdesrules rules --api {registry.key} --format markdown"


def _markdown(registry: Registry) -> str:
    ops = list(registry)
    out = [
        "# Rule catalogue",
        "",
        "Generated from the operation registry by `mdesrules.catalogue.render`; do not edit "
        "by hand.",
        f"Regenerate it with `{_regenerate(registry)}`.",
        "",
        *(f"- {line}" for line in _INTRO),
        "",
        "Operations: " + ", ".join(f"[`{op.name}`](#{op.name})" for op in ops) + ".",
        "",
    ]
    for op in ops:
        out += _markdown_operation(op)
    out += [
        "## Violation codes",
        "",
        "Codes are stable: they are added, never renamed.",
        "",
        "| Code | Meaning |",
        "|---|---|",
    ]
    out += [f"| `{code}` | {_markdown_cell(meaning)} |" for code, meaning in CODES.items()]
    return "\n".join(out) + "\n"


def _markdown_operation(op: Operation) -> list[str]:
    """The lines of *op*'s section of the Markdown catalogue, ending with a blank line."""
    out: list[str] = []
    form = op.form("json")
    out += [
        f"## `{op.name}`",
        "",
        f"`{op.endpoint}`: {op.summary}",
        "",
        f"Wire form: {_wire_form(op, _md_code)}",
        "",
    ]
    rows = list(_rows(form.spec))
    if rows:
        out += ["| Field | Presence | Type | Field rules |", "|---|---|---|---|"]
        out += [
            f"| `{row.path}` | {row.presence} | {row.type} | {_markdown_cell(row.rules)} |"
            for row in rows
        ]
    else:
        out.append("Fields: none.")
    out.append("")
    if form.rules:
        out += ["Rules across fields:", ""]
        out += [f"- {_markdown_cell(repr(rule))}" for rule in form.rules]
    else:
        out.append("Rules across fields: none.")
    out.append("")
    nested = list(_nested_rules(form.spec))
    if nested:
        out += ["Rules inside objects (applied to each one sent):", ""]
        out += [f"- `{path}`: {_markdown_cell(repr(rule))}" for path, rule in nested]
        out.append("")
    if form.state_rules:
        out += ["Token-state rules (they need a context):", ""]
        out += [f"- {_markdown_cell(repr(rule))}" for rule in form.state_rules]
    else:
        out.append("Token-state rules: none.")
    out.append("")
    return out


def _plain(text: str) -> str:
    return text


def _columns(rows: list[tuple[str, ...]], indent: str = "  ") -> list[str]:
    """Rows as lines, every column but the last padded to its widest cell."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return [
        indent + "".join(cell.ljust(w + 2) for cell, w in zip(row, widths, strict=False)) + row[-1]
        for row in rows
    ]


def _title(text: str, underline: str) -> list[str]:
    return [text, underline * len(text)]


def _text(registry: Registry) -> str:
    out = [
        *_title("Rule catalogue", "="),
        "",
        "Generated from the operation registry by mdesrules.catalogue.render.",
        "",
        *(line.replace("`", "") for line in _INTRO),
        "",
    ]
    for op in registry:
        out += _text_operation(op)
    out += [*_title("Violation codes", "-"), ""]
    out += _columns([(code, meaning) for code, meaning in CODES.items()])
    return "\n".join(out) + "\n"


def _text_operation(op: Operation) -> list[str]:
    """The lines of *op*'s section of the plain-text catalogue, ending with a blank line."""
    out: list[str] = []
    form = op.form("json")
    out += [
        *_title(op.name, "-"),
        "",
        f"Endpoint:   {op.endpoint}",
        f"Summary:    {op.summary}",
        f"Wire form:  {_wire_form(op, _plain)}",
        "",
    ]
    rows: list[tuple[str, ...]] = [(r.path, r.presence, r.type, r.rules) for r in _rows(form.spec)]
    out += ["Fields:", *_columns(rows)] if rows else ["Fields: none."]
    out.append("")
    if form.rules:
        out.append("Rules across fields:")
        out += [f"  - {rule!r}" for rule in form.rules]
    else:
        out.append("Rules across fields: none.")
    out.append("")
    nested = list(_nested_rules(form.spec))
    if nested:
        out.append("Rules inside objects (applied to each one sent):")
        out += [f"  - {path}: {rule!r}" for path, rule in nested]
        out.append("")
    if form.state_rules:
        out.append("Token-state rules (they need a context):")
        out += [f"  - {rule!r}" for rule in form.state_rules]
    else:
        out.append("Token-state rules: none.")
    out.append("")
    return out


def render(
    fmt: str = "markdown", registry: Registry = REGISTRY, operation: str | None = None
) -> str:
    """The rule catalogue of every operation in *registry*, as Markdown or plain text.

    Args:
        fmt: ``"markdown"`` (the form of ``docs/rules.md``) or ``"text"``.
        registry: the operations to describe; the library's own registry by default.
        operation: the name of one operation of *registry*: its section alone.

    Returns:
        The whole catalogue (or the one section), ending with one newline.

    Raises:
        ValueError: *fmt* is not one of :data:`FORMATS`.
        mdesrules.exceptions.UnknownOperation: *registry* has no *operation*.
    """
    if operation is not None and fmt in FORMATS:
        op = registry.get(operation)
        section = _markdown_operation(op) if fmt == "markdown" else _text_operation(op)
        return "\n".join(section).rstrip("\n") + "\n"
    if fmt == "markdown":
        return _markdown(registry)
    if fmt == "text":
        return _text(registry)
    raise ValueError(f"unknown catalogue format {str(fmt)[:40]!r}; use one of {', '.join(FORMATS)}")


def overview(registry: Registry = REGISTRY) -> str:
    """One line per operation of *registry*: its name and summary; what ``mdesrules rules``
    shows on a terminal instead of the whole catalogue."""
    rows: list[tuple[str, ...]] = [(op.name, op.summary) for op in registry]
    return (
        "\n".join(
            [
                f"{len(rows)} operations. `mdesrules rules OPERATION` shows one operation's rules; "
                "`--format markdown` or `--format text` the whole catalogue.",
                "",
                *_columns(rows, indent=""),
            ]
        ).replace("`", "")
        + "\n"
    )
