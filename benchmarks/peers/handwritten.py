"""``token_update``'s rules hand-written in plain Python: the floor a rules engine competes with.

Written as a competent engineer would for this one operation: a table of field rules, one
pass over the sent keys, precompiled ``fullmatch`` regexes, early exits per field (type, then
length, then form, then check digit, as ours), and every violation collected, not just the
first. It returns ``(code, path, message)`` tuples with our codes and JSON pointers, messages
formatted eagerly.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from . import UPDATE_PAYLOAD, Doc, Peer, Problem

__all__ = ["Violation", "build", "check_token_update"]

#: ``(code, JSON pointer, message)``.
Violation = tuple[str, str, str]

_Match = Callable[[str], object]

_PRINTABLE: _Match = re.compile("[!-~]+").fullmatch
_DIGITS: _Match = re.compile("[0-9]+").fullmatch
_MMYY: _Match = re.compile("(?:0[1-9]|1[0-2])[0-9]{2}").fullmatch
_TEXT: _Match = re.compile("[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f\\ud800-\\udfff]*").fullmatch

# name -> (min length, max length, form check, form in words, Luhn)
_Spec = tuple[int, int, _Match, str, bool]
_PAN: _Spec = (9, 19, _DIGITS, "only the digits 0-9", True)
_UPDATE: dict[str, _Spec] = {
    "TokenUniqueReference": (1, 48, _PRINTABLE, "printable ASCII without spaces", False),
    "CurrentAccountPan": _PAN,
    "NewAccountPan": _PAN,
    "ExpirationDate": (4, 4, _MMYY, "a date as MMYY with month 01-12", False),
    "AccountPanSequenceNumber": (1, 2, _DIGITS, "only the digits 0-9", False),
    "IssuerProductConfigurationId": (1, 10, _PRINTABLE, "printable ASCII without spaces", False),
    "CommentText": (1, 500, _TEXT, "text without control characters", False),
}
_AUDIT: dict[str, _Spec] = {
    "UserId": (1, 50, _TEXT, "text without control characters", False),
    "UserName": (1, 200, _TEXT, "text without control characters", False),
    "Organization": (1, 200, _TEXT, "text without control characters", False),
    "Phone": (1, 20, _TEXT, "text without control characters", False),
}
_AUDIT_REQUIRED = ("UserId", "UserName", "Organization")
_WRAPPER = "TokenUpdateRequest"
_BASE = "/TokenUpdateRequest"
_JSON_TYPES = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}


def _json_type(value: object) -> str:
    return _JSON_TYPES.get(type(value), "number")


def _luhn_ok(value: str) -> bool:
    """Whether the last of these ASCII digits is the Luhn check digit of the others."""
    total = 0
    for i, ch in enumerate(reversed(value)):
        d = ord(ch) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _string(out: list[Violation], base: str, name: str, value: object, spec: _Spec) -> None:
    """Append the first failure of the string field *name* under *base*, if any (the pointer
    is only built for a failure)."""
    if type(value) is not str:
        out.append(
            ("wrong_type", f"{base}/{name}", f"{name} must be a string, got {_json_type(value)}")
        )
        return
    lo, hi, match, form, luhn = spec
    n = len(value)
    if n < lo:
        out.append(
            (
                "too_short",
                f"{base}/{name}",
                f"{name} must be at least {lo} characters long, got {n}",
            )
        )
    elif n > hi:
        out.append(
            ("too_long", f"{base}/{name}", f"{name} must be at most {hi} characters long, got {n}")
        )
    elif match(value) is None:
        out.append(("bad_format", f"{base}/{name}", f"{name} must be {form}"))
    elif luhn and not _luhn_ok(value):
        out.append(("bad_check_digit", f"{base}/{name}", f"{name} has a wrong Luhn check digit"))


def _audit(out: list[Violation], audit: object) -> None:
    ptr = _BASE + "/AuditInfo"
    if type(audit) is not dict:
        out.append(("wrong_type", ptr, f"AuditInfo must be a JSON object, got {_json_type(audit)}"))
        return
    for name, value in audit.items():
        spec = _AUDIT.get(name)
        if spec is None:
            out.append(("unknown_field", f"{ptr}/{name}", f"unknown field {name!r}"))
        else:
            _string(out, ptr, name, value, spec)
    for name in _AUDIT_REQUIRED:
        if name not in audit:
            out.append(("missing_required", f"{ptr}/{name}", f"{name} is required"))


def check_token_update(doc: Doc) -> list[Violation]:
    """Every violation of ``token_update``'s rules in *doc* (empty when it passes)."""
    out: list[Violation] = []
    if type(doc) is not dict:
        out.append(("wrong_type", "", f"the document must be a JSON object, got {_json_type(doc)}"))
        return out
    for name in doc:
        if name != _WRAPPER:
            out.append(("unknown_field", f"/{name}", f"unknown field {name!r}"))
    if _WRAPPER not in doc:
        out.append(
            (
                "missing_required",
                _BASE,
                "the request must be wrapped as {'TokenUpdateRequest': {...}}",
            )
        )
        return out
    req = doc[_WRAPPER]
    if type(req) is not dict:
        out.append(
            ("wrong_type", _BASE, f"{_WRAPPER} must be a JSON object, got {_json_type(req)}")
        )
        return out

    for name, value in req.items():
        spec = _UPDATE.get(name)
        if spec is not None:
            _string(out, _BASE, name, value, spec)
        elif name == "UpdateWalletProviderIndicator":
            if type(value) is not str:
                out.append(
                    (
                        "wrong_type",
                        f"{_BASE}/{name}",
                        f"{name} must be a string, got {_json_type(value)}",
                    )
                )
            elif value != "0" and value != "1":
                out.append(
                    (
                        "not_allowed_value",
                        f"{_BASE}/{name}",
                        f"{name} must be one of '0', '1', got {value!r}",
                    )
                )
        elif name == "AuditInfo":
            _audit(out, value)
        else:
            out.append(("unknown_field", f"{_BASE}/{name}", f"unknown field {name!r}"))
    if "AuditInfo" not in req:
        out.append(("missing_required", f"{_BASE}/AuditInfo", "AuditInfo is required"))

    tur = "TokenUniqueReference" in req
    pan = "CurrentAccountPan" in req
    if tur and pan:
        out.append(
            (
                "mutually_exclusive",
                f"{_BASE}/CurrentAccountPan",
                "TokenUniqueReference and CurrentAccountPan must not be sent together",
            )
        )
    elif not (tur or pan):
        out.append(
            ("missing_one_of", _BASE, "send one of TokenUniqueReference or CurrentAccountPan")
        )
    if "IssuerProductConfigurationId" in req:
        for name in ("NewAccountPan", "ExpirationDate", "AccountPanSequenceNumber"):
            if name in req:
                out.append(
                    (
                        "mutually_exclusive",
                        f"{_BASE}/{name}",
                        f"IssuerProductConfigurationId must not be sent with {name}",
                    )
                )
                break
    elif not (
        "NewAccountPan" in req or "ExpirationDate" in req or "AccountPanSequenceNumber" in req
    ):
        out.append(
            (
                "nothing_to_update",
                _BASE,
                "the update changes nothing: send one of " + ", ".join(UPDATE_PAYLOAD),
            )
        )
    return out


def _problems(result: object) -> list[Problem]:
    assert isinstance(result, list)
    return [Problem(path, code, frozenset((code,))) for code, path, _ in result]


def build() -> Peer:
    """The hand-written check as a peer."""
    return Peer(
        "hand-written Python",
        check_token_update,
        _problems,
        note="plain function, all violations, eager messages",
    )
