"""An HTTP/1.1 server for a WSGI app: how ``mdesrules serve`` hosts the simulator.

It is `waitress <https://docs.pylonsproject.org/projects/waitress/>`_ (pure Python, kept
by the Pylons project) set up for a test double that many clients hammer at once:

- HTTP/1.1 with keep-alive and ``Transfer-Encoding: chunked`` request bodies;
- a bounded pool of worker threads (``threads``) runs the application, while one thread
  multiplexes every connection with ``poll()``, so hundreds of idle connections cost a
  file descriptor each and hold up nobody (at most ``connection_limit`` at once);
- a deadline for a whole request (``request_timeout``): a client that has not sent all of
  a request's line, headers and body that many seconds after its first byte is answered
  408 (``REQUEST_TIMEOUT``) and the connection closed, however slowly it trickles; a
  connection silent between requests is closed after ``idle_timeout`` seconds;
- bodies larger than eight times the application's limit are refused (413) before they are
  read in full; anything smaller reaches the application, which answers a 413 in the
  request's own form (JSON or XML);
- a request line or header block that HTTP itself refuses (too long, not HTTP) is answered
  in MDES's JSON error shape, never with a text or HTML page.

Any other WSGI server (gunicorn, uWSGI, :mod:`wsgiref`) hosts
:class:`~mdesrules.serving.wsgi.WsgiApp` just as well. ::

    from mdesrules.fakes.mdes import SimulatedMdes
    from mdesrules.serving.server import serve
    from mdesrules.serving.wsgi import WsgiApp

    serve(WsgiApp(SimulatedMdes()), "127.0.0.1", 8080)  # until Ctrl-C or SIGTERM

In a test, :func:`make_server` on port 0, ``serve_forever()`` in a thread, ``shutdown()``
and ``server_close()`` (the same calls as :mod:`socketserver`).

It logs each request's method, path and status at DEBUG level on the
``mdesrules.serving.server`` logger, never a body, a header value or a query string.
"""

from __future__ import annotations

import json
import logging
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any, cast
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from waitress import wasyncore
from waitress.channel import ClientDisconnected, HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.server import TcpWSGIServer
from waitress.task import ErrorTask, ThreadedTaskDispatcher
from waitress.utilities import Error

from .drop import DropConnection

__all__ = [
    "DEFAULT_CONNECTION_LIMIT",
    "DEFAULT_HOST",
    "DEFAULT_IDLE_TIMEOUT",
    "DEFAULT_PORT",
    "DEFAULT_REQUEST_TIMEOUT",
    "DEFAULT_THREADS",
    "HttpServer",
    "make_server",
    "serve",
    "serve_until_stopped",
]

#: Loopback: the simulator is a test double, not a service for the network.
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
#: Worker threads that run the application (the GIL makes more of them no faster).
DEFAULT_THREADS = 4
#: Seconds from a request's first byte to its last before it is answered 408.
DEFAULT_REQUEST_TIMEOUT = 15.0
#: Seconds a connection may stay silent between requests before it is closed.
DEFAULT_IDLE_TIMEOUT = 30.0
#: Connections open at once; beyond it new ones wait in the listen backlog.
DEFAULT_CONNECTION_LIMIT = 1000

# A body up to this many times the application's limit is read and handed to the
# application, which refuses it in the request's own form; a larger one is refused by the
# server before it is read in full.
_BODY_FACTOR = 8
_DEFAULT_MAX_BODY = 1_048_576
# A request line and headers longer than this are refused (431); MDES's are a few hundred
# bytes.
_MAX_HEADER_BYTES = 65_536
# How often, in seconds, the deadlines are looked at (waitress counts whole seconds).
_SWEEP_SECONDS = 1
# After a refusal, how long the rest of the request is read and dropped before closing.
_LINGER_SECONDS = 2.0
_LINGER_READ = 65_536

log = logging.getLogger("mdesrules.serving.server")
# waitress says "task queue depth is N" whenever every worker is busy: normal under load,
# so it goes to a logger that prints nothing unless the application configures logging.
_quiet = logging.getLogger("mdesrules.serving.server.waitress")
_quiet.addHandler(logging.NullHandler())


class _RequestTimeout(Error):
    code = 408
    reason = "Request Timeout"


_REASON_CODES = {408: "REQUEST_TIMEOUT", 413: "REQUEST_TOO_LARGE"}


def _error_document(code: int, phrase: str, detail: str) -> bytes:
    entry = {
        "Source": "INPUT" if code < 500 else "SYSTEM",
        "ReasonCode": _REASON_CODES.get(
            code, "MALFORMED_REQUEST" if code < 500 else "INTERNAL_ERROR"
        ),
        "Description": f"the HTTP request was refused: {phrase}{detail}",
        "Recoverable": "false",
    }
    return json.dumps({"Errors": {"Error": [entry]}}).encode()


class _MdesErrorTask(ErrorTask):
    """waitress's answer to a request HTTP refuses, in MDES's JSON error shape."""

    def execute(self) -> None:
        error = cast(Error, cast(Any, self.request).error)
        # waitress's own text can quote the request (a header, a method): it is not echoed.
        detail = ""
        if error.code == 408:
            timeout = getattr(self.channel.server, "request_timeout", None)
            detail = f" (the whole request must arrive within {timeout:g} seconds)"
        elif error.code == 413:
            detail = f" (the body is larger than {self.channel.adj.max_request_body_size} bytes)"
        body = _error_document(error.code, error.reason, detail)
        self.status = f"{error.code} {error.reason}"
        cast(list[tuple[str, str]], self.response_headers).extend(
            [
                ("Content-Type", "application/json; charset=utf-8"),
                ("X-Content-Type-Options", "nosniff"),
            ]
        )
        self.set_close_on_finish()
        cast(_Channel, self.channel).refused = True
        self.content_length = len(body)
        self.write(body)


class _Channel(HTTPChannel):
    """A connection that also knows when its unfinished request began to arrive."""

    error_task_class = _MdesErrorTask
    logger = _quiet
    #: Set when HTTP refused a request: its unread rest may still be arriving.
    refused = False
    _timed: HTTPRequestParser | None = None
    _started = 0.0
    _linger_until: float | None = None

    def received(self, data: bytes) -> bool:
        now = time.monotonic()
        result = bool(super().received(data))
        request = self.request
        if request is not None and request is not self._timed:
            self._timed = request  # its first bytes came in this read
            self._started = now
        return result

    # Closing a socket with unread input makes the kernel send a reset, and the client can
    # lose the refusal it has not read yet. After a refusal the connection is closed for
    # writing first and read to its end (or for _LINGER_SECONDS), then closed.

    def handle_close(self) -> None:
        if self.refused and self._linger_until is None and self.connected:
            try:
                cast(socket.socket, self.socket).shutdown(socket.SHUT_WR)
            except OSError:
                pass
            else:
                self._linger_until = time.monotonic() + _LINGER_SECONDS
                self.will_close = self.close_when_flushed = False
                return
        super().handle_close()

    def readable(self) -> bool:
        return self._linger_until is not None or bool(super().readable())

    def writable(self) -> bool:
        return self._linger_until is None and bool(super().writable())

    def handle_read(self) -> None:
        if self._linger_until is None:
            super().handle_read()
            return
        try:
            self.recv(_LINGER_READ)  # dropped; the end of input closes (handle_close)
        except OSError:
            super().handle_close()

    def past_deadline(self, now: float, timeout: float) -> None:
        """Answer 408 and close when the unfinished request is older than *timeout*.

        Runs in the server's loop thread, like :meth:`received`. A channel that is serving
        a request reads nothing meanwhile, so its clock is left alone.
        """
        if self._linger_until is not None:
            if now >= self._linger_until:
                super().handle_close()
            return
        request = self.request
        if request is None or request is not self._timed or now - self._started < timeout:
            return
        # The stubs of waitress leave these out or type them narrowly.
        channel = cast(Any, self)
        with channel.requests_lock:
            if self.requests or self.request is not request or self.will_close:
                return
            request.error = _RequestTimeout("")
            request.completed = True
            self.request = None
            channel.requests.append(request)
        channel.server.add_task(self)


class _Dispatcher(ThreadedTaskDispatcher):
    logger = _quiet
    queue_logger = _quiet


class _Server(TcpWSGIServer):
    channel_class = _Channel
    logger = _quiet
    request_timeout = DEFAULT_REQUEST_TIMEOUT

    def maintenance(self, now: Any) -> None:
        super().maintenance(now)  # closes connections idle for longer than idle_timeout
        clock = time.monotonic()
        for channel in list(cast(dict[int, _Channel], self.active_channels).values()):
            channel.past_deadline(clock, self.request_timeout)


class HttpServer:
    """A bound HTTP/1.1 server for a WSGI app (see the module doc); made by :func:`make_server`.

    Attributes:
        server_address: ``(host, port)`` as bound.
        server_port: the port bound (the real one when 0 was asked for).
        request_timeout: seconds a request may take to arrive, from its first byte.
    """

    def __init__(
        self,
        app: WSGIApplication,
        sock: socket.socket,
        *,
        threads: int,
        request_timeout: float,
        idle_timeout: float,
        connection_limit: int,
        max_body: int,
    ) -> None:
        self._map: dict[int, Any] = {}
        self._stop = False
        self._closed = False
        self._done = threading.Event()
        self._done.set()  # not serving: shutdown() has nothing to wait for
        self._dispatcher = _Dispatcher()
        self._dispatcher.set_thread_count(threads)
        self._server = _Server(
            _logged(app),
            map=self._map,
            _sock=sock,
            dispatcher=self._dispatcher,
            bind_socket=False,
            sockinfo=(sock.family, sock.type, sock.proto, sock.getsockname()),
            threads=threads,
            channel_timeout=max(1, round(idle_timeout)),
            cleanup_interval=_SWEEP_SECONDS,
            connection_limit=connection_limit,
            max_request_body_size=max_body * _BODY_FACTOR,
            max_request_header_size=_MAX_HEADER_BYTES,
            # Allowed bodies stay in memory; only refused ones spill to a temporary file.
            inbuf_overflow=max_body + 1,
            asyncore_use_poll=True,  # select() cannot watch a descriptor above 1023
            clear_untrusted_proxy_headers=False,  # nothing reads them: skip the middleware
            log_socket_errors=False,  # a client that hangs up is not news
            ident="mdesrules",
        )
        self._server.request_timeout = request_timeout
        self.request_timeout = request_timeout
        host, port = sock.getsockname()[:2]
        self.server_address: tuple[str, int] = (str(host), int(port))
        self.server_port = int(port)

    def serve_forever(self, poll_interval: float = 0.25) -> None:
        """Answer requests until :meth:`shutdown` (or a signal, in :func:`serve_until_stopped`).

        *poll_interval* bounds how long the loop sleeps when nothing happens.
        """
        self._done.clear()
        try:
            while not self._stop:
                wasyncore.poll2(poll_interval, self._map)
        finally:
            self._stop = False
            self._done.set()

    def request_stop(self) -> None:
        """Ask :meth:`serve_forever` to return soon; safe in a signal handler."""
        self._stop = True
        if not self._closed:
            self._server.pull_trigger()  # wake the loop from poll()

    def shutdown(self) -> None:
        """Stop :meth:`serve_forever` and wait until it has returned (from another thread)."""
        self.request_stop()
        self._done.wait()

    def server_close(self) -> None:
        """Finish the requests being answered (up to 5 s), then close every connection."""
        if self._closed:
            return
        self._closed = True
        self._dispatcher.shutdown(cancel_pending=True, timeout=5)
        wasyncore.close_all(self._map)


def _logged(app: WSGIApplication) -> WSGIApplication:
    def logged(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        try:
            return _called(app, environ, start_response)
        except DropConnection:
            # The application asks for the connection to be closed without an answer (the
            # simulator's "drop" fault): waitress does so, quietly, for a client gone away.
            raise ClientDisconnected("the application dropped the connection") from None

    return logged


def _called(
    app: WSGIApplication, environ: WSGIEnvironment, start_response: StartResponse
) -> Iterable[bytes]:
    if not log.isEnabledFor(logging.DEBUG):
        return app(environ, start_response)

    def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        path = str(environ.get("PATH_INFO", ""))[:200]
        log.debug("%s %s -> %s", environ.get("REQUEST_METHOD", "-"), path, status[:3])
        return start_response(status, headers, exc_info)

    return app(environ, start)


def make_server(
    app: WSGIApplication,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    *,
    threads: int = DEFAULT_THREADS,
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
    idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
    connection_limit: int = DEFAULT_CONNECTION_LIMIT,
    max_body: int | None = None,
) -> HttpServer:
    """Bind an HTTP/1.1 server for *app* on *host*:*port* (``0``: a free port).

    The port actually bound is ``server.server_port``. Run it with ``serve_forever()``,
    stop it with ``shutdown()`` from another thread and release it with ``server_close()``.

    Args:
        threads: worker threads that run *app* (at least 1).
        request_timeout: seconds from a request's first byte to its last; a slower request
            is answered 408 ``REQUEST_TIMEOUT`` and its connection closed (looked at once a
            second, so the cut comes up to a second later).
        idle_timeout: seconds a keep-alive connection may stay silent between requests.
        connection_limit: connections open at once; more wait to be accepted.
        max_body: the application's body limit (by default *app*'s ``max_body``, else 1 MiB);
            bodies up to eight times larger reach *app*, larger ones are refused with a 413.

    Raises:
        OSError: the address cannot be bound (in use, not local, no permission, no such
            host).
        ValueError: a count or timeout below its minimum.
    """
    if threads < 1 or connection_limit < 1:
        raise ValueError("threads and connection_limit must be at least 1")
    if request_timeout <= 0 or idle_timeout <= 0:
        raise ValueError("request_timeout and idle_timeout must be positive")
    if max_body is None:
        max_body = int(getattr(app, "max_body", _DEFAULT_MAX_BODY))
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        return HttpServer(
            app,
            sock,
            threads=threads,
            request_timeout=request_timeout,
            idle_timeout=idle_timeout,
            connection_limit=connection_limit,
            max_body=max(max_body, 1),
        )
    except BaseException:
        sock.close()
        raise


@contextmanager
def _stopped_by_signals(server: HttpServer) -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: FrameType | None) -> None:
        # Only a flag and a byte down the loop's wake-up pipe: raising here instead would
        # unwind whatever the loop was doing, possibly while it held a connection's lock.
        server.request_stop()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def serve(
    app: WSGIApplication,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    *,
    ready: Callable[[HttpServer], None] | None = None,
    poll_interval: float = 0.25,
    **options: Any,
) -> None:
    """Serve *app* on *host*:*port* until Ctrl-C (SIGINT) or SIGTERM, then close it.

    Args:
        ready: called with the bound server before the first request is taken, e.g. to
            print the address (``server.server_port`` is the real port when *port* is 0).
        poll_interval: how long the loop sleeps at most when nothing happens, in seconds.
        options: :func:`make_server`'s keywords (``threads``, ``request_timeout``, ...).

    Raises:
        OSError: the address cannot be bound.
    """
    server = make_server(app, host, port, **options)
    try:
        if ready is not None:
            ready(server)
        serve_until_stopped(server, poll_interval=poll_interval)
    finally:
        server.server_close()


def serve_until_stopped(server: HttpServer, *, poll_interval: float = 0.25) -> None:
    """Run *server* until Ctrl-C or SIGTERM (in the main thread) or ``shutdown()``.

    Returns normally when stopped; the caller closes the server.
    """
    try:
        with _stopped_by_signals(server):
            server.serve_forever(poll_interval=poll_interval)
    except KeyboardInterrupt:  # a Ctrl-C before the handler was in place
        pass
    log.info("stopping")
