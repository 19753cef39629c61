"""The schema as SQLAlchemy 2 typed models. Alembic migrations (storage/migrations) create it.

Rows are internal to `storage`: the rest of Ronde gets frozen records (storage.records).
Run children (transactions, steps, measurements, artifacts) hang off `runs.id` with
ON DELETE CASCADE so pruning a run removes its rows in one statement.
Indexes follow the KPI queries (storage.kpi): runs by (journey, started_at), by started_at,
by (device, started_at) and by round; transactions by run and by name.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.types import UTCDateTime

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class JourneyRow(Base):
    __tablename__ = "journeys"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)  # monitor.id
    name: Mapped[str | None] = mapped_column(Text)
    platform: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # the journey's `slow` threshold as last recorded, for charts that draw it (0002)
    slow_ms: Mapped[float | None] = mapped_column(Float)
    # its own `monitor.alert.window` as last recorded (None: ronde.yaml's default), for
    # /metrics' alert-window availability (0005)
    alert_window_ms: Mapped[int | None] = mapped_column(BigInteger)
    # moved on by the database on every change to the journey's runs (triggers, 0009):
    # what the read side's per-journey caches are keyed by (storage.generations)
    generation: Mapped[int] = mapped_column(BigInteger, server_default="0")


class JourneyVersionRow(Base):
    """One row per definition version of a journey (sha256 of its files)."""

    __tablename__ = "journey_versions"
    __table_args__ = (UniqueConstraint("journey_id", "hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    journey_id: Mapped[int] = mapped_column(ForeignKey("journeys.id", ondelete="CASCADE"))
    hash: Mapped[str] = mapped_column(String(128))
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DeviceRow(Base):
    __tablename__ = "devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    platform: Mapped[str | None] = mapped_column(String(20))
    model: Mapped[str | None] = mapped_column(String(200))
    os_version: Mapped[str | None] = mapped_column(String(100))  # last seen
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RunRow(Base):
    """One attempt of one journey on one device. `round_id` is the run_id of the first attempt
    of its round, so confirmations group with the run they confirm without recursive SQL.
    `confirms` is a soft reference (no FK): runs from several robots' spools may arrive out of
    order. The unique (journey, scheduled_at, attempt) slot is what stops a duplicate run.
    """

    __tablename__ = "runs"
    __table_args__ = (
        # one run per slot and attempt, and per location for journeys watched from several
        UniqueConstraint("journey_id", "scheduled_at", "attempt", "scope"),
        Index("ix_runs_journey_started", "journey_id", "started_at"),
        Index("ix_runs_device_started", "device_id", "started_at"),
        Index("ix_runs_started_at", "started_at"),
        Index("ix_runs_round_id", "round_id"),
        Index("ix_runs_confirms", "confirms"),
        # only the open runs (a handful): an index over every run's flag made SQLite read
        # all runs to sort them, instead of walking ix_runs_started_at (0004)
        Index("ix_runs_open", "id", sqlite_where=text("is_open IS 1"),
              postgresql_where=text("is_open")),
        # only failed and error runs: what the failures by category read (0008)
        Index("ix_runs_failures", "journey_id", "started_at",
              sqlite_where=text("status IN ('failed', 'error')"),
              postgresql_where=text("status IN ('failed', 'error')")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[str] = mapped_column(String(64), unique=True)
    round_id: Mapped[str] = mapped_column(String(64))
    journey_id: Mapped[int] = mapped_column(ForeignKey("journeys.id"))
    journey_version_id: Mapped[int | None] = mapped_column(ForeignKey("journey_versions.id"))
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"))
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    duration_ms: Mapped[float | None] = mapped_column(Float)
    is_open: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str | None] = mapped_column(String(20))  # None while open
    category: Mapped[str | None] = mapped_column(String(30))
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    confirms: Mapped[str | None] = mapped_column(String(64))
    platform: Mapped[str | None] = mapped_column(String(20))
    robot_host: Mapped[str | None] = mapped_column(String(200))
    robot_version: Mapped[str | None] = mapped_column(String(100))
    robot_name: Mapped[str | None] = mapped_column(String(200))  # ronde.yaml `robot.name`
    location: Mapped[str | None] = mapped_column(String(100))  # the robot's location
    # '' for a fleet-wide slot; the location for a journey watched from several (0006)
    scope: Mapped[str] = mapped_column(String(100), default="", server_default="")
    app_version: Mapped[str | None] = mapped_column(String(100))
    os_version: Mapped[str | None] = mapped_column(String(100))
    device_model: Mapped[str | None] = mapped_column(String(200))
    error: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class TransactionRow(Base):
    __tablename__ = "transactions"
    __table_args__ = (
        Index("ix_transactions_run_pk", "run_pk"),
        Index("ix_transactions_name", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_pk: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)  # generated names quote selectors: any length
    action: Mapped[str] = mapped_column(String(50))
    check: Mapped[str] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(20))
    category: Mapped[str | None] = mapped_column(String(30))
    response_ms: Mapped[float | None] = mapped_column(Float)
    resolution_ms: Mapped[float | None] = mapped_column(Float)
    started_ms: Mapped[float] = mapped_column(Float, default=0.0)
    is_load: Mapped[bool] = mapped_column(Boolean, default=False)
    error: Mapped[str | None] = mapped_column(Text)


class StepRow(Base):
    """The step timeline of a run."""

    __tablename__ = "steps"
    __table_args__ = (Index("ix_steps_run_pk", "run_pk"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_pk: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    command: Mapped[str] = mapped_column(String(50))
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))
    category: Mapped[str | None] = mapped_column(String(30))
    started_ms: Mapped[float] = mapped_column(Float)
    duration_ms: Mapped[float] = mapped_column(Float)
    error: Mapped[str | None] = mapped_column(Text)
    optional: Mapped[bool] = mapped_column(Boolean, default=False)
    line: Mapped[int | None] = mapped_column(Integer)
    file: Mapped[str | None] = mapped_column(Text)


class MeasurementRow(Base):
    """Named figures of a run: `load` (app/page load time) and web Navigation Timing as
    `nav.<name>` (`nav.domContentLoaded`, `nav.load`)."""

    __tablename__ = "measurements"
    __table_args__ = (
        UniqueConstraint("run_pk", "name"),
        Index("ix_measurements_name", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_pk: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    value_ms: Mapped[float] = mapped_column(Float)
    resolution_ms: Mapped[float | None] = mapped_column(Float)


class ArtifactRow(Base):
    __tablename__ = "artifacts"
    __table_args__ = (Index("ix_artifacts_run_pk", "run_pk"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_pk: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(50))
    path: Mapped[str] = mapped_column(Text)  # relative to the artifacts directory
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)


class IncidentRow(Base):
    """An alert's lifecycle: firing -> (acknowledged) -> resolved. At most one open incident
    per dedup key (a partial unique index on both backends)."""

    __tablename__ = "incidents"
    __table_args__ = (
        Index(
            "uq_incidents_open_dedup_key",
            "dedup_key",
            unique=True,
            sqlite_where=text("state != 'resolved'"),
            postgresql_where=text("state != 'resolved'"),
        ),
        Index("ix_incidents_state", "state"),
        Index("ix_incidents_opened_at", "opened_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dedup_key: Mapped[str] = mapped_column(String(500))
    journey_id: Mapped[int | None] = mapped_column(ForeignKey("journeys.id"))
    kind: Mapped[str] = mapped_column(String(10))  # app | robot
    rule: Mapped[str] = mapped_column(String(100))
    category: Mapped[str | None] = mapped_column(String(30))
    cause: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20))  # firing | acknowledged | resolved
    device: Mapped[str | None] = mapped_column(String(200))
    transaction: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[str | None] = mapped_column(Text)
    diagnosis: Mapped[str | None] = mapped_column(Text)
    diagnosis_fr: Mapped[str | None] = mapped_column(Text)
    confidence: Mapped[float | None] = mapped_column(Float)
    evidence_run_id: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[str | None] = mapped_column(Text)  # JSON object
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class NotificationRow(Base):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_incident_id", "incident_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE")
    )
    channel: Mapped[str] = mapped_column(String(200))  # a channel name, never its URL
    kind: Mapped[str] = mapped_column(String(20))  # firing | resolved | renotify | test
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ok: Mapped[bool] = mapped_column(Boolean)
    error: Mapped[str | None] = mapped_column(Text)


class HeartbeatRow(Base):
    """A robot process's liveness, beaten by the scheduler."""

    __tablename__ = "robot_heartbeats"
    __table_args__ = (Index("ix_robot_heartbeats_host", "host"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    host: Mapped[str] = mapped_column(String(200))
    pid: Mapped[int] = mapped_column(Integer)
    version: Mapped[str | None] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_beat_at: Mapped[datetime] = mapped_column(UTCDateTime())
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    robot_name: Mapped[str | None] = mapped_column(String(200))
    location: Mapped[str | None] = mapped_column(String(100))
    devices: Mapped[str | None] = mapped_column(Text)  # JSON list of the robot's devices
    running: Mapped[str | None] = mapped_column(Text)  # JSON list of what it runs now


class SlotClaimRow(Base):
    """Who runs one slot of a journey (per location scope): the primary key makes the first
    robot's `INSERT ... ON CONFLICT DO NOTHING` the only one that lands (storage.fleet)."""

    __tablename__ = "slot_claims"
    __table_args__ = (Index("ix_slot_claims_claimed_at", "claimed_at"),)

    journey: Mapped[str] = mapped_column(String(200), primary_key=True)
    slot_at: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    scope: Mapped[str] = mapped_column(String(100), primary_key=True)
    robot: Mapped[str] = mapped_column(String(200))
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PrunedRunsRow(Base):
    """Runs `ronde db prune` deleted, counted per journey, device and status, so the totals
    `/metrics` exposes as counters never go down (storage.totals)."""

    __tablename__ = "pruned_runs"
    __table_args__ = (UniqueConstraint("journey", "device", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    journey: Mapped[str] = mapped_column(String(200))
    device: Mapped[str] = mapped_column(String(200))  # "" for runs without a device
    status: Mapped[str] = mapped_column(String(20))
    runs: Mapped[int] = mapped_column(BigInteger)


class PrunedResponsesRow(Base):
    """Response times of the transactions `ronde db prune` deleted: count, sum and cumulative
    counts at `storage.totals.RESPONSE_BOUNDS_MS` (a JSON list), per journey and transaction."""

    __tablename__ = "pruned_responses"
    __table_args__ = (UniqueConstraint("journey", "transaction"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    journey: Mapped[str] = mapped_column(String(200))
    transaction: Mapped[str] = mapped_column(Text)
    count: Mapped[int] = mapped_column(BigInteger)
    sum_ms: Mapped[float] = mapped_column(Float)
    buckets: Mapped[str] = mapped_column(Text)  # JSON [[bound_ms, cumulative count], ...]


class RunTotalsRow(Base):
    """Finished runs ever recorded per journey, device and status, kept at write time
    (storage.rollups): `/metrics` counters read them instead of counting every run."""

    __tablename__ = "run_totals"
    __table_args__ = (UniqueConstraint("journey", "device", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    journey: Mapped[str] = mapped_column(String(200))
    device: Mapped[str] = mapped_column(String(200))  # "" for runs without a device
    status: Mapped[str] = mapped_column(String(20))
    runs: Mapped[int] = mapped_column(BigInteger)


class ResponseTotalsRow(Base):
    """Measured responses ever recorded per journey, transaction and histogram bucket (an index
    into storage.totals.RESPONSE_BOUNDS_MS; see storage.rollups), with their sum."""

    __tablename__ = "response_totals"
    __table_args__ = (UniqueConstraint("journey", "transaction", "bucket"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    journey: Mapped[str] = mapped_column(String(200))
    transaction: Mapped[str] = mapped_column(Text)
    bucket: Mapped[int] = mapped_column(Integer)
    count: Mapped[int] = mapped_column(BigInteger)
    sum_ms: Mapped[float] = mapped_column(Float)


class AvailabilityHourRow(Base):
    """storage.kpi's availability counters per journey, device of the rounds' first attempts
    and UTC hour (`span` 1) or UTC day (`span` 24, `hour` its midnight), kept at write time
    (storage.hourly). Indexed span first: a read wants one span, and a day row sits beside
    the hour row of its midnight."""

    __tablename__ = "availability_hours"
    __table_args__ = (
        Index("ix_availability_hours_journey_id_span_hour", "journey_id", "span", "hour"),
        Index("ix_availability_hours_span_hour", "span", "hour"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    journey_id: Mapped[int] = mapped_column(ForeignKey("journeys.id", ondelete="CASCADE"))
    hour: Mapped[datetime] = mapped_column(UTCDateTime())
    # hours the row covers, 1 or 24; hour rows are written without it (migration 0005 writes
    # them with storage.hourly before the column exists)
    span: Mapped[int] = mapped_column(Integer, server_default="1")
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"))
    first_ok: Mapped[int] = mapped_column(Integer)
    first_total: Mapped[int] = mapped_column(Integer)
    first_errors: Mapped[int] = mapped_column(Integer)
    rounds_ok: Mapped[int] = mapped_column(Integer)
    rounds_total: Mapped[int] = mapped_column(Integer)
    rounds_errors: Mapped[int] = mapped_column(Integer)
    failed_first: Mapped[int] = mapped_column(Integer)
    flaky: Mapped[int] = mapped_column(Integer)


class TimingHourRow(Base):
    """Per journey, device, transaction and UTC hour (`span` 1) or UTC day (`span` 24, `hour`
    its midnight) of the runs' starts: response-time histogram (storage.histograms) and
    success counts; `transaction` NULL holds the runs' load times. Kept at write time
    (storage.timings) so percentiles over a window cost its days and hours."""

    __tablename__ = "timing_hours"
    __table_args__ = (Index("ix_timing_hours_journey_id_hour", "journey_id", "hour"),
                      Index("ix_timing_hours_hour", "hour"))

    id: Mapped[int] = mapped_column(primary_key=True)
    journey_id: Mapped[int] = mapped_column(ForeignKey("journeys.id", ondelete="CASCADE"))
    hour: Mapped[datetime] = mapped_column(UTCDateTime())
    span: Mapped[int] = mapped_column(Integer)  # hours the row covers: 1 or 24
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"))
    transaction: Mapped[str | None] = mapped_column(Text)  # None: the run's load time
    is_load: Mapped[bool] = mapped_column(Boolean, default=False)
    ok: Mapped[int] = mapped_column(Integer)  # transactions passed|degraded (not in error runs)
    total: Mapped[int] = mapped_column(Integer)  # transactions (not in error runs)
    count: Mapped[int] = mapped_column(Integer)  # measured values in the histogram
    sum_ms: Mapped[float] = mapped_column(Float)
    min_ms: Mapped[float | None] = mapped_column(Float)
    max_ms: Mapped[float | None] = mapped_column(Float)
    buckets: Mapped[str] = mapped_column(Text)  # storage.histograms encoding
