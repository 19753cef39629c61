"""Background delivery: one lane (a thread, a queue, a retry schedule) per destination, so a
channel that hangs or keeps failing delays only its own notices. The robot only ever
enqueues (at most `max_queue` jobs waiting per destination, the rest dropped and logged);
every attempt is recorded per destination.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections import deque
from collections.abc import Callable

from scheduler.notify.errors import DeliveryFailed
from scheduler.signals import Job, Recorder

log = logging.getLogger(__name__)


class DeliveryWorker:
    """Routes jobs to their destination's lane; counts what is pending across all lanes."""

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
        self.max_queue = max_queue
        self.attempts = attempts
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.clock = clock
        self.dropped = 0
        self._lanes: dict[str, _Lane] = {}  # one per destination named in the configuration
        self._pending = 0  # queued, in delivery or waiting for a retry
        self._idle = threading.Condition()
        self._closed = False

    def submit(self, job: Job) -> bool:
        """Queue a delivery without ever blocking; False (and logged) when the queue is full."""
        with self._idle:
            closed = self._closed
            lane = None if closed else self._lanes.get(job.destination)
            if lane is None and not closed:
                lane = self._lanes[job.destination] = _Lane(self, job.destination)
            if lane is not None and lane.put(job, self.max_queue):
                self._pending += 1
                return True
            self.dropped += 1
        why = "delivery stopped" if closed else "delivery queue full"
        log.error("notification to %s dropped: %s", job.destination, why)
        job.ok, job.error = False, f"dropped: {why}"
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
        with self._idle:
            self._closed = True
            lanes = list(self._lanes.values())
        deadline = time.monotonic() + timeout_s
        for lane in lanes:
            lane.stop()
        for lane in lanes:
            lane.join(max(0.0, deadline - time.monotonic()))

    # ---- called by the lanes -------------------------------------------------------------

    def _finished(self) -> None:
        with self._idle:
            self._pending -= 1
            self._idle.notify_all()

    def _record(self, job: Job, ok: bool, error: str | None) -> None:
        if self.record is None:
            return
        try:
            self.record(job, ok, error)
        except Exception as exc:  # the database may be down: delivery still counts
            log.warning("could not record notification to %s: %s", job.destination, exc)


class _Lane:
    """One destination's thread: its new jobs in order, its retries when they fall due."""

    def __init__(self, worker: DeliveryWorker, destination: str) -> None:
        self.worker = worker
        self._fresh: deque[Job] = deque()
        self._retry: list[tuple[float, int, Job]] = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._stopping = False
        self._thread = threading.Thread(
            target=self._loop, name=f"ronde-notify-{destination}", daemon=True
        )
        self._thread.start()

    def put(self, job: Job, limit: int) -> bool:
        """Queue `job` unless `limit` jobs already wait (then False: the caller drops it)."""
        with self._cond:
            if len(self._fresh) >= limit:
                return False
            self._fresh.append(job)
            self._cond.notify()
            return True

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify()

    def join(self, timeout_s: float) -> None:
        self._thread.join(timeout_s)

    def _next(self) -> Job | None:
        """The next job to attempt (a due retry first), waiting for one; None: stop."""
        clock = self.worker.clock
        with self._cond:
            while not self._stopping:
                if self._retry and self._retry[0][0] <= clock():
                    return heapq.heappop(self._retry)[2]
                if self._fresh:
                    return self._fresh.popleft()
                wait = max(0.0, self._retry[0][0] - clock()) if self._retry else None
                self._cond.wait(wait)
        return None

    def _loop(self) -> None:
        while (job := self._next()) is not None:
            self._deliver(job)

    def _deliver(self, job: Job) -> None:
        worker = self.worker
        try:
            job.send()
            ok, error = True, None
        except DeliveryFailed as exc:
            ok, error = False, str(exc)
        except Exception as exc:  # a channel's bug must not kill the lane
            ok, error = False, f"{type(exc).__name__}: {exc}"
        worker._record(job, ok, error)
        if ok or job.attempt >= worker.attempts:
            if not ok:
                log.error("notification to %s failed for good after %d attempts: %s",
                          job.destination, job.attempt, error)
            job.ok, job.error = ok, error
            job.done.set()
            worker._finished()
            return
        delay = min(worker.backoff_s * 2 ** (job.attempt - 1), worker.max_backoff_s)
        log.warning("notification to %s failed (attempt %d), retry in %.1fs: %s",
                    job.destination, job.attempt, delay, error)
        job.attempt += 1
        with self._cond:
            heapq.heappush(self._retry, (worker.clock() + delay, next(self._seq), job))
