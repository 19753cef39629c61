"""run_journey end to end on an in-memory device with an injected clock: deterministic figures,
no Appium. (The same paths against the real simulated device are in test_sim_*.py.)"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from journeys.model import (
    AssertVisible,
    InputText,
    Journey,
    LaunchApp,
    Monitor,
    Platform,
    Position,
    Selector,
    TapOn,
)
from journeys.results import Category, Status
from robots.backends.base import AppState, Bounds, DeviceInfo, Element, Snapshot
from robots.devices import DeviceSpec
from robots.runner import run_journey

RTT = 0.002  # every device call takes 2 ms on the fake clock


class FakePhone:
    """A phone whose screens change at scripted instants of a fake monotonic clock."""

    platform = "android"

    def __init__(self, screens: dict[str, list[str]], taps: dict[str, tuple[str, float]]) -> None:
        self.now = 100.0
        self.screens = screens
        self.taps = taps  # text tapped -> (next screen, delay s)
        self.screen = "off"
        self.pending: tuple[float, str] | None = None
        self.typed: list[str] = []
        self.running = True

    def clock(self) -> float:
        return self.now

    def _tick(self) -> None:
        if self.pending and self.now >= self.pending[0]:
            self.screen, self.pending = self.pending[1], None

    def _call(self) -> float:
        sent = self.now
        self.now += RTT
        return sent

    def start(self) -> DeviceInfo:
        self._call()
        return DeviceInfo(model="Fake", os_version="1", platform="android")

    def snapshot(self) -> Snapshot:
        sent = self.now
        self.now += RTT / 2
        self._tick()  # the state is captured half-way through the round trip
        texts = self.screens.get(self.screen, [])
        self.now += RTT / 2
        elements = [Element(i, "Button", text=t, id=f"app:id/e{i}", editable=t == "field",
                            bounds=Bounds(0, 100 * i, 300, 80)) for i, t in enumerate(texts)]
        return Snapshot(elements, f"{self.screen}", sent, self.now, Bounds(0, 0, 1080, 2400))

    def tap(self, element: Element, *, long_press: bool = False, double: bool = False) -> float:
        sent = self._call()
        if element.text in self.taps:
            target, delay = self.taps[element.text]
            self.pending = (sent + RTT / 2 + delay, target)
        return sent

    def input_text(self, text: str, target: Element | None) -> float:
        self.typed.append(text)
        return self._call()

    def launch_app(self, app_id: str | None, *, clear_state: bool, stop_app: bool) -> float:
        sent = self._call()
        self.screen = "off"
        self.pending = (sent + RTT / 2 + 0.9, "home")
        return sent

    def app_state(self, app_id: str | None) -> AppState:
        self._call()
        return AppState.FOREGROUND if self.running else AppState.NOT_RUNNING

    def connectivity(self) -> bool | None:
        self._call()
        return True

    def logs(self, limit: int = 200) -> Sequence[str]:
        return []

    def screenshot(self) -> bytes:
        return b""

    def device_info(self) -> DeviceInfo:
        return DeviceInfo(model="Fake", os_version="1", platform="android")

    def navigation_timing(self) -> dict[str, float]:
        return {}

    def close(self) -> None:
        self._call()


def journey(*commands: object, slow_ms: int | None = None) -> Journey:
    monitor = Monitor(id="fake", platform=Platform.ANDROID, step_timeout_ms=3000,
                      slow_ms=slow_ms, secrets=("PASS",))
    return Journey(Path("fake.yaml"), monitor, tuple(commands), app_id="com.fake")  # type: ignore[arg-type]


def sel(text: str) -> Selector:
    return Selector(text_or_label=text)


JOURNEY = journey(
    LaunchApp(label="Launch"), AssertVisible(selector=sel("Accueil")),
    TapOn(selector=sel("field")), InputText(text="${PASS}"),
    TapOn(selector=sel("Valider"), label="Login", pos=Position("fake.yaml", 9, 3)),
    AssertVisible(selector=sel("Bienvenue")),
)
SCREENS = {"home": ["Accueil", "field", "Valider"], "welcome": ["Bienvenue"]}


def run(phone: FakePhone, j: Journey, tmp_path: Path):  # type: ignore[no-untyped-def]
    return run_journey(j, DeviceSpec("fake"), appium_url=None, artifacts_dir=tmp_path,
                       environ={"PASS": "hunter2-secret"}, clock=phone.clock,
                       backend=phone)  # type: ignore[arg-type]


@pytest.mark.parametrize("delay_s", [0.05, 0.7, 4.5])
def test_response_time_is_exact_on_a_fake_clock(delay_s: float, tmp_path: Path) -> None:
    j = journey(*JOURNEY.commands[:-1], AssertVisible(selector=sel("Bienvenue")))
    j = Journey(j.path, Monitor(id="fake", platform=Platform.ANDROID, step_timeout_ms=6000,
                                secrets=("PASS",)), j.commands, app_id="com.fake")
    phone = FakePhone(SCREENS, {"Valider": ("welcome", delay_s)})
    result = run(phone, j, tmp_path)
    assert result.status is Status.PASSED, result.error
    launch, login = result.transactions
    assert launch.is_load and result.load_ms == launch.response_ms
    for t, app_time in ((launch, 900), (login, delay_s * 1000)):
        assert t.resolution_ms is not None and t.response_ms is not None
        # back-to-back polls, plus the action's own call (the device got it inside it)
        assert t.resolution_ms == pytest.approx(3 * RTT * 1000, abs=1e-6)
        # the app's own time and the time from sending (transit included) are both inside
        for truth in (app_time, app_time + RTT * 500):
            assert abs(t.response_ms - truth) <= t.resolution_ms / 2 + 1e-6
    assert phone.typed == ["hunter2-secret"]
    assert result.device_model == "Fake" and result.robot_version


def test_slow_transaction_degrades_the_run(tmp_path: Path) -> None:
    j = journey(*JOURNEY.commands, slow_ms=500)
    result = run(FakePhone(SCREENS, {"Valider": ("welcome", 0.7)}), j, tmp_path)
    assert (result.status, result.category) == (Status.DEGRADED, Category.PERFORMANCE)
    assert [t.status for t in result.transactions] == [Status.DEGRADED, Status.DEGRADED]
    assert "took" in (result.error or "")


def test_a_dead_app_is_a_crash_and_the_login_step_is_known(tmp_path: Path) -> None:
    phone = FakePhone(SCREENS, {"Valider": ("gone", 0.1)})
    result = run(phone, JOURNEY, tmp_path)
    assert (result.status, result.category) == (Status.FAILED, Category.DISPLAY)
    phone = FakePhone(SCREENS, {"Valider": ("gone", 0.1)})
    phone.running = False
    result = run(phone, JOURNEY, tmp_path)
    assert (result.status, result.category) == (Status.FAILED, Category.CRASH)
    failed = [s for s in result.steps if s.status is Status.FAILED]
    assert [s.command for s in failed] == ["assertVisible"]
    # 3 s step timeout on the fake clock, the run never slept for real
    assert failed[0].duration_ms == pytest.approx(3000, abs=2 * RTT * 1000)


def test_nothing_changes_after_login_tap_is_a_timeout(tmp_path: Path) -> None:
    result = run(FakePhone(SCREENS, {}), JOURNEY, tmp_path)
    assert (result.status, result.category) == (Status.FAILED, Category.TIMEOUT)
    assert result.transactions[-1].status is Status.FAILED
    assert "line 9" not in (result.error or "")  # the failing check has no position


def test_an_unset_secret_is_the_robots_error(tmp_path: Path) -> None:
    result = run_journey(JOURNEY, DeviceSpec("fake"), appium_url=None, artifacts_dir=tmp_path,
                         environ={}, backend=FakePhone(SCREENS, {}))  # type: ignore[arg-type]
    assert (result.status, result.category) == (Status.ERROR, Category.ROBOT)
    assert "PASS" in (result.error or "") and not result.steps
