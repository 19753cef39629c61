"""Polling speed and measurement resolution of the robot on the simulated device.

Prints: page-source polls per second (round-trip percentiles), then for a transition of D ms
(50 ms … 5 s, an app model written on the fly) the reported response time, its resolution and
the error against D. Run: `.venv/bin/python benchmarks/robot_polling.py [--repeat N]`.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import textwrap
import time
from pathlib import Path

from emulators.appium_server import DEMO_ENV, AppiumServer
from emulators.capabilities import DEMO_SHOP, sim_capabilities
from journeys.parser import load_journey
from robots.backends.appium_native import AppiumNativeBackend
from robots.devices import DeviceSpec
from robots.runner import run_journey

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "tests" / "robots" / "apps" / "delay.yaml"
JOURNEY = """
appId: com.ronde.test.delay
monitor: {{id: bench-{d}, step_timeout: 10s, timeout: 5m}}
---
- launchApp
- assertVisible: Go
- repeat:
    times: {times}
    commands:
      - tapOn: {{text: Go, label: Measure}}
      - assertVisible: Fini
      - tapOn: Retour
      - assertVisible: Go
"""


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def polls(url: str, n: int) -> None:
    backend = AppiumNativeBackend(url, sim_capabilities("bench-polls", DEMO_SHOP),
                                  platform="android", app_id="com.ronde.demo.shop")
    backend.start()
    try:
        backend.launch_app(None, clear_state=True, stop_app=True)
        start = time.monotonic()
        rtts = []
        for _ in range(n):
            snap = backend.snapshot()
            rtts.append((snap.received - snap.sent) * 1000)
        elapsed = time.monotonic() - start
    finally:
        backend.close()
    print(f"page-source polls: {n / elapsed:.0f}/s; round trip ms p50 {pct(rtts, .5):.2f} "
          f"p90 {pct(rtts, .9):.2f} p99 {pct(rtts, .99):.2f}")


def delays(url: str, repeat: int, folder: Path) -> None:
    print(f"{'D ms':>6} {'response ms (median)':>21} {'error ms':>9} {'resolution ms':>26}")
    for d in (50, 200, 1000, 5000):
        app = folder / f"delay-{d}.yaml"
        app.write_text(APP.read_text().replace("__DELAY_MS__", str(d)))
        jfile = folder / f"bench-{d}.yaml"
        times = repeat if d < 5000 else max(1, repeat // 3)
        jfile.write_text(textwrap.dedent(JOURNEY.format(d=d, times=times)).lstrip())
        device = DeviceSpec(f"bench-delay-{d}", simulated_app=str(app))
        result = run_journey(load_journey(jfile), device, appium_url=url,
                             artifacts_dir=folder / "artifacts", environ=DEMO_ENV)
        ms = [t for t in result.transactions if t.name == "Measure"]
        resp = [t.response_ms for t in ms if t.response_ms is not None]
        res = [t.resolution_ms for t in ms if t.resolution_ms is not None]
        if not resp:
            print(f"{d:>6} run {result.status}: {result.error}")
            continue
        med = statistics.median(resp)
        spread = f"median {statistics.median(res):.1f} / max {max(res):.1f}"
        print(f"{d:>6} {med:>21.1f} {med - d:>+9.1f} {spread:>26}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5, help="transactions per delay")
    parser.add_argument("--polls", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, AppiumServer(
            drivers=["ronde-sim"], extra_args=["--log-level", "warn"],
            sim_state=Path(tmp) / "state") as server:
        polls(server.url, args.polls)
        delays(server.url, args.repeat, Path(tmp))


if __name__ == "__main__":
    main()
