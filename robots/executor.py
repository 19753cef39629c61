"""Runs journey command lists: dispatch on the command type (robots.commands), the step
timeline, and the transactions measured from each action to the check that follows it.

Every device call goes through the session's `Caller`, bounded by the step's deadline (and the
journey's): a hung device never holds the run. Failures are raised as robot exceptions; the
runner turns them into a result (robots.diagnose decides the category).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from journeys.model import (
    Command,
    Journey,
    PressKey,
    TapOn,
)
from journeys.transactions import Transaction, pair_transactions
from journeys.variables import Variables
from robots.backends.base import DeviceBackend, Element, Snapshot
from robots.deadline import Caller, Clock
from robots.exceptions import (
    BackendUnsupported,
    DeviceTimeout,
    JourneyTimeout,
    StaleElement,
    StepFailed,
)
from robots.measure import WaitOutcome, response_time
from robots.result import Category, Status, TransactionResult
from robots.steps import Record

CALL_GRACE_S = 1.0  # a poll started just before the deadline may still answer
NAV_TIMING_WAIT_S = 3.0
LOGIN_LABEL = re.compile(r"(?i)log.?in|sign.?in|connexion|se connecter|authenti|identifi")


@dataclass(slots=True)
class Failure:
    """Where and how the run stopped; robots.diagnose reads it with the device's evidence."""

    exc: BaseException
    command: Command | None = None
    transaction: Transaction | None = None
    is_login: bool = False  # the failing step is (part of) the login
    after_login: bool = False  # a login had succeeded before this step


@dataclass(slots=True)
class State:
    focused: Element | None = None  # last tapped text field
    before_action: str | None = None  # page source just before the pending action
    secret_typed: bool = False
    login_action: Command | None = None
    logged_in: bool = False
    last: Snapshot | None = None
    screenshots: list[tuple[str, bytes]] = field(default_factory=list)


class Executor:
    """Executes a journey's command lists; records steps and transactions into `record`."""

    def __init__(self, backend: DeviceBackend, caller: Caller, journey: Journey, record: Record,
                 *, clock: Clock, run_start: float, journey_deadline: float,
                 on_step: Callable[[str, Status], None] | None = None) -> None:
        self.backend = backend
        self.caller = caller
        self.journey = journey
        self.record = record
        self.clock = clock
        self.run_start = run_start
        self.journey_deadline = journey_deadline
        self.step_timeout_s = journey.monitor.step_timeout_ms / 1000
        self.on_step = on_step
        self.state = State()
        self.failure: Failure | None = None
        self.slow: list[TransactionResult] = []
        self.slow_snapshot: Snapshot | None = None  # the screen when the first slow check held
        self.navigation_timing: dict[str, float] = {}

    # ---- plumbing ------------------------------------------------------------------------

    def _ms(self, t: float) -> float:
        return (t - self.run_start) * 1000

    def call(self, fn: Callable[..., Any], *args: Any, deadline: float, what: str,
             **kwargs: Any) -> Any:
        limit = min(max(deadline, self.clock() + CALL_GRACE_S), self.journey_deadline)
        try:
            return self.caller.call(fn, *args, deadline=limit, what=what, **kwargs)
        except DeviceTimeout:
            if self.clock() >= self.journey_deadline:
                raise JourneyTimeout(f"the journey ran out of its {self._journey_timeout()} "
                                     f"timeout during {what}") from None
            raise

    def _journey_timeout(self) -> str:
        return f"{self.journey.monitor.timeout_ms / 1000:g}s"

    def snap(self, deadline: float) -> Snapshot:
        snapshot = self.call(self.backend.snapshot, deadline=deadline, what="page source")
        self.state.last = snapshot
        return snapshot

    def check_journey_time(self, deadline: float, what: str) -> None:
        """A wait cut short by the journey's own deadline is the journey's timeout, not a failed
        check: given its full step time the condition might still have held."""
        if deadline >= self.journey_deadline and self.clock() >= self.journey_deadline:
            raise JourneyTimeout(f"the journey ran out of its {self._journey_timeout()} "
                                 f"timeout during {what}")

    def step_deadline(self, timeout_ms: int | None = None) -> float:
        now = self.clock()
        if now >= self.journey_deadline:
            raise JourneyTimeout(f"the journey ran out of its {self._journey_timeout()} timeout")
        timeout = timeout_ms / 1000 if timeout_ms is not None else self.step_timeout_s
        return min(now + timeout, self.journey_deadline)

    # ---- flows ---------------------------------------------------------------------------

    def run(self, commands: Sequence[Command], variables: Variables) -> None:
        pairs = pair_transactions(commands)
        pending: tuple[Transaction, float, float] | None = None  # txn, action sent, started
        for i, cmd in enumerate(commands):
            txn = pairs.get(i)
            closing, pending = pending, None
            started = self.clock()
            try:
                outcome = self.execute(cmd, variables)
            except BaseException as exc:
                soft = isinstance(exc, StepFailed | StaleElement | BackendUnsupported)
                owner = closing or ((txn, started, started) if txn is not None else None)
                self._step_failed(cmd, exc, started, owner[0] if owner else None,
                                  recoverable=soft and cmd.optional)
                if owner is not None:
                    self._txn_failed(owner, exc)
                if soft and cmd.optional:
                    continue
                raise
            self.record.step(cmd, Status.PASSED, self._ms(started), (self.clock() - started) * 1000)
            if self.on_step:
                self.on_step(self.record.steps[-1].description, Status.PASSED)
            if closing is not None and isinstance(outcome, WaitOutcome):
                self._txn_done(closing, outcome)
            if txn is not None:
                pending = (txn, outcome if isinstance(outcome, float) else started, started)

    def _step_failed(self, cmd: Command, exc: BaseException, started: float,
                     txn: Transaction | None, *, recoverable: bool) -> None:
        category = exc.category if isinstance(exc, StepFailed) else None
        self.record.step(cmd, Status.FAILED, self._ms(started), (self.clock() - started) * 1000,
                         error=str(exc) or type(exc).__name__, category=category)
        if self.on_step:
            self.on_step(self.record.steps[-1].description, Status.FAILED)
        if recoverable:
            return
        is_login = cmd is self.state.login_action or bool(
            cmd.label and LOGIN_LABEL.search(cmd.label))
        if txn is not None:
            is_login = is_login or txn.action is self.state.login_action or bool(
                LOGIN_LABEL.search(txn.name))
        self.failure = Failure(exc, cmd, txn, is_login, self.state.logged_in)

    def _txn_failed(self, pending: tuple[Transaction, float, float], exc: BaseException) -> None:
        txn, _sent, started = pending
        self.record.transaction(TransactionResult(
            name=txn.name, action=txn.action.name, check=txn.check.name, status=Status.FAILED,
            response_ms=None, resolution_ms=None,
            category=exc.category if isinstance(exc, StepFailed) else None,
            error=str(exc) or type(exc).__name__, is_load=txn.is_load,
            started_ms=round(self._ms(started), 3)))

    def _txn_done(self, pending: tuple[Transaction, float, float], outcome: WaitOutcome) -> None:
        txn, sent, started = pending
        timing = response_time(sent, outcome)
        slow_ms = self.journey.monitor.slow_ms
        status = Status.PASSED
        category = None
        if timing is not None and slow_ms is not None and timing.response_ms > slow_ms:
            status, category = Status.DEGRADED, Category.PERFORMANCE
        result = TransactionResult(
            name=txn.name, action=txn.action.name, check=txn.check.name, status=status,
            response_ms=round(timing.response_ms, 3) if timing else None,
            resolution_ms=round(timing.resolution_ms, 3) if timing else None,
            category=category, is_load=txn.is_load, started_ms=round(self._ms(started), 3))
        self.record.transaction(result)
        if status is Status.DEGRADED:
            self.slow.append(result)
            self.slow_snapshot = self.slow_snapshot or outcome.last
        if txn.action is self.state.login_action:
            self.state.logged_in = True
        if txn.is_load and self.backend.platform == "web":
            self.navigation_timing = self._navigation_timing()

    def _navigation_timing(self) -> dict[str, float]:
        """The page's Navigation Timing, once its load event has ended (bounded wait)."""
        deadline = min(self.clock() + NAV_TIMING_WAIT_S, self.journey_deadline)
        timing: dict[str, float] = {}
        while self.clock() < deadline:
            timing = self.call(self.backend.navigation_timing, deadline=deadline,
                               what="navigation timing")
            if timing.get("load"):
                break
            time.sleep(0.02)  # not a measurement: the load event is merely awaited
        return timing

    # ---- dispatch ------------------------------------------------------------------------

    def execute(self, cmd: Command, variables: Variables) -> Any:
        """Runs one command. Actions return the time they were sent; checks a WaitOutcome."""
        from robots.commands import HANDLERS

        handler = HANDLERS.get(type(cmd))
        if handler is None:
            raise BackendUnsupported(f"{cmd.name} is not supported by the robot")
        if self.state.secret_typed and self.state.login_action is None and isinstance(
                cmd, TapOn | PressKey):
            self.state.login_action = cmd  # the action that submits typed credentials
        return handler(self, cmd, variables)
