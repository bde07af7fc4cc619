"""The API surfaces, each a :class:`~mdesrules.registry.Registry` built in its own module.

=========================  =====================================================
:data:`MDES_CS_API_2_0_7`  MDES Customer Service API 2.0.7 (15 operations)
:data:`MDES_CS_API_2_1_7`  MDES Customer Service API 2.1.7, plaintext form (15 operations)
:data:`MDES_CS_API_2_2_2`  MDES Customer Service API 2.2.2, plaintext form (16 operations)
:data:`LEGACY_UPDATE`      the legacy customer service ``api/Update``
:data:`NOTIFICATIONS`      ``notifyTokenUpdated``, as MDES sends it to a token requestor
:data:`CYBERSOURCE_TMS`    CyberSource TMS: card art and payment credentials
=========================  =====================================================

:data:`~mdesrules.registry.REGISTRY`, the default of every entry point, holds all four, as
the library always has; 2.1.7 and 2.2.2 are not in it, since their operations keep the
names of 2.0.7.
Pick one surface with ``registry=`` (``check``, ``parse``, ``Client``, the codecs,
``WsgiApp``, the simulator, the catalogue) or ``--api`` on the command line. A new API
version is a new module here with its own registry; see ``docs/design.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from ..exceptions import UnknownOperation
from ..masking import safe_str, scrub
from ..registry import REGISTRY, Registry
from .legacy_update import LEGACY_UPDATE
from .mdes_cs_api_2_0_7 import MDES_CS_API_2_0_7
from .mdes_cs_api_2_1_7 import MDES_CS_API_2_1_7
from .mdes_cs_api_2_2_2 import MDES_CS_API_2_2_2
from .notifications import NOTIFICATIONS
from .tms import CYBERSOURCE_TMS

__all__ = [
    "CYBERSOURCE_TMS",
    "LEGACY_UPDATE",
    "MDES_CS_API_2_0_7",
    "MDES_CS_API_2_1_7",
    "MDES_CS_API_2_2_2",
    "NOTIFICATIONS",
    "SURFACES",
    "surface",
]

REGISTRY.include(MDES_CS_API_2_0_7, LEGACY_UPDATE, NOTIFICATIONS, CYBERSOURCE_TMS)

#: Every registry by its key (``name-version``), the default one included.
SURFACES: Mapping[str, Registry] = MappingProxyType(
    {
        r.key: r
        for r in (
            REGISTRY,
            MDES_CS_API_2_0_7,
            MDES_CS_API_2_1_7,
            MDES_CS_API_2_2_2,
            LEGACY_UPDATE,
            NOTIFICATIONS,
            CYBERSOURCE_TMS,
        )
    }
)


def surface(key: str) -> Registry:
    """The registry whose key is *key* (``"mdes-cs-api-2.0.7"``; see :data:`SURFACES`).

    Raises:
        UnknownOperation: no surface has that key; the message lists the known ones.
    """
    try:
        return SURFACES[key]
    except (KeyError, TypeError):
        shown = scrub(safe_str(key))[:40]
        raise UnknownOperation(
            f"unknown API {shown!r}; known APIs: {', '.join(SURFACES)}"
        ) from None
