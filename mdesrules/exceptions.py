"""The exceptions the library raises. Anything else escaping it is a bug."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models.responses import Error
    from .violations import Report

__all__ = [
    "ConnectError",
    "DecodeError",
    "InvalidRequest",
    "MdesError",
    "MdesRulesError",
    "Timeout",
    "TransportError",
    "UnknownOperation",
]


class MdesRulesError(Exception):
    """Base class of every exception raised by mdesrules."""


class UnknownOperation(MdesRulesError, ValueError):
    """An operation name the registry does not know; the message lists the known ones."""


class InvalidRequest(MdesRulesError, ValueError):
    """A request that breaks at least one rule; ``report`` holds every violation.

    Raised where a valid request is needed to go on (building a model from a document).
    """

    def __init__(self, report: Report) -> None:
        self.report = report
        errors = report.errors
        listed = "; ".join(f"{v.code} at {v.path or '/'}" for v in errors[:5])
        more = f" and {len(errors) - 5} more" if len(errors) > 5 else ""
        super().__init__(f"{report.operation} request breaks {len(errors)} rule(s): {listed}{more}")


class MdesError(MdesRulesError):
    """MDES refused a request: ``errors`` holds every ``Error`` entry of its answer.

    ``recoverable`` is True only when MDES marked every entry ``Recoverable``.
    """

    def __init__(self, operation: str, status: int, errors: tuple[Error, ...]) -> None:
        from .masking import scrub

        self.operation = operation
        self.status = status
        self.errors = errors
        listed = "; ".join(
            scrub(f"{e.reason_code or '?'}: {e.description or ''}".strip()) for e in errors[:5]
        )
        super().__init__(f"MDES refused {operation} (HTTP {status}): {listed}")

    @property
    def recoverable(self) -> bool:
        """True when MDES said a retry may succeed for every error."""
        return bool(self.errors) and all(
            (e.recoverable or "").lower() == "true" for e in self.errors
        )


class TransportError(MdesRulesError):
    """A request could not be delivered, or its answer could not be read."""


class ConnectError(TransportError):
    """No connection to MDES could be made: nothing was sent, so a retry is safe."""


class Timeout(TransportError):
    """MDES did not answer in time: the request may or may not have been applied."""


class DecodeError(TransportError):
    """MDES answered with something that is not a response of the operation."""
