"""The simulated MDES: applies Customer Service API requests to a token store.

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

It serves the operations of its registry (CS API 2.0.7 by default; ``registry=`` picks
2.1.7 or 2.2.2 from :mod:`mdesrules.apis`), each by the behaviour its ``effect`` names
(:data:`EFFECTS`). A behaviour reads a request's accounts through
:func:`~mdesrules.fakes.mdes._accounts.accounts_of`, at the top of a 2.0.7 request or inside
the ``EncryptedAccountInformation`` of 2.1.7+, and builds its answer through the response
model the operation declares, so one behaviour serves every version of an operation.

Each request is handled inside one :meth:`~mdesrules.fakes.mdes.store.TokenStore.transaction`:
the engine runs :func:`mdesrules.check` with the store as the token inventory (the very rule
sets and lifecycle module of the pre-flight check), refuses the request in MDES's error shape
when a rule is broken, and otherwise applies it with :mod:`mdesrules.lifecycle` and writes
every changed token with one ``put_many``. A failure leaves the store as it was.

Encrypted account information (2.1.7, 2.2.2): a request whose
``EncryptedAccountInformation`` is in the encrypted form (``EncryptedData`` hex ciphertext)
is first decrypted with ``decryption_keys``
(:func:`~mdesrules.account_encryption.decrypt_and_report`: the envelope is checked, then
the session key unwrapped and the data decrypted), and the plaintext form is then checked
and applied like any other request. An envelope that breaks its rules, a
``PublicKeyFingerprint`` of no key held (``UNKNOWN_KEY``) or data that does not decrypt
(``DECRYPTION_FAILED``: tampered, wrong key, truncated) is refused with 400 and nothing is
applied. Without ``decryption_keys`` an encrypted request is refused with 400
``NOT_DECRYPTED``: the simulator cannot apply what it cannot read. The plaintext form
(``EncryptedData`` a JSON object) is always accepted, keys or not, which is handy in tests.
Neither the answers nor the log ever hold the key, the decrypted data or a full PAN.

Refusals: HTTP 404 when every error is ``unknown_token``, else 400; one ``Error`` per broken
rule: ``Source`` the JSON pointer of the field (``INPUT`` when there is none), ``ReasonCode``
the violation code upper-cased (``TOKEN_STATE``, ``SUSPENDER``, ``ACCOUNT_RANGE``, ...),
``Description`` the masked message, ``Recoverable`` ``"false"``. A store that fails
(``OSError``, ``sqlite3.Error``) is answered 500 ``INTERNAL_ERROR``, ``Source`` ``SYSTEM``,
``Recoverable`` ``"true"``, with nothing changed; any other exception is a bug and propagates.

Where MDES does not say, the simulator decides (see also ``docs/simulator.md``):

- search with no match answers 200 with an empty ``Accounts`` (MDES answers ``EMPTY_RESULT``
  with 200 for one kind of search; an empty list is what clients can read without a special
  case). Search by ``Token``, ``PaymentAppInstanceId``, ``AlternateAccountIdentifier``,
  ``VirtualCardNumber`` or ``FinancialAccountId`` finds nothing: the store does not index
  those values. The token's own ``ExpirationDate`` is not known either; the account's
  expiry is on the ``Account``.
- search filters: ``ExcludeDeletedIndicator`` ``"true"`` leaves DELETED tokens out;
  ``IncludeDeviceTokensOnly`` ``"true"`` leaves out the server-based tokens, those whose
  ``tokenType`` is ``F`` (a token of unknown type is kept: it is not known to be one);
  ``ExcludeTokensDeletedFromConsumerApp`` ``"true"`` leaves out the tokens deleted from the
  consumer app. 2.2.2's ``TokenStatusCodes``, ``TokenTypes`` and ``TokenRequestorId`` keep
  the tokens whose status, known type or known token requestor is one of those given.
  ``PageInfo`` pages the tokens found (``Offset`` counts tokens; it must be a multiple of
  ``Limit``, else 400 ``NOT_ALLOWED_VALUE``) and the answer's ``PageInfo`` says ``Offset``,
  ``Limit``, ``Total`` (tokens found) and ``Count`` (tokens on the page); without
  ``PageInfo`` every token found is answered and the answer has no ``PageInfo``.
  ``CompactResponse`` ``"true"`` answers only the token members the spec lists for it that
  the simulator knows, and no account suffix or expiry (the spec's description says so; its
  example shows them).
- a search answer of a version whose request knows ``ExcludeTokensDeletedFromConsumerApp``
  (2.1.7+) says ``TokenDeletedFromConsumerApp`` ``"true"`` or ``"false"`` for every token;
  a 2.0.7 answer never has it.
- activation by ``AccountPan`` + ``PaymentAppInstanceId`` activates the token of that PAN
  stored with that ``paymentAppInstanceId`` and awaiting activation; when the store does
  not know which token that is (its tokens have no ``paymentAppInstanceId``: the rules
  warn), it is refused with 404 ``UNKNOWN_TOKEN``, as is an update by the legacy
  ``CardholderId`` or by ``FinancialAccountId``, which the store does not hold.
- a delete with ``DeleteFromConsumerApp`` ``"true"`` (2.1.7+) keeps the token in MDES with
  its status and marks it deleted from the consumer app (search then says
  ``TokenDeletedFromConsumerApp`` ``"true"``); the status history records the event. A
  later delete without it deletes the token.
- ``/token/disablepaymentchannels`` keeps the token's disabled channels: each request
  disables the channel it names (``EnableAllPaymentChannels`` ``"true"`` first enables them
  all), and the answer's ``DisabledChannel`` is the latest channel still disabled (absent when
  none is). It records no history: the token's status does not change.
- ``/tokenrequestorsearch`` answers from the ``token_requestors`` the simulator was given;
  an id it does not know is refused with 404 ``UNKNOWN_TOKEN_REQUESTOR`` (the spec's answer
  requires a name, which only that directory holds). A search answer names a token's
  requestor when the store knows its ``tokenRequestorId``, and its names when the directory
  holds them.
- ``/token/notifyauthenticationdecision`` (2.2.2) records the decision as an event in the
  token's status history and the ``commentText`` as a comment; the token's status does not
  change (the decision is about its transaction credentials, which are not simulated).
- ``/accountholdermessaging`` (2.0.7) takes a message for any token in the store that is
  not DELETED (a deleted token has left the wallet; one awaiting activation or suspended is
  still shown there); the rules refuse a DELETED one with 400 ``TOKEN_STATE``. Whether the
  token is in Apple Pay is not checked: the store does not say which wallet a token is in.
  ``MessageExpiration`` must be after the simulator's clock and at most
  :data:`MAX_MESSAGE_DAYS` days ahead, else 400 ``NOT_ALLOWED_VALUE``: the pre-flight check
  has no clock, so only the simulator judges it (a day the month does not have is the rules'
  ``BAD_FORMAT``, in the pre-flight check too). The message is recorded as a comment on
  the token (``/token/comments`` and search's ``LastCommentId`` show it, with the
  request's ``AuditInfo``), its text naming the ``MessageIdentifier``, language, expiry
  and display flag, with any PAN-like digits masked; the answer is the spec's
  ``{"Token": {"TokenUniqueReference": ...}}``, without the comment's id, which the spec
  does not return. It records no history and notifies no one: the token's status does not
  change.
- ``GET /systemstatus`` (2.0.7) always answers the healthy status: ``CommentText``
  :data:`SYSTEM_STATUS` and ``LastStatusDateTime`` the time of the answer (the simulator's
  status never changes, so it is current whenever it is read).
- update_token_assurance raises a numeric Token Assurance Level by one, up to
  :data:`MAX_ASSURANCE_LEVEL`; a level already at the cap, or not numeric, stays as it is.
- the status history lists, newest first, one entry per change made by the simulator:
  lifecycle changes (activate, suspend, unsuspend, delete) and, as 2.1.7 does, updates of
  the account PAN, expiry, PSN, product configuration and assurance level, deletions from
  the consumer app and authentication decisions. Tokens seeded from an inventory start with
  an empty history.
- a PAN-wide update with ``CommentText`` records one comment per updated token, so each
  ``Tokens.Token[]`` entry has its own ``CommentId`` (search by CommentId finds one token).
- activation methods are a fixed list for a token IN_PROGRESS and empty otherwise (the rules
  warn about the others); a resent activation code is accepted for a token IN_PROGRESS (the
  rules refuse the others with 400 ``TOKEN_STATE``), a Mobile PIN reset for any token the
  rules accept (a cloud token, or one whose ``tokenType`` the store does not know).

Journal and faults (see :mod:`~mdesrules.fakes.mdes.journal` and
:mod:`~mdesrules.fakes.mdes.faults`): every request is recorded in ``journal`` (operation,
tokens, status, errors, changes, faults, time; masked, bounded), and the ``faults`` in force
may delay it, answer it with an error or a gateway's 502/503/504, or drop it, before its
effect (nothing is checked or applied) or, with ``after=True``, after it. Latency waits
through ``sleep``, which does not wait by default: pass ``time.sleep`` for a real wait (as
``mdesrules serve`` does). :meth:`SimulatedMdes.reset` puts the store back to its seed (the
tokens it held when the simulator was made), and :meth:`SimulatedMdes.seed` adds or
replaces tokens from inventory records.

Notifications: an optional ``notifier`` is called with ``(previous, new, event)`` (two
:class:`StoredToken` and the history event) for every token a request changed and recorded
in its history, after the request succeeded and its transaction was committed, outside the
store lock, in the order the changes were made (see
:class:`mdesrules.notifications.NotificationEmitter`, which tells token requestors of
lifecycle, account and product changes only). A notifier that raises is logged (its
exception type only) and does not change the answer.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import attrs
from attrs import evolve, frozen
from cattrs import Converter

from mdesrules import lifecycle
from mdesrules.account_encryption import Keys, decrypt_and_report
from mdesrules.checking import check, encrypted_data, model_document, structure_checked
from mdesrules.context import AccountRanges, Context, Inventory
from mdesrules.encryption import KeyRing, key_ring
from mdesrules.exceptions import TransportError, UnknownOperation
from mdesrules.fields import iso_timestamp
from mdesrules.lifecycle import LifecycleError, Status
from mdesrules.masking import scrub
from mdesrules.models import responses
from mdesrules.models.common import AuditInfo
from mdesrules.pan_text import PanMode
from mdesrules.registry import REGISTRY, FormName, Operation, Registry
from mdesrules.schema import identity
from mdesrules.serving.drop import DropConnection
from mdesrules.transport import Request, Response
from mdesrules.violations import Violation, pointer

from ._accounts import accounts_of
from .faults import Fault, FaultSet, Selection
from .journal import AppliedFault, Change, Journal
from .store import Comment, HistoryEntry, MemoryStore, StoredToken, TokenStore

__all__ = [
    "ACTIVATION_METHODS",
    "EFFECTS",
    "MAX_ASSURANCE_LEVEL",
    "MAX_MESSAGE_DAYS",
    "STATUS_DESCRIPTIONS",
    "SYSTEM_STATUS",
    "SimulatedMdes",
    "TokenRequestor",
]

log = logging.getLogger("mdesrules.fakes.mdes")

T = TypeVar("T")

#: The highest Token Assurance Level ``/updatetokenassurance`` raises a token to.
MAX_ASSURANCE_LEVEL = 3

#: How far ahead an account holder message may expire (``MessageExpiration``), in days.
MAX_MESSAGE_DAYS = 30

#: The ``CommentText`` of ``GET /systemstatus`` (the example of the 2.0.7 spec's schema).
SYSTEM_STATUS = "Mastercard Digital Enablement Service is fully operational"

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

#: The ``TokenType`` of server-based (card-on-file) tokens, which
#: ``IncludeDeviceTokensOnly`` leaves out.
_SERVER_TOKEN_TYPE = "F"

#: Where a 2.1.7+ request holds its current account, once decrypted.
_CURRENT_ACCOUNT = ("EncryptedAccountInformation", "EncryptedData", "CurrentAccount")

#: The token members a 2.2.2 ``CompactResponse`` keeps (of those the simulator knows).
_COMPACT_TOKEN_MEMBERS = frozenset(
    {
        "token_unique_reference",
        "current_status_code",
        "token_requestor_id",
        "token_type",
        "token_deleted_from_consumer_app",
        "token_requestor_consumer_facing_entity_name",
    }
)

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
    "disable_payment_channels": "_disable_payment_channels",
    "token_requestor_search": "_token_requestor_search",
    "authentication_decision": "_authentication_decision",
    "account_holder_message": "_account_holder_message",
    "system_status": "_system_status",
}

#: Every ``effect`` the simulator implements.
EFFECTS = frozenset(_EFFECT_METHODS)

Clock = Callable[[], datetime]
#: Waits the given seconds (latency faults); see ``SimulatedMdes(sleep=...)``.
Sleep = Callable[[float], object]
#: Called with the token before and after a change, and the change's history event.
Notifier = Callable[[StoredToken, StoredToken, str], object]


@frozen
class TokenRequestor:
    """A token requestor the simulated MDES knows, for ``/tokenrequestorsearch``.

    Attributes:
        token_requestor_id: its ``TokenRequestorId`` (6 to 11 characters).
        name: its legal name (``TokenRequestorName``).
        consumer_facing_name: the name shown to consumers, when it has one.
    """

    token_requestor_id: str
    name: str
    consumer_facing_name: str | None = None


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _no_wait(seconds: float) -> None:
    """The default ``sleep``: latency is recorded in the journal, not waited for."""


def _timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC with milliseconds, MDES's 24-character form."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _strict_str(value: object, _: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return value


#: Builds response models from members named as the models name their attributes.
_BUILDER = Converter(forbid_extra_keys=True)
_BUILDER.register_structure_hook(str, _strict_str)


def _plain(value: Any) -> Any:
    """*value* as plain data: models as dicts of their attributes (``None`` left out),
    tuples as lists."""
    if attrs.has(type(value)):
        return {
            a.name: _plain(getattr(value, a.name))
            for a in attrs.fields(type(value))
            if getattr(value, a.name) is not None
        }
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    return value


def build(model: type[T], members: Mapping[str, Any]) -> T:
    """An instance of the response *model* from *members*, named by its attributes and
    nested as plain data (dicts, lists, or other models with the same attribute names).

    Building through the declared model, rather than naming its nested classes here, lets
    each API version declare its own response classes: the simulator only needs their
    attribute names to stay the same.
    """
    return _BUILDER.structure(_plain(members), model)


class _Call:
    """The operation being answered, where its request fields are in the document as sent
    (wrapper or XML root, naming), and how its answer is built."""

    def __init__(self, op: Operation, form: FormName) -> None:
        self.op = op
        envelope = op.form(form).envelope
        self.base = pointer(envelope) if envelope is not None else ""
        self.naming = op.naming if form == "json" else identity

    def __call__(self, *names: str) -> str:
        """The JSON pointer of the request field at *names* (PascalCase)."""
        return self.base + pointer(*(self.naming(name) for name in names))

    def answer(self, **members: Any) -> Any:
        """The operation's response model holding *members*."""
        if self.op.response is None:  # an effect on an operation without an answer: a bug
            raise TypeError(f"{self.op.name} declares no response model")
        return build(self.op.response, members)


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


def _flag(value: str | None) -> bool:
    """Whether an MDES ``"true"``/``"false"`` flag is set (absent is false)."""
    return value is not None and value.lower() == "true"


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
        decryption_keys: the private keys that open the encrypted
            ``EncryptedAccountInformation`` of 2.1.7/2.2.2 requests: a private key (found
            by its key fingerprint), ``(private key, certificate)`` (found by either
            fingerprint) or a key ring (:func:`mdesrules.encryption.key_ring`). Without
            them an encrypted request is refused (see the module doc).
        token_requestors: the token requestors ``/tokenrequestorsearch`` knows, and whose
            names a search answer gives.
        journal: where each request is recorded; a new
            :class:`~mdesrules.fakes.mdes.journal.Journal` (1000 entries) by default,
            ``Journal(maxlen=0)`` for none.
        faults: the faults in force; a new empty
            :class:`~mdesrules.fakes.mdes.faults.FaultSet` (seed 0) by default.
        sleep: waits the seconds of a latency fault. By default nothing waits (the latency
            is only journaled), so that tests stay fast; ``time.sleep`` waits for real
            (``mdesrules serve`` and the ``mdes_url`` fixture), and a test clock's advance
            function moves fake time.
        seed: the tokens :meth:`reset` puts back: an inventory, or stored tokens. By default
            the tokens the store holds now.
        pan_in_text: how a card number in a string that is not a PAN field is judged, as
            :class:`~mdesrules.context.Context`'s ``pan_in_text``: by default an error (a
            400) in ``CommentText`` and ``AuditInfo``, a warning (journaled) elsewhere.

    Raises:
        ValueError: a ``(key, certificate)`` whose certificate does not hold the key.

    .. versionchanged:: Unreleased
       ``journal``, ``faults``, ``sleep``, ``seed``, ``pan_in_text``; :meth:`reset`,
       :meth:`seed_tokens`.
    """

    def __init__(
        self,
        store: TokenStore | None = None,
        *,
        account_ranges: AccountRanges | None = None,
        clock: Clock | None = None,
        notifier: Notifier | None = None,
        registry: Registry | None = None,
        decryption_keys: Keys | None = None,
        token_requestors: Iterable[TokenRequestor] = (),
        journal: Journal | None = None,
        faults: FaultSet | None = None,
        sleep: Sleep | None = None,
        seed: Inventory | Iterable[StoredToken] | None = None,
        pan_in_text: PanMode = "default",
    ) -> None:
        self.registry = REGISTRY if registry is None else registry
        self.store: TokenStore = store if store is not None else MemoryStore()
        self.journal = journal if journal is not None else Journal()
        self.faults = faults if faults is not None else FaultSet(operations=self.registry.names())
        self.sleep: Sleep = sleep if sleep is not None else _no_wait
        self._seed: tuple[StoredToken, ...] = (
            tuple(self.store.tokens())
            if seed is None
            else tuple(StoredToken.from_record(r) for r in seed)
            if isinstance(seed, Inventory)
            else tuple(seed)
        )
        self.notifier = notifier
        self._changes = threading.local()
        self.account_ranges = account_ranges
        self.clock: Clock = clock if clock is not None else _utc_now
        self.context = Context(
            inventory=self.store,
            account_ranges=account_ranges,
            party=_PARTY,
            pan_in_text=pan_in_text,
        )
        self._keys: KeyRing | None = (
            None
            if decryption_keys is None
            else decryption_keys
            if isinstance(decryption_keys, Mapping)
            else key_ring(decryption_keys)
        )
        self.token_requestors: Mapping[str, TokenRequestor] = {
            r.token_requestor_id: r for r in token_requestors
        }
        self._effects: dict[str, Callable[[Any, _Call], object]] = {
            effect: getattr(self, method) for effect, method in _EFFECT_METHODS.items()
        }

    def __repr__(self) -> str:
        keys = "no decryption key" if not self._keys else "decryption keys"
        return f"<SimulatedMdes {self.registry.key}, {self.store!r}, {keys}>"

    def __call__(self, request: Request) -> Response:
        """Answer *request* (a request model) as MDES would: the response model, or MDES's
        errors.

        Raises:
            TransportError: a ``drop`` fault applied: the connection broke, as
                :class:`~mdesrules.transports.http.HttpCarrier` says of a real one.
        """
        try:
            return self._serve(request.operation, request.body, "json")
        except DropConnection:
            raise TransportError(
                "the connection to the simulated MDES broke (a drop fault); the request "
                "may have been applied"
            ) from None

    def answer_document(self, op: Operation, document: object, form: FormName) -> Response:
        """Answer a parsed wire *document* of *op* (as :func:`mdesrules.check` takes it):
        decrypted when its account information is encrypted, checked once, against the
        store, then applied. :class:`~mdesrules.serving.WsgiApp` hands documents here so
        that a request over HTTP is not checked twice."""
        return self._serve(op.name, document, form)

    def refused(
        self, path: str, operation: str | None, status: int, errors: tuple[responses.Error, ...]
    ) -> None:
        """Journal a request :class:`~mdesrules.serving.WsgiApp` refused before it reached
        the simulator (no operation at *path*, a body that is not JSON, too large...)."""
        self.journal.record(
            at=self._now(), operation=operation, status=status, errors=errors, path=path
        )

    def seed_tokens(self, records: Inventory | Iterable[Mapping[str, object]]) -> int:
        """Put the tokens of *records* (an inventory, or records in its format: the
        ``--tokens`` files) in the store, each replacing a stored token with its TUR (its
        history and comments too); return how many. :meth:`reset` removes them again.

        Raises:
            InventoryError: a record is invalid (nothing is stored).
        """
        inventory = records if isinstance(records, Inventory) else Inventory.from_records(records)
        tokens = [StoredToken.from_record(r) for r in inventory]
        self.store.put_many(tokens)
        return len(tokens)

    def reset(self, *, store: bool = True, journal: bool = True, faults: bool = True) -> None:
        """Put the store back to its seed (``seed``, by default the tokens it held when the
        simulator was made), forget the journal and remove every fault; each can be kept.

        Raises:
            TypeError: the store cannot be reset (a store of your own without ``reset``).
        """
        if store:
            restore = getattr(self.store, "reset", None)
            if restore is None:
                raise TypeError(f"{type(self.store).__name__} has no reset(tokens) method")
            restore(self._seed)
        if journal:
            self.journal.clear()
        if faults:
            self.faults.clear()

    def _serve(self, name: str, body: object, form: FormName) -> Response:
        """Answer one request, with the faults in force, and journal it."""
        try:
            op = self.registry.get(name)
        except UnknownOperation:
            op = None
        if op is None:
            response = self._serve_op(name, body, form)
            self.journal.record(at=self._now(), operation=None, status=404, errors=response.errors)
            return response
        named = _named_token(op, body, form)
        selection = self.faults.select(op.name, named)
        if selection.before:
            self.sleep(selection.before)
        fault = selection.answer
        if fault is not None and not fault.after:
            return self._faulted(op, body, form, named, selection, fault, None, ())
        self._changes.done = ()
        self._changes.warnings = ()
        response = self._serve_op(op.name, body, form)
        changes: tuple[tuple[StoredToken, StoredToken, str], ...] = self._changes.done
        warnings: tuple[Violation, ...] = self._changes.warnings
        self._changes.done = ()
        self._changes.warnings = ()
        if selection.after:
            self.sleep(selection.after)
        if fault is not None:
            return self._faulted(op, body, form, named, selection, fault, response, changes)
        self._journal(op, body, form, named, response, changes, selection, warnings=warnings)
        return response

    def _faulted(
        self,
        op: Operation,
        body: object,
        form: FormName,
        named: str | None,
        selection: Selection,
        fault: Fault,
        outcome: Response | None,
        changes: tuple[tuple[StoredToken, StoredToken, str], ...],
    ) -> Response:
        """The answer of *fault* (or a dropped connection), journaled; *outcome* is the
        simulator's own answer when the fault applies after the effect."""
        response = None if fault.kind == "drop" else fault.answer(op.name)
        self._journal(
            op,
            body,
            form,
            named,
            response if response is not None else Response(op.name, 0),
            changes,
            selection,
            outcome=None if outcome is None else outcome.status,
        )
        if response is None:
            raise DropConnection("the simulated MDES drops the connection (a fault)")
        return response

    def _journal(
        self,
        op: Operation,
        body: object,
        form: FormName,
        named: str | None,
        response: Response,
        changes: tuple[tuple[StoredToken, StoredToken, str], ...],
        selection: Selection,
        *,
        outcome: int | None = None,
        warnings: tuple[Violation, ...] = (),
    ) -> None:
        journal = self.journal
        if journal.maxlen == 0:
            return
        tokens: list[str] = []
        if named is not None:
            tokens.append(named if self.store.get(named) is not None else scrub(named))
        for _, new, _ in changes:
            if new.token_unique_reference not in tokens:
                tokens.append(new.token_unique_reference)
        at = changes[0][1].history[-1].date_time if changes and changes[0][1].history else None
        journal.record(
            at=at if at is not None else self._now(),
            operation=op.name,
            status=response.status,
            tokens=tuple(tokens),
            errors=response.errors,
            warnings=tuple(_error(v.path, v.code, v.message) for v in warnings),
            changes=tuple(
                Change(
                    new.token_unique_reference,
                    event,
                    previous.status.value,
                    new.status.value,
                    tuple(sorted(new.suspenders)),
                )
                for previous, new, event in changes
            ),
            faults=tuple(
                AppliedFault(f.id or "", f.kind, f.after, f.summary) for f in selection.applied
            ),
            latency=selection.before + selection.after,
            outcome=outcome,
            request=body if not attrs.has(type(body)) else model_document(op, body, form),
        )

    def _serve_op(self, name: str, body: object, form: FormName) -> Response:
        try:
            op = self.registry.get(name)
        except UnknownOperation:
            entry = _error("INPUT", "NOT_FOUND", "no such operation")
            return Response(name, 404, None, (entry,))
        handler = self._effects.get(op.effect) if op.effect is not None else None
        if handler is None:
            entry = _error("INPUT", "NOT_FOUND", f"the simulator does not serve {op.name}")
            return Response(op.name, 404, None, (entry,))
        if op.account_encryption is not None:
            opened = self._decrypt(op, body)
            if isinstance(opened, Response):
                return opened
            body = opened
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

    def _decrypt(self, op: Operation, body: object) -> object:
        """*body* with its ``EncryptedAccountInformation`` decrypted (as it is when it is
        not encrypted), or the refusal when it cannot be decrypted."""
        at = encrypted_data(body)
        if at is None:
            return body
        assert op.account_encryption is not None
        if self._keys is None:
            entry = _error(
                at,
                "not_decrypted",
                "EncryptedAccountInformation is encrypted and the simulator holds no "
                "decryption key, so it cannot apply the request: start it with a key "
                "(mdesrules serve --encryption-key KEY.pem, SimulatedMdes(decryption_keys=...)) "
                "or send the plaintext form (EncryptedData a JSON object)",
            )
            return Response(op.name, 400, None, (entry,))
        decrypted = decrypt_and_report(body, self._keys, version=op.account_encryption)
        errors = tuple(v for v in decrypted.violations if v.severity == "error")
        if decrypted.document is None or errors:
            return self._refusal(op, errors)
        return decrypted.document

    def _answer(
        self,
        op: Operation,
        handler: Callable[[Any, _Call], object],
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
        if response.status == 200:
            self._changes.done = tuple(changes)
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
        handler: Callable[[Any, _Call], object],
        body: object,
        form: FormName,
    ) -> Response:
        with self.store.transaction():
            report = check(op.name, body, self.context, form=form, registry=self.registry)
            if not report.ok:
                return self._refusal(op, report.errors)
            # What passed with warnings (a card number in free text, say) is journaled.
            self._changes.warnings = report.violations
            model = body if isinstance(body, op.request) else structure_checked(op, body, form)
            try:
                answer = handler(model, _Call(op, form))
            except _Refused as refused:
                entry = _error(refused.source, refused.code, refused.message)
                return Response(op.name, refused.status, None, (entry,))
            except LifecycleError as e:  # the rules ran first, so only on a race: never
                log.error("%s: the lifecycle refused after the rules passed", op.name)
                return Response(op.name, 400, None, (_error("INPUT", e.code, e.message),))
        return Response(op.name, 200, answer)

    def _refusal(self, op: Operation, errors: tuple[Violation, ...]) -> Response:
        status = 404 if errors and all(v.code == "unknown_token" for v in errors) else 400
        entries = tuple(_error(v.path, v.code, v.message) for v in errors)
        return Response(op.name, status, None, entries)

    # -- helpers ------------------------------------------------------------------------------

    def _now(self) -> str:
        return _timestamp(self.clock())

    def _token(self, tur: str, at: _Call) -> StoredToken:
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

    def _simple(self, at: _Call, token: StoredToken, comment_id: str | None = None) -> Any:
        """The ``{"Token": {TokenUniqueReference, CommentId}}`` answer."""
        return at.answer(
            token={"token_unique_reference": token.token_unique_reference, "comment_id": comment_id}
        )

    def _recorded(
        self,
        request: Any,
        at: _Call,
        event: str,
        state: lifecycle.TokenState | None,
        **changes: Any,
    ) -> Any:
        """Apply *event* to the token the request names (the status set to *state*, or
        kept when ``None``), store it and answer the simple token response."""
        token = self._token(request.token_unique_reference, at)
        token, comment_id = self._change(
            token,
            event,
            token.state if state is None else state,
            reason_code=getattr(request, "reason_code", None),
            comment_text=request.comment_text,
            audit=request.audit_info,
            **changes,
        )
        self.store.put(token)
        return self._simple(at, token, comment_id)

    def _lifecycle(
        self,
        request: Any,
        at: _Call,
        event: str,
        transition: Callable[[lifecycle.TokenState], lifecycle.TokenState],
    ) -> Any:
        token = self._token(request.token_unique_reference, at)
        return self._recorded(request, at, event, transition(token.state))

    # -- operations ---------------------------------------------------------------------------

    def _search(self, request: Any, at: _Call) -> Any:
        found: Iterable[StoredToken]
        pan = accounts_of(request).current_pan
        if request.token_unique_reference is not None:
            token = self.store.get(request.token_unique_reference)
            found = (token,) if token is not None else ()
        elif pan is not None:
            found = self.store.tokens_of_pan(pan)
        elif request.comment_id is not None:
            token = self.store.by_comment_id(request.comment_id)
            found = (token,) if token is not None else ()
        else:  # Token, PaymentAppInstanceId, AlternateAccountIdentifier, ...: not indexed
            found = ()
        kept = [t for t in found if _passes_filters(request, t)]
        members: dict[str, Any] = {}
        page_info = getattr(request, "page_info", None)
        if page_info is not None:
            offset, limit = int(page_info.offset), int(page_info.limit)
            if offset % limit:
                raise _Refused(
                    400,
                    "not_allowed_value",
                    at("PageInfo", "Offset"),
                    f"Offset must be a multiple of Limit ({limit}): it is the index of the "
                    "first token of a page",
                )
            total = len(kept)
            kept = kept[offset : offset + limit]
            members["page_info"] = {
                "offset": str(offset),
                "limit": str(limit),
                "total": str(total),
                "count": str(len(kept)),
            }
        compact = _flag(getattr(request, "compact_response", None))
        says_app = hasattr(request, "exclude_tokens_deleted_from_consumer_app")
        groups: dict[tuple[str, str | None], list[dict[str, Any]]] = {}
        for token in kept:
            key = (token.account_pan, token.account_pan_expiry)
            groups.setdefault(key, []).append(self._search_token(token, says_app, compact))
        members["accounts"] = {
            "account": [
                {
                    "account_pan_suffix": None if compact else pan[-4:],
                    "expiration_date": None if compact else expiry,
                    "tokens": {"token": tokens},
                }
                for (pan, expiry), tokens in groups.items()
            ]
        }
        return at.answer(**members)

    def _search_token(self, token: StoredToken, says_app: bool, compact: bool) -> dict[str, Any]:
        requestor = (
            self.token_requestors.get(token.token_requestor_id)
            if token.token_requestor_id is not None
            else None
        )
        members: dict[str, Any] = {
            "token_unique_reference": token.token_unique_reference,
            "account_pan_sequence_number": token.psn,
            "token_activated_date_time": _activated_at(token),
            "current_status_code": token.status.value,
            "current_status_description": STATUS_DESCRIPTIONS[token.status],
            "current_status_date_time": _status_at(token),
            "suspenders": {"suspender": sorted(token.suspenders)} if token.suspenders else None,
            "token_requestor_id": token.token_requestor_id,
            "token_requestor_name": requestor.name if requestor is not None else None,
            "token_requestor_consumer_facing_entity_name": (
                requestor.consumer_facing_name if requestor is not None else None
            ),
            "token_type": token.token_type,
            "token_assurance_level": token.token_assurance_level,
            "last_comment_id": _last_comment_id(token),
            "token_deleted_from_consumer_app": (
                ("true" if token.deleted_from_consumer_app else "false") if says_app else None
            ),
        }
        if compact:
            return {k: v for k, v in members.items() if k in _COMPACT_TOKEN_MEMBERS}
        return members

    def _activate(self, request: Any, at: _Call) -> Any:
        if request.token_unique_reference is None:
            pan = accounts_of(request).current_pan
            tur = self._awaiting_on_app(pan, request.payment_app_instance_id)
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

    def _suspend(self, request: Any, at: _Call) -> Any:
        return self._lifecycle(request, at, "suspend", lambda s: lifecycle.suspend(s, _PARTY))

    def _unsuspend(self, request: Any, at: _Call) -> Any:
        return self._lifecycle(request, at, "unsuspend", lambda s: lifecycle.unsuspend(s, _PARTY))

    def _delete(self, request: Any, at: _Call) -> Any:
        if _flag(getattr(request, "delete_from_consumer_app", None)):
            return self._recorded(
                request, at, "delete_from_consumer_app", None, deleted_from_consumer_app=True
            )
        return self._lifecycle(request, at, "delete", lifecycle.delete)

    def _apply_update(self, request: Any, at: _Call) -> list[tuple[StoredToken, str | None]]:
        """Update the targeted tokens, all or nothing; return them with their comment ids."""
        accounts = accounts_of(request)
        if request.token_unique_reference is not None:
            targets: tuple[StoredToken, ...] = (self._token(request.token_unique_reference, at),)
        elif accounts.current_pan is not None:
            targets = self.store.tokens_of_pan(accounts.current_pan)
        else:
            by = "FinancialAccountId" if accounts.financial_account_id is not None else None
            raise _Refused(
                404,
                "unknown_token",
                at(*_CURRENT_ACCOUNT, "FinancialAccountId") if by else at("CardholderId"),
                f"no token is known by this {by or 'CardholderId'}; the simulator finds "
                "tokens by TokenUniqueReference or the current account PAN only",
            )
        changes: dict[str, str] = {}
        if accounts.new_pan is not None:
            changes["account_pan"] = accounts.new_pan
        if accounts.new_expiry is not None:
            changes["account_pan_expiry"] = accounts.new_expiry
        if accounts.new_psn is not None:
            changes["psn"] = accounts.new_psn
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

    def _update(self, request: Any, at: _Call) -> Any:
        updated = self._apply_update(request, at)
        return at.answer(
            tokens={
                "token": [
                    {"token_unique_reference": t.token_unique_reference, "comment_id": cid}
                    for t, cid in updated
                ]
            }
        )

    def _legacy_update(self, request: Any, at: _Call) -> Any:
        updated = self._apply_update(request, at)
        return at.answer(token=_legacy_token(updated[0][0]) if updated else None)

    def _assurance(self, request: Any, at: _Call) -> Any:
        token = self._token(request.token_unique_reference, at)
        lifecycle.require_updatable(token.state)
        level = raised_assurance_level(token.token_assurance_level)
        return self._recorded(request, at, "assurance", None, token_assurance_level=level)

    def _status_history(self, request: Any, at: _Call) -> Any:
        token = self._token(request.token_unique_reference, at)
        statuses = [
            {
                "status_code": h.status.value,
                "status_description": STATUS_DESCRIPTIONS[h.status],
                "status_date_time": h.date_time,
                "initiator": h.initiator,
                "comment_id": h.comment_id,
                "reason_code": h.reason_code,
                "audit_info": h.audit_info,
            }
            for h in reversed(token.history)
        ]
        return at.answer(statuses={"status": statuses})

    def _comments(self, request: Any, at: _Call) -> Any:
        token = self._token(request.token_unique_reference, at)
        comments = [
            {
                "comment_id": c.comment_id,
                "comment_text": c.text,
                "comment_date_time": c.date_time,
                "audit_info": c.audit_info,
            }
            for c in token.comments
        ]
        return at.answer(comments={"comment": comments})

    def _transactions(self, request: Any, at: _Call) -> Any:
        self._token(request.token_unique_reference, at)
        return at.answer(transactions={})

    def _activation_methods(self, request: Any, at: _Call) -> Any:
        token = self._token(request.token_unique_reference, at)
        methods = ACTIVATION_METHODS if token.status is Status.IN_PROGRESS else ()
        return at.answer(activation_methods={"activation_method": methods})

    def _resend_activation_code(self, request: Any, at: _Call) -> Any:
        token = self._token(request.token_unique_reference, at)
        return self._simple(at, token)

    def _reset_mobile_pin(self, request: Any, at: _Call) -> Any:
        token = self._token(request.token_unique_reference, at)
        token, comment_id = self._comment(
            token, request.comment_text, request.audit_info, self._now()
        )
        if comment_id is not None:
            self.store.put(token)
        return self._simple(at, token, comment_id)

    def _disable_payment_channels(self, request: Any, at: _Call) -> Any:
        token = self._token(request.token_unique_reference, at)
        channels = (
            [] if _flag(request.enable_all_payment_channels) else list(token.disabled_channels)
        )
        named = request.disabled_payment_channels
        channel = named.disabled_channel if named is not None else None
        if channel is not None and channel not in channels:
            channels.append(channel)
        if tuple(channels) != token.disabled_channels:
            self.store.put(evolve(token, disabled_channels=tuple(channels)))
        return at.answer(
            disabled_payment_channels={"disabled_channel": channels[-1] if channels else None}
        )

    def _token_requestor_search(self, request: Any, at: _Call) -> Any:
        requestor = self.token_requestors.get(request.token_requestor_id)
        if requestor is None:
            raise _Refused(
                404,
                "unknown_token_requestor",
                at("TokenRequestorId"),
                "the simulator knows no token requestor with this TokenRequestorId "
                "(it knows those given as SimulatedMdes(token_requestors=...))",
            )
        return at.answer(
            token_requestor_id=requestor.token_requestor_id,
            token_requestor_name=requestor.name,
            token_requestor_consumer_facing_entity_name=requestor.consumer_facing_name,
        )

    def _authentication_decision(self, request: Any, at: _Call) -> Any:
        token = self._token(request.token_unique_reference, at)
        token, comment_id = self._change(
            token,
            "authentication_decision",
            token.state,
            reason_code=None,
            comment_text=request.comment_text,
            audit=request.audit_info,
        )
        self.store.put(token)
        return at.answer(token_unique_reference=token.token_unique_reference, comment_id=comment_id)

    def _account_holder_message(self, request: Any, at: _Call) -> Any:
        token = self._token(request.token_unique_reference, at)
        lifecycle.require_not_deleted(token.state, "sent a message for the cardholder")
        now = self.clock()
        if now.tzinfo is None:
            now = now.replace(tzinfo=UTC)
        wrong = _message_expiry(request.message_expiration, now)
        if wrong is not None:
            raise _Refused(400, wrong[0], at("MessageExpiration"), wrong[1])
        token, _ = self._comment(
            token, _message_comment(request), request.audit_info, _timestamp(now)
        )
        self.store.put(token)
        return at.answer(token={"token_unique_reference": token.token_unique_reference})

    def _system_status(self, request: Any, at: _Call) -> Any:
        return at.answer(comment_text=SYSTEM_STATUS, last_status_date_time=self._now())


def _message_expiry(value: str, now: datetime) -> tuple[str, str] | None:
    """What is wrong with an account holder message's ``MessageExpiration`` at *now*, as
    ``(code, message)``, or ``None``: it must be a calendar date and time after *now*, at
    most :data:`MAX_MESSAGE_DAYS` ahead. The rules (:class:`~mdesrules.fields.iso_timestamp`)
    passed it first: ISO 8601 with a zone, of a date that exists, which ``fromisoformat``
    reads."""
    failure = iso_timestamp()(value)
    if failure is not None:  # only when called without the rules: they refuse it first
        return failure[0], f"MessageExpiration {failure[1]}"
    moment = datetime.fromisoformat(value)
    if moment <= now:
        return "not_allowed_value", "MessageExpiration has passed: the message would never show"
    if moment > now + timedelta(days=MAX_MESSAGE_DAYS):
        return (
            "not_allowed_value",
            f"MessageExpiration is more than {MAX_MESSAGE_DAYS} days ahead, MDES's maximum",
        )
    return None


def _message_comment(request: Any) -> str:
    """The comment that records an account holder message on its token, PAN-free."""
    return scrub(
        f"Account holder message {request.message_identifier} "
        f"({request.message_language_code}, until {request.message_expiration}, "
        f"viewable in the issuer app: {request.issuer_application_message_display}): "
        f"{request.message_text}"
    )


def _named_token(op: Operation, body: object, form: FormName) -> str | None:
    """The Token Unique Reference a request names (a model's, or its document's), if any."""
    if attrs.has(type(body)):
        value = getattr(body, "token_unique_reference", None)
        return value if isinstance(value, str) else None
    envelope = op.form(form).envelope
    inner = body.get(envelope) if envelope is not None and isinstance(body, dict) else body
    if not isinstance(inner, dict):
        return None
    name = "TokenUniqueReference"
    value = inner.get(op.naming(name) if form == "json" else name)
    return value if isinstance(value, str) and value else None


def _passes_filters(request: Any, token: StoredToken) -> bool:
    """Whether *token* passes the search filters *request* sets (those its version has)."""
    if _flag(request.exclude_deleted_indicator) and token.status is Status.DELETED:
        return False
    if (
        _flag(getattr(request, "include_device_tokens_only", None))
        and token.token_type == _SERVER_TOKEN_TYPE
    ):
        return False
    if (
        _flag(getattr(request, "exclude_tokens_deleted_from_consumer_app", None))
        and token.deleted_from_consumer_app
    ):
        return False
    statuses = getattr(request, "token_status_codes", None)
    if statuses is not None and token.status.value not in statuses:
        return False
    types = getattr(request, "token_types", None)
    if types is not None and token.token_type not in types:
        return False
    requestor = getattr(request, "token_requestor_id", None)
    return requestor is None or token.token_requestor_id == requestor


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


def _legacy_token(token: StoredToken) -> dict[str, Any]:
    return {
        "token_unique_reference": token.token_unique_reference,
        "account_pan_sequence_number": token.psn,
        "current_status_code": token.status.value,
        "current_status_description": STATUS_DESCRIPTIONS[token.status],
        "current_status_date_time": _status_at(token),
        "last_comment_id": _last_comment_id(token),
        "suspender": [{"suspended_by": s} for s in sorted(token.suspenders)] or None,
        "token_activated_date_time": _activated_at(token),
        "token_assurance_level": token.token_assurance_level,
    }
