"""The rules as OpenAPI 3.1 and JSON Schema 2020-12, for clients written in other languages.

:func:`openapi` and :func:`json_schema` read a :class:`~mdesrules.registry.Registry` as the
catalogue does (nothing is listed by hand) and write each operation's request and response as
JSON Schema, carrying every constraint that JSON Schema can state exactly:

- a field rule becomes ``minLength``/``maxLength`` (:class:`~mdesrules.fields.length`), an
  anchored ``pattern`` (:class:`~mdesrules.fields.matches`: digits, identifiers, MMYY with
  its month range; :class:`~mdesrules.fields.iso_timestamp`: its form, with ``format:
  date-time`` for the date that must exist) or an ``enum`` (:class:`~mdesrules.fields.one_of`; its
  deprecated values are in the set, as they pass with a warning);
- a rule across fields becomes ``oneOf`` (``exactly_one_of``), ``not`` (``forbids``,
  ``at_most_one_of``, ``only_when``), ``anyOf`` (``at_least_one_of``),
  ``dependentRequired`` (``requires``) or ``if``/``then`` (``when``);
- requests are closed (``additionalProperties: false``: MDES would drop a misspelt field),
  responses are open (MDES asks clients to accept members it adds later) and require only
  their wrapper key.

What JSON Schema cannot state stays as text: each field's and object's ``description``
lists all its rules by their ``repr``, the sentence of the rule catalogue, so the Luhn check
digit, warnings (``expects``, values MDES may extend) and the token-state rules (which need
the issuer's token inventory) are there in words.

Patterns are anchored as ``^(?:...)$(?!\\n)``: in ECMA 262 (the dialect JSON Schema names)
``$`` ends the input, but in Python's ``re`` (jsonschema, hypothesis-jsonschema, generated
Python clients) it also matches before a final newline, which the lookahead refuses. So
``"0123\\n"`` fails the pattern in every engine, as it fails the rule. Character classes use
``[0-9]``, never ``\\d``.

:func:`openapi` describes the operations served over HTTP: the Customer Service API below
``/mdes/csapi/v2`` and the legacy update at ``/api/Update`` (JSON only; its DataContract XML
form is not described). It leaves out two kinds of operation, which :func:`json_schema`
still describes:

- the notifications (:data:`~mdesrules.apis.NOTIFICATIONS`): MDES sends them to the token
  requestor, so they are not part of the API a client calls, and their HTTP body is an
  encrypted envelope whose decrypted payload has no endpoint of its own;
- CyberSource TMS (:data:`~mdesrules.apis.CYBERSOURCE_TMS`): the registry checks its path
  parameters and header as one document, which is not the HTTP shape, and CyberSource
  publishes its own specification.

Each operation answers 200 with its response, or 400, 404, 413, 415 or 500 with the MDES
error document ``{"Errors": {"Error": [...]}}``; a ``GET`` (2.0.7's ``/systemstatus``) has
no ``requestBody`` and answers 400 (a body was sent), 413 or 500. Output is deterministic:
operations in registry order, fields in declaration order.

A rule kind of one's own gets its JSON Schema by registering a hook in
:data:`FIELD_SCHEMAS`, :data:`RULE_SCHEMAS` or :data:`CONDITION_SCHEMAS` (keyed by its exact
class, as the compiler's writers are); without one it is described in words only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Literal

from ._kinds import ByKind
from .apis import NOTIFICATIONS, SURFACES
from .combinators import (
    Absent,
    AllOf,
    AtLeastOneOf,
    AtMostOneOf,
    Equals,
    ExactlyOneOf,
    Forbids,
    OnlyWhen,
    Present,
    Requires,
    Rule,
    When,
)
from .fields import FieldRule, iso_timestamp, length, matches, one_of
from .models.responses import ErrorsResponse
from .registry import Operation, Registry
from .schema import FieldSpec, ObjectSpec, identity, object_spec, pascal

__all__ = [
    "CONDITION_SCHEMAS",
    "ERROR_STATUSES",
    "FIELD_SCHEMAS",
    "GET_ERROR_STATUSES",
    "RULE_SCHEMAS",
    "SCHEMA_DIALECT",
    "across_schema",
    "anchored",
    "field_schema",
    "json_schema",
    "openapi",
    "served",
]

Json = dict[str, Any]
Naming = Callable[[str], str]
#: How an object is read: a request sent to MDES (closed), a request MDES sends (open: its
#: receivers tolerate new members), or an answer (open, nothing required but its wrapper).
Mode = Literal["request", "inbound", "response"]

#: The JSON Schema dialect of both documents.
SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

#: Every status an operation may answer with the MDES error document, and when.
ERROR_STATUSES: dict[str, str] = {
    "400": "The request breaks a rule (each violation's code, upper-cased, is a ReasonCode), "
    "or a token-state rule refuses it, or the body is not JSON.",
    "404": "The token named by the request is not known (ReasonCode UNKNOWN_TOKEN).",
    "413": "The body is larger than the service reads (ReasonCode REQUEST_TOO_LARGE).",
    "415": "The body is not application/json (ReasonCode UNSUPPORTED_MEDIA_TYPE).",
    "500": "The service failed to answer (ReasonCode INTERNAL_ERROR).",
}

#: The error answers of an operation without a request body (``GET /systemstatus``).
GET_ERROR_STATUSES: dict[str, str] = {
    "400": "A body was sent: the operation takes none (ReasonCode MALFORMED_DOCUMENT).",
    "413": ERROR_STATUSES["413"],
    "500": ERROR_STATUSES["500"],
}

_ERRORS = "ErrorsResponse"

#: How a field rule narrows a string schema (in place), by rule class. Every rule is also
#: described in words, so a hook states only what JSON Schema can state exactly.
FIELD_SCHEMAS: ByKind[Callable[[Any, Json], None]] = ByKind("JSON Schema keyword")

#: The JSON Schema of a rule across fields, by rule class; None when it cannot be stated.
RULE_SCHEMAS: ByKind[Callable[[Any], Json | None]] = ByKind("JSON Schema of a rule")

#: The JSON Schema a condition of ``when`` holds for, by condition class.
CONDITION_SCHEMAS: ByKind[Callable[[Any], Json | None]] = ByKind("JSON Schema of a condition")


def anchored(pattern: str) -> str:
    """*pattern* as a JSON Schema ``pattern`` that matches whole values only, in ECMA 262 and
    in Python's ``re`` alike (see the module doc)."""
    return f"^(?:{pattern})$(?!\\n)"


@FIELD_SCHEMAS.register(length)
def _length(rule: length, schema: Json) -> None:
    if rule.min:
        schema["minLength"] = max(rule.min, schema.get("minLength", 0))
    if rule.max is not None:
        schema["maxLength"] = min(rule.max, schema.get("maxLength", rule.max))


@FIELD_SCHEMAS.register(matches)
def _matches(rule: matches, schema: Json) -> None:
    _add_pattern(anchored(rule.portable or rule.pattern), schema)


def _add_pattern(pattern: str, schema: Json) -> None:
    if "pattern" in schema:  # two patterns: the second goes in allOf, both must hold
        schema.setdefault("allOf", []).append({"pattern": pattern})
    else:
        schema["pattern"] = pattern


@FIELD_SCHEMAS.register(iso_timestamp)
def _iso_timestamp(rule: iso_timestamp, schema: Json) -> None:
    """The form as a pattern, and ``format: date-time`` (RFC 3339), whose validators also
    refuse a date that does not exist, as the rule does."""
    _add_pattern(anchored(rule.pattern), schema)
    schema["format"] = "date-time"


@FIELD_SCHEMAS.register(one_of)
def _one_of(rule: one_of, schema: Json) -> None:
    if not rule.unknown_is_warning:  # else any value passes (with a warning)
        schema["enum"] = [*rule.values, *rule.deprecated]


def field_schema(rules: tuple[FieldRule, ...]) -> Json:
    """The JSON Schema of a string field with *rules*, their sentences in its description."""
    schema: Json = {"type": "string"}
    for rule in rules:
        hook = FIELD_SCHEMAS.get(rule)
        if hook is not None:
            hook(rule, schema)
    if rules:
        schema["description"] = "; ".join(repr(r) for r in rules) + "."
    return schema


def _required(*names: str) -> Json:
    return {"required": list(names)}


def _none_of(names: tuple[str, ...]) -> Json:
    if len(names) == 1:
        return {"not": _required(names[0])}
    return {"not": {"anyOf": [_required(n) for n in names]}}


@RULE_SCHEMAS.register(ExactlyOneOf)
def _exactly_one_of(rule: ExactlyOneOf) -> Json:
    branches = []
    for alt in rule.alternatives:
        others = tuple(n for a in rule.alternatives if a is not alt for n in a)
        branches.append({**_required(*alt), **_none_of(others)})
    return {"oneOf": branches}


@RULE_SCHEMAS.register(AtMostOneOf)
def _at_most_one_of(rule: AtMostOneOf) -> Json:
    names = rule.names
    pairs = [_required(a, b) for i, a in enumerate(names) for b in names[i + 1 :]]
    return {"not": {"anyOf": pairs}}


@RULE_SCHEMAS.register(AtLeastOneOf)
def _at_least_one_of(rule: AtLeastOneOf) -> Json:
    return {"anyOf": [_required(n) for n in rule.names]}


@RULE_SCHEMAS.register(Forbids)
def _forbids(rule: Forbids) -> Json:
    return {"not": {**_required(rule.name), "anyOf": [_required(n) for n in rule.others]}}


@RULE_SCHEMAS.register(Requires)
def _requires(rule: Requires) -> Json:
    return {"dependentRequired": {rule.name: list(rule.others)}}


@RULE_SCHEMAS.register(OnlyWhen)
def _only_when(rule: OnlyWhen) -> Json:
    return {
        "not": {
            **_required(rule.name, rule.field),
            "properties": {rule.field: {"enum": list(rule.others)}},
        }
    }


@RULE_SCHEMAS.register(AllOf)
def _all_of(rule: AllOf) -> Json | None:
    parts = [across_schema(r) for r in rule.rules]
    if any(p is None for p in parts):
        return None
    return {"allOf": parts}


@RULE_SCHEMAS.register(When)
def _when(rule: When) -> Json | None:
    hook = CONDITION_SCHEMAS.get(rule.condition)
    condition = hook(rule.condition) if hook is not None else None
    parts = [across_schema(r) for r in rule.rules]
    if condition is None or any(p is None for p in parts):
        return None
    return {"if": condition, "then": parts[0] if len(parts) == 1 else {"allOf": parts}}


@CONDITION_SCHEMAS.register(Present)
def _present(condition: Present) -> Json:
    return _required(condition.name)


@CONDITION_SCHEMAS.register(Absent)
def _absent(condition: Absent) -> Json:
    return {"not": _required(condition.name)}


@CONDITION_SCHEMAS.register(Equals)
def _equals(condition: Equals) -> Json:
    return {**_required(condition.name), "properties": {condition.name: {"const": condition.value}}}


def across_schema(rule: Rule) -> Json | None:
    """The JSON Schema of a rule across fields, or None when JSON Schema cannot state it
    exactly (``expects`` gives warnings only; a kind with no hook in :data:`RULE_SCHEMAS`)."""
    hook = RULE_SCHEMAS.get(rule)
    return hook(rule) if hook is not None else None


class _Writer:
    """Writes the schemas of one document, each nested model once, under ``prefix``."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.defs: Json = {}
        self._names: dict[tuple[type, Naming, Mode], str] = {}

    def ref(self, name: str) -> Json:
        return {"$ref": self.prefix + name}

    def model(self, model: type, naming: Naming, mode: Mode) -> Json:
        """A reference to the schema of *model* (written on first use)."""
        key = (model, naming, mode)
        name = self._names.get(key)
        if name is None:
            name = self._name_for(model, naming, mode)
            self._names[key] = name
            self.defs[name] = {}  # claimed before the fields: a model may nest itself
            self.defs[name] = self.object(object_spec(model, naming), naming, mode)
        return self.ref(name)

    def _name_for(self, model: type, naming: Naming, mode: Mode) -> str:
        base = model.__name__
        taken = set(self.defs)
        for candidate in (
            base,
            base + ("" if naming is identity else pascal(naming.__name__)),
            base + ("" if naming is identity else pascal(naming.__name__)) + "In" + pascal(mode),
        ):
            if candidate not in taken:
                return candidate
        n = 2
        while f"{base}{n}" in taken:
            n += 1
        return f"{base}{n}"

    def object(
        self,
        spec: ObjectSpec,
        naming: Naming,
        mode: Mode,
        rules: tuple[Rule, ...] = (),
        notes: tuple[str, ...] = (),
    ) -> Json:
        """The schema of one object: its fields, then its rules across fields."""
        schema: Json = {"type": "object"}
        doc = (spec.model.__doc__ or "").strip().split("\n\n")[0]
        lines = [" ".join(doc.split())] if doc else []
        schema["properties"] = {f.name: self.member(f, naming, mode) for f in spec.fields}
        if mode != "response":
            required = [f.name for f in spec.fields if f.required]
            if required:
                schema["required"] = required
            if mode == "request":
                schema["additionalProperties"] = False
            across = (*spec.rules, *rules)
            stated = [s for s in map(across_schema, across) if s is not None]
            if across:
                lines.append("Rules across fields: " + "; ".join(repr(r) for r in across) + ".")
            if stated:
                schema["allOf"] = stated
        lines.extend(notes)
        if lines:
            schema["description"] = "\n\n".join(lines)
        return schema

    def member(self, spec: FieldSpec, naming: Naming, mode: Mode) -> Json:
        if spec.kind == "array":
            return {"type": "array", "items": self._value(spec, spec.item_kind, naming, mode)}
        return self._value(spec, spec.kind, naming, mode)

    def _value(self, spec: FieldSpec, kind: str | None, naming: Naming, mode: Mode) -> Json:
        if kind == "object" and spec.child is not None:
            return self.model(spec.child.model, naming, mode)
        if kind == "bool":
            return {"type": "boolean"}
        if kind == "int":
            return {"type": "integer"}
        return field_schema(spec.rules)

    def request(self, op: Operation) -> str:
        """The name of the schema of *op*'s whole request document (its wrapper included)."""
        form = op.form("json")
        notes: tuple[str, ...] = ()
        if form.state_rules:
            notes = (
                "Token-state rules (checked against the issuer's token inventory, not "
                "expressible in JSON Schema): "
                + "; ".join(repr(r) for r in form.state_rules)
                + ".",
            )
        mode: Mode = "request" if op.unknown_severity == "error" else "inbound"
        body = self.object(form.spec, op.naming, mode, form.rules, notes)
        name = pascal(op.name) + "RequestBody"
        if op.wrapper is None:
            self.defs[name] = body
        else:
            self.defs[name] = {
                "type": "object",
                "properties": {op.wrapper: body},
                "required": [op.wrapper],
                **({"additionalProperties": False} if mode == "request" else {}),
            }
        return name

    def response(self, op: Operation) -> str | None:
        """The name of the schema of *op*'s answer document, or None when it has none."""
        if op.response is None:
            return None
        name = pascal(op.name) + "ResponseBody"
        inner = self.model(op.response, op.naming, "response")
        wrapper = op.json_response_wrapper
        if wrapper is None:
            self.defs[name] = inner
        else:
            self.defs[name] = {
                "type": "object",
                "properties": {wrapper: inner},
                "required": [wrapper],
            }
        return name

    def errors(self) -> str:
        """The name of the MDES error document's schema."""
        self.model(ErrorsResponse, identity, "response")
        return _ERRORS


def served(registry: Registry) -> Iterator[Operation]:
    """The operations of *registry* that :func:`openapi` describes (see the module doc)."""
    inbound = set(NOTIFICATIONS.names())
    for op in registry:
        if op.name not in inbound and "{" not in op.path:
            yield op


def _path(op: Operation) -> str:
    return op.path if op.name == "legacy_update" else "/mdes/csapi/v2" + op.path


def _title(registry: Registry, ops: tuple[Operation, ...]) -> str:
    """The titles of the surfaces that hold *ops* (the default registry holds four)."""
    # By the operation objects, not their names: versions of one API share names.
    held = {id(op) for op in ops}
    parts = [
        f"{r.title} {r.version}".strip()
        for r in SURFACES.values()
        if r is not registry and len(r) < len(registry) and held & {id(op) for op in r}
    ]
    if not parts:
        return f"{registry.title or 'MDES'} {registry.version}".strip()
    return ", ".join(parts)


def openapi(registry: Registry) -> Json:
    """An OpenAPI 3.1 document of the operations of *registry* served over HTTP.

    Paths are absolute below the server: ``/mdes/csapi/v2/...`` for the Customer Service API,
    ``/api/Update`` for the legacy update. The server listed is ``mdesrules serve`` on
    loopback; point a generated client at Mastercard's host for the real service.

    Raises:
        ValueError: *registry* has no operation served over HTTP (only notifications or TMS).
    """
    writer = _Writer("#/components/schemas/")
    errors = writer.errors()
    paths: Json = {}
    ops = tuple(served(registry))
    for op in ops:
        takes_body = op.method != "GET"
        request = writer.request(op) if takes_body else None
        response = writer.response(op)
        answers: Json = {
            "200": {
                "description": "Done." if response is None else f"The {op.name} answer.",
                **(
                    {}
                    if response is None
                    else {"content": {"application/json": {"schema": writer.ref(response)}}}
                ),
            }
        }
        for status, why in (ERROR_STATUSES if takes_body else GET_ERROR_STATUSES).items():
            answers[status] = {
                "description": why,
                "content": {"application/json": {"schema": writer.ref(errors)}},
            }
        described: Json = {
            "operationId": op.name,
            "summary": op.summary,
            "description": _rules_text(op),
        }
        if request is not None:
            described["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": writer.ref(request)}},
            }
        described["responses"] = answers
        paths.setdefault(_path(op), {})[op.method.lower()] = described
    if not paths:
        raise ValueError(
            f"{registry.key or 'the registry'} has no operation served over HTTP "
            "(notifications are inbound; TMS path parameters are not described)"
        )
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": SCHEMA_DIALECT,
        "info": {
            "title": _title(registry, ops),
            "version": registry.version or "unversioned",
            "description": (
                "Generated by mdesrules from its rule sets (`mdesrules rules --format "
                "openapi`). Every constraint JSON Schema can state is in the schemas; the "
                "Luhn check digit, warnings and token-state rules are in the descriptions."
            ),
        },
        "servers": [
            {
                "url": "http://127.0.0.1:{port}",
                "description": "mdesrules serve, the simulated MDES",
                "variables": {"port": {"default": "8080"}},
            }
        ],
        "paths": paths,
        "components": {"schemas": writer.defs},
    }


def _rules_text(op: Operation) -> str:
    form = op.form("json")
    lines = [op.summary]
    if form.rules:
        lines.append("Rules across fields: " + "; ".join(repr(r) for r in form.rules) + ".")
    if form.state_rules:
        lines.append("Token-state rules: " + "; ".join(repr(r) for r in form.state_rules) + ".")
    return "\n\n".join(lines)


def json_schema(registry: Registry) -> Json:
    """A JSON Schema 2020-12 document whose ``$defs`` hold every operation's request
    document (``<Operation>RequestBody``) and response (``<Operation>ResponseBody``), the
    MDES error document (``ErrorsResponse``) and the objects they nest.

    Unlike :func:`openapi` it covers every operation of *registry*, notifications and TMS
    included (their requests as the check reads them).
    """
    writer = _Writer("#/$defs/")
    writer.errors()
    for op in registry:
        writer.request(op)
        writer.response(op)
    return {
        "$schema": SCHEMA_DIALECT,
        "title": _title(registry, tuple(registry)),
        "description": (
            "Generated by mdesrules (`mdesrules rules --format jsonschema`). Validate a "
            'request document against {"$ref": "#/$defs/<Operation>RequestBody"}.'
        ),
        "$defs": writer.defs,
    }
