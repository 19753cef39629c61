"""The rounds' view of storage: open a run, record it, and what the last slots were.

Thin on purpose: `storage.Store` speaks the domain already; this adapts its errors to what
a round needs (a slot already taken is "skip", a database outage is "run anyway, the
store spools the result").
"""

from __future__ import annotations

import logging
import socket
from datetime import datetime
from typing import Any

from journeys.model import Journey
from robots.result import RunResult

log = logging.getLogger("ronde.scheduler.recorder")


class StoreRecorder:
    def __init__(self, store: Any, host: str | None = None) -> None:
        self.store = store
        self.host = host or socket.gethostname()

    def start_run(
        self, run_id: str, journey: Journey, device: str, scheduled_at: datetime | None,
        attempt: int, confirms: str | None,
    ) -> bool:
        from storage.errors import DuplicateRun

        try:
            return bool(self.store.start_run(
                run_id, journey.id, device, scheduled_at, attempt, confirms, self.host,
                journey=journey,
            ))
        except DuplicateRun as exc:
            log.warning("%s", exc, extra={"event": "duplicate_slot", "journey": journey.id})
            return False

    def record_run(self, result: RunResult, journey: Journey) -> None:
        from storage.errors import DuplicateRun

        try:
            outcome = self.store.record_run(result, journey)
        except DuplicateRun as exc:
            log.warning("%s", exc, extra={"event": "duplicate_slot", "journey": journey.id})
            return
        if str(outcome) == "spooled":
            log.warning("database unreachable: run %s of %s kept in the spool", result.run_id,
                        journey.id, extra={"event": "spooled", "journey": journey.id})

    def last_slots(self) -> dict[str, datetime]:
        """The latest `scheduled_at` stored for each journey (restart recovery)."""
        slots: dict[str, datetime] = {}
        for run in self.store.latest_runs():
            if run.scheduled_at is not None:
                slots[run.journey] = run.scheduled_at
        return slots
