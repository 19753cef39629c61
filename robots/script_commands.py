"""The JavaScript commands (runScript, evalScript, assertTrue), run on the run's engine
(robots.js.engine) with Maestro's semantics; conditions' `true:` parts are robots.conditions'."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from journeys.model import AssertTrue, Command, EvalScript, RunScript
from journeys.variables import Variables
from robots.conditions import holds
from robots.exceptions import CheckFailed

if TYPE_CHECKING:
    from robots.executor import Executor


def run_script(ex: Executor, cmd: RunScript, v: Variables) -> None:
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


SCRIPT_HANDLERS: dict[type[Command], Callable[[Executor, Any, Variables], Any]] = {
    RunScript: run_script,
    EvalScript: eval_script,
    AssertTrue: assert_true,
}


__all__ = ["SCRIPT_HANDLERS", "assert_true", "eval_script", "run_script"]
