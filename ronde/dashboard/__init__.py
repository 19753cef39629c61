"""The web dashboard: journeys' status, availability, response times, runs and incidents.

`serve_in_thread(store_url, artifacts_dir, host, port)` runs it beside the robot
(`ronde start`, `ronde demo`); `ronde dashboard` runs it alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ronde.dashboard.server import DashboardHandle


def serve_in_thread(
    store_url: str, artifacts_dir: str | Path, host: str = "127.0.0.1", port: int = 0
) -> DashboardHandle:
    """Serve the dashboard in a background thread; returns a handle with `.url` and `.stop()`."""
    from ronde.dashboard.server import serve_in_thread as _serve

    return _serve(store_url, artifacts_dir, host, port)


__all__ = ["serve_in_thread"]
