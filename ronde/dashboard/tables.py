"""The overview's table of transactions, written in Python: 100 journeys measure ~500
transactions, and the template engine spent ~8 ms a page calling a filter and escaping each
of their 3 500 cells (#13). A row is written once while its figures stay the same (the
figures of a transaction no run touched are the same object from one request to the next)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import quote

from markupsafe import Markup, escape  # the template's own escaping, byte for byte

from ronde.report.facts import TransactionStats
from ronde.report.formatting import ms, pct


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
