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

    ``recoverable`` is True only when MDES marked every entry ``Recoverable``. The text
    shows each entry's ``Source`` (``INPUT`` or a field for MDES's own checks, ``Gateway``
    for Mastercard's API gateway before MDES, e.g. an OAuth failure), ``ReasonCode``,
    ``ErrorCode`` when sent, and ``Description`` (``no description`` when empty), the first
    five of them, masked::

        MDES refused token_suspend (HTTP 401): Source Gateway, ReasonCode
        AUTHENTICATION_FAILED: OAuth signature invalid
    """

    def __init__(self, operation: str, status: int, errors: tuple[Error, ...]) -> None:
        self.operation = operation
        self.status = status
        self.errors = errors
        listed = "; ".join(_error_words(e) for e in errors[:5]) or "no Error entry"
        more = f"; and {len(errors) - 5} more" if len(errors) > 5 else ""
        super().__init__(f"MDES refused {operation} (HTTP {status}): {listed}{more}")

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


def _error_words(error: Error) -> str:
    """One MDES ``Error`` entry in words, masked: ``Source INPUT, ReasonCode X, ErrorCode
    E1: description``."""
    from .masking import scrub

    parts = [f"Source {error.source or '-'}", f"ReasonCode {error.reason_code or '-'}"]
    if error.error_code:
        parts.append(f"ErrorCode {error.error_code}")
    description = (error.description or "").strip() or "no description"
    return scrub(f"{', '.join(parts)}: {description}")
