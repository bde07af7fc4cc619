"""mdesrules: check Mastercard MDES token requests before they leave your system.

Embed it::

    >>> import mdesrules
    >>> report = mdesrules.check("token_update", {"TokenUpdateRequest": {}})
    >>> report.ok
    False

Every violation comes with a stable code, a JSON pointer and a message that never holds a
full PAN. What ships with the package tells the rest: ``mdesrules --help`` and
``mdesrules check --help`` for the command, ``mdesrules rules`` for the rule catalogue (one
operation: ``mdesrules rules token_update``), and ``help()`` on :func:`check`,
:class:`Client` and :mod:`mdesrules.transports`. The guides are the ``docs/`` folder of the
source repository (not installed with a wheel).
"""

from .account_encryption import AccountEncryption
from .checking import check, parse, to_wire
from .client import Client
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
from .transport import Request, Response, Transport
from .violations import CODES, Report, Violation
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
