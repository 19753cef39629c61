"""Read-side speed on a trial: the report, each dashboard page and `/metrics`, p50/p95 per backend.

    .venv/bin/python benchmarks/read_side.py --url sqlite:///trial.db --url postgresql+psycopg://...
    .venv/bin/python benchmarks/read_side.py --generate sqlite,postgres --days 10 --journeys 100
    .venv/bin/python benchmarks/read_side.py --url sqlite:///trial.db --profile   # costly SQL
    .venv/bin/python benchmarks/read_side.py --url sqlite:///trial.db --url sqlite:///trial90.db \
        --postgres-copy     # both files, and the first copied into a throwaway PostgreSQL
    .venv/bin/python benchmarks/read_side.py --url sqlite:///trial.db --live 5
                            # a live trial: 5 runs recorded before each request (on a copy)

Databases come from `benchmarks/trial_dataset.py` (`--generate` makes them: a SQLite file, a
throwaway PostgreSQL cluster, or both). Pages are served in process (Starlette's
test client, no network) with the clock at the trial's end; the figures printed side by side
are the server's time per request. With `--live N`, N runs are recorded through the robot's
own write path (`Store.record_run`) before each request, round-robin over the journeys, in
the minute before the clock (not timed): what a running trial changes between two requests
(a 100-journey trial every 5 min records ~5 runs between two 15 s scrapes), so the caches
that keep what did not change are measured as they hit in production. SQLite files are then
copied first (the trial file is left as it was). Not run by the tests.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sqlalchemy import event
from starlette.testclient import TestClient
from trial_dataset import END, Journey, generate, run_result

from journeys.results import Status
from ronde.dashboard.app import create_app
from ronde.dashboard.figures import StoreFigures
from ronde.dashboard.server import tune_gc
from ronde.report.render import render_report
from ronde.report.store_source import StoreSource
from storage import reporting
from storage.store import Store

PAGES = (
    "/",
    "/journeys/journey-000?range=24h",
    "/journeys/journey-000?range=7d",
    "/journeys/journey-000?range=trial",
    "/runs",
    "/runs?journey=journey-000&status=failed",
    "/runs/{run_id}",
    "/incidents",
    "/status",
    "/metrics",
)


NOW = END + timedelta(minutes=7, seconds=13)
GOALS = {"report HTML": 3.0}  # seconds; every page and /metrics: 0.1 s (issue 13)
REFERENCE = "host reference (fixed work)"


def percentile(values: list[float], p: int) -> float:
    ordered = sorted(values)
    return ordered[max(0, -(-p * len(ordered) // 100) - 1)]


@contextmanager
def sql_profile(source: StoreSource, costs: dict[str, list[float]]) -> Iterator[None]:
    """Time every statement the source runs, keyed by its first 160 characters."""
    engine = source.store.db.engine

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        conn.info.setdefault("t0", []).append(time.perf_counter())

    def after(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        started = conn.info["t0"].pop()
        costs[" ".join(statement.split())[:160]].append(time.perf_counter() - started)

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


def timed(call: Callable[[], Any], repeat: int, reference: list[float] | None = None,
          before: Callable[[], None] | None = None) -> list[float]:
    """The first call (cold: nothing cached yet), then `repeat` calls as a running server
    answers them (its caches and prepared statements warm). With `reference`, a fixed piece
    of CPU work is timed after each call into it: how busy the shared host was meanwhile;
    `before` runs (untimed) before each call: the live trial's writes."""
    out = []
    for _ in range(repeat + 1):
        if before is not None:
            before()
        start = time.perf_counter()
        call()
        out.append(time.perf_counter() - start)
        if reference is not None:
            start = time.perf_counter()
            _reference_work()
            reference.append(time.perf_counter() - start)
    return out


_REFERENCE_DATA = [((i * 7919) % 100_003) / 7.0 for i in range(60_000)]


def _reference_work() -> None:
    """The same pure-Python work every time (~10 ms on a quiet 2-core host): sorting,
    formatting and a dict, like a page's own work; its spread is the host's noise."""
    ordered = sorted(_REFERENCE_DATA)
    {f"{v:.3f}": i for i, v in enumerate(ordered[::4])}


class LiveWriter:
    """Records runs as a running trial does: round-robin over the journeys, each run like
    its journey's latest (same transactions, device, typical times), started in the minute
    before `now`, through `Store.record_run` (what the robot's writer thread calls)."""

    def __init__(self, store: Any, now: datetime, per_request: int) -> None:
        self.store, self.now, self.per_request = store, now, per_request
        self.rng = random.Random(7)
        self.written = 0
        self.journeys = [
            Journey(r.journey, r.device or "sim-00",
                    tuple((t.name, t.response_ms or 500.0) for t in r.transactions), None)
            for r in store.latest_runs(with_transactions=True)
        ]

    def __call__(self) -> None:
        for _ in range(self.per_request):
            j = self.journeys[self.written % len(self.journeys)]
            at = self.now - timedelta(seconds=60) + timedelta(milliseconds=self.written)
            self.store.record_run(run_result(j, at, Status.PASSED, None, self.rng))
            self.written += 1


def measure(url: str, now: datetime, repeat: int, report_repeat: int, profile: bool,
            live: int = 0) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    source = StoreSource.open(url)
    costs: dict[str, list[float]] = defaultdict(list)
    writer = None
    try:
        latest = source.store.runs(limit=1, with_transactions=False)
        run_id = latest[0].run_id if latest else "none"
        app = create_app(source, Path(tempfile.gettempdir()), clock=lambda: now,
                         figures=StoreFigures(source.store))
        tune_gc()  # as the server does
        client = TestClient(app)
        times: dict[str, list[float]] = {}
        if live:
            writer = LiveWriter(Store.open(url, spool_path=Path(tempfile.mkdtemp()) / "s.jsonl",
                                           environ={}), now, live)

        def page(path: str) -> Callable[[], Any]:
            def get() -> None:
                response = client.get(path)
                if response.status_code != 200:
                    raise SystemExit(f"{path}: HTTP {response.status_code}")
            return get

        reference: list[float] = []
        with sql_profile(source, costs) if profile else _nothing():
            for path in PAGES:
                times[path] = timed(page(path.format(run_id=run_id)), repeat, reference,
                                    writer)
            span = reporting.run_span(source.store.db, now - timedelta(days=365), now)
            since = span[0] if span else now - timedelta(days=10)
            times["report HTML"] = timed(
                lambda: render_report(source.trial(since, now)), report_repeat)
        times[REFERENCE] = reference
        return times, costs
    finally:
        source.close()
        if writer is not None:
            print(f"  {writer.written} runs recorded between requests", flush=True)
            writer.store.close()


@contextmanager
def _nothing() -> Iterator[None]:
    yield


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", action="append", default=[], help="a trial database (repeat)")
    parser.add_argument("--generate", default="", metavar="BACKENDS",
                        help="make trial databases: sqlite, postgres or sqlite,postgres")
    parser.add_argument("--days", type=int, default=10)
    parser.add_argument("--journeys", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=20, help="requests per page")
    parser.add_argument("--report-repeat", type=int, default=3)
    parser.add_argument("--now", type=datetime.fromisoformat, default=NOW,
                        help="the dashboard's clock (default: 7 min 13 s after the generated "
                             "trial's end: not on an hour, as a real clock rarely is)")
    parser.add_argument("--profile", action="store_true", help="print the costliest SQL")
    parser.add_argument("--live", type=int, default=0, metavar="N",
                        help="record N runs before each request, as a live trial does (SQLite "
                             "files are copied first)")
    parser.add_argument("--postgres-copy", action="store_true",
                        help="also load the first --url SQLite trial into a throwaway "
                             "PostgreSQL cluster (benchmarks/pg_copy.py), measured there too")
    args = parser.parse_args()
    urls = [(url, _label(url)) for url in args.url]
    cluster = None
    tmp = Path(tempfile.mkdtemp(prefix="ronde-readside-"))
    backends = [b for b in args.generate.split(",") if b]
    generated: list[str] = []
    if backends and "sqlite" in backends:
        generated.append(f"sqlite:///{tmp / 'trial.db'}")
    try:
        if args.postgres_copy or "postgres" in backends:
            from tests.fixtures.postgres import PostgresCluster

            cluster = PostgresCluster()
            cluster.start()
        if "postgres" in backends:
            generated.append(cluster.url(cluster.create_database()))  # type: ignore[union-attr]
        for url in generated:
            made = generate(url, days=args.days, journeys=args.journeys)
            print(f"generated {made.runs} runs, {made.transactions} transactions on "
                  f"{url.split(':')[0]} in {made.seconds:.0f} s")
            urls.append((url, _label(url)))
        if args.postgres_copy:
            from pg_copy import copy

            for url, label in [u for u in urls if u[0].startswith("sqlite")][:1]:
                target = cluster.url(cluster.create_database())  # type: ignore[union-attr]
                seconds = copy(Path(url.removeprefix("sqlite:///")), target)
                print(f"copied {label} to PostgreSQL in {seconds:.0f} s", flush=True)
                urls.append((target, "pg " + label.removeprefix("sqlite ")))
        if args.live:
            urls = [(_copy(url, tmp / "live") if url.startswith("sqlite") else url, label)
                    for url, label in urls]
            print(f"live: {args.live} runs recorded before each request", flush=True)
        results = {}
        for url, label in urls:
            times, costs = measure(url, args.now, args.repeat, args.report_repeat, args.profile,
                                   args.live)
            results[label] = times
            if args.profile:
                print(f"\ncostliest statements on {label} (total ms, calls):")
                ranked = sorted(costs.items(), key=lambda kv: -sum(kv[1]))[:12]
                for statement, spent in ranked:
                    print(f"  {1000 * sum(spent):9.0f} {len(spent):5d}  {statement}")
        _table(results)
    finally:
        if cluster is not None:
            cluster.destroy()
        shutil.rmtree(tmp / "live", ignore_errors=True)  # the live copies (GBs for 90 days)


def _copy(url: str, into: Path) -> str:
    """A copy of a SQLite trial (its WAL checkpointed first): live runs are written into it."""
    path = Path(url.removeprefix("sqlite:///"))
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    into.mkdir(exist_ok=True)
    target = into / f"{len(list(into.iterdir()))}-{path.name}"
    shutil.copyfile(path, target)
    return f"sqlite:///{target}"


def _label(url: str) -> str:
    backend = url.split(":")[0].split("+")[0]
    name = Path(url.rsplit("/", 1)[-1]).stem
    return f"{backend} {name}"[:22]


def _table(results: dict[str, dict[str, list[float]]]) -> None:
    """p50 / p95 per database, and p95 over the goal (100 ms a page, 3 s the report)."""
    print(f"\n{'':<40}" + "".join(f"{label:>34}" for label in results))
    print(f"{'page':<32}{'goal':>8}" + "".join(f"{'first':>8}{'p50':>8}{'p95':>9}{'/goal':>9}"
                                                for _ in results))
    for name in next(iter(results.values())):
        if name == REFERENCE:
            continue
        goal = GOALS.get(name, 0.1)
        cells = "".join(_cells(t[name], goal) for t in results.values())
        print(f"{name:<32}{1000 * goal:8.0f}{cells}")
    print(f"{REFERENCE:<40}" + "".join(_cells(t[REFERENCE], None) for t in results.values()))
    print("(milliseconds; first = the first request, nothing cached yet; p50/p95 over the\n"
          " requests after it; /goal = p95 over the issue's target: <= 1.00x meets it.\n"
          " The host reference is the same CPU work timed after every page request: its p50\n"
          " compares runs, its p95/p50 (last column) shows how noisy the host was)")

def _cells(times: list[float], goal: float | None) -> str:
    """first, p50, p95 in ms, then p95 over `goal` (None: over the p50, the spread)."""
    p50, p95 = statistics.median(times[1:]), percentile(times[1:], 95)
    return (f"{1000 * times[0]:8.0f}{1000 * p50:8.0f}{1000 * p95:9.0f}"
            f"{p95 / (p50 if goal is None else goal):8.2f}x")


if __name__ == "__main__":
    main()
