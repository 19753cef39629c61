"""A new app release that crashes, end to end on a simulated device: the robot records each run's
app version from the device, and the pre-diagnosis names the release (not just "a crash")."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest

from emulators import faults
from emulators.capabilities import DEMO_SHOP
from journeys.parser import load_journey
from robots.devices import DeviceSpec
from robots.runner import run_journey
from scheduler.alerts.model import facts_from_result
from scheduler.alerts.prediagnosis import diagnose
from scheduler.alerts.rules import evaluate_journey
from scheduler.alerts.settings import AlertSettings, effective_policy
from tests.alerts.builders import monitor

pytestmark = pytest.mark.appium

SETTINGS = AlertSettings()
JOURNEY = """\
appId: com.ronde.demo.shop
monitor: {id: release-e2e, step_timeout: 2s, timeout: 30s}
---
- launchApp
- assertVisible: Accueil
- tapOn: {text: Catalogue, label: Catalogue}
- assertVisible: {id: product_1}
"""
ENV = {**os.environ, "SHOP_USER": "qa-robot@example.com", "SHOP_PASSWORD": "demo-secret"}


def test_a_crashing_new_release_is_diagnosed_as_a_release_regression(
        appium_server, sim_udid, tmp_path) -> None:
    path = tmp_path / "release.yaml"
    path.write_text(JOURNEY, encoding="utf-8")
    journey = load_journey(path)
    device = DeviceSpec(sim_udid, ("android", "sim"), simulated_app=str(DEMO_SHOP))
    artifacts = tmp_path / "artifacts"

    def check() -> list:
        """One scheduled check: a run, and its confirmation when it fails."""
        first = run_journey(journey, device, appium_url=appium_server.url,
                            artifacts_dir=artifacts, environ=ENV)
        runs = [first]
        if first.status.value == "failed":
            runs.append(run_journey(journey, device, appium_url=appium_server.url,
                                    artifacts_dir=artifacts, environ=ENV, attempt=2,
                                    confirms=first.run_id))
        return runs

    try:
        before = check()
        assert [(r.status.value, r.app_version) for r in before] == [("passed", "3.4.1")]
        # Release 3.5.0 is installed, and it crashes when the catalogue opens.
        faults.set_fault(sim_udid, "new_version", version="3.5.0")
        faults.set_fault(sim_udid, "crash", on="catalogue")
        after = check()
    finally:
        faults.clear_faults(sim_udid)
    assert [(r.status.value, r.category and r.category.value, r.app_version) for r in after] == [
        ("failed", "crash", "3.5.0")] * 2

    history = [facts_from_result(r, artifacts) for r in before + after]
    now = datetime.now(UTC)
    policy = effective_policy(monitor(journey.id, consecutive_failures=1), SETTINGS)
    [decision] = [d for d in evaluate_journey(journey.id, history, policy, now,
                                              grace_ms=SETTINGS.confirm_grace_ms)
                  if d.key.endswith(":failing")]
    assert decision.holds, decision
    d = diagnose(decision, history, now, lookback_ms=30 * 60_000)
    text = " | ".join(f.en for f in d.facts)
    assert (d.cause, d.title_en) == ("release_regression", "Regression in app release 3.5.0")
    assert "the last passing run used version 3.4.1" in text
    assert "the app died during Catalogue" in text
