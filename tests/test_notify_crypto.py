"""Mastercard payload encryption: round trips, key selection, refusals, and the cross-check
with Mastercard's own ``mastercard-client-encryption`` library (import name
``client_encryption``)."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mdesrules import MdesRulesError
from mdesrules.encryption import MAX_ENCRYPTED_DATA_HEX
from mdesrules.notifications import (
    NotificationRejected,
    decrypt_document,
    decrypt_payload,
    encrypt_payload,
    fingerprint,
    key_ring,
)

PLAINTEXT = json.dumps(
    {"tokens": [{"tokenUniqueReference": "DWSPMC0001", "status": "SUSPENDED"}]}
).encode()


def make_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def make_certificate(key: rsa.RSAPrivateKey) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "token-requestor.test")])
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return make_key()


@pytest.fixture(scope="module")
def other_key() -> rsa.RSAPrivateKey:
    return make_key()


@pytest.fixture(scope="module")
def certificate(key: rsa.RSAPrivateKey) -> x509.Certificate:
    return make_certificate(key)


def reject(envelope: dict[str, Any], keys: Any, code: str) -> NotificationRejected:
    with pytest.raises(NotificationRejected) as excinfo:
        decrypt_document(envelope, keys)
    assert excinfo.value.code == code, str(excinfo.value)
    assert isinstance(excinfo.value, MdesRulesError)
    return excinfo.value


# -- round trips ------------------------------------------------------------------------------


@pytest.mark.parametrize("oaep", ["SHA256", "SHA512", None])
@pytest.mark.parametrize("random_iv", [True, False])
def test_round_trip(key: rsa.RSAPrivateKey, oaep: Any, random_iv: bool) -> None:
    envelope = encrypt_payload(
        PLAINTEXT, key.public_key(), oaep=oaep, iv="random" if random_iv else None
    )
    assert ("oaepHashingAlgorithm" in envelope) is (oaep is not None)
    assert ("iv" in envelope) is random_iv
    assert envelope.get("oaepHashingAlgorithm") == oaep
    assert envelope["publicKeyFingerprint"] == fingerprint(key.public_key())
    assert len(envelope["encryptedKey"]) == 512  # a 2048-bit key, hex
    assert len(envelope["encryptedData"]) % 32 == 0
    assert decrypt_payload(envelope, key_ring(key)) == PLAINTEXT


def test_zero_iv_is_the_default_when_iv_is_absent(key: rsa.RSAPrivateKey) -> None:
    explicit = encrypt_payload(PLAINTEXT, key.public_key(), iv=bytes(16))
    assert explicit["iv"] == "0" * 32
    del explicit["iv"]
    assert decrypt_payload(explicit, key_ring(key)) == PLAINTEXT


def test_a_fixed_iv_is_sent_as_hex(key: rsa.RSAPrivateKey) -> None:
    iv = bytes(range(16))
    envelope = encrypt_payload(PLAINTEXT, key.public_key(), iv=iv)
    assert envelope["iv"] == iv.hex()
    assert decrypt_payload(envelope, key_ring(key)) == PLAINTEXT


@pytest.mark.parametrize("size", [16, 24, 32])
def test_session_key_sizes(key: rsa.RSAPrivateKey, size: int) -> None:
    envelope = encrypt_payload(PLAINTEXT, key.public_key(), session_key_size=size)
    assert decrypt_payload(envelope, key_ring(key)) == PLAINTEXT


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    plaintext=st.binary(max_size=600),
    oaep=st.sampled_from(["SHA256", "SHA512", None]),
    zero_iv=st.booleans(),
)
def test_round_trip_any_plaintext(
    key: rsa.RSAPrivateKey, plaintext: bytes, oaep: Any, zero_iv: bool
) -> None:
    envelope = encrypt_payload(
        plaintext, key.public_key(), oaep=oaep, iv=None if zero_iv else "random"
    )
    assert decrypt_payload(envelope, key_ring(key)) == plaintext


@settings(max_examples=25, deadline=None)
@given(
    document=st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
        ),
        max_leaves=20,
    )
)
def test_round_trip_any_json_document(document: Any) -> None:
    key = _KEY
    text = json.dumps(document).encode()
    assert decrypt_document(encrypt_payload(text, key.public_key()), key_ring(key)) == document


_KEY = make_key()


def test_encrypt_refuses_bad_arguments(key: rsa.RSAPrivateKey) -> None:
    with pytest.raises(ValueError, match="oaep"):
        encrypt_payload(b"x", key.public_key(), oaep="SHA1")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="iv"):
        encrypt_payload(b"x", key.public_key(), iv=b"short")
    with pytest.raises(ValueError, match="session_key_size"):
        encrypt_payload(b"x", key.public_key(), session_key_size=8)


# -- fingerprints and key selection -----------------------------------------------------------


def test_the_fingerprint_selects_the_key(
    key: rsa.RSAPrivateKey, other_key: rsa.RSAPrivateKey
) -> None:
    third = _KEY
    ring = key_ring(key, other_key, third)
    assert len(ring) == 3
    for chosen in (key, other_key, third):
        envelope = encrypt_payload(PLAINTEXT, chosen.public_key())
        assert decrypt_payload(envelope, ring) == PLAINTEXT


def test_certificate_and_key_fingerprints_both_find_the_key(
    key: rsa.RSAPrivateKey, certificate: x509.Certificate
) -> None:
    ring = key_ring((key, certificate))
    assert set(ring) == {fingerprint(key), fingerprint(certificate)}
    assert fingerprint(key) == fingerprint(key.public_key())
    by_certificate = encrypt_payload(PLAINTEXT, certificate)
    assert by_certificate["publicKeyFingerprint"] == fingerprint(certificate)
    assert decrypt_payload(by_certificate, ring) == PLAINTEXT
    assert decrypt_payload(encrypt_payload(PLAINTEXT, key.public_key()), ring) == PLAINTEXT


def test_fingerprint_is_sha256_of_the_der(
    key: rsa.RSAPrivateKey, certificate: x509.Certificate
) -> None:
    digest = hashes.Hash(hashes.SHA256())
    digest.update(
        key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    assert fingerprint(key) == digest.finalize().hex()
    assert fingerprint(certificate) == certificate.fingerprint(hashes.SHA256()).hex()


def test_fingerprints_match_without_regard_to_case(key: rsa.RSAPrivateKey) -> None:
    envelope = encrypt_payload(PLAINTEXT, key.public_key())
    envelope["publicKeyFingerprint"] = envelope["publicKeyFingerprint"].upper()
    assert decrypt_payload(envelope, key_ring(key)) == PLAINTEXT
    upper_ring = {k.upper(): v for k, v in key_ring(key).items()}
    envelope["publicKeyFingerprint"] = envelope["publicKeyFingerprint"].lower()
    assert decrypt_payload(envelope, upper_ring) == PLAINTEXT


def test_key_ring_refuses_a_certificate_of_another_key(
    other_key: rsa.RSAPrivateKey, certificate: x509.Certificate
) -> None:
    with pytest.raises(ValueError, match="certificate"):
        key_ring((other_key, certificate))


# -- refusals ---------------------------------------------------------------------------------


@pytest.fixture
def envelope(key: rsa.RSAPrivateKey) -> dict[str, Any]:
    return encrypt_payload(PLAINTEXT, key.public_key(), oaep="SHA256")


def test_unknown_fingerprint(envelope: dict[str, Any], other_key: rsa.RSAPrivateKey) -> None:
    error = reject(envelope, key_ring(other_key), "unknown_key")
    assert "1 key(s)" in error.message
    assert error.public_code == "unknown_key"


def test_wrong_key_under_the_right_fingerprint(
    envelope: dict[str, Any], other_key: rsa.RSAPrivateKey
) -> None:
    error = reject(envelope, {envelope["publicKeyFingerprint"]: other_key}, "key_unwrap_failed")
    assert error.public_code == "decryption_failed"
    assert error.public_message == "the encrypted payload could not be decrypted"


def test_wrong_key_with_pkcs1v15(key: rsa.RSAPrivateKey, other_key: rsa.RSAPrivateKey) -> None:
    envelope = encrypt_payload(PLAINTEXT, key.public_key(), oaep=None)
    with pytest.raises(NotificationRejected) as excinfo:
        decrypt_document(envelope, {envelope["publicKeyFingerprint"]: other_key})
    # OpenSSL's implicit rejection turns a PKCS#1 v1.5 failure into a random key: refused
    # then by its length, its padding or its plaintext; all look the same to the sender.
    assert excinfo.value.code in NotificationRejected.DECRYPTION_CODES
    assert excinfo.value.public_code == "decryption_failed"


def test_tampered_key(envelope: dict[str, Any], key: rsa.RSAPrivateKey) -> None:
    wrapped = bytearray.fromhex(envelope["encryptedKey"])
    wrapped[100] ^= 0x01
    envelope["encryptedKey"] = wrapped.hex()
    reject(envelope, key_ring(key), "key_unwrap_failed")


def test_a_key_of_the_wrong_length(envelope: dict[str, Any], key: rsa.RSAPrivateKey) -> None:
    envelope["encryptedKey"] = envelope["encryptedKey"][:-2]
    error = reject(envelope, key_ring(key), "key_unwrap_failed")
    assert "255 bytes" in error.message


def test_tampered_ciphertext(key: rsa.RSAPrivateKey) -> None:
    # Flip the last IV byte so that the last padding byte decrypts to 0: never valid.
    plaintext = b"0123456789"  # one block, padding 6 x 0x06
    envelope = encrypt_payload(plaintext, key.public_key())
    iv = bytearray.fromhex(envelope["iv"])
    iv[15] ^= 0x06
    envelope["iv"] = iv.hex()
    reject(envelope, key_ring(key), "decryption_failed")


def test_tampered_ciphertext_in_a_longer_payload(key: rsa.RSAPrivateKey) -> None:
    plaintext = PLAINTEXT
    pad = 16 - len(plaintext) % 16
    envelope = encrypt_payload(plaintext, key.public_key())
    data = bytearray.fromhex(envelope["encryptedData"])
    data[-17] ^= pad  # the penultimate block's last byte: the last padding byte becomes 0
    envelope["encryptedData"] = data.hex()
    reject(envelope, key_ring(key), "decryption_failed")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("encryptedData", "zz"),
        ("encryptedData", "abc"),
        ("encryptedData", "ab cd"),
        ("encryptedData", "é0"),
        ("encryptedKey", "0x12"),
        ("iv", "NA"),
        ("iv", "g" * 32),
    ],
)
def test_bad_hex(envelope: dict[str, Any], key: rsa.RSAPrivateKey, name: str, value: str) -> None:
    envelope[name] = value
    error = reject(envelope, key_ring(key), "bad_hex")
    assert name in error.message
    assert error.public_code == "bad_hex"


def test_an_iv_of_the_wrong_length(envelope: dict[str, Any], key: rsa.RSAPrivateKey) -> None:
    envelope["iv"] = "00" * 8
    reject(envelope, key_ring(key), "malformed")


@pytest.mark.parametrize("cut", [30, 2 * 15, 2])
def test_truncated_data(envelope: dict[str, Any], key: rsa.RSAPrivateKey, cut: int) -> None:
    envelope["encryptedData"] = envelope["encryptedData"][:-cut]
    with pytest.raises(NotificationRejected) as excinfo:
        decrypt_document(envelope, key_ring(key))
    assert excinfo.value.code in {"truncated", "bad_hex"}


def test_empty_data(envelope: dict[str, Any], key: rsa.RSAPrivateKey) -> None:
    envelope["encryptedData"] = ""
    reject(envelope, key_ring(key), "truncated")


def test_absurd_sizes(envelope: dict[str, Any], key: rsa.RSAPrivateKey) -> None:
    ring = key_ring(key)
    reject(
        {**envelope, "encryptedData": "00" * (MAX_ENCRYPTED_DATA_HEX // 2 + 1)}, ring, "too_large"
    )
    reject({**envelope, "encryptedKey": "00" * 2048}, ring, "malformed")
    reject({**envelope, "publicKeyFingerprint": "a" * 65}, ring, "malformed")


@pytest.mark.parametrize("name", ["encryptedData", "encryptedKey", "publicKeyFingerprint"])
def test_missing_fields(envelope: dict[str, Any], key: rsa.RSAPrivateKey, name: str) -> None:
    del envelope[name]
    error = reject(envelope, key_ring(key), "malformed")
    assert name in error.message


@pytest.mark.parametrize("name", ["encryptedData", "encryptedKey", "publicKeyFingerprint", "iv"])
def test_fields_of_the_wrong_type(
    envelope: dict[str, Any], key: rsa.RSAPrivateKey, name: str
) -> None:
    envelope[name] = 12
    reject(envelope, key_ring(key), "malformed")


def test_not_an_object(key: rsa.RSAPrivateKey) -> None:
    reject(["x"], key_ring(key), "malformed")  # type: ignore[arg-type]


@pytest.mark.parametrize("algorithm", ["SHA1", "MD5", "", 256])
def test_unsupported_oaep_hash(
    envelope: dict[str, Any], key: rsa.RSAPrivateKey, algorithm: Any
) -> None:
    envelope["oaepHashingAlgorithm"] = algorithm
    reject(envelope, key_ring(key), "unsupported_algorithm")


def test_dashed_hash_names_are_accepted(envelope: dict[str, Any], key: rsa.RSAPrivateKey) -> None:
    envelope["oaepHashingAlgorithm"] = "sha-256"
    assert decrypt_payload(envelope, key_ring(key)) == PLAINTEXT


def test_pkcs1v15_can_be_refused(key: rsa.RSAPrivateKey) -> None:
    envelope = encrypt_payload(PLAINTEXT, key.public_key(), oaep=None)
    with pytest.raises(NotificationRejected) as excinfo:
        decrypt_payload(envelope, key_ring(key), allow_pkcs1v15=False)
    assert excinfo.value.code == "unsupported_algorithm"


@pytest.mark.parametrize(
    "plaintext",
    [b"\xff\xfe", b"not json", b"[" * 257 + b"]" * 257, b'{"a": NaN}', b'{"a": 1, "a": 2}', b""],
)
def test_bad_plaintext(key: rsa.RSAPrivateKey, plaintext: bytes) -> None:
    envelope = encrypt_payload(plaintext, key.public_key())
    error = reject(envelope, key_ring(key), "bad_plaintext")
    assert error.public_code == "decryption_failed"


def test_messages_hold_no_key_material_or_plaintext(key: rsa.RSAPrivateKey) -> None:
    secret = b'{"tokens": [{"tokenUniqueReference": "5412345678901232"}]'  # not JSON
    envelope = encrypt_payload(secret, key.public_key())
    failures = []
    for broken in (
        {**envelope, "encryptedData": envelope["encryptedData"][:-30]},
        {**envelope, "encryptedKey": envelope["encryptedKey"][::-1]},
        envelope,
    ):
        with pytest.raises(NotificationRejected) as excinfo:
            decrypt_document(broken, key_ring(key))
        failures.append(excinfo.value)
    for failure in failures:
        text = str(failure) + repr(failure) + failure.message
        assert "5412345678901232" not in text
        assert envelope["encryptedKey"][:32] not in text
        assert envelope["encryptedData"][:32] not in text
        assert failure.__cause__ is None
        assert failure.__context__ is None or failure.__suppress_context__


# -- cross-check with mastercard-client-encryption ------------------------------------------


def fle_config(
    tmp_path: Path,
    key: rsa.RSAPrivateKey,
    certificate: x509.Certificate,
    digest: str,
    fingerprint_field: str = "encryptionCertificateFingerprintFieldName",
) -> Any:
    """The configuration of the MDES Digital Enablement tutorial (fle_config.json), with the
    test's certificate and key."""
    from client_encryption.field_level_encryption_config import (  # type: ignore[import-untyped]
        FieldLevelEncryptionConfig,
    )

    cert_path = tmp_path / "encryption.crt"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path = tmp_path / "decryption.key"
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return FieldLevelEncryptionConfig(
        {
            "paths": {
                "$": {
                    "toEncrypt": {"encryptedPayload.encryptedData": "encryptedPayload"},
                    "toDecrypt": {"encryptedPayload": "encryptedPayload.encryptedData"},
                }
            },
            "ivFieldName": "iv",
            "encryptedKeyFieldName": "encryptedKey",
            "encryptedValueFieldName": "encryptedData",
            "dataEncoding": "hex",
            "encryptionCertificate": str(cert_path),
            "decryptionKey": str(key_path),
            "oaepPaddingDigestAlgorithm": digest,
            fingerprint_field: "publicKeyFingerprint",
            "oaepPaddingDigestAlgorithmFieldName": "oaepHashingAlgorithm",
        }
    )


TOKENS = {
    "tokens": [
        {
            "tokenUniqueReference": "DWSPMC000000000132d72d4fcb2f4136a0532d3093ff1a45",
            "status": "SUSPENDED",
            "suspendedBy": ["ISSUER"],
        }
    ]
}


@pytest.mark.parametrize("digest", ["SHA-256", "SHA-512"])
@pytest.mark.parametrize(
    "fingerprint_field",
    ["encryptionCertificateFingerprintFieldName", "encryptionKeyFingerprintFieldName"],
)
def test_the_library_encrypts_and_we_decrypt(
    tmp_path: Path,
    key: rsa.RSAPrivateKey,
    certificate: x509.Certificate,
    digest: str,
    fingerprint_field: str,
) -> None:
    fle = pytest.importorskip("client_encryption.field_level_encryption")
    config = fle_config(tmp_path, key, certificate, digest, fingerprint_field)
    body = {
        "responseHost": "site1.mastercard.com",
        "requestId": "1",
        "encryptedPayload": {"encryptedData": TOKENS},
    }
    encrypted = fle.encrypt_payload(body, config)
    payload = encrypted["encryptedPayload"]
    assert set(payload) == {
        "encryptedData",
        "encryptedKey",
        "iv",
        "oaepHashingAlgorithm",
        "publicKeyFingerprint",
    }
    assert payload["oaepHashingAlgorithm"] == digest.replace("-", "")
    assert decrypt_document(payload, key_ring((key, certificate))) == TOKENS


@pytest.mark.parametrize("oaep", ["SHA256", "SHA512"])
@pytest.mark.parametrize("for_certificate", [True, False])
def test_we_encrypt_and_the_library_decrypts(
    tmp_path: Path,
    key: rsa.RSAPrivateKey,
    certificate: x509.Certificate,
    oaep: Any,
    for_certificate: bool,
) -> None:
    fle = pytest.importorskip("client_encryption.field_level_encryption")
    config = fle_config(tmp_path, key, certificate, "SHA-256")
    recipient = certificate if for_certificate else key.public_key()
    payload = encrypt_payload(json.dumps(TOKENS).encode(), recipient, oaep=oaep)
    body = {"responseHost": "site1.mastercard.com", "requestId": "1", "encryptedPayload": payload}
    decrypted = fle.decrypt_payload(json.loads(json.dumps(body)), config)
    assert decrypted["encryptedPayload"]["encryptedData"] == TOKENS
    if for_certificate:
        assert payload["publicKeyFingerprint"] == config.encryption_certificate_fingerprint
    else:
        assert payload["publicKeyFingerprint"] == config.encryption_key_fingerprint
