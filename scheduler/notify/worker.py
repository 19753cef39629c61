"""A background delivery thread: bounded queue, retries with exponential back-off, a record
of every attempt. The robot only ever enqueues; a broken or slow channel delays nobody.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from scheduler.notify.errors import DeliveryFailed

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Job:
    """One delivery to one destination (a channel name, or "alertmanager")."""

    destination: str
    kind: str  # firing | renotify | resolved | acknowledged | test
    send: Callable[[], None]  # raises DeliveryFailed (or any error) on failure
    incident_id: int | None = None
    quiet: bool = False  # record only failures (routine refreshes)
    attempt: int = 1
    done: threading.Event = field(default_factory=threading.Event)
    ok: bool | None = None
    error: str | None = None


# (job, ok, error) -> None: persist the attempt (the notifications table)
Recorder = Callable[[Job, bool, str | None], None]


class DeliveryWorker:
    def __init__(
        self,
        record: Recorder | None = None,
        *,
        max_queue: int = 1000,
        attempts: int = 5,
        backoff_s: float = 2.0,
        max_backoff_s: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.record = record
        self.attempts = attempts
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.clock = clock
        self.dropped = 0
        self._queue: queue.Queue[Job | None] = queue.Queue(maxsize=max_queue)
        self._retry: list[tuple[float, int, Job]] = []
        self._seq = itertools.count()
        self._pending = 0
        self._idle = threading.Condition()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="ronde-notify", daemon=True)
        self._thread.start()

    def submit(self, job: Job) -> bool:
        """Queue a delivery without ever blocking; False (and logged) when the queue is full."""
        with self._idle:
            self._pending += 1
        try:
            self._queue.put_nowait(job)
            return True
        except queue.Full:
            with self._idle:
                self._pending -= 1
                self._idle.notify_all()
            self.dropped += 1
            log.error("notification to %s dropped: delivery queue full", job.destination)
            job.ok, job.error = False, "dropped: delivery queue full"
            job.done.set()
            return False

    def drain(self, timeout_s: float = 30.0) -> bool:
        """Wait until nothing is queued or waiting for a retry (for tests and shutdown)."""
        deadline = time.monotonic() + timeout_s
        with self._idle:
            while self._pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
        return True

    def close(self, timeout_s: float = 5.0) -> None:
        self.drain(timeout_s)
        self._stop.set()
        self._queue.put(None)
        self._thread.join(timeout_s)

    # ---- the thread ----------------------------------------------------------------------

    def _loop(self) -> None:
        while not self._stop.is_set():
            wait = None
            if self._retry:
                wait = max(0.0, self._retry[0][0] - self.clock())
            try:
                job = self._queue.get(timeout=wait) if wait != 0.0 else self._queue.get_nowait()
            except queue.Empty:
                job = None
                if not self._retry:
                    continue
            if job is None and self._retry and self._retry[0][0] <= self.clock():
                job = heapq.heappop(self._retry)[2]
            if job is None:
                continue
            self._deliver(job)

    def _deliver(self, job: Job) -> None:
        try:
            job.send()
            ok, error = True, None
        except DeliveryFailed as exc:
            ok, error = False, str(exc)
        except Exception as exc:  # a channel's bug must not kill the worker
            ok, error = False, f"{type(exc).__name__}: {exc}"
        self._record(job, ok, error)
        if ok or job.attempt >= self.attempts:
            if not ok:
                log.error("notification to %s failed for good after %d attempts: %s",
                          job.destination, job.attempt, error)
            job.ok, job.error = ok, error
            job.done.set()
            with self._idle:
                self._pending -= 1
                self._idle.notify_all()
            return
        delay = min(self.backoff_s * 2 ** (job.attempt - 1), self.max_backoff_s)
        log.warning("notification to %s failed (attempt %d), retry in %.1fs: %s",
                    job.destination, job.attempt, delay, error)
        job.attempt += 1
        heapq.heappush(self._retry, (self.clock() + delay, next(self._seq), job))

    def _record(self, job: Job, ok: bool, error: str | None) -> None:
        if self.record is None:
            return
        try:
            self.record(job, ok, error)
        except Exception as exc:  # the database may be down: delivery still counts
            log.warning("could not record notification to %s: %s", job.destination, exc)
