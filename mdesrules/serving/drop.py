"""How a WSGI application asks its server to close a connection without an answer.

A gateway or a load balancer in front of MDES sometimes closes the connection after the
request arrived and before any answer; a client must then decide whether the request was
applied. The simulated MDES does the same on purpose (a ``drop`` fault) by raising
:class:`DropConnection` from the application.

:class:`DropConnection` is a :class:`ConnectionAbortedError`, which the standard library's
WSGI server (:mod:`wsgiref`, and so :mod:`mdesrules.serving.server`) takes for a client that
went away: it writes nothing and closes the connection, so the client sees the connection
close with no answer, as it would from a real gateway. waitress does the same when its
``log_socket_errors`` is off; another server may answer it as any failure (a 500). In
process, :class:`~mdesrules.transports.wsgi.WsgiCarrier` and the ``requests`` adapter turn it
into the error their HTTP counterparts raise for a connection that broke.
"""

from __future__ import annotations

from mdesrules.exceptions import MdesRulesError

__all__ = ["DropConnection"]


class DropConnection(MdesRulesError, ConnectionAbortedError):
    """Raised by a WSGI application: close the connection and send nothing."""

    def __init__(self, reason: str = "the application dropped the connection") -> None:
        super().__init__(reason)
