"""The account_range message names the configured range that failed: its bounds are BIN
ranges, the issuer's configuration, not card numbers, so they are shown (grouped so that
no output masking hides them); the PANs stay masked."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from mdesrules import AccountRanges, Context, check

TUR = "DWSPMC00000000010906a349d9ca4eb1a4d53e3c90a11d9c"
AUDIT = {"UserId": "A1435477", "UserName": "John Smith", "Organization": "Any Bank"}
CURRENT = "5412345678901232"


def _luhn(body: str) -> str:
    """*body* with its Luhn check digit appended."""
    total = 0
    for i, digit in enumerate(reversed(body)):
        d = int(digit) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return body + str(-total % 10)


OTHER = _luhn("542000567890999")


def _message(low: str, high: str, current: str = CURRENT, new: str = OTHER) -> str:
    document = {
        "TokenUpdateRequest": {
            "TokenUniqueReference": TUR,
            "NewAccountPan": new,
            "ExpirationDate": "0128",
            "AuditInfo": AUDIT,
        }
    }
    context = Context(None, AccountRanges.from_pairs([(low, high)]))
    document["TokenUpdateRequest"]["CurrentAccountPan"] = current
    del document["TokenUpdateRequest"]["TokenUniqueReference"]
    report = check("token_update", document, context)
    (violation,) = [v for v in report.violations if v.code == "account_range"]
    return violation.message


def test_a_bin_range_is_shown_whole() -> None:
    message = _message("5412340000", "5412349999")
    assert message == (
        "NewAccountPan 542000******9995 is not in the account range from 541234 0000 to "
        "541234 9999 of the current PAN 541234******1232"
    )


def test_a_six_digit_range_is_shown_whole() -> None:
    assert "from 541234 to 541235 " in _message("541234", "541235")


def test_a_bound_as_long_as_a_pan_shows_twelve_digits() -> None:
    message = _message("5412340000000000", "5412349999999999")
    assert "from 541234 0000 00** ** to 541234 9999 99** **" in message


@given(
    st.integers(6, 19).flatmap(
        lambda n: st.tuples(
            st.text("0123456789", min_size=n, max_size=n),
            st.text("0123456789", min_size=n, max_size=n),
        )
    )
)
def test_bounds_never_show_a_run_of_digits_as_long_as_a_pan(bounds: tuple[str, str]) -> None:
    low, high = sorted(bounds)
    current = _luhn((low + "1" * 19)[: max(15, len(low) - 1)])
    if not low <= current[: len(low)] <= high:
        return  # the current PAN (cut from low) lies outside the range: another message
    new = _luhn("9" * 15)
    if low <= new[: len(low)] <= high:
        return  # the new PAN is in the range: no violation
    message = _message(low, high, current=current, new=new)
    shown = re.search(r"from (.+) to (.+) of the current PAN", message)
    assert shown is not None, (low, high, message)
    for bound, text in zip((low, high), shown.groups(), strict=True):
        assert text.replace(" ", "").rstrip("*") == bound[:12]
    # No run of more than six digits: nothing a PAN could hide in, nothing scrub() masks.
    assert max(len(run) for run in re.findall(r"[0-9]+", message.split(" of the")[0][14:])) <= 6
