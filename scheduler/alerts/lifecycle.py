"""The incident state machine: firing -> (acknowledged) -> resolved (-> firing again when it
flaps), one incident per cause.

`advance` is pure: given the open (or last) incident of a cause, the rules' decision, the
clock and whether a maintenance window silences the cause, it returns the next incident and
the event to notify, if any. Persistence is the engine's job (through `storage.incidents`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from scheduler.alerts.model import Decision, Incident, IncidentState
from scheduler.alerts.settings import AlertSettings


class Event(StrEnum):
    FIRING = "firing"  # a new incident, or one reopened after a short calm (flapping)
    RENOTIFY = "renotify"  # still firing, re-notified at the interval
    RESOLVED = "resolved"
    UPDATED = "updated"  # still firing; its scope (journeys) or its diagnosed cause changed
    ACKNOWLEDGED = "acknowledged"
    TEST = "test"


@dataclass(frozen=True, slots=True)
class Transition:
    incident: Incident | None  # the incident to store (None: nothing to store)
    event: Event | None  # what to notify (None: nothing)
    changed: bool  # the stored incident must be written


NOTHING = Transition(None, None, False)


def _ms(delta_ms: int) -> timedelta:
    return timedelta(milliseconds=delta_ms)


def advance(
    current: Incident | None,
    decision: Decision,
    now: datetime,
    settings: AlertSettings,
    *,
    silenced: bool = False,
) -> Transition:
    """One step of the lifecycle of the cause `decision.key`.

    `current` is the open incident of that key, or its most recent resolved one. The cause
    resolves once the journey passed `decision.resolve_after` checks in a row, whatever an
    availability window still says; a cause that comes back within `flap_window` of resolving
    reopens that same incident, marked flapping, instead of opening another.
    """
    if current is None or current.state is IncidentState.RESOLVED:
        if not decision.active or silenced:
            return NOTHING
        if (
            current is not None
            and current.resolved_at is not None
            and now - current.resolved_at < _ms(settings.flap_window_ms)
        ):
            reopened = _refresh(current, decision).with_(
                state=IncidentState.FIRING, resolved_at=None, changed_at=now,
                flaps=current.flaps + 1, acknowledged_at=None, acknowledged_by=None,
                since=decision.since or current.since,
            )
            return Transition(reopened, Event.FIRING, True)
        opened = Incident(
            key=decision.key,
            kind=decision.kind,
            journey=decision.journey,
            state=IncidentState.FIRING,
            opened_at=now,
            changed_at=now,
            rules=decision.rules,
            category=decision.category,
            transaction=decision.transaction,
            device=decision.device,
            availability=decision.availability,
            since=decision.since,
            run_id=decision.evidence[-1].run_id if decision.evidence else None,
            screenshot=_screenshot(decision),
            journeys=decision.journeys or (decision.journey,),
            devices=_devices(decision),
        )
        return Transition(opened, Event.FIRING, True)

    # an open incident (firing or acknowledged)
    if decision.active:
        updated = _refresh(current, decision)
        settled = current.last_notified_at is None or (
            now - current.last_notified_at >= _ms(settings.group_interval_ms))
        if _scope_changed(updated) and settled and not silenced:
            return Transition(updated.with_(notified_scope=updated.scope), Event.UPDATED, True)
        due = current.last_notified_at is None or (
            now - current.last_notified_at >= _ms(settings.renotify_ms)
        )
        if current.state is IncidentState.FIRING and due and not silenced:
            return Transition(updated, Event.RENOTIFY, True)
        return Transition(updated, None, updated != current)
    if decision.passes < decision.resolve_after:
        return NOTHING  # the rule stopped holding, but the journey has not proven itself yet
    resolved = current.with_(
        state=IncidentState.RESOLVED,
        resolved_at=now,
        changed_at=now,
        availability=decision.availability,
    )
    return Transition(resolved, Event.RESOLVED, True)


def _scope_changed(incident: Incident) -> bool:
    """Worth a notice: the journeys it affects, or its diagnosed cause, differ from what the
    last notice said."""
    if not incident.notified_scope or incident.diagnosis is None:
        return False
    return incident.notified_scope != incident.scope


def _devices(decision: Decision) -> tuple[str, ...]:
    return tuple(sorted({r.device for r in decision.evidence if r.device}))


def acknowledge(current: Incident, now: datetime, by: str | None = None) -> Transition:
    """Someone is on it: reminders stop; the incident still resolves by itself."""
    if current.state is not IncidentState.FIRING:
        return Transition(current, None, False)
    acked = current.with_(
        state=IncidentState.ACKNOWLEDGED, acknowledged_at=now, acknowledged_by=by
    )
    return Transition(acked, Event.ACKNOWLEDGED, True)


def _refresh(current: Incident, decision: Decision) -> Incident:
    """Keep identifying fields (labels) stable; refresh what describes the current state:
    the evidence, the journeys and devices it affects, the diagnosis."""
    return current.with_(
        rules=decision.rules or current.rules,
        availability=decision.availability,
        run_id=decision.evidence[-1].run_id if decision.evidence else current.run_id,
        screenshot=_screenshot(decision) or current.screenshot,
        journeys=decision.journeys or current.journeys or (decision.journey,),
        devices=tuple(sorted(set(current.devices) | set(_devices(decision)))),
        diagnosis=decision.diagnosis or current.diagnosis,
    )


def _screenshot(decision: Decision) -> str | None:
    return next((r.screenshot for r in reversed(decision.evidence) if r.screenshot), None)
