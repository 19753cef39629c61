"""`ronde report`: the trial report's figures are the hand-computed ones; the PDF is real."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from ronde.cli import main
from ronde.report.charts import bar_chart, line_chart
from ronde.report.facts import IncidentView
from ronde.report.render import incident_downtime
from tests.fixtures.readside import NOW, Readside


@pytest.fixture(scope="module")
def report(readside: Readside, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    out = tmp_path_factory.mktemp("report")
    config = out / "ronde.yaml"
    config.write_text(f"storage: {readside.store_url}\nartifacts: {readside.artifacts_dir}\n")
    result = CliRunner().invoke(main, [
        "report", "--config", str(config), "--since", "10d",
        "--until", NOW.strftime("%Y-%m-%dT%H:%M:%S"),
        "--out", str(out / "report.html"), "--pdf", str(out / "report.pdf"),
    ])
    assert result.exit_code == 0, result.output + repr(result.exception)
    assert "2 journeys, 24 runs" in result.output
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "95.83\u00a0%" in html  # figures never wrap between number and unit
    return html.replace("\u00a0", " "), out / "report.pdf"


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_summary_has_the_hand_computed_availability(report: tuple[str, Path]) -> None:
    html, _ = report
    # 24 first attempts judged the app over the 10 days: 22 passed -> 91.67 %;
    # 24 rounds, 23 available after confirmation -> 95.83 %.
    assert re.search(r'id="kpi-confirmed">95\.83 %<', html)
    assert re.search(r'id="kpi-first">91\.67 %<', html)
    # transactions: 52 attempted outside `error` runs, 3 Login failures -> 49/52 = 94.23 %
    assert re.search(r'id="kpi-success">94\.23 %<', html)
    text = _text(html)
    # the period says how much data it holds: the first run was 3 days 10 hours ago
    assert "Runs from 2026-11-17 02:00:00 UTC to 2026-11-20 11:30:00 UTC (3 days 9 hours of " \
        "data) · period asked: 10 days up to 2026-11-20 12:00:00 UTC" in text
    assert "2 journeys · 2 devices" in text
    assert "24 scheduled runs judged the app: 2 failed at the first attempt, of which 1 was" in text
    assert "1 run could not judge the app" in text
    assert "Flake rate (failed first, passed on confirmation): 50.00 %" in text


def test_per_journey_availability_and_daily_chart(report: tuple[str, Path]) -> None:
    html, _ = report
    table = _text(html[html.index('id="availability"') : html.index("</table>",
                                                                    html.index('id="availability"'))])
    assert "shop-login 95.00 % 90.00 % 20 2 1 1" in table
    assert "shop-search 100.00 % 100.00 % 4 0 0 0" in table
    # every day from the first run on the axis (17 to 20 Nov); points only where runs were:
    # shop-login on 17 Nov (old rounds) and 20 Nov (from 02:00), shop-search on 20 Nov
    # per device: rounds count for the device of their first attempt (all shop-login first
    # attempts ran on sim-a; shop-search ran on sim-b; the error run had no device)
    devices = _text(html[html.index('id="devices"') : html.index("</table>",
                                                                 html.index('id="devices"'))])
    assert "sim-a 95.00 % 90.00 % 20 2 0" in devices
    assert "sim-b 100.00 % 100.00 % 4 0 0" in devices
    chart = html[html.index("Confirmed availability per day") :]
    chart = chart[: chart.index("</svg>")]
    assert re.findall(r">(\d\d) Nov</text>", chart) == ["17", "18", "19", "20"]
    assert chart.count("<circle") == 3
    assert "shop-login 20 Nov: 90 %" in chart
    assert "shop-login 17 Nov: 100 %" in chart


def test_response_times_load_errors_incidents(report: tuple[str, Path]) -> None:
    html, _ = report
    text = _text(html)
    # Login over 10 days: 19 measured, sorted 1000 x11, 1100..1500, 1500, 1600, 4000:
    # p50 = rank 10 -> 1000, p95 = rank 19 -> 4000; success 19/22 = 86.4 %
    assert "shop-login Login 86.4 % 1000 ms 4000 ms 4000 ms 19" in text
    assert "shop-login Launch (load) 100.0 % 800 ms 800 ms 800 ms 22" in text
    assert "Response time per transaction (p50, p95)" in html
    # by hour: at 03:00 shop-login measured Launch 800, 800 and Login 1000, 4000 -> p95 4000
    hourly = html[html.index("Response time p95 by hour of day (UTC)") :]
    assert "shop-login 03: 4000 ms" in hourly[: hourly.index("</svg>")]
    load = _text(html[html.index('id="load"') :])
    assert load.startswith('id="load"> Journey p50 p95 p99 Measured shop-login 800 ms')
    errors = _text(html[html.index('id="errors"') :])
    assert "backend 3" in errors  # 2 failed first attempts + 1 failed confirmation
    incidents = _text(html[html.index('id="incidents"') :])
    assert "45 min network Every journey failed on every device: network outage." in incidents
    assert "still open backend backend outage Login fails on every device" in incidents
    causes = _text(html[html.index('id="causes"') : html.index('id="incidents"')])
    # the open one counts up to the end of the period: opened 11:10, period ends 12:00
    assert "backend outage 1 50 min network 1 45 min" in causes
    assert "(confidence 80 %)" in incidents
    assert "First-attempt availability" in text and "Confirmed availability" in text


def test_pdf_is_a_real_pdf_with_the_title(report: tuple[str, Path]) -> None:
    _, pdf = report
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    assert data.rstrip().endswith(b"%%EOF")
    assert b"/Title (Ronde trial report)" in data
    assert len(re.findall(rb"/Type\s*/Page\b", data)) >= 2


def test_bad_period_is_refused_clearly(readside: Readside, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["report", "--since", "ten days",
                                       "--out", str(tmp_path / "r.html")])
    assert result.exit_code == 2
    assert "not a duration" in result.output
    assert not (tmp_path / "r.html").exists()
    bare = CliRunner().invoke(main, ["report", "--since", "10", "--out", str(tmp_path / "r.html")])
    assert bare.exit_code == 2 and "'10' has no unit (expected a period like 7d" in bare.output
    assert not (tmp_path / "r.html").exists()


def test_downtime_counts_open_incidents_up_to_the_end() -> None:
    t0 = datetime(2026, 11, 1, tzinfo=UTC)
    incidents = (
        IncidentView("1", "a", "resolved", "app", None, None, None, t0, t0 + timedelta(hours=1)),
        IncidentView("2", "a", "firing", "app", None, None, None, t0 + timedelta(hours=5)),
        IncidentView("3", "a", "firing", "robot", None, None, None, t0),
    )
    assert incident_downtime(incidents, t0 + timedelta(hours=6)) == timedelta(hours=2)


def test_charts_escape_labels_and_break_lines_on_gaps() -> None:
    svg = line_chart(["d1", "d2", "d3"], {"<b>x</b>": [1.0, None, 0.5]}, title="t",
                     y_min=0, y_max=1)
    assert "<b>" not in svg and "&lt;b&gt;x&lt;/b&gt;" in svg
    assert svg.count("<polyline") == 0  # two single points: no line across the gap
    bars = bar_chart([("a & b", (10.0, None))], title="t", series=("p50", "p95"))
    assert "a &amp; b" in bars and "–" in bars


def test_an_empty_period_still_gives_a_readable_report(
    readside: Readside, tmp_path: Path
) -> None:
    config = tmp_path / "ronde.yaml"
    config.write_text(f"storage: {readside.store_url}\n")
    result = CliRunner().invoke(main, [
        "report", "--config", str(config), "--since", "7d", "--until", "2020-01-08",
        "--out", str(tmp_path / "empty.html"),
    ])
    assert result.exit_code == 0, result.output
    html = (tmp_path / "empty.html").read_text(encoding="utf-8")
    assert re.search(r'id="kpi-confirmed">–<', html)
    assert "No transaction measured." in html
    assert "No incident on the app during the trial." in html


def test_a_broken_configuration_is_reported_with_its_position(tmp_path: Path) -> None:
    config = tmp_path / "ronde.yaml"
    config.write_text("storage: [not, a, url]\n")
    result = CliRunner().invoke(main, ["report", "--config", str(config),
                                       "--out", str(tmp_path / "r.html")])
    assert result.exit_code == 1
    assert f"{config}:1:" in result.output


def test_a_missing_database_is_not_created_by_the_report(tmp_path: Path) -> None:
    config = tmp_path / "ronde.yaml"
    config.write_text(f"storage: sqlite:///{tmp_path / 'nothing.db'}\n")
    result = CliRunner().invoke(main, ["report", "--config", str(config),
                                       "--out", str(tmp_path / "r.html")])
    assert result.exit_code == 1
    assert f"no results database at {tmp_path / 'nothing.db'}" in result.output
    assert not (tmp_path / "nothing.db").exists()
