"""``token_update``'s rules as one JSON Schema, for jsonschema, fastjsonschema and openapi-core.

Draft 7 keywords only, all of which mean the same in draft 2020-12 (OpenAPI 3.1's dialect), so
the one schema serves the three libraries. The rules across fields use ``required`` inside
``oneOf`` (exactly one of TokenUniqueReference or CurrentAccountPan), ``not`` (IssuerProduct
ConfigurationId forbids the PAN, expiry and PSN) and ``anyOf`` (something to update); the
Luhn check is the custom format ``"luhn"`` that each library is given.

Patterns end in ``$(?!\\n)``, not the idiomatic ``$``: jsonschema and openapi-core apply
``pattern`` with Python's ``re.search``, where ``$`` also matches before a final newline, so
``"ABC\\n"`` would pass ``^[!-~]+$`` (fastjsonschema rewrites ``$`` to ``\\Z`` itself; in
ECMA-262 the look-ahead is a no-op).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from . import UPDATE_PAYLOAD, Problem, pointer

__all__ = ["SCHEMA", "keyword_problems", "problems_of_errors"]

_END = "$(?!\\n)"
_PRINTABLE = "^[!-~]+" + _END
_DIGITS = "^[0-9]+" + _END
_MMYY = "^(0[1-9]|1[0-2])[0-9]{2}" + _END
_TEXT = "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f\\ud800-\\udfff]*" + _END


def _string(min_len: int, max_len: int, pattern: str, **extra: str) -> dict[str, Any]:
    return {
        "type": "string",
        "minLength": min_len,
        "maxLength": max_len,
        "pattern": pattern,
        **extra,
    }


_PAN = _string(9, 19, _DIGITS, format="luhn")

_AUDIT_INFO: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["UserId", "UserName", "Organization"],
    "properties": {
        "UserId": _string(1, 50, _TEXT),
        "UserName": _string(1, 200, _TEXT),
        "Organization": _string(1, 200, _TEXT),
        "Phone": _string(1, 20, _TEXT),
    },
}

_TOKEN_UPDATE: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["AuditInfo"],
    "properties": {
        "TokenUniqueReference": _string(1, 48, _PRINTABLE),
        "CurrentAccountPan": _PAN,
        "NewAccountPan": _PAN,
        "ExpirationDate": _string(4, 4, _MMYY),
        "AccountPanSequenceNumber": _string(1, 2, _DIGITS),
        "IssuerProductConfigurationId": _string(1, 10, _PRINTABLE),
        "UpdateWalletProviderIndicator": {"type": "string", "enum": ["0", "1"], "default": "1"},
        "CommentText": _string(1, 500, _TEXT),
        "AuditInfo": _AUDIT_INFO,
    },
    "oneOf": [{"required": ["TokenUniqueReference"]}, {"required": ["CurrentAccountPan"]}],
    "not": {
        "required": ["IssuerProductConfigurationId"],
        "anyOf": [
            {"required": ["NewAccountPan"]},
            {"required": ["ExpirationDate"]},
            {"required": ["AccountPanSequenceNumber"]},
        ],
    },
    "anyOf": [{"required": [name]} for name in UPDATE_PAYLOAD],
}

#: The whole request, wrapper included (draft 7; ``$schema`` dropped for OpenAPI 3.1).
SCHEMA: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "title": "TokenUpdateRequest (POST /token/update)",
    "type": "object",
    "additionalProperties": False,
    "required": ["TokenUpdateRequest"],
    "properties": {"TokenUpdateRequest": _TOKEN_UPDATE},
}

# JSON Schema keyword -> our violation codes that say the same thing.
_CODES = {
    "type": frozenset({"wrong_type"}),
    "minLength": frozenset({"too_short"}),
    "maxLength": frozenset({"too_long"}),
    "pattern": frozenset({"bad_format"}),
    "format": frozenset({"bad_check_digit"}),
    "enum": frozenset({"not_allowed_value"}),
    "oneOf": frozenset({"mutually_exclusive", "missing_one_of"}),
    "not": frozenset({"mutually_exclusive"}),
    "anyOf": frozenset({"nothing_to_update"}),
}


def _required_names(subschema: object) -> list[str]:
    """Every name under a ``required`` inside *subschema* (the fields a rule across fields
    involves)."""
    if isinstance(subschema, list):
        return [n for s in subschema for n in _required_names(s)]
    if not isinstance(subschema, Mapping):
        return []
    names = list(subschema.get("required", ()))
    for key in ("anyOf", "oneOf", "allOf"):
        names += _required_names(subschema.get(key))
    return names


def keyword_problems(
    base: str, keyword: str, value: object, instance: object, schema: Mapping[str, Any]
) -> list[Problem]:
    """The problems one failed keyword stands for.

    *base* is the pointer of the failing instance, *value* the keyword's value and *schema*
    the (sub)schema holding it. ``required`` and ``additionalProperties`` name their fields
    (one problem each); the rules across fields name the fields they involve.
    """
    if keyword == "required" and isinstance(instance, Mapping) and isinstance(value, list):
        return [
            Problem(f"{base}/{n}", keyword, frozenset({"missing_required"}))
            for n in value
            if n not in instance
        ]
    if keyword == "additionalProperties" and isinstance(instance, Mapping):
        known = schema.get("properties", {})
        return [
            Problem(f"{base}/{n}", keyword, frozenset({"unknown_field"}))
            for n in instance
            if n not in known
        ]
    if keyword in ("oneOf", "not", "anyOf"):
        fields = tuple(dict.fromkeys(f"{base}/{n}" for n in _required_names(value)))
        return [Problem(base, keyword, _CODES[keyword], fields)]
    return [Problem(base, keyword, _CODES.get(keyword, frozenset()))]


def problems_of_errors(errors: Iterable[Any]) -> list[Problem]:
    """The problems of jsonschema ``ValidationError`` objects (also what openapi-core raises
    underneath), without duplicates (jsonschema reports ``required`` once per missing name)."""
    found: dict[Problem, None] = {}
    for e in errors:
        for p in keyword_problems(
            pointer(e.absolute_path), str(e.validator), e.validator_value, e.instance, e.schema
        ):
            found[p] = None
    return list(found)
