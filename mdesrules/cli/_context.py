"""Loading the issuer's token inventory and account ranges given to ``mdesrules check``.

These files are configuration, not input under check: a bad line in them would silently
change every verdict, so the first problem stops the run (:class:`UsageError`, exit
status 2) with the file and line that hold it.
"""

from __future__ import annotations

import io
import re
from typing import BinaryIO

from ..context import AccountRangeError, AccountRanges, Context, Inventory
from ._errors import UsageError
from ._readers import read_path

__all__ = ["load_context"]

_LINE_PREFIX = re.compile(r"line (\d+): ")


def load_context(
    tokens: str | None, ranges: str | None, stdin: BinaryIO, key: str | None = None
) -> Context | None:
    """The context of the given files, or ``None`` when none is given.

    Args:
        tokens: the token inventory file.
        ranges: the account-range file.
        stdin: standard input, for a file named ``-``.
        key: the PEM private key file of ``--encryption-key`` (see :mod:`._keys`).

    Raises:
        UsageError: a file cannot be read or holds a bad record or key.
        InputError: a file cannot be opened or read (from the readers).
    """
    if tokens is None and ranges is None and key is None:
        return None
    keys = None
    if key is not None:
        from ._keys import load_decryption_keys  # needs cryptography: only when asked

        keys = load_decryption_keys(key)
    return Context(
        inventory=load_inventory(tokens, stdin) if tokens is not None else None,
        account_ranges=load_ranges(ranges, stdin) if ranges is not None else None,
        decryption_keys=keys,
    )


def load_inventory(path: str, stdin: BinaryIO) -> Inventory:
    """Stream a JSON array or JSON Lines inventory into an :class:`Inventory`, record by record.

    Raises:
        UsageError: at the first unreadable or invalid record, as ``FILE:LINE: reason``.
    """
    inventory = Inventory()
    for record in read_path(path, stdin):
        if record.error is not None:
            raise UsageError(f"{record.source}: {record.error}")
        if record.form != "json":
            raise UsageError(
                f"{record.source}: a token inventory is JSON (an array or JSON Lines), not XML"
            )
        try:
            inventory.add(record.document)  # type: ignore[arg-type]  # add checks the type
        except ValueError as error:  # InventoryError, and anything else add refuses
            raise UsageError(f"{record.source}: {error}") from None
    return inventory


def load_ranges(path: str, stdin: BinaryIO) -> AccountRanges:
    """Read a ``low,high`` CSV account-range file.

    Raises:
        UsageError: the file cannot be opened or decoded, or holds a bad line, as
            ``FILE:LINE: reason``.
    """
    name = "<stdin>" if path == "-" else path
    try:
        raw = stdin if path == "-" else open(path, "rb")  # noqa: SIM115  (closed below)
    except OSError as error:
        raise UsageError(f"cannot open {path}: {error.strerror or type(error).__name__}") from None
    text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
    try:
        return AccountRanges.from_csv(text)
    except AccountRangeError as error:
        message = str(error)
        match = _LINE_PREFIX.match(message)
        if match is None:
            raise UsageError(f"{name}: {message}") from None
        raise UsageError(f"{name}:{match[1]}: {message[match.end() :]}") from None
    except UnicodeDecodeError:
        raise UsageError(f"{name}: the file is not UTF-8 text") from None
    except OSError as error:
        raise UsageError(f"cannot read {name}: {error.strerror or type(error).__name__}") from None
    finally:
        if path == "-":
            text.detach()  # leave stdin open for whoever else reads it
        else:
            text.close()
