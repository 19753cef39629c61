"""Transactions: an action immediately followed by a waiting check, measured as one unit.

The robot, the storage and the reports all name and count transactions through this module,
so they always agree on what a transaction is.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from journeys.model import ACTIONS, CHECKS, Command


@dataclass(frozen=True, slots=True)
class Transaction:
    name: str
    action: Command
    check: Command
    is_load: bool  # launchApp / openLink: this transaction's time is the load time

def default_name(action: Command, check: Command) -> str:
    """`tapOn "Valider" -> welcome_banner`: readable and stable while the file is unchanged."""
    left = f"{action.name} {action.target()}".strip()
    right = check.target()
    if check.negated:
        right = f"not {right}"
    return f"{left} -> {right}" if right else left

def pair_transactions(commands: Sequence[Command]) -> dict[int, Transaction]:
    """Transactions of one command list (not nested flows), keyed by the action's index."""
    found: dict[int, Transaction] = {}
    for i in range(len(commands) - 1):
        action, check = commands[i], commands[i + 1]
        if isinstance(action, ACTIONS) and isinstance(check, CHECKS):
            name = action.label or default_name(action, check)
            found[i] = Transaction(name, action, check, action.loads)
    return found

def iter_transactions(commands: Sequence[Command]) -> Iterator[Transaction]:
    """Every transaction in file order, nested runFlow/repeat bodies included (once each)."""
    pairs = pair_transactions(commands)
    for i, cmd in enumerate(commands):
        if i in pairs:
            yield pairs[i]
        yield from iter_transactions(cmd.children())

__all__ = ["Transaction", "default_name", "iter_transactions", "pair_transactions"]
