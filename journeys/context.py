"""What a journey is checked against: the robot's devices and channels, the files it may read.

`ronde.config.Config` provides all of it; the journey language names only what it reads
(structural types), so it imports nothing from the layers above it.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Protocol

from journeys.model import Platform
from journeys.policy import FilePolicy


class Device(Protocol):
    """A configured device as validation sees it (`robots.devices.DeviceSpec`)."""

    @property
    def name(self) -> str: ...

    @property
    def kind(self) -> str: ...

    @property
    def tags(self) -> tuple[str, ...]: ...

    def matches(self, wanted: str) -> bool: ...

    def can_run(self, platform: Platform) -> bool: ...


class Surroundings(Protocol):
    """The robot's configuration as journeys are checked against it (`ronde.config.Config`)."""

    @property
    def devices(self) -> Sequence[Device]: ...

    @property
    def channels(self) -> Collection[str]: ...

    @property
    def file_policy(self) -> FilePolicy: ...


__all__ = ["Device", "Surroundings"]
