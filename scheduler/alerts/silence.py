"""The silent-robot rule: a robot of the fleet that stopped beating without saying goodbye.

A pure function of stored facts: the robots' heartbeats and the runs. A robot whose latest
heartbeat is not stopped and older than `dead_after` (three missed beats) is silent; its
incident names who took its journeys over (the robots that ran them since). It resolves when
the robot beats again, or stops cleanly. Robots silent for more than `forget_after` are
history (an old heartbeat row must not page anyone on the day a fleet is set up).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from scheduler.alerts.model import Decision, Kind, RunFacts, as_utc

FORGET_AFTER = timedelta(days=1)


def silent_key(robot: str) -> str:
    return f"robot:silent:{robot}"


def latest_beats(beats: Iterable[Any]) -> dict[str, Any]:
    """Each robot's latest heartbeat (a robot restarted under its name has several)."""
    latest: dict[str, Any] = {}
    for beat in beats:
        name = getattr(beat, "robot_name", "") or beat.host
        if name not in latest or beat.started_at >= latest[name].started_at:
            latest[name] = beat
    return latest


def is_silent(beat: Any, now: datetime, dead_after: timedelta) -> bool:
    """The silence rule, in its one place: not stopped, and no beat for `dead_after`."""
    return beat.stopped_at is None and now - as_utc(beat.last_beat_at) > dead_after


def gone_robots(beats: Iterable[Any], now: datetime, dead_after: timedelta) -> set[str]:
    """Robots that will not run what they claimed: silent, or stopped (their latest beat)."""
    return {name for name, beat in latest_beats(beats).items()
            if beat.stopped_at is not None or is_silent(beat, now, dead_after)}


def evaluate_silent_robots(
    beats: Iterable[Any], runs: Sequence[RunFacts], now: datetime, *, dead_after: timedelta,
    forget_after: timedelta = FORGET_AFTER,
) -> list[Decision]:
    """One decision per robot seen within `forget_after`: holds while it is silent."""
    decisions = []
    for name, beat in sorted(latest_beats(beats).items()):
        last = as_utc(beat.last_beat_at)
        if now - last > forget_after:
            continue
        silent = is_silent(beat, now, dead_after)
        watched = tuple(getattr(beat, "running", ()) or ())
        facts: tuple[tuple[str, str], ...] = ()
        if silent:
            takers = sorted({r.robot for r in runs if r.robot and r.robot != name
                             and r.journey in watched and r.started_at > last})
            facts = (_title(name, last, takers, getattr(beat, "location", "")),
                     (f"last heartbeat {last:%H:%M:%S} UTC from host {beat.host} (pid "
                      f"{beat.pid}); it watched {len(watched)} journey(s)",
                      f"dernier battement {last:%H:%M:%S} UTC de l'hôte {beat.host} (pid "
                      f"{beat.pid}) ; il surveillait {len(watched)} parcours"))
        decisions.append(Decision(
            key=silent_key(name), kind=Kind.ROBOT, journey="", holds=silent,
            rules=("robot_silent",) if silent else (), since=last if silent else None,
            passes=0 if silent else 1, resolve_after=1, facts=facts,
            journeys=watched,
        ))
    return decisions


def _title(name: str, last: datetime, takers: list[str], location: str) -> tuple[str, str]:
    where = f" ({location})" if location and location != "default" else ""
    if takers:
        moved = f"its journeys moved to {', '.join(takers)}"
        moved_fr = f"ses parcours sont passés à {', '.join(takers)}"
    else:
        moved = "no other robot has run its journeys yet"
        moved_fr = "aucun autre robot n'a encore joué ses parcours"
    return (f"Robot {name}{where} silent since {last:%H:%M} UTC; {moved}",
            f"Robot {name}{where} muet depuis {last:%H:%M} UTC ; {moved_fr}")
