"""mdesrules: check Mastercard MDES token requests before they leave your system.

Embed it::

    >>> import mdesrules
    >>> report = mdesrules.check("token_update", {"TokenUpdateRequest": {}})
    >>> report.ok
    False
    >>> report.violations[0].code, report.violations[0].path
    ('missing_required', '/TokenUpdateRequest/AuditInfo')

The essentials:

- :func:`check` takes an operation name (``"token_update"``, ``"token_suspend"``, ...) and
  the document as on the wire (parsed JSON) or a request model of :mod:`mdesrules.models`,
  and returns a :class:`Report` of every :class:`Violation`, each with a stable ``code``
  (meanings in :data:`CODES`), a JSON pointer ``path`` and a ``message`` that never holds a
  full PAN. It raises only :class:`UnknownOperation`; every exception of the library is a
  :class:`MdesRulesError`.
- ``context=Context(inventory, ranges)`` adds the token-state rules, against your token
  inventory (:class:`Inventory`) and account ranges (:class:`AccountRanges`).
- ``registry=`` picks the API surface: the default is CS API 2.0.7 with the legacy update,
  the notifications and TMS; :mod:`mdesrules.apis` has 2.1.7 and 2.2.2.
- :class:`Client` checks, then sends through a transport (:mod:`mdesrules.transports`):
  HTTP to Mastercard, or in memory to the simulated MDES of :mod:`mdesrules.fakes`.
- On the command line: ``mdesrules check FILE...`` for batches, ``mdesrules rules [OP]``
  for the rule catalogue, ``mdesrules serve`` for the simulated MDES; ``--help`` on each.

``help()`` on any of these says more. The guides and an API reference made from these
docstrings are a documentation site, built from a checkout of the source repository (a
wheel does not carry it): in the checkout, ``pip install -e '.[docs]'``, then
``mkdocs build`` writes it to ``site/`` and ``mkdocs serve`` serves it on
http://127.0.0.1:8000/. The same guides are the Markdown files of the checkout's ``docs/``.
"""

from typing import TYPE_CHECKING

from .checking import check, parse, to_wire
from .context import (
    AccountRange,
    AccountRangeError,
    AccountRanges,
    Context,
    Inventory,
    InventoryError,
    TokenRecord,
    TokenSource,
)
from .exceptions import (
    ConnectError,
    DecodeError,
    InvalidRequest,
    MdesError,
    MdesRulesError,
    Timeout,
    TransportError,
    UnknownOperation,
)
from .lifecycle import LifecycleError, Status, TokenState
from .masking import mask_pan, scrub
from .registry import REGISTRY, Operation, Registry
from .violations import CODES, Report, Violation

if TYPE_CHECKING:
    from .account_encryption import AccountEncryption
    from .client import Client
    from .transport import Request, Response, Transport
    from .wire import Carrier, WireRequest, WireResponse

__version__ = "0.1.0"

__all__ = [
    "CODES",
    "REGISTRY",
    "AccountEncryption",
    "AccountRange",
    "AccountRangeError",
    "AccountRanges",
    "Carrier",
    "Client",
    "ConnectError",
    "Context",
    "DecodeError",
    "InvalidRequest",
    "Inventory",
    "InventoryError",
    "LifecycleError",
    "MdesError",
    "MdesRulesError",
    "Operation",
    "Registry",
    "Report",
    "Request",
    "Response",
    "Status",
    "Timeout",
    "TokenRecord",
    "TokenSource",
    "TokenState",
    "Transport",
    "TransportError",
    "UnknownOperation",
    "Violation",
    "WireRequest",
    "WireResponse",
    "check",
    "mask_pan",
    "parse",
    "scrub",
    "to_wire",
]

#: Names imported when first used: they need the ``cryptography`` package, which a program
#: that only checks requests never loads (it is a good part of the start-up of the
#: ``mdesrules`` command). ``from mdesrules import Client`` works as for any other name.
_ON_FIRST_USE = {
    "AccountEncryption": ".account_encryption",
    "Client": ".client",
    "Request": ".transport",
    "Response": ".transport",
    "Transport": ".transport",
    "Carrier": ".wire",
    "WireRequest": ".wire",
    "WireResponse": ".wire",
}


def __getattr__(name: str) -> object:
    if name in _ON_FIRST_USE:
        import importlib

        value = getattr(importlib.import_module(_ON_FIRST_USE[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
