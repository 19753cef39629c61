"""Which configured device runs a journey now (`ronde run`; the scheduler has its own pool)."""

from __future__ import annotations

from collections.abc import Sequence

from journeys.model import Journey, Platform
from robots.devices import DeviceSpec, can_run
from robots.exceptions import RobotError


class NoDevice(RobotError):
    """No configured device can run this journey."""


def compatible(device: DeviceSpec, journey: Journey) -> bool:
    """The one rule `validate` and the scheduler use too (`robots.devices.can_run`)."""
    return can_run(device, journey.platform)


def pick_device(devices: Sequence[DeviceSpec], journey: Journey,
                name: str | None = None) -> DeviceSpec:
    """`name` if given, else the first device the journey's `devices:` matches, else the first
    compatible device."""
    if name is not None:
        for device in devices:
            if device.name == name:
                if not compatible(device, journey):
                    needs = "a browser device or an Appium URL with browserName" \
                        if journey.platform == Platform.WEB else (
                            f"a simulated device or an Appium URL with platformName "
                            f"{journey.platform}")
                    raise NoDevice(f"device {name!r} ({device.kind}) cannot run {journey.id!r} "
                                   f"({journey.platform}): it needs {needs}")
                return device
        known = ", ".join(d.name for d in devices) or "none"
        raise NoDevice(f"no device named {name!r} in the configuration (devices: {known})")
    wanted = journey.monitor.devices
    for device in devices:
        if compatible(device, journey) and (not wanted or any(device.matches(w) for w in wanted)):
            return device
    if wanted:
        raise NoDevice(f"{journey.id}: no configured device matches {', '.join(wanted)} "
                       f"for a {journey.platform} journey")
    raise NoDevice(f"{journey.id}: no configured device can run a {journey.platform} journey")
