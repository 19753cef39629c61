"""What storage hands out: light frozen values, never ORM rows or sessions.

The alert rules are pure functions of these (`RunRecord` carries what they need: status,
category, attempt, confirms, device, started_at, transactions, app_version, error).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, NamedTuple


class Recorded(StrEnum):
    """What `Store.record_run` did with a result."""

    INSERTED = "inserted"  # a new run
    COMPLETED = "completed"  # an open (or aborted) run got its result
    DUPLICATE = "duplicate"  # already stored: nothing changed
    SPOOLED = "spooled"  # database unreachable: kept in the local spool


@dataclass(frozen=True, slots=True)
class TransactionRecord:
    name: str
    status: str
    response_ms: float | None
    resolution_ms: float | None
    category: str | None = None
    error: str | None = None
    is_load: bool = False
    action: str = ""
    check: str = ""
    position: int = 0


class RunBrief(NamedTuple):
    """A run in a journey's status strip: what colours it and links to it, read without the
    rest of its row (a page shows thousands: a named tuple is made in C). The strip's last
    run is the journey's latest: its category says why it failed."""

    run_id: str
    status: str | None
    started_at: datetime
    attempt: int
    device: str | None
    category: str | None


@dataclass(frozen=True, slots=True)
class RunRecord:
    run_id: str
    round_id: str  # run_id of the first attempt of this round
    journey: str
    device: str | None
    status: str | None  # None while the run is open
    category: str | None
    attempt: int
    confirms: str | None
    started_at: datetime
    ended_at: datetime | None
    scheduled_at: datetime | None
    duration_ms: float | None
    is_open: bool
    app_version: str | None = None
    os_version: str | None = None
    robot_version: str | None = None
    robot_host: str | None = None
    platform: str | None = None
    error: str | None = None
    journey_hash: str | None = None
    load_ms: float | None = None
    transactions: tuple[TransactionRecord, ...] = ()
    robot_name: str | None = None  # the robot that ran it (fleet), and its location
    location: str | None = None
    recorded_at: datetime | None = None  # when its result was stored (None while open)


@dataclass(frozen=True, slots=True)
class StepRecord:
    position: int
    command: str
    description: str
    status: str
    started_ms: float
    duration_ms: float
    category: str | None = None
    error: str | None = None
    optional: bool = False
    line: int | None = None
    file: str | None = None


@dataclass(frozen=True, slots=True)
class ArtifactRecord:
    kind: str
    path: str  # relative to the artifacts directory
    sha256: str
    size: int


@dataclass(frozen=True, slots=True)
class RunDetail:
    """A run with its whole evidence: timeline, measurements, artifacts."""

    run: RunRecord
    steps: tuple[StepRecord, ...]
    measurements: dict[str, float]
    artifacts: tuple[ArtifactRecord, ...]


@dataclass(frozen=True, slots=True)
class HeartbeatRecord:
    id: int
    host: str
    pid: int
    version: str | None
    started_at: datetime
    last_beat_at: datetime
    stopped_at: datetime | None
    robot_name: str = ""  # ronde.yaml `robot.name` (the host for robots before 0006)
    location: str = "default"
    devices: tuple[str, ...] = ()  # the robot's devices
    running: tuple[str, ...] = ()  # the journeys it watches


@dataclass(frozen=True, slots=True)
class IncidentRecord:
    id: int
    dedup_key: str
    journey: str | None
    kind: str  # app | robot
    rule: str
    state: str  # firing | acknowledged | resolved
    opened_at: datetime
    updated_at: datetime
    category: str | None = None
    cause: str | None = None
    device: str | None = None
    transaction: str | None = None
    summary: str | None = None
    diagnosis: str | None = None
    diagnosis_fr: str | None = None
    confidence: float | None = None
    evidence_run_id: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    acknowledged_at: datetime | None = None
    resolved_at: datetime | None = None
    last_notified_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.state != "resolved"


@dataclass(frozen=True, slots=True)
class NotificationRecord:
    id: int
    incident_id: int | None
    channel: str
    kind: str  # firing | resolved | renotify | test
    attempt: int
    sent_at: datetime
    ok: bool
    error: str | None = None
