"""Alerting wired: the alert engine (`scheduler/alerts`) handed its delivery (`scheduler/notify`).

The two stages share only `scheduler.signals`; this is the one module that knows both, so
`ronde start`, the tests and the benchmarks build an engine the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from journeys.model import Journey
from scheduler.alerts.engine import AlertEngine, Clock, utc_now
from scheduler.alerts.settings import AlertContext, AlertSettings
from scheduler.notify.notifier import Notifier
from scheduler.signals import Job, Sender

if TYPE_CHECKING:
    from storage import Store


def alert_engine(
    store: Store,
    config: AlertContext,
    journeys: Iterable[Journey] | Mapping[str, Journey] = (),
    *,
    clock: Clock = utc_now,
    notifier: Sender | None = None,
    settings: AlertSettings | None = None,
    environ: Mapping[str, str] | None = None,
) -> AlertEngine:
    """An engine delivering through `notifier`, else through ronde.yaml's channels and
    Alertmanager, every attempt recorded in the engine's notifications table."""
    engine: AlertEngine | None = None

    def record(job: Job, ok: bool, error: str | None) -> None:
        if engine is not None:  # deliveries start only once the engine has queued them
            engine.record_delivery(job, ok, error)

    if notifier is None:
        merged = config.alerts.over(settings or AlertSettings())
        notifier = Notifier(config.channels, config.alertmanager_url, record=record,
                            langs=merged.lang, resend_ms=merged.alertmanager_resend_ms)
    engine = AlertEngine(store, config, journeys, clock=clock, notifier=notifier,
                         settings=settings, environ=environ)
    return engine


__all__ = ["alert_engine"]
