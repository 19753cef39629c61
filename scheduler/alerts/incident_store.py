"""Incidents in SQL through `storage.incidents`: maps the domain Incident to storage's record.

Fields storage has no column for (flap count, onset, the structured diagnosis, ...) travel
in the row's JSON `details`. Timestamps come from the engine's clock, not storage's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from journeys.results import Category
from scheduler.alerts.model import Incident, IncidentState, Kind
from scheduler.signals import Diagnosis, Job
from storage import incidents as sql
from storage.records import IncidentRecord
from storage.redact import Redactor

if TYPE_CHECKING:
    from storage import Store


def _time(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def to_incident(record: IncidentRecord) -> Incident:
    d = record.details or {}
    category = None
    if record.category:
        try:
            category = Category(record.category)
        except ValueError:
            category = None
    diagnosis = Diagnosis.from_json(d["diagnosis"]) if d.get("diagnosis") else None
    return Incident(
        id=record.id,
        key=record.dedup_key,
        kind=Kind(record.kind),
        journey=record.journey or d.get("journey", ""),
        state=IncidentState(record.state),
        opened_at=record.opened_at,
        changed_at=_time(d.get("changed_at")) or record.opened_at,
        rules=tuple(r for r in record.rule.split(",") if r),
        category=category,
        transaction=record.transaction,
        device=record.device,
        availability=d.get("availability"),
        since=_time(d.get("since")),
        resolved_at=record.resolved_at,
        acknowledged_at=record.acknowledged_at,
        acknowledged_by=d.get("acknowledged_by"),
        last_notified_at=record.last_notified_at,
        notifications=int(d.get("notifications", 0)),
        flaps=int(d.get("flaps", 0)),
        run_id=record.evidence_run_id,
        screenshot=d.get("screenshot"),
        diagnosis=diagnosis,
        journeys=tuple(d.get("journeys") or ()),
        devices=tuple(d.get("devices") or ()),
        notified_scope=str(d.get("notified_scope") or ""),
    )


def _details(incident: Incident) -> dict[str, Any]:
    return {
        "journey": incident.journey,
        "changed_at": incident.changed_at.isoformat(),
        "since": incident.since.isoformat() if incident.since else None,
        "availability": incident.availability,
        "flaps": incident.flaps,
        "notifications": incident.notifications,
        "screenshot": incident.screenshot,
        "acknowledged_by": incident.acknowledged_by,
        "diagnosis": incident.diagnosis.to_json() if incident.diagnosis else None,
        "journeys": list(incident.journeys),
        "devices": list(incident.devices),
        "notified_scope": incident.notified_scope,
    }


def summary(incident: Incident) -> str:
    if incident.kind is Kind.ROBOT and incident.category is Category.APPIUM_DOWN:
        return "Ronde's Appium server is down"
    if incident.kind is Kind.ROBOT and incident.key.startswith("robot:silent:"):
        return f"robot {incident.key.removeprefix('robot:silent:')} silent"
    if incident.kind is Kind.ROBOT:
        where = f" on {incident.device}" if incident.device else ""
        return f"robot cannot run {incident.journey}{where}"
    what = "slow" if incident.key.endswith(":slow") else "failing"
    at = f" at {incident.transaction}" if incident.transaction else ""
    return f"{incident.journey} {what}{at}"


class IncidentRepository:
    """The engine's view of incidents; `store` is a `storage.Store` (its `db` is used)."""

    def __init__(self, store: Store, environ: Mapping[str, str] | None = None) -> None:
        self.store = store
        self.db = store.db
        self.environ = environ if environ is not None else getattr(store, "environ", {})

    def latest(self, key: str) -> Incident | None:
        record = sql.latest_incident(self.db, key)
        return None if record is None else to_incident(record)

    def latest_many(self, keys: Iterable[str]) -> dict[str, Incident | None]:
        """`latest` of every key, in one read (None for a key without an incident)."""
        keys = list(keys)
        found = sql.latest_incidents(self.db, keys) if keys else {}
        return {k: to_incident(found[k]) if k in found else None for k in keys}

    def get(self, incident_id: int) -> Incident | None:
        record = sql.get_incident(self.db, incident_id)
        return None if record is None else to_incident(record)

    def open(self) -> list[Incident]:
        return [to_incident(r) for r in sql.open_incidents(self.db)]

    def save(self, incident: Incident, *, journey_secrets: tuple[str, ...] = ()) -> Incident:
        redactor = Redactor.for_secrets(
            (*getattr(self.store, "secrets", ()), *journey_secrets), self.environ
        )
        diagnosis = incident.diagnosis
        texts = {
            "summary": summary(incident),
            "diagnosis": diagnosis.text("en") if diagnosis else None,
            "diagnosis_fr": diagnosis.text("fr") if diagnosis else None,
            "confidence": diagnosis.confidence if diagnosis else None,
            "cause": diagnosis.cause if diagnosis else None,
        }
        common = dict(
            category=str(incident.category) if incident.category else None,
            device=incident.device,
            transaction=redactor.text(incident.transaction),  # storage masks only texts
            evidence_run_id=incident.run_id,
            details=_details(incident),
            redactor=redactor,
            **texts,
        )
        if incident.id is None:
            record = sql.open_incident(
                self.db, dedup_key=incident.key, kind=str(incident.kind),
                rule=",".join(incident.rules), now=incident.opened_at,
                journey=incident.journey or None, **common,
            )
            if incident.last_notified_at is not None:
                record = sql.update_incident(
                    self.db, record.id, now=incident.opened_at,
                    last_notified_at=incident.last_notified_at,
                )
            return to_incident(record)
        now = incident.resolved_at or incident.acknowledged_at or incident.changed_at
        now = max(now, incident.last_notified_at or now)
        record = sql.update_incident(
            self.db, incident.id, now=now, state=str(incident.state),
            resolved_at=incident.resolved_at, acknowledged_at=incident.acknowledged_at,
            last_notified_at=incident.last_notified_at, **common,
        )
        return to_incident(record)

    def record_notification(self, job: Job, ok: bool, error: str | None, now: datetime) -> None:
        kind = job.kind if job.kind in sql.NOTIFICATION_KINDS else "renotify"
        sql.record_notification(
            self.db, incident_id=job.incident_id, channel=job.destination, kind=kind, ok=ok,
            sent_at=now, attempt=job.attempt, error=error,
            redactor=Redactor.for_secrets(getattr(self.store, "secrets", ()), self.environ),
        )
