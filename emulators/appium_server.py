"""The project's Appium 3 server as a child process: started on a free loopback port, waited for,
logged to a file, stopped cleanly, and reported with its log tail when it dies on its own.

Appium runs in its own process group under a watchdog (`appium_guard.py`) and keeps its files
in a private, locked temporary folder (`rundir`): when Ronde dies, even by kill -9, the group
and the folder go too, and the next start sweeps any folder a dead owner left behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType

from emulators.exceptions import AppiumCrashed, AppiumNotInstalled, AppiumServerError
from emulators.faults import state_dir
from emulators.project import appium_bin, appium_home, project_root
from emulators.rundir import RunDir, sweep

GUARD = Path(__file__).with_name("appium_guard.py")

# Demo values for the demo shop's credentials, used when the environment does not set them.
DEMO_ENV: dict[str, str] = {"SHOP_USER": "qa-robot@example.com", "SHOP_PASSWORD": "demo-secret"}


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def check_sim_driver(root: Path | None = None) -> None:
    """Raises AppiumNotInstalled unless the RondeSim driver is in the project's Appium home."""
    home = appium_home(root)
    manifest = home / "node_modules" / ".cache" / "appium" / "extensions.yaml"
    if not manifest.is_file() or "ronde-sim" not in manifest.read_text(errors="replace"):
        raise AppiumNotInstalled(
            f"the RondeSim driver is not installed in {home}: run ./dev setup "
            "(or emulators/install-driver.sh)"
        )


class AppiumServer:
    """`with AppiumServer() as appium: ... appium.url ...` — one Appium process per instance.

    `env` adds to the inherited environment (the simulated app reads `${VAR}` from it; the demo
    shop's credentials default to DEMO_ENV). `drivers` limits which installed drivers load
    (faster start); None loads them all (e.g. uiautomator2 for a real phone). `log_level` is
    `warn` by default because at `info` Appium logs every request body, typed secrets included.
    `mask_pattern`, a JavaScript regular expression (journeys.masking's `js_pattern()`), is
    handed to Appium's `--log-filters`: its matches are logged as `•••` at any level. The rules
    file holding it exists only until Appium has read it at start-up.
    """

    def __init__(
        self,
        *,
        root: Path | None = None,
        log_path: Path | None = None,
        env: Mapping[str, str] | None = None,
        sim_state: Path | None = None,
        drivers: Iterable[str] | None = None,
        startup_timeout: float = 60.0,
        extra_args: Iterable[str] = (),
        log_level: str = "warn",
        mask_pattern: str | None = None,
    ) -> None:
        self.root = root or project_root()
        self.host = "127.0.0.1"
        self.port: int | None = None
        self._log_path = log_path  # None: in the private folder, gone with it at stop()
        self._run_dir: RunDir | None = None
        self.sim_state = sim_state or state_dir()
        self.env = dict(env or {})
        self.drivers = list(drivers) if drivers is not None else None
        self.startup_timeout = startup_timeout
        self.extra_args = list(extra_args)
        self.log_level = log_level
        self.mask_pattern = mask_pattern
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def log_path(self) -> Path:
        if self._log_path is not None:
            return self._log_path
        if self._run_dir is None:
            raise AppiumServerError("the Appium server is not started")
        return self._run_dir.path / "appium.log"

    @property
    def url(self) -> str:
        if self.port is None:
            raise AppiumServerError("the Appium server is not started")
        return f"http://{self.host}:{self.port}"

    def _environment(self) -> dict[str, str]:
        env = dict(os.environ)
        for key, value in DEMO_ENV.items():
            env.setdefault(key, value)
        env.update(self.env)
        env["APPIUM_HOME"] = str(appium_home(self.root))
        env["RONDE_SIM_STATE"] = str(self.sim_state)
        return env

    def start(self) -> AppiumServer:
        if self.process is not None:
            raise AppiumServerError("the Appium server is already started")
        binary = appium_bin(self.root)
        if self.drivers and "ronde-sim" in self.drivers:
            check_sim_driver(self.root)
        sweep()  # folders of servers whose Ronde was killed before it could clean up
        self._run_dir = run_dir = RunDir()
        try:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            return self._start(binary, self._log_filters(run_dir.path))
        except BaseException:
            self._kill()
            self._remove_run_dir()
            raise
        finally:  # Appium has read its filters: the secrets leave the disk
            (run_dir.path / "log-filters.json").unlink(missing_ok=True)

    def _log_filters(self, folder: Path) -> list[str]:
        if not self.mask_pattern:
            return []
        rules = folder / "log-filters.json"
        rules.touch(mode=0o600)
        rules.write_text(json.dumps([{"pattern": self.mask_pattern, "replacer": "•••"}]))
        return ["--log-filters", str(rules)]

    def _start(self, binary: Path, filters: list[str]) -> AppiumServer:
        assert self._run_dir is not None
        for attempt in range(3):  # another process may grab the free port before Appium binds it
            # a restart keeps its URL when it can; another process may have taken the port
            self.port = self.port if attempt == 0 and self.port else free_port(self.host)
            args = [str(binary), "server", "--address", self.host, "--port", str(self.port),
                    "--log-no-colors", "--log-timestamp", "--log-level", self.log_level,
                    *filters, *self.extra_args]
            if self.drivers is not None:
                args += ["--use-drivers", ",".join(self.drivers)]
            guard = [sys.executable, str(GUARD), str(os.getpid()), str(self._run_dir.path), "--"]
            with open(self.log_path, "ab") as log:
                self.process = subprocess.Popen(
                    [*guard, *args], cwd=self.root, env=self._environment(), stdout=log,
                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
                )
            try:
                self._wait_ready()
                return self
            except AppiumCrashed as exc:
                self.process = None
                if "EADDRINUSE" not in exc.log_tail or attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _wait_ready(self) -> None:
        # imported here: `ronde run` imports this module for DEMO_ENV even when it reuses a
        # running Appium, and httpx costs it ~50 ms; starting Appium takes seconds anyway
        import httpx

        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            self.check()
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/status", timeout=2).status_code == 200:
                    return
            time.sleep(0.1)
        message = (f"Appium did not answer on {self.url}/status within "
                   f"{self.startup_timeout:.0f} s; log: {self.log_path}\n{self.log_tail()}")
        self._kill()
        raise AppiumServerError(message)

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def check(self) -> None:
        """Raises AppiumCrashed (with the log tail) if the process exited on its own."""
        if self.process is None:
            raise AppiumServerError("the Appium server is not started")
        code = self.process.poll()
        if code is not None:
            tail = self.log_tail()
            raise AppiumCrashed(
                f"Appium exited with code {code}; log: {self.log_path}\n{tail}", tail, code
            )

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM to Appium's process group, SIGKILL after `timeout` seconds; then its private
        folder goes."""
        self._kill(timeout)
        self._remove_run_dir()

    def _remove_run_dir(self) -> None:
        run_dir, self._run_dir = self._run_dir, None
        if run_dir is not None:
            run_dir.remove()

    def _kill(self, timeout: float = 10.0) -> None:
        proc, self.process = self.process, None
        if proc is None or proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)

    def __enter__(self) -> AppiumServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
