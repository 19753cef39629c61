"""Typed values written with `${VAR}` (`timeout: ${TIMEOUT}`), resolved when the command runs.

The parser keeps them as `model.Deferred`; here the text is resolved with the run's variables
and checked by the same rules the parser applies to a literal, so `timeout: ${T}` with
T=abc fails its step with the key, the value's problem and what was expected.
"""

from __future__ import annotations

import re
from typing import Any, Protocol

from journeys.durations import MAX_COUNT, check_bounds, parse_duration, parse_percent
from journeys.errors import JourneyError, Problem
from journeys.model import Deferred, Point

_INT = re.compile(r"^\s*-?[0-9]+\s*$")
_NUMBER = re.compile(r"^\s*-?[0-9]+(\.[0-9]+)?\s*$")
_POINT = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)(%?)\s*,\s*([0-9]+(?:\.[0-9]+)?)(%?)\s*$")


class Resolver(Protocol):
    def resolve(self, text: str, pos: Any = None) -> str: ...


def typed(value: Any, variables: Resolver) -> Any:
    """`value` itself, or a Deferred's text resolved and converted to its kind."""
    if not isinstance(value, Deferred):
        return value
    text = variables.resolve(value.text, value.pos).strip()
    try:
        return _convert(value, text)
    except ValueError as exc:
        raise JourneyError([Problem(value.pos, f"{value.where}: {value.text} is {text!r}: "
                                               f"{exc}")]) from None


def _convert(value: Deferred, text: str) -> Any:
    kind = value.kind
    if kind == "bool":
        if text.lower() in ("true", "false"):
            return text.lower() == "true"
        raise ValueError("expected true or false")
    if kind == "int":
        if not _INT.match(text) or len(text) > len(str(MAX_COUNT)) + 1:
            raise ValueError("expected an integer")
        return _bounded(value, int(text), duration=False)
    if kind == "duration":
        return _bounded(value, parse_duration(text), duration=True)
    if kind == "percent":
        return parse_percent(text)
    if kind == "number":
        if not _NUMBER.match(text) or len(text) > 40:
            raise ValueError("expected a number")
        number = float(text)
        if (value.minimum is not None and number < value.minimum) or (
                value.maximum is not None and number > value.maximum):
            raise ValueError(f"out of range (expected {value.minimum} to {value.maximum})")
        return number
    if kind == "point":
        match = _POINT.match(text)
        if not match or bool(match.group(2)) != bool(match.group(4)):
            raise ValueError('expected a point as "x%, y%" or pixels "x, y"')
        x, y, relative = float(match.group(1)), float(match.group(3)), bool(match.group(2))
        if relative and (x > 100 or y > 100):
            raise ValueError("off the screen (expected percentages up to 100)")
        return Point(x, y, relative)
    raise ValueError(f"cannot be written with a variable ({kind})")


def _bounded(value: Deferred, number: int, *, duration: bool) -> int:
    maximum = value.maximum if value.maximum is not None else MAX_COUNT
    problem = check_bounds(number, value.minimum, maximum, duration=duration)
    if problem is not None:
        raise ValueError(problem)
    return number


__all__ = ["typed"]
