"""The DataContract XML wire form of the legacy MDES customer service (``api/Update``).

Every byte received goes through the one hardened parser, :func:`mdesrules._xml.parse_xml`
(through :func:`~mdesrules._xml.read_document`):
no DTD, no entity expansion, no network access, a size bound.
"""

from __future__ import annotations

from mdesrules._xml import MAX_XML_BYTES, XmlRejected, from_document, read_document
from mdesrules.codec import decode_request as _decode_request
from mdesrules.codec import decode_response as _decode_response
from mdesrules.codec import encode_errors as _encode_errors
from mdesrules.codec import encode_request as _encode_request
from mdesrules.codec import encode_response as _encode_response
from mdesrules.exceptions import DecodeError
from mdesrules.models.responses import Error
from mdesrules.registry import Registry
from mdesrules.transport import Request, Response

__all__ = [
    "CONTENT_TYPE",
    "MAX_XML_BYTES",
    "decode_request",
    "decode_response",
    "encode_errors",
    "encode_request",
    "encode_response",
    "loads",
]

CONTENT_TYPE = "application/xml"


def loads(data: bytes) -> tuple[str, dict[str, object]]:
    """The root element name and members of an XML body.

    Raises:
        DecodeError: unsafe (DTD, entities), too large, not well-formed, or not DataContract.
    """
    try:
        return read_document(data)
    except XmlRejected as e:
        raise DecodeError(str(e)) from None


def encode_request(request: Request) -> bytes:
    """The XML body of *request* (only the legacy update has an XML form)."""
    root, document = _encode_request(request, "xml")
    return from_document(root or "", document)


def decode_request(operation: str, data: bytes, *, registry: Registry | None = None) -> Request:
    """The request of a received XML body, after checking every rule.

    Raises:
        DecodeError: the body is not acceptable XML.
        InvalidRequest: it breaks a rule; ``.report`` holds every violation.
    """
    root, members = loads(data)
    return _decode_request(operation, root, members, "xml", registry=registry)


def encode_response(response: Response, *, registry: Registry | None = None) -> bytes:
    """The XML body of *response* (an ``Errors`` document when it has errors)."""
    root, document = _encode_response(response, "xml", registry=registry)
    return from_document(root or "", document)


def decode_response(
    operation: str, status: int, data: bytes, *, registry: Registry | None = None
) -> Response:
    """The response of a received XML answer (tolerant; unknown members are warnings).

    Raises:
        DecodeError: not acceptable XML, or not this operation's response or an error.
    """
    return _decode_response(operation, status, loads(data), "xml", registry=registry)


def encode_errors(errors: tuple[Error, ...]) -> bytes:
    """The XML ``Errors`` document of *errors* (for any endpoint, or none)."""
    root, document = _encode_errors(errors, "xml")
    return from_document(root or "", document)
