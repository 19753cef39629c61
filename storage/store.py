"""`Store`: the one object the rest of Ronde uses to keep and read results.

It speaks the domain (record a run, close aborted runs, open an incident) and hides
sessions and rows. `record_run` never loses a result: when the database is unreachable the
result goes to the local spool, replayed in order before the next result is written. The
robot's rounds use `spool_run` instead (a durable append, no database call) and leave the
database to their writer thread (`scheduler.writer`), so a locked database never holds a slot.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import exc as sa_exc
from sqlalchemy import select
from sqlalchemy.engine import make_url

from journeys.model import Journey
from journeys.results import RunResult
from storage import cellcache, generations, hourly, queries, rollups, runs, timings
from storage import fleet as _fleet
from storage import heartbeats as _heartbeats
from storage import incidents as _incidents
from storage.engine import Database, safe_url, translate_errors
from storage.errors import (
    DuplicateRun,
    StorageBusy,
    StorageConflict,
    StorageError,
    StorageUnavailable,
)
from storage.migrate import current_revision, upgrade
from storage.models import JourneyRow, RunRow
from storage.prune import PruneReport, prune
from storage.records import (
    HeartbeatRecord,
    IncidentRecord,
    NotificationRecord,
    Recorded,
    RunBrief,
    RunDetail,
    RunRecord,
)
from storage.redact import Redactor
from storage.serialize import JourneyInfo, entry_from_dict, entry_to_dict
from storage.spool import ReplayReport, Spool

log = logging.getLogger(__name__)

DEFAULT_URL = "sqlite:///ronde.db"
#: Pauses before writing a run again that a concurrent write's deadlock rolled back (the
#: server picks one victim; the other's locks are gone a moment later). Then it is spooled.
CONFLICT_PAUSES_S = (0.05, 0.25)
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def default_spool_path(url: str) -> Path:
    """Next to the SQLite file; for a server, in the working directory, named after the db."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            return Path.cwd() / "ronde-memory.spool.jsonl"
        return Path(parsed.database).with_suffix(".spool.jsonl")
    name = "".join(c if c.isalnum() or c in "-_" else "_" for c in (parsed.database or "ronde"))
    return Path.cwd() / f"ronde-{name}.spool.jsonl"


class Store:
    def __init__(
        self,
        db: Database,
        spool: Spool,
        *,
        clock: Clock = utc_now,
        environ: Mapping[str, str] | None = None,
        secrets: Iterable[str] = (),
    ) -> None:
        self.db = db
        self.spool = spool
        self.clock = clock
        self.environ = os.environ if environ is None else environ
        self.secrets = set(secrets)  # grows with every journey's monitor.secrets seen
        self._lock = threading.RLock()

    @classmethod
    def open(
        cls,
        url: str = DEFAULT_URL,
        *,
        spool_path: Path | None = None,
        clock: Clock = utc_now,
        environ: Mapping[str, str] | None = None,
        secrets: Iterable[str] = (),
        migrate: bool = True,
        replay: bool = True,
    ) -> Store:
        """Connect, migrate to head, and replay any spooled results (not with `replay=False`:
        read commands leave the robot's spool to the robot).

        `secrets` names environment variables masked in everything stored, on top of each
        journey's own `monitor.secrets`. Raises StorageUnavailable if the database is down.
        """
        db = Database(url)
        if migrate:
            with translate_errors(url):
                upgrade(db.engine)
        store = cls(
            db, Spool(spool_path or default_spool_path(url)), clock=clock, environ=environ,
            secrets=secrets,
        )
        if replay and store.spool.has_entries():
            try:
                store.flush_spool()
            except StorageError as exc:
                log.warning("spool not replayed yet: %s", exc)
        return store

    def close(self) -> None:
        self.db.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({safe_url(self.db.url)!r})"

    def current_revision(self) -> str | None:
        with translate_errors(self.db.url):
            return current_revision(self.db.engine)

    # ---- runs -------------------------------------------------------------------------

    def start_run(
        self,
        run_id: str,
        journey_id: str,
        device: str,
        scheduled_at: datetime | None,
        attempt: int = 1,
        confirms: str | None = None,
        host: str = "",
        *,
        journey: Journey | None = None,
        platform: str | None = None,
        lock_timeout_ms: int | None = None,
        scope: str = "",
        robot_name: str | None = None,
        location: str | None = None,
    ) -> bool:
        """Record an open run before it starts. DuplicateRun if another run holds this
        journey's (scheduled_at, attempt): the scheduler must not run it twice. Returns
        False when the run_id was already recorded. StorageUnavailable if the db is down
        (StorageBusy once `lock_timeout_ms` passed waiting for another process's lock)."""
        info = JourneyInfo.of(journey) if journey is not None else JourneyInfo(
            key=journey_id, platform=platform
        )
        self.secrets.update(info.secrets)
        now = self.clock()
        try:
            with self.db.transaction(lock_timeout_ms=lock_timeout_ms) as session:
                return runs.start_run(
                    session, run_id=run_id, journey=info, device=device,
                    scheduled_at=scheduled_at, attempt=attempt, confirms=confirms,
                    host=host, now=now, scope=scope, robot_name=robot_name, location=location,
                )
        except sa_exc.IntegrityError as exc:
            self._raise_if_slot_taken(run_id, journey_id, scheduled_at, attempt, exc, scope)
            try:
                with self.db.transaction() as session:  # lost a race creating a journey/device
                    return runs.start_run(
                        session, run_id=run_id, journey=info, device=device,
                        scheduled_at=scheduled_at, attempt=attempt, confirms=confirms,
                        host=host, now=now, scope=scope, robot_name=robot_name,
                        location=location,
                    )
            except sa_exc.IntegrityError as again:
                raise _integrity(again) from again

    def record_run(self, result: RunResult, journey: Journey | None = None) -> Recorded:
        """Store a finished run (idempotent by run_id); spool it if the database is down.

        An open run (start_run) or one closed as aborted gets completed; a run already
        finished is left alone (DUPLICATE). DuplicateRun if another run holds its slot, and
        StorageError if the database refuses the result: either way the result is first kept
        in the spool's `.rejected` file, never dropped."""
        if not result.run_id:
            raise ValueError("a RunResult needs its run_id to be stored")
        info = JourneyInfo.of(journey) if journey is not None else JourneyInfo(
            key=result.journey, platform=result.platform or None,
            definition_hash=result.journey_hash or None,
        )
        self.secrets.update(info.secrets)
        result = self._redactor().result(result)
        entry = entry_to_dict(result, info)
        with self._lock:
            if self.spool.has_entries():
                try:
                    self.flush_spool()
                except StorageUnavailable:
                    self.spool.append(entry)
                    return Recorded.SPOOLED
            try:
                return self._record(result, info)
            except DuplicateRun:
                self.spool.reject(entry, "duplicate (journey, scheduled_at, attempt)")
                raise
            except StorageUnavailable as exc:
                log.warning("database unreachable, result %s spooled: %s", result.run_id, exc)
                self.spool.append(entry)
                return Recorded.SPOOLED
            except StorageError as exc:  # refused for good: keep it for a person, then say so
                self.spool.reject(entry, str(exc))
                raise

    def spool_run(self, result: RunResult, journey: Journey | None = None) -> None:
        """Accept a finished run without touching the database: masked, then appended to the
        spool (fsync'd) for `flush_spool` to store. SpoolError if the spool cannot be written
        (disk full): the result is then only in the caller's hands."""
        if not result.run_id:
            raise ValueError("a RunResult needs its run_id to be stored")
        info = JourneyInfo.of(journey) if journey is not None else JourneyInfo(
            key=result.journey, platform=result.platform or None,
            definition_hash=result.journey_hash or None,
        )
        self.secrets.update(info.secrets)
        self.spool.append(entry_to_dict(self._redactor().result(result), info))

    def record_now(self, result: RunResult, journey: Journey | None = None) -> Recorded:
        """Store a finished run in the database now, without the spool: StorageUnavailable
        when it cannot (the caller keeps the result). For a writer whose spool is full."""
        info = JourneyInfo.of(journey) if journey is not None else JourneyInfo(
            key=result.journey, platform=result.platform or None,
            definition_hash=result.journey_hash or None,
        )
        self.secrets.update(info.secrets)
        with self._lock:
            return self._record(self._redactor().result(result), info)

    def flush_spool(self) -> ReplayReport:
        """Replay spooled results in order (StorageUnavailable if the db is still down)."""
        with self._lock:
            report = self.spool.replay(self._replay_entry)
        if report.replayed or report.rejected:
            log.info("spool: %d replayed, %d rejected", report.replayed, report.rejected)
        return report

    def write_locked(self, wait_ms: int = 250) -> bool:
        """Whether another process holds the database's write lock (a SQLite `BEGIN
        EXCLUSIVE`: readers still read, every write waits). Takes and drops the lock when
        free, writing nothing; PostgreSQL's locks show as StorageBusy on the reads instead."""
        if self.db.backend != "sqlite":
            return False
        try:
            with self.db.transaction(lock_timeout_ms=wait_ms) as session:
                session.connection()  # BEGIN IMMEDIATE: takes the write lock, or waits
                return False
        except StorageBusy:
            return True

    def _replay_entry(self, entry: dict[str, Any]) -> None:
        result, info = entry_from_dict(entry)
        self._record(result, info or JourneyInfo(key=result.journey))

    def _record(self, result: RunResult, info: JourneyInfo) -> Recorded:
        """`_record_once`, again after a short pause when PostgreSQL rolled it back to break
        a deadlock with a concurrent write (StorageConflict once the pauses are spent)."""
        for pause in CONFLICT_PAUSES_S:
            try:
                return self._record_once(result, info)
            except StorageConflict as exc:
                log.info("result %s rolled back by a concurrent write, written again in %.2f s:"
                         " %s", result.run_id, pause, exc)
                time.sleep(pause)
        return self._record_once(result, info)

    def _record_once(self, result: RunResult, info: JourneyInfo) -> Recorded:
        now = self.clock()
        try:
            with self.db.transaction() as session:
                return runs.record_run(session, result, info, now)
        except sa_exc.IntegrityError as exc:
            self._raise_if_slot_taken(
                result.run_id, info.key, result.scheduled_at, result.attempt, exc, result.scope
            )
            try:
                with self.db.transaction() as session:  # lost a race creating a journey/device
                    return runs.record_run(session, result, info, now)
            except sa_exc.IntegrityError as again:
                raise _integrity(again) from again

    def _raise_if_slot_taken(
        self, run_id: str, journey: str, scheduled_at: datetime | None, attempt: int,
        exc: Exception, scope: str = "",
    ) -> None:
        if scheduled_at is None:
            return
        with self.db.transaction() as session:
            holder = session.scalars(
                select(RunRow.run_id).join(JourneyRow).where(
                    JourneyRow.key == journey, RunRow.scheduled_at == scheduled_at,
                    RunRow.attempt == attempt, RunRow.run_id != run_id, RunRow.scope == scope,
                )
            ).first()
        if holder is not None:
            where = f" from {scope}" if scope else ""
            raise DuplicateRun(
                f"journey {journey!r} already has run {holder} for {scheduled_at.isoformat()}"
                f" attempt {attempt}{where}"
            ) from exc

    def close_aborted_runs(self, host: str | None = None, robot_name: str | None = None) -> int:
        """Close open runs (of `host`, or all; of one robot of that host when named) as
        error/aborted: call it when a robot starts."""
        with self.db.transaction() as session:
            return runs.close_aborted_runs(session, self.clock(), host, robot_name)

    def runs(
        self,
        journey: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        *,
        device: str | None = None,
        include_open: bool = False,
        with_transactions: bool = True,
        limit: int | None = None,
        recorded_since: datetime | None = None,
    ) -> list[RunRecord]:
        """Finished runs started in [since, until), oldest first (`recorded_since`: only
        those stored at or after it)."""
        with self.db.read() as session:
            return queries.runs(
                session, journey=journey, since=since, until=until, device=device,
                include_open=include_open, with_transactions=with_transactions, limit=limit,
                recorded_since=recorded_since,
            )

    def recent_runs_per_journey(self, limit: int) -> dict[str, list[RunBrief]]:
        """Each journey's latest `limit` finished runs, oldest first, in one query."""
        with self.db.read() as session:
            return queries.recent_runs_per_journey(session, limit,
                                                   cellcache.cache_of(self.db).by_journey)

    def latest_runs(self, *, with_transactions: bool = True) -> list[RunRecord]:
        """The last finished run of each journey."""
        with self.db.read() as session:
            return queries.latest_runs(session, with_transactions=with_transactions)

    def get_run(self, run_id: str) -> RunDetail | None:
        with self.db.read() as session:
            return queries.get_run(session, run_id)

    def prune(self, older_than: timedelta, artifacts_dir: Path | None) -> PruneReport:
        return prune(self.db, before=self.clock() - older_than, artifacts_dir=artifacts_dir)

    def rebuild_totals(self) -> tuple[int, int, int, int]:
        """Recompute the figures kept at write time from the runs (`ronde db rebuild`); returns
        (runs, responses, availability rows, timing rows) written. Idempotent; robots recording
        meanwhile wait for it."""
        with self.db.transaction() as session:
            generations.bump_all(session)
            runs, responses = rollups.rebuild(session)
            return runs, responses, hourly.rebuild(session), timings.rebuild(session)

    # ---- a fleet on one PostgreSQL (storage.fleet) ------------------------------------

    @property
    def shared(self) -> bool:
        """Several robots may share this database (PostgreSQL); SQLite is one host's."""
        return self.db.backend == "postgresql"

    def claim_slot(self, journey: str, slot_at: datetime, scope: str, robot: str, *,
                   lock_timeout_ms: int | None = None) -> bool:
        return _fleet.claim_slot(self.db, journey=journey, slot_at=slot_at, scope=scope,
                                 robot=robot, now=self.clock(), lock_timeout_ms=lock_timeout_ms)

    def take_over_claims(self, dead: Collection[str], robot: str,
                         slots: Collection[tuple[str, str]], within: timedelta,
                         ) -> list[tuple[str, datetime, str]]:
        """The `dead` robots' claims (made within `within`) whose run never opened, for the
        (journey, scope) `slots` this robot runs: now this robot's (storage.fleet)."""
        now = self.clock()
        return _fleet.take_over_claims(self.db, dead=dead, robot=robot, slots=slots,
                                       since=now - within, now=now)

    def slot_claims(self, journey: str | None = None) -> list[tuple[str, datetime, str, str]]:
        return _fleet.claims(self.db, journey)

    def prune_claims(self, older_than: timedelta) -> int:
        return _fleet.prune_claims(self.db, self.clock() - older_than)

    def advisory_lock(self, name: str = _fleet.ALERTS_LOCK) -> _fleet.AdvisoryLock:
        return _fleet.AdvisoryLock(self.db, name)

    # ---- heartbeats -------------------------------------------------------------------

    def heartbeat_start(self, host: str, pid: int, version: str | None = None, *,
                        robot_name: str | None = None, location: str = "default") -> int:
        return _heartbeats.start(self.db, host=host, pid=pid, version=version, now=self.clock(),
                                 robot_name=robot_name, location=location)

    def heartbeat(
        self, heartbeat_id: int, *, flush: bool = True, lock_timeout_ms: int | None = None,
        devices: Sequence[str] | None = None, running: Sequence[str] | None = None,
    ) -> None:
        """Beat (with the robot's devices and journeys when given); and since the database
        answers, replay any spooled results now rather than waiting for the next run to be
        recorded (unless `flush=False`: the robot's writer thread does that)."""
        _heartbeats.beat(self.db, heartbeat_id, self.clock(), lock_timeout_ms=lock_timeout_ms,
                         devices=devices, running=running)
        if flush and self.spool.has_entries():
            try:
                self.flush_spool()
            except StorageError as exc:
                log.warning("spool not replayed yet: %s", exc)

    def heartbeat_stop(self, heartbeat_id: int) -> None:
        _heartbeats.stop(self.db, heartbeat_id, self.clock())

    def heartbeats(self, alive_within: timedelta | None = None) -> list[HeartbeatRecord]:
        since = None if alive_within is None else self.clock() - alive_within
        return _heartbeats.heartbeats(self.db, alive_since=since)

    # ---- incidents and notifications (storage.incidents) -------------------------------

    def open_incident(
        self, dedup_key: str, *, kind: str, rule: str, **fields: Any
    ) -> IncidentRecord:
        return _incidents.open_incident(
            self.db, dedup_key=dedup_key, kind=kind, rule=rule, now=self.clock(),
            redactor=self._redactor(), **fields,
        )

    def update_incident(self, incident_id: int, **fields: Any) -> IncidentRecord:
        return _incidents.update_incident(
            self.db, incident_id, now=self.clock(), redactor=self._redactor(), **fields
        )

    def acknowledge_incident(self, incident_id: int) -> IncidentRecord:
        return _incidents.acknowledge_incident(self.db, incident_id, self.clock())

    def resolve_incident(self, incident_id: int) -> IncidentRecord:
        return _incidents.resolve_incident(self.db, incident_id, self.clock())

    def get_incident(self, incident_id: int) -> IncidentRecord | None:
        return _incidents.get_incident(self.db, incident_id)

    def find_open_incident(self, dedup_key: str) -> IncidentRecord | None:
        return _incidents.find_open_incident(self.db, dedup_key)

    def open_incidents(
        self, *, kind: str | None = None, journey: str | None = None
    ) -> list[IncidentRecord]:
        return _incidents.open_incidents(self.db, kind=kind, journey=journey)

    def incidents(self, **filters: Any) -> list[IncidentRecord]:
        """See storage.incidents.incidents: states, kind, journey, since, limit."""
        return _incidents.incidents(self.db, **filters)

    def record_notification(
        self, incident_id: int | None, channel: str, kind: str, ok: bool, *,
        attempt: int = 1, error: str | None = None, sent_at: datetime | None = None,
    ) -> NotificationRecord:
        return _incidents.record_notification(
            self.db, incident_id=incident_id, channel=channel, kind=kind, ok=ok,
            sent_at=sent_at or self.clock(), attempt=attempt, error=error,
            redactor=self._redactor(),
        )

    def notifications(
        self, incident_id: int | None = None, channel: str | None = None
    ) -> list[NotificationRecord]:
        return _incidents.notifications(self.db, incident_id=incident_id, channel=channel)

    def _redactor(self) -> Redactor:
        """Masks the values of every secret named so far (config and journeys)."""
        return Redactor.for_secrets(self.secrets, self.environ)


def _integrity(exc: sa_exc.IntegrityError) -> StorageError:
    return StorageError(f"database refused the write: {str(exc.orig).strip().splitlines()[0]}")
