"""Triggers: anchored interval grids, stable jitter without drift, active hours, cron, catch-up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from scheduler.errors import ScheduleError
from scheduler.hours import parse_active_hours
from scheduler.triggers import JourneyTrigger, phase_of, trigger_for
from tests.scheduler.helpers import T0, journey


def test_interval_slots_are_anchored_whatever_the_start_time() -> None:
    trigger = JourneyTrigger("j", every_ms=300_000)
    assert timedelta(0) <= trigger.phase < timedelta(minutes=5)
    a = trigger.get_next_fire_time(None, T0 + trigger.phase + timedelta(seconds=17))
    b = trigger.get_next_fire_time(None, T0 + trigger.phase + timedelta(minutes=3, seconds=2))
    assert a == b == T0 + trigger.phase + timedelta(minutes=5)


def test_journeys_with_the_same_interval_start_spread_over_it() -> None:
    every = timedelta(minutes=5)
    phases = sorted(JourneyTrigger(f"journey-{i}", every_ms=300_000).phase for i in range(256))
    # Stable: a restart (a new trigger for the same id) keeps the journey's phase.
    assert JourneyTrigger("journey-7", every_ms=300_000).phase == phase_of("journey-7", 300_000)
    assert len(set(phases)) == 256  # no two of them start together
    # Evenly spread: every tenth of the interval holds about a tenth of the journeys.
    tenths = [sum(1 for p in phases if k * every / 10 <= p < (k + 1) * every / 10)
              for k in range(10)]
    assert all(10 <= n <= 45 for n in tenths), tenths
    # Cron keeps the times it names: no phase.
    assert JourneyTrigger("journey-7", cron="*/5 * * * *").phase == timedelta(0)


def test_jitter_is_stable_bounded_and_never_drifts() -> None:
    trigger = JourneyTrigger("shop-login", every_ms=60_000, jitter_ms=20_000)
    fires = trigger.fire_times(T0, T0 + timedelta(hours=2))
    assert len(fires) == 120
    first = trigger.next_slot(T0)
    assert first is not None
    offsets = [f - (first + timedelta(minutes=i)) for i, f in enumerate(fires)]
    assert all(timedelta(0) <= o < timedelta(seconds=20) for o in offsets)
    assert len(set(offsets)) > 100  # really spread, not one constant shift
    # Each slot keeps its place: the jitter of one slot is not carried into the next.
    assert [trigger.next_slot(f - timedelta(seconds=20)) for f in fires] == [
        first + timedelta(minutes=i) for i in range(120)]
    # Same journey and slot -> same time (a restart computes the same scheduled_at).
    again = JourneyTrigger("shop-login", every_ms=60_000, jitter_ms=20_000)
    assert again.fire_times(T0, T0 + timedelta(hours=2)) == fires
    other = JourneyTrigger("search", every_ms=60_000, jitter_ms=20_000)
    assert other.fire_times(T0, T0 + timedelta(hours=2)) != fires


def test_jitter_is_capped_at_half_an_interval() -> None:
    trigger = JourneyTrigger("j", every_ms=10_000, jitter_ms=60_000)
    assert trigger.jitter == timedelta(seconds=5)
    fires = trigger.fire_times(T0, T0 + timedelta(minutes=10))
    assert len(fires) == 60 and fires == sorted(fires)


def test_active_hours_skip_the_night() -> None:
    hours = parse_active_hours("07:00-23:00")
    trigger = JourneyTrigger("j", every_ms=1_800_000, active_hours=hours)
    start = datetime(2026, 3, 2, 22, 0, tzinfo=UTC)
    fires = trigger.fire_times(start, start + timedelta(hours=9, minutes=45))
    nominal = [start, start + timedelta(minutes=30), start + timedelta(hours=9),
               start + timedelta(hours=9, minutes=30)]  # 22:00, 22:30, 07:00, 07:30
    assert fires == [n + trigger.phase for n in nominal if n + trigger.phase < start
                     + timedelta(hours=9, minutes=45)]


def test_active_hours_follow_the_scheduler_timezone() -> None:
    paris = ZoneInfo("Europe/Paris")
    trigger = JourneyTrigger("j", every_ms=3_600_000,
                             active_hours=parse_active_hours("08:00-10:00"), tz=paris)
    start = datetime(2026, 3, 2, 0, 0, tzinfo=paris)
    fires = trigger.fire_times(start, start + timedelta(days=1))
    assert [f.astimezone(paris).hour for f in fires] == [8, 9]


def test_cron_and_its_interval() -> None:
    trigger = JourneyTrigger("j", cron="*/15 * * * *", jitter_ms=5000)
    assert trigger.interval == timedelta(minutes=15)
    fires = trigger.fire_times(T0, T0 + timedelta(hours=1))
    assert [f.minute for f in fires] == [0, 15, 30, 45, 0][: len(fires)]
    assert all(f.second < 5 for f in fires)


def test_last_fire_time_is_the_slot_a_restart_owes() -> None:
    trigger = JourneyTrigger("j", every_ms=60_000)
    slot = T0 + trigger.phase + timedelta(minutes=10)
    now = slot + timedelta(seconds=30)
    # Never run: the latest slot within one interval.
    assert trigger.last_fire_time(now, None) == slot
    # Last stored slot is that one: nothing owed.
    assert trigger.last_fire_time(now, slot) is None
    # Last stored slot long ago: only the latest one (coalesced), not a backlog.
    assert trigger.last_fire_time(now, T0) == slot


def test_monitor_becomes_a_trigger_and_every_can_be_overridden() -> None:
    j = journey("j", every_ms=300_000, jitter_ms=1000, active_hours="06:00-22:00")
    trigger = trigger_for(j.monitor)
    assert str(trigger) == "every 5m, jitter 1s, hours 06:00-22:00"
    fast = trigger_for(j.monitor, every_override_ms=2000)
    assert fast.interval == timedelta(seconds=2)
    cron = trigger_for(journey("c", every_ms=None, cron="0 * * * *").monitor,
                       every_override_ms=2000)
    assert cron.interval == timedelta(hours=1)  # the override never touches cron


def test_bad_schedules_are_refused() -> None:
    with pytest.raises(ScheduleError, match="cron"):
        JourneyTrigger("j", cron="61 * * * *")
    with pytest.raises(ScheduleError, match="every"):
        JourneyTrigger("j")


@pytest.mark.parametrize(("expression", "weekdays"), [
    ("0 9 * * 1", {"Monday"}),
    ("0 9 * * 0", {"Sunday"}),
    ("0 9 * * 7", {"Sunday"}),
    ("0 9 * * 1-5", {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday"}),
    ("0 9 * * 6,0", {"Saturday", "Sunday"}),
    ("0 9 * * sat-sun", {"Saturday", "Sunday"}),
])
def test_cron_weekdays_mean_what_crontab_means(expression: str, weekdays: set[str]) -> None:
    # APScheduler 3's from_crontab reads 1 as Tuesday; a journey's cron must not.
    trigger = JourneyTrigger("j", cron=expression)
    fires = trigger.fire_times(T0, T0 + timedelta(days=7))
    assert {f.strftime("%A") for f in fires} == weekdays
