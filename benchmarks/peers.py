"""Response-time error of Ronde and of its peers on the same simulated app, side by side.

One Appium (the project's, with the RondeSim driver), one app model whose only transition
takes exactly D ms (`tests/robots/apps/delay.yaml`: the device applies it D ms after it
received the tap, so D is the truth), and five ways to time "tap Go, until Fini shows":

- Ronde (`robots.runner.run_journey`): its response time, and whether D lies inside its
  stated interval `response ± resolution/2` (must be 100 %: issue #13 point 3);
- Robot Framework + AppiumLibrary: `Click Element` then `Wait Until Page Contains Element`
  (AppiumLibrary polls every 200 ms), timed with `time.perf_counter()` around both;
- Selenium's `WebDriverWait` with its default 500 ms poll;
- an implicit wait (`driver.implicitly_wait`, polled by the driver on the server side);
- a tuned hand-written Appium script: click, then page source fetched back to back.

Each peer's figure is its wall time from the click to the wait's return, what a user of that
tool reads. Printed per D: each one's error against D (mean, p95, max of |error|) and the ratio
of its mean error to Ronde's; then the time the whole journey takes (session, N taps, close)
with Ronde against the tuned hand-written script. The peers run in their own virtualenv,
`benchmarks/.peers-venv` (git-ignored), created and filled by this script on first use.
Run: `.venv/bin/python benchmarks/peers.py [--delays 150,700,2000] [--repeat 10]`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from emulators.appium_server import DEMO_ENV, AppiumServer  # noqa: E402
from emulators.capabilities import sim_capabilities  # noqa: E402
from journeys.parser import load_journey  # noqa: E402
from robots.devices import DeviceSpec  # noqa: E402
from robots.runner import run_journey  # noqa: E402

PEERS_VENV = Path(__file__).resolve().parent / ".peers-venv"
PACKAGES = ("robotframework", "robotframework-appiumlibrary", "selenium",
            "Appium-Python-Client")
APP_TEMPLATE = ROOT / "tests" / "robots" / "apps" / "delay.yaml"
APP_ID = "com.ronde.test.delay"

JOURNEY = """\
appId: com.ronde.test.delay
monitor: {{id: peers-{d}, step_timeout: 10s, timeout: 5m}}
---
- launchApp
- assertVisible: Go
- repeat:
    times: {n}
    commands:
      - tapOn: {{text: Go, label: Measure}}
      - assertVisible: Fini
      - tapOn: Retour
      - assertVisible: Go
"""

# Runs in the peers' virtualenv: argv = mode, Appium URL, capabilities (JSON), repetitions.
PEER_SCRIPT = '''\
import json, sys, time
from appium import webdriver
from appium.options.common.base import AppiumOptions
from appium.webdriver.common.appiumby import AppiumBy
from selenium.webdriver.support.ui import WebDriverWait

mode, url, caps, n = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), int(sys.argv[4])
began = time.perf_counter()
driver = webdriver.Remote(url, options=AppiumOptions().load_capabilities(caps))
driver.execute_script("mobile: activateApp", {"appId": "__APP__"})


def until(element_id):
    if mode == "webdriverwait":
        WebDriverWait(driver, 10, poll_frequency=0.5).until(
            lambda d: d.find_elements(AppiumBy.ID, element_id))
    elif mode == "implicit":
        driver.find_element(AppiumBy.ID, element_id)
    else:  # tuned: the page source back to back, nothing else
        while f'resource-id="__APP__:id/{element_id}"' not in driver.page_source:
            pass


if mode == "implicit":
    driver.implicitly_wait(10)
until("go")
measured = []
for _ in range(n):
    go = driver.find_element(AppiumBy.ID, "go")
    t0 = time.perf_counter()
    go.click()
    until("done_text")
    measured.append((time.perf_counter() - t0) * 1000)
    driver.find_element(AppiumBy.ID, "again").click()
    until("go")
driver.quit()
print(json.dumps({"measured": measured, "wall_s": time.perf_counter() - began}))
'''.replace("__APP__", APP_ID)

ROBOT_FILE = """\
*** Settings ***
Library    AppiumLibrary

*** Test Cases ***
Measure
    Open Application    ${URL}    platformName=Android    automationName=RondeSim
    ...    udid=${UDID}    deviceName=${UDID}    app=${APP}    newCommandTimeout=60
    Activate Application    __APP__
    Wait Until Page Contains Element    id=go    timeout=10s
    FOR    ${i}    IN RANGE    ${N}
        ${t0}=    Evaluate    time.perf_counter()    modules=time
        Click Element    id=go
        Wait Until Page Contains Element    id=done_text    timeout=10s
        ${t1}=    Evaluate    time.perf_counter()    modules=time
        Log To Console    MEASURE ${{ (${t1} - ${t0}) * 1000 }}
        Click Element    id=again
        Wait Until Page Contains Element    id=go    timeout=10s
    END
    Close Application
""".replace("__APP__", APP_ID)


@dataclass
class Errors:
    name: str
    errors: list[float]  # measured - truth, ms

    @property
    def mean(self) -> float:
        return statistics.fmean(abs(e) for e in self.errors)

    @property
    def p95(self) -> float:
        ordered = sorted(abs(e) for e in self.errors)
        return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]

    @property
    def worst(self) -> float:
        return max(abs(e) for e in self.errors)


def peers_python() -> Path:
    """The peers' interpreter: `benchmarks/.peers-venv`, created and filled once."""
    python = PEERS_VENV / "bin" / "python"
    stamp = PEERS_VENV / ".ronde-peers"
    if python.exists() and stamp.exists() and stamp.read_text() == " ".join(PACKAGES):
        return python
    print(f"(installing {', '.join(PACKAGES)} into {PEERS_VENV})", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(PEERS_VENV)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", *PACKAGES], check=True)
    stamp.write_text(" ".join(PACKAGES))
    return python


def ronde(url: str, app: Path, d: int, n: int, folder: Path) -> tuple[list[float], int, float]:
    """(errors ms, transactions whose interval holds D, wall s of the whole run)."""
    journey_path = folder / f"peers-{d}.yaml"
    journey_path.write_text(JOURNEY.format(d=d, n=n))
    device = DeviceSpec(f"peers-ronde-{d}", simulated_app=str(app))
    began = time.perf_counter()
    result = run_journey(load_journey(journey_path), device, appium_url=url,
                         artifacts_dir=folder / "artifacts", environ=DEMO_ENV)
    wall = time.perf_counter() - began
    measured = [t for t in result.transactions if t.name == "Measure"]
    if result.status.value not in ("passed", "degraded") or len(measured) != n:
        raise SystemExit(f"Ronde's run {result.status}: {result.error}")
    errors, held = [], 0
    for t in measured:
        assert t.response_ms is not None and t.resolution_ms is not None
        errors.append(t.response_ms - d)
        half = t.resolution_ms / 2 + 0.002  # stored figures are rounded to the microsecond
        held += t.response_ms - half <= d <= t.response_ms + half
    return errors, held, wall


def peer(python: Path, mode: str, url: str, app: Path, d: int, n: int,
         folder: Path) -> tuple[list[float], float]:
    """(errors ms, wall s of the whole run) of one hand-written peer."""
    script = folder / "peer.py"
    script.write_text(PEER_SCRIPT)
    caps = sim_capabilities(f"peers-{mode}-{d}", app)
    out = subprocess.run([str(python), str(script), mode, url, json.dumps(caps), str(n)],
                         capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        raise SystemExit(f"peer {mode} failed:\n{out.stderr[-3000:]}")
    data = json.loads(out.stdout.strip().splitlines()[-1])
    return [m - d for m in data["measured"]], float(data["wall_s"])


def robot_framework(python: Path, url: str, app: Path, d: int, n: int,
                    folder: Path) -> list[float]:
    suite = folder / "measure.robot"
    suite.write_text(ROBOT_FILE)
    udid = f"peers-robot-{d}"
    out = subprocess.run(
        [str(python), "-m", "robot", "--outputdir", str(folder / "robot"), "--console",
         "verbose", "--variable", f"URL:{url}", "--variable", f"UDID:{udid}",
         "--variable", f"APP:{app}", "--variable", f"N:{n}", str(suite)],
        capture_output=True, text=True, timeout=900)
    measured = [float(m) for m in re.findall(r"MEASURE ([0-9.]+)", out.stdout)]
    if out.returncode != 0 or len(measured) != n:
        raise SystemExit(f"Robot Framework failed ({out.returncode}):\n{out.stdout[-3000:]}")
    return [m - d for m in measured]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delays", default="150,700,2000", help="scripted delays D, ms")
    parser.add_argument("--repeat", type=int, default=10, help="taps per delay and tool")
    args = parser.parse_args()
    python = peers_python()
    delays = [int(d) for d in args.delays.split(",")]
    n = args.repeat
    load_before = os.getloadavg()
    names = ("Ronde", "Robot Framework AppiumLibrary", "WebDriverWait (500 ms poll)",
             "implicit wait", "hand-written, tuned")
    totals: dict[str, list[float]] = {name: [] for name in names}
    held = count = 0
    walls: dict[str, list[float]] = {"Ronde": [], "hand-written, tuned": []}
    with tempfile.TemporaryDirectory(prefix="ronde-peers-") as tmp, AppiumServer(
            drivers=["ronde-sim"], sim_state=Path(tmp) / "state") as server:
        folder = Path(tmp)
        print(f"# Response-time error against the scripted delay — {datetime.now(UTC):%Y-%m-%d}"
              f", {platform.node()}, {os.cpu_count()} cores, load average "
              f"{load_before[0]:.1f}; {n} taps per delay and tool")
        for d in delays:
            app = folder / f"delay-{d}.yaml"
            app.write_text(APP_TEMPLATE.read_text().replace("__DELAY_MS__", str(d)))
            errors, ok, wall = ronde(server.url, app, d, n, folder)
            held, count = held + ok, count + n
            walls["Ronde"].append(wall)
            rows = [Errors(names[0], errors),
                    Errors(names[1], robot_framework(python, server.url, app, d, n, folder))]
            for name, mode in zip(names[2:], ("webdriverwait", "implicit", "tuned"),
                                  strict=True):
                errs, wall = peer(python, mode, server.url, app, d, n, folder)
                rows.append(Errors(name, errs))
                if mode == "tuned":
                    walls[name].append(wall)
            print(f"\nD = {d} ms{'':<22} {'mean |err|':>10} {'p95':>8} {'max':>8} "
                  f"{'mean err':>9} {'vs Ronde':>8}")
            for row in rows:
                totals[row.name] += row.errors
                ratio = row.mean / max(rows[0].mean, 1e-9)
                print(f"  {row.name:<30} {row.mean:>8.1f}ms {row.p95:>6.1f}ms {row.worst:>6.1f}ms"
                      f" {statistics.fmean(row.errors):>+7.1f}ms {ratio:>7.1f}x")
        print(f"\nAll delays{'':<21} {'mean |err|':>10} {'p95':>8} {'max':>8} {'vs Ronde':>9}")
        base = Errors(names[0], totals[names[0]])
        for name in names:
            row = Errors(name, totals[name])
            print(f"  {name:<30} {row.mean:>8.1f}ms {row.p95:>6.1f}ms {row.worst:>6.1f}ms "
                  f"{row.mean / max(base.mean, 1e-9):>8.1f}x")
        print(f"\nResolution is a bound: {held}/{count} Ronde transactions "
              f"({100 * held / count:.0f} %) have the scripted delay inside response ± "
              "resolution/2")
        ronde_s, tuned_s = sum(walls["Ronde"]), sum(walls["hand-written, tuned"])
        print(f"Whole journeys (session, launch, {n} taps each, close), all delays: Ronde "
              f"{ronde_s:.1f} s, hand-written tuned script {tuned_s:.1f} s: "
              f"{ronde_s / tuned_s:.2f}x")
        print(f"(load average at the end {os.getloadavg()[0]:.1f})")
    if held != count:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
