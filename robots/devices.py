"""What a device is to the robot: a name, tags, how to reach it, and which journeys it runs.

Device kinds are declared here once (`DeviceKind`); adding one means a member here, its
`ronde.yaml` reading in `ronde/config.py` and its backend in `robots/backends/__init__.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from journeys.model import Platform


class DeviceKind(StrEnum):
    """How a configured device is reached: the key that declares it in `ronde.yaml`."""

    SIMULATED = "simulated"  # a simulated device (emulators/), Appium managed by Ronde
    APPIUM = "appium"  # any Appium URL (local, Selenium Grid, cloud farm) + capabilities
    BROWSER = "browser"  # mobile web in Chromium with a phone's emulation profile


@dataclass(frozen=True, slots=True)
class DeviceSpec:
    """One entry of `devices:` in ronde.yaml. Exactly one of the three kinds is set.

    - `simulated_app`: a simulated device (emulators/), Appium managed by Ronde;
    - `appium_url` (+ `capabilities`): any Appium URL (local, Selenium Grid, cloud farm);
    - `browser_emulate`: mobile web in Chromium with that device's emulation profile.

    `sessions` (appium only): the URL hands out devices itself (a Selenium Grid hub, a
    farm), up to that many sessions at once; each run then names the device its session
    got (`appium:udid`, else `appium:deviceName`), so figures stay per device.
    """

    name: str
    tags: tuple[str, ...] = ()
    simulated_app: str | None = None
    appium_url: str | None = None
    capabilities: dict[str, Any] = field(default_factory=dict)
    browser_emulate: str | None = None
    sessions: int | None = None
    line: int | None = None  # where it stands in ronde.yaml

    @property
    def kind(self) -> DeviceKind:
        if self.simulated_app:
            return DeviceKind.SIMULATED
        if self.browser_emulate:
            return DeviceKind.BROWSER
        return DeviceKind.APPIUM

    @property
    def managed_appium(self) -> bool:
        """A simulated device without an Appium URL of its own: Ronde starts Appium for it."""
        return self.kind is DeviceKind.SIMULATED and not self.appium_url

    @property
    def hands_out(self) -> bool:
        """The endpoint picks the device (Grid): runs are named after the one it picked."""
        return self.sessions is not None

    def matches(self, wanted: str) -> bool:
        """A journey's `devices:` item: a device name or `tag:<tag>`."""
        if wanted.startswith("tag:"):
            return wanted[4:] in self.tags
        return wanted == self.name

    def can_run(self, platform: Platform) -> bool:
        """Whether this device can run journeys of this platform at all: the one rule that
        `validate`, the parser, `ronde run` and the scheduler's pool all apply."""
        return can_run(self, platform)


def can_run(device: DeviceSpec, platform: Platform) -> bool:
    """Whether a configured device can run journeys of this platform at all."""
    if device.kind is DeviceKind.BROWSER:
        return platform is Platform.WEB
    if device.kind is DeviceKind.SIMULATED:
        return platform is not Platform.WEB
    caps = {k.split(":")[-1]: v for k, v in device.capabilities.items()}
    if platform is Platform.WEB:
        return bool(caps.get("browserName"))
    wanted = str(caps.get("platformName", "")).lower()
    return wanted in ("", platform.value)


__all__ = ["DeviceKind", "DeviceSpec", "can_run"]
