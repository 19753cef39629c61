"""One round of one journey: maintenance check, device lease, run, confirmation, record, alert.

This is the body of every scheduled job (and of `ronde start --once`). It never raises for
a journey's or a device's trouble: every outcome becomes a stored `RunResult`. The robot
function, the clock and the store are injected so tests drive a round with fakes.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import traceback
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from journeys.model import Journey
from journeys.results import Category, RunResult, Status
from robots.devices import DeviceSpec
from scheduler.events import Event, EventBus, Kind
from scheduler.maintenance import active_windows
from scheduler.pool import DevicePool, Lease

log = logging.getLogger("ronde.scheduler.rounds")

_NAMESPACE = uuid.UUID("5f0b7c3e-4a52-4d1c-9d0e-6b1f2a7c8e90")

RunFunction = Callable[..., RunResult]
"""`robots.runner.run_journey`'s shape: (journey, device, *, appium_url, artifacts_dir,
environ, attempt, confirms, scheduled_at, run_id) -> RunResult."""


class Recorder(Protocol):
    """Where rounds put their runs (scheduler.recorder.StoreRecorder in production)."""

    def start_run(
        self, run_id: str, journey: Journey, device: str, scheduled_at: datetime | None,
        attempt: int, confirms: str | None, *, scope: str = "",
    ) -> bool: ...

    def record_run(
        self, result: RunResult, journey: Journey,
        then: Callable[[RunResult], None] | None = None,
    ) -> None:
        """Keep the result (durably, at once) and store it; `then(result)` runs once it is
        stored, possibly later and from another thread."""


class AfterRun(Protocol):
    def __call__(self, result: RunResult) -> None: ...


AfterRuns = Callable[[list[RunResult]], Any]


@runtime_checkable
class ServerHealth(Protocol):
    """An Appium server Ronde runs itself (emulators.appium_watch.AppiumSupervisor)."""

    def outage(self, *, probe: bool = False) -> str | None:
        """Why it cannot take sessions now; None when it is up. `probe`: look harder (a run
        just failed on it)."""

    def epoch(self) -> int:
        """Grows at every outage: a run that spans a change lost its server midway."""


def slot_run_id(journey: str, scheduled_at: datetime, attempt: int, scope: str = "") -> str:
    """A run's id derived from its slot (and location scope, for a journey watched from
    several), so a slot replayed after a restart is the same run."""
    key = f"{journey}|{scheduled_at.astimezone(UTC).isoformat()}|{attempt}"
    if scope:
        key += f"|{scope}"
    return uuid.uuid5(_NAMESPACE, key).hex


@dataclass(frozen=True, slots=True)
class Running:
    """A run in flight: what shutdown needs to record it as aborted."""

    run_id: str
    journey: Journey
    device: str
    scheduled_at: datetime
    attempt: int
    confirms: str | None
    started_at: datetime
    scope: str = ""


class SlotClaims(Protocol):
    """The fleet's say on a slot (scheduler.fleet.Fleet); None on a single host."""

    def schedules(self, journey: Journey) -> bool: ...

    def scope(self, journey: Journey) -> str: ...

    def claim(self, journey: Journey, slot: datetime, interval: timedelta | None,
              stopping: threading.Event, *, degraded: bool = False) -> bool: ...


class RoundRunner:
    def __init__(
        self,
        *,
        journeys: Callable[[str], Journey | None],
        pool: DevicePool,
        recorder: Recorder,
        run: RunFunction,
        artifacts_dir: Path,
        appium_url: Callable[[DeviceSpec], str | None] = lambda d: d.appium_url,
        environ: Mapping[str, str] | None = None,
        maintenance: Iterable[Any] = (),
        bus: EventBus | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        lease_wait_s: Callable[[Journey], float] | None = None,
        after_run: AfterRun | None = None,
        after_runs: AfterRuns | None = None,
        confirm_wait_s: float = 15.0,
        server_health: Callable[[DeviceSpec], ServerHealth | None] = lambda d: None,
        robot: tuple[str, str] | None = None,
        fleet: SlotClaims | None = None,
    ) -> None:
        self._journeys = journeys
        self.pool = pool
        self._recorder = recorder
        self._run = run
        self._artifacts_dir = artifacts_dir
        self._appium_url = appium_url
        self._environ = environ if environ is not None else os.environ
        self.maintenance = list(maintenance)
        self.bus = bus or EventBus()
        self._clock = clock
        self._lease_wait_s = lease_wait_s or _default_lease_wait
        self._after_run = after_run
        self._after_runs = after_runs  # the same, for results stored together (one evaluation)
        self._then = _AfterStored(self)
        self._server_health = server_health
        # A confirmation waits this long for another device before re-using the same one.
        self._confirm_wait_s = confirm_wait_s
        self.stopping = threading.Event()
        self._running: dict[str, Running] = {}
        self._active = 0  # rounds in progress, waiting for a device included
        self._lock = threading.Lock()
        self._host = socket.gethostname()
        # (name, location) recorded on every run; in a fleet, `fleet` says whose slot it is
        self.robot_name, self.location = robot or (self._host, "default")
        self.fleet = fleet
        self.interval: Callable[[Journey], timedelta | None] = _every

    # -- the round --------------------------------------------------------------------
    def run_round(self, journey_id: str, scheduled_at: datetime | None = None) -> list[RunResult]:
        """Run one slot of a journey: its first attempt and, if it failed, its confirmations."""
        with self._lock:
            self._active += 1
        try:
            return self._round(journey_id, scheduled_at)
        finally:
            with self._lock:
                self._active -= 1

    def _round(self, journey_id: str, scheduled_at: datetime | None) -> list[RunResult]:
        journey = self._journeys(journey_id)
        if journey is None or self.stopping.is_set():
            return []
        now = self._clock()
        slot = scheduled_at or now
        windows = active_windows(self.maintenance, journey, None, now)
        if windows:
            self._skip(journey, slot, f"maintenance window {_names(windows)}")
            return []
        scope = ""
        if self.fleet is not None:
            if not self._ours(journey, slot):
                return []
            scope = self.fleet.scope(journey)
        results: list[RunResult] = []
        first_id: str | None = None
        used: list[str] = []
        for attempt in range(1, journey.monitor.retries + 2):
            if self.stopping.is_set():
                break
            result = self._attempt(journey, slot, attempt, first_id, used, scope)
            if result is None:
                break
            results.append(result)
            first_id = first_id or result.run_id
            if result.device:
                used.append(result.device)
            if result.status != Status.FAILED:
                break
        return results

    def _ours(self, journey: Journey, slot: datetime) -> bool:
        """In a fleet: this robot can run the journey and its claim on the slot landed."""
        assert self.fleet is not None
        candidates = self.pool.candidates(journey.monitor.devices, journey.platform)
        if not self.fleet.schedules(journey) or not candidates:
            return False  # another location's, or no device here: the others' to claim
        degraded = all(self.pool.quarantined(d.name) for d in candidates)
        if self.fleet.claim(journey, slot, self.interval(journey), self.stopping,
                            degraded=degraded):
            return True
        log.debug("%s (slot %s): another robot runs it", journey.id, slot.isoformat(),
                  extra={"event": "slot_claimed_elsewhere", "journey": journey.id})
        return False

    def _attempt(
        self, journey: Journey, slot: datetime, attempt: int, confirms: str | None,
        used: list[str], scope: str = "",
    ) -> RunResult | None:
        run_id = slot_run_id(journey.id, slot, attempt, scope)
        now = self._clock()
        outcome = self.pool.lease(
            journey.id,
            journey.monitor.devices,
            journey.platform,
            timeout_s=self._lease_wait_s(journey),
            avoid=used,
            prefer_wait_s=self._confirm_wait_s if used else 0.0,
            exclude=lambda d: bool(active_windows(self.maintenance, journey, d, now)),
        )
        if outcome.lease is None:
            if outcome.excluded_only:
                self._skip(journey, slot, f"maintenance: {outcome.reason}")
                return None
            if self.stopping.is_set():
                return None
            result = self._error(
                journey, "", slot, attempt, confirms, run_id, Category.NO_DEVICE, outcome.reason,
                scope=scope,
            )
            self._store(result, journey)
            return result
        return self._on_device(journey, outcome.lease, slot, attempt, confirms, run_id, scope)

    def _on_device(
        self, journey: Journey, lease: Lease, slot: datetime, attempt: int,
        confirms: str | None, run_id: str, scope: str = "",
    ) -> RunResult | None:
        device = lease.device
        status: Status | None = None
        category: Category | None = None
        try:
            started = self._clock()
            with self._lock:  # registered before the run opens: shutdown can always abort it
                self._running[run_id] = Running(
                    run_id, journey, device.name, slot, attempt, confirms, started, scope
                )
            if not self._safe_start(run_id, journey, device.name, slot, attempt, confirms,
                                    scope):
                with self._lock:
                    self._running.pop(run_id, None)
                self._skip(journey, slot, "already run (same slot and attempt in the database)")
                return None
            self.bus.emit(Event(Kind.STARTED, journey.id, device.name, started, slot, attempt))
            result = self._guarded_run(journey, device, slot, attempt, confirms, run_id)
            result = replace(
                result, run_id=run_id, attempt=attempt, confirms=confirms, scheduled_at=slot,
                robot_host=result.robot_host or self._host, robot_name=self.robot_name,
                location=self.location, scope=scope,
            )
            status, category = result.status, result.category
            with self._lock:
                still_ours = self._running.pop(run_id, None) is not None
            if still_ours:  # shutdown may have recorded it as aborted already
                self._store(result, journey)
            return result
        finally:
            self.pool.release(lease, status, category)

    def _guarded_run(
        self, journey: Journey, device: DeviceSpec, slot: datetime, attempt: int,
        confirms: str | None, run_id: str,
    ) -> RunResult:
        """The robot's run, unless the Appium server Ronde runs is down: then, and when it
        went down during the run, the run is the robot's `error`, never the app's failure."""
        health = self._server_health(device)
        if health is None:
            return self._call_robot(journey, device, slot, attempt, confirms, run_id)
        down = health.outage()
        if down is not None:
            return self._error(journey, device.name, slot, attempt, confirms, run_id,
                               Category.APPIUM_DOWN, down)
        epoch = health.epoch()
        result = self._call_robot(journey, device, slot, attempt, confirms, run_id)
        if result.status not in (Status.FAILED, Status.ERROR):
            return result
        down = health.outage(probe=True)
        if down is None and health.epoch() == epoch:
            return result
        lost = down or "Ronde's Appium server went down and came back during the run"
        transactions = tuple(
            replace(t, status=Status.ERROR, category=Category.APPIUM_DOWN)
            if t.status is Status.FAILED else t for t in result.transactions)
        return replace(result, status=Status.ERROR, category=Category.APPIUM_DOWN,
                       transactions=transactions,
                       error=f"{lost}; the run saw: {result.error or result.status}")

    def _call_robot(
        self, journey: Journey, device: DeviceSpec, slot: datetime, attempt: int,
        confirms: str | None, run_id: str,
    ) -> RunResult:
        try:
            return self._run(
                journey,
                device,
                appium_url=self._appium_url(device),
                artifacts_dir=self._artifacts_dir,
                environ=self._environ,
                attempt=attempt,
                confirms=confirms,
                scheduled_at=slot,
                run_id=run_id,
            )
        except Exception as exc:  # the robot promises not to raise; a bug must not stop rounds
            log.error("robot raised on %s/%s: %s", journey.id, device.name, exc,
                      extra={"event": "robot_bug", "journey": journey.id, "device": device.name,
                             "traceback": traceback.format_exc(limit=8)})
            return self._error(
                journey, device.name, slot, attempt, confirms, run_id, Category.ROBOT,
                f"robot bug: {type(exc).__name__}: {exc}",
            )

    # -- shutdown -------------------------------------------------------------------------
    def running(self) -> list[Running]:
        with self._lock:
            return list(self._running.values())

    def busy(self) -> bool:
        """Any round in progress (running, or waiting for a device)."""
        with self._lock:
            return self._active > 0

    def abort_running(self, reason: str) -> list[RunResult]:
        """Record every run still in flight as `error`/`aborted` (shutdown past its bound)."""
        with self._lock:
            running, self._running = list(self._running.values()), {}
        results = []
        for r in running:
            result = self._error(
                r.journey, r.device, r.scheduled_at, r.attempt, r.confirms, r.run_id,
                Category.ABORTED, reason, started_at=r.started_at, scope=r.scope,
            )
            self._store(result, r.journey)
            results.append(result)
        return results

    # -- helpers --------------------------------------------------------------------------
    def _store(self, result: RunResult, journey: Journey) -> None:
        wanted = self._after_run is not None or self._after_runs is not None
        then = self._then if wanted else None
        try:
            self._recorder.record_run(result, journey, then)
        except Exception as exc:
            log.error("could not record run %s of %s: %s", result.run_id, journey.id, exc,
                      extra={"event": "record_failed", "journey": journey.id})
        self.bus.emit(Event(
            Kind.FINISHED, journey.id, result.device, result.ended_at, result.scheduled_at,
            result.attempt, result,
        ))

    def _alerts(self, results: list[RunResult]) -> None:
        """After the results are stored (the recorder's writer thread calls this)."""
        if self._after_runs is not None:
            self._guarded(self._after_runs, results, results[-1])
        elif self._after_run is not None:
            for result in results:
                self._guarded(self._after_run, result, result)

    def _guarded(self, call: Callable[[Any], Any], arg: Any, about: RunResult) -> None:
        try:
            call(arg)
        except Exception as exc:  # a broken alert path never stops the rounds
            log.error("alerts failed after run %s: %s", about.run_id, exc,
                      extra={"event": "alerts_failed", "journey": about.journey,
                             "traceback": traceback.format_exc(limit=8)})

    def _safe_start(self, run_id: str, journey: Journey, device: str, slot: datetime,
                    attempt: int, confirms: str | None, scope: str = "") -> bool:
        try:
            if scope:
                return self._recorder.start_run(run_id, journey, device, slot, attempt,
                                                confirms, scope=scope)
            return self._recorder.start_run(run_id, journey, device, slot, attempt, confirms)
        except Exception as exc:  # a DB hiccup must not lose the run: record_run spools it
            log.warning("could not open run %s of %s: %s", run_id, journey.id, exc,
                        extra={"event": "start_run_failed", "journey": journey.id})
            return True

    def _skip(self, journey: Journey, slot: datetime, why: str) -> None:
        log.info("skipped %s (slot %s): %s", journey.id, slot.isoformat(), why,
                 extra={"event": "run_skipped", "journey": journey.id,
                        "scheduled_at": slot.isoformat()})
        self.bus.emit(Event(Kind.SKIPPED, journey.id, "", self._clock(), slot, message=why))

    def _error(
        self, journey: Journey, device: str, slot: datetime, attempt: int,
        confirms: str | None, run_id: str, category: Category, message: str,
        started_at: datetime | None = None, scope: str = "",
    ) -> RunResult:
        ended = self._clock()
        started = started_at or ended
        return RunResult(
            journey=journey.id,
            device=device,
            status=Status.ERROR,
            category=category,
            started_at=started,
            ended_at=ended,
            duration_ms=max((ended - started) / timedelta(milliseconds=1), 0.0),
            error=message,
            attempt=attempt,
            confirms=confirms,
            run_id=run_id,
            journey_hash=journey.definition_hash,
            platform=str(journey.platform),
            robot_host=self._host,
            scheduled_at=slot,
            robot_name=self.robot_name,
            location=self.location,
            scope=scope,
        )


class _AfterStored:
    """The `then` handed to the recorder: one result, or several stored together."""

    def __init__(self, runner: RoundRunner) -> None:
        self._runner = runner

    def __call__(self, result: RunResult) -> None:
        self._runner._alerts([result])

    def many(self, results: list[RunResult]) -> None:
        self._runner._alerts(results)


def _default_lease_wait(journey: Journey) -> float:
    """Wait for a device at most the journey's timeout, and never past its next slot."""
    wait = journey.monitor.timeout_ms / 1000
    if journey.monitor.every_ms:
        wait = min(wait, journey.monitor.every_ms / 1000)
    return max(wait, 1.0)


def _every(journey: Journey) -> timedelta | None:
    """A journey's interval as its header says (the robot gives its triggers' instead)."""
    every = journey.monitor.every_ms
    return timedelta(milliseconds=every) if every and journey.monitor.cron is None else None


def _names(windows: list[Any]) -> str:
    return ", ".join(str(getattr(w, "name", "?")) for w in windows)
