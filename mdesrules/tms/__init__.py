"""CyberSource TMS token API: Retrieve Card Art and Generate Payment Credentials.

- :class:`TmsClient`: checks, sends (through the shared HTTP carrier, or any
  :class:`~mdesrules.wire.Carrier`) and decodes both operations.
- :class:`CyberSourceSignature`: CyberSource HTTP Signature as a :mod:`requests` auth.
- :func:`decode_card_art`, :class:`AssetRejected`, :class:`TmsApiError`: response decoding.
- :func:`decrypt_credentials`, :func:`encrypt_credentials`,
  :class:`CredentialDecryptionError`: the compact JWE (RSA-OAEP-256 / A256GCM).
- The simulated TMS (``SimulatedTms``, ``Artwork``, ``wsgi_app``) is in
  :mod:`mdesrules.fakes.tms`.

See ``docs/tms.md``.
"""

from __future__ import annotations

from .assets import (
    AssetRejected,
    CardArtAsset,
    CardArtContent,
    TmsApiError,
    TmsErrorEntry,
    decode_card_art,
    decode_errors,
)
from .auth import CyberSourceSignature
from .client import Sender, TmsClient, WireRequest, WireResponse
from .jwe import CredentialDecryptionError, decrypt_credentials, encrypt_credentials

__all__ = [
    "AssetRejected",
    "CardArtAsset",
    "CardArtContent",
    "CredentialDecryptionError",
    "CyberSourceSignature",
    "Sender",
    "TmsApiError",
    "TmsClient",
    "TmsErrorEntry",
    "WireRequest",
    "WireResponse",
    "decode_card_art",
    "decode_errors",
    "decrypt_credentials",
    "encrypt_credentials",
]
