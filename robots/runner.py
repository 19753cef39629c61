"""`run_journey`: one journey on one device, measured, diagnosed, with its evidence.

It never raises for app or device failures: they become `failed` / `error` results. It never
writes SQL nor reads the scheduler's clock; the monotonic clock it measures with is injected.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from journeys.errors import JourneyError
from journeys.links import link_problem
from journeys.model import Journey, Platform
from journeys.results import Category, RunResult, Status
from journeys.variables import Variables
from robots.backends import open_backend
from robots.backends.base import DeviceBackend, DeviceInfo
from robots.deadline import Caller, Clock
from robots.devices import DeviceSpec
from robots.diagnose import Evidence, Verdict, categorize, session_lost
from robots.evidence import EvidenceWriter, secret_masker
from robots.exceptions import DeviceTimeout, ScriptError, SessionError
from robots.executor import Executor, Failure
from robots.failfast import ScreenFailure
from robots.handlers import HANDLERS
from robots.js.engine import ScriptEngine
from robots.logmask import masking
from robots.patterns import DEFAULT_PATTERNS, Patterns
from robots.steps import Record
from robots.version import VERSION
from robots.walk import css_queries

log = logging.getLogger("ronde.robot")

SESSION_TIMEOUT_S = 90.0  # creating a session on a real device may take this long
EVIDENCE_CALL_S = 3.0
CLOSE_TIMEOUT_S = 10.0


def _utcnow() -> datetime:
    return datetime.now(UTC)


def run_journey(
    journey: Journey,
    device: DeviceSpec,
    *,
    appium_url: str | None,
    artifacts_dir: Path,
    environ: Mapping[str, str] = os.environ,
    clock: Clock = time.monotonic,
    attempt: int = 1,
    confirms: str | None = None,
    scheduled_at: datetime | None = None,
    wall: Callable[[], datetime] = _utcnow,
    patterns: Patterns = DEFAULT_PATTERNS,
    backend: DeviceBackend | None = None,
    on_step: Callable[[str, Status], None] | None = None,
    run_id: str | None = None,
) -> RunResult:
    """Runs `journey` on `device` and returns its measured, diagnosed result."""
    run = _Run(journey, device, appium_url=appium_url, artifacts_dir=Path(artifacts_dir),
               environ=environ, clock=clock, wall=wall, patterns=patterns, on_step=on_step,
               run_id=run_id or uuid.uuid4().hex)
    with masking(run.masker):
        result = run.execute(backend)
    return replace(result, attempt=attempt, confirms=confirms, scheduled_at=scheduled_at)


class _Run:
    def __init__(self, journey: Journey, device: DeviceSpec, *, appium_url: str | None,
                 artifacts_dir: Path, environ: Mapping[str, str], clock: Clock,
                 wall: Callable[[], datetime], patterns: Patterns,
                 on_step: Callable[[str, Status], None] | None, run_id: str) -> None:
        self.journey = journey
        self.device = device
        self.appium_url = appium_url
        self.environ = environ
        self.clock = clock
        self.wall = wall
        self.patterns = patterns
        self.on_step = on_step
        self.run_id = run_id
        self.masker = secret_masker(journey.monitor.secrets, environ)
        self.record = Record(self.masker)
        self.writer = EvidenceWriter(artifacts_dir, journey.id, run_id, self.masker)
        self.caller = Caller(clock, name=f"ronde-{journey.id}")
        self.started_at = wall()
        self.t0 = clock()
        self.timeout_s = journey.monitor.timeout_ms / 1000
        self.deadline = self.t0 + self.timeout_s
        self.info = DeviceInfo(platform=str(journey.platform))
        self.navigation_timing: dict[str, float] = {}
        self.exec_start = self.t0

    # ---- the run -------------------------------------------------------------------------

    def execute(self, backend: DeviceBackend | None) -> RunResult:
        missing = [n for n in self.journey.monitor.secrets if not self.environ.get(n)]
        if missing:
            return self._error(Category.ROBOT, f"secret {', '.join(missing)} is not set in the "
                               "robot's environment")
        step_s = self.journey.monitor.step_timeout_ms / 1000
        scripts = ScriptEngine(platform=str(self.journey.platform), masker=self.masker,
                               clock=self.clock,
                               limit=lambda: min(self.clock() + step_s, self.deadline))
        variables = Variables.for_journey(self.journey, self.environ,
                                          evaluator=scripts.expression)
        try:
            start_url = variables.resolve(self.journey.url) if self.journey.url else None
            if self.journey.app_id and "${" in self.journey.app_id:  # `${APP_ID || 'com.x'}`
                self.journey = replace(self.journey,
                                       app_id=variables.resolve(self.journey.app_id))
        except (JourneyError, ScriptError) as exc:
            return self._error(Category.ROBOT, str(exc))
        refused = link_problem(start_url, self.journey.link_schemes) if start_url else None
        if refused is not None:  # a ${VARIABLE} the parser could not see: file:, data:, ...
            return self._error(Category.ROBOT, f"url: {refused}")
        try:
            backend = backend or open_backend(
                self.journey, self.device, appium_url=self.appium_url, start_url=start_url,
                css_queries=css_queries(self.journey.commands), clock=self.clock)
        except SessionError as exc:
            return self._error(Category.SESSION, str(exc))
        try:
            self.info = self.caller.call(
                backend.start, what="session creation",
                deadline=self.t0 + min(self.timeout_s, SESSION_TIMEOUT_S))
        except Exception as exc:
            self._close(backend)
            return self._error(Category.SESSION, f"could not start a session on "
                               f"{self.device.name}: {_first_line(exc)}")
        log.info("run %s: %s on %s", self.run_id, self.journey.id, self.device.name)
        self.exec_start = self.clock()
        # The journey's timeout counts its commands; the session had its own bound above.
        self.deadline = self.exec_start + self.timeout_s
        executor = Executor(backend, self.caller, self.journey, self.record, clock=self.clock,
                            run_start=self.t0, journey_deadline=self.deadline,
                            on_step=self.on_step, patterns=self.patterns, scripts=scripts,
                            handlers=HANDLERS)
        failure: Failure | None = None
        try:
            executor.run_hooked(self.journey.on_flow_start, self.journey.commands,
                                self.journey.on_flow_complete, variables)
        except Exception as exc:
            failure = executor.failure or Failure(exc)
        except BaseException:
            self._close(backend)
            raise
        exec_end = self.clock()
        self.navigation_timing = executor.navigation_timing
        verdict, evidence = None, None
        if failure is not None:
            evidence = self._evidence(backend, failure, executor)
            verdict = categorize(failure, evidence, self.patterns)
        elif executor.slow:
            evidence = Evidence(snapshot=executor.slow_snapshot)
            if self._alive(None):
                evidence.screenshot = self._try(backend.screenshot, "screenshot")
        if self._alive(failure) and (self.info.app_version is None or
                                     self.journey.platform == Platform.WEB):
            self.info = self._try(backend.device_info, "device info") or self.info
        for name, png in executor.state.screenshots:
            self.writer.screenshot(name, png)
        for name, video in executor.state.recordings:
            self.writer.recording(name, video)
        if scripts.console:  # what the journey's scripts logged (masked by the engine)
            self.writer.text("console", "console.txt", "\n".join(scripts.console) + "\n")
        scripts.close()
        self._close(backend)
        return self._result(failure, verdict, evidence, executor, exec_end)

    # ---- evidence ------------------------------------------------------------------------

    def _alive(self, failure: Failure | None) -> bool:
        return not self.caller.broken and not (failure and session_lost(failure.exc))

    def _try(self, fn: Callable[..., object], what: str, *args: object) -> object | None:
        if self.caller.broken:
            return None
        try:
            return self.caller.call(fn, *args, deadline=self.clock() + EVIDENCE_CALL_S, what=what)
        except DeviceTimeout:
            return None
        except Exception as exc:  # evidence is best effort; the failure is already known
            log.debug("evidence %s unavailable: %s", what, self.masker.mask(str(exc)))
            return None

    def _evidence(self, backend: DeviceBackend, failure: Failure,
                  executor: Executor) -> Evidence:
        ev = Evidence(snapshot=executor.state.last)
        if not self._alive(failure):
            return ev  # no session to ask: the last page source seen is all there is
        snap = self._try(backend.snapshot, "page source")
        if snap is not None:
            ev.snapshot = snap  # type: ignore[assignment]
        app_id = self.journey.app_id
        state = self._try(backend.app_state, "app state", app_id)
        ev.app_state = state  # type: ignore[assignment]
        ev.connectivity = self._try(backend.connectivity, "connectivity")  # type: ignore[assignment]
        ev.logs = list(self._try(backend.logs, "device log") or [])  # type: ignore[call-overload]
        ev.screenshot = self._try(backend.screenshot, "screenshot")  # type: ignore[assignment]
        return ev

    def _write_evidence(self, ev: Evidence | None) -> None:
        if ev is None:
            return
        if ev.screenshot:
            self.writer.screenshot("screen", ev.screenshot)
        if ev.snapshot is not None:
            self.writer.page_source(ev.snapshot.source,
                                    web=self.journey.platform == Platform.WEB)
            self.writer.texts(ev.snapshot.visible_texts())
        if ev.logs:
            self.writer.logs(ev.logs[-200:])

    # ---- results -------------------------------------------------------------------------

    def _close(self, backend: DeviceBackend) -> None:
        if self.caller.broken:
            # The worker is stuck on a hung command; the server drops the session on its own
            # (newCommandTimeout). Closing from another thread must not hold this run.
            threading.Thread(target=_quietly, args=(backend.close,), daemon=True).start()
        else:
            try:
                self.caller.call(backend.close, deadline=self.clock() + CLOSE_TIMEOUT_S,
                                 what="closing the session")
            except Exception as exc:
                log.warning("run %s: closing the session failed: %s", self.run_id,
                            self.masker.mask(_first_line(exc)))
        self.caller.close()

    def _result(self, failure: Failure | None, verdict: Verdict | None, ev: Evidence | None,
                executor: Executor, exec_end: float) -> RunResult:
        transactions = list(self.record.transactions)
        steps = list(self.record.steps)
        error = None
        if verdict is not None and failure is not None:
            status, category = verdict.status, verdict.category
            where = f"{failure.command.name} (line {failure.command.pos.line})" \
                if failure.command is not None and failure.command.pos.line else \
                (failure.command.name if failure.command is not None else "run")
            if failure.hook:
                where = f"{failure.hook} hook failed: {where}"
            error = self.masker.mask(f"{where}: {_first_line(failure.exc)} — {verdict.reason}")
            first_guess = isinstance(failure.exc, ScreenFailure)  # the evidence decides
            transactions = [replace(t, category=category) if t.status is Status.FAILED and (
                            first_guess or t.category in (None, Category.DISPLAY)) else t
                            for t in transactions]
            for i in range(len(steps) - 1, -1, -1):
                if steps[i].status is Status.FAILED and not steps[i].optional:
                    steps[i] = replace(steps[i], category=category)
                    break
        elif executor.slow:
            status, category = Status.DEGRADED, Category.PERFORMANCE
            slow = executor.slow[0]
            error = self.masker.mask(f"{slow.name} took {slow.response_ms:.0f} ms "
                                     f"(slow: {self.journey.monitor.slow_ms} ms)")
        else:
            status, category = Status.PASSED, None
        if status is not Status.PASSED:
            self._write_evidence(ev)
            self.writer.timeline(steps, transactions, {
                "run_id": self.run_id, "journey": self.journey.id, "device": self.device.name,
                "status": str(status), "category": str(category) if category else None,
                "error": error,
            })
        load = next((t for t in transactions if t.is_load and t.response_ms is not None), None)
        if error:
            log.info("run %s: %s — %s", self.run_id, status, error)
        return self._base(status, category, error, exec_end - self.exec_start,
                          transactions=tuple(transactions), steps=tuple(steps),
                          load_ms=load.response_ms if load else None,
                          load_resolution_ms=load.resolution_ms if load else None)

    def _error(self, category: Category, message: str) -> RunResult:
        message = self.masker.mask(message)
        log.info("run %s: error (%s): %s", self.run_id, category, message)
        return self._base(Status.ERROR, category, message, self.clock() - self.t0)

    def _base(self, status: Status, category: Category | None, error: str | None,
              duration_s: float, **fields: object) -> RunResult:
        return RunResult(
            journey=self.journey.id, device=self._device_name(), status=status,
            category=category, started_at=self.started_at, ended_at=self.wall(),
            duration_ms=round(duration_s * 1000, 3), artifacts=tuple(self.writer.artifacts),
            error=error, navigation_timing=dict(self.navigation_timing), run_id=self.run_id,
            journey_hash=self.journey.definition_hash, platform=str(self.journey.platform),
            os_version=self.info.os_version, app_version=self.info.app_version,
            device_model=self.info.model, robot_version=VERSION,
            robot_host=socket.gethostname(), **fields,  # type: ignore[arg-type]
        )

    def _device_name(self) -> str:
        """The configured name; for an entry that hands out devices (Grid), the device the
        session got, so every figure stays per device."""
        if self.device.hands_out and self.info.udid:
            return self.info.udid
        return self.device.name


def _quietly(fn: Callable[[], object]) -> None:
    try:
        fn()
    except Exception as exc:  # the session is being abandoned; nothing more to do
        log.debug("abandoned session close failed: %s", type(exc).__name__)


def _first_line(exc: BaseException) -> str:
    text = getattr(exc, "msg", None) or str(exc) or type(exc).__name__
    return str(text).strip().splitlines()[0] if str(text).strip() else type(exc).__name__


__all__ = ["run_journey"]
