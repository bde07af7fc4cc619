"""The seeds' generated client: openapi-generator's pydantic v2 models of MDES CS API 2.0.7.

What a user gets for free from the specification: ``TokenUpdateRequestSchema.from_dict``
(the generated entry point, which calls each nested model's ``from_dict`` in turn). The
generated models check types and the specification's maximum lengths, plus the PAN's minimum
length; nothing else (no forms, no Luhn, no value sets, no rules across fields), and they
drop unknown fields silently. A nested model's failure surfaces as its own
``ValidationError`` (titled with the model's name, locations relative to it), so at most one
model's errors are reported.

Built on first use by :func:`_generated_client.ensure_generated_client` (Java needed).
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from . import Doc, Peer, Problem
from .pydantic_models import pydantic_problems

__all__ = ["build"]

# generated model -> the pointer its locations are relative to
_PREFIX = {
    "TokenUpdateRequestSchema": "",
    "TokenUpdateRequest": "/TokenUpdateRequest",
    "AuditInfo": "/TokenUpdateRequest/AuditInfo",
}


def build() -> Peer | None:
    """The generated client as a peer, or ``None`` when it cannot be generated here."""
    from _generated_client import ensure_generated_client  # type: ignore[import-not-found]

    if not ensure_generated_client():
        return None
    from openapi_client.models.token_update_request_schema import (  # type: ignore[import-not-found]
        TokenUpdateRequestSchema,
    )

    from_dict: Any = TokenUpdateRequestSchema.from_dict

    def validate(doc: Doc) -> object:
        try:
            return from_dict(doc)
        except ValidationError as e:
            return e

    def problems(result: object) -> list[Problem]:
        if not isinstance(result, ValidationError):
            return []
        return pydantic_problems(result.errors(include_url=False), _PREFIX.get(result.title, ""))

    return Peer(
        "generated client (pydantic)",
        validate,
        problems,
        note="types and max lengths only; one model's errors",
    )
