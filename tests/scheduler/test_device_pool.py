"""The device pool: exclusive leases, bounded waits, spreading, quarantine and back-off."""

from __future__ import annotations

import threading
import time

from journeys.model import Platform
from journeys.results import Category, Status
from robots.devices import DeviceSpec
from scheduler.pool import DevicePool
from tests.scheduler.helpers import FakeClock, sim

ANDROID = Platform.ANDROID


def test_one_journey_per_device_and_a_bounded_wait() -> None:
    pool = DevicePool([sim("a")])
    first = pool.lease("j1", (), ANDROID, timeout_s=0).lease
    assert first is not None and first.device.name == "a"
    started = time.monotonic()
    second = pool.lease("j2", (), ANDROID, timeout_s=0.3)
    assert second.lease is None
    assert 0.25 <= time.monotonic() - started < 2
    assert "a busy with j1" in second.reason


def test_a_waiter_gets_the_device_when_it_is_released() -> None:
    pool = DevicePool([sim("a")])
    first = pool.lease("j1", (), ANDROID, timeout_s=0).lease
    assert first is not None
    got = []
    waiter = threading.Thread(
        target=lambda: got.append(pool.lease("j2", (), ANDROID, timeout_s=5).lease))
    waiter.start()
    time.sleep(0.1)
    pool.release(first, Status.PASSED, None)
    waiter.join(5)
    assert got and got[0] is not None and got[0].journey == "j2"


def test_names_tags_and_platforms_select_devices() -> None:
    web = DeviceSpec("chrome", ("web",), browser_emulate="Pixel 7")
    pool = DevicePool([sim("a", "android", "lab"), sim("b", "android"), web])
    assert [d.name for d in pool.candidates(("tag:lab",), ANDROID)] == ["a"]
    assert [d.name for d in pool.candidates(("b",), ANDROID)] == ["b"]
    assert [d.name for d in pool.candidates((), ANDROID)] == ["a", "b"]
    assert [d.name for d in pool.candidates((), Platform.WEB)] == ["chrome"]
    outcome = pool.lease("j", ("tag:nothing",), ANDROID, timeout_s=1)
    assert outcome.lease is None and "no device matches" in outcome.reason


def test_leases_spread_over_devices_and_avoid_is_a_preference() -> None:
    pool = DevicePool([sim("a"), sim("b")])
    used = []
    for _ in range(4):
        lease = pool.lease("j", (), ANDROID, timeout_s=0).lease
        assert lease is not None
        used.append(lease.device.name)
        pool.release(lease, Status.PASSED, None)
    assert used == ["a", "b", "a", "b"]
    lease = pool.lease("j", (), ANDROID, timeout_s=0, avoid=("b",)).lease
    assert lease is not None and lease.device.name == "a"
    # The other device is busy: the avoided one is still better than no confirmation.
    again = pool.lease("k", (), ANDROID, timeout_s=0, avoid=("b",)).lease
    assert again is not None and again.device.name == "b"


def test_excluded_devices_are_never_taken() -> None:
    pool = DevicePool([sim("a"), sim("b")])
    lease = pool.lease("j", (), ANDROID, timeout_s=0, exclude=lambda d: d.name == "a").lease
    assert lease is not None and lease.device.name == "b"
    outcome = pool.lease("j", (), ANDROID, timeout_s=0, exclude=lambda d: True)
    assert outcome.lease is None and outcome.excluded_only


def test_repeated_session_errors_quarantine_with_doubling_back_off() -> None:
    clock = FakeClock()
    pool = DevicePool([sim("a"), sim("b")], clock=clock, quarantine_after=2, backoff_s=30)

    def run_on_a(status: Status, category: Category | None) -> None:
        lease = pool.lease("j", ("a",), ANDROID, timeout_s=0).lease
        assert lease is not None and lease.device.name == "a"
        pool.release(lease, status, category)

    run_on_a(Status.ERROR, Category.SESSION)
    assert not pool.quarantined("a")  # one error is bad luck
    run_on_a(Status.ERROR, Category.SESSION)
    assert pool.quarantined("a")
    outcome = pool.lease("j", ("a",), ANDROID, timeout_s=0)
    assert outcome.lease is None and "a quarantined for 30s more" in outcome.reason
    # Journeys that may use another device move to it.
    moved = pool.lease("j", (), ANDROID, timeout_s=0).lease
    assert moved is not None and moved.device.name == "b"
    pool.release(moved, Status.PASSED, None)
    clock.advance(31)
    run_on_a(Status.ERROR, Category.SESSION)  # retried after the back-off, still broken
    assert pool.quarantined("a")
    clock.advance(31)
    assert pool.quarantined("a")  # the back-off doubled to 60s
    clock.advance(30)
    run_on_a(Status.FAILED, Category.DISPLAY)  # the device ran the journey: it is healthy
    assert not pool.quarantined("a")
    run_on_a(Status.ERROR, Category.SESSION)
    assert not pool.quarantined("a")  # the count started again


def test_other_errors_do_not_quarantine_and_close_wakes_waiters() -> None:
    pool = DevicePool([sim("a")], quarantine_after=1)
    lease = pool.lease("j", (), ANDROID, timeout_s=0).lease
    assert lease is not None
    pool.release(lease, Status.ERROR, Category.ROBOT)
    assert not pool.quarantined("a")
    held = pool.lease("j", (), ANDROID, timeout_s=0).lease
    assert held is not None
    outcome = []
    waiter = threading.Thread(
        target=lambda: outcome.append(pool.lease("k", (), ANDROID, timeout_s=30)))
    started = time.monotonic()
    waiter.start()
    time.sleep(0.1)
    pool.close()
    waiter.join(5)
    assert outcome and outcome[0].lease is None and "robot stopping" in outcome[0].reason
    assert time.monotonic() - started < 3


def test_a_confirmation_waits_a_little_for_the_other_device() -> None:
    pool = DevicePool([sim("a"), sim("b")])
    busy = pool.lease("other", ("b",), ANDROID, timeout_s=0).lease
    assert busy is not None
    threading.Timer(0.3, pool.release, args=(busy, Status.PASSED, None)).start()
    started = time.monotonic()
    lease = pool.lease("j", (), ANDROID, timeout_s=5, avoid=("a",), prefer_wait_s=3).lease
    assert lease is not None and lease.device.name == "b"
    assert 0.2 < time.monotonic() - started < 2
    pool.release(lease, Status.PASSED, None)
    # The other device stays busy past the preference: the avoided one is used after all.
    busy = pool.lease("other", ("b",), ANDROID, timeout_s=0).lease
    started = time.monotonic()
    lease = pool.lease("j", (), ANDROID, timeout_s=5, avoid=("a",), prefer_wait_s=0.3).lease
    assert lease is not None and lease.device.name == "a"
    assert 0.25 < time.monotonic() - started < 2


def test_an_entry_that_hands_out_devices_takes_that_many_journeys_at_once() -> None:
    """A Grid hub entry (`sessions: 2`): two leases at once, the third waits for a release."""
    grid = DeviceSpec("grid", ("android",), appium_url="http://hub:4444",
                      capabilities={"platformName": "Android"}, sessions=2)
    pool = DevicePool([grid])
    one = pool.lease("j1", (), ANDROID, timeout_s=0).lease
    two = pool.lease("j2", (), ANDROID, timeout_s=0).lease
    assert one is not None and two is not None
    third = pool.lease("j3", (), ANDROID, timeout_s=0.2)
    assert third.lease is None and "grid busy with j1, j2" in third.reason
    assert [s.holder for s in pool.states()] == ["j1, j2"]
    pool.release(one, Status.PASSED, None)
    again = pool.lease("j3", (), ANDROID, timeout_s=0).lease
    assert again is not None and again.device.name == "grid"
