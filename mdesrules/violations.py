"""Violations and reports: what a check returns.

A :class:`Violation` names one broken rule with a stable ``code``, the JSON pointer of the
field at fault, every field involved, and a message a person can act on. A :class:`Report`
holds all the violations of one document, in a stable order: field rules first, in the order
the fields are declared, then unknown fields, then rules across fields, then token-state rules.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Literal

from attrs import frozen
from attrs.exceptions import FrozenInstanceError

__all__ = [
    "CODES",
    "Finding",
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
    "unknown_key": "no decryption key has the PublicKeyFingerprint of EncryptedAccountInformation",
    "decryption_failed": "EncryptedAccountInformation does not decrypt: wrong key, or altered",
    "not_decrypted": "EncryptedAccountInformation is encrypted and no key was given: its "
    "inside was not checked",
    "pan_in_text": "a card number (13 to 19 digits, valid Luhn) in a string that is not a PAN "
    "field: free text, a name, an identifier (an error in CommentText and AuditInfo)",
}


def pointer(*parts: str) -> str:
    """Build a JSON pointer (RFC 6901) from unescaped reference tokens."""
    return "".join(["/" + p.replace("~", "~0").replace("/", "~1") for p in parts])


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


#: What a compiled check finds, before it is rendered: whether it is an error, and a
#: function and the arguments that make the :class:`Violation` (message included).
Finding = tuple[bool, Callable[..., Violation], tuple[Any, ...]]


class Report:
    """Every violation found in one document by one operation's rule set.

    A report made by :func:`~mdesrules.check` holds what the check found unrendered:
    :attr:`ok` is answered from it directly, and the :class:`Violation` objects, messages
    and all, are made the first time :attr:`violations` (or anything derived from it) is
    read. A batch that only counts passes and failures never pays for a message.

    Reports are immutable, compare by operation and violations, and pickle as rendered.
    """

    __slots__ = ("_found", "_operation")

    _operation: str
    _found: tuple[Violation, ...] | list[Finding]

    def __init__(self, operation: str, violations: Iterable[Violation] = ()) -> None:
        self._operation = operation
        self._found = tuple(violations)

    @classmethod
    def of_findings(cls, operation: str, findings: list[Finding]) -> Report:
        """A report of a compiled check's *findings*, rendered when first read."""
        report = _new(cls)
        report._operation = operation
        report._found = findings
        return report

    @property
    def operation(self) -> str:
        """The name of the operation whose rules were checked."""
        return self._operation

    @operation.setter
    def operation(self, value: str) -> None:
        raise FrozenInstanceError

    @operation.deleter
    def operation(self) -> None:
        raise FrozenInstanceError

    @property
    def violations(self) -> tuple[Violation, ...]:
        """Every violation, in report order (see the module docstring)."""
        found = self._found
        if isinstance(found, tuple):
            return found
        rendered = tuple([build(*args) for _, build, args in found]) if found else ()
        self._found = rendered
        return rendered

    @property
    def ok(self) -> bool:
        """True when no violation has severity ``"error"``."""
        found = self._found
        if isinstance(found, tuple):
            return not any(v.severity == "error" for v in found)
        return not found or not any(is_error for is_error, _, _ in found)

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

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Report) or other.__class__ is not self.__class__:
            return NotImplemented
        return (self.operation, self.violations) == (other.operation, other.violations)

    def __hash__(self) -> int:
        return hash((self.operation, self.violations))

    def __repr__(self) -> str:
        return f"Report(operation={self.operation!r}, violations={self.violations!r})"

    def __reduce__(self) -> tuple[type[Report], tuple[str, tuple[Violation, ...]]]:
        return (Report, (self.operation, self.violations))


_new = object.__new__
