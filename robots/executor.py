"""Runs journey command lists: dispatch on the command type (robots.handlers), the step
timeline, and the transactions measured from each action to the check that follows it.

Every device call goes through the session's `Caller`, bounded by the step's deadline (and the
journey's): a hung device never holds the run. Failures are raised as robot exceptions; the
runner turns them into a result (robots.diagnose decides the category).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from journeys.model import (
    Command,
    Journey,
)
from journeys.results import Category, Status, TransactionResult
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
from robots.failfast import FailureWatch
from robots.js.engine import ScriptEngine
from robots.measure import WaitOutcome, response_time
from robots.patterns import DEFAULT_PATTERNS, Patterns
from robots.steps import Record
from robots.walk import selectors

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
    hook: str | None = None  # onFlowStart / onFlowComplete: the step was in that hook


@dataclass(frozen=True, slots=True)
class Pending:
    """A transaction's action, done: when it was sent and when its call returned (the device
    received it in between), and when its step started."""

    txn: Transaction
    sent: float
    acked: float
    started: float


@dataclass(slots=True)
class State:
    focused: Element | None = None  # last tapped text field
    before_action: str | None = None  # page source just before the pending action
    secret_typed: bool = False
    login_action: Command | None = None
    logged_in: bool = False
    last: Snapshot | None = None
    screenshots: list[tuple[str, bytes]] = field(default_factory=list)
    copied_text: str | None = None  # copyTextFrom's text: pasteText, maestro.copiedText
    recording: str | None = None  # startRecording's name, until stopRecording
    recordings: list[tuple[str, bytes]] = field(default_factory=list)
    hook: str | None = None  # the hook running now, if any


class Executor:
    """Executes a journey's command lists; records steps and transactions into `record`."""

    def __init__(self, backend: DeviceBackend, caller: Caller, journey: Journey, record: Record,
                 *, clock: Clock, run_start: float, journey_deadline: float,
                 on_step: Callable[[str, Status], None] | None = None,
                 patterns: Patterns = DEFAULT_PATTERNS,
                 scripts: ScriptEngine | None = None,
                 handlers: Mapping[type[Command], Callable[..., Any]]) -> None:
        self.backend = backend
        self.handlers = handlers  # robots.handlers.HANDLERS: the runner hands it over
        self.scripts = scripts
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
        self.watch = FailureWatch(journey, patterns, clock, list(selectors(journey.commands)))

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

    def watched(self, holds: Callable[[Snapshot], bool], what: str
                ) -> Callable[[Snapshot], bool]:
        """`holds`, failing at once on a poll that shows a known failure (robots.failfast)."""
        self.watch.reset()

        def check(snapshot: Snapshot) -> bool:
            if holds(snapshot):
                return True
            self.watch.check(snapshot, what)
            return False

        return check

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

    def js(self) -> ScriptEngine:
        """The run's JavaScript engine (made here when the runner gave none)."""
        if self.scripts is None:
            self.scripts = ScriptEngine(
                platform=str(self.journey.platform), masker=self.record.masker, clock=self.clock,
                limit=lambda: min(self.clock() + self.step_timeout_s, self.journey_deadline))
        self.scripts.copied_text = self.state.copied_text
        return self.scripts

    # ---- flows ---------------------------------------------------------------------------

    def run_hooked(self, start: Sequence[Command], commands: Sequence[Command],
                   complete: Sequence[Command], variables: Variables) -> None:
        """Maestro's hooks: onFlowStart, then the commands (skipped when it failed), then
        onFlowComplete even after a failure. The first failure is the flow's."""
        first: Exception | None = None
        try:
            if start:
                self._hook("onFlowStart", start, variables)
            self.run(commands, variables)
        except Exception as exc:
            first = exc
        if complete:
            failure = self.failure
            try:
                self._hook("onFlowComplete", complete, variables)
            except Exception as exc:
                if first is None:
                    first = exc
                else:  # the flow's own failure stays the one reported
                    self.failure = failure
        if first is not None:
            raise first

    def _hook(self, name: str, commands: Sequence[Command], variables: Variables) -> None:
        outer, prefix = self.state.hook, self.record.prefix
        self.state.hook, self.record.prefix = name, f"{name}: "
        try:
            self.run(commands, variables)
        finally:
            self.state.hook, self.record.prefix = outer, prefix

    def run(self, commands: Sequence[Command], variables: Variables) -> None:
        pairs = pair_transactions(commands)
        pending: Pending | None = None  # the transaction whose action ran, awaiting its check
        for i, cmd in enumerate(commands):
            txn = pairs.get(i)
            closing, pending = pending, None
            started = self.clock()
            try:
                outcome = self.execute(cmd, variables)
            except BaseException as exc:
                soft = isinstance(exc, StepFailed | StaleElement | BackendUnsupported)
                owner = closing or (Pending(txn, started, started, started)
                                    if txn is not None else None)
                self._step_failed(cmd, exc, started, owner.txn if owner else None,
                                  recoverable=soft and cmd.optional)
                if owner is not None:
                    self._txn_failed(owner, exc)
                if soft and cmd.optional:
                    continue
                raise
            acked = self.clock()  # the device had the action by now: its call has returned
            self.record.step(cmd, Status.PASSED, self._ms(started), (acked - started) * 1000)
            if self.on_step:
                self.on_step(self.record.steps[-1].description, Status.PASSED)
            if closing is not None and isinstance(outcome, WaitOutcome):
                self._txn_done(closing, outcome)
            if txn is not None:
                sent = outcome if isinstance(outcome, float) else started
                pending = Pending(txn, sent, acked, started)

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
        self.failure = Failure(exc, cmd, txn, is_login, self.state.logged_in, self.state.hook)

    def _txn_failed(self, pending: Pending, exc: BaseException) -> None:
        txn, started = pending.txn, pending.started
        self.record.transaction(TransactionResult(
            name=txn.name, action=txn.action.name, check=txn.check.name, status=Status.FAILED,
            response_ms=None, resolution_ms=None,
            category=exc.category if isinstance(exc, StepFailed) else None,
            error=str(exc) or type(exc).__name__, is_load=txn.is_load,
            started_ms=round(self._ms(started), 3)))

    def _txn_done(self, pending: Pending, outcome: WaitOutcome) -> None:
        txn, started = pending.txn, pending.started
        timing = response_time(pending.sent, outcome, action_acked=pending.acked)
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
        handler = self.handlers.get(type(cmd))
        if handler is None:
            raise BackendUnsupported(f"{cmd.name} is not supported by the robot")
        if self.state.secret_typed and self.state.login_action is None and cmd.submits:
            self.state.login_action = cmd  # the action that submits typed credentials
        return handler(self, cmd, variables)
