"""The simulated MDES: applies Customer Service API v2 requests to a token store.

:class:`SimulatedMdes` is a callable from :class:`~mdesrules.transport.Request` to
:class:`~mdesrules.transport.Response`, so it plugs into
:class:`~mdesrules.transports.memory.InMemoryTransport` and :class:`~mdesrules.serving.wsgi.WsgiApp`
unchanged::

    >>> from mdesrules import Inventory
    >>> from mdesrules.transports.memory import InMemoryTransport
    >>> from mdesrules.fakes.mdes import MemoryStore, SimulatedMdes
    >>> pan = "5412345678901232"
    >>> inventory = Inventory.from_records(
    ...     [{"tokenUniqueReference": "DWSPMC000000000001", "accountPan": pan, "status": "A"}])
    >>> transport = InMemoryTransport(SimulatedMdes(MemoryStore.from_inventory(inventory)))

Each request is handled inside one :meth:`~mdesrules.fakes.mdes.store.TokenStore.transaction`:
the engine runs :func:`mdesrules.check` with the store as the token inventory (the very rule
sets and lifecycle module of the pre-flight check), refuses the request in MDES's error shape
when a rule is broken, and otherwise applies it with :mod:`mdesrules.lifecycle` and writes
every changed token with one ``put_many``. A failure leaves the store as it was.

Refusals: HTTP 404 when every error is ``unknown_token``, else 400; one ``Error`` per broken
rule: ``Source`` the JSON pointer of the field (``INPUT`` when there is none), ``ReasonCode``
the violation code upper-cased (``TOKEN_STATE``, ``SUSPENDER``, ``ACCOUNT_RANGE``, ...),
``Description`` the masked message, ``Recoverable`` ``"false"``. A store that fails
(``OSError``, ``sqlite3.Error``) is answered 500 ``INTERNAL_ERROR``, ``Source`` ``SYSTEM``,
``Recoverable`` ``"true"``, with nothing changed; any other exception is a bug and propagates.

Where MDES does not say, the simulator decides (see also ``docs``):

- search with no match answers 200 with an empty ``Accounts`` (MDES answers ``EMPTY_RESULT``
  with 200 for one kind of search; an empty list is what clients can read without a special
  case). Search by ``Token``, ``PaymentAppInstanceId`` or ``AlternateAccountIdentifier``
  finds nothing: the store does not hold those values. The token's own ``ExpirationDate``
  is not known either; the account's expiry is on the ``Account``.
- activation by ``AccountPan`` + ``PaymentAppInstanceId`` activates the token of that PAN
  stored with that ``paymentAppInstanceId`` and awaiting activation; when the store does
  not know which token that is (its tokens have no ``paymentAppInstanceId``: the rules
  warn), it is refused with 404 ``UNKNOWN_TOKEN``, as is the legacy ``CardholderId``
  target, which the store does not hold.
- update_token_assurance raises a numeric Token Assurance Level by one, up to
  :data:`MAX_ASSURANCE_LEVEL`; a level already at the cap, or not numeric, stays as it is.
- the status history lists, newest first, one entry per change made by the simulator:
  lifecycle changes (activate, suspend, unsuspend, delete) and, as 2.1.7 does, updates of
  the account PAN, expiry, PSN, product configuration and assurance level. Tokens seeded
  from an inventory start with an empty history.
- a PAN-wide update with ``CommentText`` records one comment per updated token, so each
  ``Tokens.Token[]`` entry has its own ``CommentId`` (search by CommentId finds one token).
- activation methods are a fixed list for a token IN_PROGRESS and empty otherwise (the rules
  warn about the others); a resent activation code is accepted for a token IN_PROGRESS (the
  rules refuse the others with 400 ``TOKEN_STATE``), a Mobile PIN reset for any token the
  rules accept (a cloud token, or one whose ``tokenType`` the store does not know).

Notifications: an optional ``notifier`` is called with ``(previous, new, event)`` (two
:class:`StoredToken` and the history event) for every token a request changed, after the
request succeeded and its transaction was committed, outside the store lock, in the order
the changes were made (see :class:`mdesrules.notifications.NotificationEmitter`). A notifier that
raises is logged (its exception type only) and does not change the answer.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from attrs import evolve

from mdesrules import lifecycle
from mdesrules.checking import check, structure_checked
from mdesrules.context import AccountRanges, Context
from mdesrules.exceptions import UnknownOperation
from mdesrules.lifecycle import LifecycleError, Status
from mdesrules.masking import scrub
from mdesrules.models import legacy, requests, responses
from mdesrules.models.common import AuditInfo
from mdesrules.registry import REGISTRY, FormName, Operation, Registry
from mdesrules.schema import identity
from mdesrules.transport import Request, Response
from mdesrules.violations import Violation, pointer

from .store import Comment, HistoryEntry, MemoryStore, StoredToken, TokenStore

__all__ = [
    "ACTIVATION_METHODS",
    "EFFECTS",
    "MAX_ASSURANCE_LEVEL",
    "STATUS_DESCRIPTIONS",
    "SimulatedMdes",
]

log = logging.getLogger("mdesrules.fakes.mdes")

#: The highest Token Assurance Level ``/updatetokenassurance`` raises a token to.
MAX_ASSURANCE_LEVEL = 3

#: ``CurrentStatusDescription`` / ``StatusDescription`` of each status.
STATUS_DESCRIPTIONS = {
    Status.ACTIVE: "Active",
    Status.SUSPENDED: "Suspended",
    Status.IN_PROGRESS: "Unmapped",
    Status.DELETED: "Deleted",
}

#: The activation methods of a token awaiting activation.
ACTIVATION_METHODS: tuple[responses.ActivationMethod, ...] = (
    responses.ActivationMethod(
        activation_method_id="SMS-0001",
        activation_method_type="SMS",
        activation_method_value="***-***-4321",
        resend_indicator="TRUE",
    ),
    responses.ActivationMethod(
        activation_method_id="EMA-0001",
        activation_method_type="EMA",
        activation_method_value="j***@example.com",
        resend_indicator="TRUE",
    ),
    responses.ActivationMethod(
        activation_method_id="CLC-0001",
        activation_method_type="CLC",
        activation_method_value="1-800-***-****",
        resend_indicator="FALSE",
    ),
)

_PARTY = "I"

#: The behaviour the simulator implements for each ``effect`` an operation may name: the
#: method of :class:`SimulatedMdes` that applies it.
_EFFECT_METHODS = {
    "search": "_search",
    "activate": "_activate",
    "suspend": "_suspend",
    "unsuspend": "_unsuspend",
    "delete": "_delete",
    "update": "_update",
    "legacy_update": "_legacy_update",
    "assurance": "_assurance",
    "status_history": "_status_history",
    "comments": "_comments",
    "transactions": "_transactions",
    "activation_methods": "_activation_methods",
    "resend_activation_code": "_resend_activation_code",
    "reset_mobile_pin": "_reset_mobile_pin",
}

#: Every ``effect`` the simulator implements.
EFFECTS = frozenset(_EFFECT_METHODS)

Clock = Callable[[], datetime]
#: Called with the token before and after a change, and the change's history event.
Notifier = Callable[[StoredToken, StoredToken, str], object]


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC with milliseconds, MDES's 24-character form."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class _Paths:
    """The JSON pointer of a request field in the document as sent, as the rule sets name
    it in that form (wrapper or XML root, naming)."""

    def __init__(self, op: Operation, form: FormName) -> None:
        envelope = op.form(form).envelope
        self.base = pointer(envelope) if envelope is not None else ""
        self.naming = op.naming if form == "json" else identity

    def __call__(self, name: str) -> str:
        return self.base + pointer(self.naming(name))


class _Refused(Exception):
    """A refusal found while applying a request (rather than by the rule sets)."""

    def __init__(self, status: int, code: str, source: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.source = source
        self.message = message


def _error(source: str, code: str, message: str) -> responses.Error:
    return responses.Error(
        source=source or "INPUT",
        reason_code=code.upper(),
        description=scrub(message),
        recoverable="false",
    )


class SimulatedMdes:
    """An in-process MDES Customer Service API over a :class:`TokenStore`.

    Args:
        store: the tokens; a new empty :class:`MemoryStore` when ``None``.
        account_ranges: the issuer's account ranges; without them the ``account_range``
            rule does not run (as in the pre-flight check).
        clock: returns the current time, for the date-times of history and comments;
            ``datetime.now(UTC)`` by default.
        notifier: called with ``(previous, new, event)`` for each token changed by a
            successful request, once it is committed (see the module doc).
        registry: the operations served (:data:`~mdesrules.registry.REGISTRY` by
            default); each is answered by the behaviour its ``effect`` names
            (:data:`EFFECTS`), so a new version of an operation needs no change here.
    """

    def __init__(
        self,
        store: TokenStore | None = None,
        *,
        account_ranges: AccountRanges | None = None,
        clock: Clock | None = None,
        notifier: Notifier | None = None,
        registry: Registry | None = None,
    ) -> None:
        self.registry = REGISTRY if registry is None else registry
        self.store: TokenStore = store if store is not None else MemoryStore()
        self.notifier = notifier
        self._changes = threading.local()
        self.account_ranges = account_ranges
        self.clock: Clock = clock if clock is not None else _utc_now
        self.context = Context(inventory=self.store, account_ranges=account_ranges, party=_PARTY)
        self._effects: dict[str, Callable[[Any, _Paths], object]] = {
            effect: getattr(self, method) for effect, method in _EFFECT_METHODS.items()
        }

    def __call__(self, request: Request) -> Response:
        """Answer *request* (a request model) as MDES would: the response model, or MDES's
        errors."""
        return self._serve(request.operation, request.body, "json")

    def answer_document(self, op: Operation, document: object, form: FormName) -> Response:
        """Answer a parsed wire *document* of *op* (as :func:`mdesrules.check` takes it):
        checked once, against the store, then applied. :class:`~mdesrules.serving.WsgiApp`
        hands documents here so that a request over HTTP is not checked twice."""
        return self._serve(op.name, document, form)

    def _serve(self, name: str, body: object, form: FormName) -> Response:
        try:
            op = self.registry.get(name)
        except UnknownOperation:
            entry = _error("INPUT", "NOT_FOUND", "no such operation")
            return Response(name, 404, None, (entry,))
        handler = self._effects.get(op.effect) if op.effect is not None else None
        if handler is None:
            entry = _error("INPUT", "NOT_FOUND", f"the simulator does not serve {op.name}")
            return Response(op.name, 404, None, (entry,))
        try:
            return self._answer(op, handler, body, form)
        except (OSError, sqlite3.Error) as error:
            # The store failed (a full disk, a database locked too long): the transaction was
            # rolled back. The exception's text may quote the request: log its type only.
            log.error("%s: the token store failed (%s)", op.name, type(error).__name__)
            entry = responses.Error(
                source="SYSTEM",
                reason_code="INTERNAL_ERROR",
                description="the token store failed; nothing was changed",
                recoverable="true",
            )
            return Response(op.name, 500, None, (entry,))

    def _answer(
        self,
        op: Operation,
        handler: Callable[[Any, _Paths], object],
        body: object,
        form: FormName,
    ) -> Response:
        changes: list[tuple[StoredToken, StoredToken, str]] = []
        self._changes.pending = changes
        try:
            response = self._answer_in_transaction(op, handler, body, form)
        finally:
            self._changes.pending = None
        if response.status == 200 and changes and self.notifier is not None:
            self._notify(op, changes)
        return response

    def _notify(self, op: Operation, changes: list[tuple[StoredToken, StoredToken, str]]) -> None:
        assert self.notifier is not None
        for previous, new, event in changes:
            try:
                self.notifier(previous, new, event)
            except Exception as error:
                # The exception's text may quote a token or a body: log its type only.
                log.error("%s: the notifier failed (%s)", op.name, type(error).__name__)

    def _answer_in_transaction(
        self,
        op: Operation,
        handler: Callable[[Any, _Paths], object],
        body: object,
        form: FormName,
    ) -> Response:
        with self.store.transaction():
            report = check(op.name, body, self.context, form=form, registry=self.registry)
            if not report.ok:
                return self._refusal(op, report.errors)
            model = body if isinstance(body, op.request) else structure_checked(op, body, form)
            try:
                answer = handler(model, _Paths(op, form))
            except _Refused as refused:
                entry = _error(refused.source, refused.code, refused.message)
                return Response(op.name, refused.status, None, (entry,))
            except LifecycleError as e:  # the rules ran first, so only on a race: never
                log.error("%s: the lifecycle refused after the rules passed", op.name)
                return Response(op.name, 400, None, (_error("INPUT", e.code, e.message),))
        return Response(op.name, 200, answer)

    def _refusal(self, op: Operation, errors: tuple[Violation, ...]) -> Response:
        status = 404 if all(v.code == "unknown_token" for v in errors) else 400
        entries = tuple(_error(v.path, v.code, v.message) for v in errors)
        return Response(op.name, status, None, entries)

    # -- helpers ------------------------------------------------------------------------------

    def _now(self) -> str:
        return _timestamp(self.clock())

    def _token(self, tur: str, at: _Paths) -> StoredToken:
        token = self.store.get(tur)
        if token is None:  # the rules saw it; only a store that lost it gets here
            path = at("TokenUniqueReference")
            raise _Refused(404, "unknown_token", path, "the token is not in the token store")
        return token

    def _comment(
        self, token: StoredToken, text: str | None, audit: AuditInfo | None, now: str
    ) -> tuple[StoredToken, str | None]:
        """Record *text* on *token* when sent (MDES rule R12); return the token and its id."""
        if text is None:
            return token, None
        comment_id = self.store.next_comment_id()
        comment = Comment(comment_id, text, now, audit)
        return evolve(token, comments=(*token.comments, comment)), comment_id

    def _change(
        self,
        token: StoredToken,
        event: str,
        state: lifecycle.TokenState,
        *,
        reason_code: str | None,
        comment_text: str | None,
        audit: AuditInfo | None,
        **changes: Any,
    ) -> tuple[StoredToken, str | None]:
        """*token* with *changes* applied, *state* set, a comment and a history entry."""
        now = self._now()
        previous = token
        token, comment_id = self._comment(token, comment_text, audit, now)
        entry = HistoryEntry(state.status, now, event, _PARTY, reason_code, comment_id, audit)
        token = evolve(
            token,
            status=state.status,
            suspenders=state.suspenders,
            history=(*token.history, entry),
            **changes,
        )
        pending: list[tuple[StoredToken, StoredToken, str]] | None = getattr(
            self._changes, "pending", None
        )
        if pending is not None:
            pending.append((previous, token, event))
        return token, comment_id

    def _lifecycle(
        self,
        request: Any,
        at: _Paths,
        event: str,
        transition: Callable[[lifecycle.TokenState], lifecycle.TokenState],
    ) -> responses.SimpleTokenResponse:
        token = self._token(request.token_unique_reference, at)
        token, comment_id = self._change(
            token,
            event,
            transition(token.state),
            reason_code=request.reason_code,
            comment_text=request.comment_text,
            audit=request.audit_info,
        )
        self.store.put(token)
        return responses.SimpleTokenResponse(
            token=responses.SimpleToken(
                token_unique_reference=token.token_unique_reference, comment_id=comment_id
            )
        )

    # -- operations ---------------------------------------------------------------------------

    def _search(self, request: requests.SearchRequest, at: _Paths) -> responses.SearchResponse:
        found: Iterable[StoredToken]
        if request.token_unique_reference is not None:
            token = self.store.get(request.token_unique_reference)
            found = (token,) if token is not None else ()
        elif request.account_pan is not None:
            found = self.store.tokens_of_pan(request.account_pan)
        elif request.comment_id is not None:
            token = self.store.by_comment_id(request.comment_id)
            found = (token,) if token is not None else ()
        else:  # Token, PaymentAppInstanceId, AlternateAccountIdentifier: not stored
            found = ()
        if request.exclude_deleted_indicator == "true":
            found = [t for t in found if t.status is not Status.DELETED]
        groups: dict[tuple[str, str | None], list[responses.Token]] = {}
        for token in found:
            key = (token.account_pan, token.account_pan_expiry)
            groups.setdefault(key, []).append(_search_token(token))
        accounts = tuple(
            responses.Account(
                account_pan_suffix=pan[-4:],
                expiration_date=expiry,
                tokens=responses.Tokens(token=tuple(tokens)),
            )
            for (pan, expiry), tokens in groups.items()
        )
        return responses.SearchResponse(accounts=responses.Accounts(account=accounts))

    def _activate(
        self, request: requests.TokenActivateRequest, at: _Paths
    ) -> responses.SimpleTokenResponse:
        if request.token_unique_reference is None:
            tur = self._awaiting_on_app(request.account_pan, request.payment_app_instance_id)
            if tur is None:
                raise _Refused(
                    404,
                    "unknown_token",
                    at("PaymentAppInstanceId"),
                    "no token of this AccountPan awaiting activation is stored with this "
                    "PaymentAppInstanceId",
                )
            request = evolve(request, token_unique_reference=tur)
        return self._lifecycle(request, at, "activate", lifecycle.activate)

    def _awaiting_on_app(self, pan: str | None, app: str | None) -> str | None:
        """The TUR of the first stored token of *pan* on Payment App instance *app* that
        awaits activation, or ``None``."""
        for token in self.store.tokens_of_pan(pan or ""):
            if token.payment_app_instance_id == app and token.status is Status.IN_PROGRESS:
                return token.token_unique_reference
        return None

    def _suspend(
        self, request: requests.TokenSuspendRequest, at: _Paths
    ) -> responses.SimpleTokenResponse:
        return self._lifecycle(request, at, "suspend", lambda s: lifecycle.suspend(s, _PARTY))

    def _unsuspend(
        self, request: requests.TokenUnsuspendRequest, at: _Paths
    ) -> responses.SimpleTokenResponse:
        return self._lifecycle(request, at, "unsuspend", lambda s: lifecycle.unsuspend(s, _PARTY))

    def _delete(
        self, request: requests.TokenDeleteRequest, at: _Paths
    ) -> responses.SimpleTokenResponse:
        return self._lifecycle(request, at, "delete", lifecycle.delete)

    def _apply_update(
        self, request: requests.TokenUpdateRequest | legacy.UpdateRequest, at: _Paths
    ) -> list[tuple[StoredToken, str | None]]:
        """Update the targeted tokens, all or nothing; return them with their comment ids."""
        if request.token_unique_reference is not None:
            targets: tuple[StoredToken, ...] = (self._token(request.token_unique_reference, at),)
        elif request.current_account_pan is not None:
            targets = self.store.tokens_of_pan(request.current_account_pan)
        else:
            raise _Refused(
                404,
                "unknown_token",
                at("CardholderId"),
                "no token is known by this CardholderId; the simulator finds tokens by "
                "TokenUniqueReference or CurrentAccountPan only",
            )
        changes: dict[str, str] = {}
        if request.new_account_pan is not None:
            changes["account_pan"] = request.new_account_pan
        if request.expiration_date is not None:
            changes["account_pan_expiry"] = request.expiration_date
        if request.account_pan_sequence_number is not None:
            changes["psn"] = request.account_pan_sequence_number
        if request.issuer_product_configuration_id is not None:
            changes["product_configuration_id"] = request.issuer_product_configuration_id
        updated: list[tuple[StoredToken, str | None]] = []
        for token in targets:
            try:
                lifecycle.require_updatable(token.state)
            except LifecycleError:
                if request.token_unique_reference is not None:
                    raise
                continue  # a PAN-wide update leaves tokens IN_PROGRESS or DELETED alone
            updated.append(
                self._change(
                    token,
                    "update",
                    token.state,
                    reason_code=None,
                    comment_text=request.comment_text,
                    audit=request.audit_info,
                    **changes,
                )
            )
        self.store.put_many(token for token, _ in updated)
        return updated

    def _update(
        self, request: requests.TokenUpdateRequest, at: _Paths
    ) -> responses.TokenUpdateResponse:
        updated = self._apply_update(request, at)
        return responses.TokenUpdateResponse(
            tokens=responses.UpdatedTokens(
                token=tuple(
                    responses.SimpleToken(
                        token_unique_reference=t.token_unique_reference, comment_id=cid
                    )
                    for t, cid in updated
                )
            )
        )

    def _legacy_update(
        self, request: legacy.UpdateRequest, at: _Paths
    ) -> legacy.LegacyTokenResponse:
        updated = self._apply_update(request, at)
        return legacy.LegacyTokenResponse(token=_legacy_token(updated[0][0]) if updated else None)

    def _assurance(
        self, request: requests.UpdateTokenAssuranceRequest, at: _Paths
    ) -> responses.SimpleTokenResponse:
        token = self._token(request.token_unique_reference, at)
        lifecycle.require_updatable(token.state)
        token, comment_id = self._change(
            token,
            "assurance",
            token.state,
            reason_code=None,
            comment_text=request.comment_text,
            audit=request.audit_info,
            token_assurance_level=raised_assurance_level(token.token_assurance_level),
        )
        self.store.put(token)
        return responses.SimpleTokenResponse(
            token=responses.SimpleToken(
                token_unique_reference=token.token_unique_reference, comment_id=comment_id
            )
        )

    def _status_history(
        self, request: requests.TokenStatusHistoryRequest, at: _Paths
    ) -> responses.TokenStatusHistoryResponse:
        token = self._token(request.token_unique_reference, at)
        statuses = tuple(
            responses.Status(
                status_code=h.status.value,
                status_description=STATUS_DESCRIPTIONS[h.status],
                status_date_time=h.date_time,
                initiator=h.initiator,
                comment_id=h.comment_id,
                reason_code=h.reason_code,
                audit_info=h.audit_info,
            )
            for h in reversed(token.history)
        )
        return responses.TokenStatusHistoryResponse(statuses=responses.Statuses(status=statuses))

    def _comments(
        self, request: requests.TokenCommentsRequest, at: _Paths
    ) -> responses.TokenCommentsResponse:
        token = self._token(request.token_unique_reference, at)
        comments = tuple(
            responses.Comment(
                comment_id=c.comment_id,
                comment_text=c.text,
                comment_date_time=c.date_time,
                audit_info=c.audit_info,
            )
            for c in token.comments
        )
        return responses.TokenCommentsResponse(comments=responses.Comments(comment=comments))

    def _transactions(
        self, request: requests.TransactionsRequest, at: _Paths
    ) -> responses.TransactionsResponse:
        self._token(request.token_unique_reference, at)
        return responses.TransactionsResponse(transactions=responses.Transactions())

    def _activation_methods(
        self, request: requests.TokenActivationMethodsRequest, at: _Paths
    ) -> responses.TokenActivationMethodsResponse:
        token = self._token(request.token_unique_reference, at)
        methods = ACTIVATION_METHODS if token.status is Status.IN_PROGRESS else ()
        return responses.TokenActivationMethodsResponse(
            activation_methods=responses.ActivationMethods(activation_method=methods)
        )

    def _resend_activation_code(
        self, request: requests.TokenResendActivationCodeRequest, at: _Paths
    ) -> responses.TokenResendActivationCodeResponse:
        token = self._token(request.token_unique_reference, at)
        return responses.TokenResendActivationCodeResponse(
            token=responses.SimpleToken(token_unique_reference=token.token_unique_reference)
        )

    def _reset_mobile_pin(
        self, request: requests.TokenResetMobilePinRequest, at: _Paths
    ) -> responses.SimpleTokenResponse:
        token = self._token(request.token_unique_reference, at)
        token, comment_id = self._comment(
            token, request.comment_text, request.audit_info, self._now()
        )
        if comment_id is not None:
            self.store.put(token)
        return responses.SimpleTokenResponse(
            token=responses.SimpleToken(
                token_unique_reference=token.token_unique_reference, comment_id=comment_id
            )
        )


def raised_assurance_level(level: str | None) -> str | None:
    """The Token Assurance Level after ``/updatetokenassurance``: one up, at most the cap."""
    if level is None or not (level.isascii() and level.isdigit()):
        return level
    if int(level) >= MAX_ASSURANCE_LEVEL:
        return level
    return str(int(level) + 1)


def _activated_at(token: StoredToken) -> str | None:
    for entry in token.history:
        if entry.event == "activate":
            return entry.date_time
    return None


def _status_at(token: StoredToken) -> str | None:
    for entry in reversed(token.history):
        if entry.event in ("activate", "suspend", "unsuspend", "delete"):
            return entry.date_time
    return None


def _last_comment_id(token: StoredToken) -> str | None:
    return token.comments[-1].comment_id if token.comments else None


def _search_token(token: StoredToken) -> responses.Token:
    return responses.Token(
        token_unique_reference=token.token_unique_reference,
        account_pan_sequence_number=token.psn,
        token_activated_date_time=_activated_at(token),
        current_status_code=token.status.value,
        current_status_description=STATUS_DESCRIPTIONS[token.status],
        current_status_date_time=_status_at(token),
        suspenders=responses.Suspenders(suspender=tuple(sorted(token.suspenders)))
        if token.suspenders
        else None,
        token_assurance_level=token.token_assurance_level,
        last_comment_id=_last_comment_id(token),
    )


def _legacy_token(token: StoredToken) -> legacy.LegacyToken:
    return legacy.LegacyToken(
        token_unique_reference=token.token_unique_reference,
        account_pan_sequence_number=token.psn,
        current_status_code=token.status.value,
        current_status_description=STATUS_DESCRIPTIONS[token.status],
        current_status_date_time=_status_at(token),
        last_comment_id=_last_comment_id(token),
        suspender=tuple(legacy.LegacySuspender(suspended_by=s) for s in sorted(token.suspenders))
        or None,
        token_activated_date_time=_activated_at(token),
        token_assurance_level=token.token_assurance_level,
    )
