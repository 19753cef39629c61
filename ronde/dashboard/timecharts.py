"""Server-rendered SVG over one time axis: heartbeat bar, p50/p95 lines, incident strip.

Every chart of the journey page shares `Axis`, so a slice, an incident and a response-time
point line up vertically. No script and no inline style (the dashboard's CSP allows none):
sizing comes from `svg.chart` in style.css, colours from presentation attributes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from html import escape
from urllib.parse import urlencode

from markupsafe import Markup

from ronde.dashboard.figures import Beat, Series
from ronde.report.facts import IncidentView
from ronde.report.formatting import ms, pct, when
from storage.series import Slices

WIDTH = 640
LEFT, RIGHT = 58, 14
GRID, INK, MUTED = "#e5e7eb", "#374151", "#6b7280"
OK, WARN, BAD, EMPTY = "#059669", "#d97706", "#dc2626", "#e5e7eb"
P50, P95, SLOW = "#2563eb", "#7c3aed", "#dc2626"


@dataclass(frozen=True, slots=True)
class Axis:
    slices: Slices
    width: int = WIDTH

    @property
    def plot_w(self) -> float:
        return self.width - LEFT - RIGHT

    def x(self, index: float) -> float:
        return LEFT + self.plot_w * index / self.slices.count

    def at(self, moment: datetime) -> float:
        span = (self.slices.width * self.slices.count).total_seconds()
        share = (moment - self.slices.since).total_seconds() / span
        return LEFT + self.plot_w * min(max(share, 0.0), 1.0)

    def labels(self, y: float) -> list[str]:
        """About five time labels under a chart, formatted for the window's length."""
        span = self.slices.width * self.slices.count
        fmt = "%H:%M" if span <= timedelta(days=2) else "%m-%d"
        out = []
        for k in range(5):
            moment = self.slices.since + span * k / 4
            anchor = "start" if k == 0 else "end" if k == 4 else "middle"
            out.append(f'<text x="{self.at(moment):.1f}" y="{y:.1f}" text-anchor="{anchor}" '
                       f'fill="{MUTED}">{moment.strftime(fmt)}</text>')
        return out


def _svg(width: int, height: int, body: list[str], title: str, css: str) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}" '
        f'class="chart {css}" font-family="system-ui, sans-serif" font-size="12">'
        f"<title>{escape(title)}</title>" + "".join(body) + "</svg>"
    )


def _color(confirmed: float | None) -> str:
    if confirmed is None:
        return EMPTY
    return OK if confirmed >= 1.0 else BAD if confirmed == 0.0 else WARN


def heartbeat(beats: Sequence[Beat], axis: Axis, journey: str) -> Markup:
    """One bar per slice, coloured by confirmed availability; each links to its runs."""
    top, bar_h = 4, 30
    body: list[str] = []
    slot = axis.plot_w / max(len(beats), 1)
    for b in beats:
        a = b.availability
        text = (f"{when(b.start)} – {when(b.end)}: "
                + (f"{pct(a.confirmed)} confirmed, {pct(a.first_attempt)} first attempt, "
                   f"{a.runs} runs" if a.confirmed is not None else "no run"))
        query = urlencode({"journey": journey, "since": b.start.isoformat(),
                           "until": b.end.isoformat()})
        body.append(
            f'<a href="/runs?{escape(query)}"><rect x="{axis.x(b.index) + 0.5:.1f}" y="{top}" '
            f'width="{max(slot - 1.0, 1.0):.1f}" height="{bar_h}" rx="1.5" '
            f'fill="{_color(b.availability.confirmed)}"><title>{escape(text)}</title></rect></a>'
        )
    body += axis.labels(top + bar_h + 16)
    return _svg(axis.width, top + bar_h + 22, body, "Availability over time", "heartbeat")


def response_chart(s: Series, axis: Axis, slow_ms: float | None, title: str) -> Markup:
    """p50 and p95 per slice as two lines, and the `slow` threshold as a dashed line."""
    top, plot_h = 10, 130
    peak = max([p.p95 or 0.0 for p in s.points if p] + [slow_ms or 0.0, 1.0])
    y_max = _nice(peak * 1.1)

    def y(v: float) -> float:
        return top + plot_h * (1 - min(v, y_max) / y_max)

    body: list[str] = []
    for k in range(5):
        v = y_max * k / 4
        body.append(f'<line x1="{LEFT}" x2="{axis.width - RIGHT}" y1="{y(v):.1f}" '
                    f'y2="{y(v):.1f}" stroke="{GRID}"/>'
                    f'<text x="{LEFT - 6}" y="{y(v) + 4:.1f}" text-anchor="end" '
                    f'fill="{MUTED}">{escape(ms(v))}</text>')
    if slow_ms is not None:
        body.append(f'<line x1="{LEFT}" x2="{axis.width - RIGHT}" y1="{y(slow_ms):.1f}" '
                    f'y2="{y(slow_ms):.1f}" stroke="{SLOW}" stroke-dasharray="6 4" '
                    f'class="slow"><title>slow: {escape(ms(slow_ms))}</title></line>'
                    f'<text x="{axis.width - RIGHT}" y="{y(slow_ms) - 4:.1f}" text-anchor="end" '
                    f'fill="{SLOW}">slow {escape(ms(slow_ms))}</text>')
    for name, color, pick in (("p95", P95, lambda p: p.p95), ("p50", P50, lambda p: p.p50)):
        runs: list[list[str]] = [[]]
        for i, p in enumerate(s.points):
            v = pick(p) if p else None
            if v is None:
                runs.append([])
                continue
            cx = axis.x(i + 0.5)
            runs[-1].append(f"{cx:.1f},{y(v):.1f}")
            body.append(f'<circle cx="{cx:.1f}" cy="{y(v):.1f}" r="2.5" fill="{color}">'
                        f"<title>{name} {escape(when(axis.slices.start(i)))}: "
                        f"{escape(ms(v))}</title></circle>")
        body += [f'<polyline fill="none" stroke="{color}" stroke-width="2" '
                 f'points="{" ".join(r)}"/>' for r in runs if len(r) > 1]
    body += axis.labels(top + plot_h + 16)
    legend_y = top + plot_h + 36
    body.append(f'<rect x="{LEFT}" y="{legend_y - 9}" width="10" height="10" fill="{P50}"/>'
                f'<text x="{LEFT + 14}" y="{legend_y}" fill="{INK}">p50</text>'
                f'<rect x="{LEFT + 52}" y="{legend_y - 9}" width="10" height="10" fill="{P95}"/>'
                f'<text x="{LEFT + 66}" y="{legend_y}" fill="{INK}">p95</text>')
    if slow_ms is not None:
        body.append(f'<line x1="{LEFT + 106}" x2="{LEFT + 124}" y1="{legend_y - 4}" '
                    f'y2="{legend_y - 4}" stroke="{SLOW}" stroke-dasharray="6 4"/>'
                    f'<text x="{LEFT + 128}" y="{legend_y}" fill="{INK}">slow threshold</text>')
    return _svg(axis.width, legend_y + 6, body, title, "response")


def incident_strip(incidents: Sequence[IncidentView], axis: Axis, end: datetime) -> Markup:
    """Each incident as a bar from opening to resolution (or now), linked to its page."""
    row_h, top = 16, 4
    rows = max(len(incidents), 1)
    body: list[str] = [f'<line x1="{LEFT}" x2="{axis.width - RIGHT}" y1="{top + rows * row_h}" '
                       f'y2="{top + rows * row_h}" stroke="{GRID}"/>']
    for r, i in enumerate(incidents):
        x0 = axis.at(i.opened_at)
        x1 = max(axis.at(i.resolved_at or end), x0 + 3)
        color = OK if i.state == "resolved" else WARN if i.state == "acknowledged" else BAD
        text = (f"#{i.id} {i.state} · {i.category or 'unknown'} · {when(i.opened_at)}"
                + (f" → {when(i.resolved_at)}" if i.resolved_at else ""))
        body.append(f'<a href="/incidents/{escape(i.id)}"><rect x="{x0:.1f}" '
                    f'y="{top + r * row_h + 2}" width="{x1 - x0:.1f}" height="{row_h - 5}" '
                    f'rx="2" fill="{color}"><title>{escape(text)}</title></rect></a>')
    if not incidents:
        body.append(f'<text x="{LEFT}" y="{top + 12}" fill="{MUTED}">no incident</text>')
    body += axis.labels(top + rows * row_h + 16)
    return _svg(axis.width, top + rows * row_h + 22, body, "Incidents over time", "incidents")


def _nice(v: float) -> float:
    """A round axis maximum at or above v (1, 2, 2.5, 5 × 10^k)."""
    magnitude = 10 ** len(str(int(max(v, 1.0)))) / 10
    for step in (1, 2, 2.5, 5, 10):
        if v <= step * magnitude:
            return step * magnitude
    return v


def status_bars(days: Sequence[Beat], journey: str) -> Markup:
    """The status page's daily bars: colour and a date, nothing that reveals internals."""
    width, gap, height = 540, 1.0, 34
    slot = width / max(len(days), 1)
    body = [_status_bar(d.index, d.start, d.availability.confirmed, slot, gap, height)
            for d in days]
    return _svg(width, height, body, f"{journey}: availability per day", "days")


@lru_cache(maxsize=32_768)  # a past day's bar is written once: the page draws 9 000 (#13)
def _status_bar(index: int, start: datetime, confirmed: float | None, slot: float, gap: float,
                height: int) -> str:
    text = f"{start:%Y-%m-%d}: " + ("no data" if confirmed is None else
                                    f"{pct(confirmed)} available")
    return (f'<rect x="{index * slot:.1f}" y="0" width="{max(slot - gap, 1.0):.1f}" '
            f'height="{height}" rx="1.5" fill="{_color(confirmed)}">'
            f"<title>{escape(text)}</title></rect>")
