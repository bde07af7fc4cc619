"""The choices a valid object makes to meet its rules across fields.

A rule across fields allows some combinations of the fields it names and forbids the
others: ``exactly_one_of("A", ("B", "C"))`` allows A alone, or B with C, never both, never
none. Here each kind of rule states that as data, so that :mod:`mdesrules.testing` draws
valid documents from an operation's rule objects rather than from a second copy of them:

- a :class:`Pin` says what is asked of one field: sent, absent, sent with a given value,
  or sent with a value other than some;
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
    "Pin",
    "both",
    "choices_of",
    "condition_choices",
    "equal_to",
    "every",
    "groups",
    "names_of",
    "other_than",
]


def _same(value: object, expected: object) -> bool:
    """Equal and of the same type, as the combinators compare values: ``1`` is not ``True``."""
    return type(value) is type(expected) and value == expected


def _typed(values: tuple[object, ...]) -> tuple[tuple[type, object], ...]:
    """*values* as pins compare them: ``equal_to(1)`` is not ``equal_to(True)``."""
    return tuple((type(v), v) for v in values)


@frozen
class Pin:
    """What an alternative asks of one field.

    Attributes:
        sent: whether the field is sent.
        equals: the one value it is sent with, as a tuple of one; ``()`` for any value.
        excludes: values it must not be sent with.
    """

    sent: bool
    equals: tuple[object, ...] = field(default=(), eq=_typed)
    excludes: tuple[object, ...] = field(default=(), eq=_typed)

    def admits(self, value: object) -> bool:
        """Whether the field may be sent with *value*."""
        if self.equals and not _same(value, self.equals[0]):
            return False
        return not any(_same(value, other) for other in self.excludes)

    def meet(self, other: Pin) -> Pin | None:
        """The pin that asks what both ask, or None when no field meets both."""
        if self.sent != other.sent:
            return None
        if not self.sent:
            return self
        equals = self.equals or other.equals
        if equals:
            return Pin(True, equals) if self.admits(equals[0]) and other.admits(equals[0]) else None
        excludes = self.excludes + tuple(v for v in other.excludes if self.admits(v))
        return Pin(True, (), excludes)


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
    # Pins apply to top-level fields only. An alternative that needs a nested field absent
    # is met by leaving out the top-level object that holds it (a stronger demand); one that
    # needs a nested field sent cannot be pinned here and is dropped. So every document drawn
    # meets the rule, though not every way of meeting it is drawn.
    narrowed = []
    for choice in choices_of(rule.rule):
        kept = []
        for alt in choice:
            top: dict[str, Pin] = {}
            for name, pin in alt.items():
                head = name.split("/")[0]
                if "/" in name:
                    if pin.sent:
                        break
                    pin = ABSENT
                if head in top and top[head] != pin:
                    break
                top[head] = pin
            else:
                kept.append(top)
        if not kept:
            raise ValueError(f"no top-level fields can be pinned to meet {rule!r}")
        narrowed.append(tuple(kept))
    return tuple(narrowed)


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
