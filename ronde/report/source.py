"""Where the read side gets its figures: the `ReadSource` protocol.

The dashboard, `/metrics` and the report only call this protocol; `store_source.StoreSource`
is the one implementation, over storage's public API, like Locust's web UI that reads stats
and never the runners.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from typing import Any, Protocol

from ronde.report.facts import (
    Availability,
    IncidentView,
    JourneyOverview,
    ResponseHistogram,
    RobotView,
    RunCount,
    RunView,
    TransactionStats,
    Trial,
)


class ReadSource(Protocol):
    """Read-only figures. `now` / `since` / `until` are the caller's wall clock (UTC), so a
    test or a report for a past period gets the same answer every time."""

    def snapshot(self) -> AbstractContextManager[None]:
        """Calls made inside read in one read transaction: a page's figures from one
        moment, for one BEGIN (a page asks for ~15 reads)."""
        ...

    def overview(self, now: datetime, *, history: bool = True) -> list[JourneyOverview]:
        """Each journey's state; `history=False` leaves its latest runs' strip empty."""
        ...

    def transaction_stats(self, since: datetime, until: datetime) -> list[TransactionStats]: ...

    def recent_runs(self, limit: int, journey: str | None = None) -> list[RunView]: ...

    def run(self, run_id: str) -> RunView | None: ...

    def artifact_recorded(self, path: str) -> bool:
        """Whether a stored run lists this evidence file (the dashboard serves no other)."""
        ...

    def incidents(self, *, open_only: bool, since: datetime | None = None) -> list[IncidentView]:
        ...

    def trial(self, since: datetime, until: datetime) -> Trial: ...

    def availability(self, since: datetime, until: datetime) -> dict[str, Availability]:
        """Each journey's availability over [since, until) (the alert window on /metrics)."""
        ...

    def alert_windows(self) -> dict[str, timedelta]:
        """The journeys whose own `monitor.alert.window` overrides ronde.yaml's default."""
        ...

    def robots(self, now: datetime) -> list[RobotView]: ...

    def run_counts(self) -> list[RunCount]: ...

    def response_marks(self) -> dict[tuple[str, str], tuple[Any, ...]]:
        """Per (journey, transaction), a mark that changes whenever its response histogram
        does: /metrics keeps each series' lines while its mark stays."""
        ...

    def response_histograms(self, bounds_ms: Sequence[float],
                            series: Collection[tuple[str, str]] | None = None
                            ) -> list[ResponseHistogram]:
        """Every series' cumulative counts at `bounds_ms`, or those of `series`."""
        ...

    def close(self) -> None: ...
