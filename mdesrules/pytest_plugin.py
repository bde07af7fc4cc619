"""pytest fixtures for testing an issuer's system against the simulated MDES.

Installed with mdesrules (a ``pytest11`` entry point), so a test names a fixture and gets it:

- ``mdes``: a fresh :class:`~mdesrules.fakes.mdes.SimulatedMdes` in process, seeded from the
  ``mdes_tokens`` marker; its ``journal``, ``faults``, ``seed_tokens()`` and ``reset()``.
- ``mdes_client``: a checking :class:`~mdesrules.Client` for it, through its JSON wire form
  (and, for 2.1.7/2.2.2, encrypting ``EncryptedAccountInformation`` for the simulator's key).
- ``mdes_journal``, ``mdes_faults``: the simulator's journal and faults.
- ``mdes_notifications``: the ``notifyTokenUpdated`` token entries MDES would send token
  requestors for the changes made (``tokenUniqueReference``, ``status``, ...), in plaintext.
- ``mdes_server`` and ``mdes_url``: the same simulator served over HTTP on 127.0.0.1 on a
  free port (for code that opens its own connections), with the admin API under
  ``/__admin/``; latency faults wait for real there. Stopped after the test.
- ``mdes_api``: the CS API version, ``"2.0.7"`` unless a ``mdes_api`` marker or an indirect
  parametrization says ``"2.1.7"`` or ``"2.2.2"``; ``mdes_key``: the simulator's RSA key for
  those versions (made once per session).

Markers: ``@pytest.mark.mdes_tokens(record, ...)`` (records in the ``--tokens`` inventory
format) and ``@pytest.mark.mdes_api("2.2.2")``.

Nothing here is imported by ``import mdesrules``: pytest loads this module, and the module
imports the simulator only when a fixture is used.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import pytest
from attrs import frozen

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

    from mdesrules.client import Client
    from mdesrules.fakes.mdes import FaultSet, Journal, SimulatedMdes
    from mdesrules.fakes.mdes.store import StoredToken

__all__ = ["API_VERSIONS", "LiveServer"]

#: The CS API versions the fixtures serve, by the value ``mdes_api`` takes.
API_VERSIONS = {
    "2.0.7": "mdes-cs-api-2.0.7",
    "2.1.7": "mdes-cs-api-2.1.7",
    "2.2.2": "mdes-cs-api-2.2.2",
}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "mdes_tokens(*records): seed the mdes fixture's store with these token records "
        "(the --tokens inventory format)",
    )
    config.addinivalue_line(
        "markers", "mdes_api(version): the CS API version of the mdes fixture (2.0.7, 2.1.7, 2.2.2)"
    )


@frozen
class LiveServer:
    """The simulated MDES served over HTTP for one test.

    Attributes:
        root: ``http://127.0.0.1:PORT``.
        url: the API's base URL (``root + "/mdes/csapi/v2"``), what a client is given.
        admin: the admin API's URL (``root + "/__admin"``).
    """

    root: str
    url: str
    admin: str


@functools.cache
def _key() -> RSAPrivateKey:
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def mdes_api(request: pytest.FixtureRequest) -> str:
    """The CS API version of the ``mdes`` fixture: ``"2.0.7"`` unless a ``mdes_api``
    marker or an indirect parametrization gives ``"2.1.7"`` or ``"2.2.2"``."""
    version = getattr(request, "param", None)
    if version is None:
        marker = request.node.get_closest_marker("mdes_api")
        version = marker.args[0] if marker is not None and marker.args else "2.0.7"
    if version not in API_VERSIONS:
        raise pytest.UsageError(
            f"mdes_api must be one of {', '.join(API_VERSIONS)}, got {str(version)[:20]!r}"
        )
    return str(version)


@pytest.fixture(scope="session")
def mdes_key() -> RSAPrivateKey:
    """The RSA private key the 2.1.7/2.2.2 simulator decrypts account information with
    (its public key is Mastercard's encryption key for the client); one per session."""
    return _key()


@pytest.fixture
def mdes_notifications() -> list[dict[str, Any]]:
    """The ``tokens[]`` entries of the ``notifyTokenUpdated`` notifications the ``mdes``
    simulator sent, in plaintext (as the token requestor reads them once decrypted), in
    order."""
    return []


def _records(request: pytest.FixtureRequest) -> list[Mapping[str, object]]:
    records: list[Mapping[str, object]] = []
    for marker in reversed(list(request.node.iter_markers("mdes_tokens"))):
        for record in marker.args:
            if isinstance(record, (list, tuple)):
                records.extend(record)
            else:
                records.append(record)
    return records


@pytest.fixture
def mdes(
    request: pytest.FixtureRequest, mdes_api: str, mdes_notifications: list[dict[str, Any]]
) -> Iterator[SimulatedMdes]:
    """A fresh simulated MDES of ``mdes_api``'s version, its store seeded from the
    ``mdes_tokens`` markers (of the test, its class and module), telling
    ``mdes_notifications`` of each change."""
    from mdesrules.apis import surface
    from mdesrules.context import Inventory
    from mdesrules.fakes.mdes import MemoryStore, SimulatedMdes
    from mdesrules.fakes.notifications import NotificationEmitter

    registry = surface(API_VERSIONS[mdes_api])
    encrypted = any(op.account_encryption is not None for op in registry)
    emitter: list[NotificationEmitter] = []

    def notify(previous: StoredToken, new: StoredToken, event: str) -> None:
        if not emitter:
            emitter.append(NotificationEmitter(_key().public_key(), lambda body: None))
        document = emitter[0].token_document(previous, new, event)
        if document is not None:
            mdes_notifications.append(document)

    try:
        inventory = Inventory.from_records(_records(request))
    except ValueError as error:
        raise pytest.UsageError(f"mdes_tokens: {error}") from None
    simulator = SimulatedMdes(
        MemoryStore.from_inventory(inventory),
        registry=registry,
        decryption_keys=request.getfixturevalue("mdes_key") if encrypted else None,
        notifier=notify,
    )
    yield simulator
    simulator.store.close()


@pytest.fixture
def mdes_client(mdes: SimulatedMdes, request: pytest.FixtureRequest) -> Iterator[Client]:
    """A checking client of the ``mdes`` simulator, through its JSON wire form; for
    2.1.7/2.2.2 it encrypts ``EncryptedAccountInformation`` for the simulator's key."""
    from mdesrules.client import Client
    from mdesrules.transports import InMemoryTransport

    encrypted = any(op.account_encryption is not None for op in mdes.registry)
    key = request.getfixturevalue("mdes_key") if encrypted else None
    transport = InMemoryTransport(mdes, wire="json")
    with Client(
        transport,
        registry=mdes.registry,
        encryption=None if key is None else key.public_key(),
    ) as client:
        yield client


@pytest.fixture
def mdes_journal(mdes: SimulatedMdes) -> Journal:
    """The ``mdes`` simulator's request journal."""
    return mdes.journal


@pytest.fixture
def mdes_faults(mdes: SimulatedMdes) -> FaultSet:
    """The ``mdes`` simulator's faults."""
    return mdes.faults


@pytest.fixture
def mdes_server(mdes: SimulatedMdes) -> Iterator[LiveServer]:
    """The ``mdes`` simulator served on 127.0.0.1 (a free port) with its admin API, for the
    test; latency faults wait for real. Shut down, and its thread joined, afterwards."""
    from mdesrules.fakes.mdes import simulator_app
    from mdesrules.serving.server import make_server
    from mdesrules.serving.wsgi import DEFAULT_BASE_PATH

    mdes.sleep = time.sleep
    server = make_server(simulator_app(mdes), "127.0.0.1", 0)
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        name="mdes-server",
        daemon=True,
    )
    thread.start()
    root = f"http://127.0.0.1:{server.server_port}"
    try:
        yield LiveServer(root, root + DEFAULT_BASE_PATH, root + "/__admin")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=30)


@pytest.fixture
def mdes_url(mdes_server: LiveServer) -> str:
    """The base URL of the ``mdes`` simulator served over HTTP
    (``http://127.0.0.1:PORT/mdes/csapi/v2``)."""
    return mdes_server.url
