"""Incident and notification persistence: generic, the alert rules and their state machine
(scheduler/) sit on top. Functions take the `Database` (`store.db`); add new ones here.

Lifecycle kept by storage: firing -> acknowledged -> resolved, firing -> resolved;
resolved -> firing reopens a cause that came back soon (flapping): the same incident. At most
one open incident per dedup key, enforced by a partial unique index so two robots cannot open
it twice.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import exc as sa_exc
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.engine import Database
from storage.errors import DuplicateIncident, InvalidTransition, UnknownIncident
from storage.models import IncidentRow, JourneyRow, NotificationRow
from storage.records import IncidentRecord, NotificationRecord
from storage.redact import Redactor
from storage.runs import journey_row
from storage.serialize import JourneyInfo

STATES = ("firing", "acknowledged", "resolved")
KINDS = ("app", "robot")
NOTIFICATION_KINDS = ("firing", "resolved", "renotify", "updated", "test")
_ALLOWED = {
    "firing": {"firing", "acknowledged", "resolved"},
    "acknowledged": {"acknowledged", "resolved", "firing"},  # firing: un-acknowledge
    "resolved": {"resolved", "firing"},  # firing: reopened (flapping)
}
# Fields update_incident may change (state goes through the lifecycle check).
UPDATABLE = frozenset({
    "state", "category", "cause", "device", "transaction", "summary", "diagnosis",
    "diagnosis_fr", "confidence", "evidence_run_id", "details", "acknowledged_at",
    "resolved_at", "last_notified_at",
})


def open_incident(
    db: Database,
    *,
    dedup_key: str,
    kind: str,
    rule: str,
    now: datetime,
    journey: str | None = None,
    category: str | None = None,
    cause: str | None = None,
    device: str | None = None,
    transaction: str | None = None,
    summary: str | None = None,
    diagnosis: str | None = None,
    diagnosis_fr: str | None = None,
    confidence: float | None = None,
    evidence_run_id: str | None = None,
    details: dict[str, Any] | None = None,
    redactor: Redactor | None = None,
) -> IncidentRecord:
    """A new firing incident; DuplicateIncident when one with this key is still open."""
    if kind not in KINDS:
        raise ValueError(f"incident kind must be one of {KINDS}, got {kind!r}")
    r = redactor or Redactor()
    try:
        with db.transaction() as session:
            if _open_row(session, dedup_key) is not None:
                raise DuplicateIncident(f"incident {dedup_key!r} is already open")
            row = IncidentRow(
                dedup_key=dedup_key, journey_id=_journey_id(session, journey, now), kind=kind,
                rule=rule, category=category, cause=cause, state="firing", device=device,
                transaction=transaction, summary=r.text(summary), diagnosis=r.text(diagnosis),
                diagnosis_fr=r.text(diagnosis_fr), confidence=confidence,
                evidence_run_id=evidence_run_id, details=_json(details),
                opened_at=now, updated_at=now,
            )
            session.add(row)
            session.flush()
            return _incident(session, row)
    except sa_exc.IntegrityError as exc:  # lost a race with another robot
        raise DuplicateIncident(f"incident {dedup_key!r} is already open") from exc


def update_incident(
    db: Database, incident_id: int, *, now: datetime, redactor: Redactor | None = None,
    **fields: Any,
) -> IncidentRecord:
    """Change some fields; a state change is checked against the lifecycle."""
    unknown = set(fields) - UPDATABLE
    if unknown:
        raise ValueError(f"cannot update incident field(s): {', '.join(sorted(unknown))}")
    r = redactor or Redactor()
    with db.transaction() as session:
        row = session.get(IncidentRow, incident_id)
        if row is None:
            raise UnknownIncident(f"no incident #{incident_id}")
        state = fields.get("state")
        if state is not None:
            if state not in STATES:
                raise ValueError(f"incident state must be one of {STATES}, got {state!r}")
            if state not in _ALLOWED[row.state]:
                raise InvalidTransition(f"incident #{incident_id}: {row.state} -> {state}")
            if state == "acknowledged" and "acknowledged_at" not in fields:
                fields["acknowledged_at"] = row.acknowledged_at or now
            if state == "resolved" and "resolved_at" not in fields:
                fields["resolved_at"] = row.resolved_at or now
        for name, value in fields.items():
            if name == "details":
                value = _json(value)
            elif name in ("summary", "diagnosis", "diagnosis_fr"):
                value = r.text(value)
            setattr(row, name, value)
        row.updated_at = now
        session.flush()
        return _incident(session, row)


def acknowledge_incident(db: Database, incident_id: int, now: datetime) -> IncidentRecord:
    return update_incident(db, incident_id, now=now, state="acknowledged")


def resolve_incident(db: Database, incident_id: int, now: datetime) -> IncidentRecord:
    return update_incident(db, incident_id, now=now, state="resolved")


def get_incident(db: Database, incident_id: int) -> IncidentRecord | None:
    with db.read() as session:
        row = session.get(IncidentRow, incident_id)
        return None if row is None else _incident(session, row)


def find_open_incident(db: Database, dedup_key: str) -> IncidentRecord | None:
    with db.read() as session:
        row = _open_row(session, dedup_key)
        return None if row is None else _incident(session, row)


def latest_incident(db: Database, dedup_key: str) -> IncidentRecord | None:
    """The open incident of this key, else its most recently opened one (flap damping)."""
    query = (
        select(IncidentRow)
        .where(IncidentRow.dedup_key == dedup_key)
        .order_by((IncidentRow.state != "resolved").desc(), IncidentRow.opened_at.desc(),
                  IncidentRow.id.desc())
        .limit(1)
    )
    with db.read() as session:
        row = session.scalars(query).first()
        return None if row is None else _incident(session, row)


def latest_incidents(db: Database, dedup_keys: Iterable[str]) -> dict[str, IncidentRecord]:
    """`latest_incident` of many keys in one read (keys without an incident are absent): the
    alert engine asks for every journey's at each evaluation."""
    keys = sorted(set(dedup_keys))
    ranked = (
        select(IncidentRow.id, func.row_number().over(
            partition_by=IncidentRow.dedup_key,
            order_by=((IncidentRow.state != "resolved").desc(), IncidentRow.opened_at.desc(),
                      IncidentRow.id.desc()),
        ).label("rank"))
        .where(IncidentRow.dedup_key.in_(keys))
        .subquery()
    )
    query = select(IncidentRow).join(ranked, ranked.c.id == IncidentRow.id).where(
        ranked.c.rank == 1)
    with db.read() as session:
        return {row.dedup_key: _incident(session, row) for row in session.scalars(query)}


def open_incidents(
    db: Database, *, kind: str | None = None, journey: str | None = None
) -> list[IncidentRecord]:
    """Firing and acknowledged incidents, oldest first."""
    return incidents(db, states=("firing", "acknowledged"), kind=kind, journey=journey)


def incidents(
    db: Database,
    *,
    states: Iterable[str] | None = None,
    kind: str | None = None,
    journey: str | None = None,
    since: datetime | None = None,
    limit: int | None = None,
    active_between: tuple[datetime, datetime] | None = None,
) -> list[IncidentRecord]:
    """Incidents opened since `since` (or still open), oldest first; `limit` keeps the newest.
    `active_between` = (start, end): only those open at some moment of [start, end)."""
    query = select(IncidentRow, JourneyRow.key).outerjoin(
        JourneyRow, IncidentRow.journey_id == JourneyRow.id
    )
    if states is not None:
        query = query.where(IncidentRow.state.in_(list(states)))
    if kind is not None:
        query = query.where(IncidentRow.kind == kind)
    if journey is not None:
        query = query.where(JourneyRow.key == journey)
    if since is not None:
        query = query.where((IncidentRow.opened_at >= since) | (IncidentRow.state != "resolved"))
    if active_between is not None:
        start, end = active_between
        query = query.where(IncidentRow.opened_at < end,
                            IncidentRow.resolved_at.is_(None) | (IncidentRow.resolved_at >= start))
    query = query.order_by(IncidentRow.opened_at.desc(), IncidentRow.id.desc())
    if limit is not None:
        query = query.limit(limit)
    with db.read() as session:
        rows = session.execute(query).all()
        return [_incident(session, row, key) for row, key in reversed(rows)]


def record_notification(
    db: Database,
    *,
    incident_id: int | None,
    channel: str,
    kind: str,
    ok: bool,
    sent_at: datetime,
    attempt: int = 1,
    error: str | None = None,
    redactor: Redactor | None = None,
) -> NotificationRecord:
    """One delivery attempt. `channel` is the channel's name: never store its URL."""
    if kind not in NOTIFICATION_KINDS:
        raise ValueError(f"notification kind must be one of {NOTIFICATION_KINDS}, got {kind!r}")
    with db.transaction() as session:
        if incident_id is not None and session.get(IncidentRow, incident_id) is None:
            raise UnknownIncident(f"no incident #{incident_id}")
        row = NotificationRow(
            incident_id=incident_id, channel=channel, kind=kind, attempt=attempt,
            sent_at=sent_at, ok=ok, error=(redactor or Redactor()).text(error),
        )
        session.add(row)
        session.flush()
        return _notification(row)


def notifications(
    db: Database, *, incident_id: int | None = None, channel: str | None = None
) -> list[NotificationRecord]:
    query = select(NotificationRow).order_by(NotificationRow.sent_at, NotificationRow.id)
    if incident_id is not None:
        query = query.where(NotificationRow.incident_id == incident_id)
    if channel is not None:
        query = query.where(NotificationRow.channel == channel)
    with db.read() as session:
        return [_notification(row) for row in session.scalars(query)]


def _open_row(session: Session, dedup_key: str) -> IncidentRow | None:
    return session.scalars(
        select(IncidentRow).where(
            IncidentRow.dedup_key == dedup_key, IncidentRow.state != "resolved"
        )
    ).first()


def _journey_id(session: Session, key: str | None, now: datetime) -> int | None:
    if key is None:
        return None
    return journey_row(session, JourneyInfo(key=key), now).id


def _json(details: dict[str, Any] | None) -> str | None:
    return None if details is None else json.dumps(details, sort_keys=True, default=str)


def _incident(session: Session, row: IncidentRow, key: str | None = None) -> IncidentRecord:
    if key is None and row.journey_id is not None:
        key = session.get(JourneyRow, row.journey_id).key  # type: ignore[union-attr]
    return IncidentRecord(
        id=row.id, dedup_key=row.dedup_key, journey=key, kind=row.kind, rule=row.rule,
        state=row.state, opened_at=row.opened_at, updated_at=row.updated_at,
        category=row.category, cause=row.cause, device=row.device,
        transaction=row.transaction, summary=row.summary, diagnosis=row.diagnosis,
        diagnosis_fr=row.diagnosis_fr, confidence=row.confidence,
        evidence_run_id=row.evidence_run_id,
        details=json.loads(row.details) if row.details else {},
        acknowledged_at=row.acknowledged_at, resolved_at=row.resolved_at,
        last_notified_at=row.last_notified_at,
    )


def _notification(row: NotificationRow) -> NotificationRecord:
    return NotificationRecord(
        id=row.id, incident_id=row.incident_id, channel=row.channel, kind=row.kind,
        attempt=row.attempt, sent_at=row.sent_at, ok=row.ok, error=row.error,
    )
