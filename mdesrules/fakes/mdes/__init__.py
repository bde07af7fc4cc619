"""A simulated MDES Customer Service API: a token store and an engine that applies requests.

:class:`SimulatedMdes` answers :class:`~mdesrules.transport.Request` objects as MDES does,
from a :class:`TokenStore` (:class:`MemoryStore` by default, :class:`SqliteStore` to keep the
tokens across restarts). Plug it into
:class:`~mdesrules.transports.memory.InMemoryTransport` for tests in process, or
:class:`~mdesrules.serving.wsgi.WsgiApp` to serve it over HTTP. It checks every request with
:func:`mdesrules.check` and changes tokens with :mod:`mdesrules.lifecycle`, so it
never disagrees with the pre-flight check. It speaks the CS API version of its ``registry``
(2.0.7 by default, 2.1.7 or 2.2.2), decrypting encrypted ``EncryptedAccountInformation`` with
its ``decryption_keys``.
"""

from .engine import SimulatedMdes, TokenRequestor
from .store import Comment, HistoryEntry, MemoryStore, SqliteStore, StoredToken, TokenStore

__all__ = [
    "Comment",
    "HistoryEntry",
    "MemoryStore",
    "SimulatedMdes",
    "SqliteStore",
    "StoredToken",
    "TokenRequestor",
    "TokenStore",
]
