"""A journey watched from several locations is judged per location: a site that fails alone
still trips the rules (its checks are not diluted by the other sites' passes), and the
journey keeps one incident per cause, whichever site it fails from."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from scheduler.alerts.model import Decision, RunFacts

Evaluate = Callable[[Sequence[RunFacts]], list[Decision]]


def per_location(journey: str, places: Sequence[str], runs: Sequence[RunFacts],
                 evaluate: Evaluate) -> list[Decision]:
    """`evaluate` (the journey's rules) on each location's own runs of `journey` (other
    journeys' runs kept whole: the diagnosis compares with them), merged by key: a decision
    that holds somewhere wins; else the one furthest from holding (most passes)."""
    merged: dict[str, Decision] = {}
    for place in places:
        mine = [r for r in runs if r.journey != journey or r.location == place]
        for decision in evaluate(mine):
            best = merged.get(decision.key)
            if best is None or _rank(decision) > _rank(best):
                merged[decision.key] = decision
    return list(merged.values())


def _rank(decision: Decision) -> tuple[bool, int, int]:
    return (decision.active, decision.holds, -decision.passes if decision.holds
            else decision.passes)
