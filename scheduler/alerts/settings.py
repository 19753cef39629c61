"""Alerting knobs: the defaults for journeys without `monitor.alert`, damping and re-notify.

One class for the engine's built-in values and ronde.yaml's `alerts:` section: `ronde.config`
builds it from the file (remembering which keys the file set, in `given`), and the engine
lays those keys over its own values with `over`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import timedelta
from pathlib import Path
from typing import Protocol
from urllib.parse import quote

from journeys.model import AlertPolicy, Monitor
from journeys.results import Category
from scheduler.maintenance import MaintenanceWindow


@dataclass(frozen=True, slots=True)
class AlertSettings:
    """What every journey's alerting starts from. The first five are ronde.yaml's `alerts:`
    keys (None: not set — the incident on the dashboard is the runbook when `dashboard_url`
    is set; every channel hears robot incidents); the rest are the engine's tuning."""

    defaults: AlertPolicy | None = None  # `monitor.alert` keys a journey does not set
    robot_channels: tuple[str, ...] | None = None  # robot/device incidents (None: all)
    runbook_url: str | None = None  # template with {journey}, {category} (and {cause})
    default_consecutive_failures: int = 2  # journeys without any `monitor.alert` rule
    default_slow_for_ms: int = 15 * 60_000  # degraded this long -> alert (when `slow` is set)
    resolve_after_passes: int = 2  # good checks in a row that resolve (`alert.resolve_after`)
    min_flip_ms: int = 5 * 60_000  # unused since resolution follows `resolve_after` alone
    flap_window_ms: int = 30 * 60_000  # a re-fire this soon after resolving reopens the incident
    group_interval_ms: int = 60_000  # at most one update of a grouped incident this often
    # (Alertmanager's group_interval): a cause reaching 50 journeys in one round is one update
    flaky_device_flakes: int = 3  # first attempts in a row on one device that failed while
    # their confirmation elsewhere passed -> a robot incident naming the device
    renotify_ms: int = 4 * 3_600_000  # remind channels while firing and not acknowledged
    alertmanager_resend_ms: int = 60_000  # Alertmanager wants firing alerts re-sent
    robot_errors: int = 2  # consecutive `error` runs on a device -> robot alert (the pool
    # quarantines a device after 2 session failures: operators hear of it at that moment)
    confirm_grace_ms: int = 10 * 60_000  # a failure whose confirmation never came counts then
    diagnosis_lookback_ms: int = 30 * 60_000  # history looked at around the onset
    lang: str = "en,fr"  # languages of messages, in order (`alerts.language`)
    given: frozenset[str] = frozenset()  # fields ronde.yaml set (`remind_every` sets renotify_ms)

    def over(self, base: AlertSettings) -> AlertSettings:
        """The fields ronde.yaml set, laid over `base` (the engine's built-in values)."""
        return replace(base, **{f.name: getattr(self, f.name) for f in fields(self)
                                if f.name in self.given}, given=self.given)

    @property
    def default_window(self) -> timedelta:
        """`defaults.window`: the window `availability_below` and /metrics' alert-window
        availability use for journeys that set none (1 h when unset)."""
        return timedelta(milliseconds=(self.defaults or AlertPolicy()).window_ms)

    def runbook(self, journey: str, category: Category | None, cause: str | None) -> str | None:
        """The runbook link of one incident (None when no template is set)."""
        if self.runbook_url is None:
            return None
        return self.runbook_url.format(journey=quote(journey, safe=""),
                                       category=quote(category or "unknown", safe=""),
                                       cause=quote(cause or "unknown", safe=""))


class AlertContext(Protocol):
    """What the engine reads of the robot's configuration (`ronde.config.Config`): where
    evidence lies, where notices go, which windows silence them, and `alerts:` itself."""

    @property
    def artifacts_dir(self) -> Path: ...

    @property
    def channels(self) -> Mapping[str, str]: ...

    @property
    def alertmanager_url(self) -> str | None: ...

    @property
    def maintenance(self) -> Sequence[MaintenanceWindow]: ...

    @property
    def alerts(self) -> AlertSettings: ...

    @property
    def dashboard_url(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class Policy:
    """The rules in force for one journey: its `monitor.alert` completed by the defaults."""

    consecutive_failures: int | None
    availability_below: float | None  # percent
    window_ms: int
    slow_for_ms: int | None
    retries: int
    notify: tuple[str, ...]
    resolve_after: int = 2  # good checks in a row that resolve the journey's incident


def effective_policy(monitor: Monitor | None, settings: AlertSettings,
                     defaults: AlertPolicy | None = None) -> Policy:
    """The journey's `monitor.alert`, then ronde.yaml's `alerts.defaults` key by key, then the
    built-in rule (N consecutive failures when neither sets any rule). None: an unknown
    journey, ruled by the defaults alone.
    """
    alert = (monitor.alert if monitor is not None else AlertPolicy()).over(defaults)
    consecutive = alert.consecutive_failures
    if consecutive is None and alert.availability_below is None:
        consecutive = settings.default_consecutive_failures
    slow_for = alert.slow_for_ms
    slow_ms = monitor.slow_ms if monitor is not None else None
    if slow_for is None and slow_ms is not None:
        slow_for = settings.default_slow_for_ms
    return Policy(
        consecutive_failures=consecutive,
        availability_below=alert.availability_below,
        window_ms=alert.window_ms,
        slow_for_ms=slow_for,
        retries=monitor.retries if monitor is not None else 1,
        notify=alert.notify,
        resolve_after=alert.resolve_after or settings.resolve_after_passes,
    )
