"""No input makes the library raise anything but its documented exceptions (DESIGN.md section 6).

- ``mdesrules.check`` answers every payload with a :class:`~mdesrules.Report`: random JSON
  values, documents shaped like requests, mutations of valid documents, and the nasties a
  Python caller can hand over (huge integers, deep nesting, odd keys, bytes, tuples, objects).
  It raises only ``UnknownOperation``, for an operation name it does not know.
- ``mdesrules.parse`` returns the request model or raises ``InvalidRequest``.
- ``mdesrules._xml.parse_xml`` and ``to_document`` raise only ``XmlRejected``.
- inventories, account ranges and statuses raise only their documented errors.
- ``mdesrules check`` exits 0, 1 or 2 on any file, without a traceback and without an
  ``internal_error`` record (the CLI's net for a library exception).
- the same for the CS API 2.1.7 and 2.2.2 registries, in the plaintext and the encrypted
  form, with and without the decryption key; and the JSON codecs read any bytes as a
  request (or ``InvalidRequest``, ``DecodeError``) and any answer of every CS API version as
  a ``Response`` (or ``DecodeError``).
"""

from __future__ import annotations

import enum
import functools
import importlib
import io
import json
import math
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from slow_params import slow_except
from strategies_documents import NAMES, context_for, json_values, keys, mutated, scalars, text
from strategies_pan import AUDIT, LEGACY_AUDIT, OPERATIONS, TUR, VALID, VALID_XML
from test_notify_crypto import make_certificate, make_key

import mdesrules
from mdesrules import (
    CODES,
    REGISTRY,
    AccountRange,
    AccountRangeError,
    AccountRanges,
    Context,
    InvalidRequest,
    Inventory,
    InventoryError,
    Registry,
    Report,
    Status,
    UnknownOperation,
)
from mdesrules._xml import XmlRejected, from_document, parse_xml, to_document
from mdesrules.account_encryption import encrypt_account_information
from mdesrules.apis import SURFACES
from mdesrules.codecs import json as json_codec
from mdesrules.encryption import key_ring
from mdesrules.exceptions import DecodeError
from mdesrules.schema import object_spec
from mdesrules.testing import valid_documents, valid_models
from mdesrules.transport import Request, Response

FUZZ = settings(max_examples=60, deadline=None)
XML_OPERATIONS = tuple(op.name for op in REGISTRY if op.xml_root is not None)

OVER_STR_LIMIT = 10**5000


def wrapped(op: str, value: object) -> object:
    """*value* under the operation's wrapper, so that it reaches the field rules."""
    wrapper = REGISTRY.get(op).wrapper
    return {wrapper: value} if wrapper is not None else value


# --- the contract of a report ---------------------------------------------------------------


def assert_report(report: object, op: str) -> None:
    assert isinstance(report, Report)
    assert report.operation == op
    for v in report.violations:
        assert v.code in CODES, v
        assert v.severity in ("error", "warning"), v
        assert isinstance(v.message, str)
        assert v.message, v
        assert isinstance(v.path, str)
        assert v.path == "" or v.path.startswith("/"), v
        assert all(isinstance(f, str) for f in v.fields), v
    json.dumps(report.to_dict())


def check_every_way(op: str, payload: object, context: Context | None = None) -> None:
    """check as given, wrapped, with a context, and in the XML form when there is one."""
    for value in (payload, wrapped(op, payload)):
        assert_report(mdesrules.check(op, value), op)
        if context is not None:
            assert_report(mdesrules.check(op, value, context=context), op)
    if op in XML_OPERATIONS:
        root = REGISTRY.get(op).xml_root
        for value in (payload, {root: payload}):
            assert_report(mdesrules.check(op, value, form="xml"), op)
            if context is not None:
                assert_report(mdesrules.check(op, value, context, form="xml"), op)


def outcome(expected: type[Exception], call: Callable[..., object], *args: object) -> object:
    """What *call* returns, or the *expected* exception it raises (any other propagates)."""
    try:
        return call(*args)
    except expected as error:
        caught = error
    assert str(caught)
    return caught


def parse_or_invalid(op: str, payload: object, form: str = "json") -> None:
    result = outcome(InvalidRequest, lambda: mdesrules.parse(op, payload, form=form))  # type: ignore[arg-type]
    if isinstance(result, InvalidRequest):
        assert not result.report.ok
    else:
        assert isinstance(result, REGISTRY.get(op).request)


def _context() -> Context:
    inventory = Inventory.from_records(
        [
            {"tokenUniqueReference": TUR, "accountPan": "5412345678901232", "status": "S"},
            {"tokenUniqueReference": "T" * 48, "accountPan": "5412345678901232", "status": "D"},
            {"tokenUniqueReference": "UNMAPPED1", "accountPan": "4111111111111111", "status": "U"},
        ]
    )
    ranges = AccountRanges([AccountRange("541234", "541299"), AccountRange("4", "4")])
    return Context(inventory, ranges)


CONTEXT = _context()


# --- mdesrules.check on random input --------------------------------------------------------


@pytest.mark.parametrize("op", slow_except(OPERATIONS))
@FUZZ
@given(payload=json_values)
def test_check_answers_any_json_value(op: str, payload: object) -> None:
    check_every_way(op, payload, CONTEXT)
    parse_or_invalid(op, wrapped(op, payload))


@pytest.mark.parametrize("op", slow_except(OPERATIONS))
@FUZZ
@given(data=st.data())
def test_check_answers_documents_shaped_like_requests(op: str, data: st.DataObject) -> None:
    """Objects whose keys are real field names, so that the values reach the field rules."""
    inner = data.draw(st.dictionaries(st.sampled_from(NAMES), json_values, max_size=8))
    if data.draw(st.booleans()):
        audit_keys = st.sampled_from([*AUDIT, *LEGACY_AUDIT])
        audit = data.draw(st.dictionaries(audit_keys, json_values, max_size=5))
        inner[data.draw(st.sampled_from(["AuditInfo", "auditInfo"]))] = audit
    check_every_way(op, inner, CONTEXT)
    parse_or_invalid(op, wrapped(op, inner))
    if op in XML_OPERATIONS:
        parse_or_invalid(op, {REGISTRY.get(op).xml_root: inner}, "xml")


@pytest.mark.parametrize("op", slow_except(OPERATIONS))
@FUZZ
@given(data=st.data())
def test_check_answers_mutated_valid_documents(op: str, data: st.DataObject) -> None:
    document = data.draw(valid_documents(op))
    context = data.draw(context_for(document))
    assert_report(mdesrules.check(op, document, context), op)
    parse_or_invalid(op, document)
    document = data.draw(mutated(document))
    assert_report(mdesrules.check(op, document), op)
    assert_report(mdesrules.check(op, document, context), op)
    parse_or_invalid(op, document)


@pytest.mark.parametrize("op", XML_OPERATIONS)
@FUZZ
@given(data=st.data())
def test_check_answers_mutated_valid_xml_documents(op: str, data: st.DataObject) -> None:
    document = data.draw(mutated(data.draw(valid_documents(op, form="xml"))))
    context = data.draw(context_for(document))
    assert_report(mdesrules.check(op, document, form="xml"), op)
    assert_report(mdesrules.check(op, document, context, form="xml"), op)
    parse_or_invalid(op, document, "xml")


@pytest.mark.parametrize("op", slow_except(OPERATIONS))
@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_valid_documents_pass_and_parse_with_any_context(op: str, data: st.DataObject) -> None:
    """The unmutated documents: the token-state rules meet every lifecycle state."""
    document = data.draw(valid_documents(op))
    assert mdesrules.check(op, document).ok
    context = data.draw(context_for(document))
    assert_report(mdesrules.check(op, document, context), op)
    assert isinstance(mdesrules.parse(op, document), REGISTRY.get(op).request)


# --- the nasties a Python caller can hand over ----------------------------------------------


class Color(enum.Enum):
    RED = "red"


class Opaque:
    """An object of a class the library has never heard of."""


@attrs.frozen
class UserModel:
    """An attrs class that is not a request model."""

    token_unique_reference: object = "T"
    items: object = ()


def _deep(depth: int, leaf: object, make: Any) -> object:
    return functools.reduce(lambda inner, _: make(inner), range(depth), leaf)


def nasties() -> Iterator[tuple[str, object]]:
    """(name, value): values that are not JSON, or JSON at its limits."""
    yield "10_000-char string", "x" * 10_000
    yield "10_000 digits", "4" * 10_000
    yield "200-deep lists", _deep(200, "x", lambda inner: [inner])
    yield "200-deep objects", _deep(200, "x", lambda inner: {"AuditInfo": inner})
    yield "5_000-deep objects", _deep(5_000, {}, lambda inner: {"AuditInfo": inner})
    yield "200-deep tuples", _deep(200, "x", lambda inner: (inner,))
    for key in ("a/b", "~", "~1", "~0/", "", "/", " ", "\x00", "\ud7ff", "AuditInfo/UserId"):
        yield f"key {key!r}", {key: "x"}
    yield "10_000-char key", {"K" * 10_000: "x"}
    odd_keys: list[tuple[str, object]] = [
        ("int key", 1),
        ("negative int key", -1),
        ("huge int key", 10**400),
        ("int key over the str limit", OVER_STR_LIMIT),
        ("float key", 1.5),
        ("nan key", math.nan),
        ("inf key", math.inf),
        ("None key", None),
        ("bool key", True),
        ("tuple key", ("a", 1)),
        ("bytes key", b"AuditInfo"),
        ("frozenset key", frozenset({1})),
        ("enum key", Color.RED),
        ("object key", Opaque()),
        ("type key", int),
    ]
    for name, odd_key in odd_keys:
        yield name, {odd_key: "x"}
    for name, value in [
        ("bytes", b"5412345678901232"),
        ("bytearray", bytearray(b"x")),
        ("tuple", ("a", "b")),
        ("set", {1, 2}),
        ("frozenset", frozenset()),
        ("complex", 1j),
        ("object", Opaque()),
        ("class", Opaque),
        ("function", len),
        ("enum", Color.RED),
        ("Ellipsis", ...),
        ("range", range(3)),
        ("memoryview", memoryview(b"x")),
        ("generator", (i for i in range(3))),
        ("io", io.StringIO("x")),
        ("int over the str limit", OVER_STR_LIMIT),
        ("nan", math.nan),
        ("-inf", -math.inf),
        ("user attrs instance", UserModel()),
        ("attrs instance holding odd values", UserModel(Opaque(), (1j, b"x"))),
        ("a Report", Report("search")),
        ("an AccountRange", AccountRange("4", "5")),
        ("an Inventory", Inventory()),
    ]:
        yield name, value
        yield f"{name} as a field", {"TokenUniqueReference": value, "tokenUniqueReference": value}
        yield f"{name} as AuditInfo", {"AuditInfo": value, "auditInfo": value}
        yield (
            f"{name} in AuditInfo",
            {"AuditInfo": {"UserId": value}, "auditInfo": {"userId": value}},
        )


NASTIES = list(nasties())


@pytest.mark.parametrize(("name", "value"), NASTIES, ids=[name for name, _ in NASTIES])
def test_check_answers_nasties(name: str, value: object) -> None:
    """Every operation, the nasty as the document, under the wrapper, with a context, as
    XML, and as a value and keys of a document that is otherwise valid."""
    for op in OPERATIONS:
        check_every_way(op, value, CONTEXT)
        parse_or_invalid(op, wrapped(op, value))
        document = json.loads(json.dumps(VALID[op]))
        wrapper = REGISTRY.get(op).wrapper
        inner = document[wrapper] if wrapper is not None else document
        inner["CommentText"] = value
        if isinstance(value, dict):
            inner.update(value)
        assert_report(mdesrules.check(op, document), op)
        assert_report(mdesrules.check(op, document, CONTEXT), op)
        parse_or_invalid(op, document)


def test_check_answers_request_models_of_other_operations() -> None:
    """A model of one operation passed to another: checked as a document, no exception."""
    models = [mdesrules.parse(op, VALID[op]) for op in OPERATIONS]
    models.append(mdesrules.parse("legacy_update", VALID_XML, form="xml"))
    for op in OPERATIONS:
        for model in models:
            assert_report(mdesrules.check(op, model), op)
            assert_report(mdesrules.check(op, model, CONTEXT), op)


# Drawn values must have a repr for hypothesis to report them: not the 5_000-deep one.
NASTY_VALUES = [value for name, value in NASTIES if "generator" not in name and "5_000" not in name]


@FUZZ
@given(op=st.sampled_from(OPERATIONS), data=st.data())
def test_check_answers_models_holding_any_values(op: str, data: st.DataObject) -> None:
    """A request model a Python caller built with wrong values (attrs does not check
    types): a number for a PAN, None or a dict for AuditInfo, another model, ..."""
    model = data.draw(valid_models(op))
    targets = [model] if attrs.fields(type(model)) else []  # a GET's request has no member
    if attrs.has(type(getattr(model, "audit_info", None))):
        targets.append(model.audit_info)
    for _ in range(data.draw(st.integers(1, 3)) if targets else 0):
        target = data.draw(st.sampled_from(targets))
        name = data.draw(st.sampled_from([a.name for a in attrs.fields(type(target))]))
        value = data.draw(json_values | st.sampled_from(NASTY_VALUES))
        changed = attrs.evolve(target, **{name: value})
        is_model = type(target) is type(model)  # the model (an earlier version), or AuditInfo
        model = changed if is_model else attrs.evolve(model, audit_info=changed)
    assert_report(mdesrules.check(op, model), op)
    assert_report(mdesrules.check(op, model, CONTEXT), op)


def test_a_request_model_without_audit_info_gets_a_report() -> None:
    """The minimal case of the test above: ``audit_info=None`` where it is required."""
    for op in OPERATIONS:
        model = mdesrules.parse(op, VALID[op])
        if not hasattr(model, "audit_info"):  # the notifications MDES sends have none
            continue
        assert_report(mdesrules.check(op, attrs.evolve(model, audit_info=None)), op)


def test_parse_of_a_request_model_returns_it_or_raises_invalid_request() -> None:
    """``check`` takes a model as well as a document; so does ``parse``, which checks first."""
    for op in OPERATIONS:
        parse_or_invalid(op, mdesrules.parse(op, VALID[op]))
        parse_or_invalid(op, mdesrules.parse(OPERATIONS[0], VALID[OPERATIONS[0]]))


@pytest.mark.parametrize("op", XML_OPERATIONS)
def test_a_valid_model_passes_in_the_xml_form_too(op: str) -> None:
    """``check(op, model, form="xml")``: the model is the same request whatever its form."""
    model = mdesrules.parse(op, VALID_XML, form="xml")
    assert mdesrules.check(op, model).ok
    assert mdesrules.check(op, model, form="xml").ok


@pytest.mark.parametrize(
    "build",
    [
        lambda: Inventory().add({OVER_STR_LIMIT: 1}),  # type: ignore[dict-item]
        lambda: Inventory().add(
            {"tokenUniqueReference": OVER_STR_LIMIT, "accountPan": OVER_STR_LIMIT, "status": "A"}
        ),
        lambda: Inventory().add(
            {
                "tokenUniqueReference": "T",
                "accountPan": "5412345678901232",
                "status": OVER_STR_LIMIT,
            }
        ),
        lambda: AccountRanges.from_pairs([OVER_STR_LIMIT, (OVER_STR_LIMIT, 1)]),  # type: ignore[list-item]
        lambda: AccountRanges.from_csv([OVER_STR_LIMIT]),  # type: ignore[list-item]
        lambda: Status.parse(OVER_STR_LIMIT),
    ],
    ids=["inventory key", "inventory values", "status", "range pairs", "range lines", "parse"],
)
def test_context_builders_refuse_integers_over_the_str_limit(build: Callable[[], object]) -> None:
    with pytest.raises(ValueError) as info:  # noqa: PT011 - the types are asserted below
        build()
    assert str(info.value)
    assert isinstance(info.value, (InventoryError, AccountRangeError)) or "status" in str(
        info.value
    )


@FUZZ
@given(name=json_values)
def test_an_unknown_operation_name_raises_unknown_operation(name: object) -> None:
    assume(not (isinstance(name, str) and name in OPERATIONS))
    with pytest.raises(UnknownOperation):
        mdesrules.check(name, {})  # type: ignore[arg-type]
    with pytest.raises(UnknownOperation):
        mdesrules.parse(name, {})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "name",
    [OVER_STR_LIMIT, b"search", Opaque(), ["search"], ("search",), None, "", "SEARCH", " search"],
    ids=[
        "int over the str limit",
        "bytes",
        "object",
        "list",
        "tuple",
        "None",
        "empty",
        "upper",
        "space",
    ],
)
def test_odd_operation_names_raise_unknown_operation(name: object) -> None:
    with pytest.raises(UnknownOperation):
        mdesrules.check(name, {})  # type: ignore[arg-type]


@pytest.mark.parametrize("op", [op for op in OPERATIONS if op not in XML_OPERATIONS])
def test_the_xml_form_of_an_operation_without_one_is_unknown_operation(op: str) -> None:
    with pytest.raises(UnknownOperation):
        mdesrules.check(op, {}, form="xml")


# --- XML ------------------------------------------------------------------------------------


def _xml_samples() -> list[bytes]:
    fixtures = Path(__file__).parent / "fixtures"
    samples = [path.read_bytes() for path in sorted(fixtures.glob("*.xml"))]
    samples.append(from_document("UpdateRequest", VALID_XML["UpdateRequest"]))
    return samples


XML_SAMPLES = _xml_samples()


@st.composite
def mutated_bytes(draw: st.DrawFn, data: bytes) -> bytes:
    """*data* after one to four byte-level edits: delete, insert, replace, duplicate a slice."""
    for _ in range(draw(st.integers(1, 4))):
        n = len(data)
        i = draw(st.integers(0, n))
        j = draw(st.integers(i, min(n, i + 40)))
        action = draw(st.sampled_from(["delete", "insert", "replace", "duplicate", "xml"]))
        if action == "delete":
            data = data[:i] + data[j:]
        elif action == "insert":
            data = data[:i] + draw(st.binary(max_size=8)) + data[i:]
        elif action == "replace":
            data = data[:i] + draw(st.binary(min_size=1, max_size=4)) + data[j:]
        elif action == "duplicate":
            data = data[:j] + data[i:j] + data[j:]
        else:
            snippet = draw(
                st.sampled_from(
                    [
                        b"<",
                        b">",
                        b"</",
                        b"&",
                        b"&amp;",
                        b"&e;",
                        b"&#0;",
                        b"&#x110000;",
                        b"<![CDATA[x]]>",
                        b"<!-- c -->",
                        b"<?pi x?>",
                        b'<!DOCTYPE x [<!ENTITY e "x">]>',
                        b' i:nil="true"',
                        b' xmlns=""',
                        b"<a:b/>",
                        b"\xef\xbb\xbf",
                        b"\xff\xfe",
                        b"\x00",
                        "\u00e9".encode(),
                    ]
                )
            )
            data = data[:i] + snippet + data[i:]
    return data


def xml_pipeline(data: bytes) -> None:
    """What the CLI and the XML transport do with bytes: parse, map, check."""
    result = outcome(XmlRejected, lambda: to_document(parse_xml(data)))
    if isinstance(result, XmlRejected):
        assert "\n" not in str(result)
        return
    assert isinstance(result, tuple)
    name, document = result
    for op in XML_OPERATIONS:
        assert_report(mdesrules.check(op, {name: document}, form="xml"), op)
        assert_report(mdesrules.check(op, {name: document}, CONTEXT, form="xml"), op)


@FUZZ
@given(data=st.binary(max_size=300))
def test_xml_parser_raises_only_xml_rejected_on_random_bytes(data: bytes) -> None:
    xml_pipeline(data)


@settings(max_examples=300, deadline=None)
@given(data=st.sampled_from(XML_SAMPLES).flatmap(mutated_bytes))
def test_xml_parser_raises_only_xml_rejected_on_mutated_documents(data: bytes) -> None:
    xml_pipeline(data)


@FUZZ
@given(document=st.dictionaries(st.sampled_from(NAMES), json_values, max_size=6))
def test_xml_written_from_any_document_reads_back_or_is_rejected(document: dict[str, Any]) -> None:
    try:
        data = from_document("UpdateRequest", document)
    except (TypeError, ValueError):  # documented: what XML cannot carry
        return
    xml_pipeline(data)


# --- inventories, account ranges, statuses --------------------------------------------------


@FUZZ
@given(records=st.lists(json_values | st.dictionaries(keys, json_values), max_size=4))
def test_inventory_raises_only_inventory_error(records: list[object]) -> None:
    outcome(InventoryError, Inventory.from_records, records)


@FUZZ
@given(data=st.data())
def test_inventory_records_with_real_keys_raise_only_inventory_error(data: st.DataObject) -> None:
    names = st.sampled_from(
        ["tokenUniqueReference", "accountPan", "status", "tokenAssuranceLevel", "suspenders"]
    )
    record = data.draw(st.dictionaries(names, json_values | st.sampled_from(["A", "S", "I"])))
    outcome(InventoryError, Inventory().add, record)


@FUZZ
@given(lines=st.lists(text | st.text('0123456789," \r\n', max_size=30), max_size=5))
def test_account_ranges_from_csv_raise_only_account_range_error(lines: list[str]) -> None:
    for source in (["low,high\n", *lines], "".join(lines), lines):
        outcome(AccountRangeError, AccountRanges.from_csv, source)


@FUZZ
@given(pairs=st.lists(json_values | st.tuples(scalars, scalars), max_size=4))
def test_account_ranges_from_pairs_raise_only_account_range_error(pairs: list[Any]) -> None:
    outcome(AccountRangeError, AccountRanges.from_pairs, pairs)


@FUZZ
@given(value=json_values)
def test_status_parse_raises_only_value_error(value: object) -> None:
    result = outcome(ValueError, Status.parse, value)
    assert isinstance(result, (Status, ValueError))


# --- the command line -----------------------------------------------------------------------

cli = importlib.import_module("mdesrules.cli")
CLI_FUZZ = settings(
    max_examples=40,
    deadline=None,
    # One tmp_path for all examples: each example writes its files afresh.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
EXTENSIONS = (".json", ".jsonl", ".ndjson", ".xml", ".txt", "")


def run_cli(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str, str]:
    status = cli.main(argv)
    out, err = capsys.readouterr()
    assert status in (0, 1, 2), (status, out, err)
    assert "Traceback" not in err, err
    assert "internal_error" not in out, out
    if status == 2:
        assert err.startswith("mdesrules"), err
    return status, out, err


def _json_line(value: object) -> str:
    try:
        return json.dumps(value)
    except ValueError:  # a number over the str limit
        return "1e999"


jsonl_texts = st.lists(
    st.one_of(
        json_values.map(_json_line),
        st.sampled_from([json.dumps(VALID[op]) for op in OPERATIONS]),
        st.sampled_from(OPERATIONS).flatmap(valid_documents).map(json.dumps),
        st.sampled_from(OPERATIONS).flatmap(valid_documents).flatmap(mutated).map(_json_line),
        text,
    ),
    max_size=6,
).map("\n".join)

file_contents = st.one_of(
    st.binary(max_size=200),
    jsonl_texts.map(str.encode),
    jsonl_texts.map(lambda t: "[" + t.replace("\n", ",") + "]").map(str.encode),
    st.sampled_from(XML_SAMPLES).flatmap(mutated_bytes),
    st.sampled_from(XML_SAMPLES),
)


@CLI_FUZZ
@given(
    files=st.lists(st.tuples(st.sampled_from(EXTENSIONS), file_contents), min_size=1, max_size=3),
    fmt=st.sampled_from(["json", "text"]),
    operation=st.none() | st.sampled_from(OPERATIONS),
)
def test_cli_never_raises_on_any_file(
    files: list[tuple[str, bytes]],
    fmt: str,
    operation: str | None,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    paths = []
    for i, (extension, content) in enumerate(files):
        path = tmp_path / f"input{i}{extension}"
        path.write_bytes(content)
        paths.append(str(path))
    argv = ["check", "--format", fmt, *(["--operation", operation] if operation else []), *paths]
    status, out, _err = run_cli(capsys, argv)
    if status != 2 and fmt == "json":
        for line in out.splitlines():
            record = json.loads(line)
            assert set(record) == {"source", "operation", "ok", "violations"}


@CLI_FUZZ
@given(
    tokens=st.none() | file_contents,
    ranges=st.none() | st.binary(max_size=100) | st.text('0123456789,lowhig\n\r" ').map(str.encode),
    requests=jsonl_texts,
)
def test_cli_never_raises_on_any_context_file(
    tokens: bytes | None,
    ranges: bytes | None,
    requests: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["check"]
    if tokens is not None:
        (tmp_path / "tokens.jsonl").write_bytes(tokens)
        argv += ["--tokens", str(tmp_path / "tokens.jsonl")]
    if ranges is not None:
        (tmp_path / "ranges.csv").write_bytes(ranges)
        argv += ["--account-ranges", str(tmp_path / "ranges.csv")]
    (tmp_path / "requests.jsonl").write_text(requests)
    run_cli(capsys, [*argv, str(tmp_path / "requests.jsonl")])


def cli_nasties() -> Iterator[tuple[str, bytes]]:
    yield "empty.jsonl", b""
    yield "blank.jsonl", b"\n\n  \r\n"
    yield "bom.json", b"\xef\xbb\xbf" + json.dumps(VALID["search"]).encode()
    yield "deep.jsonl", b"[" * 100_000 + b"]" * 100_000 + b"\n"
    yield "deep.json", b"[" * 100_000 + b"]" * 100_000
    yield "deep_array.json", b"[" + b"[" * 100_000 + b"]" * 100_000 + b"]"
    yield "deep200.jsonl", json.dumps(_deep(200, "x", lambda inner: {"AuditInfo": inner})).encode()
    yield "long.jsonl", b'{"x": "' + b"a" * 2_000_000 + b'"}\n{}\n'
    yield "bigint.jsonl", b'{"SearchRequest": {"AccountPan": ' + b"9" * 5000 + b"}}\n"
    yield "nan.jsonl", b'{"SearchRequest": NaN}\n[Infinity, -Infinity]\n'
    yield "surrogate.jsonl", b'{"SearchRequest": {"CommentId": "\\ud800"}}\n'
    yield "latin1.jsonl", '{"a": "\u00e9"}\n'.encode("latin-1")
    yield "utf16.json", json.dumps(VALID["search"]).encode("utf-16")
    yield "nul.jsonl", b"\x00\x00\x00\n"
    yield "dup.jsonl", b'{"a": 1, "a": 2}\n'
    yield "array_unclosed.json", b'[{"a": 1}, {"b": '
    yield "two_docs.json", b"{} {}"
    yield "xml.jsonl", XML_SAMPLES[0]
    yield "json.xml", json.dumps(VALID["legacy_update"]).encode()
    yield "huge.xml", b"<a>" + b"x" * 1_100_000 + b"</a>"
    yield (
        "bomb.xml",
        (
            b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            b'<!ENTITY lol2 "&lol;&lol;&lol;">]><lolz>&lol2;</lolz>'
        ),
    )
    yield "utf16.xml", XML_SAMPLES[0].decode().encode("utf-16")


@pytest.mark.parametrize(("name", "content"), list(cli_nasties()), ids=lambda v: str(v)[:20])
@pytest.mark.parametrize("fmt", ["json", "text"])
def test_cli_answers_nasty_files(
    name: str, content: bytes, fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    status, _out, _err = run_cli(capsys, ["check", "--format", fmt, str(path)])
    assert status in (0, 1)
    status, _out, _err = run_cli(capsys, ["check", "--tokens", str(path), str(path)])
    status, _out, _err = run_cli(capsys, ["check", "--account-ranges", str(path), str(path)])


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["check"],
        ["check", "/nonexistent/file.jsonl"],
        ["check", "--operation", "nope", "x.jsonl"],
        ["check", "--format", "yaml", "x.jsonl"],
        ["check", "--tokens", "/nonexistent", "x.jsonl"],
        ["check", "-", "--tokens", "-"],
        ["bogus"],
        ["check", "."],
    ],
    ids=repr,
)
def test_cli_usage_problems_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    status = cli.main(argv)
    _out, err = capsys.readouterr()
    assert status == 2
    assert "Traceback" not in err


# --- the later CS API versions (2.1.7 and 2.2.2) --------------------------------------------
#
# The same promises for the registries of CS API 2.1.7 and 2.2.2, whose requests carry
# EncryptedAccountInformation: check answers any payload with a report, with or without the
# key that decrypts the envelope; the JSON codecs read any bytes as a request or an answer,
# or raise their documented errors. The answers of every CS API registry are fuzzed here too.

LATER = {key: SURFACES[key] for key in ("mdes-cs-api-2.1.7", "mdes-cs-api-2.2.2")}
LATER_OPERATIONS = [(op.name, key) for key, registry in LATER.items() for op in registry]
ANSWERING = {"default": REGISTRY, **LATER}
ANSWERS = [(op.name, key) for key, registry in ANSWERING.items() for op in registry if op.response]
_KEY = make_key()
_CERT = make_certificate(_KEY)
DECRYPTING = attrs.evolve(CONTEXT, decryption_keys=key_ring((_KEY, _CERT)))


def _wire_names(registry: Registry, *, responses: bool) -> list[str]:
    """Every wire name of the requests (or answers) of *registry*, wrappers included."""
    names: set[str] = set()
    for op in registry:
        model = op.response if responses else op.request
        wrapper = op.response_wrapper if responses else op.wrapper
        if model is None:
            continue
        names.update([wrapper] if wrapper else [])
        stack = [object_spec(model, op.naming)]
        while stack:
            spec = stack.pop()
            for f in spec.fields:
                names.add(f.name)
                if f.child is not None:
                    stack.append(f.child)
    return sorted(names)


def _values_named(names: list[str]) -> st.SearchStrategy[object]:
    """JSON values whose keys are mostly *names*, so that they reach the rules."""
    named = st.one_of(st.sampled_from(names), keys)
    return st.recursive(
        scalars,
        lambda children: st.one_of(
            st.lists(children, max_size=4), st.dictionaries(named, children, max_size=6)
        ),
        max_leaves=30,
    )


LATER_REQUESTS = _values_named(
    sorted({n for r in LATER.values() for n in _wire_names(r, responses=False)})
)
ANSWER_VALUES = _values_named(
    sorted({n for r in ANSWERING.values() for n in _wire_names(r, responses=True)})
)


def check_later(op: str, key: str, payload: object) -> None:
    """check as given and wrapped, without a context, with one, and with the key."""
    registry = LATER[key]
    wrapper = registry.get(op).wrapper
    for value in (payload, {wrapper: payload} if wrapper is not None else payload):
        for context in (None, CONTEXT, DECRYPTING):
            assert_report(mdesrules.check(op, value, context, registry=registry), op)
        result = outcome(InvalidRequest, lambda: mdesrules.parse(op, value, registry=registry))  # noqa: B023
        if not isinstance(result, InvalidRequest):
            assert isinstance(result, registry.get(op).request)


@pytest.mark.parametrize(("op", "key"), slow_except(LATER_OPERATIONS))
@FUZZ
@given(payload=LATER_REQUESTS)
def test_later_versions_answer_any_json_value(op: str, key: str, payload: object) -> None:
    check_later(op, key, payload)


@pytest.mark.parametrize(("op", "key"), slow_except(LATER_OPERATIONS))
@FUZZ
@given(data=st.data())
def test_later_versions_answer_mutated_valid_documents(
    op: str, key: str, data: st.DataObject
) -> None:
    """Valid documents of either form mutated: plaintext, and encrypted for the key the
    context holds (a mutation then alters the ciphertext, the IV, the key or the mode)."""
    registry = LATER[key]
    document = data.draw(valid_documents(op, registry=registry), label="document")
    assert mdesrules.check(op, document, registry=registry).ok
    if registry.get(op).account_encryption is not None:
        version = registry.version
        mode = data.draw(st.sampled_from(["CBC", "GCM"] if version == "2.2.2" else ["CBC"]))
        document = data.draw(
            st.sampled_from(
                [
                    document,
                    encrypt_account_information(
                        document, public_key_or_certificate=_CERT, mode=mode, version=version
                    ),
                ]
            ),
            label="form",
        )
    check_later(op, key, data.draw(mutated(document), label="mutated"))


@pytest.mark.parametrize(("op", "key"), slow_except(LATER_OPERATIONS))
@FUZZ
@given(data=st.binary(max_size=200) | LATER_REQUESTS.map(_json_line).map(str.encode))
def test_later_versions_read_any_bytes_as_a_request_or_refuse_them(
    op: str, key: str, data: bytes
) -> None:
    result = outcome(
        (InvalidRequest, DecodeError),  # type: ignore[arg-type]
        lambda: json_codec.decode_request(op, data, registry=LATER[key]),
    )
    if isinstance(result, InvalidRequest):
        assert not result.report.ok
    elif not isinstance(result, DecodeError):
        assert isinstance(result, Request)
        assert mdesrules.check(op, result.body, registry=LATER[key]).ok


@pytest.mark.parametrize(("op", "key"), slow_except(ANSWERS))
@FUZZ
@given(
    data=st.binary(max_size=200) | ANSWER_VALUES.map(_json_line).map(str.encode),
    wrap=st.booleans(),
    status=st.sampled_from([200, 201, 400, 404, 500, 503]),
)
def test_any_answer_reads_as_a_response_or_a_decode_error(
    op: str, key: str, data: bytes, wrap: bool, status: int
) -> None:
    """An answer of any CS API version: a Response (its warnings within the codes) that
    encodes again, or DecodeError; never another exception."""
    registry = ANSWERING[key]
    wrapper = registry.get(op).response_wrapper
    if wrap and wrapper is not None:
        data = b'{"' + wrapper.encode() + b'": ' + data + b"}"
    result = outcome(
        DecodeError, lambda: json_codec.decode_response(op, status, data, registry=registry)
    )
    if isinstance(result, DecodeError):
        return
    assert isinstance(result, Response)
    for warning in result.warnings:
        assert warning.code in CODES
        assert warning.severity == "warning"
    assert result.ok is (result.body is not None)
    json_codec.decode_response(
        op, result.status, json_codec.encode_response(result, registry=registry), registry=registry
    )
