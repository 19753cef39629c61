"""An alert engine on a real store with a fixed clock, delivering to a real HTTP endpoint."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from journeys.model import Journey
from journeys.results import RunResult
from ronde.config import Config
from scheduler.alerting import alert_engine
from scheduler.alerts.engine import AlertEngine
from scheduler.alerts.settings import AlertSettings
from storage import Store
from tests.alerts.builders import T0, result


class FixedClock:
    """Wall clock for the rules, moved by the test: minute offsets from `start`."""

    def __init__(self, start: datetime = T0) -> None:
        self.start = start
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def to(self, minute: float) -> datetime:
        self.now = self.start + timedelta(minutes=minute)
        return self.now


FAST = AlertSettings(min_flip_ms=3 * 60_000, renotify_ms=30 * 60_000, flap_window_ms=20 * 60_000)


@dataclass
class Harness:
    store: Store
    engine: AlertEngine
    clock: FixedClock
    artifacts: Path
    journeys: dict[str, Journey] = field(default_factory=dict)

    def record(self, run: RunResult) -> list[Any]:
        self.store.record_run(run, self.journeys.get(run.journey))
        return self.engine.after_run(run)

    def check(self, minute: float, outcome: str, *, journey: str = "shop-login",
              devices: Iterable[str] = ("sim-1", "sim-2"), **kw: Any) -> list[Any]:
        """One scheduled check through the engine: `up`, `down`, `flake`, `error`."""
        devices = tuple(devices)
        now = self.clock.to(minute)
        status = {"up": "passed", "error": "error", "degraded": "degraded"}.get(outcome, "failed")
        if outcome == "error":
            kw.setdefault("category", "session")
        elif status == "failed":
            kw.setdefault("category", "display")
        first = result(now, status, journey=journey, device=devices[0], **kw)
        steps = self.record(first)
        if outcome in ("down", "flake"):
            self.clock.to(minute + 0.25)
            second = "failed" if outcome == "down" else "passed"
            kw2 = dict(kw)
            if second == "passed":
                kw2.pop("category", None)
            steps += self.record(result(self.clock.now, second, journey=journey,
                                        device=devices[-1], attempt=2, confirms=first.run_id,
                                        **kw2))
        return steps

    def drain(self) -> None:
        assert self.engine.notifier.worker.drain(20.0), "notifications still queued"


def make_harness(store_url: str, tmp_path: Path, channels: dict[str, str], *,
                 journeys: Iterable[Journey], alertmanager_url: str | None = None,
                 settings: AlertSettings | None = FAST, environ: dict[str, str] | None = None,
                 start: datetime = T0, **config: Any) -> Harness:
    clock = FixedClock(start)
    store = Store.open(store_url, spool_path=tmp_path / "spool.jsonl", clock=clock, environ={})
    artifacts = tmp_path / "artifacts"
    artifacts.mkdir(exist_ok=True)
    cfg = Config(channels=channels, alertmanager_url=alertmanager_url, artifacts_dir=artifacts,
                 **config)
    known = {j.id: j for j in journeys}
    engine = alert_engine(store, cfg, known.values(), clock=clock, settings=settings,
                         environ=environ or {})
    engine.notifier.worker.backoff_s = 0.05
    return Harness(store, engine, clock, artifacts, known)
