"""The incident state machine: firing -> (acknowledged) -> resolved, one incident per cause.

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

    `current` is the open incident of that key, or its most recent resolved one: a re-fire
    soon after resolving opens a new incident marked as flapping, and each flap makes the
    next resolution wait for more good checks and more calm time (resolved stays final).
    """
    if current is None or current.state is IncidentState.RESOLVED:
        if not decision.holds or silenced:
            return NOTHING
        flaps = 0
        if (
            current is not None
            and current.resolved_at is not None
            and now - current.resolved_at < _ms(settings.flap_window_ms)
        ):
            flaps = current.flaps + 1  # came back soon after resolving: flapping
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
            flaps=flaps,
        )
        return Transition(opened, Event.FIRING, True)

    # an open incident (firing or acknowledged)
    if decision.holds:
        updated = _refresh(current, decision)
        due = current.last_notified_at is None or (
            now - current.last_notified_at >= _ms(settings.renotify_ms)
        )
        if current.state is IncidentState.FIRING and due and not silenced:
            return Transition(updated, Event.RENOTIFY, True)
        return Transition(updated, None, updated != current)
    # a flapping cause must stay calm longer before it counts as resolved (damping)
    damp = 1 + min(current.flaps, 3)
    calm_enough = now - current.changed_at >= _ms(settings.min_flip_ms * damp)
    if decision.passes >= settings.resolve_after_passes * damp and calm_enough:
        resolved = current.with_(
            state=IncidentState.RESOLVED,
            resolved_at=now,
            changed_at=now,
            availability=decision.availability,
        )
        return Transition(resolved, Event.RESOLVED, True)
    return NOTHING


def acknowledge(current: Incident, now: datetime, by: str | None = None) -> Transition:
    """Someone is on it: reminders stop; the incident still resolves by itself."""
    if current.state is not IncidentState.FIRING:
        return Transition(current, None, False)
    acked = current.with_(
        state=IncidentState.ACKNOWLEDGED, acknowledged_at=now, acknowledged_by=by
    )
    return Transition(acked, Event.ACKNOWLEDGED, True)


def _refresh(current: Incident, decision: Decision) -> Incident:
    """Keep identifying fields (labels) stable; refresh what describes the current state."""
    return current.with_(
        rules=decision.rules or current.rules,
        availability=decision.availability,
        run_id=decision.evidence[-1].run_id if decision.evidence else current.run_id,
        screenshot=_screenshot(decision) or current.screenshot,
    )


def _screenshot(decision: Decision) -> str | None:
    return next((r.screenshot for r in reversed(decision.evidence) if r.screenshot), None)
