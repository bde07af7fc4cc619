"""``mdesrules serve``: the simulated MDES over HTTP (DESIGN.md section 5).

The command line sits above the fakes and the serving code, so it may use them; the import is
made when the command runs, so that ``mdesrules check`` never loads the HTTP machinery (nor
the key file's cryptography).
"""

from __future__ import annotations

import argparse
import sqlite3
import time
from typing import TYPE_CHECKING, BinaryIO, TextIO

from ..apis import surface
from ..context import Inventory
from ._context import load_inventory, load_ranges
from ._errors import UsageError

if TYPE_CHECKING:
    from mdesrules.fakes.mdes import TokenStore
    from mdesrules.serving.server import HttpServer

__all__ = ["run_serve"]

# Descriptors kept for what is not a connection: the database, files, the wake-up pipe.
_SPARE_DESCRIPTORS = 64


def run_serve(args: argparse.Namespace, stdin: BinaryIO, stderr: TextIO) -> int:
    """Serve until Ctrl-C or SIGTERM; returns 0 when stopped so.

    Raises:
        UsageError: a file (inventory, account ranges, key) cannot be read or used, the
            database cannot be opened, or the address cannot be bound.
        InputError: a file cannot be opened (from the readers).
    """
    from mdesrules.fakes.mdes import SimulatedMdes, simulator_app
    from mdesrules.serving.server import make_server, serve_until_stopped
    from mdesrules.serving.wsgi import DEFAULT_BASE_PATH, DEFAULT_LEGACY_PATH

    from ._keys import load_decryption_keys, refuse_key_without_encryption

    registry = surface(args.api)
    keys = None
    if args.encryption_key is not None:
        refuse_key_without_encryption(registry)
        keys = load_decryption_keys(args.encryption_key)
    inventory = load_inventory(args.tokens, stdin) if args.tokens is not None else None
    ranges = load_ranges(args.account_ranges, stdin) if args.account_ranges is not None else None
    store = _open_store(args.db, inventory)
    try:
        # Latency faults wait for real here: the clients under test time out for real.
        engine = SimulatedMdes(
            store,
            account_ranges=ranges,
            registry=registry,
            decryption_keys=keys,
            sleep=time.sleep,
            pan_in_text=args.pan_in_text,
        )
        admin = not getattr(args, "no_admin", False)
        app = simulator_app(
            engine, admin=admin, base_path=DEFAULT_BASE_PATH, legacy_path=DEFAULT_LEGACY_PATH
        )
        try:
            server = make_server(
                app,
                args.host,
                args.port,
                threads=args.threads,
                request_timeout=args.request_timeout,
                connection_limit=_connection_limit(),
            )
        except OSError as error:
            reason = error.strerror or str(error) or type(error).__name__
            raise UsageError(
                f"cannot listen on {_authority(args.host, args.port)}: {reason}"
            ) from None
        try:
            # The legacy update's route is named only when the API has that operation.
            has_legacy = any(op.xml_root is not None for op in registry)
            legacy = f" (legacy: {DEFAULT_LEGACY_PATH})" if has_legacy else ""
            shown = f"; admin API: {_url(server)}/__admin/" if admin else ""
            stderr.write(
                "mdesrules: serving the simulated MDES on "
                f"{_url(server)}{DEFAULT_BASE_PATH}{legacy}{shown}\n"
            )
            stderr.flush()
            serve_until_stopped(server)
        finally:
            server.server_close()
    finally:
        store.close()
    return 0


def _open_store(db: str | None, inventory: Inventory | None) -> TokenStore:
    from mdesrules.fakes.mdes import MemoryStore, SqliteStore

    if db is None:
        if inventory is None:
            return MemoryStore()
        return MemoryStore.from_inventory(inventory)
    try:
        store = SqliteStore(db)
    except (sqlite3.Error, OSError) as error:
        raise UsageError(f"{db}: cannot open the database ({_reason(error)})") from None
    try:
        if inventory is not None:
            store.seed(inventory)
    except (sqlite3.Error, OSError) as error:
        store.close()
        raise UsageError(f"{db}: cannot seed the database ({_reason(error)})") from None
    return store


def _reason(error: Exception) -> str:
    text = " ".join(str(error).split())
    return text or type(error).__name__


def _authority(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _connection_limit() -> int:
    """The server's default connection limit, or fewer when file descriptors are short.

    Each connection holds a descriptor: the soft limit is raised towards the hard one
    where it is lower, so that the default number of idle connections cannot exhaust it.
    """
    from mdesrules.serving.server import DEFAULT_CONNECTION_LIMIT

    wanted = DEFAULT_CONNECTION_LIMIT + _SPARE_DESCRIPTORS
    try:
        import resource
    except ImportError:  # pragma: no cover - not POSIX
        return DEFAULT_CONNECTION_LIMIT
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        raised = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (raised, hard))
            soft = raised
        except (ValueError, OSError):
            pass
    if soft == resource.RLIM_INFINITY:
        return DEFAULT_CONNECTION_LIMIT
    return max(1, min(DEFAULT_CONNECTION_LIMIT, soft - _SPARE_DESCRIPTORS))


def _url(server: HttpServer) -> str:
    host = str(server.server_address[0])
    return f"http://{_authority(host, server.server_port)}"
