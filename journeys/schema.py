"""JSON Schema (draft 2020-12) of a journey file, generated from `journeys.spec`.

Editors with yaml-language-server apply it to each YAML document of the file, so the root
accepts either the header mapping or the command list. The schema is never stricter than
the parser; the parser still has the last word (cycles, files, config names).
"""

from __future__ import annotations

from typing import Any

from journeys.durations import DURATION_PATTERN, MAX_DURATION_TEXT, PERCENT_PATTERN
from journeys.spec import (
    COMMAND_ALIASES,
    COMMANDS,
    COMMON_KEYS,
    CONDITION_KEYS,
    EXPECTED,
    GEO_PATTERN,
    HEADER_KEYS,
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

DIALECT = "https://json-schema.org/draft/2020-12/schema"
_SCALAR = {"type": ["string", "number", "boolean"]}
_VAR = {"type": "string", "pattern": r"\$\{"}  # `${VAR}`: resolved and checked at run time
_TYPED = (Kind.BOOL, Kind.INT, Kind.DURATION, Kind.PERCENT, Kind.NUMBER, Kind.POINT)


def kind_schema(key: Key | None, kind: Kind) -> dict[str, Any]:
    """The schema of one value kind (with a key's bounds, when given); a typed value may also
    be written with `${VAR}`."""
    plain = _kind_schema(key, kind)
    return {"anyOf": [plain, dict(_VAR)]} if kind in _TYPED else plain


def _variants(*names: str) -> list[str]:
    return sorted({v for n in names for v in (n, n.lower(), n.upper(), n.capitalize())})


def _kind_schema(key: Key | None, kind: Kind) -> dict[str, Any]:
    lo = key.minimum if key else None
    hi = key.maximum if key else None
    if kind in (Kind.TEXT, Kind.LINK):
        return dict(_SCALAR)
    if kind is Kind.BOOL:
        return {"type": "boolean"}
    if kind is Kind.INT:
        number: dict[str, Any] = {"type": "integer"}
        if lo is not None:
            number["minimum"] = lo
        if hi is not None:
            number["maximum"] = hi
        return {"anyOf": [number, {"type": "string", "pattern": r"^\s*[0-9]+\s*$"}]}
    if kind is Kind.DURATION:
        ms: dict[str, Any] = {"type": "integer", "minimum": lo or 0}
        if hi is not None:
            ms["maximum"] = hi
        return {"anyOf": [ms, {"type": "string", "pattern": DURATION_PATTERN,
                               "maxLength": MAX_DURATION_TEXT}]}
    if kind is Kind.PERCENT:
        return {"anyOf": [{"type": "number", "minimum": 0, "maximum": 100},
                          {"type": "string", "pattern": PERCENT_PATTERN}]}
    if kind in (Kind.SELECTOR, Kind.CONDITION, Kind.COMMANDS):
        return {"$ref": f"#/$defs/{kind.value}"}
    if kind is Kind.ENV:
        return {"type": ["object", "null"], "propertyNames": {"pattern": NAME_PATTERN},
                "additionalProperties": {"type": ["string", "number", "boolean", "null"]}}
    if kind is Kind.DIRECTION:
        return {"enum": _variants("UP", "DOWN", "LEFT", "RIGHT")}
    if kind is Kind.POINT:
        return {"type": "string", "pattern": POINT_PATTERN}
    if kind is Kind.KEY:
        return {"enum": _variants(*PRESS_KEYS)}
    if kind is Kind.PLATFORM:
        return {"enum": [*_variants("android", "web"), "ios", "iOS", "IOS", "Ios"]}
    if kind in (Kind.TEXT_LIST, Kind.NAME_LIST):
        item = dict(_SCALAR) if kind is Kind.TEXT_LIST else \
            {"type": "string", "pattern": NAME_PATTERN}
        return {"anyOf": [item, {"type": "array", "items": item, "uniqueItems": True}]}
    if kind is Kind.ID:
        return {"type": "string", "pattern": ID_PATTERN}
    if kind is Kind.CRON:
        return {"type": "string"}
    if kind is Kind.HOURS:
        return {"type": "string", "pattern": HOURS_PATTERN}
    if kind is Kind.SECTION:
        return _object(key.sub if key else ())
    if kind is Kind.NUMBER:
        number = {"type": "number"}
        if lo is not None:
            number["minimum"] = lo
        if hi is not None:
            number["maximum"] = hi
        return {"anyOf": [number, {"type": "string", "pattern": r"^\s*-?[0-9]+(\.[0-9]+)?\s*$"}]}
    if kind is Kind.MAP:
        return {"type": ["object", "null"],
                "additionalProperties": {"type": ["string", "number", "boolean", "null"]}}
    if kind is Kind.SELECTOR_LIST:
        return {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/selector"}}
    if kind is Kind.FILE_LIST:
        return {"type": "array", "minItems": 1, "items": {"type": "string"}}
    if kind is Kind.GEO_LIST:
        return {"type": "array", "minItems": 1, "items": {"type": "string",
                                                          "pattern": GEO_PATTERN}}
    if kind is Kind.SWITCH:
        return {"enum": ["enabled", "disabled"]}
    return {}


def _object(keys: tuple[Key, ...], *, nullable: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": ["object", "null"] if nullable else "object",
        "properties": {
            k.name: {**kind_schema(k, k.kind), "description": k.doc} for k in keys
        },
        "additionalProperties": False,
    }
    required = [k.name for k in keys if k.required]
    if required:
        out["required"] = required
    return out


def command_schema(spec: CommandSpec) -> dict[str, Any]:
    forms: list[dict[str, Any]] = []
    if spec.bare:
        forms.append({"type": "null"})
    if spec.short is not None:
        forms.append(kind_schema(None, spec.short))
    keys = spec.keys + COMMON_KEYS + (SELECTOR_KEYS if spec.selector else ())
    long = _object(keys, nullable=False)
    if spec.selector:
        long["anyOf"] = [{"required": [k.name]} for k in SELECTOR_KEYS] + [
            {"required": [name]} for name in spec.instead_of_selector]
    if spec.exactly_one:
        long["oneOf"] = [{"required": [name]} for name in spec.exactly_one]
    if spec.at_least_one:
        long["anyOf"] = [{"required": [name]} for name in spec.at_least_one]
    if spec.together:
        long["dependentRequired"] = {a: [b] for a, b in spec.together}
    forms.append(long)
    return {"description": spec.doc, "anyOf": forms}


def journey_schema() -> dict[str, Any]:
    """The whole schema: `$defs` for header, commands, selector and condition."""
    bare = [spec.name for spec in COMMANDS if spec.bare] + list(COMMAND_ALIASES)
    command = {
        "anyOf": [
            {"enum": bare},
            {
                "type": "object",
                "properties": {spec.name: command_schema(spec) for spec in COMMANDS},
                "additionalProperties": False,
                "minProperties": 1,
                "maxProperties": 1,
            },
        ],
    }
    selector = _object(SELECTOR_KEYS + COMMON_KEYS, nullable=False)
    selector["anyOf"] = [{"required": [k.name]} for k in SELECTOR_KEYS]
    condition = _object(CONDITION_KEYS, nullable=False)
    condition["minProperties"] = 1
    header = _object(HEADER_KEYS)
    header["description"] = "The header: the app (appId) or web site (url), and monitor:."
    header["additionalProperties"] = True  # other keys are noted and ignored, as Maestro does
    return {
        "$schema": DIALECT,
        "title": "Ronde journey (a Maestro flow with a monitor: header)",
        "description": "Each YAML document of a journey file: the header, then the commands.",
        "anyOf": [{"$ref": "#/$defs/header"}, {"$ref": "#/$defs/commands"}],
        "$defs": {
            "header": header,
            "commands": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/command"},
                         "description": EXPECTED[Kind.COMMANDS]},
            "command": command,
            "selector": {"description": EXPECTED[Kind.SELECTOR],
                         "anyOf": [dict(_SCALAR), selector]},
            "condition": condition,
        },
    }


__all__ = ["DIALECT", "command_schema", "journey_schema", "kind_schema"]
