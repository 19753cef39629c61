"""AppiumServer: the real Appium 3 process, started, stopped, and reported when it dies."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import httpx
import pytest

from emulators.appium_server import AppiumServer, check_sim_driver
from emulators.exceptions import AppiumCrashed, AppiumNotInstalled
from emulators.project import project_root

pytestmark = pytest.mark.appium


def test_start_stop_and_crash_detection(tmp_path):
    log = tmp_path / "appium.log"
    server = AppiumServer(log_path=log, sim_state=tmp_path / "sim", drivers=["ronde-sim"],
                          log_level="info")  # the log-streaming check needs info lines
    with server:
        status = httpx.get(f"{server.url}/status", timeout=5).json()
        assert status["value"]["ready"] is True
        assert server.url.startswith("http://127.0.0.1:")
        server.check()
        os.killpg(server.process.pid, signal.SIGKILL)  # our own child: simulate a crash
        server.process.wait(10)
        with pytest.raises(AppiumCrashed) as info:
            server.check()
        assert info.value.returncode == -signal.SIGKILL
        assert "Appium REST http interface listener started" in info.value.log_tail
        assert str(log) in str(info.value)
    assert not server.running()
    assert "RondeSim" in log.read_text(), "the driver was loaded and its log streamed to the file"


def test_a_server_that_cannot_start_is_reported_with_its_log(tmp_path):
    server = AppiumServer(log_path=tmp_path / "appium.log", extra_args=["--no-such-flag"])
    with pytest.raises(AppiumCrashed) as info:
        server.start()
    assert "no-such-flag" in str(info.value)
    assert not server.running()


def test_clear_errors_when_appium_or_the_driver_is_missing(tmp_path, monkeypatch):
    (tmp_path / "package.json").write_text("{}")
    with pytest.raises(AppiumNotInstalled, match=r"run \./dev setup"):
        AppiumServer(root=tmp_path).start()
    monkeypatch.setenv("APPIUM_HOME", str(tmp_path / "empty-home"))
    with pytest.raises(AppiumNotInstalled, match="RondeSim driver is not installed"):
        check_sim_driver()
    monkeypatch.delenv("APPIUM_HOME")
    assert project_root() == Path(__file__).resolve().parents[2]
    with pytest.raises(AppiumNotInstalled, match="set RONDE_HOME"):
        project_root(Path("/"))


def test_the_session_server_is_stopped_cleanly(appium_server):
    appium_server.check()
    assert appium_server.log_path.exists()
