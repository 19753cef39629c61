"""The overview's strip of recent runs, written in Python: escaped like the template was."""

from __future__ import annotations

from datetime import UTC, datetime

from ronde.dashboard.strips import strip
from ronde.report.facts import RunMark


def test_a_strip_links_each_run_with_its_title_and_escapes_what_it_quotes() -> None:
    at = datetime(2026, 11, 20, 11, 0, 5, tzinfo=UTC)
    html = str(strip([RunMark("abc", "failed", at, 1, 'pixel "7" <b>'),
                      RunMark("def", "passed", at, 2, None)]))
    assert html == (
        '<a class="s-failed" href="/runs/abc" title="2026-11-20 11:00:05 UTC · failed · '
        'pixel &quot;7&quot; &lt;b&gt;"></a>'
        '<a class="s-passed confirm" href="/runs/def" title="2026-11-20 11:00:05 UTC · passed '
        '· confirmation"></a>')
