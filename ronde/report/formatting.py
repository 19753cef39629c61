"""How figures read on the dashboard and in the report: one place, so both say the same."""

from __future__ import annotations

from datetime import UTC, datetime

import jinja2


def pct(value: float | None, digits: int = 2) -> str:
    """A 0..1 ratio as a percentage; `–` when there is nothing to count."""
    return "–" if value is None else f"{value * 100:.{digits}f}\u00a0%"  # never wraps


def ms(value: float | None) -> str:
    """Milliseconds, switching to seconds above 10 s so long runs stay short to read."""
    if value is None:
        return "–"
    if value >= 10_000:
        return f"{value / 1000:.1f}\u00a0s"
    return f"{value:.0f}\u00a0ms"


def when(value: datetime | None) -> str:
    if value is None:
        return "–"
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def duration(seconds: float | None) -> str:
    """A human span: `3 h 12 min`, `45 s`."""
    if seconds is None:
        return "–"
    s = round(seconds)
    days, s = divmod(s, 86400)
    hours, s = divmod(s, 3600)
    minutes, s = divmod(s, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min {s} s" if s and minutes < 10 else f"{minutes} min"
    return f"{s} s"


def environment(package: str) -> jinja2.Environment:
    """A Jinja2 environment for `package`'s templates with Ronde's filters; autoescaped."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader(package, "templates"),
        autoescape=jinja2.select_autoescape(["html", "svg"]),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(pct=pct, ms=ms, when=when, duration=duration)
    return env
