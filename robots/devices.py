"""What a device is to the robot: a name, tags, and how to reach it (from `ronde.yaml`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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
    def kind(self) -> str:
        if self.simulated_app:
            return "simulated"
        if self.browser_emulate:
            return "browser"
        return "appium"

    @property
    def hands_out(self) -> bool:
        """The endpoint picks the device (Grid): runs are named after the one it picked."""
        return self.sessions is not None

    def matches(self, wanted: str) -> bool:
        """A journey's `devices:` item: a device name or `tag:<tag>`."""
        if wanted.startswith("tag:"):
            return wanted[4:] in self.tags
        return wanted == self.name
