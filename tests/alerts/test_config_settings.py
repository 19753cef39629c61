"""ronde.yaml's `alerts:` section drives the engine: rule defaults under each journey's own
keys, robot incidents to the operators' channels, reminders, language, runbook and evidence
links. A real ronde.yaml is loaded, deliveries go through Apprise to a recording endpoint."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ronde.config import Config, load_config
from tests.alerts.builders import journey
from tests.alerts.harness import Harness, make_harness
from tests.fixtures.alertmanager import HttpRecorder

SETTINGS = """\
channels:
  sre: {base}/sre
  qa: {base}/qa
  ops: {base}/ops
dashboard_url: https://ronde.example.com/
alerts:
  defaults: {{consecutive_failures: 1, notify: [sre]}}
  robot_channels: [ops]
  remind_every: 10m
  language: fr
  runbook_url: https://wiki.example.com/runbooks/{{journey}}#{{category}}
"""


@pytest.fixture
def config(tmp_path: Path, http_recorder: HttpRecorder) -> Config:
    path = tmp_path / "ronde.yaml"
    path.write_text(SETTINGS.format(base=http_recorder.url.replace("http://", "json://")))
    return load_config(path, required=True)


@pytest.fixture
def harness(tmp_path: Path, config: Config) -> Iterator[Harness]:
    h = make_harness(f"sqlite:///{tmp_path / 'r.db'}", tmp_path, config.channels,
                     journeys=[journey("shop-login"), journey("shop-search", notify=("qa",)),
                               journey("shop-pay", consecutive_failures=3)],
                     alerts=config.alerts, dashboard_url=config.dashboard_url)
    yield h
    h.engine.close()
    h.store.close()


def to(recorder: HttpRecorder, channel: str) -> list[dict]:
    return [r.body for r in recorder.received if r.path == f"/{channel}"]


def test_defaults_apply_where_a_journey_sets_nothing(
    harness: Harness, http_recorder: HttpRecorder
) -> None:
    h = harness
    h.check(0, "down", journey="shop-login")  # defaults: 1 failure pages, to sre only
    h.check(0, "down", journey="shop-search",  # its own notify: qa; the default rule
            category="crash")  # another cause than shop-login's: an incident of its own
    h.check(0, "down", journey="shop-pay")  # its own rule (3) wins over the default (1)
    h.check(1, "down", journey="shop-pay")
    h.drain()
    assert sorted(i.journey for i in h.store.open_incidents()) == ["shop-login", "shop-search"]
    # shop-pay failing the same way before its own rule holds makes shop-login's cause a
    # backend outage: the cause changed, so sre hears it once more (UPDATED / MIS À JOUR)
    sre, *updates = to(http_recorder, "sre")
    assert [u["title"][:13] for u in updates] in ([], ["[MIS À JOUR] "]), updates
    [qa] = to(http_recorder, "qa")
    assert sre["title"].startswith("[ALERTE] shop-login") and qa["title"].startswith(
        "[ALERTE] shop-search")
    assert not to(http_recorder, "ops")
    body = sre["message"]
    assert "Pré-diagnostic" in body and "Pre-diagnosis" not in body  # language: fr
    assert "https://wiki.example.com/runbooks/shop-login#display" in body
    run_id = h.store.open_incidents()[0].evidence_run_id
    assert f"https://ronde.example.com/runs/{run_id}" in body
    h.check(2, "down", journey="shop-pay")
    h.drain()
    # shop-pay's own rule (3) holds now: it joins shop-login's incident (same cause), whose
    # scope grew — an update, not a second incident
    last = to(http_recorder, "sre")[-1]
    assert last["title"].startswith("[MIS À JOUR] 2 parcours échouent"), last["title"]
    assert "Parcours touchés (2) : shop-login, shop-pay" in last["message"] or (
        "Parcours touchés (2): shop-login, shop-pay" in last["message"])
    assert sorted(i.journey for i in h.store.open_incidents()) == ["shop-login", "shop-search"]


def test_remind_every_comes_from_ronde_yaml(harness: Harness, http_recorder: HttpRecorder) -> None:
    h = harness
    assert h.engine.settings.renotify_ms == 600_000  # the harness asked 30 min: ronde.yaml wins
    h.check(0, "down")
    h.clock.to(9)
    h.engine.tick()
    h.drain()
    assert len(to(http_recorder, "sre")) == 1
    h.clock.to(11)
    h.engine.tick()
    h.drain()
    assert len(to(http_recorder, "sre")) == 2


def test_robot_incidents_go_to_the_robot_channels_only(
    harness: Harness, http_recorder: HttpRecorder
) -> None:
    h = harness
    for minute in (1, 2, 3):
        h.check(minute, "error", journey="shop-login", devices=("sim-2",),
                error="session refused: device offline")
    h.drain()
    [incident] = h.store.open_incidents()
    assert incident.kind == "robot"
    [ops] = to(http_recorder, "ops")
    assert "sim-2" in ops["title"]
    assert not to(http_recorder, "sre") and not to(http_recorder, "qa")


def test_a_naive_or_local_clock_is_read_as_utc(
    tmp_path: Path, http_recorder: HttpRecorder
) -> None:
    """Stored times are aware UTC: a naive wall clock, or runs timed in another zone, must
    neither break the rules (naive vs aware) nor shift the incident's times."""
    from datetime import timedelta, timezone

    from scheduler.alerting import alert_engine
    from tests.alerts.builders import result

    h = make_harness(f"sqlite:///{tmp_path / 'r.db'}", tmp_path,
                     {"hook": http_recorder.url.replace("http://", "json://") + "/hook"},
                     journeys=[journey("shop-login", consecutive_failures=1)])
    h.engine.close()
    h.engine = alert_engine(h.store, h.engine.config, h.journeys.values(),
                           clock=lambda: h.clock.now.replace(tzinfo=None), environ={})
    try:
        start = h.clock.start
        local = timezone(timedelta(hours=2))
        first = result(start.astimezone(local), "failed", category="display")
        h.record(first)
        h.clock.to(0.25)
        h.record(result(h.clock.now.astimezone(local), "failed", category="display",
                        attempt=2, confirms=first.run_id, device="sim-2"))
        h.clock.to(1)
        h.engine.tick()
        h.drain()
        [incident] = h.store.open_incidents()
        assert incident.opened_at == start + timedelta(minutes=0.25)
        assert len(to(http_recorder, "hook")) == 1
    finally:
        h.engine.close()
        h.store.close()


def test_a_bad_channel_url_is_refused_without_logging_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A Config built in code skips load_config's check: the notifier refuses the channel and
    neither it nor Apprise logs the URL's tokens."""
    from scheduler.notify.errors import BadChannelURL
    from scheduler.notify.notifier import Notifier

    caplog.set_level("DEBUG")
    notifier = Notifier({"chat": "pover://TOPSECRETTOKEN"})
    try:
        with pytest.raises(BadChannelURL) as caught:
            notifier.channel("chat")
    finally:
        notifier.close()
    assert "TOPSECRETTOKEN" not in str(caught.value) + caplog.text
