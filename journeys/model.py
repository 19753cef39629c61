"""The journey model: a closed set of small, frozen command classes (like Maestro's Commands.kt).

The parser (`journeys.parser`) is the only place that builds these from YAML; the robot
dispatches on their type. Every node keeps the `Position` it came from, so that any later
error (validation, run time) can point into the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Position:
    """Where a node stands in its file (1-based line and column)."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


NOWHERE = Position("<memory>", 0, 0)


class Platform(StrEnum):
    ANDROID = "android"
    IOS = "ios"
    WEB = "web"


class Direction(StrEnum):
    UP = "UP"
    DOWN = "DOWN"
    LEFT = "LEFT"
    RIGHT = "RIGHT"


@dataclass(frozen=True, slots=True)
class Selector:
    """Which element a command is about. Text fields are regular expressions (full match).

    A bare string in the file becomes `Selector(text_or_label=...)`: it matches the
    element's text or its accessibility label (Maestro's rule). Strings may contain
    `${VAR}` references; they are resolved at run time (`journeys.variables`).
    """

    text_or_label: str | None = None
    text: str | None = None
    id: str | None = None
    css: str | None = None
    index: int | None = None
    enabled: bool | None = None
    checked: bool | None = None
    focused: bool | None = None
    selected: bool | None = None
    below: Selector | None = None
    above: Selector | None = None
    left_of: Selector | None = None
    right_of: Selector | None = None
    child_of: Selector | None = None
    contains_child: Selector | None = None
    pos: Position = field(default=NOWHERE, compare=False)

    def describe(self) -> str:
        """A short human form, used in generated transaction names and error messages."""
        if self.text_or_label is not None:
            return f'"{self.text_or_label}"'
        if self.text is not None:
            return f'"{self.text}"'
        if self.id is not None:
            return self.id
        if self.css is not None:
            return f"css={self.css}"
        return "element"


# ---- commands -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Command:
    """Keys every command takes."""

    label: str | None = None
    optional: bool = False
    pos: Position = field(default=NOWHERE, compare=False)

    #: YAML name of the command (class attribute, set on each subclass).
    name = "command"


@dataclass(frozen=True, slots=True, kw_only=True)
class LaunchApp(Command):
    name = "launchApp"
    app_id: str | None = None
    clear_state: bool = False
    stop_app: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class StopApp(Command):
    name = "stopApp"
    app_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ClearState(Command):
    name = "clearState"
    app_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class OpenLink(Command):
    name = "openLink"
    link: str


@dataclass(frozen=True, slots=True, kw_only=True)
class TapOn(Command):
    name = "tapOn"
    selector: Selector
    repeat: int = 1
    retry_tap_if_no_change: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class LongPressOn(Command):
    name = "longPressOn"
    selector: Selector


@dataclass(frozen=True, slots=True, kw_only=True)
class DoubleTapOn(Command):
    name = "doubleTapOn"
    selector: Selector


@dataclass(frozen=True, slots=True, kw_only=True)
class InputText(Command):
    name = "inputText"
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class EraseText(Command):
    name = "eraseText"
    characters: int = 50


@dataclass(frozen=True, slots=True, kw_only=True)
class PressKey(Command):
    name = "pressKey"
    key: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Back(Command):
    name = "back"


@dataclass(frozen=True, slots=True, kw_only=True)
class HideKeyboard(Command):
    name = "hideKeyboard"


@dataclass(frozen=True, slots=True, kw_only=True)
class WaitForAnimationToEnd(Command):
    name = "waitForAnimationToEnd"
    timeout_ms: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AssertVisible(Command):
    name = "assertVisible"
    selector: Selector


@dataclass(frozen=True, slots=True, kw_only=True)
class AssertNotVisible(Command):
    name = "assertNotVisible"
    selector: Selector


@dataclass(frozen=True, slots=True, kw_only=True)
class ExtendedWaitUntil(Command):
    """Exactly one of `visible` / `not_visible` is set."""

    name = "extendedWaitUntil"
    visible: Selector | None = None
    not_visible: Selector | None = None
    timeout_ms: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Scroll(Command):
    name = "scroll"


@dataclass(frozen=True, slots=True, kw_only=True)
class ScrollUntilVisible(Command):
    name = "scrollUntilVisible"
    element: Selector
    direction: Direction = Direction.DOWN
    timeout_ms: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Swipe(Command):
    """Either `direction`, or `start`/`end` as (x%, y%) of the screen."""

    name = "swipe"
    direction: Direction | None = None
    start: tuple[float, float] | None = None
    end: tuple[float, float] | None = None
    duration_ms: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class TakeScreenshot(Command):
    name = "takeScreenshot"
    path: str


@dataclass(frozen=True, slots=True)
class Condition:
    """`when:` of runFlow. Every given part must hold."""

    visible: Selector | None = None
    not_visible: Selector | None = None
    platform: Platform | None = None
    pos: Position = field(default=NOWHERE, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class RunFlow(Command):
    """A sub-flow: from a file (already parsed, cycles refused) or inline `commands`."""

    name = "runFlow"
    file: str | None = None
    commands: tuple[Command, ...] = ()
    when: Condition | None = None
    env: tuple[tuple[str, str], ...] = ()
    # the sub-flow file's own `env:` header: defaults that the environment overrides
    file_env: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Repeat(Command):
    """`times` and/or `while`; at least one is set."""

    name = "repeat"
    times: int | None = None
    while_: Condition | None = None
    commands: tuple[Command, ...] = ()


ACTIONS: tuple[type[Command], ...] = (
    LaunchApp, OpenLink, TapOn, LongPressOn, DoubleTapOn, InputText, PressKey, Back, Swipe,
    Scroll,
)
"""Commands that start a transaction when a waiting check follows them."""

CHECKS: tuple[type[Command], ...] = (
    AssertVisible, AssertNotVisible, ExtendedWaitUntil, ScrollUntilVisible,
)
"""Waiting checks: they end the transaction that the action before them opened."""

ALL_COMMANDS: tuple[type[Command], ...] = (
    LaunchApp, StopApp, ClearState, OpenLink, TapOn, LongPressOn, DoubleTapOn, InputText,
    EraseText, PressKey, Back, HideKeyboard, WaitForAnimationToEnd, AssertVisible,
    AssertNotVisible, ExtendedWaitUntil, Scroll, ScrollUntilVisible, Swipe, TakeScreenshot,
    RunFlow, Repeat,
)


# ---- header -------------------------------------------------------------------------


ALERT_FIELDS = ("availability_below", "window_ms", "consecutive_failures", "slow_for_ms",
                "notify")


@dataclass(frozen=True, slots=True)
class AlertPolicy:
    availability_below: float | None = None  # percent, 0-100
    window_ms: int = 3_600_000
    consecutive_failures: int | None = None
    slow_for_ms: int | None = None  # degraded for this long -> alert
    notify: tuple[str, ...] = ()
    pos: Position = field(default=NOWHERE, compare=False)
    # the fields the file set (defaults in ronde.yaml fill the others); None: not known,
    # every field that differs from its default counts as set
    given: frozenset[str] | None = field(default=None, compare=False)

    def explicit(self) -> frozenset[str]:
        """The fields this policy sets, so defaults can fill the rest key by key."""
        if self.given is not None:
            return self.given
        plain = AlertPolicy()
        return frozenset(f for f in ALERT_FIELDS if getattr(self, f) != getattr(plain, f))

    def over(self, defaults: AlertPolicy | None) -> AlertPolicy:
        """This policy's set fields over `defaults` (ronde.yaml's `alerts.defaults`)."""
        if defaults is None:
            return self
        mine, theirs = self.explicit(), defaults.explicit()
        values = {f: getattr(self, f) if f in mine or f not in theirs else getattr(defaults, f)
                  for f in ALERT_FIELDS}
        return AlertPolicy(**values, pos=self.pos, given=mine | theirs)


@dataclass(frozen=True, slots=True)
class Monitor:
    """The `monitor:` header: how the robot watches the journey around the clock."""

    id: str
    platform: Platform
    devices: tuple[str, ...] = ()  # device names, or "tag:<tag>"
    every_ms: int | None = 300_000
    cron: str | None = None
    jitter_ms: int = 0
    active_hours: str | None = None  # e.g. "07:00-23:00"
    timeout_ms: int = 120_000
    step_timeout_ms: int = 15_000
    slow_ms: int | None = None
    retries: int = 1
    secrets: tuple[str, ...] = ()
    alert: AlertPolicy = field(default_factory=AlertPolicy)
    pos: Position = field(default=NOWHERE, compare=False)


@dataclass(frozen=True, slots=True)
class Journey:
    """One parsed, validated journey file."""

    path: Path
    monitor: Monitor
    commands: tuple[Command, ...]
    app_id: str | None = None
    url: str | None = None
    name: str | None = None
    tags: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    definition_hash: str = ""  # sha256 of the file and every runFlow file it includes
    files: tuple[Path, ...] = ()  # this file, then every runFlow file it includes

    @property
    def id(self) -> str:
        return self.monitor.id

    @property
    def platform(self) -> Platform:
        return self.monitor.platform
