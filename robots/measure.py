"""Measurement: tight polling of one page snapshot per poll, and honest response times.

A check held somewhere between the last poll that failed and the first poll that held. The
response time is the middle of that interval (from the moment the action was sent), and its
resolution is the interval's width: the gap between those two polls plus one round trip.
No fixed sleeps: the next poll starts as soon as the previous answer was evaluated.
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


def response_time(action_sent: float, outcome: WaitOutcome) -> Timing | None:
    """The transaction's response time and resolution, or None when the check never held."""
    if not outcome.held or outcome.last is None:
        return None
    lower = action_sent
    if outcome.last_failed_sent is not None and outcome.last_failed_sent > action_sent:
        lower = outcome.last_failed_sent
    upper = outcome.last.received
    doc = outcome.last.not_before
    if doc is not None and action_sent < doc - CLOCK_MARGIN_S and lower < doc < upper:
        # The action loaded a new page and the check held in it: it cannot have held in that
        # page before its first byte arrived (a browser holds commands while it navigates,
        # so there was no poll in between to say so).
        lower = doc - CLOCK_MARGIN_S
    return Timing(response_ms=((lower + upper) / 2 - action_sent) * 1000,
                  resolution_ms=(upper - lower) * 1000)


def is_stable(previous: Snapshot | None, current: Snapshot) -> bool:
    """waitForAnimationToEnd: two consecutive page sources are identical."""
    return previous is not None and previous.source == current.source


_BUSY = ("ProgressBar", "ActivityIndicator", "progress")


def is_busy(snapshot: Snapshot) -> bool:
    """A progress indicator is on screen: the app is still waiting for something."""
    return any(el.displayed and el.cls.endswith(_BUSY) for el in snapshot.elements)
