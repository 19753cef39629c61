"""The overview's strip of recent runs and its transaction rows, written in Python: escaped
like the template was."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from starlette.testclient import TestClient

from ronde.dashboard.app import create_app
from ronde.dashboard.strips import strip
from ronde.dashboard.tables import transaction_rows
from ronde.report.facts import Percentiles, RunMark, TransactionStats
from ronde.report.store_source import StoreSource

NOW = datetime(2026, 7, 1, 12, 30, tzinfo=UTC)


def test_a_strip_links_each_run_with_its_title_and_escapes_what_it_quotes() -> None:
    at = datetime(2026, 11, 20, 11, 0, 5, tzinfo=UTC)
    html = str(strip([RunMark("abc", "failed", at, 1, 'pixel "7" <b>'),
                      RunMark("def", "passed", at, 2, None)]))
    assert html == (
        '<a class="s-failed" href="/runs/abc" title="2026-11-20 11:00:05 UTC · failed · '
        'pixel &quot;7&quot; &lt;b&gt;"></a>'
        '<a class="s-passed confirm" href="/runs/def" title="2026-11-20 11:00:05 UTC · passed '
        '· confirmation"></a>')


def test_a_transaction_row_labels_its_cells_and_escapes_what_it_quotes() -> None:
    html = str(transaction_rows([
        TransactionStats("shop <b>", 'Pay "now"', Percentiles(12, 480.4, 12_345.0, None),
                         0.9166, 12, True),
        TransactionStats("shop/a b", "Launch", Percentiles(0)),
    ]))
    assert html == (
        '<tr>\n  <td><a href="/journeys/shop%20%3Cb%3E">shop &lt;b&gt;</a></td>\n'
        '  <td>Pay &#34;now&#34; <span class="tag">load</span></td>\n'
        '  <td class="num" data-label="p50">480\u00a0ms</td>\n'
        '  <td class="num p95" data-label="p95">12.3\u00a0s</td>\n'
        '  <td class="num" data-label="p99">–</td>\n'
        '  <td class="num" data-label="Success">91.7\u00a0%</td>\n'
        '  <td class="num" data-label="Measured">12</td>\n</tr>\n'
        '<tr>\n  <td><a href="/journeys/shop/a%20b">shop/a b</a></td>\n'
        '  <td>Launch</td>\n'
        '  <td class="num" data-label="p50">–</td>\n'
        '  <td class="num p95" data-label="p95">–</td>\n'
        '  <td class="num" data-label="p99">–</td>\n'
        '  <td class="num" data-label="Success">–</td>\n'
        '  <td class="num" data-label="Measured">0</td>\n</tr>\n')


def test_an_empty_store_s_overview_says_nothing_ran_yet(tmp_path: Path) -> None:
    source = StoreSource.open(f"sqlite:///{tmp_path / 'empty.db'}")
    try:
        html = TestClient(create_app(source, tmp_path, clock=lambda: NOW)).get("/").text
    finally:
        source.close()
    assert "No journey has run yet." in html
    assert "No transaction measured in the last 24 h." in html
