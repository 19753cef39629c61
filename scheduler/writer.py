"""The robot's write-behind: rounds hand results over in milliseconds, one thread stores them.

A round appends its result to the spool (fsync'd, no database call) and goes on; this thread
replays the spool into the database, then calls each result's `then` (the alert rules) once
it is stored; a `then` with a `many` method gets the results stored together in one call (the
alert rules read every journey: once per batch, not once per result). A locked, unreachable
or full database therefore never holds a run slot: the results wait in the spool and are
stored exactly once, in order, when it answers. When even
the spool cannot be written (disk full), results wait in memory, oldest first, and are
retried. Each change of state is said once in the log, never once per result.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from enum import Enum
from typing import Any

from journeys.results import RunResult
from storage.errors import (
    DuplicateRun,
    SpoolError,
    StorageBusy,
    StorageError,
    StorageFull,
    StorageUnavailable,
)

log = logging.getLogger("ronde.scheduler.writer")

Then = Callable[[RunResult], None]
RETRY_S = 1.0  # how often a waiting result is retried
MAX_HELD = 10_000  # results kept in memory while the spool cannot be written


def _runs_of_same_then(done: list[tuple[RunResult, Then]]) -> list[tuple[Then, list[RunResult]]]:
    """Consecutive results that share their `then`, in order."""
    runs: list[tuple[Then, list[RunResult]]] = []
    for result, then in done:
        if runs and runs[-1][0] is then:
            runs[-1][1].append(result)
        else:
            runs.append((then, [result]))
    return runs


class DbState(Enum):
    OK = "ok"
    BUSY = "busy"
    FULL = "full"
    UNREACHABLE = "unreachable"


class ResultWriter:
    def __init__(self, store: Any, *, retry_s: float = RETRY_S, max_held: int = MAX_HELD) -> None:
        self.store = store
        self._retry_s = retry_s
        self._max_held = max_held
        self._held: deque[tuple[RunResult, Any]] = deque()  # not durable: the spool is full
        self._waiting: dict[str, tuple[RunResult, Then | None]] = {}  # accepted, not stored
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.state = DbState.OK
        self._spool_full = False

    # -- the rounds' side -----------------------------------------------------------------
    def submit(self, result: RunResult, journey: Any, then: Then | None = None) -> None:
        """Accept a finished run: durable in the spool (or held in memory when the spool
        cannot be written) when this returns; stored by the writer thread."""
        self._ensure_thread()
        with self._lock:
            self._waiting[result.run_id] = (result, then)
            held = bool(self._held)
        if not held:  # results held already go first: keep the order
            try:
                self.store.spool_run(result, journey)
            except SpoolError as exc:
                self._spool_failed(exc)
                held = True
        if held:
            self._hold(result, journey)
        self._wake.set()

    def behind(self) -> bool:
        """The database did not answer the writer the last time, or results wait in memory:
        the rounds should not wait on it (the writer says when it is back)."""
        with self._lock:
            return self.state is not DbState.OK or bool(self._held)

    def pending(self) -> int:
        """Results accepted and not yet stored in the database."""
        with self._lock:
            return len(self._waiting)

    # -- lifecycle --------------------------------------------------------------------------
    def close(self, timeout_s: float = 10.0) -> int:
        """Store what can be stored within `timeout_s`, then stop. Returns how many results
        are not in the database yet (they stay in the spool for the next start)."""
        deadline = time.monotonic() + timeout_s
        while self.pending() and time.monotonic() < deadline and self._alive():
            self._wake.set()
            time.sleep(0.05)
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(max(0.0, deadline - time.monotonic()))
        left = self.pending()
        with self._lock:
            held = len(self._held)
        if held:
            log.error("%d result(s) could not be written anywhere (disk full) and are lost",
                      held, extra={"event": "results_lost", "count": held})
        elif left:
            log.warning("%d result(s) wait in the spool %s: stored at the next start",
                        left, self.store.spool.path, extra={"event": "results_spooled"})
        return left

    def _ensure_thread(self) -> None:
        with self._lock:
            if self._thread is None and not self._stop.is_set():
                self._thread = threading.Thread(target=self._loop, name="result-writer",
                                                daemon=True)
                self._thread.start()

    def _alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # -- the writer thread --------------------------------------------------------------------
    def _loop(self) -> None:
        while True:
            self._wake.wait(self._retry_s)
            self._wake.clear()
            try:
                self._step()
            except Exception as exc:  # the writer must outlive any surprise; retried next turn
                log.error("result writer: %s", exc, extra={"event": "writer_failed"})
            if self._stop.is_set():
                return

    def _step(self) -> None:
        self._save_held()
        if not self.store.spool.has_entries():
            return
        try:
            report = self.store.flush_spool()
        except StorageUnavailable as exc:
            self._down(exc)
            return
        self._up(report.replayed)
        self._stored(report.stored)

    def _save_held(self) -> None:
        """Held results go to the spool as soon as it takes them; meanwhile straight to the
        database, which may live on another disk."""
        while True:
            with self._lock:
                if not self._held:
                    return
                result, journey = self._held[0]
            try:
                self.store.spool_run(result, journey)
            except SpoolError:
                if not self._record_directly(result, journey):
                    return
            else:
                self._spool_back()
            with self._lock:
                self._held.popleft()

    def _record_directly(self, result: RunResult, journey: Any) -> bool:
        try:
            self.store.record_now(result, journey)
        except DuplicateRun as exc:
            log.warning("%s", exc, extra={"event": "duplicate_slot", "journey": result.journey})
            self._stored([result.run_id], call=False)
            return True
        except StorageUnavailable as exc:
            self._down(exc)
            return False
        except StorageError as exc:  # refused for good: nowhere to keep it for a person
            log.error("result %s of %s refused by the database and lost: %s", result.run_id,
                      result.journey, exc, extra={"event": "results_lost"})
            self._stored([result.run_id], call=False)
            return True
        self._up(0)
        self._stored([result.run_id])
        return True

    def _stored(self, run_ids: Any, *, call: bool = True) -> None:
        done: list[tuple[RunResult, Then]] = []
        for run_id in run_ids:
            with self._lock:
                result, then = self._waiting.pop(run_id, (None, None))
            if call and result is not None and then is not None:
                done.append((result, then))
        for then, results in _runs_of_same_then(done):
            many = getattr(then, "many", None)
            if callable(many):
                many(results)
            else:
                for result in results:
                    then(result)

    def _hold(self, result: RunResult, journey: Any) -> None:
        with self._lock:
            self._held.append((result, journey))
            if len(self._held) <= self._max_held:
                return
            lost, _journey = self._held.popleft()
            self._waiting.pop(lost.run_id, None)
        log.error("disk full for too long: result %s of %s dropped (%d held in memory)",
                  lost.run_id, lost.journey, self._max_held,
                  extra={"event": "results_lost", "journey": lost.journey})

    # -- saying it once -------------------------------------------------------------------------
    def _down(self, exc: StorageUnavailable) -> None:
        state = (DbState.BUSY if isinstance(exc, StorageBusy) else
                 DbState.FULL if isinstance(exc, StorageFull) else DbState.UNREACHABLE)
        with self._lock:
            # Said once per outage: a full disk that also shows as busy or unreachable on some
            # calls is the same outage, not a new one.
            first, self.state = self.state is DbState.OK, state
        if first:
            log.warning("%s: results wait in the spool %s (in memory while it cannot be "
                        "written) and are stored as soon as the database answers",
                        exc, self.store.spool.path,
                        extra={"event": "storage_unavailable", "state": state.value})

    def _up(self, replayed: int) -> None:
        with self._lock:
            was, self.state = self.state, DbState.OK
        if was is not DbState.OK:
            log.info("database answers again (it was %s): %d result(s) stored from the spool",
                     was.value, replayed, extra={"event": "storage_recovered",
                                                 "count": replayed})

    def _spool_failed(self, exc: SpoolError) -> None:
        with self._lock:
            first, self._spool_full = not self._spool_full, True
        if first:
            log.error("%s: results are held in memory and retried every %.0fs until space "
                      "returns (evidence files are dropped first)", exc, self._retry_s,
                      extra={"event": "spool_unwritable"})

    def _spool_back(self) -> None:
        with self._lock:
            was, self._spool_full = self._spool_full, False
        if was:
            log.info("the spool %s is writable again: held results saved",
                     self.store.spool.path, extra={"event": "spool_recovered"})
