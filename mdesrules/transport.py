"""The transport interface: how a checked request reaches an MDES and its answer comes back.

A transport has one method, :meth:`Transport.send`, plus :meth:`~Transport.close` and use as a
context manager (the shape of httpx's transports). It serialises the request model in its
wire form, delivers it (over HTTP, or to an in-process MDES), and decodes the answer into a
:class:`Response`. Implementations live in :mod:`mdesrules.transports`; the core only defines
the interface, so it never depends on them.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Protocol, Self, runtime_checkable

from attrs import field, frozen

from .exceptions import UnknownOperation
from .models.responses import Error
from .registry import REGISTRY, Operation, Registry
from .violations import Violation

if TYPE_CHECKING:
    from .account_encryption import AccountEncryption

__all__ = ["Closing", "Request", "Response", "Transport"]


@frozen
class Request:
    """A request for one operation, as a model that passed the operation's rules.

    Attributes:
        operation: the operation's name.
        body: the request model.
        registry: the API surface the operation belongs to (:data:`REGISTRY` by default).
        encryption: how a transport that sends bytes encrypts the body's
            ``EncryptedAccountInformation`` (the :class:`~mdesrules.client.Client` sets its
            own here); ``None`` leaves it to the transport's own setting. The body stays the
            plaintext model: encryption happens as it is serialised.

    .. versionchanged:: Unreleased
       ``encryption``.
    """

    operation: str
    body: object
    registry: Registry = field(default=REGISTRY, eq=False, repr=False)
    encryption: AccountEncryption | None = field(default=None, eq=False, repr=False)

    @property
    def op(self) -> Operation:
        """The operation, from the request's registry.

        Raises:
            UnknownOperation: the registry has no operation of that name.
        """
        return self.registry.get(self.operation)

    @property
    def repeatable(self) -> bool:
        """True when sending the request twice cannot change more than sending it once."""
        try:
            return self.op.read_only
        except UnknownOperation:
            return False


@frozen
class Response:
    """MDES's answer: the response model, or the errors MDES refused the request with.

    Attributes:
        operation: the operation answered.
        status: the HTTP status (200 for success; an in-process MDES uses the same codes).
        body: the response model on success, else ``None``.
        errors: every ``Error`` entry of an MDES error response.
        warnings: what decoding tolerated, e.g. response fields this library does not know
            (MDES asks clients to accept new fields); never errors.
        headers: HTTP headers an answer over HTTP carries besides its body's own
            (``Retry-After`` on a gateway's 503); a server sends them, a handler sets them.
            Not part of the answer's equality.

    .. versionchanged:: Unreleased
       ``headers``.
    """

    operation: str
    status: int
    body: object = None
    errors: tuple[Error, ...] = ()
    warnings: tuple[Violation, ...] = ()
    headers: Mapping[str, str] = field(factory=dict, eq=False, repr=False)

    @property
    def ok(self) -> bool:
        """True when MDES accepted the request."""
        return 200 <= self.status < 300 and not self.errors


@runtime_checkable
class Transport(Protocol):
    """Delivers requests to an MDES; see :mod:`mdesrules.transports` for the implementations.

    A transport that encrypts ``EncryptedAccountInformation`` as it serialises a request
    (:attr:`Request.encryption`) says so with a true ``can_encrypt`` attribute; the client
    refuses encryption settings for one that does not, rather than send account data in
    clear.
    """

    def send(self, request: Request) -> Response:
        """Deliver *request* and return MDES's answer.

        Raises:
            TransportError: the request could not be delivered or the answer not decoded.
        """

    def close(self) -> None:
        """Release the transport's resources (connections, threads)."""

    def __enter__(self) -> Transport: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class Closing:
    """Context-manager support for anything with a ``close()``: ``with`` closes it."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
