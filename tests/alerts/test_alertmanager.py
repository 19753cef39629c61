"""Alerts into a real Prometheus Alertmanager: labels identify, annotations describe, one
notification per incident while it fires (re-sent to Alertmanager, not re-notified by it),
and `endsAt` resolves it."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.alerts.builders import journey
from tests.alerts.harness import FAST, make_harness
from tests.fixtures.alertmanager import Alertmanager

pytestmark = pytest.mark.alertmanager


def test_one_alert_with_stable_labels_then_resolved(
    tmp_path: Path, alertmanager: Alertmanager
) -> None:
    jid = f"am-{uuid.uuid4().hex[:8]}"
    settings = replace(FAST, min_flip_ms=0, alertmanager_resend_ms=60_000)
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=3)  # sim time <= now
    h = make_harness(f"sqlite:///{tmp_path / 'r.db'}", tmp_path, {},
                     journeys=[journey(jid)], alertmanager_url=alertmanager.url,
                     settings=settings, start=start)
    shot = h.artifacts / "run1" / "failure.png"
    shot.parent.mkdir()
    shot.write_bytes(b"\x89PNG\r\n\x1a\n")
    try:
        for minute in (0, 0.1, 0.2):
            h.check(minute, "down", journey=jid, category="backend", transaction="Checkout",
                    devices=("sim-1", "sim-1"), screenshot="run1/failure.png")
        h.drain()
        [first] = alertmanager.webhook.wait_for(
            lambda _r: len(alertmanager.notifications(jid)) >= 1) and (
            alertmanager.notifications(jid))
        assert first["status"] == "firing"
        [alert] = first["alerts"]
        assert alert["labels"] == {
            "alertname": "RondeJourneyFailing", "journey": jid, "transaction": "Checkout",
            "device": "sim-1", "category": "backend", "severity": "critical",
        }
        notes = alert["annotations"]
        assert notes["summary"] == f"Journey {jid} is failing at Checkout"
        assert notes["description"].startswith("availability 0.0% over 60 min; failing since ")
        assert notes["diagnosis"].startswith("The app's backend returns errors (confidence 55%)")
        assert notes["diagnosis_fr"].startswith("Le serveur de l'app renvoie des erreurs")
        assert "runbook_url" not in notes  # no template, no dashboard: no (file://) link
        assert notes["evidence_url"] == shot.resolve().as_uri()
        assert notes["cause"] == "backend_errors" and notes["confidence"] == "0.55"

        # still failing: re-sent to Alertmanager at the interval, but no second notification
        ends = alertmanager.alerts(journey=jid)[0]["endsAt"]
        h.check(1, "down", journey=jid, category="backend", transaction="Checkout",
                devices=("sim-1", "sim-1"))
        h.clock.to(1.5)
        h.engine.tick()
        h.drain()
        [held] = alertmanager.alerts(journey=jid)
        assert held["status"]["state"] == "active" and held["endsAt"] > ends  # refreshed
        h.check(2, "up", journey=jid, devices=("sim-1",))
        h.check(2.5, "up", journey=jid, devices=("sim-1",))
        h.drain()
        alertmanager.webhook.wait_for(
            lambda _r: any(n["status"] == "resolved" for n in alertmanager.notifications(jid)))
        sent = alertmanager.notifications(jid)
        assert [n["status"] for n in sent] == ["firing", "resolved"]
        assert sent[1]["alerts"][0]["labels"] == alert["labels"]  # the same alert, resolved
        assert sent[1]["alerts"][0]["endsAt"].startswith(
            (start + timedelta(minutes=2.5)).strftime("%Y-%m-%dT%H:%M:%S"))
        rows = h.store.notifications()
        assert [(n.channel, n.kind, n.ok) for n in rows] == [
            ("alertmanager", "firing", True), ("alertmanager", "resolved", True)]
    finally:
        h.engine.close()
        h.store.close()
