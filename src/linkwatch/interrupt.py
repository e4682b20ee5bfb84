"""SIGINT and SIGTERM as GitHub Actions sends them when a job is cancelled.

The first signal asks the run to stop: no request starts after it (the aiohttp
engine, the arXiv and GitHub worker threads and their spacing sleeps all look at
the flag), the network phases of the run are cancelled (``stoppable``), and the run
stores and reports what it has, then exits 128 + signal (130, 143). The first signal
also gives both signals back their default action, so a second one ends the process
at once, even while it waits in C (a SQLite lock, a DNS lookup): the store is safe
(every write is one SQLite transaction) and the OS drops the run lock.

The flag is process-wide because signals are; ``handling_signals`` installs the
handlers for one command and clears the flag afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import threading
from collections.abc import Callable, Iterator
from types import FrameType, TracebackType
from typing import TypeVar

from .errors import Interrupted

T = TypeVar("T")
SIGNALS = (signal.SIGINT, signal.SIGTERM)

_stop = threading.Event()
_received: list[int] = []
_targets: set[_Stoppable] = set()


def requested() -> bool:
    """True once a stop signal arrived."""
    return _stop.is_set()


def exit_code() -> int:
    """128 + the first signal received (130 for SIGINT, 143 for SIGTERM)."""
    return 128 + (_received[0] if _received else signal.SIGINT)


def interrupted_error() -> Interrupted:
    name = signal.Signals(_received[0]).name if _received else "SIGINT"
    return Interrupted(f"interrupted ({name}): what was checked is stored", exit_code())


def raise_if_requested() -> None:
    """For worker threads: raise ``Interrupted`` instead of starting a request."""
    if _stop.is_set():
        raise interrupted_error()


def sleep(seconds: float) -> None:
    """``time.sleep`` for worker threads that wakes (raising ``Interrupted``) on a signal."""
    if _stop.wait(max(0.0, seconds)):
        raise interrupted_error()


def request_stop(signum: int = signal.SIGINT) -> None:
    """What the first signal does: set the flag and cancel every running ``stoppable``."""
    if not _received:
        _received.append(signum)
    _stop.set()
    for target in list(_targets):
        target.cancel_soon()


def _on_signal(signum: int, frame: FrameType | None) -> None:
    for sig in SIGNALS:  # a second signal: the user (or the runner) will not wait
        signal.signal(sig, signal.SIG_DFL)
    name = signal.Signals(signum).name
    os.write(2, f"{name}: stopping, storing what was checked (again: stop at once)\n".encode())
    request_stop(signum)


@contextlib.contextmanager
def handling_signals() -> Iterator[None]:
    """SIGINT/SIGTERM request a stop while the block runs (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, _on_signal) for sig in SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        _stop.clear()
        _received.clear()


class _Stoppable:
    """``async with stoppable():`` -- the block is cancelled by a stop request, and the
    cancellation (or a worker's ``Interrupted``) ends the block quietly; the code after
    it asks ``requested()``. A block entered after the stop is not cancelled (a pending
    cancellation would outlive a block without ``await``): it must not start anything
    then, and every request path checks the flag anyway."""

    def __init__(self) -> None:
        self._task: asyncio.Task[object] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._cancelled = False

    async def __aenter__(self) -> _Stoppable:
        self._task = asyncio.current_task()
        self._loop = asyncio.get_running_loop()
        _targets.add(self)
        return self

    def cancel_soon(self) -> None:
        """Called from the signal handler, which may interrupt the loop mid-step."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._cancel)

    def _cancel(self) -> None:
        if self in _targets and self._task is not None and not self._cancelled:
            self._cancelled = True
            self._task.cancel()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        _targets.discard(self)
        if self._cancelled and self._task is not None:
            self._task.uncancel()
        if exc is None or not _stop.is_set():
            return False
        return isinstance(exc, asyncio.CancelledError | Interrupted) or (
            isinstance(exc, BaseExceptionGroup)
            and exc.subgroup(lambda e: not isinstance(e, asyncio.CancelledError | Interrupted))
            is None
        )


def stoppable() -> _Stoppable:
    return _Stoppable()


async def in_thread(fn: Callable[..., T], *args: object) -> T:
    """``asyncio.to_thread`` in a daemon thread: after a signal, the awaiting task is
    cancelled and the process never waits for a blocking request still in flight."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def deliver(result: T | None, error: BaseException | None) -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)  # type: ignore[arg-type]

    def work() -> None:
        try:
            result: T | None = fn(*args)
            error: BaseException | None = None
        except BaseException as exc:  # delivered to the awaiting task, if it still waits
            result, error = None, exc
        with contextlib.suppress(RuntimeError):  # the loop is gone: nobody waits
            loop.call_soon_threadsafe(deliver, result, error)

    threading.Thread(target=work, name=getattr(fn, "__name__", "worker"), daemon=True).start()
    return await future
