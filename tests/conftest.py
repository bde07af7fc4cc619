"""Shared fixtures: a real HTTP server on 127.0.0.1 for the transport tests; the
hypothesis profile, without deadlines, so that no test depends on the machine's speed; and
each test starting with no violation remembered from another (the checks reuse a violation
made before at the same place, so a test that breaks a rule's code on purpose would
otherwise be answered from an earlier test's)."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from wsgiref.types import WSGIApplication

import pytest
from hypothesis import settings

from mdesrules.compiler import forget_violations

# A shared or loaded machine runs an example ten times slower than a quiet one: a deadline
# would make a test fail for the machine's sake. HYPOTHESIS_PROFILE picks another profile.
settings.register_profile("ci", deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True)
def _no_remembered_violations() -> None:
    forget_violations()


class _QuietServer(ThreadingMixIn, WSGIServer):
    """A thread per connection (a slow answer must not hold up the next), all joined on
    close; a client that hung up (a test's timeout) is not an error worth printing."""

    daemon_threads = True
    block_on_close = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


class _QuietHandler(WSGIRequestHandler):
    timeout = 10  # a connection that sends nothing is dropped, so close() never hangs

    def log_message(self, format: str, *args: Any) -> None:
        pass


Serve = Callable[[WSGIApplication], str]


@pytest.fixture
def serve() -> Iterator[Serve]:
    """Start a WSGI app on 127.0.0.1 (a free port) in a thread; returns its base URL.

    Every server started is shut down, and its threads joined, after the test.
    """
    running: list[tuple[_QuietServer, threading.Thread]] = []

    def start(app: WSGIApplication) -> str:
        server = make_server(
            "127.0.0.1", 0, app, server_class=_QuietServer, handler_class=_QuietHandler
        )
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02})
        thread.start()
        running.append((server, thread))
        return f"http://127.0.0.1:{server.server_port}"

    yield start
    for server, thread in running:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
