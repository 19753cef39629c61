"""The rounds' view of storage: open a run, record it, and what the last slots were.

Thin on purpose: `storage.Store` speaks the domain already; this adapts its errors to what
a round needs (a slot already taken is "skip", a database outage is "run anyway, the
result waits in the spool"). Results are stored behind the rounds' back by a
`scheduler.writer.ResultWriter`, so no database call ever holds a run slot for long.
"""

from __future__ import annotations

import logging
import socket
from datetime import datetime
from typing import TYPE_CHECKING

from journeys.model import Journey
from journeys.results import RunResult
from scheduler.writer import ResultWriter, Then

if TYPE_CHECKING:
    from storage import Store

log = logging.getLogger("ronde.scheduler.recorder")

START_LOCK_TIMEOUT_MS = 500  # opening a run waits no longer than this for a locked database


class StoreRecorder:
    def __init__(self, store: Store, host: str | None = None,
                 robot: tuple[str, str] | None = None) -> None:
        self.store = store
        self.host = host or socket.gethostname()
        self.robot_name, self.location = robot or (self.host, "default")
        self.writer = ResultWriter(store)

    def start_run(
        self, run_id: str, journey: Journey, device: str, scheduled_at: datetime | None,
        attempt: int, confirms: str | None, *, scope: str = "",
    ) -> bool:
        from storage.errors import DuplicateRun, StorageUnavailable

        if self.writer.behind():  # the database is not answering: run now, store later
            return True
        try:
            return bool(self.store.start_run(
                run_id, journey.id, device, scheduled_at, attempt, confirms, self.host,
                journey=journey, lock_timeout_ms=START_LOCK_TIMEOUT_MS, scope=scope,
                robot_name=self.robot_name, location=self.location,
            ))
        except DuplicateRun as exc:
            log.warning("%s", exc, extra={"event": "duplicate_slot", "journey": journey.id})
            return False
        except StorageUnavailable as exc:  # the writer says so once, when it stores the result
            log.debug("run %s not opened: %s", run_id, exc)
            return True

    def record_run(self, result: RunResult, journey: Journey, then: Then | None = None) -> None:
        """Hand the result to the writer (durable when this returns); `then(result)` is
        called from the writer's thread once the result is in the database."""
        self.writer.submit(result, journey, then)

    def close(self, timeout_s: float = 10.0) -> int:
        """Store what can be within `timeout_s`; returns how many results still wait."""
        return self.writer.close(timeout_s)

    def last_slots(self) -> dict[str, datetime]:
        """The latest `scheduled_at` stored for each journey (restart recovery)."""
        slots: dict[str, datetime] = {}
        for run in self.store.latest_runs():
            if run.scheduled_at is not None:
                slots[run.journey] = run.scheduled_at
        return slots
