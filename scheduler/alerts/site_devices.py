"""When every device of one location refuses sessions, that is one cause (the location's Grid
node, network or power), so it is one robot incident for the location, not one per device.

A pure function of the robot rule's per-device decisions and the stored runs: a location's
devices are those its robots ran on lately (runs carry the robot's location). The location
holds while each of its devices (two at least) ends in a streak of `error` runs and one of
them has reached the threshold; its device decisions are then folded into it. It stops
holding as soon as one of them works again, and the devices still failing are back on their
own. Robots without a named location (one host, `default`) keep per-device incidents.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace

from scheduler.alerts.model import Decision, Kind, RunFacts

UNNAMED = ("", "default")


def location_key(place: str) -> str:
    return f"robot:location:{place}"


def device_key(device: str) -> str:
    return f"robot:device:{device}"


def fold_by_location(decisions: Sequence[Decision], runs: Sequence[RunFacts]) -> list[Decision]:
    """`decisions` (the robot rule's) with each location whose devices all refuse sessions
    as one decision in place of its devices', plus a calm decision for every other location
    of two devices or more (so an open location incident can resolve)."""
    by_key = {d.key: d for d in decisions}
    sites: dict[str, set[str]] = defaultdict(set)
    for run in runs:
        if run.device and (run.location or "") not in UNNAMED:
            sites[run.location or ""].add(run.device)
    folded: set[str] = set()
    located: list[Decision] = []
    for place, devices in sorted(sites.items()):
        if len(devices) < 2:
            continue
        mine = [by_key.get(device_key(d)) for d in sorted(devices)]
        refusing = [d for d in mine if d is not None and d.evidence]
        if len(refusing) == len(mine) and any(d.holds for d in refusing):
            folded.update(d.key for d in refusing)
            located.append(_down(place, sorted(devices), refusing))
        else:
            passes = max((d.passes for d in mine if d is not None), default=0)
            located.append(Decision(key=location_key(place), kind=Kind.ROBOT, journey="",
                                    holds=False, passes=passes))
    return [d for d in decisions if d.key not in folded] + located


def _down(place: str, devices: list[str], refusing: list[Decision]) -> Decision:
    evidence = tuple(sorted((r for d in refusing for r in d.evidence),
                            key=lambda r: r.started_at))
    last = evidence[-1]
    error = next((r.error for r in reversed(evidence) if r.error), "") or str(last.category)
    names = ", ".join(devices)
    title = (f"All {len(devices)} devices at {place} refuse sessions ({names}): {error[:200]}",
             f"Les {len(devices)} appareils de {place} refusent les sessions ({names}) : "
             f"{error[:200]}")
    first = min(refusing, key=lambda d: d.since or last.started_at)
    return replace(
        first, key=location_key(place), holds=True, device=",".join(devices),
        journey=evidence[0].journey, since=evidence[0].started_at, evidence=evidence,
        passes=0, category=last.category, facts=(title, *(f for d in refusing
                                                          for f in d.facts)),
        journeys=tuple(dict.fromkeys(r.journey for r in evidence)),
    )
