"""Cases shared by the tests of the CS API versions with EncryptedAccountInformation (2.1.7
and 2.2.2): how to break each field rule of a document, and the rules across fields each
broken alone (2.2.2 keeps every rule of 2.1.7, so both run the same list)."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

from mdesrules.fields import length, luhn, one_of
from mdesrules.schema import FieldSpec, ObjectSpec
from mdesrules.testing import luhn_check_digit


def _pan(prefix: str) -> str:
    return prefix + luhn_check_digit(prefix)


PAN = _pan("541234567890123")
NEW_PAN = _pan("541234567890888")
TOKEN = _pan("559876543210987")
TUR = "DWSPMC00000000010906a349d9ca4eb1a4d53e3c90a11d9c"
PAID = "645b532a245e4723d7a9c4f62b24f24a24ba98e27d43e34e"
AUDIT = {"UserId": "A1435477", "UserName": "John Smith", "Organization": "Any Bank"}
CFAI = {"InterbankCardAssociationId": "12345678901", "CountryCode": "GBR"}


def leaves(value: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from leaves(inner, (*path, key))
    elif isinstance(value, str):
        yield path


def spec_at(spec: ObjectSpec, path: tuple[str, ...]) -> FieldSpec:
    here: ObjectSpec | None = spec
    f: FieldSpec | None = None
    for part in path:
        assert here is not None
        f = here.by_name[part]
        here = f.child
    assert f is not None
    return f


def mutations(f: FieldSpec, value: str) -> Iterator[tuple[object, str]]:
    """Values of *f* that break its field rules, each with the code expected."""
    yield 7, "wrong_type"
    for rule in f.rules:
        if isinstance(rule, length) and rule.max is not None:
            yield "7" * (rule.max + 1), "too_long"
        if isinstance(rule, one_of):
            yield "NOT-A-VALUE", "not_allowed_value"
        if isinstance(rule, luhn):
            yield value[:-1] + str((int(value[-1]) + 1) % 10), "bad_check_digit"


def set_at(document: dict[str, Any], path: tuple[str, ...], value: object) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    here = changed
    for part in path[:-1]:
        here = here[part]
    here[path[-1]] = value
    return changed


def value_at(document: dict[str, Any], path: tuple[str, ...]) -> str:
    here: Any = document
    for part in path:
        here = here[part]
    assert isinstance(here, str)
    return here


# --- each rule across fields broken alone --------------------------------------------------

Change = Callable[[dict[str, Any]], None]
EAI = "EncryptedAccountInformation"
CA = f"/{EAI}/EncryptedData/CurrentAccount"
NA = f"/{EAI}/EncryptedData/NewAccount"


def data(r: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = r[EAI]["EncryptedData"]
    return data


def without_new_financial_account(r: dict[str, Any]) -> None:
    # Something else to update, so that only the missing NewFinancialAccountId is wrong.
    data(r)["NewAccount"].pop("NewFinancialAccountId")
    r["RemoveAlternateAccountIdentifierSuffix"] = "true"


#: (base, what changes, the violations (code, path below the wrapper) it must give).
CROSS: list[tuple[str, str, Change, set[tuple[str, str]]]] = [
    (
        "search_by_tur",
        "no identifier",
        lambda r: r.pop("TokenUniqueReference"),
        {("missing_one_of", "")},
    ),
    (
        "search_by_tur",
        "TUR with CommentId",
        lambda r: r.update(CommentId="1234"),
        {("mutually_exclusive", "/CommentId")},
    ),
    (
        "search_by_AccountPan",
        "CommentId with EncryptedAccountInformation",
        lambda r: r.update(CommentId="1234"),
        {("mutually_exclusive", "/CommentId")},
    ),
    (
        "search_by_AccountPan",
        "two account identifiers",
        lambda r: data(r)["CurrentAccount"].update(Token=TOKEN),
        {("mutually_exclusive", f"{CA}/Token")},
    ),
    (
        "search_by_AccountPan",
        "no account identifier",
        lambda r: data(r)["CurrentAccount"].clear(),
        {("missing_one_of", CA)},
    ),
    (
        "activate_by_pan",
        "PAN without PaymentAppInstanceId",
        lambda r: r.pop("PaymentAppInstanceId"),
        {("requires", f"/{EAI}")},
    ),
    (
        "activate_by_pan",
        "PAN with TUR",
        lambda r: r.update(TokenUniqueReference=TUR),
        {("mutually_exclusive", f"/{EAI}")},
    ),
    (
        "update_by_tur",
        "TUR with a current PAN",
        lambda r: data(r).update(CurrentAccount={"AccountPan": PAN}),
        {("mutually_exclusive", f"{CA}/AccountPan")},
    ),
    (
        "update_by_tur",
        "no target",
        lambda r: r.pop("TokenUniqueReference"),
        {("missing_one_of", "")},
    ),
    (
        "update_by_tur",
        "a product configuration with a new account",
        lambda r: r.update(IssuerProductConfigurationId="ABC1020304"),
        {("mutually_exclusive", f"{NA}/AccountPan")},
    ),
    ("update_by_tur", "nothing to change", lambda r: r.pop(EAI), {("nothing_to_update", "")}),
    (
        "update_by_tur",
        "an empty EncryptedData",
        lambda r: data(r).clear(),
        {("missing_one_of", f"/{EAI}/EncryptedData"), ("nothing_to_update", "")},
    ),
    (
        "update_by_pan",
        "a PAN with a financial account",
        lambda r: r.update(CurrentFinancialAccountInformation=CFAI),
        {
            ("mutually_exclusive", "/CurrentFinancialAccountInformation"),
            ("mutually_exclusive", f"{NA}/ExpirationDate"),
            ("requires", "/CurrentFinancialAccountInformation"),
        },
    ),
    (
        "update_by_financial_account",
        "a financial account with TUR",
        lambda r: r.update(TokenUniqueReference=TUR),
        {("mutually_exclusive", f"{CA}/FinancialAccountId")},
    ),
    (
        "update_by_financial_account",
        "a financial account with a current PAN",
        lambda r: data(r)["CurrentAccount"].update(AccountPan=PAN),
        {("mutually_exclusive", f"{CA}/FinancialAccountId")},
    ),
    (
        "update_by_financial_account",
        "FinancialAccountId alone",
        lambda r: r.pop("CurrentFinancialAccountInformation"),
        {("requires", f"{CA}/FinancialAccountId")},
    ),
    (
        "update_by_financial_account",
        "no NewFinancialAccountId",
        lambda r: without_new_financial_account(r),
        {("requires", "/CurrentFinancialAccountInformation")},
    ),
    (
        "update_by_financial_account",
        "a new expiry for a financial account",
        lambda r: data(r)["NewAccount"].update(ExpirationDate="0130"),
        {("mutually_exclusive", f"{NA}/ExpirationDate")},
    ),
]


def shared_bases(eai: Callable[..., dict[str, Any]]) -> dict[str, tuple[str, dict[str, Any]]]:
    """Valid documents of every shape both versions share, spelled out, by name: (operation,
    document), with *eai* making a version's EncryptedAccountInformation around its data
    (the strategies draw such documents too, but these are the examples each rule is broken
    from)."""
    return {
        **{
            f"search_by_{key}": (
                "search",
                {
                    "SearchRequest": {
                        "EncryptedAccountInformation": eai(CurrentAccount={key: value}),
                        "ExcludeDeletedIndicator": "true",
                        "AuditInfo": AUDIT,
                    }
                },
            )
            for key, value in (
                ("AccountPan", PAN),
                ("Token", TOKEN),
                ("VirtualCardNumber", PAN),
            )
        },
        "search_by_tur": (
            "search",
            {"SearchRequest": {"TokenUniqueReference": TUR, "AuditInfo": AUDIT}},
        ),
        "activate_by_pan": (
            "token_activate",
            {
                "TokenActivateRequest": {
                    "EncryptedAccountInformation": eai(CurrentAccount={"AccountPan": PAN}),
                    "PaymentAppInstanceId": PAID,
                    "ReasonCode": "A",
                    "AuditInfo": AUDIT,
                }
            },
        ),
        "update_by_tur": (
            "token_update",
            {
                "TokenUpdateRequest": {
                    "TokenUniqueReference": TUR,
                    "EncryptedAccountInformation": eai(
                        NewAccount={
                            "AccountPan": NEW_PAN,
                            "ExpirationDate": "0130",
                            "AccountPanSequenceNumber": "001",
                        }
                    ),
                    "UpdateWalletProviderIndicator": "0",
                    "AuditInfo": AUDIT,
                }
            },
        ),
        "update_by_pan": (
            "token_update",
            {
                "TokenUpdateRequest": {
                    "EncryptedAccountInformation": eai(
                        CurrentAccount={"AccountPan": PAN},
                        NewAccount={"AccountPan": NEW_PAN, "ExpirationDate": "0130"},
                    ),
                    "CommentText": "new card",
                    "AuditInfo": AUDIT,
                }
            },
        ),
        "update_by_financial_account": (
            "token_update",
            {
                "TokenUpdateRequest": {
                    "EncryptedAccountInformation": eai(
                        CurrentAccount={"FinancialAccountId": "NL91ABNA0417164300"},
                        NewAccount={"NewFinancialAccountId": "NL91ABNA0417164301"},
                    ),
                    "CurrentFinancialAccountInformation": CFAI,
                    "AuditInfo": AUDIT,
                }
            },
        ),
        "update_product_by_pan": (
            "token_update",
            {
                "TokenUpdateRequest": {
                    "EncryptedAccountInformation": eai(CurrentAccount={"AccountPan": PAN}),
                    "IssuerProductConfigurationId": "ABC1020304",
                    "AuditInfo": AUDIT,
                }
            },
        ),
        "delete_from_consumer_app": (
            "token_delete",
            {
                "TokenDeleteRequest": {
                    "TokenUniqueReference": TUR,
                    "ReasonCode": "D",
                    "DeleteFromConsumerApp": "true",
                    "AuditInfo": AUDIT,
                }
            },
        ),
        "disable_channel": (
            "token_disable_payment_channels",
            {
                "DisablePaymentChannelsRequest": {
                    "TokenUniqueReference": TUR,
                    "DisabledPaymentChannels": {"DisabledChannel": "P2P"},
                    "AuditInfo": AUDIT,
                }
            },
        ),
    }
