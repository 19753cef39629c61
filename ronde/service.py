"""Wiring for `ronde start` and `ronde demo`: config → store, Appium, pool, rounds, alerts.

The one place that knows every concrete part (Locust's env.py); the parts themselves only
know the small interfaces they are handed.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console

from journeys.masking import SECRET_NAME
from robots.devices import DeviceKind, DeviceSpec
from ronde.appium_start import appium_secrets, project_appium
from scheduler.catalog import Catalog
from scheduler.console import LiveConsole
from scheduler.daemon import Options, Robot, exit_code
from scheduler.events import Event, Kind
from scheduler.fleet import AlertGate, Fleet, silent_robots_rule
from scheduler.logs import SecretMask, setup_logging, teardown_logging
from scheduler.pool import DevicePool
from scheduler.recorder import StoreRecorder
from scheduler.rounds import RoundRunner, RunFunction, ServerHealth
from scheduler.watchdog import Watchdog

if TYPE_CHECKING:
    from journeys.errors import Problem
    from journeys.model import Journey
    from ronde.config import Config
    from scheduler.alerts.engine import AlertEngine
    from storage import Store

log = logging.getLogger("ronde.scheduler")



@dataclass(slots=True)
class Settings:
    """Everything `ronde start` can be told, with the defaults of a long-running robot."""

    paths: Sequence[Path]
    config: Config
    once: bool = False
    minutes: float | None = None  # stop by itself after this long (demo, CI)
    log_file: Path | None = Path("ronde.log")
    live: bool = True
    verbose: bool = False
    options: Options = field(default_factory=Options)
    quarantine_after: int = 2
    quarantine_backoff_s: float = 30.0
    lease_wait_s: float | None = None
    environ: Mapping[str, str] | None = None
    run: RunFunction | None = None  # tests inject a fake robot; default robots.runner
    appium_env: Mapping[str, str] = field(default_factory=dict)
    dashboard: tuple[str, int] | None = None  # (host, port) to serve the dashboard beside


def serve(settings: Settings, console: Console | None = None) -> int:
    """Run the robot until stopped (or once). Returns the process exit code."""
    console = console or Console(emoji=False)  # log lines quote files: no `:x:` emoji
    environ = settings.environ if settings.environ is not None else os.environ
    mask = SecretMask(_config_secrets(settings.config, environ))
    handlers = setup_logging(settings.log_file, console, mask, verbose=settings.verbose)
    try:
        with ExitStack() as stack:
            store = _open_store(settings.config)
            stack.callback(store.close)
            appium = _appium(settings, stack, environ)
            robot = _build(settings, store, appium, environ, mask)
            if settings.once:
                results = robot.run_once()
                return exit_code(results, robot.load_failed)
            _dashboard(settings, stack, console)
            return _around_the_clock(robot, settings, console)
    finally:
        teardown_logging(handlers)


def _build(settings: Settings, store: Store, appium: Any, environ: Mapping[str, str],
           mask: SecretMask) -> Robot:
    config = settings.config
    pool = DevicePool(config.devices, quarantine_after=settings.quarantine_after,
                      backoff_s=settings.quarantine_backoff_s)
    identity = _identity(config)
    recorder = StoreRecorder(store, robot=identity)
    catalog = Catalog(settings.paths, loader=_loader(config))
    alerts = _alerts(store, config)  # --once too: cron users want their alerts
    fleet = _fleet(store, identity, settings) if not settings.once else None
    if fleet is not None and alerts is not None:
        alerts.extra_rules.append(silent_robots_rule(store, fleet))
        alerts = AlertGate(alerts, store.advisory_lock(), identity[0])
    every = settings.options.every_override_ms
    wait = settings.lease_wait_s

    def lease_wait(journey: Journey) -> float:
        if wait is not None:
            return wait
        interval_ms = every if every is not None and journey.monitor.cron is None else (
            journey.monitor.every_ms)
        limit = journey.monitor.timeout_ms / 1000
        return max(1.0, min(limit, interval_ms / 1000) if interval_ms else limit)

    def appium_url(device: DeviceSpec) -> str | None:
        if device.managed_appium:
            return appium.url if appium is not None else None
        return device.appium_url

    watched = appium if isinstance(appium, ServerHealth) else None  # tests hand a bare server

    def server_health(device: DeviceSpec) -> ServerHealth | None:
        return watched if device.managed_appium else None

    runner = RoundRunner(
        journeys=catalog.get, pool=pool, recorder=recorder, run=settings.run or _robot(),
        artifacts_dir=config.artifacts_dir, appium_url=appium_url, environ=environ,
        maintenance=config.maintenance, lease_wait_s=lease_wait,
        after_run=alerts.after_run if alerts is not None else None,
        after_runs=alerts.after_runs if alerts is not None else None,
        server_health=server_health, robot=identity,
    )
    return Robot(catalog=catalog, runner=runner, recorder=recorder, options=settings.options,
                 alerts=alerts, secrets=mask, environ=dict(environ), fleet=fleet)


def _identity(config: Any) -> tuple[str, str]:
    """ronde.yaml's `robot: {name, location}` (default: the host name, `default`)."""
    robot = getattr(config, "robot", None)
    if robot is None:
        return socket.gethostname(), "default"
    return robot.name, robot.location


def _fleet(store: Any, identity: tuple[str, str], settings: Settings) -> Fleet | None:
    """On PostgreSQL the robot is one of a fleet (alone, it is preferred for every slot);
    SQLite is one host's database: no fleet."""
    if not getattr(store, "shared", False):
        return None
    name, location = identity
    log.info("robot %s (%s) joins the fleet on this database", name, location,
             extra={"event": "fleet_joined", "robot": name, "location": location})
    return Fleet(store, name, location, beat_s=settings.options.heartbeat_s)


def _around_the_clock(robot: Robot, settings: Settings, console: Console) -> int:
    live = LiveConsole(console, robot.runner.pool.states, robot.next_runs)
    robot.runner.bus.subscribe(live.on_event)
    with _signals(robot):
        robot.start()
        live.set_journeys({jid: str(t) for jid, t in robot.triggers.items()})

        def follow(event: Event) -> None:
            if event.kind in (Kind.SCHEDULED, Kind.UNSCHEDULED):
                live.set_journeys({jid: str(t) for jid, t in robot.triggers.items()})

        robot.runner.bus.subscribe(follow)
        if settings.live:
            live.start()
        watchdog = Watchdog()

        def tick() -> None:
            if threading.current_thread() is threading.main_thread():
                watchdog.arm()  # a frozen process (GIL held in C) ends instead of hanging
            if settings.live:
                live.refresh()

        try:
            robot.wait(None if settings.minutes is None else settings.minutes * 60, tick=tick)
        finally:
            live.stop()
            if watchdog.armed:  # the shutdown too is bounded: its grace, then the watchdog
                watchdog.arm(robot.options.grace_s + watchdog.after_s)
            try:
                robot.shutdown()
            finally:
                watchdog.disarm()
    return 0


@contextmanager
def _signals(robot: Robot) -> Iterator[None]:
    """SIGTERM/SIGINT: stop gracefully; a second one aborts running journeys at once."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, _frame: Any) -> None:
        name = signal.Signals(signum).name
        if robot.stop_requested.is_set():
            robot.options.grace_s = 0
        robot.request_stop(name)

    previous = {s: signal.signal(s, handler) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _open_store(config: Config) -> Store:
    from storage import Store

    return Store.open(config.storage_url)


def _appium(settings: Settings, stack: ExitStack, environ: Mapping[str, str]) -> Any:
    """The project's Appium server, when a simulated device is configured."""
    # simulated devices that name a running Appium (`ronde appium`) use that one
    simulated = [d for d in settings.config.devices if d.managed_appium]
    if not simulated:
        return None
    from emulators.appium_watch import AppiumSupervisor

    only_sim = all(d.kind is not DeviceKind.APPIUM for d in settings.config.devices)
    log_path = Path(settings.config.artifacts_dir) / "appium.log"
    # Appium logs every typed text: its own log filters mask the secrets, in every encoding.
    server = project_appium(_secret_values(settings, environ), log_path=log_path,
                            env=settings.appium_env, sim_only=only_sim)
    log.info("starting Appium for %d simulated device(s) (log: %s)", len(simulated),
             log_path, extra={"event": "appium_starting"})
    # watched: a dead or hung Appium is restarted, and its runs meanwhile are the robot's error
    supervisor = AppiumSupervisor(server).start()
    stack.callback(supervisor.stop)
    log.info("Appium ready at %s", server.url, extra={"event": "appium_ready"})
    return supervisor


def _dashboard(settings: Settings, stack: ExitStack, console: Console) -> None:
    """The read-only dashboard beside the robot; a port already taken costs a warning only."""
    if settings.dashboard is None:
        return
    from ronde.dashboard import serve_in_thread
    from ronde.dashboard.exceptions import DashboardError

    host, port = settings.dashboard
    try:
        handle = serve_in_thread(settings.config.storage_url, settings.config.artifacts_dir,
                                 host, port, settings.config.dashboard,
                                 settings.config.alerts.default_window)
    except DashboardError as exc:
        log.warning("dashboard not started: %s", exc, extra={"event": "dashboard_failed"})
        return
    stack.callback(handle.stop)
    log.info("dashboard at %s", handle.url, extra={"event": "dashboard_ready"})
    console.print(f"[bold]Dashboard:[/bold] {handle.url}  (metrics: {handle.url}/metrics; "
                  f"{handle.access})")


def _alerts(store: Store, config: Config) -> AlertEngine | None:
    """The alert engine; one that cannot start (say, an unusable channel) is logged as an
    error and the robot runs on. A missing module is no such case: it fails loudly."""
    from scheduler.alerting import alert_engine

    try:
        return alert_engine(store, config, ())
    except Exception as exc:
        log.error("alerts disabled: %s", exc, extra={"event": "alerts_failed"})
        return None


def _loader(config: Config) -> Callable[[Sequence[Path]], tuple[list[Journey], list[Problem]]]:
    from journeys.parser import load_journeys

    return lambda paths: load_journeys(paths, config)


def _robot() -> RunFunction:
    from robots.runner import run_journey

    return run_journey


def _secret_values(settings: Settings, environ: Mapping[str, str]) -> list[str]:
    """Values of the journeys' `monitor.secrets` and of secret-looking variables."""
    try:
        journeys, _problems = _loader(settings.config)(settings.paths)
    except Exception:
        journeys = []
    return appium_secrets({**environ, **settings.appium_env},
                          [n for j in journeys for n in j.monitor.secrets])


def _config_secrets(config: Config, environ: Mapping[str, str]) -> list[str]:
    names = [n for n in config.env_names if SECRET_NAME.search(n)]
    return [environ[n] for n in names if environ.get(n)]


def hard_exit_if_stuck(code: int) -> None:
    """Round threads still blocked in a device call would keep the process alive after a
    bounded shutdown: their runs are already recorded as aborted, so leave now."""
    stuck = [t for t in threading.enumerate()
             if t is not threading.main_thread() and not t.daemon and t.is_alive()]
    if stuck:
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
