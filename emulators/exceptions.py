"""Errors of the devices package: each message says what went wrong and what to do about it."""

from __future__ import annotations


class EmulatorError(Exception):
    """Base of every error raised by `emulators`."""


class FaultError(EmulatorError, ValueError):
    """An unknown fault, an unknown parameter or a bad value (the message suggests the fix)."""


class AppiumServerError(EmulatorError):
    """The Appium server could not be started, or it stopped answering."""


class AppiumNotInstalled(AppiumServerError):
    """`node_modules/.bin/appium` is missing: run `./dev setup`."""


class AppiumCrashed(AppiumServerError):
    """The Appium process exited on its own; the message carries the tail of its log."""

    def __init__(self, message: str, log_tail: str = "", returncode: int | None = None) -> None:
        super().__init__(message)
        self.log_tail = log_tail
        self.returncode = returncode


class SdkMissing(EmulatorError):
    """A real-device tool (Android SDK `emulator`/`adb`, Xcode `xcrun`) is not installed."""


class DeviceBootError(EmulatorError):
    """A real emulator or simulator did not boot in time, or could not be found."""
