"""A small threaded HTTP server for a WSGI app: how ``mdesrules serve`` hosts the simulator.

It is the standard library's :mod:`wsgiref` server with a thread per connection, so a slow
client does not hold up the others; any other WSGI server (gunicorn, waitress, uWSGI) can
host :class:`~mdesrules.serving.wsgi.WsgiApp` just as well. ::

    from mdesrules.fakes.mdes import SimulatedMdes
    from mdesrules.serving.server import serve
    from mdesrules.serving.wsgi import WsgiApp

    serve(WsgiApp(SimulatedMdes()), "127.0.0.1", 8080)  # until Ctrl-C or SIGTERM

It logs each request's method, path and status at DEBUG level on the
``mdesrules.serving.server`` logger, never a body, a header value or a query string.
A request line or header block that HTTP itself refuses (too long, not HTTP) is answered in
MDES's JSON error shape too, never with an HTML page.
"""

from __future__ import annotations

import json
import logging
import signal
import socket
import socketserver
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from socketserver import ThreadingMixIn
from types import FrameType
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer
from wsgiref.types import WSGIApplication

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "ThreadingWsgiServer",
    "make_server",
    "serve",
    "serve_until_stopped",
]

#: Loopback: the simulator is a test double, not a service for the network.
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080

log = logging.getLogger("mdesrules.serving.server")


class ThreadingWsgiServer(ThreadingMixIn, WSGIServer):
    """A :mod:`wsgiref` server that answers each connection in its own daemon thread."""

    daemon_threads = True
    # socketserver's default backlog of 5 drops connections when a few clients connect at
    # once (every request is a new connection: wsgiref speaks HTTP/1.0).
    request_queue_size = 128
    # Threads are daemons and every connection times out: do not wait for them on close.
    block_on_close = False

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks the host's name up in DNS (socket.getfqdn), which can
        # take seconds; the name is only used for SERVER_NAME, so keep the address as given.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)
        self.setup_environ()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hung up is not worth a traceback on the console; anything else is
        # logged by its type only (its text may quote a request).
        error = _current_error()
        if error is None or isinstance(error, (ConnectionError, TimeoutError)):
            return
        log.error("a connection failed (%s)", type(error).__name__)


class _IPv6Server(ThreadingWsgiServer):
    address_family = socket.AF_INET6


class _QuietHandler(WSGIRequestHandler):
    """Logs at DEBUG without bodies; refuses broken HTTP in MDES's error shape."""

    #: Seconds a connection may stay silent before it is dropped.
    timeout = 30

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        if log.isEnabledFor(logging.DEBUG):
            path = getattr(self, "path", "").split("?", 1)[0]
            log.debug("%s %s -> %s", getattr(self, "command", "-"), path[:200], code)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        try:
            phrase = self.responses[code][0]
        except KeyError:
            phrase = "Error"
        entry = {
            "Source": "INPUT",
            "ReasonCode": "MALFORMED_REQUEST" if code < 500 else "INTERNAL_ERROR",
            "Description": f"the HTTP request was refused: {phrase}",
            "Recoverable": "false",
        }
        body = json.dumps({"Errors": {"Error": [entry]}}).encode()
        # A line the parser could not read leaves the version at HTTP/0.9, which would send
        # the body without a status line; nobody speaks 0.9 any more, so answer in 1.0.
        if self.request_version == "HTTP/0.9":
            self.request_version = "HTTP/1.0"
        self.log_request(code)
        self.send_response_only(code, phrase)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        if self.command != "HEAD" and code >= 200 and code not in (204, 304):
            self.wfile.write(body)


def _current_error() -> BaseException | None:
    return sys.exc_info()[1]


def make_server(
    app: WSGIApplication, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT
) -> ThreadingWsgiServer:
    """Bind a threaded WSGI server for *app* on *host*:*port* (``0``: a free port).

    The port actually bound is ``server.server_port``. Run it with ``serve_forever()``,
    stop it with ``shutdown()`` from another thread and release it with ``server_close()``.

    Raises:
        OSError: the address cannot be bound (in use, not local, no permission).
    """
    server_class = _IPv6Server if ":" in host else ThreadingWsgiServer
    server = server_class((host, port), _QuietHandler)
    server.set_app(app)
    return server


@contextmanager
def _stopped_by_sigterm(server: ThreadingWsgiServer) -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: FrameType | None) -> None:
        # Ask serve_forever to return at its next poll. Raising here instead would unwind
        # whatever the main thread was doing, possibly while it held a lock (starting a
        # request's thread), and the process could then hang at exit. shutdown() waits for
        # the loop to end, so it runs in a thread of its own.
        threading.Thread(target=server.shutdown, name="sigterm", daemon=True).start()

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def serve(
    app: WSGIApplication,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    *,
    ready: Callable[[ThreadingWsgiServer], None] | None = None,
    poll_interval: float = 0.25,
) -> None:
    """Serve *app* on *host*:*port* until Ctrl-C (SIGINT) or SIGTERM, then close it.

    Args:
        ready: called with the bound server before the first request is taken, e.g. to
            print the address (``server.server_port`` is the real port when *port* is 0).
        poll_interval: how often the loop looks for a shutdown request, in seconds.

    Raises:
        OSError: the address cannot be bound.
    """
    server = make_server(app, host, port)
    try:
        if ready is not None:
            ready(server)
        serve_until_stopped(server, poll_interval=poll_interval)
    finally:
        server.server_close()


def serve_until_stopped(server: ThreadingWsgiServer, *, poll_interval: float = 0.25) -> None:
    """Run *server* until Ctrl-C or SIGTERM (in the main thread) or ``shutdown()``.

    Returns normally when stopped; the caller closes the server.
    """
    try:
        with _stopped_by_sigterm(server):
            server.serve_forever(poll_interval=poll_interval)
    except KeyboardInterrupt:
        pass
    log.info("stopping")
