"""CyberSource HTTP Signature authentication as a :mod:`requests` auth object.

The signed string is, line by line and joined with ``\\n`` (no trailing newline)::

    host: <host>
    date: <RFC 7231 date>
    request-target: <lowercase method> <path?query>
    digest: SHA-256=<base64 sha256(body)>      (POST, PUT and PATCH only)
    v-c-merchant-id: <merchant id>

It is signed with HMAC-SHA256 keyed by the *base64-decoded* shared secret. The header
token is ``request-target`` without parentheses, as the CyberSource SDK writes it (the
service accepts this form; the developer guide writes ``(request-target)``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Callable
from email.utils import formatdate
from urllib.parse import urlsplit

import requests

from mdesrules.exceptions import MdesRulesError

__all__ = ["CyberSourceSignature", "body_digest", "signing_string"]

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def body_digest(body: bytes) -> str:
    """The ``digest`` header value: ``SHA-256=`` and the base64 SHA-256 of the body."""
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode("ascii")


def signing_string(
    *, host: str, date: str, method: str, target: str, digest: str | None, merchant_id: str
) -> str:
    """The text that is signed (see the module docstring)."""
    lines = [f"host: {host}", f"date: {date}", f"request-target: {method.lower()} {target}"]
    if digest is not None:
        lines.append(f"digest: {digest}")
    lines.append(f"v-c-merchant-id: {merchant_id}")
    return "\n".join(lines)


class CyberSourceSignature(requests.auth.AuthBase):
    """Signs each request with CyberSource's HTTP Signature (``HmacSHA256``).

    ``now`` returns the ``date`` header value; it defaults to the current time in RFC 7231
    form and exists so that tests can fix the date.
    """

    def __init__(
        self,
        merchant_id: str,
        key_id: str,
        shared_secret_b64: str,
        *,
        now: Callable[[], str] | None = None,
    ) -> None:
        try:
            secret = base64.b64decode(shared_secret_b64, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise MdesRulesError("the CyberSource shared secret is not valid base64") from exc
        if not secret:
            raise MdesRulesError("the CyberSource shared secret is empty")
        self.merchant_id = merchant_id
        self.key_id = key_id
        self._secret = secret
        self._now = now or (lambda: formatdate(usegmt=True))

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        method = (r.method or "GET").upper()
        parts = urlsplit(r.url or "")
        host = parts.netloc
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        date = self._now()
        body = r.body if r.body is not None else b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        digest = body_digest(body) if method in _BODY_METHODS else None
        text = signing_string(
            host=host,
            date=date,
            method=method,
            target=target,
            digest=digest,
            merchant_id=self.merchant_id,
        )
        mac = hmac.new(self._secret, text.encode("utf-8"), hashlib.sha256).digest()
        names = "host date request-target " + ("digest " if digest else "") + "v-c-merchant-id"
        r.headers["v-c-merchant-id"] = self.merchant_id
        r.headers["date"] = date
        r.headers["host"] = host
        if digest is not None:
            r.headers["digest"] = digest
        r.headers["signature"] = (
            f'keyid="{self.key_id}", algorithm="HmacSHA256", headers="{names}", '
            f'signature="{base64.b64encode(mac).decode("ascii")}"'
        )
        return r
