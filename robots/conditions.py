"""`when:` / `while:` conditions: platform, visibility and `true:` parts, all of which must hold.

Below every handler module: runFlow, repeat and runScript all ask it, so none of them imports
another to know whether a condition holds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from journeys.model import Condition
from journeys.variables import Variables
from robots.selectors import find_one

if TYPE_CHECKING:
    from robots.executor import Executor


def script_holds(ex: Executor, cond: Condition, v: Variables) -> bool:
    """A condition's `true:` part: its `${...}` value is truthy (or there is none)."""
    return cond.script is None or ex.js().truthy(v.resolve(cond.script, cond.pos))


def holds(ex: Executor, cond: Condition, v: Variables) -> bool:
    if cond.platform is not None and cond.platform != ex.journey.platform:
        return False
    if not script_holds(ex, cond, v):
        return False
    if cond.visible is None and cond.not_visible is None:
        return True
    snapshot = ex.snap(ex.step_deadline())
    if cond.visible is not None and find_one(snapshot, cond.visible, v.resolve) is None:
        return False
    return not (
        cond.not_visible is not None and find_one(snapshot, cond.not_visible, v.resolve) is not None
    )


__all__ = ["holds", "script_holds"]
