"""A slice of the alert corpus (benchmarks/corpus) through the real robot — simulated phones,
Chromium, the alert engine on SQLite — each scenario naming its expected causes. The whole
corpus, with accuracy and time to first notice: `benchmarks/alert_accuracy.py`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from benchmarks.alert_accuracy import load_scenarios, run_scenario

pytestmark = [pytest.mark.appium, pytest.mark.chromium]

SCENARIOS = {s.name: s for s in load_scenarios()}
PICKED = [
    "web site refuses connections",  # a browser error page: the network, on the web
    "two causes - logins refused everywhere, one phone blank",  # two incidents
    "food crashes when ordering (iOS)",  # another app model, the iOS dialect
]


def test_the_corpus_is_broad() -> None:
    scenarios = list(SCENARIOS.values())
    models = {m for s in scenarios for m in s.devices.values()}
    assert len(scenarios) >= 20 and {"shop", "bank", "food", "web"} <= models
    assert any(len(s.expect) > 1 for s in scenarios)
    assert any(len(s.devices) > 2 for s in scenarios)


@pytest.mark.parametrize("name", PICKED)
def test_scenario_names_the_expected_causes(name: str, appium_server: Any, chromium: str,
                                            tmp_path: Path) -> None:
    outcome = run_scenario(SCENARIOS[name], appium_server, tmp_path)
    print(f"\n{name}: {sorted(outcome.got)}, first notice after {outcome.first_notice_s}s "
          f"(scenario {outcome.seconds:.0f}s)")
    assert outcome.got == SCENARIOS[name].expect, outcome.titles
    assert outcome.first_notice_s is not None
