"""`ronde appium`: keep the project's Appium running, so `ronde run` does not start its own.

Runs in the foreground until Ctrl-C or SIGTERM; a dead or hung Appium is restarted (the
supervisor of `ronde start`). While it runs, `ronde run` finds it through `.ronde/appium.json`.
"""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

import click
from rich.console import Console


@click.command(name="appium")
@click.option("--port", type=click.IntRange(1, 65535), default=None,
              help="Listen on this loopback port (default: a free one).")
@click.option("--log-file", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Appium's log (default: in its private folder, removed at exit).")
def command(port: int | None, log_file: Path | None) -> None:
    """Run the project's Appium (simulated devices) until stopped; `ronde run` reuses it."""
    from emulators import shared_appium
    from emulators.appium_server import DEMO_ENV
    from emulators.appium_watch import AppiumSupervisor
    from emulators.exceptions import AppiumServerError
    from ronde.appium_start import appium_secrets, project_appium

    err = Console(stderr=True, highlight=False, emoji=False)
    running = shared_appium.find_running()
    if running is not None:
        raise click.ClickException(f"the project's Appium already runs at {running} "
                                   f"({shared_appium.state_file()})")
    server = project_appium(appium_secrets({**DEMO_ENV, **os.environ}), log_path=log_file)
    server.port = port  # kept by the start (and by the supervisor's restarts)
    stop = threading.Event()
    previous = {s: signal.signal(s, lambda *_: stop.set())
                for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        supervisor = AppiumSupervisor(server).start()
    except AppiumServerError as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        path = shared_appium.announce(server.url)
        err.print(f"Appium at {server.url} (simulated devices; state: {path}). `ronde run` "
                  "reuses it; simulated apps read ${VAR} from this shell's environment. "
                  "Ctrl-C to stop.")
        while not stop.wait(1.0):
            # a restart may have had to take another port: say where it is now
            if supervisor.outage() is None and shared_appium.announced() != server.url:
                shared_appium.announce(server.url)
    finally:
        shared_appium.withdraw()
        supervisor.stop()
        for sig, old in previous.items():
            signal.signal(sig, old)
    err.print("Appium stopped")

