"""The trial report as one self-contained HTML page (inline CSS and SVG; prints to PDF as is)."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

from markupsafe import Markup

from ronde import __version__
from ronde.report.charts import bar_chart, line_chart
from ronde.report.facts import Availability, IncidentView, Trial
from ronde.report.formatting import environment
from ronde.report.language import Language


def render_report(
    trial: Trial,
    *,
    title: str = "Ronde trial report",
    generated_at: datetime | None = None,
    lang: str = "en",
) -> str:
    """The report in `lang` (`en` or `fr`): every text, number, date and duration."""
    generated_at = generated_at or datetime.now(UTC)
    language = Language.named(lang)
    env = environment("ronde.report")
    env.filters.update(pct=language.pct, ms=language.ms, when=language.when,
                       duration=language.duration, span=language.span, num=language.number)
    env.globals.update(_=language.text, n_=language.plural, term=language.term)
    return env.get_template("report.html").render(
        title=title,
        lang=language.code,
        trial=trial,
        generated_at=generated_at,
        version=__version__,
        period_seconds=(trial.until - trial.since).total_seconds(),
        data_seconds=(trial.last_run_at - trial.first_run_at).total_seconds()
        if trial.first_run_at and trial.last_run_at else None,
        success_rate=overall_success_rate(trial),
        app_incidents=[i for i in trial.incidents if i.kind == "app"],
        robot_incidents=[i for i in trial.incidents if i.kind != "app"],
        downtime=incident_downtime(trial.incidents, trial.until),
        causes=incident_causes(trial.incidents, trial.until),
        charts=_charts(trial, language),
    )


def overall_success_rate(trial: Trial) -> float | None:
    """Transaction success rate over every attempted transaction (weighted by attempts)."""
    attempts = sum(t.attempts for t in trial.transactions)
    if not attempts:
        return None
    ok = sum((t.success_rate or 0.0) * t.attempts for t in trial.transactions)
    return ok / attempts


def incident_downtime(incidents: tuple[IncidentView, ...], until: datetime) -> timedelta:
    """Time app incidents were open (an incident still open counts up to `until`)."""
    total = timedelta()
    for i in incidents:
        if i.kind == "app":
            end = i.resolved_at or until
            total += max(end - i.opened_at, timedelta())
    return total


def incident_causes(
    incidents: tuple[IncidentView, ...], until: datetime
) -> list[tuple[str, int, timedelta]]:
    """App incidents grouped by cause (else category): how many, and how long open in all."""
    groups: dict[str, tuple[int, timedelta]] = {}
    for i in incidents:
        if i.kind != "app":
            continue
        name = (i.cause or i.category or "unknown").replace("_", " ")
        count, total = groups.get(name, (0, timedelta()))
        groups[name] = (count + 1, total + max((i.resolved_at or until) - i.opened_at,
                                                timedelta()))
    return sorted(
        ((name, n, total) for name, (n, total) in groups.items()), key=lambda g: -g[2]
    )


def _charts(trial: Trial, lang: Language) -> dict[str, Markup]:
    charts: dict[str, Markup] = {}
    # the axis starts on the day of the first run: 10 minutes of data is not 10 empty days
    days = _days(trial.first_run_at or trial.since, trial.until)
    if trial.per_day:
        by_key = {(d.journey, d.day): d.availability for d in trial.per_day}
        series = {
            j: [_confirmed(by_key.get((j, day))) for day in days] for j in trial.journeys
        }
        lowest = min((v for vs in series.values() for v in vs if v is not None), default=1.0)
        y_min = min(0.9, (int(lowest * 20) / 20))  # round down to 5 %
        charts["availability"] = line_chart(
            [lang.day(day) for day in days],
            series,
            title=lang.text("Confirmed availability per day"),
            y_min=y_min,
            y_max=1.0,
            y_format=lambda v: lang.pct(v, 0),
        )
    if any(v is not None for vs in trial.hourly_p95.values() for v in vs):
        peak = max(v for vs in trial.hourly_p95.values() for v in vs if v is not None)
        charts["hourly"] = line_chart(
            [f"{h:02d}" for h in range(24)],
            dict(trial.hourly_p95),
            title=lang.text("Response time p95 by hour of day (UTC)"),
            y_min=0.0,
            y_max=_nice_ceiling(peak),
            y_format=lang.ms,
            y_ticks=4,
        )
    measured = [t for t in trial.transactions if t.times.count]
    if measured:
        charts["response"] = bar_chart(
            [(f"{t.journey} · {t.name}", (t.times.p50, t.times.p95)) for t in measured],
            title=lang.text("Response time per transaction (p50, p95)"),
            series=("p50", "p95"),
            value_format=lang.ms,
        )
    loads = [(j, p) for j, p in trial.load_times.items() if p.count]
    if loads:
        charts["load"] = bar_chart(
            [(j, (p.p50, p.p95)) for j, p in loads],
            title=lang.text("Load time per journey (p50, p95)"),
            series=("p50", "p95"),
            value_format=lang.ms,
        )
    if trial.errors:
        charts["errors"] = bar_chart(
            [(lang.term(c.category), (float(c.count),)) for c in trial.errors],
            title=lang.text("Failed runs by category"),
            series=(lang.text("runs"),),
            value_format=lambda v: lang.number(v),
        )
    return charts


def _nice_ceiling(value: float) -> float:
    """The next round figure above `value` (1, 2, 2.5, 5 × 10^n), for a chart's top."""
    if value <= 0:
        return 1.0
    scale = 10 ** math.floor(math.log10(value))
    return next(m * scale for m in (1, 2, 2.5, 5, 10) if m * scale >= value)


def _days(since: datetime, until: datetime) -> list[date]:
    """Every calendar day (UTC) the period touches: a day without runs shows as a gap."""
    first, last = since.astimezone(UTC).date(), (until - timedelta(microseconds=1)).astimezone(
        UTC
    ).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _confirmed(a: Availability | None) -> float | None:
    return None if a is None else a.confirmed


__all__ = ["incident_causes", "incident_downtime", "overall_success_rate", "render_report"]
