"""The read side's vocabulary: plain values the dashboard, `/metrics` and the report render.

They are filled from storage in one place (`ronde.report.source`), so the renderers never see
sessions or rows and can be tested on hand-made values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple


@dataclass(frozen=True, slots=True)
class Availability:
    """Share of non-`error` runs that passed, over one window.

    `first_attempt` counts every first attempt; `confirmed` counts a journey as down only when
    its confirmation failed too. `error` runs (the robot's fault) are left out and counted apart.
    """

    first_attempt: float | None  # 0..1, None when no run counted
    confirmed: float | None
    runs: int  # first attempts that counted (passed, degraded, failed)
    failed_first: int = 0
    failed_confirmed: int = 0
    errors: int = 0


@dataclass(frozen=True, slots=True)
class Percentiles:
    """Response times in milliseconds over a window."""

    count: int
    p50: float | None = None
    p95: float | None = None
    p99: float | None = None


@dataclass(frozen=True, slots=True)
class TransactionStats:
    journey: str
    name: str
    times: Percentiles
    success_rate: float | None = None  # 0..1
    attempts: int = 0
    is_load: bool = False


class RunMark(NamedTuple):
    """One run in a status strip: enough to colour it and link to it (a named tuple: an
    overview makes 2 400 of them, and the strip's memo hashes each)."""

    run_id: str
    status: str
    started_at: datetime
    attempt: int = 1
    device: str | None = None


@dataclass(frozen=True, slots=True)
class JourneyOverview:
    journey: str
    name: str | None
    last_status: str | None
    last_category: str | None
    last_run_at: datetime | None
    last_device: str | None
    availability_24h: Availability
    availability_7d: Availability
    open_incidents: int = 0
    up: bool | None = None  # latest run that judged the app (not `error`) passed or degraded
    history: tuple[RunMark, ...] = ()  # latest runs, oldest first


@dataclass(frozen=True, slots=True)
class StepView:
    index: int
    command: str
    description: str
    status: str
    started_ms: float
    duration_ms: float
    category: str | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class TransactionView:
    name: str
    status: str
    response_ms: float | None
    resolution_ms: float | None
    category: str | None = None
    is_load: bool = False


@dataclass(frozen=True, slots=True)
class ArtifactView:
    kind: str
    path: str  # relative to the artifacts directory


@dataclass(frozen=True, slots=True)
class RunView:
    run_id: str
    journey: str
    device: str
    status: str
    category: str | None
    started_at: datetime
    duration_ms: float | None
    attempt: int = 1
    confirms: str | None = None
    error: str | None = None
    load_ms: float | None = None
    steps: tuple[StepView, ...] = ()
    transactions: tuple[TransactionView, ...] = ()
    artifacts: tuple[ArtifactView, ...] = ()
    round: tuple[RunMark, ...] = ()  # every attempt of this run's round, this one included


@dataclass(frozen=True, slots=True)
class IncidentView:
    id: str
    journey: str
    state: str  # firing | acknowledged | resolved
    kind: str  # app | robot
    category: str | None
    diagnosis: str | None
    confidence: float | None
    opened_at: datetime
    resolved_at: datetime | None = None
    transaction: str | None = None
    device: str | None = None
    evidence_run_id: str | None = None  # the run whose screenshots back the diagnosis
    cause: str | None = None  # the pre-diagnosis' cause key, e.g. backend_outage
    screenshot: str | None = None  # evidence, relative to the artifacts directory
    diagnosis_fr: str | None = None  # the same pre-diagnosis in French (the report's --lang fr)

    @property
    def open(self) -> bool:
        return self.state != "resolved"


@dataclass(frozen=True, slots=True)
class RobotView:
    """A robot process that beat recently (its heartbeat in the database)."""

    host: str
    pid: int
    version: str | None
    started_at: datetime
    last_beat_at: datetime
    name: str = ""  # ronde.yaml `robot.name` (the host when not set)
    location: str = "default"
    devices: tuple[str, ...] = ()
    running: tuple[str, ...] = ()  # the journeys it watches


@dataclass(frozen=True, slots=True)
class DayAvailability:
    day: date
    journey: str
    availability: Availability


@dataclass(frozen=True, slots=True)
class CategoryCount:
    category: str
    count: int


@dataclass(frozen=True, slots=True)
class RunCount:
    journey: str
    device: str
    status: str
    count: int


@dataclass(frozen=True, slots=True)
class ResponseHistogram:
    """Cumulative counts of one transaction's response times, for a Prometheus histogram."""

    journey: str
    transaction: str
    buckets: tuple[int, ...]  # count of responses <= each bound, same order as the bounds
    count: int
    sum_ms: float


@dataclass(frozen=True, slots=True)
class Trial:
    """Everything the trial report shows, for one period."""

    since: datetime
    until: datetime
    journeys: tuple[str, ...]
    devices: tuple[str, ...]
    overall: Availability
    per_journey: dict[str, Availability]
    per_day: tuple[DayAvailability, ...]
    transactions: tuple[TransactionStats, ...]
    load_times: dict[str, Percentiles]
    errors: tuple[CategoryCount, ...]
    incidents: tuple[IncidentView, ...]
    flake_rate: float | None = None
    journey_names: dict[str, str] = field(default_factory=dict)
    per_device: dict[str, Availability] = field(default_factory=dict)
    # journey -> p95 of its response times for each UTC hour of the day (0..23), None = no data
    hourly_p95: dict[str, tuple[float | None, ...]] = field(default_factory=dict)
    # when the first and the latest run of the period started (None: no run at all)
    first_run_at: datetime | None = None
    last_run_at: datetime | None = None
