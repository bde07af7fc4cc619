"""Strategies of the ``pan_in_text`` tests: card numbers written as people write them, the
numbers that only look like them, and where a string of a valid document can take either.

Every operation of every API surface is covered through the surfaces' registries (the
default one holds 2.0.7, the legacy update, the notifications and TMS; 2.1.7 and 2.2.2 are
registries of their own).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any, Literal

from hypothesis import strategies as st

from mdesrules.apis import (
    CYBERSOURCE_TMS,
    LEGACY_UPDATE,
    MDES_CS_API_2_0_7,
    MDES_CS_API_2_1_7,
    MDES_CS_API_2_2_2,
    NOTIFICATIONS,
)
from mdesrules.registry import Registry
from mdesrules.schema import FieldSpec, ObjectSpec
from mdesrules.testing import luhn_check_digit

FormName = Literal["json", "xml"]

SURFACES: tuple[Registry, ...] = (
    MDES_CS_API_2_0_7,
    MDES_CS_API_2_1_7,
    MDES_CS_API_2_2_2,
    LEGACY_UPDATE,
    NOTIFICATIONS,
    CYBERSOURCE_TMS,
)

#: (operation, registry key, form) of every wire form of every operation of every surface.
CASES: list[tuple[str, str, FormName]] = [
    (op.name, registry.key, form)
    for registry in SURFACES
    for op in registry
    if op.form("json").spec.fields  # a GET without a body (system_status) has no string
    for form in (("json", "xml") if op.xml_root is not None else ("json",))
]


def case_id(case: tuple[str, str, FormName]) -> str:
    operation, key, form = case
    return f"{key}-{operation}-{form}"


BY_KEY = {registry.key: registry for registry in SURFACES}

DIGITS = "0123456789"
HEX = "0123456789abcdef"


# --- numbers ---------------------------------------------------------------------------------


def _number(size: int, *, valid: bool) -> st.SearchStrategy[str]:
    """Numbers of *size* digits, the first 1 to 9, whose Luhn check digit is right or wrong."""

    def complete(body: str) -> str:
        right = luhn_check_digit(body)
        if valid:
            return body + right
        return body + str((int(right) + 1) % 10)

    first = st.sampled_from("123456789")
    rest = st.text(DIGITS, min_size=size - 2, max_size=size - 2)
    return st.tuples(first, rest).map(lambda t: complete(t[0] + t[1]))


def numbers(lo: int, hi: int, *, valid: bool = True) -> st.SearchStrategy[str]:
    """Numbers of *lo* to *hi* digits with a right (or a wrong) Luhn check digit."""
    return st.integers(lo, hi).flatmap(lambda n: _number(n, valid=valid))


#: Card numbers: 13 to 19 digits with a valid Luhn check digit.
pans = numbers(13, 19)


@st.composite
def grouped(draw: st.DrawFn, digits: str) -> str:
    """*digits* in groups of 1 to 6 joined by one space or one dash each (at least one)."""
    groups: list[str] = []
    rest = digits
    while rest:
        size = draw(st.integers(1, 6))
        groups.append(rest[:size])
        rest = rest[size:]
    if len(groups) == 1:
        groups = [digits[:4], digits[4:]]
    out = groups[0]
    for group in groups[1:]:
        out += draw(st.sampled_from(" -")) + group
    return out


def written(number: str) -> st.SearchStrategy[str]:
    """*number* as a whole value: in one run, or in groups (``5123 4567 8901 2346``)."""
    return st.one_of(st.just(number), grouped(number), st.just(_fours(number, " ")))


def _fours(number: str, separator: str) -> str:
    return separator.join(number[i : i + 4] for i in range(0, len(number), 4))


#: Words of text around a number: letters only, so they never join a run of digits.
words = st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZéß", min_size=1, max_size=8)
#: What may stand between a word and a number: the number stands as a word of the text.
_BEFORE = st.sampled_from([" ", ": ", " #", " (", ", ", "\n", " '", "_", "/"])
_AFTER = st.sampled_from([" ", ".", ", ", ")", "!", "\n", "' ", "_", "/", ";"])


@st.composite
def in_text(draw: st.DrawFn, value: str) -> str:
    """*value* inside text: alone, after some words, before some, or both."""
    before = draw(st.one_of(st.just(""), st.tuples(words, _BEFORE).map("".join)))
    after = draw(st.one_of(st.just(""), st.tuples(_AFTER, words).map("".join)))
    return before + value + after


# --- what is not a card number -----------------------------------------------------------------


def _date_parts() -> st.SearchStrategy[tuple[int, int, int]]:
    return st.tuples(st.integers(1900, 2099), st.integers(1, 12), st.integers(1, 28))


dates = st.one_of(
    _date_parts().map(lambda d: f"{d[0]:04d}-{d[1]:02d}-{d[2]:02d}"),
    _date_parts().map(lambda d: f"{d[2]:02d}/{d[1]:02d}/{d[0]:04d}"),
    _date_parts().map(lambda d: f"{d[2]:02d}.{d[1]:02d}.{d[0]:04d}"),
    _date_parts().map(lambda d: f"{d[0]:04d}{d[1]:02d}{d[2]:02d}"),
    st.tuples(_date_parts(), st.integers(0, 23), st.integers(0, 59), st.integers(0, 59)).map(
        lambda t: f"{t[0][0]:04d}-{t[0][1]:02d}-{t[0][2]:02d}T{t[1]:02d}:{t[2]:02d}:{t[3]:02d}Z"
    ),
    st.tuples(_date_parts(), st.integers(0, 23), st.integers(0, 59)).map(
        lambda t: f"{t[0][0]:04d}-{t[0][1]:02d}-{t[0][2]:02d} {t[1]:02d}:{t[2]:02d}"
    ),
    st.tuples(st.integers(1, 12), st.integers(0, 99)).map(lambda t: f"{t[0]:02d}/{t[1]:02d}"),
)


@st.composite
def _international(draw: st.DrawFn) -> str:
    """An E.164 number as written: ``+``, a country code, at most 15 digits in all."""
    code = str(draw(st.integers(1, 999)))
    national = draw(st.text(DIGITS, min_size=6, max_size=15 - len(code)))
    return f"+{code} " + draw(st.one_of(st.just(national), grouped(national)))


phone_numbers = st.one_of(
    _international(),
    st.tuples(*(st.text(DIGITS, min_size=n, max_size=n) for n in (3, 3, 4))).map(
        lambda t: f"({t[0]}) {t[1]}-{t[2]}"
    ),
    st.tuples(*(st.text(DIGITS, min_size=n, max_size=n) for n in (3, 4, 4))).map(
        lambda t: f"0{t[0]} {t[1]} {t[2]}"
    ),
    st.tuples(*(st.text(DIGITS, min_size=n, max_size=n) for n in (3, 3, 4))).map(
        lambda t: f"1-{t[0]}-{t[1]}-{t[2]}"
    ),
)

amounts = st.one_of(
    st.tuples(st.integers(1, 10**16), st.integers(0, 99)).map(lambda t: f"{t[0]}.{t[1]:02d}"),
    st.tuples(st.integers(1, 10**16), st.integers(0, 99)).map(lambda t: f"{t[0]:,}.{t[1]:02d}"),
    st.tuples(st.integers(1, 10**16), st.integers(0, 99)).map(
        lambda t: f"{t[0]:,}".replace(",", " ") + f",{t[1]:02d}"
    ),
    st.tuples(st.integers(1, 10**16), st.integers(0, 99)).map(lambda t: f"EUR {t[0]}.{t[1]:02d}"),
)

#: Token unique references in their documented form: a six-character prefix (``DWSPMC``
#: for a wallet token, ``DAPLMC`` Apple Pay, ``DM4MMC``, ...) and 42 hexadecimal digits,
#: which may hold long runs of digits.
token_references = st.tuples(
    st.sampled_from(["DWSPMC", "DAPLMC", "DM4MMC", "DSHRMC", "FWSPMC"]),
    st.one_of(
        st.text(HEX, min_size=42, max_size=42),
        st.tuples(
            st.text(DIGITS, min_size=19, max_size=42), st.text(HEX, min_size=42, max_size=42)
        ).map(lambda t: (t[0] + t[1])[:42]),
    ),
).map("".join)

#: Numbers near a card number that are not one.
near_misses = st.one_of(
    numbers(13, 19, valid=False),
    numbers(12, 12),
    numbers(20, 20),
    numbers(12, 12).flatmap(written),
    numbers(20, 22).flatmap(written),
    # No card number starts with 0 (the major industry identifier is 1 to 9): zero-padded
    # ids are not card numbers, whatever their check digit.
    pans.map(lambda pan: "0" + pan[1:]),
)


#: Strings with digits in them that are not card numbers.
not_pans = st.one_of(near_misses, dates, phone_numbers, amounts, token_references)


# --- where the strings of a document are -----------------------------------------------------


Path = tuple[str | int, ...]


def string_fields(
    spec: ObjectSpec, document: Any, path: Path = ()
) -> Iterator[tuple[Path, FieldSpec]]:
    """(path, field) of every string value of *document*, an object of *spec*, list items
    included, in document order."""
    for f in spec.fields:
        if not isinstance(document, dict) or f.name not in document:
            continue
        value = document[f.name]
        here = (*path, f.name)
        if f.kind == "object" and f.child is not None:
            yield from string_fields(f.child, value, here)
        elif f.kind == "array" and isinstance(value, list):
            for i, item in enumerate(value):
                if f.child is not None:
                    yield from string_fields(f.child, item, (*here, i))
                else:
                    yield (*here, i), f
        elif f.kind == "str":
            yield here, f


def object_paths(
    spec: ObjectSpec, document: Any, path: Path = ()
) -> Iterator[tuple[Path, ObjectSpec]]:
    """(path, spec) of *document* and every object in it."""
    if not isinstance(document, dict):
        return
    yield path, spec
    for f in spec.fields:
        if f.child is None or f.name not in document:
            continue
        value = document[f.name]
        if f.kind == "object":
            yield from object_paths(f.child, value, (*path, f.name))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                yield from object_paths(f.child, item, (*path, f.name, i))


def placed(document: Any, path: Path, value: object) -> Any:
    """A copy of *document* with *value* at *path*."""
    copied = copy.deepcopy(document)
    here = copied
    for part in path[:-1]:
        here = here[part]
    here[path[-1]] = value
    return copied


def pointer_of(base: str, path: Path) -> str:
    from mdesrules.violations import pointer

    return base + pointer(*(str(p) for p in path))


#: A card number as people write it, alone or inside text.
pans_as_written = pans.flatmap(written).flatmap(lambda w: st.one_of(st.just(w), in_text(w)))


@st.composite
def with_card_numbers(draw: st.DrawFn, spec: ObjectSpec, document: Any) -> Any:
    """*document* (an object of *spec*) with card numbers, and strings that only look like
    them, in some of its strings (PAN fields included), and some as the names of members."""
    document = copy.deepcopy(document)
    for path, _ in list(string_fields(spec, document)):
        if draw(st.booleans()):
            value = draw(st.one_of(pans_as_written, not_pans), label=f"at {path}")
            document = placed(document, path, value)
    objects = [path for path, _ in object_paths(spec, document)]
    for path in draw(st.lists(st.sampled_from(objects), max_size=2)) if objects else []:
        name = draw(st.one_of(pans_as_written, not_pans), label=f"name in {path}")
        document = placed(document, (*path, name), draw(st.sampled_from(["x", name, {}])))
    return document
