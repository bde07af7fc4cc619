"""Violations and reports: what a check returns.

A :class:`Violation` names one broken rule with a stable ``code``, the JSON pointer of the
field at fault, every field involved, and a message a person can act on. A :class:`Report`
holds all the violations of one document, in a stable order: field rules first, in the order
the fields are declared, then unknown fields, then rules across fields, then token-state rules.
"""

from __future__ import annotations

from typing import Literal

from attrs import frozen

__all__ = [
    "CODES",
    "Report",
    "Severity",
    "Violation",
    "pointer",
]

Severity = Literal["error", "warning"]

#: Every violation code, with what it means. Codes are stable: they are added, never renamed.
CODES: dict[str, str] = {
    "missing_required": "a required field is absent",
    "unknown_field": "a field the operation does not define (an error in requests)",
    "wrong_type": "a value of the wrong JSON type (a number where a string belongs, ...)",
    "too_short": "a string shorter than its minimum length",
    "too_long": "a string longer than its maximum length",
    "bad_format": "a string that does not have the required form (digits, MMYY, ...)",
    "bad_check_digit": "a PAN or token whose Luhn check digit is wrong",
    "not_allowed_value": "a value outside the allowed set (reason codes, indicators, ...)",
    "deprecated_value": "an allowed value that MDES marks as deprecated",
    "mutually_exclusive": "fields that must not be sent together",
    "missing_one_of": "none of a set of alternative fields is present",
    "requires": "a field that needs another field that is absent",
    "nothing_to_update": "a token update that changes nothing",
    "token_state": "the token's lifecycle state does not allow the operation",
    "no_assurance_level": "the token has no Token Assurance Level to update",
    "account_range": "the new account PAN is not in the current PAN's account range",
    "unknown_token": "the token or account PAN is not in the token inventory",
    "suspender": "the suspension rules forbid it (a party lifts only its own suspension)",
    "unknown_operation": "the operation of a document cannot be told from its wrapper",
    "malformed_document": "the record is not valid JSON or XML",
    "internal_error": "a bug in mdesrules while checking the record (please report it)",
}


def pointer(*parts: str) -> str:
    """Build a JSON pointer (RFC 6901) from unescaped reference tokens."""
    return "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in parts)


@frozen
class Violation:
    """One broken rule in one document.

    Attributes:
        code: stable snake_case code, one of :data:`CODES`.
        path: JSON pointer of the field at fault, into the payload as given.
        fields: JSON pointers of every field involved (both sides of a conflict).
        message: what is wrong and what would fix it; never holds a full PAN.
        severity: ``"error"`` fails the check; ``"warning"`` is reported only.
    """

    code: str
    path: str
    fields: tuple[str, ...]
    message: str
    severity: Severity = "error"

    def to_dict(self) -> dict[str, object]:
        """Return the violation as the JSON object of the report format."""
        return {
            "code": self.code,
            "path": self.path,
            "fields": list(self.fields),
            "message": self.message,
            "severity": self.severity,
        }


@frozen
class Report:
    """Every violation found in one document by one operation's rule set."""

    operation: str
    violations: tuple[Violation, ...] = ()

    @property
    def ok(self) -> bool:
        """True when no violation has severity ``"error"``."""
        return not any(v.severity == "error" for v in self.violations)

    @property
    def errors(self) -> tuple[Violation, ...]:
        """The violations of severity ``"error"``."""
        return tuple(v for v in self.violations if v.severity == "error")

    @property
    def warnings(self) -> tuple[Violation, ...]:
        """The violations of severity ``"warning"``."""
        return tuple(v for v in self.violations if v.severity == "warning")

    @property
    def codes(self) -> tuple[str, ...]:
        """The codes of all violations, in report order."""
        return tuple(v.code for v in self.violations)

    def to_dict(self) -> dict[str, object]:
        """Return the report as a JSON-ready dict (without a ``source``)."""
        return {
            "operation": self.operation,
            "ok": self.ok,
            "violations": [v.to_dict() for v in self.violations],
        }
