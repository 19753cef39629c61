"""The journey file's vocabulary as data: commands, their short and long forms, their keys.

The parser (`journeys.reader`, `journeys.header`) reads files with these tables and
`journeys.schema` turns the very same tables into a JSON Schema, so the language has one
source of truth for its command names and keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from journeys import model as m


class Kind(StrEnum):
    """What a YAML value must look like."""

    TEXT = "text"  # any scalar, kept exactly as written; may hold ${VAR}
    BOOL = "bool"
    INT = "int"  # an integer, or an integer written as text ("3")
    DURATION = "duration"
    PERCENT = "percent"
    SELECTOR = "selector"  # selector text, or a mapping of selector keys
    CONDITION = "condition"  # mapping of visible / notVisible / platform
    COMMANDS = "commands"  # a list of commands
    ENV = "env"  # mapping NAME -> text
    DIRECTION = "direction"
    POINT = "point"  # "x%, y%"
    KEY = "key"  # a pressKey key name
    PLATFORM = "platform"
    TEXT_LIST = "text_list"  # a list of texts (one text is a list of one)
    NAME_LIST = "name_list"  # a list of environment variable names
    ID = "id"  # a journey id
    CRON = "cron"
    HOURS = "hours"  # "07:00-23:00"
    SECTION = "section"  # a mapping with its own keys (Key.sub)
    ANY = "any"  # accepted and ignored (Maestro-only header keys)


EXPECTED: dict[Kind, str] = {
    Kind.TEXT: "a text",
    Kind.BOOL: "true or false",
    Kind.INT: "an integer",
    Kind.DURATION: "a duration like 250ms, 15s, 5m, 1h, 7d or an integer of milliseconds",
    Kind.PERCENT: "a percentage like 95% or 99.5",
    Kind.SELECTOR: "a selector: a text (regex) or a mapping of selector keys",
    Kind.CONDITION: "a mapping of visible, notVisible or platform",
    Kind.COMMANDS: "a list of commands",
    Kind.ENV: "a mapping of variable names to texts",
    Kind.DIRECTION: "UP, DOWN, LEFT or RIGHT",
    Kind.POINT: 'a point as "x%, y%" (0-100)',
    Kind.KEY: "a key name such as Enter, Back or Home",
    Kind.PLATFORM: "android, ios or web",
    Kind.TEXT_LIST: "a list of texts",
    Kind.NAME_LIST: "a list of environment variable names",
    Kind.ID: "an id of letters, digits, '.', '_' or '-'",
    Kind.CRON: 'a 5-field cron expression like "*/5 * * * *"',
    Kind.HOURS: 'a daily window like "07:00-23:00"',
    Kind.SECTION: "a mapping",
    Kind.ANY: "anything",
}

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"
HOURS_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-4]):[0-5][0-9]$"
POINT_PATTERN = r"^\s*[0-9]+(\.[0-9]+)?%\s*,\s*[0-9]+(\.[0-9]+)?%\s*$"

PRESS_KEYS: tuple[str, ...] = (
    "Enter", "Backspace", "Back", "Home", "Lock", "Volume Up", "Volume Down", "Power", "Tab",
    "Escape", "Remote Dpad Up", "Remote Dpad Down", "Remote Dpad Left", "Remote Dpad Right",
    "Remote Dpad Center", "Remote Media Play Pause", "Remote Media Stop", "Remote Media Next",
    "Remote Media Previous", "Remote Media Rewind", "Remote Media Fast Forward",
)
"""pressKey names, as Maestro spells them (matched case-insensitively)."""


@dataclass(frozen=True, slots=True)
class Key:
    """One key of a mapping: its YAML name, value kind and the model field it fills."""

    name: str
    kind: Kind
    field: str
    doc: str
    required: bool = False
    minimum: int | None = None
    maximum: int | None = None
    sub: tuple[Key, ...] = ()  # keys of a SECTION


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """One command: how it may be written and which model class it becomes."""

    name: str
    cls: type[m.Command]
    doc: str
    bare: bool = False  # `- back` (no value) is allowed
    short: Kind | None = None  # `- tapOn: "Valider"`: the value's kind...
    short_field: str = ""  # ...and the field it fills
    selector: bool = False  # the long form takes selector keys (gathered into `selector`)
    keys: tuple[Key, ...] = ()
    exactly_one: tuple[str, ...] = ()  # exactly one of these keys must be given
    together: tuple[tuple[str, str], ...] = ()  # (a, b): a is given only with b
    at_least_one: tuple[str, ...] = ()


COMMON_KEYS: tuple[Key, ...] = (
    Key("label", Kind.TEXT, "label", "A human name; on an action it names the transaction."),
    Key("optional", Kind.BOOL, "optional",
        "A failure is recorded but does not fail the journey."),
)

SELECTOR_KEYS: tuple[Key, ...] = (
    Key("text", Kind.TEXT, "text", "The element's text, as a regular expression (full match)."),
    Key("id", Kind.TEXT, "id",
        "Android resource-id / iOS name / DOM id, as a regular expression (full match)."),
    Key("css", Kind.TEXT, "css", "A CSS selector (web journeys only; an extension)."),
    Key("index", Kind.INT, "index", "Which of several matches, from 0.", minimum=0),
    Key("enabled", Kind.BOOL, "enabled", "Only enabled (true) or disabled (false) elements."),
    Key("checked", Kind.BOOL, "checked", "Only checked (true) or unchecked (false) elements."),
    Key("focused", Kind.BOOL, "focused", "Only the focused (true) or unfocused elements."),
    Key("selected", Kind.BOOL, "selected", "Only selected (true) or unselected elements."),
    Key("below", Kind.SELECTOR, "below", "Relative: below the element this selector finds."),
    Key("above", Kind.SELECTOR, "above", "Relative: above the element this selector finds."),
    Key("leftOf", Kind.SELECTOR, "left_of", "Relative: left of the element found."),
    Key("rightOf", Kind.SELECTOR, "right_of", "Relative: right of the element found."),
    Key("childOf", Kind.SELECTOR, "child_of", "Relative: a child of the element found."),
    Key("containsChild", Kind.SELECTOR, "contains_child",
        "Relative: has a child matching this selector."),
)

CONDITION_KEYS: tuple[Key, ...] = (
    Key("visible", Kind.SELECTOR, "visible", "Holds when this element is visible."),
    Key("notVisible", Kind.SELECTOR, "not_visible", "Holds when this element is not visible."),
    Key("platform", Kind.PLATFORM, "platform", "Holds on this platform only."),
)

_TIMEOUT = Key("timeout", Kind.DURATION, "timeout_ms", "How long to wait at most.")
_APP_ID = Key("appId", Kind.TEXT, "app_id", "The app (default: the journey's appId).")

COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("launchApp", m.LaunchApp, "Start the app (web: open the journey's url).",
                bare=True, short=Kind.TEXT, short_field="app_id", keys=(
                    _APP_ID,
                    Key("clearState", Kind.BOOL, "clear_state", "Clear the app's data first."),
                    Key("stopApp", Kind.BOOL, "stop_app", "Stop the app first (default true)."),
                )),
    CommandSpec("stopApp", m.StopApp, "Stop the app.", bare=True, short=Kind.TEXT,
                short_field="app_id", keys=(_APP_ID,)),
    CommandSpec("clearState", m.ClearState, "Clear the app's data.", bare=True,
                short=Kind.TEXT, short_field="app_id", keys=(_APP_ID,)),
    CommandSpec("openLink", m.OpenLink, "Open a URL or deep link.", short=Kind.TEXT,
                short_field="link",
                keys=(Key("link", Kind.TEXT, "link", "The URL.", required=True),)),
    CommandSpec("tapOn", m.TapOn, "Tap an element.", short=Kind.SELECTOR,
                short_field="selector", selector=True, keys=(
                    Key("repeat", Kind.INT, "repeat", "Tap this many times.", minimum=1,
                        maximum=100),
                    Key("retryTapIfNoChange", Kind.BOOL, "retry_tap_if_no_change",
                        "Tap again if the screen did not change."),
                )),
    CommandSpec("longPressOn", m.LongPressOn, "Long-press an element.", short=Kind.SELECTOR,
                short_field="selector", selector=True),
    CommandSpec("doubleTapOn", m.DoubleTapOn, "Double-tap an element.", short=Kind.SELECTOR,
                short_field="selector", selector=True),
    CommandSpec("inputText", m.InputText, "Type text into the focused field.", short=Kind.TEXT,
                short_field="text",
                keys=(Key("text", Kind.TEXT, "text", "The text to type.", required=True),)),
    CommandSpec("eraseText", m.EraseText, "Erase characters from the focused field.",
                bare=True, short=Kind.INT, short_field="characters", keys=(
                    Key("charactersToErase", Kind.INT, "characters",
                        "How many characters (default 50).", minimum=0, maximum=10_000),
                )),
    CommandSpec("pressKey", m.PressKey, "Press a device key.", short=Kind.KEY,
                short_field="key",
                keys=(Key("key", Kind.KEY, "key", "The key name.", required=True),)),
    CommandSpec("back", m.Back, "Press the back button.", bare=True),
    CommandSpec("hideKeyboard", m.HideKeyboard, "Hide the soft keyboard.", bare=True),
    CommandSpec("waitForAnimationToEnd", m.WaitForAnimationToEnd,
                "Wait until the screen stops changing.", bare=True, keys=(_TIMEOUT,)),
    CommandSpec("assertVisible", m.AssertVisible, "Wait until an element is visible.",
                short=Kind.SELECTOR, short_field="selector", selector=True),
    CommandSpec("assertNotVisible", m.AssertNotVisible, "Wait until an element is gone.",
                short=Kind.SELECTOR, short_field="selector", selector=True),
    CommandSpec("extendedWaitUntil", m.ExtendedWaitUntil,
                "Wait, up to a timeout, until an element is (not) visible.", keys=(
                    Key("visible", Kind.SELECTOR, "visible", "Wait until this is visible."),
                    Key("notVisible", Kind.SELECTOR, "not_visible",
                        "Wait until this is not visible."),
                    _TIMEOUT,
                ), exactly_one=("visible", "notVisible")),
    CommandSpec("scroll", m.Scroll, "Scroll down once.", bare=True),
    CommandSpec("scrollUntilVisible", m.ScrollUntilVisible,
                "Scroll until an element is visible.", keys=(
                    Key("element", Kind.SELECTOR, "element", "The element to bring into view.",
                        required=True),
                    Key("direction", Kind.DIRECTION, "direction", "Scroll direction (DOWN)."),
                    _TIMEOUT,
                )),
    CommandSpec("swipe", m.Swipe, "Swipe in a direction, or from a point to another.", keys=(
        Key("direction", Kind.DIRECTION, "direction", "Swipe direction."),
        Key("start", Kind.POINT, "start", 'Start point, "x%, y%".'),
        Key("end", Kind.POINT, "end", 'End point, "x%, y%".'),
        Key("duration", Kind.DURATION, "duration_ms", "How long the swipe lasts."),
    ), exactly_one=("direction", "start"), together=(("start", "end"), ("end", "start"))),
    CommandSpec("takeScreenshot", m.TakeScreenshot, "Save a screenshot under this name.",
                short=Kind.TEXT, short_field="path",
                keys=(Key("path", Kind.TEXT, "path", "The screenshot's name.", required=True),)),
    CommandSpec("runFlow", m.RunFlow, "Run a sub-flow (a file, or inline commands).",
                short=Kind.TEXT, short_field="file", keys=(
                    Key("file", Kind.TEXT, "file", "A flow file, relative to this file."),
                    Key("commands", Kind.COMMANDS, "commands", "Inline commands."),
                    Key("when", Kind.CONDITION, "when", "Run only when this holds."),
                    Key("env", Kind.ENV, "env", "Variables for the sub-flow."),
                ), exactly_one=("file", "commands")),
    CommandSpec("repeat", m.Repeat, "Repeat commands a number of times or while a condition "
                "holds.", keys=(
                    Key("times", Kind.INT, "times", "How many times.", minimum=1,
                        maximum=10_000),
                    Key("while", Kind.CONDITION, "while_", "Repeat while this holds."),
                    Key("commands", Kind.COMMANDS, "commands", "The commands.", required=True),
                ), at_least_one=("times", "while")),
)

COMMANDS_BY_NAME: dict[str, CommandSpec] = {spec.name: spec for spec in COMMANDS}

ALERT_KEYS: tuple[Key, ...] = (
    Key("availability_below", Kind.PERCENT, "availability_below",
        "Alert when availability over the window falls below this."),
    Key("window", Kind.DURATION, "window_ms", "The availability window (default 1h).",
        minimum=60_000),
    Key("consecutive_failures", Kind.INT, "consecutive_failures",
        "Alert after this many failed runs in a row.", minimum=1, maximum=1000),
    Key("slow_for", Kind.DURATION, "slow_for_ms", "Alert when degraded for this long.",
        minimum=1),
    Key("notify", Kind.TEXT_LIST, "notify", "Channel names from the robot's configuration."),
)

MONITOR_KEYS: tuple[Key, ...] = (
    Key("id", Kind.ID, "id", "The journey's id (default: the file name without .yaml)."),
    Key("platform", Kind.PLATFORM, "platform", "android, ios or web (web is implied by url)."),
    Key("devices", Kind.TEXT_LIST, "devices", 'Device names, or "tag:<tag>".'),
    Key("every", Kind.DURATION, "every_ms", "Run this often (default 5m).", minimum=1_000),
    Key("cron", Kind.CRON, "cron", "Or run on this cron schedule (UTC)."),
    Key("jitter", Kind.DURATION, "jitter_ms", "Random delay added to each start."),
    Key("active_hours", Kind.HOURS, "active_hours", 'Only run in this daily window (UTC).'),
    Key("timeout", Kind.DURATION, "timeout_ms", "The whole journey's timeout (default 2m).",
        minimum=1),
    Key("step_timeout", Kind.DURATION, "step_timeout_ms",
        "One command's timeout, waits included (default 15s).", minimum=1),
    Key("slow", Kind.DURATION, "slow_ms", "A transaction slower than this is degraded.",
        minimum=1),
    Key("retries", Kind.INT, "retries", "Confirm a failure this many times (default 1).",
        minimum=0, maximum=10),
    Key("secrets", Kind.NAME_LIST, "secrets",
        "Variables read from the environment and masked everywhere."),
    Key("alert", Kind.SECTION, "alert", "When to raise an alert.", sub=ALERT_KEYS),
)

HEADER_KEYS: tuple[Key, ...] = (
    Key("appId", Kind.TEXT, "app_id", "Android package / iOS bundle id."),
    Key("url", Kind.TEXT, "url", "The start URL of a web journey."),
    Key("name", Kind.TEXT, "name", "A human name for the journey."),
    Key("tags", Kind.TEXT_LIST, "tags", "Tags (maintenance windows and filters use them)."),
    Key("env", Kind.ENV, "env", "Variable defaults (the environment overrides them)."),
    Key("monitor", Kind.SECTION, "monitor", "How the robot watches this journey.",
        sub=MONITOR_KEYS),
    Key("properties", Kind.ANY, "", "Maestro metadata (kept aside)."),
    Key("jsEngine", Kind.ANY, "", "Maestro setting (kept aside)."),
)

UNSUPPORTED_HEADER_KEYS: dict[str, str] = {
    "onFlowStart": "hooks are not supported by Ronde (put the commands in the flow)",
    "onFlowComplete": "hooks are not supported by Ronde (put the commands in the flow)",
}

__all__ = [
    "ALERT_KEYS",
    "COMMANDS",
    "COMMANDS_BY_NAME",
    "COMMON_KEYS",
    "CONDITION_KEYS",
    "EXPECTED",
    "HEADER_KEYS",
    "MONITOR_KEYS",
    "PRESS_KEYS",
    "SELECTOR_KEYS",
    "CommandSpec",
    "Key",
    "Kind",
]
