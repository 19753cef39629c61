"""The values alerting works on: what a run tells the rules, checks, decisions and incidents.

Everything here is a plain value with no I/O, so rules and the diagnosis stay pure functions
that tests drive with hand-made runs and a fixed clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from journeys.results import Category, RunResult, Status
from scheduler.signals import Diagnosis, as_utc

# Transactions that log the user in (English and French names, and the generated ones).
LOGIN_RE = re.compile(
    r"(?i)log\s*-?\s*in|sign\s*-?\s*in|auth|connexion|se connecter|identifi|password|mot de passe"
    r"|credential|valider\W*->\W*welcome"
)
# A Java/Kotlin exception line in logcat, or an iOS/ObjC one.
EXCEPTION_RE = re.compile(
    r"((?:[a-z][\w$]*\.)+[A-Z][\w$]*(?:Exception|Error)\b(?::[^\n]*)?"
    r"|FATAL EXCEPTION[^\n]*|NSInternalInconsistencyException[^\n]*)"
)

ROBOT_CATEGORIES = frozenset(
    {Category.NO_DEVICE, Category.SESSION, Category.APPIUM_DOWN, Category.ABORTED,
     Category.ROBOT}
)


@dataclass(frozen=True, slots=True)
class RunFacts:
    """What alerting needs from one stored run (built from a RunResult or a storage row)."""

    run_id: str
    journey: str
    device: str
    status: Status
    started_at: datetime
    category: Category | None = None
    attempt: int = 1
    confirms: str | None = None
    app_version: str | None = None
    transaction: str | None = None  # the failing transaction, else the slowest degraded one
    step: str | None = None  # YAML command name of the failing step
    error: str | None = None  # secrets already masked by the robot
    is_login: bool = False  # the failing transaction logs the user in
    screenshot: str | None = None  # artifact path, relative to the artifacts directory
    logcat_exception: str | None = None
    os_version: str | None = None  # the device's OS version, as the run saw it
    location: str | None = None  # where the robot that ran it stands (a fleet)
    robot: str | None = None  # which robot ran it

    @property
    def counts_for_app(self) -> bool:
        """`error` runs are the robot's fault and never count for or against the app."""
        return self.status is not Status.ERROR


def _status(value: Any) -> Status:
    return value if isinstance(value, Status) else Status(str(value))


def _category(value: Any) -> Category | None:
    if value is None or value == "":
        return None
    if isinstance(value, Category):
        return value
    try:
        return Category(str(value))
    except ValueError:
        return None


def find_exception(text: str | None) -> str | None:
    """The most telling exception line of a logcat tail or an error text (the last one)."""
    if not text:
        return None
    lines = [m.group(1).strip() for m in EXCEPTION_RE.finditer(text)]
    named = [line for line in lines if not line.startswith("FATAL EXCEPTION")]
    pick = (named or lines or [None])[-1]
    return pick[:300] if pick else None


def is_login(transaction: str | None, category: Category | None) -> bool:
    return category is Category.AUTHENTICATION or bool(transaction and LOGIN_RE.search(transaction))


def facts_from_result(result: RunResult, artifacts_dir: Path | None = None) -> RunFacts:
    """Reduce a fresh RunResult to what alerting reads; reads the logcat tail if any."""
    bad = [t for t in result.transactions if t.status in (Status.FAILED, Status.ERROR)]
    slow = [t for t in result.transactions if t.status is Status.DEGRADED]
    if bad:
        transaction = bad[0].name
    elif slow:
        transaction = max(slow, key=lambda t: t.response_ms or 0.0).name
    else:
        transaction = None
    failed_steps = [s for s in result.steps if s.status in (Status.FAILED, Status.ERROR)
                    and not s.optional]
    step = failed_steps[0].command if failed_steps else None
    screenshot = next((a.path for a in result.artifacts if a.kind == "screenshot"), None)
    exception = None
    if result.status in (Status.FAILED, Status.ERROR):
        exception = find_exception(result.error) or next(
            (find_exception(s.error) for s in failed_steps if find_exception(s.error)), None
        )
        logcat = next((a.path for a in result.artifacts if a.kind == "logcat"), None)
        if exception is None and logcat and artifacts_dir is not None:
            exception = _exception_in_file(artifacts_dir / logcat)
    return RunFacts(
        run_id=result.run_id,
        journey=result.journey,
        device=result.device,
        status=result.status,
        started_at=as_utc(result.started_at),
        category=result.category,
        attempt=result.attempt,
        confirms=result.confirms,
        app_version=result.app_version,
        transaction=transaction,
        step=step,
        error=result.error,
        is_login=result.status is Status.FAILED and is_login(transaction, result.category),
        screenshot=screenshot,
        logcat_exception=exception,
        os_version=result.os_version,
        location=result.location or None,
        robot=result.robot_name or None,
    )


def _exception_in_file(path: Path) -> str | None:
    try:
        with path.open("rb") as fh:
            fh.seek(0, 2)
            fh.seek(max(0, fh.tell() - 64_000))
            return find_exception(fh.read().decode("utf-8", "replace"))
    except OSError:
        return None


def facts_from_row(row: Any) -> RunFacts:
    """Adapt storage's light run record (duck-typed: attribute names tolerated both ways)."""

    def get(*names: str, default: Any = None) -> Any:
        for name in names:
            if hasattr(row, name):
                value = getattr(row, name)
                if value is not None:
                    return value
        return default

    category = _category(get("category"))
    transaction = get("failed_transaction", "transaction", "failing_transaction")
    step = get("failed_step", "step", "failing_step")
    transactions = get("transactions", default=())
    bad = [t for t in transactions if str(t.status) in ("failed", "error")]
    slow = [t for t in transactions if str(t.status) == "degraded"]
    if transaction is None and bad:
        transaction, step = bad[0].name, step or getattr(bad[0], "check", None) or None
    elif transaction is None and slow:
        transaction = max(slow, key=lambda t: t.response_ms or 0.0).name
    if category is None and bad:
        category = _category(bad[0].category)
    error = get("error")
    return RunFacts(
        run_id=str(get("run_id", "id", default="")),
        journey=str(get("journey", "journey_id", default="")),
        device=str(get("device", "device_name", default="")),
        status=_status(get("status")),
        started_at=as_utc(get("started_at", "scheduled_at")),
        category=category,
        attempt=int(get("attempt", default=1)),
        confirms=get("confirms"),
        app_version=get("app_version"),
        transaction=transaction,
        step=step,
        error=error,
        is_login=is_login(transaction, category) if str(get("status")) == "failed" else False,
        screenshot=get("screenshot"),
        logcat_exception=get("logcat_exception") or find_exception(error),
        os_version=get("os_version"),
        location=get("location"),
        robot=get("robot_name", "robot"),
    )


class Outcome(StrEnum):
    """What one scheduled check (a first attempt and its confirmations) says about the app."""

    UP = "up"
    DEGRADED = "degraded"
    FLAKE = "flake"  # failed first, passed on confirmation: not an outage
    DOWN = "down"  # confirmed failure
    ERROR = "error"  # the robot could not run it: says nothing about the app
    PENDING = "pending"  # failed, confirmation not in yet

    @property
    def counted(self) -> bool:
        return self not in (Outcome.ERROR, Outcome.PENDING)

    @property
    def good(self) -> bool:
        return self in (Outcome.UP, Outcome.DEGRADED, Outcome.FLAKE)


@dataclass(frozen=True, slots=True)
class Check:
    first: RunFacts
    attempts: tuple[RunFacts, ...]  # the first attempt then its confirmations
    outcome: Outcome

    @property
    def at(self) -> datetime:
        return self.first.started_at

    @property
    def evidence(self) -> RunFacts:
        """The most informative run: the last failing attempt, else the first one."""
        failing = [r for r in self.attempts if r.status is Status.FAILED]
        return failing[-1] if failing else self.first

    @property
    def devices(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r.device for r in self.attempts if r.status is Status.FAILED))


class Kind(StrEnum):
    APP = "app"
    ROBOT = "robot"


@dataclass(frozen=True, slots=True)
class Decision:
    """What the rules conclude for one cause (dedup key) at one moment."""

    key: str  # "app:<journey>:failing", "app:<journey>:slow", "robot:device:<name>", ...
    kind: Kind
    journey: str
    holds: bool
    rules: tuple[str, ...] = ()  # the rules that hold
    category: Category | None = None
    transaction: str | None = None
    device: str | None = None
    availability: float | None = None  # percent over the window, confirmed
    window_ms: int = 3_600_000
    since: datetime | None = None  # onset of the current streak
    evidence: tuple[RunFacts, ...] = ()  # failing (or degraded / error) runs of the streak
    passes: int = 0  # trailing good checks (hysteresis when resolving)
    facts: tuple[tuple[str, str], ...] = ()  # (english, french) facts about the rule
    resolve_after: int = 2  # good checks in a row that resolve, whatever the window says
    journeys: tuple[str, ...] = ()  # a grouped cause: every journey it affects
    diagnosis: Diagnosis | None = None  # made by the grouping, before the incident exists

    @property
    def active(self) -> bool:
        """The cause still needs an incident: its rule holds and the journey has not passed
        `resolve_after` checks in a row since (an availability window may still hold long
        after the app recovered)."""
        return self.holds and self.passes < self.resolve_after


class IncidentState(StrEnum):
    FIRING = "firing"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


@dataclass(frozen=True, slots=True)
class Incident:
    """One incident: a cause (key) of one journey (or device) from onset to resolution."""

    key: str
    kind: Kind
    journey: str
    state: IncidentState
    opened_at: datetime
    changed_at: datetime  # last open/reopen/resolve flip (flap damping)
    id: int | None = None
    rules: tuple[str, ...] = ()
    category: Category | None = None
    transaction: str | None = None
    device: str | None = None
    availability: float | None = None
    since: datetime | None = None
    resolved_at: datetime | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    last_notified_at: datetime | None = None
    notifications: int = 0
    flaps: int = 0
    run_id: str | None = None  # the evidence run
    screenshot: str | None = None
    diagnosis: Diagnosis | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    journeys: tuple[str, ...] = ()  # every journey the cause affects now (grouping)
    devices: tuple[str, ...] = ()  # every device it was seen on
    notified_scope: str = ""  # cause and journeys as last notified (updates say what changed)

    @property
    def scope(self) -> str:
        cause = self.diagnosis.cause if self.diagnosis else ""
        return f"{cause}|{','.join(sorted(self.journeys or (self.journey,)))}"

    @property
    def open(self) -> bool:
        return self.state is not IncidentState.RESOLVED

    def with_(self, **changes: Any) -> Incident:
        return replace(self, **changes)
