"""The overview's tables of journeys and of transactions, written in Python: 100 journeys
measure ~500 transactions, and the template engine spent ~8 ms a page calling a filter and
escaping each of their 3 500 cells, and ~8 ms on the journeys' rows and their two
availability macros (#13). A row is written once while its figures stay the same (the
figures of a transaction no run touched are the same object from one request to the next;
a journey's row is its state, compared by value)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import quote

from markupsafe import Markup, escape  # the template's own escaping, byte for byte

from ronde.dashboard.strips import strip
from ronde.report.facts import Availability, JourneyOverview, TransactionStats
from ronde.report.formatting import ms, pct, when


def transaction_rows(transactions: Iterable[TransactionStats]) -> Markup:
    """One `<tr>` per transaction: its journey's link, name, p50/p95/p99, success and count
    (cells labelled for the phone layout, which shows each with its label)."""
    return Markup("".join(map(_row, transactions)))


@lru_cache(maxsize=4_096)
def _row(t: TransactionStats) -> str:
    load = ' <span class="tag">load</span>' if t.is_load else ""
    times = t.times
    return (
        f'<tr>\n  <td><a href="/journeys/{escape(quote(t.journey, safe="/"))}">'
        f"{escape(t.journey)}</a></td>\n"
        f"  <td>{escape(t.name)}{load}</td>\n"
        f'  <td class="num" data-label="p50">{ms(times.p50)}</td>\n'
        f'  <td class="num p95" data-label="p95">{ms(times.p95)}</td>\n'
        f'  <td class="num" data-label="p99">{ms(times.p99)}</td>\n'
        f'  <td class="num" data-label="Success">{pct(t.success_rate, 1)}</td>\n'
        f'  <td class="num" data-label="Measured">{times.count}</td>\n</tr>\n'
    )


def journey_rows(journeys: Iterable[JourneyOverview]) -> Markup:
    """One `<tr>` per journey: its link and name, latest status, strip of recent runs, last
    run, availability over 24 h and 7 d, open incidents."""
    return Markup("".join(map(_journey_row, journeys)))


@lru_cache(maxsize=1_024)
def _journey_row(j: JourneyOverview) -> str:
    name = f'<div class="muted small">{escape(j.name)}</div>' if j.name else ""
    latest = (f'<span class="badge s-{escape(j.last_status)}">{escape(j.last_status)}</span>'
              if j.last_status else '<span class="muted">no run yet</span>')
    if j.last_category:
        latest += f' <span class="muted small">{escape(j.last_category)}</span>'
    device = f'<div class="muted small">on {escape(j.last_device)}</div>' if j.last_device else ""
    incidents = (f'<a class="badge s-failed" href="/incidents">{j.open_incidents}</a>'
                 if j.open_incidents else "0")
    return (
        f'<tr data-journey="{escape(j.journey)}">\n'
        f'  <td><a href="/journeys/{escape(quote(j.journey, safe="/"))}"><strong>'
        f"{escape(j.journey)}</strong></a>{name}</td>\n"
        f"  <td>{latest}</td>\n"
        f'  <td class="strip">{strip(j.history)}</td>\n'
        f"  <td>{when(j.last_run_at)}{device}</td>\n"
        f'  <td class="a24">{_availability(j.availability_24h)}</td>\n'
        f'  <td class="a7d">{_availability(j.availability_7d)}</td>\n'
        f'  <td class="num">{incidents}</td>\n</tr>\n'
    )


def _availability(a: Availability) -> str:
    """The `availability` macro of macros.html: confirmed (low below 95 %), first attempt."""
    low = "low" if a.confirmed is not None and a.confirmed < 0.95 else ""
    title = (f"{a.runs} first attempts, {a.failed_first} failed first, {a.failed_confirmed} "
             f"confirmed failures, {a.errors} robot errors left out")
    return (f'<span class="figure"><span class="avail {low}" title="{escape(title)}">'
            f"{escape(pct(a.confirmed))}</span> "
            f'<span class="muted small">confirmed</span></span>\n'
            f'<span class="figure muted small">first attempt {escape(pct(a.first_attempt))} · '
            f"{a.runs} runs</span>")
