"""Memory soak: does a long-running robot's memory level off? RSS over thousands of rounds.

    .venv/bin/python benchmarks/memory_soak.py [--runs 10000] [--devices 4] [--every 250]
                                               [--tracemalloc] [--trim]

Builds the robot exactly as `ronde start` does (ronde.service: device pool, store
recorder, alert engine, logging to a JSON file and a console, the daemon's APScheduler loop
with its heartbeat, reload and alert ticks) on `--devices` simulated phones behind the
project's Appium, with SQLite in a temp folder, and drives the scheduler's round path
(`RoundRunner.run_round`, one thread per device, a fresh slot each time) on a tiny journey
(launch, one check). Every `--every` runs it prints the RSS; at the end, the slope
(kB/run) of the first and of the second half side by side: a leak keeps the second half's
slope up, a levelled-off robot brings it near zero. `--tracemalloc` also prints the biggest
growths between the middle and the end; `--trim` hands freed heap back to the system
(glibc's malloc_trim) before each sample, so what remains is memory still in use rather
than allocator fragmentation. Not run by the tests.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import gc
import itertools
import os
import sys
import tempfile
import threading
import time
import tracemalloc
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rich.console import Console

from emulators.appium_server import DEMO_ENV
from emulators.capabilities import DEMO_SHOP
from robots.devices import DeviceSpec
from ronde.config import Config
from ronde.service import Settings, _appium, _build
from scheduler.daemon import Options
from scheduler.logs import SecretMask, setup_logging, teardown_logging
from storage import Store

JOURNEY = """appId: com.ronde.demo.shop
monitor:
  id: soak-{i}
  devices: ["tag:soak"]
  every: 24h
  retries: 0
---
- launchApp
- assertVisible: "Accueil"
"""
T0 = datetime(2020, 1, 1, tzinfo=UTC)  # slots of the soak: far from the owed one


def rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status (Linux only)")


def malloc_trim() -> None:
    """Give glibc's free heap pages back to the system (no-op elsewhere)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def heap_mb() -> str:
    """Python's traced heap (with --tracemalloc): RSS growth outside it is native memory."""
    if not tracemalloc.is_tracing():
        return "-"
    return f"{tracemalloc.get_traced_memory()[0] / 2**20:.1f}"


def slope(points: list[tuple[int, int]]) -> float:
    """Least-squares kB per run through (runs, rss_kb) points."""
    n = len(points)
    if n < 2:
        return float("nan")
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / sxx if sxx else float("nan")


class Soak:
    def __init__(self, args: argparse.Namespace, folder: Path, stack: ExitStack) -> None:
        self.args = args
        devices = tuple(DeviceSpec(f"sim-soak-{i}", ("soak", "android"),
                                   simulated_app=str(DEMO_SHOP)) for i in range(args.devices))
        config = Config(storage_url=f"sqlite:///{folder / 'ronde.db'}",
                        artifacts_dir=folder / "artifacts", devices=devices)
        journeys = folder / "journeys"
        journeys.mkdir()
        for i in range(args.devices):
            (journeys / f"soak-{i}.yaml").write_text(JOURNEY.format(i=i))
        self.store = Store.open(config.storage_url)
        settings = Settings(paths=[journeys], config=config, log_file=None, live=False,
                            options=Options(), environ=DEMO_ENV, appium_env=DEMO_ENV)
        self.mask = SecretMask(DEMO_ENV.values())
        # as `ronde start`: JSON lines to a file and human lines to a (discarded) console
        self.sink = open(os.devnull, "w")  # noqa: SIM115 (closed in close())
        self.handlers = setup_logging(folder / "ronde.log", Console(file=self.sink), self.mask)
        appium = _appium(settings, stack, DEMO_ENV)  # as `ronde start`: supervised
        self.robot = _build(settings, self.store, appium, DEMO_ENV, self.mask)
        self.robot.start()  # the daemon's loop: heartbeats, reloads, alert ticks
        self.done = 0
        self.failed = 0
        self._lock = threading.Lock()
        self._slots = itertools.count()

    def worker(self, journey_id: str, total: int) -> None:
        while True:
            with self._lock:
                if self.done >= total:
                    return
            slot = T0 + timedelta(minutes=next(self._slots))
            results = self.robot.runner.run_round(journey_id, scheduled_at=slot)
            with self._lock:
                self.done += len(results)
                self.failed += sum(r.status.value != "passed" for r in results)

    def run(self, total: int, on_progress) -> None:
        threads = [threading.Thread(target=self.worker, args=(f"soak-{i}", total), daemon=True)
                   for i in range(self.args.devices)]
        for t in threads:
            t.start()
        while any(t.is_alive() for t in threads):
            time.sleep(0.05)
            on_progress(self.done)
        on_progress(self.done)

    def close(self) -> None:
        self.robot.options.grace_s = 5
        self.robot.shutdown()
        teardown_logging(self.handlers)
        self.sink.close()
        self.store.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--devices", type=int, default=4)
    parser.add_argument("--every", type=int, default=250, help="print the RSS every K runs")
    parser.add_argument("--warmup", type=int, default=200,
                        help="runs before the first measure (imports, caches, pools)")
    parser.add_argument("--tracemalloc", action="store_true")
    parser.add_argument("--trim", action="store_true", help="malloc_trim before each sample")
    parser.add_argument("--top", type=int, default=12, help="--tracemalloc: growths shown")
    parser.add_argument("--depth", type=int, default=4, help="--tracemalloc: frames each")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="ronde-soak-") as tmp, ExitStack() as stack:
        soak = Soak(args, Path(tmp), stack)
        try:
            soak.run(args.warmup, lambda n: None)
            gc.collect()
            if args.tracemalloc:
                tracemalloc.start(max(args.depth, 1))
            base = soak.done
            if args.trim:
                malloc_trim()
            points: list[tuple[int, int]] = [(0, rss_kb())]
            snaps: dict[str, tracemalloc.Snapshot] = {}
            started = time.monotonic()
            objects = [len(gc.get_objects())]
            print(f"{'runs':>7} {'RSS MB':>8} {'Δ kB':>8} {'objects':>9} {'py heap MB':>10} "
                  f"{'runs/s':>7}")
            print(f"{0:>7} {points[0][1] / 1024:>8.1f} {0:>8} {objects[0]:>9} {heap_mb():>10} "
                  f"{'':>7}")

            def progress(done: int) -> None:
                n = done - base
                if n < (len(points)) * args.every:
                    return
                gc.collect()
                if args.trim:
                    malloc_trim()
                kb = rss_kb()
                points.append((n, kb))
                rate = n / (time.monotonic() - started)
                objects.append(len(gc.get_objects()))
                print(f"{n:>7} {kb / 1024:>8.1f} {kb - points[0][1]:>+8} {objects[-1]:>9} "
                      f"{heap_mb():>10} {rate:>7.1f}", flush=True)
                if args.tracemalloc and "middle" not in snaps and n >= args.runs // 2:
                    snaps["middle"] = tracemalloc.take_snapshot()

            soak.run(base + args.runs, progress)
            measured = points[-1][0]
            half = measured // 2
            first = [p for p in points if p[0] <= half]
            second = [p for p in points if p[0] >= half]
            print(f"\n{measured} runs on {args.devices} devices "
                  f"({soak.failed} not passed) in {time.monotonic() - started:.0f} s")
            print(f"slope, first half : {slope(first):6.2f} kB/run")
            print(f"slope, second half: {slope(second):6.2f} kB/run")
            print(f"RSS: {points[0][1] / 1024:.1f} MB -> {points[-1][1] / 1024:.1f} MB; "
                  f"gc objects: {objects[0]} -> {objects[-1]}")
            if args.tracemalloc and "middle" in snaps:
                end = tracemalloc.take_snapshot()
                print("\nbiggest growths, middle -> end:")
                for stat in end.compare_to(snaps["middle"], "traceback")[:args.top]:
                    print(f"  {stat}")
                    for line in stat.traceback.format(limit=args.depth, most_recent_first=True):
                        print(f"      {line}")
        finally:
            soak.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
