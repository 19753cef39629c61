"""The loop: APScheduler 3 drives the rounds; reload, heartbeat and alert ticks on the side.

`Robot` ties the parts together and owns the process's life: start-up recovery (close runs
left open by a crash, run the slot a restart still owes), graceful shutdown within a bound
(runs still going after it are recorded as `error`/`aborted`), and `--once`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from apscheduler.events import EVENT_JOB_MAX_INSTANCES, JobSubmissionEvent
from apscheduler.executors.pool import ThreadPoolExecutor as HousekeepingExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.util import undefined

from journeys.model import Journey
from journeys.results import RunResult, Status
from scheduler.catalog import Catalog, Reload
from scheduler.console import slowest
from scheduler.events import Event, Kind
from scheduler.fleet import Fleet
from scheduler.logs import SecretMask
from scheduler.recorder import StoreRecorder
from scheduler.rounds import RoundRunner
from scheduler.slot_executor import SlotExecutor
from scheduler.triggers import JourneyTrigger, trigger_for

log = logging.getLogger("ronde.scheduler")

_GRACE_SLACK_S = 5
_DEAD_AFTER = timedelta(minutes=2)  # a robot silent this long is presumed dead
_BEAT_LOCK_TIMEOUT_MS = 1_000  # a heartbeat never waits long on a locked database
_DRAIN_S = 10.0  # on the way out, how long the writer may take to store the last results
_PRUNE_CLAIMS_EVERY = 720  # beats (an hour at 5 s): forget slot claims older than a day
_KEEP_CLAIMS = timedelta(days=1)


@dataclass(slots=True)
class Options:
    every_override_ms: int | None = None  # tests and demos: rounds seconds apart
    grace_s: float = 30.0  # shutdown: how long running journeys may take to finish
    heartbeat_s: float = 5.0
    reload_s: float = 2.0
    alerts_tick_s: float = 30.0
    tz: tzinfo = field(default=UTC)
    max_workers: int | None = None  # slot threads; None: sized from the devices


def slot_workers(devices: int) -> int:
    """Slot threads for `devices` devices: one running round per device, one round waiting
    for a lease per device (it holds its thread while it waits), and a few spare so a round
    whose device is free never queues behind waiters. Threads start only when needed."""
    return 2 * max(devices, 1) + 8


class Robot:
    def __init__(
        self,
        *,
        catalog: Catalog,
        runner: RoundRunner,
        recorder: StoreRecorder,
        options: Options | None = None,
        alerts: Any = None,
        secrets: SecretMask | None = None,
        environ: dict[str, str] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        fleet: Fleet | None = None,
    ) -> None:
        self.catalog = catalog
        self.runner = runner
        self.recorder = recorder
        self.options = options or Options()
        self.alerts = alerts
        self.secrets = secrets
        self.environ = environ if environ is not None else dict(os.environ)
        self.clock = clock
        self.stop_requested = threading.Event()
        self.stop_reason = ""
        self.triggers: dict[str, JourneyTrigger] = {}
        self.load_failed = False  # --once: a journey file had errors, or none was found
        self._heartbeat_id: int | None = None
        self._scheduler: BackgroundScheduler | None = None
        self.fleet = fleet  # PostgreSQL: one of several robots (scheduler.fleet)
        self._beats = 0
        runner.fleet = fleet
        runner.interval = self._interval
        runner.bus.subscribe(_log_event)

    # -- around the clock -------------------------------------------------------------
    def start(self) -> None:
        """Recover, load the journeys, schedule them, and start the loop (non-blocking)."""
        store = self.recorder.store
        closed = self._close_aborted_runs(store)
        if closed:
            log.warning("closed %d run(s) left open by a previous robot as error/aborted",
                        closed, extra={"event": "aborted_runs_closed", "count": closed})
        self._heartbeat_id = store.heartbeat_start(
            self.recorder.host, os.getpid(), _version(), robot_name=self.recorder.robot_name,
            location=self.recorder.location)
        reload = self.catalog.load()
        self._report(reload)
        if not self.catalog.all():
            log.error("no valid journey to run in %s", ", ".join(map(str, self.catalog.paths)),
                      extra={"event": "no_journeys"})
        self._scheduler = BackgroundScheduler(
            executors={
                "default": SlotExecutor(self.options.max_workers
                                        or slot_workers(len(self.runner.pool.devices))),
                "housekeeping": HousekeepingExecutor(3),
            },
            job_defaults={"coalesce": True, "max_instances": 1},
            timezone=self.options.tz,
        )
        self._scheduler.add_listener(self._overrun, EVENT_JOB_MAX_INSTANCES)
        last = self._last_slots()
        for journey in self.catalog.all():
            self._schedule(journey, last.get(journey.id))
        self._join_fleet()
        o = self.options
        self._scheduler.add_job(self._beat, "interval", seconds=o.heartbeat_s, id="~heartbeat",
                                executor="housekeeping", misfire_grace_time=None)
        self._scheduler.add_job(self._reload, "interval", seconds=o.reload_s, id="~reload",
                                executor="housekeeping", misfire_grace_time=None)
        if self.alerts is not None:
            self._scheduler.add_job(self._alerts_tick, "interval", seconds=o.alerts_tick_s,
                                    id="~alerts", executor="housekeeping",
                                    misfire_grace_time=None)
        self._scheduler.start()
        log.info("robot started: %d journey(s), %d device(s)", len(self.catalog.all()),
                 len(self.runner.pool.devices), extra={"event": "robot_started"})

    def wait(self, timeout_s: float | None = None,
             tick: Callable[[], None] | None = None) -> None:
        """Block until a stop is requested (or `timeout_s` passes: `ronde demo --minutes`);
        `tick` runs about twice a second in this (the main) thread: the live console."""
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        while not self.stop_requested.is_set():
            left = 0.5 if deadline is None else min(0.5, deadline - time.monotonic())
            if left <= 0:
                self.request_stop("time is up")
                break
            self.stop_requested.wait(left)
            if tick is not None:
                try:
                    tick()
                except Exception as exc:  # the console is a view: never fatal
                    log.debug("live console: %s", exc)

    def request_stop(self, reason: str) -> None:
        if not self.stop_requested.is_set():
            self.stop_reason = reason
            log.info("stopping (%s): finishing running journeys within %.0fs", reason,
                     self.options.grace_s, extra={"event": "robot_stopping"})
        self.stop_requested.set()

    def shutdown(self) -> list[RunResult]:
        """Stop scheduling, let running journeys finish within the grace, abort the rest."""
        self.runner.stopping.set()
        self.runner.pool.close()
        if self._scheduler is not None and self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        began = time.monotonic()
        # The grace is re-read on each turn: a second Ctrl-C sets it to 0 (abort now).
        while self.runner.busy() and time.monotonic() < began + self.options.grace_s:
            time.sleep(0.1)
        aborted = self.runner.abort_running(
            f"robot stopped ({self.stop_reason or 'shutdown'}) before the run finished"
        )
        for result in aborted:
            log.error("aborted %s on %s: still running after %.0fs", result.journey,
                      result.device, self.options.grace_s,
                      extra={"event": "run_aborted", "journey": result.journey,
                             "device": result.device, "run_id": result.run_id})
        self.recorder.close(_DRAIN_S)  # before the alerts close: stored results alert
        if self._heartbeat_id is not None:
            _quietly(self.recorder.store.heartbeat_stop, self._heartbeat_id)
        if self.alerts is not None and hasattr(self.alerts, "close"):
            _quietly(self.alerts.close)
        log.info("robot stopped", extra={"event": "robot_stopped"})
        return aborted

    # -- once -------------------------------------------------------------------------
    def run_once(self) -> list[RunResult]:
        """Each journey once (now), confirmations included; journeys outside their active
        hours are skipped. Returns every attempt's result."""
        reload = self.catalog.load()
        self._report(reload)
        self.load_failed = bool(reload.problems) or not self.catalog.all()
        if not self.catalog.all():
            log.error("no valid journey to run in %s", ", ".join(map(str, self.catalog.paths)),
                      extra={"event": "no_journeys"})
        now = self.clock()
        slot = now.replace(microsecond=0)
        due = []
        for journey in self.catalog.all():
            trigger = trigger_for(journey.monitor, tz=self.options.tz,
                                  every_override_ms=self.options.every_override_ms)
            hours = trigger.active_hours
            if hours is not None and not hours.contains(now.astimezone(self.options.tz)):
                log.info("skipped %s: outside its active hours (%s)", journey.id, hours.text,
                         extra={"event": "run_skipped", "journey": journey.id})
                continue
            due.append(journey)
        results: list[RunResult] = []
        if due:
            with ThreadPoolExecutor(max_workers=len(due), thread_name_prefix="once") as pool:
                futures = [pool.submit(self.runner.run_round, j.id, slot) for j in due]
                for future in futures:
                    results.extend(future.result())
        self.recorder.close(_DRAIN_S)
        if self.alerts is not None and hasattr(self.alerts, "close"):
            _quietly(self.alerts.close)  # lets queued notifications go out before exiting
        return results

    # -- scheduling -------------------------------------------------------------------
    def next_runs(self) -> dict[str, datetime | None]:
        if self._scheduler is None:
            return {}
        return {j.id: j.next_run_time for j in self._scheduler.get_jobs()
                if not j.id.startswith("~")}

    def _schedule(self, journey: Journey, last_slot: datetime | None, *,
                  catch_up: bool = True) -> None:
        assert self._scheduler is not None
        if self.fleet is not None and not self.fleet.schedules(journey):
            self._unschedule(journey.id)
            log.info("%s: watched from %s, not from here (%s)", journey.id,
                     ", ".join(journey.monitor.locations), self.fleet.location,
                     extra={"event": "journey_elsewhere", "journey": journey.id})
            return
        try:
            trigger = trigger_for(journey.monitor, tz=self.options.tz,
                                  every_override_ms=self.options.every_override_ms)
        except ValueError as exc:
            log.error("%s: not scheduled: %s", journey.path, exc,
                      extra={"event": "journey_invalid", "journey": journey.id})
            return
        self.triggers[journey.id] = trigger
        now = self.clock()
        # A restart (or a new journey) runs the latest slot it owes, within one interval.
        owed = trigger.last_fire_time(now, last_slot) if catch_up else None
        if owed is not None and _next_slot_stands_in(trigger, journey, now):
            log.info("%s: slot %s not caught up, its next slot comes before that round could "
                     "end", journey.id, owed.isoformat(),
                     extra={"event": "catch_up_skipped", "journey": journey.id,
                            "scheduled_at": owed.isoformat()})
            owed = None
        # Misfire grace: one interval (the owed slot is chosen within one interval of now),
        # plus a little slack for start-up so that slot is not missed on its way to a thread.
        grace = max(1, int(trigger.interval.total_seconds())) + _GRACE_SLACK_S
        self._scheduler.add_job(
            self.runner.run_round, trigger=trigger, args=[journey.id], id=journey.id,
            name=journey.id, replace_existing=True, misfire_grace_time=grace,
            next_run_time=owed if owed is not None else undefined,
        )
        if not self.runner.pool.candidates(journey.monitor.devices, journey.platform):
            log.error("%s: no configured device can run it (devices: %s)", journey.id,
                      list(journey.monitor.devices) or "any",
                      extra={"event": "no_matching_device", "journey": journey.id})
        self.runner.bus.emit(Event(Kind.SCHEDULED, journey.id, message=str(trigger)))

    def _reload(self) -> None:
        try:
            reload = self.catalog.poll()
        except Exception as exc:
            log.error("reloading journeys failed: %s", exc, extra={"event": "reload_failed"})
            return
        if reload is None or self._scheduler is None:
            return
        self._report(reload)
        last = self._last_slots() if reload.added else {}
        for jid in reload.removed:
            self._unschedule(jid)
        for jid in reload.added:
            journey = self.catalog.get(jid)
            if journey is not None:
                self._schedule(journey, last.get(jid))
        for jid in reload.changed:
            journey = self.catalog.get(jid)
            if journey is None:
                continue
            new = trigger_for(journey.monitor, tz=self.options.tz,
                              every_override_ms=self.options.every_override_ms)
            old = self.triggers.get(jid)
            if old is None or str(old) != str(new) or self.fleet is not None:
                self._schedule(journey, None, catch_up=False)
        self._join_fleet()

    def _unschedule(self, jid: str) -> None:
        if self.triggers.pop(jid, None) is None:
            return
        if self._scheduler is not None:
            with contextlib.suppress(JobLookupError):
                self._scheduler.remove_job(jid)
        self.runner.bus.emit(Event(Kind.UNSCHEDULED, jid))

    def _interval(self, journey: Journey) -> timedelta | None:
        trigger = self.triggers.get(journey.id)
        return trigger.interval if trigger is not None else None

    def _join_fleet(self) -> None:
        """Tell the fleet which journeys this robot watches, and see who else is live."""
        if self.fleet is None:
            return
        self.fleet.watching(self._watched())
        try:
            self.fleet.refresh()
        except Exception as exc:
            log.warning("could not read the fleet's heartbeats: %s", exc)

    def _watched(self) -> list[str]:
        """The journeys this robot schedules and has a device for."""
        out = []
        for jid in sorted(self.triggers):
            journey = self.catalog.get(jid)
            if journey is not None and self.runner.pool.candidates(journey.monitor.devices,
                                                                   journey.platform):
                out.append(jid)
        return out

    def _report(self, reload: Reload) -> None:
        """Say what changed, and say bad files loudly, on every change until they are fixed."""
        self._update_secrets()
        for problem in reload.problems:
            log.error("journey file error: %s", problem,
                      extra={"event": "journey_invalid", "problem": str(problem)})
        for jid in reload.kept:
            journey = self.catalog.get(jid)
            log.error("%s has errors: its last good version keeps running until it is fixed",
                      journey.path if journey else jid,
                      extra={"event": "journey_kept", "journey": jid})
        for name, ids in (("added", reload.added), ("changed", reload.changed),
                          ("removed", reload.removed)):
            for jid in ids:
                log.info("journey %s: %s", name, jid,
                         extra={"event": f"journey_{name}", "journey": jid})
        if self.alerts is not None and hasattr(self.alerts, "set_journeys"):
            _quietly(self.alerts.set_journeys, self.catalog.all())

    def _update_secrets(self) -> None:
        if self.secrets is None:
            return
        names = {s for j in self.catalog.all() for s in j.monitor.secrets}
        self.secrets.update(self.environ.get(n, "") for n in names)

    def _last_slots(self) -> dict[str, datetime]:
        try:
            return self.recorder.last_slots()
        except Exception as exc:
            log.warning("could not read the last runs (no catch-up this time): %s", exc,
                        extra={"event": "recovery_failed"})
            return {}

    def _overrun(self, event: JobSubmissionEvent) -> None:
        if event.job_id.startswith("~"):
            return  # housekeeping (heartbeat, reload, alerts): not a journey's slot
        slot = event.scheduled_run_times[-1] if event.scheduled_run_times else None
        log.warning("%s: slot %s skipped, its previous round is still running (the journey "
                    "takes longer than its interval, or waits for a device)", event.job_id,
                    _iso(slot), extra={"event": "slot_skipped_overrun",
                                       "journey": event.job_id, "scheduled_at": _iso(slot)})

    def _close_aborted_runs(self, store: Any) -> int:
        """Runs left open by this host's previous robot, and by robots elsewhere that stopped
        beating (a container re-created under a new host name must not leave runs open).
        A live robot's runs on another host are left alone."""
        # in a fleet several robots may share a host: only this robot's own runs
        mine = self.recorder.robot_name if self.fleet is not None else None
        closed = (store.close_aborted_runs(host=self.recorder.host, robot_name=mine)
                  if mine else store.close_aborted_runs(host=self.recorder.host))
        try:
            beats = store.heartbeats()
            alive = {b.host for b in store.heartbeats(alive_within=_DEAD_AFTER)}
        except Exception as exc:
            log.warning("could not read heartbeats: %s", exc)
            return closed
        for host in {b.host for b in beats} - alive - {self.recorder.host}:
            closed += store.close_aborted_runs(host=host)
        return closed

    def _beat(self) -> None:
        """Beat, never waiting long: a busy database is the writer's to report (once)."""
        from storage.errors import StorageUnavailable

        if self._heartbeat_id is None:
            return
        try:
            self.recorder.store.heartbeat(
                self._heartbeat_id, flush=False, lock_timeout_ms=_BEAT_LOCK_TIMEOUT_MS,
                devices=[d.name for d in self.runner.pool.devices], running=self._watched())
        except StorageUnavailable as exc:
            log.debug("heartbeat not stored: %s", exc)
        except Exception as exc:
            log.warning("heartbeat failed: %s", exc)
        if self.fleet is None:
            return
        self._beats += 1
        try:
            self.fleet.refresh()
            if self._beats % _PRUNE_CLAIMS_EVERY == 1:
                self.recorder.store.prune_claims(_KEEP_CLAIMS)
            self._take_over_orphans()
        except Exception as exc:
            log.debug("fleet not refreshed: %s", exc)

    def _take_over_orphans(self) -> None:
        """Run late the slots a dead robot claimed and never opened (scheduler.fleet)."""
        assert self.fleet is not None
        if self._scheduler is None or self.runner.stopping.is_set():
            return
        mine = [(j.id, self.fleet.scope(j)) for j in self.catalog.all()
                if self.fleet.schedules(j)
                and self.runner.pool.candidates(j.monitor.devices, j.platform)]
        for journey, slot, _scope in self.fleet.take_over(mine, self.clock()):
            self._scheduler.add_job(
                self._late_round, args=[journey, slot], id=f"~late:{journey}:{slot.isoformat()}",
                name=journey, replace_existing=True, misfire_grace_time=None)

    def _late_round(self, journey_id: str, slot: datetime,
                    scheduled_at: datetime | None = None) -> list[RunResult]:
        """A taken-over slot: recorded under its own time, not the time it actually runs."""
        return self.runner.run_round(journey_id, slot)

    def _alerts_tick(self) -> None:
        from storage.errors import StorageUnavailable

        try:
            self.alerts.tick()
        except StorageUnavailable as exc:  # the rules read again at the next tick
            log.warning("alert rules not evaluated this time: %s", exc,
                        extra={"event": "alerts_skipped"})
        except Exception as exc:  # a broken alert path never stops the rounds
            log.error("alerts tick failed: %s", exc, extra={"event": "alerts_failed"})


def _next_slot_stands_in(trigger: JourneyTrigger, journey: Journey, now: datetime) -> bool:
    """Whether the next slot comes before a catch-up round could end (within the journey's
    timeout, at most half an interval): it would only be skipped as an overrun of the
    catch-up (`slot_skipped_overrun`), so the next slot runs instead, on time."""
    upcoming = trigger.get_next_fire_time(None, now)
    if upcoming is None:
        return False
    lead = min(trigger.interval / 2, timedelta(milliseconds=journey.monitor.timeout_ms))
    return upcoming - now < lead


def exit_code(results: list[RunResult], load_failed: bool = False) -> int:
    """`--once`: 0 when each journey's last attempt passed or was degraded, else 1; 2 when a
    journey file had errors or no journey was found (bad input, as `ronde run`), so a cron
    job or CI step never reports success while a journey was not checked."""
    if load_failed:
        return 2
    final: dict[str, RunResult] = {}
    for result in results:
        final[result.journey] = result
    bad = [r for r in final.values() if r.status in (Status.FAILED, Status.ERROR)]
    return 1 if bad else 0


def _log_event(event: Event) -> None:
    if event.kind == Kind.STARTED:
        log.info("→ %s on %s (attempt %d)", event.journey, event.device, event.attempt,
                 extra={"event": "run_started", "journey": event.journey,
                        "device": event.device, "attempt": event.attempt,
                        "scheduled_at": _iso(event.scheduled_at)})
    elif event.kind == Kind.FINISHED and event.result is not None:
        r = event.result
        level = {Status.FAILED: logging.WARNING, Status.ERROR: logging.ERROR}.get(
            r.status, logging.INFO)
        what = str(r.status) + (f"/{r.category}" if r.category else "")
        detail = f" — slowest {slowest(r)}" if slowest(r) else ""
        if r.error:
            detail += f" — {r.error.splitlines()[0][:160]}"
        confirm = f" (confirmation {r.attempt})" if r.attempt > 1 else ""
        log.log(level, "%s %s on %s in %.1fs%s%s", r.journey, what, r.device or "-",
                r.duration_ms / 1000, confirm, detail,
                extra={"event": "run_finished", "journey": r.journey, "device": r.device,
                       "status": str(r.status), "category": str(r.category or ""),
                       "attempt": r.attempt, "confirms": r.confirms or "",
                       "run_id": r.run_id, "scheduled_at": _iso(r.scheduled_at),
                       "duration_ms": round(r.duration_ms, 1)})


def _iso(when: datetime | None) -> str:
    return when.isoformat() if when else ""


def _quietly(fn: Callable[..., Any], *args: Any) -> None:
    try:
        fn(*args)
    except Exception as exc:
        log.warning("%s failed: %s", getattr(fn, "__name__", fn), exc)


def _version() -> str:
    from robots.version import VERSION

    return f"ronde {VERSION} on {socket.gethostname()}"


__all__ = ["Options", "Robot", "exit_code", "slot_workers"]
