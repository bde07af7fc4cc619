"""``mdesrules rules``: print the rule catalogue that :mod:`mdesrules.catalogue` renders."""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable
from typing import TextIO

from ..apis import surface
from ._errors import UsageError

__all__ = ["FORMATS", "run_rules"]

FORMATS = ("markdown", "text")


def run_rules(args: argparse.Namespace, stdout: TextIO) -> int:
    """Write the catalogue in ``args.format``; return exit status 0.

    Raises:
        UsageError: this installation has no rule catalogue module.
    """
    # Imported here, not at the top: `check` must work even where the catalogue is absent.
    try:
        catalogue = importlib.import_module("mdesrules.catalogue")
    except ImportError:
        raise UsageError("the rule catalogue is not available in this installation") from None
    render: Callable[..., str] = catalogue.render
    text = render(args.format, surface(args.api))
    stdout.write(text if text.endswith("\n") else text + "\n")
    stdout.flush()
    return 0
