"""The pages that read `Figures`: a journey over time, the runs with filters and paging, one
incident, a device's runs, and the read-only status page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from journeys.results import Category, Status
from ronde.dashboard.figures import RANGES, Figures, RunFilter
from ronde.dashboard.timecharts import Axis, heartbeat, incident_strip, response_chart, status_bars

PAGE_SIZE = 50
MAX_PAGE = 200
PERIODS = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30)}
Render = Callable[..., Response]


def _bad(message: str) -> HTTPException:
    return HTTPException(400, message)


def _choice(request: Request, name: str, allowed: tuple[str, ...]) -> str | None:
    value = request.query_params.get(name) or None
    if value is not None and value not in allowed:
        raise _bad(f"{name}={value!r}: expected one of {', '.join(allowed)}")
    return value


def _moment(request: Request, name: str) -> datetime | None:
    value = request.query_params.get(name) or None
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise _bad(f"{name}={value!r}: expected an ISO date or time, like 2026-11-20 or "
                   "2026-11-20T12:00:00+00:00") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _limit(request: Request) -> int:
    value = request.query_params.get("limit") or str(PAGE_SIZE)
    if not value.isdigit() or not 1 <= int(value) <= MAX_PAGE:
        raise _bad(f"limit={value!r}: expected a number of runs from 1 to {MAX_PAGE}")
    return int(value)


def run_filter(request: Request, now: datetime, journeys: tuple[str, ...],
               devices: tuple[str, ...]) -> tuple[RunFilter, str | None]:
    """The runs page's filters from its query string; 400 with what was expected if wrong."""
    period = _choice(request, "period", tuple(PERIODS))
    since, until = _moment(request, "since"), _moment(request, "until")
    if period is not None:
        since, until = now - PERIODS[period], None
    if since and until and since >= until:
        raise _bad("since must come before until")
    where = RunFilter(
        journey=_choice(request, "journey", journeys),
        device=_choice(request, "device", devices),
        status=_choice(request, "status", tuple(s.value for s in Status)),
        category=_choice(request, "category", tuple(c.value for c in Category)),
        since=since, until=until,
    )
    return where, period


def page_routes(figures: Figures | None, page: Render, clock: Callable[[], datetime]
                ) -> list[Route]:
    def need() -> Figures:
        if figures is None:
            raise HTTPException(503, "This page needs the results database")
        return figures

    def journey(request: Request) -> Response:
        f = need()
        key = request.path_params["journey"]
        range_key = _choice(request, "range", tuple(RANGES)) or "24h"
        found = f.journey(key, f.window(range_key, clock()))
        if found is None:
            raise HTTPException(404, f"No journey {key!r} has run")
        axis = Axis(found.window.slices)
        charts = [(s, response_chart(s, axis, found.slow_ms, f"{s.name}: response time"))
                  for s in found.transactions]
        load = response_chart(found.load, axis, None, "Load time")
        return page(request, "journey.html", f"Journey {key}", j=found, ranges=RANGES,
                    heartbeat=heartbeat(found.beats, axis, key), charts=charts,
                    load_chart=load if found.load.overall.count else None,
                    incident_chart=incident_strip(found.incidents, axis, clock()))

    def runs(request: Request) -> Response:
        f = need()
        menus = f.menus()
        where, period = run_filter(request, clock(), menus.journeys, menus.devices)
        before = request.query_params.get("before") or None
        found = f.runs(where, _limit(request), before)
        kept = {k: v for k, v in request.query_params.items() if k != "before" and v}
        next_url = (f"/runs?{urlencode({**kept, 'before': found.next_before})}"
                    if found.next_before else None)
        title = f"Runs of {where.journey}" if where.journey else "Runs"
        return page(request, "runs.html", title, where=where, period=period, menus=menus,
                    runs=found.runs, next_url=next_url, first_url=(
                        f"/runs?{urlencode(kept)}" if before else None),
                    statuses=[s.value for s in Status], categories=[c.value for c in Category],
                    periods=PERIODS)

    def incident(request: Request) -> Response:
        f = need()
        raw = request.path_params["incident_id"]
        found = f.incident(int(raw)) if raw.isdigit() else None
        if found is None:
            raise HTTPException(404, "No such incident")
        end = found.resolved_at or clock()
        runs = f.runs(RunFilter(journey=found.journey, since=found.opened_at - timedelta(
            minutes=30), until=end + timedelta(seconds=1)), PAGE_SIZE, None)
        query = urlencode({"journey": found.journey,
                           "since": (found.opened_at - timedelta(minutes=30)).isoformat(),
                           "until": (end + timedelta(seconds=1)).isoformat()})
        return page(request, "incident.html", f"Incident #{found.id}", i=found,
                    runs=runs.runs, more_runs=f"/runs?{query}" if runs.next_before else None)

    def device(request: Request) -> Response:
        name = request.path_params["device"]
        return RedirectResponse(f"/runs?{urlencode({'device': name})}", status_code=303)

    def status(request: Request) -> Response:
        f = need()
        journeys = f.status(clock())
        bars = {j.journey: status_bars(j.days, j.journey) for j in journeys}
        return page(request, "status.html", "Status", journeys=journeys, bars=bars)

    return [
        Route("/journeys/{journey}", journey),
        Route("/runs", runs),
        Route("/incidents/{incident_id}", incident),
        Route("/devices/{device}", device),
        Route("/status", status),
    ]
