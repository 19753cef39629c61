"""Running the dashboard: in the foreground (`ronde dashboard`) or in a thread beside the robot."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import uvicorn

from ronde.dashboard.app import create_app
from ronde.dashboard.exceptions import DashboardError
from ronde.report.source import ReadSource


@dataclass
class DashboardHandle:
    """A dashboard serving in a background thread; `stop()` is idempotent."""

    url: str
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
) -> uvicorn.Server:
    app = create_app(source, artifacts_dir) if clock is None else create_app(
        source, artifacts_dir, clock=clock
    )
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="off",
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
    startup_timeout: float = 15.0,
) -> DashboardHandle:
    """Start the dashboard in a daemon thread and return once it accepts connections.

    `port=0` picks a free port; the handle's `.url` says which. `source` and `clock` replace
    the store and the wall clock (tests). Raises DashboardError when it cannot listen, and
    storage's StorageError when the database cannot be opened.
    """
    owned = source is None
    if source is None:
        from ronde.report.store_source import StoreSource

        source = StoreSource.open(store_url)
    server = _server(source, Path(artifacts_dir), host, port, clock)
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
    return DashboardHandle(f"http://{shown}:{bound}", server, thread, source if owned else None)


def _run(server: uvicorn.Server) -> None:
    # uvicorn exits when it cannot bind; serve_in_thread then sees the thread end.
    with contextlib.suppress(SystemExit):
        server.run()


def serve_forever(source: ReadSource, artifacts_dir: Path, host: str, port: int) -> None:
    """Serve in the foreground until Ctrl-C (uvicorn handles the signals)."""
    try:
        _server(source, artifacts_dir, host, port).run()
    finally:
        source.close()
