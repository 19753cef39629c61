"""The runbook link of a notice: the `alerts.runbook_url` template, else the incident on the
dashboard, else none (never a file:// path that only exists on the robot's disk)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.alerts.builders import journey
from tests.alerts.harness import make_harness
from tests.fixtures.alertmanager import HttpRecorder


@pytest.mark.parametrize("dashboard_url", ["https://ronde.example.com/", None])
def test_without_a_template_the_runbook_is_the_dashboards_incident_or_nothing(
    tmp_path: Path, http_recorder: HttpRecorder, dashboard_url: str | None
) -> None:
    channels = {"chat": http_recorder.url.replace("http://", "json://") + "/chat"}
    h = make_harness(f"sqlite:///{tmp_path / 'r.db'}", tmp_path, channels,
                     journeys=[journey("shop-login", consecutive_failures=1)],
                     dashboard_url=dashboard_url)
    try:
        h.check(0, "down")
        h.drain()
        [incident] = h.store.open_incidents()
        [notice] = [r.body["message"] for r in http_recorder.received]
        assert "file://" not in notice
        runbooks = [line for line in notice.splitlines() if line.startswith("Runbook")]
        if dashboard_url:
            assert runbooks == [
                f"Runbook: https://ronde.example.com/incidents#incident-{incident.id}"]
        else:
            assert runbooks == []
    finally:
        h.engine.close()
        h.store.close()
