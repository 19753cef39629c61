"""Every journey command's handler, by command type: the robot's one dispatch table.

The runner hands this table to the executor; each handler module owns its part (screen,
phone-only device commands, JavaScript), so none of them imports the executor's dispatch.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from journeys.model import Command
from journeys.variables import Variables
from robots.commands import SCREEN_HANDLERS
from robots.device_commands import DEVICE_HANDLERS
from robots.script_commands import SCRIPT_HANDLERS

if TYPE_CHECKING:
    from robots.executor import Executor

Handler = Callable[["Executor", Any, Variables], Any]

HANDLERS: dict[type[Command], Handler] = {**SCREEN_HANDLERS, **DEVICE_HANDLERS, **SCRIPT_HANDLERS}

__all__ = ["HANDLERS", "Handler"]
