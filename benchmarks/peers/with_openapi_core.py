"""The JSON Schema of :mod:`peers.json_schema` as the request body of an OpenAPI 3.1 document,
enforced by ``openapi-core``.

Most favourable form: the ``OpenAPI`` object built once from a dict (the spec is checked
once), the ``"luhn"`` format given through ``Config(extra_format_validators=...)``, the request
body validator only (``V31RequestBodyValidator``: no parameters or security to look at), and a
minimal request class built once per document. ``iter_request_errors`` collects every error
(the body's schema errors hang under the one ``InvalidRequestBody``). openapi-core takes the
body as bytes, so its time includes decoding the JSON (about 2 us of it).
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from importlib.metadata import version
from typing import Any

from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.validation.request.validators import V31RequestBodyValidator

from . import Doc, Peer, Problem, luhn_ok
from .json_schema import SCHEMA, problems_of_errors

__all__ = ["SPEC", "build"]


def _body_schema() -> dict[str, Any]:
    schema = copy.deepcopy(SCHEMA)
    del schema["$schema"]  # OpenAPI 3.1 schemas are draft 2020-12 by default
    return schema


#: ``POST /token/update`` with the request body schema, as an OpenAPI 3.1 document.
SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "MDES Customer Service (token update only)", "version": "2.0.7"},
    "servers": [{"url": "https://api.mastercard.com/mdes/csapi/v2"}],
    "paths": {
        "/token/update": {
            "post": {
                "operationId": "tokenUpdate",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _body_schema()}},
                },
                "responses": {"200": {"description": "the update was accepted"}},
            }
        }
    },
}


@dataclass
class TokenUpdateCall:
    """The smallest object openapi-core accepts as a request (its ``Request`` protocol)."""

    body: bytes
    host_url: str = "https://api.mastercard.com"
    path: str = "/mdes/csapi/v2/token/update"
    method: str = "post"
    content_type: str = "application/json"
    parameters: RequestParameters = field(default_factory=RequestParameters)


def build() -> Peer:
    """An openapi-core peer with the OpenAPI object built once."""
    app = OpenAPI.from_dict(
        SPEC,
        config=Config(
            extra_format_validators={"luhn": luhn_ok},
            request_validator_cls=V31RequestBodyValidator,
        ),
    )

    def prepare(doc: Doc) -> TokenUpdateCall:
        return TokenUpdateCall(json.dumps(doc).encode())

    def validate(call: TokenUpdateCall) -> list[Exception]:
        return list(app.iter_request_errors(call))

    def problems(result: object) -> list[Problem]:
        assert isinstance(result, list)
        found: list[Problem] = []
        for error in result:
            schema_errors = getattr(error.__cause__, "schema_errors", None)
            if schema_errors is None:  # not a schema error: a problem we cannot place
                found.append(Problem("", type(error).__name__, frozenset()))
            else:
                found += problems_of_errors(schema_errors)
        return found

    return Peer(
        f"openapi-core {version('openapi-core')}",
        validate,
        problems,
        prepare=prepare,
        note="OpenAPI 3.1 body validator, all errors; from bytes",
    )
