"""Running the dashboard: in the foreground (`ronde dashboard`) or in a thread beside the robot."""

from __future__ import annotations

import contextlib
import gc
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import uvicorn

from ronde.dashboard.app import create_app
from ronde.dashboard.exceptions import DashboardError
from ronde.dashboard.figures import StoreFigures
from ronde.dashboard.listen import check_listen, describe_access
from ronde.dashboard.settings import DashboardSettings
from ronde.report.source import ReadSource

#: Collector thresholds of a process that serves the dashboard. A page of a 100-journey trial
#: allocates ~300 k short-lived objects: at CPython's default (700, 10, 10) its young
#: collections, and the full ones they trigger, walked the whole heap (the caches of decoded
#: hours, SQLAlchemy's compiled statements) several times per request, 30-40 % of `/` (#13).
GC_THRESHOLDS = (10_000, 10, 10)


def tune_gc() -> None:
    """Move what start-up built out of the collector's sight (gc.freeze) and collect the young
    generation less often (GC_THRESHOLDS); reference counting still frees all acyclic garbage
    at once. Once per process: a later freeze would also pin what became garbage since."""
    if gc.get_threshold() != GC_THRESHOLDS:
        gc.freeze()
        gc.set_threshold(*GC_THRESHOLDS)


@dataclass
class DashboardHandle:
    """A dashboard serving in a background thread; `stop()` is idempotent."""

    url: str
    access: str  # who may read it, for the startup banner (describe_access)
    _server: uvicorn.Server
    _thread: threading.Thread
    _source: ReadSource | None  # closed on stop when the handle opened it
    _stopped: bool = field(default=False)

    def stop(self, timeout: float = 10.0) -> None:
        if self._stopped:
            return
        self._stopped = True
        self._server.should_exit = True
        self._thread.join(timeout)
        if self._source is not None:
            self._source.close()

    def __enter__(self) -> DashboardHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _server(
    source: ReadSource,
    artifacts_dir: Path,
    host: str,
    port: int,
    clock: Callable[[], datetime] | None = None,
    settings: DashboardSettings | None = None,
    alert_window: timedelta = timedelta(hours=1),
) -> uvicorn.Server:
    settings = settings or DashboardSettings()
    check_listen(host, settings)
    figures = _figures_of(source)
    app = create_app(source, artifacts_dir, settings=settings, figures=figures,
                     alert_window=alert_window) \
        if clock is None else create_app(source, artifacts_dir, clock=clock, settings=settings,
                                         figures=figures, alert_window=alert_window)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="off",
        # X-Forwarded-* are read by the app, from dashboard.trusted_proxies only: uvicorn
        # would otherwise believe them from 127.0.0.1 and hide the real peer address
        proxy_headers=False,
        server_header=False,
    )
    return uvicorn.Server(config)


def serve_in_thread(
    store_url: str,
    artifacts_dir: Path | str,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    source: ReadSource | None = None,
    clock: Callable[[], datetime] | None = None,
    settings: DashboardSettings | None = None,
    alert_window: timedelta = timedelta(hours=1),
    startup_timeout: float = 15.0,
) -> DashboardHandle:
    """Start the dashboard in a daemon thread and return once it accepts connections.

    `port=0` picks a free port; the handle's `.url` says which. `settings` are ronde.yaml's
    `dashboard:` (default: no login, loopback only). `source` and `clock` replace the store
    and the wall clock (tests). `alert_window`: ronde.yaml's `alerts.defaults.window`, the
    window of /metrics' `ronde_alert_window_availability_ratio`. Raises DashboardError when
    it cannot or may not listen, and storage's StorageError when the database cannot be opened.
    """
    settings = settings or DashboardSettings()
    check_listen(host, settings)  # before opening anything
    owned = source is None
    if source is None:
        from ronde.report.store_source import StoreSource

        source = StoreSource.open(store_url)
    server = _server(source, Path(artifacts_dir), host, port, clock, settings, alert_window)
    tune_gc()
    # uvicorn leaves signal handling alone outside the main thread: Ctrl-C stays the robot's.
    thread = threading.Thread(target=_run, args=(server,), name="ronde-dashboard", daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            if owned:
                source.close()
            raise DashboardError(
                f"the dashboard could not listen on {host}:{port} (port in use?)"
            )
        time.sleep(0.02)
    bound = server.servers[0].sockets[0].getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    return DashboardHandle(f"http://{shown}:{bound}", describe_access(host, settings), server,
                           thread, source if owned else None)


def _figures_of(source: ReadSource) -> StoreFigures | None:
    """The journey, runs, incident and status pages read the same store as `source`."""
    from ronde.report.store_source import StoreSource

    return StoreFigures(source.store) if isinstance(source, StoreSource) else None


def _run(server: uvicorn.Server) -> None:
    # uvicorn exits when it cannot bind; serve_in_thread then sees the thread end.
    with contextlib.suppress(SystemExit):
        server.run()


def serve_forever(source: ReadSource, artifacts_dir: Path, host: str, port: int,
                  settings: DashboardSettings | None = None,
                  alert_window: timedelta = timedelta(hours=1)) -> None:
    """Serve in the foreground until Ctrl-C (uvicorn handles the signals)."""
    try:
        server = _server(source, artifacts_dir, host, port, settings=settings,
                         alert_window=alert_window)
        tune_gc()
        server.run()
    finally:
        source.close()
