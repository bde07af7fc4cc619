"""Checking blocks of JSON Lines on every core, with the report still in input order.

:class:`Blocks` takes the blocks of a run one after another and hands their results to
*emit* strictly in the order it was given them. With one job it checks each block in
this process. With more, it starts a pool of worker processes once there is more than
one block to check (a small input is checked in-process, sparing the start-up), keeps a
bounded window of blocks in flight (so memory stays flat whatever the input's size),
and writes each result as soon as every block before it is written.

Workers are forked where the platform allows it and this process has no other thread:
they inherit the loaded token inventory and account ranges instead of unpickling them.
Otherwise they are spawned and get them pickled. Workers ignore SIGINT, so Ctrl-C
interrupts only this process, which shuts the pool down. A worker that dies (killed, out
of memory) ends the run with a one-line error and exit status 2.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from multiprocessing.context import BaseContext
from types import TracebackType
from typing import TypeVar

from ..apis import surface
from ..context import Context
from ._blocks import BlockChecker, Checked
from ._errors import UsageError
from ._readers import Lines, Stored, reread

__all__ = ["Blocks", "Interrupts", "default_jobs"]

_T = TypeVar("_T")

IN_FLIGHT_PER_JOB = 3
"""Blocks submitted and not yet written, per worker: enough to keep each one busy."""

_BROKEN = (
    "a worker process ended unexpectedly (killed, or out of memory?); the report is incomplete"
)


def default_jobs() -> int:
    """The number of CPUs this process may run on."""
    count = getattr(os, "process_cpu_count", None)  # Python 3.13
    if count is not None:
        return int(count() or 1)
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


class Blocks:
    """Checks blocks with *checker*, on *jobs* processes, and emits results in order.

    Use it as a context manager: leaving the ``with`` shuts the pool down, at once when
    an exception (an interrupt, a closed stdout) is on its way.
    """

    def __init__(
        self,
        checker: BlockChecker,
        jobs: int,
        emit: Callable[[Checked], None],
        interrupts: Interrupts | None = None,
    ) -> None:
        self._checker = checker
        self._jobs = jobs
        self._emit = emit
        self._window = IN_FLIGHT_PER_JOB * jobs
        self._pool: ProcessPoolExecutor | None = None
        self._held: Lines | None = None  # the first block, until a second one comes
        self._pending: deque[Future[Checked]] = deque()
        # Interrupts given by the caller are the caller's to install and restore.
        self._owns_interrupts = interrupts is None
        self._interrupts = interrupts if interrupts is not None else Interrupts()

    def __enter__(self) -> Blocks:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._pool is not None:
            # On an error, queued blocks are dropped; the few a worker has already taken
            # finish, and their results go unread.
            try:
                with self._interrupts.held():
                    self._pool.shutdown(wait=kind is None, cancel_futures=kind is not None)
            finally:
                self._pool = None
                if self._owns_interrupts:
                    self._interrupts.restore()

    def submit(self, lines: Lines) -> None:
        """Check *lines* after every block submitted before; emit whatever is ready."""
        if self._jobs == 1:
            self._emit(self._checker(lines))
            return
        if self._pool is None:
            if self._held is None:
                self._held = lines
                return
            self._pool = self._start()
            if self._owns_interrupts:
                self._interrupts.install()
            held, self._held = self._held, None
            self._send(held)
        self._send(lines)

    def drain(self) -> None:
        """Emit the results of every block submitted so far."""
        if self._held is not None:
            held, self._held = self._held, None
            self._emit(self._checker(held))
        while self._pending:
            self._emit(self._result(self._pending.popleft()))

    def _send(self, lines: Lines) -> None:
        assert self._pool is not None
        # A block of a regular file goes by where it lies, and the worker reads it there:
        # cheaper than sending its bytes through a pipe.
        block = Stored.of(lines) or lines
        try:
            with self._interrupts.held():
                future = self._pool.submit(_check_in_worker, block)
        except BrokenProcessPool:
            raise UsageError(_BROKEN) from None
        self._pending.append(future)
        pending = self._pending
        while pending and (len(pending) >= self._window or pending[0].done()):
            self._emit(self._result(pending.popleft()))

    def _result(self, future: Future[_T]) -> _T:
        while True:
            try:
                with self._interrupts.held():
                    return future.result(timeout=_POLL)
            except TimeoutError:
                continue
            except BrokenProcessPool:
                raise UsageError(_BROKEN) from None

    def _start(self) -> ProcessPoolExecutor:
        """A pool of *jobs* workers, started now."""
        context = _start_method()
        checker = self._checker
        operation = checker.forced.name if checker.forced is not None else None
        # A forked worker would flush a copy of whatever output is still buffered here.
        sys.stdout.flush()
        sys.stderr.flush()
        forking = context.get_start_method() == "fork"
        if forking:
            gc.freeze()  # keep the workers' collector off inherited objects: fewer copies
        # Workers start with SIGINT ignored: Ctrl-C at the terminal reaches the whole
        # process group, and only this process should act on it.
        in_main = threading.current_thread() is threading.main_thread()
        sigint = signal.getsignal(signal.SIGINT) if in_main else None
        if in_main:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            pool = ProcessPoolExecutor(
                self._jobs,
                mp_context=context,
                initializer=_start_worker,
                initargs=(
                    checker.registry.key,
                    operation,
                    checker.context,
                    checker.fmt,
                    checker.failures_only,
                    checker.keep,
                    checker.codec,
                ),
            )
            self._result(pool.submit(int))  # forks every worker now, SIGINT ignored
        finally:
            if forking:
                gc.unfreeze()  # the workers keep theirs frozen; this process is as before
            if in_main:
                signal.signal(signal.SIGINT, sigint if sigint is not None else signal.SIG_DFL)
        return pool


class Interrupts:
    """Ctrl-C (and, with *sigterm*, SIGTERM) held back while this process runs the
    executor's own code, or writes a piece of the report.

    The executor waits and hands over results under locks shared with its threads; a
    KeyboardInterrupt raised in the middle would leave a lock taken, and the executor's
    thread, waiting for it, would keep the process from ever exiting. A report line cut by
    an interrupt would end the report mid-record. So SIGINT inside :meth:`held` is noted
    and raised as soon as the block is left (waits are cut into short ones so that this is
    soon), and raised at once elsewhere. :attr:`terminated` says that SIGTERM came.
    """

    def __init__(self, *, sigterm: bool = False) -> None:
        self._inside = 0
        self._pending = False
        self._installed = False
        self._sigterm = sigterm
        self._previous_term: object = None
        self.terminated = False

    def install(self) -> None:
        """Take over SIGINT, if it raises KeyboardInterrupt (the default) here, and with
        *sigterm* SIGTERM too; only in the main thread, where handlers can be set."""
        in_main = threading.current_thread() is threading.main_thread()
        if in_main and signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            signal.signal(signal.SIGINT, self._handle)
            self._installed = True
            if self._sigterm:
                self._previous_term = signal.signal(signal.SIGTERM, self._handle_term)

    def restore(self) -> None:
        """Give SIGINT back to the default handler (and SIGTERM to the one before)."""
        if self._installed:
            signal.signal(signal.SIGINT, signal.default_int_handler)
            if self._sigterm:
                previous = self._previous_term
                signal.signal(signal.SIGTERM, previous if callable(previous) else signal.SIG_DFL)
            self._installed = False

    def _handle(self, signum: int, frame: object) -> None:
        if self._inside:
            self._pending = True
        else:
            raise KeyboardInterrupt

    def _handle_term(self, signum: int, frame: object) -> None:
        self.terminated = True
        self._handle(signum, frame)

    @contextmanager
    def held(self) -> Iterator[None]:
        """Run the block with interrupts held back until it ends."""
        self._inside += 1
        try:
            yield
        finally:
            self._inside -= 1
            if not self._inside and self._pending:
                self._pending = False
                raise KeyboardInterrupt


_POLL = 0.2  # seconds: the longest an interrupt waits while a result is awaited


def _start_method() -> BaseContext:
    """Fork where it is safe (Linux and the like, no other thread here), spawn elsewhere.

    ``_MDESRULES_START_METHOD`` (internal, for tests) names the method instead.
    """
    wanted = os.environ.get("_MDESRULES_START_METHOD")
    if wanted in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context(wanted)
    forkable = "fork" in multiprocessing.get_all_start_methods() and sys.platform != "darwin"
    if forkable and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


# In a worker process ---------------------------------------------------------------------

_worker_checker: BlockChecker | None = None


def _start_worker(
    api: str,
    operation: str | None,
    context: Context | None,
    fmt: str,
    failures_only: bool,
    keep: int,
    codec: tuple[str, str] | None,
) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the parent's, inherited by fork
    global _worker_checker
    registry = surface(api)
    forced = registry.get(operation) if operation is not None else None
    # The main process puts a block's report together from its pieces and encodes it:
    # passing them is cheaper than passing the whole text.
    _worker_checker = BlockChecker(
        forced, context, fmt, registry, failures_only, keep, codec, pieces=True
    )


def _check_in_worker(block: Lines | Stored) -> Checked:
    assert _worker_checker is not None, "the pool's initializer sets the checker"
    lines = reread(block) if isinstance(block, Stored) else block
    return _worker_checker(lines)
