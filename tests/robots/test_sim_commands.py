"""The Maestro commands beyond the example journeys, with their semantics, on the simulated
device: optional steps, conditions, loops, text editing, keys, gestures, waits."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from journeys.model import Journey
from journeys.results import Category, RunResult, Status
from tests.robots.conftest import APPS

pytestmark = pytest.mark.appium

JOURNEY = """
appId: com.ronde.demo.shop
monitor: {id: commands, step_timeout: 3s, timeout: 1m}
---
- launchApp: {clearState: true}
- waitForAnimationToEnd
- assertVisible: Accueil
- tapOn: {text: Absent, optional: true, label: Optional miss}
- runFlow:
    when: {platform: ios}
    commands:
      - tapOn: Nowhere
- swipe: {direction: LEFT}
- scroll
- runFlow:
    when: {notVisible: Bienvenue}
    commands:
      - doubleTapOn: Catalogue
- extendedWaitUntil: {visible: {id: search}, timeout: 5s}
- tapOn: {id: search}
- inputText: Casquette
- eraseText: 2
- assertVisible: {text: Casquet, focused: true}
- repeat:
    while: {notVisible: Résultats}
    commands:
      - tapOn: Rechercher
      - extendedWaitUntil: {visible: Résultats, timeout: 5s}
- pressKey: Back
- extendedWaitUntil: {notVisible: Résultats, timeout: 3s}
- longPressOn: {id: product_1}
- assertVisible: {id: price, below: {id: product_title}}
- back
- assertVisible: {id: search}
- hideKeyboard
"""


def test_commands_with_maestro_semantics(journey_file: Callable[..., Journey],
                                         run_sim: Callable[..., RunResult]) -> None:
    result = run_sim(journey_file(JOURNEY))
    assert result.status is Status.PASSED, (result.error, [
        (s.description, s.error) for s in result.steps if s.status is not Status.PASSED])
    missed = [s for s in result.steps if s.status is Status.FAILED]
    assert [(s.description, s.optional) for s in missed] == [
        ('tapOn "Absent" [Optional miss]', True)]
    ran = [s.description for s in result.steps]
    assert 'tapOn "Nowhere"' not in ran  # the iOS-only flow was skipped on Android
    assert ran.count('tapOn "Rechercher"') == 1  # `while` stopped once results showed
    names = [t.name for t in result.transactions]
    assert 'pressKey Back -> not "Résultats"' in names
    assert "longPressOn product_1 -> price" in names


def test_journey_timeout_always_fires(journey_file: Callable[..., Journey],
                                      run_sim: Callable[..., RunResult]) -> None:
    journey = journey_file("""
    appId: com.ronde.demo.shop
    monitor: {id: short, step_timeout: 2s, timeout: 2s}
    ---
    - launchApp
    - extendedWaitUntil: {visible: Jamais, timeout: 30s}
    """)
    result = run_sim(journey)
    assert (result.status, result.category) == (Status.FAILED, Category.TIMEOUT)
    assert 2000 <= result.duration_ms <= 3500


def test_an_ios_app_through_xcuitest_page_sources(journey_file: Callable[..., Journey],
                                                   run_sim: Callable[..., RunResult]) -> None:
    journey = journey_file("""
    appId: com.ronde.test.ios
    monitor: {id: ios-mini, platform: ios, step_timeout: 3s}
    ---
    - launchApp
    - assertVisible: Accueil
    - tapOn: {id: email}
    - inputText: robot@example.com
    - assertVisible: {text: robot@example.com, id: email}
    - tapOn: {text: Continuer, label: Continue}
    - assertVisible: {id: done_title}
    """)
    result = run_sim(journey, app=APPS / "ios-mini.yaml")
    assert result.status is Status.PASSED, result.error
    assert result.platform == "ios"
    cont = next(t for t in result.transactions if t.name == "Continue")
    assert cont.response_ms is not None and cont.resolution_ms is not None
    assert 120 - cont.resolution_ms <= cont.response_ms <= 160 + cont.resolution_ms
