"""Prometheus Alertmanager v2: a notice becomes one alert, labels identify, annotations describe.

Labels are stable for the life of an incident (Alertmanager groups and dedups on them);
firing alerts are re-sent with a short `endsAt` like Prometheus does, and a resolved
incident is posted once more with `endsAt` set to the resolution time.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import httpx

from scheduler.notify.errors import DeliveryFailed
from scheduler.signals import Notice, as_utc

LABELS = ("alertname", "journey", "transaction", "device", "category", "severity")


def _iso(at: datetime) -> str:
    """RFC 3339 in UTC, as Alertmanager wants (a naive time has no offset: it means UTC)."""
    return as_utc(at).isoformat().replace("+00:00", "Z")


def alert_payload(notice: Notice, *, resend_ms: int = 60_000) -> dict[str, object]:
    """One alert of the `POST /api/v2/alerts` body."""
    values = {
        "alertname": notice.alertname,
        "journey": notice.journey,
        "transaction": notice.transaction,
        "device": notice.device,
        "category": notice.category,
        "severity": notice.severity,
    }
    labels = {k: str(v) for k, v in values.items() if v}  # empty labels mean "absent"
    diagnosis = notice.diagnosis
    what = "slow" if "slow" in notice.rules else "failing"
    if notice.kind == "robot":
        summary = f"Ronde cannot run journey {notice.journey}"
        if notice.device:
            summary += f" on device {notice.device}"
    else:
        summary = f"Journey {notice.journey} is {what}"
        if notice.transaction:
            summary += f" at {notice.transaction}"
    avail = "" if notice.availability is None else (
        f"availability {notice.availability:.1f}% over {round(notice.window_ms / 60_000)} min; "
    )
    annotations = {
        "summary": summary,
        "description": f"{avail}failing since {_iso(notice.since or notice.opened_at)}",
    }
    if diagnosis is not None:
        annotations["diagnosis"] = diagnosis.text("en")
        annotations["diagnosis_fr"] = diagnosis.text("fr")
        annotations["cause"] = diagnosis.cause
        annotations["confidence"] = f"{diagnosis.confidence:.2f}"
    if notice.runbook_url:
        annotations["runbook_url"] = notice.runbook_url
    if notice.evidence_url:
        annotations["evidence_url"] = notice.evidence_url
    if notice.incident_id is not None:
        annotations["incident_id"] = str(notice.incident_id)
    if notice.event == "resolved":
        ends = notice.resolved_at or notice.now
    else:  # expire by itself if the robot dies, as Prometheus' alerts do
        ends = notice.now + timedelta(milliseconds=4 * resend_ms)
    alert: dict[str, object] = {
        "labels": labels,
        "annotations": annotations,
        "startsAt": _iso(notice.opened_at),
        "endsAt": _iso(ends),
    }
    if notice.evidence_url and notice.evidence_url.startswith(("http://", "https://")):
        alert["generatorURL"] = notice.evidence_url
    return alert


class AlertmanagerClient:
    def __init__(self, url: str, *, timeout_s: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self.timeout_s = timeout_s
        # for messages: basic-auth credentials in the URL never reach a log or the database
        self.safe_url = re.sub(r"//[^/@]*@", "//•••@", self.url)

    def post(self, alerts: list[dict[str, object]]) -> None:
        try:
            response = httpx.post(
                f"{self.url}/api/v2/alerts", json=alerts, timeout=self.timeout_s
            )
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"Alertmanager at {self.safe_url} unreachable: {exc}") from exc
        if response.status_code >= 300:
            raise DeliveryFailed(
                f"Alertmanager at {self.safe_url} answered {response.status_code}: "
                f"{response.text[:300]}"
            )
