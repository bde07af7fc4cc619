"""The base of every model: a repr that never shows a full PAN."""

from __future__ import annotations

import attrs

from ..masking import scrub


def _shown(value: object) -> str:
    if isinstance(value, str):
        return repr(scrub(value))
    if isinstance(value, tuple):
        inner = ", ".join(_shown(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    return repr(value)


class MaskedRepr:
    """Gives attrs models (declared with ``repr=False``) a repr that masks PAN-like digits.

    Models are printed in logs and tracebacks; a PAN typed into the wrong field (a comment,
    a TUR) must not appear there either, so every string member is masked, not only the PAN
    members.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        members = ", ".join(
            f"{a.name}={_shown(getattr(self, a.name))}"
            for a in attrs.fields(type(self))  # type: ignore[arg-type]
        )
        return f"{type(self).__name__}({members})"
