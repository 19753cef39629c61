"""The alert engine: after every run and on a timer, rules -> incidents -> diagnosis -> notices.

The scheduler calls `after_run(result)` once a result is stored, and `tick()` every ~30 s
(re-notify, Alertmanager refresh, rules whose window slides with time). Evaluation is
serialized by a lock; delivery happens in the notifier's worker thread, never here.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from journeys.masking import Masker
from journeys.model import Journey
from journeys.results import RunResult
from journeys.variables import Variables
from scheduler.alerts import grouping, rules
from scheduler.alerts.errors import IncidentNotFound
from scheduler.alerts.incident_store import IncidentRepository
from scheduler.alerts.lifecycle import Event, Transition, acknowledge, advance
from scheduler.alerts.locations import per_location
from scheduler.alerts.model import (
    Decision,
    Incident,
    Kind,
    RunFacts,
    facts_from_result,
    facts_from_row,
)
from scheduler.alerts.prediagnosis import diagnose
from scheduler.alerts.settings import AlertContext, AlertSettings, Policy, effective_policy
from scheduler.alerts.site_devices import UNNAMED, fold_by_location, location_key
from scheduler.alerts.window import RecentRuns
from scheduler.maintenance import active_windows
from scheduler.signals import Job, Notice, Sender, as_utc
from storage.errors import DuplicateIncident

if TYPE_CHECKING:
    from storage import Store
    from storage.records import RunRecord

log = logging.getLogger(__name__)

# Richer facts (logcat lines, screenshots) kept for the rules' recent window, at most this many:
# older runs are still judged, from their stored rows.
_MAX_FACTS = 5_000

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class AlertEngine:
    def __init__(
        self,
        store: Store,
        config: AlertContext,
        journeys: Iterable[Journey] | Mapping[str, Journey] = (),
        *,
        clock: Clock = utc_now,
        notifier: Sender,
        settings: AlertSettings | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.store = store
        self.config = config
        self.clock = lambda: as_utc(clock())  # rules compare with stored, aware UTC times
        self.settings = config.alerts.over(settings or AlertSettings())
        self.environ = os.environ if environ is None else environ
        self.incidents = IncidentRepository(store, self.environ)
        self.artifacts_dir = Path(config.artifacts_dir)
        self.windows = tuple(config.maintenance)
        self.notifier = notifier  # built by the wiring (scheduler.alerting), records here
        self.journeys: dict[str, Journey] = {}
        self.set_journeys(journeys)
        self._lock = threading.RLock()
        self._facts: dict[str, RunFacts] = {}  # richer facts of recent results, by run_id
        self._recent_runs = RecentRuns(store)
        self._row_facts: dict[str, tuple[RunRecord, RunFacts]] = {}  # the window's, by run_id
        self._latest: dict[str, Incident | None] = {}  # read once per evaluation
        self._am_sent: dict[int, datetime] = {}
        # rules over more than runs, evaluated on each tick (a fleet: silent robots)
        self.extra_rules: list[Callable[[datetime, list[RunFacts]], list[Decision]]] = []

    # ---- the scheduler's entry points -----------------------------------------------------

    def set_journeys(self, journeys: Iterable[Journey] | Mapping[str, Journey]) -> None:
        """Replace the known journeys (the scheduler reloads changed files)."""
        values = journeys.values() if isinstance(journeys, Mapping) else journeys
        self.journeys = {j.id: j for j in values}

    def after_run(self, result: RunResult) -> list[Transition]:
        """Evaluate the rules touched by this (stored) result."""
        return self.after_runs([result])

    def after_runs(self, results: Iterable[RunResult]) -> list[Transition]:
        """Evaluate the rules touched by these (stored) results, once for all of them: the
        robot's writer stores results in batches, and each evaluation reads every journey."""
        results = list(results)
        if not results:
            return []
        with self._lock:
            keys: set[str] = set()
            for result in results:
                facts = facts_from_result(result, self.artifacts_dir)
                self._facts[facts.run_id] = facts
                keys.update(rules.robot_keys(facts))
                if facts.device and (facts.location or "") not in UNNAMED:
                    keys.add(location_key(facts.location or ""))  # its devices may all refuse
            while len(self._facts) > _MAX_FACTS:  # a fast robot between two ticks' pruning
                del self._facts[next(iter(self._facts))]
            now = self.clock()
            # grouping needs every failing journey: a cause is judged across all of them
            journeys = list(dict.fromkeys([*(r.journey for r in results), *self.journeys]))
            return self._evaluate(now, journeys=journeys, robot_keys=keys)

    def tick(self) -> list[Transition]:
        """Every journey and device: windows slide, reminders fall due, Alertmanager refresh."""
        with self._lock:
            now = self.clock()
            done = self._evaluate(now, journeys=list(self.journeys), robot_keys=None)
            self._refresh_alertmanager(now)
            self._forget(now)
            return done

    def acknowledge(self, incident_id: int, by: str | None = None) -> Incident:
        with self._lock:
            current = self.incidents.get(incident_id)
            if current is None:
                raise IncidentNotFound(incident_id)
            step = acknowledge(current, self.clock(), by)
            return self.incidents.save(step.incident) if step.changed else current  # type: ignore[arg-type]

    def close(self) -> None:
        self.notifier.close()

    # ---- evaluation -----------------------------------------------------------------------

    def _policy(self, journey_id: str) -> Policy:
        """The journey's `monitor.alert` over ronde.yaml's defaults over the built-in ones."""
        journey = self.journeys.get(journey_id)
        return effective_policy(journey.monitor if journey else None, self.settings,
                                self.settings.defaults)

    def _recent(self) -> timedelta:
        """History every evaluation reads: all journeys (diagnosis, robot rule)."""
        return timedelta(milliseconds=max(self.settings.diagnosis_lookback_ms * 2, 3_600_000))

    def _lookback(self, journey_id: str) -> timedelta:
        """History one journey's rules need: its window, or enough checks for its streaks."""
        journey = self.journeys.get(journey_id)
        if journey is None:
            return self._recent()
        policy = self._policy(journey_id)
        every = journey.monitor.every_ms or 86_400_000  # cron journeys: assume daily
        streak = (policy.consecutive_failures or 1) + self.settings.resolve_after_passes + 3
        need = max(policy.window_ms, every * streak, policy.slow_for_ms or 0)
        return max(self._recent(), timedelta(milliseconds=min(need, 14 * 86_400_000)))

    def _history(self, now: datetime, journey_ids: Iterable[str]) -> list[RunFacts]:
        recent = now - self._recent()
        records = self._recent_runs.read(recent)
        cached, self._row_facts = self._row_facts, {}
        for record in records:  # the window keeps its record objects: convert new ones only
            hit = cached.get(record.run_id)
            facts = hit[1] if hit is not None and hit[0] is record else facts_from_row(record)
            self._row_facts[record.run_id] = (record, facts)
        older = []
        for jid in journey_ids:
            since = now - self._lookback(jid)
            if since < recent:  # a slow schedule: this journey's older runs too
                older += self.store.runs(jid, since, recent)
        history = []
        for record, facts in [*self._row_facts.values(), *((r, None) for r in older)]:
            if record.status is None:
                continue
            facts = facts or facts_from_row(record)
            richer = self._facts.get(facts.run_id)
            history.append(_merge(facts, richer) if richer else facts)
        return history

    def _in_maintenance(self, run: RunFacts) -> bool:
        if not self.windows:
            return False
        journey = self.journeys.get(run.journey, run.journey)
        return bool(active_windows(self.windows, journey, run.device or None, run.started_at))

    def _silenced(self, decision: Decision, now: datetime) -> bool:
        if not self.windows:
            return False
        journey = self.journeys.get(decision.journey, decision.journey)
        device = decision.device if decision.device and "," not in decision.device else None
        return bool(active_windows(self.windows, journey, device, now))

    def _evaluate(
        self, now: datetime, *, journeys: list[str], robot_keys: set[str] | None
    ) -> list[Transition]:
        history = self._history(now, journeys)
        counted = [r for r in history if not self._in_maintenance(r)]
        by_journey: dict[str, list[RunFacts]] = {}
        for run in counted:  # each journey's rules read only its own runs
            by_journey.setdefault(run.journey, []).append(run)
        decisions: list[Decision] = []
        failing: list[Decision] = []
        for jid in journeys:
            for decision in self._journey_decisions(jid, by_journey.get(jid, []), now):
                (failing if decision.key == rules.failing_key(jid) else decisions).append(decision)
        resolve_after = self.settings.resolve_after_passes
        robot = rules.evaluate_robot(counted, now, errors=self.settings.robot_errors)
        for decision in fold_by_location(robot, counted):
            if robot_keys is None or decision.key in robot_keys:
                decisions.append(replace(decision, resolve_after=resolve_after))
        decisions += [replace(d, resolve_after=resolve_after) for d in rules.evaluate_flaky_devices(
            counted, now, flakes=self.settings.flaky_device_flakes,
            grace_ms=self.settings.confirm_grace_ms)]
        if robot_keys is None:
            decisions += self._extra(now, counted)
        self._latest = self.incidents.latest_many([d.key for d in (*failing, *decisions)])
        try:
            out = self._apply_groups(failing, now, history)
            for decision in decisions:
                step = self._apply(decision, now, history)
                if step.changed or step.event:
                    out.append(step)
        finally:
            self._latest = {}
        return out


    def _journey_decisions(self, jid: str, runs: list[RunFacts], now: datetime
                           ) -> list[Decision]:
        policy, grace = self._policy(jid), self.settings.confirm_grace_ms
        journey = self.journeys.get(jid)
        places = journey.monitor.locations if journey is not None else ()
        if len(places) < 2:
            return rules.evaluate_journey(jid, runs, policy, now, grace_ms=grace)
        return per_location(jid, places, runs, lambda mine: rules.evaluate_journey(
            jid, mine, policy, now, grace_ms=grace))

    def _extra(self, now: datetime, runs: list[RunFacts]) -> list[Decision]:
        out: list[Decision] = []
        for rule in self.extra_rules:
            try:
                out += rule(now, runs)
            except Exception as exc:  # e.g. heartbeats unreadable: the next tick tries again
                log.warning("alert rule %s not evaluated: %s", getattr(rule, "__name__", rule),
                            exc, extra={"event": "alerts_skipped"})
        return out

    def _latest_incident(self, key: str) -> Incident | None:
        if key in self._latest:
            return self._latest[key]
        return self.incidents.latest(key)

    def _apply_groups(self, failing: list[Decision], now: datetime,
                      history: list[RunFacts]) -> list[Transition]:
        """The failing journeys, one incident per diagnosed cause and scope (grouping)."""
        lookback = self.settings.diagnosis_lookback_ms
        active = [d for d in failing if d.active and not self._silenced(d, now)]
        # a journey that passed again is recovering: it stays in its incident, undiagnosed,
        # until `resolve_after` good checks (its stale failures must not split the group)
        recovering = {d.journey for d in active if d.passes > 0}
        fresh = [d for d in active if d.passes == 0]
        diagnosed = [(d, diagnose(d, history, now, lookback_ms=lookback)) for d in fresh]
        groups = grouping.group(diagnosed)
        by_journey = {d.journey: d for d in failing}
        assigned, leftover = grouping.assign(groups, self.incidents.open())
        out = []
        for item in assigned:
            decision = item.decision
            if item.incident is not None:
                keep = [j for j in item.incident.journeys
                        if j in recovering and j not in decision.journeys]
                decision = replace(decision, journeys=tuple(sorted((*decision.journeys, *keep))))
            step = self._apply(decision, now, history, current=item.incident)
            if step.changed or step.event:
                out.append(step)
        taken = {j for g in groups for j in g.journeys}
        for incident in leftover:  # no active journey left under this cause
            members = [by_journey[j] for j in incident.journeys or (incident.journey,)
                       if j in by_journey]
            if not members and incident.journey not in self.journeys:
                members = []  # a journey that is gone: its incident resolves
            moved = [m for m in members if m.journey in taken]
            if members and len(moved) < len(members):
                passes = min(m.passes for m in members if m.journey not in taken)
                need = min(m.resolve_after for m in members)
            else:  # recovered long ago, gone, or merged into another incident
                passes = need = self.settings.resolve_after_passes
            calm = Decision(key=incident.key, kind=incident.kind, journey=incident.journey,
                            holds=False, passes=passes, resolve_after=need,
                            availability=members[0].availability if members else None,
                            journeys=incident.journeys)
            step = self._apply(calm, now, history, current=incident)
            if step.changed or step.event:
                out.append(step)
        return out

    def _apply(self, decision: Decision, now: datetime, history: list[RunFacts],
               current: Incident | None = None) -> Transition:
        if current is None:
            current = self._latest_incident(decision.key)
        step = advance(current, decision, now, self.settings,
                       silenced=self._silenced(decision, now))
        if step.incident is None:
            return step
        incident = step.incident
        if decision.diagnosis is not None:  # re-diagnosed as evidence arrives, while it fires
            diagnosis = decision.diagnosis
        elif decision.active:
            diagnosis = diagnose(decision, history, now,
                                 lookback_ms=self.settings.diagnosis_lookback_ms)
        else:
            diagnosis = incident.diagnosis
        if diagnosis != incident.diagnosis:
            incident = incident.with_(diagnosis=diagnosis)
        if step.event in (Event.FIRING, Event.RENOTIFY):
            incident = incident.with_(notified_scope=incident.scope)
        if step.event in (Event.FIRING, Event.RENOTIFY, Event.UPDATED, Event.RESOLVED):
            incident = incident.with_(
                last_notified_at=now, notifications=incident.notifications + 1
            )
        changed = incident != current or step.changed
        if changed:
            self._latest.pop(decision.key, None)  # what was read is no longer the latest
            try:
                incident = self.incidents.save(incident, journey_secrets=self._secrets(incident))
            except DuplicateIncident:  # another robot on this database opened it first
                log.info("incident %s already opened by another robot", decision.key)
                return Transition(self.incidents.latest(decision.key), None, False)
        step = Transition(incident, step.event, changed)
        if step.event in (Event.FIRING, Event.RESOLVED):
            _log_incident(incident, step.event)
        if step.event is not None:
            self._notify(incident, step.event, decision, now)
        return step

    # ---- notices --------------------------------------------------------------------------

    def _notify(self, incident: Incident, event: Event, decision: Decision | None,
                now: datetime) -> list[Job]:
        try:
            notice = self._notice(incident, event, decision, now)
            jobs = self.notifier.notify(notice, self._channels(incident))
        except Exception as exc:  # the incident is stored; its reminder will try again
            log.error("could not queue the %s notice of incident %s: %s", event, incident.id,
                      exc, extra={"event": "alerts_failed", "journey": incident.journey})
            return []
        if incident.id is not None and any(j.destination == "alertmanager" for j in jobs):
            self._am_sent[incident.id] = now
        return jobs

    def _channels(self, incident: Incident) -> list[str] | None:
        """App incidents: the journeys' `notify` (a grouped incident: all of theirs), else
        ronde.yaml's default one (all channels when one names none); robot incidents:
        `alerts.robot_channels` (all when unset).
        """
        if incident.kind is Kind.ROBOT:
            operators = self.settings.robot_channels
            return None if operators is None else list(operators)
        wanted: list[str] = []
        for journey in incident.journeys or (incident.journey,):  # a group: every member's
            names = self._policy(journey).notify
            if not names:
                return None
            wanted += [n for n in names if n not in wanted]
        return wanted or None

    def _notice(self, incident: Incident, event: Event, decision: Decision | None,
                now: datetime) -> Notice:
        journey = self.journeys.get(incident.journey)
        slow = incident.key.endswith(":slow")
        if incident.kind is Kind.ROBOT:
            alertname, severity = "RondeRobotError", "warning"
        elif slow:
            alertname, severity = "RondeJourneySlow", "warning"
        else:
            alertname, severity = "RondeJourneyFailing", "critical"
        screenshot = (self.artifacts_dir / incident.screenshot).resolve() if (
            incident.screenshot) else None
        notice = Notice(
            event=str(event),
            kind=str(incident.kind),
            journey=incident.journey,
            journey_name=journey.name if journey else None,
            opened_at=incident.opened_at,
            now=now,
            incident_id=incident.id,
            alertname=alertname,
            severity=severity,
            rules=(*incident.rules, "slow") if slow else incident.rules,
            category=incident.category,
            transaction=incident.transaction,
            device=incident.device,
            availability=incident.availability,
            window_ms=decision.window_ms if decision else self._policy(incident.journey).window_ms,
            since=incident.since,
            resolved_at=incident.resolved_at,
            diagnosis=incident.diagnosis,
            screenshot=screenshot if screenshot and screenshot.is_file() else None,
            evidence_url=self._evidence_url(incident, screenshot),
            runbook_url=self._runbook_url(incident),
            flaps=incident.flaps,
            journeys=incident.journeys,
        )
        return notice.masked(self._masker(incident))

    def _evidence_url(self, incident: Incident, screenshot: Path | None) -> str | None:
        base = self.config.dashboard_url
        if base and incident.run_id:
            return f"{base.rstrip('/')}/runs/{incident.run_id}"
        if screenshot is not None:
            return screenshot.as_uri()
        return None

    def _runbook_url(self, incident: Incident) -> str | None:
        """`alerts.runbook_url`, else the incident on the dashboard, else none: a path on
        the robot's disk means nothing to whoever reads the notice elsewhere."""
        cause = incident.diagnosis.cause if incident.diagnosis else None
        url = self.settings.runbook(incident.journey, incident.category, cause)
        base = self.config.dashboard_url
        if url is None and base and incident.id is not None:
            url = f"{base.rstrip('/')}/incidents#incident-{incident.id}"
        return url

    def _secrets(self, incident: Incident) -> tuple[str, ...]:
        journey = self.journeys.get(incident.journey)
        return journey.monitor.secrets if journey else ()

    def _masker(self, incident: Incident) -> Callable[[str], str]:
        from storage.redact import Redactor

        names: set[str] = set(self._secrets(incident))
        for journey in self.journeys.values():  # a robot incident may span journeys
            names.update(journey.monitor.secrets)
        redactor = Redactor.for_secrets(names, self.environ)
        journey = self.journeys.get(incident.journey)
        masker = _journey_masker(journey, self.environ) if journey else None

        def mask(text: str) -> str:
            text = masker.mask(text) if masker is not None else text
            return redactor.text(text) or text

        return mask

    def _refresh_alertmanager(self, now: datetime) -> None:
        """Alertmanager forgets alerts not re-sent: refresh every open incident."""
        if self.notifier.alertmanager is None:
            return
        every = timedelta(milliseconds=self.settings.alertmanager_resend_ms)
        for incident in self.incidents.open():
            if incident.id is None:
                continue
            last = self._am_sent.get(incident.id)
            if last is not None and now - last < every:
                continue
            notice = self._notice(incident, Event.RENOTIFY, None, now)
            self.notifier.to_alertmanager(notice, quiet=True)
            self._am_sent[incident.id] = now

    def _forget(self, now: datetime) -> None:
        cutoff = now - self._recent()
        self._facts = {k: v for k, v in self._facts.items() if v.started_at >= cutoff}

    def record_delivery(self, job: Job, ok: bool, error: str | None) -> None:
        """The notifier's record of one delivery attempt (the notifications table)."""
        if ok and job.quiet:
            return  # routine Alertmanager refreshes: only their failures are worth a row
        self.incidents.record_notification(job, ok, error, self.clock())


def _merge(stored: RunFacts, fresh: RunFacts) -> RunFacts:
    """Storage's record, completed with what only the fresh RunResult had (evidence)."""
    return replace(
        stored,
        transaction=stored.transaction or fresh.transaction,
        step=fresh.step or stored.step,
        screenshot=fresh.screenshot or stored.screenshot,
        logcat_exception=fresh.logcat_exception or stored.logcat_exception,
        is_login=stored.is_login or fresh.is_login,
        category=stored.category or fresh.category,
        os_version=stored.os_version or fresh.os_version,
    )


def _journey_masker(journey: Journey, environ: Mapping[str, str]) -> Masker | None:
    """The journey's own Masker (None when its variables cannot be resolved)."""
    try:
        return Variables.for_journey(journey, environ=environ).masker
    except Exception as exc:  # a missing variable must not stop an alert
        log.debug("no masker for %s: %s", journey.id, exc)
        return None


def _log_incident(incident: Incident, event: Event) -> None:
    """One line in the robot's log when an incident opens or resolves: whoever watches the
    console or ronde.log sees it even with no channel configured."""
    cause = f" — {incident.diagnosis.title_en}" if incident.diagnosis is not None else ""
    level = logging.WARNING if event is Event.FIRING else logging.INFO
    log.log(level, "incident #%s %s: %s %s%s", incident.id, event.value, incident.kind.value,
            incident.journey, cause,
            extra={"event": f"incident_{event.value}", "journey": incident.journey,
                   "incident": incident.id,
                   "category": incident.category.value if incident.category else ""})

