"""Wire schemas: the fields of a model as they appear on the wire, with their rules.

A request or response model is an attrs class whose fields carry :func:`wire` metadata: the
field rules of that field and, when it differs from the PascalCase of the attribute name, its
wire name. Whether a field is required comes from the model (no default: required), and its
JSON type from the annotation (``str``, a nested model, or a tuple of either). So the model
is the one declaration of an operation's fields; :func:`object_spec` turns it into the
:class:`ObjectSpec` that the checker walks, for a given naming of the wire form.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable
from functools import cache
from typing import Any, Literal

import attrs
from attrs import frozen

from .combinators import Rule
from .fields import FieldRule
from .pan_text import PAN_POLICY, TEXT, PanScan

__all__ = [
    "FieldSpec",
    "ObjectSpec",
    "WireInfo",
    "camel",
    "identity",
    "object_rules",
    "object_spec",
    "pascal",
    "wire",
    "wire_name",
]

Naming = Callable[[str], str]
Kind = Literal["str", "bool", "int", "object", "array"]

_WIRE = "mdesrules.wire"
_RULES = "__wire_rules__"


@frozen
class WireInfo:
    """What :func:`wire` attaches to a model field."""

    rules: tuple[FieldRule, ...]
    name: str | None = None
    item: str | None = None


def wire(*rules: FieldRule, name: str | None = None, item: str | None = None) -> dict[str, Any]:
    """Metadata for an attrs field: its field rules and, if needed, its PascalCase wire name.

    Use as ``attrs.field(metadata=wire(length(1, 48)))``. *item* names the element of each
    item of a list in DataContract XML (``<Devices><Device>...``); it defaults to the wire
    name of the item's model class.
    """
    return {_WIRE: WireInfo(rules, name, item)}


def pascal(attribute: str) -> str:
    """``token_unique_reference`` -> ``TokenUniqueReference``."""
    return "".join(part[:1].upper() + part[1:] for part in attribute.split("_"))


def camel(name: str) -> str:
    """``TokenUniqueReference`` -> ``tokenUniqueReference`` (the legacy API's JSON form)."""
    return name[:1].lower() + name[1:]


def identity(name: str) -> str:
    """The canonical PascalCase naming of MDES CS API v2 and of DataContract XML."""
    return name


def wire_name(a: attrs.Attribute[Any]) -> str:
    """The canonical (PascalCase) wire name of a model attribute."""
    info = a.metadata.get(_WIRE)
    if isinstance(info, WireInfo) and info.name:
        return info.name
    return pascal(a.name)


def object_rules(model: type) -> tuple[Rule, ...]:
    """The rules across the fields of a nested *model*, named in PascalCase.

    A model declares them as the class attribute ``__wire_rules__`` (a ``ClassVar``); they
    apply to every occurrence of the object, wherever it is nested, when it is sent. Rules
    across the fields of an operation's request itself belong to the operation.
    """
    rules: tuple[Rule, ...] = getattr(model, _RULES, ())
    return rules


@frozen
class FieldSpec:
    """One field of an object as the checker sees it."""

    attribute: str
    name: str
    required: bool
    kind: Kind
    rules: tuple[FieldRule, ...]
    item_kind: Kind | None = None
    child: ObjectSpec | None = None
    item: str | None = None
    #: How a string value (or each string item) is scanned for a card number
    #: (:mod:`mdesrules.pan_text`); ``None``: not scanned (a PAN field, or not a string).
    scan: PanScan | None = None


@frozen
class ObjectSpec:
    """The fields of one JSON object, by wire name, in declaration order, and the rules
    across them (:func:`object_rules`, renamed for the naming).

    ``unknown_scan`` is how the names and values of members the object does not define
    are scanned for a card number; ``None`` inside a PAN field (``EncryptedData``).
    """

    model: type
    fields: tuple[FieldSpec, ...]
    by_name: dict[str, FieldSpec]
    rules: tuple[Rule, ...] = ()
    unknown_scan: PanScan | None = TEXT


def _unwrap(tp: Any) -> tuple[Kind, Kind | None, type | None]:
    """Kind, item kind and model class of a (resolved) annotation."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) != 1:
            raise TypeError(f"unsupported annotation {tp!r}")
        return _unwrap(args[0])
    if origin in (tuple, list):
        (item, *_) = typing.get_args(tp)
        kind, _, model = _unwrap(item)
        return "array", kind, model
    if tp is str:
        return "str", None, None
    if tp is bool:
        return "bool", None, None
    if tp is int:
        return "int", None, None
    if attrs.has(tp):
        return "object", None, tp
    raise TypeError(f"unsupported annotation {tp!r}")


def object_spec(model: type, naming: Naming = identity) -> ObjectSpec:
    """The :class:`ObjectSpec` of an attrs *model* under *naming* (cached).

    Each string field gets its card-number scan from
    :data:`~mdesrules.pan_text.PAN_POLICY`, by its canonical wire name; a nested object
    passes on how its strings are scanned (none inside ``EncryptedData``, as free text
    inside ``AuditInfo``).
    """
    return _object_spec(model, naming, TEXT)


@cache
def _object_spec(model: type, naming: Naming, within: PanScan | None) -> ObjectSpec:
    attrs.resolve_types(model)
    specs = []
    for a in attrs.fields(model):
        info = a.metadata.get(_WIRE)
        rules = info.rules if isinstance(info, WireInfo) else ()
        kind, item_kind, child_model = _unwrap(a.type)
        item = info.item if isinstance(info, WireInfo) and info.item else None
        if kind == "array" and item is None:
            item = child_model.__name__ if child_model is not None else pascal(a.name)
        canonical = wire_name(a)
        child = None
        scan = None
        if child_model is not None:
            child = _object_spec(child_model, naming, PAN_POLICY.inside(canonical, within))
        elif "str" in (kind, item_kind):
            scan = PAN_POLICY.scan(canonical, rules, within)
        specs.append(
            FieldSpec(
                attribute=a.name,
                name=naming(canonical),
                required=a.default is attrs.NOTHING,
                kind=kind,
                rules=rules,
                item_kind=item_kind,
                child=child,
                item=item,
                scan=scan,
            )
        )
    across = tuple(r.renamed(naming) for r in object_rules(model))
    return ObjectSpec(model, tuple(specs), {s.name: s for s in specs}, across, within)
