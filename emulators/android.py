"""Real Android emulators (Android SDK): start an AVD headless, wait until it has booted,
cold-restart it when it is wedged, stop it. Appium's UiAutomator2 driver then uses `serial`."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from emulators.commands import CommandResult, Process, Runner, Spawner, run, spawn
from emulators.exceptions import DeviceBootError, SdkMissing


def find_sdk_tool(name: str, subdir: str, sdk_root: Path | None = None) -> str:
    """`<sdk>/<subdir>/<name>` (sdk from ANDROID_SDK_ROOT / ANDROID_HOME), else `name` on PATH."""
    roots = [sdk_root] if sdk_root else [
        Path(p) for p in (os.environ.get("ANDROID_SDK_ROOT"), os.environ.get("ANDROID_HOME")) if p
    ]
    for root in roots:
        candidate = root / subdir / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which(name)
    if found:
        return found
    raise SdkMissing(
        f"'{name}' not found: install the Android SDK ({subdir}/) and set ANDROID_SDK_ROOT, "
        "or put it on PATH. Simulated devices (RondeSim) need no SDK."
    )


def parse_adb_devices(output: str) -> dict[str, str]:
    """`adb devices` → {serial: state} (device, offline, unauthorized, ...)."""
    devices: dict[str, str] = {}
    for line in output.splitlines():
        line = line.strip()
        if not line or line.startswith(("List of devices", "*")):
            continue
        parts = line.split()
        if len(parts) >= 2:
            devices[parts[0]] = parts[1]
    return devices


def parse_avds(output: str) -> list[str]:
    """`emulator -list-avds` → AVD names (the tool may print INFO/WARNING lines first)."""
    return [line.strip() for line in output.splitlines()
            if line.strip() and not line.startswith(("INFO", "WARNING", "ERROR", "|"))]


class AndroidEmulator:
    """One AVD on one console port (serial `emulator-<port>`)."""

    def __init__(
        self,
        avd: str,
        *,
        port: int = 5554,
        sdk_root: Path | None = None,
        runner: Runner = run,
        spawner: Spawner = spawn,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        extra_args: Sequence[str] = (),
        emulator_bin: str | None = None,
        adb_bin: str | None = None,
    ) -> None:
        if port % 2 or not 5554 <= port <= 5682:
            raise ValueError(f"emulator console port must be even, 5554-5682 (got {port})")
        self.avd = avd
        self.port = port
        self.serial = f"emulator-{port}"
        self.runner = runner
        self.spawner = spawner
        self.clock = clock
        self.sleep = sleep
        self.extra_args = list(extra_args)
        self.emulator_bin = emulator_bin or find_sdk_tool("emulator", "emulator", sdk_root)
        self.adb_bin = adb_bin or find_sdk_tool("adb", "platform-tools", sdk_root)
        self.process: Process | None = None

    def command_line(self, *, cold: bool = False) -> list[str]:
        args = [self.emulator_bin, "-avd", self.avd, "-port", str(self.port), "-no-window",
                "-no-audio", "-no-boot-anim", "-gpu", "swiftshader_indirect"]
        if cold:
            args += ["-no-snapshot-load"]
        return args + self.extra_args

    def adb(self, *args: str, timeout: float = 30.0) -> CommandResult:
        return self.runner([self.adb_bin, "-s", self.serial, *args], timeout)

    def list_avds(self) -> list[str]:
        result = self.runner([self.emulator_bin, "-list-avds"], 30.0)
        if not result.ok:
            raise SdkMissing(f"emulator -list-avds failed: {result.stderr.strip()}")
        return parse_avds(result.stdout)

    def state(self) -> str | None:
        """adb's state for this serial (`device`, `offline`...), None when adb does not list it."""
        result = self.runner([self.adb_bin, "devices"], 15.0)
        return parse_adb_devices(result.stdout).get(self.serial) if result.ok else None

    def booted(self) -> bool:
        result = self.adb("shell", "getprop", "sys.boot_completed", timeout=10.0)
        return result.ok and result.stdout.strip() == "1"

    def responsive(self) -> bool:
        """A booted emulator answers a shell command within seconds; a wedged one does not."""
        result = self.adb("shell", "echo", "ronde-ok", timeout=5.0)
        return result.ok and result.stdout.strip() == "ronde-ok"

    def start(self, *, cold: bool = False, timeout: float = 300.0) -> str:
        """Boots the AVD and waits for `sys.boot_completed`; returns the adb serial."""
        avds = self.list_avds()
        if self.avd not in avds:
            raise DeviceBootError(
                f"no AVD named '{self.avd}' (available: {', '.join(avds) or 'none'}); "
                "create one with avdmanager"
            )
        if self.state() == "device" and self.responsive():
            return self.serial  # already running
        self.process = self.spawner(self.command_line(cold=cold))
        self.wait_for_boot(timeout)
        return self.serial

    def wait_for_boot(self, timeout: float) -> None:
        deadline = self.clock() + timeout
        waited = self.adb("wait-for-device", timeout=timeout)
        if not waited.ok:
            self._fail(f"adb wait-for-device did not see {self.serial}", timeout)
        while self.clock() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise DeviceBootError(
                    f"the emulator for '{self.avd}' exited with code {self.process.poll()} "
                    "while booting (try a cold boot, or check `emulator -avd ... -verbose`)"
                )
            if self.booted():
                return
            self.sleep(2.0)
        self._fail("sys.boot_completed never became 1", timeout)

    def _fail(self, what: str, timeout: float) -> None:
        self.stop()
        raise DeviceBootError(
            f"'{self.avd}' ({self.serial}) did not boot in {timeout:.0f} s: {what}"
        )

    def ensure_ready(self, timeout: float = 300.0) -> str:
        """Starts the emulator if needed; a wedged one (adb lists it, shell does not answer)
        is killed and cold-booted without its snapshot."""
        state = self.state()
        if state == "device" and self.responsive():
            return self.serial
        if state is not None:
            self.stop()
            return self.start(cold=True, timeout=timeout)
        return self.start(timeout=timeout)

    def stop(self, timeout: float = 30.0) -> None:
        """`adb emu kill`, then the process we started is terminated/killed if still there."""
        self.adb("emu", "kill", timeout=15.0)
        proc, self.process = self.process, None
        if proc is None:
            return
        deadline = self.clock() + timeout
        while proc.poll() is None and self.clock() < deadline:
            self.sleep(0.5)
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
