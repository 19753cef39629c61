"""When a journey runs: its `monitor:` header (`every`/`cron`, `jitter`, `active_hours`) as an
APScheduler 3 trigger.

Two choices make restarts safe. Interval grids are anchored on a fixed epoch (a 5-minute
journey fires at :00, :05, ... whenever the robot started), and jitter is a deterministic
function of the journey and the nominal slot. So a slot's `scheduled_at` is the same before
and after a restart, and the storage's unique (journey, scheduled_at, attempt) stops a
duplicate. Jitter is also never fed back into the next slot (APScheduler's own jitter
drifts an interval schedule by up to `jitter` per run).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta, tzinfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger

from journeys.model import Monitor
from scheduler.crontab import cron_trigger
from scheduler.errors import ScheduleError
from scheduler.hours import ActiveHours, parse_active_hours

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
_TICK = timedelta(microseconds=1)
_MAX_SKIPS = 50  # active-hours searches: a day has at most this many disjoint ranges


class JourneyTrigger(BaseTrigger):
    """Fires on the journey's nominal slots inside its active hours, each shifted by a stable
    jitter in `[0, jitter)` (capped at half an interval so slots never swap order). `every`
    slots sit at `EPOCH + phase + k * interval`; cron slots keep the times cron names."""

    def __init__(
        self,
        key: str,
        *,
        every_ms: int | None = None,
        cron: str | None = None,
        jitter_ms: int = 0,
        active_hours: ActiveHours | None = None,
        tz: tzinfo = UTC,
    ) -> None:
        self.key = key
        self.tz = tz
        self.phase = timedelta(0)
        self.active_hours = active_hours
        if cron:
            try:
                self.base: BaseTrigger = cron_trigger(cron, tz)
            except ValueError as exc:
                raise ScheduleError(f"{key}: cron {cron!r}: {exc}") from exc
        elif every_ms and every_ms > 0:
            self.phase = phase_of(key, every_ms)
            self.base = IntervalTrigger(seconds=every_ms / 1000, start_date=EPOCH + self.phase,
                                        timezone=tz)
        else:
            raise ScheduleError(f"{key}: the monitor needs `every` (> 0) or `cron`")
        self.description = f"cron {cron}" if cron else f"every {_human(every_ms or 0)}"
        self.interval = self._estimate_interval()
        self.jitter = min(timedelta(milliseconds=max(jitter_ms, 0)), self.interval / 2)

    # -- APScheduler's interface -------------------------------------------------------
    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        # A previous (jittered) fire time lies less than half an interval after its nominal
        # slot, so the next nominal slot is the first one strictly after it.
        start = now if previous_fire_time is None else previous_fire_time + _TICK
        slot = self.next_slot(start)
        return None if slot is None else slot + self.offset(slot)

    # -- the parts, public for tests and for restart recovery ---------------------------
    def next_slot(self, start: datetime) -> datetime | None:
        """The first nominal (unjittered) slot at or after `start` inside the active hours."""
        slot = self.base.get_next_fire_time(None, start)
        for _ in range(_MAX_SKIPS):
            if slot is None or self.active_hours is None:
                return slot
            local = slot.astimezone(self.tz)
            if self.active_hours.contains(local):
                return slot
            slot = self.base.get_next_fire_time(None, self.active_hours.next_start(local))
        return slot

    def offset(self, slot: datetime) -> timedelta:
        """The slot's jitter: stable for a (journey, slot), spread evenly over journeys."""
        if not self.jitter:
            return timedelta(0)
        digest = hashlib.sha256(f"{self.key}|{slot.timestamp():.6f}".encode()).digest()
        fraction = int.from_bytes(digest[:8], "big") / 2**64
        return timedelta(microseconds=int(self.jitter / _TICK * fraction))

    def fire_times(self, start: datetime, end: datetime) -> list[datetime]:
        """Every fire time in `[start, end]` (what a test expects to find in the database)."""
        times: list[datetime] = []
        fire = self.get_next_fire_time(None, start)
        while fire is not None and fire <= end:
            if fire >= start:
                times.append(fire)
            fire = self.get_next_fire_time(fire, fire)
        return times

    def last_fire_time(self, now: datetime, since: datetime | None) -> datetime | None:
        """The latest fire time in `(since, now]` within one interval of now: the slot a
        restarted robot still owes (coalesced; older ones are past the misfire grace)."""
        floor = now - self.interval
        if since is not None and since > floor:
            floor = since + _TICK
        last = None
        for fire in self.fire_times(floor, now):
            last = fire
        return last

    def _estimate_interval(self) -> timedelta:
        if isinstance(self.base, IntervalTrigger):
            return self.base.interval
        first = self.base.get_next_fire_time(None, EPOCH)
        second = self.base.get_next_fire_time(first, first + _TICK) if first else None
        if first is None or second is None:
            return timedelta(days=1)
        return second - first

    def __str__(self) -> str:
        parts = [self.description]
        if self.jitter:
            parts.append(f"jitter {_human(int(self.jitter / timedelta(milliseconds=1)))}")
        if self.active_hours is not None:
            parts.append(f"hours {self.active_hours.text}")
        return ", ".join(parts)

    def __repr__(self) -> str:
        return f"<JourneyTrigger {self.key}: {self}>"


def phase_of(key: str, every_ms: int) -> timedelta:
    """The journey's stable place in its interval: `[0, every)`, whole milliseconds, the same
    on every robot and after every restart, evenly spread over journey ids."""
    digest = hashlib.sha256(f"phase|{key}".encode()).digest()
    fraction = int.from_bytes(digest[:8], "big") / 2**64
    return timedelta(milliseconds=int(every_ms * fraction))


def trigger_for(
    monitor: Monitor, *, tz: tzinfo = UTC, every_override_ms: int | None = None
) -> JourneyTrigger:
    """The trigger of a journey. `every_override_ms` replaces `every` (not `cron`): tests and
    demos use it for rounds seconds apart (`ronde start --every 10s`) without loosening the
    journey language's limits."""
    every = monitor.every_ms
    if every_override_ms is not None and monitor.cron is None:
        every = every_override_ms
    hours = parse_active_hours(monitor.active_hours) if monitor.active_hours else None
    return JourneyTrigger(
        monitor.id,
        every_ms=every,
        cron=monitor.cron,
        jitter_ms=monitor.jitter_ms,
        active_hours=hours,
        tz=tz,
    )


def _human(ms: int) -> str:
    for unit, size in (("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000)):
        if ms >= size and ms % size == 0:
            return f"{ms // size}{unit}"
    return f"{ms}ms"
