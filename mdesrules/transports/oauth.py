"""Mastercard OAuth 1.0a signing (RSA-SHA256 with a body hash) for :mod:`requests`.

Mastercard's API gateway authenticates every call by an ``Authorization: OAuth ...`` header
signed with the private key of the consumer key issued on Mastercard Developers. The
header carries ``oauth_body_hash``, the base64 SHA-256 of the body, so the signature covers
the exact bytes sent. Signing is done by Mastercard's own library,
``mastercard-oauth1-signer`` (import name ``oauth1``), an optional dependency::

    pip install -e '.[oauth]'        # from a checkout of mdesrules
    pip install 'dist/mdesrules-<version>-py3-none-any.whl[oauth]'   # from a built wheel

    from mdesrules.transports import HttpTransport, MastercardOAuth1, SANDBOX_URL
    auth = MastercardOAuth1.from_pkcs12(consumer_key, "key.p12", "keystorepassword")
    transport = HttpTransport(SANDBOX_URL, auth=auth)
"""

from __future__ import annotations

from pathlib import Path

# The ignores keep mypy quiet where the extra is not installed (oauth1 has no types at all).
try:
    from cryptography.hazmat.primitives.asymmetric.rsa import (  # type: ignore[import-not-found,unused-ignore]
        RSAPrivateKey,
    )
    from cryptography.hazmat.primitives.serialization import (  # type: ignore[import-not-found,unused-ignore]
        load_pem_private_key,
    )
    from oauth1 import authenticationutils  # type: ignore[import-untyped,import-not-found,unused-ignore]
    from oauth1.oauth import OAuth  # type: ignore[import-untyped,import-not-found,unused-ignore]
except ImportError as error:  # pragma: no cover - depends on the environment
    raise ImportError(
        "mdesrules.transports.oauth needs the mastercard-oauth1-signer package (1.9.1 or "
        "later): install the oauth extra, from a checkout of mdesrules with "
        "pip install -e '.[oauth]' or from a wheel with "
        "pip install 'PATH/TO/mdesrules-*.whl[oauth]', "
        "or pip install 'mastercard-oauth1-signer>=1.9.1'. On Python 3.13 and later pip "
        "installs 1.9.1: 1.9.2 declares Requires-Python <3.13, 1.9.1 has no upper bound"
    ) from error

from requests import PreparedRequest
from requests.auth import AuthBase

__all__ = ["MastercardOAuth1"]


class MastercardOAuth1(AuthBase):
    """Signs each request for Mastercard's API gateway (OAuth 1.0a, RSA-SHA256, body hash).

    Args:
        consumer_key: the consumer key of the project on Mastercard Developers.
        signing_key: its RSA private key, as a ``cryptography`` key object or as PEM bytes
            (PKCS#8 or PKCS#1); see :meth:`from_pkcs12` for the ``.p12`` file Mastercard
            issues.
        password: the password of an encrypted PEM key.

    Raises:
        TypeError: the key is not an RSA private key.
        ValueError: the consumer key is empty, or the PEM cannot be read.
    """

    def __init__(
        self,
        consumer_key: str,
        signing_key: RSAPrivateKey | bytes,
        *,
        password: bytes | None = None,
    ) -> None:
        if not isinstance(consumer_key, str) or not consumer_key:
            raise ValueError("consumer_key must be a non-empty string")
        key: object = signing_key
        if isinstance(signing_key, (bytes, bytearray)):
            try:
                key = load_pem_private_key(bytes(signing_key), password=password)
            except (ValueError, TypeError):
                raise ValueError("signing_key is not a readable PEM private key") from None
        if not isinstance(key, RSAPrivateKey):
            raise TypeError("signing_key must be an RSA private key (object or PEM bytes)")
        self.consumer_key = consumer_key
        self._signing_key = key

    @classmethod
    def from_pkcs12(cls, consumer_key: str, path: str | Path, password: str) -> MastercardOAuth1:
        """Load the signing key from the PKCS#12 (``.p12``) keystore Mastercard issues."""
        key = authenticationutils.load_signing_key(str(path), password)
        if key is None:
            raise ValueError("the keystore holds no private key")
        return cls(consumer_key, key)

    def __call__(self, r: PreparedRequest) -> PreparedRequest:
        body = r.body
        if body is None:
            payload = b""
        elif isinstance(body, bytes):
            payload = body
        elif isinstance(body, str):
            # Sent as these UTF-8 bytes (http.client would encode a str as Latin-1), so that
            # the hash covers the bytes on the wire; requests recounts Content-Length after.
            payload = body.encode("utf-8")
            r.body = payload
        else:
            raise TypeError("only a body given as bytes or str can be signed (not a stream)")
        if r.url is None or r.method is None:
            raise ValueError("the request has no URL or method to sign")
        header = OAuth.get_authorization_header(
            r.url, r.method.upper(), payload, self.consumer_key, self._signing_key
        )
        r.headers["Authorization"] = str(header)
        return r

    def __repr__(self) -> str:
        shown = self.consumer_key[:6] + "..." if len(self.consumer_key) > 6 else "..."
        return f"MastercardOAuth1(consumer_key={shown!r})"
