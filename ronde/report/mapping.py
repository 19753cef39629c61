"""Storage's records and KPI values turned into the read side's views (`ronde.report.facts`)."""

from __future__ import annotations

from collections.abc import Sequence

from ronde.report.facts import (
    ArtifactView,
    Availability,
    IncidentView,
    Percentiles,
    RunMark,
    RunView,
    StepView,
    TransactionView,
)
from storage import kpi
from storage.records import IncidentRecord, RunBrief, RunDetail, RunRecord


def view_availability(a: kpi.Availability | None) -> Availability:
    if a is None:
        return Availability(None, None, 0)
    return Availability(
        first_attempt=a.first_attempt,
        confirmed=a.confirmed,
        runs=a.first_total,
        failed_first=a.first_total - a.first_ok,
        failed_confirmed=a.rounds_total - a.rounds_ok,
        errors=a.first_errors,
    )


def sum_availability(items: Sequence[kpi.Availability]) -> kpi.Availability:
    return kpi.Availability(
        journey="*",
        first_ok=sum(a.first_ok for a in items),
        first_total=sum(a.first_total for a in items),
        first_errors=sum(a.first_errors for a in items),
        rounds_ok=sum(a.rounds_ok for a in items),
        rounds_total=sum(a.rounds_total for a in items),
        rounds_errors=sum(a.rounds_errors for a in items),
    )


def percentiles(s: kpi.Stats | None) -> Percentiles:
    return Percentiles(0) if s is None else Percentiles(s.count, s.p50, s.p95, s.p99)


def mark(r: RunRecord | RunBrief) -> RunMark:
    return RunMark(r.run_id, r.status or "running", r.started_at, r.attempt, r.device)


def run_view(
    r: RunRecord, detail: RunDetail | None = None, round_: tuple[RunMark, ...] = ()
) -> RunView:
    return RunView(
        run_id=r.run_id,
        journey=r.journey,
        device=r.device or "–",
        status=r.status or "running",
        category=r.category,
        started_at=r.started_at,
        duration_ms=r.duration_ms,
        attempt=r.attempt,
        confirms=r.confirms,
        error=r.error,
        load_ms=r.load_ms,
        transactions=tuple(
            TransactionView(t.name, t.status, t.response_ms, t.resolution_ms, t.category, t.is_load)
            for t in r.transactions
        ),
        steps=()
        if detail is None
        else tuple(
            StepView(s.position, s.command, s.description, s.status, s.started_ms,
                     s.duration_ms, s.category, s.error)
            for s in detail.steps
        ),
        artifacts=()
        if detail is None
        else tuple(ArtifactView(a.kind, a.path) for a in detail.artifacts),
        round=round_,
    )


def _robot_of(dedup_key: str) -> str | None:
    """A silent robot's incident is about that robot, not a journey."""
    name = dedup_key.removeprefix("robot:silent:")
    return f"robot {name}" if name != dedup_key else None


def incident_view(i: IncidentRecord) -> IncidentView:
    details = i.details or {}
    screenshot = details.get("screenshot")
    return IncidentView(
        id=str(i.id),
        journey=i.journey or str(details.get("journey") or _robot_of(i.dedup_key)
                                 or "(all journeys)"),
        state=i.state,
        kind=i.kind,
        category=i.category,
        diagnosis=i.diagnosis or i.summary,
        confidence=i.confidence,
        opened_at=i.opened_at,
        resolved_at=i.resolved_at,
        transaction=i.transaction,
        device=i.device,
        evidence_run_id=i.evidence_run_id,
        cause=i.cause,
        screenshot=screenshot if isinstance(screenshot, str) and screenshot else None,
        diagnosis_fr=i.diagnosis_fr,
    )
