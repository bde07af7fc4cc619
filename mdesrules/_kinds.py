"""Hooks by rule class: what one part of the library does with each kind of rule.

A rule's meaning is its own code (``check``, or ``__call__`` for a field rule). Other parts
of the library handle rules too: the compiler writes a fast test of each rule into a
compiled check, :mod:`mdesrules.testing` draws documents that pass it. Each keeps, for every
rule class it knows, a hook registered beside its generic fallback (a rule of an unknown
kind is called as it is in compiled code; :mod:`mdesrules.testing` says it cannot draw for
it). So a new rule kind is added by registering its hooks, like cattrs' structure hooks,
without editing a switch.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["ByKind"]

H = TypeVar("H")


class ByKind(Generic[H]):
    """Hooks looked up by the exact class of a rule.

    Exactly the class, not a base class: a subclass may change what its rule means (override
    ``check`` or ``__call__``), and a hook written for the base would then disagree with the
    rule. A subclass is a kind of its own until it registers.

    Args:
        what: what the hooks give, for messages (``"compiled test"``).
    """

    def __init__(self, what: str) -> None:
        self.what = what
        self._hooks: dict[type, H] = {}

    def register(self, kind: type) -> Callable[[H], H]:
        """A decorator that makes its function the hook of the rules of class *kind*,
        replacing any hook registered for it before."""

        def add(hook: H) -> H:
            self._hooks[kind] = hook
            return hook

        return add

    def get(self, rule: object) -> H | None:
        """The hook of *rule*'s class, or None when its kind has none."""
        return self._hooks.get(type(rule))

    def kinds(self) -> tuple[type, ...]:
        """Every class with a hook, in registration order."""
        return tuple(self._hooks)

    def __repr__(self) -> str:
        names = ", ".join(kind.__qualname__ for kind in self._hooks)
        return f"<{self.what} of {names}>"
