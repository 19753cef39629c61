"""The alert rules' recent history, kept in memory and topped up instead of re-read.

Every evaluation needs the last hour of runs of every journey (diagnosis and the robot rule
look across journeys). Re-reading it for each stored result made the engine's cost grow
with devices × history: at 256 devices every minute, an hour is 15 000 runs and a read took
over a second, four times a second. So the window keeps the records it read and asks the
store only for the runs recorded since its last read (less an overlap, for transactions that
commit out of order: other robots on the same database). Every `full_every` it reads the
whole window again, which also forgets what another process deleted.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from time import monotonic
from typing import Any

from storage.records import RunRecord

OVERLAP = timedelta(seconds=60)  # runs recorded this long before the last one seen are re-read
FULL_EVERY_S = 300.0


class RecentRuns:
    def __init__(self, store: Any, *, overlap: timedelta = OVERLAP,
                 full_every_s: float = FULL_EVERY_S) -> None:
        self.store = store
        self.overlap = overlap
        self.full_every_s = full_every_s
        self._runs: dict[str, RunRecord] = {}
        self._since: datetime | None = None  # the window's start at the last read
        self._mark: datetime | None = None  # the latest `recorded_at` seen
        self._full_at = float("-inf")

    def read(self, since: datetime) -> list[RunRecord]:
        """Finished runs started at or after `since`, oldest first, as the store has them."""
        if self._stale(since):
            self._runs = {r.run_id: r for r in self.store.runs(since=since)}
            self._full_at = monotonic()
        else:
            assert self._mark is not None
            for record in self.store.runs(since=since, recorded_since=self._mark - self.overlap):
                self._runs[record.run_id] = record
            for run_id in [k for k, r in self._runs.items() if r.started_at < since]:
                del self._runs[run_id]
        self._since = since
        marks = [r.recorded_at for r in self._runs.values() if r.recorded_at is not None]
        self._mark = max(marks, default=None)
        return sorted(self._runs.values(), key=lambda r: r.started_at)

    def forget(self) -> None:
        """Read the whole window again next time."""
        self._full_at = float("-inf")

    def _stale(self, since: datetime) -> bool:
        return (self._mark is None or self._since is None or since < self._since
                or monotonic() - self._full_at >= self.full_every_s)
