"""The admin API of the simulated MDES: reset, seed, inspect and break it over HTTP.

A test suite in any language drives the simulator through JSON endpoints under
``/__admin/`` (WireMock's convention), beside the MDES API itself. :class:`AdminApp` is a
WSGI application that answers them for one :class:`~mdesrules.fakes.mdes.SimulatedMdes`
and hands every other path to the application in front of which it is composed (the
simulator's :class:`~mdesrules.serving.WsgiApp`), so the whole keeps running under any WSGI
server. :func:`simulator_app` builds both; ``mdesrules serve`` serves it (``--no-admin``
leaves the admin API out).

=======================================  ===================================================
``GET /__admin/``                        what is served: the API version, the endpoints;
                                         to a browser (``Accept`` preferring ``text/html``)
                                         the inspector page instead (see below)
``GET /__admin/requests``                the journal, oldest first; filters ``operation``,
                                         ``token``, ``status``, ``code``, ``since`` (entries
                                         numbered above it: poll with the last ``seq`` seen)
                                         and ``limit`` (the latest that many)
``DELETE /__admin/requests``             forget the journal
``GET /__admin/tokens``                  every token: status, suspenders (PAN masked)
``POST /__admin/tokens``                 seed tokens: a JSON array of records in the
                                         ``--tokens`` inventory format (or
                                         ``{"tokens": [...]}``); each replaces a stored
                                         token with its TUR
``GET /__admin/tokens/{tur}``            one token with its history and comments
``POST /__admin/reset``                  the store back to its seed, the journal forgotten,
                                         the faults removed (``{"store": false}``, ...
                                         keeps one)
``GET /__admin/faults``                  the faults in force, with how often each applied
``POST /__admin/faults``                 add a fault (the JSON of
                                         :meth:`~mdesrules.fakes.mdes.faults.Fault.to_json`);
                                         answers it with its ``id`` (201)
``DELETE /__admin/faults``               remove every fault
``DELETE /__admin/faults/{id}``          remove one fault
=======================================  ===================================================

Answers are JSON (``Cache-Control: no-store``, so a page can poll them). Bad input is
answered in MDES's error shape: 400 ``MALFORMED_DOCUMENT`` (a body that is not JSON),
400 ``INVALID_VALUE`` (a record, fault or filter that cannot be used; the description
says what to fix), 404 ``NOT_FOUND``, 405 ``METHOD_NOT_ALLOWED``, 413
``REQUEST_TOO_LARGE``. No answer holds a full PAN: account PANs are masked, and so is every
run of nine or more digits in a journal entry.

The inspector page is one static file shipped with the package (``inspector.html``): plain
JavaScript that polls the JSON endpoints every second and renders the tokens, a token's
history, the faults in force and the journal (latest first), only ever through
``textContent``. It is served with a Content-Security-Policy that allows its own inline
script and style (by their SHA-256 hashes) and fetches to the same origin, and nothing else.
Content negotiation: the page is served when ``Accept`` names ``text/html`` with a higher
quality than ``application/json`` gets (a browser's ``text/html,...,*/*;q=0.8``); every other
client (no ``Accept``, ``*/*``, ``application/json``) gets the JSON index, as before.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import importlib.resources
import json
import re
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from mdesrules.codecs import json as json_codec
from mdesrules.context import InventoryError
from mdesrules.exceptions import DecodeError
from mdesrules.masking import mask_pan, scrub
from mdesrules.models.common import AuditInfo
from mdesrules.serving._body import BodyRefused, read_body
from mdesrules.serving.wsgi import (
    DEFAULT_BASE_PATH,
    DEFAULT_LEGACY_PATH,
    MAX_REQUEST_BYTES,
    WsgiApp,
)

from .engine import STATUS_DESCRIPTIONS, SimulatedMdes
from .faults import Fault, FaultError
from .store import StoredToken

__all__ = [
    "ADMIN_PREFIX",
    "AdminApp",
    "InspectorPage",
    "inspector_page",
    "simulator_app",
    "token_json",
    "wants_html",
]

#: Where the admin API lives.
ADMIN_PREFIX = "/__admin"

_JSON = "application/json; charset=utf-8"

_INSPECTOR = "inspector.html"
_PREFIX_PLACEHOLDER = "__ADMIN_PREFIX__"


class _AdminError(Exception):
    def __init__(self, status: int, reason_code: str, description: str, allow: str = "") -> None:
        super().__init__(description)
        self.status = status
        self.reason_code = reason_code
        self.description = description
        self.allow = allow


def _audit_json(audit: AuditInfo | None) -> dict[str, Any] | None:
    if audit is None:
        return None
    return {
        "userId": scrub(audit.user_id or ""),
        "userName": scrub(audit.user_name or ""),
        "organization": scrub(audit.organization or ""),
    }


def token_json(token: StoredToken, *, full: bool = True) -> dict[str, Any]:
    """A stored token as the admin API answers it: the account PAN masked; with *full*,
    its history (oldest first) and comments too."""
    out: dict[str, Any] = {
        "tokenUniqueReference": token.token_unique_reference,
        "accountPan": mask_pan(token.account_pan),
        "status": token.status.value,
        "statusDescription": STATUS_DESCRIPTIONS[token.status],
        "suspenders": sorted(token.suspenders),
        "tokenType": token.token_type,
        "tokenRequestorId": token.token_requestor_id,
        "tokenAssuranceLevel": token.token_assurance_level,
        "deletedFromConsumerApp": token.deleted_from_consumer_app,
    }
    if not full:
        out["lastChange"] = token.history[-1].date_time if token.history else None
        return out
    out.update(
        {
            "accountPanExpiry": token.account_pan_expiry,
            "accountPanSequenceNumber": token.psn,
            "productConfigurationId": token.product_configuration_id,
            "paymentAppInstanceId": (
                None
                if token.payment_app_instance_id is None
                else scrub(token.payment_app_instance_id)
            ),
            "disabledChannels": list(token.disabled_channels),
            "history": [
                {
                    "status": h.status.value,
                    "dateTime": h.date_time,
                    "event": h.event,
                    "initiator": h.initiator,
                    "reasonCode": h.reason_code,
                    "commentId": h.comment_id,
                    "auditInfo": _audit_json(h.audit_info),
                }
                for h in token.history
            ],
            "comments": [
                {
                    "commentId": c.comment_id,
                    "text": scrub(c.text),
                    "dateTime": c.date_time,
                    "auditInfo": _audit_json(c.audit_info),
                }
                for c in token.comments
            ],
        }
    )
    return out


Route = Callable[[WSGIEnvironment, str], tuple[int, object]]


class AdminApp:
    """Answers ``/__admin/`` for *simulator*; hands every other path to *app*.

    Args:
        simulator: the simulated MDES to administer.
        app: the application for every other path (the simulator's
            :class:`~mdesrules.serving.WsgiApp`); ``None`` answers them 404.
        prefix: where the admin API lives.
        max_body: the largest admin request body read, in bytes.
    """

    def __init__(
        self,
        simulator: SimulatedMdes,
        app: WSGIApplication | None = None,
        *,
        prefix: str = ADMIN_PREFIX,
        max_body: int = MAX_REQUEST_BYTES,
    ) -> None:
        self.simulator = simulator
        self.app = app
        self.prefix = "/" + prefix.strip("/")
        self.max_body = max_body

    def __repr__(self) -> str:
        return f"<AdminApp {self.prefix} for {self.simulator!r}>"

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = str(environ.get("SCRIPT_NAME", "")) + str(environ.get("PATH_INFO", ""))
        if path != self.prefix and not path.startswith(self.prefix + "/"):
            if self.app is None:
                return _error(start_response, 404, "NOT_FOUND", "nothing is served at this path")
            return self.app(environ, start_response)
        method = str(environ.get("REQUEST_METHOD", "GET")).upper()
        rest = path[len(self.prefix) :]
        if method == "GET" and not rest.strip("/") and wants_html(environ.get("HTTP_ACCEPT")):
            return self._inspector(start_response)
        try:
            status, document = self._route(environ, method, rest)
        except _AdminError as e:
            extra = [("Allow", e.allow)] if e.allow else []
            return _error(start_response, e.status, e.reason_code, e.description, extra)
        extra = [("Vary", "Accept")] if not rest.strip("/") else []
        return _json(start_response, status, document, extra)

    def _inspector(self, start_response: StartResponse) -> list[bytes]:
        page = inspector_page()
        body = page.html.replace(_PREFIX_PLACEHOLDER, html.escape(self.prefix, quote=True)).encode(
            "utf-8"
        )
        start_response(
            "200 OK",
            [
                ("Content-Type", "text/html; charset=utf-8"),
                ("Content-Length", str(len(body))),
                ("Content-Security-Policy", page.csp),
                ("Cache-Control", "no-store"),
                ("X-Content-Type-Options", "nosniff"),
                ("X-Frame-Options", "DENY"),
                ("Referrer-Policy", "no-referrer"),
                ("Vary", "Accept"),
            ],
        )
        return [body]

    def _route(self, environ: WSGIEnvironment, method: str, rest: str) -> tuple[int, object]:
        parts = [p for p in rest.split("/") if p]
        routes: dict[str, Route]
        if not parts:
            routes = {"GET": self._index}
        elif parts == ["requests"]:
            routes = {"GET": self._requests, "DELETE": self._clear_requests}
        elif parts == ["tokens"]:
            routes = {"GET": self._tokens, "POST": self._seed}
        elif len(parts) == 2 and parts[0] == "tokens":
            routes = {"GET": self._token}
        elif parts == ["reset"]:
            routes = {"POST": self._reset}
        elif parts == ["faults"]:
            routes = {"GET": self._faults, "POST": self._add_fault, "DELETE": self._clear_faults}
        elif len(parts) == 2 and parts[0] == "faults":
            routes = {"GET": self._fault, "DELETE": self._remove_fault}
        else:
            raise _AdminError(404, "NOT_FOUND", "no admin endpoint at this path (see /__admin/)")
        route = routes.get(method)
        if route is None:
            allowed = ", ".join(sorted(routes))
            raise _AdminError(
                405, "METHOD_NOT_ALLOWED", f"this endpoint takes {allowed}", allow=allowed
            )
        return route(environ, parts[1] if len(parts) == 2 else "")

    # -- endpoints ----------------------------------------------------------------------------

    def _index(self, environ: WSGIEnvironment, _: str) -> tuple[int, object]:
        p = self.prefix
        return 200, {
            "service": "mdesrules simulated MDES",
            "api": self.simulator.registry.key,
            "endpoints": {
                "requests": f"{p}/requests",
                "tokens": f"{p}/tokens",
                "token": f"{p}/tokens/{{tokenUniqueReference}}",
                "reset": f"{p}/reset",
                "faults": f"{p}/faults",
                "fault": f"{p}/faults/{{id}}",
            },
        }

    def _requests(self, environ: WSGIEnvironment, _: str) -> tuple[int, object]:
        query = _query(environ, {"operation", "token", "status", "code", "since", "limit"})
        journal = self.simulator.journal
        limit = _int(query, "limit")
        since = _int(query, "since")
        entries = journal.entries(
            query.get("operation"),
            token=query.get("token"),
            status=_int(query, "status"),
            code=query.get("code"),
            since=since or 0,
        )
        shown = entries if limit is None else entries[len(entries) - limit :] if limit else ()
        return 200, {
            "requests": [e.to_json() for e in shown],
            "count": len(entries),
            "total": journal.total,
            "last": entries[-1].seq if entries else since or 0,
        }

    def _clear_requests(self, environ: WSGIEnvironment, _: str) -> tuple[int, object]:
        cleared = len(self.simulator.journal)
        self.simulator.journal.clear()
        return 200, {"cleared": cleared}

    def _tokens(self, environ: WSGIEnvironment, _: str) -> tuple[int, object]:
        _query(environ, set())
        tokens = self.simulator.store.tokens()
        return 200, {"tokens": [token_json(t, full=False) for t in tokens], "count": len(tokens)}

    def _token(self, environ: WSGIEnvironment, tur: str) -> tuple[int, object]:
        _query(environ, set())
        # PEP 3333: the path's bytes as latin-1 characters; a TUR is ASCII.
        token = self.simulator.store.get(tur.encode("latin-1").decode("utf-8", "replace"))
        if token is None:
            raise _AdminError(
                404, "UNKNOWN_TOKEN", "the simulator holds no token with this TokenUniqueReference"
            )
        return 200, {"token": token_json(token)}

    def _seed(self, environ: WSGIEnvironment, _: str) -> tuple[int, object]:
        document = self._body(environ)
        if isinstance(document, dict) and set(document) == {"tokens"}:
            document = document["tokens"]
        if not isinstance(document, list):
            raise _AdminError(
                400,
                "INVALID_VALUE",
                "send a JSON array of token records (the --tokens inventory format), "
                'or {"tokens": [...]}',
            )
        try:
            seeded = self.simulator.seed_tokens(document)
        except InventoryError as e:
            raise _AdminError(400, "INVALID_VALUE", str(e)) from None
        return 200, {"seeded": seeded}

    def _reset(self, environ: WSGIEnvironment, _: str) -> tuple[int, object]:
        document = self._body(environ, optional=True)
        if document is None:
            document = {}
        parts = ("store", "journal", "faults")
        if not isinstance(document, dict) or any(
            k not in parts or not isinstance(v, bool) for k, v in document.items()
        ):
            raise _AdminError(
                400,
                "INVALID_VALUE",
                'send nothing, or an object of true/false for "store", "journal", "faults"',
            )
        chosen = {k: bool(document.get(k, True)) for k in parts}
        try:
            self.simulator.reset(**chosen)
        except TypeError as e:
            raise _AdminError(400, "INVALID_VALUE", str(e)) from None
        return 200, {"reset": [k for k in parts if chosen[k]]}

    def _faults(self, environ: WSGIEnvironment, _: str) -> tuple[int, object]:
        _query(environ, set())
        faults = self.simulator.faults
        return 200, {"faults": [self._fault_json(f) for f in faults]}

    def _fault_json(self, fault: Fault) -> dict[str, Any]:
        out = fault.to_json()
        out["applied"] = self.simulator.faults.applied(fault.id or "")
        return out

    def _fault(self, environ: WSGIEnvironment, fault_id: str) -> tuple[int, object]:
        for fault in self.simulator.faults:
            if fault.id == fault_id:
                return 200, {"fault": self._fault_json(fault)}
        raise _AdminError(404, "NOT_FOUND", "no fault in force has this id")

    def _add_fault(self, environ: WSGIEnvironment, _: str) -> tuple[int, object]:
        document = self._body(environ)
        try:
            fault = self.simulator.faults.add(Fault.from_json(document))
        except FaultError as e:
            raise _AdminError(400, "INVALID_VALUE", str(e)) from None
        return 201, {"fault": self._fault_json(fault)}

    def _clear_faults(self, environ: WSGIEnvironment, _: str) -> tuple[int, object]:
        removed = len(self.simulator.faults)
        self.simulator.faults.clear()
        return 200, {"removed": removed}

    def _remove_fault(self, environ: WSGIEnvironment, fault_id: str) -> tuple[int, object]:
        try:
            fault = self.simulator.faults.remove(fault_id)
        except FaultError:
            raise _AdminError(404, "NOT_FOUND", "no fault in force has this id") from None
        return 200, {"removed": fault.to_json()}

    # -- helpers ------------------------------------------------------------------------------

    def _body(self, environ: WSGIEnvironment, *, optional: bool = False) -> object:
        try:
            data = read_body(environ, self.max_body)
        except BodyRefused as e:
            code = "REQUEST_TOO_LARGE" if e.status == 413 else "MALFORMED_DOCUMENT"
            raise _AdminError(e.status, code, e.description) from None
        if optional and not data.strip():
            return None
        try:
            return json_codec.loads(data)
        except DecodeError as e:
            raise _AdminError(400, "MALFORMED_DOCUMENT", str(e)) from None


class InspectorPage:
    """The inspector page as shipped (:func:`inspector_page`) and the Content-Security-Policy
    it is served with: its inline script and style allowed by their hashes, fetches to
    the same origin, nothing else (no external resource, no ``unsafe-inline``)."""

    def __init__(self, text: str) -> None:
        self.html = text
        scripts = re.findall(r"<script>(.*?)</script>", text, re.S)
        styles = re.findall(r"<style>(.*?)</style>", text, re.S)
        self.csp = "; ".join(
            [
                "default-src 'none'",
                "script-src " + " ".join(_sha256(s) for s in scripts),
                "style-src " + " ".join(_sha256(s) for s in styles),
                "connect-src 'self'",
                "img-src 'none'",
                "base-uri 'none'",
                "form-action 'none'",
                "frame-ancestors 'none'",
            ]
        )


def _sha256(source: str) -> str:
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


@functools.cache
def inspector_page() -> InspectorPage:
    """The inspector page, read once from the package data."""
    text = importlib.resources.files(__package__).joinpath(_INSPECTOR).read_text("utf-8")
    return InspectorPage(text)


def wants_html(accept: object) -> bool:
    """Whether an ``Accept`` header prefers ``text/html`` to ``application/json``: a quality
    named for ``text/html`` itself that is higher than the one ``application/json`` gets
    (from its own entry, ``application/*`` or ``*/*``). A tie, no header or a header that
    cannot be read keeps the JSON index."""
    if not isinstance(accept, str) or not accept:
        return False
    quality: dict[str, float] = {}
    for item in accept.split(",")[:50]:
        kind, *params = (p.strip() for p in item.split(";"))
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        kind = kind.lower()
        quality[kind] = max(q, quality.get(kind, 0.0))
    html_q = quality.get("text/html", 0.0)
    json_q = next(
        (quality[k] for k in ("application/json", "application/*", "*/*") if k in quality), 0.0
    )
    return html_q > 0 and html_q > json_q


def _query(environ: WSGIEnvironment, known: set[str]) -> dict[str, str]:
    raw = str(environ.get("QUERY_STRING", "") or "")
    try:
        parsed = parse_qs(raw, keep_blank_values=True, strict_parsing=False, max_num_fields=20)
    except ValueError:
        raise _AdminError(400, "INVALID_VALUE", "the query string has too many fields") from None
    unknown = sorted(k for k in parsed if k not in known)
    if unknown:
        takes = f"it takes {', '.join(sorted(known))}" if known else "it takes none"
        raise _AdminError(
            400,
            "INVALID_VALUE",
            f"unknown query parameter {', '.join(repr(scrub(u)) for u in unknown)}; {takes}",
        )
    return {k: v[-1] for k, v in parsed.items()}


def _int(query: dict[str, str], name: str) -> int | None:
    value = query.get(name)
    if value is None:
        return None
    if not (value.isascii() and value.isdigit() and len(value) <= 9):
        raise _AdminError(400, "INVALID_VALUE", f"{name} must be a whole number >= 0")
    return int(value)


def _json(
    start_response: StartResponse,
    status: int,
    document: object,
    extra: list[tuple[str, str]] | None = None,
) -> list[bytes]:
    body = json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    headers = [
        ("Content-Type", _JSON),
        ("Content-Length", str(len(body))),
        ("Cache-Control", "no-store"),
        ("X-Content-Type-Options", "nosniff"),
        *(extra or []),
    ]
    start_response(f"{status} {HTTPStatus(status).phrase}", headers)
    return [body]


def _error(
    start_response: StartResponse,
    status: int,
    reason_code: str,
    description: str,
    extra: list[tuple[str, str]] | None = None,
) -> list[bytes]:
    entry = {
        "Source": "INPUT",
        "ReasonCode": reason_code,
        "Description": scrub(description),
        "Recoverable": "false",
    }
    return _json(start_response, status, {"Errors": {"Error": [entry]}}, extra)


def simulator_app(
    simulator: SimulatedMdes,
    *,
    admin: bool = True,
    base_path: str = DEFAULT_BASE_PATH,
    legacy_path: str | None = DEFAULT_LEGACY_PATH,
    max_body: int = MAX_REQUEST_BYTES,
) -> WSGIApplication:
    """The WSGI application of *simulator*: its :class:`~mdesrules.serving.WsgiApp` (for
    its registry), behind the admin API unless ``admin=False``."""
    app = WsgiApp(
        simulator,
        base_path=base_path,
        legacy_path=legacy_path,
        max_body=max_body,
        registry=simulator.registry,
    )
    return AdminApp(simulator, app, max_body=max_body) if admin else app
