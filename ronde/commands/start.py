"""`ronde start [PATH] [--config F] [--once]`: the robot's rounds, around the clock."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.markup import escape

if TYPE_CHECKING:
    from ronde.config import Config


def load_settings_config(config_path: Path | None) -> Config:
    """ronde.yaml as given, else ./ronde.yaml when present, else the built-in defaults;
    a bad file exits with its file:line:column problems."""
    from ronde.config import ConfigError, load_command_config

    err = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)  # `:x:` verbatim
    try:
        config = load_command_config(config_path)
    except ConfigError as exc:
        err.print(f"[bold red]ronde.yaml is not valid:[/bold red]\n{escape(str(exc))}")
        sys.exit(2)
    for warning in config.warnings:
        err.print(f"[yellow]warning:[/yellow] {escape(str(warning))}")
    return config


def parse_dashboard(text: str) -> tuple[str, int] | None:
    """`HOST:PORT`, `PORT`, or `off`."""
    if text.lower() in ("off", "no", "none"):
        return None
    host, _, port = text.rpartition(":")
    if not port.isdigit() or not 0 <= int(port) < 65536:
        raise click.BadParameter(f"expected HOST:PORT, PORT or off, got {text!r}")
    return host or "127.0.0.1", int(port)


def parse_every(text: str | None) -> int | None:
    if text is None:
        return None
    from journeys.durations import EVERY_MAX, parse_duration

    try:
        ms = parse_duration(text, EVERY_MAX)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc
    if ms < 500:
        raise click.BadParameter("expected at least 500ms")
    return ms


@click.command(name="start")
@click.argument("path", required=False, default="journeys", type=click.Path(path_type=Path))
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False),
              help="ronde.yaml (default: ./ronde.yaml, or the built-in defaults).")
@click.option("--once", is_flag=True,
              help="Run each journey once (confirmations included) and exit: 1 if any failed.")
@click.option("--minutes", type=float, default=None,
              help="Stop by itself after this many minutes (CI, trials on a laptop).")
@click.option("--every", "every", default=None, metavar="DURATION",
              help="Override every journey's `every` (not `cron`), e.g. 10s for a demo.")
@click.option("--grace", type=float, default=30.0, show_default=True,
              help="Seconds running journeys get to finish on SIGTERM before being aborted.")
@click.option("--log-file", type=click.Path(path_type=Path, dir_okay=False),
              default=Path("ronde.log"), show_default=True, help="JSON-lines log file.")
@click.option("--no-live", is_flag=True, help="Plain log lines instead of the live table.")
@click.option("--dashboard", default="127.0.0.1:8080", show_default=True, metavar="HOST:PORT",
              help="Serve the dashboard and /metrics beside the robot (`off` to not).")
@click.option("--heartbeat", type=float, default=5.0, show_default=True, hidden=True)
@click.option("--reload", "reload_s", type=float, default=2.0, show_default=True, hidden=True)
@click.option("--alerts-tick", "alerts_tick_s", type=float, default=30.0, show_default=True,
              hidden=True)
@click.option("--quarantine-backoff", type=float, default=30.0, show_default=True,
              hidden=True)
@click.option("-v", "--verbose", is_flag=True, help="Debug logs.")
def command(path: Path, config_path: Path | None, once: bool, minutes: float | None,
            every: str | None, grace: float, log_file: Path, no_live: bool, dashboard: str,
            heartbeat: float, reload_s: float, alerts_tick_s: float,
            quarantine_backoff: float, verbose: bool) -> None:
    """Run every journey in PATH (default: journeys/) on its schedule, on the device pool."""
    code = start(
        [path], load_settings_config(config_path), once=once, minutes=minutes,
        every_ms=parse_every(every), grace_s=grace, log_file=log_file, live=not no_live,
        heartbeat_s=heartbeat, reload_s=reload_s, quarantine_backoff_s=quarantine_backoff,
        verbose=verbose, dashboard=parse_dashboard(dashboard), alerts_tick_s=alerts_tick_s,
    )
    sys.exit(code)


def start(paths: list[Path], config: Config, *, once: bool = False, minutes: float | None = None,
          every_ms: int | None = None, grace_s: float = 30.0,
          log_file: Path | None = Path("ronde.log"), live: bool = True,
          heartbeat_s: float = 5.0, reload_s: float = 2.0, quarantine_backoff_s: float = 30.0,
          verbose: bool = False, appium_env: dict[str, str] | None = None,
          dashboard: tuple[str, int] | None = None, alerts_tick_s: float = 30.0) -> int:
    """Shared by `ronde start` and `ronde demo`; returns the exit code."""
    from tzlocal import get_localzone

    from ronde.service import Settings, hard_exit_if_stuck, serve
    from scheduler.daemon import Options

    missing = [p for p in paths if not p.exists()]
    if missing:
        raise click.ClickException(f"no such file or folder: {missing[0]} (expected journeys)")
    from ronde.artifacts_folder import mark_config_artifacts

    try:
        mark_config_artifacts(config)
    except (ValueError, OSError) as exc:
        Console(stderr=True, highlight=False, soft_wrap=True, emoji=False).print(
            str(exc), markup=False)
        return 2
    if dashboard is not None:
        from ronde.dashboard.exceptions import DashboardError
        from ronde.dashboard.listen import check_listen

        try:  # refused before the robot starts, not as a warning once it runs
            check_listen(dashboard[0], config.dashboard)
        except DashboardError as exc:
            raise click.ClickException(str(exc)) from exc
    options = Options(every_override_ms=every_ms, grace_s=grace_s, heartbeat_s=heartbeat_s,
                      reload_s=reload_s, alerts_tick_s=alerts_tick_s, tz=get_localzone())
    settings = Settings(paths=paths, config=config, once=once, minutes=minutes,
                        log_file=log_file, live=live, verbose=verbose, options=options,
                        quarantine_backoff_s=quarantine_backoff_s,
                        appium_env=appium_env or {}, dashboard=dashboard)
    # the robot's console quotes journey files and errors: no emoji codes in them
    console = Console(highlight=False, soft_wrap=True, emoji=False)
    try:
        code = serve(settings, console)
    except Exception as exc:
        from emulators.exceptions import AppiumServerError
        from storage import StorageError

        if isinstance(exc, StorageError | AppiumServerError):
            raise click.ClickException(str(exc)) from exc
        raise
    hard_exit_if_stuck(code)
    return code
