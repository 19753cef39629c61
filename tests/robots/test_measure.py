"""Response time and resolution from polls, with a fake monotonic clock (no sleeping)."""

from __future__ import annotations

import random

import pytest

from robots.backends.base import Element, Snapshot
from robots.measure import WaitOutcome, is_busy, response_time, wait_until


class FakeScreen:
    """Polls of a screen whose check starts holding at `ready` (seconds); each poll takes `rtt`."""

    def __init__(self, ready: float, rtt: float, start: float = 0.0) -> None:
        self.now = start
        self.ready = ready
        self.rtt = rtt
        self.polls = 0

    def clock(self) -> float:
        return self.now

    def snap(self) -> Snapshot:
        sent = self.now
        captured = sent + self.rtt / 2
        self.now += self.rtt
        self.polls += 1
        source = "new" if captured >= self.ready else "old"
        return Snapshot([], source, sent, self.now)


@pytest.mark.parametrize("ready_ms", [0.5, 50, 333, 1000, 5000])
@pytest.mark.parametrize("rtt_ms", [1, 3, 8])
def test_true_time_lies_within_the_stated_resolution(ready_ms: float, rtt_ms: float) -> None:
    screen = FakeScreen(ready=ready_ms / 1000, rtt=rtt_ms / 1000)
    out = wait_until(screen.snap, lambda s: s.source == "new", deadline=10, clock=screen.clock)
    timing = response_time(0.0, out)
    assert out.held and timing is not None
    assert abs(timing.response_ms - ready_ms) <= timing.resolution_ms / 2 + 1e-9
    # back-to-back polls: the interval is at most two round trips wide
    assert timing.resolution_ms <= 2 * rtt_ms + 1e-9


def test_a_check_that_held_at_the_first_poll_counts_from_the_action() -> None:
    snap = Snapshot([], "new", 0.010, 0.012)
    out = WaitOutcome(True, snap, 1, None, "new")
    timing = response_time(0.004, out)
    assert timing is not None
    assert timing.resolution_ms == pytest.approx(8.0)
    assert timing.response_ms == pytest.approx(4.0)


def test_never_held_gives_no_figure_and_stops_at_the_deadline() -> None:
    screen = FakeScreen(ready=99, rtt=0.004)
    out = wait_until(screen.snap, lambda s: s.source == "new", deadline=0.1, clock=screen.clock)
    assert not out.held and response_time(0.0, out) is None
    assert 0.1 <= screen.now < 0.1 + 0.004 + 1e-9  # one poll past the deadline at most
    assert not out.changed


def test_between_runs_after_each_miss() -> None:
    screen = FakeScreen(ready=0.02, rtt=0.004)
    misses: list[float] = []
    out = wait_until(screen.snap, lambda s: s.source == "new", deadline=1, clock=screen.clock,
                     between=lambda s: misses.append(s.sent))
    assert out.held and len(misses) == out.polls - 1 and out.changed


def test_busy_means_a_progress_indicator_is_shown() -> None:
    spinner = Element(0, "android.widget.ProgressBar")
    assert is_busy(Snapshot([spinner], ""))
    assert not is_busy(Snapshot([Element(0, "android.widget.TextView")], ""))


def test_a_new_page_bounds_the_interval_by_its_first_byte() -> None:
    # one blocking poll from 0.010 to 0.400 s; the new document's response started at 0.380 s
    snap = Snapshot([], "new page", 0.010, 0.400, not_before=0.380)
    timing = response_time(0.005, WaitOutcome(True, snap, 1, None, "new page"))
    assert timing is not None
    assert timing.resolution_ms == pytest.approx(21.0)  # 0.379 .. 0.400
    assert timing.response_ms == pytest.approx((0.379 + 0.400) / 2 * 1000 - 5)
    # a document older than the action says nothing about it
    old = Snapshot([], "same page", 0.010, 0.400, not_before=0.001)
    timing = response_time(0.005, WaitOutcome(True, old, 1, None, "same page"))
    assert timing is not None and timing.resolution_ms == pytest.approx(395.0)


class TransitScreen(FakeScreen):
    """A device reached by each request after a random part of its round trip: the action
    arrives somewhere inside its own call, and each poll sees the screen somewhere inside
    its call (never exactly in the middle). The screen changes `delay` after the action
    arrived: the app's own time, which the stated interval must contain."""

    def __init__(self, delay: float, rtt: float, seed: int) -> None:
        super().__init__(ready=float("inf"), rtt=rtt)
        self.delay = delay
        self.rng = random.Random(seed)

    def act(self) -> tuple[float, float]:
        sent = self.now
        call = self.rng.uniform(0.2, 3.0) * self.rtt  # a tap's call may be slower than a poll
        self.ready = sent + self.rng.uniform(0, call) + self.delay
        self.now += call
        return sent, self.now

    def snap(self) -> Snapshot:
        sent = self.now
        self.now += self.rng.uniform(0.5, 2.0) * self.rtt
        captured = self.rng.uniform(sent, self.now)
        self.polls += 1
        return Snapshot([], "new" if captured >= self.ready else "old", sent, self.now)


@pytest.mark.parametrize("delay_ms", [0, 0.3, 4, 50, 150, 1000])
def test_the_app_time_lies_within_the_interval_whatever_the_transit(delay_ms: float) -> None:
    misses = []
    for seed in range(300):
        screen = TransitScreen(delay_ms / 1000, rtt=0.004, seed=seed)
        sent, acked = screen.act()
        out = wait_until(screen.snap, lambda s: s.source == "new", deadline=10,
                         clock=screen.clock)
        timing = response_time(sent, out, action_acked=acked)
        assert timing is not None
        low = timing.response_ms - timing.resolution_ms / 2
        high = timing.response_ms + timing.resolution_ms / 2
        if not low - 1e-9 <= delay_ms <= high + 1e-9:
            misses.append((seed, round(low, 3), round(high, 3)))
        # and the time from sending the action, transit included, is inside it too
        assert low - 1e-9 <= (screen.ready - sent) * 1000 <= high + 1e-9
    assert misses == []


def test_without_the_acknowledgement_the_transit_escapes_the_interval() -> None:
    """Why the action's return time is needed: measured from the sending alone, a tap that
    takes 10 ms to reach the device puts a 50 ms app time outside the interval."""
    screen = TransitScreen(0.050, rtt=0.001, seed=1)
    screen.now = 0.0
    screen.ready = 0.010 + 0.050  # the tap reached the device 10 ms after it was sent
    screen.now = 0.012  # its call returned at 12 ms
    out = wait_until(screen.snap, lambda s: s.source == "new", deadline=10, clock=screen.clock)
    naive = response_time(0.0, out)
    honest = response_time(0.0, out, action_acked=0.012)
    assert naive is not None and honest is not None
    assert naive.response_ms - naive.resolution_ms / 2 > 50  # the old interval misses it
    assert honest.response_ms - honest.resolution_ms / 2 <= 50 <= (
        honest.response_ms + honest.resolution_ms / 2)
    assert honest.resolution_ms <= naive.resolution_ms + 12 + 1e-9  # at most the tap's call


def test_a_navigation_bounds_when_the_browser_had_the_action() -> None:
    # a click sent at 5 ms whose call returned only with the new page at 400 ms; the browser
    # began that navigation at 8 ms and its first byte arrived at 380 ms
    snap = Snapshot([], "new page", 0.401, 0.404, not_before=0.380, navigation_began=0.008)
    timing = response_time(0.005, WaitOutcome(True, snap, 1, None, "new page"),
                           action_acked=0.400)
    assert timing is not None
    lower, upper = 0.379 - 0.009, 0.404 - 0.005  # from its latest receipt / from sending
    assert timing.resolution_ms == pytest.approx((upper - lower) * 1000)
    assert timing.response_ms == pytest.approx((lower + upper) / 2 * 1000)
