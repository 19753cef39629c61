"""A realistic N-day trial written through Ronde's storage layer, for the read-side benchmarks.

    .venv/bin/python benchmarks/trial_dataset.py --days 10 --journeys 100 [--url URL]

Every journey runs every `--every` minutes on one of `--devices` simulated devices, with 3 to
5 transactions (a load first), two steps per transaction, a load time, a diurnal response-time
pattern, flakes (a failed first attempt whose confirmation passes), app failures confirmed by
their confirmation, robot `error` runs, and per-journey outages that open and resolve an
incident. Runs are stored with `storage.runs.record_run` (the code `ronde start` stores
with), a few hundred per transaction, in the order they would have arrived. Not run by the tests.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import tempfile
import time
import uuid
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from journeys.results import (
    Artifact,
    Category,
    RunResult,
    Status,
    StepResult,
    TransactionResult,
)
from storage import Store, incidents, runs
from storage.serialize import JourneyInfo

END = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
BATCH = 4800  # runs per database transaction (each touched hour refreshed once per batch)
FAILURES = (Category.BACKEND, Category.DISPLAY, Category.TIMEOUT, Category.NETWORK)


@dataclass(frozen=True, slots=True)
class Journey:
    key: str
    device: str
    transactions: tuple[tuple[str, float], ...]  # (name, typical response ms)
    outage: tuple[datetime, datetime] | None  # the app is down for this journey then


@dataclass(frozen=True, slots=True)
class Trial:
    url: str
    runs: int
    transactions: int
    incidents: int
    seconds: float


def plan(journeys: int, devices: int, days: int, end: datetime, rng: random.Random
         ) -> list[Journey]:
    out = []
    for j in range(journeys):
        names = ["Launch"] + [f"Step {k}" for k in range(1, rng.randint(3, 5))]
        outage = None
        if rng.random() < 0.3:  # about a third of the journeys live through one outage
            start = end - timedelta(days=days) + timedelta(minutes=rng.randrange(days * 1440))
            outage = (start, start + timedelta(minutes=rng.randint(20, 120)))
        out.append(Journey(
            key=f"journey-{j:03d}", device=f"sim-{j % devices:02d}",
            transactions=tuple((n, rng.uniform(150, 1500)) for n in names), outage=outage,
        ))
    return out


def run_result(j: Journey, at: datetime, status: Status, category: Category | None,
            rng: random.Random, attempt: int = 1, confirms: str | None = None) -> RunResult:
    hour = at.hour + at.minute / 60
    busy = 1.0 + 0.35 * math.sin((hour - 8) / 24 * 2 * math.pi)  # slower in the afternoon
    txs, steps, clock = [], [], 0.0
    failing = rng.randrange(1, len(j.transactions)) if status is Status.FAILED else -1
    for k, (name, typical) in enumerate(j.transactions):
        ok = k != failing and status is not Status.ERROR
        response = typical * busy * rng.lognormvariate(0, 0.25) if ok else None
        txs.append(TransactionResult(
            name=name, action="launchApp" if k == 0 else "tapOn", check="assertVisible",
            status=Status.PASSED if ok else Status.FAILED, response_ms=response,
            resolution_ms=4.0, is_load=k == 0, started_ms=clock, category=None if ok else category,
            error=None if ok else f"{name}: expected element not visible after 10 s",
        ))
        for s, command in enumerate(("tapOn", "assertVisible")):
            steps.append(StepResult(
                index=2 * k + s, command=command, description=f"{command} {name}",
                status=Status.PASSED if ok or s == 0 else Status.FAILED,
                started_ms=clock, duration_ms=(response or 10_000.0) / 2,
            ))
        clock += (response or 10_000.0) + 300
        if not ok:
            break
    if status is Status.ERROR:
        txs, steps = [], []
    run_id = uuid.uuid4().hex
    failed = status is not Status.PASSED
    return RunResult(
        journey=j.key, device="" if status is Status.ERROR else j.device, status=status,
        category=category, started_at=at, ended_at=at + timedelta(milliseconds=clock),
        duration_ms=clock, transactions=tuple(txs), steps=tuple(steps),
        artifacts=(Artifact("screenshot", f"{run_id}/failure.png", "0" * 64, 48_000),)
        if failed else (),
        error="session refused: no device" if status is Status.ERROR else None,
        load_ms=txs[0].response_ms if txs else None, load_resolution_ms=4.0,
        attempt=attempt, confirms=confirms, run_id=run_id, platform="android",
        app_version="2.4.1", os_version="14", robot_host="bench", robot_version="bench",
        scheduled_at=at,
    )


def rounds(j: Journey, at: datetime, rng: random.Random) -> list[RunResult]:
    """The first attempt at `at` and, when it failed, its confirmation a minute later."""
    down = j.outage is not None and j.outage[0] <= at < j.outage[1]
    roll = rng.random()
    if roll < 0.004:
        return [run_result(j, at, Status.ERROR, Category.NO_DEVICE, rng)]
    if down or roll < 0.03:  # an outage, or a flake / a short failure
        category = Category.BACKEND if down else rng.choice(FAILURES)
        first = run_result(j, at, Status.FAILED, category, rng)
        again = down or rng.random() < 0.2
        second = run_result(j, at + timedelta(minutes=1), Status.FAILED if again else Status.PASSED,
                         category if again else None, rng, attempt=2, confirms=first.run_id)
        return [first, second]
    if roll < 0.05:
        return [run_result(j, at, Status.DEGRADED, Category.PERFORMANCE, rng)]
    return [run_result(j, at, Status.PASSED, None, rng)]


def generate(url: str, *, days: int = 10, journeys: int = 100, devices: int = 10,
             every_min: int = 5, seed: int = 13, end: datetime = END,
             progress: bool = True) -> Trial:
    rng = random.Random(seed)
    started = time.perf_counter()
    plans = plan(journeys, devices, days, end, rng)
    infos = {j.key: JourneyInfo(key=j.key, name=f"Journey {j.key[-3:]}", platform="android",
                                slow_ms=3000.0) for j in plans}
    store = Store.open(url, spool_path=Path(tempfile.gettempdir()) / f"trial-{uuid.uuid4()}.jsonl")
    total_runs = total_tx = 0
    ticks = days * 24 * 60 // every_min
    begin = end - timedelta(days=days)
    pending: list[RunResult] = []

    def flush() -> None:
        pending.sort(key=lambda r: r.started_at)
        touched = runs.TouchedHours()  # each hour's derived rows refreshed once per batch
        with store.db.transaction() as session:
            for r in pending:
                runs.record_run(session, r, infos[r.journey], r.ended_at, touched)
            touched.refresh(session)
        pending.clear()

    for tick in range(ticks):
        for j in plans:  # spread over the interval by a per-journey phase, like the scheduler
            phase = timedelta(seconds=zlib.crc32(j.key.encode()) % (every_min * 60))
            for r in rounds(j, begin + tick * timedelta(minutes=every_min) + phase, rng):
                pending.append(r)
                total_runs += 1
                total_tx += len(r.transactions)
        if len(pending) >= BATCH:
            flush()
        if progress and tick % (ticks // 20 or 1) == 0:
            print(f"  {100 * tick // ticks:3d} %  {total_runs} runs  "
                  f"{time.perf_counter() - started:.0f} s", file=sys.stderr)
    flush()
    opened = 0
    for j in plans:
        if j.outage is None or j.outage[0] >= end:
            continue
        found = incidents.open_incident(
            store.db, dedup_key=f"app:{j.key}", kind="app", rule="consecutive_failures",
            now=j.outage[0] + timedelta(minutes=6), journey=j.key, category="backend",
            summary=f"{j.key} fails: the backend answers 503",
        )
        if j.outage[1] < end:
            incidents.resolve_incident(store.db, found.id, j.outage[1] + timedelta(minutes=5))
        opened += 1
    store.close()
    return Trial(url, total_runs, total_tx, opened, time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=10)
    parser.add_argument("--journeys", type=int, default=100)
    parser.add_argument("--devices", type=int, default=10)
    parser.add_argument("--every", type=int, default=5, help="minutes between rounds")
    parser.add_argument("--url", default="sqlite:///trial.db", help="database URL")
    args = parser.parse_args()
    trial = generate(args.url, days=args.days, journeys=args.journeys, devices=args.devices,
                     every_min=args.every)
    print(f"{trial.runs} runs, {trial.transactions} transactions, {trial.incidents} incidents "
          f"in {trial.seconds:.0f} s ({trial.runs / trial.seconds:.0f} runs/s)")


if __name__ == "__main__":
    main()
