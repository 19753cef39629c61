"""Transactions: an action immediately followed by a waiting check, measured as one unit.

The robot, the storage and the reports all name and count transactions through this module,
so they always agree on what a transaction is.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from journeys.model import (
    ACTIONS,
    CHECKS,
    AssertNotVisible,
    Command,
    ExtendedWaitUntil,
    InputText,
    LaunchApp,
    OpenLink,
    PressKey,
    Repeat,
    Retry,
    RunFlow,
    ScrollUntilVisible,
    Selector,
    Swipe,
)

_ONLY_VARIABLES = re.compile(r"^(?:\$\{[A-Za-z_][A-Za-z0-9_]*\})+$")


@dataclass(frozen=True, slots=True)
class Transaction:
    name: str
    action: Command
    check: Command
    is_load: bool  # launchApp / openLink: this transaction's time is the load time

def _target(cmd: Command) -> str:
    sel: Selector | None = getattr(cmd, "selector", None)
    if isinstance(cmd, ExtendedWaitUntil):
        sel = cmd.visible or cmd.not_visible
    elif isinstance(cmd, ScrollUntilVisible):
        sel = cmd.element
    if sel is not None:
        return sel.describe()
    if (point := getattr(cmd, "point", None)) is not None:
        return f"point {point}".replace(" ", "")
    if isinstance(cmd, LaunchApp):
        return cmd.app_id or ""
    if isinstance(cmd, OpenLink):
        return _public_link(cmd.link)
    if isinstance(cmd, PressKey):
        return cmd.key
    if isinstance(cmd, InputText):
        # the typed text may be a secret: only `${NAME}` references (names, never values)
        return cmd.text if _ONLY_VARIABLES.match(cmd.text) else ""
    if isinstance(cmd, Swipe):
        if cmd.direction is not None:
            return str(cmd.direction)
        if cmd.start is not None and cmd.end is not None:
            return f"{_point(cmd.start)} to {_point(cmd.end)}"
    return ""


def _point(point: object) -> str:
    return str(point).replace(" ", "")


def _public_link(link: str) -> str:
    """The link without credentials, query or fragment (tokens live there)."""
    if "://" not in link:
        return link.split("?", 1)[0].split("#", 1)[0]
    scheme, rest = link.split("://", 1)
    rest = rest.split("?", 1)[0].split("#", 1)[0]
    authority, slash, path = rest.partition("/")
    authority = authority.rsplit("@", 1)[-1]
    return f"{scheme}://{authority}{slash}{path}"

def default_name(action: Command, check: Command) -> str:
    """`tapOn "Valider" -> welcome_banner`: readable and stable while the file is unchanged."""
    left = f"{action.name} {_target(action)}".strip()
    right = _target(check)
    if isinstance(check, AssertNotVisible) or (
        isinstance(check, ExtendedWaitUntil) and check.not_visible is not None
    ):
        right = f"not {right}"
    return f"{left} -> {right}" if right else left

def pair_transactions(commands: Sequence[Command]) -> dict[int, Transaction]:
    """Transactions of one command list (not nested flows), keyed by the action's index."""
    found: dict[int, Transaction] = {}
    for i in range(len(commands) - 1):
        action, check = commands[i], commands[i + 1]
        if isinstance(action, ACTIONS) and isinstance(check, CHECKS):
            name = action.label or default_name(action, check)
            found[i] = Transaction(name, action, check, isinstance(action, LaunchApp | OpenLink))
    return found

def iter_transactions(commands: Sequence[Command]) -> Iterator[Transaction]:
    """Every transaction in file order, nested runFlow/repeat bodies included (once each)."""
    pairs = pair_transactions(commands)
    for i, cmd in enumerate(commands):
        if i in pairs:
            yield pairs[i]
        if isinstance(cmd, RunFlow | Repeat | Retry):
            yield from iter_transactions(cmd.commands)

__all__ = ["Transaction", "default_name", "iter_transactions", "pair_transactions"]
