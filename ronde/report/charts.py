"""Inline SVG charts for the report and the dashboard: no JavaScript, prints as it shows."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from html import escape

from markupsafe import Markup

from ronde.report.facts import StepView
from ronde.report.formatting import ms

PALETTE = ("#2563eb", "#d97706", "#059669", "#dc2626", "#7c3aed", "#0891b2", "#be185d", "#4d7c0f")
GRID = "#e5e7eb"
INK = "#374151"
MUTED = "#6b7280"
#: The charts' one inline style; the dashboard's Content-Security-Policy allows it by hash.
SVG_STYLE = "max-width:100%;height:auto"


def _svg(width: int, height: int, body: list[str], title: str) -> Markup:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" style="{SVG_STYLE}" role="img" '
        f'aria-label="{escape(title)}" class="chart" '
        f'font-family="system-ui, sans-serif" font-size="12">'
        f"<title>{escape(title)}</title>"
    )
    return Markup(head + "".join(body) + "</svg>")


CHAR_W = 7.0  # a generous width of one character at font-size 12, for layout
LINE_H = 15


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
    """One line per series over categorical x labels; a None value breaks the line. The legend
    names every series in full, on as many rows as it takes (the chart grows to hold them)."""
    left, right, top = 72, 16, 16
    legend, legend_rows = _legend(list(series), left, width - right)
    bottom = 40 + LINE_H * legend_rows
    height = max(height, top + 150 + bottom)
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
    widest = max((len(label) for label in x_labels), default=1) * CHAR_W + 8
    step = max(1, math.ceil(n * widest / plot_w))
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
    body.extend(_shift(legend, top + plot_h + 40))
    return _svg(width, height, body, title)


def _legend(names: list[str], x0: int, x_max: int) -> tuple[list[str], int]:
    """Legend items laid out left to right, wrapping onto new rows before `x_max`; returns
    the items (rows at y = 0, LINE_H, ...; shift them with `_shift`) and the number of rows."""
    out: list[str] = []
    x, row = float(x0), 0
    for s, name in enumerate(names):
        item_w = 14 + CHAR_W * len(name) + 14
        if x > x0 and x + item_w - 14 > x_max:
            x, row = float(x0), row + 1
        color = PALETTE[s % len(PALETTE)]
        y0 = row * LINE_H
        out.append(
            f'<rect x="{x:.0f}" y="{y0 - 9}" width="10" height="10" fill="{color}"/>'
            f'<text x="{x + 14:.0f}" y="{y0}" fill="{INK}">{escape(name)}</text>'
        )
        x += item_w
    return out, (row + 1 if names else 0)


def _shift(items: list[str], dy: float) -> list[str]:
    return [f'<g transform="translate(0 {dy:.0f})">{"".join(items)}</g>'] if items else []


def wrap(label: str, chars: int) -> list[str]:
    """`label` on lines of at most `chars` characters, broken at spaces, then after `-`, `_`
    or `.` inside a word too long for a line; nothing is ever dropped."""
    lines: list[str] = []
    for word in label.split():
        pieces = [word]
        if len(word) > chars:
            pieces = [p for p in re.split(r"(?<=[-_./])", word) if p]
            pieces = [p[i : i + chars] for p in pieces for i in range(0, len(p), chars)]
        for k, piece in enumerate(pieces):
            glue = "" if k else " "
            if lines and len(lines[-1]) + len(glue) + len(piece) <= chars:
                lines[-1] += glue + piece
            else:
                lines.append(piece)
    return lines or [""]


def bar_chart(
    rows: Sequence[tuple[str, Sequence[float | None]]],
    *,
    title: str,
    series: Sequence[str],
    value_format: Callable[[float], str] = lambda v: f"{v:g}",
    width: int = 720,
) -> Markup:
    """Horizontal bars: one group per row label, one bar per series (e.g. p50 and p95). Row
    labels are wrapped, never cut; the right margin fits the longest value label."""
    label_w, bar_h, gap = 250, 14, 10
    chars = int((label_w - 12) / CHAR_W)
    texts = [["–" if v is None else value_format(v) for v in vs] for _, vs in rows]
    right = 12 + CHAR_W * max((len(t) for ts in texts for t in ts), default=4)
    plot_w = width - label_w - right
    legend, legend_rows = _legend(list(series), label_w, width) if len(series) > 1 else ([], 0)
    top = 8
    peak = max((v for _, vs in rows for v in vs if v is not None), default=0.0) or 1.0
    body: list[str] = []
    gy = float(top)
    for (label, values), row_texts in zip(rows, texts, strict=True):
        parts = label.split(" · ")  # "journey · transaction": the journey on its own line
        lines = [line for k, part in enumerate(parts)
                 for line in wrap(part + (" ·" if k < len(parts) - 1 else ""), chars)]
        group_h = max(bar_h * len(series), LINE_H * len(lines)) + gap
        first = gy + (group_h - gap) / 2 - LINE_H * (len(lines) - 1) / 2 + 4
        spans = "".join(
            f'<tspan x="{label_w - 8}" y="{first + LINE_H * k:.1f}">{escape(line)}</tspan>'
            for k, line in enumerate(lines)
        )
        body.append(
            f'<text text-anchor="end" fill="{INK}"><title>{escape(label)}</title>{spans}</text>'
        )
        bars_top = gy + (group_h - gap - bar_h * len(series)) / 2
        for s, (v, text) in enumerate(zip(values, row_texts, strict=True)):
            by = bars_top + s * bar_h
            color = PALETTE[s % len(PALETTE)]
            w = 0.0 if v is None else plot_w * v / peak
            body.append(
                f'<rect x="{label_w}" y="{by:.1f}" width="{max(w, 1.0):.1f}" '
                f'height="{bar_h - 2}" fill="{color}" rx="2"><title>{escape(label)} '
                f"{escape(series[s])}: {escape(text)}</title></rect>"
                f'<text x="{label_w + w + 6:.1f}" y="{by + bar_h - 4:.1f}" fill="{INK}">'
                f"{escape(text)}</text>"
            )
        gy += group_h
    height = gy + (LINE_H * legend_rows + 8 if legend_rows else 0) + 4
    body.extend(_shift(legend, gy + 10))
    return _svg(width, math.ceil(height), body, title)


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
