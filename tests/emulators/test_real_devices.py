"""Real emulator managers, tested against the command lines they build and the outputs they
parse (no Android SDK or Xcode on CI machines: the runner is injected)."""

from __future__ import annotations

import json

import pytest

from emulators.android import AndroidEmulator, parse_adb_devices, parse_avds
from emulators.commands import CommandResult
from emulators.exceptions import DeviceBootError, SdkMissing
from emulators.ios import IosSimulators, parse_simctl_list


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class FakeRunner:
    """Answers by the first matching command prefix; records every call."""

    def __init__(self, answers: dict[tuple[str, ...], list[CommandResult] | CommandResult]):
        self.answers = answers
        self.calls: list[list[str]] = []

    def __call__(self, args, timeout):
        self.calls.append(list(args))
        for prefix, answer in self.answers.items():
            if tuple(args[: len(prefix)]) == prefix:
                if isinstance(answer, list):
                    return answer.pop(0) if len(answer) > 1 else answer[0]
                return answer
        return CommandResult(1, "", f"unexpected command {args}")


class FakeProcess:
    def __init__(self, args):
        self.args = list(args)
        self.code = None
        self.terminated = False

    def poll(self):
        return self.code

    def terminate(self):
        self.terminated = True
        self.code = -15

    def kill(self):
        self.code = -9

    def wait(self, timeout=None):
        return self.code


OK = CommandResult(0, "")
ADB = "/sdk/platform-tools/adb"
EMU = "/sdk/emulator/emulator"


def emulator(runner, clock, spawned):
    return AndroidEmulator("Pixel_7_API_34", port=5556, runner=runner,
                           spawner=lambda args: spawned.append(FakeProcess(args)) or spawned[-1],
                           clock=clock, sleep=clock.sleep, emulator_bin=EMU, adb_bin=ADB)


def test_android_parsers():
    out = "List of devices attached\nemulator-5554\tdevice\nR58M\tunauthorized\n\n"
    assert parse_adb_devices(out) == {"emulator-5554": "device", "R58M": "unauthorized"}
    assert parse_avds("INFO    | Storing crashdata\nPixel_7_API_34\nTablet\n") == [
        "Pixel_7_API_34", "Tablet"]


def test_android_boot_polls_boot_completed():
    clock = FakeClock()
    runner = FakeRunner({
        (EMU, "-list-avds"): CommandResult(0, "Pixel_7_API_34\n"),
        (ADB, "devices"): CommandResult(0, "List of devices attached\n"),
        (ADB, "-s", "emulator-5556", "wait-for-device"): OK,
        (ADB, "-s", "emulator-5556", "shell", "getprop", "sys.boot_completed"): [
            CommandResult(0, "\n"), CommandResult(0, "0\n"), CommandResult(0, "1\n")],
    })
    spawned: list[FakeProcess] = []
    assert emulator(runner, clock, spawned).start() == "emulator-5556"
    assert spawned[0].args == [EMU, "-avd", "Pixel_7_API_34", "-port", "5556", "-no-window",
                               "-no-audio", "-no-boot-anim", "-gpu", "swiftshader_indirect"]
    polls = [c for c in runner.calls if c[-1] == "sys.boot_completed"]
    assert len(polls) == 3 and clock.now == 4.0


def test_android_unknown_avd_and_boot_timeout():
    clock = FakeClock()
    runner = FakeRunner({
        (EMU, "-list-avds"): CommandResult(0, "Other\n"),
    })
    with pytest.raises(DeviceBootError, match=r"no AVD named 'Pixel_7_API_34' \(available: Other"):
        emulator(runner, clock, []).start()
    runner = FakeRunner({
        (EMU, "-list-avds"): CommandResult(0, "Pixel_7_API_34\n"),
        (ADB, "devices"): CommandResult(0, ""),
        (ADB, "-s", "emulator-5556", "wait-for-device"): OK,
        (ADB, "-s", "emulator-5556", "shell", "getprop"): CommandResult(0, "0\n"),
        (ADB, "-s", "emulator-5556", "emu", "kill"): OK,
    })
    spawned: list[FakeProcess] = []
    with pytest.raises(DeviceBootError, match=r"did not boot in 60 s: sys\.boot_completed"):
        emulator(runner, clock, spawned).start(timeout=60)
    assert [ADB, "-s", "emulator-5556", "emu", "kill"] in runner.calls
    assert spawned[0].terminated, "a boot that failed leaves no emulator behind"


def test_android_wedged_emulator_is_cold_restarted():
    clock = FakeClock()
    runner = FakeRunner({
        (EMU, "-list-avds"): CommandResult(0, "Pixel_7_API_34\n"),
        (ADB, "devices"): [CommandResult(0, "emulator-5556\toffline\n"),
                           CommandResult(0, "List of devices attached\n")],
        (ADB, "-s", "emulator-5556", "shell", "echo"): CommandResult(124, "", "timed out"),
        (ADB, "-s", "emulator-5556", "emu", "kill"): OK,
        (ADB, "-s", "emulator-5556", "wait-for-device"): OK,
        (ADB, "-s", "emulator-5556", "shell", "getprop"): CommandResult(0, "1\n"),
    })
    spawned: list[FakeProcess] = []
    assert emulator(runner, clock, spawned).ensure_ready() == "emulator-5556"
    assert [ADB, "-s", "emulator-5556", "emu", "kill"] in runner.calls
    assert spawned[0].args[-1] == "-no-snapshot-load", "cold boot, without the snapshot"


def test_android_missing_sdk_is_a_clear_error(monkeypatch):
    monkeypatch.delenv("ANDROID_SDK_ROOT", raising=False)
    monkeypatch.delenv("ANDROID_HOME", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(SdkMissing, match="'emulator' not found: install the Android SDK"):
        AndroidEmulator("Pixel")


SIMCTL = json.dumps({"devices": {
    "com.apple.CoreSimulator.SimRuntime.iOS-16-4": [
        {"udid": "OLD-1", "name": "iPhone 14", "state": "Shutdown", "isAvailable": True}],
    "com.apple.CoreSimulator.SimRuntime.iOS-17-5": [
        {"udid": "NEW-1", "name": "iPhone 14", "state": "Shutdown", "isAvailable": True},
        {"udid": "GONE", "name": "iPhone X", "state": "Shutdown", "isAvailable": False}],
}})


def test_ios_parse_and_boot():
    sims = parse_simctl_list(SIMCTL)
    assert [(s.udid, s.runtime, s.available) for s in sims] == [
        ("OLD-1", "iOS-16-4", True), ("NEW-1", "iOS-17-5", True), ("GONE", "iOS-17-5", False)]
    booted = SIMCTL.replace('"NEW-1", "name": "iPhone 14", "state": "Shutdown"',
                            '"NEW-1", "name": "iPhone 14", "state": "Booted"')
    clock = FakeClock()
    runner = FakeRunner({
        ("/usr/bin/xcrun", "simctl", "list"): [CommandResult(0, SIMCTL), CommandResult(0, SIMCTL),
                                               CommandResult(0, booted)],
        ("/usr/bin/xcrun", "simctl", "boot"): OK,
        ("/usr/bin/xcrun", "simctl", "shutdown"): CommandResult(
            149, "", "Unable to shutdown device in current state: Shutdown"),
    })
    sims = IosSimulators(runner=runner, xcrun="/usr/bin/xcrun", clock=clock, sleep=clock.sleep)
    assert sims.boot("iPhone 14").udid == "NEW-1", "the newest runtime wins"
    assert ["/usr/bin/xcrun", "simctl", "boot", "NEW-1"] in runner.calls
    sims.shutdown("NEW-1")  # already shut down: not an error
    with pytest.raises(DeviceBootError, match="no available simulator 'iPhone X'"):
        sims.find("iPhone X")


def test_ios_missing_xcode_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(SdkMissing, match="macOS with Xcode"):
        IosSimulators()
