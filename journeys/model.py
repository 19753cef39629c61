"""The journey model: a closed set of small, frozen command classes (like Maestro's Commands.kt).

The parser (`journeys.parser`) is the only place that builds these from YAML; the robot
dispatches on their type. Every node keeps the `Position` it came from, so that any later
error (validation, run time) can point into the file.
"""

from __future__ import annotations

import re
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
    # Maestro's size selector (pixels, +- tolerance), traits ("text long-text square") and
    # descendants that must all be inside the element
    width: int | None = None
    height: int | None = None
    tolerance: int | None = None
    traits: tuple[str, ...] = ()
    contains_descendants: tuple[Selector, ...] = ()
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


@dataclass(frozen=True, slots=True)
class Point:
    """A screen point: percentages of the screen ("50%, 90%") or pixels ("100, 200")."""

    x: float
    y: float
    relative: bool = True

    def __str__(self) -> str:
        unit = "%" if self.relative else ""
        return f"{self.x:g}{unit}, {self.y:g}{unit}"


@dataclass(frozen=True, slots=True)
class Deferred:
    """A typed value written with `${VAR}` (`timeout: ${TIMEOUT}`): kept as text, resolved
    and checked against the same rules when the command runs (`journeys.deferred`)."""

    text: str
    kind: str  # a journeys.spec.Kind value
    where: str  # `extendedWaitUntil.timeout`, for the run-time error
    minimum: int | None = None
    maximum: int | None = None
    pos: Position = field(default=NOWHERE, compare=False)


# ---- commands -------------------------------------------------------------------------

_ONLY_VARIABLES = re.compile(r"^(?:\$\{[A-Za-z_][A-Za-z0-9_]*\})+$")


def public_link(link: str) -> str:
    """The link without credentials, query or fragment (tokens live there)."""
    if "://" not in link:
        return link.split("?", 1)[0].split("#", 1)[0]
    scheme, rest = link.split("://", 1)
    rest = rest.split("?", 1)[0].split("#", 1)[0]
    authority, slash, path = rest.partition("/")
    authority = authority.rsplit("@", 1)[-1]
    return f"{scheme}://{authority}{slash}{path}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Command:
    """Keys every command takes, and what every later layer asks of any command.

    A command says itself what it acts on, in the two forms Ronde shows (`target`: transaction
    names, stored and compared across runs, never a secret nor a link's tokens; `detail`: the
    step timeline, `${VAR}` unresolved and masked by the run), which selectors it uses and
    which commands it nests: nobody else dispatches on its type but the robot's handlers.
    """

    label: str | None = None
    optional: bool = False
    pos: Position = field(default=NOWHERE, compare=False)

    #: YAML name of the command (class attribute, set on each subclass).
    name = "command"
    #: an action whose transaction's time is the load time (launchApp, openLink)
    loads = False
    #: an action that submits what was typed (the login action when a secret was typed)
    submits = False
    #: a tap's gesture (tapOn, longPressOn, doubleTapOn)
    long_press = False
    double_tap = False

    @property
    def subject(self) -> Selector | None:
        """The element the command is about, if any."""
        return getattr(self, "selector", None)

    @property
    def negated(self) -> bool:
        """A check that waits for its element to be gone."""
        return False

    def target(self) -> str:
        """What it acts on, in transaction names: no secret value, no link token."""
        if (sel := self.subject) is not None:
            return sel.describe()
        if (point := getattr(self, "point", None)) is not None:
            return f"point {point}".replace(" ", "")
        return ""

    def detail(self) -> str:
        """What it acts on, in the step timeline (`${VAR}` unresolved; the run masks values)."""
        if (sel := self.subject) is not None:
            return sel.describe()
        if (point := getattr(self, "point", None)) is not None:
            return f"point {point}"
        return ""

    def describe(self) -> str:
        """`tapOn "Valider" [label]`: the step timeline's form of the command."""
        text = f"{self.name} {self.detail()}".strip()
        return f"{text} [{self.label}]" if self.label else text

    def selector_roots(self) -> tuple[Selector | None, ...]:
        """Every selector the command may evaluate (its conditions' included)."""
        return (self.subject, getattr(self, "from_", None))

    def children(self) -> tuple[Command, ...]:
        """The commands it runs in turn (runFlow, repeat, retry)."""
        return ()


@dataclass(frozen=True, slots=True, kw_only=True)
class LaunchApp(Command):
    name = "launchApp"
    loads = True
    app_id: str | None = None
    clear_state: bool = False
    stop_app: bool = True
    clear_keychain: bool = False
    permissions: tuple[tuple[str, str], ...] = ()  # Maestro's default: all -> allow
    arguments: tuple[tuple[str, str], ...] = ()

    def target(self) -> str:
        return self.app_id or ""

    def detail(self) -> str:
        return self.app_id or ""


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
    loads = True
    link: str
    browser: bool = False  # open in the browser, not in the app the link belongs to
    auto_verify: bool = False

    def target(self) -> str:
        return public_link(self.link)

    def detail(self) -> str:
        return self.link


@dataclass(frozen=True, slots=True, kw_only=True)
class TapOn(Command):
    name = "tapOn"
    submits = True
    selector: Selector | None = None  # None: `point` is set
    point: Point | None = None
    repeat: int = 1
    delay_ms: int | None = None  # between repeated taps (Maestro: 100ms)
    retry_tap_if_no_change: bool = False
    wait_until_visible: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class LongPressOn(Command):
    name = "longPressOn"
    long_press = True
    selector: Selector | None = None
    point: Point | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class DoubleTapOn(Command):
    name = "doubleTapOn"
    double_tap = True
    selector: Selector | None = None
    point: Point | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class InputText(Command):
    name = "inputText"
    text: str

    def target(self) -> str:
        # the typed text may be a secret: only `${NAME}` references (names, never values)
        return self.text if _ONLY_VARIABLES.match(self.text) else ""

    def detail(self) -> str:
        return f'"{self.text}"'


@dataclass(frozen=True, slots=True, kw_only=True)
class EraseText(Command):
    name = "eraseText"
    characters: int = 50


@dataclass(frozen=True, slots=True, kw_only=True)
class PressKey(Command):
    name = "pressKey"
    submits = True
    key: str

    def target(self) -> str:
        return self.key

    def detail(self) -> str:
        return self.key


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

    @property
    def negated(self) -> bool:
        return True


@dataclass(frozen=True, slots=True, kw_only=True)
class ExtendedWaitUntil(Command):
    """Exactly one of `visible` / `not_visible` is set."""

    name = "extendedWaitUntil"
    visible: Selector | None = None
    not_visible: Selector | None = None
    timeout_ms: int | None = None

    @property
    def subject(self) -> Selector | None:
        return self.visible or self.not_visible

    @property
    def negated(self) -> bool:
        return self.not_visible is not None

    def selector_roots(self) -> tuple[Selector | None, ...]:
        return (self.visible, self.not_visible)


@dataclass(frozen=True, slots=True, kw_only=True)
class Scroll(Command):
    name = "scroll"


@dataclass(frozen=True, slots=True, kw_only=True)
class ScrollUntilVisible(Command):
    name = "scrollUntilVisible"
    element: Selector
    direction: Direction = Direction.DOWN
    timeout_ms: int | None = None
    visibility_percentage: int = 100  # share of the element that must be on the screen
    speed: int = 40  # 0-100: Maestro's scroll speed (100 is the fastest swipe)
    center_element: bool = False

    @property
    def subject(self) -> Selector | None:
        return self.element


@dataclass(frozen=True, slots=True, kw_only=True)
class Swipe(Command):
    """Either `direction` (on the screen, or `from` an element), or `start`/`end` points."""

    name = "swipe"
    direction: Direction | None = None
    start: Point | None = None
    end: Point | None = None
    from_: Selector | None = None
    duration_ms: int | None = None  # Maestro's default: 400ms

    def target(self) -> str:
        if self.direction is not None:
            return str(self.direction)
        if self.start is not None and self.end is not None:
            return f"{str(self.start).replace(' ', '')} to {str(self.end).replace(' ', '')}"
        return ""

    def detail(self) -> str:
        return str(self.direction or f"{self.start} -> {self.end}")


@dataclass(frozen=True, slots=True, kw_only=True)
class TakeScreenshot(Command):
    name = "takeScreenshot"
    path: str

    def detail(self) -> str:
        return self.path


@dataclass(frozen=True, slots=True)
class Condition:
    """`when:` of runFlow. Every given part must hold."""

    visible: Selector | None = None
    not_visible: Selector | None = None
    platform: Platform | None = None
    script: str | None = None  # `true:`: a `${...}` whose value must be truthy (Maestro's rule)
    label: str | None = None
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
    # hooks around `commands`: a sub-flow file's onFlowStart / onFlowComplete
    on_flow_start: tuple[Command, ...] = ()
    on_flow_complete: tuple[Command, ...] = ()

    def detail(self) -> str:
        return self.file or "(inline)"

    def selector_roots(self) -> tuple[Selector | None, ...]:
        return () if self.when is None else (self.when.visible, self.when.not_visible)

    def children(self) -> tuple[Command, ...]:
        return self.commands


@dataclass(frozen=True, slots=True, kw_only=True)
class Repeat(Command):
    """`times` and/or `while`; at least one is set."""

    name = "repeat"
    times: int | None = None
    while_: Condition | None = None
    commands: tuple[Command, ...] = ()

    def selector_roots(self) -> tuple[Selector | None, ...]:
        return () if self.while_ is None else (self.while_.visible, self.while_.not_visible)

    def children(self) -> tuple[Command, ...]:
        return self.commands


@dataclass(frozen=True, slots=True, kw_only=True)
class Retry(Command):
    """Runs the commands (inline, or a file's) again when they fail, up to `max_retries`."""

    name = "retry"
    max_retries: int = 1
    file: str | None = None
    commands: tuple[Command, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    file_env: tuple[tuple[str, str], ...] = ()

    def children(self) -> tuple[Command, ...]:
        return self.commands


# ---- device commands (Maestro's, beyond the first subset) -------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class KillApp(Command):
    """Kills the app as the system would (no clean stop): tests process-death recovery."""

    name = "killApp"
    app_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ClearKeychain(Command):
    name = "clearKeychain"


@dataclass(frozen=True, slots=True, kw_only=True)
class CopyTextFrom(Command):
    """Remembers the element's text for pasteText (and `maestro.copiedText`)."""

    name = "copyTextFrom"
    selector: Selector


@dataclass(frozen=True, slots=True, kw_only=True)
class PasteText(Command):
    name = "pasteText"


@dataclass(frozen=True, slots=True, kw_only=True)
class InputRandom(Command):
    """Types generated text; `length` counts characters (TEXT, NUMBER)."""

    name = "inputRandom"
    length: int = 8

    #: what is generated: text, number, email or person name
    random = "text"


@dataclass(frozen=True, slots=True, kw_only=True)
class InputRandomText(InputRandom):
    name = "inputRandomText"
    random = "text"


@dataclass(frozen=True, slots=True, kw_only=True)
class InputRandomNumber(InputRandom):
    name = "inputRandomNumber"
    random = "number"


@dataclass(frozen=True, slots=True, kw_only=True)
class InputRandomEmail(InputRandom):
    name = "inputRandomEmail"
    random = "email"


@dataclass(frozen=True, slots=True, kw_only=True)
class InputRandomPersonName(InputRandom):
    name = "inputRandomPersonName"
    random = "person_name"


@dataclass(frozen=True, slots=True, kw_only=True)
class SetLocation(Command):
    """Latitude and longitude as written (they may hold ${VAR}); checked as numbers."""

    name = "setLocation"
    latitude: str
    longitude: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Travel(Command):
    """Moves the device's location through `points` ("lat, lon") at `speed` m/s."""

    name = "travel"
    points: tuple[tuple[float, float], ...]
    speed: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AddMedia(Command):
    """Pushes files (relative to the flow file; checked at validation) to the gallery."""

    name = "addMedia"
    files: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class StartRecording(Command):
    name = "startRecording"
    path: str


@dataclass(frozen=True, slots=True, kw_only=True)
class StopRecording(Command):
    name = "stopRecording"


@dataclass(frozen=True, slots=True, kw_only=True)
class SetAirplaneMode(Command):
    name = "setAirplaneMode"
    enabled: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class ToggleAirplaneMode(Command):
    name = "toggleAirplaneMode"


@dataclass(frozen=True, slots=True, kw_only=True)
class RunScript(Command):
    """A JavaScript file (read and syntax-checked with the journey), run by the robot."""

    name = "runScript"
    file: str
    source: str = ""  # the file's text, as read when the journey was loaded
    env: tuple[tuple[str, str], ...] = ()
    when: Condition | None = None

    def detail(self) -> str:
        return self.file


@dataclass(frozen=True, slots=True, kw_only=True)
class EvalScript(Command):
    """Inline JavaScript: a text whose `${...}` pieces are evaluated for their effect."""

    name = "evalScript"
    script: str

    def detail(self) -> str:
        return self.script


@dataclass(frozen=True, slots=True, kw_only=True)
class AssertTrue(Command):
    """Fails unless the `${...}` condition's value is truthy (Maestro's rule)."""

    name = "assertTrue"
    condition: str

    def detail(self) -> str:
        return self.condition


ACTIONS: tuple[type[Command], ...] = (
    LaunchApp, OpenLink, TapOn, LongPressOn, DoubleTapOn, InputText, PressKey, Back, Swipe,
    Scroll, PasteText, InputRandomText, InputRandomNumber, InputRandomEmail,
    InputRandomPersonName,
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
    RunFlow, Repeat, Retry, KillApp, ClearKeychain, CopyTextFrom, PasteText, InputRandomText,
    InputRandomNumber, InputRandomEmail, InputRandomPersonName, SetLocation, Travel, AddMedia,
    StartRecording, StopRecording, SetAirplaneMode, ToggleAirplaneMode, RunScript, EvalScript,
    AssertTrue,
)


# ---- header -------------------------------------------------------------------------


ALERT_FIELDS = ("availability_below", "window_ms", "consecutive_failures", "slow_for_ms",
                "notify", "resolve_after")


@dataclass(frozen=True, slots=True)
class AlertPolicy:
    availability_below: float | None = None  # percent, 0-100
    window_ms: int = 3_600_000
    consecutive_failures: int | None = None
    slow_for_ms: int | None = None  # degraded for this long -> alert
    notify: tuple[str, ...] = ()
    resolve_after: int | None = None  # good checks in a row that resolve (None: 2)
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


JOURNEY_TIMEOUT_MS = 120_000  # `monitor.timeout` when not given
STEP_TIMEOUT_MS = 15_000  # `monitor.step_timeout` when not given


@dataclass(frozen=True, slots=True)
class Monitor:
    """The `monitor:` header: how the robot watches the journey around the clock."""

    id: str
    platform: Platform
    devices: tuple[str, ...] = ()  # device names, or "tag:<tag>"
    locations: tuple[str, ...] = ()  # robot locations: one run per slot from each (fleet)
    every_ms: int | None = 300_000
    cron: str | None = None
    jitter_ms: int = 0
    active_hours: str | None = None  # e.g. "07:00-23:00"
    timeout_ms: int = JOURNEY_TIMEOUT_MS
    step_timeout_ms: int = STEP_TIMEOUT_MS
    fail_fast: bool = True  # a known failure on screen fails a waiting check at once
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
    on_flow_start: tuple[Command, ...] = ()  # hooks: run before the commands...
    on_flow_complete: tuple[Command, ...] = ()  # ...and after them, even after a failure
    link_schemes: tuple[str, ...] = ()  # schemes beyond http(s) and deep links it may open
    # what validation noticed but did not refuse (a Maestro header key Ronde ignores...)
    notes: tuple[str, ...] = field(default=(), compare=False)

    @property
    def id(self) -> str:
        return self.monitor.id

    @property
    def platform(self) -> Platform:
        return self.monitor.platform
