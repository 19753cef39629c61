"""A fleet on this host: R robots (`ronde start` processes) × D simulated devices each, one
PostgreSQL, side by side.

For each R×D (default 1×2, 2×2, 3×2, 1×4, 2×4, 3×4): a throwaway PostgreSQL cluster's fresh
database, one Appium with the RondeSim driver shared by every robot (each robot has its own
D simulated phones), R×D journeys that any robot may run (every `--every`), R robots started
together for `--minutes`; then, from the database: runs per minute against the slots due,
slots run twice (must be 0) or not at all, the start jitter (started_at - scheduled_at, first
attempts) p50/p99, and how the runs spread over the robots. The first `WARMUP_S` seconds are
not counted. Run: `.venv/bin/python benchmarks/fleet.py [--sizes 1x2,2x2,3x2] [--minutes 1]
[--every 10s]` (needs Debian's postgresql; ./dev setup installs it).
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from emulators.appium_server import AppiumServer  # noqa: E402
from scheduler.triggers import JourneyTrigger  # noqa: E402
from storage import Store  # noqa: E402
from tests.fixtures.postgres import PostgresCluster  # noqa: E402

WARMUP_S = int(os.environ.get("RONDE_FLEET_WARMUP_S", "20"))

APP = """appId: com.ronde.bench.fleet
name: Fleet
dialect: android
launch_ms: 50
screens:
  start:
    initial: true
    elements:
      - {id: go, text: "Go", class: Button, tap: {goto: done, delay_ms: 150}}
  done:
    elements:
      - {id: done_text, text: "Fini", class: TextView}
"""

JOURNEY = """appId: com.ronde.bench.fleet
monitor: {{id: fleet-{i:03d}, devices: ["tag:bench"], every: {every}, timeout: 30s,
           retries: 0}}
---
- launchApp
- assertVisible: Go
- tapOn: {{text: Go, label: Go}}
- assertVisible: Fini
"""


@dataclass
class Figures:
    robots: int
    devices: int
    due: int
    ran: int
    doubled: int
    passed: int
    minutes: float
    jitter_p50_ms: float
    jitter_p99_ms: float
    share: str


def run_size(cluster: PostgresCluster, appium: AppiumServer, robots: int, devices: int,
             minutes: float, every: str, every_ms: int) -> Figures:
    url = cluster.url(cluster.create_database())
    Store.open(url, spool_path=Path(tempfile.gettempdir()) / "fleet-bench.spool").close()
    n = robots * devices
    with tempfile.TemporaryDirectory(prefix=f"ronde-fleet-{robots}x{devices}-") as tmp:
        root = Path(tmp)
        (root / "app.yaml").write_text(APP)
        journeys = root / "journeys"
        journeys.mkdir()
        for i in range(n):
            (journeys / f"fleet-{i:03d}.yaml").write_text(JOURNEY.format(i=i, every=every))
        procs = []
        began = datetime.now(UTC)
        for r in range(robots):
            phones = "".join(
                f"  - {{name: r{r}-sim-{d}, tags: [bench], simulated: {{app: {root / 'app.yaml'}"
                f", appium: '{appium.url}'}}}}\n" for d in range(devices))
            config = root / f"robot-{r}.yaml"
            config.write_text(f"storage: {url}\nartifacts: {root / f'artifacts-{r}'}\n"
                              f"robot: {{name: bench-{r}, location: here}}\ndevices:\n{phones}")
            procs.append(subprocess.Popen(
                [str(Path(sys.executable).with_name("ronde")), "start", str(journeys),
                 "--config", str(config), "--minutes", str(minutes), "--no-live",
                 "--dashboard", "off", "--log-file", str(root / f"robot-{r}.log")],
                cwd=root, stdout=subprocess.DEVNULL,
                stderr=open(root / f"stderr-{r}.txt", "wb"),  # noqa: SIM115
                start_new_session=True))
        for r, proc in enumerate(procs):
            try:
                proc.wait(timeout=minutes * 60 + 180)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            if proc.returncode not in (0, None):
                tail = (root / f"stderr-{r}.txt").read_text(errors="replace")[-2000:]
                print(f"  robot {r} exited {proc.returncode}:\n{tail}", file=sys.stderr)
        window = (began + timedelta(seconds=WARMUP_S),
                  began + timedelta(minutes=minutes) - timedelta(seconds=10))
        return _figures(url, robots, devices, every_ms, window)


def _figures(url: str, robots: int, devices: int, every_ms: int,
             window: tuple[datetime, datetime]) -> Figures:
    store = Store.open(url, spool_path=Path(tempfile.gettempdir()) / "fleet-bench.spool")
    try:
        runs = [r for r in store.runs(include_open=True) if r.attempt == 1 and r.scheduled_at]
    finally:
        store.close()
    per_slot = Counter((r.journey, r.scheduled_at) for r in runs)
    first = {(r.journey, r.scheduled_at): r for r in runs}
    start, end = window
    due = ran = passed = 0
    jitter: list[float] = []
    share: Counter[str] = Counter()
    for i in range(robots * devices):
        key = f"fleet-{i:03d}"
        for slot in JourneyTrigger(key, every_ms=every_ms).fire_times(start, end):
            due += 1
            hit = first.get((key, slot))
            if hit is None:
                continue
            ran += 1
            passed += hit.status == "passed"
            share[hit.robot_name or "?"] += 1
            jitter.append((hit.started_at - slot).total_seconds() * 1000)
    jitter.sort()
    return Figures(
        robots=robots, devices=devices, due=due, ran=ran,
        doubled=sum(c - 1 for c in per_slot.values() if c > 1), passed=passed,
        minutes=(end - start).total_seconds() / 60,
        jitter_p50_ms=_pct(jitter, 50), jitter_p99_ms=_pct(jitter, 99),
        share="/".join(str(share[f"bench-{r}"]) for r in range(robots)),
    )


def _pct(values: list[float], p: int) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1x2,2x2,3x2,1x4,2x4,3x4")
    parser.add_argument("--minutes", type=float, default=1.5)
    parser.add_argument("--every", default="10s")
    args = parser.parse_args()
    from journeys.durations import parse_duration

    every_ms = parse_duration(args.every)
    load = os.getloadavg()[0]
    print(f"# a fleet on one host — {datetime.now(UTC):%Y-%m-%d}, {platform.node()}, "
          f"{os.cpu_count()} cores (load {load:.1f} at start), PostgreSQL, one shared Appium; "
          f"every {args.every}, {args.minutes:g} min per size, first {WARMUP_S}s not counted")
    print(f"{'robots':>6} {'devices':>7} {'journeys':>8} {'due/min':>8} {'runs/min':>8} "
          f"{'doubled':>7} {'missed':>6} {'passed':>6} {'jit p50':>8} {'jit p99':>8}  "
          "runs per robot")
    cluster = PostgresCluster()
    try:
        cluster.start()
        with AppiumServer(drivers=["ronde-sim"]) as appium:
            for size in args.sizes.split(","):
                robots, devices = (int(x) for x in size.split("x"))
                f = run_size(cluster, appium, robots, devices, args.minutes, args.every,
                             every_ms)
                print(f"{f.robots:>6} {f.robots * f.devices:>7} {f.robots * f.devices:>8} "
                      f"{f.due / f.minutes:>8.1f} {f.ran / f.minutes:>8.1f} {f.doubled:>7} "
                      f"{f.due - f.ran:>6} {f.passed:>6} {f.jitter_p50_ms:>6.0f}ms "
                      f"{f.jitter_p99_ms:>6.0f}ms  {f.share}", flush=True)
                time.sleep(2)
    finally:
        cluster.destroy()
    print("(devices = robots × devices per robot; jitter = started_at - scheduled_at of first "
          "attempts: a robot that is not preferred for a slot claims it only after its grace, "
          "so jitter shows who ran it; doubled must be 0)")


if __name__ == "__main__":
    main()
