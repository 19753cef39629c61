"""Measurement: tight polling of one page snapshot per poll, and honest response times.

A transaction's response time is a bound, not a guess. The device received the action at some
moment between sending it and its call returning (`acted_by`); the screen changed after the
last poll that failed was sent and before the answer of the first poll that held arrived. So
the time from the device's receipt to the change (and the time from sending it) lies in

    [changed_after - acted_by, held_by - action_sent]   (never below 0)

The response time is the middle of that interval and its resolution the interval's width: the
truth is within `response ± resolution / 2`. No fixed sleeps: the next poll starts as soon as
the previous answer was evaluated.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from robots.backends.base import Snapshot

Clock = Callable[[], float]
CLOCK_MARGIN_S = 0.001  # placing a browser's timestamp on the robot's clock is this exact


@dataclass(slots=True)
class WaitOutcome:
    """What a wait saw: whether the condition held, and the polls around the moment it did."""

    held: bool
    last: Snapshot | None  # the last snapshot taken (the holding one when held)
    polls: int
    last_failed_sent: float | None  # monotonic seconds
    first_source: str | None  # source at the first poll (did anything change?)

    @property
    def changed(self) -> bool:
        return self.last is not None and self.first_source != self.last.source


def wait_until(
    snap: Callable[[], Snapshot],
    holds: Callable[[Snapshot], bool],
    *,
    deadline: float,
    clock: Clock,
    between: Callable[[Snapshot], None] | None = None,
) -> WaitOutcome:
    """Poll `snap()` until `holds(snapshot)` or the deadline; `between` runs after a miss."""
    out = WaitOutcome(False, None, 0, None, None)
    while True:
        current = snap()
        out.polls += 1
        out.last = current
        if out.first_source is None:
            out.first_source = current.source
        if holds(current):
            out.held = True
            return out
        out.last_failed_sent = current.sent
        if clock() >= deadline:
            return out
        if between is not None:
            between(current)


@dataclass(frozen=True, slots=True)
class Timing:
    response_ms: float
    resolution_ms: float


def response_time(action_sent: float, outcome: WaitOutcome,
                  action_acked: float | None = None) -> Timing | None:
    """The transaction's response time and resolution, or None when the check never held.
    `action_acked`: when the action's call returned (None: at once, as for a test's fake)."""
    if not outcome.held or outcome.last is None:
        return None
    acted_by = action_sent if action_acked is None else max(action_acked, action_sent)
    changed_after = action_sent
    if outcome.last_failed_sent is not None and outcome.last_failed_sent > action_sent:
        changed_after = outcome.last_failed_sent
    held_by = outcome.last.received
    doc = outcome.last.not_before
    if doc is not None and action_sent < doc - CLOCK_MARGIN_S and changed_after < doc < held_by:
        # The action loaded a new page and the check held in it: it cannot have held in that
        # page before its first byte arrived (a browser holds commands while it navigates,
        # so there was no poll in between to say so) ...
        changed_after = doc - CLOCK_MARGIN_S
        began = outcome.last.navigation_began
        if began is not None and began > action_sent - CLOCK_MARGIN_S:
            # ... and the browser had the action when it began that navigation (a browser's
            # click returns only once the new page has loaded: too late a bound).
            acted_by = min(acted_by, begin_bound(began, action_sent))
    lower = max(0.0, changed_after - acted_by)
    upper = held_by - action_sent
    return Timing(response_ms=(lower + upper) / 2 * 1000, resolution_ms=(upper - lower) * 1000)


def begin_bound(began: float, action_sent: float) -> float:
    """The latest moment the browser can have received the action, from the start of the
    navigation it caused (placed on the robot's clock within CLOCK_MARGIN_S)."""
    return max(action_sent, began + CLOCK_MARGIN_S)


def is_stable(previous: Snapshot | None, current: Snapshot) -> bool:
    """waitForAnimationToEnd: two consecutive page sources are identical."""
    return previous is not None and previous.source == current.source


_BUSY = ("ProgressBar", "ActivityIndicator", "progress")


def is_busy(snapshot: Snapshot) -> bool:
    """A progress indicator is on screen: the app is still waiting for something."""
    return any(el.displayed and el.cls.endswith(_BUSY) for el in snapshot.elements)
