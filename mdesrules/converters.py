"""Conversion between models and wire documents, through cattrs.

Strict: a number is not a string (cattrs' default ``str`` hook would turn ``1`` into ``"1"``),
and unknown keys are refused. Optional members left at ``None`` are omitted from the wire.
Structuring expects a document that passed its rules; :func:`mdesrules.parse` checks first.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

import attrs
from cattrs import Converter
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from .schema import identity, wire_name

__all__ = ["converter", "structure", "unstructure"]

T = TypeVar("T")
Naming = Callable[[str], str]


def _strict_str(value: object, _: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return value


@cache
def converter(naming: Naming = identity) -> Converter:
    """The strict converter for a naming of the wire form (PascalCase or camelCase)."""
    conv = Converter(forbid_extra_keys=True, unstruct_collection_overrides={tuple: list})
    conv.register_structure_hook(str, _strict_str)

    def structure_fn(cls: type) -> Callable[[Any, Any], Any]:
        renames: dict[str, Any] = {
            a.name: override(rename=naming(wire_name(a))) for a in attrs.fields(cls)
        }
        return make_dict_structure_fn(cls, conv, _cattrs_forbid_extra_keys=True, **renames)

    def unstructure_fn(cls: type) -> Callable[[Any], Any]:
        renames: dict[str, Any] = {
            a.name: override(rename=naming(wire_name(a)), omit_if_default=a.default is None)
            for a in attrs.fields(cls)
        }
        return make_dict_unstructure_fn(cls, conv, **renames)

    conv.register_structure_hook_factory(attrs.has, structure_fn)
    conv.register_unstructure_hook_factory(attrs.has, unstructure_fn)
    return conv


def unstructure(model: object, naming: Naming = identity) -> dict[str, Any]:
    """The wire object of *model* (without its wrapper)."""
    result: dict[str, Any] = converter(naming).unstructure(model)
    return result


def structure(document: object, model: type[T], naming: Naming = identity) -> T:
    """The *model* instance of a wire object (without its wrapper)."""
    return converter(naming).structure(document, model)
