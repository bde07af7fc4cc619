"""Carriers that move bytes, and the transports that send checked MDES requests over them.

Carriers (:class:`~mdesrules.wire.Carrier`: a wire request in, a wire response out):

- :class:`HttpCarrier`: HTTP(S) with :mod:`requests`, with timeouts, safe retries, bounded
  reads and mapped errors; the MDES client, the TMS client and notification delivery all use it.
- :class:`WsgiCarrier`: any WSGI application, called in process.
- :class:`MockCarrier`: a function from wire request to wire response, for tests.

For code that sends with :mod:`requests` itself: :class:`SimulatorAdapter`, a transport
adapter to mount on a ``requests.Session``, answers from a WSGI application in process.

Transports (:class:`~mdesrules.transport.Transport`: a request model in, a response out):

- :class:`CodecTransport`: the JSON or XML codec over any carrier.
- :class:`HttpTransport`: HTTPS to Mastercard (or any MDES): the codec over an HTTP carrier.
- :class:`InMemoryTransport`: an MDES in the same process, for tests and harnesses.
- :class:`MastercardOAuth1`: signs requests for Mastercard's API gateway (needs the
  ``oauth`` extra; imported on first use).

Re-exported for convenience: :class:`WsgiApp` (from :mod:`mdesrules.serving`), which serves
an MDES handler over HTTP for :class:`HttpTransport` to reach. The byte codecs are
:mod:`mdesrules.codecs`; the services these transports reach in tests are in
:mod:`mdesrules.fakes`.

This package depends on the core and :mod:`mdesrules.serving`; neither imports it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..serving.wsgi import WsgiApp
from .codec_transport import CodecTransport
from .http import PRODUCTION_URL, SANDBOX_URL, HttpCarrier, HttpTransport
from .memory import InMemoryTransport
from .mock import MockCarrier
from .requests_adapter import SimulatorAdapter
from .wsgi import WsgiCarrier

if TYPE_CHECKING:
    from .oauth import MastercardOAuth1

__all__ = [
    "PRODUCTION_URL",
    "SANDBOX_URL",
    "CodecTransport",
    "HttpCarrier",
    "HttpTransport",
    "InMemoryTransport",
    "MastercardOAuth1",
    "MockCarrier",
    "SimulatorAdapter",
    "WsgiApp",
    "WsgiCarrier",
]


def __getattr__(name: str) -> object:
    # MastercardOAuth1 needs an optional package: import it only when it is asked for, so
    # that the rest of the package works without it.
    if name == "MastercardOAuth1":
        from .oauth import MastercardOAuth1

        return MastercardOAuth1
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
