"""Wiring for `ronde start` and `ronde demo`: config → store, Appium, pool, rounds, alerts.

The one place that knows every concrete part (Locust's env.py); the parts themselves only
know the small interfaces they are handed.
"""

from __future__ import annotations

import logging
import os
import re
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console

from journeys.masking import SHORT, Masker
from robots.devices import DeviceSpec
from scheduler.catalog import Catalog
from scheduler.console import LiveConsole
from scheduler.daemon import Options, Robot, exit_code
from scheduler.events import Event, Kind
from scheduler.logs import SecretMask, setup_logging, teardown_logging
from scheduler.pool import DevicePool
from scheduler.recorder import StoreRecorder
from scheduler.rounds import RoundRunner, RunFunction, ServerHealth
from scheduler.watchdog import Watchdog

log = logging.getLogger("ronde.scheduler")

_SECRET_NAME = re.compile(r"PASS|SECRET|TOKEN|KEY|CREDENTIAL", re.IGNORECASE)


@dataclass(slots=True)
class Settings:
    """Everything `ronde start` can be told, with the defaults of a long-running robot."""

    paths: Sequence[Path]
    config: Any  # ronde.config.Config
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


def _build(settings: Settings, store: Any, appium: Any, environ: Mapping[str, str],
           mask: SecretMask) -> Robot:
    config = settings.config
    pool = DevicePool(config.devices, quarantine_after=settings.quarantine_after,
                      backoff_s=settings.quarantine_backoff_s)
    recorder = StoreRecorder(store)
    catalog = Catalog(settings.paths, loader=_loader(config))
    alerts = _alerts(store, config)  # --once too: cron users want their alerts
    every = settings.options.every_override_ms
    wait = settings.lease_wait_s

    def lease_wait(journey: Any) -> float:
        if wait is not None:
            return wait
        interval_ms = every if every is not None and journey.monitor.cron is None else (
            journey.monitor.every_ms)
        limit = journey.monitor.timeout_ms / 1000
        return max(1.0, min(limit, interval_ms / 1000) if interval_ms else limit)

    def appium_url(device: DeviceSpec) -> str | None:
        if device.simulated_app and not device.appium_url:
            return appium.url if appium is not None else None
        return device.appium_url

    watched = appium if isinstance(appium, ServerHealth) else None  # tests hand a bare server

    def server_health(device: DeviceSpec) -> ServerHealth | None:
        return watched if device.simulated_app and not device.appium_url else None

    runner = RoundRunner(
        journeys=catalog.get, pool=pool, recorder=recorder, run=settings.run or _robot(),
        artifacts_dir=config.artifacts_dir, appium_url=appium_url, environ=environ,
        maintenance=config.maintenance, lease_wait_s=lease_wait,
        after_run=alerts.after_run if alerts is not None else None,
        after_runs=alerts.after_runs if alerts is not None else None,
        server_health=server_health,
    )
    return Robot(catalog=catalog, runner=runner, recorder=recorder, options=settings.options,
                 alerts=alerts, secrets=mask, environ=dict(environ))


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


def _open_store(config: Any) -> Any:
    from storage import Store

    return Store.open(config.storage_url)


def _appium(settings: Settings, stack: ExitStack, environ: Mapping[str, str]) -> Any:
    """The project's Appium server, when a simulated device is configured."""
    # simulated devices that name a running Appium (`ronde appium`) use that one
    simulated = [d for d in settings.config.devices if d.simulated_app and not d.appium_url]
    if not simulated:
        return None
    from emulators.appium_server import AppiumServer
    from emulators.appium_watch import AppiumSupervisor

    only_sim = all(d.simulated_app or d.browser_emulate for d in settings.config.devices)
    log_path = Path(settings.config.artifacts_dir) / "appium.log"
    # Appium logs every typed text: its own log filters mask the secrets, in every encoding.
    server = AppiumServer(
        log_path=log_path, env=dict(settings.appium_env),
        drivers=["ronde-sim"] if only_sim else None,
        mask_pattern=Masker(_secret_values(settings, environ)).js_pattern(),
    )
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
                                 host, port, getattr(settings.config, "dashboard", None),
                                 settings.config.alerts.default_window)
    except DashboardError as exc:
        log.warning("dashboard not started: %s", exc, extra={"event": "dashboard_failed"})
        return
    stack.callback(handle.stop)
    log.info("dashboard at %s", handle.url, extra={"event": "dashboard_ready"})
    console.print(f"[bold]Dashboard:[/bold] {handle.url}  (metrics: {handle.url}/metrics; "
                  f"{handle.access})")


def _alerts(store: Any, config: Any) -> Any:
    """The alert engine when `scheduler.alerts` is installed; a broken one is logged, not fatal."""
    try:
        from scheduler.alerts.engine import AlertEngine
    except ImportError:
        return None
    try:
        return AlertEngine(store, config, ())
    except Exception as exc:
        log.error("alerts disabled: %s", exc, extra={"event": "alerts_failed"})
        return None


def _loader(config: Any) -> Callable[[Sequence[Path]], tuple[list[Any], list[Any]]]:
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
    values = {**environ, **settings.appium_env}
    declared = {values.get(n, "") for j in journeys for n in j.monitor.secrets}
    # names that merely look secret: short values there are flags and counts, not secrets
    guessed = {v for n, v in values.items() if _SECRET_NAME.search(n) and len(v) >= SHORT}
    return sorted(v for v in declared | guessed if v)


def _config_secrets(config: Any, environ: Mapping[str, str]) -> list[str]:
    names = [n for n in getattr(config, "env_names", ()) if _SECRET_NAME.search(n)]
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
