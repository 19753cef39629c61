"""Real iOS simulators (Xcode's `xcrun simctl`): list, boot and shut down by name or udid.
Appium's XCUITest driver then uses the simulator's udid."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass

from emulators.commands import Runner, run
from emulators.exceptions import DeviceBootError, SdkMissing


@dataclass(frozen=True)
class Simulator:
    udid: str
    name: str
    state: str  # Booted, Shutdown, Booting, Shutting Down
    runtime: str  # e.g. iOS-17-5
    available: bool

    @property
    def booted(self) -> bool:
        return self.state == "Booted"


def parse_simctl_list(output: str) -> list[Simulator]:
    """`xcrun simctl list -j devices` → simulators (runtime from its identifier's last part)."""
    try:
        data = json.loads(output)
    except ValueError as exc:
        raise SdkMissing(f"xcrun simctl list -j gave no JSON ({exc})") from exc
    sims = []
    for runtime, devices in (data.get("devices") or {}).items():
        short = runtime.rsplit(".", 1)[-1]
        for d in devices:
            sims.append(Simulator(udid=d["udid"], name=d["name"], state=d.get("state", ""),
                                  runtime=short, available=bool(d.get("isAvailable", True))))
    return sims


class IosSimulators:
    def __init__(
        self,
        *,
        runner: Runner = run,
        xcrun: str | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.xcrun = xcrun or shutil.which("xcrun")
        if not self.xcrun:
            raise SdkMissing(
                "'xcrun' not found: iOS simulators need macOS with Xcode and its command line "
                "tools (xcode-select --install). Simulated devices (RondeSim) need neither."
            )
        self.runner = runner
        self.clock = clock
        self.sleep = sleep

    def simctl(self, *args: str, timeout: float = 60.0) -> str:
        result = self.runner([self.xcrun, "simctl", *args], timeout)
        if not result.ok:
            raise DeviceBootError(f"xcrun simctl {' '.join(args)} failed: {result.stderr.strip()}")
        return result.stdout

    def list(self) -> list[Simulator]:
        return parse_simctl_list(self.simctl("list", "-j", "devices"))

    def find(self, name_or_udid: str, runtime: str | None = None) -> Simulator:
        sims = [s for s in self.list() if s.available and name_or_udid in (s.udid, s.name)
                and (runtime is None or s.runtime == runtime)]
        if not sims:
            names = sorted({s.name for s in self.list() if s.available})
            raise DeviceBootError(
                f"no available simulator '{name_or_udid}' (available: {', '.join(names) or 'none'})"
            )
        return sorted(sims, key=lambda s: s.runtime)[-1]  # newest runtime

    def boot(self, name_or_udid: str, *, timeout: float = 180.0) -> Simulator:
        sim = self.find(name_or_udid)
        if not sim.booted:
            result = self.runner([self.xcrun, "simctl", "boot", sim.udid], 60.0)
            if not result.ok and "current state: Booted" not in result.stderr:
                raise DeviceBootError(f"cannot boot {sim.name} ({sim.udid}): "
                                      f"{result.stderr.strip()}")
        deadline = self.clock() + timeout
        while self.clock() < deadline:
            current = self.find(sim.udid)
            if current.booted:
                return current
            self.sleep(1.0)
        raise DeviceBootError(f"{sim.name} ({sim.udid}) did not boot in {timeout:.0f} s")

    def shutdown(self, name_or_udid: str) -> None:
        sim = self.find(name_or_udid)
        result = self.runner([self.xcrun, "simctl", "shutdown", sim.udid], 60.0)
        if not result.ok and "current state: Shutdown" not in result.stderr:
            raise DeviceBootError(f"cannot shut down {sim.name} ({sim.udid}): "
                                  f"{result.stderr.strip()}")
