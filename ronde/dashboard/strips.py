"""The overview's strips of recent runs, written in Python: a 100-journey overview has 2 400
links, and the template engine spent ~80 ms escaping them one attribute at a time (#13)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from html import escape

from markupsafe import Markup

from ronde.report.facts import RunMark
from ronde.report.formatting import when


def strip(marks: Iterable[RunMark]) -> Markup:
    """One link per run, coloured by its status, titled with its start, status and device
    (the markup the template wrote, attribute for attribute)."""
    return Markup("".join(map(_link, marks)))


@lru_cache(maxsize=16_384)  # a run's link is written once while it stays in some strip
def _link(m: RunMark) -> str:
    confirm = m.attempt > 1
    title = f"{when(m.started_at)} · {m.status}"
    if m.device:
        title += f" · {m.device}"
    if confirm:
        title += " · confirmation"
    return (f'<a class="s-{escape(m.status)}{" confirm" if confirm else ""}" '
            f'href="/runs/{escape(m.run_id)}" title="{escape(title)}"></a>')
