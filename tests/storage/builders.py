"""RunResults for storage tests: a compact way to write hand-computed datasets."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from journeys.results import Artifact, Category, RunResult, Status, StepResult, TransactionResult

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def tx(name: str, response_ms: float | None, status: str = "passed", *, load: bool = False,
       category: str | None = None) -> TransactionResult:
    return TransactionResult(
        name=name, action="launchApp" if load else "tapOn", check="assertVisible",
        status=Status(status), response_ms=response_ms,
        resolution_ms=None if response_ms is None else 50.0,
        category=Category(category) if category else None, is_load=load,
    )


def result(
    journey: str = "shop-login",
    status: str = "passed",
    *,
    device: str = "sim-1",
    at: datetime = T0,
    category: str | None = None,
    attempt: int = 1,
    confirms: str | None = None,
    run_id: str | None = None,
    transactions: tuple[TransactionResult, ...] = (),
    load_ms: float | None = None,
    scheduled_at: datetime | None = None,
    error: str | None = None,
    steps: tuple[StepResult, ...] = (),
    artifacts: tuple[Artifact, ...] = (),
    navigation_timing: dict[str, float] | None = None,
    app_version: str | None = "1.0.0",
) -> RunResult:
    return RunResult(
        journey=journey, device=device, status=Status(status),
        category=Category(category) if category else None,
        started_at=at, ended_at=at + timedelta(seconds=10), duration_ms=10_000.0,
        transactions=transactions, steps=steps, artifacts=artifacts, error=error,
        load_ms=load_ms, load_resolution_ms=None if load_ms is None else 40.0,
        navigation_timing=navigation_timing or {}, attempt=attempt, confirms=confirms,
        run_id=run_id or uuid.uuid4().hex, journey_hash="h1", platform="android",
        os_version="14", app_version=app_version, device_model="RondeSim",
        robot_version="0.1.0", robot_host="robot-1", scheduled_at=scheduled_at,
    )
