"""The checks: a document in, a :class:`~mdesrules.violations.Report` out, never an exception.

:func:`check` is the library's main entry point: issuers call it before sending a request.
:func:`parse` and :func:`to_wire` move between wire documents and typed models.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import attrs

from . import apis as _apis  # noqa: F401 - fills the registry
from .context import Context
from .converters import structure, unstructure
from .exceptions import InvalidRequest
from .registry import REGISTRY, FormName, Operation, Registry
from .schema import ObjectSpec, identity, wire_name
from .violations import Report

__all__ = ["check", "parse", "structure_checked", "to_wire"]


def check(
    operation: str,
    payload: object,
    context: Context | None = None,
    *,
    form: FormName = "json",
    registry: Registry | None = None,
) -> Report:
    """Check one request against an operation's rules and return every violation.

    Args:
        operation: an operation name, e.g. ``"token_update"`` (see :data:`REGISTRY`).
        payload: the request as on the wire (parsed JSON, wrapper included), or a request
            model. With ``form="xml"``, the dict of a DataContract XML document:
            ``{"UpdateRequest": {...}}`` with PascalCase members.
        context: the token inventory and account ranges; token-state rules run only with it.
        form: ``"json"`` (default) or ``"xml"``.
        registry: the API surface the operation belongs to (see :mod:`mdesrules.apis`);
            :data:`REGISTRY` by default.

    Returns:
        A :class:`Report`; ``report.ok`` is True when no violation is an error. Any input,
        however malformed, gets a report rather than an exception.

    Raises:
        UnknownOperation: *operation* is not a known operation name.
    """
    op = (REGISTRY if registry is None else registry).get(operation)
    if type(payload) is not dict and attrs.has(type(payload)):
        payload = model_document(op, payload, form)
    return Report.of_findings(op.name, op.form(form).checker(payload, context))


def model_document(op: Operation, model: object, form: FormName = "json") -> object:
    """The wire document of a request model in *form*, built from the values it holds.

    Unlike the converter, this follows the actual values rather than the declared types,
    so a model holding a wrong value (``None`` for AuditInfo, a number for a PAN) becomes a
    document whose violations the check reports, instead of an exception.
    """
    naming = op.naming if form == "json" else identity
    members = _members(model, naming)
    envelope = op.form(form).envelope
    return {envelope: members} if envelope is not None else members


def _members(value: object, naming: Callable[[str], str]) -> object:
    if attrs.has(type(value)):
        out: dict[str, object] = {}
        for a in attrs.fields(cast(Any, type(value))):
            member = getattr(value, a.name)
            if member is None and a.default is None:
                continue
            out[naming(wire_name(a))] = _members(member, naming)
        return out
    if isinstance(value, (tuple, list)):
        return [_members(v, naming) for v in value]
    return value


def to_wire(
    model: object, *, operation: str | None = None, registry: Registry | None = None
) -> dict[str, Any]:
    """The wire document of a request model, wrapper included.

    The operation is found from the model's class unless *operation* is given.
    """
    registry = REGISTRY if registry is None else registry
    if operation is None:
        ops = [op for op in registry if op.request is type(model)]
        if not ops:
            raise TypeError(f"{type(model).__name__} is not the request of any operation")
        op = ops[0]
    else:
        op = registry.get(operation)
    document = unstructure(model, op.naming)
    return {op.wrapper: document} if op.wrapper is not None else document


def parse(
    operation: str,
    document: object,
    *,
    form: FormName = "json",
    registry: Registry | None = None,
) -> Any:
    """The request model of a wire *document*, after checking it.

    Unknown fields that the operation tolerates (``unknown_severity="warning"``) are left
    out of the model.

    Raises:
        UnknownOperation: *operation* is not a known operation name.
        InvalidRequest: the document breaks a rule; ``.report`` holds every violation.
    """
    op = (REGISTRY if registry is None else registry).get(operation)
    if attrs.has(type(document)):
        document = model_document(op, document, form)
    report = Report.of_findings(op.name, op.form(form).checker(document, None))
    if not report.ok:
        raise InvalidRequest(report)
    return structure_checked(op, document, form)


def structure_checked(op: Operation, document: object, form: FormName = "json") -> Any:
    """The request model of a wire *document* that passed *op*'s check (not checked again).

    For servers that check a request once, with their own context, and then need its model.
    Unknown fields that the operation tolerates are left out of the model.
    """
    envelope = op.form(form).envelope
    assert isinstance(document, dict)
    inner = document[envelope] if envelope is not None else document
    naming = op.naming if form == "json" else identity
    if op.unknown_severity == "warning":  # tolerated unknown fields are left out of the model
        inner = _known_only(op.form(form).spec, inner)
    return structure(inner, op.request, naming)


def _known_only(spec: ObjectSpec, value: object) -> object:
    """*value* (an object of *spec*) without the keys its spec does not define, at any depth."""
    if not isinstance(value, dict):
        return value
    out: dict[str, object] = {}
    for key, member in value.items():
        f = spec.by_name.get(key)
        if f is None:
            continue
        if f.child is not None and isinstance(member, list):
            out[key] = [_known_only(f.child, item) for item in member]
        elif f.child is not None:
            out[key] = _known_only(f.child, member)
        else:
            out[key] = member
    return out
