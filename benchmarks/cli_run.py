"""What one `ronde run` costs beyond its journey: with its own Appium, and reusing `ronde appium`.

Runs a demo-shop journey `--repeat` times each way as a real CLI call and prints the wall time
of the call against the journey's own duration (its `duration_ms`), and their ratio.
Run: `.venv/bin/python benchmarks/cli_run.py [--repeat 5] [--journey FILE]`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RONDE = str(Path(sys.executable).with_name("ronde"))


def one_call(journey: Path, env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds of the call, the journey's own seconds)."""
    began = time.monotonic()
    out = subprocess.run([RONDE, "run", str(journey), "--no-store", "--json"], cwd=ROOT,
                         env=env, capture_output=True, text=True, timeout=300)
    wall = time.monotonic() - began
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    if out.returncode != 0 or not lines:
        raise SystemExit(f"ronde run failed ({out.returncode}):\n{out.stderr[-2000:]}")
    return wall, json.loads(lines[0])["duration_ms"] / 1000


def series(journey: Path, env: dict[str, str], repeat: int) -> tuple[float, float]:
    calls = [one_call(journey, env) for _ in range(repeat)]
    return statistics.median(w for w, _ in calls), statistics.median(j for _, j in calls)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--journey", type=Path,
                        default=ROOT / "journeys" / "examples" / "shop-login-cart.yaml")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ronde-cli-run-") as tmp:
        env = {**os.environ, "RONDE_APPIUM_STATE": str(Path(tmp) / "appium.json")}
        own = series(args.journey, env, args.repeat)
        keeper = subprocess.Popen([RONDE, "appium"], cwd=ROOT, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 90
            while not (Path(tmp) / "appium.json").exists():
                if time.monotonic() > deadline or keeper.poll() is not None:
                    raise SystemExit("ronde appium did not start")
                time.sleep(0.2)
            reused = series(args.journey, env, args.repeat)
        finally:
            keeper.send_signal(signal.SIGTERM)
            keeper.wait(30)
    print(f"# ronde run cost — {datetime.now(UTC):%Y-%m-%d}, {platform.node()}, "
          f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; {args.journey.name}, "
          f"median of {args.repeat}")
    print(f"{'Appium':<28} {'call':>7} {'journey':>8} {'ratio':>6}")
    for name, (wall, journey) in (("started by the call", own),
                                  ("kept by `ronde appium`", reused)):
        print(f"{name:<28} {wall:>6.2f}s {journey:>7.2f}s {wall / journey:>5.2f}x")


if __name__ == "__main__":
    main()
