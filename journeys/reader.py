"""YAML nodes -> model values, driven by the tables of `journeys.spec` (the one mapping place).

Every mistake is recorded on the `Source` with its position and reading goes on, so one
pass reports as many problems as possible; a value that could not be read is `BAD` and
whatever contains it is never built.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from journeys import model as m
from journeys.cron import check_cron
from journeys.durations import (
    MAX_COUNT,
    MAX_DURATION_MS,
    check_bounds,
    parse_duration,
    parse_percent,
)
from journeys.errors import Problem
from journeys.js.checks import place, text_problems
from journeys.links import link_problem
from journeys.policy import DEFAULT_POLICY, FilePolicy
from journeys.spec import (
    ACTIONS_BY_NAME,
    COMMAND_ALIASES,
    COMMANDS_BY_NAME,
    COMMON_KEYS,
    CONDITION_KEYS,
    EXPECTED,
    GEO_PATTERN,
    HOURS_PATTERN,
    ID_PATTERN,
    MAESTRO_COMMAND_NAMES,
    NAME_PATTERN,
    POINT_PATTERN,
    PRESS_KEYS,
    SELECTOR_KEYS,
    TRAITS,
    UNSUPPORTED_COMMANDS,
    CommandSpec,
    Key,
    Kind,
)
from journeys.textmatch import PROBE_LENGTH, PROBE_TIMEOUT_S, backtracks, shown
from journeys.yamlnodes import (
    MappingNode,
    Node,
    ScalarNode,
    SequenceNode,
    Source,
    did_you_mean,
    expected_one_of,
    is_null,
    kind_of,
    pairs,
    scalar,
)


class _Bad:
    def __repr__(self) -> str:
        return "BAD"


BAD: Any = _Bad()
"""A value that could not be read (its problem is already recorded)."""

MAX_DEPTH = 40
MAX_NODES = 20_000
MAX_COMMANDS = 2_000
MAX_PIXELS = 100_000
"""Commands in one file, nested lists included (a real journey has tens)."""

Include = Callable[[str, Node], "tuple[tuple[m.Command, ...], tuple[tuple[str, str], ...]] | None"]
"""runFlow's file -> (its commands, its header env), or None when it has problems."""
Sibling = Callable[[str, Node, str], "str | None"]
ScriptFile = Callable[[str, Node], "tuple[str, str] | None"]
"""runScript's file -> (its path as shown, its JavaScript), or None (problem recorded)."""
"""(file, node, command) -> the file's path next to the flow, or None (problem recorded)."""

_VAR = re.compile(r"\$\{([^}]*)\}")
_NAME = re.compile(NAME_PATTERN)
_ID = re.compile(ID_PATTERN)
_HOURS = re.compile(HOURS_PATTERN)
_POINT = re.compile(POINT_PATTERN)
_GEO = re.compile(GEO_PATTERN)
_NUMBER = re.compile(r"^\s*-?[0-9]+(\.[0-9]+)?\s*$")
_DEFERRABLE = frozenset({Kind.INT, Kind.DURATION, Kind.BOOL, Kind.NUMBER, Kind.PERCENT,
                         Kind.POINT})
"""Typed kinds a command may write as `${VAR}` (resolved and checked when it runs)."""
_TAP_ONLY = ("repeat", "delay", "point", "retryTapIfNoChange", "waitUntilVisible",
             "waitToSettleTimeoutMs")
"""Keys Maestro reads on every selector but uses on taps only."""
_KEYS = {k.lower(): k for k in PRESS_KEYS}
_PLATFORMS = {p.value: p for p in m.Platform}
_DIRECTIONS = {d.value: d for d in m.Direction}


class TooComplex(Exception):
    """The document is nested too deeply or is too large (an alias bomb) to be a journey."""


class Reader:
    """Reads values of one file; `include` resolves runFlow files (None: not allowed)."""

    def __init__(self, src: Source, include: Include | None = None,
                 policy: FilePolicy = DEFAULT_POLICY, sibling: Sibling | None = None,
                 script: ScriptFile | None = None) -> None:
        self.src = src
        self.script = script
        self.include = include
        self.policy = policy
        self.sibling = sibling
        self._nodes = 0
        self._commands = 0
        self._in_command = 0

    def error(self, node: Node | None, message: str) -> Any:
        """Records a problem; returns BAD so a reader can `return self.error(...)`."""
        self.src.error(node, message)
        return BAD

    def fail(self, node: Node | None, message: str) -> bool:
        """Records a problem; returns False so a check can `ok = self.fail(...)`."""
        self.src.error(node, message)
        return False

    # ---- values --------------------------------------------------------------------

    def value(self, key: Key, node: Node, where: str, depth: int = 0) -> Any:
        """The Python value of `node` for `key` (BAD after recording what was wrong)."""
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise TooComplex
        kind = key.kind
        if kind is Kind.SELECTOR:
            return self.selector(node, where, depth + 1)
        if kind is Kind.CONDITION:
            return self.condition(node, where, depth + 1)
        if kind is Kind.COMMANDS:
            return self.commands(node, where, depth + 1)
        if kind is Kind.ENV:
            return self.env(node, where)
        if kind in (Kind.TEXT_LIST, Kind.NAME_LIST):
            return self.text_list(key, node, where)
        if kind is Kind.SECTION:
            return self.section(node, key.sub, where, depth + 1)
        if kind is Kind.ANY:
            return None
        if kind is Kind.MAP:
            return self.mapping(node, where)
        if kind is Kind.SELECTOR_LIST:
            return self.selector_list(node, where, depth + 1)
        if kind in (Kind.FILE_LIST, Kind.GEO_LIST):
            return self.list_of(kind, node, where)
        if (self._in_command and kind in _DEFERRABLE and isinstance(node, ScalarNode)
                and "${" in str(node.value)):
            return self.deferred(key, node, where)
        if not isinstance(node, ScalarNode) or is_null(node):
            return self.error(node, f"{where}: expected {EXPECTED[kind]} (found {kind_of(node)})")
        return self.scalar_value(key, node, where)

    def scalar_value(self, key: Key, node: ScalarNode, where: str) -> Any:
        kind, raw, value = key.kind, str(node.value), scalar(node)
        expected = EXPECTED[kind]
        if kind is Kind.TEXT:
            return self.text(node, where)
        if kind is Kind.LINK:
            return self.link(node, where)
        if kind is Kind.BOOL:
            if isinstance(value, bool):
                return value
            return self.error(node, f"{where}: expected {expected} (found {kind_of(node)})")
        if kind is Kind.INT:
            if isinstance(value, bool) or not (
                isinstance(value, int) or (isinstance(value, str) and raw.strip().isdigit())
            ):
                return self.error(node, f"{where}: expected {expected} (found {kind_of(node)})")
            if isinstance(value, str) and len(raw.strip()) > len(str(MAX_COUNT)):
                return self.error(node, f"{where}: the number is too large (expected at most "
                                        f"{key.maximum if key.maximum is not None else MAX_COUNT})")
            return self.bounded(key, node, where, int(value))
        if kind is Kind.DURATION:
            try:
                ms = parse_duration(value, key.maximum or MAX_DURATION_MS)
                return self.bounded(key, node, where, ms, duration=True)
            except ValueError as exc:
                return self.error(node, f"{where}: {exc}")
        if kind is Kind.PERCENT:
            try:
                return parse_percent(value)
            except ValueError as exc:
                return self.error(node, f"{where}: {exc}")
        if kind is Kind.DIRECTION:
            if raw.upper() in _DIRECTIONS:
                return _DIRECTIONS[raw.upper()]
            return self.error(node, f"{where}: unknown direction {raw!r} (expected {expected})")
        if kind is Kind.PLATFORM:
            if raw.lower() in _PLATFORMS:
                return _PLATFORMS[raw.lower()]
            return self.error(node, f"{where}: unknown platform {raw!r} (expected {expected})")
        if kind is Kind.KEY:
            if raw.lower() in _KEYS:
                return _KEYS[raw.lower()]
            return self.error(node, f"{where}: unknown key name {raw!r}"
                                    f"{did_you_mean(raw, PRESS_KEYS) or f' (expected {expected})'}")
        if kind is Kind.POINT:
            if not _POINT.match(raw):
                return self.error(node, f"{where}: {raw!r} is not a point (expected {expected})")
            relative = "%" in raw
            x, y = (float(part.strip().rstrip("%")) for part in raw.split(","))
            if (relative and (x > 100 or y > 100)) or max(x, y) > MAX_PIXELS:
                return self.error(node, f"{where}: {raw!r} is off the screen (expected {expected})")
            return m.Point(x, y, relative)
        if kind is Kind.NUMBER:
            if not _NUMBER.match(raw) or len(raw) > 40:
                return self.error(node, f"{where}: expected {expected} (found {kind_of(node)})")
            number = float(raw)
            if (key.minimum is not None and number < key.minimum) or (
                    key.maximum is not None and number > key.maximum):
                return self.error(node, f"{where}: {raw} is out of range (expected "
                                        f"{key.minimum} to {key.maximum})")
            return number
        if kind is Kind.SWITCH:
            if raw.lower() in ("enabled", "disabled"):
                return raw.lower() == "enabled"
            return self.error(node, f"{where}: {raw!r} is neither enabled nor disabled "
                                    f"(expected {expected})")
        if kind is Kind.ID:
            if _ID.match(raw):
                return raw
            return self.error(node, f"{where}: {raw!r} is not a valid id (expected {expected})")
        if kind is Kind.HOURS:
            if _HOURS.match(raw):
                return raw
            return self.error(node, f"{where}: {raw!r} is not a daily window "
                                    f"(expected {expected})")
        if kind is Kind.CRON:
            return self.cron(node, where, raw)
        raise AssertionError(f"unhandled kind {kind}")  # pragma: no cover - table bug

    def deferred(self, key: Key, node: ScalarNode, where: str) -> Any:
        """`${VAR}` in a typed value: its references checked now, its value when it runs."""
        text = self.text(node, where)
        if text is BAD:
            return BAD
        return m.Deferred(text, key.kind.value, where, key.minimum, key.maximum,
                          pos=self.src.pos(node))

    def mapping(self, node: Node, where: str) -> Any:
        """A mapping of names to scalars, as (name, text) pairs in file order."""
        if is_null(node):
            return ()
        if not isinstance(node, MappingNode):
            return self.error(node, f"{where}: expected {EXPECTED[Kind.MAP]} "
                                    f"(found {kind_of(node)})")
        out: list[tuple[str, str]] = []
        for name, _, value in pairs(self.src, node, where):
            if not isinstance(value, ScalarNode):
                return self.error(value, f"{where}.{name}: expected a text, number or true/"
                                         f"false (found {kind_of(value)})")
            got = scalar(value)
            text = "" if got is None else str(got).lower() if isinstance(got, bool) else \
                str(value.value)
            out.append((name, text))
        return tuple(out) if len(out) == len(node.value) else BAD

    def selector_list(self, node: Node, where: str, depth: int) -> Any:
        if not isinstance(node, SequenceNode) or not node.value:
            return self.error(node, f"{where}: expected {EXPECTED[Kind.SELECTOR_LIST]} "
                                    f"(found {kind_of(node)})")
        out = [self.selector(item, where, depth) for item in node.value]
        return BAD if any(s is BAD for s in out) else tuple(out)

    def list_of(self, kind: Kind, node: Node, where: str) -> Any:
        """addMedia's files (each next to the flow) or travel's points."""
        items = node.value if isinstance(node, SequenceNode) else None
        if not items or any(not isinstance(i, ScalarNode) or is_null(i) for i in items):
            return self.error(node, f"{where}: expected {EXPECTED[kind]} "
                                    f"(found {kind_of(node)})")
        out: list[Any] = []
        for item in items:
            raw = str(item.value)
            if kind is Kind.GEO_LIST:
                if not _GEO.match(raw):
                    return self.error(item, f"{where}: {raw!r} is not a point (expected "
                                            f"{EXPECTED[kind]})")
                lat, lon = (float(part) for part in raw.split(","))
                if abs(lat) > 90 or abs(lon) > 180:
                    return self.error(item, f"{where}: {raw!r} is not on Earth (expected a "
                                            "latitude -90 to 90 and a longitude -180 to 180)")
                out.append((lat, lon))
            elif self.sibling is None:
                return self.error(item, f"{where}: files are not allowed here")
            else:
                path = self.sibling(raw, item, where)
                if path is None:
                    return BAD
                out.append(path)
        return tuple(out)

    def bounded(self, key: Key, node: Node, where: str, number: int, *,
                duration: bool = False) -> Any:
        """The number when the key's bounds (`journeys.durations`) hold, else BAD."""
        maximum = key.maximum if key.maximum is not None or duration else MAX_COUNT
        problem = check_bounds(number, key.minimum, maximum, duration=duration)
        return number if problem is None else self.error(node, f"{where}: {problem}")

    def text(self, node: ScalarNode, where: str) -> Any:
        """A scalar kept exactly as written; each `${...}` in it is a variable name or
        JavaScript that compiles (Maestro's rule; `journeys.js`)."""
        raw = str(node.value)
        if "${" not in raw:
            return raw
        problems = text_problems(raw)
        start = self.src.pos(node)
        for problem in problems:
            line, column = place(start.line, start.column, node.style, raw, problem)
            self.src.problems.append(Problem(m.Position(self.src.file, line, column),
                                             f"{where}: {problem.message}"))
        return BAD if problems else raw

    def link(self, node: ScalarNode, where: str) -> Any:
        """A text that is a URL the journey may open (its scheme checked, never quoted)."""
        text = self.text(node, where)
        if text is BAD:
            return BAD
        problem = link_problem(text, self.policy.link_schemes)
        return text if problem is None else self.error(node, f"{where}: {problem}")

    def cron(self, node: Node, where: str, raw: str) -> Any:
        try:
            check_cron(raw)
        except ValueError as exc:
            return self.error(node, f"{where}: {raw!r} is not a valid cron expression ({exc}; "
                                    f"expected {EXPECTED[Kind.CRON]})")
        return raw

    def text_list(self, key: Key, node: Node, where: str) -> Any:
        items: list[Node]
        if isinstance(node, ScalarNode) and not is_null(node):
            items = [node]
        elif isinstance(node, SequenceNode):
            items = list(node.value)
        else:
            return self.error(node, f"{where}: expected {EXPECTED[key.kind]} "
                                    f"(found {kind_of(node)})")
        out: list[str] = []
        for item in items:
            if not isinstance(item, ScalarNode) or is_null(item):
                self.error(item, f"{where}: expected a text item (found {kind_of(item)})")
                continue
            text = str(item.value)
            if key.kind is Kind.NAME_LIST and not _NAME.match(text):
                self.error(item, f"{where}: {text!r} is not a variable name "
                                 "(expected letters, digits and _)")
                continue
            if text in out:
                self.error(item, f"{where}: {text!r} is listed twice")
                continue
            out.append(text)
        if len(out) != len(items):
            return BAD
        return tuple(out)

    def env(self, node: Node, where: str) -> Any:
        if is_null(node):
            return ()
        if not isinstance(node, MappingNode):
            return self.error(node, f"{where}: expected {EXPECTED[Kind.ENV]} "
                                    f"(found {kind_of(node)})")
        out: list[tuple[str, str]] = []
        ok = True
        for name, key_node, value in pairs(self.src, node, where):
            if not _NAME.match(name):
                ok = self.fail(key_node, f"{where}: {name!r} is not a variable name "
                                          "(expected letters, digits and _)")
                continue
            if not isinstance(value, ScalarNode):
                ok = self.fail(value, f"{where}.{name}: expected a text "
                                       f"(found {kind_of(value)})")
                continue
            text = "" if is_null(value) else self.text(value, f"{where}.{name}")
            if text is BAD:
                ok = False
                continue
            out.append((name, text))
        if len(out) != len(node.value):
            ok = False
        return tuple(out) if ok else BAD

    # ---- mappings ------------------------------------------------------------------

    def section(self, node: Node, keys: tuple[Key, ...], where: str, depth: int = 0,
                *, allow_empty: bool = True) -> Any:
        """A mapping of `keys` -> {field: value} (with the key nodes under '@'+name)."""
        if is_null(node) and allow_empty:
            return {}
        if not isinstance(node, MappingNode):
            return self.error(node, f"{where or 'header'}: expected a mapping "
                                    f"(found {kind_of(node)})")
        if depth > MAX_DEPTH:
            raise TooComplex
        by_name = {k.name: k for k in keys}
        out: dict[str, Any] = {}
        ok = True
        items = pairs(self.src, node, where or "header")
        if len(items) != len(node.value):
            ok = False
        label = where or "header"
        for name, key_node, value in items:
            key = by_name.get(name)
            if key is None:
                names = [k.name for k in keys]
                hint = did_you_mean(name, names) or f" (expected {expected_one_of(names)})"
                ok = self.fail(key_node, f"{label}: unknown key {name!r}{hint}")
                continue
            got = self.value(key, value, f"{where}.{name}" if where else name, depth)
            if got is BAD:
                ok = False
                continue
            out["@" + name] = key_node
            out["#" + name] = value
            if key.field:
                out[key.field] = got
        for key in keys:
            if key.required and "@" + key.name not in out and ok:
                ok = self.fail(node, f"{label}: missing key {key.name!r} "
                                      f"({EXPECTED[key.kind]})")
        return out if ok else BAD

    # ---- selectors and conditions ------------------------------------------------------

    def selector(self, node: Node, where: str, depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            raise TooComplex
        if isinstance(node, ScalarNode) and not is_null(node) and not isinstance(
            scalar(node), bool
        ):
            text = self.text(node, where)
            if text is BAD or not self.pattern_ok(node, text, where):
                return BAD
            return m.Selector(text_or_label=text, pos=self.src.pos(node))
        if not isinstance(node, MappingNode):
            return self.error(node, f"{where}: expected {EXPECTED[Kind.SELECTOR]} "
                                    f"(found {kind_of(node)})")
        # Maestro reads label/optional on nested selectors too; they mean nothing there
        data = self.section(node, SELECTOR_KEYS + COMMON_KEYS, where, depth)
        return BAD if data is BAD else self.build_selector(data, node, where)

    def build_selector(self, data: dict[str, Any], node: Node, where: str) -> Any:
        fields = {k.field: data[k.field] for k in SELECTOR_KEYS if k.field in data}
        if not fields:
            names = expected_one_of([k.name for k in SELECTOR_KEYS[:3]])
            return self.error(node, f"{where}: empty selector (expected at least one selector "
                                    f"key, such as {names})")
        if not self.patterns_ok(data, where) or not self.traits_ok(data, fields, where):
            return BAD
        return m.Selector(**fields, pos=self.src.pos(node))

    def traits_ok(self, data: dict[str, Any], fields: dict[str, Any], where: str) -> bool:
        """`traits: "text square"` -> ("text", "square"), each one Maestro knows."""
        if "traits" not in fields:
            return True
        names = tuple(str(fields["traits"]).split())
        for name in names:
            if name.lower().replace("_", "-") not in TRAITS:
                return self.fail(data["#traits"], f"{where}.traits: unknown trait {name!r} "
                                                  f"(expected {expected_one_of(TRAITS)})")
        fields["traits"] = tuple(n.lower().replace("_", "-") for n in names)
        return True

    def patterns_ok(self, data: dict[str, Any], where: str) -> bool:
        """The selector keys `text` and `id` of a read section hold no catastrophic pattern."""
        return all([self.pattern_ok(data["#" + key], data[key], f"{where}.{key}")
                    for key in ("text", "id") if key in data])

    def pattern_ok(self, node: Node, pattern: str, where: str) -> bool:
        """Refuses a pattern that would spend its whole match budget backtracking."""
        if "${" in pattern or not backtracks(pattern):
            return True
        return self.fail(node, f"{where}: selector pattern {shown(pattern)} backtracks "
                               f"catastrophically (over {PROBE_TIMEOUT_S * 1000:.0f}ms on a "
                               f"{PROBE_LENGTH}-character text): simplify it, e.g. "
                               "'(a|a)+' -> 'a+', '(.*x)+' -> '.*x'")

    def condition(self, node: Node, where: str, depth: int = 0) -> Any:
        data = self.section(node, CONDITION_KEYS, where, depth, allow_empty=False)
        if data is BAD:
            return BAD
        fields = {k.field: data[k.field] for k in CONDITION_KEYS if k.field in data}
        if not fields:
            return self.error(node, f"{where}: empty condition "
                                    f"(expected {EXPECTED[Kind.CONDITION]})")
        return m.Condition(**fields, pos=self.src.pos(node))

    # ---- commands ------------------------------------------------------------------

    def commands(self, node: Node, where: str, depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            raise TooComplex
        if not isinstance(node, SequenceNode):
            return self.error(node, f"{where}: expected {EXPECTED[Kind.COMMANDS]} "
                                    f"(found {kind_of(node)})")
        if not node.value:
            return self.error(node, f"{where}: the list of commands is empty "
                                    "(expected at least one command)")
        self._commands += len(node.value)
        if self._commands > MAX_COMMANDS:
            raise TooComplex(f"more than {MAX_COMMANDS} commands")
        out = [self.command(item, depth + 1) for item in node.value]
        return BAD if any(c is BAD for c in out) else tuple(out)

    def command(self, item: Node, depth: int) -> Any:
        self._in_command += 1
        try:
            return self._command(item, depth)
        finally:
            self._in_command -= 1

    def _command(self, item: Node, depth: int) -> Any:
        if isinstance(item, ScalarNode) and isinstance(scalar(item), str):
            name = COMMAND_ALIASES.get(str(item.value), str(item.value))
            spec = self.spec(name, item)
            if spec is BAD:
                return BAD
            if not spec.bare:
                return self.error(item, f"{name}: needs a value ({self.expects(spec)})")
            return spec.cls(pos=self.src.pos(item))
        if not isinstance(item, MappingNode):
            return self.error(item, "expected a command such as `- tapOn: \"OK\"` "
                                    f"(found {kind_of(item)})")
        items = pairs(self.src, item, "command")
        if not items:
            return BAD if item.value else self.error(item, "empty command (expected one "
                                                            "command name as the key)")
        name, key_node, value = items[0]
        if len(items) > 1:
            other, other_node, _ = items[1]
            if other in COMMANDS_BY_NAME:
                return self.error(other_node, f"{name}: a second command {other!r} in the "
                                              "same list item (start each command with '- ')")
            return self.error(other_node, f"{name}: {other!r} is not a command; indent it "
                                          f"under {name} if it is one of its keys")
        if name == "action" and isinstance(value, ScalarNode) and value.value in ACTIONS_BY_NAME:
            name, value = str(value.value), ScalarNode("tag:yaml.org,2002:null", "")
        spec = self.spec(name, key_node)
        if spec is BAD:
            return BAD
        pos = self.src.pos(key_node)
        if is_null(value):
            if spec.bare:
                return spec.cls(pos=pos)
            return self.error(key_node, f"{name}: needs a value ({self.expects(spec)})")
        if isinstance(value, MappingNode):
            return self.long_form(spec, key_node, value, depth)
        if isinstance(value, ScalarNode) and spec.short is not None:
            long = next((k for k in spec.keys if k.field == spec.short_field), None)
            short = Key(spec.short_field, spec.short, spec.short_field, "", minimum=0,
                        maximum=long.maximum if long else None)
            got = self.value(short, value, name, depth)
            if got is BAD:
                return BAD
            return self.finish(spec, {spec.short_field: got}, key_node, value, depth)
        if isinstance(value, SequenceNode) and spec.short is Kind.FILE_LIST:
            got = self.list_of(spec.short, value, name)
            return BAD if got is BAD else spec.cls(**{spec.short_field: got}, pos=pos)
        return self.error(value, f"{name}: expected {self.expects(spec)} "
                                 f"(found {kind_of(value)})")

    def spec(self, name: str, node: Node) -> Any:
        spec = COMMANDS_BY_NAME.get(name)
        if spec is not None:
            return spec
        if name in UNSUPPORTED_COMMANDS:
            return self.error(node, f"`{name}` is not supported by Ronde: "
                                    f"{UNSUPPORTED_COMMANDS[name]}")
        if name in MAESTRO_COMMAND_NAMES:
            return self.error(node, f"`{name}` is a Maestro command this version of Ronde does "
                                    "not run (see the command table in README)")
        hint = did_you_mean(name, COMMANDS_BY_NAME) or " (see the command table in README)"
        return self.error(node, f"unknown command {name!r}{hint}")

    @staticmethod
    def expects(spec: CommandSpec) -> str:
        if spec.selector:
            return "a selector text (regex) or a mapping of selector keys"
        forms = []
        if spec.short is not None:
            forms.append(EXPECTED[spec.short])
        keys = [k.name for k in spec.keys if k.required] or [k.name for k in spec.keys]
        if keys:
            forms.append(f"a mapping with {expected_one_of(keys)}")
        return " or ".join(forms) or "no value"

    def long_form(self, spec: CommandSpec, key_node: Node, node: MappingNode, depth: int) -> Any:
        keys = spec.keys + COMMON_KEYS + (SELECTOR_KEYS if spec.selector else ())
        if spec.selector and not self.tap_keys_ok(spec, keys, node):
            return BAD
        data = self.section(node, keys, spec.name, depth)
        if data is BAD:
            return BAD
        for group in (spec.exactly_one, spec.at_least_one):
            given = [name for name in group if "@" + name in data]
            if group and not given:
                return self.error(node, f"{spec.name}: missing key: give "
                                        f"{'one' if group is spec.exactly_one else 'any'} of "
                                        f"{expected_one_of(group)}")
            if group is spec.exactly_one and len(given) > 1:
                return self.error(data["@" + given[1]], f"{spec.name}: give only one of "
                                                        f"{expected_one_of(group)}")
        for first, second in spec.together:
            if "@" + first in data and "@" + second not in data:
                return self.error(data["@" + first], f"{spec.name}: {first!r} needs "
                                                     f"{second!r} too")
        if spec.selector:
            if not self.patterns_ok(data, spec.name):
                return BAD
            fields = {k.field: data.pop(k.field) for k in SELECTOR_KEYS if k.field in data}
            instead = [name for name in spec.instead_of_selector if "@" + name in data]
            if instead and fields:
                return self.error(data["@" + instead[0]], f"{spec.name}: give either "
                                  f"{instead[0]} or selector keys, not both")
            if not fields and not instead:
                return self.error(node, f"{spec.name}: no selector key (expected at least one "
                                        "of text, id, css, index, ...)")
            if fields:
                if not self.traits_ok(data, fields, spec.name):
                    return BAD
                data["selector"] = m.Selector(**fields, pos=self.src.pos(node))
        return self.finish(spec, data, key_node, node, depth)

    def tap_keys_ok(self, spec: CommandSpec, keys: tuple[Key, ...], node: MappingNode) -> bool:
        """Maestro reads tap keys on every selector and ignores them off taps: say so."""
        names = {k.name for k in keys}
        ok = True
        for key_node, _ in node.value:
            name = key_node.value if isinstance(key_node, ScalarNode) else None
            if name in _TAP_ONLY and name not in names:
                ok = self.fail(key_node, f"{spec.name}: {name!r} is a tapOn key (Maestro reads "
                                         f"it on {spec.name} but does nothing with it; remove "
                                         "it)")
        return ok

    def finish(self, spec: CommandSpec, data: dict[str, Any], key_node: Node, node: Node,
               depth: int) -> Any:
        fields = {k: v for k, v in data.items() if not k.startswith(("@", "#"))}
        if spec.cls in (m.RunFlow, m.Retry) and fields.get("file") is not None:
            file_node = data.get("#file", node)
            got = self.run_flow_file(fields["file"], file_node, spec.name)
            if got is BAD:
                return BAD
            fields["commands"], fields["file_env"] = got
        if spec.cls is m.RunScript:
            if self.script is None:
                return self.error(node, "runScript: a file is not allowed here")
            got = self.script(fields["file"], data.get("#file", node))
            if got is None:
                return BAD
            fields["file"], fields["source"] = got
        return spec.cls(**fields, pos=self.src.pos(key_node))

    def run_flow_file(self, file: str, node: Node, command: str = "runFlow") -> Any:
        if self.include is None:
            return self.error(node, f"{command}: a file is not allowed here")
        if not file.strip():
            return self.error(node, f"{command}: the file name is empty (expected a path "
                                    "relative to this file)")
        if "${" in file:
            return self.error(node, f"{command}: the file name cannot use variables "
                                    "(expected a fixed path relative to this file)")
        got = self.include(file, node)
        return BAD if got is None else got


__all__ = ["BAD", "MAX_DEPTH", "Reader", "TooComplex"]
