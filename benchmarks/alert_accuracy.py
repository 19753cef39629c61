"""Alert accuracy: the scenario corpus through the real robot, simulated devices and Chromium,
into the real alert engine; prints how often the incidents name the expected causes, and the
time from fault onset to the first notice.

    .venv/bin/python benchmarks/alert_accuracy.py [--only NAME_PART] [--scenarios FILE]

Each scenario: one healthy round, then the faults, then its faulty rounds. A round runs every
journey once (on its pinned device, else the next device of its app model in turn), and a
failure is confirmed at once on another device of the pool when there is one, as
`ronde start` does. The onset-to-notice time counts robot time only (rounds back to back):
in production add the schedule's interval.
"""

from __future__ import annotations

import argparse
import itertools
import os
import socket
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from emulators import faults  # noqa: E402
from emulators.appium_server import DEMO_ENV, AppiumServer  # noqa: E402
from journeys.model import Journey  # noqa: E402
from journeys.parser import load_journey  # noqa: E402
from journeys.results import RunResult, Status  # noqa: E402
from robots.devices import DeviceSpec  # noqa: E402
from robots.runner import run_journey  # noqa: E402
from ronde.config import Config  # noqa: E402
from scheduler.alerting import alert_engine  # noqa: E402
from scheduler.alerts.lifecycle import Event  # noqa: E402
from storage import Store  # noqa: E402

CORPUS = ROOT / "benchmarks" / "corpus"
APPS = {"shop": ROOT / "emulators/apps/demo-shop.yaml", "bank": ROOT / "emulators/apps/bank.yaml",
        "food": ROOT / "emulators/apps/food.yaml"}
ENV = {**DEMO_ENV, "BANK_PIN": "2468"}
_serial = itertools.count(1)


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    devices: dict[str, str]  # short name -> app model or "web"
    journeys: tuple[str, ...]
    expect: frozenset[str]
    faults: tuple[dict[str, Any], ...] = ()
    pin: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    rounds: int = 2


@dataclass(frozen=True, slots=True)
class Outcome:
    scenario: Scenario
    got: frozenset[str]
    first_notice_s: float | None  # fault onset -> first firing notice, robot time
    seconds: float
    titles: tuple[str, ...]

    @property
    def right(self) -> bool:
        return self.got == self.scenario.expect


def load_scenarios(path: Path = CORPUS / "scenarios.yaml") -> list[Scenario]:
    out = []
    for item in yaml.safe_load(path.read_text(encoding="utf-8")):
        out.append(Scenario(
            name=item["name"], devices=dict(item["devices"]),
            journeys=tuple(item["journeys"]), expect=frozenset(item["expect"]),
            faults=tuple({**f, "params": _keys(f.get("params") or {})}
                         for f in item.get("faults") or ()),
            pin=dict(item.get("pin") or {}),
            env={k: str(v) for k, v in (item.get("env") or {}).items()},
            rounds=int(item.get("rounds", 2)),
        ))
    return out


def _keys(params: dict[Any, Any]) -> dict[str, Any]:
    """YAML 1.1 reads a bare `on:` key as true: it is the fault's `on` parameter."""
    return {("on" if key is True else str(key)): value for key, value in params.items()}


@contextmanager
def services(state: Path) -> Iterator[AppiumServer]:
    """One Appium server with the simulated driver for every scenario."""
    os.environ["RONDE_SIM_STATE"] = str(state)
    with AppiumServer(drivers=["ronde-sim"], sim_state=state, env=ENV) as appium:
        yield appium


class _Pool:
    """Which device runs a journey's first attempt, and which one confirms it."""

    def __init__(self, scenario: Scenario, names: Mapping[str, str]) -> None:
        self.scenario = scenario
        self.names = names
        self.turn: dict[str, int] = {}

    def candidates(self, journey: Journey) -> list[str]:
        pinned = self.scenario.pin.get(journey.id)
        if pinned:
            return [pinned]
        kind = "web" if journey.url else next(
            k for k, p in APPS.items() if _app_id(p) == journey.app_id)
        return [d for d, model in self.scenario.devices.items() if model == kind]

    def first(self, journey: Journey, round_no: int) -> str:
        devices = self.candidates(journey)
        return devices[(round_no + self.scenario.journeys.index(journey.id)) % len(devices)]

    def confirm(self, journey: Journey, first: str) -> str:
        others = [d for d in self.candidates(journey) if d != first]
        return others[0] if others else first


def _app_id(path: Path) -> str:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["appId"]


def run_scenario(scenario: Scenario, appium: AppiumServer, work: Path,
                 chromium: str = "Pixel 7") -> Outcome:
    """The scenario end to end; every device name is fresh, so faults never leak."""
    from emulators.webshop.server import WebShop

    started = time.monotonic()
    tag = f"{os.getpid()}-{next(_serial)}"
    names = {short: f"bench-{short}-{tag}" for short in scenario.devices}
    specs = {short: DeviceSpec(names[short], (model,), browser_emulate=chromium)
             if model == "web" else DeviceSpec(names[short], (model,),
                                               simulated_app=str(APPS[model]))
             for short, model in scenario.devices.items()}
    folder = work / tag
    folder.mkdir(parents=True)
    journeys = {j: load_journey(CORPUS / "journeys" / f"{j}.yaml") for j in scenario.journeys}
    with ExitStack() as stack:
        environ = {**os.environ, **ENV}
        web = [names[s] for s, m in scenario.devices.items() if m == "web"]
        if web:
            shop = stack.enter_context(WebShop(device=web[0], state=appium.sim_state))
            environ["SHOP_WEB_URL"] = shop.url
        store = Store.open(f"sqlite:///{folder / 'ronde.db'}", spool_path=folder / "spool.jsonl",
                           environ={})
        stack.callback(store.close)
        config = Config(artifacts_dir=folder / "artifacts")
        engine = alert_engine(store, config, journeys.values(), environ=environ)
        stack.callback(engine.close)
        pool = _Pool(scenario, names)
        onset: list[float] = []
        first_notice: list[float] = []

        def one(journey: Journey, round_no: int) -> list[RunResult]:
            first = pool.first(journey, round_no)
            result = run_journey(journey, specs[first], appium_url=appium.url,
                                 artifacts_dir=folder / "artifacts", environ=environ)
            results = [result]
            if result.status is Status.FAILED and journey.monitor.retries:
                again = pool.confirm(journey, first)
                results.append(run_journey(
                    journey, specs[again], appium_url=appium.url,
                    artifacts_dir=folder / "artifacts", environ=environ, attempt=2,
                    confirms=result.run_id))
            return results

        def record(results: list[RunResult]) -> None:
            for result in results:
                store.record_run(result, journeys[result.journey])
                for step in engine.after_run(result):
                    if step.event is Event.FIRING and onset and not first_notice:
                        first_notice.append(time.monotonic() - onset[0])

        for round_no in range(scenario.rounds + 1):
            if round_no == 1:  # the fault's onset: device faults and environment changes
                _apply_faults(scenario, names)
                for key, value in scenario.env.items():
                    environ[key] = _closed_url() if value == "refused" else value
                onset.append(time.monotonic())
            _round(journeys, pool, round_no, one, record)
        engine.tick()
        got = set()
        for incident in store.open_incidents():
            cause = incident.cause or "?"
            details = incident.details or {}
            scope = ((details.get("diagnosis") or {}).get("scope") or "")
            short = next((s for s, n in names.items() if n == scope), scope)
            got.add(f"{cause}:{short}" if short else cause)
        titles = tuple(f"{i.cause}: {i.diagnosis}"[:160] for i in store.open_incidents())
        for name in names.values():
            faults.clear_faults(name)
    return Outcome(scenario, frozenset(got), first_notice[0] if first_notice else None,
                   time.monotonic() - started, titles)


def _round(journeys: Mapping[str, Journey], pool: _Pool, round_no: int, one: Any,
           record: Any) -> None:
    """A round: journeys on distinct devices run at once, as the robot's pool would."""
    pending = list(journeys.values())
    while pending:
        busy: set[str] = set()
        batch = []
        for journey in list(pending):
            device = pool.first(journey, round_no)
            confirm = pool.confirm(journey, device)
            if device in busy or confirm in busy:
                continue
            busy |= {device, confirm}
            batch.append(journey)
            pending.remove(journey)
        with ThreadPoolExecutor(max_workers=len(batch)) as workers:
            for results in workers.map(lambda j: one(j, round_no), batch):
                record(results)


def _apply_faults(scenario: Scenario, names: Mapping[str, str]) -> None:
    for item in scenario.faults:
        targets = names.values() if item["device"] == "*" else [names[item["device"]]]
        for name in targets:
            faults.set_fault(name, item["fault"], **(item.get("params") or {}))


def _closed_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}/"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", type=Path, default=CORPUS / "scenarios.yaml")
    parser.add_argument("--only", default="", help="run the scenarios whose name contains this")
    args = parser.parse_args(argv)
    scenarios = [s for s in load_scenarios(args.scenarios) if args.only in s.name]
    outcomes = []
    with tempfile.TemporaryDirectory(prefix="ronde-accuracy-") as tmp, \
            services(Path(tmp) / "sim") as appium:
        for scenario in scenarios:
            outcome = run_scenario(scenario, appium, Path(tmp) / "work")
            outcomes.append(outcome)
            mark = "ok " if outcome.right else "BAD"
            notice = "-" if outcome.first_notice_s is None else f"{outcome.first_notice_s:.1f}s"
            print(f"{mark} {scenario.name:<66} notice {notice:>6}  ({outcome.seconds:.0f}s)",
                  flush=True)
            if not outcome.right:
                print(f"      expected {sorted(scenario.expect)}, got {sorted(outcome.got)}")
                for title in outcome.titles:
                    print(f"      {title}")
    right = sum(o.right for o in outcomes)
    times = sorted(o.first_notice_s for o in outcomes if o.first_notice_s is not None)
    print(f"\naccuracy: {right}/{len(outcomes)} = {100 * right / max(len(outcomes), 1):.0f}% "
          f"(goal >= 95%)")
    if times:
        print(f"fault onset -> first notice (robot time, rounds back to back): median "
              f"{times[len(times) // 2]:.1f}s, max {times[-1]:.1f}s")
    return 0 if outcomes and right == len(outcomes) else 1


if __name__ == "__main__":
    raise SystemExit(main())
