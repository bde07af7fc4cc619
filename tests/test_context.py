"""The issuer's token inventory and account ranges: parsing, lookups, and PAN-safe errors."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mdesrules.context import (
    AccountRange,
    AccountRangeError,
    AccountRanges,
    Context,
    Inventory,
    InventoryError,
    TokenRecord,
)
from mdesrules.lifecycle import Status, TokenState
from mdesrules.masking import mask_pan

PAN = "5412345678901234"
pans = st.text("0123456789", min_size=9, max_size=19)


def fullwidth(text: str) -> str:
    """*text* in full-width forms, which ``str.isdigit`` accepts as digits."""
    return "".join(chr(ord(c) + 0xFEE0) for c in text)


def record(**changes: object) -> dict[str, object]:
    """A valid inventory record, with *changes* applied (``None`` values drop the key)."""
    base: dict[str, object] = {
        "tokenUniqueReference": "DWSPMC0001",
        "accountPan": PAN,
        "status": "A",
    }
    base.update(changes)
    return base


def inventory_error(rec: object) -> str:
    with pytest.raises(InventoryError) as info:
        Inventory().add(rec)  # type: ignore[arg-type]
    assert isinstance(info.value, ValueError)
    return str(info.value)


# --- inventory records --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("A", Status.ACTIVE),
        ("active", Status.ACTIVE),
        ("S", Status.SUSPENDED),
        ("Suspended", Status.SUSPENDED),
        ("U", Status.IN_PROGRESS),
        ("INACTIVE", Status.IN_PROGRESS),
        ("IN_PROGRESS", Status.IN_PROGRESS),
        ("in progress", Status.IN_PROGRESS),
        ("D", Status.DELETED),
        ("DELETED", Status.DELETED),
        ("deactivated", Status.DELETED),
    ],
)
def test_inventory_reads_each_status_code_and_word(word: str, status: Status) -> None:
    token = Inventory().add(record(status=word))
    assert token.status is status


def test_inventory_reads_a_full_record() -> None:
    token = Inventory().add(record(status="S", tokenAssuranceLevel="1", suspenders=["W", "C"]))
    assert token == TokenRecord("DWSPMC0001", PAN, Status.SUSPENDED, "1", frozenset({"W", "C"}))
    assert token.state == TokenState(Status.SUSPENDED, frozenset({"W", "C"}))


@pytest.mark.parametrize("given_suspenders", [{}, {"suspenders": None}, {"suspenders": []}])
def test_a_suspended_token_without_suspenders_is_suspended_by_the_issuer(
    given_suspenders: dict[str, object],
) -> None:
    rec = record(status="SUSPENDED")
    rec.update(given_suspenders)
    assert Inventory().add(rec).suspenders == frozenset({"I"})


def test_optional_keys_may_be_null() -> None:
    token = Inventory().add(
        record(
            tokenAssuranceLevel=None,
            suspenders=None,
            paymentAppInstanceId=None,
            tokenType=None,
            tokenRequestorId=None,
        )
    )
    assert token.token_requestor_id is None
    assert token.token_assurance_level is None
    assert token.suspenders == frozenset()
    assert token.payment_app_instance_id is None
    assert token.token_type is None


@pytest.mark.parametrize("requestor", ["002123", "00212345678"])
def test_inventory_reads_the_token_requestor(requestor: str) -> None:
    assert Inventory().add(record(tokenRequestorId=requestor)).token_requestor_id == requestor


@pytest.mark.parametrize("token_type", ["S", "C", "F"])
def test_inventory_reads_the_payment_app_instance_and_the_spec_token_types(
    token_type: str,
) -> None:
    """``TokenType`` as CS API 2.0.7 and 2.1.7 spell it: S (embedded secure element),
    C (Mastercard Cloud-Based Payments), F (static or card-on-file)."""
    token = Inventory().add(record(paymentAppInstanceId="A" * 48, tokenType=token_type))
    assert (token.payment_app_instance_id, token.token_type) == ("A" * 48, token_type)


@pytest.mark.parametrize(
    ("rec", "says"),
    [
        (record(statsu="A"), "unknown key 'statsu'"),
        (record(AccountPan=PAN), "unknown key 'AccountPan'"),
        ({"tokenUniqueReference": "T", "status": "A"}, "missing key accountPan"),
        ({"accountPan": PAN}, "missing key tokenUniqueReference, status"),
        (record(tokenUniqueReference=""), "1 to 64 characters, got 0 characters"),
        (record(tokenUniqueReference="T" * 65), "got 65 characters"),
        (record(tokenUniqueReference=7), "got a number"),
        (record(accountPan=int(PAN)), "write it in quotes"),
        (record(accountPan=None), "got a null"),
        (record(accountPan="54123456"), "has 8 digits; it must have 9 to 19"),
        (record(accountPan="5" * 20), "has 20 digits"),
        (record(accountPan="5412 3456 7890 1234"), "only the digits 0-9"),
        (record(accountPan=fullwidth("54123456789")), "only the digits 0-9"),
        (record(status="ACTIV"), "status: unknown token status 'ACTIV'"),
        (record(status=1), "status: unknown token status of type int"),
        (record(tokenAssuranceLevel=""), "tokenAssuranceLevel must be a string of 1 to 3"),
        (record(tokenAssuranceLevel="1234"), "got 4 characters"),
        (record(tokenAssuranceLevel=1), "got a number"),
        (record(paymentAppInstanceId=""), "paymentAppInstanceId must be a string of 1 to 48"),
        (record(paymentAppInstanceId="A" * 49), "got 49 characters"),
        (record(paymentAppInstanceId=7), "got a number"),
        (record(tokenType="CLOUD"), "tokenType must be one of S ("),
        (record(tokenType="c"), "got 'c'"),
        (record(tokenType=["C"]), "got an array"),
        (record(tokenTYPE="C"), "unknown key 'tokenTYPE'"),
        (record(tokenRequestorId="00212"), "tokenRequestorId must be a string of 6 to 11"),
        (record(tokenRequestorId="0" * 12), "got 12 characters"),
        (record(tokenRequestorId=212345678), "got a number"),
        (record(status="S", suspenders="I"), "suspenders must be a list"),
        (record(status="S", suspenders=["X"]), "unknown suspender 'X'"),
        (record(status="S", suspenders=["i"]), "unknown suspender 'i'"),
        (record(status="S", suspenders=[1]), "unknown suspender a number"),
        (record(status="A", suspenders=["I"]), "status ACTIVE has no suspenders"),
        (record(status="D", suspenders=["C"]), "status DELETED has no suspenders"),
        (["not", "a", "mapping"], "must be an object, got an array"),
        ("A", "must be an object, got a string"),
    ],
)
def test_inventory_refuses_a_bad_record_and_says_what_is_wrong(rec: object, says: str) -> None:
    assert says in inventory_error(rec)


def test_inventory_refuses_a_token_listed_twice() -> None:
    inventory = Inventory()
    inventory.add(record())
    with pytest.raises(InventoryError, match="'DWSPMC0001' is already in the inventory"):
        inventory.add(record(accountPan="5412345678901242"))
    assert len(inventory) == 1


def test_from_records_numbers_the_bad_record_from_one() -> None:
    records = [record(tokenUniqueReference="T1"), record(tokenUniqueReference="T2", status="?")]
    with pytest.raises(InventoryError, match=r"^record 2: status: "):
        Inventory.from_records(records)


def test_from_records_reports_a_duplicate_at_the_second_listing() -> None:
    with pytest.raises(InventoryError, match=r"^record 3: tokenUniqueReference 'T1'"):
        Inventory.from_records(
            [
                record(tokenUniqueReference="T1"),
                record(tokenUniqueReference="T2"),
                record(tokenUniqueReference="T1"),
            ]
        )


PAN_PLACES: list[Callable[[str], object]] = [
    lambda pan: record(status=pan),
    lambda pan: record(**{pan: "x"}),
    lambda pan: record(accountPan=pan + "0" * (20 - len(pan))),
    lambda pan: record(accountPan=pan + "x"),
    lambda pan: record(accountPan=pan, tokenAssuranceLevel=pan),
    lambda pan: record(accountPan=pan, paymentAppInstanceId=pan + "A" * 48),
    lambda pan: record(accountPan=pan, tokenType=pan),
    lambda pan: record(accountPan=pan, status="S", suspenders=[pan]),
    lambda pan: record(accountPan=pan, status="A", suspenders=["I"]),
    lambda pan: record(tokenUniqueReference=pan + "T" * 64),
    lambda pan: [pan],
]


@given(pan=pans, place=st.sampled_from(PAN_PLACES))
def test_inventory_errors_never_hold_a_full_pan(pan: str, place: Callable[[str], object]) -> None:
    assert pan not in inventory_error(place(pan))


@given(pan=pans)
def test_a_duplicate_token_error_never_holds_a_full_pan(pan: str) -> None:
    inventory = Inventory.from_records([record(tokenUniqueReference=pan)])
    with pytest.raises(InventoryError) as info:
        inventory.add(record(tokenUniqueReference=pan))
    assert pan not in str(info.value)


@given(pan=pans)
def test_token_record_repr_masks_the_pan(pan: str) -> None:
    token = TokenRecord("T1", pan, Status.ACTIVE)
    assert pan not in repr(token)
    assert mask_pan(pan) in repr(token)
    inventory = Inventory.from_records([record(accountPan=pan)])
    assert pan not in repr(inventory)


def test_token_record_keeps_the_lifecycle_invariant() -> None:
    with pytest.raises(ValueError, match="exactly when it is SUSPENDED"):
        TokenRecord("T1", PAN, Status.SUSPENDED)


# --- inventory lookups --------------------------------------------------------------------------


def test_by_pan_groups_the_tokens_of_one_account_in_order() -> None:
    other = "5412345678901242"
    inventory = Inventory.from_records(
        [
            record(tokenUniqueReference="T1"),
            record(tokenUniqueReference="T2", accountPan=other),
            record(tokenUniqueReference="T3", status="D"),
        ]
    )
    assert [t.token_unique_reference for t in inventory.by_pan(PAN)] == ["T1", "T3"]
    assert [t.token_unique_reference for t in inventory.by_pan(other)] == ["T2"]
    assert inventory.by_pan("5412345678901259") == ()


def test_inventory_lookups_by_token_reference() -> None:
    inventory = Inventory.from_records(
        [record(tokenUniqueReference="T1"), record(tokenUniqueReference="T2", status="U")]
    )
    t2 = inventory.by_tur("T2")
    assert t2 is not None
    assert t2.status is Status.IN_PROGRESS
    assert inventory.by_tur("T3") is None
    assert "T1" in inventory
    assert "T3" not in inventory
    assert len(inventory) == 2
    assert [t.token_unique_reference for t in inventory] == ["T1", "T2"]
    assert repr(inventory) == "<Inventory 2 tokens>"
    assert repr(Inventory.from_records([record()])) == "<Inventory 1 token>"


# --- account ranges -----------------------------------------------------------------------------


def test_a_range_holds_pans_by_their_leading_digits() -> None:
    r = AccountRange("541234", "541299")
    assert r.contains("5412345678901234")
    assert r.contains("5412990000000000")
    assert r.contains("541250")
    assert not r.contains("5413000000000000")
    assert not r.contains("5412330000000000")
    assert not r.contains("54123")
    assert not r.contains("54125a0000000000")


@pytest.mark.parametrize(
    "lines",
    [
        ["low,high\n", "541234,541299\n", "222100,272099\n"],
        ["\ufefflow,high\r\n", "541234,541299\r\n", "222100,272099\r\n"],
        ["low,high", "", "  541234 , 541299 ", "   ", "222100,272099", "\n"],
        " low , high\n\n541234,541299\n222100,272099\n\n",
        ['"low","high"\n', '"541234","541299"\n', "222100,272099\n"],
    ],
)
def test_from_csv_reads_ranges_and_tolerates_bom_spaces_and_blank_lines(
    lines: list[str] | str,
) -> None:
    ranges = AccountRanges.from_csv(lines)
    assert list(ranges) == [AccountRange("541234", "541299"), AccountRange("222100", "272099")]
    assert len(ranges) == 2


def test_from_csv_with_only_the_header_has_no_ranges() -> None:
    ranges = AccountRanges.from_csv(["low,high\n"])
    assert len(ranges) == 0
    assert ranges.find(PAN) is None


@pytest.mark.parametrize(
    ("lines", "says"),
    [
        ([], "line 1: missing the header 'low,high'"),
        (["\n", "  \n"], "missing the header"),
        (["541234,541299\n"], "line 1: the first line must be the header 'low,high'"),
        (["LOW,HIGH\n"], "line 1: the first line must be the header"),
        (["low;high\n"], "line 1: the first line must be the header"),
        (["low,high,note\n"], "line 1: the first line must be the header"),
        (["low,high\n", "541234\n"], "line 2: expected 2 cells (low,high), got 1"),
        (["low,high\n", "\n", "541234,541299,x\n"], "line 3: expected 2 cells"),
        (["low,high\n", ",541299\n"], "line 2: low is empty"),
        (["low,high\n", "541234, \n"], "line 2: high is empty"),
        (["low,high\n", "54123a,541299\n"], "line 2: low '54123a' must hold only the digits"),
        (["low,high\n", "541234,-541299\n"], "line 2: high '-541299' must hold only"),
        (["low,high\n", f"{fullwidth('54')},55\n"], "line 2: low '\uff15\uff14' must hold only"),
        (["low,high\n", "541234,5412\n"], "line 2: low and high must have the same number"),
        (["low,high\n", "541299,541234\n"], "line 2: low 541299 is greater than high 541234"),
        (["low,high\n", "1" * 20 + "," + "2" * 20], "line 2: low has 20 digits"),
        (["low,high\n", '"54\n'], "line 2: not readable as CSV"),
        (["low,high\n", 541234], "line 2: expected a line of text, got a number"),
    ],
)
def test_from_csv_refuses_bad_lines_and_names_the_line(lines: list[object], says: str) -> None:
    with pytest.raises(AccountRangeError) as info:
        AccountRanges.from_csv(lines)  # type: ignore[arg-type]
    assert says in str(info.value)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    ("pairs", "says"),
    [
        ([("54", "55"), ("56", "5")], "range 2: low and high must have the same number"),
        ([(54, 55)], "range 1: low must be a string of digits, got a number"),
        ([("54",)], "range 1: expected a (low, high) pair"),
        ([None], "range 1: expected a (low, high) pair"),
    ],
)
def test_from_pairs_refuses_bad_pairs(pairs: list[object], says: str) -> None:
    with pytest.raises(AccountRangeError) as info:
        AccountRanges.from_pairs(pairs)  # type: ignore[arg-type]
    assert says in str(info.value)


@given(low=pans, high=pans)
def test_account_range_errors_never_hold_a_full_pan(low: str, high: str) -> None:
    text = f"low,high\n{max(low, high)},{min(low, high)}0\n{low}\n"
    with pytest.raises(AccountRangeError) as info:
        AccountRanges.from_csv(text)
    assert low not in str(info.value)
    assert high not in str(info.value)


def test_find_and_same_range() -> None:
    ranges = AccountRanges.from_pairs([("541234", "541299"), ("541300", "541399")])
    assert ranges.find("5412345678901234") == AccountRange("541234", "541299")
    assert ranges.find("5413005678901234") == AccountRange("541300", "541399")
    assert ranges.find("5414005678901234") is None
    assert ranges.same_range("5412345678901234", "5412995678901234")
    assert not ranges.same_range("5412995678901234", "5413005678901234")
    assert not ranges.same_range("5414005678901234", "5414005678901234")


def test_same_range_with_overlapping_ranges_needs_one_range_holding_both() -> None:
    ranges = AccountRanges.from_pairs([("100", "200"), ("150", "300"), ("120", "130")])
    assert ranges.same_range("1600000000", "1900000000")
    assert ranges.same_range("1600000000", "2900000000")
    assert not ranges.same_range("1100000000", "2500000000")
    found = ranges.find("1250000000")
    assert found is not None
    assert found.contains("1250000000")


def test_find_prefers_the_most_specific_range() -> None:
    ranges = AccountRanges.from_pairs([("5", "5"), ("541234", "541299"), ("54", "54")])
    assert ranges.find(PAN) == AccountRange("541234", "541299")
    assert ranges.find("5499000000000000") == AccountRange("54", "54")
    assert ranges.find("5999000000000000") == AccountRange("5", "5")
    assert ranges.same_range(PAN, "5999000000000000")


def test_account_ranges_repr_and_len() -> None:
    ranges = AccountRanges.from_pairs([("54", "55")])
    assert repr(ranges) == "<AccountRanges 1 range>"
    assert len(AccountRanges()) == 0


@st.composite
def a_range(draw: st.DrawFn) -> tuple[str, str]:
    n = draw(st.integers(1, 4))
    a, b = (draw(st.text("0123456789", min_size=n, max_size=n)) for _ in range(2))
    return (min(a, b), max(a, b))


short_pans = st.text("0123456789", min_size=0, max_size=6) | st.text(max_size=6)


@given(pairs=st.lists(a_range(), max_size=30), pan=short_pans, other=short_pans)
def test_find_and_same_range_agree_with_a_scan_of_every_range(
    pairs: list[tuple[str, str]], pan: str, other: str
) -> None:
    ranges = AccountRanges.from_pairs(pairs)
    configured = [AccountRange(low, high) for low, high in pairs]
    holding = [r for r in configured if r.contains(pan)]

    found = ranges.find(pan)
    if not holding:
        assert found is None
    else:
        assert found in holding
        assert len(found.low) == max(len(r.low) for r in holding)
    assert ranges.same_range(pan, other) == any(r.contains(other) for r in holding)


def test_lookups_stay_right_with_thousands_of_ranges() -> None:
    pairs = [(f"{i:06d}", f"{i + 5:06d}") for i in range(0, 300_000, 10)]
    ranges = AccountRanges.from_pairs(pairs)
    assert len(ranges) == 30_000
    assert ranges.find("1234560000000000") is None
    assert ranges.find("1234530000000000") == AccountRange("123450", "123455")
    assert ranges.same_range("1234500000000000", "1234559999999999")
    assert not ranges.same_range("1234550000000000", "1234600000000000")


# --- context ------------------------------------------------------------------------------------


def test_context_defaults_to_the_issuer_calling_without_knowledge() -> None:
    context = Context()
    assert context.party == "I"
    assert context.inventory is None
    assert context.account_ranges is None


def test_context_refuses_an_unknown_party() -> None:
    with pytest.raises(ValueError, match="unknown party"):
        Context(party="issuer")
