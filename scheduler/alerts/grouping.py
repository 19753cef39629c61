"""One incident per cause and scope: journeys failing for the same diagnosed cause are grouped,
as Alertmanager's `group_by` groups alerts, so fifty journeys behind one broken backend raise
one incident that lists them, not fifty.

Pure functions: the engine hands in each failing journey's decision with its diagnosis and the
open incidents, and gets back the grouped decisions and which open incident each one continues.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

from scheduler.alerts.model import Decision, Incident, Kind
from scheduler.signals import Diagnosis

# Causes that lie outside one journey: every journey they hit joins the same incident.
SHARED_CAUSES = frozenset({
    "backend_outage", "network_outage", "backend_endpoint", "authentication", "device",
    "device_build", "release_regression", "third_party",
    # what one journey alone shows of a shared backend or network: the journeys that fail
    # this way together are one incident until the evidence names the wider cause
    "backend_errors", "network", "unresponsive",
})


def group_key(decision: Decision, diagnosis: Diagnosis) -> str:
    """`app:<cause>[:<scope>]` for a shared cause, else the journey's own key."""
    if diagnosis.cause not in SHARED_CAUSES:
        return decision.key
    return f"app:{diagnosis.cause}" + (f":{diagnosis.scope}" if diagnosis.scope else "")


def group(diagnosed: Sequence[tuple[Decision, Diagnosis]]) -> list[Decision]:
    """The journeys' active decisions merged per cause and scope, each with its diagnosis."""
    buckets: dict[str, list[tuple[Decision, Diagnosis]]] = {}
    for decision, diagnosis in diagnosed:
        buckets.setdefault(group_key(decision, diagnosis), []).append((decision, diagnosis))
    return [_merge(key, members) for key, members in buckets.items()]


def _merge(key: str, members: list[tuple[Decision, Diagnosis]]) -> Decision:
    members = sorted(members, key=lambda m: m[0].journey)
    decisions = [d for d, _ in members]
    best = max(members, key=lambda m: m[1].confidence)[1]
    if len(decisions) == 1:
        return replace(decisions[0], key=key, journeys=(decisions[0].journey,), diagnosis=best)
    evidence = tuple(sorted((r for d in decisions for r in d.evidence),
                            key=lambda r: r.started_at))
    devices = sorted({r.device for r in evidence if r.device})
    categories = Counter(d.category for d in decisions if d.category)
    transactions = Counter(d.transaction for d in decisions if d.transaction)
    availabilities = [d.availability for d in decisions if d.availability is not None]
    onsets = [d.since for d in decisions if d.since is not None]
    return Decision(
        key=key,
        kind=Kind.APP,
        journey=decisions[0].journey,
        holds=True,
        rules=tuple(dict.fromkeys(r for d in decisions for r in d.rules)),
        category=categories.most_common(1)[0][0] if categories else None,
        transaction=transactions.most_common(1)[0][0] if transactions else None,
        device=",".join(devices) or None,
        availability=min(availabilities) if availabilities else None,
        window_ms=decisions[0].window_ms,
        since=min(onsets) if onsets else None,
        evidence=evidence,
        passes=0,
        facts=decisions[0].facts,
        resolve_after=min(d.resolve_after for d in decisions),
        journeys=tuple(d.journey for d in decisions),
        diagnosis=best,
    )


@dataclass(frozen=True, slots=True)
class Assignment:
    decision: Decision
    incident: Incident | None  # the open incident it continues (None: look up by key)


def assign(groups: Sequence[Decision], open_incidents: Sequence[Incident]) -> tuple[
        list[Assignment], list[Incident]]:
    """Which open incident each group continues (same key, else the most shared journeys), and
    the open incidents no group continues (they resolve, or were merged into another)."""
    free = [i for i in open_incidents if i.kind is Kind.APP and not i.key.endswith(":slow")]
    out: list[Assignment] = []
    for decision in sorted(groups, key=lambda d: -len(d.journeys)):
        mine = set(decision.journeys)
        same = next((i for i in free if i.key == decision.key), None)
        if same is None:
            overlaps = [(len(mine & set(i.journeys or (i.journey,))), i) for i in free]
            overlaps = [(n, i) for n, i in overlaps if n]
            same = max(overlaps, key=lambda x: (x[0], -(x[1].id or 0)))[1] if overlaps else None
        if same is not None:
            free.remove(same)
        out.append(Assignment(decision, same))
    return out, free
