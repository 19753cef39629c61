"""The robot's errors. Driver exceptions are converted into these at one boundary (diagnose)."""

from __future__ import annotations

from journeys.results import Category


class RobotError(Exception):
    """Base of every error the robot raises or records."""


class SessionError(RobotError):
    """The robot could not get or keep a device session: a robot-side `error`, never `failed`.

    Raised for a refused session, an unreachable Appium server or a lost device.
    """


class StepFailed(RobotError):
    """A journey step did not do what the journey expects (the app's fault: `failed`).

    `category` is a first guess from the step itself; `robots.diagnose` may refine it from the
    evidence on the device (error texts, app state, connectivity...).
    """

    def __init__(self, message: str, category: Category | None = None, *,
                 unchanged: bool = False) -> None:
        super().__init__(message)
        self.category = category
        self.unchanged = unchanged  # the screen stayed as it was before the action


class ElementNotFound(StepFailed):
    """No element matched a selector before the step timeout."""


class CheckFailed(StepFailed):
    """An assertion did not hold before its timeout."""


class DeviceTimeout(RobotError):
    """A device command did not answer before its deadline; the session is then dropped."""


class JourneyTimeout(RobotError):
    """The whole journey ran out of its `timeout`."""


class BackendUnsupported(RobotError):
    """The backend cannot do this command (e.g. `launchApp` in a browser without a URL)."""


class StaleElement(RobotError):
    """The element seen in the last snapshot is gone (the screen changed): look again."""


class ScriptError(StepFailed):
    """A journey script or `${...}` expression threw, ran out of time or of memory."""
