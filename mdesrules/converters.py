"""Conversion between models and wire documents, through cattrs.

Strict: a number is not a string (cattrs' default ``str`` hook would turn ``1`` into ``"1"``),
and unknown keys are refused. Optional members left at ``None`` are omitted from the wire.
Structuring expects a document that passed its rules; :func:`mdesrules.parse` checks first.
:func:`convert` rebuilds a model as the class of the same shape in another version of an API.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

import attrs
from cattrs import Converter
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from .schema import identity, wire_name

__all__ = ["convert", "converter", "structure", "unstructure"]

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


def convert(instance: object, model: type[T]) -> T:
    """*instance* (an attrs model) as an instance of *model*, member by member by name, the
    nested objects as the classes *model* declares.

    For the versions of one API, whose classes keep their members' names: an answer built
    with the 2.0.7 response classes becomes the 2.1.7 or 2.2.2 answer
    (``convert(answer, op.response)``). Field rules are not checked.

    Raises:
        ValueError: *instance* sets a member that *model* does not have, or a member of
            another type; the message names the two classes, never a value.
    """
    try:
        return structure(unstructure(instance), model)
    except Exception:  # cattrs reports through exception groups, which may quote values
        raise ValueError(
            f"a {_qualified(type(instance))} cannot be converted to {_qualified(model)}: it "
            "sets a member that class does not have, or of another type"
        ) from None


def _qualified(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"
