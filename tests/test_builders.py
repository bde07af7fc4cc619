"""The generated builders make the model cattrs makes, from any document that passed its check.

:func:`mdesrules.converters.builder` reads a checked document once and trusts the check for
every type; :func:`mdesrules.converters.structure` (cattrs) checks each member again. A
server, ``parse`` and the codecs use the builder, so the two must agree on every valid
document of every operation, in JSON and, for the legacy update, DataContract XML form.
"""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slow_params import slow_except

import mdesrules
from mdesrules.apis import SURFACES
from mdesrules.checking import structure_checked
from mdesrules.converters import builder, maker, structure
from mdesrules.schema import identity
from mdesrules.testing import valid_documents
from mdesrules.transport import Request

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
REGISTRIES = {key: SURFACES[key] for key in ("default", "mdes-cs-api-2.1.7", "mdes-cs-api-2.2.2")}
REQUESTS = [(op.name, key) for key, registry in REGISTRIES.items() for op in registry]


def _inner(op: Any, document: dict[str, Any], form: str) -> dict[str, Any]:
    envelope = op.form(form).envelope
    inner: dict[str, Any] = document[envelope] if envelope is not None else document
    return inner


@pytest.mark.parametrize(("operation", "key"), slow_except(REQUESTS))
@SETTINGS
@given(data=st.data())
def test_the_builder_makes_the_model_cattrs_makes(
    operation: str, key: str, data: st.DataObject
) -> None:
    registry = REGISTRIES[key]
    op = registry.get(operation)
    document = data.draw(valid_documents(operation, registry=registry), label="document")
    assert mdesrules.check(operation, document, registry=registry).ok
    inner = _inner(op, document, "json")
    built = builder(op.request, op.naming)(inner)
    structured = structure(inner, op.request, op.naming)
    assert built == structured
    assert hash(built) == hash(structured)
    assert repr(built) == repr(structured)
    assert type(built) is op.request
    assert mdesrules.parse(operation, document, registry=registry) == built


@SETTINGS
@given(document=valid_documents("legacy_update", form="xml"))
def test_the_builder_reads_the_xml_form_as_cattrs_does(document: dict[str, Any]) -> None:
    op = mdesrules.REGISTRY.get("legacy_update")
    inner = _inner(op, document, "xml")
    assert builder(op.request, identity)(inner) == structure(inner, op.request, identity)


TOLERANT = [op.name for op in mdesrules.REGISTRY if op.unknown_severity == "warning"]


@pytest.mark.parametrize("operation", TOLERANT)
@SETTINGS
@given(data=st.data())
def test_members_an_operation_tolerates_are_left_out_of_the_model(
    operation: str, data: st.DataObject
) -> None:
    op = mdesrules.REGISTRY.get(operation)
    document = data.draw(valid_documents(operation), label="document")
    inner = _inner(op, document, "json")
    extra = data.draw(st.text(min_size=1, max_size=12).filter(lambda k: k not in inner))
    with_extra = {**inner, extra: {"Nested": ["anything"]}}
    sent = {op.wrapper: with_extra} if op.wrapper is not None else with_extra
    report = mdesrules.check(operation, sent)
    assert report.ok
    assert "unknown_field" in report.codes
    assert structure_checked(op, sent) == structure(inner, op.request, op.naming)


def test_a_maker_makes_what_the_class_makes() -> None:
    made = maker(Request)("token_suspend", "body", mdesrules.REGISTRY)
    assert made == Request("token_suspend", "body", mdesrules.REGISTRY)
    assert made.encryption is None
    assert made.registry is mdesrules.REGISTRY
    assert repr(made) == repr(Request("token_suspend", "body"))


@attrs.frozen
class _Checked:
    """Not made by its slots alone: a validator runs in __init__."""

    name: str = attrs.field(validator=attrs.validators.min_len(1))
    count: int | None = None
    flags: dict[str, bool] | None = None  # a type builders do not know: cattrs reads it


@attrs.define(slots=False)
class _Plain:
    """No slots: made by calling the class."""

    inner: _Checked
    items: tuple[_Checked, ...] = ()
    label: str = "x"


def test_a_class_that_is_not_made_by_its_slots_is_called() -> None:
    document = {"Inner": {"Name": "a", "Count": 2, "Flags": {"f": True}}, "Items": [{"Name": "b"}]}
    built = builder(_Plain, _as_is)(document)
    assert built == _Plain(_Checked("a", 2, {"f": True}), (_Checked("b"),))
    assert built == structure(document, _Plain, _as_is)
    with pytest.raises(ValueError, match="Length of 'name'"):
        builder(_Plain, _as_is)({"Inner": {"Name": ""}})  # the validator ran


def _as_is(name: str) -> str:
    return name


@pytest.mark.parametrize(
    ("document", "code"),
    [
        ([], "wrong_type"),
        ({"TokenUpdateRequest": "x"}, "wrong_type"),
        ({"TokenUpdateRequest": {"AuditInfo": "bob"}}, "wrong_type"),
        ({"TokenUpdateRequest": {"AuditInfo": ["a"]}}, "wrong_type"),
        ({"X": {}}, "missing_required"),
    ],
)
def test_a_document_that_was_not_checked_is_refused_with_its_report(
    document: object, code: str
) -> None:
    """structure_checked trusts the check; handed an unchecked document it cannot build, it
    answers as parse does, with the report, never an error from inside the builder."""
    op = mdesrules.REGISTRY.get("token_update")
    with pytest.raises(mdesrules.InvalidRequest) as raised:
        structure_checked(op, document)
    assert code in raised.value.report.codes
