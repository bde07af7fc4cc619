"""Where a request carries its ``EncryptedAccountInformation``, found without cryptography.

The member exists in the Customer Service API from 2.1.7 on (see
:mod:`mdesrules.account_encryption`). Finding it, and telling its plaintext form (an
object in ``EncryptedData``) from its encrypted form (a hex string), needs no key and no
cipher: this module does that alone, so that checking a request of a surface without the
member, or in the plaintext form, never imports the cryptography.
"""

from __future__ import annotations

from typing import Any, Final, Literal

from .violations import pointer

__all__ = ["ACCOUNT_INFORMATION", "VERSIONS", "Version", "encrypted_data", "locate"]

#: A CS API version that carries ``EncryptedAccountInformation``: ``version=`` takes one.
Version = Literal["2.1.7", "2.2.2"]
#: The CS API versions that carry ``EncryptedAccountInformation``.
VERSIONS: Final = ("2.1.7", "2.2.2")
#: The member that holds the account data, in requests of both versions.
ACCOUNT_INFORMATION: Final = "EncryptedAccountInformation"


def locate(document: Any) -> tuple[tuple[str, ...], dict[str, Any]] | None:
    """The path to and the ``EncryptedAccountInformation`` object of *document*: at its top
    level, or under its one wrapper key. ``None`` when there is none (or it is no object)."""
    if not isinstance(document, dict):
        return None
    if ACCOUNT_INFORMATION in document:
        found = document[ACCOUNT_INFORMATION]
        return ((ACCOUNT_INFORMATION,), found) if isinstance(found, dict) else None
    if len(document) == 1:
        ((wrapper, body),) = document.items()
        if isinstance(body, dict) and isinstance(body.get(ACCOUNT_INFORMATION), dict):
            return (wrapper, ACCOUNT_INFORMATION), body[ACCOUNT_INFORMATION]
    return None


def encrypted_data(document: object) -> str | None:
    """The JSON pointer of the ``EncryptedAccountInformation`` of *document* when it is in
    the encrypted form (``EncryptedData`` anything but an object), else ``None``.

    Looks at the top level and under a one-key wrapper, as :func:`locate` does.
    """
    if type(document) is not dict:
        return None
    path: tuple[str, ...] = ()
    if ACCOUNT_INFORMATION not in document and len(document) == 1:
        ((wrapper, document),) = document.items()
        path = (wrapper,)
        if type(document) is not dict:
            return None
    info = document.get(ACCOUNT_INFORMATION)
    if type(info) is not dict or "EncryptedData" not in info:
        return None
    if isinstance(info["EncryptedData"], dict):
        return None
    return pointer(*path, ACCOUNT_INFORMATION)
