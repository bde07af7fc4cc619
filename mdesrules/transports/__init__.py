"""Transports that serialize and send checked MDES requests.

- :class:`HttpTransport`: HTTPS to Mastercard (or any MDES), with :mod:`requests`.
- :class:`InMemoryTransport`: an MDES in the same process, for tests and harnesses.
- :class:`WsgiApp`: serves an MDES handler over HTTP, for :class:`HttpTransport` to reach.
- :class:`MastercardOAuth1`: signs requests for Mastercard's API gateway (needs the
  ``oauth`` extra; imported on first use).
- The byte codecs stay modules: :mod:`mdesrules.codecs.json` and :mod:`mdesrules.codecs.xml`.
- :mod:`mdesrules.tms`: the CyberSource TMS token API (HTTP Signature auth, card art,
  JWE payment credentials, a simulated TMS).
- :mod:`mdesrules.fakes.mdes`: the simulated MDES (``SimulatedMdes``, ``MemoryStore``,
  ``SqliteStore``) that ``mdesrules serve`` serves.

This package depends on :mod:`mdesrules`; the core never imports it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..serving.wsgi import WsgiApp
from .http import PRODUCTION_URL, SANDBOX_URL, HttpTransport
from .memory import InMemoryTransport

if TYPE_CHECKING:
    from .oauth import MastercardOAuth1

__all__ = [
    "PRODUCTION_URL",
    "SANDBOX_URL",
    "HttpTransport",
    "InMemoryTransport",
    "MastercardOAuth1",
    "WsgiApp",
]


def __getattr__(name: str) -> object:
    # MastercardOAuth1 needs an optional package: import it only when it is asked for, so
    # that the rest of the package works without it.
    if name == "MastercardOAuth1":
        from .oauth import MastercardOAuth1

        return MastercardOAuth1
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
