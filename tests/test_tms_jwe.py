"""Payment-credentials JWE: round trip, and one clear error for every failure."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc import jwe
from joserfc.jwk import RSAKey

from mdesrules.tms.jwe import CredentialDecryptionError, decrypt_credentials, encrypt_credentials

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER = rsa.generate_private_key(public_exponent=65537, key_size=2048)
CRED = {
    "tokenizedCard": {"number": "4895370012003478", "cryptogram": "AceY+igABPs3jdwNaDg3MAACAAA="}
}


def _b64url(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def _unb64url(s: str) -> bytes:
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def test_round_trip_and_header() -> None:
    token = encrypt_credentials(CRED, KEY.public_key(), kid="mle-1")
    header = json.loads(_unb64url(token.split(".")[0]))
    assert header == {"alg": "RSA-OAEP-256", "enc": "A256GCM", "cty": "json", "kid": "mle-1"}
    assert decrypt_credentials(token, KEY) == CRED
    assert decrypt_credentials(token.encode() + b"\n", KEY) == CRED


def _public_jwk() -> RSAKey:
    pem = KEY.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return RSAKey.import_key(pem)


def test_wrong_key() -> None:
    token = encrypt_credentials(CRED, KEY.public_key())
    with pytest.raises(CredentialDecryptionError, match="could not be decrypted"):
        decrypt_credentials(token, OTHER)


@pytest.mark.parametrize("part", [1, 2, 3, 4])
def test_tampered_parts(part: int) -> None:
    parts = encrypt_credentials(CRED, KEY.public_key()).split(".")
    raw = bytearray(_unb64url(parts[part]))
    raw[len(raw) // 2] ^= 0x01
    parts[part] = _b64url(bytes(raw))
    with pytest.raises(CredentialDecryptionError):
        decrypt_credentials(".".join(parts), KEY)


def test_tampered_header() -> None:
    parts = encrypt_credentials(CRED, KEY.public_key()).split(".")
    parts[0] = _b64url(b'{"alg":"RSA-OAEP-256","enc":"A256GCM","cty":"jwt"}')
    with pytest.raises(CredentialDecryptionError):
        decrypt_credentials(".".join(parts), KEY)


@pytest.mark.parametrize(
    "token",
    ["", "abc", "a.b.c", "a.b.c.d.e", "!!.!!.!!.!!.!!", b"\xff\xfe.a.b.c.d", "x" * 300_000],
)
def test_malformed(token: str | bytes) -> None:
    with pytest.raises(CredentialDecryptionError):
        decrypt_credentials(token, KEY)


def test_other_algorithm_refused() -> None:
    key = _public_jwk()
    token = jwe.encrypt_compact(
        {"alg": "RSA-OAEP", "enc": "A128GCM"}, b"{}", key, algorithms=["RSA-OAEP", "A128GCM"]
    )
    with pytest.raises(CredentialDecryptionError):
        decrypt_credentials(token, KEY)


def test_not_a_json_object() -> None:
    pub = _public_jwk()
    for plaintext, message in [(b"[1]", "not a JSON object"), (b"nope", "not JSON")]:
        token = jwe.encrypt_compact(
            {"alg": "RSA-OAEP-256", "enc": "A256GCM"},
            plaintext,
            pub,
            algorithms=["RSA-OAEP-256", "A256GCM"],
        )
        with pytest.raises(CredentialDecryptionError, match=message):
            decrypt_credentials(token, KEY)
