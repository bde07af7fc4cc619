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

As a test double: every request is recorded in its :class:`Journal` (query and verify what
your system sent), :class:`Fault` objects in its :class:`FaultSet` make it slow, failing or
silent on purpose (:mod:`~mdesrules.fakes.mdes.faults`), and :func:`simulator_app` serves
it with the admin API under ``/__admin/`` (:mod:`~mdesrules.fakes.mdes.admin`). See
``docs/test-double.md``.
"""

from .admin import AdminApp, simulator_app
from .engine import SimulatedMdes, TokenRequestor
from .faults import Fault, FaultError, FaultSet
from .journal import Journal, JournalEntry, VerificationError
from .store import Comment, HistoryEntry, MemoryStore, SqliteStore, StoredToken, TokenStore

__all__ = [
    "AdminApp",
    "Comment",
    "Fault",
    "FaultError",
    "FaultSet",
    "HistoryEntry",
    "Journal",
    "JournalEntry",
    "MemoryStore",
    "SimulatedMdes",
    "SqliteStore",
    "StoredToken",
    "TokenRequestor",
    "TokenStore",
    "VerificationError",
    "simulator_app",
]
