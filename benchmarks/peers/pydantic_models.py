"""``token_update``'s rules as pydantic v2 models.

Most favourable idiomatic form: field names as on the wire (no aliases to look up),
``Field`` constraints (lengths, patterns run by pydantic-core's Rust regex engine),
``Literal`` for the indicator, ``AfterValidator`` for the Luhn check (it runs only once length
and pattern pass, as ours), ``extra="forbid"`` and ``strict=True`` at both levels, and a
``model_validator(mode="after")`` for the rules across fields, raising
``PydanticCustomError`` with our code as its type.

By pydantic's nature the "after" model validator runs only when every field validated, so a
document with field errors gets no cross-field errors, and the validator itself raises its
first failure only. Optional fields are typed ``str`` with a ``None`` default: pydantic does
not validate defaults, so an absent field is ``None`` while an explicit ``null`` is a type
error, as ours; "sent" for the cross-field rules is ``model_fields_set``. Lone surrogates are
refused by pydantic-core itself (``string_unicode``), so the Rust pattern need not name them.
"""

from __future__ import annotations

from importlib.metadata import version
from typing import Annotated, Any, Literal, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from . import UPDATE_PAYLOAD, Doc, Peer, Problem, luhn_ok

__all__ = ["TokenUpdateDocument", "build", "pydantic_problems"]


def _luhn(value: str) -> str:
    if not luhn_ok(value):
        raise PydanticCustomError("bad_check_digit", "has a wrong Luhn check digit")
    return value


_TEXT = "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]*$"

Printable48 = Annotated[str, Field(min_length=1, max_length=48, pattern="^[!-~]+$")]
Printable10 = Annotated[str, Field(min_length=1, max_length=10, pattern="^[!-~]+$")]
Pan = Annotated[str, Field(min_length=9, max_length=19, pattern="^[0-9]+$"), AfterValidator(_luhn)]
Mmyy = Annotated[str, Field(min_length=4, max_length=4, pattern="^(0[1-9]|1[0-2])[0-9]{2}$")]
Psn = Annotated[str, Field(min_length=1, max_length=2, pattern="^[0-9]+$")]
Text20 = Annotated[str, Field(min_length=1, max_length=20, pattern=_TEXT)]
Text50 = Annotated[str, Field(min_length=1, max_length=50, pattern=_TEXT)]
Text200 = Annotated[str, Field(min_length=1, max_length=200, pattern=_TEXT)]
Text500 = Annotated[str, Field(min_length=1, max_length=500, pattern=_TEXT)]

#: The default of an optional field: ``None``, typed ``Any`` so that the field's type stays
#: ``str`` (pydantic does not validate defaults, so an explicit ``null`` is still an error).
ABSENT: Any = None

_STRICT = ConfigDict(extra="forbid", strict=True)


class AuditInfo(BaseModel):
    """Who made the request."""

    model_config = _STRICT

    UserId: Text50
    UserName: Text200
    Organization: Text200
    Phone: Text20 = ABSENT


class TokenUpdateRequest(BaseModel):
    """The object inside the wrapper, with the three rules across fields."""

    model_config = _STRICT

    TokenUniqueReference: Printable48 = ABSENT
    CurrentAccountPan: Pan = ABSENT
    NewAccountPan: Pan = ABSENT
    ExpirationDate: Mmyy = ABSENT
    AccountPanSequenceNumber: Psn = ABSENT
    IssuerProductConfigurationId: Printable10 = ABSENT
    UpdateWalletProviderIndicator: Literal["0", "1"] = "1"
    CommentText: Text500 = ABSENT
    AuditInfo: AuditInfo

    @model_validator(mode="after")
    def _across_fields(self) -> Self:
        sent = self.model_fields_set
        if "TokenUniqueReference" in sent and "CurrentAccountPan" in sent:
            raise PydanticCustomError(
                "mutually_exclusive",
                "TokenUniqueReference and CurrentAccountPan must not be sent together",
                {"fields": "TokenUniqueReference,CurrentAccountPan"},
            )
        if "TokenUniqueReference" not in sent and "CurrentAccountPan" not in sent:
            raise PydanticCustomError(
                "missing_one_of",
                "send one of TokenUniqueReference or CurrentAccountPan",
                {"fields": "TokenUniqueReference,CurrentAccountPan"},
            )
        if "IssuerProductConfigurationId" in sent:
            clash = sent.intersection(UPDATE_PAYLOAD[:3])
            if clash:
                raise PydanticCustomError(
                    "mutually_exclusive",
                    "IssuerProductConfigurationId must not be sent with {others}",
                    {"others": ", ".join(sorted(clash)), "fields": ",".join(sorted(clash))},
                )
        elif not sent.intersection(UPDATE_PAYLOAD):
            raise PydanticCustomError(
                "nothing_to_update",
                "the update changes nothing",
                {"fields": ",".join(UPDATE_PAYLOAD)},
            )
        return self


class TokenUpdateDocument(BaseModel):
    """The whole request: ``{"TokenUpdateRequest": {...}}``."""

    model_config = _STRICT

    TokenUpdateRequest: TokenUpdateRequest


# pydantic error type -> our violation codes that say the same thing.
_CODES: dict[str, frozenset[str]] = {
    "missing": frozenset({"missing_required"}),
    "extra_forbidden": frozenset({"unknown_field"}),
    "string_type": frozenset({"wrong_type"}),
    "model_type": frozenset({"wrong_type"}),
    "model_attributes_type": frozenset({"wrong_type"}),
    "dict_type": frozenset({"wrong_type"}),
    "string_too_short": frozenset({"too_short"}),
    "string_too_long": frozenset({"too_long"}),
    "string_pattern_mismatch": frozenset({"bad_format"}),
    "string_unicode": frozenset({"bad_format"}),
    "literal_error": frozenset({"not_allowed_value"}),
}


def pydantic_problems(errors: list[Any], prefix: str = "") -> list[Problem]:
    """The problems of pydantic's ``ValidationError.errors()``, at pointers under *prefix*.

    Our custom error types are our codes; their ``ctx["fields"]`` names the fields involved.
    """
    found: list[Problem] = []
    for e in errors:
        base = prefix + "".join(f"/{part}" for part in e["loc"])
        kind = str(e["type"])
        names = str((e.get("ctx") or {}).get("fields", ""))
        fields = tuple(f"{base}/{n}" for n in names.split(",") if n)
        found.append(Problem(base, kind, _CODES.get(kind, frozenset({kind})), fields))
    return found


def build(*, read_errors: bool = False) -> Peer:
    """A pydantic peer. With *read_errors* the timed call also builds ``e.errors()`` (the
    list of dicts with the messages), the counterpart of reading every message of ours;
    without, it stops at catching the ``ValidationError`` (pydantic renders lazily too)."""
    validate_doc = TokenUpdateDocument.model_validate

    def validate(doc: Doc) -> object:
        try:
            return validate_doc(doc)
        except ValidationError as e:
            return e

    def validate_and_read(doc: Doc) -> object:
        try:
            return validate_doc(doc)
        except ValidationError as e:
            return e.errors(include_url=False)

    def problems(result: object) -> list[Problem]:
        if isinstance(result, ValidationError):
            return pydantic_problems(result.errors(include_url=False))
        if isinstance(result, list):
            return pydantic_problems(result)
        return []

    name = f"pydantic {version('pydantic')}"
    if read_errors:
        return Peer(name + " + e.errors()", validate_and_read, problems, note="messages built")
    return Peer(
        name, validate, problems, note="cross-field rules only when fields pass; first one only"
    )
