"""Hand-made runs for the alert tests: facts for the pure rules, RunResults for the engine."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from journeys.model import AlertPolicy, Journey, Monitor, Platform
from journeys.results import Artifact, Category, RunResult, Status, StepResult, TransactionResult
from scheduler.alerts.model import RunFacts

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
_ids = itertools.count(1)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def facts(
    minute: float,
    status: str = "passed",
    *,
    journey: str = "shop-login",
    device: str = "sim-1",
    category: str | None = None,
    attempt: int = 1,
    confirms: str | None = None,
    transaction: str | None = None,
    app_version: str | None = "1.0.0",
    is_login: bool = False,
    logcat: str | None = None,
    run_id: str | None = None,
    step: str | None = None,
) -> RunFacts:
    if category is None and status == "failed":
        category = "display"
    return RunFacts(
        run_id=run_id or f"r{next(_ids)}",
        journey=journey,
        device=device,
        status=Status(status),
        started_at=at(minute),
        category=Category(category) if category else None,
        attempt=attempt,
        confirms=confirms,
        app_version=app_version,
        transaction=transaction or ("Checkout" if status in ("failed", "degraded") else None),
        is_login=is_login,
        logcat_exception=logcat,
        step=step,
    )


def check(minute: float, outcome: str, *, journey: str = "shop-login", devices=("sim-1", "sim-2"),
          **kw) -> list[RunFacts]:
    """One scheduled check: `up`, `degraded`, `down` (failed + failed confirmation), `flake`
    (failed + passed confirmation), `error`, or `pending` (failed, no confirmation yet)."""
    first_status = {"up": "passed", "degraded": "degraded", "error": "error"}.get(outcome, "failed")
    if outcome == "error":
        kw.setdefault("category", "session")
    first = facts(minute, first_status, journey=journey, device=devices[0], **kw)
    if outcome in ("down", "flake"):
        second = "failed" if outcome == "down" else "passed"
        kw2 = dict(kw)
        if second == "passed":
            kw2.pop("category", None)
            kw2.pop("transaction", None)
        return [first, facts(minute + 0.5, second, journey=journey, device=devices[-1],
                             attempt=2, confirms=first.run_id, **kw2)]
    return [first]


def monitor(journey_id: str = "shop-login", *, every_ms: int = 60_000, retries: int = 1,
            slow_ms: int | None = None, secrets: tuple[str, ...] = (),
            **alert: object) -> Monitor:
    return Monitor(id=journey_id, platform=Platform.ANDROID, every_ms=every_ms, retries=retries,
                   slow_ms=slow_ms, secrets=secrets, alert=AlertPolicy(**alert))


def journey(journey_id: str = "shop-login", **kw: object) -> Journey:
    from pathlib import Path

    return Journey(path=Path(f"{journey_id}.yaml"), monitor=monitor(journey_id, **kw),
                   commands=(), app_id="com.ronde.demo.shop", name=f"Journey {journey_id}")


def result(
    when: datetime,
    status: str = "passed",
    *,
    journey: str = "shop-login",
    device: str = "sim-1",
    category: str | None = None,
    attempt: int = 1,
    confirms: str | None = None,
    transaction: str = "Login",
    error: str | None = None,
    app_version: str = "1.0.0",
    screenshot: str | None = None,
) -> RunResult:
    st = Status(status)
    cat = Category(category) if category else None
    bad = st in (Status.FAILED, Status.DEGRADED)
    txs = (
        TransactionResult(name="Launch", action="launchApp", check="assertVisible",
                          status=Status.PASSED, response_ms=900.0, resolution_ms=3.0,
                          is_load=True),
        TransactionResult(name=transaction, action="tapOn", check="assertVisible",
                          status=st if bad else Status.PASSED,
                          response_ms=None if st is Status.FAILED else 700.0,
                          resolution_ms=3.0, category=cat if bad else None, error=error),
    ) if st is not Status.ERROR else ()
    steps = (StepResult(index=0, command="tapOn", description='tapOn "Valider"', status=st,
                        started_ms=0.0, duration_ms=10.0, category=cat, error=error),)
    artifacts = (Artifact("screenshot", screenshot, "ab" * 32, 10),) if screenshot else ()
    return RunResult(
        journey=journey, device=device, status=st, category=cat, started_at=when,
        ended_at=when + timedelta(seconds=5), duration_ms=5000.0, transactions=txs,
        steps=steps, artifacts=artifacts, error=error, attempt=attempt, confirms=confirms,
        run_id=f"run{next(_ids):06d}", platform="android", app_version=app_version,
        robot_version="0.1.0", robot_host="test",
    )
