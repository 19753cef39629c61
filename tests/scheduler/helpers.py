"""Small builders shared by the scheduler tests: journeys, devices, results, fake parts."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from journeys.model import Journey, Monitor, Platform
from journeys.results import Category, RunResult, Status
from robots.devices import DeviceSpec

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def journey(jid: str, *, devices: tuple[str, ...] = (), every_ms: int | None = 60_000,
            cron: str | None = None, retries: int = 1, tags: tuple[str, ...] = (),
            jitter_ms: int = 0, active_hours: str | None = None,
            platform: Platform = Platform.ANDROID, path: Path | None = None) -> Journey:
    return Journey(
        path=path or Path(f"/tmp/{jid}.yaml"),
        monitor=Monitor(id=jid, platform=platform, devices=devices, every_ms=every_ms,
                        cron=cron, retries=retries, jitter_ms=jitter_ms,
                        active_hours=active_hours),
        commands=(),
        app_id="com.ronde.demo.shop",
        tags=tags,
        definition_hash=f"hash-{jid}",
    )


def sim(name: str, *tags: str) -> DeviceSpec:
    return DeviceSpec(name=name, tags=tags, simulated_app="emulators/apps/demo-shop.yaml")


def result(j: Journey, device: DeviceSpec, status: Status, category: Category | None = None,
           *, at: datetime = T0, **kw: Any) -> RunResult:
    kw.setdefault("run_id", "robot-made-id")
    return RunResult(journey=j.id, device=device.name, status=status, category=category,
                     started_at=at, ended_at=at + timedelta(seconds=1), duration_ms=1000.0, **kw)


class FakeClock:
    """A monotonic clock that only moves when told."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class MemoryRecorder:
    """The Recorder protocol in memory, with the storage's uniqueness rules."""

    opened: dict[str, tuple[str, str, datetime | None, int, str | None]] = field(
        default_factory=dict)
    results: dict[str, RunResult] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start_run(self, run_id: str, journey: Journey, device: str,
                  scheduled_at: datetime | None, attempt: int, confirms: str | None) -> bool:
        with self.lock:
            if run_id in self.opened or run_id in self.results:
                return False
            self.opened[run_id] = (journey.id, device, scheduled_at, attempt, confirms)
            return True

    def record_run(self, result: RunResult, journey: Journey,
                   then: Callable[[RunResult], None] | None = None) -> None:
        with self.lock:
            self.opened.pop(result.run_id, None)
            self.results.setdefault(result.run_id, result)
        if then is not None:
            then(result)
