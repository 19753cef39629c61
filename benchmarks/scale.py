"""Scheduling at scale: N simulated devices under a real `ronde start`, side by side.

For each N (default 4, 32, 128, 256): N simulated devices on the project's one Appium, N
journeys (one pinned to each device, all with the same `every`), a real `ronde start` for
`--minutes`; then, from the database it wrote: runs per minute against the slots due, the start
jitter (started_at - scheduled_at) p50/p99, the slots missed, the slots skipped as overruns
(`slot_skipped_overrun` in the robot's log, start-up included) and the results still unwritten
when the robot stopped (left in its spool); and, sampled once a second from /proc, the CPU (% of
one core) and peak RSS of the robot and of Appium (its process group), and the load average.
`--history M` first stores M minutes of past runs of every journey (what a robot that has run
for a while has: the alert rules read the last hour at every evaluation).
Run: `.venv/bin/python benchmarks/scale.py [--sizes 4,32,128,256] [--minutes 3] [--every 60s]
[--history 60]`.
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scheduler.triggers import JourneyTrigger  # noqa: E402

TICK_S = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
# Appium's start and the first sessions are not the steady state
WARMUP_S = int(os.environ.get("RONDE_SCALE_WARMUP_S", "20"))

APP = """appId: com.ronde.bench.scale
name: Scale
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

JOURNEY = """appId: com.ronde.bench.scale
monitor: {{id: scale-{i:03d}, devices: [sim-{i:03d}], every: {every}, timeout: 30s}}
---
- launchApp
- assertVisible: Go
- tapOn: {{text: Go, label: Go}}
- assertVisible: Fini
"""


@dataclass
class Usage:
    """CPU seconds and peak RSS of a set of processes, sampled from /proc."""

    cpu_s: dict[int, float] = field(default_factory=dict)
    peak_rss_mb: float = 0.0

    def sample(self, pids: list[int]) -> None:
        rss = 0.0
        for pid in pids:
            try:
                stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
            except (OSError, IndexError, ValueError):
                continue
            self.cpu_s[pid] = (int(stat[11]) + int(stat[12])) / TICK_S  # utime + stime
            rss += pages * PAGE / 2**20
        self.peak_rss_mb = max(self.peak_rss_mb, rss)

    @property
    def total_cpu_s(self) -> float:
        return sum(self.cpu_s.values())


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def _is_appium(pid: int) -> bool:
    try:
        return "appium" in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return False


@dataclass
class Figures:
    n: int
    due: int
    ran: int
    missed: int
    minutes: float
    jitter_p50_ms: float
    jitter_p99_ms: float
    jitter_max_ms: float
    passed: int
    robot_cpu: float
    robot_rss: float
    appium_cpu: float
    appium_rss: float
    overruns: int = 0
    unwritten: int = 0
    load: float = 0.0


def seed_history(url: str, n: int, every_ms: int, minutes: float) -> int:
    """Store `minutes` of passed runs of each journey, on their real slots (before now)."""
    from journeys.results import RunResult, Status, TransactionResult
    from storage import Store

    now = datetime.now(UTC)
    stored = 0
    with Store.open(url) as store:
        for i in range(n):
            key = f"scale-{i:03d}"
            trigger = JourneyTrigger(key, every_ms=every_ms)
            for slot in trigger.fire_times(now - timedelta(minutes=minutes), now):
                if slot + timedelta(seconds=2) > now:
                    continue
                tx = (TransactionResult("Launch", "launchApp", "assertVisible", Status.PASSED,
                                        60.0, 4.0, is_load=True),
                      TransactionResult("Go", "tapOn", "assertVisible", Status.PASSED, 152.0, 4.0))
                store.record_run(RunResult(
                    journey=key, device=f"sim-{i:03d}", status=Status.PASSED, category=None,
                    started_at=slot, ended_at=slot + timedelta(seconds=1), duration_ms=1000.0,
                    transactions=tx, load_ms=60.0, run_id=f"seed-{key}-{slot.timestamp():.3f}",
                    platform="android", scheduled_at=slot, robot_host="seed"))
                stored += 1
    return stored


def run_size(n: int, minutes: float, every: str, every_ms: int, history: float = 0) -> Figures:
    with tempfile.TemporaryDirectory(prefix=f"ronde-scale-{n}-") as tmp:
        root = Path(tmp)
        if history:
            began = time.monotonic()
            seeded = seed_history(f"sqlite:///{root / 'ronde.db'}", n, every_ms, history)
            print(f"  (seeded {seeded} runs of history in {time.monotonic() - began:.0f}s)",
                  file=sys.stderr)
        (root / "app.yaml").write_text(APP)
        journeys = root / "journeys"
        journeys.mkdir()
        for i in range(n):
            (journeys / f"scale-{i:03d}.yaml").write_text(JOURNEY.format(i=i, every=every))
        devices = "".join(f"  - {{name: sim-{i:03d}, simulated: {{app: {root / 'app.yaml'}}}}}\n"
                          for i in range(n))
        (root / "ronde.yaml").write_text(
            f"storage: sqlite:///{root / 'ronde.db'}\nartifacts: {root / 'artifacts'}\n"
            f"devices:\n{devices}")
        cmd = [str(Path(sys.executable).with_name("ronde")), "start", str(journeys), "--config",
               str(root / "ronde.yaml"), "--minutes", str(minutes), "--no-live",
               "--dashboard", "off", "--log-file", str(root / "ronde.log")]
        began = datetime.now(UTC)
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL,
                                stderr=open(root / "stderr.txt", "wb"),  # noqa: SIM115
                                start_new_session=True)
        robot, appium = Usage(), Usage()
        measured_from: dict[str, float] = {}
        stop = threading.Event()

        def sample() -> None:
            while not stop.wait(1.0):
                kids = _descendants(proc.pid)
                robot.sample([proc.pid])
                appium.sample([k for k in kids if _is_appium(k)] or kids)
                elapsed = (datetime.now(UTC) - began).total_seconds()
                if elapsed >= WARMUP_S and not measured_from:
                    measured_from.update(robot=robot.total_cpu_s, appium=appium.total_cpu_s,
                                         t=time.monotonic())

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            proc.wait(timeout=minutes * 60 + 180)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        stop.set()
        sampler.join()
        span = time.monotonic() - measured_from.get("t", time.monotonic())
        if proc.returncode not in (0, None):
            tail = (root / "stderr.txt").read_text(errors="replace")[-2000:]
            print(f"  ronde start exited {proc.returncode}:\n{tail}", file=sys.stderr)
        window = (began + timedelta(seconds=WARMUP_S), began + timedelta(minutes=minutes)
                  - timedelta(seconds=10))  # slots due after that may meet the stop
        figures = _figures(n, root / "ronde.db", every_ms, window, robot, appium, measured_from,
                           span)
        figures.overruns = _count(root / "ronde.log", '"slot_skipped_overrun"')
        figures.unwritten = _count(root / "ronde.spool.jsonl", "{")
        figures.load = os.getloadavg()[1]  # the last 5 minutes: this size's run
        return figures


def _count(path: Path, marker: str) -> int:
    """Lines of `path` containing `marker` (0 when the file is missing)."""
    try:
        return sum(marker in line for line in path.read_text(errors="replace").splitlines())
    except OSError:
        return 0


def _figures(n: int, db: Path, every_ms: int, window: tuple[datetime, datetime],
             robot: Usage, appium: Usage, base: dict[str, float], span_s: float) -> Figures:
    """Due slots in the window (from the same triggers the robot uses) against stored runs."""
    start, end = window
    con = sqlite3.connect(db)
    rows = con.execute(
        "SELECT j.key, r.scheduled_at, r.started_at, coalesce(r.status, 'open') || ' ' || "
        "coalesce(r.category, '') || ' ' || coalesce(substr(r.error, 1, 120), '') FROM runs r "
        "JOIN journeys j ON j.id = r.journey_id WHERE r.attempt = 1").fetchall()
    con.close()
    runs: dict[tuple[str, datetime], tuple[datetime, str]] = {}
    for key, scheduled, started, status in rows:
        if scheduled is None:
            continue
        runs[(key, _parse(scheduled))] = (_parse(started), status)
    due = ran = passed = 0
    jitter: list[float] = []
    for i in range(n):
        key = f"scale-{i:03d}"
        for slot in JourneyTrigger(key, every_ms=every_ms).fire_times(start, end):
            due += 1
            hit = runs.get((key, slot))
            if hit is None:
                continue
            ran += 1
            passed += hit[1].startswith("passed")
            if not hit[1].startswith("passed"):
                print(f"  {key} {slot:%H:%M:%S}: {hit[1]}", file=sys.stderr)
            jitter.append((hit[0] - slot).total_seconds() * 1000)
    jitter.sort()
    minutes = (end - start).total_seconds() / 60
    per_core = 100 / max(span_s, 1e-9)
    return Figures(
        n=n, due=due, ran=ran, missed=due - ran, minutes=minutes,
        jitter_p50_ms=_pct(jitter, 50), jitter_p99_ms=_pct(jitter, 99),
        jitter_max_ms=jitter[-1] if jitter else float("nan"), passed=passed,
        robot_cpu=(robot.total_cpu_s - base.get("robot", 0)) * per_core,
        robot_rss=robot.peak_rss_mb,
        appium_cpu=(appium.total_cpu_s - base.get("appium", 0)) * per_core,
        appium_rss=appium.peak_rss_mb,
    )


def _parse(text: str) -> datetime:
    when = datetime.fromisoformat(str(text))
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _pct(values: list[float], p: int) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="4,32,128,256")
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--every", default="60s")
    parser.add_argument("--history", type=float, default=0.0,
                        help="minutes of past runs stored before the robot starts")
    args = parser.parse_args()
    from journeys.durations import parse_duration

    every_ms = parse_duration(args.every)
    print(f"# ronde start at scale — {datetime.now(UTC):%Y-%m-%d}, {platform.node()}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}; every {args.every}, "
          f"{args.minutes:g} min per size, first {WARMUP_S}s not counted"
          + (f"; {args.history:g} min of history stored first" if args.history else ""))
    print(f"{'devices':>7} {'due/min':>8} {'runs/min':>8} {'missed':>6} {'passed':>6} "
          f"{'jit p50':>8} {'jit p99':>8} {'jit max':>8} {'robot %':>7} {'robot MB':>8} "
          f"{'appium %':>8} {'appium MB':>9} {'overrun':>7} {'unwritten':>9} {'load':>5}")
    for n in (int(s) for s in args.sizes.split(",")):
        f = run_size(n, args.minutes, args.every, every_ms, args.history)
        print(f"{f.n:>7} {f.due / f.minutes:>8.1f} {f.ran / f.minutes:>8.1f} {f.missed:>6} "
              f"{f.passed:>6} {f.jitter_p50_ms:>6.0f}ms {f.jitter_p99_ms:>6.0f}ms "
              f"{f.jitter_max_ms:>6.0f}ms {f.robot_cpu:>6.0f}% {f.robot_rss:>8.0f} "
              f"{f.appium_cpu:>7.0f}% {f.appium_rss:>9.0f} {f.overruns:>7} {f.unwritten:>9} "
              f"{f.load:>5.1f}", flush=True)
    print("(CPU in % of one core, after the warm-up; RSS is the peak; jitter = started_at - "
          "scheduled_at of first attempts; load = 5-minute load average at the end of each size)")


if __name__ == "__main__":
    main()
