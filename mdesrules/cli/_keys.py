"""Loading the private key of ``--encryption-key``, which opens encrypted
``EncryptedAccountInformation`` (CS API 2.1.7 and 2.2.2).

The file is PEM: one RSA private key, unencrypted (``-----BEGIN PRIVATE KEY-----`` or
``-----BEGIN RSA PRIVATE KEY-----``), optionally with the certificate(s) of its public half
in the same file. Clients encrypt for the certificate or for the public key, and the
``PublicKeyFingerprint`` they send is that of what they used; a certificate in the file lets
the key be found by the certificate's fingerprint too.

A file that cannot be used is a :class:`UsageError` (exit status 2) that says what to fix;
its message never holds the file's content.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ..encryption import key_ring
from ..registry import Registry
from ._errors import UsageError

__all__ = ["KeyFileError", "PemKeyRing", "load_decryption_keys", "refuse_key_without_encryption"]

#: The largest key file read: a PEM key and a few certificates are a few KiB.
MAX_KEY_FILE_BYTES = 1_048_576

_CERTIFICATE = b"-----BEGIN CERTIFICATE-----"


class KeyFileError(ValueError):
    """A key file that loads but cannot be used; the message says why (never the key)."""


class PemKeyRing(Mapping[str, rsa.RSAPrivateKey]):
    """A key ring (fingerprint to private key) that can be pickled, for the worker
    processes of ``mdesrules check --jobs``: it travels as its PEM text and is rebuilt.

    Raises:
        KeyFileError: the PEM holds a key that is not RSA, or a certificate of another key.
        ValueError, TypeError, UnsupportedAlgorithm: the PEM holds no private key that
            ``cryptography`` can load unencrypted.
    """

    def __init__(self, pem: bytes) -> None:
        self._pem = pem
        key = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise KeyFileError("the private key is not an RSA key (MDES wraps keys with RSA)")
        certificates = x509.load_pem_x509_certificates(pem) if _CERTIFICATE in pem else []
        try:
            self._ring = key_ring(key, *((key, c) for c in certificates))
        except ValueError:
            raise KeyFileError(
                "a certificate in the file is not that of the private key's public half"
            ) from None

    def __reduce__(self) -> tuple[type[PemKeyRing], tuple[bytes]]:
        return (PemKeyRing, (self._pem,))

    def __getitem__(self, fingerprint: str) -> rsa.RSAPrivateKey:
        return self._ring[fingerprint]

    def __iter__(self) -> Iterator[str]:
        return iter(self._ring)

    def __len__(self) -> int:
        return len(self._ring)

    def __repr__(self) -> str:
        return f"<PemKeyRing {len(self._ring)} fingerprint(s)>"


def load_decryption_keys(path: str) -> PemKeyRing:
    """The key ring of the PEM file at *path* (see the module doc).

    Raises:
        UsageError: the file cannot be read, or holds no usable key.
    """
    try:
        with open(path, "rb") as file:
            pem = file.read(MAX_KEY_FILE_BYTES + 1)
    except OSError as error:
        raise UsageError(f"cannot open {path}: {error.strerror or type(error).__name__}") from None
    if len(pem) > MAX_KEY_FILE_BYTES:
        raise UsageError(f"{path}: larger than {MAX_KEY_FILE_BYTES} bytes; not a PEM key file")
    try:
        return PemKeyRing(pem)
    except KeyFileError as error:
        raise UsageError(f"{path}: {error}") from None
    except TypeError:  # cryptography: "Password was not given but private key is encrypted"
        raise UsageError(
            f"{path}: the private key is protected by a password; give an unencrypted copy "
            f"(openssl pkey -in {path} -out key-plain.pem)"
        ) from None
    except (ValueError, UnsupportedAlgorithm):
        # The library's message may describe the content: say what is expected instead.
        raise UsageError(
            f"{path}: not a usable PEM RSA private key (expected -----BEGIN PRIVATE KEY----- "
            "or -----BEGIN RSA PRIVATE KEY-----, unencrypted, optionally with the "
            "certificate of its public key)"
        ) from None


def refuse_key_without_encryption(registry: Registry) -> None:
    """Refuse ``--encryption-key`` for an API none of whose operations is encrypted: the key
    would be read for nothing, and the run would not do what its operator expects.

    Raises:
        UsageError: no operation of *registry* carries ``EncryptedAccountInformation``.
    """
    if not any(op.account_encryption is not None for op in registry):
        raise UsageError(
            f"--encryption-key is for the Customer Service API 2.1.7 and 2.2.2, whose "
            f"requests carry EncryptedAccountInformation; --api {registry.key} has none "
            "(give --api-version 2.1.7 or --api-version 2.2.2)"
        )
