"""Card numbers where they do not belong: ``pan_in_text`` (issue 17).

For every wire form of every operation of every API surface (CS API 2.0.7, 2.1.7, 2.2.2,
the legacy update, the notifications, TMS), with valid documents from
:mod:`mdesrules.testing`:

- a card number (13 to 19 digits, valid Luhn) put in any string that is not a PAN field, as
  the whole value, in groups, or inside text (for free text), is exactly one ``pan_in_text``
  at that field, an error in ``CommentText`` and ``AuditInfo`` and a warning elsewhere, and
  the severities follow ``Context(pan_in_text=...)``;
- a near miss (wrong check digit, 12 or 20 digits), a date, a phone number, an amount or a
  token reference in the same places is none;
- the name of an unknown member is scanned too;
- nothing the check gives back (report, messages, reprs, the CLI's output) holds the number.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from attrs import evolve
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from slow_params import slow_except
from strategies_pan_in_text import (
    BY_KEY,
    CASES,
    SURFACES,
    FormName,
    case_id,
    in_text,
    not_pans,
    object_paths,
    pans,
    placed,
    pointer_of,
    string_fields,
    token_references,
    written,
)

import mdesrules
from mdesrules import Context, Report, check, cli
from mdesrules.apis import MDES_CS_API_2_1_7, MDES_CS_API_2_2_2
from mdesrules.fakes.mdes import MemoryStore, SimulatedMdes
from mdesrules.fields import iso_timestamp, length, luhn, matches, mmyy, one_of
from mdesrules.masking import scrub
from mdesrules.models import requests
from mdesrules.models.common import AuditInfo
from mdesrules.pan_text import (
    FREE_TEXT,
    IDENTIFIER,
    PAN_MODES,
    PAN_POLICY,
    TEXT,
    PanScan,
    pan_found,
    passing_excludes_pan,
    whole_pan,
)
from mdesrules.schema import FieldSpec, ObjectSpec
from mdesrules.testing import valid_documents
from mdesrules.transports import InMemoryTransport
from mdesrules.violations import pointer

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
#: One case per API surface in the fast loop: the operation with the most rules of each.
FAST = slow_except([pytest.param(*case, id=case_id(case)) for case in CASES])


def form_of(operation: str, key: str, form: FormName) -> Any:
    return BY_KEY[key].get(operation).form(form)


def base_of(operation: str, key: str, form: FormName) -> str:
    envelope = form_of(operation, key, form).envelope
    return pointer(envelope) if envelope is not None else ""


def inner_of(document: dict[str, Any], operation: str, key: str, form: FormName) -> Any:
    envelope = form_of(operation, key, form).envelope
    return document[envelope] if envelope is not None else document


def rebuilt(document: dict[str, Any], inner: Any, operation: str, key: str, form: FormName) -> Any:
    envelope = form_of(operation, key, form).envelope
    return {envelope: inner} if envelope is not None else inner


def checked(
    operation: str, key: str, form: FormName, document: object, mode: str | None = None
) -> Report:
    context = Context(pan_in_text=mode) if mode is not None else None  # type: ignore[arg-type]
    return check(operation, document, context, form=form, registry=BY_KEY[key])


def hits(report: Report) -> list[tuple[str, str]]:
    return [(v.path, v.severity) for v in report.violations if v.code == "pan_in_text"]


def scanned_strings(
    operation: str, key: str, form: FormName, document: dict[str, Any]
) -> list[tuple[tuple[str | int, ...], FieldSpec]]:
    spec = form_of(operation, key, form).spec
    inner = inner_of(document, operation, key, form)
    return [(p, f) for p, f in string_fields(spec, inner) if f.scan is not None]


def expected_severity(scan: PanScan, mode: str) -> str | None:
    if mode == "off":
        return None
    if mode in ("error", "warning"):
        return mode
    return "error" if scan.free_text else "warning"


@st.composite
def a_pan_somewhere(
    draw: st.DrawFn, operation: str, key: str, form: FormName
) -> tuple[dict[str, Any], tuple[str | int, ...], FieldSpec, str, str]:
    """A valid document with a card number in one of its scanned strings: (document, path
    of the string, its field, the number, the value put there)."""
    document = draw(valid_documents(operation, form=form, registry=BY_KEY[key]), label="valid")
    strings = scanned_strings(operation, key, form, document)
    if not strings:  # no string is sent: send one, so that every document has one
        document = draw(
            valid_documents(
                operation,
                form=form,
                registry=BY_KEY[key],
                sending=[_a_string_field(form_of(operation, key, form).spec)],
            )
        )
        strings = scanned_strings(operation, key, form, document)
    path, f = draw(st.sampled_from(strings), label="where")
    pan = draw(pans, label="pan")
    shown = draw(written(pan), label="written")
    assert f.scan is not None
    value = shown if f.scan.whole else draw(st.one_of(st.just(shown), in_text(shown)), label="as")
    inner = placed(inner_of(document, operation, key, form), path, value)
    return rebuilt(document, inner, operation, key, form), path, f, pan, value


def _a_string_field(spec: ObjectSpec, prefix: str = "") -> str:
    """The wire name (``A/B``) of a scanned string field, preferring top-level ones."""
    for f in spec.fields:
        if f.scan is not None and f.kind == "str":
            return prefix + f.name
    for f in spec.fields:
        if f.child is not None:
            try:
                return _a_string_field(f.child, prefix + f.name + "/")
            except LookupError:
                continue
    raise LookupError("no scanned string field")


# --- a card number in a string: exactly one pan_in_text ------------------------------------


@pytest.mark.parametrize(("operation", "key", "form"), FAST)
@SETTINGS
@given(data=st.data())
def test_a_card_number_in_any_string_is_one_pan_in_text(
    operation: str, key: str, form: FormName, data: st.DataObject
) -> None:
    document, path, f, _, value = data.draw(a_pan_somewhere(operation, key, form))
    assert f.scan is not None
    at = pointer_of(base_of(operation, key, form), path)
    for mode in PAN_MODES:
        report = checked(operation, key, form, document, mode)
        severity = expected_severity(f.scan, mode)
        assert hits(report) == ([(at, severity)] if severity else []), (mode, value)
        if severity == "error":
            assert not report.ok
    # No context: the default.
    assert hits(checked(operation, key, form, document)) == [
        (at, expected_severity(f.scan, "default"))
    ]


@pytest.mark.parametrize(("operation", "key", "form"), FAST)
@SETTINGS
@given(data=st.data())
def test_the_report_and_the_violation_never_hold_the_number(
    operation: str, key: str, form: FormName, data: st.DataObject
) -> None:
    document, _, _, pan, value = data.draw(a_pan_somewhere(operation, key, form))
    report = checked(operation, key, form, document)
    shown = "\n".join(
        [repr(report), json.dumps(report.to_dict()), *(repr(v) for v in report.violations)]
    )
    assert_hidden(shown, pan, value)


def assert_hidden(text: str, pan: str, value: str) -> None:
    """*text* shows neither the number, as written or as bare digits, nor seven of its
    digits in a row (the mask shows at most the first six and the last four)."""
    for i in range(len(pan) - 6):
        assert pan[i : i + 7] not in text, "seven digits of the number in a row"
    for number in re.findall(r"[0-9](?:[ -]?[0-9])+", value):
        assert len(number) < 13 or number not in text, "the number as written"
    for line in text.splitlines():
        assert pan not in line.replace(" ", "").replace("-", ""), "the number, its groups joined"


# --- what only looks like a card number: nothing -------------------------------------------


@pytest.mark.parametrize(("operation", "key", "form"), FAST)
@SETTINGS
@given(data=st.data())
def test_numbers_that_are_not_card_numbers_are_never_pan_in_text(
    operation: str, key: str, form: FormName, data: st.DataObject
) -> None:
    """Wrong check digits, 12 or 20 digits, a leading 0, dates, phone numbers, amounts and
    token references, as whole values and inside text, in every scanned string."""
    document = data.draw(valid_documents(operation, form=form, registry=BY_KEY[key]))
    strings = scanned_strings(operation, key, form, document)
    for path, f in strings:
        assert f.scan is not None
        value = data.draw(not_pans, label=f"value of {path}")
        if not f.scan.whole:
            value = data.draw(st.one_of(st.just(value), in_text(value)), label=f"in {path}")
        document = rebuilt(
            document,
            placed(inner_of(document, operation, key, form), path, value),
            operation,
            key,
            form,
        )
    assert hits(checked(operation, key, form, document, "error")) == []


@given(value=st.one_of(not_pans, not_pans.flatmap(in_text)))
def test_the_scan_finds_nothing_in_what_only_looks_like_a_card_number(value: str) -> None:
    assert not pan_found(value)
    assert not whole_pan(value)


@given(pan=pans, data=st.data())
def test_the_scan_finds_every_card_number_as_written(pan: str, data: st.DataObject) -> None:
    shown = data.draw(written(pan))
    assert whole_pan(shown)
    assert pan_found(shown)
    assert pan_found(data.draw(in_text(shown)))


@given(reference=token_references, pan=pans)
def test_a_token_reference_next_to_a_card_number_does_not_hide_it(reference: str, pan: str) -> None:
    assert not pan_found(reference)
    assert pan_found(f"{reference} {pan}")
    assert not pan_found(reference + pan)  # touching: part of the reference


@pytest.mark.parametrize(
    "text",
    [
        "DWSPMC00000000010906a349d9ca4eb1a4d53e3c90a11d9c",
        "1234 5123456789012346",  # one run of 20 digits: no part of it counts
        "51234567890123460",  # 17 digits, wrong check digit
        "+44 5123456789012346",  # after a country code: a phone number
        "5123456789012346.00",  # an amount
        "1.5123456789012346",
        "x5123456789012346",
        "5123456789012346y",
        "5123456789012346٣",  # touching a digit of another script
        "5123  4567 8901 2346",  # a double space ends a run
        "0512345678901234",
    ],
)
def test_what_is_not_a_card_number_standing_alone(text: str) -> None:
    assert not pan_found(text)


@pytest.mark.parametrize(
    "text",
    [
        "card 5123456789012346",
        "card 5123 4567 8901 2346 lost",
        "5123-4567-8901-2346",
        "(5123456789012346)",
        "pan=5123456789012346;",
        "ref_5123456789012346",
        "card 5123456789012346.",
        "4111 1111 1111 1111",
        "3782 822463 10005",  # American Express, 15 digits in 4-6-5
    ],
)
def test_a_card_number_standing_alone(text: str) -> None:
    assert pan_found(text)


# --- unknown members' names ----------------------------------------------------------------


@pytest.mark.parametrize(("operation", "key", "form"), FAST)
@SETTINGS
@given(data=st.data())
def test_a_card_number_in_the_name_of_an_unknown_member_is_one_pan_in_text(
    operation: str, key: str, form: FormName, data: st.DataObject
) -> None:
    """In the request and in every object of it; not inside ``EncryptedData``, which is
    encrypted before it travels."""
    document = data.draw(valid_documents(operation, form=form, registry=BY_KEY[key]))
    spec = form_of(operation, key, form).spec
    inner = inner_of(document, operation, key, form)
    objects = list(object_paths(spec, inner))
    where, here = data.draw(st.sampled_from(objects), label="in")
    pan = data.draw(pans, label="pan")
    name = data.draw(written(pan).flatmap(lambda w: st.one_of(st.just(w), in_text(w))))
    document = rebuilt(document, placed(inner, (*where, name), "x"), operation, key, form)
    at = pointer_of(base_of(operation, key, form), where) + pointer(scrub(name))
    report = checked(operation, key, form, document)
    unknown = [v for v in report.violations if v.code == "unknown_field"]
    assert [v.path for v in unknown] == [at]
    scan = here.unknown_scan
    expected = [] if scan is None else [(at, "error" if scan.free_text else "warning")]
    assert hits(report) == expected
    assert_hidden("\n".join(repr(v) for v in report.violations), pan, name)


def test_a_card_number_as_a_top_level_key_beside_the_wrapper() -> None:
    document = {
        "TokenSuspendRequest": {
            "TokenUniqueReference": "DWSPMC00000000010906a349d9ca4eb1a4d53e3c90a11d9c",
            "ReasonCode": "L",
            "AuditInfo": {"UserId": "A1435477", "UserName": "John Smith", "Organization": "Bank"},
        },
        "5123 4567 8901 2346": {},
    }
    report = check("token_suspend", document)
    assert report.codes == ("unknown_field", "pan_in_text")
    assert report.violations[1].path == "/5123 45** **** 2346"
    assert report.violations[1].severity == "warning"


# --- the policy ------------------------------------------------------------------------------


def _all_fields(spec: ObjectSpec, path: str = "") -> list[tuple[str, FieldSpec]]:
    out = []
    for f in spec.fields:
        out.append((path + f.name, f))
        if f.child is not None:
            out += _all_fields(f.child, path + f.name + "/")
    return out


def _every_field() -> list[tuple[str, str, FieldSpec]]:
    return [
        (registry.key, path, f)
        for registry in SURFACES
        for op in registry
        for path, f in _all_fields(op.form("json").spec)
    ]


def _canonical(name: str) -> str:
    return name[:1].upper() + name[1:]


def test_every_name_of_the_policy_is_a_field_of_some_surface() -> None:
    """No name in the lists is stale: each is a field of some request."""
    names = {_canonical(f.name) for _, _, f in _every_field()}
    listed = PAN_POLICY.pans | PAN_POLICY.free_text | PAN_POLICY.identifiers
    assert listed - names == set()


def test_a_field_with_the_luhn_rule_is_never_scanned() -> None:
    for key, path, f in _every_field():
        if any(isinstance(r, luhn) for r in f.rules):
            assert f.scan is None, (key, path)


def _pan_free_patterns() -> list[matches | iso_timestamp]:
    """The field rules whose passing excludes a PAN by their pattern: the patterns marked
    ``pan_free`` and the timestamps."""
    found = {
        r
        for _, _, f in _every_field()
        for r in f.rules
        if (type(r) is matches and r.pan_free) or type(r) is iso_timestamp
    }
    return sorted(found, key=lambda r: r.pattern)


@pytest.mark.parametrize("rule", _pan_free_patterns(), ids=repr)
@given(data=st.data())
def test_a_pattern_marked_pan_free_admits_no_card_number(
    rule: matches | iso_timestamp, data: st.DataObject
) -> None:
    """A compiled check leaves out the scan of a value that passed such a pattern, so no
    value the pattern admits may hold a PAN-shaped number (a timestamp's pattern admits
    dates that do not exist, which the rule refuses: those are not drawn)."""
    value = data.draw(st.from_regex(rule.pattern, fullmatch=True))
    assume(rule(value) is None)
    assert not pan_found(value)
    assert not whole_pan(value)


def test_the_timestamps_and_expiry_dates_are_the_patterns_marked_pan_free() -> None:
    assert {r.pattern for r in _pan_free_patterns()} == {iso_timestamp().pattern, mmyy().pattern}


def test_a_value_set_holding_no_card_number_excludes_one_when_it_passes() -> None:
    assert passing_excludes_pan((one_of(("ACTIVE", "SUSPENDED")),))
    assert not passing_excludes_pan((one_of(("ACTIVE", "5123456789012346")),))
    assert not passing_excludes_pan((matches("[0-9 ]+", "digits and spaces"),))
    assert passing_excludes_pan((length(1, 29), iso_timestamp()))


@pytest.mark.parametrize("operation", ["notify_token_updated", "tms_payment_credentials"])
def test_a_card_number_in_a_field_whose_rules_exclude_one_is_still_found(
    operation: str,
) -> None:
    """The scan a compiled check leaves out for a passing timestamp or value-set member
    runs when the rules report: a PAN there is both a format error and ``pan_in_text``."""
    pan = "5123 4567 8901 2346"
    if operation == "notify_token_updated":
        document: dict[str, Any] = {
            "tokens": [
                {
                    "tokenUniqueReference": "DWSPMC000000000132d72d4fcb2f4136a0532d3093ff1a45",
                    "status": "ACTIVE",
                    "statusTimestamp": f"on {pan}",
                }
            ]
        }
        field = "statusTimestamp"
    else:
        document = {"paymentCredentialType": f"card {pan}"}
        field = "paymentCredentialType"
    for context in (None, Context()):
        report = check(operation, document, context)
        hits = [v for v in report.violations if v.code == "pan_in_text"]
        assert [v.path.rsplit("/", 1)[-1] for v in hits] == [field]
        shown = str(report) + "".join(v.message for v in report.violations)
        assert pan not in shown
        assert pan.replace(" ", "") not in shown


def test_free_text_mdes_keeps_is_an_error_everywhere() -> None:
    seen = 0
    for key, path, f in _every_field():
        parts = [_canonical(p) for p in path.split("/")]
        if f.kind == "str" and (parts[-1] == "CommentText" or "AuditInfo" in parts):
            assert f.scan == FREE_TEXT, (key, path)
            seen += 1
    assert seen > 50


def test_identifiers_are_reported_only_as_a_whole() -> None:
    for key, path, f in _every_field():
        if f.kind == "str" and _canonical(path.split("/")[-1]) in {
            "TokenUniqueReference",
            "CommentId",
            "PaymentAppInstanceId",
            "CardholderId",
        }:
            assert f.scan == IDENTIFIER, (key, path)


@pytest.mark.parametrize("registry", [MDES_CS_API_2_1_7, MDES_CS_API_2_2_2], ids=str)
def test_from_2_1_7_every_string_outside_the_encrypted_account_data_is_scanned(
    registry: mdesrules.Registry,
) -> None:
    """The later versions move every PAN into ``EncryptedAccountInformation``: a PAN
    anywhere else is ``pan_in_text``; nothing inside ``EncryptedData`` is scanned."""
    for op in registry:
        for path, f in _all_fields(op.form("json").spec):
            if f.kind not in ("str", "array") or f.child is not None:
                continue
            if "EncryptedData/" in path:
                assert f.scan is None, (op.name, path)
            else:
                assert f.scan is not None, (op.name, path)


def test_a_pan_in_clear_in_a_2_2_2_comment_is_an_error() -> None:
    document = {
        "TokenSuspendRequest": {
            "TokenUniqueReference": "DWSPMC00000000010906a349d9ca4eb1a4d53e3c90a11d9c",
            "CommentText": "suspended, card 5412 3456 7890 1232",
            "ReasonCode": "L",
            "AuditInfo": {"UserId": "A1435477", "UserName": "John Smith", "Organization": "Bank"},
        }
    }
    report = check("token_suspend", document, registry=MDES_CS_API_2_2_2)
    assert not report.ok
    assert report.codes == ("pan_in_text",)
    assert report.violations[0].path == "/TokenSuspendRequest/CommentText"


def test_the_scans_read_as_catalogue_sentences() -> None:
    assert repr(TEXT) == "no PAN-shaped number (warning)"
    assert repr(FREE_TEXT) == "no PAN-shaped number (error)"
    assert repr(IDENTIFIER) == "not PAN-shaped as a whole (warning)"
    assert "pan_in_text" in mdesrules.CODES


# --- the issue's examples, a context, the CLI and the simulator --------------------------------

AUDIT = {"UserId": "A1435477", "UserName": "John Smith", "Organization": "Any Bank"}
TUR = "DWSPMC00000000010906a349d9ca4eb1a4d53e3c90a11d9c"


def _update(**members: object) -> dict[str, Any]:
    inner: dict[str, Any] = {"TokenUniqueReference": TUR, "ExpirationDate": "0128"}
    inner.update(members)
    inner.setdefault("AuditInfo", dict(AUDIT))
    return {"TokenUpdateRequest": inner}


def test_the_issues_examples() -> None:
    name = check("token_update", _update(AuditInfo={**AUDIT, "UserName": "card 5123456789012346"}))
    assert [(v.code, v.path, v.severity) for v in name.violations] == [
        ("pan_in_text", "/TokenUpdateRequest/AuditInfo/UserName", "error")
    ]
    comment = check("token_update", _update(CommentText="customer called about 5123456789012346"))
    assert [(v.code, v.path, v.severity) for v in comment.violations] == [
        ("pan_in_text", "/TokenUpdateRequest/CommentText", "error")
    ]
    tur = check("token_update", _update(TokenUniqueReference="5123456789012346"))
    assert [(v.code, v.path, v.severity) for v in tur.violations] == [
        ("pan_in_text", "/TokenUpdateRequest/TokenUniqueReference", "warning")
    ]
    assert "5123456789012346" not in repr(name) + repr(comment) + repr(tur)
    assert tur.violations[0].message.startswith("TokenUniqueReference is shaped like a card")


def test_a_pan_in_a_token_reference_is_not_also_an_unknown_token() -> None:
    """The field is marked bad, so the token-state rules skip it, as after a field rule."""
    inventory = mdesrules.Inventory.from_records(
        [{"tokenUniqueReference": TUR, "accountPan": "5412345678901232", "status": "A"}]
    )
    report = check(
        "token_update", _update(TokenUniqueReference="5123456789012346"), Context(inventory)
    )
    assert report.codes == ("pan_in_text",)


def test_the_context_keeps_its_constructor_and_refuses_an_unknown_mode() -> None:
    assert Context(None, None, "I").pan_in_text == "default"
    assert evolve(Context(), pan_in_text="off").pan_in_text == "off"
    with pytest.raises(ValueError, match="pan_in_text"):
        Context(pan_in_text="loud")  # type: ignore[arg-type]


def test_the_mode_does_not_change_the_other_violations() -> None:
    document = _update(CommentText="card 5123456789012346", ExpirationDate="1328")
    off = check("token_update", document, Context(pan_in_text="off"))
    assert off.codes == ("bad_format",)
    assert check("token_update", document).codes == ("bad_format", "pan_in_text")


def run_cli(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str]:
    status = cli.main(argv)
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return status, out + err


@pytest.mark.parametrize("fmt", ["json", "text"])
@pytest.mark.parametrize(
    ("mode", "status", "severities"),
    [
        ("default", 1, ["error", "error", "warning", "error"]),
        ("error", 1, ["error", "error", "error", "error"]),
        ("warning", 1, ["warning", "warning", "warning", "warning"]),
        ("off", 1, []),
    ],
)
def test_the_cli_flag_sets_the_severity(
    fmt: str,
    mode: str,
    status: int,
    severities: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    shown = "5123 4567 8901 2346"
    records = [
        _update(CommentText=f"called about {shown}"),
        _update(AuditInfo={**AUDIT, "Organization": shown}),
        _update(TokenUniqueReference=shown),
        _update(AuditInfo={**AUDIT, shown: "x"}),  # an unknown field too: exit 1 in every mode
    ]
    path = tmp_path / "requests.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    argv = ["check", "--no-progress", "--format", fmt, "--pan-in-text", mode, str(path)]
    got, text = run_cli(capsys, argv)
    assert got == status
    assert_hidden(text, "5123456789012346", shown)
    if fmt == "json":
        found = [
            v["severity"]
            for line in text.splitlines()
            if line.startswith("{")
            for v in json.loads(line)["violations"]
            if v["code"] == "pan_in_text"
        ]
        assert found == severities


def test_the_cli_refuses_an_unknown_mode(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["check", "--pan-in-text", "loud", "-"]) == 2
    assert "--pan-in-text" in capsys.readouterr().err


def test_the_simulated_mdes_refuses_a_comment_with_a_card_number() -> None:
    """A client configured not to look (``off``) sends it; the simulator, like MDES, checks
    every request, and ``pan_in_text`` in a comment is an error there: refused, unchanged."""
    store = MemoryStore.from_inventory(
        mdesrules.Inventory.from_records(
            [{"tokenUniqueReference": TUR, "accountPan": "5412345678901232", "status": "A"}]
        )
    )
    engine = SimulatedMdes(store)
    request = requests.TokenSuspendRequest(
        token_unique_reference=TUR,
        reason_code="L",
        comment_text="lost, card 5412 3456 7890 1232",
        audit_info=AuditInfo(user_id="A1435477", user_name="John Smith", organization="Bank"),
    )
    client = mdesrules.Client(InMemoryTransport(engine, wire="json"), Context(pan_in_text="off"))
    with client, pytest.raises(mdesrules.MdesError) as refused:
        client.token_suspend(request)
    assert refused.value.status == 400
    assert [(e.source, e.reason_code) for e in refused.value.errors] == [
        ("/TokenSuspendRequest/CommentText", "PAN_IN_TEXT")
    ]
    assert "5412345678901232" not in repr(refused.value) + str(refused.value)
    stored = store.get(TUR)
    assert stored is not None
    assert stored.status == mdesrules.Status.ACTIVE


def test_a_simulator_told_to_warn_applies_the_request_and_journals_the_warning() -> None:
    store = MemoryStore.from_inventory(
        mdesrules.Inventory.from_records(
            [{"tokenUniqueReference": TUR, "accountPan": "5412345678901232", "status": "A"}]
        )
    )
    engine = SimulatedMdes(store, pan_in_text="warning")
    request = requests.TokenSuspendRequest(
        token_unique_reference=TUR,
        reason_code="L",
        comment_text="lost, card 5412 3456 7890 1232",
        audit_info=AuditInfo(user_id="A1435477", user_name="John Smith", organization="Bank"),
    )
    client = mdesrules.Client(InMemoryTransport(engine, wire="json"), Context(pan_in_text="off"))
    with client:
        client.token_suspend(request)
    stored = store.get(TUR)
    assert stored is not None
    assert stored.status == mdesrules.Status.SUSPENDED
    (entry,) = engine.journal.by_operation("token_suspend")
    assert entry.status == 200
    assert [(w.source, w.reason_code) for w in entry.warnings] == [
        ("/TokenSuspendRequest/CommentText", "PAN_IN_TEXT")
    ]
    assert "warnings" in entry.to_json()
    assert "5412 3456 7890 1232" not in json.dumps(entry.to_json())


def test_serve_takes_pan_in_text() -> None:
    args = cli.build_parser("0").parse_args(["serve", "--pan-in-text", "warning"])
    assert args.pan_in_text == "warning"
