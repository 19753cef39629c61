"""The journey file's vocabulary as data: commands, their short and long forms, their keys.

The parser (`journeys.reader`, `journeys.header`) reads files with these tables and
`journeys.schema` turns the very same tables into a JSON Schema, so the language has one
source of truth for its command names and keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from journeys import durations as d
from journeys import model as m


class Kind(StrEnum):
    """What a YAML value must look like."""

    TEXT = "text"  # any scalar, kept exactly as written; may hold ${VAR}
    LINK = "link"  # a TEXT that is a URL: http(s) or an app deep link (journeys.links)
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
    NUMBER = "number"  # a decimal number (setLocation's latitude...)
    MAP = "map"  # a mapping of names to scalars (launchApp's permissions, arguments)
    SELECTOR_LIST = "selector_list"  # a list of selectors
    FILE_LIST = "file_list"  # files next to the flow file (checked at validation)
    GEO_LIST = "geo_list"  # a list of "latitude, longitude" points
    SWITCH = "switch"  # enabled or disabled
    ANY = "any"  # accepted and ignored (Maestro-only header keys)


EXPECTED: dict[Kind, str] = {
    Kind.TEXT: "a text",
    Kind.LINK: "an http(s):// URL or an app deep link like myshop://product/1",
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
    Kind.NUMBER: "a number",
    Kind.MAP: "a mapping of names to values",
    Kind.SELECTOR_LIST: "a list of selectors",
    Kind.FILE_LIST: "a list of files, relative to this file",
    Kind.GEO_LIST: 'a list of points as "latitude, longitude"',
    Kind.SWITCH: "enabled or disabled",
    Kind.ANY: "anything",
}

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"
HOURS_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-4]):[0-5][0-9]$"
POINT_PATTERN = (r"^\s*[0-9]+(\.[0-9]+)?%\s*,\s*[0-9]+(\.[0-9]+)?%\s*$"
                 r"|^\s*[0-9]+\s*,\s*[0-9]+\s*$")
GEO_PATTERN = r"^\s*-?[0-9]+(\.[0-9]+)?\s*,\s*-?[0-9]+(\.[0-9]+)?\s*$"

PRESS_KEYS: tuple[str, ...] = (
    "Enter", "Backspace", "Back", "Home", "Lock", "Volume Up", "Volume Down", "Power", "Tab",
    "Escape", "Remote Dpad Up", "Remote Dpad Down", "Remote Dpad Left", "Remote Dpad Right",
    "Remote Dpad Center", "Remote Media Play Pause", "Remote Media Stop", "Remote Media Next",
    "Remote Media Previous", "Remote Media Rewind", "Remote Media Fast Forward",
    "Remote System Navigation Up", "Remote System Navigation Down", "Remote Button A",
    "Remote Button B", "Remote Menu", "TV Input", "TV Input HDMI 1", "TV Input HDMI 2",
    "TV Input HDMI 3",
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
    # the journey platforms that can run it (None: all); checked at validation
    platforms: frozenset[str] | None = None
    # what a keys means when given alone: `point` replaces the selector of a tap
    instead_of_selector: tuple[str, ...] = ()
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
    Key("index", Kind.INT, "index", "Which of several matches, from 0.", minimum=0,
        maximum=d.INDEX_MAX),
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
    Key("containsDescendants", Kind.SELECTOR_LIST, "contains_descendants",
        "Has descendants matching every one of these selectors."),
    Key("width", Kind.INT, "width", "The element's width in pixels (see tolerance).",
        maximum=d.PIXELS_MAX),
    Key("height", Kind.INT, "height", "The element's height in pixels (see tolerance).",
        maximum=d.PIXELS_MAX),
    Key("tolerance", Kind.INT, "tolerance", "How many pixels width and height may differ by.",
        maximum=d.PIXELS_MAX),
    Key("traits", Kind.TEXT, "traits",
        'Space-separated traits: text, long-text (200+ characters), square.'),
)
TRAITS = ("text", "long-text", "square")

CONDITION_KEYS: tuple[Key, ...] = (
    Key("visible", Kind.SELECTOR, "visible", "Holds when this element is visible."),
    Key("notVisible", Kind.SELECTOR, "not_visible", "Holds when this element is not visible."),
    Key("platform", Kind.PLATFORM, "platform", "Holds on this platform only."),
    Key("true", Kind.TEXT, "script", "Holds when this ${...} is truthy (not false, 0, "
        "null, undefined or empty)."),
    Key("label", Kind.TEXT, "label", "A human name for the condition."),
)

_TIMEOUT = Key("timeout", Kind.DURATION, "timeout_ms", "How long to wait at most.", minimum=0,
               maximum=d.COMMAND_TIMEOUT_MAX)
_APP_ID = Key("appId", Kind.TEXT, "app_id", "The app (default: the journey's appId).")
_SETTLE = Key("waitToSettleTimeoutMs", Kind.INT, "",
              "Maestro's wait for the screen to settle (accepted; Ronde's checks wait).",
              maximum=d.COMMAND_TIMEOUT_MAX)
_POINT = Key("point", Kind.POINT, "point",
             'Tap this point instead of an element: "50%, 90%" or pixels "100, 200".')
_TAP_KEYS = (
    _POINT,
    Key("retryTapIfNoChange", Kind.BOOL, "retry_tap_if_no_change",
        "Tap again if the screen did not change."),
    Key("waitUntilVisible", Kind.BOOL, "",
        "Maestro: wait for the element (Ronde always waits up to the step timeout)."),
    _SETTLE,
)
_DEVICE = frozenset({"android", "ios"})

COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("launchApp", m.LaunchApp, "Start the app (web: open the journey's url).",
                bare=True, short=Kind.TEXT, short_field="app_id", keys=(
                    _APP_ID,
                    Key("clearState", Kind.BOOL, "clear_state", "Clear the app's data first."),
                    Key("stopApp", Kind.BOOL, "stop_app", "Stop the app first (default true)."),
                    Key("clearKeychain", Kind.BOOL, "clear_keychain",
                        "Clear the iOS keychain first."),
                    Key("permissions", Kind.MAP, "permissions",
                        "Permissions to set, e.g. {all: deny, camera: allow} (default all: "
                        "allow)."),
                    Key("arguments", Kind.MAP, "arguments", "Launch arguments for the app."),
                )),
    CommandSpec("stopApp", m.StopApp, "Stop the app.", bare=True, short=Kind.TEXT,
                short_field="app_id", keys=(_APP_ID,)),
    CommandSpec("clearState", m.ClearState, "Clear the app's data.", bare=True,
                short=Kind.TEXT, short_field="app_id", keys=(_APP_ID,)),
    CommandSpec("openLink", m.OpenLink, "Open a URL or deep link.", short=Kind.LINK,
                short_field="link",
                keys=(Key("link", Kind.LINK, "link", "The URL.", required=True),
                      Key("browser", Kind.BOOL, "browser", "Open it in the browser."),
                      Key("autoVerify", Kind.BOOL, "auto_verify",
                          "Android App Links: verify the link's domain for the app."))),
    CommandSpec("tapOn", m.TapOn, "Tap an element.", short=Kind.SELECTOR,
                short_field="selector", selector=True, keys=(
                    Key("repeat", Kind.INT, "repeat", "Tap this many times.", minimum=1,
                        maximum=d.TAP_REPEAT_MAX),
                    Key("delay", Kind.INT, "delay_ms", "Milliseconds between repeated taps.",
                        maximum=d.COMMAND_TIMEOUT_MAX),
                    *_TAP_KEYS,
                ), instead_of_selector=("point",)),
    CommandSpec("longPressOn", m.LongPressOn, "Long-press an element.", short=Kind.SELECTOR,
                short_field="selector", selector=True, keys=(
                    _POINT, Key("retryTapIfNoChange", Kind.BOOL, "", "Accepted (Maestro)."),
                    *_TAP_KEYS[2:],
                ), instead_of_selector=("point",)),
    CommandSpec("doubleTapOn", m.DoubleTapOn, "Double-tap an element.", short=Kind.SELECTOR,
                short_field="selector", selector=True, keys=(
                    _POINT, Key("retryTapIfNoChange", Kind.BOOL, "", "Accepted (Maestro)."),
                    Key("delay", Kind.INT, "", "Accepted (Maestro): the gap between the taps.",
                        maximum=d.COMMAND_TIMEOUT_MAX),
                    *_TAP_KEYS[2:],
                ), instead_of_selector=("point",)),
    CommandSpec("inputText", m.InputText, "Type text into the focused field.", short=Kind.TEXT,
                short_field="text",
                keys=(Key("text", Kind.TEXT, "text", "The text to type.", required=True),)),
    CommandSpec("eraseText", m.EraseText, "Erase characters from the focused field.",
                bare=True, short=Kind.INT, short_field="characters", keys=(
                    Key("charactersToErase", Kind.INT, "characters",
                        "How many characters (default 50).", minimum=0, maximum=d.ERASE_MAX),
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
                    Key("visibilityPercentage", Kind.INT, "visibility_percentage",
                        "How much of the element must be on the screen (default 100; "
                        "over 100 is 100).", maximum=d.SCROLL_SETTING_MAX),
                    Key("speed", Kind.INT, "speed", "0-100: how fast each scroll is (default "
                        "40; Maestro's rule: over 100 is the default).",
                        maximum=d.SCROLL_SETTING_MAX),
                    Key("centerElement", Kind.BOOL, "center_element",
                        "Keep scrolling until the element is near the middle of the screen."),
                    _SETTLE,
                )),
    CommandSpec("swipe", m.Swipe, "Swipe in a direction, or from a point to another.", keys=(
        Key("direction", Kind.DIRECTION, "direction", "Swipe direction."),
        Key("start", Kind.POINT, "start", 'Start point, "x%, y%" or pixels "x, y".'),
        Key("end", Kind.POINT, "end", 'End point, "x%, y%" or pixels "x, y".'),
        Key("from", Kind.SELECTOR, "from_", "Swipe on this element (with direction)."),
        Key("duration", Kind.DURATION, "duration_ms", "How long the swipe lasts (400ms).",
            minimum=0, maximum=d.SWIPE_MAX),
        _SETTLE,
    ), exactly_one=("direction", "start"), together=(("start", "end"), ("end", "start"),
                                                     ("from", "direction"))),
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
                        maximum=d.REPEAT_TIMES_MAX),
                    Key("while", Kind.CONDITION, "while_", "Repeat while this holds."),
                    Key("commands", Kind.COMMANDS, "commands", "The commands.", required=True),
                ), at_least_one=("times", "while")),
    CommandSpec("runScript", m.RunScript, "Run a JavaScript file (Maestro's script API).",
                short=Kind.TEXT, short_field="file", keys=(
                    Key("file", Kind.TEXT, "file", "A .js file, relative to this file.",
                        required=True),
                    Key("env", Kind.ENV, "env", "Variables for the script (globals)."),
                    Key("when", Kind.CONDITION, "when", "Run only when this holds."),
                )),
    CommandSpec("evalScript", m.EvalScript, "Evaluate inline JavaScript: ${...}.",
                short=Kind.TEXT, short_field="script",
                keys=(Key("script", Kind.TEXT, "script", "The ${...} to evaluate.",
                          required=True),)),
    CommandSpec("assertTrue", m.AssertTrue, "Fail unless a ${...} condition is truthy.",
                short=Kind.TEXT, short_field="condition",
                keys=(Key("condition", Kind.TEXT, "condition", "The ${...} condition.",
                          required=True),)),
    CommandSpec("retry", m.Retry, "Run commands again when they fail (at most 3 retries).",
                keys=(
                    Key("maxRetries", Kind.INT, "max_retries", "How many retries (default 1; "
                        "Maestro caps it at 3).", maximum=d.RETRY_MAX),
                    Key("file", Kind.TEXT, "file", "A flow file, relative to this file."),
                    Key("commands", Kind.COMMANDS, "commands", "Inline commands."),
                    Key("env", Kind.ENV, "env", "Variables for the commands."),
                ), exactly_one=("file", "commands")),
    CommandSpec("killApp", m.KillApp, "Kill the app as the system would.", bare=True,
                short=Kind.TEXT, short_field="app_id", keys=(_APP_ID,), platforms=_DEVICE),
    CommandSpec("clearKeychain", m.ClearKeychain, "Clear the iOS keychain.", bare=True,
                platforms=_DEVICE),
    CommandSpec("copyTextFrom", m.CopyTextFrom, "Remember an element's text (for pasteText).",
                short=Kind.SELECTOR, short_field="selector", selector=True),
    CommandSpec("pasteText", m.PasteText, "Type the text copyTextFrom remembered.", bare=True),
    CommandSpec("inputRandomText", m.InputRandomText, "Type random letters.", bare=True,
                keys=(Key("length", Kind.INT, "length", "How many (default 8).", minimum=1,
                          maximum=d.RANDOM_LENGTH_MAX),)),
    CommandSpec("inputRandomNumber", m.InputRandomNumber, "Type random digits.", bare=True,
                keys=(Key("length", Kind.INT, "length", "How many (default 8).", minimum=1,
                          maximum=d.RANDOM_LENGTH_MAX),)),
    CommandSpec("inputRandomEmail", m.InputRandomEmail, "Type a random e-mail address.",
                bare=True),
    CommandSpec("inputRandomPersonName", m.InputRandomPersonName, "Type a random name.",
                bare=True),
    CommandSpec("setLocation", m.SetLocation, "Set the device's location.", keys=(
        Key("latitude", Kind.NUMBER, "latitude", "Degrees, -90 to 90.", required=True,
            minimum=-90, maximum=90),
        Key("longitude", Kind.NUMBER, "longitude", "Degrees, -180 to 180.", required=True,
            minimum=-180, maximum=180),
    ), platforms=_DEVICE),
    CommandSpec("travel", m.Travel, "Move the device's location through points.", keys=(
        Key("points", Kind.GEO_LIST, "points", 'Points as "latitude, longitude".',
            required=True),
        Key("speed", Kind.NUMBER, "speed", "Metres per second (default 4).", minimum=0,
            maximum=d.TRAVEL_SPEED_MAX),
    ), platforms=_DEVICE),
    CommandSpec("addMedia", m.AddMedia, "Add pictures or videos to the device's gallery.",
                short=Kind.FILE_LIST, short_field="files",
                keys=(Key("files", Kind.FILE_LIST, "files", "The files.", required=True),),
                platforms=_DEVICE),
    CommandSpec("startRecording", m.StartRecording, "Start recording the screen.",
                short=Kind.TEXT, short_field="path",
                keys=(Key("path", Kind.TEXT, "path", "The recording's name.", required=True),),
                platforms=_DEVICE),
    CommandSpec("stopRecording", m.StopRecording, "Stop recording; the video is evidence.",
                bare=True, platforms=_DEVICE),
    CommandSpec("setAirplaneMode", m.SetAirplaneMode, "Switch airplane mode on or off.",
                short=Kind.SWITCH, short_field="enabled",
                keys=(Key("value", Kind.SWITCH, "enabled", "enabled or disabled.",
                          required=True),),
                platforms=frozenset({"android"})),
    CommandSpec("toggleAirplaneMode", m.ToggleAirplaneMode, "Switch airplane mode over.",
                bare=True, platforms=frozenset({"android"})),
)

UNSUPPORTED_COMMANDS: dict[str, str] = {
    "assertWithAI": "it needs a model service",
    "assertNoDefectsWithAI": "it needs a model service",
    "extractTextWithAI": "it needs a model service",
    "openBrowser": "Maestro reads it but runs nothing for it (use openLink)",
}
"""Maestro commands Ronde refuses at validation, and why."""

MAESTRO_COMMAND_NAMES: frozenset[str] = frozenset({
    "tapOn", "doubleTapOn", "longPressOn", "assertVisible", "assertNotVisible", "assertTrue",
    "assertNoDefectsWithAI", "assertWithAI", "extractTextWithAI", "back", "clearKeychain",
    "hideKeyboard", "pasteText", "scroll", "inputText", "inputRandomText", "inputRandomNumber",
    "inputRandomEmail", "inputRandomPersonName", "launchApp", "swipe", "openLink",
    "openBrowser", "pressKey", "eraseText", "action", "takeScreenshot", "extendedWaitUntil",
    "stopApp", "killApp", "clearState", "runFlow", "setLocation", "repeat", "copyTextFrom",
    "runScript", "waitForAnimationToEnd", "evalScript", "scrollUntilVisible", "travel",
    "startRecording", "stopRecording", "addMedia", "setAirplaneMode", "toggleAirplaneMode",
    "retry",
})
"""Every command name Maestro's parser knows (YamlFluentCommand.kt), for precise messages."""

COMMAND_ALIASES: dict[str, str] = {"hide keyboard": "hideKeyboard"}
"""Other spellings Maestro accepts for a bare command."""

ACTIONS_BY_NAME: tuple[str, ...] = ("back", "hideKeyboard", "scroll", "clearKeychain",
                                    "pasteText")
"""Maestro's old `- action: back` form: the commands it may name."""

PLATFORM_REASONS: dict[str, str] = {
    "setAirplaneMode": "Appium can switch airplane mode on Android only (Maestro too)",
    "toggleAirplaneMode": "Appium can switch airplane mode on Android only (Maestro too)",
}
"""Why a command cannot run on some platform (default: it acts on a phone, not a browser)."""

COMMANDS_BY_NAME: dict[str, CommandSpec] = {spec.name: spec for spec in COMMANDS}

ALERT_KEYS: tuple[Key, ...] = (
    Key("availability_below", Kind.PERCENT, "availability_below",
        "Alert when availability over the window falls below this."),
    Key("window", Kind.DURATION, "window_ms", "The availability window (default 1h).",
        minimum=d.WINDOW_MIN, maximum=d.WINDOW_MAX),
    Key("consecutive_failures", Kind.INT, "consecutive_failures",
        "Alert after this many failed runs in a row.", minimum=1,
        maximum=d.CONSECUTIVE_FAILURES_MAX),
    Key("slow_for", Kind.DURATION, "slow_for_ms", "Alert when degraded for this long.",
        minimum=1, maximum=d.SLOW_FOR_MAX),
    Key("notify", Kind.TEXT_LIST, "notify", "Channel names from the robot's configuration."),
    Key("resolve_after", Kind.INT, "resolve_after",
        "Resolve after this many good checks in a row (default 2).", minimum=1,
        maximum=d.RESOLVE_AFTER_MAX),
)

MONITOR_KEYS: tuple[Key, ...] = (
    Key("id", Kind.ID, "id", "The journey's id (default: the file name without .yaml)."),
    Key("platform", Kind.PLATFORM, "platform", "android, ios or web (web is implied by url)."),
    Key("devices", Kind.TEXT_LIST, "devices", 'Device names, or "tag:<tag>".'),
    Key("locations", Kind.TEXT_LIST, "locations",
        "Run each slot once from each of these robot locations (a fleet on PostgreSQL)."),
    Key("every", Kind.DURATION, "every_ms", "Run this often (default 5m).",
        minimum=d.EVERY_MIN, maximum=d.EVERY_MAX),
    Key("cron", Kind.CRON, "cron", "Or run on this cron schedule (UTC)."),
    Key("jitter", Kind.DURATION, "jitter_ms", "Random delay added to each start.", minimum=0,
        maximum=d.JITTER_MAX),
    Key("active_hours", Kind.HOURS, "active_hours", 'Only run in this daily window (UTC).'),
    Key("timeout", Kind.DURATION, "timeout_ms", "The whole journey's timeout (default "
        f"{d.format_duration(m.JOURNEY_TIMEOUT_MS)}).",
        minimum=1, maximum=d.JOURNEY_TIMEOUT_MAX),
    Key("step_timeout", Kind.DURATION, "step_timeout_ms",
        "One command's timeout, waits included (default "
        f"{d.format_duration(m.STEP_TIMEOUT_MS)}).", minimum=1,
        maximum=d.STEP_TIMEOUT_MAX),
    Key("fail_fast", Kind.BOOL, "fail_fast",
        "Fail a waiting check as soon as the screen shows a known failure (default true)."),
    Key("slow", Kind.DURATION, "slow_ms", "A transaction slower than this is degraded.",
        minimum=1, maximum=d.SLOW_MAX),
    Key("retries", Kind.INT, "retries", "Confirm a failure this many times (default 1).",
        minimum=0, maximum=d.RETRIES_MAX),
    Key("secrets", Kind.NAME_LIST, "secrets",
        "Variables read from the environment and masked everywhere."),
    Key("alert", Kind.SECTION, "alert", "When to raise an alert.", sub=ALERT_KEYS),
)

HEADER_KEYS: tuple[Key, ...] = (
    Key("appId", Kind.TEXT, "app_id", "Android package / iOS bundle id."),
    Key("url", Kind.LINK, "url", "The start URL of a web journey."),
    Key("name", Kind.TEXT, "name", "A human name for the journey."),
    Key("tags", Kind.TEXT_LIST, "tags", "Tags (maintenance windows and filters use them)."),
    Key("env", Kind.ENV, "env", "Variable defaults (the environment overrides them)."),
    Key("monitor", Kind.SECTION, "monitor", "How the robot watches this journey.",
        sub=MONITOR_KEYS),
    Key("properties", Kind.ANY, "", "Maestro metadata (kept aside)."),
    Key("jsEngine", Kind.ANY, "", "Maestro setting (kept aside)."),
    Key("onFlowStart", Kind.COMMANDS, "on_flow_start",
        "Commands run before the flow; if they fail, the flow is skipped and failed."),
    Key("onFlowComplete", Kind.COMMANDS, "on_flow_complete",
        "Commands run after the flow, even a failed one; if they fail, the flow fails."),
)

UNSUPPORTED_HEADER_KEYS: dict[str, str] = {}

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
