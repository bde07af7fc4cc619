"""Where the operations used to be declared; they now live with their API surface.

Each surface declares its operations in its own module of :mod:`mdesrules.apis`; importing
this module fills :data:`~mdesrules.registry.REGISTRY` as it always did. Kept so that
``from mdesrules.operations import UPDATE_PAYLOAD`` goes on working.
"""

from __future__ import annotations

from . import apis as _apis  # noqa: F401 - fills the registry
from .apis._update import UPDATE_PAYLOAD

__all__ = ["UPDATE_PAYLOAD"]
