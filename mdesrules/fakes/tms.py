"""A simulated CyberSource TMS for the two token operations, in process or over WSGI.

:class:`SimulatedTms` serves card art for the instrument identifiers it was given
(``enrolled``) and issues payment credentials for them, encrypted as a compact JWE to
``credential_key``. Requests are checked with the same rules as the client
(``mdesrules.check``); refusals use CyberSource's envelope
``{"errors": [{"type", "message", "details"?}]}``. It does not verify authentication.

- :meth:`SimulatedTms.handle` is a :data:`~mdesrules.tms.client.Sender`:
  ``TmsClient.in_memory(sim.handle, private_key=...)``.
- :func:`wsgi_app` serves the same handler over HTTP.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import quote, unquote
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

import attrs
from cryptography.hazmat.primitives.asymmetric import rsa

from mdesrules import check

from .._json import MalformedJson, loads_strict
from ..serving._body import BodyRefused, read_body
from ..tms.jwe import encrypt_credentials
from ..wire import WireRequest, WireResponse

__all__ = ["Artwork", "SimulatedTms", "wsgi_app"]

_JSON = {"Content-Type": "application/json;charset=utf-8"}
_JOSE = {"Content-Type": "application/jose;charset=utf-8"}
_MAX_BODY = 64 * 1024


@attrs.frozen
class Artwork:
    """One image the simulator serves for an instrument identifier and asset type."""

    asset_type: str
    media_type: str
    data: bytes = attrs.field(repr=lambda b: f"<{len(b)} bytes>")
    width: int | None = None
    height: int | None = None


def _camel(asset_type: str) -> str:
    head, *rest = asset_type.split("-")
    return head + "".join(p.title() for p in rest)


def _error(
    status: int, type_: str, message: str, details: Sequence[Mapping[str, str]] = ()
) -> WireResponse:
    entry: dict[str, Any] = {"type": type_, "message": message}
    if details:
        entry["details"] = [dict(d) for d in details]
    return WireResponse(status, _JSON, json.dumps({"errors": [entry]}).encode())


class SimulatedTms:
    """An in-memory TMS: card art and JWE payment credentials for enrolled identifiers."""

    def __init__(
        self,
        enrolled: Mapping[str, Sequence[Artwork]],
        credential_key: rsa.RSAPublicKey,
        *,
        kid: str | None = None,
    ) -> None:
        self.enrolled = {k: tuple(v) for k, v in enrolled.items()}
        self.credential_key = credential_key
        self.kid = kid

    def credentials_for(self, token_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """The (deterministic) credential object issued for ``token_id``."""
        seed = hashlib.sha256(token_id.encode()).digest()
        number = "489537" + "".join(str(b % 10) for b in seed[:10])
        kind = body.get("paymentCredentialType")
        card: dict[str, Any] = {
            "state": "ACTIVE",
            "number": number,
            "expirationMonth": "12",
            "expirationYear": "2031",
            "type": "visa",
        }
        if kind in (None, "CRYPTOGRAM"):
            card["cryptogram"] = base64.b64encode(seed[10:30]).decode()
            card["eci"] = "07"
        elif kind == "SECURITY_CODE":
            card["securityCode"] = str(int.from_bytes(seed[10:12], "big") % 1000).zfill(3)
        return {
            "_links": {"self": {"href": f"/tms/v2/tokens/{token_id}/payment-credentials"}},
            "tokenizedCard": card,
        }

    def handle(self, request: WireRequest) -> WireResponse:
        """Answer one request (the path relative to the host, percent-encoded)."""
        path = request.path.split("?", 1)[0]
        segments = [unquote(s) for s in path.split("/")]
        prefix = segments[1:4] == ["tms", "v2", "tokens"]
        if prefix and len(segments) == 8 and segments[6] == "assets":
            if request.method != "GET":
                return _error(405, "methodNotAllowed", "Use GET")
            return self._card_art(segments[4], segments[5], segments[7])
        if prefix and len(segments) == 6 and segments[5] == "payment-credentials":
            if request.method != "POST":
                return _error(405, "methodNotAllowed", "Use POST")
            headers = {k.lower(): v for k, v in request.headers.items()}
            return self._payment_credentials(segments[4], request.body, headers.get("profile-id"))
        return _error(404, "notFound", "Resource not found")

    def _card_art(self, instrument_id: str, provider: str, asset_type: str) -> WireResponse:
        report = check(
            "tms_card_art",
            {
                "instrumentIdentifierId": instrument_id,
                "tokenProvider": provider,
                "assetType": asset_type,
            },
        )
        if not report.ok:
            details = [{"name": v.path.lstrip("/"), "location": "path"} for v in report.errors]
            return _error(400, "invalidFields", "Invalid path parameter", details)
        artworks = self.enrolled.get(instrument_id)
        if artworks is None:
            return _error(404, "notFound", "Instrument identifier not found")
        chosen = [a for a in artworks if a.asset_type == asset_type]
        if not chosen:
            return _error(404, "notFound", "Card art not found")
        asset_id = hashlib.sha256(f"{instrument_id}/{asset_type}".encode()).hexdigest()[:32]
        content = []
        for a in chosen:
            item: dict[str, Any] = {
                "type": a.media_type,
                "data": base64.b64encode(a.data).decode("ascii"),
            }
            if a.width is not None:
                item["width"] = a.width
            if a.height is not None:
                item["height"] = a.height
            content.append(item)
        doc = {"id": asset_id, "type": _camel(asset_type), "provider": provider, "content": content}
        return WireResponse(200, _JSON, json.dumps(doc).encode())

    def _payment_credentials(
        self, token_id: str, body: bytes, profile_id: str | None
    ) -> WireResponse:
        if len(body) > _MAX_BODY:
            return _error(400, "invalidRequest", "Invalid HTTP Body")
        try:
            parsed = loads_strict(body) if body else {}
        except MalformedJson:
            return _error(400, "invalidRequest", "Invalid HTTP Body")
        if not isinstance(parsed, dict) or {"tokenId", "profileId"} & parsed.keys():
            return _error(400, "invalidRequest", "Invalid HTTP Body")
        document: dict[str, Any] = {**parsed, "tokenId": token_id}
        if profile_id is not None:
            document["profileId"] = profile_id
        report = check("tms_payment_credentials", document)
        if not report.ok:
            details = [
                {
                    "name": v.path.lstrip("/"),
                    "location": "header"
                    if v.path == "/profileId"
                    else "path"
                    if v.path == "/tokenId"
                    else "body",
                }
                for v in report.errors
            ]
            return _error(400, "invalidFields", "Invalid request", details)
        if token_id not in self.enrolled:
            return _error(404, "notFound", "Token not found")
        token = encrypt_credentials(
            self.credentials_for(token_id, parsed), self.credential_key, kid=self.kid
        )
        return WireResponse(201, _JOSE, token.encode("ascii"))


def wsgi_app(simulator: SimulatedTms) -> WSGIApplication:
    """A WSGI application serving ``simulator`` (for a loopback server in tests)."""

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        try:
            body = read_body(environ, _MAX_BODY)
        except BodyRefused:
            response = _error(400, "invalidRequest", "Invalid HTTP Body")
        else:
            headers = {
                key[5:].replace("_", "-").lower(): str(value)
                for key, value in environ.items()
                if key.startswith("HTTP_")
            }
            if environ.get("CONTENT_TYPE"):
                headers["content-type"] = str(environ["CONTENT_TYPE"])
            raw_path = (
                str(environ.get("PATH_INFO", "/")).encode("latin-1").decode("utf-8", "replace")
            )
            path = "/".join(quote_segment(s) for s in raw_path.split("/"))
            response = simulator.handle(
                WireRequest(str(environ["REQUEST_METHOD"]), path, headers, body)
            )
        reason = {200: "OK", 201: "Created", 400: "Bad Request", 404: "Not Found"}.get(
            response.status, "Error"
        )
        start_response(
            f"{response.status} {reason}",
            [
                ("Content-Type", response.content_type),
                ("Content-Length", str(len(response.body))),
            ],
        )
        return [response.body]

    return app


def quote_segment(segment: str) -> str:
    """Percent-encode one decoded path segment (WSGI gives ``PATH_INFO`` decoded)."""
    return quote(segment, safe="")
