"""End to end: the real robot on simulated devices, in rounds with confirmation, a fault switched
on -> exactly one alert with the right diagnosis reaches a real Alertmanager (its webhook) and a
real SMTP server through Apprise; fault off -> one resolved notice on both; an `offline` device
raises a robot alert and no app alert. The onset-to-first-notification time is printed."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from emulators import faults
from emulators.capabilities import DEMO_SHOP
from journeys.model import AlertPolicy, Journey
from journeys.parser import load_journey
from robots.devices import DeviceSpec
from robots.runner import run_journey
from ronde.config import Config
from scheduler.alerting import alert_engine
from scheduler.alerts.engine import AlertEngine
from scheduler.alerts.settings import AlertSettings
from scheduler.pool import DevicePool
from scheduler.recorder import StoreRecorder
from scheduler.rounds import RoundRunner
from storage import Store
from tests.fixtures.alertmanager import Alertmanager
from tests.fixtures.smtp import SmtpServer

pytestmark = [pytest.mark.appium, pytest.mark.alertmanager]

EXAMPLE = Path(__file__).resolve().parents[2] / "journeys" / "examples" / "shop-login-cart.yaml"
INTERVAL_S = 5.0  # the schedule interval of the rounds in this test
ENV = {"SHOP_USER": "qa-robot@example.com", "SHOP_PASSWORD": "demo-secret"}


def monitored(journey_id: str, devices: tuple[str, ...], notify: tuple[str, ...]) -> Journey:
    """The example journey, watched every INTERVAL_S, alerting on the first confirmed failure."""
    base = load_journey(EXAMPLE)
    monitor = replace(
        base.monitor, id=journey_id, devices=devices, every_ms=int(INTERVAL_S * 1000),
        jitter_ms=0, step_timeout_ms=3000, retries=1,
        alert=AlertPolicy(consecutive_failures=1, notify=notify),
    )
    return replace(base, monitor=monitor)


@dataclass
class Robot:
    """Rounds of the active journeys every INTERVAL_S in a thread (the scheduler's job)."""

    runner: RoundRunner
    engine: AlertEngine
    active: list[str]
    rounds: list[tuple[str, float, float, list]]  # journey, start, end (monotonic), results

    def __post_init__(self) -> None:
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        while not self.stop.is_set():
            begin = time.monotonic()
            for jid in list(self.active):
                start = time.monotonic()
                results = self.runner.run_round(jid)
                self.rounds.append((jid, start, time.monotonic(), results))
            self.engine.tick()
            self.stop.wait(max(0.0, INTERVAL_S - (time.monotonic() - begin)))

    def wait_rounds(self, journey: str, n: int, timeout: float = 90.0) -> None:
        seen = len([r for r in self.rounds if r[0] == journey])
        deadline = time.monotonic() + timeout
        while len([r for r in self.rounds if r[0] == journey]) < seen + n:
            assert time.monotonic() < deadline, "rounds stalled"
            time.sleep(0.1)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(120)


@pytest.fixture
def devices(appium_server, sim_state_dir) -> Iterator[tuple[DeviceSpec, ...]]:
    tag = f"e2e{os.getpid()}"
    made = tuple(
        DeviceSpec(f"sim-{tag}-{name}", ("android", tag if name != "c" else f"{tag}-c"),
                   simulated_app=str(DEMO_SHOP))
        for name in ("a", "b", "c")
    )
    yield made
    for d in made:
        faults.clear_faults(d.name)


def test_fault_on_one_alert_fault_off_one_resolved_offline_device_robot_alert(
    tmp_path: Path, appium_server, devices, alertmanager: Alertmanager,
    smtp_server: SmtpServer,
) -> None:
    a, b, c = devices
    tag = a.tags[1]
    login = monitored(f"e2e-login-{os.getpid()}", (f"tag:{tag}",), ("qa-mail",))
    lonely = monitored(f"e2e-offline-{os.getpid()}", (c.name,), ("qa-mail",))
    to = f"oncall-{os.getpid()}@example.com"
    artifacts = tmp_path / "artifacts"
    store = Store.open(f"sqlite:///{tmp_path / 'ronde.db'}", spool_path=tmp_path / "spool",
                       environ=ENV)
    config = Config(storage_url="sqlite://", artifacts_dir=artifacts, devices=devices,
                    channels={"qa-mail": smtp_server.apprise_url(to)},
                    alertmanager_url=alertmanager.url)
    settings = AlertSettings(min_flip_ms=0, resolve_after_passes=2, robot_errors=2)
    engine = alert_engine(store, config, [login, lonely], settings=settings, environ=ENV)
    journeys = {login.id: login, lonely.id: lonely}
    runner = RoundRunner(
        journeys=journeys.get, pool=DevicePool(devices, backoff_s=600.0),
        recorder=StoreRecorder(store), run=run_journey, artifacts_dir=artifacts,
        appium_url=lambda d: appium_server.url, environ=ENV, after_run=engine.after_run,
        lease_wait_s=lambda j: 1.0,
    )
    robot = Robot(runner, engine, [login.id], [])

    def mails(subject_start: str) -> list:
        return [m for m in smtp_server.to(to) if m.subject.startswith(subject_start)
                and login.id in m.subject]

    try:
        robot.wait_rounds(login.id, 1)
        assert all(r.status == "passed" for r in robot.rounds[-1][3])

        # ---- the fault: the login is refused on every device ----------------------------
        onset = time.monotonic()
        for d in (a, b):
            faults.set_fault(d.name, "login_refused")
        smtp_server.wait_for(lambda _m: len(mails("[FIRING]")) >= 1, timeout=60)
        alertmanager.webhook.wait_for(lambda _r: any(
            n["status"] == "firing" for n in alertmanager.notifications(login.id)), timeout=30)
        first_mail = mails("[FIRING]")[0]
        first_hook = next(r for r in alertmanager.webhook.received
                          if isinstance(r.body, dict)
                          and r.body["groupLabels"].get("journey") == login.id)
        to_first = min(first_mail.at, first_hook.at) - onset
        mine = [r for r in robot.rounds if r[0] == login.id]
        index = next(i for i, r in enumerate(mine) if r[3] and r[3][0].status == "failed")
        _, fail_start, fail_end, first_round = mine[index]
        before = mine[index - 1]  # the round running (or last run) when the fault came on
        waited = fail_start - onset
        round_s = fail_end - fail_start
        delivered = min(first_mail.at, first_hook.at) - fail_end
        print(f"\nfault onset -> first notification: {to_first:.1f} s = {waited:.1f} s until "
              f"the next round (interval {INTERVAL_S:.0f} s) + {round_s:.1f} s failing round "
              f"with its confirmation + {delivered:.1f} s delivery (mail "
              f"{first_mail.at - onset:.1f} s, Alertmanager webhook {first_hook.at - onset:.1f} s)")
        # at most one schedule interval (or the round in flight, if longer) + the confirmation
        assert waited <= max(INTERVAL_S, before[2] - before[1]) + 0.5
        assert delivered <= 5.0
        assert [(r.attempt, r.status) for r in first_round] == [(1, "failed"), (2, "failed")]
        assert {r.device for r in first_round} == {a.name, b.name}  # confirmed elsewhere

        # what the on-call engineer reads
        text = first_mail.text()
        assert "Failing transaction: Login" in text and "Category: authentication" in text
        assert "Pre-diagnosis: Authentication service (confidence " in text
        assert "Pré-diagnostic: Service d'authentification" in text
        assert "Availability: " in text
        assert "demo-secret" not in text + first_mail.subject
        shots = first_mail.attachments()
        assert shots and shots[0][1].startswith(b"\x89PNG")
        [alert] = first_hook.body["alerts"]
        assert alert["labels"]["alertname"] == "RondeJourneyFailing"
        assert alert["labels"]["transaction"] == "Login"
        assert alert["labels"]["category"] == "authentication"
        assert alert["annotations"]["cause"] == "authentication"

        robot.wait_rounds(login.id, 1)  # still failing: deduplicated, nobody paged twice
        assert len(mails("[FIRING]")) == 1

        # ---- fault off: one resolved notice on both -------------------------------------
        for d in (a, b):
            faults.clear_faults(d.name)
        smtp_server.wait_for(lambda _m: len(mails("[RESOLVED]")) >= 1, timeout=60)
        alertmanager.webhook.wait_for(lambda _r: any(
            n["status"] == "resolved" for n in alertmanager.notifications(login.id)), timeout=30)

        # ---- an offline device: a robot alert, no app alert -----------------------------
        faults.set_fault(c.name, "offline")
        robot.active.append(lonely.id)
        robot.wait_rounds(lonely.id, 2)
        engine.notifier.worker.drain(30)
        smtp_server.wait_for(lambda _m: any(
            "cannot be run by the robot" in m.subject and lonely.id in m.subject
            for m in smtp_server.to(to)), timeout=30)
        robot.close()
        engine.notifier.worker.drain(30)
        time.sleep(2.5)  # Alertmanager's group_wait + group_interval: a second alert would show

        assert len(mails("[FIRING]")) == 1 and len(mails("[RESOLVED]")) == 1
        assert [n["status"] for n in alertmanager.notifications(login.id)] == [
            "firing", "resolved"]
        incidents = {(i.journey, i.kind): i for i in store.incidents()}
        assert set(incidents) == {(login.id, "app"), (lonely.id, "robot")}
        assert incidents[(login.id, "app")].state == "resolved"
        robot_incident = incidents[(lonely.id, "robot")]
        assert robot_incident.state == "firing" and robot_incident.device == c.name
        assert robot_incident.cause == "device_unavailable"
        assert not [m for m in smtp_server.to(to) if lonely.id in m.subject
                    and "is failing" in m.subject]
        robot_hooks = [r.body for r in alertmanager.webhook.received if isinstance(r.body, dict)
                       and r.body["groupLabels"].get("alertname") == "RondeRobotError"
                       and r.body["commonLabels"].get("journey") == lonely.id]
        assert robot_hooks and robot_hooks[0]["alerts"][0]["labels"]["device"] == c.name
    finally:
        robot.close()
        engine.close()
        store.close()
