"""Long sweeps in full in every CI run, and a few of their cases in the fast inner loop.

A property swept over every operation (or every placement of a PAN) costs seconds a case.
``slow_except`` marks every case ``slow`` except those of a few representatives, so that
``pytest -m "not slow"`` still runs each sweep once per API surface and ``pytest`` (CI) runs
all of it. Test ids do not change.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

import pytest

#: One operation of each API surface, the one with the most rules: CS API v2, the legacy
#: api/Update (JSON and XML), the notification API and CyberSource TMS.
FAST_OPERATIONS = frozenset(
    {"token_update", "legacy_update", "notify_token_updated", "tms_payment_credentials"}
)


#: Where tests/test_pan_masking.py puts a PAN: in a PAN field, and inside free text.
FAST_PAN_PLACEMENTS = frozenset({"pan_field", "text"})


def slow_except(
    values: Iterable[object], keep: Collection[object] = FAST_OPERATIONS
) -> list[object]:
    """*values* for ``parametrize``, the cases whose value (or first value) is not in *keep*
    marked ``slow``. A value may be a tuple of values or a ``pytest.param``."""
    cases: list[object] = []
    for value in values:
        if isinstance(value, pytest.ParameterSet):
            args, marks, case_id = tuple(value.values), list(value.marks), value.id
        else:
            args = value if isinstance(value, tuple) else (value,)
            marks, case_id = [], None
        if args[0] in keep:
            cases.append(value)
        else:
            cases.append(pytest.param(*args, marks=[*marks, pytest.mark.slow], id=case_id))
    return cases
