"""The JSON wire form: MDES CS API v2 (PascalCase, wrapped) and the legacy camelCase form.

Bytes in and out; the document mapping is :mod:`mdesrules.codec`, shared with the XML form.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from mdesrules._json import MalformedJson, loads_strict
from mdesrules.codec import decode_request as _decode_request
from mdesrules.codec import decode_response as _decode_response
from mdesrules.codec import encode_errors as _encode_errors
from mdesrules.codec import encode_request as _encode_request
from mdesrules.codec import encode_response as _encode_response
from mdesrules.exceptions import DecodeError
from mdesrules.fast_pass import FastPass, fast_pass, fast_passes_on, passed_document
from mdesrules.models.responses import Error
from mdesrules.registry import REGISTRY, Registry
from mdesrules.transport import Request, Response

if TYPE_CHECKING:
    from mdesrules.account_encryption import Keys

__all__ = [
    "CONTENT_TYPE",
    "MAX_BODY_BYTES",
    "MalformedJson",
    "decode_request",
    "decode_response",
    "encode_errors",
    "encode_request",
    "encode_response",
    "loads",
]

CONTENT_TYPE = "application/json"

#: The largest body read; MDES messages are a few kilobytes.
MAX_BODY_BYTES = 1_048_576


def _dumps(document: Any) -> bytes:
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:  # an unpaired surrogate: only \u escapes can carry it
        return json.dumps(document, separators=(",", ":")).encode("ascii")


def loads(data: bytes) -> object:
    """Parse a JSON body with the library's one strict reader, bounded in size.

    The reader (:func:`mdesrules._json.loads_strict`) refuses what ``mdesrules check``
    refuses: not UTF-8, not JSON, a repeated key, ``NaN`` or ``Infinity``, a number too
    large for a float, an unpaired surrogate escape, nesting deeper than 256 levels.

    Raises:
        DecodeError: too large; or :class:`~mdesrules._json.MalformedJson` (a
            ``DecodeError`` whose ``code`` is ``malformed_document``) for a body that is
            not acceptable JSON. The message never quotes the body.
    """
    if len(data) > MAX_BODY_BYTES:
        raise DecodeError(_TOO_LARGE)
    return loads_strict(data)


_TOO_LARGE = f"the JSON body is larger than {MAX_BODY_BYTES} bytes"


def encode_request(request: Request) -> bytes:
    """The JSON body of *request*.

    With :attr:`~mdesrules.transport.Request.encryption`, the ``EncryptedAccountInformation``
    of an operation that carries one (:attr:`~mdesrules.registry.Operation.account_encryption`)
    is encrypted between the model's document and its bytes: the plaintext ``EncryptedData``
    object is never written out, and the encrypted form never becomes a model.

    Raises:
        ValueError: the encryption settings cannot serve the operation's version (GCM for
            2.1.7).
    """
    envelope, document = _encode_request(request, "json")
    wire: dict[str, Any] = {envelope: document} if envelope is not None else document
    encryption = request.encryption
    if encryption is not None:
        version = request.op.account_encryption
        if version is not None:
            wire = encryption.encrypt(wire, version)
    return _dumps(wire)


def decode_request(
    operation: str,
    data: bytes,
    *,
    registry: Registry | None = None,
    decryption_keys: Keys | None = None,
) -> Request:
    """The request of a received JSON body, after checking every rule.

    An encrypted ``EncryptedAccountInformation`` is decrypted with *decryption_keys* first
    (see :func:`mdesrules.codec.decode_request`); without them it is refused.

    Raises:
        DecodeError: the body is not JSON.
        InvalidRequest: it breaks a rule or cannot be decrypted; ``.report`` holds every
            violation.
    """
    if len(data) > MAX_BODY_BYTES:  # loads(), inline: a server decodes every request
        raise DecodeError(_TOO_LARGE)
    passes = _fast_pass(registry, operation) if type(data) is bytes else None
    if passes is not None and passes(data):
        # Proven to read as loads_strict reads it and to pass its check: made a model.
        return _decode_request(
            operation, None, passed_document(data), "json", registry=registry, passed=True
        )
    document = loads_strict(data)
    return _decode_request(
        operation, None, document, "json", registry=registry, decryption_keys=decryption_keys
    )


_PASSES: dict[tuple[Registry | None, str], FastPass | None] = {}


def _fast_pass(registry: Registry | None, operation: str) -> FastPass | None:
    """The fast pass of *operation*'s JSON requests (made once), when fast passes are on;
    None for an operation that may come encrypted, or an unknown one (the strict path
    says why)."""
    if not fast_passes_on():
        return None
    try:
        return _PASSES[(registry, operation)]
    except (KeyError, TypeError):
        pass
    try:
        op = (REGISTRY if registry is None else registry).get(operation)
    except Exception:
        return None
    passes = None if op.account_encryption is not None else fast_pass(op.form("json"))
    if len(_PASSES) < 1024:
        _PASSES[(registry, operation)] = passes
    return passes


def encode_response(response: Response, *, registry: Registry | None = None) -> bytes:
    """The JSON body of *response* (an MDES error document when it has errors)."""
    envelope, document = _encode_response(response, "json", registry=registry)
    return _dumps({envelope: document} if envelope is not None else document)


def decode_response(
    operation: str, status: int, data: bytes, *, registry: Registry | None = None
) -> Response:
    """The response of a received JSON answer (tolerant; unknown members are warnings).

    Raises:
        DecodeError: the answer is not JSON, or not this operation's response or an error.
    """
    return _decode_response(operation, status, loads(data), "json", registry=registry)


def encode_errors(errors: tuple[Error, ...]) -> bytes:
    """The JSON MDES error document of *errors* (for any endpoint, or none)."""
    envelope, document = _encode_errors(errors, "json")
    return _dumps({envelope: document} if envelope is not None else document)
