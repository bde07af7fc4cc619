"""A carrier that hands each wire request to a function: a test double for carrier users.

::

    def tms(request: WireRequest) -> WireResponse:
        return WireResponse(404, {"Content-Type": "application/json"}, b'{"errors": []}')

    client = TmsClient(carrier=MockCarrier(tms), private_key=key)
"""

from __future__ import annotations

from collections.abc import Callable

from mdesrules.transport import Closing
from mdesrules.wire import WireRequest, WireResponse

__all__ = ["MockCarrier"]


class MockCarrier(Closing):
    """Answers each request with ``handler(request)``, in the caller's thread.

    It records nothing and retries nothing: the function sees every request exactly as the
    client built it, and whatever it raises reaches the caller.
    """

    def __init__(self, handler: Callable[[WireRequest], WireResponse]) -> None:
        self.handler = handler
        self.closed = False

    def handle(self, request: WireRequest) -> WireResponse:
        """The function's answer to *request*."""
        if self.closed:
            raise RuntimeError("the carrier is closed")
        return self.handler(request)

    def close(self) -> None:
        """Mark the carrier closed; later requests raise ``RuntimeError``."""
        self.closed = True

    def __repr__(self) -> str:
        return f"MockCarrier({self.handler!r})"
