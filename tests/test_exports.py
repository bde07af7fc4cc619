"""The public API: what ``import mdesrules`` offers is a promise; change it on purpose only."""

from __future__ import annotations

import mdesrules

PUBLIC = {
    "CODES", "REGISTRY", "AccountEncryption", "AccountRange", "AccountRangeError",
    "AccountRanges", "Carrier", "Client", "ConnectError", "Context", "DecodeError",
    "InvalidRequest", "Inventory", "InventoryError", "LifecycleError", "MdesError",
    "MdesRulesError", "Operation", "Registry", "Report", "Request", "Response", "Status",
    "Timeout", "TokenRecord", "TokenSource", "TokenState", "Transport", "TransportError",
    "UnknownOperation", "Violation", "WireRequest", "WireResponse", "check", "mask_pan",
    "parse", "scrub", "to_wire",
}  # fmt: skip


def test_the_public_api_is_exactly_what_is_promised() -> None:
    assert set(mdesrules.__all__) == PUBLIC


def test_every_public_name_exists() -> None:
    for name in mdesrules.__all__:
        assert getattr(mdesrules, name) is not None


def test_every_exception_is_a_library_error() -> None:
    for name in mdesrules.__all__:
        value = getattr(mdesrules, name)
        if isinstance(value, type) and issubclass(value, Exception):
            assert issubclass(value, mdesrules.MdesRulesError), name
