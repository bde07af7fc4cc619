"""Shared helpers of the PAN-masking and fuzz tests: PAN strategies, leak detectors, fixtures.

The fixture documents hold no run of more than four digits outside their PAN fields, so
that any long digit run found in an output can only come from the PAN under test.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from typing import Any

from hypothesis import strategies as st

import mdesrules
from mdesrules.apis import SURFACES
from mdesrules.masking import mask_pan
from mdesrules.schema import ObjectSpec

DIGITS = "0123456789"

# --- PANs -----------------------------------------------------------------------------------


def luhn_ok(number: str) -> bool:
    """True when the ASCII digits *number* end with a valid Luhn check digit."""
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def luhn_complete(body: str) -> str:
    """*body* followed by its Luhn check digit."""
    return next(body + c for c in DIGITS if luhn_ok(body + c))


#: PANs of the fixture documents: Mastercard test-style numbers, Luhn-valid.
FIXTURE_PAN = luhn_complete("222300112233445")
FIXTURE_NEW_PAN = luhn_complete("222300998877665")
_FIXTURE_PREFIXES = {FIXTURE_PAN[:6], FIXTURE_NEW_PAN[:6]}


def _digit_strings(lo: int, hi: int) -> st.SearchStrategy[str]:
    return st.integers(lo, hi).flatmap(lambda n: st.text(DIGITS, min_size=n, max_size=n))


def _not_fixture(pan: str) -> bool:
    return pan[:6] not in _FIXTURE_PREFIXES


#: Luhn-valid PANs of 9 to 19 ASCII digits, as MDES accepts them.
luhn_pans = _digit_strings(8, 18).map(luhn_complete).filter(_not_fixture)

#: Card-number-like digit strings of 12 to 19 digits with a wrong check digit.
non_luhn_pans = _digit_strings(12, 19).filter(lambda p: not luhn_ok(p)).filter(_not_fixture)

#: Anything a leak test should treat as a PAN.
pans = st.one_of(luhn_pans, non_luhn_pans)


def as_numbers(pan: str) -> list[int]:
    """*pan* as a JSON number, when that keeps all its digits (no leading zero)."""
    return [int(pan)] if pan[0] != "0" else []


# --- leak detectors -------------------------------------------------------------------------

_LONG_RUN = re.compile(r"[0-9]{7,}")
# A masked rendering: digits, stars, digits, not part of a longer such token.
_MASKED = re.compile(r"(?<![0-9*])([0-9]*)\*+([0-9]*)(?![0-9*])")
WINDOW = 7


def pan_exposures(text: str, pan: str) -> list[str]:
    """What *text* shows of *pan* beyond its mask: the full PAN, or 7+ consecutive digits.

    The mask shows at most the first six and the last four digits, so no run of seven
    consecutive digits of the PAN may ever appear.
    """
    found: list[str] = []
    if pan in text:
        found.append(f"the full PAN {pan!r}")
    windows = {pan[i : i + WINDOW] for i in range(len(pan) - WINDOW + 1)}
    for run in sorted(set(_LONG_RUN.findall(text))):
        if any(run[i : i + WINDOW] in windows for i in range(len(run) - WINDOW + 1)):
            found.append(f"the digit run {run!r}, which holds 7+ consecutive digits of the PAN")
    return found


def nonstandard_masks(text: str, pan: str) -> list[str]:
    """Masked renderings of *pan* other than ``mask_pan(pan)`` (first 6 ... last 4).

    A rendering that starts with the PAN's first six digits but is neither the standard
    mask nor a cut of it shows other digits than the last four (a PAN cut before it was
    masked, typically). A mask cut short shows less, so it passes.
    """
    if len(pan) <= 10:
        return []
    expected = mask_pan(pan)
    return sorted(
        {
            f"{m.group()!r} instead of {expected!r}"
            for m in _MASKED.finditer(text)
            if len(m.group(1)) >= 6
            and pan.startswith(m.group(1))
            and not expected.startswith(m.group())
        }
    )


def assert_no_exposure(text: str, pan: str, what: str = "output") -> None:
    found = pan_exposures(text, pan)
    assert not found, f"{what} shows {'; '.join(found)}:\n{text[:1500]}"


def assert_standard_masks(text: str, pan: str, what: str = "output") -> None:
    found = nonstandard_masks(text, pan)
    assert not found, f"{what} masks the PAN as {'; '.join(found)}:\n{text[:1500]}"


# --- fixture documents ----------------------------------------------------------------------

TUR = "DWSPMCTOKENREFERENCEABCDEFGHIJ"
TUR48 = "DWSPMC" + "ABCDEFGHIJKLMNOPQRSTUVWXYZ" + "ABCDEFGHIJKLMNOP"
AUDIT = {"UserId": "UserA", "UserName": "Jane Roe", "Organization": "Any Bank"}
LEGACY_AUDIT = {"userId": "UserA", "userName": "Jane Roe", "organization": "Any Bank"}


def _wrapped(wrapper: str, **fields: object) -> dict[str, Any]:
    return {wrapper: {**fields, "AuditInfo": dict(AUDIT)}}


#: A valid document of every operation, in its JSON form.
VALID: dict[str, dict[str, Any]] = {
    "search": _wrapped("SearchRequest", TokenUniqueReference=TUR),
    "token_activate": _wrapped("TokenActivateRequest", TokenUniqueReference=TUR, ReasonCode="A"),
    "token_update": _wrapped("TokenUpdateRequest", TokenUniqueReference=TUR, ExpirationDate="0128"),
    "token_suspend": _wrapped("TokenSuspendRequest", TokenUniqueReference=TUR, ReasonCode="L"),
    "token_unsuspend": _wrapped("TokenUnsuspendRequest", TokenUniqueReference=TUR, ReasonCode="F"),
    "token_delete": _wrapped("TokenDeleteRequest", TokenUniqueReference=TUR, ReasonCode="L"),
    "token_status_history": _wrapped("TokenStatusHistoryRequest", TokenUniqueReference=TUR),
    "token_comments": _wrapped("TokenCommentsRequest", TokenUniqueReference=TUR),
    "transactions": _wrapped("TransactionsRequest", TokenUniqueReference=TUR),
    "token_activation_methods": _wrapped("TokenActivationMethodsRequest", TokenUniqueReference=TUR),
    "token_resend_activation_code": _wrapped(
        "TokenResendActivationCodeRequest", TokenUniqueReference=TUR, ActivationMethodId="SMSX"
    ),
    "token_reset_mobile_pin": _wrapped(
        "TokenResetMobilePinRequest", TokenUniqueReference=TUR, ReasonCode="N"
    ),
    "update_token_assurance": _wrapped("UpdateTokenAssuranceRequest", TokenUniqueReference=TUR),
    "account_holder_messaging": _wrapped(
        "AccountHolderMessagingRequest",
        TokenUniqueReference=TUR,
        MessageIdentifier="MSG-0001",
        IssuerApplicationMessageDisplay="FALSE",
        MessageText="You have earned a statement credit.",
        MessageExpiration="2024-06-18T18:04:35-06:00",
        MessageLanguageCode="en",
    ),
    "system_status": {},
    "legacy_update": {
        "tokenUniqueReference": TUR48,
        "expirationDate": "0128",
        "auditInfo": dict(LEGACY_AUDIT),
    },
    "notify_token_updated": {
        "tokens": [
            {
                "tokenUniqueReference": TUR48,
                "status": "SUSPENDED",
                "suspendedBy": ["ISSUER"],
                "statusTimestamp": "2024-05-01T10:00:00.123Z",
            }
        ]
    },
    "notify_token_updated_envelope": {
        "responseHost": "site2.payment-app-provider.com",
        "requestId": "123456",
        "encryptedPayload": {
            "encryptedData": "4f1a" * 8,
            "encryptedKey": "a1b2c3d4e5f6112233445566",
            "publicKeyFingerprint": "4c4ead5927f0df8117f178eea9308daa58e27c2b",
        },
    },
    "tms_card_art": {
        "instrumentIdentifierId": "IIdA7020B0000C1060",
        "tokenProvider": "vts",
        "assetType": "card-art-combined",
    },
    "tms_payment_credentials": {
        "tokenId": "TokA7020B0000C1060",
        "profileId": "abcdefab-cdef-4abc-8def-abcdefabcdef",
        "paymentCredentialType": "CRYPTOGRAM",
        "transactionType": "AFT",
    },
}

#: The valid legacy update as the dict of its DataContract XML document.
VALID_XML: dict[str, Any] = {
    "UpdateRequest": {
        "TokenUniqueReference": TUR48,
        "ExpirationDate": "0128",
        "AuditInfo": dict(AUDIT),
    }
}

OPERATIONS = tuple(mdesrules.REGISTRY.names())


def _later_valid(key: str) -> dict[str, dict[str, Any]]:
    """A valid plaintext document of every operation of the CS API registry *key* (2.1.7 or
    2.2.2): those of 2.0.7 with a 48-character TUR, and the operations new since."""
    registry = SURFACES[key]
    documents: dict[str, dict[str, Any]] = {}
    for op in registry:
        if op.name in VALID and op.wrapper is not None:
            inner = {**VALID[op.name][op.wrapper], "TokenUniqueReference": TUR48}
            if op.name == "token_update":  # 2.1.7 moved the expiry into the encrypted part
                del inner["ExpirationDate"]
                inner["IssuerProductConfigurationId"] = "PRODUCTX"
            documents[op.name] = {op.wrapper: inner}
    documents["token_disable_payment_channels"] = _wrapped(
        "DisablePaymentChannelsRequest",
        TokenUniqueReference=TUR48,
        DisabledPaymentChannels={"DisabledChannel": "P2P"},
    )
    documents["token_requestor_search"] = _wrapped(
        "TokenRequestorSearchRequest", TokenRequestorId="TRIDABCD"
    )
    if "notify_authentication_decision" in registry:
        documents["notify_authentication_decision"] = {
            "tokenUniqueReference": TUR48,
            "authRequestCorrelationId": "CORRELATIONX",
            "authenticationMethod": "Web Portal",
            "decision": "SUCCESS",
            "auditInfo": dict(LEGACY_AUDIT),
        }
    assert set(documents) == set(registry.names()), key
    return documents


#: The CS API versions with EncryptedAccountInformation, and a valid plaintext document of
#: each of their operations (by registry key, then operation).
LATER_KEYS = ("mdes-cs-api-2.1.7", "mdes-cs-api-2.2.2")
LATER_VALID: dict[str, dict[str, dict[str, Any]]] = {key: _later_valid(key) for key in LATER_KEYS}


def field_paths(spec: ObjectSpec, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """The path (names from the inner object down) of every field of *spec*, nested ones too."""
    for f in spec.fields:
        yield (*prefix, f.name)
        if f.child is not None:
            yield from field_paths(f.child, (*prefix, f.name))


def field_kind(spec: ObjectSpec, path: tuple[str, ...]) -> str:
    """``pan``, ``enum``, ``object`` or ``text`` (identifiers, free text, dates, digits)."""
    here = spec
    for name in path[:-1]:
        child = here.by_name[name].child
        assert child is not None
        here = child
    f = here.by_name[path[-1]]
    if f.kind != "str":
        return "object"
    names = {type(rule).__name__ for rule in f.rules}
    if "luhn" in names:
        return "pan"
    if "one_of" in names:
        return "enum"
    return "text"


def inner_of(document: dict[str, Any], envelope: str | None) -> dict[str, Any]:
    """The request object of *document*: under its wrapper, or the document itself."""
    inner = document[envelope] if envelope is not None else document
    assert isinstance(inner, dict)
    return inner


def placed(
    document: dict[str, Any], envelope: str | None, path: tuple[object, ...], value: object
) -> dict[str, Any]:
    """A copy of *document* with *value* at *path* under the envelope (objects made on the
    way); with ``envelope=None`` the path starts at the top, outside any wrapper."""
    copied = copy.deepcopy(document)
    node = inner_of(copied, envelope)
    for name in path[:-1]:
        child = node.get(name)  # type: ignore[call-overload]
        if not isinstance(child, dict):
            child = node[name] = {}  # type: ignore[index]
        node = child
    node[path[-1]] = value  # type: ignore[index]
    return copied
