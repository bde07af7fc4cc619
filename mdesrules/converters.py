"""Conversion between models and wire documents, through cattrs.

Strict: a number is not a string (cattrs' default ``str`` hook would turn ``1`` into ``"1"``),
and unknown keys are refused. Optional members left at ``None`` are omitted from the wire.
Structuring expects a document that passed its rules; :func:`mdesrules.parse` checks first.
:func:`convert` rebuilds a model as the class of the same shape in another version of an API.

:func:`builder` is the fast way from a *checked* document to its model: one generated
function per model class and naming, which reads each member once and calls the class,
trusting the check for every type (cattrs' structuring checks them again, member by member,
through hooks: most of the cost of a decode once the check is compiled).
"""

from __future__ import annotations

import itertools
import linecache
import types
import typing
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from .schema import identity, wire_name

if TYPE_CHECKING:
    from cattrs import Converter

__all__ = ["builder", "convert", "converter", "maker", "structure", "unstructure"]

T = TypeVar("T")
Naming = Callable[[str], str]


def _strict_str(value: object, _: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return value


@cache
def converter(naming: Naming = identity) -> Converter:
    """The strict converter for a naming of the wire form (PascalCase or camelCase).

    cattrs is imported here, on first use: checking a request never needs it, only making
    models and documents does (and :func:`builder` makes the models of a check).
    """
    from cattrs import Converter
    from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

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


Builder = Callable[[Any], Any]


@cache
def builder(model: type, naming: Naming = identity) -> Builder:
    """The function that makes a *model* instance of a wire object (without its wrapper)
    that passed the check of *model*'s rules, in one pass.

    It equals :func:`structure` on every such document (a property test holds the two
    equal on valid documents of every operation), but trusts the check: a member is read
    as it is (a string stays the string, a list of objects becomes a tuple of models),
    members the model does not define are left out, and a document the check would refuse
    gives a wrong model or a ``KeyError``, not a refusal. The source is generated once, as
    cattrs generates its structure functions, and kept in :mod:`linecache`.
    """
    src: list[str] = []
    names: dict[str, object] = {}
    top = _write_builder(model, naming, src, names, {})
    text = "\n".join(src) + "\n"
    filename = f"<mdesrules builder of {model.__module__}.{model.__qualname__} #{next(_SERIAL)}>"
    exec(compile(text, filename, "exec"), names)
    # No modification time: linecache.checkcache keeps the entry, as for cattrs' code.
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    built = names[top]
    assert callable(built)
    return built


_SERIAL = itertools.count(1)  # makes each builder's file name unique


def _write_builder(
    model: type, naming: Naming, src: list[str], names: dict[str, object], done: dict[type, str]
) -> str:
    """Write the builder of *model*, and those of the models it holds, into *src*; its name."""
    if model in done:
        return done[model]
    function = f"build_{model.__name__}_{len(done)}"
    done[model] = function
    cls = f"CLS_{len(done)}"
    names[cls] = model
    hints = typing.get_type_hints(model)
    arguments: list[tuple[str, str, str]] = []
    for a in attrs.fields(model):
        key = repr(naming(wire_name(a)))
        read = _reader(hints[a.name], naming, src, names, done)
        if a.default is attrs.NOTHING:
            value = read.format(f"d[{key}]")
        elif a.default is None:
            value = f"d.get({key})" if read == "{}" else _optional(read, key)
        else:
            default = f"DEFAULT_{len(names)}"
            names[default] = a.default
            if read == "{}":
                value = f"d.get({key}, {default})"
            else:
                value = f"({_optional(read, key)} if {key} in d else {default})"
        arguments.append((a.name, a.alias, value))
    src.append(f"def {function}(d):")
    if _slots_only(model):
        # What attrs' __init__ does, without its call: each slot set through its descriptor.
        names["NEW"] = object.__new__
        src.append(f"    o = NEW({cls})")
        for name, _, value in arguments:
            setter = f"SET_{len(names)}"
            names[setter] = getattr(model, name).__set__
            src.append(f"    {setter}(o, {value})")
        src.append("    return o")
    else:
        src.append(f"    return {cls}(" + ", ".join(f"{k}={v}" for _, k, v in arguments) + ")")
    src.append("")
    return function


@cache
def maker(model: type) -> Callable[..., Any]:
    """A function that makes a *model* instance from its attributes' values, given by
    position in declaration order (defaults where left out), as ``model(...)`` would:
    the slots set directly when nothing else happens in its ``__init__``
    (:func:`builder`'s way), else *model* itself."""
    if not _slots_only(model):
        return model
    fields = attrs.fields(model)
    names: dict[str, object] = {"NEW": object.__new__, "CLS": model}
    params, body = [], ["    o = NEW(CLS)"]
    for i, a in enumerate(fields):
        if isinstance(a.default, attrs.Factory):  # type: ignore[arg-type]
            return model  # made per instance by __init__
        if a.default is attrs.NOTHING:
            params.append(a.name)
        else:
            names[f"DEFAULT_{i}"] = a.default
            params.append(f"{a.name}=DEFAULT_{i}")
        names[f"SET_{i}"] = getattr(model, a.name).__set__
        body.append(f"    SET_{i}(o, {a.name})")
    text = f"def make({', '.join(params)}):\n" + "\n".join(body) + "\n    return o\n"
    filename = f"<mdesrules maker of {model.__module__}.{model.__qualname__} #{next(_SERIAL)}>"
    exec(compile(text, filename, "exec"), names)
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    made = names["make"]
    assert callable(made)
    return made


def _slots_only(model: type) -> bool:
    """Whether an instance of *model* is made whole by setting each attribute's slot: a
    slotted attrs class whose __init__ does nothing else (no validator, converter,
    post-init hook or cached hash; no slot that is not an attribute)."""
    fields = attrs.fields(model)
    names = {a.name for a in fields}
    slots: set[str] = set()
    for klass in model.__mro__[:-1]:
        declared = klass.__dict__.get("__slots__")
        if declared is None:
            return False  # an instance __dict__: attrs' __init__ may do more
        slots.update((declared,) if isinstance(declared, str) else declared)
    return (
        slots - {"__weakref__"} == names
        and not hasattr(model, "__attrs_post_init__")
        and not hasattr(model, "__attrs_pre_init__")
        and all(
            a.init and a.validator is None and a.converter is None and a.alias == a.name
            for a in fields
        )
        and all(type(getattr(model, name, None)).__name__ == "member_descriptor" for name in names)
    )


def _optional(read: str, key: str) -> str:
    """A reader applied to an optional member: ``None`` when absent or null, as cattrs does."""
    return f"(None if (v := d.get({key})) is None else {read.format('v')})"


def _reader(
    hint: Any, naming: Naming, src: list[str], names: dict[str, object], done: dict[type, str]
) -> str:
    """How a member of type *hint* is read, as a format string of the member's expression."""
    args = typing.get_args(hint)
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType) and len(args) == 2 and type(None) in args:
        (inner,) = [arg for arg in args if arg is not type(None)]
        return _reader(inner, naming, src, names, done)
    if hint is str:
        return "{}"
    if hint in (int, bool):
        return f"{hint.__name__}({{}})"
    if attrs.has(hint):
        return _write_builder(hint, naming, src, names, done) + "({})"
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        item = _reader(args[0], naming, src, names, done)
        if item == "{}":
            return "tuple({})"
        return "tuple([" + item.format("i") + " for i in {}])"
    # Any other type: cattrs structures it, as structure() would.
    fallback = f"STRUCTURE_{len(names)}"
    names[fallback] = lambda value, t=hint: converter(naming).structure(value, t)
    return fallback + "({})"
