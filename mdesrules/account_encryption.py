"""``EncryptedAccountInformation`` of the MDES Customer Service API 2.1.7 and 2.2.2.

From 2.1.7 on, the PAN-type identifiers of Search, Activate and Update travel inside
``EncryptedAccountInformation`` (``UpdateEncryptedAccountInformation`` in the update's
schema; the member name on the wire is the same). The *plaintext form* holds the JSON object
in ``EncryptedData``::

    {"TokenUpdateRequest": {"EncryptedAccountInformation": {"EncryptedData": {
        "CurrentAccount": {"AccountPan": "..."}, "NewAccount": {...}}}, ...}}

The *encrypted form*, as Mastercard's field-level encryption makes it, replaces the object
with the hex AES ciphertext of its JSON text and adds, with the spec's exact names:

==========================  ===========  ================================================
member                      length       meaning
==========================  ===========  ================================================
``EncryptedKey``            32..512 hex  the AES-128 session key, RSA-wrapped
``PublicKeyFingerprint``    32..64       SHA-256 (hex) of the certificate or key DER
``OaepHashingAlgorithm``    6            ``SHA256`` or ``SHA512``; absent: PKCS#1 v1.5
``Iv``                      32 / 24..32  hex; 16 bytes for CBC, 12 for GCM; absent: zero
``algorithmCipherMode``     3 (2.2.2)    ``CBC`` or ``GCM``; absent: CBC
``tag``, ``aad``            1..36 hex    GCM only (2.2.2): the tag and the authenticated data
==========================  ===========  ================================================

The specs return no ``EncryptedAccountInformation`` in any response (responses carry PAN
*suffixes* only), so only requests are encrypted; :func:`decrypt_account_information`
nevertheless finds the member under any one-key wrapper. :class:`AccountEncryption` holds a
client's settings (Mastercard's key, OAEP hash, mode): the client checks the plaintext form
and the transport encrypts it as it writes the body.

This module is pure: no I/O. The cryptography is :mod:`mdesrules.encryption`'s.

.. versionadded:: unreleased
"""

from __future__ import annotations

import binascii
import copy
import json
import os
import re
from collections.abc import Iterable, Mapping
from typing import Any, Final, Literal

from attrs import field, frozen
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from mdesrules.account_envelope import ACCOUNT_INFORMATION, VERSIONS, Version, locate
from mdesrules.encryption import (
    GCM_IV_SIZE,
    MAX_ENCRYPTED_DATA_HEX,
    OAEP_HASHES,
    CipherMode,
    KeyRing,
    NotificationRejected,
    OaepHash,
    aes_decrypt,
    aes_encrypt,
    find_key,
    fingerprint,
    key_ring,
    parse_json,
    unwrap_key,
    wrap_key,
)
from mdesrules.masking import safe_str
from mdesrules.violations import Violation, pointer

__all__ = [
    "ACCOUNT_INFORMATION",
    "CIPHER_MODES",
    "ENVELOPE_LENGTHS",
    "VERSIONS",
    "AccountEncryption",
    "Decrypted",
    "Version",
    "check_envelope",
    "decrypt_account_information",
    "decrypt_and_report",
    "encrypt_account_information",
]

_DATA = "EncryptedData"
_KEY = "EncryptedKey"
_FINGERPRINT = "PublicKeyFingerprint"
_OAEP = "OaepHashingAlgorithm"
_IV = "Iv"
_MODE = "algorithmCipherMode"
_TAG = "tag"
_AAD = "aad"

_CBC_IV_SIZE = 16
_GCM_AAD_SIZE = 16
_HEX = re.compile(r"(?:[0-9a-fA-F]{2})*")

#: (min, max) length of each member, by version (``None``: the member is unknown there).
_LENGTHS: Final[Mapping[str, Mapping[str, tuple[int, int]]]] = {
    "2.1.7": {_KEY: (32, 512), _FINGERPRINT: (32, 64), _OAEP: (6, 6), _IV: (32, 32)},
    "2.2.2": {
        _KEY: (32, 512),
        _FINGERPRINT: (32, 64),
        _OAEP: (6, 6),
        _IV: (24, 32),
        _MODE: (3, 3),
        _TAG: (1, 36),
        _AAD: (1, 36),
    },
}
#: The members that must be hex, of those above.
_HEX_MEMBERS: Final = frozenset({_KEY, _IV, _TAG, _AAD})
_MODES: Final = ("CBC", "GCM")

#: The envelope's members and their (min, max) lengths, by version; the models of the
#: plaintext form take theirs from here (``EncryptedData`` is not among them).
ENVELOPE_LENGTHS: Final = _LENGTHS
#: The values of ``algorithmCipherMode`` (2.2.2).
CIPHER_MODES: Final = _MODES

PublicKeyOrCertificate = rsa.RSAPublicKey | x509.Certificate
Keys = KeyRing | rsa.RSAPrivateKey | tuple[rsa.RSAPrivateKey, x509.Certificate]


def _check_version(version: str) -> None:
    if version not in VERSIONS:
        raise ValueError(f"version must be one of {', '.join(VERSIONS)}")


# -- encryption -----------------------------------------------------------------------------


def encrypt_account_information(
    document: Mapping[str, Any],
    *,
    public_key_or_certificate: PublicKeyOrCertificate,
    oaep_hash: OaepHash | None = "SHA256",
    mode: CipherMode = "CBC",
    version: Version = "2.2.2",
    aad: bytes | None = None,
) -> dict[str, Any]:
    """Encrypt the ``EncryptedAccountInformation.EncryptedData`` object of a plaintext
    request for Mastercard; return a new document (*document* is not changed).

    Args:
        document: the request in its plaintext form, wrapped (``{"TokenUpdateRequest":
            {...}}``) or not. A document without ``EncryptedAccountInformation`` is returned
            as a copy, unchanged.
        public_key_or_certificate: Mastercard's encryption certificate or its public key;
            ``PublicKeyFingerprint`` is the SHA-256 of the DER of what is given.
        oaep_hash: the OAEP digest wrapping the session key; ``None`` wraps it with PKCS#1
            v1.5 and leaves ``OaepHashingAlgorithm`` out (the specs list it as required:
            :func:`check_envelope` warns).
        mode: ``"CBC"`` (16-byte IV) or ``"GCM"`` (12-byte IV, ``tag`` and ``aad``; 2.2.2
            only). In 2.2.2 ``algorithmCipherMode`` is always sent.
        version: ``"2.1.7"`` or ``"2.2.2"``.
        aad: the GCM additional authenticated data (1 to 18 bytes); 16 random bytes when
            ``None``.

    Raises:
        ValueError: an argument out of range, or ``EncryptedData`` that is not an object
            (already encrypted?).
        TypeError: a key that is not RSA.
    """
    _check_version(version)
    if oaep_hash is not None and oaep_hash not in OAEP_HASHES:
        raise ValueError("oaep_hash must be 'SHA256', 'SHA512' or None")
    if mode not in _MODES:
        raise ValueError("mode must be 'CBC' or 'GCM'")
    if mode == "GCM" and version == "2.1.7":
        raise ValueError("GCM is a 2.2.2 mode; 2.1.7 knows CBC only")
    if aad is not None and not 0 < len(aad) <= 18:
        raise ValueError("aad must be 1 to 18 bytes (the spec allows 36 hex characters)")
    public = (
        public_key_or_certificate.public_key()
        if isinstance(public_key_or_certificate, x509.Certificate)
        else public_key_or_certificate
    )
    if not isinstance(public, rsa.RSAPublicKey):
        raise TypeError("the key must be an RSA public key or a certificate of one")
    result = copy.deepcopy(dict(document))
    located = locate(result)
    if located is None:
        return result
    _, info = located
    data = info.get(_DATA)
    if not isinstance(data, dict):
        raise ValueError(f"{_DATA} is not a JSON object (already encrypted?)")
    plaintext = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
    session_key = os.urandom(16)
    iv = os.urandom(GCM_IV_SIZE if mode == "GCM" else _CBC_IV_SIZE)
    aad_bytes = (aad if aad is not None else os.urandom(_GCM_AAD_SIZE)) if mode == "GCM" else b""
    ciphertext, tag = aes_encrypt(plaintext, session_key, iv, mode, aad_bytes)
    for member in (_KEY, _FINGERPRINT, _OAEP, _IV, _MODE, _TAG, _AAD):
        info.pop(member, None)
    info[_DATA] = ciphertext.hex()
    info[_KEY] = wrap_key(session_key, public, oaep_hash).hex()
    info[_FINGERPRINT] = fingerprint(public_key_or_certificate)
    if oaep_hash is not None:
        info[_OAEP] = oaep_hash
    info[_IV] = iv.hex()
    if version == "2.2.2":
        info[_MODE] = mode
    if mode == "GCM":
        info[_TAG] = tag.hex()
        info[_AAD] = aad_bytes.hex()
    return result


# -- the client's settings ------------------------------------------------------------------


def _public_key(_: object, __: object, value: Any) -> None:
    if isinstance(value, rsa.RSAPrivateKey):
        raise TypeError(
            "encryption takes Mastercard's encryption certificate or public key, not a private "
            "key (a private key is for decryption: Context(decryption_keys=...))"
        )
    public = value.public_key() if isinstance(value, x509.Certificate) else value
    if not isinstance(public, rsa.RSAPublicKey):
        raise TypeError(
            "encryption takes Mastercard's RSA encryption certificate (x509.Certificate) or "
            f"RSA public key, not a {type(value).__name__}"
        )


def _oaep_hash(_: object, __: object, value: Any) -> None:
    if value is not None and value not in OAEP_HASHES:
        raise ValueError("oaep_hash must be 'SHA256', 'SHA512' or None (PKCS#1 v1.5)")


def _mode(_: object, __: object, value: Any) -> None:
    if value not in _MODES:
        raise ValueError("mode must be 'CBC' or 'GCM'")


@frozen(repr=False)
class AccountEncryption:
    """How requests' ``EncryptedAccountInformation`` is encrypted for Mastercard.

    Give it to the client or to a transport that sends bytes (``Client(transport,
    encryption=...)``, ``HttpTransport(..., encryption=...)``, ``CodecTransport``,
    ``InMemoryTransport(..., wire="json")``): each request is checked in its plaintext form,
    then its ``EncryptedData`` object is encrypted with :func:`encrypt_account_information`
    (for the version of the operation's :attr:`~mdesrules.registry.Operation.account_encryption`)
    as the body is serialised. A request of an operation without the envelope is sent as it
    is. Those places also take the bare certificate or public key (:meth:`of`).

    Attributes:
        public_key_or_certificate: Mastercard's encryption certificate or its RSA public
            key; ``PublicKeyFingerprint`` is the SHA-256 of the DER of what is given, so give
            the one whose fingerprint Mastercard registered for you.
        oaep_hash: ``"SHA256"`` (default) or ``"SHA512"``; ``None`` wraps the session key
            with PKCS#1 v1.5 and sends no ``OaepHashingAlgorithm``.
        mode: ``"CBC"`` (default; 2.1.7 and 2.2.2) or ``"GCM"`` (2.2.2 only).

    Raises:
        TypeError: a key that is not an RSA public key or certificate (a private key too).
        ValueError: an ``oaep_hash`` or ``mode`` out of range.

    Its ``repr`` shows the fingerprint's start and the algorithms, never the key.
    """

    public_key_or_certificate: PublicKeyOrCertificate = field(validator=_public_key)
    oaep_hash: OaepHash | None = field(default="SHA256", validator=_oaep_hash)
    mode: CipherMode = field(default="CBC", validator=_mode)

    @classmethod
    def of(
        cls, value: AccountEncryption | PublicKeyOrCertificate | None
    ) -> AccountEncryption | None:
        """*value* as settings: itself, or a certificate or public key with the defaults
        (``SHA256``, ``CBC``); ``None`` stays ``None``.

        Raises:
            TypeError: anything else (a private key, a PEM string: load it first).
        """
        if value is None or isinstance(value, AccountEncryption):
            return value
        return cls(value)

    @property
    def fingerprint(self) -> str:
        """The ``PublicKeyFingerprint`` sent (hex SHA-256 of the certificate or key DER)."""
        return fingerprint(self.public_key_or_certificate)

    def check_versions(self, versions: Iterable[str | None]) -> None:
        """Refuse settings that cannot encrypt for one of *versions* (the
        ``account_encryption`` of a registry's operations): GCM for 2.1.7.

        Raises:
            ValueError: ``mode="GCM"`` and a 2.1.7 operation.
        """
        if self.mode == "GCM" and "2.1.7" in set(versions):
            raise ValueError(
                "mode='GCM' is a CS API 2.2.2 mode; 2.1.7 knows CBC only: use "
                "AccountEncryption(..., mode='CBC') with MDES_CS_API_2_1_7"
            )

    def encrypt(self, document: Mapping[str, Any], version: Version) -> dict[str, Any]:
        """:func:`encrypt_account_information` of *document* with these settings.

        Raises:
            ValueError: GCM for 2.1.7, or an ``EncryptedData`` that is not an object.
        """
        return encrypt_account_information(
            document,
            public_key_or_certificate=self.public_key_or_certificate,
            oaep_hash=self.oaep_hash,
            mode=self.mode,
            version=version,
        )

    def __repr__(self) -> str:
        kind = (
            "certificate"
            if isinstance(self.public_key_or_certificate, x509.Certificate)
            else "public key"
        )
        return (
            f"AccountEncryption({kind} {self.fingerprint[:16]}..., "
            f"oaep_hash={self.oaep_hash!r}, mode={self.mode!r})"
        )


# -- the envelope ---------------------------------------------------------------------------


def check_envelope(document: Any, version: Version = "2.2.2") -> tuple[Violation, ...]:
    """Check the envelope of the encrypted ``EncryptedAccountInformation`` of *document*.

    Checks what can be checked without a key, each member's type and length before its
    content, so an absurd size costs nothing: required members, unknown members, hex,
    lengths per the version's spec, ``OaepHashingAlgorithm`` (``SHA256``/``SHA512``) and
    ``algorithmCipherMode`` (``CBC``/``GCM``) values, ``tag`` and ``aad`` present exactly
    when GCM, and the IV's size for the mode (16 bytes CBC, 12 GCM).

    A document without ``EncryptedAccountInformation``, or in the plaintext form
    (``EncryptedData`` an object), has no envelope to check: the result is empty. A missing
    ``OaepHashingAlgorithm`` is a warning (PKCS#1 v1.5 is assumed, as Mastercard's
    libraries do, though the specs list the member as required).
    """
    _check_version(version)
    located = locate(document)
    if located is None:
        return ()
    path, info = located
    if isinstance(info.get(_DATA), dict):
        return ()
    at = _Pointers(path)
    lengths = _LENGTHS[version]
    found: list[Violation] = []
    ok: dict[str, str] = {}

    data = info.get(_DATA)
    if _DATA not in info:
        found.append(at.missing(_DATA))
    elif not isinstance(data, str):
        found.append(at.violation("wrong_type", _DATA, f"{_DATA} must be a hex string"))
    elif len(data) > MAX_ENCRYPTED_DATA_HEX:
        found.append(
            at.violation(
                "too_long", _DATA, f"{_DATA} is longer than {MAX_ENCRYPTED_DATA_HEX} characters"
            )
        )
    elif not data or not _HEX.fullmatch(data):
        found.append(at.violation("bad_format", _DATA, f"{_DATA} must be non-empty hex"))

    for member in lengths:
        value = info.get(member)
        if member not in info:
            if member in (_KEY, _FINGERPRINT) or (member == _IV and version == "2.1.7"):
                found.append(at.missing(member))
            elif member == _OAEP:
                found.append(
                    at.violation(
                        "missing_required",
                        member,
                        f"{member} is absent: the session key is taken as wrapped with "
                        "PKCS#1 v1.5, though the spec lists the member as required",
                        severity="warning",
                    )
                )
            continue
        low, high = lengths[member]
        if not isinstance(value, str):
            found.append(at.violation("wrong_type", member, f"{member} must be a string"))
        elif len(value) < low:
            found.append(
                at.violation("too_short", member, f"{member} is shorter than {low} characters")
            )
        elif len(value) > high:
            found.append(
                at.violation("too_long", member, f"{member} is longer than {high} characters")
            )
        elif member in _HEX_MEMBERS and not _HEX.fullmatch(value):
            found.append(
                at.violation(
                    "bad_format",
                    member,
                    f"{member} must be hex (an even number of 0-9, a-f characters)",
                )
            )
        else:
            ok[member] = value

    for member in info:
        if member != _DATA and member not in lengths:
            found.append(
                at.violation(
                    "unknown_field",
                    member,
                    f"{safe_str(member)[:40]!r} is not a member of {ACCOUNT_INFORMATION} "
                    f"in {version}",
                )
            )

    if _OAEP in ok and ok[_OAEP] not in OAEP_HASHES:
        found.append(at.violation("not_allowed_value", _OAEP, f"{_OAEP} must be SHA256 or SHA512"))
    mode = ok.get(_MODE, "CBC")
    if _MODE in ok and mode not in _MODES:
        found.append(at.violation("not_allowed_value", _MODE, f"{_MODE} must be CBC or GCM"))
    elif _MODE in info and _MODE not in ok:
        pass  # its type or length was reported
    elif mode == "GCM":
        for member in (_TAG, _AAD):
            if member not in info:
                found.append(
                    at.violation(
                        "requires",
                        _MODE,
                        f"{_MODE} GCM requires {member}",
                        also=(member,),
                    )
                )
    else:
        for member in (_TAG, _AAD):
            if member in info:
                found.append(
                    at.violation(
                        "mutually_exclusive",
                        member,
                        f"{member} is sent only with {_MODE} GCM, not with CBC",
                        also=(_MODE,),
                    )
                )
    if _IV in ok and mode in _MODES:
        size = GCM_IV_SIZE if mode == "GCM" else _CBC_IV_SIZE
        if len(ok[_IV]) != 2 * size:
            found.append(
                at.violation(
                    "bad_format",
                    _IV,
                    f"{_IV} must be {size} bytes ({2 * size} hex characters) with {mode}",
                    also=(_MODE,),
                )
            )
    return tuple(found)


class _Pointers:
    """Makes violations about members of one ``EncryptedAccountInformation``."""

    def __init__(self, path: tuple[str, ...]) -> None:
        self.path = path

    def of(self, member: str) -> str:
        return pointer(*self.path, member)

    def violation(
        self,
        code: str,
        member: str,
        message: str,
        *,
        also: tuple[str, ...] = (),
        severity: Literal["error", "warning"] = "error",
    ) -> Violation:
        where = self.of(member)
        return Violation(
            code,
            where,
            (where, *(self.of(other) for other in also)),
            message,
            severity,
        )

    def missing(self, member: str) -> Violation:
        return self.violation("missing_required", member, f"{ACCOUNT_INFORMATION} has no {member}")


# -- decryption -----------------------------------------------------------------------------


def _ring(keys: Keys) -> KeyRing:
    if isinstance(keys, rsa.RSAPrivateKey):
        return key_ring(keys)
    if isinstance(keys, tuple):
        return key_ring(keys)
    return keys


def decrypt_account_information(
    document: Mapping[str, Any], keys: Keys, *, version: Version = "2.2.2"
) -> dict[str, Any]:
    """Decrypt the ``EncryptedAccountInformation`` of *document*; return a new document
    with ``EncryptedData`` the JSON object again and the envelope members removed.

    Args:
        document: the encrypted request (wrapped or not). A document without
            ``EncryptedAccountInformation``, or already in the plaintext form, is returned
            as a copy.
        keys: a key ring (:func:`mdesrules.encryption.key_ring`), a private key (found by
            its key fingerprint) or ``(private key, certificate)`` (found by either).
        version: the envelope's version, for :func:`check_envelope`.

    Raises:
        NotificationRejected: ``malformed`` for an envelope :func:`check_envelope` refuses,
            ``unknown_key`` for a fingerprint of no key given, ``key_unwrap_failed``,
            ``truncated``, ``decryption_failed`` or ``bad_plaintext`` (its message never
            holds key material or plaintext).
    """
    result, violations = _decrypt(document, _ring(keys), version)
    if result is None:
        first = next(v for v in violations if v.severity == "error")
        code = first.code if first.code in ("unknown_key", "decryption_failed") else "malformed"
        raise NotificationRejected(code, f"{first.path}: {first.message}")
    return result


@frozen
class Decrypted:
    """What :func:`decrypt_and_report` found.

    Attributes:
        document: the decrypted document, or ``None`` when it could not be decrypted. Its
            ``repr`` is not shown: it holds the account PANs in clear.
        violations: the envelope's violations (warnings included) and, when decryption
            failed, one ``unknown_key`` or ``decryption_failed`` violation.
    """

    document: dict[str, Any] | None = field(repr=lambda d: "None" if d is None else "<hidden>")
    violations: tuple[Violation, ...]

    @property
    def ok(self) -> bool:
        """True when the document was decrypted and no violation is an error."""
        return self.document is not None and all(v.severity != "error" for v in self.violations)


def decrypt_and_report(document: Any, keys: Keys, *, version: Version = "2.2.2") -> Decrypted:
    """:func:`decrypt_account_information` that never raises: every refusal is a
    violation (see :class:`Decrypted`). The envelope is checked first; nothing is
    decrypted when it has an error."""
    result, violations = _decrypt(document, _ring(keys), version)
    return Decrypted(result, violations)


def _decrypt(
    document: Any, keys: KeyRing, version: Version
) -> tuple[dict[str, Any] | None, tuple[Violation, ...]]:
    _check_version(version)
    violations = check_envelope(document, version)
    if any(v.severity == "error" for v in violations):
        return None, violations
    if not isinstance(document, Mapping):
        return None, (
            Violation("malformed_document", "", ("",), "the document is not a JSON object"),
        )
    result = copy.deepcopy(dict(document))
    located = locate(result)
    if located is None or isinstance(located[1].get(_DATA), dict):
        return result, violations
    path, info = located
    at = _Pointers(path)
    try:
        key = find_key(keys, info[_FINGERPRINT])
        if key is None:
            value = info[_FINGERPRINT]
            shown = value[:16] + "..." if value.isascii() else "?"
            return None, (
                *violations,
                at.violation(
                    "unknown_key",
                    _FINGERPRINT,
                    f"no decryption key has the {_FINGERPRINT} {shown!r} "
                    f"({len(keys)} key fingerprint(s) known)",
                ),
            )
        mode: CipherMode = "GCM" if info.get(_MODE) == "GCM" else "CBC"
        iv_hex = info.get(_IV)
        iv = (
            binascii.unhexlify(iv_hex)
            if iv_hex is not None
            else bytes(GCM_IV_SIZE if mode == "GCM" else _CBC_IV_SIZE)
        )
        session_key = unwrap_key(binascii.unhexlify(info[_KEY]), key, info.get(_OAEP))
        plaintext = aes_decrypt(
            binascii.unhexlify(info[_DATA]),
            session_key,
            iv,
            mode,
            tag=binascii.unhexlify(info.get(_TAG, "")),
            aad=binascii.unhexlify(info.get(_AAD, "")),
        )
        data = parse_json(plaintext, "bad_plaintext", f"the decrypted {_DATA}")
        if not isinstance(data, dict):
            raise NotificationRejected(
                "bad_plaintext", f"the decrypted {_DATA} is not a JSON object"
            )
    except NotificationRejected as refused:
        what = _DATA if refused.code in ("truncated", "bad_plaintext") else _KEY
        if refused.code == "decryption_failed":
            what = _DATA
        return None, (
            *violations,
            at.violation("decryption_failed", what, refused.message),
        )
    for member in (_KEY, _FINGERPRINT, _OAEP, _IV, _MODE, _TAG, _AAD):
        info.pop(member, None)
    info[_DATA] = data
    return result, violations
