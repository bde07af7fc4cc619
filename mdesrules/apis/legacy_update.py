"""The legacy MDES customer service update, ``POST api/Update`` (seed 004).

camelCase JSON without a wrapper, or DataContract XML rooted at ``UpdateRequest``;
``CardholderId`` is a third way to name the target.
"""

from __future__ import annotations

from ..combinators import exactly_one_of
from ..registry import Operation, Registry
from ..schema import camel
from ._update import UPDATE_RULES, UPDATE_STATE

__all__ = ["LEGACY_UPDATE"]

#: The models, by name: imported when a document of the surface is first checked.
MODELS = "mdesrules.models.legacy."

#: The legacy ``api/Update`` (key ``mdes-legacy-update``), camelCase JSON or DataContract XML.
LEGACY_UPDATE = Registry("mdes-legacy-update", title="MDES customer service api/Update (legacy)")

for _operation in (
    Operation(
        name="legacy_update",
        endpoint="POST /api/Update",
        summary="The legacy update: camelCase JSON without a wrapper, or DataContract XML; "
        "CardholderId is a third way to name the target.",
        request=MODELS + "UpdateRequest",
        wrapper=None,
        rules=(
            exactly_one_of("TokenUniqueReference", "CurrentAccountPan", "CardholderId"),
            *UPDATE_RULES,
        ),
        state_rules=UPDATE_STATE,
        response=MODELS + "LegacyTokenResponse",
        response_wrapper="TokenResponse",
        naming=camel,
        xml_root="UpdateRequest",
        effect="legacy_update",
    ),
):
    LEGACY_UPDATE.register(_operation)
