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

2.1.7 and 2.2.2 are imported when first used (named, looked up in :data:`SURFACES` or by
:func:`surface`), so that a program that checks 2.0.7 requests starts without them.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from ..exceptions import UnknownOperation
from ..masking import safe_str, scrub
from ..registry import REGISTRY, Registry
from .legacy_update import LEGACY_UPDATE
from .mdes_cs_api_2_0_7 import MDES_CS_API_2_0_7
from .notifications import NOTIFICATIONS
from .tms import CYBERSOURCE_TMS

if TYPE_CHECKING:
    from .mdes_cs_api_2_1_7 import MDES_CS_API_2_1_7
    from .mdes_cs_api_2_2_2 import MDES_CS_API_2_2_2

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

#: The surfaces outside the default registry, by key: their module and registry's name.
#: They are imported on first use (``mdesrules.apis.MDES_CS_API_2_2_2``, :func:`surface`, a
#: value of :data:`SURFACES`), so that a program that checks 2.0.7 requests does not pay
#: for building two more API surfaces at start-up.
_LATER: Mapping[str, tuple[str, str]] = {
    "mdes-cs-api-2.1.7": (".mdes_cs_api_2_1_7", "MDES_CS_API_2_1_7"),
    "mdes-cs-api-2.2.2": (".mdes_cs_api_2_2_2", "MDES_CS_API_2_2_2"),
}
_BY_NAME = {name: key for key, (_, name) in _LATER.items()}


def _load(key: str) -> Registry:
    module, name = _LATER[key]
    registry: Registry = getattr(importlib.import_module(module, __name__), name)
    return registry


def __getattr__(name: str) -> Registry:
    """``MDES_CS_API_2_1_7`` and ``MDES_CS_API_2_2_2``, imported when first named."""
    if name in _BY_NAME:
        registry = _load(_BY_NAME[name])
        globals()[name] = registry
        return registry
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


class _Surfaces(Mapping[str, Registry]):
    """A read-only mapping of every surface by key; a surface of :data:`_LATER` is
    imported when its value is first read (its key is known without it)."""

    def __init__(self, *surfaces: Registry | str) -> None:
        self._ready = {s.key: s for s in surfaces if isinstance(s, Registry)}
        self._keys = tuple(s if isinstance(s, str) else s.key for s in surfaces)

    def __getitem__(self, key: str) -> Registry:
        registry = self._ready.get(key)
        if registry is not None:
            return registry
        if key in _LATER:
            return _load(key)
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def __repr__(self) -> str:
        return f"SURFACES({', '.join(self._keys)})"


#: Every registry by its key (``name-version``), the default one included.
SURFACES: Mapping[str, Registry] = _Surfaces(
    REGISTRY,
    MDES_CS_API_2_0_7,
    *_LATER,
    LEGACY_UPDATE,
    NOTIFICATIONS,
    CYBERSOURCE_TMS,
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
