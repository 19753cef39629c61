"""Walks a journey's commands (nested flows included) to collect what a backend needs upfront."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from journeys.model import Command, Selector
from robots.selectors import selectors_in


def commands(cmds: Sequence[Command]) -> Iterator[Command]:
    for cmd in cmds:
        yield cmd
        yield from commands(cmd.children())


def selectors(cmds: Sequence[Command]) -> Iterator[Selector]:
    for cmd in commands(cmds):
        for root in cmd.selector_roots():
            yield from selectors_in(root)


def css_queries(cmds: Sequence[Command]) -> list[str]:
    """Every `css:` selector of the journey (the web snapshot evaluates them in the same call)."""
    return list(dict.fromkeys(s.css for s in selectors(cmds) if s.css))
