"""The JavaScript commands (runScript, evalScript, assertTrue) and `true:` conditions, run on
the run's engine (robots.js.engine) with Maestro's semantics."""

from __future__ import annotations

from typing import TYPE_CHECKING

from journeys.model import AssertTrue, Condition, EvalScript, RunScript
from journeys.variables import Variables
from robots.exceptions import CheckFailed

if TYPE_CHECKING:
    from robots.executor import Executor


def script_holds(ex: Executor, cond: Condition, v: Variables) -> bool:
    """A condition's `true:` part: its `${...}` value is truthy (or there is none)."""
    return cond.script is None or ex.js().truthy(v.resolve(cond.script, cond.pos))


def run_script(ex: Executor, cmd: RunScript, v: Variables) -> None:
    from robots.commands import holds  # the visibility and platform parts of `when:`

    ex.step_deadline()  # the journey's own timeout comes first
    if cmd.when is not None and not holds(ex, cmd.when, v):
        return
    scope = v.child([(k, v.resolve(val, cmd.pos)) for k, val in cmd.env]) if cmd.env else v
    ex.js().run_script(cmd.source, scope, filename=cmd.file)


def eval_script(ex: Executor, cmd: EvalScript, v: Variables) -> None:
    ex.step_deadline()
    v.resolve(cmd.script, cmd.pos)  # each ${...} runs for its effect (output.x = ...)


def assert_true(ex: Executor, cmd: AssertTrue, v: Variables) -> None:
    ex.step_deadline()
    value = v.resolve(cmd.condition, cmd.pos)
    if not ex.js().truthy(value):
        raise CheckFailed(f"assertTrue: {cmd.condition} is false (its value: {value!r})")


__all__ = ["assert_true", "eval_script", "run_script", "script_holds"]
