"""The choices a valid object makes to meet its rules across fields.

A rule across fields allows some combinations of the fields it names and forbids the
others: ``exactly_one_of("A", ("B", "C"))`` allows A alone, or B with C, never both, never
none. Here each kind of rule states that as data, so that :mod:`mdesrules.testing` draws
valid documents from an operation's rule objects rather than from a second copy of them:

- a :class:`Pin` says what is asked of one field: sent, absent, sent with a given value,
  or sent with a value other than some; and, for a field that holds an object, what is
  asked of the fields nested in it (``inside``, by path: ``"EncryptedData/CurrentAccount"``);
- an *alternative* maps field names to pins, and a field it does not name is free: every
  object that meets the pins of an alternative meets the rule;
- a *choice* is a tuple of alternatives, and a valid object meets at least one of them. A
  rule gives one choice, or several that must all be met (``all_of``: one per rule).

Each kind registers its choices in :data:`RULE_CHOICES` (a condition of ``when``, the
alternatives in which it holds and those in which it fails, in :data:`CONDITION_CHOICES`);
the kinds of :mod:`mdesrules.combinators` are registered below. :func:`groups` merges the
choices of an object's rules into independent groups, each a choice whose every alternative
meets every rule of the group: one alternative drawn per group, values drawn to respect its
pins, and the object passes every rule.

An alternative names the fields of its own object. A rule that reaches into nested objects
(:class:`~mdesrules.combinators.Reaching`) names fields by paths, and :func:`nested` turns
its alternatives into pins of the top-level fields that hold them, with the nested pins
``inside``: ``"A/B/C"`` sent becomes ``A`` sent with ``B/C`` sent inside it, and ``"A/B/C"``
absent becomes two alternatives, ``A`` absent or ``A`` sent with ``B/C`` absent inside it.
The object drawn for ``A`` takes its inside pins as one more alternative of its own rules,
so they are met one level at a time, down to the nested field.

This module is pure (no hypothesis): the strategies are in :mod:`mdesrules.testing`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from itertools import product
from typing import Any

from attrs import field, frozen

from ._kinds import ByKind
from .combinators import (
    Absent,
    AllOf,
    AtLeastOneOf,
    AtMostOneOf,
    Condition,
    Equals,
    ExactlyOneOf,
    Expects,
    Forbids,
    OnlyWhen,
    Present,
    Reaching,
    Requires,
    Rule,
    When,
)

__all__ = [
    "ABSENT",
    "CONDITION_CHOICES",
    "RULE_CHOICES",
    "SENT",
    "Alternative",
    "Choice",
    "Inside",
    "Pin",
    "both",
    "choices_of",
    "condition_choices",
    "equal_to",
    "every",
    "groups",
    "names_of",
    "nested",
    "other_than",
]


def _same(value: object, expected: object) -> bool:
    """Equal and of the same type, as the combinators compare values: ``1`` is not ``True``."""
    return type(value) is type(expected) and value == expected


#: Pins on the fields nested in an object, by path below it (``"B/C"``): sorted by path,
#: and no path inside another.
Inside = tuple[tuple[str, "Pin"], ...]


def _typed(values: tuple[object, ...]) -> tuple[tuple[type, object], ...]:
    """*values* as pins compare them: ``equal_to(1)`` is not ``equal_to(True)``."""
    return tuple((type(v), v) for v in values)


def _holds(value: object, path: str, pin: Pin) -> bool:
    """Whether the field at *path* in *value* meets *pin*, as a Reaching rule finds it."""
    for part in path.split("/"):
        if not isinstance(value, Mapping) or part not in value:
            return not pin.sent
        value = value[part]
    return pin.sent and pin.admits(value)


def _merged(pins: Iterable[tuple[str, Pin]]) -> Inside | None:
    """*pins* on nested paths, those of one path met and those on a path inside another
    folded into it, sorted by path; None when they contradict."""
    merged: dict[str, Pin] = {}
    for path, pin in sorted(pins, key=lambda p: (p[0].count("/"), p[0])):
        outer = next((o for o in merged if path.startswith(o + "/")), None)
        if outer is not None:  # shallower paths come first: at most one holds this one
            holder = merged[outer]
            if not holder.sent:  # nothing is found under a field that is not sent
                if pin.sent:
                    return None
                continue
            met = holder.meet(Pin(True, inside=((path[len(outer) + 1 :], pin),)))
        else:
            met = merged[path].meet(pin) if path in merged else pin
        if met is None:
            return None
        merged[outer or path] = met
    return tuple(sorted(merged.items()))


def _inside(pins: Iterable[tuple[str, Pin]]) -> Inside:
    given = tuple(pins)
    merged = _merged(given)
    if merged is None:
        raise ValueError(f"the pins inside contradict one another: {given!r}")
    return merged


@frozen
class Pin:
    """What an alternative asks of one field.

    Attributes:
        sent: whether the field is sent.
        equals: the one value it is sent with, as a tuple of one; ``()`` for any value.
        excludes: values it must not be sent with.
        inside: for a field sent with an object, pins on the fields nested in it, by their
            path below it (``(("B/C", SENT),)``), as a
            :class:`~mdesrules.combinators.Reaching` rule finds them: a nested field is
            absent when an object on the way is not sent or is not an object. Given in any
            order, they are kept sorted by path, and a pin on a path inside another pinned
            path is folded into it (``("B", SENT), ("B/C", SENT)`` is ``B`` sent with ``C``
            sent inside it; under an absent ``B``, ``B/C`` can only be absent).

    Raises:
        ValueError: *inside* is given for a field that is not sent, or its pins
            contradict one another.
    """

    sent: bool
    equals: tuple[object, ...] = field(default=(), eq=_typed)
    excludes: tuple[object, ...] = field(default=(), eq=_typed)
    inside: Inside = field(default=(), converter=_inside)

    def __attrs_post_init__(self) -> None:
        if self.inside and not self.sent:
            raise ValueError("a field that is not sent holds no nested field to pin")

    def admits(self, value: object) -> bool:
        """Whether the field may be sent with *value*."""
        if self.equals and not _same(value, self.equals[0]):
            return False
        return not self._excluded(value) and all(
            _holds(value, path, pin) for path, pin in self.inside
        )

    def _excluded(self, value: object) -> bool:
        return any(_same(value, other) for other in self.excludes)

    def meet(self, other: Pin) -> Pin | None:
        """The pin that asks what both ask, or None when no field meets both.

        Pins inside are met path by path, and one on a path inside another's is folded
        into it, so that a contradiction at any depth (``B`` absent, ``B/C`` sent) is None.
        """
        if self.sent != other.sent:
            return None
        if not self.sent:
            return self
        inside = _merged((*self.inside, *other.inside))
        if inside is None:
            return None
        equals = self.equals or other.equals
        if equals:
            if self.admits(equals[0]) and other.admits(equals[0]):
                return Pin(True, equals, (), inside)
            return None
        excludes = self.excludes + tuple(v for v in other.excludes if not self._excluded(v))
        return Pin(True, (), excludes, inside)


#: The field is sent, with any value its own rules allow.
SENT = Pin(True)
#: The field is not sent.
ABSENT = Pin(False)


def equal_to(value: object) -> Pin:
    """The field is sent with *value* (of the same JSON type)."""
    return Pin(True, (value,))


def other_than(*values: object) -> Pin:
    """The field is sent, with none of *values*."""
    return Pin(True, (), values)


#: Field names and what is asked of each; a field not named is free.
Alternative = Mapping[str, Pin]
#: Alternatives of which a valid object meets at least one.
Choice = tuple[Alternative, ...]

#: The choices of a rule across fields, by rule class: ``rule -> (choice, ...)``.
RULE_CHOICES: ByKind[Callable[[Any], tuple[Choice, ...]]] = ByKind("valid-document choices")
#: The choices of a condition of ``when``, by class: ``condition -> (holds, fails)``, the
#: alternatives in which it holds and those in which it does not.
CONDITION_CHOICES: ByKind[Callable[[Any], tuple[Choice, Choice]]] = ByKind(
    "valid-document choices of conditions"
)


def choices_of(rule: Rule) -> tuple[Choice, ...]:
    """The choices of *rule*, from the hook registered for its kind.

    Raises:
        LookupError: no hook is registered for the rule's kind.
    """
    hook = RULE_CHOICES.get(rule)
    if hook is None:
        raise LookupError(
            f"mdesrules.testing cannot tell which documents meet the rule {rule!r} of kind "
            f"{type(rule).__qualname__}: register its choices with "
            "@mdesrules.testing.RULE_CHOICES.register(kind)"
        )
    return hook(rule)


def condition_choices(condition: Condition) -> tuple[Choice, Choice]:
    """The alternatives in which *condition* holds, and those in which it fails.

    Raises:
        LookupError: no hook is registered for the condition's kind.
    """
    hook = CONDITION_CHOICES.get(condition)
    if hook is None:
        raise LookupError(
            f"mdesrules.testing cannot tell which documents meet the condition {condition!r} "
            f"of kind {type(condition).__qualname__}: register its choices with "
            "@mdesrules.testing.CONDITION_CHOICES.register(kind)"
        )
    return hook(condition)


def _meet(a: Alternative, b: Alternative) -> Alternative | None:
    both = dict(a)
    for name, pin in b.items():
        if name in both:
            met = both[name].meet(pin)
            if met is None:
                return None
            both[name] = met
        else:
            both[name] = pin
    return both


def both(a: Choice, b: Choice) -> Choice:
    """The alternatives that meet *a* and *b*: every consistent pair, met."""
    out: list[Alternative] = []
    for x, y in product(a, b):
        met = _meet(x, y)
        if met is not None and met not in out:
            out.append(met)
    return tuple(out)


def every(choices: Iterable[Choice]) -> Choice:
    """One choice that meets all *choices* (none: the one alternative that asks nothing)."""
    merged: Choice = ({},)
    for choice in choices:
        merged = both(merged, choice)
    return merged


def nested(alternative: Alternative) -> Choice:
    """The alternatives that meet *alternative*, whose names may be paths (``"A/B/C"``),
    naming only the fields of the object itself: a pin on a path is a pin inside the field
    that holds it. A nested field is sent only inside a sent object; it is absent when the
    object is not sent (one alternative) or is sent without it (another).
    """
    out: Choice = ({},)
    for name, pin in alternative.items():
        head, _, below = name.partition("/")
        ways: Choice
        if not below:
            ways = ({head: pin},)
        elif pin.sent:
            ways = ({head: Pin(True, inside=((below, pin),))},)
        else:
            ways = ({head: ABSENT}, {head: Pin(True, inside=((below, pin),))})
        out = both(out, ways)
    return out


def names_of(choice: Choice) -> frozenset[str]:
    """Every field the alternatives of *choice* name."""
    return frozenset(name for alternative in choice for name in alternative)


def groups(choices: Iterable[Choice]) -> tuple[Choice, ...]:
    """The *choices* merged into independent groups: choices that name a field in common
    are met together, and groups name no field in common.

    Raises:
        ValueError: the choices of a group allow no object at all.
    """
    merged: list[tuple[frozenset[str], Choice]] = []
    for choice in choices:
        names = names_of(choice)
        for group in [g for g in merged if g[0] & names]:
            merged.remove(group)
            names |= group[0]
            choice = both(group[1], choice)
        if not choice:
            shown = ", ".join(sorted(names))
            raise ValueError(f"the rules across the fields {shown} allow no object")
        merged.append((names, choice))
    return tuple(choice for names, choice in merged if names)


# The rules of mdesrules.combinators -------------------------------------------------------


@RULE_CHOICES.register(ExactlyOneOf)
def _exactly_one_of(rule: ExactlyOneOf) -> tuple[Choice, ...]:
    choice = []
    for i, alt in enumerate(rule.alternatives):
        others = [n for j, a in enumerate(rule.alternatives) if j != i for n in a]
        if not set(others) & set(alt):  # an alternative that shares a field touches another
            choice.append({n: SENT if n in alt else ABSENT for n in (*alt, *others)})
    return (tuple(choice),)


@RULE_CHOICES.register(AtLeastOneOf)
def _at_least_one_of(rule: AtLeastOneOf) -> tuple[Choice, ...]:
    return (tuple({n: SENT} for n in rule.names),)


@RULE_CHOICES.register(AtMostOneOf)
def _at_most_one_of(rule: AtMostOneOf) -> tuple[Choice, ...]:
    return (tuple({n: ABSENT for n in rule.names if n != free} for free in rule.names),)


@RULE_CHOICES.register(Forbids)
def _forbids(rule: Forbids) -> tuple[Choice, ...]:
    return (({rule.name: ABSENT}, {n: ABSENT for n in rule.others}),)


@RULE_CHOICES.register(Requires)
def _requires(rule: Requires) -> tuple[Choice, ...]:
    return (({rule.name: ABSENT}, {n: SENT for n in rule.others}),)


@RULE_CHOICES.register(Expects)
def _expects(rule: Expects) -> tuple[Choice, ...]:
    return (({n: SENT for n in rule.names},),)


@RULE_CHOICES.register(OnlyWhen)
def _only_when(rule: OnlyWhen) -> tuple[Choice, ...]:
    return (({rule.name: ABSENT}, {rule.field: ABSENT}, {rule.field: other_than(*rule.others)}),)


@RULE_CHOICES.register(AllOf)
def _all_of(rule: AllOf) -> tuple[Choice, ...]:
    return tuple(choice for inner in rule.rules for choice in choices_of(inner))


@RULE_CHOICES.register(Reaching)
def _reaching(rule: Reaching) -> tuple[Choice, ...]:
    out = []
    for choice in choices_of(rule.rule):
        tops: list[Alternative] = []
        for alt in choice:
            tops.extend(top for top in nested(alt) if top not in tops)
        out.append(tuple(tops))
    return tuple(out)


@RULE_CHOICES.register(When)
def _when(rule: When) -> tuple[Choice, ...]:
    holds, fails = condition_choices(rule.condition)
    inner = every(choice for r in rule.rules for choice in choices_of(r))
    return ((*fails, *both(holds, inner)),)


@CONDITION_CHOICES.register(Present)
def _present(condition: Present) -> tuple[Choice, Choice]:
    return ({condition.name: SENT},), ({condition.name: ABSENT},)


@CONDITION_CHOICES.register(Absent)
def _absent(condition: Absent) -> tuple[Choice, Choice]:
    return ({condition.name: ABSENT},), ({condition.name: SENT},)


@CONDITION_CHOICES.register(Equals)
def _equals(condition: Equals) -> tuple[Choice, Choice]:
    name, value = condition.name, condition.value
    return ({name: equal_to(value)},), ({name: ABSENT}, {name: other_than(value)})
