"""The JSON Schema of :mod:`peers.json_schema` compiled by ``fastjsonschema``.

Most favourable idiomatic form: compiled once to a Python function, with the custom format
``formats={"luhn": ...}``. fastjsonschema raises on the first error and has no way to collect
them all, so it reports at most one problem per document.
"""

from __future__ import annotations

from importlib.metadata import version

import fastjsonschema

from . import Doc, Peer, Problem, luhn_ok, pointer
from .json_schema import SCHEMA, keyword_problems

__all__ = ["build"]


def build() -> Peer:
    """A fastjsonschema peer with the schema compiled once."""
    compiled = fastjsonschema.compile(SCHEMA, formats={"luhn": luhn_ok})

    def validate(doc: Doc) -> object:
        try:
            return compiled(doc)
        except fastjsonschema.JsonSchemaValueException as e:
            return e

    def problems(result: object) -> list[Problem]:
        if not isinstance(result, fastjsonschema.JsonSchemaValueException):
            return []
        path = list(result.path or ())[1:]  # first element is the variable name, "data"
        return keyword_problems(
            pointer(path),
            str(result.rule),
            result.rule_definition,
            result.value,
            result.definition or {},
        )

    return Peer(
        f"fastjsonschema {version('fastjsonschema')}",
        validate,
        problems,
        note="compiled once; stops at the first error",
    )
