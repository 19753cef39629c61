"""Storage speed: runs recorded per second, and KPI query times on 10k runs (SQLite by default).

    .venv/bin/python benchmarks/storage_write.py [--runs 10000] [--url postgresql+psycopg://...]

Each run carries 3 transactions, 6 steps, a load time and one artifact row, like a real login
journey; every 7th first attempt fails and gets a confirmation. Not run by the tests.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
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
from storage import Store, kpi

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def make_run(i: int, attempt: int = 1, confirms: str | None = None) -> RunResult:
    failed = attempt == 1 and i % 7 == 0
    status = Status.FAILED if failed else Status.PASSED
    at = T0 + timedelta(minutes=i) + timedelta(seconds=30 * (attempt - 1))
    txs = tuple(
        TransactionResult(
            name=name, action="tapOn", check="assertVisible",
            status=Status.FAILED if failed and name == "Login" else Status.PASSED,
            response_ms=None if failed and name == "Login" else 200.0 + (i * 37 + k * 101) % 900,
            resolution_ms=40.0, is_load=name == "Launch",
        )
        for k, name in enumerate(("Launch", "Login", "Search"))
    )
    steps = tuple(
        StepResult(index=k, command="tapOn", description=f"step {k}", status=Status.PASSED,
                   started_ms=k * 500.0, duration_ms=480.0)
        for k in range(6)
    )
    return RunResult(
        journey=f"journey-{i % 5}", device=f"sim-{i % 3}", status=status,
        category=Category.DISPLAY if failed else None, started_at=at,
        ended_at=at + timedelta(seconds=8), duration_ms=8000.0, transactions=txs, steps=steps,
        artifacts=(Artifact("screenshot", f"{i}/shot.png", "0" * 64, 20_000),),
        load_ms=txs[0].response_ms, attempt=attempt, confirms=confirms,
        run_id=uuid.uuid4().hex, platform="android", app_version="1.0", robot_host="bench",
    )


def timed(label: str, call: object) -> None:
    start = time.perf_counter()
    rows = call()  # type: ignore[operator]
    print(f"  {label:<38} {1000 * (time.perf_counter() - start):8.1f} ms  ({len(rows)} rows)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--url", help="database URL (default: a fresh SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        store = Store.open(url, spool_path=Path(tmp) / "spool.jsonl")
        results: list[RunResult] = []
        for i in range(args.runs):
            first = make_run(i)
            results.append(first)
            if first.status is Status.FAILED:
                results.append(make_run(i, attempt=2, confirms=first.run_id))
        start = time.perf_counter()
        for result in results:
            store.record_run(result)
        elapsed = time.perf_counter() - start
        print(f"{store.db.backend}: recorded {len(results)} runs in {elapsed:.1f} s: "
              f"{len(results) / elapsed:.0f} runs/s ({1000 * elapsed / len(results):.2f} ms/run)")
        print("KPI queries over all of them:")
        timed("availability", lambda: kpi.availability(store))
        timed("flake_rate", lambda: kpi.flake_rate(store))
        timed("transaction_success", lambda: kpi.transaction_success(store))
        timed("response_times by journey+transaction", lambda: kpi.response_times(store))
        timed("response_times by device+hour",
              lambda: kpi.response_times(store, by=("device", "hour")))
        timed("load_times by journey", lambda: kpi.load_times(store))
        timed("error_breakdown", lambda: kpi.error_breakdown(store))
        timed("runs(journey, last day)", lambda: store.runs(
            "journey-1", since=T0 + timedelta(minutes=args.runs) - timedelta(days=1)))
        timed("latest_runs", store.latest_runs)
        store.close()


if __name__ == "__main__":
    main()
