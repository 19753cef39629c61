"""AppiumSupervisor on the real Appium: a killed server is seen at once and restarted on its
URL, a hung one (SIGSTOP) is seen by its missed /status probes, killed and restarted."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import httpx
import pytest

from emulators.appium_server import AppiumServer
from emulators.appium_watch import AppiumSupervisor, Outage
from tests.reliability.processes import alive, descendants, node_processes, wait_for

pytestmark = pytest.mark.appium


def appium_of(server: AppiumServer) -> list[int]:
    """The node processes under this server's watchdog (the session's own Appium aside)."""
    assert server.process is not None
    return node_processes(descendants(server.process.pid))


def test_killed_then_hung_appium_is_restarted(tmp_path: Path) -> None:
    changes: list[Outage | None] = []
    server = AppiumServer(log_path=tmp_path / "appium.log", sim_state=tmp_path / "sim",
                          drivers=["ronde-sim"])
    watch = AppiumSupervisor(server, interval_s=0.2, misses=2, probe_timeout_s=0.5,
                             backoff_s=(0.2, 0.5), on_change=changes.append)
    watch.start()
    try:
        url = watch.url
        (node,) = appium_of(server)
        assert watch.outage() is None and watch.epoch() == 0

        os.kill(node, signal.SIGKILL)
        down = wait_for(watch.outage, 0.15, "the death to be seen", every=0.01)
        assert "the Appium server exited" in down
        assert watch.epoch() == 1
        wait_for(lambda: watch.outage() is None, 30, "the restart")
        assert watch.url == url, "restarted on the same URL"
        assert httpx.get(f"{url}/status", timeout=5).status_code == 200

        (hung,) = appium_of(server)
        os.kill(hung, signal.SIGSTOP)  # alive, but answers nothing
        wait_for(lambda: watch.epoch() == 2, 10, "the hang to be noticed")
        wait_for(lambda: watch.outage() is None, 30, "the second restart")
        assert not alive(hung), "the hung Appium was killed before the restart"
        assert [c is None for c in changes] == [False, True, False, True]
        assert isinstance(changes[2], Outage) and "/status" in changes[2].reason
        assert watch.restarts == 2
    finally:
        guard = server.process.pid if server.process else None
        watch.stop()
    assert guard is not None and not alive(guard) and not alive(hung)
    assert not server.running()
