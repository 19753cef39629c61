"""Alert rules: pure functions of stored runs and a wall-clock `now`, returning decisions.

Only confirmed failures count against the app: a failed first attempt whose confirmation
passed is a flake, and `error` runs (the robot's own fault) feed the separate robot rule.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from journeys.results import Category, Status
from scheduler.alerts.model import Check, Decision, Kind, Outcome, RunFacts
from scheduler.alerts.settings import Policy


def failing_key(journey: str) -> str:
    return f"app:{journey}:failing"


def slow_key(journey: str) -> str:
    return f"app:{journey}:slow"


APPIUM_KEY = "robot:appium"


def robot_key(run: RunFacts) -> str:
    """A session refused is the device's fault; no device free, or Ronde's own bug (a secret
    not set, ...), is the journey's; the Appium server Ronde runs being down is one cause for
    every device and journey it serves."""
    if run.category is Category.APPIUM_DOWN:
        return APPIUM_KEY
    if run.device and run.category not in (Category.NO_DEVICE, Category.ROBOT):
        return f"robot:device:{run.device}"
    return f"robot:journey:{run.journey}"


def robot_keys(run: RunFacts) -> tuple[str, ...]:
    """The robot causes a run speaks for: an `error` its own; a run that ran, both its
    device's and its journey's (they work)."""
    if run.status is Status.ERROR:
        return (robot_key(run),)
    keys = (f"robot:journey:{run.journey}",)
    return (f"robot:device:{run.device}", *keys) if run.device else keys


# ---- checks ---------------------------------------------------------------------------


def build_checks(
    runs: Iterable[RunFacts], *, retries: int, now: datetime, grace_ms: int
) -> list[Check]:
    """Group each first attempt with its confirmations and say what the check means."""
    runs = sorted(runs, key=lambda r: (r.started_at, r.attempt))
    by_id = {r.run_id: r for r in runs}
    heads: dict[str, list[RunFacts]] = {}
    for run in runs:
        if run.attempt <= 1 or not run.confirms:
            heads[run.run_id] = [run]
            continue
        root = run.confirms
        seen = set()
        while root in by_id and by_id[root].confirms and root not in seen:
            seen.add(root)
            root = by_id[root].confirms  # type: ignore[assignment]
        if root in heads:
            heads[root].append(run)
        # a confirmation whose first attempt is outside the history says nothing alone
    grace = timedelta(milliseconds=grace_ms)
    checks = [
        Check(first=group[0], attempts=tuple(group), outcome=_outcome(group, retries, now, grace))
        for group in heads.values()
    ]
    return sorted(checks, key=lambda c: c.at)


def _outcome(group: list[RunFacts], retries: int, now: datetime, grace: timedelta) -> Outcome:
    first = group[0]
    if first.status is Status.PASSED:
        return Outcome.UP
    if first.status is Status.DEGRADED:
        return Outcome.DEGRADED
    if first.status is Status.ERROR:
        return Outcome.ERROR
    confirmations = group[1:]
    if any(r.status in (Status.PASSED, Status.DEGRADED) for r in confirmations):
        return Outcome.FLAKE
    if confirmations:  # failed again, or could not be re-run: the failure stands
        return Outcome.DOWN
    if retries <= 0 or now - first.started_at >= grace:
        return Outcome.DOWN
    return Outcome.PENDING


# ---- the app rules --------------------------------------------------------------------


def _trailing(checks: Sequence[Check], pred) -> list[Check]:
    streak: list[Check] = []
    for check in reversed(checks):
        if not pred(check):
            break
        streak.append(check)
    return streak[::-1]


def availability(checks: Sequence[Check], window_ms: int, now: datetime) -> float | None:
    """Confirmed availability in percent over the window (None when nothing counted)."""
    start = now - timedelta(milliseconds=window_ms)
    counted = [c for c in checks if c.outcome.counted and start <= c.at <= now]
    if not counted:
        return None
    return 100.0 * sum(c.outcome.good for c in counted) / len(counted)


def failing_decision(
    journey: str, checks: Sequence[Check], policy: Policy, now: datetime
) -> Decision:
    """Availability under the threshold, or N consecutive confirmed failures."""
    counted = [c for c in checks if c.outcome.counted]
    down_streak = _trailing(counted, lambda c: c.outcome is Outcome.DOWN)
    passes = len(_trailing(counted, lambda c: c.outcome.good))
    avail = availability(checks, policy.window_ms, now)
    rules: list[str] = []
    facts: list[tuple[str, str]] = []
    n = policy.consecutive_failures
    if n and len(down_streak) >= n:
        rules.append("consecutive_failures")
        facts.append((
            f"{len(down_streak)} confirmed failures in a row (threshold {n})",
            f"{len(down_streak)} échecs confirmés d'affilée (seuil {n})",
        ))
    threshold = policy.availability_below
    minutes = round(policy.window_ms / 60_000)
    if threshold is not None and avail is not None and avail < threshold:
        rules.append("availability")
        facts.append((
            f"availability {avail:.1f}% over {minutes} min, below {threshold:g}%",
            f"disponibilité {avail:.1f} % sur {minutes} min, sous {threshold:g} %",
        ))
    if down_streak:
        evidence_checks = down_streak
    else:
        start = now - timedelta(milliseconds=policy.window_ms)
        evidence_checks = [c for c in counted if c.outcome is Outcome.DOWN and c.at >= start]
    evidence = tuple(r for c in evidence_checks for r in c.attempts if r.status is Status.FAILED)
    last = evidence[-1] if evidence else None
    devices = tuple(dict.fromkeys(r.device for r in evidence))
    return Decision(
        key=failing_key(journey),
        kind=Kind.APP,
        journey=journey,
        holds=bool(rules),
        rules=tuple(rules),
        category=last.category if last else None,
        transaction=last.transaction if last else None,
        device=",".join(devices) if devices else None,
        availability=avail,
        window_ms=policy.window_ms,
        since=evidence_checks[0].at if evidence_checks else None,
        evidence=evidence,
        passes=passes,
        facts=tuple(facts),
        resolve_after=policy.resolve_after,
    )


def slow_decision(
    journey: str, checks: Sequence[Check], policy: Policy, now: datetime
) -> Decision | None:
    """Degraded (a transaction over `slow`) without a break for `slow_for`."""
    if policy.slow_for_ms is None:
        return None
    counted = [c for c in checks if c.outcome.counted]
    streak = _trailing(counted, lambda c: c.outcome is Outcome.DEGRADED)
    passes = len(_trailing(counted, lambda c: c.outcome in (Outcome.UP, Outcome.FLAKE)))
    lasted = (now - streak[0].at) if streak else timedelta(0)
    holds = bool(streak) and lasted >= timedelta(milliseconds=policy.slow_for_ms)
    facts: tuple[tuple[str, str], ...] = ()
    if holds:
        minutes = round(lasted.total_seconds() / 60)
        facts = ((
            f"degraded on {len(streak)} checks in a row for {minutes} min",
            f"dégradé sur {len(streak)} contrôles d'affilée depuis {minutes} min",
        ),)
    evidence = tuple(c.first for c in streak)
    last = evidence[-1] if evidence else None
    devices = tuple(dict.fromkeys(r.device for r in evidence))
    return Decision(
        key=slow_key(journey),
        kind=Kind.APP,
        journey=journey,
        holds=holds,
        rules=("slow",) if holds else (),
        category=last.category if last and last.category else None,
        transaction=last.transaction if last else None,
        device=",".join(devices) if devices else None,
        availability=availability(checks, policy.window_ms, now),
        window_ms=policy.window_ms,
        since=streak[0].at if streak else None,
        evidence=evidence,
        passes=passes,
        facts=facts,
        resolve_after=policy.resolve_after,
    )


def evaluate_journey(
    journey: str, runs: Iterable[RunFacts], policy: Policy, now: datetime, *, grace_ms: int
) -> list[Decision]:
    """Every app decision for one journey (its failing cause, and its slow cause if enabled)."""
    own = [r for r in runs if r.journey == journey and r.started_at <= now]
    checks = build_checks(own, retries=policy.retries, now=now, grace_ms=grace_ms)
    decisions = [failing_decision(journey, checks, policy, now)]
    slow = slow_decision(journey, checks, policy, now)
    if slow is not None:
        decisions.append(slow)
    return decisions


# ---- the robot rule -------------------------------------------------------------------


def evaluate_robot(runs: Iterable[RunFacts], now: datetime, *, errors: int) -> list[Decision]:
    """Persistent `error` runs per device (or per journey when no device could be leased), and
    Ronde's own Appium server staying down (a journey could not run `errors` times in a row
    because of it: a crash that a restart cures within a round is no incident)."""
    runs = sorted((r for r in runs if r.started_at <= now), key=lambda r: r.started_at)
    served = {r.device for r in runs if r.category is Category.APPIUM_DOWN and r.device}
    groups: dict[str, list[RunFacts]] = defaultdict(list)
    for run in runs:
        if run.category is Category.ABORTED:
            continue  # a robot stopped mid-run says nothing about the device
        for key in robot_keys(run):
            groups[key].append(run)
        if run.status is not Status.ERROR and run.device in served:
            groups[APPIUM_KEY].append(run)  # a run on its devices: the server works again
    decisions = []
    for key, group in groups.items():
        streak: list[RunFacts] = []
        for run in reversed(group):
            if run.status is not Status.ERROR:
                break
            streak.append(run)
        streak.reverse()
        passes = 0
        for run in reversed(group):
            if run.status is Status.ERROR:
                break
            passes += 1
        if key == APPIUM_KEY:
            per_journey = Counter(r.journey for r in streak)
            holds = bool(streak) and max(per_journey.values()) >= errors
        else:
            holds = len(streak) >= errors
        last = streak[-1] if streak else group[-1]
        journeys = tuple(dict.fromkeys(r.journey for r in streak))
        facts: tuple[tuple[str, str], ...] = ()
        if holds and key == APPIUM_KEY:
            facts = ((
                f"{len(streak)} runs of {len(journeys)} journey(s) could not be run while "
                f"Ronde's Appium server was down (threshold {errors} in a row for one journey)",
                f"{len(streak)} exécutions de {len(journeys)} parcours impossibles pendant "
                f"l'arrêt du serveur Appium de Ronde (seuil {errors} d'affilée pour un "
                "parcours)",
            ),)
        elif holds:
            on_device = key.startswith("robot:device:")
            where = f"device {last.device}" if on_device else f"journey {last.journey}"
            where_fr = f"l'appareil {last.device}" if on_device else f"le parcours {last.journey}"
            facts = ((
                f"{len(streak)} runs in a row could not be run on {where} (threshold {errors})",
                f"{len(streak)} exécutions d'affilée impossibles sur {where_fr} (seuil {errors})",
            ),)
        decisions.append(Decision(
            key=key,
            kind=Kind.ROBOT,
            journey=journeys[0] if journeys else last.journey,
            holds=holds,
            rules=("robot_errors",) if holds else (),
            category=last.category if streak else None,
            device=None if key == APPIUM_KEY else last.device or None,  # serves them all
            since=streak[0].started_at if streak else None,
            evidence=tuple(streak),
            passes=passes,
            facts=facts,
        ))
    return decisions


# ---- the flaky-device rule ------------------------------------------------------------


def flaky_key(device: str) -> str:
    return f"robot:flaky:{device}"


def evaluate_flaky_devices(runs: Iterable[RunFacts], now: datetime, *, flakes: int,
                           grace_ms: int) -> list[Decision]:
    """A device whose first attempts keep failing while their confirmations on other devices
    pass: each check alone is a flake, together they are a broken (or flaky) phone in the pool,
    which would otherwise stay invisible."""
    checks = build_checks((r for r in runs if r.started_at <= now), retries=1, now=now,
                          grace_ms=grace_ms)
    per_device: dict[str, list[Check]] = defaultdict(list)
    for check in checks:
        if check.outcome.counted and check.first.device:
            per_device[check.first.device].append(check)
    decisions = []
    for device, own in per_device.items():
        streak = _trailing(own, lambda c, d=device: _flake_elsewhere(c, d))
        passes = len(_trailing(own, lambda c: c.outcome in (Outcome.UP, Outcome.DEGRADED)))
        if not streak and not passes:
            continue
        holds = len(streak) >= flakes
        evidence = tuple(c.first for c in streak)
        elsewhere = sorted({r.device for c in streak for r in c.attempts[1:]
                            if r.status in (Status.PASSED, Status.DEGRADED) and r.device})
        categories = Counter(r.category for r in evidence if r.category)
        journeys = tuple(dict.fromkeys(r.journey for r in evidence))
        facts: tuple[tuple[str, str], ...] = ()
        if holds:
            facts = ((
                f"{len(streak)} first attempts in a row failed on {device} while their "
                f"confirmations passed on {', '.join(elsewhere)} (threshold {flakes})",
                f"{len(streak)} premières tentatives d'affilée ont échoué sur {device} alors que "
                f"leurs confirmations passaient sur {', '.join(elsewhere)} (seuil {flakes})",
            ),)
        last = evidence[-1] if evidence else own[-1].first
        decisions.append(Decision(
            key=flaky_key(device),
            kind=Kind.ROBOT,
            journey=journeys[0] if journeys else last.journey,
            holds=holds,
            rules=("flaky_device",) if holds else (),
            category=categories.most_common(1)[0][0] if categories else None,
            transaction=last.transaction if evidence else None,
            device=device,
            since=evidence[0].started_at if evidence else None,
            evidence=evidence,
            passes=passes,
            facts=facts,
            journeys=journeys,
        ))
    return decisions


def _flake_elsewhere(check: Check, device: str) -> bool:
    return check.outcome is Outcome.FLAKE and any(
        r.device != device and r.status in (Status.PASSED, Status.DEGRADED)
        for r in check.attempts[1:])
