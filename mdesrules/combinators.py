"""Rules across fields: exclusions, alternatives and conditions within one JSON object.

Each combinator is a small immutable object naming fields by their canonical (PascalCase)
wire names. ``renamed`` returns the same rule for another naming of the wire form (the legacy
API's camelCase JSON), so a rule is declared once for every form. A rule appends to ``out``
every violation it finds; rules never stop at the first.

A field counts as *present* when its key is in the object, whatever its value: MDES sees the
key, so a ``null`` or an empty string still conflicts with its alternatives.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from functools import cache
from typing import Protocol

from attrs import evolve, field, frozen

from .violations import Severity, Violation, pointer

__all__ = [
    "Condition",
    "Rule",
    "absent",
    "all_of",
    "at_least_one_of",
    "at_most_one_of",
    "equals",
    "exactly_one_of",
    "expects",
    "forbids",
    "only_when",
    "present",
    "reaching",
    "requires",
    "when",
]

Naming = Callable[[str], str]
Obj = Mapping[str, object]

_WORD = re.compile(r"[A-Za-z0-9_]+")


class Rule(Protocol):
    """A rule over the fields of one object."""

    def check(self, obj: Obj, base: str, out: list[Violation]) -> None:
        """Append to *out* the violations of *obj*, found at JSON pointer *base*."""

    def renamed(self, naming: Naming) -> Rule:
        """The same rule with every field name passed through *naming*."""

    def fields(self) -> tuple[str, ...]:
        """Every field name the rule reads."""


class Condition(Protocol):
    """A test of one object, for :func:`when`."""

    def __call__(self, obj: Obj) -> bool: ...

    def renamed(self, naming: Naming) -> Condition: ...

    def fields(self) -> tuple[str, ...]: ...


def _words(names: tuple[str, ...], last: str = "or") -> str:
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + f" {last} " + names[-1]


def _group_words(alt: tuple[str, ...]) -> str:
    """A group of fields sent together: ``A with B`` (``A with B and C``)."""
    return alt[0] if len(alt) == 1 else f"{alt[0]} with {_words(alt[1:], 'and')}"


@frozen(repr=False)
class ExactlyOneOf:
    """Exactly one alternative is sent. An alternative is one field or a group of fields that
    go together (all or none), as activate's ``AccountPan`` with ``PaymentAppInstanceId``.

    None sent is ``missing_one_of`` (or ``code_missing``); two or more is
    ``mutually_exclusive``; one group sent in part is ``requires``.
    """

    alternatives: tuple[tuple[str, ...], ...]
    code_missing: str = "missing_one_of"
    _choices: str = field(init=False, eq=False)  # " A or B", or ": A; or B with C"

    def __attrs_post_init__(self) -> None:
        # With a group among the alternatives, "A or B and C" would read two ways: the
        # alternatives are listed after a colon, "; or " between them, a group's fields
        # joined by "with" ("exactly one of: A; or B with C").
        if all(len(a) == 1 for a in self.alternatives):
            choices = " " + _words(tuple(a[0] for a in self.alternatives))
        else:
            choices = ": " + "; or ".join(_group_words(a) for a in self.alternatives)
        object.__setattr__(self, "_choices", choices)

    def check(self, obj: Obj, base: str, out: list[Violation]) -> None:
        keys = obj.keys()
        touched = [alt for alt in self.alternatives if not keys.isdisjoint(alt)]
        if not touched:
            out.append(
                Violation(
                    self.code_missing,
                    base,
                    tuple(pointer_in(base, n) for a in self.alternatives for n in a),
                    f"send one of{self._choices}",
                )
            )
        elif len(touched) > 1:
            sent = tuple(n for alt in touched for n in alt if n in obj)
            culprit = next(n for n in touched[1] if n in obj)
            out.append(
                Violation(
                    "mutually_exclusive",
                    pointer_in(base, culprit),
                    tuple(pointer_in(base, n) for n in sent),
                    f"{_words(sent, 'and')} must not be sent together; send exactly one of"
                    + self._choices,
                )
            )
        else:
            alt = touched[0]
            missing = tuple(n for n in alt if n not in obj)
            if missing:
                sent = tuple(n for n in alt if n in obj)
                out.append(
                    Violation(
                        "requires",
                        pointer_in(base, sent[0]),
                        tuple(pointer_in(base, n) for n in alt),
                        f"{_words(sent, 'and')} must be sent with {_words(missing, 'and')}",
                    )
                )

    def renamed(self, naming: Naming) -> ExactlyOneOf:
        return evolve(self, alternatives=tuple(tuple(map(naming, a)) for a in self.alternatives))

    def fields(self) -> tuple[str, ...]:
        return tuple(n for a in self.alternatives for n in a)

    def __repr__(self) -> str:
        return "exactly one of" + self._choices


@frozen(repr=False)
class AtMostOneOf:
    """At most one of the fields is sent; two or more is ``mutually_exclusive``."""

    names: tuple[str, ...]

    def check(self, obj: Obj, base: str, out: list[Violation]) -> None:
        sent = tuple(n for n in self.names if n in obj)
        if len(sent) > 1:
            out.append(
                Violation(
                    "mutually_exclusive",
                    pointer_in(base, sent[1]),
                    tuple(pointer_in(base, n) for n in sent),
                    f"{_words(sent, 'and')} must not be sent together; send at most one",
                )
            )

    def renamed(self, naming: Naming) -> AtMostOneOf:
        return evolve(self, names=tuple(map(naming, self.names)))

    def fields(self) -> tuple[str, ...]:
        return self.names

    def __repr__(self) -> str:
        return "at most one of " + _words(self.names)


@frozen(repr=False)
class AtLeastOneOf:
    """At least one of the fields is sent; none is ``missing_one_of`` (or ``code``)."""

    names: tuple[str, ...]
    code: str = "missing_one_of"
    message: str = ""

    def check(self, obj: Obj, base: str, out: list[Violation]) -> None:
        if not any(n in obj for n in self.names):
            out.append(
                Violation(
                    self.code,
                    base,
                    tuple(pointer_in(base, n) for n in self.names),
                    self.message or f"send at least one of {_words(self.names)}",
                )
            )

    def renamed(self, naming: Naming) -> AtLeastOneOf:
        names = tuple(map(naming, self.names))
        renames = dict(zip(self.names, names, strict=True))
        message = _WORD.sub(lambda m: renames.get(m.group(), m.group()), self.message)
        return evolve(self, names=names, message=message)

    def fields(self) -> tuple[str, ...]:
        return self.names

    def __repr__(self) -> str:
        return "at least one of " + _words(self.names)


@frozen(repr=False)
class Forbids:
    """When ``name`` is sent, none of ``others`` may be: ``mutually_exclusive``."""

    name: str
    others: tuple[str, ...]

    def check(self, obj: Obj, base: str, out: list[Violation]) -> None:
        if self.name not in obj:
            return
        sent = tuple(n for n in self.others if n in obj)
        if sent:
            out.append(
                Violation(
                    "mutually_exclusive",
                    pointer_in(base, sent[0]),
                    tuple(pointer_in(base, n) for n in (self.name, *sent)),
                    f"{self.name} must not be sent with {_words(sent, 'and')}",
                )
            )

    def renamed(self, naming: Naming) -> Forbids:
        return evolve(self, name=naming(self.name), others=tuple(map(naming, self.others)))

    def fields(self) -> tuple[str, ...]:
        return (self.name, *self.others)

    def __repr__(self) -> str:
        return f"{self.name} forbids {_words(self.others)}"


@frozen(repr=False)
class Requires:
    """When ``name`` is sent, all of ``others`` must be: otherwise ``requires``."""

    name: str
    others: tuple[str, ...]

    def check(self, obj: Obj, base: str, out: list[Violation]) -> None:
        if self.name not in obj:
            return
        missing = tuple(n for n in self.others if n not in obj)
        if missing:
            out.append(
                Violation(
                    "requires",
                    pointer_in(base, self.name),
                    tuple(pointer_in(base, n) for n in (self.name, *missing)),
                    f"{self.name} must be sent with {_words(missing, 'and')}",
                )
            )

    def renamed(self, naming: Naming) -> Requires:
        return evolve(self, name=naming(self.name), others=tuple(map(naming, self.others)))

    def fields(self) -> tuple[str, ...]:
        return (self.name, *self.others)

    def __repr__(self) -> str:
        return f"{self.name} requires {_words(self.others, 'and')}"


@frozen(repr=False)
class Expects:
    """Fields expected in the object, each absent one a ``missing_required`` of ``severity``.

    For the "minimum fields" of an object that MDES promises but is known to omit at times
    (``productConfig`` in the sandbox): a receiver reports them as warnings, not errors.
    """

    names: tuple[str, ...]
    severity: Severity = "warning"

    def check(self, obj: Obj, base: str, out: list[Violation]) -> None:
        for n in self.names:
            if n not in obj:
                path = pointer_in(base, n)
                out.append(
                    Violation("missing_required", path, (path,), f"{n} is expected", self.severity)
                )

    def renamed(self, naming: Naming) -> Expects:
        return evolve(self, names=tuple(map(naming, self.names)))

    def fields(self) -> tuple[str, ...]:
        return self.names

    def __repr__(self) -> str:
        return f"expects {_words(self.names, 'and')} ({self.severity} when absent)"


def _same(value: object, expected: object) -> bool:
    """Equal and of the same type: ``1`` is not ``True``, ``"true"`` is not ``True``."""
    return type(value) is type(expected) and value == expected


@frozen(repr=False)
class OnlyWhen:
    """``name`` is sent only when ``field`` is ``value``: sent while ``field`` holds one of
    ``others`` (its other legal values) it is ``mutually_exclusive`` with that value.

    While ``field`` is absent, or holds a value outside its set (reported by its own field
    rules), nothing is reported: the rule judges only what it can know.
    """

    name: str
    field: str
    value: object
    others: tuple[object, ...]

    def check(self, obj: Obj, base: str, out: list[Violation]) -> None:
        if self.name not in obj or self.field not in obj:
            return
        got = obj[self.field]
        if any(_same(got, other) for other in self.others):
            out.append(
                Violation(
                    "mutually_exclusive",
                    pointer_in(base, self.name),
                    (pointer_in(base, self.field), pointer_in(base, self.name)),
                    f"{self.name} must not be sent when {self.field} is {json.dumps(got)}; "
                    f"it is sent only when {self.field} is {json.dumps(self.value)}",
                )
            )

    def renamed(self, naming: Naming) -> OnlyWhen:
        return evolve(self, name=naming(self.name), field=naming(self.field))

    def fields(self) -> tuple[str, ...]:
        return (self.name, self.field)

    def __repr__(self) -> str:
        return f"{self.name} only when {self.field} is {json.dumps(self.value)}"


@frozen(repr=False)
class AllOf:
    """Every rule applies; each reports on its own."""

    rules: tuple[Rule, ...]

    def check(self, obj: Obj, base: str, out: list[Violation]) -> None:
        for rule in self.rules:
            rule.check(obj, base, out)

    def renamed(self, naming: Naming) -> AllOf:
        return evolve(self, rules=tuple(r.renamed(naming) for r in self.rules))

    def fields(self) -> tuple[str, ...]:
        return tuple(n for r in self.rules for n in r.fields())

    def __repr__(self) -> str:
        return "; ".join(repr(r) for r in self.rules)


@frozen(repr=False)
class When:
    """The rules apply only to objects that meet ``condition``."""

    condition: Condition
    rules: tuple[Rule, ...]

    def check(self, obj: Obj, base: str, out: list[Violation]) -> None:
        if self.condition(obj):
            for rule in self.rules:
                rule.check(obj, base, out)

    def renamed(self, naming: Naming) -> When:
        return evolve(
            self,
            condition=self.condition.renamed(naming),
            rules=tuple(r.renamed(naming) for r in self.rules),
        )

    def fields(self) -> tuple[str, ...]:
        return (*self.condition.fields(), *(n for r in self.rules for n in r.fields()))

    def __repr__(self) -> str:
        return f"when {self.condition!r}: " + "; ".join(repr(r) for r in self.rules)


@frozen(repr=False)
class Present:
    """Condition: the field is sent."""

    name: str

    def __call__(self, obj: Obj) -> bool:
        return self.name in obj

    def renamed(self, naming: Naming) -> Present:
        return Present(naming(self.name))

    def fields(self) -> tuple[str, ...]:
        return (self.name,)

    def __repr__(self) -> str:
        return f"{self.name} is sent"


@frozen(repr=False)
class Absent:
    """Condition: the field is not sent."""

    name: str

    def __call__(self, obj: Obj) -> bool:
        return self.name not in obj

    def renamed(self, naming: Naming) -> Absent:
        return Absent(naming(self.name))

    def fields(self) -> tuple[str, ...]:
        return (self.name,)

    def __repr__(self) -> str:
        return f"{self.name} is not sent"


@frozen(repr=False)
class Equals:
    """Condition: the field is sent with exactly this value (of the same JSON type)."""

    name: str
    value: object

    def __call__(self, obj: Obj) -> bool:
        return self.name in obj and _same(obj[self.name], self.value)

    def renamed(self, naming: Naming) -> Equals:
        return Equals(naming(self.name), self.value)

    def fields(self) -> tuple[str, ...]:
        return (self.name,)

    def __repr__(self) -> str:
        shown = json.dumps(self.value) if isinstance(self.value, (bool, int)) else repr(self.value)
        return f"{self.name} is {shown}"


@frozen(repr=False)
class Reaching:
    """A rule whose fields may lie in nested objects, named by paths (``"A/B/C"``).

    From MDES CS API 2.1.7 on, PANs move into ``EncryptedAccountInformation.EncryptedData``,
    yet the rules that name them still tie them to top-level fields ("``CurrentAccount``'s
    ``AccountPan`` must not be present when ``TokenUniqueReference`` is"). The inner rule
    checks a view of the object in which each nested field it names appears under its path,
    when every object on the way is a JSON object holding the next key; its violations point
    into the nested objects.

    .. versionadded:: 0.5
    """

    rule: Rule

    def check(self, obj: Obj, base: str, out: list[Violation]) -> None:
        view = dict(obj)
        for name in self.rule.fields():
            if "/" in name:
                found, value = _follow(obj, name.split("/"))
                if found:
                    view[name] = value
        found_here: list[Violation] = []
        self.rule.check(view, base, found_here)
        cut = len(base)
        paths = [n for n in self.rule.fields() if "/" in n]
        for v in found_here:
            message = v.message
            for name in paths:
                message = message.replace(name, name.replace("/", "."))
            out.append(
                evolve(
                    v,
                    path=_unescaped(v.path, cut),
                    fields=tuple(_unescaped(f, cut) for f in v.fields),
                    message=message,
                )
            )

    def renamed(self, naming: Naming) -> Reaching:
        def each(name: str) -> str:
            return "/".join(map(naming, name.split("/")))

        return Reaching(self.rule.renamed(each))

    def fields(self) -> tuple[str, ...]:
        """The top-level fields the rule reads (those that hold the nested ones)."""
        return tuple(dict.fromkeys(n.split("/")[0] for n in self.rule.fields()))

    def __repr__(self) -> str:
        return repr(self.rule).replace("/", ".")


def _follow(obj: Obj, parts: list[str]) -> tuple[bool, object]:
    here: object = obj
    for part in parts:
        if not isinstance(here, Mapping) or part not in here:
            return False, None
        here = here[part]
    return True, here


def _unescaped(path: str, cut: int) -> str:
    # Rule field names never hold "/" or "~" but as the separators of a Reaching path.
    return path[:cut] + path[cut:].replace("~1", "/")


def pointer_in(base: str, name: str) -> str:
    """The JSON pointer of field *name* in the object at *base*."""
    return base + _token(name)


@cache
def _token(name: str) -> str:
    # Field names come from rule declarations, so the cache holds a few hundred at most.
    return pointer(name)


def exactly_one_of(
    *alternatives: str | tuple[str, ...], code_missing: str = "missing_one_of"
) -> Rule:
    """Exactly one of the alternatives; a tuple is a group of fields sent all or none."""
    alts = tuple((a,) if isinstance(a, str) else tuple(a) for a in alternatives)
    return ExactlyOneOf(alts, code_missing)


def at_most_one_of(*names: str) -> Rule:
    """At most one of the fields."""
    return AtMostOneOf(names)


def at_least_one_of(*names: str, code: str = "missing_one_of", message: str = "") -> Rule:
    """At least one of the fields; ``code`` and ``message`` name what is missing."""
    return AtLeastOneOf(names, code, message)


def forbids(name: str, *others: str) -> Rule:
    """When *name* is sent, none of *others* may be."""
    return Forbids(name, others)


def requires(name: str, *others: str) -> Rule:
    """When *name* is sent, all of *others* must be."""
    return Requires(name, others)


def expects(*names: str, severity: Severity = "warning") -> Rule:
    """The fields are expected: each absent one is ``missing_required`` with *severity*."""
    return Expects(names, severity)


def only_when(name: str, field: str, value: object, *others: object) -> Rule:
    """*name* is sent only when *field* is *value*; sent while *field* is one of *others*,
    it is ``mutually_exclusive``."""
    return OnlyWhen(name, field, value, others)


def all_of(*rules: Rule) -> Rule:
    """All the rules."""
    return AllOf(rules)


def when(condition: Condition, *rules: Rule) -> Rule:
    """The rules, applied only when *condition* holds."""
    return When(condition, rules)


def reaching(rule: Rule) -> Rule:
    """*rule*, with fields of nested objects named by their paths (``"A/B/C"``)."""
    return Reaching(rule)


def present(name: str) -> Condition:
    """Condition: *name* is sent."""
    return Present(name)


def absent(name: str) -> Condition:
    """Condition: *name* is not sent."""
    return Absent(name)


def equals(name: str, value: object) -> Condition:
    """Condition: *name* is sent with *value*."""
    return Equals(name, value)
