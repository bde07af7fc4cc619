"""Wire documents of requests and responses, in JSON shape or DataContract XML shape.

Pure functions between models and parsed documents (dicts as ``json.loads`` or
:func:`mdesrules._xml.to_document` give them); :mod:`mdesrules.codecs` adds the bytes.
Requests are checked on the way in, so a server built on this never handles an invalid one.
Responses are read tolerantly, as MDES asks its clients to: members this library does not
know are dropped with an ``unknown_field`` warning, and known quirks of live responses
(booleans or numbers where MDES documents strings, ``[]`` for an absent value, one object
where a list belongs) are repaired with a ``wrong_type`` warning. A value that breaks its
member's field rules (a length or a value set of the specification, as the response models
of CS API 2.1.7 and 2.2.2 state them) is kept as sent, with a warning of the rule's code.
Anything else that does not fit raises :class:`~mdesrules.exceptions.DecodeError`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Literal

from .account_encryption import decrypt_and_report
from .checking import check, encrypted_data
from .converters import builder, maker, structure, unstructure
from .exceptions import DecodeError, InvalidRequest
from .fields import severity_of
from .masking import safe_str, scrub
from .models.responses import Error, Errors, ErrorsResponse
from .registry import REGISTRY, Operation, Registry
from .schema import FieldSpec, Naming, ObjectSpec, identity, object_spec
from .transport import Request, Response
from .violations import Report, Violation, pointer

if TYPE_CHECKING:
    from .account_encryption import Keys
    from .compiler import CompiledCheck
    from .converters import Builder

__all__ = [
    "ERRORS_KEY",
    "decode_request",
    "decode_response",
    "encode_errors",
    "encode_request",
    "encode_response",
    "error_response",
    "request_document",
]

Form = Literal["json", "xml"]

_SURROGATE = re.compile("[\ud800-\udfff]")

#: The key (JSON) or root element (XML) of an MDES error answer.
ERRORS_KEY = "Errors"


def _naming(op: Operation, form: Form) -> Naming:
    return op.naming if form == "json" else identity


def encode_request(request: Request, form: Form = "json") -> tuple[str | None, dict[str, Any]]:
    """The envelope key (or XML root) and wire object of *request* (of its own registry).

    For ``form="xml"`` the object has DataContract shape (lists as ``{Item: [...]}``).
    """
    op = request.op
    envelope = op.form(form).envelope
    document = unstructure(request.body, _naming(op, form))
    if form == "xml":
        document = _to_xml_shape(object_spec(op.request), document)
    return envelope, document


def decode_request(
    operation: str,
    envelope: str | None,
    document: object,
    form: Form = "json",
    *,
    registry: Registry | None = None,
    decryption_keys: Keys | None = None,
    passed: bool = False,
) -> Request:
    """The :class:`Request` of a received wire object, after checking every rule.

    Args:
        operation: the operation the endpoint serves.
        envelope: the XML root element for ``form="xml"``; ignored for JSON (the wrapper key
            is part of *document*).
        document: the parsed body.
        registry: the API surface of *operation* (:data:`REGISTRY` by default).
        decryption_keys: the private keys that open an encrypted
            ``EncryptedAccountInformation`` (CS API 2.1.7/2.2.2; see
            :class:`~mdesrules.context.Context`). The request is decrypted first and its
            plaintext form checked and made a model. An encrypted request is never made a
            model without them: the encrypted form is refused with ``not_decrypted``.
        passed: the JSON *document* is known to pass its check without a finding (its
            bytes passed the operation's fast pass, :mod:`mdesrules.fast_pass`): it is
            made a model without checking it again.

    Raises:
        InvalidRequest: the document breaks a rule, or its account information cannot be
            decrypted (``not_decrypted``, ``unknown_key``, ``decryption_failed``, or an
            envelope violation); ``.report`` holds every violation.
    """
    registry = REGISTRY if registry is None else registry
    try:
        reader = _READERS[(registry, operation, form)]
    except (KeyError, TypeError):  # the first of its kind, or no operation name at all
        reader = _reader(registry, operation, form)
    op, checker, wrapper, build, xml_spec = reader
    if xml_spec is not None:
        document = _xml_request(xml_spec, envelope, document)
    if op.account_encryption is not None and encrypted_data(document) is not None:
        document = _decrypted(op, document, decryption_keys, registry)
    if not passed:
        findings = checker(document, None)  # what check() runs, without a context
        if findings and any(is_error for is_error, _, _ in findings):
            raise InvalidRequest(Report.of_findings(op.name, findings))
    # The check passed: the document is an object, wrapped when the form wraps it.
    inner = document[wrapper] if wrapper is not None else document  # type: ignore[index]
    request: Request = _REQUEST(op.name, build(inner), registry)
    return request


_REQUEST = maker(Request)
_Reader = tuple[Operation, "CompiledCheck", "str | None", "Builder", "ObjectSpec | None"]
_READERS: dict[tuple[Registry, str, str], _Reader] = {}


def _reader(registry: Registry, operation: str, form: Form) -> _Reader:
    """The operation called *operation* in *registry*, with its compiled check, envelope,
    model builder and (XML only) members' spec in *form*: looked up once (a registry
    never drops or replaces an operation, so the name keeps naming it).

    Raises:
        UnknownOperation: *registry* has no operation of that name.
    """
    op = registry.get(operation)
    wire = op.form(form)
    spec = wire.spec if form == "xml" else None
    known = (op, wire.checker, wire.envelope, builder(op.request, _naming(op, form)), spec)
    if len(_READERS) < 4096 and isinstance(operation, str):
        _READERS[(registry, operation, form)] = known
    return known


def _decrypted(op: Operation, document: object, keys: Keys | None, registry: Registry) -> object:
    """The plaintext form of an encrypted request *document* of *op*.

    Raises:
        InvalidRequest: no keys (``not_decrypted``, an error here: the request cannot be
            read), or the envelope or decryption failed.
    """
    version = op.account_encryption
    assert version is not None
    if keys is None:
        at = encrypted_data(document) or ""
        refused = Violation(
            "not_decrypted",
            at,
            (at,),
            "EncryptedAccountInformation is encrypted and this service holds no key to "
            "decrypt it: its account data cannot be read",
        )
        found = check(op.name, document, registry=registry).violations
        errors = tuple(v for v in found if v.severity == "error")
        raise InvalidRequest(Report(op.name, (*errors, refused)))
    decrypted = decrypt_and_report(document, keys, version=version)
    if decrypted.document is None:
        raise InvalidRequest(Report(op.name, decrypted.violations))
    return decrypted.document


def request_document(op: Operation, envelope: str | None, document: object, form: Form) -> object:
    """The document :func:`~mdesrules.checking.check` takes for a received wire object:
    JSON as it is; DataContract XML members under their root, lists in JSON shape."""
    if form != "xml":
        return document
    return _xml_request(op.form("xml").spec, envelope, document)


def _xml_request(spec: ObjectSpec, envelope: str | None, document: object) -> object:
    """DataContract XML *document* (the members of root *envelope*) as the check takes it."""
    if not isinstance(document, dict):
        document = {}
    return {envelope or "": _from_xml_shape(spec, document, [])}


def encode_response(
    response: Response, form: Form = "json", *, registry: Registry | None = None
) -> tuple[str | None, Any]:
    """The envelope key (or XML root) and wire object of *response*.

    An error response is ``{"Errors": {"Error": [...]}}`` in JSON and an ``Errors`` root
    element in XML. The legacy operation answers bare camelCase JSON (``{"token": ...}``)
    and a ``TokenResponse`` XML root.
    """
    op = (REGISTRY if registry is None else registry).get(response.operation)
    if response.errors:
        return encode_errors(response.errors, form)
    if op.response is None or not isinstance(response.body, op.response):
        expected = op.response.__name__ if op.response is not None else "no response"
        raise ValueError(
            f"a {op.name} answer without errors needs a {expected} body, "
            f"got {type(response.body).__name__}"
        )
    document = unstructure(response.body, _naming(op, form))
    if form == "xml":
        return op.response_wrapper, _to_xml_shape(object_spec(op.response), document)
    wrapper = op.json_response_wrapper
    if wrapper is None:
        return None, document
    return None, {wrapper: document}


def encode_errors(errors: tuple[Error, ...], form: Form = "json") -> tuple[str | None, Any]:
    """The MDES error document of *errors*: ``{"Errors": {"Error": [...]}}``, or an
    ``Errors`` root element in XML. It belongs to no operation, so any endpoint (or none:
    an unknown path) can answer with it.
    """
    document = unstructure(ErrorsResponse(errors=Errors(error=errors)))
    if form == "xml":
        return ERRORS_KEY, _to_xml_shape(object_spec(Errors), document[ERRORS_KEY])
    return None, document


def decode_response(
    operation: str,
    status: int,
    document: object,
    form: Form = "json",
    *,
    registry: Registry | None = None,
) -> Response:
    """The :class:`Response` of a received answer, read tolerantly (see the module doc).

    For ``form="xml"``, *document* is ``(root, members)`` as
    :func:`mdesrules._xml.to_document` returns it.

    Raises:
        DecodeError: the answer is neither the operation's response nor an MDES error.
    """
    op = (REGISTRY if registry is None else registry).get(operation)
    if op.response is None:
        raise DecodeError(f"operation {op.name!r} has no response model")
    warnings: list[Violation] = []
    root: str | None = None
    members: object = document
    if form == "xml":
        if not (isinstance(document, tuple) and len(document) == 2):
            raise DecodeError("an XML answer must be given as (root, members)")
        root, members = document
    errors_doc = _errors_document(members, root)
    if errors_doc is not None:
        if form == "xml" and isinstance(errors_doc, dict):
            errors_doc = _from_xml_shape(object_spec(Errors), errors_doc, warnings)
        errors = _read(object_spec(Errors), errors_doc, pointer(ERRORS_KEY), warnings, form)
        entries = structure(errors, Errors).error
        if not entries:
            entries = (_http_error(status, "an empty error list"),)
        return Response(op.name, status if status >= 400 else 400, None, entries, tuple(warnings))
    if not 200 <= status < 300:
        return Response(op.name, status, None, (_http_error(status, "no MDES error body"),))
    spec = object_spec(op.response, _naming(op, form))
    if form == "xml":
        if root != op.response_wrapper:
            raise DecodeError(
                f"expected a {op.response_wrapper} answer, got root element {_shown(root)!r}"
            )
        if not isinstance(members, dict):
            raise DecodeError("the XML answer has no members")
        body: object = _from_xml_shape(spec, members, warnings)
        base = pointer(root or "")
    elif op.json_response_wrapper is None:
        body, base = members, ""
    else:
        wrapper = op.json_response_wrapper
        if not isinstance(members, dict) or wrapper not in members:
            raise DecodeError(f"expected an answer wrapped as {{{wrapper!r}: {{...}}}}")
        for key in members:
            if key != wrapper:
                warnings.append(_unknown(key, ""))
        body, base = members[wrapper], pointer(wrapper)
    clean = _read(spec, body, base, warnings, form)
    try:
        model: object = structure(clean, op.response, _naming(op, form))
    except Exception as e:  # cattrs reports through exception groups
        raise DecodeError(
            f"the {op.name} answer lacks a required member ({type(e).__name__})"
        ) from None
    return Response(op.name, status, model, (), tuple(warnings))


def error_response(
    operation: str, status: int, reason_code: str, description: str, *, source: str = "INPUT"
) -> Response:
    """An MDES-shaped refusal with one entry (``Recoverable`` ``"false"``)."""
    entry = Error(
        source=source,
        reason_code=reason_code,
        description=scrub(description),
        recoverable="false",
    )
    return Response(operation, status, None, (entry,))


def _http_error(status: int, what: str) -> Error:
    return Error(
        source="HTTP",
        reason_code=f"HTTP_{status}",
        description=f"MDES answered HTTP {status} with {what}",
        recoverable="true" if status in (502, 503, 504) else "false",
    )


def _errors_document(members: object, root: str | None) -> object | None:
    if root is not None:
        return members if root == ERRORS_KEY else None
    if isinstance(members, dict) and ERRORS_KEY in members:
        found: object = members[ERRORS_KEY]
        return found
    return None


def _shown(text: object) -> str:
    shown = scrub(safe_str(text))
    return shown if len(shown) <= 64 else shown[:64] + "..."


def _unknown(key: object, base: str) -> Violation:
    path = base + pointer(_shown(key))
    return Violation(
        "unknown_field", path, (path,), f"unknown field {_shown(key)!r} ignored", "warning"
    )


def _quirk(path: str, message: str) -> Violation:
    return Violation("wrong_type", path, (path,), message, "warning")


def _read(
    spec: ObjectSpec, value: object, base: str, warnings: list[Violation], form: Form
) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise DecodeError(f"{base or '/'} must be an object")
    out: dict[str, Any] = {}
    for key, member in value.items():
        f = spec.by_name.get(key)
        path = base + pointer(_shown(key))
        if f is None:
            warnings.append(_unknown(key, base))
            continue
        cleaned = _read_member(f, member, path, warnings, form)
        if cleaned is not None:
            out[key] = cleaned
    return out


def _read_member(
    f: FieldSpec, value: object, path: str, warnings: list[Violation], form: Form
) -> object:
    if value is None:
        return None
    if f.kind == "str":
        return _read_text(f, value, path, warnings)
    if f.kind == "object":
        assert f.child is not None
        return _read(f.child, value, path, warnings, form)
    if isinstance(value, dict):
        warnings.append(_quirk(path, f"{f.name} should be a list; one object read as a list"))
        value = [value]
    if not isinstance(value, list):
        raise DecodeError(f"{path} must be a list")
    items: list[object] = []
    for i, item in enumerate(value):
        if f.item_kind == "object":
            assert f.child is not None
            items.append(_read(f.child, item, f"{path}/{i}", warnings, form))
        else:
            text = _read_text(f, item, f"{path}/{i}", warnings)
            if text is not None:
                items.append(text)
    return items


def _read_text(f: FieldSpec, value: object, path: str, warnings: list[Violation]) -> str | None:
    """A string member (or list item) as read, after a warning for each of its field rules
    it breaks, up to the first that a check would report as an error."""
    text = _read_str(value, path, warnings)
    if text is None:
        return None
    for rule in f.rules:
        failure = rule(text)
        if failure is not None:
            code, message = failure
            warnings.append(
                Violation(code, path, (path,), f"{f.name} {message}; read as sent", "warning")
            )
            if severity_of(rule, code) == "error":
                break
    return text


def _read_str(value: object, path: str, warnings: list[Violation]) -> str | None:
    if isinstance(value, str):
        if _SURROGATE.search(value) is None:
            return value
        warnings.append(_quirk(path, "text with an unpaired surrogate; replaced by U+FFFD"))
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, bool):
        warnings.append(_quirk(path, "a boolean where MDES documents a string; read as text"))
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        warnings.append(_quirk(path, "a number where MDES documents a string; read as text"))
        return str(value)
    if value in ([], {}):
        warnings.append(_quirk(path, "an empty list or object for an absent value; ignored"))
        return None
    raise DecodeError(f"{path} must be a string")


def _to_xml_shape(spec: ObjectSpec, document: dict[str, Any]) -> dict[str, Any]:
    """JSON-shaped members to DataContract shape: each list under its item element."""
    out: dict[str, Any] = {}
    for key, value in document.items():
        f = spec.by_name.get(key)
        if f is None:
            out[key] = value
        elif f.kind == "object" and f.child is not None and isinstance(value, dict):
            out[key] = _to_xml_shape(f.child, value)
        elif f.kind == "array" and isinstance(value, list):
            items = [
                _to_xml_shape(f.child, v) if f.child is not None and isinstance(v, dict) else v
                for v in value
            ]
            out[key] = {f.item: items} if items else {}
        else:
            out[key] = value
    return out


def _from_xml_shape(
    spec: ObjectSpec, document: dict[str, Any], warnings: list[Violation], base: str = ""
) -> dict[str, Any]:
    """DataContract members to JSON shape: ``{Item: [...]}`` (or one item) to a list.

    *document* itself when nothing in it changes shape (no list, no empty object element).
    """
    shaped, flat = _shaped(spec)
    if flat is not None:  # only an empty element, read as "", changes shape
        for key in flat:
            if document.get(key).__class__ is str:
                break
        else:
            return document
    found = shaped.keys() & document.keys()
    if not found:
        return document
    # One member, or all of them in the document's order.
    present = [key for key in document if key in found] if len(found) > 1 else found
    out: dict[str, Any] | None = None
    for key in present:
        f, nested = shaped[key]
        value = member = document[key]
        if f.kind == "array":
            if value == {} or value == "":
                value = []
            elif isinstance(value, dict) and set(value) == {f.item}:
                inner = value[f.item]
                value = inner if isinstance(inner, list) else [inner]
            else:
                raise DecodeError(f"{base}/{key} must hold <{f.item}> elements")
            if f.item_kind == "object" and f.child is not None:
                value = [
                    _object_from_xml(f.child, v, warnings, f"{base}/{key}/{i}")
                    for i, v in enumerate(value)
                ]
        elif isinstance(value, str):
            if not value:
                value = {}  # an empty object element, <AuditInfo/>
        elif nested and isinstance(value, dict) and f.child is not None:
            value = _from_xml_shape(f.child, value, warnings, f"{base}/{key}")
        if value is not member:
            if out is None:
                out = dict(document)
            out[key] = value
    return document if out is None else out


_Shaped = tuple[dict[str, tuple[FieldSpec, bool]], "tuple[str, ...] | None"]
_SHAPED: dict[int, tuple[ObjectSpec, _Shaped]] = {}


def _shaped(spec: ObjectSpec) -> _Shaped:
    """The fields of *spec* whose XML shape differs from their JSON shape: lists and objects,
    each with whether its own members may need reshaping (an object's fields hold a list or
    an object); and their names when all are objects that need none (then only an empty
    element, read as "", changes shape), else None. Specs are made once and kept, so each
    is looked at once."""
    known = _SHAPED.get(id(spec))
    if known is not None and known[0] is spec:
        return known[1]
    shaped = {
        f.name: (f, f.child is not None and bool(_shaped(f.child)[0]))
        for f in spec.fields
        if f.kind == "array" or (f.kind == "object" and f.child is not None)
    }
    flat = all(f.kind == "object" and not nested for f, nested in shaped.values())
    result = (shaped, tuple(shaped) if flat else None)
    if len(_SHAPED) < 4096:
        _SHAPED[id(spec)] = (spec, result)
    return result


def _object_from_xml(
    spec: ObjectSpec, value: object, warnings: list[Violation], base: str
) -> object:
    """One object member in DataContract shape: an empty element (``<Device/>``) is ``{}``."""
    if value == "":
        return {}
    if isinstance(value, dict):
        return _from_xml_shape(spec, value, warnings, base)
    return value
