"""The overview's strip of recent runs, its journey rows and its transaction rows, written in
Python: escaped like the template was."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from starlette.testclient import TestClient

from ronde.dashboard.app import create_app
from ronde.dashboard.strips import strip
from ronde.dashboard.tables import journey_rows, transaction_rows
from ronde.report.facts import (
    Availability,
    JourneyOverview,
    Percentiles,
    RunMark,
    TransactionStats,
)
from ronde.report.formatting import environment
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


# the journeys' rows as overview.html wrote them with its macros, before journey_rows
TEMPLATE_ROWS = """{% from "macros.html" import status, availability %}
{% for j in journeys %}
<tr data-journey="{{ j.journey }}">
  <td><a href="/journeys/{{ j.journey|urlencode }}"><strong>{{ j.journey }}</strong></a>\
{% if j.name %}<div class="muted small">{{ j.name }}</div>{% endif %}</td>
  <td>{{ status(j.last_status) }}{% if j.last_category %} <span class="muted small">\
{{ j.last_category }}</span>{% endif %}</td>
  <td class="strip">{{ j.history|strip }}</td>
  <td>{{ j.last_run_at|when }}{% if j.last_device %}<div class="muted small">on \
{{ j.last_device }}</div>{% endif %}</td>
  <td class="a24">{{ availability(j.availability_24h) }}</td>
  <td class="a7d">{{ availability(j.availability_7d) }}</td>
  <td class="num">{% if j.open_incidents %}<a class="badge s-failed" href="/incidents">\
{{ j.open_incidents }}</a>{% else %}0{% endif %}</td>
</tr>
{% endfor %}"""


def test_journey_rows_are_the_template_s_byte_for_byte_whatever_they_quote() -> None:
    at = datetime(2026, 11, 20, 11, 0, 5, tzinfo=UTC)
    journeys = [
        JourneyOverview(
            'shop <b>"x"</b> & co/é', "Shop's <i>login</i>", "failed", "backend & co",
            at, 'pixel "7" <b>', Availability(0.5, 0.9499, 40, 20, 2, 3),
            Availability(1.0, 1.0, 7), 3, False,
            (RunMark("a<b", "failed", at, 1, "d&e"), RunMark("c", "passed", at, 2, None)),
        ),
        JourneyOverview("quiet", None, None, None, None, None, Availability(None, None, 0),
                        Availability(None, 0.95, 0, errors=4)),
        JourneyOverview("ok", "", "passed", None, at, None, Availability(1.0, 0.96, 12),
                        Availability(0.2, 0.0, 5, 4, 5, 0), 0, True),
    ]
    env = environment("ronde.dashboard")
    env.filters["strip"] = strip
    expected = env.from_string(TEMPLATE_ROWS).render(journeys=journeys)
    assert str(journey_rows(journeys)) == expected
    assert "&lt;b&gt;&#34;x&#34;" in expected and "shop%20%3Cb%3E" in expected  # it did quote


def test_an_empty_store_s_overview_says_nothing_ran_yet(tmp_path: Path) -> None:
    source = StoreSource.open(f"sqlite:///{tmp_path / 'empty.db'}")
    try:
        html = TestClient(create_app(source, tmp_path, clock=lambda: NOW)).get("/").text
    finally:
        source.close()
    assert "No journey has run yet." in html
    assert "No transaction measured in the last 24 h." in html
