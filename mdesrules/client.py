"""A client with one method per operation, that checks every request before it sends it.

The client runs the same rule sets as :func:`mdesrules.check` (and, given a
:class:`~mdesrules.context.Context`, the token-state rules), so a request that breaks a rule
is never sent: it raises :class:`~mdesrules.exceptions.InvalidRequest` with the full report.
An MDES error answer raises :class:`~mdesrules.exceptions.MdesError` with every entry.

From CS API 2.1.7 on, account identifiers travel in ``EncryptedAccountInformation``. Write
the request in its plaintext form (``EncryptedData`` the model of the JSON object) and give
the client Mastercard's encryption certificate or public key (``encryption=``): the client
checks the plaintext request, then the transport encrypts it as it serialises it (see
:mod:`mdesrules.transports.codec_transport` for why there) and sends it.
"""

from __future__ import annotations

from typing import Any, TypeVar, cast

from .account_encryption import AccountEncryption, PublicKeyOrCertificate
from .checking import check
from .context import Context
from .exceptions import InvalidRequest, MdesError
from .models import legacy, requests, responses
from .registry import REGISTRY, Registry
from .transport import Closing, Request, Response, Transport

__all__ = ["Client"]

T = TypeVar("T")


class Client(Closing):
    """Checks, sends and decodes MDES Customer Service requests through a transport.

    Every operation of the client's registry is reachable through :meth:`call`; the
    Customer Service API's operations also have a method each (``client.token_suspend``).
    The methods are typed with the 2.0.7 models; with the 2.1.7 or 2.2.2 registry they take
    and return that version's models (the same member names), as :meth:`call` does.

    Args:
        transport: where requests go: HTTP to Mastercard, or an in-memory MDES in tests.
        context: optional token inventory and account ranges; when given, token-state rules
            run before sending too.
        registry: the API surface to speak (:data:`~mdesrules.registry.REGISTRY` by
            default; see :mod:`mdesrules.apis`).
        encryption: Mastercard's encryption certificate or RSA public key, or
            :class:`~mdesrules.account_encryption.AccountEncryption` settings (OAEP hash,
            CBC or GCM). Each request is checked in its plaintext form, then its
            ``EncryptedAccountInformation`` is encrypted for the version of its operation as
            the transport serialises it; operations without the envelope are sent as they
            are. It may be given to the transport instead (``HttpTransport(...,
            encryption=...)``), not to both.

    Raises:
        TypeError: *encryption* is not a certificate, an RSA public key or settings.
        ValueError: *encryption* with a transport that does not serialise requests
            (``InMemoryTransport`` without ``wire="json"``, or one without a true
            ``can_encrypt``); different encryption settings on the transport already; GCM
            (the client's or the transport's) with a registry of 2.1.7 operations.

    .. versionchanged:: Unreleased
       ``encryption``.
    """

    def __init__(
        self,
        transport: Transport,
        context: Context | None = None,
        *,
        registry: Registry | None = None,
        encryption: AccountEncryption | PublicKeyOrCertificate | None = None,
    ) -> None:
        settings = AccountEncryption.of(encryption)
        self.registry = REGISTRY if registry is None else registry
        if settings is not None:
            if not getattr(transport, "can_encrypt", False):
                raise ValueError(
                    f"{type(transport).__name__} does not serialise requests, so it cannot "
                    "encrypt them: use HttpTransport, CodecTransport or "
                    "InMemoryTransport(..., wire='json')"
                )
            own = getattr(transport, "encryption", None)
            if own is not None and own != settings:
                raise ValueError(
                    "the transport has encryption settings of its own: give them to the "
                    "client or to the transport, not both"
                )
        effective = settings if settings is not None else getattr(transport, "encryption", None)
        if isinstance(effective, AccountEncryption):
            effective.check_versions(op.account_encryption for op in self.registry)
        self.transport = transport
        self.context = context
        self.encryption = settings

    def send(self, operation: str, body: object) -> Response:
        """Check *body* (a request model) for *operation*, send it and return the answer.

        With encryption settings, the request checked is the plaintext one; its
        ``EncryptedAccountInformation`` is encrypted only after it passed, as it is
        serialised.

        Raises:
            UnknownOperation: no such operation.
            TypeError: *body* is not the operation's request model.
            InvalidRequest: the request breaks a rule; nothing was encrypted or sent.
            MdesError: MDES refused the request.
            TransportError: it could not be delivered or the answer could not be read.
        """
        op = self.registry.get(operation)
        if type(body) is not op.request:
            raise TypeError(f"{operation} takes a {op.request.__name__}, got {type(body).__name__}")
        report = check(operation, body, self.context, registry=self.registry)
        if not report.ok:
            raise InvalidRequest(report)
        request = Request(operation, body, self.registry, encryption=self.encryption)
        response = self.transport.send(request)
        if not response.ok:
            raise MdesError(operation, response.status, response.errors)
        return response

    def call(self, operation: str, body: object) -> Any:
        """Check, send and answer any operation of the registry: the response model.

        Raises:
            UnknownOperation: as :meth:`send`.
            TypeError: as :meth:`send`.
            InvalidRequest: as :meth:`send`.
            MdesError: as :meth:`send`, and when the answer is not the operation's
                response model.
            TransportError: as :meth:`send`.
        """
        result: Any = self.send(operation, body).body
        expected = self.registry.get(operation).response
        if expected is not None and not isinstance(result, expected):
            raise MdesError(operation, 200, ())
        return result

    def _call(self, operation: str, body: object, expected: type[T]) -> T:
        # The named methods are typed with the 2.0.7 models; with another registry they
        # take and return that version's models, which keep the same member names.
        # call() has checked the answer against the operation's own response model.
        return cast(T, self.call(operation, body))

    def search(self, request: requests.SearchRequest) -> responses.SearchResponse:
        """``POST /search``."""
        return self._call("search", request, responses.SearchResponse)

    def token_activate(
        self, request: requests.TokenActivateRequest
    ) -> responses.SimpleTokenResponse:
        """``POST /token/activate``."""
        return self._call("token_activate", request, responses.SimpleTokenResponse)

    def token_update(self, request: requests.TokenUpdateRequest) -> responses.TokenUpdateResponse:
        """``POST /token/update``."""
        return self._call("token_update", request, responses.TokenUpdateResponse)

    def token_suspend(self, request: requests.TokenSuspendRequest) -> responses.SimpleTokenResponse:
        """``POST /token/suspend``."""
        return self._call("token_suspend", request, responses.SimpleTokenResponse)

    def token_unsuspend(
        self, request: requests.TokenUnsuspendRequest
    ) -> responses.SimpleTokenResponse:
        """``POST /token/unsuspend``."""
        return self._call("token_unsuspend", request, responses.SimpleTokenResponse)

    def token_delete(self, request: requests.TokenDeleteRequest) -> responses.SimpleTokenResponse:
        """``POST /token/delete``."""
        return self._call("token_delete", request, responses.SimpleTokenResponse)

    def token_status_history(
        self, request: requests.TokenStatusHistoryRequest
    ) -> responses.TokenStatusHistoryResponse:
        """``POST /token/statushistory``."""
        return self._call("token_status_history", request, responses.TokenStatusHistoryResponse)

    def token_comments(
        self, request: requests.TokenCommentsRequest
    ) -> responses.TokenCommentsResponse:
        """``POST /token/comments``."""
        return self._call("token_comments", request, responses.TokenCommentsResponse)

    def transactions(self, request: requests.TransactionsRequest) -> responses.TransactionsResponse:
        """``POST /transactions``."""
        return self._call("transactions", request, responses.TransactionsResponse)

    def token_activation_methods(
        self, request: requests.TokenActivationMethodsRequest
    ) -> responses.TokenActivationMethodsResponse:
        """``POST /token/activationmethods``."""
        return self._call(
            "token_activation_methods", request, responses.TokenActivationMethodsResponse
        )

    def token_resend_activation_code(
        self, request: requests.TokenResendActivationCodeRequest
    ) -> responses.TokenResendActivationCodeResponse:
        """``POST /token/resendactivationcode``."""
        return self._call(
            "token_resend_activation_code", request, responses.TokenResendActivationCodeResponse
        )

    def token_reset_mobile_pin(
        self, request: requests.TokenResetMobilePinRequest
    ) -> responses.SimpleTokenResponse:
        """``POST /token/resetmobilepin``."""
        return self._call("token_reset_mobile_pin", request, responses.SimpleTokenResponse)

    def update_token_assurance(
        self, request: requests.UpdateTokenAssuranceRequest
    ) -> responses.SimpleTokenResponse:
        """``POST /updatetokenassurance``."""
        return self._call("update_token_assurance", request, responses.SimpleTokenResponse)

    def account_holder_messaging(
        self, request: requests.AccountHolderMessagingRequest
    ) -> responses.AccountHolderMessagingResponse:
        """``POST /accountholdermessaging`` (CS API 2.0.7 only)."""
        return self._call(
            "account_holder_messaging", request, responses.AccountHolderMessagingResponse
        )

    def system_status(
        self, request: requests.SystemStatusRequest | None = None
    ) -> responses.SystemStatusResponse:
        """``GET /systemstatus`` (CS API 2.0.7 only; no body, so no request is needed)."""
        body = requests.SystemStatusRequest() if request is None else request
        return self._call("system_status", body, responses.SystemStatusResponse)

    def legacy_update(self, request: legacy.UpdateRequest) -> legacy.LegacyTokenResponse:
        """Legacy ``POST api/Update``."""
        return self._call("legacy_update", request, legacy.LegacyTokenResponse)

    def close(self) -> None:
        """Close the transport."""
        self.transport.close()

    def __repr__(self) -> str:
        shown = "" if self.encryption is None else f", encryption={self.encryption!r}"
        return f"Client({self.transport!r}, registry={self.registry.key!r}{shown})"
