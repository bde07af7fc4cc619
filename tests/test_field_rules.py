"""Field rules (``mdesrules.fields``) and rules across fields (``mdesrules.combinators``) alone.

Each rule is a small object: called, it passes (``None``) or fails with ``(code, message)``;
its ``repr`` is the rule catalogue's text, so it must read as the rule.
"""

from __future__ import annotations

import calendar
import re
import string
from datetime import datetime

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from mdesrules.combinators import (
    absent,
    all_of,
    at_least_one_of,
    at_most_one_of,
    equals,
    exactly_one_of,
    forbids,
    present,
    requires,
    when,
)
from mdesrules.fields import (
    digits,
    iso_timestamp,
    length,
    luhn,
    mmyy,
    no_control,
    one_of,
    printable,
)
from mdesrules.schema import camel, identity
from mdesrules.testing import luhn_check_digit, luhn_pans
from mdesrules.violations import Violation

SOME = settings(max_examples=60, deadline=None)
DIGITS = st.text("0123456789", min_size=1, max_size=25)


def reference_luhn_ok(number: str) -> bool:
    """Luhn as the textbook states it: from the right, double every second digit, subtract 9
    from doubles over 9, and the sum must be a multiple of 10."""
    total = 0
    for position, digit in enumerate(int(c) for c in reversed(number)):
        if position % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


# --- luhn ----------------------------------------------------------------------------------------


@SOME
@given(DIGITS)
def test_luhn_agrees_with_the_textbook_algorithm(number: str) -> None:
    result = luhn()(number)
    if reference_luhn_ok(number):
        assert result is None
    else:
        assert result is not None
        assert result[0] == "bad_check_digit"


@pytest.mark.parametrize(
    ("number", "ok"),
    [
        ("4111111111111111", True),
        ("5204740009900014", True),
        ("79927398713", True),
        ("79927398710", False),
        ("5412345678901234", False),  # the MDES specification's example PAN
        ("0", True),
    ],
)
def test_luhn_on_known_numbers(number: str, ok: bool) -> None:
    assert (luhn()(number) is None) is ok


@SOME
@given(pan=luhn_pans(), at=st.integers(0, 18), shift=st.integers(1, 9))
def test_luhn_catches_every_single_digit_error(pan: str, at: int, shift: int) -> None:
    at %= len(pan)
    wrong = pan[:at] + str((int(pan[at]) + shift) % 10) + pan[at + 1 :]
    assert luhn()(pan) is None
    assert luhn()(wrong) == ("bad_check_digit", "has a wrong Luhn check digit")


@SOME
@given(data=st.data(), low=st.integers(1, 19), span=st.integers(0, 18))
def test_luhn_pans_are_ascii_digits_of_the_asked_size_with_a_valid_check_digit(
    data: st.DataObject, low: int, span: int
) -> None:
    high = min(low + span, 19)
    prefix = data.draw(st.text("0123456789", max_size=low - 1))
    pan = data.draw(luhn_pans(low, high, prefix=prefix))
    assert low <= len(pan) <= high
    assert pan.isascii()
    assert pan.isdigit()
    assert pan.startswith(prefix)
    assert reference_luhn_ok(pan)


@SOME
@given(DIGITS)
def test_the_check_digit_helper_completes_any_payload(payload: str) -> None:
    assert reference_luhn_ok(payload + luhn_check_digit(payload))


@pytest.mark.parametrize(
    ("low", "high", "prefix"), [(0, 5, ""), (10, 9, ""), (9, 19, "123456789"), (9, 19, "12a")]
)
def test_luhn_pans_refuses_impossible_arguments(low: int, high: int, prefix: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the message is free to change
        luhn_pans(low, high, prefix=prefix)


# --- length --------------------------------------------------------------------------------------


@SOME
@given(low=st.integers(0, 60), span=st.integers(0, 60), char=st.characters(codec="utf-8"))
def test_length_accepts_its_bounds_and_refuses_one_past_them(
    low: int, span: int, char: str
) -> None:
    rule = length(low, low + span)
    assert rule(char * low) is None
    assert rule(char * (low + span)) is None
    assert rule(char * (low + span + 1)) == (
        "too_long",
        f"must be at most {low + span} characters long, got {low + span + 1}",
    )
    if low > 0:
        assert rule(char * (low - 1)) == (
            "too_short",
            f"must be at least {low} characters long, got {low - 1}",
        )


def test_length_without_a_maximum_has_no_upper_bound() -> None:
    assert length(1)("x" * 100_000) is None
    assert length(1)("") is not None


def test_length_counts_characters_not_bytes() -> None:
    assert length(4, 4)("\uff10\uff11\uff12\uff15") is None  # four characters, twelve bytes


# --- formats -------------------------------------------------------------------------------------


@pytest.mark.parametrize("month", range(14))
@pytest.mark.parametrize("year", ["00", "25", "99"])
def test_mmyy_accepts_months_01_to_12_only(month: int, year: str) -> None:
    result = mmyy()(f"{month:02d}{year}")
    if 1 <= month <= 12:
        assert result is None
    else:
        assert result == ("bad_format", "must be a date as MMYY with month 01-12")


@pytest.mark.parametrize(
    "value", ["125", "01255", "1/25", "\uff10\uff11\uff12\uff15", "0125\n", " 125", "ab25"]
)
def test_mmyy_refuses_anything_but_four_ascii_digits(value: str) -> None:
    assert mmyy()(value) is not None


# --- iso_timestamp: the form, then a date that exists ---------------------------------------

TIMESTAMP_FORM = (
    "an ISO 8601 timestamp YYYY-MM-DDThh:mm:ss[.sss] with Z or +hh:mm, of a date that exists"
)


def readable(value: str) -> bool:
    """Whether :meth:`datetime.fromisoformat` reads *value* (``Z`` read as ``+00:00``, which
    Python before 3.11 does not do itself)."""
    try:
        datetime.fromisoformat(value[:-1] + "+00:00" if value.endswith("Z") else value)
    except ValueError:
        return False
    return True


#: Timestamps of the form whose day is 28 to 31 of any month of any year: the days where
#: the form and the calendar part (the form's own regex seldom draws them together).
LATE_DAYS = st.builds(
    "{:04d}-{:02d}-{:02d}T{}".format,
    st.integers(0, 9999),
    st.integers(1, 12),
    st.integers(28, 31),
    st.sampled_from(["00:00:00Z", "23:59:59.999+14:00", "12:30:00.5-05:00"]),
)


@SOME
@given(value=st.from_regex(iso_timestamp.pattern, fullmatch=True) | LATE_DAYS)
@example("2024-02-29T10:00:00Z")
@example("2023-02-29T10:00:00Z")
@example("1900-02-29T10:00:00Z")
@example("2000-02-29T10:00:00Z")
@example("2024-02-30T10:00:00Z")
@example("2024-04-31T10:00:00+01:00")
@example("0000-01-01T00:00:00Z")
@example("0001-01-01T00:00:00Z")
@example("9999-12-31T23:59:59.999-23:59")
def test_a_timestamp_of_the_form_passes_exactly_when_fromisoformat_reads_it(value: str) -> None:
    assert re.fullmatch(iso_timestamp.pattern, value)
    assert (iso_timestamp()(value) is None) == readable(value)


@pytest.mark.parametrize(
    ("date", "message"),
    [
        ("2024-02-30", "February 2024 has 29 days, not 30"),
        ("2023-02-29", "February 2023 has 28 days, not 29"),
        ("1900-02-29", "February 1900 has 28 days, not 29"),
        ("2024-04-31", "April 2024 has 30 days, not 31"),
        ("2024-11-31", "November 2024 has 30 days, not 31"),
        ("0000-06-15", "there is no year 0000, 0001 is the first"),
    ],
)
def test_a_date_that_does_not_exist_is_a_bad_format_naming_the_month(
    date: str, message: str
) -> None:
    assert iso_timestamp()(date + "T10:00:00.000Z") == (
        "bad_format",
        f"must be a date that exists: {message}",
    )


@pytest.mark.parametrize("year", [1996, 2000, 2024, 2400])
def test_february_29_of_a_leap_year_passes(year: int) -> None:
    assert calendar.isleap(year)
    assert iso_timestamp()(f"{year}-02-29T00:00:00Z") is None


@pytest.mark.parametrize(
    "value",
    [
        "2024-02-28",
        "2024-02-28T10:00:00",
        "2024-02-28 10:00:00Z",
        "2024-02-28T24:00:00Z",
        "2024-02-28T10:00:60Z",
        "2024-02-28T10:00:00.1234Z",
        "2024-13-01T10:00:00Z",
        "2024-02-28t10:00:00z",
        "2024-02-28T10:00:00Z\n",
        "\uff12024-02-28T10:00:00Z",
    ],
)
def test_a_value_not_of_the_form_is_a_bad_format_stating_the_form(value: str) -> None:
    assert iso_timestamp()(value) == ("bad_format", f"must be {TIMESTAMP_FORM}")


@pytest.mark.parametrize(
    "value",
    ["12345\n", "\uff15", "\u0663\u0664", "1 2", "-1", "+1", "1.0", "", "\n"],
)
def test_digits_means_ascii_digits_and_nothing_else(value: str) -> None:
    """No trailing newline (a ``$`` anchor would allow it), no full-width or Arabic-Indic
    digits (``\\d`` would allow them), no signs or spaces."""
    assert digits()(value) == ("bad_format", "must be only the digits 0-9")


@SOME
@given(st.text("0123456789", min_size=1))
def test_digits_accepts_every_ascii_digit_string(value: str) -> None:
    assert digits()(value) is None


@SOME
@given(st.text(string.digits + string.ascii_letters + string.punctuation, min_size=1))
def test_printable_accepts_ascii_without_spaces(value: str) -> None:
    assert printable()(value) is None


@pytest.mark.parametrize("value", ["a b", " ", "ab\n", "\u00e9", "\t", "\x7f", "", "a\x00"])
def test_printable_refuses_spaces_controls_and_non_ascii(value: str) -> None:
    assert printable()(value) == ("bad_format", "must be printable ASCII without spaces")


@pytest.mark.parametrize(
    "value", ["", "line\nbreak", "tab\there", "cr\r\n", "Zo\u00eb \u00c5sa", "\u2603"]
)
def test_no_control_accepts_text_with_tabs_and_line_breaks(value: str) -> None:
    assert no_control()(value) is None


@pytest.mark.parametrize(
    "char",
    [
        "\x00",
        "\x07",
        "\x08",
        "\x0b",
        "\x0c",
        "\x0e",
        "\x1b",
        "\x1f",
        "\x7f",
        chr(0xD800),
        chr(0xDFFF),
    ],
)
def test_no_control_refuses_control_characters_and_lone_surrogates(char: str) -> None:
    assert no_control()(f"a{char}b") == (
        "bad_format",
        "must be text without control characters or unpaired surrogates",
    )


# --- one_of --------------------------------------------------------------------------------------

REASONS = one_of(("L", "S", "T", "C", "Z"), deprecated=("F",))


@pytest.mark.parametrize("value", ["L", "S", "T", "C", "Z"])
def test_one_of_accepts_its_values(value: str) -> None:
    assert REASONS(value) is None


def test_one_of_passes_a_deprecated_value_with_its_own_code() -> None:
    assert REASONS("F") == ("deprecated_value", "'F' is deprecated by MDES")


@SOME
@given(st.text().filter(lambda v: v not in {"L", "S", "T", "C", "Z", "F"}))
def test_one_of_refuses_any_other_value(value: str) -> None:
    result = REASONS(value)
    assert result is not None
    code, message = result
    assert code == "not_allowed_value"
    assert message.startswith("must be one of 'L', 'S', 'T', 'C', 'Z', got ")


@pytest.mark.parametrize("value", ["l", "L ", " L", "LS", ""])
def test_one_of_is_exact(value: str) -> None:
    assert REASONS(value) is not None


def test_one_of_never_echoes_a_pan() -> None:
    result = one_of(("0", "1"))("5204740009900014")
    assert result is not None
    assert "5204740009900014" not in result[1]
    assert "520474000990" not in result[1]


# --- reprs: the rule catalogue's text ------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "text"),
    [
        (length(9, 19), "length 9..19"),
        (length(4, 4), "length 4"),
        (length(1), "length >= 1"),
        (digits(), "only the digits 0-9"),
        (printable(), "printable ASCII without spaces"),
        (no_control(), "text without control characters or unpaired surrogates"),
        (mmyy(), "a date as MMYY with month 01-12"),
        (iso_timestamp(), TIMESTAMP_FORM),
        (luhn(), "valid Luhn check digit"),
        (one_of(("0", "1")), "one of '0', '1'"),
        (REASONS, "one of 'L', 'S', 'T', 'C', 'Z' (deprecated: 'F')"),
        (
            exactly_one_of("TokenUniqueReference", "CurrentAccountPan"),
            "exactly one of TokenUniqueReference or CurrentAccountPan",
        ),
        (
            exactly_one_of("TokenUniqueReference", ("AccountPan", "PaymentAppInstanceId")),
            "exactly one of: TokenUniqueReference; or AccountPan with PaymentAppInstanceId",
        ),
        (
            forbids("IssuerProductConfigurationId", "NewAccountPan", "ExpirationDate"),
            "IssuerProductConfigurationId forbids NewAccountPan or ExpirationDate",
        ),
        (at_least_one_of("A", "B", "C"), "at least one of A, B or C"),
        (at_most_one_of("A", "B"), "at most one of A or B"),
        (
            requires("AccountPan", "PaymentAppInstanceId"),
            "AccountPan requires PaymentAppInstanceId",
        ),
        (requires("A", "B", "C"), "A requires B and C"),
        (
            all_of(at_most_one_of("A", "B"), requires("C", "D")),
            "at most one of A or B; C requires D",
        ),
        (when(present("A"), requires("B", "C")), "when A is sent: B requires C"),
        (when(absent("A"), at_least_one_of("B")), "when A is not sent: at least one of B"),
        (when(equals("A", "1"), requires("B", "C")), "when A is '1': B requires C"),
    ],
    ids=repr,
)
def test_reprs_read_as_the_rule(rule: object, text: str) -> None:
    assert repr(rule) == text


# --- rules across fields -------------------------------------------------------------------------

NAMES = ["A", "B", "C", "D"]


def run(rule: object, obj: dict[str, object]) -> list[Violation]:
    out: list[Violation] = []
    rule.check(obj, "/W", out)  # type: ignore[attr-defined]
    return out


def subsets() -> st.SearchStrategy[dict[str, object]]:
    """Objects holding any subset of A..D, with any value: presence is what counts."""
    return st.dictionaries(st.sampled_from(NAMES), st.none() | st.text(max_size=3) | st.integers())


@SOME
@given(obj=subsets())
def test_exactly_one_of_counts_the_fields_sent(obj: dict[str, object]) -> None:
    sent = [n for n in ("A", "B", "C") if n in obj]
    out = run(exactly_one_of("A", "B", "C"), obj)
    if len(sent) == 1:
        assert out == []
    elif not sent:
        assert [(v.code, v.path, v.fields) for v in out] == [
            ("missing_one_of", "/W", ("/W/A", "/W/B", "/W/C"))
        ]
    else:
        (v,) = out
        assert v.code == "mutually_exclusive"
        assert v.fields == tuple(f"/W/{n}" for n in sent)
        assert v.path in v.fields


def test_exactly_one_of_a_group_needs_the_whole_group() -> None:
    rule = exactly_one_of("T", ("P", "I"))
    assert run(rule, {"T": "x"}) == []
    assert run(rule, {"P": "x", "I": "y"}) == []
    (v,) = run(rule, {"P": "x"})
    assert (v.code, v.path, v.fields) == ("requires", "/W/P", ("/W/P", "/W/I"))
    (v,) = run(rule, {"T": "x", "I": "y"})
    assert (v.code, set(v.fields)) == ("mutually_exclusive", {"/W/T", "/W/I"})


def test_exactly_one_of_may_name_its_missing_code() -> None:
    (v,) = run(exactly_one_of("A", "B", code_missing="no_target"), {})
    assert v.code == "no_target"


def test_a_null_or_empty_field_is_still_sent() -> None:
    """MDES sees the key: a null or empty value still conflicts with its alternatives."""
    assert [v.code for v in run(exactly_one_of("A", "B"), {"A": None, "B": ""})] == [
        "mutually_exclusive"
    ]


@SOME
@given(obj=subsets())
def test_at_most_one_of(obj: dict[str, object]) -> None:
    sent = [n for n in NAMES if n in obj]
    out = run(at_most_one_of(*NAMES), obj)
    assert [v.code for v in out] == (["mutually_exclusive"] if len(sent) > 1 else [])
    if out:
        assert out[0].fields == tuple(f"/W/{n}" for n in sent)


@SOME
@given(obj=subsets())
def test_at_least_one_of(obj: dict[str, object]) -> None:
    out = run(at_least_one_of("A", "B", code="nothing_to_update", message="send A or B"), obj)
    if "A" in obj or "B" in obj:
        assert out == []
    else:
        assert [(v.code, v.path, v.fields, v.message) for v in out] == [
            ("nothing_to_update", "/W", ("/W/A", "/W/B"), "send A or B")
        ]


@SOME
@given(obj=subsets())
def test_forbids(obj: dict[str, object]) -> None:
    out = run(forbids("A", "B", "C"), obj)
    clash = [n for n in ("B", "C") if n in obj]
    if "A" in obj and clash:
        (v,) = out
        assert v.code == "mutually_exclusive"
        assert v.fields == ("/W/A", *(f"/W/{n}" for n in clash))
    else:
        assert out == []


@SOME
@given(obj=subsets())
def test_requires(obj: dict[str, object]) -> None:
    out = run(requires("A", "B", "C"), obj)
    missing = [n for n in ("B", "C") if n not in obj]
    if "A" in obj and missing:
        (v,) = out
        assert (v.code, v.path) == ("requires", "/W/A")
        assert v.fields == ("/W/A", *(f"/W/{n}" for n in missing))
    else:
        assert out == []


@SOME
@given(obj=subsets())
def test_when_applies_its_rules_only_under_its_condition(obj: dict[str, object]) -> None:
    inner = requires("B", "C")
    for condition, holds in [
        (present("A"), "A" in obj),
        (absent("A"), "A" not in obj),
        (equals("A", "1"), obj.get("A") == "1"),
    ]:
        assert run(when(condition, inner), obj) == (run(inner, obj) if holds else [])


@SOME
@given(obj=subsets())
def test_all_of_reports_every_rule_never_only_the_first(obj: dict[str, object]) -> None:
    rules = [at_most_one_of("A", "B"), requires("C", "D"), at_least_one_of("A", "D")]
    combined = run(all_of(*rules), obj)
    assert combined == [v for rule in rules for v in run(rule, obj)]


# --- renamed: one rule for every naming of the wire form -----------------------------------------

RULES = [
    exactly_one_of("TokenUniqueReference", ("AccountPan", "PaymentAppInstanceId")),
    at_most_one_of("TokenUniqueReference", "AccountPan"),
    at_least_one_of(
        "NewAccountPan", "ExpirationDate", message="send NewAccountPan or ExpirationDate"
    ),
    forbids("IssuerProductConfigurationId", "NewAccountPan", "ExpirationDate"),
    requires("AccountPan", "PaymentAppInstanceId"),
    all_of(forbids("A", "B"), requires("C", "D")),
    when(present("CardholderId"), requires("AccountPan", "ExpirationDate")),
    when(absent("CardholderId"), at_least_one_of("AccountPan")),
    when(equals("UpdateWalletProviderIndicator", "0"), requires("AccountPan", "ExpirationDate")),
]
PASCAL_NAMES = sorted({n for rule in RULES for n in rule.fields()})


@pytest.mark.parametrize("rule", RULES, ids=repr)
def test_renamed_names_every_field_in_the_new_naming(rule: object) -> None:
    renamed = rule.renamed(camel)  # type: ignore[attr-defined]
    assert renamed.fields() == tuple(map(camel, rule.fields()))  # type: ignore[attr-defined]
    assert rule.renamed(identity) == rule  # type: ignore[attr-defined]
    text = repr(renamed)
    for name in rule.fields():  # type: ignore[attr-defined]
        assert camel(name) in text


@pytest.mark.parametrize("rule", RULES, ids=repr)
@SOME
@given(sent=st.sets(st.sampled_from(PASCAL_NAMES)), value=st.none() | st.just("1") | st.just("0"))
def test_a_renamed_rule_judges_the_renamed_object_the_same_way(
    rule: object, sent: set[str], value: str | None
) -> None:
    pascal_obj: dict[str, object] = dict.fromkeys(sent, value)
    camel_obj: dict[str, object] = {camel(n): v for n, v in pascal_obj.items()}
    renamed = rule.renamed(camel)  # type: ignore[attr-defined]
    before = run(rule, pascal_obj)
    after = run(renamed, camel_obj)
    assert [(v.code, v.severity) for v in after] == [(v.code, v.severity) for v in before]
    for b, a in zip(before, after, strict=True):
        assert a.path == "/W" + "/".join([""] + [camel(p) for p in b.path.split("/")[2:]])
        assert a.fields == tuple("/W/" + camel(f.split("/")[2]) for f in b.fields)
        for name in rule.fields():  # type: ignore[attr-defined]
            if name != camel(name):
                assert f"{name} " not in a.message + " "  # no PascalCase name left in the message


def test_renamed_message_keeps_names_that_contain_other_names() -> None:
    """Each name is renamed once, even inside another name (AccountPan in NewAccountPan)."""
    rule = at_least_one_of(
        "AccountPan", "NewAccountPan", message="send AccountPan or NewAccountPan"
    )
    (v,) = run(rule.renamed(camel), {})
    assert v.message == "send accountPan or newAccountPan"


def test_the_days_of_a_month_are_the_calendars() -> None:
    # iso_timestamp words a day past the month's end with its days; they are counted
    # without the calendar module (and the locale machinery it loads at start-up).
    import calendar

    from mdesrules.fields import _days_in

    for year in range(1, 10000):
        for month in range(1, 13):
            assert _days_in(year, month) == calendar.monthrange(year, month)[1], (year, month)
