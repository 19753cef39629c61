"""What one `ronde run` costs beyond its journey: with its own Appium, and reusing `ronde appium`.

Runs each journey (default: the demo shop's 2.5 s `shop-login-cart` and the 5.6 s
`maestro-catalogue`) `--repeat` times each way as a real CLI call and prints the wall time of
the call against the journey's own duration (its `duration_ms`), and their ratio: with its
own Appium, then reusing `ronde appium` without storing (`--no-store`) and storing into a
SQLite database already at the schema's head (the default), plus the load average.
`--baseline DIR` (a checkout of another Ronde, e.g. `git archive` of a commit) runs that
version's `ronde run` too, its calls alternating with this one's on the same `ronde appium`,
so a loaded host weighs on both alike. Both checkouts' modules are compiled to bytecode
first, as installing a package does: with PYTHONDONTWRITEBYTECODE set (as on this project's
machines) an editable checkout would otherwise compile its modules again in every call
(0.1-0.2 s).
Run: `.venv/bin/python benchmarks/cli_run.py [--repeat 5] [--journey FILE]... [--baseline DIR]`.
"""

from __future__ import annotations

import argparse
import compileall
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
EXAMPLES = ROOT / "journeys" / "examples"
JOURNEYS = [EXAMPLES / "shop-login-cart.yaml", EXAMPLES / "maestro-catalogue.yaml"]
PACKAGES = ("journeys", "emulators", "robots", "storage", "scheduler", "ronde")


def compile_checkout(root: Path) -> None:
    """Bytecode for the checkout's packages, as `pip install` writes for an installed one."""
    for package in PACKAGES:
        if (root / package).is_dir():
            compileall.compile_dir(root / package, quiet=1)


Call = tuple[float, float, float]  # wall s, the journey's own s, its median resolution in ms


def one_call(journey: Path, env: dict[str, str], store_in: Path | None = None) -> Call:
    """(wall seconds of the call, the journey's own seconds, the median resolution of its
    transactions in ms: storing must not blur them); stored in `store_in`/ronde.db (the
    working directory of the call) when given."""
    began = time.monotonic()
    flags = ["--json"] if store_in else ["--no-store", "--json"]
    out = subprocess.run([RONDE, "run", str(journey.resolve()), *flags], cwd=store_in or ROOT,
                         env=env, capture_output=True, text=True, timeout=300)
    wall = time.monotonic() - began
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    if out.returncode != 0 or not lines:
        raise SystemExit(f"ronde run failed ({out.returncode}):\n{out.stderr[-2000:]}")
    run = json.loads(lines[0])
    resolutions = [t["resolution_ms"] for t in run["transactions"] if t["resolution_ms"]]
    return wall, run["duration_ms"] / 1000, statistics.median(resolutions or [0.0])


def series(journey: Path, env: dict[str, str], repeat: int,
           store_in: Path | None = None) -> Call:
    return _medians([one_call(journey, env, store_in) for _ in range(repeat)])


def _medians(calls: list[Call]) -> Call:
    return (statistics.median(c[0] for c in calls), statistics.median(c[1] for c in calls),
            statistics.median(c[2] for c in calls))


def alternating(journey: Path, envs: list[dict[str, str]], repeat: int,
                store_in: list[Path | None]) -> list[Call]:
    """Medians per environment, their calls interleaved (a, b, a, b, ...)."""
    calls: list[list[Call]] = [[] for _ in envs]
    for _ in range(repeat):
        for k, env in enumerate(envs):
            calls[k].append(one_call(journey, env, store_in[k]))
    return [_medians(c) for c in calls]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--journey", type=Path, action="append", default=None,
                        help="a journey to run (repeatable; default: "
                             + ", ".join(j.name for j in JOURNEYS) + ")")
    parser.add_argument("--baseline", type=Path, default=None,
                        help="another Ronde checkout to compare with, call for call")
    args = parser.parse_args()
    journeys: list[Path] = args.journey or JOURNEYS
    compile_checkout(ROOT)
    if args.baseline is not None:
        compile_checkout(args.baseline.resolve())
    tables = []
    with tempfile.TemporaryDirectory(prefix="ronde-cli-run-") as tmp:
        env = {**os.environ, "RONDE_APPIUM_STATE": str(Path(tmp) / "appium.json")}
        own = {j: series(j, env, args.repeat) for j in journeys}
        keeper = subprocess.Popen([RONDE, "appium"], cwd=ROOT, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 90
            while not (Path(tmp) / "appium.json").exists():
                if time.monotonic() > deadline or keeper.poll() is not None:
                    raise SystemExit("ronde appium did not start")
                time.sleep(0.2)
            envs = [env]
            if args.baseline is not None:
                envs.append({**env, "PYTHONPATH": str(args.baseline.resolve())})
            for n, journey in enumerate(journeys):
                reused = alternating(journey, envs, args.repeat, [None] * len(envs))
                folders: list[Path | None] = []
                for k, e in enumerate(envs):
                    folder = Path(tmp) / f"stored-{n}-{k}"
                    folder.mkdir()
                    one_call(journey, e, folder)  # creates and migrates the database once
                    folders.append(folder)
                stored = alternating(journey, envs, args.repeat, folders)
                tables.append((journey, own[journey], reused, stored))
        finally:
            keeper.send_signal(signal.SIGTERM)
            keeper.wait(30)
    print(f"# ronde run cost — {datetime.now(UTC):%Y-%m-%d}, {platform.node()}, "
          f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; median of {args.repeat}"
          + (f"; baseline: {args.baseline}" if args.baseline else ""))
    for journey, started, reused, stored in tables:
        print(f"{journey.name:<38} {'call':>7} {'journey':>8} {'ratio':>6} {'resolution':>10}")
        rows = [("Appium started by the call", started)]
        for k, label in enumerate(["this checkout", "baseline"][:len(reused)]):
            rows += [(f"kept by `ronde appium`, {label}", reused[k]),
                     (f"kept, stored (SQLite), {label}", stored[k])]
        for name, (wall, took, resolution) in rows:
            print(f"  {name:<36} {wall:>6.2f}s {took:>7.2f}s {wall / took:>5.2f}x "
                  f"{resolution:>7.1f} ms")


if __name__ == "__main__":
    main()
