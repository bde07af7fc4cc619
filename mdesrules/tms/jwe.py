"""Compact JWE for TMS payment credentials (RSA-OAEP-256 key wrap, A256GCM content).

CyberSource answers *Generate Payment Credentials* with a bare compact JWE
(``application/jose``) encrypted to the merchant's key. :func:`decrypt_credentials` opens
it with the caller's RSA private key through :mod:`joserfc` and returns the JSON object
inside; anything wrong (malformed, tampered, wrong key, other algorithms, not a JSON
object) raises :class:`CredentialDecryptionError` and nothing else is returned.
:func:`encrypt_credentials` is the other side, for the simulated TMS and for tests.
"""

from __future__ import annotations

import json
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc import jwe
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey

from mdesrules._json import MalformedJson, loads_strict
from mdesrules.exceptions import MdesRulesError

__all__ = [
    "ALG",
    "ENC",
    "CredentialDecryptionError",
    "decrypt_credentials",
    "encrypt_credentials",
]

ALG = "RSA-OAEP-256"
ENC = "A256GCM"
_ALGORITHMS = (ALG, ENC)
_MAX_JWE_CHARS = 256 * 1024


class CredentialDecryptionError(MdesRulesError, ValueError):
    """The payment-credentials JWE could not be decrypted into a credential object."""


def _private_jwk(key: rsa.RSAPrivateKey) -> RSAKey:
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return RSAKey.import_key(pem)


def _public_jwk(key: rsa.RSAPublicKey) -> RSAKey:
    pem = key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return RSAKey.import_key(pem)


def encrypt_credentials(
    payload: dict[str, Any], public_key: rsa.RSAPublicKey, *, kid: str | None = None
) -> str:
    """Encrypt ``payload`` (as JSON) to ``public_key``: a compact JWE, ``cty: json``."""
    header: dict[str, Any] = {"alg": ALG, "enc": ENC, "cty": "json"}
    if kid is not None:
        header["kid"] = kid
    plaintext = json.dumps(payload, separators=(",", ":")).encode("utf-8")
    return jwe.encrypt_compact(header, plaintext, _public_jwk(public_key), algorithms=_ALGORITHMS)


def decrypt_credentials(token: bytes | str, private_key: rsa.RSAPrivateKey) -> dict[str, Any]:
    """Decrypt a compact JWE with ``private_key`` into the credential JSON object.

    Raises :class:`CredentialDecryptionError` with a clear message on any failure.
    """
    if isinstance(token, bytes):
        try:
            token = token.decode("ascii")
        except UnicodeDecodeError as exc:
            raise CredentialDecryptionError("the JWE is not ASCII text") from exc
    token = token.strip()
    if len(token) > _MAX_JWE_CHARS:
        raise CredentialDecryptionError(f"the JWE is longer than {_MAX_JWE_CHARS} characters")
    if token.count(".") != 4:
        raise CredentialDecryptionError(
            "the body is not a compact JWE (expected five base64url parts separated by dots)"
        )
    try:
        result = jwe.decrypt_compact(token, _private_jwk(private_key), algorithms=_ALGORITHMS)
    except JoseError as exc:
        raise CredentialDecryptionError(
            f"the JWE could not be decrypted (wrong key, tampered or malformed): {exc}"
        ) from exc
    except (ValueError, TypeError, KeyError) as exc:
        raise CredentialDecryptionError(f"the JWE is malformed: {exc}") from exc
    header = result.protected
    if header.get("alg") != ALG or header.get("enc") != ENC:
        raise CredentialDecryptionError(
            f"the JWE uses alg={header.get('alg')!r} enc={header.get('enc')!r}, "
            f"expected {ALG} / {ENC}"
        )
    plaintext = result.plaintext
    if plaintext is None:
        raise CredentialDecryptionError("the JWE has no content")
    try:
        doc = loads_strict(plaintext)
    except MalformedJson:  # its reason could quote the plaintext's keys: not repeated
        raise CredentialDecryptionError("the decrypted content is not JSON") from None
    if not isinstance(doc, dict):
        raise CredentialDecryptionError("the decrypted content is not a JSON object")
    return doc
