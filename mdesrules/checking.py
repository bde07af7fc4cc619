"""The checks: a document in, a :class:`~mdesrules.violations.Report` out, never an exception.

:func:`check` is the library's main entry point: issuers call it before sending a request.
:func:`parse` and :func:`to_wire` move between wire documents and typed models.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import attrs

from . import apis as _apis  # noqa: F401 - fills the registry
from .account_envelope import ACCOUNT_INFORMATION, encrypted_data
from .context import Context
from .converters import builder, unstructure
from .exceptions import InvalidRequest
from .registry import REGISTRY, FormName, Operation, Registry
from .schema import identity, wire_name
from .violations import Report, Violation

__all__ = ["check", "encrypted_data", "parse", "structure_checked", "to_wire"]


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
            :data:`REGISTRY` by default. The one keyword that names a version too:
            ``registry=MDES_CS_API_2_1_7``.

    An operation that carries ``EncryptedAccountInformation``
    (:attr:`Operation.account_encryption`) is checked in either form. In the plaintext
    form (``EncryptedData`` a JSON object) every rule applies as usual. In the encrypted
    form the envelope is checked (:func:`~mdesrules.account_encryption.check_envelope`);
    with ``context.decryption_keys`` the document is decrypted and its inside checked with
    the same rules (a refusal is ``unknown_key`` or ``decryption_failed``); without them
    the rest of the request is checked and a ``not_decrypted`` warning says the inside
    was not.

    Returns:
        A :class:`Report`; ``report.ok`` is True when no violation is an error. Any input,
        however malformed, gets a report rather than an exception.

    Raises:
        UnknownOperation: *operation* is not a known operation name.
    """
    op = (REGISTRY if registry is None else registry).get(operation)
    if type(payload) is not dict and attrs.has(type(payload)):
        payload = model_document(op, payload, form)
    if op.account_encryption is not None and encrypted_data(payload) is not None:
        return _check_encrypted(op, payload, context, form)
    return Report.of_findings(op.name, op.form(form).checker(payload, context))


def _check_encrypted(
    op: Operation, payload: object, context: Context | None, form: FormName
) -> Report:
    """The report of an encrypted request of *op*: its envelope, and its inside when the
    context holds a key that opens it; without one, the rest of the request and a
    ``not_decrypted`` warning."""
    # Here only: a request of a version without the member, or in its plaintext form,
    # never needs the cryptography (see mdesrules.account_envelope).
    from .account_encryption import check_envelope, decrypt_and_report

    version = op.account_encryption
    assert version is not None
    keys = context.decryption_keys if context is not None else None
    if keys is not None:
        decrypted = decrypt_and_report(payload, keys, version=version)
        if decrypted.document is None:
            return Report(op.name, decrypted.violations)
        inside = Report.of_findings(op.name, op.form(form).checker(decrypted.document, context))
        return Report(op.name, (*decrypted.violations, *inside.violations))
    at = encrypted_data(payload)
    assert at is not None
    # The plaintext rules see EncryptedData as a string: keep what they say about the
    # rest of the request alone (a rule that involves anything inside the envelope cannot
    # be decided without the key), and let the envelope check speak for the envelope.
    rest = Report.of_findings(op.name, op.form(form).checker(payload, context)).violations
    under = at + "/"
    outside = [
        v for v in rest if not any(f == at or f.startswith(under) for f in (v.path, *v.fields))
    ]
    warning = Violation(
        "not_decrypted",
        at,
        (at,),
        f"{ACCOUNT_INFORMATION} is encrypted and the context holds no decryption key: its "
        "envelope was checked, its inside (the account identifiers) was not",
        "warning",
    )
    return Report(op.name, (*check_envelope(payload, version), *outside, warning))


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
    Unknown fields that the operation tolerates are left out of the model. The document is
    read once, by the model's generated builder (:func:`~mdesrules.converters.builder`),
    which trusts the check for every type.

    Raises:
        InvalidRequest: the document was not checked after all and cannot be built (not an
            object, no wrapper key, a member of the wrong type): the check runs then, and
            its report says what to fix. A document of the right shape that breaks a value
            rule is built as it is: check it first.
    """
    envelope = op.form(form).envelope
    try:
        inner = document[envelope] if envelope is not None else document  # type: ignore[index]
        return builder(op.request, op.naming if form == "json" else identity)(inner)
    except (LookupError, TypeError, AttributeError, ValueError) as error:
        report = Report.of_findings(op.name, op.form(form).checker(document, None))
        if report.ok:
            raise
        raise InvalidRequest(report) from error
