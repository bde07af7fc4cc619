"""The libraries a user would otherwise pick, each enforcing ``token_update``'s rules.

One module per peer, each written in that library's most favourable idiomatic form, and each
exposing ``build() -> Peer``. The rules are those of ``docs/rules.md`` for ``token_update``
(field types, lengths and forms, unknown fields, the wrapper, and the three rules across
fields); the benchmark (``benchmarks/run.py``) times them next to ``mdesrules.check`` and
checks, in the same run, that every problem a peer reports is also in our report.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

__all__ = ["UPDATE_PAYLOAD", "Doc", "Peer", "Problem", "luhn_ok", "pointer"]

#: A decoded JSON document, as ``json.loads`` returns it.
Doc = Any

#: What a token update can change: at least one must be sent (``nothing_to_update``).
UPDATE_PAYLOAD = (
    "NewAccountPan",
    "ExpirationDate",
    "AccountPanSequenceNumber",
    "IssuerProductConfigurationId",
)


class Problem(NamedTuple):
    """One problem a peer reports, translated to our vocabulary for the coverage check.

    ``pointer`` is where the peer says it is (a JSON pointer), ``kind`` the peer's own name for
    it (a JSON Schema keyword, a pydantic error type), ``codes`` our violation codes that say
    the same thing, and ``fields`` the pointers of the fields a rule across fields involves
    (our report may name any of them rather than the object).
    """

    pointer: str
    kind: str
    codes: frozenset[str]
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class Peer:
    """A peer as the benchmark drives it.

    ``prepare`` turns a document into what the library takes (untimed: bytes and a request
    object for openapi-core, the document itself for the others); ``validate`` is the timed
    call and returns the library's own result (a model, an exception, a list of errors);
    ``problems`` translates that result (untimed). ``note`` says what the library cannot do or
    does differently.
    """

    name: str
    validate: Callable[[Any], object]
    problems: Callable[[object], list[Problem]]
    prepare: Callable[[Doc], object] = field(default=lambda doc: doc)
    note: str = ""


def pointer(parts: Iterable[object]) -> str:
    """The JSON pointer of a path given as a sequence of keys (``~`` and ``/`` escaped)."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)


def luhn_ok(value: object) -> bool:
    """Whether *value* is ASCII digits ending in their Luhn check digit.

    Shaped as a JSON Schema format checker: anything but a string passes (formats apply to
    strings only; the ``type`` keyword reports the rest).
    """
    if not isinstance(value, str):
        return True
    if not (value.isascii() and value.isdigit()):
        return False
    total = sum(map(int, value[-1::-2])) + sum(_DOUBLED[int(c)] for c in value[-2::-2])
    return total % 10 == 0
