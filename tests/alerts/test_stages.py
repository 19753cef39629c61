"""Alerting and delivery are stages: the engine hands `scheduler.signals` values to whatever
`Sender` the wiring gives it, and a run's category reaches the notice as the robot's enum."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from journeys.results import Category
from ronde.config import Config
from scheduler.alerting import alert_engine
from scheduler.signals import Job, Notice
from storage import Store
from tests.alerts.builders import journey, result
from tests.alerts.harness import FAST, FixedClock


class RecordingSender:
    """A delivery stage that keeps what it is given (the engine knows only the protocol)."""

    alertmanager = None

    def __init__(self) -> None:
        self.notices: list[tuple[Notice, tuple[str, ...] | None]] = []
        self.closed = False

    def notify(self, notice: Notice, channels: Iterable[str] | None = None, *,
               alertmanager: bool = True) -> list[Job]:
        self.notices.append((notice, None if channels is None else tuple(channels)))
        return []

    def to_alertmanager(self, notice: Notice, *, quiet: bool = False) -> Job:
        raise AssertionError("no Alertmanager is configured")

    def close(self) -> None:
        self.closed = True


def test_the_engine_fires_through_any_sender_with_the_run_s_category(tmp_path: Path) -> None:
    clock = FixedClock()
    store = Store.open(f"sqlite:///{tmp_path / 'ronde.db'}", clock=clock, environ={})
    sender = RecordingSender()
    login = journey("shop-login")
    engine = alert_engine(store, Config(artifacts_dir=tmp_path), [login], clock=clock,
                          notifier=sender, settings=FAST, environ={})
    try:
        for minute in (0, 5):  # two failed checks, each confirmed: the default rule fires
            first = result(clock.to(minute), "failed", journey="shop-login", device="sim-1",
                           category="authentication")
            clock.to(minute + 0.25)
            again = result(clock.now, "failed", journey="shop-login", device="sim-2",
                           attempt=2, confirms=first.run_id, category="authentication")
            for run in (first, again):
                store.record_run(run, login)
                engine.after_run(run)
    finally:
        engine.close()
        store.close()
    assert sender.closed
    [(notice, channels)] = sender.notices
    assert (notice.event, notice.journey, channels) == ("firing", "shop-login", None)
    assert notice.category is Category.AUTHENTICATION
