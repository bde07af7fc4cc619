"""No output of any kind shows a full PAN that was in the input (DESIGN.md section 6).

The property, for every PAN hypothesis draws (Luhn-valid, 9 to 19 digits, or card-number-like
digit strings of 12 to 19 digits with a wrong check digit): wherever the PAN goes in (a PAN
field, any other field, a field name, an unknown field, the token inventory, the account
ranges, an operation name, an input file), what comes out (reports, reprs, exception
messages, CLI output) never holds

- the full PAN, nor
- any seven consecutive digits of it (the mask shows at most the first six and last four),

and where it shows the PAN masked, the mask is ``mask_pan(pan)`` or a cut of it, never a
PAN cut first and masked after (which shows middle digits in place of the last four).

The same for the registries of CS API 2.1.7 and 2.2.2, in the plaintext and the encrypted
form of ``EncryptedAccountInformation``, for every model of every registry, and for the
answers the codec reads.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from slow_params import FAST_PAN_PLACEMENTS, slow_except
from strategies_pan import (
    AUDIT,
    FIXTURE_NEW_PAN,
    FIXTURE_PAN,
    LATER_KEYS,
    LATER_VALID,
    LEGACY_AUDIT,
    OPERATIONS,
    TUR,
    TUR48,
    VALID,
    VALID_XML,
    as_numbers,
    assert_no_exposure,
    assert_standard_masks,
    field_kind,
    field_paths,
    inner_of,
    luhn_pans,
    pans,
    placed,
)
from test_notify_crypto import make_certificate, make_key

import mdesrules
from mdesrules import (
    AccountRange,
    AccountRangeError,
    AccountRanges,
    Context,
    InvalidRequest,
    Inventory,
    InventoryError,
    LifecycleError,
    Status,
    TokenRecord,
    UnknownOperation,
    lifecycle,
    masking,
)
from mdesrules._xml import DATACONTRACT_NS, XmlRejected, from_document, parse_xml, to_document
from mdesrules.account_encryption import (
    decrypt_account_information,
    decrypt_and_report,
    encrypt_account_information,
)
from mdesrules.apis import SURFACES
from mdesrules.codecs import json as json_codec
from mdesrules.converters import unstructure
from mdesrules.encryption import NotificationRejected, key_ring
from mdesrules.exceptions import DecodeError
from mdesrules.masking import mask_pan, scrub
from mdesrules.schema import ObjectSpec, object_spec

# Each example runs hundreds of checks; a deadline would only measure the machine.
SETTINGS = settings(max_examples=25, deadline=None)

# --- where a PAN can go in a request --------------------------------------------------------


def pan_field_values(pan: str) -> list[object]:
    """A PAN as the value of a PAN field: as is, and in the wrong ways a caller sends it."""
    return [pan, pan + "A", " " + pan, f"{pan}\n", *as_numbers(pan), [pan], {"Pan": pan}]


def text_values(pan: str) -> list[object]:
    """A PAN in a field that is not a PAN field: alone, or inside text."""
    return [pan, f"card {pan} lost", f"PAN:{pan}", f"{pan}\x00", *as_numbers(pan), [pan]]


def unknown_keys(pan: str) -> list[object]:
    """A PAN as a field name; numbers and tuples are keys only Python callers send."""
    return [pan, f"x{pan}", f"{pan}/~", f"Organisation{pan}", *as_numbers(pan), (pan,)]


CATEGORIES = ("pan_field", "enum", "text", "unknown_key", "unknown_value", "whole")


def placements(
    pan: str, document: dict[str, Any], spec: Any, envelope: str | None, category: str
) -> Iterator[tuple[str, object]]:
    """(what was done, document) for every way of putting *pan* in *document* in *category*.

    Categories: ``pan_field`` (the PAN fields), ``enum`` (value-set fields: ReasonCode,
    UpdateWalletProviderIndicator, ...), ``text`` (every other field: TUR, CommentText,
    AuditInfo members, ...), ``unknown_key``, ``unknown_value``, ``whole`` (the document
    or an object is the PAN itself).
    """
    paths = list(field_paths(spec))
    audit = next((p for p in paths if p[-1].lower() == "auditinfo"), None)  # none in notifies
    for path in paths:
        kind = field_kind(spec, path)
        if category == "pan_field" and kind == "pan":
            values = pan_field_values(pan)
        elif category == kind and kind in ("enum", "text"):
            values = text_values(pan)
        else:
            continue
        for value in values:
            yield f"{'/'.join(path)}={value!r}", placed(document, envelope, path, value)
    if category == "unknown_key":
        for key in unknown_keys(pan):
            yield f"key {key!r}", placed(document, envelope, (key,), "x")
            if audit is not None:
                yield f"AuditInfo key {key!r}", placed(document, envelope, (*audit, key), "x")
            yield f"top-level key {key!r}", placed(document, None, (key,), "x")
            yield f"only key {key!r}", {key: inner_of(document, envelope)}
    if category == "unknown_value":
        for value in text_values(pan):
            yield f"Extra={value!r}", placed(document, envelope, ("Extra",), value)
            if audit is not None:
                where = (*audit, "Organisation")
                yield f"Organisation={value!r}", placed(document, envelope, where, value)
            yield f"top-level Extra={value!r}", placed(document, None, ("Extra",), value)
    if category == "whole":
        yield "document is the PAN", pan
        for number in as_numbers(pan):
            yield "document is the PAN as a number", number
        yield "document is a list of the PAN", [pan]
        if envelope is not None:
            yield "inner object is the PAN", {envelope: pan}
        if audit is not None:
            yield "AuditInfo is the PAN", placed(document, envelope, audit, pan)


def all_placements(pan: str, category: str) -> Iterator[tuple[str, str, str, object]]:
    """(operation, form, what, document): every placement in every operation and form."""
    forms = [(op, "json", VALID[op]) for op in OPERATIONS] + [("legacy_update", "xml", VALID_XML)]
    for op, form, document in forms:
        wire = mdesrules.REGISTRY.get(op).form(form)  # type: ignore[arg-type]
        for what, doc in placements(pan, document, wire.spec, wire.envelope, category):
            yield op, form, what, doc


# --- what comes out -------------------------------------------------------------------------


def report_text(report: mdesrules.Report) -> str:
    parts = [repr(report), str(report), json.dumps(report.to_dict())]
    for v in report.violations:
        parts += [v.message, v.path, *v.fields, repr(v), json.dumps(v.to_dict())]
    return "\n".join(parts)


def check_outputs(op: str, form: str, document: object, context: Context | None) -> str:
    """Everything a caller sees from checking (and, without a context, parsing) *document*."""
    report = mdesrules.check(op, document, context, form=form)  # type: ignore[arg-type]
    parts = [report_text(report)]
    if context is None:
        try:
            mdesrules.parse(op, document, form=form)  # type: ignore[arg-type]
        except InvalidRequest as error:
            parts += [str(error), repr(error), report_text(error.report)]
    return "\n".join(parts)


def xml_outputs(document: object) -> str:
    """The same for the legacy update sent as DataContract XML bytes, when XML can carry it."""
    if not isinstance(document, dict) or len(document) != 1:
        return ""
    ((root, inner),) = document.items()
    try:
        data = from_document(str(root), inner)
    except (TypeError, ValueError):  # a name or value that XML cannot carry
        return ""
    try:
        name, tree = to_document(parse_xml(data))
    except XmlRejected as error:
        return str(error)
    return report_text(mdesrules.check("legacy_update", {name: tree}, form="xml"))


def pan_context(pan: str, status: str, party: str = "I") -> Context:
    """Two tokens of *pan* in *status*, another token, and account ranges holding *pan*."""
    suspenders = ["W", "C"] if status == "S" else None
    inventory = Inventory.from_records(
        [
            {"tokenUniqueReference": TUR, "accountPan": pan, "status": status},
            {
                "tokenUniqueReference": TUR48,
                "accountPan": pan,
                "status": status,
                "suspenders": suspenders,
            },
            {"tokenUniqueReference": "DWSPMCOTHERTOKEN", "accountPan": FIXTURE_PAN, "status": "A"},
        ]
    )
    ranges = AccountRanges(
        [
            AccountRange(pan, pan),
            AccountRange(pan[:6], pan[:6]),
            AccountRange(FIXTURE_PAN[:6], FIXTURE_PAN[:6]),
        ]
    )
    return Context(inventory, ranges, party)


statuses = st.sampled_from(["A", "S", "U", "D"])


# --- mdesrules.check and mdesrules.parse ----------------------------------------------------


@pytest.mark.parametrize("category", slow_except(CATEGORIES, keep=FAST_PAN_PLACEMENTS))
@SETTINGS
@given(pan=pans)
def test_reports_never_show_the_pan(category: str, pan: str) -> None:
    """Reports and InvalidRequest, for every operation, JSON and XML forms, no context."""
    count = 0
    for op, form, what, document in all_placements(pan, category):
        text = check_outputs(op, form, document, None)
        if form == "xml":
            text += xml_outputs(document)
        assert_no_exposure(text, pan, f"{op} ({form}) with {what}")
        count += 1
    assert count > 0


@pytest.mark.parametrize("category", slow_except(CATEGORIES, keep=FAST_PAN_PLACEMENTS))
@SETTINGS
@given(pan=pans, status=statuses)
def test_reports_with_a_context_never_show_the_pan(category: str, pan: str, status: str) -> None:
    """With an inventory and account ranges that hold the PAN, so token-state rules run."""
    context = pan_context(pan, status)
    for op, form, what, document in all_placements(pan, category):
        text = check_outputs(op, form, document, context)
        assert_no_exposure(text, pan, f"{op} ({form}) with {what}, token status {status}")


@pytest.mark.parametrize("category", slow_except(CATEGORIES, keep=FAST_PAN_PLACEMENTS))
@SETTINGS
@given(pan=pans)
def test_reports_mask_the_pan_the_standard_way(category: str, pan: str) -> None:
    """Where a message shows the PAN masked, it shows the first 6 and last 4 digits."""
    context = pan_context(pan, "A")
    for op, form, what, document in all_placements(pan, category):
        for ctx in (None, context):
            text = check_outputs(op, form, document, ctx)
            assert_standard_masks(text, pan, f"{op} ({form}) with {what}")


def state_documents(pan: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Requests that make the token-state rules speak of the PAN's tokens and range."""
    audit = dict(AUDIT)
    for current, new in ((pan, FIXTURE_NEW_PAN), (FIXTURE_PAN, pan), (pan, pan)):
        update = {"CurrentAccountPan": current, "NewAccountPan": new, "AuditInfo": audit}
        yield "token_update", "by PAN", {"TokenUpdateRequest": update}
        legacy = {"currentAccountPan": current, "newAccountPan": new, "auditInfo": LEGACY_AUDIT}
        yield "legacy_update", "by PAN", legacy
    for tur in (TUR, "DWSPMCOTHERTOKEN"):
        for new in (pan, FIXTURE_NEW_PAN):
            update = {"TokenUniqueReference": tur, "NewAccountPan": new, "AuditInfo": audit}
            yield "token_update", "by TUR", {"TokenUpdateRequest": update}
    for op in OPERATIONS:
        yield op, "valid", VALID[op]
    yield "search", "by AccountPan", {"SearchRequest": {"AccountPan": pan, "AuditInfo": audit}}
    activate = {
        "AccountPan": pan,
        "PaymentAppInstanceId": "APPINSTANCE",
        "ReasonCode": "A",
        "AuditInfo": audit,
    }
    yield "token_activate", "by AccountPan", {"TokenActivateRequest": activate}


@SETTINGS
@st.composite
def grouped_pans(draw: st.DrawFn) -> tuple[str, str]:
    """(PAN of 13 to 19 digits, the PAN in groups of 1 to 6 digits joined by a space or a dash)."""
    pan = draw(pans.filter(lambda p: len(p) >= 13))
    shown, rest = "", pan
    while rest:
        size = draw(st.integers(1, 6))
        separator = draw(st.sampled_from(" -")) if shown else ""
        shown, rest = shown + separator + rest[:size], rest[size:]
    return pan, shown


@given(grouped=grouped_pans(), before=st.sampled_from(["", "card ", "PAN: "]))
def test_scrub_masks_a_pan_written_in_groups(grouped: tuple[str, str], before: str) -> None:
    """``5123 4567 8901 2346`` is masked as ``mask_pan`` masks ``5123456789012346``: the
    first six and last four digits shown, the separators kept."""
    pan, shown = grouped
    masked = scrub(f"{before}{shown} lost")
    assert masked.startswith(before)
    assert masked.endswith(" lost")
    kept = masked[len(before) : -len(" lost")]
    assert kept.replace(" ", "").replace("-", "") == mask_pan(pan)
    assert [c for c in kept if not c.isdigit() and c != "*"] == [
        c for c in shown if not c.isdigit()
    ]
    assert_no_exposure(kept.replace(" ", "").replace("-", ""), pan, "a grouped PAN, scrubbed")


@pytest.mark.parametrize("text", ["2024-01-15 12:30", "+1 555 123 4567", "ids 12 34 56", "1-2-3"])
def test_scrub_leaves_short_digit_groups_alone(text: str) -> None:
    assert scrub(text) == text


@given(text=st.text(st.sampled_from("0123456789 --ab\u0660\u0661\uff15"), max_size=40))
@example("1 2 3 4 5 6 7 8 9 0 1 2 3")
@example("12345678 9")
def test_scrub_skips_only_text_that_neither_mask_changes(text: str) -> None:
    """scrub looks for nine digits at most single separators apart before it masks: on
    any text it answers what the two masks answer."""
    both = masking._DIGIT_RUN.sub(
        masking._masked_run, masking._GROUPED_RUN.sub(masking._masked_groups, text)
    )
    assert scrub(text) == both


@given(pan=pans, status=statuses, party=st.sampled_from(["I", "W", "C"]))
def test_token_state_messages_never_show_the_pan(pan: str, status: str, party: str) -> None:
    """token_state, unknown_token, account_range, suspender: by TUR and by PAN."""
    context = pan_context(pan, status, party)
    for op, what, document in state_documents(pan):
        text = report_text(mdesrules.check(op, document, context))
        assert_no_exposure(text, pan, f"{op} {what}")
        assert_standard_masks(text, pan, f"{op} {what}")


@SETTINGS
@given(pan=luhn_pans, status=statuses)
def test_messages_about_the_pans_tokens_show_it_masked(pan: str, status: str) -> None:
    """The by-PAN messages do name the PAN, masked: the leak tests above see real messages."""
    update = {"CurrentAccountPan": pan, "NewAccountPan": FIXTURE_NEW_PAN, "AuditInfo": AUDIT}
    report = mdesrules.check(
        "token_update", {"TokenUpdateRequest": update}, pan_context(pan, status)
    )
    assert "account_range" in report.codes
    if status in ("U", "D"):
        assert "token_state" in report.codes
    assert mask_pan(pan) in report_text(report)


# --- models ---------------------------------------------------------------------------------


def documents_with_pan_fields(pan: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Valid documents (operation, form, document) with the Luhn-valid *pan* in PAN fields."""
    audit = dict(AUDIT)
    yield "search", "json", {"SearchRequest": {"AccountPan": pan, "AuditInfo": audit}}
    yield "search", "json", {"SearchRequest": {"Token": pan, "AuditInfo": audit}}
    activate = {
        "AccountPan": pan,
        "PaymentAppInstanceId": "APPINSTANCE",
        "ReasonCode": "C",
        "AuditInfo": audit,
    }
    yield "token_activate", "json", {"TokenActivateRequest": activate}
    update = {"CurrentAccountPan": pan, "NewAccountPan": pan, "AuditInfo": audit}
    yield "token_update", "json", {"TokenUpdateRequest": update}
    update = {"TokenUniqueReference": TUR, "NewAccountPan": pan, "AuditInfo": audit}
    yield "token_update", "json", {"TokenUpdateRequest": update}
    legacy = {"currentAccountPan": pan, "newAccountPan": pan, "auditInfo": LEGACY_AUDIT}
    yield "legacy_update", "json", legacy
    xml = {"CurrentAccountPan": pan, "NewAccountPan": pan, "AuditInfo": audit}
    yield "legacy_update", "xml", {"UpdateRequest": xml}


def model_text(model: object) -> str:
    return f"{model!r}\n{model!s}"


@SETTINGS
@given(pan=luhn_pans)
def test_request_models_mask_their_pan_fields(pan: str) -> None:
    for op, form, document in documents_with_pan_fields(pan):
        model = mdesrules.parse(op, document, form=form)  # type: ignore[arg-type]
        assert_no_exposure(model_text(model), pan, f"the {op} model")
        assert_standard_masks(model_text(model), pan, f"the {op} model")
        # The wire form is the one place where the PAN must be whole.
        assert pan in json.dumps(mdesrules.to_wire(model))


def documents_with_pan_in_text(pan: str) -> Iterator[tuple[str, str, str, object]]:
    """Valid documents holding *pan* in a free-text or identifier field (CommentText,
    CardholderId, TokenUniqueReference, AuditInfo members, ...)."""
    forms = [(op, "json", VALID[op]) for op in OPERATIONS] + [("legacy_update", "xml", VALID_XML)]
    for op, form, document in forms:
        wire = mdesrules.REGISTRY.get(op).form(form)  # type: ignore[arg-type]
        for path in field_paths(wire.spec):
            if field_kind(wire.spec, path) != "text":
                continue
            for value in (pan, f"card {pan} lost"):
                doc = placed(document, wire.envelope, path, value)
                if mdesrules.check(op, doc, form=form).ok:  # type: ignore[arg-type]
                    yield op, form, "/".join(path), doc


@SETTINGS
@given(pan=pans)
def test_request_models_never_show_a_pan_sent_in_free_text(pan: str) -> None:
    """A PAN typed into CommentText, CardholderId, a TUR or AuditInfo passes the rules (free
    text, identifiers), so it reaches the model: the model's repr must not show it."""
    seen = 0
    for op, form, where, document in documents_with_pan_in_text(pan):
        model = mdesrules.parse(op, document, form=form)  # type: ignore[arg-type]
        assert_no_exposure(model_text(model), pan, f"the {op} model with the PAN in {where}")
        seen += 1
    assert seen > 0


# --- context objects ------------------------------------------------------------------------


@SETTINGS
@given(pan=pans, status=statuses)
def test_context_reprs_never_show_the_pan(pan: str, status: str) -> None:
    context = pan_context(pan, status)
    assert context.inventory is not None
    assert context.account_ranges is not None
    parts = [repr(context), str(context), repr(context.inventory), repr(context.account_ranges)]
    parts += [repr(record) for record in context.inventory]
    parts += [repr(record.state) for record in context.inventory]
    text = "\n".join(parts)
    assert_no_exposure(text, pan, "context reprs")
    assert mask_pan(pan) in text  # the records do show their PAN, masked


@SETTINGS
@given(pan=pans)
def test_account_range_reprs_never_show_the_pan(pan: str) -> None:
    """A range whose bounds are as long as a PAN (up to 19 digits are allowed) names a PAN."""
    ranges = [AccountRange(pan, pan), AccountRange(pan[:-1] + "0", pan[:-1] + "9")]
    text = "\n".join([*map(repr, ranges), *map(str, ranges), repr(AccountRanges(ranges))])
    assert_no_exposure(text, pan, "AccountRange repr")


@SETTINGS
@given(pan=pans)
def test_a_token_record_never_shows_the_pan_even_as_its_reference(pan: str) -> None:
    """An inventory export with the PAN in the TUR column: the record's repr still masks it."""
    record = Inventory().add({"tokenUniqueReference": pan, "accountPan": pan, "status": "A"})
    direct = TokenRecord(pan, pan, Status.ACTIVE)
    assert_no_exposure(f"{record!r}\n{direct!r}", pan, "TokenRecord repr")


# --- exceptions -----------------------------------------------------------------------------


def message_of(error: BaseException) -> str:
    return f"{error}\n{error!r}\n{error.args!r}"


def bad_records(pan: str) -> Iterator[object]:
    """Inventory records that break the format, each holding *pan* somewhere."""
    ok: dict[str, object] = {"tokenUniqueReference": TUR, "accountPan": pan, "status": "A"}
    numbers = as_numbers(pan)
    for status in (pan, f"status {pan}", f"{pan}A", f"ACTIVE {pan}", [pan], *numbers):
        yield {**ok, "status": status}
    for account in (pan + "A", "A" + pan, pan * 3, f"{pan[:6]} {pan[6:]}", [pan], *numbers):
        yield {**ok, "accountPan": account}
    for tur in (pan * 8, "", [pan], {"pan": pan}, *numbers):
        yield {**ok, "tokenUniqueReference": tur}
    for level in (pan, [pan], *numbers):
        yield {**ok, "tokenAssuranceLevel": level}
    for suspenders in ([pan], pan, [f"I{pan}"], *([n] for n in numbers)):
        yield {**ok, "status": "S", "suspenders": suspenders}
    yield {**ok, "suspenders": ["I"]}  # suspenders on an ACTIVE token
    for key in (pan, f"x{pan}", f"accountPan{pan}", f"{'a' * 10}{pan}"):
        yield {**ok, key: "x"}
    yield {"accountPan": pan, "status": "A"}
    yield {"tokenUniqueReference": pan, "status": "A"}
    yield [pan]
    yield pan


@SETTINGS
@given(pan=pans)
def test_inventory_errors_never_show_the_pan(pan: str) -> None:
    good = {"tokenUniqueReference": "GOODTOKEN", "accountPan": pan, "status": "A"}
    for record in bad_records(pan):
        with pytest.raises(InventoryError) as info:
            Inventory().add(record)  # type: ignore[arg-type]
        assert_no_exposure(message_of(info.value), pan, f"InventoryError for {record!r}")
        with pytest.raises(InventoryError) as info:
            Inventory.from_records([good, record])  # type: ignore[list-item]
        assert_no_exposure(message_of(info.value), pan, f"InventoryError for {record!r}")
    # The same token twice, its reference being the PAN.
    twice = {"tokenUniqueReference": pan, "accountPan": pan, "status": "A"}
    with pytest.raises(InventoryError) as info:
        Inventory.from_records([twice, twice])
    assert_no_exposure(message_of(info.value), pan, "InventoryError for a repeated TUR")


@SETTINGS
@given(pan=pans)
def test_inventory_errors_mask_the_pan_the_standard_way(pan: str) -> None:
    for record in bad_records(pan):
        with pytest.raises(InventoryError) as info:
            Inventory().add(record)  # type: ignore[arg-type]
        assert_standard_masks(message_of(info.value), pan, f"InventoryError for {record!r}")


def bad_ranges(pan: str) -> Iterator[Callable[[], object]]:
    """Ways to build account ranges that fail, each with *pan* in the input."""
    yield lambda: AccountRange(pan + "A", pan)
    yield lambda: AccountRange(pan, "A" + pan)
    yield lambda: AccountRange(pan, pan + "0")
    yield lambda: AccountRange(pan * 3, pan * 3)
    yield lambda: AccountRange(f"x{pan}", pan)
    yield lambda: AccountRange([pan], pan)  # type: ignore[arg-type]
    for number in as_numbers(pan):
        yield lambda: AccountRange(number, pan)  # type: ignore[arg-type]  # noqa: B023
    yield lambda: AccountRanges.from_pairs([(pan, pan), (pan, "A")])
    yield lambda: AccountRanges.from_pairs([(pan,)])  # type: ignore[list-item]
    yield lambda: AccountRanges.from_pairs([pan])  # type: ignore[list-item]
    yield lambda: AccountRanges.from_pairs([(pan, pan, pan)])  # type: ignore[list-item]
    yield lambda: AccountRanges.from_csv(f"{pan},{pan}\n")
    yield lambda: AccountRanges.from_csv(f"low,high\n{pan},{pan},{pan}\n")
    yield lambda: AccountRanges.from_csv(f"low,high\n{pan}A,{pan}\n")
    yield lambda: AccountRanges.from_csv(f'low,high\n"{pan},{pan}\n')
    yield lambda: AccountRanges.from_csv(f"low,high\n{pan},{pan}x{pan}\n")
    yield lambda: AccountRanges.from_csv(["low,high\n", [pan]])  # type: ignore[list-item]
    if pan[0] != "0":
        lower = str(int(pan[0]) - 1) + pan[1:]
        yield lambda: AccountRange(pan, lower)
        yield lambda: AccountRanges.from_csv(f"low,high\n{pan},{lower}\n")


@SETTINGS
@given(pan=pans)
def test_account_range_errors_never_show_the_pan(pan: str) -> None:
    for build in bad_ranges(pan):
        with pytest.raises(AccountRangeError) as info:
            build()
        assert_no_exposure(message_of(info.value), pan, "AccountRangeError")
        assert_standard_masks(message_of(info.value), pan, "AccountRangeError")


@SETTINGS
@given(pan=pans)
def test_status_parse_errors_never_show_the_pan(pan: str) -> None:
    for value in (pan, f"S{pan}", f"status {pan}", f"{pan} ", [pan], *as_numbers(pan)):
        with pytest.raises(ValueError, match="unknown token status") as info:
            Status.parse(value)
        assert_no_exposure(message_of(info.value), pan, f"Status.parse({value!r})")
        assert_standard_masks(message_of(info.value), pan, f"Status.parse({value!r})")


@SETTINGS
@given(pan=pans, status=statuses)
def test_lifecycle_errors_never_show_the_pan(pan: str, status: str) -> None:
    context = pan_context(pan, status)
    assert context.inventory is not None
    for record in context.inventory.by_pan(pan):
        for event in lifecycle.Event:
            for party in sorted(lifecycle.SUSPENDERS):
                try:
                    lifecycle.apply(record.state, event, party)
                except LifecycleError as error:
                    assert_no_exposure(message_of(error), pan, "LifecycleError")
        try:
            lifecycle.require_updatable(record.state)
        except LifecycleError as error:
            assert_no_exposure(message_of(error), pan, "LifecycleError")


def _check_named(name: str) -> object:
    return mdesrules.check(name, {})


def _parse_named(name: str) -> object:
    return mdesrules.parse(name, {})


def _to_wire_named(name: str) -> object:
    return mdesrules.to_wire(object(), operation=name)


@SETTINGS
@given(pan=pans)
def test_unknown_operation_errors_never_show_the_pan(pan: str) -> None:
    """An operation name read from a column or an argument that holds a PAN."""
    for name in (pan, f"op{pan}", f"token_update {pan}"):
        for call in (_check_named, _parse_named, _to_wire_named, mdesrules.REGISTRY.get):
            with pytest.raises(UnknownOperation) as info:
                call(name)
            assert_no_exposure(message_of(info.value), pan, f"UnknownOperation for {name!r}")


@SETTINGS
@given(pan=pans)
def test_xml_errors_never_show_the_pan(pan: str) -> None:
    ns = f'xmlns="{DATACONTRACT_NS}"'
    documents = [
        f"<UpdateRequest {ns}><CurrentAccountPan>{pan}</CurrentAccountPan>",
        f"<UpdateRequest {ns}><CurrentAccountPan>{pan}</NewAccountPan></UpdateRequest>",
        f"<UpdateRequest {ns}>{pan}<AuditInfo/></UpdateRequest>",
        f"<UpdateRequest><CurrentAccountPan>{pan}</CurrentAccountPan></UpdateRequest>",
        f"<UpdateRequest {ns}><x{pan} xmlns=''>{pan}</x{pan}></UpdateRequest>",
        f"<x{pan} {ns}/>",
        f"<UpdateRequest {ns}><A>&pan{pan};</A></UpdateRequest>",
        f'<!DOCTYPE x [<!ENTITY e "{pan}">]><UpdateRequest {ns}>&e;</UpdateRequest>',
        f"<UpdateRequest {ns} a{pan}='1' a{pan}='2'/>",
        f"<{pan}/>",
        pan,
    ]
    for text in documents:
        try:
            to_document(parse_xml(text.encode()))
        except XmlRejected as error:
            assert_no_exposure(message_of(error), pan, "XmlRejected")


# --- the command line -----------------------------------------------------------------------

cli = importlib.import_module("mdesrules.cli")
CLI_SETTINGS = settings(
    max_examples=8,
    deadline=None,
    # tmp_path is shared by the examples on purpose: each one writes its files afresh.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
CLI_OPERATIONS = ("search", "token_update", "token_suspend", "legacy_update")


def run_cli(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str]:
    """Exit status, and stdout and stderr together."""
    status = cli.main(argv)
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return status, f"{out}\n{err}"


def jsonl_lines(pan: str) -> list[str]:
    """Records with the PAN in valid and invalid places, and lines that are not JSON."""
    lines = []
    for category in CATEGORIES:
        for op, form, _what, document in all_placements(pan, category):
            if form == "json" and op in CLI_OPERATIONS:
                try:
                    lines.append(json.dumps(document))
                except TypeError:  # keys that are not strings: Python callers only
                    continue
    return [
        *lines,
        f'{{"TokenUpdateRequest": {{"CurrentAccountPan": "{pan}"',  # cut short
        f'{{"TokenUpdateRequest": {{"CurrentAccountPan": {pan}}}}}',  # a number
        f'{{"CurrentAccountPan": "{pan}", "CurrentAccountPan": "{pan}"}}',  # a key twice
        f'{{"{pan}": NaN}}',
        f'{{"{pan}": "{pan}" "{pan}"}}',
        pan,
        f'"{pan}"',
        f"[{pan}, 1e999]",
        f"CurrentAccountPan={pan}",
        f'{{"a": "{pan}", "b": "\\ud800"}}',
    ]


def write(path: Path, data: str | bytes) -> str:
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return str(path)


def cli_files(tmp_path: Path, pan: str) -> list[str]:
    """Input files of every kind the CLI reads, holding *pan* in valid and invalid places."""
    lines = jsonl_lines(pan)
    valid = [doc for _op, form, doc in documents_with_pan_fields(pan) if form == "json"]
    files = [
        write(tmp_path / "requests.jsonl", "\n".join(lines) + "\n"),
        write(tmp_path / "requests.ndjson", "\n".join(lines[:40]) + "\n"),
        write(tmp_path / "one.json", json.dumps(valid[0])),
        write(tmp_path / "array.json", json.dumps(valid)),
        write(tmp_path / "bad_array.json", "[" + ",".join(lines[:30]) + "]"),
        write(tmp_path / "broken.json", f'[{{"CurrentAccountPan": "{pan}"}}, {{"x": {pan}'),
        write(tmp_path / "trailing.json", f'{{"currentAccountPan": "{pan}"}} {pan}'),
        write(tmp_path / "sniffed.txt", f'{{"currentAccountPan": "{pan}"}}\n{pan}\n'),
        write(
            tmp_path / "latin1.jsonl", f'{{"currentAccountPan": "{pan}\xe9"}}\n'.encode("latin-1")
        ),
    ]
    mixed = f'<UpdateRequest xmlns="{DATACONTRACT_NS}">{pan}<AuditInfo/></UpdateRequest>'
    bad_values = {
        "CurrentAccountPan": pan + "A",
        "CardholderId": pan,
        "UpdateWalletProviderIndicator": pan,
        "CommentText": f"card {pan}",
        "AuditInfo": {"UserId": pan, f"Organisation{pan}": pan},
    }
    xml_documents = {
        "valid.xml": from_document(
            "UpdateRequest",
            {"CurrentAccountPan": pan, "NewAccountPan": pan, "AuditInfo": dict(AUDIT)},
        ),
        "bad_values.xml": from_document("UpdateRequest", bad_values),
        "wrong_root.xml": from_document(f"Request{pan}", {"CurrentAccountPan": pan}),
        "truncated.xml": from_document("UpdateRequest", {"CurrentAccountPan": pan})[:-10],
        "mixed.xml": mixed.encode(),
    }
    files += [write(tmp_path / name, data) for name, data in xml_documents.items()]
    return files


@pytest.mark.parametrize("fmt", ["json", "text", "html"])
@CLI_SETTINGS
@given(pan=pans)
def test_cli_output_never_shows_the_pan(
    fmt: str, pan: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``mdesrules check`` on JSON Lines, JSON and XML files: stdout and stderr."""
    files = cli_files(tmp_path, pan)
    for path in files:
        status, text = run_cli(capsys, ["check", "--format", fmt, path])
        assert status in (0, 1), text
        assert_no_exposure(text, pan, f"mdesrules check {Path(path).name}")
    # All at once, with an inventory and account ranges that hold the PAN.
    tokens = write(
        tmp_path / "tokens.jsonl",
        json.dumps({"tokenUniqueReference": TUR, "accountPan": pan, "status": "D"})
        + "\n"
        + json.dumps(
            {"tokenUniqueReference": "OTHERTOKEN", "accountPan": FIXTURE_PAN, "status": "A"}
        )
        + "\n",
    )
    ranges = write(tmp_path / "ranges.csv", f"low,high\n{pan},{pan}\n{pan[:6]},{pan[:6]}\n")
    argv = ["check", "--format", fmt, "--tokens", tokens, "--account-ranges", ranges, *files]
    status, text = run_cli(capsys, argv)
    assert status == 1, text
    assert_no_exposure(text, pan, "mdesrules check with --tokens and --account-ranges")
    for operation in ("token_update", "legacy_update"):
        argv = ["check", "--format", fmt, "--operation", operation, files[0], files[-1]]
        status, text = run_cli(capsys, argv)
        assert status == 1, text
        assert_no_exposure(text, pan, f"mdesrules check --operation {operation}")


def bad_inventories(pan: str) -> Iterator[tuple[str, str]]:
    """(file name, content) of inventories with one bad record holding *pan*."""
    good = json.dumps({"tokenUniqueReference": "GOODTOKEN", "accountPan": pan, "status": "A"})
    for record in bad_records(pan):
        line = json.dumps(record)
        yield "tokens.jsonl", f"{good}\n{line}\n"
        yield "tokens.json", f"[{good}, {line}]"
    yield "tokens.jsonl", f'{good}\n{{"accountPan": "{pan}"\n'
    yield "tokens.jsonl", f"{good}\n{pan}\n"
    yield "tokens.jsonl", f'{{"accountPan": {pan}, "tokenUniqueReference": "A", "status": "A"}}\n'
    yield "tokens.json", f'[{good}, {{"accountPan": "{pan}"'
    yield "tokens.xml", f"<x>{pan}</x>"


@CLI_SETTINGS
@given(pan=pans)
def test_cli_errors_on_bad_context_files_never_show_the_pan(
    pan: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bad inventory or account-range file stops the run: one line on stderr, exit 2."""
    requests = write(tmp_path / "requests.jsonl", json.dumps(VALID["token_update"]) + "\n")
    for name, content in bad_inventories(pan):
        tokens = write(tmp_path / name, content)
        status, text = run_cli(capsys, ["check", "--tokens", tokens, requests])
        assert status == 2, text
        assert_no_exposure(text, pan, f"mdesrules check --tokens {name}")
    for csv in (
        f"{pan},{pan}\n",
        f"low,high\n{pan}A,{pan}\n",
        f"low,high\n{pan},{pan},{pan}\n",
        f'low,high\n"{pan},{pan}\n',
        f"low,high\n{pan}9,{pan}\n",
    ):
        ranges = write(tmp_path / "ranges.csv", csv)
        status, text = run_cli(capsys, ["check", "--account-ranges", ranges, requests])
        assert status == 2, text
        assert_no_exposure(text, pan, "mdesrules check --account-ranges")


@CLI_SETTINGS
@given(pan=pans)
def test_cli_usage_errors_never_show_the_pan(
    pan: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A PAN given where an operation or a format name belongs (a script passing the wrong
    column): the usage error names the problem, not the PAN. File names are shown as given,
    by design, and are not tested here."""
    requests = write(tmp_path / "requests.jsonl", json.dumps(VALID["token_update"]) + "\n")
    for argv in (
        ["check", "--operation", pan, requests],
        ["check", "--format", pan, requests],
    ):
        status, text = run_cli(capsys, argv)
        assert status == 2, text
        assert_no_exposure(text, pan, " ".join(argv[:2]))


# --- the later CS API versions (2.1.7 and 2.2.2) --------------------------------------------
#
# Their PANs travel inside EncryptedAccountInformation: in the plaintext form as the nested
# CurrentAccount and NewAccount, in the encrypted form as ciphertext that the check opens
# with the context's key. Neither form, nor a model of any registry, nor an answer read by
# the codec, shows a PAN.

_KEY = make_key()
_CERT = make_certificate(_KEY)
_KEYS = key_ring((_KEY, _CERT))
_OTHER_KEYS = key_ring(make_key())


def later_placements(pan: str, category: str) -> Iterator[tuple[str, str, str, object]]:
    """(registry key, operation, what, document): every placement in every operation of
    the CS API 2.1.7 and 2.2.2, nested members of EncryptedData included."""
    for key in LATER_KEYS:
        registry = SURFACES[key]
        for op, document in LATER_VALID[key].items():
            wire = registry.get(op).form("json")
            for what, doc in placements(pan, document, wire.spec, wire.envelope, category):
                yield key, op, what, doc


def later_outputs(key: str, op: str, document: object, context: Context | None) -> str:
    registry = SURFACES[key]
    parts = [report_text(mdesrules.check(op, document, context, registry=registry))]
    if context is None:
        try:
            mdesrules.parse(op, document, registry=registry)
        except InvalidRequest as error:
            parts += [str(error), repr(error), report_text(error.report)]
    return "\n".join(parts)


@pytest.mark.parametrize("category", slow_except(CATEGORIES, keep={"pan_field"}))
@SETTINGS
@given(pan=pans, status=statuses)
def test_later_versions_reports_never_show_the_pan(category: str, pan: str, status: str) -> None:
    """Without a context, and with one that holds the PAN's tokens and ranges and the key."""
    context = attrs.evolve(pan_context(pan, status), decryption_keys=_KEYS)
    count = 0
    for key, op, what, document in later_placements(pan, category):
        for ctx in (None, context):
            text = later_outputs(key, op, document, ctx)
            assert_no_exposure(text, pan, f"{op} ({key}) with {what}")
            assert_standard_masks(text, pan, f"{op} ({key}) with {what}")
        count += 1
    assert count > 0


def _in_encrypted_data(spec: ObjectSpec) -> Iterator[tuple[str, ...]]:
    """The paths of the text members inside ``EncryptedAccountInformation.EncryptedData``."""
    for path in field_paths(spec):
        if "EncryptedData" in path[:-1] and field_kind(spec, path) != "object":
            yield path


def encrypted_documents(pan: str, key: str, operation: str) -> Iterator[tuple[str, Any]]:
    """(what, document): *pan* in each member inside EncryptedData of *operation*,
    encrypted for the test key (CBC, and GCM in 2.2.2), as sent and tampered with."""
    registry = SURFACES[key]
    modes = ("CBC", "GCM") if registry.version == "2.2.2" else ("CBC",)
    wire = registry.get(operation).form("json")
    for path in _in_encrypted_data(wire.spec):
        for value in (pan, pan + "A", f"card {pan}", *as_numbers(pan)):
            plain = placed(LATER_VALID[key][operation], wire.envelope, path, value)
            for mode in modes:
                sealed = encrypt_account_information(
                    plain,
                    public_key_or_certificate=_CERT,
                    mode=mode,  # type: ignore[arg-type]
                    version=registry.version,  # type: ignore[arg-type]
                )
                what = f"{'/'.join(path)}={value!r} ({mode})"
                yield what, sealed
                for change, tampered in _tampered(sealed, wire.envelope):
                    yield f"{what}, {change}", tampered


def _tampered(document: dict[str, Any], envelope: str | None) -> Iterator[tuple[str, Any]]:
    eai = inner_of(document, envelope)["EncryptedAccountInformation"]
    data = eai["EncryptedData"]
    flipped = data[:-2] + ("00" if data[-2:] != "00" else "11")
    for change, member, value in (
        ("ciphertext altered", "EncryptedData", flipped),
        ("ciphertext cut", "EncryptedData", data[:32]),
        ("key truncated", "EncryptedKey", eai["EncryptedKey"][:64]),
        ("another fingerprint", "PublicKeyFingerprint", "ab" * 32),
    ):
        yield change, placed(document, envelope, ("EncryptedAccountInformation", member), value)


ENCRYPTING = [(op.name, key) for key in LATER_KEYS for op in SURFACES[key] if op.account_encryption]


@pytest.mark.parametrize(("operation", "key"), slow_except(ENCRYPTING))
@settings(max_examples=10, deadline=None)
@given(pan=pans)
def test_encrypted_account_information_never_shows_the_pan(
    operation: str, key: str, pan: str
) -> None:
    """Checked without a key, with the key, with another key; decrypted and refused."""
    contexts = (None, Context(decryption_keys=_KEYS), Context(decryption_keys=_OTHER_KEYS))
    version: Any = SURFACES[key].version
    count = 0
    for what, document in encrypted_documents(pan, key, operation):
        parts = [later_outputs(key, operation, document, ctx) for ctx in contexts]
        decrypted = decrypt_and_report(document, _KEYS, version=version)
        parts += [repr(decrypted), str(decrypted), *(repr(v) for v in decrypted.violations)]
        try:
            decrypt_account_information(document, _OTHER_KEYS, version=version)
        except NotificationRejected as error:
            parts.append(message_of(error))
        assert_no_exposure("\n".join(parts), pan, f"{operation} ({key}) with {what}")
        count += 1
    assert count > 0


def _filled(model: type, value: str) -> Any:
    """An instance of *model* with *value* in every text member, nested objects too."""
    members: dict[str, Any] = {}
    for f in object_spec(model).fields:
        if f.kind == "object":
            assert f.child is not None
            members[f.attribute] = _filled(f.child.model, value)
        elif f.kind == "array":
            item = _filled(f.child.model, value) if f.child is not None else value
            members[f.attribute] = (item, item)
        elif f.kind == "str":
            members[f.attribute] = value
    return model(**members)


def _every_model() -> list[type]:
    """Every request and response model, nested ones included, of every registry."""
    seen: dict[type, None] = {}
    stack = [
        model
        for registry in SURFACES.values()
        for op in registry
        for model in (op.request, op.response)
        if model is not None
    ]
    while stack:
        model = stack.pop()
        if model in seen:
            continue
        seen[model] = None
        stack.extend(f.child.model for f in object_spec(model).fields if f.child is not None)
    return sorted(seen, key=lambda m: f"{m.__module__}.{m.__qualname__}")


EVERY_MODEL = _every_model()


@SETTINGS
@given(pan=pans)
def test_no_model_of_any_registry_shows_the_pan(pan: str) -> None:
    """CurrentAccount, NewAccount, the plaintext EncryptedAccountInformation and every
    answer of every version, the PAN in each text member: repr and str mask it."""
    assert len(EVERY_MODEL) > 100
    for model in EVERY_MODEL:
        for value in (pan, f"card {pan} lost"):
            filled = _filled(model, value)
            assert_no_exposure(model_text(filled), pan, f"a {model.__qualname__}")
            assert_standard_masks(model_text(filled), pan, f"a {model.__qualname__}")


LATER_ANSWERS = [(op.name, key) for key in LATER_KEYS for op in SURFACES[key] if op.response]


@pytest.mark.parametrize(("operation", "key"), slow_except(LATER_ANSWERS, keep={"search"}))
@SETTINGS
@given(pan=pans)
def test_answers_read_from_mdes_never_show_the_pan(operation: str, key: str, pan: str) -> None:
    """An answer with the PAN in every member (most break their rules and are reported as
    warnings): the response, its warnings and an answer refused as undecodable."""
    registry = SURFACES[key]
    op = registry.get(operation)
    assert op.response is not None
    body = unstructure(_filled(op.response, pan), op.naming)
    answer = body if op.response_wrapper is None else {op.response_wrapper: body}
    response = json_codec.decode_response(
        operation, 200, json.dumps(answer).encode(), registry=registry
    )
    parts = [repr(response), *(repr(w) for w in response.warnings)]
    parts += [json.dumps(w.to_dict()) for w in response.warnings]
    for odd in ({pan: answer}, [pan], {op.response_wrapper or pan: pan}):
        try:
            json_codec.decode_response(operation, 200, json.dumps(odd).encode(), registry=registry)
        except DecodeError as error:
            parts.append(message_of(error))
    assert_no_exposure("\n".join(parts), pan, f"the {operation} answer of {key}")
