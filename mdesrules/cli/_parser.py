"""The argument parser of the ``mdesrules`` command (DESIGN.md section 5)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from functools import cached_property
from typing import Any, NoReturn, overload

from ..apis import SURFACES
from ..masking import scrub
from ..pan_text import PAN_MODES
from ..registry import REGISTRY
from . import _output, _rules

__all__ = ["API_VERSIONS", "build_parser"]

_CS_API = "mdes-cs-api"


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
    _add_api(check, "check records as operations of API")
    check.add_argument(
        "--operation",
        choices=_OperationNames(),
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
    _add_encryption_key(
        check, "decrypts EncryptedAccountInformation, so that what is inside is checked too"
    )
    _add_pan_in_text(check, "reported")
    check.add_argument(
        "--format",
        choices=_output.FORMATS,
        default="text",
        help="text for people (default), json for JSON Lines, one object per record, or "
        "html for one self-contained page (totals, charts of the violations per code and "
        "per field, the first failing records), written when the run ends",
    )
    check.add_argument(
        "--html",
        metavar="FILE",
        help="also write the HTML report to FILE (whole, when the run ends: never a part "
        "of one), beside the report of --format",
    )
    check.add_argument(
        "--jobs",
        type=_jobs,
        metavar="N",
        help="check JSON Lines on N processes (default: every CPU this process may use); "
        "the report is the same, in input order, whatever N",
    )
    check.add_argument(
        "--no-progress",
        dest="progress",
        action="store_false",
        help="never show the progress line (shown on a terminal's stderr otherwise)",
    )
    check.add_argument(
        "--failures-only",
        "--quiet",
        "-q",
        dest="failures_only",
        action="store_true",
        help="report only the records that fail (have an error), not a line per passing "
        "record; the text report's summary is kept",
    )
    check.add_argument("files", nargs="+", metavar="FILE", help="input files, '-' for stdin")


def _add_rules(commands: argparse._SubParsersAction[_Parser]) -> None:
    rules = commands.add_parser(
        "rules",
        help="print the rule catalogue",
        description="Print every operation's rules, as the checks apply them, or one "
        "operation's. On a terminal, without OPERATION or --format: the list of operations.",
    )
    rules.add_argument(
        "operation",
        nargs="?",
        metavar="OPERATION",
        help="print this operation's rules only (text on a terminal, Markdown otherwise)",
    )
    rules.add_argument(
        "--format",
        choices=_rules.FORMATS,
        default=None,
        help="default: a list of the operations on a terminal (the rules of OPERATION when "
        "given, as text), markdown otherwise",
    )
    _add_api(rules, "print the rules of API")


#: The versions ``--api-version`` names: each is ``--api mdes-cs-api-<version>``.
API_VERSIONS = tuple(
    key.removeprefix(f"{_CS_API}-")
    for key in SURFACES
    if key.startswith(f"{_CS_API}-") and key != REGISTRY.key
)


class _OperationNames(Sequence[str]):
    """Every operation name of every surface, for ``--operation``'s choices: read when
    argparse first tests a value or prints them, so that a command line without
    ``--operation`` does not import the surfaces outside the default registry."""

    @cached_property
    def _names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(n for r in SURFACES.values() for n in r.names()))

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...
    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        return self._names[index]

    def __len__(self) -> int:
        return len(self._names)

    def __contains__(self, name: object) -> bool:
        return name in self._names


class _ApiVersion(argparse.Action):
    """``--api-version V``: stores ``mdes-cs-api-V`` where ``--api`` stores its API."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        setattr(namespace, self.dest, f"{_CS_API}-{values}")


def _add_pan_in_text(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--pan-in-text",
        choices=PAN_MODES,
        default="default",
        help=f"how a card number in a field that is not a PAN field is {what}: default "
        "(an error in CommentText and AuditInfo, a warning elsewhere), error (every one an "
        "error), warning (every one a warning) or off",
    )


def _add_api(parser: argparse.ArgumentParser, what: str) -> None:
    # Neither option has a default of its own: argparse tells two exclusive options apart
    # by comparing each value with its default, so `--api default --api-version 2.2.2`
    # would pass unnoticed. The parser's default fills `api` when neither is given.
    parser.set_defaults(api=REGISTRY.key)
    which = parser.add_mutually_exclusive_group()
    which.add_argument(
        "--api",
        choices=tuple(SURFACES),
        default=argparse.SUPPRESS,
        metavar="API",
        help=f"{what} (one of: %(choices)s; default: {REGISTRY.key}, every operation of "
        "the Customer Service API 2.0.7, the legacy update, the notifications and TMS)",
    )
    which.add_argument(
        "--api-version",
        dest="api",
        action=_ApiVersion,
        choices=API_VERSIONS,
        default=argparse.SUPPRESS,
        metavar="VERSION",
        help=f"the same as --api {_CS_API}-VERSION: the Customer Service API of that "
        "version alone (one of: %(choices)s)",
    )


def _add_encryption_key(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--encryption-key",
        metavar="KEY.pem",
        help=f"the PEM RSA private key (unencrypted; the certificate of its public key may "
        f"follow in the same file) that {what}; only with --api-version 2.1.7 or 2.2.2",
    )


def _jobs(text: str) -> int:
    try:
        jobs = int(text)
    except ValueError:
        jobs = 0
    if jobs < 1:
        raise argparse.ArgumentTypeError(f"not a number of processes (1 or more): {text[:20]!r}")
    return jobs


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"not a port number (0 to 65535): {text[:20]!r}")
    return port


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 1024:
        raise argparse.ArgumentTypeError(f"not a number from 1 to 1024: {text[:20]!r}")
    return value


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value <= 86_400:
        raise argparse.ArgumentTypeError(f"not a number of seconds above 0: {text[:20]!r}")
    return value


def _add_serve(commands: argparse._SubParsersAction[_Parser]) -> None:
    serve = commands.add_parser(
        "serve",
        help="serve the simulated MDES over HTTP, to test an issuer system against",
        description=(
            "Serve the simulated MDES: the Customer Service API v2 under /mdes/csapi/v2 "
            "(JSON) and the legacy /api/Update (JSON or XML). Requests that break a rule "
            "are answered in the MDES error shape. Runs until Ctrl-C or SIGTERM (exit "
            "status 0); exit status 2 for a bad file or an address that cannot be bound."
        ),
    )
    _add_api(serve, "serve the operations of API")
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        help="the address to listen on (default: %(default)s, this machine only)",
    )
    serve.add_argument(
        "--port",
        type=_port,
        default=8080,
        help="the port to listen on, 0 for any free one (default: %(default)s)",
    )
    serve.add_argument(
        "--tokens",
        metavar="FILE",
        help="seed the simulator with this token inventory (JSON array or JSON Lines)",
    )
    serve.add_argument(
        "--db",
        metavar="FILE",
        help="keep the tokens in this SQLite file, so they survive a restart (seeded "
        "only when --tokens is given); in memory otherwise",
    )
    serve.add_argument(
        "--account-ranges",
        metavar="FILE",
        help="the issuer's account ranges (CSV with the header low,high)",
    )
    _add_encryption_key(
        serve,
        "decrypts the EncryptedAccountInformation of requests (clients encrypt for its "
        "certificate or public key); without it encrypted requests are refused",
    )
    _add_pan_in_text(serve, "judged (an error is refused with 400 PAN_IN_TEXT)")
    serve.add_argument(
        "--no-admin",
        action="store_true",
        help="do not serve the admin API under /__admin/ (journal, reset, seeding, faults), "
        "for a simulator shared by several teams",
    )
    serve.add_argument(
        "--threads",
        type=_positive_int,
        default=4,
        metavar="N",
        help="worker threads that answer requests (default: %(default)s)",
    )
    serve.add_argument(
        "--request-timeout",
        type=_positive_seconds,
        default=15.0,
        metavar="SECONDS",
        help="a request not received whole this long after its first byte is answered "
        "408 and its connection closed (default: %(default)g)",
    )


class _Parser(argparse.ArgumentParser):
    """An argument parser whose error messages mask PAN-like digits (they echo arguments)."""

    def error(self, message: str) -> NoReturn:
        super().error(scrub(message))


def build_parser(version: str) -> argparse.ArgumentParser:
    """The ``mdesrules`` parser, with ``check``, ``rules`` and ``serve`` subcommands."""
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
    _add_serve(commands)
    return parser
