"""This robot's place in a fleet of robots sharing one PostgreSQL.

Every robot schedules every journey it can run; for each slot, the robot that rendezvous
hashing prefers among the live ones (by heartbeat) claims it at once, the others after a
short grace (min(interval / 4, 10 s)). A claim is a row keyed by (journey, slot, scope) that
only one robot can insert (storage.fleet), so each slot runs exactly once fleet-wide, or
once per location for a journey with `monitor.locations`, and a dead robot's slots are taken
by the next robot within the grace. A robot that dies between claiming a slot and opening
its run leaves an orphaned claim: once its heartbeat falls silent (the silent-robot rule's
own test), a live robot takes the claim over and runs the slot late, stored under its own
time, so no slot is lost. No extra service: the database the fleet already writes
to is the coordinator. Alert rules are evaluated by the one robot holding an advisory lock
(`AlertGate`); when its connection dies, the next robot to ask gets it.

SQLite means one host: no `Fleet`, nothing here runs, behaviour is unchanged.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from journeys.model import Journey

log = logging.getLogger("ronde.scheduler.fleet")

GRACE_CAP_S = 10.0
BEATS_MISSED = 3  # a robot silent for more than this many beats is no longer live
SILENT_MIN = timedelta(seconds=15)  # ... and only pages someone after this long, at least
CLAIM_LOCK_TIMEOUT_MS = 2_000
ORPHANS_WITHIN = timedelta(minutes=10)  # an orphaned slot older than this is history


@dataclass(frozen=True, slots=True)
class Member:
    """A robot of the fleet as its heartbeat says: who, where, and what it watches."""

    name: str
    location: str = "default"
    journeys: tuple[str, ...] = ()


class FleetStore(Protocol):
    def claim_slot(self, journey: str, slot_at: datetime, scope: str, robot: str, *,
                   lock_timeout_ms: int | None = None) -> bool: ...

    def heartbeats(self, alive_within: timedelta | None = None) -> list[Any]: ...

    def take_over_claims(self, dead: Collection[str], robot: str,
                         slots: Collection[tuple[str, str]], within: timedelta,
                         ) -> list[tuple[str, datetime, str]]: ...


def preferred(journey: str, scope: str, members: Iterable[Member]) -> str | None:
    """Rendezvous (highest random weight) hashing: the robot that should run this journey's
    slots. Stable while the fleet is; a robot leaving moves only its own journeys."""
    best: tuple[bytes, str] | None = None
    for m in members:
        if scope and m.location != scope:
            continue
        if m.journeys and journey not in m.journeys:
            continue
        weight = hashlib.sha256(f"{journey}|{scope}|{m.name}".encode()).digest()
        if best is None or (weight, m.name) > best:
            best = (weight, m.name)
    return best[1] if best else None


def grace_s(interval: timedelta | None) -> float:
    """How long a robot that is not preferred waits before claiming a slot itself."""
    if interval is None or interval <= timedelta(0):
        return GRACE_CAP_S
    return min(interval.total_seconds() / 4, GRACE_CAP_S)


class Fleet:
    """This robot's view of the fleet: who is live, which slots are its to run."""

    def __init__(self, store: FleetStore, name: str, location: str, *,
                 beat_s: float = 5.0, silent_min: timedelta = SILENT_MIN) -> None:
        self.store = store
        self.name = name
        self.location = location
        self.beat_s = beat_s
        self.silent_min = silent_min
        self._members: list[Member] = [Member(name, location)]
        self._journeys: tuple[str, ...] = ()
        self._taken: set[tuple[str, datetime, str]] = set()  # orphans taken, not yet run
        self._lock = threading.Lock()

    # -- who is live ------------------------------------------------------------------
    @property
    def dead_after(self) -> timedelta:
        """Past this, a robot is not preferred for slots (harmless if wrong: it still claims
        its slots, the others only after the grace)."""
        return timedelta(seconds=self.beat_s * BEATS_MISSED + 1)

    @property
    def silent_after(self) -> timedelta:
        """Past this, a robot's silence is an incident: three beats, and never less than
        SILENT_MIN, so a host starved of CPU for a few seconds pages nobody (nor loses the
        slots it claimed to another robot)."""
        return max(self.dead_after, self.silent_min)

    def watching(self, journeys: Sequence[str]) -> None:
        """The journeys this robot schedules (its heartbeat says so to the others)."""
        with self._lock:
            self._journeys = tuple(journeys)
            self._members = [self._me()] + [m for m in self._members if m.name != self.name]

    def refresh(self) -> list[Member]:
        """Re-read the live robots from their heartbeats (the heartbeat tick calls this)."""
        beats = self.store.heartbeats(alive_within=self.dead_after)
        live: dict[str, Member] = {}
        for b in beats:
            live[b.robot_name] = Member(b.robot_name, b.location, tuple(b.running))
        with self._lock:
            live[self.name] = self._me()  # always live to itself, even between two beats
            self._members = sorted(live.values(), key=lambda m: m.name)
            return list(self._members)

    def members(self) -> list[Member]:
        with self._lock:
            return list(self._members)

    def _me(self) -> Member:
        return Member(self.name, self.location, self._journeys)

    # -- which slots are ours ---------------------------------------------------------
    def schedules(self, journey: Journey) -> bool:
        """A journey watched from named locations is scheduled only by robots there."""
        return not journey.monitor.locations or self.location in journey.monitor.locations

    def scope(self, journey: Journey) -> str:
        """'' for a fleet-wide slot, this robot's location for a once-per-location one."""
        return self.location if journey.monitor.locations else ""

    def claim(self, journey: Journey, slot: datetime, interval: timedelta | None,
              stopping: threading.Event, *, degraded: bool = False) -> bool:
        """True when this robot runs the slot. The preferred robot claims at once; the
        others wait the grace first (woken early by a stop), then try. A robot whose devices
        for the journey are all quarantined (`degraded`) waits twice the grace: a healthy
        robot gets the slot if there is one, and the slot still runs within half an
        interval if there is none."""
        scope = self.scope(journey)
        with self._lock:
            if (journey.id, slot, scope) in self._taken:  # an orphan taken over: ours
                self._taken.discard((journey.id, slot, scope))
                return True
        first = preferred(journey.id, scope, self.members())
        wait = 2 * grace_s(interval) if degraded else (
            0.0 if first == self.name else grace_s(interval))
        if wait and stopping.wait(wait):
            return False
        try:
            won = self.store.claim_slot(journey.id, slot, scope, self.name,
                                        lock_timeout_ms=CLAIM_LOCK_TIMEOUT_MS)
        except Exception as exc:  # database unreachable: the preferred robot runs it anyway
            log.warning("could not claim %s (slot %s): %s", journey.id, slot.isoformat(), exc,
                        extra={"event": "claim_failed", "journey": journey.id})
            return first == self.name
        if won and first != self.name:
            log.info("took %s (slot %s) over from %s", journey.id, slot.isoformat(), first,
                     extra={"event": "slot_taken_over", "journey": journey.id,
                            "scheduled_at": slot.isoformat(), "preferred": first or ""})
        return won

    def take_over(self, slots: Collection[tuple[str, str]], now: datetime,
                  ) -> list[tuple[str, datetime, str]]:
        """Take over the orphaned claims among the (journey, scope) `slots` this robot can
        run: claimed by a robot now silent or stopped, run never opened. Each returned
        (journey, slot, scope) is this robot's to run late (`claim` then says yes at once)."""
        from scheduler.alerts.silence import gone_robots

        dead = gone_robots(self.store.heartbeats(), now, self.silent_after) - {self.name}
        if not dead or not slots:
            return []
        taken = self.store.take_over_claims(dead, self.name, slots, ORPHANS_WITHIN)
        with self._lock:
            self._taken.update(taken)
        for journey, slot, scope in taken:
            log.warning("took over %s (slot %s%s): its robot died before running it", journey,
                        slot.isoformat(), f", {scope}" if scope else "",
                        extra={"event": "orphan_taken_over", "journey": journey,
                               "scheduled_at": slot.isoformat()})
        return taken


def silent_robots_rule(store: Any, fleet: Fleet) -> Callable[[datetime, list[Any]], list[Any]]:
    """The alert engine's extra rule for a fleet: robots that fell silent (heartbeats)."""
    from scheduler.alerts.silence import evaluate_silent_robots

    def silent_robots(now: datetime, runs: list[Any]) -> list[Any]:
        return evaluate_silent_robots(store.heartbeats(), runs, now,
                                      dead_after=fleet.silent_after)

    return silent_robots


class AlertGate:
    """The alert engine, evaluated only while this robot holds the fleet's alert lock.

    Wraps the engine with the same calls the robot makes (`after_run`, `tick`,
    `set_journeys`, `close`); a robot without the lock skips them, the holder's own tick
    reads every robot's stored results.
    """

    def __init__(self, engine: Any, lock: Any, name: str) -> None:
        self.engine = engine
        self.lock = lock
        self.name = name
        self._was_holder = False

    def holder(self) -> bool:
        held = bool(self.lock.held())
        if held != self._was_holder:
            log.info("%s alert rules for the fleet", "evaluating" if held else "no longer "
                     "evaluating", extra={"event": "alerts_holder" if held else
                                          "alerts_holder_lost", "robot": self.name})
            self._was_holder = held
        return held

    def after_run(self, result: Any) -> Any:
        return self.engine.after_run(result) if self.holder() else []

    def tick(self) -> Any:
        return self.engine.tick() if self.holder() else []

    def set_journeys(self, journeys: Any) -> None:
        self.engine.set_journeys(journeys)

    def close(self) -> None:
        try:
            if hasattr(self.engine, "close"):
                self.engine.close()
        finally:
            self.lock.release()

    def __getattr__(self, name: str) -> Any:  # acknowledge(), incidents... stay reachable
        return getattr(self.engine, name)
