"""Which commands a journey's platform can run: refused at validation, once per command name.

A command inside `runFlow: {when: {platform: ios}}` only counts for that platform, so a
flow written for both phones validates on each.
"""

from __future__ import annotations

from collections.abc import Iterable

from journeys import model as m
from journeys.errors import Problem
from journeys.spec import COMMANDS_BY_NAME, PLATFORM_REASONS

_A = {m.Platform.ANDROID: "an Android", m.Platform.IOS: "an iOS", m.Platform.WEB: "a web"}


def platform_problems(commands: Iterable[m.Command], platform: m.Platform) -> list[Problem]:
    """One problem per command name the platform cannot run (at its first place)."""
    found: dict[str, Problem] = {}
    for cmd in _reachable(commands, platform):
        spec = COMMANDS_BY_NAME.get(cmd.name)
        if spec is None or spec.platforms is None or platform.value in spec.platforms:
            continue
        if cmd.name not in found:
            why = PLATFORM_REASONS.get(cmd.name, "it acts on a phone, not on a browser")
            found[cmd.name] = Problem(cmd.pos, f"`{cmd.name}` cannot run on {_A[platform]} "
                                               f"journey: {why}")
    return list(found.values())


def _reachable(commands: Iterable[m.Command], platform: m.Platform) -> Iterable[m.Command]:
    for cmd in commands:
        yield cmd
        when = getattr(cmd, "when", None) or getattr(cmd, "while_", None)
        if isinstance(when, m.Condition) and when.platform not in (None, platform):
            continue
        yield from _reachable(cmd.children(), platform)


__all__ = ["platform_problems"]
