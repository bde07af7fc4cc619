"""``mdesrules rules``: print the rule catalogue that :mod:`mdesrules.catalogue` renders, or
the rules as OpenAPI 3.1 / JSON Schema 2020-12 (:mod:`mdesrules.openapi`)."""

from __future__ import annotations

import argparse
import importlib
import json
from collections.abc import Callable
from typing import Any, TextIO

from ..apis import surface
from ._errors import UsageError

__all__ = ["FORMATS", "run_rules"]

FORMATS = ("markdown", "text", "openapi", "jsonschema")

_EXPORTS = {"openapi": "openapi", "jsonschema": "json_schema"}


def _default_format(operation: str | None, stdout: TextIO) -> str:
    """``list`` (or ``text`` for one operation) on a terminal; ``markdown`` elsewhere, so
    that ``mdesrules rules > docs/rules.md`` writes what it always wrote."""
    try:
        terminal = stdout.isatty()
    except (AttributeError, ValueError):
        terminal = False
    if not terminal:
        return "markdown"
    return "text" if operation is not None else "list"


def run_rules(args: argparse.Namespace, stdout: TextIO) -> int:
    """Write the catalogue or the export in ``args.format``; return exit status 0.

    ``openapi`` describes the operations served over HTTP: with the default ``--api`` that is
    the Customer Service API 2.0.7 and the legacy update (notifications are inbound and TMS
    is CyberSource's own API; ``jsonschema`` has them).

    Raises:
        UsageError: this installation has no rule catalogue module, or ``--api`` names a
            surface with no operation served over HTTP for ``openapi``.
    """
    registry = surface(args.api)
    operation: str | None = getattr(args, "operation", None)
    fmt = args.format or _default_format(operation, stdout)
    if operation is not None:
        if fmt in _EXPORTS:
            raise UsageError(
                f"--format {fmt} describes every operation; one operation is shown as text "
                "or markdown"
            )
        if operation not in registry.names():
            import difflib  # for an unknown operation only

            close = difflib.get_close_matches(operation, registry.names(), n=1)
            guess = f" (did you mean {close[0]}?)" if close else ""
            raise UsageError(
                f"--api {args.api} has no operation {operation[:60]!r}{guess}; "
                "`mdesrules rules` lists them"
            )
    # Imported here, not at the top: `check` must work even where the catalogue is absent.
    if fmt in _EXPORTS:
        export: Callable[..., dict[str, Any]] = getattr(
            importlib.import_module("mdesrules.openapi"), _EXPORTS[fmt]
        )
        try:
            document = export(registry)
        except ValueError as error:
            raise UsageError(str(error)) from None
        text = json.dumps(document, indent=2, ensure_ascii=True)
    else:
        try:
            catalogue = importlib.import_module("mdesrules.catalogue")
        except ImportError:
            raise UsageError("the rule catalogue is not available in this installation") from None
        if fmt == "list":
            text = catalogue.overview(registry)
        else:
            render: Callable[..., str] = catalogue.render
            text = render(fmt, registry, operation)
    stdout.write(text if text.endswith("\n") else text + "\n")
    stdout.flush()
    return 0
