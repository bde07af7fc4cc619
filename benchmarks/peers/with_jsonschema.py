"""The JSON Schema of :mod:`peers.json_schema` enforced by ``jsonschema``.

Most favourable idiomatic form: one ``Draft7Validator`` built once (the schema checked once,
not per call), a ``FormatChecker`` carrying the ``"luhn"`` format, and ``iter_errors`` so that
every error is collected, as ours does.
"""

from __future__ import annotations

from importlib.metadata import version

import jsonschema

from . import Doc, Peer, Problem, luhn_ok
from .json_schema import SCHEMA, problems_of_errors

__all__ = ["build"]


def build() -> Peer:
    """A jsonschema peer with the validator built once."""
    checker = jsonschema.FormatChecker()
    checker.checks("luhn")(luhn_ok)
    jsonschema.Draft7Validator.check_schema(SCHEMA)
    validator = jsonschema.Draft7Validator(SCHEMA, format_checker=checker)

    def validate(doc: Doc) -> list[jsonschema.ValidationError]:
        return list(validator.iter_errors(doc))

    def problems(result: object) -> list[Problem]:
        assert isinstance(result, list)
        return problems_of_errors(result)

    return Peer(
        f"jsonschema {version('jsonschema')}",
        validate,
        problems,
        note="Draft7Validator.iter_errors, all errors",
    )
