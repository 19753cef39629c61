"""Walks a journey's commands (nested flows included) to collect what a backend needs upfront."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from journeys.model import (
    Command,
    Condition,
    ExtendedWaitUntil,
    Repeat,
    Retry,
    RunFlow,
    ScrollUntilVisible,
    Selector,
)
from robots.selectors import selectors_in


def commands(cmds: Sequence[Command]) -> Iterator[Command]:
    for cmd in cmds:
        yield cmd
        if isinstance(cmd, RunFlow | Repeat | Retry):
            yield from commands(cmd.commands)


def _conditions(cmd: Command) -> list[Condition]:
    if isinstance(cmd, RunFlow) and cmd.when is not None:
        return [cmd.when]
    if isinstance(cmd, Repeat) and cmd.while_ is not None:
        return [cmd.while_]
    return []


def selectors(cmds: Sequence[Command]) -> Iterator[Selector]:
    for cmd in commands(cmds):
        roots: list[Selector | None] = [getattr(cmd, "selector", None)]
        if isinstance(cmd, ExtendedWaitUntil):
            roots += [cmd.visible, cmd.not_visible]
        if isinstance(cmd, ScrollUntilVisible):
            roots.append(cmd.element)
        roots.append(getattr(cmd, "from_", None))  # swipe from an element
        for cond in _conditions(cmd):
            roots += [cond.visible, cond.not_visible]
        for root in roots:
            yield from selectors_in(root)


def css_queries(cmds: Sequence[Command]) -> list[str]:
    """Every `css:` selector of the journey (the web snapshot evaluates them in the same call)."""
    return list(dict.fromkeys(s.css for s in selectors(cmds) if s.css))
