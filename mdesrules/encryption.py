"""Mastercard field-level payload encryption, as MDES uses it for ``encryptedPayload``.

The scheme (MDES Digital Enablement API, ``encryptedPayload``; the same mechanics as
Mastercard's ``mastercard-client-encryption`` library):

- a one-time AES session key (128 bits; 192 and 256 are accepted on decryption) encrypts the
  JSON text in **AES-CBC with PKCS#7 padding** under a 16-byte IV;
- the session key is wrapped with the receiver's RSA public key: **RSA-OAEP** with SHA-256 or
  SHA-512 (the MGF1 hash is the same) when ``oaepHashingAlgorithm`` says so, **PKCS#1 v1.5**
  when the field is absent;
- ``iv``, ``encryptedKey`` and ``encryptedData`` are **hex**; a missing ``iv`` means an all-zero
  IV;
- ``publicKeyFingerprint`` names the receiver key that wrapped the session key: the hex
  SHA-256 of the DER certificate (what the tutorial configuration of this API sends, as the
  *certificate* fingerprint) or of the DER SubjectPublicKeyInfo (the library's *key*
  fingerprint). :func:`key_ring` files a private key under both, so either form finds it.

Every refusal raises :class:`NotificationRejected` with a stable ``code`` and a message that
never holds key material or plaintext. Sizes are bounded before any work is done
(:data:`MAX_ENCRYPTED_DATA_HEX`).
"""

from __future__ import annotations

import binascii
import hashlib
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final, Literal

from cryptography import x509
from cryptography.exceptions import InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives import padding as sym_padding
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from mdesrules._json import MAX_DEPTH, MalformedJson, loads_strict
from mdesrules.exceptions import MdesRulesError
from mdesrules.masking import scrub

if TYPE_CHECKING:
    from mdesrules.violations import Report

__all__ = [
    "GCM_IV_SIZE",
    "GCM_TAG_SIZE",
    "MAX_ENCRYPTED_DATA_HEX",
    "MAX_ENCRYPTED_KEY_HEX",
    "OAEP_HASHES",
    "CipherMode",
    "KeyRing",
    "NotificationRejected",
    "OaepHash",
    "aes_decrypt",
    "aes_encrypt",
    "decrypt_document",
    "decrypt_payload",
    "encrypt_payload",
    "find_key",
    "fingerprint",
    "key_ring",
    "parse_json",
    "unwrap_key",
    "wrap_key",
]

#: The largest ``encryptedData`` accepted, in hex characters (512 KiB of ciphertext).
MAX_ENCRYPTED_DATA_HEX: Final = 1_048_576
#: The largest ``encryptedKey`` accepted, in hex characters (a 4096-bit RSA key).
MAX_ENCRYPTED_KEY_HEX: Final = 1024
#: The longest ``publicKeyFingerprint`` (the spec's ``maxLength``).
MAX_FINGERPRINT_LENGTH: Final = 64
#: The deepest JSON nesting accepted (the library's one JSON reader's limit).
MAX_JSON_DEPTH: Final = MAX_DEPTH

OaepHash = Literal["SHA256", "SHA512"]
#: The AES modes of Mastercard field-level encryption (GCM from CS API 2.2.2).
CipherMode = Literal["CBC", "GCM"]
#: The GCM IV size in bytes (the CS API 2.2.2 spec: "exactly 12 bytes" for GCM).
GCM_IV_SIZE: Final = 12
#: The GCM authentication tag size produced, in bytes; shorter tags down to
#: :data:`GCM_MIN_TAG_SIZE` are accepted on decryption.
GCM_TAG_SIZE: Final = 16
GCM_MIN_TAG_SIZE: Final = 12
#: The OAEP digests the spec allows, by their ``oaepHashingAlgorithm`` names.
OAEP_HASHES: Final[Mapping[str, type[hashes.HashAlgorithm]]] = {
    "SHA256": hashes.SHA256,
    "SHA512": hashes.SHA512,
}

#: Fingerprint (lower-case hex) to the RSA private key it names.
KeyRing = Mapping[str, rsa.RSAPrivateKey]

_BLOCK = 16
_SESSION_KEY_SIZES = frozenset({16, 24, 32})
_ZERO_IV = bytes(_BLOCK)
_RANDOM: Final = "random"


class NotificationRejected(MdesRulesError, ValueError):
    """A notification (or an encrypted payload) that was refused; nothing was applied.

    Attributes:
        code: a stable code: ``too_large``, ``malformed_document`` (the body is not JSON
            that :func:`mdesrules._json.loads_strict` reads, as everywhere in the library),
            ``malformed``, ``bad_hex``, ``unknown_key``,
            ``unsupported_algorithm``, ``key_unwrap_failed``, ``truncated``,
            ``decryption_failed``, ``bad_plaintext`` or ``invalid_notification``.
        message: what was wrong; never key material, plaintext or a full PAN.
        report: the rule report, for ``invalid_notification``.
        request_id: the envelope's ``requestId`` when it could be read.
    """

    #: The codes raised once the payload is being decrypted: a receiver answering the
    #: sender should not tell them apart (a padding oracle), see :attr:`public_code`.
    DECRYPTION_CODES: Final = frozenset({"key_unwrap_failed", "decryption_failed", "bad_plaintext"})

    def __init__(
        self,
        code: str,
        message: str,
        *,
        report: Report | None = None,
        request_id: str | None = None,
    ) -> None:
        self.code = code
        self.message = scrub(message)
        self.report = report
        self.request_id = request_id
        super().__init__(f"{code}: {self.message}")

    @property
    def public_code(self) -> str:
        """The code to show the sender: every decryption failure is ``decryption_failed``."""
        return "decryption_failed" if self.code in self.DECRYPTION_CODES else self.code

    @property
    def public_message(self) -> str:
        """The message to show the sender (generic for decryption failures)."""
        if self.code in self.DECRYPTION_CODES:
            return "the encrypted payload could not be decrypted"
        return self.message


# -- keys and fingerprints ------------------------------------------------------------------


def fingerprint(key: rsa.RSAPublicKey | rsa.RSAPrivateKey | x509.Certificate) -> str:
    """The lower-case hex SHA-256 fingerprint of a certificate (its DER) or a key (its DER
    SubjectPublicKeyInfo; a private key is fingerprinted by its public half)."""
    if isinstance(key, x509.Certificate):
        der = key.public_bytes(serialization.Encoding.DER)
    else:
        public = key.public_key() if isinstance(key, rsa.RSAPrivateKey) else key
        der = public.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    return hashlib.sha256(der).hexdigest()


def key_ring(
    *entries: rsa.RSAPrivateKey | tuple[rsa.RSAPrivateKey, x509.Certificate],
) -> dict[str, rsa.RSAPrivateKey]:
    """A key ring holding each private key under its key fingerprint, and under its
    certificate's fingerprint when given as ``(key, certificate)``.

    Raises:
        ValueError: a certificate that does not hold the key's public half.
    """
    ring: dict[str, rsa.RSAPrivateKey] = {}
    for entry in entries:
        key, certificate = entry if isinstance(entry, tuple) else (entry, None)
        ring[fingerprint(key)] = key
        if certificate is not None:
            public = certificate.public_key()
            if not isinstance(public, rsa.RSAPublicKey) or fingerprint(public) != fingerprint(key):
                raise ValueError("the certificate does not hold the key's public half")
            ring[fingerprint(certificate)] = key
    return ring


# -- encryption -----------------------------------------------------------------------------


def encrypt_payload(
    plaintext: bytes,
    public_key: rsa.RSAPublicKey | x509.Certificate,
    *,
    oaep: OaepHash | None = "SHA512",
    iv: bytes | Literal["random"] | None = _RANDOM,
    session_key_size: int = 16,
) -> dict[str, str]:
    """Encrypt *plaintext* for the holder of *public_key*; return the ``encryptedPayload``.

    Args:
        plaintext: the bytes to encrypt (the UTF-8 JSON text of ``{"tokens": [...]}``).
        public_key: the receiver's RSA public key, or its certificate; the fingerprint sent is
            that of what is given (see :func:`fingerprint`).
        oaep: ``"SHA256"`` or ``"SHA512"`` wraps the session key with RSA-OAEP of that hash;
            ``None`` wraps it with PKCS#1 v1.5 and leaves ``oaepHashingAlgorithm`` out.
        iv: 16 bytes; ``"random"`` (default) for fresh random ones; ``None`` for the all-zero
            IV with ``iv`` left out of the payload (as the spec allows).
        session_key_size: the AES key size in bytes: 16 (Mastercard's), 24 or 32.

    Returns:
        ``encryptedData``, ``encryptedKey``, ``publicKeyFingerprint`` and, unless left out as
        said above, ``iv`` and ``oaepHashingAlgorithm``; every value a string, hex-encoded.
    """
    if oaep is not None and oaep not in OAEP_HASHES:
        raise ValueError("oaep must be 'SHA256', 'SHA512' or None")
    if session_key_size not in _SESSION_KEY_SIZES:
        raise ValueError("session_key_size must be 16, 24 or 32")
    if iv == _RANDOM:
        iv_bytes = os.urandom(_BLOCK)
    elif iv is None:
        iv_bytes = _ZERO_IV
    elif isinstance(iv, bytes) and len(iv) == _BLOCK:
        iv_bytes = iv
    else:
        raise ValueError("iv must be 16 bytes, 'random' or None")
    rsa_key = public_key.public_key() if isinstance(public_key, x509.Certificate) else public_key
    if not isinstance(rsa_key, rsa.RSAPublicKey):
        raise TypeError("the key must be an RSA public key")
    session_key = os.urandom(session_key_size)
    ciphertext, _ = aes_encrypt(plaintext, session_key, iv_bytes)
    wrapped = wrap_key(session_key, rsa_key, oaep)
    payload = {
        "publicKeyFingerprint": fingerprint(public_key),
        "encryptedKey": wrapped.hex(),
        "encryptedData": ciphertext.hex(),
    }
    if iv is not None:
        payload["iv"] = iv_bytes.hex()
    if oaep is not None:
        payload["oaepHashingAlgorithm"] = oaep
    return payload


def wrap_key(session_key: bytes, public_key: rsa.RSAPublicKey, oaep: str | None) -> bytes:
    """Wrap *session_key* for *public_key*: RSA-OAEP with *oaep* (``"SHA256"`` or
    ``"SHA512"``, the MGF1 hash the same), or PKCS#1 v1.5 when *oaep* is ``None``."""
    return public_key.encrypt(session_key, _key_padding(oaep))


def unwrap_key(wrapped: bytes, private_key: rsa.RSAPrivateKey, oaep: str | None) -> bytes:
    """Unwrap a session key wrapped by :func:`wrap_key`.

    Raises:
        NotificationRejected: ``key_unwrap_failed`` for a wrapped key of the wrong length,
        one that does not unwrap (wrong key, altered) or unwraps to no AES key size.
    """
    key_bytes = (private_key.key_size + 7) // 8
    if len(wrapped) != key_bytes:
        raise NotificationRejected(
            "key_unwrap_failed",
            f"the encrypted key is {len(wrapped)} bytes; the key named by the fingerprint "
            f"wraps {key_bytes}",
        )
    try:
        session_key = private_key.decrypt(wrapped, _key_padding(oaep))
    except (ValueError, UnsupportedAlgorithm):
        raise NotificationRejected(
            "key_unwrap_failed",
            "the session key could not be unwrapped: wrong key, or the encrypted key was altered",
        ) from None
    if len(session_key) not in _SESSION_KEY_SIZES:
        raise NotificationRejected(
            "key_unwrap_failed",
            "the unwrapped session key is not an AES key: wrong key, or the encrypted key "
            "was altered",
        )
    return session_key


def aes_encrypt(
    plaintext: bytes,
    session_key: bytes,
    iv: bytes,
    mode: CipherMode = "CBC",
    aad: bytes = b"",
) -> tuple[bytes, bytes]:
    """Encrypt *plaintext* with PKCS#7 padding in AES-CBC (a 16-byte *iv*) or AES-GCM (a
    12-byte *iv*, *aad* authenticated); return the ciphertext and the GCM tag (``b""`` for
    CBC).

    GCM needs no padding, but the CS API spec says the data is encrypted "using CBC or GCM
    mode ... and PKCS#7 padding", so it is padded in both modes; :func:`aes_decrypt` reads
    GCM plaintext with or without it.
    """
    padder = sym_padding.PKCS7(128).padder()
    padded = padder.update(plaintext) + padder.finalize()
    if mode == "GCM":
        gcm = Cipher(algorithms.AES(session_key), modes.GCM(iv)).encryptor()
        if aad:
            gcm.authenticate_additional_data(aad)
        ciphertext = gcm.update(padded) + gcm.finalize()
        return ciphertext, gcm.tag
    if mode != "CBC":
        raise ValueError("mode must be 'CBC' or 'GCM'")
    encryptor = Cipher(algorithms.AES(session_key), modes.CBC(iv)).encryptor()
    return encryptor.update(padded) + encryptor.finalize(), b""


def aes_decrypt(
    ciphertext: bytes,
    session_key: bytes,
    iv: bytes,
    mode: CipherMode = "CBC",
    *,
    tag: bytes = b"",
    aad: bytes = b"",
) -> bytes:
    """Decrypt what :func:`aes_encrypt` made (GCM: with its *tag* and *aad*).

    Raises:
        NotificationRejected: ``truncated`` for CBC data that is not a positive multiple of
        16 bytes; ``decryption_failed`` for a GCM tag that does not verify or CBC padding
        that is not PKCS#7. The message never holds key material or plaintext.
    """
    if mode == "GCM":
        if not GCM_MIN_TAG_SIZE <= len(tag) <= GCM_TAG_SIZE:
            raise NotificationRejected(
                "decryption_failed",
                f"the GCM tag is {len(tag)} bytes, not {GCM_MIN_TAG_SIZE} to {GCM_TAG_SIZE}",
            )
        gcm = Cipher(
            algorithms.AES(session_key), modes.GCM(iv, tag, min_tag_length=GCM_MIN_TAG_SIZE)
        ).decryptor()
        if aad:
            gcm.authenticate_additional_data(aad)
        try:
            padded = gcm.update(ciphertext) + gcm.finalize()
        except InvalidTag:
            raise NotificationRejected(
                "decryption_failed",
                "the GCM tag does not verify: the data, iv, tag, aad or the key was altered",
            ) from None
        return _unpad_if_padded(padded)
    if not ciphertext or len(ciphertext) % _BLOCK:
        raise NotificationRejected(
            "truncated",
            f"the encrypted data is {len(ciphertext)} bytes, not a positive multiple of 16 "
            "(truncated?)",
        )
    decryptor = Cipher(algorithms.AES(session_key), modes.CBC(iv)).decryptor()
    padded = decryptor.update(ciphertext) + decryptor.finalize()
    unpadder = sym_padding.PKCS7(128).unpadder()
    try:
        return unpadder.update(padded) + unpadder.finalize()
    except ValueError:
        raise NotificationRejected(
            "decryption_failed",
            "the decrypted data has invalid padding: the data, iv or the key was altered",
        ) from None


def _unpad_if_padded(data: bytes) -> bytes:
    """*data* without its PKCS#7 padding, or *data* itself when it has none (GCM data is
    authenticated, and JSON text never ends in a byte below 17 but whitespace)."""
    if data and 0 < data[-1] <= _BLOCK and len(data) % _BLOCK == 0:
        count = data[-1]
        if data[-count:] == bytes([count]) * count:
            return data[:-count]
    return data


def _key_padding(oaep: str | None) -> padding.AsymmetricPadding:
    if oaep is None:
        return padding.PKCS1v15()
    digest = OAEP_HASHES[oaep]
    return padding.OAEP(mgf=padding.MGF1(algorithm=digest()), algorithm=digest(), label=None)


# -- decryption -----------------------------------------------------------------------------


def decrypt_payload(
    envelope: Mapping[str, Any], keys: KeyRing, *, allow_pkcs1v15: bool = True
) -> bytes:
    """Decrypt an ``encryptedPayload`` with the key its ``publicKeyFingerprint`` names.

    Args:
        envelope: the ``encryptedPayload`` object (``encryptedData`` as a hex string).
        keys: the receiver's private keys by fingerprint (see :func:`key_ring`); matched
            without regard to case.
        allow_pkcs1v15: accept a session key wrapped with PKCS#1 v1.5 (no
            ``oaepHashingAlgorithm``), as the spec allows; ``False`` refuses it.

    Returns:
        The plaintext bytes.

    Raises:
        NotificationRejected: see its ``code``; the message never holds key material.
    """
    if not isinstance(envelope, Mapping):
        raise NotificationRejected("malformed", "encryptedPayload is not an object")
    data_hex = _hex_field(envelope, "encryptedData", MAX_ENCRYPTED_DATA_HEX, too_large=True)
    key_hex = _hex_field(envelope, "encryptedKey", MAX_ENCRYPTED_KEY_HEX)
    private_key = _select_key(envelope, keys)
    algorithm = envelope.get("oaepHashingAlgorithm")
    if algorithm is None:
        if not allow_pkcs1v15:
            raise NotificationRejected(
                "unsupported_algorithm",
                "oaepHashingAlgorithm is absent (PKCS#1 v1.5) and this receiver requires OAEP",
            )
        oaep: str | None = None
    elif isinstance(algorithm, str) and algorithm.replace("-", "").upper() in OAEP_HASHES:
        oaep = algorithm.replace("-", "").upper()
    else:
        raise NotificationRejected(
            "unsupported_algorithm", "oaepHashingAlgorithm must be SHA256 or SHA512"
        )
    iv_value = envelope.get("iv")
    if iv_value is None:
        iv = _ZERO_IV
    else:
        iv = _decode_hex("iv", iv_value, 2 * _BLOCK)
        if len(iv) != _BLOCK:
            raise NotificationRejected("malformed", "iv must be 32 hex characters (16 bytes)")
    wrapped = _decode_hex("encryptedKey", key_hex, MAX_ENCRYPTED_KEY_HEX)
    ciphertext = _decode_hex("encryptedData", data_hex, MAX_ENCRYPTED_DATA_HEX)
    key_bytes = (private_key.key_size + 7) // 8
    if len(wrapped) != key_bytes:
        raise NotificationRejected(
            "key_unwrap_failed",
            f"encryptedKey is {len(wrapped)} bytes; the key named by publicKeyFingerprint "
            f"wraps {key_bytes}",
        )
    if not ciphertext or len(ciphertext) % _BLOCK:
        raise NotificationRejected(
            "truncated",
            f"encryptedData is {len(ciphertext)} bytes, not a positive multiple of 16 (truncated?)",
        )
    session_key = unwrap_key(wrapped, private_key, oaep)
    return aes_decrypt(ciphertext, session_key, iv)


def decrypt_document(
    envelope: Mapping[str, Any], keys: KeyRing, *, allow_pkcs1v15: bool = True
) -> Any:
    """:func:`decrypt_payload`, then parse the plaintext as strict UTF-8 JSON.

    Raises:
        NotificationRejected: as :func:`decrypt_payload`, or ``bad_plaintext`` for a
            plaintext that is not UTF-8 JSON (no NaN or Infinity, nesting at most
            :data:`MAX_JSON_DEPTH`).
    """
    return parse_json(
        decrypt_payload(envelope, keys, allow_pkcs1v15=allow_pkcs1v15), "bad_plaintext"
    )


def parse_json(data: bytes, code: str, what: str = "the decrypted payload") -> Any:
    """Parse *data* with the library's one JSON reader or raise :class:`NotificationRejected`.

    The reader is :func:`mdesrules._json.loads_strict` (UTF-8, no repeated key, no ``NaN``
    or ``Infinity``, nesting at most :data:`MAX_JSON_DEPTH`, ...). The refusal's *code* is
    the caller's; its message does not say why, since *data* may be decrypted plaintext.
    """
    try:
        return loads_strict(data)
    except MalformedJson:
        raise NotificationRejected(code, f"{what} is not acceptable JSON") from None


def _hex_field(
    envelope: Mapping[str, Any], name: str, limit: int, *, too_large: bool = False
) -> str:
    value = envelope.get(name)
    if value is None:
        raise NotificationRejected("malformed", f"encryptedPayload has no {name}")
    if not isinstance(value, str):
        raise NotificationRejected("malformed", f"{name} is not a string")
    if len(value) > limit:
        code = "too_large" if too_large else "malformed"
        raise NotificationRejected(code, f"{name} is longer than {limit} characters")
    return value


def _decode_hex(name: str, value: object, limit: int) -> bytes:
    if not isinstance(value, str):
        raise NotificationRejected("malformed", f"{name} is not a string")
    if len(value) > limit:
        raise NotificationRejected("malformed", f"{name} is longer than {limit} characters")
    try:
        return binascii.unhexlify(value)
    except (binascii.Error, ValueError):
        raise NotificationRejected(
            "bad_hex", f"{name} is not hex (an even number of 0-9, a-f characters)"
        ) from None


def find_key(keys: KeyRing, value: str) -> rsa.RSAPrivateKey | None:
    """The key of *keys* filed under the fingerprint *value*, matched without regard to
    case; ``None`` when there is none."""
    wanted = value.lower()
    key = keys.get(value) or keys.get(wanted)
    if key is None:
        for name, candidate in keys.items():
            if name.lower() == wanted:
                return candidate
    return key


def _select_key(envelope: Mapping[str, Any], keys: KeyRing) -> rsa.RSAPrivateKey:
    value = envelope.get("publicKeyFingerprint")
    if value is None:
        raise NotificationRejected("malformed", "encryptedPayload has no publicKeyFingerprint")
    if not isinstance(value, str) or not 0 < len(value) <= MAX_FINGERPRINT_LENGTH:
        raise NotificationRejected(
            "malformed", f"publicKeyFingerprint is not a string of 1 to {MAX_FINGERPRINT_LENGTH}"
        )
    key = find_key(keys, value)
    if key is None:
        shown = value[:16] + ("..." if len(value) > 16 else "") if value.isascii() else "?"
        raise NotificationRejected(
            "unknown_key",
            f"no key of this receiver has the publicKeyFingerprint {shown!r} "
            f"({len(keys)} key(s) known)",
        )
    return key
