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
from journeys.durations import format_duration, parse_duration, parse_percent
from journeys.spec import (
    COMMANDS_BY_NAME,
    COMMON_KEYS,
    CONDITION_KEYS,
    EXPECTED,
    HOURS_PATTERN,
    ID_PATTERN,
    NAME_PATTERN,
    POINT_PATTERN,
    PRESS_KEYS,
    SELECTOR_KEYS,
    CommandSpec,
    Key,
    Kind,
)
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

Include = Callable[[str, Node], "tuple[tuple[m.Command, ...], tuple[tuple[str, str], ...]] | None"]
"""runFlow's file -> (its commands, its header env), or None when it has problems."""

_VAR = re.compile(r"\$\{([^}]*)\}")
_NAME = re.compile(NAME_PATTERN)
_ID = re.compile(ID_PATTERN)
_HOURS = re.compile(HOURS_PATTERN)
_POINT = re.compile(POINT_PATTERN)
_KEYS = {k.lower(): k for k in PRESS_KEYS}
_PLATFORMS = {p.value: p for p in m.Platform}
_DIRECTIONS = {d.value: d for d in m.Direction}


class TooComplex(Exception):
    """The document is nested too deeply or is too large (an alias bomb) to be a journey."""


class Reader:
    """Reads values of one file; `include` resolves runFlow files (None: not allowed)."""

    def __init__(self, src: Source, include: Include | None = None) -> None:
        self.src = src
        self.include = include
        self._nodes = 0

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
        if not isinstance(node, ScalarNode) or is_null(node):
            return self.error(node, f"{where}: expected {EXPECTED[kind]} (found {kind_of(node)})")
        return self.scalar_value(key, node, where)

    def scalar_value(self, key: Key, node: ScalarNode, where: str) -> Any:
        kind, raw, value = key.kind, str(node.value), scalar(node)
        expected = EXPECTED[kind]
        if kind is Kind.TEXT:
            return self.text(node, where)
        if kind is Kind.BOOL:
            if isinstance(value, bool):
                return value
            return self.error(node, f"{where}: expected {expected} (found {kind_of(node)})")
        if kind is Kind.INT:
            if isinstance(value, bool) or not (
                isinstance(value, int) or (isinstance(value, str) and raw.strip().isdigit())
            ):
                return self.error(node, f"{where}: expected {expected} (found {kind_of(node)})")
            return self.bounded(key, node, where, int(value))
        if kind is Kind.DURATION:
            try:
                return self.bounded(key, node, where, parse_duration(value), duration=True)
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
            x, y = (float(part.strip().rstrip("%")) for part in raw.split(","))
            if x > 100 or y > 100:
                return self.error(node, f"{where}: {raw!r} is off the screen (expected {expected})")
            return (x, y)
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

    def bounded(self, key: Key, node: Node, where: str, number: int, *,
                duration: bool = False) -> Any:
        def show(n: int) -> str:
            return format_duration(n) if duration and n >= 0 else str(n)

        if key.minimum is not None and number < key.minimum:
            return self.error(node, f"{where}: {show(number)} is too small "
                                    f"(expected at least {show(key.minimum)})")
        if key.maximum is not None and number > key.maximum:
            return self.error(node, f"{where}: {show(number)} is too large "
                                    f"(expected at most {show(key.maximum)})")
        return number

    def text(self, node: ScalarNode, where: str) -> Any:
        """A scalar kept exactly as written; its `${...}` references must be plain names."""
        raw = str(node.value)
        bad = False
        for match in _VAR.finditer(raw):
            if not _NAME.match(match.group(1)):
                self.error(node, f"{where}: bad variable reference {match.group(0)!r} "
                                 "(expected ${NAME} with letters, digits and _)")
                bad = True
        rest = _VAR.sub("", raw)
        if "${" in rest:
            return self.error(node, f"{where}: unclosed variable reference '${{' "
                                    "(expected ${NAME})")
        return BAD if bad else raw

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
            return BAD if text is BAD else m.Selector(text_or_label=text, pos=self.src.pos(node))
        if not isinstance(node, MappingNode):
            return self.error(node, f"{where}: expected {EXPECTED[Kind.SELECTOR]} "
                                    f"(found {kind_of(node)})")
        data = self.section(node, SELECTOR_KEYS, where, depth)
        return BAD if data is BAD else self.build_selector(data, node, where)

    def build_selector(self, data: dict[str, Any], node: Node, where: str) -> Any:
        fields = {k.field: data[k.field] for k in SELECTOR_KEYS if k.field in data}
        if not fields:
            names = expected_one_of([k.name for k in SELECTOR_KEYS[:3]])
            return self.error(node, f"{where}: empty selector (expected at least one selector "
                                    f"key, such as {names})")
        return m.Selector(**fields, pos=self.src.pos(node))

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
        out = [self.command(item, depth + 1) for item in node.value]
        return BAD if any(c is BAD for c in out) else tuple(out)

    def command(self, item: Node, depth: int) -> Any:
        if isinstance(item, ScalarNode) and isinstance(scalar(item), str):
            name = str(item.value)
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
            short = Key(spec.short_field, spec.short, spec.short_field, "", minimum=0)
            got = self.value(short, value, name, depth)
            if got is BAD:
                return BAD
            return self.finish(spec, {spec.short_field: got}, key_node, value, depth)
        return self.error(value, f"{name}: expected {self.expects(spec)} "
                                 f"(found {kind_of(value)})")

    def spec(self, name: str, node: Node) -> Any:
        spec = COMMANDS_BY_NAME.get(name)
        if spec is None:
            hint = did_you_mean(name, COMMANDS_BY_NAME) or " (see the command table in README)"
            return self.error(node, f"unknown command {name!r}{hint}")
        return spec

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
            fields = {k.field: data.pop(k.field) for k in SELECTOR_KEYS if k.field in data}
            if not fields:
                return self.error(node, f"{spec.name}: no selector key (expected at least one "
                                        "of text, id, css, index, ...)")
            data["selector"] = m.Selector(**fields, pos=self.src.pos(node))
        return self.finish(spec, data, key_node, node, depth)

    def finish(self, spec: CommandSpec, data: dict[str, Any], key_node: Node, node: Node,
               depth: int) -> Any:
        fields = {k: v for k, v in data.items() if not k.startswith(("@", "#"))}
        if spec.cls is m.RunFlow and fields.get("file") is not None:
            file_node = data.get("#file", node)
            got = self.run_flow_file(fields["file"], file_node)
            if got is BAD:
                return BAD
            fields["commands"], fields["file_env"] = got
        return spec.cls(**fields, pos=self.src.pos(key_node))

    def run_flow_file(self, file: str, node: Node) -> Any:
        if self.include is None:
            return self.error(node, "runFlow: a file is not allowed here")
        if not file.strip():
            return self.error(node, "runFlow: the file name is empty (expected a path relative "
                                    "to this file)")
        if "${" in file:
            return self.error(node, "runFlow: the file name cannot use variables "
                                    "(expected a fixed path relative to this file)")
        got = self.include(file, node)
        return BAD if got is None else got


__all__ = ["BAD", "MAX_DEPTH", "Reader", "TooComplex"]
