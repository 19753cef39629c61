"""A long-lived `ronde appium` that `ronde run` reuses instead of starting its own, and
simulated devices that name a running Appium in ronde.yaml."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from emulators import shared_appium
from ronde.config import load_config

ROOT = Path(__file__).resolve().parents[2]
RONDE = str(Path(sys.executable).with_name("ronde"))
APP = ROOT / "tests" / "robots" / "apps" / "delay.yaml"

JOURNEY = """appId: com.ronde.test.delay
monitor: {id: keeper}
---
- launchApp
- tapOn: {text: Go, label: Go}
- assertVisible: Fini
"""


def _project(tmp_path: Path, device: str, name: str = "p") -> tuple[Path, Path]:
    tmp_path = tmp_path / name
    tmp_path.mkdir()
    app = tmp_path / "delay.yaml"
    app.write_text(APP.read_text().replace("__DELAY_MS__", "100"))
    config = tmp_path / "ronde.yaml"
    config.write_text(f"storage: sqlite:///{tmp_path / 'r.db'}\nartifacts: {tmp_path / 'a'}\n"
                      f"devices:\n  - {{name: sim-keeper-{os.getpid()}, {device}}}\n"
                      .replace("APP", str(app)))
    journey = tmp_path / "keeper.yaml"
    journey.write_text(JOURNEY)
    return config, journey


def _run(journey: Path, config: Path, env: dict[str, str], *extra: str
         ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([RONDE, "run", str(journey), "--config", str(config), "--no-store",
                           "--json", *extra], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=180)


@pytest.mark.appium
def test_ronde_run_reuses_the_appium_that_ronde_appium_keeps(tmp_path: Path) -> None:
    state = tmp_path / "appium.json"
    env = {**os.environ, "RONDE_APPIUM_STATE": str(state)}
    config, journey = _project(tmp_path, "simulated: {app: APP}")
    keeper = subprocess.Popen([RONDE, "appium"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 90
        while not state.exists():
            assert keeper.poll() is None and time.monotonic() < deadline, keeper.stdout.read()
            time.sleep(0.1)
        url = json.loads(state.read_text())["url"]
        assert json.loads(state.read_text())["pid"] == keeper.pid
        assert state.stat().st_mode & 0o077 == 0
        # A second keeper refuses: one per project.
        second = subprocess.run([RONDE, "appium"], cwd=ROOT, env=env, capture_output=True,
                                text=True, timeout=60)
        assert second.returncode == 1 and f"already runs at {url}" in second.stderr

        for _ in range(2):  # twice on the same server: nothing of the first run is left over
            done = _run(journey, config, env)
            assert done.returncode == 0, done.stderr
            assert f"using the project's running Appium at {url}" in done.stderr
            assert "starting the project's Appium server" not in done.stderr
            assert json.loads(done.stdout.splitlines()[0])["status"] == "passed"
    finally:
        keeper.send_signal(signal.SIGTERM)
        code = keeper.wait(30)
    assert code == 0
    assert not state.exists()  # withdrawn on the way out
    assert not shared_appium.answers(url)  # and its Appium is gone with it
    # No keeper any more: the call starts its own again.
    alone = _run(journey, config, env)
    assert alone.returncode == 0, alone.stderr
    assert "starting the project's Appium server" in alone.stderr


@pytest.mark.appium
def test_appium_option_and_a_simulated_device_naming_its_appium(tmp_path: Path) -> None:
    from emulators.appium_server import AppiumServer

    env = {**os.environ, "RONDE_APPIUM_STATE": str(tmp_path / "none.json")}
    with AppiumServer(drivers=["ronde-sim"]) as server:
        config, journey = _project(tmp_path, "simulated: {app: APP}")
        done = _run(journey, config, env, "--appium", server.url)
        assert done.returncode == 0, done.stderr
        assert "starting the project's Appium server" not in done.stderr
        named, journey = _project(tmp_path, f"simulated: {{app: APP, appium: '{server.url}'}}",
                                  "named")
        done = _run(journey, named, env)
        assert done.returncode == 0, done.stderr
        assert "Appium" not in done.stderr  # the device's own: nothing started, nothing found
    refused = _run(journey, config, env, "--appium", "http://127.0.0.1:9")
    assert refused.returncode == 2
    assert "--appium http://127.0.0.1:9: no Appium answers there" in refused.stderr


def test_a_stale_state_file_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    state = tmp_path / "appium.json"
    monkeypatch.setenv("RONDE_APPIUM_STATE", str(state))
    assert shared_appium.find_running() is None  # no file
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    shared_appium.announce("http://127.0.0.1:9", pid=dead.pid)  # its owner was kill -9'd
    assert shared_appium.find_running() is None
    shared_appium.announce("http://127.0.0.1:9")  # owner alive, nothing answers
    assert shared_appium.find_running() is None
    shared_appium.withdraw(pid=dead.pid)  # not ours: kept
    assert state.exists()
    shared_appium.withdraw()
    assert not state.exists()
    state.write_text("{not json")
    assert shared_appium.find_running() is None


def test_config_simulated_appium_is_a_url(tmp_path: Path) -> None:
    app = tmp_path / "delay.yaml"
    app.write_text(APP.read_text().replace("__DELAY_MS__", "100"))
    good = tmp_path / "good.yaml"
    good.write_text(f"devices:\n  - name: s\n    simulated: {{app: {app}, appium: "
                    "'http://127.0.0.1:4723'}\n")
    (device,) = load_config(good).devices
    assert device.kind == "simulated" and device.appium_url == "http://127.0.0.1:4723"
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"devices:\n  - name: s\n    simulated: {{app: {app}, appium: localhost}}\n")
    with pytest.raises(Exception) as info:
        load_config(bad)
    assert "bad.yaml:3:" in str(info.value)
    assert "simulated.appium: 'localhost' is not a URL (expected http://127.0.0.1:4723)" in str(
        info.value)
