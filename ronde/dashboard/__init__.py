"""The web dashboard: journeys' status, availability, response times, runs and incidents.

`serve_in_thread(store_url, artifacts_dir, host, port)` runs it beside the robot
(`ronde start`, `ronde demo`); `ronde dashboard` runs it alone.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ronde.dashboard.server import DashboardHandle
    from ronde.dashboard.settings import DashboardSettings


def serve_in_thread(
    store_url: str, artifacts_dir: str | Path, host: str = "127.0.0.1", port: int = 0,
    settings: DashboardSettings | None = None, alert_window: timedelta = timedelta(hours=1),
) -> DashboardHandle:
    """Serve the dashboard in a background thread; returns a handle with `.url`, `.access`
    (who may read it) and `.stop()`. `settings`: ronde.yaml's `dashboard:` (default: no
    login, which is refused on a non-loopback host); `alert_window`: `alerts.defaults.window`,
    the window of /metrics' alert-window availability."""
    from ronde.dashboard.server import serve_in_thread as _serve

    return _serve(store_url, artifacts_dir, host, port, settings=settings,
                  alert_window=alert_window)


__all__ = ["serve_in_thread"]
