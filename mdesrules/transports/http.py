"""MDES over HTTP: each request POSTed with :mod:`requests`, the answer read with a codec.

::

    from mdesrules.transports import HttpTransport, MastercardOAuth1, SANDBOX_URL

    auth = MastercardOAuth1(consumer_key, signing_key)
    with Client(HttpTransport(SANDBOX_URL, auth=auth)) as client:
        client.token_suspend(request)

What it guarantees:

- Every call has a connect and a read timeout; waiting forever is refused.
- A request is repeated only when repeating it cannot do harm: after a connection that
  failed before anything was sent (any operation), and, for read-only operations
  (:attr:`~mdesrules.transport.Request.repeatable`), after an answer whose MDES errors are
  all ``Recoverable``, a 502, 503 or 504, a read timeout or a connection that broke
  mid-call. A timed-out update is never sent twice: it may have been applied.
- The answer is read up to :data:`MAX_RESPONSE_BYTES` and no further.
- Failures raise :class:`~mdesrules.exceptions.ConnectError`,
  :class:`~mdesrules.exceptions.Timeout`, :class:`~mdesrules.exceptions.DecodeError` or
  :class:`~mdesrules.exceptions.TransportError`, whose messages never quote a body.
- The ``mdesrules.transports.http`` logger records the operation, status, duration and attempt of
  each call; never a body, a header value or a PAN.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from typing import Literal
from urllib.parse import urlsplit

import requests
from requests.auth import AuthBase
from urllib3.exceptions import MaxRetryError, NewConnectionError, ReadTimeoutError

from mdesrules.exceptions import ConnectError, DecodeError, Timeout, TransportError
from mdesrules.registry import REGISTRY
from mdesrules.transport import Closing, Request, Response

from ..codecs import json as json_codec
from ..codecs import xml as xml_codec

__all__ = ["MAX_RESPONSE_BYTES", "PRODUCTION_URL", "SANDBOX_URL", "HttpTransport"]

#: MDES Customer Service API v2 in production.
PRODUCTION_URL = "https://api.mastercard.com/mdes/csapi/v2"
#: The Mastercard sandbox of the same API.
SANDBOX_URL = "https://sandbox.api.mastercard.com/mdes/csapi/v2"

#: The largest answer read; MDES answers are a few kilobytes.
MAX_RESPONSE_BYTES = json_codec.MAX_BODY_BYTES

#: Statuses of a gateway that did not get an answer from MDES in time.
RETRY_STATUSES = frozenset({502, 503, 504})

#: The longest pause between two attempts, whatever the backoff.
MAX_BACKOFF = 30.0

_CHUNK = 65_536

log = logging.getLogger("mdesrules.transports.http")

Form = Literal["json", "xml"]
Auth = AuthBase | Callable[[requests.PreparedRequest], requests.PreparedRequest] | None


class _Retry(Exception):
    """An attempt failed and another one is allowed; the message says why (for the log)."""


class HttpTransport(Closing):
    """Sends requests to MDES over HTTPS with :mod:`requests`.

    Args:
        base_url: the API root, :data:`PRODUCTION_URL` by default (or :data:`SANDBOX_URL`);
            each operation is POSTed to ``base_url + path`` (``.../token/update``).
        session: a :class:`requests.Session` to send with (for proxies, certificates,
            connection pooling shared with other code). :meth:`close` closes only a session
            the transport created itself.
        form: ``"json"`` (every operation) or ``"xml"`` (DataContract XML, only for the
            operations that have an XML form: the legacy update).
        timeout: seconds to wait for the connection and then for the answer; both must be
            finite and positive.
        retries: how many times a failed attempt may be repeated (see the module doc).
        backoff: the pause before the first repeat, doubled before each next one.
        auth: signs each request, e.g. :class:`~mdesrules.transports.oauth.MastercardOAuth1`;
            ``None`` leaves the session's own auth.

    Raises:
        ValueError: an argument is out of range (no timeout, a negative retry count...).

    A transport is not meant to be shared between threads (neither is a ``Session``).
    """

    def __init__(
        self,
        base_url: str = PRODUCTION_URL,
        *,
        session: requests.Session | None = None,
        form: Form = "json",
        timeout: tuple[float, float] = (3.05, 30.0),
        retries: int = 2,
        backoff: float = 0.2,
        auth: Auth = None,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("base_url must be an http:// or https:// URL")
        if parts.query or parts.fragment:
            raise ValueError("base_url must not have a query or a fragment")
        if form not in ("json", "xml"):
            raise ValueError(f"form must be 'json' or 'xml', not {form!r}")
        self.base_url = base_url.rstrip("/")
        # For messages: the host and port only, never credentials in the URL.
        self._host = f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)
        self.form: Form = form
        self.timeout = _checked_timeout(timeout)
        if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
            raise ValueError("retries must be an int >= 0")
        self.retries = retries
        if not (isinstance(backoff, (int, float)) and math.isfinite(backoff) and backoff >= 0):
            raise ValueError("backoff must be a finite number of seconds >= 0")
        self.backoff = float(backoff)
        self.auth = auth
        self._owns_session = session is None
        self.session = session if session is not None else requests.Session()
        self.closed = False

    def send(self, request: Request) -> Response:
        """POST *request* and return MDES's answer, repeating it when that is safe.

        Raises:
            ValueError: ``form="xml"`` for an operation without an XML form.
            ConnectError: no connection could be made (nothing was sent), after retries.
            Timeout: no answer in time; the request may have been applied.
            DecodeError: the answer is too large, or not a response of the operation.
            TransportError: any other failure to deliver or read.
        """
        if self.closed:
            raise RuntimeError("the transport is closed")
        op = REGISTRY.get(request.operation)
        if self.form == "xml" and op.xml_root is None:
            raise ValueError(f"operation {op.name!r} has no XML form; use form='json'")
        body = _encode(self.form, request)
        url = self.base_url + op.path
        content_type = xml_codec.CONTENT_TYPE if self.form == "xml" else json_codec.CONTENT_TYPE
        headers = {"Content-Type": content_type, "Accept": content_type}
        attempts = self.retries + 1
        attempt = 1
        while True:
            try:
                return self._attempt(request, url, body, headers, attempt, attempts)
            except _Retry as retry:
                pause = min(self.backoff * 2 ** (attempt - 1), MAX_BACKOFF)
                log.warning(
                    "%s: %s; retrying in %.2fs (attempt %d of %d)",
                    op.name,
                    retry,
                    pause,
                    attempt,
                    attempts,
                )
                time.sleep(pause)
                attempt += 1

    def _attempt(
        self,
        request: Request,
        url: str,
        body: bytes,
        headers: dict[str, str],
        attempt: int,
        attempts: int,
    ) -> Response:
        """One POST; raises :class:`_Retry` when it failed and another attempt is allowed."""
        name = request.operation
        may_retry = attempt < attempts
        started = time.monotonic()
        try:
            status, data = self._post(url, body, headers)
        except TransportError as error:
            elapsed = time.monotonic() - started
            log.info(
                "%s: %s after %.3fs (attempt %d of %d)",
                name,
                _public(error).__name__,
                elapsed,
                attempt,
                attempts,
            )
            if may_retry and _safe_to_repeat(error, request):
                raise _Retry(_public(error).__name__) from None
            if type(error) in (_NotSent, _Broken):
                raise _public(error)(str(error)) from None
            raise
        elapsed = time.monotonic() - started
        log.info(
            "%s: HTTP %d in %.3fs (attempt %d of %d)", name, status, elapsed, attempt, attempts
        )
        repeatable = request.repeatable and may_retry
        if repeatable and status in RETRY_STATUSES:
            raise _Retry(f"HTTP {status}")
        try:
            response = _decode(self.form, name, status, data)
        except DecodeError as error:
            raise DecodeError(f"MDES answered HTTP {status}: {error}") from None
        if repeatable and not response.ok and _all_recoverable(response):
            raise _Retry(f"HTTP {status}, recoverable MDES error")
        return response

    def _post(self, url: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        host = self._host
        try:
            answer = self.session.post(
                url,
                data=body,
                headers=headers,
                timeout=self.timeout,
                auth=self.auth,
                allow_redirects=False,
                stream=True,
            )
        except requests.ConnectTimeout:
            raise _NotSent(f"no connection to {host} within {self.timeout[0]}s") from None
        except requests.ReadTimeout:
            raise Timeout(
                f"{host} sent no answer within {self.timeout[1]}s; the request may have "
                "been applied"
            ) from None
        except requests.exceptions.SSLError:
            raise ConnectError(f"the TLS handshake with {host} failed") from None
        except requests.exceptions.ProxyError:
            raise ConnectError(f"the proxy for {host} refused or failed") from None
        except requests.ConnectionError as error:
            if _nothing_sent(error):
                raise _NotSent(f"could not connect to {host}") from None
            raise _Broken(
                f"the connection to {host} broke ({_cause(error)}); the request may have "
                "been applied"
            ) from None
        except requests.RequestException as error:
            raise TransportError(f"could not send to {host} ({type(error).__name__})") from None
        with answer:
            return answer.status_code, _read_bounded(answer, host)

    def close(self) -> None:
        """Close the session if the transport created it; later sends raise ``RuntimeError``."""
        if not self.closed and self._owns_session:
            self.session.close()
        self.closed = True

    def __repr__(self) -> str:
        return f"HttpTransport({self.base_url!r}, form={self.form!r})"


class _NotSent(ConnectError):
    """A connection that failed before any byte of the request left: safe to repeat."""


class _Broken(TransportError):
    """A connection that broke mid-call: MDES may have applied the request."""


def _public(error: TransportError) -> type[TransportError]:
    """The class callers see (the private ones only steer the retries)."""
    if isinstance(error, _NotSent):
        return ConnectError
    if isinstance(error, _Broken):
        return TransportError
    return type(error)


def _checked_timeout(timeout: object) -> tuple[float, float]:
    message = (
        "timeout must be (connect, read) seconds, both finite and > 0; "
        "None (wait forever) is refused"
    )
    if not isinstance(timeout, tuple) or len(timeout) != 2:
        raise ValueError(message)
    out: list[float] = []
    for value in timeout:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(message)
        if not (math.isfinite(value) and value > 0):
            raise ValueError(message)
        out.append(float(value))
    return out[0], out[1]


def _nothing_sent(error: requests.ConnectionError) -> bool:
    """Whether the connection failed while connecting (refused, unreachable, no DNS)."""
    reason = error.args[0] if error.args else None
    return isinstance(reason, MaxRetryError) and isinstance(reason.reason, NewConnectionError)


def _cause(error: Exception) -> str:
    reason = error.args[0] if error.args else None
    if isinstance(reason, MaxRetryError) and reason.reason is not None:
        return type(reason.reason).__name__
    inner = reason.args[1] if isinstance(reason, Exception) and len(reason.args) > 1 else None
    return type(inner).__name__ if isinstance(inner, Exception) else type(reason).__name__


def _safe_to_repeat(error: TransportError, request: Request) -> bool:
    if isinstance(error, _NotSent):
        return True
    # A read-only request may be repeated after a failure in flight; a write may not: MDES
    # may have applied it before the connection broke or the answer came late.
    return request.repeatable and isinstance(error, (Timeout, _Broken))


def _all_recoverable(response: Response) -> bool:
    return bool(response.errors) and all(
        (e.recoverable or "").lower() == "true" for e in response.errors
    )


def _encode(form: Form, request: Request) -> bytes:
    if form == "xml":
        return xml_codec.encode_request(request)
    return json_codec.encode_request(request)


def _decode(form: Form, operation: str, status: int, data: bytes) -> Response:
    if form == "xml":
        return xml_codec.decode_response(operation, status, data)
    return json_codec.decode_response(operation, status, data)


def _read_bounded(answer: requests.Response, host: str) -> bytes:
    declared = answer.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > MAX_RESPONSE_BYTES:
        raise DecodeError(f"the answer is larger than {MAX_RESPONSE_BYTES} bytes")
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in answer.iter_content(_CHUNK):
            size += len(chunk)
            if size > MAX_RESPONSE_BYTES:
                raise DecodeError(f"the answer is larger than {MAX_RESPONSE_BYTES} bytes")
            chunks.append(chunk)
    except requests.ConnectionError as error:
        if error.args and isinstance(error.args[0], ReadTimeoutError):
            raise Timeout(f"{host} stopped sending its answer; it may have been applied") from None
        raise _Broken(f"the answer from {host} was cut ({_cause(error)})") from None
    except requests.RequestException as error:
        raise TransportError(
            f"the answer from {host} could not be read ({type(error).__name__})"
        ) from None
    return b"".join(chunks)
