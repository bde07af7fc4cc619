"""Shared strategies of the fuzz and compiler tests: any JSON value, documents shaped like
requests, mutations of valid documents, and contexts that know a document's own tokens."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, Literal

from hypothesis import strategies as st

from mdesrules import REGISTRY, AccountRange, AccountRanges, Context, Inventory
from mdesrules.testing import inventory_records, token_states

# --- values ---------------------------------------------------------------------------------

# Integers past the int-to-str digit limit (4300 digits) are in NASTIES only: hypothesis
# cannot print them in a failure report.
HUGE_INTS = (2**63, -(2**64), 10**400, -(10**4000))
text = st.text(st.characters(codec="utf-8"), max_size=30)  # control characters included
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from(HUGE_INTS),
    st.floats(allow_nan=True, allow_infinity=True),
    text,
    st.text(st.characters(max_codepoint=0x1F), max_size=5),
    st.text("0123456789", min_size=8, max_size=20),
)


def _names() -> list[str]:
    """Every wire name of every request, in every form, and every wrapper."""
    names: set[str] = set(REGISTRY.wrappers())
    for op in REGISTRY:
        forms: tuple[Literal["json", "xml"], ...] = ("json", "xml") if op.xml_root else ("json",)
        for form in forms:
            stack = [op.form(form).spec]
            while stack:
                spec = stack.pop()
                for f in spec.fields:
                    names.add(f.name)
                    if f.child is not None:
                        stack.append(f.child)
    return sorted(names)


NAMES = _names()
keys = st.one_of(st.sampled_from(NAMES), text)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(keys, children, max_size=5)
    ),
    max_leaves=25,
)


# --- mutations of valid documents -----------------------------------------------------------


def _locations(node: object, depth: int = 0) -> Iterator[tuple[Any, Any]]:
    """Every (container, key or index) in *node*, the containers themselves included."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield node, key
            yield from _locations(value, depth + 1)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield node, i
            yield from _locations(value, depth + 1)


MUTATIONS = ("replace", "delete", "wrap_list", "wrap_object", "rename", "add", "stringify")


@st.composite
def mutated(draw: st.DrawFn, document: dict[str, Any]) -> dict[str, Any]:
    """*document* after one to three random edits (replace, delete, rename, add, ...)."""
    for _ in range(draw(st.integers(1, 3))):
        locations = list(_locations(document))
        if not locations:
            break
        parent, key = draw(st.sampled_from(locations))
        action = draw(st.sampled_from(MUTATIONS))
        if action == "replace":
            parent[key] = draw(json_values)
        elif action == "delete":
            del parent[key]
        elif action == "wrap_list":
            parent[key] = [parent[key]]
        elif action == "wrap_object":
            parent[key] = {draw(keys): parent[key]}
        elif action == "stringify":
            parent[key] = json.dumps(parent[key])
        elif isinstance(parent, dict) and action == "rename":
            parent[draw(keys)] = parent.pop(key)
        elif isinstance(parent, dict):
            parent[draw(keys)] = draw(json_values)
    return document


def _strings(node: object) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


@st.composite
def context_for(draw: st.DrawFn, document: object) -> Context:
    """A context whose inventory holds the document's own TURs and PANs, in any state, so
    that the token-state rules find their tokens and run every lifecycle check."""
    strings = [s for s in _strings(document) if 1 <= len(s) <= 64]
    pans = [s for s in strings if s.isascii() and s.isdigit() and 9 <= len(s) <= 19]
    inventory = Inventory()
    for drawn in draw(inventory_records(max_size=3)):
        inventory.add(drawn)
    for tur in strings:
        if tur in inventory:
            continue
        state = draw(token_states())
        record: dict[str, object] = {
            "tokenUniqueReference": tur,
            "accountPan": draw(st.sampled_from(pans)) if pans else "5412345678901232",
            "status": state.status.value,
            "suspenders": sorted(state.suspenders) or None,
            "tokenAssuranceLevel": draw(st.none() | st.just("1")),
        }
        inventory.add(record)
    bounds = sorted({p[:n] for p in pans for n in (1, 4, 6, len(p))})
    pairs = (
        draw(st.lists(st.tuples(st.sampled_from(bounds), st.sampled_from(bounds)), max_size=4))
        if bounds
        else []
    )
    ranges = AccountRanges(
        AccountRange(low, high) for low, high in pairs if len(low) == len(high) and low <= high
    )
    party = draw(st.sampled_from(["I", "W", "C", "P", "M"]))
    return Context(draw(st.none() | st.just(inventory)), draw(st.none() | st.just(ranges)), party)
