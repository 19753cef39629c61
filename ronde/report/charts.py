"""Inline SVG charts for the report and the dashboard: no JavaScript, prints as it shows."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

from markupsafe import Markup

from ronde.report.facts import StepView
from ronde.report.formatting import ms

PALETTE = ("#2563eb", "#d97706", "#059669", "#dc2626", "#7c3aed", "#0891b2", "#be185d", "#4d7c0f")
GRID = "#e5e7eb"
INK = "#374151"
MUTED = "#6b7280"


def _svg(width: int, height: int, body: list[str], title: str) -> Markup:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" style="max-width:100%;height:auto" role="img" '
        f'aria-label="{escape(title)}" class="chart" '
        f'font-family="system-ui, sans-serif" font-size="12">'
        f"<title>{escape(title)}</title>"
    )
    return Markup(head + "".join(body) + "</svg>")


def line_chart(
    x_labels: Sequence[str],
    series: dict[str, Sequence[float | None]],
    *,
    title: str,
    y_min: float,
    y_max: float,
    y_format: Callable[[float], str] = lambda v: f"{v:g}",
    y_ticks: int = 5,
    width: int = 720,
    height: int = 260,
) -> Markup:
    """One line per series over categorical x labels; a None value breaks the line."""
    left, right, top, bottom = 72, 16, 16, 56
    plot_w, plot_h = width - left - right, height - top - bottom
    span = (y_max - y_min) or 1.0
    n = max(len(x_labels), 1)

    def x(i: int) -> float:
        return left + (plot_w * (i + 0.5) / n)

    def y(v: float) -> float:
        clamped = min(max(v, y_min), y_max)
        return top + plot_h * (1 - (clamped - y_min) / span)

    body: list[str] = []
    for k in range(y_ticks + 1):
        v = y_min + span * k / y_ticks
        yy = y(v)
        body.append(
            f'<line x1="{left}" x2="{width - right}" y1="{yy:.1f}" y2="{yy:.1f}" stroke="{GRID}"/>'
            f'<text x="{left - 6}" y="{yy + 4:.1f}" text-anchor="end" fill="{MUTED}">'
            f"{escape(y_format(v))}</text>"
        )
    step = max(1, n // 14)
    for i, label in enumerate(x_labels):
        if i % step == 0:
            body.append(
                f'<text x="{x(i):.1f}" y="{top + plot_h + 16}" text-anchor="middle" '
                f'fill="{MUTED}">{escape(label)}</text>'
            )
    for s, (name, values) in enumerate(series.items()):
        color = PALETTE[s % len(PALETTE)]
        runs: list[list[str]] = [[]]
        for i, v in enumerate(values):
            if v is None:
                runs.append([])
                continue
            runs[-1].append(f"{x(i):.1f},{y(v):.1f}")
            body.append(
                f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="3" fill="{color}">'
                f"<title>{escape(name)} {escape(x_labels[i])}: {escape(y_format(v))}</title>"
                "</circle>"
            )
        for points in runs:
            if len(points) > 1:
                body.append(
                    f'<polyline fill="none" stroke="{color}" stroke-width="2" '
                    f'points="{" ".join(points)}"/>'
                )
    body.extend(_legend(list(series), left, height - 14))
    return _svg(width, height, body, title)


def _legend(names: list[str], x0: int, y0: int) -> list[str]:
    out, x = [], float(x0)
    for s, name in enumerate(names):
        color = PALETTE[s % len(PALETTE)]
        out.append(
            f'<rect x="{x:.0f}" y="{y0 - 9}" width="10" height="10" fill="{color}"/>'
            f'<text x="{x + 14:.0f}" y="{y0}" fill="{INK}">{escape(name)}</text>'
        )
        x += 28 + 7 * len(name)
    return out


def bar_chart(
    rows: Sequence[tuple[str, Sequence[float | None]]],
    *,
    title: str,
    series: Sequence[str],
    value_format: Callable[[float], str] = lambda v: f"{v:g}",
    width: int = 720,
) -> Markup:
    """Horizontal bars: one group per row label, one bar per series (e.g. p50 and p95)."""
    label_w, right, bar_h, gap = 230, 80, 14, 10
    group_h = bar_h * len(series) + gap
    top = 8
    legend_h = 24 if len(series) > 1 else 0
    height = top + group_h * max(len(rows), 1) + legend_h + 4
    plot_w = width - label_w - right
    peak = max((v for _, vs in rows for v in vs if v is not None), default=0.0) or 1.0
    body: list[str] = []
    for r, (label, values) in enumerate(rows):
        gy = top + r * group_h
        shown = label if len(label) <= 34 else label[:33] + "…"
        body.append(
            f'<text x="{label_w - 8}" y="{gy + group_h / 2 - gap / 2 + 4:.1f}" text-anchor="end" '
            f'fill="{INK}"><title>{escape(label)}</title>{escape(shown)}</text>'
        )
        for s, v in enumerate(values):
            by = gy + s * bar_h
            color = PALETTE[s % len(PALETTE)]
            w = 0.0 if v is None else plot_w * v / peak
            text = "–" if v is None else value_format(v)
            body.append(
                f'<rect x="{label_w}" y="{by}" width="{max(w, 1.0):.1f}" height="{bar_h - 2}" '
                f'fill="{color}" rx="2"><title>{escape(label)} {escape(series[s])}: '
                f"{escape(text)}</title></rect>"
                f'<text x="{label_w + w + 6:.1f}" y="{by + bar_h - 4}" fill="{INK}">'
                f"{escape(text)}</text>"
            )
    if len(series) > 1:
        body.extend(_legend(list(series), label_w, height - 8))
    return _svg(width, height, body, title)


STATUS_COLORS = {
    "passed": "#059669",
    "degraded": "#d97706",
    "failed": "#dc2626",
    "error": "#6b7280",
}


def step_timeline(steps: Sequence[StepView], *, width: int = 720) -> Markup:
    """A Gantt strip of a run's steps: where the time went, and which step failed."""
    label_w, right, row_h, top = 250, 70, 18, 20
    height = top + row_h * max(len(steps), 1) + 8
    plot_w = width - label_w - right
    end = max((s.started_ms + s.duration_ms for s in steps), default=0.0) or 1.0
    body: list[str] = []
    for k in range(5):
        t = end * k / 4
        xx = label_w + plot_w * k / 4
        body.append(
            f'<line x1="{xx:.1f}" x2="{xx:.1f}" y1="{top - 4}" y2="{height - 6}" stroke="{GRID}"/>'
            f'<text x="{xx:.1f}" y="{top - 8}" text-anchor="middle" fill="{MUTED}">'
            f"{t / 1000:.1f} s</text>"
        )
    for r, step in enumerate(steps):
        y = top + r * row_h
        desc = str(step.description)
        shown = desc if len(desc) <= 38 else desc[:37] + "…"
        color = STATUS_COLORS.get(str(step.status), MUTED)
        x = label_w + plot_w * step.started_ms / end
        w = max(plot_w * step.duration_ms / end, 2.0)
        body.append(
            f'<text x="{label_w - 8}" y="{y + 12}" text-anchor="end" fill="{INK}">'
            f"<title>{escape(desc)}</title>{escape(shown)}</text>"
            f'<rect x="{x:.1f}" y="{y + 2}" width="{w:.1f}" height="{row_h - 5}" rx="2" '
            f'fill="{color}"><title>{escape(desc)}: {step.duration_ms:.0f} ms, '
            f"{escape(str(step.status))}</title></rect>"
            f'<text x="{x + w + 4:.1f}" y="{y + 12}" fill="{MUTED}">'
            f"{escape(ms(step.duration_ms))}</text>"
        )
    return _svg(width, height, body, "Step timeline")
