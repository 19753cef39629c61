"""What the rounds tell the outside world (console, logs): small values on a tiny bus.

The live console and the JSON log read these; neither drives the rounds (Locust's rule:
the UI reads stats, it never reaches into the runners).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from journeys.results import RunResult

log = logging.getLogger("ronde.scheduler")


class Kind(StrEnum):
    STARTED = "run_started"
    FINISHED = "run_finished"
    SKIPPED = "run_skipped"  # maintenance window, or already run (restart)
    SCHEDULED = "journey_scheduled"
    UNSCHEDULED = "journey_unscheduled"


@dataclass(frozen=True, slots=True)
class Event:
    kind: Kind
    journey: str = ""
    device: str = ""
    at: datetime | None = None
    scheduled_at: datetime | None = None
    attempt: int = 1
    result: RunResult | None = None
    message: str = ""
    extra: dict[str, object] = field(default_factory=dict)


Listener = Callable[[Event], None]


class EventBus:
    """Fan-out to listeners; a failing listener is logged and never stops a round."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()

    def subscribe(self, listener: Listener) -> None:
        with self._lock:
            self._listeners.append(listener)

    def emit(self, event: Event) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(event)
            except Exception:
                log.exception("event listener failed on %s", event.kind)
