"""The exceptions the library raises. Anything else escaping it is a bug."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .violations import Report

__all__ = ["InvalidRequest", "MdesRulesError", "UnknownOperation"]


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
