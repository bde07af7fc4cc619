"""A WSGI application that serves an MDES handler over HTTP, the way MDES answers.

Give it any callable from :class:`~mdesrules.transport.Request` to
:class:`~mdesrules.transport.Response` (the simulated MDES, or a test's fake) and serve it
with any WSGI server; :class:`~mdesrules.transports.http.HttpTransport` then talks to it as it talks
to Mastercard::

    from wsgiref.simple_server import make_server
    make_server("127.0.0.1", 8080, WsgiApp(handler)).serve_forever()

Every operation of its registry (:data:`~mdesrules.registry.REGISTRY` by default; any API
surface of :mod:`mdesrules.apis`, or a registry of your own) is served at
``base_path + path`` (``/mdes/csapi/v2/token/update``) with its own method, in JSON; the
legacy update in JSON or DataContract XML, told by the ``Content-Type``, both below the base
(``/mdes/csapi/v2/api/Update``) and at ``legacy_path`` (``/api/Update``, where the legacy
service lives). A ``GET`` (2.0.7's ``/systemstatus``) takes no body and no
``Content-Type``: its request is the empty document ``{}``. Requests are decoded and checked
by the codecs, so the handler sees only valid requests; a handler that checks requests
itself, with its own context (the simulated MDES, against its token store), has an
``answer_document`` method (:class:`CheckingHandler`) and is handed each parsed document
instead, so that every request is checked once. Whatever goes wrong is answered in MDES's
error shape, in XML for an XML request and JSON otherwise, never with a traceback or an
HTML page:

========================================  ======  ==================================
what                                      status  ``ReasonCode``
========================================  ======  ==================================
a request that breaks rules               400     each violation's code, upper-cased
a body that is not JSON / safe XML        400     ``MALFORMED_DOCUMENT``
a body sent with a GET                    400     ``MALFORMED_DOCUMENT``
no operation at the path                  404     ``NOT_FOUND``
a method the operation does not take      405     ``METHOD_NOT_ALLOWED``, ``Allow`` its own
a body type the operation does not take   415     ``UNSUPPORTED_MEDIA_TYPE``
a body larger than ``max_body``           413     ``REQUEST_TOO_LARGE``
the handler raised or answered nonsense   500     ``INTERNAL_ERROR``
========================================  ======  ==================================

A handler that wants to know of the requests refused before it is called (to journal
them, as the simulated MDES does) has a ``refused`` method (:class:`RefusalObserver`). A
handler may ask for the connection to be closed without an answer by raising
:class:`~mdesrules.serving.drop.DropConnection`, which passes through; the headers of its
:class:`~mdesrules.transport.Response` (``Retry-After``) are sent with the answer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import TYPE_CHECKING, Literal, Protocol, runtime_checkable
from wsgiref.types import StartResponse, WSGIEnvironment

from mdesrules.codec import decode_request, request_document
from mdesrules.exceptions import DecodeError, InvalidRequest
from mdesrules.masking import scrub
from mdesrules.models.responses import Error
from mdesrules.registry import REGISTRY, Operation, Registry
from mdesrules.transport import Request, Response

from ..codecs import json as json_codec
from ..codecs import xml as xml_codec
from ._body import BodyRefused, read_body
from .drop import DropConnection

if TYPE_CHECKING:
    from mdesrules.account_encryption import Keys

__all__ = [
    "DEFAULT_BASE_PATH",
    "DEFAULT_LEGACY_PATH",
    "MAX_REQUEST_BYTES",
    "CheckingHandler",
    "RefusalObserver",
    "WsgiApp",
]

#: Where MDES serves the Customer Service API v2.
DEFAULT_BASE_PATH = "/mdes/csapi/v2"
#: Where the legacy customer service takes its update (at the root, not below the base).
DEFAULT_LEGACY_PATH = "/api/Update"
#: The largest request body read by default.
MAX_REQUEST_BYTES = 1_048_576

Handler = Callable[[Request], Response]
Form = Literal["json", "xml"]

_JSON_TYPES = frozenset({"application/json", "text/json"})
_XML_TYPES = frozenset({"application/xml", "text/xml"})

log = logging.getLogger("mdesrules.serving.wsgi")


@runtime_checkable
class CheckingHandler(Protocol):
    """A handler that checks each request itself: it takes the parsed wire document.

    ``answer_document`` runs the operation's rules (with whatever context the handler has)
    and answers MDES's errors when they fail, so :class:`WsgiApp` does not check first.
    """

    def __call__(self, request: Request) -> Response: ...

    def answer_document(self, op: Operation, document: object, form: Form) -> Response:
        """Check *document* (as :func:`mdesrules.check` takes it, in *form*) and answer."""
        ...


@runtime_checkable
class RefusalObserver(Protocol):
    """A handler told of each request :class:`WsgiApp` refuses before calling it."""

    def refused(
        self, path: str, operation: str | None, status: int, errors: tuple[Error, ...]
    ) -> None:
        """*path* (as requested) was refused with *status* and *errors*; *operation* is the
        operation routed to, or ``None`` when no operation is served there."""
        ...


#: Headers a handler may not set: the app writes them from the body it encodes.
_OWN_HEADERS = frozenset({"content-type", "content-length", "x-content-type-options"})


class _Refusal(Exception):
    def __init__(
        self, status: int, reason_code: str, description: str, *, allow: str | None = None
    ) -> None:
        super().__init__(description)
        self.status = status
        self.reason_code = reason_code
        self.description = description
        self.allow = allow


class WsgiApp:
    """Serves *handler* as an MDES Customer Service API (see the module doc).

    Args:
        handler: answers each checked request.
        base_path: the path the API lives under (no trailing slash).
        legacy_path: a second path the legacy update is served at, besides
            ``base_path + "/api/Update"``; ``None`` serves it below the base only.
        max_body: the largest request body accepted, in bytes.
        registry: the operations served (:data:`~mdesrules.registry.REGISTRY` by default).
        decryption_keys: the private keys that open the encrypted
            ``EncryptedAccountInformation`` of CS API 2.1.7/2.2.2 requests (a key ring, a
            private key, or ``(private key, certificate)``): such a request is decrypted,
            checked in its plaintext form and handed over as the plaintext model. Without
            them it is refused (400 ``NOT_DECRYPTED``); a key that does not open it is a 400
            ``UNKNOWN_KEY`` or ``DECRYPTION_FAILED``. A handler that checks requests itself
            (:class:`CheckingHandler`) decrypts them with its own context instead.

    Raises:
        ValueError: a negative ``max_body``, or ``decryption_keys`` with a
            :class:`CheckingHandler`.

    .. versionchanged:: Unreleased
       ``decryption_keys``.
    """

    def __init__(
        self,
        handler: Handler,
        *,
        base_path: str = DEFAULT_BASE_PATH,
        legacy_path: str | None = DEFAULT_LEGACY_PATH,
        max_body: int = MAX_REQUEST_BYTES,
        registry: Registry | None = None,
        decryption_keys: Keys | None = None,
    ) -> None:
        if max_body < 0:
            raise ValueError("max_body must be >= 0")
        self.handler = handler
        # Told once: a runtime protocol check costs microseconds on every request.
        self._checking = handler if isinstance(handler, CheckingHandler) else None
        self._observer = handler if isinstance(handler, RefusalObserver) else None
        if decryption_keys is not None and self._checking is not None:
            raise ValueError(
                "this handler checks requests itself (answer_document): give it the "
                "decryption keys in its own context, not the WsgiApp"
            )
        self._decryption_keys = decryption_keys
        self.registry = REGISTRY if registry is None else registry
        self.base_path = base_path.rstrip("/")
        self.max_body = max_body
        self.routes: dict[str, Operation] = {self.base_path + op.path: op for op in self.registry}
        self.legacy_path = None if legacy_path is None else "/" + legacy_path.strip("/")
        if self.legacy_path is not None and "legacy_update" in self.registry:
            self.routes.setdefault(self.legacy_path, self.registry.get("legacy_update"))

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        form = _form_of(environ)
        op: Operation | None = None
        try:
            op = self._route(environ)
            checking = self._checking
            if op.method == "GET":
                form = "json"
                self._refuse_body(environ, op)
                if checking is not None:
                    return self._handle(
                        start_response, op, form, lambda: checking.answer_document(op, {}, form)
                    )
                request = self._decode_nothing(op)
            else:
                form = self._accepted_form(environ, op)
                data = self._read_body(environ)
                if checking is not None:
                    document = self._document(op, form, data)
                    return self._handle(
                        start_response,
                        op,
                        form,
                        lambda: checking.answer_document(op, document, form),
                    )
                request = self._decode(op, form, data)
        except _Refusal as refusal:
            entry = _entry("INPUT", refusal.reason_code, refusal.description)
            extra = [("Allow", refusal.allow)] if refusal.allow is not None else []
            self._observe(environ, op, refusal.status, (entry,))
            return _answer(start_response, refusal.status, form, (entry,), extra)
        except InvalidRequest as invalid:
            entries = tuple(
                _entry(v.path or "INPUT", v.code.upper(), v.message) for v in invalid.report.errors
            )
            self._observe(environ, op, 400, entries)
            return _answer(start_response, 400, form, entries)
        return self._handle(start_response, op, form, lambda: self.handler(request))

    def _observe(
        self, environ: WSGIEnvironment, op: Operation | None, status: int, errors: tuple[Error, ...]
    ) -> None:
        if self._observer is None:
            return
        path = str(environ.get("SCRIPT_NAME", "")) + str(environ.get("PATH_INFO", ""))
        try:
            self._observer.refused(path, None if op is None else op.name, status, errors)
        except Exception as error:
            log.error("the refusal observer failed (%s)", type(error).__name__)

    def _route(self, environ: WSGIEnvironment) -> Operation:
        path = str(environ.get("SCRIPT_NAME", "")) + str(environ.get("PATH_INFO", ""))
        op = self.routes.get(path)
        if op is None:
            raise _Refusal(404, "NOT_FOUND", "no MDES operation is served at this path")
        if str(environ.get("REQUEST_METHOD", "")).upper() != op.method:
            raise _Refusal(
                405, "METHOD_NOT_ALLOWED", f"{op.endpoint} takes {op.method} only", allow=op.method
            )
        return op

    def _refuse_body(self, environ: WSGIEnvironment, op: Operation) -> None:
        """Read the body of a GET, which must be empty: a body is refused rather than
        ignored, since whatever it says would be dropped."""
        if self._read_body(environ):
            raise _Refusal(400, "MALFORMED_DOCUMENT", f"{op.endpoint} takes no request body")

    def _decode_nothing(self, op: Operation) -> Request:
        """The request of a GET: the empty document, checked (a GET that needs members,
        as a TMS path, is refused by its rules)."""
        return decode_request(op.name, None, {}, "json", registry=self.registry)

    def _accepted_form(self, environ: WSGIEnvironment, op: Operation) -> Form:
        media = _media_type(environ)
        if media in _JSON_TYPES:
            return "json"
        if media in _XML_TYPES and op.xml_root is not None:
            return "xml"
        takes = "application/json or application/xml" if op.xml_root else "application/json"
        raise _Refusal(415, "UNSUPPORTED_MEDIA_TYPE", f"{op.endpoint} takes {takes}")

    def _read_body(self, environ: WSGIEnvironment) -> bytes:
        try:
            return read_body(environ, self.max_body)
        except BodyRefused as e:
            code = "REQUEST_TOO_LARGE" if e.status == 413 else "MALFORMED_DOCUMENT"
            raise _Refusal(e.status, code, e.description) from None

    def _decode(self, op: Operation, form: Form, data: bytes) -> Request:
        try:
            if form == "xml":
                return xml_codec.decode_request(op.name, data, registry=self.registry)
            return json_codec.decode_request(
                op.name, data, registry=self.registry, decryption_keys=self._decryption_keys
            )
        except DecodeError as error:
            raise _Refusal(400, "MALFORMED_DOCUMENT", str(error)) from None

    def _document(self, op: Operation, form: Form, data: bytes) -> object:
        """The parsed body, unchecked, as :func:`mdesrules.check` takes it."""
        try:
            if form == "xml":
                root, members = xml_codec.loads(data)
                return request_document(op, root, members, "xml")
            return json_codec.loads(data)
        except DecodeError as error:
            raise _Refusal(400, "MALFORMED_DOCUMENT", str(error)) from None

    def _handle(
        self,
        start_response: StartResponse,
        op: Operation,
        form: Form,
        answer: Callable[[], Response],
    ) -> Iterable[bytes]:
        try:
            response = answer()
            if not isinstance(response, Response) or response.operation != op.name:
                raise TypeError("the handler did not answer with a Response of the operation")
            if not response.errors and not (
                op.response is not None and isinstance(response.body, op.response)
            ):
                raise TypeError("the handler answered neither errors nor the response model")
            if not 200 <= response.status <= 599:
                raise ValueError("the handler answered with a status outside 200..599")
            body = _encode(form, response, self.registry)
            extra = [(k, v) for k, v in response.headers.items() if k.lower() not in _OWN_HEADERS]
        except DropConnection:
            raise
        except Exception as error:
            # The exception's text may quote the request (a PAN): log its type only.
            log.error("%s: the handler failed (%s)", op.name, type(error).__name__)
            entry = _entry("SYSTEM", "INTERNAL_ERROR", "the service failed to answer")
            return _answer(start_response, 500, form, (entry,))
        return _respond(start_response, response.status, form, body, extra)


def _media_type(environ: WSGIEnvironment) -> str:
    return str(environ.get("CONTENT_TYPE", "") or "").split(";")[0].strip().lower()


def _form_of(environ: WSGIEnvironment) -> Form:
    """The form to refuse in: XML when the request is XML, JSON otherwise."""
    return "xml" if _media_type(environ) in _XML_TYPES else "json"


def _entry(source: str, reason_code: str, description: str) -> Error:
    return Error(
        source=source,
        reason_code=reason_code,
        description=scrub(description),
        recoverable="false",
    )


def _answer(
    start_response: StartResponse,
    status: int,
    form: Form,
    errors: tuple[Error, ...],
    extra: list[tuple[str, str]] | None = None,
) -> list[bytes]:
    body = xml_codec.encode_errors(errors) if form == "xml" else json_codec.encode_errors(errors)
    return _respond(start_response, status, form, body, extra)


def _encode(form: Form, response: Response, registry: Registry) -> bytes:
    if form == "xml":
        return xml_codec.encode_response(response, registry=registry)
    return json_codec.encode_response(response, registry=registry)


def _respond(
    start_response: StartResponse,
    status: int,
    form: Form,
    body: bytes,
    extra: list[tuple[str, str]] | None = None,
) -> list[bytes]:
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Unknown"
    content_type = xml_codec.CONTENT_TYPE if form == "xml" else json_codec.CONTENT_TYPE
    headers = [
        ("Content-Type", f"{content_type}; charset=utf-8"),
        ("Content-Length", str(len(body))),
        ("X-Content-Type-Options", "nosniff"),
        *(extra or []),
    ]
    start_response(f"{status} {phrase}", headers)
    return [body]
