"""Device calls with a deadline that always fires, even when the device never answers.

Each call runs in the session's own daemon worker thread; the caller waits at most until the
deadline. A call that misses it is abandoned (the thread may stay blocked on its socket until
the HTTP client gives up) and the caller is marked broken: the session is dropped.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, TypeVar

from robots.exceptions import DeviceTimeout, SessionError

T = TypeVar("T")
Clock = Callable[[], float]

_STOP = object()


class Caller:
    """Runs device calls one at a time in a worker thread, each bounded by a deadline."""

    def __init__(self, clock: Clock = time.monotonic, name: str = "ronde-device") -> None:
        self._clock = clock
        self._name = name
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self.broken: str | None = None  # why the session was dropped

    def _worker(self, jobs: queue.SimpleQueue[Any]) -> None:
        while True:
            job = jobs.get()
            if job is _STOP:
                return
            future, fn, args, kwargs = job
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(fn(*args, **kwargs))
            except BaseException as exc:  # handed to the waiting caller, which re-raises it
                future.set_exception(exc)

    def call(self, fn: Callable[..., T], *args: Any, deadline: float, what: str,
             **kwargs: Any) -> T:
        """`fn(*args, **kwargs)`, or `DeviceTimeout` once `deadline` (clock seconds) passes."""
        if self.broken:
            raise SessionError(f"session dropped: {self.broken}")
        remaining = deadline - self._clock()
        if remaining <= 0:
            raise DeviceTimeout(f"{what}: no time left before the deadline")
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._worker, args=(self._queue,), name=self._name, daemon=True
            )
            self._thread.start()
        future: Future[T] = Future()
        self._queue.put((future, fn, args, kwargs))
        try:
            return future.result(timeout=remaining)
        except FutureTimeout:
            future.cancel()
            self.broken = f"{what} did not answer within {remaining * 1000:.0f} ms"
            # Abandon the blocked worker; later calls (if any) would need a new session anyway.
            self._queue = queue.SimpleQueue()
            self._thread = None
            raise DeviceTimeout(self.broken) from None

    def close(self) -> None:
        if self._thread is not None:
            self._queue.put(_STOP)
            self._thread = None
