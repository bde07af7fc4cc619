"""HTTP over :mod:`requests`: the one hardened carrier, and MDES over it.

:class:`HttpCarrier` moves :class:`~mdesrules.wire.WireRequest` bytes to a server and brings
the answer back; the MDES client (:class:`HttpTransport`), the CyberSource TMS client and the
notification delivery of the simulated MDES all send through it::

    from mdesrules.transports import HttpTransport, MastercardOAuth1, SANDBOX_URL

    auth = MastercardOAuth1(consumer_key, signing_key)
    with Client(HttpTransport(SANDBOX_URL, auth=auth)) as client:
        client.token_suspend(request)

What the carrier guarantees, whoever uses it:

- Every call has a connect and a read timeout; waiting forever is refused.
- A request is repeated only when repeating it cannot do harm: after a connection that
  failed before anything was sent (any request), and, for a request marked
  :attr:`~mdesrules.wire.WireRequest.repeatable`, after a 429, 502, 503 or 504, a read
  timeout, a connection that broke mid-call, or an answer its
  :attr:`~mdesrules.wire.WireRequest.retry_answer` asks to repeat. A timed-out write is
  never sent twice: it may have been applied.
- The pause before a repeat doubles from ``backoff``; a ``Retry-After`` header (seconds or
  an HTTP date) on a 429, 502, 503 or 504 sets it instead. No pause is longer than
  :data:`MAX_BACKOFF`.
- The answer is read up to ``max_response_bytes`` (:data:`MAX_RESPONSE_BYTES` by default)
  and no further, whether it declares its length or streams.
- Failures raise :class:`~mdesrules.exceptions.ConnectError` (nothing sent, TLS or proxy
  failed), :class:`~mdesrules.exceptions.Timeout`,
  :class:`~mdesrules.exceptions.DecodeError` (an answer too large) or
  :class:`~mdesrules.exceptions.TransportError`, whose messages name the host and never
  quote a body or a credential.
- The ``mdesrules.transports.http`` logger records the request's label (the operation),
  status, duration and attempt of each call; never a body, a header value or a PAN.

:class:`HttpTransport` is :class:`~mdesrules.transports.codec_transport.CodecTransport` over
an :class:`HttpCarrier`: MDES requests are POSTed in JSON or XML (2.0.7's ``GET
/systemstatus`` goes without a body), and a read-only operation is also repeated when every
MDES error of its answer is ``Recoverable``.
"""

from __future__ import annotations

import email.utils
import logging
import math
import time
from collections.abc import Callable
from datetime import UTC
from urllib.parse import urlsplit

import requests
from requests.auth import AuthBase
from urllib3.exceptions import MaxRetryError, NewConnectionError, ReadTimeoutError

from mdesrules.account_encryption import AccountEncryption, PublicKeyOrCertificate
from mdesrules.exceptions import ConnectError, DecodeError, Timeout, TransportError
from mdesrules.transport import Closing, Request, Response
from mdesrules.wire import WireRequest, WireResponse

from .codec_transport import CodecTransport, Form

__all__ = [
    "MAX_BACKOFF",
    "MAX_RESPONSE_BYTES",
    "PRODUCTION_URL",
    "RETRY_STATUSES",
    "SANDBOX_URL",
    "HttpCarrier",
    "HttpTransport",
]

#: MDES Customer Service API v2 in production.
PRODUCTION_URL = "https://api.mastercard.com/mdes/csapi/v2"
#: The Mastercard sandbox of the same API.
SANDBOX_URL = "https://sandbox.api.mastercard.com/mdes/csapi/v2"

#: The largest answer read by default; MDES answers are a few kilobytes.
MAX_RESPONSE_BYTES = 1_048_576

#: Statuses that say the server did not handle the request (rate limited, or a gateway
#: without an answer in time); a repeatable request is tried again after them.
RETRY_STATUSES = frozenset({429, 502, 503, 504})

#: The longest pause between two attempts, whatever the backoff or ``Retry-After`` says.
MAX_BACKOFF = 30.0

_CHUNK = 65_536

log = logging.getLogger("mdesrules.transports.http")

Auth = AuthBase | Callable[[requests.PreparedRequest], requests.PreparedRequest] | None


class _Retry(Exception):
    """An attempt failed and another one is allowed; the message says why (for the log)."""

    def __init__(self, reason: str, pause: float | None = None) -> None:
        super().__init__(reason)
        self.pause = pause


class HttpCarrier(Closing):
    """Sends wire requests over HTTP(S) with :mod:`requests` (see the module doc).

    Args:
        base_url: where the requests' paths start (``https://api.mastercard.com/mdes/csapi/v2``);
            each request goes to ``base_url + request.path``.
        session: a :class:`requests.Session` to send with (for proxies, certificates,
            connection pooling shared with other code). :meth:`close` closes only a session
            the carrier created itself.
        timeout: seconds to wait for the connection and then for the answer; both must be
            finite and positive.
        retries: how many times a failed attempt may be repeated (see the module doc).
        backoff: the pause before the first repeat, doubled before each next one.
        auth: signs each request (e.g. :class:`~mdesrules.transports.oauth.MastercardOAuth1`);
            ``None`` leaves the session's own auth.
        max_response_bytes: the largest answer read.

    Raises:
        ValueError: an argument is out of range (no timeout, a negative retry count...).

    A carrier is not meant to be shared between threads (neither is a ``Session``).
    """

    def __init__(
        self,
        base_url: str,
        *,
        session: requests.Session | None = None,
        timeout: tuple[float, float] = (3.05, 30.0),
        retries: int = 2,
        backoff: float = 0.2,
        auth: Auth = None,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("base_url must be an http:// or https:// URL")
        if parts.query or parts.fragment:
            raise ValueError("base_url must not have a query or a fragment")
        self.base_url = base_url.rstrip("/")
        # For messages: the host and port only, never credentials in the URL.
        self._host = f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)
        self.timeout = _checked_timeout(timeout)
        if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
            raise ValueError("retries must be an int >= 0")
        self.retries = retries
        if not (isinstance(backoff, (int, float)) and math.isfinite(backoff) and backoff >= 0):
            raise ValueError("backoff must be a finite number of seconds >= 0")
        self.backoff = float(backoff)
        if isinstance(max_response_bytes, bool) or not isinstance(max_response_bytes, int):
            raise ValueError("max_response_bytes must be an int >= 0")
        if max_response_bytes < 0:
            raise ValueError("max_response_bytes must be an int >= 0")
        self.max_response_bytes = max_response_bytes
        self.auth = auth
        self._owns_session = session is None
        self.session = session if session is not None else requests.Session()
        self.closed = False

    def handle(self, request: WireRequest) -> WireResponse:
        """Send *request* and return the answer, repeating it when that is safe.

        Raises:
            ConnectError: no connection could be made (nothing was sent), after retries;
                or the TLS handshake or the proxy failed.
            Timeout: no answer in time; the request may have been applied.
            DecodeError: the answer is larger than ``max_response_bytes``.
            TransportError: any other failure to deliver or read.
        """
        if self.closed:
            raise RuntimeError("the carrier is closed")
        label = request.label or request.method
        attempts = self.retries + 1
        attempt = 1
        while True:
            try:
                return self._attempt(request, label, attempt, attempts)
            except _Retry as retry:
                wait = self.backoff * 2 ** (attempt - 1) if retry.pause is None else retry.pause
                pause = min(wait, MAX_BACKOFF)
                log.warning(
                    "%s: %s; retrying in %.2fs (attempt %d of %d)",
                    label,
                    retry,
                    pause,
                    attempt,
                    attempts,
                )
                time.sleep(pause)
                attempt += 1

    def _attempt(
        self, request: WireRequest, label: str, attempt: int, attempts: int
    ) -> WireResponse:
        """One exchange; raises :class:`_Retry` when it failed and another one is allowed."""
        may_retry = attempt < attempts
        started = time.monotonic()
        try:
            answer = self._exchange(request)
        except TransportError as error:
            elapsed = time.monotonic() - started
            log.info(
                "%s: %s after %.3fs (attempt %d of %d)",
                label,
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
        status = answer.status
        log.info(
            "%s: HTTP %d in %.3fs (attempt %d of %d)", label, status, elapsed, attempt, attempts
        )
        if may_retry and request.repeatable:
            if status in RETRY_STATUSES:
                raise _Retry(f"HTTP {status}", _retry_after(answer))
            if request.retry_answer is not None and request.retry_answer(answer):
                raise _Retry(f"HTTP {status}, an answer that asks to be repeated")
        return answer

    def _exchange(self, request: WireRequest) -> WireResponse:
        host = self._host
        try:
            answer = self.session.request(
                request.method,
                self.base_url + request.path,
                data=request.body or None,
                headers=dict(request.headers),
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
            body = _read_bounded(answer, host, self.max_response_bytes)
            return WireResponse(answer.status_code, dict(answer.headers), body)

    def close(self) -> None:
        """Close the session if the carrier created it; later requests raise ``RuntimeError``."""
        if not self.closed and self._owns_session:
            self.session.close()
        self.closed = True

    def __repr__(self) -> str:
        return f"HttpCarrier({self.base_url!r})"


class HttpTransport(CodecTransport):
    """Sends requests to MDES over HTTPS: a codec over an :class:`HttpCarrier`.

    Args:
        base_url: the API root, required: :data:`SANDBOX_URL` for Mastercard's sandbox,
            :data:`PRODUCTION_URL` for live traffic, or a simulator's URL. There is no
            default, so that a harness that forgets it fails at once instead of sending its
            test traffic to production. Each operation is sent to ``base_url + path``
            (``.../token/update``) with its own method.
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
        encryption: Mastercard's encryption certificate or public key, or
            :class:`~mdesrules.account_encryption.AccountEncryption` settings, for the
            ``EncryptedAccountInformation`` of CS API 2.1.7 and 2.2.2 requests (see
            :class:`~mdesrules.transports.codec_transport.CodecTransport`). It may be given
            to the :class:`~mdesrules.client.Client` instead.
        allow_plaintext: send ``EncryptedAccountInformation`` in its plaintext form when
            no encryption is configured. Off by default: the specs move the PANs there so
            that they never travel in clear, and MDES refuses the plaintext form anyway.
            Only for a simulator that accepts it (``mdesrules serve`` without
            ``--encryption-key``).

    Raises:
        ValueError: an argument is out of range (no timeout, a negative retry count...).
        TypeError: *base_url* is missing, or *encryption* is not a certificate, an RSA
            public key or settings.

    A transport is not meant to be shared between threads (neither is a ``Session``).
    """

    carrier: HttpCarrier

    def __init__(
        self,
        base_url: str | None = None,
        *,
        session: requests.Session | None = None,
        form: Form = "json",
        timeout: tuple[float, float] = (3.05, 30.0),
        retries: int = 2,
        backoff: float = 0.2,
        auth: Auth = None,
        encryption: AccountEncryption | PublicKeyOrCertificate | None = None,
        allow_plaintext: bool = False,
    ) -> None:
        if base_url is None:
            raise TypeError(
                "HttpTransport needs base_url, the API root to send to: SANDBOX_URL "
                f"({SANDBOX_URL}) for Mastercard's sandbox, PRODUCTION_URL ({PRODUCTION_URL}) "
                "for live traffic, or your simulator's URL (from mdesrules.transports)"
            )
        self.allow_plaintext = allow_plaintext
        settings = AccountEncryption.of(encryption)
        if settings is not None and form != "json":
            raise ValueError(
                "encryption needs form='json': the operations that carry "
                "EncryptedAccountInformation have no XML form"
            )
        carrier = HttpCarrier(
            base_url,
            session=session,
            timeout=timeout,
            retries=retries,
            backoff=backoff,
            auth=auth,
            max_response_bytes=MAX_RESPONSE_BYTES,
        )
        super().__init__(carrier, form=form, encryption=settings)

    def send(self, request: Request) -> Response:
        """Deliver *request* (see :meth:`CodecTransport.send`).

        Raises:
            ValueError: besides the codec's reasons, a request whose
                ``EncryptedAccountInformation`` would leave in clear: no encryption is
                configured (here or on the client) and ``allow_plaintext`` is off. Nothing
                was sent.
        """
        if (
            not self.allow_plaintext
            and request.encryption is None
            and self.encryption is None
            and request.op.account_encryption is not None
            and getattr(request.body, "encrypted_account_information", None) is not None
        ):
            raise ValueError(
                f"{request.operation}: EncryptedAccountInformation would be sent in clear; "
                "give Mastercard's encryption certificate or public key as encryption= "
                "(to the transport or the client), or allow_plaintext=True for a simulator "
                "that accepts the plaintext form"
            )
        return super().send(request)

    @property
    def base_url(self) -> str:
        """The API root, without a trailing slash."""
        return self.carrier.base_url

    @property
    def session(self) -> requests.Session:
        """The session requests are sent with."""
        return self.carrier.session

    @property
    def timeout(self) -> tuple[float, float]:
        """The connect and read timeouts, in seconds."""
        return self.carrier.timeout

    @property
    def retries(self) -> int:
        """How many times a failed attempt may be repeated."""
        return self.carrier.retries

    @property
    def backoff(self) -> float:
        """The pause before the first repeat, in seconds."""
        return self.carrier.backoff

    @property
    def auth(self) -> Auth:
        """What signs each request, or ``None``."""
        return self.carrier.auth

    def __repr__(self) -> str:
        shown = "" if self.encryption is None else f", encryption={self.encryption!r}"
        return f"HttpTransport({self.base_url!r}, form={self.form!r}{shown})"


class _NotSent(ConnectError):
    """A connection that failed before any byte of the request left: safe to repeat."""


class _Broken(TransportError):
    """A connection that broke mid-call: the server may have applied the request."""


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


def _safe_to_repeat(error: TransportError, request: WireRequest) -> bool:
    if isinstance(error, _NotSent):
        return True
    # A repeatable request may be repeated after a failure in flight; a write may not: the
    # server may have applied it before the connection broke or the answer came late.
    return request.repeatable and isinstance(error, (Timeout, _Broken))


def _retry_after(answer: WireResponse) -> float | None:
    """The pause a ``Retry-After`` header asks for, in seconds (``None`` when it has none
    or none that can be read); an HTTP date in the past asks for none."""
    value = (answer.header("Retry-After") or "").strip()
    if not value:
        return None
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # an HTTP date is in GMT, even when written "-0000"
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - time.time())


def _read_bounded(answer: requests.Response, host: str, limit: int) -> bytes:
    too_large = f"the answer is larger than {limit} bytes"
    declared = answer.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise DecodeError(too_large)
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in answer.iter_content(_CHUNK):
            size += len(chunk)
            if size > limit:
                raise DecodeError(too_large)
            chunks.append(chunk)
    except requests.ConnectionError as error:
        if error.args and isinstance(error.args[0], ReadTimeoutError):
            raise Timeout(f"{host} stopped sending its answer; it may have been applied") from None
        raise _Broken(f"the answer from {host} was cut ({_cause(error)})") from None
    except requests.exceptions.ChunkedEncodingError as error:
        # requests' name for a connection that closed before the announced end of the body.
        raise _Broken(f"the answer from {host} was cut ({_cause(error)})") from None
    except requests.RequestException as error:
        raise TransportError(
            f"the answer from {host} could not be read ({type(error).__name__})"
        ) from None
    return b"".join(chunks)
