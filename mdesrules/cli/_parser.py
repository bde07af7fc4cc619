"""The argument parser of the ``mdesrules`` command (DESIGN.md section 5)."""

from __future__ import annotations

import argparse
from typing import NoReturn

from ..masking import scrub
from ..registry import REGISTRY
from . import _output, _rules

__all__ = ["build_parser"]


def _add_check(commands: argparse._SubParsersAction[_Parser]) -> None:
    check = commands.add_parser(
        "check",
        help="check request files against the MDES rules",
        description=(
            "Check every record of FILE... (.json: one document or an array; .jsonl or "
            ".ndjson: one per line; .xml: one DataContract document; '-': standard input) "
            "and report each. Exit status: 0 when no record has an error, 1 when some "
            "record has one, 2 for a usage or I/O problem."
        ),
    )
    check.add_argument(
        "--operation",
        choices=REGISTRY.names(),
        metavar="OP",
        help="check every record as OP instead of telling each one's operation from its "
        "wrapper key or XML root (one of: %(choices)s)",
    )
    check.add_argument(
        "--tokens",
        metavar="FILE",
        help="the issuer's token inventory (JSON array or JSON Lines); turns on the "
        "token-state rules",
    )
    check.add_argument(
        "--account-ranges",
        metavar="FILE",
        help="the issuer's account ranges (CSV with the header low,high); turns on the "
        "account-range rule",
    )
    check.add_argument(
        "--format",
        choices=_output.FORMATS,
        default="text",
        help="text for people (default) or json for JSON Lines, one object per record",
    )
    check.add_argument(
        "--no-progress",
        dest="progress",
        action="store_false",
        help="never show the progress line (shown on a terminal's stderr otherwise)",
    )
    check.add_argument("files", nargs="+", metavar="FILE", help="input files, '-' for stdin")


def _add_rules(commands: argparse._SubParsersAction[_Parser]) -> None:
    rules = commands.add_parser(
        "rules",
        help="print the rule catalogue",
        description="Print every operation's rules, as the checks apply them.",
    )
    rules.add_argument(
        "--format", choices=_rules.FORMATS, default="markdown", help="default: markdown"
    )


class _Parser(argparse.ArgumentParser):
    """An argument parser whose error messages mask PAN-like digits (they echo arguments)."""

    def error(self, message: str) -> NoReturn:
        super().error(scrub(message))


def build_parser(version: str) -> argparse.ArgumentParser:
    """The ``mdesrules`` parser, with ``check`` and ``rules`` subcommands."""
    parser = _Parser(
        prog="mdesrules",
        description="Check Mastercard MDES token requests before they leave your system.",
    )
    parser.add_argument("--version", action="version", version=f"mdesrules {version}")
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=_Parser
    )
    _add_check(commands)
    _add_rules(commands)
    return parser
